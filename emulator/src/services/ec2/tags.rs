//! Tags on EC2 resources: `TagSpecification` on create, CreateTags,
//! DeleteTags, DescribeTags.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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

    /// Checks that `add` can be merged in (CreateTags); nothing changes on
    /// error.
    pub fn check_add(&self, add: &[(String, String)]) -> Result<(), AwsError> {
        for (k, v) in add {
            validate_tag(k, v, Reserved::Named)?;
        }
        self.check_count(add)
    }

    /// At most 50 keys once merged: a key already there is overwritten and
    /// does not count twice [R: moto#8150, tried against AWS].
    fn check_count(&self, add: &[(String, String)]) -> Result<(), AwsError> {
        let mut keys: std::collections::BTreeSet<&str> = self.keys().collect();
        keys.extend(add.iter().map(|(k, _)| k.as_str()));
        if keys.len() > MAX_TAGS {
            return Err(tag_limit());
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

/// AWS's code when a resource would have more than 50 tags. The message is
/// the one moto and Eucalyptus give [T].
pub(crate) fn tag_limit() -> AwsError {
    AwsError::new(
        "TagLimitExceeded",
        "The maximum number of Tags for a resource has been reached.",
    )
}

/// How an `aws:` key is refused: CreateTags and DeleteTags name the key
/// [R: kubernetes-sigs/cluster-api-provider-aws#5120, chef-provisioning-aws#555
/// (a delete)], a `TagSpecification` does not [R: jcjorel/ec2-spot-converter#13,
/// RunInstances].
#[derive(Clone, Copy)]
pub(crate) enum Reserved {
    Named,
    Unnamed,
}

/// `aws:` in any letter case is AWS's (the tagging guide says so) [U for
/// the upper-case forms].
pub(crate) fn check_reserved(key: &str, how: Reserved) -> Result<(), AwsError> {
    if !key.to_ascii_lowercase().starts_with("aws:") {
        return Ok(());
    }
    let why = "Tag keys starting with 'aws:' are reserved for internal use";
    Err(match how {
        Reserved::Named => AwsError::new(
            "InvalidParameterValue",
            format!("Value ( {key} ) for parameter key is invalid. {why}"),
        ),
        Reserved::Unnamed => AwsError::new("InvalidParameterValue", why),
    })
}

/// Keys of 1 to 128 Unicode characters, values of at most 256. The value
/// message is AWS's [R: iriusrisk/GoCD-EC2-Elastic-Agent-Plugin#24]; the key
/// ones follow it [U].
fn validate_tag(key: &str, value: &str, how: Reserved) -> Result<(), AwsError> {
    if key.is_empty() {
        return Err(AwsError::new(
            "InvalidParameterValue",
            "Tag key cannot be null or empty",
        ));
    }
    if key.chars().count() > 128 {
        return Err(AwsError::new(
            "InvalidParameterValue",
            "Tag key exceeds the maximum length of 128 characters",
        ));
    }
    if value.chars().count() > 256 {
        return Err(AwsError::new(
            "InvalidParameterValue",
            "Tag value exceeds the maximum length of 256 characters",
        ));
    }
    check_reserved(key, how)
}

pub(super) fn pairs(tags: Option<Vec<m::Tag>>) -> Vec<(String, String)> {
    tags.unwrap_or_default()
        .into_iter()
        .map(|t| (t.key.unwrap_or_default(), t.value.unwrap_or_default()))
        .collect()
}

/// The tags of the `TagSpecification`s meant for `resource_type`, validated.
/// A specification for another resource type is refused, as AWS does
/// [T: moto, and the message is quoted in many user reports].
pub fn from_specs(
    specs: Option<Vec<m::TagSpecification>>,
    resource_type: &str,
) -> Result<Tags, AwsError> {
    Ok(from_specs_for(specs, &[resource_type])?.remove(0))
}

/// The tags of the `TagSpecification`s of an operation that tags several
/// kinds (RunInstances: `instance`, `volume`, `network-interface`), one set
/// per kind in the order of `resource_types`, validated as `from_specs` does.
pub fn from_specs_for(
    specs: Option<Vec<m::TagSpecification>>,
    resource_types: &[&str],
) -> Result<Vec<Tags>, AwsError> {
    let mut out = vec![Tags::default(); resource_types.len()];
    let mut seen = vec![false; resource_types.len()];
    for spec in specs.unwrap_or_default() {
        let Some(t) = spec.resource_type.as_deref().filter(|t| !t.is_empty()) else {
            // [T: moto]
            return Err(AwsError::new(
                "InvalidParameter",
                "Tag specification resource type must have a value",
            ));
        };
        let Some(k) = resource_types.iter().position(|r| *r == t) else {
            return Err(AwsError::new(
                "InvalidParameterValue",
                format!("'{t}' is not a valid taggable resource type for this operation."),
            ));
        };
        if seen[k] {
            // [U]
            return Err(AwsError::new(
                "InvalidParameterValue",
                "The same resource type may not be specified more than once in tag specifications",
            ));
        }
        seen[k] = true;
        let add = pairs(spec.tags);
        if add.is_empty() {
            // [T: moto]
            return Err(AwsError::new(
                "InvalidParameterValue",
                "Tag specification must have at least one tag",
            ));
        }
        for (key, v) in &add {
            validate_tag(key, v, Reserved::Unnamed)?;
        }
        out[k].check_count(&add)?;
        out[k].add(add);
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
        "sgr" => "security-group-rule",
        // Instances and their volumes (instances/).
        "i" => "instance",
        "vol" => "volume",
        _ => return None,
    })
}
