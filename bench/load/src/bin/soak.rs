//! awsemu soak: 64 clients for a while across several accounts and Regions,
//! mixing reads and writes of EC2 (VPCs, subnets, endpoints, endpoint
//! connections), ELBv2 (target groups) and ECS (clusters, tasks), some of
//! them dropping their connection mid-request. Then checks:
//! - the world's invariants (`emulator/tests/support/invariants.rs`) on the
//!   raw state, every few seconds under load and at the end;
//! - every acknowledged create is visible exactly once (where it was made,
//!   nowhere else), unless its client deleted it;
//! - export → load (a second awsemu) → export is identical;
//! - memory plateaus: the server's RSS, sampled every second, printed.
//!
//! Usage: `awsemu-soak [--secs 30] [--clients 64] [--awsemu path]` (default:
//! `awsemu` beside this binary). Exits non-zero on any violation.

#[path = "../../../../emulator/tests/support/invariants.rs"]
mod invariants;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use awsemu_load::Server;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{handshake, SendRequest};
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const ECS_PREFIX: &str = "AmazonEC2ContainerServiceV20141113.";
const ACCOUNTS: [&str; 3] = ["111111111111", "222222222222", "333333333333"];
const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
/// The account that provides an endpoint service in each Region.
const PROVIDER: usize = 0;
/// What one client keeps at most at a time (subnets, endpoints, target
/// groups), and the tasks it runs in all.
const MAX_SUBNETS: usize = 6;
const MAX_ENDPOINTS: usize = 4;
const MAX_TARGET_GROUPS: usize = 4;
const MAX_TASKS_RUN: usize = 12;

type R<T> = Result<T, String>;

/// An answer slower than this is a violation (and the connection is dropped).
const ANSWER_WITHIN: Duration = Duration::from_secs(10);
const TIMED_OUT: &str = "no answer within 10 s";

#[derive(Clone, Copy, PartialEq)]
enum Proto {
    Ec2,
    Elbv2,
    Ecs(&'static str),
}

#[derive(Clone)]
struct Call {
    account: usize,
    region: usize,
    proto: Proto,
    body: String,
}

impl Call {
    fn ec2(account: usize, region: usize, form: impl AsRef<str>) -> Call {
        Call {
            account,
            region,
            proto: Proto::Ec2,
            body: format!("Version=2016-11-15&{}", form.as_ref()),
        }
    }
    fn elbv2(account: usize, region: usize, form: impl AsRef<str>) -> Call {
        Call {
            account,
            region,
            proto: Proto::Elbv2,
            body: format!("Version=2015-12-01&{}", form.as_ref()),
        }
    }
    fn ecs(account: usize, region: usize, op: &'static str, body: Value) -> Call {
        Call {
            account,
            region,
            proto: Proto::Ecs(op),
            body: body.to_string(),
        }
    }

    fn headers(&self) -> Vec<(&'static str, String)> {
        let service = match self.proto {
            Proto::Ec2 => "ec2",
            Proto::Elbv2 => "elasticloadbalancing",
            Proto::Ecs(_) => "ecs",
        };
        let mut h = vec![
            ("host", "127.0.0.1".to_string()),
            (
                "authorization",
                format!(
                    "AWS4-HMAC-SHA256 Credential={}/20260101/{}/{service}/aws4_request, SignedHeaders=host, Signature=00",
                    ACCOUNTS[self.account], REGIONS[self.region]
                ),
            ),
        ];
        match self.proto {
            Proto::Ecs(op) => {
                h.push(("x-amz-target", format!("{ECS_PREFIX}{op}")));
                h.push(("content-type", "application/x-amz-json-1.1".into()));
            }
            _ => h.push(("content-type", "application/x-www-form-urlencoded".into())),
        }
        h
    }

    fn request(&self) -> Request<Full<Bytes>> {
        let mut b = Request::post("/");
        for (k, v) in self.headers() {
            b = b.header(k, v);
        }
        b.body(Full::new(Bytes::from(self.body.clone())))
            .expect("a request")
    }

    /// The operation's name, for the tally.
    fn op(&self) -> String {
        match self.proto {
            Proto::Ecs(op) => op.to_string(),
            _ => self
                .body
                .split('&')
                .find_map(|kv| kv.strip_prefix("Action="))
                .unwrap_or("?")
                .to_string(),
        }
    }
}

fn enc(s: &str) -> String {
    form_urlencoded_light(s)
}

/// Percent-encoding of a form value (no dependency for so little).
fn form_urlencoded_light(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = s.find(open)? + open.len();
    let end = s[start..].find(close)? + start;
    Some(&s[start..end])
}

fn all_between<'a>(s: &'a str, open: &str, close: &str) -> Vec<&'a str> {
    s.split(open)
        .skip(1)
        .filter_map(|x| x.split(close).next())
        .collect()
}

/// The error code of an answer (query: `<Code>`, JSON: `__type`).
fn code_of(body: &str) -> String {
    if let Some(c) = between(body, "<Code>", "</Code>") {
        return c.to_string();
    }
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| {
            v["__type"]
                .as_str()
                .map(|t| t.rsplit('#').next().unwrap_or(t).to_string())
        })
        .unwrap_or_else(|| "?".into())
}

struct Conn {
    addr: SocketAddr,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Conn {
    fn new(addr: SocketAddr) -> Conn {
        Conn { addr, sender: None }
    }

    async fn sender(&mut self) -> R<&mut SendRequest<Full<Bytes>>> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            let stream = TcpStream::connect(self.addr)
                .await
                .map_err(|e| e.to_string())?;
            let _ = stream.set_nodelay(true);
            let (sender, conn) = handshake(TokioIo::new(stream))
                .await
                .map_err(|e| e.to_string())?;
            tokio::spawn(conn);
            self.sender = Some(sender);
        }
        let s = self.sender.as_mut().ok_or("no connection")?;
        s.ready().await.map_err(|e| e.to_string())?;
        Ok(s)
    }

    async fn send(&mut self, call: &Call) -> R<(u16, String)> {
        let result = tokio::time::timeout(ANSWER_WITHIN, async {
            let s = self.sender().await?;
            let resp = s
                .send_request(call.request())
                .await
                .map_err(|e| e.to_string())?;
            let status = resp.status().as_u16();
            let body = resp
                .into_body()
                .collect()
                .await
                .map_err(|e| e.to_string())?
                .to_bytes();
            Ok((status, String::from_utf8_lossy(&body).into_owned()))
        })
        .await
        .unwrap_or_else(|_| Err(TIMED_OUT.to_string()));
        if result.is_err() {
            self.sender = None;
        }
        result
    }

    async fn get(&mut self, path: &str) -> R<String> {
        tokio::time::timeout(Duration::from_secs(120), self.get_now(path))
            .await
            .unwrap_or_else(|_| Err(format!("GET {path}: no answer within 120 s")))
    }

    async fn get_now(&mut self, path: &str) -> R<String> {
        let s = self.sender().await?;
        let req = Request::get(path)
            .header("host", "127.0.0.1")
            .body(Full::new(Bytes::new()))
            .map_err(|e| e.to_string())?;
        let resp = s.send_request(req).await.map_err(|e| e.to_string())?;
        let status = resp.status();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        if !status.is_success() {
            return Err(format!("GET {path}: {status}"));
        }
        Ok(String::from_utf8_lossy(&body).into_owned())
    }

    async fn ok(&mut self, call: &Call) -> R<String> {
        let (status, body) = self.send(call).await?;
        if status != 200 {
            return Err(format!("{}: {status}: {body}", call.op()));
        }
        Ok(body)
    }
}

/// A request on a connection of its own that the client abandons: after
/// half of its body, or right after sending all of it (without reading the
/// answer).
async fn abandon(addr: SocketAddr, call: &Call, half: bool) -> R<()> {
    let mut s = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let mut head = format!("POST / HTTP/1.1\r\nContent-Length: {}\r\n", call.body.len());
    for (k, v) in call.headers() {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let body = call.body.as_bytes();
    let cut = if half { body.len() / 2 } else { body.len() };
    s.write_all(head.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    s.write_all(&body[..cut]).await.map_err(|e| e.to_string())?;
    s.flush().await.map_err(|e| e.to_string())?;
    if !half {
        // Let the request reach the server before the close.
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    drop(s);
    Ok(())
}

/// What a client keeps ids of, to delete them later.
#[derive(Clone, Copy)]
enum Kept {
    Subnets,
    Endpoints,
    TargetGroups,
}

impl Kept {
    /// The kind its creates are counted as.
    fn kind(self) -> &'static str {
        match self {
            Kept::Subnets => "subnet",
            Kept::Endpoints => "endpoint",
            Kept::TargetGroups => "target-group",
        }
    }
}

/// A small xorshift generator: each client its own, from its number.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// What a client was told it created: kind, id, account, Region, and
/// whether it deleted it since (acknowledged too).
#[derive(Clone, Debug)]
struct Created {
    kind: &'static str,
    id: String,
    account: usize,
    region: usize,
    deleted: bool,
}

#[derive(Default)]
struct Tally {
    requests: u64,
    ok: u64,
    /// Error code → count.
    errors: BTreeMap<String, u64>,
    /// Transport failures (not answers).
    transport: u64,
    /// Requests unanswered within `ANSWER_WITHIN`.
    timeouts: u64,
    abandoned: u64,
    created: Vec<Created>,
}

/// What every client knows before it starts: the endpoint service of each
/// Region, and the default subnets of each account and Region.
struct Shared {
    services: Vec<(String, String)>,
    default_subnets: BTreeMap<(usize, usize), Vec<String>>,
}

struct Client {
    n: usize,
    account: usize,
    region: usize,
    rng: Rng,
    conn: Conn,
    addr: SocketAddr,
    tally: Tally,
    vpc: String,
    octet: u8,
    subnets: Vec<String>,
    endpoints: Vec<String>,
    tgs: Vec<String>,
    clusters: Vec<String>,
    tasks: Vec<(String, String)>,
    shared: Arc<Shared>,
    seq: u64,
    tasks_run: usize,
}

impl Client {
    fn ec2(&self, form: impl AsRef<str>) -> Call {
        Call::ec2(self.account, self.region, form)
    }

    /// Sends, counts, and gives the body of a success.
    async fn call(&mut self, call: Call) -> Option<String> {
        self.tally.requests += 1;
        match self.conn.send(&call).await {
            Ok((200, body)) => {
                self.tally.ok += 1;
                Some(body)
            }
            Ok((status, body)) => {
                let code = if status >= 500 {
                    format!("{status} {}", code_of(&body))
                } else {
                    code_of(&body)
                };
                *self.tally.errors.entry(code).or_default() += 1;
                None
            }
            Err(e) => {
                if e == TIMED_OUT {
                    self.tally.timeouts += 1;
                } else {
                    self.tally.transport += 1;
                }
                None
            }
        }
    }

    fn created(&mut self, kind: &'static str, id: &str) {
        self.tally.created.push(Created {
            kind,
            id: id.to_string(),
            account: self.account,
            region: self.region,
            deleted: false,
        });
    }

    fn deleted(&mut self, id: &str) {
        if let Some(c) = self.tally.created.iter_mut().find(|c| c.id == id) {
            c.deleted = true;
        }
    }

    async fn setup(&mut self) {
        // Octets per client: unique in its account and Region is not needed
        // (VPC blocks may overlap), but it keeps subnets apart.
        self.octet = (self.n % 250) as u8;
        if let Some(b) = self
            .call(self.ec2(format!(
                "Action=CreateVpc&CidrBlock=10.{}.0.0/16",
                self.octet
            )))
            .await
        {
            if let Some(id) = between(&b, "<vpcId>", "</vpcId>") {
                self.vpc = id.to_string();
                self.created("vpc", id);
            }
        }
    }

    /// One step: a read most of the time, else a write (some abandoned).
    async fn step(&mut self) {
        self.seq += 1;
        let roll = self.rng.below(100);
        let (a, r) = (self.account, self.region);
        if roll < 40 {
            let call = match self.rng.below(6) {
                0 => self.ec2("Action=DescribeVpcs"),
                1 => self.ec2("Action=DescribeVpcEndpoints"),
                2 => self.ec2(format!(
                    "Action=DescribeSubnets&Filter.1.Name=vpc-id&Filter.1.Value.1={}",
                    self.vpc
                )),
                3 => self.ec2("Action=DescribeNetworkInterfaces"),
                4 => Call::elbv2(a, r, "Action=DescribeTargetGroups"),
                _ => Call::ecs(a, r, "ListClusters", json!({})),
            };
            self.call(call).await;
            return;
        }
        if self.rng.chance(3) {
            // A write whose client goes away mid-request.
            // Always the same block: one such subnet at most per client.
            let half = self.rng.chance(50);
            let az = format!("{}a", REGIONS[self.region]);
            let call = self.ec2(format!(
                "Action=CreateSubnet&VpcId={}&CidrBlock=10.{}.255.0/24&AvailabilityZone={az}",
                self.vpc, self.octet
            ));
            self.tally.abandoned += 1;
            if abandon(self.addr, &call, half).await.is_err() {
                self.tally.transport += 1;
            }
            return;
        }
        // A bounded world, so that memory can plateau: at a cap, a create
        // becomes a delete of its kind (stopped tasks are kept, so each
        // client runs at most MAX_TASKS_RUN).
        let roll = match roll {
            40..=49 if self.subnets.len() >= MAX_SUBNETS => 50,
            55..=61 if self.endpoints.len() >= MAX_ENDPOINTS => 62,
            72..=76 if self.tgs.len() >= MAX_TARGET_GROUPS => 77,
            83..=92 if self.tasks_run >= MAX_TASKS_RUN => 93,
            r => r,
        };
        match roll {
            40..=49 => {
                let call = self.create_subnet_call();
                self.create(Kept::Subnets, call, "<subnetId>", "</subnetId>")
                    .await;
            }
            50..=54 => {
                self.delete(Kept::Subnets, |c, id| {
                    c.ec2(format!("Action=DeleteSubnet&SubnetId={id}"))
                })
                .await;
            }
            55..=61 => {
                // An endpoint to the Region's service (or to an AWS service).
                let Some(i) = self.some(self.subnets.len()) else {
                    return;
                };
                let subnet = self.subnets[i].clone();
                let name = if self.rng.chance(70) {
                    self.shared.services[r].1.clone()
                } else {
                    format!("com.amazonaws.{}.ecr.api", REGIONS[r])
                };
                let form = format!(
                    "Action=CreateVpcEndpoint&VpcEndpointType=Interface&VpcId={}&ServiceName={name}&SubnetId.1={subnet}&PrivateDnsEnabled=false",
                    self.vpc
                );
                let call = self.ec2(form);
                self.create(Kept::Endpoints, call, "<vpcEndpointId>", "</vpcEndpointId>")
                    .await;
            }
            62..=65 => {
                self.delete(Kept::Endpoints, |c, id| {
                    c.ec2(format!("Action=DeleteVpcEndpoints&VpcEndpointId.1={id}"))
                })
                .await;
            }
            66..=71 => {
                // The provider accepts or rejects what waits (any client
                // of the provider account; others get it wrong on purpose).
                let svc = self.shared.services[r].0.clone();
                let Some(b) = self
                    .call(Call::ec2(
                        PROVIDER,
                        r,
                        format!("Action=DescribeVpcEndpointConnections&Filter.1.Name=service-id&Filter.1.Value.1={svc}&Filter.2.Name=vpc-endpoint-state&Filter.2.Value.1=pendingAcceptance"),
                    ))
                    .await
                else {
                    return;
                };
                let waiting = all_between(&b, "<vpcEndpointId>", "</vpcEndpointId>");
                if waiting.is_empty() {
                    return;
                }
                let ep = waiting[self.rng.below(waiting.len())].to_string();
                let action = if self.rng.chance(75) {
                    "AcceptVpcEndpointConnections"
                } else {
                    "RejectVpcEndpointConnections"
                };
                let who = if self.rng.chance(10) { a } else { PROVIDER };
                self.call(Call::ec2(
                    who,
                    r,
                    format!("Action={action}&ServiceId={svc}&VpcEndpointId.1={ep}"),
                ))
                .await;
            }
            72..=76 => {
                let form = format!(
                    "Action=CreateTargetGroup&Name=s{}-{}&Protocol=TCP&Port=80&VpcId={}&TargetType=ip",
                    self.n, self.seq, self.vpc
                );
                let call = Call::elbv2(a, r, form);
                self.create(
                    Kept::TargetGroups,
                    call,
                    "<TargetGroupArn>",
                    "</TargetGroupArn>",
                )
                .await;
            }
            77..=79 => {
                self.delete(Kept::TargetGroups, |_, id| {
                    Call::elbv2(
                        a,
                        r,
                        format!("Action=DeleteTargetGroup&TargetGroupArn={}", enc(id)),
                    )
                })
                .await;
            }
            80..=82 => {
                if self.clusters.len() < 3 {
                    let name = format!("soak-{}-{}", self.n, self.seq);
                    if let Some(b) = self
                        .call(Call::ecs(
                            a,
                            r,
                            "CreateCluster",
                            json!({ "clusterName": name }),
                        ))
                        .await
                    {
                        if b.contains("clusterArn") {
                            self.clusters.push(name.clone());
                            self.created("cluster", &name);
                        }
                    }
                }
            }
            83..=92 => {
                let Some(i) = self.some(self.clusters.len()) else {
                    return;
                };
                if self.tasks.len() >= 8 {
                    return;
                }
                let cluster = self.clusters[i].clone();
                // Default subnets (public: tasks reach their registry), or
                // one of its own (private: the task stops, unreachable).
                let subnets = if self.rng.chance(70) || self.subnets.is_empty() {
                    self.shared.default_subnets[&(a, r)].clone()
                } else {
                    vec![self.subnets[self.rng.below(self.subnets.len())].clone()]
                };
                let body = json!({
                    "cluster": cluster, "taskDefinition": "soak", "launchType": "FARGATE",
                    "count": 1 + self.rng.below(2),
                    "networkConfiguration": {"awsvpcConfiguration": {
                        "subnets": subnets, "assignPublicIp": "ENABLED"}}});
                self.tasks_run += 1;
                if let Some(b) = self.call(Call::ecs(a, r, "RunTask", body)).await {
                    let v: Value = serde_json::from_str(&b).unwrap_or(Value::Null);
                    for t in v["tasks"].as_array().into_iter().flatten() {
                        if let Some(arn) = t["taskArn"].as_str() {
                            self.tasks.push((cluster.clone(), arn.to_string()));
                            let id = arn.rsplit('/').next().unwrap_or(arn).to_string();
                            self.created("task", &id);
                        }
                    }
                }
            }
            93..=96 => {
                if let Some(i) = self.some(self.tasks.len()) {
                    let (cluster, arn) = self.tasks.remove(i);
                    self.call(Call::ecs(
                        a,
                        r,
                        "StopTask",
                        json!({ "cluster": cluster, "task": arn }),
                    ))
                    .await;
                }
            }
            _ => {
                // Invalid ids and arguments.
                let call = match self.rng.below(4) {
                    0 => self.ec2("Action=DeleteSubnet&SubnetId=subnet-0123456789abcdef0"),
                    1 => self.ec2(format!(
                        "Action=CreateSubnet&VpcId={}&CidrBlock=10.{}.0.0/29",
                        self.vpc, self.octet
                    )),
                    2 => self.ec2(format!(
                        "Action=CreateVpcEndpoint&VpcId={}&ServiceName=com.amazonaws.vpce.{}.vpce-svc-0123456789abcdef0&SubnetId.1={}",
                        self.vpc,
                        REGIONS[r],
                        self.subnets.first().cloned().unwrap_or_default()
                    )),
                    _ => Call::ecs(
                        a,
                        r,
                        "StopTask",
                        json!({ "cluster": "nope", "task": "0123456789abcdef0123456789abcdef" }),
                    ),
                };
                self.call(call).await;
            }
        }
    }

    fn create_subnet_call(&mut self) -> Call {
        let third = self.rng.below(255);
        let az = if self.rng.chance(50) { "a" } else { "b" };
        self.ec2(format!(
            "Action=CreateSubnet&VpcId={}&CidrBlock=10.{}.{third}.0/24&AvailabilityZone={}{az}",
            self.vpc, self.octet, REGIONS[self.region]
        ))
    }

    fn kept(&mut self, k: Kept) -> &mut Vec<String> {
        match k {
            Kept::Subnets => &mut self.subnets,
            Kept::Endpoints => &mut self.endpoints,
            Kept::TargetGroups => &mut self.tgs,
        }
    }

    /// Sends a create and keeps the id its answer carries between `open`
    /// and `close`.
    async fn create(&mut self, k: Kept, call: Call, open: &str, close: &str) {
        if let Some(b) = self.call(call).await {
            if let Some(id) = between(&b, open, close) {
                self.kept(k).push(id.to_string());
                self.created(k.kind(), id);
            }
        }
    }

    /// Deletes a kept id of `k`, picked at random, with the call `delete`
    /// makes of it; forgets it once acknowledged.
    async fn delete(&mut self, k: Kept, delete: impl Fn(&Self, &str) -> Call) {
        let len = self.kept(k).len();
        let Some(i) = self.some(len) else {
            return;
        };
        let id = self.kept(k)[i].clone();
        if self.call(delete(self, &id)).await.is_some() {
            self.kept(k).remove(i);
            self.deleted(&id);
        }
    }

    fn some(&mut self, len: usize) -> Option<usize> {
        (len > 0).then(|| self.rng.below(len))
    }
}

/// The provider's endpoint service in each Region, the task definition
/// and the default subnets everywhere.
async fn prepare(addr: SocketAddr) -> R<Shared> {
    let mut c = Conn::new(addr);
    let mut services = Vec::new();
    for (r, region) in REGIONS.iter().enumerate() {
        let vpc = c
            .ok(&Call::ec2(
                PROVIDER,
                r,
                "Action=CreateVpc&CidrBlock=10.250.0.0/16",
            ))
            .await?;
        let vpc = between(&vpc, "<vpcId>", "</vpcId>")
            .ok_or("no vpc")?
            .to_string();
        let subnet = c
            .ok(&Call::ec2(
                PROVIDER,
                r,
                format!(
                    "Action=CreateSubnet&VpcId={vpc}&CidrBlock=10.250.0.0/20&AvailabilityZone={}a",
                    region
                ),
            ))
            .await?;
        let subnet = between(&subnet, "<subnetId>", "</subnetId>")
            .ok_or("no subnet")?
            .to_string();
        let lb = c
            .ok(&Call::elbv2(
                PROVIDER,
                r,
                format!("Action=CreateLoadBalancer&Name=provider&Type=network&Scheme=internal&Subnets.member.1={subnet}"),
            ))
            .await?;
        let lb = between(&lb, "<LoadBalancerArn>", "</LoadBalancerArn>")
            .ok_or("no load balancer")?
            .to_string();
        let svc = c
            .ok(&Call::ec2(
                PROVIDER,
                r,
                format!(
                    "Action=CreateVpcEndpointServiceConfiguration&NetworkLoadBalancerArn.1={}&AcceptanceRequired=true",
                    enc(&lb)
                ),
            ))
            .await?;
        let id = between(&svc, "<serviceId>", "</serviceId>")
            .ok_or("no service")?
            .to_string();
        let name = between(&svc, "<serviceName>", "</serviceName>")
            .ok_or("no service name")?
            .to_string();
        c.ok(&Call::ec2(
            PROVIDER,
            r,
            format!("Action=ModifyVpcEndpointServicePermissions&ServiceId={id}&AddAllowedPrincipals.1=*"),
        ))
        .await?;
        services.push((id, name));
    }
    let mut default_subnets = BTreeMap::new();
    for a in 0..ACCOUNTS.len() {
        for r in 0..REGIONS.len() {
            let b = c
                .ok(&Call::ec2(
                    a,
                    r,
                    "Action=DescribeSubnets&Filter.1.Name=default-for-az&Filter.1.Value.1=true",
                ))
                .await?;
            let ids: Vec<String> = all_between(&b, "<subnetId>", "</subnetId>")
                .into_iter()
                .take(2)
                .map(str::to_string)
                .collect();
            default_subnets.insert((a, r), ids);
            c.ok(&Call::ecs(
                a,
                r,
                "RegisterTaskDefinition",
                json!({
                    "family": "soak", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
                    "cpu": "256", "memory": "512",
                    "containerDefinitions": [{"name": "app", "image": "public.ecr.aws/nginx/nginx:latest"}]}),
            ))
            .await?;
        }
    }
    Ok(Shared {
        services,
        default_subnets,
    })
}

/// Where each acknowledged, undeleted create is in the raw state: exactly
/// once, in its own account and Region.
fn check_created(raw: &Value, created: &[Created]) -> Vec<String> {
    let mut out = Vec::new();
    let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
    for c in created {
        *ids.entry(c.id.as_str()).or_default() += 1;
    }
    for (id, n) in &ids {
        if *n > 1 {
            out.push(format!("{id} was acknowledged as created {n} times"));
        }
    }
    let place = |kind: &str, a: &Value| -> Value {
        match kind {
            "vpc" => a["ec2"]["vpcs"].clone(),
            "subnet" => a["ec2"]["subnets"].clone(),
            "endpoint" => a["ec2"]["endpoints"].clone(),
            "target-group" => a["elbv2"]["target_groups"].clone(),
            "cluster" => a["ecs"]["clusters"].clone(),
            _ => a["ecs"]["tasks"].clone(),
        }
    };
    for c in created.iter().filter(|c| !c.deleted) {
        let mut found = 0;
        let mut home = false;
        for (region, accounts) in raw["regions"].as_object().into_iter().flatten() {
            for (account, a) in accounts.as_object().into_iter().flatten() {
                if place(c.kind, a).get(&c.id).is_some() {
                    found += 1;
                    home |= region == REGIONS[c.region] && account == ACCOUNTS[c.account];
                }
            }
        }
        if found != 1 || !home {
            out.push(format!(
                "{} {} of {} in {}: seen {found} times{}",
                c.kind,
                c.id,
                ACCOUNTS[c.account],
                REGIONS[c.region],
                if home { "" } else { ", not where it was made" }
            ));
        }
    }
    out
}

/// Where two JSON values first differ (a path and both sides).
fn first_difference(a: &Value, b: &Value, path: &str) -> String {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for key in x.keys().chain(y.keys()) {
                let (va, vb) = (
                    x.get(key).unwrap_or(&Value::Null),
                    y.get(key).unwrap_or(&Value::Null),
                );
                if va != vb {
                    return first_difference(va, vb, &format!("{path}.{key}"));
                }
            }
            String::new()
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                if va != vb {
                    return first_difference(va, vb, &format!("{path}[{i}]"));
                }
            }
            String::new()
        }
        _ => {
            let short = |v: &Value| v.to_string().chars().take(800).collect::<String>();
            format!(
                "at {path}:\n    first:  {}\n    second: {}",
                short(a),
                short(b)
            )
        }
    }
}

struct Args {
    secs: u64,
    clients: usize,
    awsemu: String,
}

fn args() -> R<Args> {
    let here = std::env::current_exe().map_err(|e| e.to_string())?;
    let dir = here.parent().ok_or("no directory")?;
    let mut a = Args {
        secs: 30,
        clients: 64,
        awsemu: dir.join("awsemu").to_string_lossy().into_owned(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut val = || it.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--secs" => a.secs = val()?.parse().map_err(|e| format!("--secs: {e}"))?,
            "--clients" => a.clients = val()?.parse().map_err(|e| format!("--clients: {e}"))?,
            "--awsemu" => a.awsemu = val()?,
            "-h" | "--help" => {
                println!("awsemu-soak [--secs 30] [--clients 64] [--awsemu path/to/awsemu]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(a)
}

async fn run() -> R<bool> {
    let args = args()?;
    println!(
        "awsemu: {}\n{} clients for {} s, accounts {:?}, Regions {:?}",
        args.awsemu, args.clients, args.secs, ACCOUNTS, REGIONS
    );
    let server = Arc::new(Server::spawn(&args.awsemu, &["serve", "--port", "0"]).await?);
    let addr = server.addr;
    let shared = Arc::new(prepare(addr).await?);
    let start = Instant::now();
    let until = start + Duration::from_secs(args.secs);

    // RSS every second.
    let rss: Arc<Mutex<Vec<(u64, f64)>>> = Arc::default();
    let sampler = {
        let (rss, server) = (rss.clone(), server.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                let t = start.elapsed().as_secs();
                if let Some(m) = server.rss_mib() {
                    rss.lock().expect("rss").push((t, m));
                    if t % 5 == 0 {
                        println!("  t={t:>5} s  RSS {m:.1} MiB");
                    }
                }
                if Instant::now() >= until {
                    break;
                }
            }
        })
    };

    // Invariants under load, every 5 s.
    let checks = Arc::new(AtomicU64::new(0));
    let live_violations: Arc<Mutex<Vec<String>>> = Arc::default();
    let checker = {
        let (checks, live) = (checks.clone(), live_violations.clone());
        tokio::spawn(async move {
            let mut c = Conn::new(addr);
            while Instant::now() + Duration::from_secs(5) < until {
                tokio::time::sleep(Duration::from_secs(5)).await;
                let Ok(text) = c.get("/_awsemu/state?format=raw").await else {
                    continue;
                };
                let raw: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                let report = invariants::check(&raw);
                checks.fetch_add(report.checks, Ordering::Relaxed);
                live.lock().expect("live").extend(report.violations);
            }
        })
    };

    let mut handles = Vec::new();
    for n in 0..args.clients {
        let shared = shared.clone();
        handles.push(tokio::spawn(async move {
            let mut c = Client {
                n,
                account: n % ACCOUNTS.len(),
                region: (n / ACCOUNTS.len()) % REGIONS.len(),
                rng: Rng(0x9E37_79B9_7F4A_7C15 ^ (n as u64 + 1).wrapping_mul(0x2545_F491_4F6C_DD1D)),
                conn: Conn::new(addr),
                addr,
                tally: Tally::default(),
                vpc: String::new(),
                octet: 0,
                subnets: Vec::new(),
                endpoints: Vec::new(),
                tgs: Vec::new(),
                clusters: Vec::new(),
                tasks: Vec::new(),
                shared,
                seq: 0,
                tasks_run: 0,
            };
            c.setup().await;
            while Instant::now() < until {
                c.step().await;
            }
            c.tally
        }));
    }
    let mut total = Tally::default();
    for h in handles {
        let t = h.await.map_err(|e| e.to_string())?;
        total.requests += t.requests;
        total.ok += t.ok;
        total.transport += t.transport;
        total.timeouts += t.timeouts;
        total.abandoned += t.abandoned;
        for (k, v) in t.errors {
            *total.errors.entry(k).or_default() += v;
        }
        total.created.extend(t.created);
    }
    let elapsed = start.elapsed().as_secs_f64();
    let _ = sampler.await;
    let _ = checker.await;

    println!(
        "clients done after {:.1} s; checking the end state",
        start.elapsed().as_secs_f64()
    );
    // The end state.
    let mut c = Conn::new(addr);
    let raw: Value = serde_json::from_str(&c.get("/_awsemu/state?format=raw").await?)
        .map_err(|e| e.to_string())?;
    let report = invariants::check(&raw);
    checks.fetch_add(report.checks, Ordering::Relaxed);
    let mut violations = live_violations.lock().expect("live").clone();
    violations.extend(report.violations);
    let missing = check_created(&raw, &total.created);
    violations.extend(missing);

    // Export → load → export.
    let exported = c.get("/_awsemu/state?format=json").await?;
    let file = std::env::temp_dir().join(format!("awsemu-soak-{}.json", std::process::id()));
    std::fs::write(&file, &exported).map_err(|e| e.to_string())?;
    let again = Server::spawn(
        &args.awsemu,
        &[
            "serve",
            "--port",
            "0",
            "--scenario",
            file.to_string_lossy().as_ref(),
        ],
    )
    .await;
    let round_trip_ok = match again {
        Ok(again) => {
            let reexported = Conn::new(again.addr)
                .get("/_awsemu/state?format=json")
                .await?;
            let _ = std::fs::remove_file(&file);
            let (x, y): (Value, Value) = (
                serde_json::from_str(&exported).map_err(|e| e.to_string())?,
                serde_json::from_str(&reexported).map_err(|e| e.to_string())?,
            );
            if x != y {
                violations.push(format!(
                    "export → load → export differs {}",
                    first_difference(&x, &y, "")
                ));
            }
            x == y
        }
        Err(_) => {
            // Why it does not load, from `awsemu scenario check`.
            let out = std::process::Command::new(&args.awsemu)
                .args(["scenario", "check", file.to_string_lossy().as_ref()])
                .output()
                .map_err(|e| e.to_string())?;
            violations.push(format!(
                "the export ({}) does not load: {}",
                file.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
            true
        }
    };
    if !round_trip_ok {
        violations.push("export → load → export differs".into());
    }

    let samples = rss.lock().expect("rss").clone();
    let (min, max) = samples.iter().fold((f64::MAX, 0f64), |(lo, hi), (_, m)| {
        (lo.min(*m), hi.max(*m))
    });
    let last = samples.last().map_or(0.0, |s| s.1);
    // Plateau: the last fifth against the middle fifth.
    let fifth = |i: usize| -> f64 {
        let n = samples.len();
        let part = &samples[n * i / 5..(n * (i + 1) / 5).max(n * i / 5 + 1).min(n)];
        part.iter().map(|s| s.1).sum::<f64>() / part.len().max(1) as f64
    };
    let kept = total.created.iter().filter(|c| !c.deleted).count();
    println!(
        "\nrequests: {} in {elapsed:.1} s ({:.0} req/s), {} ok",
        total.requests,
        total.requests as f64 / elapsed,
        total.ok
    );
    println!(
        "abandoned mid-request: {}, transport errors: {}, unanswered within 10 s: {}",
        total.abandoned, total.transport, total.timeouts
    );
    if total.timeouts > 0 {
        violations.push(format!(
            "{} requests unanswered within 10 s",
            total.timeouts
        ));
    }
    println!("errors by code:");
    for (code, n) in &total.errors {
        println!("  {code:<48} {n}");
    }
    let mut by_kind: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for c in &total.created {
        let e = by_kind.entry(c.kind).or_default();
        e.0 += 1;
        e.1 += usize::from(c.deleted);
    }
    println!(
        "acknowledged creates: {} ({kept} kept, checked exactly once)",
        total.created.len()
    );
    for (kind, (n, d)) in by_kind {
        println!("  {kind:<14} {n:>7} created, {d:>7} deleted");
    }
    if !samples.is_empty() {
        println!(
            "RSS: min {min:.1} MiB, max {max:.1} MiB, last {last:.1} MiB; mean of the middle fifth {:.1}, of the last fifth {:.1} MiB",
            fifth(2),
            fifth(4)
        );
    }
    println!(
        "invariant checks: {} (in {} states), export → load → export: {}",
        checks.load(Ordering::Relaxed),
        args.secs / 5,
        if round_trip_ok {
            "identical"
        } else {
            "DIFFERS"
        }
    );
    let server_5xx: u64 = total
        .errors
        .iter()
        .filter(|(k, _)| k.starts_with('5'))
        .map(|(_, v)| v)
        .sum();
    if server_5xx > 0 {
        violations.push(format!("{server_5xx} answers were 5xx"));
    }
    if violations.is_empty() {
        println!("violations: none");
        Ok(true)
    } else {
        println!("violations: {}", violations.len());
        for v in violations.iter().take(50) {
            println!("  {v}");
        }
        Ok(false)
    }
}

#[tokio::main]
async fn main() {
    match run().await {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => {
            eprintln!("awsemu-soak: {e}");
            std::process::exit(2);
        }
    }
}
