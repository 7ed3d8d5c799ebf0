//! ECS (JSON 1.1). Clusters, tasks and services arrive with the ECS issue;
//! until then every operation answers `UnknownOperationException`.

use crate::model::ecs::Api;
use crate::world::Ctx;

pub struct Ecs;

impl Api for Ecs {
    type Ctx = Ctx;
}
