//! awsemu under load, side by side with a bare hyper server answering the
//! same bytes (`awsemu-bare`), driven by the same load generator in the same
//! run. Prints, per request and number of connections, both servers' req/s,
//! p50 and p99 and the ratios; then start-up, memory, and readers' figures
//! while another account writes.
//!
//! Usage: `awsemu-throughput [path/to/awsemu]` (default: `awsemu` beside this
//! binary). `AWSEMU_BENCH_SECS` sets the seconds per measurement (default 2);
//! `AWSEMU_BENCH_ONLY` keeps the requests whose name contains it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use awsemu_load::Server;
use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{handshake, SendRequest};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

const ECS_PREFIX: &str = "AmazonEC2ContainerServiceV20141113.";
const LEVELS: [usize; 3] = [1, 16, 64];

type R<T> = Result<T, String>;

/// A request as the load generator sends it.
#[derive(Clone)]
struct Call {
    body: Bytes,
    /// `X-Amz-Target` (JSON protocol) or none (query protocol).
    target: Option<String>,
    /// The caller's account, as the access key.
    account: &'static str,
    /// Make every request's bytes different (same meaning, same answer), so
    /// that awsemu computes each answer anew instead of giving one it kept.
    vary: bool,
}

impl Call {
    fn ec2(account: &'static str, form: &str) -> Call {
        Call {
            body: Bytes::from(format!("Version=2016-11-15&{form}")),
            target: None,
            account,
            vary: false,
        }
    }
    fn ecs(account: &'static str, op: &str, body: serde_json::Value) -> Call {
        Call {
            body: Bytes::from(body.to_string()),
            target: Some(format!("{ECS_PREFIX}{op}")),
            account,
            vary: false,
        }
    }
    fn varied(&self) -> Call {
        Call {
            vary: true,
            ..self.clone()
        }
    }

    /// The body of the `n`-th request: with `vary`, JSON gets `n` written in
    /// leading whitespace, a query an extra filter value that matches nothing
    /// more (every endpoint here is an interface endpoint).
    fn body_for(&self, n: u64) -> Bytes {
        if !self.vary {
            return self.body.clone();
        }
        let mut out = Vec::with_capacity(self.body.len() + 80);
        if self.target.is_some() {
            out.extend(
                (0..64 - n.leading_zeros()).map(|i| if n >> i & 1 == 1 { b'\t' } else { b' ' }),
            );
            out.extend_from_slice(&self.body);
        } else {
            out.extend_from_slice(&self.body);
            out.extend_from_slice(
                format!("&Filter.9.Name=vpc-endpoint-type&Filter.9.Value.1=Interface&Filter.9.Value.2=x{n}")
                    .as_bytes(),
            );
        }
        Bytes::from(out)
    }

    fn request(&self, n: u64) -> Request<Full<Bytes>> {
        let service = if self.target.is_some() { "ecs" } else { "ec2" };
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential={}/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0",
            self.account
        );
        let mut b = Request::post("/")
            .header("host", "127.0.0.1")
            .header("authorization", auth);
        b = match &self.target {
            Some(t) => b
                .header("x-amz-target", t.as_str())
                .header("content-type", "application/x-amz-json-1.1"),
            None => b.header("content-type", "application/x-www-form-urlencoded"),
        };
        b.body(Full::new(self.body_for(n))).expect("a request")
    }
}

/// One kept-alive HTTP/1 connection.
struct Conn {
    sender: SendRequest<Full<Bytes>>,
    /// Requests sent so far, from a per-connection starting point.
    sent: u64,
}

impl Conn {
    async fn open(addr: SocketAddr) -> R<Conn> {
        let stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
        let _ = stream.set_nodelay(true);
        let (sender, conn) = handshake(TokioIo::new(stream))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(conn);
        static CONNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let sent = CONNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) << 32;
        Ok(Conn { sender, sent })
    }

    /// Status, content type and body.
    async fn send(&mut self, call: &Call) -> R<(u16, String, Bytes)> {
        self.sender.ready().await.map_err(|e| e.to_string())?;
        self.sent += 1;
        let resp = self
            .sender
            .send_request(call.request(self.sent))
            .await
            .map_err(|e| e.to_string())?;
        let status = resp.status().as_u16();
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok((status, ct, body))
    }

    /// The body of a call that must succeed.
    async fn ok(&mut self, call: &Call) -> R<String> {
        let (status, _, body) = self.send(call).await?;
        let text = String::from_utf8_lossy(&body).into_owned();
        if status != 200 {
            return Err(format!("{status}: {}", &text[..text.len().min(400)]));
        }
        Ok(text)
    }
}

#[derive(Clone, Copy)]
struct Stats {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
}

/// `conns` connections send `call` back to back for `secs` (after a short
/// warm-up); latency of every answer in a histogram.
async fn load(addr: SocketAddr, call: &Call, conns: usize, secs: f64) -> R<Stats> {
    let warm = Duration::from_millis(300);
    let start = Instant::now();
    let measure_from = start + warm;
    let until = measure_from + Duration::from_secs_f64(secs);
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let call = call.clone();
        tasks.push(tokio::spawn(async move {
            let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("bounds");
            let mut errors = 0u64;
            let mut conn = Conn::open(addr).await?;
            loop {
                let t = Instant::now();
                if t >= until {
                    break;
                }
                let ok = matches!(conn.send(&call).await, Ok((200, _, _)));
                if t >= measure_from {
                    if ok {
                        h.saturating_record(t.elapsed().as_micros() as u64);
                    } else {
                        errors += 1;
                    }
                }
            }
            Ok::<_, String>((h, errors))
        }));
    }
    let mut all = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("bounds");
    let mut errors = 0;
    for t in tasks {
        let (h, e) = t.await.map_err(|e| e.to_string())??;
        all.add(&h).map_err(|e| e.to_string())?;
        errors += e;
    }
    Ok(Stats {
        rps: all.len() as f64 / secs,
        p50_ms: all.value_at_quantile(0.50) as f64 / 1000.0,
        p99_ms: all.value_at_quantile(0.99) as f64 / 1000.0,
        errors,
    })
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Vec<&'a str> {
    text.split(open)
        .skip(1)
        .filter_map(|s| s.split(close).next())
        .collect()
}

const READER: &str = "111111111111";
const WRITER: &str = "222222222222";
const SEEDER: &str = "000000000000";

/// The seeded world's requests, by name.
struct World {
    calls: Vec<(String, Call)>,
    /// The reader account's VPC (for the mixed-load figure).
    reader_vpc: Call,
    /// A write in the writer account.
    writes: Vec<Call>,
}

async fn seed(addr: SocketAddr) -> R<World> {
    let mut c = Conn::open(addr).await?;
    // 100 interface endpoints in one VPC.
    let vpc_xml = c
        .ok(&Call::ec2(SEEDER, "Action=CreateVpc&CidrBlock=10.0.0.0/16"))
        .await?;
    let vpc = between(&vpc_xml, "<vpcId>", "</vpcId>")[0].to_string();
    let subnet_xml = c
        .ok(&Call::ec2(
            SEEDER,
            &format!(
                "Action=CreateSubnet&VpcId={vpc}&CidrBlock=10.0.0.0/20&AvailabilityZone=us-east-1a"
            ),
        ))
        .await?;
    let subnet = between(&subnet_xml, "<subnetId>", "</subnetId>")[0].to_string();
    for _ in 0..100 {
        c.ok(&Call::ec2(
            SEEDER,
            &format!(
                "Action=CreateVpcEndpoint&VpcId={vpc}&VpcEndpointType=Interface&ServiceName=com.amazonaws.us-east-1.ecs&SubnetId.1={subnet}&PrivateDnsEnabled=false"
            ),
        ))
        .await?;
    }
    // Two clusters: 10 running tasks, and 10,000. The default subnets are
    // public: with a public IP the tasks reach their registry.
    let subnets_xml = c
        .ok(&Call::ec2(
            SEEDER,
            "Action=DescribeSubnets&Filter.1.Name=default-for-az&Filter.1.Value.1=true",
        ))
        .await?;
    let default_subnets: Vec<String> = between(&subnets_xml, "<subnetId>", "</subnetId>")
        .into_iter()
        .map(str::to_string)
        .collect();
    c.ok(&Call::ecs(
        SEEDER,
        "RegisterTaskDefinition",
        serde_json::json!({
            "family": "bench", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
            "cpu": "256", "memory": "512",
            "containerDefinitions": [{"name": "app", "image": "busybox"}]}),
    ))
    .await?;
    let mut first_ten = Vec::new();
    for (cluster, n) in [("small", 10usize), ("large", 10_000)] {
        c.ok(&Call::ecs(
            SEEDER,
            "CreateCluster",
            serde_json::json!({ "clusterName": cluster }),
        ))
        .await?;
        let mut arns: Vec<String> = Vec::new();
        while arns.len() < n {
            let out = c
                .ok(&Call::ecs(
                    SEEDER,
                    "RunTask",
                    serde_json::json!({
                        "cluster": cluster, "taskDefinition": "bench", "launchType": "FARGATE",
                        "count": (n - arns.len()).min(10),
                        "networkConfiguration": {"awsvpcConfiguration": {
                            "subnets": default_subnets, "assignPublicIp": "ENABLED"}}}),
                ))
                .await?;
            let v: serde_json::Value = serde_json::from_str(&out).map_err(|e| e.to_string())?;
            let tasks = v["tasks"].as_array().ok_or("no tasks")?;
            if tasks.is_empty() {
                return Err(format!("RunTask placed nothing: {out}"));
            }
            arns.extend(
                tasks
                    .iter()
                    .filter_map(|t| t["taskArn"].as_str().map(String::from)),
            );
        }
        // The middle ten of the cluster.
        let mid = arns.len() / 2 - 5;
        first_ten.push((cluster, arns[mid..mid + 10].to_vec()));
    }
    let mut calls = vec![(
        "DescribeVpcs (one VPC)".to_string(),
        Call::ec2(SEEDER, &format!("Action=DescribeVpcs&VpcId.1={vpc}")),
    )];
    calls.push((
        "DescribeVpcEndpoints (100)".to_string(),
        Call::ec2(SEEDER, "Action=DescribeVpcEndpoints"),
    ));
    for (cluster, arns) in first_ten {
        let of = if cluster == "small" { "10" } else { "10,000" };
        calls.push((
            format!("DescribeTasks (10 of {of})"),
            Call::ecs(
                SEEDER,
                "DescribeTasks",
                serde_json::json!({ "cluster": cluster, "tasks": arns }),
            ),
        ));
    }
    // The same two with every request's bytes different: answers computed
    // anew each time, none given again from awsemu's memo of reads.
    let again: Vec<(String, Call)> = calls
        .iter()
        .filter(|(n, _)| n.starts_with("DescribeVpcEndpoints") || n.contains("10,000"))
        .map(|(n, c)| (format!("{n}, each new"), c.varied()))
        .collect();
    calls.extend(again);
    // The mixed-load accounts: one reads its VPC, the other tags its own.
    let rv = c
        .ok(&Call::ec2(READER, "Action=CreateVpc&CidrBlock=10.1.0.0/16"))
        .await?;
    let rv = between(&rv, "<vpcId>", "</vpcId>")[0].to_string();
    let wv = c
        .ok(&Call::ec2(WRITER, "Action=CreateVpc&CidrBlock=10.2.0.0/16"))
        .await?;
    let wv = between(&wv, "<vpcId>", "</vpcId>")[0].to_string();
    Ok(World {
        calls,
        reader_vpc: Call::ec2(READER, &format!("Action=DescribeVpcs&VpcId.1={rv}")),
        writes: vec![
            Call::ec2(
                WRITER,
                &format!("Action=CreateTags&ResourceId.1={wv}&Tag.1.Key=k&Tag.1.Value=v"),
            ),
            Call::ec2(
                WRITER,
                &format!("Action=DeleteTags&ResourceId.1={wv}&Tag.1.Key=k"),
            ),
        ],
    })
}

/// Spawn to the first answered DescribeVpcEndpointServices (the full catalogue).
async fn startup_ms(awsemu: &str) -> R<f64> {
    let t = Instant::now();
    let s = Server::spawn(awsemu, &["serve", "--port", "0"]).await?;
    let mut c = Conn::open(s.addr).await?;
    c.ok(&Call::ec2(SEEDER, "Action=DescribeVpcEndpointServices"))
        .await?;
    Ok(t.elapsed().as_secs_f64() * 1000.0)
}

fn row(name: &str, conns: usize, a: Stats, b: Stats) {
    println!(
        "{name:<39} {conns:>3} | {:>8.0} {:>7.2} {:>7.2} | {:>8.0} {:>7.2} {:>7.2} | {:>5.0}% {:>6.2}x{}",
        a.rps,
        a.p50_ms,
        a.p99_ms,
        b.rps,
        b.p50_ms,
        b.p99_ms,
        100.0 * a.rps / b.rps,
        a.p99_ms / b.p99_ms,
        if a.errors + b.errors > 0 {
            format!("  ({} errors)", a.errors + b.errors)
        } else {
            String::new()
        }
    );
}

async fn run() -> R<()> {
    let here = std::env::current_exe().map_err(|e| e.to_string())?;
    let dir = here.parent().ok_or("no directory")?;
    let awsemu = std::env::args()
        .nth(1)
        .unwrap_or_else(|| dir.join("awsemu").to_string_lossy().into_owned());
    let bare = dir.join("awsemu-bare").to_string_lossy().into_owned();
    let secs: f64 = std::env::var("AWSEMU_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0);
    println!("awsemu: {awsemu}\nbare:   {bare}\n{secs} s per figure, 2 cores shared by servers and load generator\n");

    let mut starts: Vec<f64> = Vec::new();
    for _ in 0..5 {
        starts.push(startup_ms(&awsemu).await?);
    }
    starts.sort_by(f64::total_cmp);

    let server = Server::spawn(&awsemu, &["serve", "--port", "0"]).await?;
    let mut probe = Conn::open(server.addr).await?;
    probe.ok(&Call::ec2(SEEDER, "Action=DescribeVpcs")).await?;
    let idle = server.rss_mib();
    let t = Instant::now();
    let world = seed(server.addr).await?;
    let seeded = t.elapsed();
    let after_seed = server.rss_mib();
    println!(
        "seeded 100 endpoints and 10,010 tasks in {:.1} s\n",
        seeded.as_secs_f64()
    );

    println!(
        "{:<39} {:>3} | {:>8} {:>7} {:>7} | {:>8} {:>7} {:>7} | {:>6} {:>7}",
        "request",
        "con",
        "awsemu/s",
        "p50 ms",
        "p99 ms",
        "bare/s",
        "p50 ms",
        "p99 ms",
        "req/s",
        "p99"
    );
    let tmp = std::env::temp_dir().join(format!("awsemu-bare-{}", std::process::id()));
    // AWSEMU_BENCH_ONLY=<text>: only the requests whose name contains it.
    let only = std::env::var("AWSEMU_BENCH_ONLY").unwrap_or_default();
    for (name, call) in world.calls.iter().filter(|(n, _)| n.contains(&only)) {
        // The bytes awsemu answers this request with, for the bare server.
        let (status, ct, body) = probe.send(call).await?;
        if status != 200 {
            return Err(format!(
                "{name}: {status} {}",
                String::from_utf8_lossy(&body)
            ));
        }
        std::fs::write(&tmp, &body).map_err(|e| e.to_string())?;
        let yard = Server::spawn(&bare, &[tmp.to_string_lossy().as_ref(), ct.as_str()]).await?;
        for conns in LEVELS {
            let a = load(server.addr, call, conns, secs).await?;
            let b = load(yard.addr, call, conns, secs).await?;
            row(name, conns, a, b);
        }
        drop(yard);
    }
    let _ = std::fs::remove_file(&tmp);

    // Readers of one account while another account writes.
    let alone = load(server.addr, &world.reader_vpc, 16, secs).await?;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for i in 0..4 {
        let (stop, call) = (stop.clone(), world.writes[i % 2].clone());
        let addr = server.addr;
        writers.push(tokio::spawn(async move {
            let mut c = Conn::open(addr).await?;
            let mut n = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                c.ok(&call).await?;
                n += 1;
            }
            Ok::<u64, String>(n)
        }));
    }
    let mixed = load(server.addr, &world.reader_vpc, 16, secs).await?;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut writes = 0;
    for w in writers {
        writes += w.await.map_err(|e| e.to_string())??;
    }
    let after = server.rss_mib();

    println!("\nreaders (DescribeVpcs, account {READER}, 16 connections):");
    println!(
        "  alone:                          {:>8.0} req/s  p50 {:.2} ms  p99 {:.2} ms",
        alone.rps, alone.p50_ms, alone.p99_ms
    );
    println!(
        "  while {WRITER} writes (4 conns): {:>8.0} req/s  p50 {:.2} ms  p99 {:.2} ms  ({:.0} writes/s)",
        mixed.rps,
        mixed.p50_ms,
        mixed.p99_ms,
        writes as f64 / (secs + 0.3)
    );
    let mib = |m: Option<f64>| m.map_or("?".to_string(), |m| format!("{m:.1} MiB"));
    println!(
        "\nstart to first DescribeVpcEndpointServices answer: median {:.1} ms (of 5: {:.1}..{:.1})",
        starts[2], starts[0], starts[4]
    );
    println!(
        "RSS: idle {}, seeded {}, after the run {}",
        mib(idle),
        mib(after_seed),
        mib(after)
    );
    Ok(())
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("awsemu-throughput: {e}");
        std::process::exit(1);
    }
}
