//! EC2 instances, minimal but real: RunInstances (`run`), the state machine
//! on the world clock (here), DescribeInstances and DescribeInstanceStatus
//! (`describe`), Describe/ModifyInstanceAttribute (`attributes`), their EBS
//! volumes (`volumes`), and the AMIs and instance types they launch from
//! (`catalog`).

pub(crate) mod attributes;
pub(crate) mod catalog;
pub(crate) mod describe;
pub(crate) mod run;
pub(crate) mod scenario;
pub(crate) mod volumes;

use super::errors::R;
use super::network::delete_eni;
use super::state::{event, Instance};
use crate::model::ec2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

/// How long AWS takes for each step, scaled by the pace.
const RUNNING_MS: i64 = 5_000;
const STOPPED_MS: i64 = 5_000;
const TERMINATED_MS: i64 = 5_000;
/// From running to passing its status checks.
const CHECKS_MS: i64 = 10_000;
/// How long a terminated instance is still described [R: "about an hour"].
const GONE_MS: i64 = 3_600_000;

/// The state's code, as AWS numbers them.
pub(crate) fn state_code(state: &str) -> i32 {
    match state {
        "pending" => 0,
        "running" => 16,
        "shutting-down" => 32,
        "terminated" => 48,
        "stopping" => 64,
        _ => 80,
    }
}

pub(crate) fn state_model(state: &str) -> m::InstanceState {
    m::InstanceState {
        code: Some(state_code(state)),
        name: Some(state.into()),
    }
}

pub(crate) use super::checks::{check_instance_id as check_id, check_instance_ids as check_ids};
pub(crate) use super::network::{instance_enis as enis_of, primary_eni};

fn set_state(ctx: &mut Ctx, id: &str, state: &str) {
    if let Some(i) = ctx.acct_mut().ec2.instances.get_mut(id) {
        i.state = state.into();
    }
    ctx.emit(event("instance", id, "state-changed", Some(state)));
    ctx.changed("instance", id);
}

fn instance(ctx: &Ctx, id: &str) -> Option<Instance> {
    ctx.acct().ec2.instances.get(id).cloned()
}

/// `pending` → `running` in a while, then the status checks pass.
pub(crate) fn schedule_running(ctx: &mut Ctx, id: &str) {
    let due = id.to_string();
    ctx.schedule(RUNNING_MS, move |ctx| {
        if instance(ctx, &due).is_some_and(|i| i.state == "pending") {
            set_state(ctx, &due, "running");
            let launched = ctx.acct().ec2.instances[&due].launch_time;
            let again = due.clone();
            ctx.schedule(CHECKS_MS, move |ctx| {
                if let Some(i) = ctx.acct_mut().ec2.instances.get_mut(&again) {
                    if i.state == "running" && i.launch_time == launched {
                        i.checks_passed = true;
                    }
                }
            });
        }
    });
}

/// AWS's reason text for a user's stop or terminate, with the time.
fn user_initiated(ctx: &Ctx) -> String {
    let t = ctx.now().to_iso8601();
    // `2024-05-01T12:00:00.000Z` → `2024-05-01 12:00:00 GMT`.
    let (date, rest) = t.split_once('T').unwrap_or((&t, ""));
    format!("User initiated ({date} {} GMT)", &rest[..rest.len().min(8)])
}

fn user_shutdown() -> (String, String) {
    (
        "Client.UserInitiatedShutdown".into(),
        "Client.UserInitiatedShutdown: User initiated shutdown".into(),
    )
}

/// The Amazon-owned public address of its primary interface goes when an
/// instance stops; a new one comes when it starts.
fn set_public_ip(ctx: &mut Ctx, id: &str, on: bool) {
    let Some(eni) = primary_eni(ctx, id).map(|e| e.id.clone()) else {
        return;
    };
    let fresh = on.then(|| {
        ctx.world.ids.pinned_or("instance-public-ip", |ids| {
            format!("54.{}.{}.{}", ids.byte(), ids.byte(), ids.byte().max(1))
        })
    });
    if let Some(e) = ctx.acct_mut().ec2.enis.get_mut(eni.as_str()) {
        e.public_ip = fresh.map(Into::into);
    }
}

pub(crate) fn stop(ctx: &mut Ctx, id: &str) {
    let reason = user_initiated(ctx);
    let now = ctx.now();
    if let Some(i) = ctx.acct_mut().ec2.instances.get_mut(id) {
        i.stopped_at = Some(now);
        i.transition_reason = reason;
        i.state_reason = Some(user_shutdown());
        i.checks_passed = false;
    }
    set_state(ctx, id, "stopping");
    let due = id.to_string();
    ctx.schedule(STOPPED_MS, move |ctx| {
        if instance(ctx, &due).is_some_and(|i| i.state == "stopping") {
            set_public_ip(ctx, &due, false);
            set_state(ctx, &due, "stopped");
        }
    });
}

pub(crate) fn start(ctx: &mut Ctx, id: &str) {
    let now = ctx.now();
    let public = instance(ctx, id).is_some_and(|i| i.public_ip_on_start);
    if let Some(i) = ctx.acct_mut().ec2.instances.get_mut(id) {
        i.transition_reason = String::new();
        i.state_reason = None;
        i.launch_time = now;
    }
    if public {
        set_public_ip(ctx, id, true);
    }
    set_state(ctx, id, "pending");
    schedule_running(ctx, id);
}

pub(crate) fn terminate(ctx: &mut Ctx, id: &str) {
    let reason = user_initiated(ctx);
    if let Some(i) = ctx.acct_mut().ec2.instances.get_mut(id) {
        i.transition_reason = reason;
        i.state_reason = Some(user_shutdown());
        i.checks_passed = false;
    }
    set_state(ctx, id, "shutting-down");
    let due = id.to_string();
    ctx.schedule(TERMINATED_MS, move |ctx| {
        if instance(ctx, &due).is_some_and(|i| i.state == "shutting-down") {
            release(ctx, &due);
            set_state(ctx, &due, "terminated");
            let gone = due.clone();
            ctx.schedule_unscaled(GONE_MS, move |ctx| {
                ctx.acct_mut().ec2.instances.remove(&gone);
            });
        }
    });
}

/// A terminated instance lets go of its interfaces (deleting those marked
/// so, detaching the rest) and volumes.
fn release(ctx: &mut Ctx, id: &str) {
    let enis: Vec<(String, bool)> = enis_of(ctx, id)
        .iter()
        .map(|e| {
            (
                e.id.to_string(),
                e.attachment
                    .as_ref()
                    .is_some_and(|a| a.delete_on_termination),
            )
        })
        .collect();
    for (eni, delete) in enis {
        if delete {
            delete_eni(ctx, &eni);
        } else if let Some(e) = ctx.acct_mut().ec2.enis.get_mut(eni.as_str()) {
            e.attachment = None;
            e.status = "available".into();
            e.public_ip = None;
        }
    }
    volumes::release(ctx, id);
}

fn incorrect_state(id: &str, what: &str) -> AwsError {
    AwsError::new(
        "IncorrectInstanceState",
        format!("The instance '{id}' is not in a state from which it can be {what}."),
    )
}

fn change(id: &str, before: &str, after: &str) -> m::InstanceStateChange {
    m::InstanceStateChange {
        instance_id: Some(id.to_string()),
        previous_state: Some(state_model(before)),
        current_state: Some(state_model(after)),
    }
}

/// Checks every instance can go, then applies `act` to each: nothing
/// changes when one of them refuses.
fn transition(
    ctx: &mut Ctx,
    ids: &[String],
    dry_run: Option<bool>,
    allowed: impl Fn(&Instance) -> R<()>,
    act: impl Fn(&mut Ctx, &Instance),
) -> R<Vec<m::InstanceStateChange>> {
    if ids.is_empty() {
        return Err(super::errors::missing("InstanceId"));
    }
    check_ids(ctx, ids)?;
    for id in ids {
        allowed(&ctx.acct().ec2.instances[id])?;
    }
    ctx.dry_run(dry_run)?;
    let mut out = vec![];
    for id in ids {
        let Some(before) = instance(ctx, id) else {
            continue;
        };
        act(ctx, &before);
        let after = instance(ctx, id).map(|i| i.state).unwrap_or_default();
        out.push(change(id, &before.state, &after));
    }
    Ok(out)
}

pub(crate) fn stop_instances(
    ctx: &mut Ctx,
    input: m::StopInstancesRequest,
) -> R<m::StopInstancesResult> {
    let ids = input.instance_ids.unwrap_or_default();
    let out = transition(
        ctx,
        &ids,
        input.dry_run,
        |i| {
            match i.state.as_str() {
            _ if i.disable_api_stop => Err(AwsError::new(
                "OperationNotPermitted",
                format!(
                    "The instance '{}' may not be stopped. Modify its 'disableApiStop' instance attribute and try again.",
                    i.id
                ),
            )),
            "running" | "stopping" | "stopped" => Ok(()),
            _ => Err(incorrect_state(&i.id, "stopped")),
        }
        },
        |ctx, i| {
            if i.state == "running" {
                stop(ctx, &i.id);
            }
        },
    )?;
    Ok(m::StopInstancesResult {
        stopping_instances: Some(out),
    })
}

pub(crate) fn start_instances(
    ctx: &mut Ctx,
    input: m::StartInstancesRequest,
) -> R<m::StartInstancesResult> {
    let ids = input.instance_ids.unwrap_or_default();
    let out = transition(
        ctx,
        &ids,
        input.dry_run,
        |i| match i.state.as_str() {
            "stopped" | "pending" | "running" => Ok(()),
            _ => Err(incorrect_state(&i.id, "started")),
        },
        |ctx, i| {
            if i.state == "stopped" {
                start(ctx, &i.id);
            }
        },
    )?;
    Ok(m::StartInstancesResult {
        starting_instances: Some(out),
    })
}

pub(crate) fn terminate_instances(
    ctx: &mut Ctx,
    input: m::TerminateInstancesRequest,
) -> R<m::TerminateInstancesResult> {
    let ids = input.instance_ids.unwrap_or_default();
    let out = transition(
        ctx,
        &ids,
        input.dry_run,
        |i| {
            if i.disable_api_termination
                && !matches!(i.state.as_str(), "shutting-down" | "terminated")
            {
                return Err(AwsError::new(
                    "OperationNotPermitted",
                    format!(
                        "The instance '{}' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.",
                        i.id
                    ),
                ));
            }
            Ok(())
        },
        |ctx, i| {
            if !matches!(i.state.as_str(), "shutting-down" | "terminated") {
                terminate(ctx, &i.id);
            }
        },
    )?;
    Ok(m::TerminateInstancesResult {
        terminating_instances: Some(out),
    })
}

pub(crate) fn reboot_instances(ctx: &mut Ctx, input: m::RebootInstancesRequest) -> R<()> {
    let ids = input.instance_ids.unwrap_or_default();
    transition(
        ctx,
        &ids,
        input.dry_run,
        |i| match i.state.as_str() {
            "running" | "pending" => Ok(()),
            _ => Err(incorrect_state(&i.id, "rebooted")),
        },
        // A reboot keeps the instance running, its addresses and its
        // launch time; the status checks start again.
        |ctx, i| {
            if let Some(x) = ctx.acct_mut().ec2.instances.get_mut(&i.id) {
                x.checks_passed = false;
            }
            let due = i.id.clone();
            ctx.schedule(CHECKS_MS, move |ctx| {
                if let Some(x) = ctx.acct_mut().ec2.instances.get_mut(&due) {
                    x.checks_passed = x.state == "running";
                }
            });
        },
    )?;
    Ok(())
}
