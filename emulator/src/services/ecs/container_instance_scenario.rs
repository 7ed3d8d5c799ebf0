//! Container instances in scenario files: the agents of the scenario's EC2
//! instances register them on their own once the instances run; a
//! scenario pins their ids, agent versions, cluster and attributes (given
//! before the clusters exist, so no agent registers first), and declares
//! DRAINING ones, which drain once everything has settled. Exported back
//! with exactly that.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::container_instances::{agent_attribute, default_agent};
use super::state::AgentPin;
use crate::model::ecs as c;
use crate::scenario_file::format as f;
use crate::scenario_file::mapping::{one_ref, Names, Phase, ScenarioError};
use crate::services::state::{Account, World};

/// Records what the agents of the declared instances register.
pub(crate) fn pin(
    world: &Arc<World>,
    p: &Phase<'_>,
    names: &Names,
    spec: &f::Ecs,
) -> Result<(), ScenarioError> {
    for (i, ci) in spec.container_instances.iter().enumerate() {
        let at = p.at(format!("{}.ecs.containerInstances[{i}]", p.base));
        let ec2_id = one_ref(names, &at, "instance", "instance", "i", &ci.instance)?;
        if let Some(id) = &ci.id {
            if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(at.err("id", format!("'{id}' is not 32 hex digits")));
            }
        }
        if let Some(s) = &ci.status {
            if s != "ACTIVE" && s != "DRAINING" {
                return Err(at.err("status", format!("'{s}' is not ACTIVE or DRAINING")));
            }
        }
        let (version, hash, docker) = default_agent();
        let pinned = AgentPin {
            cluster: ci.cluster.clone(),
            id: ci.id.clone(),
            version: Some(c::VersionInfo {
                agent_version: Some(ci.agent_version.clone().unwrap_or_else(|| version.into())),
                agent_hash: Some(ci.agent_hash.clone().unwrap_or_else(|| hash.into())),
                docker_version: Some(ci.docker_version.clone().unwrap_or_else(|| docker.into())),
            }),
            attributes: ci
                .attributes
                .iter()
                .map(|(k, v)| c::Attribute {
                    name: Some(k.clone()),
                    value: v.clone(),
                    ..Default::default()
                })
                .collect(),
        };
        let mut ctx = world.context(&at.who(), "scenario");
        ctx.acct_mut().ecs.agent_pins.insert(ec2_id, pinned);
    }
    Ok(())
}

/// The container instances declared DRAINING: (cluster, EC2 instance).
pub(crate) fn draining(
    p: &Phase<'_>,
    names: &Names,
    spec: &f::Ecs,
) -> Result<Vec<(String, String)>, ScenarioError> {
    let mut out = Vec::new();
    for (i, ci) in spec.container_instances.iter().enumerate() {
        if ci.status.as_deref() == Some("DRAINING") {
            let at = p.at(format!("{}.ecs.containerInstances[{i}]", p.base));
            let ec2_id = one_ref(names, &at, "instance", "instance", "i", &ci.instance)?;
            out.push((ci.cluster.clone(), ec2_id));
        }
    }
    Ok(out)
}

pub(crate) fn export(a: &Account, out: &mut f::Ecs) {
    let (version, hash, docker) = default_agent();
    let differs = |v: &Option<String>, d: &str| v.clone().filter(|x| x != d);
    for ci in a
        .ecs
        .container_instances
        .values()
        .filter(|c| c.status == "ACTIVE" || c.status == "DRAINING")
    {
        let v = &ci.version_info;
        out.container_instances.push(f::ContainerInstance {
            instance: ci.ec2_instance_id.clone(),
            cluster: ci.cluster.clone(),
            id: Some(ci.id.clone()),
            agent_version: differs(&v.agent_version, version),
            agent_hash: differs(&v.agent_hash, hash),
            docker_version: differs(&v.docker_version, docker),
            attributes: ci
                .attributes
                .iter()
                .filter(|x| !agent_attribute(x.name.as_deref().unwrap_or("")))
                .map(|x| (x.name.clone().unwrap_or_default(), x.value.clone()))
                .collect::<BTreeMap<_, _>>(),
            status: (ci.status == "DRAINING").then(|| ci.status.clone()),
        });
    }
}
