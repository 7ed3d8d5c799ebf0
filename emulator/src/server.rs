//! The HTTP front: one port for every service. Decides the protocol and
//! operation from the request itself, runs the handler against the world, and
//! answers in the protocol's envelope. Also serves the control API under
//! `/_awsemu/`.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use dashmap::DashMap;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::control;
use crate::model;
use crate::services::World;
use crate::services::{ec2::Ec2, ecs::Ecs, elbv2::Elbv2, sts::Sts};
use crate::wire::sigv4::{self, AuthError};
use crate::wire::{envelope, identity, QueryInput};
use crate::wire::{json_wire_error, query_wire_error, validation_wire_error, AwsError};
use crate::world::faults::{Call, Hit};
use crate::world::Identity;

/// Requests larger than this are refused before they are parsed.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// A request's start line and headers, at most (else 431, and the connection closes).
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// Headers in one request, at most (else 431).
pub const MAX_HEADERS: usize = 100;

/// What one client may take of the server.
#[derive(Debug, Clone)]
pub struct Limits {
    /// To send a request's headers, and between requests on a kept-alive
    /// connection: a client that trickles them, or sits idle, is closed.
    pub header_timeout: Duration,
    /// To send a request's body once its headers are in (else `RequestTimeout`).
    pub body_timeout: Duration,
    /// Connections served at once; more wait in the listen queue.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(30),
            max_connections: 1024,
        }
    }
}

const ECS_TARGET_PREFIX: &str = "AmazonEC2ContainerServiceV20141113.";

pub struct App {
    pub world: Arc<World>,
    /// With `--strict-sigv4`: access key → secret; every request must be signed by one.
    pub credentials: Option<HashMap<String, String>>,
    pub limits: Limits,
    /// Answers of reads, given again while the world is unchanged.
    memo: Memo,
    /// Real traffic through interface endpoints (started by `serve`).
    pub dataplane: Arc<crate::dataplane::Dataplane>,
}

impl App {
    pub fn new(world: Arc<World>, credentials: Option<HashMap<String, String>>) -> App {
        App {
            dataplane: crate::dataplane::Dataplane::new(
                world.clone(),
                std::net::Ipv4Addr::LOCALHOST.into(),
            ),
            world,
            credentials,
            limits: Limits::default(),
            memo: Memo::default(),
        }
    }
}

/// The answers of reads (Describe, List, Get) that read no clock, kept with
/// the world generation they were computed at: the same caller asking the
/// same thing of the same world gets the same bytes (its own request id
/// spliced in) without taking the Region's lock. Any change anywhere moves
/// the generation on, so nothing kept is ever served stale.
#[derive(Default)]
struct Memo {
    entries: DashMap<MemoKey, Arc<Remembered>, Hasher>,
    bytes: AtomicUsize,
    /// Hashes of the reads asked once, with the generation: an answer is
    /// kept when its read comes a second time (a poll), so reads that never
    /// repeat cost a hash, not a copy.
    seen: DashMap<u64, u64, Hasher>,
}

/// Keys are hashed on every request: a fast hash, seeded per process.
type Hasher = foldhash::fast::RandomState;

#[derive(PartialEq, Eq, Hash)]
struct MemoKey {
    /// The caller (its access key, account, Region and principal).
    identity: Identity,
    /// The service the request is signed for (it picks the protocol of a
    /// query without `Version`).
    signed_service: Option<String>,
    target: Option<String>,
    query: Option<String>,
    body: Bytes,
}

struct Remembered {
    generation: u64,
    protocol: Protocol,
    operation: String,
    body: Bytes,
    /// Where the request id sits in the body (XML protocols).
    request_id_at: Option<usize>,
}

impl Memo {
    /// Kept answers stay below this many bytes in all; past it, all go.
    const BUDGET: usize = 16 << 20;
    /// Reads remembered as asked once, at most (a poll repeats well within
    /// this many other reads).
    const SEEN: usize = 1 << 14;

    fn get(&self, key: &MemoKey, generation: u64) -> Option<Arc<Remembered>> {
        let hit = self.entries.get(key)?;
        (hit.generation == generation).then(|| hit.clone())
    }

    /// Keeps the answer if its read came before at this generation; says
    /// what it did (for the request log).
    fn put(&self, key: MemoKey, answer: Remembered) -> &'static str {
        let hash = self.entries.hasher().hash_one(&key);
        if self.seen.insert(hash, answer.generation) != Some(answer.generation) {
            if self.seen.len() > Self::SEEN {
                self.seen.clear();
                // Its room goes too: a burst of new reads leaves no table
                // behind it.
                self.seen.shrink_to_fit();
            }
            return "first asked";
        }
        let size = answer.body.len() + key.body.len();
        if size > Self::BUDGET / 8 {
            return "too large to keep";
        }
        if self.bytes.fetch_add(size, Ordering::AcqRel) + size > Self::BUDGET {
            self.entries.clear();
            self.bytes.store(size, Ordering::Release);
        }
        self.entries.insert(key, Arc::new(answer));
        "kept"
    }
}

impl Remembered {
    /// The kept body with this request's id in place of the first one.
    fn body_for(&self, request_id: &str) -> Bytes {
        match self.request_id_at {
            Some(at) if request_id.len() == REQUEST_ID_LEN => {
                let mut out = Vec::with_capacity(self.body.len());
                out.extend_from_slice(&self.body[..at]);
                out.extend_from_slice(request_id.as_bytes());
                out.extend_from_slice(&self.body[at + REQUEST_ID_LEN..]);
                Bytes::from(out)
            }
            _ => self.body.clone(),
        }
    }
}

/// A request id is a UUID in its 36-character text form.
const REQUEST_ID_LEN: usize = 36;

/// Operations that only read (AWS's naming holds for every operation awsemu serves).
fn reads_only(operation: &str) -> bool {
    ["Describe", "List", "Get"]
        .iter()
        .any(|p| operation.starts_with(p))
}

type HttpResponse = Response<Full<Bytes>>;

/// Accepts connections until `shutdown` resolves, then lets open requests
/// finish (up to a few seconds).
pub async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let ticker = tokio::spawn(tick(app.world.clone()));
    let dataplane = app.dataplane.start();
    let delivery = app
        .world
        .notifier
        .take_queue()
        .map(|q| tokio::spawn(crate::world::notify::deliver(q)));
    tokio::pin!(shutdown);
    let slots = Arc::new(Semaphore::new(app.limits.max_connections.max(1)));
    let mut http = http1::Builder::new();
    http.keep_alive(true)
        .timer(TokioTimer::new())
        .header_read_timeout(app.limits.header_timeout)
        .max_header_size(MAX_HEADER_BYTES)
        .max_headers(MAX_HEADERS);
    loop {
        // A free slot first: past the limit, connections wait in the listen queue.
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(s) => s,
                Err(_) => break,
            },
            _ = &mut shutdown => break,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let conn = http.serve_connection(
            TokioIo::new(stream),
            service_fn(move |req| handle(app.clone(), peer, req)),
        );
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection closed with an error");
            }
            drop(slot);
        });
    }
    ticker.abort();
    dataplane.abort();
    app.dataplane.stop();
    if let Some(d) = delivery {
        d.abort();
    }
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(Duration::from_secs(5)) => {
            tracing::warn!("connections still open after 5 s; closing");
        }
    }
}

/// Applies due transitions even when no request arrives, so events (and the
/// notifications that follow them) happen on time.
async fn tick(world: Arc<World>) {
    let mut every = tokio::time::interval(Duration::from_millis(100));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        every.tick().await;
        world.run_due_everywhere();
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Protocol {
    Ec2,
    /// The query protocol, for one of the services that speak it.
    Query(QueryService),
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum QueryService {
    Elbv2,
    Sts,
}

impl QueryService {
    fn namespace(self) -> &'static str {
        match self {
            QueryService::Elbv2 => model::elbv2::XML_NAMESPACE,
            QueryService::Sts => model::sts::XML_NAMESPACE,
        }
    }

    /// How the service names itself in errors, and in the request log.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            QueryService::Elbv2 => ("ElasticLoadBalancing", "elbv2"),
            QueryService::Sts => ("AWSSecurityTokenService", "sts"),
        }
    }
}

impl Protocol {
    fn content_type(self) -> &'static str {
        match self {
            Protocol::Ec2 => "text/xml;charset=UTF-8",
            Protocol::Query(_) => "text/xml",
            Protocol::Json => "application/x-amz-json-1.1",
        }
    }

    fn error(self, e: &AwsError, request_id: &str) -> HttpResponse {
        let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
        match self {
            Protocol::Ec2 => respond(status, self, envelope::ec2_error(e, request_id), request_id),
            Protocol::Query(service) => respond(
                status,
                self,
                envelope::query_error(e, request_id, service.namespace()),
                request_id,
            ),
            Protocol::Json => {
                let (code, body) = envelope::json_error(e);
                let mut r = respond(status, self, body, request_id);
                if let Ok(v) = HeaderValue::from_str(&code) {
                    r.headers_mut().insert("x-amzn-ErrorType", v);
                }
                r
            }
        }
    }
}

/// `x-amzn-RequestId` (header names go out in lower case).
const REQUEST_ID_HEADER: hyper::header::HeaderName =
    hyper::header::HeaderName::from_static("x-amzn-requestid");

fn respond(
    status: StatusCode,
    protocol: Protocol,
    body: impl Into<Bytes>,
    request_id: &str,
) -> HttpResponse {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(protocol.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert(REQUEST_ID_HEADER, v);
    }
    r
}

/// The caller, from SigV4 in the header or the query string; unsigned
/// requests are the default account in us-east-1.
fn identify(
    world: &World,
    signed: Option<identity::Credential>,
    query: Option<&str>,
) -> (Identity, Option<String>) {
    let credential = signed.or_else(|| {
        let params = form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .into_owned()
            .collect();
        identity::from_query(&params)
    });
    let region = credential
        .as_ref()
        .map(|c| c.region.clone())
        .unwrap_or_else(|| "us-east-1".into());
    let access_key = credential.as_ref().map(|c| c.access_key.clone());
    let mapped = access_key
        .as_deref()
        .and_then(|k| world.config.access_keys.get(k));
    let account = mapped
        .and_then(|arn| identity::account_of_arn(arn))
        .or_else(|| access_key.as_deref().and_then(identity::account_of_key))
        .unwrap_or(&world.config.default_account)
        .to_string();
    let principal = mapped
        .cloned()
        .unwrap_or_else(|| format!("arn:aws:iam::{account}:root"));
    let service = credential.map(|c| c.service);
    (
        Identity {
            principal,
            access_key,
            account,
            region,
        },
        service,
    )
}

async fn handle(
    app: Arc<App>,
    peer: SocketAddr,
    req: Request<Incoming>,
) -> Result<HttpResponse, Dropped> {
    let _ = courtesy::between_requests();
    let started = Instant::now();
    let request_id = uuid::Uuid::new_v4().to_string();
    let (parts, body) = req.into_parts();
    let path = parts.uri.path();
    let query = parts.uri.query().map(str::to_string);
    let target = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let signed = parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(identity::from_authorization);
    // The protocol to answer early errors in, before the body says more:
    // JSON with a target, else by the service the request is signed for.
    let guess = match (&target, signed.as_ref().map(|c| c.service.as_str())) {
        (Some(_), _) => Protocol::Json,
        (None, Some("elasticloadbalancing")) => Protocol::Query(QueryService::Elbv2),
        (None, Some("sts")) => Protocol::Query(QueryService::Sts),
        _ => Protocol::Ec2,
    };

    let read = tokio::time::timeout(
        app.limits.body_timeout,
        Limited::new(body, MAX_BODY_BYTES).collect(),
    );
    let Ok(body) = read.await else {
        // The wording of AWS's RequestTimeout (S3's, the one AWS documents).
        let err = AwsError::new(
            "RequestTimeout",
            "Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.",
        );
        tracing::info!(%peer, path, "request body too slow");
        let mut r = guess.error(&err, &request_id);
        r.headers_mut()
            .insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
        return Ok(r);
    };
    let body = match body {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            let too_large = e
                .downcast_ref::<http_body_util::LengthLimitError>()
                .is_some();
            let err = if too_large {
                AwsError::new(
                    "RequestEntityTooLarge",
                    format!("Request body exceeds the limit of {MAX_BODY_BYTES} bytes."),
                )
                .with_status(413)
            } else {
                AwsError::new(
                    "MalformedRequest",
                    format!("Could not read the request body: {e}"),
                )
            };
            tracing::info!(%peer, path, status = err.status, "request refused");
            return Ok(guess.error(&err, &request_id));
        }
    };

    if path.starts_with("/_awsemu/") || path.starts_with("/moto-api/") {
        let r = if path == "/_awsemu/dataplane" || path.starts_with("/_awsemu/dataplane/") {
            app.dataplane.handle(&parts.method, path, &body)
        } else {
            control::handle(&app.world, &parts.method, path, query.as_deref(), &body)
        };
        if parts.method != Method::GET {
            app.world.touch();
        }
        tracing::info!(method = %parts.method, path, status = r.status().as_u16(), "control");
        return Ok(r);
    }

    if let Some(secrets) = &app.credentials {
        let target_uri = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/");
        if let Err(e) = sigv4::verify(
            secrets,
            parts.method.as_str(),
            target_uri,
            &parts.headers,
            &body,
        ) {
            let err = auth_error(guess, e);
            tracing::info!(%peer, path, status = err.status, code = %err.code, "signature refused");
            return Ok(guess.error(&err, &request_id));
        }
    }
    let (identity, signed_service) = identify(&app.world, signed, query.as_deref());
    let key = MemoKey {
        identity,
        signed_service,
        target,
        query,
        body,
    };
    if app.world.faults.armed() {
        if let Some((protocol, operation, hit)) = faults_for(&app.world, &key) {
            tracing::info!(
                operation,
                account = key.identity.account.as_str(),
                region = key.identity.region.as_str(),
                rules = ?hit.rules,
                latency_ms = hit.latency.as_millis() as u64,
                error = hit.error.as_ref().map(|e| e.0.as_str()),
                drop = hit.drop,
                "fault injected"
            );
            if !hit.latency.is_zero() {
                tokio::time::sleep(hit.latency).await;
            }
            if hit.drop {
                return Err(Dropped);
            }
            if let Some((code, message, status)) = hit.error {
                let e = AwsError::new(code, message).with_status(status);
                return Ok(protocol.error(&e, &request_id));
            }
        }
    }
    let generation = app.world.generation();
    if app.world.quiet(&key.identity.region) {
        if let Some(hit) = app.memo.get(&key, generation) {
            let response = respond(
                StatusCode::OK,
                hit.protocol,
                hit.body_for(&request_id),
                &request_id,
            );
            log_request(
                &hit.operation,
                &key.identity,
                &response,
                started,
                "given again",
            );
            return Ok(response);
        }
    }
    // The key may go to the memo; the log line still names the caller.
    let identity = key.identity.clone();
    let mut memo = "-";
    let (protocol, operation, result, repeatable) = dispatch(
        &app,
        &identity,
        key.signed_service.as_deref(),
        key.target.as_deref(),
        &parts.method,
        key.query.as_deref(),
        &key.body,
        &request_id,
    );
    let response = match result {
        Ok(body) => {
            let body = Bytes::from(body);
            // Kept only if nothing changed anywhere while it was computed.
            if repeatable && app.world.generation() == generation {
                // XML answers carry the request id in the body; JSON ones do not.
                let request_id_at = (protocol != Protocol::Json)
                    .then(|| memchr::memmem::find(&body, request_id.as_bytes()))
                    .flatten();
                let answer = Remembered {
                    generation,
                    protocol,
                    operation: operation.clone(),
                    body: body.clone(),
                    request_id_at,
                };
                memo = app.memo.put(key, answer);
            }
            respond(StatusCode::OK, protocol, body, &request_id)
        }
        Err(e) => protocol.error(&e, &request_id),
    };
    log_request(&operation, &identity, &response, started, memo);
    Ok(response)
}

/// One line per request at DEBUG (`AWSEMU_LOG=debug`); a server error also at WARN.
fn log_request(
    operation: &str,
    identity: &Identity,
    response: &HttpResponse,
    started: Instant,
    memo: &str,
) {
    let status = response.status().as_u16();
    let duration_us = started.elapsed().as_micros() as u64;
    let (account, region) = (identity.account.as_str(), identity.region.as_str());
    if status >= 500 {
        tracing::warn!(
            operation,
            account,
            region,
            status,
            duration_us,
            "request failed"
        );
    } else {
        tracing::debug!(
            operation,
            account,
            region,
            status,
            duration_us,
            memo,
            "request"
        );
    }
}

/// The codes each protocol family uses for a refused signature: the query
/// services (EC2, ELBv2) say `InvalidClientTokenId` / `SignatureDoesNotMatch`,
/// ECS says `UnrecognizedClientException` / `InvalidSignatureException`.
fn auth_error(protocol: Protocol, e: AuthError) -> AwsError {
    let json = protocol == Protocol::Json;
    match e {
        AuthError::Missing(m) => AwsError::new(
            if json {
                "MissingAuthenticationTokenException"
            } else {
                "MissingAuthenticationToken"
            },
            m,
        )
        .with_status(if json { 400 } else { 403 }),
        AuthError::UnknownKey(m) => AwsError::new(
            if json {
                "UnrecognizedClientException"
            } else {
                "InvalidClientTokenId"
            },
            m,
        )
        .with_status(if json { 400 } else { 403 }),
        AuthError::Mismatch(m) => AwsError::new(
            if json {
                "InvalidSignatureException"
            } else {
                "SignatureDoesNotMatch"
            },
            m,
        )
        .with_status(if json { 400 } else { 403 }),
        // EC2 says only that the request expired; the query services and
        // ECS give the times (aws-sdk-java#1443, aws-sdk-js#401 and #527).
        AuthError::Expired(m) => match protocol {
            Protocol::Ec2 => AwsError::new("RequestExpired", "Request has expired."),
            Protocol::Query(_) => AwsError::new("SignatureDoesNotMatch", m).with_status(403),
            Protocol::Json => AwsError::new("InvalidSignatureException", m),
        },
    }
}

#[allow(clippy::too_many_arguments)]
fn dispatch(
    app: &App,
    identity: &Identity,
    signed_service: Option<&str>,
    target: Option<&str>,
    method: &Method,
    query: Option<&str>,
    body: &[u8],
    request_id: &str,
) -> (Protocol, String, Result<Vec<u8>, AwsError>, bool) {
    if let Some(target) = target {
        let Some(op) = target.strip_prefix(ECS_TARGET_PREFIX) else {
            let e = AwsError::new(
                "UnknownOperationException",
                format!("The target {target} is not an operation of any service awsemu emulates."),
            );
            return (Protocol::Json, target.to_string(), Err(e), false);
        };
        let (result, repeatable) = match model::ecs::decode(op, body) {
            None => (
                Err(AwsError::new(
                    "UnknownOperationException",
                    format!("The operation {op} is not known to awsemu's ECS."),
                )),
                false,
            ),
            Some(Err(e)) => (Err(json_wire_error(e)), false),
            Some(Ok(req)) => {
                let (r, again) = run(app, identity, request_id, reads_only(op), |ctx| {
                    model::ecs::call(&Ecs, ctx, req)
                });
                (r.map(|r| r.encode()), again)
            }
        };
        return (Protocol::Json, format!("ecs:{op}"), result, repeatable);
    }

    let q = QueryInput::parse(body, query);
    let protocol = query_protocol(&q, signed_service);
    if let Some(v) = q.version() {
        let known = [
            model::ec2::API_VERSION,
            model::elbv2::API_VERSION,
            model::sts::API_VERSION,
        ];
        if !known.contains(&v) {
            let name = match protocol {
                Protocol::Query(service) => service.names().0,
                _ => "AmazonEC2",
            };
            let e = AwsError::new(
                "NoSuchVersion",
                format!("The requested version ({v}) of service {name} does not exist"),
            );
            return (protocol, "-".into(), Err(e), false);
        }
    }
    let Some(action) = q.action().map(str::to_string) else {
        let e = if q.is_empty() && method == Method::GET {
            AwsError::new(
                "MissingAction",
                "This is awsemu: send AWS API requests here, or see /_awsemu/health.",
            )
        } else {
            AwsError::new(
                "MissingAction",
                "The request must contain the parameter Action",
            )
        };
        return (protocol, "-".into(), Err(e), false);
    };
    let unknown = || {
        AwsError::new(
            "InvalidAction",
            format!("The action {action} is not valid for this web service."),
        )
    };
    let read = reads_only(&action);
    let (result, repeatable) = match protocol {
        Protocol::Ec2 => match model::ec2::decode(&action, &q) {
            None => (Err(unknown()), false),
            Some(Err(e)) => (Err(query_wire_error(e)), false),
            Some(Ok(req)) => {
                let (r, again) = run(app, identity, request_id, read, |ctx| {
                    model::ec2::call(&Ec2, ctx, req)
                });
                (r.map(|r| r.encode(request_id)), again)
            }
        },
        Protocol::Query(QueryService::Elbv2) => match model::elbv2::decode(&action, &q) {
            None => (Err(unknown()), false),
            Some(Err(e)) => (Err(validation_wire_error(e)), false),
            Some(Ok(req)) => {
                let (r, again) = run(app, identity, request_id, read, |ctx| {
                    model::elbv2::call(&Elbv2, ctx, req)
                });
                (r.map(|r| r.encode(request_id)), again)
            }
        },
        Protocol::Query(QueryService::Sts) => match model::sts::decode(&action, &q) {
            None => (Err(unknown()), false),
            Some(Err(e)) => (Err(validation_wire_error(e)), false),
            Some(Ok(req)) => {
                let (r, again) = run(app, identity, request_id, read, |ctx| {
                    model::sts::call(&Sts, ctx, req)
                });
                (r.map(|r| r.encode(request_id)), again)
            }
        },
        Protocol::Json => unreachable!("JSON requests carry X-Amz-Target"),
    };
    let service = match protocol {
        Protocol::Query(service) => service.names().1,
        _ => "ec2",
    };
    (protocol, format!("{service}:{action}"), result, repeatable)
}

/// The protocol of a request without `X-Amz-Target`: by its `Version`, else
/// by the service it is signed for.
fn query_protocol(q: &QueryInput, signed_service: Option<&str>) -> Protocol {
    match (q.version(), signed_service) {
        (Some(model::elbv2::API_VERSION), _) => Protocol::Query(QueryService::Elbv2),
        (Some(model::sts::API_VERSION), _) => Protocol::Query(QueryService::Sts),
        (Some(model::ec2::API_VERSION), _) => Protocol::Ec2,
        (_, Some("elasticloadbalancing")) => Protocol::Query(QueryService::Elbv2),
        (_, Some("sts")) => Protocol::Query(QueryService::Sts),
        _ => Protocol::Ec2,
    }
}

/// What the fault rules do to this request (`world::faults`), with the
/// protocol to answer in and the operation's name for the log.
fn faults_for(world: &World, key: &MemoKey) -> Option<(Protocol, String, Hit)> {
    let identity = &key.identity;
    type Params<'a> = Box<dyn Fn(&str) -> Option<String> + 'a>;
    let (protocol, service, operation, params): (_, _, _, Params) = match &key.target {
        Some(target) => {
            let op = target.strip_prefix(ECS_TARGET_PREFIX).unwrap_or(target);
            let body = std::cell::OnceCell::new();
            let params = move |name: &str| {
                let v: &Option<serde_json::Value> =
                    body.get_or_init(|| serde_json::from_slice(&key.body).ok());
                v.as_ref()?.get(name).map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
            };
            (Protocol::Json, "ecs", op.to_string(), Box::new(params))
        }
        None => {
            let q = QueryInput::parse(&key.body, key.query.as_deref());
            let protocol = query_protocol(&q, key.signed_service.as_deref());
            let service = match protocol {
                Protocol::Query(service) => service.names().1,
                _ => "ec2",
            };
            let op = q.action().unwrap_or("-").to_string();
            let params = move |name: &str| q.get(name).map(str::to_string);
            (protocol, service, op, Box::new(params))
        }
    };
    let call = Call {
        service,
        operation: &operation,
        region: &identity.region,
        account: &identity.account,
    };
    let hit = world.faults.check(&call, &*params)?;
    Some((protocol, format!("{service}:{operation}"), hit))
}

/// The connection was dropped on purpose (a fault rule): hyper closes it
/// without an answer.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by a fault rule")
    }
}

impl std::error::Error for Dropped {}

/// Runs a handler with the caller's locked Region, and says whether its
/// answer may be given again while the world is unchanged (a read that read
/// no clock). A panic becomes an `InternalError` answer instead of a
/// dropped connection.
fn run<T>(
    app: &App,
    identity: &Identity,
    request_id: &str,
    read_only: bool,
    f: impl FnOnce(&mut crate::services::Ctx) -> Result<T, AwsError>,
) -> (Result<T, AwsError>, bool) {
    let world = app.world.clone();
    std::panic::catch_unwind(AssertUnwindSafe(|| {
        let mut ctx = if read_only {
            world.read_context(identity, request_id)
        } else {
            world.context(identity, request_id)
        };
        let out = f(&mut ctx);
        let again = ctx.repeatable();
        (out, again)
    }))
    .unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!(panic = what.as_str(), "handler panicked");
        let e = AwsError::internal(
            "An internal error has occurred in awsemu; the request was not completed.",
        );
        (Err(e), false)
    })
}

/// Sharing the cores with the clients on the same machine.
pub mod courtesy {
    use std::cell::Cell;
    use std::time::{Duration, Instant};

    /// The longest a worker thread serves without parking before it lets
    /// another thread run.
    pub const SLICE: Duration = Duration::from_millis(1);

    thread_local! {
        static RUNNING_SINCE: Cell<Option<Instant>> = const { Cell::new(None) };
    }

    /// The runtime's `on_thread_unpark`: the worker starts a new run.
    /// `main.rs` installs it; on a runtime without it (the in-process test
    /// servers) a slice counts from the last yield, so a worker still yields
    /// at most once a millisecond.
    pub fn unparked() {
        RUNNING_SINCE.set(Some(Instant::now()));
    }

    /// Before each request: after a slice of serving without a pause, give
    /// the CPU to whoever waits for it (the clients, above all). Says
    /// whether it did.
    pub fn between_requests() -> bool {
        let now = Instant::now();
        match RUNNING_SINCE.get() {
            Some(since) if now.duration_since(since) < SLICE => false,
            Some(_) => {
                std::thread::yield_now();
                RUNNING_SINCE.set(Some(Instant::now()));
                true
            }
            None => {
                RUNNING_SINCE.set(Some(now));
                false
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn a_worker_yields_once_per_slice_of_serving_and_not_after_a_pause() {
            unparked();
            assert!(!between_requests(), "a fresh run does not yield");
            let start = Instant::now();
            while start.elapsed() < SLICE + Duration::from_micros(200) {
                std::hint::spin_loop();
            }
            assert!(between_requests(), "a whole slice served: yield");
            assert!(!between_requests(), "and a new slice starts");
            std::thread::sleep(SLICE * 2);
            unparked();
            assert!(!between_requests(), "a park in between starts afresh");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::WorldConfig;

    #[test]
    fn a_panicking_handler_becomes_internal_error_and_the_world_lives_on() {
        let app = App::new(World::new(WorldConfig::default()), None);
        let who = Identity {
            access_key: None,
            account: "000000000000".into(),
            region: "us-east-1".into(),
            principal: "arn:aws:iam::000000000000:root".into(),
        };
        let (r, _): (Result<(), AwsError>, bool) =
            run(&app, &who, "rid", false, |_| panic!("boom"));
        let e = r.unwrap_err();
        assert_eq!((e.code.as_ref(), e.status), ("InternalError", 500));
        // The Region's lock is usable again.
        let vpcs = run(&app, &who, "rid", true, |ctx| Ok(ctx.acct().ec2.vpcs.len()))
            .0
            .unwrap();
        assert_eq!(vpcs, 1);
    }
}
