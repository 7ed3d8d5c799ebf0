//! What every ECS handler uses: its error codes, ARNs and names, paging
//! and events.

use crate::services::state::Ctx;
use crate::wire::AwsError;

pub(crate) type R<T> = Result<T, AwsError>;

pub(crate) fn invalid(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidParameterException", message)
}

pub(crate) fn client(message: impl Into<String>) -> AwsError {
    AwsError::new("ClientException", message)
}

pub(crate) fn cluster_not_found() -> AwsError {
    AwsError::new("ClusterNotFoundException", "Cluster not found.")
}

pub(crate) fn service_not_found() -> AwsError {
    AwsError::new("ServiceNotFoundException", "Service not found.")
}

pub(crate) fn arn(ctx: &Ctx, resource: &str) -> String {
    format!(
        "arn:aws:ecs:{}:{}:{resource}",
        ctx.region_name(),
        ctx.account
    )
}

/// The last path segment of an ECS ARN of `kind` (`cluster/<x>`), or the
/// value itself when it is not an ARN.
pub(crate) fn short_name<'a>(value: &'a str, kind: &str) -> &'a str {
    match value.strip_prefix("arn:aws:ecs:") {
        Some(rest) => rest
            .split_once(&format!(":{kind}/"))
            .map(|(_, tail)| tail)
            .unwrap_or(value),
        None => value,
    }
}

/// The container instance id a reference names (an id or an ARN).
pub(crate) fn container_instance_id(reference: &str) -> String {
    short_name(reference, "container-instance")
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_string()
}

/// A container instance's ARN.
pub(crate) fn container_instance_arn(ctx: &Ctx, cluster: &str, id: &str) -> String {
    arn(ctx, &format!("container-instance/{cluster}/{id}"))
}

/// Checks `maxResults` of the List calls (1–100).
pub(crate) fn check_max(max: Option<i32>) -> R<usize> {
    match max {
        Some(n) if !(1..=100).contains(&n) => Err(invalid(format!(
            "maxResults must be between 1 and 100 (got {n})."
        ))),
        Some(n) => Ok(n as usize),
        None => Ok(100),
    }
}

/// A page of `items` (sorted by key) after `token`.
pub(crate) fn page<T>(
    items: Vec<(String, T)>,
    max: usize,
    token: Option<&str>,
) -> R<(Vec<T>, Option<String>)> {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let after = match token.filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => Some(
            engine
                .decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| invalid("Invalid nextToken."))?,
        ),
    };
    let mut rest: Vec<(String, T)> = match after {
        None => items,
        Some(a) => items.into_iter().filter(|(k, _)| *k > a).collect(),
    };
    let next = if rest.len() > max {
        rest.truncate(max);
        rest.last().map(|(k, _)| engine.encode(k))
    } else {
        None
    };
    Ok((rest.into_iter().map(|(_, v)| v).collect(), next))
}

pub(crate) fn event(
    resource_type: &'static str,
    id: &str,
    action: &'static str,
    state: Option<&str>,
) -> crate::world::events::NewEvent {
    crate::world::events::NewEvent::new("ecs", resource_type, id, action, state)
}

/// Adds a message to a service's event log (newest first, the last 100),
/// `key` being `<cluster>/<service>`.
pub(crate) fn push_event(ctx: &mut Ctx, key: &str, message: String) {
    let e = crate::model::ecs::ServiceEvent {
        id: Some(ctx.world.ids.uuid()),
        created_at: Some(ctx.now()),
        message: Some(message),
    };
    if let Some(s) = ctx.acct_mut().ecs.services.get_mut(key) {
        let events = s.model.events.get_or_insert_with(Vec::new);
        events.insert(0, e);
        events.truncate(100);
    }
}

/// A service's event for the tasks it just started.
pub(crate) fn started_event(ctx: &mut Ctx, key: &str, name: &str, started: &[String]) {
    if started.is_empty() {
        return;
    }
    let list: Vec<String> = started.iter().map(|t| format!("(task {t})")).collect();
    push_event(
        ctx,
        key,
        format!(
            "(service {name}) has started {} tasks: {}.",
            started.len(),
            list.join(" ")
        ),
    );
}

/// A service's event for a task it could not start.
pub(crate) fn unable_event(ctx: &mut Ctx, key: &str, name: &str, reason: &str) {
    push_event(
        ctx,
        key,
        format!("(service {name}) was unable to place a task. Reason: {reason}."),
    );
}

/// A service's event for the running tasks it stopped.
pub(crate) fn stopped_event(ctx: &mut Ctx, key: &str, name: &str, stopped: &[String]) {
    let list: Vec<String> = stopped.iter().map(|t| format!("(task {t})")).collect();
    push_event(
        ctx,
        key,
        format!(
            "(service {name}) has stopped {} running tasks: {}.",
            stopped.len(),
            list.join(" ")
        ),
    );
}

/// A service's event for tasks it could not stop because they are under
/// scale-in protection (the shape AWS writes, as quoted in AWS's task
/// protection sample and users' reports).
pub(crate) fn protected_event(ctx: &mut Ctx, key: &str, name: &str, set: &str, n: usize) {
    let message =
        format!("(service {name}, taskSet {set}) was unable to scale in due to (reason {n} tasks under protection)");
    // Said once while it stays true, not on every look.
    let said = ctx
        .acct()
        .ecs
        .services
        .get(key)
        .and_then(|s| s.model.events.as_ref())
        .and_then(|e| e.first())
        .is_some_and(|e| e.message.as_deref() == Some(message.as_str()));
    if !said {
        push_event(ctx, key, message);
    }
}
