//! CreateService, DescribeServices, UpdateService, DeleteService,
//! ListServices, the scheduler that keeps a service at its desired count, and
//! Service Connect (aws-spec.md §10.3–10.4, §11.13–11.17).

use std::collections::BTreeMap;

use super::blue_green;
use super::capacity_providers::{self, Placement};
use super::circuit_breaker;
use super::clusters;
use super::common::{
    arn, check_max, event, invalid, page, protected_event, push_event, service_not_found,
    short_name, started_event, stopped_event, unable_event, R,
};
use super::load_balancing::{self, Health};
use super::placement;
use super::service_deployments;
use super::state::{ServiceRec, TaskRec};
use super::task_definitions;
use super::task_protection;
use super::task_sets;
use super::tasks::{self, Launch, Net};
use crate::model::ecs as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

/// After this many failed tasks in a row a deployment stops replacing them
/// (AWS backs off ever longer; an emulator that never waits must stop).
const MAX_CONSECUTIVE_FAILURES: i32 = 10;

/// After this many failed tasks the service says it "is unable to
/// consistently start tasks successfully" [U: the count is not documented].
const IMPAIRED_AFTER: i32 = 3;

fn key(cluster: &str, name: &str) -> String {
    format!("{cluster}/{name}")
}

/// A service by name or ARN (`service/<cluster>/<name>` or `service/<name>`).
fn name_of(reference: &str) -> String {
    short_name(reference, "service")
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_string()
}

fn deployment_id(ctx: &Ctx) -> String {
    if let Some(id) = ctx.world.ids.take_pin("ecs-deployment") {
        return id;
    }
    let digits: String = ctx
        .world
        .ids
        .hex(19)
        .chars()
        .map(|c| char::from_digit(c.to_digit(16).unwrap_or(0) % 10, 10).unwrap_or('0'))
        .collect();
    format!("ecs-svc/{digits}")
}

fn is_arn(s: &str, service: &str, resource: &str) -> bool {
    s.strip_prefix(&format!("arn:aws:{service}:"))
        .and_then(|rest| {
            let mut p = rest.splitn(3, ':');
            let region = p.next()?;
            let account = p.next()?;
            let res = p.next()?;
            Some(
                (service == "iam" || !region.is_empty())
                    && account.len() == 12
                    && account.bytes().all(|b| b.is_ascii_digit())
                    && res.strip_prefix(resource).is_some_and(|r| !r.is_empty()),
            )
        })
        .unwrap_or(false)
}

/// Validates a Service Connect configuration against the task definition;
/// returns the Cloud Map services it makes.
fn service_connect(
    ctx: &mut Ctx,
    cluster: &str,
    def: &m::TaskDefinition,
    cfg: &m::ServiceConnectConfiguration,
) -> R<Vec<m::ServiceConnectServiceResource>> {
    if cfg.enabled != Some(true) {
        return Ok(vec![]);
    }
    let default_ns = ctx.acct().ecs.clusters[cluster]
        .model
        .service_connect_defaults
        .as_ref()
        .and_then(|d| d.namespace.clone());
    let Some(ns) = cfg.namespace.clone().or(default_ns) else {
        return Err(invalid(
            "Service Connect requires a namespace: give serviceConnectConfiguration.namespace or set the cluster's serviceConnectDefaults.",
        ));
    };
    clusters::namespace_arn(ctx, &ns, false)?;
    let ports: Vec<String> = def
        .container_definitions
        .iter()
        .flatten()
        .flat_map(|c| c.port_mappings.iter().flatten())
        .filter_map(|p| p.name.clone())
        .collect();
    let mut out = Vec::new();
    for s in cfg.services.iter().flatten() {
        let port = s.port_name.clone().unwrap_or_default();
        if !ports.contains(&port) {
            return Err(invalid(format!(
                "Port name {port} does not exist in the port mappings of task definition {}.",
                def.task_definition_arn.as_deref().unwrap_or("")
            )));
        }
        for a in s.client_aliases.iter().flatten() {
            if !a.port.is_some_and(|p| (1..=65535).contains(&p)) {
                return Err(invalid("clientAliases port must be between 1 and 65535."));
            }
        }
        if let Some(tls) = &s.tls {
            let pca = tls
                .issuer_certificate_authority
                .as_ref()
                .and_then(|i| i.aws_pca_authority_arn.clone())
                .unwrap_or_default();
            if !is_arn(&pca, "acm-pca", "certificate-authority/") {
                return Err(invalid(format!(
                    "Invalid awsPcaAuthorityArn {pca}: expected arn:aws:acm-pca:<region>:<account>:certificate-authority/<id>."
                )));
            }
            if let Some(k) = &tls.kms_key {
                if !(is_arn(k, "kms", "key/") || is_arn(k, "kms", "alias/")) {
                    return Err(invalid(format!(
                        "Invalid kmsKey {k}: expected a KMS key or alias ARN."
                    )));
                }
            }
            if let Some(r) = &tls.role_arn {
                if !is_arn(r, "iam", "role/") {
                    return Err(invalid(format!(
                        "Invalid roleArn {r}: expected arn:aws:iam::<account>:role/<name>."
                    )));
                }
            }
        }
        let discovery = s.discovery_name.clone().unwrap_or(port);
        out.push(m::ServiceConnectServiceResource {
            discovery_arn: Some(format!(
                "arn:aws:servicediscovery:{}:{}:service/{}",
                ctx.region_name(),
                ctx.account,
                ctx.world
                    .ids
                    .take_pin("service-discovery")
                    .unwrap_or_else(|| format!("srv-{}", ctx.world.ids.alnum(16)))
            )),
            discovery_name: Some(discovery),
        });
    }
    Ok(out)
}

struct DeploymentSpec<'a> {
    def: &'a m::TaskDefinition,
    desired: i32,
    launch_type: &'a str,
    strategy: Option<Vec<m::CapacityProviderStrategyItem>>,
    platform_version: Option<String>,
    network: Option<m::NetworkConfiguration>,
    connect: Option<m::ServiceConnectConfiguration>,
    connect_resources: Vec<m::ServiceConnectServiceResource>,
}

fn new_deployment(ctx: &Ctx, d: DeploymentSpec<'_>) -> m::Deployment {
    let id = deployment_id(ctx);
    let fargate = d.launch_type == "FARGATE";
    m::Deployment {
        rollout_state_reason: Some(format!("ECS deployment {id} in progress.")),
        id: Some(id),
        status: Some("PRIMARY".into()),
        task_definition: d.def.task_definition_arn.clone(),
        desired_count: Some(d.desired),
        pending_count: Some(0),
        running_count: Some(0),
        failed_tasks: Some(0),
        created_at: Some(ctx.now()),
        updated_at: Some(ctx.now()),
        capacity_provider_strategy: d.strategy.clone(),
        launch_type: d.strategy.is_none().then(|| d.launch_type.to_string()),
        // The deployment shows the version LATEST resolved to.
        platform_version: fargate.then(|| match d.platform_version.as_deref() {
            None | Some("LATEST") => "1.4.0".to_string(),
            Some(v) => v.to_string(),
        }),
        platform_family: fargate.then(|| "Linux".into()),
        network_configuration: d.network,
        rollout_state: Some("IN_PROGRESS".into()),
        service_connect_configuration: d.connect,
        service_connect_resources: (!d.connect_resources.is_empty()).then_some(d.connect_resources),
        ..Default::default()
    }
}

/// The network configuration's networking, checked, from a stored deployment.
fn net_of(
    ctx: &Ctx,
    def: &m::TaskDefinition,
    launch_type: &str,
    cfg: Option<&m::NetworkConfiguration>,
) -> R<Option<Net>> {
    tasks::network(ctx, def, launch_type, cfg)
}

/// Keeps the service at its desired count: starts and stops tasks, rolls
/// deployments forward, reports steady state, finishes draining. Services
/// with task sets (EXTERNAL, CODE_DEPLOY) are task_sets.rs's; the service
/// deployments of the others follow their deployments.
pub(super) fn reconcile(ctx: &mut Ctx, key: &str) {
    if task_sets::manages(ctx, key) {
        return task_sets::reconcile(ctx, key);
    }
    service_deployments::sync(ctx, key);
    blue_green::walk(ctx, key, reconcile);
    reconcile_deployments(ctx, key);
    service_deployments::sync(ctx, key);
}

fn reconcile_deployments(ctx: &mut Ctx, key: &str) {
    let Some(svc) = ctx.acct().ecs.services.get(key).cloned() else {
        return;
    };
    let status = svc.model.status.clone().unwrap_or_default();
    if status == "INACTIVE" {
        return;
    }
    let name = svc.model.service_name.clone().unwrap_or_default();
    let deployments = svc.model.deployments.clone().unwrap_or_default();
    let Some(primary) = deployments.first().cloned() else {
        return;
    };
    let primary_id = primary.id.clone().unwrap_or_default();
    let grace = svc.model.health_check_grace_period_seconds.unwrap_or(0);
    replace_unhealthy(ctx, key, &svc, grace);
    let st = &ctx.acct().ecs;
    let tasks: Vec<&TaskRec> = svc
        .task_ids
        .iter()
        .filter_map(|t| st.tasks.get(t).map(|t| &**t))
        .collect();
    let live = |t: &TaskRec| t.model.desired_status.as_deref() == Some("RUNNING");
    let of_primary = |t: &TaskRec| t.model.shape.started_by.as_deref() == Some(primary_id.as_str());
    let live_primary: Vec<String> = tasks
        .iter()
        .filter(|t| live(t) && of_primary(t))
        .filter_map(|t| task_key(t))
        .collect();
    // Running, and (behind a load balancer) past its first health checks.
    let running_primary = tasks
        .iter()
        .filter(|t| live(t) && of_primary(t))
        .filter(|t| t.model.last_status.as_deref() == Some("RUNNING"))
        .filter(|t| load_balancing::health(ctx, t, grace) == Health::Ready)
        .count();
    // Tasks per capacity provider, so new ones keep the strategy's split.
    let mut per_provider: BTreeMap<String, usize> = BTreeMap::new();
    for t in tasks.iter().filter(|t| live(t) && of_primary(t)) {
        if let Some(p) = t.model.capacity_provider_name() {
            *per_provider.entry(p.to_string()).or_insert(0) += 1;
        }
    }
    let live_old: Vec<String> = tasks
        .iter()
        .filter(|t| live(t) && !of_primary(t))
        .filter_map(|t| task_key(t))
        .collect();
    let failures: Vec<String> = tasks
        .iter()
        .filter(|t| of_primary(t))
        .filter(|t| {
            matches!(
                t.model.stop_code.as_deref(),
                Some("EssentialContainerExited" | "TaskFailedToStart")
            )
        })
        .filter_map(|t| task_key(t))
        .collect();
    let failed = failures.len() as i32;
    let desired = if status == "DRAINING" {
        0
    } else {
        svc.model.desired_count.unwrap_or(0).max(0) as usize
    };
    // With the circuit breaker its threshold fails the deployment, else
    // MAX_CONSECUTIVE_FAILURES stops the relaunching.
    let cfg = svc.model.deployment_configuration.as_ref();
    let breaker = circuit_breaker::enabled(cfg).cloned();
    let limit = circuit_breaker::threshold(cfg, desired as i32);
    // The breaker counts failures until the deployment runs its desired
    // count (or, with resetOnHealthyTask false, until it completes).
    let tripping = breaker.is_some()
        && failed >= limit
        && primary.rollout_state.as_deref() != Some("COMPLETED")
        && (running_primary < desired || !circuit_breaker::resets_on_healthy(cfg));
    // AWS retries a failing service ever more slowly, up to 27 minutes
    // apart, and never gives up; an emulator that runs due work at once
    // would relaunch without end (one Availability Zone that cannot pull
    // the image, say), so after MAX_CONSECUTIVE_FAILURES it stops. Only a
    // deployment that runs nothing is marked failed for it.
    let exhausted = failed >= MAX_CONSECUTIVE_FAILURES;
    let launches_blocked = tripping || exhausted;
    let gives_up = tripping || (exhausted && running_primary == 0);
    let mut tripped = false;

    // Failing again and again: said once per episode, as the count
    // crosses IMPAIRED_AFTER (ECS's SERVICE_TASK_START_IMPAIRED event).
    let before = primary.failed_tasks.unwrap_or(0);
    if before < IMPAIRED_AFTER && failed >= IMPAIRED_AFTER {
        push_event(
            ctx,
            key,
            format!("(service {name}) is unable to consistently start tasks successfully. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide."),
        );
    }
    // Record failures on the deployment.
    if failed != before || launches_blocked {
        if let Some(d) = ctx
            .acct_mut()
            .ecs
            .services
            .get_mut(key)
            .and_then(|s| s.model.deployments.as_mut())
            .and_then(|d| d.first_mut())
        {
            d.failed_tasks = Some(failed);
            if gives_up && d.rollout_state.as_deref() != Some("FAILED") {
                d.rollout_state = Some("FAILED".into());
                d.rollout_state_reason = Some(match tripping {
                    true => circuit_breaker::FAILED_REASON.to_string(),
                    false => format!("ECS deployment {primary_id} failed: tasks failed to start."),
                });
                tripped = tripping;
            }
        }
    }
    if tripped {
        let rollback = breaker.as_ref().and_then(|b| b.rollback) == Some(true);
        if service_deployments::tripped(ctx, key, &name, &primary_id, rollback) {
            return reconcile_deployments(ctx, key);
        }
    }

    // A blue/green deployment starts green at SCALE_UP and retires blue at
    // CLEAN_UP (blue_green.rs).
    let gate = blue_green::gate(ctx, key, &primary_id);
    if live_primary.len() < desired && !launches_blocked && gate.launch {
        let missing = desired - live_primary.len();
        let def = task_definitions::find(ctx, primary.task_definition.as_deref().unwrap_or(""))
            .map(|d| d.model.clone());
        let Some(def) = def else { return };
        let launch_type = primary.launch_type.clone().unwrap_or_else(|| {
            // A strategy of Auto Scaling group providers runs on EC2.
            let fargate = primary
                .capacity_provider_strategy
                .iter()
                .flatten()
                .all(|s| {
                    matches!(
                        s.capacity_provider.as_deref(),
                        Some("FARGATE" | "FARGATE_SPOT")
                    )
                });
            if fargate { "FARGATE" } else { "EC2" }.into()
        });
        let providers: Vec<Option<String>> = match &primary.capacity_provider_strategy {
            Some(s) if !s.is_empty() => capacity_providers::distribute(s, &per_provider, missing)
                .into_iter()
                .map(Some)
                .collect(),
            _ => vec![None; missing],
        };
        let Ok(net) = net_of(
            ctx,
            &def,
            &launch_type,
            primary.network_configuration.as_ref(),
        ) else {
            return;
        };
        let mut started = Vec::new();
        let group = format!("service:{name}");
        let strategy = svc.model.placement_strategy.clone().unwrap_or_default();
        let constraints = svc.model.placement_constraints.clone().unwrap_or_default();
        for (n, provider) in providers.iter().enumerate() {
            let spot = match placement::service_spot(
                ctx,
                &placement::ServiceAsk {
                    cluster: &svc.cluster,
                    launch_type: &launch_type,
                    def: &def,
                    net: net.as_ref(),
                    group: &group,
                    strategy: &strategy,
                    constraints: &constraints,
                    provider: provider.as_deref(),
                },
            ) {
                Ok(s) => s,
                Err(why) => {
                    placement::unplaced(ctx, key, &name, &why);
                    break;
                }
            };
            let r = tasks::launch(
                ctx,
                Launch {
                    cluster: &svc.cluster,
                    def: &def,
                    launch_type: &launch_type,
                    capacity_provider: provider.clone(),
                    platform_version: primary.platform_version.clone(),
                    net: net.as_ref(),
                    group: group.clone(),
                    started_by: Some(primary_id.clone()),
                    tags: vec![],
                    overrides: None,
                    service: Some(key.to_string()),
                    watch: Some(reconcile),
                    index: live_primary.len() + n,
                    spot,
                },
            );
            match r {
                Ok(id) => started.push(id),
                Err(e) => {
                    unable_event(ctx, key, &name, &e.message);
                    break;
                }
            }
        }
        started_event(ctx, key, &name, &started);
    } else if live_primary.len() > desired {
        let scaling = tasks::ScaleIn::desired(key, &name, &primary_id, reconcile)
            .deleting(status == "DRAINING");
        tasks::scale_in(ctx, scaling, &live_primary, desired);
    }

    // Roll forward: once the primary deployment runs its desired count, the
    // old ones are drained and removed.
    // Tasks under scale-in protection stay until it is cleared or lapses.
    if gate.retire_old && running_primary >= desired && !live_old.is_empty() {
        let mut spared: BTreeMap<String, usize> = BTreeMap::new();
        for t in &live_old {
            let Some(rec) = ctx.acct().ecs.tasks.get(t) else {
                continue;
            };
            if status == "ACTIVE" && task_protection::protected(ctx, rec) {
                let set = rec.model.shape.started_by.clone().unwrap_or_default();
                *spared.entry(set).or_insert(0) += 1;
                continue;
            }
            tasks::stop(
                ctx,
                t,
                "ServiceSchedulerInitiated",
                &format!("Deployment completed: replaced by (deployment {primary_id})"),
                Some(reconcile),
            );
        }
        for (set, n) in spared {
            protected_event(ctx, key, &name, &set, n);
        }
    }
    let steady = running_primary == desired && live_old.is_empty() && live_primary.len() == desired;
    if steady
        && gate.complete
        && status == "ACTIVE"
        && primary.rollout_state.as_deref() == Some("IN_PROGRESS")
    {
        if let Some(s) = ctx.acct_mut().ecs.services.get_mut(key) {
            if let Some(ds) = s.model.deployments.as_mut() {
                ds.truncate(1);
                if let Some(d) = ds.first_mut() {
                    d.rollout_state = Some("COMPLETED".into());
                    d.rollout_state_reason =
                        Some(format!("ECS deployment {primary_id} completed."));
                }
            }
        }
        push_event(
            ctx,
            key,
            format!("(service {name}) (deployment {primary_id}) deployment completed."),
        );
        push_event(
            ctx,
            key,
            format!("(service {name}) has reached a steady state."),
        );
    }
    if status == "DRAINING" {
        let all_stopped = svc
            .task_ids
            .iter()
            .filter_map(|t| ctx.acct().ecs.tasks.get(t))
            .all(|t| t.model.last_status.as_deref() == Some("STOPPED"));
        if all_stopped {
            if let Some(s) = ctx.acct_mut().ecs.services.get_mut(key) {
                s.model.status = Some("INACTIVE".into());
                if let Some(ds) = s.model.deployments.as_mut() {
                    ds.truncate(1);
                }
            }
            ctx.emit(event("service", key, "state-changed", Some("INACTIVE")));
        }
    }
}

/// Stops the service's running tasks whose targets fail their health checks
/// after the grace period, as ECS does (it then starts replacements).
fn replace_unhealthy(ctx: &mut Ctx, key: &str, svc: &ServiceRec, grace: i32) {
    let name = svc.model.service_name.clone().unwrap_or_default();
    let failing: Vec<(String, load_balancing::Registration)> = svc
        .task_ids
        .iter()
        .filter_map(|t| ctx.acct().ecs.tasks.get(t))
        .filter(|t| t.model.desired_status.as_deref() == Some("RUNNING"))
        .filter_map(|t| match load_balancing::health(ctx, t, grace) {
            Health::Unhealthy(r) => Some((task_key(t)?, r)),
            _ => None,
        })
        .collect();
    for (task, r) in failing {
        push_event(
            ctx,
            key,
            format!(
                "(service {name}) (task {task}) (port {}) is unhealthy in (target-group {}) due to (reason Health checks failed).",
                r.port, r.target_group_arn
            ),
        );
        tasks::stop(
            ctx,
            &task,
            "ServiceSchedulerInitiated",
            &format!(
                "Task failed ELB health checks in (target-group {})",
                r.target_group_arn
            ),
            Some(reconcile),
        );
        stopped_event(ctx, key, &name, std::slice::from_ref(&task));
    }
}

/// A target group's targets changed health (the control API): the services
/// with tasks in it look again.
pub fn target_health_changed(ctx: &mut Ctx, tg_arn: &str) {
    for key in load_balancing::services_using(ctx, tg_arn) {
        reconcile(ctx, &key);
    }
}

/// The services of a cluster look again (a container instance joined or
/// became ACTIVE).
pub(super) fn reconcile_cluster(ctx: &mut Ctx, cluster: &str) {
    let keys: Vec<String> = ctx
        .acct()
        .ecs
        .services
        .iter()
        .filter(|(_, s)| s.cluster == cluster && s.model.status.as_deref() == Some("ACTIVE"))
        .map(|(k, _)| k.clone())
        .collect();
    for k in keys {
        reconcile(ctx, &k);
    }
}

/// Service tasks on a draining container instance stop; their services
/// start replacements on ACTIVE instances [R ECS developer guide,
/// "Container instance draining"].
pub(super) fn drain_instance(ctx: &mut Ctx, tasks_on: &[(String, String)]) {
    let mut keys: Vec<&String> = Vec::new();
    for (task, key) in tasks_on {
        // [U: the stopped reason ECS gives a drained task]
        tasks::stop(
            ctx,
            task,
            "ServiceSchedulerInitiated",
            "Container instance is being drained",
            Some(reconcile),
        );
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    for k in keys {
        reconcile(ctx, k);
    }
}

fn task_key(t: &TaskRec) -> Option<String> {
    t.model
        .task_arn()
        .as_deref()
        .and_then(|a| a.rsplit('/').next())
        .map(str::to_string)
}

/// The wire form: counts from the tasks.
fn model(ctx: &Ctx, s: &ServiceRec, with_tags: bool) -> m::Service {
    let st = &ctx.acct().ecs;
    let tasks: Vec<&TaskRec> = s
        .task_ids
        .iter()
        .filter_map(|t| st.tasks.get(t).map(|t| &**t))
        .collect();
    let count = |deployment: Option<&str>, status: &dyn Fn(&str) -> bool| -> i32 {
        tasks
            .iter()
            .filter(|t| t.model.desired_status.as_deref() == Some("RUNNING"))
            .filter(|t| deployment.is_none_or(|d| t.model.shape.started_by.as_deref() == Some(d)))
            .filter(|t| status(t.model.last_status.as_deref().unwrap_or("")))
            .count() as i32
    };
    let running = |x: &str| x == "RUNNING";
    let pending = |x: &str| matches!(x, "PROVISIONING" | "PENDING" | "ACTIVATING");
    let mut out = s.model.clone();
    out.running_count = Some(count(None, &running));
    out.pending_count = Some(count(None, &pending));
    for d in out.deployments.iter_mut().flatten() {
        let id = d.id.clone();
        d.running_count = Some(count(id.as_deref(), &running));
        d.pending_count = Some(count(id.as_deref(), &pending));
    }
    out.tags = with_tags.then(|| s.tags.clone());
    out
}

/// The network configuration as the service keeps and shows it: AWS fills
/// in `assignPublicIp: DISABLED` when the request leaves it out.
fn with_defaults(n: Option<m::NetworkConfiguration>) -> Option<m::NetworkConfiguration> {
    n.map(|mut n| {
        if let Some(v) = n.awsvpc_configuration.as_mut() {
            v.assign_public_ip.get_or_insert_with(|| "DISABLED".into());
        }
        n
    })
}

pub(super) fn create(ctx: &mut Ctx, i: m::CreateServiceRequest) -> R<m::CreateServiceResponse> {
    if task_sets::uses_task_sets(i.deployment_controller.as_ref()) {
        return task_sets::create_service(ctx, i);
    }
    let mut i = i;
    i.network_configuration = with_defaults(i.network_configuration);
    let cluster = clusters::active(ctx, i.cluster.as_deref())?;
    let name = i.service_name.clone().unwrap_or_default();
    if name.is_empty()
        || name.len() > 255
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(invalid(
            "Service name must be up to 255 letters, numbers, hyphens and underscores.",
        ));
    }
    let k = key(&cluster, &name);
    if ctx
        .acct()
        .ecs
        .services
        .get(&k)
        .is_some_and(|s| s.model.status.as_deref() != Some("INACTIVE"))
    {
        return Err(invalid("Creation of service was not idempotent."));
    }
    let def = task_definitions::active(ctx, i.task_definition.as_deref().unwrap_or(""))?;
    let scheduling = i
        .scheduling_strategy
        .clone()
        .unwrap_or_else(|| "REPLICA".into());
    if scheduling == "DAEMON" && i.desired_count.is_some() {
        return Err(invalid("The daemon scheduling strategy does not support a desired count for services. Remove the desired count value and try again"));
    }
    let desired = i.desired_count.unwrap_or(0);
    if desired < 0 {
        return Err(invalid("desiredCount must be 0 or more."));
    }
    // Capacity providers: the call's strategy or the cluster's default one
    // (which the service then shows as its own).
    let (launch_type, strategy) = match capacity_providers::placement(
        ctx,
        &cluster,
        i.launch_type.as_deref(),
        i.capacity_provider_strategy.as_deref(),
    )? {
        Placement::LaunchType(t) => (t, None),
        // Auto Scaling group providers run their tasks on container
        // instances (EC2).
        Placement::Strategy { items, fargate } => {
            let launch = if fargate { "FARGATE" } else { "EC2" };
            (launch.to_string(), Some(items))
        }
    };
    if launch_type != "FARGATE" && launch_type != "EC2" {
        return Err(invalid(format!(
            "awsemu runs services on FARGATE and EC2: launch type {launch_type} needs external or managed instances, which it does not emulate."
        )));
    }
    placement::check(
        i.placement_strategy.as_deref().unwrap_or_default(),
        i.placement_constraints.as_deref().unwrap_or_default(),
    )?;
    tasks::check_compatible(&def, &launch_type)?;
    net_of(ctx, &def, &launch_type, i.network_configuration.as_ref())?;
    let lbs = i.load_balancers.clone().unwrap_or_default();
    load_balancing::check(ctx, &def, &lbs, i.health_check_grace_period_seconds)?;
    blue_green::check(ctx, i.deployment_configuration.as_ref(), &lbs)?;
    let connect_resources = match &i.service_connect_configuration {
        Some(cfg) => service_connect(ctx, &cluster, &def, cfg)?,
        None => vec![],
    };
    let deployment = new_deployment(
        ctx,
        DeploymentSpec {
            def: &def,
            desired,
            launch_type: &launch_type,
            strategy: strategy.clone(),
            platform_version: i.platform_version.clone(),
            network: i.network_configuration.clone(),
            connect: i.service_connect_configuration.clone(),
            connect_resources,
        },
    );
    let fargate = launch_type == "FARGATE";
    let service = m::Service {
        service_arn: Some(arn(ctx, &format!("service/{cluster}/{name}"))),
        service_name: Some(name.clone()),
        cluster_arn: Some(arn(ctx, &format!("cluster/{cluster}"))),
        load_balancers: Some(lbs.clone()),
        service_registries: Some(i.service_registries.unwrap_or_default()),
        status: Some("ACTIVE".into()),
        desired_count: Some(desired),
        launch_type: strategy.is_none().then(|| launch_type.clone()),
        capacity_provider_strategy: strategy,
        platform_version: fargate.then(|| {
            i.platform_version
                .clone()
                .unwrap_or_else(|| "LATEST".into())
        }),
        platform_family: fargate.then(|| "Linux".into()),
        task_definition: def.task_definition_arn.clone(),
        deployment_configuration: Some(i.deployment_configuration.unwrap_or_else(|| {
            m::DeploymentConfiguration {
                deployment_circuit_breaker: Some(m::DeploymentCircuitBreaker {
                    enable: Some(false),
                    rollback: Some(false),
                    ..Default::default()
                }),
                maximum_percent: Some(200),
                minimum_healthy_percent: Some(100),
                ..Default::default()
            }
        })),
        deployments: Some(vec![deployment]),
        role_arn: Some(format!(
            "arn:aws:iam::{}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
            ctx.account
        )),
        events: Some(vec![]),
        created_at: Some(ctx.now()),
        placement_constraints: Some(i.placement_constraints.unwrap_or_default()),
        placement_strategy: Some(i.placement_strategy.unwrap_or_default()),
        network_configuration: i.network_configuration,
        // AWS shows 0 for a service behind a load balancer that gave none.
        health_check_grace_period_seconds: (!lbs.is_empty())
            .then(|| i.health_check_grace_period_seconds.unwrap_or(0)),
        scheduling_strategy: Some(scheduling),
        deployment_controller: Some(i.deployment_controller.unwrap_or(m::DeploymentController {
            type_: Some("ECS".into()),
        })),
        created_by: Some(ctx.principal.clone()),
        enable_ecs_managed_tags: Some(i.enable_ecs_managed_tags.unwrap_or(false)),
        propagate_tags: Some(i.propagate_tags.unwrap_or_else(|| "NONE".into())),
        enable_execute_command: Some(i.enable_execute_command.unwrap_or(false)),
        ..Default::default()
    };
    let rec = ServiceRec {
        cluster: cluster.clone(),
        model: service,
        tags: i.tags.unwrap_or_default(),
        task_ids: Default::default(),
    };
    ctx.acct_mut().ecs.services.insert(k.clone(), rec);
    ctx.emit(event("service", &k, "created", Some("ACTIVE")));
    reconcile(ctx, &k);
    let s = &ctx.acct().ecs.services[&k];
    Ok(m::CreateServiceResponse {
        service: Some(model(ctx, s, true)),
    })
}

pub(super) fn describe(
    ctx: &mut Ctx,
    i: m::DescribeServicesRequest,
) -> R<m::DescribeServicesResponse> {
    let cluster = clusters::name_of(i.cluster.as_deref());
    if !ctx.acct().ecs.clusters.contains_key(&cluster) {
        return Err(super::common::cluster_not_found());
    }
    let wanted = i.services.unwrap_or_default();
    if wanted.is_empty() {
        return Err(invalid("Services cannot be empty."));
    }
    if wanted.len() > 10 {
        return Err(invalid("Services cannot be longer than 10."));
    }
    let with_tags = i.include.unwrap_or_default().iter().any(|x| x == "TAGS");
    let mut services = Vec::new();
    let mut failures = Vec::new();
    for w in &wanted {
        let name = name_of(w);
        match ctx.acct().ecs.services.get(&key(&cluster, &name)) {
            Some(s) => services.push(model(ctx, s, with_tags)),
            None => failures.push(m::Failure {
                arn: Some(if w.starts_with("arn:") {
                    w.clone()
                } else {
                    arn(ctx, &format!("service/{cluster}/{name}"))
                }),
                reason: Some("MISSING".into()),
                detail: None,
            }),
        }
    }
    Ok(m::DescribeServicesResponse {
        services: Some(services),
        failures: Some(failures),
    })
}

fn existing(ctx: &Ctx, cluster: &str, reference: &str) -> R<String> {
    let k = key(cluster, &name_of(reference));
    if ctx.acct().ecs.services.contains_key(&k) {
        Ok(k)
    } else {
        Err(service_not_found())
    }
}

pub(super) fn update(ctx: &mut Ctx, i: m::UpdateServiceRequest) -> R<m::UpdateServiceResponse> {
    let mut i = i;
    i.network_configuration = with_defaults(i.network_configuration);
    let cluster = clusters::active(ctx, i.cluster.as_deref())?;
    let k = existing(ctx, &cluster, i.service.as_deref().unwrap_or(""))?;
    if task_sets::manages(ctx, &k) {
        return task_sets::update_service(ctx, i);
    }
    let svc = ctx.acct().ecs.services[&k].clone();
    if svc.model.status.as_deref() != Some("ACTIVE") {
        return Err(AwsError::new(
            "ServiceNotActiveException",
            "Service was not ACTIVE.",
        ));
    }
    if i.desired_count.is_some_and(|d| d < 0) {
        return Err(invalid("desiredCount must be 0 or more."));
    }
    let primary = svc
        .model
        .deployments
        .as_ref()
        .and_then(|d| d.first().cloned())
        .unwrap_or_default();
    let def = match &i.task_definition {
        Some(t) => task_definitions::active(ctx, t)?,
        None => task_definitions::find(ctx, primary.task_definition.as_deref().unwrap_or(""))
            .map(|d| d.model.clone())
            .ok_or_else(|| super::common::client("TaskDefinition not found."))?,
    };
    let launch_type = primary
        .launch_type
        .clone()
        .unwrap_or_else(|| "FARGATE".into());
    let network = i
        .network_configuration
        .clone()
        .or(primary.network_configuration.clone());
    net_of(ctx, &def, &launch_type, network.as_ref())?;
    let lbs = i
        .load_balancers
        .clone()
        .unwrap_or_else(|| svc.model.load_balancers.clone().unwrap_or_default());
    load_balancing::check(ctx, &def, &lbs, i.health_check_grace_period_seconds)?;
    blue_green::check(
        ctx,
        i.deployment_configuration
            .as_ref()
            .or(svc.model.deployment_configuration.as_ref()),
        &lbs,
    )?;
    let connect = i
        .service_connect_configuration
        .clone()
        .or(primary.service_connect_configuration.clone());
    let connect_changed = i.service_connect_configuration.is_some();
    let connect_resources = match (&connect, connect_changed) {
        (Some(cfg), true) => service_connect(ctx, &cluster, &def, cfg)?,
        _ => primary
            .service_connect_resources
            .clone()
            .unwrap_or_default(),
    };
    let new_deployment_needed = i.force_new_deployment == Some(true)
        || def.task_definition_arn != primary.task_definition
        || i.network_configuration.is_some()
        || connect_changed
        || i.load_balancers.is_some()
        || i.platform_version.is_some();
    let desired = i
        .desired_count
        .unwrap_or(svc.model.desired_count.unwrap_or(0));
    let deployment = new_deployment_needed.then(|| {
        new_deployment(
            ctx,
            DeploymentSpec {
                def: &def,
                desired,
                launch_type: &launch_type,
                strategy: primary.capacity_provider_strategy.clone(),
                platform_version: i
                    .platform_version
                    .clone()
                    .or(primary.platform_version.clone()),
                network: network.clone(),
                connect: connect.clone(),
                connect_resources,
            },
        )
    });
    let now = ctx.now();
    if let Some(s) = ctx.acct_mut().ecs.services.get_mut(&k) {
        s.model.desired_count = Some(desired);
        if let Some(d) = deployment {
            let ds = s.model.deployments.get_or_insert_with(Vec::new);
            for old in ds.iter_mut() {
                old.status = Some("ACTIVE".into());
            }
            ds.insert(0, d);
            s.model.task_definition = def.task_definition_arn.clone();
            s.model.network_configuration = network;
        } else if let Some(d) = s.model.deployments.as_mut().and_then(|d| d.first_mut()) {
            d.desired_count = Some(desired);
            d.updated_at = Some(now);
            if d.rollout_state.as_deref() == Some("COMPLETED") && i.desired_count.is_some() {
                d.rollout_state = Some("IN_PROGRESS".into());
            }
        }
        if let Some(c) = i.deployment_configuration {
            s.model.deployment_configuration = Some(c);
        }
        if let Some(e) = i.enable_execute_command {
            s.model.enable_execute_command = Some(e);
        }
        s.model.health_check_grace_period_seconds = (!lbs.is_empty()).then(|| {
            i.health_check_grace_period_seconds
                .or(s.model.health_check_grace_period_seconds)
                .unwrap_or(0)
        });
        s.model.load_balancers = Some(lbs);
    }
    ctx.emit(event("service", &k, "updated", None));
    reconcile(ctx, &k);
    let s = &ctx.acct().ecs.services[&k];
    Ok(m::UpdateServiceResponse {
        service: Some(model(ctx, s, false)),
    })
}

pub(super) fn delete(ctx: &mut Ctx, i: m::DeleteServiceRequest) -> R<m::DeleteServiceResponse> {
    let cluster = clusters::active(ctx, i.cluster.as_deref())?;
    let k = existing(ctx, &cluster, i.service.as_deref().unwrap_or(""))?;
    let svc = ctx.acct().ecs.services[&k].clone();
    if svc.model.status.as_deref() == Some("INACTIVE") {
        return Err(AwsError::new(
            "ServiceNotActiveException",
            "Service was not ACTIVE.",
        ));
    }
    if svc.model.desired_count.unwrap_or(0) > 0 && i.force != Some(true) {
        return Err(invalid(
            "The service cannot be stopped while it is scaled above 0.",
        ));
    }
    if let Some(s) = ctx.acct_mut().ecs.services.get_mut(&k) {
        s.model.status = Some("DRAINING".into());
        s.model.desired_count = Some(0);
    }
    ctx.emit(event("service", &k, "state-changed", Some("DRAINING")));
    // The answer shows the service DRAINING, as AWS does, even when it has no
    // task left to drain and becomes INACTIVE right away.
    let out = model(ctx, &ctx.acct().ecs.services[&k], false);
    reconcile(ctx, &k);
    Ok(m::DeleteServiceResponse { service: Some(out) })
}

pub(super) fn list(ctx: &mut Ctx, i: m::ListServicesRequest) -> R<m::ListServicesResponse> {
    let cluster = clusters::active(ctx, i.cluster.as_deref())?;
    let max = check_max(i.max_results)?;
    let items = ctx
        .acct()
        .ecs
        .services
        .values()
        .filter(|s| s.cluster == cluster && s.model.status.as_deref() != Some("INACTIVE"))
        .filter(|s| {
            i.launch_type
                .as_ref()
                .is_none_or(|l| s.model.launch_type.as_ref() == Some(l))
        })
        .filter(|s| {
            i.scheduling_strategy
                .as_ref()
                .is_none_or(|l| s.model.scheduling_strategy.as_ref() == Some(l))
        })
        .filter_map(|s| s.model.service_arn.clone())
        .map(|a| (a.clone(), a))
        .collect();
    let (arns, next) = page(items, max, i.next_token.as_deref())?;
    Ok(m::ListServicesResponse {
        service_arns: Some(arns),
        next_token: next,
    })
}
