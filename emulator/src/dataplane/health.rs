//! Real health checks of bound targets, by their target group's settings:
//! `TCP` connects; `HTTP` asks for the path and matches the status code
//! with the matcher (`200`, `200-399`, `200,202`); `HTTPS` does the same
//! over TLS, without validating the target's certificate (as AWS's checks
//! do not). The interval and
//! timeout are the group's, scaled down like the emulator's other waits
//! (`--pace`); the first verdict is recorded at once (registration), later
//! ones after the healthy or unhealthy threshold of checks in a row.
//! Verdicts reach DescribeTargetHealth through `elbv2::record_probe`.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::desired::Check;
use crate::services::elbv2::{record_probe, Probe};
use crate::services::World;
use crate::world::clock::Pace;
use crate::world::Identity;

/// (interval, timeout) of the checks under the pace.
pub fn timing(pace: Pace, interval_s: i32, timeout_s: i32) -> (Duration, Duration) {
    let ms = |s: i32| u64::try_from(s.max(1)).unwrap_or(1) * 1000;
    match pace {
        // Quick, so that a test sees a verdict within a second.
        Pace::Immediate => (
            Duration::from_millis(200),
            Duration::from_millis(ms(timeout_s).min(1000)),
        ),
        // A tenth of AWS's interval, as the emulator scales its other waits.
        Pace::Realistic | Pace::Manual => (
            Duration::from_millis((ms(interval_s) / 10).max(500)),
            Duration::from_millis((ms(timeout_s) / 5).clamp(200, 10_000)),
        ),
    }
}

/// Whether `code` satisfies a matcher such as `200`, `200-399` or `200,202`.
pub fn code_matches(matcher: &str, code: u16) -> bool {
    matcher.split(',').map(str::trim).any(|m| match m.split_once('-') {
        Some((lo, hi)) => {
            matches!((lo.trim().parse::<u16>(), hi.trim().parse::<u16>()), (Ok(lo), Ok(hi)) if (lo..=hi).contains(&code))
        }
        None => m.parse::<u16>() == Ok(code),
    })
}

fn failed(reason: &str, description: String) -> Probe {
    Probe {
        healthy: false,
        reason: Some(reason.into()),
        description: Some(description),
    }
}

/// A certificate is not checked, only that the server holds its key.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The TLS client of HTTPS checks (None if the TLS library refused its
/// configuration, and then every HTTPS check fails).
fn tls() -> Option<&'static TlsConnector> {
    static CONNECTOR: OnceLock<Option<TlsConnector>> = OnceLock::new();
    CONNECTOR
        .get_or_init(|| {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = ClientConfig::builder_with_provider(provider.clone())
                .with_safe_default_protocol_versions()
                .ok()?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
                .with_no_client_auth();
            Some(TlsConnector::from(Arc::new(config)))
        })
        .as_ref()
}

/// One health check.
pub async fn probe(check: &Check, timeout: Duration) -> Probe {
    let timed_out = || failed("Target.Timeout", "Request timed out".into());
    let protocol = check.health.protocol.as_deref().unwrap_or("TCP");
    let attempt = async {
        let Ok(s) = TcpStream::connect(check.addr).await else {
            return check_failed();
        };
        match protocol {
            "HTTP" => ask(s, check).await,
            "HTTPS" => {
                let Some(tls) = tls() else {
                    return check_failed();
                };
                let name = ServerName::IpAddress(check.addr.ip().into());
                match tls.connect(name, s).await {
                    Ok(s) => ask(s, check).await,
                    Err(_) => check_failed(),
                }
            }
            // TCP: connected.
            _ => healthy(),
        }
    };
    tokio::time::timeout(timeout, attempt)
        .await
        .unwrap_or_else(|_| timed_out())
}

fn healthy() -> Probe {
    Probe {
        healthy: true,
        reason: None,
        description: None,
    }
}

fn check_failed() -> Probe {
    failed("Target.FailedHealthChecks", "Health checks failed".into())
}

/// GET of the check's path on `s`; the status code against the matcher.
async fn ask(mut s: impl AsyncRead + AsyncWrite + Unpin, check: &Check) -> Probe {
    let path = check.health.path.as_deref().unwrap_or("/");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: ELB-HealthChecker/2.0\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        check.addr
    );
    if s.write_all(request.as_bytes()).await.is_err() {
        return check_failed();
    }
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(2).any(|w| w == b"\r\n") && head.len() < 8192 {
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let line = String::from_utf8_lossy(&head);
    let code = line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse::<u16>().ok());
    let matcher = check.health.http_code.as_deref().unwrap_or("200-399");
    match code {
        Some(c) if code_matches(matcher, c) => healthy(),
        Some(c) => failed(
            "Target.ResponseCodeMismatch",
            format!("Health checks failed with these codes: [{c}]"),
        ),
        None => check_failed(),
    }
}

/// Checks one bound target until aborted.
pub async fn run(world: Arc<World>, check: Check) {
    let (interval, timeout) = timing(
        world.clock.pace(),
        check.health.interval,
        check.health.timeout,
    );
    let who = Identity::root(&check.account, &check.region);
    let mut recorded: Option<bool> = None;
    let mut streak = 0;
    let mut last: Option<bool> = None;
    loop {
        let result = probe(&check, timeout).await;
        let ok = result.healthy;
        streak = if last == Some(ok) { streak + 1 } else { 1 };
        last = Some(ok);
        let needed = if ok {
            check.health.healthy
        } else {
            check.health.unhealthy
        };
        // The first verdict at once; a change after the threshold; an
        // unhealthy target's reason kept up to date.
        if recorded.is_none() || streak >= needed || (recorded == Some(false) && !ok) {
            if recorded != Some(ok) {
                tracing::info!(target_group = check.target_group, id = check.id, local = %check.addr, healthy = ok, "health check verdict");
            }
            recorded = Some(ok);
            let mut ctx = world.read_context(&who, "dataplane");
            record_probe(&mut ctx, &check.target_group, &check.id, check.port, result);
        }
        tokio::time::sleep(interval).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matchers() {
        assert!(code_matches("200", 200));
        assert!(!code_matches("200", 201));
        assert!(code_matches("200-399", 302));
        assert!(!code_matches("200-399", 500));
        assert!(code_matches("200,202", 202));
        assert!(!code_matches("200,202", 201));
    }
}
