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

    // Task sets, service deployments and revisions (task_sets.rs,
    // service_deployments.rs).
    /// By task set ARN.
    pub task_sets: BTreeMap<String, TaskSetRec>,
    /// By service deployment ARN.
    pub service_deployments: BTreeMap<String, ServiceDeploymentRec>,
    /// By service revision ARN.
    pub service_revisions: BTreeMap<String, m::ServiceRevision>,
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
}
