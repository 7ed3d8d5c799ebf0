//! Reachability: whether traffic from a network interface reaches an AWS
//! service of a Region or a host on the internet, answered from the world
//! as AWS would route it — and, when it does not, which hop blocks it and
//! what is missing, in a sentence.
//!
//! All traffic is HTTPS (TCP 443 out, the ephemeral ports back). The rules
//! (AWS PrivateLink guide "Access an AWS service using an interface VPC
//! endpoint" and "Gateway endpoints"; VPC user guide "Internet gateways",
//! "NAT gateways", "Security groups", "Network ACLs"):
//! - a gateway service (S3, DynamoDB) is reached through a gateway endpoint
//!   whose route (the service's prefix list) is in the subnet's route table;
//! - a service with an `available` interface endpoint in the VPC, private
//!   DNS on and the VPC's `enableDnsSupport` and `enableDnsHostnames` on,
//!   resolves to the endpoint (any of its subnets, whatever the zone): the
//!   endpoint's security groups must let 443 in from the interface, the
//!   interface's let 443 out, and both subnets' network ACLs the flow and
//!   its return (traffic inside one subnet meets no ACL);
//! - anything else resolves to a public address: the subnet's route table
//!   (its own or the VPC's main one) sends it, by longest prefix, to an
//!   attached internet gateway with a public address on the interface, or
//!   to an `available` public NAT gateway whose own subnet routes to one;
//!   a blackhole route, a private NAT gateway or any other target blocks.
//!
//! Through an endpoint, its policy must also allow the actions the caller
//! makes there (`check_for`; `endpoint_policy`).

use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use serde::Serialize;

use super::catalog;
use super::state::{NetworkAcl, NetworkInterface, Peer, RouteTable, State, VpcEndpoint};

/// HTTPS, which every destination here takes.
const PORT: i32 = 443;
/// A port of the ephemeral range the return traffic comes back to (Linux
/// uses 32768–60999; AWS's guides open 1024–65535).
const EPHEMERAL: i32 = 49_152;
/// Where a public AWS service endpoint resolves, for matching routes and
/// rules by prefix [U: any address of AWS's public ranges would do].
const AWS_PUBLIC: Ipv4Addr = Ipv4Addr::new(52, 46, 128, 10);
/// Where a host on the internet resolves, likewise [U].
const INTERNET: Ipv4Addr = Ipv4Addr::new(104, 16, 0, 10);

/// Where the traffic goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum To {
    /// An AWS service by its endpoint name suffix (`ecr.dkr`, `s3`, `logs`).
    Service(String),
    /// A host on the internet (`public.ecr.aws`, `registry-1.docker.io`).
    Internet(String),
}

impl To {
    /// `ecr.dkr`, `com.amazonaws.<region>.ecr.dkr`, `internet`, or a host
    /// name with a dot that is not an AWS service name.
    pub fn parse(value: &str, region: &str) -> To {
        let prefix = format!("com.amazonaws.{region}.");
        if let Some(s) = value.strip_prefix(&prefix) {
            return To::Service(s.to_string());
        }
        let service = catalog::find(&format!("{prefix}{value}")).is_some();
        if service || !value.contains('.') && value != "internet" {
            To::Service(value.to_string())
        } else {
            To::Internet(value.to_string())
        }
    }

    fn name(&self, region: &str) -> String {
        match self {
            To::Service(s) => format!("com.amazonaws.{region}.{s}"),
            To::Internet(h) => h.clone(),
        }
    }
}

/// One step of a path: the resource it goes through and what it does.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hop {
    /// `network-interface`, `route-table`, `route`, `internet-gateway`,
    /// `nat-gateway`, `vpc-endpoint`, `dns`, `security-group`,
    /// `network-acl`, `public-ip`.
    pub hop: &'static str,
    pub id: String,
    pub detail: String,
}

fn hop(kind: &'static str, id: impl Into<String>, detail: impl Into<String>) -> Hop {
    Hop {
        hop: kind,
        id: id.into(),
        detail: detail.into(),
    }
}

/// The answer: the path taken, or the first hop that blocks it and why.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Answer {
    pub reachable: bool,
    pub destination: String,
    pub path: Vec<Hop>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked: Option<Hop>,
    /// What is missing, as a sentence (blocked paths only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
    /// The action an endpoint's policy does not allow (the network is fine).
    #[serde(rename = "deniedAction", skip_serializing_if = "Option::is_none")]
    pub denied_action: Option<String>,
}

/// The interface traffic leaves from.
struct Source<'a> {
    eni: &'a NetworkInterface,
    ip: Ipv4Addr,
    table: Option<&'a RouteTable>,
}

/// Whether `eni_id` reaches `to` from its Region (`region`) now.
pub fn check(st: &State, region: &str, eni_id: &str, to: &To) -> Answer {
    route(st, region, eni_id, to)
}

/// As `check`, and then the policy of the endpoint the path goes through
/// must let `account`'s callers make each of `actions`.
pub fn check_for(
    st: &State,
    region: &str,
    eni_id: &str,
    to: &To,
    account: &str,
    actions: &[&str],
) -> Answer {
    let mut a = route(st, region, eni_id, to);
    if !a.reachable {
        return a;
    }
    let endpoint = a
        .path
        .iter()
        .find(|h| h.hop == "vpc-endpoint")
        .and_then(|h| st.endpoints.get(&h.id));
    let Some(ep) = endpoint else {
        return a;
    };
    for action in actions {
        if super::endpoint_policy::allows(ep.policy.as_deref(), account, action) {
            continue;
        }
        let why = format!(
            "the policy of the VPC endpoint {} for {} does not allow {action}",
            ep.id, ep.service_name
        );
        a.reachable = false;
        a.blocked = Some(hop("vpc-endpoint-policy", &ep.id, why.clone()));
        a.explanation = Some(why);
        a.denied_action = Some(action.to_string());
        return a;
    }
    a.path.push(hop(
        "vpc-endpoint-policy",
        &ep.id,
        format!("allows {}", actions.join(", ")),
    ));
    a
}

fn route(st: &State, region: &str, eni_id: &str, to: &To) -> Answer {
    let destination = to.name(region);
    let mut path = Vec::new();
    let Some(eni) = st.enis.get(eni_id) else {
        return blocked(
            destination,
            path,
            hop("network-interface", eni_id, "no such network interface"),
            format!("network interface {eni_id} does not exist"),
        );
    };
    let ip = eni.private_ip.parse().unwrap_or(Ipv4Addr::UNSPECIFIED);
    path.push(hop(
        "network-interface",
        &*eni.id,
        format!("{} in {}", eni.private_ip, eni.subnet_id),
    ));
    let src = Source {
        eni,
        ip,
        table: table_of(st, &eni.vpc_id, &eni.subnet_id),
    };
    let mut why_public = Vec::new();
    if let To::Service(service) = to {
        // A gateway endpoint's route in the subnet's route table.
        if let Some(pl) = catalog::prefix_list(region, service) {
            match gateway_path(st, &src, &destination, &pl) {
                Some(Ok(hops)) => {
                    path.extend(hops);
                    return reached(destination, path);
                }
                Some(Err((h, why))) => return blocked(destination, path, h, why),
                None => {}
            }
        }
        match interface_path(st, &src, &destination) {
            Resolved::Endpoint(Ok(hops)) => {
                path.extend(hops);
                return reached(destination, path);
            }
            Resolved::Endpoint(Err((mut hops, h, why))) => {
                path.append(&mut hops);
                return blocked(destination, path, h, why);
            }
            Resolved::Public(why) => why_public.push(why),
        }
    }
    let target = if matches!(to, To::Service(_)) {
        AWS_PUBLIC
    } else {
        INTERNET
    };
    match internet_path(st, &src, target) {
        Ok(hops) => {
            path.extend(hops);
            reached(destination, path)
        }
        Err((mut hops, h, why)) => {
            path.append(&mut hops);
            why_public.insert(0, why);
            blocked(destination, path, h, why_public.join(", and "))
        }
    }
}

fn reached(destination: String, path: Vec<Hop>) -> Answer {
    Answer {
        reachable: true,
        destination,
        path,
        blocked: None,
        explanation: None,
        denied_action: None,
    }
}

fn blocked(destination: String, path: Vec<Hop>, at: Hop, why: String) -> Answer {
    Answer {
        reachable: false,
        destination,
        path,
        blocked: Some(at),
        explanation: Some(why),
        denied_action: None,
    }
}

/// The route table of a subnet: its own association, else the VPC's main.
pub(crate) fn table_of<'a>(st: &'a State, vpc_id: &str, subnet_id: &str) -> Option<&'a RouteTable> {
    let vpc_tables = || st.route_tables.values().filter(|t| t.vpc_id == vpc_id);
    vpc_tables()
        .find(|t| {
            t.associations
                .iter()
                .any(|a| a.subnet_id.as_deref() == Some(subnet_id))
        })
        .or_else(|| vpc_tables().find(|t| t.is_main()))
}

fn acl_of<'a>(st: &'a State, vpc_id: &str, subnet_id: &str) -> Option<&'a NetworkAcl> {
    st.network_acls
        .values()
        .find(|a| a.associations.iter().any(|(_, s)| s == subnet_id))
        .or_else(|| {
            st.network_acls
                .values()
                .find(|a| a.is_default && a.vpc_id == vpc_id)
        })
}

fn contains(cidr: &str, ip: Ipv4Addr) -> bool {
    cidr.parse::<Ipv4Net>().is_ok_and(|n| n.contains(&ip))
}

fn tcp(protocol: &str) -> bool {
    matches!(protocol, "-1" | "6" | "tcp" | "all")
}

/// The first entry of the ACL that matches TCP `port` between the subnet
/// and `peer`, one way: allowed (with its rule number) or not.
fn acl_allows(acl: &NetworkAcl, egress: bool, port: i32, peer: Ipv4Addr) -> Result<i32, i32> {
    let mut entries: Vec<_> = acl.entries.iter().filter(|e| e.egress == egress).collect();
    entries.sort_by_key(|e| e.rule_number);
    for e in entries {
        let ports = e.ports.is_none_or(|(from, to)| (from..=to).contains(&port));
        let cidr = e.cidr.as_deref().is_some_and(|c| contains(c, peer));
        if tcp(&e.protocol) && ports && cidr {
            return if e.action == "allow" {
                Ok(e.rule_number)
            } else {
                Err(e.rule_number)
            };
        }
    }
    Err(32_767)
}

/// The ACL check of one subnet for a flow to `peer` on 443 (outbound) and
/// its return on an ephemeral port (inbound), or, seen from the serving
/// side (`serving`), 443 in and the ephemeral port out.
fn acl_hops(
    st: &State,
    vpc_id: &str,
    subnet_id: &str,
    peer: Ipv4Addr,
    serving: bool,
) -> Result<Vec<Hop>, (Hop, String)> {
    let Some(acl) = acl_of(st, vpc_id, subnet_id) else {
        return Ok(vec![]);
    };
    let legs = if serving {
        [(false, PORT, "inbound"), (true, EPHEMERAL, "outbound")]
    } else {
        [(true, PORT, "outbound"), (false, EPHEMERAL, "inbound")]
    };
    let mut hops = Vec::new();
    for (egress, port, way) in legs {
        match acl_allows(acl, egress, port, peer) {
            Ok(rule) => hops.push(hop(
                "network-acl",
                &acl.id,
                format!("{way} rule {rule} allows TCP {port} with {peer} for {subnet_id}"),
            )),
            Err(rule) => {
                let why = format!(
                    "network ACL {} of {subnet_id} denies {way} TCP {port} {} {peer} (rule {})",
                    acl.id,
                    if egress { "to" } else { "from" },
                    if rule == 32_767 {
                        "*".to_string()
                    } else {
                        rule.to_string()
                    },
                );
                return Err((hop("network-acl", &acl.id, why.clone()), why));
            }
        }
    }
    Ok(hops)
}

/// What a security group rule's peer must be for the flow to match it.
struct Peerage<'a> {
    ip: Ipv4Addr,
    groups: &'a [String],
    prefix_list: Option<&'a str>,
}

/// The first rule of `groups` letting TCP 443 go out to (or come in from)
/// the peer: (group id, rule id).
fn sg_allows(
    st: &State,
    groups: &[String],
    egress: bool,
    peer: &Peerage,
) -> Option<(String, String)> {
    for g in groups.iter().filter_map(|g| st.security_groups.get(g)) {
        for r in g.rules.iter().filter(|r| r.egress == egress) {
            let ports = match (r.from_port, r.to_port) {
                (Some(from), Some(to)) if r.protocol != "-1" && from != -1 => {
                    (from..=to).contains(&PORT)
                }
                _ => true,
            };
            let who = match &r.peer {
                Peer::Cidr(c) => contains(c, peer.ip),
                Peer::Group { group_id, .. } => peer.groups.contains(group_id),
                Peer::PrefixList(pl) => peer.prefix_list == Some(pl.as_str()),
                Peer::CidrV6(_) => false,
            };
            if tcp(&r.protocol) && ports && who {
                return Some((g.id.clone(), r.id.clone()));
            }
        }
    }
    None
}

fn egress_hop(st: &State, src: &Source, peer: &Peerage, what: &str) -> Result<Hop, (Hop, String)> {
    match sg_allows(st, &src.eni.group_ids, true, peer) {
        Some((g, rule)) => Ok(hop(
            "security-group",
            g,
            format!("outbound rule {rule} allows TCP {PORT} to {what}"),
        )),
        None => {
            let groups = src.eni.group_ids.join(", ");
            let why = format!(
                "no security group of {} ({groups}) allows outbound TCP {PORT} to {what}",
                src.eni.id
            );
            Err((hop("security-group", groups, why.clone()), why))
        }
    }
}

/// Through a gateway endpoint: None when the subnet's table has no route
/// of one for the service.
fn gateway_path(
    st: &State,
    src: &Source,
    service: &str,
    pl: &catalog::PrefixList,
) -> Option<Result<Vec<Hop>, (Hop, String)>> {
    let table = src.table?;
    let route = table
        .routes
        .iter()
        .find(|r| r.destination_prefix_list.as_deref() == Some(pl.id.as_str()))?;
    let vpce = route.gateway_id.as_deref()?;
    let ep = st
        .endpoints
        .get(vpce)
        .filter(|e| e.service_name == service && e.state == "available")?;
    let mut hops = vec![
        hop(
            "route-table",
            &table.id,
            format!("route table of {}", src.eni.subnet_id),
        ),
        hop("route", &table.id, format!("{} -> {vpce}", pl.id)),
        hop(
            "vpc-endpoint",
            &ep.id,
            format!("gateway endpoint for {service}"),
        ),
    ];
    let ip = pl
        .cidrs
        .first()
        .and_then(|c| c.parse::<Ipv4Net>().ok())
        .map_or(AWS_PUBLIC, |n| n.network());
    let peer = Peerage {
        ip,
        groups: &[],
        prefix_list: Some(&pl.id),
    };
    Some((|| {
        hops.push(egress_hop(st, src, &peer, &pl.id)?);
        hops.extend(acl_hops(
            st,
            &src.eni.vpc_id,
            &src.eni.subnet_id,
            ip,
            false,
        )?);
        Ok(hops)
    })())
}

enum Resolved {
    /// The name resolves to an interface endpoint: through it or blocked
    /// on the way (the hops so far, the blocking hop, why).
    Endpoint(Result<Vec<Hop>, (Vec<Hop>, Hop, String)>),
    /// It resolves to the public endpoint, for this reason.
    Public(String),
}

fn interface_path(st: &State, src: &Source, service: &str) -> Resolved {
    let vpc_id = &src.eni.vpc_id;
    let mut endpoints: Vec<&VpcEndpoint> = st
        .endpoints
        .values()
        .filter(|e| e.vpc_id == *vpc_id && e.service_name == service)
        .filter(|e| e.endpoint_type == "Interface")
        .collect();
    // The name resolves to the endpoint whose private DNS is on, if any.
    endpoints.sort_by_key(|e| (e.state != "available", !e.private_dns_enabled));
    let Some(ep) = endpoints.first() else {
        return Resolved::Public(format!(
            "the VPC {vpc_id} has no interface endpoint for {service}"
        ));
    };
    if ep.state != "available" {
        return Resolved::Public(format!(
            "the interface endpoint {} for {service} is {}, not available",
            ep.id, ep.state
        ));
    }
    if !ep.private_dns_enabled {
        return Resolved::Public(format!(
            "the interface endpoint {} for {service} has private DNS off, so the service's name resolves to its public address",
            ep.id
        ));
    }
    let vpc = st.vpcs.get(vpc_id.as_str());
    for (on, attr) in [
        (
            vpc.is_some_and(|v| v.enable_dns_support),
            "enableDnsSupport",
        ),
        (
            vpc.is_some_and(|v| v.enable_dns_hostnames),
            "enableDnsHostnames",
        ),
    ] {
        if !on {
            return Resolved::Public(format!(
                "the VPC {vpc_id} has {attr} off, so the private DNS name of the interface endpoint {} does not resolve and {service} resolves to its public address",
                ep.id
            ));
        }
    }
    // DNS answers with each of the endpoint's addresses; the one in the
    // source's zone first (AWS routes to any).
    let mut enis: Vec<&NetworkInterface> = ep
        .eni_ids
        .iter()
        .filter_map(|e| st.enis.get(e.as_str()).map(|e| &**e))
        .collect();
    enis.sort_by_key(|e| e.availability_zone != src.eni.availability_zone);
    let Some(target) = enis.first() else {
        let why = format!("the interface endpoint {} has no network interface", ep.id);
        return Resolved::Endpoint(Err((vec![], hop("vpc-endpoint", &ep.id, why.clone()), why)));
    };
    let tip: Ipv4Addr = target.private_ip.parse().unwrap_or(Ipv4Addr::UNSPECIFIED);
    let mut hops = vec![
        hop(
            "dns",
            &ep.id,
            format!("{service} resolves to {} (private DNS)", target.private_ip),
        ),
        hop(
            "vpc-endpoint",
            &ep.id,
            format!("interface endpoint in {} ({})", target.subnet_id, target.id),
        ),
    ];
    let out = Peerage {
        ip: tip,
        groups: &ep.group_ids,
        prefix_list: None,
    };
    let rest = (|| {
        let mut more = vec![egress_hop(st, src, &out, &format!("{tip} ({})", ep.id))?];
        if target.subnet_id != src.eni.subnet_id {
            more.extend(acl_hops(st, vpc_id, &src.eni.subnet_id, tip, false)?);
            more.extend(acl_hops(st, vpc_id, &target.subnet_id, src.ip, true)?);
        }
        let from = Peerage {
            ip: src.ip,
            groups: &src.eni.group_ids,
            prefix_list: None,
        };
        match sg_allows(st, &ep.group_ids, false, &from) {
            Some((g, rule)) => more.push(hop(
                "security-group",
                g,
                format!("inbound rule {rule} allows TCP {PORT} from {}", src.ip),
            )),
            None => {
                let groups = ep.group_ids.join(", ");
                let why = format!(
                    "no security group of the interface endpoint {} ({groups}) allows inbound TCP {PORT} from {} ({})",
                    ep.id, src.eni.id, src.eni.private_ip
                );
                return Err((hop("security-group", groups, why.clone()), why));
            }
        }
        Ok(more)
    })();
    Resolved::Endpoint(match rest {
        Ok(more) => {
            hops.extend(more);
            Ok(hops)
        }
        Err((h, why)) => Err((hops, h, why)),
    })
}

/// The route of `table` for `ip`: the longest prefix that contains it.
fn route_for(table: &RouteTable, ip: Ipv4Addr) -> Option<&super::state::Route> {
    table
        .routes
        .iter()
        .filter_map(|r| {
            let net: Ipv4Net = r.destination_cidr.as_deref()?.parse().ok()?;
            net.contains(&ip).then_some((net.prefix_len(), r))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, r)| r)
}

type Blocked = (Vec<Hop>, Hop, String);

fn internet_path(st: &State, src: &Source, ip: Ipv4Addr) -> Result<Vec<Hop>, Blocked> {
    let subnet = &src.eni.subnet_id;
    let vpc_id = &src.eni.vpc_id;
    let Some(table) = src.table else {
        let why = format!("{subnet} has no route table");
        return Err((
            vec![],
            hop("route-table", subnet.as_str(), why.clone()),
            why,
        ));
    };
    let mut hops = vec![hop(
        "route-table",
        &table.id,
        format!("route table of {subnet}"),
    )];
    let Some(route) = route_for(table, ip).filter(|r| r.gateway_id.as_deref() != Some("local"))
    else {
        let why = format!(
            "route table {} of {subnet} has no route to 0.0.0.0/0",
            table.id
        );
        return Err((hops, hop("route-table", &table.id, why.clone()), why));
    };
    let dest = route.destination_cidr.clone().unwrap_or_default();
    let target = route.target().unwrap_or("").to_string();
    let state = super::routes::state(st, vpc_id, route);
    if state == "blackhole" {
        let why = format!(
            "the route {dest} -> {target} in route table {} of {subnet} is a blackhole",
            table.id
        );
        return Err((hops, hop("route", &table.id, why.clone()), why));
    }
    hops.push(hop("route", &table.id, format!("{dest} -> {target}")));
    let fail = |hops: Vec<Hop>, kind: &'static str, id: &str, why: String| {
        Err((hops, hop(kind, id, why.clone()), why))
    };
    if target.starts_with("igw-") {
        hops.push(hop(
            "internet-gateway",
            &target,
            format!("attached to {vpc_id}"),
        ));
        let Some(public) = public_ip(st, src.eni) else {
            return fail(
                hops,
                "public-ip",
                &src.eni.id,
                format!(
                    "route table {} of {subnet} sends {dest} to the internet gateway {target}, but {} has no public IP address",
                    table.id, src.eni.id
                ),
            );
        };
        hops.push(hop("public-ip", &*src.eni.id, public));
    } else if target.starts_with("nat-") {
        let Some(nat) = st.nat_gateways.get(&target) else {
            return fail(
                hops,
                "nat-gateway",
                &target,
                format!("the NAT gateway {target} does not exist"),
            );
        };
        if nat.state != "available" {
            return fail(
                hops,
                "nat-gateway",
                &target,
                format!("the NAT gateway {target} is {}, not available", nat.state),
            );
        }
        if nat.connectivity == "private" {
            return fail(
                hops,
                "nat-gateway",
                &target,
                format!("the NAT gateway {target} is private: it does not reach the internet"),
            );
        }
        hops.push(hop("nat-gateway", &target, format!("in {}", nat.subnet_id)));
        // The NAT gateway's own subnet must let the flow through and send
        // it on to an attached internet gateway.
        if nat.subnet_id != *subnet {
            if let Err((h, why)) = acl_hops(st, vpc_id, subnet, ip, false) {
                return Err((hops, h, why));
            }
            if let Err((h, why)) = acl_hops(st, vpc_id, &nat.subnet_id, src.ip, true) {
                return Err((hops, h, why));
            }
        }
        let nat_table = table_of(st, vpc_id, &nat.subnet_id);
        let onward = nat_table.and_then(|t| route_for(t, ip).map(|r| (t, r)));
        match onward {
            Some((t, r))
                if r.gateway_id
                    .as_deref()
                    .is_some_and(|g| g.starts_with("igw-"))
                    && super::routes::state(st, vpc_id, r) == "active" =>
            {
                let igw = r.gateway_id.clone().unwrap_or_default();
                hops.push(hop(
                    "route",
                    &t.id,
                    format!(
                        "{} -> {igw}",
                        r.destination_cidr.clone().unwrap_or_default()
                    ),
                ));
                hops.push(hop(
                    "internet-gateway",
                    &igw,
                    format!("attached to {vpc_id}"),
                ));
            }
            _ => {
                let id = nat_table.map_or(nat.subnet_id.clone(), |t| t.id.clone());
                return fail(
                    hops,
                    "route-table",
                    &id,
                    format!(
                        "the NAT gateway {target} is in {}, whose route table {id} has no route to an attached internet gateway",
                        nat.subnet_id
                    ),
                );
            }
        }
        // The NAT gateway's subnet ACL to the internet.
        if let Err((h, why)) = acl_hops(st, vpc_id, &nat.subnet_id, ip, false) {
            return Err((hops, h, why));
        }
    } else {
        return fail(
            hops,
            "route",
            &table.id,
            format!(
                "route table {} of {subnet} sends {dest} to {target}, which does not lead to the internet",
                table.id
            ),
        );
    }
    let peer = Peerage {
        ip,
        groups: &[],
        prefix_list: None,
    };
    match egress_hop(st, src, &peer, "the internet (0.0.0.0/0)") {
        Ok(h) => hops.push(h),
        Err((h, why)) => return Err((hops, h, why)),
    }
    if !target.starts_with("nat-") {
        match acl_hops(st, vpc_id, subnet, ip, false) {
            Ok(more) => hops.extend(more),
            Err((h, why)) => return Err((hops, h, why)),
        }
    }
    Ok(hops)
}

/// The interface's public address: Amazon's, or an associated Elastic IP.
fn public_ip(st: &State, eni: &NetworkInterface) -> Option<String> {
    eni.public_ip.as_ref().map(|ip| ip.to_string()).or_else(|| {
        st.addresses
            .values()
            .find(|a| {
                a.association
                    .as_ref()
                    .is_some_and(|x| x.network_interface_id == eni.id)
            })
            .map(|a| a.public_ip.clone())
    })
}

/// The primary interface of an instance (device 0).
pub fn instance_eni<'a>(st: &'a State, instance_id: &str) -> Option<&'a str> {
    st.enis
        .values()
        .filter(|e| {
            e.attachment
                .as_ref()
                .is_some_and(|a| a.instance_id == instance_id)
        })
        .min_by_key(|e| e.attachment.as_ref().map_or(i32::MAX, |a| a.device_index))
        .map(|e| e.id.as_str())
}
