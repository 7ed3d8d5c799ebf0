//! AddTags, RemoveTags and DescribeTags, for load balancers, target groups,
//! listeners and rules alike.

use std::collections::BTreeSet;

use super::common::{check_lb_arn, resource_of, R};
use super::state::State;
use super::{listeners, rules, target_groups};
use crate::model::elbv2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

fn tags_of<'a>(st: &'a State, arn: &str) -> Option<&'a Vec<(String, String)>> {
    st.load_balancers
        .get(arn)
        .map(|x| &x.tags)
        .or_else(|| st.target_groups.get(arn).map(|x| &x.tags))
        .or_else(|| st.listeners.get(arn).map(|x| &x.tags))
        .or_else(|| st.rules.get(arn).map(|x| &x.tags))
}

fn tags_of_mut<'a>(st: &'a mut State, arn: &str) -> Option<&'a mut Vec<(String, String)>> {
    if let Some(x) = st.load_balancers.get_mut(arn) {
        return Some(&mut x.tags);
    }
    if let Some(x) = st.target_groups.get_mut(arn) {
        return Some(&mut x.tags);
    }
    if let Some(x) = st.listeners.get_mut(arn) {
        return Some(&mut x.tags);
    }
    st.rules.get_mut(arn).map(|x| &mut x.tags)
}

/// Every ARN is well formed and names one of the caller's resources; the
/// error is that of the kind of resource it names.
fn existing(ctx: &Ctx, arns: &[String]) -> R<()> {
    let st = &ctx.acct().elbv2;
    for a in arns {
        let kind = resource_of(a)
            .and_then(|r| r.split('/').next())
            .unwrap_or("");
        match kind {
            "targetgroup" => {
                target_groups::check_arn(a)?;
                if !st.target_groups.contains_key(a) {
                    return Err(target_groups::not_found());
                }
            }
            "listener-rule" => {
                rules::check_arn(a)?;
                if !st.rules.contains_key(a) {
                    return Err(rules::not_found());
                }
            }
            "listener" => {
                listeners::check_arn(a)?;
                if !st.listeners.contains_key(a) {
                    return Err(listeners::not_found());
                }
            }
            _ => {
                check_lb_arn(a)?;
                if !st.load_balancers.contains_key(a) {
                    return Err(AwsError::new(
                        "LoadBalancerNotFound",
                        format!("Load balancer '{a}' not found"),
                    ));
                }
            }
        }
    }
    Ok(())
}

pub(super) fn add_tags(ctx: &mut Ctx, input: m::AddTagsInput) -> R<m::AddTagsOutput> {
    let arns = input.resource_arns.unwrap_or_default();
    existing(ctx, &arns)?;
    let add: Vec<(String, String)> = input
        .tags
        .unwrap_or_default()
        .into_iter()
        .map(|t| (t.key.unwrap_or_default(), t.value.unwrap_or_default()))
        .collect();
    let keys: BTreeSet<&String> = add.iter().map(|(k, _)| k).collect();
    if keys.len() != add.len() {
        return Err(AwsError::new(
            "DuplicateTagKeys",
            "A tag key was specified more than once",
        ));
    }
    for a in &arns {
        let have = tags_of(&ctx.acct().elbv2, a).cloned().unwrap_or_default();
        let total: BTreeSet<&String> = have
            .iter()
            .map(|(k, _)| k)
            .chain(keys.iter().copied())
            .collect();
        if total.len() > 50 {
            return Err(AwsError::new(
                "TooManyTags",
                format!("The quota for the number of tags on '{a}' has been reached"),
            ));
        }
    }
    for a in &arns {
        if let Some(tags) = tags_of_mut(&mut ctx.acct_mut().elbv2, a) {
            for (k, v) in &add {
                match tags.iter_mut().find(|(e, _)| e == k) {
                    Some(t) => t.1 = v.clone(),
                    None => tags.push((k.clone(), v.clone())),
                }
            }
        }
    }
    Ok(m::AddTagsOutput {})
}

pub(super) fn remove_tags(ctx: &mut Ctx, input: m::RemoveTagsInput) -> R<m::RemoveTagsOutput> {
    let arns = input.resource_arns.unwrap_or_default();
    existing(ctx, &arns)?;
    let keys = input.tag_keys.unwrap_or_default();
    for a in &arns {
        if let Some(tags) = tags_of_mut(&mut ctx.acct_mut().elbv2, a) {
            tags.retain(|(k, _)| !keys.contains(k));
        }
    }
    Ok(m::RemoveTagsOutput {})
}

pub(super) fn describe_tags(
    ctx: &mut Ctx,
    input: m::DescribeTagsInput,
) -> R<m::DescribeTagsOutput> {
    let arns = input.resource_arns.unwrap_or_default();
    existing(ctx, &arns)?;
    let st = &ctx.acct().elbv2;
    Ok(m::DescribeTagsOutput {
        tag_descriptions: Some(
            arns.iter()
                .map(|a| m::TagDescription {
                    resource_arn: Some(a.clone()),
                    tags: Some(
                        tags_of(st, a)
                            .cloned()
                            .unwrap_or_default()
                            .into_iter()
                            .map(|(k, v)| m::Tag {
                                key: Some(k),
                                value: Some(v),
                            })
                            .collect(),
                    ),
                })
                .collect(),
        ),
    })
}
