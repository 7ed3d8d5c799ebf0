//! ECS (JSON 1.1, API 2014-11-13): clusters, task definitions, tasks that
//! move through their lifecycle on the world clock, services that keep their
//! desired count, Service Connect (aws-spec.md §10–11, Appendix D).

mod circuit_breaker;
mod clusters;
mod common;
mod load_balancing;
pub mod scenario;
mod service_deployments;
mod services;
pub mod state;
mod tags;
mod task_definitions;
mod task_sets;
mod tasks;

pub use services::target_health_changed;
pub use state::*;

use crate::model::ecs::{self as m, Api};
use crate::services::state::Ctx;
use common::R;

pub struct Ecs;

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
        tasks::stop_request(ctx, i, services::reconcile)
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

    // Task sets, service deployments and revisions
    fn create_task_set(
        &self,
        ctx: &mut Ctx,
        i: m::CreateTaskSetRequest,
    ) -> R<m::CreateTaskSetResponse> {
        task_sets::create(ctx, i)
    }
    fn describe_task_sets(
        &self,
        ctx: &mut Ctx,
        i: m::DescribeTaskSetsRequest,
    ) -> R<m::DescribeTaskSetsResponse> {
        task_sets::describe(ctx, i)
    }
    fn update_task_set(
        &self,
        ctx: &mut Ctx,
        i: m::UpdateTaskSetRequest,
    ) -> R<m::UpdateTaskSetResponse> {
        task_sets::update(ctx, i)
    }
    fn delete_task_set(
        &self,
        ctx: &mut Ctx,
        i: m::DeleteTaskSetRequest,
    ) -> R<m::DeleteTaskSetResponse> {
        task_sets::delete(ctx, i)
    }
    fn update_service_primary_task_set(
        &self,
        ctx: &mut Ctx,
        i: m::UpdateServicePrimaryTaskSetRequest,
    ) -> R<m::UpdateServicePrimaryTaskSetResponse> {
        task_sets::update_primary(ctx, i)
    }
    fn list_service_deployments(
        &self,
        ctx: &mut Ctx,
        i: m::ListServiceDeploymentsRequest,
    ) -> R<m::ListServiceDeploymentsResponse> {
        service_deployments::list(ctx, i)
    }
    fn describe_service_deployments(
        &self,
        ctx: &mut Ctx,
        i: m::DescribeServiceDeploymentsRequest,
    ) -> R<m::DescribeServiceDeploymentsResponse> {
        service_deployments::describe(ctx, i)
    }
    fn describe_service_revisions(
        &self,
        ctx: &mut Ctx,
        i: m::DescribeServiceRevisionsRequest,
    ) -> R<m::DescribeServiceRevisionsResponse> {
        service_deployments::describe_revisions(ctx, i)
    }
    fn stop_service_deployment(
        &self,
        ctx: &mut Ctx,
        i: m::StopServiceDeploymentRequest,
    ) -> R<m::StopServiceDeploymentResponse> {
        service_deployments::stop(ctx, i, services::reconcile)
    }
    fn continue_service_deployment(
        &self,
        ctx: &mut Ctx,
        i: m::ContinueServiceDeploymentRequest,
    ) -> R<m::ContinueServiceDeploymentResponse> {
        service_deployments::continue_(ctx, i)
    }
}
