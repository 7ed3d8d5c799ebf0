//! Gateways: CreateGateway, DescribeGateway, UpdateGateway, DeleteGateway,
//! ListGateways, AssociateGatewayWithCluster, DisassociateGatewayFromCluster,
//! ListGatewayClusterAssociations, DescribeGatewayResources,
//! DescribeGatewayRoute, ListGatewayRoutes — and the gateway routes a
//! service's `gatewayConnectors` (CreateService, UpdateService) make.
//!
//! A gateway is ACTIVE when created and allocates its shared load balancer
//! only once a service uses it (the model's CreateGateway text); a route
//! moves `CREATE_IN_PROGRESS` → `ACTIVE` and `DELETE_IN_PROGRESS` → gone on
//! the world clock, and an association being removed stays
//! `DISASSOCIATING` until its cluster's routes are gone.
//!
//! The load balancer, listener and rule ARNs a gateway reports are its own:
//! the emulator does not create them in ELBv2 [U]. Guesses are marked `[U]`.

use super::clusters;
use super::common::{arn, check_max, client, event, invalid, page, short_name, R};
use super::state::{GatewayAssociationRec, GatewayRec, GatewayRouteRec};
use super::task_definitions;
use crate::model::ecs as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

/// UPDATE_IN_PROGRESS → UPDATE_COMPLETE [U].
const UPDATE_MS: i64 = 10_000;
/// CREATE_IN_PROGRESS → ACTIVE, DELETE_IN_PROGRESS → gone [U].
const ROUTE_MS: i64 = 15_000;
/// A cluster's gateways (the model: "A single cluster can be associated
/// with up to 5 gateways").
const MAX_PER_CLUSTER: usize = 5;

fn not_found() -> AwsError {
    AwsError::new("GatewayNotFoundException", "Gateway not found.") // message [U]
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The name of the gateway a name or ARN refers to, if it exists.
fn existing(ctx: &Ctx, reference: &str) -> R<String> {
    if reference.is_empty() {
        return Err(invalid("gateway must not be empty."));
    }
    let name = if reference.starts_with("arn:") {
        let prefix = arn(ctx, "gateway/");
        reference
            .strip_prefix(&prefix)
            .ok_or_else(not_found)?
            .to_string()
    } else {
        reference.to_string()
    };
    if ctx.acct().ecs.gateways.contains_key(&name) {
        Ok(name)
    } else {
        Err(not_found())
    }
}

fn check_role(role: &str) -> R<()> {
    let ok = role
        .strip_prefix("arn:aws:iam::")
        .and_then(|r| r.split_once(":role/"))
        .is_some_and(|(acct, name)| {
            acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty()
        });
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "infrastructureRoleArn {role} is not a valid IAM role ARN."
        )))
    }
}

fn check_enum(what: &str, v: &Option<String>, allowed: &[&str]) -> R<()> {
    match v {
        Some(v) if !allowed.contains(&v.as_str()) => Err(invalid(format!(
            "Invalid {what} {v}: valid values are {}.",
            allowed.join(", ")
        ))),
        _ => Ok(()),
    }
}

fn check_common_alb(
    ctx: &Ctx,
    max_alb: Option<i32>,
    desync: &Option<String>,
    logs: &Option<m::GatewayElbAccessLogConfiguration>,
    rules: &Option<m::GatewayAlbTestTrafficRules>,
    sg: Option<&str>,
) -> R<()> {
    if max_alb.is_some_and(|n| n < 1) {
        return Err(invalid("maxAlbCount must be at least 1."));
    }
    check_enum("httpDesync", desync, &["monitor", "defensive", "strictest"])?;
    if let Some(s3) = logs
        .as_ref()
        .and_then(|l| l.destination.as_ref())
        .and_then(|d| d.s3.as_ref())
    {
        if s3.bucket.as_deref().unwrap_or("").is_empty() {
            return Err(invalid(
                "accessLogs.destination.s3.bucket must not be empty.",
            ));
        }
    }
    if let Some(h) = rules.as_ref().and_then(|r| r.header.as_ref()) {
        if h.name.as_deref().unwrap_or("").is_empty() || h.values.as_ref().is_none_or(Vec::is_empty)
        {
            return Err(invalid(
                "testTrafficRules.header needs a name and at least one value.",
            ));
        }
    }
    if let Some(sg) = sg {
        if !ctx.acct().ec2.security_groups.contains_key(sg) {
            return Err(invalid(format!(
                "The security group '{sg}' does not exist."
            )));
        }
    }
    Ok(())
}

pub(super) fn create(ctx: &mut Ctx, i: m::CreateGatewayRequest) -> R<m::CreateGatewayResponse> {
    let name = i.name.clone().unwrap_or_default();
    if !valid_name(&name) {
        return Err(invalid(
            "Gateway name must be up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens.",
        ));
    }
    if let Some(g) = ctx.acct().ecs.gateways.get(&name) {
        if i.client_token.is_some() && g.client_token == i.client_token {
            // The model: "If this token matches a previous request, the
            // service ignores the request, but does not return an error."
            return Ok(m::CreateGatewayResponse {
                gateway_arn: g.model.gateway_arn.clone(),
                name: Some(name),
                status: g.model.status.clone(),
            });
        }
        // [U] code and message
        return Err(invalid(format!("A gateway named {name} already exists.")));
    }
    let role = i.infrastructure_role_arn.clone().unwrap_or_default();
    check_role(&role)?;
    let Some(alb) = i.configuration.clone().and_then(|c| c.host_shared_alb) else {
        // The model: exactly one configuration variant must be set.
        return Err(invalid(
            "configuration must set exactly one gateway type (hostSharedAlb).",
        ));
    };
    let mut net = alb.network_configuration.clone().unwrap_or_default();
    check_enum(
        "ipAddressType",
        &net.ip_address_type,
        &["ipv4", "dualstack", "dualstack-without-public-ipv4"],
    )?;
    check_enum("scheme", &alb.scheme, &["internet-facing", "internal"])?;
    // The model: "The gateway supports only HTTPS at port 443."
    if alb.port.is_some_and(|p| p != 443) {
        return Err(invalid("The gateway supports only HTTPS at port 443."));
    }
    if alb.protocol.as_deref().is_some_and(|p| p != "HTTPS") {
        return Err(invalid("The gateway supports only HTTPS at port 443."));
    }
    check_enum("propagateTags", &i.propagate_tags, &["NONE", "GATEWAY"])?;
    check_common_alb(
        ctx,
        alb.max_alb_count,
        &alb.http_desync,
        &alb.access_logs,
        &alb.test_traffic_rules,
        net.inbound_security_group.as_deref(),
    )?;
    let ec2 = &ctx.acct().ec2;
    let subnets = match net.subnets.take().filter(|s| !s.is_empty()) {
        Some(s) => {
            let mut vpc = None;
            for id in &s {
                let Some(sub) = ec2.subnets.get(id) else {
                    return Err(invalid(format!("The subnet ID '{id}' does not exist.")));
                };
                if vpc.as_ref().is_some_and(|v| *v != sub.vpc_id) {
                    return Err(invalid("The subnets must all belong to the same VPC."));
                }
                vpc = Some(sub.vpc_id.clone());
            }
            s
        }
        // The model: "The default is the subnets in the default VPC."
        None => ec2
            .subnets
            .iter()
            .filter(|(_, s)| s.default_for_az)
            .map(|(id, _)| id.clone())
            .collect(),
    };
    let tags = i.tags.clone().unwrap_or_default();
    if tags.len() > 50
        || tags
            .iter()
            .any(|t| t.key.as_deref().is_none_or(str::is_empty))
    {
        return Err(invalid(
            "Tags must have non-empty keys, at most 50 of them.",
        ));
    }
    let scheme = alb
        .scheme
        .clone()
        .unwrap_or_else(|| "internet-facing".into());
    let now = ctx.now();
    // [U] ARN `gateway/<name>`: names are unique in the account and Region.
    let gateway_arn = arn(ctx, &format!("gateway/{name}"));
    // Defaults from the model: deletion protection on, dualstack,
    // internet-facing, port 443 HTTPS, 10 load balancers, defensive desync,
    // tags propagated.
    let model = m::Gateway {
        gateway_arn: Some(gateway_arn.clone()),
        name: Some(name.clone()),
        status: Some("ACTIVE".into()),
        status_reason: None,
        failures: None,
        infrastructure_role_arn: Some(role),
        deletion_protection: Some(i.deletion_protection.unwrap_or(true)),
        configuration: Some(m::DescribeGatewayConfiguration {
            host_shared_alb: Some(m::DescribeGatewayAlbConfiguration {
                network_configuration: Some(m::GatewayElbNetworkConfiguration {
                    inbound_security_group: net.inbound_security_group,
                    subnets: Some(subnets),
                    ip_address_type: Some(
                        net.ip_address_type.unwrap_or_else(|| "dualstack".into()),
                    ),
                }),
                scheme: Some(scheme.clone()),
                access_logs: alb.access_logs,
                web_acl_arn: alb.web_acl_arn,
                port: Some(443),
                protocol: Some("HTTPS".into()),
                max_alb_count: Some(alb.max_alb_count.unwrap_or(10)),
                current_alb_count: Some(0),
                http_desync: Some(alb.http_desync.unwrap_or_else(|| "defensive".into())),
                test_traffic_rules: alb.test_traffic_rules,
            }),
        }),
        // The model: derived from the scheme, immutable.
        access_type: Some(
            if scheme == "internal" {
                "PRIVATE"
            } else {
                "PUBLIC"
            }
            .into(),
        ),
        propagate_tags: Some(i.propagate_tags.unwrap_or_else(|| "GATEWAY".into())),
        tags: Some(tags),
        created_at: Some(now),
        updated_at: Some(now),
    };
    ctx.acct_mut().ecs.gateways.insert(
        name.clone(),
        GatewayRec {
            model,
            client_token: i.client_token,
            alb: None,
        },
    );
    ctx.emit(event("gateway", &name, "created", Some("ACTIVE")));
    Ok(m::CreateGatewayResponse {
        gateway_arn: Some(gateway_arn),
        name: Some(name),
        status: Some("ACTIVE".into()),
    })
}

pub(super) fn describe(
    ctx: &mut Ctx,
    i: m::DescribeGatewayRequest,
) -> R<m::DescribeGatewayResponse> {
    let name = existing(ctx, i.gateway.as_deref().unwrap_or(""))?;
    let g = &ctx.acct().ecs.gateways[&name];
    Ok(m::DescribeGatewayResponse {
        gateway: Some(g.model.clone()),
    })
}

fn finish_update(ctx: &mut Ctx, name: String, at: crate::wire::Timestamp) {
    if let Some(g) = ctx.acct_mut().ecs.gateways.get_mut(&name) {
        if g.model.status.as_deref() == Some("UPDATE_IN_PROGRESS") && g.model.updated_at == Some(at)
        {
            g.model.status = Some("UPDATE_COMPLETE".into());
            ctx.emit(event("gateway", &name, "updated", Some("UPDATE_COMPLETE")));
        }
    }
}

pub(super) fn update(ctx: &mut Ctx, i: m::UpdateGatewayRequest) -> R<m::UpdateGatewayResponse> {
    let name = existing(ctx, i.gateway.as_deref().unwrap_or(""))?;
    if let Some(r) = &i.infrastructure_role_arn {
        check_role(r)?;
    }
    check_enum("propagateTags", &i.propagate_tags, &["NONE", "GATEWAY"])?;
    let alb = match &i.configuration {
        Some(c) => match &c.host_shared_alb {
            Some(a) => Some(a.clone()),
            // The model: the variant must match the gateway's type.
            None => {
                return Err(invalid(
                    "configuration must set hostSharedAlb, the type of this gateway.",
                ))
            }
        },
        None => None,
    };
    if let Some(a) = &alb {
        check_common_alb(
            ctx,
            a.max_alb_count,
            &a.http_desync,
            &a.access_logs,
            &a.test_traffic_rules,
            a.network_configuration
                .as_ref()
                .and_then(|n| n.inbound_security_group.as_deref()),
        )?;
        let current = i32::from(ctx.acct().ecs.gateways[&name].alb.is_some());
        if a.max_alb_count.is_some_and(|n| n < current) {
            return Err(invalid(format!(
                "maxAlbCount cannot be lower than the {current} load balancers the gateway has."
            )));
        }
    }
    let now = ctx.now();
    let g = ctx.acct_mut().ecs.gateways.get_mut(&name).expect("exists");
    let m = &mut g.model;
    if let Some(r) = i.infrastructure_role_arn {
        m.infrastructure_role_arn = Some(r);
    }
    if let Some(d) = i.deletion_protection {
        m.deletion_protection = Some(d);
    }
    if let Some(p) = i.propagate_tags {
        m.propagate_tags = Some(p);
    }
    if let (Some(a), Some(c)) = (
        alb,
        m.configuration
            .as_mut()
            .and_then(|c| c.host_shared_alb.as_mut()),
    ) {
        if let Some(sg) = a
            .network_configuration
            .and_then(|n| n.inbound_security_group)
        {
            c.network_configuration
                .get_or_insert_with(Default::default)
                .inbound_security_group = Some(sg);
        }
        if a.max_alb_count.is_some() {
            c.max_alb_count = a.max_alb_count;
        }
        if a.web_acl_arn.is_some() {
            c.web_acl_arn = a.web_acl_arn;
        }
        if a.access_logs.is_some() {
            c.access_logs = a.access_logs;
        }
        if a.http_desync.is_some() {
            c.http_desync = a.http_desync;
        }
        if a.test_traffic_rules.is_some() {
            c.test_traffic_rules = a.test_traffic_rules;
        }
    }
    // The model: "the gateway reports a status of UPDATE_IN_PROGRESS until
    // the update completes."
    m.status = Some("UPDATE_IN_PROGRESS".into());
    m.updated_at = Some(now);
    let out = m::UpdateGatewayResponse {
        gateway_arn: m.gateway_arn.clone(),
        name: Some(name.clone()),
        status: m.status.clone(),
    };
    ctx.emit(event(
        "gateway",
        &name,
        "updated",
        Some("UPDATE_IN_PROGRESS"),
    ));
    ctx.schedule(UPDATE_MS, move |ctx| finish_update(ctx, name, now));
    Ok(out)
}

pub(super) fn delete(ctx: &mut Ctx, i: m::DeleteGatewayRequest) -> R<m::DeleteGatewayResponse> {
    let name = existing(ctx, i.gateway.as_deref().unwrap_or(""))?;
    let st = &ctx.acct().ecs;
    // The model: deletion protection must be off and no association may be
    // ACTIVE or DISASSOCIATING (codes and messages [U]).
    if st.gateways[&name].model.deletion_protection == Some(true) {
        return Err(invalid(
            "The gateway has deletion protection enabled. Disable it with UpdateGateway before deleting the gateway.",
        ));
    }
    if st
        .gateway_associations
        .values()
        .any(|a| a.gateway == name && a.status != "INACTIVE")
    {
        return Err(client(
            "The gateway is associated with one or more clusters. Disassociate all clusters before deleting the gateway.",
        ));
    }
    let st = &mut ctx.acct_mut().ecs;
    let g = st.gateways.remove(&name).expect("exists");
    st.gateway_associations.retain(|_, a| a.gateway != name);
    ctx.emit(event("gateway", &name, "deleted", Some("DELETED")));
    Ok(m::DeleteGatewayResponse {
        gateway_arn: g.model.gateway_arn,
        name: Some(name),
        status: Some("DELETED".into()),
    })
}

pub(super) fn list(ctx: &mut Ctx, i: m::ListGatewaysRequest) -> R<m::ListGatewaysResponse> {
    let max = check_max(i.max_results)?;
    let names = i.names.unwrap_or_default();
    // The model: up to 10 names, up to 5 statuses.
    if names.len() > 10 {
        return Err(invalid("names can contain at most 10 gateway names."));
    }
    let statuses = i.status.unwrap_or_default();
    if statuses.len() > 5 {
        return Err(invalid("status can contain at most 5 statuses."));
    }
    for s in &statuses {
        check_enum(
            "status",
            &Some(s.clone()),
            &[
                "ACTIVE",
                "UPDATE_IN_PROGRESS",
                "UPDATE_COMPLETE",
                "UPDATE_FAILED",
                "DELETED",
            ],
        )?;
    }
    let items = ctx
        .acct()
        .ecs
        .gateways
        .iter()
        .filter(|(n, _)| names.is_empty() || names.contains(n))
        .filter(|(_, g)| {
            statuses.is_empty() || statuses.iter().any(|s| g.model.status.as_ref() == Some(s))
        })
        .map(|(n, g)| {
            (
                n.clone(),
                m::GatewaySummary {
                    gateway_arn: g.model.gateway_arn.clone(),
                    name: Some(n.clone()),
                    status: g.model.status.clone(),
                    created_at: g.model.created_at,
                },
            )
        })
        .collect();
    let (list, next) = page(items, max, i.next_token.as_deref())?;
    Ok(m::ListGatewaysResponse {
        gateways: Some(list),
        next_token: next,
    })
}

fn assoc_key(gateway: &str, cluster: &str) -> String {
    format!("{gateway}/{cluster}")
}

pub(super) fn associate(
    ctx: &mut Ctx,
    i: m::AssociateGatewayWithClusterRequest,
) -> R<m::AssociateGatewayWithClusterResponse> {
    let name = existing(ctx, i.gateway.as_deref().unwrap_or(""))?;
    if i.cluster.as_deref().unwrap_or("").is_empty() {
        return Err(invalid("cluster must not be empty."));
    }
    let cluster = clusters::active(ctx, i.cluster.as_deref())?;
    let st = &ctx.acct().ecs;
    let key = assoc_key(&name, &cluster);
    match st.gateway_associations.get(&key).map(|a| a.status.as_str()) {
        // [U] codes and messages
        Some("ACTIVE") => {
            return Err(invalid(format!(
                "The gateway {name} is already associated with the cluster {cluster}."
            )))
        }
        Some("DISASSOCIATING") => {
            return Err(client(format!(
                "The gateway {name} is being disassociated from the cluster {cluster}; try again once it is done."
            )))
        }
        _ => {}
    }
    let count = st
        .gateway_associations
        .values()
        .filter(|a| a.cluster == cluster && a.status != "INACTIVE")
        .count();
    if count >= MAX_PER_CLUSTER {
        return Err(invalid(format!(
            "A cluster can be associated with at most {MAX_PER_CLUSTER} gateways."
        )));
    }
    let gateway_arn = st.gateways[&name].model.gateway_arn.clone();
    ctx.acct_mut().ecs.gateway_associations.insert(
        key.clone(),
        GatewayAssociationRec {
            gateway: name,
            cluster: cluster.clone(),
            status: "ACTIVE".into(),
        },
    );
    ctx.emit(event(
        "gateway-association",
        &key,
        "created",
        Some("ACTIVE"),
    ));
    Ok(m::AssociateGatewayWithClusterResponse {
        gateway_arn,
        cluster_arn: Some(arn(ctx, &format!("cluster/{cluster}"))),
        status: Some("ACTIVE".into()),
    })
}

/// Ends the associations being removed whose cluster has no route of their
/// gateway left.
fn settle_associations(ctx: &mut Ctx) {
    let st = &mut ctx.acct_mut().ecs;
    let routes = &st.gateway_routes;
    let mut done = Vec::new();
    for (k, a) in st.gateway_associations.iter_mut() {
        if a.status == "DISASSOCIATING"
            && !routes
                .values()
                .any(|r| r.gateway == a.gateway && r.cluster == a.cluster)
        {
            a.status = "INACTIVE".into();
            done.push(k.clone());
        }
    }
    for k in done {
        ctx.emit(event(
            "gateway-association",
            &k,
            "deleted",
            Some("INACTIVE"),
        ));
    }
}

pub(super) fn disassociate(
    ctx: &mut Ctx,
    i: m::DisassociateGatewayFromClusterRequest,
) -> R<m::DisassociateGatewayFromClusterResponse> {
    let name = existing(ctx, i.gateway.as_deref().unwrap_or(""))?;
    if i.cluster.as_deref().unwrap_or("").is_empty() {
        return Err(invalid("cluster must not be empty."));
    }
    let cluster = clusters::name_of(i.cluster.as_deref());
    if !ctx.acct().ecs.clusters.contains_key(&cluster) {
        return Err(super::common::cluster_not_found());
    }
    let key = assoc_key(&name, &cluster);
    let st = &mut ctx.acct_mut().ecs;
    let Some(a) = st
        .gateway_associations
        .get_mut(&key)
        .filter(|a| a.status == "ACTIVE")
    else {
        return Err(AwsError::new(
            "ResourceNotFoundException",
            format!("The gateway {name} is not associated with the cluster {cluster}."),
        ));
    };
    // The model: DISASSOCIATING until the cluster's routes are removed.
    a.status = "DISASSOCIATING".into();
    let gateway_arn = st.gateways[&name].model.gateway_arn.clone();
    ctx.emit(event(
        "gateway-association",
        &key,
        "state-changed",
        Some("DISASSOCIATING"),
    ));
    ctx.schedule(ROUTE_MS, settle_associations);
    Ok(m::DisassociateGatewayFromClusterResponse {
        gateway_arn,
        cluster_arn: Some(arn(ctx, &format!("cluster/{cluster}"))),
        status: Some("DISASSOCIATING".into()),
    })
}

pub(super) fn list_associations(
    ctx: &mut Ctx,
    i: m::ListGatewayClusterAssociationsRequest,
) -> R<m::ListGatewayClusterAssociationsResponse> {
    let max = check_max(i.max_results)?;
    let gateway = match i.gateway.as_deref().filter(|g| !g.is_empty()) {
        Some(g) => Some(existing(ctx, g)?),
        None => None,
    };
    let cluster = i
        .cluster
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|c| clusters::name_of(Some(c)));
    let statuses = i.status.unwrap_or_default();
    if statuses.len() > 3 {
        return Err(invalid("status can contain at most 3 statuses."));
    }
    for s in &statuses {
        check_enum(
            "status",
            &Some(s.clone()),
            &["ACTIVE", "DISASSOCIATING", "INACTIVE"],
        )?;
    }
    let st = &ctx.acct().ecs;
    let items = st
        .gateway_associations
        .iter()
        .filter(|(_, a)| gateway.as_ref().is_none_or(|g| *g == a.gateway))
        .filter(|(_, a)| cluster.as_ref().is_none_or(|c| *c == a.cluster))
        .filter(|(_, a)| statuses.is_empty() || statuses.contains(&a.status))
        .map(|(k, a)| {
            (
                k.clone(),
                m::GatewayClusterAssociationSummary {
                    gateway_arn: st
                        .gateways
                        .get(&a.gateway)
                        .and_then(|g| g.model.gateway_arn.clone()),
                    cluster_arn: Some(arn(ctx, &format!("cluster/{}", a.cluster))),
                    status: Some(a.status.clone()),
                },
            )
        })
        .collect();
    let (list, next) = page(items, max, i.next_token.as_deref())?;
    Ok(m::ListGatewayClusterAssociationsResponse {
        gateway_cluster_associations: Some(list),
        next_token: next,
    })
}

pub(super) fn describe_resources(
    ctx: &mut Ctx,
    i: m::DescribeGatewayResourcesRequest,
) -> R<m::DescribeGatewayResourcesResponse> {
    let name = existing(ctx, i.gateway.as_deref().unwrap_or(""))?;
    // The model: at most 20, 10 when not given.
    let max = match i.max_results {
        None => 10,
        Some(n) if (1..=20).contains(&n) => n as usize,
        Some(n) => {
            return Err(invalid(format!(
                "maxResults must be between 1 and 20 (got {n})."
            )))
        }
    };
    let st = &ctx.acct().ecs;
    let g = &st.gateways[&name];
    let mut items = Vec::new();
    if let Some(alb) = &g.alb {
        let mut alb = alb.clone();
        alb.gateway_route_arns = Some(
            st.gateway_routes
                .iter()
                .filter(|(_, r)| r.gateway == name)
                .map(|(a, _)| a.clone())
                .collect(),
        );
        items.push((alb.load_balancer_arn.clone().unwrap_or_default(), alb));
    }
    let (list, next) = page(items, max, i.next_token.as_deref())?;
    Ok(m::DescribeGatewayResourcesResponse {
        gateway_resources: Some(m::GatewayResources {
            gateway_arn: g.model.gateway_arn.clone(),
            resources: Some(m::GatewayInfrastructureResources {
                host_shared_alb: Some(list),
            }),
        }),
        next_token: next,
    })
}

pub(super) fn describe_route(
    ctx: &mut Ctx,
    i: m::DescribeGatewayRouteRequest,
) -> R<m::DescribeGatewayRouteResponse> {
    let a = i.gateway_route_arn.unwrap_or_default();
    if a.is_empty() {
        return Err(invalid("gatewayRouteArn must not be empty."));
    }
    let r = ctx.acct().ecs.gateway_routes.get(&a).ok_or_else(|| {
        AwsError::new(
            "ResourceNotFoundException",
            format!("The gateway route {a} was not found."),
        )
    })?;
    Ok(m::DescribeGatewayRouteResponse {
        gateway_route: Some(r.model.clone()),
    })
}

pub(super) fn list_routes(
    ctx: &mut Ctx,
    i: m::ListGatewayRoutesRequest,
) -> R<m::ListGatewayRoutesResponse> {
    let max = check_max(i.max_results)?;
    let gateway = match i.gateway.as_deref().filter(|g| !g.is_empty()) {
        Some(g) => Some(existing(ctx, g)?),
        None => None,
    };
    let cluster = i
        .cluster
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|c| clusters::name_of(Some(c)));
    // A name matches that service in every cluster; an ARN one service.
    let service = i.service.as_deref().filter(|s| !s.is_empty()).map(|s| {
        let short = short_name(s, "service");
        short.rsplit('/').next().unwrap_or(short).to_string()
    });
    let service_arn = i.service.clone().filter(|s| s.starts_with("arn:"));
    let statuses = i.status.unwrap_or_default();
    if statuses.len() > 7 {
        return Err(invalid("status can contain at most 7 statuses."));
    }
    let st = &ctx.acct().ecs;
    let items = st
        .gateway_routes
        .iter()
        .filter(|(_, r)| gateway.as_ref().is_none_or(|g| *g == r.gateway))
        .filter(|(_, r)| cluster.as_ref().is_none_or(|c| *c == r.cluster))
        .filter(|(_, r)| {
            service
                .as_ref()
                .is_none_or(|s| r.service.rsplit('/').next() == Some(s.as_str()))
        })
        .filter(|(_, r)| {
            service_arn
                .as_ref()
                .is_none_or(|s| r.model.service_arn.as_ref() == Some(s))
        })
        .filter(|(_, r)| {
            i.service_container_port_name
                .as_ref()
                .is_none_or(|p| r.model.service_container_port_name.as_ref() == Some(p))
        })
        .filter(|(_, r)| {
            statuses.is_empty() || statuses.iter().any(|s| r.model.status.as_ref() == Some(s))
        })
        .map(|(a, r)| {
            (
                a.clone(),
                m::GatewayRouteSummary {
                    gateway_route_arn: Some(a.clone()),
                    gateway_arn: st
                        .gateways
                        .get(&r.gateway)
                        .and_then(|g| g.model.gateway_arn.clone()),
                    cluster_arn: Some(arn(ctx, &format!("cluster/{}", r.cluster))),
                    service_arn: r.model.service_arn.clone(),
                    service_container_port_name: r.model.service_container_port_name.clone(),
                    status: r.model.status.clone(),
                },
            )
        })
        .collect();
    let (list, next) = page(items, max, i.next_token.as_deref())?;
    Ok(m::ListGatewayRoutesResponse {
        gateway_routes: Some(list),
        next_token: next,
    })
}

// ---- routes made by services -----------------------------------------

/// A service's gateway connector, checked: the port name and the gateways
/// of the cluster it reaches.
pub(super) struct Connect {
    connector: m::GatewayConnector,
    gateways: Vec<String>,
}

/// Checks a CreateService/UpdateService `gatewayConnectors` (before the call
/// changes anything). `None`: the call leaves the routes alone;
/// `Some(None)`: it removes them.
pub(super) fn check_connectors(
    ctx: &Ctx,
    cluster: Option<&str>,
    task_definition: Option<&str>,
    connectors: Option<&[m::GatewayConnector]>,
) -> R<Option<Option<Connect>>> {
    let Some(connectors) = connectors else {
        return Ok(None);
    };
    // The model: "A service can have at most one gateway connector."
    if connectors.len() > 1 {
        return Err(invalid("A service can have at most one gateway connector."));
    }
    let Some(c) = connectors.first() else {
        return Ok(Some(None));
    };
    let cluster = clusters::active(ctx, cluster)?;
    let port = c.port_name.clone().unwrap_or_default();
    if port.is_empty() {
        return Err(invalid("gatewayConnectors.portName must not be empty."));
    }
    if let Some(td) = task_definition {
        let def = task_definitions::active(ctx, td)?;
        let known = def
            .container_definitions
            .iter()
            .flatten()
            .flat_map(|c| c.port_mappings.iter().flatten())
            .any(|p| p.name.as_deref() == Some(port.as_str()));
        if !known {
            return Err(invalid(format!(
                "The port name {port} is not a port mapping name in the task definition."
            )));
        }
    }
    if let Some(d) = c
        .deregistration_delay
        .as_ref()
        .and_then(|d| d.timeout_seconds)
    {
        // The model: 0–3600 seconds.
        if !(0..=3600).contains(&d) {
            return Err(invalid(
                "deregistrationDelay.timeoutSeconds must be between 0 and 3600.",
            ));
        }
    }
    let access: Vec<String> = c
        .filters
        .as_ref()
        .and_then(|f| f.access_types.clone())
        .unwrap_or_default();
    let st = &ctx.acct().ecs;
    let gateways: Vec<String> = st
        .gateway_associations
        .values()
        .filter(|a| a.cluster == cluster && a.status == "ACTIVE")
        .filter(|a| {
            access.is_empty()
                || st
                    .gateways
                    .get(&a.gateway)
                    .and_then(|g| g.model.access_type.as_ref())
                    .is_some_and(|t| access.contains(t))
        })
        .map(|a| a.gateway.clone())
        .collect();
    if gateways.is_empty() {
        // [U] code and message
        return Err(invalid(format!(
            "The cluster {cluster} has no associated gateway that the gateway connector applies to."
        )));
    }
    Ok(Some(Some(Connect {
        connector: c.clone(),
        gateways,
    })))
}

fn route_resources(ctx: &mut Ctx, gateway: &str, service_sg: &str) -> m::GatewayRouteAlbResources {
    let region = ctx.region_name().to_string();
    let account = ctx.account.clone();
    let ids = &ctx.world.ids;
    let elb = format!("arn:aws:elasticloadbalancing:{region}:{account}");
    let g = ctx.acct().ecs.gateways.get(gateway).cloned();
    let alb = match g.as_ref().and_then(|g| g.alb.clone()) {
        Some(a) => a,
        None => {
            let lb_name = format!("ecs-gw-{}", &ids.hex(16));
            let lb_id = ids.hex(16);
            let a = m::ElbGatewayResources {
                load_balancer_arn: Some(format!("{elb}:loadbalancer/app/{lb_name}/{lb_id}")),
                listener_arn: Some(format!(
                    "{elb}:listener/app/{lb_name}/{lb_id}/{}",
                    ids.hex(16)
                )),
                security_group: Some(
                    g.as_ref()
                        .and_then(|g| g.model.configuration.as_ref())
                        .and_then(|c| c.host_shared_alb.as_ref())
                        .and_then(|c| c.network_configuration.as_ref())
                        .and_then(|n| n.inbound_security_group.clone())
                        .unwrap_or_else(|| ctx.new_id("sg")),
                ),
                gateway_route_arns: None,
            };
            if let Some(g) = ctx.acct_mut().ecs.gateways.get_mut(gateway) {
                g.alb = Some(a.clone());
                if let Some(c) = g
                    .model
                    .configuration
                    .as_mut()
                    .and_then(|c| c.host_shared_alb.as_mut())
                {
                    c.current_alb_count = Some(1);
                }
            }
            a
        }
    };
    let listener = alb.listener_arn.clone().unwrap_or_default();
    let rule = |ids: &crate::world::ids::IdGen| {
        format!(
            "{}/{}",
            listener.replacen(":listener/", ":listener-rule/", 1),
            ids.hex(16)
        )
    };
    let ids = &ctx.world.ids;
    let sg = alb.security_group.clone().unwrap_or_default();
    m::GatewayRouteAlbResources {
        acm_certificate_arn: Some(format!(
            "arn:aws:acm:{region}:{account}:certificate/{}",
            ids.uuid()
        )),
        load_balancer_arn: alb.load_balancer_arn.clone(),
        listener_arn: alb.listener_arn.clone(),
        listener_rule_arn: Some(rule(ids)),
        test_listener_rule_arns: Some(vec![rule(ids)]),
        load_balancer_security_groups: Some(vec![m::GatewayRouteLoadBalancerSecurityGroup {
            arn: Some(format!(
                "arn:aws:ec2:{region}:{account}:security-group/{sg}"
            )),
            rule_arns: Some(vec![format!(
                "arn:aws:ec2:{region}:{account}:security-group-rule/{}",
                ctx.new_id("sgr")
            )]),
        }]),
        service_security_group_arn: Some(format!(
            "arn:aws:ec2:{region}:{account}:security-group/{service_sg}"
        )),
    }
}

fn route_step(ctx: &mut Ctx, route: String, from: &'static str) {
    let st = &mut ctx.acct_mut().ecs;
    let Some(r) = st.gateway_routes.get_mut(&route) else {
        return;
    };
    if r.model.status.as_deref() != Some(from) {
        return;
    }
    if from == "DELETE_IN_PROGRESS" {
        st.gateway_routes.remove(&route);
        ctx.emit(event("gateway-route", &route, "deleted", None));
        settle_associations(ctx);
    } else {
        r.model.status = Some("ACTIVE".into());
        ctx.emit(event(
            "gateway-route",
            &route,
            "state-changed",
            Some("ACTIVE"),
        ));
    }
}

/// The task definition a service update keeps (`<cluster>/<service>`).
pub(super) fn service_task_definition(
    ctx: &Ctx,
    cluster: Option<&str>,
    service: &str,
) -> Option<String> {
    let short = short_name(service, "service");
    let name = short.rsplit('/').next().unwrap_or(short);
    let key = format!("{}/{name}", clusters::name_of(cluster));
    ctx.acct()
        .ecs
        .services
        .get(&key)
        .and_then(|s| s.model.task_definition.clone())
}

/// The `<cluster>/<service>` a DeleteService names.
pub(super) fn service_key(cluster: Option<&str>, service: &str) -> String {
    let short = short_name(service, "service");
    let name = short.rsplit('/').next().unwrap_or(short);
    format!("{}/{name}", clusters::name_of(cluster))
}

/// Starts removing the routes of a service (`<cluster>/<service>`).
pub(super) fn disconnect(ctx: &mut Ctx, service: &str) {
    let mut gone = Vec::new();
    for (a, r) in ctx.acct_mut().ecs.gateway_routes.iter_mut() {
        if r.service == service && r.model.status.as_deref() != Some("DELETE_IN_PROGRESS") {
            r.model.status = Some("DELETE_IN_PROGRESS".into());
            gone.push(a.clone());
        }
    }
    for a in gone {
        ctx.emit(event(
            "gateway-route",
            &a,
            "state-changed",
            Some("DELETE_IN_PROGRESS"),
        ));
        ctx.schedule(ROUTE_MS, move |ctx| {
            route_step(ctx, a, "DELETE_IN_PROGRESS")
        });
    }
}

/// Applies a checked connector to the service a CreateService or
/// UpdateService answered: its old routes go, one route per gateway comes.
pub(super) fn connect(
    ctx: &mut Ctx,
    service: Option<&m::Service>,
    connect: Option<Option<Connect>>,
) {
    let (Some(svc), Some(connect)) = (service, connect) else {
        return;
    };
    let cluster = short_name(svc.cluster_arn.as_deref().unwrap_or(""), "cluster").to_string();
    let name = svc.service_name.clone().unwrap_or_default();
    let key = format!("{cluster}/{name}");
    disconnect(ctx, &key);
    let Some(c) = connect else {
        return;
    };
    let service_sg = svc
        .network_configuration
        .as_ref()
        .and_then(|n| n.awsvpc_configuration.as_ref())
        .and_then(|v| v.security_groups.as_ref())
        .and_then(|g| g.first().cloned())
        .unwrap_or_default();
    let region = ctx.region_name().to_string();
    for gateway in c.gateways {
        let resources = route_resources(ctx, &gateway, &service_sg);
        // [U] ARN and URL formats.
        let route_arn = arn(
            ctx,
            &format!("gateway-route/{gateway}/{}", ctx.world.ids.hex(32)),
        );
        let url = format!(
            "https://{}-{}.ecs.{region}.on.aws",
            name.to_ascii_lowercase(),
            ctx.world.ids.hex(8)
        );
        ctx.acct_mut().ecs.gateway_routes.insert(
            route_arn.clone(),
            GatewayRouteRec {
                gateway,
                cluster: cluster.clone(),
                service: key.clone(),
                model: m::GatewayRoute {
                    gateway_route_arn: Some(route_arn.clone()),
                    service_arn: svc.service_arn.clone(),
                    service_container_port_name: c.connector.port_name.clone(),
                    status: Some("CREATE_IN_PROGRESS".into()),
                    service_url: Some(url),
                    resources: Some(m::GatewayRouteResources {
                        host_shared_alb: Some(vec![resources]),
                    }),
                },
            },
        );
        ctx.emit(event(
            "gateway-route",
            &route_arn,
            "created",
            Some("CREATE_IN_PROGRESS"),
        ));
        ctx.schedule(ROUTE_MS, move |ctx| {
            route_step(ctx, route_arn, "CREATE_IN_PROGRESS")
        });
    }
}
