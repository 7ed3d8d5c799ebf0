//! Instances, their network interfaces and volumes, the AMI and instance
//! type catalogues, secondary VPC CIDR blocks, tag limits and legacy filter
//! names, through the real AWS SDK for Rust and its waiters (issue 12,
//! items 7 to 11).

use std::time::Duration;

use aws_sdk_ec2::client::Waiters;
use aws_sdk_ec2::types::{
    Filter, InstanceStateName, InstanceType, ResourceType, Tag, TagSpecification,
};
use sdk_tests::{create_subnet, create_vpc, error_code, is_id, random_account, Emulator};

const REGION: &str = "us-east-1";

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

async fn ecs_ami(ec2: &aws_sdk_ec2::Client) -> String {
    let images = ec2
        .describe_images()
        .owners("amazon")
        .filters(filter("name", "al2023-ami-ecs-hvm-*"))
        .filters(filter("architecture", "x86_64"))
        .send()
        .await
        .expect("DescribeImages");
    assert_eq!(images.images().len(), 1);
    images.images()[0].image_id().expect("id").to_string()
}

async fn state_of(ec2: &aws_sdk_ec2::Client, id: &str) -> String {
    let out = ec2
        .describe_instances()
        .instance_ids(id)
        .send()
        .await
        .expect("DescribeInstances");
    out.reservations()[0].instances()[0]
        .state()
        .and_then(|s| s.name())
        .map(|n| n.as_str().to_string())
        .unwrap_or_default()
}

#[tokio::test]
async fn run_instances_and_the_waiters() {
    let emu = Emulator::shared();
    let ec2 = emu.ec2(&random_account(), REGION);
    let vpc = create_vpc(&ec2, "10.0.0.0/16").await;
    let subnet = create_subnet(&ec2, &vpc, "10.0.1.0/24", "us-east-1a").await;
    let image = ecs_ami(&ec2).await;
    let out = ec2
        .run_instances()
        .image_id(&image)
        .instance_type(InstanceType::T3Micro)
        .min_count(2)
        .max_count(2)
        .subnet_id(&subnet)
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::Instance)
                .tags(Tag::builder().key("Name").value("node").build())
                .build(),
        )
        .send()
        .await
        .expect("RunInstances");
    assert!(is_id(out.reservation_id().unwrap_or_default(), "r"));
    let ids: Vec<String> = out
        .instances()
        .iter()
        .map(|i| i.instance_id().unwrap_or_default().to_string())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.iter().all(|i| is_id(i, "i")), "{ids:?}");
    let first = &out.instances()[0];
    assert_eq!(first.subnet_id(), Some(subnet.as_str()));
    assert_eq!(first.vpc_id(), Some(vpc.as_str()));
    assert_eq!(
        first.state().and_then(|s| s.name()),
        Some(&InstanceStateName::Pending)
    );
    assert!(first
        .private_ip_address()
        .unwrap_or_default()
        .starts_with("10.0.1."));
    assert_eq!(first.public_ip_address(), None);
    assert_eq!(first.root_device_name(), Some("/dev/xvda"));

    let wait = Duration::from_secs(30);
    ec2.wait_until_instance_running()
        .set_instance_ids(Some(ids.clone()))
        .wait(wait)
        .await
        .expect("instance_running");
    ec2.wait_until_instance_status_ok()
        .set_instance_ids(Some(ids.clone()))
        .wait(wait)
        .await
        .expect("instance_status_ok");
    let tagged = ec2
        .describe_instances()
        .filters(filter("tag:Name", "node"))
        .filters(filter("instance-state-name", "running"))
        .send()
        .await
        .expect("DescribeInstances");
    assert_eq!(tagged.reservations()[0].instances().len(), 2);

    let stopping = ec2
        .stop_instances()
        .set_instance_ids(Some(ids.clone()))
        .send()
        .await
        .expect("StopInstances");
    assert_eq!(
        stopping.stopping_instances()[0]
            .current_state()
            .and_then(|s| s.code()),
        Some(64)
    );
    ec2.wait_until_instance_stopped()
        .set_instance_ids(Some(ids.clone()))
        .wait(wait)
        .await
        .expect("instance_stopped");
    ec2.terminate_instances()
        .set_instance_ids(Some(ids.clone()))
        .send()
        .await
        .expect("TerminateInstances");
    ec2.wait_until_instance_terminated()
        .set_instance_ids(Some(ids.clone()))
        .wait(wait)
        .await
        .expect("instance_terminated");
    assert_eq!(state_of(&ec2, &ids[0]).await, "terminated");

    let err = ec2
        .run_instances()
        .image_id("ami-0123456789abcdef0")
        .min_count(1)
        .max_count(1)
        .subnet_id(&subnet)
        .send()
        .await
        .expect_err("an unknown AMI");
    assert_eq!(error_code(&err).as_deref(), Some("InvalidAMIID.NotFound"));
}

#[tokio::test]
async fn states_move_with_the_manual_clock() {
    let emu = Emulator::start_with(&["--pace", "manual"]);
    let ec2 = emu.ec2(&random_account(), REGION);
    let vpc = create_vpc(&ec2, "10.0.0.0/16").await;
    let subnet = create_subnet(&ec2, &vpc, "10.0.1.0/24", "us-east-1a").await;
    let image = ecs_ami(&ec2).await;
    let out = ec2
        .run_instances()
        .image_id(&image)
        .instance_type(InstanceType::T3Micro)
        .min_count(1)
        .max_count(1)
        .subnet_id(&subnet)
        .send()
        .await
        .expect("RunInstances");
    let id = out.instances()[0].instance_id().expect("id").to_string();
    assert_eq!(state_of(&ec2, &id).await, "pending");
    emu.advance_clock(6.0);
    assert_eq!(state_of(&ec2, &id).await, "running");
    ec2.stop_instances()
        .instance_ids(&id)
        .send()
        .await
        .expect("Stop");
    assert_eq!(state_of(&ec2, &id).await, "stopping");
    emu.advance_clock(6.0);
    assert_eq!(state_of(&ec2, &id).await, "stopped");
    ec2.start_instances()
        .instance_ids(&id)
        .send()
        .await
        .expect("Start");
    assert_eq!(state_of(&ec2, &id).await, "pending");
    emu.advance_clock(6.0);
    ec2.terminate_instances()
        .instance_ids(&id)
        .send()
        .await
        .expect("Terminate");
    assert_eq!(state_of(&ec2, &id).await, "shutting-down");
    emu.advance_clock(6.0);
    assert_eq!(state_of(&ec2, &id).await, "terminated");
}

#[tokio::test]
async fn network_interfaces_attach_and_detach() {
    let emu = Emulator::shared();
    let ec2 = emu.ec2(&random_account(), REGION);
    let vpc = create_vpc(&ec2, "10.0.0.0/16").await;
    let subnet = create_subnet(&ec2, &vpc, "10.0.1.0/24", "us-east-1a").await;
    let image = ecs_ami(&ec2).await;
    let id = ec2
        .run_instances()
        .image_id(&image)
        .instance_type(InstanceType::T3Micro)
        .min_count(1)
        .max_count(1)
        .subnet_id(&subnet)
        .send()
        .await
        .expect("RunInstances")
        .instances()[0]
        .instance_id()
        .expect("id")
        .to_string();
    ec2.wait_until_instance_running()
        .instance_ids(&id)
        .wait(Duration::from_secs(30))
        .await
        .expect("running");
    let eni = ec2
        .create_network_interface()
        .subnet_id(&subnet)
        .send()
        .await
        .expect("CreateNetworkInterface")
        .network_interface()
        .and_then(|n| n.network_interface_id())
        .expect("id")
        .to_string();
    let att = ec2
        .attach_network_interface()
        .network_interface_id(&eni)
        .instance_id(&id)
        .device_index(1)
        .send()
        .await
        .expect("AttachNetworkInterface");
    let attachment = att.attachment_id().expect("attachment").to_string();
    assert!(is_id(&attachment, "eni-attach"), "{attachment}");
    let x = ec2
        .describe_network_interfaces()
        .network_interface_ids(&eni)
        .send()
        .await
        .expect("Describe");
    let a = x.network_interfaces()[0].attachment().expect("attached");
    assert_eq!(a.instance_id(), Some(id.as_str()));
    assert_eq!(a.device_index(), Some(1));
    let err = ec2
        .delete_network_interface()
        .network_interface_id(&eni)
        .send()
        .await
        .expect_err("in use");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidNetworkInterface.InUse")
    );
    ec2.detach_network_interface()
        .attachment_id(&attachment)
        .send()
        .await
        .expect("DetachNetworkInterface");
    let x = ec2
        .describe_network_interfaces()
        .network_interface_ids(&eni)
        .send()
        .await
        .expect("Describe");
    assert_eq!(
        x.network_interfaces()[0].status().map(|s| s.as_str()),
        Some("available")
    );
}

#[tokio::test]
async fn catalogues_and_volumes() {
    let emu = Emulator::shared();
    let ec2 = emu.ec2(&random_account(), REGION);
    let types = ec2
        .describe_instance_types()
        .instance_types(InstanceType::M5Large)
        .send()
        .await
        .expect("DescribeInstanceTypes");
    let m5 = &types.instance_types()[0];
    assert_eq!(m5.v_cpu_info().and_then(|v| v.default_v_cpus()), Some(2));
    assert_eq!(m5.memory_info().and_then(|m| m.size_in_mib()), Some(8192));
    assert_eq!(
        m5.network_info()
            .and_then(|n| n.maximum_network_interfaces()),
        Some(3)
    );
    let vpc = create_vpc(&ec2, "10.0.0.0/16").await;
    let subnet = create_subnet(&ec2, &vpc, "10.0.1.0/24", "us-east-1a").await;
    let image = ecs_ami(&ec2).await;
    let id = ec2
        .run_instances()
        .image_id(&image)
        .min_count(1)
        .max_count(1)
        .subnet_id(&subnet)
        .send()
        .await
        .expect("RunInstances")
        .instances()[0]
        .instance_id()
        .expect("id")
        .to_string();
    let vols = ec2
        .describe_volumes()
        .filters(filter("attachment.instance-id", &id))
        .send()
        .await
        .expect("DescribeVolumes");
    assert_eq!(vols.volumes().len(), 1);
    assert_eq!(vols.volumes()[0].size(), Some(30));
}

#[tokio::test]
async fn secondary_vpc_cidr_blocks() {
    let emu = Emulator::shared();
    let ec2 = emu.ec2(&random_account(), REGION);
    let vpc = create_vpc(&ec2, "10.0.0.0/16").await;
    let out = ec2
        .associate_vpc_cidr_block()
        .vpc_id(&vpc)
        .cidr_block("10.1.0.0/16")
        .send()
        .await
        .expect("AssociateVpcCidrBlock");
    let assoc = out
        .cidr_block_association()
        .and_then(|a| a.association_id())
        .expect("association")
        .to_string();
    assert!(is_id(&assoc, "vpc-cidr-assoc"), "{assoc}");
    let ipv6 = ec2
        .associate_vpc_cidr_block()
        .vpc_id(&vpc)
        .amazon_provided_ipv6_cidr_block(true)
        .send()
        .await
        .expect("IPv6");
    assert!(ipv6.ipv6_cidr_block_association().is_some());
    // A subnet in the new block, and its local route.
    create_subnet(&ec2, &vpc, "10.1.5.0/24", "us-east-1a").await;
    let tables = ec2
        .describe_route_tables()
        .filters(filter("vpc-id", &vpc))
        .send()
        .await
        .expect("DescribeRouteTables");
    assert!(tables.route_tables()[0]
        .routes()
        .iter()
        .any(|r| r.destination_cidr_block() == Some("10.1.0.0/16")
            && r.gateway_id() == Some("local")));
    let err = ec2
        .associate_vpc_cidr_block()
        .vpc_id(&vpc)
        .cidr_block("192.168.0.0/16")
        .send()
        .await
        .expect_err("a restricted range");
    assert_eq!(error_code(&err).as_deref(), Some("InvalidVpc.Range"));
    let err = ec2
        .disassociate_vpc_cidr_block()
        .association_id(&assoc)
        .send()
        .await
        .expect_err("a block with a subnet");
    assert_eq!(error_code(&err).as_deref(), Some("InvalidCidrBlock.InUse"));
    let vpcs = ec2
        .describe_vpcs()
        .filters(filter("cidr-block-association.cidr-block", "10.1.0.0/16"))
        .send()
        .await
        .expect("DescribeVpcs");
    assert_eq!(vpcs.vpcs()[0].vpc_id(), Some(vpc.as_str()));
}

#[tokio::test]
async fn tag_limits_and_legacy_filters() {
    let emu = Emulator::shared();
    let ec2 = emu.ec2(&random_account(), REGION);
    let vpc = create_vpc(&ec2, "10.9.0.0/16").await;
    let err = ec2
        .create_tags()
        .resources(&vpc)
        .tags(Tag::builder().key("aws:owner").value("me").build())
        .send()
        .await
        .expect_err("a reserved key");
    assert_eq!(error_code(&err).as_deref(), Some("InvalidParameterValue"));
    let many: Vec<Tag> = (0..51)
        .map(|i| Tag::builder().key(format!("k{i}")).value("v").build())
        .collect();
    let err = ec2
        .create_tags()
        .resources(&vpc)
        .set_tags(Some(many))
        .send()
        .await
        .expect_err("51 tags");
    assert_eq!(error_code(&err).as_deref(), Some("TagLimitExceeded"));
    // The legacy filter names real clients send (Ansible's ec2_vpc_net,
    // Terraform's aws_default_vpc).
    let by_cidr = ec2
        .describe_vpcs()
        .filters(filter("cidr-block", "10.9.0.0/16"))
        .send()
        .await
        .expect("cidr-block");
    assert_eq!(by_cidr.vpcs()[0].vpc_id(), Some(vpc.as_str()));
    let defaults = ec2
        .describe_vpcs()
        .filters(filter("isDefault", "true"))
        .send()
        .await
        .expect("isDefault");
    assert_eq!(defaults.vpcs().len(), 1);
    assert_eq!(defaults.vpcs()[0].is_default(), Some(true));
    let err = ec2
        .describe_vpcs()
        .filters(filter("colour", "red"))
        .send()
        .await
        .expect_err("an unknown filter");
    assert_eq!(error_code(&err).as_deref(), Some("InvalidParameterValue"));
}
