//! Elastic IP addresses: AllocateAddress, AssociateAddress,
//! DisassociateAddress, ReleaseAddress, DescribeAddresses. Addresses come
//! from the emulator's own public range (`54.x.y.z`, drawn from the id
//! generator, so `--seed` makes them reproducible) and are unique in their
//! Region; AWS's default quota of five per account and Region holds.

use super::checks::{check_instance_id, check_known};
use super::errors::{self, R};
use super::query::{one, Filters};
use super::state::{event, Address, AddressAssociation};
use super::tags;
use crate::model::ec2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;
use crate::world::ids::is_valid_id;

/// AWS's default Elastic IP quota per account and Region [R].
const QUOTA: usize = 5;

fn allocation_not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidAllocationID.NotFound",
        format!("The allocation ID '{id}' does not exist"),
    )
}

fn check_allocation_id(ctx: &Ctx, id: &str) -> R<()> {
    let exists = ctx.acct().ec2.addresses.contains_key(id);
    check_known(
        id,
        "eipalloc",
        "InvalidAllocationID.Malformed",
        exists,
        || allocation_not_found(id),
    )
}

/// The allocation id of the caller's address `ip`.
fn by_public_ip(ctx: &Ctx, ip: &str) -> R<String> {
    ctx.acct()
        .ec2
        .addresses
        .values()
        .find(|a| a.public_ip == ip)
        .map(|a| a.allocation_id.clone())
        .ok_or_else(|| {
            AwsError::new(
                "InvalidAddress.NotFound",
                format!("Address '{ip}' not found."),
            )
        })
}

/// The address associated with network interface `eni`, if any.
pub(crate) fn of_eni<'a>(ctx: &'a Ctx, eni: &str) -> Option<&'a Address> {
    ctx.acct().ec2.addresses.values().find(|a| {
        a.association
            .as_ref()
            .is_some_and(|x| x.network_interface_id == eni)
    })
}

/// Whether `ip` is taken by an address or an interface of any account in
/// the Region.
fn in_use(ctx: &Ctx, ip: &str) -> bool {
    ctx.region.accounts.values().any(|a| {
        a.ec2.addresses.values().any(|x| x.public_ip == ip)
            || a.ec2
                .enis
                .values()
                .any(|e| e.public_ip.as_deref() == Some(ip))
    })
}

/// The interface an address given to an instance goes to: its only one.
fn instance_eni(ctx: &Ctx, instance: &str) -> R<String> {
    check_instance_id(ctx, instance)?;
    let st = &ctx.acct().ec2;
    let state = st.instances[instance].state.clone();
    if !matches!(state.as_str(), "running" | "stopped" | "stopping") {
        return Err(AwsError::new(
            "IncorrectInstanceState",
            format!("The instance '{instance}' is not in a valid state for this operation."),
        ));
    }
    let enis: Vec<&str> = st
        .enis
        .values()
        .filter(|e| {
            e.attachment
                .as_ref()
                .is_some_and(|a| a.instance_id == instance)
        })
        .map(|e| e.id.as_str())
        .collect();
    match enis.as_slice() {
        [one] => Ok(one.to_string()),
        [] => Err(AwsError::new(
            "IncorrectInstanceState",
            format!("The instance '{instance}' is not in a valid state for this operation."),
        )),
        _ => Err(AwsError::new(
            "InvalidInstanceID",
            format!("There are multiple interfaces attached to instance '{instance}'. Please specify an interface ID for the operation instead."),
        )),
    }
}

/// The instance the address's interface is attached to.
fn instance_of(ctx: &Ctx, a: &Address) -> Option<String> {
    let x = a.association.as_ref()?;
    let e = ctx.acct().ec2.enis.get(x.network_interface_id.as_str())?;
    e.attachment.as_ref().map(|t| t.instance_id.clone())
}

fn model(ctx: &Ctx, a: &Address) -> m::Address {
    let x = a.association.as_ref();
    m::Address {
        instance_id: instance_of(ctx, a),
        allocation_id: Some(a.allocation_id.clone()),
        association_id: x.map(|x| x.id.clone()),
        domain: Some("vpc".into()),
        network_interface_id: x.map(|x| x.network_interface_id.clone()),
        network_interface_owner_id: x.map(|_| ctx.account.clone()),
        private_ip_address: x.map(|x| x.private_ip.clone()),
        tags: Some(a.tags.to_model()),
        public_ipv4_pool: Some("amazon".into()),
        network_border_group: Some(ctx.region_name().to_string()),
        public_ip: Some(a.public_ip.clone()),
        ..Default::default()
    }
}

pub(super) fn allocate(
    ctx: &mut Ctx,
    input: m::AllocateAddressRequest,
) -> R<m::AllocateAddressResult> {
    let tags = tags::from_specs(input.tag_specifications, "elastic-ip")?;
    if let Some(pool) = input.public_ipv4_pool.as_deref().filter(|p| *p != "amazon") {
        return Err(errors::invalid_value(
            "PublicIpv4Pool",
            pool,
            "The pool does not exist.",
        ));
    }
    if let Some(group) = input.network_border_group.as_deref() {
        if group != ctx.region_name() {
            return Err(errors::invalid_value(
                "NetworkBorderGroup",
                group,
                "The network border group does not exist in this Region.",
            ));
        }
    }
    if ctx.acct().ec2.addresses.len() >= QUOTA {
        return Err(AwsError::new(
            "AddressLimitExceeded",
            "The maximum number of addresses has been reached.",
        ));
    }
    // Recovering a given address: only one nobody holds.
    if let Some(ip) = &input.address {
        if ip.parse::<std::net::Ipv4Addr>().is_err() {
            return Err(errors::invalid_value(
                "Address",
                ip,
                "Invalid IPv4 address.",
            ));
        }
        if in_use(ctx, ip) {
            return Err(AwsError::new(
                "InvalidAddress.InUse",
                format!("Address {ip} is in use."),
            ));
        }
    }
    ctx.dry_run(input.dry_run)?;
    let pinned = ctx.world.ids.take_pin("elastic-ip");
    let public_ip = match input.address.clone().or(pinned) {
        Some(ip) => ip,
        None => loop {
            let ids = &ctx.world.ids;
            let ip = format!("54.{}.{}.{}", ids.byte(), ids.byte(), ids.byte().max(1));
            if !in_use(ctx, &ip) {
                break ip;
            }
        },
    };
    let a = Address {
        allocation_id: ctx.new_id("eipalloc"),
        public_ip,
        association: None,
        tags,
    };
    let out = m::AllocateAddressResult {
        allocation_id: Some(a.allocation_id.clone()),
        public_ipv4_pool: Some("amazon".into()),
        network_border_group: Some(ctx.region_name().to_string()),
        domain: Some("vpc".into()),
        public_ip: Some(a.public_ip.clone()),
        ..Default::default()
    };
    ctx.emit(event("elastic-ip", &a.allocation_id, "allocated", None));
    ctx.acct_mut()
        .ec2
        .addresses
        .insert(a.allocation_id.clone(), a);
    Ok(out)
}

pub(super) fn associate(
    ctx: &mut Ctx,
    input: m::AssociateAddressRequest,
) -> R<m::AssociateAddressResult> {
    let id = match (&input.allocation_id, &input.public_ip) {
        (Some(id), _) => {
            check_allocation_id(ctx, id)?;
            id.clone()
        }
        (None, Some(ip)) => by_public_ip(ctx, ip)?,
        (None, None) => return Err(errors::missing("AllocationId")),
    };
    let eni_id = match (&input.network_interface_id, &input.instance_id) {
        (Some(eni), _) => eni.clone(),
        (None, Some(instance)) => instance_eni(ctx, instance)?,
        (None, None) => {
            return Err(errors::missing("InstanceId or NetworkInterfaceId"));
        }
    };
    let st = &ctx.acct().ec2;
    let Some(eni) = st.enis.get(eni_id.as_str()) else {
        return Err(if is_valid_id(&eni_id, "eni") {
            errors::eni_not_found(&eni_id)
        } else {
            errors::eni_malformed(&eni_id)
        });
    };
    let private_ip = input
        .private_ip_address
        .clone()
        .unwrap_or_else(|| eni.private_ip.to_string());
    if private_ip != eni.private_ip {
        return Err(errors::invalid_value(
            "PrivateIpAddress",
            &private_ip,
            &format!("The address is not assigned to network interface {eni_id}."),
        ));
    }
    let reachable = st
        .internet_gateways
        .values()
        .any(|g| g.vpc_id.as_deref() == Some(eni.vpc_id.as_str()));
    if !reachable {
        return Err(AwsError::new(
            "Gateway.NotAttached",
            format!(
                "Network {} is not attached to any internet gateway",
                eni.vpc_id
            ),
        ));
    }
    let address = &st.addresses[&id];
    if let Some(x) = &address.association {
        let same_place = x.network_interface_id == eni_id && x.private_ip == private_ip;
        if !same_place && input.allow_reassociation != Some(true) {
            return Err(AwsError::new(
                "Resource.AlreadyAssociated",
                format!(
                    "resource {id} is already associated with associate-id {}",
                    x.id
                ),
            ));
        }
    }
    ctx.dry_run(input.dry_run)?;
    let association_id = ctx.new_id("eipassoc");
    let st = &mut ctx.acct_mut().ec2;
    // Whatever held the interface's public address lets go of it: another
    // Elastic IP, or the address AWS assigned.
    for other in st.addresses.values_mut() {
        if other
            .association
            .as_ref()
            .is_some_and(|x| x.network_interface_id == eni_id && x.private_ip == private_ip)
        {
            other.association = None;
        }
    }
    if let Some(e) = st.enis.get_mut(eni_id.as_str()) {
        e.public_ip = None;
    }
    if let Some(a) = st.addresses.get_mut(&id) {
        a.association = Some(AddressAssociation {
            id: association_id.clone(),
            network_interface_id: eni_id,
            private_ip,
        });
    }
    ctx.emit(event("elastic-ip", &id, "associated", None));
    Ok(m::AssociateAddressResult {
        association_id: Some(association_id),
    })
}

pub(super) fn disassociate(ctx: &mut Ctx, input: m::DisassociateAddressRequest) -> R<()> {
    let id = match (&input.association_id, &input.public_ip) {
        (Some(assoc), _) => ctx
            .acct()
            .ec2
            .addresses
            .values()
            .find(|a| a.association.as_ref().is_some_and(|x| x.id == *assoc))
            .map(|a| a.allocation_id.clone())
            .ok_or_else(|| {
                AwsError::new(
                    "InvalidAssociationID.NotFound",
                    format!("The association ID '{assoc}' does not exist"),
                )
            })?,
        (None, Some(ip)) => by_public_ip(ctx, ip)?,
        (None, None) => return Err(errors::missing("AssociationId")),
    };
    ctx.dry_run(input.dry_run)?;
    if let Some(a) = ctx.acct_mut().ec2.addresses.get_mut(&id) {
        a.association = None;
    }
    ctx.emit(event("elastic-ip", &id, "disassociated", None));
    Ok(())
}

pub(super) fn release(ctx: &mut Ctx, input: m::ReleaseAddressRequest) -> R<()> {
    let id = match (&input.allocation_id, &input.public_ip) {
        (Some(id), _) => {
            check_allocation_id(ctx, id)?;
            id.clone()
        }
        (None, Some(ip)) => by_public_ip(ctx, ip)?,
        (None, None) => return Err(errors::missing("AllocationId")),
    };
    if ctx.acct().ec2.addresses[&id].association.is_some() {
        return Err(AwsError::new(
            "InvalidIPAddress.InUse",
            "The specified IP address is already in use.",
        ));
    }
    ctx.dry_run(input.dry_run)?;
    ctx.acct_mut().ec2.addresses.remove(&id);
    ctx.emit(event("elastic-ip", &id, "released", None));
    Ok(())
}

const FILTERS: &[&str] = &[
    "allocation-id",
    "association-id",
    "domain",
    "instance-id",
    "network-border-group",
    "network-interface-id",
    "network-interface-owner-id",
    "private-ip-address",
    "public-ip",
    "public-ipv4-pool",
];

fn filter_values(ctx: &Ctx, a: &Address, name: &str) -> Vec<String> {
    let x = a.association.as_ref();
    match name {
        "allocation-id" => one(&a.allocation_id),
        "association-id" => x.map(|x| x.id.clone()).into_iter().collect(),
        "domain" => one("vpc"),
        "instance-id" => instance_of(ctx, a).into_iter().collect(),
        "network-border-group" => one(ctx.region_name()),
        "network-interface-id" => x
            .map(|x| x.network_interface_id.clone())
            .into_iter()
            .collect(),
        "network-interface-owner-id" => x.map(|_| ctx.account.clone()).into_iter().collect(),
        "private-ip-address" => x.map(|x| x.private_ip.clone()).into_iter().collect(),
        "public-ip" => one(&a.public_ip),
        "public-ipv4-pool" => one("amazon"),
        _ => vec![],
    }
}

pub(super) fn describe(
    ctx: &mut Ctx,
    input: m::DescribeAddressesRequest,
) -> R<m::DescribeAddressesResult> {
    let filters = Filters::parse(input.filters, FILTERS)?;
    let mut ids = Vec::new();
    for id in input.allocation_ids.unwrap_or_default() {
        check_allocation_id(ctx, &id)?;
        ids.push(id);
    }
    for ip in input.public_ips.unwrap_or_default() {
        ids.push(by_public_ip(ctx, &ip)?);
    }
    ctx.dry_run(input.dry_run)?;
    let out = ctx
        .acct()
        .ec2
        .addresses
        .values()
        .filter(|a| ids.is_empty() || ids.contains(&a.allocation_id))
        .filter(|a| filters.matches(&a.tags, |n| filter_values(ctx, a, n)))
        .map(|a| model(ctx, a))
        .collect();
    Ok(m::DescribeAddressesResult {
        addresses: Some(out),
    })
}
