//! DescribeSSLPolicies, from the table in `data/ssl-policies.tsv` (its
//! header names its source).

use super::common::{page, R};
use crate::model::elbv2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

const TABLE: &str = include_str!("data/ssl-policies.tsv");

/// (name, load balancer types, protocols, ciphers in priority order).
type Policy = (
    &'static str,
    Vec<&'static str>,
    Vec<&'static str>,
    Vec<&'static str>,
);

/// AWS's error for a policy name it does not know. [U] The code and its
/// meaning are botocore's (`SSLPolicyNotFoundException`: "The specified SSL
/// policy does not exist."); the message's exact wording is not verified.
pub(super) fn not_found(name: &str) -> AwsError {
    AwsError::new(
        "SSLPolicyNotFound",
        format!("The specified SSL policy '{name}' does not exist"),
    )
}

/// Whether `name` is one of the table's policies.
pub(super) fn exists(name: &str) -> bool {
    policies().iter().any(|p| p.0 == name)
}

/// The table, read once.
pub(super) fn policies() -> &'static [Policy] {
    static ALL: std::sync::OnceLock<Vec<Policy>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        TABLE
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                (f.len() == 4).then(|| {
                    (
                        f[0],
                        f[1].split(',').collect(),
                        f[2].split(',').collect(),
                        f[3].split(',').collect(),
                    )
                })
            })
            .collect()
    })
}

pub(super) fn describe(
    _ctx: &mut Ctx,
    input: m::DescribeSSLPoliciesInput,
) -> R<m::DescribeSSLPoliciesOutput> {
    let all = policies();
    let names = input.names.unwrap_or_default();
    if let Some(n) = names.iter().find(|n| !exists(n)) {
        return Err(not_found(n));
    }
    // `LoadBalancerType` is checked against its enum by the wire layer.
    let items = all
        .iter()
        .filter(|p| names.is_empty() || names.iter().any(|n| n == p.0))
        .filter(|p| {
            input
                .load_balancer_type
                .as_ref()
                .is_none_or(|t| p.1.contains(&t.as_str()))
        })
        .map(|(name, types, protocols, ciphers)| {
            (
                name.to_string(),
                m::SslPolicy {
                    name: Some(name.to_string()),
                    ssl_protocols: Some(protocols.iter().map(|s| s.to_string()).collect()),
                    ciphers: Some(
                        ciphers
                            .iter()
                            .enumerate()
                            .map(|(i, c)| m::Cipher {
                                name: Some(c.to_string()),
                                priority: Some(i as i32 + 1),
                            })
                            .collect(),
                    ),
                    supported_load_balancer_types: Some(
                        types.iter().map(|s| s.to_string()).collect(),
                    ),
                },
            )
        })
        .collect();
    let (ssl_policies, next_marker) = page(items, input.marker, input.page_size)?;
    Ok(m::DescribeSSLPoliciesOutput {
        ssl_policies: Some(ssl_policies),
        next_marker,
    })
}
