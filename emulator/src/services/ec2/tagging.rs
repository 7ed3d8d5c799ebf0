//! CreateTags, DeleteTags and DescribeTags, over every taggable EC2
//! resource.

use super::errors;
use super::query::{paginate, Filters};
use super::tags::{pairs, resource_type_of, Tags};
use crate::model::ec2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

pub(super) fn tags_of(ctx: &Ctx, id: &str) -> Result<Tags, AwsError> {
    let st = &ctx.acct().ec2;
    let tags = match resource_type_of(id) {
        Some("vpc") => st
            .vpcs
            .get(id)
            .map(|r| &r.tags)
            .ok_or_else(|| errors::vpc_not_found(id)),
        Some("subnet") => st
            .subnets
            .get(id)
            .map(|r| &r.tags)
            .ok_or_else(|| errors::subnet_not_found(id)),
        Some("security-group") => st
            .security_groups
            .get(id)
            .map(|r| &r.tags)
            .ok_or_else(|| errors::group_not_found(id)),
        Some("route-table") => st
            .route_tables
            .get(id)
            .map(|r| &r.tags)
            .ok_or_else(|| errors::route_table_not_found(id)),
        Some("network-interface") => st
            .enis
            .get(id)
            .map(|r| &r.tags)
            .ok_or_else(|| errors::eni_not_found(id)),
        _ => Err(errors::invalid_id(id)),
    }?;
    Ok(tags.clone())
}

fn tags_mut<'a>(ctx: &'a mut Ctx, id: &str) -> Option<&'a mut Tags> {
    let st = &mut ctx.acct_mut().ec2;
    match resource_type_of(id)? {
        "vpc" => st.vpcs.get_mut(id).map(|r| &mut r.tags),
        "subnet" => st.subnets.get_mut(id).map(|r| &mut r.tags),
        "security-group" => st.security_groups.get_mut(id).map(|r| &mut r.tags),
        "route-table" => st.route_tables.get_mut(id).map(|r| &mut r.tags),
        "network-interface" => st.enis.get_mut(id).map(|r| &mut r.tags),
        "vpc-endpoint" => st.endpoints.get_mut(id).map(|r| &mut r.tags),
        _ => None,
    }
}

pub(super) fn create(ctx: &mut Ctx, input: m::CreateTagsRequest) -> Result<(), AwsError> {
    let ids = input.resources.unwrap_or_default();
    let add = pairs(input.tags);
    if add.is_empty() {
        return Err(errors::missing("Tag"));
    }
    for id in &ids {
        tags_of(ctx, id)?.check_add(&add)?;
    }
    ctx.dry_run(input.dry_run)?;
    for id in &ids {
        if let Some(t) = tags_mut(ctx, id) {
            t.add(add.clone());
        }
    }
    Ok(())
}

pub(super) fn delete(ctx: &mut Ctx, input: m::DeleteTagsRequest) -> Result<(), AwsError> {
    let ids = input.resources.unwrap_or_default();
    for id in &ids {
        tags_of(ctx, id)?;
    }
    ctx.dry_run(input.dry_run)?;
    let specs = input.tags;
    for id in &ids {
        if let Some(t) = tags_mut(ctx, id) {
            match &specs {
                None => *t = Tags::default(),
                Some(list) => {
                    for tag in list {
                        if let Some(k) = tag.key.as_deref() {
                            t.remove(k, tag.value.as_deref());
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

pub(super) fn describe(
    ctx: &mut Ctx,
    input: m::DescribeTagsRequest,
) -> Result<m::DescribeTagsResult, AwsError> {
    const NAMES: &[&str] = &["key", "value", "resource-id", "resource-type"];
    if let Some(n) = input.max_results {
        if !(5..=1000).contains(&n) {
            return Err(errors::invalid_value(
                "MaxResults",
                &n.to_string(),
                "Value must be between 5 and 1000.",
            ));
        }
    }
    let filters = Filters::parse(input.filters, NAMES)?;
    ctx.dry_run(input.dry_run)?;
    let st = &ctx.acct().ec2;
    let mut all: Vec<(String, &Tags)> = Vec::new();
    all.extend(st.vpcs.iter().map(|(k, v)| (k.clone(), &v.tags)));
    all.extend(st.subnets.iter().map(|(k, v)| (k.clone(), &v.tags)));
    all.extend(st.security_groups.iter().map(|(k, v)| (k.clone(), &v.tags)));
    all.extend(st.route_tables.iter().map(|(k, v)| (k.clone(), &v.tags)));
    all.extend(st.enis.iter().map(|(k, v)| (k.clone(), &v.tags)));
    all.extend(st.endpoints.iter().map(|(k, v)| (k.clone(), &v.tags)));
    let mut rows = Vec::new();
    for (id, tags) in all {
        let rtype = resource_type_of(&id).unwrap_or("");
        for (k, v) in tags.iter() {
            // Each tag is its own row; tag filters see just that tag.
            let mut single = Tags::default();
            single.add(vec![(k.to_string(), v.to_string())]);
            let keep = filters.matches(&single, |name| match name {
                "key" => vec![k.to_string()],
                "value" => vec![v.to_string()],
                "resource-id" => vec![id.clone()],
                "resource-type" => vec![rtype.to_string()],
                _ => vec![],
            });
            if keep {
                rows.push((
                    format!("{id}\u{0}{k}"),
                    m::TagDescription {
                        key: Some(k.to_string()),
                        value: Some(v.to_string()),
                        resource_id: Some(id.clone()),
                        resource_type: Some(rtype.to_string()),
                    },
                ));
            }
        }
    }
    let (page, next) = paginate(rows, input.max_results, input.next_token.as_deref())?;
    Ok(m::DescribeTagsResult {
        tags: Some(page),
        next_token: next,
    })
}
