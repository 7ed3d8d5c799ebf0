//! The PrivateLink data plane: real traffic through emulated interface
//! endpoints.
//!
//! A registered ELBv2 target can be bound to a real local address (the
//! control API `POST /_awsemu/dataplane/targets`, or `local:` on a target in
//! a scenario); the binding is part of the target in the ELBv2 state. For
//! every interface endpoint in state `available` to a custom service, awsemu
//! listens on a local port (`--dataplane-host`, an ephemeral port) per
//! listener of the service's network load balancers, and forwards to a
//! bound target of the listener's target group (`forward`). Bound targets
//! are health-checked for real (`health`), and DescribeTargetHealth says
//! what the checks found.
//!
//! A reconciler follows the world: whenever its generation moves, it reads
//! the desired state (`desired`) with every Region locked and opens the
//! listeners that are missing, closes those whose endpoint left `available`
//! (which closes their connections), and hands the others their new route
//! (targets, health). `GET /_awsemu/dataplane` says where to connect.

pub mod desired;
pub mod forward;
pub mod health;

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Method, Response, StatusCode};
use parking_lot::Mutex;
use serde_json::{json, Value};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::services::World;
use desired::{Desired, Endpoint, Key, Route};

/// How often the reconciler looks at the world's generation.
const POLL: Duration = Duration::from_millis(20);

/// A listener that runs.
struct Live {
    local: SocketAddr,
    route: watch::Sender<Arc<Route>>,
    tasks: Vec<JoinHandle<()>>,
    /// The listening TCP socket (a second handle on it), shut when the
    /// listener is dropped: aborting the accept task only closes the socket
    /// when a worker next polls it, and until then the kernel would still
    /// complete connections to a port `GET /_awsemu/dataplane` no longer
    /// lists.
    socket: Option<std::net::TcpListener>,
}

impl Drop for Live {
    fn drop(&mut self) {
        if let Some(s) = &self.socket {
            // On a listening socket, shutdown stops listening: further
            // connections are refused from here on.
            let _ = socket2::SockRef::from(s).shutdown(std::net::Shutdown::Both);
        }
        for t in &self.tasks {
            t.abort();
        }
    }
}

#[derive(Default)]
struct Running {
    /// The generation last reconciled.
    generation: Option<u64>,
    listeners: BTreeMap<Key, Live>,
    /// Health checks by what they check (a change of settings restarts one).
    checks: HashMap<String, JoinHandle<()>>,
    endpoints: Vec<Endpoint>,
}

pub struct Dataplane {
    world: Arc<World>,
    /// Where endpoint listeners listen.
    pub host: IpAddr,
    running: Mutex<Running>,
}

impl Dataplane {
    pub fn new(world: Arc<World>, host: IpAddr) -> Arc<Dataplane> {
        Arc::new(Dataplane {
            world,
            host,
            running: Mutex::new(Running::default()),
        })
    }

    /// Follows the world until aborted (then call `stop`).
    pub fn start(self: &Arc<Self>) -> JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(POLL);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                every.tick().await;
                me.reconcile();
            }
        })
    }

    /// Closes every listener and connection, and stops the health checks.
    pub fn stop(&self) {
        let mut r = self.running.lock();
        r.listeners.clear();
        for (_, c) in r.checks.drain() {
            c.abort();
        }
        r.generation = None;
    }

    /// Brings what runs in line with the world, if it changed since last
    /// time. Must run inside the Tokio runtime.
    pub fn reconcile(&self) {
        let generation = self.world.generation();
        let mut r = self.running.lock();
        if r.generation == Some(generation) {
            return;
        }
        r.generation = Some(generation);
        let d: Desired = self.world.with_regions(desired::snapshot);
        r.listeners.retain(|k, live| match d.routes.get(k) {
            Some(route) => {
                if **live.route.borrow() != *route {
                    live.route.send_replace(Arc::new(route.clone()));
                }
                true
            }
            None => {
                tracing::info!(endpoint = k.endpoint, port = k.port, local = %live.local, "endpoint listener closed");
                false
            }
        });
        for (k, route) in d.routes {
            if r.listeners.contains_key(&k) {
                continue;
            }
            match self.open(&route) {
                Ok(live) => {
                    tracing::info!(endpoint = k.endpoint, port = k.port, protocol = k.protocol, local = %live.local, "endpoint listener open");
                    r.listeners.insert(k, live);
                }
                Err(e) => {
                    tracing::warn!(endpoint = k.endpoint, port = k.port, error = %e, "cannot open an endpoint listener")
                }
            }
        }
        let mut wanted: HashMap<String, desired::Check> = d
            .checks
            .into_iter()
            .map(|c| (format!("{c:?}"), c))
            .collect();
        r.checks.retain(|k, task| {
            let keep = wanted.remove(k).is_some();
            if !keep {
                task.abort();
            }
            keep
        });
        for (k, c) in wanted {
            let task = tokio::spawn(health::run(self.world.clone(), c));
            r.checks.insert(k, task);
        }
        r.endpoints = d.endpoints;
    }

    fn open(&self, route: &Route) -> std::io::Result<Live> {
        let (tx, rx) = watch::channel(Arc::new(route.clone()));
        let mut tasks = Vec::new();
        let mut socket = None;
        let tcp = route.protocol != "UDP";
        let local = if tcp {
            let std = std::net::TcpListener::bind((self.host, 0))?;
            std.set_nonblocking(true)?;
            socket = Some(std.try_clone()?);
            let listener = tokio::net::TcpListener::from_std(std)?;
            let local = listener.local_addr()?;
            tasks.push(tokio::spawn(forward::accept_tcp(listener, rx.clone())));
            local
        } else {
            SocketAddr::new(self.host, 0)
        };
        if route.protocol == "UDP" || route.protocol == "TCP_UDP" {
            // TCP_UDP: datagrams on the same port number as the stream.
            let std = std::net::UdpSocket::bind(if tcp {
                local
            } else {
                SocketAddr::new(self.host, 0)
            })?;
            std.set_nonblocking(true)?;
            let udp = tokio::net::UdpSocket::from_std(std)?;
            let bound = udp.local_addr()?;
            tasks.push(tokio::spawn(forward::relay_udp(udp, rx)));
            if !tcp {
                return Ok(Live {
                    local: bound,
                    route: tx,
                    tasks,
                    socket: None,
                });
            }
        }
        Ok(Live {
            local,
            route: tx,
            tasks,
            socket,
        })
    }

    /// What `GET /_awsemu/dataplane` answers.
    pub fn discovery(&self) -> Value {
        // Transitions due by now first (an accepted endpoint becomes available).
        self.world.run_due_everywhere();
        self.reconcile();
        let r = self.running.lock();
        let endpoints: Vec<Value> = r
            .endpoints
            .iter()
            .map(|e| {
                let listeners: Vec<Value> = r
                    .listeners
                    .range(
                        Key {
                            endpoint: e.id.clone(),
                            port: 0,
                            protocol: String::new(),
                        }..,
                    )
                    .take_while(|(k, _)| k.endpoint == e.id)
                    .map(|(k, l)| {
                        let route = l.route.borrow();
                        json!({
                            "port": k.port,
                            "protocol": k.protocol,
                            "local": l.local.to_string(),
                            "targetGroupArn": route.target_group,
                            "proxyProtocolV2": route.proxy_protocol,
                            "targets": route.targets.iter().map(|t| json!({
                                "local": t.addr.to_string(),
                                "healthy": t.healthy,
                            })).collect::<Vec<_>>(),
                        })
                    })
                    .collect();
                json!({
                    "vpcEndpointId": e.id,
                    "state": e.state,
                    "ownerId": e.account,
                    "region": e.region,
                    "serviceName": e.service_name,
                    "dnsNames": e.dns_names,
                    "listeners": listeners,
                })
            })
            .collect();
        json!({ "host": self.host.to_string(), "endpoints": endpoints })
    }

    /// The data plane's control routes, under `/_awsemu/dataplane`.
    pub fn handle(&self, method: &Method, path: &str, body: &[u8]) -> Response<Full<Bytes>> {
        match (method, path.trim_end_matches('/')) {
            (&Method::GET, "/_awsemu/dataplane") => reply(StatusCode::OK, self.discovery()),
            (&Method::POST, "/_awsemu/dataplane/targets") => {
                let (status, body) = bind(&self.world, body);
                if status == StatusCode::OK {
                    self.world.touch();
                    self.reconcile();
                }
                reply(status, body)
            }
            _ => reply(
                StatusCode::NOT_FOUND,
                json!({
                    "error": format!("no data plane endpoint {method} {path}"),
                    "endpoints": [
                        "GET /_awsemu/dataplane",
                        "POST /_awsemu/dataplane/targets {\"targetGroupArn\", \"id\", \"port\", \"local\": \"127.0.0.1:9000\" (null unbinds)}"
                    ],
                }),
            ),
        }
    }
}

fn reply(status: StatusCode, body: Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.to_string())));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

/// `{"targetGroupArn", "id", "port"?, "local": "host:port" | null}`: binds
/// (or unbinds) a registered target. The account and Region are the target
/// group ARN's.
fn bind(world: &Arc<World>, body: &[u8]) -> (StatusCode, Value) {
    let bad = |e: String| (StatusCode::BAD_REQUEST, json!({ "error": e }));
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return bad(
            "a JSON body is needed: {\"targetGroupArn\", \"id\", \"port\", \"local\"}".into(),
        );
    };
    let arn = v
        .get("targetGroupArn")
        .and_then(Value::as_str)
        .unwrap_or("");
    let id = v
        .get("id")
        .or_else(|| v.get("targetId"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let port = v.get("port").and_then(Value::as_i64).map(|p| p as i32);
    let local = match v.get("local") {
        None => return bad("\"local\": \"host:port\" (or null to unbind) is needed".into()),
        Some(Value::Null) => None,
        Some(Value::String(s)) => match s.parse::<SocketAddr>() {
            Ok(a) => Some(a.to_string()),
            Err(_) => {
                return bad(format!(
                    "'{s}' is not a local address (host:port, e.g. 127.0.0.1:9000)"
                ))
            }
        },
        Some(other) => {
            return bad(format!(
                "\"local\" must be \"host:port\" or null, not {other}"
            ))
        }
    };
    let who = match crate::services::elbv2::target_group_owner(arn) {
        Some(who) if !id.is_empty() => who,
        _ => {
            return bad(format!(
                "'{arn}' is not a target group ARN, or no id was given"
            ))
        }
    };
    let mut ctx = world.context(&who, "control");
    match crate::services::elbv2::bind_target(&mut ctx, arn, id, port, local.clone()) {
        Ok(()) => (
            StatusCode::OK,
            json!({ "targetGroupArn": arn, "id": id, "port": port, "local": local }),
        ),
        Err(e) => (StatusCode::NOT_FOUND, json!({ "error": e })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::WorldConfig;

    fn route(protocol: &str) -> Route {
        Route {
            endpoint: "vpce-0123456789abcdef0".into(),
            port: 443,
            protocol: protocol.into(),
            target_group: None,
            proxy_protocol: false,
            sources: Vec::new(),
            destinations: Vec::new(),
            targets: Vec::new(),
        }
    }

    /// A current-thread runtime never polls the aborted accept task while
    /// the test runs: only the shut socket can refuse the connection.
    #[tokio::test(flavor = "current_thread")]
    async fn a_dropped_listener_refuses_connections_at_once() {
        let dp = Dataplane::new(
            crate::world::World::new(WorldConfig::default()),
            IpAddr::from([127, 0, 0, 1]),
        );
        for protocol in ["TCP", "TCP_UDP"] {
            let live = dp.open(&route(protocol)).unwrap();
            let addr = live.local;
            drop(std::net::TcpStream::connect(addr).expect("the listener accepts"));
            drop(live);
            let err = std::net::TcpStream::connect(addr).unwrap_err();
            assert_eq!(
                err.kind(),
                std::io::ErrorKind::ConnectionRefused,
                "{protocol}"
            );
        }
    }
}
