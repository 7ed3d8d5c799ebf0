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
        broken: Constraint,
    },
    /// The body is not valid for the protocol at all (bad JSON).
    Malformed(String),
}

/// The modelled constraint a value breaks.
#[derive(Debug, Clone, PartialEq)]
pub enum Constraint {
    /// Not a value of the type (`integer`, `boolean`, ...).
    Type(&'static str),
    /// Not one of the enum's values.
    Enum(Vec<String>),
    /// Outside `min..=max`.
    Range { min: Option<i64>, max: Option<i64> },
}

impl Constraint {
    /// The constraint in the EC2 and ECS style (`Valid values: …`).
    fn reason(&self) -> String {
        match self {
            Constraint::Type(t) => format!("Expected: '{t}'"),
            Constraint::Enum(allowed) => format!("Valid values: {}", allowed.join(", ")),
            Constraint::Range { min, max } => match (min, max) {
                (Some(a), Some(b)) => format!("Value must be between {a} and {b}"),
                (Some(a), None) => format!("Value must be at least {a}"),
                (None, Some(b)) => format!("Value must be at most {b}"),
                (None, None) => String::new(),
            },
        }
    }
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

/// How EC2 reports a request that did not decode.
pub fn query_wire_error(e: WireError) -> AwsError {
    match e {
        WireError::Missing(key) => AwsError::new(
            "MissingParameter",
            format!("The request must contain the parameter {key}"),
        ),
        WireError::Invalid { key, value, broken } => AwsError::new(
            "InvalidParameterValue",
            format!(
                "Value ({value}) for parameter {key} is invalid. {}",
                broken.reason()
            ),
        ),
        WireError::Malformed(m) => AwsError::new("MalformedQueryString", m),
    }
}

/// How the other query services (ELBv2, STS) report a request that breaks
/// the model: `ValidationError` with the member path in lower camel case,
/// as their validation layer words it [R: "1 validation error detected:
/// Value '301' at 'healthCheckIntervalSeconds' failed to satisfy constraint:
/// Member must have value less than or equal to 300"].
pub fn validation_wire_error(e: WireError) -> AwsError {
    let at = |key: &str| {
        // `Targets.member.1.Port` → `targets.1.member.port` is how AWS
        // names a list member [U]; a top-level member loses its capital.
        key.split('.')
            .filter(|p| *p != "member")
            .map(|p| {
                let mut c = p.chars();
                match c.next() {
                    Some(f) => f.to_lowercase().chain(c).collect::<String>(),
                    None => String::new(),
                }
            })
            .collect::<Vec<_>>()
            .join(".")
    };
    let one = |value: &str, key: &str, rule: String| {
        AwsError::new(
            "ValidationError",
            format!(
                "1 validation error detected: Value {value} at '{}' failed to satisfy constraint: Member must {rule}",
                at(key)
            ),
        )
    };
    match e {
        WireError::Missing(key) => one("null", &key, "not be null".into()),
        WireError::Invalid { key, value, broken } => {
            let shown = format!("'{value}'");
            match broken {
                Constraint::Enum(allowed) => one(
                    &shown,
                    &key,
                    format!("satisfy enum value set: [{}]", allowed.join(", ")),
                ),
                Constraint::Range { min, max } => {
                    let low = value
                        .parse::<i64>()
                        .ok()
                        .zip(min)
                        .is_some_and(|(v, m)| v < m);
                    let rule = match (low, min, max) {
                        (true, Some(m), _) => format!("have value greater than or equal to {m}"),
                        (_, _, Some(m)) => format!("have value less than or equal to {m}"),
                        (_, Some(m), None) => format!("have value greater than or equal to {m}"),
                        _ => "be in range".into(),
                    };
                    one(&shown, &key, rule)
                }
                // [U] the wording for a value that is not of the type.
                Constraint::Type(t) => one(&shown, &key, format!("be a valid {t}")),
            }
        }
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
        WireError::Invalid { key, value, broken } => AwsError::new(
            "InvalidParameterException",
            format!(
                "Invalid value {value} for parameter {key}. {}",
                broken.reason()
            ),
        ),
        WireError::Malformed(m) => AwsError::new("SerializationException", m),
    }
}
