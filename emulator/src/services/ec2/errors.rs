//! EC2 error codes and messages (aws-spec.md §14.1). One constructor per
//! code, so the wording lives in one place.

use crate::wire::AwsError;

pub type R<T> = Result<T, AwsError>;

pub fn invalid_value(param: &str, value: &str, why: &str) -> AwsError {
    AwsError::new(
        "InvalidParameterValue",
        format!("Value ({value}) for parameter {param} is invalid. {why}"),
    )
}

/// `InvalidParameterValue` with AWS's own sentence (no parameter named).
pub fn invalid_value_message(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidParameterValue", message)
}

/// A `ClientToken` used before with other parameters.
pub fn idempotent_mismatch() -> AwsError {
    AwsError::new(
        "IdempotentParameterMismatch",
        "The client token has already been used with different parameters.",
    )
}

/// A subnet without an address left.
pub fn no_free_address(subnet_id: &str) -> AwsError {
    AwsError::new(
        "InsufficientFreeAddressesInSubnet",
        format!("There are not enough free addresses in subnet '{subnet_id}' to satisfy the requested number of instances."),
    )
}

pub fn missing(param: &str) -> AwsError {
    AwsError::new(
        "MissingParameter",
        format!("The request must contain the parameter {param}"),
    )
}

pub fn combination(message: impl Into<String>) -> AwsError {
    AwsError::new("InvalidParameterCombination", message)
}

pub fn vpc_not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidVpcID.NotFound",
        format!("The vpc ID '{id}' does not exist"),
    )
}

pub fn vpc_malformed(id: &str) -> AwsError {
    AwsError::new(
        "InvalidVpcID.Malformed",
        format!("Invalid id: \"{id}\" (expecting \"vpc-...\")"),
    )
}

pub fn subnet_not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidSubnetID.NotFound",
        format!("The subnet ID '{id}' does not exist"),
    )
}

pub fn subnet_malformed(id: &str) -> AwsError {
    AwsError::new(
        "InvalidSubnetID.Malformed",
        format!("Invalid id: \"{id}\" (expecting \"subnet-...\")"),
    )
}

pub fn group_not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidGroup.NotFound",
        format!("The security group '{id}' does not exist"),
    )
}

pub fn group_malformed(id: &str) -> AwsError {
    AwsError::new(
        "InvalidGroupId.Malformed",
        format!("Invalid id: \"{id}\" (expecting \"sg-...\")"),
    )
}

pub fn route_table_not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidRouteTableID.NotFound",
        format!("The routeTable ID '{id}' does not exist"),
    )
}

pub fn route_table_malformed(id: &str) -> AwsError {
    AwsError::new(
        "InvalidRouteTableId.Malformed",
        format!("Invalid id: \"{id}\" (expecting \"rtb-...\")"),
    )
}

pub fn association_not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidAssociationID.NotFound",
        format!("The association ID '{id}' does not exist"),
    )
}

pub fn eni_not_found(id: &str) -> AwsError {
    AwsError::new(
        "InvalidNetworkInterfaceID.NotFound",
        format!("The networkInterface ID '{id}' does not exist"),
    )
}

pub fn eni_malformed(id: &str) -> AwsError {
    AwsError::new(
        "InvalidNetworkInterfaceID.Malformed",
        format!("Invalid id: \"{id}\" (expecting \"eni-...\")"),
    )
}

pub fn dependency(kind: &str, id: &str) -> AwsError {
    AwsError::new(
        "DependencyViolation",
        format!("The {kind} '{id}' has dependencies and cannot be deleted."),
    )
}

pub fn dependent_object(id: &str) -> AwsError {
    AwsError::new(
        "DependencyViolation",
        format!("resource {id} has a dependent object"),
    )
}

pub fn invalid_id(id: &str) -> AwsError {
    AwsError::new("InvalidID", format!("The ID '{id}' is not valid"))
}

pub fn next_token(token: &str) -> AwsError {
    AwsError::new(
        "InvalidNextToken",
        format!("The token '{token}' is invalid."),
    )
}
