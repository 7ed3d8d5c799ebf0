//! ECS account settings, container instance draining and task sets through
//! the real AWS SDK for Rust (issue 14, items 1, 4 and 5).

use aws_sdk_ec2::types::InstanceType;
use aws_sdk_ecs::error::ProvideErrorMetadata as _;
use aws_sdk_ecs::types::{
    AwsVpcConfiguration, ClusterField, Compatibility, ContainerDefinition, ContainerInstanceStatus,
    DeploymentController, DeploymentControllerType, LaunchType, NetworkConfiguration, NetworkMode,
    Scale, ScaleUnit, SettingName,
};
use sdk_tests::{
    create_cluster, ecs_world, launch_container_instances, random_account, register_fargate,
    EcsWorld, Emulator,
};

const REGION: &str = "us-east-1";

#[tokio::test]
async fn account_setting_sets_new_clusters_container_insights() {
    let emu = Emulator::shared();
    let ecs = emu.ecs(&random_account(), REGION);
    let put = ecs
        .put_account_setting()
        .name(SettingName::ContainerInsights)
        .value("enabled")
        .send()
        .await
        .expect("PutAccountSetting");
    assert_eq!(put.setting().and_then(|s| s.value()), Some("enabled"));
    let long = ecs
        .put_account_setting()
        .name(SettingName::ServiceLongArnFormat)
        .value("disabled")
        .send()
        .await
        .expect_err("long ARN formats can no longer be disabled");
    assert_eq!(long.code(), Some("InvalidParameterException"));
    ecs.create_cluster()
        .cluster_name("c")
        .send()
        .await
        .expect("CreateCluster");
    let c = ecs
        .describe_clusters()
        .clusters("c")
        .include(ClusterField::Settings)
        .send()
        .await
        .expect("DescribeClusters");
    let settings = c.clusters()[0].settings();
    assert_eq!(settings.len(), 1);
    assert_eq!(settings[0].value(), Some("enabled"));
}

#[tokio::test]
async fn draining_moves_service_tasks_to_other_instances() {
    let emu = Emulator::shared();
    // The private subnet reaches ECS and Docker Hub through a NAT gateway.
    let EcsWorld {
        ec2, ecs, subnet, ..
    } = ecs_world(&emu).await;
    create_cluster(&ecs, "prod").await;
    launch_container_instances(&ec2, &subnet, InstanceType::T3Small, 2, "prod").await;
    ecs.register_task_definition()
        .family("web")
        .network_mode(NetworkMode::Bridge)
        .requires_compatibilities(Compatibility::Ec2)
        .container_definitions(
            ContainerDefinition::builder()
                .name("web")
                .image("nginx")
                .cpu(128)
                .memory(128)
                .build(),
        )
        .send()
        .await
        .expect("RegisterTaskDefinition");
    ecs.create_service()
        .cluster("prod")
        .service_name("web")
        .task_definition("web")
        .desired_count(2)
        .launch_type(LaunchType::Ec2)
        .send()
        .await
        .expect("CreateService");
    let homes = |ecs: aws_sdk_ecs::Client| async move {
        let arns = ecs
            .list_tasks()
            .cluster("prod")
            .service_name("web")
            .send()
            .await
            .expect("ListTasks")
            .task_arns()
            .to_vec();
        let tasks = ecs
            .describe_tasks()
            .cluster("prod")
            .set_tasks(Some(arns))
            .send()
            .await
            .expect("DescribeTasks");
        tasks
            .tasks()
            .iter()
            .filter_map(|t| t.container_instance_arn().map(str::to_string))
            .collect::<Vec<_>>()
    };
    let before = homes(ecs.clone()).await;
    assert_eq!(before.len(), 2);
    let drained = before[0].clone();
    let out = ecs
        .update_container_instances_state()
        .cluster("prod")
        .container_instances(&drained)
        .status(ContainerInstanceStatus::Draining)
        .send()
        .await
        .expect("UpdateContainerInstancesState");
    assert_eq!(out.container_instances()[0].status(), Some("DRAINING"));
    let after = homes(ecs.clone()).await;
    assert_eq!(after.len(), 2);
    assert!(!after.contains(&drained), "{after:?}");
}

#[tokio::test]
async fn task_sets_of_an_external_service() {
    let emu = Emulator::shared();
    // The private subnet reaches Docker Hub through a NAT gateway.
    let EcsWorld { ecs, subnet, .. } = ecs_world(&emu).await;
    create_cluster(&ecs, "app").await;
    let web = ContainerDefinition::builder().name("web").image("nginx");
    register_fargate(&ecs, "web", web.build()).await;
    ecs.create_service()
        .cluster("app")
        .service_name("ext")
        .desired_count(4)
        .deployment_controller(
            DeploymentController::builder()
                .r#type(DeploymentControllerType::External)
                .build()
                .expect("controller"),
        )
        .send()
        .await
        .expect("CreateService EXTERNAL");
    let ts = ecs
        .create_task_set()
        .cluster("app")
        .service("ext")
        .task_definition("web")
        .launch_type(LaunchType::Fargate)
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
        .scale(
            Scale::builder()
                .value(50.0)
                .unit(ScaleUnit::Percent)
                .build(),
        )
        .send()
        .await
        .expect("CreateTaskSet");
    let ts = ts.task_set().expect("taskSet");
    assert_eq!(ts.computed_desired_count(), 2);
    let id = ts.id().expect("id").to_string();
    let described = ecs
        .describe_task_sets()
        .cluster("app")
        .service("ext")
        .task_sets(&id)
        .send()
        .await
        .expect("DescribeTaskSets");
    assert_eq!(described.task_sets()[0].running_count(), 2);
    let tasks = ecs
        .list_tasks()
        .cluster("app")
        .started_by(&id)
        .send()
        .await
        .expect("ListTasks");
    assert_eq!(tasks.task_arns().len(), 2);
    ecs.update_task_set()
        .cluster("app")
        .service("ext")
        .task_set(&id)
        .scale(
            Scale::builder()
                .value(100.0)
                .unit(ScaleUnit::Percent)
                .build(),
        )
        .send()
        .await
        .expect("UpdateTaskSet");
    let tasks = ecs
        .list_tasks()
        .cluster("app")
        .started_by(&id)
        .send()
        .await
        .expect("ListTasks");
    assert_eq!(tasks.task_arns().len(), 4);
}
