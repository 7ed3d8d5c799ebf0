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

use crate::error::AwsError;
use crate::model::{ec2 as e, ecs as c, elbv2 as l};
use crate::services::{ec2::Ec2, ecs::Ecs, elbv2::Elbv2};
use crate::world::ids::is_valid_id;
use crate::world::{regions, Identity, World};
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

fn ecs(world: &Arc<World>, at: &At<'_>, req: c::Request) -> Result<c::Response, ScenarioError> {
    let mut ctx = world.context(&at.who(world), "scenario");
    c::call(&Ecs, &mut ctx, req).map_err(|x| at.aws(x))
}

/// Runs `create` with the ids the resource declares pinned: each
/// `(field, prefix, id)` makes the next id of `prefix` that one. All are
/// checked before any is pinned, and all are unpinned afterwards, whatever
/// `create` did, so an unused pin never reaches a later resource.
fn pinned<T>(
    world: &World,
    at: &At<'_>,
    pins: &[(&str, &str, &Option<String>)],
    create: impl FnOnce() -> T,
) -> Result<T, ScenarioError> {
    for (field, prefix, id) in pins {
        if let Some(id) = id {
            if !is_valid_id(id, prefix) {
                return Err(at.err(
                    field,
                    format!(
                        "'{id}' is not a {prefix}- id (prefix and 8 or 17 lower-case hex digits)"
                    ),
                ));
            }
        }
    }
    for (_, prefix, id) in pins {
        if let Some(id) = id {
            world.ids.pin(prefix, id);
        }
    }
    let out = create();
    for (_, prefix, _) in pins {
        world.ids.unpin(prefix);
    }
    Ok(out)
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
                        // that now, so it does not take an id a resource pins.
                        drop(world.context(&ctx.at(base.clone()).who(world), "scenario"));
                    }
                    match phase {
                        0 => ctx.network(&mut names, res)?,
                        1 => ctx.load_balancers(&mut names, res)?,
                        2 => ctx.endpoint_services(&mut names, res)?,
                        3 => ctx.endpoints(&mut names, res)?,
                        _ => ctx.ecs(&mut names, res)?,
                    }
                }
            }
        }
    }
    world.settle();
    Ok(())
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
            let pins = [
                ("id", "vpc", &v.id),
                ("defaultSecurityGroupId", "sg", &v.default_security_group_id),
                ("mainRouteTableId", "rtb", &v.main_route_table_id),
            ];
            let out = pinned(world, &at, &pins, || {
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
            let Ok(e::Response::CreateVpc(out)) = out else {
                return Err(out.err().unwrap_or_else(|| at.err("", "unexpected answer")));
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
            let out = pinned(world, &at, &[("id", "subnet", &s.id)], || {
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
            let Ok(e::Response::CreateSubnet(out)) = out else {
                return Err(out.err().unwrap_or_else(|| at.err("", "unexpected answer")));
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
            let out = pinned(world, &at, &[("id", "sg", &g.id)], || {
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
            let Ok(e::Response::CreateSecurityGroup(out)) = out else {
                return Err(out.err().unwrap_or_else(|| at.err("", "unexpected answer")));
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
            let perms = |rules: &[format::Rule],
                         field: &str|
             -> Result<Vec<e::IpPermission>, ScenarioError> {
                rules
                    .iter()
                    .enumerate()
                    .map(|(ri, r)| {
                        let f = format!("{field}[{ri}]");
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
                        if r.cidr.is_none() && r.source_group.is_none() {
                            return Err(at.err(&f, "a rule needs a cidr or a sourceGroup"));
                        }
                        Ok(p)
                    })
                    .collect()
            };
            if !g.ingress.is_empty() {
                let p = perms(&g.ingress, "ingress")?;
                ec2(
                    self.world,
                    &at,
                    e::Request::AuthorizeSecurityGroupIngress(
                        e::AuthorizeSecurityGroupIngressRequest {
                            group_id: Some(id.clone()),
                            ip_permissions: Some(p),
                            ..Default::default()
                        },
                    ),
                )?;
            }
            if let Some(egress) = &g.egress {
                ec2(
                    self.world,
                    &at,
                    e::Request::RevokeSecurityGroupEgress(e::RevokeSecurityGroupEgressRequest {
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
                    }),
                )?;
                if !egress.is_empty() {
                    let p = perms(egress, "egress")?;
                    ec2(
                        self.world,
                        &at,
                        e::Request::AuthorizeSecurityGroupEgress(
                            e::AuthorizeSecurityGroupEgressRequest {
                                group_id: Some(id.clone()),
                                ip_permissions: Some(p),
                                ..Default::default()
                            },
                        ),
                    )?;
                }
            }
        }
        for (i, t) in res.route_tables.iter().enumerate() {
            let at = self.at(format!("{}.routeTables[{i}]", self.base));
            let vpc = one_ref(names, &at, "vpc", "vpc", "vpc", &t.vpc)?;
            let subnets = refs(names, &at, "subnets", "subnet", "subnet", &t.subnets)?;
            let out = pinned(world, &at, &[("id", "rtb", &t.id)], || {
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
            let Ok(e::Response::CreateRouteTable(out)) = out else {
                return Err(out.err().unwrap_or_else(|| at.err("", "unexpected answer")));
            };
            let id = out
                .route_table
                .and_then(|r| r.route_table_id)
                .unwrap_or_default();
            for s in subnets {
                ec2(
                    world,
                    &at,
                    e::Request::AssociateRouteTable(e::AssociateRouteTableRequest {
                        route_table_id: Some(id.clone()),
                        subnet_id: Some(s),
                        ..Default::default()
                    }),
                )?;
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
            if let Some(hex) = &pin {
                self.world.ids.pin("elbv2-arn", hex);
            }
            let out = elbv2(
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
                            .iter()
                            .map(|(k, v)| l::Tag {
                                key: Some(k.clone()),
                                value: Some(v.clone()),
                            })
                            .collect()
                    }),
                    ..Default::default()
                }),
            );
            // Unpinned whatever the call did, so no later load balancer takes it.
            self.world.ids.unpin("elbv2-arn");
            let l::Response::CreateLoadBalancer(out) = out? else {
                return Err(at.err("", "unexpected answer"));
            };
            let arn = out
                .load_balancers
                .and_then(|v| v.into_iter().next())
                .and_then(|lb| lb.load_balancer_arn)
                .unwrap_or_default();
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
            )?;
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
            let out = pinned(self.world, &at, &[("id", "vpce-svc", &s.id)], || {
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
                            ..Default::default()
                        },
                    ),
                )
            })?;
            let Ok(e::Response::CreateVpcEndpointServiceConfiguration(out)) = out else {
                return Err(out.err().unwrap_or_else(|| at.err("", "unexpected answer")));
            };
            let cfg = out.service_configuration.unwrap_or_default();
            let id = cfg.service_id.unwrap_or_default();
            if !s.principals.is_empty() {
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
                )?;
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
            let (service, provider) = match v.service.split_once('/') {
                Some((acct, svc)) if !v.service.starts_with("com.amazonaws") => {
                    let owner = names
                        .accounts
                        .get(acct)
                        .cloned()
                        .unwrap_or_else(|| acct.to_string());
                    let name = names
                        .get(&owner, self.region, "endpointServiceName", svc)
                        .ok_or_else(|| {
                            at.err(
                                "service",
                                format!(
                                    "no endpoint service '{svc}' of account '{acct}' in {}",
                                    self.region
                                ),
                            )
                        })?;
                    let id = names
                        .get(&owner, self.region, "endpointService", svc)
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
            let out = pinned(self.world, &at, &[("id", "vpce", &v.id)], || {
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
                        ..Default::default()
                    }),
                )
            })?;
            let Ok(e::Response::CreateVpcEndpoint(out)) = out else {
                return Err(out.err().unwrap_or_else(|| at.err("", "unexpected answer")));
            };
            let ep = out.vpc_endpoint.unwrap_or_default();
            let id = ep.vpc_endpoint_id.unwrap_or_default();
            let initial = ep.state.unwrap_or_default();
            let wanted = v.state.clone().unwrap_or_else(|| "available".into());
            if let Some((owner, service_id)) = provider {
                let as_provider = At {
                    loaded: self.loaded,
                    account: &owner,
                    region: self.region,
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

    fn ecs(&self, names: &mut Names, res: &format::RegionResources) -> Result<(), ScenarioError> {
        let spec = &res.ecs;
        let tags = |t: &format::Tags| -> Option<Vec<c::Tag>> {
            (!t.is_empty()).then(|| {
                t.iter()
                    .map(|(k, v)| c::Tag {
                        key: Some(k.clone()),
                        value: Some(v.clone()),
                    })
                    .collect()
            })
        };
        for (i, cl) in spec.clusters.iter().enumerate() {
            let at = self.at(format!("{}.ecs.clusters[{i}]", self.base));
            ecs(
                self.world,
                &at,
                c::Request::CreateCluster(c::CreateClusterRequest {
                    cluster_name: Some(cl.name.clone()),
                    tags: tags(&cl.tags),
                    service_connect_defaults: cl
                        .service_connect_namespace
                        .clone()
                        .map(|n| c::ClusterServiceConnectDefaultsRequest { namespace: Some(n) }),
                    ..Default::default()
                }),
            )?;
        }
        for (i, raw) in spec.task_definitions.iter().enumerate() {
            let at = self.at(format!("{}.ecs.taskDefinitions[{i}]", self.base));
            let req: c::RegisterTaskDefinitionRequest =
                serde_path_to_error::deserialize(raw.clone())
                    .map_err(|x| at.err(&x.path().to_string(), x.inner()))?;
            req.validate("")
                .map_err(|x| at.aws(crate::error::json_wire_error(x)))?;
            ecs(self.world, &at, c::Request::RegisterTaskDefinition(req))?;
        }
        let network = |at: &At<'_>,
                       subnets: &[String],
                       groups: &[String],
                       public: bool|
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
                    assign_public_ip: Some(if public { "ENABLED" } else { "DISABLED" }.into()),
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
            ecs(
                self.world,
                &at,
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
            )?;
        }
        for (i, t) in spec.tasks.iter().enumerate() {
            let at = self.at(format!("{}.ecs.tasks[{i}]", self.base));
            let net = network(&at, &t.subnets, &t.security_groups, false)?;
            let out = ecs(
                self.world,
                &at,
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
            )?;
            let c::Response::RunTask(out) = out else {
                return Err(at.err("", "unexpected answer"));
            };
            match t.state.as_deref().unwrap_or("RUNNING") {
                "RUNNING" => {}
                "STOPPED" => {
                    for task in out.tasks.unwrap_or_default() {
                        ecs(
                            self.world,
                            &at,
                            c::Request::StopTask(c::StopTaskRequest {
                                cluster: Some(t.cluster.clone()),
                                task: task.task_arn,
                                reason: t.stopped_reason.clone(),
                            }),
                        )?;
                    }
                }
                other => {
                    return Err(at.err("state", format!("'{other}' is not RUNNING or STOPPED")))
                }
            }
        }
        let _ = names;
        Ok(())
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
}
