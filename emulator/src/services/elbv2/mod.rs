//! ELBv2 (query protocol, API 2015-12-01): the load balancers that back
//! endpoint services (aws-spec.md §9). Network and gateway load balancers
//! are complete; application load balancers get the same basics.

mod load_balancers;
pub mod scenario;
pub mod state;

pub use load_balancers::default_attributes;
pub use state::*;

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
        load_balancers::add_tags(ctx, input)
    }
    fn remove_tags(&self, ctx: &mut Ctx, input: m::RemoveTagsInput) -> R<m::RemoveTagsOutput> {
        load_balancers::remove_tags(ctx, input)
    }
    fn describe_tags(
        &self,
        ctx: &mut Ctx,
        input: m::DescribeTagsInput,
    ) -> R<m::DescribeTagsOutput> {
        load_balancers::describe_tags(ctx, input)
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
}
