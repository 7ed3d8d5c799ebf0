//! Internet gateways (Create, Attach, Detach, Delete, Describe) and
//! egress-only internet gateways (Create, Delete, Describe), with AWS's
//! rules: one internet gateway per VPC and one VPC per gateway, no delete
//! while attached, no detach while the VPC has public addresses mapped.

use super::checks::{check_known, check_vpc_id};
use super::errors::{self, R};
use super::query::{check_max_results, one, paginate, Filters};
use super::state::{event, EgressOnlyGateway, InternetGateway};
use super::tags;
use crate::model::ec2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

fn check_igw_id(ctx: &Ctx, id: &str) -> R<()> {
    let exists = ctx.acct().ec2.internet_gateways.contains_key(id);
    check_known(
        id,
        "igw",
        "InvalidInternetGatewayId.Malformed",
        exists,
        || {
            AwsError::new(
                "InvalidInternetGatewayID.NotFound",
                format!("The internetGateway ID '{id}' does not exist"),
            )
        },
    )
}

fn check_eigw_id(ctx: &Ctx, id: &str) -> R<()> {
    let exists = ctx.acct().ec2.egress_only_gateways.contains_key(id);
    check_known(
        id,
        "eigw",
        "InvalidEgressOnlyInternetGatewayId.Malformed",
        exists,
        || {
            AwsError::new(
                "InvalidGatewayID.NotFound",
                format!("The eigw ID '{id}' does not exist"),
            )
        },
    )
}

fn igw_model(ctx: &Ctx, g: &InternetGateway) -> m::InternetGateway {
    m::InternetGateway {
        attachments: Some(
            g.vpc_id
                .iter()
                .map(|v| m::InternetGatewayAttachment {
                    // AWS shows an internet gateway's attachment as `available`.
                    state: Some("available".into()),
                    vpc_id: Some(v.clone()),
                })
                .collect(),
        ),
        internet_gateway_id: Some(g.id.clone()),
        owner_id: Some(ctx.account.clone()),
        tags: Some(g.tags.to_model()),
    }
}

fn eigw_model(g: &EgressOnlyGateway) -> m::EgressOnlyInternetGateway {
    m::EgressOnlyInternetGateway {
        attachments: Some(vec![m::InternetGatewayAttachment {
            state: Some("attached".into()),
            vpc_id: Some(g.vpc_id.clone()),
        }]),
        egress_only_internet_gateway_id: Some(g.id.clone()),
        tags: Some(g.tags.to_model()),
    }
}

pub(super) fn create(
    ctx: &mut Ctx,
    input: m::CreateInternetGatewayRequest,
) -> R<m::CreateInternetGatewayResult> {
    let tags = tags::from_specs(input.tag_specifications, "internet-gateway")?;
    ctx.dry_run(input.dry_run)?;
    let g = InternetGateway {
        id: ctx.new_id("igw"),
        vpc_id: None,
        tags,
    };
    let out = igw_model(ctx, &g);
    ctx.emit(event("internet-gateway", &g.id, "created", None));
    ctx.acct_mut().ec2.internet_gateways.insert(g.id.clone(), g);
    Ok(m::CreateInternetGatewayResult {
        internet_gateway: Some(out),
    })
}

/// An internet gateway attached to `vpc_id` at once (the default VPC's).
pub(crate) fn create_attached(ctx: &mut Ctx, vpc_id: &str) -> String {
    let g = InternetGateway {
        id: ctx.new_id("igw"),
        vpc_id: Some(vpc_id.to_string()),
        tags: Default::default(),
    };
    let id = g.id.clone();
    ctx.acct_mut().ec2.internet_gateways.insert(id.clone(), g);
    ctx.emit(event(
        "internet-gateway",
        &id,
        "attached",
        Some("available"),
    ));
    id
}

/// The internet gateway attached to `vpc_id`, if any.
fn of_vpc<'a>(ctx: &'a Ctx, vpc_id: &str) -> Option<&'a InternetGateway> {
    ctx.acct()
        .ec2
        .internet_gateways
        .values()
        .find(|g| g.vpc_id.as_deref() == Some(vpc_id))
}

pub(super) fn attach(ctx: &mut Ctx, input: m::AttachInternetGatewayRequest) -> R<()> {
    let id = input.internet_gateway_id.unwrap_or_default();
    let vpc_id = input.vpc_id.unwrap_or_default();
    check_igw_id(ctx, &id)?;
    check_vpc_id(ctx, &vpc_id)?;
    if let Some(attached) = &ctx.acct().ec2.internet_gateways[&id].vpc_id {
        return Err(AwsError::new(
            "Resource.AlreadyAssociated",
            format!("resource {id} is already attached to network {attached}"),
        ));
    }
    if of_vpc(ctx, &vpc_id).is_some() {
        return Err(errors::invalid_value_message(format!(
            "Network {vpc_id} already has an internet gateway attached"
        )));
    }
    ctx.dry_run(input.dry_run)?;
    if let Some(g) = ctx.acct_mut().ec2.internet_gateways.get_mut(&id) {
        g.vpc_id = Some(vpc_id);
    }
    ctx.emit(event(
        "internet-gateway",
        &id,
        "attached",
        Some("available"),
    ));
    Ok(())
}

/// Whether a network interface in `vpc_id` has a public address (an Elastic
/// IP or one AWS assigned).
fn has_public_addresses(ctx: &Ctx, vpc_id: &str) -> bool {
    ctx.acct()
        .ec2
        .enis
        .values()
        .filter(|e| e.vpc_id == vpc_id)
        .any(|e| e.public_ip.is_some() || super::addresses::of_eni(ctx, &e.id).is_some())
}

pub(super) fn detach(ctx: &mut Ctx, input: m::DetachInternetGatewayRequest) -> R<()> {
    let id = input.internet_gateway_id.unwrap_or_default();
    let vpc_id = input.vpc_id.unwrap_or_default();
    check_igw_id(ctx, &id)?;
    check_vpc_id(ctx, &vpc_id)?;
    if ctx.acct().ec2.internet_gateways[&id].vpc_id.as_deref() != Some(vpc_id.as_str()) {
        return Err(AwsError::new(
            "Gateway.NotAttached",
            format!("resource {id} is not attached to network {vpc_id}"),
        ));
    }
    if has_public_addresses(ctx, &vpc_id) {
        return Err(AwsError::new(
            "DependencyViolation",
            format!(
                "Network {vpc_id} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway."
            ),
        ));
    }
    ctx.dry_run(input.dry_run)?;
    if let Some(g) = ctx.acct_mut().ec2.internet_gateways.get_mut(&id) {
        g.vpc_id = None;
    }
    ctx.emit(event("internet-gateway", &id, "detached", None));
    Ok(())
}

pub(super) fn delete(ctx: &mut Ctx, input: m::DeleteInternetGatewayRequest) -> R<()> {
    let id = input.internet_gateway_id.unwrap_or_default();
    check_igw_id(ctx, &id)?;
    if ctx.acct().ec2.internet_gateways[&id].vpc_id.is_some() {
        return Err(errors::dependency("internetGateway", &id));
    }
    ctx.dry_run(input.dry_run)?;
    ctx.acct_mut().ec2.internet_gateways.remove(&id);
    ctx.emit(event("internet-gateway", &id, "deleted", None));
    Ok(())
}

const IGW_FILTERS: &[&str] = &[
    "attachment.state",
    "attachment.vpc-id",
    "internet-gateway-id",
    "owner-id",
];

fn igw_filter_values(ctx: &Ctx, g: &InternetGateway, name: &str) -> Vec<String> {
    match name {
        "attachment.state" => g.vpc_id.iter().map(|_| "available".to_string()).collect(),
        "attachment.vpc-id" => g.vpc_id.iter().cloned().collect(),
        "internet-gateway-id" => one(&g.id),
        "owner-id" => one(&ctx.account),
        _ => vec![],
    }
}

pub(super) fn describe(
    ctx: &mut Ctx,
    input: m::DescribeInternetGatewaysRequest,
) -> R<m::DescribeInternetGatewaysResult> {
    check_max_results(input.max_results, 5, 1000)?;
    let filters = Filters::parse(input.filters, IGW_FILTERS)?;
    let ids = input.internet_gateway_ids.unwrap_or_default();
    for id in &ids {
        check_igw_id(ctx, id)?;
    }
    ctx.dry_run(input.dry_run)?;
    let items = ctx
        .acct()
        .ec2
        .internet_gateways
        .values()
        .filter(|g| ids.is_empty() || ids.contains(&g.id))
        .filter(|g| filters.matches(&g.tags, |n| igw_filter_values(ctx, g, n)))
        .map(|g| (g.id.clone(), igw_model(ctx, g)))
        .collect();
    let (page, next) = paginate(items, input.max_results, input.next_token.as_deref())?;
    Ok(m::DescribeInternetGatewaysResult {
        internet_gateways: Some(page),
        next_token: next,
    })
}

pub(super) fn create_egress_only(
    ctx: &mut Ctx,
    input: m::CreateEgressOnlyInternetGatewayRequest,
) -> R<m::CreateEgressOnlyInternetGatewayResult> {
    const OP: &str = "CreateEgressOnlyInternetGateway";
    let vpc_id = input.vpc_id.unwrap_or_default();
    if vpc_id.is_empty() {
        return Err(errors::missing("VpcId"));
    }
    check_vpc_id(ctx, &vpc_id)?;
    let tags = tags::from_specs(input.tag_specifications, "egress-only-internet-gateway")?;
    if let Some(token) = &input.client_token {
        if let Some((op, id)) = ctx.acct().ec2.client_tokens.get(token) {
            let earlier = ctx.acct().ec2.egress_only_gateways.get(id);
            return match earlier {
                Some(g) if op == OP && g.vpc_id == vpc_id => {
                    Ok(m::CreateEgressOnlyInternetGatewayResult {
                        client_token: Some(token.clone()),
                        egress_only_internet_gateway: Some(eigw_model(g)),
                    })
                }
                _ => Err(errors::idempotent_mismatch()),
            };
        }
    }
    ctx.dry_run(input.dry_run)?;
    let g = EgressOnlyGateway {
        id: ctx.new_id("eigw"),
        vpc_id,
        tags,
    };
    let out = eigw_model(&g);
    ctx.emit(event(
        "egress-only-internet-gateway",
        &g.id,
        "created",
        Some("attached"),
    ));
    let st = &mut ctx.acct_mut().ec2;
    if let Some(token) = &input.client_token {
        st.client_tokens
            .insert(token.clone(), (OP.into(), g.id.clone()));
    }
    st.egress_only_gateways.insert(g.id.clone(), g);
    Ok(m::CreateEgressOnlyInternetGatewayResult {
        client_token: input.client_token,
        egress_only_internet_gateway: Some(out),
    })
}

pub(super) fn delete_egress_only(
    ctx: &mut Ctx,
    input: m::DeleteEgressOnlyInternetGatewayRequest,
) -> R<m::DeleteEgressOnlyInternetGatewayResult> {
    let id = input.egress_only_internet_gateway_id.unwrap_or_default();
    check_eigw_id(ctx, &id)?;
    ctx.dry_run(input.dry_run)?;
    ctx.acct_mut().ec2.egress_only_gateways.remove(&id);
    ctx.emit(event("egress-only-internet-gateway", &id, "deleted", None));
    Ok(m::DeleteEgressOnlyInternetGatewayResult {
        return_code: Some(true),
    })
}

const EIGW_FILTERS: &[&str] = &[];

pub(super) fn describe_egress_only(
    ctx: &mut Ctx,
    input: m::DescribeEgressOnlyInternetGatewaysRequest,
) -> R<m::DescribeEgressOnlyInternetGatewaysResult> {
    check_max_results(input.max_results, 5, 255)?;
    let filters = Filters::parse(input.filters, EIGW_FILTERS)?;
    let ids = input.egress_only_internet_gateway_ids.unwrap_or_default();
    for id in &ids {
        check_eigw_id(ctx, id)?;
    }
    ctx.dry_run(input.dry_run)?;
    let items = ctx
        .acct()
        .ec2
        .egress_only_gateways
        .values()
        .filter(|g| ids.is_empty() || ids.contains(&g.id))
        .filter(|g| filters.matches(&g.tags, |_| vec![]))
        .map(|g| (g.id.clone(), eigw_model(g)))
        .collect();
    let (page, next) = paginate(items, input.max_results, input.next_token.as_deref())?;
    Ok(m::DescribeEgressOnlyInternetGatewaysResult {
        egress_only_internet_gateways: Some(page),
        next_token: next,
    })
}
