//! What every EC2 Describe call shares: filters (`Filter.N.Name` /
//! `Filter.N.Value.M`, values OR-ed, filters AND-ed, `*` and `?` wildcards,
//! `tag:<key>` and `tag-key`) and `MaxResults` / `NextToken` paging.
//!
//! What AWS does, as far as known (docs/ec2-filters.md has the per-call lists):
//! * an unknown name is `InvalidParameterValue` "The filter '<name>' is
//!   invalid" [R: aws-cli#4013 shows the raw XML]; a filter without a name is
//!   "The filter 'null' is invalid" [R: aws-sdk-js-v3#6063];
//! * tag filters exist only for resources that carry tags:
//!   DescribeInstanceStatus answers "The filter 'tag:Name' is invalid"
//!   [R: aws-cli#7225]; so calls over untagged things use `parse_untagged`;
//! * a filter with no values matches nothing (`describe-subnets --filters
//!   Name=vpc-id` gives `[]`) [R: moto#8570];
//! * names and values are case-sensitive (DescribeAddresses docs), booleans
//!   included (`true`/`false`) [U for booleans];
//! * `\*`, `\?` and `\\` match a literal `*`, `?` and `\` (DescribeImages docs).

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
        Self::parse_with(input, known, true)
    }

    /// For calls over things without tags (zones, Regions, AWS prefix lists,
    /// connection notifications): `tag:<key>`, `tag-key` and `tag-value`
    /// are unknown names there, as AWS has them.
    pub fn parse_untagged(input: Option<Vec<Filter>>, known: &[&str]) -> Result<Self, AwsError> {
        Self::parse_with(input, known, false)
    }

    fn parse_with(
        input: Option<Vec<Filter>>,
        known: &[&str],
        tagged: bool,
    ) -> Result<Self, AwsError> {
        let input = input.unwrap_or_default();
        if input.len() > MAX_FILTERS {
            return Err(filter_limit());
        }
        let mut out = Vec::with_capacity(input.len());
        for f in input {
            let name = f.name.unwrap_or_else(|| "null".to_string());
            let values = f.values.unwrap_or_default();
            if values.len() > MAX_VALUES {
                return Err(filter_limit());
            }
            // `tag-value` was documented until about 2019; EC2 still takes
            // it [U].
            let tag_filter = tagged
                && (name == "tag-key"
                    || name == "tag-value"
                    || (name.starts_with("tag:") && name.len() > 4));
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

/// One pattern element: a literal character, `?` or `*`.
#[derive(Clone, Copy, PartialEq)]
enum Pat {
    Lit(char),
    One,
    Any,
}

/// `*` matches any run, `?` one character, a backslash makes the next
/// character literal; everything else matches itself. Works on characters,
/// so `?` is one Unicode character.
pub fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let pattern = String::from_utf8_lossy(pattern);
    let text: Vec<char> = String::from_utf8_lossy(text).chars().collect();
    let mut pat = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        pat.push(match c {
            '\\' => Pat::Lit(chars.next().unwrap_or('\\')),
            '*' => Pat::Any,
            '?' => Pat::One,
            c => Pat::Lit(c),
        });
    }
    let (mut p, mut t) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while t < text.len() {
        if p < pat.len() && (pat[p] == Pat::One || pat[p] == Pat::Lit(text[t])) {
            p += 1;
            t += 1;
        } else if p < pat.len() && pat[p] == Pat::Any {
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
    pat[p..].iter().all(|&c| c == Pat::Any)
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
        assert!(glob(b"a\\*b", b"a*b"));
        assert!(!glob(b"a\\*b", b"axb"));
        assert!(glob(b"a\\?", b"a?"));
        assert!(!glob(b"a\\?", b"ab"));
        assert!(glob(b"\\\\x", b"\\x"));
        assert!(glob("caf?".as_bytes(), "café".as_bytes()));
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
        let nameless = vec![Filter {
            name: None,
            values: Some(vec!["x".into()]),
        }];
        let e = Filters::parse(Some(nameless), &["vpc-id"]).unwrap_err();
        assert_eq!(e.message, "The filter 'null' is invalid");
        let tag = || {
            Some(vec![Filter {
                name: Some("tag:Name".into()),
                values: Some(vec!["x".into()]),
            }])
        };
        assert!(Filters::parse(tag(), &[]).is_ok());
        let e = Filters::parse_untagged(tag(), &[]).unwrap_err();
        assert_eq!(e.message, "The filter 'tag:Name' is invalid");
    }
}
