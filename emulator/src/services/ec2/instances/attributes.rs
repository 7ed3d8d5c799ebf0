//! DescribeInstanceAttribute and ModifyInstanceAttribute: one attribute a
//! call; the type, user data and EBS optimization change only while the
//! instance is stopped, as in AWS.

use super::super::errors::{self, R};
use super::super::network::group_identifiers;
use super::{check_id, primary_eni, volumes};
use crate::model::ec2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

fn unknown_attribute(name: &str) -> AwsError {
    errors::invalid_value("attribute", name, "Unknown attribute.")
}

fn value(v: impl Into<String>) -> Option<m::AttributeValue> {
    Some(m::AttributeValue {
        value: Some(v.into()),
    })
}

fn flag(b: bool) -> Option<m::AttributeBooleanValue> {
    Some(m::AttributeBooleanValue { value: Some(b) })
}

pub(crate) fn describe(
    ctx: &mut Ctx,
    input: m::DescribeInstanceAttributeRequest,
) -> R<m::InstanceAttribute> {
    let id = input.instance_id.unwrap_or_default();
    let attribute = input
        .attribute
        .ok_or_else(|| errors::missing("Attribute"))?;
    check_id(ctx, &id)?;
    ctx.dry_run(input.dry_run)?;
    let i = &ctx.acct().ec2.instances[&id];
    let primary = primary_eni(ctx, &id);
    let mut out = m::InstanceAttribute {
        instance_id: Some(id.clone()),
        ..Default::default()
    };
    match attribute.as_str() {
        "instanceType" => out.instance_type = value(&i.instance_type),
        // No kernel or ramdisk for HVM images: the element, empty.
        "kernel" => out.kernel_id = Some(m::AttributeValue::default()),
        "ramdisk" => out.ramdisk_id = Some(m::AttributeValue::default()),
        "userData" => {
            out.user_data = Some(m::AttributeValue {
                value: i.user_data.clone(),
            })
        }
        "disableApiTermination" => out.disable_api_termination = flag(i.disable_api_termination),
        "disableApiStop" => out.disable_api_stop = flag(i.disable_api_stop),
        "instanceInitiatedShutdownBehavior" => {
            out.instance_initiated_shutdown_behavior = value(&i.shutdown_behavior)
        }
        "rootDeviceName" => out.root_device_name = value(&i.root_device_name),
        "blockDeviceMapping" => out.block_device_mappings = Some(volumes::mappings(ctx, &id)),
        "productCodes" => out.product_codes = Some(vec![]),
        "sourceDestCheck" => {
            out.source_dest_check = flag(primary.is_none_or(|e| e.source_dest_check))
        }
        "groupSet" => {
            out.groups = Some(
                primary
                    .map(|e| group_identifiers(ctx, &e.group_ids))
                    .unwrap_or_default(),
            )
        }
        "ebsOptimized" => out.ebs_optimized = flag(i.ebs_optimized),
        "sriovNetSupport" => out.sriov_net_support = value("simple"),
        "enaSupport" => out.ena_support = flag(true),
        "enclaveOptions" => {
            out.enclave_options = Some(m::EnclaveOptions {
                enabled: Some(false),
            })
        }
        other => return Err(unknown_attribute(other)),
    }
    Ok(out)
}

/// What one ModifyInstanceAttribute call changes.
enum Change {
    InstanceType(String),
    UserData(Option<String>),
    DisableApiTermination(bool),
    DisableApiStop(bool),
    ShutdownBehavior(String),
    SourceDestCheck(bool),
    Groups(Vec<String>),
    EbsOptimized(bool),
    DeleteOnTermination(Vec<(String, bool)>),
}

fn parse_bool(name: &str, v: &str) -> R<bool> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(errors::invalid_value(name, v, "Expected true or false.")),
    }
}

/// The one change the request asks for, from its own member or from the
/// older `Attribute` + `Value` form.
fn change_of(input: &m::ModifyInstanceAttributeRequest) -> R<Change> {
    let b = |v: &Option<m::AttributeBooleanValue>| v.as_ref().and_then(|v| v.value);
    let s = |v: &Option<m::AttributeValue>| v.as_ref().and_then(|v| v.value.clone());
    let mut found = vec![];
    if let Some(v) = s(&input.instance_type) {
        found.push(Change::InstanceType(v));
    }
    if let Some(v) = &input.user_data {
        found.push(Change::UserData(v.value.as_ref().map(|b| b.to_base64())));
    }
    if let Some(v) = b(&input.disable_api_termination) {
        found.push(Change::DisableApiTermination(v));
    }
    if let Some(v) = b(&input.disable_api_stop) {
        found.push(Change::DisableApiStop(v));
    }
    if let Some(v) = s(&input.instance_initiated_shutdown_behavior) {
        found.push(Change::ShutdownBehavior(v));
    }
    if let Some(v) = b(&input.source_dest_check) {
        found.push(Change::SourceDestCheck(v));
    }
    if let Some(v) = &input.groups {
        found.push(Change::Groups(v.clone()));
    }
    if let Some(v) = b(&input.ebs_optimized) {
        found.push(Change::EbsOptimized(v));
    }
    if let Some(v) = &input.block_device_mappings {
        found.push(Change::DeleteOnTermination(
            v.iter()
                .map(|m| {
                    (
                        m.device_name.clone().unwrap_or_default(),
                        m.ebs
                            .as_ref()
                            .and_then(|e| e.delete_on_termination)
                            .unwrap_or(true),
                    )
                })
                .collect(),
        ));
    }
    if let Some(attr) = &input.attribute {
        let v = input.value.clone().unwrap_or_default();
        found.push(match attr.as_str() {
            "instanceType" => Change::InstanceType(v),
            "userData" => Change::UserData(Some(v)),
            "disableApiTermination" => Change::DisableApiTermination(parse_bool(attr, &v)?),
            "disableApiStop" => Change::DisableApiStop(parse_bool(attr, &v)?),
            "instanceInitiatedShutdownBehavior" => Change::ShutdownBehavior(v),
            "sourceDestCheck" => Change::SourceDestCheck(parse_bool(attr, &v)?),
            "ebsOptimized" => Change::EbsOptimized(parse_bool(attr, &v)?),
            "groupSet" => Change::Groups(vec![v]),
            other => return Err(unknown_attribute(other)),
        });
    }
    match found.len() {
        0 => Err(errors::missing("Attribute")),
        1 => Ok(found.remove(0)),
        _ => Err(errors::combination(
            "Fields for multiple attribute types specified: only one attribute may be modified per call",
        )),
    }
}

fn not_stopped(id: &str) -> AwsError {
    AwsError::new(
        "IncorrectInstanceState",
        format!("The instance '{id}' is not in the 'stopped' state."),
    )
}

pub(crate) fn modify(ctx: &mut Ctx, input: m::ModifyInstanceAttributeRequest) -> R<()> {
    let id = input.instance_id.clone().unwrap_or_default();
    check_id(ctx, &id)?;
    let change = change_of(&input)?;
    let i = &ctx.acct().ec2.instances[&id];
    let stopped = i.state == "stopped";
    let eni = primary_eni(ctx, &id).map(|e| (e.id.clone(), e.vpc_id.clone()));
    match &change {
        Change::InstanceType(t) => {
            if !stopped {
                return Err(not_stopped(&id));
            }
            let known = super::catalog::instance_type(t);
            if known.is_none() && !super::catalog::well_formed_type(t) {
                return Err(errors::invalid_value_message(format!(
                    "Invalid value '{t}' for InstanceType."
                )));
            }
            if let Some(k) = known {
                if k.architecture != i.architecture {
                    // [U] AWS's wording for this case.
                    return Err(errors::invalid_value_message(format!(
                        "The architecture '{}' of instance type '{t}' does not match the architecture '{}' of the instance's AMI.",
                        k.architecture, i.architecture
                    )));
                }
            }
        }
        Change::UserData(_) | Change::EbsOptimized(_) if !stopped => return Err(not_stopped(&id)),
        Change::ShutdownBehavior(b) if b != "stop" && b != "terminate" => {
            return Err(errors::invalid_value(
                "InstanceInitiatedShutdownBehavior",
                b,
                "Valid values are stop, terminate.",
            ))
        }
        Change::Groups(groups) => {
            let Some((_, vpc)) = &eni else {
                return Err(not_stopped(&id));
            };
            if groups.is_empty() {
                return Err(errors::missing("GroupId"));
            }
            for g in groups {
                match ctx.acct().ec2.security_groups.get(g) {
                    None => return Err(errors::group_not_found(g)),
                    Some(sg) if sg.vpc_id != *vpc => {
                        return Err(errors::invalid_value_message(format!(
                            "Security group {g} and instance {id} belong to different networks."
                        )))
                    }
                    Some(_) => {}
                }
            }
        }
        Change::DeleteOnTermination(devices) => {
            let mine = volumes::of_instance(ctx, &id);
            for (d, _) in devices {
                if !mine
                    .iter()
                    .any(|v| v.attachment.as_ref().is_some_and(|a| &a.device == d))
                {
                    return Err(errors::invalid_value_message(format!(
                        "No device is currently mapped at {d}"
                    )));
                }
            }
        }
        _ => {}
    }
    ctx.dry_run(input.dry_run)?;
    let st = &mut ctx.acct_mut().ec2;
    match change {
        Change::SourceDestCheck(v) => {
            if let Some(e) = eni.and_then(|(e, _)| st.enis.get_mut(e.as_str())) {
                e.source_dest_check = v;
            }
        }
        Change::Groups(groups) => {
            if let Some(e) = eni.and_then(|(e, _)| st.enis.get_mut(e.as_str())) {
                e.group_ids = groups;
            }
        }
        Change::DeleteOnTermination(devices) => {
            for v in st.volumes.values_mut() {
                if let Some(a) = v.attachment.as_mut().filter(|a| a.instance_id == id) {
                    if let Some((_, d)) = devices.iter().find(|(d, _)| *d == a.device) {
                        a.delete_on_termination = *d;
                    }
                }
            }
        }
        other => {
            let Some(i) = st.instances.get_mut(&id) else {
                return Ok(());
            };
            match other {
                Change::InstanceType(t) => i.instance_type = t,
                Change::UserData(d) => i.user_data = d.filter(|d| !d.is_empty()),
                Change::DisableApiTermination(v) => i.disable_api_termination = v,
                Change::DisableApiStop(v) => i.disable_api_stop = v,
                Change::ShutdownBehavior(b) => i.shutdown_behavior = b,
                Change::EbsOptimized(v) => i.ebs_optimized = v,
                _ => {}
            }
        }
    }
    Ok(())
}
