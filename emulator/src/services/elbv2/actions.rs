//! Listener and rule actions: `forward` (single or weighted, with
//! stickiness), `redirect`, `fixed-response`, and the actions that come
//! before them on the HTTPS listeners of Application Load Balancers:
//! `authenticate-oidc`, `authenticate-cognito` and `jwt-validation`.
//! Shared by CreateListener/ModifyListener and CreateRule/ModifyRule.
//!
//! AWS's rules [API reference `Action`; ELB user guide "Listener rules",
//! "Authenticate users using an Application Load Balancer", "Verify JWTs
//! using an Application Load Balancer"]: each rule has exactly one of
//! forward, redirect or fixed-response, performed last (lowest `Order`
//! first); authentication actions only on HTTPS listeners; the OIDC client
//! secret is required unless `UseExistingClientSecret` keeps the current
//! one, and is never returned.

use std::collections::BTreeMap;

use super::common::{validation, R};
use super::state::{
    Action, AuthSession, Cognito, FixedResponse, Jwt, JwtClaim, LoadBalancer, Oidc, Redirect,
};
use super::target_groups;
use crate::model::elbv2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

/// AWS's defaults of an authenticate action [API reference
/// `AuthenticateOidcActionConfig`: "The default is AWSELBAuthSessionCookie",
/// "The default is openid", "The default is 604800 seconds (7 days)",
/// "authenticate ... This is the default value"].
pub(super) const DEFAULT_COOKIE: &str = "AWSELBAuthSessionCookie";
pub(super) const DEFAULT_SCOPE: &str = "openid";
pub(super) const DEFAULT_TIMEOUT: i64 = 604_800;
pub(super) const DEFAULT_ON_UNAUTHENTICATED: &str = "authenticate";

/// Which target group protocols a listener protocol forwards to.
pub(super) fn compatible(listener: Option<&str>, tg_type: &str, tg: Option<&str>) -> bool {
    match (listener, tg) {
        (None, Some("GENEVE")) => true,
        (Some("HTTP" | "HTTPS"), _) if tg_type == "lambda" => true,
        (Some("HTTP" | "HTTPS"), Some("HTTP" | "HTTPS")) => tg_type != "alb",
        (Some("TCP"), Some("TCP" | "TCP_UDP")) => true,
        (Some("TLS"), Some("TCP" | "TLS")) => tg_type != "alb",
        (Some("UDP"), Some("UDP" | "TCP_UDP")) => tg_type != "alb",
        (Some("TCP_UDP"), Some("TCP_UDP")) => tg_type != "alb",
        (Some("QUIC"), Some("QUIC" | "TCP_QUIC")) | (Some("TCP_QUIC"), Some("TCP_QUIC")) => {
            tg_type != "alb"
        }
        _ => false,
    }
}

/// The action types that end a rule.
const TERMINAL: &[&str] = &["forward", "redirect", "fixed-response"];

const CONTENT_TYPES: &[&str] = &[
    "text/plain",
    "text/css",
    "text/html",
    "application/javascript",
    "application/json",
];

/// Checks the default actions against the load balancer and its target
/// groups, and gives them as AWS stores (and returns) them.
///
/// `field` names the request's list (`defaultActions` or `actions`) in
/// messages; `previous` are the actions being replaced, whose OIDC client
/// secret `UseExistingClientSecret` keeps.
pub(super) fn check_actions(
    ctx: &Ctx,
    lb: &LoadBalancer,
    protocol: Option<&str>,
    field: &str,
    actions: &[m::Action],
    previous: &[Action],
) -> R<Vec<Action>> {
    if actions.is_empty() {
        return Err(validation("At least one action must be specified"));
    }
    let st = &ctx.acct().elbv2;
    let mut out = Vec::new();
    for a in actions {
        let kind = a.type_.clone().unwrap_or_default();
        if let Some(o) = a.order {
            if !(1..=50_000).contains(&o) {
                return Err(validation(format!(
                    "1 validation error detected: Value '{o}' at '{field}.member.order' failed to satisfy constraint: Member must have value between 1 and 50000"
                )));
            }
        }
        let mut action = Action {
            action_type: kind.clone(),
            order: a.order,
            ..Default::default()
        };
        match kind.as_str() {
            "forward" => {
                let mut groups: Vec<(String, Option<i32>)> = Vec::new();
                if let Some(fc) = &a.forward_config {
                    for t in fc.target_groups.clone().unwrap_or_default() {
                        let arn = t.target_group_arn.unwrap_or_default();
                        if let Some(w) = t.weight {
                            if !(0..=999).contains(&w) {
                                return Err(validation(format!(
                                    "The weight '{w}' of target group '{arn}' must be between 0 and 999"
                                )));
                            }
                        }
                        if groups.iter().any(|(g, _)| *g == arn) {
                            return Err(validation(format!(
                                "Target group '{arn}' is specified more than once in the forward action"
                            )));
                        }
                        groups.push((arn, Some(t.weight.unwrap_or(1))));
                    }
                    if let Some(s) = &fc.target_group_stickiness_config {
                        let on = s.enabled.unwrap_or(false);
                        if on && s.duration_seconds.is_none() {
                            return Err(validation(
                                "A stickiness duration must be specified when target group stickiness is enabled",
                            ));
                        }
                        if let Some(d) = s.duration_seconds {
                            if !(1..=604_800).contains(&d) {
                                return Err(validation(format!(
                                    "The stickiness duration '{d}' must be between 1 and 604800 seconds"
                                )));
                            }
                        }
                        action.stickiness = Some((on, s.duration_seconds.filter(|_| on)));
                    }
                }
                match (&a.target_group_arn, groups.len()) {
                    (None, 0) => {
                        return Err(validation(
                            "A target group ARN must be specified for a forward action",
                        ))
                    }
                    (Some(arn), 0) => groups.push((arn.clone(), Some(1))),
                    (Some(arn), 1) if groups[0].0 == *arn => {}
                    (Some(_), _) => {
                        return Err(validation(
                            "You cannot specify both a target group ARN and a forward config with different target groups",
                        ))
                    }
                    _ => {}
                }
                if groups.len() > 5 {
                    return Err(AwsError::new(
                        "TooManyUniqueTargetGroupsPerLoadBalancer",
                        "A forward action can have at most 5 target groups",
                    ));
                }
                if lb.lb_type != "application" && groups.len() > 1 {
                    return Err(AwsError::new(
                        "InvalidLoadBalancerAction",
                        "Forwarding to more than one target group is supported only by Application Load Balancers",
                    ));
                }
                for (arn, _) in &groups {
                    let tg = target_groups::get(ctx, arn)?;
                    if !compatible(protocol, &tg.target_type, tg.protocol.as_deref()) {
                        return Err(AwsError::new(
                            "IncompatibleProtocols",
                            format!(
                                "The listener protocol '{}' is not compatible with the protocol of target group '{arn}'",
                                protocol.unwrap_or("GENEVE")
                            ),
                        ));
                    }
                    if tg.vpc_id.as_ref().is_some_and(|v| *v != lb.vpc_id) {
                        return Err(validation(format!(
                            "The target group '{arn}' is not in the VPC of load balancer '{}'",
                            lb.arn
                        )));
                    }
                    // A target group serves one load balancer.
                    if st.load_balancers_of(arn).iter().any(|l| *l != lb.arn) {
                        return Err(AwsError::new(
                            "TargetGroupAssociationLimit",
                            format!("The following target groups cannot be associated with more than one load balancer: {arn}"),
                        ));
                    }
                }
                if groups.len() == 1 {
                    action.target_group_arn = Some(groups[0].0.clone());
                }
                if action.stickiness.is_none() {
                    action.stickiness = Some((false, None));
                }
                action.forward = groups;
            }
            "redirect" | "fixed-response" if lb.lb_type != "application" => {
                return Err(AwsError::new(
                    "InvalidLoadBalancerAction",
                    format!("The action type '{kind}' is supported only by Application Load Balancers"),
                ));
            }
            "redirect" => {
                let Some(r) = &a.redirect_config else {
                    return Err(validation("A redirect config must be specified for a redirect action"));
                };
                let status = r.status_code.clone().unwrap_or_default();
                if !["HTTP_301", "HTTP_302"].contains(&status.as_str()) {
                    return Err(validation(format!(
                        "The redirect status code '{status}' must be one of [HTTP_301, HTTP_302]"
                    )));
                }
                if let Some(p) = &r.protocol {
                    if !["HTTP", "HTTPS", "#{protocol}"].contains(&p.as_str()) {
                        return Err(validation(format!(
                            "The redirect protocol '{p}' must be one of [HTTP, HTTPS, #{{protocol}}]"
                        )));
                    }
                }
                if let Some(p) = &r.path {
                    if !p.starts_with('/') {
                        return Err(validation("The redirect path must start with a '/'"));
                    }
                }
                let redirect = Redirect {
                    protocol: Some(r.protocol.clone().unwrap_or_else(|| "#{protocol}".into())),
                    port: Some(r.port.clone().unwrap_or_else(|| "#{port}".into())),
                    host: Some(r.host.clone().unwrap_or_else(|| "#{host}".into())),
                    path: Some(r.path.clone().unwrap_or_else(|| "/#{path}".into())),
                    query: Some(r.query.clone().unwrap_or_else(|| "#{query}".into())),
                    status_code: status,
                };
                let unchanged = redirect.protocol.as_deref() == Some("#{protocol}")
                    && redirect.port.as_deref() == Some("#{port}")
                    && redirect.host.as_deref() == Some("#{host}")
                    && redirect.path.as_deref() == Some("/#{path}")
                    && redirect.query.as_deref() == Some("#{query}");
                if unchanged {
                    return Err(AwsError::new(
                        "InvalidLoadBalancerAction",
                        "The redirect must change at least one of protocol, port, host, path or query, to avoid a loop",
                    ));
                }
                action.redirect = Some(redirect);
            }
            "fixed-response" => {
                let Some(f) = &a.fixed_response_config else {
                    return Err(validation(
                        "A fixed response config must be specified for a fixed-response action",
                    ));
                };
                let status = f.status_code.clone().unwrap_or_default();
                let ok = status.len() == 3
                    && status.bytes().all(|b| b.is_ascii_digit())
                    && matches!(status.as_bytes()[0], b'2' | b'4' | b'5');
                if !ok {
                    return Err(validation(format!(
                        "The fixed response status code '{status}' must be a 2XX, 4XX or 5XX code"
                    )));
                }
                if let Some(c) = &f.content_type {
                    if !CONTENT_TYPES.contains(&c.as_str()) {
                        return Err(AwsError::new(
                            "InvalidLoadBalancerAction",
                            format!("The ContentType must be one of:'{}'", CONTENT_TYPES.join("', '")),
                        ));
                    }
                }
                if f.message_body.as_ref().is_some_and(|b| b.len() > 1024) {
                    return Err(validation(
                        "The fixed response message body can be at most 1024 characters",
                    ));
                }
                action.fixed_response = Some(FixedResponse {
                    message_body: f.message_body.clone(),
                    status_code: status,
                    content_type: f.content_type.clone(),
                });
            }
            "authenticate-oidc" | "authenticate-cognito" | "jwt-validation" => {
                check_auth_allowed(lb, protocol, &kind)?;
                match kind.as_str() {
                    "authenticate-oidc" => action.oidc = Some(oidc(a, previous)?),
                    "authenticate-cognito" => action.cognito = Some(cognito(a)?),
                    _ => action.jwt = Some(jwt(a)?),
                }
            }
            _ => {
                return Err(validation(format!(
                    "1 validation error detected: Value '{kind}' at '{field}.member.type' failed to satisfy constraint: Member must satisfy enum value set: [forward, authenticate-oidc, authenticate-cognito, redirect, fixed-response, jwt-validation]"
                )))
            }
        }
        out.push(action);
    }
    check_sequence(&out)?;
    Ok(out)
}

pub(super) fn action_model(a: &Action) -> m::Action {
    m::Action {
        type_: Some(a.action_type.clone()),
        target_group_arn: a.target_group_arn.clone(),
        order: a.order,
        forward_config: (a.action_type == "forward").then(|| m::ForwardActionConfig {
            target_groups: Some(
                a.forward
                    .iter()
                    .map(|(arn, w)| m::TargetGroupTuple {
                        target_group_arn: Some(arn.clone()),
                        weight: *w,
                    })
                    .collect(),
            ),
            target_group_stickiness_config: a.stickiness.map(|(on, d)| {
                m::TargetGroupStickinessConfig {
                    enabled: Some(on),
                    duration_seconds: d,
                }
            }),
        }),
        redirect_config: a.redirect.as_ref().map(|r| m::RedirectActionConfig {
            protocol: r.protocol.clone(),
            port: r.port.clone(),
            host: r.host.clone(),
            path: r.path.clone(),
            query: r.query.clone(),
            status_code: Some(r.status_code.clone()),
        }),
        fixed_response_config: a
            .fixed_response
            .as_ref()
            .map(|f| m::FixedResponseActionConfig {
                message_body: f.message_body.clone(),
                status_code: Some(f.status_code.clone()),
                content_type: f.content_type.clone(),
            }),
        authenticate_oidc_config: a.oidc.as_ref().map(oidc_model),
        authenticate_cognito_config: a.cognito.as_ref().map(cognito_model),
        jwt_validation_config: a.jwt.as_ref().map(jwt_model),
    }
}
fn is_auth(kind: &str) -> bool {
    matches!(
        kind,
        "authenticate-oidc" | "authenticate-cognito" | "jwt-validation"
    )
}

/// Authentication actions belong to the HTTPS listeners of Application
/// Load Balancers ["[HTTPS listeners]" in the API reference `Action`].
fn check_auth_allowed(lb: &LoadBalancer, protocol: Option<&str>, kind: &str) -> R<()> {
    if lb.lb_type != "application" {
        return Err(AwsError::new(
            "InvalidLoadBalancerAction",
            format!("The action type '{kind}' is supported only by Application Load Balancers"),
        ));
    }
    check_auth_protocol(protocol, std::iter::once(kind))
}

/// A listener whose protocol is not HTTPS cannot have (or keep)
/// authentication actions [U: AWS's code and words].
pub(super) fn check_auth_protocol<'a>(
    protocol: Option<&str>,
    kinds: impl IntoIterator<Item = &'a str>,
) -> R<()> {
    if protocol == Some("HTTPS") {
        return Ok(());
    }
    match kinds.into_iter().find(|k| is_auth(k)) {
        Some(kind) => Err(AwsError::new(
            "InvalidConfigurationRequest",
            format!(
                "The action type '{kind}' is supported only by HTTPS listeners, not by '{}' listeners",
                protocol.unwrap_or("")
            ),
        )),
        None => Ok(()),
    }
}

/// An identity provider's endpoint: "a full URL, including the HTTPS
/// protocol, the domain, and the path" [API reference], at most 256
/// characters for JWT validation [U: for OIDC].
fn check_url(name: &str, value: &str) -> R<()> {
    let host = value.strip_prefix("https://").unwrap_or("");
    if host.is_empty() || host.starts_with('/') || value.len() > 256 {
        // [U] AWS's words.
        return Err(validation(format!(
            "The {name} '{value}' must be a full URL of at most 256 characters, including the HTTPS protocol, the domain, and the path"
        )));
    }
    Ok(())
}

/// A required member given empty (botocore and the wire layer refuse it
/// missing) [U: AWS's words].
fn required(config: &str, name: &str, value: Option<&String>) -> R<String> {
    match value.filter(|v| !v.is_empty()) {
        Some(v) => Ok(v.clone()),
        None => Err(validation(format!(
            "The {name} of the {config} config must be specified"
        ))),
    }
}

/// The session settings both authenticate actions share, AWS's defaults
/// filled.
fn session(
    cookie: Option<&String>,
    scope: Option<&String>,
    timeout: Option<i64>,
    extra: Option<&BTreeMap<String, String>>,
    on_unauthenticated: Option<&String>,
) -> R<AuthSession> {
    let timeout = timeout.unwrap_or(DEFAULT_TIMEOUT);
    // [U] AWS's words; the range is the user guide's "up to 7 days".
    if !(1..=DEFAULT_TIMEOUT).contains(&timeout) {
        return Err(validation(format!(
            "The session timeout '{timeout}' must be between 1 and {DEFAULT_TIMEOUT} seconds"
        )));
    }
    let extra = extra.cloned().unwrap_or_default();
    // "The query parameters (up to 10)" [API reference]; [U] the words.
    if extra.len() > 10 {
        return Err(validation(
            "At most 10 authentication request extra parameters can be specified",
        ));
    }
    let on = on_unauthenticated
        .cloned()
        .unwrap_or_else(|| DEFAULT_ON_UNAUTHENTICATED.into());
    if !["deny", "allow", "authenticate"].contains(&on.as_str()) {
        return Err(validation(format!(
            "1 validation error detected: Value '{on}' at 'onUnauthenticatedRequest' failed to satisfy constraint: Member must satisfy enum value set: [deny, allow, authenticate]"
        )));
    }
    Ok(AuthSession {
        cookie_name: cookie
            .filter(|c| !c.is_empty())
            .cloned()
            .unwrap_or_else(|| DEFAULT_COOKIE.into()),
        scope: scope
            .filter(|s| !s.is_empty())
            .cloned()
            .unwrap_or_else(|| DEFAULT_SCOPE.into()),
        timeout,
        extra_params: extra,
        on_unauthenticated: on,
    })
}

/// The session settings of either authenticate config: their members share
/// names but not a type.
macro_rules! session_of {
    ($c:expr) => {
        session(
            $c.session_cookie_name.as_ref(),
            $c.scope.as_ref(),
            $c.session_timeout,
            $c.authentication_request_extra_params.as_ref(),
            $c.on_unauthenticated_request.as_ref(),
        )
    };
}

fn no_config(kind: &str, config: &str) -> AwsError {
    // [U] AWS's words, in the style of the other actions'.
    validation(format!(
        "An {config} config must be specified for an {kind} action"
    ))
}

fn oidc(a: &m::Action, previous: &[Action]) -> R<Oidc> {
    let Some(c) = &a.authenticate_oidc_config else {
        return Err(no_config("authenticate-oidc", "authenticate OIDC"));
    };
    let cfg = "authenticate OIDC";
    let issuer = required(cfg, "Issuer", c.issuer.as_ref())?;
    let authorization_endpoint = required(
        cfg,
        "AuthorizationEndpoint",
        c.authorization_endpoint.as_ref(),
    )?;
    let token_endpoint = required(cfg, "TokenEndpoint", c.token_endpoint.as_ref())?;
    let user_info_endpoint = required(cfg, "UserInfoEndpoint", c.user_info_endpoint.as_ref())?;
    let client_id = required(cfg, "ClientId", c.client_id.as_ref())?;
    check_url("Issuer", &issuer)?;
    check_url("AuthorizationEndpoint", &authorization_endpoint)?;
    check_url("TokenEndpoint", &token_endpoint)?;
    check_url("UserInfoEndpoint", &user_info_endpoint)?;
    // "This parameter is required if you are creating a rule. If you are
    // modifying a rule, you can omit this parameter if you set
    // UseExistingClientSecret to true." [API reference]
    let given = c.client_secret.clone().filter(|s| !s.is_empty());
    let client_secret = match (c.use_existing_client_secret.unwrap_or(false), given) {
        // [U] AWS's code and words.
        (true, Some(_)) => {
            return Err(validation(
                "You cannot specify a client secret when UseExistingClientSecret is true",
            ))
        }
        (true, None) => previous
            .iter()
            .find_map(|p| p.oidc.as_ref().map(|o| o.client_secret.clone()))
            .ok_or_else(|| {
                // [U] AWS's words.
                validation(
                    "There is no existing client secret to use: UseExistingClientSecret applies only when modifying an authenticate-oidc action",
                )
            })?,
        (false, Some(s)) => s,
        // [U] AWS's words.
        (false, None) => {
            return Err(validation(
                "A client secret must be specified for an authenticate-oidc action unless UseExistingClientSecret is true",
            ))
        }
    };
    Ok(Oidc {
        issuer,
        authorization_endpoint,
        token_endpoint,
        user_info_endpoint,
        client_id,
        client_secret,
        session: session_of!(c)?,
    })
}

fn cognito(a: &m::Action) -> R<Cognito> {
    let Some(c) = &a.authenticate_cognito_config else {
        return Err(no_config("authenticate-cognito", "authenticate Cognito"));
    };
    let cfg = "authenticate Cognito";
    let user_pool_arn = required(cfg, "UserPoolArn", c.user_pool_arn.as_ref())?;
    // [U] AWS checks the pool exists; the emulator checks the ARN's shape.
    if !(user_pool_arn.starts_with("arn:aws:cognito-idp:") && user_pool_arn.contains(":userpool/"))
    {
        return Err(validation(format!(
            "The user pool ARN '{user_pool_arn}' is not a valid Amazon Cognito user pool ARN"
        )));
    }
    Ok(Cognito {
        user_pool_arn,
        user_pool_client_id: required(cfg, "UserPoolClientId", c.user_pool_client_id.as_ref())?,
        user_pool_domain: required(cfg, "UserPoolDomain", c.user_pool_domain.as_ref())?,
        session: session_of!(c)?,
    })
}

/// The claims AWS always validates, which cannot be added [API reference
/// `JwtValidationActionAdditionalClaim`].
const RESERVED_CLAIMS: &[&str] = &["exp", "iss", "nbf", "iat"];
const CLAIM_FORMATS: &[&str] = &["single-string", "string-array", "space-separated-values"];

fn jwt(a: &m::Action) -> R<Jwt> {
    let Some(c) = &a.jwt_validation_config else {
        return Err(validation(
            "A JWT validation config must be specified for a jwt-validation action",
        ));
    };
    let cfg = "JWT validation";
    let jwks_endpoint = required(cfg, "JwksEndpoint", c.jwks_endpoint.as_ref())?;
    let issuer = required(cfg, "Issuer", c.issuer.as_ref())?;
    check_url("JwksEndpoint", &jwks_endpoint)?;
    // "The maximum length is 256 characters." [API reference]; [U] words.
    if issuer.len() > 256 {
        return Err(validation("The JWT issuer can be at most 256 characters"));
    }
    let given = c.additional_claims.clone().unwrap_or_default();
    // "The maximum size of the list is 10." [API reference]; [U] words.
    if given.len() > 10 {
        return Err(validation(
            "A JWT validation action can have at most 10 additional claims",
        ));
    }
    let mut claims: Vec<JwtClaim> = Vec::new();
    for g in given {
        let name = g.name.unwrap_or_default();
        let format = g.format.unwrap_or_default();
        let values = g.values.unwrap_or_default();
        if name.is_empty() {
            return Err(validation(
                "The name of an additional claim must be specified",
            ));
        }
        // "You can't specify exp, iss, nbf, or iat because we validate them
        // by default." [API reference]; [U] words.
        if RESERVED_CLAIMS.contains(&name.as_str()) {
            return Err(validation(format!(
                "The claim '{name}' cannot be an additional claim: exp, iss, nbf and iat are always validated"
            )));
        }
        if claims.iter().any(|c| c.name == name) {
            return Err(validation(format!(
                "The additional claim '{name}' is specified more than once"
            )));
        }
        if !CLAIM_FORMATS.contains(&format.as_str()) {
            return Err(validation(format!(
                "1 validation error detected: Value '{format}' at 'jwtValidationConfig.additionalClaims.member.format' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                CLAIM_FORMATS.join(", ")
            )));
        }
        // "The maximum size of the list is 10. Each value can be up to 256
        // characters in length. If the format is space-separated-values,
        // the values can't include spaces." [API reference]; a single-string
        // claim has one value [U]; [U] the words.
        let most = if format == "single-string" { 1 } else { 10 };
        if values.is_empty() || values.len() > most {
            return Err(validation(format!(
                "The additional claim '{name}' of format '{format}' must have between 1 and {most} values"
            )));
        }
        if let Some(v) = values.iter().find(|v| v.is_empty() || v.len() > 256) {
            return Err(validation(format!(
                "The value '{v}' of claim '{name}' must be 1 to 256 characters long"
            )));
        }
        if format == "space-separated-values" {
            if let Some(v) = values.iter().find(|v| v.contains(' ')) {
                return Err(validation(format!(
                    "The value '{v}' of claim '{name}' cannot include spaces: its format is space-separated-values"
                )));
            }
        }
        claims.push(JwtClaim {
            format,
            name,
            values,
        });
    }
    Ok(Jwt {
        jwks_endpoint,
        issuer,
        claims,
    })
}

/// The actions as a whole: orders unique (and given when there are
/// several), at most one authentication action, and exactly one forward,
/// redirect or fixed-response, performed last ["Each rule must include
/// exactly one of the following types of actions: forward, fixed-response,
/// or redirect, and it must be the last action to be performed." — API
/// reference `Action`]. [U] the codes and words of each refusal.
fn check_sequence(actions: &[Action]) -> R<()> {
    if actions.len() > 1 {
        if actions.iter().any(|a| a.order.is_none()) {
            return Err(validation(
                "An order must be specified for every action when there is more than one action",
            ));
        }
        let mut orders: Vec<i32> = actions.iter().filter_map(|a| a.order).collect();
        orders.sort_unstable();
        if let Some(w) = orders.windows(2).find(|w| w[0] == w[1]) {
            return Err(validation(format!(
                "The action order '{}' is used more than once; each action must have a unique order",
                w[0]
            )));
        }
    }
    let terminal: Vec<&Action> = actions
        .iter()
        .filter(|a| TERMINAL.contains(&a.action_type.as_str()))
        .collect();
    if terminal.len() > 1 {
        return Err(AwsError::new(
            "TooManyActions",
            "Only one forward, redirect or fixed-response action can be specified",
        ));
    }
    if actions.iter().filter(|a| is_auth(&a.action_type)).count() > 1 {
        return Err(AwsError::new(
            "InvalidLoadBalancerAction",
            "Only one authenticate-oidc, authenticate-cognito or jwt-validation action can be specified",
        ));
    }
    let Some(last) = terminal.first() else {
        return Err(AwsError::new(
            "InvalidLoadBalancerAction",
            "A forward, redirect or fixed-response action must be specified, to be performed last",
        ));
    };
    // With one action there is nothing to order.
    if actions.iter().any(|a| a.order > last.order) {
        return Err(AwsError::new(
            "InvalidLoadBalancerAction",
            format!(
                "The {} action must be performed last: its order must be the highest",
                last.action_type
            ),
        ));
    }
    Ok(())
}

/// `SessionCookieName`, `Scope`, `SessionTimeout`,
/// `AuthenticationRequestExtraParams`, `OnUnauthenticatedRequest`.
type SessionFields = (
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<BTreeMap<String, String>>,
    Option<String>,
);

fn session_fields(s: &AuthSession) -> SessionFields {
    (
        Some(s.cookie_name.clone()),
        Some(s.scope.clone()),
        Some(s.timeout),
        (!s.extra_params.is_empty()).then(|| s.extra_params.clone()),
        Some(s.on_unauthenticated.clone()),
    )
}

fn oidc_model(o: &Oidc) -> m::AuthenticateOidcActionConfig {
    let (session_cookie_name, scope, session_timeout, extra, on) = session_fields(&o.session);
    m::AuthenticateOidcActionConfig {
        issuer: Some(o.issuer.clone()),
        authorization_endpoint: Some(o.authorization_endpoint.clone()),
        token_endpoint: Some(o.token_endpoint.clone()),
        user_info_endpoint: Some(o.user_info_endpoint.clone()),
        client_id: Some(o.client_id.clone()),
        // Never returned [U: what AWS answers; ansible-collections/amazon.aws
        // issue 2537 reports it is not in DescribeListeners].
        client_secret: None,
        session_cookie_name,
        scope,
        session_timeout,
        authentication_request_extra_params: extra,
        on_unauthenticated_request: on,
        use_existing_client_secret: None,
    }
}

fn cognito_model(c: &Cognito) -> m::AuthenticateCognitoActionConfig {
    let (session_cookie_name, scope, session_timeout, extra, on) = session_fields(&c.session);
    m::AuthenticateCognitoActionConfig {
        user_pool_arn: Some(c.user_pool_arn.clone()),
        user_pool_client_id: Some(c.user_pool_client_id.clone()),
        user_pool_domain: Some(c.user_pool_domain.clone()),
        session_cookie_name,
        scope,
        session_timeout,
        authentication_request_extra_params: extra,
        on_unauthenticated_request: on,
    }
}

fn jwt_model(j: &Jwt) -> m::JwtValidationActionConfig {
    m::JwtValidationActionConfig {
        jwks_endpoint: Some(j.jwks_endpoint.clone()),
        issuer: Some(j.issuer.clone()),
        additional_claims: (!j.claims.is_empty()).then(|| {
            j.claims
                .iter()
                .map(|c| m::JwtValidationActionAdditionalClaim {
                    format: Some(c.format.clone()),
                    name: Some(c.name.clone()),
                    values: Some(c.values.clone()),
                })
                .collect()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(kind: &str, order: Option<i32>) -> Action {
        Action {
            action_type: kind.into(),
            order,
            ..Default::default()
        }
    }

    #[test]
    fn sequence() {
        let code = |v: &[Action]| check_sequence(v).err().map(|e| e.code.to_string());
        assert_eq!(code(&[action("forward", None)]), None);
        assert_eq!(
            code(&[
                action("authenticate-oidc", Some(1)),
                action("forward", Some(2))
            ]),
            None
        );
        assert_eq!(
            code(&[action("authenticate-oidc", Some(1))]).as_deref(),
            Some("InvalidLoadBalancerAction")
        );
        assert_eq!(
            code(&[
                action("authenticate-oidc", Some(3)),
                action("forward", Some(2))
            ])
            .as_deref(),
            Some("InvalidLoadBalancerAction")
        );
        assert_eq!(
            code(&[
                action("authenticate-oidc", Some(2)),
                action("forward", Some(2))
            ])
            .as_deref(),
            Some("ValidationError")
        );
        assert_eq!(
            code(&[action("jwt-validation", None), action("forward", Some(2))]).as_deref(),
            Some("ValidationError")
        );
    }

    #[test]
    fn session_defaults() {
        let s = session(None, None, None, None, None).unwrap();
        assert_eq!(
            (
                s.cookie_name.as_str(),
                s.scope.as_str(),
                s.timeout,
                s.on_unauthenticated.as_str()
            ),
            ("AWSELBAuthSessionCookie", "openid", 604_800, "authenticate")
        );
        assert!(session(None, None, Some(0), None, None).is_err());
        assert!(check_url("Issuer", "https://idp.example.com/x").is_ok());
        assert!(check_url("Issuer", "http://idp.example.com").is_err());
    }
}
