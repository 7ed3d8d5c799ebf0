//! ELBv2 resources as the emulator keeps them.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::wire::Timestamp;

#[derive(Debug, Default, Serialize)]
pub struct State {
    /// By ARN.
    pub load_balancers: BTreeMap<String, LoadBalancer>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LoadBalancer {
    pub arn: String,
    pub name: String,
    /// `application`, `network` or `gateway`.
    pub lb_type: String,
    pub scheme: String,
    pub vpc_id: String,
    /// (subnet, AZ, network interface) per zone.
    pub zones: Vec<(String, String, String)>,
    pub security_groups: Vec<String>,
    pub ip_address_type: String,
    /// `provisioning` → `active`.
    pub state: String,
    pub dns_name: Option<String>,
    pub created: Timestamp,
    pub tags: Vec<(String, String)>,
    pub attributes: BTreeMap<String, String>,
    /// The endpoint service that uses it, if any.
    pub endpoint_service: Option<String>,
}
