//! Instances in scenario files: launched through RunInstances with what AWS
//! generated for them pinned (ids, addresses, launch time), brought to their
//! declared state once everything has settled, and exported back.

use std::sync::Arc;

use super::super::scenario::{
    ec2, eni_of, export_tags, groups, interface_extras, tag_resource, tags,
};
use super::super::state::{Instance, State};
use super::catalog;
use crate::model::ec2 as e;
use crate::scenario_file::format as f;
use crate::scenario_file::mapping::{one_ref, refs, At, Names, Phase, Pins, ScenarioError};
use crate::services::state::{Account, World};

/// The AMI an entry names: an id, or the name of one awsemu offers.
fn image_id(at: &At<'_>, region: &str, image: &str) -> Result<String, ScenarioError> {
    if image.starts_with("ami-") {
        return Ok(image.to_string());
    }
    catalog::images()
        .iter()
        .find(|i| i.name == image)
        .map(|i| i.id(region))
        .ok_or_else(|| {
            at.err(
                "image",
                format!("no AMI named '{image}' (see DescribeImages)"),
            )
        })
}

fn volume_mappings(v: &[f::InstanceVolume]) -> Option<Vec<e::BlockDeviceMapping>> {
    (!v.is_empty()).then(|| {
        v.iter()
            .map(|v| e::BlockDeviceMapping {
                device_name: Some(v.device.clone()),
                ebs: Some(e::EbsBlockDevice {
                    delete_on_termination: v.delete_on_termination,
                    volume_size: v.size,
                    volume_type: v.volume_type.clone(),
                    iops: v.iops,
                    throughput: v.throughput,
                    encrypted: v.encrypted,
                    ..Default::default()
                }),
                ..Default::default()
            })
            .collect()
    })
}

pub(crate) fn apply(
    world: &Arc<World>,
    p: &Phase<'_>,
    names: &mut Names,
    res: &f::RegionResources,
) -> Result<(), ScenarioError> {
    for (i, x) in res.instances.iter().enumerate() {
        let at = p.at(format!("{}.instances[{i}]", p.base));
        let subnet = one_ref(names, &at, "subnet", "subnet", "subnet", &x.subnet)?;
        let groups = refs(
            names,
            &at,
            "securityGroups",
            "securityGroup",
            "sg",
            &x.security_groups,
        )?;
        let nics = vec![e::InstanceNetworkInterfaceSpecification {
            device_index: Some(0),
            subnet_id: Some(subnet),
            groups: (!groups.is_empty()).then_some(groups),
            description: x.description.clone(),
            associate_public_ip_address: x.public_ip_on_launch,
            ..Default::default()
        }];
        // The other interfaces are attached once it runs (see `settle_step`).
        for (k, a) in x.attachments.iter().enumerate() {
            let field = format!("attachments[{k}].networkInterface");
            one_ref(
                names,
                &at,
                &field,
                "networkInterface",
                "eni",
                &a.network_interface,
            )?;
        }
        let mut pins = Pins::default()
            .id(&at, "id", "i", x.id.as_ref())?
            .id(&at, "reservationId", "r", x.reservation_id.as_ref())?
            .id(&at, "attachmentId", "eni-attach", x.attachment_id.as_ref())?
            .ids(
                &at,
                "volumes",
                "vol",
                x.volumes.iter().map(|v| v.id.as_ref()),
            )?
            .time(&at, "launchedAt", x.launched_at.as_ref())?;
        if let Some(n) = &x.network_interface {
            pins = pins.enis(&at, "networkInterface", std::slice::from_ref(n))?;
        }
        let instance_tags = tags("instance", &x.tags).unwrap_or_default();
        let eni_tags = tags("network-interface", &x.network_interface_tags).unwrap_or_default();
        let specs: Vec<e::TagSpecification> = instance_tags.into_iter().chain(eni_tags).collect();
        let out = pins.run(world, || {
            ec2(
                world,
                &at,
                e::Request::RunInstances(e::RunInstancesRequest {
                    image_id: Some(image_id(&at, p.region, &x.image)?),
                    instance_type: Some(x.instance_type.clone()),
                    min_count: Some(1),
                    max_count: Some(1),
                    network_interfaces: Some(nics),
                    block_device_mappings: volume_mappings(&x.volumes),
                    key_name: x.key_name.clone(),
                    client_token: x.client_token.clone(),
                    user_data: x.user_data.clone(),
                    iam_instance_profile: x.iam_instance_profile.as_ref().map(|arn| {
                        e::IamInstanceProfileSpecification {
                            arn: Some(arn.clone()),
                            name: None,
                        }
                    }),
                    disable_api_termination: x.disable_api_termination,
                    disable_api_stop: x.disable_api_stop,
                    instance_initiated_shutdown_behavior: x.shutdown_behavior.clone(),
                    ebs_optimized: x.ebs_optimized,
                    monitoring: x.monitoring.map(|m| e::RunInstancesMonitoringEnabled {
                        enabled: Some(m),
                        ..Default::default()
                    }),
                    metadata_options: (x.http_tokens.is_some() || x.http_hop_limit.is_some()).then(
                        || e::InstanceMetadataOptionsRequest {
                            http_tokens: x.http_tokens.clone(),
                            http_put_response_hop_limit: x.http_hop_limit,
                            ..Default::default()
                        },
                    ),
                    tag_specifications: (!specs.is_empty()).then_some(specs),
                    ..Default::default()
                }),
            )
        })?;
        let e::Response::RunInstances(out) = out else {
            return Err(at.err("", "unexpected answer"));
        };
        let made = out.instances.unwrap_or_default();
        let id = made
            .first()
            .and_then(|i| i.instance_id.clone())
            .unwrap_or_default();
        let eni = made
            .first()
            .and_then(|i| i.network_interfaces.as_ref())
            .and_then(|n| n.first())
            .and_then(|n| n.network_interface_id.clone())
            .unwrap_or_default();
        after_launch(world, &at, x, &id, &eni)?;
        if let Some(group) = &x.auto_scaling_group {
            auto_scaling_group(world, &at, &id, group)?;
        }
        names.put(p.account, p.region, "instance", &x.name, id);
    }
    Ok(())
}

/// The tag Auto Scaling gives the instances of a group.
pub const ASG_TAG: &str = "aws:autoscaling:groupName";

/// An instance of an Auto Scaling group: the tag the group gives it, which
/// no API caller may set (awsemu has no Auto Scaling API).
fn auto_scaling_group(
    world: &Arc<World>,
    at: &At<'_>,
    id: &str,
    group: &str,
) -> Result<(), ScenarioError> {
    // Auto Scaling group names: 1 to 255 characters, no colon (it
    // separates the parts of the group's ARN).
    if group.is_empty() || group.len() > 255 || group.contains(':') {
        return Err(at.err(
            "autoScalingGroup",
            format!("'{group}' is not an Auto Scaling group name (1 to 255 characters, no colon)"),
        ));
    }
    let mut ctx = world.context(&at.who(), "scenario");
    if let Some(i) = ctx.acct_mut().ec2.instances.get_mut(id) {
        i.tags.add(vec![(ASG_TAG.to_string(), group.to_string())]);
    }
    Ok(())
}

/// What RunInstances does not take: the primary interface's secondary
/// addresses and source/destination check, the volumes' own tags.
fn after_launch(
    world: &Arc<World>,
    at: &At<'_>,
    x: &f::Instance,
    id: &str,
    eni: &str,
) -> Result<(), ScenarioError> {
    interface_extras(
        world,
        at,
        eni,
        &x.secondary_private_ips,
        x.source_dest_check,
    )?;
    let volumes: Vec<(String, f::Tags)> = {
        let ctx = world.context(&at.who(), "scenario");
        super::volumes::of_instance(&ctx, id)
            .iter()
            .map(|v| {
                let device = v.attachment.as_ref().map(|a| a.device.clone());
                let wanted = x
                    .volumes
                    .iter()
                    .find(|w| Some(&w.device) == device.as_ref())
                    .map(|w| w.tags.clone())
                    .unwrap_or_default();
                (v.id.clone(), wanted)
            })
            .collect()
    };
    for (volume, t) in &volumes {
        tag_resource(world, at, volume, t)?;
    }
    Ok(())
}

/// What comes after the launch, in steps with the world settled between
/// them (each needs the instance running or stopped): 0 attaches the other
/// interfaces and stops an instance started again since its launch, 1
/// starts it, 2 stops those declared `stopped`.
pub(crate) fn settle_step(
    world: &Arc<World>,
    p: &Phase<'_>,
    names: &Names,
    res: &f::RegionResources,
    step: u8,
) -> Result<(), ScenarioError> {
    for (i, x) in res.instances.iter().enumerate() {
        let at = p.at(format!("{}.instances[{i}]", p.base));
        if !matches!(x.state.as_deref(), None | Some("running") | Some("stopped")) {
            return Err(at.err(
                "state",
                format!(
                    "'{}' is not a state to declare (running or stopped)",
                    x.state.as_deref().unwrap_or_default()
                ),
            ));
        }
        let id = names
            .get(p.account, p.region, "instance", &x.name)
            .unwrap_or_default();
        let call = |time: Option<&String>, ip: Option<&String>, req: e::Request| {
            let pins = Pins::default()
                .time(&at, "startedAt", time)?
                .value("instance-public-ip", ip);
            pins.run(world, || ec2(world, &at, req)).map(|_| ())
        };
        let stop = |time: Option<&String>| {
            call(
                time,
                None,
                e::Request::StopInstances(e::StopInstancesRequest {
                    instance_ids: Some(vec![id.clone()]),
                    ..Default::default()
                }),
            )
        };
        match step {
            0 => {
                for (k, a) in x.attachments.iter().enumerate() {
                    let field = format!("attachments[{k}].networkInterface");
                    let eni = one_ref(
                        names,
                        &at,
                        &field,
                        "networkInterface",
                        "eni",
                        &a.network_interface,
                    )?;
                    let pins = Pins::default()
                        .id(&at, "attachmentId", "eni-attach", a.attachment_id.as_ref())?
                        .time(&at, "attachedAt", a.attached_at.as_ref())?;
                    let out = pins.run(world, || {
                        ec2(
                            world,
                            &at,
                            e::Request::AttachNetworkInterface(e::AttachNetworkInterfaceRequest {
                                network_interface_id: Some(eni.clone()),
                                instance_id: Some(id.clone()),
                                device_index: Some(a.device_index),
                                ..Default::default()
                            }),
                        )
                    })?;
                    let e::Response::AttachNetworkInterface(out) = out else {
                        return Err(at.err("", "unexpected answer"));
                    };
                    if a.delete_on_termination == Some(true) {
                        ec2(
                            world,
                            &at,
                            e::Request::ModifyNetworkInterfaceAttribute(
                                e::ModifyNetworkInterfaceAttributeRequest {
                                    network_interface_id: Some(eni),
                                    attachment: Some(e::NetworkInterfaceAttachmentChanges {
                                        attachment_id: out.attachment_id,
                                        delete_on_termination: Some(true),
                                        ..Default::default()
                                    }),
                                    ..Default::default()
                                },
                            ),
                        )?;
                    }
                }
                if x.started_at.is_some() {
                    stop(x.started_at.as_ref())?;
                }
            }
            1 if x.started_at.is_some() => call(
                x.started_at.as_ref(),
                x.network_interface
                    .as_ref()
                    .and_then(|n| n.public_ip.as_ref()),
                e::Request::StartInstances(e::StartInstancesRequest {
                    instance_ids: Some(vec![id.clone()]),
                    ..Default::default()
                }),
            )?,
            2 if x.state.as_deref() == Some("stopped") => stop(x.stopped_at.as_ref())?,
            _ => {}
        }
    }
    Ok(())
}

fn export_one(region: &str, account: &str, a: &Account, st: &State, i: &Instance) -> f::Instance {
    let enis = {
        let mut v: Vec<_> = st
            .enis
            .values()
            .filter(|e| e.attachment.as_ref().is_some_and(|t| t.instance_id == i.id))
            .collect();
        v.sort_by_key(|e| e.attachment.as_ref().map(|t| t.device_index));
        v
    };
    let primary = enis
        .iter()
        .find(|e| e.attachment.as_ref().is_some_and(|t| t.device_index == 0));
    let mut volumes: Vec<_> = st
        .volumes
        .values()
        .filter(|v| v.attachment.as_ref().is_some_and(|t| t.instance_id == i.id))
        .collect();
    volumes.sort_by_key(|v| {
        let d = v
            .attachment
            .as_ref()
            .map(|t| t.device.clone())
            .unwrap_or_default();
        (d != i.root_device_name, d)
    });
    // Its launch: when its primary interface was attached.
    let launched = primary.and_then(|e| e.attachment.as_ref().map(|t| t.attached));
    let image = catalog::images()
        .iter()
        .find(|x| x.id(region) == i.image_id)
        .map(|x| x.name.to_string());
    f::Instance {
        name: i.id.clone(),
        id: Some(i.id.clone()),
        reservation_id: Some(i.reservation_id.clone()),
        image: image.unwrap_or_else(|| i.image_id.clone()),
        instance_type: i.instance_type.clone(),
        subnet: i.subnet_id.clone(),
        security_groups: primary.map(|e| groups(a, &e.group_ids)).unwrap_or_default(),
        network_interface: primary.map(|e| eni_of(a, &e.id)),
        attachment_id: primary.and_then(|e| e.attachment.as_ref().map(|t| t.id.clone())),
        public_ip_on_launch: Some(i.public_ip_on_start),
        description: primary
            .map(|e| e.description.text(region, account))
            .filter(|d| !d.is_empty()),
        secondary_private_ips: primary.map(|e| e.secondary_ips.clone()).unwrap_or_default(),
        source_dest_check: primary.map(|e| e.source_dest_check).filter(|c| !c),
        network_interface_tags: primary.map(|e| export_tags(&e.tags)).unwrap_or_default(),
        attachments: enis
            .iter()
            .filter_map(|e| {
                let t = e.attachment.as_ref()?;
                (t.device_index != 0).then(|| f::InstanceAttachment {
                    network_interface: e.id.to_string(),
                    device_index: t.device_index,
                    attachment_id: Some(t.id.clone()),
                    attached_at: Some(t.attached.to_iso8601()),
                    delete_on_termination: Some(t.delete_on_termination),
                })
            })
            .collect(),
        volumes: volumes
            .iter()
            .map(|v| f::InstanceVolume {
                device: v
                    .attachment
                    .as_ref()
                    .map(|t| t.device.clone())
                    .unwrap_or_default(),
                id: Some(v.id.clone()),
                size: Some(v.size),
                volume_type: Some(v.volume_type.clone()),
                iops: v
                    .iops
                    .filter(|_| matches!(v.volume_type.as_str(), "io1" | "io2" | "gp3")),
                throughput: v.throughput,
                encrypted: v.encrypted.then_some(true),
                delete_on_termination: v.attachment.as_ref().map(|t| t.delete_on_termination),
                tags: export_tags(&v.tags),
            })
            .collect(),
        key_name: i.key_name.clone(),
        user_data: i.user_data.clone(),
        iam_instance_profile: i.iam_instance_profile.clone(),
        state: (i.state == "stopped").then(|| "stopped".into()),
        launched_at: Some(launched.unwrap_or(i.launch_time).to_iso8601()),
        started_at: launched
            .filter(|l| *l != i.launch_time)
            .map(|_| i.launch_time.to_iso8601()),
        stopped_at: i
            .stopped_at
            .filter(|_| matches!(i.state.as_str(), "stopped" | "stopping"))
            .map(|t| t.to_iso8601()),
        client_token: i.client_token.clone(),
        disable_api_termination: i.disable_api_termination.then_some(true),
        disable_api_stop: i.disable_api_stop.then_some(true),
        shutdown_behavior: (i.shutdown_behavior != "stop").then(|| i.shutdown_behavior.clone()),
        ebs_optimized: i.ebs_optimized.then_some(true),
        monitoring: i.monitoring.then_some(true),
        http_tokens: Some(i.http_tokens.clone()),
        http_hop_limit: Some(i.http_hop_limit),
        tags: export_tags(&i.tags)
            .into_iter()
            .filter(|(k, _)| k != ASG_TAG)
            .collect(),
        auto_scaling_group: i.tags.get(ASG_TAG).map(str::to_string),
    }
}

/// The account's instances in a Region, in a settled state (running or
/// stopped; the others are on their way and would be settled at once).
pub(crate) fn export(region: &str, account: &str, a: &Account, out: &mut f::RegionResources) {
    let st = &a.ec2;
    for i in st.instances.values().filter(|i| {
        matches!(
            i.state.as_str(),
            "running" | "stopped" | "pending" | "stopping"
        )
    }) {
        let mut x = export_one(region, account, a, st, i);
        if i.state == "stopping" {
            x.state = Some("stopped".into());
        }
        out.instances.push(x);
    }
}
