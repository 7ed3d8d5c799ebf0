//! The world's invariants, checked on the raw export (`GET
//! /_awsemu/state?format=raw`, `World::export`). Shared by the model-based
//! test (`tests/model_based.rs`) and the soak (`bench/load`, `awsemu-soak`),
//! which include this file; it needs only `serde_json`.
//!
//! Checked, per Region and account:
//! - every network interface's subnet exists, in its VPC; its addresses are
//!   inside the subnet's block, unique in the subnet, and marked used there;
//! - every requester-managed interface has its owner (an endpoint, a load
//!   balancer, a NAT gateway, an ECS task), and every interface an owner
//!   names exists; an attached one's instance exists;
//! - every route points at something that exists, or is `blackhole` (routes
//!   whose state is computed when read from their target's presence are
//!   `blackhole` by construction; the others are checked); every route
//!   table's VPC and associated subnets exist;
//! - subnets, endpoints and load balancers are in VPCs (and subnets) that
//!   exist; tasks in clusters that exist;
//! - endpoints ↔ connections ↔ services: every connection of an endpoint
//!   service (provider side) is an endpoint of the consumer account to that
//!   service, and every endpoint of any account to a service of the Region
//!   is one of its connections, once.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

use serde_json::Value;

/// How many checks ran and what failed.
#[derive(Debug, Default)]
pub struct Report {
    pub checks: u64,
    pub violations: Vec<String>,
}

impl Report {
    fn check(&mut self, ok: bool, what: impl FnOnce() -> String) {
        self.checks += 1;
        if !ok {
            self.violations.push(what());
        }
    }
}

fn ipv4_block(cidr: &str) -> Option<(u32, u32)> {
    let (ip, len) = cidr.split_once('/')?;
    let ip: Ipv4Addr = ip.parse().ok()?;
    let len: u32 = len.parse().ok()?;
    if len > 32 {
        return None;
    }
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    Some((u32::from(ip) & mask, mask))
}

fn map(v: &Value) -> impl Iterator<Item = (&String, &Value)> {
    v.as_object().into_iter().flatten()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// All invariants of one raw export.
pub fn check(raw: &Value) -> Report {
    let mut r = Report::default();
    let empty = serde_json::Map::new();
    for (region, accounts) in map(&raw["regions"]) {
        // Endpoints of every account of the Region, by id: (account, endpoint).
        let mut endpoints: BTreeMap<&str, (&str, &Value)> = BTreeMap::new();
        for (account, a) in map(accounts) {
            check_account(&mut r, region, account, a);
            for (id, e) in map(&a["ec2"]["endpoints"]) {
                endpoints.insert(id, (account, e));
            }
        }
        // PrivateLink, both sides.
        let services = raw["shared"][region]["ec2"]["endpoint_services"]
            .as_object()
            .unwrap_or(&empty);
        let mut by_name: BTreeMap<&str, &Value> = BTreeMap::new();
        for (sid, svc) in services {
            by_name.insert(s(&svc["name"]), svc);
            let owner = s(&svc["owner"]);
            r.check(accounts.get(owner).is_some(), || {
                format!("{region}: endpoint service {sid}: owner {owner} has no state here")
            });
            for lb in svc["load_balancers"].as_array().into_iter().flatten() {
                let found = accounts
                    .get(owner)
                    .map(|a| a["elbv2"]["load_balancers"].get(s(lb)).is_some())
                    .unwrap_or(false);
                r.check(found, || {
                    format!("{region}: endpoint service {sid}: load balancer {lb} is gone")
                });
            }
            for (eid, conn) in map(&svc["connections"]) {
                if !conn["remote"].is_null() {
                    continue; // An endpoint of another Region.
                }
                let consumer = s(&conn["account"]);
                let ok = match endpoints.get(eid.as_str()) {
                    Some((acct, e)) => {
                        *acct == consumer && s(&e["service_name"]) == s(&svc["name"])
                    }
                    None => false,
                };
                r.check(ok, || {
                    format!("{region}: endpoint service {sid}: connection {eid} of {consumer} has no endpoint to it")
                });
            }
        }
        for (eid, (account, e)) in &endpoints {
            let Some(svc) = by_name.get(s(&e["service_name"])) else {
                continue; // An AWS service, or a service of another Region.
            };
            if s(&e["service_region"]) != region.as_str() {
                continue;
            }
            let conn = &svc["connections"][*eid];
            r.check(conn.is_object() && s(&conn["account"]) == *account, || {
                format!(
                    "{region}: endpoint {eid} of {account} ({}) is not a connection of {}",
                    s(&e["state"]),
                    s(&svc["id"])
                )
            });
        }
    }
    r
}

fn check_account(r: &mut Report, region: &str, account: &str, a: &Value) {
    let at = |what: String| format!("{region}/{account}: {what}");
    let ec2 = &a["ec2"];
    let vpcs = &ec2["vpcs"];
    let subnets = &ec2["subnets"];
    let enis = &ec2["enis"];
    let has = |kind: &Value, id: &str| kind.get(id).is_some();

    for (id, sn) in map(subnets) {
        let vpc = s(&sn["vpc_id"]);
        r.check(has(vpcs, vpc), || {
            at(format!("subnet {id}: VPC {vpc} is gone"))
        });
    }

    // Addresses per subnet: each once, inside the block, marked used.
    let mut seen: BTreeMap<&str, BTreeMap<String, String>> = BTreeMap::new();
    // Owners' interfaces.
    let mut owned: BTreeMap<String, String> = BTreeMap::new();
    // Interfaces whose owner may have let them go already.
    let mut owned_maybe: BTreeSet<String> = BTreeSet::new();
    for (id, e) in map(&ec2["endpoints"]) {
        let vpc = s(&e["vpc_id"]);
        r.check(has(vpcs, vpc), || {
            at(format!("endpoint {id}: VPC {vpc} is gone"))
        });
        for eni in e["eni_ids"].as_array().into_iter().flatten() {
            owned.insert(s(eni).to_string(), format!("endpoint {id}"));
        }
        if s(&e["endpoint_type"]) == "Interface" && s(&e["state"]) == "available" {
            let (n_sub, n_eni) = (
                e["subnet_ids"].as_array().map_or(0, Vec::len),
                e["eni_ids"].as_array().map_or(0, Vec::len),
            );
            r.check(n_sub == n_eni, || {
                at(format!(
                    "endpoint {id}: {n_sub} subnets but {n_eni} interfaces"
                ))
            });
        }
        // A rejected, failed or deleted endpoint has no interfaces left, and
        // its subnets may go; so has one deleted after it was rejected, while
        // it is `deleting`.
        let state = s(&e["state"]);
        let holds = match state {
            "rejected" | "failed" | "deleted" => false,
            "deleting" => e["eni_ids"].as_array().is_some_and(|a| !a.is_empty()),
            _ => true,
        };
        for sn in e["subnet_ids"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|_| holds)
        {
            r.check(has(subnets, s(sn)), || {
                at(format!("endpoint {id} ({state}): subnet {sn} is gone"))
            });
        }
    }
    for (id, n) in map(&ec2["nat_gateways"]) {
        if let Some(eni) = n["eni_id"].as_str() {
            owned.insert(eni.to_string(), format!("NAT gateway {id}"));
        }
    }
    for (arn, lb) in map(&a["elbv2"]["load_balancers"]) {
        let vpc = s(&lb["vpc_id"]);
        r.check(has(vpcs, vpc), || {
            at(format!("load balancer {arn}: VPC {vpc} is gone"))
        });
        for z in lb["zones"].as_array().into_iter().flatten() {
            r.check(has(subnets, s(&z[0])), || {
                at(format!("load balancer {arn}: subnet {} is gone", z[0]))
            });
            if let Some(eni) = z[2].as_str().filter(|e| !e.is_empty()) {
                owned.insert(eni.to_string(), format!("load balancer {arn}"));
            }
        }
    }
    // A target group may outlive its VPC (as in AWS: it holds no interface).
    let clusters = &a["ecs"]["clusters"];
    for (id, t) in map(&a["ecs"]["tasks"]) {
        let cluster = s(&t["cluster"]);
        r.check(has(clusters, cluster), || {
            at(format!("task {id}: cluster {cluster} is gone"))
        });
        if let Some(eni) = t["eni"].as_str() {
            // A task's interface goes when it stops (the task still names it).
            let status = s(&t["model"]["lastStatus"]);
            if matches!(status, "PENDING" | "ACTIVATING" | "RUNNING") {
                owned.insert(eni.to_string(), format!("task {id} ({status})"));
            } else {
                owned_maybe.insert(eni.to_string());
            }
        }
    }
    // Every interface an owner names exists.
    for (eni, owner) in &owned {
        r.check(has(enis, eni), || {
            at(format!("{owner}: its interface {eni} is gone"))
        });
    }

    for (id, e) in map(enis) {
        let sid = s(&e["subnet_id"]);
        let Some(sn) = subnets.get(sid) else {
            r.check(false, || {
                at(format!("interface {id}: subnet {sid} is gone"))
            });
            continue;
        };
        r.check(s(&sn["vpc_id"]) == s(&e["vpc_id"]), || {
            at(format!("interface {id}: VPC differs from its subnet's"))
        });
        if e["requester_managed"].as_bool() == Some(true) {
            r.check(
                owned.contains_key(id.as_str()) || owned_maybe.contains(id.as_str()),
                || {
                    at(format!(
                        "requester-managed interface {id} ({}, {}) has no owner",
                        s(&e["interface_type"]),
                        s(&e["description"])
                    ))
                },
            );
        }
        if let Some(inst) = e["attachment"]["instance_id"].as_str() {
            r.check(has(&ec2["instances"], inst), || {
                at(format!(
                    "interface {id}: attached to instance {inst}, which is gone"
                ))
            });
        }
        let Some((base, mask)) = ipv4_block(s(&sn["cidr"])) else {
            r.check(false, || at(format!("subnet {sid}: block {}", sn["cidr"])));
            continue;
        };
        let used: BTreeSet<u64> = sn["used_ips"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_u64)
            .collect();
        let ips = std::iter::once(&e["private_ip"])
            .chain(e["secondary_ips"].as_array().into_iter().flatten());
        for ip in ips {
            let text = s(ip);
            let Ok(addr) = text.parse::<Ipv4Addr>() else {
                r.check(false, || at(format!("interface {id}: address {ip}")));
                continue;
            };
            let n = u32::from(addr);
            r.check(n & mask == base, || {
                at(format!(
                    "interface {id}: {text} is outside {}",
                    s(&sn["cidr"])
                ))
            });
            r.check(used.contains(&u64::from(n.wrapping_sub(base))), || {
                at(format!(
                    "interface {id}: {text} is not marked used in {sid}"
                ))
            });
            let prev = seen
                .entry(sid)
                .or_default()
                .insert(text.to_string(), id.clone());
            r.check(prev.is_none(), || {
                at(format!(
                    "{text} in {sid} is held by {id} and {}",
                    prev.clone().unwrap_or_default()
                ))
            });
        }
    }

    // Routes.
    for (id, rt) in map(&ec2["route_tables"]) {
        let vpc = s(&rt["vpc_id"]);
        r.check(has(vpcs, vpc), || {
            at(format!("route table {id}: VPC {vpc} is gone"))
        });
        for assoc in rt["associations"].as_array().into_iter().flatten() {
            if let Some(sn) = assoc["subnet_id"].as_str() {
                r.check(has(subnets, sn), || {
                    at(format!("route table {id}: associated subnet {sn} is gone"))
                });
            }
        }
        for route in rt["routes"].as_array().into_iter().flatten() {
            // Routes to internet, NAT and egress-only gateways, instances
            // and interfaces are `active` or `blackhole` as their target is
            // there when they are read (`routes::state`): a gone target reads
            // as `blackhole` by construction. The others keep the state they
            // were given: their target must be there unless it is `blackhole`.
            let Some(g) = route["gateway_id"].as_str() else {
                continue;
            };
            if g.starts_with("igw-") || s(&route["state"]) == "blackhole" {
                continue;
            }
            let found = if g == "local" {
                true
            } else if g.starts_with("vpce-") {
                ec2["endpoints"]
                    .get(g)
                    .is_some_and(|e| s(&e["vpc_id"]) == vpc && s(&e["state"]) != "deleted")
            } else {
                true // Virtual private gateways are not kept.
            };
            r.check(found, || {
                at(format!(
                    "route table {id}: route to {} ({}) points at {g}, which is gone",
                    route["destination_prefix_list"],
                    s(&route["state"])
                ))
            });
        }
    }
}

/// The raw export without what changes with no call at all. Nothing today:
/// the raw state holds no clock. Kept as the one place to say so.
pub fn resources(raw: &Value) -> Value {
    raw.clone()
}
