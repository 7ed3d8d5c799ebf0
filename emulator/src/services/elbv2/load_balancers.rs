//! CreateLoadBalancer, DescribeLoadBalancers, DeleteLoadBalancer, tags and
//! attributes (aws-spec.md §9.1–9.3).

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;

use super::lb_settings;
use super::state::LoadBalancer;
use crate::model::elbv2 as m;
use crate::services::ec2::{self, create_eni, delete_eni, has_free_ip, NewEni};
use crate::services::state::Ctx;
use crate::wire::AwsError;

type R<T> = Result<T, AwsError>;

/// How long AWS takes to make a new load balancer `active` (scaled by the pace).
const ACTIVE_MS: i64 = 3_000;

/// The account ELB's network interfaces belong to [U].
const ELB_REQUESTER: &str = "amazon-elb";

fn validation(message: impl Into<String>) -> AwsError {
    AwsError::new("ValidationError", message)
}

fn not_found(message: impl Into<String>) -> AwsError {
    AwsError::new("LoadBalancerNotFound", message)
}

/// `arn:aws:elasticloadbalancing:<region>:<acct>:loadbalancer/{app,net,gwy}/<name>/<16 hex>`
fn is_lb_arn(arn: &str) -> bool {
    let Some(rest) = arn.strip_prefix("arn:aws:elasticloadbalancing:") else {
        return false;
    };
    let parts: Vec<&str> = rest.splitn(3, ':').collect();
    parts.len() == 3
        && parts[2]
            .strip_prefix("loadbalancer/")
            .map(|p| p.split('/').collect::<Vec<_>>())
            .is_some_and(|p| {
                p.len() == 3
                    && matches!(p[0], "app" | "net" | "gwy")
                    && !p[1].is_empty()
                    && !p[2].is_empty()
            })
}

fn check_arn(arn: &str) -> R<()> {
    if is_lb_arn(arn) {
        Ok(())
    } else {
        Err(validation(format!(
            "'{arn}' is not a valid load balancer ARN"
        )))
    }
}

fn check_name(name: &str) -> R<()> {
    let ok = !name.is_empty()
        && name.len() <= 32
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.starts_with("internal-");
    if ok {
        Ok(())
    } else {
        Err(validation(format!(
            "The load balancer name '{name}' is not valid: up to 32 alphanumeric characters or hyphens, not beginning or ending with a hyphen nor with 'internal-'"
        )))
    }
}

const HOSTED_ZONES: &str = include_str!("data/hosted-zones.tsv");

/// (region, application zone id, network zone id) from `data/hosted-zones.tsv`
/// (its header names the source), read once.
fn hosted_zones() -> &'static [(&'static str, &'static str, &'static str)] {
    static ALL: std::sync::OnceLock<Vec<(&str, &str, &str)>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        HOSTED_ZONES
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                (f.len() == 3).then(|| (f[0], f[1], f[2]))
            })
            .collect()
    })
}

/// Route 53 hosted zone of a load balancer's DNS name: AWS's published id
/// for the Region and type (network, else application).
fn canonical_zone(region: &str, lb_type: &str) -> String {
    if let Some((_, app, net)) = hosted_zones().iter().find(|z| z.0 == region) {
        return if lb_type == "network" { net } else { app }.to_string();
    }
    // A Region AWS does not list (or not yet in the table): a made-up but
    // deterministic id of the same shape, so that it never changes between
    // runs. [U] Not a real zone.
    format!(
        "Z{}",
        ec2::catalog::stable_hex(&format!("{region}/{lb_type}"), 12).to_uppercase()
    )
}

pub fn default_attributes(lb_type: &str) -> BTreeMap<String, String> {
    let pairs: &[(&str, &str)] = match lb_type {
        "network" => &[
            ("access_logs.s3.bucket", ""),
            ("access_logs.s3.enabled", "false"),
            ("access_logs.s3.prefix", ""),
            ("deletion_protection.enabled", "false"),
            ("dns_record.client_routing_policy", "any_availability_zone"),
            ("ipv6.deny_all_igw_traffic", "false"),
            ("load_balancing.cross_zone.enabled", "false"),
        ],
        "gateway" => &[
            ("deletion_protection.enabled", "false"),
            ("load_balancing.cross_zone.enabled", "false"),
        ],
        _ => &[
            ("access_logs.s3.bucket", ""),
            ("access_logs.s3.enabled", "false"),
            ("access_logs.s3.prefix", ""),
            ("deletion_protection.enabled", "false"),
            ("idle_timeout.timeout_seconds", "60"),
            ("routing.http2.enabled", "true"),
        ],
    };
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn to_model(lb: &LoadBalancer) -> m::LoadBalancer {
    let gateway = lb.lb_type == "gateway";
    m::LoadBalancer {
        load_balancer_arn: Some(lb.arn.clone()),
        dns_name: lb.dns_name.clone(),
        canonical_hosted_zone_id: lb.dns_name.as_ref().map(|_| {
            let region = lb.arn.split(':').nth(3).unwrap_or("");
            canonical_zone(region, &lb.lb_type)
        }),
        created_time: Some(lb.created),
        load_balancer_name: Some(lb.name.clone()),
        scheme: (!gateway).then(|| lb.scheme.clone()),
        vpc_id: Some(lb.vpc_id.clone()),
        state: Some(m::LoadBalancerState {
            code: Some(lb.state.clone()),
            reason: None,
        }),
        type_: Some(lb.lb_type.clone()),
        availability_zones: Some(
            lb.zones
                .iter()
                .map(|(subnet, az, _)| m::AvailabilityZone {
                    zone_name: Some(az.clone()),
                    subnet_id: Some(subnet.clone()),
                    load_balancer_addresses: Some(vec![]),
                    ..Default::default()
                })
                .collect(),
        ),
        security_groups: (!lb.security_groups.is_empty()).then(|| lb.security_groups.clone()),
        ip_address_type: Some(lb.ip_address_type.clone()),
        enforce_security_group_inbound_rules_on_private_link_traffic:
            super::lb_settings::enforce_private_link(lb),
        ..Default::default()
    }
}

/// The subnets a request names, from `Subnets` or `SubnetMappings`.
fn requested_subnets(input: &m::CreateLoadBalancerInput) -> R<Vec<String>> {
    match (&input.subnets, &input.subnet_mappings) {
        (Some(s), Some(mp)) if !s.is_empty() && !mp.is_empty() => Err(validation(
            "You can specify subnets or subnet mappings, not both",
        )),
        (Some(s), _) if !s.is_empty() => Ok(s.clone()),
        (_, Some(mp)) if !mp.is_empty() => mp
            .iter()
            .map(|x| {
                x.subnet_id
                    .clone()
                    .ok_or_else(|| validation("A subnet mapping must have a subnet ID"))
            })
            .collect(),
        _ => Err(validation("At least one subnet must be specified")),
    }
}

fn lb_by_name<'a>(ctx: &'a Ctx, name: &str) -> Option<&'a LoadBalancer> {
    ctx.acct()
        .elbv2
        .load_balancers
        .values()
        .find(|lb| lb.name == name)
}

pub(super) fn create(
    ctx: &mut Ctx,
    input: m::CreateLoadBalancerInput,
) -> R<m::CreateLoadBalancerOutput> {
    let name = input.name.clone().unwrap_or_default();
    check_name(&name)?;
    let lb_type = input.type_.clone().unwrap_or_else(|| "application".into());
    let gateway = lb_type == "gateway";
    if gateway && input.scheme.is_some() {
        return Err(AwsError::new(
            "InvalidConfigurationRequest",
            "A scheme cannot be specified for Gateway Load Balancers",
        ));
    }
    let scheme = input
        .scheme
        .clone()
        .unwrap_or_else(|| "internet-facing".into());
    let subnets = requested_subnets(&input)?;
    let groups = input.security_groups.clone().unwrap_or_default();
    if gateway && !groups.is_empty() {
        return Err(AwsError::new(
            "InvalidConfigurationRequest",
            "Security groups are not supported for Gateway Load Balancers",
        ));
    }
    // Subnets: known, in one VPC, one per AZ.
    let st = &ctx.acct().ec2;
    let mut zones: Vec<(String, String)> = Vec::new();
    let mut vpc: Option<String> = None;
    for id in &subnets {
        let Some(s) = st.subnets.get(id) else {
            return Err(AwsError::new(
                "SubnetNotFound",
                format!("The subnet ID '{id}' is not valid"),
            ));
        };
        if vpc.as_ref().is_some_and(|v| *v != s.vpc_id) {
            return Err(AwsError::new(
                "InvalidConfigurationRequest",
                "All subnets must belong to the same VPC",
            ));
        }
        vpc = Some(s.vpc_id.clone());
        if zones.iter().any(|(_, az)| *az == s.availability_zone) {
            return Err(AwsError::new(
                "InvalidConfigurationRequest",
                format!("A load balancer cannot be attached to multiple subnets in the same Availability Zone ({})", s.availability_zone),
            ));
        }
        zones.push((id.clone(), s.availability_zone.clone()));
    }
    let vpc_id = vpc.unwrap_or_default();
    if lb_type == "application" && zones.len() < 2 {
        return Err(validation(
            "At least two subnets in two different Availability Zones must be specified",
        ));
    }
    for g in &groups {
        match st.security_groups.get(g) {
            Some(sg) if sg.vpc_id == vpc_id => {}
            _ => {
                return Err(AwsError::new(
                    "InvalidSecurityGroup",
                    format!("Security group '{g}' does not exist"),
                ))
            }
        }
    }
    let mut tags: Vec<(String, String)> = Vec::new();
    for t in input.tags.clone().unwrap_or_default() {
        let k = t.key.unwrap_or_default();
        if tags.iter().any(|(e, _)| *e == k) {
            return Err(AwsError::new(
                "DuplicateTagKeys",
                format!("Tag key '{k}' is duplicated"),
            ));
        }
        tags.push((k, t.value.unwrap_or_default()));
    }
    let ip_address_type = input
        .ip_address_type
        .clone()
        .unwrap_or_else(|| "ipv4".into());
    let subnet_ids: Vec<String> = zones.iter().map(|z| z.0.clone()).collect();
    // AWS's answer when a subnet has no IPv6 block, as the AWS Load Balancer
    // Controller quotes it (kubernetes-sigs/aws-load-balancer-controller#4852).
    lb_settings::check_ip_address_type(
        ctx,
        &ip_address_type,
        &lb_type,
        &scheme,
        &subnet_ids,
        |_| validation("You must specify subnets with an associated IPv6 CIDR block."),
    )?;

    // Same name: identical settings return the existing one (idempotent), else refuse.
    if let Some(existing) = lb_by_name(ctx, &name) {
        let same = existing.lb_type == lb_type
            && existing.scheme == scheme
            && existing
                .zones
                .iter()
                .map(|z| z.0.clone())
                .collect::<BTreeSet<_>>()
                == subnets.iter().cloned().collect::<BTreeSet<_>>()
            && existing.security_groups.iter().collect::<BTreeSet<_>>()
                == groups.iter().collect::<BTreeSet<_>>();
        if same {
            return Ok(m::CreateLoadBalancerOutput {
                load_balancers: Some(vec![to_model(existing)]),
            });
        }
        return Err(AwsError::new(
            "DuplicateLoadBalancerName",
            format!(
                "A load balancer with the same name '{name}' exists, but with different settings"
            ),
        ));
    }
    for (subnet, _) in &zones {
        if !has_free_ip(ctx, subnet) {
            return Err(AwsError::new(
                "InvalidSubnet",
                format!("Not enough IP space available in {subnet}. ELB requires at least 8 free IP addresses in each subnet."),
            ));
        }
    }

    let region = ctx.region_name().to_string();
    // A scenario may pin the ARN's suffix.
    let hex = ctx
        .world
        .ids
        .take_pin("elbv2-arn")
        .unwrap_or_else(|| ctx.world.ids.hex(16));
    let kind = match lb_type.as_str() {
        "network" => "net",
        "gateway" => "gwy",
        _ => "app",
    };
    let arn = format!(
        "arn:aws:elasticloadbalancing:{region}:{}:loadbalancer/{kind}/{name}/{hex}",
        ctx.account
    );
    // Only application load balancers mark internal names [U for NLB].
    let internal = if scheme == "internal" {
        "internal-"
    } else {
        ""
    };
    let dns_name = match lb_type.as_str() {
        "network" => Some(format!("{name}-{hex}.elb.{region}.amazonaws.com")),
        "gateway" => None,
        _ => Some(format!(
            "{internal}{name}-{}.{region}.elb.amazonaws.com",
            u64::from_str_radix(&hex[..8], 16).unwrap_or(0) % 10_000_000_000
        )),
    };
    let interface_type = match lb_type.as_str() {
        "network" => "network_load_balancer",
        "gateway" => "gateway_load_balancer",
        _ => "interface",
    };
    let mut with_enis = Vec::new();
    for (subnet, az) in zones {
        let eni = create_eni(
            ctx,
            NewEni {
                private_ip: None,
                subnet_id: &subnet,
                group_ids: groups.clone(),
                description: format!("ELB {kind}/{name}/{hex}"),
                interface_type,
                requester_id: Some(ELB_REQUESTER.into()),
                public_ip: false,
            },
        )?;
        with_enis.push((subnet, az, eni));
    }
    let lb = LoadBalancer {
        arn: arn.clone(),
        name,
        lb_type: lb_type.clone(),
        scheme,
        vpc_id,
        zones: with_enis,
        security_groups: groups,
        ip_address_type,
        state: "provisioning".into(),
        dns_name,
        created: ctx.now(),
        tags,
        attributes: default_attributes(&lb_type),
        enforce_private_link: None,
        endpoint_service: None,
    };
    let out = to_model(&lb);
    ctx.acct_mut().elbv2.load_balancers.insert(arn.clone(), lb);
    ctx.emit(event(&arn, "created", Some("provisioning")));
    ctx.schedule(ACTIVE_MS, move |ctx| become_active(ctx, &arn));
    Ok(m::CreateLoadBalancerOutput {
        load_balancers: Some(vec![out]),
    })
}

fn event(arn: &str, action: &'static str, state: Option<&str>) -> crate::world::events::NewEvent {
    crate::world::events::NewEvent::new("elbv2", "load-balancer", arn, action, state)
}

/// `provisioning` → `active`, when AWS would have provisioned it.
fn become_active(ctx: &mut Ctx, arn: &str) {
    let changed = match ctx.acct_mut().elbv2.load_balancers.get_mut(arn) {
        Some(lb) if lb.state == "provisioning" => {
            lb.state = "active".into();
            true
        }
        _ => false,
    };
    if changed {
        ctx.emit(event(arn, "state-changed", Some("active")));
    }
}

pub(super) fn describe(
    ctx: &mut Ctx,
    input: m::DescribeLoadBalancersInput,
) -> R<m::DescribeLoadBalancersOutput> {
    let arns = input.load_balancer_arns.unwrap_or_default();
    let names = input.names.unwrap_or_default();
    if !arns.is_empty() && !names.is_empty() {
        return Err(validation(
            "Load balancer names and load balancer ARNs cannot be specified at the same time",
        ));
    }
    if arns.len() > 20 {
        return Err(validation("Up to 20 load balancer ARNs can be specified"));
    }
    let st = &ctx.acct().elbv2;
    for a in &arns {
        check_arn(a)?;
        if !st.load_balancers.contains_key(a) {
            return Err(not_found("One or more load balancers not found"));
        }
    }
    let missing: Vec<&String> = names
        .iter()
        .filter(|n| !st.load_balancers.values().any(|lb| &lb.name == *n))
        .collect();
    if !missing.is_empty() {
        let list: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
        return Err(not_found(format!(
            "Load balancers '[{}]' not found",
            list.join(", ")
        )));
    }
    let mut items: Vec<(String, m::LoadBalancer)> = st
        .load_balancers
        .values()
        .filter(|lb| {
            (arns.is_empty() || arns.contains(&lb.arn))
                && (names.is_empty() || names.contains(&lb.name))
        })
        .map(|lb| (lb.arn.clone(), to_model(lb)))
        .collect();
    items.sort_by(|a, b| a.0.cmp(&b.0));
    // Marker: the ARN after which to continue, base64.
    let after = match input.marker.filter(|m| !m.is_empty()) {
        None => None,
        Some(m) => Some(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(&m)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| validation(format!("The marker '{m}' is not valid")))?,
        ),
    };
    if let Some(a) = &after {
        items.retain(|(k, _)| k > a);
    }
    let size = input.page_size.unwrap_or(400).max(1) as usize;
    let next = if items.len() > size {
        items.truncate(size);
        items
            .last()
            .map(|(k, _)| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(k))
    } else {
        None
    };
    Ok(m::DescribeLoadBalancersOutput {
        load_balancers: Some(items.into_iter().map(|(_, v)| v).collect()),
        next_marker: next,
    })
}

pub(super) fn delete(
    ctx: &mut Ctx,
    input: m::DeleteLoadBalancerInput,
) -> R<m::DeleteLoadBalancerOutput> {
    let arn = input.load_balancer_arn.unwrap_or_default();
    check_arn(&arn)?;
    let Some(lb) = ctx.acct().elbv2.load_balancers.get(&arn).cloned() else {
        // Deleting what does not exist succeeds [M doc].
        return Ok(m::DeleteLoadBalancerOutput {});
    };
    if lb.endpoint_service.is_some() {
        return Err(AwsError::new(
            "ResourceInUse",
            format!("Load balancer '{arn}' cannot be deleted because it is currently associated with another service"),
        ));
    }
    if lb
        .attributes
        .get("deletion_protection.enabled")
        .map(String::as_str)
        == Some("true")
    {
        return Err(AwsError::new(
            "OperationNotPermitted",
            format!(
                "Load balancer '{arn}' cannot be deleted because deletion protection is enabled"
            ),
        ));
    }
    // Its listeners go with it; their target groups stay.
    super::listeners::remove_of(ctx, &arn);
    for (_, _, eni) in &lb.zones {
        delete_eni(ctx, eni);
    }
    ctx.acct_mut().elbv2.load_balancers.remove(&arn);
    ctx.emit(event(&arn, "deleted", None));
    Ok(m::DeleteLoadBalancerOutput {})
}

fn existing(ctx: &Ctx, arns: &[String]) -> R<()> {
    for a in arns {
        check_arn(a)?;
        if !ctx.acct().elbv2.load_balancers.contains_key(a) {
            return Err(not_found(format!("Load balancer '{a}' not found")));
        }
    }
    Ok(())
}

fn attributes_model(lb: &LoadBalancer) -> Vec<m::LoadBalancerAttribute> {
    lb.attributes
        .iter()
        .map(|(k, v)| m::LoadBalancerAttribute {
            key: Some(k.clone()),
            value: Some(v.clone()),
        })
        .collect()
}

pub(super) fn describe_attributes(
    ctx: &mut Ctx,
    input: m::DescribeLoadBalancerAttributesInput,
) -> R<m::DescribeLoadBalancerAttributesOutput> {
    let arn = input.load_balancer_arn.unwrap_or_default();
    existing(ctx, std::slice::from_ref(&arn))?;
    Ok(m::DescribeLoadBalancerAttributesOutput {
        attributes: Some(attributes_model(&ctx.acct().elbv2.load_balancers[&arn])),
    })
}

pub(super) fn modify_attributes(
    ctx: &mut Ctx,
    input: m::ModifyLoadBalancerAttributesInput,
) -> R<m::ModifyLoadBalancerAttributesOutput> {
    let arn = input.load_balancer_arn.unwrap_or_default();
    existing(ctx, std::slice::from_ref(&arn))?;
    let changes = input.attributes.unwrap_or_default();
    let lb = &ctx.acct().elbv2.load_balancers[&arn];
    for a in &changes {
        let key = a.key.clone().unwrap_or_default();
        if !lb.attributes.contains_key(&key) {
            return Err(AwsError::new(
                "InvalidConfigurationRequest",
                format!("Key {key} not valid"),
            ));
        }
    }
    let Some(lb) = ctx.acct_mut().elbv2.load_balancers.get_mut(&arn) else {
        return Err(not_found(format!("Load balancer '{arn}' not found")));
    };
    for a in changes {
        lb.attributes
            .insert(a.key.unwrap_or_default(), a.value.unwrap_or_default());
    }
    Ok(m::ModifyLoadBalancerAttributesOutput {
        attributes: Some(attributes_model(lb)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_and_names() {
        assert!(is_lb_arn("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/nlb-vpce/e94221227f1ba532"));
        assert!(!is_lb_arn(
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/y"
        ));
        assert!(!is_lb_arn("nlb"));
        assert!(check_name("nlb-vpce").is_ok());
        assert!(check_name("-bad").is_err());
        assert!(check_name("internal-x").is_err());
        assert!(check_name(&"a".repeat(33)).is_err());
    }
}
