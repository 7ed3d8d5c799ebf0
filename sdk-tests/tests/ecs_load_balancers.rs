//! An ECS service behind a network load balancer's target group, through the
//! real AWS SDK for Rust (issue 13, item 5): its tasks' IPs appear in
//! DescribeTargetHealth (`initial`, then `healthy`), and leave it — draining
//! while the task waits in `DEACTIVATING` — when the service scales in;
//! the service's checks of `loadBalancers`.

use aws_sdk_ecs::error::ProvideErrorMetadata as _;
use aws_sdk_ecs::types::{
    AwsVpcConfiguration, ContainerDefinition, LaunchType, LoadBalancer, NetworkConfiguration,
    PortMapping,
};
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, LoadBalancerSchemeEnum, LoadBalancerTypeEnum, ProtocolEnum,
    TargetGroupAttribute, TargetHealthStateEnum, TargetTypeEnum,
};
use sdk_tests::{
    create_subnet, create_vpc, nat_egress, random_account, register_fargate, Emulator,
};

const REGION: &str = "us-east-1";

/// An NLB with a TCP listener forwarding to an `ip` target group whose
/// deregistration delay is 20 s, a cluster and a FARGATE task definition;
/// gives (target group ARN, subnet).
async fn setup(
    ec2: &aws_sdk_ec2::Client,
    elb: &aws_sdk_elasticloadbalancingv2::Client,
    ecs: &aws_sdk_ecs::Client,
) -> (String, String) {
    let vpc = create_vpc(ec2, "10.0.0.0/16").await;
    let subnet = create_subnet(ec2, &vpc, "10.0.1.0/24", "us-east-1a").await;
    // The private subnet pulls from Docker Hub through a NAT gateway (it is
    // available once the clock has moved 5 s).
    nat_egress(ec2, &vpc, "10.0.255.0/24", "us-east-1a", false).await;
    let lb = elb
        .create_load_balancer()
        .name("nlb")
        .r#type(LoadBalancerTypeEnum::Network)
        .scheme(LoadBalancerSchemeEnum::Internal)
        .subnets(&subnet)
        .send()
        .await
        .expect("CreateLoadBalancer");
    let lb_arn = lb.load_balancers()[0].load_balancer_arn().expect("arn");
    let tg = elb
        .create_target_group()
        .name("web")
        .protocol(ProtocolEnum::Tcp)
        .port(80)
        .vpc_id(&vpc)
        .target_type(TargetTypeEnum::Ip)
        .send()
        .await
        .expect("CreateTargetGroup");
    let tg_arn = tg.target_groups()[0]
        .target_group_arn()
        .expect("arn")
        .to_string();
    elb.modify_target_group_attributes()
        .target_group_arn(&tg_arn)
        .attributes(
            TargetGroupAttribute::builder()
                .key("deregistration_delay.timeout_seconds")
                .value("20")
                .build(),
        )
        .send()
        .await
        .expect("ModifyTargetGroupAttributes");
    elb.create_listener()
        .load_balancer_arn(lb_arn)
        .protocol(ProtocolEnum::Tcp)
        .port(80)
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::Forward)
                .target_group_arn(&tg_arn)
                .build(),
        )
        .send()
        .await
        .expect("CreateListener");
    ecs.create_cluster()
        .cluster_name("app")
        .send()
        .await
        .expect("CreateCluster");
    let web = ContainerDefinition::builder()
        .name("web")
        .image("nginx:latest")
        .port_mappings(PortMapping::builder().container_port(80).build());
    register_fargate(ecs, "web", web.build()).await;
    (tg_arn, subnet)
}

fn load_balancer(tg_arn: &str, port: i32) -> LoadBalancer {
    LoadBalancer::builder()
        .target_group_arn(tg_arn)
        .container_name("web")
        .container_port(port)
        .build()
}

/// (IP, state) of every target of the group.
async fn targets(elb: &aws_sdk_elasticloadbalancingv2::Client, tg: &str) -> Vec<(String, String)> {
    let out = elb
        .describe_target_health()
        .target_group_arn(tg)
        .send()
        .await
        .expect("DescribeTargetHealth");
    let mut v: Vec<(String, String)> = out
        .target_health_descriptions()
        .iter()
        .map(|d| {
            (
                d.target().and_then(|t| t.id()).unwrap_or("").to_string(),
                d.target_health()
                    .and_then(|h| h.state())
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
            )
        })
        .collect();
    v.sort();
    v
}

async fn running_ips(ecs: &aws_sdk_ecs::Client) -> Vec<String> {
    let arns = ecs
        .list_tasks()
        .cluster("app")
        .send()
        .await
        .expect("ListTasks")
        .task_arns()
        .to_vec();
    let tasks = ecs
        .describe_tasks()
        .cluster("app")
        .set_tasks(Some(arns))
        .send()
        .await
        .expect("DescribeTasks");
    let mut ips: Vec<String> = tasks
        .tasks()
        .iter()
        .filter(|t| t.last_status() == Some("RUNNING"))
        .filter_map(|t| {
            t.containers()[0].network_interfaces()[0]
                .private_ipv4_address()
                .map(str::to_string)
        })
        .collect();
    ips.sort();
    ips
}

#[tokio::test]
async fn service_task_ips_become_targets_and_drain_on_scale_in() {
    let emu = Emulator::start_with(&["--pace", "manual"]);
    let account = random_account();
    let (ec2, elb, ecs) = (
        emu.ec2(&account, REGION),
        emu.elbv2(&account, REGION),
        emu.ecs(&account, REGION),
    );
    let (tg_arn, subnet) = setup(&ec2, &elb, &ecs).await;
    emu.advance_clock(5.0);
    let network = NetworkConfiguration::builder()
        .awsvpc_configuration(
            AwsVpcConfiguration::builder()
                .subnets(&subnet)
                .build()
                .expect("awsvpc"),
        )
        .build();

    // ECS refuses a container port the task definition lacks.
    let err = ecs
        .create_service()
        .cluster("app")
        .service_name("web")
        .task_definition("web")
        .desired_count(2)
        .launch_type(LaunchType::Fargate)
        .network_configuration(network.clone())
        .load_balancers(load_balancer(&tg_arn, 8080))
        .send()
        .await
        .expect_err("no container port 8080");
    assert_eq!(err.code(), Some("InvalidParameterException"));
    assert_eq!(
        err.message(),
        Some("The container web did not have a container port 8080 defined.")
    );

    let created = ecs
        .create_service()
        .cluster("app")
        .service_name("web")
        .task_definition("web")
        .desired_count(2)
        .launch_type(LaunchType::Fargate)
        .network_configuration(network)
        .load_balancers(load_balancer(&tg_arn, 80))
        .send()
        .await
        .expect("CreateService");
    let service = created.service().expect("service");
    assert_eq!(service.load_balancers().len(), 1);
    assert_eq!(service.health_check_grace_period_seconds(), Some(0));

    // Running after three steps: registered, in their first checks.
    emu.advance_clock(3.0);
    let ips = running_ips(&ecs).await;
    assert_eq!(ips.len(), 2);
    let with = |state: &str| -> Vec<(String, String)> {
        ips.iter()
            .map(|ip| (ip.clone(), state.to_string()))
            .collect()
    };
    assert_eq!(targets(&elb, &tg_arn).await, with("initial"));
    emu.advance_clock(10.0);
    assert_eq!(targets(&elb, &tg_arn).await, with("healthy"));
    let described = elb
        .describe_target_health()
        .target_group_arn(&tg_arn)
        .send()
        .await
        .expect("DescribeTargetHealth");
    assert!(described
        .target_health_descriptions()
        .iter()
        .all(
            |d| d.target_health().and_then(|h| h.state()) == Some(&TargetHealthStateEnum::Healthy)
        ));
    let svc = ecs
        .describe_services()
        .cluster("app")
        .services("web")
        .send()
        .await
        .expect("DescribeServices");
    let events: Vec<&str> = svc.services()[0]
        .events()
        .iter()
        .filter_map(|e| e.message())
        .collect();
    assert_eq!(events[0], "(service web) has reached a steady state.");
    let registered = format!("(service web) registered 1 targets in (target-group {tg_arn})");
    assert_eq!(events.iter().filter(|e| **e == registered).count(), 2);

    // Scale in to one: one target drains for 20 s, then leaves.
    ecs.update_service()
        .cluster("app")
        .service("web")
        .desired_count(1)
        .send()
        .await
        .expect("UpdateService");
    let states = targets(&elb, &tg_arn).await;
    let draining: Vec<&(String, String)> = states.iter().filter(|(_, s)| s == "draining").collect();
    assert_eq!(draining.len(), 1, "{states:?}");
    let gone = draining[0].0.clone();
    emu.advance_clock(19.0);
    assert!(targets(&elb, &tg_arn)
        .await
        .iter()
        .any(|(ip, _)| *ip == gone));
    emu.advance_clock(1.0);
    let left = targets(&elb, &tg_arn).await;
    assert_eq!(left.len(), 1);
    assert_ne!(left[0].0, gone);
    assert_eq!(left[0].1, "healthy");
    emu.advance_clock(3.0);
    assert_eq!(running_ips(&ecs).await, [left[0].0.clone()]);
}
