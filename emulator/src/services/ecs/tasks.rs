//! RunTask, StartTask, DescribeTasks, ListTasks, StopTask and the task
//! lifecycle (aws-spec.md §10.2–10.3, §11.1, §11.9–11.12):
//! `PROVISIONING` → `PENDING` → `ACTIVATING` → `RUNNING`, and on stop
//! `DEACTIVATING` → `STOPPING` → `DEPROVISIONING` → `STOPPED`, each step on
//! the world clock.

use super::capacity_providers::{self, Placement};
use super::clusters;
use super::common::{arn, check_max, cluster_not_found, event, invalid, page, short_name, R};
use super::load_balancing;
use super::placement;
use super::state::{Outcome, TaskRec};
use super::task_definitions;
use super::task_model::TaskModel;
use crate::model::ecs as m;
use crate::services::ec2::{create_eni, delete_eni, private_dns_name, NewEni};
use crate::services::state::Ctx;

/// How long each step takes in AWS, scaled by the pace.
const STEP_MS: i64 = 1_000;

/// The account ECS's task network interfaces are managed by [U].
const ECS_REQUESTER: &str = "578734482556";

pub(super) use super::state::Net;

/// What a service that starts a task is told at each of its steps (with
/// the service's key), so it keeps its desired count.
pub(super) type Watch = fn(&mut Ctx, &str);

/// Everything a new task needs.
pub(super) struct Launch<'a> {
    pub cluster: &'a str,
    pub def: &'a m::TaskDefinition,
    pub launch_type: &'a str,
    pub capacity_provider: Option<String>,
    pub platform_version: Option<String>,
    pub net: Option<&'a Net>,
    pub group: String,
    pub started_by: Option<String>,
    pub tags: Vec<m::Tag>,
    pub overrides: Option<m::TaskOverride>,
    pub service: Option<String>,
    /// Told of the task's every step (the service that started it).
    pub watch: Option<Watch>,
    /// Spreads tasks over the subnets.
    pub index: usize,
    /// EC2 launch type: the container instance placement chose.
    pub spot: Option<placement::Spot>,
}

/// Checks the task definition fits the launch type.
pub(super) fn check_compatible(def: &m::TaskDefinition, launch_type: &str) -> R<()> {
    if matches!(launch_type, "FARGATE" | "EC2")
        && !def
            .compatibilities
            .as_ref()
            .is_some_and(|c| c.iter().any(|x| x == launch_type))
    {
        return Err(super::common::client(format!(
            "Task definition does not support launch_type {launch_type}. ({})",
            def.task_definition_arn.as_deref().unwrap_or("")
        )));
    }
    Ok(())
}

/// The awsvpc network of a request, checked against EC2.
pub(super) fn network(
    ctx: &Ctx,
    def: &m::TaskDefinition,
    launch_type: &str,
    cfg: Option<&m::NetworkConfiguration>,
) -> R<Option<Net>> {
    if def.network_mode.as_deref() != Some("awsvpc") {
        return Ok(None);
    }
    let Some(vpc) = cfg.and_then(|c| c.awsvpc_configuration.as_ref()) else {
        return Err(invalid(
            "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
        ));
    };
    let subnets = vpc.subnets.clone().unwrap_or_default();
    if subnets.is_empty() {
        return Err(invalid("subnets can not be empty."));
    }
    if subnets.len() > 16 {
        return Err(invalid("At most 16 subnets can be given."));
    }
    let ec2 = &ctx.acct().ec2;
    let mut vpc_id: Option<String> = None;
    for s in &subnets {
        let Some(subnet) = ec2.subnets.get(s) else {
            return Err(invalid(format!(
                "Error retrieving subnet information for [{s}]: The subnet ID '{s}' does not exist (ErrorCode: InvalidSubnetID.NotFound)"
            )));
        };
        if vpc_id.as_ref().is_some_and(|v| *v != subnet.vpc_id) {
            return Err(invalid("The subnets must all belong to the same VPC."));
        }
        vpc_id = Some(subnet.vpc_id.clone());
    }
    let vpc_id = vpc_id.unwrap_or_default();
    let mut groups = vpc.security_groups.clone().unwrap_or_default();
    for g in &groups {
        match ec2.security_groups.get(g) {
            Some(sg) if sg.vpc_id == vpc_id => {}
            Some(_) => {
                return Err(invalid(format!(
                    "Security group {g} does not belong to the VPC of the subnets ({vpc_id})."
                )))
            }
            None => {
                return Err(invalid(format!(
                    "Error retrieving security group information for [{g}]: The security group '{g}' does not exist (ErrorCode: InvalidGroup.NotFound)"
                )))
            }
        }
    }
    if groups.is_empty() {
        if let Some(v) = ec2.vpcs.get(&vpc_id) {
            groups.push(v.default_security_group_id.clone());
        }
    }
    let assign = vpc
        .assign_public_ip
        .clone()
        .unwrap_or_else(|| "DISABLED".into());
    if assign == "ENABLED" && launch_type != "FARGATE" {
        return Err(invalid(
            "Assign public IP is not supported for this launch type.",
        ));
    }
    Ok(Some(Net {
        subnets,
        groups,
        assign_public_ip: assign,
    }))
}

/// A declared outcome from the containers' `dockerLabels`.
fn outcome(def: &m::TaskDefinition) -> Option<Outcome> {
    for c in def.container_definitions.iter().flatten() {
        let Some(labels) = &c.docker_labels else {
            continue;
        };
        let get = |k: &str| labels.get(k).cloned();
        let fail = get("awsemu.failToStart");
        let exit = get("awsemu.exitCode").and_then(|v| v.trim().parse::<i32>().ok());
        if fail.is_none() && exit.is_none() {
            continue;
        }
        let after = get("awsemu.exitAfterSeconds")
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|f| f.is_finite() && *f >= 0.0)
            .map(|f| (f * 1000.0) as i64)
            .unwrap_or(0);
        let name = c.name.clone().unwrap_or_default();
        return Some(match fail {
            Some(reason) => Outcome {
                container: name,
                exit_code: None,
                after_ms: 0,
                stop_code: get("awsemu.stopCode").unwrap_or_else(|| "TaskFailedToStart".into()),
                reason,
                fail_to_start: true,
            },
            None => Outcome {
                container: name,
                exit_code: exit,
                after_ms: after,
                stop_code: get("awsemu.stopCode")
                    .unwrap_or_else(|| "EssentialContainerExited".into()),
                reason: get("awsemu.stoppedReason")
                    .unwrap_or_else(|| "Essential container in task exited".into()),
                fail_to_start: false,
            },
        });
    }
    None
}

/// Moves the task to `to` after `after_ms` (AWS's time, scaled by the pace).
fn schedule_task(ctx: &mut Ctx, id: &str, after_ms: i64, to: &'static str, watch: Option<Watch>) {
    let id = id.to_string();
    ctx.schedule(after_ms, move |ctx| step(ctx, &id, to, watch));
}

/// What a scenario may pin of a task AWS starts (queued under `ecs-task`;
/// the next task launched takes it).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct TaskPin {
    id: Option<String>,
    attachment_id: Option<String>,
    /// One per container, in the task definition's order.
    container_ids: Vec<String>,
    /// Pinned for its network interface (see `ec2::EniPin`).
    network_interface: Option<serde_json::Value>,
    /// The provider of its strategy it ran on.
    capacity_provider: Option<String>,
    /// EC2 launch type: the EC2 instance whose container instance it runs
    /// on, and its host ports (container by container).
    container_instance: Option<String>,
    host_ports: Vec<i32>,
}

/// The spot a scenario pinned: the task on the container instance of the
/// EC2 instance `ec2`, with the host ports it had (those still free).
fn pinned_spot(ctx: &Ctx, l: &Launch<'_>, ec2: &str, ports: &[i32]) -> R<placement::Spot> {
    let Some(ci) = ctx.acct().ecs.by_ec2_instance.get(ec2).cloned() else {
        return Err(invalid(format!(
            "EC2 instance {ec2} has no container instance in cluster {}.",
            l.cluster
        )));
    };
    let need = placement::need(l.def, l.overrides.as_ref());
    let ask = placement::Ask {
        cluster: l.cluster,
        need: &need,
        net: l.net,
        group: &l.group,
        strategy: &[],
        constraints: &[],
        provider: None,
    };
    let mut spot = placement::place_on(ctx, &ask, &ci).map_err(|(arn, why)| {
        invalid(format!(
            "The task cannot be placed on container instance {arn}: {why}."
        ))
    })?;
    pin_ports(ctx, &mut spot, l.def, ports);
    Ok(spot)
}

/// Gives the spot's bindings the pinned host ports, container by container
/// in the task definition's order, where the port is free on the instance.
fn pin_ports(ctx: &Ctx, spot: &mut placement::Spot, def: &m::TaskDefinition, ports: &[i32]) {
    if ports.is_empty() {
        return;
    }
    let Some(ci) = ctx.acct().ecs.container_instances.get(&spot.instance) else {
        return;
    };
    let mut order = Vec::new();
    for c in def.container_definitions.iter().flatten() {
        for (k, (name, _)) in spot.bindings.iter().enumerate() {
            if Some(name) == c.name.as_ref() {
                order.push(k);
            }
        }
    }
    for (k, port) in order.into_iter().zip(ports) {
        let b = &mut spot.bindings[k].1;
        if b.host_port == Some(*port) {
            continue;
        }
        let udp = b.protocol.as_deref() == Some("udp");
        let (reserved, used) = if udp {
            (&ci.reserved_udp, &ci.used_udp)
        } else {
            (&ci.reserved_tcp, &ci.used_tcp)
        };
        if !reserved.contains(port) && !used.contains(port) {
            b.host_port = Some(*port);
        }
    }
    let of = |udp: bool| -> Vec<i32> {
        spot.bindings
            .iter()
            .filter(|(_, b)| (b.protocol.as_deref() == Some("udp")) == udp)
            .filter_map(|(_, b)| b.host_port)
            .collect()
    };
    let (tcp, udp) = (of(false), of(true));
    spot.placed.tcp = tcp;
    spot.placed.udp = udp;
}

/// Creates one task (and its network interface) and schedules its start.
pub(super) fn launch(ctx: &mut Ctx, mut l: Launch<'_>) -> R<String> {
    let pin: TaskPin = ctx.world.ids.take_pinned("ecs-task").unwrap_or_default();
    if l.spot.is_some() {
        if let Some(ec2) = &pin.container_instance {
            l.spot = Some(pinned_spot(ctx, &l, ec2, &pin.host_ports)?);
        } else if let Some(spot) = l.spot.as_mut() {
            pin_ports(ctx, spot, l.def, &pin.host_ports);
        }
    }
    let id = pin.id.unwrap_or_else(|| ctx.world.ids.hex(32));
    let task_arn = arn(ctx, &format!("task/{}/{id}", l.cluster));
    let cluster_arn = arn(ctx, &format!("cluster/{}", l.cluster));
    let mut attachments = Vec::new();
    let mut eni_id = None;
    let mut az = None;
    let mut interfaces = Vec::new();
    if let Some(net) = l.net {
        let subnet = match l.spot.as_ref().and_then(|s| s.subnet.as_ref()) {
            Some(s) => s,
            None => &net.subnets[l.index % net.subnets.len()],
        };
        let attachment_id = pin.attachment_id.unwrap_or_else(|| ctx.world.ids.uuid());
        if let Some(eni) = pin.network_interface {
            ctx.world.ids.pin("network-interface", eni);
        }
        let eni = create_eni(
            ctx,
            NewEni {
                private_ip: None,
                subnet_id: subnet,
                group_ids: net.groups.clone(),
                description: format!(
                    "arn:aws:ecs:{}:{}:attachment/{attachment_id}",
                    ctx.region_name(),
                    ctx.account
                ),
                interface_type: "interface",
                requester_id: Some(ECS_REQUESTER.into()),
                public_ip: net.assign_public_ip == "ENABLED",
            },
        )?;
        // Only what the task shows of it (not a copy of the whole interface).
        let (private_ip, mac_address, zone) = {
            let e = &ctx.acct().ec2.enis[eni.as_str()];
            (
                e.private_ip.clone(),
                e.mac_address.clone(),
                e.availability_zone.clone(),
            )
        };
        let dns = private_dns_name(ctx.region_name(), &private_ip);
        let kv = |n: &str, v: &str| m::KeyValuePair {
            name: Some(n.into()),
            value: Some(v.into()),
        };
        attachments.push(m::Attachment {
            id: Some(attachment_id.clone()),
            type_: Some("ElasticNetworkInterface".into()),
            status: Some("PRECREATED".into()),
            details: Some(vec![
                kv("subnetId", subnet),
                kv("networkInterfaceId", &eni),
                kv("macAddress", &mac_address),
                kv("privateDnsName", &dns),
                kv("privateIPv4Address", &private_ip),
            ]),
        });
        interfaces.push(m::NetworkInterface {
            attachment_id: Some(attachment_id),
            private_ipv4_address: Some(private_ip.to_string()),
            ipv6_address: None,
        });
        az = Some(zone.to_string());
        eni_id = Some(eni);
    }
    let az = az.or_else(|| l.spot.as_ref().map(|s| s.availability_zone.clone()));
    let az = az.or_else(|| {
        let zones = crate::world::regions::zones(ctx.region_name());
        zones
            .get(l.index % zones.len().max(1))
            .map(|z| z.name.clone())
    });
    let mut containers: Vec<m::Container> = l
        .def
        .container_definitions
        .iter()
        .flatten()
        .enumerate()
        .map(|(i, c)| m::Container {
            container_arn: Some(arn(
                ctx,
                &format!(
                    "container/{}/{id}/{}",
                    l.cluster,
                    pin.container_ids
                        .get(i)
                        .cloned()
                        .unwrap_or_else(|| ctx.world.ids.uuid())
                ),
            )),
            task_arn: Some(task_arn.clone()),
            name: c.name.clone(),
            image: c.image.clone(),
            last_status: Some("PENDING".into()),
            network_bindings: Some(
                l.spot
                    .iter()
                    .flat_map(|s| s.bindings.iter())
                    .filter(|(container, _)| Some(container) == c.name.as_ref())
                    .map(|(_, b)| b.clone())
                    .collect(),
            ),
            network_interfaces: Some(interfaces.clone()),
            health_status: Some("UNKNOWN".into()),
            cpu: Some(c.cpu.unwrap_or(0).to_string()),
            memory: c.memory.map(|v| v.to_string()),
            memory_reservation: c.memory_reservation.map(|v| v.to_string()),
            ..Default::default()
        })
        .collect();
    // Kept for the task's life: no room for more (a collected or pushed
    // Vec starts with room for four, ~1.3 KiB per task of spare containers).
    containers.shrink_to_fit();
    attachments.shrink_to_fit();
    let overrides = l.overrides.unwrap_or_else(|| m::TaskOverride {
        container_overrides: Some(
            containers
                .iter()
                .map(|c| m::ContainerOverride {
                    name: c.name.clone(),
                    ..Default::default()
                })
                .collect(),
        ),
        inference_accelerator_overrides: Some(vec![]),
        ..Default::default()
    });
    let fargate = l.launch_type == "FARGATE";
    let task = m::Task {
        attachments: Some(attachments),
        attributes: Some(vec![m::Attribute {
            name: Some("ecs.cpu-architecture".into()),
            value: Some("x86_64".into()),
            ..Default::default()
        }]),
        availability_zone: az,
        // A strategy's task: the provider a scenario pinned for it.
        capacity_provider_name: l
            .capacity_provider
            .clone()
            .map(|p| pin.capacity_provider.clone().unwrap_or(p)),
        cluster_arn: Some(cluster_arn),
        containers: Some(containers),
        cpu: l.def.cpu.clone(),
        memory: l.def.memory.clone(),
        created_at: Some(ctx.now()),
        desired_status: Some("RUNNING".into()),
        enable_execute_command: Some(super::exec::inherited(ctx, l.service.as_deref())),
        group: Some(l.group),
        health_status: Some("UNKNOWN".into()),
        last_status: Some("PROVISIONING".into()),
        launch_type: Some(l.launch_type.to_string()),
        overrides: Some(overrides),
        platform_version: fargate.then(|| match l.platform_version.as_deref() {
            None | Some("LATEST") => "1.4.0".to_string(),
            Some(v) => v.to_string(),
        }),
        platform_family: fargate.then(|| "Linux".into()),
        started_by: l.started_by,
        task_arn: Some(task_arn),
        task_definition_arn: l.def.task_definition_arn.clone(),
        version: Some(1),
        ephemeral_storage: fargate.then_some(m::EphemeralStorage {
            size_in_gi_b: Some(20),
        }),
        inference_accelerators: Some(vec![]),
        ..Default::default()
    };
    let public_ip = eni_id
        .as_ref()
        .and_then(|e| ctx.acct().ec2.enis.get(e.as_str()))
        .and_then(|e| e.public_ip.as_deref()?.parse().ok());
    let model = TaskModel::pack(task, &mut ctx.acct_mut().ecs.task_shapes);
    let rec = TaskRec {
        cluster: l.cluster.to_string().into(),
        model,
        tags: l.tags,
        eni: eni_id.map(Into::into),
        service: l.service.clone(),
        outcome: outcome(l.def).map(Box::new),
        targets: vec![],
        placed: l.spot.as_ref().map(|s| Box::new(s.placed.clone())),
        protection: None,
        public_ip,
    };
    ctx.acct_mut().ecs.tasks.insert(id.clone(), Box::new(rec));
    if let Some(spot) = &l.spot {
        let ci_arn = ctx
            .acct()
            .ecs
            .container_instances
            .get(&spot.instance)
            .map(|ci| arn(ctx, &format!("container-instance/{}/{}", ci.cluster, ci.id)));
        let st = &mut ctx.acct_mut().ecs;
        if let Some(ci) = st.container_instances.get_mut(&spot.instance) {
            ci.hold(&id, &spot.placed);
        }
        if let Some(t) = st.tasks.get_mut(&id) {
            t.model.rare_mut().container_instance_arn = ci_arn;
        }
    }
    if let Some(s) = &l.service {
        if let Some(svc) = ctx.acct_mut().ecs.services.get_mut(s) {
            svc.task_ids.insert(id.clone());
        }
    }
    ctx.emit(event("task", &id, "created", Some("PROVISIONING")));
    schedule_task(ctx, &id, STEP_MS, "PENDING", l.watch);
    schedule_task(ctx, &id, 2 * STEP_MS, "ACTIVATING", l.watch);
    schedule_task(ctx, &id, 3 * STEP_MS, "RUNNING", l.watch);
    Ok(id)
}

/// The wire form of a task, tags only when asked for.
pub(super) fn model(t: &TaskRec, with_tags: bool) -> m::Task {
    let mut out = t.model.to_task();
    out.tags = with_tags.then(|| t.tags.clone());
    out
}

/// Moves a task one status on, keeping its containers and timestamps consistent.
fn set_status(ctx: &mut Ctx, id: &str, status: &str) {
    let now = ctx.now();
    let Some(t) = ctx.acct_mut().ecs.tasks.get_mut(id) else {
        return;
    };
    let task = &mut t.model;
    task.last_status = Some(status.into());
    task.version = Some(task.version.unwrap_or(0) + 1);
    let container_status = match status {
        "PENDING" | "ACTIVATING" => "PENDING",
        "RUNNING" => "RUNNING",
        "STOPPING" | "DEPROVISIONING" | "STOPPED" => "STOPPED",
        _ => "",
    };
    match status {
        "ACTIVATING" => {
            task.pull_started_at = Some(now);
            task.pull_stopped_at = Some(now);
        }
        "RUNNING" => {
            task.started_at = Some(now);
            task.connectivity = Some("CONNECTED".into());
            task.connectivity_at = Some(now);
            for a in task.attachments.iter_mut() {
                a.status = Some("ATTACHED".into());
            }
        }
        "DEPROVISIONING" => {
            task.execution_stopped_at = Some(now);
            for a in task.attachments.iter_mut() {
                a.status = Some("DELETED".into());
            }
        }
        "STOPPED" => {
            task.stopped_at = Some(now);
            if task.execution_stopped_at.is_none() {
                task.execution_stopped_at = Some(now);
            }
        }
        _ => {}
    }
    let outcome = t.outcome.clone();
    let stop_code = task.stop_code.clone();
    if !container_status.is_empty() {
        for (shape, c) in task.containers_mut() {
            if c.last_status.as_deref() == Some("STOPPED") {
                continue;
            }
            c.last_status = Some(container_status.into());
            if container_status == "STOPPED" {
                let failed_start = stop_code.as_deref() == Some("TaskFailedToStart");
                let declared = outcome
                    .as_ref()
                    .filter(|o| Some(o.container.as_str()) == shape.name.as_deref());
                if failed_start {
                    c.rare_mut().reason = declared.map(|o| o.reason.clone());
                } else {
                    c.exit_code = Some(declared.and_then(|o| o.exit_code).unwrap_or(0));
                }
            }
        }
    }
    ctx.emit(event("task", id, "state-changed", Some(status)));
}

/// Sets a task on its way to `STOPPED`.
pub(super) fn stop(ctx: &mut Ctx, id: &str, stop_code: &str, reason: &str, watch: Option<Watch>) {
    let now = ctx.now();
    let Some(t) = ctx.acct_mut().ecs.tasks.get_mut(id) else {
        return;
    };
    if t.model.desired_status.as_deref() == Some("STOPPED") {
        return;
    }
    let was_running = t.model.last_status.as_deref() == Some("RUNNING");
    t.model.desired_status = Some("STOPPED".into());
    t.model.stop_code = Some(stop_code.into());
    t.model.rare_mut().stopped_reason = Some(reason.to_string());
    t.model.stopping_at = Some(now);
    t.model.version = Some(t.model.version.unwrap_or(0) + 1);
    if was_running {
        set_status(ctx, id, "DEACTIVATING");
    }
    // A service's task leaves its target groups first and stays
    // DEACTIVATING while its targets drain.
    let drain = load_balancing::deregister(ctx, id);
    schedule_task(ctx, id, drain + STEP_MS, "STOPPING", watch);
    schedule_task(ctx, id, drain + 2 * STEP_MS, "DEPROVISIONING", watch);
    schedule_task(ctx, id, drain + 3 * STEP_MS, "STOPPED", watch);
}

/// A service (or task set) stops its `live` tasks beyond the first `keep`,
/// as ECS's scheduler does, and says so. Tasks under scale-in protection
/// are spared (newest first go), and the service says how many it could
/// not stop; it looks again when their protection is cleared or lapses.
pub(super) fn scale_in(ctx: &mut Ctx, scaling: ScaleIn<'_>, live: &[String], keep: usize) {
    let excess = live.len().saturating_sub(keep);
    let mut stopped = Vec::new();
    for t in live.iter().rev() {
        if stopped.len() == excess {
            break;
        }
        let spared =
            ctx.acct().ecs.tasks.get(t).is_some_and(|r| {
                scaling.spare_protected && super::task_protection::protected(ctx, r)
            });
        if !spared {
            stopped.push(t.clone());
        }
    }
    stopped.reverse();
    for t in &stopped {
        stop(
            ctx,
            t,
            "ServiceSchedulerInitiated",
            &scaling.reason,
            Some(scaling.watch),
        );
    }
    if !stopped.is_empty() {
        super::common::stopped_event(ctx, scaling.key, scaling.name, &stopped);
    }
    if stopped.len() < excess {
        super::common::protected_event(
            ctx,
            scaling.key,
            scaling.name,
            scaling.deployment,
            excess - stopped.len(),
        );
    }
}

/// Who scales in, and why its tasks stop.
pub(super) struct ScaleIn<'a> {
    /// `<cluster>/<service>`.
    pub key: &'a str,
    pub name: &'a str,
    /// The deployment (or task set) id whose tasks these are.
    pub deployment: &'a str,
    /// The stopped reason.
    pub reason: String,
    pub watch: Watch,
    /// False when the service or task set is being deleted: protection
    /// holds against scale-in events, not against deletion [U].
    pub spare_protected: bool,
}

impl<'a> ScaleIn<'a> {
    /// Scaling in to the desired count.
    pub fn desired(key: &'a str, name: &'a str, deployment: &'a str, watch: Watch) -> Self {
        let reason = format!("Scaling activity initiated by (deployment {deployment})");
        let spare_protected = true;
        ScaleIn {
            key,
            name,
            deployment,
            reason,
            watch,
            spare_protected,
        }
    }

    /// Scaling in because the service or task set is being deleted.
    pub fn deleting(mut self, deleting: bool) -> Self {
        self.spare_protected = !deleting;
        self
    }
}

/// Moves a task to its next status (`to`), if it is still on its way there.
fn step(ctx: &mut Ctx, id: &str, to: &'static str, watch: Option<Watch>) {
    let Some(task) = ctx.acct().ecs.tasks.get(id) else {
        return;
    };
    let desired_running = task.model.desired_status.as_deref() == Some("RUNNING");
    let last = task.model.last_status.as_deref().unwrap_or_default();
    let outcome = task.outcome.clone();
    let service = task.service.clone();
    let starting = matches!(to, "PENDING" | "ACTIVATING" | "RUNNING");
    if starting != desired_running || last == "STOPPED" {
        return;
    }
    if to == "ACTIVATING" {
        if let Some(o) = outcome.as_ref().filter(|o| o.fail_to_start) {
            stop(ctx, id, &o.stop_code, &o.reason, watch);
            return;
        }
        // What it cannot reach over its network stops it once ECS gives up.
        if network_blocked(ctx, id, watch) {
            return;
        }
    }
    if to == "RUNNING" && outcome.as_ref().is_some_and(|o| o.fail_to_start) {
        return;
    }
    set_status(ctx, id, to);
    if to == "RUNNING" {
        // Registered in the service's target groups: the service looks
        // again once the first health checks are done and when the grace
        // period ends.
        if let (Some(grace), Some(s), Some(w)) =
            (load_balancing::register(ctx, id), &service, watch)
        {
            for after in [crate::services::elbv2::HEALTHY_MS, grace] {
                let s = s.clone();
                ctx.schedule(after, move |ctx| w(ctx, &s));
            }
        }
        if let Some(o) = outcome.filter(|o| !o.fail_to_start) {
            let id = id.to_string();
            ctx.schedule(o.after_ms, move |ctx| exit(ctx, &id, watch));
        }
    }
    if to == "STOPPED" {
        if let Some(eni) = ctx.acct().ecs.tasks.get(id).and_then(|t| t.eni.clone()) {
            delete_eni(ctx, &eni);
        }
        // Its container instance gets back what it held.
        let st = &mut ctx.acct_mut().ecs;
        if let Some(p) = st.tasks.get(id).and_then(|t| t.placed.clone()) {
            if let Some(ci) = st.container_instances.get_mut(&p.instance) {
                ci.release(id, &p);
            }
        }
    }
    if let (Some(s), Some(watch)) = (service, watch) {
        watch(ctx, &s);
    }
}

/// Checks what the task must reach to start (`start_checks`) as the world's
/// reachability switch says: when something is out of reach, the task
/// stays `PENDING` while ECS retries, then stops with ECS's reason (its
/// container's too) — true when it will.
fn network_blocked(ctx: &mut Ctx, id: &str, watch: Option<Watch>) -> bool {
    let mode = ctx.world.config.reachability;
    if mode == crate::world::Reachability::Off {
        return false;
    }
    let Some(t) = ctx.acct().ecs.tasks.get(id) else {
        return false;
    };
    let fargate = t.placed.is_none();
    let def = t
        .model
        .shape
        .task_definition_arn
        .as_deref()
        .and_then(|arn| task_definitions::find(ctx, arn))
        .map(|d| d.model.clone());
    let (Some(def), Some(eni)) = (def, super::network_path::task_interface(ctx, id)) else {
        return false;
    };
    // The role the calls are made as: the execution role on Fargate, the
    // instance's role on EC2 [U: ecsInstanceRole when it has no profile].
    let task_id = id.to_string();
    let principal = if fargate {
        let role = def
            .execution_role_arn
            .as_deref()
            .and_then(|r| r.rsplit('/').next())
            .unwrap_or("ecsTaskExecutionRole")
            .to_string();
        format!("arn:aws:sts::{}:assumed-role/{role}/{task_id}", ctx.account)
    } else {
        let instance = t
            .placed
            .as_ref()
            .and_then(|p| ctx.acct().ecs.container_instances.get(&p.instance))
            .map(|ci| ci.ec2_instance_id.clone())
            .unwrap_or_default();
        let role = ctx
            .acct()
            .ec2
            .instances
            .get(&instance)
            .and_then(|i| i.iam_instance_profile.clone())
            .and_then(|p| p.rsplit('/').next().map(str::to_string))
            .unwrap_or_else(|| "ecsInstanceRole".into());
        format!(
            "arn:aws:sts::{}:assumed-role/{role}/{instance}",
            ctx.account
        )
    };
    let Some(blocked) = super::start_checks::first_blocked(ctx, &def, &eni, fargate, &principal)
    else {
        return false;
    };
    let task = t.model.task_arn().unwrap_or_default();
    if mode == crate::world::Reachability::Warn {
        tracing::warn!(
            task,
            explanation = blocked.explanation,
            "would not start on AWS"
        );
        return false;
    }
    tracing::info!(
        task,
        explanation = blocked.explanation,
        reason = blocked.stopped_reason,
        "task cannot start"
    );
    let (container, reason) = blocked.container.clone().unwrap_or_default();
    if let Some(t) = ctx.acct_mut().ecs.tasks.get_mut(id) {
        t.outcome = Some(Box::new(Outcome {
            container,
            exit_code: None,
            after_ms: super::start_checks::GIVE_UP_MS,
            stop_code: "TaskFailedToStart".into(),
            reason,
            fail_to_start: true,
        }));
    }
    let id = id.to_string();
    ctx.schedule(super::start_checks::GIVE_UP_MS, move |ctx| {
        stop(
            ctx,
            &id,
            "TaskFailedToStart",
            &blocked.stopped_reason,
            watch,
        );
    });
    true
}

/// A declared container exit happens.
fn exit(ctx: &mut Ctx, id: &str, watch: Option<Watch>) {
    let Some(task) = ctx.acct().ecs.tasks.get(id) else {
        return;
    };
    if task.model.last_status.as_deref() != Some("RUNNING") {
        return;
    }
    let Some(o) = task.outcome.clone() else {
        return;
    };
    stop(ctx, id, &o.stop_code, &o.reason, watch);
}

pub(super) fn run(ctx: &mut Ctx, i: m::RunTaskRequest) -> R<m::RunTaskResponse> {
    let cluster = clusters::active(ctx, i.cluster.as_deref())?;
    let def = task_definitions::active(ctx, i.task_definition.as_deref().unwrap_or(""))?;
    let count = i.count.unwrap_or(1);
    if !(1..=10).contains(&count) {
        return Err(invalid("count must be between 1 and 10."));
    }
    // Capacity providers: the strategy (the call's or the cluster's
    // default) picks each task's provider by base and weight.
    let (launch_type, providers) = match capacity_providers::placement(
        ctx,
        &cluster,
        i.launch_type.as_deref(),
        i.capacity_provider_strategy.as_deref(),
    )? {
        Placement::LaunchType(t) => (t, vec![None; count as usize]),
        Placement::Strategy { items, fargate } => {
            let each = capacity_providers::distribute(&items, &Default::default(), count as usize);
            // Auto Scaling group providers run tasks on their container
            // instances (EC2).
            let launch = if fargate { "FARGATE" } else { "EC2" };
            (launch.to_string(), each.into_iter().map(Some).collect())
        }
    };
    if launch_type == "EXTERNAL" || launch_type == "MANAGED_INSTANCES" {
        // No external or managed instances are registered in the emulator.
        return Err(invalid(
            "No Container Instances were found in your cluster.",
        ));
    }
    check_compatible(&def, &launch_type)?;
    let net = network(ctx, &def, &launch_type, i.network_configuration.as_ref())?;
    let family = def.family.clone().unwrap_or_default();
    let group = i
        .group
        .clone()
        .unwrap_or_else(|| format!("family:{family}"));
    let on_instances = launch_type == "EC2";
    let strategy = i.placement_strategy.clone().unwrap_or_default();
    let mut constraints = i.placement_constraints.clone().unwrap_or_default();
    if on_instances {
        placement::check(&strategy, &constraints)?;
        if providers.iter().all(Option::is_none) && !placement::has_instances(ctx, &cluster) {
            // [R gh: RunTask throws this]
            return Err(invalid(
                "No Container Instances were found in your cluster.",
            ));
        }
        constraints.extend(placement::definition_constraints(&def));
    }
    let need = placement::need(&def, i.overrides.as_ref());
    let mut ids = Vec::new();
    let mut failures: Vec<m::Failure> = Vec::new();
    for (n, provider) in providers.iter().enumerate() {
        let spot = if on_instances {
            let ask = placement::Ask {
                cluster: &cluster,
                need: &need,
                net: net.as_ref(),
                group: &group,
                strategy: &strategy,
                constraints: &constraints,
                provider: provider.as_deref(),
            };
            match placement::place(ctx, &ask) {
                Ok(s) => Some(s),
                Err(why) => {
                    if why.is_empty() {
                        // [R containers-roadmap#653: ECS's words for a
                        // provider without instances]
                        why_none(
                            &mut failures,
                            "No Container Instances were found in your capacity provider.",
                        );
                    }
                    for (arn, reason) in why {
                        let f = m::Failure {
                            arn: Some(arn),
                            reason: Some(reason),
                            detail: None,
                        };
                        if !failures.contains(&f) {
                            failures.push(f);
                        }
                    }
                    break;
                }
            }
        } else {
            None
        };
        ids.push(launch(
            ctx,
            Launch {
                cluster: &cluster,
                def: &def,
                launch_type: &launch_type,
                capacity_provider: provider.clone(),
                platform_version: i.platform_version.clone(),
                net: net.as_ref(),
                group: group.clone(),
                started_by: i.started_by.clone(),
                tags: i.tags.clone().unwrap_or_default(),
                overrides: i.overrides.clone(),
                service: None,
                watch: None,
                index: n,
                spot,
            },
        )?);
    }
    super::exec::enable(ctx, &ids, i.enable_execute_command);
    let st = &ctx.acct().ecs;
    Ok(m::RunTaskResponse {
        tasks: Some(ids.iter().map(|id| model(&st.tasks[id], true)).collect()),
        failures: Some(failures),
    })
}

fn why_none(failures: &mut Vec<m::Failure>, reason: &str) {
    failures.push(m::Failure {
        arn: None,
        reason: Some(reason.to_string()),
        detail: None,
    });
}

/// StartTask: one task on each named container instance, if it fits.
pub(super) fn start(ctx: &mut Ctx, i: m::StartTaskRequest) -> R<m::StartTaskResponse> {
    let cluster = clusters::active(ctx, i.cluster.as_deref())?;
    let def = task_definitions::active(ctx, i.task_definition.as_deref().unwrap_or(""))?;
    let instances = i.container_instances.clone().unwrap_or_default();
    if instances.is_empty() || instances.len() > 10 {
        return Err(invalid(
            "containerInstances must name 1 to 10 container instances.",
        ));
    }
    check_compatible(&def, "EC2")?;
    let net = network(ctx, &def, "EC2", i.network_configuration.as_ref())?;
    let family = def.family.clone().unwrap_or_default();
    let group = i
        .group
        .clone()
        .unwrap_or_else(|| format!("family:{family}"));
    let need = placement::need(&def, i.overrides.as_ref());
    let mut ids = Vec::new();
    let mut failures = Vec::new();
    for (n, reference) in instances.iter().enumerate() {
        let ask = placement::Ask {
            cluster: &cluster,
            need: &need,
            net: net.as_ref(),
            group: &group,
            strategy: &[],
            constraints: &[],
            provider: None,
        };
        let spot = match placement::place_on(ctx, &ask, reference) {
            Ok(s) => s,
            Err((arn, reason)) => {
                failures.push(m::Failure {
                    arn: Some(arn),
                    reason: Some(reason),
                    detail: None,
                });
                continue;
            }
        };
        ids.push(launch(
            ctx,
            Launch {
                cluster: &cluster,
                def: &def,
                launch_type: "EC2",
                capacity_provider: None,
                platform_version: None,
                net: net.as_ref(),
                group: group.clone(),
                started_by: i.started_by.clone(),
                tags: i.tags.clone().unwrap_or_default(),
                overrides: i.overrides.clone(),
                service: None,
                watch: None,
                index: n,
                spot: Some(spot),
            },
        )?);
    }
    let st = &ctx.acct().ecs;
    Ok(m::StartTaskResponse {
        tasks: Some(ids.iter().map(|id| model(&st.tasks[id], true)).collect()),
        failures: Some(failures),
    })
}

/// A task id from an id or an ARN (`task/<cluster>/<id>` or `task/<id>`).
fn task_id(reference: &str) -> Option<String> {
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

pub(super) fn describe(ctx: &mut Ctx, i: m::DescribeTasksRequest) -> R<m::DescribeTasksResponse> {
    let cluster = clusters::name_of(i.cluster.as_deref());
    if !ctx.acct().ecs.clusters.contains_key(&cluster) {
        return Err(cluster_not_found());
    }
    let wanted = i.tasks.unwrap_or_default();
    if wanted.is_empty() {
        return Err(invalid("Tasks cannot be empty."));
    }
    if wanted.len() > 100 {
        return Err(invalid("Tasks cannot be longer than 100."));
    }
    let with_tags = i.include.unwrap_or_default().iter().any(|x| x == "TAGS");
    let st = &ctx.acct().ecs;
    let mut tasks = Vec::new();
    let mut failures = Vec::new();
    for w in &wanted {
        let id = task_id(w).ok_or_else(|| invalid("Task Identifier is invalid"))?;
        match st.tasks.get(&id).filter(|t| t.cluster == cluster) {
            Some(t) => tasks.push(model(t, with_tags)),
            None => failures.push(m::Failure {
                arn: Some(if w.starts_with("arn:") {
                    w.clone()
                } else {
                    arn(ctx, &format!("task/{cluster}/{id}"))
                }),
                reason: Some("MISSING".into()),
                detail: None,
            }),
        }
    }
    Ok(m::DescribeTasksResponse {
        tasks: Some(tasks),
        failures: Some(failures),
    })
}

pub(super) fn list(ctx: &mut Ctx, i: m::ListTasksRequest) -> R<m::ListTasksResponse> {
    let cluster = clusters::active(ctx, i.cluster.as_deref())?;
    let max = check_max(i.max_results)?;
    let desired = i.desired_status.unwrap_or_else(|| "RUNNING".into());
    let service = i.service_name.map(|s| {
        format!(
            "{cluster}/{}",
            short_name(&s, "service").rsplit('/').next().unwrap_or("")
        )
    });
    if let Some(s) = &service {
        if !ctx.acct().ecs.services.contains_key(s) {
            return Err(super::common::service_not_found());
        }
    }
    let st = &ctx.acct().ecs;
    let family_of = |t: &TaskRec| {
        t.model
            .shape
            .task_definition_arn
            .as_deref()
            .map(|a| {
                short_name(a, "task-definition")
                    .rsplit_once(':')
                    .map(|(f, _)| f.to_string())
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    };
    let items = st
        .tasks
        .values()
        .filter(|t| t.cluster == cluster)
        .filter(|t| match desired.as_str() {
            "PENDING" => {
                t.model.desired_status.as_deref() == Some("RUNNING")
                    && t.model.last_status.as_deref() != Some("RUNNING")
            }
            d => t.model.desired_status.as_deref() == Some(d),
        })
        .filter(|t| i.family.as_ref().is_none_or(|f| family_of(t) == *f))
        .filter(|t| {
            i.started_by
                .as_ref()
                .is_none_or(|s| t.model.shape.started_by.as_ref() == Some(s))
        })
        .filter(|t| {
            i.launch_type
                .as_ref()
                .is_none_or(|l| t.model.shape.launch_type.as_ref() == Some(l))
        })
        .filter(|t| {
            service
                .as_ref()
                .is_none_or(|s| t.service.as_ref() == Some(s))
        })
        .filter(|t| {
            i.container_instance.as_ref().is_none_or(|c| {
                let want = c.rsplit('/').next().unwrap_or("");
                t.placed.as_ref().is_some_and(|p| p.instance == want)
            })
        })
        .filter_map(|t| t.model.task_arn())
        .map(|a| (a.clone(), a))
        .collect();
    let (arns, next) = page(items, max, i.next_token.as_deref())?;
    Ok(m::ListTasksResponse {
        task_arns: Some(arns),
        next_token: next,
    })
}

/// StopTask; a service's task tells its service (`watch`).
pub(super) fn stop_request(
    ctx: &mut Ctx,
    i: m::StopTaskRequest,
    watch: Watch,
) -> R<m::StopTaskResponse> {
    let cluster = clusters::name_of(i.cluster.as_deref());
    if !ctx.acct().ecs.clusters.contains_key(&cluster) {
        return Err(cluster_not_found());
    }
    let id = task_id(i.task.as_deref().unwrap_or(""))
        .ok_or_else(|| invalid("Task Identifier is invalid"))?;
    if ctx
        .acct()
        .ecs
        .tasks
        .get(&id)
        .is_none_or(|t| t.cluster != cluster)
    {
        return Err(invalid("The referenced task was not found."));
    }
    let reason = i.reason.unwrap_or_else(|| "Task stopped by user".into());
    stop(ctx, &id, "UserInitiated", &reason, Some(watch));
    let service = ctx.acct().ecs.tasks[&id].service.clone();
    if let Some(s) = service {
        watch(ctx, &s);
    }
    Ok(m::StopTaskResponse {
        task: Some(model(&ctx.acct().ecs.tasks[&id], true)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_references() {
        let id = "0123456789abcdef0123456789abcdef";
        assert_eq!(task_id(id).as_deref(), Some(id));
        assert_eq!(
            task_id(&format!("arn:aws:ecs:us-east-1:123456789012:task/app/{id}")).as_deref(),
            Some(id)
        );
        assert_eq!(
            task_id(&format!("arn:aws:ecs:us-east-1:123456789012:task/{id}")).as_deref(),
            Some(id)
        );
        assert!(task_id("nope").is_none());
    }
}
