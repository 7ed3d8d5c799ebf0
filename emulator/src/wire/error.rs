//! Decoding failures, before any service rule runs.

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
