//! EC2: VPCs, subnets, security groups, route tables, network interfaces,
//! zones and tags (the VPC basics endpoints build on).

mod acls;
mod addresses;
pub mod catalog;
mod checks;
mod cidrs;
mod dhcp;
mod endpoint_model;
pub mod endpoint_policy;
mod endpoint_services;
mod endpoint_states;
pub(crate) mod endpoints;
pub mod errors;
mod gateways;
pub mod instances;
mod interfaces;
pub mod links;
mod machines;
mod nat;
mod network;
mod notifications;
mod privatelink;
pub mod query;
pub mod reachability;
mod remote;
mod remote_inbox;
mod route_tables;
mod routes;
pub mod scenario;
mod security_groups;
pub mod state;
mod subnets;
mod tagging;
pub mod tags;
mod vpcs;

pub use links::Links;
pub use state::*;

pub(crate) use machines::{image_by_id, instance_type};
pub(crate) use network::{create_eni, delete_eni, has_free_ip, private_dns_name, NewEni};

use crate::model::ec2::{self as m, Api};
use crate::services::state::Ctx;
use errors::R;

pub struct Ec2;

/// Applies what other Regions told this one (cross-Region PrivateLink).
pub fn deliver(ctx: &mut Ctx) {
    remote_inbox::deliver(ctx);
}

/// Before the Region is unlocked: what other Regions see of its endpoint
/// services catches up with what the request changed.
pub fn publish_services(ctx: &mut Ctx) {
    if std::mem::take(&mut ctx.region.common.ec2.services_changed) {
        remote::publish(ctx);
    }
}

/// The account's default VPC in this Region, as AWS creates it.
pub fn create_default_vpc(ctx: &mut Ctx) {
    vpcs::create_default(ctx);
}

impl Api for Ec2 {
    type Ctx = Ctx;

    fn run_instances(&self, ctx: &mut Ctx, input: m::RunInstancesRequest) -> R<m::Reservation> {
        instances::run::run_instances(ctx, input)
    }
    fn describe_instances(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeInstancesRequest,
    ) -> R<m::DescribeInstancesResult> {
        instances::describe::describe_instances(ctx, input)
    }
    fn describe_instance_status(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeInstanceStatusRequest,
    ) -> R<m::DescribeInstanceStatusResult> {
        instances::describe::describe_instance_status(ctx, input)
    }
    fn start_instances(
        &self,
        ctx: &mut Ctx,
        input: m::StartInstancesRequest,
    ) -> R<m::StartInstancesResult> {
        instances::start_instances(ctx, input)
    }
    fn stop_instances(
        &self,
        ctx: &mut Ctx,
        input: m::StopInstancesRequest,
    ) -> R<m::StopInstancesResult> {
        instances::stop_instances(ctx, input)
    }
    fn reboot_instances(&self, ctx: &mut Ctx, input: m::RebootInstancesRequest) -> R<()> {
        instances::reboot_instances(ctx, input)
    }
    fn terminate_instances(
        &self,
        ctx: &mut Ctx,
        input: m::TerminateInstancesRequest,
    ) -> R<m::TerminateInstancesResult> {
        instances::terminate_instances(ctx, input)
    }
    fn describe_instance_attribute(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeInstanceAttributeRequest,
    ) -> R<m::InstanceAttribute> {
        instances::attributes::describe(ctx, input)
    }
    fn modify_instance_attribute(
        &self,
        ctx: &mut Ctx,
        input: m::ModifyInstanceAttributeRequest,
    ) -> R<()> {
        instances::attributes::modify(ctx, input)
    }
    fn describe_images(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeImagesRequest,
    ) -> R<m::DescribeImagesResult> {
        instances::catalog::describe_images(ctx, input)
    }
    fn describe_instance_types(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeInstanceTypesRequest,
    ) -> R<m::DescribeInstanceTypesResult> {
        instances::catalog::describe_instance_types(ctx, input)
    }
    fn describe_volumes(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeVolumesRequest,
    ) -> R<m::DescribeVolumesResult> {
        instances::volumes::describe(ctx, input)
    }
    fn attach_network_interface(
        &self,
        ctx: &mut Ctx,
        input: m::AttachNetworkInterfaceRequest,
    ) -> R<m::AttachNetworkInterfaceResult> {
        interfaces::attach(ctx, input)
    }
    fn detach_network_interface(
        &self,
        ctx: &mut Ctx,
        input: m::DetachNetworkInterfaceRequest,
    ) -> R<()> {
        interfaces::detach(ctx, input)
    }

    fn create_vpc(&self, ctx: &mut Ctx, input: m::CreateVpcRequest) -> R<m::CreateVpcResult> {
        vpcs::create(ctx, input)
    }
    fn describe_vpcs(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeVpcsRequest,
    ) -> R<m::DescribeVpcsResult> {
        vpcs::describe(ctx, input)
    }
    fn delete_vpc(&self, ctx: &mut Ctx, input: m::DeleteVpcRequest) -> R<()> {
        vpcs::delete(ctx, input)
    }
    fn create_default_vpc(
        &self,
        ctx: &mut Ctx,
        input: m::CreateDefaultVpcRequest,
    ) -> R<m::CreateDefaultVpcResult> {
        vpcs::create_default_request(ctx, input)
    }
    fn create_default_subnet(
        &self,
        ctx: &mut Ctx,
        input: m::CreateDefaultSubnetRequest,
    ) -> R<m::CreateDefaultSubnetResult> {
        subnets::create_default_request(ctx, input)
    }
    fn modify_vpc_attribute(&self, ctx: &mut Ctx, input: m::ModifyVpcAttributeRequest) -> R<()> {
        vpcs::modify_attribute(ctx, input)
    }
    fn describe_vpc_attribute(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeVpcAttributeRequest,
    ) -> R<m::DescribeVpcAttributeResult> {
        vpcs::describe_attribute(ctx, input)
    }
    fn associate_vpc_cidr_block(
        &self,
        ctx: &mut Ctx,
        input: m::AssociateVpcCidrBlockRequest,
    ) -> R<m::AssociateVpcCidrBlockResult> {
        cidrs::associate_vpc(ctx, input)
    }
    fn disassociate_vpc_cidr_block(
        &self,
        ctx: &mut Ctx,
        input: m::DisassociateVpcCidrBlockRequest,
    ) -> R<m::DisassociateVpcCidrBlockResult> {
        cidrs::disassociate_vpc(ctx, input)
    }
    fn associate_subnet_cidr_block(
        &self,
        ctx: &mut Ctx,
        input: m::AssociateSubnetCidrBlockRequest,
    ) -> R<m::AssociateSubnetCidrBlockResult> {
        cidrs::associate_subnet(ctx, input)
    }
    fn disassociate_subnet_cidr_block(
        &self,
        ctx: &mut Ctx,
        input: m::DisassociateSubnetCidrBlockRequest,
    ) -> R<m::DisassociateSubnetCidrBlockResult> {
        cidrs::disassociate_subnet(ctx, input)
    }
    fn create_dhcp_options(
        &self,
        ctx: &mut Ctx,
        input: m::CreateDhcpOptionsRequest,
    ) -> R<m::CreateDhcpOptionsResult> {
        dhcp::create(ctx, input)
    }
    fn delete_dhcp_options(&self, ctx: &mut Ctx, input: m::DeleteDhcpOptionsRequest) -> R<()> {
        dhcp::delete(ctx, input)
    }
    fn describe_dhcp_options(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeDhcpOptionsRequest,
    ) -> R<m::DescribeDhcpOptionsResult> {
        dhcp::describe(ctx, input)
    }
    fn associate_dhcp_options(
        &self,
        ctx: &mut Ctx,
        input: m::AssociateDhcpOptionsRequest,
    ) -> R<()> {
        dhcp::associate(ctx, input)
    }
    fn create_network_acl(
        &self,
        ctx: &mut Ctx,
        input: m::CreateNetworkAclRequest,
    ) -> R<m::CreateNetworkAclResult> {
        acls::create(ctx, input)
    }
    fn delete_network_acl(&self, ctx: &mut Ctx, input: m::DeleteNetworkAclRequest) -> R<()> {
        acls::delete(ctx, input)
    }
    fn describe_network_acls(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeNetworkAclsRequest,
    ) -> R<m::DescribeNetworkAclsResult> {
        acls::describe(ctx, input)
    }
    fn create_network_acl_entry(
        &self,
        ctx: &mut Ctx,
        input: m::CreateNetworkAclEntryRequest,
    ) -> R<()> {
        acls::create_entry(ctx, input)
    }
    fn replace_network_acl_entry(
        &self,
        ctx: &mut Ctx,
        input: m::ReplaceNetworkAclEntryRequest,
    ) -> R<()> {
        acls::replace_entry(ctx, input)
    }
    fn delete_network_acl_entry(
        &self,
        ctx: &mut Ctx,
        input: m::DeleteNetworkAclEntryRequest,
    ) -> R<()> {
        acls::delete_entry(ctx, input)
    }
    fn replace_network_acl_association(
        &self,
        ctx: &mut Ctx,
        input: m::ReplaceNetworkAclAssociationRequest,
    ) -> R<m::ReplaceNetworkAclAssociationResult> {
        acls::replace_association(ctx, input)
    }
    fn create_subnet(
        &self,
        ctx: &mut Ctx,
        input: m::CreateSubnetRequest,
    ) -> R<m::CreateSubnetResult> {
        subnets::create(ctx, input)
    }
    fn describe_subnets(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeSubnetsRequest,
    ) -> R<m::DescribeSubnetsResult> {
        subnets::describe(ctx, input)
    }
    fn delete_subnet(&self, ctx: &mut Ctx, input: m::DeleteSubnetRequest) -> R<()> {
        subnets::delete(ctx, input)
    }
    fn modify_subnet_attribute(
        &self,
        ctx: &mut Ctx,
        input: m::ModifySubnetAttributeRequest,
    ) -> R<()> {
        subnets::modify_attribute(ctx, input)
    }
    fn create_security_group(
        &self,
        ctx: &mut Ctx,
        input: m::CreateSecurityGroupRequest,
    ) -> R<m::CreateSecurityGroupResult> {
        security_groups::create(ctx, input)
    }
    fn describe_security_groups(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeSecurityGroupsRequest,
    ) -> R<m::DescribeSecurityGroupsResult> {
        security_groups::describe(ctx, input)
    }
    fn describe_security_group_rules(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeSecurityGroupRulesRequest,
    ) -> R<m::DescribeSecurityGroupRulesResult> {
        security_groups::describe_rules(ctx, input)
    }
    fn delete_security_group(
        &self,
        ctx: &mut Ctx,
        input: m::DeleteSecurityGroupRequest,
    ) -> R<m::DeleteSecurityGroupResult> {
        security_groups::delete(ctx, input)
    }
    fn authorize_security_group_ingress(
        &self,
        ctx: &mut Ctx,
        input: m::AuthorizeSecurityGroupIngressRequest,
    ) -> R<m::AuthorizeSecurityGroupIngressResult> {
        security_groups::authorize_ingress(ctx, input)
    }
    fn authorize_security_group_egress(
        &self,
        ctx: &mut Ctx,
        input: m::AuthorizeSecurityGroupEgressRequest,
    ) -> R<m::AuthorizeSecurityGroupEgressResult> {
        security_groups::authorize_egress(ctx, input)
    }
    fn revoke_security_group_ingress(
        &self,
        ctx: &mut Ctx,
        input: m::RevokeSecurityGroupIngressRequest,
    ) -> R<m::RevokeSecurityGroupIngressResult> {
        security_groups::revoke_ingress(ctx, input)
    }
    fn revoke_security_group_egress(
        &self,
        ctx: &mut Ctx,
        input: m::RevokeSecurityGroupEgressRequest,
    ) -> R<m::RevokeSecurityGroupEgressResult> {
        security_groups::revoke_egress(ctx, input)
    }
    fn create_route_table(
        &self,
        ctx: &mut Ctx,
        input: m::CreateRouteTableRequest,
    ) -> R<m::CreateRouteTableResult> {
        route_tables::create(ctx, input)
    }
    fn describe_route_tables(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeRouteTablesRequest,
    ) -> R<m::DescribeRouteTablesResult> {
        route_tables::describe(ctx, input)
    }
    fn delete_route_table(&self, ctx: &mut Ctx, input: m::DeleteRouteTableRequest) -> R<()> {
        route_tables::delete(ctx, input)
    }
    fn associate_route_table(
        &self,
        ctx: &mut Ctx,
        input: m::AssociateRouteTableRequest,
    ) -> R<m::AssociateRouteTableResult> {
        route_tables::associate(ctx, input)
    }
    fn disassociate_route_table(
        &self,
        ctx: &mut Ctx,
        input: m::DisassociateRouteTableRequest,
    ) -> R<()> {
        route_tables::disassociate(ctx, input)
    }
    fn create_internet_gateway(
        &self,
        ctx: &mut Ctx,
        input: m::CreateInternetGatewayRequest,
    ) -> R<m::CreateInternetGatewayResult> {
        gateways::create(ctx, input)
    }
    fn attach_internet_gateway(
        &self,
        ctx: &mut Ctx,
        input: m::AttachInternetGatewayRequest,
    ) -> R<()> {
        gateways::attach(ctx, input)
    }
    fn detach_internet_gateway(
        &self,
        ctx: &mut Ctx,
        input: m::DetachInternetGatewayRequest,
    ) -> R<()> {
        gateways::detach(ctx, input)
    }
    fn delete_internet_gateway(
        &self,
        ctx: &mut Ctx,
        input: m::DeleteInternetGatewayRequest,
    ) -> R<()> {
        gateways::delete(ctx, input)
    }
    fn describe_internet_gateways(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeInternetGatewaysRequest,
    ) -> R<m::DescribeInternetGatewaysResult> {
        gateways::describe(ctx, input)
    }
    fn create_egress_only_internet_gateway(
        &self,
        ctx: &mut Ctx,
        input: m::CreateEgressOnlyInternetGatewayRequest,
    ) -> R<m::CreateEgressOnlyInternetGatewayResult> {
        gateways::create_egress_only(ctx, input)
    }
    fn delete_egress_only_internet_gateway(
        &self,
        ctx: &mut Ctx,
        input: m::DeleteEgressOnlyInternetGatewayRequest,
    ) -> R<m::DeleteEgressOnlyInternetGatewayResult> {
        gateways::delete_egress_only(ctx, input)
    }
    fn describe_egress_only_internet_gateways(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeEgressOnlyInternetGatewaysRequest,
    ) -> R<m::DescribeEgressOnlyInternetGatewaysResult> {
        gateways::describe_egress_only(ctx, input)
    }
    fn allocate_address(
        &self,
        ctx: &mut Ctx,
        input: m::AllocateAddressRequest,
    ) -> R<m::AllocateAddressResult> {
        addresses::allocate(ctx, input)
    }
    fn associate_address(
        &self,
        ctx: &mut Ctx,
        input: m::AssociateAddressRequest,
    ) -> R<m::AssociateAddressResult> {
        addresses::associate(ctx, input)
    }
    fn disassociate_address(&self, ctx: &mut Ctx, input: m::DisassociateAddressRequest) -> R<()> {
        addresses::disassociate(ctx, input)
    }
    fn release_address(&self, ctx: &mut Ctx, input: m::ReleaseAddressRequest) -> R<()> {
        addresses::release(ctx, input)
    }
    fn describe_addresses(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeAddressesRequest,
    ) -> R<m::DescribeAddressesResult> {
        addresses::describe(ctx, input)
    }
    fn create_network_interface(
        &self,
        ctx: &mut Ctx,
        input: m::CreateNetworkInterfaceRequest,
    ) -> R<m::CreateNetworkInterfaceResult> {
        network::create_network_interface(ctx, input)
    }
    fn delete_network_interface(
        &self,
        ctx: &mut Ctx,
        input: m::DeleteNetworkInterfaceRequest,
    ) -> R<()> {
        network::delete_network_interface(ctx, input)
    }
    fn create_nat_gateway(
        &self,
        ctx: &mut Ctx,
        input: m::CreateNatGatewayRequest,
    ) -> R<m::CreateNatGatewayResult> {
        nat::create(ctx, input)
    }
    fn delete_nat_gateway(
        &self,
        ctx: &mut Ctx,
        input: m::DeleteNatGatewayRequest,
    ) -> R<m::DeleteNatGatewayResult> {
        nat::delete(ctx, input)
    }
    fn describe_nat_gateways(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeNatGatewaysRequest,
    ) -> R<m::DescribeNatGatewaysResult> {
        nat::describe(ctx, input)
    }
    fn create_route(&self, ctx: &mut Ctx, input: m::CreateRouteRequest) -> R<m::CreateRouteResult> {
        routes::create(ctx, input)
    }
    fn replace_route(&self, ctx: &mut Ctx, input: m::ReplaceRouteRequest) -> R<()> {
        routes::replace(ctx, input)
    }
    fn delete_route(&self, ctx: &mut Ctx, input: m::DeleteRouteRequest) -> R<()> {
        routes::delete(ctx, input)
    }
    fn replace_route_table_association(
        &self,
        ctx: &mut Ctx,
        input: m::ReplaceRouteTableAssociationRequest,
    ) -> R<m::ReplaceRouteTableAssociationResult> {
        route_tables::replace_association(ctx, input)
    }
    fn modify_network_interface_attribute(
        &self,
        ctx: &mut Ctx,
        input: m::ModifyNetworkInterfaceAttributeRequest,
    ) -> R<()> {
        interfaces::modify_attribute(ctx, input)
    }
    fn describe_network_interface_attribute(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeNetworkInterfaceAttributeRequest,
    ) -> R<m::DescribeNetworkInterfaceAttributeResult> {
        interfaces::describe_attribute(ctx, input)
    }
    fn assign_private_ip_addresses(
        &self,
        ctx: &mut Ctx,
        input: m::AssignPrivateIpAddressesRequest,
    ) -> R<m::AssignPrivateIpAddressesResult> {
        interfaces::assign(ctx, input)
    }
    fn unassign_private_ip_addresses(
        &self,
        ctx: &mut Ctx,
        input: m::UnassignPrivateIpAddressesRequest,
    ) -> R<()> {
        interfaces::unassign(ctx, input)
    }
    fn describe_network_interfaces(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeNetworkInterfacesRequest,
    ) -> R<m::DescribeNetworkInterfacesResult> {
        network::describe_network_interfaces(ctx, input)
    }
    fn describe_availability_zones(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeAvailabilityZonesRequest,
    ) -> R<m::DescribeAvailabilityZonesResult> {
        network::describe_availability_zones(ctx, input)
    }
    fn describe_regions(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeRegionsRequest,
    ) -> R<m::DescribeRegionsResult> {
        network::describe_regions(ctx, input)
    }
    fn create_vpc_endpoint(
        &self,
        ctx: &mut Ctx,
        input: m::CreateVpcEndpointRequest,
    ) -> R<m::CreateVpcEndpointResult> {
        endpoints::create(ctx, input)
    }
    fn describe_vpc_endpoints(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeVpcEndpointsRequest,
    ) -> R<m::DescribeVpcEndpointsResult> {
        endpoints::describe(ctx, input)
    }
    fn modify_vpc_endpoint(
        &self,
        ctx: &mut Ctx,
        input: m::ModifyVpcEndpointRequest,
    ) -> R<m::ModifyVpcEndpointResult> {
        endpoints::modify(ctx, input)
    }
    fn delete_vpc_endpoints(
        &self,
        ctx: &mut Ctx,
        input: m::DeleteVpcEndpointsRequest,
    ) -> R<m::DeleteVpcEndpointsResult> {
        endpoints::delete(ctx, input)
    }
    fn describe_vpc_endpoint_services(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeVpcEndpointServicesRequest,
    ) -> R<m::DescribeVpcEndpointServicesResult> {
        endpoints::describe_services(ctx, input)
    }
    fn describe_prefix_lists(
        &self,
        ctx: &mut Ctx,
        input: m::DescribePrefixListsRequest,
    ) -> R<m::DescribePrefixListsResult> {
        endpoints::describe_prefix_lists(ctx, input)
    }
    fn create_vpc_endpoint_service_configuration(
        &self,
        ctx: &mut Ctx,
        input: m::CreateVpcEndpointServiceConfigurationRequest,
    ) -> R<m::CreateVpcEndpointServiceConfigurationResult> {
        privatelink::create_configuration(ctx, input)
    }
    fn describe_vpc_endpoint_service_configurations(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeVpcEndpointServiceConfigurationsRequest,
    ) -> R<m::DescribeVpcEndpointServiceConfigurationsResult> {
        privatelink::describe_configurations(ctx, input)
    }
    fn modify_vpc_endpoint_service_configuration(
        &self,
        ctx: &mut Ctx,
        input: m::ModifyVpcEndpointServiceConfigurationRequest,
    ) -> R<m::ModifyVpcEndpointServiceConfigurationResult> {
        privatelink::modify_configuration(ctx, input)
    }
    fn delete_vpc_endpoint_service_configurations(
        &self,
        ctx: &mut Ctx,
        input: m::DeleteVpcEndpointServiceConfigurationsRequest,
    ) -> R<m::DeleteVpcEndpointServiceConfigurationsResult> {
        privatelink::delete_configurations(ctx, input)
    }
    fn modify_vpc_endpoint_service_permissions(
        &self,
        ctx: &mut Ctx,
        input: m::ModifyVpcEndpointServicePermissionsRequest,
    ) -> R<m::ModifyVpcEndpointServicePermissionsResult> {
        privatelink::modify_permissions(ctx, input)
    }
    fn describe_vpc_endpoint_service_permissions(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeVpcEndpointServicePermissionsRequest,
    ) -> R<m::DescribeVpcEndpointServicePermissionsResult> {
        privatelink::describe_permissions(ctx, input)
    }
    fn describe_vpc_endpoint_connections(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeVpcEndpointConnectionsRequest,
    ) -> R<m::DescribeVpcEndpointConnectionsResult> {
        privatelink::describe_connections(ctx, input)
    }
    fn accept_vpc_endpoint_connections(
        &self,
        ctx: &mut Ctx,
        input: m::AcceptVpcEndpointConnectionsRequest,
    ) -> R<m::AcceptVpcEndpointConnectionsResult> {
        privatelink::accept(ctx, input)
    }
    fn reject_vpc_endpoint_connections(
        &self,
        ctx: &mut Ctx,
        input: m::RejectVpcEndpointConnectionsRequest,
    ) -> R<m::RejectVpcEndpointConnectionsResult> {
        privatelink::reject(ctx, input)
    }
    fn modify_vpc_endpoint_service_payer_responsibility(
        &self,
        ctx: &mut Ctx,
        input: m::ModifyVpcEndpointServicePayerResponsibilityRequest,
    ) -> R<m::ModifyVpcEndpointServicePayerResponsibilityResult> {
        privatelink::modify_payer(ctx, input)
    }
    fn start_vpc_endpoint_service_private_dns_verification(
        &self,
        ctx: &mut Ctx,
        input: m::StartVpcEndpointServicePrivateDnsVerificationRequest,
    ) -> R<m::StartVpcEndpointServicePrivateDnsVerificationResult> {
        privatelink::start_dns_verification(ctx, input)
    }
    fn create_vpc_endpoint_connection_notification(
        &self,
        ctx: &mut Ctx,
        input: m::CreateVpcEndpointConnectionNotificationRequest,
    ) -> R<m::CreateVpcEndpointConnectionNotificationResult> {
        notifications::create(ctx, input)
    }
    fn describe_vpc_endpoint_connection_notifications(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeVpcEndpointConnectionNotificationsRequest,
    ) -> R<m::DescribeVpcEndpointConnectionNotificationsResult> {
        notifications::describe(ctx, input)
    }
    fn modify_vpc_endpoint_connection_notification(
        &self,
        ctx: &mut Ctx,
        input: m::ModifyVpcEndpointConnectionNotificationRequest,
    ) -> R<m::ModifyVpcEndpointConnectionNotificationResult> {
        notifications::modify(ctx, input)
    }
    fn delete_vpc_endpoint_connection_notifications(
        &self,
        ctx: &mut Ctx,
        input: m::DeleteVpcEndpointConnectionNotificationsRequest,
    ) -> R<m::DeleteVpcEndpointConnectionNotificationsResult> {
        notifications::delete(ctx, input)
    }
    fn create_tags(&self, ctx: &mut Ctx, input: m::CreateTagsRequest) -> R<()> {
        tagging::create(ctx, input)
    }
    fn delete_tags(&self, ctx: &mut Ctx, input: m::DeleteTagsRequest) -> R<()> {
        tagging::delete(ctx, input)
    }
    fn describe_tags(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeTagsRequest,
    ) -> R<m::DescribeTagsResult> {
        tagging::describe(ctx, input)
    }
}
