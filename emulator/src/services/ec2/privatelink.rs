//! PrivateLink, provider side (aws-spec.md §7.2–7.5, §8.6–8.14, §8.19–8.20):
//! endpoint service configurations backed by load balancers, their allowed
//! principals (enforced), and the connections of consumer endpoints of any
//! account, which the provider accepts or rejects.

use super::endpoint_model;
use super::endpoint_services::{base_dns, name_prefix, services_mut, zones};
use super::endpoint_states::{self, accept_endpoint};
use super::errors::R;
use super::notifications;
use super::query::{one, paginate, Filters};
use super::state::event;
use super::state::{AllowedPrincipal, EndpointService, PrivateDnsName};
use super::tags::{self, Tags};
use super::{errors, remote};
use crate::model::ec2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;
use crate::world::ids::is_valid_id;
use crate::world::regions;

fn service_not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidVpcEndpointServiceId.NotFound",
        format!("The VpcEndpointService Id '{id}' does not exist"),
    )
}

/// The caller's own service `id`.
fn own_service<'a>(ctx: &'a Ctx, id: &str) -> R<&'a EndpointService> {
    if !is_valid_id(id, "vpce-svc") {
        return Err(AwsError::new(
            "InvalidVpcEndpointServiceId.Malformed",
            format!("Invalid Id: '{id}' (expecting 'vpce-svc-...')"),
        ));
    }
    match ctx.region.common.ec2.endpoint_services.get(id) {
        Some(s) if s.owner == ctx.account => Ok(s),
        _ => Err(service_not_found(id)),
    }
}

fn configuration_model(ctx: &Ctx, svc: &EndpointService) -> m::ServiceConfiguration {
    let gwlb = svc.service_type == "GatewayLoadBalancer";
    let zones = zones(ctx, svc);
    m::ServiceConfiguration {
        service_type: Some(vec![m::ServiceTypeDetail {
            service_type: Some(svc.service_type.clone()),
        }]),
        service_id: Some(svc.id.clone()),
        service_name: Some(svc.name.clone()),
        service_state: Some(svc.state.clone()),
        availability_zone_ids: Some(zones.iter().map(|z| z.id.clone()).collect()),
        availability_zones: Some(zones.iter().map(|z| z.name.clone()).collect()),
        acceptance_required: Some(svc.acceptance_required),
        manages_vpc_endpoints: Some(false),
        network_load_balancer_arns: (!gwlb).then(|| svc.load_balancers.clone()),
        gateway_load_balancer_arns: gwlb.then(|| svc.load_balancers.clone()),
        supported_ip_address_types: Some(svc.ip_types.clone()),
        base_endpoint_dns_names: (!gwlb).then(|| vec![base_dns(svc, ctx.region_name())]),
        private_dns_name: svc.private_dns.as_ref().map(|p| p.name.clone()),
        private_dns_name_configuration: Some(
            svc.private_dns
                .as_ref()
                .map(|p| m::PrivateDnsNameConfiguration {
                    state: Some(p.state.clone()),
                    type_: Some("TXT".into()),
                    value: Some(p.record_value.clone()),
                    name: Some(p.record_name.clone()),
                })
                .unwrap_or_default(),
        ),
        payer_responsibility: svc.payer_responsibility.clone(),
        tags: Some(svc.tags.to_model()),
        supported_regions: Some(
            svc.supported_regions
                .iter()
                .map(|r| m::SupportedRegionDetail {
                    region: Some(r.clone()),
                    service_state: Some("Available".into()),
                })
                .collect(),
        ),
        remote_access_enabled: Some(svc.supported_regions.len() > 1),
    }
}

fn new_private_dns(ctx: &Ctx, name: &str) -> R<PrivateDnsName> {
    let valid = !name.is_empty()
        && name.len() <= 255
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'*')
        });
    if !valid || !name.contains('.') {
        return Err(errors::invalid_value(
            "PrivateDnsName",
            name,
            "The private DNS name is not a valid domain name.",
        ));
    }
    let ids = &ctx.world.ids;
    Ok(PrivateDnsName {
        name: name.to_string(),
        state: "pendingVerification".into(),
        record_name: ids.pinned_or("private-dns-record-name", |ids| {
            format!("_{}", ids.alnum(20))
        }),
        record_value: ids.pinned_or("private-dns-record-value", |ids| {
            format!("vpce:{}", ids.alnum(20))
        }),
    })
}

/// Load balancers of the caller's account and Region of the wanted type,
/// not used by another service.
fn check_load_balancers(ctx: &Ctx, arns: &[String], lb_type: &str, except: Option<&str>) -> R<()> {
    for arn in arns {
        let Some(lb) = ctx.acct().elbv2.load_balancers.get(arn) else {
            return Err(AwsError::new(
                "InvalidParameter",
                format!(
                    "The load balancer '{arn}' does not exist in account {} and Region {}.",
                    ctx.account,
                    ctx.region_name()
                ),
            ));
        };
        if lb.lb_type != lb_type {
            return Err(AwsError::new(
                "InvalidParameter",
                format!("The load balancer '{arn}' is not a {lb_type} load balancer."),
            ));
        }
        if lb
            .endpoint_service
            .as_deref()
            .is_some_and(|s| Some(s) != except)
        {
            return Err(AwsError::new(
                "InvalidParameter",
                format!("The load balancer '{arn}' is already associated with another VPC endpoint service."),
            ));
        }
    }
    Ok(())
}

fn check_ip_types(types: &[String]) -> R<()> {
    for t in types {
        if t != "ipv4" && t != "ipv6" {
            return Err(AwsError::new(
                "InvalidParameter",
                format!("The IP address type '{t}' is not supported: use ipv4 or ipv6."),
            ));
        }
    }
    Ok(())
}

fn set_lb_owner(ctx: &mut Ctx, arns: &[String], service: Option<&str>) {
    for arn in arns {
        if let Some(lb) = ctx.acct_mut().elbv2.load_balancers.get_mut(arn) {
            lb.endpoint_service = service.map(str::to_string);
        }
    }
}

pub(super) fn create_configuration(
    ctx: &mut Ctx,
    input: m::CreateVpcEndpointServiceConfigurationRequest,
) -> R<m::CreateVpcEndpointServiceConfigurationResult> {
    if let Some(token) = &input.client_token {
        let earlier = ctx
            .region
            .common
            .ec2
            .endpoint_services
            .values()
            .find(|s| s.owner == ctx.account && s.client_token.as_ref() == Some(token));
        if let Some(s) = earlier {
            return Ok(m::CreateVpcEndpointServiceConfigurationResult {
                service_configuration: Some(configuration_model(ctx, s)),
                client_token: Some(token.clone()),
            });
        }
    }
    let nlbs = input.network_load_balancer_arns.clone().unwrap_or_default();
    let gwlbs = input.gateway_load_balancer_arns.clone().unwrap_or_default();
    let (lbs, lb_type, service_type) = match (nlbs.is_empty(), gwlbs.is_empty()) {
        (false, true) => (nlbs, "network", "Interface"),
        (true, false) => (gwlbs, "gateway", "GatewayLoadBalancer"),
        (false, false) => {
            return Err(errors::combination(
                "Specify either network load balancers or gateway load balancers, not both.",
            ))
        }
        (true, true) => return Err(errors::missing("NetworkLoadBalancerArn")),
    };
    check_load_balancers(ctx, &lbs, lb_type, None)?;
    let ip_types = input
        .supported_ip_address_types
        .clone()
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| vec!["ipv4".into()]);
    check_ip_types(&ip_types)?;
    let here = ctx.region_name().to_string();
    let mut supported_regions = vec![here.clone()];
    for r in input.supported_regions.clone().unwrap_or_default() {
        if !regions::is_region_name(&r) {
            return Err(errors::invalid_value(
                "SupportedRegion",
                &r,
                "Unknown Region.",
            ));
        }
        if !supported_regions.contains(&r) {
            supported_regions.push(r);
        }
    }
    let private_dns = match &input.private_dns_name {
        Some(_) if service_type == "GatewayLoadBalancer" => {
            return Err(AwsError::new(
                "InvalidParameter",
                "Gateway Load Balancer endpoint services cannot have a private DNS name.",
            ))
        }
        Some(n) => Some(new_private_dns(ctx, n)?),
        None => None,
    };
    let tags = tags::from_specs(input.tag_specifications.clone(), "vpc-endpoint-service")?;
    ctx.dry_run(input.dry_run)?;
    let id = ctx.new_id("vpce-svc");
    let svc = EndpointService {
        name: format!("{}{id}", name_prefix(&here)),
        id: id.clone(),
        owner: ctx.account.clone(),
        service_type: service_type.into(),
        state: "Available".into(),
        acceptance_required: input.acceptance_required.unwrap_or(false),
        load_balancers: lbs.clone(),
        ip_types,
        supported_regions,
        private_dns,
        payer_responsibility: None,
        principals: vec![],
        connections: Default::default(),
        tags,
        created: ctx.now(),
        client_token: input.client_token.clone(),
    };
    let out = configuration_model(ctx, &svc);
    set_lb_owner(ctx, &lbs, Some(&id));
    services_mut(ctx).insert(id.clone(), svc);
    ctx.emit(event(
        "vpc-endpoint-service",
        &id,
        "created",
        Some("Available"),
    ));
    Ok(m::CreateVpcEndpointServiceConfigurationResult {
        service_configuration: Some(out),
        client_token: input.client_token,
    })
}

const CONFIG_FILTERS: &[&str] = &[
    "service-name",
    "service-id",
    "service-state",
    "supported-ip-address-types",
];

/// `MaxResults` above 1000 counts as 1000.
fn cap(max: Option<i32>) -> Option<i32> {
    max.map(|n| n.min(1000))
}

pub(super) fn describe_configurations(
    ctx: &mut Ctx,
    input: m::DescribeVpcEndpointServiceConfigurationsRequest,
) -> R<m::DescribeVpcEndpointServiceConfigurationsResult> {
    let ids = input.service_ids.unwrap_or_default();
    for id in &ids {
        own_service(ctx, id)?;
    }
    let filters = Filters::parse(input.filters, CONFIG_FILTERS)?;
    ctx.dry_run(input.dry_run)?;
    let items = ctx
        .region
        .common
        .ec2
        .endpoint_services
        .values()
        .filter(|s| s.owner == ctx.account)
        .filter(|s| ids.is_empty() || ids.contains(&s.id))
        .filter(|s| {
            filters.matches(&s.tags, |f| match f {
                "service-name" => one(&s.name),
                "service-id" => one(&s.id),
                "service-state" => one(&s.state),
                "supported-ip-address-types" => s.ip_types.clone(),
                _ => vec![],
            })
        })
        .map(|s| (s.id.clone(), configuration_model(ctx, s)))
        .collect();
    let (page, next) = paginate(items, cap(input.max_results), input.next_token.as_deref())?;
    Ok(m::DescribeVpcEndpointServiceConfigurationsResult {
        service_configurations: Some(page),
        next_token: next,
    })
}

/// Endpoints that still hold a connection to the service.
fn active_connections(ctx: &Ctx, svc: &EndpointService) -> usize {
    svc.connections
        .keys()
        .filter(|eid| {
            connection_state(ctx, svc, eid).is_some_and(|(_, state)| {
                matches!(
                    state.as_str(),
                    "available" | "pending" | "pendingAcceptance"
                )
            })
        })
        .count()
}

pub(super) fn modify_configuration(
    ctx: &mut Ctx,
    input: m::ModifyVpcEndpointServiceConfigurationRequest,
) -> R<m::ModifyVpcEndpointServiceConfigurationResult> {
    let id = input.service_id.clone().unwrap_or_default();
    let svc = own_service(ctx, &id)?.clone();
    let lb_type = if svc.service_type == "GatewayLoadBalancer" {
        "gateway"
    } else {
        "network"
    };
    let (add, remove) = if lb_type == "network" {
        (
            input
                .add_network_load_balancer_arns
                .clone()
                .unwrap_or_default(),
            input
                .remove_network_load_balancer_arns
                .clone()
                .unwrap_or_default(),
        )
    } else {
        (
            input
                .add_gateway_load_balancer_arns
                .clone()
                .unwrap_or_default(),
            input
                .remove_gateway_load_balancer_arns
                .clone()
                .unwrap_or_default(),
        )
    };
    let wrong_kind = if lb_type == "network" {
        input
            .add_gateway_load_balancer_arns
            .as_ref()
            .is_some_and(|v| !v.is_empty())
    } else {
        input
            .add_network_load_balancer_arns
            .as_ref()
            .is_some_and(|v| !v.is_empty())
    };
    if wrong_kind {
        return Err(AwsError::new(
            "InvalidParameter",
            format!("Service {id} uses {lb_type} load balancers only."),
        ));
    }
    check_load_balancers(ctx, &add, lb_type, Some(&id))?;
    for r in &remove {
        if !svc.load_balancers.contains(r) {
            return Err(AwsError::new(
                "InvalidParameter",
                format!("The load balancer '{r}' is not associated with service {id}."),
            ));
        }
    }
    let mut lbs: Vec<String> = svc
        .load_balancers
        .iter()
        .filter(|l| !remove.contains(l))
        .cloned()
        .collect();
    for a in &add {
        if !lbs.contains(a) {
            lbs.push(a.clone());
        }
    }
    if lbs.is_empty() {
        return Err(AwsError::new(
            "InvalidParameter",
            "An endpoint service needs at least one load balancer.",
        ));
    }
    if !remove.is_empty() && active_connections(ctx, &svc) > 0 {
        return Err(AwsError::new(
            "ExistingVpcEndpointConnections",
            "Service has existing active VPC Endpoint connections!",
        ));
    }
    let mut ip_types = svc.ip_types.clone();
    ip_types.retain(|t| {
        !input
            .remove_supported_ip_address_types
            .clone()
            .unwrap_or_default()
            .contains(t)
    });
    for t in input
        .add_supported_ip_address_types
        .clone()
        .unwrap_or_default()
    {
        if !ip_types.contains(&t) {
            ip_types.push(t);
        }
    }
    check_ip_types(&ip_types)?;
    if ip_types.is_empty() {
        return Err(AwsError::new(
            "InvalidParameter",
            "At least one supported IP address type is required.",
        ));
    }
    let here = ctx.region_name().to_string();
    let mut supported = svc.supported_regions.clone();
    for r in input.remove_supported_regions.clone().unwrap_or_default() {
        if r == here {
            return Err(AwsError::new(
                "InvalidParameter",
                "The service's own Region cannot be removed.",
            ));
        }
        supported.retain(|x| *x != r);
    }
    for r in input.add_supported_regions.clone().unwrap_or_default() {
        if !regions::is_region_name(&r) {
            return Err(errors::invalid_value(
                "AddSupportedRegion",
                &r,
                "Unknown Region.",
            ));
        }
        if !supported.contains(&r) {
            supported.push(r);
        }
    }
    let private_dns = match (&input.private_dns_name, input.remove_private_dns_name) {
        (Some(_), Some(true)) => {
            return Err(errors::combination(
                "PrivateDnsName and RemovePrivateDnsName cannot be given together.",
            ))
        }
        (Some(_), _) if lb_type == "gateway" => {
            return Err(AwsError::new(
                "InvalidParameter",
                "Gateway Load Balancer endpoint services cannot have a private DNS name.",
            ))
        }
        (Some(n), _) => Some(new_private_dns(ctx, n)?),
        (None, Some(true)) => None,
        (None, _) => svc.private_dns.clone(),
    };
    ctx.dry_run(input.dry_run)?;
    set_lb_owner(ctx, &remove, None);
    set_lb_owner(ctx, &add, Some(&id));
    if let Some(s) = services_mut(ctx).get_mut(&id) {
        s.load_balancers = lbs;
        s.ip_types = ip_types;
        s.supported_regions = supported;
        s.private_dns = private_dns;
        if let Some(a) = input.acceptance_required {
            s.acceptance_required = a;
        }
    }
    ctx.emit(event("vpc-endpoint-service", &id, "modified", None));
    Ok(m::ModifyVpcEndpointServiceConfigurationResult {
        return_: Some(true),
    })
}

fn unsuccessful(id: &str, code: &str, message: String) -> m::UnsuccessfulItem {
    m::UnsuccessfulItem {
        resource_id: Some(id.to_string()),
        error: Some(m::UnsuccessfulItemError {
            code: Some(code.to_string()),
            message: Some(message),
        }),
    }
}

pub(super) fn delete_configurations(
    ctx: &mut Ctx,
    input: m::DeleteVpcEndpointServiceConfigurationsRequest,
) -> R<m::DeleteVpcEndpointServiceConfigurationsResult> {
    let ids = input.service_ids.unwrap_or_default();
    ctx.dry_run(input.dry_run)?;
    let mut failed = Vec::new();
    for id in ids {
        let svc = match ctx.region.common.ec2.endpoint_services.get(&id) {
            Some(s) if s.owner == ctx.account => s.clone(),
            _ => {
                failed.push(unsuccessful(
                    &id,
                    "InvalidVpcEndpointService.NotFound",
                    format!("The VpcEndpointService Id '{id}' does not exist"),
                ));
                continue;
            }
        };
        if active_connections(ctx, &svc) > 0 {
            failed.push(unsuccessful(
                &id,
                "ExistingVpcEndpointConnections",
                "Service has existing active VPC Endpoint connections!".into(),
            ));
            continue;
        }
        set_lb_owner(ctx, &svc.load_balancers, None);
        services_mut(ctx).remove(&id);
        ctx.acct_mut()
            .ec2
            .notifications
            .retain(|_, n| n.service_id.as_deref() != Some(id.as_str()));
        ctx.emit(event(
            "vpc-endpoint-service",
            &id,
            "deleted",
            Some("Deleted"),
        ));
    }
    Ok(m::DeleteVpcEndpointServiceConfigurationsResult {
        unsuccessful: Some(failed),
    })
}

fn principal_type(arn: &str) -> Option<&'static str> {
    if arn == "*" {
        return Some("All");
    }
    if arn.starts_with("arn:aws:organizations::") && arn.contains(":ou/") {
        return Some("OrganizationUnit");
    }
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match resource {
        "root" => Some("Account"),
        r if r.strip_prefix("role/").is_some_and(|n| !n.is_empty()) => Some("Role"),
        r if r.strip_prefix("user/").is_some_and(|n| !n.is_empty()) => Some("User"),
        _ => None,
    }
}

pub(super) fn modify_permissions(
    ctx: &mut Ctx,
    input: m::ModifyVpcEndpointServicePermissionsRequest,
) -> R<m::ModifyVpcEndpointServicePermissionsResult> {
    let id = input.service_id.clone().unwrap_or_default();
    let svc = own_service(ctx, &id)?.clone();
    let add = input.add_allowed_principals.unwrap_or_default();
    let remove = input.remove_allowed_principals.unwrap_or_default();
    for p in add.iter().chain(&remove) {
        if principal_type(p).is_none() {
            return Err(AwsError::new(
                "InvalidPrincipal",
                format!("Invalid principal {p}"),
            ));
        }
    }
    ctx.dry_run(input.dry_run)?;
    let mut principals = svc.principals.clone();
    principals.retain(|p| !remove.contains(&p.arn));
    let mut added = Vec::new();
    for arn in add {
        let entry = match principals.iter().find(|p| p.arn == arn) {
            Some(p) => p.clone(),
            None => {
                let p = AllowedPrincipal {
                    id: ctx.new_id("vpce-svc-perm"),
                    principal_type: principal_type(&arn).unwrap_or("Account").into(),
                    arn,
                };
                principals.push(p.clone());
                p
            }
        };
        added.push(m::AddedPrincipal {
            principal_type: Some(entry.principal_type),
            principal: Some(entry.arn),
            service_permission_id: Some(entry.id),
            service_id: Some(id.clone()),
            permission_type: Some("vpc-endpoint".into()),
        });
    }
    if let Some(s) = services_mut(ctx).get_mut(&id) {
        s.principals = principals;
    }
    ctx.emit(event(
        "vpc-endpoint-service",
        &id,
        "permissions-changed",
        None,
    ));
    Ok(m::ModifyVpcEndpointServicePermissionsResult {
        added_principals: Some(added),
        return_value: Some(true),
    })
}

pub(super) fn describe_permissions(
    ctx: &mut Ctx,
    input: m::DescribeVpcEndpointServicePermissionsRequest,
) -> R<m::DescribeVpcEndpointServicePermissionsResult> {
    let id = input.service_id.clone().unwrap_or_default();
    let svc = own_service(ctx, &id)?.clone();
    super::query::check_max_results(input.max_results.map(|n| n.min(1000)), 5, 1000)?;
    let filters = Filters::parse(
        input.filters,
        &["permission-type", "principal", "principal-type"],
    )?;
    ctx.dry_run(input.dry_run)?;
    let items = svc
        .principals
        .iter()
        .filter(|p| {
            filters.matches(&Tags::default(), |f| match f {
                "permission-type" => one("vpc-endpoint"),
                "principal" => one(&p.arn),
                "principal-type" => one(&p.principal_type),
                _ => vec![],
            })
        })
        .map(|p| {
            (
                p.id.clone(),
                m::AllowedPrincipal {
                    principal_type: Some(p.principal_type.clone()),
                    principal: Some(p.arn.clone()),
                    service_permission_id: Some(p.id.clone()),
                    tags: Some(vec![]),
                    service_id: Some(id.clone()),
                    permission_type: Some("vpc-endpoint".into()),
                },
            )
        })
        .collect();
    let (page, next) = paginate(items, cap(input.max_results), input.next_token.as_deref())?;
    Ok(m::DescribeVpcEndpointServicePermissionsResult {
        allowed_principals: Some(page),
        next_token: next,
    })
}

const CONNECTION_FILTERS: &[&str] = &[
    "ip-address-type",
    "service-id",
    "vpc-endpoint-owner",
    "vpc-endpoint-region",
    "vpc-endpoint-state",
    "vpc-endpoint-id",
];

pub(super) fn describe_connections(
    ctx: &mut Ctx,
    input: m::DescribeVpcEndpointConnectionsRequest,
) -> R<m::DescribeVpcEndpointConnectionsResult> {
    super::query::check_max_results(input.max_results.map(|n| n.min(1000)), 5, 1000)?;
    let filters = Filters::parse(input.filters, CONNECTION_FILTERS)?;
    ctx.dry_run(input.dry_run)?;
    let region = ctx.region_name().to_string();
    let mut items = Vec::new();
    for svc in ctx
        .region
        .common
        .ec2
        .endpoint_services
        .values()
        .filter(|s| s.owner == ctx.account)
    {
        for (eid, conn) in &svc.connections {
            // The endpoint as the provider sees it: here, or the replica of
            // one in another Region.
            let (state, ip_type, dns, endpoint_region) = if let Some(r) = &conn.remote {
                let dns = r
                    .dns_entries
                    .iter()
                    .map(|(name, zone)| m::DnsEntry {
                        dns_name: Some(name.clone()),
                        hosted_zone_id: Some(zone.clone()),
                    })
                    .collect();
                (
                    r.state.clone(),
                    r.ip_address_type.clone(),
                    Some(dns),
                    r.region.clone(),
                )
            } else {
                let Some(e) = ctx
                    .region
                    .accounts
                    .get(&conn.account)
                    .and_then(|a| a.ec2.endpoints.get(eid))
                else {
                    continue;
                };
                let dns = endpoint_model::to_model_of(ctx, &conn.account, e).dns_entries;
                (
                    e.state.clone(),
                    e.ip_address_type.clone(),
                    dns,
                    region.clone(),
                )
            };
            let keep = filters.matches(&Tags::default(), |f| match f {
                "ip-address-type" => ip_type.iter().cloned().collect(),
                "service-id" => one(&svc.id),
                "vpc-endpoint-owner" => one(&conn.account),
                "vpc-endpoint-region" => one(&endpoint_region),
                "vpc-endpoint-state" => one(&state),
                "vpc-endpoint-id" => one(eid),
                _ => vec![],
            });
            if !keep {
                continue;
            }
            let gwlb = svc.service_type == "GatewayLoadBalancer";
            items.push((
                format!("{}\u{0}{eid}", svc.id),
                m::VpcEndpointConnection {
                    service_id: Some(svc.id.clone()),
                    vpc_endpoint_id: Some(eid.clone()),
                    vpc_endpoint_owner: Some(conn.account.clone()),
                    vpc_endpoint_state: Some(state),
                    creation_timestamp: Some(conn.created),
                    dns_entries: dns,
                    network_load_balancer_arns: (!gwlb).then(|| svc.load_balancers.clone()),
                    gateway_load_balancer_arns: gwlb.then(|| svc.load_balancers.clone()),
                    ip_address_type: ip_type,
                    vpc_endpoint_connection_id: Some(conn.id.clone()),
                    tags: Some(vec![]),
                    vpc_endpoint_region: Some(endpoint_region),
                    ..Default::default()
                },
            ));
        }
    }
    let (page, next) = paginate(items, cap(input.max_results), input.next_token.as_deref())?;
    Ok(m::DescribeVpcEndpointConnectionsResult {
        vpc_endpoint_connections: Some(page),
        next_token: next,
    })
}

/// The consumer account and state of an endpoint connected to `svc`.
fn connection_state(
    ctx: &Ctx,
    svc: &EndpointService,
    endpoint_id: &str,
) -> Option<(String, String)> {
    let conn = svc.connections.get(endpoint_id)?;
    if let Some(r) = &conn.remote {
        return Some((conn.account.clone(), r.state.clone()));
    }
    let e = ctx
        .region
        .accounts
        .get(&conn.account)?
        .ec2
        .endpoints
        .get(endpoint_id)?;
    Some((conn.account.clone(), e.state.clone()))
}

fn not_connected(id: &str, service_id: &str) -> m::UnsuccessfulItem {
    unsuccessful(
        id,
        "InvalidVpcEndpoint.NotFound",
        format!(
            "The VPC Endpoint Id '{id}' does not exist or is not connected to service {service_id}"
        ),
    )
}

/// Accept and Reject: each endpoint connected to the caller's service whose
/// state is one of `from` gets `act` (as its owner) and fires `event`; the
/// others come back as `Unsuccessful` items.
fn decide(
    ctx: &mut Ctx,
    service_id: &str,
    ids: Vec<String>,
    dry_run: Option<bool>,
    from: &[&str],
    event: &str,
    act: fn(&mut Ctx, &str),
) -> R<Vec<m::UnsuccessfulItem>> {
    let svc = own_service(ctx, service_id)?.clone();
    ctx.dry_run(dry_run)?;
    let mut failed = Vec::new();
    for eid in ids {
        match connection_state(ctx, &svc, &eid) {
            None => failed.push(not_connected(&eid, service_id)),
            Some((consumer, state)) if from.contains(&state.as_str()) => {
                if svc.connections[&eid].remote.is_some() {
                    // The endpoint's Region hears of it, and notifies its
                    // owner, on its next lock.
                    remote::decide(ctx, service_id, &eid, event == "Accept");
                } else {
                    ctx.with_account(&consumer, |c| act(c, &eid));
                }
                notifications::fire(ctx, event, service_id, &eid);
            }
            Some((_, state)) => failed.push(unsuccessful(
                &eid,
                "InvalidVpcEndpointState",
                format!(
                    "The VPC endpoint {eid} is in state {state}; {event} needs {}.",
                    from.join(" or ")
                ),
            )),
        }
    }
    Ok(failed)
}

pub(super) fn accept(
    ctx: &mut Ctx,
    input: m::AcceptVpcEndpointConnectionsRequest,
) -> R<m::AcceptVpcEndpointConnectionsResult> {
    let id = input.service_id.clone().unwrap_or_default();
    let ids = input.vpc_endpoint_ids.unwrap_or_default();
    let failed = decide(
        ctx,
        &id,
        ids,
        input.dry_run,
        &["pendingAcceptance"],
        "Accept",
        accept_endpoint,
    )?;
    Ok(m::AcceptVpcEndpointConnectionsResult {
        unsuccessful: Some(failed),
    })
}

pub(super) fn reject(
    ctx: &mut Ctx,
    input: m::RejectVpcEndpointConnectionsRequest,
) -> R<m::RejectVpcEndpointConnectionsResult> {
    let id = input.service_id.clone().unwrap_or_default();
    let ids = input.vpc_endpoint_ids.unwrap_or_default();
    let from = ["pendingAcceptance", "pending", "available"];
    let failed = decide(
        ctx,
        &id,
        ids,
        input.dry_run,
        &from,
        "Reject",
        endpoint_states::reject,
    )?;
    Ok(m::RejectVpcEndpointConnectionsResult {
        unsuccessful: Some(failed),
    })
}

pub(super) fn modify_payer(
    ctx: &mut Ctx,
    input: m::ModifyVpcEndpointServicePayerResponsibilityRequest,
) -> R<m::ModifyVpcEndpointServicePayerResponsibilityResult> {
    let id = input.service_id.clone().unwrap_or_default();
    own_service(ctx, &id)?;
    let payer = input.payer_responsibility.unwrap_or_default();
    ctx.dry_run(input.dry_run)?;
    if let Some(s) = services_mut(ctx).get_mut(&id) {
        s.payer_responsibility = Some(payer);
    }
    Ok(m::ModifyVpcEndpointServicePayerResponsibilityResult {
        return_value: Some(true),
    })
}

pub(super) fn start_dns_verification(
    ctx: &mut Ctx,
    input: m::StartVpcEndpointServicePrivateDnsVerificationRequest,
) -> R<m::StartVpcEndpointServicePrivateDnsVerificationResult> {
    let id = input.service_id.clone().unwrap_or_default();
    let svc = own_service(ctx, &id)?;
    if svc.private_dns.is_none() {
        return Err(AwsError::new(
            "InvalidParameter",
            format!("The service {id} has no private DNS name to verify."),
        ));
    }
    ctx.dry_run(input.dry_run)?;
    // Offline there is no DNS to look the TXT record up in: it verifies.
    if let Some(p) = services_mut(ctx)
        .get_mut(&id)
        .and_then(|s| s.private_dns.as_mut())
    {
        p.state = "verified".into();
    }
    ctx.emit(event(
        "vpc-endpoint-service",
        &id,
        "private-dns-verified",
        Some("verified"),
    ));
    Ok(m::StartVpcEndpointServicePrivateDnsVerificationResult {
        return_value: Some(true),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::ec2::endpoint_services::principal_matches;

    #[test]
    fn principals_are_typed_and_matched() {
        assert_eq!(principal_type("*"), Some("All"));
        assert_eq!(
            principal_type("arn:aws:iam::222222222222:root"),
            Some("Account")
        );
        assert_eq!(
            principal_type("arn:aws:iam::222222222222:role/app"),
            Some("Role")
        );
        assert_eq!(
            principal_type("arn:aws:iam::222222222222:user/bob"),
            Some("User")
        );
        assert_eq!(principal_type("arn:aws:iam::2222:root"), None);
        assert_eq!(principal_type("222222222222"), None);
        let role = "arn:aws:iam::222222222222:role/app";
        assert!(principal_matches(
            "arn:aws:iam::222222222222:root",
            "222222222222",
            role
        ));
        assert!(principal_matches(role, "222222222222", role));
        assert!(!principal_matches(
            "arn:aws:iam::222222222222:role/other",
            "222222222222",
            role
        ));
        assert!(!principal_matches(
            "arn:aws:iam::333333333333:root",
            "222222222222",
            role
        ));
        assert!(principal_matches(
            "*",
            "999999999999",
            "arn:aws:iam::999999999999:root"
        ));
    }
}
