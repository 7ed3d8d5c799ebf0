//! Tags on EC2 resources: `TagSpecification` on create, CreateTags,
//! DeleteTags, DescribeTags.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::query::{paginate, Filters};
use super::{errors, Ec2};
use crate::wire::AwsError;
use crate::model::ec2 as m;
use crate::world::Ctx;

/// A resource's tags, by key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Tags(BTreeMap<String, String>);

const MAX_TAGS: usize = 50;

impl Tags {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.0.values().map(String::as_str)
    }
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The wire form; `tagSet` is always present, possibly empty.
    pub fn to_model(&self) -> Vec<m::Tag> {
        self.0
            .iter()
            .map(|(k, v)| m::Tag {
                key: Some(k.clone()),
                value: Some(v.clone()),
            })
            .collect()
    }

    /// Checks that `add` can be merged in; nothing changes on error.
    pub fn check_add(&self, add: &[(String, String)]) -> Result<(), AwsError> {
        for (k, v) in add {
            validate_tag(k, v)?;
        }
        let mut keys: std::collections::BTreeSet<&str> = self.keys().collect();
        keys.extend(add.iter().map(|(k, _)| k.as_str()));
        if keys.len() > MAX_TAGS {
            return Err(AwsError::new(
                "TagLimitExceeded",
                format!("The maximum number of tags per resource ({MAX_TAGS}) has been exceeded."),
            ));
        }
        Ok(())
    }

    pub fn add(&mut self, add: Vec<(String, String)>) {
        self.0.extend(add);
    }

    /// DeleteTags semantics: no value deletes the key; a value (even empty)
    /// deletes it only when it matches.
    pub fn remove(&mut self, key: &str, value: Option<&str>) {
        if value.is_none_or(|v| self.get(key) == Some(v)) {
            self.0.remove(key);
        }
    }
}

fn validate_tag(key: &str, value: &str) -> Result<(), AwsError> {
    if key.is_empty() || key.chars().count() > 128 {
        return Err(errors::invalid_value(
            "Tag.Key",
            key,
            "Tag keys must be between 1 and 128 characters.",
        ));
    }
    if value.chars().count() > 256 {
        return Err(errors::invalid_value(
            "Tag.Value",
            value,
            "Tag values must be at most 256 characters.",
        ));
    }
    if key.to_ascii_lowercase().starts_with("aws:") {
        return Err(AwsError::new(
            "InvalidParameterValue",
            format!("Tag keys starting with 'aws:' are reserved for internal use ({key})."),
        ));
    }
    Ok(())
}

fn pairs(tags: Option<Vec<m::Tag>>) -> Vec<(String, String)> {
    tags.unwrap_or_default()
        .into_iter()
        .map(|t| (t.key.unwrap_or_default(), t.value.unwrap_or_default()))
        .collect()
}

/// The tags of the `TagSpecification`s meant for `resource_type`, validated.
/// A specification for another resource type is refused, as AWS does.
pub fn from_specs(
    specs: Option<Vec<m::TagSpecification>>,
    resource_type: &str,
) -> Result<Tags, AwsError> {
    let mut out = Tags::default();
    for spec in specs.unwrap_or_default() {
        if let Some(t) = spec.resource_type.as_deref() {
            if t != resource_type {
                return Err(AwsError::new(
                    "InvalidParameterValue",
                    format!("'{t}' is not a valid taggable resource type for this operation."),
                ));
            }
        }
        let add = pairs(spec.tags);
        out.check_add(&add)?;
        out.add(add);
    }
    Ok(out)
}

/// The kind of resource an id names, by prefix, as DescribeTags reports it.
pub fn resource_type_of(id: &str) -> Option<&'static str> {
    let prefix = id.rsplit_once('-').map(|(p, _)| p)?;
    Some(match prefix {
        "vpc" => "vpc",
        "subnet" => "subnet",
        "sg" => "security-group",
        "rtb" => "route-table",
        "eni" => "network-interface",
        "vpce" => "vpc-endpoint",
        "vpce-svc" => "vpc-endpoint-service",
        "dopt" => "dhcp-options",
        _ => return None,
    })
}

impl Ec2 {
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

    pub(super) fn create_tags(ctx: &mut Ctx, input: m::CreateTagsRequest) -> Result<(), AwsError> {
        let ids = input.resources.unwrap_or_default();
        let add = pairs(input.tags);
        if add.is_empty() {
            return Err(errors::missing("Tag"));
        }
        for id in &ids {
            Self::tags_of(ctx, id)?.check_add(&add)?;
        }
        ctx.dry_run(input.dry_run)?;
        for id in &ids {
            if let Some(t) = Self::tags_mut(ctx, id) {
                t.add(add.clone());
            }
        }
        Ok(())
    }

    pub(super) fn delete_tags(ctx: &mut Ctx, input: m::DeleteTagsRequest) -> Result<(), AwsError> {
        let ids = input.resources.unwrap_or_default();
        for id in &ids {
            Self::tags_of(ctx, id)?;
        }
        ctx.dry_run(input.dry_run)?;
        let specs = input.tags;
        for id in &ids {
            if let Some(t) = Self::tags_mut(ctx, id) {
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

    pub(super) fn describe_tags(
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
}
