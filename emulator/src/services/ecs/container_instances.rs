//! Container instances: EC2 instances whose ECS agent registers them with a
//! cluster. The agent follows its instance as on AWS — an instance running
//! an ECS-optimized AMI registers with the cluster its user data names
//! (`ECS_CLUSTER=<name>` in `/etc/ecs/ecs.config`; `default` without one)
//! once it runs, its agent disconnects when it stops (its tasks stop) and
//! reconnects when it starts again, and it is deregistered when the
//! instance terminates — and RegisterContainerInstance,
//! DescribeContainerInstances, ListContainerInstances,
//! UpdateContainerInstancesState, DeregisterContainerInstance and
//! UpdateContainerAgent serve them.

use std::collections::BTreeSet;

use base64::Engine as _;

use super::agent_network;
use super::clusters;
use super::common::{
    arn, check_max, client, container_instance_arn, container_instance_id, event, invalid, page, R,
};
use super::query;
use super::services;
use super::state::ContainerInstanceRec;
use super::tasks;
use super::trunking;
use crate::model::ecs as m;
use crate::services::ec2::{image_by_id, instance_type};
use crate::services::state::Ctx;
use crate::wire::AwsError;

/// From the instance running to its agent registering (AWS: about a
/// minute; scaled like the emulator's other transitions) [U].
const AGENT_START_MS: i64 = 5_000;

/// What the agent of the bundled ECS-optimized AMIs (20241115) reports:
/// agent 1.88.0 [R aws/amazon-ecs-ami CHANGELOG], Docker 25.0 on AL2023
/// [U: patch version and agent hash].
const AGENT_VERSION: &str = "1.88.0";
const AGENT_HASH: &str = "f7f4e6ca";
const DOCKER_VERSION: &str = "DockerVersion: 25.0.6";

/// Ports the agent reserves on every instance (SSH, Docker, the agent's
/// introspection and credentials ports) [R ECS developer guide,
/// `ECS_RESERVED_PORTS`].
pub(super) const RESERVED_TCP: [i32; 5] = [22, 2375, 2376, 51678, 51679];

const ATTRIBUTES: &str = include_str!("data/agent-attributes.txt");

/// The agent's attributes without values.
fn capabilities() -> impl Iterator<Item = &'static str> {
    ATTRIBUTES
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// The memory the agent registers: what the kernel reports of the
/// installed memory — the ECS developer guide's example, an m4.large with
/// 8 GiB, registers 7985 MiB [R]; the same share for every type [U].
fn registered_memory(installed_mib: i64) -> i32 {
    (installed_mib * 7985 / 8192) as i32
}

/// The cluster the agent joins: `ECS_CLUSTER` in the instance's user data
/// (`echo ECS_CLUSTER=name >> /etc/ecs/ecs.config` and its variants), else
/// `default`, as the agent does.
pub(super) fn cluster_from_user_data(user_data: Option<&str>) -> String {
    let text = user_data
        .and_then(|u| {
            base64::engine::general_purpose::STANDARD
                .decode(u.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .or_else(|| user_data.map(str::to_string))
        .unwrap_or_default();
    text.split("ECS_CLUSTER=")
        .nth(1)
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect::<String>()
        })
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "default".into())
}

fn attr(name: &str, value: Option<&str>) -> m::Attribute {
    m::Attribute {
        name: Some(name.to_string()),
        value: value.map(str::to_string),
        ..Default::default()
    }
}

fn new_id(ctx: &Ctx) -> String {
    ctx.world
        .ids
        .take_pin("container-instance")
        .unwrap_or_else(|| ctx.world.ids.hex(32))
}

/// An EC2 instance of the account changed state: its agent follows.
pub fn instance_changed(ctx: &mut Ctx, ec2_id: &str) {
    let Some(i) = ctx.acct().ec2.instances.get(ec2_id) else {
        return;
    };
    let state = i.state.clone();
    let registered = ctx.acct().ecs.by_ec2_instance.get(ec2_id).cloned();
    match state.as_str() {
        "running" => {
            if let Some(ci) = registered {
                set_connected(ctx, &ci, true);
                return;
            }
            let ecs_ami = image_by_id(ctx.region_name(), &i.image_id)
                .is_some_and(|img| img.name.contains("-ecs-"));
            if ecs_ami {
                let id = ec2_id.to_string();
                ctx.schedule(AGENT_START_MS, move |ctx| agent_registers(ctx, &id));
            }
        }
        "stopping" | "shutting-down" => {
            ctx.acct_mut().ecs.waiting_agents.remove(ec2_id);
            if let Some(ci) = registered {
                set_connected(ctx, &ci, false);
                stop_tasks_on(
                    ctx,
                    &ci,
                    &format!("Host EC2 (instance {ec2_id}) stopped/terminated."),
                );
            }
        }
        "terminated" => {
            if let Some(ci) = registered {
                set_inactive(ctx, &ci);
            }
        }
        _ => {}
    }
}

/// The agent of a running instance registers it with its cluster, or
/// waits for the cluster to be created (it retries as long as it runs).
fn agent_registers(ctx: &mut Ctx, ec2_id: &str) {
    let Some(i) = ctx.acct().ec2.instances.get(ec2_id) else {
        return;
    };
    if i.state != "running" || ctx.acct().ecs.by_ec2_instance.contains_key(ec2_id) {
        return;
    }
    let pinned = ctx
        .acct()
        .ecs
        .agent_pins
        .get(ec2_id)
        .map(|p| p.cluster.clone());
    let cluster = pinned.unwrap_or_else(|| cluster_from_user_data(i.user_data.as_deref()));
    if clusters::active(ctx, Some(&cluster)).is_err() {
        ctx.acct_mut()
            .ecs
            .waiting_agents
            .insert(ec2_id.to_string(), cluster);
        return;
    }
    let pin = ctx
        .acct_mut()
        .ecs
        .agent_pins
        .remove(ec2_id)
        .unwrap_or_default();
    if let Some(id) = pin.id {
        ctx.world
            .ids
            .pin("container-instance", serde_json::Value::String(id));
    }
    register(ctx, &cluster, ec2_id, pin.version, pin.attributes, vec![]);
}

/// Whether an attribute is one the agent registers (not one a user put).
pub(super) fn agent_attribute(name: &str) -> bool {
    capabilities().any(|c| c == name)
        || matches!(
            name,
            "ecs.ami-id"
                | "ecs.availability-zone"
                | "ecs.instance-type"
                | "ecs.os-type"
                | "ecs.os-family"
                | "ecs.cpu-architecture"
                | "ecs.vpc-id"
                | "ecs.subnet-id"
        )
}

/// The agent of the bundled AMIs: (version, hash, Docker version).
pub(super) fn default_agent() -> (&'static str, &'static str, &'static str) {
    (AGENT_VERSION, AGENT_HASH, DOCKER_VERSION)
}

/// A cluster was created: the agents waiting for it register.
pub(super) fn cluster_created(ctx: &mut Ctx, cluster: &str) {
    let waiting: Vec<String> = ctx
        .acct()
        .ecs
        .waiting_agents
        .iter()
        .filter(|(_, c)| *c == cluster)
        .map(|(i, _)| i.clone())
        .collect();
    for ec2_id in waiting {
        ctx.acct_mut().ecs.waiting_agents.remove(&ec2_id);
        agent_registers(ctx, &ec2_id);
    }
}

/// Makes the container instance of an EC2 instance (ACTIVE, agent
/// connected) with the resources and attributes its agent reports.
fn register(
    ctx: &mut Ctx,
    cluster: &str,
    ec2_id: &str,
    version: Option<m::VersionInfo>,
    extra: Vec<m::Attribute>,
    tags: Vec<m::Tag>,
) -> String {
    let i = ctx.acct().ec2.instances[ec2_id].clone();
    let kind = instance_type(&i.instance_type);
    let (cpu, memory, enis) = kind.map_or((1024, 1024, 1), |t| {
        (t.vcpus * 1024, registered_memory(t.memory_mib), t.max_enis)
    });
    let arch = if i.architecture == "arm64" {
        "arm64"
    } else {
        "x86_64"
    };
    let mut attributes: Vec<m::Attribute> = capabilities().map(|c| attr(c, None)).collect();
    for (name, value) in [
        ("ecs.ami-id", i.image_id.as_str()),
        ("ecs.availability-zone", i.availability_zone.as_str()),
        ("ecs.instance-type", i.instance_type.as_str()),
        ("ecs.os-type", "linux"),
        ("ecs.os-family", "LINUX"),
        ("ecs.cpu-architecture", arch),
        ("ecs.vpc-id", i.vpc_id.as_str()),
        ("ecs.subnet-id", i.subnet_id.as_str()),
    ] {
        attributes.push(attr(name, Some(value)));
    }
    // ENI trunking (trunking.rs): the trunk attribute and a larger
    // awsvpc task limit.
    let mut eni_slots = (enis - 1).max(0);
    let profile = i.iam_instance_profile.as_deref();
    if let Some((trunk, limit)) = trunking::at_registration(ctx, &i.instance_type, profile) {
        attributes.push(trunk);
        eni_slots = limit;
    }
    for a in extra {
        attributes.retain(|x| x.name != a.name);
        attributes.push(a);
    }
    let id = new_id(ctx);
    let capacity_provider = group_provider(ctx, cluster, &i);
    let primary_eni = crate::services::ec2::reachability::instance_eni(&ctx.acct().ec2, ec2_id)
        .map(str::to_string);
    let rec = ContainerInstanceRec {
        cluster: cluster.to_string(),
        id: id.clone(),
        ec2_instance_id: ec2_id.to_string(),
        primary_eni,
        status: "ACTIVE".into(),
        status_reason: None,
        agent_connected: true,
        agent_update_status: None,
        version_info: version.unwrap_or(m::VersionInfo {
            agent_version: Some(AGENT_VERSION.into()),
            agent_hash: Some(AGENT_HASH.into()),
            docker_version: Some(DOCKER_VERSION.into()),
        }),
        cpu,
        memory,
        reserved_tcp: RESERVED_TCP.to_vec(),
        reserved_udp: vec![],
        eni_slots,
        attributes,
        registered_at: ctx.now(),
        version: 1,
        tags,
        capacity_provider,
        used_cpu: 0,
        used_memory: 0,
        used_tcp: BTreeSet::new(),
        used_udp: BTreeSet::new(),
        used_enis: 0,
        tasks: BTreeSet::new(),
        groups: Default::default(),
    };
    let st = &mut ctx.acct_mut().ecs;
    st.container_instances.insert(id.clone(), rec);
    st.by_ec2_instance.insert(ec2_id.to_string(), id.clone());
    ctx.emit(event(
        "container-instance",
        &id,
        "registered",
        Some("ACTIVE"),
    ));
    // Services waiting for room place their tasks.
    services::reconcile_cluster(ctx, cluster);
    id
}

/// The capacity provider of the cluster whose Auto Scaling group the
/// instance belongs to (its `aws:autoscaling:groupName` tag): the
/// provider's `autoScalingGroupArn` ends in `:autoScalingGroupName/<name>`.
fn group_provider(
    ctx: &Ctx,
    cluster: &str,
    i: &crate::services::ec2::state::Instance,
) -> Option<String> {
    let group = i.tags.get("aws:autoscaling:groupName")?;
    let suffix = format!(":autoScalingGroupName/{group}");
    let st = &ctx.acct().ecs;
    st.clusters
        .get(cluster)?
        .model
        .capacity_providers
        .iter()
        .flatten()
        .find(|name| {
            st.capacity_providers.get(*name).is_some_and(|p| {
                p.model
                    .auto_scaling_group_provider
                    .as_ref()
                    .and_then(|a| a.auto_scaling_group_arn.as_deref())
                    .is_some_and(|arn| arn.ends_with(&suffix))
            })
        })
        .cloned()
}

fn bump(ci: &mut ContainerInstanceRec) {
    ci.version += 1;
}

fn set_connected(ctx: &mut Ctx, id: &str, connected: bool) {
    if let Some(ci) = ctx.acct_mut().ecs.container_instances.get_mut(id) {
        if ci.agent_connected != connected && ci.status != "INACTIVE" {
            ci.agent_connected = connected;
            bump(ci);
        }
    }
}

/// Stops every task on the container instance (its host went away).
fn stop_tasks_on(ctx: &mut Ctx, id: &str, reason: &str) {
    let Some(ci) = ctx.acct().ecs.container_instances.get(id) else {
        return;
    };
    let list: Vec<String> = ci.tasks.iter().cloned().collect();
    let mut told: Vec<String> = Vec::new();
    for t in list {
        // [U: stopCode of a task whose host stopped]
        tasks::stop(
            ctx,
            &t,
            "ServiceSchedulerInitiated",
            reason,
            Some(services::reconcile),
        );
        if let Some(s) = ctx.acct().ecs.tasks.get(&t).and_then(|x| x.service.clone()) {
            if !told.contains(&s) {
                told.push(s);
            }
        }
    }
    for s in told {
        services::reconcile(ctx, &s);
    }
}

/// Deregistered: INACTIVE, described for a while, out of the cluster.
fn set_inactive(ctx: &mut Ctx, id: &str) {
    let st = &mut ctx.acct_mut().ecs;
    let Some(ci) = st.container_instances.get_mut(id) else {
        return;
    };
    ci.status = "INACTIVE".into();
    ci.agent_connected = false;
    bump(ci);
    let ec2 = ci.ec2_instance_id.clone();
    st.by_ec2_instance.remove(&ec2);
    ctx.emit(event(
        "container-instance",
        id,
        "state-changed",
        Some("INACTIVE"),
    ));
}

pub(super) fn id_of(reference: &str) -> String {
    container_instance_id(reference)
}

pub(super) fn arn_of(ctx: &Ctx, ci: &ContainerInstanceRec) -> String {
    container_instance_arn(ctx, &ci.cluster, &ci.id)
}

fn integer(name: &str, v: i32) -> m::Resource {
    m::Resource {
        name: Some(name.into()),
        type_: Some("INTEGER".into()),
        double_value: Some(0.0),
        long_value: Some(0),
        integer_value: Some(v),
        string_set_value: None,
    }
}

fn ports(name: &str, set: impl Iterator<Item = i32>) -> m::Resource {
    m::Resource {
        name: Some(name.into()),
        type_: Some("STRINGSET".into()),
        double_value: Some(0.0),
        long_value: Some(0),
        integer_value: Some(0),
        string_set_value: Some(set.map(|p| p.to_string()).collect()),
    }
}

/// The wire form.
pub(super) fn model(
    ctx: &Ctx,
    ci: &ContainerInstanceRec,
    with_tags: bool,
    memo: &mut agent_network::Memo,
) -> m::ContainerInstance {
    let connected = agent_network::connected(ctx, ci, memo);
    let st = &ctx.acct().ecs;
    let (mut running, mut pending) = (0, 0);
    for t in ci.tasks.iter().filter_map(|t| st.tasks.get(t)) {
        if t.model.desired_status.as_deref() != Some("RUNNING") {
            continue;
        }
        match t.model.last_status.as_deref() {
            Some("RUNNING") => running += 1,
            _ => pending += 1,
        }
    }
    let all_tcp = || ci.reserved_tcp.iter().copied();
    let all_udp = || ci.reserved_udp.iter().copied();
    m::ContainerInstance {
        container_instance_arn: Some(arn_of(ctx, ci)),
        ec2_instance_id: Some(ci.ec2_instance_id.clone()),
        capacity_provider_name: ci.capacity_provider.clone(),
        version: Some(ci.version),
        version_info: Some(ci.version_info.clone()),
        registered_resources: Some(vec![
            integer("CPU", ci.cpu),
            integer("MEMORY", ci.memory),
            ports("PORTS", all_tcp()),
            ports("PORTS_UDP", all_udp()),
        ]),
        remaining_resources: Some(vec![
            integer("CPU", ci.cpu - ci.used_cpu),
            integer("MEMORY", ci.memory - ci.used_memory),
            ports("PORTS", all_tcp().chain(ci.used_tcp.iter().copied())),
            ports("PORTS_UDP", all_udp().chain(ci.used_udp.iter().copied())),
        ]),
        status: Some(ci.status.clone()),
        status_reason: ci.status_reason.clone(),
        agent_connected: Some(connected),
        running_tasks_count: Some(running),
        pending_tasks_count: Some(pending),
        agent_update_status: ci.agent_update_status.clone(),
        attributes: Some(ci.attributes.clone()),
        registered_at: Some(ci.registered_at),
        attachments: Some(vec![]),
        tags: with_tags.then(|| ci.tags.clone()),
        health_status: Some(m::ContainerInstanceHealthStatus {
            overall_status: Some(if connected { "OK" } else { "INSUFFICIENT_DATA" }.into()),
            details: None,
        }),
        ..Default::default()
    }
}

/// A container instance of the cluster by id or ARN.
fn find<'a>(ctx: &'a Ctx, cluster: &str, reference: &str) -> Option<&'a ContainerInstanceRec> {
    ctx.acct()
        .ecs
        .container_instances
        .get(&id_of(reference))
        .filter(|c| c.cluster == cluster)
}

fn not_found() -> AwsError {
    invalid("The referenced container instance was not found.")
}

// ---------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------

pub(super) fn register_request(
    ctx: &mut Ctx,
    i: m::RegisterContainerInstanceRequest,
) -> R<m::RegisterContainerInstanceResponse> {
    let cluster = clusters::active(ctx, i.cluster.as_deref())?;
    // The instance identity document names the EC2 instance.
    let doc: serde_json::Value = i
        .instance_identity_document
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok())
        .ok_or_else(|| client("An instance identity document is required."))?;
    let ec2_id = doc
        .get("instanceId")
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string();
    if ctx
        .acct()
        .ec2
        .instances
        .get(&ec2_id)
        .is_none_or(|x| x.state != "running")
    {
        return Err(client(format!(
            "The instance identity document does not name a running instance of this account: '{ec2_id}'."
        )));
    }
    // Registering again (the agent restarting) keeps the container instance.
    if let Some(existing) = ctx.acct().ecs.by_ec2_instance.get(&ec2_id).cloned() {
        let ci = &ctx.acct().ecs.container_instances[&existing];
        if ci.cluster != cluster {
            return Err(client(format!(
                "The instance is registered with another cluster ({}).",
                ci.cluster
            )));
        }
        set_connected(ctx, &existing, true);
        let ci = &ctx.acct().ecs.container_instances[&existing];
        return Ok(m::RegisterContainerInstanceResponse {
            container_instance: Some(model(ctx, ci, true, &mut Default::default())),
        });
    }
    let mut extra = i.attributes.clone().unwrap_or_default();
    for a in &extra {
        check_attribute(a)?;
    }
    extra.iter_mut().for_each(|a| {
        a.target_type = None;
        a.target_id = None;
    });
    let id = register(
        ctx,
        &cluster,
        &ec2_id,
        i.version_info.clone(),
        extra,
        i.tags.clone().unwrap_or_default(),
    );
    // Resources the agent reports replace the instance type's.
    if let Some(total) = &i.total_resources {
        if let Some(ci) = ctx.acct_mut().ecs.container_instances.get_mut(&id) {
            for r in total {
                match (r.name.as_deref(), r.integer_value) {
                    (Some("CPU"), Some(v)) => ci.cpu = v,
                    (Some("MEMORY"), Some(v)) => ci.memory = v,
                    _ => {}
                }
                if r.name.as_deref() == Some("PORTS") {
                    ci.reserved_tcp = parse_ports(r);
                }
                if r.name.as_deref() == Some("PORTS_UDP") {
                    ci.reserved_udp = parse_ports(r);
                }
            }
        }
    }
    ctx.acct_mut().ecs.waiting_agents.remove(&ec2_id);
    let ci = &ctx.acct().ecs.container_instances[&id];
    Ok(m::RegisterContainerInstanceResponse {
        container_instance: Some(model(ctx, ci, true, &mut Default::default())),
    })
}

fn parse_ports(r: &m::Resource) -> Vec<i32> {
    r.string_set_value
        .iter()
        .flatten()
        .filter_map(|p| p.parse().ok())
        .collect()
}

pub(super) fn describe(
    ctx: &mut Ctx,
    i: m::DescribeContainerInstancesRequest,
) -> R<m::DescribeContainerInstancesResponse> {
    let cluster = clusters::name_of(i.cluster.as_deref());
    if !ctx.acct().ecs.clusters.contains_key(&cluster) {
        return Err(super::common::cluster_not_found());
    }
    let wanted = i.container_instances.unwrap_or_default();
    if wanted.is_empty() {
        return Err(invalid("ContainerInstances cannot be empty."));
    }
    if wanted.len() > 100 {
        return Err(invalid("ContainerInstances cannot be longer than 100."));
    }
    let with_tags = i.include.unwrap_or_default().iter().any(|x| x == "TAGS");
    let mut memo = agent_network::Memo::default();
    let mut out = Vec::new();
    let mut failures = Vec::new();
    for w in &wanted {
        match find(ctx, &cluster, w) {
            Some(ci) => out.push(model(ctx, ci, with_tags, &mut memo)),
            None => failures.push(m::Failure {
                arn: Some(if w.starts_with("arn:") {
                    w.clone()
                } else {
                    arn(ctx, &format!("container-instance/{cluster}/{w}"))
                }),
                reason: Some("MISSING".into()),
                detail: None,
            }),
        }
    }
    Ok(m::DescribeContainerInstancesResponse {
        container_instances: Some(out),
        failures: Some(failures),
    })
}

pub(super) fn list(
    ctx: &mut Ctx,
    i: m::ListContainerInstancesRequest,
) -> R<m::ListContainerInstancesResponse> {
    let cluster = clusters::active(ctx, i.cluster.as_deref())?;
    let max = check_max(i.max_results)?;
    let filter = match i.filter.as_deref().filter(|f| !f.trim().is_empty()) {
        Some(f) => Some(query::parse(f)?),
        None => None,
    };
    if let Some(s) = &i.status {
        if !matches!(
            s.as_str(),
            "ACTIVE" | "DRAINING" | "REGISTERING" | "DEREGISTERING" | "REGISTRATION_FAILED"
        ) {
            return Err(invalid(format!("Invalid status: {s}")));
        }
    }
    let st = &ctx.acct().ecs;
    let mut memo = agent_network::Memo::default();
    let mut items = Vec::new();
    for ci in st
        .container_instances
        .values()
        .filter(|c| c.cluster == cluster)
    {
        let listed = match &i.status {
            Some(s) => ci.status == *s,
            // Without a status filter: every one but the deregistered [U].
            None => ci.status != "INACTIVE",
        };
        if !listed {
            continue;
        }
        if let Some(f) = &filter {
            if !query::matches(f, &query::facts(ctx, ci, &mut memo)) {
                continue;
            }
        }
        let a = arn_of(ctx, ci);
        items.push((ci.id.clone(), a));
    }
    let (arns, next) = page(items, max, i.next_token.as_deref())?;
    Ok(m::ListContainerInstancesResponse {
        container_instance_arns: Some(arns),
        next_token: next,
    })
}

/// Moves the service tasks of draining instances elsewhere, as ECS does:
/// they stop, and their services start replacements on ACTIVE instances.
pub(super) fn update_state(
    ctx: &mut Ctx,
    i: m::UpdateContainerInstancesStateRequest,
    drained: &mut Vec<String>,
) -> R<m::UpdateContainerInstancesStateResponse> {
    let cluster = clusters::active(ctx, i.cluster.as_deref())?;
    let status = i.status.unwrap_or_default();
    if !matches!(status.as_str(), "ACTIVE" | "DRAINING") {
        return Err(invalid(format!(
            "Container instances status should be one of [ACTIVE,DRAINING]: {status}"
        )));
    }
    let wanted = i.container_instances.unwrap_or_default();
    if wanted.is_empty() || wanted.len() > 10 {
        return Err(invalid(
            "containerInstances must name 1 to 10 container instances.",
        ));
    }
    let mut out = Vec::new();
    let mut failures = Vec::new();
    for w in &wanted {
        let Some(ci) = find(ctx, &cluster, w).filter(|c| c.status != "INACTIVE") else {
            failures.push(m::Failure {
                arn: Some(w.clone()),
                reason: Some("MISSING".into()),
                detail: None,
            });
            continue;
        };
        let id = ci.id.clone();
        if ci.status != status {
            if let Some(ci) = ctx.acct_mut().ecs.container_instances.get_mut(&id) {
                ci.status = status.clone();
                bump(ci);
            }
            ctx.emit(event(
                "container-instance",
                &id,
                "state-changed",
                Some(&status),
            ));
            if status == "DRAINING" {
                drained.push(id.clone());
            } else {
                services::reconcile_cluster(ctx, &cluster);
            }
        }
        let ci = &ctx.acct().ecs.container_instances[&id];
        out.push(model(ctx, ci, false, &mut Default::default()));
    }
    Ok(m::UpdateContainerInstancesStateResponse {
        container_instances: Some(out),
        failures: Some(failures),
    })
}

/// The service tasks of a draining container instance.
pub(super) fn service_tasks_on(ctx: &Ctx, id: &str) -> Vec<(String, String)> {
    let st = &ctx.acct().ecs;
    let Some(ci) = st.container_instances.get(id) else {
        return vec![];
    };
    ci.tasks
        .iter()
        .filter_map(|t| {
            let task = st.tasks.get(t)?;
            (task.model.desired_status.as_deref() == Some("RUNNING"))
                .then(|| task.service.clone().map(|s| (t.clone(), s)))
                .flatten()
        })
        .collect()
}

pub(super) fn deregister(
    ctx: &mut Ctx,
    i: m::DeregisterContainerInstanceRequest,
) -> R<m::DeregisterContainerInstanceResponse> {
    let cluster = clusters::active(ctx, i.cluster.as_deref())?;
    let reference = i.container_instance.unwrap_or_default();
    let Some(ci) = find(ctx, &cluster, &reference).filter(|c| c.status != "INACTIVE") else {
        return Err(not_found());
    };
    let id = ci.id.clone();
    let live = ci.tasks.iter().any(|t| {
        ctx.acct()
            .ecs
            .tasks
            .get(t)
            .is_some_and(|t| t.model.desired_status.as_deref() == Some("RUNNING"))
    });
    if live && i.force != Some(true) {
        // [R: ECS refuses without force while tasks run]
        return Err(invalid(
            "Found running tasks on the instance, cannot deregister without 'force' option.",
        ));
    }
    // Forced: the tasks keep running on the instance but are no longer
    // ECS's [R ECS API reference]; services start replacements elsewhere.
    if live {
        stop_tasks_on(ctx, &id, "Container instance deregistration forced by user");
    }
    set_inactive(ctx, &id);
    let ci = &ctx.acct().ecs.container_instances[&id];
    Ok(m::DeregisterContainerInstanceResponse {
        container_instance: Some(model(ctx, ci, false, &mut Default::default())),
    })
}

pub(super) fn update_agent(
    ctx: &mut Ctx,
    i: m::UpdateContainerAgentRequest,
) -> R<m::UpdateContainerAgentResponse> {
    let cluster = clusters::active(ctx, i.cluster.as_deref())?;
    let reference = i.container_instance.unwrap_or_default();
    let Some(ci) = find(ctx, &cluster, &reference).filter(|c| c.status != "INACTIVE") else {
        return Err(not_found());
    };
    if !agent_network::connected(ctx, ci, &mut Default::default()) {
        return Err(AwsError::new(
            "AgentUpdateException",
            "The container instance agent is not connected.",
        ));
    }
    // The bundled AMI's agent is the newest awsemu knows of; on the
    // ECS-optimized AMI updates go through the package manager [R API
    // reference: "NoUpdateAvailableException"].
    if ci.version_info.agent_version.as_deref() == Some(AGENT_VERSION) {
        return Err(AwsError::new(
            "NoUpdateAvailableException",
            "There is no update available for your container agent.",
        ));
    }
    let id = ci.id.clone();
    if let Some(ci) = ctx.acct_mut().ecs.container_instances.get_mut(&id) {
        ci.agent_update_status = Some("PENDING".into());
        bump(ci);
    }
    let later = id.clone();
    ctx.schedule(AGENT_START_MS, move |ctx| {
        if let Some(ci) = ctx.acct_mut().ecs.container_instances.get_mut(&later) {
            ci.agent_update_status = Some("UPDATED".into());
            ci.version_info.agent_version = Some(AGENT_VERSION.into());
            ci.version_info.agent_hash = Some(AGENT_HASH.into());
            bump(ci);
        }
    });
    let ci = &ctx.acct().ecs.container_instances[&id];
    Ok(m::UpdateContainerAgentResponse {
        container_instance: Some(model(ctx, ci, false, &mut Default::default())),
    })
}

// ---------------------------------------------------------------------------
// Attributes
// ---------------------------------------------------------------------------

/// AWS's rules for a custom attribute: name up to 128 letters, digits,
/// hyphens, underscores, slashes, back slashes or periods; value up to 128
/// characters without leading or trailing spaces [R API reference,
/// Attribute].
fn check_attribute(a: &m::Attribute) -> R<()> {
    let name = a.name.as_deref().unwrap_or("");
    let ok_name = !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_/\\.@".contains(c));
    if !ok_name {
        return Err(invalid(format!("Invalid attribute name: {name}")));
    }
    if let Some(v) = &a.value {
        if v.is_empty() || v.len() > 128 || v.trim() != v {
            return Err(invalid(format!("Invalid attribute value: {v}")));
        }
    }
    Ok(())
}

/// The container instance an attribute targets.
fn target(ctx: &Ctx, cluster: &str, a: &m::Attribute) -> R<String> {
    if let Some(t) = a.target_type.as_deref() {
        if t != "container-instance" {
            return Err(invalid(format!("Invalid targetType: {t}")));
        }
    }
    let id = a.target_id.as_deref().unwrap_or("");
    find(ctx, cluster, id)
        .filter(|c| c.status != "INACTIVE")
        .map(|c| c.id.clone())
        .ok_or_else(|| AwsError::new("TargetNotFoundException", format!("Could not find {id}.")))
}

pub(super) fn put_attributes(
    ctx: &mut Ctx,
    i: m::PutAttributesRequest,
) -> R<m::PutAttributesResponse> {
    let cluster = clusters::active(ctx, i.cluster.as_deref())?;
    let list = i.attributes.unwrap_or_default();
    if list.is_empty() || list.len() > 10 {
        return Err(invalid("attributes must have 1 to 10 items."));
    }
    // All checked before any is applied.
    let mut plan = Vec::new();
    for a in &list {
        check_attribute(a)?;
        plan.push((target(ctx, &cluster, a)?, a.clone()));
    }
    // Up to 10 custom attributes per container instance [R API reference,
    // PutAttributes: AttributeLimitExceededException], checked before any
    // is applied.
    let mut custom: std::collections::BTreeMap<&str, BTreeSet<String>> = Default::default();
    for (id, a) in &plan {
        let names = custom.entry(id.as_str()).or_insert_with(|| {
            ctx.acct().ecs.container_instances[id.as_str()]
                .attributes
                .iter()
                .filter_map(|x| x.name.clone())
                .filter(|n| !agent_attribute(n))
                .collect()
        });
        names.insert(a.name.clone().unwrap_or_default());
        if names.len() > 10 {
            return Err(AwsError::new(
                "AttributeLimitExceededException",
                "You can apply up to 10 custom attributes per resource.",
            ));
        }
    }
    for (id, a) in plan {
        if let Some(ci) = ctx.acct_mut().ecs.container_instances.get_mut(&id) {
            let mut stored = a;
            stored.target_type = None;
            stored.target_id = None;
            ci.attributes.retain(|x| x.name != stored.name);
            ci.attributes.push(stored);
            bump(ci);
        }
    }
    Ok(m::PutAttributesResponse {
        attributes: Some(list),
    })
}

pub(super) fn delete_attributes(
    ctx: &mut Ctx,
    i: m::DeleteAttributesRequest,
) -> R<m::DeleteAttributesResponse> {
    let cluster = clusters::active(ctx, i.cluster.as_deref())?;
    let list = i.attributes.unwrap_or_default();
    if list.is_empty() {
        return Err(invalid("attributes cannot be empty."));
    }
    let mut plan = Vec::new();
    for a in &list {
        plan.push((target(ctx, &cluster, a)?, a.name.clone()));
    }
    for (id, name) in plan {
        if let Some(ci) = ctx.acct_mut().ecs.container_instances.get_mut(&id) {
            ci.attributes.retain(|x| x.name != name);
            bump(ci);
        }
    }
    Ok(m::DeleteAttributesResponse {
        attributes: Some(list),
    })
}

pub(super) fn list_attributes(
    ctx: &mut Ctx,
    i: m::ListAttributesRequest,
) -> R<m::ListAttributesResponse> {
    let cluster = clusters::active(ctx, i.cluster.as_deref())?;
    let max = check_max(i.max_results)?;
    if i.target_type.as_deref() != Some("container-instance") {
        return Err(invalid("targetType must be container-instance."));
    }
    if i.attribute_value.is_some() && i.attribute_name.is_none() {
        return Err(invalid(
            "attributeValue can only be specified with attributeName.",
        ));
    }
    let st = &ctx.acct().ecs;
    let mut items = Vec::new();
    for ci in st
        .container_instances
        .values()
        .filter(|c| c.cluster == cluster && c.status != "INACTIVE")
    {
        let target = arn_of(ctx, ci);
        for a in &ci.attributes {
            if i.attribute_name
                .as_ref()
                .is_some_and(|n| a.name.as_ref() != Some(n))
            {
                continue;
            }
            if i.attribute_value
                .as_ref()
                .is_some_and(|v| a.value.as_ref() != Some(v))
            {
                continue;
            }
            let name = a.name.clone().unwrap_or_default();
            items.push((
                format!("{}/{name}", ci.id),
                m::Attribute {
                    name: a.name.clone(),
                    value: a.value.clone(),
                    target_type: Some("container-instance".into()),
                    target_id: Some(target.clone()),
                },
            ));
        }
    }
    let (attributes, next) = page(items, max, i.next_token.as_deref())?;
    Ok(m::ListAttributesResponse {
        attributes: Some(attributes),
        next_token: next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_from_user_data_forms() {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let cases = [
            (
                "#!/bin/bash\necho ECS_CLUSTER=prod >> /etc/ecs/ecs.config\n",
                "prod",
            ),
            (
                "#!/bin/bash\necho \"ECS_CLUSTER=my-app_1\" >> /etc/ecs/ecs.config",
                "my-app_1",
            ),
            (
                "#cloud-config\nwrite_files:\n - content: |\n     ECS_CLUSTER=web\n",
                "web",
            ),
            ("#!/bin/bash\nyum update -y\n", "default"),
        ];
        for (text, want) in cases {
            assert_eq!(cluster_from_user_data(Some(&b64(text))), want, "{text}");
        }
        assert_eq!(cluster_from_user_data(None), "default");
    }

    #[test]
    fn memory_as_the_guide_says() {
        assert_eq!(registered_memory(8192), 7985);
    }
}
