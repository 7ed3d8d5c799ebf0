//! ELBv2 (query protocol). Load balancers arrive with the PrivateLink provider
//! issue; until then every operation answers `InvalidAction` in the ELBv2
//! envelope rather than a fake success.

use crate::model::elbv2::Api;
use crate::world::Ctx;

pub struct Elbv2;

impl Api for Elbv2 {
    type Ctx = Ctx;
}
