//! ELBv2's resources in scenario files: load balancers, applied through the
//! handlers and exported back with their ARNs, times and interfaces pinned.

use std::sync::Arc;

use crate::scenario_file::format as f;
use crate::scenario_file::mapping::time;
use crate::services::ec2::scenario::eni_of;
use crate::services::state::Account;

use super::Elbv2;
use crate::model::elbv2 as l;
use crate::scenario_file::format;
use crate::scenario_file::mapping::{refs, At, Names, Phase, Pins, ScenarioError};
use crate::services::state::World;

fn elbv2(world: &Arc<World>, at: &At<'_>, req: l::Request) -> Result<l::Response, ScenarioError> {
    let mut ctx = world.context(&at.who(), "scenario");
    l::call(&Elbv2, &mut ctx, req).map_err(|x| at.aws(x))
}

pub(crate) fn load_balancers(
    world: &Arc<World>,
    p: &Phase<'_>,
    names: &mut Names,
    res: &format::RegionResources,
) -> Result<(), ScenarioError> {
    for (i, lb) in res.load_balancers.iter().enumerate() {
        let at = p.at(format!("{}.loadBalancers[{i}]", p.base));
        let subnets = refs(names, &at, "subnets", "subnet", "subnet", &lb.subnets)?;
        let groups = refs(
            names,
            &at,
            "securityGroups",
            "securityGroup",
            "sg",
            &lb.security_groups,
        )?;
        let pin = match &lb.arn {
            Some(arn) => {
                let hex = arn.rsplit('/').next().unwrap_or("");
                let named = arn.split('/').rev().nth(1) == Some(lb.name.as_str());
                if hex.len() != 16 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) || !named {
                    return Err(at.err(
                        "arn",
                        format!("'{arn}' is not an ARN of load balancer {}", lb.name),
                    ));
                }
                Some(hex.to_string())
            }
            None => None,
        };
        let pins = Pins::default()
            .value("elbv2-arn", pin.as_ref())
            .time(&at, "createdAt", lb.created_at.as_ref())?
            .enis(&at, "networkInterfaces", &lb.network_interfaces)?;
        let out = pins.run(world, || {
            elbv2(
                world,
                &at,
                l::Request::CreateLoadBalancer(l::CreateLoadBalancerInput {
                    name: Some(lb.name.clone()),
                    type_: Some(lb.lb_type.clone().unwrap_or_else(|| "network".into())),
                    scheme: lb.scheme.clone(),
                    subnets: Some(subnets),
                    security_groups: (!groups.is_empty()).then_some(groups),
                    tags: (!lb.tags.is_empty()).then(|| {
                        lb.tags
                            .0
                            .iter()
                            .map(|(k, v)| l::Tag {
                                key: Some(k.clone()),
                                value: Some(v.clone()),
                            })
                            .collect()
                    }),
                    ..Default::default()
                }),
            )
        });
        let l::Response::CreateLoadBalancer(out) = out? else {
            return Err(at.err("", "unexpected answer"));
        };
        let arn = out
            .load_balancers
            .and_then(|v| v.into_iter().next())
            .and_then(|lb| lb.load_balancer_arn)
            .unwrap_or_default();
        if !lb.attributes.is_empty() {
            elbv2(
                world,
                &at,
                l::Request::ModifyLoadBalancerAttributes(l::ModifyLoadBalancerAttributesInput {
                    load_balancer_arn: Some(arn.clone()),
                    attributes: Some(
                        lb.attributes
                            .iter()
                            .map(|(k, v)| l::LoadBalancerAttribute {
                                key: Some(k.clone()),
                                value: Some(v.clone()),
                            })
                            .collect(),
                    ),
                }),
            )?;
        }
        names.put(p.account, p.region, "loadBalancer", &lb.name, arn);
    }
    Ok(())
}

/// This account's load balancers, as a scenario declares them.
pub(crate) fn export(a: &Account, out: &mut f::RegionResources) {
    for lb in a.elbv2.load_balancers.values() {
        out.load_balancers.push(f::LoadBalancer {
            name: lb.name.clone(),
            arn: Some(lb.arn.clone()),
            lb_type: Some(lb.lb_type.clone()),
            scheme: (lb.lb_type != "gateway").then(|| lb.scheme.clone()),
            subnets: lb.zones.iter().map(|z| z.0.clone()).collect(),
            security_groups: lb.security_groups.clone(),
            tags: f::TagList(lb.tags.clone()),
            attributes: {
                let defaults = super::default_attributes(&lb.lb_type);
                lb.attributes
                    .iter()
                    .filter(|(k, v)| defaults.get(*k) != Some(*v))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            },
            created_at: Some(time(lb.created)),
            network_interfaces: lb.zones.iter().map(|z| eni_of(a, &z.2)).collect(),
        });
    }
}
