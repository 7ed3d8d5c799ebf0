//! An endpoint's state changes (`pending`, `available`, `rejected`, …) and
//! what the service's Region hears of them when that is another Region.

use super::endpoint_model;
use super::endpoint_services;
use super::links::Message;
use super::network::delete_eni;
use super::notifications;
use super::remote::{find, send};
use super::state::{event, Connection, Occurrence, RemoteEndpoint};
use crate::services::state::Ctx;

/// How long AWS takes for each step, scaled by the pace.
pub(super) const AVAILABLE_MS: i64 = 2_000;

pub(super) fn set_state(ctx: &mut Ctx, id: &str, state: &str) {
    let changed = match ctx.acct_mut().ec2.endpoints.get_mut(id) {
        Some(e) if e.state != state => {
            e.state = state.to_string();
            true
        }
        _ => false,
    };
    if changed {
        ctx.emit(event("vpc-endpoint", id, "state-changed", Some(state)));
        // Going `deleting` is the `Delete` event of the provider's notifications.
        send_changed(ctx, id, (state == "deleting").then_some("Delete"));
    }
}

/// `pending` → `available`, when AWS would have made it so.
pub(super) fn become_available(ctx: &mut Ctx, id: &str) {
    if ctx
        .acct()
        .ec2
        .endpoints
        .get(id)
        .is_some_and(|e| e.state == "pending")
    {
        set_state(ctx, id, "available");
    }
}

/// The provider rejected the endpoint: its interfaces go, it stays `rejected`.
pub(super) fn reject(ctx: &mut Ctx, id: &str) {
    let Some(e) = ctx.acct().ec2.endpoints.get(id).cloned() else {
        return;
    };
    for eni in &e.eni_ids {
        delete_eni(ctx, eni);
    }
    if let Some(ep) = ctx.acct_mut().ec2.endpoints.get_mut(id) {
        ep.eni_ids.clear();
    }
    set_state(ctx, id, "rejected");
}

/// The provider accepted: `pending`, then `available` on the clock.
pub(crate) fn accept_endpoint(ctx: &mut Ctx, id: &str) {
    set_state(ctx, id, "pending");
    let id = id.to_string();
    ctx.schedule(AVAILABLE_MS, move |ctx| become_available(ctx, &id));
}

/// The custom service (id, Region) behind the caller's endpoint `id`, when
/// that service is in another Region.
pub(super) fn remote_service(ctx: &Ctx, id: &str) -> Option<(String, String)> {
    let e = ctx.acct().ec2.endpoints.get(id)?;
    if e.service_region == ctx.region_name() {
        return None;
    }
    let service_id = e
        .service_name
        .strip_prefix(&endpoint_services::name_prefix(&e.service_region))?;
    Some((service_id.to_string(), e.service_region.clone()))
}

/// What the service's Region keeps of the caller's endpoint `id`.
pub(super) fn replica(ctx: &Ctx, id: &str) -> Option<RemoteEndpoint> {
    let e = ctx.acct().ec2.endpoints.get(id)?;
    let model = endpoint_model::to_model(ctx, e);
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
pub(crate) fn send_connected(ctx: &Ctx, id: &str) {
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
pub(crate) fn send_changed(ctx: &Ctx, id: &str, event: Option<&str>) {
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
pub(crate) fn send_gone(ctx: &Ctx, id: &str) {
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
