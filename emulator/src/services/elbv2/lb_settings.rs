//! SetSecurityGroups and SetIpAddressType: a load balancer's settings after
//! creation; its network interfaces in EC2 follow.

use super::common::{check_lb_arn, validation, R};
use super::state::LoadBalancer;
use crate::model::elbv2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

fn invalid_config(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidConfigurationRequest", message)
}

fn lb_of(ctx: &Ctx, arn: &str) -> R<LoadBalancer> {
    check_lb_arn(arn)?;
    ctx.acct()
        .elbv2
        .load_balancers
        .get(arn)
        .cloned()
        .ok_or_else(|| {
            AwsError::new(
                "LoadBalancerNotFound",
                format!("Load balancer '{arn}' not found"),
            )
        })
}

/// `EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic` as AWS shows it:
/// network load balancers with security groups only, `on` unless set.
pub(super) fn enforce_private_link(lb: &LoadBalancer) -> Option<String> {
    (lb.lb_type == "network" && !lb.security_groups.is_empty()).then(|| {
        lb.enforce_private_link
            .clone()
            .unwrap_or_else(|| "on".into())
    })
}

pub(super) fn set_security_groups(
    ctx: &mut Ctx,
    input: m::SetSecurityGroupsInput,
) -> R<m::SetSecurityGroupsOutput> {
    let arn = input.load_balancer_arn.unwrap_or_default();
    let lb = lb_of(ctx, &arn)?;
    let mut groups: Vec<String> = Vec::new();
    for g in input.security_groups.unwrap_or_default() {
        if !groups.contains(&g) {
            groups.push(g);
        }
    }
    match lb.lb_type.as_str() {
        "gateway" => {
            return Err(invalid_config(
                "Security groups are not supported for Gateway Load Balancers",
            ))
        }
        "network" if lb.security_groups.is_empty() => {
            // AWS: an NLB created without security groups cannot get any.
            return Err(invalid_config(
                "You cannot set security groups on a Network Load Balancer which was created without any security groups",
            ));
        }
        // [U] An NLB created with security groups keeps at least one
        // (so "was created with security groups" needs no extra state).
        "network" if groups.is_empty() => {
            return Err(invalid_config(
                "You cannot remove all security groups from a Network Load Balancer which was created with security groups",
            ));
        }
        _ => {}
    }
    if groups.len() > 5 {
        return Err(AwsError::new(
            "InvalidConfigurationRequest",
            "A load balancer can have at most 5 security groups",
        ));
    }
    let enforce = input.enforce_security_group_inbound_rules_on_private_link_traffic;
    if let Some(e) = &enforce {
        if lb.lb_type != "network" {
            return Err(invalid_config(
                "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic is supported only for Network Load Balancers",
            ));
        }
        if e != "on" && e != "off" {
            return Err(validation(format!(
                "1 validation error detected: Value '{e}' at 'enforceSecurityGroupInboundRulesOnPrivateLinkTraffic' failed to satisfy constraint: Member must satisfy enum value set: [on, off]"
            )));
        }
    }
    let st = &ctx.acct().ec2;
    for g in &groups {
        match st.security_groups.get(g) {
            Some(sg) if sg.vpc_id == lb.vpc_id => {}
            _ => {
                return Err(AwsError::new(
                    "InvalidSecurityGroup",
                    format!("Security group '{g}' does not exist"),
                ))
            }
        }
    }
    // Validated: apply to the load balancer and its interfaces.
    for (_, _, eni) in &lb.zones {
        if let Some(e) = ctx.acct_mut().ec2.enis.get_mut(eni.as_str()) {
            e.group_ids = groups.clone();
        }
    }
    let Some(lb) = ctx.acct_mut().elbv2.load_balancers.get_mut(&arn) else {
        return Err(validation("load balancer vanished"));
    };
    lb.security_groups = groups.clone();
    if enforce.is_some() {
        lb.enforce_private_link = enforce;
    }
    Ok(m::SetSecurityGroupsOutput {
        security_group_ids: Some(groups),
        enforce_security_group_inbound_rules_on_private_link_traffic: enforce_private_link(lb),
    })
}

/// AWS's checks of an IP address type for a load balancer of `lb_type` and
/// `scheme` in `subnets`, shared by CreateLoadBalancer and SetIpAddressType:
/// the enum; `dualstack-without-public-ipv4` only for internet-facing
/// Application Load Balancers; dual stack only where every subnet has an
/// associated IPv6 block (`missing_ipv6` makes the error for the first subnet
/// without one).
pub(super) fn check_ip_address_type(
    ctx: &Ctx,
    ty: &str,
    lb_type: &str,
    scheme: &str,
    subnets: &[String],
    missing_ipv6: impl Fn(&str) -> AwsError,
) -> R<()> {
    if !matches!(ty, "ipv4" | "dualstack" | "dualstack-without-public-ipv4") {
        return Err(validation(format!(
            "1 validation error detected: Value '{ty}' at 'ipAddressType' failed to satisfy constraint: Member must satisfy enum value set: [ipv4, dualstack, dualstack-without-public-ipv4]"
        )));
    }
    // AWS: only internet-facing Application Load Balancers go without
    // public IPv4 addresses.
    if ty == "dualstack-without-public-ipv4"
        && (lb_type != "application" || scheme != "internet-facing")
    {
        return Err(invalid_config(
            "The IP address type 'dualstack-without-public-ipv4' is supported only for internet-facing Application Load Balancers",
        ));
    }
    if ty != "ipv4" {
        let st = &ctx.acct().ec2;
        for subnet in subnets {
            let v6 = st.subnets.get(subnet).is_some_and(|s| {
                s.ipv6_cidrs
                    .iter()
                    .any(|c| c.ipv6 && c.state == "associated")
            });
            if !v6 {
                return Err(missing_ipv6(subnet));
            }
        }
    }
    Ok(())
}

pub(super) fn set_ip_address_type(
    ctx: &mut Ctx,
    input: m::SetIpAddressTypeInput,
) -> R<m::SetIpAddressTypeOutput> {
    let arn = input.load_balancer_arn.unwrap_or_default();
    let lb = lb_of(ctx, &arn)?;
    let ty = input.ip_address_type.unwrap_or_default();
    let subnets: Vec<String> = lb.zones.iter().map(|z| z.0.clone()).collect();
    // [U] The code and words when a subnet lacks IPv6 are ours; CreateLoadBalancer's are AWS's.
    check_ip_address_type(ctx, &ty, &lb.lb_type, &lb.scheme, &subnets, |subnet| {
        AwsError::new(
            "InvalidSubnet",
            format!("Subnet '{subnet}' does not have an IPv6 CIDR block; a dualstack load balancer needs one in each of its subnets"),
        )
    })?;
    if let Some(lb) = ctx.acct_mut().elbv2.load_balancers.get_mut(&arn) {
        lb.ip_address_type = ty.clone();
    }
    Ok(m::SetIpAddressTypeOutput {
        ip_address_type: Some(ty),
    })
}
