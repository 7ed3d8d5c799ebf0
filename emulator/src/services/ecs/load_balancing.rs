//! ECS services behind ELBv2 target groups: the `loadBalancers` checks of
//! CreateService and UpdateService, a service's tasks registered as targets
//! once RUNNING and deregistered (drained) before they stop, and what the
//! targets' health means to the service (ECS developer guide, "Use load
//! balancing to distribute Amazon ECS service traffic" and "Service event
//! messages").

use super::common::{invalid, push_event, R};
pub(super) use super::state::Registration;
use super::state::TaskRec;
use crate::model::ecs as m;
use crate::services::elbv2;
use crate::services::state::Ctx;

/// A service names at most this many target groups [R ECS developer guide:
/// "up to five target groups per service"].
const MAX_TARGET_GROUPS: usize = 5;

/// The service's name, from its key (`<cluster>/<service>`).
fn service_name(key: &str) -> &str {
    key.rsplit('/').next().unwrap_or(key)
}

/// Checks `loadBalancers` and `healthCheckGracePeriodSeconds` of
/// CreateService/UpdateService against ELBv2 and the task definition.
pub(super) fn check(
    ctx: &Ctx,
    def: &m::TaskDefinition,
    lbs: &[m::LoadBalancer],
    grace: Option<i32>,
) -> R<()> {
    if lbs.is_empty() {
        if grace.is_some() {
            // [R gh: terraform-provider-aws issues quote it]
            return Err(invalid(
                "Health check grace period is only valid for services configured to use load balancers",
            ));
        }
        return Ok(());
    }
    if grace.is_some_and(|g| g < 0) {
        // [U] wording
        return Err(invalid("healthCheckGracePeriodSeconds must be 0 or more."));
    }
    if lbs.len() > MAX_TARGET_GROUPS {
        // [U] wording
        return Err(invalid(format!(
            "A service can have at most {MAX_TARGET_GROUPS} load balancer target groups."
        )));
    }
    let mode = def.network_mode.as_deref().unwrap_or("bridge");
    for lb in lbs {
        let Some(tg_arn) = lb.target_group_arn.as_deref() else {
            // A Classic Load Balancer by name: awsemu has none, and AWS says
            // this of one that does not exist [R gh: amazon-ecs-agent#647].
            return Err(invalid(format!(
                "The load balancer {} does not exist.",
                lb.load_balancer_name.as_deref().unwrap_or("")
            )));
        };
        let Some(tg) = ctx.acct().elbv2.target_groups.get(tg_arn) else {
            // What ECS answers for a target group it cannot find (a name
            // instead of an ARN, another Region) [R gh].
            return Err(invalid(
                "Unable to assume role and validate the specified targetGroupArn. Please verify that the ECS service role being passed has the proper permissions.",
            ));
        };
        if ctx.acct().elbv2.load_balancers_of(tg_arn).is_empty() {
            // [R gh: many Terraform issues quote it]
            return Err(invalid(format!(
                "The target group with targetGroupArn {tg_arn} does not have an associated load balancer."
            )));
        }
        let fits = match tg.target_type.as_str() {
            "ip" => mode == "awsvpc",
            "instance" => mode != "awsvpc",
            _ => false,
        };
        if !fits {
            // [R for an instance group and awsvpc; the others by analogy, U]
            return Err(invalid(format!(
                "The provided target group {tg_arn} has target type {}, which is incompatible with the {mode} network mode specified in the task definition.",
                tg.target_type
            )));
        }
        let name = lb.container_name.clone().unwrap_or_default();
        let Some(container) = def
            .container_definitions
            .iter()
            .flatten()
            .find(|c| c.name.as_deref() == Some(name.as_str()))
        else {
            return Err(invalid(format!(
                "The container {name} does not exist in the task definition."
            )));
        };
        let port = lb.container_port.unwrap_or(0);
        if !container
            .port_mappings
            .iter()
            .flatten()
            .any(|p| p.container_port == Some(port))
        {
            return Err(invalid(format!(
                "The container {name} did not have a container port {port} defined."
            )));
        }
    }
    Ok(())
}

/// The target a task is for a container port: an awsvpc task's private IP
/// on the container port; a `bridge` or `host` task's EC2 instance on the
/// host port the container's port is bound to (an `instance` target group).
fn target_of(ctx: &Ctx, t: &TaskRec, container: &str, port: i32) -> Option<(String, i32)> {
    if let Some(eni) = &t.eni {
        let ip = ctx
            .acct()
            .ec2
            .enis
            .get(eni.as_str())?
            .private_ip
            .to_string();
        return Some((ip.to_string(), port));
    }
    let placed = t.placed.as_ref()?;
    let instance = ctx.acct().ecs.container_instances.get(&placed.instance)?;
    let host_port = t
        .model
        .shape
        .containers
        .iter()
        .flatten()
        .zip(&t.model.containers)
        .filter(|(c, _)| c.name.as_deref() == Some(container))
        .flat_map(|(_, c)| c.network_bindings.iter().flatten())
        .find(|b| b.container_port == Some(port))
        .and_then(|b| b.host_port)?;
    Some((instance.ec2_instance_id.clone(), host_port))
}

/// Registers a service's task that has just started running in the
/// service's target groups (see `target_of`), saying so in the service's
/// events; gives the grace period (AWS milliseconds) when anything was
/// registered.
pub(super) fn register(ctx: &mut Ctx, task_id: &str) -> Option<i64> {
    let t = ctx.acct().ecs.tasks.get(task_id)?;
    let key = t.service.clone()?;
    let svc = &ctx.acct().ecs.services.get(&key)?.model;
    // A task set's task goes to the task set's own target groups.
    let lbs = ctx
        .acct()
        .ecs
        .task_sets
        .values()
        .find(|s| {
            s.service == key && s.model.id.is_some() && s.model.id == t.model.shape.started_by
        })
        .map(|s| s.model.load_balancers.clone())
        .unwrap_or_else(|| svc.load_balancers.clone())
        .unwrap_or_default();
    // A blue/green deployment's tasks go to its own target group of the
    // two (blue_green.rs).
    let swaps: Vec<(String, String)> = ctx
        .acct()
        .ecs
        .service_deployments
        .values()
        .filter(|r| r.service == key && Some(&r.deployment_id) == t.model.shape.started_by.as_ref())
        .filter_map(|r| r.blue_green.as_ref())
        .flat_map(|b| b.target_groups.clone())
        .collect();
    let lbs: Vec<m::LoadBalancer> = lbs
        .into_iter()
        .map(|mut lb| {
            if let Some((_, to)) = swaps
                .iter()
                .find(|(from, _)| Some(from) == lb.target_group_arn.as_ref())
            {
                lb.target_group_arn = Some(to.clone());
            }
            lb
        })
        .collect();
    let grace = svc.health_check_grace_period_seconds.unwrap_or(0);
    let name = service_name(&key).to_string();
    let mut done = Vec::new();
    for lb in lbs {
        let (Some(tg), Some(port)) = (lb.target_group_arn, lb.container_port) else {
            continue;
        };
        let container = lb.container_name.clone().unwrap_or_default();
        let Some((target, port)) = ctx
            .acct()
            .ecs
            .tasks
            .get(task_id)
            .and_then(|t| target_of(ctx, t, &container, port))
        else {
            continue;
        };
        match elbv2::register_one(ctx, &tg, &target, port) {
            Ok(()) => {
                push_event(
                    ctx,
                    &key,
                    format!("(service {name}) registered 1 targets in (target-group {tg})"),
                );
                done.push(Registration {
                    target_group_arn: tg,
                    id: target,
                    port,
                    container,
                });
            }
            Err(e) => push_event(
                ctx,
                &key,
                format!(
                    "(service {name}) failed to register targets in (target-group {tg}) with (error {})",
                    e.message
                ),
            ),
        }
    }
    if done.is_empty() {
        return None;
    }
    if let Some(t) = ctx.acct_mut().ecs.tasks.get_mut(task_id) {
        t.targets = done;
    }
    Some(i64::from(grace) * 1000)
}

/// Deregisters a stopping task's targets (they drain), saying so in its
/// service's events; gives how long they drain (AWS milliseconds), which
/// the task waits in `DEACTIVATING`.
pub(super) fn deregister(ctx: &mut Ctx, task_id: &str) -> i64 {
    let Some(t) = ctx.acct_mut().ecs.tasks.get_mut(task_id) else {
        return 0;
    };
    let regs = std::mem::take(&mut t.targets);
    let Some(key) = t.service.clone().filter(|_| !regs.is_empty()) else {
        return 0;
    };
    let name = service_name(&key).to_string();
    push_event(
        ctx,
        &key,
        format!("(service {name}) has begun draining connections on 1 tasks."),
    );
    let mut drain = 0;
    for r in regs {
        // A group or target deleted meanwhile has nothing to drain.
        if let Ok(ms) = elbv2::deregister_one(ctx, &r.target_group_arn, &r.id, r.port) {
            drain = drain.max(ms);
            push_event(
                ctx,
                &key,
                format!(
                    "(service {name}) deregistered 1 targets in (target-group {})",
                    r.target_group_arn
                ),
            );
        }
    }
    drain
}

/// What a running task's targets tell its service.
#[derive(Debug, PartialEq)]
pub(super) enum Health {
    /// No target, or every target past its first checks and not failing.
    Ready,
    /// A target is in its first checks, or failing within the grace period.
    Waiting,
    /// A target fails its health checks after the grace period.
    Unhealthy(Registration),
}

pub(super) fn health(ctx: &Ctx, t: &TaskRec, grace_seconds: i32) -> Health {
    let started = t.model.started_at.map_or(0, |s| s.millis());
    let grace_ms = ctx
        .world
        .clock
        .pace()
        .delay_ms(i64::from(grace_seconds) * 1000);
    let mut out = Health::Ready;
    for r in &t.targets {
        match elbv2::target_state(ctx, &r.target_group_arn, &r.id, r.port) {
            Some("unhealthy") if ctx.now().millis() >= started + grace_ms => {
                return Health::Unhealthy(r.clone());
            }
            Some("initial" | "unhealthy") => out = Health::Waiting,
            _ => {}
        }
    }
    out
}

/// The services with a task registered in the target group (`<cluster>/<service>`).
pub(super) fn services_using(ctx: &Ctx, tg_arn: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in ctx.acct().ecs.tasks.values() {
        if let Some(s) = &t.service {
            if t.targets.iter().any(|r| r.target_group_arn == tg_arn) && !out.contains(s) {
                out.push(s.clone());
            }
        }
    }
    out
}
