//! The deployment circuit breaker of rolling (ECS controller) deployments:
//! its failed-task threshold and what happens when it trips (developer
//! guide "How the Amazon ECS deployment circuit breaker detects failures";
//! API reference "DeploymentCircuitBreaker", "ThresholdConfiguration",
//! "ServiceDeploymentCircuitBreaker").

use crate::model::ecs as m;

/// The circuit breaker's bounds for `BOUNDED_PERCENT` [R API reference
/// ServiceDeploymentCircuitBreaker: "a minimum threshold of 3 and a maximum
/// threshold of 200"].
const MIN_THRESHOLD: i32 = 3;
const MAX_THRESHOLD: i32 = 200;

/// The rollout reason of a deployment the breaker failed [R gh
/// aws/containers-roadmap#1488].
pub(super) const FAILED_REASON: &str = "ECS deployment circuit breaker: tasks failed to start.";

/// The circuit breaker of a deployment configuration, when enabled.
pub(super) fn enabled(
    cfg: Option<&m::DeploymentConfiguration>,
) -> Option<&m::DeploymentCircuitBreaker> {
    cfg.and_then(|c| c.deployment_circuit_breaker.as_ref())
        .filter(|b| b.enable == Some(true))
}

/// How many failed tasks fail a deployment of `desired` tasks: by default
/// `ceil(0.5 × desired)` within 3..=200; `thresholdConfiguration` may give
/// a count (`COUNT`) or an unbounded percentage [R API reference
/// ThresholdConfiguration: default `BOUNDED_PERCENT` 50].
pub(super) fn threshold(cfg: Option<&m::DeploymentConfiguration>, desired: i32) -> i32 {
    let t = enabled(cfg).and_then(|b| b.threshold_configuration.as_ref());
    let kind = t
        .and_then(|t| t.type_.as_deref())
        .unwrap_or("BOUNDED_PERCENT");
    let value = t.and_then(|t| t.value).unwrap_or(50);
    let pct = || (i64::from(desired.max(0)) * i64::from(value.max(0)) + 99) / 100;
    match kind {
        "COUNT" => value.max(1),
        "UNBOUNDED_PERCENT" => (pct() as i32).max(1),
        _ => (pct() as i32).clamp(MIN_THRESHOLD, MAX_THRESHOLD),
    }
}

/// Whether failures reset when a task of the deployment gets healthy
/// (`resetOnHealthyTask`, default true).
pub(super) fn resets_on_healthy(cfg: Option<&m::DeploymentConfiguration>) -> bool {
    enabled(cfg)
        .and_then(|b| b.reset_on_healthy_task)
        .unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(t: Option<(&str, i32)>) -> m::DeploymentConfiguration {
        m::DeploymentConfiguration {
            deployment_circuit_breaker: Some(m::DeploymentCircuitBreaker {
                enable: Some(true),
                rollback: Some(true),
                threshold_configuration: t.map(|(k, v)| m::ThresholdConfiguration {
                    type_: Some(k.into()),
                    value: Some(v),
                }),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn thresholds() {
        assert_eq!(threshold(Some(&cfg(None)), 1), 3);
        assert_eq!(threshold(Some(&cfg(None)), 9), 5);
        assert_eq!(threshold(Some(&cfg(None)), 1000), 200);
        assert_eq!(threshold(Some(&cfg(Some(("COUNT", 2)))), 100), 2);
        assert_eq!(
            threshold(Some(&cfg(Some(("UNBOUNDED_PERCENT", 50)))), 1000),
            500
        );
    }
}
