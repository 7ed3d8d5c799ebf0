//! A VPC's CIDR blocks beyond its primary one (Associate/
//! DisassociateVpcCidrBlock) and subnets' IPv6 blocks (Associate/
//! DisassociateSubnetCidrBlock), with the `local` routes they bring.
//!
//! A block is `associating` in the answer that adds it and `associated` once
//! AWS is done; `disassociating` in the answer that removes it, then
//! `disassociated`, and described so for an hour before it goes (as AWS
//! keeps it, and as Ansible's `ec2_vpc_subnet` waits for). Amazon-provided
//! IPv6 blocks are /56s of a per-Region /32 (see `IPV6_POOLS`), the lowest
//! one no VPC of the Region holds.

use std::collections::BTreeSet;

use ipnet::{Ipv4Net, Ipv6Net};

use super::checks::{check_known, check_vpc_id, overlaps, parse_cidr};
use super::errors::{self, R};
use super::state::{event, CidrAssociation, Route, State, Subnet, Vpc};
use crate::model::ec2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;
use crate::world::ids::is_valid_id;

/// AWS's default quota of IPv4 blocks per VPC, the primary one included.
const IPV4_PER_VPC: usize = 5;
/// Amazon-provided IPv6 blocks per VPC (one per network border group, and
/// the emulator knows only the Region's own) [U].
const IPV6_PER_VPC: usize = 1;
/// How long associating and disassociating take [U: "a few seconds"].
const SETTLE_MS: i64 = 2_000;
/// How long a disassociated block is still described, in world time (not
/// scaled by the pace, so that tools waiting for `disassociated` see it)
/// [R: "remains disassociated for a long time (1+ hour)"; exact time U].
const LINGER_MS: i64 = 3_600_000;
/// The pin key of an Amazon-provided IPv6 block (scenarios).
pub(crate) const IPV6_PIN: &str = "vpc-ipv6-cidr";

/// The /32 each Region's Amazon-provided /56s come from [U: prefixes of
/// EC2 in AWS's published ip-ranges, from memory]; other Regions use
/// 2600:1f00::/32.
const IPV6_POOLS: &[(&str, &str)] = &[
    ("us-east-1", "2600:1f18::/32"),
    ("us-east-2", "2600:1f16::/32"),
    ("us-west-1", "2600:1f1c::/32"),
    ("us-west-2", "2600:1f14::/32"),
    ("eu-west-1", "2a05:d018::/32"),
    ("eu-central-1", "2a05:d014::/32"),
    ("ap-northeast-1", "2406:da14::/32"),
    ("ap-southeast-1", "2406:da18::/32"),
];

fn ipv6_pool(region: &str) -> Ipv6Net {
    let text = IPV6_POOLS
        .iter()
        .find(|(r, _)| *r == region)
        .map_or("2600:1f00::/32", |(_, p)| p);
    text.parse().expect("constant prefix")
}

/// Every IPv6 block a VPC of the Region holds (lingering ones included, so
/// a block given back is not handed out again at once).
fn ipv6_taken(ctx: &Ctx) -> BTreeSet<u128> {
    ctx.region
        .accounts
        .values()
        .flat_map(|a| a.ec2.vpcs.values())
        .flat_map(|v| v.cidr_blocks.iter())
        .filter(|b| b.ipv6)
        .filter_map(|b| b.cidr.parse::<Ipv6Net>().ok())
        .map(|n| u128::from(n.network()))
        .collect()
}

/// An Amazon-provided /56: a scenario's pin when it is free, else the
/// lowest /56 of the Region's pool (from its second) that no VPC holds.
pub(crate) fn allocate_ipv6(ctx: &Ctx) -> R<String> {
    let taken = ipv6_taken(ctx);
    if let Some(pinned) = ctx.world.ids.take_pin(IPV6_PIN) {
        if let Ok(n) = pinned.parse::<Ipv6Net>() {
            if n.prefix_len() == 56 && !taken.contains(&u128::from(n.trunc().network())) {
                return Ok(n.trunc().to_string());
            }
        }
    }
    let base = u128::from(ipv6_pool(ctx.region_name()).network());
    (1u128..1 << 24)
        .map(|i| base | (i << 72))
        .find(|a| !taken.contains(a))
        .and_then(|a| Ipv6Net::new(a.into(), 56).ok())
        .map(|n| n.to_string())
        .ok_or_else(|| {
            AwsError::new(
                "InsufficientCidrBlocks",
                "There are not enough free IPv6 CIDR blocks in this Region.",
            )
        })
}

/// Where the primary IPv4 block lies, for AWS's table of the secondary
/// blocks a VPC may add (VPC user guide, "IPv4 CIDR block association
/// restrictions").
#[derive(PartialEq)]
enum Range {
    Ten,
    OneSevenTwo,
    OneNineTwo,
    OneNineEight,
    /// Publicly routable, or 100.64.0.0/10.
    Public,
}

fn net(s: &str) -> Ipv4Net {
    s.parse().expect("constant CIDR")
}

fn range_of(n: &Ipv4Net) -> Range {
    if net("10.0.0.0/8").contains(n) {
        Range::Ten
    } else if net("172.16.0.0/12").contains(n) {
        Range::OneSevenTwo
    } else if net("192.168.0.0/16").contains(n) {
        Range::OneNineTwo
    } else if net("198.19.0.0/16").contains(n) {
        Range::OneNineEight
    } else {
        Range::Public
    }
}

/// True when AWS refuses `new` as a secondary block of a VPC whose primary
/// block is `primary`.
fn restricted(primary: &Ipv4Net, new: &Ipv4Net) -> bool {
    let rfc1918 = |r: &Range| matches!(r, Range::Ten | Range::OneSevenTwo | Range::OneNineTwo);
    let (p, n) = (range_of(primary), range_of(new));
    match p {
        Range::OneNineEight => rfc1918(&n),
        Range::Public => rfc1918(&n) || n == Range::OneNineEight,
        _ => {
            (rfc1918(&n) && n != p)
                || n == Range::OneNineEight
                // [doc, a rule of the ClassicLink days that may be gone: U]
                || (p == Range::Ten
                    && net("10.0.0.0/15").contains(primary)
                    && net("10.0.0.0/16").contains(new))
                || (p == Range::OneSevenTwo && net("172.31.0.0/16").contains(new))
        }
    }
}

/// The VPC's IPv4 blocks that subnets may use: the primary one and the
/// secondary ones associated or associating [U: AWS may want `associated`].
pub(crate) fn ipv4_blocks(vpc: &Vpc) -> Vec<Ipv4Net> {
    std::iter::once(vpc.cidr.as_str())
        .chain(
            vpc.cidr_blocks
                .iter()
                .filter(|b| !b.ipv6 && b.live())
                .map(|b| b.cidr.as_str()),
        )
        .filter_map(|c| c.parse().ok())
        .collect()
}

/// The VPC's live IPv6 block, if any.
pub(crate) fn ipv6_block(vpc: &Vpc) -> Option<Ipv6Net> {
    vpc.cidr_blocks
        .iter()
        .find(|b| b.ipv6 && b.live())
        .and_then(|b| b.cidr.parse().ok())
}

fn local_route(cidr: &str, ipv6: bool) -> Route {
    Route {
        destination_cidr: (!ipv6).then(|| cidr.to_string()),
        destination_ipv6_cidr: ipv6.then(|| cidr.to_string()),
        gateway_id: Some("local".into()),
        origin: "CreateRouteTable".into(),
        state: "active".into(),
        ..Default::default()
    }
}

/// The `local` routes a new route table of the VPC starts with: one for
/// each of its blocks, in the order they were associated.
pub(crate) fn local_routes(vpc: &Vpc) -> Vec<Route> {
    std::iter::once(local_route(&vpc.cidr, false))
        .chain(
            vpc.cidr_blocks
                .iter()
                .filter(|b| b.live())
                .map(|b| local_route(&b.cidr, b.ipv6)),
        )
        .collect()
}

/// Adds the block's `local` route to every route table of the VPC, after
/// the local routes they have [U: AWS's order].
fn add_local_routes(st: &mut State, vpc_id: &str, cidr: &str, ipv6: bool) {
    for t in st.route_tables.values_mut().filter(|t| t.vpc_id == vpc_id) {
        let at = t
            .routes
            .iter()
            .rposition(|r| r.gateway_id.as_deref() == Some("local"))
            .map_or(0, |i| i + 1);
        t.routes.insert(at, local_route(cidr, ipv6));
    }
}

fn remove_local_routes(st: &mut State, vpc_id: &str, cidr: &str) {
    for t in st.route_tables.values_mut().filter(|t| t.vpc_id == vpc_id) {
        t.routes.retain(|r| {
            !(r.gateway_id.as_deref() == Some("local") && r.destination() == Some(cidr))
        });
    }
}

/// Forgets the disassociated blocks whose time to be described is over.
pub(crate) fn prune(ctx: &mut Ctx) {
    // Nothing disassociated: nothing to forget, and the answer does not
    // depend on the time.
    let st = &ctx.acct().ec2;
    let lingering = st
        .vpcs
        .values()
        .flat_map(|v| &v.cidr_blocks)
        .chain(st.subnets.values().flat_map(|s| &s.ipv6_cidrs))
        .any(|b| b.gone_at.is_some());
    if !lingering {
        return;
    }
    let now = ctx.now().millis();
    let gone = |b: &CidrAssociation| b.gone_at.is_some_and(|t| t <= now);
    let st = &mut ctx.acct_mut().ec2;
    for v in st.vpcs.values_mut() {
        v.cidr_blocks.retain(|b| !gone(b));
    }
    for s in st.subnets.values_mut() {
        s.ipv6_cidrs.retain(|b| !gone(b));
    }
}

fn block_state(state: &str) -> Option<m::VpcCidrBlockState> {
    Some(m::VpcCidrBlockState {
        state: Some(state.to_string()),
        status_message: None,
    })
}

fn ipv4_model(b: &CidrAssociation) -> m::VpcCidrBlockAssociation {
    m::VpcCidrBlockAssociation {
        association_id: Some(b.id.clone()),
        cidr_block: Some(b.cidr.clone()),
        cidr_block_state: block_state(&b.state),
    }
}

fn ipv6_model(b: &CidrAssociation) -> m::VpcIpv6CidrBlockAssociation {
    m::VpcIpv6CidrBlockAssociation {
        association_id: Some(b.id.clone()),
        ipv6_cidr_block: Some(b.cidr.clone()),
        ipv6_cidr_block_state: block_state(&b.state),
        network_border_group: b.border_group.clone(),
        ipv6_pool: Some("Amazon".into()),
        // [U] what AWS reports for Amazon-provided blocks today.
        ipv6_address_attribute: Some("public".into()),
        ip_source: Some("amazon".into()),
    }
}

/// The VPC's `cidrBlockAssociationSet` and `ipv6CidrBlockAssociationSet`.
pub(crate) fn vpc_sets(
    vpc: &Vpc,
) -> (
    Vec<m::VpcCidrBlockAssociation>,
    Vec<m::VpcIpv6CidrBlockAssociation>,
) {
    let primary = m::VpcCidrBlockAssociation {
        association_id: Some(vpc.cidr_association_id.clone()),
        cidr_block: Some(vpc.cidr.clone()),
        cidr_block_state: block_state("associated"),
    };
    let v4 = std::iter::once(primary)
        .chain(vpc.cidr_blocks.iter().filter(|b| !b.ipv6).map(ipv4_model))
        .collect();
    let v6 = vpc
        .cidr_blocks
        .iter()
        .filter(|b| b.ipv6)
        .map(ipv6_model)
        .collect();
    (v4, v6)
}

pub(crate) fn subnet_model(b: &CidrAssociation) -> m::SubnetIpv6CidrBlockAssociation {
    m::SubnetIpv6CidrBlockAssociation {
        association_id: Some(b.id.clone()),
        ipv6_cidr_block: Some(b.cidr.clone()),
        ipv6_cidr_block_state: Some(m::SubnetCidrBlockState {
            state: Some(b.state.clone()),
            status_message: None,
        }),
        // [U] as for the VPC's block.
        ipv6_address_attribute: Some("public".into()),
        ip_source: Some("amazon".into()),
    }
}

/// Moves a VPC block from `from` to `to` (a transition on the clock); a
/// block that reaches `disassociated` starts its last hour.
fn settle_vpc(ctx: &mut Ctx, vpc_id: &str, assoc: &str, from: &str, to: &str) {
    let gone_at = ctx.now().millis() + LINGER_MS;
    let Some(v) = ctx.acct_mut().ec2.vpcs.get_mut(vpc_id) else {
        return;
    };
    let Some(b) = v
        .cidr_blocks
        .iter_mut()
        .find(|b| b.id == assoc && b.state == from)
    else {
        return;
    };
    b.state = to.to_string();
    if to == "disassociated" {
        b.gone_at = Some(gone_at);
    }
    ctx.emit(event(
        "vpc-cidr-block-association",
        assoc,
        "state-changed",
        Some(to),
    ));
}

fn settle_subnet(ctx: &mut Ctx, subnet_id: &str, assoc: &str, from: &str, to: &str) {
    let gone_at = ctx.now().millis() + LINGER_MS;
    let Some(s) = ctx.acct_mut().ec2.subnets.get_mut(subnet_id) else {
        return;
    };
    let Some(b) = s
        .ipv6_cidrs
        .iter_mut()
        .find(|b| b.id == assoc && b.state == from)
    else {
        return;
    };
    b.state = to.to_string();
    if to == "disassociated" {
        b.gone_at = Some(gone_at);
    }
    ctx.emit(event(
        "subnet-cidr-block-association",
        assoc,
        "state-changed",
        Some(to),
    ));
}

/// Adds a block to the VPC (`associating`), its local routes to the VPC's
/// tables, and schedules its `associated`.
pub(crate) fn attach(ctx: &mut Ctx, vpc_id: &str, cidr: String, ipv6: bool) -> CidrAssociation {
    let block = CidrAssociation {
        id: ctx.new_id("vpc-cidr-assoc"),
        cidr,
        ipv6,
        state: "associating".into(),
        border_group: ipv6.then(|| ctx.region_name().to_string()),
        gone_at: None,
    };
    let st = &mut ctx.acct_mut().ec2;
    if let Some(v) = st.vpcs.get_mut(vpc_id) {
        v.cidr_blocks.push(block.clone());
    }
    add_local_routes(st, vpc_id, &block.cidr, ipv6);
    ctx.emit(event(
        "vpc-cidr-block-association",
        &block.id,
        "created",
        Some("associating"),
    ));
    let (vpc, assoc) = (vpc_id.to_string(), block.id.clone());
    ctx.schedule(SETTLE_MS, move |ctx| {
        settle_vpc(ctx, &vpc, &assoc, "associating", "associated")
    });
    block
}

fn limit(vpc_id: &str, n: usize) -> AwsError {
    // [U: message as moto has it]
    AwsError::new(
        "CidrLimitExceeded",
        format!("This network '{vpc_id}' has met its maximum number of allowed CIDRs: {n}"),
    )
}

/// Checks a border group given for an Amazon-provided block: the Region's
/// own is the only one the emulator knows [U: wording].
fn check_border_group(ctx: &Ctx, group: Option<&str>) -> R<()> {
    match group {
        Some(g) if g != ctx.region_name() => Err(errors::invalid_value(
            "ipv6CidrBlockNetworkBorderGroup",
            g,
            &format!(
                "The network border group must be the Region's own ({}).",
                ctx.region_name()
            ),
        )),
        _ => Ok(()),
    }
}

/// Adds an Amazon-provided /56 to a VPC that has none (CreateVpc and
/// AssociateVpcCidrBlock).
pub(crate) fn associate_amazon_ipv6(
    ctx: &mut Ctx,
    vpc_id: &str,
    border_group: Option<&str>,
) -> R<CidrAssociation> {
    check_border_group(ctx, border_group)?;
    let live = ctx.acct().ec2.vpcs.get(vpc_id).map_or(0, |v| {
        v.cidr_blocks.iter().filter(|b| b.ipv6 && b.live()).count()
    });
    if live >= IPV6_PER_VPC {
        return Err(limit(vpc_id, IPV6_PER_VPC));
    }
    let cidr = allocate_ipv6(ctx)?;
    Ok(attach(ctx, vpc_id, cidr, true))
}

/// Checks a secondary IPv4 block against AWS's rules for the VPC.
fn check_ipv4(st: &State, vpc: &Vpc, raw: &str) -> R<Ipv4Net> {
    let cidr = parse_cidr("cidrBlock", raw)?;
    let range = || AwsError::new("InvalidVpc.Range", format!("The CIDR '{raw}' is invalid."));
    if !(16..=28).contains(&cidr.prefix_len()) {
        return Err(range());
    }
    let live = 1 + vpc
        .cidr_blocks
        .iter()
        .filter(|b| !b.ipv6 && b.live())
        .count();
    if live >= IPV4_PER_VPC {
        return Err(limit(&vpc.id, IPV4_PER_VPC));
    }
    // Blocks still being removed count as the VPC's [U].
    let mine = std::iter::once(vpc.cidr.as_str()).chain(
        vpc.cidr_blocks
            .iter()
            .filter(|b| !b.ipv6 && b.state != "disassociated")
            .map(|b| b.cidr.as_str()),
    );
    for c in mine {
        if c.parse::<Ipv4Net>().is_ok_and(|o| overlaps(&o, &cidr)) {
            // [U: code and wording]
            return Err(AwsError::new(
                "InvalidVpc.Range",
                format!("The CIDR '{raw}' conflicts with another CIDR block of the VPC ('{c}')."),
            ));
        }
    }
    let primary: Ipv4Net = vpc.cidr.parse().map_err(|_| range())?;
    if restricted(&primary, &cidr) {
        return Err(AwsError::new(
            "InvalidVpc.Range",
            format!(
                "The CIDR '{raw}' is restricted. Use a CIDR from the same private address range as the current VPC CIDR, or use a publicly-routable CIDR. For additional restrictions, see https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html"
            ),
        ));
    }
    // "The CIDR block must not be the same or larger than the CIDR range of
    // a route in any of the VPC route tables" [doc].
    for t in st.route_tables.values().filter(|t| t.vpc_id == vpc.id) {
        for r in t
            .routes
            .iter()
            .filter(|r| r.gateway_id.as_deref() != Some("local"))
        {
            let Some(dest) = r.destination_cidr.as_deref() else {
                continue;
            };
            if dest.parse::<Ipv4Net>().is_ok_and(|d| cidr.contains(&d)) {
                // [U: code and wording]
                return Err(AwsError::new(
                    "InvalidVpc.Range",
                    format!(
                        "The CIDR '{raw}' is the same as or larger than the destination {dest} of a route in route table {}.",
                        t.id
                    ),
                ));
            }
        }
    }
    Ok(cidr)
}

/// AssociateVpcCidrBlock: a secondary IPv4 block or an Amazon-provided IPv6
/// /56 (IPAM and BYOIP pools are refused as unknown).
pub(super) fn associate_vpc(
    ctx: &mut Ctx,
    input: m::AssociateVpcCidrBlockRequest,
) -> R<m::AssociateVpcCidrBlockResult> {
    let vpc_id = input.vpc_id.clone().unwrap_or_default();
    check_vpc_id(ctx, &vpc_id)?;
    let amazon = input.amazon_provided_ipv6_cidr_block == Some(true);
    let given: Vec<&str> = [
        (input.cidr_block.is_some(), "cidrBlock"),
        (amazon, "amazonProvidedIpv6CidrBlock"),
        (input.ipv6_pool.is_some(), "ipv6Pool"),
        (input.ipv4_ipam_pool_id.is_some(), "ipv4IpamPoolId"),
        (input.ipv6_ipam_pool_id.is_some(), "ipv6IpamPoolId"),
    ]
    .into_iter()
    .filter_map(|(g, name)| g.then_some(name))
    .collect();
    match given.len() {
        // [U: wording]
        0 => {
            return Err(AwsError::new(
                "MissingParameter",
                "Either 'cidrBlock', 'amazonProvidedIpv6CidrBlock', 'ipv6Pool', 'ipv4IpamPoolId' or 'ipv6IpamPoolId' should be provided.",
            ))
        }
        1 => {}
        _ => {
            return Err(errors::combination(format!(
                "Only one of {} may be given.",
                given.join(", ")
            )))
        }
    }
    if input.ipv6_cidr_block_network_border_group.is_some() && !amazon {
        return Err(errors::combination(
            "ipv6CidrBlockNetworkBorderGroup requires amazonProvidedIpv6CidrBlock.",
        ));
    }
    if input.ipv6_cidr_block.is_some() && input.ipv6_pool.is_none() {
        return Err(errors::combination("ipv6CidrBlock requires ipv6Pool."));
    }
    if let Some(pool) = input.ipv6_pool.as_deref() {
        return Err(AwsError::new(
            "InvalidIpv6PoolID.NotFound",
            format!("The ipv6Pool ID '{pool}' does not exist"),
        ));
    }
    if let Some(pool) = input
        .ipv4_ipam_pool_id
        .as_deref()
        .or(input.ipv6_ipam_pool_id.as_deref())
    {
        return Err(AwsError::new(
            "InvalidIpamPoolId.NotFound",
            format!("The ipam pool ID '{pool}' does not exist"),
        ));
    }
    prune(ctx);
    let mut out = m::AssociateVpcCidrBlockResult {
        vpc_id: Some(vpc_id.clone()),
        ..Default::default()
    };
    if let Some(raw) = input.cidr_block.as_deref() {
        let st = &ctx.acct().ec2;
        let cidr = check_ipv4(st, &st.vpcs[&vpc_id], raw)?;
        let block = attach(ctx, &vpc_id, cidr.to_string(), false);
        out.cidr_block_association = Some(ipv4_model(&block));
    } else {
        let group = input.ipv6_cidr_block_network_border_group.as_deref();
        let block = associate_amazon_ipv6(ctx, &vpc_id, group)?;
        // AWS's answer does not show the block yet [R: CLI example].
        out.ipv6_cidr_block_association = Some(m::VpcIpv6CidrBlockAssociation {
            ipv6_cidr_block: None,
            ..ipv6_model(&block)
        });
    }
    Ok(out)
}

/// DisassociateVpcCidrBlock: not the primary block, nor one with subnets.
pub(super) fn disassociate_vpc(
    ctx: &mut Ctx,
    input: m::DisassociateVpcCidrBlockRequest,
) -> R<m::DisassociateVpcCidrBlockResult> {
    let id = input.association_id.unwrap_or_default();
    prune(ctx);
    let st = &ctx.acct().ec2;
    if st.vpcs.values().any(|v| v.cidr_association_id == id) {
        // [U: as moto words it]
        return Err(AwsError::new(
            "OperationNotPermitted",
            format!("The vpc CIDR block with association ID {id} may not be disassociated. It is the primary IPv4 CIDR block of the VPC"),
        ));
    }
    let found = st.vpcs.values().find_map(|v| {
        v.cidr_blocks
            .iter()
            .find(|b| b.id == id && b.live())
            .map(|b| (v.id.clone(), b.clone()))
    });
    let Some((vpc_id, block)) = found else {
        // [U: code and wording]
        return Err(AwsError::new(
            "InvalidVpcCidrBlockAssociationID.NotFound",
            format!("The vpc CIDR block association ID '{id}' does not exist"),
        ));
    };
    let in_use = st
        .subnets
        .values()
        .filter(|s| s.vpc_id == vpc_id)
        .any(|s| subnet_within(s, &block));
    if in_use {
        return Err(AwsError::new(
            "InvalidCidrBlock.InUse",
            format!(
                "The vpc {vpc_id} currently has a subnet within CIDR block {}",
                block.cidr
            ),
        ));
    }
    let st = &mut ctx.acct_mut().ec2;
    if let Some(b) = st
        .vpcs
        .get_mut(&vpc_id)
        .and_then(|v| v.cidr_blocks.iter_mut().find(|b| b.id == id))
    {
        b.state = "disassociating".into();
    }
    remove_local_routes(st, &vpc_id, &block.cidr);
    ctx.emit(event(
        "vpc-cidr-block-association",
        &id,
        "state-changed",
        Some("disassociating"),
    ));
    let (vpc, assoc) = (vpc_id.clone(), id.clone());
    ctx.schedule(SETTLE_MS, move |ctx| {
        settle_vpc(ctx, &vpc, &assoc, "disassociating", "disassociated")
    });
    let block = CidrAssociation {
        state: "disassociating".into(),
        ..block
    };
    let mut out = m::DisassociateVpcCidrBlockResult {
        vpc_id: Some(vpc_id),
        ..Default::default()
    };
    if block.ipv6 {
        out.ipv6_cidr_block_association = Some(ipv6_model(&block));
    } else {
        out.cidr_block_association = Some(ipv4_model(&block));
    }
    Ok(out)
}

/// The subnet has addresses of the VPC's block.
fn subnet_within(s: &Subnet, block: &CidrAssociation) -> bool {
    if block.ipv6 {
        let Ok(outer) = block.cidr.parse::<Ipv6Net>() else {
            return false;
        };
        s.ipv6_cidrs
            .iter()
            .filter(|b| b.state != "disassociated")
            .filter_map(|b| b.cidr.parse::<Ipv6Net>().ok())
            .any(|n| outer.contains(&n))
    } else {
        let Ok(outer) = block.cidr.parse::<Ipv4Net>() else {
            return false;
        };
        s.cidr.parse::<Ipv4Net>().is_ok_and(|n| outer.contains(&n))
    }
}

/// Checks an IPv6 block asked for a subnet of the VPC: a /64 of the VPC's
/// /56 that no other subnet of the VPC has.
pub(crate) fn check_subnet_ipv6(
    st: &State,
    vpc_id: &str,
    raw: &str,
    subnet_id: Option<&str>,
) -> R<Ipv6Net> {
    let invalid = || {
        AwsError::new(
            "InvalidParameterValue",
            format!("invalid value for parameter ipv6-cidr-block: {raw}"),
        )
    };
    let cidr = raw.parse::<Ipv6Net>().map_err(|_| invalid())?.trunc();
    // [U: newer AWS takes /44 to /64 in steps of 4 from IPAM pools]
    if cidr.prefix_len() != 64 {
        return Err(invalid());
    }
    let inside = st
        .vpcs
        .get(vpc_id)
        .and_then(ipv6_block)
        .is_some_and(|b| b.contains(&cidr));
    if !inside {
        return Err(AwsError::new(
            "InvalidSubnet.Range",
            format!("The IPv6 CIDR '{raw}' is invalid."),
        ));
    }
    let conflict = st
        .subnets
        .values()
        .filter(|s| s.vpc_id == vpc_id && Some(s.id.as_str()) != subnet_id)
        .flat_map(|s| s.ipv6_cidrs.iter())
        .filter(|b| b.state != "disassociated")
        .filter_map(|b| b.cidr.parse::<Ipv6Net>().ok())
        .any(|o| o.contains(&cidr) || cidr.contains(&o));
    if conflict {
        // [R for IPv4 blocks; U for IPv6 ones]
        return Err(AwsError::new(
            "InvalidSubnet.Conflict",
            format!("The CIDR '{raw}' conflicts with another subnet"),
        ));
    }
    Ok(cidr)
}

/// A new IPv6 association of a subnet (`associating`), its `associated`
/// scheduled.
pub(crate) fn new_subnet_block(ctx: &mut Ctx, subnet_id: &str, cidr: &Ipv6Net) -> CidrAssociation {
    let block = CidrAssociation {
        id: ctx.new_id("subnet-cidr-assoc"),
        cidr: cidr.to_string(),
        ipv6: true,
        state: "associating".into(),
        border_group: None,
        gone_at: None,
    };
    let (subnet, assoc) = (subnet_id.to_string(), block.id.clone());
    ctx.schedule(SETTLE_MS, move |ctx| {
        settle_subnet(ctx, &subnet, &assoc, "associating", "associated")
    });
    block
}

/// AssociateSubnetCidrBlock: an IPv6 /64 for a subnet that has none.
pub(super) fn associate_subnet(
    ctx: &mut Ctx,
    input: m::AssociateSubnetCidrBlockRequest,
) -> R<m::AssociateSubnetCidrBlockResult> {
    let subnet_id = input.subnet_id.unwrap_or_default();
    // (`subnets` uses this module: the check is made here.)
    let exists = ctx.acct().ec2.subnets.contains_key(&subnet_id);
    check_known(
        &subnet_id,
        "subnet",
        "InvalidSubnetID.Malformed",
        exists,
        || errors::subnet_not_found(&subnet_id),
    )?;
    if let Some(pool) = input.ipv6_ipam_pool_id.as_deref() {
        return Err(AwsError::new(
            "InvalidIpamPoolId.NotFound",
            format!("The ipam pool ID '{pool}' does not exist"),
        ));
    }
    let Some(raw) = input.ipv6_cidr_block.as_deref() else {
        return Err(errors::missing("Ipv6CidrBlock"));
    };
    prune(ctx);
    let st = &ctx.acct().ec2;
    let subnet = &st.subnets[&subnet_id];
    if subnet.ipv6_cidrs.iter().any(|b| b.live()) {
        // [U: code and wording]
        return Err(errors::invalid_value(
            "ipv6CidrBlock",
            raw,
            &format!("The subnet '{subnet_id}' already has an IPv6 CIDR block."),
        ));
    }
    let cidr = check_subnet_ipv6(st, &subnet.vpc_id, raw, Some(&subnet_id))?;
    let block = new_subnet_block(ctx, &subnet_id, &cidr);
    if let Some(s) = ctx.acct_mut().ec2.subnets.get_mut(&subnet_id) {
        s.ipv6_cidrs.push(block.clone());
    }
    ctx.emit(event(
        "subnet-cidr-block-association",
        &block.id,
        "created",
        Some("associating"),
    ));
    Ok(m::AssociateSubnetCidrBlockResult {
        subnet_id: Some(subnet_id),
        ipv6_cidr_block_association: Some(subnet_model(&block)),
    })
}

/// DisassociateSubnetCidrBlock.
pub(super) fn disassociate_subnet(
    ctx: &mut Ctx,
    input: m::DisassociateSubnetCidrBlockRequest,
) -> R<m::DisassociateSubnetCidrBlockResult> {
    let id = input.association_id.unwrap_or_default();
    if !is_valid_id(&id, "subnet-cidr-assoc") {
        // [U: wording]
        return Err(AwsError::new(
            "InvalidSubnetCidrBlockAssociationId.Malformed",
            format!("Invalid id: \"{id}\" (expecting \"subnet-cidr-assoc-...\")"),
        ));
    }
    prune(ctx);
    let found = ctx.acct().ec2.subnets.values().find_map(|s| {
        s.ipv6_cidrs
            .iter()
            .find(|b| b.id == id && b.live())
            .map(|b| (s.id.clone(), s.assign_ipv6_on_creation, b.clone()))
    });
    let Some((subnet_id, assigning, block)) = found else {
        // [U: as moto words it]
        return Err(AwsError::new(
            "InvalidSubnetCidrBlockAssociationID.NotFound",
            format!("The subnet CIDR block with association ID '{id}' does not exist"),
        ));
    };
    if assigning {
        return Err(AwsError::new(
            "InvalidCidrBlock.InUse",
            format!("The subnet IPv6 CIDR block with association ID {id} may not be disassociated, because its subnet has assign-ipv6-address-on-creation set to true."),
        ));
    }
    if let Some(b) = ctx
        .acct_mut()
        .ec2
        .subnets
        .get_mut(&subnet_id)
        .and_then(|s| s.ipv6_cidrs.iter_mut().find(|b| b.id == id))
    {
        b.state = "disassociating".into();
    }
    ctx.emit(event(
        "subnet-cidr-block-association",
        &id,
        "state-changed",
        Some("disassociating"),
    ));
    let (subnet, assoc) = (subnet_id.clone(), id.clone());
    ctx.schedule(SETTLE_MS, move |ctx| {
        settle_subnet(ctx, &subnet, &assoc, "disassociating", "disassociated")
    });
    Ok(m::DisassociateSubnetCidrBlockResult {
        subnet_id: Some(subnet_id),
        ipv6_cidr_block_association: Some(subnet_model(&CidrAssociation {
            state: "disassociating".into(),
            ..block
        })),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(p: &str, n: &str) -> bool {
        restricted(&net(p), &net(n))
    }

    #[test]
    fn restrictions_follow_the_primary_range() {
        assert!(r("10.0.0.0/16", "172.16.0.0/16"));
        assert!(r("10.0.0.0/16", "192.168.0.0/16"));
        assert!(r("10.0.0.0/16", "198.19.0.0/16"));
        assert!(!r("10.0.0.0/16", "10.2.0.0/16"));
        assert!(!r("10.0.0.0/16", "100.64.0.0/16"));
        assert!(!r("10.0.0.0/16", "52.0.0.0/16"));
        assert!(r("10.1.0.0/16", "10.0.4.0/24"));
        assert!(!r("10.2.0.0/16", "10.0.4.0/24"));
        assert!(r("172.16.0.0/16", "172.31.0.0/16"));
        assert!(r("172.16.0.0/16", "10.0.0.0/16"));
        assert!(!r("172.16.0.0/16", "172.20.0.0/16"));
        assert!(r("192.168.0.0/16", "10.0.0.0/16"));
        assert!(r("198.19.0.0/16", "10.0.0.0/16"));
        assert!(!r("198.19.0.0/20", "100.64.0.0/16"));
        assert!(r("100.64.0.0/16", "198.19.0.0/16"));
        assert!(r("52.0.0.0/16", "192.168.0.0/16"));
        assert!(!r("52.0.0.0/16", "53.0.0.0/16"));
    }

    #[test]
    fn pools_are_slash_32s() {
        for (region, _) in IPV6_POOLS {
            assert_eq!(ipv6_pool(region).prefix_len(), 32);
        }
        assert_eq!(ipv6_pool("nowhere-1").to_string(), "2600:1f00::/32");
    }
}
