//! ECS (JSON 1.1, API 2014-11-13): clusters, task definitions, tasks that
//! move through their lifecycle on the world clock, services that keep their
//! desired count, Service Connect (aws-spec.md §10–11, Appendix D).

mod capacity_providers;
mod clusters;
mod common;
mod load_balancing;
pub mod scenario;
mod services;
pub mod state;
mod tags;
mod task_definitions;
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

    // Capacity providers
    fn create_capacity_provider(
        &self,
        ctx: &mut Ctx,
        i: m::CreateCapacityProviderRequest,
    ) -> R<m::CreateCapacityProviderResponse> {
        capacity_providers::create(ctx, i)
    }
    fn describe_capacity_providers(
        &self,
        ctx: &mut Ctx,
        i: m::DescribeCapacityProvidersRequest,
    ) -> R<m::DescribeCapacityProvidersResponse> {
        capacity_providers::describe(ctx, i)
    }
    fn update_capacity_provider(
        &self,
        ctx: &mut Ctx,
        i: m::UpdateCapacityProviderRequest,
    ) -> R<m::UpdateCapacityProviderResponse> {
        capacity_providers::update(ctx, i)
    }
    fn delete_capacity_provider(
        &self,
        ctx: &mut Ctx,
        i: m::DeleteCapacityProviderRequest,
    ) -> R<m::DeleteCapacityProviderResponse> {
        capacity_providers::delete(ctx, i)
    }
    fn put_cluster_capacity_providers(
        &self,
        ctx: &mut Ctx,
        i: m::PutClusterCapacityProvidersRequest,
    ) -> R<m::PutClusterCapacityProvidersResponse> {
        clusters::put_capacity_providers(ctx, i)
    }
    fn update_cluster(
        &self,
        ctx: &mut Ctx,
        i: m::UpdateClusterRequest,
    ) -> R<m::UpdateClusterResponse> {
        clusters::update(ctx, i)
    }
}
