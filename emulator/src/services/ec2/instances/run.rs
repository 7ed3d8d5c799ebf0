//! RunInstances: checks everything first (image, type, counts, network,
//! groups, addresses, tags, user data), then launches `n` instances, each
//! with its network interfaces and root volume, `pending` on the world clock.
//!
//! Error wording: the three "Network interfaces and an instance-level …"
//! combinations are AWS's [R: aws/aws-cli#809, #518, hashicorp/terraform#687],
//! as are the AMI and instance id errors and the user data ones [T]; the
//! others (counts, device indexes, zones, interface limits) are [U].

use base64::Engine as _;

use super::super::errors::{self, R};
use super::super::network::{check_requested_ip, create_eni, NewEni};
use super::super::state::{EniAttachment, Instance};
use super::super::subnets::{available_ips, check_subnet_id};
use super::super::tags::{self, Tags};
use super::catalog::{self, Image};
use super::describe::reservation_model;
use super::volumes::{self, NewVolume};
use crate::model::ec2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;
use crate::world::ids::is_valid_id;

const OP: &str = "RunInstances";
/// AWS's limit on user data, before base64 [R].
const MAX_USER_DATA: usize = 16 * 1024;

/// One network interface of the launch, checked.
struct Nic {
    device_index: i32,
    /// An existing interface, or a new one in `subnet_id`.
    existing: Option<String>,
    subnet_id: String,
    groups: Vec<String>,
    private_ip: Option<String>,
    secondary_count: i32,
    description: String,
    delete_on_termination: bool,
    public_ip: bool,
    tags: Tags,
}

/// Everything about the launch that holds for each instance.
struct Launch<'a> {
    image: &'static Image,
    image_id: String,
    instance_type: String,
    architecture: String,
    nics: Vec<Nic>,
    vpc_id: String,
    zone: String,
    volumes: Vec<NewVolume>,
    tags: Tags,
    volume_tags: Tags,
    input: &'a m::RunInstancesRequest,
}

/// The tags for the instances, their volumes and their interfaces (AWS
/// also takes specifications for what awsemu does not make: spot requests,
/// elastic GPUs).
fn tag_specs(input: &m::RunInstancesRequest) -> R<(Tags, Tags, Tags)> {
    const KINDS: &[&str] = &[
        "instance",
        "volume",
        "network-interface",
        "spot-instances-request",
        "elastic-gpu",
    ];
    let mut all = tags::from_specs_for(input.tag_specifications.clone(), KINDS)?.into_iter();
    let mut next = || all.next().unwrap_or_default();
    Ok((next(), next(), next()))
}

fn check_user_data(data: Option<&str>) -> R<()> {
    let Some(data) = data else { return Ok(()) };
    let raw = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|_| errors::invalid_value_message("Invalid BASE64 encoding of user data."))?;
    if raw.len() > MAX_USER_DATA {
        return Err(errors::invalid_value_message(format!(
            "User data is limited to {MAX_USER_DATA} bytes"
        )));
    }
    Ok(())
}

/// The security groups named by id or (in a default VPC) by name, all in
/// `vpc_id`; none means the VPC's default group.
fn resolve_groups(ctx: &Ctx, subnet_id: &str, ids: &[String], names: &[String]) -> R<Vec<String>> {
    let st = &ctx.acct().ec2;
    let vpc_id = st.subnets[subnet_id].vpc_id.as_str();
    let vpc = &st.vpcs[vpc_id];
    let mut out = vec![];
    for id in ids {
        match st.security_groups.get(id) {
            None if !is_valid_id(id, "sg") => return Err(errors::group_malformed(id)),
            None => return Err(errors::group_not_found(id)),
            Some(g) if g.vpc_id != vpc_id => {
                return Err(errors::invalid_value_message(format!(
                    "Security group {id} and subnet {subnet_id} belong to different networks."
                )))
            }
            Some(_) => out.push(id.clone()),
        }
    }
    for name in names {
        if !vpc.is_default {
            return Err(errors::combination(
                "The parameter groupName cannot be used with the parameter subnet",
            ));
        }
        match st
            .security_groups
            .values()
            .find(|g| g.vpc_id == vpc_id && &g.name == name)
        {
            Some(g) => out.push(g.id.clone()),
            None => {
                return Err(AwsError::new(
                    "InvalidGroup.NotFound",
                    format!("The security group '{name}' does not exist in default VPC '{vpc_id}'"),
                ))
            }
        }
    }
    if out.is_empty() {
        out.push(vpc.default_security_group_id.clone());
    }
    out.dedup();
    Ok(out)
}

/// The default VPC's subnet for the launch: in the zone asked for, else the
/// first zone's.
fn default_subnet(ctx: &Ctx, zone: Option<&str>) -> R<String> {
    let st = &ctx.acct().ec2;
    let Some(vpc) = st.vpcs.values().find(|v| v.is_default) else {
        return Err(AwsError::new(
            "VPCIdNotSpecified",
            "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.",
        ));
    };
    let mut subnets: Vec<_> = st
        .subnets
        .values()
        .filter(|s| s.vpc_id == vpc.id && s.default_for_az)
        .filter(|s| zone.is_none_or(|z| s.availability_zone == z))
        .collect();
    subnets.sort_by(|a, b| a.availability_zone.cmp(&b.availability_zone));
    subnets.first().map(|s| s.id.clone()).ok_or_else(|| {
        AwsError::new(
            "MissingInput",
            "No subnets found for the default VPC. Please specify a subnet.",
        )
    })
}

fn nics(ctx: &Ctx, input: &m::RunInstancesRequest, eni_tags: &Tags) -> R<Vec<Nic>> {
    let top_groups = input.security_group_ids.clone().unwrap_or_default();
    let top_names = input.security_groups.clone().unwrap_or_default();
    let zone = input
        .placement
        .as_ref()
        .and_then(|p| p.availability_zone.clone());
    let specs = input.network_interfaces.clone().unwrap_or_default();
    if specs.is_empty() {
        let subnet_id = match &input.subnet_id {
            Some(s) => s.clone(),
            None => default_subnet(ctx, zone.as_deref())?,
        };
        check_subnet_id(ctx, &subnet_id)?;
        let subnet = &ctx.acct().ec2.subnets[&subnet_id];
        let groups = resolve_groups(ctx, &subnet_id, &top_groups, &top_names)?;
        return Ok(vec![Nic {
            device_index: 0,
            existing: None,
            subnet_id,
            groups,
            private_ip: input.private_ip_address.clone(),
            secondary_count: 0,
            description: String::new(),
            delete_on_termination: true,
            public_ip: subnet.map_public_ip_on_launch,
            tags: eni_tags.clone(),
        }]);
    }
    if input.subnet_id.is_some() {
        return Err(errors::combination(
            "Network interfaces and an instance-level subnet ID may not be specified on the same request",
        ));
    }
    if !top_groups.is_empty() || !top_names.is_empty() {
        return Err(errors::combination(
            "Network interfaces and an instance-level security groups may not be specified on the same request",
        ));
    }
    if input.private_ip_address.is_some() {
        return Err(errors::combination(
            "Network interfaces and an instance-level private IP address may not be specified on the same request",
        ));
    }
    let mut out: Vec<Nic> = vec![];
    for (i, s) in specs.iter().enumerate() {
        let device_index = s.device_index.unwrap_or(i as i32);
        if out.iter().any(|n| n.device_index == device_index) {
            return Err(errors::invalid_value_message(
                "Each network interface requires a unique device index.",
            ));
        }
        if s.associate_public_ip_address.is_some() && (device_index != 0 || specs.len() > 1) {
            return Err(errors::invalid_value_message(
                "The associatePublicIPAddress parameter cannot be specified when launching with multiple network interfaces.",
            ));
        }
        if let Some(id) = &s.network_interface_id {
            if s.subnet_id.is_some() || s.groups.is_some() || s.private_ip_address.is_some() {
                return Err(errors::combination(
                    "A network interface may not specify both a network interface ID and a subnet, security groups or addresses",
                ));
            }
            let Some(e) = ctx.acct().ec2.enis.get(id.as_str()) else {
                return Err(if is_valid_id(id, "eni") {
                    errors::eni_not_found(id)
                } else {
                    errors::eni_malformed(id)
                });
            };
            if e.status != "available" {
                return Err(AwsError::new(
                    "InvalidNetworkInterface.InUse",
                    format!("Interface: [{id}] in use."),
                ));
            }
            if s.associate_public_ip_address == Some(true) {
                return Err(errors::invalid_value_message(
                    "The associatePublicIPAddress parameter cannot be specified for a network interface with an ID.",
                ));
            }
            out.push(Nic {
                device_index,
                existing: Some(id.clone()),
                subnet_id: e.subnet_id.to_string(),
                groups: e.group_ids.clone(),
                private_ip: None,
                secondary_count: 0,
                description: e.description.text(ctx.region_name(), &ctx.account),
                delete_on_termination: s.delete_on_termination.unwrap_or(false),
                public_ip: false,
                tags: Tags::default(),
            });
            continue;
        }
        let Some(subnet_id) = s.subnet_id.clone() else {
            return Err(errors::missing("NetworkInterface.SubnetId"));
        };
        check_subnet_id(ctx, &subnet_id)?;
        let subnet = &ctx.acct().ec2.subnets[&subnet_id];
        let groups = resolve_groups(ctx, &subnet_id, &s.groups.clone().unwrap_or_default(), &[])?;
        let primary = s
            .private_ip_addresses
            .iter()
            .flatten()
            .find(|p| p.primary == Some(true))
            .and_then(|p| p.private_ip_address.clone());
        out.push(Nic {
            device_index,
            existing: None,
            subnet_id: subnet_id.clone(),
            groups,
            private_ip: s.private_ip_address.clone().or(primary),
            secondary_count: s.secondary_private_ip_address_count.unwrap_or(0).max(0),
            description: s.description.clone().unwrap_or_default(),
            delete_on_termination: s.delete_on_termination.unwrap_or(true),
            public_ip: if device_index == 0 {
                s.associate_public_ip_address
                    .unwrap_or(subnet.map_public_ip_on_launch && specs.len() == 1)
            } else {
                false
            },
            tags: eni_tags.clone(),
        });
    }
    out.sort_by_key(|n| n.device_index);
    if out.first().map(|n| n.device_index) != Some(0) {
        return Err(errors::invalid_value_message(
            "When specifying network interfaces, you must include a device at index 0.",
        ));
    }
    Ok(out)
}

/// The launch's volumes: the image's root device (as the request may
/// resize it) and any other EBS device asked for.
fn volumes_of(ctx: &Ctx, image: &Image, input: &m::RunInstancesRequest) -> R<Vec<NewVolume>> {
    let region = ctx.region_name();
    let mut root = NewVolume {
        device: image.root_device().into(),
        size: image.volume_size(),
        volume_type: image.volume_type().into(),
        iops: None,
        throughput: None,
        encrypted: false,
        snapshot_id: image.snapshot_id(region),
        delete_on_termination: true,
    };
    let mut out = vec![];
    for b in input.block_device_mappings.iter().flatten() {
        let device = b.device_name.clone().unwrap_or_default();
        if device.is_empty() {
            return Err(errors::missing("BlockDeviceMapping.DeviceName"));
        }
        let Some(ebs) = &b.ebs else { continue };
        if let Some(size) = ebs.volume_size {
            if !(1..=16384).contains(&size) {
                return Err(errors::invalid_value(
                    "volumeSize",
                    &size.to_string(),
                    "Volume size must be between 1 and 16384 GiB.",
                ));
            }
        }
        if let Some(t) = &ebs.volume_type {
            if !["gp2", "gp3", "io1", "io2", "st1", "sc1", "standard"].contains(&t.as_str()) {
                return Err(errors::invalid_value(
                    "volumeType",
                    t,
                    "Volume type must be one of gp2, gp3, io1, io2, st1, sc1, standard.",
                ));
            }
        }
        if device == image.root_device() {
            if let Some(size) = ebs.volume_size {
                if size < image.volume_size() {
                    return Err(errors::invalid_value_message(format!(
                        "Volume of size {size}GB is smaller than snapshot '{}', expect size >= {}GB",
                        root.snapshot_id,
                        image.volume_size()
                    )));
                }
                root.size = size;
            }
            if let Some(t) = &ebs.volume_type {
                root.volume_type = t.clone();
            }
            root.iops = ebs.iops.or(root.iops);
            root.throughput = ebs.throughput.or(root.throughput);
            root.encrypted = ebs.encrypted.unwrap_or(root.encrypted);
            root.delete_on_termination = ebs.delete_on_termination.unwrap_or(true);
        } else {
            out.push(NewVolume {
                device,
                size: ebs.volume_size.unwrap_or(8),
                volume_type: ebs.volume_type.clone().unwrap_or_else(|| "gp2".into()),
                iops: ebs.iops,
                throughput: ebs.throughput,
                encrypted: ebs.encrypted.unwrap_or(false),
                snapshot_id: ebs.snapshot_id.clone().unwrap_or_default(),
                delete_on_termination: ebs.delete_on_termination.unwrap_or(true),
            });
        }
    }
    out.insert(0, root);
    Ok(out)
}

/// The launch, checked: nothing has changed when this fails.
fn check<'a>(ctx: &Ctx, input: &'a m::RunInstancesRequest) -> R<(Launch<'a>, i32)> {
    if let Some(t) = &input.launch_template {
        let (code, what) = match (&t.launch_template_id, &t.launch_template_name) {
            (Some(id), _) => ("InvalidLaunchTemplateId.NotFound", id.clone()),
            (None, Some(name)) => ("InvalidLaunchTemplateName.NotFoundException", name.clone()),
            (None, None) => return Err(errors::missing("LaunchTemplateId or LaunchTemplateName")),
        };
        return Err(AwsError::new(
            code,
            format!(
                "The specified launch template, with template ID or name {what}, does not exist."
            ),
        ));
    }
    let image_id = input
        .image_id
        .clone()
        .ok_or_else(|| errors::missing("ImageId"))?;
    let image = catalog::image(ctx, &image_id)?;
    let min = input.min_count.ok_or_else(|| errors::missing("MinCount"))?;
    let max = input.max_count.ok_or_else(|| errors::missing("MaxCount"))?;
    if min < 1 {
        return Err(errors::invalid_value(
            "minCount",
            &min.to_string(),
            "Expected a positive integer.",
        ));
    }
    if max < min {
        return Err(errors::invalid_value(
            "maxCount",
            &max.to_string(),
            "Expected a value greater than or equal to minCount.",
        ));
    }
    // AWS's default type when none is given [R].
    let instance_type = input
        .instance_type
        .clone()
        .unwrap_or_else(|| "m1.small".into());
    let known = catalog::instance_type(&instance_type);
    if known.is_none() && !catalog::well_formed_type(&instance_type) {
        return Err(errors::invalid_value_message(format!(
            "Invalid value '{instance_type}' for InstanceType."
        )));
    }
    if let Some(t) = known {
        if t.architecture != image.architecture {
            return Err(errors::invalid_value_message(format!(
                "The architecture '{}' of the specified instance type does not match the architecture '{}' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again.",
                t.architecture, image.architecture
            )));
        }
    }
    if let Some(b) = &input.instance_initiated_shutdown_behavior {
        if b != "stop" && b != "terminate" {
            return Err(errors::invalid_value(
                "InstanceInitiatedShutdownBehavior",
                b,
                "Valid values are stop, terminate.",
            ));
        }
    }
    if let Some(h) = input
        .metadata_options
        .as_ref()
        .and_then(|o| o.http_tokens.as_ref())
    {
        if h != "optional" && h != "required" {
            return Err(errors::invalid_value(
                "HttpTokens",
                h,
                "Valid values are optional, required.",
            ));
        }
    }
    check_user_data(input.user_data.as_deref())?;
    let (instance_tags, volume_tags, eni_tags) = tag_specs(input)?;
    let nics = nics(ctx, input, &eni_tags)?;
    let st = &ctx.acct().ec2;
    let first = &st.subnets[&nics[0].subnet_id];
    let (vpc_id, zone) = (first.vpc_id.clone(), first.availability_zone.clone());
    if let Some(z) = input
        .placement
        .as_ref()
        .and_then(|p| p.availability_zone.as_ref())
    {
        if *z != zone {
            return Err(errors::invalid_value(
                "availabilityZone",
                z,
                &format!("Subnet '{}' is in the availability zone {zone}", first.id),
            ));
        }
    }
    for n in &nics {
        if st.subnets[&n.subnet_id].availability_zone != zone {
            return Err(errors::invalid_value_message(
                "The network interfaces of an instance must all be in the same availability zone.",
            ));
        }
    }
    if let Some(t) = known {
        if nics.len() as i32 > t.max_enis {
            return Err(AwsError::new(
                "InvalidParameterValue",
                format!(
                    "The number of network interfaces ({}) exceeds the maximum for instance type {} ({}).",
                    nics.len(),
                    t.name,
                    t.max_enis
                ),
            ));
        }
    }
    let has_existing = nics.iter().any(|n| n.existing.is_some());
    let fixed_ip = nics.iter().any(|n| n.private_ip.is_some());
    if (has_existing || fixed_ip) && min > 1 {
        return Err(errors::combination(
            "Cannot specify a network interface ID or private IP address when launching more than one instance.",
        ));
    }
    for n in nics.iter().filter(|n| n.existing.is_none()) {
        if let Some(ip) = &n.private_ip {
            check_requested_ip(ctx, &n.subnet_id, ip)?;
        }
    }
    // As many as every new interface's subnet has room for, at least `min`.
    let mut room = max;
    for n in nics.iter().filter(|n| n.existing.is_none()) {
        let per = 1 + n.secondary_count;
        let same = nics
            .iter()
            .filter(|o| o.existing.is_none() && o.subnet_id == n.subnet_id)
            .map(|o| 1 + o.secondary_count)
            .sum::<i32>()
            .max(per);
        room = room.min(available_ips(&st.subnets[&n.subnet_id]) / same);
    }
    if room < min {
        let subnet = nics
            .iter()
            .find(|n| n.existing.is_none())
            .map(|n| n.subnet_id.clone())
            .unwrap_or_default();
        return Err(errors::no_free_address(&subnet));
    }
    let volumes = volumes_of(ctx, image, input)?;
    Ok((
        Launch {
            image,
            image_id,
            architecture: image.architecture.into(),
            instance_type,
            nics,
            vpc_id,
            zone,
            volumes,
            tags: instance_tags,
            volume_tags,
            input,
        },
        room,
    ))
}

pub(crate) fn run_instances(ctx: &mut Ctx, input: m::RunInstancesRequest) -> R<m::Reservation> {
    if let Some(token) = &input.client_token {
        if let Some((op, reservation)) = ctx.acct().ec2.client_tokens.get(token) {
            let ours: Vec<&Instance> = ctx
                .acct()
                .ec2
                .instances
                .values()
                .filter(|i| &i.reservation_id == reservation)
                .collect();
            let same = ours.first().is_some_and(|i| {
                Some(&i.image_id) == input.image_id.as_ref()
                    && input
                        .instance_type
                        .as_ref()
                        .is_none_or(|t| t == &i.instance_type)
            });
            if op != OP || !same {
                return Err(errors::idempotent_mismatch());
            }
            let instances: Vec<Instance> = ours.into_iter().cloned().collect();
            return Ok(reservation_model(ctx, reservation, &instances));
        }
    }
    let (launch, count) = check(ctx, &input)?;
    ctx.dry_run(input.dry_run)?;
    let reservation_id = ctx.new_id("r");
    let mut made = vec![];
    for index in 0..count {
        let id = launch_one(ctx, &launch, &reservation_id, index)?;
        made.push(id);
    }
    if let Some(token) = &input.client_token {
        ctx.acct_mut()
            .ec2
            .client_tokens
            .insert(token.clone(), (OP.into(), reservation_id.clone()));
    }
    let instances: Vec<Instance> = made
        .iter()
        .filter_map(|id| ctx.acct().ec2.instances.get(id).cloned())
        .collect();
    Ok(reservation_model(ctx, &reservation_id, &instances))
}

fn launch_one(ctx: &mut Ctx, l: &Launch<'_>, reservation_id: &str, index: i32) -> R<String> {
    let input = l.input;
    let id = ctx.new_id("i");
    let now = ctx.now();
    for nic in &l.nics {
        let eni = match &nic.existing {
            Some(e) => e.clone(),
            None => {
                let eni = create_eni(
                    ctx,
                    NewEni {
                        subnet_id: &nic.subnet_id,
                        group_ids: nic.groups.clone(),
                        description: nic.description.clone(),
                        interface_type: "interface",
                        requester_id: None,
                        public_ip: nic.public_ip,
                        private_ip: nic.private_ip.clone(),
                    },
                )?;
                for _ in 0..nic.secondary_count {
                    let ip = super::super::subnets::allocate_ip(ctx, &nic.subnet_id, None)?;
                    if let Some(e) = ctx.acct_mut().ec2.enis.get_mut(eni.as_str()) {
                        e.secondary_ips.push(ip);
                    }
                }
                eni
            }
        };
        let attachment = EniAttachment {
            id: ctx.new_id("eni-attach"),
            instance_id: id.clone(),
            device_index: nic.device_index,
            status: "attached".into(),
            delete_on_termination: nic.delete_on_termination,
            attached: now,
        };
        if let Some(e) = ctx.acct_mut().ec2.enis.get_mut(eni.as_str()) {
            e.attachment = Some(Box::new(attachment));
            e.status = "in-use".into();
            if nic.existing.is_none() {
                e.tags = nic.tags.clone();
            }
        }
    }
    for v in &l.volumes {
        volumes::create_attached(ctx, v, &id, &l.zone, l.volume_tags.clone());
    }
    let options = input.metadata_options.clone().unwrap_or_default();
    let instance = Instance {
        id: id.clone(),
        reservation_id: reservation_id.to_string(),
        launch_index: index,
        image_id: l.image_id.clone(),
        instance_type: l.instance_type.clone(),
        architecture: l.architecture.clone(),
        key_name: input.key_name.clone(),
        subnet_id: l.nics[0].subnet_id.clone(),
        vpc_id: l.vpc_id.clone(),
        availability_zone: l.zone.clone(),
        state: "pending".into(),
        transition_reason: String::new(),
        state_reason: None,
        stopped_at: None,
        launch_time: now,
        checks_passed: false,
        user_data: input.user_data.clone().map(|d| d.trim().to_string()),
        iam_instance_profile: input.iam_instance_profile.as_ref().map(|p| {
            p.arn.clone().unwrap_or_else(|| {
                format!(
                    "arn:aws:iam::{}:instance-profile/{}",
                    ctx.account,
                    p.name.clone().unwrap_or_default()
                )
            })
        }),
        disable_api_termination: input.disable_api_termination.unwrap_or(false),
        disable_api_stop: input.disable_api_stop.unwrap_or(false),
        shutdown_behavior: input
            .instance_initiated_shutdown_behavior
            .clone()
            .unwrap_or_else(|| "stop".into()),
        ebs_optimized: input.ebs_optimized.unwrap_or(false),
        monitoring: input
            .monitoring
            .as_ref()
            .and_then(|m| m.enabled)
            .unwrap_or(false),
        // Amazon Linux 2023 images ask for IMDSv2 [R].
        http_tokens: options.http_tokens.unwrap_or_else(|| {
            if l.image.name.starts_with("al2023") {
                "required"
            } else {
                "optional"
            }
            .into()
        }),
        http_hop_limit: options.http_put_response_hop_limit.unwrap_or(
            if l.image.name.starts_with("al2023") {
                2
            } else {
                1
            },
        ),
        public_ip_on_start: l.nics[0].public_ip,
        root_device_name: l.image.root_device().into(),
        client_token: input.client_token.clone(),
        tags: l.tags.clone(),
    };
    ctx.acct_mut().ec2.instances.insert(id.clone(), instance);
    ctx.emit(super::super::state::event(
        "instance",
        &id,
        "created",
        Some("pending"),
    ));
    super::schedule_running(ctx, &id);
    Ok(id)
}
