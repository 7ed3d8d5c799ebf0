//! VPC endpoints through the real AWS SDK for Rust: interface endpoints for
//! ECS/ECR/CloudWatch Logs in private subnets, an S3 gateway endpoint, the
//! rules CreateVpcEndpoint enforces, the lifecycle on the world clock and
//! deletion (aws-spec.md §6, §7.2-7.3, §8.1-8.5, §8.26, §12).
//!
//! Tests on the default pace share one emulator process and each uses its
//! own random account; the manual-pace test starts its own process.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::time::Duration;

use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, Filter, IpPermission, IpRange, NetworkInterface, Route, RouteOrigin,
    RouteState, RouteTable, ServiceDetail, VpcAttributeName, VpcEndpoint, VpcEndpointType,
};
use aws_sdk_ec2::Client;
use sdk_tests::{create_subnet, create_vpc, error_code, is_id, random_account, Emulator};

const REGION: &str = "us-east-1";

/// Hosted zone of `*.vpce.amazonaws.com` names in us-east-1 (§6).
const VPCE_ZONE: &str = "Z7HUB22UULQXV";

/// AWS-managed prefix list of S3 in us-east-1 (§6).
const S3_PREFIX_LIST: &str = "pl-63a5400a";

/// Default policies AWS attaches when none is given (§8.1).
const DEFAULT_GATEWAY_POLICY: &str = r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
const DEFAULT_INTERFACE_POLICY: &str = "{\n  \"Statement\": [\n    {\n      \"Action\": \"*\", \n      \"Effect\": \"Allow\", \n      \"Principal\": \"*\", \n      \"Resource\": \"*\"\n    }\n  ]\n}";

/// The interface services an ECS task in a private subnet needs:
/// (service-name suffix, DNS label, private DNS name) (§12).
const ECS_SERVICES: [(&str, &str, &str); 6] = [
    ("ecs-agent", "ecs-agent", "ecs-a.us-east-1.amazonaws.com"),
    (
        "ecs-telemetry",
        "ecs-telemetry",
        "ecs-t.us-east-1.amazonaws.com",
    ),
    ("ecs", "ecs", "ecs.us-east-1.amazonaws.com"),
    ("ecr.api", "api.ecr", "api.ecr.us-east-1.amazonaws.com"),
    ("ecr.dkr", "dkr.ecr", "*.dkr.ecr.us-east-1.amazonaws.com"),
    ("logs", "logs", "logs.us-east-1.amazonaws.com"),
];

const US_EAST_1_AZS: [&str; 6] = [
    "us-east-1a",
    "us-east-1b",
    "us-east-1c",
    "us-east-1d",
    "us-east-1e",
    "us-east-1f",
];

fn service(suffix: &str) -> String {
    format!("com.amazonaws.{REGION}.{suffix}")
}

fn filter(name: &str, values: &[&str]) -> Filter {
    let mut b = Filter::builder().name(name);
    for v in values {
        b = b.values(*v);
    }
    b.build()
}

fn state(e: &VpcEndpoint) -> &str {
    e.state().map(|s| s.as_str()).unwrap_or("")
}

fn id_of(e: &VpcEndpoint) -> String {
    e.vpc_endpoint_id()
        .expect("vpcEndpoint.vpcEndpointId")
        .to_string()
}

async fn create_route_table(ec2: &Client, vpc: &str) -> String {
    let out = ec2
        .create_route_table()
        .vpc_id(vpc)
        .send()
        .await
        .expect("CreateRouteTable");
    let id = out
        .route_table()
        .and_then(|t| t.route_table_id())
        .expect("routeTable.routeTableId")
        .to_string();
    assert!(is_id(&id, "rtb"), "route table id {id:?}");
    id
}

async fn enable_dns_hostnames(ec2: &Client, vpc: &str) {
    ec2.modify_vpc_attribute()
        .vpc_id(vpc)
        .enable_dns_hostnames(AttributeBooleanValue::builder().value(true).build())
        .send()
        .await
        .expect("ModifyVpcAttribute enableDnsHostnames=true");
    let out = ec2
        .describe_vpc_attribute()
        .vpc_id(vpc)
        .attribute(VpcAttributeName::EnableDnsHostnames)
        .send()
        .await
        .expect("DescribeVpcAttribute enableDnsHostnames");
    assert_eq!(
        out.enable_dns_hostnames().and_then(|v| v.value()),
        Some(true)
    );
}

/// Id of the VPC's `default` security group.
async fn default_group(ec2: &Client, vpc: &str) -> String {
    let out = ec2
        .describe_security_groups()
        .filters(filter("vpc-id", &[vpc]))
        .filters(filter("group-name", &["default"]))
        .send()
        .await
        .expect("DescribeSecurityGroups default");
    let groups = out.security_groups();
    assert_eq!(groups.len(), 1, "{groups:?}");
    groups[0].group_id().expect("groupId").to_string()
}

/// All endpoints of a VPC, sorted by id.
async fn endpoints_in(ec2: &Client, vpc: &str) -> Vec<VpcEndpoint> {
    let mut out = ec2
        .describe_vpc_endpoints()
        .filters(filter("vpc-id", &[vpc]))
        .send()
        .await
        .expect("DescribeVpcEndpoints vpc-id")
        .vpc_endpoints()
        .to_vec();
    out.sort_by(|a, b| a.vpc_endpoint_id().cmp(&b.vpc_endpoint_id()));
    out
}

async fn describe_endpoint(ec2: &Client, id: &str) -> VpcEndpoint {
    let out = ec2
        .describe_vpc_endpoints()
        .vpc_endpoint_ids(id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeVpcEndpoints {id}: {e:?}"));
    let eps = out.vpc_endpoints();
    assert_eq!(eps.len(), 1, "{eps:?}");
    assert_eq!(eps[0].vpc_endpoint_id(), Some(id));
    eps[0].clone()
}

/// All network interfaces of a VPC.
async fn enis_in(ec2: &Client, vpc: &str) -> Vec<NetworkInterface> {
    ec2.describe_network_interfaces()
        .filters(filter("vpc-id", &[vpc]))
        .send()
        .await
        .expect("DescribeNetworkInterfaces vpc-id")
        .network_interfaces()
        .to_vec()
}

async fn route_table(ec2: &Client, id: &str) -> RouteTable {
    let out = ec2
        .describe_route_tables()
        .route_table_ids(id)
        .send()
        .await
        .expect("DescribeRouteTables");
    let tables = out.route_tables();
    assert_eq!(tables.len(), 1, "{tables:?}");
    tables[0].clone()
}

/// subnet id -> available IP count, for the subnets of a VPC.
async fn free_ips(ec2: &Client, vpc: &str) -> BTreeMap<String, i32> {
    ec2.describe_subnets()
        .filters(filter("vpc-id", &[vpc]))
        .send()
        .await
        .expect("DescribeSubnets")
        .subnets()
        .iter()
        .map(|s| {
            (
                s.subnet_id().unwrap_or_default().to_string(),
                s.available_ip_address_count().unwrap_or(-1),
            )
        })
        .collect()
}

/// True if `ip` is a usable host address of `cidr`: inside it and not one of
/// the four first or the last address AWS reserves.
fn usable_in(ip: &str, cidr: &str) -> bool {
    let (Ok(ip), Some((net, len))) = (ip.parse::<Ipv4Addr>(), cidr.split_once('/')) else {
        return false;
    };
    let (Ok(net), Ok(len)) = (net.parse::<Ipv4Addr>(), len.parse::<u32>()) else {
        return false;
    };
    let size = 1u32 << (32 - len);
    let (ip, net) = (u32::from(ip), u32::from(net));
    ip >= net + 4 && ip < net + size - 1
}

fn is_dns_suffix(s: &str) -> bool {
    s.len() == 8
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

/// The DNS entries of an interface endpoint to an AWS service, exactly: the
/// regional name, one zonal name per AZ (in subnet order), then the private
/// name when private DNS is on (§6, §8.1).
fn assert_interface_dns(e: &VpcEndpoint, label: &str, azs: &[&str], private: Option<&str>) {
    let id = id_of(e);
    let entries = e.dns_entries();
    let names: Vec<&str> = entries.iter().filter_map(|d| d.dns_name()).collect();
    let expected_len = 1 + azs.len() + usize::from(private.is_some());
    assert_eq!(entries.len(), expected_len, "{id} dnsEntries: {names:?}");

    let base = format!("{label}.{REGION}.vpce.amazonaws.com");
    let regional = names[0];
    let suffix = regional
        .strip_prefix(&format!("{id}-"))
        .and_then(|r| r.strip_suffix(&format!(".{base}")))
        .unwrap_or_else(|| panic!("{id}: regional name {regional:?} is not {id}-<8>.{base}"));
    assert!(
        is_dns_suffix(suffix),
        "{id}: DNS suffix {suffix:?} is not 8 [a-z0-9]"
    );
    let mut expected: Vec<String> = vec![format!("{id}-{suffix}.{base}")];
    for az in azs {
        expected.push(format!("{id}-{suffix}-{az}.{base}"));
    }
    if let Some(p) = private {
        expected.push(p.to_string());
    }
    assert_eq!(names, expected, "{id} dnsEntries");

    for d in &entries[..1 + azs.len()] {
        assert_eq!(d.hosted_zone_id(), Some(VPCE_ZONE), "{id}: {d:?}");
    }
    if private.is_some() {
        let zone = entries[expected_len - 1].hosted_zone_id().unwrap_or("");
        assert!(
            zone.len() == 21
                && zone.starts_with('Z')
                && zone
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                && zone != VPCE_ZONE,
            "{id}: private DNS entry needs a private hosted zone id, got {zone:?}"
        );
    }
}

/// Interface endpoint to `suffix` in `subnets`, with the given groups (none:
/// the VPC default) and private DNS on or off.
async fn create_interface(
    ec2: &Client,
    vpc: &str,
    suffix: &str,
    subnets: &[&str],
    groups: &[&str],
    private_dns: bool,
) -> VpcEndpoint {
    let mut req = ec2
        .create_vpc_endpoint()
        .vpc_endpoint_type(VpcEndpointType::Interface)
        .vpc_id(vpc)
        .service_name(service(suffix))
        .private_dns_enabled(private_dns);
    for s in subnets {
        req = req.subnet_ids(*s);
    }
    for g in groups {
        req = req.security_group_ids(*g);
    }
    let out = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateVpcEndpoint Interface {suffix}: {e:?}"));
    let e = out
        .vpc_endpoint()
        .expect("CreateVpcEndpoint returns vpcEndpoint")
        .clone();
    let id = id_of(&e);
    assert!(
        is_id(&id, "vpce"),
        "endpoint id {id:?} is not vpce- + 17 hex"
    );
    e
}

async fn create_s3_gateway(ec2: &Client, vpc: &str, tables: &[&str]) -> VpcEndpoint {
    let mut req = ec2
        .create_vpc_endpoint()
        .vpc_endpoint_type(VpcEndpointType::Gateway)
        .vpc_id(vpc)
        .service_name(service("s3"));
    for t in tables {
        req = req.route_table_ids(*t);
    }
    let out = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateVpcEndpoint Gateway s3: {e:?}"));
    let e = out
        .vpc_endpoint()
        .expect("CreateVpcEndpoint returns vpcEndpoint")
        .clone();
    assert!(is_id(&id_of(&e), "vpce"), "{e:?}");
    e
}

fn prefix_list_routes(t: &RouteTable) -> Vec<&Route> {
    t.routes()
        .iter()
        .filter(|r| r.destination_prefix_list_id().is_some())
        .collect()
}

/// The detail of `name` of the given type in a DescribeVpcEndpointServices answer.
fn detail<'a>(details: &'a [ServiceDetail], name: &str, kind: &str) -> &'a ServiceDetail {
    let found: Vec<&ServiceDetail> = details
        .iter()
        .filter(|d| {
            d.service_name() == Some(name)
                && d.service_type()
                    .iter()
                    .any(|t| t.service_type().map(|s| s.as_str()) == Some(kind))
        })
        .collect();
    assert_eq!(found.len(), 1, "one {kind} detail for {name}: {found:?}");
    found[0]
}

/// Service names of every detail DescribeVpcEndpointServices lists, following
/// `NextToken` (the SDK has no paginator for this call).
async fn catalogue_names(ec2: &Client, f: Option<Filter>) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut token: Option<String> = None;
    for _ in 0..100 {
        let out = ec2
            .describe_vpc_endpoint_services()
            .set_filters(f.clone().map(|f| vec![f]))
            .set_next_token(token.take())
            .send()
            .await
            .expect("DescribeVpcEndpointServices");
        names.extend(
            out.service_details()
                .iter()
                .filter_map(|d| d.service_name().map(str::to_string)),
        );
        match out.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return names,
        }
    }
    panic!("DescribeVpcEndpointServices still had a NextToken after 100 pages");
}

/// The AWS services the walk needs are in the catalogue (§8.5, §12).
async fn check_service_catalogue(ec2: &Client) {
    let mut req = ec2.describe_vpc_endpoint_services();
    for (suffix, _, _) in ECS_SERVICES {
        req = req.service_names(service(suffix));
    }
    let out = req
        .service_names(service("s3"))
        .service_names(service("dynamodb"))
        .send()
        .await
        .expect("DescribeVpcEndpointServices ServiceName.N");
    let details = out.service_details();
    let listed: BTreeSet<&str> = out.service_names().iter().map(String::as_str).collect();
    let mut wanted: BTreeSet<String> = ECS_SERVICES.iter().map(|s| service(s.0)).collect();
    wanted.insert(service("s3"));
    wanted.insert(service("dynamodb"));
    let wanted_refs: BTreeSet<&str> = wanted.iter().map(String::as_str).collect();
    assert_eq!(listed, wanted_refs, "serviceNameSet");
    let detail_names: BTreeSet<&str> = details.iter().filter_map(|d| d.service_name()).collect();
    assert_eq!(detail_names, wanted_refs, "only the asked services");

    let mut ids = BTreeSet::new();
    let common = |d: &ServiceDetail, ids: &mut BTreeSet<String>| {
        let name = d.service_name().unwrap_or_default();
        assert_eq!(d.owner(), Some("amazon"), "{name}");
        let id = d.service_id().unwrap_or_default();
        assert!(is_id(id, "vpce-svc"), "{name}: serviceId {id:?}");
        ids.insert(id.to_string());
        assert_eq!(d.availability_zones(), &US_EAST_1_AZS[..], "{name}");
        assert_eq!(d.acceptance_required(), Some(false), "{name}");
        assert_eq!(d.service_region(), Some(REGION), "{name}");
    };

    for (suffix, label, private) in ECS_SERVICES {
        let name = service(suffix);
        let d = detail(details, &name, "Interface");
        common(d, &mut ids);
        assert_eq!(
            d.base_endpoint_dns_names(),
            &[format!("{label}.{REGION}.vpce.amazonaws.com")],
            "{name}"
        );
        assert_eq!(d.private_dns_name(), Some(private), "{name}");
        let policy = !matches!(suffix, "ecs" | "ecs-agent" | "ecs-telemetry");
        assert_eq!(d.vpc_endpoint_policy_supported(), Some(policy), "{name}");
    }
    let s3 = service("s3");
    let d = detail(details, &s3, "Interface");
    common(d, &mut ids);
    assert_eq!(
        d.base_endpoint_dns_names(),
        &["s3.us-east-1.vpce.amazonaws.com".to_string()]
    );
    assert_eq!(d.vpc_endpoint_policy_supported(), Some(true));
    let d = detail(details, &s3, "Gateway");
    common(d, &mut ids);
    assert_eq!(
        d.base_endpoint_dns_names(),
        &["s3.us-east-1.amazonaws.com".to_string()]
    );
    assert_eq!(
        d.private_dns_name(),
        None,
        "gateway services have no private DNS"
    );
    assert_eq!(d.vpc_endpoint_policy_supported(), Some(true));
    let ddb = service("dynamodb");
    let d = detail(details, &ddb, "Gateway");
    common(d, &mut ids);
    assert_eq!(
        d.base_endpoint_dns_names(),
        &["dynamodb.us-east-1.amazonaws.com".to_string()]
    );
    // ecs-agent, ecs-telemetry, ecs, ecr.api, ecr.dkr, logs, s3 ×2, dynamodb
    // (Gateway, maybe Interface): distinct ids per detail.
    assert!(ids.len() >= 9, "distinct service ids per detail: {ids:?}");

    // The Gateway type filter sees s3 and dynamodb (and no interface-only service).
    let names = catalogue_names(ec2, Some(filter("service-type", &["Gateway"]))).await;
    assert!(names.contains(&s3), "{names:?}");
    assert!(names.contains(&ddb), "{names:?}");
    assert!(!names.contains(&service("ecs")), "{names:?}");

    // Without ServiceName.N the whole catalogue is listed, ours included.
    let names = catalogue_names(ec2, None).await;
    for w in &wanted {
        assert!(names.contains(w), "{w} missing from the catalogue");
    }
}

/// Scenario 1: private subnets for ECS tasks pulling from ECR and logging to
/// CloudWatch without a NAT: six interface endpoints with private DNS across
/// two AZs plus an S3 gateway endpoint (§7.3, §8.1, §8.2, §12).
#[tokio::test]
async fn ecs_private_subnet_walk() {
    let emu = Emulator::shared();
    let account = random_account();
    let ec2 = emu.ec2(&account, REGION);

    check_service_catalogue(&ec2).await;

    // Network: VPC with DNS hostnames, two private subnets, an SG for 443.
    let vpc = create_vpc(&ec2, "10.0.0.0/16").await;
    enable_dns_hostnames(&ec2, &vpc).await;
    let subnet_a = create_subnet(&ec2, &vpc, "10.0.1.0/24", "us-east-1a").await;
    let subnet_b = create_subnet(&ec2, &vpc, "10.0.2.0/24", "us-east-1b").await;
    let cidr_of: BTreeMap<&str, (&str, &str)> = BTreeMap::from([
        (subnet_a.as_str(), ("10.0.1.0/24", "us-east-1a")),
        (subnet_b.as_str(), ("10.0.2.0/24", "us-east-1b")),
    ]);
    let sg = ec2
        .create_security_group()
        .group_name("vpc-endpoints")
        .description("HTTPS from the VPC to the endpoints")
        .vpc_id(&vpc)
        .send()
        .await
        .expect("CreateSecurityGroup")
        .group_id()
        .expect("groupId")
        .to_string();
    ec2.authorize_security_group_ingress()
        .group_id(&sg)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(443)
                .to_port(443)
                .ip_ranges(IpRange::builder().cidr_ip("10.0.0.0/16").build())
                .build(),
        )
        .send()
        .await
        .expect("AuthorizeSecurityGroupIngress 443");
    let rtb = create_route_table(&ec2, &vpc).await;
    for s in [&subnet_a, &subnet_b] {
        let assoc = ec2
            .associate_route_table()
            .route_table_id(&rtb)
            .subnet_id(s)
            .send()
            .await
            .expect("AssociateRouteTable");
        assert!(
            is_id(assoc.association_id().unwrap_or(""), "rtbassoc"),
            "{assoc:?}"
        );
    }
    let main_rtb = ec2
        .describe_route_tables()
        .filters(filter("vpc-id", &[&vpc]))
        .filters(filter("association.main", &["true"]))
        .send()
        .await
        .expect("DescribeRouteTables main")
        .route_tables()[0]
        .route_table_id()
        .expect("main routeTableId")
        .to_string();
    assert_eq!(
        free_ips(&ec2, &vpc).await.values().collect::<Vec<_>>(),
        vec![&251, &251]
    );

    // Six interface endpoints, created pending.
    let mut interface_ids: Vec<(String, &str, &str, &str)> = Vec::new();
    for (suffix, label, private) in ECS_SERVICES {
        let e = create_interface(&ec2, &vpc, suffix, &[&subnet_a, &subnet_b], &[&sg], true).await;
        let id = id_of(&e);
        assert_eq!(state(&e), "pending", "{suffix} is created pending: {e:?}");
        assert_eq!(e.vpc_endpoint_type(), Some(&VpcEndpointType::Interface));
        assert_eq!(e.vpc_id(), Some(vpc.as_str()));
        assert_eq!(e.service_name(), Some(service(suffix).as_str()));
        assert_eq!(e.private_dns_enabled(), Some(true), "{suffix}");
        assert_eq!(
            e.subnet_ids(),
            &[subnet_a.clone(), subnet_b.clone()],
            "{suffix}"
        );
        assert_eq!(e.network_interface_ids().len(), 2, "{suffix}: {e:?}");
        assert!(e.route_table_ids().is_empty(), "{suffix}: {e:?}");
        interface_ids.push((id, suffix, label, private));
    }

    // The S3 gateway endpoint is available at once.
    let gw = create_s3_gateway(&ec2, &vpc, &[&rtb]).await;
    let gw_id = id_of(&gw);
    assert_eq!(state(&gw), "available", "{gw:?}");
    assert_eq!(gw.vpc_endpoint_type(), Some(&VpcEndpointType::Gateway));
    assert_eq!(gw.service_name(), Some(service("s3").as_str()));
    assert_eq!(gw.route_table_ids(), std::slice::from_ref(&rtb));
    assert!(gw.dns_entries().is_empty(), "{gw:?}");
    assert!(gw.subnet_ids().is_empty(), "{gw:?}");
    assert!(gw.network_interface_ids().is_empty(), "{gw:?}");
    assert!(gw.groups().is_empty(), "{gw:?}");
    assert_ne!(gw.private_dns_enabled(), Some(true));
    assert_eq!(gw.policy_document(), Some(DEFAULT_GATEWAY_POLICY));

    // With the default pace the next request sees the interface endpoints
    // available.
    let all = endpoints_in(&ec2, &vpc).await;
    assert_eq!(all.len(), 7, "{all:?}");
    for e in &all {
        assert_eq!(state(e), "available", "{e:?}");
        assert_eq!(e.owner_id(), Some(account.as_str()));
    }
    let by_type = ec2
        .describe_vpc_endpoints()
        .filters(filter("vpc-id", &[&vpc]))
        .filters(filter("vpc-endpoint-type", &["Interface"]))
        .send()
        .await
        .expect("DescribeVpcEndpoints vpc-endpoint-type");
    assert_eq!(by_type.vpc_endpoints().len(), 6);
    let by_state = ec2
        .describe_vpc_endpoints()
        .filters(filter("vpc-id", &[&vpc]))
        .filters(filter("vpc-endpoint-state", &["available"]))
        .send()
        .await
        .expect("DescribeVpcEndpoints vpc-endpoint-state");
    assert_eq!(by_state.vpc_endpoints().len(), 7);

    // Every interface endpoint: groups, DNS entries, ENIs.
    let enis: BTreeMap<String, NetworkInterface> = enis_in(&ec2, &vpc)
        .await
        .into_iter()
        .map(|n| (n.network_interface_id().unwrap_or_default().to_string(), n))
        .collect();
    assert_eq!(enis.len(), 12, "two ENIs per interface endpoint: {enis:?}");
    let mut ips = BTreeSet::new();
    let mut claimed = BTreeSet::new();
    for (id, suffix, label, private) in &interface_ids {
        let e = describe_endpoint(&ec2, id).await;
        assert_eq!(state(&e), "available", "{e:?}");
        assert_eq!(e.private_dns_enabled(), Some(true), "{suffix}");
        assert_eq!(
            e.policy_document(),
            Some(DEFAULT_INTERFACE_POLICY),
            "{suffix}"
        );
        let groups: Vec<(Option<&str>, Option<&str>)> = e
            .groups()
            .iter()
            .map(|g| (g.group_id(), g.group_name()))
            .collect();
        assert_eq!(
            groups,
            vec![(Some(sg.as_str()), Some("vpc-endpoints"))],
            "{suffix}"
        );
        assert_interface_dns(&e, label, &["us-east-1a", "us-east-1b"], Some(private));

        let mut subnets_seen = BTreeSet::new();
        for eni_id in e.network_interface_ids() {
            assert!(is_id(eni_id, "eni"), "{eni_id:?}");
            assert!(claimed.insert(eni_id.clone()), "{eni_id} used twice");
            let n = enis
                .get(eni_id)
                .unwrap_or_else(|| panic!("{suffix}: ENI {eni_id} not in the VPC"));
            assert_eq!(
                n.interface_type().map(|t| t.as_str()),
                Some("vpc_endpoint"),
                "{n:?}"
            );
            assert_eq!(n.requester_managed(), Some(true), "{n:?}");
            assert_eq!(n.status().map(|s| s.as_str()), Some("in-use"), "{n:?}");
            assert_eq!(
                n.description(),
                Some(format!("VPC Endpoint Interface {id}").as_str())
            );
            assert_eq!(n.vpc_id(), Some(vpc.as_str()));
            let subnet = n.subnet_id().unwrap_or_default();
            let (cidr, az) = cidr_of
                .get(subnet)
                .unwrap_or_else(|| panic!("{eni_id} in unknown subnet {subnet}"));
            assert_eq!(n.availability_zone(), Some(*az), "{n:?}");
            subnets_seen.insert(subnet.to_string());
            let ip = n.private_ip_address().unwrap_or_default();
            assert!(usable_in(ip, cidr), "{eni_id}: {ip:?} not usable in {cidr}");
            assert!(ips.insert(ip.to_string()), "IP {ip} handed out twice");
            let eni_groups: Vec<_> = n.groups().iter().filter_map(|g| g.group_id()).collect();
            assert_eq!(eni_groups, vec![sg.as_str()], "{n:?}");
        }
        assert_eq!(
            subnets_seen,
            BTreeSet::from([subnet_a.clone(), subnet_b.clone()]),
            "{suffix}: one ENI per subnet"
        );
    }
    assert_eq!(claimed.len(), 12);

    // The ENIs are also found by interface-type.
    let by_kind = ec2
        .describe_network_interfaces()
        .filters(filter("vpc-id", &[&vpc]))
        .filters(filter("interface-type", &["vpc_endpoint"]))
        .send()
        .await
        .expect("DescribeNetworkInterfaces interface-type");
    assert_eq!(by_kind.network_interfaces().len(), 12);

    // Six ENIs per /24: 251 - 6.
    let counts = free_ips(&ec2, &vpc).await;
    assert_eq!(counts.get(&subnet_a), Some(&245), "{counts:?}");
    assert_eq!(counts.get(&subnet_b), Some(&245), "{counts:?}");

    // The S3 route sits in the chosen route table only.
    let t = route_table(&ec2, &rtb).await;
    let pl = prefix_list_routes(&t);
    assert_eq!(pl.len(), 1, "{:?}", t.routes());
    assert_eq!(pl[0].destination_prefix_list_id(), Some(S3_PREFIX_LIST));
    assert_eq!(pl[0].gateway_id(), Some(gw_id.as_str()));
    assert_eq!(pl[0].origin(), Some(&RouteOrigin::CreateRoute));
    assert_eq!(pl[0].state(), Some(&RouteState::Active));
    assert_eq!(t.routes().len(), 2, "local + S3: {:?}", t.routes());
    let assoc: BTreeSet<&str> = t
        .associations()
        .iter()
        .filter_map(|a| a.subnet_id())
        .collect();
    assert_eq!(
        assoc,
        BTreeSet::from([subnet_a.as_str(), subnet_b.as_str()])
    );
    let main = route_table(&ec2, &main_rtb).await;
    assert!(
        prefix_list_routes(&main).is_empty(),
        "main table untouched: {:?}",
        main.routes()
    );
    let by_pl = ec2
        .describe_route_tables()
        .filters(filter(
            "route.destination-prefix-list-id",
            &[S3_PREFIX_LIST],
        ))
        .send()
        .await
        .expect("DescribeRouteTables route.destination-prefix-list-id");
    let ids: Vec<_> = by_pl
        .route_tables()
        .iter()
        .filter_map(|t| t.route_table_id())
        .collect();
    assert_eq!(ids, vec![rtb.as_str()]);

    // The gateway endpoint reads back the same.
    let g = describe_endpoint(&ec2, &gw_id).await;
    assert_eq!(state(&g), "available");
    assert_eq!(g.route_table_ids(), std::slice::from_ref(&rtb));
    assert!(g.dns_entries().is_empty(), "{g:?}");
}

/// Scenario 2: each rule of CreateVpcEndpoint / DeleteVpcEndpoints /
/// DeleteSubnet answers with its code, and failed calls create nothing
/// (§8.1, §8.4, §8.26, §14.1).
#[tokio::test]
async fn rules_are_enforced() {
    let emu = Emulator::shared();
    let ec2 = emu.ec2(&random_account(), REGION);

    let vpc = create_vpc(&ec2, "10.1.0.0/16").await;
    let a1 = create_subnet(&ec2, &vpc, "10.1.1.0/24", "us-east-1a").await;
    let a2 = create_subnet(&ec2, &vpc, "10.1.2.0/24", "us-east-1a").await;
    let b = create_subnet(&ec2, &vpc, "10.1.3.0/24", "us-east-1b").await;
    let rtb = create_route_table(&ec2, &vpc).await;

    let interface = |suffix: &str| {
        ec2.create_vpc_endpoint()
            .vpc_endpoint_type(VpcEndpointType::Interface)
            .vpc_id(&vpc)
            .service_name(service(suffix))
    };

    // Gateway type for an interface-only service.
    let err = ec2
        .create_vpc_endpoint()
        .vpc_endpoint_type(VpcEndpointType::Gateway)
        .vpc_id(&vpc)
        .service_name(service("ecs"))
        .route_table_ids(&rtb)
        .send()
        .await
        .expect_err("Gateway endpoint for ecs");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidParameter"),
        "{err:?}"
    );
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(400));

    // A service of another Region.
    let west = "com.amazonaws.us-west-2.ecs";
    let err = ec2
        .create_vpc_endpoint()
        .vpc_endpoint_type(VpcEndpointType::Interface)
        .vpc_id(&vpc)
        .service_name(west)
        .subnet_ids(&b)
        .send()
        .await
        .expect_err("us-west-2 service from us-east-1");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidServiceName"),
        "{err:?}"
    );
    assert_eq!(
        err.message(),
        Some(format!("The Vpc Endpoint Service '{west}' does not exist").as_str())
    );

    // Two subnets in one AZ.
    let err = interface("ecs")
        .subnet_ids(&a1)
        .subnet_ids(&a2)
        .send()
        .await
        .expect_err("two subnets in us-east-1a");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("DuplicateSubnetsInSameZone"),
        "{err:?}"
    );
    assert!(
        err.message()
            .unwrap_or_default()
            .starts_with("Found another VPC endpoint subnet in the availability zone of subnet-"),
        "{err:?}"
    );

    // Unknown subnet.
    let err = interface("ecs")
        .subnet_ids("subnet-0123456789abcdef0")
        .send()
        .await
        .expect_err("unknown subnet");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidSubnetId.NotFound"),
        "{err:?}"
    );

    // Private DNS while enableDnsHostnames is still false.
    let err = interface("ecs")
        .subnet_ids(&a1)
        .private_dns_enabled(true)
        .send()
        .await
        .expect_err("private DNS without DNS hostnames");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidParameter"),
        "{err:?}"
    );

    // A policy that is not JSON.
    let err = interface("logs")
        .subnet_ids(&a1)
        .policy_document("this is not a policy")
        .send()
        .await
        .expect_err("policy that is not JSON");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidPolicyDocument"),
        "{err:?}"
    );

    // DryRun of a valid request.
    let err = interface("logs")
        .subnet_ids(&a1)
        .dry_run(true)
        .send()
        .await
        .expect_err("DryRun");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("DryRunOperation"),
        "{err:?}"
    );
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(412));

    // Nothing was created by any of those.
    assert!(endpoints_in(&ec2, &vpc).await.is_empty());
    assert!(enis_in(&ec2, &vpc).await.is_empty());
    assert!(free_ips(&ec2, &vpc).await.values().all(|n| *n == 251));
    assert!(prefix_list_routes(&route_table(&ec2, &rtb).await).is_empty());

    // A private-DNS endpoint for ecs, then a second one in the same VPC.
    enable_dns_hostnames(&ec2, &vpc).await;
    let ecs = create_interface(&ec2, &vpc, "ecs", &[&a1], &[], true).await;
    let ecs_id = id_of(&ecs);
    let err = interface("ecs")
        .subnet_ids(&b)
        .private_dns_enabled(true)
        .send()
        .await
        .expect_err("second private-DNS ecs endpoint in the VPC");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidParameter"),
        "{err:?}"
    );
    assert_eq!(
        err.message(),
        Some(
            format!(
                "private-dns-enabled cannot be set because there is already a conflicting \
                 DNS domain for ecs.us-east-1.amazonaws.com in the VPC {vpc}"
            )
            .as_str()
        )
    );

    // A second S3 gateway endpoint on the same route table.
    let s3 = create_s3_gateway(&ec2, &vpc, &[&rtb]).await;
    let s3_id = id_of(&s3);
    let err = ec2
        .create_vpc_endpoint()
        .vpc_endpoint_type(VpcEndpointType::Gateway)
        .vpc_id(&vpc)
        .service_name(service("s3"))
        .route_table_ids(&rtb)
        .send()
        .await
        .expect_err("second S3 gateway endpoint on one route table");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("RouteAlreadyExists"),
        "{err:?}"
    );

    // ClientToken: the same request twice is one endpoint; other parameters
    // with the same token are refused.
    let token = format!("logs-{}", random_account());
    let first = interface("logs")
        .subnet_ids(&a1)
        .private_dns_enabled(false)
        .client_token(&token)
        .send()
        .await
        .expect("CreateVpcEndpoint with ClientToken");
    assert_eq!(first.client_token(), Some(token.as_str()));
    let logs_id = id_of(first.vpc_endpoint().expect("vpcEndpoint"));
    let again = interface("logs")
        .subnet_ids(&a1)
        .private_dns_enabled(false)
        .client_token(&token)
        .send()
        .await
        .expect("same ClientToken, same parameters");
    assert_eq!(again.client_token(), Some(token.as_str()));
    assert_eq!(
        again.vpc_endpoint().and_then(|e| e.vpc_endpoint_id()),
        Some(logs_id.as_str()),
        "the original endpoint is returned"
    );
    let err = interface("logs")
        .subnet_ids(&b)
        .private_dns_enabled(false)
        .client_token(&token)
        .send()
        .await
        .expect_err("same ClientToken, other subnet");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("IdempotentParameterMismatch"),
        "{err:?}"
    );

    // Exactly the three successful endpoints exist, with their ENIs and route.
    let ids: Vec<String> = endpoints_in(&ec2, &vpc).await.iter().map(id_of).collect();
    let mut expected = vec![ecs_id.clone(), s3_id.clone(), logs_id.clone()];
    expected.sort();
    assert_eq!(ids, expected);
    let enis = enis_in(&ec2, &vpc).await;
    assert_eq!(enis.len(), 2, "ecs + logs, both in {a1}: {enis:?}");
    assert!(enis.iter().all(|n| n.subnet_id() == Some(a1.as_str())));
    let counts = free_ips(&ec2, &vpc).await;
    assert_eq!(counts.get(&a1), Some(&249), "{counts:?}");
    assert_eq!(counts.get(&a2), Some(&251), "{counts:?}");
    assert_eq!(counts.get(&b), Some(&251), "{counts:?}");
    let t = route_table(&ec2, &rtb).await;
    let pl = prefix_list_routes(&t);
    assert_eq!(pl.len(), 1, "{:?}", t.routes());
    assert_eq!(pl[0].gateway_id(), Some(s3_id.as_str()));

    // The subnet holding endpoint ENIs cannot be deleted.
    let err = ec2
        .delete_subnet()
        .subnet_id(&a1)
        .send()
        .await
        .expect_err("DeleteSubnet with endpoint ENIs");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("DependencyViolation"),
        "{err:?}"
    );
    assert_eq!(free_ips(&ec2, &vpc).await.len(), 3, "subnet still there");

    // Deleting an unknown endpoint is a per-item failure, not an error.
    let unknown = "vpce-0123456789abcdef0";
    let out = ec2
        .delete_vpc_endpoints()
        .vpc_endpoint_ids(unknown)
        .send()
        .await
        .expect("DeleteVpcEndpoints of an unknown id answers 200");
    let items = out.unsuccessful();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0].resource_id(), Some(unknown));
    assert_eq!(
        items[0].error().and_then(|e| e.code()),
        Some("InvalidVpcEndpoint.NotFound"),
        "{items:?}"
    );
    assert_eq!(endpoints_in(&ec2, &vpc).await.len(), 3);
}

/// Scenario 3: under `--pace manual` an interface endpoint stays pending until
/// the world clock has moved 2 s (§7.2).
#[tokio::test]
async fn manual_pace_keeps_endpoint_pending_until_clock_advances() {
    let emu = Emulator::start_with(&["--pace", "manual"]);
    let ec2 = emu.ec2(&random_account(), REGION);

    let vpc = create_vpc(&ec2, "10.2.0.0/16").await;
    let subnet = create_subnet(&ec2, &vpc, "10.2.1.0/24", "us-east-1c").await;
    let rtb = create_route_table(&ec2, &vpc).await;

    let e = create_interface(&ec2, &vpc, "logs", &[&subnet], &[], false).await;
    let id = id_of(&e);
    assert_eq!(state(&e), "pending", "{e:?}");

    // Real time passes, the world clock does not.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let e = describe_endpoint(&ec2, &id).await;
        assert_eq!(state(&e), "pending", "{e:?}");
    }
    let pending = ec2
        .describe_vpc_endpoints()
        .filters(filter("vpc-endpoint-state", &["pending"]))
        .send()
        .await
        .expect("DescribeVpcEndpoints vpc-endpoint-state=pending");
    let ids: Vec<String> = pending.vpc_endpoints().iter().map(id_of).collect();
    assert_eq!(ids, vec![id.clone()]);

    // Gateway endpoints do not wait for the clock.
    let gw = create_s3_gateway(&ec2, &vpc, &[&rtb]).await;
    assert_eq!(state(&gw), "available", "{gw:?}");

    emu.advance_clock(1.0);
    let e = describe_endpoint(&ec2, &id).await;
    assert_eq!(state(&e), "pending", "1 s of 2: {e:?}");

    emu.advance_clock(1.0);
    let e = describe_endpoint(&ec2, &id).await;
    assert_eq!(state(&e), "available", "2 s of 2: {e:?}");
    assert_interface_dns(&e, "logs", &["us-east-1c"], None);
    assert_eq!(
        describe_endpoint(&ec2, &id_of(&gw)).await.state(),
        gw.state()
    );
}

/// Scenario 4: deleting endpoints removes their ENIs and routes, and frees
/// the subnet (§7.3, §8.4, §8.26).
#[tokio::test]
async fn delete_removes_enis_and_routes() {
    let emu = Emulator::shared();
    let ec2 = emu.ec2(&random_account(), REGION);

    let vpc = create_vpc(&ec2, "10.3.0.0/16").await;
    let subnet = create_subnet(&ec2, &vpc, "10.3.1.0/24", "us-east-1d").await;
    let rtb = create_route_table(&ec2, &vpc).await;
    let default_sg = default_group(&ec2, &vpc).await;

    // Without SecurityGroupId the endpoint (and its ENI) get the default group.
    let iface = create_interface(&ec2, &vpc, "ecr.api", &[&subnet], &[], false).await;
    let iface_id = id_of(&iface);
    let groups: Vec<(Option<&str>, Option<&str>)> = iface
        .groups()
        .iter()
        .map(|g| (g.group_id(), g.group_name()))
        .collect();
    assert_eq!(groups, vec![(Some(default_sg.as_str()), Some("default"))]);
    assert_eq!(iface.private_dns_enabled(), Some(false), "{iface:?}");
    let eni_ids = iface.network_interface_ids().to_vec();
    assert_eq!(eni_ids.len(), 1, "{iface:?}");
    let gw = create_s3_gateway(&ec2, &vpc, &[&rtb]).await;
    let gw_id = id_of(&gw);

    let e = describe_endpoint(&ec2, &iface_id).await;
    assert_eq!(state(&e), "available", "{e:?}");
    assert_interface_dns(&e, "api.ecr", &["us-east-1d"], None);
    let enis = enis_in(&ec2, &vpc).await;
    assert_eq!(enis.len(), 1, "{enis:?}");
    assert_eq!(enis[0].network_interface_id(), Some(eni_ids[0].as_str()));
    let eni_groups: Vec<_> = enis[0]
        .groups()
        .iter()
        .filter_map(|g| g.group_id())
        .collect();
    assert_eq!(eni_groups, vec![default_sg.as_str()]);
    assert_eq!(free_ips(&ec2, &vpc).await.get(&subnet), Some(&250));
    assert_eq!(prefix_list_routes(&route_table(&ec2, &rtb).await).len(), 1);

    // The subnet is held by the endpoint ENI.
    let err = ec2
        .delete_subnet()
        .subnet_id(&subnet)
        .send()
        .await
        .expect_err("DeleteSubnet while an endpoint ENI is in it");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("DependencyViolation"),
        "{err:?}"
    );

    let out = ec2
        .delete_vpc_endpoints()
        .vpc_endpoint_ids(&iface_id)
        .vpc_endpoint_ids(&gw_id)
        .send()
        .await
        .expect("DeleteVpcEndpoints");
    assert!(out.unsuccessful().is_empty(), "{:?}", out.unsuccessful());

    // Default pace: the next requests no longer see them.
    for id in [&iface_id, &gw_id] {
        let err = ec2
            .describe_vpc_endpoints()
            .vpc_endpoint_ids(id)
            .send()
            .await
            .expect_err("deleted endpoint");
        assert_eq!(
            error_code(&err).as_deref(),
            Some("InvalidVpcEndpointId.NotFound"),
            "{id}: {err:?}"
        );
        assert_eq!(
            err.message(),
            Some(format!("The Vpc Endpoint Id '{id}' does not exist").as_str())
        );
    }
    assert!(endpoints_in(&ec2, &vpc).await.is_empty());

    // ENIs gone.
    assert!(enis_in(&ec2, &vpc).await.is_empty());
    let err = ec2
        .describe_network_interfaces()
        .network_interface_ids(&eni_ids[0])
        .send()
        .await
        .expect_err("deleted endpoint ENI");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidNetworkInterfaceID.NotFound"),
        "{err:?}"
    );
    assert_eq!(free_ips(&ec2, &vpc).await.get(&subnet), Some(&251));

    // Route gone: only the local route is left.
    let t = route_table(&ec2, &rtb).await;
    let routes: Vec<_> = t
        .routes()
        .iter()
        .map(|r| (r.destination_cidr_block(), r.gateway_id()))
        .collect();
    assert_eq!(routes, vec![(Some("10.3.0.0/16"), Some("local"))]);

    // Deleting them again: per-item NotFound.
    let out = ec2
        .delete_vpc_endpoints()
        .vpc_endpoint_ids(&iface_id)
        .vpc_endpoint_ids(&gw_id)
        .send()
        .await
        .expect("DeleteVpcEndpoints again");
    let failed: BTreeMap<&str, Option<&str>> = out
        .unsuccessful()
        .iter()
        .map(|u| {
            (
                u.resource_id().unwrap_or_default(),
                u.error().and_then(|e| e.code()),
            )
        })
        .collect();
    assert_eq!(
        failed,
        BTreeMap::from([
            (iface_id.as_str(), Some("InvalidVpcEndpoint.NotFound")),
            (gw_id.as_str(), Some("InvalidVpcEndpoint.NotFound")),
        ])
    );

    // And the subnet can go now.
    ec2.delete_subnet()
        .subnet_id(&subnet)
        .send()
        .await
        .expect("DeleteSubnet once the endpoint is gone");
    assert!(free_ips(&ec2, &vpc).await.is_empty());
}
