//! VPC endpoints, consumer side (aws-spec.md §7.2–7.3, §8.1–8.5, §8.34):
//! CreateVpcEndpoint, DescribeVpcEndpoints, ModifyVpcEndpoint,
//! DeleteVpcEndpoints, DescribeVpcEndpointServices, DescribePrefixLists.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use super::catalog;
use super::endpoint_model::{invalid_service, resolve_service, to_model};
use super::endpoint_services;
use super::endpoint_states::{self, become_available, set_state, AVAILABLE_MS};
use super::errors;
use super::errors::R;
use super::network::{create_eni, delete_eni, has_free_ip, NewEni};
use super::query::{one, paginate, Filters};
use super::state::event;
use super::state::{Route, ServiceView, VpcEndpoint};
use super::tags::{self, Tags};
use super::{notifications, remote};
use crate::model::ec2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;
use crate::world::ids::is_valid_id;
use crate::world::regions;

const DELETED_MS: i64 = 1_500;
const GONE_MS: i64 = 5_000;

/// The account AWS's endpoint network interfaces are managed by [U].
const ENDPOINT_REQUESTER: &str = "727180483921";

/// The policy AWS gives an endpoint that is created without one [R].
pub(crate) const DEFAULT_GATEWAY_POLICY: &str = r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
pub(crate) const DEFAULT_INTERFACE_POLICY: &str = "{\n  \"Statement\": [\n    {\n      \"Action\": \"*\", \n      \"Effect\": \"Allow\", \n      \"Principal\": \"*\", \n      \"Resource\": \"*\"\n    }\n  ]\n}";

impl ServiceView {
    pub(super) fn from_catalog(s: catalog::Service) -> Self {
        let e = s.entry;
        ServiceView {
            interface_id: e.interface.then(|| s.id(false)),
            gateway_id: e.gateway.then(|| s.id(true)),
            gwlb_id: None,
            custom_id: None,
            base_dns: s.base_dns(),
            gateway_dns: s.gateway_dns(),
            private_dns: s.private_dns_names(),
            private_dns_default: e.private_dns_default,
            interface: e.interface,
            gateway: e.gateway,
            gwlb: false,
            zones: s.zones(),
            policy_supported: e.policy_supported,
            acceptance_required: false,
            owner: "amazon".into(),
            wildcard: s.wildcard_names(),
            cross_region: e.cross_region,
            ip_types: if e.dual_stack {
                vec!["ipv6".into(), "ipv4".into()]
            } else {
                vec!["ipv4".into()]
            },
            prefix_list: catalog::prefix_list(&s.region, e.suffix),
            payer_responsibility: None,
            private_dns_state: (!e.private_dns.is_empty()).then(|| "verified".into()),
            tags: Tags::default(),
            name: s.name,
            region: s.region,
        }
    }

    fn supports(&self, endpoint_type: &str) -> bool {
        match endpoint_type {
            "Interface" => self.interface,
            "Gateway" => self.gateway,
            "GatewayLoadBalancer" => self.gwlb,
            _ => false,
        }
    }
}

fn invalid(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidParameter", message)
}

fn endpoint_malformed(id: &str) -> AwsError {
    AwsError::new(
        "InvalidVpcEndpointId.Malformed",
        format!("Invalid Id: '{id}' (expecting 'vpce-...; the Id may only contain lowercase alphanumeric characters and a single dash')"),
    )
}

fn endpoint_not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidVpcEndpointId.NotFound",
        format!("The Vpc Endpoint Id '{id}' does not exist"),
    )
}

fn check_vpc(ctx: &Ctx, id: &str) -> R<()> {
    if !is_valid_id(id, "vpc") {
        return Err(AwsError::new(
            "InvalidVpcId.Malformed",
            format!("Invalid Id: '{id}' (expecting 'vpc-...; the Id may only contain lowercase alphanumeric characters and a single dash')"),
        ));
    }
    if !ctx.acct().ec2.vpcs.contains_key(id) {
        return Err(AwsError::new(
            "InvalidVpcId.NotFound",
            format!("The Vpc Id '{id}' does not exist"),
        ));
    }
    Ok(())
}

fn check_subnets(ctx: &Ctx, vpc_id: &str, ids: &[String]) -> R<()> {
    for id in ids {
        if !is_valid_id(id, "subnet") {
            return Err(AwsError::new(
                "InvalidSubnetId.Malformed",
                format!("Invalid Subnet Id: '{id}' (expecting 'subnet-...; the Id may only contain lowercase alphanumeric characters and a single dash')"),
            ));
        }
        match ctx.acct().ec2.subnets.get(id) {
            None => {
                return Err(AwsError::new(
                    "InvalidSubnetId.NotFound",
                    format!("The subnet ID '{id}' does not exist"),
                ))
            }
            Some(s) if s.vpc_id != vpc_id => {
                return Err(invalid(format!(
                    "The subnet ID '{id}' does not belong to the VPC '{vpc_id}'."
                )))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// One subnet per AZ, and only in AZs the service offers.
fn check_zones(ctx: &Ctx, svc: &ServiceView, ids: &[String]) -> R<()> {
    let mut seen = BTreeSet::new();
    for id in ids {
        let az = &ctx.acct().ec2.subnets[id].availability_zone;
        if !seen.insert(az.clone()) {
            return Err(AwsError::new(
                "DuplicateSubnetsInSameZone",
                format!("Found another VPC endpoint subnet in the availability zone of {id}. VPC endpoint subnets should be in different availability zones supported by the VPC endpoint service."),
            ));
        }
        // A cross-Region service's zones are another Region's: here only
        // the zones that take remote access count.
        let local = svc.region == ctx.region_name();
        if local && !svc.zones.iter().any(|z| &z.name == az) {
            return Err(invalid(format!(
                "The VPC endpoint service {} does not support the availability zone of the subnet: {id}.",
                svc.name
            )));
        }
        if !local {
            check_remote_access(ctx.region_name(), az)?;
        }
        if !has_free_ip(ctx, id) {
            return Err(AwsError::new(
                "InsufficientFreeAddressesInSubnet",
                format!("There are not enough free addresses in subnet '{id}'."),
            ));
        }
    }
    Ok(())
}

/// Zones (ids) whose endpoints cannot reach another Region's services [R:
/// AWS's answer "Only the following availability zones are supported for
/// remote access: use1-az1, use1-az2, use1-az6, use1-az4, use1-az5", seen by
/// chanzuckerberg/cztack#865, 2026]. Other Regions' are not known.
const NO_REMOTE_ACCESS: &[&str] = &["use1-az3"];

fn check_remote_access(region: &str, az: &str) -> R<()> {
    let zones = regions::zones(region);
    if !zones
        .iter()
        .any(|z| z.name == az && NO_REMOTE_ACCESS.contains(&z.id.as_str()))
    {
        return Ok(());
    }
    let ids: Vec<&str> = zones
        .iter()
        .map(|z| z.id.as_str())
        .filter(|id| !NO_REMOTE_ACCESS.contains(id))
        .collect();
    Err(invalid(format!(
        "Only the following availability zones are supported for remote access: {}",
        ids.join(", ")
    )))
}

fn check_groups(ctx: &Ctx, vpc_id: &str, ids: &[String]) -> R<()> {
    for id in ids {
        if !is_valid_id(id, "sg") {
            return Err(errors::group_malformed(id));
        }
        match ctx.acct().ec2.security_groups.get(id) {
            None => return Err(errors::group_not_found(id)),
            Some(g) if g.vpc_id != vpc_id => {
                return Err(invalid(format!(
                    "The security group '{id}' does not belong to the VPC '{vpc_id}'."
                )))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Route tables of the VPC that have no route to the prefix list yet
/// (except through `endpoint_id` itself).
fn check_route_tables(
    ctx: &Ctx,
    vpc_id: &str,
    ids: &[String],
    prefix_list: &str,
    endpoint_id: Option<&str>,
) -> R<()> {
    for id in ids {
        if !is_valid_id(id, "rtb") {
            return Err(AwsError::new(
                "InvalidRouteTableId.Malformed",
                format!("Invalid Id: '{id}' (expecting 'rtb-...; the Id may only contain lowercase alphanumeric characters and a single dash')"),
            ));
        }
        let Some(t) = ctx.acct().ec2.route_tables.get(id) else {
            return Err(AwsError::new(
                "InvalidRouteTableId.NotFound",
                format!("The routeTable ID '{id}' does not exist"),
            ));
        };
        if t.vpc_id != vpc_id {
            return Err(invalid(format!(
                "The route table '{id}' does not belong to the VPC '{vpc_id}'."
            )));
        }
        let taken = t.routes.iter().any(|r| {
            r.destination_prefix_list.as_deref() == Some(prefix_list)
                && r.gateway_id.as_deref() != endpoint_id
        });
        if taken {
            return Err(AwsError::new(
                "RouteAlreadyExists",
                format!("route table {id} already has a route with destination-prefix-list-id {prefix_list}"),
            ));
        }
    }
    Ok(())
}

fn check_policy(svc: &ServiceView, policy: &str) -> R<()> {
    if !svc.policy_supported {
        return Err(invalid(format!(
            "The VPC endpoint service {} does not support policy documents.",
            svc.name
        )));
    }
    match serde_json::from_str::<serde_json::Value>(policy) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        _ => Err(AwsError::new(
            "InvalidPolicyDocument",
            "The policy document is malformed: it must be a JSON object.",
        )),
    }
}

/// Private DNS needs both DNS attributes and a name nobody else in the VPC claims.
fn check_private_dns(ctx: &Ctx, svc: &ServiceView, vpc_id: &str, except: Option<&str>) -> R<()> {
    if svc.private_dns.is_empty() {
        return Err(invalid(format!(
            "Private DNS can't be enabled because the service {} does not provide a private DNS name.",
            svc.name
        )));
    }
    let vpc = &ctx.acct().ec2.vpcs[vpc_id];
    if !(vpc.enable_dns_support && vpc.enable_dns_hostnames) {
        return Err(invalid(format!(
            "Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for {vpc_id}"
        )));
    }
    let conflict = ctx.acct().ec2.endpoints.values().any(|e| {
        e.vpc_id == vpc_id
            && e.private_dns_enabled
            && Some(e.id.as_str()) != except
            && !matches!(
                e.state.as_str(),
                "deleting" | "deleted" | "rejected" | "failed"
            )
            && e.service_name == svc.name
    });
    if conflict {
        return Err(invalid(format!(
            "private-dns-enabled cannot be set because there is already a conflicting DNS domain for {} in the VPC {vpc_id}",
            svc.private_dns[0]
        )));
    }
    Ok(())
}

/// The network interface of an endpoint in one subnet: `vpc_endpoint` for
/// interface endpoints, `gateway_load_balancer_endpoint` for GWLB ones.
fn eni_spec<'a>(
    endpoint_id: &str,
    endpoint_type: &str,
    subnet_id: &'a str,
    groups: &[String],
) -> NewEni<'a> {
    let gwlb = endpoint_type == "GatewayLoadBalancer";
    NewEni {
        private_ip: None,
        subnet_id,
        group_ids: groups.to_vec(),
        description: format!("VPC Endpoint Interface {endpoint_id}"),
        interface_type: if gwlb {
            "gateway_load_balancer_endpoint"
        } else {
            "vpc_endpoint"
        },
        requester_id: Some(ENDPOINT_REQUESTER.into()),
        public_ip: false,
    }
}

fn add_route(ctx: &mut Ctx, table: &str, prefix_list: &str, endpoint_id: &str) {
    if let Some(t) = ctx.acct_mut().ec2.route_tables.get_mut(table) {
        t.routes.push(Route {
            destination_cidr: None,
            destination_prefix_list: Some(prefix_list.to_string()),
            gateway_id: Some(endpoint_id.to_string()),
            origin: "CreateRoute".into(),
            state: "active".into(),
            ..Default::default()
        });
    }
}

fn remove_route(ctx: &mut Ctx, table: &str, endpoint_id: &str) {
    if let Some(t) = ctx.acct_mut().ec2.route_tables.get_mut(table) {
        t.routes
            .retain(|r| r.gateway_id.as_deref() != Some(endpoint_id));
    }
}

/// `deleting` → `deleted`: its interfaces and routes go; it is gone later.
fn become_deleted(ctx: &mut Ctx, id: &str) {
    let Some(e) = ctx.acct().ec2.endpoints.get(id).cloned() else {
        return;
    };
    for eni in &e.eni_ids {
        delete_eni(ctx, eni);
    }
    for table in &e.route_table_ids {
        remove_route(ctx, table, id);
    }
    if let Some(e) = ctx.acct_mut().ec2.endpoints.get_mut(id) {
        e.eni_ids.clear();
    }
    set_state(ctx, id, "deleted");
    let id = id.to_string();
    ctx.schedule(GONE_MS, move |ctx| become_gone(ctx, &id));
}

/// A deleted endpoint stops being described.
fn become_gone(ctx: &mut Ctx, id: &str) {
    endpoint_states::send_gone(ctx, id);
    if let Some(e) = ctx.acct_mut().ec2.endpoints.remove(id) {
        if let Some(svc) = endpoint_services::by_name(ctx, &e.service_name).map(|s| s.id.clone()) {
            endpoint_services::disconnect(ctx, &svc, id);
        }
        ctx.emit(event("vpc-endpoint", id, "removed", None));
    }
}

/// The parameters that make two create requests "the same" for `ClientToken`.
fn fingerprint(input: &m::CreateVpcEndpointRequest) -> String {
    let mut i = input.clone();
    i.dry_run = None;
    i.client_token = None;
    format!("{i:?}")
}

pub(super) fn create(
    ctx: &mut Ctx,
    input: m::CreateVpcEndpointRequest,
) -> R<m::CreateVpcEndpointResult> {
    let vpc_id = input.vpc_id.clone().unwrap_or_default();
    check_vpc(ctx, &vpc_id)?;
    if let Some(token) = &input.client_token {
        let print = fingerprint(&input);
        let earlier = ctx
            .acct()
            .ec2
            .endpoints
            .values()
            .find(|e| e.client_token.as_ref().is_some_and(|(t, _)| t == token));
        if let Some(e) = earlier {
            if e.client_token.as_ref().map(|(_, p)| p) != Some(&print) {
                return Err(errors::idempotent_mismatch());
            }
            ctx.dry_run(input.dry_run)?;
            return Ok(m::CreateVpcEndpointResult {
                vpc_endpoint: Some(to_model(ctx, e)),
                client_token: Some(token.clone()),
            });
        }
    }
    let endpoint_type = input
        .vpc_endpoint_type
        .clone()
        .unwrap_or_else(|| "Gateway".into());
    let name = input
        .service_name
        .clone()
        .ok_or_else(|| errors::missing("ServiceName"))?;
    let here = ctx.region_name().to_string();
    let service_region = input.service_region.clone().unwrap_or_else(|| here.clone());
    if service_region != here && !regions::is_region_name(&service_region) {
        return Err(errors::invalid_value(
            "ServiceRegion",
            &service_region,
            "Unknown Region.",
        ));
    }
    let svc = resolve_service(ctx, &name, &service_region)?;
    if service_region != here && !(svc.cross_region && endpoint_type == "Interface") {
        return Err(invalid(format!(
            "The VPC endpoint service {name} does not support cross-Region access from {here}."
        )));
    }
    if !matches!(
        endpoint_type.as_str(),
        "Interface" | "Gateway" | "GatewayLoadBalancer"
    ) || !svc.supports(&endpoint_type)
    {
        return Err(invalid(format!(
            "The VPC endpoint service {name} does not support the endpoint type {endpoint_type}."
        )));
    }
    let subnets = input.subnet_ids.clone().unwrap_or_default();
    let tables = input.route_table_ids.clone().unwrap_or_default();
    let mut groups = input.security_group_ids.clone().unwrap_or_default();
    let gateway = endpoint_type == "Gateway";
    let gwlb = endpoint_type == "GatewayLoadBalancer";
    if gwlb {
        if subnets.len() != 1 {
            return Err(invalid(
                "A Gateway Load Balancer endpoint needs exactly one subnet.",
            ));
        }
        if !groups.is_empty() {
            return Err(invalid(
                "Security group IDs are only supported for Interface type VPC Endpoints.",
            ));
        }
        if !tables.is_empty() {
            return Err(invalid(
                "Route table IDs are only supported for Gateway type VPC Endpoints.",
            ));
        }
        if input.private_dns_enabled == Some(true) || input.policy_document.is_some() {
            return Err(invalid(
                "Gateway Load Balancer endpoints support neither private DNS nor policies.",
            ));
        }
        check_subnets(ctx, &vpc_id, &subnets)?;
        check_zones(ctx, &svc, &subnets)?;
    } else if gateway {
        if !subnets.is_empty() {
            return Err(invalid("Subnet IDs are only supported for Interface and GatewayLoadBalancer type VPC Endpoints."));
        }
        if !groups.is_empty() {
            return Err(invalid(
                "Security group IDs are only supported for Interface type VPC Endpoints.",
            ));
        }
        if input.private_dns_enabled == Some(true) {
            return Err(invalid(
                "Private DNS is only supported for Interface type VPC Endpoints.",
            ));
        }
        let pl = svc
            .prefix_list
            .as_ref()
            .map(|p| p.id.clone())
            .unwrap_or_default();
        check_route_tables(ctx, &vpc_id, &tables, &pl, None)?;
    } else {
        if !tables.is_empty() {
            return Err(invalid(
                "Route table IDs are only supported for Gateway type VPC Endpoints.",
            ));
        }
        check_subnets(ctx, &vpc_id, &subnets)?;
        check_zones(ctx, &svc, &subnets)?;
        if groups.is_empty() {
            groups.push(
                ctx.acct().ec2.vpcs[&vpc_id]
                    .default_security_group_id
                    .clone(),
            );
        }
        check_groups(ctx, &vpc_id, &groups)?;
    }
    if let Some(p) = &input.policy_document {
        check_policy(&svc, p)?;
    }
    let private_dns = if gateway || gwlb {
        false
    } else {
        match input.private_dns_enabled {
            Some(true) => {
                check_private_dns(ctx, &svc, &vpc_id, None)?;
                true
            }
            Some(false) => false,
            // AWS turns private DNS on by default where the service has a
            // name and the VPC can resolve it [U].
            None => {
                svc.private_dns_default
                    && service_region == here
                    && check_private_dns(ctx, &svc, &vpc_id, None).is_ok()
            }
        }
    };
    let tags = tags::from_specs(input.tag_specifications.clone(), "vpc-endpoint")?;
    ctx.dry_run(input.dry_run)?;

    let id = ctx.new_id("vpce");
    let mut eni_ids = Vec::new();
    for subnet in &subnets {
        let groups = if gwlb { vec![] } else { groups.clone() };
        eni_ids.push(create_eni(
            ctx,
            eni_spec(&id, &endpoint_type, subnet, &groups),
        )?);
    }
    let prefix_list = svc.prefix_list.as_ref().map(|p| p.id.clone());
    if let Some(pl) = &prefix_list {
        for t in &tables {
            add_route(ctx, t, pl, &id);
        }
    }
    let ids = &ctx.world.ids;
    let endpoint = VpcEndpoint {
        id: id.clone(),
        endpoint_type: endpoint_type.clone(),
        vpc_id,
        service_name: name,
        service_region,
        state: if gateway {
            "available"
        } else if svc.acceptance_required {
            "pendingAcceptance"
        } else {
            "pending"
        }
        .into(),
        policy: (!gwlb).then(|| {
            input.policy_document.clone().unwrap_or_else(|| {
                if gateway {
                    DEFAULT_GATEWAY_POLICY.into()
                } else {
                    DEFAULT_INTERFACE_POLICY.into()
                }
            })
        }),
        route_table_ids: tables,
        subnet_ids: subnets,
        eni_ids,
        group_ids: if gateway || gwlb { vec![] } else { groups },
        ip_address_type: (!gateway).then(|| {
            input
                .ip_address_type
                .clone()
                .unwrap_or_else(|| "ipv4".into())
        }),
        dns_record_ip_type: (!gateway && !gwlb).then(|| {
            input
                .dns_options
                .as_ref()
                .and_then(|d| d.dns_record_ip_type.clone())
                .unwrap_or_else(|| "ipv4".into())
        }),
        private_dns_enabled: private_dns,
        dns_suffix: ids.pinned_or("vpce-dns-suffix", |ids| ids.alnum(8)),
        private_zone_id: ids.pinned_or("vpce-private-zone", |ids| {
            format!("Z{}", ids.alnum(20).to_uppercase())
        }),
        created: ctx.now(),
        tags,
        client_token: input
            .client_token
            .as_ref()
            .map(|t| (t.clone(), fingerprint(&input))),
    };
    let state = endpoint.state.clone();
    ctx.acct_mut().ec2.endpoints.insert(id.clone(), endpoint);
    ctx.emit(event("vpc-endpoint", &id, "created", Some(&state)));
    if let Some(service_id) = &svc.custom_id {
        if svc.region == here {
            endpoint_services::connect(ctx, service_id, &id);
        } else {
            endpoint_states::send_connected(ctx, &id);
        }
    }
    if state == "pending" {
        let id = id.clone();
        ctx.schedule(AVAILABLE_MS, move |ctx| become_available(ctx, &id));
    }
    let e = &ctx.acct().ec2.endpoints[&id];
    Ok(m::CreateVpcEndpointResult {
        vpc_endpoint: Some(to_model(ctx, e)),
        client_token: input.client_token,
    })
}

const FILTERS: &[&str] = &[
    "ip-address-type",
    "service-name",
    "service-region",
    "vpc-id",
    "vpc-endpoint-id",
    "vpc-endpoint-state",
    "vpc-endpoint-type",
];

fn filter_values(e: &VpcEndpoint, name: &str) -> Vec<String> {
    match name {
        "ip-address-type" => e.ip_address_type.iter().cloned().collect(),
        "service-name" => one(&e.service_name),
        "service-region" => one(&e.service_region),
        "vpc-id" => one(&e.vpc_id),
        "vpc-endpoint-id" => one(&e.id),
        "vpc-endpoint-state" => one(&e.state),
        "vpc-endpoint-type" => one(&e.endpoint_type),
        _ => vec![],
    }
}

fn check_endpoint_id(ctx: &Ctx, id: &str) -> R<()> {
    if !is_valid_id(id, "vpce") {
        return Err(endpoint_malformed(id));
    }
    if !ctx.acct().ec2.endpoints.contains_key(id) {
        return Err(endpoint_not_found(id));
    }
    Ok(())
}

/// `MaxResults` above 1000 counts as 1000 for the endpoint APIs [M doc].
fn cap(max: Option<i32>) -> Option<i32> {
    max.map(|n| n.min(1000))
}

pub(super) fn describe(
    ctx: &mut Ctx,
    input: m::DescribeVpcEndpointsRequest,
) -> R<m::DescribeVpcEndpointsResult> {
    let ids = input.vpc_endpoint_ids.clone().unwrap_or_default();
    for id in &ids {
        check_endpoint_id(ctx, id)?;
    }
    let literal_ids: Option<Vec<String>> = input.filters.as_ref().and_then(|fs| {
        fs.iter()
            .find(|f| f.name.as_deref() == Some("vpc-endpoint-id"))
            .and_then(|f| f.values.clone())
            .filter(|v| v.iter().all(|s| !s.contains(['*', '?'])))
    });
    let filters = Filters::parse(input.filters, FILTERS)?;
    ctx.dry_run(input.dry_run)?;
    let st = &ctx.acct().ec2;
    // With ids (or a literal id filter) look them up instead of scanning.
    let candidates: Vec<&VpcEndpoint> = match (ids.is_empty(), literal_ids) {
        (false, _) => ids.iter().filter_map(|i| st.endpoints.get(i)).collect(),
        (true, Some(wanted)) => {
            let set: BTreeSet<&String> = wanted.iter().collect();
            set.into_iter()
                .filter_map(|i| st.endpoints.get(i))
                .collect()
        }
        (true, None) => st.endpoints.values().collect(),
    };
    let mut items: Vec<(String, m::VpcEndpoint)> = candidates
        .into_iter()
        .filter(|e| filters.matches(&e.tags, |n| filter_values(e, n)))
        .map(|e| (e.id.clone(), to_model(ctx, e)))
        .collect();
    items.sort_by(|a, b| a.0.cmp(&b.0));
    items.dedup_by(|a, b| a.0 == b.0);
    let (page, next) = paginate(items, cap(input.max_results), input.next_token.as_deref())?;
    Ok(m::DescribeVpcEndpointsResult {
        vpc_endpoints: Some(page),
        next_token: next,
    })
}

pub(super) fn modify(
    ctx: &mut Ctx,
    input: m::ModifyVpcEndpointRequest,
) -> R<m::ModifyVpcEndpointResult> {
    let id = input.vpc_endpoint_id.clone().unwrap_or_default();
    check_endpoint_id(ctx, &id)?;
    let e = ctx.acct().ec2.endpoints[&id].clone();
    if matches!(e.state.as_str(), "deleting" | "deleted") {
        return Err(invalid(format!("The VPC endpoint {id} is being deleted.")));
    }
    let svc = resolve_service(ctx, &e.service_name, &e.service_region)?;
    if input.reset_policy == Some(true) && input.policy_document.is_some() {
        return Err(errors::combination(
            "ResetPolicy and PolicyDocument cannot be given together.",
        ));
    }
    if let Some(p) = &input.policy_document {
        check_policy(&svc, p)?;
    }
    let add_subnets = input.add_subnet_ids.clone().unwrap_or_default();
    let remove_subnets = input.remove_subnet_ids.clone().unwrap_or_default();
    let add_groups = input.add_security_group_ids.clone().unwrap_or_default();
    let remove_groups = input.remove_security_group_ids.clone().unwrap_or_default();
    let add_tables = input.add_route_table_ids.clone().unwrap_or_default();
    let remove_tables = input.remove_route_table_ids.clone().unwrap_or_default();
    let gateway = e.endpoint_type == "Gateway";
    let mut subnets = e.subnet_ids.clone();
    let mut groups = e.group_ids.clone();
    let mut tables = e.route_table_ids.clone();
    if gateway {
        if !add_subnets.is_empty() || !remove_subnets.is_empty() {
            return Err(invalid("Subnet IDs are only supported for Interface and GatewayLoadBalancer type VPC Endpoints."));
        }
        if !add_groups.is_empty() || !remove_groups.is_empty() {
            return Err(invalid(
                "Security group IDs are only supported for Interface type VPC Endpoints.",
            ));
        }
        if input.private_dns_enabled == Some(true) {
            return Err(invalid(
                "Private DNS is only supported for Interface type VPC Endpoints.",
            ));
        }
        let pl = svc
            .prefix_list
            .as_ref()
            .map(|p| p.id.clone())
            .unwrap_or_default();
        let new: Vec<String> = add_tables
            .iter()
            .filter(|t| !tables.contains(t))
            .cloned()
            .collect();
        check_route_tables(ctx, &e.vpc_id, &new, &pl, Some(&id))?;
        for t in &remove_tables {
            if !tables.contains(t) {
                return Err(invalid(format!(
                    "The route table {t} is not associated with {id}."
                )));
            }
        }
        tables.retain(|t| !remove_tables.contains(t));
        tables.extend(new);
    } else {
        if !add_tables.is_empty() || !remove_tables.is_empty() {
            return Err(invalid(
                "Route table IDs are only supported for Gateway type VPC Endpoints.",
            ));
        }
        for s in &remove_subnets {
            if !subnets.contains(s) {
                return Err(invalid(format!(
                    "The subnet {s} is not associated with {id}."
                )));
            }
        }
        subnets.retain(|s| !remove_subnets.contains(s));
        let new: Vec<String> = add_subnets
            .iter()
            .filter(|s| !subnets.contains(s))
            .cloned()
            .collect();
        check_subnets(ctx, &e.vpc_id, &new)?;
        let mut all = subnets.clone();
        all.extend(new.iter().cloned());
        check_zones(ctx, &svc, &all)?;
        subnets = all;
        for g in &remove_groups {
            if !groups.contains(g) {
                return Err(invalid(format!(
                    "The security group {g} is not associated with {id}."
                )));
            }
        }
        check_groups(ctx, &e.vpc_id, &add_groups)?;
        groups.retain(|g| !remove_groups.contains(g));
        for g in add_groups {
            if !groups.contains(&g) {
                groups.push(g);
            }
        }
        if groups.is_empty() {
            return Err(invalid(
                "An interface endpoint needs at least one security group.",
            ));
        }
        if input.private_dns_enabled == Some(true) && !e.private_dns_enabled {
            check_private_dns(ctx, &svc, &e.vpc_id, Some(&id))?;
        }
    }
    ctx.dry_run(input.dry_run)?;

    // Network interfaces follow the subnets; their groups follow the endpoint's.
    let mut eni_ids = Vec::new();
    for (subnet, eni) in e.subnet_ids.iter().zip(&e.eni_ids) {
        if subnets.contains(subnet) {
            eni_ids.push((subnet.clone(), eni.clone()));
        } else {
            delete_eni(ctx, eni);
        }
    }
    for subnet in &subnets {
        if !eni_ids.iter().any(|(s, _)| s == subnet) {
            let eni = create_eni(ctx, eni_spec(&id, &e.endpoint_type, subnet, &groups))?;
            eni_ids.push((subnet.clone(), eni));
        }
    }
    for (_, eni) in &eni_ids {
        if let Some(n) = ctx.acct_mut().ec2.enis.get_mut(eni.as_str()) {
            n.group_ids = groups.clone();
        }
    }
    if let Some(pl) = svc.prefix_list.as_ref().map(|p| p.id.clone()) {
        for t in &e.route_table_ids {
            if !tables.contains(t) {
                remove_route(ctx, t, &id);
            }
        }
        for t in &tables {
            if !e.route_table_ids.contains(t) {
                add_route(ctx, t, &pl, &id);
            }
        }
    }
    let Some(ep) = ctx.acct_mut().ec2.endpoints.get_mut(&id) else {
        return Err(endpoint_not_found(&id));
    };
    ep.subnet_ids = eni_ids.iter().map(|(s, _)| s.clone()).collect();
    ep.eni_ids = eni_ids.into_iter().map(|(_, e)| e).collect();
    ep.group_ids = if gateway { vec![] } else { groups };
    ep.route_table_ids = tables;
    if input.reset_policy == Some(true) {
        ep.policy = Some(
            if gateway {
                DEFAULT_GATEWAY_POLICY
            } else {
                DEFAULT_INTERFACE_POLICY
            }
            .into(),
        );
    }
    if let Some(p) = input.policy_document {
        ep.policy = Some(p);
    }
    if let Some(p) = input.private_dns_enabled {
        ep.private_dns_enabled = p;
    }
    if let Some(t) = input.ip_address_type {
        ep.ip_address_type = Some(t);
    }
    if let Some(t) = input.dns_options.and_then(|d| d.dns_record_ip_type) {
        ep.dns_record_ip_type = Some(t);
    }
    ctx.emit(event("vpc-endpoint", &id, "modified", None));
    // A service in another Region keeps the new DNS names and IP type.
    endpoint_states::send_changed(ctx, &id, None);
    Ok(m::ModifyVpcEndpointResult {
        return_: Some(true),
    })
}

pub(super) fn delete(
    ctx: &mut Ctx,
    input: m::DeleteVpcEndpointsRequest,
) -> R<m::DeleteVpcEndpointsResult> {
    let ids = input.vpc_endpoint_ids.unwrap_or_default();
    for id in &ids {
        if !is_valid_id(id, "vpce") {
            return Err(endpoint_malformed(id));
        }
    }
    ctx.dry_run(input.dry_run)?;
    let mut unsuccessful = Vec::new();
    for id in ids {
        let state = ctx.acct().ec2.endpoints.get(&id).map(|e| e.state.clone());
        match state.as_deref() {
            None | Some("deleted") => unsuccessful.push(m::UnsuccessfulItem {
                resource_id: Some(id.clone()),
                error: Some(m::UnsuccessfulItemError {
                    code: Some("InvalidVpcEndpoint.NotFound".into()),
                    message: Some(format!("The VPC Endpoint Id '{id}' does not exist")),
                }),
            }),
            Some("deleting") => {}
            Some(_) => {
                set_state(ctx, &id, "deleting");
                let name = ctx.acct().ec2.endpoints[&id].service_name.clone();
                if let Some(svc) = endpoint_services::by_name(ctx, &name).map(|s| s.id.clone()) {
                    notifications::fire(ctx, "Delete", &svc, &id);
                } else {
                    // A service of another Region: its provider is told by
                    // the state change above.
                    endpoint_states::notify_consumer(ctx, &id, "Delete");
                }
                let id = id.clone();
                ctx.schedule(DELETED_MS, move |ctx| become_deleted(ctx, &id));
            }
        }
    }
    Ok(m::DeleteVpcEndpointsResult {
        unsuccessful: Some(unsuccessful),
    })
}

fn service_details(svc: &ServiceView) -> Vec<m::ServiceDetail> {
    let mut out = Vec::new();
    let kinds = [
        ("Interface", &svc.interface_id),
        ("Gateway", &svc.gateway_id),
        ("GatewayLoadBalancer", &svc.gwlb_id),
    ];
    for (kind, id) in kinds {
        let Some(id) = id else { continue };
        let gateway = kind == "Gateway";
        let private =
            (kind == "Interface" && !svc.private_dns.is_empty()).then(|| svc.private_dns.clone());
        out.push(m::ServiceDetail {
            service_name: Some(svc.name.clone()),
            service_id: Some(id.clone()),
            service_type: Some(vec![m::ServiceTypeDetail {
                service_type: Some(kind.into()),
            }]),
            service_region: Some(svc.region.clone()),
            availability_zone_ids: Some(svc.zones.iter().map(|z| z.id.clone()).collect()),
            availability_zones: Some(svc.zones.iter().map(|z| z.name.clone()).collect()),
            owner: Some(svc.owner.clone()),
            base_endpoint_dns_names: match kind {
                "Gateway" => Some(vec![svc.gateway_dns.clone()]),
                // SageMaker's `aws.sagemaker.*` services also answer their
                // id-based name [R: re:Post, notebook in us-east-1].
                "Interface" if svc.name.starts_with("aws.sagemaker.") => Some(vec![
                    format!("{id}.{}.vpce.amazonaws.com", svc.region),
                    svc.base_dns.clone(),
                ]),
                "Interface" => Some(vec![svc.base_dns.clone()]),
                _ => None,
            },
            private_dns_name: private.as_ref().map(|p| p[0].clone()),
            private_dns_names: private.as_ref().map(|p| {
                p.iter()
                    .map(|n| m::PrivateDnsDetails {
                        private_dns_name: Some(n.clone()),
                    })
                    .collect()
            }),
            private_dns_name_verification_state: private
                .as_ref()
                .and(svc.private_dns_state.clone()),
            payer_responsibility: svc.payer_responsibility.clone(),
            vpc_endpoint_policy_supported: Some(svc.policy_supported),
            acceptance_required: Some(svc.acceptance_required),
            manages_vpc_endpoints: Some(false),
            tags: Some(svc.tags.to_model()),
            supported_ip_address_types: Some(if gateway {
                vec!["ipv4".into()]
            } else {
                svc.ip_types.clone()
            }),
        });
    }
    out
}

const SERVICE_FILTERS: &[&str] = &[
    "owner",
    "service-name",
    "service-region",
    "service-type",
    "supported-ip-address-types",
];

/// One line of DescribeVpcEndpointServices: its sort key, the service's
/// name and tags, and the detail.
struct Line {
    key: String,
    name: String,
    kind: String,
    cross_region: bool,
    detail: m::ServiceDetail,
}

fn lines_of(v: &ServiceView) -> Vec<Line> {
    service_details(v)
        .into_iter()
        .map(|d| {
            let kind = d
                .service_type
                .as_ref()
                .and_then(|t| t[0].service_type.clone())
                .unwrap_or_default();
            Line {
                key: format!("{}\u{0}{kind}", v.name),
                name: v.name.clone(),
                kind,
                cross_region: v.cross_region,
                detail: d,
            }
        })
        .collect()
}

/// AWS's catalogue as one Region answers it, built once per Region: it never
/// changes, and building ~500 details per call would cost milliseconds.
fn catalogue_lines(region: &str) -> Arc<Vec<Line>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Vec<Line>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(l) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(region) {
        return l.clone();
    }
    let mut lines: Vec<Line> = catalog::services_in(region)
        .into_iter()
        .flat_map(|s| lines_of(&ServiceView::from_catalog(s)))
        .collect();
    lines.sort_by(|a, b| a.key.cmp(&b.key));
    let lines = Arc::new(lines);
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(region.to_string(), lines.clone());
    lines
}

pub(super) fn describe_services(
    ctx: &mut Ctx,
    input: m::DescribeVpcEndpointServicesRequest,
) -> R<m::DescribeVpcEndpointServicesResult> {
    let here = ctx.region_name().to_string();
    let mut regions_wanted = input.service_regions.clone().unwrap_or_default();
    if regions_wanted.is_empty() {
        regions_wanted.push(here.clone());
    }
    let filters = Filters::parse(input.filters, SERVICE_FILTERS)?;
    // AWS's services (shared, built once) and customers' (built per call, with tags).
    let aws: Vec<Arc<Vec<Line>>> = regions_wanted.iter().map(|r| catalogue_lines(r)).collect();
    let mut views: Vec<ServiceView> = Vec::new();
    for region in &regions_wanted {
        if *region == here {
            for s in ctx.region.common.ec2.endpoint_services.values() {
                if endpoint_services::visible_to(s, &ctx.account, &ctx.principal) {
                    views.push(endpoint_services::view(ctx, s));
                }
            }
        } else {
            views.extend(remote::reachable_in(ctx, region));
        }
    }
    let custom: Vec<(Line, Tags)> = views
        .iter()
        .flat_map(|v| lines_of(v).into_iter().map(|l| (l, v.tags.clone())))
        .collect();
    let no_tags = Tags::default();
    let mut candidates: Vec<(&Line, &Tags)> = Vec::new();
    for (region, lines) in regions_wanted.iter().zip(&aws) {
        let local = *region == here;
        candidates.extend(
            lines
                .iter()
                .filter(|l| local || l.cross_region)
                .map(|l| (l, &no_tags)),
        );
    }
    candidates.extend(custom.iter().map(|(l, t)| (l, t)));
    let names = input.service_names.clone().unwrap_or_default();
    for n in &names {
        if !candidates.iter().any(|(l, _)| &l.name == n) {
            return Err(invalid_service(n));
        }
    }
    ctx.dry_run(input.dry_run)?;
    let mut items: Vec<(String, &m::ServiceDetail)> = Vec::new();
    for (l, tags) in candidates
        .into_iter()
        .filter(|(l, _)| names.is_empty() || names.contains(&l.name))
    {
        let d = &l.detail;
        // A customer's service carries its tags; AWS's have none.
        let keep = filters.matches(tags, |f| match f {
            "owner" => d.owner.iter().cloned().collect(),
            "service-name" => d.service_name.iter().cloned().collect(),
            "service-region" => d.service_region.iter().cloned().collect(),
            "service-type" => vec![l.kind.clone()],
            "supported-ip-address-types" => {
                d.supported_ip_address_types.clone().unwrap_or_default()
            }
            _ => vec![],
        });
        if keep {
            items.push((l.key.clone(), d));
        }
    }
    let (page, next) = paginate(items, cap(input.max_results), input.next_token.as_deref())?;
    // Another Region's service lists no zones [R: hashicorp/terraform-provider-aws#44186].
    let page: Vec<m::ServiceDetail> = page
        .into_iter()
        .map(|d| {
            let mut d = d.clone();
            if d.service_region.as_deref() != Some(here.as_str()) {
                d.availability_zones = Some(vec![]);
                d.availability_zone_ids = Some(vec![]);
            }
            d
        })
        .collect();
    Ok(m::DescribeVpcEndpointServicesResult {
        service_names: Some(page.iter().filter_map(|d| d.service_name.clone()).collect()),
        service_details: Some(page),
        next_token: next,
    })
}

pub(super) fn describe_prefix_lists(
    ctx: &mut Ctx,
    input: m::DescribePrefixListsRequest,
) -> R<m::DescribePrefixListsResult> {
    let filters = Filters::parse_untagged(input.filters, &["prefix-list-id", "prefix-list-name"])?;
    let lists = catalog::prefix_lists(ctx.region_name());
    let ids = input.prefix_list_ids.unwrap_or_default();
    for id in &ids {
        if !lists.iter().any(|p| &p.id == id) {
            return Err(AwsError::new(
                "InvalidPrefixListId.NotFound",
                format!("The prefix list ID '{id}' does not exist"),
            ));
        }
    }
    ctx.dry_run(input.dry_run)?;
    let items = lists
        .into_iter()
        .filter(|p| ids.is_empty() || ids.contains(&p.id))
        .filter(|p| {
            filters.matches(&Tags::default(), |f| match f {
                "prefix-list-id" => one(&p.id),
                "prefix-list-name" => one(&p.name),
                _ => vec![],
            })
        })
        .map(|p| {
            (
                p.id.clone(),
                m::PrefixList {
                    prefix_list_id: Some(p.id),
                    prefix_list_name: Some(p.name),
                    cidrs: Some(p.cidrs.iter().map(|c| c.to_string()).collect()),
                },
            )
        })
        .collect();
    let (page, next) = paginate(items, input.max_results, input.next_token.as_deref())?;
    Ok(m::DescribePrefixListsResult {
        prefix_lists: Some(page),
        next_token: next,
    })
}
