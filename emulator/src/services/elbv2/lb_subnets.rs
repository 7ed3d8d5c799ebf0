//! SetSubnets: the Availability Zones (subnets) of a load balancer after
//! creation; its requester-managed network interfaces in EC2 follow.

use super::common::{check_lb_arn, validation, R};
use super::targets;
use crate::model::elbv2 as m;
use crate::services::ec2::{create_eni, delete_eni, has_free_ip, NewEni};
use crate::services::state::Ctx;
use crate::wire::AwsError;

fn invalid_config(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidConfigurationRequest", message)
}

pub(super) fn set_subnets(ctx: &mut Ctx, input: m::SetSubnetsInput) -> R<m::SetSubnetsOutput> {
    let arn = input.load_balancer_arn.unwrap_or_default();
    check_lb_arn(&arn)?;
    let Some(lb) = ctx.acct().elbv2.load_balancers.get(&arn).cloned() else {
        return Err(AwsError::new(
            "LoadBalancerNotFound",
            format!("Load balancer '{arn}' not found"),
        ));
    };
    let subnets: Vec<String> = match (&input.subnets, &input.subnet_mappings) {
        (Some(s), Some(mp)) if !s.is_empty() && !mp.is_empty() => {
            return Err(validation(
                "You can specify subnets or subnet mappings, not both",
            ))
        }
        (Some(s), _) if !s.is_empty() => s.clone(),
        (_, Some(mp)) if !mp.is_empty() => mp
            .iter()
            .map(|x| {
                x.subnet_id
                    .clone()
                    .ok_or_else(|| validation("A subnet mapping must have a subnet ID"))
            })
            .collect::<R<_>>()?,
        _ => return Err(validation("At least one subnet must be specified")),
    };
    if input.ip_address_type.is_some() || input.enable_prefix_for_ipv6_source_nat.is_some() {
        // [U] Not modelled here: SetIpAddressType changes the type.
        return Err(validation(
            "IpAddressType and EnablePrefixForIpv6SourceNat are not supported by SetSubnets in awsemu; use SetIpAddressType",
        ));
    }
    // Known, in the load balancer's VPC, one per AZ.
    let st = &ctx.acct().ec2;
    let mut zones: Vec<(String, String)> = Vec::new();
    for id in &subnets {
        let Some(s) = st.subnets.get(id) else {
            return Err(AwsError::new(
                "SubnetNotFound",
                format!("The subnet ID '{id}' is not valid"),
            ));
        };
        if s.vpc_id != lb.vpc_id {
            return Err(invalid_config(format!(
                "Subnet '{id}' is not in the VPC '{}' of the load balancer",
                lb.vpc_id
            )));
        }
        if zones.iter().any(|(_, az)| *az == s.availability_zone) {
            return Err(invalid_config(format!(
                "A load balancer cannot be attached to multiple subnets in the same Availability Zone ({})",
                s.availability_zone
            )));
        }
        if lb.ip_address_type != "ipv4"
            && !s
                .ipv6_cidrs
                .iter()
                .any(|c| c.ipv6 && c.state == "associated")
        {
            return Err(AwsError::new(
                "InvalidSubnet",
                format!("Subnet '{id}' does not have an IPv6 CIDR block; a dualstack load balancer needs one in each of its subnets"),
            ));
        }
        zones.push((id.clone(), s.availability_zone.clone()));
    }
    if lb.lb_type == "application" && zones.len() < 2 {
        return Err(validation(
            "At least two subnets in two different Availability Zones must be specified",
        ));
    }
    // AWS's current NLB guide: Availability Zones can be enabled or
    // disabled at any time, so NLBs may drop subnets too [U for GWLB].
    for (subnet, _) in &zones {
        let new = !lb.zones.iter().any(|z| z.0 == *subnet);
        if new && !has_free_ip(ctx, subnet) {
            return Err(AwsError::new(
                "InvalidSubnet",
                format!("Not enough IP space available in {subnet}. ELB requires at least 8 free IP addresses in each subnet."),
            ));
        }
    }
    let interface_type = match lb.lb_type.as_str() {
        "network" => "network_load_balancer",
        "gateway" => "gateway_load_balancer",
        _ => "interface",
    };
    let resource = arn.split(":loadbalancer/").nth(1).unwrap_or("").to_string();
    // New interfaces first (undone on failure), then the old ones go.
    let mut made: Vec<String> = Vec::new();
    let mut with_enis: Vec<(String, String, String)> = Vec::new();
    for (subnet, az) in zones {
        if let Some(z) = lb.zones.iter().find(|z| z.0 == subnet) {
            with_enis.push(z.clone());
            continue;
        }
        let eni = create_eni(
            ctx,
            NewEni {
                private_ip: None,
                subnet_id: &subnet,
                group_ids: lb.security_groups.clone(),
                description: format!("ELB {resource}"),
                interface_type,
                requester_id: Some("amazon-elb".into()),
                public_ip: false,
            },
        );
        match eni {
            Ok(id) => {
                made.push(id.clone());
                with_enis.push((subnet, az, id));
            }
            Err(e) => {
                for id in &made {
                    delete_eni(ctx, id);
                }
                return Err(e);
            }
        }
    }
    for (subnet, _, eni) in &lb.zones {
        if !with_enis.iter().any(|z| z.0 == *subnet) {
            delete_eni(ctx, eni);
        }
    }
    let out: Vec<m::AvailabilityZone> = with_enis
        .iter()
        .map(|(subnet, az, _)| m::AvailabilityZone {
            zone_name: Some(az.clone()),
            subnet_id: Some(subnet.clone()),
            load_balancer_addresses: Some(vec![]),
            ..Default::default()
        })
        .collect();
    if let Some(l) = ctx.acct_mut().elbv2.load_balancers.get_mut(&arn) {
        l.zones = with_enis;
    }
    // Targets in a zone no longer enabled (or newly enabled) change health.
    let groups: Vec<String> = ctx
        .acct()
        .elbv2
        .target_groups
        .keys()
        .filter(|g| ctx.acct().elbv2.load_balancers_of(g).contains(&arn))
        .cloned()
        .collect();
    for g in groups {
        targets::sync(ctx, &g);
    }
    Ok(m::SetSubnetsOutput {
        availability_zones: Some(out),
        ip_address_type: Some(lb.ip_address_type.clone()),
        enable_prefix_for_ipv6_source_nat: None,
    })
}
