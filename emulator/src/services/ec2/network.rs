//! Create/Delete/DescribeNetworkInterfaces, DescribeAvailabilityZones, DescribeRegions
//! (aws-spec.md §8.33, §8.35).

use super::errors;
use super::errors::R;
use super::query::check_max_results;
use super::query::{bool_value, one, paginate, Filters};
use super::state::{event, NetworkInterface};
use super::subnets::check_subnet_id;
use crate::model::ec2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;
use crate::world::ids::is_valid_id;
use crate::world::regions;

/// The private DNS name EC2 gives an address (`ip-10-0-1-5.ec2.internal`).
pub(crate) fn private_dns_name(region: &str, ip: &str) -> String {
    let domain = if region == "us-east-1" {
        "ec2.internal".to_string()
    } else {
        format!("{region}.compute.internal")
    };
    format!("ip-{}.{domain}", ip.replace('.', "-"))
}

/// The public DNS name AWS gives an address in `vpc_id`: only when the VPC
/// has DNS support and DNS hostnames on [R: VPC user guide, "DNS attributes
/// for your VPC"].
pub(crate) fn public_dns_name(ctx: &Ctx, vpc_id: &str, ip: &str) -> Option<String> {
    let on = ctx
        .acct()
        .ec2
        .vpcs
        .get(vpc_id)
        .is_some_and(|v| v.enable_dns_hostnames && v.enable_dns_support);
    let region = ctx.region_name();
    let domain = if region == "us-east-1" {
        "compute-1.amazonaws.com".to_string()
    } else {
        format!("{region}.compute.amazonaws.com")
    };
    on.then(|| format!("ec2-{}.{domain}", ip.replace('.', "-")))
}

/// The interface's public address: an Elastic IP associated with it, or
/// one AWS assigned.
fn public_association(ctx: &Ctx, e: &NetworkInterface) -> Option<m::NetworkInterfaceAssociation> {
    let dns = |ip: &str| public_dns_name(ctx, &e.vpc_id, ip).unwrap_or_default();
    if let Some(a) = super::addresses::of_eni(ctx, &e.id) {
        let x = a.association.as_ref()?;
        return Some(m::NetworkInterfaceAssociation {
            allocation_id: Some(a.allocation_id.clone()),
            association_id: Some(x.id.clone()),
            ip_owner_id: Some(ctx.account.clone()),
            public_ip: Some(a.public_ip.clone()),
            public_dns_name: Some(dns(&a.public_ip)),
            ..Default::default()
        });
    }
    e.public_ip
        .as_ref()
        .map(|ip| m::NetworkInterfaceAssociation {
            ip_owner_id: Some("amazon".into()),
            public_ip: Some(ip.to_string()),
            public_dns_name: Some(dns(ip)),
            ..Default::default()
        })
}

/// Security groups by id, with their names, as the wire shows them.
pub(super) fn group_identifiers(ctx: &Ctx, ids: &[String]) -> Vec<m::GroupIdentifier> {
    ids.iter()
        .map(|g| m::GroupIdentifier {
            group_id: Some(g.clone()),
            group_name: ctx
                .acct()
                .ec2
                .security_groups
                .get(g)
                .map(|sg| sg.name.clone()),
        })
        .collect()
}

pub(super) fn eni_model(ctx: &Ctx, e: &NetworkInterface) -> m::NetworkInterface {
    let dns = private_dns_name(ctx.region_name(), &e.private_ip);
    let groups = group_identifiers(ctx, &e.group_ids);
    m::NetworkInterface {
        network_interface_id: Some(e.id.to_string()),
        subnet_id: Some(e.subnet_id.to_string()),
        vpc_id: Some(e.vpc_id.to_string()),
        availability_zone: Some(e.availability_zone.to_string()),
        description: Some(e.description.text(ctx.region_name(), &ctx.account)),
        groups: Some(groups),
        interface_type: Some(e.interface_type.to_string()),
        ipv6_addresses: Some(vec![]),
        mac_address: Some(e.mac_address.to_string()),
        owner_id: Some(ctx.account.clone()),
        private_dns_name: Some(dns.clone()),
        private_ip_address: Some(e.private_ip.to_string()),
        private_ip_addresses: Some(
            std::iter::once((true, e.private_ip.as_str()))
                .chain(e.secondary_ips.iter().map(|ip| (false, ip.as_str())))
                .map(|(primary, ip)| m::NetworkInterfacePrivateIpAddress {
                    primary: Some(primary),
                    private_ip_address: Some(ip.to_string()),
                    private_dns_name: Some(private_dns_name(ctx.region_name(), ip)),
                    ..Default::default()
                })
                .collect(),
        ),
        requester_id: e.requester_id.as_ref().map(|r| r.to_string()),
        requester_managed: Some(e.requester_managed),
        source_dest_check: Some(e.source_dest_check),
        status: Some(e.status.to_string()),
        tag_set: Some(e.tags.to_model()),
        association: public_association(ctx, e),
        attachment: attachment_model(ctx, e),
        ..Default::default()
    }
}

/// The interface's attachment to an instance of the caller's.
pub(super) fn attachment_model(
    ctx: &Ctx,
    e: &NetworkInterface,
) -> Option<m::NetworkInterfaceAttachment> {
    e.attachment
        .as_ref()
        .map(|a| m::NetworkInterfaceAttachment {
            attach_time: Some(a.attached),
            attachment_id: Some(a.id.clone()),
            delete_on_termination: Some(a.delete_on_termination),
            device_index: Some(a.device_index),
            network_card_index: Some(0),
            instance_id: Some(a.instance_id.clone()),
            instance_owner_id: Some(ctx.account.clone()),
            status: Some(a.status.clone()),
            ..Default::default()
        })
}

const ENI_FILTERS: &[&str] = &[
    "addresses.private-ip-address",
    "addresses.primary",
    "availability-zone",
    "description",
    "group-id",
    "group-name",
    "interface-type",
    "mac-address",
    "network-interface-id",
    "owner-id",
    "private-ip-address",
    "private-dns-name",
    "requester-id",
    "requester-managed",
    "source-dest-check",
    "status",
    "subnet-id",
    "vpc-id",
    "association.public-ip",
    "association.allocation-id",
    "association.association-id",
    "association.ip-owner-id",
    "association.public-dns-name",
    "attachment.attach-time",
    "attachment.attachment-id",
    "attachment.delete-on-termination",
    "attachment.device-index",
    "attachment.instance-id",
    "attachment.instance-owner-id",
    "attachment.network-card-index",
    "attachment.status",
];

fn eni_filter_values(ctx: &Ctx, e: &NetworkInterface, name: &str) -> Vec<String> {
    match name {
        "addresses.private-ip-address" => std::iter::once(e.private_ip.to_string())
            .chain(e.secondary_ips.iter().cloned())
            .collect(),
        "private-ip-address" => one(&*e.private_ip),
        "addresses.primary" => bool_value(true),
        "availability-zone" => one(&*e.availability_zone),
        "description" => vec![e.description.text(ctx.region_name(), &ctx.account)],
        "group-id" => e.group_ids.clone(),
        "group-name" => e
            .group_ids
            .iter()
            .filter_map(|g| {
                ctx.acct()
                    .ec2
                    .security_groups
                    .get(g)
                    .map(|s| s.name.clone())
            })
            .collect(),
        "interface-type" => one(&*e.interface_type),
        "mac-address" => one(&*e.mac_address),
        "network-interface-id" => one(&*e.id),
        "owner-id" => one(&ctx.account),
        "requester-id" => e.requester_id.iter().map(|r| r.to_string()).collect(),
        "requester-managed" => bool_value(e.requester_managed),
        "source-dest-check" => bool_value(e.source_dest_check),
        "status" => one(&*e.status),
        "subnet-id" => one(&*e.subnet_id),
        "vpc-id" => one(&*e.vpc_id),
        "association.public-ip" => public_association(ctx, e)
            .and_then(|a| a.public_ip)
            .into_iter()
            .collect(),
        "association.allocation-id" => public_association(ctx, e)
            .and_then(|a| a.allocation_id)
            .into_iter()
            .collect(),
        "association.association-id" => public_association(ctx, e)
            .and_then(|a| a.association_id)
            .into_iter()
            .collect(),
        "association.ip-owner-id" => public_association(ctx, e)
            .and_then(|a| a.ip_owner_id)
            .into_iter()
            .collect(),
        "association.public-dns-name" => public_association(ctx, e)
            .and_then(|a| a.public_dns_name)
            .into_iter()
            .collect(),
        "attachment.attach-time" => attached(e, |a| a.attached.to_iso8601()),
        "attachment.attachment-id" => attached(e, |a| a.id.clone()),
        "attachment.delete-on-termination" => attached(e, |a| a.delete_on_termination.to_string()),
        "attachment.device-index" => attached(e, |a| a.device_index.to_string()),
        "attachment.instance-id" => attached(e, |a| a.instance_id.clone()),
        "attachment.instance-owner-id" => attached(e, |_| ctx.account.clone()),
        "attachment.network-card-index" => attached(e, |_| "0".into()),
        "attachment.status" => attached(e, |a| a.status.clone()),
        _ => vec![],
    }
}

fn attached(
    e: &NetworkInterface,
    f: impl Fn(&super::state::EniAttachment) -> String,
) -> Vec<String> {
    e.attachment.iter().map(|a| f(a)).collect()
}

/// An address asked for in `subnet_id`: inside its block and free.
pub(super) fn check_requested_ip(ctx: &Ctx, subnet_id: &str, ip: &str) -> R<()> {
    let st = &ctx.acct().ec2;
    let inside = st.subnets.get(subnet_id).is_some_and(|s| {
        ip.parse::<std::net::Ipv4Addr>()
            .ok()
            .zip(s.cidr.parse::<ipnet::Ipv4Net>().ok())
            .is_some_and(|(a, net)| net.contains(&a))
    });
    if !inside {
        return Err(errors::invalid_value(
            "privateIpAddress",
            ip,
            "Address does not fall within the subnet's address range",
        ));
    }
    if st.enis.values().any(|e| {
        e.subnet_id == subnet_id && (e.private_ip == ip || e.secondary_ips.iter().any(|s| s == ip))
    }) {
        return Err(AwsError::new(
            "InvalidIPAddress.InUse",
            format!("Address {ip} is in use."),
        ));
    }
    Ok(())
}

pub(super) fn create_network_interface(
    ctx: &mut Ctx,
    input: m::CreateNetworkInterfaceRequest,
) -> R<m::CreateNetworkInterfaceResult> {
    const OP: &str = "CreateNetworkInterface";
    let subnet_id = input.subnet_id.unwrap_or_default();
    check_subnet_id(ctx, &subnet_id)?;
    let st = &ctx.acct().ec2;
    let subnet = &st.subnets[&subnet_id];
    let vpc_id = subnet.vpc_id.clone();
    let groups = match input.groups.filter(|g| !g.is_empty()) {
        Some(groups) => groups,
        None => vec![st.vpcs[&vpc_id].default_security_group_id.clone()],
    };
    for g in &groups {
        match st.security_groups.get(g) {
            None => return Err(errors::group_not_found(g)),
            Some(sg) if sg.vpc_id != vpc_id => {
                return Err(errors::combination(
                    "You have specified two resources that belong to different networks.",
                ))
            }
            Some(_) => {}
        }
    }
    if let Some(ip) = &input.private_ip_address {
        check_requested_ip(ctx, &subnet_id, ip)?;
    }
    if !has_free_ip(ctx, &subnet_id) {
        return Err(errors::no_free_address(&subnet_id));
    }
    let tags = super::tags::from_specs(input.tag_specifications, "network-interface")?;
    if let Some(token) = &input.client_token {
        if let Some((op, id)) = ctx.acct().ec2.client_tokens.get(token) {
            return match ctx.acct().ec2.enis.get(id.as_str()) {
                Some(e) if op == OP && e.subnet_id == subnet_id => {
                    Ok(m::CreateNetworkInterfaceResult {
                        network_interface: Some(eni_model(ctx, e)),
                        client_token: Some(token.clone()),
                    })
                }
                _ => Err(errors::idempotent_mismatch()),
            };
        }
    }
    ctx.dry_run(input.dry_run)?;
    let id = create_eni(
        ctx,
        NewEni {
            subnet_id: &subnet_id,
            group_ids: groups,
            description: input.description.unwrap_or_default(),
            interface_type: "interface",
            requester_id: None,
            public_ip: false,
            private_ip: input.private_ip_address,
        },
    )?;
    let st = &mut ctx.acct_mut().ec2;
    if let Some(e) = st.enis.get_mut(id.as_str()) {
        // Not attached to anything yet.
        e.status = "available".into();
        e.tags = tags;
    }
    if let Some(token) = &input.client_token {
        st.client_tokens
            .insert(token.clone(), (OP.into(), id.clone()));
    }
    let e = &ctx.acct().ec2.enis[id.as_str()];
    Ok(m::CreateNetworkInterfaceResult {
        network_interface: Some(eni_model(ctx, e)),
        client_token: input.client_token,
    })
}

pub(super) fn delete_network_interface(
    ctx: &mut Ctx,
    input: m::DeleteNetworkInterfaceRequest,
) -> R<()> {
    let id = input.network_interface_id.unwrap_or_default();
    let Some(e) = ctx.acct().ec2.enis.get(id.as_str()) else {
        return Err(if is_valid_id(&id, "eni") {
            errors::eni_not_found(&id)
        } else {
            errors::eni_malformed(&id)
        });
    };
    // What a service made (an endpoint's, a load balancer's, a task's
    // interface) goes with that resource, not on its own [U].
    if e.requester_managed || e.status == "in-use" {
        return Err(AwsError::new(
            "InvalidNetworkInterface.InUse",
            format!("The network interface '{id}' is currently in use."),
        ));
    }
    ctx.dry_run(input.dry_run)?;
    delete_eni(ctx, &id);
    Ok(())
}

pub(super) fn describe_network_interfaces(
    ctx: &mut Ctx,
    input: m::DescribeNetworkInterfacesRequest,
) -> R<m::DescribeNetworkInterfacesResult> {
    check_max_results(input.max_results, 5, 1000)?;
    let filters = Filters::parse(input.filters, ENI_FILTERS)?;
    let ids = input.network_interface_ids.unwrap_or_default();
    if !ids.is_empty() && input.max_results.is_some() {
        return Err(errors::combination(
            "The parameter NetworkInterfaceIds cannot be used with the parameter maxResults",
        ));
    }
    for id in &ids {
        if !is_valid_id(id, "eni") {
            return Err(errors::eni_malformed(id));
        }
        if !ctx.acct().ec2.enis.contains_key(id.as_str()) {
            return Err(errors::eni_not_found(id));
        }
    }
    ctx.dry_run(input.dry_run)?;
    let items = ctx
        .acct()
        .ec2
        .enis
        .values()
        .filter(|e| ids.is_empty() || ids.iter().any(|id| *id == e.id))
        .filter(|e| filters.matches(&e.tags, |n| eni_filter_values(ctx, e, n)))
        .map(|e| (e.id.to_string(), eni_model(ctx, e)))
        .collect();
    let (page, next) = paginate(items, input.max_results, input.next_token.as_deref())?;
    Ok(m::DescribeNetworkInterfacesResult {
        network_interfaces: Some(page),
        next_token: next,
    })
}

const AZ_FILTERS: &[&str] = &[
    "group-long-name",
    "group-name",
    "message",
    "opt-in-status",
    "parent-zone-id",
    "parent-zone-name",
    "region-name",
    "state",
    "zone-id",
    "zone-name",
    "zone-type",
];

pub(super) fn describe_availability_zones(
    ctx: &mut Ctx,
    input: m::DescribeAvailabilityZonesRequest,
) -> R<m::DescribeAvailabilityZonesResult> {
    let filters = Filters::parse_untagged(input.filters, AZ_FILTERS)?;
    let region = ctx.region_name().to_string();
    let zones = regions::zones(&region);
    let names = input.zone_names.unwrap_or_default();
    let ids = input.zone_ids.unwrap_or_default();
    for n in &names {
        if !zones.iter().any(|z| &z.name == n) {
            return Err(AwsError::new(
                "InvalidParameterValue",
                format!("Invalid availability zone: [{n}]"),
            ));
        }
    }
    for i in &ids {
        if !zones.iter().any(|z| &z.id == i) {
            return Err(AwsError::new(
                "InvalidParameterValue",
                format!("Invalid availability zone id: [{i}]"),
            ));
        }
    }
    ctx.dry_run(input.dry_run)?;
    let group = format!("{region}-zg-1");
    let out = zones
        .into_iter()
        .filter(|z| names.is_empty() || names.contains(&z.name))
        .filter(|z| ids.is_empty() || ids.contains(&z.id))
        .filter(|z| {
            filters.matches(&Default::default(), |n| match n {
                "group-long-name" => one(&z.group_long_name),
                "group-name" => one(&group),
                "opt-in-status" => one("opt-in-not-required"),
                "region-name" => one(&region),
                "state" => one("available"),
                "zone-id" => one(&z.id),
                "zone-name" => one(&z.name),
                "zone-type" => one("availability-zone"),
                _ => vec![],
            })
        })
        .map(|z| m::AvailabilityZone {
            zone_name: Some(z.name),
            zone_id: Some(z.id),
            zone_type: Some("availability-zone".into()),
            state: Some("available".into()),
            opt_in_status: Some("opt-in-not-required".into()),
            messages: Some(vec![]),
            region_name: Some(region.clone()),
            group_name: Some(group.clone()),
            group_long_name: Some(z.group_long_name),
            network_border_group: Some(region.clone()),
            ..Default::default()
        })
        .collect();
    Ok(m::DescribeAvailabilityZonesResult {
        availability_zones: Some(out),
    })
}

pub(super) fn describe_regions(
    ctx: &mut Ctx,
    input: m::DescribeRegionsRequest,
) -> R<m::DescribeRegionsResult> {
    let filters =
        Filters::parse_untagged(input.filters, &["endpoint", "opt-in-status", "region-name"])?;
    let names = input.region_names.unwrap_or_default();
    for n in &names {
        if regions::region_info(n).is_none() {
            return Err(AwsError::new(
                "InvalidParameterValue",
                format!("Invalid region: {n}"),
            ));
        }
    }
    ctx.dry_run(input.dry_run)?;
    let out = regions::REGIONS
        .iter()
        .filter(|r| names.is_empty() || names.iter().any(|n| n == r.name))
        .map(|r| m::Region {
            region_name: Some(r.name.to_string()),
            endpoint: Some(format!("ec2.{}.amazonaws.com", r.name)),
            opt_in_status: Some(r.opt_in_status().into()),
            ..Default::default()
        })
        .filter(|r| {
            filters.matches(&Default::default(), |n| match n {
                "endpoint" => r.endpoint.iter().cloned().collect(),
                "opt-in-status" => r.opt_in_status.iter().cloned().collect(),
                "region-name" => r.region_name.iter().cloned().collect(),
                _ => vec![],
            })
        })
        .collect();
    Ok(m::DescribeRegionsResult { regions: Some(out) })
}

/// What a service asks for when it places a network interface in a subnet.
pub(crate) struct NewEni<'a> {
    pub subnet_id: &'a str,
    pub group_ids: Vec<String>,
    pub description: String,
    pub interface_type: &'a str,
    /// The AWS service account that manages it, for requester-managed ENIs.
    pub requester_id: Option<String>,
    pub public_ip: bool,
    /// The address asked for (checked free by the caller), else any free one.
    pub private_ip: Option<String>,
}

/// What a scenario may pin of a network interface AWS creates (queued under
/// `network-interface`; the next interface created takes it).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct EniPin {
    pub id: Option<String>,
    pub private_ip: Option<String>,
    pub mac: Option<String>,
    pub public_ip: Option<String>,
}

/// Creates a network interface with a free address of its subnet. The
/// caller has checked the subnet exists and has room (`has_free_ip`).
pub(crate) fn create_eni(ctx: &mut Ctx, spec: NewEni<'_>) -> R<String> {
    let pin: EniPin = ctx
        .world
        .ids
        .take_pinned("network-interface")
        .unwrap_or_default();
    let (vpc_id, az) = {
        let s = ctx
            .acct()
            .ec2
            .subnets
            .get(spec.subnet_id)
            .ok_or_else(|| errors::subnet_not_found(spec.subnet_id))?;
        (s.vpc_id.clone(), s.availability_zone.clone())
    };
    let wanted = spec.private_ip.as_deref().or(pin.private_ip.as_deref());
    let ip = super::subnets::allocate_ip(ctx, spec.subnet_id, wanted)?;
    let id = pin.id.unwrap_or_else(|| ctx.new_id("eni"));
    let ids = &ctx.world.ids;
    let mac = pin.mac.unwrap_or_else(|| {
        format!(
            "0e:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            ids.byte(),
            ids.byte(),
            ids.byte(),
            ids.byte(),
            ids.byte()
        )
    });
    let eni = NetworkInterface {
        id: id.as_str().into(),
        subnet_id: spec.subnet_id.into(),
        vpc_id: vpc_id.into(),
        availability_zone: az.into(),
        private_ip: ip.into(),
        mac_address: mac.into(),
        description: super::state::EniDescription::new(
            spec.description,
            ctx.region_name(),
            &ctx.account,
        ),
        interface_type: spec.interface_type.into(),
        requester_managed: spec.requester_id.is_some(),
        requester_id: spec.requester_id.map(Into::into),
        status: "in-use".into(),
        group_ids: spec.group_ids,
        public_ip: spec
            .public_ip
            .then(|| {
                let ids = &ctx.world.ids;
                pin.public_ip.unwrap_or_else(|| {
                    format!("54.{}.{}.{}", ids.byte(), ids.byte(), ids.byte().max(1))
                })
            })
            .map(Into::into),
        secondary_ips: vec![],
        source_dest_check: true,
        attachment: None,
        created: ctx.now(),
        tags: Default::default(),
    };
    ctx.acct_mut()
        .ec2
        .enis
        .insert(id.clone().into(), Box::new(eni));
    ctx.emit(event("network-interface", &id, "created", Some("in-use")));
    Ok(id)
}

pub(crate) fn delete_eni(ctx: &mut Ctx, id: &str) {
    // An Elastic IP on it stays allocated, no longer associated.
    for a in ctx.acct_mut().ec2.addresses.values_mut() {
        if a.association
            .as_ref()
            .is_some_and(|x| x.network_interface_id == id)
        {
            a.association = None;
        }
    }
    if let Some(eni) = ctx.acct_mut().ec2.enis.remove(id) {
        super::subnets::release_ip(ctx, &eni.subnet_id, &eni.private_ip);
        for ip in &eni.secondary_ips {
            super::subnets::release_ip(ctx, &eni.subnet_id, ip);
        }
        ctx.emit(event("network-interface", id, "deleted", None));
    }
}

/// True when the subnet has an address left for one more interface.
pub(crate) fn has_free_ip(ctx: &Ctx, subnet_id: &str) -> bool {
    ctx.acct()
        .ec2
        .subnets
        .get(subnet_id)
        .is_some_and(|s| super::subnets::available_ips(s) > 0)
}

/// The network interfaces attached to an instance, by device index.
pub(crate) fn instance_enis<'a>(ctx: &'a Ctx, instance_id: &str) -> Vec<&'a NetworkInterface> {
    let mut enis: Vec<_> = ctx
        .acct()
        .ec2
        .enis
        .values()
        .map(|e| &**e)
        .filter(|e| {
            e.attachment
                .as_ref()
                .is_some_and(|a| a.instance_id == instance_id)
        })
        .collect();
    enis.sort_by_key(|e| e.attachment.as_ref().map(|a| a.device_index));
    enis
}

/// An instance's primary interface (device 0).
pub(crate) fn primary_eni<'a>(ctx: &'a Ctx, instance_id: &str) -> Option<&'a NetworkInterface> {
    instance_enis(ctx, instance_id)
        .into_iter()
        .find(|e| e.attachment.as_ref().is_some_and(|a| a.device_index == 0))
}
