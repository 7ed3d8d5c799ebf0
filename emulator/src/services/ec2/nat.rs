//! NAT gateways: CreateNatGateway, DeleteNatGateway, DescribeNatGateways.
//! A gateway gets a requester-managed interface in its subnet (with the
//! Elastic IP of a public one associated to it) and goes `pending` →
//! `available` on the world clock; a public one in a VPC without an internet
//! gateway fails instead, as in AWS. Deleting goes `deleting` → `deleted`;
//! a deleted gateway stays visible for an hour, as AWS keeps it.

use super::checks::check_known;
use super::errors::{self, R};
use super::network::{check_requested_ip, create_eni, delete_eni, has_free_ip, NewEni};
use super::query::{check_max_results, one, paginate, Filters};
use super::state::{event, AddressAssociation, NatGateway};
use super::subnets::check_subnet_id;
use super::tags;
use crate::model::ec2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

/// How long AWS takes for each step, scaled by the pace.
const AVAILABLE_MS: i64 = 5_000;
const DELETED_MS: i64 = 5_000;
/// How long a deleted gateway is still described [R: "about an hour"].
const GONE_MS: i64 = 3_600_000;

/// The account NAT gateways' interfaces are managed by [U].
const NAT_REQUESTER: &str = "amazon-natgw";

fn not_found(id: &str) -> AwsError {
    AwsError::new(
        "NatGatewayNotFound",
        format!("The Nat Gateway {id} was not found"),
    )
}

fn check_id(ctx: &Ctx, id: &str) -> R<()> {
    let exists = ctx.acct().ec2.nat_gateways.contains_key(id);
    check_known(id, "nat", "NatGatewayMalformed", exists, || not_found(id))
}

fn model(g: &NatGateway) -> m::NatGateway {
    m::NatGateway {
        create_time: Some(g.created),
        delete_time: g.deleted,
        failure_code: g.failure.as_ref().map(|f| f.0.clone()),
        failure_message: g.failure.as_ref().map(|f| f.1.clone()),
        nat_gateway_addresses: Some(vec![m::NatGatewayAddress {
            allocation_id: g.allocation_id.clone(),
            network_interface_id: g.eni_id.clone(),
            private_ip: Some(g.private_ip.clone()),
            public_ip: g.public_ip.clone(),
            association_id: g.association_id.clone(),
            is_primary: Some(true),
            status: Some(
                if g.failure.is_some() {
                    "failed"
                } else {
                    "succeeded"
                }
                .into(),
            ),
            ..Default::default()
        }]),
        nat_gateway_id: Some(g.id.clone()),
        state: Some(g.state.clone()),
        subnet_id: Some(g.subnet_id.clone()),
        vpc_id: Some(g.vpc_id.clone()),
        tags: Some(g.tags.to_model()),
        connectivity_type: Some(g.connectivity.clone()),
        ..Default::default()
    }
}

pub(super) fn create(
    ctx: &mut Ctx,
    input: m::CreateNatGatewayRequest,
) -> R<m::CreateNatGatewayResult> {
    let subnet_id = input
        .subnet_id
        .clone()
        .ok_or_else(|| errors::missing("SubnetId"))?;
    check_subnet_id(ctx, &subnet_id)?;
    if let Some(token) = &input.client_token {
        let earlier = ctx
            .acct()
            .ec2
            .nat_gateways
            .values()
            .find(|g| g.client_token.as_ref() == Some(token));
        if let Some(g) = earlier {
            if g.subnet_id != subnet_id || g.allocation_id != input.allocation_id {
                return Err(errors::idempotent_mismatch());
            }
            return Ok(m::CreateNatGatewayResult {
                client_token: Some(token.clone()),
                nat_gateway: Some(model(g)),
            });
        }
    }
    let connectivity = input
        .connectivity_type
        .clone()
        .unwrap_or_else(|| "public".into());
    let public = connectivity == "public";
    match (&input.allocation_id, public) {
        (None, true) => return Err(errors::missing("AllocationId")),
        (Some(_), false) => {
            return Err(errors::combination(
                "AllocationId is not supported for a private NAT gateway.",
            ))
        }
        (Some(id), true) => {
            let Some(address) = ctx.acct().ec2.addresses.get(id) else {
                return Err(AwsError::new(
                    "InvalidAllocationID.NotFound",
                    format!("The allocation ID '{id}' does not exist"),
                ));
            };
            if address.association.is_some() {
                return Err(AwsError::new(
                    "Resource.AlreadyAssociated",
                    format!("Elastic IP address [{id}] is already associated"),
                ));
            }
        }
        (None, false) => {}
    }
    if let Some(ip) = &input.private_ip_address {
        check_requested_ip(ctx, &subnet_id, ip)?;
    }
    if !has_free_ip(ctx, &subnet_id) {
        return Err(errors::no_free_address(&subnet_id));
    }
    let tags = tags::from_specs(input.tag_specifications.clone(), "natgateway")?;
    ctx.dry_run(input.dry_run)?;
    let id = ctx.new_id("nat");
    let eni_id = create_eni(
        ctx,
        NewEni {
            subnet_id: &subnet_id,
            group_ids: vec![],
            description: format!("Interface for NAT Gateway {id}"),
            interface_type: "nat_gateway",
            requester_id: Some(NAT_REQUESTER.into()),
            public_ip: false,
            private_ip: input.private_ip_address.clone(),
        },
    )?;
    let st = &mut ctx.acct_mut().ec2;
    let (vpc_id, private_ip) = {
        let e = &st.enis[eni_id.as_str()];
        (e.vpc_id.clone(), e.private_ip.clone())
    };
    let mut public_ip = None;
    let mut association_id = None;
    if let Some(alloc) = &input.allocation_id {
        let assoc = ctx.new_id("eipassoc");
        let st = &mut ctx.acct_mut().ec2;
        if let Some(a) = st.addresses.get_mut(alloc) {
            a.association = Some(AddressAssociation {
                id: assoc.clone(),
                network_interface_id: eni_id.clone(),
                private_ip: private_ip.to_string(),
            });
            public_ip = Some(a.public_ip.clone());
        }
        association_id = Some(assoc);
    }
    let g = NatGateway {
        id: id.clone(),
        vpc_id: vpc_id.to_string(),
        subnet_id,
        connectivity,
        allocation_id: input.allocation_id,
        public_ip,
        association_id,
        eni_id: Some(eni_id),
        private_ip: private_ip.to_string(),
        state: "pending".into(),
        failure: None,
        created: ctx.now(),
        deleted: None,
        client_token: input.client_token.clone(),
        tags,
    };
    let out = model(&g);
    ctx.acct_mut().ec2.nat_gateways.insert(id.clone(), g);
    ctx.emit(event("natgateway", &id, "created", Some("pending")));
    let due = id.clone();
    ctx.schedule(AVAILABLE_MS, move |ctx| become_available(ctx, &due));
    Ok(m::CreateNatGatewayResult {
        client_token: input.client_token,
        nat_gateway: Some(out),
    })
}

fn set_state(ctx: &mut Ctx, id: &str, state: &str) {
    if let Some(g) = ctx.acct_mut().ec2.nat_gateways.get_mut(id) {
        g.state = state.into();
    }
    ctx.emit(event("natgateway", id, "state-changed", Some(state)));
}

/// Lets go of the interface (and so of the Elastic IP on it).
fn release_interface(ctx: &mut Ctx, id: &str) {
    let eni = ctx
        .acct_mut()
        .ec2
        .nat_gateways
        .get_mut(id)
        .and_then(|g| g.eni_id.take());
    if let Some(eni) = eni {
        delete_eni(ctx, &eni);
    }
}

/// `pending` → `available`; a public gateway whose VPC has no internet
/// gateway by then → `failed`.
fn become_available(ctx: &mut Ctx, id: &str) {
    let Some(g) = ctx.acct().ec2.nat_gateways.get(id) else {
        return;
    };
    if g.state != "pending" {
        return;
    }
    let st = &ctx.acct().ec2;
    let reachable = g.connectivity != "public"
        || st
            .internet_gateways
            .values()
            .any(|i| i.vpc_id.as_ref() == Some(&g.vpc_id));
    if reachable {
        set_state(ctx, id, "available");
        return;
    }
    let message = format!("Network {} has no Internet gateway attached", g.vpc_id);
    if let Some(g) = ctx.acct_mut().ec2.nat_gateways.get_mut(id) {
        g.failure = Some(("Gateway.NotAttached".into(), message));
    }
    release_interface(ctx, id);
    set_state(ctx, id, "failed");
}

pub(super) fn delete(
    ctx: &mut Ctx,
    input: m::DeleteNatGatewayRequest,
) -> R<m::DeleteNatGatewayResult> {
    let id = input.nat_gateway_id.unwrap_or_default();
    check_id(ctx, &id)?;
    if ctx.acct().ec2.nat_gateways[&id].state == "deleted" {
        return Err(not_found(&id));
    }
    ctx.dry_run(input.dry_run)?;
    let now = ctx.now();
    if ctx.acct().ec2.nat_gateways[&id].state != "deleting" {
        if let Some(g) = ctx.acct_mut().ec2.nat_gateways.get_mut(&id) {
            g.deleted = Some(now);
        }
        set_state(ctx, &id, "deleting");
        let due = id.clone();
        ctx.schedule(DELETED_MS, move |ctx| become_deleted(ctx, &due));
    }
    Ok(m::DeleteNatGatewayResult {
        nat_gateway_id: Some(id),
    })
}

fn become_deleted(ctx: &mut Ctx, id: &str) {
    release_interface(ctx, id);
    set_state(ctx, id, "deleted");
    let due = id.to_string();
    ctx.schedule_unscaled(GONE_MS, move |ctx| {
        ctx.acct_mut().ec2.nat_gateways.remove(&due);
    });
}

const FILTERS: &[&str] = &["nat-gateway-id", "state", "subnet-id", "vpc-id"];

fn filter_values(g: &NatGateway, name: &str) -> Vec<String> {
    match name {
        "nat-gateway-id" => one(&g.id),
        "state" => one(&g.state),
        "subnet-id" => one(&g.subnet_id),
        "vpc-id" => one(&g.vpc_id),
        _ => vec![],
    }
}

pub(super) fn describe(
    ctx: &mut Ctx,
    input: m::DescribeNatGatewaysRequest,
) -> R<m::DescribeNatGatewaysResult> {
    check_max_results(input.max_results, 5, 1000)?;
    let filters = Filters::parse(input.filter, FILTERS)?;
    let ids = input.nat_gateway_ids.unwrap_or_default();
    for id in &ids {
        check_id(ctx, id)?;
    }
    ctx.dry_run(input.dry_run)?;
    let items = ctx
        .acct()
        .ec2
        .nat_gateways
        .values()
        .filter(|g| ids.is_empty() || ids.contains(&g.id))
        .filter(|g| filters.matches(&g.tags, |n| filter_values(g, n)))
        .map(|g| (g.id.clone(), model(g)))
        .collect();
    let (page, next) = paginate(items, input.max_results, input.next_token.as_deref())?;
    Ok(m::DescribeNatGatewaysResult {
        nat_gateways: Some(page),
        next_token: next,
    })
}
