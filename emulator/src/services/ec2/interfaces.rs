//! What a user changes on a network interface of its own:
//! ModifyNetworkInterfaceAttribute (description, security groups,
//! source/destination check), DescribeNetworkInterfaceAttribute, and
//! secondary private addresses (Assign/UnassignPrivateIpAddresses). An
//! interface a service made (an endpoint's, a load balancer's, a task's, a
//! NAT gateway's) is that service's to change.

use super::errors::{self, R};
use super::network::check_requested_ip;
use super::state::{event, NetworkInterface};
use crate::model::ec2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;
use crate::world::ids::is_valid_id;

/// AWS's limit on addresses per interface for the common instance types
/// (and so for an interface not attached to one) [U].
const MAX_ADDRESSES: usize = 50;

fn interface<'a>(ctx: &'a Ctx, id: &str) -> R<&'a NetworkInterface> {
    ctx.acct().ec2.enis.get(id).map(|e| &**e).ok_or_else(|| {
        if is_valid_id(id, "eni") {
            errors::eni_not_found(id)
        } else {
            errors::eni_malformed(id)
        }
    })
}

/// The caller's own interface, to change.
fn own(ctx: &Ctx, id: &str) -> R<()> {
    if interface(ctx, id)?.requester_managed {
        return Err(AwsError::new(
            "OperationNotPermitted",
            format!(
                "The network interface '{id}' is managed by an AWS service and cannot be modified."
            ),
        ));
    }
    Ok(())
}

pub(super) fn modify_attribute(
    ctx: &mut Ctx,
    input: m::ModifyNetworkInterfaceAttributeRequest,
) -> R<()> {
    let id = input.network_interface_id.clone().unwrap_or_default();
    own(ctx, &id)?;
    let given = [
        input.description.is_some(),
        input.groups.is_some(),
        input.source_dest_check.is_some(),
        input.attachment.is_some(),
        input.associate_public_ip_address.is_some(),
    ]
    .into_iter()
    .filter(|g| *g)
    .count();
    if given == 0 {
        return Err(errors::missing(
            "Description, SecurityGroupId or SourceDestCheck",
        ));
    }
    if given > 1 {
        return Err(errors::combination(
            "Only one attribute can be modified at a time.",
        ));
    }
    if let Some(change) = &input.attachment {
        let wanted = change.attachment_id.clone().unwrap_or_default();
        let ours = interface(ctx, &id)?
            .attachment
            .as_ref()
            .map(|a| a.id.clone());
        if ours.as_deref() != Some(wanted.as_str()) {
            return Err(attachment_not_found(&wanted));
        }
    }
    let vpc = interface(ctx, &id)?.vpc_id.clone();
    if let Some(groups) = &input.groups {
        if groups.is_empty() {
            return Err(errors::missing("SecurityGroupId"));
        }
        for g in groups {
            match ctx.acct().ec2.security_groups.get(g) {
                None => return Err(errors::group_not_found(g)),
                Some(sg) if sg.vpc_id != vpc => {
                    return Err(errors::combination(
                        "You have specified two resources that belong to different networks.",
                    ))
                }
                Some(_) => {}
            }
        }
    }
    ctx.dry_run(input.dry_run)?;
    let Some(e) = ctx.acct_mut().ec2.enis.get_mut(id.as_str()) else {
        return Err(errors::eni_not_found(&id));
    };
    if let Some(d) = input.description {
        e.description = super::state::EniDescription::Text(d.value.unwrap_or_default());
    }
    if let Some(groups) = input.groups {
        e.group_ids = groups;
    }
    if let Some(check) = input.source_dest_check {
        e.source_dest_check = check.value.unwrap_or(true);
    }
    if let Some(change) = input.attachment {
        if let (Some(a), Some(d)) = (e.attachment.as_mut(), change.delete_on_termination) {
            a.delete_on_termination = d;
        }
    }
    if let Some(public) = input.associate_public_ip_address {
        // An Amazon-owned address comes or goes with the flag.
        if !public {
            e.public_ip = None;
        }
    }
    ctx.emit(event("network-interface", &id, "modified", None));
    Ok(())
}

fn attachment_not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidAttachmentID.NotFound",
        format!("Interface attachment '{id}' not found."),
    )
}

/// AttachNetworkInterface: an `available` interface of the caller's to one
/// of its instances in the same zone, at a free device index, within the
/// instance type's limit.
pub(super) fn attach(
    ctx: &mut Ctx,
    input: m::AttachNetworkInterfaceRequest,
) -> R<m::AttachNetworkInterfaceResult> {
    let id = input.network_interface_id.clone().unwrap_or_default();
    let instance_id = input.instance_id.clone().unwrap_or_default();
    let device_index = input
        .device_index
        .ok_or_else(|| errors::missing("DeviceIndex"))?;
    let e = interface(ctx, &id)?;
    super::checks::check_instance_id(ctx, &instance_id)?;
    let i = &ctx.acct().ec2.instances[&instance_id];
    if !matches!(i.state.as_str(), "running" | "stopped") {
        return Err(AwsError::new(
            "IncorrectInstanceState",
            format!("The instance '{instance_id}' is not in a valid state for this operation."),
        ));
    }
    if e.attachment.is_some() || e.status != "available" {
        return Err(AwsError::new(
            "InvalidNetworkInterface.InUse",
            format!("Interface: [{id}] in use."),
        ));
    }
    if e.availability_zone != i.availability_zone {
        return Err(errors::invalid_value_message(
            "You may not attach a network interface to an instance if they are not in the same availability zone",
        ));
    }
    let attached = super::network::instance_enis(ctx, &instance_id);
    if attached.iter().any(|x| {
        x.attachment
            .as_ref()
            .is_some_and(|a| a.device_index == device_index)
    }) {
        return Err(errors::invalid_value_message(format!(
            "Instance '{instance_id}' already has an interface attached at device index '{device_index}'."
        )));
    }
    if let Some(t) = super::machines::instance_type(&i.instance_type) {
        if attached.len() as i32 >= t.max_enis {
            return Err(AwsError::new(
                "AttachmentLimitExceeded",
                format!(
                    "Interface count {} exceeds the limit for {}",
                    attached.len() + 1,
                    t.name
                ),
            ));
        }
    }
    ctx.dry_run(input.dry_run)?;
    let attachment_id = ctx.new_id("eni-attach");
    let now = ctx.now();
    if let Some(e) = ctx.acct_mut().ec2.enis.get_mut(id.as_str()) {
        e.attachment = Some(Box::new(super::state::EniAttachment {
            id: attachment_id.clone(),
            instance_id,
            device_index,
            status: "attached".into(),
            delete_on_termination: false,
            attached: now,
        }));
        e.status = "in-use".into();
    }
    ctx.emit(event("network-interface", &id, "attached", Some("in-use")));
    Ok(m::AttachNetworkInterfaceResult {
        attachment_id: Some(attachment_id),
        network_card_index: Some(0),
    })
}

/// DetachNetworkInterface: any attachment but an instance's primary
/// interface (device 0) and a service's interface.
pub(super) fn detach(ctx: &mut Ctx, input: m::DetachNetworkInterfaceRequest) -> R<()> {
    let attachment_id = input.attachment_id.clone().unwrap_or_default();
    let Some(e) = ctx
        .acct()
        .ec2
        .enis
        .values()
        .find(|e| e.attachment.as_ref().is_some_and(|a| a.id == attachment_id))
    else {
        return Err(if is_valid_id(&attachment_id, "eni-attach") {
            attachment_not_found(&attachment_id)
        } else {
            AwsError::new(
                "InvalidAttachmentID.Malformed",
                format!("Invalid id: \"{attachment_id}\" (expecting \"eni-attach-...\")"),
            )
        });
    };
    if e.attachment.as_ref().is_some_and(|a| a.device_index == 0) {
        return Err(AwsError::new(
            "OperationNotPermitted",
            format!(
                "The network interface at device index 0 cannot be detached. (attachment '{attachment_id}')"
            ),
        ));
    }
    let id = e.id.clone();
    ctx.dry_run(input.dry_run)?;
    if let Some(e) = ctx.acct_mut().ec2.enis.get_mut(id.as_str()) {
        e.attachment = None;
        e.status = "available".into();
    }
    ctx.emit(event(
        "network-interface",
        &id,
        "detached",
        Some("available"),
    ));
    Ok(())
}

pub(super) fn describe_attribute(
    ctx: &mut Ctx,
    input: m::DescribeNetworkInterfaceAttributeRequest,
) -> R<m::DescribeNetworkInterfaceAttributeResult> {
    let id = input.network_interface_id.unwrap_or_default();
    let e = interface(ctx, &id)?;
    let mut out = m::DescribeNetworkInterfaceAttributeResult {
        network_interface_id: Some(id.clone()),
        ..Default::default()
    };
    match input.attribute.as_deref() {
        Some("description") => {
            out.description = Some(m::AttributeValue {
                value: Some(e.description.text(ctx.region_name(), &ctx.account)),
            })
        }
        Some("groupSet") => out.groups = Some(super::network::group_identifiers(ctx, &e.group_ids)),
        Some("sourceDestCheck") => {
            out.source_dest_check = Some(m::AttributeBooleanValue {
                value: Some(e.source_dest_check),
            })
        }
        Some("associatePublicIpAddress") => {
            out.associate_public_ip_address = Some(e.public_ip.is_some())
        }
        Some("attachment") => out.attachment = super::network::attachment_model(ctx, e),
        _ => return Err(errors::missing("Attribute")),
    }
    ctx.dry_run(input.dry_run)?;
    Ok(out)
}

pub(super) fn assign(
    ctx: &mut Ctx,
    input: m::AssignPrivateIpAddressesRequest,
) -> R<m::AssignPrivateIpAddressesResult> {
    let id = input.network_interface_id.clone().unwrap_or_default();
    own(ctx, &id)?;
    let e = interface(ctx, &id)?;
    let subnet = e.subnet_id.clone();
    let have = 1 + e.secondary_ips.len();
    let wanted = input.private_ip_addresses.clone().unwrap_or_default();
    let count =
        match (&input.secondary_private_ip_address_count, wanted.is_empty()) {
            (Some(n), true) if *n >= 1 => *n as usize,
            (None, false) => wanted.len(),
            (Some(_), false) => return Err(errors::combination(
                "Specify either PrivateIpAddresses or SecondaryPrivateIpAddressCount, not both.",
            )),
            _ => {
                return Err(errors::missing(
                    "PrivateIpAddresses or SecondaryPrivateIpAddressCount",
                ))
            }
        };
    if have + count > MAX_ADDRESSES {
        return Err(AwsError::new(
            "PrivateIpAddressLimitExceeded",
            format!("Number of private addresses will exceed limit of {MAX_ADDRESSES} for network interface {id}"),
        ));
    }
    for (i, ip) in wanted.iter().enumerate() {
        if wanted[..i].contains(ip) {
            return Err(errors::invalid_value(
                "PrivateIpAddresses",
                ip,
                "The address is given more than once.",
            ));
        }
        check_requested_ip(ctx, &subnet, ip)?;
    }
    let free = ctx
        .acct()
        .ec2
        .subnets
        .get(subnet.as_str())
        .map(super::subnets::available_ips)
        .unwrap_or(0) as usize;
    if free < count {
        return Err(errors::no_free_address(&subnet));
    }
    let mut assigned = Vec::new();
    for i in 0..count {
        let ip = super::subnets::allocate_ip(ctx, &subnet, wanted.get(i).map(String::as_str))?;
        assigned.push(ip);
    }
    if let Some(e) = ctx.acct_mut().ec2.enis.get_mut(id.as_str()) {
        e.secondary_ips.extend(assigned.iter().cloned());
    }
    ctx.emit(event("network-interface", &id, "addresses-assigned", None));
    Ok(m::AssignPrivateIpAddressesResult {
        network_interface_id: Some(id),
        assigned_private_ip_addresses: Some(
            assigned
                .into_iter()
                .map(|ip| m::AssignedPrivateIpAddress {
                    private_ip_address: Some(ip),
                })
                .collect(),
        ),
        ..Default::default()
    })
}

pub(super) fn unassign(ctx: &mut Ctx, input: m::UnassignPrivateIpAddressesRequest) -> R<()> {
    let id = input.network_interface_id.clone().unwrap_or_default();
    own(ctx, &id)?;
    let e = interface(ctx, &id)?;
    let ips = input.private_ip_addresses.unwrap_or_default();
    if ips.is_empty() {
        return Err(errors::missing("PrivateIpAddresses"));
    }
    if ips.iter().any(|ip| *ip == e.private_ip) {
        return Err(errors::invalid_value_message(format!(
            "The primary private IP address {} of network interface {id} cannot be unassigned.",
            e.private_ip
        )));
    }
    if !ips.iter().all(|ip| e.secondary_ips.contains(ip)) {
        return Err(errors::invalid_value_message(format!(
            "Some of the specified addresses are not assigned to interface {id}"
        )));
    }
    let subnet = e.subnet_id.clone();
    for ip in &ips {
        super::subnets::release_ip(ctx, &subnet, ip);
    }
    if let Some(e) = ctx.acct_mut().ec2.enis.get_mut(id.as_str()) {
        e.secondary_ips.retain(|ip| !ips.contains(ip));
    }
    ctx.emit(event(
        "network-interface",
        &id,
        "addresses-unassigned",
        None,
    ));
    Ok(())
}
