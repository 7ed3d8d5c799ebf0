//! What other Regions sent this one, applied when it is next locked (see
//! `remote`).

use super::endpoint_services;
use super::endpoint_services::services_mut;
use super::endpoint_states;
use super::links::Message;
use super::notifications;
use super::remote::{links, send};
use crate::services::state::Ctx;

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

pub(super) fn apply(ctx: &mut Ctx, message: Message) {
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
        } => endpoint_services::disconnect(ctx, &service_id, &endpoint_id),
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
                    endpoint_states::accept_endpoint(ctx, &endpoint_id);
                } else {
                    endpoint_states::reject(ctx, &endpoint_id);
                }
                if let Some(mut o) = occurrence {
                    o.state = ctx.acct().ec2.endpoints[&endpoint_id].state.clone();
                    notifications::fire_consumer(ctx, &o);
                }
            });
        }
    }
}
