//! ECS's side of reachability: the network interface a task's traffic
//! leaves from — its own (awsvpc) or its container instance's (bridge,
//! host).

use crate::services::ec2::reachability;
use crate::services::state::Ctx;

/// The interface of a task (by ARN or id) that is not stopped.
pub fn task_interface(ctx: &Ctx, task: &str) -> Option<String> {
    let id = task.rsplit('/').next().unwrap_or(task);
    let st = &ctx.acct().ecs;
    let t = st.tasks.get(id)?;
    if let Some(eni) = &t.eni {
        return Some(eni.to_string());
    }
    let placed = t.placed.as_ref()?;
    let ci = st.container_instances.get(&placed.instance)?;
    ci.primary_eni.clone().or_else(|| {
        reachability::instance_eni(&ctx.acct().ec2, &ci.ec2_instance_id).map(str::to_string)
    })
}
