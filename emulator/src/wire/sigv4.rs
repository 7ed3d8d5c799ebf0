//! `--strict-sigv4`: recompute a request's SigV4 signature with the secret
//! configured for its access key (through the `aws-sigv4` crate, so the
//! canonicalisation is AWS's own) and compare.

use std::collections::HashMap;
use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use chrono::NaiveDateTime;
use hyper::HeaderMap;

use super::identity::from_authorization;

/// Why a request's signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    /// Unsigned, or signed in a way strict mode does not accept.
    Missing(String),
    /// The access key is not one of the configured credentials.
    UnknownKey(String),
    /// The signature does not match the one the secret gives.
    Mismatch(String),
    /// Signed more than 15 minutes before or after now (AWS's rule);
    /// the message says which way, in AWS's words.
    Expired(String),
}

/// AWS's words for a signature that does not match.
const MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.";

/// How far a request's `X-Amz-Date` may be from now.
const SKEW_SECONDS: i64 = 15 * 60;

/// AWS's "Signature expired" / "Signature not yet current" message, or
/// nothing when `signed` is within 15 minutes of `now`.
fn skew(signed: NaiveDateTime, now: NaiveDateTime) -> Option<String> {
    let f = |t: NaiveDateTime| t.format("%Y%m%dT%H%M%SZ").to_string();
    let window = chrono::Duration::seconds(SKEW_SECONDS);
    if signed < now - window {
        Some(format!(
            "Signature expired: {} is now earlier than {} ({} - 15 min.)",
            f(signed),
            f(now - window),
            f(now)
        ))
    } else if signed > now + window {
        Some(format!(
            "Signature not yet current: {} is still later than {} ({} + 15 min.)",
            f(signed),
            f(now + window),
            f(now)
        ))
    } else {
        None
    }
}

/// Checks a header-signed request. `secrets` maps access key → secret key.
pub fn verify(
    secrets: &HashMap<String, String>,
    method: &str,
    path_and_query: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), AuthError> {
    let header = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| AuthError::Missing("Request is missing Authentication Token".into()))?;
    let cred = from_authorization(header)
        .ok_or_else(|| AuthError::Missing("Authorization header is not AWS4-HMAC-SHA256".into()))?;
    let field = |name: &str| {
        header
            .split(',')
            .map(str::trim)
            .find_map(|kv| {
                kv.strip_prefix("AWS4-HMAC-SHA256 ")
                    .unwrap_or(kv)
                    .strip_prefix(name)
            })
            .map(str::to_string)
    };
    let signed_headers = field("SignedHeaders=").unwrap_or_default();
    let given = field("Signature=").unwrap_or_default();
    let secret = secrets.get(&cred.access_key).ok_or_else(|| {
        AuthError::UnknownKey(format!(
            "The security token included in the request is invalid (unknown access key {}).",
            cred.access_key
        ))
    })?;
    let date = headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .and_then(|d| NaiveDateTime::parse_from_str(d, "%Y%m%dT%H%M%SZ").ok())
        .ok_or_else(|| AuthError::Missing("X-Amz-Date is missing or malformed".into()))?;
    // Real time, not the world clock: the client signs with its own.
    if let Some(message) = skew(date, chrono::Utc::now().naive_utc()) {
        return Err(AuthError::Expired(message));
    }
    let time: SystemTime = date.and_utc().into();

    let wanted: Vec<&str> = signed_headers.split(';').collect();
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for (name, value) in headers {
        if wanted.contains(&name.as_str()) {
            if let Ok(v) = value.to_str() {
                pairs.push((name.as_str(), v));
            }
        }
    }
    // A request target other than an absolute path (`*`): nothing an SDK
    // signs, and aws-sigv4 panics on it.
    if !path_and_query.starts_with('/') {
        return Err(AuthError::Mismatch(MISMATCH.into()));
    }
    // SigV4 signs the host (aws-sigv4 would otherwise take it from the URI,
    // which a server's request line does not carry, and panic).
    if !pairs.iter().any(|(name, _)| *name == "host") {
        return Err(AuthError::Mismatch(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".into(),
        ));
    }
    let token = headers
        .get("x-amz-security-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let identity = Credentials::new(&cred.access_key, secret, token, None, "awsemu").into();
    let mut settings = SigningSettings::default();
    settings.excluded_headers = None;
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&cred.region)
        .name(&cred.service)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| AuthError::Missing(e.to_string()))?
        .into();
    let request = SignableRequest::new(
        method,
        path_and_query,
        pairs.into_iter(),
        SignableBody::Bytes(body),
    )
    .map_err(|e| AuthError::Missing(e.to_string()))?;
    let expected = sign(request, &params)
        .map_err(|e| AuthError::Missing(e.to_string()))?
        .signature()
        .to_string();
    if expected == given {
        Ok(())
    } else {
        Err(AuthError::Mismatch(MISMATCH.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Headers of a request signed now for `signed` headers (a wrong
    /// signature: these requests must be refused before it is compared).
    fn signed_now(signed: &str) -> (HashMap<String, String>, HeaderMap) {
        let now = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
        let mut headers = HeaderMap::new();
        headers.insert("host", "localhost".parse().unwrap());
        headers.insert("x-amz-date", now.parse().unwrap());
        headers.insert(
            "authorization",
            format!("AWS4-HMAC-SHA256 Credential=AKID/{}/us-east-1/ec2/aws4_request, SignedHeaders={signed}, Signature=00", &now[..8])
                .parse()
                .unwrap(),
        );
        let secrets = HashMap::from([("AKID".to_string(), "secret".to_string())]);
        (secrets, headers)
    }

    #[test]
    fn a_signature_without_the_host_is_refused_not_a_panic() {
        // fuzz/regressions/sigv4/host-not-signed: a Host header the
        // Authorization does not sign.
        let (secrets, headers) = signed_now("content-type;x-amz-date");
        assert_eq!(
            verify(&secrets, "POST", "/", &headers, b""),
            Err(AuthError::Mismatch(
                "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".into()
            ))
        );
    }

    #[test]
    fn a_request_target_that_is_no_path_is_refused_not_a_panic() {
        let (secrets, headers) = signed_now("host;x-amz-date");
        for target in ["*", "-an=DescribeVpcs", ""] {
            assert_eq!(
                verify(&secrets, "POST", target, &headers, b""),
                Err(AuthError::Mismatch(MISMATCH.into()))
            );
        }
    }

    #[test]
    fn fifteen_minutes_either_way() {
        let t = |s: &str| NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%SZ").unwrap();
        let now = t("20261204T120000Z");
        assert_eq!(skew(t("20261204T114500Z"), now), None);
        assert_eq!(skew(t("20261204T121500Z"), now), None);
        assert_eq!(
            skew(t("20261204T114459Z"), now).unwrap(),
            "Signature expired: 20261204T114459Z is now earlier than 20261204T114500Z (20261204T120000Z - 15 min.)"
        );
        assert_eq!(
            skew(t("20261204T121501Z"), now).unwrap(),
            "Signature not yet current: 20261204T121501Z is still later than 20261204T121500Z (20261204T120000Z + 15 min.)"
        );
    }
}
