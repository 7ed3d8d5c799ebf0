//! EC2 resources as the emulator keeps them (not as the wire shows them).

use std::collections::BTreeMap;

use compact_str::CompactString;
use serde::Serialize;

use super::catalog::PrefixList;
use super::tags::Tags;
use crate::wire::Timestamp;
use crate::world::events::NewEvent;
use crate::world::regions::Zone;

/// What a Region holds of EC2 for all of its accounts.
#[derive(Debug, Default)]
pub struct Regional {
    /// Endpoint services of every account, by service id: consumers of any
    /// account reach them.
    pub endpoint_services: BTreeMap<String, EndpointService>,
    /// A request changed `endpoint_services`: publish them for other
    /// Regions when it ends (see `remote`).
    pub services_changed: bool,
}

#[derive(Debug, Default, Serialize)]
pub struct State {
    pub vpcs: BTreeMap<String, Vpc>,
    pub subnets: BTreeMap<String, Subnet>,
    pub security_groups: BTreeMap<String, SecurityGroup>,
    pub route_tables: BTreeMap<String, RouteTable>,
    pub enis: BTreeMap<CompactString, Box<NetworkInterface>>,
    pub endpoints: BTreeMap<String, VpcEndpoint>,
    pub notifications: BTreeMap<String, ConnectionNotification>,
    pub internet_gateways: BTreeMap<String, InternetGateway>,
    pub egress_only_gateways: BTreeMap<String, EgressOnlyGateway>,
    /// Elastic IP addresses, by allocation id.
    pub addresses: BTreeMap<String, Address>,
    pub nat_gateways: BTreeMap<String, NatGateway>,
    pub dhcp_options: BTreeMap<String, DhcpOptionSet>,
    pub network_acls: BTreeMap<String, NetworkAcl>,
    pub instances: BTreeMap<String, Instance>,
    /// EBS volumes (the ones instances launch with).
    pub volumes: BTreeMap<String, Volume>,
    /// The set AWS made with the account's default VPC: new VPCs get it.
    pub default_dhcp_options: Option<String>,
    /// `ClientToken` → (operation, resource id), for idempotent creates.
    pub client_tokens: BTreeMap<String, (String, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Vpc {
    pub id: String,
    pub cidr: String,
    pub cidr_association_id: String,
    pub state: String,
    pub is_default: bool,
    pub instance_tenancy: String,
    pub dhcp_options_id: String,
    pub enable_dns_support: bool,
    pub enable_dns_hostnames: bool,
    pub enable_network_address_usage_metrics: bool,
    pub default_security_group_id: String,
    pub main_route_table_id: String,
    /// Blocks beyond the primary one: secondary IPv4 blocks and the
    /// Amazon-provided IPv6 block, in the order they were associated.
    pub cidr_blocks: Vec<CidrAssociation>,
    pub tags: Tags,
}

/// A CIDR block associated with a VPC or a subnet, beyond a VPC's primary
/// IPv4 block (see `cidrs`).
#[derive(Debug, Clone, Serialize)]
pub struct CidrAssociation {
    /// `vpc-cidr-assoc-…` or `subnet-cidr-assoc-…`.
    pub id: String,
    /// Canonical (host bits cleared).
    pub cidr: String,
    pub ipv6: bool,
    /// `associating`, `associated`, `disassociating`, `disassociated`.
    pub state: String,
    /// An Amazon-provided IPv6 block: where it is advertised (the Region).
    pub border_group: Option<String>,
    /// A disassociated block is still described until then (world ms).
    pub gone_at: Option<i64>,
}

impl CidrAssociation {
    /// Associated or on its way there: a block the VPC or subnet has.
    pub fn live(&self) -> bool {
        matches!(self.state.as_str(), "associating" | "associated")
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Subnet {
    pub id: String,
    pub vpc_id: String,
    pub cidr: String,
    pub availability_zone: String,
    pub availability_zone_id: String,
    pub default_for_az: bool,
    pub map_public_ip_on_launch: bool,
    /// What ModifySubnetAttribute sets besides `map_public_ip_on_launch`.
    pub options: SubnetOptions,
    /// Addresses taken by network interfaces, as offsets into the block.
    pub used_ips: std::collections::BTreeSet<u32>,
    /// Its IPv6 block associations (one live at most).
    pub ipv6_cidrs: Vec<CidrAssociation>,
    pub assign_ipv6_on_creation: bool,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubnetOptions {
    pub enable_dns64: bool,
    /// `ip-name` or `resource-name`.
    pub hostname_type: String,
    pub resource_name_dns_a: bool,
    pub resource_name_dns_aaaa: bool,
}

impl Default for SubnetOptions {
    fn default() -> Self {
        SubnetOptions {
            enable_dns64: false,
            hostname_type: "ip-name".into(),
            resource_name_dns_a: false,
            resource_name_dns_aaaa: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Peer {
    Cidr(String),
    CidrV6(String),
    Group { group_id: String, user_id: String },
    PrefixList(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    pub id: String,
    pub egress: bool,
    /// `-1` for all, else `tcp`, `udp`, `icmp`, `icmpv6` or a protocol number.
    pub protocol: String,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub peer: Peer,
    pub description: Option<String>,
    pub tags: Tags,
}

impl Rule {
    /// Same permission, ignoring id and description.
    pub fn same_as(&self, other: &Rule) -> bool {
        self.egress == other.egress
            && self.protocol == other.protocol
            && self.from_port == other.from_port
            && self.to_port == other.to_port
            && self.peer == other.peer
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SecurityGroup {
    pub id: String,
    pub name: String,
    pub description: String,
    pub vpc_id: String,
    pub rules: Vec<Rule>,
    pub tags: Tags,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Route {
    pub destination_cidr: Option<String>,
    pub destination_ipv6_cidr: Option<String>,
    pub destination_prefix_list: Option<String>,
    /// `local`, an internet gateway, a gateway endpoint (`vpce-`), a virtual
    /// private gateway (`vgw-`).
    pub gateway_id: Option<String>,
    pub nat_gateway_id: Option<String>,
    pub egress_only_gateway_id: Option<String>,
    pub network_interface_id: Option<String>,
    pub instance_id: Option<String>,
    pub vpc_peering_connection_id: Option<String>,
    pub transit_gateway_id: Option<String>,
    pub origin: String,
    /// The state of a route AWS made (local, gateway endpoint); one made by
    /// CreateRoute is `active` or `blackhole` as its target is there or not.
    pub state: String,
}

impl Route {
    /// What the route sends to.
    pub fn target(&self) -> Option<&str> {
        [
            &self.gateway_id,
            &self.nat_gateway_id,
            &self.egress_only_gateway_id,
            // An instance's route names its interface too.
            &self.instance_id,
            &self.network_interface_id,
            &self.vpc_peering_connection_id,
            &self.transit_gateway_id,
        ]
        .into_iter()
        .find_map(|t| t.as_deref())
    }

    /// Where it sends from: a CIDR block or a prefix list.
    pub fn destination(&self) -> Option<&str> {
        self.destination_cidr
            .as_deref()
            .or(self.destination_ipv6_cidr.as_deref())
            .or(self.destination_prefix_list.as_deref())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Association {
    pub id: String,
    pub subnet_id: Option<String>,
    pub gateway_id: Option<String>,
    pub main: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct RouteTable {
    pub id: String,
    pub vpc_id: String,
    pub routes: Vec<Route>,
    pub associations: Vec<Association>,
    pub tags: Tags,
}

impl RouteTable {
    pub fn is_main(&self) -> bool {
        self.associations.iter().any(|a| a.main)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct InternetGateway {
    pub id: String,
    /// The VPC it is attached to (one at most, as AWS allows).
    pub vpc_id: Option<String>,
    pub tags: Tags,
}

/// An egress-only internet gateway: attached to its VPC from creation to
/// deletion.
#[derive(Debug, Clone, Serialize)]
pub struct EgressOnlyGateway {
    pub id: String,
    pub vpc_id: String,
    pub tags: Tags,
}

/// A network ACL: its entries and the subnets associated with it (every
/// subnet is, with its VPC's default ACL unless moved).
#[derive(Debug, Clone, Serialize)]
pub struct NetworkAcl {
    pub id: String,
    pub vpc_id: String,
    pub is_default: bool,
    pub entries: Vec<AclEntry>,
    /// (association id, subnet id).
    pub associations: Vec<(String, String)>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AclEntry {
    pub rule_number: i32,
    pub egress: bool,
    /// `-1` for all, else a protocol number.
    pub protocol: String,
    /// `allow` or `deny`.
    pub action: String,
    pub cidr: Option<String>,
    pub ipv6_cidr: Option<String>,
    pub ports: Option<(i32, i32)>,
    /// (type, code).
    pub icmp: Option<(i32, i32)>,
}

/// A DHCP options set: `(key, values)` in the order given.
#[derive(Debug, Clone, Serialize)]
pub struct DhcpOptionSet {
    pub id: String,
    pub configurations: Vec<(String, Vec<String>)>,
    pub tags: Tags,
}

/// A NAT gateway: `pending` → `available` (or `failed`), `deleting` →
/// `deleted`, on the world clock.
#[derive(Debug, Clone, Serialize)]
pub struct NatGateway {
    pub id: String,
    pub vpc_id: String,
    pub subnet_id: String,
    /// `public` or `private`.
    pub connectivity: String,
    /// The Elastic IP of a public gateway.
    pub allocation_id: Option<String>,
    pub public_ip: Option<String>,
    pub association_id: Option<String>,
    /// Its requester-managed interface (gone once the gateway is deleted).
    pub eni_id: Option<String>,
    pub private_ip: String,
    pub state: String,
    /// `(code, message)` of a gateway that failed.
    pub failure: Option<(String, String)>,
    pub created: Timestamp,
    pub deleted: Option<Timestamp>,
    pub client_token: Option<String>,
    pub tags: Tags,
}

/// An Elastic IP address (domain `vpc`).
#[derive(Debug, Clone, Serialize)]
pub struct Address {
    pub allocation_id: String,
    pub public_ip: String,
    /// Where it is associated: the association, the interface and the
    /// private address on it.
    pub association: Option<AddressAssociation>,
    pub tags: Tags,
}

#[derive(Debug, Clone, Serialize)]
pub struct AddressAssociation {
    pub id: String,
    pub network_interface_id: String,
    pub private_ip: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NetworkInterface {
    pub id: CompactString,
    pub subnet_id: CompactString,
    pub vpc_id: CompactString,
    pub availability_zone: CompactString,
    pub private_ip: CompactString,
    pub mac_address: CompactString,
    pub description: EniDescription,
    /// `interface`, `vpc_endpoint`, `network_load_balancer`, ...
    pub interface_type: CompactString,
    pub requester_id: Option<CompactString>,
    pub requester_managed: bool,
    pub status: CompactString,
    pub group_ids: Vec<String>,
    /// An Amazon-owned public address (ECS `assignPublicIp=ENABLED`).
    pub public_ip: Option<CompactString>,
    /// Addresses beyond the primary one (AssignPrivateIpAddresses).
    pub secondary_ips: Vec<String>,
    pub source_dest_check: bool,
    /// The instance it is attached to.
    pub attachment: Option<Box<EniAttachment>>,
    pub created: Timestamp,
    pub tags: Tags,
}

/// A network interface's description. ECS's for a task,
/// `arn:aws:ecs:<Region>:<account>:attachment/<UUID>`, is kept as the
/// UUID's 16 bytes: the rest is the interface's own Region and account.
#[derive(Debug, Clone, PartialEq)]
pub enum EniDescription {
    Text(String),
    EcsAttachment(uuid::Uuid),
}

impl EniDescription {
    const ECS: &'static str = "arn:aws:ecs:";

    pub fn new(text: String, region: &str, account: &str) -> EniDescription {
        let prefix = format!("{}{region}:{account}:attachment/", Self::ECS);
        let uuid = text.strip_prefix(&prefix).and_then(|rest| {
            uuid::Uuid::try_parse(rest)
                .ok()
                .filter(|u| u.to_string() == rest)
        });
        match uuid {
            Some(u) => EniDescription::EcsAttachment(u),
            None => EniDescription::Text(text),
        }
    }

    pub fn text(&self, region: &str, account: &str) -> String {
        match self {
            EniDescription::Text(t) => t.clone(),
            EniDescription::EcsAttachment(u) => {
                format!("{}{region}:{account}:attachment/{u}", Self::ECS)
            }
        }
    }
}

impl Serialize for EniDescription {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            EniDescription::Text(t) => s.serialize_str(t),
            EniDescription::EcsAttachment(u) => s.serialize_str(&format!("ecs-attachment/{u}")),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct EniAttachment {
    pub id: String,
    pub instance_id: String,
    pub device_index: i32,
    /// `attaching`, `attached`, `detaching`.
    pub status: String,
    pub delete_on_termination: bool,
    pub attached: Timestamp,
}

/// An instance: `pending` → `running`, `stopping` → `stopped`,
/// `shutting-down` → `terminated`, on the world clock. Its addresses and
/// security groups are those of its network interfaces (device 0 first).
#[derive(Debug, Clone, Serialize)]
pub struct Instance {
    pub id: String,
    pub reservation_id: String,
    pub launch_index: i32,
    pub image_id: String,
    pub instance_type: String,
    pub architecture: String,
    pub key_name: Option<String>,
    pub subnet_id: String,
    pub vpc_id: String,
    pub availability_zone: String,
    /// `pending`, `running`, `stopping`, `stopped`, `shutting-down`,
    /// `terminated`.
    pub state: String,
    /// Why it last stopped or terminated: AWS's text and (code, message).
    pub transition_reason: String,
    pub state_reason: Option<(String, String)>,
    /// When a user last stopped it (the time in `transition_reason`).
    pub stopped_at: Option<Timestamp>,
    /// When it was last started.
    pub launch_time: Timestamp,
    /// The status checks passed since it last started (`ok`, not
    /// `initializing`).
    pub checks_passed: bool,
    /// Base64, as sent.
    pub user_data: Option<String>,
    pub iam_instance_profile: Option<String>,
    pub disable_api_termination: bool,
    pub disable_api_stop: bool,
    /// `stop` or `terminate`.
    pub shutdown_behavior: String,
    pub ebs_optimized: bool,
    pub monitoring: bool,
    /// IMDS: `optional` or `required`, and the hop limit.
    pub http_tokens: String,
    pub http_hop_limit: i32,
    /// An Amazon-owned public address comes with each start.
    pub public_ip_on_start: bool,
    pub root_device_name: String,
    pub client_token: Option<String>,
    pub tags: Tags,
}

/// An EBS volume.
#[derive(Debug, Clone, Serialize)]
pub struct Volume {
    pub id: String,
    pub size: i32,
    pub volume_type: String,
    pub iops: Option<i32>,
    pub throughput: Option<i32>,
    pub encrypted: bool,
    pub snapshot_id: String,
    pub availability_zone: String,
    pub created: Timestamp,
    pub attachment: Option<VolumeAttachment>,
    pub tags: Tags,
}

#[derive(Debug, Clone, Serialize)]
pub struct VolumeAttachment {
    pub instance_id: String,
    pub device: String,
    pub delete_on_termination: bool,
    pub attached: Timestamp,
}

#[derive(Debug, Clone, Serialize)]
pub struct VpcEndpoint {
    pub id: String,
    /// `Interface`, `Gateway` or `GatewayLoadBalancer`.
    pub endpoint_type: String,
    pub vpc_id: String,
    pub service_name: String,
    pub service_region: String,
    /// Wire state, lower camel: `pending`, `available`, `deleting`, ...
    pub state: String,
    pub policy: Option<String>,
    pub route_table_ids: Vec<String>,
    pub subnet_ids: Vec<String>,
    /// One per subnet, in the same order.
    pub eni_ids: Vec<String>,
    pub group_ids: Vec<String>,
    pub ip_address_type: Option<String>,
    pub dns_record_ip_type: Option<String>,
    pub private_dns_enabled: bool,
    /// The 8 characters after the id in its DNS names.
    pub dns_suffix: String,
    /// The hidden private hosted zone of its private DNS names.
    pub private_zone_id: String,
    pub created: Timestamp,
    pub tags: Tags,
    /// `ClientToken` and the request it came with, for idempotent retries.
    pub client_token: Option<(String, String)>,
}

/// An endpoint service (provider side). Kept per Region, not per account,
/// because consumers of every account reach it.
#[derive(Debug, Clone, Serialize)]
pub struct EndpointService {
    pub id: String,
    pub name: String,
    pub owner: String,
    /// `Interface` (network load balancers) or `GatewayLoadBalancer`.
    pub service_type: String,
    /// `Available`, `Deleting`, ...
    pub state: String,
    pub acceptance_required: bool,
    pub load_balancers: Vec<String>,
    pub ip_types: Vec<String>,
    pub supported_regions: Vec<String>,
    pub private_dns: Option<PrivateDnsName>,
    pub payer_responsibility: Option<String>,
    pub principals: Vec<AllowedPrincipal>,
    /// Consumer endpoints, by endpoint id.
    pub connections: BTreeMap<String, Connection>,
    pub tags: Tags,
    pub created: Timestamp,
    pub client_token: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PrivateDnsName {
    pub name: String,
    /// `pendingVerification`, `verified`, `failed`.
    pub state: String,
    pub record_name: String,
    pub record_value: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AllowedPrincipal {
    pub id: String,
    pub arn: String,
    /// `All`, `Account`, `Role`, `User`, `OrganizationUnit`.
    pub principal_type: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Connection {
    pub id: String,
    pub account: String,
    pub created: Timestamp,
    /// The endpoint lives in another Region: what the provider knows of it,
    /// kept up to date by that Region's messages.
    pub remote: Option<RemoteEndpoint>,
}

/// A consumer endpoint in another Region, as its service's Region sees it.
#[derive(Debug, Clone, Serialize)]
pub struct RemoteEndpoint {
    pub region: String,
    pub state: String,
    pub ip_address_type: Option<String>,
    /// (DNS name, hosted zone id), as the consumer's Describe shows them.
    pub dns_entries: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConnectionNotification {
    pub id: String,
    pub service_id: Option<String>,
    pub endpoint_id: Option<String>,
    pub topic_arn: String,
    pub events: Vec<String>,
    pub state: String,
    pub client_token: Option<String>,
}

/// What a consumer needs to know of an endpoint service, whoever owns it.
#[derive(Debug, Clone)]
pub(crate) struct ServiceView {
    pub name: String,
    pub region: String,
    pub interface_id: Option<String>,
    pub gateway_id: Option<String>,
    pub gwlb_id: Option<String>,
    /// The service id when the service is a customer's (PrivateLink).
    pub custom_id: Option<String>,
    pub base_dns: String,
    pub gateway_dns: String,
    pub private_dns: Vec<String>,
    pub private_dns_default: bool,
    pub interface: bool,
    pub gateway: bool,
    pub gwlb: bool,
    pub zones: Vec<Zone>,
    pub policy_supported: bool,
    pub acceptance_required: bool,
    pub owner: String,
    pub wildcard: bool,
    pub cross_region: bool,
    pub ip_types: Vec<String>,
    pub prefix_list: Option<PrefixList>,
    pub payer_responsibility: Option<String>,
    pub private_dns_state: Option<String>,
    pub tags: Tags,
}

/// One connection event, as both sides' notifications report it.
#[derive(Debug, Clone)]
pub(crate) struct Occurrence {
    pub event: String,
    pub service_id: String,
    pub service_name: String,
    pub provider: String,
    pub endpoint_id: String,
    pub consumer: String,
    /// The endpoint's state right after the event.
    pub state: String,
    /// The Region of the consumer endpoint.
    pub endpoint_region: String,
}

/// An event for an EC2 resource.
pub(crate) fn event(
    resource_type: &'static str,
    id: &str,
    action: &'static str,
    state: Option<&str>,
) -> NewEvent {
    NewEvent::new("ec2", resource_type, id, action, state)
}

#[cfg(test)]
mod description_tests {
    use super::EniDescription;

    #[test]
    fn an_ecs_attachment_description_keeps_only_its_uuid_and_reads_back_whole() {
        let ecs =
            "arn:aws:ecs:us-east-1:123456789012:attachment/0b3a1c52-2d7e-4c43-9f4e-8a1d2b3c4d5e";
        let d = EniDescription::new(ecs.into(), "us-east-1", "123456789012");
        assert!(matches!(d, EniDescription::EcsAttachment(_)));
        assert_eq!(d.text("us-east-1", "123456789012"), ecs);
        // Anything else, another account's, or an upper-case UUID, stays text.
        for other in [
            "",
            "ELB net/x/1234",
            "arn:aws:ecs:us-east-1:999999999999:attachment/0b3a1c52-2d7e-4c43-9f4e-8a1d2b3c4d5e",
            "arn:aws:ecs:us-east-1:123456789012:attachment/0B3A1C52-2D7E-4C43-9F4E-8A1D2B3C4D5E",
            "arn:aws:ecs:us-east-1:123456789012:attachment/not-a-uuid",
        ] {
            let d = EniDescription::new(other.into(), "us-east-1", "123456789012");
            assert_eq!(d, EniDescription::Text(other.into()));
            assert_eq!(d.text("us-east-1", "123456789012"), other);
        }
    }
}
