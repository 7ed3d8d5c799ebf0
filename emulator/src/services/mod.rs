//! Service handlers: the AWS rules. A handler sees typed inputs from
//! `crate::model` and the locked world, never XML or JSON.

pub mod ec2;
pub mod ecs;
pub mod elbv2;
