//! Service deployments and service revisions of services with the ECS
//! (rolling update) deployment controller: ListServiceDeployments,
//! DescribeServiceDeployments, DescribeServiceRevisions,
//! StopServiceDeployment, ContinueServiceDeployment, and the rollback the
//! circuit breaker and StopServiceDeployment share (developer guide "View
//! service history using Amazon ECS service deployments", "Amazon ECS
//! service revisions", "Stopping Amazon ECS service deployments").
//!
//! Each deployment (`ecs-svc/<digits>`) services.rs makes gets one service
//! deployment and one service revision (`service-revision/<cluster>/<service>/<digits>`),
//! recorded by `sync`, which services.rs calls around its scheduler; `sync`
//! also follows the deployment's rollout into the record's status.

use super::circuit_breaker;
use super::common::{arn, check_max, invalid, page, push_event, service_not_found, short_name, R};
use super::state::{ServiceDeploymentRec, ServiceRec};
use super::task_definitions;
use super::tasks::Watch;
use crate::model::ecs as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

/// Statuses after which a service deployment no longer changes [R developer
/// guide "service-deployment": the Completed stage].
const TERMINAL: [&str; 4] = [
    "SUCCESSFUL",
    "STOPPED",
    "ROLLBACK_SUCCESSFUL",
    "ROLLBACK_FAILED",
];

fn not_found() -> AwsError {
    // [U] wording
    AwsError::new(
        "ServiceDeploymentNotFoundException",
        "The service deployment does not exist.",
    )
}

/// The digits of a deployment id (`ecs-svc/<digits>`): the revision's id [U].
fn revision_id(deployment_id: &str) -> String {
    deployment_id
        .rsplit('/')
        .next()
        .unwrap_or(deployment_id)
        .to_string()
}

/// A service deployment id like AWS's (`NCWGC2ZR-taawPAYrIaU5`) [R
/// developer guide "Stopping Amazon ECS service deployments", example].
fn deployment_arn_id(ctx: &Ctx) -> String {
    if let Some(id) = ctx.world.ids.take_pin("ecs-service-deployment") {
        return id;
    }
    let head = ctx.world.ids.alnum(8).to_uppercase();
    let tail: String = ctx
        .world
        .ids
        .alnum(12)
        .chars()
        .map(|c| {
            if ctx.world.ids.byte() % 2 == 0 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect();
    format!("{head}-{tail}")
}

fn parts(key: &str) -> (&str, &str) {
    key.split_once('/').unwrap_or((key, ""))
}

/// The revision a deployment of the service is made of.
fn revision(ctx: &Ctx, svc: &ServiceRec, d: &m::Deployment) -> m::ServiceRevision {
    let (cluster, name) = (
        svc.cluster.as_str(),
        svc.model.service_name.as_deref().unwrap_or(""),
    );
    let id = revision_id(d.id.as_deref().unwrap_or(""));
    let images = task_definitions::find(ctx, d.task_definition.as_deref().unwrap_or(""))
        .map(|t| {
            t.model
                .container_definitions
                .iter()
                .flatten()
                .map(|c| m::ContainerImage {
                    container_name: c.name.clone(),
                    image: c.image.clone(),
                    ..Default::default()
                })
                .collect()
        })
        .unwrap_or_default();
    m::ServiceRevision {
        service_revision_arn: Some(arn(ctx, &format!("service-revision/{cluster}/{name}/{id}"))),
        service_arn: svc.model.service_arn.clone(),
        cluster_arn: svc.model.cluster_arn.clone(),
        task_definition: d.task_definition.clone(),
        capacity_provider_strategy: d.capacity_provider_strategy.clone(),
        launch_type: d.launch_type.clone(),
        platform_version: d.platform_version.clone(),
        platform_family: d.platform_family.clone(),
        load_balancers: svc.model.load_balancers.clone(),
        service_registries: svc.model.service_registries.clone(),
        network_configuration: d.network_configuration.clone(),
        container_images: Some(images),
        guard_duty_enabled: Some(false),
        service_connect_configuration: d.service_connect_configuration.clone(),
        volume_configurations: d.volume_configurations.clone(),
        fargate_ephemeral_storage: d.fargate_ephemeral_storage.clone(),
        created_at: d.created_at,
        vpc_lattice_configurations: d.vpc_lattice_configurations.clone(),
        ..Default::default()
    }
}

fn summary(arn: Option<String>, requested: Option<i32>) -> m::ServiceRevisionSummary {
    m::ServiceRevisionSummary {
        arn,
        requested_task_count: requested,
        running_task_count: Some(0),
        pending_task_count: Some(0),
        ..Default::default()
    }
}

/// Records the service's new deployments (a service deployment and a
/// revision each) and follows each one's rollout into its record. Called
/// by services.rs before and after its scheduler looks at the service.
pub(super) fn sync(ctx: &mut Ctx, key: &str) {
    let Some(svc) = ctx.acct().ecs.services.get(key).cloned() else {
        return;
    };
    if svc.model.status.as_deref() == Some("INACTIVE") {
        // [R developer guide: "When you delete a service, Amazon ECS deletes
        // the corresponding service deployments"; revisions likewise]
        let st = &mut ctx.acct_mut().ecs;
        st.service_deployments.retain(|_, r| r.service != key);
        let prefix = format!("service-revision/{key}/");
        st.service_revisions.retain(|a, _| !a.contains(&prefix));
        return;
    }
    let deployments = svc.model.deployments.clone().unwrap_or_default();
    let now = ctx.now();
    let (cluster, name) = parts(key);
    // New deployments, oldest first.
    for d in deployments.iter().rev() {
        let id = d.id.clone().unwrap_or_default();
        let known = ctx.acct().ecs.service_deployments.values().any(|r| {
            r.service == key && (r.deployment_id == id || r.rollback_to.as_deref() == Some(&id))
        });
        if known {
            continue;
        }
        let rev = revision(ctx, &svc, d);
        let rev_arn = rev.service_revision_arn.clone().unwrap_or_default();
        let sources: Vec<m::ServiceRevisionSummary> = deployments
            .iter()
            .filter(|o| o.id != d.id)
            .filter_map(|o| {
                let oid = o.id.clone().unwrap_or_default();
                ctx.acct()
                    .ecs
                    .service_deployments
                    .values()
                    .find(|r| r.service == key && r.deployment_id == oid)
                    .and_then(|r| r.model.target_service_revision.as_ref())
                    .map(|t| summary(t.arn.clone(), o.desired_count))
            })
            .collect();
        let cfg = svc.model.deployment_configuration.clone();
        let breaker =
            circuit_breaker::enabled(cfg.as_ref()).map(|_| m::ServiceDeploymentCircuitBreaker {
                status: Some("MONITORING".into()),
                failure_count: Some(0),
                threshold: None,
            });
        let sd_arn = arn(
            ctx,
            &format!(
                "service-deployment/{cluster}/{name}/{}",
                deployment_arn_id(ctx)
            ),
        );
        let rec = ServiceDeploymentRec {
            service: key.to_string(),
            deployment_id: id,
            rollback_to: None,
            blue_green: None,
            model: m::ServiceDeployment {
                service_deployment_arn: Some(sd_arn.clone()),
                service_arn: svc.model.service_arn.clone(),
                cluster_arn: svc.model.cluster_arn.clone(),
                created_at: d.created_at,
                started_at: d.created_at,
                updated_at: Some(now),
                source_service_revisions: Some(sources),
                target_service_revision: Some(summary(Some(rev_arn.clone()), d.desired_count)),
                status: Some("IN_PROGRESS".into()),
                deployment_configuration: cfg,
                deployment_circuit_breaker: breaker.or(Some(m::ServiceDeploymentCircuitBreaker {
                    status: Some("DISABLED".into()),
                    ..Default::default()
                })),
                ..Default::default()
            },
        };
        let st = &mut ctx.acct_mut().ecs;
        st.service_revisions.insert(rev_arn, rev);
        st.service_deployments.insert(sd_arn, rec);
    }
    // Follow the rollouts.
    let open: Vec<String> = ctx
        .acct()
        .ecs
        .service_deployments
        .iter()
        .filter(|(_, r)| r.service == key)
        .filter(|(_, r)| !TERMINAL.contains(&r.model.status.as_deref().unwrap_or("")))
        .map(|(a, _)| a.clone())
        .collect();
    for a in open {
        let rec = ctx.acct().ecs.service_deployments[&a].clone();
        let find = |id: &str| deployments.iter().find(|d| d.id.as_deref() == Some(id));
        let mine = find(&rec.deployment_id);
        let (status, reason, finished) = match &rec.rollback_to {
            Some(to) => match find(to) {
                Some(d) if d.rollout_state.as_deref() == Some("COMPLETED") => (
                    "ROLLBACK_SUCCESSFUL",
                    Some(format!("Service deployment rolled back to {to}.")),
                    true,
                ),
                Some(_) => ("ROLLBACK_IN_PROGRESS", None, false),
                None => ("ROLLBACK_FAILED", None, true),
            },
            None => match mine {
                Some(d) if d.rollout_state.as_deref() == Some("COMPLETED") => {
                    ("SUCCESSFUL", None, true)
                }
                Some(d) if d.rollout_state.as_deref() == Some("FAILED") => {
                    if circuit_breaker::enabled(svc.model.deployment_configuration.as_ref())
                        .is_some()
                    {
                        ("STOPPED", d.rollout_state_reason.clone(), true)
                    } else {
                        ("IN_PROGRESS", None, false)
                    }
                }
                Some(d) if d.status.as_deref() == Some("ACTIVE") => (
                    "STOPPED",
                    // [U] wording
                    Some("Service deployment stopped: a newer service deployment started.".into()),
                    true,
                ),
                Some(_) => ("IN_PROGRESS", None, false),
                None => (
                    "STOPPED",
                    Some("Service deployment stopped: a newer service deployment started.".into()),
                    true,
                ),
            },
        };
        let failed = mine.and_then(|d| d.failed_tasks).unwrap_or(0);
        let tripped = mine.is_some_and(|d| d.rollout_state.as_deref() == Some("FAILED"));
        if let Some(r) = ctx.acct_mut().ecs.service_deployments.get_mut(&a) {
            let changed = r.model.status.as_deref() != Some(status);
            if changed {
                r.model.status = Some(status.into());
                r.model.updated_at = Some(now);
                if reason.is_some() {
                    r.model.status_reason = reason;
                }
                if finished {
                    r.model.finished_at = Some(now);
                    if status == "STOPPED" {
                        r.model.stopped_at = Some(now);
                    }
                }
            }
            if let Some(b) = r
                .model
                .deployment_circuit_breaker
                .as_mut()
                .filter(|b| !matches!(b.status.as_deref(), Some("DISABLED" | "TRIGGERED")))
            {
                if mine.is_some() {
                    b.failure_count = Some(failed);
                }
                b.status = Some(
                    if tripped {
                        "TRIGGERED"
                    } else if finished {
                        "MONITORING_COMPLETE"
                    } else {
                        "MONITORING"
                    }
                    .into(),
                );
            }
        }
    }
}

/// Rolls the service back from its PRIMARY deployment `from` to the last
/// deployment that completed, which becomes PRIMARY again; the record of
/// `from` says so. Gives the deployment rolled back to.
pub(super) fn roll_back(ctx: &mut Ctx, key: &str, from: &str, reason: &str) -> Option<String> {
    let now = ctx.now();
    let svc = ctx.acct().ecs.services.get(key)?;
    let ds = svc.model.deployments.clone().unwrap_or_default();
    let pos = ds.iter().position(|d| {
        d.id.as_deref() != Some(from) && d.rollout_state.as_deref() == Some("COMPLETED")
    })?;
    let to = ds[pos].id.clone().unwrap_or_default();
    let desired = svc.model.desired_count;
    let target_rev = ctx
        .acct()
        .ecs
        .service_deployments
        .values()
        .find(|r| r.service == key && r.deployment_id == to)
        .and_then(|r| r.model.target_service_revision.as_ref())
        .and_then(|t| t.arn.clone());
    if let Some(s) = ctx.acct_mut().ecs.services.get_mut(key) {
        let ds = s.model.deployments.get_or_insert_with(Vec::new);
        let mut back = ds.remove(pos);
        for d in ds.iter_mut() {
            d.status = Some("ACTIVE".into());
        }
        back.status = Some("PRIMARY".into());
        back.rollout_state = Some("IN_PROGRESS".into());
        back.rollout_state_reason = Some(format!("ECS deployment {to} in progress."));
        back.desired_count = desired;
        back.updated_at = Some(now);
        ds.insert(0, back);
        if let Some(d) = ds.first() {
            s.model.task_definition = d.task_definition.clone();
            s.model.network_configuration = d.network_configuration.clone();
        }
    }
    if let Some(r) = ctx
        .acct_mut()
        .ecs
        .service_deployments
        .values_mut()
        .find(|r| r.service == key && r.deployment_id == from)
    {
        r.rollback_to = Some(to.clone());
        r.model.status = Some("ROLLBACK_IN_PROGRESS".into());
        r.model.status_reason = Some(reason.to_string());
        r.model.updated_at = Some(now);
        r.model.rollback = Some(m::Rollback {
            reason: Some(reason.to_string()),
            started_at: Some(now),
            service_revision_arn: target_rev,
        });
    }
    Some(to)
}

/// The breaker has failed the PRIMARY deployment `failed` of the service
/// (`<cluster>/<service>`): says so in the service's events and, with
/// `rollback`, rolls the service back to the last deployment that
/// completed. Gives whether it rolled back.
pub(super) fn tripped(ctx: &mut Ctx, key: &str, name: &str, failed: &str, rollback: bool) -> bool {
    // [brief; U] the event's wording
    push_event(
        ctx,
        key,
        format!("(service {name}) (deployment {failed}) deployment failed: tasks failed to start."),
    );
    let failures = ctx
        .acct()
        .ecs
        .services
        .get(key)
        .and_then(|s| s.model.deployments.as_ref())
        .and_then(|ds| ds.iter().find(|d| d.id.as_deref() == Some(failed)))
        .and_then(|d| d.failed_tasks);
    if let Some(b) = ctx
        .acct_mut()
        .ecs
        .service_deployments
        .values_mut()
        .find(|r| r.service == key && r.deployment_id == failed)
        .and_then(|r| r.model.deployment_circuit_breaker.as_mut())
    {
        b.status = Some("TRIGGERED".into());
        b.failure_count = failures;
    }
    if !rollback {
        return false;
    }
    let reason =
        "Service deployment rolled back because the circuit breaker threshold was exceeded.";
    match roll_back(ctx, key, failed, reason) {
        Some(to) => {
            // [brief; U] the event's wording
            push_event(
                ctx,
                key,
                format!("(service {name}) rolling back to deployment {to}."),
            );
            true
        }
        None => false,
    }
}

/// The wire form: task counts of the revisions from the tasks.
fn wire(ctx: &Ctx, r: &ServiceDeploymentRec) -> m::ServiceDeployment {
    let mut out = r.model.clone();
    let st = &ctx.acct().ecs;
    let count = |rev_arn: Option<&str>| -> (i32, i32) {
        let Some(rev_arn) = rev_arn else {
            return (0, 0);
        };
        // The deployments running this revision.
        let ids: Vec<String> = st
            .service_deployments
            .values()
            .filter(|o| o.service == r.service)
            .filter(|o| {
                o.model
                    .target_service_revision
                    .as_ref()
                    .and_then(|t| t.arn.as_deref())
                    == Some(rev_arn)
            })
            .map(|o| o.deployment_id.clone())
            .collect();
        let Some(svc) = st.services.get(&r.service) else {
            return (0, 0);
        };
        let (mut running, mut pending) = (0, 0);
        for t in svc.task_ids.iter().filter_map(|t| st.tasks.get(t)) {
            if t.model.desired_status.as_deref() != Some("RUNNING")
                || !t
                    .model
                    .shape
                    .started_by
                    .as_ref()
                    .is_some_and(|s| ids.contains(s))
            {
                continue;
            }
            if t.model.last_status.as_deref() == Some("RUNNING") {
                running += 1;
            } else {
                pending += 1;
            }
        }
        (running, pending)
    };
    for s in out
        .source_service_revisions
        .iter_mut()
        .flatten()
        .chain(out.target_service_revision.iter_mut())
    {
        let (running, pending) = count(s.arn.as_deref());
        s.running_task_count = Some(running);
        s.pending_task_count = Some(pending);
    }
    if let Some(b) = out.deployment_circuit_breaker.as_mut() {
        if b.status.as_deref() != Some("DISABLED") {
            let desired = out
                .target_service_revision
                .as_ref()
                .and_then(|t| t.requested_task_count)
                .unwrap_or(0);
            b.threshold = Some(circuit_breaker::threshold(
                out.deployment_configuration.as_ref(),
                desired,
            ));
        }
    }
    out
}

pub(super) fn list(
    ctx: &mut Ctx,
    i: m::ListServiceDeploymentsRequest,
) -> R<m::ListServiceDeploymentsResponse> {
    let cluster = super::clusters::name_of(i.cluster.as_deref());
    if !ctx.acct().ecs.clusters.contains_key(&cluster) {
        return Err(super::common::cluster_not_found());
    }
    let name = short_name(i.service.as_deref().unwrap_or(""), "service")
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_string();
    let key = format!("{cluster}/{name}");
    if !ctx.acct().ecs.services.contains_key(&key) {
        return Err(service_not_found());
    }
    // [R model: "up to 20 results" when maxResults is not given]
    let max = match i.max_results {
        None => 20,
        m => check_max(m)?,
    };
    let statuses = i.status.unwrap_or_default();
    let (after, before) = i
        .created_at
        .map(|c| (c.after, c.before))
        .unwrap_or((None, None));
    let items: Vec<(String, m::ServiceDeploymentBrief)> = ctx
        .acct()
        .ecs
        .service_deployments
        .values()
        .filter(|r| r.service == key)
        .filter(|r| {
            statuses.is_empty() || statuses.iter().any(|s| r.model.status.as_ref() == Some(s))
        })
        .filter(|r| after.is_none_or(|a| r.model.created_at.is_some_and(|c| c >= a)))
        .filter(|r| before.is_none_or(|b| r.model.created_at.is_some_and(|c| c <= b)))
        .map(|r| {
            let created = r.model.created_at.map_or(0, |c| c.millis());
            let arn = r.model.service_deployment_arn.clone().unwrap_or_default();
            // Newest first [U].
            (
                format!("{:020}/{arn}", i64::MAX - created),
                m::ServiceDeploymentBrief {
                    service_deployment_arn: Some(arn),
                    service_arn: r.model.service_arn.clone(),
                    cluster_arn: r.model.cluster_arn.clone(),
                    started_at: r.model.started_at,
                    created_at: r.model.created_at,
                    finished_at: r.model.finished_at,
                    target_service_revision_arn: r
                        .model
                        .target_service_revision
                        .as_ref()
                        .and_then(|t| t.arn.clone()),
                    status: r.model.status.clone(),
                    status_reason: r.model.status_reason.clone(),
                },
            )
        })
        .collect();
    let mut items = items;
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let (out, next) = page(items, max, i.next_token.as_deref())?;
    Ok(m::ListServiceDeploymentsResponse {
        service_deployments: Some(out),
        next_token: next,
    })
}

fn check_arns(arns: &[String], what: &str) -> R<()> {
    if arns.is_empty() {
        return Err(invalid(format!("{what} cannot be empty.")));
    }
    if arns.len() > 20 {
        // [R API reference: "You can specify a maximum of 20 ARNs."]
        return Err(invalid(format!("{what} cannot be longer than 20.")));
    }
    Ok(())
}

pub(super) fn describe(
    ctx: &mut Ctx,
    i: m::DescribeServiceDeploymentsRequest,
) -> R<m::DescribeServiceDeploymentsResponse> {
    let arns = i.service_deployment_arns.unwrap_or_default();
    check_arns(&arns, "serviceDeploymentArns")?;
    let mut out = Vec::new();
    let mut failures = Vec::new();
    for a in arns {
        match ctx.acct().ecs.service_deployments.get(&a) {
            Some(r) => out.push(wire(ctx, r)),
            None => failures.push(m::Failure {
                arn: Some(a),
                reason: Some("MISSING".into()),
                detail: None,
            }),
        }
    }
    Ok(m::DescribeServiceDeploymentsResponse {
        service_deployments: Some(out),
        failures: Some(failures),
    })
}

pub(super) fn describe_revisions(
    ctx: &mut Ctx,
    i: m::DescribeServiceRevisionsRequest,
) -> R<m::DescribeServiceRevisionsResponse> {
    let arns = i.service_revision_arns.unwrap_or_default();
    check_arns(&arns, "serviceRevisionArns")?;
    let mut out = Vec::new();
    let mut failures = Vec::new();
    for a in arns {
        match ctx.acct().ecs.service_revisions.get(&a) {
            Some(r) => out.push(r.clone()),
            None => failures.push(m::Failure {
                arn: Some(a),
                reason: Some("MISSING".into()),
                detail: None,
            }),
        }
    }
    Ok(m::DescribeServiceRevisionsResponse {
        service_revisions: Some(out),
        failures: Some(failures),
    })
}

/// StopServiceDeployment: `ROLLBACK` (the default and the only type the
/// API reference lists as valid) rolls the service back to the previous
/// service revision; `watch` is the scheduler (services.rs).
pub(super) fn stop(
    ctx: &mut Ctx,
    i: m::StopServiceDeploymentRequest,
    watch: Watch,
) -> R<m::StopServiceDeploymentResponse> {
    let a = i.service_deployment_arn.unwrap_or_default();
    let Some(rec) = ctx.acct().ecs.service_deployments.get(&a).cloned() else {
        return Err(not_found());
    };
    let stop_type = i.stop_type.unwrap_or_else(|| "ROLLBACK".into());
    let status = rec.model.status.clone().unwrap_or_default();
    if TERMINAL.contains(&status.as_str()) {
        // [U] wording
        return Err(AwsError::new(
            "ConflictException",
            format!("The service deployment is {status} and can't be stopped."),
        ));
    }
    match stop_type.as_str() {
        "ROLLBACK" => {}
        // [R API reference StopServiceDeployment: "The valid values are ROLLBACK."]
        "ABORT" => {
            return Err(invalid(
                "ABORT is not supported for service deployments of the ECS deployment controller. The valid values are ROLLBACK.",
            ))
        }
        other => return Err(invalid(format!("Invalid stopType {other}."))),
    }
    // [R developer guide: ROLLBACK_REQUESTED and ROLLBACK_IN_PROGRESS
    // "continue the rollback operation"]
    if status.starts_with("ROLLBACK") || status == "STOP_REQUESTED" {
        return Ok(m::StopServiceDeploymentResponse {
            service_deployment_arn: Some(a),
        });
    }
    let reason = "Service deployment rolled back because of a stop request.";
    let Some(to) = roll_back(ctx, &rec.service, &rec.deployment_id, reason) else {
        // [U] wording
        return Err(invalid(
            "The service deployment can't be rolled back: the service has no previous service revision that completed.",
        ));
    };
    let name = parts(&rec.service).1.to_string();
    push_event(
        ctx,
        &rec.service,
        format!("(service {name}) rolling back to deployment {to}."),
    );
    watch(ctx, &rec.service);
    Ok(m::StopServiceDeploymentResponse {
        service_deployment_arn: Some(a),
    })
}
