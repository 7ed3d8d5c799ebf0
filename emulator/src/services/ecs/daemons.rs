//! ECS Managed Daemons: RegisterDaemonTaskDefinition,
//! DescribeDaemonTaskDefinition, DeleteDaemonTaskDefinition,
//! ListDaemonTaskDefinitions, CreateDaemon, DescribeDaemon, UpdateDaemon,
//! DeleteDaemon, ListDaemons, DescribeDaemonDeployments,
//! ListDaemonDeployments, DescribeDaemonRevisions.
//!
//! A daemon runs one task on each container instance of its (Managed
//! Instances) capacity providers. The emulator has no container instances,
//! so every count is 0; what it does keep is the daemon's revisions and its
//! deployments, which move `PENDING` → `IN_PROGRESS` → `SUCCESSFUL` on the
//! world clock, a newer deployment stopping an unfinished one.
//!
//! Guesses, where AWS's behaviour is not documented, are marked `[U]`.

use std::collections::BTreeSet;

use super::clusters;
use super::common::{arn, check_max, client, event, invalid, page, short_name, R};
use super::state::{DaemonDeploymentRec, DaemonRec, DaemonTaskDefRec};
use crate::model::ecs as m;
use crate::services::state::Ctx;
use crate::wire::{AwsError, Timestamp};

/// From `PENDING` to `IN_PROGRESS` [U].
const START_MS: i64 = 2_000;
/// From `IN_PROGRESS` to `SUCCESSFUL` with no instance to drain [U].
const ROLL_MS: i64 = 10_000;
/// From `DELETE_IN_PROGRESS` to `DELETED` for a daemon task definition [U].
const DELETE_TD_MS: i64 = 5_000;

fn daemon_not_found() -> AwsError {
    // The message is [U]; the code is the model's.
    AwsError::new("DaemonNotFoundException", "Daemon not found.")
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn check_tags(tags: &[m::Tag]) -> R<()> {
    if tags.len() > 50 {
        return Err(invalid("A resource can have at most 50 tags."));
    }
    for t in tags {
        let k = t.key.as_deref().unwrap_or("");
        if k.is_empty() || k.len() > 128 {
            return Err(invalid("Tag keys must be 1 to 128 characters."));
        }
        if t.value.as_deref().unwrap_or("").len() > 256 {
            return Err(invalid("Tag values must be at most 256 characters."));
        }
    }
    Ok(())
}

// ---- daemon task definitions ------------------------------------------

/// The revision a reference names: `family` (latest ACTIVE), `family:rev`
/// or an ARN; `need_revision` refuses a bare family.
fn find_td(ctx: &Ctx, reference: &str, need_revision: bool) -> R<(String, usize)> {
    let short = short_name(reference, "daemon-task-definition");
    let fail = || client("Unable to describe daemon task definition."); // [U] message
    let st = &ctx.acct().ecs;
    match short.rsplit_once(':') {
        Some((family, rev)) => {
            let rev: usize = rev
                .parse()
                .map_err(|_| client(format!("Invalid revision number. Number: {rev}")))?;
            let revs = st.daemon_families.get(family).ok_or_else(fail)?;
            if rev == 0 || rev > revs.len() || revs[rev - 1].model.status.as_deref() == Some("DELETED") {
                return Err(fail());
            }
            Ok((family.to_string(), rev))
        }
        None if need_revision => Err(client(
            "The specified daemon task definition must include a revision (family:revision) or be a full ARN.",
        )),
        None => {
            let revs = st.daemon_families.get(short).ok_or_else(fail)?;
            let i = revs
                .iter()
                .rposition(|d| d.model.status.as_deref() == Some("ACTIVE"))
                .ok_or_else(fail)?;
            Ok((short.to_string(), i + 1))
        }
    }
}

fn td<'a>(ctx: &'a Ctx, family: &str, rev: usize) -> &'a DaemonTaskDefRec {
    &ctx.acct().ecs.daemon_families[family][rev - 1]
}

pub(super) fn register_task_definition(
    ctx: &mut Ctx,
    i: m::RegisterDaemonTaskDefinitionRequest,
) -> R<m::RegisterDaemonTaskDefinitionResponse> {
    let family = i.family.clone().unwrap_or_default();
    if !valid_name(&family) {
        return Err(client(
            "Family contains invalid characters: up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.",
        ));
    }
    let containers = i.container_definitions.clone().unwrap_or_default();
    if containers.is_empty() {
        return Err(client("Container list cannot be empty."));
    }
    let mut names = BTreeSet::new();
    for c in &containers {
        let name = c.name.clone().unwrap_or_default();
        if name.is_empty() {
            return Err(client("Container.name should not be null or empty."));
        }
        if !valid_name(&name) {
            return Err(client(format!(
                "Container name {name} is invalid: up to 255 letters, numbers, hyphens, and underscores are allowed."
            )));
        }
        if !names.insert(name.clone()) {
            return Err(client(format!(
                "Container names must be unique: {name} appears twice."
            )));
        }
        if c.image.as_deref().unwrap_or("").is_empty() {
            return Err(client("Container.image should not be null or empty."));
        }
        for d in c.depends_on.iter().flatten() {
            let on = d.container_name.as_deref().unwrap_or("");
            if !containers.iter().any(|x| x.name.as_deref() == Some(on)) {
                return Err(client(format!(
                    "Container {name} depends on container {on}, which is not in the daemon task definition."
                )));
            }
        }
    }
    let volumes = i.volumes.clone().unwrap_or_default();
    for c in &containers {
        for mp in c.mount_points.iter().flatten() {
            let v = mp.source_volume.as_deref().unwrap_or("");
            if !volumes.iter().any(|x| x.name.as_deref() == Some(v)) {
                return Err(client(format!(
                    "Invalid 'mountPoints' setting: the volume {v} is not in the daemon task definition."
                )));
            }
        }
    }
    for v in &volumes {
        if let Some(l) = &v.log_driver_volume_configuration {
            // The model: "The only supported value is json-file."
            if l.driver.as_deref() != Some("json-file") {
                return Err(invalid(
                    "logDriverVolumeConfiguration.driver: the only supported value is json-file.",
                ));
            }
        }
    }
    for (what, v) in [("pidMode", &i.pid_mode), ("ipcMode", &i.ipc_mode)] {
        if let Some(v) = v {
            if !matches!(v.as_str(), "none" | "shared") {
                return Err(invalid(format!(
                    "Invalid {what}: {v}. Valid values are none and shared."
                )));
            }
        }
    }
    for (what, v) in [("cpu", &i.cpu), ("memory", &i.memory)] {
        if let Some(v) = v {
            if v.trim().parse::<u32>().map_or(true, |n| n == 0) {
                return Err(client(format!(
                    "Invalid '{what}' setting for daemon task: {v}"
                )));
            }
        }
    }
    let tags = i.tags.clone().unwrap_or_default();
    check_tags(&tags)?;
    let revision = ctx
        .acct()
        .ecs
        .daemon_families
        .get(&family)
        .map_or(0, |r| r.len() as i32)
        + 1;
    // [U] ARN: `daemon-task-definition/<family>:<revision>`, after task
    // definitions' `task-definition/<family>:<revision>`.
    let td_arn = arn(ctx, &format!("daemon-task-definition/{family}:{revision}"));
    let model = m::DaemonTaskDefinition {
        daemon_task_definition_arn: Some(td_arn.clone()),
        family: Some(family.clone()),
        revision: Some(revision),
        task_role_arn: i.task_role_arn,
        execution_role_arn: i.execution_role_arn,
        container_definitions: Some(containers),
        volumes: Some(volumes),
        cpu: i.cpu,
        memory: i.memory,
        status: Some("ACTIVE".into()),
        registered_at: Some(ctx.now()),
        delete_requested_at: None,
        registered_by: Some(ctx.principal.clone()),
        pid_mode: i.pid_mode,
        ipc_mode: i.ipc_mode,
    };
    ctx.acct_mut()
        .ecs
        .daemon_families
        .entry(family.clone())
        .or_default()
        .push(DaemonTaskDefRec { model, tags });
    ctx.emit(event(
        "daemon-task-definition",
        &format!("{family}:{revision}"),
        "registered",
        Some("ACTIVE"),
    ));
    Ok(m::RegisterDaemonTaskDefinitionResponse {
        daemon_task_definition_arn: Some(td_arn),
    })
}

pub(super) fn describe_task_definition(
    ctx: &mut Ctx,
    i: m::DescribeDaemonTaskDefinitionRequest,
) -> R<m::DescribeDaemonTaskDefinitionResponse> {
    let reference = i.daemon_task_definition.unwrap_or_default();
    let (family, rev) = find_td(ctx, &reference, false)?;
    Ok(m::DescribeDaemonTaskDefinitionResponse {
        daemon_task_definition: Some(td(ctx, &family, rev).model.clone()),
    })
}

/// Finishes the deletion of a daemon task definition once no daemon that is
/// not being deleted uses it [U: the model says existing daemons keep
/// running on it; the emulator keeps it `DELETE_IN_PROGRESS` until then].
fn finish_td_delete(ctx: &mut Ctx, td_arn: String) {
    let in_use = ctx
        .acct()
        .ecs
        .daemons
        .values()
        .any(|d| d.task_definition == td_arn && d.status == "ACTIVE");
    if in_use {
        ctx.schedule(DELETE_TD_MS, move |ctx| finish_td_delete(ctx, td_arn));
        return;
    }
    let short = short_name(&td_arn, "daemon-task-definition").to_string();
    let Some((family, rev)) = short.rsplit_once(':') else {
        return;
    };
    let rev: usize = rev.parse().unwrap_or(0);
    let revs = ctx.acct_mut().ecs.daemon_families.get_mut(family);
    if let Some(d) = revs.and_then(|r| r.get_mut(rev.wrapping_sub(1))) {
        if d.model.status.as_deref() == Some("DELETE_IN_PROGRESS") {
            d.model.status = Some("DELETED".into());
            ctx.emit(event(
                "daemon-task-definition",
                &short,
                "deleted",
                Some("DELETED"),
            ));
        }
    }
}

pub(super) fn delete_task_definition(
    ctx: &mut Ctx,
    i: m::DeleteDaemonTaskDefinitionRequest,
) -> R<m::DeleteDaemonTaskDefinitionResponse> {
    let reference = i.daemon_task_definition.unwrap_or_default();
    let (family, rev) = find_td(ctx, &reference, true)?;
    // The model: "A daemon task definition must be in an ACTIVE state to be
    // deleted." (code and message [U])
    if td(ctx, &family, rev).model.status.as_deref() != Some("ACTIVE") {
        return Err(client(
            "The daemon task definition must be ACTIVE to be deleted.",
        ));
    }
    let now = ctx.now();
    let d = &mut ctx
        .acct_mut()
        .ecs
        .daemon_families
        .get_mut(&family)
        .expect("found")[rev - 1];
    d.model.status = Some("DELETE_IN_PROGRESS".into());
    d.model.delete_requested_at = Some(now);
    let td_arn = d
        .model
        .daemon_task_definition_arn
        .clone()
        .unwrap_or_default();
    ctx.emit(event(
        "daemon-task-definition",
        &format!("{family}:{rev}"),
        "delete-requested",
        Some("DELETE_IN_PROGRESS"),
    ));
    let later = td_arn.clone();
    ctx.schedule(DELETE_TD_MS, move |ctx| finish_td_delete(ctx, later));
    Ok(m::DeleteDaemonTaskDefinitionResponse {
        daemon_task_definition_arn: Some(td_arn),
    })
}

pub(super) fn list_task_definitions(
    ctx: &mut Ctx,
    i: m::ListDaemonTaskDefinitionsRequest,
) -> R<m::ListDaemonTaskDefinitionsResponse> {
    let max = check_max(i.max_results)?;
    let status = i.status.clone().unwrap_or_else(|| "ACTIVE".into());
    if !matches!(status.as_str(), "ACTIVE" | "DELETE_IN_PROGRESS" | "ALL") {
        return Err(invalid(format!(
            "Invalid status {status}: valid values are ACTIVE, DELETE_IN_PROGRESS and ALL."
        )));
    }
    if let Some(r) = &i.revision {
        if r != "LAST_REGISTERED" {
            return Err(invalid(format!(
                "Invalid revision filter {r}: the valid value is LAST_REGISTERED."
            )));
        }
    }
    let desc = match i.sort.as_deref() {
        None | Some("ASC") => false,
        Some("DESC") => true,
        Some(s) => {
            return Err(invalid(format!(
                "Invalid sort {s}: valid values are ASC and DESC."
            )))
        }
    };
    let mut items = Vec::new();
    for (family, revs) in &ctx.acct().ecs.daemon_families {
        if i.family.as_ref().is_some_and(|f| f != family)
            || i.family_prefix
                .as_ref()
                .is_some_and(|p| !family.starts_with(p.as_str()))
        {
            continue;
        }
        let chosen: Vec<&DaemonTaskDefRec> = if i.revision.is_some() {
            revs.last().into_iter().collect()
        } else {
            revs.iter().collect()
        };
        for d in chosen {
            let s = d.model.status.as_deref().unwrap_or("");
            let keep = match status.as_str() {
                // [U] ALL lists the deleted ones too.
                "ALL" => true,
                wanted => s == wanted,
            };
            if !keep {
                continue;
            }
            let rev = d.model.revision.unwrap_or(0);
            // Sortable key: family, then zero-padded revision.
            let key = format!("{family}:{rev:010}");
            items.push((
                key,
                m::DaemonTaskDefinitionSummary {
                    arn: d.model.daemon_task_definition_arn.clone(),
                    registered_at: d.model.registered_at,
                    registered_by: d.model.registered_by.clone(),
                    delete_requested_at: d.model.delete_requested_at,
                    status: d.model.status.clone(),
                },
            ));
        }
    }
    items.sort_by(|a, b| a.0.cmp(&b.0));
    if desc {
        // Paging compares keys in ascending order, so DESC pages over
        // complemented keys.
        items.reverse();
        items = items
            .into_iter()
            .enumerate()
            .map(|(n, (_, v))| (format!("{n:010}"), v))
            .collect();
    }
    let (list, next) = page(items, max, i.next_token.as_deref())?;
    Ok(m::ListDaemonTaskDefinitionsResponse {
        daemon_task_definitions: Some(list),
        next_token: next,
    })
}

// ---- daemons -----------------------------------------------------------

/// `<cluster>/<name>` of a daemon ARN of this account and Region.
fn daemon_key(ctx: &Ctx, daemon_arn: &str) -> R<String> {
    let prefix = arn(ctx, "daemon/");
    let rest = daemon_arn
        .strip_prefix(&prefix)
        .filter(|r| r.split('/').count() == 2 && !r.starts_with('/') && !r.ends_with('/'))
        .ok_or_else(|| invalid(format!("Invalid daemon ARN: {daemon_arn}")))?;
    Ok(rest.to_string())
}

/// The daemon an ARN names (its cluster must exist).
fn existing(ctx: &Ctx, daemon_arn: &str) -> R<String> {
    let key = daemon_key(ctx, daemon_arn)?;
    let cluster = key.split('/').next().unwrap_or("");
    clusters::active(ctx, Some(cluster))?;
    if ctx.acct().ecs.daemons.contains_key(&key) {
        Ok(key)
    } else {
        Err(daemon_not_found())
    }
}

/// Checks the capacity providers of a daemon: ARNs of this account and
/// Region, Managed Instances ones (not Fargate's).
fn check_capacity_providers(ctx: &Ctx, cps: &[String]) -> R<()> {
    if cps.is_empty() {
        return Err(invalid("capacityProviderArns must not be empty."));
    }
    let prefix = arn(ctx, "capacity-provider/");
    let mut seen = BTreeSet::new();
    for cp in cps {
        let Some(name) = cp.strip_prefix(&prefix).filter(|n| valid_name(n)) else {
            return Err(invalid(format!("Invalid capacity provider ARN: {cp}")));
        };
        if matches!(name, "FARGATE" | "FARGATE_SPOT") {
            // The model: "ECS Managed Daemons is only supported for Amazon
            // ECS Managed Instances Capacity Providers." (code [U])
            return Err(invalid(format!(
                "The capacity provider {name} is not supported: ECS Managed Daemons is only supported for Amazon ECS Managed Instances Capacity Providers."
            )));
        }
        if !seen.insert(cp) {
            return Err(invalid(format!(
                "The capacity provider {cp} is specified more than once."
            )));
        }
    }
    Ok(())
}

fn check_deployment_configuration(c: &m::DaemonDeploymentConfiguration) -> R<()> {
    if let Some(p) = c.drain_percent {
        if !(0.0..=100.0).contains(&p) {
            return Err(invalid(
                "deploymentConfiguration.drainPercent must be between 0.0 and 100.0.",
            ));
        }
    }
    if c.bake_time_in_minutes.is_some_and(|b| b < 0) {
        return Err(invalid(
            "deploymentConfiguration.bakeTimeInMinutes must be 0 or more.",
        ));
    }
    if let Some(a) = &c.alarms {
        if a.enable == Some(true) && a.alarm_names.as_ref().is_none_or(Vec::is_empty) {
            return Err(invalid(
                "deploymentConfiguration.alarms.alarmNames must not be empty when alarms are enabled.",
            ));
        }
    }
    Ok(())
}

/// The configuration with the defaults the model documents (bake time 0,
/// alarms off) [U: the drain percentage AWS fills].
fn with_defaults(c: Option<m::DaemonDeploymentConfiguration>) -> m::DaemonDeploymentConfiguration {
    let mut c = c.unwrap_or_default();
    c.bake_time_in_minutes.get_or_insert(0);
    c.drain_percent.get_or_insert(25.0);
    let a = c.alarms.get_or_insert_with(Default::default);
    a.enable.get_or_insert(false);
    a.alarm_names.get_or_insert_with(Vec::new);
    c
}

fn active_td_arn(ctx: &Ctx, reference: &str) -> R<String> {
    if reference.is_empty() {
        return Err(invalid("daemonTaskDefinitionArn must not be empty."));
    }
    let (family, rev) = find_td(ctx, reference, false)?;
    let d = &td(ctx, &family, rev).model;
    if d.status.as_deref() != Some("ACTIVE") {
        return Err(client(format!(
            "The daemon task definition {reference} is not ACTIVE."
        )));
    }
    Ok(d.daemon_task_definition_arn.clone().unwrap_or_default())
}

fn revision_detail(arn: &str, cps: &[String]) -> m::DaemonDeploymentRevisionDetail {
    m::DaemonDeploymentRevisionDetail {
        arn: Some(arn.to_string()),
        capacity_providers: Some(
            cps.iter()
                .map(|cp| m::DaemonDeploymentCapacityProvider {
                    arn: Some(cp.clone()),
                    running_instance_count: Some(0),
                    without_daemon_instance_count: Some(0),
                    draining_instance_count: Some(0),
                })
                .collect(),
        ),
        total_running_instance_count: Some(0),
        total_without_daemon_instance_count: Some(0),
        total_draining_instance_count: Some(0),
    }
}

/// Snapshots the daemon's configuration as a new revision and starts a
/// deployment of it (or, `deleting`, of no revision: the daemon's tasks are
/// drained). Returns the deployment ARN.
fn deploy(ctx: &mut Ctx, key: &str, deleting: bool) -> String {
    let d = ctx.acct().ecs.daemons[key].clone();
    let cluster_arn = arn(ctx, &format!("cluster/{}", d.cluster));
    let now = ctx.now();
    // [U] ARNs after service revisions and deployments:
    // `daemon-revision/<cluster>/<daemon>/<id>`,
    // `daemon-deployment/<cluster>/<daemon>/<id>`.
    let target = if deleting {
        None
    } else {
        let rev_arn = arn(
            ctx,
            &format!("daemon-revision/{key}/{}", ctx.world.ids.hex(19)),
        );
        let images = {
            let short = short_name(&d.task_definition, "daemon-task-definition");
            let (family, rev) = short.rsplit_once(':').unwrap_or((short, "0"));
            let rev: usize = rev.parse().unwrap_or(0);
            ctx.acct()
                .ecs
                .daemon_families
                .get(family)
                .and_then(|r| r.get(rev.wrapping_sub(1)))
                .map(|t| {
                    t.model
                        .container_definitions
                        .iter()
                        .flatten()
                        .map(|c| m::DaemonContainerImage {
                            container_name: c.name.clone(),
                            // [U] no registry to resolve a digest from.
                            image_digest: None,
                            image: c.image.clone(),
                        })
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        };
        let revision = m::DaemonRevision {
            daemon_revision_arn: Some(rev_arn.clone()),
            cluster_arn: Some(cluster_arn.clone()),
            daemon_arn: Some(d.arn.clone()),
            daemon_task_definition_arn: Some(d.task_definition.clone()),
            created_at: Some(now),
            container_images: Some(images),
            propagate_tags: Some(d.propagate_tags.clone().unwrap_or_else(|| "NONE".into())),
            enable_ecs_managed_tags: Some(d.enable_ecs_managed_tags),
            enable_execute_command: Some(d.enable_execute_command),
            critical: Some(d.critical),
        };
        ctx.acct_mut()
            .ecs
            .daemon_revisions
            .insert(rev_arn.clone(), revision);
        Some(rev_arn)
    };
    // A deployment still under way is stopped by the new one [U].
    let mut stopped = Vec::new();
    for (a, dep) in ctx.acct_mut().ecs.daemon_deployments.iter_mut() {
        if dep.daemon == key
            && matches!(dep.model.status.as_deref(), Some("PENDING" | "IN_PROGRESS"))
        {
            dep.model.status = Some("STOPPED".into());
            dep.model.status_reason = Some("Stopped by a newer daemon deployment.".into());
            dep.model.stopped_at = Some(now);
            if let Some(cb) = &mut dep.model.circuit_breaker {
                if cb.status.as_deref() == Some("MONITORING") {
                    cb.status = Some("MONITORING_COMPLETE".into());
                }
            }
            stopped.push(a.clone());
        }
    }
    let dep_arn = arn(
        ctx,
        &format!("daemon-deployment/{key}/{}", ctx.world.ids.hex(19)),
    );
    let cfg = d.deployment_configuration.clone();
    let alarms = cfg.alarms.clone().unwrap_or_default();
    let dep = m::DaemonDeployment {
        daemon_deployment_arn: Some(dep_arn.clone()),
        cluster_arn: Some(cluster_arn),
        status: Some("PENDING".into()),
        status_reason: None,
        target_daemon_revision: target
            .as_ref()
            .map(|t| revision_detail(t, &d.capacity_providers)),
        source_daemon_revisions: Some(
            d.current_revisions
                .iter()
                .map(|r| revision_detail(r, &d.capacity_providers))
                .collect(),
        ),
        // [U] threshold: services' circuit breaker minimum.
        circuit_breaker: Some(m::DaemonCircuitBreaker {
            failure_count: Some(0),
            status: Some("MONITORING".into()),
            threshold: Some(3),
        }),
        alarms: Some(m::DaemonDeploymentAlarms {
            status: Some(if alarms.enable == Some(true) {
                "MONITORING".into()
            } else {
                "DISABLED".into()
            }),
            alarm_names: alarms.alarm_names.clone(),
            triggered_alarm_names: Some(Vec::new()),
        }),
        rollback: None,
        deployment_configuration: Some(cfg.clone()),
        created_at: Some(now),
        started_at: None,
        stopped_at: None,
        finished_at: None,
    };
    let st = &mut ctx.acct_mut().ecs;
    st.daemon_deployments.insert(
        dep_arn.clone(),
        DaemonDeploymentRec {
            daemon: key.to_string(),
            daemon_arn: d.arn.clone(),
            model: dep,
        },
    );
    if let Some(dm) = st.daemons.get_mut(key) {
        dm.deployment_arn = dep_arn.clone();
        if let Some(t) = &target {
            dm.current_revisions.push(t.clone());
        }
    }
    for a in stopped {
        ctx.emit(event(
            "daemon-deployment",
            &a,
            "state-changed",
            Some("STOPPED"),
        ));
    }
    ctx.emit(event(
        "daemon-deployment",
        &dep_arn,
        "created",
        Some("PENDING"),
    ));
    let bake_ms = i64::from(cfg.bake_time_in_minutes.unwrap_or(0)) * 60_000;
    let a = dep_arn.clone();
    ctx.schedule(START_MS, move |ctx| start_deployment(ctx, a, bake_ms));
    dep_arn
}

fn start_deployment(ctx: &mut Ctx, dep_arn: String, bake_ms: i64) {
    let now = ctx.now();
    let Some(dep) = ctx.acct_mut().ecs.daemon_deployments.get_mut(&dep_arn) else {
        return;
    };
    if dep.model.status.as_deref() != Some("PENDING") {
        return;
    }
    dep.model.status = Some("IN_PROGRESS".into());
    dep.model.started_at = Some(now);
    ctx.emit(event(
        "daemon-deployment",
        &dep_arn,
        "state-changed",
        Some("IN_PROGRESS"),
    ));
    ctx.schedule(ROLL_MS + bake_ms, move |ctx| {
        finish_deployment(ctx, dep_arn)
    });
}

fn finish_deployment(ctx: &mut Ctx, dep_arn: String) {
    let now = ctx.now();
    let Some(dep) = ctx.acct_mut().ecs.daemon_deployments.get_mut(&dep_arn) else {
        return;
    };
    if dep.model.status.as_deref() != Some("IN_PROGRESS") {
        return;
    }
    dep.model.status = Some("SUCCESSFUL".into());
    dep.model.finished_at = Some(now);
    if let Some(cb) = &mut dep.model.circuit_breaker {
        cb.status = Some("MONITORING_COMPLETE".into());
    }
    if let Some(a) = &mut dep.model.alarms {
        if a.status.as_deref() == Some("MONITORING") {
            a.status = Some("MONITORING_COMPLETE".into());
        }
    }
    let key = dep.daemon.clone();
    let target = dep
        .model
        .target_daemon_revision
        .as_ref()
        .and_then(|t| t.arn.clone());
    ctx.emit(event(
        "daemon-deployment",
        &dep_arn,
        "state-changed",
        Some("SUCCESSFUL"),
    ));
    let st = &mut ctx.acct_mut().ecs;
    match target {
        Some(t) => {
            if let Some(d) = st.daemons.get_mut(&key) {
                if d.deployment_arn == dep_arn {
                    d.current_revisions = vec![t];
                }
            }
        }
        None => {
            // The deletion drained every instance: the daemon is gone.
            if st.daemons.remove(&key).is_some() {
                ctx.emit(event("daemon", &key, "deleted", None));
            }
        }
    }
}

fn detail(ctx: &Ctx, d: &DaemonRec) -> m::DaemonDetail {
    m::DaemonDetail {
        daemon_arn: Some(d.arn.clone()),
        cluster_arn: Some(arn(ctx, &format!("cluster/{}", d.cluster))),
        status: Some(d.status.clone()),
        current_revisions: Some(
            d.current_revisions
                .iter()
                .map(|r| m::DaemonRevisionDetail {
                    arn: Some(r.clone()),
                    capacity_providers: Some(
                        d.capacity_providers
                            .iter()
                            .map(|cp| m::DaemonCapacityProvider {
                                arn: Some(cp.clone()),
                                running_count: Some(0),
                                without_daemon_count: Some(0),
                            })
                            .collect(),
                    ),
                    total_running_count: Some(0),
                    total_without_daemon_count: Some(0),
                })
                .collect(),
        ),
        deployment_arn: Some(d.deployment_arn.clone()),
        created_at: Some(d.created_at),
        updated_at: Some(d.updated_at),
    }
}

pub(super) fn create(ctx: &mut Ctx, i: m::CreateDaemonRequest) -> R<m::CreateDaemonResponse> {
    let name = i.daemon_name.clone().unwrap_or_default();
    if !valid_name(&name) {
        return Err(invalid(
            "Daemon name must be up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens.",
        ));
    }
    let cluster = clusters::active(ctx, i.cluster_arn.as_deref())?;
    let key = format!("{cluster}/{name}");
    if let Some(token) = &i.client_token {
        if token.is_empty() || token.len() > 36 {
            return Err(invalid("clientToken must be 1 to 36 characters."));
        }
        // The same token again answers the daemon it created.
        if let Some(d) = ctx.acct().ecs.daemons.get(&key) {
            if d.client_token.as_ref() == Some(token) {
                return Ok(m::CreateDaemonResponse {
                    daemon_arn: Some(d.arn.clone()),
                    status: Some(d.status.clone()),
                    created_at: Some(d.created_at),
                    deployment_arn: Some(d.deployment_arn.clone()),
                });
            }
        }
    }
    if ctx.acct().ecs.daemons.contains_key(&key) {
        // [U] as CreateService's "Creation of service was not idempotent."
        return Err(invalid("Creation of daemon was not idempotent."));
    }
    let td_arn = active_td_arn(ctx, i.daemon_task_definition_arn.as_deref().unwrap_or(""))?;
    let cps = i.capacity_provider_arns.clone().unwrap_or_default();
    check_capacity_providers(ctx, &cps)?;
    if let Some(c) = &i.deployment_configuration {
        check_deployment_configuration(c)?;
    }
    if let Some(p) = &i.propagate_tags {
        if !matches!(p.as_str(), "DAEMON" | "NONE") {
            return Err(invalid(format!(
                "Invalid propagateTags {p}: valid values are DAEMON and NONE."
            )));
        }
    }
    let tags = i.tags.clone().unwrap_or_default();
    check_tags(&tags)?;
    let now = ctx.now();
    let daemon_arn = arn(ctx, &format!("daemon/{key}"));
    ctx.acct_mut().ecs.daemons.insert(
        key.clone(),
        DaemonRec {
            cluster,
            name,
            arn: daemon_arn.clone(),
            status: "ACTIVE".into(),
            created_at: now,
            updated_at: now,
            task_definition: td_arn,
            capacity_providers: cps,
            deployment_configuration: with_defaults(i.deployment_configuration),
            propagate_tags: i.propagate_tags,
            enable_ecs_managed_tags: i.enable_ecs_managed_tags.unwrap_or(false),
            enable_execute_command: i.enable_execute_command.unwrap_or(false),
            // [U] the model's text about the default is cut short; true
            // matches "Daemons are essential for instance health".
            critical: i.critical.unwrap_or(true),
            client_token: i.client_token,
            tags,
            deployment_arn: String::new(),
            current_revisions: Vec::new(),
        },
    );
    ctx.emit(event("daemon", &key, "created", Some("ACTIVE")));
    let dep = deploy(ctx, &key, false);
    Ok(m::CreateDaemonResponse {
        daemon_arn: Some(daemon_arn),
        status: Some("ACTIVE".into()),
        created_at: Some(now),
        deployment_arn: Some(dep),
    })
}

pub(super) fn describe(ctx: &mut Ctx, i: m::DescribeDaemonRequest) -> R<m::DescribeDaemonResponse> {
    let key = existing(ctx, i.daemon_arn.as_deref().unwrap_or(""))?;
    let d = &ctx.acct().ecs.daemons[&key];
    Ok(m::DescribeDaemonResponse {
        daemon: Some(detail(ctx, d)),
    })
}

fn not_active() -> AwsError {
    AwsError::new("DaemonNotActiveException", "Daemon is not ACTIVE.") // message [U]
}

pub(super) fn update(ctx: &mut Ctx, i: m::UpdateDaemonRequest) -> R<m::UpdateDaemonResponse> {
    let key = existing(ctx, i.daemon_arn.as_deref().unwrap_or(""))?;
    if ctx.acct().ecs.daemons[&key].status != "ACTIVE" {
        return Err(not_active());
    }
    let td_arn = active_td_arn(ctx, i.daemon_task_definition_arn.as_deref().unwrap_or(""))?;
    let cps = i.capacity_provider_arns.clone().unwrap_or_default();
    check_capacity_providers(ctx, &cps)?;
    if let Some(c) = &i.deployment_configuration {
        check_deployment_configuration(c)?;
    }
    if let Some(p) = &i.propagate_tags {
        if !matches!(p.as_str(), "DAEMON" | "NONE") {
            return Err(invalid(format!(
                "Invalid propagateTags {p}: valid values are DAEMON and NONE."
            )));
        }
    }
    let now = ctx.now();
    let d = ctx.acct_mut().ecs.daemons.get_mut(&key).expect("exists");
    d.task_definition = td_arn;
    d.capacity_providers = cps;
    if i.deployment_configuration.is_some() {
        d.deployment_configuration = with_defaults(i.deployment_configuration);
    }
    if i.propagate_tags.is_some() {
        d.propagate_tags = i.propagate_tags;
    }
    if let Some(v) = i.enable_ecs_managed_tags {
        d.enable_ecs_managed_tags = v;
    }
    if let Some(v) = i.enable_execute_command {
        d.enable_execute_command = v;
    }
    if let Some(v) = i.critical {
        d.critical = v;
    }
    d.updated_at = now;
    let dep = deploy(ctx, &key, false);
    let d = &ctx.acct().ecs.daemons[&key];
    Ok(m::UpdateDaemonResponse {
        daemon_arn: Some(d.arn.clone()),
        status: Some(d.status.clone()),
        created_at: Some(d.created_at),
        updated_at: Some(d.updated_at),
        deployment_arn: Some(dep),
    })
}

pub(super) fn delete(ctx: &mut Ctx, i: m::DeleteDaemonRequest) -> R<m::DeleteDaemonResponse> {
    let key = existing(ctx, i.daemon_arn.as_deref().unwrap_or(""))?;
    // The model: "The daemon must be in an ACTIVE state to be deleted."
    if ctx.acct().ecs.daemons[&key].status != "ACTIVE" {
        return Err(not_active());
    }
    let now = ctx.now();
    let d = ctx.acct_mut().ecs.daemons.get_mut(&key).expect("exists");
    d.status = "DELETE_IN_PROGRESS".into();
    d.updated_at = now;
    ctx.emit(event(
        "daemon",
        &key,
        "state-changed",
        Some("DELETE_IN_PROGRESS"),
    ));
    let dep = deploy(ctx, &key, true);
    let d = &ctx.acct().ecs.daemons[&key];
    Ok(m::DeleteDaemonResponse {
        daemon_arn: Some(d.arn.clone()),
        status: Some(d.status.clone()),
        created_at: Some(d.created_at),
        updated_at: Some(d.updated_at),
        deployment_arn: Some(dep),
    })
}

pub(super) fn list(ctx: &mut Ctx, i: m::ListDaemonsRequest) -> R<m::ListDaemonsResponse> {
    let max = check_max(i.max_results)?;
    // The model: "If you do not specify a cluster, the default cluster is
    // assumed."
    let cluster = clusters::active(ctx, i.cluster_arn.as_deref())?;
    let cps = i.capacity_provider_arns.clone().unwrap_or_default();
    let items = ctx
        .acct()
        .ecs
        .daemons
        .iter()
        .filter(|(_, d)| d.cluster == cluster)
        .filter(|(_, d)| cps.is_empty() || d.capacity_providers.iter().any(|c| cps.contains(c)))
        .map(|(k, d)| {
            (
                k.clone(),
                m::DaemonSummary {
                    daemon_arn: Some(d.arn.clone()),
                    status: Some(d.status.clone()),
                    created_at: Some(d.created_at),
                    updated_at: Some(d.updated_at),
                },
            )
        })
        .collect();
    let (list, next) = page(items, max, i.next_token.as_deref())?;
    Ok(m::ListDaemonsResponse {
        daemon_summaries_list: Some(list),
        next_token: next,
    })
}

/// Checks a Describe call's list of ARNs (1 to 20).
fn check_arns(arns: &[String], what: &str) -> R<()> {
    if arns.is_empty() || arns.len() > 20 {
        return Err(invalid(format!(
            "{what} must contain between 1 and 20 ARNs."
        )));
    }
    Ok(())
}

fn missing(a: &str) -> m::Failure {
    m::Failure {
        arn: Some(a.to_string()),
        reason: Some("MISSING".into()),
        detail: None,
    }
}

pub(super) fn describe_deployments(
    ctx: &mut Ctx,
    i: m::DescribeDaemonDeploymentsRequest,
) -> R<m::DescribeDaemonDeploymentsResponse> {
    let arns = i.daemon_deployment_arns.unwrap_or_default();
    check_arns(&arns, "daemonDeploymentArns")?;
    let st = &ctx.acct().ecs;
    let (mut found, mut failures) = (Vec::new(), Vec::new());
    for a in &arns {
        match st.daemon_deployments.get(a) {
            Some(d) => found.push(d.model.clone()),
            None => failures.push(missing(a)),
        }
    }
    Ok(m::DescribeDaemonDeploymentsResponse {
        failures: Some(failures),
        daemon_deployments: Some(found),
    })
}

pub(super) fn list_deployments(
    ctx: &mut Ctx,
    i: m::ListDaemonDeploymentsRequest,
) -> R<m::ListDaemonDeploymentsResponse> {
    // The API reference: 1 to 100, 20 when not given.
    let max = match i.max_results {
        None => 20,
        m => check_max(m)?,
    };
    let key = existing(ctx, i.daemon_arn.as_deref().unwrap_or(""))?;
    let statuses = i.status.clone().unwrap_or_default();
    let (after, before) = match &i.created_at {
        Some(c) => (c.after, c.before),
        None => (None, None),
    };
    let mut items: Vec<(Timestamp, String, m::DaemonDeploymentSummary)> = ctx
        .acct()
        .ecs
        .daemon_deployments
        .iter()
        .filter(|(_, d)| d.daemon == key)
        .filter(|(_, d)| {
            statuses.is_empty() || statuses.iter().any(|s| d.model.status.as_ref() == Some(s))
        })
        .filter(|(_, d)| {
            let c = d.model.created_at.unwrap_or_default();
            after.is_none_or(|a| c >= a) && before.is_none_or(|b| c <= b)
        })
        .map(|(a, d)| {
            (
                d.model.created_at.unwrap_or_default(),
                a.clone(),
                m::DaemonDeploymentSummary {
                    daemon_deployment_arn: Some(a.clone()),
                    daemon_arn: Some(d.daemon_arn.clone()),
                    cluster_arn: d.model.cluster_arn.clone(),
                    status: d.model.status.clone(),
                    status_reason: d.model.status_reason.clone(),
                    target_daemon_revision_arn: d
                        .model
                        .target_daemon_revision
                        .as_ref()
                        .and_then(|t| t.arn.clone()),
                    created_at: d.model.created_at,
                    started_at: d.model.started_at,
                    stopped_at: d.model.stopped_at,
                    finished_at: d.model.finished_at,
                },
            )
        })
        .collect();
    // Newest first [U].
    items.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    let keyed = items
        .into_iter()
        .enumerate()
        .map(|(n, (_, _, s))| (format!("{n:010}"), s))
        .collect();
    let (list, next) = page(keyed, max, i.next_token.as_deref())?;
    Ok(m::ListDaemonDeploymentsResponse {
        next_token: next,
        daemon_deployments: Some(list),
    })
}

pub(super) fn describe_revisions(
    ctx: &mut Ctx,
    i: m::DescribeDaemonRevisionsRequest,
) -> R<m::DescribeDaemonRevisionsResponse> {
    let arns = i.daemon_revision_arns.unwrap_or_default();
    check_arns(&arns, "daemonRevisionArns")?;
    let st = &ctx.acct().ecs;
    let (mut found, mut failures) = (Vec::new(), Vec::new());
    for a in &arns {
        match st.daemon_revisions.get(a) {
            Some(r) => found.push(r.clone()),
            None => failures.push(missing(a)),
        }
    }
    Ok(m::DescribeDaemonRevisionsResponse {
        daemon_revisions: Some(found),
        failures: Some(failures),
    })
}
