//! `/_awsemu/state`: today's world written as a scenario that, loaded again,
//! rebuilds it through the handlers. Resources keep their ids (pinned), and
//! so does what AWS generated for them (association and rule ids, network
//! interfaces, DNS suffixes, creation times, task ids, the default VPC's
//! ids); references use ids. Describe calls answer the same before and after.

use std::collections::BTreeMap;

use serde_json::Value;

use super::format as f;
use crate::services::ec2::{Peer, Subnet, Vpc, VpcEndpoint};
use crate::services::ecs::TaskRec;
use crate::services::{Account, Region};
use crate::wire::Timestamp;

fn tags(t: &crate::services::ec2::tags::Tags) -> f::Tags {
    t.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
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

fn rule(r: &crate::services::ec2::Rule) -> f::Rule {
    let mut out = f::Rule {
        id: Some(r.id.clone()),
        protocol: r.protocol.clone(),
        from_port: r.from_port,
        to_port: r.to_port,
        description: r.description.clone(),
        ..Default::default()
    };
    match &r.peer {
        Peer::Cidr(c) => out.cidr = Some(c.clone()),
        Peer::Group { group_id, .. } => out.source_group = Some(group_id.clone()),
        Peer::CidrV6(c) => out.cidr_ipv6 = Some(c.clone()),
        Peer::PrefixList(p) => out.prefix_list = Some(p.clone()),
    }
    out
}

fn time(t: Timestamp) -> String {
    t.to_iso8601()
}

/// A network interface AWS made, as a scenario pins it.
fn eni(a: &Account, id: &str) -> f::NetworkInterface {
    let e = a.ec2.enis.get(id);
    f::NetworkInterface {
        id: Some(id.to_string()),
        private_ip: e.map(|e| e.private_ip.clone()),
        mac: e.map(|e| e.mac_address.clone()),
        public_ip: e.and_then(|e| e.public_ip.clone()),
    }
}

/// The ids of what a VPC comes with: its default security group's two rules
/// (ingress from itself, egress to all) and its main route table association.
fn vpc_extras(a: &Account, v: &Vpc) -> (Vec<String>, Option<String>) {
    let st = &a.ec2;
    let rules = st
        .security_groups
        .get(&v.default_security_group_id)
        .map(|g| {
            let ingress = g.rules.iter().find(|r| {
                !r.egress
                    && r.protocol == "-1"
                    && matches!(&r.peer, Peer::Group { group_id, .. } if *group_id == g.id)
            });
            let egress = g.rules.iter().find(|r| {
                r.egress && r.protocol == "-1" && r.peer == Peer::Cidr("0.0.0.0/0".into())
            });
            match (ingress, egress) {
                (Some(i), Some(e)) => vec![i.id.clone(), e.id.clone()],
                _ => vec![],
            }
        })
        .unwrap_or_default();
    let main = st
        .route_tables
        .get(&v.main_route_table_id)
        .and_then(|t| t.associations.iter().find(|x| x.main))
        .map(|x| x.id.clone());
    (rules, main)
}

fn endpoint(regions: &[&Region], region: &Region, a: &Account, e: &VpcEndpoint) -> f::VpcEndpoint {
    // A custom service of this world, in its own Region.
    let custom = regions
        .iter()
        .filter(|r| r.name == e.service_region)
        .flat_map(|r| r.common.ec2.endpoint_services.values())
        .find(|s| s.name == e.service_name);
    let service = match custom {
        Some(s) => format!("{}/{}", s.owner, s.id),
        None => e.service_name.clone(),
    };
    f::VpcEndpoint {
        name: e.id.clone(),
        id: Some(e.id.clone()),
        vpc: e.vpc_id.clone(),
        service,
        endpoint_type: Some(e.endpoint_type.clone()),
        service_region: (e.service_region != region.name).then(|| e.service_region.clone()),
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
        created_at: Some(time(e.created)),
        dns_suffix: Some(e.dns_suffix.clone()),
        private_zone_id: Some(e.private_zone_id.clone()),
        network_interfaces: e.eni_ids.iter().map(|id| eni(a, id)).collect(),
        connection_id: custom
            .and_then(|s| s.connections.get(&e.id))
            .map(|c| c.id.clone()),
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

fn notifications(
    a: &Account,
    service: Option<&str>,
    endpoint: Option<&str>,
) -> Vec<f::Notification> {
    a.ec2
        .notifications
        .values()
        .filter(|n| n.service_id.as_deref() == service && n.endpoint_id.as_deref() == endpoint)
        .map(|n| f::Notification {
            id: Some(n.id.clone()),
            topic: n.topic_arn.clone(),
            events: n.events.clone(),
            url: None,
        })
        .collect()
}

/// The value of a task attachment's detail (`networkInterfaceId`, ...).
fn detail(t: &TaskRec, name: &str) -> Option<String> {
    t.model
        .attachments
        .iter()
        .flatten()
        .flat_map(|a| a.details.iter().flatten())
        .find(|d| d.name.as_deref() == Some(name))
        .and_then(|d| d.value.clone())
}

/// What AWS generated for a task: ids and its network interface.
fn launched(a: &Account, t: &TaskRec) -> f::LaunchedTask {
    let network_interface = detail(t, "networkInterfaceId").map(|id| f::NetworkInterface {
        private_ip: detail(t, "privateIPv4Address"),
        mac: detail(t, "macAddress"),
        // Gone with the interface of a stopped task.
        public_ip: a.ec2.enis.get(&id).and_then(|e| e.public_ip.clone()),
        id: Some(id),
    });
    f::LaunchedTask {
        id: t
            .model
            .task_arn
            .as_deref()
            .and_then(|a| a.rsplit('/').next())
            .map(str::to_string),
        attachment_id: t
            .model
            .attachments
            .iter()
            .flatten()
            .next()
            .and_then(|a| a.id.clone()),
        container_ids: t
            .model
            .containers
            .iter()
            .flatten()
            .filter_map(|c| c.container_arn.as_deref())
            .filter_map(|a| a.rsplit('/').next())
            .map(str::to_string)
            .collect(),
        network_interface,
    }
}

fn region_resources(
    regions: &[&Region],
    region: &Region,
    account_id: &str,
    a: &Account,
) -> f::RegionResources {
    let st = &a.ec2;
    let mut out = f::RegionResources::default();
    let zones = crate::world::regions::zones(&region.name);
    let zone_index = |az: &str| {
        zones
            .iter()
            .position(|z| z.name == az)
            .unwrap_or(usize::MAX)
    };
    let default_vpc = st.vpcs.values().find(|v| v.is_default);
    if let Some(v) = default_vpc {
        let (rules, main) = vpc_extras(a, v);
        let mut subnets: Vec<&Subnet> = st
            .subnets
            .values()
            .filter(|s| s.vpc_id == v.id && s.default_for_az)
            .collect();
        subnets.sort_by_key(|s| zone_index(&s.availability_zone));
        out.default_vpc = Some(f::DefaultVpc {
            id: Some(v.id.clone()),
            cidr_association_id: Some(v.cidr_association_id.clone()),
            dhcp_options_id: Some(v.dhcp_options_id.clone()),
            default_security_group_id: Some(v.default_security_group_id.clone()),
            default_security_group_rule_ids: rules,
            main_route_table_id: Some(v.main_route_table_id.clone()),
            main_route_table_association_id: main,
            subnets: subnets.iter().map(|s| s.id.clone()).collect(),
        });
    }
    for v in st.vpcs.values().filter(|v| !v.is_default) {
        let (rules, main) = vpc_extras(a, v);
        out.vpcs.push(f::Vpc {
            name: v.id.clone(),
            id: Some(v.id.clone()),
            default_security_group_id: Some(v.default_security_group_id.clone()),
            main_route_table_id: Some(v.main_route_table_id.clone()),
            main_route_table_association_id: main,
            default_security_group_rule_ids: rules,
            cidr_association_id: Some(v.cidr_association_id.clone()),
            dhcp_options_id: Some(v.dhcp_options_id.clone()),
            cidr: v.cidr.clone(),
            dns_support: Some(v.enable_dns_support),
            dns_hostnames: Some(v.enable_dns_hostnames),
            tags: tags(&v.tags),
        });
    }
    // The default VPC's own subnets, group and main table come with it.
    for s in st.subnets.values().filter(|s| !s.default_for_az) {
        out.subnets.push(f::Subnet {
            name: s.id.clone(),
            id: Some(s.id.clone()),
            vpc: s.vpc_id.clone(),
            cidr: s.cidr.clone(),
            az: s.availability_zone.clone(),
            tags: tags(&s.tags),
        });
    }
    // A VPC's default group comes with the VPC: listed only for the rules
    // and tags it was given since.
    let as_made = |g: &&crate::services::ec2::SecurityGroup| {
        g.name == "default"
            && g.tags.is_empty()
            && st.vpcs.values().any(|v| {
                v.default_security_group_id == g.id
                    && g.rules.len() == 2
                    && vpc_extras(a, v).0.len() == 2
            })
    };
    for g in st.security_groups.values().filter(|g| !as_made(g)) {
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
    for t in st.route_tables.values().filter(|t| !t.is_main()) {
        let subnet_associations: Vec<_> = t
            .associations
            .iter()
            .filter(|x| x.subnet_id.is_some())
            .collect();
        out.route_tables.push(f::RouteTable {
            name: t.id.clone(),
            id: Some(t.id.clone()),
            vpc: t.vpc_id.clone(),
            subnets: subnet_associations
                .iter()
                .filter_map(|x| x.subnet_id.clone())
                .collect(),
            association_ids: subnet_associations.iter().map(|x| x.id.clone()).collect(),
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
            tags: f::TagList(lb.tags.clone()),
            attributes: {
                let defaults = crate::services::elbv2::default_attributes(&lb.lb_type);
                lb.attributes
                    .iter()
                    .filter(|(k, v)| defaults.get(*k) != Some(*v))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            },
            created_at: Some(time(lb.created)),
            network_interfaces: lb.zones.iter().map(|z| eni(a, &z.2)).collect(),
        });
    }
    for s in region
        .common
        .ec2
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
            supported_regions: s
                .supported_regions
                .iter()
                .filter(|r| **r != region.name)
                .cloned()
                .collect(),
            permission_ids: s.principals.iter().map(|p| p.id.clone()).collect(),
            private_dns_record: s.private_dns.as_ref().map(|p| f::DnsRecord {
                name: p.record_name.clone(),
                value: p.record_value.clone(),
            }),
            notifications: notifications(a, Some(&s.id), None),
            tags: tags(&s.tags),
        });
    }
    for e in st
        .endpoints
        .values()
        .filter(|e| !matches!(e.state.as_str(), "deleting" | "deleted"))
    {
        let mut ep = endpoint(regions, region, a, e);
        ep.security_groups = groups(a, &ep.security_groups);
        ep.notifications = notifications(a, None, Some(&e.id));
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
            settings: c
                .model
                .settings
                .iter()
                .flatten()
                .filter_map(|s| Some((s.name.clone()?, s.value.clone()?)))
                .collect(),
            capacity_providers: c.model.capacity_providers.clone().unwrap_or_default(),
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
            detail(t, "subnetId"),
            t.model.task_arn.clone(),
        )
    };
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
        let subnets = vpc.subnets.unwrap_or_default();
        let mut tasks: Vec<&TaskRec> = s
            .task_ids
            .iter()
            .filter_map(|id| ecs.tasks.get(id))
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
            task_definition: s.model.task_definition.clone().unwrap_or_default(),
            desired_count: s.model.desired_count.unwrap_or(0),
            subnets,
            security_groups: groups(a, &vpc.security_groups.unwrap_or_default()),
            assign_public_ip: vpc.assign_public_ip.map(|a| a == "ENABLED"),
            service_connect_configuration: primary
                .and_then(|d| d.service_connect_configuration.as_ref())
                .and_then(|c| serde_json::to_value(c).ok()),
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
        });
    }
    let mut standalone: Vec<&TaskRec> =
        ecs.tasks.values().filter(|t| t.service.is_none()).collect();
    standalone.sort_by_key(started);
    for t in standalone {
        let task_groups = t
            .eni
            .as_ref()
            .and_then(|e| a.ec2.enis.get(e))
            .map(|e| groups(a, &e.group_ids))
            .unwrap_or_default();
        let stopped = t.model.desired_status.as_deref() == Some("STOPPED");
        let l = launched(a, t);
        out.ecs.tasks.push(f::Task {
            cluster: t.cluster.clone(),
            task_definition: t.model.task_definition_arn.clone().unwrap_or_default(),
            count: 1,
            // From the attachment: a stopped task's interface is gone.
            subnets: detail(t, "subnetId").into_iter().collect(),
            security_groups: task_groups,
            assign_public_ip: t
                .eni
                .as_ref()
                .and_then(|e| a.ec2.enis.get(e))
                .and_then(|e| e.public_ip.as_ref())
                .map(|_| true),
            started_by: t.model.started_by.clone(),
            group: t.model.group.clone(),
            state: Some(if stopped { "STOPPED" } else { "RUNNING" }.into()),
            stopped_reason: t.model.stopped_reason.clone().filter(|_| stopped),
            tags: ecs_tags(&t.tags),
            created_at: t.model.created_at.map(time),
            stopping_at: t.model.stopping_at.filter(|_| stopped).map(time),
            id: l.id,
            attachment_id: l.attachment_id,
            container_ids: l.container_ids,
            network_interface: l.network_interface,
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
            entry.regions.insert(
                region.name.clone(),
                region_resources(regions, region, id, a),
            );
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
