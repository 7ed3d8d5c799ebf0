//! Scalar types shared by every protocol: timestamps and blobs.

use base64::Engine as _;
use chrono::{DateTime, NaiveDateTime, SecondsFormat, TimeZone, Utc};

/// A point in time with millisecond precision, as AWS reports them.
///
/// Kept as the milliseconds with their sign bit flipped, never zero, so an
/// `Option<Timestamp>` takes 8 bytes, not 16 (a task holds eight). The one
/// instant it cannot hold, `i64::MIN` ms, is taken as the next one.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timestamp(std::num::NonZeroI64);

impl Timestamp {
    pub fn from_millis(ms: i64) -> Self {
        let stored = ms.max(i64::MIN + 1) ^ i64::MIN;
        Timestamp(std::num::NonZeroI64::new(stored).unwrap_or(std::num::NonZeroI64::MIN))
    }
    pub fn millis(self) -> i64 {
        self.0.get() ^ i64::MIN
    }
    /// ISO-8601 UTC with milliseconds, e.g. `2017-09-05T17:55:27.583Z` (query protocols).
    pub fn to_iso8601(self) -> String {
        match Utc.timestamp_millis_opt(self.millis()).single() {
            Some(dt) => dt.to_rfc3339_opts(SecondsFormat::Millis, true),
            None => "1970-01-01T00:00:00.000Z".to_string(),
        }
    }
    /// Epoch seconds with a millisecond fraction (JSON protocols).
    pub fn to_epoch_seconds(self) -> f64 {
        self.millis() as f64 / 1000.0
    }
    /// Accepts what SDKs send: RFC 3339 with or without fraction, and epoch seconds.
    pub fn parse(s: &str) -> Option<Self> {
        if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
            return Some(Timestamp::from_millis(dt.timestamp_millis()));
        }
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
            return Some(Timestamp::from_millis(dt.and_utc().timestamp_millis()));
        }
        s.parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(|f| Timestamp::from_millis((f * 1000.0).round() as i64))
    }
}

impl Default for Timestamp {
    fn default() -> Self {
        Timestamp::from_millis(0)
    }
}

impl std::fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Timestamp").field(&self.millis()).finish()
    }
}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.millis().cmp(&other.millis())
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
            Raw::Num(f) if f.is_finite() => Ok(Timestamp::from_millis((f * 1000.0).round() as i64)),
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

    #[test]
    fn an_optional_timestamp_takes_8_bytes_and_keeps_every_instant_in_order() {
        assert_eq!(std::mem::size_of::<Option<Timestamp>>(), 8);
        let ms = [i64::MIN + 1, -1_000, -1, 0, 1, 1_504_634_127_583, i64::MAX];
        for pair in ms.windows(2) {
            let (a, b) = (
                Timestamp::from_millis(pair[0]),
                Timestamp::from_millis(pair[1]),
            );
            assert_eq!((a.millis(), b.millis()), (pair[0], pair[1]));
            assert!(a < b);
        }
        assert_eq!(Timestamp::from_millis(i64::MIN).millis(), i64::MIN + 1);
        assert_eq!(Timestamp::default().millis(), 0);
    }
}
