//! AddListenerCertificates, RemoveListenerCertificates and
//! DescribeListenerCertificates: an HTTPS or TLS listener's certificate
//! list besides its default one (which ModifyListener replaces).

use super::common::{page, validation, R};
use super::listeners::{check_arn, not_found};
use super::state::Listener;
use crate::model::elbv2 as m;
use crate::services::state::Ctx;
use crate::wire::AwsError;

/// Certificates per Application Load Balancer besides the default ones
/// (the user guide's quota, 25); applied per listener here [U].
const MAX_EXTRA: usize = 25;

fn listener_of(ctx: &Ctx, arn: &str) -> R<Listener> {
    check_arn(arn)?;
    ctx.acct()
        .elbv2
        .listeners
        .get(arn)
        .cloned()
        .ok_or_else(not_found)
}

fn requested(certs: Option<Vec<m::Certificate>>) -> R<Vec<String>> {
    let certs = certs.unwrap_or_default();
    if certs.is_empty() {
        return Err(validation("At least one certificate must be specified"));
    }
    let mut out: Vec<String> = Vec::new();
    for c in certs {
        let Some(arn) = c.certificate_arn.filter(|a| !a.is_empty()) else {
            return Err(validation("A certificate ARN must be specified"));
        };
        if !out.contains(&arn) {
            out.push(arn);
        }
    }
    Ok(out)
}

fn model(arn: &str, default: bool) -> m::Certificate {
    m::Certificate {
        certificate_arn: Some(arn.to_string()),
        is_default: Some(default),
    }
}

pub(super) fn add(
    ctx: &mut Ctx,
    input: m::AddListenerCertificatesInput,
) -> R<m::AddListenerCertificatesOutput> {
    let arn = input.listener_arn.unwrap_or_default();
    let certs = requested(input.certificates)?;
    let l = listener_of(ctx, &arn)?;
    if !matches!(l.protocol.as_deref(), Some("HTTPS" | "TLS")) {
        // [U] wording; AWS refuses certificates on plain listeners.
        return Err(AwsError::new(
            "InvalidConfigurationRequest",
            "Certificates can be added only to HTTPS and TLS listeners",
        ));
    }
    for c in &certs {
        let acm = c.starts_with("arn:aws:acm:") && c.contains(":certificate/");
        let iam = c.starts_with("arn:aws:iam::") && c.contains(":server-certificate/");
        if !acm && !iam {
            return Err(AwsError::new(
                "CertificateNotFound",
                format!("Certificate '{c}' not found"),
            ));
        }
    }
    let mut extra = l.extra_certificates.clone();
    for c in &certs {
        // Adding one already there (or the default) changes nothing [U].
        if !extra.contains(c) && !l.certificates.contains(c) {
            extra.push(c.clone());
        }
    }
    if extra.len() > MAX_EXTRA {
        return Err(AwsError::new(
            "TooManyCertificates",
            "You've reached the limit on the number of certificates per load balancer",
        ));
    }
    if let Some(l) = ctx.acct_mut().elbv2.listeners.get_mut(&arn) {
        l.extra_certificates = extra;
    }
    Ok(m::AddListenerCertificatesOutput {
        certificates: Some(certs.iter().map(|c| model(c, false)).collect()),
    })
}

pub(super) fn remove(
    ctx: &mut Ctx,
    input: m::RemoveListenerCertificatesInput,
) -> R<m::RemoveListenerCertificatesOutput> {
    let arn = input.listener_arn.unwrap_or_default();
    let certs = requested(input.certificates)?;
    let l = listener_of(ctx, &arn)?;
    for c in &certs {
        if l.certificates.contains(c) {
            // AWS: "You can't remove the default certificate for a
            // listener. To replace the default certificate, call
            // ModifyListener." [U] the error code.
            return Err(AwsError::new(
                "OperationNotPermitted",
                "The default certificate of a listener cannot be removed; replace it with ModifyListener",
            ));
        }
    }
    if let Some(l) = ctx.acct_mut().elbv2.listeners.get_mut(&arn) {
        // Removing one that is not there succeeds [U].
        l.extra_certificates.retain(|c| !certs.contains(c));
    }
    Ok(m::RemoveListenerCertificatesOutput {})
}

pub(super) fn describe(
    ctx: &mut Ctx,
    input: m::DescribeListenerCertificatesInput,
) -> R<m::DescribeListenerCertificatesOutput> {
    let arn = input.listener_arn.unwrap_or_default();
    let l = listener_of(ctx, &arn)?;
    // The default first, then in the order added (keyed by position, so
    // the paging Marker keeps that order).
    let all = l
        .certificates
        .iter()
        .map(|c| model(c, true))
        .chain(l.extra_certificates.iter().map(|c| model(c, false)));
    let items: Vec<(String, m::Certificate)> = all
        .enumerate()
        .map(|(i, c)| (format!("{i:06}"), c))
        .collect();
    let (certificates, next_marker) = page(items, input.marker, input.page_size)?;
    Ok(m::DescribeListenerCertificatesOutput {
        certificates: Some(certificates),
        next_marker,
    })
}
