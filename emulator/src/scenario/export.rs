//! `/_awsemu/state`: today's world written as a scenario that, loaded again,
//! rebuilds it through the handlers. Resources keep their ids (pinned);
//! references use those ids. What a scenario cannot pin is listed in the
//! README (generated secondary ids, timestamps, the default VPC's ids).

use std::collections::BTreeMap;

use serde_json::Value;

use super::format as f;
use crate::services::ec2::{Peer, VpcEndpoint};
use crate::world::{Account, Region};

fn tags(t: &crate::services::ec2::tags::Tags) -> f::Tags {
    t.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn ecs_tags(t: &[crate::model::ecs::Tag]) -> f::Tags {
    t.iter()
        .map(|x| {
            (
                x.key.clone().unwrap_or_default(),
                x.value.clone().unwrap_or_default(),
            )
        })
        .collect()
}

fn rule(r: &crate::services::ec2::Rule) -> f::Rule {
    let mut out = f::Rule {
        protocol: r.protocol.clone(),
        from_port: r.from_port,
        to_port: r.to_port,
        description: r.description.clone(),
        ..Default::default()
    };
    match &r.peer {
        Peer::Cidr(c) => out.cidr = Some(c.clone()),
        Peer::Group { group_id, .. } => out.source_group = Some(group_id.clone()),
        // Not expressible in a scenario rule yet.
        Peer::CidrV6(_) | Peer::PrefixList(_) => {}
    }
    out
}

fn endpoint(region: &Region, e: &VpcEndpoint) -> f::VpcEndpoint {
    let service = match region
        .endpoint_services
        .values()
        .find(|s| s.name == e.service_name)
    {
        Some(s) => format!("{}/{}", s.owner, s.id),
        None => e.service_name.clone(),
    };
    f::VpcEndpoint {
        name: e.id.clone(),
        id: Some(e.id.clone()),
        vpc: e.vpc_id.clone(),
        service,
        endpoint_type: Some(e.endpoint_type.clone()),
        subnets: e.subnet_ids.clone(),
        security_groups: e.group_ids.clone(),
        route_tables: e.route_table_ids.clone(),
        private_dns: Some(e.private_dns_enabled),
        // Only a policy someone set: the default one is AWS's to give.
        policy: e.policy.clone().filter(|p| {
            p != crate::services::ec2::endpoints::DEFAULT_GATEWAY_POLICY
                && p != crate::services::ec2::endpoints::DEFAULT_INTERFACE_POLICY
        }),
        state: Some(e.state.clone()),
        notifications: vec![],
        tags: tags(&e.tags),
    }
}

/// Security groups as a scenario names them: a VPC's default group is what
/// an empty list means (its id changes when the scenario builds the VPC again).
fn groups(a: &Account, ids: &[String]) -> Vec<String> {
    ids.iter()
        .filter(|g| {
            !a.ec2
                .vpcs
                .values()
                .any(|v| &v.default_security_group_id == *g)
        })
        .cloned()
        .collect()
}

fn region_resources(region: &Region, account_id: &str, a: &Account) -> f::RegionResources {
    let st = &a.ec2;
    let mut out = f::RegionResources::default();
    let default_vpcs: Vec<&String> = st
        .vpcs
        .values()
        .filter(|v| v.is_default)
        .map(|v| &v.id)
        .collect();
    for v in st.vpcs.values().filter(|v| !v.is_default) {
        out.vpcs.push(f::Vpc {
            name: v.id.clone(),
            id: Some(v.id.clone()),
            default_security_group_id: Some(v.default_security_group_id.clone()),
            main_route_table_id: Some(v.main_route_table_id.clone()),
            cidr: v.cidr.clone(),
            dns_support: Some(v.enable_dns_support),
            dns_hostnames: Some(v.enable_dns_hostnames),
            tags: tags(&v.tags),
        });
    }
    for s in st
        .subnets
        .values()
        .filter(|s| !default_vpcs.contains(&&s.vpc_id))
    {
        out.subnets.push(f::Subnet {
            name: s.id.clone(),
            id: Some(s.id.clone()),
            vpc: s.vpc_id.clone(),
            cidr: s.cidr.clone(),
            az: s.availability_zone.clone(),
            tags: tags(&s.tags),
        });
    }
    for g in st
        .security_groups
        .values()
        .filter(|g| g.name != "default" && !default_vpcs.contains(&&g.vpc_id))
    {
        out.security_groups.push(f::SecurityGroup {
            name: g.id.clone(),
            id: Some(g.id.clone()),
            vpc: g.vpc_id.clone(),
            group_name: Some(g.name.clone()),
            description: Some(g.description.clone()),
            ingress: g.rules.iter().filter(|r| !r.egress).map(rule).collect(),
            egress: Some(g.rules.iter().filter(|r| r.egress).map(rule).collect()),
            tags: tags(&g.tags),
        });
    }
    for t in st
        .route_tables
        .values()
        .filter(|t| !t.is_main() && !default_vpcs.contains(&&t.vpc_id))
    {
        out.route_tables.push(f::RouteTable {
            name: t.id.clone(),
            id: Some(t.id.clone()),
            vpc: t.vpc_id.clone(),
            subnets: t
                .associations
                .iter()
                .filter_map(|x| x.subnet_id.clone())
                .collect(),
            tags: tags(&t.tags),
        });
    }
    for lb in a.elbv2.load_balancers.values() {
        out.load_balancers.push(f::LoadBalancer {
            name: lb.name.clone(),
            arn: Some(lb.arn.clone()),
            lb_type: Some(lb.lb_type.clone()),
            scheme: (lb.lb_type != "gateway").then(|| lb.scheme.clone()),
            subnets: lb.zones.iter().map(|z| z.0.clone()).collect(),
            security_groups: lb.security_groups.clone(),
            tags: lb.tags.iter().cloned().collect(),
        });
    }
    for s in region
        .endpoint_services
        .values()
        .filter(|s| s.owner == account_id)
    {
        let lb_names = s
            .load_balancers
            .iter()
            .filter_map(|arn| a.elbv2.load_balancers.get(arn).map(|lb| lb.name.clone()))
            .collect();
        out.endpoint_services.push(f::EndpointService {
            name: s.id.clone(),
            id: Some(s.id.clone()),
            load_balancers: lb_names,
            acceptance_required: s.acceptance_required,
            private_dns_name: s.private_dns.as_ref().map(|p| p.name.clone()),
            private_dns_verified: s
                .private_dns
                .as_ref()
                .is_some_and(|p| p.state == "verified"),
            principals: s.principals.iter().map(|p| p.arn.clone()).collect(),
            notifications: st
                .notifications
                .values()
                .filter(|n| n.service_id.as_deref() == Some(s.id.as_str()))
                .map(|n| f::Notification {
                    topic: n.topic_arn.clone(),
                    events: n.events.clone(),
                    url: None,
                })
                .collect(),
            tags: tags(&s.tags),
        });
    }
    for e in st
        .endpoints
        .values()
        .filter(|e| !matches!(e.state.as_str(), "deleting" | "deleted"))
    {
        let mut ep = endpoint(region, e);
        ep.security_groups = groups(a, &ep.security_groups);
        ep.notifications = st
            .notifications
            .values()
            .filter(|n| n.endpoint_id.as_deref() == Some(e.id.as_str()))
            .map(|n| f::Notification {
                topic: n.topic_arn.clone(),
                events: n.events.clone(),
                url: None,
            })
            .collect();
        out.vpc_endpoints.push(ep);
    }
    let ecs = &a.ecs;
    for c in ecs
        .clusters
        .values()
        .filter(|c| c.model.status.as_deref() == Some("ACTIVE"))
    {
        out.ecs.clusters.push(f::Cluster {
            name: c.model.cluster_name.clone().unwrap_or_default(),
            service_connect_namespace: c
                .model
                .service_connect_defaults
                .as_ref()
                .and_then(|d| d.namespace.clone()),
            tags: ecs_tags(&c.tags),
        });
    }
    for revisions in ecs.families.values() {
        for d in revisions {
            // The request that registers it again: the fields RegisterTaskDefinition takes.
            let mut v = serde_json::to_value(&d.model).unwrap_or(Value::Null);
            if let Value::Object(m) = &mut v {
                for k in [
                    "taskDefinitionArn",
                    "revision",
                    "status",
                    "requiresAttributes",
                    "compatibilities",
                    "registeredAt",
                    "registeredBy",
                    "deregisteredAt",
                    "deleteRequestedAt",
                ] {
                    m.remove(k);
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
    for s in ecs
        .services
        .values()
        .filter(|s| s.model.status.as_deref() == Some("ACTIVE"))
    {
        let primary = s.model.deployments.as_ref().and_then(|d| d.first());
        let vpc = s
            .model
            .network_configuration
            .as_ref()
            .and_then(|n| n.awsvpc_configuration.clone())
            .unwrap_or_default();
        out.ecs.services.push(f::Service {
            cluster: s.cluster.clone(),
            name: s.model.service_name.clone().unwrap_or_default(),
            task_definition: s.model.task_definition.clone().unwrap_or_default(),
            desired_count: s.model.desired_count.unwrap_or(0),
            subnets: vpc.subnets.unwrap_or_default(),
            security_groups: groups(a, &vpc.security_groups.unwrap_or_default()),
            assign_public_ip: vpc.assign_public_ip.as_deref() == Some("ENABLED"),
            service_connect_configuration: primary
                .and_then(|d| d.service_connect_configuration.as_ref())
                .and_then(|c| serde_json::to_value(c).ok()),
            tags: ecs_tags(&s.tags),
        });
    }
    for t in ecs.tasks.values().filter(|t| t.service.is_none()) {
        let subnet = t
            .eni
            .as_ref()
            .and_then(|e| a.ec2.enis.get(e))
            .map(|e| e.subnet_id.clone());
        let task_groups = t
            .eni
            .as_ref()
            .and_then(|e| a.ec2.enis.get(e))
            .map(|e| groups(a, &e.group_ids))
            .unwrap_or_default();
        let stopped = t.model.desired_status.as_deref() == Some("STOPPED");
        out.ecs.tasks.push(f::Task {
            cluster: t.cluster.clone(),
            task_definition: t.model.task_definition_arn.clone().unwrap_or_default(),
            count: 1,
            subnets: subnet.into_iter().collect(),
            security_groups: task_groups,
            started_by: t.model.started_by.clone(),
            group: t.model.group.clone(),
            state: Some(if stopped { "STOPPED" } else { "RUNNING" }.into()),
            stopped_reason: t.model.stopped_reason.clone().filter(|_| stopped),
            tags: ecs_tags(&t.tags),
        });
    }
    out
}

/// The scenario of a world, as a JSON value (nulls and empty collections left out).
pub fn scenario(regions: &[&Region], settings: f::Settings) -> Value {
    let mut accounts: BTreeMap<String, f::Account> = BTreeMap::new();
    for region in regions {
        for (id, a) in &region.accounts {
            let entry = accounts.entry(id.clone()).or_insert_with(|| f::Account {
                id: id.clone(),
                ..Default::default()
            });
            entry
                .regions
                .insert(region.name.clone(), region_resources(region, id, a));
        }
    }
    let s = f::Scenario {
        version: 1,
        description: Some("Exported by awsemu from GET /_awsemu/state".into()),
        settings,
        accounts: accounts.into_values().collect(),
    };
    let mut v = serde_json::to_value(&s).unwrap_or(Value::Null);
    prune(&mut v);
    v
}

/// Drops nulls and empty lists/maps, so the file says only what matters.
fn prune(v: &mut Value) -> bool {
    match v {
        Value::Null => false,
        Value::Array(items) => {
            items.retain_mut(prune);
            !items.is_empty()
        }
        Value::Object(map) => {
            map.retain(|_, x| prune(x));
            !map.is_empty()
        }
        _ => true,
    }
}

/// A JSON value as YAML text.
pub fn to_yaml(v: &Value) -> String {
    use yaml_rust2::yaml::{Hash, Yaml};
    fn conv(v: &Value) -> Yaml {
        match v {
            Value::Null => Yaml::Null,
            Value::Bool(b) => Yaml::Boolean(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Yaml::Integer(i),
                None => Yaml::Real(n.to_string()),
            },
            Value::String(s) => Yaml::String(s.clone()),
            Value::Array(a) => Yaml::Array(a.iter().map(conv).collect()),
            Value::Object(m) => {
                let mut h = Hash::new();
                for (k, x) in m {
                    h.insert(Yaml::String(k.clone()), conv(x));
                }
                Yaml::Hash(h)
            }
        }
    }
    let mut out = String::new();
    let mut emitter = yaml_rust2::YamlEmitter::new(&mut out);
    // Writing into a String cannot fail.
    let _ = emitter.dump(&conv(v));
    out.push('\n');
    out
}
