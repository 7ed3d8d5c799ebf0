//! GetTaskProtection, UpdateTaskProtection: scale-in protection of a
//! service's tasks, which lapses at its expiration date.

use super::common::{arn, cluster_not_found, invalid, short_name, R};
use super::state::TaskRec;
use crate::model::ecs as m;
use crate::services::state::Ctx;
use crate::wire::Timestamp;

/// Protection lasts 2 hours unless `expiresInMinutes` says otherwise.
const DEFAULT_MINUTES: i32 = 120;
/// At most 48 hours.
const MAX_MINUTES: i32 = 2_880;

/// A task id from an id or an ARN (`task/<cluster>/<id>` or `task/<id>`).
pub(super) fn task_id(reference: &str) -> Option<String> {
    let id = if reference.starts_with("arn:") {
        short_name(reference, "task")
            .rsplit('/')
            .next()
            .unwrap_or("")
    } else {
        reference
    };
    let ok = (id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
        || (id.len() == 36 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'));
    ok.then(|| id.to_string())
}

/// The cluster's short name, which must exist.
pub(super) fn cluster(ctx: &Ctx, cluster: Option<&str>) -> R<String> {
    let name = short_name(cluster.unwrap_or("default"), "cluster").to_string();
    if ctx.acct().ecs.clusters.contains_key(&name) {
        Ok(name)
    } else {
        Err(cluster_not_found())
    }
}

/// Whether scale-in (a lower desired count, a deployment replacing it)
/// must spare the task now: protection on and not lapsed.
pub(super) fn protected(ctx: &Ctx, t: &TaskRec) -> bool {
    t.protection.is_some_and(|ms| ms > ctx.now().millis())
}

/// The protection as the API shows it: lapsed protection is off.
fn shown(ctx: &Ctx, t: &TaskRec) -> m::ProtectedTask {
    let until = t.protection.filter(|ms| *ms > ctx.now().millis());
    m::ProtectedTask {
        task_arn: t.model.task_arn(),
        protection_enabled: Some(until.is_some()),
        expiration_date: until.map(Timestamp::from_millis),
    }
}

/// Each reference → the task id, or the failure AWS reports for it.
fn resolve(ctx: &Ctx, cluster: &str, refs: &[String]) -> R<(Vec<String>, Vec<m::Failure>)> {
    let mut ids = Vec::new();
    let mut failures = Vec::new();
    for r in refs {
        let id = task_id(r).ok_or_else(|| invalid("Task Identifier is invalid"))?;
        let failure = |reason: &str, detail: Option<&str>| m::Failure {
            arn: Some(if r.starts_with("arn:") {
                r.clone()
            } else {
                arn(ctx, &format!("task/{cluster}/{id}"))
            }),
            reason: Some(reason.into()),
            detail: detail.map(str::to_string),
        };
        match ctx
            .acct()
            .ecs
            .tasks
            .get(&id)
            .filter(|t| t.cluster == cluster)
        {
            None => failures.push(failure("MISSING", None)),
            Some(t) if t.service.is_none() => failures.push(failure(
                "TASK_NOT_VALID",
                Some("The task is not part of an Amazon ECS service."),
            )),
            Some(_) => ids.push(id),
        }
    }
    Ok((ids, failures))
}

pub(super) fn get(
    ctx: &mut Ctx,
    i: m::GetTaskProtectionRequest,
) -> R<m::GetTaskProtectionResponse> {
    let cluster = cluster(ctx, i.cluster.as_deref())?;
    let refs = match i.tasks {
        Some(t) => t,
        // No tasks named: those of the cluster's services [U].
        None => ctx
            .acct()
            .ecs
            .tasks
            .iter()
            .filter(|(_, t)| t.cluster == cluster && t.service.is_some())
            .filter(|(_, t)| t.model.last_status.as_deref() != Some("STOPPED"))
            .map(|(id, _)| id.clone())
            .collect(),
    };
    if refs.len() > 100 {
        return Err(invalid("tasks can have at most 100 items."));
    }
    let (ids, failures) = resolve(ctx, &cluster, &refs)?;
    let st = &ctx.acct().ecs;
    Ok(m::GetTaskProtectionResponse {
        protected_tasks: Some(ids.iter().map(|id| shown(ctx, &st.tasks[id])).collect()),
        failures: Some(failures),
    })
}

/// `watch` is the services' reconciler: a service looks again at the
/// tasks it could not scale in when their protection is cleared or lapses.
pub(super) fn update(
    ctx: &mut Ctx,
    i: m::UpdateTaskProtectionRequest,
    watch: fn(&mut Ctx, &str),
) -> R<m::UpdateTaskProtectionResponse> {
    let cluster = cluster(ctx, i.cluster.as_deref())?;
    let refs = i.tasks.unwrap_or_default();
    if refs.is_empty() {
        return Err(invalid("tasks cannot be empty."));
    }
    if refs.len() > 10 {
        return Err(invalid("tasks can have at most 10 items."));
    }
    let enabled = i.protection_enabled.unwrap_or(false);
    let minutes = i.expires_in_minutes.unwrap_or(DEFAULT_MINUTES);
    if enabled && !(1..=MAX_MINUTES).contains(&minutes) {
        return Err(invalid(format!(
            "expiresInMinutes must be between 1 and {MAX_MINUTES} (got {minutes})."
        )));
    }
    let (ids, failures) = resolve(ctx, &cluster, &refs)?;
    let until = enabled.then(|| ctx.now().millis() + i64::from(minutes) * 60_000);
    let mut services = std::collections::BTreeSet::new();
    for id in &ids {
        if let Some(t) = ctx.acct_mut().ecs.tasks.get_mut(id) {
            t.protection = until;
            services.extend(t.service.clone());
        }
    }
    for key in services {
        // On the world clock: protection lapses at its expiration date.
        let after = until.map_or(0, |ms| ms - ctx.now().millis());
        ctx.schedule_unscaled(after, move |ctx| watch(ctx, &key));
    }
    let st = &ctx.acct().ecs;
    Ok(m::UpdateTaskProtectionResponse {
        protected_tasks: Some(ids.iter().map(|id| shown(ctx, &st.tasks[id])).collect()),
        failures: Some(failures),
    })
}
