//! What a service's scenario mapping uses: the parsed file and where each
//! resource stands in it (for `file:line: field` errors), local names,
//! the checks and pins of values AWS would generate. Names no service.

use std::collections::HashMap;

use super::format;
use super::format::Scenario;
use super::source::Source;
use crate::wire::{AwsError, Timestamp};
use crate::world::ids::is_valid_id;
use crate::world::{Identity, Services, World};

/// A parsed scenario and its source, kept to re-apply on reset.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub source: Source,
    pub scenario: Scenario,
}

/// `file:line: field: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError(pub String);

impl std::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Loaded {
    pub fn error(&self, path: &str, message: impl std::fmt::Display) -> ScenarioError {
        ScenarioError(format!(
            "{}:{}: {path}: {message}",
            self.source.file,
            self.source.line_of(path)
        ))
    }
}

/// Local names → ids, per account and Region.
#[derive(Default)]
pub struct Names {
    pub ids: HashMap<(String, String, &'static str, String), String>,
    /// Account label → id.
    pub accounts: HashMap<String, String>,
}

impl Names {
    pub fn get(
        &self,
        account: &str,
        region: &str,
        kind: &'static str,
        name: &str,
    ) -> Option<String> {
        self.ids
            .get(&(
                account.to_string(),
                region.to_string(),
                kind,
                name.to_string(),
            ))
            .cloned()
    }

    pub fn put(&mut self, account: &str, region: &str, kind: &'static str, name: &str, id: String) {
        self.ids.insert(
            (
                account.to_string(),
                region.to_string(),
                kind,
                name.to_string(),
            ),
            id,
        );
    }
}

/// Where in which scenario a resource stands.
pub struct At<'a> {
    pub loaded: &'a Loaded,
    pub account: &'a str,
    pub region: &'a str,
    pub path: String,
}

impl At<'_> {
    pub fn err(&self, field: &str, message: impl std::fmt::Display) -> ScenarioError {
        let path = if field.is_empty() {
            self.path.clone()
        } else {
            format!("{}.{field}", self.path)
        };
        self.loaded.error(&path, message)
    }

    pub fn aws(&self, e: AwsError) -> ScenarioError {
        let field = match e.code.as_ref() {
            "InvalidSubnet.Range" | "InvalidSubnet.Conflict" | "InvalidVpc.Range" => "cidr",
            _ => "",
        };
        self.err(field, format!("{}: {}", e.code, e.message))
    }

    pub fn who(&self) -> Identity {
        Identity::root(self.account, self.region)
    }
}

/// What a resource declares of the values AWS would generate for it (ids,
/// addresses, its creation time), checked first and then pinned while its
/// creating call runs: all are unpinned afterwards, whatever the call did, so
/// an unused pin never reaches a later resource.
#[derive(Default)]
pub struct Pins {
    values: Vec<(&'static str, serde_json::Value)>,
    time: Option<i64>,
}

pub fn bad(at: &At<'_>, field: &str, value: &str, what: &str) -> ScenarioError {
    at.err(field, format!("'{value}' is not {what}"))
}

impl Pins {
    /// An id `prefix-` + 8 or 17 hex digits.
    pub fn id(
        self,
        at: &At<'_>,
        field: &str,
        prefix: &'static str,
        id: Option<&String>,
    ) -> Result<Self, ScenarioError> {
        self.ids(at, field, prefix, id.into_iter().map(Some))
    }

    /// Ids taken in order; `None` holds a place (that one is generated).
    pub fn ids<'a>(
        mut self,
        at: &At<'_>,
        field: &str,
        prefix: &'static str,
        ids: impl IntoIterator<Item = Option<&'a String>>,
    ) -> Result<Self, ScenarioError> {
        for id in ids {
            if let Some(id) = id {
                if !is_valid_id(id, prefix) {
                    return Err(bad(
                        at,
                        field,
                        id,
                        &format!("a {prefix}- id (prefix and 8 or 17 lower-case hex digits)"),
                    ));
                }
            }
            self.values
                .push((prefix, id.cloned().unwrap_or_default().into()));
        }
        Ok(self)
    }

    /// A value pinned under `key`, as the service that takes it reads it.
    pub fn push(mut self, key: &'static str, v: serde_json::Value) -> Self {
        self.values.push((key, v));
        self
    }

    /// A value with no shape to check.
    pub fn value(mut self, key: &'static str, v: Option<&String>) -> Self {
        if let Some(v) = v {
            self.values.push((key, v.clone().into()));
        }
        self
    }

    pub fn time(
        mut self,
        at: &At<'_>,
        field: &str,
        t: Option<&String>,
    ) -> Result<Self, ScenarioError> {
        if let Some(t) = t {
            self.time = Some(timestamp(at, field, t)?);
        }
        Ok(self)
    }

    /// Network interfaces, taken in order by the interfaces the call creates.
    /// One network interface, the entry's own (its fields at the top).
    pub fn eni(mut self, at: &At<'_>, n: &format::NetworkInterface) -> Result<Self, ScenarioError> {
        let v = eni(at, "", n)?;
        self.values.push(("network-interface", v));
        Ok(self)
    }

    pub fn enis(
        mut self,
        at: &At<'_>,
        field: &str,
        enis: &[format::NetworkInterface],
    ) -> Result<Self, ScenarioError> {
        for (i, n) in enis.iter().enumerate() {
            let v = eni(at, &format!("{field}[{i}]"), n)?;
            self.values.push(("network-interface", v));
        }
        Ok(self)
    }

    /// Runs `create` with the values pinned: the ids it makes, its time.
    pub fn run<S: Services, T>(&self, world: &World<S>, create: impl FnOnce() -> T) -> T {
        /// Unpins on the way out, whatever `create` did (panics included).
        struct Unpin<'a, S: Services>(&'a World<S>, &'a Pins);
        impl<S: Services> Drop for Unpin<'_, S> {
            fn drop(&mut self) {
                self.0.clock.pin(None);
                for (key, _) in &self.1.values {
                    self.0.ids.unpin(key);
                }
            }
        }
        for (key, v) in &self.values {
            world.ids.pin(key, v.clone());
        }
        if self.time.is_some() {
            world.clock.pin(self.time);
        }
        let _unpin = Unpin(world, self);
        create()
    }
}

pub fn timestamp(at: &At<'_>, field: &str, t: &str) -> Result<i64, ScenarioError> {
    Timestamp::parse(t)
        .filter(|_| t.contains('T'))
        .map(|t| t.millis())
        .ok_or_else(|| {
            bad(
                at,
                field,
                t,
                "a time (ISO 8601, e.g. 2024-05-01T12:00:00.000Z)",
            )
        })
}

/// A network interface's pin, checked.
pub fn eni(
    at: &At<'_>,
    field: &str,
    n: &format::NetworkInterface,
) -> Result<serde_json::Value, ScenarioError> {
    // `field.x`, or `x` when the interface is the entry itself.
    let sub = |x: &str| {
        if field.is_empty() {
            x.to_string()
        } else {
            format!("{field}.{x}")
        }
    };
    if let Some(id) = &n.id {
        if !is_valid_id(id, "eni") {
            return Err(bad(at, &sub("id"), id, "an eni- id"));
        }
    }
    for (f, ip) in [("privateIp", &n.private_ip), ("publicIp", &n.public_ip)] {
        if let Some(ip) = ip {
            if ip.parse::<std::net::Ipv4Addr>().is_err() {
                return Err(bad(at, &sub(f), ip, "an IPv4 address"));
            }
        }
    }
    if let Some(mac) = &n.mac {
        let parts: Vec<&str> = mac.split(':').collect();
        let ok = parts.len() == 6
            && parts
                .iter()
                .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()));
        if !ok {
            return Err(bad(
                at,
                &sub("mac"),
                mac,
                "a MAC address (0e:12:34:56:78:9a)",
            ));
        }
    }
    Ok(serde_json::json!({
        "id": n.id,
        "privateIp": n.private_ip,
        "mac": n.mac,
        "publicIp": n.public_ip,
    }))
}

/// Resolves a list of local names (or literal ids) of `kind`.
pub fn refs(
    names: &Names,
    at: &At<'_>,
    field: &str,
    kind: &'static str,
    prefix: &str,
    values: &[String],
) -> Result<Vec<String>, ScenarioError> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            names
                .get(at.account, at.region, kind, v)
                .or_else(|| v.starts_with(&format!("{prefix}-")).then(|| v.clone()))
                .ok_or_else(|| {
                    at.err(
                        &format!("{field}[{i}]"),
                        format!("no {kind} named '{v}' in this account and Region"),
                    )
                })
        })
        .collect()
}

pub fn one_ref(
    names: &Names,
    at: &At<'_>,
    field: &str,
    kind: &'static str,
    prefix: &str,
    value: &str,
) -> Result<String, ScenarioError> {
    names
        .get(at.account, at.region, kind, value)
        .or_else(|| {
            value
                .starts_with(&format!("{prefix}-"))
                .then(|| value.to_string())
        })
        .ok_or_else(|| {
            at.err(
                field,
                format!("no {kind} named '{value}' in this account and Region"),
            )
        })
}

/// One account's resources in one Region of one scenario file, being
/// applied.
pub struct Phase<'a> {
    pub loaded: &'a Loaded,
    pub account: &'a str,
    pub region: &'a str,
    pub base: &'a str,
}

impl Phase<'_> {
    pub fn at(&self, path: String) -> At<'_> {
        At {
            loaded: self.loaded,
            account: self.account,
            region: self.region,
            path,
        }
    }
}

/// A time as scenario files write it.
pub fn time(t: Timestamp) -> String {
    t.to_iso8601()
}
