//! What an endpoint shows: the service it names (this Region's, AWS's or
//! another Region's), its DNS entries and its wire form.

use std::sync::{Arc, OnceLock};

use dashmap::DashMap;

use super::catalog;
use super::endpoint_services;
use super::errors::R;
use super::remote;
use super::state::{ServiceView, VpcEndpoint};
use crate::model::ec2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

pub(super) fn invalid_service(name: &str) -> AwsError {
    AwsError::new(
        "InvalidServiceName",
        format!("The Vpc Endpoint Service '{name}' does not exist"),
    )
}

/// The service `name` as the caller may reach it from this Region: AWS's
/// catalogue, or a customer's service whose principals let the caller in
/// (to anyone else it does not exist).
pub(crate) fn resolve_service(ctx: &Ctx, name: &str, service_region: &str) -> R<ServiceView> {
    if name.starts_with("com.amazonaws.vpce.") {
        if service_region != ctx.region_name() {
            // Another Region's service: only if it supports this Region.
            return remote::find(ctx, name)
                .filter(|p| p.view.region == service_region)
                .filter(|p| remote::reachable(ctx, p))
                .map(|p| ServiceView {
                    cross_region: true,
                    ..p.view
                })
                .ok_or_else(|| invalid_service(name));
        }
        return endpoint_services::by_name(ctx, name)
            .filter(|s| endpoint_services::visible_to(s, &ctx.account, &ctx.principal))
            .map(|s| endpoint_services::view(ctx, s))
            .ok_or_else(|| invalid_service(name));
    }
    lookup_service(ctx, name, service_region)
        .map(Arc::unwrap_or_clone)
        .ok_or_else(|| invalid_service(name))
}

/// The service behind an existing endpoint, whoever may see it now
/// (removing a principal does not break a connection).
pub(crate) fn lookup_service(
    ctx: &Ctx,
    name: &str,
    service_region: &str,
) -> Option<Arc<ServiceView>> {
    if name.starts_with("com.amazonaws.vpce.") {
        if service_region != ctx.region_name() {
            return remote::find(ctx, name).map(|p| Arc::new(p.view));
        }
        return endpoint_services::by_name(ctx, name)
            .map(|s| Arc::new(endpoint_services::view(ctx, s)));
    }
    catalog_view(name, service_region)
}

/// AWS's service `name` as offered in `region`, built once: the catalogue
/// never changes, and every described endpoint needs its service.
fn catalog_view(name: &str, region: &str) -> Option<Arc<ServiceView>> {
    type Views = DashMap<(String, String), Option<Arc<ServiceView>>>;
    static VIEWS: OnceLock<Views> = OnceLock::new();
    let views = VIEWS.get_or_init(Default::default);
    let key = (name.to_string(), region.to_string());
    if let Some(v) = views.get(&key) {
        return v.clone();
    }
    let view = catalog::find_in(name, region).map(|s| Arc::new(ServiceView::from_catalog(s)));
    views.insert(key, view.clone());
    view
}

pub(super) fn dns_entries(
    ctx: &Ctx,
    owner: &str,
    e: &VpcEndpoint,
    svc: Option<&ServiceView>,
) -> Vec<m::DnsEntry> {
    let Some(svc) = svc.filter(|_| e.endpoint_type == "Interface") else {
        return vec![];
    };
    if matches!(e.state.as_str(), "deleted" | "rejected" | "failed") {
        return vec![];
    }
    let Some(account) = ctx.region.accounts.get(owner) else {
        return vec![];
    };
    let zone = catalog::vpce_hosted_zone(&e.service_region);
    let star = if svc.wildcard { "*." } else { "" };
    let entry = |name: String, zone: &str| m::DnsEntry {
        dns_name: Some(name),
        hosted_zone_id: Some(zone.to_string()),
    };
    let mut out = vec![entry(
        format!("{star}{}-{}.{}", e.id, e.dns_suffix, svc.base_dns),
        &zone,
    )];
    if e.service_region == ctx.region_name() {
        for subnet in &e.subnet_ids {
            if let Some(s) = account.ec2.subnets.get(subnet) {
                out.push(entry(
                    format!(
                        "{star}{}-{}-{}.{}",
                        e.id, e.dns_suffix, s.availability_zone, svc.base_dns
                    ),
                    &zone,
                ));
            }
        }
    }
    if e.private_dns_enabled {
        for name in &svc.private_dns {
            out.push(entry(name.clone(), &e.private_zone_id));
        }
    }
    out
}

pub(crate) fn to_model(ctx: &Ctx, e: &VpcEndpoint) -> m::VpcEndpoint {
    to_model_of(ctx, &ctx.account, e)
}

/// The wire form of an endpoint of account `owner`.
pub(crate) fn to_model_of(ctx: &Ctx, owner: &str, e: &VpcEndpoint) -> m::VpcEndpoint {
    let svc = lookup_service(ctx, &e.service_name, &e.service_region);
    let interface = e.endpoint_type != "Gateway";
    let account = ctx.region.accounts.get(owner);
    let groups = e
        .group_ids
        .iter()
        .map(|g| m::SecurityGroupIdentifier {
            group_id: Some(g.clone()),
            group_name: account
                .and_then(|a| a.ec2.security_groups.get(g))
                .map(|s| s.name.clone()),
        })
        .collect();
    m::VpcEndpoint {
        vpc_endpoint_id: Some(e.id.clone()),
        vpc_endpoint_type: Some(e.endpoint_type.clone()),
        vpc_id: Some(e.vpc_id.clone()),
        service_name: Some(e.service_name.clone()),
        state: Some(e.state.clone()),
        policy_document: e.policy.clone(),
        route_table_ids: Some(e.route_table_ids.clone()),
        subnet_ids: Some(e.subnet_ids.clone()),
        groups: Some(groups),
        ip_address_type: e.ip_address_type.clone(),
        dns_options: e.dns_record_ip_type.as_ref().map(|t| m::DnsOptions {
            dns_record_ip_type: Some(t.clone()),
            ..Default::default()
        }),
        private_dns_enabled: Some(e.private_dns_enabled),
        requester_managed: Some(false),
        network_interface_ids: Some(if interface { e.eni_ids.clone() } else { vec![] }),
        dns_entries: Some(dns_entries(ctx, owner, e, svc.as_deref())),
        creation_timestamp: Some(e.created),
        tags: Some(e.tags.to_model()),
        owner_id: Some(owner.to_string()),
        service_region: Some(e.service_region.clone()),
        ..Default::default()
    }
}
