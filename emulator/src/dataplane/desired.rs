//! What the data plane should be doing at one moment of the world: the
//! listeners of every `available` interface endpoint to a custom service
//! (one per listener of the service's load balancers), where each forwards,
//! and which bound targets to health-check. Read with every Region locked,
//! as a plain value the reconciler compares with what runs.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use crate::services::elbv2::{HealthCheck, TargetGroup};
use crate::services::Region;

/// One listener of one endpoint.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub endpoint: String,
    pub port: u16,
    pub protocol: String,
}

/// Where a listener forwards, and how.
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    pub endpoint: String,
    /// The NLB listener's port and protocol (`TCP`, `TLS`, `UDP`, `TCP_UDP`).
    pub port: u16,
    pub protocol: String,
    pub target_group: Option<String>,
    /// `proxy_protocol_v2.enabled` of the target group.
    pub proxy_protocol: bool,
    /// The private addresses of the endpoint's network interfaces (in the
    /// consumer's subnets): the source a target sees in the PPv2 header.
    pub sources: Vec<IpAddr>,
    /// The load balancer's private addresses: the header's destination.
    pub destinations: Vec<IpAddr>,
    pub targets: Vec<Upstream>,
}

/// A bound target of the listener's group.
#[derive(Clone, Debug, PartialEq)]
pub struct Upstream {
    pub addr: SocketAddr,
    /// It passes its health checks (or they are disabled), and is not draining.
    pub healthy: bool,
}

/// An interface endpoint to a custom service, for discovery.
#[derive(Clone, Debug, PartialEq)]
pub struct Endpoint {
    pub id: String,
    pub state: String,
    pub account: String,
    pub region: String,
    pub service_name: String,
    pub dns_names: Vec<String>,
}

/// A bound target to health-check, with the group's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub region: String,
    pub account: String,
    pub target_group: String,
    pub id: String,
    pub port: Option<i32>,
    pub addr: SocketAddr,
    pub health: HealthCheck,
}

#[derive(Default, Debug)]
pub struct Desired {
    pub routes: BTreeMap<Key, Route>,
    pub endpoints: Vec<Endpoint>,
    pub checks: Vec<Check>,
}

fn bound(tg: &TargetGroup) -> Vec<Upstream> {
    tg.targets
        .iter()
        .filter(|t| t.state != "draining")
        .filter_map(|t| {
            let addr = t.local.as_deref()?.parse().ok()?;
            let passes = t.probe.as_ref().is_some_and(|p| p.healthy);
            Some(Upstream {
                addr,
                healthy: !t.failing && (passes || !tg.health.enabled),
            })
        })
        .collect()
}

/// The desired state of every Region.
pub fn snapshot(regions: &[&Region]) -> Desired {
    let mut out = Desired::default();
    for r in regions {
        region(r, regions, &mut out);
    }
    out
}

/// Region `r`'s health checks, and its endpoints to custom services of any
/// Region (`all`; cross-Region PrivateLink).
fn region(r: &Region, all: &[&Region], out: &mut Desired) {
    for (account, a) in &r.accounts {
        for g in a.elbv2.target_groups.values() {
            if !g.health.enabled {
                continue;
            }
            for t in g.targets.iter().filter(|t| t.state != "draining") {
                if let Some(addr) = t.local.as_deref().and_then(|l| l.parse().ok()) {
                    out.checks.push(Check {
                        region: r.name.clone(),
                        account: account.clone(),
                        target_group: g.arn.clone(),
                        id: t.id.clone(),
                        port: t.port,
                        addr,
                        health: g.health.clone(),
                    });
                }
            }
        }
        for e in a.ec2.endpoints.values() {
            if e.endpoint_type != "Interface" {
                continue;
            }
            let Some(sr) = all.iter().find(|x| x.name == e.service_region) else {
                continue;
            };
            // Custom services are named `com.amazonaws.vpce.<region>.<service id>`.
            let prefix = format!("com.amazonaws.vpce.{}.", sr.name);
            let Some(svc) = e
                .service_name
                .strip_prefix(&prefix)
                .and_then(|id| sr.common.ec2.endpoint_services.get(id))
                .filter(|s| s.name == e.service_name)
            else {
                continue;
            };
            // Under the service Region's name; zonal names only within it.
            let base = format!("{}.{}.vpce.amazonaws.com", svc.id, sr.name);
            let mut dns_names = vec![format!("{}-{}.{base}", e.id, e.dns_suffix)];
            for s in e.subnet_ids.iter().filter(|_| sr.name == r.name) {
                if let Some(s) = a.ec2.subnets.get(s) {
                    dns_names.push(format!(
                        "{}-{}-{}.{base}",
                        e.id, e.dns_suffix, s.availability_zone
                    ));
                }
            }
            out.endpoints.push(Endpoint {
                id: e.id.clone(),
                state: e.state.clone(),
                account: account.clone(),
                region: r.name.clone(),
                service_name: e.service_name.clone(),
                dns_names,
            });
            if e.state != "available" {
                continue;
            }
            let sources: Vec<IpAddr> = e
                .eni_ids
                .iter()
                .filter_map(|id| a.ec2.enis.get(id.as_str()))
                .filter_map(|n| n.private_ip.parse().ok())
                .collect();
            let Some(provider) = sr.accounts.get(&svc.owner) else {
                continue;
            };
            for lb_arn in &svc.load_balancers {
                let Some(lb) = provider.elbv2.load_balancers.get(lb_arn) else {
                    continue;
                };
                if lb.lb_type != "network" {
                    continue;
                }
                let destinations: Vec<IpAddr> = lb
                    .zones
                    .iter()
                    .filter_map(|(_, _, eni)| provider.ec2.enis.get(eni.as_str()))
                    .filter_map(|n| n.private_ip.parse().ok())
                    .collect();
                for l in provider
                    .elbv2
                    .listeners
                    .values()
                    .filter(|l| &l.load_balancer_arn == lb_arn)
                {
                    let (Some(port), Some(protocol)) = (l.port, l.protocol.clone()) else {
                        continue;
                    };
                    let Ok(port) = u16::try_from(port) else {
                        continue;
                    };
                    let group = l
                        .default_actions
                        .iter()
                        .find_map(|a| a.target_groups().first().map(|s| (*s).clone()));
                    let tg = group
                        .as_ref()
                        .and_then(|g| provider.elbv2.target_groups.get(g));
                    let route = Route {
                        endpoint: e.id.clone(),
                        port,
                        protocol: protocol.clone(),
                        target_group: group.clone(),
                        proxy_protocol: tg.is_some_and(|g| {
                            g.attributes
                                .get("proxy_protocol_v2.enabled")
                                .is_some_and(|v| v == "true")
                        }),
                        sources: sources.clone(),
                        destinations: destinations.clone(),
                        targets: tg.map(bound).unwrap_or_default(),
                    };
                    out.routes.insert(
                        Key {
                            endpoint: e.id.clone(),
                            port,
                            protocol,
                        },
                        route,
                    );
                }
            }
        }
    }
}
