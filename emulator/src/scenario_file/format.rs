//! The scenario format, version 1. Every resource has a local `name` that
//! other resources use to refer to it; `id` pins the id it gets.
//!
//! Optional fields pin what AWS generates on the side (association, rule,
//! interface and task ids, addresses, DNS suffixes, creation times) so an
//! exported world loads back identical; hand-written scenarios leave them out.
//! Times are ISO 8601 (`2024-05-01T12:00:00.000Z`).

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
    /// `enforce`, `warn` or `off` (`--reachability`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reachability: Option<crate::world::Reachability>,
    pub seed: Option<u64>,
    pub default_account: Option<String>,
    /// SNS topic ARN → http:// URL.
    #[serde(default)]
    pub sns_endpoints: BTreeMap<String, String>,
    /// Fault rules, as `POST /_awsemu/faults` takes them; a reset restores them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<crate::world::faults::FaultRule>,
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
    /// Network interfaces made with CreateNetworkInterface (those AWS makes
    /// for a resource come with it).
    #[serde(default)]
    pub network_interfaces: Vec<Interface>,
    #[serde(default)]
    pub internet_gateways: Vec<InternetGateway>,
    #[serde(default)]
    pub egress_only_internet_gateways: Vec<EgressOnlyInternetGateway>,
    #[serde(default)]
    pub elastic_ips: Vec<ElasticIp>,
    #[serde(default)]
    pub nat_gateways: Vec<NatGateway>,
    #[serde(default)]
    pub instances: Vec<Instance>,
    #[serde(default)]
    pub dhcp_options: Vec<DhcpOptions>,
    #[serde(default)]
    pub network_acls: Vec<NetworkAcl>,
    #[serde(default)]
    pub load_balancers: Vec<LoadBalancer>,
    #[serde(default)]
    pub target_groups: Vec<TargetGroup>,
    #[serde(default)]
    pub listeners: Vec<Listener>,
    #[serde(default)]
    pub endpoint_services: Vec<EndpointService>,
    #[serde(default)]
    pub vpc_endpoints: Vec<VpcEndpoint>,
    #[serde(default)]
    pub ecs: Ecs,
    /// Pins the ids of the default VPC AWS gives the account in this Region.
    pub default_vpc: Option<DefaultVpc>,
}

/// The default VPC's ids (its CIDR and attributes are AWS's).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DefaultVpc {
    pub id: Option<String>,
    pub cidr_association_id: Option<String>,
    pub dhcp_options_id: Option<String>,
    pub default_security_group_id: Option<String>,
    /// The default security group's rules: its ingress, then its egress rule.
    #[serde(default)]
    pub default_security_group_rule_ids: Vec<String>,
    pub main_route_table_id: Option<String>,
    pub main_route_table_association_id: Option<String>,
    /// The default subnets' ids, one per Availability Zone in zone order.
    #[serde(default)]
    pub subnets: Vec<String>,
    pub default_network_acl_id: Option<String>,
    /// Pins the id of its internet gateway.
    pub internet_gateway_id: Option<String>,
    /// The default subnets' associations with the default network ACL, in
    /// zone order (`""`: generated).
    #[serde(default)]
    pub network_acl_association_ids: Vec<String>,
    /// Blocks associated with it since (AssociateVpcCidrBlock), in order.
    #[serde(default)]
    pub cidr_blocks: Vec<CidrBlock>,
}

/// A network interface AWS creates for a resource (endpoint, load balancer,
/// task): its id and addresses.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NetworkInterface {
    pub id: Option<String>,
    pub private_ip: Option<String>,
    pub mac: Option<String>,
    pub public_ip: Option<String>,
}

pub type Tags = BTreeMap<String, String>;

/// Tags kept in the order given (ECS answers with them in that order): a
/// map (`{team: web}`), or a list of `{key, value}` where the order is not
/// the keys' (an export writes that form then).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TagList(pub Vec<(String, String)>);

impl TagList {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct KeyValue {
    key: String,
    value: String,
}

impl Serialize for TagList {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.windows(2).all(|w| w[0].0 < w[1].0) {
            s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
        } else {
            s.collect_seq(self.0.iter().map(|(k, v)| KeyValue {
                key: k.clone(),
                value: v.clone(),
            }))
        }
    }
}

impl<'de> Deserialize<'de> for TagList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        let list = if v.is_array() {
            serde_json::from_value::<Vec<KeyValue>>(v)
                .map(|l| l.into_iter().map(|kv| (kv.key, kv.value)).collect())
        } else {
            serde_json::from_value::<BTreeMap<String, String>>(v).map(|m| m.into_iter().collect())
        };
        list.map(TagList).map_err(|e| {
            serde::de::Error::custom(format!(
                "tags are a map of key: value, or a list of {{key, value}} ({e})"
            ))
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Vpc {
    pub name: String,
    pub id: Option<String>,
    /// Pins the id of the VPC's default security group.
    pub default_security_group_id: Option<String>,
    /// Pins the id of the VPC's main route table.
    pub main_route_table_id: Option<String>,
    pub main_route_table_association_id: Option<String>,
    /// The default security group's rules: its ingress, then its egress rule.
    #[serde(default)]
    pub default_security_group_rule_ids: Vec<String>,
    pub cidr_association_id: Option<String>,
    /// Used when the account has no DHCP options in the Region yet.
    pub dhcp_options_id: Option<String>,
    pub cidr: String,
    pub dns_support: Option<bool>,
    pub dns_hostnames: Option<bool>,
    /// `enableNetworkAddressUsageMetrics`.
    pub address_usage_metrics: Option<bool>,
    /// Routes added to its main route table (its local route comes with it).
    #[serde(default)]
    pub routes: Vec<Route>,
    /// Pins the id of its default network ACL.
    pub default_network_acl_id: Option<String>,
    /// The DHCP options set it uses when not the account's default: a name
    /// of `dhcpOptions`, an id, or `default` (none).
    pub dhcp_options: Option<String>,
    /// Blocks beyond its primary one (AssociateVpcCidrBlock), in the order
    /// they were associated.
    #[serde(default)]
    pub cidr_blocks: Vec<CidrBlock>,
    #[serde(default)]
    pub tags: Tags,
}

/// A block a VPC has beyond its primary one: a secondary IPv4 block
/// (`cidr`), or an Amazon-provided IPv6 /56 (`amazonProvidedIpv6: true`;
/// `cidr` then pins the block, else AWS picks it).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CidrBlock {
    pub cidr: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub amazon_provided_ipv6: bool,
    /// Pins its `vpc-cidr-assoc-` id.
    pub association_id: Option<String>,
}

/// A route: `destination` is a CIDR block (IPv4 or IPv6) or a prefix list;
/// `target` names a gateway, NAT gateway or network interface of the
/// scenario, or is any id (`igw-`, `nat-`, `eigw-`, `eni-`, `pcx-`, `tgw-`,
/// `vpce-`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Route {
    pub destination: String,
    pub target: String,
    /// `ReplaceRoute` when the route was last set by ReplaceRoute.
    pub origin: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Subnet {
    pub name: String,
    pub id: Option<String>,
    pub vpc: String,
    pub cidr: String,
    pub az: String,
    /// Pins the id of its association with the VPC's default network ACL.
    pub network_acl_association_id: Option<String>,
    /// ModifySubnetAttribute's settings, when not AWS's defaults.
    pub map_public_ip_on_launch: Option<bool>,
    pub enable_dns64: Option<bool>,
    /// `ip-name` (the default) or `resource-name`.
    pub hostname_type: Option<String>,
    pub resource_name_dns_a: Option<bool>,
    pub resource_name_dns_aaaa: Option<bool>,
    /// An IPv6 /64 of its VPC's /56.
    pub ipv6_cidr: Option<String>,
    /// Pins the `subnet-cidr-assoc-` id of its IPv6 block.
    pub ipv6_association_id: Option<String>,
    pub assign_ipv6_address_on_creation: Option<bool>,
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
    /// Pins the rule id (`sgr-`).
    pub id: Option<String>,
    /// `tcp`, `udp`, `icmp`, `-1` (all).
    pub protocol: String,
    /// Sets both ports.
    pub port: Option<i32>,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub cidr: Option<String>,
    pub cidr_ipv6: Option<String>,
    /// A prefix list id (`pl-`).
    pub prefix_list: Option<String>,
    /// A security group of the scenario (local name) or an id.
    pub source_group: Option<String>,
    pub description: Option<String>,
    /// The rule's own tags (they need its `id`).
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RouteTable {
    pub name: String,
    pub id: Option<String>,
    pub vpc: String,
    #[serde(default)]
    pub subnets: Vec<String>,
    /// Pins the subnet associations' ids, in the order of `subnets`.
    #[serde(default)]
    pub association_ids: Vec<String>,
    #[serde(default)]
    pub routes: Vec<Route>,
    #[serde(default)]
    pub tags: Tags,
}

/// A network interface of the account's own, in `subnet`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Interface {
    pub name: String,
    pub id: Option<String>,
    pub subnet: String,
    /// The VPC's default group when empty.
    #[serde(default)]
    pub security_groups: Vec<String>,
    pub private_ip: Option<String>,
    pub mac: Option<String>,
    pub description: Option<String>,
    /// Addresses assigned beyond the primary one.
    #[serde(default)]
    pub secondary_private_ips: Vec<String>,
    /// `false` turns the source/destination check off.
    pub source_dest_check: Option<bool>,
    #[serde(default)]
    pub tags: Tags,
}

/// An instance, launched from `image` (an AMI name or id) in `subnet`, in
/// its declared state (`running` unless `stopped`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Instance {
    pub name: String,
    pub id: Option<String>,
    pub reservation_id: Option<String>,
    pub image: String,
    pub instance_type: String,
    pub subnet: String,
    /// The VPC's default group when empty.
    #[serde(default)]
    pub security_groups: Vec<String>,
    /// Its primary network interface's pins (id, address, MAC, public IP).
    pub network_interface: Option<NetworkInterface>,
    pub attachment_id: Option<String>,
    /// An Amazon-owned public address with each start.
    pub public_ip_on_launch: Option<bool>,
    pub description: Option<String>,
    #[serde(default)]
    pub secondary_private_ips: Vec<String>,
    pub source_dest_check: Option<bool>,
    #[serde(default)]
    pub network_interface_tags: Tags,
    /// Interfaces of the scenario's (`networkInterfaces`) attached beyond
    /// device 0.
    #[serde(default)]
    pub attachments: Vec<InstanceAttachment>,
    /// Its EBS volumes, the root device's first.
    #[serde(default)]
    pub volumes: Vec<InstanceVolume>,
    pub key_name: Option<String>,
    /// Base64, as RunInstances takes it.
    pub user_data: Option<String>,
    pub iam_instance_profile: Option<String>,
    pub state: Option<String>,
    pub launched_at: Option<String>,
    /// When it was last started, when that was not its launch.
    pub started_at: Option<String>,
    /// When it was last stopped.
    pub stopped_at: Option<String>,
    pub client_token: Option<String>,
    pub disable_api_termination: Option<bool>,
    pub disable_api_stop: Option<bool>,
    pub shutdown_behavior: Option<String>,
    pub ebs_optimized: Option<bool>,
    pub monitoring: Option<bool>,
    pub http_tokens: Option<String>,
    pub http_hop_limit: Option<i32>,
    /// The Auto Scaling group it belongs to: the instance carries the
    /// `aws:autoscaling:groupName` tag an Auto Scaling group gives (no API
    /// caller may set an `aws:` tag), so its container instance belongs to
    /// the cluster's capacity provider of that group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_scaling_group: Option<String>,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct InstanceAttachment {
    pub network_interface: String,
    pub device_index: i32,
    pub attachment_id: Option<String>,
    pub attached_at: Option<String>,
    pub delete_on_termination: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct InstanceVolume {
    pub device: String,
    pub id: Option<String>,
    pub size: Option<i32>,
    pub volume_type: Option<String>,
    pub iops: Option<i32>,
    pub throughput: Option<i32>,
    pub encrypted: Option<bool>,
    pub delete_on_termination: Option<bool>,
    #[serde(default)]
    pub tags: Tags,
}

/// An internet gateway, attached to `vpc` when given.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct InternetGateway {
    pub name: String,
    pub id: Option<String>,
    pub vpc: Option<String>,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EgressOnlyInternetGateway {
    pub name: String,
    pub id: Option<String>,
    pub vpc: String,
    #[serde(default)]
    pub tags: Tags,
}

/// A network ACL of `vpc`; with `default: true`, the VPC's own default ACL
/// (its entries then replace AWS's). `subnets` move to it from the ACL
/// they were with.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NetworkAcl {
    pub name: String,
    pub id: Option<String>,
    pub vpc: String,
    #[serde(default)]
    pub default: bool,
    /// Its rules (AWS's `32767` deny-all rules come with every ACL).
    #[serde(default)]
    pub entries: Vec<AclEntry>,
    #[serde(default)]
    pub subnets: Vec<String>,
    /// Pins the subnets' new associations, in the order of `subnets`.
    #[serde(default)]
    pub association_ids: Vec<String>,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AclEntry {
    pub rule_number: i32,
    #[serde(default)]
    pub egress: bool,
    /// `-1` (all), or a protocol number or name.
    pub protocol: String,
    /// `allow` or `deny`.
    pub action: String,
    pub cidr: Option<String>,
    pub ipv6_cidr: Option<String>,
    /// `[from, to]`, for TCP and UDP.
    pub ports: Option<(i32, i32)>,
    /// `[type, code]`, for ICMP.
    pub icmp: Option<(i32, i32)>,
}

/// A DHCP options set: its configurations in order.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DhcpOptions {
    pub name: String,
    pub id: Option<String>,
    pub configurations: Vec<DhcpConfiguration>,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DhcpConfiguration {
    pub key: String,
    pub values: Vec<String>,
}

/// A NAT gateway in `subnet`: public with `elasticIp` (a name of the
/// scenario or an allocation id), or `connectivity: private`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NatGateway {
    pub name: String,
    pub id: Option<String>,
    pub subnet: String,
    pub elastic_ip: Option<String>,
    pub connectivity: Option<String>,
    pub created_at: Option<String>,
    pub association_id: Option<String>,
    pub network_interface: Option<NetworkInterface>,
    #[serde(default)]
    pub tags: Tags,
}

/// An Elastic IP: its allocation id and address may be pinned; associated
/// with `networkInterface` (an id) once everything else exists.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ElasticIp {
    pub name: String,
    pub allocation_id: Option<String>,
    pub public_ip: Option<String>,
    pub network_interface: Option<String>,
    pub private_ip: Option<String>,
    pub association_id: Option<String>,
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
    pub tags: TagList,
    /// Attributes set with ModifyLoadBalancerAttributes (key: value).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    pub created_at: Option<String>,
    /// One per subnet, in the order of `subnets`.
    #[serde(default)]
    pub network_interfaces: Vec<NetworkInterface>,
    /// `ipv4` (default), `dualstack`, `dualstack-without-public-ipv4`.
    pub ip_address_type: Option<String>,
    /// Network load balancers with security groups: `on` (default) or `off`.
    pub enforce_security_group_inbound_rules_on_private_link_traffic: Option<String>,
}

/// An ELBv2 target group and its targets.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TargetGroup {
    pub name: String,
    /// Pins the ARN (its name must match).
    pub arn: Option<String>,
    /// `instance` (default), `ip`, `lambda`, `alb`.
    pub target_type: Option<String>,
    pub protocol: Option<String>,
    pub protocol_version: Option<String>,
    pub port: Option<i32>,
    /// A VPC (name or id).
    pub vpc: Option<String>,
    pub ip_address_type: Option<String>,
    /// Health check settings besides AWS's defaults for the kind.
    #[serde(default)]
    pub health_check: HealthCheck,
    /// Attributes set with ModifyTargetGroupAttributes (key: value).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    #[serde(default)]
    pub tags: TagList,
    #[serde(default)]
    pub targets: Vec<Target>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HealthCheck {
    pub enabled: Option<bool>,
    pub protocol: Option<String>,
    pub port: Option<String>,
    pub path: Option<String>,
    pub interval_seconds: Option<i32>,
    pub timeout_seconds: Option<i32>,
    pub healthy_threshold: Option<i32>,
    pub unhealthy_threshold: Option<i32>,
    pub http_code: Option<String>,
    pub grpc_code: Option<String>,
}

/// A registered target: an instance (name or id), an IP address, a Lambda
/// function ARN or an Application Load Balancer (name or ARN).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Target {
    pub id: String,
    pub port: Option<i32>,
    pub availability_zone: Option<String>,
    /// The target fails its health checks (`unhealthy`,
    /// `Target.FailedHealthChecks`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unhealthy: bool,
    /// The real local address (`host:port`) that stands in for the target:
    /// the data plane forwards to it and health-checks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local: Option<String>,
}

/// A listener of a load balancer.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Listener {
    /// The load balancer (name or ARN).
    pub load_balancer: String,
    /// Pins the ARN (its load balancer's ARN and a 16-hex suffix).
    pub arn: Option<String>,
    pub protocol: Option<String>,
    pub port: Option<i32>,
    pub ssl_policy: Option<String>,
    #[serde(default)]
    pub certificates: Vec<String>,
    #[serde(default)]
    pub alpn_policy: Vec<String>,
    /// Certificates besides the default one (AddListenerCertificates).
    #[serde(default)]
    pub extra_certificates: Vec<String>,
    pub default_actions: Vec<ListenerAction>,
    #[serde(default)]
    pub tags: TagList,
    /// Its rules besides the default one (Application Load Balancers).
    #[serde(default)]
    pub rules: Vec<ListenerRule>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ListenerRule {
    /// Pins the ARN (its listener's, as `listener-rule/…`, and a 16-hex suffix).
    pub arn: Option<String>,
    pub priority: i32,
    pub conditions: Vec<RuleCondition>,
    pub actions: Vec<ListenerAction>,
    #[serde(default)]
    pub tags: TagList,
}

/// `field`: `host-header`, `path-pattern`, `http-header` (with
/// `headerName`), `http-request-method`, `source-ip` (with `values`), or
/// `query-string` (with `query`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RuleCondition {
    pub field: String,
    #[serde(default)]
    pub values: Vec<String>,
    pub header_name: Option<String>,
    #[serde(default)]
    pub query: Vec<QueryPair>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct QueryPair {
    pub key: Option<String>,
    pub value: String,
}

/// A default action: `forward` (one `targetGroup`, or weighted
/// `targetGroups`), `redirect` or `fixed-response`, after an optional
/// `authenticate-oidc`, `authenticate-cognito` or `jwt-validation`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ListenerAction {
    #[serde(rename = "type")]
    pub action_type: String,
    pub order: Option<i32>,
    /// A target group (name or ARN).
    pub target_group: Option<String>,
    #[serde(default)]
    pub target_groups: Vec<WeightedTargetGroup>,
    /// Stickiness across the target groups: its duration in seconds.
    pub stickiness_seconds: Option<i32>,
    pub redirect: Option<Redirect>,
    pub fixed_response: Option<FixedResponse>,
    pub authenticate_oidc: Option<AuthenticateOidc>,
    pub authenticate_cognito: Option<AuthenticateCognito>,
    pub jwt_validation: Option<JwtValidation>,
}

/// An `authenticate-oidc` action.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AuthenticateOidc {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub user_info_endpoint: String,
    pub client_id: String,
    /// AWS never returns it; the export keeps it so the file loads back.
    pub client_secret: String,
    /// Left out: AWS's defaults.
    #[serde(default)]
    pub session: AuthSession,
}

/// An `authenticate-cognito` action.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AuthenticateCognito {
    pub user_pool_arn: String,
    pub user_pool_client_id: String,
    pub user_pool_domain: String,
    /// Left out: AWS's defaults.
    #[serde(default)]
    pub session: AuthSession,
}

/// The session settings of an authenticate action.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AuthSession {
    pub session_cookie_name: Option<String>,
    pub scope: Option<String>,
    pub session_timeout: Option<i64>,
    #[serde(default)]
    pub authentication_request_extra_params: BTreeMap<String, String>,
    /// `deny`, `allow` or `authenticate`.
    pub on_unauthenticated_request: Option<String>,
}

/// A `jwt-validation` action.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct JwtValidation {
    pub jwks_endpoint: String,
    pub issuer: String,
    #[serde(default)]
    pub additional_claims: Vec<JwtClaim>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct JwtClaim {
    /// `single-string`, `string-array` or `space-separated-values`.
    pub format: String,
    pub name: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WeightedTargetGroup {
    pub target_group: String,
    pub weight: Option<i32>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Redirect {
    pub protocol: Option<String>,
    pub port: Option<String>,
    pub host: Option<String>,
    pub path: Option<String>,
    pub query: Option<String>,
    /// `HTTP_301` or `HTTP_302`.
    pub status_code: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FixedResponse {
    pub status_code: String,
    pub content_type: Option<String>,
    pub message_body: Option<String>,
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
    /// Regions besides its own whose consumers may connect (cross-Region).
    #[serde(default)]
    pub supported_regions: Vec<String>,
    /// Pins the permissions' ids (`vpce-svc-perm-`), in the order of `principals`.
    #[serde(default)]
    pub permission_ids: Vec<String>,
    /// Pins the TXT record that verifies `privateDnsName`.
    pub private_dns_record: Option<DnsRecord>,
    #[serde(default)]
    pub notifications: Vec<Notification>,
    #[serde(default)]
    pub tags: Tags,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DnsRecord {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Notification {
    /// Pins the notification id (`vpce-nfn-`).
    pub id: Option<String>,
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
    /// The service's Region when it is another one (cross-Region PrivateLink).
    pub service_region: Option<String>,
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
    pub created_at: Option<String>,
    /// The 8 characters after the id in its DNS names.
    pub dns_suffix: Option<String>,
    /// The hosted zone of its private DNS names.
    pub private_zone_id: Option<String>,
    /// One per subnet, in the order of `subnets`.
    #[serde(default)]
    pub network_interfaces: Vec<NetworkInterface>,
    /// Pins the connection id (`vpce-con-`) its custom service records.
    pub connection_id: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Ecs {
    #[serde(default)]
    pub clusters: Vec<Cluster>,
    /// RegisterTaskDefinition requests, as the ECS API takes them, plus
    /// optional `registeredAt`, `registeredBy` (the principal), and `status:
    /// INACTIVE` with `deregisteredAt` for a deregistered revision.
    #[serde(default)]
    pub task_definitions: Vec<serde_json::Value>,
    #[serde(default)]
    pub services: Vec<Service>,
    #[serde(default)]
    pub tasks: Vec<Task>,
    /// Auto Scaling group and Managed Instances capacity providers
    /// (FARGATE and FARGATE_SPOT exist already), made before the clusters
    /// that list them (a Managed Instances one after its cluster).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capacity_providers: Vec<CapacityProvider>,
    /// What the agents of EC2 instances (launched from an ECS-optimized AMI
    /// in `instances`) register: they register on their own; these pin it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub container_instances: Vec<ContainerInstance>,
    /// Account settings (PutAccountSetting), applied before the clusters:
    /// the root user's (no `principalArn`) are the account default.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub account_settings: Vec<AccountSetting>,
}

/// One account setting of a principal (the account default without
/// `principalArn`).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AccountSetting {
    pub name: String,
    pub value: String,
    /// A user or role of the account (the root user when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_arn: Option<String>,
}

/// A task set of a service with the `EXTERNAL` or `CODE_DEPLOY`
/// deployment controller, as CreateTaskSet takes it, with what AWS
/// generated pinned.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TaskSet {
    /// Pins its id (`ecs-svc/` and 19 digits).
    pub id: Option<String>,
    pub task_definition: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// `EC2` (FARGATE when absent and no strategy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_type: Option<String>,
    /// As CreateTaskSet takes it (instead of a launch type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_provider_strategy: Option<serde_json::Value>,
    /// awsvpc subnets (none for a `bridge` or `host` task definition).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subnets: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assign_public_ip: Option<bool>,
    /// Percent of the service's desired count (100 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub load_balancers: Vec<ServiceLoadBalancer>,
    /// The service's primary task set (at most one).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub primary: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// When it was last changed (made primary, scaled), if after `createdAt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub tags: TagList,
    /// Pins the tasks it starts, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<LaunchedTask>,
}

/// A container instance: the agent of `instance` registers it with
/// `cluster`; the rest pins what AWS would generate or what was changed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ContainerInstance {
    /// An instance (name or id).
    pub instance: String,
    pub cluster: String,
    /// 32 hex digits.
    pub id: Option<String>,
    /// The agent's version (`1.88.0` when absent): the seeds' rule that
    /// ECS endpoints need agent 1.25.1 or later can be tested with an older one.
    pub agent_version: Option<String>,
    pub agent_hash: Option<String>,
    pub docker_version: Option<String>,
    /// Attributes besides the agent's (name: value, or null).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, Option<String>>,
    /// `DRAINING` (ACTIVE when absent).
    pub status: Option<String>,
}

/// A capacity provider, as CreateCapacityProvider takes it:
/// `{name, autoScalingGroupProvider: {autoScalingGroupArn, managedScaling:
/// {status, targetCapacity, minimumScalingStepSize, maximumScalingStepSize,
/// instanceWarmupPeriod}, managedTerminationProtection, managedDraining},
/// tags}`, or `{name, cluster, managedInstancesProvider: {...}}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CapacityProvider {
    pub name: String,
    /// As CreateCapacityProvider takes it.
    pub auto_scaling_group_provider: Option<serde_json::Value>,
    /// As CreateCapacityProvider takes it (with `cluster`).
    pub managed_instances_provider: Option<serde_json::Value>,
    /// The cluster of a Managed Instances provider.
    pub cluster: Option<String>,
    #[serde(default)]
    pub tags: TagList,
    /// `UPDATE_COMPLETE` for a provider updated since it was created
    /// (replayed as an UpdateCapacityProvider with its settings).
    pub update_status: Option<String>,
}

/// An `as_policy` attachment a cluster's capacity provider got.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterAttachment {
    /// A UUID.
    pub id: Option<String>,
    /// `ECSManagedAutoScalingPolicy-<uuid>`.
    pub scaling_policy_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Cluster {
    pub name: String,
    /// Cloud Map namespace (name or ARN) for Service Connect defaults.
    pub service_connect_namespace: Option<String>,
    #[serde(default)]
    pub tags: TagList,
    /// Cluster settings by name (`containerInsights: enabled`).
    #[serde(default)]
    pub settings: BTreeMap<String, String>,
    #[serde(default)]
    pub capacity_providers: Vec<String>,
    /// As CreateCluster takes it.
    pub default_capacity_provider_strategy: Option<serde_json::Value>,
    /// As CreateCluster takes it.
    pub configuration: Option<serde_json::Value>,
    /// Pins the `as_policy` attachments of its Auto Scaling group
    /// providers with managed scaling, in the order of `capacityProviders`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<ClusterAttachment>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Service {
    pub cluster: String,
    pub name: String,
    /// Blank for a service whose task sets hold it (EXTERNAL, CODE_DEPLOY).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub task_definition: String,
    #[serde(default)]
    pub desired_count: i32,
    /// `EC2` to run on container instances (FARGATE when absent).
    pub launch_type: Option<String>,
    /// awsvpc subnets (none for a `bridge` or `host` task definition).
    #[serde(default)]
    pub subnets: Vec<String>,
    #[serde(default)]
    pub security_groups: Vec<String>,
    /// Sent as `assignPublicIp` when given.
    pub assign_public_ip: Option<bool>,
    /// As CreateService takes it.
    pub service_connect_configuration: Option<serde_json::Value>,
    /// As CreateService takes it (instead of the FARGATE launch type).
    pub capacity_provider_strategy: Option<serde_json::Value>,
    /// The target groups it registers its tasks in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub load_balancers: Vec<ServiceLoadBalancer>,
    pub health_check_grace_period_seconds: Option<i32>,
    #[serde(default)]
    pub tags: TagList,
    pub created_at: Option<String>,
    /// The principal that created it (defaults to the account root).
    pub created_by: Option<String>,
    /// Pins the id of its deployment (`ecs-svc/` and 19 digits).
    pub deployment_id: Option<String>,
    /// Pins the Cloud Map services Service Connect makes (`srv-` ids), in
    /// the order of `serviceConnectConfiguration.services`.
    #[serde(default)]
    pub service_connect_discovery_ids: Vec<String>,
    /// Pins the tasks it starts, in order.
    #[serde(default)]
    pub tasks: Vec<LaunchedTask>,
    /// Its event log, newest first, as DescribeServices shows it: replaces
    /// the events the scenario's own replay wrote.
    pub events: Option<Vec<ServiceEvent>>,
    /// `EXTERNAL` or `CODE_DEPLOY` (ECS when absent): its tasks run in
    /// `taskSets`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_controller: Option<String>,
    /// Its task sets, oldest first (a CODE_DEPLOY service's first one is
    /// the one CreateService makes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub task_sets: Vec<TaskSet>,
}

/// A target group an ECS service registers its tasks in.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceLoadBalancer {
    /// A target group (name or ARN).
    pub target_group: String,
    pub container_name: String,
    pub container_port: i32,
}

/// What AWS generates for a task it starts.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LaunchedTask {
    /// 32 hex digits.
    pub id: Option<String>,
    /// Its network interface attachment (a UUID).
    pub attachment_id: Option<String>,
    /// One UUID per container, in the task definition's order.
    #[serde(default)]
    pub container_ids: Vec<String>,
    pub network_interface: Option<NetworkInterface>,
    /// The capacity provider of its strategy it runs on (`FARGATE_SPOT`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_provider: Option<String>,
    /// EC2 launch type: the EC2 instance (name or id) whose container
    /// instance it runs on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_instance: Option<String>,
    /// EC2 launch type: the host ports of its network bindings, container
    /// by container in the task definition's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub host_ports: Vec<i32>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceEvent {
    pub id: String,
    pub created_at: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Task {
    pub cluster: String,
    pub task_definition: String,
    #[serde(default = "one")]
    pub count: i32,
    /// `EC2` to run on a container instance (FARGATE when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_type: Option<String>,
    /// awsvpc subnets (none for a `bridge` or `host` task definition).
    #[serde(default)]
    pub subnets: Vec<String>,
    #[serde(default)]
    pub security_groups: Vec<String>,
    /// Sent as `assignPublicIp` when given.
    pub assign_public_ip: Option<bool>,
    pub started_by: Option<String>,
    pub group: Option<String>,
    /// The capacity provider it runs on (`FARGATE_SPOT`), sent as a
    /// strategy of that one provider instead of the FARGATE launch type.
    pub capacity_provider: Option<String>,
    /// `RUNNING` (default) or `STOPPED`.
    pub state: Option<String>,
    pub stopped_reason: Option<String>,
    #[serde(default)]
    pub tags: TagList,
    pub created_at: Option<String>,
    /// When it was stopped (a `STOPPED` task).
    pub stopping_at: Option<String>,
    /// Pins what AWS generates for the (first) task.
    pub id: Option<String>,
    pub attachment_id: Option<String>,
    #[serde(default)]
    pub container_ids: Vec<String>,
    pub network_interface: Option<NetworkInterface>,
    /// EC2 launch type: the EC2 instance (name or id) whose container
    /// instance it runs on, and its host ports (as a service's tasks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_instance: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub host_ports: Vec<i32>,
}

fn one() -> i32 {
    1
}
