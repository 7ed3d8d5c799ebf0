//! Scalar types shared by every protocol: timestamps and blobs.

use base64::Engine as _;
use chrono::{DateTime, NaiveDateTime, SecondsFormat, TimeZone, Utc};

/// A point in time with millisecond precision, as AWS reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

impl Timestamp {
    pub fn from_millis(ms: i64) -> Self {
        Timestamp(ms)
    }
    pub fn millis(self) -> i64 {
        self.0
    }
    /// ISO-8601 UTC with milliseconds, e.g. `2017-09-05T17:55:27.583Z` (query protocols).
    pub fn to_iso8601(self) -> String {
        match Utc.timestamp_millis_opt(self.0).single() {
            Some(dt) => dt.to_rfc3339_opts(SecondsFormat::Millis, true),
            None => "1970-01-01T00:00:00.000Z".to_string(),
        }
    }
    /// Epoch seconds with a millisecond fraction (JSON protocols).
    pub fn to_epoch_seconds(self) -> f64 {
        self.0 as f64 / 1000.0
    }
    /// Accepts what SDKs send: RFC 3339 with or without fraction, and epoch seconds.
    pub fn parse(s: &str) -> Option<Self> {
        if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
            return Some(Timestamp(dt.timestamp_millis()));
        }
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
            return Some(Timestamp(dt.and_utc().timestamp_millis()));
        }
        s.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(|f| Timestamp((f * 1000.0).round() as i64))
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.to_epoch_seconds())
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Num(f64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Num(f) if f.is_finite() => Ok(Timestamp((f * 1000.0).round() as i64)),
            Raw::Num(_) => Err(serde::de::Error::custom("timestamp out of range")),
            Raw::Text(t) => {
                Timestamp::parse(&t).ok_or_else(|| serde::de::Error::custom("invalid timestamp"))
            }
        }
    }
}

/// Binary data; base64 on every wire.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Blob(pub Vec<u8>);

impl Blob {
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.0)
    }
    pub fn from_base64(s: &str) -> Option<Self> {
        base64::engine::general_purpose::STANDARD
            .decode(s.trim())
            .ok()
            .map(Blob)
    }
}

impl serde::Serialize for Blob {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_base64())
    }
}

impl<'de> serde::Deserialize<'de> for Blob {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Blob::from_base64(&s).ok_or_else(|| serde::de::Error::custom("invalid base64"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_in_both_wire_forms() {
        let t = Timestamp::parse("2017-09-05T17:55:27.583Z").unwrap();
        assert_eq!(t.to_iso8601(), "2017-09-05T17:55:27.583Z");
        assert_eq!(t.to_epoch_seconds(), 1504634127.583);
        assert_eq!(
            Timestamp::parse("2017-09-05T17:55:27Z").unwrap().millis(),
            1504634127000
        );
        assert_eq!(Timestamp::parse("2017-09-05T17:55:27.583123Z"), Some(t));
        assert_eq!(Timestamp::parse("1504634127.583"), Some(t));
        assert_eq!(Timestamp::parse("yesterday"), None);
        let j: Timestamp = serde_json::from_str("1504634127.583").unwrap();
        assert_eq!(j, t);
        assert_eq!(serde_json::to_string(&t).unwrap(), "1504634127.583");
    }
}
