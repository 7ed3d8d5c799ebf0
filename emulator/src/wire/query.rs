//! Form-encoded input of the `ec2` and `query` protocols.
//!
//! Both protocols flatten a structure into dotted keys (`Filter.1.Value.2`,
//! `Subnets.member.1`); generated decoders walk those keys by prefix.

use std::collections::BTreeMap;

use super::error::{Constraint, WireError};
use super::types::{Blob, Timestamp};

/// The parameters of one request, by key.
#[derive(Debug, Default, Clone)]
pub struct QueryInput {
    params: BTreeMap<String, String>,
}

impl QueryInput {
    /// Parses a form body; parameters of the query string are merged in (for
    /// curl-style calls) without overriding the body's.
    pub fn parse(body: &[u8], query_string: Option<&str>) -> Self {
        let mut params = BTreeMap::new();
        if let Some(q) = query_string {
            for (k, v) in form_urlencoded::parse(q.as_bytes()) {
                params.insert(k.into_owned(), v.into_owned());
            }
        }
        for (k, v) in form_urlencoded::parse(body) {
            params.insert(k.into_owned(), v.into_owned());
        }
        QueryInput { params }
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        QueryInput {
            params: pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.params.get(key).map(String::as_str)
    }

    pub fn action(&self) -> Option<&str> {
        self.get("Action")
    }

    pub fn version(&self) -> Option<&str> {
        self.get("Version")
    }

    pub fn is_empty(&self) -> bool {
        self.params.is_empty()
    }

    /// Keys that start with `prefix.`, in order.
    fn under<'a>(&'a self, prefix: &str) -> impl Iterator<Item = &'a str> + 'a {
        let start = format!("{prefix}.");
        self.params
            .range(start.clone()..)
            .map(|(k, _)| k.as_str())
            .take_while(move |k| k.starts_with(&start))
    }

    /// True when the key itself or anything below it was sent.
    pub fn present(&self, prefix: &str) -> bool {
        self.params.contains_key(prefix) || self.under(prefix).next().is_some()
    }

    /// The list indexes sent below `prefix` (`prefix.3`, `prefix.3.Name`), ascending.
    /// Gaps are allowed; a non-numeric segment is ignored.
    pub fn indexes(&self, prefix: &str) -> Vec<u32> {
        let skip = prefix.len() + 1;
        let mut out: Vec<u32> = self
            .under(prefix)
            .filter_map(|k| k[skip..].split('.').next()?.parse().ok())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// A scalar member, parsed; `None` when absent.
    pub fn scalar<T: QueryScalar>(&self, key: &str) -> Result<Option<T>, WireError> {
        match self.get(key) {
            None => Ok(None),
            Some(raw) => T::parse_query(raw)
                .map(Some)
                .ok_or_else(|| WireError::Invalid {
                    key: key.to_string(),
                    value: raw.to_string(),
                    broken: Constraint::Type(T::TYPE_NAME),
                }),
        }
    }
}

/// A scalar that can be read from a form value.
pub trait QueryScalar: Sized {
    const TYPE_NAME: &'static str;
    fn parse_query(raw: &str) -> Option<Self>;
}

impl QueryScalar for String {
    const TYPE_NAME: &'static str = "string";
    fn parse_query(raw: &str) -> Option<Self> {
        Some(raw.to_string())
    }
}

impl QueryScalar for bool {
    const TYPE_NAME: &'static str = "boolean";
    fn parse_query(raw: &str) -> Option<Self> {
        match raw.to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }
}

impl QueryScalar for i32 {
    const TYPE_NAME: &'static str = "integer";
    fn parse_query(raw: &str) -> Option<Self> {
        raw.trim().parse().ok()
    }
}

impl QueryScalar for i64 {
    const TYPE_NAME: &'static str = "long";
    fn parse_query(raw: &str) -> Option<Self> {
        raw.trim().parse().ok()
    }
}

impl QueryScalar for f64 {
    const TYPE_NAME: &'static str = "double";
    fn parse_query(raw: &str) -> Option<Self> {
        raw.trim().parse().ok().filter(|f: &f64| f.is_finite())
    }
}

impl QueryScalar for Timestamp {
    const TYPE_NAME: &'static str = "timestamp";
    fn parse_query(raw: &str) -> Option<Self> {
        Timestamp::parse(raw)
    }
}

impl QueryScalar for Blob {
    const TYPE_NAME: &'static str = "blob";
    fn parse_query(raw: &str) -> Option<Self> {
        Blob::from_base64(raw)
    }
}

/// Checks an input value against its modelled enum.
pub fn check_enum(key: &str, value: &str, allowed: &[&str]) -> Result<(), WireError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(WireError::Invalid {
            key: key.to_string(),
            value: value.to_string(),
            broken: Constraint::Enum(allowed.iter().map(|a| a.to_string()).collect()),
        })
    }
}

/// Checks an input number against its modelled range.
pub fn check_range(
    key: &str,
    value: i64,
    min: Option<i64>,
    max: Option<i64>,
) -> Result<(), WireError> {
    let low = min.is_some_and(|m| value < m);
    let high = max.is_some_and(|m| value > m);
    if low || high {
        return Err(WireError::Invalid {
            key: key.to_string(),
            value: value.to_string(),
            broken: Constraint::Range { min, max },
        });
    }
    Ok(())
}

/// Joins a prefix and a member name into a wire key.
pub fn key(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// A structure that generated code can decode from form keys below a prefix.
pub trait FromQuery: Sized {
    fn from_query(q: &QueryInput, prefix: &str) -> Result<Self, WireError>;
}

/// A structure member: decoded when anything below its key was sent.
pub fn structure<T: FromQuery>(q: &QueryInput, key: &str) -> Result<Option<T>, WireError> {
    if q.present(key) {
        T::from_query(q, key).map(Some)
    } else {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_are_numeric_sorted_and_gappy() {
        let q = QueryInput::parse(
            b"Filter.10.Name=a&Filter.2.Name=b&Filter.2.Value.1=x&Filter.x=1&FilterX.1=no",
            None,
        );
        assert_eq!(q.indexes("Filter"), vec![2, 10]);
        assert_eq!(q.indexes("Filter.2.Value"), vec![1]);
        assert!(q.present("Filter.2"));
        assert!(!q.present("Filter.3"));
    }

    #[test]
    fn scalars_parse_or_name_the_bad_key() {
        let q = QueryInput::parse(b"MaxResults=abc&DryRun=TRUE&Space=a+b%20c", None);
        assert_eq!(q.scalar::<bool>("DryRun"), Ok(Some(true)));
        assert_eq!(q.scalar::<String>("Space"), Ok(Some("a b c".into())));
        assert_eq!(q.scalar::<i32>("Absent"), Ok(None));
        match q.scalar::<i32>("MaxResults") {
            Err(WireError::Invalid { key, value, .. }) => {
                assert_eq!((key.as_str(), value.as_str()), ("MaxResults", "abc"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn body_wins_over_query_string() {
        let q = QueryInput::parse(b"Action=A", Some("Action=B&Version=2016-11-15"));
        assert_eq!(q.action(), Some("A"));
        assert_eq!(q.version(), Some("2016-11-15"));
    }
}
