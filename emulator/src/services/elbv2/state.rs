//! ELBv2 resources as the emulator keeps them.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::wire::Timestamp;

#[derive(Debug, Default, Serialize)]
pub struct State {
    /// By ARN.
    pub load_balancers: BTreeMap<String, LoadBalancer>,
    /// By ARN.
    pub target_groups: BTreeMap<String, TargetGroup>,
    /// By ARN.
    pub listeners: BTreeMap<String, Listener>,
    /// Listener rules besides the default ones, by ARN.
    pub rules: BTreeMap<String, Rule>,
    /// The last `Target::seq` handed out.
    pub seq: u64,
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
    /// `EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic` as last set
    /// (None: AWS's default, `on`, for a network load balancer with security groups).
    pub enforce_private_link: Option<String>,
    /// The endpoint service that uses it, if any.
    pub endpoint_service: Option<String>,
}

/// A target group and its registered targets.
#[derive(Debug, Clone, Serialize)]
pub struct TargetGroup {
    pub arn: String,
    pub name: String,
    /// `instance`, `ip`, `lambda` or `alb`.
    pub target_type: String,
    /// None for `lambda`.
    pub protocol: Option<String>,
    /// `HTTP1`, `HTTP2` or `GRPC` (HTTP and HTTPS only).
    pub protocol_version: Option<String>,
    pub port: Option<i32>,
    pub vpc_id: Option<String>,
    pub ip_address_type: Option<String>,
    pub health: HealthCheck,
    pub attributes: BTreeMap<String, String>,
    pub tags: Vec<(String, String)>,
    pub targets: Vec<Target>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthCheck {
    pub enabled: bool,
    pub protocol: Option<String>,
    /// A port number or `traffic-port`.
    pub port: Option<String>,
    pub path: Option<String>,
    pub interval: i32,
    pub timeout: i32,
    pub healthy: i32,
    pub unhealthy: i32,
    pub http_code: Option<String>,
    pub grpc_code: Option<String>,
}

/// A registered target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    pub id: String,
    pub port: Option<i32>,
    pub availability_zone: Option<String>,
    /// `initial`, `healthy` or `draining` (what DescribeTargetHealth says
    /// also depends on the group being in use and on the instance).
    pub state: String,
    /// A scenario or the control API says the target fails its checks.
    pub failing: bool,
    /// Health checks are under way (an `initial` target of a group in use).
    pub checking: bool,
    /// Bumped on every change of state, so a transition scheduled before it
    /// can tell it is stale.
    pub seq: u64,
    /// The real local address that stands in for the target (the data
    /// plane forwards to it and health-checks it), as `host:port`.
    pub local: Option<String>,
    /// The last verdict of the data plane's real health checks of a bound
    /// target (None until the first one).
    pub probe: Option<Probe>,
}

/// What the real health checks of a bound target last concluded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Probe {
    pub healthy: bool,
    /// `Target.FailedHealthChecks`, `Target.Timeout` or
    /// `Target.ResponseCodeMismatch` when unhealthy.
    pub reason: Option<String>,
    pub description: Option<String>,
}

/// A listener of a load balancer.
#[derive(Debug, Clone, Serialize)]
pub struct Listener {
    pub arn: String,
    pub load_balancer_arn: String,
    pub protocol: Option<String>,
    pub port: Option<i32>,
    pub ssl_policy: Option<String>,
    /// The default certificate (one at most).
    pub certificates: Vec<String>,
    /// Certificates added with AddListenerCertificates.
    pub extra_certificates: Vec<String>,
    pub alpn_policy: Vec<String>,
    pub default_actions: Vec<Action>,
    pub tags: Vec<(String, String)>,
}

/// A listener's or rule's action, as AWS returns it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Action {
    /// `forward`, `redirect`, `fixed-response`, `authenticate-oidc`,
    /// `authenticate-cognito`, `jwt-validation`.
    pub action_type: String,
    pub order: Option<i32>,
    /// `TargetGroupArn` of a forward action (set when one group is named).
    pub target_group_arn: Option<String>,
    /// `ForwardConfig.TargetGroups`: (ARN, weight).
    pub forward: Vec<(String, Option<i32>)>,
    /// `ForwardConfig.TargetGroupStickinessConfig`: (enabled, duration).
    pub stickiness: Option<(bool, Option<i32>)>,
    pub redirect: Option<Redirect>,
    pub fixed_response: Option<FixedResponse>,
    pub oidc: Option<Oidc>,
    pub cognito: Option<Cognito>,
    pub jwt: Option<Jwt>,
}

/// What an authenticate action keeps of the session, AWS's defaults filled.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AuthSession {
    pub cookie_name: String,
    pub scope: String,
    pub timeout: i64,
    pub extra_params: BTreeMap<String, String>,
    /// `deny`, `allow` or `authenticate`.
    pub on_unauthenticated: String,
}

/// `AuthenticateOidcConfig`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Oidc {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub user_info_endpoint: String,
    pub client_id: String,
    /// Kept for `UseExistingClientSecret` and the scenario export; AWS
    /// never returns it.
    pub client_secret: String,
    pub session: AuthSession,
}

/// `AuthenticateCognitoConfig`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Cognito {
    pub user_pool_arn: String,
    pub user_pool_client_id: String,
    pub user_pool_domain: String,
    pub session: AuthSession,
}

/// `JwtValidationConfig`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Jwt {
    pub jwks_endpoint: String,
    pub issuer: String,
    pub claims: Vec<JwtClaim>,
}

/// `JwtValidationActionAdditionalClaim`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct JwtClaim {
    /// `single-string`, `string-array` or `space-separated-values`.
    pub format: String,
    pub name: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Redirect {
    pub protocol: Option<String>,
    pub port: Option<String>,
    pub host: Option<String>,
    pub path: Option<String>,
    pub query: Option<String>,
    pub status_code: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FixedResponse {
    pub message_body: Option<String>,
    pub status_code: String,
    pub content_type: Option<String>,
}

impl Action {
    /// Every target group it forwards to.
    pub fn target_groups(&self) -> Vec<&String> {
        let mut out: Vec<&String> = self.target_group_arn.iter().collect();
        for (arn, _) in &self.forward {
            if !out.contains(&arn) {
                out.push(arn);
            }
        }
        out
    }
}

/// A listener rule (the default rule is the listener's default actions).
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    pub arn: String,
    pub listener_arn: String,
    pub priority: i32,
    pub conditions: Vec<Condition>,
    pub actions: Vec<Action>,
    pub tags: Vec<(String, String)>,
}

/// A rule condition.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Condition {
    /// `host-header`, `path-pattern`, `http-header`, `http-request-method`,
    /// `query-string`, `source-ip`.
    pub field: String,
    /// The values of every field but `query-string`.
    pub values: Vec<String>,
    /// `http-header`: the header's name.
    pub header_name: Option<String>,
    /// `query-string`: (key, value) pairs.
    pub query: Vec<(Option<String>, String)>,
}

fn forwards_to(actions: &[Action], target_group: &str) -> bool {
    actions
        .iter()
        .any(|a| a.target_groups().iter().any(|t| *t == target_group))
}

impl State {
    /// The load balancers whose listeners or rules forward to the target
    /// group.
    pub fn load_balancers_of(&self, target_group: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut add = |lb: &String| {
            if !out.contains(lb) {
                out.push(lb.clone());
            }
        };
        for l in self.listeners.values() {
            if forwards_to(&l.default_actions, target_group) {
                add(&l.load_balancer_arn);
            }
        }
        for r in self.rules.values() {
            if forwards_to(&r.actions, target_group) {
                if let Some(l) = self.listeners.get(&r.listener_arn) {
                    add(&l.load_balancer_arn);
                }
            }
        }
        out
    }
}
