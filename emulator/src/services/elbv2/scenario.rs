//! ELBv2's resources in scenario files: load balancers, target groups with
//! their targets, and listeners with their rules and actions (the OIDC
//! client secret included, which AWS never returns, so an export loads
//! back), applied through the handlers and exported
//! back with their ARNs, times and interfaces pinned.

use std::sync::Arc;

use crate::scenario_file::format as f;
use crate::scenario_file::mapping::time;
use crate::services::ec2::scenario::eni_of;
use crate::services::state::Account;

use super::Elbv2;
use crate::model::elbv2 as l;
use crate::scenario_file::format;
use crate::scenario_file::mapping::{one_ref, refs, At, Names, Phase, Pins, ScenarioError};
use crate::services::state::World;

fn elbv2(world: &Arc<World>, at: &At<'_>, req: l::Request) -> Result<l::Response, ScenarioError> {
    let mut ctx = world.context(&at.who(), "scenario");
    l::call(&Elbv2, &mut ctx, req).map_err(|x| at.aws(x))
}

pub(crate) fn load_balancers(
    world: &Arc<World>,
    p: &Phase<'_>,
    names: &mut Names,
    res: &format::RegionResources,
) -> Result<(), ScenarioError> {
    for (i, lb) in res.load_balancers.iter().enumerate() {
        let at = p.at(format!("{}.loadBalancers[{i}]", p.base));
        let subnets = refs(names, &at, "subnets", "subnet", "subnet", &lb.subnets)?;
        let groups = refs(
            names,
            &at,
            "securityGroups",
            "securityGroup",
            "sg",
            &lb.security_groups,
        )?;
        let pin = match &lb.arn {
            Some(arn) => {
                let hex = arn.rsplit('/').next().unwrap_or("");
                let named = arn.split('/').rev().nth(1) == Some(lb.name.as_str());
                if hex.len() != 16 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) || !named {
                    return Err(at.err(
                        "arn",
                        format!("'{arn}' is not an ARN of load balancer {}", lb.name),
                    ));
                }
                Some(hex.to_string())
            }
            None => None,
        };
        let pins = Pins::default()
            .value("elbv2-arn", pin.as_ref())
            .time(&at, "createdAt", lb.created_at.as_ref())?
            .enis(&at, "networkInterfaces", &lb.network_interfaces)?;
        let out = pins.run(world, || {
            elbv2(
                world,
                &at,
                l::Request::CreateLoadBalancer(l::CreateLoadBalancerInput {
                    name: Some(lb.name.clone()),
                    type_: Some(lb.lb_type.clone().unwrap_or_else(|| "network".into())),
                    scheme: lb.scheme.clone(),
                    subnets: Some(subnets),
                    security_groups: (!groups.is_empty()).then_some(groups.clone()),
                    ip_address_type: lb.ip_address_type.clone(),
                    tags: (!lb.tags.is_empty()).then(|| {
                        lb.tags
                            .0
                            .iter()
                            .map(|(k, v)| l::Tag {
                                key: Some(k.clone()),
                                value: Some(v.clone()),
                            })
                            .collect()
                    }),
                    ..Default::default()
                }),
            )
        });
        let l::Response::CreateLoadBalancer(out) = out? else {
            return Err(at.err("", "unexpected answer"));
        };
        let arn = out
            .load_balancers
            .and_then(|v| v.into_iter().next())
            .and_then(|lb| lb.load_balancer_arn)
            .unwrap_or_default();
        if let Some(e) = &lb.enforce_security_group_inbound_rules_on_private_link_traffic {
            elbv2(
                world,
                &at,
                l::Request::SetSecurityGroups(l::SetSecurityGroupsInput {
                    load_balancer_arn: Some(arn.clone()),
                    security_groups: Some(groups.clone()),
                    enforce_security_group_inbound_rules_on_private_link_traffic: Some(e.clone()),
                }),
            )?;
        }
        if !lb.attributes.is_empty() {
            elbv2(
                world,
                &at,
                l::Request::ModifyLoadBalancerAttributes(l::ModifyLoadBalancerAttributesInput {
                    load_balancer_arn: Some(arn.clone()),
                    attributes: Some(
                        lb.attributes
                            .iter()
                            .map(|(k, v)| l::LoadBalancerAttribute {
                                key: Some(k.clone()),
                                value: Some(v.clone()),
                            })
                            .collect(),
                    ),
                }),
            )?;
        }
        names.put(p.account, p.region, "loadBalancer", &lb.name, arn);
    }
    Ok(())
}

/// This account's load balancers, as a scenario declares them.
pub(crate) fn export(a: &Account, out: &mut f::RegionResources) {
    for lb in a.elbv2.load_balancers.values() {
        out.load_balancers.push(f::LoadBalancer {
            name: lb.name.clone(),
            arn: Some(lb.arn.clone()),
            lb_type: Some(lb.lb_type.clone()),
            scheme: (lb.lb_type != "gateway").then(|| lb.scheme.clone()),
            subnets: lb.zones.iter().map(|z| z.0.clone()).collect(),
            security_groups: lb.security_groups.clone(),
            tags: f::TagList(lb.tags.clone()),
            attributes: {
                let defaults = super::default_attributes(&lb.lb_type);
                lb.attributes
                    .iter()
                    .filter(|(k, v)| defaults.get(*k) != Some(*v))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            },
            created_at: Some(time(lb.created)),
            network_interfaces: lb.zones.iter().map(|z| eni_of(a, &z.2)).collect(),
            ip_address_type: (lb.ip_address_type != "ipv4").then(|| lb.ip_address_type.clone()),
            enforce_security_group_inbound_rules_on_private_link_traffic: lb
                .enforce_private_link
                .clone()
                .filter(|e| e != "on" && lb.lb_type == "network" && !lb.security_groups.is_empty()),
        });
    }
}

fn model_tags(tags: &f::TagList) -> Option<Vec<l::Tag>> {
    (!tags.is_empty()).then(|| {
        tags.0
            .iter()
            .map(|(k, v)| l::Tag {
                key: Some(k.clone()),
                value: Some(v.clone()),
            })
            .collect()
    })
}

/// The 16 hex digits that end a pinned ARN, once its stem is checked.
fn pinned_hex(
    at: &At<'_>,
    arn: Option<&String>,
    stem: &str,
) -> Result<Option<String>, ScenarioError> {
    let Some(arn) = arn else {
        return Ok(None);
    };
    let hex = arn.rsplit('/').next().unwrap_or("");
    let ok = hex.len() == 16
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
        && arn.strip_suffix(hex).and_then(|s| s.strip_suffix('/')) == Some(stem);
    if ok {
        Ok(Some(hex.to_string()))
    } else {
        Err(at.err(
            "arn",
            format!("'{arn}' is not an ARN of the form '{stem}/<16 hex digits>'"),
        ))
    }
}

/// A target group (name or ARN) the scenario refers to.
pub(crate) fn target_group_ref(
    names: &Names,
    at: &At<'_>,
    field: &str,
    value: &str,
) -> Result<String, ScenarioError> {
    if value.starts_with("arn:") {
        return Ok(value.to_string());
    }
    names
        .get(at.account, at.region, "targetGroup", value)
        .ok_or_else(|| {
            at.err(
                field,
                format!("no targetGroup named '{value}' in this account and Region"),
            )
        })
}

/// Target groups (without their targets, which need running instances)
/// and listeners, after the load balancers.
pub(crate) fn target_groups_and_listeners(
    world: &Arc<World>,
    p: &Phase<'_>,
    names: &mut Names,
    res: &format::RegionResources,
) -> Result<(), ScenarioError> {
    for (i, g) in res.target_groups.iter().enumerate() {
        let at = p.at(format!("{}.targetGroups[{i}]", p.base));
        let vpc = match &g.vpc {
            Some(v) => Some(one_ref(names, &at, "vpc", "vpc", "vpc", v)?),
            None => None,
        };
        let stem = format!(
            "arn:aws:elasticloadbalancing:{}:{}:targetgroup/{}",
            p.region, p.account, g.name
        );
        let pin = pinned_hex(&at, g.arn.as_ref(), &stem)?;
        let h = &g.health_check;
        let out = Pins::default()
            .value("elbv2-tg-arn", pin.as_ref())
            .run(world, || {
                elbv2(
                    world,
                    &at,
                    l::Request::CreateTargetGroup(l::CreateTargetGroupInput {
                        name: Some(g.name.clone()),
                        target_type: g.target_type.clone(),
                        protocol: g.protocol.clone(),
                        protocol_version: g.protocol_version.clone(),
                        port: g.port,
                        vpc_id: vpc,
                        ip_address_type: g.ip_address_type.clone(),
                        health_check_enabled: h.enabled,
                        health_check_protocol: h.protocol.clone(),
                        health_check_port: h.port.clone(),
                        health_check_path: h.path.clone(),
                        health_check_interval_seconds: h.interval_seconds,
                        health_check_timeout_seconds: h.timeout_seconds,
                        healthy_threshold_count: h.healthy_threshold,
                        unhealthy_threshold_count: h.unhealthy_threshold,
                        matcher: (h.http_code.is_some() || h.grpc_code.is_some()).then(|| {
                            l::Matcher {
                                http_code: h.http_code.clone(),
                                grpc_code: h.grpc_code.clone(),
                            }
                        }),
                        tags: model_tags(&g.tags),
                        ..Default::default()
                    }),
                )
            });
        let l::Response::CreateTargetGroup(out) = out? else {
            return Err(at.err("", "unexpected answer"));
        };
        let arn = out
            .target_groups
            .and_then(|v| v.into_iter().next())
            .and_then(|t| t.target_group_arn)
            .unwrap_or_default();
        if !g.attributes.is_empty() {
            elbv2(
                world,
                &at,
                l::Request::ModifyTargetGroupAttributes(l::ModifyTargetGroupAttributesInput {
                    target_group_arn: Some(arn.clone()),
                    attributes: Some(
                        g.attributes
                            .iter()
                            .map(|(k, v)| l::TargetGroupAttribute {
                                key: Some(k.clone()),
                                value: Some(v.clone()),
                            })
                            .collect(),
                    ),
                }),
            )?;
        }
        names.put(p.account, p.region, "targetGroup", &g.name, arn);
    }
    for (i, x) in res.listeners.iter().enumerate() {
        let at = p.at(format!("{}.listeners[{i}]", p.base));
        let lb = if x.load_balancer.starts_with("arn:") {
            x.load_balancer.clone()
        } else {
            names
                .get(p.account, p.region, "loadBalancer", &x.load_balancer)
                .ok_or_else(|| {
                    at.err(
                        "loadBalancer",
                        format!(
                            "no loadBalancer named '{}' in this account and Region",
                            x.load_balancer
                        ),
                    )
                })?
        };
        let stem = lb.replacen(":loadbalancer/", ":listener/", 1);
        let pin = pinned_hex(&at, x.arn.as_ref(), &stem)?;
        let mut actions = Vec::new();
        for (j, a) in x.default_actions.iter().enumerate() {
            actions.push(action_request(
                names,
                &at,
                &format!("defaultActions[{j}]"),
                a,
            )?);
        }
        let out = Pins::default()
            .value("elbv2-listener-arn", pin.as_ref())
            .run(world, || {
                elbv2(
                    world,
                    &at,
                    l::Request::CreateListener(l::CreateListenerInput {
                        load_balancer_arn: Some(lb.clone()),
                        protocol: x.protocol.clone(),
                        port: x.port,
                        ssl_policy: x.ssl_policy.clone(),
                        certificates: (!x.certificates.is_empty()).then(|| {
                            x.certificates
                                .iter()
                                .map(|c| l::Certificate {
                                    certificate_arn: Some(c.clone()),
                                    is_default: None,
                                })
                                .collect()
                        }),
                        alpn_policy: (!x.alpn_policy.is_empty()).then(|| x.alpn_policy.clone()),
                        default_actions: Some(actions),
                        tags: model_tags(&x.tags),
                        ..Default::default()
                    }),
                )
            });
        let l::Response::CreateListener(out) = out? else {
            return Err(at.err("", "unexpected answer"));
        };
        let listener_arn = out
            .listeners
            .and_then(|v| v.into_iter().next())
            .and_then(|x| x.listener_arn)
            .unwrap_or_default();
        if !x.extra_certificates.is_empty() {
            elbv2(
                world,
                &at,
                l::Request::AddListenerCertificates(l::AddListenerCertificatesInput {
                    listener_arn: Some(listener_arn.clone()),
                    certificates: Some(
                        x.extra_certificates
                            .iter()
                            .map(|c| l::Certificate {
                                certificate_arn: Some(c.clone()),
                                is_default: None,
                            })
                            .collect(),
                    ),
                }),
            )?;
        }
        for (k, r) in x.rules.iter().enumerate() {
            let at = p.at(format!("{}.listeners[{i}].rules[{k}]", p.base));
            let stem = listener_arn.replacen(":listener/", ":listener-rule/", 1);
            let pin = pinned_hex(&at, r.arn.as_ref(), &stem)?;
            let mut actions = Vec::new();
            for (j, a) in r.actions.iter().enumerate() {
                actions.push(action_request(names, &at, &format!("actions[{j}]"), a)?);
            }
            let conditions = r
                .conditions
                .iter()
                .map(condition_request)
                .collect::<Vec<_>>();
            Pins::default()
                .value("elbv2-rule-arn", pin.as_ref())
                .run(world, || {
                    elbv2(
                        world,
                        &at,
                        l::Request::CreateRule(l::CreateRuleInput {
                            listener_arn: Some(listener_arn.clone()),
                            priority: Some(r.priority),
                            conditions: Some(conditions),
                            actions: Some(actions),
                            tags: model_tags(&r.tags),
                            ..Default::default()
                        }),
                    )
                })?;
        }
    }
    Ok(())
}

/// A rule condition as a request gives it (in its field's config).
fn condition_request(c: &f::RuleCondition) -> l::RuleCondition {
    let values = (!c.values.is_empty()).then(|| c.values.clone());
    let mut out = l::RuleCondition {
        field: Some(c.field.clone()),
        ..Default::default()
    };
    match c.field.as_str() {
        "host-header" => out.values = values,
        "path-pattern" => out.values = values,
        "http-header" => {
            out.http_header_config = Some(l::HttpHeaderConditionConfig {
                http_header_name: c.header_name.clone(),
                values,
                regex_values: None,
            })
        }
        "http-request-method" => {
            out.http_request_method_config = Some(l::HttpRequestMethodConditionConfig { values })
        }
        "source-ip" => {
            out.source_ip_config = Some(l::SourceIpConditionConfig {
                values,
                ip_address_type: None,
            })
        }
        "query-string" => {
            out.query_string_config = Some(l::QueryStringConditionConfig {
                values: Some(
                    c.query
                        .iter()
                        .map(|q| l::QueryStringKeyValuePair {
                            key: q.key.clone(),
                            value: Some(q.value.clone()),
                        })
                        .collect(),
                ),
            })
        }
        // Refused by the handler, with AWS's words.
        _ => out.values = values,
    }
    out
}

/// A listener or rule action as a request gives it.
fn action_request(
    names: &Names,
    at: &At<'_>,
    field: &str,
    a: &f::ListenerAction,
) -> Result<l::Action, ScenarioError> {
    let single = match &a.target_group {
        Some(t) => Some(target_group_ref(
            names,
            at,
            &format!("{field}.targetGroup"),
            t,
        )?),
        None => None,
    };
    let mut weighted = Vec::new();
    for (k, w) in a.target_groups.iter().enumerate() {
        weighted.push(l::TargetGroupTuple {
            target_group_arn: Some(target_group_ref(
                names,
                at,
                &format!("{field}.targetGroups[{k}].targetGroup"),
                &w.target_group,
            )?),
            weight: w.weight,
        });
    }
    let forward_config =
        (!weighted.is_empty() || a.stickiness_seconds.is_some()).then(|| l::ForwardActionConfig {
            target_groups: (!weighted.is_empty()).then_some(weighted),
            target_group_stickiness_config: a.stickiness_seconds.map(|d| {
                l::TargetGroupStickinessConfig {
                    enabled: Some(true),
                    duration_seconds: Some(d),
                }
            }),
        });
    Ok(l::Action {
        type_: Some(a.action_type.clone()),
        order: a.order,
        target_group_arn: single,
        forward_config,
        redirect_config: a.redirect.as_ref().map(|r| l::RedirectActionConfig {
            protocol: r.protocol.clone(),
            port: r.port.clone(),
            host: r.host.clone(),
            path: r.path.clone(),
            query: r.query.clone(),
            status_code: Some(r.status_code.clone()),
        }),
        fixed_response_config: a
            .fixed_response
            .as_ref()
            .map(|r| l::FixedResponseActionConfig {
                status_code: Some(r.status_code.clone()),
                content_type: r.content_type.clone(),
                message_body: r.message_body.clone(),
            }),
        authenticate_oidc_config: a.authenticate_oidc.as_ref().map(|o| {
            let s = &o.session;
            l::AuthenticateOidcActionConfig {
                issuer: Some(o.issuer.clone()),
                authorization_endpoint: Some(o.authorization_endpoint.clone()),
                token_endpoint: Some(o.token_endpoint.clone()),
                user_info_endpoint: Some(o.user_info_endpoint.clone()),
                client_id: Some(o.client_id.clone()),
                client_secret: Some(o.client_secret.clone()),
                session_cookie_name: s.session_cookie_name.clone(),
                scope: s.scope.clone(),
                session_timeout: s.session_timeout,
                authentication_request_extra_params: session_params(s),
                on_unauthenticated_request: s.on_unauthenticated_request.clone(),
                use_existing_client_secret: None,
            }
        }),
        authenticate_cognito_config: a.authenticate_cognito.as_ref().map(|c| {
            let s = &c.session;
            l::AuthenticateCognitoActionConfig {
                user_pool_arn: Some(c.user_pool_arn.clone()),
                user_pool_client_id: Some(c.user_pool_client_id.clone()),
                user_pool_domain: Some(c.user_pool_domain.clone()),
                session_cookie_name: s.session_cookie_name.clone(),
                scope: s.scope.clone(),
                session_timeout: s.session_timeout,
                authentication_request_extra_params: session_params(s),
                on_unauthenticated_request: s.on_unauthenticated_request.clone(),
            }
        }),
        jwt_validation_config: a
            .jwt_validation
            .as_ref()
            .map(|j| l::JwtValidationActionConfig {
                jwks_endpoint: Some(j.jwks_endpoint.clone()),
                issuer: Some(j.issuer.clone()),
                additional_claims: (!j.additional_claims.is_empty()).then(|| {
                    j.additional_claims
                        .iter()
                        .map(|c| l::JwtValidationActionAdditionalClaim {
                            format: Some(c.format.clone()),
                            name: Some(c.name.clone()),
                            values: Some(c.values.clone()),
                        })
                        .collect()
                }),
            }),
    })
}

fn session_params(s: &f::AuthSession) -> Option<std::collections::BTreeMap<String, String>> {
    (!s.authentication_request_extra_params.is_empty())
        .then(|| s.authentication_request_extra_params.clone())
}

/// An authenticate action's session as a scenario declares it: AWS's
/// defaults left out.
fn session_export(s: &super::state::AuthSession) -> f::AuthSession {
    use super::actions::{
        DEFAULT_COOKIE, DEFAULT_ON_UNAUTHENTICATED, DEFAULT_SCOPE, DEFAULT_TIMEOUT,
    };
    let unless = |v: &String, d: &str| (v != d).then(|| v.clone());
    f::AuthSession {
        session_cookie_name: unless(&s.cookie_name, DEFAULT_COOKIE),
        scope: unless(&s.scope, DEFAULT_SCOPE),
        session_timeout: (s.timeout != DEFAULT_TIMEOUT).then_some(s.timeout),
        authentication_request_extra_params: s.extra_params.clone(),
        on_unauthenticated_request: unless(&s.on_unauthenticated, DEFAULT_ON_UNAUTHENTICATED),
    }
}

/// The targets of the target groups, once instances run.
pub(crate) fn targets(
    world: &Arc<World>,
    p: &Phase<'_>,
    names: &Names,
    res: &format::RegionResources,
) -> Result<(), ScenarioError> {
    for (i, g) in res.target_groups.iter().enumerate() {
        if g.targets.is_empty() {
            continue;
        }
        let at = p.at(format!("{}.targetGroups[{i}]", p.base));
        let Some(arn) = names.get(p.account, p.region, "targetGroup", &g.name) else {
            continue;
        };
        let mut list = Vec::new();
        for (j, t) in g.targets.iter().enumerate() {
            let id = match g.target_type.as_deref().unwrap_or("instance") {
                "instance" => one_ref(
                    names,
                    &at,
                    &format!("targets[{j}].id"),
                    "instance",
                    "i",
                    &t.id,
                )?,
                "alb" if !t.id.starts_with("arn:") => names
                    .get(p.account, p.region, "loadBalancer", &t.id)
                    .ok_or_else(|| {
                        at.err(
                            &format!("targets[{j}].id"),
                            format!(
                                "no loadBalancer named '{}' in this account and Region",
                                t.id
                            ),
                        )
                    })?,
                _ => t.id.clone(),
            };
            list.push((id, t));
        }
        elbv2(
            world,
            &at,
            l::Request::RegisterTargets(l::RegisterTargetsInput {
                target_group_arn: Some(arn.clone()),
                targets: Some(
                    list.iter()
                        .map(|(id, t)| l::TargetDescription {
                            id: Some(id.clone()),
                            port: t.port,
                            availability_zone: t.availability_zone.clone(),
                            quic_server_id: None,
                        })
                        .collect(),
                ),
            }),
        )?;
        let mut ctx = world.context(&at.who(), "scenario");
        let port_default = ctx
            .acct()
            .elbv2
            .target_groups
            .get(&arn)
            .and_then(|g| g.port);
        for (j, (id, t)) in list.iter().enumerate() {
            if t.unhealthy {
                let port = if g.target_type.as_deref() == Some("lambda") {
                    None
                } else {
                    t.port.or(port_default)
                };
                super::targets::set_failing(&mut ctx, &arn, id, port, true);
            }
            if let Some(local) = &t.local {
                if local.parse::<std::net::SocketAddr>().is_err() {
                    return Err(at.err(
                        &format!("targets[{j}].local"),
                        format!(
                            "'{local}' is not a local address (host:port, e.g. 127.0.0.1:9000)"
                        ),
                    ));
                }
                super::targets::bind(&mut ctx, &arn, id, t.port, Some(local.clone()))
                    .map_err(|e| at.err(&format!("targets[{j}]"), e))?;
            }
        }
    }
    Ok(())
}

/// This account's target groups (with their targets) and listeners (with
/// their rules).
pub(crate) fn export_targets_and_listeners(a: &Account, out: &mut f::RegionResources) {
    let st = &a.elbv2;
    // DeleteVpc does not wait for the VPC's target groups (nor does AWS's);
    // one left in a deleted VPC could not be created again, so the export
    // leaves it out.
    let live = |g: &&super::state::TargetGroup| {
        g.vpc_id
            .as_ref()
            .is_none_or(|v| a.ec2.vpcs.contains_key(v.as_str()))
    };
    for g in st.target_groups.values().filter(live) {
        let proto = g.protocol.as_deref();
        let version = g.protocol_version.as_deref();
        let base = super::target_groups::default_health(&g.target_type, proto, version, None);
        let h = &g.health;
        let hc_protocol = (h.protocol != base.protocol)
            .then(|| h.protocol.clone())
            .flatten();
        let d = super::target_groups::default_health(
            &g.target_type,
            proto,
            version,
            hc_protocol.as_deref(),
        );
        let differs =
            |a: &Option<String>, b: &Option<String>| (a != b).then(|| a.clone()).flatten();
        let differs_i = |a: i32, b: i32| (a != b).then_some(a);
        let defaults = super::target_groups::default_attributes(&g.target_type, proto);
        out.target_groups.push(f::TargetGroup {
            name: g.name.clone(),
            arn: Some(g.arn.clone()),
            target_type: Some(g.target_type.clone()),
            protocol: g.protocol.clone(),
            protocol_version: (proto.is_some_and(|p| p.starts_with("HTTP"))
                && version != Some("HTTP1"))
            .then(|| g.protocol_version.clone())
            .flatten(),
            port: g.port,
            vpc: g.vpc_id.clone(),
            ip_address_type: (g.ip_address_type.as_deref() != Some("ipv4"))
                .then(|| g.ip_address_type.clone())
                .flatten(),
            health_check: f::HealthCheck {
                enabled: (h.enabled != d.enabled).then_some(h.enabled),
                protocol: hc_protocol,
                port: differs(&h.port, &d.port),
                path: differs(&h.path, &d.path),
                interval_seconds: differs_i(h.interval, d.interval),
                timeout_seconds: differs_i(h.timeout, d.timeout),
                healthy_threshold: differs_i(h.healthy, d.healthy),
                unhealthy_threshold: differs_i(h.unhealthy, d.unhealthy),
                http_code: differs(&h.http_code, &d.http_code),
                grpc_code: differs(&h.grpc_code, &d.grpc_code),
            },
            attributes: g
                .attributes
                .iter()
                .filter(|(k, v)| defaults.get(*k) != Some(*v))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            tags: f::TagList(g.tags.clone()),
            // Settled states: a draining target is as good as gone [U].
            targets: g
                .targets
                .iter()
                .filter(|t| t.state != "draining")
                .map(|t| f::Target {
                    id: t.id.clone(),
                    port: (t.port != g.port).then_some(t.port).flatten(),
                    availability_zone: t.availability_zone.clone(),
                    unhealthy: t.failing,
                    local: t.local.clone(),
                })
                .collect(),
        });
    }
    for x in st.listeners.values() {
        out.listeners.push(f::Listener {
            load_balancer: st
                .load_balancers
                .get(&x.load_balancer_arn)
                .map(|lb| lb.name.clone())
                .unwrap_or_else(|| x.load_balancer_arn.clone()),
            arn: Some(x.arn.clone()),
            protocol: x.protocol.clone(),
            port: x.port,
            ssl_policy: (x.ssl_policy.as_deref() != Some(super::listeners::DEFAULT_SSL_POLICY))
                .then(|| x.ssl_policy.clone())
                .flatten(),
            certificates: x.certificates.clone(),
            extra_certificates: x.extra_certificates.clone(),
            alpn_policy: x.alpn_policy.clone(),
            default_actions: x
                .default_actions
                .iter()
                .map(|a| action_export(st, a))
                .collect(),
            tags: f::TagList(x.tags.clone()),
            rules: {
                let mut rules: Vec<&super::state::Rule> = st
                    .rules
                    .values()
                    .filter(|r| r.listener_arn == x.arn)
                    .collect();
                rules.sort_by_key(|r| r.priority);
                rules
                    .into_iter()
                    .map(|r| f::ListenerRule {
                        arn: Some(r.arn.clone()),
                        priority: r.priority,
                        conditions: r
                            .conditions
                            .iter()
                            .map(|c| f::RuleCondition {
                                field: c.field.clone(),
                                values: c.values.clone(),
                                header_name: c.header_name.clone(),
                                query: c
                                    .query
                                    .iter()
                                    .map(|(k, v)| f::QueryPair {
                                        key: k.clone(),
                                        value: v.clone(),
                                    })
                                    .collect(),
                            })
                            .collect(),
                        actions: r.actions.iter().map(|a| action_export(st, a)).collect(),
                        tags: f::TagList(r.tags.clone()),
                    })
                    .collect()
            },
        });
    }
}

/// A listener's or rule's action as a scenario declares it (target groups
/// by name).
fn action_export(st: &super::state::State, a: &super::state::Action) -> f::ListenerAction {
    let name_of = |arn: &String| {
        st.target_groups
            .get(arn)
            .map(|g| g.name.clone())
            .unwrap_or_else(|| arn.clone())
    };

    let single = a.forward.len() == 1 && a.forward[0].1 == Some(1);
    f::ListenerAction {
        action_type: a.action_type.clone(),
        order: a.order,
        target_group: single.then(|| name_of(&a.forward[0].0)),
        target_groups: if single {
            Vec::new()
        } else {
            a.forward
                .iter()
                .map(|(arn, w)| f::WeightedTargetGroup {
                    target_group: name_of(arn),
                    weight: *w,
                })
                .collect()
        },
        stickiness_seconds: a.stickiness.filter(|s| s.0).and_then(|s| s.1),
        redirect: a.redirect.as_ref().map(|r| f::Redirect {
            protocol: r.protocol.clone(),
            port: r.port.clone(),
            host: r.host.clone(),
            path: r.path.clone(),
            query: r.query.clone(),
            status_code: r.status_code.clone(),
        }),
        fixed_response: a.fixed_response.as_ref().map(|r| f::FixedResponse {
            status_code: r.status_code.clone(),
            content_type: r.content_type.clone(),
            message_body: r.message_body.clone(),
        }),
        authenticate_oidc: a.oidc.as_ref().map(|o| f::AuthenticateOidc {
            issuer: o.issuer.clone(),
            authorization_endpoint: o.authorization_endpoint.clone(),
            token_endpoint: o.token_endpoint.clone(),
            user_info_endpoint: o.user_info_endpoint.clone(),
            client_id: o.client_id.clone(),
            // AWS never returns it, but the file must load back: the export
            // is the account's own, like the rest of its configuration.
            client_secret: o.client_secret.clone(),
            session: session_export(&o.session),
        }),
        authenticate_cognito: a.cognito.as_ref().map(|c| f::AuthenticateCognito {
            user_pool_arn: c.user_pool_arn.clone(),
            user_pool_client_id: c.user_pool_client_id.clone(),
            user_pool_domain: c.user_pool_domain.clone(),
            session: session_export(&c.session),
        }),
        jwt_validation: a.jwt.as_ref().map(|j| f::JwtValidation {
            jwks_endpoint: j.jwks_endpoint.clone(),
            issuer: j.issuer.clone(),
            additional_claims: j
                .claims
                .iter()
                .map(|c| f::JwtClaim {
                    format: c.format.clone(),
                    name: c.name.clone(),
                    values: c.values.clone(),
                })
                .collect(),
        }),
    }
}
