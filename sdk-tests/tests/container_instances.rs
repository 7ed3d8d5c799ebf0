//! ECS container instances and the EC2 launch type through the real AWS SDK
//! for Rust (issue 14, items 1–3): an instance of the ECS-optimized AMI
//! with ECS user data becomes an ACTIVE container instance with its type's
//! resources; tasks are bin-packed and spread as the strategies say, with
//! `remainingResources` falling and rising; RunTask `failures` name each
//! reason (CPU, memory, ports, ENIs, zone, memberOf, agent); a capacity provider strategy splits tasks by base and weight.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::InstanceType;
use aws_sdk_ecs::types::{AwsVpcConfiguration, NetworkConfiguration};
use aws_sdk_ecs::types::{
    CapacityProviderStrategyItem, Compatibility, ContainerDefinition, LaunchType, NetworkMode,
    PlacementConstraint, PlacementConstraintType, PlacementStrategy, PlacementStrategyType,
    PortMapping, Resource,
};
use sdk_tests::{
    create_cluster, create_subnet, ecs_world, launch_container_instances, register_fargate,
    EcsWorld, Emulator,
};

fn integer(resources: &[Resource], name: &str) -> i32 {
    resources
        .iter()
        .find(|r| r.name() == Some(name))
        .map(|r| r.integer_value())
        .unwrap_or(-1)
}

async fn register_bridge(ecs: &aws_sdk_ecs::Client, family: &str, cpu: i32, memory: i32) {
    register_bridge_on(ecs, family, cpu, memory, 0).await;
}

/// A bridge task definition binding container port 80 to `host_port`
/// (0: a dynamic one).
async fn register_bridge_on(
    ecs: &aws_sdk_ecs::Client,
    family: &str,
    cpu: i32,
    memory: i32,
    host_port: i32,
) {
    ecs.register_task_definition()
        .family(family)
        .network_mode(NetworkMode::Bridge)
        .requires_compatibilities(Compatibility::Ec2)
        .container_definitions(
            ContainerDefinition::builder()
                .name("web")
                .image("nginx:latest")
                .cpu(cpu)
                .memory(memory)
                .port_mappings(
                    PortMapping::builder()
                        .container_port(80)
                        .host_port(host_port)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("RegisterTaskDefinition");
}

#[tokio::test]
async fn instances_register_and_take_tasks() {
    let emu = Emulator::shared();
    // The instances reach ECS and Docker Hub through a NAT gateway.
    let EcsWorld {
        ec2, ecs, subnet, ..
    } = ecs_world(&emu).await;
    create_cluster(&ecs, "prod").await;
    let run = launch_container_instances(&ec2, &subnet, InstanceType::T3Medium, 2, "prod").await;
    assert_eq!(run.len(), 2);

    let arns = ecs
        .list_container_instances()
        .cluster("prod")
        .send()
        .await
        .expect("ListContainerInstances")
        .container_instance_arns()
        .to_vec();
    assert_eq!(arns.len(), 2);
    let described = ecs
        .describe_container_instances()
        .cluster("prod")
        .set_container_instances(Some(arns.clone()))
        .send()
        .await
        .expect("DescribeContainerInstances");
    for ci in described.container_instances() {
        assert_eq!(ci.status(), Some("ACTIVE"));
        assert!(ci.agent_connected());
        assert_eq!(integer(ci.registered_resources(), "CPU"), 2048);
        assert_eq!(
            integer(ci.registered_resources(), "MEMORY"),
            4096 * 7985 / 8192
        );
        assert_eq!(
            ci.version_info().and_then(|v| v.agent_version()),
            Some("1.88.0")
        );
        let instance_type = ci
            .attributes()
            .iter()
            .find(|a| a.name() == "ecs.instance-type")
            .and_then(|a| a.value());
        assert_eq!(instance_type, Some("t3.medium"));
    }

    // Bin-packed on memory: three tasks share one instance.
    register_bridge(&ecs, "web", 512, 1024).await;
    let out = ecs
        .run_task()
        .cluster("prod")
        .task_definition("web")
        .count(3)
        .launch_type(LaunchType::Ec2)
        .placement_strategy(
            PlacementStrategy::builder()
                .r#type(PlacementStrategyType::Binpack)
                .field("memory")
                .build(),
        )
        .send()
        .await
        .expect("RunTask");
    assert!(out.failures().is_empty(), "{:?}", out.failures());
    let homes: Vec<&str> = out
        .tasks()
        .iter()
        .filter_map(|t| t.container_instance_arn())
        .collect();
    assert_eq!(homes.len(), 3);
    assert!(homes.iter().all(|h| *h == homes[0]));
    let home = homes[0].to_string();
    let remaining = |ci: &aws_sdk_ecs::types::ContainerInstance| {
        (
            integer(ci.remaining_resources(), "CPU"),
            integer(ci.remaining_resources(), "MEMORY"),
        )
    };
    let ci = ecs
        .describe_container_instances()
        .cluster("prod")
        .container_instances(&home)
        .send()
        .await
        .expect("DescribeContainerInstances");
    assert_eq!(
        remaining(&ci.container_instances()[0]),
        (2048 - 1536, 4096 * 7985 / 8192 - 3072)
    );
    assert_eq!(ci.container_instances()[0].running_tasks_count(), 3);

    // Spread over instances: the group has three tasks on one instance and
    // none on the other, so the next two both go to the other.
    let spread = ecs
        .run_task()
        .cluster("prod")
        .task_definition("web")
        .count(2)
        .launch_type(LaunchType::Ec2)
        .placement_strategy(
            PlacementStrategy::builder()
                .r#type(PlacementStrategyType::Spread)
                .field("instanceId")
                .build(),
        )
        .send()
        .await
        .expect("RunTask spread");
    let mut per: BTreeMap<String, usize> = BTreeMap::new();
    for t in spread.tasks() {
        *per.entry(t.container_instance_arn().unwrap_or("").to_string())
            .or_default() += 1;
    }
    assert_eq!(per.values().copied().collect::<Vec<_>>(), vec![2]);
    assert!(!per.contains_key(&home));

    // Too much memory for any instance: one failure per instance.
    register_bridge(&ecs, "huge", 128, 8000).await;
    let huge = ecs
        .run_task()
        .cluster("prod")
        .task_definition("huge")
        .launch_type(LaunchType::Ec2)
        .send()
        .await
        .expect("RunTask huge");
    assert!(huge.tasks().is_empty());
    let reasons: Vec<&str> = huge.failures().iter().filter_map(|f| f.reason()).collect();
    assert_eq!(reasons, ["RESOURCE:MEMORY", "RESOURCE:MEMORY"]);

    // Stopping the tasks gives the resources back.
    for t in out.tasks() {
        ecs.stop_task()
            .cluster("prod")
            .task(t.task_arn().unwrap_or(""))
            .send()
            .await
            .expect("StopTask");
    }
    let ci = ecs
        .describe_container_instances()
        .cluster("prod")
        .container_instances(&home)
        .send()
        .await
        .expect("DescribeContainerInstances");
    assert_eq!(
        remaining(&ci.container_instances()[0]),
        (2048, 4096 * 7985 / 8192)
    );
}

#[tokio::test]
async fn capacity_provider_strategy_splits_by_base_and_weight() {
    let emu = Emulator::shared();
    // The tasks reach Docker Hub through a NAT gateway.
    let EcsWorld { ecs, subnet, .. } = ecs_world(&emu).await;
    ecs.create_cluster()
        .cluster_name("app")
        .capacity_providers("FARGATE")
        .capacity_providers("FARGATE_SPOT")
        .send()
        .await
        .expect("CreateCluster");
    let job = ContainerDefinition::builder().name("job").image("busybox");
    register_fargate(&ecs, "job", job.build()).await;
    let out = ecs
        .run_task()
        .cluster("app")
        .task_definition("job")
        .count(9)
        .capacity_provider_strategy(
            CapacityProviderStrategyItem::builder()
                .capacity_provider("FARGATE")
                .base(1)
                .weight(1)
                .build()
                .expect("item"),
        )
        .capacity_provider_strategy(
            CapacityProviderStrategyItem::builder()
                .capacity_provider("FARGATE_SPOT")
                .weight(3)
                .build()
                .expect("item"),
        )
        .network_configuration(
            NetworkConfiguration::builder()
                .awsvpc_configuration(
                    AwsVpcConfiguration::builder()
                        .subnets(&subnet)
                        .build()
                        .expect("awsvpc"),
                )
                .build(),
        )
        .send()
        .await
        .expect("RunTask");
    let mut per: BTreeMap<String, usize> = BTreeMap::new();
    for t in out.tasks() {
        *per.entry(t.capacity_provider_name().unwrap_or("").to_string())
            .or_default() += 1;
    }
    assert_eq!(per.get("FARGATE"), Some(&3));
    assert_eq!(per.get("FARGATE_SPOT"), Some(&6));
}

#[tokio::test]
async fn run_task_failures_name_each_reason() {
    let emu = Emulator::shared();
    let EcsWorld {
        ec2,
        ecs,
        vpc,
        subnet: a,
        ..
    } = ecs_world(&emu).await;
    let b = create_subnet(&ec2, &vpc, "10.0.2.0/24", "us-east-1b").await;
    create_cluster(&ecs, "prod").await;
    let [ec2_id] = launch_container_instances(&ec2, &a, InstanceType::T3Medium, 1, "prod")
        .await
        .try_into()
        .expect("one instance");
    let arn = ecs
        .list_container_instances()
        .cluster("prod")
        .send()
        .await
        .expect("ListContainerInstances")
        .container_instance_arns()[0]
        .clone();

    // One RunTask, its failures as (arn, reason) pairs.
    let failures = |out: aws_sdk_ecs::operation::run_task::RunTaskOutput| -> Vec<(String, String)> {
        out.failures()
            .iter()
            .map(|f| {
                (
                    f.arn().unwrap_or("").to_string(),
                    f.reason().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    let expect = |reason: &str| vec![(arn.clone(), reason.to_string())];
    let run_of = |family: &str| {
        ecs.run_task()
            .cluster("prod")
            .task_definition(family)
            .launch_type(LaunchType::Ec2)
    };

    register_bridge(&ecs, "big-cpu", 4096, 128).await;
    let out = run_of("big-cpu").send().await.expect("RunTask");
    assert!(out.tasks().is_empty());
    assert_eq!(failures(out), expect("RESOURCE:CPU"));
    register_bridge(&ecs, "big-mem", 128, 8000).await;
    let out = run_of("big-mem").send().await.expect("RunTask");
    assert_eq!(failures(out), expect("RESOURCE:MEMORY"));

    // A fixed host port fits once; the agent's own ports never.
    register_bridge_on(&ecs, "fixed", 128, 128, 8080).await;
    let out = run_of("fixed").send().await.expect("RunTask");
    assert_eq!(out.tasks().len(), 1);
    let bindings = out.tasks()[0].containers()[0].network_bindings();
    assert_eq!(bindings[0].host_port(), Some(8080));
    let out = run_of("fixed").send().await.expect("RunTask");
    assert_eq!(failures(out), expect("RESOURCE:PORTS"));
    register_bridge_on(&ecs, "ssh", 128, 128, 22).await;
    let out = run_of("ssh").send().await.expect("RunTask");
    assert_eq!(failures(out), expect("RESOURCE:PORTS"));

    // awsvpc: a t3.medium has 3 interfaces, one its own.
    ecs.register_task_definition()
        .family("vpc")
        .network_mode(NetworkMode::Awsvpc)
        .requires_compatibilities(Compatibility::Ec2)
        .container_definitions(
            ContainerDefinition::builder()
                .name("web")
                .image("nginx:latest")
                .cpu(128)
                .memory(128)
                .build(),
        )
        .send()
        .await
        .expect("RegisterTaskDefinition vpc");
    let net = |subnet: &str| {
        NetworkConfiguration::builder()
            .awsvpc_configuration(
                AwsVpcConfiguration::builder()
                    .subnets(subnet)
                    .build()
                    .expect("awsvpc"),
            )
            .build()
    };
    let out = run_of("vpc")
        .count(2)
        .network_configuration(net(&a))
        .send()
        .await
        .expect("RunTask vpc");
    assert_eq!(out.tasks().len(), 2);
    let out = run_of("vpc")
        .network_configuration(net(&a))
        .send()
        .await
        .expect("RunTask vpc");
    assert_eq!(failures(out), expect("RESOURCE:ENI"));
    // A subnet in a zone with no instance.
    let out = run_of("vpc")
        .network_configuration(net(&b))
        .send()
        .await
        .expect("RunTask vpc b");
    assert_eq!(failures(out), expect("LOCATION"));

    // A memberOf constraint no instance meets.
    register_bridge(&ecs, "tiny", 1, 1).await;
    let out = run_of("tiny")
        .placement_constraints(
            PlacementConstraint::builder()
                .r#type(PlacementConstraintType::MemberOf)
                .expression("attribute:ecs.instance-type == m5.large")
                .build(),
        )
        .send()
        .await
        .expect("RunTask memberOf");
    assert_eq!(
        failures(out),
        expect("MemberOf placement constraint unsatisfied.")
    );

    // A stopped instance's agent is disconnected.
    ec2.stop_instances()
        .instance_ids(&ec2_id)
        .send()
        .await
        .expect("StopInstances");
    let out = run_of("tiny").send().await.expect("RunTask tiny");
    assert_eq!(failures(out), expect("AGENT"));
}
