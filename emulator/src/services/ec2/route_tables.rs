//! Route tables and their associations (aws-spec.md §8.31–8.32).

use super::checks::{check_route_table_id, check_vpc_id};
use super::errors;
use super::errors::R;
use super::query::check_max_results;
use super::query::{one, paginate, Filters};
use super::routes;
use super::state::event;
use super::state::{Association, Route, RouteTable};
use super::subnets::check_subnet_id;
use super::tags;
use crate::model::ec2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

fn association_model(table: &str, a: &Association) -> m::RouteTableAssociation {
    m::RouteTableAssociation {
        main: Some(a.main),
        route_table_association_id: Some(a.id.clone()),
        route_table_id: Some(table.to_string()),
        subnet_id: a.subnet_id.clone(),
        gateway_id: a.gateway_id.clone(),
        association_state: Some(m::RouteTableAssociationState {
            state: Some("associated".into()),
            status_message: None,
        }),
        ..Default::default()
    }
}

fn to_model(ctx: &Ctx, t: &RouteTable) -> m::RouteTable {
    m::RouteTable {
        route_table_id: Some(t.id.clone()),
        vpc_id: Some(t.vpc_id.clone()),
        owner_id: Some(ctx.account.clone()),
        routes: Some(
            t.routes
                .iter()
                .map(|r| routes::model(ctx, &t.vpc_id, r))
                .collect(),
        ),
        associations: Some(
            t.associations
                .iter()
                .map(|a| association_model(&t.id, a))
                .collect(),
        ),
        propagating_vgws: Some(vec![]),
        tags: Some(t.tags.to_model()),
    }
}

pub(super) fn create(
    ctx: &mut Ctx,
    input: m::CreateRouteTableRequest,
) -> R<m::CreateRouteTableResult> {
    let vpc_id = input.vpc_id.unwrap_or_default();
    check_vpc_id(ctx, &vpc_id)?;
    let tags = tags::from_specs(input.tag_specifications, "route-table")?;
    if let Some(token) = &input.client_token {
        if let Some((op, id)) = ctx.acct().ec2.client_tokens.get(token) {
            let same = op == "CreateRouteTable"
                && ctx
                    .acct()
                    .ec2
                    .route_tables
                    .get(id)
                    .is_some_and(|t| t.vpc_id == vpc_id);
            if !same {
                return Err(errors::idempotent_mismatch());
            }
            let table = &ctx.acct().ec2.route_tables[id];
            return Ok(m::CreateRouteTableResult {
                route_table: Some(to_model(ctx, table)),
                client_token: Some(token.clone()),
            });
        }
    }
    ctx.dry_run(input.dry_run)?;
    // A local route for each of the VPC's blocks.
    let routes = super::cidrs::local_routes(&ctx.acct().ec2.vpcs[&vpc_id]);
    let table = RouteTable {
        id: ctx.new_id("rtb"),
        vpc_id,
        routes,
        associations: vec![],
        tags,
    };
    let out = to_model(ctx, &table);
    let id = table.id.clone();
    let st = &mut ctx.acct_mut().ec2;
    if let Some(token) = &input.client_token {
        st.client_tokens
            .insert(token.clone(), ("CreateRouteTable".into(), id.clone()));
    }
    st.route_tables.insert(id.clone(), table);
    ctx.emit(event("route-table", &id, "created", None));
    Ok(m::CreateRouteTableResult {
        route_table: Some(out),
        client_token: input.client_token,
    })
}

const FILTERS: &[&str] = &[
    "association.gateway-id",
    "association.route-table-association-id",
    "association.route-table-id",
    "association.subnet-id",
    "association.main",
    "owner-id",
    "route-table-id",
    "vpc-id",
    "route.destination-cidr-block",
    "route.destination-ipv6-cidr-block",
    "route.destination-prefix-list-id",
    "route.egress-only-internet-gateway-id",
    "route.gateway-id",
    "route.instance-id",
    "route.nat-gateway-id",
    "route.transit-gateway-id",
    "route.vpc-peering-connection-id",
    "route.origin",
    "route.state",
];

fn filter_values(ctx: &Ctx, t: &RouteTable, name: &str) -> Vec<String> {
    let assoc = |f: &dyn Fn(&Association) -> Option<String>| -> Vec<String> {
        t.associations.iter().filter_map(f).collect()
    };
    let route = |f: &dyn Fn(&Route) -> Option<String>| -> Vec<String> {
        t.routes.iter().filter_map(f).collect()
    };
    match name {
        "association.gateway-id" => assoc(&|a| a.gateway_id.clone()),
        "association.route-table-association-id" => assoc(&|a| Some(a.id.clone())),
        "association.route-table-id" => assoc(&|_| Some(t.id.clone())),
        "association.subnet-id" => assoc(&|a| a.subnet_id.clone()),
        // One value per association: a table without one matches neither
        // `true` nor `false`, as the API reference says.
        "association.main" => assoc(&|a| Some(a.main.to_string())),
        "owner-id" => one(&ctx.account),
        "route-table-id" => one(&t.id),
        "vpc-id" => one(&t.vpc_id),
        "route.destination-cidr-block" => route(&|r| r.destination_cidr.clone()),
        "route.destination-ipv6-cidr-block" => route(&|r| r.destination_ipv6_cidr.clone()),
        "route.destination-prefix-list-id" => route(&|r| r.destination_prefix_list.clone()),
        "route.egress-only-internet-gateway-id" => route(&|r| r.egress_only_gateway_id.clone()),
        "route.gateway-id" => route(&|r| r.gateway_id.clone()),
        "route.instance-id" => route(&|r| r.instance_id.clone()),
        "route.nat-gateway-id" => route(&|r| r.nat_gateway_id.clone()),
        "route.transit-gateway-id" => route(&|r| r.transit_gateway_id.clone()),
        "route.vpc-peering-connection-id" => route(&|r| r.vpc_peering_connection_id.clone()),
        "route.origin" => route(&|r| Some(r.origin.clone())),
        "route.state" => route(&|r| Some(routes::state(&ctx.acct().ec2, &t.vpc_id, r).to_string())),
        _ => vec![],
    }
}

pub(super) fn describe(
    ctx: &mut Ctx,
    input: m::DescribeRouteTablesRequest,
) -> R<m::DescribeRouteTablesResult> {
    check_max_results(input.max_results, 5, 100)?;
    let filters = Filters::parse(input.filters, FILTERS)?;
    let ids = input.route_table_ids.unwrap_or_default();
    for id in &ids {
        check_route_table_id(ctx, id)?;
    }
    ctx.dry_run(input.dry_run)?;
    let items = ctx
        .acct()
        .ec2
        .route_tables
        .values()
        .filter(|t| ids.is_empty() || ids.contains(&t.id))
        .filter(|t| filters.matches(&t.tags, |n| filter_values(ctx, t, n)))
        .map(|t| (t.id.clone(), to_model(ctx, t)))
        .collect();
    let (page, next) = paginate(items, input.max_results, input.next_token.as_deref())?;
    Ok(m::DescribeRouteTablesResult {
        route_tables: Some(page),
        next_token: next,
    })
}

pub(super) fn delete(ctx: &mut Ctx, input: m::DeleteRouteTableRequest) -> R<()> {
    let id = input.route_table_id.unwrap_or_default();
    check_route_table_id(ctx, &id)?;
    if !ctx.acct().ec2.route_tables[&id].associations.is_empty() {
        return Err(errors::dependency("routeTable", &id));
    }
    ctx.dry_run(input.dry_run)?;
    let st = &mut ctx.acct_mut().ec2;
    st.route_tables.remove(&id);
    for e in st.endpoints.values_mut() {
        e.route_table_ids.retain(|t| *t != id);
    }
    ctx.emit(event("route-table", &id, "deleted", None));
    Ok(())
}

pub(super) fn associate(
    ctx: &mut Ctx,
    input: m::AssociateRouteTableRequest,
) -> R<m::AssociateRouteTableResult> {
    let id = input.route_table_id.unwrap_or_default();
    check_route_table_id(ctx, &id)?;
    let Some(subnet_id) = input.subnet_id else {
        return Err(match input.gateway_id {
            Some(g) => AwsError::new(
                "InvalidGatewayID.NotFound",
                format!("The gateway ID '{g}' does not exist"),
            ),
            None => errors::missing("SubnetId"),
        });
    };
    check_subnet_id(ctx, &subnet_id)?;
    let st = &ctx.acct().ec2;
    let table_vpc = &st.route_tables[&id].vpc_id;
    if &st.subnets[&subnet_id].vpc_id != table_vpc {
        return Err(errors::invalid_value(
            "subnetId",
            &subnet_id,
            &format!("Route table {id} and subnet {subnet_id} belong to different networks."),
        ));
    }
    let taken = st.route_tables.values().find(|t| {
        t.associations
            .iter()
            .any(|a| a.subnet_id.as_deref() == Some(subnet_id.as_str()))
    });
    if let Some(t) = taken {
        return Err(AwsError::new(
            "Resource.AlreadyAssociated",
            format!("the specified association for route table {} conflicts with an existing association", t.id),
        ));
    }
    ctx.dry_run(input.dry_run)?;
    let assoc_id = ctx.new_id("rtbassoc");
    if let Some(t) = ctx.acct_mut().ec2.route_tables.get_mut(&id) {
        t.associations.push(Association {
            id: assoc_id.clone(),
            subnet_id: Some(subnet_id),
            gateway_id: None,
            main: false,
        });
    }
    ctx.emit(event("route-table", &id, "associated", None));
    Ok(m::AssociateRouteTableResult {
        association_id: Some(assoc_id),
        association_state: Some(m::RouteTableAssociationState {
            state: Some("associated".into()),
            status_message: None,
        }),
    })
}

/// Moves a subnet's association (or the VPC's main one) to another table
/// of the same VPC, under a new association id.
pub(super) fn replace_association(
    ctx: &mut Ctx,
    input: m::ReplaceRouteTableAssociationRequest,
) -> R<m::ReplaceRouteTableAssociationResult> {
    let assoc = input.association_id.unwrap_or_default();
    let target = input.route_table_id.unwrap_or_default();
    let st = &ctx.acct().ec2;
    let Some(from) = st
        .route_tables
        .values()
        .find(|t| t.associations.iter().any(|a| a.id == assoc))
    else {
        return Err(errors::association_not_found(&assoc));
    };
    let from_id = from.id.clone();
    let from_vpc = from.vpc_id.clone();
    check_route_table_id(ctx, &target)?;
    if ctx.acct().ec2.route_tables[&target].vpc_id != from_vpc {
        return Err(errors::invalid_value(
            "routeTableId",
            &target,
            &format!("Route table {target} and association {assoc} belong to different networks."),
        ));
    }
    ctx.dry_run(input.dry_run)?;
    let new_id = ctx.new_id("rtbassoc");
    let st = &mut ctx.acct_mut().ec2;
    let mut moved = None;
    if let Some(t) = st.route_tables.get_mut(&from_id) {
        if let Some(i) = t.associations.iter().position(|a| a.id == assoc) {
            moved = Some(t.associations.remove(i));
        }
    }
    if let (Some(mut a), Some(t)) = (moved, st.route_tables.get_mut(&target)) {
        a.id = new_id.clone();
        t.associations.push(a);
    }
    // The VPC's main table is recorded on it.
    let now_main = st.route_tables.get(&target).is_some_and(|t| t.is_main());
    if now_main {
        if let Some(v) = st.vpcs.get_mut(&from_vpc) {
            v.main_route_table_id = target.clone();
        }
    }
    ctx.emit(event("route-table", &target, "associated", None));
    Ok(m::ReplaceRouteTableAssociationResult {
        new_association_id: Some(new_id),
        association_state: Some(m::RouteTableAssociationState {
            state: Some("associated".into()),
            status_message: None,
        }),
    })
}

pub(super) fn disassociate(ctx: &mut Ctx, input: m::DisassociateRouteTableRequest) -> R<()> {
    let assoc = input.association_id.unwrap_or_default();
    let table = ctx
        .acct()
        .ec2
        .route_tables
        .values()
        .find(|t| t.associations.iter().any(|a| a.id == assoc))
        .map(|t| {
            (
                t.id.clone(),
                t.associations.iter().any(|a| a.id == assoc && a.main),
            )
        });
    let Some((table_id, main)) = table else {
        return Err(errors::association_not_found(&assoc));
    };
    if main {
        return Err(errors::invalid_value(
            "associationId",
            &assoc,
            "Cannot disassociate the main route table association.",
        ));
    }
    ctx.dry_run(input.dry_run)?;
    if let Some(t) = ctx.acct_mut().ec2.route_tables.get_mut(&table_id) {
        t.associations.retain(|a| a.id != assoc);
    }
    ctx.emit(event("route-table", &table_id, "disassociated", None));
    Ok(())
}
