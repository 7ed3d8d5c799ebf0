//! Endpoint services as the Region keeps them and consumers reach them:
//! names, what a consumer sees of one, who may see it, and the record of
//! each endpoint connected to it.

use std::collections::{BTreeMap, BTreeSet};

use super::notifications;
use super::state::{Connection, EndpointService, ServiceView};
use crate::services::state::Ctx;
use crate::world::regions::{self, Zone};

/// The prefix of every custom service name in a Region.
pub(crate) fn name_prefix(region: &str) -> String {
    format!("com.amazonaws.vpce.{region}.")
}

/// Whether `principal` (an allowed-principal entry) lets the caller in.
pub(crate) fn principal_matches(allowed: &str, account: &str, principal: &str) -> bool {
    allowed == "*" || allowed == principal || allowed == format!("arn:aws:iam::{account}:root")
}

/// The owner always sees its service; others only through an allowed principal.
pub(crate) fn visible_to(svc: &EndpointService, account: &str, principal: &str) -> bool {
    svc.owner == account
        || svc
            .principals
            .iter()
            .any(|p| principal_matches(&p.arn, account, principal))
}

/// The AZs of the service's load balancers, in the Region's order.
pub(super) fn zones(ctx: &Ctx, svc: &EndpointService) -> Vec<Zone> {
    let mut names = BTreeSet::new();
    if let Some(owner) = ctx.region.accounts.get(&svc.owner) {
        for arn in &svc.load_balancers {
            if let Some(lb) = owner.elbv2.load_balancers.get(arn) {
                names.extend(lb.zones.iter().map(|(_, az, _)| az.clone()));
            }
        }
    }
    regions::zones(ctx.region_name())
        .into_iter()
        .filter(|z| names.contains(&z.name))
        .collect()
}

pub(super) fn base_dns(svc: &EndpointService, region: &str) -> String {
    format!("{}.{region}.vpce.amazonaws.com", svc.id)
}

/// What a consumer sees of a custom service.
pub(crate) fn view(ctx: &Ctx, svc: &EndpointService) -> ServiceView {
    let region = ctx.region_name().to_string();
    let gwlb = svc.service_type == "GatewayLoadBalancer";
    let verified = svc
        .private_dns
        .as_ref()
        .filter(|p| p.state == "verified")
        .map(|p| p.name.clone());
    ServiceView {
        name: svc.name.clone(),
        region: region.clone(),
        interface_id: (!gwlb).then(|| svc.id.clone()),
        gateway_id: None,
        gwlb_id: gwlb.then(|| svc.id.clone()),
        custom_id: Some(svc.id.clone()),
        base_dns: base_dns(svc, &region),
        gateway_dns: String::new(),
        private_dns: verified.into_iter().collect(),
        private_dns_default: false,
        interface: !gwlb,
        gateway: false,
        gwlb,
        zones: zones(ctx, svc),
        policy_supported: false,
        acceptance_required: svc.acceptance_required,
        owner: svc.owner.clone(),
        wildcard: false,
        cross_region: false,
        ip_types: svc.ip_types.clone(),
        prefix_list: None,
        payer_responsibility: svc.payer_responsibility.clone(),
        private_dns_state: svc.private_dns.as_ref().map(|p| p.state.clone()),
        tags: svc.tags.clone(),
    }
}

/// The Region's endpoint services, to change: they are published for other
/// Regions when the request ends.
pub(crate) fn services_mut(ctx: &mut Ctx) -> &mut BTreeMap<String, EndpointService> {
    let ec2 = &mut ctx.region.common.ec2;
    ec2.services_changed = true;
    &mut ec2.endpoint_services
}

/// The custom service named `name`, if it exists in this Region.
pub(crate) fn by_name<'a>(ctx: &'a Ctx, name: &str) -> Option<&'a EndpointService> {
    let id = name.strip_prefix(&name_prefix(ctx.region_name()))?;
    ctx.region
        .common
        .ec2
        .endpoint_services
        .get(id)
        .filter(|s| s.name == name)
}

/// Records a new consumer endpoint on its service and says `Connect`.
pub(super) fn connect(ctx: &mut Ctx, service_id: &str, endpoint_id: &str) {
    let conn = Connection {
        id: ctx.new_id("vpce-con"),
        account: ctx.account.clone(),
        created: ctx.now(),
        remote: None,
    };
    if let Some(s) = services_mut(ctx).get_mut(service_id) {
        s.connections.insert(endpoint_id.to_string(), conn);
    }
    notifications::fire(ctx, "Connect", service_id, endpoint_id);
}

/// A consumer endpoint is gone: its connection goes with it.
pub(super) fn disconnect(ctx: &mut Ctx, service_id: &str, endpoint_id: &str) {
    if let Some(s) = services_mut(ctx).get_mut(service_id) {
        s.connections.remove(endpoint_id);
    }
}
