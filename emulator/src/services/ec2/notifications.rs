//! Connection notifications (aws-spec.md §8.15–8.18, §13): created on a
//! service (provider) or on an endpoint (consumer), they fire on `Connect`,
//! `Accept`, `Reject` and `Delete`, through the world's notifier.

use super::errors::R;
use super::query::{one, paginate, Filters};
use super::state::event;
use super::state::{ConnectionNotification, Occurrence};
use super::tags::Tags;
use crate::model::ec2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;
use crate::world::ids::is_valid_id;

const EVENTS: &[&str] = &["Accept", "Connect", "Delete", "Reject"];

/// The `Subject` of every notification message [U: AWS does not publish one].
pub const SUBJECT: &str = "VPC Endpoint Connection Notification";

fn not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidConnectionNotification",
        format!("The connection notification '{id}' does not exist"),
    )
}

fn check_events(events: &[String]) -> R<()> {
    if events.is_empty() {
        return Err(AwsError::new(
            "MissingParameter",
            "The request must contain the parameter ConnectionEvents",
        ));
    }
    for e in events {
        if !EVENTS.contains(&e.as_str()) {
            return Err(AwsError::new(
                "InvalidParameterValue",
                format!("Value ({e}) for parameter connectionEvents is invalid. Valid values: Accept, Connect, Delete, Reject"),
            ));
        }
    }
    Ok(())
}

/// An SNS topic ARN of this Region.
fn check_topic(ctx: &Ctx, arn: &str) -> R<()> {
    let parts: Vec<&str> = arn.split(':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && parts[1] == "aws"
        && parts[2] == "sns"
        && parts[3] == ctx.region_name()
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit())
        && !parts[5].is_empty();
    if ok {
        Ok(())
    } else {
        Err(AwsError::new(
            "InvalidParameter",
            format!(
                "'{arn}' is not an SNS topic ARN of Region {}",
                ctx.region_name()
            ),
        ))
    }
}

fn sorted(mut events: Vec<String>) -> Vec<String> {
    events.sort();
    events.dedup();
    events
}

fn to_model(ctx: &Ctx, n: &ConnectionNotification) -> m::ConnectionNotification {
    m::ConnectionNotification {
        connection_notification_id: Some(n.id.clone()),
        service_id: n.service_id.clone(),
        vpc_endpoint_id: n.endpoint_id.clone(),
        connection_notification_type: Some("Topic".into()),
        connection_notification_arn: Some(n.topic_arn.clone()),
        connection_events: Some(n.events.clone()),
        connection_notification_state: Some(n.state.clone()),
        service_region: Some(ctx.region_name().to_string()),
    }
}

pub(super) fn create(
    ctx: &mut Ctx,
    input: m::CreateVpcEndpointConnectionNotificationRequest,
) -> R<m::CreateVpcEndpointConnectionNotificationResult> {
    if let Some(token) = &input.client_token {
        if let Some(n) = ctx
            .acct()
            .ec2
            .notifications
            .values()
            .find(|n| n.client_token.as_ref() == Some(token))
        {
            return Ok(m::CreateVpcEndpointConnectionNotificationResult {
                connection_notification: Some(to_model(ctx, n)),
                client_token: Some(token.clone()),
            });
        }
    }
    match (&input.service_id, &input.vpc_endpoint_id) {
        (Some(_), Some(_)) => {
            return Err(super::errors::combination(
                "Specify either ServiceId or VpcEndpointId, not both.",
            ))
        }
        (None, None) => return Err(super::errors::missing("ServiceId")),
        (Some(s), None) => {
            let own = ctx
                .region
                .common
                .ec2
                .endpoint_services
                .get(s)
                .is_some_and(|svc| svc.owner == ctx.account);
            if !own {
                return Err(AwsError::new(
                    "InvalidVpcEndpointServiceId.NotFound",
                    format!("The VpcEndpointService Id '{s}' does not exist"),
                ));
            }
        }
        (None, Some(e)) => match ctx.acct().ec2.endpoints.get(e) {
            Some(ep) if ep.endpoint_type == "Interface" => {}
            Some(_) => {
                return Err(AwsError::new(
                    "InvalidParameter",
                    "Connection notifications can be created only for interface endpoints.",
                ))
            }
            None => {
                return Err(AwsError::new(
                    "InvalidVpcEndpointId.NotFound",
                    format!("The Vpc Endpoint Id '{e}' does not exist"),
                ))
            }
        },
    }
    let arn = input
        .connection_notification_arn
        .clone()
        .unwrap_or_default();
    check_topic(ctx, &arn)?;
    let events = input.connection_events.clone().unwrap_or_default();
    check_events(&events)?;
    ctx.dry_run(input.dry_run)?;
    let n = ConnectionNotification {
        id: ctx.new_id("vpce-nfn"),
        service_id: input.service_id,
        endpoint_id: input.vpc_endpoint_id,
        topic_arn: arn,
        events: sorted(events),
        state: "Enabled".into(),
        client_token: input.client_token.clone(),
    };
    let out = to_model(ctx, &n);
    let id = n.id.clone();
    ctx.acct_mut().ec2.notifications.insert(id.clone(), n);
    ctx.emit(event(
        "connection-notification",
        &id,
        "created",
        Some("Enabled"),
    ));
    Ok(m::CreateVpcEndpointConnectionNotificationResult {
        connection_notification: Some(out),
        client_token: input.client_token,
    })
}

const FILTERS: &[&str] = &[
    "connection-notification-arn",
    "connection-notification-id",
    "connection-notification-state",
    "connection-notification-type",
    "service-id",
    "vpc-endpoint-id",
];

pub(super) fn describe(
    ctx: &mut Ctx,
    input: m::DescribeVpcEndpointConnectionNotificationsRequest,
) -> R<m::DescribeVpcEndpointConnectionNotificationsResult> {
    if let Some(id) = &input.connection_notification_id {
        if !ctx.acct().ec2.notifications.contains_key(id) {
            return Err(not_found(id));
        }
    }
    // Notifications carry no tags, so no tag filters.
    let filters = Filters::parse_untagged(input.filters, FILTERS)?;
    ctx.dry_run(input.dry_run)?;
    let wanted = input.connection_notification_id;
    let items = ctx
        .acct()
        .ec2
        .notifications
        .values()
        .filter(|n| wanted.as_ref().is_none_or(|w| *w == n.id))
        .filter(|n| {
            filters.matches(&Tags::default(), |f| match f {
                "connection-notification-arn" => one(&n.topic_arn),
                "connection-notification-id" => one(&n.id),
                "connection-notification-state" => one(&n.state),
                "connection-notification-type" => one("Topic"),
                "service-id" => n.service_id.iter().cloned().collect(),
                "vpc-endpoint-id" => n.endpoint_id.iter().cloned().collect(),
                _ => vec![],
            })
        })
        .map(|n| (n.id.clone(), to_model(ctx, n)))
        .collect();
    let (page, next) = paginate(items, input.max_results, input.next_token.as_deref())?;
    Ok(m::DescribeVpcEndpointConnectionNotificationsResult {
        connection_notification_set: Some(page),
        next_token: next,
    })
}

pub(super) fn modify(
    ctx: &mut Ctx,
    input: m::ModifyVpcEndpointConnectionNotificationRequest,
) -> R<m::ModifyVpcEndpointConnectionNotificationResult> {
    let id = input.connection_notification_id.unwrap_or_default();
    if !ctx.acct().ec2.notifications.contains_key(&id) {
        return Err(not_found(&id));
    }
    if let Some(arn) = &input.connection_notification_arn {
        check_topic(ctx, arn)?;
    }
    if let Some(events) = &input.connection_events {
        check_events(events)?;
    }
    ctx.dry_run(input.dry_run)?;
    if let Some(n) = ctx.acct_mut().ec2.notifications.get_mut(&id) {
        if let Some(arn) = input.connection_notification_arn {
            n.topic_arn = arn;
        }
        if let Some(events) = input.connection_events {
            n.events = sorted(events);
        }
    }
    ctx.emit(event("connection-notification", &id, "modified", None));
    Ok(m::ModifyVpcEndpointConnectionNotificationResult {
        return_value: Some(true),
    })
}

pub(super) fn delete(
    ctx: &mut Ctx,
    input: m::DeleteVpcEndpointConnectionNotificationsRequest,
) -> R<m::DeleteVpcEndpointConnectionNotificationsResult> {
    let ids = input.connection_notification_ids.unwrap_or_default();
    // Unknown ids fail the whole call, as Terraform expects [T].
    for id in &ids {
        if !is_valid_id(id, "vpce-nfn") || !ctx.acct().ec2.notifications.contains_key(id) {
            return Err(not_found(id));
        }
    }
    ctx.dry_run(input.dry_run)?;
    for id in &ids {
        ctx.acct_mut().ec2.notifications.remove(id);
        ctx.emit(event("connection-notification", id, "deleted", None));
    }
    Ok(m::DeleteVpcEndpointConnectionNotificationsResult {
        unsuccessful: Some(vec![]),
    })
}

/// Publishes `event_type` for endpoint `endpoint_id` of service
/// `service_id`, both in this Region, to every enabled notification that
/// asks for it: the provider's on the service and the consumer's on the
/// endpoint. (A consumer in another Region: see `remote`.)
pub(crate) fn fire(ctx: &Ctx, event_type: &str, service_id: &str, endpoint_id: &str) {
    let Some(svc) = ctx.region.common.ec2.endpoint_services.get(service_id) else {
        return;
    };
    let Some(conn) = svc.connections.get(endpoint_id) else {
        return;
    };
    let state = match &conn.remote {
        Some(r) => r.state.clone(),
        None => ctx
            .region
            .accounts
            .get(&conn.account)
            .and_then(|a| a.ec2.endpoints.get(endpoint_id))
            .map(|e| e.state.clone())
            .unwrap_or_else(|| "deleted".into()),
    };
    let occurrence = Occurrence {
        event: event_type.to_string(),
        service_id: svc.id.clone(),
        service_name: svc.name.clone(),
        provider: svc.owner.clone(),
        endpoint_id: endpoint_id.to_string(),
        consumer: conn.account.clone(),
        state,
        endpoint_region: conn
            .remote
            .as_ref()
            .map(|r| r.region.clone())
            .unwrap_or_else(|| ctx.region_name().to_string()),
    };
    fire_provider(ctx, &occurrence);
    if conn.remote.is_none() {
        fire_consumer(ctx, &occurrence);
    }
}

/// The provider's notifications on the service (in the service's Region).
pub(crate) fn fire_provider(ctx: &Ctx, o: &Occurrence) {
    if let Some(provider) = ctx.region.accounts.get(&o.provider) {
        let targets = provider
            .ec2
            .notifications
            .values()
            .filter(|n| n.service_id.as_deref() == Some(o.service_id.as_str()));
        publish(ctx, targets, o);
    }
}

/// The consumer's notifications on its endpoint (in the endpoint's Region).
pub(crate) fn fire_consumer(ctx: &Ctx, o: &Occurrence) {
    if let Some(consumer) = ctx.region.accounts.get(&o.consumer) {
        let targets = consumer
            .ec2
            .notifications
            .values()
            .filter(|n| n.endpoint_id.as_deref() == Some(o.endpoint_id.as_str()));
        publish(ctx, targets, o);
    }
}

fn publish<'a>(
    ctx: &Ctx,
    targets: impl Iterator<Item = &'a ConnectionNotification>,
    o: &Occurrence,
) {
    let now = ctx.now().to_iso8601();
    for n in targets.filter(|n| n.state == "Enabled" && n.events.contains(&o.event)) {
        let payload = serde_json::json!({
            "eventType": o.event,
            "eventTimestamp": now,
            "connectionNotificationId": n.id,
            "serviceId": o.service_id,
            "serviceName": o.service_name,
            "vpcEndpointId": o.endpoint_id,
            "vpcEndpointOwner": o.consumer,
            "vpcEndpointState": o.state,
            "vpcEndpointRegion": o.endpoint_region,
            "region": ctx.region_name(),
        });
        ctx.world
            .notifier
            .publish(&n.topic_arn, SUBJECT, payload.to_string(), now.clone());
        ctx.emit(event(
            "connection-notification",
            &n.id,
            "published",
            Some(&o.event),
        ));
    }
}
