//! Bytes to typed inputs and typed outputs to bytes, per protocol. The generated
//! code in `crate::model` builds on these pieces; no service rule lives here.

#[cfg(test)]
mod codec_tests;
pub mod envelope;
mod error;
pub mod identity;
pub mod query;
pub mod sigv4;
mod types;
pub mod xml;

pub use error::{
    json_wire_error, query_wire_error, validation_wire_error, AwsError, Constraint, WireError,
};
pub use query::QueryInput;
pub use types::{Blob, Timestamp};
pub use xml::XmlWriter;
