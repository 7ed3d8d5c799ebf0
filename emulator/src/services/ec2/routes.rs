//! CreateRoute, ReplaceRoute, DeleteRoute, and routes as DescribeRouteTables
//! shows them: a route to an internet gateway, NAT gateway, egress-only
//! gateway or network interface is `active` while its target is there for
//! the table's VPC, `blackhole` once it went away (detached, deleted).

use super::checks::check_route_table_id;
use super::errors::{self, R};
use super::state::{event, Route, RouteTable, State};
use crate::model::ec2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;
use crate::world::ids::is_valid_id;

/// `active` or `blackhole`, from the route's target as it is now.
pub(crate) fn state(st: &State, vpc_id: &str, r: &Route) -> &'static str {
    let here = |v: &str| v == vpc_id;
    let alive = if let Some(g) = r.gateway_id.as_deref() {
        if g.starts_with("igw-") {
            st.internet_gateways
                .get(g)
                .is_some_and(|i| i.vpc_id.as_deref().is_some_and(here))
        } else {
            // local, gateway endpoints (their routes go with them), and what
            // the emulator does not model.
            return if r.state == "blackhole" {
                "blackhole"
            } else {
                "active"
            };
        }
    } else if let Some(n) = &r.nat_gateway_id {
        st.nat_gateways
            .get(n)
            .is_some_and(|n| matches!(n.state.as_str(), "pending" | "available"))
    } else if let Some(e) = &r.egress_only_gateway_id {
        st.egress_only_gateways.contains_key(e)
    } else if let Some(i) = &r.instance_id {
        // An instance that is not running sends nowhere.
        st.instances.get(i).is_some_and(|i| i.state == "running")
            && r.network_interface_id.as_ref().is_some_and(|e| {
                st.enis
                    .get(e.as_str())
                    .is_some_and(|e| e.attachment.as_ref().is_some_and(|a| &a.instance_id == i))
            })
    } else if let Some(e) = &r.network_interface_id {
        st.enis.contains_key(e.as_str())
    } else {
        // Peering connections and transit gateways: kept as given.
        r.instance_id.is_none()
    };
    if alive {
        "active"
    } else {
        "blackhole"
    }
}

pub(crate) fn model(ctx: &Ctx, vpc_id: &str, r: &Route) -> m::Route {
    m::Route {
        destination_cidr_block: r.destination_cidr.clone(),
        destination_ipv6_cidr_block: r.destination_ipv6_cidr.clone(),
        destination_prefix_list_id: r.destination_prefix_list.clone(),
        gateway_id: r.gateway_id.clone(),
        nat_gateway_id: r.nat_gateway_id.clone(),
        egress_only_internet_gateway_id: r.egress_only_gateway_id.clone(),
        network_interface_id: r.network_interface_id.clone(),
        instance_id: r.instance_id.clone(),
        vpc_peering_connection_id: r.vpc_peering_connection_id.clone(),
        transit_gateway_id: r.transit_gateway_id.clone(),
        origin: Some(r.origin.clone()),
        state: Some(state(&ctx.acct().ec2, vpc_id, r).into()),
        ..Default::default()
    }
}

/// What CreateRoute and ReplaceRoute take: the destination and the target.
struct Spec {
    table: String,
    destination_cidr: Option<String>,
    destination_ipv6_cidr: Option<String>,
    destination_prefix_list: Option<String>,
    targets: Vec<(&'static str, Option<String>)>,
}

impl Spec {
    fn destination(&self) -> R<(&'static str, String)> {
        let given: Vec<(&'static str, &String)> = [
            ("destination-cidr-block", &self.destination_cidr),
            ("destination-ipv6-cidr-block", &self.destination_ipv6_cidr),
            ("destination-prefix-list-id", &self.destination_prefix_list),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
        .collect();
        match given.as_slice() {
            [] => Err(errors::missing(
                "destinationCidrBlock or destinationIpv6CidrBlock or destinationPrefixListId",
            )),
            [(kind, value)] => Ok((kind, value.to_string())),
            _ => Err(errors::combination(
                "Only one of destinationCidrBlock, destinationIpv6CidrBlock and destinationPrefixListId may be given.",
            )),
        }
    }
}

/// The route a request asks for, checked against what exists.
fn route(ctx: &Ctx, spec: &Spec, table: &RouteTable) -> R<Route> {
    let (kind, destination) = spec.destination()?;
    let mut r = Route {
        origin: "CreateRoute".into(),
        state: "active".into(),
        ..Default::default()
    };
    match kind {
        "destination-cidr-block" => {
            let net = destination
                .parse::<ipnet::Ipv4Net>()
                .map_err(|_| {
                    errors::invalid_value(
                        "destinationCidrBlock",
                        &destination,
                        "This is not a valid CIDR block.",
                    )
                })?
                .trunc();
            r.destination_cidr = Some(net.to_string());
        }
        "destination-ipv6-cidr-block" => {
            let net = destination
                .parse::<ipnet::Ipv6Net>()
                .map_err(|_| {
                    errors::invalid_value(
                        "destinationIpv6CidrBlock",
                        &destination,
                        "This is not a valid IPv6 CIDR block.",
                    )
                })?
                .trunc();
            r.destination_ipv6_cidr = Some(net.to_string());
        }
        _ => {
            if !is_valid_id(&destination, "pl") {
                return Err(AwsError::new(
                    "InvalidPrefixListID.Malformed",
                    format!("Invalid id: \"{destination}\" (expecting \"pl-...\")"),
                ));
            }
            r.destination_prefix_list = Some(destination);
        }
    }
    let targets: Vec<&(&str, Option<String>)> =
        spec.targets.iter().filter(|(_, v)| v.is_some()).collect();
    let (kind, target) = match targets.as_slice() {
        [] => {
            return Err(errors::missing(
                "gatewayId, natGatewayId, egressOnlyInternetGatewayId, networkInterfaceId, instanceId, vpcPeeringConnectionId, transitGatewayId or vpcEndpointId",
            ))
        }
        [(kind, Some(target))] => (*kind, target.clone()),
        _ => {
            return Err(errors::combination(
                "More than one target was given for the route.",
            ))
        }
    };
    let st = &ctx.acct().ec2;
    let apart = |what: &str| {
        errors::invalid_value_message(format!(
            "route table {} and network gateway {what} belong to different networks",
            table.id
        ))
    };
    match kind {
        "gateway" if target.starts_with("igw-") => {
            let Some(g) = st.internet_gateways.get(&target) else {
                return Err(AwsError::new(
                    "InvalidInternetGatewayID.NotFound",
                    format!("The internetGateway ID '{target}' does not exist"),
                ));
            };
            if g.vpc_id.as_deref() != Some(table.vpc_id.as_str()) {
                return Err(apart(&target));
            }
            r.gateway_id = Some(target);
        }
        "gateway" if target == "local" => {
            return Err(errors::invalid_value_message(format!(
                "cannot create a route to local in route table {}",
                table.id
            )))
        }
        "gateway" | "endpoint" if target.starts_with("vpce-") => {
            let gwlb = st.endpoints.get(&target).is_some_and(|e| {
                e.endpoint_type == "GatewayLoadBalancer" && e.vpc_id == table.vpc_id
            });
            if !gwlb {
                return Err(AwsError::new(
                    "InvalidVpcEndpointId.NotFound",
                    format!("The Vpc Endpoint Id '{target}' does not exist"),
                ));
            }
            r.gateway_id = Some(target);
        }
        "gateway" => {
            return Err(AwsError::new(
                "InvalidGatewayID.NotFound",
                format!("The gateway ID '{target}' does not exist"),
            ))
        }
        "nat" => {
            let Some(n) = st.nat_gateways.get(&target) else {
                return Err(AwsError::new(
                    "InvalidNatGatewayID.NotFound",
                    format!("The natGateway ID '{target}' does not exist"),
                ));
            };
            if n.vpc_id != table.vpc_id {
                return Err(apart(&target));
            }
            r.nat_gateway_id = Some(target);
        }
        "egress-only" => {
            let Some(g) = st.egress_only_gateways.get(&target) else {
                return Err(AwsError::new(
                    "InvalidGatewayID.NotFound",
                    format!("The eigw ID '{target}' does not exist"),
                ));
            };
            if g.vpc_id != table.vpc_id {
                return Err(apart(&target));
            }
            r.egress_only_gateway_id = Some(target);
        }
        "interface" => {
            let Some(e) = st.enis.get(target.as_str()) else {
                return Err(errors::eni_not_found(&target));
            };
            if e.vpc_id != table.vpc_id {
                return Err(errors::invalid_value_message(format!(
                    "route table {} and interface {target} belong to different networks",
                    table.id
                )));
            }
            r.network_interface_id = Some(target);
        }
        "instance" => {
            // Through its only interface, which the route names too.
            super::checks::check_instance_id(ctx, &target)?;
            let enis = super::network::instance_enis(ctx, &target);
            let [eni] = enis.as_slice() else {
                return Err(AwsError::new(
                    "InvalidInstanceID",
                    format!("There are multiple interfaces attached to instance '{target}'. Please specify an interface ID for the operation instead."),
                ));
            };
            if eni.vpc_id != table.vpc_id {
                return Err(apart(&target));
            }
            r.network_interface_id = Some(eni.id.to_string());
            r.instance_id = Some(target);
        }
        "peering" => {
            if !is_valid_id(&target, "pcx") {
                return Err(AwsError::new(
                    "InvalidVpcPeeringConnectionID.Malformed",
                    format!("Invalid id: \"{target}\" (expecting \"pcx-...\")"),
                ));
            }
            r.vpc_peering_connection_id = Some(target);
        }
        _ => {
            if !is_valid_id(&target, "tgw") {
                return Err(AwsError::new(
                    "InvalidTransitGatewayID.Malformed",
                    format!("Invalid id: \"{target}\" (expecting \"tgw-...\")"),
                ));
            }
            r.transit_gateway_id = Some(target);
        }
    }
    Ok(r)
}

/// The destination and the targets of a CreateRoute or ReplaceRoute
/// request (the same members in both).
macro_rules! spec {
    ($input:expr) => {{
        let i = $input;
        Spec {
            table: i.route_table_id.clone().unwrap_or_default(),
            destination_cidr: i.destination_cidr_block,
            destination_ipv6_cidr: i.destination_ipv6_cidr_block,
            destination_prefix_list: i.destination_prefix_list_id,
            targets: vec![
                ("gateway", i.gateway_id),
                ("nat", i.nat_gateway_id),
                ("egress-only", i.egress_only_internet_gateway_id),
                ("interface", i.network_interface_id),
                ("instance", i.instance_id),
                ("peering", i.vpc_peering_connection_id),
                ("transit", i.transit_gateway_id),
                ("endpoint", i.vpc_endpoint_id),
            ],
        }
    }};
}

fn same_destination(a: &Route, b: &Route) -> bool {
    a.destination() == b.destination()
}

pub(super) fn create(ctx: &mut Ctx, input: m::CreateRouteRequest) -> R<m::CreateRouteResult> {
    let dry_run = input.dry_run;
    let spec = spec!(input);
    check_route_table_id(ctx, &spec.table)?;
    let table = &ctx.acct().ec2.route_tables[&spec.table];
    let new = route(ctx, &spec, table)?;
    if table.routes.iter().any(|r| same_destination(r, &new)) {
        return Err(AwsError::new(
            "RouteAlreadyExists",
            format!(
                "The route identified by {} already exists.",
                new.destination().unwrap_or_default()
            ),
        ));
    }
    ctx.dry_run(dry_run)?;
    if let Some(t) = ctx.acct_mut().ec2.route_tables.get_mut(&spec.table) {
        t.routes.push(new);
    }
    ctx.emit(event("route-table", &spec.table, "route-created", None));
    Ok(m::CreateRouteResult {
        return_: Some(true),
    })
}

/// The index of the route to `destination` a user may change, or the error.
fn existing(table: &RouteTable, new: &Route, verb: &str) -> R<usize> {
    let (kind, value) = match (
        &new.destination_cidr,
        &new.destination_ipv6_cidr,
        &new.destination_prefix_list,
    ) {
        (Some(c), _, _) => ("destination-cidr-block", c),
        (_, Some(c), _) => ("destination-ipv6-cidr-block", c),
        (_, _, Some(p)) => ("destination-prefix-list-id", p),
        _ => return Err(errors::missing("destinationCidrBlock")),
    };
    let Some(i) = table.routes.iter().position(|r| same_destination(r, new)) else {
        return Err(AwsError::new(
            "InvalidRoute.NotFound",
            format!("no route with {kind} {value} in route table {}", table.id),
        ));
    };
    let r = &table.routes[i];
    if r.gateway_id.as_deref() == Some("local") {
        return Err(errors::invalid_value_message(format!(
            "cannot {verb} local route {value} in route table {}",
            table.id
        )));
    }
    if r.gateway_id
        .as_deref()
        .is_some_and(|g| g.starts_with("vpce-"))
        && r.destination_prefix_list.is_some()
    {
        return Err(errors::invalid_value_message(format!(
            "cannot {verb} route {value} in route table {}: it belongs to a VPC endpoint",
            table.id
        )));
    }
    Ok(i)
}

pub(super) fn replace(ctx: &mut Ctx, input: m::ReplaceRouteRequest) -> R<()> {
    let dry_run = input.dry_run;
    let spec = spec!(input);
    check_route_table_id(ctx, &spec.table)?;
    let table = &ctx.acct().ec2.route_tables[&spec.table];
    let mut new = route(ctx, &spec, table)?;
    let i = existing(table, &new, "replace")?;
    new.origin = "ReplaceRoute".into();
    ctx.dry_run(dry_run)?;
    if let Some(t) = ctx.acct_mut().ec2.route_tables.get_mut(&spec.table) {
        t.routes[i] = new;
    }
    ctx.emit(event("route-table", &spec.table, "route-replaced", None));
    Ok(())
}

pub(super) fn delete(ctx: &mut Ctx, input: m::DeleteRouteRequest) -> R<()> {
    let id = input.route_table_id.unwrap_or_default();
    check_route_table_id(ctx, &id)?;
    let wanted = Route {
        destination_cidr: input.destination_cidr_block.map(|c| {
            c.parse::<ipnet::Ipv4Net>()
                .map(|n| n.trunc().to_string())
                .unwrap_or(c)
        }),
        destination_ipv6_cidr: input.destination_ipv6_cidr_block.map(|c| {
            c.parse::<ipnet::Ipv6Net>()
                .map(|n| n.trunc().to_string())
                .unwrap_or(c)
        }),
        destination_prefix_list: input.destination_prefix_list_id,
        ..Default::default()
    };
    let i = existing(&ctx.acct().ec2.route_tables[&id], &wanted, "remove")?;
    ctx.dry_run(input.dry_run)?;
    if let Some(t) = ctx.acct_mut().ec2.route_tables.get_mut(&id) {
        t.routes.remove(i);
    }
    ctx.emit(event("route-table", &id, "route-deleted", None));
    Ok(())
}
