//! RegisterTargets, DeregisterTargets and DescribeTargetHealth, with the
//! targets' health on the world clock: `initial` → `healthy` once a
//! listener forwards to the group, `unused` while none does, `draining`
//! for the deregistration delay, then gone.

use std::net::IpAddr;

use ipnet::{Ipv4Net, Ipv6Net};

use super::common::{validation, R};
use super::state::{Probe, Target, TargetGroup};
use super::target_groups::{self, get};
use crate::model::elbv2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

/// From registration (with the group in use) to `healthy`: the healthy
/// threshold of checks, scaled down like the emulator's other transitions
/// [U: AWS takes interval × threshold, minutes].
pub const HEALTHY_MS: i64 = 10_000;

fn invalid(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidTarget", message)
}

/// The private ranges ip targets outside the VPC may come from.
const PRIVATE: &[&str] = &[
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
];

fn in_any(ip: std::net::Ipv4Addr, nets: &[Ipv4Net]) -> bool {
    nets.iter().any(|n| n.contains(&ip))
}

fn vpc_blocks(ctx: &Ctx, vpc: &str) -> Vec<Ipv4Net> {
    let Some(v) = ctx.acct().ec2.vpcs.get(vpc) else {
        return Vec::new();
    };
    std::iter::once(v.cidr.as_str())
        .chain(
            v.cidr_blocks
                .iter()
                .filter(|b| !b.ipv6 && b.live())
                .map(|b| b.cidr.as_str()),
        )
        .filter_map(|c| c.parse().ok())
        .collect()
}

fn vpc_ipv6_blocks(ctx: &Ctx, vpc: &str) -> Vec<Ipv6Net> {
    ctx.acct().ec2.vpcs.get(vpc).map_or_else(Vec::new, |v| {
        v.cidr_blocks
            .iter()
            .filter(|b| b.ipv6 && b.live())
            .filter_map(|b| b.cidr.parse().ok())
            .collect()
    })
}

/// The Availability Zone of a target: its instance's, its subnet's, or
/// the one it was registered with.
fn zone_of(ctx: &Ctx, tg: &TargetGroup, t: &Target) -> Option<String> {
    if let Some(az) = &t.availability_zone {
        return Some(az.clone());
    }
    let st = &ctx.acct().ec2;
    match tg.target_type.as_str() {
        "instance" => st.instances.get(&t.id).map(|i| i.availability_zone.clone()),
        "ip" => {
            let ip: IpAddr = t.id.parse().ok()?;
            st.subnets
                .values()
                .filter(|s| Some(&s.vpc_id) == tg.vpc_id.as_ref())
                .find(|s| match ip {
                    IpAddr::V4(v4) => s.cidr.parse::<Ipv4Net>().is_ok_and(|n| n.contains(&v4)),
                    IpAddr::V6(v6) => s
                        .ipv6_cidrs
                        .iter()
                        .filter(|c| c.live())
                        .any(|c| c.cidr.parse::<Ipv6Net>().is_ok_and(|n| n.contains(&v6))),
                })
                .map(|s| s.availability_zone.clone())
        }
        _ => None,
    }
}

/// Checks one target of a RegisterTargets call and gives what to store.
fn check_target(ctx: &Ctx, tg: &TargetGroup, d: &m::TargetDescription) -> R<Target> {
    let id = d.id.clone().unwrap_or_default();
    let port = match tg.target_type.as_str() {
        "lambda" => {
            if d.port.is_some() {
                return Err(validation(
                    "A port cannot be specified for targets of target type 'lambda'",
                ));
            }
            None
        }
        _ => d.port.or(tg.port),
    };
    if let Some(p) = port {
        if !(1..=65535).contains(&p) {
            return Err(validation(format!(
                "1 validation error detected: Value '{p}' at 'targets.member.port' failed to satisfy constraint: Member must have value between 1 and 65535"
            )));
        }
    }
    let mut az = d.availability_zone.clone().filter(|a| !a.is_empty());
    match tg.target_type.as_str() {
        "instance" => {
            let Some(i) = ctx.acct().ec2.instances.get(&id) else {
                return Err(invalid(format!("Instance ID '{id}' is not valid")));
            };
            if Some(&i.vpc_id) != tg.vpc_id.as_ref() {
                return Err(invalid(format!(
                    "The following targets are not in the target group VPC '{}': '{id}'",
                    tg.vpc_id.as_deref().unwrap_or("")
                )));
            }
            if i.state != "running" {
                return Err(invalid(format!(
                    "The following targets are not in a running state and cannot be registered: '{id}'"
                )));
            }
            if az.is_some() {
                return Err(validation(
                    "An Availability Zone cannot be specified for targets of target type 'instance'",
                ));
            }
        }
        "ip" if tg.ip_address_type.as_deref() == Some("ipv6") => {
            // An IPv6 group takes addresses of the VPC's IPv6 blocks [U:
            // AWS's wording].
            let Ok(IpAddr::V6(v6)) = id.parse::<IpAddr>() else {
                return Err(invalid(format!(
                    "The IP address '{id}' is not a valid IPv6 address"
                )));
            };
            if !vpc_ipv6_blocks(ctx, tg.vpc_id.as_deref().unwrap_or(""))
                .iter()
                .any(|n| n.contains(&v6))
            {
                return Err(invalid(format!(
                    "The IP address '{id}' is not in the VPC IPv6 CIDR blocks"
                )));
            }
        }
        "ip" => {
            let Ok(IpAddr::V4(v4)) = id.parse::<IpAddr>() else {
                return Err(invalid(format!(
                    "The IP address '{id}' is not a valid IPv4 address"
                )));
            };
            let vpc = vpc_blocks(ctx, tg.vpc_id.as_deref().unwrap_or(""));
            let private: Vec<Ipv4Net> = PRIVATE.iter().filter_map(|c| c.parse().ok()).collect();
            if in_any(v4, &vpc) {
                // Inside the VPC: its subnet's zone, or `all` [U: AWS refuses
                // `all` for a VPC address].
            } else if in_any(v4, &private) {
                if az.as_deref() != Some("all") {
                    return Err(invalid(format!(
                        "The IP address '{id}' is outside of the VPC; the Availability Zone must be 'all'"
                    )));
                }
            } else {
                return Err(invalid(format!(
                    "The IP address '{id}' is not in the VPC CIDR blocks or in an allowed private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10)"
                )));
            }
        }
        "lambda" => {
            if !id.starts_with("arn:aws:lambda:") {
                return Err(invalid(format!(
                    "'{id}' is not a valid Lambda function ARN"
                )));
            }
            if tg.targets.iter().any(|t| t.id != id) {
                return Err(AwsError::new(
                    "TooManyTargets",
                    "A target group with target type 'lambda' can have only one target",
                ));
            }
            az = None;
        }
        _ => {
            // alb: an Application Load Balancer of the account, on the
            // group's port.
            let Some(lb) = ctx.acct().elbv2.load_balancers.get(&id) else {
                return Err(invalid(format!(
                    "The target '{id}' is not a valid Application Load Balancer"
                )));
            };
            if lb.lb_type != "application" || Some(&lb.vpc_id) != tg.vpc_id.as_ref() {
                return Err(invalid(format!(
                    "The target '{id}' is not an Application Load Balancer in VPC '{}'",
                    tg.vpc_id.as_deref().unwrap_or("")
                )));
            }
            if port != tg.port {
                return Err(invalid(
                    "The port of an 'alb' target must be the port of the target group",
                ));
            }
            if tg.targets.iter().any(|t| t.id != id) {
                return Err(AwsError::new(
                    "TooManyTargets",
                    "A target group with target type 'alb' can have only one target",
                ));
            }
        }
    }
    Ok(Target {
        id,
        port,
        availability_zone: az,
        state: "initial".into(),
        failing: false,
        checking: false,
        seq: 0,
        local: None,
        probe: None,
    })
}

fn same(t: &Target, id: &str, port: Option<i32>) -> bool {
    t.id == id && t.port == port
}

/// Whether a listener forwards to the group.
fn in_use(ctx: &Ctx, arn: &str) -> bool {
    !ctx.acct().elbv2.load_balancers_of(arn).is_empty()
}

fn next_seq(ctx: &mut Ctx) -> u64 {
    let st = &mut ctx.acct_mut().elbv2;
    st.seq += 1;
    st.seq
}

/// Starts the health checks of the group's `initial` targets if a listener
/// forwards to it, or stops them (back to `initial`) if none does. Called
/// after every change of targets or listeners.
pub(super) fn sync(ctx: &mut Ctx, tg_arn: &str) {
    let used = in_use(ctx, tg_arn);
    let Some(tg) = ctx.acct().elbv2.target_groups.get(tg_arn) else {
        return;
    };
    let ids: Vec<(String, Option<i32>, String, bool)> = tg
        .targets
        .iter()
        .map(|t| (t.id.clone(), t.port, t.state.clone(), t.checking))
        .collect();
    for (id, port, state, checking) in ids {
        if used && state == "initial" && !checking {
            let seq = next_seq(ctx);
            set(ctx, tg_arn, &id, port, |t| {
                t.checking = true;
                t.seq = seq;
            });
            let (arn, tid) = (tg_arn.to_string(), id.clone());
            ctx.schedule(HEALTHY_MS, move |ctx| {
                set(ctx, &arn, &tid, port, |t| {
                    if t.seq == seq && t.state == "initial" {
                        t.state = "healthy".into();
                        t.checking = false;
                    }
                });
            });
        } else if !used && (state == "healthy" || checking) {
            let seq = next_seq(ctx);
            set(ctx, tg_arn, &id, port, |t| {
                t.state = "initial".into();
                t.checking = false;
                t.seq = seq;
            });
        }
    }
}

fn set(ctx: &mut Ctx, tg_arn: &str, id: &str, port: Option<i32>, f: impl FnOnce(&mut Target)) {
    if let Some(t) = ctx
        .acct_mut()
        .elbv2
        .target_groups
        .get_mut(tg_arn)
        .and_then(|g| g.targets.iter_mut().find(|t| same(t, id, port)))
    {
        f(t);
    }
}

pub(super) fn register(
    ctx: &mut Ctx,
    input: m::RegisterTargetsInput,
) -> R<m::RegisterTargetsOutput> {
    let arn = input.target_group_arn.unwrap_or_default();
    let tg = get(ctx, &arn)?;
    let asked = input.targets.unwrap_or_default();
    if asked.is_empty() {
        return Err(validation("At least one target must be specified"));
    }
    let mut new: Vec<Target> = Vec::new();
    for d in &asked {
        let t = check_target(ctx, tg, d)?;
        if !new.iter().any(|n| same(n, &t.id, t.port)) {
            new.push(t);
        }
    }
    if tg.targets.len() + new.len() > 1000 {
        return Err(AwsError::new(
            "TooManyTargets",
            "You have reached the limit on the number of targets",
        ));
    }
    for t in new {
        let seq = next_seq(ctx);
        let Some(g) = ctx.acct_mut().elbv2.target_groups.get_mut(&arn) else {
            return Err(target_groups::not_found());
        };
        match g.targets.iter_mut().find(|e| same(e, &t.id, t.port)) {
            // Registered again while draining: back to the start.
            Some(e) if e.state == "draining" => {
                e.state = "initial".into();
                e.checking = false;
                e.seq = seq;
            }
            // Already registered: nothing changes.
            Some(_) => {}
            None => g.targets.push(Target { seq, ..t }),
        }
    }
    sync(ctx, &arn);
    Ok(m::RegisterTargetsOutput {})
}

pub(super) fn deregister(
    ctx: &mut Ctx,
    input: m::DeregisterTargetsInput,
) -> R<m::DeregisterTargetsOutput> {
    let arn = input.target_group_arn.unwrap_or_default();
    let tg = get(ctx, &arn)?;
    let asked = input.targets.unwrap_or_default();
    if asked.is_empty() {
        return Err(validation("At least one target must be specified"));
    }
    let mut keys: Vec<(String, Option<i32>)> = Vec::new();
    for d in &asked {
        let id = d.id.clone().unwrap_or_default();
        let port = if tg.target_type == "lambda" {
            None
        } else {
            d.port.or(tg.port)
        };
        // A target that is not registered (or already draining) is left
        // alone: "If the specified target does not exist, the action
        // returns successfully" [R API reference].
        if tg
            .targets
            .iter()
            .any(|t| same(t, &id, port) && t.state != "draining")
        {
            keys.push((id, port));
        }
    }
    let delay = drain_seconds(ctx, tg);
    for (id, port) in keys {
        if delay == 0 {
            if let Some(g) = ctx.acct_mut().elbv2.target_groups.get_mut(&arn) {
                g.targets.retain(|t| !same(t, &id, port));
            }
            continue;
        }
        let seq = next_seq(ctx);
        set(ctx, &arn, &id, port, |t| {
            t.state = "draining".into();
            t.checking = false;
            t.seq = seq;
        });
        let tg_arn = arn.clone();
        ctx.schedule(delay * 1000, move |ctx| {
            if let Some(g) = ctx.acct_mut().elbv2.target_groups.get_mut(&tg_arn) {
                g.targets
                    .retain(|t| !(same(t, &id, port) && t.seq == seq && t.state == "draining"));
            }
        });
    }
    Ok(m::DeregisterTargetsOutput {})
}

/// How long a target deregistered from the group drains, in seconds: the
/// deregistration delay, or 0 when nothing is to drain (a group no listener
/// uses has no connections [U], a Lambda target has none).
fn drain_seconds(ctx: &Ctx, tg: &TargetGroup) -> i64 {
    let delay: i64 = tg
        .attributes
        .get("deregistration_delay.timeout_seconds")
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    if in_use(ctx, &tg.arn) && tg.target_type != "lambda" {
        delay.max(0)
    } else {
        0
    }
}

/// Registers one target as RegisterTargets does (for ECS services).
pub fn register_one(ctx: &mut Ctx, tg_arn: &str, id: &str, port: i32) -> R<()> {
    register(
        ctx,
        m::RegisterTargetsInput {
            target_group_arn: Some(tg_arn.to_string()),
            targets: Some(vec![m::TargetDescription {
                id: Some(id.to_string()),
                port: Some(port),
                ..Default::default()
            }]),
        },
    )
    .map(|_| ())
}

/// Deregisters one target as DeregisterTargets does (for ECS services);
/// gives how long it drains, in AWS's milliseconds (scaled like every
/// transition when scheduled).
pub fn deregister_one(ctx: &mut Ctx, tg_arn: &str, id: &str, port: i32) -> R<i64> {
    let drain = get(ctx, tg_arn).map(|tg| drain_seconds(ctx, tg))?;
    deregister(
        ctx,
        m::DeregisterTargetsInput {
            target_group_arn: Some(tg_arn.to_string()),
            targets: Some(vec![m::TargetDescription {
                id: Some(id.to_string()),
                port: Some(port),
                ..Default::default()
            }]),
        },
    )?;
    Ok(drain * 1000)
}

/// The state DescribeTargetHealth shows for a registered target (None when
/// it is not registered).
pub fn target_state(ctx: &Ctx, tg_arn: &str, id: &str, port: i32) -> Option<&'static str> {
    let tg = ctx.acct().elbv2.target_groups.get(tg_arn)?;
    let t = tg.targets.iter().find(|t| same(t, id, Some(port)))?;
    Some(health_of(ctx, tg, t).0)
}

/// What DescribeTargetHealth says of a registered target: (state, reason,
/// description).
fn health_of(
    ctx: &Ctx,
    tg: &TargetGroup,
    t: &Target,
) -> (&'static str, Option<&'static str>, Option<String>) {
    if t.state == "draining" {
        return (
            "draining",
            Some("Target.DeregistrationInProgress"),
            Some("Target deregistration is in progress".into()),
        );
    }
    let lbs = ctx.acct().elbv2.load_balancers_of(&tg.arn);
    if lbs.is_empty() {
        return (
            "unused",
            Some("Target.NotInUse"),
            Some("Target group is not configured to receive traffic from the load balancer".into()),
        );
    }
    if tg.target_type == "instance" {
        // A terminated instance no longer described counts as terminated
        // [U: AWS deregisters terminated instances itself].
        let state = ctx
            .acct()
            .ec2
            .instances
            .get(&t.id)
            .map_or("terminated", |i| i.state.as_str());
        if state != "running" {
            return (
                "unused",
                Some("Target.InvalidState"),
                Some(format!("Target is in the {state} state")),
            );
        }
    }
    if let Some(az) = zone_of(ctx, tg, t).filter(|a| a != "all") {
        let enabled = lbs.iter().any(|lb| {
            ctx.acct()
                .elbv2
                .load_balancers
                .get(lb)
                .is_some_and(|lb| lb.zones.iter().any(|z| z.1 == az))
        });
        if !enabled {
            return (
                "unused",
                Some("Target.NotInUse"),
                Some(
                    "Target is in an Availability Zone that is not enabled for the load balancer"
                        .into(),
                ),
            );
        }
    }
    if !tg.health.enabled {
        return (
            "unavailable",
            Some("Target.HealthCheckDisabled"),
            Some("Health checks are disabled".into()),
        );
    }
    if t.state == "initial" {
        return (
            "initial",
            Some("Elb.RegistrationInProgress"),
            Some("Target registration is in progress".into()),
        );
    }
    if t.failing {
        return (
            "unhealthy",
            Some("Target.FailedHealthChecks"),
            Some("Health checks failed".into()),
        );
    }
    if t.local.is_some() {
        // A bound target: what its real health checks found.
        return match &t.probe {
            None => (
                "initial",
                Some("Elb.RegistrationInProgress"),
                Some("Target registration is in progress".into()),
            ),
            Some(p) if p.healthy => ("healthy", None, None),
            Some(p) => (
                "unhealthy",
                Some(match p.reason.as_deref() {
                    Some("Target.Timeout") => "Target.Timeout",
                    Some("Target.ResponseCodeMismatch") => "Target.ResponseCodeMismatch",
                    _ => "Target.FailedHealthChecks",
                }),
                p.description.clone(),
            ),
        };
    }
    ("healthy", None, None)
}

fn description(
    tg: &TargetGroup,
    id: String,
    port: Option<i32>,
    az: Option<String>,
    health: (&str, Option<&str>, Option<String>),
) -> m::TargetHealthDescription {
    m::TargetHealthDescription {
        target: Some(m::TargetDescription {
            id: Some(id),
            port,
            availability_zone: az,
            quic_server_id: None,
        }),
        health_check_port: tg.health.port.as_ref().map(|p| {
            if p == "traffic-port" {
                port.map(|p| p.to_string()).unwrap_or_default()
            } else {
                p.clone()
            }
        }),
        target_health: Some(m::TargetHealth {
            state: Some(health.0.into()),
            reason: health.1.map(Into::into),
            description: health.2,
        }),
        ..Default::default()
    }
}

pub(super) fn describe_health(
    ctx: &mut Ctx,
    input: m::DescribeTargetHealthInput,
) -> R<m::DescribeTargetHealthOutput> {
    let arn = input.target_group_arn.unwrap_or_default();
    let tg = get(ctx, &arn)?;
    let asked = input.targets.unwrap_or_default();
    let mut out = Vec::new();
    if asked.is_empty() {
        for t in &tg.targets {
            out.push(description(
                tg,
                t.id.clone(),
                t.port,
                t.availability_zone.clone(),
                health_of(ctx, tg, t),
            ));
        }
    } else {
        for d in &asked {
            let id = d.id.clone().unwrap_or_default();
            if tg.target_type == "instance" && !ctx.acct().ec2.instances.contains_key(&id) {
                return Err(invalid(format!("Instance ID '{id}' is not valid")));
            }
            let port = if tg.target_type == "lambda" {
                None
            } else {
                d.port.or(tg.port)
            };
            let found: Vec<&Target> = tg
                .targets
                .iter()
                .filter(|t| t.id == id && (d.port.is_none() || t.port == port))
                .collect();
            if found.is_empty() {
                out.push(description(
                    tg,
                    id,
                    port,
                    d.availability_zone.clone(),
                    (
                        "unused",
                        Some("Target.NotRegistered"),
                        Some("Target is not registered to the target group".into()),
                    ),
                ));
            }
            for t in found {
                out.push(description(
                    tg,
                    t.id.clone(),
                    t.port,
                    t.availability_zone.clone(),
                    health_of(ctx, tg, t),
                ));
            }
        }
    }
    Ok(m::DescribeTargetHealthOutput {
        target_health_descriptions: Some(out),
    })
}

/// A scenario says the target fails (or passes) its health checks.
pub(super) fn set_failing(ctx: &mut Ctx, tg_arn: &str, id: &str, port: Option<i32>, failing: bool) {
    set(ctx, tg_arn, id, port, |t| t.failing = failing);
}

/// The control API says a registered target fails (or passes) its health
/// checks: `Err` says why nothing changed.
pub fn set_health(
    ctx: &mut Ctx,
    tg_arn: &str,
    id: &str,
    port: Option<i32>,
    failing: bool,
) -> Result<(), String> {
    let port = registered(ctx, tg_arn, id, port, |_| Ok(()))?;
    set_failing(ctx, tg_arn, id, port, failing);
    Ok(())
}

/// The caller a target group ARN belongs to (account, Region), when it is
/// one: `arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/…`.
pub fn target_group_owner(arn: &str) -> Option<crate::world::Identity> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let well_formed = parts.len() == 6
        && parts[2] == "elasticloadbalancing"
        && crate::world::regions::is_region_name(parts[3])
        && parts[4].len() == 12
        && parts[4].bytes().all(|b| b.is_ascii_digit());
    well_formed.then(|| crate::world::Identity::root(parts[4], parts[3]))
}

/// The port under which `id` is registered in `tg_arn` (none for lambda
/// targets, the group's when not given), once `fits` accepts the group;
/// `Err` says why not.
fn registered(
    ctx: &Ctx,
    tg_arn: &str,
    id: &str,
    port: Option<i32>,
    fits: impl Fn(&TargetGroup) -> Result<(), String>,
) -> Result<Option<i32>, String> {
    let Some(tg) = ctx.acct().elbv2.target_groups.get(tg_arn) else {
        return Err(format!("no target group {tg_arn}"));
    };
    fits(tg)?;
    let port = if tg.target_type == "lambda" {
        None
    } else {
        port.or(tg.port)
    };
    if !tg.targets.iter().any(|t| same(t, id, port)) {
        return Err(format!(
            "no target {id} (port {}) registered in {tg_arn}",
            port.map_or("none".into(), |p| p.to_string())
        ));
    }
    Ok(port)
}

/// Binds a registered target to a real local address (`None` unbinds it):
/// the data plane forwards to it and checks its health for real. `Err` says
/// why nothing changed.
pub fn bind(
    ctx: &mut Ctx,
    tg_arn: &str,
    id: &str,
    port: Option<i32>,
    local: Option<String>,
) -> Result<(), String> {
    let port = registered(ctx, tg_arn, id, port, |tg| match tg.target_type.as_str() {
        "ip" | "instance" => Ok(()),
        other => Err(format!(
            "only ip and instance targets can be bound, and {tg_arn} has {other} targets"
        )),
    })?;
    set(ctx, tg_arn, id, port, |t| {
        if t.local != local {
            t.local = local;
            t.probe = None;
        }
    });
    Ok(())
}

/// The data plane's health checks of a bound target concluded: recorded
/// (and the world changes) only when the verdict differs from the last one.
pub fn record_probe(ctx: &mut Ctx, tg_arn: &str, id: &str, port: Option<i32>, probe: Probe) {
    let current = ctx
        .acct()
        .elbv2
        .target_groups
        .get(tg_arn)
        .and_then(|g| g.targets.iter().find(|t| same(t, id, port)));
    if current.is_some_and(|t| t.local.is_some() && t.probe.as_ref() != Some(&probe)) {
        set(ctx, tg_arn, id, port, |t| t.probe = Some(probe));
    }
}
