//! Test harness: starts a real `awsemu` process and hands out AWS SDK clients
//! pointed at it.
//!
//! The harness never builds the server. It runs the binary named by the
//! `AWSEMU_BIN` environment variable, or `<workspace>/target/debug/awsemu`.
//! Set `AWSEMU_TEST_STDERR=1` to see the server's log on the terminal.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_ec2::config::retry::RetryConfig;
use aws_sdk_ec2::config::{BehaviorVersion, Credentials, Region};

/// Secret access key used by every client (the emulator does not verify it).
pub const SECRET_KEY: &str = "awsemu-test-secret-key";

/// The first line the server prints on stdout, up to the port number.
const LISTENING_PREFIX: &str = "awsemu listening on http://127.0.0.1:";

/// How long the server gets to print its listening line.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A running `awsemu serve` process. Dropping it kills the process.
pub struct Emulator {
    child: Child,
    /// `http://127.0.0.1:<port>`
    pub endpoint: String,
    port: u16,
}

/// Path of the server binary: `AWSEMU_BIN`, else `<workspace>/target/debug/awsemu`.
pub fn binary_path() -> PathBuf {
    match std::env::var_os("AWSEMU_BIN") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("target")
            .join("debug")
            .join("awsemu"),
    }
}

impl Emulator {
    /// Starts `awsemu serve --host 127.0.0.1 --port 0`.
    pub fn start() -> Emulator {
        Emulator::start_with(&[])
    }

    /// Starts `awsemu serve --host 127.0.0.1 --port 0 <extra args>` and waits
    /// (at most 10 s) for its `awsemu listening on http://127.0.0.1:<port>` line.
    pub fn start_with(extra_args: &[&str]) -> Emulator {
        let bin = binary_path();
        if !bin.is_file() {
            panic!(
                "awsemu binary not found at {}: build it with `cargo build -p awsemu` \
                 (or point AWSEMU_BIN at a built binary)",
                bin.display()
            );
        }
        let stderr = if std::env::var_os("AWSEMU_TEST_STDERR").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        };
        let mut child = Command::new(&bin)
            .args(["serve", "--host", "127.0.0.1", "--port", "0"])
            .args(extra_args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));

        let stdout = child.stdout.take().expect("child stdout is piped");
        let (tx, rx) = mpsc::channel::<std::io::Result<String>>();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut first = String::new();
            let res = reader.read_line(&mut first).map(|_| first);
            let failed = res.is_err();
            let _ = tx.send(res);
            if failed {
                return;
            }
            // Keep draining stdout so the server never blocks on a full pipe.
            let mut sink = [0u8; 4096];
            while let Ok(n) = reader.read(&mut sink) {
                if n == 0 {
                    break;
                }
            }
        });

        let line = match rx.recv_timeout(START_TIMEOUT) {
            Ok(Ok(line)) => line,
            Ok(Err(e)) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("reading awsemu stdout failed: {e}");
            }
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "awsemu ({}) did not print its listening line within {:?}",
                    bin.display(),
                    START_TIMEOUT
                );
            }
        };
        let line = line.trim_end_matches(['\r', '\n']);
        let port: u16 = match line
            .strip_prefix(LISTENING_PREFIX)
            .and_then(|p| p.parse().ok())
        {
            Some(p) if p != 0 => p,
            _ => {
                let status = child.try_wait().ok().flatten();
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "awsemu's first stdout line was {line:?} (exit status {status:?}); \
                     expected `{LISTENING_PREFIX}<port>`"
                );
            }
        };
        Emulator {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            port,
        }
    }

    /// One emulator shared by all tests of a test binary that are running at
    /// the same time. It is killed when the last test holding it finishes (a
    /// later test starts a new one). Tests sharing it must use distinct
    /// accounts, e.g. [`random_account`].
    pub fn shared() -> Arc<Emulator> {
        static SHARED: Mutex<Weak<Emulator>> = Mutex::new(Weak::new());
        let mut slot = SHARED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(emu) = slot.upgrade() {
            return emu;
        }
        let emu = Arc::new(Emulator::start());
        *slot = Arc::downgrade(&emu);
        emu
    }

    /// TCP port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// An EC2 client whose access key id is `account` (a 12-digit key selects
    /// that account) signing for `region`; retries are disabled.
    pub fn ec2(&self, account: &str, region: &str) -> aws_sdk_ec2::Client {
        let conf = aws_sdk_ec2::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .endpoint_url(&self.endpoint)
            .credentials_provider(Credentials::new(
                account,
                SECRET_KEY,
                None,
                None,
                "awsemu-sdk-tests",
            ))
            .retry_config(RetryConfig::disabled())
            .build();
        aws_sdk_ec2::Client::from_conf(conf)
    }

    /// An Elastic Load Balancing v2 client for `account` and `region`, set up
    /// like [`Emulator::ec2`] (access key = account, retries disabled).
    pub fn elbv2(&self, account: &str, region: &str) -> aws_sdk_elasticloadbalancingv2::Client {
        let conf = aws_sdk_elasticloadbalancingv2::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .endpoint_url(&self.endpoint)
            .credentials_provider(Credentials::new(
                account,
                SECRET_KEY,
                None,
                None,
                "awsemu-sdk-tests",
            ))
            .retry_config(RetryConfig::disabled())
            .build();
        aws_sdk_elasticloadbalancingv2::Client::from_conf(conf)
    }

    /// An ECS client for `account` and `region`, set up like
    /// [`Emulator::ec2`] (access key = account, retries disabled).
    pub fn ecs(&self, account: &str, region: &str) -> aws_sdk_ecs::Client {
        let conf = aws_sdk_ecs::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .endpoint_url(&self.endpoint)
            .credentials_provider(Credentials::new(
                account,
                SECRET_KEY,
                None,
                None,
                "awsemu-sdk-tests",
            ))
            .retry_config(RetryConfig::disabled())
            .build();
        aws_sdk_ecs::Client::from_conf(conf)
    }

    /// `POST /_awsemu/reset`; panics unless the server answers 200.
    pub fn reset(&self) {
        let (status, body) = self.raw_request("POST", "/_awsemu/reset", &[], b"");
        assert_eq!(status, 200, "POST /_awsemu/reset answered {status}: {body}");
    }

    /// `POST /_awsemu/clock` with `{"seconds": <seconds>}`: moves the world
    /// clock forward (what makes transitions happen under `--pace manual`).
    /// Panics unless the server answers 200; returns the body.
    pub fn advance_clock(&self, seconds: f64) -> String {
        let body = format!("{{\"seconds\": {seconds}}}");
        let (status, reply) = self.raw_request(
            "POST",
            "/_awsemu/clock",
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        );
        assert_eq!(
            status, 200,
            "POST /_awsemu/clock {body} answered {status}: {reply}"
        );
        reply
    }

    /// `GET /_awsemu/health`: (status, body).
    pub fn health(&self) -> (u16, String) {
        self.raw_request("GET", "/_awsemu/health", &[], b"")
    }

    /// `POST /` with the given headers and body over a fresh HTTP/1.1
    /// connection (`Connection: close`): (status, body).
    pub fn raw_post(&self, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
        self.raw_request("POST", "/", headers, body)
    }

    /// Any method and path; see [`Emulator::raw_post`].
    pub fn raw_request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, String) {
        let resp = http_request(self.port, method, path, headers, body);
        (resp.status, resp.body)
    }

    /// Like [`Emulator::raw_request`] but also returns the response headers.
    pub fn raw_request_full(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> RawResponse {
        http_request(self.port, method, path, headers, body)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw HTTP response.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    /// Header names lower-cased, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RawResponse {
    /// First value of a header (name matched case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn http_request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> RawResponse {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .unwrap_or_else(|e| panic!("connect to 127.0.0.1:{port}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("set read timeout");
    stream
        .set_write_timeout(Some(Duration::from_secs(10)))
        .expect("set write timeout");

    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n");
    let mut has_len = false;
    for (k, v) in headers {
        if k.eq_ignore_ascii_case("content-length") {
            has_len = true;
        }
        if k.eq_ignore_ascii_case("connection") || k.eq_ignore_ascii_case("host") {
            continue;
        }
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !has_len {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("Connection: close\r\n\r\n");
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body);
    stream.write_all(&bytes).expect("write request");
    stream.flush().expect("flush request");

    let mut raw = Vec::new();
    if let Err(e) = stream.read_to_end(&mut raw) {
        // A server that closes abruptly after answering is fine as long as
        // we got a complete response head.
        if raw.is_empty() {
            panic!("reading response from 127.0.0.1:{port}: {e}");
        }
    }
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> RawResponse {
    let head_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| {
            panic!(
                "incomplete HTTP response: {:?}",
                String::from_utf8_lossy(raw)
            )
        });
    let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad HTTP status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let rest = &raw[head_end + 4..];
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        decode_chunked(rest)
    } else if let Some(len) = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
    {
        rest[..len.min(rest.len())].to_vec()
    } else {
        rest.to_vec()
    };
    RawResponse {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

fn decode_chunked(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") {
        let size_line = String::from_utf8_lossy(&data[..line_end]);
        let size_hex = size_line.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size_hex, 16) else {
            break;
        };
        data = &data[line_end + 2..];
        if size == 0 {
            break;
        }
        let take = size.min(data.len());
        out.extend_from_slice(&data[..take]);
        data = &data[take..];
        if data.starts_with(b"\r\n") {
            data = &data[2..];
        }
    }
    out
}

/// A fresh 12-digit account id, different for every call in this process
/// (and very likely across processes), never `000000000000`.
pub fn random_account() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    // splitmix64 over (time, pid, counter)
    let mut x =
        nanos ^ (u64::from(std::process::id()) << 32) ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    // 100000000000..=999999999999, with the counter folded into the low
    // digits so ids from one process never collide.
    let hi = 100_000 + (x % 900_000);
    format!("{hi:06}{:06}", n % 1_000_000)
}

/// True if `id` is `<prefix>-` followed by exactly 17 lower-case hex digits.
pub fn is_id(id: &str, prefix: &str) -> bool {
    match id.strip_prefix(prefix).and_then(|r| r.strip_prefix('-')) {
        Some(hex) => {
            hex.len() == 17
                && hex
                    .chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        }
        None => false,
    }
}

/// The service error code of a failed SDK call (`None` for transport errors).
pub fn error_code<E, R>(err: &aws_sdk_ec2::error::SdkError<E, R>) -> Option<String>
where
    E: aws_sdk_ec2::error::ProvideErrorMetadata,
{
    use aws_sdk_ec2::error::ProvideErrorMetadata;
    err.code().map(str::to_string)
}

/// Polls `cond` until it is true or `timeout` passes.
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// CreateVpc through the SDK, asserting the id has AWS's shape.
pub async fn create_vpc(ec2: &aws_sdk_ec2::Client, cidr: &str) -> String {
    let out = ec2
        .create_vpc()
        .cidr_block(cidr)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateVpc {cidr}: {e:?}"));
    let id = out
        .vpc()
        .and_then(|v| v.vpc_id())
        .expect("CreateVpc returns vpc.vpcId")
        .to_string();
    assert!(is_id(&id, "vpc"), "VPC id {id:?} is not vpc- + 17 hex");
    id
}

/// CreateSubnet through the SDK, asserting the id has AWS's shape.
pub async fn create_subnet(ec2: &aws_sdk_ec2::Client, vpc: &str, cidr: &str, az: &str) -> String {
    let out = ec2
        .create_subnet()
        .vpc_id(vpc)
        .cidr_block(cidr)
        .availability_zone(az)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateSubnet {cidr} in {az}: {e:?}"));
    let id = out
        .subnet()
        .and_then(|s| s.subnet_id())
        .expect("CreateSubnet returns subnet.subnetId")
        .to_string();
    assert!(
        is_id(&id, "subnet"),
        "subnet id {id:?} is not subnet- + 17 hex"
    );
    id
}

/// What `nat_egress` made.
#[derive(Debug, Clone)]
pub struct Egress {
    pub internet_gateway: String,
    pub public_subnet: String,
    pub public_route_table: String,
    pub nat_gateway: String,
}

/// Gives a VPC's private subnets a way out, as on AWS (awsemu enforces
/// reachability by default): an internet gateway, a public subnet
/// (`public_cidr`) whose route table sends 0.0.0.0/0 to it, a public NAT
/// gateway there, and a 0.0.0.0/0 route to the NAT gateway in the VPC's main
/// route table (the one of subnets without a table of their own). Tasks keep
/// `assignPublicIp` DISABLED. With `wait`, returns once the NAT gateway is
/// `available` (immediate pace); at manual pace, advance the clock 5 s.
pub async fn nat_egress(
    ec2: &aws_sdk_ec2::Client,
    vpc: &str,
    public_cidr: &str,
    az: &str,
    wait: bool,
) -> Egress {
    use aws_sdk_ec2::types::{DomainType, Filter, NatGatewayState};
    let igw = ec2
        .create_internet_gateway()
        .send()
        .await
        .expect("CreateInternetGateway")
        .internet_gateway()
        .and_then(|g| g.internet_gateway_id())
        .expect("igw id")
        .to_string();
    ec2.attach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(vpc)
        .send()
        .await
        .expect("AttachInternetGateway");
    let public_subnet = create_subnet(ec2, vpc, public_cidr, az).await;
    let public_route_table = ec2
        .create_route_table()
        .vpc_id(vpc)
        .send()
        .await
        .expect("CreateRouteTable")
        .route_table()
        .and_then(|t| t.route_table_id())
        .expect("rtb id")
        .to_string();
    ec2.create_route()
        .route_table_id(&public_route_table)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&igw)
        .send()
        .await
        .expect("CreateRoute to the internet gateway");
    ec2.associate_route_table()
        .route_table_id(&public_route_table)
        .subnet_id(&public_subnet)
        .send()
        .await
        .expect("AssociateRouteTable");
    let allocation = ec2
        .allocate_address()
        .domain(DomainType::Vpc)
        .send()
        .await
        .expect("AllocateAddress")
        .allocation_id()
        .expect("allocation id")
        .to_string();
    let nat_gateway = ec2
        .create_nat_gateway()
        .subnet_id(&public_subnet)
        .allocation_id(allocation)
        .send()
        .await
        .expect("CreateNatGateway")
        .nat_gateway()
        .and_then(|n| n.nat_gateway_id())
        .expect("nat id")
        .to_string();
    let main = ec2
        .describe_route_tables()
        .filters(Filter::builder().name("vpc-id").values(vpc).build())
        .filters(
            Filter::builder()
                .name("association.main")
                .values("true")
                .build(),
        )
        .send()
        .await
        .expect("DescribeRouteTables")
        .route_tables()[0]
        .route_table_id()
        .expect("main rtb id")
        .to_string();
    ec2.create_route()
        .route_table_id(main)
        .destination_cidr_block("0.0.0.0/0")
        .nat_gateway_id(&nat_gateway)
        .send()
        .await
        .expect("CreateRoute to the NAT gateway");
    if wait {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let out = ec2
                .describe_nat_gateways()
                .nat_gateway_ids(&nat_gateway)
                .send()
                .await
                .expect("DescribeNatGateways");
            if out.nat_gateways()[0].state() == Some(&NatGatewayState::Available) {
                break;
            }
            assert!(Instant::now() < deadline, "{nat_gateway} is not available");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    Egress {
        internet_gateway: igw,
        public_subnet,
        public_route_table,
        nat_gateway,
    }
}

/// The image id of the ECS-optimized Amazon Linux 2023 AMI (x86_64).
pub async fn ecs_ami(ec2: &aws_sdk_ec2::Client) -> String {
    let images = ec2
        .describe_images()
        .owners("amazon")
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("name")
                .values("al2023-ami-ecs-hvm-*-x86_64")
                .build(),
        )
        .send()
        .await
        .expect("DescribeImages");
    images.images()[0].image_id().expect("id").to_string()
}

/// User data (base64) whose agent joins `cluster`, as every ECS guide writes it.
pub fn ecs_user_data(cluster: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!(
        "#!/bin/bash\necho ECS_CLUSTER={cluster} >> /etc/ecs/ecs.config\n"
    ))
}

/// A fresh account's clients and a /16 VPC (10.0.0.0/16) whose subnet
/// `10.0.1.0/24` in us-east-1a reaches out through a NAT gateway
/// (`nat_egress`), as ECS tasks and agents need.
pub struct EcsWorld {
    pub account: String,
    pub ec2: aws_sdk_ec2::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub vpc: String,
    pub subnet: String,
}

/// (Keep `emu` alive meanwhile: the shared emulator stops with its last handle.)
pub async fn ecs_world(emu: &Emulator) -> EcsWorld {
    let account = random_account();
    let (ec2, ecs) = (
        emu.ec2(&account, "us-east-1"),
        emu.ecs(&account, "us-east-1"),
    );
    let vpc = create_vpc(&ec2, "10.0.0.0/16").await;
    let subnet = create_subnet(&ec2, &vpc, "10.0.1.0/24", "us-east-1a").await;
    nat_egress(&ec2, &vpc, "10.0.255.0/24", "us-east-1a", true).await;
    EcsWorld {
        account,
        ec2,
        ecs,
        vpc,
        subnet,
    }
}

/// Creates an ECS cluster.
pub async fn create_cluster(ecs: &aws_sdk_ecs::Client, name: &str) {
    ecs.create_cluster()
        .cluster_name(name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateCluster {name}: {e:?}"));
}

/// Launches `count` instances of the ECS-optimized AMI in `subnet` whose
/// agents join `cluster`; their ids.
pub async fn launch_container_instances(
    ec2: &aws_sdk_ec2::Client,
    subnet: &str,
    kind: aws_sdk_ec2::types::InstanceType,
    count: i32,
    cluster: &str,
) -> Vec<String> {
    let run = ec2
        .run_instances()
        .image_id(ecs_ami(ec2).await)
        .instance_type(kind)
        .min_count(count)
        .max_count(count)
        .subnet_id(subnet)
        .user_data(ecs_user_data(cluster))
        .send()
        .await
        .expect("RunInstances");
    run.instances()
        .iter()
        .map(|i| i.instance_id().expect("instance id").to_string())
        .collect()
}

/// Registers a FARGATE awsvpc task definition (cpu 256, memory 512) of one
/// container; returns its ARN.
pub async fn register_fargate(
    ecs: &aws_sdk_ecs::Client,
    family: &str,
    container: aws_sdk_ecs::types::ContainerDefinition,
) -> String {
    use aws_sdk_ecs::types::{Compatibility, NetworkMode};
    let out = ecs
        .register_task_definition()
        .family(family)
        .network_mode(NetworkMode::Awsvpc)
        .requires_compatibilities(Compatibility::Fargate)
        .cpu("256")
        .memory("512")
        .container_definitions(container)
        .send()
        .await
        .unwrap_or_else(|e| panic!("RegisterTaskDefinition {family}: {e:?}"));
    out.task_definition()
        .and_then(|t| t.task_definition_arn())
        .expect("taskDefinition.taskDefinitionArn")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked() {
        assert!(is_id("vpc-0123456789abcdef0", "vpc"));
        assert!(!is_id("vpc-0123456789abcdef", "vpc"));
        assert!(!is_id("vpc-0123456789ABCDEF0", "vpc"));
        assert!(!is_id("subnet-0123456789abcdef0", "vpc"));
        assert!(is_id("subnet-0123456789abcdef0", "subnet"));
    }

    #[test]
    fn random_accounts_are_12_digits_and_distinct() {
        let ids: Vec<String> = (0..100).map(|_| random_account()).collect();
        for id in &ids {
            assert_eq!(id.len(), 12, "{id}");
            assert!(id.chars().all(|c| c.is_ascii_digit()), "{id}");
            assert_ne!(id, "000000000000");
        }
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len());
    }

    #[test]
    fn parses_chunked_and_plain_responses() {
        let r =
            parse_response(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello");
        assert_eq!(r.status, 400);
        assert_eq!(r.body, "hello");
        assert_eq!(r.header("x-a"), Some("b"));
        let r = parse_response(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        );
        assert_eq!(r.status, 200);
        assert_eq!(r.body, "abcde");
    }
}
