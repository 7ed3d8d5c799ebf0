//! Services with the `EXTERNAL` or `CODE_DEPLOY` deployment controller in
//! scenario files, with their task sets: CreateService (a CODE_DEPLOY
//! service makes its first task set from the first one declared), then
//! CreateTaskSet for each other one with its id, creation time and tasks
//! pinned, UpdateTaskSet for a first set not at 100%, and
//! UpdateServicePrimaryTaskSet for the primary one. Exported back with
//! exactly that (DRAINING task sets, on their way out, are left out).

use std::sync::Arc;

use super::scenario_calls::{ecs, load_balancers, network, strategy, tags, task_pin};
use crate::model::ecs as c;
use crate::scenario_file::format as f;
use crate::scenario_file::mapping::{bad, time, At, Names, Phase, Pins, ScenarioError};
use crate::services::state::{Account, World};

/// A task set id: `ecs-svc/` and digits.
fn check_id(at: &At<'_>, field: &str, id: Option<&String>) -> Result<(), ScenarioError> {
    if let Some(id) = id {
        let ok = id
            .strip_prefix("ecs-svc/")
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()));
        if !ok {
            return Err(bad(at, field, id, "a task set id (ecs-svc/ and digits)"));
        }
    }
    Ok(())
}

/// The parts of a task set the API calls take.
struct Parts {
    launch_type: Option<String>,
    strategy: Option<Vec<c::CapacityProviderStrategyItem>>,
    network: Option<c::NetworkConfiguration>,
    load_balancers: Option<Vec<c::LoadBalancer>>,
    scale: c::Scale,
}

fn parts(names: &Names, at: &At<'_>, ts: &f::TaskSet) -> Result<Parts, ScenarioError> {
    let strategy = strategy(at, ts.capacity_provider_strategy.as_ref())?;
    if strategy.is_some() && ts.launch_type.is_some() {
        return Err(at.err(
            "launchType",
            "a task set takes a launchType or a capacityProviderStrategy, not both",
        ));
    }
    let network = if ts.subnets.is_empty() {
        None
    } else {
        Some(network(
            names,
            at,
            &ts.subnets,
            &ts.security_groups,
            ts.assign_public_ip,
        )?)
    };
    let lbs = load_balancers(names, at, &ts.load_balancers)?;
    Ok(Parts {
        launch_type: strategy
            .is_none()
            .then(|| ts.launch_type.clone().unwrap_or_else(|| "FARGATE".into())),
        strategy,
        network,
        load_balancers: (!lbs.is_empty()).then_some(lbs),
        scale: c::Scale {
            value: Some(ts.scale.unwrap_or(100.0)),
            unit: Some("PERCENT".into()),
        },
    })
}

/// The pins of a task set: its id, creation time and tasks.
fn set_pins(names: &Names, at: &At<'_>, ts: &f::TaskSet) -> Result<Pins, ScenarioError> {
    check_id(at, "id", ts.id.as_ref())?;
    let mut pins = Pins::default()
        .time(at, "createdAt", ts.created_at.as_ref())?
        .value("ecs-task-set", ts.id.as_ref());
    for (ti, t) in ts.tasks.iter().enumerate() {
        pins = task_pin(pins, names, at, &format!("tasks[{ti}]"), t)?;
    }
    Ok(pins)
}

/// Creates the service `s` (at `at`, with `service_pins`) and its task
/// sets; gives CreateService's answer.
pub(super) fn apply(
    world: &Arc<World>,
    p: &Phase<'_>,
    names: &Names,
    at: &At<'_>,
    s: &f::Service,
    service_pins: Pins,
) -> Result<c::Response, ScenarioError> {
    let controller = s.deployment_controller.clone().unwrap_or_default();
    if controller != "EXTERNAL" && controller != "CODE_DEPLOY" {
        return Err(bad(
            at,
            "deploymentController",
            &controller,
            "EXTERNAL or CODE_DEPLOY",
        ));
    }
    if !s.tasks.is_empty() {
        return Err(at.err(
            "tasks",
            "the tasks of a service with task sets are declared in its taskSets",
        ));
    }
    if s.task_sets.iter().filter(|t| t.primary).count() > 1 {
        return Err(at.err("taskSets", "at most one task set is primary"));
    }
    let set_at = |k: usize| p.at(format!("{}.taskSets[{k}]", at.path));
    let code_deploy = controller == "CODE_DEPLOY";
    let first = if code_deploy {
        let Some(ts) = s.task_sets.first() else {
            return Err(at.err(
                "taskSets",
                "a CODE_DEPLOY service starts with a task set: declare it first",
            ));
        };
        let tat = set_at(0);
        if ts.external_id.is_some() {
            return Err(tat.err(
                "externalId",
                "the task set CreateService makes has no external id",
            ));
        }
        Some((ts, parts(names, &tat, ts)?))
    } else {
        None
    };
    // The service: a CODE_DEPLOY one with its first task set.
    let mut pins = service_pins;
    let strategy_of_service = strategy(at, s.capacity_provider_strategy.as_ref())?;
    let network_of_service = if s.subnets.is_empty() {
        None
    } else {
        Some(network(
            names,
            at,
            &s.subnets,
            &s.security_groups,
            s.assign_public_ip,
        )?)
    };
    let lbs_of_service = load_balancers(names, at, &s.load_balancers)?;
    let mut req = c::CreateServiceRequest {
        cluster: Some(s.cluster.clone()),
        service_name: Some(s.name.clone()),
        task_definition: (!s.task_definition.is_empty()).then(|| s.task_definition.clone()),
        desired_count: Some(s.desired_count),
        launch_type: s.launch_type.clone(),
        capacity_provider_strategy: strategy_of_service,
        network_configuration: network_of_service,
        load_balancers: (!lbs_of_service.is_empty()).then_some(lbs_of_service),
        health_check_grace_period_seconds: s.health_check_grace_period_seconds,
        deployment_controller: Some(c::DeploymentController {
            type_: Some(controller.clone()),
        }),
        tags: tags(&s.tags),
        ..Default::default()
    };
    if let Some((ts, parts)) = &first {
        let tat = set_at(0);
        check_id(&tat, "id", ts.id.as_ref())?;
        pins = pins.value("ecs-task-set", ts.id.as_ref());
        for (ti, t) in ts.tasks.iter().enumerate() {
            pins = task_pin(pins, names, &tat, &format!("tasks[{ti}]"), t)?;
        }
        req.task_definition = Some(ts.task_definition.clone());
        req.launch_type = parts.launch_type.clone();
        req.capacity_provider_strategy = parts.strategy.clone();
        req.network_configuration = parts.network.clone();
        req.load_balancers = parts.load_balancers.clone();
    }
    let out = pins.run(world, || {
        ecs(
            world,
            at,
            s.created_by.as_ref(),
            c::Request::CreateService(req),
        )
    })?;
    let mut arns: Vec<String> = Vec::new();
    if let (Some((ts, parts)), c::Response::CreateService(made)) = (&first, &out) {
        let arn = made
            .service
            .as_ref()
            .and_then(|s| s.task_sets.as_ref())
            .and_then(|t| t.first())
            .and_then(|t| t.task_set_arn.clone())
            .unwrap_or_default();
        if parts.scale.value != Some(100.0) {
            let tat = set_at(0);
            Pins::default()
                .time(
                    &tat,
                    "updatedAt",
                    ts.updated_at.as_ref().or(ts.created_at.as_ref()),
                )?
                .run(world, || {
                    ecs(
                        world,
                        &tat,
                        None,
                        c::Request::UpdateTaskSet(c::UpdateTaskSetRequest {
                            cluster: Some(s.cluster.clone()),
                            service: Some(s.name.clone()),
                            task_set: Some(arn.clone()),
                            scale: Some(parts.scale.clone()),
                        }),
                    )
                })?;
        }
        if !ts.tags.is_empty() {
            ecs(
                world,
                &set_at(0),
                None,
                c::Request::TagResource(c::TagResourceRequest {
                    resource_arn: Some(arn.clone()),
                    tags: tags(&ts.tags),
                }),
            )?;
        }
        arns.push(arn);
    }
    // The other task sets, in order.
    for (k, ts) in s.task_sets.iter().enumerate().skip(arns.len()) {
        let tat = set_at(k);
        let parts = parts(names, &tat, ts)?;
        let made = set_pins(names, &tat, ts)?.run(world, || {
            ecs(
                world,
                &tat,
                None,
                c::Request::CreateTaskSet(c::CreateTaskSetRequest {
                    cluster: Some(s.cluster.clone()),
                    service: Some(s.name.clone()),
                    task_definition: Some(ts.task_definition.clone()),
                    external_id: ts.external_id.clone(),
                    launch_type: parts.launch_type,
                    capacity_provider_strategy: parts.strategy,
                    network_configuration: parts.network,
                    load_balancers: parts.load_balancers,
                    scale: Some(parts.scale),
                    tags: tags(&ts.tags),
                    ..Default::default()
                }),
            )
        })?;
        let c::Response::CreateTaskSet(made) = made else {
            return Err(tat.err("", "unexpected answer"));
        };
        arns.push(
            made.task_set
                .and_then(|t| t.task_set_arn)
                .unwrap_or_default(),
        );
    }
    // The primary one (a CODE_DEPLOY service's first one is already).
    if let Some(k) = s.task_sets.iter().position(|t| t.primary) {
        if !(code_deploy && k == 0) {
            let tat = set_at(k);
            Pins::default()
                .time(
                    &tat,
                    "updatedAt",
                    s.task_sets[k]
                        .updated_at
                        .as_ref()
                        .or(s.task_sets[k].created_at.as_ref()),
                )?
                .run(world, || {
                    ecs(
                        world,
                        &tat,
                        None,
                        c::Request::UpdateServicePrimaryTaskSet(
                            c::UpdateServicePrimaryTaskSetRequest {
                                cluster: Some(s.cluster.clone()),
                                service: Some(s.name.clone()),
                                primary_task_set: Some(arns[k].clone()),
                            },
                        ),
                    )
                })?;
        }
    } else if code_deploy {
        return Err(at.err("taskSets", "a CODE_DEPLOY service has a primary task set"));
    }
    Ok(out)
}

/// The task sets of the service `key` (`<cluster>/<service>`), oldest
/// first, with their tasks (`launched` gives what AWS generated for one).
pub(super) fn export(
    a: &Account,
    key: &str,
    launched: impl Fn(&super::state::TaskRec) -> f::LaunchedTask,
    groups: impl Fn(&[String]) -> Vec<String>,
) -> Vec<f::TaskSet> {
    let ecs = &a.ecs;
    let mut sets: Vec<&super::state::TaskSetRec> = ecs
        .task_sets
        .values()
        .filter(|t| t.service == key && t.model.status.as_deref() != Some("DRAINING"))
        .collect();
    sets.sort_by_key(|t| (t.model.created_at.map(|c| c.millis()), t.model.id.clone()));
    let service_tasks = ecs
        .services
        .get(key)
        .map(|s| s.task_ids.clone())
        .unwrap_or_default();
    sets.into_iter()
        .map(|t| {
            let m = &t.model;
            let id = m.id.clone().unwrap_or_default();
            let mut tasks: Vec<&super::state::TaskRec> = service_tasks
                .iter()
                .filter_map(|i| ecs.tasks.get(i).map(|t| &**t))
                .filter(|x| x.model.shape.started_by.as_deref() == Some(id.as_str()))
                .filter(|x| x.model.desired_status.as_deref() == Some("RUNNING"))
                .collect();
            tasks.sort_by_key(|x| (x.model.created_at.map(|c| c.millis()), x.model.task_arn()));
            let vpc = m
                .network_configuration
                .as_ref()
                .and_then(|n| n.awsvpc_configuration.clone())
                .unwrap_or_default();
            let strategy = m
                .capacity_provider_strategy
                .as_ref()
                .filter(|s| !s.is_empty());
            f::TaskSet {
                id: m.id.clone(),
                task_definition: m.task_definition.clone().unwrap_or_default(),
                external_id: m.external_id.clone(),
                launch_type: m
                    .launch_type
                    .clone()
                    .filter(|l| strategy.is_none() && l != "FARGATE"),
                capacity_provider_strategy: strategy.and_then(|s| serde_json::to_value(s).ok()),
                subnets: vpc.subnets.unwrap_or_default(),
                security_groups: groups(&vpc.security_groups.unwrap_or_default()),
                assign_public_ip: vpc
                    .assign_public_ip
                    .filter(|a| a == "ENABLED")
                    .map(|_| true),
                scale: m
                    .scale
                    .as_ref()
                    .and_then(|s| s.value)
                    .filter(|v| *v != 100.0),
                load_balancers: super::scenario_calls::exported_load_balancers(
                    a,
                    m.load_balancers.as_deref(),
                ),
                primary: m.status.as_deref() == Some("PRIMARY"),
                created_at: m.created_at.map(time),
                updated_at: m.updated_at.filter(|u| Some(*u) != m.created_at).map(time),
                tags: f::TagList(
                    t.tags
                        .iter()
                        .map(|x| {
                            (
                                x.key.clone().unwrap_or_default(),
                                x.value.clone().unwrap_or_default(),
                            )
                        })
                        .collect(),
                ),
                tasks: tasks.into_iter().map(&launched).collect(),
            }
        })
        .collect()
}
