//! CreateVpc, DescribeVpcs, DeleteVpc, Modify/DescribeVpcAttribute and the
//! default VPC (aws-spec.md §8.21–8.23).

use ipnet::Ipv4Net;

use super::checks::{check_vpc_id, parse_cidr};
use super::errors;
use super::errors::R;
use super::query::{bool_value, one, paginate, Filters};
use super::security_groups::new_default_group;
use super::state::event;
use super::state::{Association, Route, RouteTable, Vpc};
use super::tags::{self, Tags};
use crate::model::ec2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

/// How long AWS takes to make a new VPC `available` (scaled by the pace).
const VPC_AVAILABLE_MS: i64 = 1_000;

/// Creates the VPC with its default security group and main route table.
fn insert(ctx: &mut Ctx, cidr: Ipv4Net, is_default: bool, tenancy: String, tags: Tags) -> Vpc {
    let vpc_id = ctx.new_id("vpc");
    let sg_id = ctx.new_id("sg");
    let rtb_id = ctx.new_id("rtb");
    let vpc = Vpc {
        id: vpc_id.clone(),
        cidr: cidr.to_string(),
        cidr_association_id: ctx.new_id("vpc-cidr-assoc"),
        state: if is_default { "available" } else { "pending" }.into(),
        is_default,
        instance_tenancy: tenancy,
        dhcp_options_id: dhcp_options_id(ctx),
        enable_dns_support: true,
        enable_dns_hostnames: is_default,
        enable_network_address_usage_metrics: false,
        default_security_group_id: sg_id.clone(),
        main_route_table_id: rtb_id.clone(),
        cidr_blocks: vec![],
        tags,
    };
    let group = new_default_group(ctx, &sg_id, &vpc_id);
    let table = RouteTable {
        id: rtb_id.clone(),
        vpc_id: vpc_id.clone(),
        routes: super::cidrs::local_routes(&vpc),
        associations: vec![Association {
            id: ctx.new_id("rtbassoc"),
            subnet_id: None,
            gateway_id: None,
            main: true,
        }],
        tags: Tags::default(),
    };
    let st = &mut ctx.acct_mut().ec2;
    st.vpcs.insert(vpc_id.clone(), vpc.clone());
    st.security_groups.insert(sg_id.clone(), group);
    st.route_tables.insert(rtb_id.clone(), table);
    ctx.emit(event("vpc", &vpc_id, "created", Some(&vpc.state)));
    ctx.emit(event("security-group", &sg_id, "created", None));
    ctx.emit(event("route-table", &rtb_id, "created", None));
    super::acls::create_default(ctx, &vpc_id);
    vpc
}

/// All VPCs of an account in a Region share its default DHCP options.
/// The account's default DHCP options in this Region (made with its first
/// VPC, as AWS does), or `default` (none) when it was deleted.
fn dhcp_options_id(ctx: &mut Ctx) -> String {
    match ctx.acct().ec2.default_dhcp_options.clone() {
        Some(id) if ctx.acct().ec2.dhcp_options.contains_key(&id) => id,
        Some(_) => "default".into(),
        None => super::dhcp::create_default(ctx),
    }
}

/// The default VPC as AWS makes it: 172.31.0.0/16, a default subnet in
/// every zone, an internet gateway and a main route table routing
/// 0.0.0.0/0 to it.
pub(super) fn create_default(ctx: &mut Ctx) -> Vpc {
    let cidr: Ipv4Net = "172.31.0.0/16".parse().expect("constant CIDR");
    let vpc = insert(ctx, cidr, true, "default".into(), Tags::default());
    super::subnets::create_default_subnets(ctx, &vpc.id);
    let igw = super::gateways::create_attached(ctx, &vpc.id);
    if let Some(t) = ctx
        .acct_mut()
        .ec2
        .route_tables
        .get_mut(&vpc.main_route_table_id)
    {
        t.routes.push(Route {
            destination_cidr: Some("0.0.0.0/0".into()),
            gateway_id: Some(igw),
            origin: "CreateRoute".into(),
            state: "active".into(),
            ..Default::default()
        });
    }
    vpc
}

/// CreateDefaultVpc: only when the account has none in the Region.
pub(super) fn create_default_request(
    ctx: &mut Ctx,
    input: m::CreateDefaultVpcRequest,
) -> R<m::CreateDefaultVpcResult> {
    if ctx.acct().ec2.vpcs.values().any(|v| v.is_default) {
        return Err(AwsError::new(
            "DefaultVpcAlreadyExists",
            "A Default VPC already exists for this account in this region.",
        ));
    }
    ctx.dry_run(input.dry_run)?;
    let vpc = create_default(ctx);
    Ok(m::CreateDefaultVpcResult {
        vpc: Some(to_model(&vpc, &ctx.account)),
    })
}

pub(super) fn become_available(ctx: &mut Ctx, id: &str) {
    let changed = match ctx.acct_mut().ec2.vpcs.get_mut(id) {
        Some(v) if v.state == "pending" => {
            v.state = "available".into();
            true
        }
        _ => false,
    };
    if changed {
        ctx.emit(event("vpc", id, "state-changed", Some("available")));
    }
}

pub(super) fn to_model(vpc: &Vpc, owner: &str) -> m::Vpc {
    let (v4, v6) = super::cidrs::vpc_sets(vpc);
    m::Vpc {
        vpc_id: Some(vpc.id.clone()),
        owner_id: Some(owner.to_string()),
        state: Some(vpc.state.clone()),
        cidr_block: Some(vpc.cidr.clone()),
        cidr_block_association_set: Some(v4),
        ipv6_cidr_block_association_set: Some(v6),
        dhcp_options_id: Some(vpc.dhcp_options_id.clone()),
        instance_tenancy: Some(vpc.instance_tenancy.clone()),
        is_default: Some(vpc.is_default),
        tags: Some(vpc.tags.to_model()),
        ..Default::default()
    }
}

pub(super) fn create(ctx: &mut Ctx, input: m::CreateVpcRequest) -> R<m::CreateVpcResult> {
    let Some(raw) = input.cidr_block.as_deref() else {
        return Err(AwsError::new(
            "MissingParameter",
            "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided.",
        ));
    };
    let cidr = parse_cidr("cidrBlock", raw)?;
    if !(16..=28).contains(&cidr.prefix_len()) {
        return Err(AwsError::new(
            "InvalidVpc.Range",
            format!("The CIDR '{raw}' is invalid."),
        ));
    }
    let amazon_ipv6 = input.amazon_provided_ipv6_cidr_block == Some(true);
    let group = input.ipv6_cidr_block_network_border_group.as_deref();
    if group.is_some() && !amazon_ipv6 {
        return Err(errors::combination(
            "ipv6CidrBlockNetworkBorderGroup requires amazonProvidedIpv6CidrBlock.",
        ));
    }
    // BYOIP and IPAM pools: none exist here [U: codes and wording].
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
    if input.ipv6_cidr_block.is_some() {
        return Err(errors::combination("ipv6CidrBlock requires ipv6Pool."));
    }
    if amazon_ipv6 {
        if let Some(g) = group.filter(|g| *g != ctx.region_name()) {
            return Err(errors::invalid_value(
                "ipv6CidrBlockNetworkBorderGroup",
                g,
                &format!(
                    "The network border group must be the Region's own ({}).",
                    ctx.region_name()
                ),
            ));
        }
    }
    let tags = tags::from_specs(input.tag_specifications, "vpc")?;
    ctx.dry_run(input.dry_run)?;
    let ipv6 = match amazon_ipv6 {
        true => Some(super::cidrs::allocate_ipv6(ctx)?),
        false => None,
    };
    let tenancy = input.instance_tenancy.unwrap_or_else(|| "default".into());
    let mut vpc = insert(ctx, cidr, false, tenancy, tags);
    let id = vpc.id.clone();
    ctx.schedule(VPC_AVAILABLE_MS, move |ctx| become_available(ctx, &id));
    if let Some(block) = ipv6 {
        vpc.cidr_blocks
            .push(super::cidrs::attach(ctx, &vpc.id, block, true));
    }
    let mut out = to_model(&vpc, &ctx.account);
    // AWS's answer does not show the IPv6 block yet [R: CLI example].
    for b in out.ipv6_cidr_block_association_set.iter_mut().flatten() {
        b.ipv6_cidr_block = Some(String::new());
    }
    Ok(m::CreateVpcResult { vpc: Some(out) })
}

/// DescribeVpcs' filters: those of the API reference, and the legacy names
/// real clients send (`cidr-block`: Ansible's `ec2_vpc_net`; `isDefault`:
/// Terraform's `aws_vpc` data source and `aws_default_vpc`).
const FILTERS: &[&str] = &[
    "cidr",
    "cidr-block",
    "cidr-block-association.cidr-block",
    "cidr-block-association.association-id",
    "cidr-block-association.state",
    "dhcp-options-id",
    "ipv6-cidr-block-association.ipv6-cidr-block",
    "ipv6-cidr-block-association.ipv6-pool",
    "ipv6-cidr-block-association.association-id",
    "ipv6-cidr-block-association.state",
    "is-default",
    "isDefault",
    "owner-id",
    "state",
    "vpc-id",
];

/// The VPC's values for a filter: the multi-block ones match any of its
/// associations (disassociated ones still described included).
fn filter_values(v: &Vpc, owner: &str, name: &str) -> Vec<String> {
    let (v4, v6) = super::cidrs::vpc_sets(v);
    let state = |s: &Option<m::VpcCidrBlockState>| s.as_ref().and_then(|s| s.state.clone());
    match name {
        "cidr" | "cidr-block" => one(&v.cidr),
        "cidr-block-association.cidr-block" => {
            v4.into_iter().filter_map(|a| a.cidr_block).collect()
        }
        "cidr-block-association.association-id" => {
            v4.into_iter().filter_map(|a| a.association_id).collect()
        }
        "cidr-block-association.state" => v4
            .iter()
            .filter_map(|a| state(&a.cidr_block_state))
            .collect(),
        "ipv6-cidr-block-association.ipv6-cidr-block" => {
            v6.into_iter().filter_map(|a| a.ipv6_cidr_block).collect()
        }
        "ipv6-cidr-block-association.ipv6-pool" => {
            v6.into_iter().filter_map(|a| a.ipv6_pool).collect()
        }
        "ipv6-cidr-block-association.association-id" => {
            v6.into_iter().filter_map(|a| a.association_id).collect()
        }
        "ipv6-cidr-block-association.state" => v6
            .iter()
            .filter_map(|a| state(&a.ipv6_cidr_block_state))
            .collect(),
        "dhcp-options-id" => one(&v.dhcp_options_id),
        "is-default" | "isDefault" => bool_value(v.is_default),
        "owner-id" => one(owner),
        "state" => one(&v.state),
        "vpc-id" => one(&v.id),
        _ => vec![],
    }
}

pub(super) fn describe(ctx: &mut Ctx, input: m::DescribeVpcsRequest) -> R<m::DescribeVpcsResult> {
    let filters = Filters::parse(input.filters, FILTERS)?;
    let ids = input.vpc_ids.unwrap_or_default();
    for id in &ids {
        check_vpc_id(ctx, id)?;
    }
    ctx.dry_run(input.dry_run)?;
    super::cidrs::prune(ctx);
    let owner = ctx.account.clone();
    let items = ctx
        .acct()
        .ec2
        .vpcs
        .values()
        .filter(|v| ids.is_empty() || ids.contains(&v.id))
        .filter(|v| filters.matches(&v.tags, |n| filter_values(v, &owner, n)))
        .map(|v| (v.id.clone(), to_model(v, &owner)))
        .collect();
    let (page, next) = paginate(items, input.max_results, input.next_token.as_deref())?;
    Ok(m::DescribeVpcsResult {
        vpcs: Some(page),
        next_token: next,
    })
}

pub(super) fn delete(ctx: &mut Ctx, input: m::DeleteVpcRequest) -> R<()> {
    let id = input.vpc_id.unwrap_or_default();
    check_vpc_id(ctx, &id)?;
    let st = &ctx.acct().ec2;
    let vpc = &st.vpcs[&id];
    let in_use = st.subnets.values().any(|s| s.vpc_id == id)
        || st
            .security_groups
            .values()
            .any(|g| g.vpc_id == id && g.id != vpc.default_security_group_id)
        || st
            .route_tables
            .values()
            .any(|t| t.vpc_id == id && t.id != vpc.main_route_table_id)
        || st.enis.values().any(|e| e.vpc_id == id)
        || st
            .endpoints
            .values()
            .any(|e| e.vpc_id == id && e.state != "deleted")
        || st
            .internet_gateways
            .values()
            .any(|g| g.vpc_id.as_deref() == Some(id.as_str()))
        || st.egress_only_gateways.values().any(|g| g.vpc_id == id)
        || st
            .network_acls
            .values()
            .any(|a| a.vpc_id == id && !a.is_default);
    if in_use {
        return Err(errors::dependency("vpc", &id));
    }
    ctx.dry_run(input.dry_run)?;
    let st = &mut ctx.acct_mut().ec2;
    let Some(vpc) = st.vpcs.remove(&id) else {
        return Err(errors::vpc_not_found(&id));
    };
    st.security_groups.remove(&vpc.default_security_group_id);
    st.route_tables.remove(&vpc.main_route_table_id);
    ctx.emit(event("vpc", &id, "deleted", Some("deleted")));
    ctx.emit(event(
        "security-group",
        &vpc.default_security_group_id,
        "deleted",
        None,
    ));
    ctx.emit(event(
        "route-table",
        &vpc.main_route_table_id,
        "deleted",
        None,
    ));
    super::acls::delete_default(ctx, &id);
    Ok(())
}

pub(super) fn modify_attribute(ctx: &mut Ctx, input: m::ModifyVpcAttributeRequest) -> R<()> {
    let id = input.vpc_id.unwrap_or_default();
    check_vpc_id(ctx, &id)?;
    let support = input.enable_dns_support.and_then(|a| a.value);
    let hostnames = input.enable_dns_hostnames.and_then(|a| a.value);
    let metrics = input
        .enable_network_address_usage_metrics
        .and_then(|a| a.value);
    let named: Vec<&str> = [
        (hostnames.is_some(), "enableDnsHostnames"),
        (support.is_some(), "enableDnsSupport"),
        (metrics.is_some(), "enableNetworkAddressUsageMetrics"),
    ]
    .into_iter()
    .filter_map(|(given, name)| given.then_some(name))
    .collect();
    match named.len() {
        0 => {
            return Err(AwsError::new(
                "MissingParameter",
                "The request must contain exactly one attribute to modify.",
            ))
        }
        1 => {}
        _ => {
            return Err(errors::combination(format!(
                "Fields for multiple attribute types specified: {}",
                named.join(", ")
            )))
        }
    }
    let st = &mut ctx.acct_mut().ec2;
    let vpc = st
        .vpcs
        .get_mut(&id)
        .ok_or_else(|| errors::vpc_not_found(&id))?;
    if let Some(v) = support {
        vpc.enable_dns_support = v;
    }
    if let Some(v) = hostnames {
        vpc.enable_dns_hostnames = v;
    }
    if let Some(v) = metrics {
        vpc.enable_network_address_usage_metrics = v;
    }
    Ok(())
}

pub(super) fn describe_attribute(
    ctx: &mut Ctx,
    input: m::DescribeVpcAttributeRequest,
) -> R<m::DescribeVpcAttributeResult> {
    let id = input.vpc_id.unwrap_or_default();
    check_vpc_id(ctx, &id)?;
    ctx.dry_run(input.dry_run)?;
    let vpc = &ctx.acct().ec2.vpcs[&id];
    let value = |b: bool| Some(m::AttributeBooleanValue { value: Some(b) });
    let mut out = m::DescribeVpcAttributeResult {
        vpc_id: Some(id.clone()),
        ..Default::default()
    };
    match input.attribute.as_deref() {
        Some("enableDnsSupport") => out.enable_dns_support = value(vpc.enable_dns_support),
        Some("enableDnsHostnames") => out.enable_dns_hostnames = value(vpc.enable_dns_hostnames),
        Some("enableNetworkAddressUsageMetrics") => {
            out.enable_network_address_usage_metrics =
                value(vpc.enable_network_address_usage_metrics)
        }
        other => {
            return Err(errors::invalid_value(
                "Attribute",
                other.unwrap_or(""),
                "Unknown attribute.",
            ))
        }
    }
    Ok(out)
}
