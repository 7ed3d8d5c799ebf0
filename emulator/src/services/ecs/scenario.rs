//! ECS's resources in scenario files: clusters, task definitions, services
//! and tasks, applied through the handlers (tasks and services start as AWS
//! starts them) and exported back with what AWS generated pinned.

use std::sync::Arc;

use serde_json::Value;

use super::state::TaskRec;
use crate::scenario_file::format as f;
use crate::scenario_file::mapping::time;
use crate::services::ec2::scenario::groups;
use crate::services::state::Account;

use super::scenario_calls::{
    ecs, exported_load_balancers, load_balancers, network, strategy, tags, task_pin,
};
use super::Ecs;
use crate::model::ecs as c;
use crate::scenario_file::format;
use crate::scenario_file::mapping::{bad, timestamp, Names, Phase, Pins, ScenarioError};
use crate::services::state::World;
use crate::world::Identity;

pub(crate) fn apply(
    world: &Arc<World>,
    p: &Phase<'_>,
    names: &mut Names,
    res: &format::RegionResources,
    later: &mut Vec<Later>,
) -> Result<(), ScenarioError> {
    let spec = &res.ecs;
    // What the agents will register, before any cluster exists for them.
    super::container_instance_scenario::pin(world, p, names, spec)?;
    for (cluster, ec2_instance) in super::container_instance_scenario::draining(p, names, spec)? {
        later.push(Later::Draining {
            account: p.account.to_string(),
            region: p.region.to_string(),
            cluster,
            ec2_instance,
        });
    }
    // Account settings first: a containerInsights default applies to the
    // clusters made after it, as in AWS.
    for (i, st) in spec.account_settings.iter().enumerate() {
        let at = p.at(format!("{}.ecs.accountSettings[{i}]", p.base));
        ecs(
            world,
            &at,
            None,
            c::Request::PutAccountSetting(c::PutAccountSettingRequest {
                name: Some(st.name.clone()),
                value: Some(st.value.clone()),
                principal_arn: st.principal_arn.clone(),
            }),
        )?;
    }
    // Auto Scaling group providers before the clusters that list them.
    for (i, cp) in spec.capacity_providers.iter().enumerate() {
        if cp.cluster.is_none() {
            capacity_provider(world, p, i, cp)?;
        }
    }
    for (i, cl) in spec.clusters.iter().enumerate() {
        let at = p.at(format!("{}.ecs.clusters[{i}]", p.base));
        let strategy = match &cl.default_capacity_provider_strategy {
            Some(v) => Some(serde_path_to_error::deserialize(v.clone()).map_err(|x| {
                at.err(
                    &format!("defaultCapacityProviderStrategy{}", x.path()),
                    x.inner(),
                )
            })?),
            None => None,
        };
        let configuration = match &cl.configuration {
            Some(v) => Some(
                serde_path_to_error::deserialize(v.clone())
                    .map_err(|x| at.err(&format!("configuration.{}", x.path()), x.inner()))?,
            ),
            None => None,
        };
        let mut pins = Pins::default();
        for a in &cl.attachments {
            pins = pins.push(
                "ecs-cluster-attachment",
                serde_json::to_value(a).unwrap_or(Value::Null),
            );
        }
        pins.run(world, || {
            ecs(
                world,
                &at,
                None,
                c::Request::CreateCluster(c::CreateClusterRequest {
                    cluster_name: Some(cl.name.clone()),
                    tags: tags(&cl.tags),
                    service_connect_defaults: cl
                        .service_connect_namespace
                        .clone()
                        .map(|n| c::ClusterServiceConnectDefaultsRequest { namespace: Some(n) }),
                    settings: (!cl.settings.is_empty()).then(|| {
                        cl.settings
                            .iter()
                            .map(|(k, v)| c::ClusterSetting {
                                name: Some(k.clone()),
                                value: Some(v.clone()),
                            })
                            .collect()
                    }),
                    capacity_providers: (!cl.capacity_providers.is_empty())
                        .then(|| cl.capacity_providers.clone()),
                    default_capacity_provider_strategy: strategy,
                    configuration,
                }),
            )
        })?;
    }
    // Managed Instances providers in their clusters.
    for (i, cp) in spec.capacity_providers.iter().enumerate() {
        if cp.cluster.is_some() {
            capacity_provider(world, p, i, cp)?;
        }
    }
    // Tasks pinned to container instances: the agents register first.
    let pinned_to_instances = spec
        .services
        .iter()
        .flat_map(|s| {
            s.tasks
                .iter()
                .chain(s.task_sets.iter().flat_map(|t| t.tasks.iter()))
        })
        .any(|t| t.container_instance.is_some())
        || spec.tasks.iter().any(|t| t.container_instance.is_some());
    if pinned_to_instances {
        world.settle();
    }
    // Revisions deregistered once services and tasks that use them exist.
    let mut deregister = Vec::new();
    for (i, raw) in spec.task_definitions.iter().enumerate() {
        let at = p.at(format!("{}.ecs.taskDefinitions[{i}]", p.base));
        let mut raw = raw.clone();
        let mut take = |k: &str| match &mut raw {
            serde_json::Value::Object(m) => m.remove(k),
            _ => None,
        };
        let text = |v: Option<serde_json::Value>, field: &str| match v {
            None => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(at.err(field, format!("'{other}' is not a string"))),
        };
        let registered_at = text(take("registeredAt"), "registeredAt")?;
        let registered_by = text(take("registeredBy"), "registeredBy")?;
        let status = text(take("status"), "status")?;
        let deregistered_at = text(take("deregisteredAt"), "deregisteredAt")?;
        let req: c::RegisterTaskDefinitionRequest = serde_path_to_error::deserialize(raw)
            .map_err(|x| at.err(&x.path().to_string(), x.inner()))?;
        req.validate("")
            .map_err(|x| at.aws(crate::wire::json_wire_error(x)))?;
        let pins = Pins::default().time(&at, "registeredAt", registered_at.as_ref())?;
        let out = pins.run(world, || {
            ecs(
                world,
                &at,
                registered_by.as_ref(),
                c::Request::RegisterTaskDefinition(req),
            )
        })?;
        match status.as_deref() {
            None | Some("ACTIVE") => {}
            Some("INACTIVE") => {
                let c::Response::RegisterTaskDefinition(out) = out else {
                    return Err(at.err("", "unexpected answer"));
                };
                let arn = out
                    .task_definition
                    .and_then(|d| d.task_definition_arn)
                    .unwrap_or_default();
                let pins = Pins::default().time(&at, "deregisteredAt", deregistered_at.as_ref())?;
                deregister.push((i, arn, pins));
            }
            Some(other) => {
                return Err(at.err("status", format!("'{other}' is not ACTIVE or INACTIVE")))
            }
        }
    }
    for (i, s) in spec.services.iter().enumerate() {
        let at = p.at(format!("{}.ecs.services[{i}]", p.base));
        let connect = match &s.service_connect_configuration {
            Some(v) => Some(
                serde_path_to_error::deserialize::<_, c::ServiceConnectConfiguration>(v.clone())
                    .map_err(|x| {
                        at.err(
                            &format!("serviceConnectConfiguration.{}", x.path()),
                            x.inner(),
                        )
                    })?,
            ),
            None => None,
        };
        let net = network(
            names,
            &at,
            &s.subnets,
            &s.security_groups,
            s.assign_public_ip,
        )?;
        let strategy = strategy(&at, s.capacity_provider_strategy.as_ref())?;
        let load_balancers = load_balancers(names, &at, &s.load_balancers)?;
        let mut pins = Pins::default()
            .time(&at, "createdAt", s.created_at.as_ref())?
            .value("ecs-deployment", s.deployment_id.as_ref());
        for (di, d) in s.service_connect_discovery_ids.iter().enumerate() {
            if !d.starts_with("srv-") || d.len() < 5 {
                return Err(bad(
                    &at,
                    &format!("serviceConnectDiscoveryIds[{di}]"),
                    d,
                    "a Cloud Map service id (srv-...)",
                ));
            }
            pins = pins.value("service-discovery", Some(d));
        }
        for (ti, t) in s.tasks.iter().enumerate() {
            pins = task_pin(pins, names, &at, &format!("tasks[{ti}]"), t)?;
        }
        let events = s
            .events
            .iter()
            .flatten()
            .enumerate()
            .map(|(ei, ev)| {
                Ok(c::ServiceEvent {
                    id: Some(ev.id.clone()),
                    created_at: Some(crate::wire::Timestamp::from_millis(timestamp(
                        &at,
                        &format!("events[{ei}].createdAt"),
                        &ev.created_at,
                    )?)),
                    message: Some(ev.message.clone()),
                })
            })
            .collect::<Result<Vec<_>, ScenarioError>>()?;
        if s.deployment_controller.is_some() {
            let service_pins = Pins::default().time(&at, "createdAt", s.created_at.as_ref())?;
            let out = super::task_set_scenario::apply(world, p, names, &at, s, service_pins)?;
            if s.events.is_some() {
                later.push(service_events(p, &at, out, events)?);
            }
            continue;
        }
        let out = pins.run(world, || {
            ecs(
                world,
                &at,
                s.created_by.as_ref(),
                c::Request::CreateService(c::CreateServiceRequest {
                    cluster: Some(s.cluster.clone()),
                    service_name: Some(s.name.clone()),
                    task_definition: Some(s.task_definition.clone()),
                    desired_count: Some(s.desired_count),
                    launch_type: strategy
                        .is_none()
                        .then(|| s.launch_type.clone().unwrap_or_else(|| "FARGATE".into())),
                    capacity_provider_strategy: strategy,
                    network_configuration: (!s.subnets.is_empty()).then_some(net),
                    service_connect_configuration: connect,
                    load_balancers: (!load_balancers.is_empty()).then_some(load_balancers),
                    health_check_grace_period_seconds: s.health_check_grace_period_seconds,
                    tags: tags(&s.tags),
                    ..Default::default()
                }),
            )
        })?;
        if s.events.is_some() {
            later.push(service_events(p, &at, out, events)?);
        }
    }
    for (i, t) in spec.tasks.iter().enumerate() {
        let at = p.at(format!("{}.ecs.tasks[{i}]", p.base));
        let net = network(
            names,
            &at,
            &t.subnets,
            &t.security_groups,
            t.assign_public_ip,
        )?;
        let launched = format::LaunchedTask {
            id: t.id.clone(),
            attachment_id: t.attachment_id.clone(),
            container_ids: t.container_ids.clone(),
            network_interface: t.network_interface.clone(),
            capacity_provider: None,
            container_instance: t.container_instance.clone(),
            host_ports: t.host_ports.clone(),
        };
        if t.launch_type.is_some() && t.capacity_provider.is_some() {
            return Err(at.err(
                "launchType",
                "a task runs on its capacityProvider or its launchType, not both",
            ));
        }
        let pins = Pins::default().time(&at, "createdAt", t.created_at.as_ref())?;
        let pins = task_pin(pins, names, &at, "", &launched)?;
        let out = pins.run(world, || {
            ecs(
                world,
                &at,
                None,
                c::Request::RunTask(c::RunTaskRequest {
                    cluster: Some(t.cluster.clone()),
                    task_definition: Some(t.task_definition.clone()),
                    count: Some(t.count),
                    launch_type: t
                        .capacity_provider
                        .is_none()
                        .then(|| t.launch_type.clone().unwrap_or_else(|| "FARGATE".into())),
                    capacity_provider_strategy: t.capacity_provider.as_ref().map(|p| {
                        vec![c::CapacityProviderStrategyItem {
                            capacity_provider: Some(p.clone()),
                            ..Default::default()
                        }]
                    }),
                    network_configuration: (!t.subnets.is_empty()).then_some(net),
                    started_by: t.started_by.clone(),
                    group: t.group.clone(),
                    tags: tags(&t.tags),
                    ..Default::default()
                }),
            )
        })?;
        let c::Response::RunTask(out) = out else {
            return Err(at.err("", "unexpected answer"));
        };
        match t.state.as_deref().unwrap_or("RUNNING") {
            "RUNNING" => {}
            "STOPPED" => {
                let pins = Pins::default().time(&at, "stoppingAt", t.stopping_at.as_ref())?;
                let tasks = out.tasks.unwrap_or_default();
                let single = tasks.len() == 1;
                for task in tasks {
                    let arn = task.task_arn.clone().unwrap_or_default();
                    pins.run(world, || {
                        ecs(
                            world,
                            &at,
                            None,
                            c::Request::StopTask(c::StopTaskRequest {
                                cluster: Some(t.cluster.clone()),
                                task: task.task_arn,
                                reason: t.stopped_reason.clone(),
                            }),
                        )
                    })?;
                    let ip = t
                        .network_interface
                        .as_ref()
                        .and_then(|n| n.private_ip.as_deref());
                    if let (true, Some(ip)) = (single, ip) {
                        stopped_address(world, p, &arn, ip);
                    }
                }
            }
            other => return Err(at.err("state", format!("'{other}' is not RUNNING or STOPPED"))),
        }
    }
    for (i, arn, pins) in deregister {
        let at = p.at(format!("{}.ecs.taskDefinitions[{i}]", p.base));
        pins.run(world, || {
            ecs(
                world,
                &at,
                None,
                c::Request::DeregisterTaskDefinition(c::DeregisterTaskDefinitionRequest {
                    task_definition: Some(arn),
                }),
            )
        })?;
    }
    let _ = names;
    Ok(())
}

/// A stopped task's address is history: its interface is gone, and the
/// address may be another resource's since (one the scenario made before the
/// task, which then got another while it briefly ran). The task says the one
/// it had.
fn stopped_address(world: &Arc<World>, p: &Phase<'_>, arn: &str, ip: &str) {
    let who = Identity::root(p.account, p.region);
    let mut ctx = world.context(&who, "scenario");
    let dns = crate::services::ec2::private_dns_name(p.region, ip);
    let id = arn.rsplit('/').next().unwrap_or_default();
    let st = &mut ctx.acct_mut().ecs;
    let Some(t) = st.tasks.get_mut(id) else {
        return;
    };
    t.model.edit(&mut st.task_shapes, |t| {
        for d in t
            .attachments
            .iter_mut()
            .flatten()
            .flat_map(|a| a.details.iter_mut().flatten())
        {
            match d.name.as_deref() {
                Some("privateIPv4Address") => d.value = Some(ip.to_string()),
                Some("privateDnsName") => d.value = Some(dns.clone()),
                _ => {}
            }
        }
        for n in t
            .containers
            .iter_mut()
            .flatten()
            .flat_map(|c| c.network_interfaces.iter_mut().flatten())
        {
            n.private_ipv4_address = Some(ip.to_string());
        }
    });
}

/// What is applied once every transition has settled: history a scenario
/// declares rather than replays.
pub(crate) enum Later {
    ServiceEvents {
        account: String,
        region: String,
        /// `<cluster>/<service>`.
        service: String,
        events: Vec<c::ServiceEvent>,
    },
    /// A container instance declared DRAINING drains once it registered.
    Draining {
        account: String,
        region: String,
        cluster: String,
        ec2_instance: String,
    },
}

/// A service's declared event log, replacing its own once all is loaded.
fn service_events(
    p: &Phase<'_>,
    at: &crate::scenario_file::mapping::At<'_>,
    created: c::Response,
    events: Vec<c::ServiceEvent>,
) -> Result<Later, ScenarioError> {
    let c::Response::CreateService(out) = created else {
        return Err(at.err("", "unexpected answer"));
    };
    let arn = out.service.and_then(|s| s.service_arn).unwrap_or_default();
    Ok(Later::ServiceEvents {
        account: p.account.to_string(),
        region: p.region.to_string(),
        service: arn
            .split_once(":service/")
            .map(|(_, k)| k.to_string())
            .unwrap_or_default(),
        events,
    })
}

pub(crate) fn apply_later(world: &Arc<World>, later: Vec<Later>) {
    for l in later {
        match l {
            Later::ServiceEvents {
                account,
                region,
                service,
                events,
            } => {
                let who = Identity::root(&account, &region);
                let mut ctx = world.context(&who, "scenario");
                if let Some(s) = ctx.acct_mut().ecs.services.get_mut(&service) {
                    s.model.events = Some(events);
                }
            }
            Later::Draining {
                account,
                region,
                cluster,
                ec2_instance,
            } => {
                let who = Identity::root(&account, &region);
                let mut ctx = world.context(&who, "scenario");
                let Some(id) = ctx.acct().ecs.by_ec2_instance.get(&ec2_instance).cloned() else {
                    continue;
                };
                // A failure here leaves the instance ACTIVE, as described.
                let _ = c::call(
                    &Ecs,
                    &mut ctx,
                    c::Request::UpdateContainerInstancesState(
                        c::UpdateContainerInstancesStateRequest {
                            cluster: Some(cluster),
                            container_instances: Some(vec![id]),
                            status: Some("DRAINING".into()),
                        },
                    ),
                );
            }
        }
    }
}

fn ecs_tags(t: &[crate::model::ecs::Tag]) -> f::TagList {
    f::TagList(
        t.iter()
            .map(|x| {
                (
                    x.key.clone().unwrap_or_default(),
                    x.value.clone().unwrap_or_default(),
                )
            })
            .collect(),
    )
}

/// What AWS generated for a task: ids and its network interface.
fn launched(a: &Account, t: &TaskRec) -> f::LaunchedTask {
    let task = t.model.to_task();
    let network_interface = t
        .model
        .detail("networkInterfaceId")
        .map(|id| f::NetworkInterface {
            private_ip: t.model.detail("privateIPv4Address"),
            mac: t.model.detail("macAddress"),
            // Kept by the task: its interface goes when it stops.
            public_ip: t.public_ip.map(|ip| ip.to_string()),
            id: Some(id),
        });
    f::LaunchedTask {
        id: task
            .task_arn
            .as_deref()
            .and_then(|a| a.rsplit('/').next())
            .map(str::to_string),
        attachment_id: task
            .attachments
            .iter()
            .flatten()
            .next()
            .and_then(|a| a.id.clone()),
        container_ids: task
            .containers
            .iter()
            .flatten()
            .filter_map(|c| c.container_arn.as_deref())
            .filter_map(|a| a.rsplit('/').next())
            .map(str::to_string)
            .collect(),
        network_interface,
        capacity_provider: task.capacity_provider_name.clone(),
        container_instance: t
            .placed
            .as_ref()
            .and_then(|p| a.ecs.container_instances.get(&p.instance))
            .map(|ci| ci.ec2_instance_id.clone()),
        host_ports: task
            .containers
            .iter()
            .flatten()
            .flat_map(|c| c.network_bindings.iter().flatten())
            .filter_map(|b| b.host_port)
            .collect(),
    }
}

/// This account's ECS resources, as a scenario declares them.
pub(crate) fn export(account: &str, a: &Account, out: &mut f::RegionResources) {
    super::container_instance_scenario::export(a, &mut out.ecs);
    let ecs = &a.ecs;
    // Account settings where set: the account default (root) first.
    let root = format!("arn:aws:iam::{account}:root");
    let mut principals: Vec<&String> = ecs.account_settings.keys().collect();
    principals.sort_by_key(|p| (**p != root, (*p).clone()));
    for principal in principals {
        for (name, value) in &ecs.account_settings[principal] {
            out.ecs.account_settings.push(f::AccountSetting {
                name: name.clone(),
                value: value.clone(),
                principal_arn: (*principal != root).then(|| principal.clone()),
            });
        }
    }
    // Capacity providers first: the clusters list them.
    for cp in ecs
        .capacity_providers
        .values()
        .filter(|c| c.model.status.as_deref() == Some("ACTIVE"))
    {
        let mut asg = cp
            .model
            .auto_scaling_group_provider
            .as_ref()
            .and_then(|x| serde_json::to_value(x).ok());
        if let Some(Value::Object(m)) = &mut asg {
            m.retain(|_, v| !v.is_null());
        }
        out.ecs.capacity_providers.push(f::CapacityProvider {
            name: cp.model.name.clone().unwrap_or_default(),
            auto_scaling_group_provider: asg,
            managed_instances_provider: cp
                .model
                .managed_instances_provider
                .as_ref()
                .and_then(|x| serde_json::to_value(x).ok()),
            cluster: cp.model.cluster.clone(),
            tags: ecs_tags(&cp.tags),
            update_status: cp
                .model
                .update_status
                .clone()
                .filter(|u| u.starts_with("UPDATE_")),
        });
    }
    // The cluster's own (Managed Instances) providers are made with them.
    let own = |n: &String| {
        ecs.capacity_providers
            .get(n)
            .is_some_and(|p| p.model.cluster.is_some())
    };
    for c in ecs
        .clusters
        .values()
        .filter(|c| matches!(c.model.status.as_deref(), Some("ACTIVE" | "PROVISIONING")))
    {
        out.ecs.clusters.push(f::Cluster {
            name: c.model.cluster_name.clone().unwrap_or_default(),
            service_connect_namespace: c
                .model
                .service_connect_defaults
                .as_ref()
                .and_then(|d| d.namespace.clone()),
            tags: ecs_tags(&c.tags),
            settings: c
                .model
                .settings
                .iter()
                .flatten()
                .filter_map(|s| Some((s.name.clone()?, s.value.clone()?)))
                .collect(),
            capacity_providers: c
                .model
                .capacity_providers
                .iter()
                .flatten()
                .filter(|n| !own(n))
                .cloned()
                .collect(),
            attachments: c
                .model
                .attachments
                .iter()
                .flatten()
                .filter(|a| a.type_.as_deref() == Some("as_policy"))
                .map(|a| f::ClusterAttachment {
                    id: a.id.clone(),
                    scaling_policy_name: a
                        .details
                        .iter()
                        .flatten()
                        .find(|d| d.name.as_deref() == Some("scalingPolicyName"))
                        .and_then(|d| d.value.clone()),
                })
                .collect(),
            default_capacity_provider_strategy: c
                .model
                .default_capacity_provider_strategy
                .as_ref()
                .and_then(|s| serde_json::to_value(s).ok()),
            configuration: c
                .model
                .configuration
                .as_ref()
                .and_then(|s| serde_json::to_value(s).ok()),
        });
    }
    for revisions in ecs.families.values() {
        for d in revisions {
            // The request that registers it again: the fields RegisterTaskDefinition
            // takes, and when, by whom, and whether it was deregistered.
            let mut v = serde_json::to_value(&d.model).unwrap_or(Value::Null);
            if let Value::Object(m) = &mut v {
                for k in [
                    "taskDefinitionArn",
                    "revision",
                    "status",
                    "requiresAttributes",
                    "compatibilities",
                    "registeredAt",
                    "deregisteredAt",
                    "deleteRequestedAt",
                ] {
                    m.remove(k);
                }
                if let Some(t) = d.model.registered_at {
                    m.insert("registeredAt".into(), time(t).into());
                }
                if d.model.status.as_deref() == Some("INACTIVE") {
                    m.insert("status".into(), "INACTIVE".into());
                    if let Some(t) = d.model.deregistered_at {
                        m.insert("deregisteredAt".into(), time(t).into());
                    }
                }
                if !d.tags.is_empty() {
                    m.insert(
                        "tags".into(),
                        serde_json::to_value(&d.tags).unwrap_or(Value::Null),
                    );
                }
            }
            out.ecs.task_definitions.push(v);
        }
    }
    // Tasks in the order they were started (a service's spread over its
    // subnets in turn), so a scenario starts them again in that order.
    let started = |t: &&TaskRec| {
        (
            t.model.created_at.map(|c| c.millis()).unwrap_or(0),
            t.model.detail("subnetId"),
            t.model.task_arn(),
        )
    };
    for (key, s) in ecs
        .services
        .iter()
        .filter(|(_, s)| s.model.status.as_deref() == Some("ACTIVE"))
    {
        // EXTERNAL and CODE_DEPLOY services: their tasks are in task sets,
        // and the primary one's settings are the service's.
        let controller = s
            .model
            .deployment_controller
            .as_ref()
            .and_then(|c| c.type_.clone())
            .filter(|t| t != "ECS");
        let task_sets = match &controller {
            Some(_) => {
                super::task_set_scenario::export(a, key, |t| launched(a, t), |g| groups(a, g))
            }
            None => vec![],
        };
        // What the service itself was made with (a primary task set's
        // settings became its own).
        let own = controller.is_none() || !task_sets.iter().any(|t| t.primary);
        let primary = s
            .model
            .deployments
            .as_ref()
            .and_then(|d| d.first())
            .filter(|_| controller.is_none());
        let vpc = s
            .model
            .network_configuration
            .as_ref()
            .filter(|_| own)
            .and_then(|n| n.awsvpc_configuration.clone())
            .unwrap_or_default();
        let subnets = vpc.subnets.unwrap_or_default();
        let mut tasks: Vec<&TaskRec> = s
            .task_ids
            .iter()
            .filter(|_| controller.is_none())
            .filter_map(|id| ecs.tasks.get(id).map(|t| &**t))
            .filter(|t| t.model.desired_status.as_deref() == Some("RUNNING"))
            .collect();
        tasks.sort_by_key(|t| {
            let (created, subnet, arn) = started(t);
            let place = subnets.iter().position(|x| Some(x) == subnet.as_ref());
            (created, place, arn)
        });
        out.ecs.services.push(f::Service {
            cluster: s.cluster.clone(),
            name: s.model.service_name.clone().unwrap_or_default(),
            task_definition: s
                .model
                .task_definition
                .clone()
                .filter(|_| controller.is_none())
                .unwrap_or_default(),
            desired_count: s.model.desired_count.unwrap_or(0),
            launch_type: s
                .model
                .launch_type
                .clone()
                .filter(|_| own)
                .filter(|l| l != "FARGATE" || controller.is_some()),
            subnets,
            security_groups: groups(a, &vpc.security_groups.unwrap_or_default()),
            assign_public_ip: vpc.assign_public_ip.map(|a| a == "ENABLED"),
            service_connect_configuration: primary
                .and_then(|d| d.service_connect_configuration.as_ref())
                .and_then(|c| serde_json::to_value(c).ok()),
            capacity_provider_strategy: s
                .model
                .capacity_provider_strategy
                .as_ref()
                .filter(|_| own)
                .filter(|x| !x.is_empty())
                .and_then(|x| serde_json::to_value(x).ok()),
            load_balancers: if own {
                exported_load_balancers(a, s.model.load_balancers.as_deref())
            } else {
                vec![]
            },
            health_check_grace_period_seconds: s
                .model
                .health_check_grace_period_seconds
                .filter(|g| *g != 0),
            tags: ecs_tags(&s.tags),
            created_at: s.model.created_at.map(time),
            created_by: s.model.created_by.clone(),
            deployment_id: primary.and_then(|d| d.id.clone()),
            service_connect_discovery_ids: primary
                .and_then(|d| d.service_connect_resources.as_ref())
                .into_iter()
                .flatten()
                .filter_map(|r| r.discovery_arn.as_deref())
                .filter_map(|a| a.rsplit('/').next())
                .map(str::to_string)
                .collect(),
            tasks: tasks.iter().map(|t| launched(a, t)).collect(),
            events: s.model.events.as_ref().map(|list| {
                list.iter()
                    .map(|e| f::ServiceEvent {
                        id: e.id.clone().unwrap_or_default(),
                        created_at: e.created_at.map(time).unwrap_or_default(),
                        message: e.message.clone().unwrap_or_default(),
                    })
                    .collect()
            }),
            deployment_controller: controller.clone(),
            task_sets,
        });
    }
    let mut standalone: Vec<&TaskRec> = ecs
        .tasks
        .values()
        .map(|t| &**t)
        .filter(|t| t.service.is_none())
        // The stopped tasks of a deleted (INACTIVE) cluster are left out
        // with it: nothing could run them there again.
        .filter(|t| {
            ecs.clusters.get(t.cluster.as_str()).is_some_and(|c| {
                matches!(c.model.status.as_deref(), Some("ACTIVE" | "PROVISIONING"))
            })
        })
        .collect();
    standalone.sort_by_key(started);
    for t in standalone {
        let task_groups = t
            .eni
            .as_ref()
            .and_then(|e| a.ec2.enis.get(e.as_str()))
            .map(|e| groups(a, &e.group_ids))
            .unwrap_or_default();
        let stopped = t.model.desired_status.as_deref() == Some("STOPPED");
        // A stopped task's subnet may be deleted since (its interface went
        // when it stopped): nothing could run it there again.
        let subnet = t.model.detail("subnetId");
        if stopped
            && subnet
                .as_ref()
                .is_some_and(|s| !a.ec2.subnets.contains_key(s.as_str()))
        {
            continue;
        }
        let l = launched(a, t);
        out.ecs.tasks.push(f::Task {
            cluster: t.cluster.to_string(),
            task_definition: t
                .model
                .shape
                .task_definition_arn
                .clone()
                .unwrap_or_default(),
            count: 1,
            launch_type: t
                .model
                .shape
                .launch_type
                .clone()
                .filter(|l| l != "FARGATE" && t.model.capacity_provider_name().is_none()),
            // From the attachment: a stopped task's interface is gone.
            subnets: subnet.into_iter().collect(),
            security_groups: task_groups,
            assign_public_ip: t.public_ip.map(|_| true),
            started_by: t.model.shape.started_by.clone(),
            group: t.model.shape.group.clone(),
            capacity_provider: t.model.capacity_provider_name().map(str::to_string),
            state: Some(if stopped { "STOPPED" } else { "RUNNING" }.into()),
            stopped_reason: t
                .model
                .stopped_reason()
                .filter(|_| stopped)
                .map(str::to_string),
            tags: ecs_tags(&t.tags),
            created_at: t.model.created_at.map(time),
            stopping_at: t.model.stopping_at.filter(|_| stopped).map(time),
            id: l.id,
            attachment_id: l.attachment_id,
            container_ids: l.container_ids,
            network_interface: l.network_interface,
            container_instance: l.container_instance,
            host_ports: l.host_ports,
        });
    }
}

/// Creates a capacity provider of the scenario (and replays its update).
fn capacity_provider(
    world: &Arc<World>,
    p: &Phase<'_>,
    i: usize,
    cp: &format::CapacityProvider,
) -> Result<(), ScenarioError> {
    let at = p.at(format!("{}.ecs.capacityProviders[{i}]", p.base));
    let asg: Option<c::AutoScalingGroupProvider> =
        match &cp.auto_scaling_group_provider {
            Some(v) => Some(serde_path_to_error::deserialize(v.clone()).map_err(|x| {
                at.err(&format!("autoScalingGroupProvider.{}", x.path()), x.inner())
            })?),
            None => None,
        };
    let managed: Option<c::CreateManagedInstancesProviderConfiguration> =
        match &cp.managed_instances_provider {
            Some(v) => Some(serde_path_to_error::deserialize(v.clone()).map_err(|x| {
                at.err(&format!("managedInstancesProvider.{}", x.path()), x.inner())
            })?),
            None => None,
        };
    let tags = (!cp.tags.is_empty()).then(|| {
        cp.tags
            .0
            .iter()
            .map(|(k, v)| c::Tag {
                key: Some(k.clone()),
                value: Some(v.clone()),
            })
            .collect()
    });
    ecs(
        world,
        &at,
        None,
        c::Request::CreateCapacityProvider(c::CreateCapacityProviderRequest {
            name: Some(cp.name.clone()),
            cluster: cp.cluster.clone(),
            auto_scaling_group_provider: asg.clone(),
            managed_instances_provider: managed,
            tags,
        }),
    )?;
    match cp.update_status.as_deref() {
        None => {}
        Some("UPDATE_COMPLETE" | "UPDATE_IN_PROGRESS") => {
            let update = asg.map(|a| c::AutoScalingGroupProviderUpdate {
                managed_scaling: a.managed_scaling,
                managed_termination_protection: a.managed_termination_protection,
                managed_draining: a.managed_draining,
            });
            let managed = cp.managed_instances_provider.as_ref().and_then(|v| {
                serde_json::from_value::<c::UpdateManagedInstancesProviderConfiguration>(v.clone())
                    .ok()
            });
            ecs(
                world,
                &at,
                None,
                c::Request::UpdateCapacityProvider(c::UpdateCapacityProviderRequest {
                    name: Some(cp.name.clone()),
                    cluster: cp.cluster.clone(),
                    auto_scaling_group_provider: update,
                    managed_instances_provider: managed.filter(|_| cp.cluster.is_some()),
                }),
            )?;
        }
        Some(other) => {
            return Err(bad(&at, "updateStatus", other, "UPDATE_COMPLETE"));
        }
    }
    Ok(())
}
