//! What the ECS scenario mappings share: an ECS call as a scenario makes
//! it, the pins of a task AWS starts, and the request parts services and
//! task sets both take (network, load balancers, capacity provider strategy).

use std::sync::Arc;

use super::Ecs;
use crate::model::ecs as c;
use crate::scenario_file::format;
use crate::scenario_file::mapping::{bad, eni, one_ref, refs, At, Names, Pins, ScenarioError};
use crate::services::elbv2::scenario::target_group_ref;
use crate::services::state::World;

/// An ECS call, as `principal` (an IAM ARN of the account) when given.
pub(super) fn ecs(
    world: &Arc<World>,
    at: &At<'_>,
    principal: Option<&String>,
    req: c::Request,
) -> Result<c::Response, ScenarioError> {
    let mut who = at.who();
    if let Some(p) = principal {
        who.principal = p.clone();
    }
    let mut ctx = world.context(&who, "scenario");
    c::call(&Ecs, &mut ctx, req).map_err(|x| at.aws(x))
}

/// A task AWS starts: its id, attachment, containers and interface.
pub(super) fn task_pin(
    mut pins: Pins,
    names: &Names,
    at: &At<'_>,
    field: &str,
    t: &format::LaunchedTask,
) -> Result<Pins, ScenarioError> {
    let sub = |f: &str| {
        if field.is_empty() {
            f.to_string()
        } else {
            format!("{field}.{f}")
        }
    };
    if let Some(id) = &t.id {
        if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad(at, &sub("id"), id, "a task id (32 hex digits)"));
        }
    }
    for (f, u) in t
        .attachment_id
        .iter()
        .map(|u| (sub("attachmentId"), u))
        .chain(
            t.container_ids
                .iter()
                .enumerate()
                .map(|(i, u)| (sub(&format!("containerIds[{i}]")), u)),
        )
    {
        if uuid::Uuid::parse_str(u).is_err() {
            return Err(bad(at, &f, u, "a UUID"));
        }
    }
    let network_interface = match &t.network_interface {
        Some(n) => Some(eni(at, &sub("networkInterface"), n)?),
        None => None,
    };
    let container_instance = match &t.container_instance {
        Some(i) => Some(one_ref(
            names,
            at,
            &sub("containerInstance"),
            "instance",
            "i",
            i,
        )?),
        None => None,
    };
    pins = pins.push(
        "ecs-task",
        serde_json::json!({
            "id": t.id,
            "attachmentId": t.attachment_id,
            "containerIds": t.container_ids,
            "networkInterface": network_interface,
            "capacityProvider": t.capacity_provider,
            "containerInstance": container_instance,
            "hostPorts": t.host_ports,
        }),
    );
    Ok(pins)
}

/// An awsvpc network configuration of subnets and security groups.
pub(super) fn network(
    names: &Names,
    at: &At<'_>,
    subnets: &[String],
    groups: &[String],
    public: Option<bool>,
) -> Result<c::NetworkConfiguration, ScenarioError> {
    Ok(c::NetworkConfiguration {
        awsvpc_configuration: Some(c::AwsVpcConfiguration {
            subnets: Some(refs(names, at, "subnets", "subnet", "subnet", subnets)?),
            security_groups: Some(refs(
                names,
                at,
                "securityGroups",
                "securityGroup",
                "sg",
                groups,
            )?),
            assign_public_ip: public.map(|p| if p { "ENABLED" } else { "DISABLED" }.into()),
        }),
    })
}

/// A capacity provider strategy as the API takes it.
pub(super) fn strategy(
    at: &At<'_>,
    v: Option<&serde_json::Value>,
) -> Result<Option<Vec<c::CapacityProviderStrategyItem>>, ScenarioError> {
    match v {
        Some(v) => Ok(Some(serde_path_to_error::deserialize(v.clone()).map_err(
            |x| at.err(&format!("capacityProviderStrategy{}", x.path()), x.inner()),
        )?)),
        None => Ok(None),
    }
}

/// The target groups a service or task set registers its tasks in.
pub(super) fn load_balancers(
    names: &Names,
    at: &At<'_>,
    lbs: &[format::ServiceLoadBalancer],
) -> Result<Vec<c::LoadBalancer>, ScenarioError> {
    lbs.iter()
        .enumerate()
        .map(|(li, lb)| {
            Ok(c::LoadBalancer {
                target_group_arn: Some(target_group_ref(
                    names,
                    at,
                    &format!("loadBalancers[{li}].targetGroup"),
                    &lb.target_group,
                )?),
                container_name: Some(lb.container_name.clone()),
                container_port: Some(lb.container_port),
                ..Default::default()
            })
        })
        .collect()
}

/// Tags as ECS takes them (none when empty).
pub(super) fn tags(t: &format::TagList) -> Option<Vec<c::Tag>> {
    (!t.is_empty()).then(|| {
        t.0.iter()
            .map(|(k, v)| c::Tag {
                key: Some(k.clone()),
                value: Some(v.clone()),
            })
            .collect()
    })
}

/// The target groups of a service or task set, as a scenario names them
/// (by name when the group is there).
pub(super) fn exported_load_balancers(
    a: &crate::services::state::Account,
    lbs: Option<&[c::LoadBalancer]>,
) -> Vec<format::ServiceLoadBalancer> {
    lbs.unwrap_or_default()
        .iter()
        .map(|lb| {
            let arn = lb.target_group_arn.clone().unwrap_or_default();
            format::ServiceLoadBalancer {
                target_group: a
                    .elbv2
                    .target_groups
                    .get(&arn)
                    .map_or(arn, |g| g.name.clone()),
                container_name: lb.container_name.clone().unwrap_or_default(),
                container_port: lb.container_port.unwrap_or(0),
            }
        })
        .collect()
}
