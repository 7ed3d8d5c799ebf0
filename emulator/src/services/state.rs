//! Every service's state, as the world keeps it per account, per Region and
//! across Regions, and the names handlers use for the world's types.

use serde::Serialize;

/// The services, as the world knows them (see `world::Services`).
pub struct Aws;

pub type World = crate::world::World<Aws>;
pub type Ctx = crate::world::Ctx<Aws>;
pub type Region = crate::world::Region<Aws>;

/// One account's resources in one Region.
#[derive(Debug, Default, Serialize)]
pub struct Account {
    pub ec2: super::ec2::state::State,
    pub elbv2: super::elbv2::state::State,
    pub ecs: super::ecs::state::State,
}

/// What a Region holds for all of its accounts.
#[derive(Debug, Default)]
pub struct Common {
    pub ec2: super::ec2::state::Regional,
}

/// What all Regions share.
#[derive(Debug, Default)]
pub struct Global {
    pub ec2: super::ec2::links::Links,
}
