//! Service handlers: the AWS rules. A handler sees typed inputs from
//! `crate::model` and the locked world, never XML or JSON.
//!
//! The world stores what the services keep without naming them: [`Aws`]
//! tells it the types (`state`) and what to do when a Region is locked, an
//! account first calls, and a Region is unlocked.

pub mod ec2;
pub mod ecs;
pub mod elbv2;
pub mod state;
pub mod sts;

pub use state::{Account, Aws, Common, Ctx, Global, Region, World};

impl crate::world::Services for Aws {
    type Account = Account;
    type Common = Common;
    type Global = Global;

    /// What other Regions sent this one (cross-Region PrivateLink) applies
    /// before anything else.
    fn locked(ctx: &mut Ctx) {
        ec2::deliver(ctx);
    }

    /// AWS gives every account a default VPC in every Region.
    fn account_created(ctx: &mut Ctx) {
        ec2::create_default_vpc(ctx);
    }

    fn unlocking(ctx: &mut Ctx) {
        ec2::publish_services(ctx);
    }

    fn pending(global: &Global) -> bool {
        global.ec2.pending()
    }

    /// An EC2 instance's ECS agent registers it, disconnects, reconnects.
    fn changed(ctx: &mut Ctx, kind: &'static str, id: &str) {
        if kind == "instance" {
            ecs::instance_changed(ctx, id);
        }
    }

    fn export_common(common: &Common) -> serde_json::Value {
        serde_json::json!({
            "ec2": { "endpoint_services": serde_json::to_value(&common.ec2.endpoint_services)
                .unwrap_or(serde_json::Value::Null) }
        })
    }
}
