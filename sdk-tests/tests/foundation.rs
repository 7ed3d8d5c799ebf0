//! VPC foundations through the real AWS SDK for Rust: VPCs, subnets,
//! security groups, route tables, availability zones, identity/isolation,
//! DryRun, pagination and raw protocol errors (aws-spec.md §1-3, §6, §8.21-8.38,
//! §14.1, §15).
//!
//! All tests share one emulator process; each uses its own random account so
//! they can run in parallel.

use std::collections::{BTreeSet, HashSet};

use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{
    AttributeBooleanValue, AvailabilityZoneState, Filter, IpPermission, IpRange, ResourceType,
    RouteOrigin, RouteState, SubnetState, Tag, TagSpecification, VpcAttributeName, VpcState,
};
use sdk_tests::{create_subnet, create_vpc, error_code, is_id, random_account, Emulator};

const REGION: &str = "us-east-1";

/// (what, headers, body) of a raw request.
type RawCase<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a [u8]);

fn filter(name: &str, values: &[&str]) -> Filter {
    let mut b = Filter::builder().name(name);
    for v in values {
        b = b.values(*v);
    }
    b.build()
}

fn name_tag(resource: ResourceType, name: &str) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(resource)
        .tags(Tag::builder().key("Name").value(name).build())
        .build()
}

fn tag_value<'a>(tags: &'a [Tag], key: &str) -> Option<&'a str> {
    tags.iter()
        .find(|t| t.key() == Some(key))
        .and_then(|t| t.value())
}

/// Scenario 1: VPC + two subnets + a security group allowing 443, read back
/// with filters (§8.21, 8.22, 8.24, 8.25, 8.27-8.29).
#[tokio::test]
async fn vpc_subnets_and_security_group_round_trip() {
    let emu = Emulator::shared();
    let account = random_account();
    let ec2 = emu.ec2(&account, REGION);

    // CreateVpc with a Name tag.
    let created = ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .tag_specifications(name_tag(ResourceType::Vpc, "app"))
        .send()
        .await
        .expect("CreateVpc");
    let vpc = created.vpc().expect("CreateVpc returns vpc");
    let vpc_id = vpc.vpc_id().expect("vpcId").to_string();
    assert!(
        is_id(&vpc_id, "vpc"),
        "VPC id {vpc_id:?} is not vpc- + 17 hex"
    );
    assert_eq!(vpc.cidr_block(), Some("10.0.0.0/16"));
    assert_eq!(vpc.is_default(), Some(false));
    assert_eq!(vpc.owner_id(), Some(account.as_str()));
    assert_eq!(tag_value(vpc.tags(), "Name"), Some("app"));
    let assoc = vpc.cidr_block_association_set();
    assert_eq!(assoc.len(), 1, "one IPv4 CIDR association: {assoc:?}");
    assert_eq!(assoc[0].cidr_block(), Some("10.0.0.0/16"));
    assert!(
        is_id(assoc[0].association_id().unwrap_or(""), "vpc-cidr-assoc"),
        "association id {:?}",
        assoc[0].association_id()
    );

    // Two subnets in two AZs.
    let subnet_a = create_subnet(&ec2, &vpc_id, "10.0.1.0/24", "us-east-1a").await;
    let subnet_b = create_subnet(&ec2, &vpc_id, "10.0.2.0/24", "us-east-1b").await;
    assert_ne!(subnet_a, subnet_b);

    // Security group allowing TCP 443 from the VPC.
    let sg = ec2
        .create_security_group()
        .group_name("web")
        .description("web tier")
        .vpc_id(&vpc_id)
        .send()
        .await
        .expect("CreateSecurityGroup");
    let sg_id = sg.group_id().expect("groupId").to_string();
    assert!(is_id(&sg_id, "sg"), "SG id {sg_id:?} is not sg- + 17 hex");
    assert_eq!(
        sg.security_group_arn(),
        Some(format!("arn:aws:ec2:{REGION}:{account}:security-group/{sg_id}").as_str())
    );

    let auth = ec2
        .authorize_security_group_ingress()
        .group_id(&sg_id)
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
        .expect("AuthorizeSecurityGroupIngress");
    assert_eq!(auth.r#return(), Some(true));
    let rules = auth.security_group_rules();
    assert_eq!(rules.len(), 1, "one rule created: {rules:?}");
    let rule = &rules[0];
    assert!(
        is_id(rule.security_group_rule_id().unwrap_or(""), "sgr"),
        "rule id {:?}",
        rule.security_group_rule_id()
    );
    assert_eq!(rule.group_id(), Some(sg_id.as_str()));
    assert_eq!(rule.is_egress(), Some(false));
    assert_eq!(rule.ip_protocol(), Some("tcp"));
    assert_eq!(rule.from_port(), Some(443));
    assert_eq!(rule.to_port(), Some(443));
    assert_eq!(rule.cidr_ipv4(), Some("10.0.0.0/16"));

    // DescribeVpcs by vpc-id AND tag:Name.
    let vpcs = ec2
        .describe_vpcs()
        .filters(filter("vpc-id", &[&vpc_id]))
        .filters(filter("tag:Name", &["app"]))
        .send()
        .await
        .expect("DescribeVpcs");
    let vpcs = vpcs.vpcs();
    assert_eq!(vpcs.len(), 1, "{vpcs:?}");
    let v = &vpcs[0];
    assert_eq!(v.vpc_id(), Some(vpc_id.as_str()));
    assert_eq!(v.cidr_block(), Some("10.0.0.0/16"));
    assert_eq!(v.state(), Some(&VpcState::Available));
    assert_eq!(v.is_default(), Some(false));
    assert_eq!(v.owner_id(), Some(account.as_str()));
    assert_eq!(tag_value(v.tags(), "Name"), Some("app"));

    // tag:Name with another value matches nothing; vpc-id AND a wrong tag too.
    let none = ec2
        .describe_vpcs()
        .filters(filter("vpc-id", &[&vpc_id]))
        .filters(filter("tag:Name", &["other"]))
        .send()
        .await
        .expect("DescribeVpcs");
    assert!(none.vpcs().is_empty(), "{:?}", none.vpcs());

    // tag:Name alone in this fresh account: exactly our VPC (not the default one).
    let by_tag = ec2
        .describe_vpcs()
        .filters(filter("tag:Name", &["app"]))
        .send()
        .await
        .expect("DescribeVpcs");
    let ids: Vec<_> = by_tag.vpcs().iter().filter_map(|v| v.vpc_id()).collect();
    assert_eq!(ids, vec![vpc_id.as_str()]);

    // DescribeSubnets by vpc-id.
    let subnets = ec2
        .describe_subnets()
        .filters(filter("vpc-id", &[&vpc_id]))
        .send()
        .await
        .expect("DescribeSubnets");
    let mut subnets = subnets.subnets().to_vec();
    subnets.sort_by(|a, b| a.cidr_block().cmp(&b.cidr_block()));
    assert_eq!(subnets.len(), 2, "{subnets:?}");
    for (s, (id, cidr, az)) in subnets.iter().zip([
        (&subnet_a, "10.0.1.0/24", "us-east-1a"),
        (&subnet_b, "10.0.2.0/24", "us-east-1b"),
    ]) {
        assert_eq!(s.subnet_id(), Some(id.as_str()));
        assert_eq!(s.vpc_id(), Some(vpc_id.as_str()));
        assert_eq!(s.cidr_block(), Some(cidr));
        assert_eq!(s.availability_zone(), Some(az));
        assert_eq!(s.state(), Some(&SubnetState::Available));
        // /24 = 256 addresses - 5 reserved by AWS.
        assert_eq!(s.available_ip_address_count(), Some(251));
        assert_eq!(s.default_for_az(), Some(false));
        assert_eq!(s.map_public_ip_on_launch(), Some(false));
        assert_eq!(s.owner_id(), Some(account.as_str()));
        assert_eq!(
            s.subnet_arn(),
            Some(format!("arn:aws:ec2:{REGION}:{account}:subnet/{id}").as_str())
        );
        assert!(
            s.availability_zone_id()
                .is_some_and(|z| z.starts_with("use1-az")),
            "availabilityZoneId {:?}",
            s.availability_zone_id()
        );
    }

    // Subnet filter by availability-zone narrows to one.
    let in_b = ec2
        .describe_subnets()
        .filters(filter("vpc-id", &[&vpc_id]))
        .filters(filter("availability-zone", &["us-east-1b"]))
        .send()
        .await
        .expect("DescribeSubnets");
    let ids: Vec<_> = in_b
        .subnets()
        .iter()
        .filter_map(|s| s.subnet_id())
        .collect();
    assert_eq!(ids, vec![subnet_b.as_str()]);

    // DescribeSecurityGroups by vpc-id and group-name.
    let groups = ec2
        .describe_security_groups()
        .filters(filter("vpc-id", &[&vpc_id]))
        .filters(filter("group-name", &["web"]))
        .send()
        .await
        .expect("DescribeSecurityGroups");
    let groups = groups.security_groups();
    assert_eq!(groups.len(), 1, "{groups:?}");
    let g = &groups[0];
    assert_eq!(g.group_id(), Some(sg_id.as_str()));
    assert_eq!(g.group_name(), Some("web"));
    assert_eq!(g.description(), Some("web tier"));
    assert_eq!(g.vpc_id(), Some(vpc_id.as_str()));
    assert_eq!(g.owner_id(), Some(account.as_str()));

    let ingress = g.ip_permissions();
    assert_eq!(ingress.len(), 1, "ingress: {ingress:?}");
    assert_eq!(ingress[0].ip_protocol(), Some("tcp"));
    assert_eq!(ingress[0].from_port(), Some(443));
    assert_eq!(ingress[0].to_port(), Some(443));
    let ranges: Vec<_> = ingress[0]
        .ip_ranges()
        .iter()
        .filter_map(|r| r.cidr_ip())
        .collect();
    assert_eq!(ranges, vec!["10.0.0.0/16"]);

    let egress = g.ip_permissions_egress();
    assert_eq!(egress.len(), 1, "egress: {egress:?}");
    assert_eq!(egress[0].ip_protocol(), Some("-1"));
    assert_eq!(egress[0].from_port(), None, "no ports for protocol -1");
    assert_eq!(egress[0].to_port(), None, "no ports for protocol -1");
    let ranges: Vec<_> = egress[0]
        .ip_ranges()
        .iter()
        .filter_map(|r| r.cidr_ip())
        .collect();
    assert_eq!(ranges, vec!["0.0.0.0/0"]);

    // The VPC holds exactly two groups: its default group and ours.
    let all = ec2
        .describe_security_groups()
        .filters(filter("vpc-id", &[&vpc_id]))
        .send()
        .await
        .expect("DescribeSecurityGroups");
    let names: BTreeSet<_> = all
        .security_groups()
        .iter()
        .filter_map(|g| g.group_name())
        .collect();
    assert_eq!(names, BTreeSet::from(["default", "web"]));
}

/// Scenario 2: DeleteVpc refuses while dependants exist; deleting in the
/// right order works and the VPC is then gone (§8.23, 8.26, 8.30, 14.1).
#[tokio::test]
async fn delete_order_and_dependency_violation() {
    let emu = Emulator::shared();
    let ec2 = emu.ec2(&random_account(), REGION);

    let vpc_id = create_vpc(&ec2, "10.1.0.0/16").await;
    let subnet_id = create_subnet(&ec2, &vpc_id, "10.1.1.0/24", "us-east-1a").await;
    let sg_id = ec2
        .create_security_group()
        .group_name("app")
        .description("app")
        .vpc_id(&vpc_id)
        .send()
        .await
        .expect("CreateSecurityGroup")
        .group_id()
        .expect("groupId")
        .to_string();

    // Wrong order: the VPC first.
    let err = ec2
        .delete_vpc()
        .vpc_id(&vpc_id)
        .send()
        .await
        .expect_err("DeleteVpc with a subnet and a security group must fail");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("DependencyViolation"),
        "{err:?}"
    );
    assert_eq!(
        err.raw_response().map(|r| r.status().as_u16()),
        Some(400),
        "DependencyViolation is HTTP 400"
    );
    let msg = err.message().unwrap_or_default();
    assert!(msg.contains(&vpc_id), "message names the VPC: {msg:?}");

    // Still there.
    let still = ec2
        .describe_vpcs()
        .vpc_ids(&vpc_id)
        .send()
        .await
        .expect("DescribeVpcs after failed delete");
    assert_eq!(still.vpcs().len(), 1);

    // Deleting the subnet alone is not enough: the security group remains.
    ec2.delete_subnet()
        .subnet_id(&subnet_id)
        .send()
        .await
        .expect("DeleteSubnet");
    let err = ec2
        .delete_vpc()
        .vpc_id(&vpc_id)
        .send()
        .await
        .expect_err("DeleteVpc with a non-default security group must fail");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("DependencyViolation"),
        "{err:?}"
    );

    let del_sg = ec2
        .delete_security_group()
        .group_id(&sg_id)
        .send()
        .await
        .expect("DeleteSecurityGroup");
    assert_eq!(del_sg.r#return(), Some(true));
    assert_eq!(del_sg.group_id(), Some(sg_id.as_str()));

    ec2.delete_vpc()
        .vpc_id(&vpc_id)
        .send()
        .await
        .expect("DeleteVpc once empty (default SG and main route table go with it)");

    let err = ec2
        .describe_vpcs()
        .vpc_ids(&vpc_id)
        .send()
        .await
        .expect_err("DescribeVpcs of a deleted VPC id must fail");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidVpcID.NotFound"),
        "{err:?}"
    );
    assert_eq!(
        err.message(),
        Some(format!("The vpc ID '{vpc_id}' does not exist").as_str())
    );

    // Deleting it again: NotFound as well.
    let err = ec2
        .delete_vpc()
        .vpc_id(&vpc_id)
        .send()
        .await
        .expect_err("second DeleteVpc must fail");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidVpcID.NotFound"),
        "{err:?}"
    );

    // The subnet and security group are gone too.
    let err = ec2
        .describe_subnets()
        .subnet_ids(&subnet_id)
        .send()
        .await
        .expect_err("deleted subnet");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidSubnetID.NotFound"),
        "{err:?}"
    );
    let err = ec2
        .describe_security_groups()
        .group_ids(&sg_id)
        .send()
        .await
        .expect_err("deleted security group");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidGroup.NotFound"),
        "{err:?}"
    );
}

/// Scenario 3: the default VPC, and what CreateVpc creates alongside a new
/// VPC (§6 constants, §8.21, 8.28, 8.32).
#[tokio::test]
async fn default_vpc_and_new_vpc_side_effects() {
    let emu = Emulator::shared();
    let account = random_account();
    let ec2 = emu.ec2(&account, REGION);

    // Default VPC.
    let defaults = ec2
        .describe_vpcs()
        .filters(filter("is-default", &["true"]))
        .send()
        .await
        .expect("DescribeVpcs is-default");
    let defaults = defaults.vpcs();
    assert_eq!(defaults.len(), 1, "{defaults:?}");
    let dv = &defaults[0];
    let default_vpc_id = dv.vpc_id().expect("vpcId").to_string();
    assert!(is_id(&default_vpc_id, "vpc"), "{default_vpc_id:?}");
    assert_eq!(dv.is_default(), Some(true));
    assert_eq!(dv.cidr_block(), Some("172.31.0.0/16"));
    assert_eq!(dv.state(), Some(&VpcState::Available));
    assert_eq!(dv.owner_id(), Some(account.as_str()));

    // The default VPC's DNS attributes are both true.
    let attr = |vpc: String, name: VpcAttributeName| {
        let ec2 = ec2.clone();
        async move {
            ec2.describe_vpc_attribute()
                .vpc_id(vpc)
                .attribute(name)
                .send()
                .await
                .expect("DescribeVpcAttribute")
        }
    };
    let bool_of = |v: Option<&AttributeBooleanValue>| v.and_then(|v| v.value());
    let out = attr(default_vpc_id.clone(), VpcAttributeName::EnableDnsSupport).await;
    assert_eq!(out.vpc_id(), Some(default_vpc_id.as_str()));
    assert_eq!(bool_of(out.enable_dns_support()), Some(true));
    let out = attr(default_vpc_id.clone(), VpcAttributeName::EnableDnsHostnames).await;
    assert_eq!(bool_of(out.enable_dns_hostnames()), Some(true));

    // One default /20 subnet per AZ.
    let azs = ec2
        .describe_availability_zones()
        .send()
        .await
        .expect("DescribeAvailabilityZones");
    let az_names: BTreeSet<String> = azs
        .availability_zones()
        .iter()
        .filter_map(|z| z.zone_name().map(str::to_string))
        .collect();
    let default_subnets = ec2
        .describe_subnets()
        .filters(filter("vpc-id", &[&default_vpc_id]))
        .send()
        .await
        .expect("DescribeSubnets default VPC");
    let default_subnets = default_subnets.subnets();
    let subnet_azs: BTreeSet<String> = default_subnets
        .iter()
        .filter_map(|s| s.availability_zone().map(str::to_string))
        .collect();
    assert_eq!(default_subnets.len(), az_names.len(), "{default_subnets:?}");
    assert_eq!(subnet_azs, az_names, "one default subnet per AZ");
    let cidrs: HashSet<&str> = default_subnets
        .iter()
        .filter_map(|s| s.cidr_block())
        .collect();
    assert_eq!(cidrs.len(), default_subnets.len(), "distinct CIDRs");
    assert!(cidrs.contains("172.31.0.0/20"), "{cidrs:?}");
    assert!(cidrs.contains("172.31.16.0/20"), "{cidrs:?}");
    for s in default_subnets {
        let cidr = s.cidr_block().unwrap_or("");
        assert!(
            cidr.starts_with("172.31.") && cidr.ends_with("/20"),
            "default subnet CIDR {cidr}"
        );
        assert_eq!(s.default_for_az(), Some(true));
        assert_eq!(s.map_public_ip_on_launch(), Some(true));
        assert_eq!(s.state(), Some(&SubnetState::Available));
        // /20 = 4096 addresses - 5 reserved.
        assert_eq!(s.available_ip_address_count(), Some(4091));
    }
    let by_filter = ec2
        .describe_subnets()
        .filters(filter("default-for-az", &["true"]))
        .filters(filter("availability-zone", &["us-east-1a"]))
        .send()
        .await
        .expect("DescribeSubnets default-for-az");
    assert_eq!(by_filter.subnets().len(), 1, "{:?}", by_filter.subnets());
    assert_eq!(
        by_filter.subnets()[0].vpc_id(),
        Some(default_vpc_id.as_str())
    );

    // A new VPC gets a default security group ...
    let vpc_id = create_vpc(&ec2, "10.2.0.0/16").await;
    assert_ne!(vpc_id, default_vpc_id);
    let sgs = ec2
        .describe_security_groups()
        .filters(filter("vpc-id", &[&vpc_id]))
        .send()
        .await
        .expect("DescribeSecurityGroups");
    let sgs = sgs.security_groups();
    assert_eq!(sgs.len(), 1, "only the default SG: {sgs:?}");
    let dsg = &sgs[0];
    let dsg_id = dsg.group_id().expect("groupId");
    assert!(is_id(dsg_id, "sg"), "{dsg_id:?}");
    assert_eq!(dsg.group_name(), Some("default"));
    assert_eq!(dsg.description(), Some("default VPC security group"));
    assert_eq!(dsg.vpc_id(), Some(vpc_id.as_str()));
    // ingress: all traffic from the group itself
    let ingress = dsg.ip_permissions();
    assert_eq!(ingress.len(), 1, "{ingress:?}");
    assert_eq!(ingress[0].ip_protocol(), Some("-1"));
    let peers: Vec<_> = ingress[0]
        .user_id_group_pairs()
        .iter()
        .filter_map(|p| p.group_id())
        .collect();
    assert_eq!(peers, vec![dsg_id]);
    assert!(ingress[0].ip_ranges().is_empty(), "{:?}", ingress[0]);
    // egress: all traffic to 0.0.0.0/0
    let egress = dsg.ip_permissions_egress();
    assert_eq!(egress.len(), 1, "{egress:?}");
    assert_eq!(egress[0].ip_protocol(), Some("-1"));
    let ranges: Vec<_> = egress[0]
        .ip_ranges()
        .iter()
        .filter_map(|r| r.cidr_ip())
        .collect();
    assert_eq!(ranges, vec!["0.0.0.0/0"]);

    // ... and a main route table with the local route.
    let rts = ec2
        .describe_route_tables()
        .filters(filter("vpc-id", &[&vpc_id]))
        .send()
        .await
        .expect("DescribeRouteTables");
    let rts = rts.route_tables();
    assert_eq!(rts.len(), 1, "only the main route table: {rts:?}");
    let rt = &rts[0];
    assert!(
        is_id(rt.route_table_id().unwrap_or(""), "rtb"),
        "{:?}",
        rt.route_table_id()
    );
    assert_eq!(rt.vpc_id(), Some(vpc_id.as_str()));
    assert_eq!(rt.owner_id(), Some(account.as_str()));
    assert!(
        rt.associations().iter().any(|a| a.main() == Some(true)),
        "main association: {:?}",
        rt.associations()
    );
    let routes = rt.routes();
    assert_eq!(routes.len(), 1, "{routes:?}");
    assert_eq!(routes[0].destination_cidr_block(), Some("10.2.0.0/16"));
    assert_eq!(routes[0].gateway_id(), Some("local"));
    assert_eq!(routes[0].state(), Some(&RouteState::Active));
    assert_eq!(routes[0].origin(), Some(&RouteOrigin::CreateRouteTable));

    // association.main filter finds it too.
    let main = ec2
        .describe_route_tables()
        .filters(filter("vpc-id", &[&vpc_id]))
        .filters(filter("association.main", &["true"]))
        .send()
        .await
        .expect("DescribeRouteTables association.main");
    assert_eq!(main.route_tables().len(), 1);
    assert_eq!(main.route_tables()[0].route_table_id(), rt.route_table_id());

    // DNS attributes of a new VPC: support on, hostnames off.
    let out = attr(vpc_id.clone(), VpcAttributeName::EnableDnsSupport).await;
    assert_eq!(out.vpc_id(), Some(vpc_id.as_str()));
    assert_eq!(bool_of(out.enable_dns_support()), Some(true));
    assert_eq!(out.enable_dns_hostnames(), None, "only the asked attribute");
    let out = attr(vpc_id.clone(), VpcAttributeName::EnableDnsHostnames).await;
    assert_eq!(bool_of(out.enable_dns_hostnames()), Some(false));
}

/// Scenario 4: CreateSubnet CIDR and AZ validation (§8.24, 14.1).
#[tokio::test]
async fn subnet_cidr_and_az_errors() {
    let emu = Emulator::shared();
    let ec2 = emu.ec2(&random_account(), REGION);
    let vpc_id = create_vpc(&ec2, "10.3.0.0/16").await;

    let try_subnet = |cidr: &'static str, az: &'static str| {
        let ec2 = ec2.clone();
        let vpc_id = vpc_id.clone();
        async move {
            ec2.create_subnet()
                .vpc_id(vpc_id)
                .cidr_block(cidr)
                .availability_zone(az)
                .send()
                .await
        }
    };

    // Outside the VPC CIDR.
    let err = try_subnet("10.4.0.0/24", "us-east-1a")
        .await
        .expect_err("subnet outside the VPC CIDR");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidSubnet.Range"),
        "{err:?}"
    );
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(400));

    // Larger than the VPC.
    let err = try_subnet("10.3.0.0/15", "us-east-1a")
        .await
        .expect_err("subnet larger than the VPC");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidSubnet.Range"),
        "{err:?}"
    );

    // Smaller than /28.
    let err = try_subnet("10.3.9.0/29", "us-east-1a")
        .await
        .expect_err("/29 subnet");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidSubnet.Range"),
        "{err:?}"
    );

    // A valid one, then overlaps with it.
    let ok = try_subnet("10.3.0.0/24", "us-east-1a")
        .await
        .expect("valid subnet");
    let first_id = ok.subnet().and_then(|s| s.subnet_id()).unwrap().to_string();
    for overlapping in ["10.3.0.128/25", "10.3.0.0/24", "10.3.0.0/20"] {
        let err = try_subnet(overlapping, "us-east-1b")
            .await
            .expect_err("overlapping subnet");
        assert_eq!(
            error_code(&err).as_deref(),
            Some("InvalidSubnet.Conflict"),
            "{overlapping}: {err:?}"
        );
        assert_eq!(
            err.message(),
            Some(format!("The CIDR '{overlapping}' conflicts with another subnet").as_str()),
            "{overlapping}"
        );
    }

    // Unknown AZ.
    let err = try_subnet("10.3.1.0/24", "us-east-1z")
        .await
        .expect_err("unknown AZ");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidParameterValue"),
        "{err:?}"
    );
    // An AZ of another region.
    let err = try_subnet("10.3.1.0/24", "us-west-2a")
        .await
        .expect_err("AZ of another region");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidParameterValue"),
        "{err:?}"
    );

    // Unknown VPC.
    let err = ec2
        .create_subnet()
        .vpc_id("vpc-0123456789abcdef0")
        .cidr_block("10.3.1.0/24")
        .availability_zone("us-east-1a")
        .send()
        .await
        .expect_err("unknown VPC");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidVpcID.NotFound"),
        "{err:?}"
    );

    // None of the failures created anything.
    let subnets = ec2
        .describe_subnets()
        .filters(filter("vpc-id", &[&vpc_id]))
        .send()
        .await
        .expect("DescribeSubnets");
    let ids: Vec<_> = subnets
        .subnets()
        .iter()
        .filter_map(|s| s.subnet_id())
        .collect();
    assert_eq!(ids, vec![first_id.as_str()]);
}

/// Scenario 5: each account × region is its own world (§2, §7.1).
#[tokio::test]
async fn accounts_and_regions_are_isolated() {
    let emu = Emulator::shared();
    let a_east = emu.ec2("111111111111", "us-east-1");
    let b_east = emu.ec2("222222222222", "us-east-1");
    let a_west = emu.ec2("111111111111", "us-west-2");

    let vpc_id = create_vpc(&a_east, "10.5.0.0/16").await;
    let mine = a_east
        .describe_vpcs()
        .vpc_ids(&vpc_id)
        .send()
        .await
        .expect("owner sees its VPC");
    assert_eq!(mine.vpcs().len(), 1);
    assert_eq!(mine.vpcs()[0].owner_id(), Some("111111111111"));

    for (who, client) in [
        ("account 222222222222 in us-east-1", &b_east),
        ("account 111111111111 in us-west-2", &a_west),
    ] {
        let err = client
            .describe_vpcs()
            .vpc_ids(&vpc_id)
            .send()
            .await
            .expect_err(who);
        assert_eq!(
            error_code(&err).as_deref(),
            Some("InvalidVpcID.NotFound"),
            "{who}: {err:?}"
        );
        let listed = client
            .describe_vpcs()
            .send()
            .await
            .unwrap_or_else(|e| panic!("{who}: DescribeVpcs {e:?}"));
        let ids: Vec<_> = listed.vpcs().iter().filter_map(|v| v.vpc_id()).collect();
        assert!(!ids.contains(&vpc_id.as_str()), "{who} sees {vpc_id}");
        let cidrs: Vec<_> = listed
            .vpcs()
            .iter()
            .filter_map(|v| v.cidr_block())
            .collect();
        assert_eq!(cidrs, vec!["172.31.0.0/16"], "{who}: only its default VPC");
        let err = client
            .delete_vpc()
            .vpc_id(&vpc_id)
            .send()
            .await
            .expect_err(who);
        assert_eq!(
            error_code(&err).as_deref(),
            Some("InvalidVpcID.NotFound"),
            "{who}: {err:?}"
        );
    }

    // Each account × region has its own default VPC.
    let mut default_ids = HashSet::new();
    for (owner, client) in [
        ("111111111111", &a_east),
        ("222222222222", &b_east),
        ("111111111111", &a_west),
    ] {
        let out = client
            .describe_vpcs()
            .filters(filter("is-default", &["true"]))
            .send()
            .await
            .expect("DescribeVpcs is-default");
        assert_eq!(out.vpcs().len(), 1, "{:?}", out.vpcs());
        assert_eq!(out.vpcs()[0].owner_id(), Some(owner));
        default_ids.insert(out.vpcs()[0].vpc_id().unwrap().to_string());
    }
    assert_eq!(
        default_ids.len(),
        3,
        "distinct default VPCs: {default_ids:?}"
    );

    // Region shows in the subnet ARN and AZ names.
    let west_vpc = create_vpc(&a_west, "10.6.0.0/16").await;
    let s = a_west
        .create_subnet()
        .vpc_id(&west_vpc)
        .cidr_block("10.6.0.0/24")
        .availability_zone("us-west-2a")
        .send()
        .await
        .expect("CreateSubnet us-west-2a");
    let s = s.subnet().unwrap();
    let sid = s.subnet_id().unwrap();
    assert_eq!(s.availability_zone(), Some("us-west-2a"));
    assert_eq!(
        s.subnet_arn(),
        Some(format!("arn:aws:ec2:us-west-2:111111111111:subnet/{sid}").as_str())
    );
    let err = a_west
        .create_subnet()
        .vpc_id(&west_vpc)
        .cidr_block("10.6.1.0/24")
        .availability_zone("us-east-1a")
        .send()
        .await
        .expect_err("us-east-1a is not an AZ of us-west-2");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidParameterValue"),
        "{err:?}"
    );

    // A non-12-digit access key maps to account 000000000000.
    let anon = emu.ec2("AKIAIOSFODNN7EXAMPLE", "eu-west-1");
    let out = anon
        .create_vpc()
        .cidr_block("10.7.0.0/16")
        .send()
        .await
        .expect("CreateVpc with a non-numeric key");
    assert_eq!(out.vpc().and_then(|v| v.owner_id()), Some("000000000000"));
}

/// Scenario 6: DryRun answers DryRunOperation (HTTP 412) and changes nothing
/// (§3.1, 14.1).
#[tokio::test]
async fn dry_run_create_vpc() {
    let emu = Emulator::shared();
    let ec2 = emu.ec2(&random_account(), REGION);

    let err = ec2
        .create_vpc()
        .cidr_block("10.8.0.0/16")
        .dry_run(true)
        .send()
        .await
        .expect_err("DryRun must answer with an error");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("DryRunOperation"),
        "{err:?}"
    );
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(412));
    assert_eq!(
        err.message(),
        Some("Request would have succeeded, but DryRun flag is set.")
    );

    let vpcs = ec2.describe_vpcs().send().await.expect("DescribeVpcs");
    let cidrs: Vec<_> = vpcs.vpcs().iter().filter_map(|v| v.cidr_block()).collect();
    assert_eq!(cidrs, vec!["172.31.0.0/16"], "DryRun created nothing");

    // DryRun on a read-only call as well.
    let err = ec2
        .describe_vpcs()
        .dry_run(true)
        .send()
        .await
        .expect_err("DryRun DescribeVpcs");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("DryRunOperation"),
        "{err:?}"
    );
}

/// Scenario 7: DescribeVpcs pagination with MaxResults 5 (§3.4, §15).
#[tokio::test]
async fn describe_vpcs_paginates() {
    let emu = Emulator::shared();
    let ec2 = emu.ec2(&random_account(), REGION);

    let mut created = BTreeSet::new();
    for i in 0..7 {
        created.insert(create_vpc(&ec2, &format!("10.{}.0.0/16", 20 + i)).await);
    }
    assert_eq!(created.len(), 7);

    // Items: every VPC exactly once (7 + the default VPC).
    let items: Vec<_> = ec2
        .describe_vpcs()
        .max_results(5)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("paginate DescribeVpcs");
    assert_eq!(items.len(), 8, "7 created + default VPC");
    let mut seen = BTreeSet::new();
    for v in &items {
        let id = v.vpc_id().expect("vpcId").to_string();
        assert!(seen.insert(id.clone()), "{id} returned twice");
    }
    for id in &created {
        assert!(seen.contains(id), "{id} missing from the pages");
    }
    assert_eq!(
        items
            .iter()
            .filter(|v| v.is_default() == Some(true))
            .count(),
        1
    );

    // Pages: 5 + 3, with a token only on the first.
    let pages: Vec<_> = ec2
        .describe_vpcs()
        .max_results(5)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("paginate DescribeVpcs pages");
    let sizes: Vec<_> = pages.iter().map(|p| p.vpcs().len()).collect();
    assert_eq!(sizes, vec![5, 3]);
    assert!(
        pages[0].next_token().is_some_and(|t| !t.is_empty()),
        "first page has a nextToken"
    );
    assert_eq!(pages[1].next_token(), None, "last page has no nextToken");

    // Manual paging with the token gives the same ids.
    let first = ec2
        .describe_vpcs()
        .max_results(5)
        .send()
        .await
        .expect("page 1");
    let token = first.next_token().expect("nextToken").to_string();
    let second = ec2
        .describe_vpcs()
        .max_results(5)
        .next_token(token)
        .send()
        .await
        .expect("page 2");
    let manual: BTreeSet<_> = first
        .vpcs()
        .iter()
        .chain(second.vpcs())
        .filter_map(|v| v.vpc_id().map(str::to_string))
        .collect();
    assert_eq!(manual, seen);

    // Filters apply before paging.
    let filtered: Vec<_> = ec2
        .describe_vpcs()
        .filters(filter("is-default", &["false"]))
        .max_results(5)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("paginate filtered");
    let filtered: BTreeSet<_> = filtered
        .iter()
        .filter_map(|v| v.vpc_id().map(str::to_string))
        .collect();
    assert_eq!(filtered, created);
}

/// Scenario 8: DescribeAvailabilityZones in us-east-1 (§6, §8.35).
#[tokio::test]
async fn availability_zones_us_east_1() {
    let emu = Emulator::shared();
    let ec2 = emu.ec2(&random_account(), "us-east-1");

    let out = ec2
        .describe_availability_zones()
        .send()
        .await
        .expect("DescribeAvailabilityZones");
    let mut zones = out.availability_zones().to_vec();
    zones.sort_by(|a, b| a.zone_name().cmp(&b.zone_name()));
    let names: Vec<_> = zones.iter().filter_map(|z| z.zone_name()).collect();
    assert_eq!(
        names,
        vec![
            "us-east-1a",
            "us-east-1b",
            "us-east-1c",
            "us-east-1d",
            "us-east-1e",
            "us-east-1f"
        ]
    );
    let mut ids = HashSet::new();
    for z in &zones {
        let id = z.zone_id().unwrap_or("");
        let n = id.strip_prefix("use1-az").unwrap_or("");
        assert!(
            !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()),
            "zone id {id:?} of {:?}",
            z.zone_name()
        );
        assert!(ids.insert(id.to_string()), "duplicate zone id {id}");
        assert_eq!(z.region_name(), Some("us-east-1"));
        assert_eq!(z.state(), Some(&AvailabilityZoneState::Available));
        assert_eq!(z.zone_type(), Some("availability-zone"));
        assert_eq!(z.network_border_group(), Some("us-east-1"));
        assert!(z.messages().is_empty(), "{:?}", z.messages());
    }

    // ZoneName.N narrows the answer.
    let one = ec2
        .describe_availability_zones()
        .zone_names("us-east-1b")
        .send()
        .await
        .expect("DescribeAvailabilityZones ZoneName");
    let names: Vec<_> = one
        .availability_zones()
        .iter()
        .filter_map(|z| z.zone_name())
        .collect();
    assert_eq!(names, vec!["us-east-1b"]);

    // So does the zone-name filter.
    let one = ec2
        .describe_availability_zones()
        .filters(filter("zone-name", &["us-east-1c", "us-east-1d"]))
        .send()
        .await
        .expect("DescribeAvailabilityZones filter");
    let mut names: Vec<_> = one
        .availability_zones()
        .iter()
        .filter_map(|z| z.zone_name())
        .collect();
    names.sort();
    assert_eq!(names, vec!["us-east-1c", "us-east-1d"]);

    // Another region answers with its own zones.
    let west = emu.ec2(&random_account(), "us-west-2");
    let out = west
        .describe_availability_zones()
        .send()
        .await
        .expect("DescribeAvailabilityZones us-west-2");
    assert!(!out.availability_zones().is_empty());
    for z in out.availability_zones() {
        assert!(
            z.zone_name().is_some_and(|n| n.starts_with("us-west-2")),
            "{:?}",
            z.zone_name()
        );
        assert_eq!(z.region_name(), Some("us-west-2"));
    }
}

/// Scenario 9: raw requests with unknown operations get 4xx protocol errors,
/// never a 5xx (§1, §3.3, §5).
#[tokio::test]
async fn raw_protocol_errors() {
    let emu = Emulator::shared();
    let form = (
        "Content-Type",
        "application/x-www-form-urlencoded; charset=utf-8",
    );

    // Unknown EC2 action.
    let (status, body) = emu.raw_post(&[form], b"Action=NoSuchThing&Version=2016-11-15");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("<Code>InvalidAction</Code>"), "{body}");
    assert!(body.contains("<Response>"), "EC2 error envelope: {body}");
    assert!(body.contains("<Errors>"), "EC2 error envelope: {body}");
    assert!(body.contains("<RequestID>"), "EC2 error envelope: {body}");
    assert!(
        body.contains("NoSuchThing"),
        "message names the action: {body}"
    );

    // Unknown ECS operation.
    let (status, body) = emu.raw_post(
        &[
            (
                "X-Amz-Target",
                "AmazonEC2ContainerServiceV20141113.NoSuchOp",
            ),
            ("Content-Type", "application/x-amz-json-1.1"),
        ],
        b"{}",
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("UnknownOperationException"), "{body}");

    // Malformed input of several kinds: always a client error, never 5xx.
    let cases: Vec<RawCase> = vec![
        ("empty body", vec![form], b""),
        ("garbage form", vec![form], b"%%%&&&===\xff\xfe"),
        (
            "ECS bad JSON",
            vec![
                (
                    "X-Amz-Target",
                    "AmazonEC2ContainerServiceV20141113.ListClusters",
                ),
                ("Content-Type", "application/x-amz-json-1.1"),
            ],
            b"{not json",
        ),
        (
            "unknown JSON target prefix",
            vec![
                ("X-Amz-Target", "NoSuchService_20200101.Op"),
                ("Content-Type", "application/x-amz-json-1.1"),
            ],
            b"{}",
        ),
        (
            "EC2 CreateVpc with bad CIDR",
            vec![form],
            b"Action=CreateVpc&Version=2016-11-15&CidrBlock=not-a-cidr",
        ),
        (
            "EC2 DescribeVpcs with bad MaxResults",
            vec![form],
            b"Action=DescribeVpcs&Version=2016-11-15&MaxResults=abc",
        ),
    ];
    for (what, headers, body) in cases {
        let (status, resp) = emu.raw_post(&headers, body);
        assert!(
            (400..500).contains(&status),
            "{what}: expected a 4xx, got {status}: {resp}"
        );
    }

    // The control API is still up afterwards.
    let (status, body) = emu.health();
    assert_eq!(status, 200, "{body}");
}

/// The control API answers (contract of the harness).
#[tokio::test]
async fn control_api_health_and_reset() {
    // Own process: reset must not wipe other tests' state.
    let emu = Emulator::start();
    let (status, body) = emu.health();
    assert_eq!(status, 200, "{body}");
    assert!(body.trim_start().starts_with('{'), "health is JSON: {body}");

    let account = random_account();
    let ec2 = emu.ec2(&account, REGION);
    let vpc_id = create_vpc(&ec2, "10.9.0.0/16").await;
    let default_before = ec2
        .describe_vpcs()
        .filters(filter("is-default", &["true"]))
        .send()
        .await
        .expect("DescribeVpcs");
    assert_eq!(default_before.vpcs().len(), 1);

    emu.reset();

    let err = ec2
        .describe_vpcs()
        .vpc_ids(&vpc_id)
        .send()
        .await
        .expect_err("VPC gone after reset");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidVpcID.NotFound"),
        "{err:?}"
    );
    // The default VPC exists again after a reset.
    let after = ec2
        .describe_vpcs()
        .send()
        .await
        .expect("DescribeVpcs after reset");
    let cidrs: Vec<_> = after.vpcs().iter().filter_map(|v| v.cidr_block()).collect();
    assert_eq!(cidrs, vec!["172.31.0.0/16"]);
}
