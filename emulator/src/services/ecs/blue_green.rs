//! ECS native blue/green deployments (`deploymentConfiguration.strategy`
//! `BLUE_GREEN`): the checks of CreateService/UpdateService (strategy, bake
//! time, lifecycle hooks, the load balancers' `advancedConfiguration`), the
//! walk of a deployment through its lifecycle stages on the world clock,
//! the listener rules' weights moving from the blue target group to the
//! green one, PAUSE hooks and ContinueServiceDeployment (developer guide
//! "Amazon ECS blue/green deployments", "Lifecycle hooks for Amazon ECS
//! service deployments", "Pause hooks", "Continuing service deployments";
//! model: DeploymentLifecycleHook, ServiceDeploymentLifecycleStage).
//!
//! The rolling scheduler (services.rs) starts and stops the tasks; this
//! file says when it may (`gate`): green tasks start at SCALE_UP, blue ones
//! stop at CLEAN_UP, and the deployment completes only then. Rollback is
//! the rolling one (service_deployments::roll_back: blue becomes PRIMARY
//! again, green's tasks stop); the walk returns the traffic to blue.

use super::common::{invalid, push_event, R};
use super::service_deployments;
use super::state::BlueGreen;
use super::tasks::Watch;
use crate::model::ecs as m;
use crate::services::state::Ctx;
use crate::wire::{AwsError, Timestamp};

/// The walk's steps: the lifecycle stages, with the hook stage
/// PRE_PRODUCTION_TRAFFIC_SHIFT before the production traffic shift.
const STEPS: [&str; 11] = [
    "RECONCILE_SERVICE",
    "PRE_SCALE_UP",
    "SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRE_PRODUCTION_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
    "BAKE_TIME",
    "CLEAN_UP",
];
const SCALE_UP: usize = 2;
const TEST_SHIFT: usize = 4;
const PROD_SHIFT: usize = 7;
const BAKE: usize = 9;
const CLEAN_UP: usize = 10;

/// The stages a hook may run at [R model: DeploymentLifecycleHookStage].
const HOOK_STAGES: [&str; 8] = [
    "RECONCILE_SERVICE",
    "PRE_SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRE_PRODUCTION_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
];

/// The default hook timeout [R model: DeploymentLifecycleHookTimeoutConfiguration
/// "Default: 1440 (24 hours)"] and its bounds [R model: DeploymentLifecycleHookDuration].
const DEFAULT_TIMEOUT_MINUTES: i32 = 1440;
const MAX_TIMEOUT_MINUTES: i32 = 20160;
/// Bake time bounds [U: 0 to 1440 like the linear and canary bake times].
const MAX_BAKE_MINUTES: i32 = 1440;

fn strategy(cfg: Option<&m::DeploymentConfiguration>) -> &str {
    cfg.and_then(|c| c.strategy.as_deref()).unwrap_or("ROLLING")
}

fn is_arn(s: &str, service: &str) -> bool {
    s.starts_with(&format!("arn:aws:{service}:")) && s.split(':').count() >= 6
}

/// Checks the deployment configuration and load balancers of
/// CreateService/UpdateService for blue/green deployments.
pub(super) fn check(
    ctx: &Ctx,
    cfg: Option<&m::DeploymentConfiguration>,
    lbs: &[m::LoadBalancer],
) -> R<()> {
    let kind = strategy(cfg);
    if !matches!(kind, "ROLLING" | "BLUE_GREEN" | "LINEAR" | "CANARY") {
        // [R model: DeploymentStrategy; U wording]
        return Err(invalid(format!(
            "Invalid deployment strategy {kind}. Valid values are ROLLING, BLUE_GREEN, LINEAR and CANARY."
        )));
    }
    if let Some(c) = cfg {
        // [R model: "Only valid when the deployment strategy is LINEAR/CANARY"]
        if c.linear_configuration.is_some() && kind != "LINEAR" {
            return Err(invalid(
                "linearConfiguration is only valid when the deployment strategy is LINEAR.",
            ));
        }
        if c.canary_configuration.is_some() && kind != "CANARY" {
            return Err(invalid(
                "canaryConfiguration is only valid when the deployment strategy is CANARY.",
            ));
        }
        if let Some(l) = &c.linear_configuration {
            // [R model LinearConfiguration: multiples of 0.1 from 3.0 to 100.0; 0–1440]
            let p = l.step_percent.unwrap_or(10.0);
            if !(3.0..=100.0).contains(&p) || ((p * 10.0).round() - p * 10.0).abs() > 1e-6 {
                return Err(invalid(
                    "stepPercent must be a multiple of 0.1 from 3.0 to 100.0.",
                ));
            }
            if !(0..=1440).contains(&l.step_bake_time_in_minutes.unwrap_or(6)) {
                return Err(invalid("stepBakeTimeInMinutes must be between 0 and 1440."));
            }
        }
        if let Some(k) = &c.canary_configuration {
            // [R model CanaryConfiguration: multiples of 0.1 from 0.1 to 100.0; 0–1440]
            let p = k.canary_percent.unwrap_or(5.0);
            if !(0.1..=100.0).contains(&p) || ((p * 10.0).round() - p * 10.0).abs() > 1e-6 {
                return Err(invalid(
                    "canaryPercent must be a multiple of 0.1 from 0.1 to 100.0.",
                ));
            }
            if !(0..=1440).contains(&k.canary_bake_time_in_minutes.unwrap_or(10)) {
                return Err(invalid(
                    "canaryBakeTimeInMinutes must be between 0 and 1440.",
                ));
            }
        }
        if let Some(b) = c.bake_time_in_minutes {
            if !(0..=MAX_BAKE_MINUTES).contains(&b) {
                return Err(invalid(format!(
                    "bakeTimeInMinutes must be between 0 and {MAX_BAKE_MINUTES}."
                )));
            }
        }
        if kind == "BLUE_GREEN" && c.bake_time_in_minutes.is_none() {
            // [R model DeploymentConfiguration.bakeTimeInMinutes: "You must
            // provide this parameter when you use the BLUE_GREEN deployment
            // strategy."]
            return Err(invalid(
                "bakeTimeInMinutes must be provided when the deployment strategy is BLUE_GREEN.",
            ));
        }
        let hooks = c.lifecycle_hooks.as_deref().unwrap_or_default();
        if !hooks.is_empty() && kind == "ROLLING" {
            // [U] AWS documents hooks with blue/green, linear and canary
            return Err(invalid(
                "Lifecycle hooks are only supported with the BLUE_GREEN, LINEAR and CANARY deployment strategies.",
            ));
        }
        for h in hooks {
            check_hook(h)?;
        }
    }
    for lb in lbs {
        if let Some(a) = &lb.advanced_configuration {
            check_advanced(ctx, lb, a)?;
        } else if kind != "ROLLING" && lb.target_group_arn.is_some() {
            // [R developer guide "Required resources for Amazon ECS
            // blue/green deployments": an alternate target group and
            // listener rules; U wording]
            return Err(invalid(format!(
                "advancedConfiguration is required for load balancer target group {} when the deployment strategy is {kind}.",
                lb.target_group_arn.as_deref().unwrap_or("")
            )));
        }
    }
    if matches!(kind, "LINEAR" | "CANARY") {
        // Validated above; the stepwise traffic shift is not walked.
        return Err(AwsError::new(
            "UnsupportedFeatureException",
            format!("awsemu runs ROLLING and BLUE_GREEN service deployments: the {kind} strategy is not emulated."),
        ));
    }
    Ok(())
}

fn check_hook(h: &m::DeploymentLifecycleHook) -> R<()> {
    let kind = h.target_type.as_deref().unwrap_or("AWS_LAMBDA");
    let stages = h.lifecycle_stages.as_deref().unwrap_or_default();
    match kind {
        "AWS_LAMBDA" => {
            // [R model: "You must provide this parameter when configuring an
            // AWS_LAMBDA lifecycle hook."]
            let target = h.hook_target_arn.as_deref().unwrap_or("");
            if target.is_empty() {
                return Err(invalid(
                    "hookTargetArn must be provided for an AWS_LAMBDA lifecycle hook.",
                ));
            }
            if !is_arn(target, "lambda") {
                return Err(invalid(format!(
                    "Invalid hookTargetArn {target}: expected a Lambda function ARN."
                )));
            }
            // [R model DeploymentLifecycleHook.roleArn: the role ECS calls
            // Lambda with; U that it is required]
            if !h.role_arn.as_deref().is_some_and(|r| is_arn(r, "iam")) {
                return Err(invalid(
                    "roleArn must be an IAM role ARN for an AWS_LAMBDA lifecycle hook.",
                ));
            }
        }
        "PAUSE" => {
            // [R model: hookTargetArn "is not applicable for PAUSE hooks"]
            if h.hook_target_arn.is_some() {
                return Err(invalid("hookTargetArn is not applicable for PAUSE hooks."));
            }
            // [R model: "PAUSE hooks cannot be configured at
            // TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT stages."]
            if let Some(s) = stages.iter().find(|s| {
                matches!(
                    s.as_str(),
                    "TEST_TRAFFIC_SHIFT" | "PRODUCTION_TRAFFIC_SHIFT"
                )
            }) {
                return Err(invalid(format!(
                    "PAUSE hooks cannot be configured at the {s} lifecycle stage. This stage is only valid for AWS_LAMBDA hooks."
                )));
            }
        }
        other => {
            return Err(invalid(format!(
                "Invalid lifecycle hook targetType {other}. Valid values are AWS_LAMBDA and PAUSE."
            )))
        }
    }
    // [R model: lifecycleStages "You must provide this parameter"]
    if stages.is_empty() {
        return Err(invalid(
            "lifecycleStages must be provided for a deployment lifecycle hook.",
        ));
    }
    if let Some(s) = stages.iter().find(|s| !HOOK_STAGES.contains(&s.as_str())) {
        return Err(invalid(format!("Invalid lifecycle stage {s}.")));
    }
    if let Some(t) = &h.timeout_configuration {
        let minutes = t.timeout_in_minutes.unwrap_or(DEFAULT_TIMEOUT_MINUTES);
        if !(1..=MAX_TIMEOUT_MINUTES).contains(&minutes) {
            return Err(invalid(format!(
                "timeoutInMinutes must be between 1 and {MAX_TIMEOUT_MINUTES}."
            )));
        }
    }
    Ok(())
}

/// A rule ARN or a listener ARN (Network Load Balancers), and the load
/// balancer it belongs to.
fn listener_lb(ctx: &Ctx, arn: &str) -> Option<String> {
    let st = &ctx.acct().elbv2;
    let listener = match st.rules.get(arn) {
        Some(r) => r.listener_arn.as_str(),
        None => arn,
    };
    st.listeners
        .get(listener)
        .map(|l| l.load_balancer_arn.clone())
}

fn forwards(ctx: &Ctx, rule: &str, tg: &str) -> bool {
    let st = &ctx.acct().elbv2;
    let actions = match st.rules.get(rule) {
        Some(r) => &r.actions,
        None => match st.listeners.get(rule) {
            Some(l) => &l.default_actions,
            None => return false,
        },
    };
    actions
        .iter()
        .any(|a| a.target_groups().iter().any(|t| *t == tg))
}

fn check_advanced(ctx: &Ctx, lb: &m::LoadBalancer, a: &m::AdvancedConfiguration) -> R<()> {
    let tg = lb.target_group_arn.as_deref().unwrap_or("");
    let st = &ctx.acct().elbv2;
    // [R model AdvancedConfiguration; U wordings]
    let alt = a.alternate_target_group_arn.as_deref().unwrap_or("");
    if alt.is_empty() {
        return Err(invalid(
            "advancedConfiguration.alternateTargetGroupArn must be provided.",
        ));
    }
    let Some(alt_tg) = st.target_groups.get(alt) else {
        return Err(invalid(format!(
            "The alternate target group {alt} does not exist."
        )));
    };
    if alt == tg {
        return Err(invalid(
            "The alternate target group must be different from the target group.",
        ));
    }
    if let Some(primary) = st.target_groups.get(tg) {
        if primary.target_type != alt_tg.target_type {
            return Err(invalid(format!(
                "The alternate target group {alt} has target type {}, which differs from target type {} of the target group {tg}.",
                alt_tg.target_type, primary.target_type
            )));
        }
    }
    let prod = a.production_listener_rule.as_deref().unwrap_or("");
    if prod.is_empty() {
        return Err(invalid(
            "advancedConfiguration.productionListenerRule must be provided.",
        ));
    }
    let Some(prod_lb) = listener_lb(ctx, prod) else {
        return Err(invalid(format!(
            "The production listener rule {prod} does not exist."
        )));
    };
    if !forwards(ctx, prod, tg) && !forwards(ctx, prod, alt) {
        return Err(invalid(format!(
            "The production listener rule {prod} does not forward to the target group {tg}."
        )));
    }
    if let Some(test) = a.test_listener_rule.as_deref() {
        match listener_lb(ctx, test) {
            None => {
                return Err(invalid(format!(
                    "The test listener rule {test} does not exist."
                )))
            }
            Some(l) if l != prod_lb => {
                return Err(invalid(format!(
                    "The test listener rule {test} must belong to the load balancer of the production listener rule."
                )))
            }
            Some(_) => {}
        }
    }
    if !a.role_arn.as_deref().is_some_and(|r| is_arn(r, "iam")) {
        return Err(invalid(
            "advancedConfiguration.roleArn must be an IAM role ARN that lets Amazon ECS manage the load balancer.",
        ));
    }
    Ok(())
}

/// What the scheduler may do for the service's PRIMARY deployment.
pub(super) struct Gate {
    /// Start its tasks.
    pub launch: bool,
    /// Stop the other deployments' tasks.
    pub retire_old: bool,
    /// Mark it COMPLETED once steady.
    pub complete: bool,
}

const OPEN: Gate = Gate {
    launch: true,
    retire_old: true,
    complete: true,
};

fn record_of(ctx: &Ctx, key: &str, deployment: &str) -> Option<String> {
    ctx.acct()
        .ecs
        .service_deployments
        .iter()
        .filter(|(_, r)| r.service == key && r.deployment_id == deployment)
        .max_by_key(|(_, r)| r.model.created_at.map_or(0, |c| c.millis()))
        .map(|(a, _)| a.clone())
}

pub(super) fn gate(ctx: &Ctx, key: &str, primary: &str) -> Gate {
    let Some(a) = record_of(ctx, key, primary) else {
        return OPEN;
    };
    let r = &ctx.acct().ecs.service_deployments[&a];
    match &r.blue_green {
        Some(bg) if bg.blue.is_some() && !bg.over && r.rollback_to.is_none() => Gate {
            launch: bg.step >= SCALE_UP,
            retire_old: bg.step >= CLEAN_UP,
            complete: bg.step >= CLEAN_UP,
        },
        _ => OPEN,
    }
}

/// Walks the service's blue/green deployments as far as they can go;
/// services.rs calls it with its scheduler as `watch`.
pub(super) fn walk(ctx: &mut Ctx, key: &str, watch: Watch) {
    let Some(svc) = ctx.acct().ecs.services.get(key).cloned() else {
        return;
    };
    if svc.model.status.as_deref() != Some("ACTIVE") {
        return;
    }
    let ds = svc.model.deployments.clone().unwrap_or_default();
    let primary = ds.first().and_then(|d| d.id.clone()).unwrap_or_default();
    // Walks that ended: rolled back (ContinueServiceDeployment, a hook's
    // timeout, StopServiceDeployment, the circuit breaker) or superseded.
    let ended: Vec<String> = ctx
        .acct()
        .ecs
        .service_deployments
        .iter()
        .filter(|(_, r)| r.service == key)
        .filter(|(_, r)| {
            r.blue_green
                .as_ref()
                .is_some_and(|b| b.blue.is_some() && !b.over)
        })
        .filter(|(_, r)| r.rollback_to.is_some() || r.deployment_id != primary)
        .map(|(a, _)| a.clone())
        .collect();
    for a in ended {
        let back = ctx.acct().ecs.service_deployments[&a].rollback_to.is_some();
        if back {
            shift(ctx, &a, Rule::Production, false);
            shift(ctx, &a, Rule::Test, false);
        }
        if let Some(r) = ctx.acct_mut().ecs.service_deployments.get_mut(&a) {
            for h in r.model.lifecycle_hook_details.iter_mut().flatten() {
                if matches!(h.status.as_deref(), Some("AWAITING_ACTION" | "IN_PROGRESS")) {
                    // [U] a hook the deployment left behind
                    h.status = Some("FAILED".into());
                }
            }
            if let Some(bg) = r.blue_green.as_mut() {
                bg.over = true;
            }
        }
    }
    let Some(a) = record_of(ctx, key, &primary) else {
        return;
    };
    let rec = &ctx.acct().ecs.service_deployments[&a];
    if rec.rollback_to.is_some() || rec.model.status.as_deref() != Some("IN_PROGRESS") {
        return;
    }
    if rec.blue_green.is_none() {
        if strategy(rec.model.deployment_configuration.as_ref()) != "BLUE_GREEN" {
            return;
        }
        start(ctx, key, &a, &svc, &ds, watch);
    }
    advance(ctx, key, &a, watch);
}

/// A new blue/green deployment: its target groups, the production rule
/// sending all to blue, and its first stage.
fn start(
    ctx: &mut Ctx,
    key: &str,
    a: &str,
    svc: &super::state::ServiceRec,
    ds: &[m::Deployment],
    watch: Watch,
) {
    // Blue: the last deployment that completed. A new service has none:
    // its first deployment just starts its tasks [U].
    let blue = ds
        .iter()
        .skip(1)
        .find(|d| d.rollout_state.as_deref() == Some("COMPLETED"))
        .and_then(|d| d.id.clone());
    let Some(blue) = blue else {
        if let Some(r) = ctx.acct_mut().ecs.service_deployments.get_mut(a) {
            r.blue_green = Some(BlueGreen {
                over: true,
                ..Default::default()
            });
        }
        return;
    };
    // Green's tasks go to whichever of the two target groups blue's do not.
    let blue_groups = record_of(ctx, key, &blue)
        .and_then(|b| ctx.acct().ecs.service_deployments[&b].blue_green.clone())
        .map(|b| b.target_groups)
        .unwrap_or_default();
    let mut groups = Vec::new();
    for lb in svc.model.load_balancers.iter().flatten() {
        let (Some(tg), Some(alt)) = (
            lb.target_group_arn.clone(),
            lb.advanced_configuration
                .as_ref()
                .and_then(|c| c.alternate_target_group_arn.clone()),
        ) else {
            continue;
        };
        let blue_tg = blue_groups
            .iter()
            .find(|(c, _)| *c == tg)
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| tg.clone());
        let green_tg = if blue_tg == tg { alt } else { tg.clone() };
        groups.push((tg, green_tg));
    }
    // RECONCILE_SERVICE only happens with more than one ACTIVE revision [R
    // model DeploymentLifecycleHook.lifecycleStages].
    let first = if ds.len() > 2 { 0 } else { 1 };
    if let Some(r) = ctx.acct_mut().ecs.service_deployments.get_mut(a) {
        r.blue_green = Some(BlueGreen {
            blue: Some(blue),
            step: first,
            target_groups: groups,
            ..Default::default()
        });
        r.model.lifecycle_hook_details = Some(vec![]);
    }
    // The production rule forwards to both groups, all to blue [U: ECS
    // manages the weights].
    shift(ctx, a, Rule::Production, false);
    enter(ctx, key, a, first, watch);
}

/// Moves on while the step's hooks are done and its work is.
fn advance(ctx: &mut Ctx, key: &str, a: &str, watch: Watch) {
    loop {
        let Some(r) = ctx.acct().ecs.service_deployments.get(a) else {
            return;
        };
        let Some(bg) = r.blue_green.clone().filter(|b| b.blue.is_some() && !b.over) else {
            return;
        };
        if bg.step >= CLEAN_UP {
            return;
        }
        let hooks_done = bg.hooks.iter().all(|id| {
            r.model
                .lifecycle_hook_details
                .iter()
                .flatten()
                .find(|h| h.hook_id.as_deref() == Some(id))
                .is_some_and(|h| matches!(h.status.as_deref(), Some("SUCCEEDED" | "TIMED_OUT")))
        });
        if !hooks_done || !work_done(ctx, key, r, &bg) {
            return;
        }
        enter(ctx, key, a, bg.step + 1, watch);
    }
}

fn work_done(ctx: &Ctx, key: &str, r: &super::state::ServiceDeploymentRec, bg: &BlueGreen) -> bool {
    match bg.step {
        SCALE_UP => {
            let st = &ctx.acct().ecs;
            let Some(svc) = st.services.get(key) else {
                return false;
            };
            let desired = svc.model.desired_count.unwrap_or(0).max(0) as usize;
            let ready = svc
                .task_ids
                .iter()
                .filter_map(|t| st.tasks.get(t))
                .filter(|t| t.model.shape.started_by.as_deref() == Some(r.deployment_id.as_str()))
                .filter(|t| t.model.desired_status.as_deref() == Some("RUNNING"))
                .filter(|t| t.model.last_status.as_deref() == Some("RUNNING"))
                .filter(|t| {
                    t.targets.iter().all(|g| {
                        !matches!(
                            crate::services::elbv2::target_state(
                                ctx,
                                &g.target_group_arn,
                                &g.id,
                                g.port
                            ),
                            Some("initial" | "unhealthy")
                        )
                    })
                })
                .count();
            ready >= desired
        }
        BAKE => {
            let minutes = r
                .model
                .deployment_configuration
                .as_ref()
                .and_then(|c| c.bake_time_in_minutes)
                .unwrap_or(0);
            let ms = ctx.world.clock.pace().delay_ms(i64::from(minutes) * 60_000);
            ctx.now().millis() >= bg.since + ms
        }
        _ => true,
    }
}

/// The stage a step shows (the hook stage before the production shift is
/// still after the test shift [U]).
fn shown(step: usize) -> &'static str {
    match step {
        6 => "POST_TEST_TRAFFIC_SHIFT",
        s => STEPS[s],
    }
}

/// Enters a step: its stage, its work, its hooks.
fn enter(ctx: &mut Ctx, key: &str, a: &str, step: usize, watch: Watch) {
    let now = ctx.now();
    let Some(r) = ctx.acct().ecs.service_deployments.get(a) else {
        return;
    };
    let hooks = r
        .model
        .deployment_configuration
        .as_ref()
        .and_then(|c| c.lifecycle_hooks.clone())
        .unwrap_or_default();
    let bake = r
        .model
        .deployment_configuration
        .as_ref()
        .and_then(|c| c.bake_time_in_minutes)
        .unwrap_or(0);
    let deployment = r.deployment_id.clone();
    let mut details = Vec::new();
    for h in hooks.iter().filter(|h| {
        h.lifecycle_stages
            .iter()
            .flatten()
            .any(|s| s == STEPS[step])
    }) {
        let pause = h.target_type.as_deref() == Some("PAUSE");
        let id = format!(
            "ecs-{}-{}",
            if pause { "pause" } else { "lambda" },
            ctx.world.ids.alnum(43)
        );
        if pause {
            let t = h.timeout_configuration.clone().unwrap_or_default();
            let minutes = t.timeout_in_minutes.unwrap_or(DEFAULT_TIMEOUT_MINUTES);
            let action = t.action.unwrap_or_else(|| "ROLLBACK".into());
            let ms = i64::from(minutes) * 60_000;
            details.push(m::DeploymentLifecycleHookDetail {
                hook_id: Some(id.clone()),
                target_type: Some("PAUSE".into()),
                status: Some("AWAITING_ACTION".into()),
                expires_at: Some(Timestamp::from_millis(now.millis() + ms)),
                timeout_action: Some(action),
                ..Default::default()
            });
            // A timeout is a duration the caller chose, not a transition:
            // the pace does not shorten it.
            let (a2, id2) = (a.to_string(), id.clone());
            ctx.schedule_unscaled(ms, move |ctx| timed_out(ctx, &a2, &id2, watch));
        } else {
            // [U] awsemu runs no Lambda: the hook is invoked nowhere and
            // counts as having answered SUCCEEDED.
            details.push(m::DeploymentLifecycleHookDetail {
                hook_id: Some(id.clone()),
                target_type: Some("AWS_LAMBDA".into()),
                target_arn: h.hook_target_arn.clone(),
                status: Some("SUCCEEDED".into()),
                ..Default::default()
            });
        }
    }
    let paused = details
        .iter()
        .any(|d| d.status.as_deref() == Some("AWAITING_ACTION"));
    if let Some(r) = ctx.acct_mut().ecs.service_deployments.get_mut(a) {
        r.model.lifecycle_stage = Some(shown(step).into());
        r.model.updated_at = Some(now);
        if let Some(bg) = r.blue_green.as_mut() {
            bg.step = step;
            bg.since = now.millis();
            bg.hooks = details.iter().filter_map(|d| d.hook_id.clone()).collect();
            if step >= CLEAN_UP {
                bg.over = true;
            }
        }
        r.model
            .lifecycle_hook_details
            .get_or_insert_with(Vec::new)
            .extend(details);
    }
    match step {
        TEST_SHIFT => shift(ctx, a, Rule::Test, true),
        PROD_SHIFT => shift(ctx, a, Rule::Production, true),
        BAKE => {
            let k = key.to_string();
            ctx.schedule(i64::from(bake) * 60_000, move |ctx| watch(ctx, &k));
        }
        _ => {}
    }
    if paused {
        let name = key.rsplit('/').next().unwrap_or(key).to_string();
        // [U] the event's wording
        push_event(
            ctx,
            key,
            format!(
                "(service {name}) (deployment {deployment}) is paused at lifecycle stage {} awaiting action.",
                STEPS[step]
            ),
        );
    }
}

#[derive(Clone, Copy)]
enum Rule {
    Production,
    Test,
}

/// Sends a listener rule's traffic to green (`to_green`) or back to blue:
/// an Application Load Balancer's forward action weighs the two target
/// groups 0/100; a Network Load Balancer's listener forwards to one.
fn shift(ctx: &mut Ctx, a: &str, which: Rule, to_green: bool) {
    let Some(r) = ctx.acct().ecs.service_deployments.get(a) else {
        return;
    };
    let Some(svc) = ctx.acct().ecs.services.get(&r.service) else {
        return;
    };
    let groups = r
        .blue_green
        .as_ref()
        .map(|b| b.target_groups.clone())
        .unwrap_or_default();
    let mut moves = Vec::new();
    for lb in svc.model.load_balancers.iter().flatten() {
        let (Some(tg), Some(c)) = (lb.target_group_arn.clone(), &lb.advanced_configuration) else {
            continue;
        };
        let alt = c.alternate_target_group_arn.clone().unwrap_or_default();
        let Some(green) = groups
            .iter()
            .find(|(k, _)| *k == tg)
            .map(|(_, g)| g.clone())
        else {
            continue;
        };
        let blue = if green == tg { alt } else { tg };
        let rule = match which {
            Rule::Production => c.production_listener_rule.clone(),
            Rule::Test => c.test_listener_rule.clone(),
        };
        if let Some(rule) = rule {
            moves.push((rule, blue, green));
        }
    }
    let weight = if to_green { 100.0 } else { 0.0 };
    for (rule, blue, green) in moves {
        let alb = listener_lb(ctx, &rule)
            .and_then(|l| {
                ctx.acct()
                    .elbv2
                    .load_balancers
                    .get(&l)
                    .map(|l| l.lb_type.clone())
            })
            .is_some_and(|t| t == "application");
        let st = &mut ctx.acct_mut().elbv2;
        let actions = match st.rules.get_mut(&rule) {
            Some(r) => &mut r.actions,
            None => match st.listeners.get_mut(&rule) {
                Some(l) => &mut l.default_actions,
                None => continue,
            },
        };
        let Some(f) = actions.iter_mut().find(|x| x.action_type == "forward") else {
            continue;
        };
        let (to, from) = if to_green {
            (&green, &blue)
        } else {
            (&blue, &green)
        };
        if alb {
            let mut out: Vec<(String, Option<i32>)> = Vec::new();
            for (g, w) in &f.forward {
                if g == to {
                    out.push((g.clone(), Some(100)));
                } else if g == from {
                    out.push((g.clone(), Some(0)));
                } else {
                    out.push((g.clone(), *w));
                }
            }
            for (g, w) in [(&blue, 100 - weight as i32), (&green, weight as i32)] {
                if !out.iter().any(|(x, _)| x == g) {
                    out.push((g.clone(), Some(w)));
                }
            }
            f.target_group_arn = (out.len() == 1).then(|| out[0].0.clone());
            f.forward = out;
        } else {
            f.target_group_arn = Some(to.clone());
            f.forward = vec![(to.clone(), Some(1))];
        }
    }
    if let Some(r) = ctx.acct_mut().ecs.service_deployments.get_mut(a) {
        let set = |s: &mut m::ServiceRevisionSummary, w: f64| match which {
            Rule::Production => s.requested_production_traffic_weight = Some(w),
            Rule::Test => s.requested_test_traffic_weight = Some(w),
        };
        if let Some(t) = r.model.target_service_revision.as_mut() {
            set(t, weight);
        }
        for s in r.model.source_service_revisions.iter_mut().flatten() {
            set(s, 100.0 - weight);
        }
    }
}

/// Rolls a paused blue/green deployment back to blue.
fn roll_back(ctx: &mut Ctx, a: &str, reason: &str, watch: Watch) {
    let Some(r) = ctx.acct().ecs.service_deployments.get(a).cloned() else {
        return;
    };
    if let Some(to) = service_deployments::roll_back(ctx, &r.service, &r.deployment_id, reason) {
        let name = r.service.rsplit('/').next().unwrap_or("").to_string();
        push_event(
            ctx,
            &r.service,
            format!("(service {name}) rolling back to deployment {to}."),
        );
    }
    watch(ctx, &r.service);
}

/// A PAUSE hook's timeout passed: its timeout action.
fn timed_out(ctx: &mut Ctx, a: &str, hook: &str, watch: Watch) {
    let Some(r) = ctx.acct_mut().ecs.service_deployments.get_mut(a) else {
        return;
    };
    let Some(h) = r
        .model
        .lifecycle_hook_details
        .iter_mut()
        .flatten()
        .find(|h| h.hook_id.as_deref() == Some(hook))
        .filter(|h| h.status.as_deref() == Some("AWAITING_ACTION"))
    else {
        return;
    };
    h.status = Some("TIMED_OUT".into());
    let action = h
        .timeout_action
        .clone()
        .unwrap_or_else(|| "ROLLBACK".into());
    let service = r.service.clone();
    if action == "ROLLBACK" {
        // [U] wording
        roll_back(
            ctx,
            a,
            "Service deployment rolled back because a lifecycle hook timed out.",
            watch,
        );
    } else {
        watch(ctx, &service);
    }
}

fn not_found() -> AwsError {
    // [U] wording
    AwsError::new(
        "ServiceDeploymentNotFoundException",
        "The service deployment does not exist.",
    )
}

/// ContinueServiceDeployment: CONTINUE (the default) lets the deployment
/// past the paused hook; ROLLBACK returns the service and its traffic to
/// blue [R API reference ContinueServiceDeployment; developer guide
/// "Continuing service deployments": the hook AWAITING_ACTION, the
/// deployment IN_PROGRESS].
pub(super) fn continue_(
    ctx: &mut Ctx,
    i: m::ContinueServiceDeploymentRequest,
    watch: Watch,
) -> R<m::ContinueServiceDeploymentResponse> {
    let a = i.service_deployment_arn.unwrap_or_default();
    let Some(rec) = ctx.acct().ecs.service_deployments.get(&a).cloned() else {
        return Err(not_found());
    };
    let action = i.action.unwrap_or_else(|| "CONTINUE".into());
    if !matches!(action.as_str(), "CONTINUE" | "ROLLBACK") {
        return Err(invalid(format!(
            "Invalid action {action}. Valid values are CONTINUE and ROLLBACK."
        )));
    }
    let status = rec.model.status.clone().unwrap_or_default();
    if status != "IN_PROGRESS" {
        // [U] wording
        return Err(invalid(format!(
            "The service deployment is {status}. Only a service deployment that is IN_PROGRESS can be continued."
        )));
    }
    let hook = i.hook_id.unwrap_or_default();
    let paused = rec.model.lifecycle_hook_details.iter().flatten().any(|h| {
        h.hook_id.as_deref() == Some(hook.as_str())
            && h.status.as_deref() == Some("AWAITING_ACTION")
    });
    if !paused {
        // [U] wording
        return Err(invalid(format!(
            "The service deployment has no lifecycle hook {hook} in AWAITING_ACTION status."
        )));
    }
    let now = ctx.now();
    if let Some(r) = ctx.acct_mut().ecs.service_deployments.get_mut(&a) {
        r.model.updated_at = Some(now);
        if let Some(h) = r
            .model
            .lifecycle_hook_details
            .iter_mut()
            .flatten()
            .find(|h| h.hook_id.as_deref() == Some(hook.as_str()))
        {
            // [U] a hook answered ROLLBACK counts as failed, as a Lambda
            // hook's FAILED rolls back
            h.status = Some(
                if action == "CONTINUE" {
                    "SUCCEEDED"
                } else {
                    "FAILED"
                }
                .into(),
            );
        }
    }
    if action == "ROLLBACK" {
        roll_back(
            ctx,
            &a,
            "Service deployment rolled back because of a ContinueServiceDeployment ROLLBACK action.",
            watch,
        );
    } else {
        watch(ctx, &rec.service);
    }
    Ok(m::ContinueServiceDeploymentResponse {
        service_deployment_arn: Some(a),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hook(
        kind: Option<&str>,
        target: Option<&str>,
        stages: &[&str],
    ) -> m::DeploymentLifecycleHook {
        m::DeploymentLifecycleHook {
            target_type: kind.map(str::to_string),
            hook_target_arn: target.map(str::to_string),
            role_arn: Some("arn:aws:iam::123456789012:role/hooks".into()),
            lifecycle_stages: Some(stages.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        }
    }

    #[test]
    fn hook_checks() {
        let lambda = "arn:aws:lambda:us-east-1:123456789012:function:f";
        assert!(check_hook(&hook(Some("PAUSE"), None, &["POST_SCALE_UP"])).is_ok());
        assert!(check_hook(&hook(None, Some(lambda), &["TEST_TRAFFIC_SHIFT"])).is_ok());
        // PAUSE is not allowed at the traffic shifts; Lambda needs its ARN.
        assert!(check_hook(&hook(Some("PAUSE"), None, &["TEST_TRAFFIC_SHIFT"])).is_err());
        assert!(check_hook(&hook(Some("PAUSE"), None, &["PRODUCTION_TRAFFIC_SHIFT"])).is_err());
        assert!(check_hook(&hook(None, None, &["POST_SCALE_UP"])).is_err());
        assert!(check_hook(&hook(Some("PAUSE"), Some(lambda), &["POST_SCALE_UP"])).is_err());
        assert!(check_hook(&hook(Some("PAUSE"), None, &[])).is_err());
        assert!(check_hook(&hook(Some("PAUSE"), None, &["BAKE_TIME"])).is_err());
    }

    #[test]
    fn steps_are_the_model_stages() {
        // Every step but the hook stage before the production shift is a
        // ServiceDeploymentLifecycleStage, in the model's order.
        let shown: Vec<&str> = (0..STEPS.len()).filter(|s| *s != 6).map(shown).collect();
        assert_eq!(
            shown,
            [
                "RECONCILE_SERVICE",
                "PRE_SCALE_UP",
                "SCALE_UP",
                "POST_SCALE_UP",
                "TEST_TRAFFIC_SHIFT",
                "POST_TEST_TRAFFIC_SHIFT",
                "PRODUCTION_TRAFFIC_SHIFT",
                "POST_PRODUCTION_TRAFFIC_SHIFT",
                "BAKE_TIME",
                "CLEAN_UP"
            ]
        );
        assert_eq!(STEPS[SCALE_UP], "SCALE_UP");
        assert_eq!(STEPS[TEST_SHIFT], "TEST_TRAFFIC_SHIFT");
        assert_eq!(STEPS[PROD_SHIFT], "PRODUCTION_TRAFFIC_SHIFT");
        assert_eq!(STEPS[BAKE], "BAKE_TIME");
        assert_eq!(STEPS[CLEAN_UP], "CLEAN_UP");
    }
}
