//! The PrivateLink data plane on real sockets: the bundled scenario
//! (provider NLB with PPv2, endpoint service with acceptance, consumer
//! endpoints) served in-process, its target bound to a local echo server
//! that parses the Proxy Protocol v2 header, and a consumer dialing the
//! endpoint's listener found through `GET /_awsemu/dataplane`.

mod support;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use awsemu::world::{World, WorldConfig};
use serde_json::{json, Value};

const PROVIDER: &str = "777777777777";
const CONSUMER: &str = "888888888888";
const ACCEPTED: &str = "vpce-0e000000000000001";
const WAITING: &str = "vpce-0e000000000000002";
const SERVICE: &str = "vpce-svc-0d000000000000001";

struct Server {
    running: support::Running,
}

impl Server {
    fn start() -> Server {
        let scenario = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../scenarios/privatelink-dataplane.yaml");
        let world = World::new(WorldConfig::default());
        awsemu::scenario::load(&world, awsemu::scenario_file::read(&scenario).unwrap()).unwrap();
        Server {
            running: support::Running::start(world),
        }
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, String) {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        self.running.exchange(&head, body)
    }

    fn json(&self, method: &str, path: &str, body: Value) -> (u16, Value) {
        let (status, text) = self.request(
            method,
            path,
            &[("Content-Type", "application/json")],
            body.to_string().as_bytes(),
        );
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    fn aws(&self, service: &str, account: &str, version: &str, query: &str) -> String {
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential={account}/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"
        );
        let (status, body) = self.request(
            "POST",
            "/",
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Authorization", &auth),
            ],
            format!("Version={version}&{query}").as_bytes(),
        );
        assert_eq!(status, 200, "{query}: {body}");
        body
    }

    fn ec2(&self, account: &str, query: &str) -> String {
        self.aws("ec2", account, "2016-11-15", query)
    }

    fn elbv2(&self, query: &str) -> String {
        self.aws("elasticloadbalancing", PROVIDER, "2015-12-01", query)
    }

    fn target_group(&self) -> String {
        let body = self.elbv2("Action=DescribeTargetGroups&Names.member.1=echo");
        between(&body, "<TargetGroupArn>", "</TargetGroupArn>")
            .unwrap()
            .to_string()
    }

    fn bind(&self, tg: &str, local: Option<SocketAddr>) {
        let (status, body) = self.json(
            "POST",
            "/_awsemu/dataplane/targets",
            json!({"targetGroupArn": tg, "id": "10.1.1.25", "port": 8080, "local": local.map(|a| a.to_string())}),
        );
        assert_eq!(status, 200, "{body}");
    }

    /// The local address of the endpoint's listener on `port`, if it has one.
    fn listener(&self, endpoint: &str, port: u16) -> Option<SocketAddr> {
        let (status, d) = self.json("GET", "/_awsemu/dataplane", Value::Null);
        assert_eq!(status, 200);
        let e = d["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["vpcEndpointId"] == endpoint)?;
        e["listeners"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["port"] == port)
            .map(|l| l["local"].as_str().unwrap().parse().unwrap())
    }

    fn health(&self, tg: &str) -> (String, Option<String>) {
        let body = self.elbv2(&format!("Action=DescribeTargetHealth&TargetGroupArn={tg}"));
        (
            between(&body, "<State>", "</State>").unwrap().to_string(),
            between(&body, "<Reason>", "</Reason>").map(str::to_string),
        )
    }

    fn wait_health(&self, tg: &str, state: &str) -> (String, Option<String>) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let h = self.health(tg);
            if h.0 == state || Instant::now() > deadline {
                return h;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = s.find(open)? + open.len();
    let end = s[start..].find(close)? + start;
    Some(&s[start..end])
}

/// What the echo target saw of one connection's PPv2 header.
#[derive(Debug, Clone)]
struct Seen {
    source: SocketAddr,
    destination: SocketAddr,
    vpce: String,
}

/// A TCP echo server that reads a PPv2 header first (parsed with `ppp`),
/// reports it, then echoes. Connections count in `hits`.
struct Echo {
    addr: SocketAddr,
    seen: std::sync::mpsc::Receiver<Seen>,
    hits: Arc<std::sync::atomic::AtomicUsize>,
}

fn echo(proxy_protocol: bool) -> Echo {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut s) = conn else { continue };
            let tx = tx.clone();
            let counter = counter.clone();
            std::thread::spawn(move || {
                let mut head = [0u8; 16];
                if proxy_protocol {
                    // A health check connects and closes without a byte.
                    if s.read_exact(&mut head).is_err() {
                        return;
                    }
                    counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    assert_eq!(&head[..12], b"\r\n\r\n\0\r\nQUIT\n", "PPv2 signature");
                    let len = u16::from_be_bytes([head[14], head[15]]) as usize;
                    let mut rest = vec![0u8; len];
                    s.read_exact(&mut rest).unwrap();
                    let mut all = head.to_vec();
                    all.extend_from_slice(&rest);
                    let header = ppp::v2::Header::try_from(all.as_slice()).unwrap();
                    let (source, destination) = match header.addresses {
                        ppp::v2::Addresses::IPv4(a) => (
                            SocketAddr::from((a.source_address, a.source_port)),
                            SocketAddr::from((a.destination_address, a.destination_port)),
                        ),
                        other => panic!("not IPv4: {other:?}"),
                    };
                    let vpce = header
                        .tlvs()
                        .filter_map(Result::ok)
                        .find_map(|t| match t {
                            ppp::v2::TypeLengthValue { kind: 0xEA, value }
                                if value.first() == Some(&1) =>
                            {
                                Some(String::from_utf8(value[1..].to_vec()).unwrap())
                            }
                            _ => None,
                        })
                        .unwrap_or_default();
                    let _ = tx.send(Seen {
                        source,
                        destination,
                        vpce,
                    });
                }
                let mut buf = [0u8; 65536];
                loop {
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if !proxy_protocol {
                                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            }
                            if s.write_all(&buf[..n]).is_err() {
                                break;
                            }
                        }
                    }
                }
            });
        }
    });
    Echo {
        addr,
        seen: rx,
        hits,
    }
}

fn round_trip(s: &mut TcpStream, msg: &[u8]) -> std::io::Result<Vec<u8>> {
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    s.write_all(msg)?;
    let mut back = vec![0u8; msg.len()];
    s.read_exact(&mut back)?;
    Ok(back)
}

/// Whether the peer closed the connection (read gives 0 or an error).
fn closed(s: &mut TcpStream) -> bool {
    s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    let _ = s.write_all(b"x");
    let mut buf = [0u8; 16];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) => {
                return !matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                )
            }
        }
    }
}

fn in_subnets(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    a == 10 && b == 2 && (c == 1 || c == 2)
}

#[test]
fn a_consumer_reaches_the_target_through_the_endpoint_with_ppv2() {
    let server = Server::start();
    let target = echo(true);
    let tg = server.target_group();
    server.bind(&tg, Some(target.addr));
    assert_eq!(server.wait_health(&tg, "healthy").0, "healthy");

    let local = server.listener(ACCEPTED, 443).expect("a listener on 443");
    let mut c = TcpStream::connect(local).unwrap();
    assert_eq!(
        round_trip(&mut c, b"hello provider").unwrap(),
        b"hello provider"
    );
    let seen = target.seen.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(seen.vpce, ACCEPTED);
    let SocketAddr::V4(src) = seen.source else {
        panic!()
    };
    assert!(
        in_subnets(*src.ip()),
        "source {src} not in the consumer's subnets"
    );
    assert_eq!(src.port(), c.local_addr().unwrap().port());
    assert_eq!(seen.destination.port(), 443);
    let SocketAddr::V4(dst) = seen.destination else {
        panic!()
    };
    assert_eq!(
        dst.ip().octets()[..2],
        [10, 1],
        "destination is the NLB's address"
    );

    // The discovery names the endpoint's DNS names and the listener.
    let (_, d) = server.json("GET", "/_awsemu/dataplane", Value::Null);
    let e = d["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["vpcEndpointId"] == ACCEPTED)
        .unwrap();
    assert!(e["dnsNames"][0]
        .as_str()
        .unwrap()
        .starts_with(&format!("{ACCEPTED}-")));
    assert_eq!(e["listeners"][0]["protocol"], "TCP");

    // A pending endpoint has no listener.
    let waiting = d["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["vpcEndpointId"] == WAITING)
        .unwrap();
    assert_eq!(waiting["state"], "pendingAcceptance");
    assert_eq!(waiting["listeners"], json!([]));
}

#[test]
fn without_ppv2_the_target_gets_the_raw_stream() {
    let server = Server::start();
    let target = echo(false);
    let tg = server.target_group();
    server.elbv2(&format!(
        "Action=ModifyTargetGroupAttributes&TargetGroupArn={tg}&Attributes.member.1.Key=proxy_protocol_v2.enabled&Attributes.member.1.Value=false"
    ));
    server.bind(&tg, Some(target.addr));
    server.wait_health(&tg, "healthy");
    let mut c = TcpStream::connect(server.listener(ACCEPTED, 443).unwrap()).unwrap();
    // The echo server has no PPv2 parsing here: the first bytes are ours.
    assert_eq!(round_trip(&mut c, b"raw bytes").unwrap(), b"raw bytes");
}

#[test]
fn pending_rejected_and_deleted_endpoints_refuse_and_rejection_closes() {
    let server = Server::start();
    let target = echo(true);
    let tg = server.target_group();
    server.bind(&tg, Some(target.addr));
    server.wait_health(&tg, "healthy");

    // Pending: no listener.
    assert_eq!(server.listener(WAITING, 443), None);

    // Accepted: a listener appears and traffic flows.
    server.ec2(
        PROVIDER,
        &format!(
            "Action=AcceptVpcEndpointConnections&ServiceId={SERVICE}&VpcEndpointId.1={WAITING}"
        ),
    );
    let second = server
        .listener(WAITING, 443)
        .expect("listener once accepted");
    let mut c = TcpStream::connect(second).unwrap();
    assert_eq!(round_trip(&mut c, b"ping").unwrap(), b"ping");
    assert_eq!(
        target
            .seen
            .recv_timeout(Duration::from_secs(5))
            .unwrap()
            .vpce,
        WAITING
    );

    // Rejected mid-connection: the connection closes, new ones are refused.
    let first = server.listener(ACCEPTED, 443).unwrap();
    let mut live = TcpStream::connect(first).unwrap();
    assert_eq!(round_trip(&mut live, b"before").unwrap(), b"before");
    server.ec2(
        PROVIDER,
        &format!(
            "Action=RejectVpcEndpointConnections&ServiceId={SERVICE}&VpcEndpointId.1={ACCEPTED}"
        ),
    );
    assert_eq!(server.listener(ACCEPTED, 443), None);
    assert!(closed(&mut live), "the connection outlived the rejection");
    assert!(
        TcpStream::connect(first).is_err(),
        "a rejected endpoint's port still accepts"
    );

    // Deleted: the same.
    server.ec2(
        CONSUMER,
        &format!("Action=DeleteVpcEndpoints&VpcEndpointId.1={WAITING}"),
    );
    assert_eq!(server.listener(WAITING, 443), None);
    assert!(closed(&mut c), "the connection outlived the deletion");
    assert!(TcpStream::connect(second).is_err());
}

#[test]
fn an_unhealthy_target_gets_no_traffic_and_describe_target_health_says_so() {
    let server = Server::start();
    let good = echo(true);
    let tg = server.target_group();
    // A second target, bound to a port nobody listens on.
    server.elbv2(&format!(
        "Action=RegisterTargets&TargetGroupArn={tg}&Targets.member.1.Id=10.1.1.26&Targets.member.1.Port=8080"
    ));
    let dead = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    server.bind(&tg, Some(good.addr));
    let (status, body) = server.json(
        "POST",
        "/_awsemu/dataplane/targets",
        json!({"targetGroupArn": tg, "id": "10.1.1.26", "port": 8080, "local": dead.to_string()}),
    );
    assert_eq!(status, 200, "{body}");
    let deadline = Instant::now() + Duration::from_secs(10);
    let (mut healthy, mut unhealthy) = (false, None);
    while Instant::now() < deadline && !(healthy && unhealthy.is_some()) {
        let body = server.elbv2(&format!("Action=DescribeTargetHealth&TargetGroupArn={tg}"));
        for member in body.split("<member>").skip(1) {
            let id = between(member, "<Id>", "</Id>").unwrap_or("");
            let state = between(member, "<State>", "</State>").unwrap_or("");
            if id == "10.1.1.25" && state == "healthy" {
                healthy = true;
            }
            if id == "10.1.1.26" && state == "unhealthy" {
                unhealthy = between(member, "<Reason>", "</Reason>").map(str::to_string);
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(healthy);
    assert_eq!(unhealthy.as_deref(), Some("Target.FailedHealthChecks"));

    // Every connection goes to the healthy one.
    let local = server.listener(ACCEPTED, 443).unwrap();
    for i in 0..20 {
        let mut c = TcpStream::connect(local).unwrap();
        let msg = format!("conn {i}");
        assert_eq!(round_trip(&mut c, msg.as_bytes()).unwrap(), msg.as_bytes());
    }
    assert_eq!(good.hits.load(std::sync::atomic::Ordering::SeqCst), 20);

    // None healthy (both forced to fail): NLB fails open, to every bound
    // target; the good one answers its share, the dead one refuses.
    for id in ["10.1.1.25", "10.1.1.26"] {
        let (status, body) = server.json(
            "POST",
            "/_awsemu/elbv2/target-health",
            json!({"targetGroupArn": tg, "targetId": id, "port": 8080, "healthy": false}),
        );
        assert_eq!(status, 200, "{body}");
    }
    // The data plane sees the change on its next poll (every 20 ms): wait
    // for the first connection that the dead target refuses.
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        let mut c = TcpStream::connect(local).unwrap();
        if round_trip(&mut c, b"open?").is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let before = good.hits.load(std::sync::atomic::Ordering::SeqCst);
    let answered = (0..40)
        .filter(|_| {
            let mut c = TcpStream::connect(local).unwrap();
            round_trip(&mut c, b"open?").is_ok()
        })
        .count();
    assert!(
        answered > 0 && answered < 40,
        "fail-open spread: {answered}/40"
    );
    assert_eq!(
        good.hits.load(std::sync::atomic::Ordering::SeqCst) - before,
        answered
    );
}

#[test]
fn unbound_targets_are_unreachable_and_keep_the_simulated_health() {
    let server = Server::start();
    let tg = server.target_group();
    server.bind(&tg, None);
    // Simulated health, as before the data plane.
    assert_eq!(server.health(&tg).0, "healthy");
    let local = server.listener(ACCEPTED, 443).unwrap();
    let mut c = TcpStream::connect(local).unwrap();
    assert!(closed(&mut c), "no bound target: the connection closes");
}

#[test]
fn binding_needs_a_registered_target_and_a_local_address() {
    let server = Server::start();
    let tg = server.target_group();
    let (status, _) = server.json(
        "POST",
        "/_awsemu/dataplane/targets",
        json!({"targetGroupArn": tg, "id": "10.1.1.99", "port": 8080, "local": "127.0.0.1:9"}),
    );
    assert_eq!(status, 404);
    let (status, _) = server.json(
        "POST",
        "/_awsemu/dataplane/targets",
        json!({"targetGroupArn": tg, "id": "10.1.1.25", "port": 8080, "local": "nowhere"}),
    );
    assert_eq!(status, 400);
}

fn tag(body: &str, name: &str) -> String {
    between(body, &format!("<{name}>"), &format!("</{name}>"))
        .unwrap()
        .to_string()
}

#[test]
fn a_udp_listener_forwards_datagrams_both_ways() {
    let server = Server::start();
    let lb = tag(
        &server.elbv2("Action=DescribeLoadBalancers&Names.member.1=nlb-vpce"),
        "LoadBalancerArn",
    );
    let tg = tag(
        &server.elbv2("Action=CreateTargetGroup&Name=dns&Protocol=UDP&Port=53&VpcId=vpc-0d000000000000001&TargetType=ip"),
        "TargetGroupArn",
    );
    server.elbv2(&format!(
        "Action=RegisterTargets&TargetGroupArn={tg}&Targets.member.1.Id=10.1.1.30&Targets.member.1.Port=53"
    ));
    server.elbv2(&format!(
        "Action=CreateListener&LoadBalancerArn={lb}&Protocol=UDP&Port=53&DefaultActions.member.1.Type=forward&DefaultActions.member.1.TargetGroupArn={tg}"
    ));
    let target = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let target_addr = target.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 1500];
        while let Ok((n, from)) = target.recv_from(&mut buf) {
            let mut answer = b"re: ".to_vec();
            answer.extend_from_slice(&buf[..n]);
            let _ = target.send_to(&answer, from);
        }
    });
    let (status, body) = server.json(
        "POST",
        "/_awsemu/dataplane/targets",
        json!({"targetGroupArn": tg, "id": "10.1.1.30", "port": 53, "local": target_addr.to_string()}),
    );
    assert_eq!(status, 200, "{body}");
    let (_, d) = server.json("GET", "/_awsemu/dataplane", Value::Null);
    let listener = d["endpoints"][0]["listeners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["protocol"] == "UDP")
        .cloned()
        .expect("a UDP listener");
    assert_eq!(listener["port"], 53);
    let local: SocketAddr = listener["local"].as_str().unwrap().parse().unwrap();
    let client = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    for q in [&b"query one"[..], b"query two"] {
        client.send_to(q, local).unwrap();
        let mut buf = [0u8; 1500];
        let (n, from) = client.recv_from(&mut buf).unwrap();
        assert_eq!(from, local);
        assert_eq!(&buf[..n], [&b"re: "[..], q].concat().as_slice());
    }
}

#[test]
fn http_health_checks_match_the_status_code() {
    let server = Server::start();
    let tg = server.target_group();
    server.elbv2(&format!(
        "Action=ModifyTargetGroup&TargetGroupArn={tg}&HealthCheckProtocol=HTTP&HealthCheckPath=/ready&Matcher.HttpCode=200"
    ));
    // Answers 503 until told otherwise, and records the paths it is asked.
    let http = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = http.local_addr().unwrap();
    let ready = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let paths = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let (r, p) = (ready.clone(), paths.clone());
    std::thread::spawn(move || {
        for conn in http.incoming() {
            let Ok(mut s) = conn else { continue };
            let mut buf = [0u8; 2048];
            let n = s.read(&mut buf).unwrap_or(0);
            let req = String::from_utf8_lossy(&buf[..n]).to_string();
            if let Some(path) = req.split_whitespace().nth(1) {
                p.lock().unwrap().push(path.to_string());
            }
            let status = if r.load(std::sync::atomic::Ordering::SeqCst) {
                "200 OK"
            } else {
                "503 Service Unavailable"
            };
            let _ = s.write_all(
                format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            );
        }
    });
    server.bind(&tg, Some(addr));
    let (state, reason) = server.wait_health(&tg, "unhealthy");
    assert_eq!(
        (state.as_str(), reason.as_deref()),
        ("unhealthy", Some("Target.ResponseCodeMismatch"))
    );
    assert_eq!(paths.lock().unwrap()[0], "/ready");
    ready.store(true, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(server.wait_health(&tg, "healthy").0, "healthy");
}
