//! Services with the `EXTERNAL` or `CODE_DEPLOY` deployment controller and
//! their task sets: CreateTaskSet, DescribeTaskSets, UpdateTaskSet,
//! DeleteTaskSet, UpdateServicePrimaryTaskSet, and the scheduler that keeps
//! each task set at `ceil(desiredCount × scale%)` tasks (ECS API reference,
//! "TaskSet", "Scale"; developer guide "External deployment" and
//! "Blue/green deployment with CodeDeploy").

use super::capacity_providers::{self, Placement};
use super::clusters;
use super::common::{
    arn, event, invalid, service_not_found, short_name, started_event, unable_event, R,
};
use super::load_balancing;
use super::placement;
use super::state::{ServiceRec, TaskRec, TaskSetRec};
use super::task_definitions;
use super::tasks::{self, Launch};
use crate::model::ecs as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

/// After this many failed tasks without one running, a task set stops
/// replacing them (as the ECS scheduler of services.rs does).
const MAX_FAILURES: usize = 10;

/// Task sets a service may have at once [R gh aws-samples/ecs-bg-external-controller#6:
/// "5 deployments exist on the service. Unable to create new TaskSet since
/// this exceeds the maximum limit."].
const MAX_TASK_SETS: usize = 5;

/// The deployment controller type of a service (`ECS` when not given).
fn controller_of(s: &ServiceRec) -> &str {
    s.model
        .deployment_controller
        .as_ref()
        .and_then(|c| c.type_.as_deref())
        .unwrap_or("ECS")
}

/// Whether a request's deployment controller is one that uses task sets.
pub(super) fn uses_task_sets(c: Option<&m::DeploymentController>) -> bool {
    matches!(
        c.and_then(|c| c.type_.as_deref()),
        Some("EXTERNAL" | "CODE_DEPLOY")
    )
}

/// Whether the service (`<cluster>/<service>`) runs its tasks in task sets.
pub(super) fn manages(ctx: &Ctx, key: &str) -> bool {
    ctx.acct()
        .ecs
        .services
        .get(key)
        .is_some_and(|s| controller_of(s) != "ECS")
}

fn task_set_not_found() -> AwsError {
    // [U] wording
    AwsError::new(
        "TaskSetNotFoundException",
        "The specified task set does not exist.",
    )
}

fn not_active() -> AwsError {
    AwsError::new("ServiceNotActiveException", "Service was not ACTIVE.")
}

fn task_set_id(ctx: &Ctx) -> String {
    if let Some(id) = ctx.world.ids.take_pin("ecs-task-set") {
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

fn with_defaults(n: Option<m::NetworkConfiguration>) -> Option<m::NetworkConfiguration> {
    n.map(|mut n| {
        if let Some(v) = n.awsvpc_configuration.as_mut() {
            v.assign_public_ip.get_or_insert_with(|| "DISABLED".into());
        }
        n
    })
}

/// `ceil(desiredCount × scale / 100)`.
fn computed(desired: i32, scale: Option<&m::Scale>) -> i32 {
    let pct = scale.and_then(|s| s.value).unwrap_or(0.0);
    ((f64::from(desired.max(0)) * pct / 100.0) - 1e-9)
        .ceil()
        .max(0.0) as i32
}

fn check_scale(scale: &m::Scale) -> R<()> {
    if scale.unit.as_deref().is_some_and(|u| u != "PERCENT") {
        return Err(invalid("The scale unit must be PERCENT."));
    }
    match scale.value {
        Some(v) if (0.0..=100.0).contains(&v) => Ok(()),
        _ => Err(invalid("The scale value must be between 0 and 100.")),
    }
}

/// The service a task set request names, ACTIVE (for changes) and using
/// task sets.
fn service_for(ctx: &Ctx, cluster: Option<&str>, service: Option<&str>, change: bool) -> R<String> {
    let cluster = clusters::name_of(cluster);
    if !ctx.acct().ecs.clusters.contains_key(&cluster) {
        return Err(super::common::cluster_not_found());
    }
    let name = short_name(service.unwrap_or(""), "service")
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_string();
    let key = format!("{cluster}/{name}");
    let Some(s) = ctx.acct().ecs.services.get(&key) else {
        return Err(service_not_found());
    };
    if change && s.model.status.as_deref() != Some("ACTIVE") {
        return Err(not_active());
    }
    if controller_of(s) == "ECS" {
        // [R gh hashicorp/terraform-provider-aws#30347]
        return Err(invalid(
            "Amazon ECS only supports task set management on services configured to use external deployment controllers.",
        ));
    }
    Ok(key)
}

/// The ARN of a task set of the service, from its id or ARN.
fn find(ctx: &Ctx, key: &str, reference: &str) -> Option<String> {
    let id = match reference.find(":task-set/") {
        Some(_) => reference
            .rsplit_once("/ecs-svc/")
            .map(|(_, d)| format!("ecs-svc/{d}"))
            .unwrap_or_default(),
        None => reference.to_string(),
    };
    ctx.acct()
        .ecs
        .task_sets
        .iter()
        .find(|(_, t)| t.service == key && t.model.id.as_deref() == Some(id.as_str()))
        .map(|(a, _)| a.clone())
}

fn tasks_of<'a>(ctx: &'a Ctx, key: &str, id: &str) -> Vec<&'a TaskRec> {
    let st = &ctx.acct().ecs;
    st.services
        .get(key)
        .map(|s| {
            s.task_ids
                .iter()
                .filter_map(|t| st.tasks.get(t).map(|t| &**t))
                .filter(|t| t.model.shape.started_by.as_deref() == Some(id))
                .collect()
        })
        .unwrap_or_default()
}

fn task_id_of(t: &TaskRec) -> Option<String> {
    t.model
        .task_arn()
        .as_deref()
        .and_then(|a| a.rsplit('/').next())
        .map(str::to_string)
}

/// The wire form, with counts from its tasks.
fn model(ctx: &Ctx, t: &TaskSetRec, with_tags: bool) -> m::TaskSet {
    let mut out = t.model.clone();
    let id = out.id.clone().unwrap_or_default();
    let tasks = tasks_of(ctx, &t.service, &id);
    let live = |x: &&&TaskRec| x.model.desired_status.as_deref() == Some("RUNNING");
    out.running_count = Some(
        tasks
            .iter()
            .filter(live)
            .filter(|x| x.model.last_status.as_deref() == Some("RUNNING"))
            .count() as i32,
    );
    out.pending_count = Some(
        tasks
            .iter()
            .filter(live)
            .filter(|x| x.model.last_status.as_deref() != Some("RUNNING"))
            .count() as i32,
    );
    out.tags = with_tags.then(|| t.tags.clone());
    out
}

/// Keeps each task set of the service at its computed desired count,
/// updates stability, drains deleted task sets and the deleted service.
pub(super) fn reconcile(ctx: &mut Ctx, key: &str) {
    let Some(svc) = ctx.acct().ecs.services.get(key).cloned() else {
        return;
    };
    let status = svc.model.status.clone().unwrap_or_default();
    if status == "INACTIVE" {
        return;
    }
    let name = svc.model.service_name.clone().unwrap_or_default();
    let draining_service = status == "DRAINING";
    let desired = svc.model.desired_count.unwrap_or(0);
    let sets: Vec<(String, TaskSetRec)> = ctx
        .acct()
        .ecs
        .task_sets
        .iter()
        .filter(|(_, t)| t.service == key)
        .map(|(a, t)| (a.clone(), t.clone()))
        .collect();
    let now = ctx.now();
    for (ts_arn, ts) in sets {
        let id = ts.model.id.clone().unwrap_or_default();
        let draining = draining_service || ts.model.status.as_deref() == Some("DRAINING");
        let target = if draining {
            0
        } else {
            computed(desired, ts.model.scale.as_ref())
        };
        let tasks = tasks_of(ctx, key, &id);
        let live: Vec<String> = tasks
            .iter()
            .filter(|t| t.model.desired_status.as_deref() == Some("RUNNING"))
            .filter_map(|t| task_id_of(t))
            .collect();
        let failed = tasks
            .iter()
            .filter(|t| {
                matches!(
                    t.model.stop_code.as_deref(),
                    Some("EssentialContainerExited" | "TaskFailedToStart")
                )
            })
            .count();
        let all_stopped = tasks
            .iter()
            .all(|t| t.model.last_status.as_deref() == Some("STOPPED"));
        let target_n = target as usize;
        // As a service's deployment (services.rs): past MAX_FAILURES no
        // more relaunches, even while some of its tasks run.
        if live.len() < target_n && failed < MAX_FAILURES {
            launch(
                ctx,
                key,
                &name,
                &svc.cluster,
                &ts,
                target_n - live.len(),
                live.len(),
            );
        } else if live.len() > target_n {
            let scaling = tasks::ScaleIn::desired(key, &name, &id, reconcile).deleting(draining);
            tasks::scale_in(ctx, scaling, &live, target_n);
        }
        // A deleted task set goes once its tasks have stopped.
        if ts.model.status.as_deref() == Some("DRAINING") && all_stopped && target == 0 {
            ctx.acct_mut().ecs.task_sets.remove(&ts_arn);
            ctx.emit(event("task-set", &ts_arn, "deleted", None));
            continue;
        }
        let pending = tasks_of(ctx, key, &id)
            .iter()
            .filter(|t| t.model.desired_status.as_deref() == Some("RUNNING"))
            .filter(|t| t.model.last_status.as_deref() != Some("RUNNING"))
            .count();
        let live_now = tasks_of(ctx, key, &id)
            .iter()
            .filter(|t| t.model.desired_status.as_deref() == Some("RUNNING"))
            .count();
        let stopping = tasks_of(ctx, key, &id)
            .iter()
            .filter(|t| t.model.desired_status.as_deref() == Some("STOPPED"))
            .any(|t| t.model.last_status.as_deref() != Some("STOPPED"));
        // Steady once its tasks run and pass their load balancers' first
        // health checks [R API reference TaskSet.stabilityStatus].
        let grace = svc.model.health_check_grace_period_seconds.unwrap_or(0);
        let healthy = tasks_of(ctx, key, &id)
            .iter()
            .filter(|t| t.model.desired_status.as_deref() == Some("RUNNING"))
            .filter(|t| t.model.last_status.as_deref() == Some("RUNNING"))
            .filter(|t| load_balancing::health(ctx, t, grace) == load_balancing::Health::Ready)
            .count();
        let steady = healthy == target_n && pending == 0 && live_now == target_n && !stopping;
        let stability = if steady {
            "STEADY_STATE"
        } else {
            "STABILIZING"
        };
        if let Some(t) = ctx.acct_mut().ecs.task_sets.get_mut(&ts_arn) {
            t.model.computed_desired_count = Some(target);
            if t.model.stability_status.as_deref() != Some(stability) {
                t.model.stability_status = Some(stability.into());
                t.model.stability_status_at = Some(now);
            }
        }
    }
    if draining_service {
        let all_stopped = svc
            .task_ids
            .iter()
            .filter_map(|t| ctx.acct().ecs.tasks.get(t))
            .all(|t| t.model.last_status.as_deref() == Some("STOPPED"));
        if all_stopped {
            ctx.acct_mut().ecs.task_sets.retain(|_, t| t.service != key);
            if let Some(s) = ctx.acct_mut().ecs.services.get_mut(key) {
                s.model.status = Some("INACTIVE".into());
            }
            ctx.emit(event("service", key, "state-changed", Some("INACTIVE")));
        } else {
            let arns: Vec<String> = ctx
                .acct()
                .ecs
                .task_sets
                .iter()
                .filter(|(_, t)| t.service == key)
                .map(|(a, _)| a.clone())
                .collect();
            for a in arns {
                if let Some(t) = ctx.acct_mut().ecs.task_sets.get_mut(&a) {
                    t.model.status = Some("DRAINING".into());
                }
            }
        }
    }
    refresh(ctx, key);
}

fn launch(
    ctx: &mut Ctx,
    key: &str,
    name: &str,
    cluster: &str,
    ts: &TaskSetRec,
    missing: usize,
    start_index: usize,
) {
    let id = ts.model.id.clone().unwrap_or_default();
    let Some(def) = task_definitions::find(ctx, ts.model.task_definition.as_deref().unwrap_or(""))
        .map(|d| d.model.clone())
    else {
        return;
    };
    let launch_type = ts
        .model
        .launch_type
        .clone()
        .unwrap_or_else(|| "FARGATE".into());
    let provider = ts
        .model
        .capacity_provider_strategy
        .as_ref()
        .and_then(|s| s.first())
        .and_then(|s| s.capacity_provider.clone());
    let Ok(net) = tasks::network(
        ctx,
        &def,
        &launch_type,
        ts.model.network_configuration.as_ref(),
    ) else {
        return;
    };
    let mut started = Vec::new();
    let group = format!("service:{name}");
    for n in 0..missing {
        let spot = match placement::service_spot(
            ctx,
            &placement::ServiceAsk {
                cluster,
                launch_type: &launch_type,
                def: &def,
                net: net.as_ref(),
                group: &group,
                strategy: &[],
                constraints: &[],
                provider: provider.as_deref(),
            },
        ) {
            Ok(s) => s,
            Err(why) => {
                placement::unplaced(ctx, key, name, &why);
                break;
            }
        };
        let r = tasks::launch(
            ctx,
            Launch {
                cluster,
                def: &def,
                launch_type: &launch_type,
                capacity_provider: provider.clone(),
                platform_version: ts.model.platform_version.clone(),
                net: net.as_ref(),
                group: group.clone(),
                started_by: Some(id.clone()),
                tags: vec![],
                overrides: None,
                service: Some(key.to_string()),
                watch: Some(reconcile),
                index: start_index + n,
                spot,
            },
        );
        match r {
            Ok(t) => started.push(t),
            Err(e) => {
                unable_event(ctx, key, name, &e.message);
                break;
            }
        }
    }
    started_event(ctx, key, name, &started);
}

/// Shows the task sets on the service (`taskSets`, and as its
/// `deployments` [U]); the primary task set's settings become the
/// service's [R API reference UpdateServicePrimaryTaskSet: "Any parameters
/// that are updated on the primary task set in a service will transition
/// to the service"].
fn refresh(ctx: &mut Ctx, key: &str) {
    let mut sets: Vec<TaskSetRec> = ctx
        .acct()
        .ecs
        .task_sets
        .values()
        .filter(|t| t.service == key)
        .cloned()
        .collect();
    sets.sort_by_key(|t| {
        (
            t.model.status.as_deref() != Some("PRIMARY"),
            std::cmp::Reverse(t.model.created_at),
        )
    });
    let wire: Vec<m::TaskSet> = sets.iter().map(|t| model(ctx, t, false)).collect();
    let deployments: Vec<m::Deployment> = wire
        .iter()
        .filter(|t| t.status.as_deref() != Some("DRAINING"))
        .map(|t| m::Deployment {
            id: t.id.clone(),
            status: t.status.clone(),
            task_definition: t.task_definition.clone(),
            desired_count: t.computed_desired_count,
            pending_count: t.pending_count,
            running_count: t.running_count,
            failed_tasks: Some(0),
            created_at: t.created_at,
            updated_at: t.updated_at,
            capacity_provider_strategy: t.capacity_provider_strategy.clone(),
            launch_type: t.launch_type.clone(),
            platform_version: t.platform_version.clone(),
            platform_family: t.platform_family.clone(),
            network_configuration: t.network_configuration.clone(),
            ..Default::default()
        })
        .collect();
    let primary = wire
        .iter()
        .find(|t| t.status.as_deref() == Some("PRIMARY"))
        .cloned();
    if let Some(s) = ctx.acct_mut().ecs.services.get_mut(key) {
        s.model.task_sets = Some(wire);
        s.model.deployments = Some(deployments);
        if let Some(p) = primary {
            s.model.task_definition = p.task_definition;
            s.model.launch_type = p.launch_type;
            s.model.capacity_provider_strategy = p.capacity_provider_strategy;
            s.model.platform_version = p.platform_version;
            s.model.platform_family = p.platform_family;
            s.model.network_configuration = p.network_configuration;
            s.model.load_balancers = p.load_balancers;
            s.model.service_registries = p.service_registries;
        }
    }
}

/// What a new task set is made of (CreateTaskSet, or CreateService with
/// the `CODE_DEPLOY` controller).
struct NewTaskSet {
    task_definition: String,
    launch_type: Option<String>,
    strategy: Option<Vec<m::CapacityProviderStrategyItem>>,
    platform_version: Option<String>,
    network: Option<m::NetworkConfiguration>,
    load_balancers: Vec<m::LoadBalancer>,
    service_registries: Vec<m::ServiceRegistry>,
    scale: m::Scale,
    external_id: Option<String>,
    started_by: Option<String>,
    status: &'static str,
    tags: Vec<m::Tag>,
}

/// The launch type and first capacity provider a task set's (or its
/// service's) `launchType` or strategy give.
fn launch_type_of(
    ctx: &Ctx,
    cluster: &str,
    launch_type: Option<&str>,
    strategy: Option<&[m::CapacityProviderStrategyItem]>,
) -> R<(String, Option<String>)> {
    Ok(
        match capacity_providers::placement(ctx, cluster, launch_type, strategy)? {
            Placement::LaunchType(t) => (t, None),
            Placement::Strategy { items, fargate } => (
                if fargate { "FARGATE" } else { "EC2" }.to_string(),
                items.first().and_then(|i| i.capacity_provider.clone()),
            ),
        },
    )
}

/// Validates and adds a task set to the service; gives its ARN.
fn add(ctx: &mut Ctx, key: &str, n: NewTaskSet) -> R<String> {
    let svc = ctx.acct().ecs.services[key].clone();
    let def = task_definitions::active(ctx, &n.task_definition)?;
    let (launch_type, provider) = match (&n.launch_type, &n.strategy) {
        (None, None) => match &svc.model.launch_type {
            Some(l) => (l.clone(), None),
            None => ("FARGATE".to_string(), None),
        },
        _ => launch_type_of(
            ctx,
            &svc.cluster,
            n.launch_type.as_deref(),
            n.strategy.as_deref(),
        )?,
    };
    if launch_type != "FARGATE" && launch_type != "EC2" {
        return Err(invalid(format!(
            "awsemu runs task sets on FARGATE and EC2: launch type {launch_type} needs external or managed instances, which it does not emulate."
        )));
    }
    tasks::check_compatible(&def, &launch_type)?;
    let network = with_defaults(n.network);
    tasks::network(ctx, &def, &launch_type, network.as_ref())?;
    load_balancing::check(ctx, &def, &n.load_balancers, None)?;
    check_scale(&n.scale)?;
    let live = ctx
        .acct()
        .ecs
        .task_sets
        .values()
        .filter(|t| t.service == key)
        .count();
    if live >= MAX_TASK_SETS {
        return Err(invalid(format!(
            "{live} deployments exist on the service. Unable to create new TaskSet since this exceeds the maximum limit."
        )));
    }
    let id = task_set_id(ctx);
    let (cluster, name) = key.split_once('/').unwrap_or((key, ""));
    let ts_arn = arn(ctx, &format!("task-set/{cluster}/{name}/{id}"));
    let fargate = launch_type == "FARGATE";
    let strategy = n.strategy.filter(|s| !s.is_empty());
    let now = ctx.now();
    let rec = TaskSetRec {
        service: key.to_string(),
        model: m::TaskSet {
            id: Some(id),
            task_set_arn: Some(ts_arn.clone()),
            service_arn: svc.model.service_arn.clone(),
            cluster_arn: svc.model.cluster_arn.clone(),
            started_by: n.started_by,
            external_id: n.external_id,
            status: Some(n.status.into()),
            task_definition: def.task_definition_arn.clone(),
            computed_desired_count: Some(computed(
                svc.model.desired_count.unwrap_or(0),
                Some(&n.scale),
            )),
            pending_count: Some(0),
            running_count: Some(0),
            created_at: Some(now),
            updated_at: Some(now),
            launch_type: strategy.is_none().then(|| launch_type.clone()),
            capacity_provider_strategy: strategy.or_else(|| {
                provider.map(|p| {
                    vec![m::CapacityProviderStrategyItem {
                        capacity_provider: Some(p),
                        ..Default::default()
                    }]
                })
            }),
            platform_version: fargate.then(|| match n.platform_version.as_deref() {
                None | Some("LATEST") => "1.4.0".to_string(),
                Some(v) => v.to_string(),
            }),
            platform_family: fargate.then(|| "Linux".into()),
            network_configuration: network,
            load_balancers: Some(n.load_balancers),
            service_registries: Some(n.service_registries),
            scale: Some(m::Scale {
                value: n.scale.value,
                unit: Some("PERCENT".into()),
            }),
            stability_status: Some("STABILIZING".into()),
            stability_status_at: Some(now),
            ..Default::default()
        },
        tags: n.tags,
    };
    ctx.acct_mut().ecs.task_sets.insert(ts_arn.clone(), rec);
    ctx.emit(event("task-set", &ts_arn, "created", Some(n.status)));
    Ok(ts_arn)
}

fn answer(ctx: &Ctx, ts_arn: &str, with_tags: bool) -> Option<m::TaskSet> {
    ctx.acct()
        .ecs
        .task_sets
        .get(ts_arn)
        .map(|t| model(ctx, t, with_tags))
}

/// CreateService with the `EXTERNAL` or `CODE_DEPLOY` controller: an
/// EXTERNAL service takes no task definition and starts no task until a
/// task set is created; a CODE_DEPLOY service starts with one PRIMARY task
/// set at 100% [R developer guide "External deployment": "The only
/// required parameter is the service name"].
pub(super) fn create_service(
    ctx: &mut Ctx,
    i: m::CreateServiceRequest,
) -> R<m::CreateServiceResponse> {
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
    let key = format!("{cluster}/{name}");
    if ctx
        .acct()
        .ecs
        .services
        .get(&key)
        .is_some_and(|s| s.model.status.as_deref() != Some("INACTIVE"))
    {
        return Err(invalid("Creation of service was not idempotent."));
    }
    let controller = i
        .deployment_controller
        .as_ref()
        .and_then(|c| c.type_.clone())
        .unwrap_or_default();
    let external = controller == "EXTERNAL";
    let td = i.task_definition.clone().filter(|t| !t.is_empty());
    if external && td.is_some() {
        // [R gh terraform-aws-modules/terraform-aws-ecs#278]
        return Err(invalid("TaskDefinition must be blank"));
    }
    if !external && td.is_none() {
        // [R gh hashicorp/terraform-provider-aws#27362 (a blank family)]
        return Err(invalid("Family should not be null or empty."));
    }
    if i.scheduling_strategy.as_deref() == Some("DAEMON") {
        // [U] wording
        return Err(invalid(
            "The daemon scheduling strategy is only supported with the ECS deployment controller.",
        ));
    }
    let desired = i.desired_count.unwrap_or(0);
    if desired < 0 {
        return Err(invalid("desiredCount must be 0 or more."));
    }
    if i.health_check_grace_period_seconds.is_some() && i.load_balancers.is_none() {
        return Err(invalid(
            "Health check grace period is only valid for services configured to use load balancers",
        ));
    }
    let strategy = i
        .capacity_provider_strategy
        .clone()
        .filter(|s| !s.is_empty());
    if i.launch_type.is_some() || strategy.is_some() {
        launch_type_of(ctx, &cluster, i.launch_type.as_deref(), strategy.as_deref())?;
    }
    let lbs = i.load_balancers.clone().unwrap_or_default();
    let service = m::Service {
        service_arn: Some(arn(ctx, &format!("service/{cluster}/{name}"))),
        service_name: Some(name.clone()),
        cluster_arn: Some(arn(ctx, &format!("cluster/{cluster}"))),
        load_balancers: Some(lbs.clone()),
        service_registries: Some(i.service_registries.clone().unwrap_or_default()),
        status: Some("ACTIVE".into()),
        desired_count: Some(desired),
        launch_type: i.launch_type.clone(),
        capacity_provider_strategy: strategy.clone(),
        platform_version: i.platform_version.clone(),
        deployment_configuration: Some(i.deployment_configuration.clone().unwrap_or(
            m::DeploymentConfiguration {
                maximum_percent: Some(200),
                minimum_healthy_percent: Some(100),
                ..Default::default()
            },
        )),
        task_sets: Some(vec![]),
        deployments: Some(vec![]),
        role_arn: Some(format!(
            "arn:aws:iam::{}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
            ctx.account
        )),
        events: Some(vec![]),
        created_at: Some(ctx.now()),
        placement_constraints: Some(i.placement_constraints.clone().unwrap_or_default()),
        placement_strategy: Some(i.placement_strategy.clone().unwrap_or_default()),
        network_configuration: with_defaults(i.network_configuration.clone()),
        health_check_grace_period_seconds: (!lbs.is_empty())
            .then(|| i.health_check_grace_period_seconds.unwrap_or(0)),
        scheduling_strategy: Some("REPLICA".into()),
        deployment_controller: Some(m::DeploymentController {
            type_: Some(controller.clone()),
        }),
        created_by: Some(ctx.principal.clone()),
        enable_ecs_managed_tags: Some(i.enable_ecs_managed_tags.unwrap_or(false)),
        propagate_tags: Some(i.propagate_tags.clone().unwrap_or_else(|| "NONE".into())),
        enable_execute_command: Some(i.enable_execute_command.unwrap_or(false)),
        ..Default::default()
    };
    let old = ctx.acct_mut().ecs.services.insert(
        key.clone(),
        ServiceRec {
            cluster: cluster.clone(),
            model: service,
            tags: i.tags.clone().unwrap_or_default(),
            task_ids: Default::default(),
        },
    );
    if let Some(td) = td {
        // CODE_DEPLOY: the service's first task set, PRIMARY, at 100%.
        let first = add(
            ctx,
            &key,
            NewTaskSet {
                task_definition: td,
                launch_type: i.launch_type.clone(),
                strategy,
                platform_version: i.platform_version.clone(),
                network: i.network_configuration.clone(),
                load_balancers: lbs,
                service_registries: i.service_registries.clone().unwrap_or_default(),
                scale: m::Scale {
                    value: Some(100.0),
                    unit: Some("PERCENT".into()),
                },
                external_id: None,
                started_by: None,
                status: "PRIMARY",
                tags: vec![],
            },
        );
        if let Err(e) = first {
            // All or nothing: the service goes again.
            match old {
                Some(o) => ctx.acct_mut().ecs.services.insert(key.clone(), o),
                None => ctx.acct_mut().ecs.services.remove(&key),
            };
            return Err(e);
        }
    }
    ctx.emit(event("service", &key, "created", Some("ACTIVE")));
    reconcile(ctx, &key);
    Ok(m::CreateServiceResponse {
        service: Some(service_view(ctx, &key, true)),
    })
}

/// The service as answered, counts from its tasks.
fn service_view(ctx: &Ctx, key: &str, with_tags: bool) -> m::Service {
    let st = &ctx.acct().ecs;
    let s = &st.services[key];
    let mut out = s.model.clone();
    let live = s
        .task_ids
        .iter()
        .filter_map(|t| st.tasks.get(t))
        .filter(|t| t.model.desired_status.as_deref() == Some("RUNNING"));
    let (mut running, mut pending) = (0, 0);
    for t in live {
        if t.model.last_status.as_deref() == Some("RUNNING") {
            running += 1;
        } else {
            pending += 1;
        }
    }
    out.running_count = Some(running);
    out.pending_count = Some(pending);
    out.tags = with_tags.then(|| s.tags.clone());
    out
}

/// UpdateService of a service with task sets: the desired count (every task
/// set rescales), the deployment configuration and a few settings; the
/// task definition and the network belong to task sets [U wording].
pub(super) fn update_service(
    ctx: &mut Ctx,
    i: m::UpdateServiceRequest,
) -> R<m::UpdateServiceResponse> {
    let cluster = clusters::active(ctx, i.cluster.as_deref())?;
    let name = short_name(i.service.as_deref().unwrap_or(""), "service")
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_string();
    let key = format!("{cluster}/{name}");
    let Some(svc) = ctx.acct().ecs.services.get(&key) else {
        return Err(service_not_found());
    };
    if svc.model.status.as_deref() != Some("ACTIVE") {
        return Err(not_active());
    }
    let controller = controller_of(svc).to_string();
    if i.task_definition.is_some() && controller == "CODE_DEPLOY" {
        // [U] wording
        return Err(invalid(
            "Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.",
        ));
    }
    if i.task_definition.is_some()
        || i.network_configuration.is_some()
        || i.load_balancers.is_some()
        || i.platform_version.is_some()
        || i.force_new_deployment == Some(true)
        || i.service_connect_configuration.is_some()
    {
        // [U] wording
        return Err(invalid(format!(
            "Unable to update these parameters on services with a {controller} deployment controller: task definition, network configuration, load balancers, platform version and new deployments belong to task sets."
        )));
    }
    if i.desired_count.is_some_and(|d| d < 0) {
        return Err(invalid("desiredCount must be 0 or more."));
    }
    if let Some(s) = ctx.acct_mut().ecs.services.get_mut(&key) {
        if let Some(d) = i.desired_count {
            s.model.desired_count = Some(d);
        }
        if let Some(c) = i.deployment_configuration {
            s.model.deployment_configuration = Some(c);
        }
        if let Some(e) = i.enable_execute_command {
            s.model.enable_execute_command = Some(e);
        }
        if let Some(g) = i.health_check_grace_period_seconds {
            s.model.health_check_grace_period_seconds = Some(g);
        }
    }
    ctx.emit(event("service", &key, "updated", None));
    reconcile(ctx, &key);
    Ok(m::UpdateServiceResponse {
        service: Some(service_view(ctx, &key, false)),
    })
}

pub(super) fn create(ctx: &mut Ctx, i: m::CreateTaskSetRequest) -> R<m::CreateTaskSetResponse> {
    clusters::active(ctx, i.cluster.as_deref())?;
    let key = service_for(ctx, i.cluster.as_deref(), i.service.as_deref(), true)?;
    let ts_arn = add(
        ctx,
        &key,
        NewTaskSet {
            task_definition: i.task_definition.unwrap_or_default(),
            launch_type: i.launch_type,
            strategy: i.capacity_provider_strategy.filter(|s| !s.is_empty()),
            platform_version: i.platform_version,
            network: i.network_configuration,
            load_balancers: i.load_balancers.unwrap_or_default(),
            service_registries: i.service_registries.unwrap_or_default(),
            // [U] the default scale
            scale: i.scale.unwrap_or(m::Scale {
                value: Some(100.0),
                unit: Some("PERCENT".into()),
            }),
            external_id: i.external_id,
            started_by: None,
            status: "ACTIVE",
            tags: i.tags.unwrap_or_default(),
        },
    )?;
    reconcile(ctx, &key);
    Ok(m::CreateTaskSetResponse {
        task_set: answer(ctx, &ts_arn, true),
    })
}

pub(super) fn describe(
    ctx: &mut Ctx,
    i: m::DescribeTaskSetsRequest,
) -> R<m::DescribeTaskSetsResponse> {
    let key = service_for(ctx, i.cluster.as_deref(), i.service.as_deref(), false)?;
    let with_tags = i.include.unwrap_or_default().iter().any(|x| x == "TAGS");
    let mut out = Vec::new();
    let mut failures = Vec::new();
    match i.task_sets.filter(|t| !t.is_empty()) {
        None => {
            let mut all: Vec<&TaskSetRec> = ctx
                .acct()
                .ecs
                .task_sets
                .values()
                .filter(|t| t.service == key)
                .collect();
            all.sort_by_key(|t| t.model.created_at);
            out = all.into_iter().map(|t| model(ctx, t, with_tags)).collect();
        }
        Some(wanted) => {
            for w in wanted {
                match find(ctx, &key, &w).and_then(|a| answer(ctx, &a, with_tags)) {
                    Some(t) => out.push(t),
                    None => failures.push(m::Failure {
                        arn: Some(w),
                        reason: Some("MISSING".into()),
                        detail: None,
                    }),
                }
            }
        }
    }
    Ok(m::DescribeTaskSetsResponse {
        task_sets: Some(out),
        failures: Some(failures),
    })
}

pub(super) fn update(ctx: &mut Ctx, i: m::UpdateTaskSetRequest) -> R<m::UpdateTaskSetResponse> {
    let key = service_for(ctx, i.cluster.as_deref(), i.service.as_deref(), true)?;
    let ts_arn =
        find(ctx, &key, i.task_set.as_deref().unwrap_or("")).ok_or_else(task_set_not_found)?;
    let Some(scale) = i.scale else {
        return Err(invalid("scale is required."));
    };
    check_scale(&scale)?;
    let now = ctx.now();
    if let Some(t) = ctx.acct_mut().ecs.task_sets.get_mut(&ts_arn) {
        if t.model.status.as_deref() == Some("DRAINING") {
            return Err(task_set_not_found());
        }
        t.model.scale = Some(m::Scale {
            value: scale.value,
            unit: Some("PERCENT".into()),
        });
        t.model.updated_at = Some(now);
    }
    ctx.emit(event("task-set", &ts_arn, "updated", None));
    reconcile(ctx, &key);
    Ok(m::UpdateTaskSetResponse {
        task_set: answer(ctx, &ts_arn, false),
    })
}

pub(super) fn delete(ctx: &mut Ctx, i: m::DeleteTaskSetRequest) -> R<m::DeleteTaskSetResponse> {
    let key = service_for(ctx, i.cluster.as_deref(), i.service.as_deref(), true)?;
    let ts_arn =
        find(ctx, &key, i.task_set.as_deref().unwrap_or("")).ok_or_else(task_set_not_found)?;
    let ts = ctx.acct().ecs.task_sets[&ts_arn].clone();
    let id = ts.model.id.clone().unwrap_or_default();
    let desired = ctx.acct().ecs.services[&key]
        .model
        .desired_count
        .unwrap_or(0);
    let live = tasks_of(ctx, &key, &id)
        .iter()
        .any(|t| t.model.desired_status.as_deref() == Some("RUNNING"));
    if i.force != Some(true) && (live || computed(desired, ts.model.scale.as_ref()) > 0) {
        // [U] wording; the rule is the API reference's ("If true, you can
        // delete a task set even if it hasn't been scaled down to zero").
        return Err(invalid(
            "The task set cannot be deleted while it is scaled above 0. Scale it down to 0 or use force.",
        ));
    }
    let now = ctx.now();
    if let Some(t) = ctx.acct_mut().ecs.task_sets.get_mut(&ts_arn) {
        t.model.status = Some("DRAINING".into());
        t.model.updated_at = Some(now);
    }
    ctx.emit(event(
        "task-set",
        &ts_arn,
        "state-changed",
        Some("DRAINING"),
    ));
    let out = answer(ctx, &ts_arn, false);
    reconcile(ctx, &key);
    Ok(m::DeleteTaskSetResponse { task_set: out })
}

pub(super) fn update_primary(
    ctx: &mut Ctx,
    i: m::UpdateServicePrimaryTaskSetRequest,
) -> R<m::UpdateServicePrimaryTaskSetResponse> {
    let key = service_for(ctx, i.cluster.as_deref(), i.service.as_deref(), true)?;
    let ts_arn = find(ctx, &key, i.primary_task_set.as_deref().unwrap_or(""))
        .ok_or_else(task_set_not_found)?;
    if ctx.acct().ecs.task_sets[&ts_arn].model.status.as_deref() == Some("DRAINING") {
        // [U] wording
        return Err(invalid("A DRAINING task set cannot be made primary."));
    }
    let now = ctx.now();
    for (a, t) in ctx.acct_mut().ecs.task_sets.iter_mut() {
        if t.service != key {
            continue;
        }
        if *a == ts_arn {
            t.model.status = Some("PRIMARY".into());
            t.model.updated_at = Some(now);
        } else if t.model.status.as_deref() == Some("PRIMARY") {
            t.model.status = Some("ACTIVE".into());
            t.model.updated_at = Some(now);
        }
    }
    ctx.emit(event("task-set", &ts_arn, "state-changed", Some("PRIMARY")));
    reconcile(ctx, &key);
    Ok(m::UpdateServicePrimaryTaskSetResponse {
        task_set: answer(ctx, &ts_arn, false),
    })
}
