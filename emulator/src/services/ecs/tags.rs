//! TagResource, UntagResource, ListTagsForResource (aws-spec.md §11.18–11.20).

use super::common::{invalid, short_name, R};
use crate::model::ecs as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

fn not_found() -> AwsError {
    AwsError::new(
        "ResourceNotFoundException",
        "The specified resource could not be found.",
    )
}

/// The tag list of the resource an ARN names.
fn tags_mut<'a>(ctx: &'a mut Ctx, resource_arn: &str) -> R<&'a mut Vec<m::Tag>> {
    let prefix = format!("arn:aws:ecs:{}:{}:", ctx.region_name(), ctx.account);
    let Some(resource) = resource_arn.strip_prefix(&prefix) else {
        return Err(invalid(format!("Invalid resource ARN: {resource_arn}")));
    };
    let (kind, rest) = resource
        .split_once('/')
        .ok_or_else(|| invalid(format!("Invalid resource ARN: {resource_arn}")))?;
    let st = &mut ctx.acct_mut().ecs;
    let found = match kind {
        "cluster" => st.clusters.get_mut(rest).map(|c| &mut c.tags),
        "service" => st.services.get_mut(rest).map(|s| &mut s.tags),
        "capacity-provider" => st.capacity_providers.get_mut(rest).map(|c| &mut c.tags),
        "task" => {
            let id = rest.rsplit('/').next().unwrap_or("");
            st.tasks.get_mut(id).map(|t| &mut t.tags)
        }
        "task-definition" => {
            let short = short_name(resource_arn, "task-definition");
            let (family, rev) = short.rsplit_once(':').unwrap_or((short, ""));
            let rev: usize = rev.parse().unwrap_or(0);
            st.families
                .get_mut(family)
                .and_then(|r| r.get_mut(rev.wrapping_sub(1)))
                .map(|d| &mut d.tags)
        }
        "task-set" => st.task_sets.get_mut(resource_arn).map(|t| &mut t.tags),
        "daemon" => st.daemons.get_mut(rest).map(|d| &mut d.tags),
        "daemon-task-definition" => {
            let (family, rev) = rest.rsplit_once(':').unwrap_or((rest, ""));
            let rev: usize = rev.parse().unwrap_or(0);
            st.daemon_families
                .get_mut(family)
                .and_then(|r| r.get_mut(rev.wrapping_sub(1)))
                .filter(|d| d.model.status.as_deref() != Some("DELETED"))
                .map(|d| &mut d.tags)
        }
        "gateway" => st
            .gateways
            .get_mut(rest)
            .map(|g| g.model.tags.get_or_insert_with(Vec::new)),
        _ => return Err(invalid(format!("Invalid resource ARN: {resource_arn}"))),
    };
    found.ok_or_else(not_found)
}

pub(super) fn tag(ctx: &mut Ctx, i: m::TagResourceRequest) -> R<m::TagResourceResponse> {
    let add = i.tags.unwrap_or_default();
    if add
        .iter()
        .any(|t| t.key.as_deref().is_none_or(str::is_empty))
    {
        return Err(invalid("Tag keys must not be empty."));
    }
    let tags = tags_mut(ctx, i.resource_arn.as_deref().unwrap_or(""))?;
    for t in add {
        match tags.iter_mut().find(|x| x.key == t.key) {
            Some(x) => x.value = t.value,
            None => tags.push(t),
        }
    }
    if tags.len() > 50 {
        return Err(invalid("A resource can have at most 50 tags."));
    }
    Ok(m::TagResourceResponse {})
}

pub(super) fn untag(ctx: &mut Ctx, i: m::UntagResourceRequest) -> R<m::UntagResourceResponse> {
    let keys = i.tag_keys.unwrap_or_default();
    let tags = tags_mut(ctx, i.resource_arn.as_deref().unwrap_or(""))?;
    tags.retain(|t| !t.key.as_ref().is_some_and(|k| keys.contains(k)));
    Ok(m::UntagResourceResponse {})
}

pub(super) fn list(
    ctx: &mut Ctx,
    i: m::ListTagsForResourceRequest,
) -> R<m::ListTagsForResourceResponse> {
    let tags = tags_mut(ctx, i.resource_arn.as_deref().unwrap_or(""))?.clone();
    Ok(m::ListTagsForResourceResponse { tags: Some(tags) })
}
