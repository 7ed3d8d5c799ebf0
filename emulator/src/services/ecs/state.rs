//! ECS resources as the emulator keeps them.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::model::ecs as m;

#[derive(Debug, Default, Serialize)]
pub struct State {
    /// By name (INACTIVE ones stay describable).
    pub clusters: BTreeMap<String, ClusterRec>,
    /// Revisions by family, in order (revision N at index N-1).
    pub families: BTreeMap<String, Vec<TaskDefRec>>,
    /// By task id (32 hex).
    pub tasks: BTreeMap<String, Box<TaskRec>>,
    /// The shapes tasks were packed with lately (`task_model`).
    #[serde(skip)]
    pub task_shapes: super::task_model::Shapes,
    /// By `<cluster>/<service>`.
    pub services: BTreeMap<String, ServiceRec>,
    /// Cloud Map namespaces ECS created or was shown: name → ARN.
    pub namespaces: BTreeMap<String, String>,
    // Container instances (issue 14).
    /// By container instance id (32 hex).
    pub container_instances: BTreeMap<String, ContainerInstanceRec>,
    /// EC2 instance id → container instance id (while registered).
    pub by_ec2_instance: BTreeMap<String, String>,
    /// EC2 instances whose agent waits for its cluster to exist: id →
    /// cluster name.
    pub waiting_agents: BTreeMap<String, String>,
    /// What a scenario pins of the container instance an EC2 instance's
    /// agent will register, by EC2 instance id.
    pub agent_pins: BTreeMap<String, AgentPin>,

    // Account settings, task protection, exec, agent calls.
    /// Account settings: principal ARN → setting name → value (the root
    /// user's are the account default).
    pub account_settings: BTreeMap<String, BTreeMap<String, String>>,

    // Task sets, service deployments and revisions (task_sets.rs,
    // service_deployments.rs).
    /// By task set ARN.
    pub task_sets: BTreeMap<String, TaskSetRec>,
    /// By service deployment ARN.
    pub service_deployments: BTreeMap<String, ServiceDeploymentRec>,
    /// By service revision ARN.
    pub service_revisions: BTreeMap<String, m::ServiceRevision>,
    // Capacity providers
    /// The account's Auto Scaling group and Managed Instances capacity
    /// providers by name (INACTIVE ones stay describable); FARGATE and
    /// FARGATE_SPOT are built in.
    pub capacity_providers: BTreeMap<String, CapacityProviderRec>,
    // Daemons, gateways, Express gateway services
    /// Daemon task definition revisions by family, in order (revision N at
    /// index N-1).
    pub daemon_families: BTreeMap<String, Vec<DaemonTaskDefRec>>,
    /// By `<cluster>/<daemon name>`.
    pub daemons: BTreeMap<String, DaemonRec>,
    /// By ARN.
    pub daemon_deployments: BTreeMap<String, DaemonDeploymentRec>,
    /// By ARN (immutable snapshots).
    pub daemon_revisions: BTreeMap<String, m::DaemonRevision>,
    /// By name.
    pub gateways: BTreeMap<String, GatewayRec>,
    /// By `<gateway name>/<cluster name>`.
    pub gateway_associations: BTreeMap<String, GatewayAssociationRec>,
    /// By ARN.
    pub gateway_routes: BTreeMap<String, GatewayRouteRec>,
    /// By `<cluster>/<service>` of the ECS service behind it.
    pub express_services: BTreeMap<String, ExpressServiceRec>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CapacityProviderRec {
    pub model: m::CapacityProvider,
    pub tags: Vec<m::Tag>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClusterRec {
    pub model: m::Cluster,
    pub tags: Vec<m::Tag>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TaskDefRec {
    pub model: m::TaskDefinition,
    pub tags: Vec<m::Tag>,
}

/// How a task's containers end when a test declares it (container
/// `dockerLabels`: `awsemu.exitCode`, `awsemu.exitAfterSeconds`,
/// `awsemu.stopCode`, `awsemu.stoppedReason`, `awsemu.failToStart`).
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub container: String,
    pub exit_code: Option<i32>,
    pub after_ms: i64,
    pub stop_code: String,
    pub reason: String,
    pub fail_to_start: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct TaskRec {
    pub cluster: compact_str::CompactString,
    pub model: super::task_model::TaskModel,
    pub tags: Vec<m::Tag>,
    pub eni: Option<compact_str::CompactString>,
    /// `<cluster>/<service>` of the service that started it.
    pub service: Option<String>,
    pub outcome: Option<Box<Outcome>>,
    /// The targets its service registered for it while it ran.
    pub targets: Vec<Registration>,
    /// EC2 launch type: the container instance it runs on and what it
    /// holds there.
    pub placed: Option<Box<Placed>>,
    /// Scale-in protection: when it lapses (epoch ms), if on.
    #[serde(default)]
    pub protection: Option<i64>,
    /// The public address its interface was given (`assignPublicIp`),
    /// remembered after the interface goes with the stopped task.
    #[serde(default)]
    pub public_ip: Option<std::net::Ipv4Addr>,
}

/// The network a task gets (awsvpc).
#[derive(Debug, Clone)]
pub struct Net {
    pub subnets: Vec<String>,
    pub groups: Vec<String>,
    pub assign_public_ip: String,
}

/// What a task holds on its container instance until it stops.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Placed {
    /// The container instance id.
    pub instance: String,
    pub cpu: i32,
    pub memory: i32,
    /// Host ports (TCP, UDP) it binds.
    pub tcp: Vec<i32>,
    pub udp: Vec<i32>,
    /// An awsvpc task's interface uses one of the instance's.
    pub eni: bool,
    /// Its task group (spread strategies count tasks per group).
    pub group: String,
}

/// What a scenario pins of a container instance its agent registers.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AgentPin {
    pub cluster: String,
    pub id: Option<String>,
    pub version: Option<m::VersionInfo>,
    pub attributes: Vec<m::Attribute>,
}

/// A container instance: an EC2 instance whose ECS agent registered it.
#[derive(Debug, Clone, Serialize)]
pub struct ContainerInstanceRec {
    pub cluster: String,
    pub id: String,
    pub ec2_instance_id: String,
    /// The instance's primary network interface (its agent's traffic).
    pub primary_eni: Option<String>,
    /// `REGISTERING`, `ACTIVE`, `DRAINING`, `DEREGISTERING`, `INACTIVE`.
    pub status: String,
    pub status_reason: Option<String>,
    pub agent_connected: bool,
    pub agent_update_status: Option<String>,
    pub version_info: m::VersionInfo,
    /// Registered CPU units and memory (MiB).
    pub cpu: i32,
    pub memory: i32,
    /// Ports the agent reserves (TCP, UDP).
    pub reserved_tcp: Vec<i32>,
    pub reserved_udp: Vec<i32>,
    /// Network interfaces tasks may use (awsvpc): the instance type's
    /// limit less its primary one, or with ENI trunking the type's trunked
    /// task limit (trunking.rs).
    pub eni_slots: i32,
    /// The agent's attributes, then those set with PutAttributes.
    pub attributes: Vec<m::Attribute>,
    pub registered_at: crate::wire::Timestamp,
    /// Bumped on every change (DescribeContainerInstances `version`).
    pub version: i64,
    pub tags: Vec<m::Tag>,
    pub capacity_provider: Option<String>,
    /// What its tasks hold, kept as they are placed and stop.
    pub used_cpu: i32,
    pub used_memory: i32,
    pub used_tcp: BTreeSet<i32>,
    pub used_udp: BTreeSet<i32>,
    pub used_enis: i32,
    /// Its tasks that have not stopped.
    pub tasks: BTreeSet<String>,
    /// How many of them are in each task group.
    pub groups: BTreeMap<String, u32>,
}

impl ContainerInstanceRec {
    /// A task placed on it holds its share.
    pub fn hold(&mut self, task: &str, p: &Placed) {
        if !self.tasks.insert(task.to_string()) {
            return;
        }
        self.used_cpu += p.cpu;
        self.used_memory += p.memory;
        self.used_tcp.extend(p.tcp.iter().copied());
        self.used_udp.extend(p.udp.iter().copied());
        self.used_enis += i32::from(p.eni);
        *self.groups.entry(p.group.clone()).or_default() += 1;
        self.version += 1;
    }

    /// A task that stopped lets go of it.
    pub fn release(&mut self, task: &str, p: &Placed) {
        if !self.tasks.remove(task) {
            return;
        }
        self.used_cpu -= p.cpu;
        self.used_memory -= p.memory;
        for port in &p.tcp {
            self.used_tcp.remove(port);
        }
        for port in &p.udp {
            self.used_udp.remove(port);
        }
        self.used_enis -= i32::from(p.eni);
        if let Some(n) = self.groups.get_mut(&p.group) {
            *n -= 1;
            if *n == 0 {
                self.groups.remove(&p.group);
            }
        }
        self.version += 1;
    }
}

/// A load balancer target a service registered for one of its tasks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Registration {
    pub target_group_arn: String,
    /// The task's private IP (`ip` target groups).
    pub id: String,
    pub port: i32,
    /// The container the load balancer sends to.
    pub container: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceRec {
    pub cluster: String,
    pub model: m::Service,
    pub tags: Vec<m::Tag>,
    pub task_ids: BTreeSet<String>,
}

/// A task set of a service with the `EXTERNAL` or `CODE_DEPLOY`
/// deployment controller; its tasks carry its id as `startedBy`.
#[derive(Debug, Clone, Serialize)]
pub struct TaskSetRec {
    /// `<cluster>/<service>` of its service.
    pub service: String,
    pub model: m::TaskSet,
    pub tags: Vec<m::Tag>,
}

/// A service deployment: one per deployment (`ecs-svc/…`) the ECS
/// deployment controller made; the wire form is built from it.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceDeploymentRec {
    /// `<cluster>/<service>` of its service.
    pub service: String,
    /// The service's deployment (`ecs-svc/…`) it follows.
    pub deployment_id: String,
    /// The deployments it rolls back to (their tasks count for the source).
    pub rollback_to: Option<String>,
    pub model: m::ServiceDeployment,
    /// A blue/green walk's own state (blue_green.rs), once it looked.
    #[serde(default)]
    pub blue_green: Option<BlueGreen>,
}

/// Where a blue/green (`BLUE_GREEN`) service deployment is on its walk
/// through the lifecycle stages (blue_green.rs).
#[derive(Debug, Clone, Default, Serialize)]
pub struct BlueGreen {
    /// The deployment (`ecs-svc/…`) serving production when it started;
    /// None when there was none (a new service: nothing to walk).
    pub blue: Option<String>,
    /// The step it is at (an index into blue_green.rs's steps).
    pub step: usize,
    /// When it entered that step (world ms).
    pub since: i64,
    /// The hooks (ids) the step waits for.
    pub hooks: Vec<String>,
    /// Configured target group → the one this deployment's tasks use.
    pub target_groups: Vec<(String, String)>,
    /// Whether traffic went back to blue (rolled back) or the walk ended.
    pub over: bool,
}

// Daemons, gateways, Express gateway services

#[derive(Debug, Clone, Serialize)]
pub struct DaemonTaskDefRec {
    pub model: m::DaemonTaskDefinition,
    pub tags: Vec<m::Tag>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DaemonRec {
    pub cluster: String,
    pub name: String,
    pub arn: String,
    /// `ACTIVE` or `DELETE_IN_PROGRESS`.
    pub status: String,
    pub created_at: crate::wire::Timestamp,
    pub updated_at: crate::wire::Timestamp,
    pub task_definition: String,
    pub capacity_providers: Vec<String>,
    pub deployment_configuration: m::DaemonDeploymentConfiguration,
    pub propagate_tags: Option<String>,
    pub enable_ecs_managed_tags: bool,
    pub enable_execute_command: bool,
    pub critical: bool,
    pub client_token: Option<String>,
    pub tags: Vec<m::Tag>,
    /// The most recent deployment.
    pub deployment_arn: String,
    /// The revisions deployed now (the old and the new one during a
    /// deployment).
    pub current_revisions: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DaemonDeploymentRec {
    /// `<cluster>/<daemon name>`.
    pub daemon: String,
    pub daemon_arn: String,
    pub model: m::DaemonDeployment,
}

#[derive(Debug, Clone, Serialize)]
pub struct GatewayRec {
    pub model: m::Gateway,
    pub client_token: Option<String>,
    /// The shared load balancer, once a route needs it (its route ARNs are
    /// filled when described).
    pub alb: Option<m::ElbGatewayResources>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GatewayAssociationRec {
    pub gateway: String,
    pub cluster: String,
    /// `ACTIVE`, `DISASSOCIATING` or `INACTIVE`.
    pub status: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct GatewayRouteRec {
    pub gateway: String,
    pub cluster: String,
    /// `<cluster>/<service>`.
    pub service: String,
    pub model: m::GatewayRoute,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExpressServiceRec {
    pub cluster: String,
    pub name: String,
    pub infrastructure_role_arn: String,
    /// Oldest first; the last one is the one deployed.
    pub configurations: Vec<m::ExpressGatewayServiceConfiguration>,
    /// The deployment of the ECS service the last configuration started.
    pub current_deployment: Option<String>,
    pub created_at: crate::wire::Timestamp,
    pub updated_at: crate::wire::Timestamp,
}
