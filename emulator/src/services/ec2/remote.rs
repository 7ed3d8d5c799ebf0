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

use super::endpoints;
use super::links::{Links, Message, Published};
use super::notifications;
use super::privatelink::{self, services_mut};
use super::state::Occurrence;
use super::state::ServiceView;
use super::state::{Connection, RemoteEndpoint};
use crate::services::Ctx;

/// The registry Regions share (locked after this Region, never before).
fn links(ctx: &Ctx) -> parking_lot::MappedMutexGuard<'_, Links> {
    parking_lot::MutexGuard::map(ctx.world.global.lock(), |g| &mut g.ec2)
}

fn send(ctx: &Ctx, region: &str, message: Message) {
    links(ctx)
        .inbox
        .entry(region.to_string())
        .or_default()
        .push(message);
}

/// Publishes this Region's custom services (after a request changed them).
pub(crate) fn publish(ctx: &Ctx) {
    let prefix = privatelink::name_prefix(ctx.region_name());
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
                    view: privatelink::view(ctx, s),
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
                .any(|a| privatelink::principal_matches(a, &ctx.account, &ctx.principal)))
}

/// The services of `region` the caller reaches from its own Region.
pub(crate) fn reachable_in(ctx: &Ctx, region: &str) -> Vec<ServiceView> {
    let prefix = privatelink::name_prefix(region);
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

/// The custom service (id, Region) behind the caller's endpoint `id`, when
/// that service is in another Region.
fn remote_service(ctx: &Ctx, id: &str) -> Option<(String, String)> {
    let e = ctx.acct().ec2.endpoints.get(id)?;
    if e.service_region == ctx.region_name() {
        return None;
    }
    let service_id = e
        .service_name
        .strip_prefix(&privatelink::name_prefix(&e.service_region))?;
    Some((service_id.to_string(), e.service_region.clone()))
}

/// What the service's Region keeps of the caller's endpoint `id`.
fn replica(ctx: &Ctx, id: &str) -> Option<RemoteEndpoint> {
    let e = ctx.acct().ec2.endpoints.get(id)?;
    let model = endpoints::to_model(ctx, e);
    Some(RemoteEndpoint {
        region: ctx.region_name().to_string(),
        state: e.state.clone(),
        ip_address_type: e.ip_address_type.clone(),
        dns_entries: model
            .dns_entries
            .unwrap_or_default()
            .into_iter()
            .map(|d| {
                (
                    d.dns_name.unwrap_or_default(),
                    d.hosted_zone_id.unwrap_or_default(),
                )
            })
            .collect(),
    })
}

/// The caller's new endpoint `id` connects to a service of another Region.
pub(crate) fn connect(ctx: &Ctx, id: &str) {
    let (Some((service_id, region)), Some(replica)) = (remote_service(ctx, id), replica(ctx, id))
    else {
        return;
    };
    let connection = Connection {
        id: ctx.new_id("vpce-con"),
        account: ctx.account.clone(),
        created: ctx.now(),
        remote: Some(replica),
    };
    send(
        ctx,
        &region,
        Message::Connected {
            service_id,
            endpoint_id: id.to_string(),
            connection,
        },
    );
}

/// The caller's endpoint `id` changed: tell its service's Region, if that
/// is another one, and have it notify on `event`.
pub(crate) fn changed(ctx: &Ctx, id: &str, event: Option<&str>) {
    let (Some((service_id, region)), Some(replica)) = (remote_service(ctx, id), replica(ctx, id))
    else {
        return;
    };
    send(
        ctx,
        &region,
        Message::Changed {
            service_id,
            endpoint_id: id.to_string(),
            replica,
            event: event.map(str::to_string),
        },
    );
}

/// `event` for the caller's endpoint `id` to a service of another Region, to
/// the caller's own notifications on it (the provider's fire in its Region).
pub(crate) fn notify_consumer(ctx: &Ctx, id: &str, event: &str) {
    let Some((service_id, _)) = remote_service(ctx, id) else {
        return;
    };
    let e = &ctx.acct().ec2.endpoints[id];
    notifications::fire_consumer(
        ctx,
        &Occurrence {
            event: event.to_string(),
            service_id,
            service_name: e.service_name.clone(),
            provider: find(ctx, &e.service_name)
                .map(|p| p.view.owner)
                .unwrap_or_default(),
            endpoint_id: id.to_string(),
            consumer: ctx.account.clone(),
            state: e.state.clone(),
            endpoint_region: ctx.region_name().to_string(),
        },
    );
}

/// The caller's endpoint `id` (still present) is about to go.
pub(crate) fn gone(ctx: &Ctx, id: &str) {
    if let Some((service_id, region)) = remote_service(ctx, id) {
        send(
            ctx,
            &region,
            Message::Gone {
                service_id,
                endpoint_id: id.to_string(),
            },
        );
    }
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

/// Applies the messages waiting for the caller's Region.
pub(crate) fn deliver(ctx: &mut Ctx) {
    let messages = {
        let mut links = links(ctx);
        match links.inbox.get_mut(ctx.region_name()) {
            Some(m) if !m.is_empty() => std::mem::take(m),
            _ => return,
        }
    };
    for message in messages {
        apply(ctx, message);
    }
}

fn apply(ctx: &mut Ctx, message: Message) {
    match message {
        Message::Connected {
            service_id,
            endpoint_id,
            connection,
        } => {
            let Some(svc) = services_mut(ctx).get_mut(&service_id) else {
                // The service went away meanwhile: the endpoint cannot connect.
                if let Some(r) = &connection.remote {
                    send(
                        ctx,
                        &r.region.clone(),
                        Message::Decided {
                            account: connection.account.clone(),
                            endpoint_id,
                            accept: false,
                            occurrence: None,
                        },
                    );
                }
                return;
            };
            svc.connections.insert(endpoint_id.clone(), connection);
            notifications::fire(ctx, "Connect", &service_id, &endpoint_id);
        }
        Message::Changed {
            service_id,
            endpoint_id,
            replica,
            event,
        } => {
            let Some(conn) = services_mut(ctx)
                .get_mut(&service_id)
                .and_then(|s| s.connections.get_mut(&endpoint_id))
            else {
                return;
            };
            conn.remote = Some(replica);
            if let Some(event) = event {
                notifications::fire(ctx, &event, &service_id, &endpoint_id);
            }
        }
        Message::Gone {
            service_id,
            endpoint_id,
        } => privatelink::disconnect(ctx, &service_id, &endpoint_id),
        Message::Decided {
            account,
            endpoint_id,
            accept,
            occurrence,
        } => {
            if !ctx.region.accounts.contains_key(&account) {
                return;
            }
            ctx.with_account(&account, |ctx| {
                let Some(state) = ctx
                    .acct()
                    .ec2
                    .endpoints
                    .get(&endpoint_id)
                    .map(|e| e.state.clone())
                else {
                    return;
                };
                let applies = if accept {
                    state == "pendingAcceptance"
                } else {
                    matches!(
                        state.as_str(),
                        "pendingAcceptance" | "pending" | "available"
                    )
                };
                if !applies {
                    return;
                }
                if accept {
                    privatelink::accept_endpoint(ctx, &endpoint_id);
                } else {
                    endpoints::reject(ctx, &endpoint_id);
                }
                if let Some(mut o) = occurrence {
                    o.state = ctx.acct().ec2.endpoints[&endpoint_id].state.clone();
                    notifications::fire_consumer(ctx, &o);
                }
            });
        }
    }
}
