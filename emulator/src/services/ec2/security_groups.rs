//! Security groups and their rules (aws-spec.md §8.27–8.30).

use super::checks::{check_vpc_id, parse_cidr};
use super::errors;
use super::errors::R;
use super::query::check_max_results;
use super::query::{one, paginate, Filters};
use super::state::event;
use super::state::{Peer, Rule, SecurityGroup};
use super::tags::{self, Tags};
use crate::model::ec2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;
use crate::world::ids::is_valid_id;

pub(super) fn new_default_group(ctx: &Ctx, sg_id: &str, vpc_id: &str) -> SecurityGroup {
    SecurityGroup {
        id: sg_id.to_string(),
        name: "default".into(),
        description: "default VPC security group".into(),
        vpc_id: vpc_id.to_string(),
        rules: vec![
            Rule {
                id: ctx.new_id("sgr"),
                egress: false,
                protocol: "-1".into(),
                from_port: None,
                to_port: None,
                peer: Peer::Group {
                    group_id: sg_id.to_string(),
                    user_id: ctx.account.clone(),
                },
                description: None,
                tags: Tags::default(),
            },
            allow_all_egress(ctx),
        ],
        tags: Tags::default(),
    }
}

fn allow_all_egress(ctx: &Ctx) -> Rule {
    Rule {
        id: ctx.new_id("sgr"),
        egress: true,
        protocol: "-1".into(),
        from_port: None,
        to_port: None,
        peer: Peer::Cidr("0.0.0.0/0".into()),
        description: None,
        tags: Tags::default(),
    }
}

pub(super) fn check_group_id(ctx: &Ctx, id: &str) -> R<()> {
    if !is_valid_id(id, "sg") {
        return Err(errors::group_malformed(id));
    }
    if !ctx.acct().ec2.security_groups.contains_key(id) {
        return Err(errors::group_not_found(id));
    }
    Ok(())
}

fn default_vpc_id(ctx: &Ctx) -> Option<String> {
    ctx.acct()
        .ec2
        .vpcs
        .values()
        .find(|v| v.is_default)
        .map(|v| v.id.clone())
}

/// A group by id, or by name in the default VPC.
fn resolve_group(ctx: &Ctx, id: Option<&str>, name: Option<&str>) -> R<String> {
    match (id, name) {
        (Some(id), _) => check_group_id(ctx, id).map(|_| id.to_string()),
        (None, Some(name)) => {
            let vpc = default_vpc_id(ctx).unwrap_or_default();
            ctx.acct()
                .ec2
                .security_groups
                .values()
                .find(|g| g.name == name && g.vpc_id == vpc)
                .map(|g| g.id.clone())
                .ok_or_else(|| {
                    AwsError::new(
                        "InvalidGroup.NotFound",
                        format!(
                            "The security group '{name}' does not exist in default VPC '{vpc}'"
                        ),
                    )
                })
        }
        (None, None) => Err(errors::missing("GroupId")),
    }
}

fn to_model(ctx: &Ctx, g: &SecurityGroup) -> m::SecurityGroup {
    m::SecurityGroup {
        group_id: Some(g.id.clone()),
        group_name: Some(g.name.clone()),
        description: Some(g.description.clone()),
        vpc_id: Some(g.vpc_id.clone()),
        owner_id: Some(ctx.account.clone()),
        security_group_arn: Some(arn(ctx, &g.id)),
        ip_permissions: Some(permissions(ctx, g.rules.iter().filter(|r| !r.egress))),
        ip_permissions_egress: Some(permissions(ctx, g.rules.iter().filter(|r| r.egress))),
        tags: Some(g.tags.to_model()),
    }
}

fn arn(ctx: &Ctx, id: &str) -> String {
    format!(
        "arn:aws:ec2:{}:{}:security-group/{id}",
        ctx.region_name(),
        ctx.account
    )
}

/// Rules grouped into `IpPermission`s by protocol and port range, as AWS shows them.
fn permissions<'a>(ctx: &Ctx, rules: impl Iterator<Item = &'a Rule>) -> Vec<m::IpPermission> {
    let mut out: Vec<m::IpPermission> = Vec::new();
    for r in rules {
        let idx = match out.iter().position(|p| {
            p.ip_protocol.as_deref() == Some(&r.protocol)
                && p.from_port == r.from_port
                && p.to_port == r.to_port
        }) {
            Some(i) => i,
            None => {
                out.push(m::IpPermission {
                    ip_protocol: Some(r.protocol.clone()),
                    from_port: r.from_port,
                    to_port: r.to_port,
                    user_id_group_pairs: Some(vec![]),
                    ip_ranges: Some(vec![]),
                    ipv6_ranges: Some(vec![]),
                    prefix_list_ids: Some(vec![]),
                });
                out.len() - 1
            }
        };
        let p = &mut out[idx];
        let desc = r.description.clone();
        match &r.peer {
            Peer::Cidr(c) => p.ip_ranges.get_or_insert_with(Vec::new).push(m::IpRange {
                cidr_ip: Some(c.clone()),
                description: desc,
            }),
            Peer::CidrV6(c) => p
                .ipv6_ranges
                .get_or_insert_with(Vec::new)
                .push(m::Ipv6Range {
                    cidr_ipv6: Some(c.clone()),
                    description: desc,
                }),
            Peer::PrefixList(pl) => {
                p.prefix_list_ids
                    .get_or_insert_with(Vec::new)
                    .push(m::PrefixListId {
                        prefix_list_id: Some(pl.clone()),
                        description: desc,
                    })
            }
            Peer::Group { group_id, user_id } => p
                .user_id_group_pairs
                .get_or_insert_with(Vec::new)
                .push(m::UserIdGroupPair {
                    group_id: Some(group_id.clone()),
                    user_id: Some(user_id.clone()),
                    description: desc,
                    ..Default::default()
                }),
        }
    }
    let _ = ctx;
    out
}

fn rule_model(ctx: &Ctx, group_id: &str, r: &Rule) -> m::SecurityGroupRule {
    let mut out = m::SecurityGroupRule {
        security_group_rule_id: Some(r.id.clone()),
        group_id: Some(group_id.to_string()),
        group_owner_id: Some(ctx.account.clone()),
        is_egress: Some(r.egress),
        ip_protocol: Some(r.protocol.clone()),
        from_port: Some(r.from_port.unwrap_or(-1)),
        to_port: Some(r.to_port.unwrap_or(-1)),
        description: r.description.clone(),
        tags: Some(r.tags.to_model()),
        ..Default::default()
    };
    match &r.peer {
        Peer::Cidr(c) => out.cidr_ipv4 = Some(c.clone()),
        Peer::CidrV6(c) => out.cidr_ipv6 = Some(c.clone()),
        Peer::PrefixList(p) => out.prefix_list_id = Some(p.clone()),
        Peer::Group { group_id, user_id } => {
            out.referenced_group_info = Some(m::ReferencedSecurityGroup {
                group_id: Some(group_id.clone()),
                user_id: Some(user_id.clone()),
                ..Default::default()
            })
        }
    }
    out
}

fn normalize_protocol(raw: &str) -> R<String> {
    let p = raw.to_ascii_lowercase();
    Ok(match p.as_str() {
        "-1" | "all" => "-1".into(),
        "tcp" | "6" => "tcp".into(),
        "udp" | "17" => "udp".into(),
        "icmp" | "1" => "icmp".into(),
        "icmpv6" | "58" => "icmpv6".into(),
        n if n.parse::<u8>().is_ok() => n.to_string(),
        _ => {
            return Err(AwsError::new(
                "InvalidParameterValue",
                format!("Invalid value '{raw}' for IP protocol. Unknown protocol."),
            ))
        }
    })
}

fn ports(protocol: &str, from: Option<i32>, to: Option<i32>) -> R<(Option<i32>, Option<i32>)> {
    match protocol {
        "tcp" | "udp" => {
            let (Some(f), Some(t)) = (from, to) else {
                return Err(AwsError::new(
                    "InvalidParameterValue",
                    "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange.",
                ));
            };
            if !(0..=65535).contains(&f) || !(0..=65535).contains(&t) || f > t {
                return Err(AwsError::new(
                    "InvalidParameterValue",
                    format!("Invalid port range: from port {f}, to port {t}."),
                ));
            }
            Ok((Some(f), Some(t)))
        }
        "icmp" | "icmpv6" => Ok((Some(from.unwrap_or(-1)), Some(to.unwrap_or(-1)))),
        _ => Ok((None, None)),
    }
}

/// The rules a request asks for, from `IpPermissions` or the legacy flat keys.
struct RuleRequest {
    protocol: Option<String>,
    from: Option<i32>,
    to: Option<i32>,
    cidr: Option<String>,
    source_group_name: Option<String>,
    source_group_owner: Option<String>,
    permissions: Option<Vec<m::IpPermission>>,
}

fn parse_rules(ctx: &Ctx, group: &SecurityGroup, egress: bool, req: RuleRequest) -> R<Vec<Rule>> {
    let flat = req.protocol.is_some() || req.cidr.is_some() || req.source_group_name.is_some();
    let perms = match (req.permissions, flat) {
        (Some(_), true) => {
            return Err(errors::combination(
                "The parameter 'ipPermissions' may not be used in combination with 'ipProtocol', 'cidrIp' or 'sourceSecurityGroupName'",
            ))
        }
        (Some(p), false) => p,
        (None, true) => {
            let mut p = m::IpPermission {
                ip_protocol: Some(req.protocol.unwrap_or_else(|| "-1".into())),
                from_port: req.from,
                to_port: req.to,
                ..Default::default()
            };
            if let Some(c) = req.cidr {
                p.ip_ranges = Some(vec![m::IpRange {
                    cidr_ip: Some(c),
                    description: None,
                }]);
            }
            if let Some(name) = req.source_group_name {
                p.user_id_group_pairs = Some(vec![m::UserIdGroupPair {
                    group_name: Some(name),
                    user_id: req.source_group_owner,
                    ..Default::default()
                }]);
            }
            vec![p]
        }
        (None, false) => return Err(errors::missing("IpPermissions")),
    };
    let mut rules = Vec::new();
    for p in perms {
        let protocol = normalize_protocol(
            p.ip_protocol
                .as_deref()
                .ok_or_else(|| errors::missing("IpPermissions.IpProtocol"))?,
        )?;
        let (from, to) = ports(&protocol, p.from_port, p.to_port)?;
        let mut peers: Vec<(Peer, Option<String>)> = Vec::new();
        for r in p.ip_ranges.unwrap_or_default() {
            let c = r.cidr_ip.ok_or_else(|| errors::missing("CidrIp"))?;
            parse_cidr("cidrIp", &c)?;
            peers.push((Peer::Cidr(c), r.description));
        }
        for r in p.ipv6_ranges.unwrap_or_default() {
            let c = r.cidr_ipv6.ok_or_else(|| errors::missing("CidrIpv6"))?;
            if c.parse::<ipnet::Ipv6Net>().is_err() {
                return Err(errors::invalid_value(
                    "cidrIpv6",
                    &c,
                    "This is not a valid CIDR block.",
                ));
            }
            peers.push((Peer::CidrV6(c), r.description));
        }
        for r in p.prefix_list_ids.unwrap_or_default() {
            let id = r
                .prefix_list_id
                .ok_or_else(|| errors::missing("PrefixListId"))?;
            peers.push((Peer::PrefixList(id), r.description));
        }
        for pair in p.user_id_group_pairs.unwrap_or_default() {
            let user = pair.user_id.clone().unwrap_or_else(|| ctx.account.clone());
            let gid = if user != ctx.account {
                // Another account's group: AWS checks it exists there; we take it as given [U].
                pair.group_id
                    .clone()
                    .ok_or_else(|| errors::missing("GroupId"))?
            } else {
                match (&pair.group_id, &pair.group_name) {
                    (Some(id), _) => check_group_id(ctx, id).map(|_| id.clone())?,
                    (None, Some(name)) => ctx
                        .acct()
                        .ec2
                        .security_groups
                        .values()
                        .find(|g| &g.name == name && g.vpc_id == group.vpc_id)
                        .map(|g| g.id.clone())
                        .ok_or_else(|| errors::group_not_found(name))?,
                    (None, None) => return Err(errors::missing("GroupId")),
                }
            };
            peers.push((
                Peer::Group {
                    group_id: gid,
                    user_id: user,
                },
                pair.description,
            ));
        }
        if peers.is_empty() {
            return Err(AwsError::new(
                "MissingParameter",
                "Either 'CidrIp', 'Ipv6Ranges', 'PrefixListIds' or a source security group must be specified.",
            ));
        }
        for (peer, description) in peers {
            rules.push(Rule {
                id: String::new(),
                egress,
                protocol: protocol.clone(),
                from_port: from,
                to_port: to,
                peer,
                description,
                tags: Tags::default(),
            });
        }
    }
    Ok(rules)
}

fn describe_rule(r: &Rule) -> String {
    let peer = match &r.peer {
        Peer::Cidr(c) | Peer::CidrV6(c) | Peer::PrefixList(c) => c.clone(),
        Peer::Group { group_id, .. } => group_id.clone(),
    };
    let proto = match r.protocol.as_str() {
        "-1" => "ALL".to_string(),
        p => p.to_ascii_uppercase(),
    };
    format!(
        "peer: {peer}, {proto}, from port: {}, to port: {}, ALLOW",
        r.from_port.unwrap_or(-1),
        r.to_port.unwrap_or(-1)
    )
}

fn authorize(
    ctx: &mut Ctx,
    group_id: Option<&str>,
    group_name: Option<&str>,
    egress: bool,
    req: RuleRequest,
    specs: Option<Vec<m::TagSpecification>>,
    dry_run: Option<bool>,
) -> R<Vec<m::SecurityGroupRule>> {
    let gid = if egress {
        let id = group_id.ok_or_else(|| errors::missing("GroupId"))?;
        check_group_id(ctx, id)?;
        id.to_string()
    } else {
        resolve_group(ctx, group_id, group_name)?
    };
    let group = ctx.acct().ec2.security_groups[&gid].clone();
    let mut rules = parse_rules(ctx, &group, egress, req)?;
    for (i, r) in rules.iter().enumerate() {
        let dup =
            group.rules.iter().any(|e| e.same_as(r)) || rules[..i].iter().any(|e| e.same_as(r));
        if dup {
            return Err(AwsError::new(
                "InvalidPermission.Duplicate",
                format!("the specified rule \"{}\" already exists", describe_rule(r)),
            ));
        }
    }
    let tags = tags::from_specs(specs, "security-group-rule")?;
    ctx.dry_run(dry_run)?;
    for r in &mut rules {
        r.id = ctx.new_id("sgr");
        r.tags = tags.clone();
    }
    let out = rules.iter().map(|r| rule_model(ctx, &gid, r)).collect();
    if let Some(g) = ctx.acct_mut().ec2.security_groups.get_mut(&gid) {
        g.rules.extend(rules);
    }
    ctx.emit(event("security-group", &gid, "rules-changed", None));
    Ok(out)
}

fn revoke(
    ctx: &mut Ctx,
    group_id: Option<&str>,
    group_name: Option<&str>,
    egress: bool,
    rule_ids: Option<Vec<String>>,
    req: RuleRequest,
    dry_run: Option<bool>,
) -> R<(bool, Vec<m::IpPermission>)> {
    let gid = resolve_group(ctx, group_id, group_name)?;
    let group = ctx.acct().ec2.security_groups[&gid].clone();
    let mut remove: Vec<String> = Vec::new();
    let mut unknown: Vec<Rule> = Vec::new();
    if let Some(ids) = rule_ids.filter(|v| !v.is_empty()) {
        for id in ids {
            match group
                .rules
                .iter()
                .find(|r| r.id == id && r.egress == egress)
            {
                Some(r) => remove.push(r.id.clone()),
                None => {
                    return Err(AwsError::new(
                        "InvalidSecurityGroupRuleId.NotFound",
                        format!("The security group rule ID '{id}' does not exist"),
                    ))
                }
            }
        }
    } else {
        for wanted in parse_rules(ctx, &group, egress, req)? {
            match group.rules.iter().find(|r| r.same_as(&wanted)) {
                Some(r) => remove.push(r.id.clone()),
                None => unknown.push(wanted),
            }
        }
        if remove.is_empty() {
            return Err(AwsError::new(
                "InvalidPermission.NotFound",
                "The specified rule does not exist in this security group.",
            ));
        }
    }
    ctx.dry_run(dry_run)?;
    if let Some(g) = ctx.acct_mut().ec2.security_groups.get_mut(&gid) {
        g.rules.retain(|r| !remove.contains(&r.id));
    }
    ctx.emit(event("security-group", &gid, "rules-changed", None));
    Ok((true, permissions(ctx, unknown.iter())))
}

pub(super) fn authorize_ingress(
    ctx: &mut Ctx,
    i: m::AuthorizeSecurityGroupIngressRequest,
) -> R<m::AuthorizeSecurityGroupIngressResult> {
    let req = RuleRequest {
        protocol: i.ip_protocol,
        from: i.from_port,
        to: i.to_port,
        cidr: i.cidr_ip,
        source_group_name: i.source_security_group_name,
        source_group_owner: i.source_security_group_owner_id,
        permissions: i.ip_permissions,
    };
    let rules = authorize(
        ctx,
        i.group_id.as_deref(),
        i.group_name.as_deref(),
        false,
        req,
        i.tag_specifications,
        i.dry_run,
    )?;
    Ok(m::AuthorizeSecurityGroupIngressResult {
        return_: Some(true),
        security_group_rules: Some(rules),
    })
}

pub(super) fn authorize_egress(
    ctx: &mut Ctx,
    i: m::AuthorizeSecurityGroupEgressRequest,
) -> R<m::AuthorizeSecurityGroupEgressResult> {
    let req = RuleRequest {
        protocol: i.ip_protocol,
        from: i.from_port,
        to: i.to_port,
        cidr: i.cidr_ip,
        source_group_name: i.source_security_group_name,
        source_group_owner: i.source_security_group_owner_id,
        permissions: i.ip_permissions,
    };
    let rules = authorize(
        ctx,
        i.group_id.as_deref(),
        None,
        true,
        req,
        i.tag_specifications,
        i.dry_run,
    )?;
    Ok(m::AuthorizeSecurityGroupEgressResult {
        return_: Some(true),
        security_group_rules: Some(rules),
    })
}

pub(super) fn revoke_ingress(
    ctx: &mut Ctx,
    i: m::RevokeSecurityGroupIngressRequest,
) -> R<m::RevokeSecurityGroupIngressResult> {
    let req = RuleRequest {
        protocol: i.ip_protocol,
        from: i.from_port,
        to: i.to_port,
        cidr: i.cidr_ip,
        source_group_name: i.source_security_group_name,
        source_group_owner: i.source_security_group_owner_id,
        permissions: i.ip_permissions,
    };
    let (ok, unknown) = revoke(
        ctx,
        i.group_id.as_deref(),
        i.group_name.as_deref(),
        false,
        i.security_group_rule_ids,
        req,
        i.dry_run,
    )?;
    Ok(m::RevokeSecurityGroupIngressResult {
        return_: Some(ok),
        unknown_ip_permissions: Some(unknown),
        ..Default::default()
    })
}

pub(super) fn revoke_egress(
    ctx: &mut Ctx,
    i: m::RevokeSecurityGroupEgressRequest,
) -> R<m::RevokeSecurityGroupEgressResult> {
    let req = RuleRequest {
        protocol: i.ip_protocol,
        from: i.from_port,
        to: i.to_port,
        cidr: i.cidr_ip,
        source_group_name: i.source_security_group_name,
        source_group_owner: i.source_security_group_owner_id,
        permissions: i.ip_permissions,
    };
    let (ok, unknown) = revoke(
        ctx,
        i.group_id.as_deref(),
        None,
        true,
        i.security_group_rule_ids,
        req,
        i.dry_run,
    )?;
    Ok(m::RevokeSecurityGroupEgressResult {
        return_: Some(ok),
        unknown_ip_permissions: Some(unknown),
        ..Default::default()
    })
}

pub(super) fn create(
    ctx: &mut Ctx,
    input: m::CreateSecurityGroupRequest,
) -> R<m::CreateSecurityGroupResult> {
    let name = input.group_name.unwrap_or_default();
    let description = input.description.unwrap_or_default();
    if name.is_empty() || name.len() > 255 || name.starts_with("sg-") {
        return Err(errors::invalid_value(
            "GroupName",
            &name,
            "Group names may not be empty, longer than 255 characters or start with 'sg-'.",
        ));
    }
    if description.len() > 255 {
        return Err(errors::invalid_value(
            "GroupDescription",
            &description,
            "Descriptions may be at most 255 characters.",
        ));
    }
    if name == "default" {
        return Err(AwsError::new(
            "InvalidGroup.Reserved",
            "The security group 'default' is reserved",
        ));
    }
    let vpc_id = match input.vpc_id {
        Some(v) => {
            check_vpc_id(ctx, &v)?;
            v
        }
        None => default_vpc_id(ctx)
            .ok_or_else(|| AwsError::new("VPCIdNotSpecified", "No default VPC for this user"))?,
    };
    if ctx
        .acct()
        .ec2
        .security_groups
        .values()
        .any(|g| g.vpc_id == vpc_id && g.name == name)
    {
        return Err(AwsError::new(
            "InvalidGroup.Duplicate",
            format!("The security group '{name}' already exists for VPC '{vpc_id}'"),
        ));
    }
    let tags = tags::from_specs(input.tag_specifications, "security-group")?;
    ctx.dry_run(input.dry_run)?;
    let id = ctx.new_id("sg");
    let group = SecurityGroup {
        id: id.clone(),
        name,
        description,
        vpc_id,
        rules: vec![allow_all_egress(ctx)],
        tags,
    };
    let out = m::CreateSecurityGroupResult {
        group_id: Some(id.clone()),
        tags: Some(group.tags.to_model()),
        security_group_arn: Some(arn(ctx, &id)),
    };
    ctx.acct_mut().ec2.security_groups.insert(id.clone(), group);
    ctx.emit(event("security-group", &id, "created", None));
    Ok(out)
}

const FILTERS: &[&str] = &[
    "description",
    "group-id",
    "group-name",
    "owner-id",
    "vpc-id",
    "ip-permission.cidr",
    "ip-permission.from-port",
    "ip-permission.group-id",
    "ip-permission.group-name",
    "ip-permission.ipv6-cidr",
    "ip-permission.prefix-list-id",
    "ip-permission.protocol",
    "ip-permission.to-port",
    "ip-permission.user-id",
    "egress.ip-permission.cidr",
    "egress.ip-permission.from-port",
    "egress.ip-permission.group-id",
    "egress.ip-permission.group-name",
    "egress.ip-permission.ipv6-cidr",
    "egress.ip-permission.prefix-list-id",
    "egress.ip-permission.protocol",
    "egress.ip-permission.to-port",
    "egress.ip-permission.user-id",
];

fn filter_values(ctx: &Ctx, g: &SecurityGroup, name: &str) -> Vec<String> {
    match name {
        "description" => one(&g.description),
        "group-id" => one(&g.id),
        "group-name" => one(&g.name),
        "owner-id" => one(&ctx.account),
        "vpc-id" => one(&g.vpc_id),
        _ => {
            let (egress, field) = match name.strip_prefix("egress.ip-permission.") {
                Some(f) => (true, f),
                None => (false, name.strip_prefix("ip-permission.").unwrap_or("")),
            };
            g.rules
                .iter()
                .filter(|r| r.egress == egress)
                .filter_map(|r| match (field, &r.peer) {
                    ("cidr", Peer::Cidr(c)) => Some(c.clone()),
                    ("ipv6-cidr", Peer::CidrV6(c)) => Some(c.clone()),
                    ("prefix-list-id", Peer::PrefixList(p)) => Some(p.clone()),
                    ("group-id", Peer::Group { group_id, .. }) => Some(group_id.clone()),
                    ("user-id", Peer::Group { user_id, .. }) => Some(user_id.clone()),
                    ("group-name", Peer::Group { group_id, .. }) => ctx
                        .acct()
                        .ec2
                        .security_groups
                        .get(group_id)
                        .map(|g| g.name.clone()),
                    ("protocol", _) => Some(r.protocol.clone()),
                    ("from-port", _) => Some(r.from_port.unwrap_or(-1).to_string()),
                    ("to-port", _) => Some(r.to_port.unwrap_or(-1).to_string()),
                    _ => None,
                })
                .collect()
        }
    }
}

pub(super) fn describe(
    ctx: &mut Ctx,
    input: m::DescribeSecurityGroupsRequest,
) -> R<m::DescribeSecurityGroupsResult> {
    check_max_results(input.max_results, 5, 1000)?;
    let filters = Filters::parse(input.filters, FILTERS)?;
    let ids = input.group_ids.unwrap_or_default();
    if !ids.is_empty() && input.max_results.is_some() {
        return Err(errors::combination(
            "The parameter groupIds cannot be used with the parameter maxResults",
        ));
    }
    for id in &ids {
        check_group_id(ctx, id)?;
    }
    let mut wanted = ids.clone();
    for name in input.group_names.unwrap_or_default() {
        wanted.push(resolve_group(ctx, None, Some(&name))?);
    }
    ctx.dry_run(input.dry_run)?;
    let items = ctx
        .acct()
        .ec2
        .security_groups
        .values()
        .filter(|g| wanted.is_empty() || wanted.contains(&g.id))
        .filter(|g| filters.matches(&g.tags, |n| filter_values(ctx, g, n)))
        .map(|g| (g.id.clone(), to_model(ctx, g)))
        .collect();
    let (page, next) = paginate(items, input.max_results, input.next_token.as_deref())?;
    Ok(m::DescribeSecurityGroupsResult {
        security_groups: Some(page),
        next_token: next,
    })
}

/// The documented names; the rule's tags (`tag:<key>`, and `tag-key` [U])
/// come on top.
const RULE_FILTERS: &[&str] = &["group-id", "security-group-rule-id"];

/// DescribeSecurityGroupRules: every rule of the caller's groups, by rule id.
pub(super) fn describe_rules(
    ctx: &mut Ctx,
    input: m::DescribeSecurityGroupRulesRequest,
) -> R<m::DescribeSecurityGroupRulesResult> {
    check_max_results(input.max_results, 5, 1000)?;
    let filters = Filters::parse(input.filters, RULE_FILTERS)?;
    let ids = input.security_group_rule_ids.unwrap_or_default();
    let st = &ctx.acct().ec2;
    for id in &ids {
        if !is_valid_id(id, "sgr") {
            return Err(AwsError::new(
                "InvalidSecurityGroupRuleId.Malformed",
                format!("The security group rule ID '{id}' is malformed"),
            ));
        }
        let known = st
            .security_groups
            .values()
            .any(|g| g.rules.iter().any(|r| r.id == *id));
        if !known {
            return Err(AwsError::new(
                "InvalidSecurityGroupRuleId.NotFound",
                format!("The security group rule ID '{id}' does not exist"),
            ));
        }
    }
    ctx.dry_run(input.dry_run)?;
    let items = ctx
        .acct()
        .ec2
        .security_groups
        .values()
        .flat_map(|g| g.rules.iter().map(move |r| (g, r)))
        .filter(|(_, r)| ids.is_empty() || ids.contains(&r.id))
        .filter(|(g, r)| {
            filters.matches(&r.tags, |n| match n {
                "group-id" => one(&g.id),
                "security-group-rule-id" => one(&r.id),
                _ => vec![],
            })
        })
        .map(|(g, r)| (r.id.clone(), rule_model(ctx, &g.id, r)))
        .collect();
    let (page, next) = paginate(items, input.max_results, input.next_token.as_deref())?;
    Ok(m::DescribeSecurityGroupRulesResult {
        security_group_rules: Some(page),
        next_token: next,
    })
}

pub(super) fn delete(
    ctx: &mut Ctx,
    input: m::DeleteSecurityGroupRequest,
) -> R<m::DeleteSecurityGroupResult> {
    let id = resolve_group(ctx, input.group_id.as_deref(), input.group_name.as_deref())?;
    let st = &ctx.acct().ec2;
    let group = &st.security_groups[&id];
    if group.name == "default" {
        return Err(AwsError::new(
            "CannotDelete",
            format!("the specified group: \"{id}\" name: \"default\" cannot be deleted by a user"),
        ));
    }
    let referenced = st.security_groups.values().any(|g| {
        g.id != id
            && g.rules
                .iter()
                .any(|r| matches!(&r.peer, Peer::Group { group_id, .. } if *group_id == id))
    });
    let attached = st.enis.values().any(|e| e.group_ids.contains(&id));
    if referenced || attached {
        return Err(errors::dependent_object(&id));
    }
    ctx.dry_run(input.dry_run)?;
    ctx.acct_mut().ec2.security_groups.remove(&id);
    ctx.emit(event("security-group", &id, "deleted", None));
    Ok(m::DeleteSecurityGroupResult {
        return_: Some(true),
        group_id: Some(id),
    })
}
