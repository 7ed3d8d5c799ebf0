//! ECS (JSON 1.1, API 2014-11-13): clusters, task definitions, tasks that
//! move through their lifecycle on the world clock, services that keep their
//! desired count, Service Connect (aws-spec.md §10–11, Appendix D).

mod clusters;
mod services;
mod tags;
mod task_definitions;
mod tasks;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::wire::AwsError;
use crate::model::ecs::{self as m, Api};
use crate::world::Ctx;

pub struct Ecs;

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
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceRec {
    pub cluster: String,
    pub model: m::Service,
    pub tags: Vec<m::Tag>,
    pub task_ids: BTreeSet<String>,
}

/// ECS transitions that AWS performs asynchronously.
#[derive(Debug, Clone)]
pub enum Transition {
    /// Moves a task to its next status (`to`), if it is still on its way there.
    Task { id: String, to: &'static str },
    /// A declared container exit happens.
    Exit { id: String },
}

pub fn apply_transition(ctx: &mut Ctx, t: Transition) {
    tasks::apply(ctx, t);
}

type R<T> = Result<T, AwsError>;

pub(crate) fn invalid(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidParameterException", message)
}

pub(crate) fn client(message: impl Into<String>) -> AwsError {
    AwsError::new("ClientException", message)
}

pub(crate) fn cluster_not_found() -> AwsError {
    AwsError::new("ClusterNotFoundException", "Cluster not found.")
}

pub(crate) fn service_not_found() -> AwsError {
    AwsError::new("ServiceNotFoundException", "Service not found.")
}

pub(crate) fn arn(ctx: &Ctx, resource: &str) -> String {
    format!(
        "arn:aws:ecs:{}:{}:{resource}",
        ctx.region_name(),
        ctx.account
    )
}

/// The last path segment of an ECS ARN of `kind` (`cluster/<x>`), or the
/// value itself when it is not an ARN.
pub(crate) fn short_name<'a>(value: &'a str, kind: &str) -> &'a str {
    match value.strip_prefix("arn:aws:ecs:") {
        Some(rest) => rest
            .split_once(&format!(":{kind}/"))
            .map(|(_, tail)| tail)
            .unwrap_or(value),
        None => value,
    }
}

/// Checks `maxResults` of the List calls (1–100).
pub(crate) fn check_max(max: Option<i32>) -> R<usize> {
    match max {
        Some(n) if !(1..=100).contains(&n) => Err(invalid(format!(
            "maxResults must be between 1 and 100 (got {n})."
        ))),
        Some(n) => Ok(n as usize),
        None => Ok(100),
    }
}

/// A page of `items` (sorted by key) after `token`.
pub(crate) fn page<T>(
    items: Vec<(String, T)>,
    max: usize,
    token: Option<&str>,
) -> R<(Vec<T>, Option<String>)> {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let after = match token.filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => Some(
            engine
                .decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| invalid("Invalid nextToken."))?,
        ),
    };
    let mut rest: Vec<(String, T)> = match after {
        None => items,
        Some(a) => items.into_iter().filter(|(k, _)| *k > a).collect(),
    };
    let next = if rest.len() > max {
        rest.truncate(max);
        rest.last().map(|(k, _)| engine.encode(k))
    } else {
        None
    };
    Ok((rest.into_iter().map(|(_, v)| v).collect(), next))
}

pub(crate) fn event(
    resource_type: &'static str,
    id: &str,
    action: &'static str,
    state: Option<&str>,
) -> crate::world::events::NewEvent {
    crate::world::events::NewEvent::new("ecs", resource_type, id, action, state)
}

impl Api for Ecs {
    type Ctx = Ctx;

    fn create_cluster(
        &self,
        ctx: &mut Ctx,
        i: m::CreateClusterRequest,
    ) -> R<m::CreateClusterResponse> {
        clusters::create(ctx, i)
    }
    fn describe_clusters(
        &self,
        ctx: &mut Ctx,
        i: m::DescribeClustersRequest,
    ) -> R<m::DescribeClustersResponse> {
        clusters::describe(ctx, i)
    }
    fn list_clusters(
        &self,
        ctx: &mut Ctx,
        i: m::ListClustersRequest,
    ) -> R<m::ListClustersResponse> {
        clusters::list(ctx, i)
    }
    fn delete_cluster(
        &self,
        ctx: &mut Ctx,
        i: m::DeleteClusterRequest,
    ) -> R<m::DeleteClusterResponse> {
        clusters::delete(ctx, i)
    }
    fn update_cluster_settings(
        &self,
        ctx: &mut Ctx,
        i: m::UpdateClusterSettingsRequest,
    ) -> R<m::UpdateClusterSettingsResponse> {
        clusters::update_settings(ctx, i)
    }
    fn register_task_definition(
        &self,
        ctx: &mut Ctx,
        i: m::RegisterTaskDefinitionRequest,
    ) -> R<m::RegisterTaskDefinitionResponse> {
        task_definitions::register(ctx, i)
    }
    fn describe_task_definition(
        &self,
        ctx: &mut Ctx,
        i: m::DescribeTaskDefinitionRequest,
    ) -> R<m::DescribeTaskDefinitionResponse> {
        task_definitions::describe(ctx, i)
    }
    fn list_task_definitions(
        &self,
        ctx: &mut Ctx,
        i: m::ListTaskDefinitionsRequest,
    ) -> R<m::ListTaskDefinitionsResponse> {
        task_definitions::list(ctx, i)
    }
    fn list_task_definition_families(
        &self,
        ctx: &mut Ctx,
        i: m::ListTaskDefinitionFamiliesRequest,
    ) -> R<m::ListTaskDefinitionFamiliesResponse> {
        task_definitions::list_families(ctx, i)
    }
    fn deregister_task_definition(
        &self,
        ctx: &mut Ctx,
        i: m::DeregisterTaskDefinitionRequest,
    ) -> R<m::DeregisterTaskDefinitionResponse> {
        task_definitions::deregister(ctx, i)
    }
    fn run_task(&self, ctx: &mut Ctx, i: m::RunTaskRequest) -> R<m::RunTaskResponse> {
        tasks::run(ctx, i)
    }
    fn start_task(&self, ctx: &mut Ctx, i: m::StartTaskRequest) -> R<m::StartTaskResponse> {
        tasks::start(ctx, i)
    }
    fn describe_tasks(
        &self,
        ctx: &mut Ctx,
        i: m::DescribeTasksRequest,
    ) -> R<m::DescribeTasksResponse> {
        tasks::describe(ctx, i)
    }
    fn list_tasks(&self, ctx: &mut Ctx, i: m::ListTasksRequest) -> R<m::ListTasksResponse> {
        tasks::list(ctx, i)
    }
    fn stop_task(&self, ctx: &mut Ctx, i: m::StopTaskRequest) -> R<m::StopTaskResponse> {
        tasks::stop_request(ctx, i)
    }
    fn create_service(
        &self,
        ctx: &mut Ctx,
        i: m::CreateServiceRequest,
    ) -> R<m::CreateServiceResponse> {
        services::create(ctx, i)
    }
    fn describe_services(
        &self,
        ctx: &mut Ctx,
        i: m::DescribeServicesRequest,
    ) -> R<m::DescribeServicesResponse> {
        services::describe(ctx, i)
    }
    fn update_service(
        &self,
        ctx: &mut Ctx,
        i: m::UpdateServiceRequest,
    ) -> R<m::UpdateServiceResponse> {
        services::update(ctx, i)
    }
    fn delete_service(
        &self,
        ctx: &mut Ctx,
        i: m::DeleteServiceRequest,
    ) -> R<m::DeleteServiceResponse> {
        services::delete(ctx, i)
    }
    fn list_services(
        &self,
        ctx: &mut Ctx,
        i: m::ListServicesRequest,
    ) -> R<m::ListServicesResponse> {
        services::list(ctx, i)
    }
    fn tag_resource(&self, ctx: &mut Ctx, i: m::TagResourceRequest) -> R<m::TagResourceResponse> {
        tags::tag(ctx, i)
    }
    fn untag_resource(
        &self,
        ctx: &mut Ctx,
        i: m::UntagResourceRequest,
    ) -> R<m::UntagResourceResponse> {
        tags::untag(ctx, i)
    }
    fn list_tags_for_resource(
        &self,
        ctx: &mut Ctx,
        i: m::ListTagsForResourceRequest,
    ) -> R<m::ListTagsForResourceResponse> {
        tags::list(ctx, i)
    }
}
