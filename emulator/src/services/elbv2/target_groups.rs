//! CreateTargetGroup, DescribeTargetGroups, ModifyTargetGroup,
//! DeleteTargetGroup and the target group attributes: every target type
//! (`instance`, `ip`, `lambda`, `alb`) and protocol, with AWS's health check
//! defaults per kind and its validation.

use std::collections::BTreeMap;

use super::common::{self, page, tags_from, validation, R};
use super::state::{HealthCheck, TargetGroup};
use crate::model::elbv2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

pub(super) fn not_found() -> AwsError {
    AwsError::new("TargetGroupNotFound", "One or more target groups not found")
}

/// `arn:aws:elasticloadbalancing:<region>:<acct>:targetgroup/<name>/<16 hex>`
pub(super) fn is_arn(arn: &str) -> bool {
    common::resource_of(arn)
        .and_then(|r| r.strip_prefix("targetgroup/"))
        .map(|p| p.split('/').collect::<Vec<_>>())
        .is_some_and(|p| p.len() == 2 && !p[0].is_empty() && !p[1].is_empty())
}

pub(super) fn check_arn(arn: &str) -> R<()> {
    if is_arn(arn) {
        Ok(())
    } else {
        Err(validation(format!(
            "'{arn}' is not a valid target group ARN"
        )))
    }
}

/// The caller's target group, or `TargetGroupNotFound`.
pub(super) fn get<'a>(ctx: &'a Ctx, arn: &str) -> R<&'a TargetGroup> {
    check_arn(arn)?;
    ctx.acct()
        .elbv2
        .target_groups
        .get(arn)
        .ok_or_else(not_found)
}

fn check_name(name: &str) -> R<()> {
    if name.is_empty() {
        return Err(validation("A target group name must be specified"));
    }
    if name.len() > 32 {
        return Err(validation(format!(
            "Target group name '{name}' cannot be longer than '32' characters"
        )));
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(validation(format!(
            "Target group name '{name}' can only contain characters that are alphanumeric characters or hyphens(-)"
        )));
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Err(validation(format!(
            "Target group name '{name}' cannot begin or end with '-'"
        )));
    }
    Ok(())
}

const PROTOCOLS: &[&str] = &[
    "HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE", "QUIC", "TCP_QUIC",
];

fn enum_error(value: &str, field: &str, allowed: &[&str]) -> AwsError {
    validation(format!(
        "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
        allowed.join(", ")
    ))
}

fn range_error(value: i32, field: &str, min: i32, max: i32) -> Option<AwsError> {
    if value < min {
        Some(validation(format!("1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: Member must have value greater than or equal to {min}")))
    } else if value > max {
        Some(validation(format!("1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: Member must have value less than or equal to {max}")))
    } else {
        None
    }
}

fn is_http(p: Option<&str>) -> bool {
    matches!(p, Some("HTTP" | "HTTPS"))
}

/// The load balancer type a target group of this kind serves.
pub(super) fn lb_type_of(tg: &TargetGroup) -> &'static str {
    match (tg.target_type.as_str(), tg.protocol.as_deref()) {
        ("lambda", _) | (_, Some("HTTP" | "HTTPS")) => "application",
        (_, Some("GENEVE")) => "gateway",
        _ => "network",
    }
}

/// AWS's health check settings for a new target group of this kind, when
/// the request leaves them out (ELB user guides, "Health checks for your
/// target groups", per load balancer type).
pub(super) fn default_health(
    target_type: &str,
    protocol: Option<&str>,
    version: Option<&str>,
    hc_protocol: Option<&str>,
) -> HealthCheck {
    let mut h = HealthCheck {
        enabled: true,
        protocol: None,
        port: Some("traffic-port".into()),
        path: None,
        interval: 30,
        timeout: 5,
        healthy: 5,
        unhealthy: 2,
        http_code: None,
        grpc_code: None,
    };
    if target_type == "lambda" {
        // Disabled until enabled; no protocol or port [U: as seen in moto].
        h.enabled = false;
        h.port = None;
        h.path = Some("/".into());
        h.interval = 35;
        h.timeout = 30;
        h.http_code = Some("200".into());
        return h;
    }
    if target_type == "alb" {
        let p = hc_protocol.unwrap_or("HTTP");
        h.protocol = Some(p.into());
        h.path = Some("/".into());
        h.timeout = 6;
        h.http_code = Some("200-399".into());
        return h;
    }
    match protocol {
        Some(p @ ("HTTP" | "HTTPS")) => {
            h.protocol = Some(hc_protocol.unwrap_or(p).into());
            if version == Some("GRPC") {
                h.path = Some("/AWS.ALB/healthcheck".into());
                h.grpc_code = Some("12".into());
            } else {
                h.path = Some("/".into());
                h.http_code = Some("200".into());
            }
        }
        Some("GENEVE") => {
            let p = hc_protocol.unwrap_or("TCP");
            h.protocol = Some(p.into());
            h.port = Some("80".into());
            h.interval = 10;
            h.timeout = 5;
            h.healthy = 5;
            if is_http(Some(p)) {
                h.path = Some("/".into());
                h.http_code = Some("200-399".into());
            }
        }
        _ => {
            // Network: TCP checks by default; HTTP ones wait 6 s, TCP and
            // HTTPS ones 10 s.
            let p = hc_protocol.unwrap_or("TCP");
            h.protocol = Some(p.into());
            h.timeout = if p == "HTTP" { 6 } else { 10 };
            if is_http(Some(p)) {
                h.path = Some("/".into());
                h.http_code = Some("200-399".into());
            }
        }
    }
    h
}

/// The attributes a new target group of this kind has (the
/// `TargetGroupAttribute` reference, per load balancer type).
pub fn default_attributes(target_type: &str, protocol: Option<&str>) -> BTreeMap<String, String> {
    let health: &[(&str, &str)] = &[
        (
            "load_balancing.cross_zone.enabled",
            "use_load_balancer_configuration",
        ),
        (
            "target_group_health.dns_failover.minimum_healthy_targets.count",
            "1",
        ),
        (
            "target_group_health.dns_failover.minimum_healthy_targets.percentage",
            "off",
        ),
        (
            "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count",
            "1",
        ),
        (
            "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage",
            "off",
        ),
    ];
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut add = |list: &[(&str, &str)]| {
        for (k, v) in list {
            pairs.push((k.to_string(), v.to_string()));
        }
    };
    match (target_type, protocol) {
        ("lambda", _) => {
            // [U: the set AWS lists for a Lambda target group]
            add(&[
                ("lambda.multi_value_headers.enabled", "false"),
                ("stickiness.enabled", "false"),
                ("stickiness.type", "lb_cookie"),
                ("stickiness.lb_cookie.duration_seconds", "86400"),
            ]);
            add(health);
        }
        (_, Some("HTTP" | "HTTPS")) => {
            add(&[
                ("deregistration_delay.timeout_seconds", "300"),
                ("load_balancing.algorithm.anomaly_mitigation", "off"),
                ("load_balancing.algorithm.type", "round_robin"),
                ("slow_start.duration_seconds", "0"),
                ("stickiness.app_cookie.cookie_name", ""),
                ("stickiness.app_cookie.duration_seconds", "86400"),
                ("stickiness.enabled", "false"),
                ("stickiness.lb_cookie.duration_seconds", "86400"),
                ("stickiness.type", "lb_cookie"),
            ]);
            add(health);
        }
        (_, Some("GENEVE")) => add(&[
            ("deregistration_delay.timeout_seconds", "300"),
            ("stickiness.enabled", "false"),
            ("stickiness.type", "source_ip_dest_ip_proto"),
            ("target_failover.on_deregistration", "no_rebalance"),
            ("target_failover.on_unhealthy", "no_rebalance"),
        ]),
        (tt, p) => {
            let udp = matches!(p, Some("UDP" | "TCP_UDP" | "QUIC" | "TCP_QUIC"));
            // Client IP preservation is off for ip targets over TCP and TLS.
            let preserve = tt != "ip" || udp;
            add(&[
                ("deregistration_delay.timeout_seconds", "300"),
                (
                    "deregistration_delay.connection_termination.enabled",
                    if udp { "true" } else { "false" },
                ),
                (
                    "preserve_client_ip.enabled",
                    if preserve { "true" } else { "false" },
                ),
                ("proxy_protocol_v2.enabled", "false"),
                ("stickiness.enabled", "false"),
                ("stickiness.type", "source_ip"),
                (
                    "target_health_state.unhealthy.connection_termination.enabled",
                    "true",
                ),
                (
                    "target_health_state.unhealthy.draining_interval_seconds",
                    "0",
                ),
            ]);
            add(health);
        }
    }
    pairs.into_iter().collect()
}

/// `200`, `200,202`, `200-299` (and mixes), every code within `lo..=hi`.
fn check_codes(codes: &str, lo: u32, hi: u32, what: &str) -> R<()> {
    let bad = || {
        validation(format!(
            "{what} '{codes}' must be a value, a comma-separated list or a range of values between {lo} and {hi}"
        ))
    };
    if codes.is_empty() {
        return Err(bad());
    }
    for part in codes.split(',') {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>()) else {
            return Err(bad());
        };
        if a < lo || b > hi || a > b {
            return Err(bad());
        }
    }
    Ok(())
}

/// The health check settings a request asks for, over `base`.
struct HealthRequest<'a> {
    protocol: Option<&'a String>,
    port: Option<&'a String>,
    path: Option<&'a String>,
    enabled: Option<bool>,
    interval: Option<i32>,
    timeout: Option<i32>,
    healthy: Option<i32>,
    unhealthy: Option<i32>,
    matcher: Option<&'a m::Matcher>,
}

/// Applies `req` over `h` and checks the result as AWS does.
fn apply_health(tg: &TargetGroup, h: &mut HealthCheck, req: &HealthRequest<'_>) -> R<()> {
    let lambda = tg.target_type == "lambda";
    let proto = tg.protocol.as_deref();
    if let Some(p) = req.protocol {
        if !PROTOCOLS.contains(&p.as_str()) {
            return Err(enum_error(p, "healthCheckProtocol", PROTOCOLS));
        }
        let allowed: &[&str] = match (tg.target_type.as_str(), proto) {
            ("lambda", _) => &["HTTP", "HTTPS"],
            ("alb", _) | (_, Some("HTTP" | "HTTPS")) => &["HTTP", "HTTPS"],
            _ => &["HTTP", "HTTPS", "TCP"],
        };
        if !allowed.contains(&p.as_str()) {
            return Err(validation(format!(
                "Health check protocol '{p}' is not supported for target groups with the '{}' protocol",
                proto.unwrap_or("")
            )));
        }
        if h.protocol.as_deref() != Some(p) {
            // New protocol: its own defaults for the rest [U].
            let d = default_health(
                &tg.target_type,
                proto,
                tg.protocol_version.as_deref(),
                Some(p),
            );
            h.protocol = d.protocol;
            h.path = d.path;
            h.http_code = d.http_code;
            h.grpc_code = d.grpc_code;
            if req.timeout.is_none() {
                h.timeout = d.timeout;
            }
        }
    }
    if let Some(e) = req.enabled {
        if !e && !lambda {
            return Err(AwsError::new(
                "InvalidConfigurationRequest",
                format!(
                    "Health checks cannot be disabled for target groups with target type '{}'",
                    tg.target_type
                ),
            ));
        }
        h.enabled = e;
    }
    if let Some(port) = req.port {
        let ok =
            port == "traffic-port" || port.parse::<i32>().is_ok_and(|p| (1..=65535).contains(&p));
        if !ok {
            return Err(validation(format!(
                "Health check port '{port}' must be 'traffic-port' or a port between 1 and 65535"
            )));
        }
        if lambda {
            return Err(validation(
                "Health check port cannot be specified for target groups with target type 'lambda'",
            ));
        }
        h.port = Some(port.clone());
    }
    let http_check = lambda || is_http(h.protocol.as_deref());
    if let Some(path) = req.path {
        if !http_check {
            return Err(validation(format!(
                "Health check path cannot be specified for target groups with the '{}' health check protocol",
                h.protocol.as_deref().unwrap_or("")
            )));
        }
        if !path.starts_with('/') || path.len() > 1024 {
            return Err(validation(
                "Health check path must begin with a '/' character, and can be at most 1024 characters in length",
            ));
        }
        h.path = Some(path.clone());
    }
    for (v, field, min, max, slot) in [
        (
            req.interval,
            "healthCheckIntervalSeconds",
            5,
            300,
            &mut h.interval,
        ),
        (
            req.timeout,
            "healthCheckTimeoutSeconds",
            2,
            120,
            &mut h.timeout,
        ),
        (req.healthy, "healthyThresholdCount", 2, 10, &mut h.healthy),
        (
            req.unhealthy,
            "unhealthyThresholdCount",
            2,
            10,
            &mut h.unhealthy,
        ),
    ] {
        if let Some(v) = v {
            if let Some(e) = range_error(v, field, min, max) {
                return Err(e);
            }
            *slot = v;
        }
    }
    if http_check && h.timeout >= h.interval {
        return Err(validation(format!(
            "Health check timeout '{}' must be smaller than the interval '{}'",
            h.timeout, h.interval
        )));
    }
    if !http_check && h.timeout > h.interval {
        return Err(validation(format!(
            "Health check timeout '{}' must be smaller than or equal to the interval '{}'",
            h.timeout, h.interval
        )));
    }
    if let Some(mt) = req.matcher {
        if !http_check {
            return Err(validation(format!(
                "Health check matcher cannot be specified for target groups with the '{}' health check protocol",
                h.protocol.as_deref().unwrap_or("")
            )));
        }
        let grpc = tg.protocol_version.as_deref() == Some("GRPC");
        match (&mt.http_code, &mt.grpc_code) {
            (Some(_), Some(_)) | (None, None) => {
                return Err(validation(
                    "You must specify either an HTTP code or a gRPC code for the matcher, not both",
                ))
            }
            (Some(code), None) => {
                if grpc {
                    return Err(validation(
                        "HTTP codes cannot be specified for target groups with the 'GRPC' protocol version",
                    ));
                }
                // Application load balancers 200–499, others 200–599.
                let hi = if lb_type_of(tg) == "application" {
                    499
                } else {
                    599
                };
                check_codes(code, 200, hi, "Health check matcher HTTP code")?;
                h.http_code = Some(code.clone());
                h.grpc_code = None;
            }
            (None, Some(code)) => {
                if !grpc {
                    return Err(validation(
                        "gRPC codes can only be specified for target groups with the 'GRPC' protocol version",
                    ));
                }
                check_codes(code, 0, 99, "Health check matcher gRPC code")?;
                h.grpc_code = Some(code.clone());
                h.http_code = None;
            }
        }
    }
    Ok(())
}

pub(super) fn to_model(ctx: &Ctx, tg: &TargetGroup) -> m::TargetGroup {
    let h = &tg.health;
    m::TargetGroup {
        target_group_arn: Some(tg.arn.clone()),
        target_group_name: Some(tg.name.clone()),
        protocol: tg.protocol.clone(),
        port: tg.port,
        vpc_id: tg.vpc_id.clone(),
        health_check_protocol: h.protocol.clone(),
        health_check_port: h.port.clone(),
        health_check_enabled: Some(h.enabled),
        health_check_interval_seconds: Some(h.interval),
        health_check_timeout_seconds: Some(h.timeout),
        healthy_threshold_count: Some(h.healthy),
        unhealthy_threshold_count: Some(h.unhealthy),
        health_check_path: h.path.clone(),
        matcher: (h.http_code.is_some() || h.grpc_code.is_some()).then(|| m::Matcher {
            http_code: h.http_code.clone(),
            grpc_code: h.grpc_code.clone(),
        }),
        load_balancer_arns: Some(ctx.acct().elbv2.load_balancers_of(&tg.arn)),
        target_type: Some(tg.target_type.clone()),
        protocol_version: tg.protocol_version.clone(),
        ip_address_type: tg.ip_address_type.clone(),
        target_control_port: None,
    }
}

fn by_name<'a>(ctx: &'a Ctx, name: &str) -> Option<&'a TargetGroup> {
    ctx.acct()
        .elbv2
        .target_groups
        .values()
        .find(|t| t.name == name)
}

pub(super) fn create(
    ctx: &mut Ctx,
    input: m::CreateTargetGroupInput,
) -> R<m::CreateTargetGroupOutput> {
    let name = input.name.clone().unwrap_or_default();
    check_name(&name)?;
    let target_type = input
        .target_type
        .clone()
        .unwrap_or_else(|| "instance".into());
    const TYPES: &[&str] = &["instance", "ip", "lambda", "alb"];
    if !TYPES.contains(&target_type.as_str()) {
        return Err(enum_error(&target_type, "targetType", TYPES));
    }
    if let Some(p) = &input.protocol {
        if !PROTOCOLS.contains(&p.as_str()) {
            return Err(enum_error(p, "protocol", PROTOCOLS));
        }
    }
    let lambda = target_type == "lambda";
    if lambda {
        for (set, what) in [
            (input.protocol.is_some(), "Protocol"),
            (input.port.is_some(), "Port"),
            (input.vpc_id.is_some(), "VPC ID"),
        ] {
            if set {
                return Err(validation(format!(
                    "{what} cannot be specified for target groups with target type 'lambda'"
                )));
            }
        }
    } else {
        for (set, what) in [
            (input.protocol.is_some(), "protocol"),
            (input.port.is_some(), "port"),
            (input.vpc_id.is_some(), "VPC ID"),
        ] {
            if !set {
                return Err(validation(format!("A {what} must be specified")));
            }
        }
    }
    let protocol = input.protocol.clone();
    if target_type == "alb" && protocol.as_deref() != Some("TCP") {
        return Err(validation(
            "Target groups with target type 'alb' support only the 'TCP' protocol",
        ));
    }
    if let Some(port) = input.port {
        if let Some(e) = range_error(port, "port", 1, 65535) {
            return Err(e);
        }
    }
    if protocol.as_deref() == Some("GENEVE") && input.port != Some(6081) {
        return Err(validation(
            "Port must be 6081 for target groups with the 'GENEVE' protocol",
        ));
    }
    let version = match (&input.protocol_version, is_http(protocol.as_deref())) {
        (None, true) => Some("HTTP1".to_string()),
        (None, false) => None,
        (Some(v), true) => {
            let up = v.to_ascii_uppercase();
            if !["HTTP1", "HTTP2", "GRPC"].contains(&up.as_str()) {
                return Err(validation(format!(
                    "Protocol version '{v}' is not supported; use HTTP1, HTTP2 or GRPC"
                )));
            }
            Some(up)
        }
        (Some(_), false) => {
            return Err(validation(
                "A protocol version can only be specified for target groups with the HTTP or HTTPS protocol",
            ))
        }
    };
    if let Some(vpc) = &input.vpc_id {
        if !ctx.acct().ec2.vpcs.contains_key(vpc) {
            return Err(validation(format!("The VPC ID '{vpc}' is not found")));
        }
    }
    let ip_address_type = match input.ip_address_type.as_deref() {
        None | Some("ipv4") => "ipv4".to_string(),
        Some("ipv6") if matches!(target_type.as_str(), "instance" | "ip") => "ipv6".into(),
        Some("ipv6") => {
            return Err(validation(format!(
                "IPv6 target groups are not supported for target type '{target_type}'"
            )))
        }
        Some(o) => return Err(enum_error(o, "ipAddressType", &["ipv4", "ipv6"])),
    };
    let tags = tags_from(input.tags.clone())?;

    let mut tg = TargetGroup {
        arn: String::new(),
        name: name.clone(),
        target_type: target_type.clone(),
        protocol: protocol.clone(),
        protocol_version: version,
        port: input.port,
        vpc_id: input.vpc_id.clone(),
        ip_address_type: Some(ip_address_type),
        health: default_health(&target_type, protocol.as_deref(), None, None),
        attributes: default_attributes(&target_type, protocol.as_deref()),
        tags,
        targets: Vec::new(),
    };
    tg.health = default_health(
        &target_type,
        protocol.as_deref(),
        tg.protocol_version.as_deref(),
        None,
    );
    let mut health = tg.health.clone();
    apply_health(
        &tg,
        &mut health,
        &HealthRequest {
            protocol: input.health_check_protocol.as_ref(),
            port: input.health_check_port.as_ref(),
            path: input.health_check_path.as_ref(),
            enabled: input.health_check_enabled,
            interval: input.health_check_interval_seconds,
            timeout: input.health_check_timeout_seconds,
            healthy: input.healthy_threshold_count,
            unhealthy: input.unhealthy_threshold_count,
            matcher: input.matcher.as_ref(),
        },
    )?;
    tg.health = health;

    // The same name: identical settings give the existing group back.
    if let Some(existing) = by_name(ctx, &name) {
        let same = existing.target_type == tg.target_type
            && existing.protocol == tg.protocol
            && existing.protocol_version == tg.protocol_version
            && existing.port == tg.port
            && existing.vpc_id == tg.vpc_id
            && existing.health == tg.health;
        if same {
            return Ok(m::CreateTargetGroupOutput {
                target_groups: Some(vec![to_model(ctx, existing)]),
            });
        }
        return Err(AwsError::new(
            "DuplicateTargetGroupName",
            format!(
                "A target group with the same name '{name}' exists, but with different settings"
            ),
        ));
    }

    let hex = ctx
        .world
        .ids
        .take_pin("elbv2-tg-arn")
        .unwrap_or_else(|| ctx.world.ids.hex(16));
    tg.arn = format!(
        "arn:aws:elasticloadbalancing:{}:{}:targetgroup/{name}/{hex}",
        ctx.region_name(),
        ctx.account
    );
    let out = to_model(ctx, &tg);
    let arn = tg.arn.clone();
    ctx.acct_mut().elbv2.target_groups.insert(arn, tg);
    Ok(m::CreateTargetGroupOutput {
        target_groups: Some(vec![out]),
    })
}

pub(super) fn describe(
    ctx: &mut Ctx,
    input: m::DescribeTargetGroupsInput,
) -> R<m::DescribeTargetGroupsOutput> {
    let arns = input.target_group_arns.unwrap_or_default();
    let names = input.names.unwrap_or_default();
    let lb = input.load_balancer_arn.filter(|s| !s.is_empty());
    let given = [!arns.is_empty(), !names.is_empty(), lb.is_some()];
    if given.iter().filter(|g| **g).count() > 1 {
        return Err(validation(
            "Only one of target group ARNs, names or a load balancer ARN can be specified",
        ));
    }
    if let Some(size) = input.page_size {
        if let Some(e) = range_error(size, "pageSize", 1, 400) {
            return Err(e);
        }
    }
    for a in &arns {
        check_arn(a)?;
    }
    let st = &ctx.acct().elbv2;
    if arns.iter().any(|a| !st.target_groups.contains_key(a))
        || names
            .iter()
            .any(|n| !st.target_groups.values().any(|t| &t.name == n))
    {
        return Err(not_found());
    }
    if let Some(lb) = &lb {
        common::check_lb_arn(lb)?;
        if !st.load_balancers.contains_key(lb) {
            return Err(AwsError::new(
                "LoadBalancerNotFound",
                "One or more load balancers not found",
            ));
        }
    }
    let items: Vec<(String, m::TargetGroup)> = st
        .target_groups
        .values()
        .filter(|t| {
            (arns.is_empty() || arns.contains(&t.arn))
                && (names.is_empty() || names.contains(&t.name))
                && lb
                    .as_ref()
                    .is_none_or(|lb| st.load_balancers_of(&t.arn).contains(lb))
        })
        .map(|t| (t.arn.clone(), to_model(ctx, t)))
        .collect();
    let (items, next) = page(items, input.marker, input.page_size)?;
    Ok(m::DescribeTargetGroupsOutput {
        target_groups: Some(items),
        next_marker: next,
    })
}

pub(super) fn modify(
    ctx: &mut Ctx,
    input: m::ModifyTargetGroupInput,
) -> R<m::ModifyTargetGroupOutput> {
    let arn = input.target_group_arn.clone().unwrap_or_default();
    let tg = get(ctx, &arn)?;
    let mut health = tg.health.clone();
    apply_health(
        tg,
        &mut health,
        &HealthRequest {
            protocol: input.health_check_protocol.as_ref(),
            port: input.health_check_port.as_ref(),
            path: input.health_check_path.as_ref(),
            enabled: input.health_check_enabled,
            interval: input.health_check_interval_seconds,
            timeout: input.health_check_timeout_seconds,
            healthy: input.healthy_threshold_count,
            unhealthy: input.unhealthy_threshold_count,
            matcher: input.matcher.as_ref(),
        },
    )?;
    if let Some(tg) = ctx.acct_mut().elbv2.target_groups.get_mut(&arn) {
        tg.health = health;
    }
    let out = to_model(ctx, &ctx.acct().elbv2.target_groups[&arn]);
    Ok(m::ModifyTargetGroupOutput {
        target_groups: Some(vec![out]),
    })
}

pub(super) fn delete(
    ctx: &mut Ctx,
    input: m::DeleteTargetGroupInput,
) -> R<m::DeleteTargetGroupOutput> {
    let arn = input.target_group_arn.unwrap_or_default();
    check_arn(&arn)?;
    if !ctx.acct().elbv2.target_groups.contains_key(&arn) {
        // Deleting what does not exist succeeds (no NotFound is modelled).
        return Ok(m::DeleteTargetGroupOutput {});
    }
    if !ctx.acct().elbv2.load_balancers_of(&arn).is_empty() {
        return Err(AwsError::new(
            "ResourceInUse",
            format!("Target group '{arn}' is currently in use by a listener or a rule"),
        ));
    }
    ctx.acct_mut().elbv2.target_groups.remove(&arn);
    Ok(m::DeleteTargetGroupOutput {})
}

fn attributes_model(tg: &TargetGroup) -> Vec<m::TargetGroupAttribute> {
    tg.attributes
        .iter()
        .map(|(k, v)| m::TargetGroupAttribute {
            key: Some(k.clone()),
            value: Some(v.clone()),
        })
        .collect()
}

pub(super) fn describe_attributes(
    ctx: &mut Ctx,
    input: m::DescribeTargetGroupAttributesInput,
) -> R<m::DescribeTargetGroupAttributesOutput> {
    let arn = input.target_group_arn.unwrap_or_default();
    let tg = get(ctx, &arn)?;
    Ok(m::DescribeTargetGroupAttributesOutput {
        attributes: Some(attributes_model(tg)),
    })
}

/// Whether `value` is acceptable for `key` on this target group.
fn check_attribute(tg: &TargetGroup, key: &str, value: &str) -> R<()> {
    let int_in = |lo: i64, hi: i64| {
        value
            .parse::<i64>()
            .ok()
            .filter(|v| (lo..=hi).contains(v))
            .map(|_| ())
            .ok_or_else(|| {
                validation(format!(
                    "'{key}' value '{value}' must be between '{lo}-{hi}' inclusive"
                ))
            })
    };
    let one_of = |allowed: &[&str]| {
        if allowed.contains(&value) {
            Ok(())
        } else {
            Err(validation(format!(
                "'{key}' value '{value}' must be one of [{}]",
                allowed.join(", ")
            )))
        }
    };
    let kind = lb_type_of(tg);
    match key {
        "deregistration_delay.timeout_seconds" => int_in(0, 3600),
        "stickiness.lb_cookie.duration_seconds" | "stickiness.app_cookie.duration_seconds" => {
            int_in(1, 604_800)
        }
        "slow_start.duration_seconds" => {
            if value == "0" {
                Ok(())
            } else {
                int_in(30, 900)
            }
        }
        "target_health_state.unhealthy.draining_interval_seconds" => int_in(0, 360_000),
        "stickiness.type" => match kind {
            "application" => one_of(&["lb_cookie", "app_cookie"]),
            "gateway" => one_of(&["source_ip_dest_ip", "source_ip_dest_ip_proto"]),
            _ => one_of(&["source_ip"]),
        },
        "load_balancing.algorithm.type" => one_of(&[
            "round_robin",
            "least_outstanding_requests",
            "weighted_random",
        ]),
        "load_balancing.algorithm.anomaly_mitigation" => one_of(&["on", "off"]),
        "load_balancing.cross_zone.enabled" => {
            one_of(&["true", "false", "use_load_balancer_configuration"])
        }
        "target_failover.on_deregistration" | "target_failover.on_unhealthy" => {
            one_of(&["rebalance", "no_rebalance"])
        }
        "stickiness.app_cookie.cookie_name" => {
            if ["AWSALB", "AWSALBAPP", "AWSALBTG"]
                .iter()
                .any(|p| value.starts_with(p))
            {
                Err(validation(format!(
                    "The cookie name '{value}' is reserved for use by the load balancer"
                )))
            } else {
                Ok(())
            }
        }
        k if k.starts_with("target_group_health.") => {
            let count = k.ends_with(".count");
            if value == "off"
                && !k.contains("unhealthy_state_routing.minimum_healthy_targets.count")
            {
                Ok(())
            } else if count {
                int_in(1, 1_000_000)
            } else {
                int_in(1, 100)
            }
        }
        _ => one_of(&["true", "false"]),
    }
}

pub(super) fn modify_attributes(
    ctx: &mut Ctx,
    input: m::ModifyTargetGroupAttributesInput,
) -> R<m::ModifyTargetGroupAttributesOutput> {
    let arn = input.target_group_arn.unwrap_or_default();
    let tg = get(ctx, &arn)?;
    let changes = input.attributes.unwrap_or_default();
    let mut next = tg.attributes.clone();
    for a in &changes {
        let key = a.key.clone().unwrap_or_default();
        let value = a.value.clone().unwrap_or_default();
        if !tg.attributes.contains_key(&key) {
            return Err(validation(format!(
                "Target group attribute key '{key}' is not recognized"
            )));
        }
        check_attribute(tg, &key, &value)?;
        next.insert(key, value);
    }
    let udp = matches!(tg.protocol.as_deref(), Some("UDP" | "TCP_UDP"));
    if udp && next.get("preserve_client_ip.enabled").map(String::as_str) == Some("false") {
        return Err(AwsError::new(
            "InvalidConfigurationRequest",
            "Client IP preservation cannot be disabled for target groups with the UDP or TCP_UDP protocol",
        ));
    }
    if next
        .get("target_failover.on_deregistration")
        .zip(next.get("target_failover.on_unhealthy"))
        .is_some_and(|(a, b)| a != b)
    {
        return Err(validation(
            "'target_failover.on_deregistration' and 'target_failover.on_unhealthy' must have the same value",
        ));
    }
    let Some(tg) = ctx.acct_mut().elbv2.target_groups.get_mut(&arn) else {
        return Err(not_found());
    };
    tg.attributes = next;
    Ok(m::ModifyTargetGroupAttributesOutput {
        attributes: Some(attributes_model(tg)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_codes_and_defaults() {
        assert!(is_arn(
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067"
        ));
        assert!(!is_arn(
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/x/y"
        ));
        assert!(check_codes("200", 200, 499, "x").is_ok());
        assert!(check_codes("200,202-299", 200, 499, "x").is_ok());
        assert!(check_codes("500", 200, 499, "x").is_err());
        assert!(check_codes("abc", 200, 499, "x").is_err());
        let tcp = default_health("instance", Some("TCP"), None, None);
        assert_eq!((tcp.timeout, tcp.path.clone()), (10, None));
        let http = default_health("ip", Some("HTTP"), Some("HTTP1"), None);
        assert_eq!(http.http_code.as_deref(), Some("200"));
        let attrs = default_attributes("ip", Some("TCP"));
        assert_eq!(attrs["preserve_client_ip.enabled"], "false");
        let attrs = default_attributes("instance", Some("UDP"));
        assert_eq!(
            attrs["deregistration_delay.connection_termination.enabled"],
            "true"
        );
    }
}
