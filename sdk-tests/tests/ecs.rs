//! ECS on Fargate through the real AWS SDK for Rust: RunTask and the task's
//! network interface in EC2, the task lifecycle on the world clock, the
//! aws-sdk-ecs waiters, a failing task declared in a scenario file and
//! Service Connect with TLS (aws-spec.md §10, §11, §15).
//!
//! Tests on the default pace share one emulator process and each uses its
//! own random account; the manual-pace and scenario tests start their own.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::Duration;

use aws_sdk_ec2::types::{Filter, NetworkInterfaceStatus};
use aws_sdk_ecs::client::Waiters;
use aws_sdk_ecs::types::{
    ApplicationProtocol, AssignPublicIp, Attachment, AwsVpcConfiguration,
    ClusterServiceConnectDefaultsRequest, ContainerDefinition, DeploymentRolloutState,
    DesiredStatus, LaunchType, NetworkConfiguration, PortMapping, ServiceConnectClientAlias,
    ServiceConnectConfiguration, ServiceConnectService, ServiceConnectTlsCertificateAuthority,
    ServiceConnectTlsConfiguration, Tag, Task, TaskField, TaskStopCode,
};
use sdk_tests::{error_code, random_account, register_fargate, Emulator};

const REGION: &str = "us-east-1";

/// Longest a waiter may take. Under the default pace every waiter here ends
/// on its first poll, so this only bounds a broken server.
const MAX_WAIT: Duration = Duration::from_secs(30);

/// A well-formed task id that no task has.
const UNKNOWN_TASK_ID: &str = "0123456789abcdef0123456789abcdef";

fn filter(name: &str, values: &[&str]) -> Filter {
    let mut b = Filter::builder().name(name);
    for v in values {
        b = b.values(*v);
    }
    b.build()
}

fn ecs_arn(account: &str, resource: &str) -> String {
    format!("arn:aws:ecs:{REGION}:{account}:{resource}")
}

/// One account's clients plus its default subnet in us-east-1a and the
/// default security group of the default VPC.
struct Env {
    account: String,
    ec2: aws_sdk_ec2::Client,
    ecs: aws_sdk_ecs::Client,
    subnet: String,
    subnet_cidr: String,
    sg: String,
}

async fn env(emu: &Emulator) -> Env {
    let account = random_account();
    let ec2 = emu.ec2(&account, REGION);
    let ecs = emu.ecs(&account, REGION);
    let subnets = ec2
        .describe_subnets()
        .filters(filter("default-for-az", &["true"]))
        .filters(filter("availability-zone", &["us-east-1a"]))
        .send()
        .await
        .expect("DescribeSubnets default-for-az")
        .subnets()
        .to_vec();
    assert_eq!(
        subnets.len(),
        1,
        "one default subnet in us-east-1a: {subnets:?}"
    );
    let subnet = subnets[0].subnet_id().expect("subnetId").to_string();
    let subnet_cidr = subnets[0].cidr_block().expect("cidrBlock").to_string();
    let vpc = subnets[0].vpc_id().expect("vpcId").to_string();
    let groups = ec2
        .describe_security_groups()
        .filters(filter("vpc-id", &[&vpc]))
        .filters(filter("group-name", &["default"]))
        .send()
        .await
        .expect("DescribeSecurityGroups default")
        .security_groups()
        .to_vec();
    assert_eq!(groups.len(), 1, "{groups:?}");
    let sg = groups[0].group_id().expect("groupId").to_string();
    Env {
        account,
        ec2,
        ecs,
        subnet,
        subnet_cidr,
        sg,
    }
}

/// In the default VPC's public subnet: a public IP, as on AWS, for the
/// task to pull its image from Docker Hub through the internet gateway.
fn network(subnet: &str, sg: &str) -> NetworkConfiguration {
    NetworkConfiguration::builder()
        .awsvpc_configuration(
            AwsVpcConfiguration::builder()
                .subnets(subnet)
                .security_groups(sg)
                .assign_public_ip(AssignPublicIp::Enabled)
                .build()
                .expect("AwsVpcConfiguration"),
        )
        .build()
}

/// Registers the FARGATE awsvpc task definition `web` (cpu 256, memory 512,
/// one container `web` with port 8080 named `http`); returns its ARN.
async fn register_web(ecs: &aws_sdk_ecs::Client) -> String {
    let web = ContainerDefinition::builder()
        .name("web")
        .image("nginx:latest")
        .port_mappings(
            PortMapping::builder()
                .container_port(8080)
                .name("http")
                .app_protocol(ApplicationProtocol::Http)
                .build(),
        );
    register_fargate(ecs, "web", web.build()).await
}

async fn create_cluster(ecs: &aws_sdk_ecs::Client, name: &str) {
    let out = ecs
        .create_cluster()
        .cluster_name(name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateCluster {name}: {e:?}"));
    assert_eq!(out.cluster().and_then(|c| c.status()), Some("ACTIVE"));
}

/// RunTask of one Fargate task; returns it (the response has no failures).
async fn run_one(
    ecs: &aws_sdk_ecs::Client,
    cluster: &str,
    task_definition: &str,
    subnet: &str,
    sg: &str,
) -> Task {
    let out = ecs
        .run_task()
        .cluster(cluster)
        .task_definition(task_definition)
        .launch_type(LaunchType::Fargate)
        .network_configuration(network(subnet, sg))
        .send()
        .await
        .unwrap_or_else(|e| panic!("RunTask {task_definition}: {e:?}"));
    assert!(out.failures().is_empty(), "{:?}", out.failures());
    assert_eq!(out.tasks().len(), 1, "{:?}", out.tasks());
    out.tasks()[0].clone()
}

fn task_arn(t: &Task) -> String {
    t.task_arn().expect("taskArn").to_string()
}

/// DescribeTasks of one known task.
async fn describe(ecs: &aws_sdk_ecs::Client, cluster: &str, arn: &str) -> Task {
    let out = ecs
        .describe_tasks()
        .cluster(cluster)
        .tasks(arn)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeTasks {arn}: {e:?}"));
    assert!(out.failures().is_empty(), "{:?}", out.failures());
    assert_eq!(out.tasks().len(), 1, "{:?}", out.tasks());
    assert_eq!(out.tasks()[0].task_arn(), Some(arn));
    out.tasks()[0].clone()
}

/// The task's one `ElasticNetworkInterface` attachment.
fn eni_attachment(t: &Task) -> &Attachment {
    let atts: Vec<&Attachment> = t
        .attachments()
        .iter()
        .filter(|a| a.r#type() == Some("ElasticNetworkInterface"))
        .collect();
    assert_eq!(atts.len(), 1, "{:?}", t.attachments());
    atts[0]
}

fn details(att: &Attachment) -> BTreeMap<String, String> {
    att.details()
        .iter()
        .map(|kv| {
            (
                kv.name().unwrap_or_default().to_string(),
                kv.value().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn in_cidr(ip: &str, cidr: &str) -> bool {
    let (net, len) = cidr.split_once('/').expect("CIDR has a /");
    let (Ok(ip), Ok(net), Ok(len)) = (
        ip.parse::<Ipv4Addr>(),
        net.parse::<Ipv4Addr>(),
        len.parse::<u32>(),
    ) else {
        return false;
    };
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    u32::from(ip) & mask == u32::from(net) & mask
}

/// Ids of the network interfaces in a subnet.
async fn enis_in_subnet(ec2: &aws_sdk_ec2::Client, subnet: &str) -> Vec<String> {
    ec2.describe_network_interfaces()
        .filters(filter("subnet-id", &[subnet]))
        .send()
        .await
        .expect("DescribeNetworkInterfaces subnet-id")
        .network_interfaces()
        .iter()
        .map(|n| n.network_interface_id().unwrap_or_default().to_string())
        .collect()
}

fn last_status(t: &Task) -> &str {
    t.last_status().unwrap_or("")
}

/// Scenario 1 (the reported flow): cluster, FARGATE awsvpc task definition,
/// RunTask, the TasksRunning waiter, DescribeTasks with an unknown ARN and
/// include=TAGS (§10.3, §11.1, §11.9, §15).
#[tokio::test]
async fn run_task_flow_and_describe() {
    let emu = Emulator::shared();
    let env = env(&emu).await;
    let ecs = &env.ecs;

    create_cluster(ecs, "app").await;
    let td_arn = register_web(ecs).await;
    assert_eq!(td_arn, ecs_arn(&env.account, "task-definition/web:1"));

    let run = ecs
        .run_task()
        .cluster("app")
        .task_definition("web")
        .launch_type(LaunchType::Fargate)
        .network_configuration(network(&env.subnet, &env.sg))
        .tags(Tag::builder().key("team").value("payments").build())
        .send()
        .await
        .expect("RunTask");
    assert!(run.failures().is_empty(), "{:?}", run.failures());
    assert_eq!(run.tasks().len(), 1);
    let started = &run.tasks()[0];
    assert_eq!(started.last_status(), Some("PROVISIONING"));
    assert_eq!(started.desired_status(), Some("RUNNING"));
    assert_eq!(eni_attachment(started).status(), Some("PRECREATED"));
    let arn = task_arn(started);
    let prefix = ecs_arn(&env.account, "task/app/");
    let id = arn.strip_prefix(&prefix).unwrap_or_default();
    assert!(
        id.len() == 32
            && id
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
        "task ARN {arn:?} is not {prefix}<32 hex>"
    );

    let running = ecs
        .wait_until_tasks_running()
        .cluster("app")
        .tasks(&arn)
        .wait(MAX_WAIT)
        .await
        .expect("TasksRunning waiter");
    let polled = running.as_result().expect("final poll is a response");
    assert_eq!(
        polled.tasks().iter().map(last_status).collect::<Vec<_>>(),
        ["RUNNING"]
    );

    let unknown = ecs_arn(&env.account, &format!("task/app/{UNKNOWN_TASK_ID}"));
    let out = ecs
        .describe_tasks()
        .cluster("app")
        .tasks(&arn)
        .tasks(&unknown)
        .include(TaskField::Tags)
        .send()
        .await
        .expect("DescribeTasks");
    let failures = out.failures();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].arn(), Some(unknown.as_str()));
    assert_eq!(failures[0].reason(), Some("MISSING"));
    assert_eq!(out.tasks().len(), 1, "{:?}", out.tasks());

    let t = &out.tasks()[0];
    assert_eq!(t.task_arn(), Some(arn.as_str()));
    assert_eq!(
        t.cluster_arn(),
        Some(ecs_arn(&env.account, "cluster/app").as_str())
    );
    assert_eq!(t.task_definition_arn(), Some(td_arn.as_str()));
    assert_eq!(t.last_status(), Some("RUNNING"));
    assert_eq!(t.desired_status(), Some("RUNNING"));
    assert_eq!(t.launch_type(), Some(&LaunchType::Fargate));
    assert_eq!(t.platform_version(), Some("1.4.0"));
    assert_eq!(t.cpu(), Some("256"));
    assert_eq!(t.memory(), Some("512"));
    assert_eq!(t.group(), Some("family:web"));
    assert_eq!(t.availability_zone(), Some("us-east-1a"));
    assert!(t.stop_code().is_none(), "{:?}", t.stop_code());
    let tags: Vec<(Option<&str>, Option<&str>)> = t
        .tags()
        .iter()
        .map(|tag| (tag.key(), tag.value()))
        .collect();
    assert_eq!(tags, [(Some("team"), Some("payments"))]);
    let names: Vec<Option<&str>> = t.containers().iter().map(|c| c.name()).collect();
    assert_eq!(names, [Some("web")]);
    assert_eq!(t.containers()[0].last_status(), Some("RUNNING"));

    let att = eni_attachment(t);
    assert_eq!(att.status(), Some("ATTACHED"));
    let d = details(att);
    assert_eq!(d.get("subnetId"), Some(&env.subnet), "{d:?}");
    let eni_id = d.get("networkInterfaceId").expect("networkInterfaceId");
    assert!(sdk_tests::is_id(eni_id, "eni"), "{eni_id:?}");
    let ip = d.get("privateIPv4Address").expect("privateIPv4Address");
    assert!(in_cidr(ip, &env.subnet_cidr), "{ip} in {}", env.subnet_cidr);

    // The attachment is a real EC2 network interface.
    let enis = env
        .ec2
        .describe_network_interfaces()
        .network_interface_ids(eni_id)
        .send()
        .await
        .expect("DescribeNetworkInterfaces task ENI")
        .network_interfaces()
        .to_vec();
    assert_eq!(enis.len(), 1, "{enis:?}");
    let eni = &enis[0];
    assert_eq!(eni.network_interface_id(), Some(eni_id.as_str()));
    assert_eq!(eni.subnet_id(), Some(env.subnet.as_str()));
    assert_eq!(eni.private_ip_address(), Some(ip.as_str()));
    assert_eq!(eni.status(), Some(&NetworkInterfaceStatus::InUse));
    assert_eq!(eni.requester_managed(), Some(true));
    let groups: Vec<Option<&str>> = eni.groups().iter().map(|g| g.group_id()).collect();
    assert_eq!(groups, [Some(env.sg.as_str())]);
    let mac = d.get("macAddress").expect("macAddress");
    assert_eq!(eni.mac_address(), Some(mac.as_str()));

    // Without include=TAGS there are no tags.
    assert!(describe(ecs, "app", &arn).await.tags().is_empty());
}

/// Scenario 2: under `--pace manual` a task moves one status per second of
/// world time, up and down, and its ENI exists exactly while it has one
/// (§10.2, §10.3, §11.1, §11.12).
#[tokio::test]
async fn status_sequence_under_manual_pace() {
    let emu = Emulator::start_with(&["--pace", "manual"]);
    let env = env(&emu).await;
    let ecs = &env.ecs;
    create_cluster(ecs, "app").await;
    register_web(ecs).await;

    let task = run_one(ecs, "app", "web", &env.subnet, &env.sg).await;
    let arn = task_arn(&task);
    assert_eq!(last_status(&task), "PROVISIONING");

    let mut seen = vec![last_status(&describe(ecs, "app", &arn).await).to_string()];
    for _ in 0..3 {
        emu.advance_clock(1.0);
        seen.push(last_status(&describe(ecs, "app", &arn).await).to_string());
    }
    assert_eq!(seen, ["PROVISIONING", "PENDING", "ACTIVATING", "RUNNING"]);

    let t = describe(ecs, "app", &arn).await;
    assert_eq!(t.desired_status(), Some("RUNNING"));
    let att = eni_attachment(&t);
    assert_eq!(att.status(), Some("ATTACHED"));
    let eni_id = details(att)
        .get("networkInterfaceId")
        .expect("networkInterfaceId")
        .clone();
    assert_eq!(
        enis_in_subnet(&env.ec2, &env.subnet).await,
        [eni_id.as_str()]
    );

    // Nothing happens on its own while it runs.
    emu.advance_clock(60.0);
    assert_eq!(last_status(&describe(ecs, "app", &arn).await), "RUNNING");

    let stop = ecs
        .stop_task()
        .cluster("app")
        .task(&arn)
        .send()
        .await
        .expect("StopTask");
    let stopping = stop.task().expect("StopTask returns the task");
    assert_eq!(stopping.desired_status(), Some("STOPPED"));
    assert_eq!(stopping.stop_code(), Some(&TaskStopCode::UserInitiated));

    let mut seen = vec![last_status(&describe(ecs, "app", &arn).await).to_string()];
    for _ in 0..3 {
        emu.advance_clock(1.0);
        let t = describe(ecs, "app", &arn).await;
        if last_status(&t) != "STOPPED" {
            // The ENI is released only when the task is gone.
            assert_eq!(
                enis_in_subnet(&env.ec2, &env.subnet).await,
                [eni_id.as_str()],
                "while {}",
                last_status(&t)
            );
        }
        seen.push(last_status(&t).to_string());
    }
    assert_eq!(
        seen,
        ["DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"]
    );

    let t = describe(ecs, "app", &arn).await;
    assert_eq!(t.desired_status(), Some("STOPPED"));
    assert_eq!(t.stop_code(), Some(&TaskStopCode::UserInitiated));
    assert!(t.stopped_at().is_some(), "stoppedAt is set once STOPPED");
    assert_eq!(eni_attachment(&t).status(), Some("DELETED"));
    assert!(
        enis_in_subnet(&env.ec2, &env.subnet).await.is_empty(),
        "the task ENI is deleted"
    );
    let err = env
        .ec2
        .describe_network_interfaces()
        .network_interface_ids(&eni_id)
        .send()
        .await
        .expect_err("DescribeNetworkInterfaces of the deleted task ENI");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidNetworkInterfaceID.NotFound"),
        "{err:?}"
    );
}

/// Scenario 3: the TasksStopped, ServicesStable and ServicesInactive
/// waiters of aws-sdk-ecs against a stopped task and a service (§11.13-11.16,
/// §15).
#[tokio::test]
async fn waiters_stopped_and_services() {
    let emu = Emulator::shared();
    let env = env(&emu).await;
    let ecs = &env.ecs;
    create_cluster(ecs, "app").await;
    let td_arn = register_web(ecs).await;

    let task = run_one(ecs, "app", "web", &env.subnet, &env.sg).await;
    let arn = task_arn(&task);
    ecs.stop_task()
        .cluster("app")
        .task(&arn)
        .reason("done")
        .send()
        .await
        .expect("StopTask");
    let stopped = ecs
        .wait_until_tasks_stopped()
        .cluster("app")
        .tasks(&arn)
        .wait(MAX_WAIT)
        .await
        .expect("TasksStopped waiter");
    let polled = stopped.as_result().expect("final poll is a response");
    assert_eq!(
        polled.tasks().iter().map(last_status).collect::<Vec<_>>(),
        ["STOPPED"]
    );
    let t = describe(ecs, "app", &arn).await;
    assert_eq!(t.stop_code(), Some(&TaskStopCode::UserInitiated));
    assert_eq!(t.stopped_reason(), Some("done"));

    // A service with two tasks becomes stable.
    let created = ecs
        .create_service()
        .cluster("app")
        .service_name("web")
        .task_definition("web")
        .desired_count(2)
        .launch_type(LaunchType::Fargate)
        .network_configuration(network(&env.subnet, &env.sg))
        .send()
        .await
        .expect("CreateService");
    let svc = created.service().expect("service");
    assert_eq!(
        svc.service_arn(),
        Some(ecs_arn(&env.account, "service/app/web").as_str())
    );
    assert_eq!(svc.status(), Some("ACTIVE"));
    assert_eq!(svc.desired_count(), 2);
    assert_eq!(svc.task_definition(), Some(td_arn.as_str()));

    let stable = ecs
        .wait_until_services_stable()
        .cluster("app")
        .services("web")
        .wait(MAX_WAIT)
        .await
        .expect("ServicesStable waiter");
    let polled = stable.as_result().expect("final poll is a response");
    assert_eq!(polled.services().len(), 1, "{:?}", polled.services());
    let s = &polled.services()[0];
    assert_eq!((s.running_count(), s.desired_count()), (2, 2));
    assert_eq!(s.deployments().len(), 1, "{:?}", s.deployments());
    let dep = &s.deployments()[0];
    assert_eq!(dep.status(), Some("PRIMARY"));
    assert_eq!(
        dep.rollout_state(),
        Some(&DeploymentRolloutState::Completed)
    );

    let service_tasks = ecs
        .list_tasks()
        .cluster("app")
        .service_name("web")
        .send()
        .await
        .expect("ListTasks serviceName")
        .task_arns()
        .to_vec();
    assert_eq!(service_tasks.len(), 2, "{service_tasks:?}");
    for arn in &service_tasks {
        let t = describe(ecs, "app", arn).await;
        assert_eq!(t.last_status(), Some("RUNNING"));
        assert_eq!(t.group(), Some("service:web"));
    }

    // Force-deleting it drains it to INACTIVE and stops its tasks.
    let deleted = ecs
        .delete_service()
        .cluster("app")
        .service("web")
        .force(true)
        .send()
        .await
        .expect("DeleteService force");
    assert_eq!(deleted.service().and_then(|s| s.status()), Some("DRAINING"));
    let inactive = ecs
        .wait_until_services_inactive()
        .cluster("app")
        .services("web")
        .wait(MAX_WAIT)
        .await
        .expect("ServicesInactive waiter");
    let polled = inactive.as_result().expect("final poll is a response");
    let statuses: Vec<Option<&str>> = polled.services().iter().map(|s| s.status()).collect();
    assert_eq!(statuses, [Some("INACTIVE")]);

    let mut waiter = ecs.wait_until_tasks_stopped().cluster("app");
    for arn in &service_tasks {
        waiter = waiter.tasks(arn);
    }
    waiter
        .wait(MAX_WAIT)
        .await
        .expect("TasksStopped waiter on the service's tasks");
    for arn in &service_tasks {
        let t = describe(ecs, "app", arn).await;
        assert_eq!(
            t.stop_code(),
            Some(&TaskStopCode::ServiceSchedulerInitiated)
        );
    }
    let listed = ecs
        .list_services()
        .cluster("app")
        .send()
        .await
        .expect("ListServices");
    assert!(listed.service_arns().is_empty(), "{listed:?}");
}

/// A scenario file in the temp folder, removed when dropped.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Scenario 4: a task whose essential container exits with code 3, declared
/// in a scenario file with `awsemu.*` docker labels, is found STOPPED at
/// start-up; a fresh task of it makes the TasksRunning waiter fail
/// (README "ECS", scenarios/empty.yaml, §11.1, §15).
#[tokio::test]
async fn failing_task_declared_in_a_scenario() {
    let account = random_account();
    let yaml = format!(
        r#"version: 1
description: One Fargate task whose essential container exits with code 3
accounts:
  - id: "{account}"
    regions:
      {REGION}:
        vpcs:
          - {{name: jobs-vpc, id: vpc-0e000000000000001, cidr: 10.9.0.0/16, routes: [{{destination: 0.0.0.0/0, target: edge}}]}}
        internetGateways:
          - {{name: edge, vpc: jobs-vpc}}
        subnets:
          - {{name: jobs-a, id: subnet-0e000000000000001, vpc: jobs-vpc, cidr: 10.9.1.0/24, az: us-east-1a}}
        securityGroups:
          - {{name: jobs, id: sg-0e000000000000001, vpc: jobs-vpc, description: batch jobs}}
        ecs:
          clusters:
            - name: jobs
          taskDefinitions:
            - family: crash
              networkMode: awsvpc
              requiresCompatibilities: [FARGATE]
              cpu: "256"
              memory: "512"
              containerDefinitions:
                - name: app
                  image: busybox:latest
                  essential: true
                  dockerLabels:
                    awsemu.exitCode: "3"
                    awsemu.exitAfterSeconds: "0"
          tasks:
            - cluster: jobs
              taskDefinition: crash
              subnets: [jobs-a]
              securityGroups: [jobs]
              assignPublicIp: true
"#
    );
    let file = TempFile(
        std::env::temp_dir().join(format!("awsemu-ecs-{}-{account}.yaml", std::process::id())),
    );
    std::fs::write(&file.0, yaml).expect("write the scenario file");
    let path = file.0.to_str().expect("temp path is UTF-8").to_string();
    let emu = Emulator::start_with(&["--scenario", &path]);
    let ecs = emu.ecs(&account, REGION);
    let ec2 = emu.ec2(&account, REGION);

    // Nothing is running; the declared task is found among the stopped ones.
    let running = ecs
        .list_tasks()
        .cluster("jobs")
        .send()
        .await
        .expect("ListTasks");
    assert!(running.task_arns().is_empty(), "{running:?}");
    let stopped = ecs
        .list_tasks()
        .cluster("jobs")
        .desired_status(DesiredStatus::Stopped)
        .send()
        .await
        .expect("ListTasks desiredStatus=STOPPED")
        .task_arns()
        .to_vec();
    assert_eq!(stopped.len(), 1, "{stopped:?}");
    assert!(
        stopped[0].starts_with(&ecs_arn(&account, "task/jobs/")),
        "{stopped:?}"
    );

    let t = describe(&ecs, "jobs", &stopped[0]).await;
    assert_eq!(t.last_status(), Some("STOPPED"));
    assert_eq!(t.desired_status(), Some("STOPPED"));
    assert_eq!(t.stop_code(), Some(&TaskStopCode::EssentialContainerExited));
    assert_eq!(
        t.stopped_reason(),
        Some("Essential container in task exited")
    );
    assert_eq!(
        t.task_definition_arn(),
        Some(ecs_arn(&account, "task-definition/crash:1").as_str())
    );
    assert_eq!(t.containers().len(), 1, "{:?}", t.containers());
    let c = &t.containers()[0];
    assert_eq!(c.name(), Some("app"));
    assert_eq!(c.last_status(), Some("STOPPED"));
    assert_eq!(c.exit_code(), Some(3));
    assert!(t.started_at().is_some(), "it did reach RUNNING");

    // A new task of the same definition never satisfies TasksRunning.
    let fresh = run_one(
        &ecs,
        "jobs",
        "crash",
        "subnet-0e000000000000001",
        "sg-0e000000000000001",
    )
    .await;
    let fresh_arn = task_arn(&fresh);
    let err = ecs
        .wait_until_tasks_running()
        .cluster("jobs")
        .tasks(&fresh_arn)
        .wait(MAX_WAIT)
        .await
        .expect_err("TasksRunning on a task that exits must fail");
    use aws_sdk_ecs::waiters::tasks_running::WaitUntilTasksRunningError as WaitError;
    match &err {
        WaitError::FailureState(failure) => {
            let out = failure
                .final_poll()
                .as_result()
                .expect("the failing poll is a response");
            let statuses: Vec<&str> = out.tasks().iter().map(last_status).collect();
            assert_eq!(statuses, ["STOPPED"]);
        }
        other => panic!("TasksRunning should end in its failure state, got {other:?}"),
    }
    let t = describe(&ecs, "jobs", &fresh_arn).await;
    assert_eq!(t.stop_code(), Some(&TaskStopCode::EssentialContainerExited));
    assert_eq!(t.containers()[0].exit_code(), Some(3));

    // Both tasks have given their network interfaces back.
    assert!(
        enis_in_subnet(&ec2, "subnet-0e000000000000001")
            .await
            .is_empty(),
        "stopped tasks keep no ENI"
    );
}

/// Scenario 5: Service Connect with TLS — the `tls` block comes back exactly
/// as sent, with a Cloud Map discovery ARN; a port name the task definition
/// lacks is refused (§10.4, §11.13, §11.14).
#[tokio::test]
async fn service_connect_tls_roundtrip() {
    let emu = Emulator::shared();
    let env = env(&emu).await;
    let ecs = &env.ecs;
    let acct = env.account.as_str();

    let cluster = ecs
        .create_cluster()
        .cluster_name("app")
        .service_connect_defaults(
            ClusterServiceConnectDefaultsRequest::builder()
                .namespace("internal")
                .build()
                .expect("ClusterServiceConnectDefaultsRequest"),
        )
        .send()
        .await
        .expect("CreateCluster with Service Connect defaults");
    let ns = cluster
        .cluster()
        .and_then(|c| c.service_connect_defaults())
        .and_then(|d| d.namespace())
        .expect("cluster.serviceConnectDefaults.namespace")
        .to_string();
    assert!(
        ns.starts_with(&format!(
            "arn:aws:servicediscovery:{REGION}:{acct}:namespace/ns-"
        )),
        "{ns:?}"
    );
    register_web(ecs).await;

    let tls = ServiceConnectTlsConfiguration::builder()
        .issuer_certificate_authority(
            ServiceConnectTlsCertificateAuthority::builder()
                .aws_pca_authority_arn(format!(
                    "arn:aws:acm-pca:{REGION}:{acct}:certificate-authority/0b6e57c2-4a35-4a8e-9bf4-4d3c5f1e2a7b"
                ))
                .build(),
        )
        .kms_key(format!(
            "arn:aws:kms:{REGION}:{acct}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        ))
        .role_arn(format!("arn:aws:iam::{acct}:role/x"))
        .build();
    let sc_service = |port_name: &str| {
        ServiceConnectService::builder()
            .port_name(port_name)
            .discovery_name("web")
            .client_aliases(
                ServiceConnectClientAlias::builder()
                    .port(80)
                    .dns_name("web.internal")
                    .build()
                    .expect("ServiceConnectClientAlias"),
            )
            .tls(tls.clone())
            .build()
            .expect("ServiceConnectService")
    };
    let sent = ServiceConnectConfiguration::builder()
        .enabled(true)
        .namespace(&ns)
        .services(sc_service("http"))
        .build();

    let created = ecs
        .create_service()
        .cluster("app")
        .service_name("web")
        .task_definition("web")
        .desired_count(1)
        .launch_type(LaunchType::Fargate)
        .network_configuration(network(&env.subnet, &env.sg))
        .service_connect_configuration(sent.clone())
        .send()
        .await
        .expect("CreateService with Service Connect TLS");
    let deps = created.service().expect("service").deployments();
    assert_eq!(deps.len(), 1, "{deps:?}");
    assert_eq!(deps[0].service_connect_configuration(), Some(&sent));

    ecs.wait_until_services_stable()
        .cluster("app")
        .services("web")
        .wait(MAX_WAIT)
        .await
        .expect("ServicesStable waiter");
    let out = ecs
        .describe_services()
        .cluster("app")
        .services("web")
        .send()
        .await
        .expect("DescribeServices");
    assert!(out.failures().is_empty(), "{:?}", out.failures());
    assert_eq!(out.services().len(), 1);
    let deps = out.services()[0].deployments();
    assert_eq!(deps.len(), 1, "{deps:?}");
    let got = deps[0]
        .service_connect_configuration()
        .expect("deployments[0].serviceConnectConfiguration");
    assert_eq!(got.services().len(), 1, "{got:?}");
    assert_eq!(got.services()[0].tls(), Some(&tls));
    assert_eq!(got, &sent);
    let resources = deps[0].service_connect_resources();
    assert_eq!(resources.len(), 1, "{resources:?}");
    assert_eq!(resources[0].discovery_name(), Some("web"));
    let discovery = resources[0].discovery_arn().unwrap_or_default();
    assert!(
        discovery.starts_with(&format!(
            "arn:aws:servicediscovery:{REGION}:{acct}:service/srv-"
        )),
        "{discovery:?}"
    );

    // A port name the task definition does not have.
    let err = ecs
        .create_service()
        .cluster("app")
        .service_name("api")
        .task_definition("web")
        .desired_count(1)
        .launch_type(LaunchType::Fargate)
        .network_configuration(network(&env.subnet, &env.sg))
        .service_connect_configuration(
            ServiceConnectConfiguration::builder()
                .enabled(true)
                .namespace(&ns)
                .services(sc_service("grpc"))
                .build(),
        )
        .send()
        .await
        .expect_err("CreateService with an unknown portName");
    assert_eq!(
        error_code(&err).as_deref(),
        Some("InvalidParameterException"),
        "{err:?}"
    );
    let listed = ecs
        .list_services()
        .cluster("app")
        .send()
        .await
        .expect("ListServices");
    assert_eq!(
        listed.service_arns(),
        [ecs_arn(acct, "service/app/web")],
        "the refused service was not created"
    );
}
