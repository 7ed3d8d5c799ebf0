//! Tags on EC2 resources: `TagSpecification` on create, CreateTags,
//! DeleteTags, DescribeTags.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::errors;
use crate::model::ec2 as m;
use crate::wire::AwsError;

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

pub(super) fn pairs(tags: Option<Vec<m::Tag>>) -> Vec<(String, String)> {
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
        "igw" => "internet-gateway",
        "eigw" => "egress-only-internet-gateway",
        "eipalloc" => "elastic-ip",
        "nat" => "natgateway",
        "acl" => "network-acl",
        "i" => "instance",
        "vol" => "volume",
        _ => return None,
    })
}
