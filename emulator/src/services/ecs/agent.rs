//! The calls only the ECS container agent makes: DiscoverPollEndpoint and
//! the state-change reports, acknowledged for a known cluster and task.
//! The emulator drives task states on its own clock, so a report only
//! fills in what it alone knows (container exit codes, runtime ids, pull
//! times); it never moves a task's status.

use super::common::{invalid, R};
use super::task_protection::{cluster, task_id};
use crate::model::ecs as m;
use crate::services::state::Ctx;

const ACK: &str = "ACK";

pub(super) fn discover_poll_endpoint(
    ctx: &mut Ctx,
    _i: m::DiscoverPollEndpointRequest,
) -> R<m::DiscoverPollEndpointResponse> {
    let region = ctx.region_name();
    Ok(m::DiscoverPollEndpointResponse {
        endpoint: Some(format!("https://ecs-a-1.{region}.amazonaws.com/")),
        telemetry_endpoint: Some(format!("https://ecs-t-1.{region}.amazonaws.com/")),
        service_connect_endpoint: Some(format!("https://ecs-sc-1.{region}.amazonaws.com/")),
    })
}

/// The task a report is about (in the cluster, which must exist).
fn task(ctx: &Ctx, cluster_ref: Option<&str>, task: Option<&str>) -> R<String> {
    let cluster = cluster(ctx, cluster_ref)?;
    let id = task_id(task.unwrap_or("")).ok_or_else(|| invalid("Task Identifier is invalid"))?;
    if ctx
        .acct()
        .ecs
        .tasks
        .get(&id)
        .is_none_or(|t| t.cluster != cluster)
    {
        return Err(invalid("The referenced task was not found."));
    }
    Ok(id)
}

/// Records what a container report says about the container, by name.
fn apply_container(
    ctx: &mut Ctx,
    id: &str,
    name: Option<&str>,
    runtime_id: Option<String>,
    exit_code: Option<i32>,
    reason: Option<String>,
    bindings: Option<Vec<m::NetworkBinding>>,
) {
    let Some(t) = ctx.acct_mut().ecs.tasks.get_mut(id) else {
        return;
    };
    let Some((_, c)) = t
        .model
        .containers_mut()
        .find(|(c, _)| c.name.as_deref() == name)
    else {
        return;
    };
    if runtime_id.is_some() {
        c.rare_mut().runtime_id = runtime_id;
    }
    if exit_code.is_some() {
        c.exit_code = exit_code;
    }
    if reason.is_some() {
        c.rare_mut().reason = reason;
    }
    if bindings.is_some() {
        c.network_bindings = bindings;
    }
}

pub(super) fn submit_task_state_change(
    ctx: &mut Ctx,
    i: m::SubmitTaskStateChangeRequest,
) -> R<m::SubmitTaskStateChangeResponse> {
    let id = task(ctx, i.cluster.as_deref(), i.task.as_deref())?;
    for c in i.containers.unwrap_or_default() {
        apply_container(
            ctx,
            &id,
            c.container_name.as_deref(),
            c.runtime_id,
            c.exit_code,
            c.reason,
            c.network_bindings,
        );
    }
    if let Some(t) = ctx.acct_mut().ecs.tasks.get_mut(&id) {
        if i.pull_started_at.is_some() {
            t.model.pull_started_at = i.pull_started_at;
        }
        if i.pull_stopped_at.is_some() {
            t.model.pull_stopped_at = i.pull_stopped_at;
        }
        if i.execution_stopped_at.is_some() {
            t.model.execution_stopped_at = i.execution_stopped_at;
        }
    }
    Ok(m::SubmitTaskStateChangeResponse {
        acknowledgment: Some(ACK.into()),
    })
}

pub(super) fn submit_container_state_change(
    ctx: &mut Ctx,
    i: m::SubmitContainerStateChangeRequest,
) -> R<m::SubmitContainerStateChangeResponse> {
    let id = task(ctx, i.cluster.as_deref(), i.task.as_deref())?;
    apply_container(
        ctx,
        &id,
        i.container_name.as_deref(),
        i.runtime_id,
        i.exit_code,
        i.reason,
        i.network_bindings,
    );
    Ok(m::SubmitContainerStateChangeResponse {
        acknowledgment: Some(ACK.into()),
    })
}

pub(super) fn submit_attachment_state_changes(
    ctx: &mut Ctx,
    i: m::SubmitAttachmentStateChangesRequest,
) -> R<m::SubmitAttachmentStateChangesResponse> {
    cluster(ctx, i.cluster.as_deref())?;
    if i.attachments.unwrap_or_default().is_empty() {
        return Err(invalid("attachments cannot be empty."));
    }
    Ok(m::SubmitAttachmentStateChangesResponse {
        acknowledgment: Some(ACK.into()),
    })
}
