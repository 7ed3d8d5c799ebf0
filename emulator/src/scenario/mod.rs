//! Scenario files: a whole world in one file, applied through the same
//! service handlers as API calls (so it can never build a world the API
//! could not), in dependency order. Errors name the file, the line and the
//! field.

pub mod export;
pub mod format;
pub mod source;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::model::{ec2 as e, ecs as c, elbv2 as l};
use crate::services::World;
use crate::services::{ec2::Ec2, ecs::Ecs, elbv2::Elbv2};
use crate::wire::AwsError;
use crate::world::ids::is_valid_id;
use crate::world::{regions, Identity};
use format::Scenario;
use source::Source;

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
    fn error(&self, path: &str, message: impl std::fmt::Display) -> ScenarioError {
        ScenarioError(format!(
            "{}:{}: {path}: {message}",
            self.source.file,
            self.source.line_of(path)
        ))
    }
}

/// Reads a scenario file, or every `*.yaml`/`*.yml`/`*.json` of a folder in
/// name order.
pub fn read(path: &Path) -> Result<Vec<Loaded>, ScenarioError> {
    let mut files = Vec::new();
    if path.is_dir() {
        let entries = std::fs::read_dir(path)
            .map_err(|e| ScenarioError(format!("{}: {e}", path.display())))?;
        for entry in entries.flatten() {
            let p = entry.path();
            if matches!(
                p.extension().and_then(|x| x.to_str()),
                Some("yaml" | "yml" | "json")
            ) {
                files.push(p);
            }
        }
        files.sort();
    } else {
        files.push(path.to_path_buf());
    }
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f)
                .map_err(|e| ScenarioError(format!("{}: {e}", f.display())))?;
            parse(&f.display().to_string(), &text)
        })
        .collect()
}

/// Parses one scenario document.
pub fn parse(file: &str, text: &str) -> Result<Loaded, ScenarioError> {
    let source = source::parse(file, text).map_err(ScenarioError)?;
    let scenario: Scenario =
        serde_path_to_error::deserialize(source.value.clone()).map_err(|e| {
            let path = e.path().to_string();
            ScenarioError(format!(
                "{file}:{}: {path}: {}",
                source.line_of(&path),
                e.inner()
            ))
        })?;
    let loaded = Loaded { source, scenario };
    if loaded.scenario.version != 1 {
        return Err(loaded.error("version", "only version 1 is known"));
    }
    Ok(loaded)
}

/// Local names → ids, per account and Region.
#[derive(Default)]
struct Names {
    ids: HashMap<(String, String, &'static str, String), String>,
    /// Account label → id.
    accounts: HashMap<String, String>,
}

impl Names {
    fn get(&self, account: &str, region: &str, kind: &'static str, name: &str) -> Option<String> {
        self.ids
            .get(&(
                account.to_string(),
                region.to_string(),
                kind,
                name.to_string(),
            ))
            .cloned()
    }

    fn put(&mut self, account: &str, region: &str, kind: &'static str, name: &str, id: String) {
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
struct At<'a> {
    loaded: &'a Loaded,
    account: &'a str,
    region: &'a str,
    path: String,
}

impl At<'_> {
    fn err(&self, field: &str, message: impl std::fmt::Display) -> ScenarioError {
        let path = if field.is_empty() {
            self.path.clone()
        } else {
            format!("{}.{field}", self.path)
        };
        self.loaded.error(&path, message)
    }

    fn aws(&self, e: AwsError) -> ScenarioError {
        let field = match e.code.as_ref() {
            "InvalidSubnet.Range" | "InvalidSubnet.Conflict" | "InvalidVpc.Range" => "cidr",
            _ => "",
        };
        self.err(field, format!("{}: {}", e.code, e.message))
    }

    fn who(&self, world: &World) -> Identity {
        let _ = world;
        Identity {
            access_key: None,
            account: self.account.to_string(),
            region: self.region.to_string(),
            principal: format!("arn:aws:iam::{}:root", self.account),
        }
    }
}

/// AWS's allow-all egress rule, which every new security group has.
fn allow_all(r: &format::Rule) -> bool {
    r.protocol == "-1"
        && r.cidr.as_deref() == Some("0.0.0.0/0")
        && r.cidr_ipv6.is_none()
        && r.prefix_list.is_none()
        && r.source_group.is_none()
        && r.description.is_none()
        && r.port.is_none()
        && r.from_port.is_none()
        && r.to_port.is_none()
}

fn tags(kind: &str, t: &format::Tags) -> Option<Vec<e::TagSpecification>> {
    (!t.is_empty()).then(|| {
        vec![e::TagSpecification {
            resource_type: Some(kind.to_string()),
            tags: Some(
                t.iter()
                    .map(|(k, v)| e::Tag {
                        key: Some(k.clone()),
                        value: Some(v.clone()),
                    })
                    .collect(),
            ),
        }]
    })
}

fn ec2(world: &Arc<World>, at: &At<'_>, req: e::Request) -> Result<e::Response, ScenarioError> {
    let mut ctx = world.context(&at.who(world), "scenario");
    e::call(&Ec2, &mut ctx, req).map_err(|x| at.aws(x))
}

fn elbv2(world: &Arc<World>, at: &At<'_>, req: l::Request) -> Result<l::Response, ScenarioError> {
    let mut ctx = world.context(&at.who(world), "scenario");
    l::call(&Elbv2, &mut ctx, req).map_err(|x| at.aws(x))
}

/// An ECS call, as `principal` (an IAM ARN of the account) when given.
fn ecs(
    world: &Arc<World>,
    at: &At<'_>,
    principal: Option<&String>,
    req: c::Request,
) -> Result<c::Response, ScenarioError> {
    let mut who = at.who(world);
    if let Some(p) = principal {
        who.principal = p.clone();
    }
    let mut ctx = world.context(&who, "scenario");
    c::call(&Ecs, &mut ctx, req).map_err(|x| at.aws(x))
}

/// What a resource declares of the values AWS would generate for it (ids,
/// addresses, its creation time), checked first and then pinned while its
/// creating call runs: all are unpinned afterwards, whatever the call did, so
/// an unused pin never reaches a later resource.
#[derive(Default)]
struct Pins {
    values: Vec<(&'static str, serde_json::Value)>,
    time: Option<i64>,
}

fn bad(at: &At<'_>, field: &str, value: &str, what: &str) -> ScenarioError {
    at.err(field, format!("'{value}' is not {what}"))
}

impl Pins {
    /// An id `prefix-` + 8 or 17 hex digits.
    fn id(
        self,
        at: &At<'_>,
        field: &str,
        prefix: &'static str,
        id: Option<&String>,
    ) -> Result<Self, ScenarioError> {
        self.ids(at, field, prefix, id.into_iter().map(Some))
    }

    /// Ids taken in order; `None` holds a place (that one is generated).
    fn ids<'a>(
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

    /// A value with no shape to check.
    fn value(mut self, key: &'static str, v: Option<&String>) -> Self {
        if let Some(v) = v {
            self.values.push((key, v.clone().into()));
        }
        self
    }

    fn time(mut self, at: &At<'_>, field: &str, t: Option<&String>) -> Result<Self, ScenarioError> {
        if let Some(t) = t {
            self.time = Some(timestamp(at, field, t)?);
        }
        Ok(self)
    }

    /// Network interfaces, taken in order by the interfaces the call creates.
    fn enis(
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

    /// A task AWS starts: its id, attachment, containers and interface.
    fn task(
        mut self,
        at: &At<'_>,
        field: &str,
        t: &format::LaunchedTask,
    ) -> Result<Self, ScenarioError> {
        let sub = |f: &str| {
            if field.is_empty() {
                f.to_string()
            } else {
                format!("{field}.{f}")
            }
        };
        if let Some(id) = &t.id {
            if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad(at, &sub("id"), id, "a task id (32 hex digits)"));
            }
        }
        for (f, u) in t
            .attachment_id
            .iter()
            .map(|u| (sub("attachmentId"), u))
            .chain(
                t.container_ids
                    .iter()
                    .enumerate()
                    .map(|(i, u)| (sub(&format!("containerIds[{i}]")), u)),
            )
        {
            if uuid::Uuid::parse_str(u).is_err() {
                return Err(bad(at, &f, u, "a UUID"));
            }
        }
        let network_interface = match &t.network_interface {
            Some(n) => Some(eni(at, &sub("networkInterface"), n)?),
            None => None,
        };
        self.values.push((
            "ecs-task",
            serde_json::json!({
                "id": t.id,
                "attachmentId": t.attachment_id,
                "containerIds": t.container_ids,
                "networkInterface": network_interface,
            }),
        ));
        Ok(self)
    }

    fn run<T>(&self, world: &World, create: impl FnOnce() -> T) -> T {
        /// Unpins on the way out, whatever `create` did (panics included).
        struct Unpin<'a>(&'a World, &'a Pins);
        impl Drop for Unpin<'_> {
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

fn timestamp(at: &At<'_>, field: &str, t: &str) -> Result<i64, ScenarioError> {
    crate::wire::Timestamp::parse(t)
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
fn eni(
    at: &At<'_>,
    field: &str,
    n: &format::NetworkInterface,
) -> Result<serde_json::Value, ScenarioError> {
    if let Some(id) = &n.id {
        if !is_valid_id(id, "eni") {
            return Err(bad(at, &format!("{field}.id"), id, "an eni- id"));
        }
    }
    for (f, ip) in [("privateIp", &n.private_ip), ("publicIp", &n.public_ip)] {
        if let Some(ip) = ip {
            if ip.parse::<std::net::Ipv4Addr>().is_err() {
                return Err(bad(at, &format!("{field}.{f}"), ip, "an IPv4 address"));
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
                &format!("{field}.mac"),
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
fn refs(
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

fn one_ref(
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

/// Applies the scenarios, in order, through the service handlers, then
/// settles every transition so resources are in their declared states.
pub fn apply(world: &Arc<World>, all: &[Loaded]) -> Result<(), ScenarioError> {
    let mut names = Names::default();
    for loaded in all {
        for a in &loaded.scenario.accounts {
            if let Some(label) = &a.name {
                names.accounts.insert(label.clone(), a.id.clone());
            }
        }
    }
    // Each phase across every file, account and Region, so references can
    // point to anything an earlier phase made.
    let mut later = Vec::new();
    for phase in 0..5 {
        for loaded in all {
            for (ai, account) in loaded.scenario.accounts.iter().enumerate() {
                if phase == 0
                    && !(account.id.len() == 12 && account.id.bytes().all(|b| b.is_ascii_digit()))
                {
                    return Err(
                        loaded.error(&format!("accounts[{ai}].id"), "an account id is 12 digits")
                    );
                }
                for (region, res) in &account.regions {
                    let base = format!("accounts[{ai}].regions.{region}");
                    if phase == 0 && !regions::is_region_name(region) {
                        return Err(loaded.error(&base, format!("'{region}' is not a Region name")));
                    }
                    let ctx = Phase {
                        world,
                        loaded,
                        account: &account.id,
                        region,
                        base: &base,
                    };
                    if phase == 0 {
                        // The account's first call makes its default VPC: do
                        // that now (with the ids the scenario pins for it), so
                        // it does not take an id a resource pins.
                        ctx.default_vpc(res.default_vpc.as_ref())?;
                    }
                    match phase {
                        0 => ctx.network(&mut names, res)?,
                        1 => ctx.load_balancers(&mut names, res)?,
                        2 => ctx.endpoint_services(&mut names, res)?,
                        3 => ctx.endpoints(&mut names, res)?,
                        _ => ctx.ecs(&mut names, res, &mut later)?,
                    }
                }
            }
        }
    }
    world.settle();
    apply_later(world, later);
    Ok(())
}

/// Applies scenarios to `world` and keeps them: a reset applies them again.
pub fn load(world: &Arc<World>, scenarios: Vec<Loaded>) -> Result<(), ScenarioError> {
    apply(world, &scenarios)?;
    world.replay_on_reset(move |w| apply(w, &scenarios).map_err(|e| e.0));
    Ok(())
}

/// Today's world as a scenario (JSON value), for `/_awsemu/state`.
pub fn export(world: &World) -> serde_json::Value {
    let settings = format::Settings {
        pace: Some(world.config.pace),
        seed: world.config.seed,
        default_account: Some(world.config.default_account.clone()),
        sns_endpoints: world
            .config
            .sns_endpoints
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    };
    world.with_regions(|regions| export::scenario(regions, settings))
}

struct Phase<'a> {
    world: &'a Arc<World>,
    loaded: &'a Loaded,
    account: &'a str,
    region: &'a str,
    base: &'a str,
}

impl Phase<'_> {
    fn at(&self, path: String) -> At<'_> {
        At {
            loaded: self.loaded,
            account: self.account,
            region: self.region,
            path,
        }
    }

    fn default_vpc(&self, d: Option<&format::DefaultVpc>) -> Result<(), ScenarioError> {
        let at = self.at(format!("{}.defaultVpc", self.base));
        let d = d.cloned().unwrap_or_default();
        let pins = Pins::default()
            .id(&at, "id", "vpc", d.id.as_ref())?
            .id(
                &at,
                "cidrAssociationId",
                "vpc-cidr-assoc",
                d.cidr_association_id.as_ref(),
            )?
            .id(&at, "dhcpOptionsId", "dopt", d.dhcp_options_id.as_ref())?
            .id(
                &at,
                "defaultSecurityGroupId",
                "sg",
                d.default_security_group_id.as_ref(),
            )?
            .ids(
                &at,
                "defaultSecurityGroupRuleIds",
                "sgr",
                d.default_security_group_rule_ids.iter().map(Some),
            )?
            .id(
                &at,
                "mainRouteTableId",
                "rtb",
                d.main_route_table_id.as_ref(),
            )?
            .id(
                &at,
                "mainRouteTableAssociationId",
                "rtbassoc",
                d.main_route_table_association_id.as_ref(),
            )?
            .ids(&at, "subnets", "subnet", d.subnets.iter().map(Some))?;
        pins.run(self.world, || {
            drop(self.world.context(&at.who(self.world), "scenario"));
        });
        Ok(())
    }

    fn network(
        &self,
        names: &mut Names,
        res: &format::RegionResources,
    ) -> Result<(), ScenarioError> {
        let world = self.world;
        for (i, v) in res.vpcs.iter().enumerate() {
            let at = self.at(format!("{}.vpcs[{i}]", self.base));
            if v.cidr.parse::<ipnet::Ipv4Net>().is_err() {
                return Err(at.err("cidr", format!("'{}' is not an IPv4 CIDR block", v.cidr)));
            }
            let pins = Pins::default()
                .id(&at, "id", "vpc", v.id.as_ref())?
                .id(
                    &at,
                    "defaultSecurityGroupId",
                    "sg",
                    v.default_security_group_id.as_ref(),
                )?
                .ids(
                    &at,
                    "defaultSecurityGroupRuleIds",
                    "sgr",
                    v.default_security_group_rule_ids.iter().map(Some),
                )?
                .id(
                    &at,
                    "mainRouteTableId",
                    "rtb",
                    v.main_route_table_id.as_ref(),
                )?
                .id(
                    &at,
                    "mainRouteTableAssociationId",
                    "rtbassoc",
                    v.main_route_table_association_id.as_ref(),
                )?
                .id(
                    &at,
                    "cidrAssociationId",
                    "vpc-cidr-assoc",
                    v.cidr_association_id.as_ref(),
                )?
                .id(&at, "dhcpOptionsId", "dopt", v.dhcp_options_id.as_ref())?;
            let out = pins.run(world, || {
                ec2(
                    world,
                    &at,
                    e::Request::CreateVpc(e::CreateVpcRequest {
                        cidr_block: Some(v.cidr.clone()),
                        tag_specifications: tags("vpc", &v.tags),
                        ..Default::default()
                    }),
                )
            })?;
            let e::Response::CreateVpc(out) = out else {
                return Err(at.err("", "unexpected answer"));
            };
            let id = out.vpc.and_then(|v| v.vpc_id).unwrap_or_default();
            for (attr, value) in [("support", v.dns_support), ("hostnames", v.dns_hostnames)] {
                if let Some(b) = value {
                    let val = Some(e::AttributeBooleanValue { value: Some(b) });
                    let mut req = e::ModifyVpcAttributeRequest {
                        vpc_id: Some(id.clone()),
                        ..Default::default()
                    };
                    if attr == "support" {
                        req.enable_dns_support = val;
                    } else {
                        req.enable_dns_hostnames = val;
                    }
                    ec2(world, &at, e::Request::ModifyVpcAttribute(req))?;
                }
            }
            names.put(self.account, self.region, "vpc", &v.name, id);
        }
        let zones = regions::zones(self.region);
        for (i, s) in res.subnets.iter().enumerate() {
            let at = self.at(format!("{}.subnets[{i}]", self.base));
            let vpc = one_ref(names, &at, "vpc", "vpc", "vpc", &s.vpc)?;
            if s.cidr.parse::<ipnet::Ipv4Net>().is_err() {
                return Err(at.err("cidr", format!("'{}' is not an IPv4 CIDR block", s.cidr)));
            }
            if !zones.iter().any(|z| z.name == s.az || z.id == s.az) {
                let known: Vec<&str> = zones.iter().map(|z| z.name.as_str()).collect();
                return Err(at.err(
                    "az",
                    format!(
                        "'{}' is not an Availability Zone of {} ({})",
                        s.az,
                        self.region,
                        known.join(", ")
                    ),
                ));
            }
            let (az, az_id) = if s.az.contains("-az") {
                (None, Some(s.az.clone()))
            } else {
                (Some(s.az.clone()), None)
            };
            let pins = Pins::default().id(&at, "id", "subnet", s.id.as_ref())?;
            let out = pins.run(world, || {
                ec2(
                    world,
                    &at,
                    e::Request::CreateSubnet(e::CreateSubnetRequest {
                        vpc_id: Some(vpc),
                        cidr_block: Some(s.cidr.clone()),
                        availability_zone: az,
                        availability_zone_id: az_id,
                        tag_specifications: tags("subnet", &s.tags),
                        ..Default::default()
                    }),
                )
            })?;
            let e::Response::CreateSubnet(out) = out else {
                return Err(at.err("", "unexpected answer"));
            };
            names.put(
                self.account,
                self.region,
                "subnet",
                &s.name,
                out.subnet.and_then(|s| s.subnet_id).unwrap_or_default(),
            );
        }
        for (i, g) in res.security_groups.iter().enumerate() {
            let at = self.at(format!("{}.securityGroups[{i}]", self.base));
            let vpc = one_ref(names, &at, "vpc", "vpc", "vpc", &g.vpc)?;
            if g.group_name.as_deref() == Some("default") {
                // The VPC's own default group: it comes with the VPC, the
                // entry adds its rules and tags.
                let gid = {
                    let ctx = world.context(&at.who(world), "scenario");
                    ctx.acct()
                        .ec2
                        .vpcs
                        .get(&vpc)
                        .map(|v| v.default_security_group_id.clone())
                };
                let Some(gid) = gid else {
                    return Err(at.err("vpc", format!("no VPC '{vpc}' in this account and Region")));
                };
                if !g.tags.is_empty() {
                    ec2(
                        world,
                        &at,
                        e::Request::CreateTags(e::CreateTagsRequest {
                            resources: Some(vec![gid.clone()]),
                            tags: tags("security-group", &g.tags)
                                .and_then(|t| t.into_iter().next())
                                .and_then(|t| t.tags),
                            ..Default::default()
                        }),
                    )?;
                }
                names.put(self.account, self.region, "securityGroup", &g.name, gid);
                continue;
            }
            // A group starts with AWS's allow-all egress rule: kept when the
            // egress rules start with it, so it keeps its id and place.
            let kept = g.egress.as_ref().map_or(Some(None), |e| {
                e.first().filter(|r| allow_all(r)).map(|r| r.id.as_ref())
            });
            let pins = Pins::default().id(&at, "id", "sg", g.id.as_ref())?.id(
                &at,
                "egress[0].id",
                "sgr",
                kept.flatten(),
            )?;
            let out = pins.run(world, || {
                ec2(
                    world,
                    &at,
                    e::Request::CreateSecurityGroup(e::CreateSecurityGroupRequest {
                        group_name: Some(g.group_name.clone().unwrap_or_else(|| g.name.clone())),
                        description: Some(g.description.clone().unwrap_or_else(|| g.name.clone())),
                        vpc_id: Some(vpc),
                        tag_specifications: tags("security-group", &g.tags),
                        ..Default::default()
                    }),
                )
            })?;
            let e::Response::CreateSecurityGroup(out) = out else {
                return Err(at.err("", "unexpected answer"));
            };
            names.put(
                self.account,
                self.region,
                "securityGroup",
                &g.name,
                out.group_id.unwrap_or_default(),
            );
        }
        // Rules once every group exists, so they may refer to each other.
        for (i, g) in res.security_groups.iter().enumerate() {
            let at = self.at(format!("{}.securityGroups[{i}]", self.base));
            let id = one_ref(names, &at, "name", "securityGroup", "sg", &g.name)?;
            let perm = |r: &format::Rule, f: &str| -> Result<e::IpPermission, ScenarioError> {
                let mut p = e::IpPermission {
                    ip_protocol: Some(r.protocol.clone()),
                    from_port: r.from_port.or(r.port),
                    to_port: r.to_port.or(r.port),
                    ..Default::default()
                };
                if let Some(cidr) = &r.cidr {
                    p.ip_ranges = Some(vec![e::IpRange {
                        cidr_ip: Some(cidr.clone()),
                        description: r.description.clone(),
                    }]);
                }
                if let Some(src) = &r.source_group {
                    let gid = one_ref(
                        names,
                        &at,
                        &format!("{f}.sourceGroup"),
                        "securityGroup",
                        "sg",
                        src,
                    )?;
                    p.user_id_group_pairs = Some(vec![e::UserIdGroupPair {
                        group_id: Some(gid),
                        description: r.description.clone(),
                        ..Default::default()
                    }]);
                }
                if let Some(cidr) = &r.cidr_ipv6 {
                    p.ipv6_ranges = Some(vec![e::Ipv6Range {
                        cidr_ipv6: Some(cidr.clone()),
                        description: r.description.clone(),
                    }]);
                }
                if let Some(pl) = &r.prefix_list {
                    p.prefix_list_ids = Some(vec![e::PrefixListId {
                        prefix_list_id: Some(pl.clone()),
                        description: r.description.clone(),
                    }]);
                }
                let peers = [&r.cidr, &r.cidr_ipv6, &r.prefix_list, &r.source_group];
                if peers.iter().all(|p| p.is_none()) {
                    return Err(at.err(
                        f,
                        "a rule needs a cidr, cidrIpv6, prefixList or sourceGroup",
                    ));
                }
                Ok(p)
            };
            // One call for `rules[from..]`, their ids pinned in order.
            let authorize = |rules: &[format::Rule],
                             field: &str,
                             from: usize,
                             egress: bool|
             -> Result<(), ScenarioError> {
                if rules.len() <= from {
                    return Ok(());
                }
                let mut pins = Pins::default();
                let mut p = Vec::new();
                for (ri, r) in rules.iter().enumerate().skip(from) {
                    let f = format!("{field}[{ri}]");
                    p.push(perm(r, &f)?);
                    pins = pins.ids(&at, &format!("{f}.id"), "sgr", [r.id.as_ref()])?;
                }
                let req = if egress {
                    e::Request::AuthorizeSecurityGroupEgress(
                        e::AuthorizeSecurityGroupEgressRequest {
                            group_id: Some(id.clone()),
                            ip_permissions: Some(p),
                            ..Default::default()
                        },
                    )
                } else {
                    e::Request::AuthorizeSecurityGroupIngress(
                        e::AuthorizeSecurityGroupIngressRequest {
                            group_id: Some(id.clone()),
                            ip_permissions: Some(p),
                            ..Default::default()
                        },
                    )
                };
                pins.run(self.world, || ec2(self.world, &at, req))?;
                Ok(())
            };
            // The rules a group comes with, kept when the list starts with
            // them (so they keep their ids and places), else revoked.
            let default_group = g.group_name.as_deref() == Some("default");
            let from_itself = |r: &format::Rule| {
                r.protocol == "-1"
                    && r.cidr.is_none()
                    && r.cidr_ipv6.is_none()
                    && r.prefix_list.is_none()
                    && r.description.is_none()
                    && r.port.or(r.from_port).or(r.to_port).is_none()
                    && r.source_group
                        .as_ref()
                        .is_some_and(|s| *s == id || *s == g.name)
            };
            let keeps_self = default_group && g.ingress.first().is_some_and(from_itself);
            if default_group && !keeps_self {
                ec2(
                    self.world,
                    &at,
                    e::Request::RevokeSecurityGroupIngress(e::RevokeSecurityGroupIngressRequest {
                        group_id: Some(id.clone()),
                        ip_permissions: Some(vec![e::IpPermission {
                            ip_protocol: Some("-1".into()),
                            user_id_group_pairs: Some(vec![e::UserIdGroupPair {
                                group_id: Some(id.clone()),
                                ..Default::default()
                            }]),
                            ..Default::default()
                        }]),
                        ..Default::default()
                    }),
                )?;
            }
            authorize(&g.ingress, "ingress", usize::from(keeps_self), false)?;
            match &g.egress {
                None => {}
                Some(egress) if egress.first().is_some_and(allow_all) => {
                    authorize(egress, "egress", 1, true)?
                }
                Some(egress) => {
                    ec2(
                        self.world,
                        &at,
                        e::Request::RevokeSecurityGroupEgress(
                            e::RevokeSecurityGroupEgressRequest {
                                group_id: Some(id.clone()),
                                ip_permissions: Some(vec![e::IpPermission {
                                    ip_protocol: Some("-1".into()),
                                    ip_ranges: Some(vec![e::IpRange {
                                        cidr_ip: Some("0.0.0.0/0".into()),
                                        description: None,
                                    }]),
                                    ..Default::default()
                                }]),
                                ..Default::default()
                            },
                        ),
                    )?;
                    authorize(egress, "egress", 0, true)?;
                }
            }
        }
        for (i, t) in res.route_tables.iter().enumerate() {
            let at = self.at(format!("{}.routeTables[{i}]", self.base));
            let vpc = one_ref(names, &at, "vpc", "vpc", "vpc", &t.vpc)?;
            let subnets = refs(names, &at, "subnets", "subnet", "subnet", &t.subnets)?;
            let pins = Pins::default().id(&at, "id", "rtb", t.id.as_ref())?;
            let out = pins.run(world, || {
                ec2(
                    world,
                    &at,
                    e::Request::CreateRouteTable(e::CreateRouteTableRequest {
                        vpc_id: Some(vpc),
                        tag_specifications: tags("route-table", &t.tags),
                        ..Default::default()
                    }),
                )
            })?;
            let e::Response::CreateRouteTable(out) = out else {
                return Err(at.err("", "unexpected answer"));
            };
            let id = out
                .route_table
                .and_then(|r| r.route_table_id)
                .unwrap_or_default();
            if t.association_ids.len() > subnets.len() {
                return Err(at.err("associationIds", "one per subnet at most"));
            }
            for (si, s) in subnets.into_iter().enumerate() {
                let pins = Pins::default().id(
                    &at,
                    &format!("associationIds[{si}]"),
                    "rtbassoc",
                    t.association_ids.get(si),
                )?;
                pins.run(world, || {
                    ec2(
                        world,
                        &at,
                        e::Request::AssociateRouteTable(e::AssociateRouteTableRequest {
                            route_table_id: Some(id.clone()),
                            subnet_id: Some(s),
                            ..Default::default()
                        }),
                    )
                })?;
            }
            names.put(self.account, self.region, "routeTable", &t.name, id);
        }
        Ok(())
    }

    fn load_balancers(
        &self,
        names: &mut Names,
        res: &format::RegionResources,
    ) -> Result<(), ScenarioError> {
        for (i, lb) in res.load_balancers.iter().enumerate() {
            let at = self.at(format!("{}.loadBalancers[{i}]", self.base));
            let subnets = refs(names, &at, "subnets", "subnet", "subnet", &lb.subnets)?;
            let groups = refs(
                names,
                &at,
                "securityGroups",
                "securityGroup",
                "sg",
                &lb.security_groups,
            )?;
            let pin = match &lb.arn {
                Some(arn) => {
                    let hex = arn.rsplit('/').next().unwrap_or("");
                    let named = arn.split('/').rev().nth(1) == Some(lb.name.as_str());
                    if hex.len() != 16 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) || !named {
                        return Err(at.err(
                            "arn",
                            format!("'{arn}' is not an ARN of load balancer {}", lb.name),
                        ));
                    }
                    Some(hex.to_string())
                }
                None => None,
            };
            let pins = Pins::default()
                .value("elbv2-arn", pin.as_ref())
                .time(&at, "createdAt", lb.created_at.as_ref())?
                .enis(&at, "networkInterfaces", &lb.network_interfaces)?;
            let out = pins.run(self.world, || {
                elbv2(
                    self.world,
                    &at,
                    l::Request::CreateLoadBalancer(l::CreateLoadBalancerInput {
                        name: Some(lb.name.clone()),
                        type_: Some(lb.lb_type.clone().unwrap_or_else(|| "network".into())),
                        scheme: lb.scheme.clone(),
                        subnets: Some(subnets),
                        security_groups: (!groups.is_empty()).then_some(groups),
                        tags: (!lb.tags.is_empty()).then(|| {
                            lb.tags
                                .0
                                .iter()
                                .map(|(k, v)| l::Tag {
                                    key: Some(k.clone()),
                                    value: Some(v.clone()),
                                })
                                .collect()
                        }),
                        ..Default::default()
                    }),
                )
            });
            let l::Response::CreateLoadBalancer(out) = out? else {
                return Err(at.err("", "unexpected answer"));
            };
            let arn = out
                .load_balancers
                .and_then(|v| v.into_iter().next())
                .and_then(|lb| lb.load_balancer_arn)
                .unwrap_or_default();
            if !lb.attributes.is_empty() {
                elbv2(
                    self.world,
                    &at,
                    l::Request::ModifyLoadBalancerAttributes(
                        l::ModifyLoadBalancerAttributesInput {
                            load_balancer_arn: Some(arn.clone()),
                            attributes: Some(
                                lb.attributes
                                    .iter()
                                    .map(|(k, v)| l::LoadBalancerAttribute {
                                        key: Some(k.clone()),
                                        value: Some(v.clone()),
                                    })
                                    .collect(),
                            ),
                        },
                    ),
                )?;
            }
            names.put(self.account, self.region, "loadBalancer", &lb.name, arn);
        }
        Ok(())
    }

    fn notifications(
        &self,
        at: &At<'_>,
        list: &[format::Notification],
        service: Option<String>,
        endpoint: Option<String>,
    ) -> Result<(), ScenarioError> {
        for (i, n) in list.iter().enumerate() {
            let at_n = At {
                loaded: at.loaded,
                account: at.account,
                region: at.region,
                path: format!("{}.notifications[{i}]", at.path),
            };
            let pins = Pins::default().id(&at_n, "id", "vpce-nfn", n.id.as_ref())?;
            pins.run(self.world, || {
                ec2(
                    self.world,
                    &at_n,
                    e::Request::CreateVpcEndpointConnectionNotification(
                        e::CreateVpcEndpointConnectionNotificationRequest {
                            service_id: service.clone(),
                            vpc_endpoint_id: endpoint.clone(),
                            connection_notification_arn: Some(n.topic.clone()),
                            connection_events: Some(n.events.clone()),
                            ..Default::default()
                        },
                    ),
                )
            })?;
        }
        Ok(())
    }

    fn endpoint_services(
        &self,
        names: &mut Names,
        res: &format::RegionResources,
    ) -> Result<(), ScenarioError> {
        for (i, s) in res.endpoint_services.iter().enumerate() {
            let at = self.at(format!("{}.endpointServices[{i}]", self.base));
            let lbs = refs(
                names,
                &at,
                "loadBalancers",
                "loadBalancer",
                "arn:aws:elasticloadbalancing",
                &s.load_balancers,
            )?;
            let gateway = lbs.iter().any(|a| a.contains(":loadbalancer/gwy/"));
            let record = s.private_dns_record.as_ref();
            let pins = Pins::default()
                .id(&at, "id", "vpce-svc", s.id.as_ref())?
                .value("private-dns-record-name", record.map(|r| &r.name))
                .value("private-dns-record-value", record.map(|r| &r.value));
            let out = pins.run(self.world, || {
                ec2(
                    self.world,
                    &at,
                    e::Request::CreateVpcEndpointServiceConfiguration(
                        e::CreateVpcEndpointServiceConfigurationRequest {
                            acceptance_required: Some(s.acceptance_required),
                            private_dns_name: s.private_dns_name.clone(),
                            network_load_balancer_arns: (!gateway).then(|| lbs.clone()),
                            gateway_load_balancer_arns: gateway.then(|| lbs.clone()),
                            tag_specifications: tags("vpc-endpoint-service", &s.tags),
                            supported_regions: (!s.supported_regions.is_empty())
                                .then(|| s.supported_regions.clone()),
                            ..Default::default()
                        },
                    ),
                )
            })?;
            let e::Response::CreateVpcEndpointServiceConfiguration(out) = out else {
                return Err(at.err("", "unexpected answer"));
            };
            let cfg = out.service_configuration.unwrap_or_default();
            let id = cfg.service_id.unwrap_or_default();
            if s.permission_ids.len() > s.principals.len() {
                return Err(at.err("permissionIds", "one per principal at most"));
            }
            if !s.principals.is_empty() {
                let pins = Pins::default().ids(
                    &at,
                    "permissionIds",
                    "vpce-svc-perm",
                    s.permission_ids.iter().map(Some),
                )?;
                pins.run(self.world, || {
                    ec2(
                        self.world,
                        &at,
                        e::Request::ModifyVpcEndpointServicePermissions(
                            e::ModifyVpcEndpointServicePermissionsRequest {
                                service_id: Some(id.clone()),
                                add_allowed_principals: Some(s.principals.clone()),
                                ..Default::default()
                            },
                        ),
                    )
                })?;
            }
            if s.private_dns_verified {
                ec2(
                    self.world,
                    &at,
                    e::Request::StartVpcEndpointServicePrivateDnsVerification(
                        e::StartVpcEndpointServicePrivateDnsVerificationRequest {
                            service_id: Some(id.clone()),
                            ..Default::default()
                        },
                    ),
                )?;
            }
            self.notifications(&at, &s.notifications, Some(id.clone()), None)?;
            names.put(
                self.account,
                self.region,
                "endpointService",
                &s.name,
                id.clone(),
            );
            names.put(
                self.account,
                self.region,
                "endpointServiceName",
                &s.name,
                cfg.service_name.unwrap_or_default(),
            );
        }
        Ok(())
    }

    fn endpoints(
        &self,
        names: &mut Names,
        res: &format::RegionResources,
    ) -> Result<(), ScenarioError> {
        for (i, v) in res.vpc_endpoints.iter().enumerate() {
            let at = self.at(format!("{}.vpcEndpoints[{i}]", self.base));
            let vpc = one_ref(names, &at, "vpc", "vpc", "vpc", &v.vpc)?;
            // `<account>/<service>` names a custom service of the scenario.
            let service_region = v.service_region.as_deref().unwrap_or(self.region);
            if !regions::is_region_name(service_region) {
                return Err(bad(&at, "serviceRegion", service_region, "a Region name"));
            }
            let (service, provider) = match v.service.split_once('/') {
                Some((acct, svc)) if !v.service.starts_with("com.amazonaws") => {
                    let owner = names
                        .accounts
                        .get(acct)
                        .cloned()
                        .unwrap_or_else(|| acct.to_string());
                    let name = names
                        .get(&owner, service_region, "endpointServiceName", svc)
                        .ok_or_else(|| {
                            at.err(
                                "service",
                                format!(
                                    "no endpoint service '{svc}' of account '{acct}' in {service_region}"
                                ),
                            )
                        })?;
                    let id = names
                        .get(&owner, service_region, "endpointService", svc)
                        .unwrap_or_default();
                    (name, Some((owner, id)))
                }
                _ => (v.service.clone(), None),
            };
            let subnets = refs(names, &at, "subnets", "subnet", "subnet", &v.subnets)?;
            let groups = refs(
                names,
                &at,
                "securityGroups",
                "securityGroup",
                "sg",
                &v.security_groups,
            )?;
            let tables = refs(
                names,
                &at,
                "routeTables",
                "routeTable",
                "rtb",
                &v.route_tables,
            )?;
            let pins = Pins::default()
                .id(&at, "id", "vpce", v.id.as_ref())?
                .time(&at, "createdAt", v.created_at.as_ref())?
                .value("vpce-dns-suffix", v.dns_suffix.as_ref())
                .value("vpce-private-zone", v.private_zone_id.as_ref())
                .enis(&at, "networkInterfaces", &v.network_interfaces)?
                .id(&at, "connectionId", "vpce-con", v.connection_id.as_ref())?;
            let out = pins.run(self.world, || {
                ec2(
                    self.world,
                    &at,
                    e::Request::CreateVpcEndpoint(e::CreateVpcEndpointRequest {
                        vpc_id: Some(vpc),
                        service_name: Some(service),
                        vpc_endpoint_type: Some(
                            v.endpoint_type
                                .clone()
                                .unwrap_or_else(|| "Interface".into()),
                        ),
                        subnet_ids: (!subnets.is_empty()).then_some(subnets),
                        security_group_ids: (!groups.is_empty()).then_some(groups),
                        route_table_ids: (!tables.is_empty()).then_some(tables),
                        private_dns_enabled: v.private_dns,
                        policy_document: v.policy.clone(),
                        tag_specifications: tags("vpc-endpoint", &v.tags),
                        service_region: v.service_region.clone(),
                        ..Default::default()
                    }),
                )
            })?;
            let e::Response::CreateVpcEndpoint(out) = out else {
                return Err(at.err("", "unexpected answer"));
            };
            let ep = out.vpc_endpoint.unwrap_or_default();
            let id = ep.vpc_endpoint_id.unwrap_or_default();
            let initial = ep.state.unwrap_or_default();
            let wanted = v.state.clone().unwrap_or_else(|| "available".into());
            if let Some((owner, service_id)) = provider {
                let as_provider = At {
                    loaded: self.loaded,
                    account: &owner,
                    region: service_region,
                    path: at.path.clone(),
                };
                match (initial.as_str(), wanted.as_str()) {
                    ("pendingAcceptance", "available" | "pending") => {
                        ec2(
                            self.world,
                            &as_provider,
                            e::Request::AcceptVpcEndpointConnections(
                                e::AcceptVpcEndpointConnectionsRequest {
                                    service_id: Some(service_id),
                                    vpc_endpoint_ids: Some(vec![id.clone()]),
                                    ..Default::default()
                                },
                            ),
                        )?;
                    }
                    (_, "rejected") => {
                        ec2(
                            self.world,
                            &as_provider,
                            e::Request::RejectVpcEndpointConnections(
                                e::RejectVpcEndpointConnectionsRequest {
                                    service_id: Some(service_id),
                                    vpc_endpoint_ids: Some(vec![id.clone()]),
                                    ..Default::default()
                                },
                            ),
                        )?;
                    }
                    (s, w) if w == "pendingAcceptance" && s != "pendingAcceptance" => {
                        return Err(at.err(
                            "state",
                            "pendingAcceptance needs a service with acceptanceRequired: true",
                        ));
                    }
                    _ => {}
                }
            } else if wanted != "available" {
                return Err(at.err("state", format!("an endpoint to an AWS service is available; '{wanted}' needs a custom service")));
            }
            self.notifications(&at, &v.notifications, None, Some(id.clone()))?;
            names.put(self.account, self.region, "vpcEndpoint", &v.name, id);
        }
        Ok(())
    }

    fn ecs(
        &self,
        names: &mut Names,
        res: &format::RegionResources,
        later: &mut Vec<Later>,
    ) -> Result<(), ScenarioError> {
        let spec = &res.ecs;
        let tags = |t: &format::TagList| -> Option<Vec<c::Tag>> {
            (!t.is_empty()).then(|| {
                t.0.iter()
                    .map(|(k, v)| c::Tag {
                        key: Some(k.clone()),
                        value: Some(v.clone()),
                    })
                    .collect()
            })
        };
        for (i, cl) in spec.clusters.iter().enumerate() {
            let at = self.at(format!("{}.ecs.clusters[{i}]", self.base));
            let strategy = match &cl.default_capacity_provider_strategy {
                Some(v) => Some(serde_path_to_error::deserialize(v.clone()).map_err(|x| {
                    at.err(
                        &format!("defaultCapacityProviderStrategy{}", x.path()),
                        x.inner(),
                    )
                })?),
                None => None,
            };
            let configuration = match &cl.configuration {
                Some(v) => Some(
                    serde_path_to_error::deserialize(v.clone())
                        .map_err(|x| at.err(&format!("configuration.{}", x.path()), x.inner()))?,
                ),
                None => None,
            };
            ecs(
                self.world,
                &at,
                None,
                c::Request::CreateCluster(c::CreateClusterRequest {
                    cluster_name: Some(cl.name.clone()),
                    tags: tags(&cl.tags),
                    service_connect_defaults: cl
                        .service_connect_namespace
                        .clone()
                        .map(|n| c::ClusterServiceConnectDefaultsRequest { namespace: Some(n) }),
                    settings: (!cl.settings.is_empty()).then(|| {
                        cl.settings
                            .iter()
                            .map(|(k, v)| c::ClusterSetting {
                                name: Some(k.clone()),
                                value: Some(v.clone()),
                            })
                            .collect()
                    }),
                    capacity_providers: (!cl.capacity_providers.is_empty())
                        .then(|| cl.capacity_providers.clone()),
                    default_capacity_provider_strategy: strategy,
                    configuration,
                }),
            )?;
        }
        // Revisions deregistered once services and tasks that use them exist.
        let mut deregister = Vec::new();
        for (i, raw) in spec.task_definitions.iter().enumerate() {
            let at = self.at(format!("{}.ecs.taskDefinitions[{i}]", self.base));
            let mut raw = raw.clone();
            let mut take = |k: &str| match &mut raw {
                serde_json::Value::Object(m) => m.remove(k),
                _ => None,
            };
            let text = |v: Option<serde_json::Value>, field: &str| match v {
                None => Ok(None),
                Some(serde_json::Value::String(s)) => Ok(Some(s)),
                Some(other) => Err(at.err(field, format!("'{other}' is not a string"))),
            };
            let registered_at = text(take("registeredAt"), "registeredAt")?;
            let registered_by = text(take("registeredBy"), "registeredBy")?;
            let status = text(take("status"), "status")?;
            let deregistered_at = text(take("deregisteredAt"), "deregisteredAt")?;
            let req: c::RegisterTaskDefinitionRequest = serde_path_to_error::deserialize(raw)
                .map_err(|x| at.err(&x.path().to_string(), x.inner()))?;
            req.validate("")
                .map_err(|x| at.aws(crate::wire::json_wire_error(x)))?;
            let pins = Pins::default().time(&at, "registeredAt", registered_at.as_ref())?;
            let out = pins.run(self.world, || {
                ecs(
                    self.world,
                    &at,
                    registered_by.as_ref(),
                    c::Request::RegisterTaskDefinition(req),
                )
            })?;
            match status.as_deref() {
                None | Some("ACTIVE") => {}
                Some("INACTIVE") => {
                    let c::Response::RegisterTaskDefinition(out) = out else {
                        return Err(at.err("", "unexpected answer"));
                    };
                    let arn = out
                        .task_definition
                        .and_then(|d| d.task_definition_arn)
                        .unwrap_or_default();
                    let pins =
                        Pins::default().time(&at, "deregisteredAt", deregistered_at.as_ref())?;
                    deregister.push((i, arn, pins));
                }
                Some(other) => {
                    return Err(at.err("status", format!("'{other}' is not ACTIVE or INACTIVE")))
                }
            }
        }
        let network = |at: &At<'_>,
                       subnets: &[String],
                       groups: &[String],
                       public: Option<bool>|
         -> Result<c::NetworkConfiguration, ScenarioError> {
            Ok(c::NetworkConfiguration {
                awsvpc_configuration: Some(c::AwsVpcConfiguration {
                    subnets: Some(refs(names, at, "subnets", "subnet", "subnet", subnets)?),
                    security_groups: Some(refs(
                        names,
                        at,
                        "securityGroups",
                        "securityGroup",
                        "sg",
                        groups,
                    )?),
                    assign_public_ip: public.map(|p| if p { "ENABLED" } else { "DISABLED" }.into()),
                }),
            })
        };
        for (i, s) in spec.services.iter().enumerate() {
            let at = self.at(format!("{}.ecs.services[{i}]", self.base));
            let connect = match &s.service_connect_configuration {
                Some(v) => Some(
                    serde_path_to_error::deserialize::<_, c::ServiceConnectConfiguration>(
                        v.clone(),
                    )
                    .map_err(|x| {
                        at.err(
                            &format!("serviceConnectConfiguration.{}", x.path()),
                            x.inner(),
                        )
                    })?,
                ),
                None => None,
            };
            let net = network(&at, &s.subnets, &s.security_groups, s.assign_public_ip)?;
            let mut pins = Pins::default()
                .time(&at, "createdAt", s.created_at.as_ref())?
                .value("ecs-deployment", s.deployment_id.as_ref());
            for (di, d) in s.service_connect_discovery_ids.iter().enumerate() {
                if !d.starts_with("srv-") || d.len() < 5 {
                    return Err(bad(
                        &at,
                        &format!("serviceConnectDiscoveryIds[{di}]"),
                        d,
                        "a Cloud Map service id (srv-...)",
                    ));
                }
                pins = pins.value("service-discovery", Some(d));
            }
            for (ti, t) in s.tasks.iter().enumerate() {
                pins = pins.task(&at, &format!("tasks[{ti}]"), t)?;
            }
            let events = s
                .events
                .iter()
                .flatten()
                .enumerate()
                .map(|(ei, ev)| {
                    Ok(c::ServiceEvent {
                        id: Some(ev.id.clone()),
                        created_at: Some(crate::wire::Timestamp::from_millis(timestamp(
                            &at,
                            &format!("events[{ei}].createdAt"),
                            &ev.created_at,
                        )?)),
                        message: Some(ev.message.clone()),
                    })
                })
                .collect::<Result<Vec<_>, ScenarioError>>()?;
            let out = pins.run(self.world, || {
                ecs(
                    self.world,
                    &at,
                    s.created_by.as_ref(),
                    c::Request::CreateService(c::CreateServiceRequest {
                        cluster: Some(s.cluster.clone()),
                        service_name: Some(s.name.clone()),
                        task_definition: Some(s.task_definition.clone()),
                        desired_count: Some(s.desired_count),
                        launch_type: Some("FARGATE".into()),
                        network_configuration: Some(net),
                        service_connect_configuration: connect,
                        tags: tags(&s.tags),
                        ..Default::default()
                    }),
                )
            })?;
            if s.events.is_some() {
                let c::Response::CreateService(out) = out else {
                    return Err(at.err("", "unexpected answer"));
                };
                let arn = out.service.and_then(|s| s.service_arn).unwrap_or_default();
                later.push(Later::ServiceEvents {
                    account: self.account.to_string(),
                    region: self.region.to_string(),
                    service: arn
                        .split_once(":service/")
                        .map(|(_, k)| k.to_string())
                        .unwrap_or_default(),
                    events,
                });
            }
        }
        for (i, t) in spec.tasks.iter().enumerate() {
            let at = self.at(format!("{}.ecs.tasks[{i}]", self.base));
            let net = network(&at, &t.subnets, &t.security_groups, t.assign_public_ip)?;
            let launched = format::LaunchedTask {
                id: t.id.clone(),
                attachment_id: t.attachment_id.clone(),
                container_ids: t.container_ids.clone(),
                network_interface: t.network_interface.clone(),
            };
            let pins = Pins::default()
                .time(&at, "createdAt", t.created_at.as_ref())?
                .task(&at, "", &launched)?;
            let out = pins.run(self.world, || {
                ecs(
                    self.world,
                    &at,
                    None,
                    c::Request::RunTask(c::RunTaskRequest {
                        cluster: Some(t.cluster.clone()),
                        task_definition: Some(t.task_definition.clone()),
                        count: Some(t.count),
                        launch_type: Some("FARGATE".into()),
                        network_configuration: Some(net),
                        started_by: t.started_by.clone(),
                        group: t.group.clone(),
                        tags: tags(&t.tags),
                        ..Default::default()
                    }),
                )
            })?;
            let c::Response::RunTask(out) = out else {
                return Err(at.err("", "unexpected answer"));
            };
            match t.state.as_deref().unwrap_or("RUNNING") {
                "RUNNING" => {}
                "STOPPED" => {
                    let pins = Pins::default().time(&at, "stoppingAt", t.stopping_at.as_ref())?;
                    for task in out.tasks.unwrap_or_default() {
                        pins.run(self.world, || {
                            ecs(
                                self.world,
                                &at,
                                None,
                                c::Request::StopTask(c::StopTaskRequest {
                                    cluster: Some(t.cluster.clone()),
                                    task: task.task_arn,
                                    reason: t.stopped_reason.clone(),
                                }),
                            )
                        })?;
                    }
                }
                other => {
                    return Err(at.err("state", format!("'{other}' is not RUNNING or STOPPED")))
                }
            }
        }
        for (i, arn, pins) in deregister {
            let at = self.at(format!("{}.ecs.taskDefinitions[{i}]", self.base));
            pins.run(self.world, || {
                ecs(
                    self.world,
                    &at,
                    None,
                    c::Request::DeregisterTaskDefinition(c::DeregisterTaskDefinitionRequest {
                        task_definition: Some(arn),
                    }),
                )
            })?;
        }
        let _ = names;
        Ok(())
    }
}

/// What is applied once every transition has settled: history a scenario
/// declares rather than replays.
enum Later {
    ServiceEvents {
        account: String,
        region: String,
        /// `<cluster>/<service>`.
        service: String,
        events: Vec<c::ServiceEvent>,
    },
}

fn apply_later(world: &Arc<World>, later: Vec<Later>) {
    for l in later {
        match l {
            Later::ServiceEvents {
                account,
                region,
                service,
                events,
            } => {
                let who = Identity {
                    access_key: None,
                    principal: format!("arn:aws:iam::{account}:root"),
                    account,
                    region,
                };
                let mut ctx = world.context(&who, "scenario");
                if let Some(s) = ctx.acct_mut().ecs.services.get_mut(&service) {
                    s.model.events = Some(events);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::WorldConfig;

    #[test]
    fn errors_name_file_line_and_field() {
        let bad = "version: 1\naccounts:\n  - id: \"111111111111\"\n    regions:\n      us-east-1:\n        vpcs:\n          - name: v\n            cidr: 10.0.0.0/16\n        subnets:\n          - name: s\n            vpc: nope\n            cidr: 10.0.1.0/24\n            az: us-east-1a\n";
        let loaded = parse("w.yaml", bad).unwrap();
        let world = World::new(WorldConfig::default());
        let err = apply(&world, &[loaded]).unwrap_err().0;
        assert_eq!(err, "w.yaml:11: accounts[0].regions.us-east-1.subnets[0].vpc: no vpc named 'nope' in this account and Region");

        let unknown = "version: 1\naccounts:\n  - id: \"111111111111\"\n    colour: blue\n";
        let err = parse("u.yaml", unknown).unwrap_err().0;
        assert!(
            err.starts_with("u.yaml:4: accounts[0].colour: unknown field `colour`"),
            "{err}"
        );
    }

    #[test]
    fn a_refused_pin_leaves_no_pin_behind() {
        let text = "version: 1\naccounts:\n  - id: \"111111111111\"\n    regions:\n      us-east-1:\n        vpcs:\n          - name: v\n            id: vpc-0e000000000000001\n            defaultSecurityGroupId: nope\n            cidr: 10.0.0.0/16\n";
        let world = World::new(WorldConfig::default());
        let err = apply(&world, &[parse("p.yaml", text).unwrap()])
            .unwrap_err()
            .0;
        assert!(
            err.contains("vpcs[0].defaultSecurityGroupId: 'nope' is not a sg- id"),
            "{err}"
        );
        // The VPC's valid id was never pinned, so nothing later receives it.
        assert_ne!(world.ids.resource("vpc"), "vpc-0e000000000000001");
    }

    /// A scenario that pins what AWS generates: the values come back in the
    /// export, the creation time carries through the transitions that follow.
    const PINNED: &str = r#"
version: 1
settings: {pace: manual}
accounts:
  - id: "111111111111"
    regions:
      us-east-1:
        defaultVpc: {id: vpc-0d000000000000001, subnets: [subnet-0d000000000000001]}
        vpcs:
          - {name: v, cidr: 10.0.0.0/16, cidrAssociationId: vpc-cidr-assoc-0c000000000000001,
             mainRouteTableAssociationId: rtbassoc-0c000000000000001,
             defaultSecurityGroupRuleIds: [sgr-0c000000000000001, sgr-0c000000000000002]}
        subnets: [{name: a, vpc: v, cidr: 10.0.1.0/24, az: us-east-1a}]
        securityGroups:
          - name: g
            vpc: v
            ingress: [{id: sgr-0c000000000000003, protocol: tcp, port: 443, cidr: 10.0.0.0/8}]
            egress: [{id: sgr-0c000000000000004, protocol: "-1", cidr: 0.0.0.0/0}]
        routeTables: [{name: r, vpc: v, subnets: [a], associationIds: [rtbassoc-0c000000000000002]}]
        vpcEndpoints:
          - {name: logs, vpc: v, service: com.amazonaws.us-east-1.logs, subnets: [a], securityGroups: [g],
             createdAt: "2024-05-01T12:00:00.000Z", dnsSuffix: abcdefgh, privateZoneId: ZPINNED,
             networkInterfaces: [{id: eni-0c000000000000001, privateIp: 10.0.1.77, mac: "0e:00:00:00:00:01"}]}
        ecs:
          clusters: [{name: c}]
          taskDefinitions:
            - {family: web, networkMode: awsvpc, requiresCompatibilities: [FARGATE], cpu: "256", memory: "512",
               containerDefinitions: [{name: web, image: nginx}], registeredAt: "2024-05-01T11:00:00.000Z"}
          tasks:
            - {cluster: c, taskDefinition: web, subnets: [a], createdAt: "2024-05-01T12:30:00.000Z",
               id: 0123456789abcdef0123456789abcdef, attachmentId: 5d3c7a52-1a0e-4f57-9d5c-7b1e8a1f4c11,
               networkInterface: {id: eni-0c000000000000002, privateIp: 10.0.1.78}}
"#;

    #[test]
    fn pinned_generated_values_come_back_in_the_export() {
        let world = World::new(WorldConfig {
            pace: crate::world::clock::Pace::Manual,
            ..WorldConfig::default()
        });
        apply(&world, &[parse("pins.yaml", PINNED).unwrap()]).unwrap();
        let out = export(&world);
        let r = &out["accounts"][0]["regions"]["us-east-1"];
        assert_eq!(r["defaultVpc"]["id"], "vpc-0d000000000000001");
        assert_eq!(r["defaultVpc"]["subnets"][0], "subnet-0d000000000000001");
        let v = &r["vpcs"][0];
        assert_eq!(v["cidrAssociationId"], "vpc-cidr-assoc-0c000000000000001");
        assert_eq!(
            v["mainRouteTableAssociationId"],
            "rtbassoc-0c000000000000001"
        );
        assert_eq!(v["defaultSecurityGroupRuleIds"][1], "sgr-0c000000000000002");
        // The default VPC's DHCP options are the account's.
        assert_eq!(v["dhcpOptionsId"], r["defaultVpc"]["dhcpOptionsId"]);
        let g = &r["securityGroups"][0];
        assert_eq!(g["ingress"][0]["id"], "sgr-0c000000000000003");
        assert_eq!(g["egress"][0]["id"], "sgr-0c000000000000004");
        assert_eq!(
            r["routeTables"][0]["associationIds"][0],
            "rtbassoc-0c000000000000002"
        );
        let e = &r["vpcEndpoints"][0];
        assert_eq!(e["createdAt"], "2024-05-01T12:00:00.000Z");
        assert_eq!(e["dnsSuffix"], "abcdefgh");
        assert_eq!(e["privateZoneId"], "ZPINNED");
        assert_eq!(e["networkInterfaces"][0]["privateIp"], "10.0.1.77");
        assert_eq!(e["networkInterfaces"][0]["mac"], "0e:00:00:00:00:01");
        let d = &r["ecs"]["taskDefinitions"][0];
        assert_eq!(d["registeredAt"], "2024-05-01T11:00:00.000Z");
        let t = &r["ecs"]["tasks"][0];
        assert_eq!(t["id"], "0123456789abcdef0123456789abcdef");
        assert_eq!(t["attachmentId"], "5d3c7a52-1a0e-4f57-9d5c-7b1e8a1f4c11");
        assert_eq!(t["networkInterface"]["id"], "eni-0c000000000000002");
        assert_eq!(t["createdAt"], "2024-05-01T12:30:00.000Z");
        // Its start (three steps of a second at this pace) happened when it
        // was due, not when the scenario settled it.
        let state = world.export();
        let task = &state["regions"]["us-east-1"]["111111111111"]["ecs"]["tasks"]
            ["0123456789abcdef0123456789abcdef"]["model"];
        let t0 = crate::wire::Timestamp::parse("2024-05-01T12:30:00.000Z").unwrap();
        assert_eq!(task["lastStatus"], "RUNNING");
        assert_eq!(
            task["startedAt"].as_f64(),
            Some((t0.millis() + 3_000) as f64 / 1000.0)
        );
        // Nothing stays pinned.
        assert!(world.ids.take_pin("network-interface").is_none());
        assert_ne!(world.clock.now_ms(), t0.millis());
    }

    #[test]
    fn bad_pins_name_their_field() {
        let cases = [
            (
                "privateIp: 10.0.1.77",
                "privateIp: 10.0.1.300",
                "networkInterfaces[0].privateIp: '10.0.1.300' is not an IPv4 address",
            ),
            (
                "mac: \"0e:00:00:00:00:01\"",
                "mac: 0e-00",
                "networkInterfaces[0].mac: '0e-00' is not a MAC address",
            ),
            (
                "createdAt: \"2024-05-01T12:00:00.000Z\"",
                "createdAt: yesterday",
                "vpcEndpoints[0].createdAt: 'yesterday' is not a time",
            ),
            (
                "id: 0123456789abcdef0123456789abcdef",
                "id: \"0123\"",
                "tasks[0].id: '0123' is not a task id",
            ),
            (
                "id: sgr-0c000000000000003",
                "id: sg-0c000000000000003",
                "ingress[0].id: 'sg-0c000000000000003' is not a sgr- id",
            ),
        ];
        for (from, to, wanted) in cases {
            assert!(PINNED.contains(from), "{from}");
            let text = PINNED.replacen(from, to, 1);
            let world = World::new(WorldConfig::default());
            let err = apply(&world, &[parse("bad.yaml", &text).unwrap()])
                .unwrap_err()
                .0;
            assert!(
                err.starts_with("bad.yaml:") && err.contains(wanted),
                "{err}"
            );
        }
    }
}
