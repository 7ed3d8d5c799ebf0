//! What every EC2 Describe call shares: filters (`Filter.N.Name` /
//! `Filter.N.Value.M`, values OR-ed, filters AND-ed, `*` and `?` wildcards,
//! `tag:<key>` and `tag-key`) and `MaxResults` / `NextToken` paging.

use base64::Engine as _;

use super::errors;
use super::tags::Tags;
use crate::model::ec2::Filter;
use crate::wire::AwsError;

/// AWS refuses more than this many filters, or values in one filter [U].
const MAX_FILTERS: usize = 50;
const MAX_VALUES: usize = 200;

#[derive(Debug, Default)]
pub struct Filters(Vec<(String, Vec<String>)>);

impl Filters {
    /// Validates names against `known` (plus the tag filters) and limits.
    pub fn parse(input: Option<Vec<Filter>>, known: &[&str]) -> Result<Self, AwsError> {
        let input = input.unwrap_or_default();
        if input.len() > MAX_FILTERS {
            return Err(filter_limit());
        }
        let mut out = Vec::with_capacity(input.len());
        for f in input {
            let name = f.name.unwrap_or_default();
            let values = f.values.unwrap_or_default();
            if values.len() > MAX_VALUES {
                return Err(filter_limit());
            }
            let tag_filter = name == "tag-key" || name == "tag-value" || name.starts_with("tag:");
            if !tag_filter && !known.contains(&name.as_str()) {
                return Err(AwsError::new(
                    "InvalidParameterValue",
                    format!("The filter '{name}' is invalid"),
                ));
            }
            out.push((name, values));
        }
        Ok(Filters(out))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// True when every filter matches. `values(name)` gives the resource's
    /// values for a non-tag filter name.
    pub fn matches<F>(&self, tags: &Tags, values: F) -> bool
    where
        F: Fn(&str) -> Vec<String>,
    {
        self.0.iter().all(|(name, wanted)| {
            let have: Vec<String> = if let Some(key) = name.strip_prefix("tag:") {
                tags.get(key).into_iter().map(str::to_string).collect()
            } else if name == "tag-key" {
                tags.keys().map(str::to_string).collect()
            } else if name == "tag-value" {
                tags.values().map(str::to_string).collect()
            } else {
                values(name)
            };
            have.iter()
                .any(|h| wanted.iter().any(|w| glob(w.as_bytes(), h.as_bytes())))
        })
    }
}

fn filter_limit() -> AwsError {
    AwsError::new(
        "FilterLimitExceeded",
        "The request uses too many filters or too many filter values.",
    )
}

/// `*` matches any run, `?` one character; everything else literally.
pub fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some(p);
            mark = t;
            p += 1;
        } else if let Some(s) = star {
            p = s + 1;
            mark += 1;
            t = mark;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// A page of `items`, in the order of their keys, after `next_token`, at
/// most `max_results` long; the token of the next page names the last key given.
pub fn paginate<T>(
    mut items: Vec<(String, T)>,
    max_results: Option<i32>,
    next_token: Option<&str>,
) -> Result<(Vec<T>, Option<String>), AwsError> {
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let after = match next_token.filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => Some(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| errors::next_token(t))?,
        ),
    };
    let mut rest: Vec<(String, T)> = match &after {
        None => items,
        Some(a) => items.into_iter().filter(|(k, _)| k > a).collect(),
    };
    let limit = match max_results {
        Some(n) if n > 0 => n as usize,
        _ => usize::MAX,
    };
    let token = if rest.len() > limit {
        rest.truncate(limit);
        rest.last()
            .map(|(k, _)| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(k))
    } else {
        None
    };
    Ok((rest.into_iter().map(|(_, v)| v).collect(), token))
}

/// `true`/`false` as filter values.
pub fn bool_value(b: bool) -> Vec<String> {
    vec![b.to_string()]
}

pub fn one(s: impl Into<String>) -> Vec<String> {
    vec![s.into()]
}

/// Checks a `MaxResults` against its documented range where the model leaves
/// it open.
pub(crate) fn check_max_results(value: Option<i32>, min: i32, max: i32) -> Result<(), AwsError> {
    match value {
        Some(n) if n < min || n > max => Err(errors::invalid_value(
            "MaxResults",
            &n.to_string(),
            &format!("Value must be between {min} and {max}."),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_wildcards() {
        assert!(glob(b"ap*", b"app"));
        assert!(glob(b"a?p", b"app"));
        assert!(glob(b"*", b""));
        assert!(!glob(b"ap", b"app"));
        assert!(glob(b"*-az?", b"use1-az6"));
        assert!(!glob(b"b*", b"app"));
    }

    #[test]
    fn pages_resume_after_the_last_key() {
        let mut items: Vec<(String, u32)> = (0..7).map(|i| (format!("k{i}"), i)).collect();
        items.reverse();
        let (p1, t1) = paginate(items.clone(), Some(5), None).unwrap();
        assert_eq!(p1, vec![0, 1, 2, 3, 4]);
        let (p2, t2) = paginate(items, Some(5), t1.as_deref()).unwrap();
        assert_eq!(p2, vec![5, 6]);
        assert_eq!(t2, None);
        assert!(paginate(Vec::<(String, u32)>::new(), None, Some("%%%")).is_err());
    }

    #[test]
    fn unknown_filter_names_are_refused() {
        let f = vec![Filter {
            name: Some("colour".into()),
            values: Some(vec!["x".into()]),
        }];
        let e = Filters::parse(Some(f), &["vpc-id"]).unwrap_err();
        assert_eq!(e.code, "InvalidParameterValue");
    }
}
