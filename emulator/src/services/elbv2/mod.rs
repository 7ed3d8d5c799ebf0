//! ELBv2 (query protocol, API 2015-12-01): load balancers (aws-spec.md §9),
//! their target groups and targets with their health on the world clock,
//! listeners and their rules. One file per resource family; `common` is what they share.

mod actions;
mod common;
mod lb_settings;
mod lb_subnets;
mod limits;
mod listener_certificates;
mod listeners;
mod load_balancers;
mod rules;
pub mod scenario;
mod ssl_policies;
pub mod state;
mod tags;
mod target_groups;
mod targets;

pub use load_balancers::default_attributes;
pub use state::*;
pub use targets::set_health as set_target_health;
pub use targets::{bind as bind_target, record_probe, target_group_owner};
pub use targets::{deregister_one, register_one, target_state, HEALTHY_MS};

use crate::model::elbv2::{self as m, Api};
use crate::services::state::Ctx;
use crate::wire::AwsError;

pub struct Elbv2;

type R<T> = Result<T, AwsError>;

impl Api for Elbv2 {
    type Ctx = Ctx;

    fn create_load_balancer(
        &self,
        ctx: &mut Ctx,
        input: m::CreateLoadBalancerInput,
    ) -> R<m::CreateLoadBalancerOutput> {
        load_balancers::create(ctx, input)
    }
    fn describe_load_balancers(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeLoadBalancersInput,
    ) -> R<m::DescribeLoadBalancersOutput> {
        load_balancers::describe(ctx, input)
    }
    fn delete_load_balancer(
        &self,
        ctx: &mut Ctx,
        input: m::DeleteLoadBalancerInput,
    ) -> R<m::DeleteLoadBalancerOutput> {
        load_balancers::delete(ctx, input)
    }
    fn add_tags(&self, ctx: &mut Ctx, input: m::AddTagsInput) -> R<m::AddTagsOutput> {
        tags::add_tags(ctx, input)
    }
    fn remove_tags(&self, ctx: &mut Ctx, input: m::RemoveTagsInput) -> R<m::RemoveTagsOutput> {
        tags::remove_tags(ctx, input)
    }
    fn describe_tags(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeTagsInput,
    ) -> R<m::DescribeTagsOutput> {
        tags::describe_tags(ctx, input)
    }
    fn describe_load_balancer_attributes(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeLoadBalancerAttributesInput,
    ) -> R<m::DescribeLoadBalancerAttributesOutput> {
        load_balancers::describe_attributes(ctx, input)
    }
    fn modify_load_balancer_attributes(
        &self,
        ctx: &mut Ctx,
        input: m::ModifyLoadBalancerAttributesInput,
    ) -> R<m::ModifyLoadBalancerAttributesOutput> {
        load_balancers::modify_attributes(ctx, input)
    }
    fn create_target_group(
        &self,
        ctx: &mut Ctx,
        input: m::CreateTargetGroupInput,
    ) -> R<m::CreateTargetGroupOutput> {
        target_groups::create(ctx, input)
    }
    fn describe_target_groups(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeTargetGroupsInput,
    ) -> R<m::DescribeTargetGroupsOutput> {
        target_groups::describe(ctx, input)
    }
    fn modify_target_group(
        &self,
        ctx: &mut Ctx,
        input: m::ModifyTargetGroupInput,
    ) -> R<m::ModifyTargetGroupOutput> {
        target_groups::modify(ctx, input)
    }
    fn delete_target_group(
        &self,
        ctx: &mut Ctx,
        input: m::DeleteTargetGroupInput,
    ) -> R<m::DeleteTargetGroupOutput> {
        target_groups::delete(ctx, input)
    }
    fn describe_target_group_attributes(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeTargetGroupAttributesInput,
    ) -> R<m::DescribeTargetGroupAttributesOutput> {
        target_groups::describe_attributes(ctx, input)
    }
    fn modify_target_group_attributes(
        &self,
        ctx: &mut Ctx,
        input: m::ModifyTargetGroupAttributesInput,
    ) -> R<m::ModifyTargetGroupAttributesOutput> {
        target_groups::modify_attributes(ctx, input)
    }
    fn register_targets(
        &self,
        ctx: &mut Ctx,
        input: m::RegisterTargetsInput,
    ) -> R<m::RegisterTargetsOutput> {
        targets::register(ctx, input)
    }
    fn deregister_targets(
        &self,
        ctx: &mut Ctx,
        input: m::DeregisterTargetsInput,
    ) -> R<m::DeregisterTargetsOutput> {
        targets::deregister(ctx, input)
    }
    fn describe_target_health(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeTargetHealthInput,
    ) -> R<m::DescribeTargetHealthOutput> {
        targets::describe_health(ctx, input)
    }
    fn create_listener(
        &self,
        ctx: &mut Ctx,
        input: m::CreateListenerInput,
    ) -> R<m::CreateListenerOutput> {
        listeners::create(ctx, input)
    }
    fn describe_listeners(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeListenersInput,
    ) -> R<m::DescribeListenersOutput> {
        listeners::describe(ctx, input)
    }
    fn modify_listener(
        &self,
        ctx: &mut Ctx,
        input: m::ModifyListenerInput,
    ) -> R<m::ModifyListenerOutput> {
        listeners::modify(ctx, input)
    }
    fn delete_listener(
        &self,
        ctx: &mut Ctx,
        input: m::DeleteListenerInput,
    ) -> R<m::DeleteListenerOutput> {
        listeners::delete(ctx, input)
    }
    fn create_rule(&self, ctx: &mut Ctx, input: m::CreateRuleInput) -> R<m::CreateRuleOutput> {
        rules::create(ctx, input)
    }
    fn describe_rules(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeRulesInput,
    ) -> R<m::DescribeRulesOutput> {
        rules::describe(ctx, input)
    }
    fn modify_rule(&self, ctx: &mut Ctx, input: m::ModifyRuleInput) -> R<m::ModifyRuleOutput> {
        rules::modify(ctx, input)
    }
    fn delete_rule(&self, ctx: &mut Ctx, input: m::DeleteRuleInput) -> R<m::DeleteRuleOutput> {
        rules::delete(ctx, input)
    }
    fn set_rule_priorities(
        &self,
        ctx: &mut Ctx,
        input: m::SetRulePrioritiesInput,
    ) -> R<m::SetRulePrioritiesOutput> {
        rules::set_priorities(ctx, input)
    }
    fn set_security_groups(
        &self,
        ctx: &mut Ctx,
        input: m::SetSecurityGroupsInput,
    ) -> R<m::SetSecurityGroupsOutput> {
        lb_settings::set_security_groups(ctx, input)
    }
    fn set_ip_address_type(
        &self,
        ctx: &mut Ctx,
        input: m::SetIpAddressTypeInput,
    ) -> R<m::SetIpAddressTypeOutput> {
        lb_settings::set_ip_address_type(ctx, input)
    }
    fn describe_account_limits(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeAccountLimitsInput,
    ) -> R<m::DescribeAccountLimitsOutput> {
        limits::describe(ctx, input)
    }
    fn add_listener_certificates(
        &self,
        ctx: &mut Ctx,
        input: m::AddListenerCertificatesInput,
    ) -> R<m::AddListenerCertificatesOutput> {
        listener_certificates::add(ctx, input)
    }
    fn remove_listener_certificates(
        &self,
        ctx: &mut Ctx,
        input: m::RemoveListenerCertificatesInput,
    ) -> R<m::RemoveListenerCertificatesOutput> {
        listener_certificates::remove(ctx, input)
    }
    fn describe_listener_certificates(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeListenerCertificatesInput,
    ) -> R<m::DescribeListenerCertificatesOutput> {
        listener_certificates::describe(ctx, input)
    }
    fn describe_ssl_policies(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeSSLPoliciesInput,
    ) -> R<m::DescribeSSLPoliciesOutput> {
        ssl_policies::describe(ctx, input)
    }
    fn set_subnets(&self, ctx: &mut Ctx, input: m::SetSubnetsInput) -> R<m::SetSubnetsOutput> {
        lb_subnets::set_subnets(ctx, input)
    }
}
