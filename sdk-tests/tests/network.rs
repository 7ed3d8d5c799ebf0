//! Network ACLs, DHCP options, subnet attributes and the default VPC's way
//! out, through the real AWS SDK for Rust (issue 12, items 5, 6 and 7).
//!
//! All tests share one emulator process; each uses its own random account.

use aws_sdk_ec2::types::{
    AttributeBooleanValue, Filter, NewDhcpConfiguration, PortRange, RuleAction,
};
use sdk_tests::{create_subnet, create_vpc, error_code, is_id, random_account, Emulator};

const REGION: &str = "us-east-1";

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

#[tokio::test]
async fn network_acls_default_and_own() {
    let emu = Emulator::shared();
    let ec2 = emu.ec2(&random_account(), REGION);
    let vpc = create_vpc(&ec2, "10.0.0.0/16").await;
    let subnet = create_subnet(&ec2, &vpc, "10.0.1.0/24", "us-east-1a").await;

    let acls = ec2
        .describe_network_acls()
        .filters(filter("vpc-id", &vpc))
        .filters(filter("default", "true"))
        .send()
        .await
        .expect("DescribeNetworkAcls");
    let default = &acls.network_acls()[0];
    assert_eq!(default.is_default(), Some(true));
    let rules: Vec<(i32, bool, &str)> = default
        .entries()
        .iter()
        .map(|e| {
            (
                e.rule_number().unwrap_or(0),
                e.egress().unwrap_or(false),
                e.rule_action().map(|a| a.as_str()).unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        rules,
        [
            (100, true, "allow"),
            (32767, true, "deny"),
            (100, false, "allow"),
            (32767, false, "deny")
        ]
    );
    let assoc = &default.associations()[0];
    assert_eq!(assoc.subnet_id(), Some(subnet.as_str()));

    let own = ec2
        .create_network_acl()
        .vpc_id(&vpc)
        .send()
        .await
        .expect("CreateNetworkAcl");
    let own = own
        .network_acl()
        .and_then(|a| a.network_acl_id())
        .expect("id")
        .to_string();
    assert!(is_id(&own, "acl"), "{own}");
    ec2.create_network_acl_entry()
        .network_acl_id(&own)
        .rule_number(100)
        .protocol("6")
        .rule_action(RuleAction::Allow)
        .egress(false)
        .cidr_block("10.0.0.0/8")
        .port_range(PortRange::builder().from(443).to(443).build())
        .send()
        .await
        .expect("CreateNetworkAclEntry");
    let err = ec2
        .create_network_acl_entry()
        .network_acl_id(&own)
        .rule_number(100)
        .protocol("-1")
        .rule_action(RuleAction::Deny)
        .egress(false)
        .cidr_block("0.0.0.0/0")
        .send()
        .await
        .expect_err("duplicate");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("NetworkAclEntryAlreadyExists")
    );
    let moved = ec2
        .replace_network_acl_association()
        .association_id(assoc.network_acl_association_id().expect("assoc"))
        .network_acl_id(&own)
        .send()
        .await
        .expect("ReplaceNetworkAclAssociation");
    assert!(is_id(moved.new_association_id().unwrap_or(""), "aclassoc"));
    let err = ec2
        .delete_network_acl()
        .network_acl_id(&own)
        .send()
        .await
        .expect_err("in use");
    assert_eq!(error_code(&err).as_deref(), Some("DependencyViolation"));
}

#[tokio::test]
async fn dhcp_options_and_subnet_attributes() {
    let emu = Emulator::shared();
    let ec2 = emu.ec2(&random_account(), REGION);
    let vpc = create_vpc(&ec2, "10.0.0.0/16").await;
    let subnet = create_subnet(&ec2, &vpc, "10.0.1.0/24", "us-east-1a").await;

    let made = ec2
        .create_dhcp_options()
        .dhcp_configurations(
            NewDhcpConfiguration::builder()
                .key("domain-name")
                .values("corp.example")
                .build(),
        )
        .send()
        .await
        .expect("CreateDhcpOptions");
    let dopt = made
        .dhcp_options()
        .and_then(|d| d.dhcp_options_id())
        .expect("id")
        .to_string();
    ec2.associate_dhcp_options()
        .dhcp_options_id(&dopt)
        .vpc_id(&vpc)
        .send()
        .await
        .expect("AssociateDhcpOptions");
    let described = ec2
        .describe_vpcs()
        .vpc_ids(&vpc)
        .send()
        .await
        .expect("DescribeVpcs");
    assert_eq!(described.vpcs()[0].dhcp_options_id(), Some(dopt.as_str()));

    ec2.modify_subnet_attribute()
        .subnet_id(&subnet)
        .map_public_ip_on_launch(AttributeBooleanValue::builder().value(true).build())
        .send()
        .await
        .expect("ModifySubnetAttribute");
    let s = ec2
        .describe_subnets()
        .subnet_ids(&subnet)
        .send()
        .await
        .expect("DescribeSubnets");
    assert_eq!(s.subnets()[0].map_public_ip_on_launch(), Some(true));
}

#[tokio::test]
async fn the_default_vpc_has_its_internet_gateway() {
    let emu = Emulator::shared();
    let ec2 = emu.ec2(&random_account(), REGION);
    let vpcs = ec2
        .describe_vpcs()
        .filters(filter("is-default", "true"))
        .send()
        .await
        .expect("DescribeVpcs");
    let vpc = vpcs.vpcs()[0].vpc_id().expect("id").to_string();
    let gateways = ec2
        .describe_internet_gateways()
        .filters(filter("attachment.vpc-id", &vpc))
        .send()
        .await
        .expect("DescribeInternetGateways");
    let igw = gateways.internet_gateways()[0]
        .internet_gateway_id()
        .expect("id")
        .to_string();
    let tables = ec2
        .describe_route_tables()
        .filters(filter("vpc-id", &vpc))
        .filters(filter("route.gateway-id", &igw))
        .send()
        .await
        .expect("DescribeRouteTables");
    assert_eq!(tables.route_tables().len(), 1);
    let err = ec2.create_default_vpc().send().await.expect_err("exists");
    assert_eq!(error_code(&err).as_deref(), Some("DefaultVpcAlreadyExists"));
}
