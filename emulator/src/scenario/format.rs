//! The scenario format, version 1. Every resource has a local `name` that
//! other resources use to refer to it; `id` pins the id it gets.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Scenario {
    pub version: u32,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub settings: Settings,
    #[serde(default)]
    pub accounts: Vec<Account>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Settings {
    pub pace: Option<crate::world::clock::Pace>,
    pub seed: Option<u64>,
    pub default_account: Option<String>,
    /// SNS topic ARN → http:// URL.
    #[serde(default)]
    pub sns_endpoints: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Account {
    pub id: String,
    /// A label other accounts' resources may use instead of the id.
    pub name: Option<String>,
    #[serde(default)]
    pub access_keys: Vec<AccessKey>,
    /// Region name → resources.
    #[serde(default)]
    pub regions: BTreeMap<String, RegionResources>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AccessKey {
    pub key: String,
    /// Defaults to the account root.
    pub principal: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RegionResources {
    #[serde(default)]
    pub vpcs: Vec<Vpc>,
    #[serde(default)]
    pub subnets: Vec<Subnet>,
    #[serde(default)]
    pub security_groups: Vec<SecurityGroup>,
    #[serde(default)]
    pub route_tables: Vec<RouteTable>,
    #[serde(default)]
    pub load_balancers: Vec<LoadBalancer>,
    #[serde(default)]
    pub endpoint_services: Vec<EndpointService>,
    #[serde(default)]
    pub vpc_endpoints: Vec<VpcEndpoint>,
    #[serde(default)]
    pub ecs: Ecs,
}

pub type Tags = BTreeMap<String, String>;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Vpc {
    pub name: String,
    pub id: Option<String>,
    /// Pins the id of the VPC's default security group.
    pub default_security_group_id: Option<String>,
    /// Pins the id of the VPC's main route table.
    pub main_route_table_id: Option<String>,
    pub cidr: String,
    pub dns_support: Option<bool>,
    pub dns_hostnames: Option<bool>,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Subnet {
    pub name: String,
    pub id: Option<String>,
    pub vpc: String,
    pub cidr: String,
    pub az: String,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SecurityGroup {
    pub name: String,
    pub id: Option<String>,
    pub vpc: String,
    /// Defaults to `name`.
    pub group_name: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub ingress: Vec<Rule>,
    /// Replaces the default allow-all egress rule when given.
    pub egress: Option<Vec<Rule>>,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Rule {
    /// `tcp`, `udp`, `icmp`, `-1` (all).
    pub protocol: String,
    /// Sets both ports.
    pub port: Option<i32>,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub cidr: Option<String>,
    /// A security group of the scenario (local name) or an id.
    pub source_group: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RouteTable {
    pub name: String,
    pub id: Option<String>,
    pub vpc: String,
    #[serde(default)]
    pub subnets: Vec<String>,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LoadBalancer {
    pub name: String,
    /// Pins the ARN (its name and type must match).
    pub arn: Option<String>,
    /// `network` (default), `gateway`, `application`.
    #[serde(rename = "type")]
    pub lb_type: Option<String>,
    pub scheme: Option<String>,
    pub subnets: Vec<String>,
    #[serde(default)]
    pub security_groups: Vec<String>,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EndpointService {
    pub name: String,
    pub id: Option<String>,
    pub load_balancers: Vec<String>,
    #[serde(default)]
    pub acceptance_required: bool,
    pub private_dns_name: Option<String>,
    #[serde(default)]
    pub private_dns_verified: bool,
    #[serde(default)]
    pub principals: Vec<String>,
    #[serde(default)]
    pub notifications: Vec<Notification>,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Notification {
    pub topic: String,
    pub events: Vec<String>,
    /// Where to POST it (same as `settings.snsEndpoints`).
    pub url: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VpcEndpoint {
    pub name: String,
    pub id: Option<String>,
    pub vpc: String,
    /// An AWS service name (`com.amazonaws.us-east-1.ecs`), or a custom
    /// service of the scenario as `<account name or id>/<service name>`.
    pub service: String,
    /// `Interface` (default), `Gateway`, `GatewayLoadBalancer`.
    #[serde(rename = "type")]
    pub endpoint_type: Option<String>,
    #[serde(default)]
    pub subnets: Vec<String>,
    #[serde(default)]
    pub security_groups: Vec<String>,
    #[serde(default)]
    pub route_tables: Vec<String>,
    pub private_dns: Option<bool>,
    pub policy: Option<String>,
    /// `available` (default), `pendingAcceptance`, `rejected`.
    pub state: Option<String>,
    #[serde(default)]
    pub notifications: Vec<Notification>,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Ecs {
    #[serde(default)]
    pub clusters: Vec<Cluster>,
    /// RegisterTaskDefinition requests, as the ECS API takes them.
    #[serde(default)]
    pub task_definitions: Vec<serde_json::Value>,
    #[serde(default)]
    pub services: Vec<Service>,
    #[serde(default)]
    pub tasks: Vec<Task>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Cluster {
    pub name: String,
    /// Cloud Map namespace (name or ARN) for Service Connect defaults.
    pub service_connect_namespace: Option<String>,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Service {
    pub cluster: String,
    pub name: String,
    pub task_definition: String,
    #[serde(default)]
    pub desired_count: i32,
    pub subnets: Vec<String>,
    #[serde(default)]
    pub security_groups: Vec<String>,
    #[serde(default)]
    pub assign_public_ip: bool,
    /// As CreateService takes it.
    pub service_connect_configuration: Option<serde_json::Value>,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Task {
    pub cluster: String,
    pub task_definition: String,
    #[serde(default = "one")]
    pub count: i32,
    pub subnets: Vec<String>,
    #[serde(default)]
    pub security_groups: Vec<String>,
    pub started_by: Option<String>,
    pub group: Option<String>,
    /// `RUNNING` (default) or `STOPPED`.
    pub state: Option<String>,
    pub stopped_reason: Option<String>,
    #[serde(default)]
    pub tags: Tags,
}

fn one() -> i32 {
    1
}
