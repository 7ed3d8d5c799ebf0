//! Checks that several EC2 handlers share: VPC and route table ids that
//! must name the caller's, and IPv4 CIDR blocks.

use ipnet::Ipv4Net;

use super::errors::{self, R};
use crate::services::state::Ctx;
use crate::wire::AwsError;
use crate::world::ids::is_valid_id;

/// Parses an IPv4 CIDR and returns it in canonical form (host bits cleared).
pub(crate) fn parse_cidr(param: &str, value: &str) -> R<Ipv4Net> {
    value
        .parse::<Ipv4Net>()
        .map(|n| n.trunc())
        .map_err(|_| errors::invalid_value(param, value, "This is not a valid CIDR block."))
}

pub(crate) fn overlaps(a: &Ipv4Net, b: &Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

pub(crate) fn check_vpc_id(ctx: &Ctx, id: &str) -> R<()> {
    if !is_valid_id(id, "vpc") {
        return Err(errors::vpc_malformed(id));
    }
    if !ctx.acct().ec2.vpcs.contains_key(id) {
        return Err(errors::vpc_not_found(id));
    }
    Ok(())
}

pub(crate) fn check_route_table_id(ctx: &Ctx, id: &str) -> R<()> {
    if !is_valid_id(id, "rtb") {
        return Err(errors::route_table_malformed(id));
    }
    if !ctx.acct().ec2.route_tables.contains_key(id) {
        return Err(errors::route_table_not_found(id));
    }
    Ok(())
}

/// An id of `prefix-` that must name one of the caller's resources: refused
/// with `malformed` (AWS's code for its kind) when it is no such id, with
/// `not_found` when none has it.
pub(crate) fn check_known(
    id: &str,
    prefix: &str,
    malformed: &'static str,
    exists: bool,
    not_found: impl FnOnce() -> AwsError,
) -> R<()> {
    if !is_valid_id(id, prefix) {
        return Err(AwsError::new(
            malformed,
            format!("Invalid id: \"{id}\" (expecting \"{prefix}-...\")"),
        ));
    }
    if !exists {
        return Err(not_found());
    }
    Ok(())
}

/// Every id names one of the caller's instances: a malformed one is refused
/// first, then all the unknown ones together, as AWS does.
pub(crate) fn check_instance_ids(ctx: &Ctx, ids: &[String]) -> R<()> {
    for id in ids {
        if !is_valid_id(id, "i") {
            return Err(AwsError::new(
                "InvalidInstanceID.Malformed",
                format!("Invalid id: \"{id}\""),
            ));
        }
    }
    let missing: Vec<&str> = ids
        .iter()
        .filter(|id| !ctx.acct().ec2.instances.contains_key(*id))
        .map(String::as_str)
        .collect();
    match missing.as_slice() {
        [] => Ok(()),
        [one] => Err(AwsError::new(
            "InvalidInstanceID.NotFound",
            format!("The instance ID '{one}' does not exist"),
        )),
        _ => Err(AwsError::new(
            "InvalidInstanceID.NotFound",
            format!("The instance IDs '{}' do not exist", missing.join(", ")),
        )),
    }
}

pub(crate) fn check_instance_id(ctx: &Ctx, id: &str) -> R<()> {
    check_instance_ids(ctx, &[id.to_string()])
}
