//! What every ELBv2 resource family shares: errors, ARNs, tags from a
//! request and Marker paging.

use std::collections::BTreeSet;

use base64::Engine as _;

use crate::model::elbv2 as m;
use crate::wire::AwsError;

pub(super) type R<T> = Result<T, AwsError>;

pub(super) fn validation(message: impl Into<String>) -> AwsError {
    AwsError::new("ValidationError", message)
}

/// The resource part of an ELB ARN (`loadbalancer/net/…`, `targetgroup/…`).
pub(super) fn resource_of(arn: &str) -> Option<&str> {
    let rest = arn.strip_prefix("arn:aws:elasticloadbalancing:")?;
    let parts: Vec<&str> = rest.splitn(3, ':').collect();
    (parts.len() == 3).then(|| parts[2])
}

/// `…:loadbalancer/{app,net,gwy}/<name>/<16 hex>`
pub(super) fn is_lb_arn(arn: &str) -> bool {
    resource_of(arn)
        .and_then(|r| r.strip_prefix("loadbalancer/"))
        .map(|p| p.split('/').collect::<Vec<_>>())
        .is_some_and(|p| {
            p.len() == 3
                && matches!(p[0], "app" | "net" | "gwy")
                && !p[1].is_empty()
                && !p[2].is_empty()
        })
}

pub(super) fn check_lb_arn(arn: &str) -> R<()> {
    if is_lb_arn(arn) {
        Ok(())
    } else {
        Err(validation(format!(
            "'{arn}' is not a valid load balancer ARN"
        )))
    }
}

/// A request's tags, refusing a key given twice.
pub(super) fn tags_from(tags: Option<Vec<m::Tag>>) -> R<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    for t in tags.unwrap_or_default() {
        let k = t.key.unwrap_or_default();
        if out.iter().any(|(e, _)| *e == k) {
            return Err(AwsError::new(
                "DuplicateTagKeys",
                format!("Tag key '{k}' is duplicated"),
            ));
        }
        out.push((k, t.value.unwrap_or_default()));
    }
    let keys: BTreeSet<&String> = out.iter().map(|(k, _)| k).collect();
    if keys.len() > 50 {
        return Err(AwsError::new(
            "TooManyTags",
            "The quota for the number of tags has been reached",
        ));
    }
    Ok(out)
}

/// One page of `items` (keyed and sorted by ARN): the Marker is the last
/// ARN returned, base64.
pub(super) fn page<T>(
    mut items: Vec<(String, T)>,
    marker: Option<String>,
    page_size: Option<i32>,
) -> R<(Vec<T>, Option<String>)> {
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    if let Some(mk) = marker.filter(|m| !m.is_empty()) {
        let after = b64
            .decode(&mk)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| validation(format!("The marker '{mk}' is not valid")))?;
        items.retain(|(k, _)| *k > after);
    }
    let size = page_size.unwrap_or(400).max(1) as usize;
    let next = if items.len() > size {
        items.truncate(size);
        items.last().map(|(k, _)| b64.encode(k))
    } else {
        None
    };
    Ok((items.into_iter().map(|(_, v)| v).collect(), next))
}
