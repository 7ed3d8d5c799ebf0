//! One endpoint listener: accepts the consumer's connections (or datagrams)
//! and forwards each to a bound target of the listener's target group, as
//! the NLB behind the endpoint service does.
//!
//! The target is chosen by a hash of the flow (NLB's flow hash) among the
//! healthy bound targets, or among all of them when none is healthy (NLB's
//! fail-open); with none bound the connection is closed at once (the target
//! is unreachable). A target group with `proxy_protocol_v2.enabled` gets a
//! PROXY protocol v2 header first: the source is the endpoint's network
//! interface address (in the consumer's subnet) with the consumer's port,
//! the destination the load balancer's address and the listener's port, and
//! the AWS TLV (0xEA, subtype 0x01) carries the endpoint id.
//!
//! `preserve_client_ip.enabled` changes nothing here: AWS documents that
//! client IP preservation has no effect on traffic through PrivateLink, so
//! the target's peer is the load balancer (here, awsemu) either way.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::desired::{Route, Upstream};

/// Bytes copied at once in each direction (without splice).
#[cfg(not(target_os = "linux"))]
const BUFFER: usize = 64 * 1024;

/// The AWS PROXY protocol TLV type, and its subtype for the endpoint id.
pub const PP2_TYPE_AWS: u8 = 0xEA;
pub const PP2_SUBTYPE_AWS_VPCE_ID: u8 = 0x01;

fn flow_hash(peer: &SocketAddr, route: &Route) -> usize {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (peer, &route.endpoint, route.port).hash(&mut h);
    h.finish() as usize
}

/// The target for a new flow: a healthy one, else any bound one.
pub fn pick(route: &Route, peer: &SocketAddr) -> Option<SocketAddr> {
    let healthy: Vec<&Upstream> = route.targets.iter().filter(|t| t.healthy).collect();
    let pool: Vec<&Upstream> = if healthy.is_empty() {
        route.targets.iter().collect()
    } else {
        healthy
    };
    if pool.is_empty() {
        return None;
    }
    Some(pool[flow_hash(peer, route) % pool.len()].addr)
}

fn pick_ip(ips: &[IpAddr], v4: bool, seed: usize) -> Option<IpAddr> {
    let same: Vec<&IpAddr> = ips.iter().filter(|ip| ip.is_ipv4() == v4).collect();
    (!same.is_empty()).then(|| *same[seed % same.len()])
}

/// The PPv2 header of a flow from `peer` on the route.
pub fn proxy_header(route: &Route, peer: &SocketAddr, stream: bool) -> std::io::Result<Vec<u8>> {
    use ppp::v2::{Builder, Command, Protocol, Version};
    let seed = flow_hash(peer, route);
    let source = pick_ip(&route.sources, true, seed)
        .or_else(|| pick_ip(&route.sources, false, seed))
        .unwrap_or(peer.ip());
    let destination = pick_ip(&route.destinations, source.is_ipv4(), seed)
        .or_else(|| pick_ip(&route.sources, source.is_ipv4(), seed))
        .unwrap_or(source);
    let mut vpce = Vec::with_capacity(1 + route.endpoint.len());
    vpce.push(PP2_SUBTYPE_AWS_VPCE_ID);
    vpce.extend_from_slice(route.endpoint.as_bytes());
    Builder::with_addresses(
        Version::Two | Command::Proxy,
        if stream {
            Protocol::Stream
        } else {
            Protocol::Datagram
        },
        (
            SocketAddr::new(source, peer.port()),
            SocketAddr::new(destination, route.port),
        ),
    )
    .write_tlv(PP2_TYPE_AWS, vpce.as_slice())?
    .build()
}

/// Accepts until aborted; aborting it closes every connection it forwards.
pub async fn accept_tcp(listener: TcpListener, route: watch::Receiver<Arc<Route>>) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (client, peer) = match accepted {
                    Ok(a) => a,
                    // The socket was shut (its endpoint left `available`).
                    Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => return,
                    Err(_) => continue,
                };
                let route = route.borrow().clone();
                conns.spawn(forward_tcp(client, peer, route));
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
}

async fn forward_tcp(mut client: TcpStream, peer: SocketAddr, route: Arc<Route>) {
    let _ = client.set_nodelay(true);
    let Some(target) = pick(&route, &peer) else {
        tracing::debug!(
            endpoint = route.endpoint,
            port = route.port,
            "no bound target: closed"
        );
        return;
    };
    let mut upstream = match TcpStream::connect(target).await {
        Ok(s) => s,
        Err(e) => {
            tracing::debug!(endpoint = route.endpoint, %target, error = %e, "target refused");
            return;
        }
    };
    let _ = upstream.set_nodelay(true);
    if route.proxy_protocol {
        let Ok(header) = proxy_header(&route, &peer, true) else {
            return;
        };
        if upstream.write_all(&header).await.is_err() {
            return;
        }
    }
    copy(&mut client, &mut upstream).await;
}

/// Both directions until each side has closed its own: on Linux through a
/// pipe with splice(2), so the bytes never enter user space (a forwarded
/// stream then costs little more than the direct one); elsewhere through
/// buffers.
#[cfg(target_os = "linux")]
async fn copy(client: &mut TcpStream, upstream: &mut TcpStream) {
    // Pipes of 1 MiB (Linux's limit for an unprivileged process; pages are
    // taken as data arrives) move a large transfer in fewer splices than
    // the default 64 KiB.
    static PIPES: std::sync::Once = std::sync::Once::new();
    PIPES.call_once(|| realm_io::set_pipe_size(1 << 20));
    if realm_io::bidi_zero_copy(client, upstream).await.is_err() {
        tracing::trace!("forwarded stream ended with an error");
    }
}

#[cfg(not(target_os = "linux"))]
async fn copy(client: &mut TcpStream, upstream: &mut TcpStream) {
    let _ = tokio::io::copy_bidirectional_with_sizes(client, upstream, BUFFER, BUFFER).await;
}

/// How long a UDP flow lives without a datagram either way (NLB's UDP idle
/// timeout is 120 seconds); then its socket towards the target closes, and
/// the consumer's next datagram starts a new flow, perhaps to another target.
const UDP_IDLE: Duration = Duration::from_secs(120);

/// Forwards datagrams: each consumer address gets its own socket towards
/// the target it was given, and the target's answers go back to it.
pub async fn relay_udp(socket: UdpSocket, route: watch::Receiver<Arc<Route>>) {
    relay_udp_idle(socket, route, UDP_IDLE).await;
}

/// A consumer's flow: its socket towards the target, the task relaying the
/// target's answers, and when a datagram last went either way.
struct Flow {
    upstream: Arc<UdpSocket>,
    replies: tokio::task::AbortHandle,
    last: Arc<Mutex<Instant>>,
}

async fn relay_udp_idle(socket: UdpSocket, route: watch::Receiver<Arc<Route>>, idle: Duration) {
    let socket = Arc::new(socket);
    let mut flows: HashMap<SocketAddr, Flow> = HashMap::new();
    let mut replies = JoinSet::new();
    let mut sweep = tokio::time::interval((idle / 4).max(Duration::from_millis(10)));
    let mut buf = vec![0u8; 65536];
    loop {
        let (n, peer) = tokio::select! {
            got = socket.recv_from(&mut buf) => match got {
                Ok(x) => x,
                Err(_) => continue,
            },
            Some(_) = replies.join_next(), if !replies.is_empty() => continue,
            _ = sweep.tick() => {
                flows.retain(|_, f| {
                    let live = f.last.lock().elapsed() < idle;
                    if !live {
                        f.replies.abort();
                    }
                    live
                });
                continue;
            }
        };
        let flow = match flows.get(&peer) {
            Some(f) => f,
            None => {
                let route = route.borrow().clone();
                let Some(target) = pick(&route, &peer) else {
                    continue;
                };
                let bind: SocketAddr = if target.is_ipv4() {
                    ([127, 0, 0, 1], 0).into()
                } else {
                    (std::net::Ipv6Addr::LOCALHOST, 0).into()
                };
                let Ok(u) = UdpSocket::bind(bind).await else {
                    continue;
                };
                if u.connect(target).await.is_err() {
                    continue;
                }
                let upstream = Arc::new(u);
                let last = Arc::new(Mutex::new(Instant::now()));
                let (back, from, seen) = (socket.clone(), upstream.clone(), last.clone());
                let handle = replies.spawn(async move {
                    let mut buf = vec![0u8; 65536];
                    while let Ok(n) = from.recv(&mut buf).await {
                        *seen.lock() = Instant::now();
                        if back.send_to(&buf[..n], peer).await.is_err() {
                            break;
                        }
                    }
                });
                flows.entry(peer).or_insert(Flow {
                    upstream,
                    replies: handle,
                    last,
                })
            }
        };
        *flow.last.lock() = Instant::now();
        let _ = flow.upstream.send(&buf[..n]).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A UDP target that answers each datagram with the port it came from.
    async fn target() -> SocketAddr {
        let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = s.local_addr().unwrap();
        tokio::spawn(async move {
            let mut buf = [0u8; 64];
            while let Ok((_, from)) = s.recv_from(&mut buf).await {
                let _ = s.send_to(&from.port().to_be_bytes(), from).await;
            }
        });
        addr
    }

    #[tokio::test]
    async fn an_idle_udp_flow_ends_and_the_next_datagram_starts_another() {
        let to = target().await;
        let route = Route {
            endpoint: "vpce-0123456789abcdef0".into(),
            port: 53,
            protocol: "UDP".into(),
            target_group: None,
            proxy_protocol: false,
            sources: vec![],
            destinations: vec![],
            targets: vec![Upstream {
                addr: to,
                healthy: true,
            }],
        };
        let (_keep, rx) = watch::channel(Arc::new(route));
        let listener = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let at = listener.local_addr().unwrap();
        let idle = Duration::from_millis(200);
        tokio::spawn(relay_udp_idle(listener, rx, idle));

        let consumer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        consumer.connect(at).await.unwrap();
        let mut buf = [0u8; 2];
        let mut ask = async || {
            consumer.send(b"?").await.unwrap();
            tokio::time::timeout(Duration::from_secs(5), consumer.recv(&mut buf))
                .await
                .unwrap()
                .unwrap();
            u16::from_be_bytes(buf)
        };
        // One flow while datagrams keep coming.
        let first = ask().await;
        tokio::time::sleep(idle / 2).await;
        assert_eq!(ask().await, first);
        // Idle past the timeout: a new flow (another source port).
        tokio::time::sleep(idle * 3).await;
        assert_ne!(ask().await, first);
    }
}
