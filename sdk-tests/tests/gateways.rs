//! Internet gateways, egress-only internet gateways, Elastic IPs and network
//! interfaces of one's own, through the real AWS SDK for Rust (issue 12,
//! items 1, 2 and 8): the SDK's own parsing of every answer, AWS's rules and
//! error codes.
//!
//! All tests share one emulator process; each uses its own random account.

use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use sdk_tests::{create_subnet, create_vpc, error_code, is_id, random_account, Emulator};

const REGION: &str = "us-east-1";

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

#[tokio::test]
async fn internet_gateway_attach_detach_delete() {
    let emu = Emulator::shared();
    let ec2 = emu.ec2(&random_account(), REGION);
    let vpc = create_vpc(&ec2, "10.0.0.0/16").await;
    let other = create_vpc(&ec2, "10.1.0.0/16").await;

    let igw = ec2
        .create_internet_gateway()
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::InternetGateway)
                .tags(Tag::builder().key("Name").value("edge").build())
                .build(),
        )
        .send()
        .await
        .expect("CreateInternetGateway");
    let igw = igw.internet_gateway().expect("gateway");
    let id = igw.internet_gateway_id().expect("id").to_string();
    assert!(is_id(&id, "igw"), "{id}");
    assert!(igw.attachments().is_empty());

    ec2.attach_internet_gateway()
        .internet_gateway_id(&id)
        .vpc_id(&vpc)
        .send()
        .await
        .expect("AttachInternetGateway");
    let described = ec2
        .describe_internet_gateways()
        .filters(filter("attachment.vpc-id", &vpc))
        .send()
        .await
        .expect("DescribeInternetGateways");
    let g = &described.internet_gateways()[0];
    assert_eq!(g.internet_gateway_id(), Some(id.as_str()));
    let attachment = &g.attachments()[0];
    assert_eq!(attachment.vpc_id(), Some(vpc.as_str()));
    assert_eq!(attachment.state().map(|s| s.as_str()), Some("available"));

    let err = ec2
        .attach_internet_gateway()
        .internet_gateway_id(&id)
        .vpc_id(&other)
        .send()
        .await
        .expect_err("already attached");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("Resource.AlreadyAssociated")
    );
    let err = ec2
        .delete_internet_gateway()
        .internet_gateway_id(&id)
        .send()
        .await
        .expect_err("attached");
    assert_eq!(error_code(&err).as_deref(), Some("DependencyViolation"));

    ec2.detach_internet_gateway()
        .internet_gateway_id(&id)
        .vpc_id(&vpc)
        .send()
        .await
        .expect("DetachInternetGateway");
    ec2.delete_internet_gateway()
        .internet_gateway_id(&id)
        .send()
        .await
        .expect("DeleteInternetGateway");
    let err = ec2
        .describe_internet_gateways()
        .internet_gateway_ids(&id)
        .send()
        .await
        .expect_err("gone");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidInternetGatewayID.NotFound")
    );
}

#[tokio::test]
async fn egress_only_gateway_lives_with_its_vpc() {
    let emu = Emulator::shared();
    let ec2 = emu.ec2(&random_account(), REGION);
    let vpc = create_vpc(&ec2, "10.0.0.0/16").await;
    let made = ec2
        .create_egress_only_internet_gateway()
        .vpc_id(&vpc)
        .send()
        .await
        .expect("CreateEgressOnlyInternetGateway");
    let g = made.egress_only_internet_gateway().expect("gateway");
    let id = g.egress_only_internet_gateway_id().expect("id").to_string();
    assert!(is_id(&id, "eigw"), "{id}");
    assert_eq!(g.attachments()[0].vpc_id(), Some(vpc.as_str()));
    assert_eq!(
        g.attachments()[0].state().map(|s| s.as_str()),
        Some("attached")
    );
    let err = ec2
        .delete_vpc()
        .vpc_id(&vpc)
        .send()
        .await
        .expect_err("gateway");
    assert_eq!(error_code(&err).as_deref(), Some("DependencyViolation"));
    let gone = ec2
        .delete_egress_only_internet_gateway()
        .egress_only_internet_gateway_id(&id)
        .send()
        .await
        .expect("DeleteEgressOnlyInternetGateway");
    assert_eq!(gone.return_code(), Some(true));
    ec2.delete_vpc()
        .vpc_id(&vpc)
        .send()
        .await
        .expect("DeleteVpc");
}

#[tokio::test]
async fn elastic_ip_on_an_interface_of_ones_own() {
    let emu = Emulator::shared();
    let ec2 = emu.ec2(&random_account(), REGION);
    let vpc = create_vpc(&ec2, "10.0.0.0/16").await;
    let subnet = create_subnet(&ec2, &vpc, "10.0.1.0/24", "us-east-1a").await;
    let eni = ec2
        .create_network_interface()
        .subnet_id(&subnet)
        .private_ip_address("10.0.1.20")
        .send()
        .await
        .expect("CreateNetworkInterface");
    let eni = eni.network_interface().expect("interface");
    let eni_id = eni.network_interface_id().expect("id").to_string();
    assert_eq!(eni.private_ip_address(), Some("10.0.1.20"));
    assert_eq!(eni.status().map(|s| s.as_str()), Some("available"));

    let alloc = ec2
        .allocate_address()
        .domain(aws_sdk_ec2::types::DomainType::Vpc)
        .send()
        .await
        .expect("AllocateAddress");
    let alloc_id = alloc.allocation_id().expect("allocation").to_string();
    let public_ip = alloc.public_ip().expect("address").to_string();
    assert!(is_id(&alloc_id, "eipalloc"), "{alloc_id}");
    assert!(
        public_ip.parse::<std::net::Ipv4Addr>().is_ok(),
        "{public_ip}"
    );

    let err = ec2
        .associate_address()
        .allocation_id(&alloc_id)
        .network_interface_id(&eni_id)
        .send()
        .await
        .expect_err("no internet gateway");
    assert_eq!(error_code(&err).as_deref(), Some("Gateway.NotAttached"));

    let igw = ec2.create_internet_gateway().send().await.expect("igw");
    let igw = igw
        .internet_gateway()
        .and_then(|g| g.internet_gateway_id())
        .expect("id")
        .to_string();
    ec2.attach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(&vpc)
        .send()
        .await
        .expect("attach");
    let assoc = ec2
        .associate_address()
        .allocation_id(&alloc_id)
        .network_interface_id(&eni_id)
        .send()
        .await
        .expect("AssociateAddress");
    let assoc_id = assoc.association_id().expect("association").to_string();
    assert!(is_id(&assoc_id, "eipassoc"), "{assoc_id}");

    let addresses = ec2
        .describe_addresses()
        .allocation_ids(&alloc_id)
        .send()
        .await
        .expect("DescribeAddresses");
    let a = &addresses.addresses()[0];
    assert_eq!(a.public_ip(), Some(public_ip.as_str()));
    assert_eq!(a.association_id(), Some(assoc_id.as_str()));
    assert_eq!(a.network_interface_id(), Some(eni_id.as_str()));
    assert_eq!(a.private_ip_address(), Some("10.0.1.20"));
    let interfaces = ec2
        .describe_network_interfaces()
        .network_interface_ids(&eni_id)
        .send()
        .await
        .expect("DescribeNetworkInterfaces");
    let association = interfaces.network_interfaces()[0]
        .association()
        .expect("association");
    assert_eq!(association.public_ip(), Some(public_ip.as_str()));
    assert_eq!(association.allocation_id(), Some(alloc_id.as_str()));

    let err = ec2
        .release_address()
        .allocation_id(&alloc_id)
        .send()
        .await
        .expect_err("in use");
    assert_eq!(error_code(&err).as_deref(), Some("InvalidIPAddress.InUse"));
    let err = ec2
        .detach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(&vpc)
        .send()
        .await
        .expect_err("mapped");
    assert_eq!(error_code(&err).as_deref(), Some("DependencyViolation"));

    ec2.disassociate_address()
        .association_id(&assoc_id)
        .send()
        .await
        .expect("DisassociateAddress");
    ec2.release_address()
        .allocation_id(&alloc_id)
        .send()
        .await
        .expect("ReleaseAddress");
    ec2.delete_network_interface()
        .network_interface_id(&eni_id)
        .send()
        .await
        .expect("DeleteNetworkInterface");
    let left = ec2
        .describe_addresses()
        .send()
        .await
        .expect("DescribeAddresses");
    assert!(left.addresses().is_empty());
}

#[tokio::test]
async fn nat_gateway_waiter_and_routes() {
    use aws_sdk_ec2::client::Waiters;
    use std::time::Duration;

    let emu = Emulator::shared();
    let ec2 = emu.ec2(&random_account(), REGION);
    let vpc = create_vpc(&ec2, "10.0.0.0/16").await;
    let public = create_subnet(&ec2, &vpc, "10.0.0.0/24", "us-east-1a").await;
    let igw = ec2.create_internet_gateway().send().await.expect("igw");
    let igw = igw
        .internet_gateway()
        .and_then(|g| g.internet_gateway_id())
        .expect("id")
        .to_string();
    ec2.attach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(&vpc)
        .send()
        .await
        .expect("attach");
    let alloc = ec2.allocate_address().send().await.expect("eip");
    let alloc = alloc.allocation_id().expect("allocation").to_string();
    let made = ec2
        .create_nat_gateway()
        .subnet_id(&public)
        .allocation_id(&alloc)
        .send()
        .await
        .expect("CreateNatGateway");
    let nat = made
        .nat_gateway()
        .and_then(|g| g.nat_gateway_id())
        .expect("id")
        .to_string();
    assert!(is_id(&nat, "nat"), "{nat}");
    ec2.wait_until_nat_gateway_available()
        .nat_gateway_ids(&nat)
        .wait(Duration::from_secs(10))
        .await
        .expect("nat_gateway_available");

    let table = ec2
        .create_route_table()
        .vpc_id(&vpc)
        .send()
        .await
        .expect("CreateRouteTable");
    let table = table
        .route_table()
        .and_then(|t| t.route_table_id())
        .expect("id")
        .to_string();
    let created = ec2
        .create_route()
        .route_table_id(&table)
        .destination_cidr_block("0.0.0.0/0")
        .nat_gateway_id(&nat)
        .send()
        .await
        .expect("CreateRoute");
    assert_eq!(created.r#return(), Some(true));
    let err = ec2
        .create_route()
        .route_table_id(&table)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&igw)
        .send()
        .await
        .expect_err("exists");
    assert_eq!(error_code(&err).as_deref(), Some("RouteAlreadyExists"));

    let route_state = || async {
        let t = ec2
            .describe_route_tables()
            .route_table_ids(&table)
            .send()
            .await
            .expect("DescribeRouteTables");
        t.route_tables()[0]
            .routes()
            .iter()
            .find(|r| r.destination_cidr_block() == Some("0.0.0.0/0"))
            .and_then(|r| r.state())
            .map(|s| s.as_str().to_string())
    };
    assert_eq!(route_state().await.as_deref(), Some("active"));
    ec2.delete_nat_gateway()
        .nat_gateway_id(&nat)
        .send()
        .await
        .expect("DeleteNatGateway");
    ec2.wait_until_nat_gateway_deleted()
        .nat_gateway_ids(&nat)
        .wait(Duration::from_secs(10))
        .await
        .expect("nat_gateway_deleted");
    assert_eq!(route_state().await.as_deref(), Some("blackhole"));
}
