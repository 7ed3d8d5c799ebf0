//! awsemu: a local AWS emulator for PrivateLink and ECS.
//!
//! A request flows `server` (HTTP, routing) → `wire` (decode) → `services`
//! (rules) → `world` (state) and back through `wire` (encode). See
//! `../shared/DESIGN.md` in the project for the map.

pub mod control;
pub mod dataplane;
#[doc(hidden)]
pub mod fuzzing;
pub mod model;
pub mod scenario;
pub mod scenario_file;
pub mod server;
pub mod services;
pub mod wire;
pub mod world;
