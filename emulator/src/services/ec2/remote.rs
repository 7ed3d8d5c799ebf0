//! PrivateLink across Regions (aws-spec.md §8.1 "Cross-Region"): a custom
//! endpoint service whose supported Regions include another Region is
//! reachable from there, with `ServiceRegion` naming the service's Region.
//!
//! Each Region's state has its own lock, and a request holds one. So the two
//! sides of a cross-Region connection never lock each other: the service's
//! Region publishes what consumers need of each service in the world's
//! registry ([`Links`]), and each side tells the other what changed by
//! message, applied when the receiving Region is next locked (its next
//! request, the background ticker, a clock advance). The lock order is
//! always a Region, then the registry; nothing locks a Region while holding
//! the registry, so there is no deadlock.
//!
//! What crosses:
//! - consumer → service's Region: an endpoint connected (the connection,
//!   with a replica of the endpoint), changed state (with its new replica,
//!   and the event to notify on, `Delete`), went away;
//! - service's Region → consumer: the provider accepted or rejected it.

use super::endpoint_services::{self, services_mut};
use super::links::{Links, Message, Published};
use super::state::{Occurrence, ServiceView};
use crate::services::state::Ctx;

/// The registry Regions share (locked after this Region, never before).
pub(super) fn links(ctx: &Ctx) -> parking_lot::MappedMutexGuard<'_, Links> {
    parking_lot::MutexGuard::map(ctx.world.global.lock(), |g| &mut g.ec2)
}

pub(super) fn send(ctx: &Ctx, region: &str, message: Message) {
    links(ctx)
        .inbox
        .entry(region.to_string())
        .or_default()
        .push(message);
}

/// Publishes this Region's custom services (after a request changed them).
pub(crate) fn publish(ctx: &Ctx) {
    let prefix = endpoint_services::name_prefix(ctx.region_name());
    let fresh: Vec<(String, Published)> = ctx
        .region
        .common
        .ec2
        .endpoint_services
        .values()
        .map(|s| {
            (
                s.name.clone(),
                Published {
                    view: endpoint_services::view(ctx, s),
                    principals: s.principals.iter().map(|p| p.arn.clone()).collect(),
                    supported_regions: s.supported_regions.clone(),
                },
            )
        })
        .collect();
    let mut links = links(ctx);
    links.services.retain(|name, _| !name.starts_with(&prefix));
    links.services.extend(fresh);
}

/// The service `name` of another Region, whoever may see it.
pub(crate) fn find(ctx: &Ctx, name: &str) -> Option<Published> {
    links(ctx).services.get(name).cloned()
}

/// Whether the caller reaches `p` from its Region: the service supports the
/// Region and one of its principals matches the caller.
pub(crate) fn reachable(ctx: &Ctx, p: &Published) -> bool {
    p.supported_regions.iter().any(|r| r == ctx.region_name())
        && (p.view.owner == ctx.account
            || p.principals
                .iter()
                .any(|a| endpoint_services::principal_matches(a, &ctx.account, &ctx.principal)))
}

/// The services of `region` the caller reaches from its own Region.
pub(crate) fn reachable_in(ctx: &Ctx, region: &str) -> Vec<ServiceView> {
    let prefix = endpoint_services::name_prefix(region);
    let all: Vec<Published> = links(ctx)
        .services
        .range(prefix.clone()..)
        .take_while(|(name, _)| name.starts_with(&prefix))
        .map(|(_, p)| p.clone())
        .collect();
    all.into_iter()
        .filter(|p| reachable(ctx, p))
        .map(|p| p.view)
        .collect()
}

/// The provider accepted (or rejected) the remote endpoint `endpoint_id` of
/// its service: the replica moves now, the endpoint when its Region hears.
pub(crate) fn decide(ctx: &mut Ctx, service_id: &str, endpoint_id: &str, accept: bool) {
    let Some(conn) = services_mut(ctx)
        .get_mut(service_id)
        .and_then(|s| s.connections.get_mut(endpoint_id))
    else {
        return;
    };
    let Some(replica) = conn.remote.as_mut() else {
        return;
    };
    replica.state = if accept { "pending" } else { "rejected" }.into();
    if !accept {
        replica.dns_entries.clear();
    }
    let (account, region) = (conn.account.clone(), replica.region.clone());
    let svc = &ctx.region.common.ec2.endpoint_services[service_id];
    let occurrence = Occurrence {
        event: if accept { "Accept" } else { "Reject" }.into(),
        service_id: svc.id.clone(),
        service_name: svc.name.clone(),
        provider: svc.owner.clone(),
        endpoint_id: endpoint_id.to_string(),
        consumer: account.clone(),
        state: String::new(),
        endpoint_region: region.clone(),
    };
    send(
        ctx,
        &region,
        Message::Decided {
            account,
            endpoint_id: endpoint_id.to_string(),
            accept,
            occurrence: Some(occurrence),
        },
    );
}
