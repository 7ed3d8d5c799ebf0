//! Placing EC2 launch type tasks on container instances, as ECS does (ECS
//! developer guide, "How Amazon ECS places tasks on container instances"):
//! the instances that fit the task's CPU, memory, host ports and (awsvpc)
//! a free network interface in one of its subnets' zones, then those the
//! constraints allow (`distinctInstance`, `memberOf` with the cluster query
//! language), then the strategies in order (`binpack` on cpu or memory,
//! `spread` on `instanceId`/`host` or any attribute, `random`). When none
//! fits, RunTask's `failures` say why per instance (`RESOURCE:CPU`,
//! `RESOURCE:MEMORY`, `RESOURCE:PORTS`, `RESOURCE:ENI`, `AGENT`,
//! `ATTRIBUTE`, `LOCATION`; ecs-failure-texts.md §4).
//!
//! Cost: one pass over the cluster's container instances per task, using
//! what each instance keeps of its tasks (resources held, tasks per group);
//! tasks are never rescanned.

use super::agent_network;
use super::common::{container_instance_arn, container_instance_id, invalid, push_event, R};
use super::query::{self, Expr};
use super::state::{ContainerInstanceRec, Net, Placed};
use crate::model::ecs as m;
use crate::services::state::Ctx;

/// The range the agent takes dynamic host ports from when the kernel's
/// ephemeral range is unknown [R ECS developer guide, PortMapping].
const DYNAMIC_PORTS: std::ops::RangeInclusive<i32> = 49153..=65535;

/// What a task asks of the instance it lands on.
#[derive(Debug, Clone, Default)]
pub(super) struct Need {
    pub cpu: i32,
    pub memory: i32,
    /// Static host ports (port, protocol, container, container port).
    pub fixed: Vec<(i32, String, String, i32)>,
    /// Port mappings that take a dynamic host port (protocol, container,
    /// container port).
    pub dynamic: Vec<(String, String, i32)>,
    pub eni: bool,
    pub attributes: Vec<String>,
}

fn units(s: Option<&str>) -> Option<i32> {
    s.and_then(|v| v.trim().parse().ok())
}

/// The task definition's needs (task-level CPU and memory when given, else
/// the containers': memory reservation or hard limit).
pub(super) fn need(def: &m::TaskDefinition, overrides: Option<&m::TaskOverride>) -> Need {
    let containers: Vec<&m::ContainerDefinition> =
        def.container_definitions.iter().flatten().collect();
    let cpu = units(overrides.and_then(|o| o.cpu.as_deref()))
        .or_else(|| units(def.cpu.as_deref()))
        .unwrap_or_else(|| containers.iter().map(|c| c.cpu.unwrap_or(0)).sum());
    let memory = units(overrides.and_then(|o| o.memory.as_deref()))
        .or_else(|| units(def.memory.as_deref()))
        .unwrap_or_else(|| {
            containers
                .iter()
                .map(|c| c.memory_reservation.or(c.memory).unwrap_or(0))
                .sum()
        });
    let mode = def.network_mode.as_deref().unwrap_or("bridge");
    let mut out = Need {
        cpu,
        memory,
        eni: mode == "awsvpc",
        attributes: def
            .requires_attributes
            .iter()
            .flatten()
            .filter_map(|a| a.name.clone())
            .collect(),
        ..Default::default()
    };
    if matches!(mode, "bridge" | "host") {
        for c in &containers {
            let name = c.name.clone().unwrap_or_default();
            for p in c.port_mappings.iter().flatten() {
                let proto = p.protocol.clone().unwrap_or_else(|| "tcp".into());
                let cport = p.container_port.unwrap_or(0);
                match (mode, p.host_port) {
                    ("host", _) => out.fixed.push((cport, proto, name.clone(), cport)),
                    (_, Some(h)) if h != 0 => out.fixed.push((h, proto, name.clone(), cport)),
                    _ => out.dynamic.push((proto, name.clone(), cport)),
                }
            }
        }
    }
    out
}

/// Where a task goes.
#[derive(Debug, Clone)]
pub(super) struct Spot {
    pub instance: String,
    pub placed: Placed,
    /// Per container: its port bindings.
    pub bindings: Vec<(String, m::NetworkBinding)>,
    /// awsvpc: the subnet (in the instance's zone) its interface goes in.
    pub subnet: Option<String>,
    pub availability_zone: String,
}

/// What a request asks of placement.
pub(super) struct Ask<'a> {
    pub cluster: &'a str,
    pub need: &'a Need,
    pub net: Option<&'a Net>,
    pub group: &'a str,
    pub strategy: &'a [m::PlacementStrategy],
    pub constraints: &'a [m::PlacementConstraint],
    /// A capacity provider's tasks go only to its instances.
    pub provider: Option<&'a str>,
}

/// Checks strategies and constraints as RunTask/CreateService take them.
pub(super) fn check(
    strategy: &[m::PlacementStrategy],
    constraints: &[m::PlacementConstraint],
) -> R<()> {
    if strategy.len() > 5 {
        return Err(invalid("placementStrategy can have at most 5 items."));
    }
    if constraints.len() > 10 {
        return Err(invalid("placementConstraints can have at most 10 items."));
    }
    for s in strategy {
        let field = s.field.as_deref().unwrap_or("");
        match s.type_.as_deref().unwrap_or("") {
            "random" => {}
            "binpack" if matches!(field.to_ascii_lowercase().as_str(), "cpu" | "memory") => {}
            "binpack" => {
                return Err(invalid(format!(
                    "Invalid placement strategy field: {field}. binpack takes cpu or memory."
                )))
            }
            "spread" if field == "instanceId" || field == "host" || field.starts_with("attribute:") => {}
            "spread" => {
                return Err(invalid(format!(
                    "Invalid placement strategy field: {field}. spread takes instanceId, host or attribute:<name>."
                )))
            }
            t => return Err(invalid(format!("Invalid placement strategy type: {t}"))),
        }
    }
    for c in constraints {
        match c.type_.as_deref().unwrap_or("") {
            "distinctInstance" => {
                if c.expression.is_some() {
                    return Err(invalid(
                        "distinctInstance placement constraints do not take an expression.",
                    ));
                }
            }
            "memberOf" => {
                query::parse(c.expression.as_deref().unwrap_or(""))?;
            }
            t => return Err(invalid(format!("Invalid placement constraint type: {t}"))),
        }
    }
    Ok(())
}

/// Why an instance does not take the task.
fn misfit(
    ctx: &Ctx,
    ci: &ContainerInstanceRec,
    need: &Need,
    zones: Option<&[(String, String)]>,
    memo: &mut agent_network::Memo,
) -> Option<&'static str> {
    if !agent_network::connected(ctx, ci, memo) {
        return Some("AGENT");
    }
    if need
        .attributes
        .iter()
        .any(|a| !ci.attributes.iter().any(|x| x.name.as_deref() == Some(a)))
    {
        return Some("ATTRIBUTE");
    }
    if let Some(z) = zones {
        let az = instance_zone(ctx, ci);
        if !z.iter().any(|(_, zone)| *zone == az) {
            return Some("LOCATION");
        }
    }
    if ci.cpu - ci.used_cpu < need.cpu {
        return Some("RESOURCE:CPU");
    }
    if ci.memory - ci.used_memory < need.memory {
        return Some("RESOURCE:MEMORY");
    }
    let taken = |port: i32, proto: &str| {
        if proto == "udp" {
            ci.reserved_udp.contains(&port) || ci.used_udp.contains(&port)
        } else {
            ci.reserved_tcp.contains(&port) || ci.used_tcp.contains(&port)
        }
    };
    let mut seen: Vec<(i32, &str)> = Vec::new();
    for (port, proto, _, _) in &need.fixed {
        if taken(*port, proto) || seen.contains(&(*port, proto.as_str())) {
            return Some("RESOURCE:PORTS");
        }
        seen.push((*port, proto));
    }
    if need.eni && ci.used_enis >= ci.eni_slots {
        return Some("RESOURCE:ENI");
    }
    None
}

fn instance_zone<'a>(ctx: &'a Ctx, ci: &ContainerInstanceRec) -> &'a str {
    ctx.acct()
        .ec2
        .instances
        .get(&ci.ec2_instance_id)
        .map_or("", |i| i.availability_zone.as_str())
}

/// An attribute's value. Names are unique on an instance (registration and
/// PutAttributes replace), so the search may start from the end, where the
/// agent's `ecs.*` attributes and custom ones are.
fn attribute<'a>(ci: &'a ContainerInstanceRec, name: &str) -> Option<&'a str> {
    ci.attributes
        .iter()
        .rev()
        .find(|a| a.name.as_deref() == Some(name))
        .map(|a| a.value.as_deref().unwrap_or(""))
}

/// A random pick (from the world's id stream, so `--seed` repeats it).
fn pick(ctx: &Ctx, n: usize) -> usize {
    let r = (usize::from(ctx.world.ids.byte()) << 8) | usize::from(ctx.world.ids.byte());
    r % n.max(1)
}

/// Tasks of a group per value of a spread field. Few distinct values (zones,
/// instance types) are the rule: they are kept in a short list, searched
/// without hashing; a field with many values (a per-instance attribute)
/// moves to a map.
#[derive(Default)]
struct Tally<'a> {
    few: Vec<(&'a str, u32)>,
    many: std::collections::HashMap<&'a str, u32>,
}

impl<'a> Tally<'a> {
    const FEW: usize = 32;

    fn add(&mut self, value: &'a str, n: u32) {
        if self.many.is_empty() {
            if let Some(e) = self.few.iter_mut().find(|(v, _)| *v == value) {
                e.1 += n;
                return;
            }
            if self.few.len() < Self::FEW {
                self.few.push((value, n));
                return;
            }
            self.many.extend(self.few.drain(..));
        }
        *self.many.entry(value).or_default() += n;
    }

    fn get(&self, value: &str) -> u32 {
        if self.many.is_empty() {
            self.few
                .iter()
                .find(|(v, _)| *v == value)
                .map_or(0, |e| e.1)
        } else {
            self.many.get(value).copied().unwrap_or(0)
        }
    }
}

/// Tasks of `group` on an instance (no lookup for an instance without tasks).
fn in_group(ci: &ContainerInstanceRec, group: &str) -> u32 {
    if ci.groups.is_empty() {
        0
    } else {
        ci.groups.get(group).copied().unwrap_or(0)
    }
}

/// Chooses the container instance for one task, or says why none fits
/// (per instance: its ARN and the reason).
///
/// One pass over the cluster's instances decides which fit and, for each
/// spread strategy, counts the group's tasks per value over every instance
/// of the cluster (ECS spreads over all of them, not only those that fit);
/// the strategies then narrow the candidates in turn.
///
/// Looking at every agent's network costs more than the rest of placement
/// in a large cluster, so the cluster is first placed as if every running
/// agent reached ECS; the chosen instance's agent is then looked at, and
/// only if it cannot reach ECS is the cluster placed again looking at all
/// of them. The first answer stands when its instance is connected: it is
/// the best of a larger set that contains it.
pub(super) fn place(ctx: &Ctx, ask: &Ask<'_>) -> Result<Spot, Vec<(String, String)>> {
    if let Ok(spot) = place_with(ctx, ask, &mut agent_network::Memo::trusting()) {
        let chosen = ctx.acct().ecs.container_instances.get(&spot.instance);
        if chosen.is_some_and(|ci| agent_network::connected(ctx, ci, &mut Default::default())) {
            return Ok(spot);
        }
    }
    place_with(ctx, ask, &mut agent_network::Memo::default())
}

fn place_with(
    ctx: &Ctx,
    ask: &Ask<'_>,
    memo: &mut agent_network::Memo,
) -> Result<Spot, Vec<(String, String)>> {
    let st = &ctx.acct().ecs;
    let zones = zones_of(ctx, ask.net);
    let constraints: Vec<(String, Option<Expr>)> = ask
        .constraints
        .iter()
        .map(|c| {
            let kind = c.type_.clone().unwrap_or_default();
            let e = c.expression.as_deref().and_then(|x| query::parse(x).ok());
            (kind, e)
        })
        .collect();
    // The spread fields (attribute names, or None for instanceId/host),
    // each with its tally.
    let spread_fields: Vec<Option<&str>> = ask
        .strategy
        .iter()
        .filter(|s| s.type_.as_deref() == Some("spread"))
        .map(|s| match s.field.as_deref().unwrap_or("") {
            "instanceId" | "host" => None,
            f => Some(f.trim_start_matches("attribute:")),
        })
        .collect();
    let mut tallies: Vec<Tally<'_>> = spread_fields.iter().map(|_| Tally::default()).collect();
    let mut failures = Vec::new();
    // The instances that fit, each with where its values of the spread
    // fields start in `keys` (one per field).
    let mut fits: Vec<(&ContainerInstanceRec, usize)> = Vec::new();
    let mut keys: Vec<&str> = Vec::new();
    let in_cluster = st
        .container_instances
        .values()
        .filter(|c| c.cluster == ask.cluster && c.status == "ACTIVE")
        .filter(|c| {
            ask.provider
                .is_none_or(|p| c.capacity_provider.as_deref() == Some(p))
        });
    for ci in in_cluster {
        // Spread counts take every instance of the cluster.
        let at = keys.len();
        let tasks = in_group(ci, ask.group);
        for (field, tally) in spread_fields.iter().zip(tallies.iter_mut()) {
            let key = match field {
                None => ci.id.as_str(),
                Some(name) => attribute(ci, name).unwrap_or(""),
            };
            if tasks > 0 {
                tally.add(key, tasks);
            }
            keys.push(key);
        }
        if let Some(why) = misfit(ctx, ci, ask.need, zones.as_deref(), memo) {
            keys.truncate(at);
            failures.push((
                container_instance_arn(ctx, &ci.cluster, &ci.id),
                why.to_string(),
            ));
            continue;
        }
        let mut allowed = true;
        for (kind, expr) in &constraints {
            let ok = match kind.as_str() {
                "distinctInstance" => !ci.groups.contains_key(ask.group),
                _ => expr
                    .as_ref()
                    .is_none_or(|e| query::matches(e, &query::facts(ctx, ci, memo))),
            };
            if !ok {
                // [U: ECS's reason for an instance a constraint rules out]
                let why = if kind == "distinctInstance" {
                    "DistinctInstance placement constraint unsatisfied."
                } else {
                    "MemberOf placement constraint unsatisfied."
                };
                failures.push((
                    container_instance_arn(ctx, &ci.cluster, &ci.id),
                    why.to_string(),
                ));
                allowed = false;
                break;
            }
        }
        if allowed {
            fits.push((ci, at));
        } else {
            keys.truncate(at);
        }
    }
    if fits.is_empty() {
        return Err(failures);
    }
    // The strategies narrow the candidates in turn.
    let mut spread_at = 0;
    for s in ask.strategy {
        let is_spread = s.type_.as_deref() == Some("spread");
        let this_spread = spread_at;
        if is_spread {
            spread_at += 1;
        }
        if fits.len() <= 1 {
            break;
        }
        match s.type_.as_deref().unwrap_or("") {
            "binpack" => {
                let cpu = s
                    .field
                    .as_deref()
                    .is_some_and(|f| f.eq_ignore_ascii_case("cpu"));
                let left = |ci: &ContainerInstanceRec| {
                    if cpu {
                        ci.cpu - ci.used_cpu
                    } else {
                        ci.memory - ci.used_memory
                    }
                };
                let least = fits.iter().map(|(c, _)| left(c)).min().unwrap_or(0);
                fits.retain(|(c, _)| left(c) == least);
            }
            "spread" => {
                let tally = &tallies[this_spread];
                let least = fits
                    .iter()
                    .map(|(_, at)| tally.get(keys[at + this_spread]))
                    .min()
                    .unwrap_or(0);
                fits.retain(|(_, at)| tally.get(keys[at + this_spread]) == least);
            }
            _ => {
                let one = fits.swap_remove(pick(ctx, fits.len()));
                fits = vec![one];
            }
        }
    }
    let ci = fits[pick(ctx, fits.len())].0;
    Ok(spot(ctx, ci, ask, zones.as_deref()))
}

/// The task on `ci`: its host ports and interface subnet.
fn spot(
    ctx: &Ctx,
    ci: &ContainerInstanceRec,
    ask: &Ask<'_>,
    zones: Option<&[(String, String)]>,
) -> Spot {
    let need = ask.need;
    let mut tcp = Vec::new();
    let mut udp = Vec::new();
    let mut bindings = Vec::new();
    let binding = |port: i32, proto: &str, cport: i32| m::NetworkBinding {
        bind_ip: Some("0.0.0.0".into()),
        container_port: Some(cport),
        host_port: Some(port),
        protocol: Some(proto.to_string()),
        ..Default::default()
    };
    for (port, proto, container, cport) in &need.fixed {
        if proto == "udp" { &mut udp } else { &mut tcp }.push(*port);
        bindings.push((container.clone(), binding(*port, proto, *cport)));
    }
    for (proto, container, cport) in &need.dynamic {
        let (reserved, used, mine) = if proto == "udp" {
            (&ci.reserved_udp, &ci.used_udp, &mut udp)
        } else {
            (&ci.reserved_tcp, &ci.used_tcp, &mut tcp)
        };
        let free = DYNAMIC_PORTS
            .clone()
            .find(|p| !reserved.contains(p) && !used.contains(p) && !mine.contains(p));
        if let Some(p) = free {
            mine.push(p);
            bindings.push((container.clone(), binding(p, proto, *cport)));
        }
    }
    let az = instance_zone(ctx, ci);
    let subnet = zones.and_then(|z| {
        z.iter()
            .find(|(_, zone)| *zone == az)
            .map(|(s, _)| s.clone())
    });
    Spot {
        instance: ci.id.clone(),
        placed: Placed {
            instance: ci.id.clone(),
            cpu: need.cpu,
            memory: need.memory,
            tcp,
            udp,
            eni: need.eni,
            group: ask.group.to_string(),
        },
        bindings,
        subnet,
        availability_zone: az.to_string(),
    }
}

/// StartTask: the task on the named container instance, or why not (its
/// ARN and the reason: `MISSING`, `INACTIVE` or a resource).
pub(super) fn place_on(
    ctx: &Ctx,
    ask: &Ask<'_>,
    reference: &str,
) -> Result<Spot, (String, String)> {
    let id = container_instance_id(reference);
    let arn = container_instance_arn(ctx, ask.cluster, &id);
    let Some(ci) = ctx
        .acct()
        .ecs
        .container_instances
        .get(&id)
        .filter(|c| c.cluster == ask.cluster)
    else {
        return Err((arn, "MISSING".into()));
    };
    if ci.status == "INACTIVE" {
        return Err((arn, "INACTIVE".into()));
    }
    let zones = zones_of(ctx, ask.net);
    let memo = &mut agent_network::Memo::default();
    if let Some(why) = misfit(ctx, ci, ask.need, zones.as_deref(), memo) {
        return Err((arn, why.into()));
    }
    Ok(spot(ctx, ci, ask, zones.as_deref()))
}

/// Each awsvpc subnet with its zone.
fn zones_of(ctx: &Ctx, net: Option<&Net>) -> Option<Vec<(String, String)>> {
    net.map(|n| {
        n.subnets
            .iter()
            .filter_map(|s| {
                ctx.acct()
                    .ec2
                    .subnets
                    .get(s)
                    .map(|x| (s.clone(), x.availability_zone.clone()))
            })
            .collect()
    })
}

/// ECS's event for a task no container instance takes (the closest
/// instance and why) [R ecs-failure-texts.md §4, service event]; the same
/// message is not repeated (ECS omits duplicates).
pub(super) fn unplaced(ctx: &mut Ctx, key: &str, name: &str, why: &[(String, String)]) {
    let guide =
        "For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.";
    let message = match why.first() {
        None => format!(
            "(service {name}) was unable to place a task because no container instance met all of its requirements. Reason: No Container Instances were found in your cluster. {guide}"
        ),
        Some((arn, reason)) => {
            let id = arn.rsplit('/').next().unwrap_or("");
            let detail = match reason.as_str() {
                "RESOURCE:CPU" => "has insufficient CPU units available.".to_string(),
                "RESOURCE:MEMORY" => "has insufficient memory available.".to_string(),
                "RESOURCE:PORTS" => "is already using a port required by your task.".to_string(),
                "AGENT" => "doesn't have the agent connected.".to_string(),
                r => format!("encountered error \"{r}\"."),
            };
            format!(
                "(service {name}) was unable to place a task because no container instance met all of its requirements. The closest matching (container-instance {id}) {detail} {guide}"
            )
        }
    };
    let last = ctx
        .acct()
        .ecs
        .services
        .get(key)
        .and_then(|s| s.model.events.as_ref())
        .and_then(|e| e.first())
        .and_then(|e| e.message.clone());
    if last.as_deref() != Some(message.as_str()) {
        push_event(ctx, key, message);
    }
}

/// What a service (or task set) launching a task asks.
pub(super) struct ServiceAsk<'a> {
    pub cluster: &'a str,
    pub launch_type: &'a str,
    pub def: &'a m::TaskDefinition,
    pub net: Option<&'a Net>,
    pub group: &'a str,
    pub strategy: &'a [m::PlacementStrategy],
    pub constraints: &'a [m::PlacementConstraint],
    pub provider: Option<&'a str>,
}

/// Where a service's next task goes: nowhere in particular on Fargate; on
/// EC2 a container instance chosen with the service's strategies (spread
/// over Availability Zones when it has none [R ECS developer guide]) and
/// constraints plus the task definition's.
pub(super) fn service_spot(
    ctx: &Ctx,
    ask: &ServiceAsk<'_>,
) -> Result<Option<Spot>, Vec<(String, String)>> {
    if ask.launch_type != "EC2" {
        return Ok(None);
    }
    let default = [m::PlacementStrategy {
        type_: Some("spread".into()),
        field: Some("attribute:ecs.availability-zone".into()),
    }];
    let strategy = if ask.strategy.is_empty() {
        &default[..]
    } else {
        ask.strategy
    };
    let mut constraints = ask.constraints.to_vec();
    constraints.extend(definition_constraints(ask.def));
    let need = need(ask.def, None);
    place(
        ctx,
        &Ask {
            cluster: ask.cluster,
            need: &need,
            net: ask.net,
            group: ask.group,
            strategy,
            constraints: &constraints,
            provider: ask.provider,
        },
    )
    .map(Some)
}

/// The `memberOf` constraints of the task definition (they bind RunTask
/// and services as their own do).
pub(super) fn definition_constraints(def: &m::TaskDefinition) -> Vec<m::PlacementConstraint> {
    def.placement_constraints
        .iter()
        .flatten()
        .map(|c| m::PlacementConstraint {
            type_: c.type_.clone(),
            expression: c.expression.clone(),
        })
        .collect()
}

/// Whether the cluster has any container instance to place on.
pub(super) fn has_instances(ctx: &Ctx, cluster: &str) -> bool {
    ctx.acct()
        .ecs
        .container_instances
        .values()
        .any(|c| c.cluster == cluster && c.status != "INACTIVE")
}
