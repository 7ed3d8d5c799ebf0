//! Errors as values: every failure a client can see carries its AWS code and
//! HTTP status, and each protocol renders it in its own envelope. Decoding
//! failures come first, as `WireError`, and each protocol maps them to the
//! codes its service uses.

use std::borrow::Cow;
use std::fmt;

/// What went wrong turning request bytes into a typed input. Each protocol maps
/// it to the code its service uses (`MissingParameter`, `SerializationException`, ...).
#[derive(Debug, Clone, PartialEq)]
pub enum WireError {
    /// A required member is absent; carries the wire key (`VpcId`, `Filter.1.Name`).
    Missing(String),
    /// A value does not parse as its type, is outside its modelled range or enum.
    Invalid {
        key: String,
        value: String,
        reason: String,
    },
    /// The body is not valid for the protocol at all (bad JSON).
    Malformed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    pub code: Cow<'static, str>,
    pub message: String,
    pub status: u16,
}

impl AwsError {
    pub fn new(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        AwsError {
            code: code.into(),
            message: message.into(),
            status: 400,
        }
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// An operation whose wire exists but whose behaviour is not built yet:
    /// refused as an unknown action rather than answered with a fake success.
    pub fn not_implemented(operation: &str) -> Self {
        AwsError::new(
            "InvalidAction",
            format!("The action {operation} is not implemented by awsemu yet."),
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        AwsError::new("InternalError", message).with_status(500)
    }

    pub fn is_server_fault(&self) -> bool {
        self.status >= 500
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for AwsError {}

/// How the query protocols (EC2, ELBv2) report a request that did not decode.
pub fn query_wire_error(e: WireError) -> AwsError {
    match e {
        WireError::Missing(key) => AwsError::new(
            "MissingParameter",
            format!("The request must contain the parameter {key}"),
        ),
        WireError::Invalid { key, value, reason } => AwsError::new(
            "InvalidParameterValue",
            format!("Value ({value}) for parameter {key} is invalid. {reason}"),
        ),
        WireError::Malformed(m) => AwsError::new("MalformedQueryString", m),
    }
}

/// How ECS reports a JSON request that did not decode.
pub fn json_wire_error(e: WireError) -> AwsError {
    match e {
        WireError::Missing(key) => AwsError::new(
            "InvalidParameterException",
            format!("{key} must be specified."),
        ),
        WireError::Invalid { key, value, reason } => AwsError::new(
            "InvalidParameterException",
            format!("Invalid value {value} for parameter {key}. {reason}"),
        ),
        WireError::Malformed(m) => AwsError::new("SerializationException", m),
    }
}
