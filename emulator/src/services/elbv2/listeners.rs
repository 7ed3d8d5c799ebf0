//! CreateListener, DescribeListeners, ModifyListener and DeleteListener,
//! with their default actions (checked in `actions`) and AWS's checks of
//! protocols, ports, certificates and target groups.

use super::actions::{action_model, check_actions, check_auth_protocol, compatible};
use super::common::{self, page, tags_from, validation, R};
use super::state::{Action, Listener, LoadBalancer};
use super::{ssl_policies, target_groups, targets};
use crate::model::elbv2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

/// The security policy of an HTTPS or TLS listener created without one
/// through the API. The ALB and NLB guides ("Security policies for your …
/// Load Balancer") say: console, ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09
/// (earlier ELBSecurityPolicy-TLS13-1-2-2021-06); other methods (CLI,
/// CloudFormation, CDK, i.e. the API), ELBSecurityPolicy-2016-08.
pub const DEFAULT_SSL_POLICY: &str = "ELBSecurityPolicy-2016-08";

pub(super) fn not_found() -> AwsError {
    AwsError::new("ListenerNotFound", "One or more listeners not found")
}

/// `…:listener/{app,net,gwy}/<lb name>/<lb hex>/<16 hex>`
pub(super) fn is_arn(arn: &str) -> bool {
    common::resource_of(arn)
        .and_then(|r| r.strip_prefix("listener/"))
        .map(|p| p.split('/').collect::<Vec<_>>())
        .is_some_and(|p| {
            p.len() == 4 && matches!(p[0], "app" | "net" | "gwy") && p.iter().all(|s| !s.is_empty())
        })
}

pub(super) fn check_arn(arn: &str) -> R<()> {
    if is_arn(arn) {
        Ok(())
    } else {
        Err(validation(format!("'{arn}' is not a valid listener ARN")))
    }
}

fn lb_not_found() -> AwsError {
    AwsError::new(
        "LoadBalancerNotFound",
        "One or more load balancers not found",
    )
}

fn unsupported(protocol: &str, lb: &LoadBalancer) -> AwsError {
    AwsError::new(
        "UnsupportedProtocol",
        format!(
            "The protocol '{protocol}' is not supported for load balancers of type '{}'",
            lb.lb_type
        ),
    )
}

/// The listener's protocol and port as AWS settles them for this type of
/// load balancer.
fn check_protocol_port(
    lb: &LoadBalancer,
    protocol: Option<&String>,
    port: Option<i32>,
) -> R<(Option<String>, Option<i32>)> {
    if lb.lb_type == "gateway" {
        if let Some(p) = protocol {
            return Err(unsupported(p, lb));
        }
        if port.is_some() {
            return Err(validation(
                "A port cannot be specified for listeners of Gateway Load Balancers",
            ));
        }
        return Ok((None, None));
    }
    let allowed: &[&str] = if lb.lb_type == "network" {
        &["TCP", "TLS", "UDP", "TCP_UDP", "QUIC", "TCP_QUIC"]
    } else {
        &["HTTP", "HTTPS"]
    };
    let Some(p) = protocol else {
        return Err(validation("A listener protocol must be specified"));
    };
    if !allowed.contains(&p.as_str()) {
        return Err(unsupported(p, lb));
    }
    let Some(port) = port else {
        return Err(validation("A listener port must be specified"));
    };
    if !(1..=65535).contains(&port) {
        return Err(validation(format!(
            "1 validation error detected: Value '{port}' at 'port' failed to satisfy constraint: Member must have value between 1 and 65535"
        )));
    }
    Ok((Some(p.clone()), Some(port)))
}

/// Certificates and security policy, as the protocol wants them.
fn check_tls(
    protocol: Option<&str>,
    certificates: &[String],
    ssl_policy: Option<&String>,
    alpn: &[String],
) -> R<(Vec<String>, Option<String>, Vec<String>)> {
    let secure = matches!(protocol, Some("HTTPS" | "TLS"));
    if !secure {
        if !certificates.is_empty() {
            return Err(validation(
                "Certificates can be specified only for HTTPS and TLS listeners",
            ));
        }
        if ssl_policy.is_some() {
            return Err(validation(
                "An SSL policy can be specified only for HTTPS and TLS listeners",
            ));
        }
        if !alpn.is_empty() {
            return Err(validation(
                "An ALPN policy can be specified only for TLS listeners",
            ));
        }
        return Ok((Vec::new(), None, Vec::new()));
    }
    if certificates.is_empty() {
        return Err(validation(format!(
            "A certificate must be specified for {} listeners",
            protocol.unwrap_or("")
        )));
    }
    if certificates.len() > 1 {
        return Err(AwsError::new(
            "TooManyCertificates",
            "Only one certificate, the default one, can be specified here; add others with AddListenerCertificates",
        ));
    }
    for c in certificates {
        let acm = c.starts_with("arn:aws:acm:") && c.contains(":certificate/");
        let iam = c.starts_with("arn:aws:iam::") && c.contains(":server-certificate/");
        if !acm && !iam {
            return Err(AwsError::new(
                "CertificateNotFound",
                format!("Certificate '{c}' not found"),
            ));
        }
    }
    let policy = ssl_policy
        .cloned()
        .unwrap_or_else(|| DEFAULT_SSL_POLICY.into());
    // Only the predefined policies of data/ssl-policies.tsv exist.
    if !ssl_policies::exists(&policy) {
        return Err(ssl_policies::not_found(&policy));
    }
    const ALPN: &[&str] = &[
        "HTTP1Only",
        "HTTP2Only",
        "HTTP2Optional",
        "HTTP2Preferred",
        "None",
    ];
    if !alpn.is_empty() {
        if protocol != Some("TLS") {
            return Err(validation(
                "An ALPN policy can be specified only for TLS listeners",
            ));
        }
        if alpn.len() > 1 || !ALPN.contains(&alpn[0].as_str()) {
            return Err(AwsError::new(
                "ALPNPolicyNotFound",
                format!("ALPN policy '{}' not found", alpn.join(",")),
            ));
        }
    }
    Ok((certificates.to_vec(), Some(policy), alpn.to_vec()))
}

pub(super) fn to_model(l: &Listener) -> m::Listener {
    m::Listener {
        listener_arn: Some(l.arn.clone()),
        load_balancer_arn: Some(l.load_balancer_arn.clone()),
        port: l.port,
        protocol: l.protocol.clone(),
        certificates: (!l.certificates.is_empty()).then(|| {
            l.certificates
                .iter()
                .map(|c| m::Certificate {
                    certificate_arn: Some(c.clone()),
                    is_default: None,
                })
                .collect()
        }),
        ssl_policy: l.ssl_policy.clone(),
        default_actions: Some(l.default_actions.iter().map(action_model).collect()),
        alpn_policy: (!l.alpn_policy.is_empty()).then(|| l.alpn_policy.clone()),
        mutual_authentication: None,
    }
}

pub(super) fn target_groups_of(actions: &[Action]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in actions {
        for t in a.target_groups() {
            if !out.contains(t) {
                out.push(t.clone());
            }
        }
    }
    out
}

fn check_port_free(ctx: &Ctx, lb: &str, port: Option<i32>, except: Option<&str>) -> R<()> {
    let taken = ctx
        .acct()
        .elbv2
        .listeners
        .values()
        .any(|l| l.load_balancer_arn == lb && l.port == port && Some(l.arn.as_str()) != except);
    if taken {
        return Err(AwsError::new(
            "DuplicateListener",
            "A listener already exists on this port for this load balancer",
        ));
    }
    Ok(())
}

pub(super) fn create(ctx: &mut Ctx, input: m::CreateListenerInput) -> R<m::CreateListenerOutput> {
    let lb_arn = input.load_balancer_arn.clone().unwrap_or_default();
    common::check_lb_arn(&lb_arn)?;
    let Some(lb) = ctx.acct().elbv2.load_balancers.get(&lb_arn).cloned() else {
        return Err(lb_not_found());
    };
    let (protocol, port) = check_protocol_port(&lb, input.protocol.as_ref(), input.port)?;
    let certs: Vec<String> = input
        .certificates
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|c| c.certificate_arn)
        .collect();
    let (certificates, ssl_policy, alpn) = check_tls(
        protocol.as_deref(),
        &certs,
        input.ssl_policy.as_ref(),
        &input.alpn_policy.clone().unwrap_or_default(),
    )?;
    let actions = check_actions(
        ctx,
        &lb,
        protocol.as_deref(),
        "defaultActions",
        &input.default_actions.clone().unwrap_or_default(),
        &[],
    )?;
    let tags = tags_from(input.tags.clone())?;
    // The same port twice: the same settings give the existing listener
    // back [U: as CreateLoadBalancer does].
    if let Some(existing) = ctx
        .acct()
        .elbv2
        .listeners
        .values()
        .find(|l| l.load_balancer_arn == lb_arn && l.port == port)
    {
        if existing.protocol == protocol
            && existing.default_actions == actions
            && existing.certificates == certificates
            && existing.ssl_policy == ssl_policy
        {
            return Ok(m::CreateListenerOutput {
                listeners: Some(vec![to_model(existing)]),
            });
        }
    }
    // A Gateway Load Balancer has one listener [U: which error AWS gives].
    if lb.lb_type == "gateway"
        && ctx
            .acct()
            .elbv2
            .listeners
            .values()
            .any(|l| l.load_balancer_arn == lb_arn)
    {
        return Err(AwsError::new(
            "TooManyListeners",
            "A Gateway Load Balancer can have only one listener",
        ));
    }
    check_port_free(ctx, &lb_arn, port, None)?;
    if ctx
        .acct()
        .elbv2
        .listeners
        .values()
        .filter(|l| l.load_balancer_arn == lb_arn)
        .count()
        >= 50
    {
        return Err(AwsError::new(
            "TooManyListeners",
            "You have reached the limit on the number of listeners per load balancer",
        ));
    }
    // `…:loadbalancer/net/<name>/<hex>` → `…:listener/net/<name>/<hex>/<hex>`.
    let hex = ctx
        .world
        .ids
        .take_pin("elbv2-listener-arn")
        .unwrap_or_else(|| ctx.world.ids.hex(16));
    let arn = format!(
        "{}/{hex}",
        lb_arn.replacen(":loadbalancer/", ":listener/", 1)
    );
    let listener = Listener {
        arn: arn.clone(),
        load_balancer_arn: lb_arn,
        protocol,
        port,
        ssl_policy,
        certificates,
        extra_certificates: Vec::new(),
        alpn_policy: alpn,
        default_actions: actions,
        tags,
    };
    let out = to_model(&listener);
    let groups = target_groups_of(&listener.default_actions);
    ctx.acct_mut().elbv2.listeners.insert(arn, listener);
    for g in groups {
        targets::sync(ctx, &g);
    }
    Ok(m::CreateListenerOutput {
        listeners: Some(vec![out]),
    })
}

pub(super) fn describe(
    ctx: &mut Ctx,
    input: m::DescribeListenersInput,
) -> R<m::DescribeListenersOutput> {
    let arns = input.listener_arns.unwrap_or_default();
    let lb = input.load_balancer_arn.filter(|s| !s.is_empty());
    match (&lb, arns.is_empty()) {
        (None, true) => {
            return Err(validation(
                "You must specify either listener ARNs or a load balancer ARN",
            ))
        }
        (Some(_), false) => {
            return Err(validation(
                "Listener ARNs and a load balancer ARN cannot be specified at the same time",
            ))
        }
        _ => {}
    }
    let st = &ctx.acct().elbv2;
    if let Some(lb) = &lb {
        common::check_lb_arn(lb)?;
        if !st.load_balancers.contains_key(lb) {
            return Err(lb_not_found());
        }
    }
    for a in &arns {
        check_arn(a)?;
        if !st.listeners.contains_key(a) {
            return Err(not_found());
        }
    }
    let items: Vec<(String, m::Listener)> = st
        .listeners
        .values()
        .filter(|l| {
            (arns.is_empty() || arns.contains(&l.arn))
                && lb.as_ref().is_none_or(|lb| l.load_balancer_arn == *lb)
        })
        .map(|l| (l.arn.clone(), to_model(l)))
        .collect();
    let (items, next) = page(items, input.marker, input.page_size)?;
    Ok(m::DescribeListenersOutput {
        listeners: Some(items),
        next_marker: next,
    })
}

pub(super) fn modify(ctx: &mut Ctx, input: m::ModifyListenerInput) -> R<m::ModifyListenerOutput> {
    let arn = input.listener_arn.clone().unwrap_or_default();
    check_arn(&arn)?;
    let Some(old) = ctx.acct().elbv2.listeners.get(&arn).cloned() else {
        return Err(not_found());
    };
    let Some(lb) = ctx
        .acct()
        .elbv2
        .load_balancers
        .get(&old.load_balancer_arn)
        .cloned()
    else {
        return Err(lb_not_found());
    };
    let protocol_in = input.protocol.clone().or(old.protocol.clone());
    let port_in = input.port.or(old.port);
    let (protocol, port) = if lb.lb_type == "gateway" {
        check_protocol_port(&lb, input.protocol.as_ref(), input.port)?
    } else {
        check_protocol_port(&lb, protocol_in.as_ref(), port_in)?
    };
    let was_secure = matches!(old.protocol.as_deref(), Some("HTTPS" | "TLS"));
    let secure = matches!(protocol.as_deref(), Some("HTTPS" | "TLS"));
    // Leaving HTTPS/TLS drops the certificates and policy; staying keeps
    // them unless given anew.
    let certs: Vec<String> = match &input.certificates {
        Some(c) => c.iter().filter_map(|c| c.certificate_arn.clone()).collect(),
        None if secure && was_secure => old.certificates.clone(),
        None => Vec::new(),
    };
    let ssl = input.ssl_policy.clone().or_else(|| {
        (secure && was_secure)
            .then(|| old.ssl_policy.clone())
            .flatten()
    });
    let alpn = input.alpn_policy.clone().unwrap_or_else(|| {
        if secure && was_secure {
            old.alpn_policy.clone()
        } else {
            Vec::new()
        }
    });
    let (certificates, ssl_policy, alpn) =
        check_tls(protocol.as_deref(), &certs, ssl.as_ref(), &alpn)?;
    let actions = match &input.default_actions {
        Some(a) => check_actions(
            ctx,
            &lb,
            protocol.as_deref(),
            "defaultActions",
            a,
            &old.default_actions,
        )?,
        None => {
            check_auth_protocol(
                protocol.as_deref(),
                old.default_actions.iter().map(|a| a.action_type.as_str()),
            )?;
            // The kept actions must still suit the new protocol.
            for a in &old.default_actions {
                for g in a.target_groups() {
                    let tg = target_groups::get(ctx, g)?;
                    if !compatible(protocol.as_deref(), &tg.target_type, tg.protocol.as_deref()) {
                        return Err(AwsError::new(
                            "IncompatibleProtocols",
                            format!(
                                "The listener protocol '{}' is not compatible with the protocol of target group '{g}'",
                                protocol.as_deref().unwrap_or("GENEVE")
                            ),
                        ));
                    }
                }
            }
            old.default_actions.clone()
        }
    };
    // The rules' authentication actions must suit the new protocol too.
    check_auth_protocol(
        protocol.as_deref(),
        ctx.acct()
            .elbv2
            .rules
            .values()
            .filter(|r| r.listener_arn == arn)
            .flat_map(|r| r.actions.iter().map(|a| a.action_type.as_str())),
    )?;
    check_port_free(ctx, &lb.arn, port, Some(&arn))?;
    let mut groups = target_groups_of(&old.default_actions);
    for g in target_groups_of(&actions) {
        if !groups.contains(&g) {
            groups.push(g);
        }
    }
    let Some(l) = ctx.acct_mut().elbv2.listeners.get_mut(&arn) else {
        return Err(not_found());
    };
    l.protocol = protocol;
    l.port = port;
    if certificates.is_empty() {
        // Leaving HTTPS/TLS drops the added certificates too.
        l.extra_certificates.clear();
    }
    l.certificates = certificates;
    l.ssl_policy = ssl_policy;
    l.alpn_policy = alpn;
    l.default_actions = actions;
    let out = to_model(l);
    for g in groups {
        targets::sync(ctx, &g);
    }
    Ok(m::ModifyListenerOutput {
        listeners: Some(vec![out]),
    })
}

pub(super) fn delete(ctx: &mut Ctx, input: m::DeleteListenerInput) -> R<m::DeleteListenerOutput> {
    let arn = input.listener_arn.unwrap_or_default();
    check_arn(&arn)?;
    if !ctx.acct().elbv2.listeners.contains_key(&arn) {
        return Err(not_found());
    }
    remove(ctx, &arn);
    Ok(m::DeleteListenerOutput {})
}

/// A listener goes with its rules.
fn remove(ctx: &mut Ctx, arn: &str) {
    let st = &mut ctx.acct_mut().elbv2;
    let mut groups: Vec<String> = Vec::new();
    st.rules.retain(|_, r| {
        let mine = r.listener_arn == arn;
        if mine {
            groups.extend(target_groups_of(&r.actions));
        }
        !mine
    });
    if let Some(l) = st.listeners.remove(arn) {
        groups.extend(target_groups_of(&l.default_actions));
    }
    for g in groups {
        targets::sync(ctx, &g);
    }
}

/// A load balancer's listeners go with it.
pub(super) fn remove_of(ctx: &mut Ctx, lb_arn: &str) {
    let arns: Vec<String> = ctx
        .acct()
        .elbv2
        .listeners
        .values()
        .filter(|l| l.load_balancer_arn == lb_arn)
        .map(|l| l.arn.clone())
        .collect();
    for a in arns {
        remove(ctx, &a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_and_protocols() {
        assert!(is_arn("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/net/nlb/e94221227f1ba532/0123456789abcdef"));
        assert!(!is_arn(
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/net/nlb/e94221227f1ba532"
        ));
        assert!(compatible(Some("TCP"), "instance", Some("TCP")));
        assert!(compatible(Some("TLS"), "ip", Some("TCP")));
        assert!(!compatible(Some("TCP"), "ip", Some("UDP")));
        assert!(compatible(Some("TCP"), "alb", Some("TCP")));
        assert!(compatible(Some("HTTP"), "lambda", None));
        assert!(compatible(None, "instance", Some("GENEVE")));
        assert!(!compatible(Some("HTTP"), "instance", Some("TCP")));
    }
}
