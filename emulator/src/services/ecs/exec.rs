//! ExecuteCommand (ECS Exec): an SSM session into a running task's
//! container, for tasks started with `enableExecuteCommand`.

use super::common::{invalid, R};
use super::task_protection::{cluster, task_id};
use crate::model::ecs as m;
use crate::services::state::Ctx;

/// AWS's answer when the task was run without exec or its agent isn't up.
const NOT_ENABLED: &str = "The execute command failed because execute command was not enabled when the task was run or the execute command agent isn\u{2019}t running. Wait and try again or run a new task with execute command enabled and try again.";

/// Whether a new task may be exec'd into: its service's setting, for a
/// service's task.
pub(super) fn inherited(ctx: &Ctx, service: Option<&str>) -> bool {
    service
        .and_then(|s| ctx.acct().ecs.services.get(s))
        .and_then(|s| s.model.enable_execute_command)
        .unwrap_or(false)
}

/// RunTask's `enableExecuteCommand`, kept on the tasks it started.
pub(super) fn enable(ctx: &mut Ctx, ids: &[String], enabled: Option<bool>) {
    let enabled = Some(enabled.unwrap_or(false));
    let st = &mut ctx.acct_mut().ecs;
    for id in ids {
        if let Some(t) = st.tasks.get_mut(id) {
            if t.model.shape.enable_execute_command != enabled {
                // Packed again, so the tasks started together share it.
                t.model
                    .edit(&mut st.task_shapes, |t| t.enable_execute_command = enabled);
            }
        }
    }
}

pub(super) fn execute(ctx: &mut Ctx, i: m::ExecuteCommandRequest) -> R<m::ExecuteCommandResponse> {
    let cluster = cluster(ctx, i.cluster.as_deref())?;
    if i.interactive != Some(true) {
        return Err(invalid("Interactive is the only mode supported currently."));
    }
    let reference = i.task.unwrap_or_default();
    let id = task_id(&reference).ok_or_else(|| invalid("Task Identifier is invalid"))?;
    let task = ctx
        .acct()
        .ecs
        .tasks
        .get(&id)
        .filter(|t| t.cluster == cluster)
        .ok_or_else(|| invalid("The referenced task was not found."))?;
    let containers = task.model.to_task().containers.unwrap_or_default();
    let container =
        match i.container.as_deref() {
            Some(name) => containers
                .iter()
                .find(|c| c.name.as_deref() == Some(name))
                .ok_or_else(|| {
                    invalid(format!(
                        "The container {name} does not exist in the task {id}."
                    ))
                })?,
            None if containers.len() == 1 => &containers[0],
            None => return Err(invalid(
                "The container name must be specified when the task has more than one container.",
            )),
        };
    if task.model.shape.enable_execute_command != Some(true)
        || task.model.last_status.as_deref() != Some("RUNNING")
        || container.last_status.as_deref() != Some("RUNNING")
    {
        return Err(invalid(NOT_ENABLED));
    }
    let session_id = format!(
        "ecs-execute-command-{}",
        ctx.world.ids.alnum(26).to_lowercase()
    );
    let token = format!("AAEAA{}", ctx.world.ids.alnum(120));
    let cell = ctx.world.ids.alnum(40);
    let region = ctx.region_name().to_string();
    Ok(m::ExecuteCommandResponse {
        cluster_arn: task.model.shape.cluster_arn.clone(),
        container_arn: container.container_arn.clone(),
        container_name: container.name.clone(),
        interactive: Some(true),
        task_arn: task.model.task_arn(),
        session: Some(m::Session {
            stream_url: Some(format!(
                "wss://ssmmessages.{region}.amazonaws.com/v1/data-channel/{session_id}?role=publish_subscribe&cell-number={cell}"
            )),
            session_id: Some(session_id),
            token_value: Some(token),
        }),
    })
}
