//! ECS (JSON 1.1, API 2014-11-13): clusters, task definitions, tasks that
//! move through their lifecycle on the world clock, services that keep their
//! desired count, Service Connect (aws-spec.md §10–11, Appendix D).

mod account_settings;
mod agent;
mod agent_network;
mod blue_green;
mod capacity_providers;
mod circuit_breaker;
mod clusters;
mod common;
mod container_instance_scenario;
mod container_instances;
mod daemons;
mod exec;
mod express_gateway;
mod gateways;
mod load_balancing;
mod namespace_services;
mod network_path;
mod placement;
mod query;
pub mod scenario;
mod scenario_calls;
mod service_deployments;
mod services;
mod start_checks;
pub mod state;
mod tags;
mod task_definition_deletion;
mod task_definitions;
mod task_model;
mod task_protection;
mod task_set_scenario;
mod task_sets;
mod tasks;
mod trunking;

pub use container_instances::instance_changed;
pub use network_path::task_interface;
#[doc(hidden)]
pub use query::evaluate as evaluate_cluster_query;
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
        let out = clusters::create(ctx, i)?;
        if let Some(name) = out.cluster.as_ref().and_then(|c| c.cluster_name.clone()) {
            // Agents waiting for the cluster register now.
            container_instances::cluster_created(ctx, &name);
        }
        Ok(out)
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
    // Container instances and their attributes
    fn register_container_instance(
        &self,
        ctx: &mut Ctx,
        i: m::RegisterContainerInstanceRequest,
    ) -> R<m::RegisterContainerInstanceResponse> {
        container_instances::register_request(ctx, i)
    }
    fn describe_container_instances(
        &self,
        ctx: &mut Ctx,
        i: m::DescribeContainerInstancesRequest,
    ) -> R<m::DescribeContainerInstancesResponse> {
        container_instances::describe(ctx, i)
    }
    fn list_container_instances(
        &self,
        ctx: &mut Ctx,
        i: m::ListContainerInstancesRequest,
    ) -> R<m::ListContainerInstancesResponse> {
        container_instances::list(ctx, i)
    }
    fn update_container_instances_state(
        &self,
        ctx: &mut Ctx,
        i: m::UpdateContainerInstancesStateRequest,
    ) -> R<m::UpdateContainerInstancesStateResponse> {
        let mut drained = Vec::new();
        let out = container_instances::update_state(ctx, i, &mut drained)?;
        for id in drained {
            services::drain_instance(ctx, &container_instances::service_tasks_on(ctx, &id));
        }
        Ok(out)
    }
    fn deregister_container_instance(
        &self,
        ctx: &mut Ctx,
        i: m::DeregisterContainerInstanceRequest,
    ) -> R<m::DeregisterContainerInstanceResponse> {
        container_instances::deregister(ctx, i)
    }
    fn update_container_agent(
        &self,
        ctx: &mut Ctx,
        i: m::UpdateContainerAgentRequest,
    ) -> R<m::UpdateContainerAgentResponse> {
        container_instances::update_agent(ctx, i)
    }
    fn put_attributes(
        &self,
        ctx: &mut Ctx,
        i: m::PutAttributesRequest,
    ) -> R<m::PutAttributesResponse> {
        container_instances::put_attributes(ctx, i)
    }
    fn delete_attributes(
        &self,
        ctx: &mut Ctx,
        i: m::DeleteAttributesRequest,
    ) -> R<m::DeleteAttributesResponse> {
        container_instances::delete_attributes(ctx, i)
    }
    fn list_attributes(
        &self,
        ctx: &mut Ctx,
        i: m::ListAttributesRequest,
    ) -> R<m::ListAttributesResponse> {
        container_instances::list_attributes(ctx, i)
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
        let connect = gateways::check_connectors(
            ctx,
            i.cluster.as_deref(),
            i.task_definition.as_deref(),
            i.gateway_connectors.as_deref(),
        )?;
        let out = services::create(ctx, i)?;
        gateways::connect(ctx, out.service.as_ref(), connect);
        Ok(out)
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
        let td = i.task_definition.clone().or_else(|| {
            gateways::service_task_definition(
                ctx,
                i.cluster.as_deref(),
                i.service.as_deref().unwrap_or(""),
            )
        });
        let connect = gateways::check_connectors(
            ctx,
            i.cluster.as_deref(),
            td.as_deref(),
            i.gateway_connectors.as_deref(),
        )?;
        let out = services::update(ctx, i)?;
        gateways::connect(ctx, out.service.as_ref(), connect);
        Ok(out)
    }
    fn delete_service(
        &self,
        ctx: &mut Ctx,
        i: m::DeleteServiceRequest,
    ) -> R<m::DeleteServiceResponse> {
        let key = gateways::service_key(i.cluster.as_deref(), i.service.as_deref().unwrap_or(""));
        let out = services::delete(ctx, i)?;
        gateways::disconnect(ctx, &key);
        Ok(out)
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

    // Account settings, task protection, exec, agent calls
    fn put_account_setting(
        &self,
        ctx: &mut Ctx,
        i: m::PutAccountSettingRequest,
    ) -> R<m::PutAccountSettingResponse> {
        account_settings::put(ctx, i)
    }
    fn put_account_setting_default(
        &self,
        ctx: &mut Ctx,
        i: m::PutAccountSettingDefaultRequest,
    ) -> R<m::PutAccountSettingDefaultResponse> {
        account_settings::put_default(ctx, i)
    }
    fn delete_account_setting(
        &self,
        ctx: &mut Ctx,
        i: m::DeleteAccountSettingRequest,
    ) -> R<m::DeleteAccountSettingResponse> {
        account_settings::delete(ctx, i)
    }
    fn list_account_settings(
        &self,
        ctx: &mut Ctx,
        i: m::ListAccountSettingsRequest,
    ) -> R<m::ListAccountSettingsResponse> {
        account_settings::list(ctx, i)
    }
    fn get_task_protection(
        &self,
        ctx: &mut Ctx,
        i: m::GetTaskProtectionRequest,
    ) -> R<m::GetTaskProtectionResponse> {
        task_protection::get(ctx, i)
    }
    fn update_task_protection(
        &self,
        ctx: &mut Ctx,
        i: m::UpdateTaskProtectionRequest,
    ) -> R<m::UpdateTaskProtectionResponse> {
        task_protection::update(ctx, i, services::reconcile)
    }
    fn execute_command(
        &self,
        ctx: &mut Ctx,
        i: m::ExecuteCommandRequest,
    ) -> R<m::ExecuteCommandResponse> {
        exec::execute(ctx, i)
    }
    fn delete_task_definitions(
        &self,
        ctx: &mut Ctx,
        i: m::DeleteTaskDefinitionsRequest,
    ) -> R<m::DeleteTaskDefinitionsResponse> {
        task_definition_deletion::delete(ctx, i)
    }
    fn list_services_by_namespace(
        &self,
        ctx: &mut Ctx,
        i: m::ListServicesByNamespaceRequest,
    ) -> R<m::ListServicesByNamespaceResponse> {
        namespace_services::list(ctx, i)
    }
    fn discover_poll_endpoint(
        &self,
        ctx: &mut Ctx,
        i: m::DiscoverPollEndpointRequest,
    ) -> R<m::DiscoverPollEndpointResponse> {
        agent::discover_poll_endpoint(ctx, i)
    }
    fn submit_task_state_change(
        &self,
        ctx: &mut Ctx,
        i: m::SubmitTaskStateChangeRequest,
    ) -> R<m::SubmitTaskStateChangeResponse> {
        agent::submit_task_state_change(ctx, i)
    }
    fn submit_container_state_change(
        &self,
        ctx: &mut Ctx,
        i: m::SubmitContainerStateChangeRequest,
    ) -> R<m::SubmitContainerStateChangeResponse> {
        agent::submit_container_state_change(ctx, i)
    }
    fn submit_attachment_state_changes(
        &self,
        ctx: &mut Ctx,
        i: m::SubmitAttachmentStateChangesRequest,
    ) -> R<m::SubmitAttachmentStateChangesResponse> {
        agent::submit_attachment_state_changes(ctx, i)
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
        blue_green::continue_(ctx, i, services::reconcile)
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

    // Daemons, gateways, Express gateway services
    fn register_daemon_task_definition(
        &self,
        ctx: &mut Ctx,
        i: m::RegisterDaemonTaskDefinitionRequest,
    ) -> R<m::RegisterDaemonTaskDefinitionResponse> {
        daemons::register_task_definition(ctx, i)
    }
    fn describe_daemon_task_definition(
        &self,
        ctx: &mut Ctx,
        i: m::DescribeDaemonTaskDefinitionRequest,
    ) -> R<m::DescribeDaemonTaskDefinitionResponse> {
        daemons::describe_task_definition(ctx, i)
    }
    fn delete_daemon_task_definition(
        &self,
        ctx: &mut Ctx,
        i: m::DeleteDaemonTaskDefinitionRequest,
    ) -> R<m::DeleteDaemonTaskDefinitionResponse> {
        daemons::delete_task_definition(ctx, i)
    }
    fn list_daemon_task_definitions(
        &self,
        ctx: &mut Ctx,
        i: m::ListDaemonTaskDefinitionsRequest,
    ) -> R<m::ListDaemonTaskDefinitionsResponse> {
        daemons::list_task_definitions(ctx, i)
    }
    fn create_daemon(
        &self,
        ctx: &mut Ctx,
        i: m::CreateDaemonRequest,
    ) -> R<m::CreateDaemonResponse> {
        daemons::create(ctx, i)
    }
    fn describe_daemon(
        &self,
        ctx: &mut Ctx,
        i: m::DescribeDaemonRequest,
    ) -> R<m::DescribeDaemonResponse> {
        daemons::describe(ctx, i)
    }
    fn update_daemon(
        &self,
        ctx: &mut Ctx,
        i: m::UpdateDaemonRequest,
    ) -> R<m::UpdateDaemonResponse> {
        daemons::update(ctx, i)
    }
    fn delete_daemon(
        &self,
        ctx: &mut Ctx,
        i: m::DeleteDaemonRequest,
    ) -> R<m::DeleteDaemonResponse> {
        daemons::delete(ctx, i)
    }
    fn list_daemons(&self, ctx: &mut Ctx, i: m::ListDaemonsRequest) -> R<m::ListDaemonsResponse> {
        daemons::list(ctx, i)
    }
    fn describe_daemon_deployments(
        &self,
        ctx: &mut Ctx,
        i: m::DescribeDaemonDeploymentsRequest,
    ) -> R<m::DescribeDaemonDeploymentsResponse> {
        daemons::describe_deployments(ctx, i)
    }
    fn list_daemon_deployments(
        &self,
        ctx: &mut Ctx,
        i: m::ListDaemonDeploymentsRequest,
    ) -> R<m::ListDaemonDeploymentsResponse> {
        daemons::list_deployments(ctx, i)
    }
    fn describe_daemon_revisions(
        &self,
        ctx: &mut Ctx,
        i: m::DescribeDaemonRevisionsRequest,
    ) -> R<m::DescribeDaemonRevisionsResponse> {
        daemons::describe_revisions(ctx, i)
    }
    fn create_gateway(
        &self,
        ctx: &mut Ctx,
        i: m::CreateGatewayRequest,
    ) -> R<m::CreateGatewayResponse> {
        gateways::create(ctx, i)
    }
    fn describe_gateway(
        &self,
        ctx: &mut Ctx,
        i: m::DescribeGatewayRequest,
    ) -> R<m::DescribeGatewayResponse> {
        gateways::describe(ctx, i)
    }
    fn update_gateway(
        &self,
        ctx: &mut Ctx,
        i: m::UpdateGatewayRequest,
    ) -> R<m::UpdateGatewayResponse> {
        gateways::update(ctx, i)
    }
    fn delete_gateway(
        &self,
        ctx: &mut Ctx,
        i: m::DeleteGatewayRequest,
    ) -> R<m::DeleteGatewayResponse> {
        gateways::delete(ctx, i)
    }
    fn list_gateways(
        &self,
        ctx: &mut Ctx,
        i: m::ListGatewaysRequest,
    ) -> R<m::ListGatewaysResponse> {
        gateways::list(ctx, i)
    }
    fn associate_gateway_with_cluster(
        &self,
        ctx: &mut Ctx,
        i: m::AssociateGatewayWithClusterRequest,
    ) -> R<m::AssociateGatewayWithClusterResponse> {
        gateways::associate(ctx, i)
    }
    fn disassociate_gateway_from_cluster(
        &self,
        ctx: &mut Ctx,
        i: m::DisassociateGatewayFromClusterRequest,
    ) -> R<m::DisassociateGatewayFromClusterResponse> {
        gateways::disassociate(ctx, i)
    }
    fn list_gateway_cluster_associations(
        &self,
        ctx: &mut Ctx,
        i: m::ListGatewayClusterAssociationsRequest,
    ) -> R<m::ListGatewayClusterAssociationsResponse> {
        gateways::list_associations(ctx, i)
    }
    fn describe_gateway_resources(
        &self,
        ctx: &mut Ctx,
        i: m::DescribeGatewayResourcesRequest,
    ) -> R<m::DescribeGatewayResourcesResponse> {
        gateways::describe_resources(ctx, i)
    }
    fn describe_gateway_route(
        &self,
        ctx: &mut Ctx,
        i: m::DescribeGatewayRouteRequest,
    ) -> R<m::DescribeGatewayRouteResponse> {
        gateways::describe_route(ctx, i)
    }
    fn list_gateway_routes(
        &self,
        ctx: &mut Ctx,
        i: m::ListGatewayRoutesRequest,
    ) -> R<m::ListGatewayRoutesResponse> {
        gateways::list_routes(ctx, i)
    }
    fn create_express_gateway_service(
        &self,
        ctx: &mut Ctx,
        i: m::CreateExpressGatewayServiceRequest,
    ) -> R<m::CreateExpressGatewayServiceResponse> {
        express_gateway::create(ctx, i)
    }
    fn describe_express_gateway_service(
        &self,
        ctx: &mut Ctx,
        i: m::DescribeExpressGatewayServiceRequest,
    ) -> R<m::DescribeExpressGatewayServiceResponse> {
        express_gateway::describe(ctx, i)
    }
    fn update_express_gateway_service(
        &self,
        ctx: &mut Ctx,
        i: m::UpdateExpressGatewayServiceRequest,
    ) -> R<m::UpdateExpressGatewayServiceResponse> {
        express_gateway::update(ctx, i)
    }
    fn delete_express_gateway_service(
        &self,
        ctx: &mut Ctx,
        i: m::DeleteExpressGatewayServiceRequest,
    ) -> R<m::DeleteExpressGatewayServiceResponse> {
        express_gateway::delete(ctx, i)
    }
}
