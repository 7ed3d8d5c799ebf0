//! DescribeAccountLimits: the default ELBv2 quotas of an account.

use super::common::{page, R};
use crate::model::elbv2 as m;
use crate::services::state::Ctx;

/// Names from the API reference (`Limit.Name`); values are the default
/// quotas of "Quotas for your Application/Network/Gateway Load Balancers"
/// in the ELB user guides. [U] values of the condition, GWLB and
/// per-AZ limits are from memory of those pages, not checked here.
pub(super) const LIMITS: &[(&str, &str)] = &[
    ("application-load-balancers", "50"),
    ("condition-values-per-alb-rule", "5"),
    ("condition-wildcards-per-alb-rule", "5"),
    ("gateway-load-balancers", "100"),
    ("gateway-load-balancers-per-vpc", "100"),
    ("geneve-target-groups", "100"),
    ("listeners-per-application-load-balancer", "50"),
    ("listeners-per-network-load-balancer", "50"),
    ("network-load-balancers", "50"),
    ("rules-per-application-load-balancer", "100"),
    ("target-groups", "3000"),
    ("target-groups-per-action-on-application-load-balancer", "5"),
    ("target-groups-per-action-on-network-load-balancer", "1"),
    ("target-groups-per-application-load-balancer", "100"),
    ("targets-per-application-load-balancer", "1000"),
    (
        "targets-per-availability-zone-per-gateway-load-balancer",
        "300",
    ),
    (
        "targets-per-availability-zone-per-network-load-balancer",
        "500",
    ),
    ("targets-per-network-load-balancer", "3000"),
];

pub(super) fn describe(
    _ctx: &mut Ctx,
    input: m::DescribeAccountLimitsInput,
) -> R<m::DescribeAccountLimitsOutput> {
    let items = LIMITS
        .iter()
        .map(|(n, v)| {
            (
                n.to_string(),
                m::Limit {
                    name: Some(n.to_string()),
                    max: Some(v.to_string()),
                },
            )
        })
        .collect();
    let (limits, next_marker) = page(items, input.marker, input.page_size)?;
    Ok(m::DescribeAccountLimitsOutput {
        limits: Some(limits),
        next_marker,
    })
}
