//! CreateTags, DeleteTags and DescribeTags, over every taggable EC2
//! resource.

use super::endpoint_services::services_mut;
use super::errors;
use super::query::{paginate, Filters};
use super::tags::{check_reserved, pairs, resource_type_of, Reserved, Tags};
use crate::model::ec2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

/// The tags of the caller's resource `id`, or the error AWS gives for an id
/// of its kind that does not exist.
pub(super) fn tags_of(ctx: &Ctx, id: &str) -> Result<Tags, AwsError> {
    let st = &ctx.acct().ec2;
    let found = match resource_type_of(id) {
        Some("vpc") => st.vpcs.get(id).map(|r| &r.tags),
        Some("subnet") => st.subnets.get(id).map(|r| &r.tags),
        Some("security-group") => st.security_groups.get(id).map(|r| &r.tags),
        Some("route-table") => st.route_tables.get(id).map(|r| &r.tags),
        Some("network-interface") => st.enis.get(id).map(|r| &r.tags),
        Some("vpc-endpoint") => st.endpoints.get(id).map(|r| &r.tags),
        Some("internet-gateway") => st.internet_gateways.get(id).map(|r| &r.tags),
        Some("egress-only-internet-gateway") => st.egress_only_gateways.get(id).map(|r| &r.tags),
        Some("elastic-ip") => st.addresses.get(id).map(|r| &r.tags),
        Some("natgateway") => st.nat_gateways.get(id).map(|r| &r.tags),
        Some("dhcp-options") => st.dhcp_options.get(id).map(|r| &r.tags),
        Some("network-acl") => st.network_acls.get(id).map(|r| &r.tags),
        Some("instance") => st.instances.get(id).map(|r| &r.tags),
        Some("volume") => st.volumes.get(id).map(|r| &r.tags),
        Some("security-group-rule") => st
            .security_groups
            .values()
            .flat_map(|g| g.rules.iter())
            .find(|r| r.id == id)
            .map(|r| &r.tags),
        Some("vpc-endpoint-service") => ctx
            .region
            .common
            .ec2
            .endpoint_services
            .get(id)
            .filter(|s| s.owner == ctx.account)
            .map(|r| &r.tags),
        _ => return Err(errors::invalid_id(id)),
    };
    found.cloned().ok_or_else(|| not_found(id))
}

fn not_found(id: &str) -> AwsError {
    match resource_type_of(id) {
        Some("vpc") => errors::vpc_not_found(id),
        Some("subnet") => errors::subnet_not_found(id),
        Some("security-group") => errors::group_not_found(id),
        Some("route-table") => errors::route_table_not_found(id),
        Some("network-interface") => errors::eni_not_found(id),
        Some("vpc-endpoint") => AwsError::new(
            "InvalidVpcEndpointId.NotFound",
            format!("The Vpc Endpoint Id '{id}' does not exist"),
        ),
        Some("internet-gateway") => AwsError::new(
            "InvalidInternetGatewayID.NotFound",
            format!("The internetGateway ID '{id}' does not exist"),
        ),
        Some("elastic-ip") => AwsError::new(
            "InvalidAllocationID.NotFound",
            format!("The allocation ID '{id}' does not exist"),
        ),
        Some("network-acl") => AwsError::new(
            "InvalidNetworkAclID.NotFound",
            format!("The networkAcl ID '{id}' does not exist"),
        ),
        Some("dhcp-options") => AwsError::new(
            "InvalidDhcpOptionID.NotFound",
            format!("The dhcpOption ID '{id}' does not exist"),
        ),
        Some("natgateway") => AwsError::new(
            "NatGatewayNotFound",
            format!("The Nat Gateway {id} was not found"),
        ),
        Some("instance") => AwsError::new(
            "InvalidInstanceID.NotFound",
            format!("The instance ID '{id}' does not exist"),
        ),
        Some("volume") => AwsError::new(
            "InvalidVolume.NotFound",
            format!("The volume '{id}' does not exist."),
        ),
        Some("vpc-endpoint-service") => AwsError::new(
            "InvalidVpcEndpointServiceId.NotFound",
            format!("The VpcEndpointService Id '{id}' does not exist"),
        ),
        Some("security-group-rule") => AwsError::new(
            "InvalidSecurityGroupRuleId.NotFound",
            format!("The security group rule ID '{id}' does not exist"),
        ),
        _ => errors::invalid_id(id),
    }
}

fn tags_mut<'a>(ctx: &'a mut Ctx, id: &str) -> Option<&'a mut Tags> {
    if resource_type_of(id)? == "vpc-endpoint-service" {
        return services_mut(ctx).get_mut(id).map(|r| &mut r.tags);
    }
    let st = &mut ctx.acct_mut().ec2;
    match resource_type_of(id)? {
        "vpc" => st.vpcs.get_mut(id).map(|r| &mut r.tags),
        "subnet" => st.subnets.get_mut(id).map(|r| &mut r.tags),
        "security-group" => st.security_groups.get_mut(id).map(|r| &mut r.tags),
        "route-table" => st.route_tables.get_mut(id).map(|r| &mut r.tags),
        "network-interface" => st.enis.get_mut(id).map(|r| &mut r.tags),
        "vpc-endpoint" => st.endpoints.get_mut(id).map(|r| &mut r.tags),
        "internet-gateway" => st.internet_gateways.get_mut(id).map(|r| &mut r.tags),
        "egress-only-internet-gateway" => st.egress_only_gateways.get_mut(id).map(|r| &mut r.tags),
        "elastic-ip" => st.addresses.get_mut(id).map(|r| &mut r.tags),
        "natgateway" => st.nat_gateways.get_mut(id).map(|r| &mut r.tags),
        "dhcp-options" => st.dhcp_options.get_mut(id).map(|r| &mut r.tags),
        "network-acl" => st.network_acls.get_mut(id).map(|r| &mut r.tags),
        "instance" => st.instances.get_mut(id).map(|r| &mut r.tags),
        "volume" => st.volumes.get_mut(id).map(|r| &mut r.tags),
        "security-group-rule" => st
            .security_groups
            .values_mut()
            .flat_map(|g| g.rules.iter_mut())
            .find(|r| r.id == id)
            .map(|r| &mut r.tags),
        _ => None,
    }
}

pub(super) fn create(ctx: &mut Ctx, input: m::CreateTagsRequest) -> Result<(), AwsError> {
    let ids = input.resources.unwrap_or_default();
    let add = pairs(input.tags);
    if add.is_empty() {
        return Err(errors::missing("Tag"));
    }
    for id in &ids {
        tags_of(ctx, id)?.check_add(&add)?;
    }
    ctx.dry_run(input.dry_run)?;
    for id in &ids {
        if let Some(t) = tags_mut(ctx, id) {
            t.add(add.clone());
        }
    }
    Ok(())
}

pub(super) fn delete(ctx: &mut Ctx, input: m::DeleteTagsRequest) -> Result<(), AwsError> {
    let ids = input.resources.unwrap_or_default();
    for id in &ids {
        tags_of(ctx, id)?;
    }
    // AWS's own tags cannot be removed either, and the call fails as a
    // whole [R: chef-provisioning-aws#555].
    for tag in input.tags.iter().flatten() {
        if let Some(k) = tag.key.as_deref() {
            check_reserved(k, Reserved::Named)?;
        }
    }
    ctx.dry_run(input.dry_run)?;
    let specs = input.tags;
    for id in &ids {
        if let Some(t) = tags_mut(ctx, id) {
            match &specs {
                None => *t = Tags::default(),
                Some(list) => {
                    for tag in list {
                        if let Some(k) = tag.key.as_deref() {
                            t.remove(k, tag.value.as_deref());
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

pub(super) fn describe(
    ctx: &mut Ctx,
    input: m::DescribeTagsRequest,
) -> Result<m::DescribeTagsResult, AwsError> {
    const NAMES: &[&str] = &["key", "value", "resource-id", "resource-type"];
    if let Some(n) = input.max_results {
        if !(5..=1000).contains(&n) {
            return Err(errors::invalid_value(
                "MaxResults",
                &n.to_string(),
                "Value must be between 5 and 1000.",
            ));
        }
    }
    let filters = Filters::parse(input.filters, NAMES)?;
    ctx.dry_run(input.dry_run)?;
    let st = &ctx.acct().ec2;
    let mut all: Vec<(String, &Tags)> = Vec::new();
    all.extend(st.vpcs.iter().map(|(k, v)| (k.clone(), &v.tags)));
    all.extend(st.subnets.iter().map(|(k, v)| (k.clone(), &v.tags)));
    all.extend(st.security_groups.iter().map(|(k, v)| (k.clone(), &v.tags)));
    all.extend(st.route_tables.iter().map(|(k, v)| (k.clone(), &v.tags)));
    all.extend(st.enis.iter().map(|(k, v)| (k.to_string(), &v.tags)));
    all.extend(st.endpoints.iter().map(|(k, v)| (k.clone(), &v.tags)));
    all.extend(
        st.internet_gateways
            .iter()
            .map(|(k, v)| (k.clone(), &v.tags)),
    );
    all.extend(
        st.egress_only_gateways
            .iter()
            .map(|(k, v)| (k.clone(), &v.tags)),
    );
    all.extend(st.addresses.iter().map(|(k, v)| (k.clone(), &v.tags)));
    all.extend(st.nat_gateways.iter().map(|(k, v)| (k.clone(), &v.tags)));
    all.extend(st.dhcp_options.iter().map(|(k, v)| (k.clone(), &v.tags)));
    all.extend(st.network_acls.iter().map(|(k, v)| (k.clone(), &v.tags)));
    all.extend(st.instances.iter().map(|(k, v)| (k.clone(), &v.tags)));
    all.extend(st.volumes.iter().map(|(k, v)| (k.clone(), &v.tags)));
    all.extend(
        st.security_groups
            .values()
            .flat_map(|g| g.rules.iter())
            .map(|r| (r.id.clone(), &r.tags)),
    );
    all.extend(
        ctx.region
            .common
            .ec2
            .endpoint_services
            .iter()
            .filter(|(_, s)| s.owner == ctx.account)
            .map(|(k, v)| (k.clone(), &v.tags)),
    );
    let mut rows = Vec::new();
    for (id, tags) in all {
        let rtype = resource_type_of(&id).unwrap_or("");
        for (k, v) in tags.iter() {
            // Each tag is its own row; tag filters see just that tag.
            let mut single = Tags::default();
            single.add(vec![(k.to_string(), v.to_string())]);
            let keep = filters.matches(&single, |name| match name {
                "key" => vec![k.to_string()],
                "value" => vec![v.to_string()],
                "resource-id" => vec![id.clone()],
                "resource-type" => vec![rtype.to_string()],
                _ => vec![],
            });
            if keep {
                rows.push((
                    format!("{id}\u{0}{k}"),
                    m::TagDescription {
                        key: Some(k.to_string()),
                        value: Some(v.to_string()),
                        resource_id: Some(id.clone()),
                        resource_type: Some(rtype.to_string()),
                    },
                ));
            }
        }
    }
    let (page, next) = paginate(rows, input.max_results, input.next_token.as_deref())?;
    Ok(m::DescribeTagsResult {
        tags: Some(page),
        next_token: next,
    })
}
