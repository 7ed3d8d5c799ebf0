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
    pub tasks: BTreeMap<String, TaskRec>,
    /// By `<cluster>/<service>`.
    pub services: BTreeMap<String, ServiceRec>,
    /// Cloud Map namespaces ECS created or was shown: name → ARN.
    pub namespaces: BTreeMap<String, String>,
    // Capacity providers
    /// The account's Auto Scaling group and Managed Instances capacity
    /// providers by name (INACTIVE ones stay describable); FARGATE and
    /// FARGATE_SPOT are built in.
    pub capacity_providers: BTreeMap<String, CapacityProviderRec>,
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
    pub cluster: String,
    pub model: m::Task,
    pub tags: Vec<m::Tag>,
    pub eni: Option<String>,
    /// `<cluster>/<service>` of the service that started it.
    pub service: Option<String>,
    pub outcome: Option<Outcome>,
    /// The targets its service registered for it while it ran.
    pub targets: Vec<Registration>,
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
