//! Network ACLs: the default one every VPC gets (allow all, then AWS's
//! deny-all rule `32767`, both ways) with every new subnet associated,
//! CreateNetworkAcl, DeleteNetworkAcl, DescribeNetworkAcls, the entries
//! (Create/Replace/DeleteNetworkAclEntry) and ReplaceNetworkAclAssociation.

use super::checks::{check_known, check_vpc_id};
use super::errors::{self, R};
use super::query::{bool_value, check_max_results, one, paginate, Filters};
use super::state::{event, AclEntry, NetworkAcl};
use super::tags::{self, Tags};
use crate::model::ec2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

/// AWS's own last rule, which matches what no other rule did.
const DENY_ALL: i32 = 32767;

fn entry(rule_number: i32, egress: bool, action: &str) -> AclEntry {
    AclEntry {
        rule_number,
        egress,
        protocol: "-1".into(),
        action: action.into(),
        cidr: Some("0.0.0.0/0".into()),
        ipv6_cidr: None,
        ports: None,
        icmp: None,
    }
}

/// The default ACL of a new VPC (its id pinned by a scenario as `acl`).
pub(crate) fn create_default(ctx: &mut Ctx, vpc_id: &str) -> String {
    let acl = NetworkAcl {
        id: ctx.new_id("acl"),
        vpc_id: vpc_id.to_string(),
        is_default: true,
        entries: vec![
            entry(100, true, "allow"),
            entry(DENY_ALL, true, "deny"),
            entry(100, false, "allow"),
            entry(DENY_ALL, false, "deny"),
        ],
        associations: vec![],
        tags: Tags::default(),
    };
    let id = acl.id.clone();
    ctx.acct_mut().ec2.network_acls.insert(id.clone(), acl);
    id
}

/// A new subnet joins its VPC's default ACL.
pub(crate) fn associate_default(ctx: &mut Ctx, vpc_id: &str, subnet_id: &str) {
    let assoc = ctx.new_id("aclassoc");
    if let Some(acl) = ctx
        .acct_mut()
        .ec2
        .network_acls
        .values_mut()
        .find(|a| a.is_default && a.vpc_id == vpc_id)
    {
        acl.associations.push((assoc, subnet_id.to_string()));
    }
}

/// A deleted subnet leaves its ACL.
pub(crate) fn dissociate_subnet(ctx: &mut Ctx, subnet_id: &str) {
    for acl in ctx.acct_mut().ec2.network_acls.values_mut() {
        acl.associations.retain(|(_, s)| s != subnet_id);
    }
}

/// A deleted VPC takes its default ACL along.
pub(crate) fn delete_default(ctx: &mut Ctx, vpc_id: &str) {
    ctx.acct_mut()
        .ec2
        .network_acls
        .retain(|_, a| !(a.is_default && a.vpc_id == vpc_id));
}

fn not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidNetworkAclID.NotFound",
        format!("The networkAcl ID '{id}' does not exist"),
    )
}

fn check_id(ctx: &Ctx, id: &str) -> R<()> {
    let exists = ctx.acct().ec2.network_acls.contains_key(id);
    check_known(id, "acl", "InvalidNetworkAclId.Malformed", exists, || {
        not_found(id)
    })
}

fn entry_model(e: &AclEntry) -> m::NetworkAclEntry {
    m::NetworkAclEntry {
        cidr_block: e.cidr.clone(),
        egress: Some(e.egress),
        icmp_type_code: e.icmp.map(|(t, c)| m::IcmpTypeCode {
            code: Some(c),
            type_: Some(t),
        }),
        ipv6_cidr_block: e.ipv6_cidr.clone(),
        port_range: e.ports.map(|(from, to)| m::PortRange {
            from: Some(from),
            to: Some(to),
        }),
        protocol: Some(e.protocol.clone()),
        rule_action: Some(e.action.clone()),
        rule_number: Some(e.rule_number),
    }
}

/// Entries as EC2 lists them: egress first, each way by rule number.
fn sorted(entries: &[AclEntry]) -> Vec<&AclEntry> {
    let mut out: Vec<&AclEntry> = entries.iter().collect();
    out.sort_by_key(|e| (!e.egress, e.rule_number));
    out
}

fn model(ctx: &Ctx, a: &NetworkAcl) -> m::NetworkAcl {
    m::NetworkAcl {
        associations: Some(
            a.associations
                .iter()
                .map(|(id, subnet)| m::NetworkAclAssociation {
                    network_acl_association_id: Some(id.clone()),
                    network_acl_id: Some(a.id.clone()),
                    subnet_id: Some(subnet.clone()),
                })
                .collect(),
        ),
        entries: Some(sorted(&a.entries).into_iter().map(entry_model).collect()),
        is_default: Some(a.is_default),
        network_acl_id: Some(a.id.clone()),
        tags: Some(a.tags.to_model()),
        vpc_id: Some(a.vpc_id.clone()),
        owner_id: Some(ctx.account.clone()),
    }
}

pub(super) fn create(
    ctx: &mut Ctx,
    input: m::CreateNetworkAclRequest,
) -> R<m::CreateNetworkAclResult> {
    const OP: &str = "CreateNetworkAcl";
    let vpc_id = input.vpc_id.unwrap_or_default();
    check_vpc_id(ctx, &vpc_id)?;
    let tags = tags::from_specs(input.tag_specifications, "network-acl")?;
    if let Some(token) = &input.client_token {
        if let Some((op, id)) = ctx.acct().ec2.client_tokens.get(token) {
            return match ctx.acct().ec2.network_acls.get(id) {
                Some(a) if op == OP && a.vpc_id == vpc_id => Ok(m::CreateNetworkAclResult {
                    network_acl: Some(model(ctx, a)),
                    client_token: Some(token.clone()),
                }),
                _ => Err(errors::idempotent_mismatch()),
            };
        }
    }
    ctx.dry_run(input.dry_run)?;
    let acl = NetworkAcl {
        id: ctx.new_id("acl"),
        vpc_id,
        is_default: false,
        entries: vec![
            entry(DENY_ALL, true, "deny"),
            entry(DENY_ALL, false, "deny"),
        ],
        associations: vec![],
        tags,
    };
    let out = model(ctx, &acl);
    ctx.emit(event("network-acl", &acl.id, "created", None));
    let st = &mut ctx.acct_mut().ec2;
    if let Some(token) = &input.client_token {
        st.client_tokens
            .insert(token.clone(), (OP.into(), acl.id.clone()));
    }
    st.network_acls.insert(acl.id.clone(), acl);
    Ok(m::CreateNetworkAclResult {
        network_acl: Some(out),
        client_token: input.client_token,
    })
}

pub(super) fn delete(ctx: &mut Ctx, input: m::DeleteNetworkAclRequest) -> R<()> {
    let id = input.network_acl_id.unwrap_or_default();
    check_id(ctx, &id)?;
    let acl = &ctx.acct().ec2.network_acls[&id];
    if acl.is_default {
        return Err(errors::invalid_value_message(format!(
            "cannot delete default network ACL {id}"
        )));
    }
    if !acl.associations.is_empty() {
        return Err(errors::dependency("networkAcl", &id));
    }
    ctx.dry_run(input.dry_run)?;
    ctx.acct_mut().ec2.network_acls.remove(&id);
    ctx.emit(event("network-acl", &id, "deleted", None));
    Ok(())
}

/// The protocol as EC2 keeps it: `-1` or a number (names taken, as the
/// tools send them either way).
fn protocol(value: &str) -> R<String> {
    let number = match value.to_ascii_lowercase().as_str() {
        "-1" | "all" => return Ok("-1".into()),
        "tcp" => 6,
        "udp" => 17,
        "icmp" => 1,
        "icmpv6" => 58,
        other => other
            .parse::<i32>()
            .ok()
            .filter(|n| (0..=255).contains(n))
            .ok_or_else(|| errors::invalid_value("protocol", value, "Invalid protocol."))?,
    };
    Ok(number.to_string())
}

/// The entry a Create or Replace request describes, checked.
#[allow(clippy::too_many_arguments)]
fn new_entry(
    rule_number: Option<i32>,
    egress: Option<bool>,
    protocol_value: Option<String>,
    action: Option<String>,
    cidr: Option<String>,
    ipv6_cidr: Option<String>,
    ports: Option<m::PortRange>,
    icmp: Option<m::IcmpTypeCode>,
) -> R<AclEntry> {
    let rule_number = rule_number.ok_or_else(|| errors::missing("ruleNumber"))?;
    if !(1..DENY_ALL).contains(&rule_number) {
        return Err(errors::invalid_value(
            "ruleNumber",
            &rule_number.to_string(),
            "Rule numbers must be between 1 and 32766.",
        ));
    }
    let protocol = protocol(&protocol_value.ok_or_else(|| errors::missing("protocol"))?)?;
    let action = action.ok_or_else(|| errors::missing("ruleAction"))?;
    if !matches!(action.as_str(), "allow" | "deny") {
        return Err(errors::invalid_value(
            "ruleAction",
            &action,
            "Valid values are allow and deny.",
        ));
    }
    let (cidr, ipv6_cidr) = match (cidr, ipv6_cidr) {
        (Some(c), None) => {
            let net = c.parse::<ipnet::Ipv4Net>().map_err(|_| {
                errors::invalid_value("cidrBlock", &c, "This is not a valid CIDR block.")
            })?;
            (Some(net.trunc().to_string()), None)
        }
        (None, Some(c)) => {
            let net = c.parse::<ipnet::Ipv6Net>().map_err(|_| {
                errors::invalid_value("ipv6CidrBlock", &c, "This is not a valid IPv6 CIDR block.")
            })?;
            (None, Some(net.trunc().to_string()))
        }
        (None, None) => return Err(errors::missing("cidrBlock or ipv6CidrBlock")),
        (Some(_), Some(_)) => {
            return Err(errors::combination(
                "Only one of cidrBlock and ipv6CidrBlock may be given.",
            ))
        }
    };
    let ports = match (protocol.as_str(), ports) {
        ("6" | "17", None) => return Err(errors::missing("portRange")),
        ("6" | "17", Some(p)) => {
            let (from, to) = (p.from.unwrap_or(0), p.to.unwrap_or(65535));
            if !(0..=65535).contains(&from) || !(from..=65535).contains(&to) {
                return Err(errors::invalid_value(
                    "portRange",
                    &format!("{from}-{to}"),
                    "Ports must be between 0 and 65535, from no greater than to.",
                ));
            }
            Some((from, to))
        }
        _ => None,
    };
    let icmp = match (protocol.as_str(), icmp) {
        ("1" | "58", None) => return Err(errors::missing("icmpTypeCode")),
        ("1" | "58", Some(i)) => Some((i.type_.unwrap_or(-1), i.code.unwrap_or(-1))),
        _ => None,
    };
    Ok(AclEntry {
        rule_number,
        egress: egress.unwrap_or(false),
        protocol,
        action,
        cidr,
        ipv6_cidr,
        ports,
        icmp,
    })
}

/// The entry of a Create or Replace request (the same members in both).
macro_rules! entry_of {
    ($i:expr) => {
        new_entry(
            $i.rule_number,
            $i.egress,
            $i.protocol,
            $i.rule_action,
            $i.cidr_block,
            $i.ipv6_cidr_block,
            $i.port_range,
            $i.icmp_type_code,
        )
    };
}

fn entry_not_found(n: i32) -> AwsError {
    AwsError::new(
        "InvalidNetworkAclEntry.NotFound",
        format!("The network acl entry identified by {n} does not exist."),
    )
}

pub(super) fn create_entry(ctx: &mut Ctx, i: m::CreateNetworkAclEntryRequest) -> R<()> {
    let id = i.network_acl_id.unwrap_or_default();
    check_id(ctx, &id)?;
    let e = entry_of!(i)?;
    let acl = &ctx.acct().ec2.network_acls[&id];
    if acl
        .entries
        .iter()
        .any(|x| x.egress == e.egress && x.rule_number == e.rule_number)
    {
        return Err(AwsError::new(
            "NetworkAclEntryAlreadyExists",
            format!(
                "The network acl entry identified by {} already exists.",
                e.rule_number
            ),
        ));
    }
    ctx.dry_run(i.dry_run)?;
    if let Some(a) = ctx.acct_mut().ec2.network_acls.get_mut(&id) {
        a.entries.push(e);
    }
    ctx.emit(event("network-acl", &id, "entry-created", None));
    Ok(())
}

pub(super) fn replace_entry(ctx: &mut Ctx, i: m::ReplaceNetworkAclEntryRequest) -> R<()> {
    let id = i.network_acl_id.unwrap_or_default();
    check_id(ctx, &id)?;
    let e = entry_of!(i)?;
    let Some(at) = ctx.acct().ec2.network_acls[&id]
        .entries
        .iter()
        .position(|x| x.egress == e.egress && x.rule_number == e.rule_number)
    else {
        return Err(entry_not_found(e.rule_number));
    };
    ctx.dry_run(i.dry_run)?;
    if let Some(a) = ctx.acct_mut().ec2.network_acls.get_mut(&id) {
        a.entries[at] = e;
    }
    ctx.emit(event("network-acl", &id, "entry-replaced", None));
    Ok(())
}

pub(super) fn delete_entry(ctx: &mut Ctx, i: m::DeleteNetworkAclEntryRequest) -> R<()> {
    let id = i.network_acl_id.unwrap_or_default();
    check_id(ctx, &id)?;
    let n = i.rule_number.ok_or_else(|| errors::missing("ruleNumber"))?;
    let egress = i.egress.unwrap_or(false);
    let Some(at) = ctx.acct().ec2.network_acls[&id]
        .entries
        .iter()
        .position(|x| x.egress == egress && x.rule_number == n && n != DENY_ALL)
    else {
        return Err(entry_not_found(n));
    };
    ctx.dry_run(i.dry_run)?;
    if let Some(a) = ctx.acct_mut().ec2.network_acls.get_mut(&id) {
        a.entries.remove(at);
    }
    ctx.emit(event("network-acl", &id, "entry-deleted", None));
    Ok(())
}

pub(super) fn replace_association(
    ctx: &mut Ctx,
    i: m::ReplaceNetworkAclAssociationRequest,
) -> R<m::ReplaceNetworkAclAssociationResult> {
    let assoc = i.association_id.unwrap_or_default();
    let target = i.network_acl_id.unwrap_or_default();
    let st = &ctx.acct().ec2;
    let Some((from, subnet)) = st.network_acls.values().find_map(|a| {
        a.associations
            .iter()
            .find(|(x, _)| *x == assoc)
            .map(|(_, s)| (a.clone(), s.clone()))
    }) else {
        return Err(AwsError::new(
            "InvalidAssociationID.NotFound",
            format!("The association ID '{assoc}' does not exist"),
        ));
    };
    check_id(ctx, &target)?;
    if ctx.acct().ec2.network_acls[&target].vpc_id != from.vpc_id {
        return Err(errors::invalid_value(
            "networkAclId",
            &target,
            &format!("Network ACL {target} and association {assoc} belong to different networks."),
        ));
    }
    ctx.dry_run(i.dry_run)?;
    let new_id = ctx.new_id("aclassoc");
    let st = &mut ctx.acct_mut().ec2;
    if let Some(a) = st.network_acls.get_mut(&from.id) {
        a.associations.retain(|(x, _)| *x != assoc);
    }
    if let Some(a) = st.network_acls.get_mut(&target) {
        a.associations.push((new_id.clone(), subnet));
    }
    ctx.emit(event("network-acl", &target, "associated", None));
    Ok(m::ReplaceNetworkAclAssociationResult {
        new_association_id: Some(new_id),
    })
}

const FILTERS: &[&str] = &[
    "association.association-id",
    "association.network-acl-id",
    "association.subnet-id",
    "default",
    "entry.cidr",
    "entry.icmp.code",
    "entry.icmp.type",
    "entry.ipv6-cidr",
    "entry.port-range.from",
    "entry.port-range.to",
    "entry.protocol",
    "entry.rule-action",
    "entry.egress",
    "entry.rule-number",
    "network-acl-id",
    "owner-id",
    "vpc-id",
];

fn filter_values(ctx: &Ctx, a: &NetworkAcl, name: &str) -> Vec<String> {
    let entries = |f: &dyn Fn(&AclEntry) -> Option<String>| -> Vec<String> {
        a.entries.iter().filter_map(f).collect()
    };
    match name {
        "association.association-id" => a.associations.iter().map(|x| x.0.clone()).collect(),
        "association.network-acl-id" => a.associations.iter().map(|_| a.id.clone()).collect(),
        "association.subnet-id" => a.associations.iter().map(|x| x.1.clone()).collect(),
        "default" => bool_value(a.is_default),
        "entry.cidr" => entries(&|e| e.cidr.clone()),
        "entry.ipv6-cidr" => entries(&|e| e.ipv6_cidr.clone()),
        "entry.icmp.code" => entries(&|e| e.icmp.map(|i| i.1.to_string())),
        "entry.icmp.type" => entries(&|e| e.icmp.map(|i| i.0.to_string())),
        "entry.port-range.from" => entries(&|e| e.ports.map(|p| p.0.to_string())),
        "entry.port-range.to" => entries(&|e| e.ports.map(|p| p.1.to_string())),
        "entry.protocol" => entries(&|e| Some(e.protocol.clone())),
        "entry.rule-action" => entries(&|e| Some(e.action.clone())),
        "entry.egress" => entries(&|e| Some(e.egress.to_string())),
        "entry.rule-number" => entries(&|e| Some(e.rule_number.to_string())),
        "network-acl-id" => one(&a.id),
        "owner-id" => one(&ctx.account),
        "vpc-id" => one(&a.vpc_id),
        _ => vec![],
    }
}

pub(super) fn describe(
    ctx: &mut Ctx,
    input: m::DescribeNetworkAclsRequest,
) -> R<m::DescribeNetworkAclsResult> {
    check_max_results(input.max_results, 5, 1000)?;
    let filters = Filters::parse(input.filters, FILTERS)?;
    let ids = input.network_acl_ids.unwrap_or_default();
    for id in &ids {
        check_id(ctx, id)?;
    }
    ctx.dry_run(input.dry_run)?;
    let items = ctx
        .acct()
        .ec2
        .network_acls
        .values()
        .filter(|a| ids.is_empty() || ids.contains(&a.id))
        .filter(|a| filters.matches(&a.tags, |n| filter_values(ctx, a, n)))
        .map(|a| (a.id.clone(), model(ctx, a)))
        .collect();
    let (page, next) = paginate(items, input.max_results, input.next_token.as_deref())?;
    Ok(m::DescribeNetworkAclsResult {
        network_acls: Some(page),
        next_token: next,
    })
}
