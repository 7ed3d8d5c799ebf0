//! DescribeNetworkInterfaces, DescribeAvailabilityZones, DescribeRegions
//! (aws-spec.md §8.33, §8.35).

use super::errors;
use super::errors::R;
use super::query::check_max_results;
use super::query::{bool_value, one, paginate, Filters};
use super::state::{event, NetworkInterface};
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

fn eni_model(ctx: &Ctx, e: &NetworkInterface) -> m::NetworkInterface {
    let dns = private_dns_name(ctx.region_name(), &e.private_ip);
    let groups = e
        .group_ids
        .iter()
        .map(|g| m::GroupIdentifier {
            group_id: Some(g.clone()),
            group_name: ctx
                .acct()
                .ec2
                .security_groups
                .get(g)
                .map(|sg| sg.name.clone()),
        })
        .collect();
    m::NetworkInterface {
        network_interface_id: Some(e.id.clone()),
        subnet_id: Some(e.subnet_id.clone()),
        vpc_id: Some(e.vpc_id.clone()),
        availability_zone: Some(e.availability_zone.clone()),
        description: Some(e.description.clone()),
        groups: Some(groups),
        interface_type: Some(e.interface_type.clone()),
        ipv6_addresses: Some(vec![]),
        mac_address: Some(e.mac_address.clone()),
        owner_id: Some(ctx.account.clone()),
        private_dns_name: Some(dns.clone()),
        private_ip_address: Some(e.private_ip.clone()),
        private_ip_addresses: Some(vec![m::NetworkInterfacePrivateIpAddress {
            primary: Some(true),
            private_ip_address: Some(e.private_ip.clone()),
            private_dns_name: Some(dns),
            ..Default::default()
        }]),
        requester_id: e.requester_id.clone(),
        requester_managed: Some(e.requester_managed),
        source_dest_check: Some(true),
        status: Some(e.status.clone()),
        tag_set: Some(e.tags.to_model()),
        association: e
            .public_ip
            .as_ref()
            .map(|ip| m::NetworkInterfaceAssociation {
                ip_owner_id: Some("amazon".into()),
                public_ip: Some(ip.clone()),
                public_dns_name: Some(format!(
                    "ec2-{}.compute-1.amazonaws.com",
                    ip.replace('.', "-")
                )),
                ..Default::default()
            }),
        ..Default::default()
    }
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
    "attachment.attachment-id",
    "attachment.instance-id",
    "attachment.status",
];

fn eni_filter_values(ctx: &Ctx, e: &NetworkInterface, name: &str) -> Vec<String> {
    match name {
        "addresses.private-ip-address" | "private-ip-address" => one(&e.private_ip),
        "addresses.primary" => bool_value(true),
        "availability-zone" => one(&e.availability_zone),
        "description" => one(&e.description),
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
        "interface-type" => one(&e.interface_type),
        "mac-address" => one(&e.mac_address),
        "network-interface-id" => one(&e.id),
        "owner-id" => one(&ctx.account),
        "requester-id" => e.requester_id.iter().cloned().collect(),
        "requester-managed" => bool_value(e.requester_managed),
        "source-dest-check" => bool_value(true),
        "status" => one(&e.status),
        "subnet-id" => one(&e.subnet_id),
        "vpc-id" => one(&e.vpc_id),
        _ => vec![],
    }
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
        if !ctx.acct().ec2.enis.contains_key(id) {
            return Err(errors::eni_not_found(id));
        }
    }
    ctx.dry_run(input.dry_run)?;
    let items = ctx
        .acct()
        .ec2
        .enis
        .values()
        .filter(|e| ids.is_empty() || ids.contains(&e.id))
        .filter(|e| filters.matches(&e.tags, |n| eni_filter_values(ctx, e, n)))
        .map(|e| (e.id.clone(), eni_model(ctx, e)))
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
    let filters = Filters::parse(input.filters, AZ_FILTERS)?;
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
    let filters = Filters::parse(input.filters, &["endpoint", "opt-in-status", "region-name"])?;
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
            opt_in_status: Some("opt-in-not-required".into()),
            ..Default::default()
        })
        .filter(|r| {
            filters.matches(&Default::default(), |n| match n {
                "endpoint" => r.endpoint.iter().cloned().collect(),
                "opt-in-status" => one("opt-in-not-required"),
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
    let ip = super::subnets::allocate_ip(ctx, spec.subnet_id, pin.private_ip.as_deref())?;
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
        id: id.clone(),
        subnet_id: spec.subnet_id.to_string(),
        vpc_id,
        availability_zone: az,
        private_ip: ip,
        mac_address: mac,
        description: spec.description,
        interface_type: spec.interface_type.to_string(),
        requester_managed: spec.requester_id.is_some(),
        requester_id: spec.requester_id,
        status: "in-use".into(),
        group_ids: spec.group_ids,
        public_ip: spec.public_ip.then(|| {
            let ids = &ctx.world.ids;
            pin.public_ip.unwrap_or_else(|| {
                format!("54.{}.{}.{}", ids.byte(), ids.byte(), ids.byte().max(1))
            })
        }),
        created: ctx.now(),
        tags: Default::default(),
    };
    ctx.acct_mut().ec2.enis.insert(id.clone(), eni);
    ctx.emit(event("network-interface", &id, "created", Some("in-use")));
    Ok(id)
}

pub(crate) fn delete_eni(ctx: &mut Ctx, id: &str) {
    if let Some(eni) = ctx.acct_mut().ec2.enis.remove(id) {
        super::subnets::release_ip(ctx, &eni.subnet_id, &eni.private_ip);
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
