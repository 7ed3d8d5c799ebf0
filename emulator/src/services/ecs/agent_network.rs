//! Whether a container instance's agent reaches ECS over its network: the
//! `ecs`, `ecs-agent` and `ecs-telemetry` endpoints of its Region, from
//! the instance's primary interface (ECS developer guide "Amazon ECS
//! interface VPC endpoints (AWS PrivateLink)": an instance needs all
//! three; agent 1.25.1 or later is needed to use them through interface
//! endpoints — an older agent calls names the endpoints' private DNS does
//! not answer, so it needs the internet).
//!
//! An agent that cannot reach them is disconnected (`agentConnected`
//! false, RunTask's `AGENT`) for as long as the network says so: it is
//! looked at whenever the agent's state is read, so adding the endpoint or
//! route connects it.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use super::state::ContainerInstanceRec;
use crate::services::ec2::reachability::{self, To};
use crate::services::state::Ctx;
use crate::world::Reachability;

/// The services an agent talks to.
const SERVICES: [&str; 3] = ["ecs", "ecs-agent", "ecs-telemetry"];
/// The first agent that uses ECS's interface endpoints.
const ENDPOINT_AGENT: (u32, u32, u32) = (1, 25, 1);

/// Answers already found in one call: instances of one subnet with the
/// same security groups, public address and agent generation share them
/// (keyed by a hash of those).
#[derive(Default)]
pub(super) struct Memo {
    answers: HashMap<u64, Option<String>>,
    /// Take every running agent as connected without looking (placement's
    /// first pass).
    trusting: bool,
}

impl Memo {
    pub(super) fn trusting() -> Memo {
        Memo {
            trusting: true,
            ..Memo::default()
        }
    }
}

fn version(v: &str) -> (u32, u32, u32) {
    let mut parts = v.trim_start_matches('v').split('.').map(|p| {
        p.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap_or(0)
    });
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

/// Why the agent cannot reach ECS now (None: it can, or the world's
/// reachability switch does not enforce it).
pub(super) fn blocked(ctx: &Ctx, ci: &ContainerInstanceRec, memo: &mut Memo) -> Option<String> {
    if memo.trusting || ctx.world.config.reachability != Reachability::Enforce {
        return None;
    }
    let st = &ctx.acct().ec2;
    let eni_id = ci.primary_eni.as_deref()?;
    let eni = st.enis.get(eni_id)?;
    let agent = ci.version_info.agent_version.as_deref().unwrap_or_default();
    let new_agent = version(agent) >= ENDPOINT_AGENT;
    let public = eni.public_ip.is_some()
        || st.addresses.values().any(|a| {
            a.association
                .as_ref()
                .is_some_and(|x| x.network_interface_id == eni.id)
        });
    let key = {
        let mut h = DefaultHasher::new();
        (&eni.subnet_id, &eni.group_ids, public, new_agent).hash(&mut h);
        h.finish()
    };
    if let Some(known) = memo.answers.get(&key) {
        return known.clone();
    }
    let region = ctx.region_name();
    let mut why = None;
    for service in SERVICES {
        let a = reachability::check(st, region, eni_id, &To::Service(service.to_string()));
        let via_endpoint = a.path.iter().any(|h| h.hop == "vpc-endpoint");
        if a.reachable && (new_agent || !via_endpoint) {
            continue;
        }
        if a.reachable {
            // An old agent: the endpoint's names are not the ones it calls.
            let host = format!("{service}.{region}.amazonaws.com");
            let b = reachability::check(st, region, eni_id, &To::Internet(host));
            if b.reachable {
                continue;
            }
            why = Some(format!(
                "agent {agent} cannot use the interface endpoints for com.amazonaws.{region}.{service} (agent 1.25.1 or later is needed) and cannot reach it over the internet: {}",
                b.explanation.unwrap_or_default()
            ));
        } else {
            why = Some(format!(
                "the agent cannot reach {} from {}: {}",
                a.destination,
                eni.subnet_id,
                a.explanation.unwrap_or_default()
            ));
        }
        break;
    }
    memo.answers.insert(key, why.clone());
    why
}

/// Whether the agent is connected: running, and reaching ECS.
pub(super) fn connected(ctx: &Ctx, ci: &ContainerInstanceRec, memo: &mut Memo) -> bool {
    ci.agent_connected && blocked(ctx, ci, memo).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_versions_compare_as_numbers() {
        assert!(version("1.25.1") >= ENDPOINT_AGENT);
        assert!(version("1.88.0") >= ENDPOINT_AGENT);
        assert!(version("1.24.0") < ENDPOINT_AGENT);
        assert!(version("1.9.0") < ENDPOINT_AGENT);
        assert!(version("v1.100.2") >= ENDPOINT_AGENT);
    }
}
