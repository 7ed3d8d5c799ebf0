//! Model-based tests: random sequences of EC2, ELBv2 and ECS calls (with
//! invalid ids, wrong accounts and bad arguments mixed in), sent over a real
//! socket to an in-process awsemu, with the world's invariants checked after
//! every step (`support/invariants.rs`):
//! - the invariants of the raw state (interfaces and their owners and
//!   addresses, routes and their targets, endpoints ↔ connections ↔
//!   services in both accounts);
//! - a call that failed changed nothing (the raw state before and after);
//! - export → load → export gives the same scenario (every few steps and at
//!   the end).
//!
//! proptest shrinks a failing sequence to a minimal one. `PROPTEST_CASES`
//! sets the number of sequences (default 64).

mod support;

use std::sync::Arc;

use proptest::prelude::*;
use serde_json::{json, Value};

use awsemu::services::World;
use awsemu::world::WorldConfig;
use support::invariants;

const ACCOUNTS: [&str; 2] = ["111111111111", "222222222222"];
const REGIONS: [&str; 2] = ["us-east-1", "us-west-2"];
const ECS_PREFIX: &str = "AmazonEC2ContainerServiceV20141113.";
/// Steps between two export → load → export checks.
const ROUND_TRIP_EVERY: usize = 10;

fn config() -> WorldConfig {
    WorldConfig {
        seed: Some(19),
        ..WorldConfig::default()
    }
}

struct Server {
    running: support::Running,
    world: Arc<World>,
}

impl Server {
    fn start() -> Server {
        let world = World::new(config());
        Server {
            running: support::Running::start(world.clone()),
            world,
        }
    }

    /// One request on its own connection: (status, body).
    fn send(&self, req: &Req) -> (u16, String) {
        let (service, ct, target) = match req.kind {
            Kind::Ec2 => ("ec2", "application/x-www-form-urlencoded", None),
            Kind::Elbv2 => (
                "elasticloadbalancing",
                "application/x-www-form-urlencoded",
                None,
            ),
            Kind::Ecs(op) => ("ecs", "application/x-amz-json-1.1", Some(op)),
        };
        let mut head = format!(
            "POST / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\nContent-Type: {ct}\r\nAuthorization: AWS4-HMAC-SHA256 Credential={}/20260101/{}/{service}/aws4_request, SignedHeaders=host, Signature=00\r\n",
            req.body.len(),
            req.account,
            req.region,
        );
        if let Some(op) = target {
            head.push_str(&format!("X-Amz-Target: {ECS_PREFIX}{op}\r\n"));
        }
        head.push_str("\r\n");
        self.running.exchange(&head, req.body.as_bytes())
    }

    /// The raw state once every transition due by now has been applied
    /// (twice: what one Region sends another is applied in the second).
    fn settled_state(&self) -> Value {
        self.world.run_due_everywhere();
        self.world.run_due_everywhere();
        self.world.export()
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Ec2,
    Elbv2,
    Ecs(&'static str),
}

#[derive(Debug, Clone)]
struct Req {
    account: String,
    region: String,
    kind: Kind,
    body: String,
}

fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = s.find(open)? + open.len();
    let end = s[start..].find(close)? + start;
    Some(&s[start..end])
}

/// A resource the sequence made: its id, owner, Region and what else the
/// next calls need of it (a VPC's second octet, a service's name).
#[derive(Debug, Clone)]
struct Res {
    id: String,
    account: usize,
    region: usize,
    extra: String,
}

#[derive(Default)]
struct Known {
    vpcs: Vec<Res>,
    subnets: Vec<Res>,
    route_tables: Vec<Res>,
    igws: Vec<Res>,
    nats: Vec<Res>,
    endpoints: Vec<Res>,
    lbs: Vec<Res>,
    services: Vec<Res>,
    tgs: Vec<Res>,
    clusters: Vec<Res>,
    tasks: Vec<Res>,
}

/// Which of the known resources (or an id that exists nowhere), and whether
/// the call comes from the owner's account or the other one.
#[derive(Debug, Clone, Copy)]
struct Pick {
    n: u8,
    wrong_account: bool,
}

fn pick_strategy() -> impl Strategy<Value = Pick> {
    (any::<u8>(), prop::bool::weighted(0.08))
        .prop_map(|(n, wrong_account)| Pick { n, wrong_account })
}

#[derive(Debug, Clone)]
enum Op {
    CreateVpc {
        account: usize,
        region: usize,
        octet: u8,
    },
    CreateSubnet {
        vpc: Pick,
        block: u8,
    },
    DeleteSubnet {
        subnet: Pick,
    },
    DeleteVpc {
        vpc: Pick,
    },
    CreateRouteTable {
        vpc: Pick,
    },
    DeleteRouteTable {
        rt: Pick,
    },
    CreateInternetGateway {
        account: usize,
        region: usize,
    },
    AttachInternetGateway {
        igw: Pick,
        vpc: Pick,
    },
    DetachInternetGateway {
        igw: Pick,
        vpc: Pick,
    },
    DeleteInternetGateway {
        igw: Pick,
    },
    CreateNatGateway {
        subnet: Pick,
    },
    DeleteNatGateway {
        nat: Pick,
    },
    CreateRoute {
        rt: Pick,
        dest: u8,
        target: u8,
        which: Pick,
    },
    DeleteRoute {
        rt: Pick,
        dest: u8,
    },
    CreateAwsEndpoint {
        vpc: Pick,
        subnet: Pick,
        gateway: bool,
    },
    CreateLoadBalancer {
        subnet: Pick,
        network: bool,
    },
    DeleteLoadBalancer {
        lb: Pick,
    },
    CreateService {
        lb: Pick,
        acceptance: bool,
    },
    AllowAll {
        svc: Pick,
    },
    DeleteService {
        svc: Pick,
    },
    CreateEndpointToService {
        svc: Pick,
        subnet: Pick,
    },
    Accept {
        ep: Pick,
    },
    Reject {
        ep: Pick,
    },
    DeleteEndpoint {
        ep: Pick,
    },
    CreateTargetGroup {
        vpc: Pick,
        port: u16,
    },
    RegisterTargets {
        tg: Pick,
        octet: u8,
    },
    DeleteTargetGroup {
        tg: Pick,
    },
    CreateCluster {
        account: usize,
        region: usize,
        name: u8,
    },
    DeleteCluster {
        cluster: Pick,
    },
    RegisterTaskDefinition {
        account: usize,
        region: usize,
        cpu_ok: bool,
    },
    RunTask {
        cluster: Pick,
        subnet: Pick,
        public: bool,
        count: u8,
    },
    StopTask {
        task: Pick,
    },
    AdvanceClock {
        seconds: u16,
    },
}

fn op_strategy() -> impl Strategy<Value = Op> {
    let acct = 0..ACCOUNTS.len();
    let region = prop_oneof![4 => Just(0usize), 1 => Just(1usize)];
    let p = pick_strategy;
    prop_oneof![
        4 => (acct.clone(), region.clone(), 0u8..6).prop_map(|(account, region, octet)| Op::CreateVpc { account, region, octet }),
        6 => (p(), any::<u8>()).prop_map(|(vpc, block)| Op::CreateSubnet { vpc, block }),
        2 => p().prop_map(|subnet| Op::DeleteSubnet { subnet }),
        1 => p().prop_map(|vpc| Op::DeleteVpc { vpc }),
        2 => p().prop_map(|vpc| Op::CreateRouteTable { vpc }),
        1 => p().prop_map(|rt| Op::DeleteRouteTable { rt }),
        1 => (acct.clone(), region.clone()).prop_map(|(account, region)| Op::CreateInternetGateway { account, region }),
        2 => (p(), p()).prop_map(|(igw, vpc)| Op::AttachInternetGateway { igw, vpc }),
        1 => (p(), p()).prop_map(|(igw, vpc)| Op::DetachInternetGateway { igw, vpc }),
        1 => p().prop_map(|igw| Op::DeleteInternetGateway { igw }),
        2 => p().prop_map(|subnet| Op::CreateNatGateway { subnet }),
        1 => p().prop_map(|nat| Op::DeleteNatGateway { nat }),
        4 => (p(), any::<u8>(), 0u8..5, p()).prop_map(|(rt, dest, target, which)| Op::CreateRoute { rt, dest, target, which }),
        2 => (p(), any::<u8>()).prop_map(|(rt, dest)| Op::DeleteRoute { rt, dest }),
        3 => (p(), p(), any::<bool>()).prop_map(|(vpc, subnet, gateway)| Op::CreateAwsEndpoint { vpc, subnet, gateway }),
        3 => (p(), prop::bool::weighted(0.85)).prop_map(|(subnet, network)| Op::CreateLoadBalancer { subnet, network }),
        1 => p().prop_map(|lb| Op::DeleteLoadBalancer { lb }),
        3 => (p(), any::<bool>()).prop_map(|(lb, acceptance)| Op::CreateService { lb, acceptance }),
        2 => p().prop_map(|svc| Op::AllowAll { svc }),
        1 => p().prop_map(|svc| Op::DeleteService { svc }),
        5 => (p(), p()).prop_map(|(svc, subnet)| Op::CreateEndpointToService { svc, subnet }),
        3 => p().prop_map(|ep| Op::Accept { ep }),
        2 => p().prop_map(|ep| Op::Reject { ep }),
        2 => p().prop_map(|ep| Op::DeleteEndpoint { ep }),
        2 => (p(), prop_oneof![Just(80u16), Just(443), Just(0), Just(70000u32 as u16)]).prop_map(|(vpc, port)| Op::CreateTargetGroup { vpc, port }),
        2 => (p(), any::<u8>()).prop_map(|(tg, octet)| Op::RegisterTargets { tg, octet }),
        1 => p().prop_map(|tg| Op::DeleteTargetGroup { tg }),
        2 => (acct.clone(), region.clone(), 0u8..3).prop_map(|(account, region, name)| Op::CreateCluster { account, region, name }),
        1 => p().prop_map(|cluster| Op::DeleteCluster { cluster }),
        2 => (acct, region, prop::bool::weighted(0.9)).prop_map(|(account, region, cpu_ok)| Op::RegisterTaskDefinition { account, region, cpu_ok }),
        4 => (p(), p(), any::<bool>(), 1u8..4).prop_map(|(cluster, subnet, public, count)| Op::RunTask { cluster, subnet, public, count }),
        2 => p().prop_map(|task| Op::StopTask { task }),
        1 => prop_oneof![Just(1u16), Just(30), Just(600), Just(7200)].prop_map(|seconds| Op::AdvanceClock { seconds }),
    ]
}

/// The chosen resource (from the owner's account, or the other one), or an
/// id of its kind that exists nowhere (one pick in sixteen, and always
/// when there is none).
fn pick(list: &[Res], p: Pick, prefix: &str) -> Res {
    if list.is_empty() || p.n % 16 == 15 {
        return Res {
            id: bogus(prefix),
            account: usize::from(p.n) % ACCOUNTS.len(),
            region: 0,
            extra: "9".into(),
        };
    }
    let mut r = list[usize::from(p.n) % list.len()].clone();
    if p.wrong_account {
        r.account = (r.account + 1) % ACCOUNTS.len();
    }
    r
}

fn bogus(prefix: &str) -> String {
    match prefix {
        "arn:lb" => "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/net/nope/0123456789abcdef".into(),
        "arn:tg" => "arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/nope/0123456789abcdef".into(),
        "task" => "arn:aws:ecs:us-east-1:111111111111:task/nope/0123456789abcdef0123456789abcdef".into(),
        "cluster" => "nope".into(),
        p => format!("{p}-0123456789abcdef0"),
    }
}

fn ec2(r: &Res, form: String) -> Req {
    Req {
        account: ACCOUNTS[r.account].into(),
        region: REGIONS[r.region].into(),
        kind: Kind::Ec2,
        body: format!("Version=2016-11-15&{form}"),
    }
}

fn elbv2(r: &Res, form: String) -> Req {
    Req {
        account: ACCOUNTS[r.account].into(),
        region: REGIONS[r.region].into(),
        kind: Kind::Elbv2,
        body: format!("Version=2015-12-01&{form}"),
    }
}

fn ecs(r: &Res, op: &'static str, body: Value) -> Req {
    Req {
        account: ACCOUNTS[r.account].into(),
        region: REGIONS[r.region].into(),
        kind: Kind::Ecs(op),
        body: body.to_string(),
    }
}

fn at(account: usize, region: usize) -> Res {
    Res {
        id: String::new(),
        account,
        region,
        extra: String::new(),
    }
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// What the step does: its request, and what to remember of a success.
enum Learn {
    Nothing,
    Xml(&'static str, fn(&mut Known) -> &mut Vec<Res>, String),
    /// The subnet of a CreateSubnet: its VPC's octet is in `extra`.
    Subnet(String),
    Service,
    Endpoints,
    Tasks,
    Forget(fn(&mut Known) -> &mut Vec<Res>, String),
}

fn request(op: &Op, k: &Known) -> Option<(Req, Learn, Res)> {
    use Learn::*;
    let out = match op {
        Op::CreateVpc {
            account,
            region,
            octet,
        } => {
            let r = at(*account, *region);
            let form = format!("Action=CreateVpc&CidrBlock=10.{octet}.0.0/16");
            (
                ec2(&r, form),
                Xml("vpcId", |k| &mut k.vpcs, octet.to_string()),
                r,
            )
        }
        Op::CreateSubnet { vpc, block } => {
            let v = pick(&k.vpcs, *vpc, "vpc");
            let o = &v.extra;
            let cidr = match block % 10 {
                0 => format!("10.{o}.0.0/29"),     // too small
                1 => "192.168.0.0/24".to_string(), // outside the VPC
                2 => format!("10.{o}.0.0/24"),     // often taken
                3 => format!("10.{o}.300.0/24"),   // not an address
                _ => format!("10.{o}.{}.0/{}", block % 16, 24 + block % 5),
            };
            let az = format!(
                "{}{}",
                REGIONS[v.region],
                if block % 2 == 0 { "a" } else { "b" }
            );
            let form = format!(
                "Action=CreateSubnet&VpcId={}&CidrBlock={}&AvailabilityZone={az}",
                v.id,
                enc(&cidr)
            );
            (ec2(&v, form), Subnet(o.clone()), v)
        }
        Op::DeleteSubnet { subnet } => {
            let s = pick(&k.subnets, *subnet, "subnet");
            let form = format!("Action=DeleteSubnet&SubnetId={}", s.id);
            (ec2(&s, form), Forget(|k| &mut k.subnets, s.id.clone()), s)
        }
        Op::DeleteVpc { vpc } => {
            let v = pick(&k.vpcs, *vpc, "vpc");
            let form = format!("Action=DeleteVpc&VpcId={}", v.id);
            (ec2(&v, form), Forget(|k| &mut k.vpcs, v.id.clone()), v)
        }
        Op::CreateRouteTable { vpc } => {
            let v = pick(&k.vpcs, *vpc, "vpc");
            let form = format!("Action=CreateRouteTable&VpcId={}", v.id);
            (
                ec2(&v, form),
                Xml("routeTableId", |k| &mut k.route_tables, String::new()),
                v,
            )
        }
        Op::DeleteRouteTable { rt } => {
            let t = pick(&k.route_tables, *rt, "rtb");
            let form = format!("Action=DeleteRouteTable&RouteTableId={}", t.id);
            (
                ec2(&t, form),
                Forget(|k| &mut k.route_tables, t.id.clone()),
                t,
            )
        }
        Op::CreateInternetGateway { account, region } => {
            let r = at(*account, *region);
            (
                ec2(&r, "Action=CreateInternetGateway".into()),
                Xml("internetGatewayId", |k| &mut k.igws, String::new()),
                r,
            )
        }
        Op::AttachInternetGateway { igw, vpc } | Op::DetachInternetGateway { igw, vpc } => {
            let g = pick(&k.igws, *igw, "igw");
            let v = pick(&k.vpcs, *vpc, "vpc");
            let action = if matches!(op, Op::AttachInternetGateway { .. }) {
                "AttachInternetGateway"
            } else {
                "DetachInternetGateway"
            };
            let form = format!("Action={action}&InternetGatewayId={}&VpcId={}", g.id, v.id);
            (ec2(&g, form), Nothing, g)
        }
        Op::DeleteInternetGateway { igw } => {
            let g = pick(&k.igws, *igw, "igw");
            let form = format!("Action=DeleteInternetGateway&InternetGatewayId={}", g.id);
            (ec2(&g, form), Forget(|k| &mut k.igws, g.id.clone()), g)
        }
        Op::CreateNatGateway { subnet } => {
            let s = pick(&k.subnets, *subnet, "subnet");
            let form = format!(
                "Action=CreateNatGateway&SubnetId={}&ConnectivityType=private",
                s.id
            );
            (
                ec2(&s, form),
                Xml("natGatewayId", |k| &mut k.nats, String::new()),
                s,
            )
        }
        Op::DeleteNatGateway { nat } => {
            let n = pick(&k.nats, *nat, "nat");
            let form = format!("Action=DeleteNatGateway&NatGatewayId={}", n.id);
            (ec2(&n, form), Nothing, n)
        }
        Op::CreateRoute {
            rt,
            dest,
            target,
            which,
        } => {
            let t = pick(&k.route_tables, *rt, "rtb");
            let target = match target {
                0 => format!("GatewayId={}", pick(&k.igws, *which, "igw").id),
                1 => format!("NatGatewayId={}", pick(&k.nats, *which, "nat").id),
                2 => format!("VpcEndpointId={}", pick(&k.endpoints, *which, "vpce").id),
                3 => "GatewayId=local".to_string(),
                _ => format!("NetworkInterfaceId={}", bogus("eni")),
            };
            let form = format!(
                "Action=CreateRoute&RouteTableId={}&DestinationCidrBlock={}&{target}",
                t.id,
                enc(&destination(*dest))
            );
            (ec2(&t, form), Nothing, t)
        }
        Op::DeleteRoute { rt, dest } => {
            let t = pick(&k.route_tables, *rt, "rtb");
            let form = format!(
                "Action=DeleteRoute&RouteTableId={}&DestinationCidrBlock={}",
                t.id,
                enc(&destination(*dest))
            );
            (ec2(&t, form), Nothing, t)
        }
        Op::CreateAwsEndpoint {
            vpc,
            subnet,
            gateway,
        } => {
            let region = REGIONS[pick(&k.vpcs, *vpc, "vpc").region];
            if *gateway {
                let v = pick(&k.vpcs, *vpc, "vpc");
                let rt = pick(&k.route_tables, *subnet, "rtb");
                let form = format!(
                    "Action=CreateVpcEndpoint&VpcEndpointType=Gateway&VpcId={}&ServiceName=com.amazonaws.{region}.s3&RouteTableId.1={}",
                    v.id, rt.id
                );
                (ec2(&v, form), Endpoints, v)
            } else {
                let s = pick(&k.subnets, *subnet, "subnet");
                let form = format!(
                    "Action=CreateVpcEndpoint&VpcEndpointType=Interface&VpcId={}&ServiceName=com.amazonaws.{}.ecr.dkr&SubnetId.1={}&PrivateDnsEnabled=false",
                    s.extra, REGIONS[s.region], s.id
                );
                (ec2(&s, form), Endpoints, s)
            }
        }
        Op::CreateLoadBalancer { subnet, network } => {
            let s = pick(&k.subnets, *subnet, "subnet");
            let kind = if *network { "network" } else { "application" };
            let form = format!(
                "Action=CreateLoadBalancer&Name=lb-{}&Type={kind}&Scheme=internal&Subnets.member.1={}",
                subnet.n, s.id
            );
            (
                elbv2(&s, form),
                Xml("LoadBalancerArn", |k| &mut k.lbs, String::new()),
                s,
            )
        }
        Op::DeleteLoadBalancer { lb } => {
            let l = pick(&k.lbs, *lb, "arn:lb");
            let form = format!("Action=DeleteLoadBalancer&LoadBalancerArn={}", enc(&l.id));
            (elbv2(&l, form), Forget(|k| &mut k.lbs, l.id.clone()), l)
        }
        Op::CreateService { lb, acceptance } => {
            let l = pick(&k.lbs, *lb, "arn:lb");
            let form = format!(
                "Action=CreateVpcEndpointServiceConfiguration&NetworkLoadBalancerArn.1={}&AcceptanceRequired={acceptance}",
                enc(&l.id)
            );
            (ec2(&l, form), Service, l)
        }
        Op::AllowAll { svc } => {
            let s = pick(&k.services, *svc, "vpce-svc");
            let form = format!(
                "Action=ModifyVpcEndpointServicePermissions&ServiceId={}&AddAllowedPrincipals.1=*",
                s.id
            );
            (ec2(&s, form), Nothing, s)
        }
        Op::DeleteService { svc } => {
            let s = pick(&k.services, *svc, "vpce-svc");
            let form = format!(
                "Action=DeleteVpcEndpointServiceConfigurations&ServiceId.1={}",
                s.id
            );
            (ec2(&s, form), Nothing, s)
        }
        Op::CreateEndpointToService { svc, subnet } => {
            let sv = pick(&k.services, *svc, "vpce-svc");
            let s = pick(&k.subnets, *subnet, "subnet");
            let name = if sv.extra.is_empty() {
                format!("com.amazonaws.vpce.{}.{}", REGIONS[s.region], sv.id)
            } else {
                sv.extra.clone()
            };
            let form = format!(
                "Action=CreateVpcEndpoint&VpcEndpointType=Interface&VpcId={}&ServiceName={name}&SubnetId.1={}",
                s.extra, s.id
            );
            (ec2(&s, form), Endpoints, s)
        }
        Op::Accept { ep } | Op::Reject { ep } => {
            let e = pick(&k.endpoints, *ep, "vpce");
            // The provider's call: the service is in `extra` (with its owner).
            let (svc, owner) = e
                .extra
                .split_once('@')
                .unwrap_or(("vpce-svc-0123456789abcdef0", "0"));
            let mut r = e.clone();
            r.account = owner.parse().unwrap_or(0);
            if ep.wrong_account {
                r.account = (r.account + 1) % ACCOUNTS.len();
            }
            let action = if matches!(op, Op::Accept { .. }) {
                "AcceptVpcEndpointConnections"
            } else {
                "RejectVpcEndpointConnections"
            };
            let form = format!("Action={action}&ServiceId={svc}&VpcEndpointId.1={}", e.id);
            (ec2(&r, form), Nothing, r)
        }
        Op::DeleteEndpoint { ep } => {
            let e = pick(&k.endpoints, *ep, "vpce");
            let form = format!("Action=DeleteVpcEndpoints&VpcEndpointId.1={}", e.id);
            (ec2(&e, form), Nothing, e)
        }
        Op::CreateTargetGroup { vpc, port } => {
            let v = pick(&k.vpcs, *vpc, "vpc");
            let form = format!(
                "Action=CreateTargetGroup&Name=tg-{}-{port}&Protocol=TCP&Port={port}&VpcId={}&TargetType=ip",
                vpc.n, v.id
            );
            (
                elbv2(&v, form),
                Xml("TargetGroupArn", |k| &mut k.tgs, v.extra.clone()),
                v,
            )
        }
        Op::RegisterTargets { tg, octet } => {
            let t = pick(&k.tgs, *tg, "arn:tg");
            let form = format!(
                "Action=RegisterTargets&TargetGroupArn={}&Targets.member.1.Id=10.{}.{octet}.10&Targets.member.1.Port=80",
                enc(&t.id),
                t.extra
            );
            (elbv2(&t, form), Nothing, t)
        }
        Op::DeleteTargetGroup { tg } => {
            let t = pick(&k.tgs, *tg, "arn:tg");
            let form = format!("Action=DeleteTargetGroup&TargetGroupArn={}", enc(&t.id));
            (elbv2(&t, form), Forget(|k| &mut k.tgs, t.id.clone()), t)
        }
        Op::CreateCluster {
            account,
            region,
            name,
        } => {
            let r = at(*account, *region);
            let name = format!("c{name}");
            let req = ecs(&r, "CreateCluster", json!({ "clusterName": name }));
            let mut r2 = r.clone();
            r2.id = name;
            (req, Learn::Xml("", |k| &mut k.clusters, String::new()), r2)
        }
        Op::DeleteCluster { cluster } => {
            let c = pick(&k.clusters, *cluster, "cluster");
            let req = ecs(&c, "DeleteCluster", json!({ "cluster": c.id }));
            (req, Nothing, c)
        }
        Op::RegisterTaskDefinition {
            account,
            region,
            cpu_ok,
        } => {
            let r = at(*account, *region);
            let cpu = if *cpu_ok { "256" } else { "3" };
            let req = ecs(
                &r,
                "RegisterTaskDefinition",
                json!({
                    "family": "app", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
                    "cpu": cpu, "memory": "512",
                    "containerDefinitions": [{"name": "app", "image": "public.ecr.aws/nginx/nginx:latest"}]}),
            );
            (req, Nothing, r)
        }
        Op::RunTask {
            cluster,
            subnet,
            public,
            count,
        } => {
            let c = pick(&k.clusters, *cluster, "cluster");
            let s = pick(&k.subnets, *subnet, "subnet");
            let req = ecs(
                &c,
                "RunTask",
                json!({
                    "cluster": c.id, "taskDefinition": "app", "launchType": "FARGATE", "count": count,
                    "networkConfiguration": {"awsvpcConfiguration": {
                        "subnets": [s.id],
                        "assignPublicIp": if *public { "ENABLED" } else { "DISABLED" }}}}),
            );
            (req, Tasks, c)
        }
        Op::StopTask { task } => {
            let t = pick(&k.tasks, *task, "task");
            let req = ecs(&t, "StopTask", json!({ "cluster": t.extra, "task": t.id }));
            (req, Nothing, t)
        }
        Op::AdvanceClock { .. } => return None,
    };
    Some(out)
}

fn destination(d: u8) -> String {
    match d % 6 {
        0 => "0.0.0.0/0".into(),
        1 => "192.168.0.0/16".into(),
        2 => "172.16.0.0/12".into(),
        3 => "10.0.0.0/8".into(),   // overlaps the VPC
        4 => "300.1.0.0/16".into(), // not a block
        _ => format!("203.0.{d}.0/24"),
    }
}

fn learn(k: &mut Known, how: Learn, r: &Res, body: &str) {
    let new = |id: &str, extra: String| Res {
        id: id.to_string(),
        account: r.account,
        region: r.region,
        extra,
    };
    match how {
        Learn::Nothing => {}
        Learn::Xml("", list, extra) => {
            let list = list(k);
            if !list
                .iter()
                .any(|x| x.id == r.id && x.account == r.account && x.region == r.region)
            {
                list.push(new(&r.id, extra));
            }
        }
        Learn::Xml(tag, list, extra) => {
            if let Some(id) = between(body, &format!("<{tag}>"), &format!("</{tag}>")) {
                list(k).push(new(id, extra));
            }
        }
        Learn::Subnet(octet) => {
            if let Some(id) = between(body, "<subnetId>", "</subnetId>") {
                // A subnet remembers its VPC (in `extra`) for endpoints.
                let vpc = between(body, "<vpcId>", "</vpcId>").unwrap_or_default();
                let _ = octet;
                k.subnets.push(new(id, vpc.to_string()));
            }
        }
        Learn::Service => {
            if let (Some(id), Some(name)) = (
                between(body, "<serviceId>", "</serviceId>"),
                between(body, "<serviceName>", "</serviceName>"),
            ) {
                k.services.push(new(id, name.to_string()));
            }
        }
        Learn::Endpoints => {
            if let Some(id) = between(body, "<vpcEndpointId>", "</vpcEndpointId>") {
                let name = between(body, "<serviceName>", "</serviceName>").unwrap_or_default();
                let extra = k
                    .services
                    .iter()
                    .find(|s| s.extra == name)
                    .map(|s| format!("{}@{}", s.id, s.account))
                    .unwrap_or_default();
                k.endpoints.push(new(id, extra));
            }
        }
        Learn::Tasks => {
            if let Ok(v) = serde_json::from_str::<Value>(body) {
                for t in v["tasks"].as_array().into_iter().flatten() {
                    if let (Some(arn), Some(cluster)) =
                        (t["taskArn"].as_str(), t["clusterArn"].as_str())
                    {
                        k.tasks.push(new(arn, cluster.to_string()));
                    }
                }
            }
        }
        Learn::Forget(list, id) => list(k).retain(|x| x.id != id),
    }
}

/// Known and left (see the closing note of issue 19): a target group
/// outlives its VPC (DeleteVpc does not look at target groups, as in AWS),
/// but a scenario naming a VPC that is gone does not load. Minimal sequence:
/// CreateVpc, CreateTargetGroup in it, DeleteVpc.
fn orphan_target_group(world: &World) -> bool {
    let raw = world.export();
    raw["regions"]
        .as_object()
        .into_iter()
        .flatten()
        .any(|(_, accounts)| {
            accounts.as_object().into_iter().flatten().any(|(_, a)| {
                a["elbv2"]["target_groups"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .any(|(_, tg)| {
                        tg["vpc_id"]
                            .as_str()
                            .is_some_and(|v| a["ec2"]["vpcs"].get(v).is_none())
                    })
            })
        })
}

/// Export → load into a new world → export: the same scenario.
fn round_trip(world: &Arc<World>) -> Result<(), String> {
    if orphan_target_group(world) {
        return Ok(());
    }
    let first = awsemu::scenario::export(world);
    let text = serde_json::to_string_pretty(&first).unwrap();
    let loaded = awsemu::scenario_file::parse("export.json", &text)
        .map_err(|e| format!("the export does not parse: {}", e.0))?;
    let again = World::new(config());
    awsemu::scenario::apply(&again, &[loaded])
        .map_err(|e| format!("the export does not load: {}\n{text}", e.0))?;
    let second = awsemu::scenario::export(&again);
    if first != second {
        return Err(format!(
            "export → load → export differs:\n{}",
            first_difference(&first, &second, "")
        ));
    }
    Ok(())
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
            let short = |v: &Value| v.to_string().chars().take(600).collect::<String>();
            format!("at {path}:\n  before: {}\n  after:  {}", short(a), short(b))
        }
    }
}

/// Runs one sequence; the first broken invariant, with the step.
/// What every random sequence starts from: a VPC with a subnet in each
/// account, the first account's network load balancer and endpoint service
/// open to all, the second's cluster and task definition.
fn prelude() -> Vec<Op> {
    let p = |n: u8| Pick {
        n,
        wrong_account: false,
    };
    vec![
        Op::CreateVpc {
            account: 0,
            region: 0,
            octet: 1,
        },
        Op::CreateSubnet {
            vpc: p(0),
            block: 25,
        },
        Op::CreateVpc {
            account: 1,
            region: 0,
            octet: 2,
        },
        Op::CreateSubnet {
            vpc: p(1),
            block: 25,
        },
        Op::CreateLoadBalancer {
            subnet: p(0),
            network: true,
        },
        Op::CreateService {
            lb: p(0),
            acceptance: true,
        },
        Op::AllowAll { svc: p(0) },
        Op::CreateCluster {
            account: 1,
            region: 0,
            name: 0,
        },
        Op::RegisterTaskDefinition {
            account: 1,
            region: 0,
            cpu_ok: true,
        },
    ]
}

fn run(server: &Server, ops: &[Op]) -> Result<Vec<(u16, String)>, String> {
    let mut outcomes = Vec::new();
    server.world.reset().map_err(|e| e.to_string())?;
    // Every account's first call in a Region makes its default VPC (as AWS
    // has one): make them before anything is compared.
    for account in 0..ACCOUNTS.len() {
        for region in 0..REGIONS.len() {
            let (status, body) =
                server.send(&ec2(&at(account, region), "Action=DescribeVpcs".into()));
            if status != 200 {
                return Err(format!("DescribeVpcs: {status} {body}"));
            }
        }
    }
    let mut k = Known::default();
    let mut before = server.settled_state();
    for (step, op) in ops.iter().enumerate() {
        let fail = |what: String| format!("step {step} ({op:?}): {what}");
        let after = match request(op, &k) {
            None => {
                if let Op::AdvanceClock { seconds } = op {
                    server.world.advance(i64::from(*seconds) * 1000);
                }
                server.settled_state()
            }
            Some((req, how, r)) => {
                let (status, body) = server.send(&req);
                tally(op, status, &body);
                outcomes.push((
                    status,
                    if status == 200 {
                        String::new()
                    } else {
                        between(&body, "<Code>", "</Code>")
                            .map(str::to_string)
                            .unwrap_or_else(|| body.chars().take(120).collect())
                    },
                ));
                if status >= 500 || status == 0 {
                    return Err(fail(format!("answered {status}: {body}")));
                }
                let after = server.settled_state();
                if status == 200 {
                    learn(&mut k, how, &r, &body);
                } else if invariants::resources(&after) != invariants::resources(&before) {
                    return Err(fail(format!(
                        "failed ({status}: {}) but changed the state {}",
                        between(&body, "<Code>", "</Code>").unwrap_or(&body),
                        first_difference(&before, &after, "")
                    )));
                }
                after
            }
        };
        let report = invariants::check(&after);
        if !report.violations.is_empty() {
            return Err(fail(report.violations.join("\n")));
        }
        if (step + 1) % ROUND_TRIP_EVERY == 0 {
            round_trip(&server.world).map_err(fail)?;
        }
        before = after;
    }
    round_trip(&server.world).map_err(|e| format!("at the end: {e}"))?;
    Ok(outcomes)
}

/// With `MODEL_STATS` set: calls by operation and outcome, printed after
/// every sequence (the last print is the whole run's).
static TALLY: std::sync::Mutex<std::collections::BTreeMap<String, u64>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

fn tally(op: &Op, status: u16, body: &str) {
    if std::env::var_os("MODEL_STATS").is_none() {
        return;
    }
    let name = format!("{op:?}");
    let name = name.split([' ', '{']).next().unwrap_or("?");
    let outcome = if status == 200 {
        "ok".to_string()
    } else {
        between(body, "<Code>", "</Code>")
            .map(str::to_string)
            .or_else(|| {
                serde_json::from_str::<Value>(body)
                    .ok()
                    .and_then(|v| v["__type"].as_str().map(str::to_string))
            })
            .unwrap_or_else(|| status.to_string())
    };
    *TALLY
        .lock()
        .unwrap()
        .entry(format!("{name:<28} {outcome}"))
        .or_default() += 1;
}

fn print_tally() {
    if std::env::var_os("MODEL_STATS").is_some() {
        let t = TALLY.lock().unwrap();
        let lines: Vec<String> = t.iter().map(|(k, v)| format!("{k:<70} {v}")).collect();
        eprintln!("---- calls\n{}", lines.join("\n"));
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(64)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        max_shrink_iters: 1000,
        max_shrink_time: 180_000,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_sequences_keep_the_invariants(ops in prop::collection::vec(op_strategy(), 1..40)) {
        thread_local! {
            static SERVER: Server = Server::start();
        }
        SERVER.with(|server| {
            let all: Vec<Op> = prelude().into_iter().chain(ops.iter().cloned()).collect();
            if let Err(e) = run(server, &all) {
                return Err(TestCaseError::fail(e));
            }
            print_tally();
            Ok(())
        })?;
    }
}

/// A fixed sequence through the whole PrivateLink life cycle, so the
/// invariants are seen to hold on a world that has every kind of resource
/// (the random ones reach some rarely).
#[test]
fn a_full_privatelink_sequence_keeps_the_invariants() {
    let server = Server::start();
    let p = |n: u8| Pick {
        n,
        wrong_account: false,
    };
    let ops = vec![
        Op::CreateVpc {
            account: 0,
            region: 0,
            octet: 1,
        },
        Op::CreateSubnet {
            vpc: p(0),
            block: 25,
        },
        Op::CreateLoadBalancer {
            subnet: p(0),
            network: true,
        },
        Op::CreateService {
            lb: p(0),
            acceptance: true,
        },
        Op::AllowAll { svc: p(0) },
        Op::CreateVpc {
            account: 1,
            region: 0,
            octet: 2,
        },
        Op::CreateSubnet {
            vpc: p(1),
            block: 25,
        },
        Op::CreateEndpointToService {
            svc: p(0),
            subnet: p(1),
        },
        Op::Accept { ep: p(0) },
        Op::CreateRouteTable { vpc: p(1) },
        Op::CreateInternetGateway {
            account: 1,
            region: 0,
        },
        Op::AttachInternetGateway {
            igw: p(0),
            vpc: p(1),
        },
        Op::CreateRoute {
            rt: p(0),
            dest: 0,
            target: 0,
            which: p(0),
        },
        Op::CreateAwsEndpoint {
            vpc: p(1),
            subnet: p(0),
            gateway: true,
        },
        Op::CreateAwsEndpoint {
            vpc: p(1),
            subnet: p(1),
            gateway: false,
        },
        Op::CreateNatGateway { subnet: p(1) },
        Op::CreateRoute {
            rt: p(0),
            dest: 1,
            target: 1,
            which: p(0),
        },
        Op::CreateCluster {
            account: 1,
            region: 0,
            name: 0,
        },
        Op::RegisterTaskDefinition {
            account: 1,
            region: 0,
            cpu_ok: true,
        },
        Op::RunTask {
            cluster: p(0),
            subnet: p(1),
            public: false,
            count: 2,
        },
        Op::CreateTargetGroup {
            vpc: p(0),
            port: 80,
        },
        Op::RegisterTargets { tg: p(0), octet: 1 },
        Op::StopTask { task: p(0) },
        Op::DeleteNatGateway { nat: p(0) },
        Op::AdvanceClock { seconds: 600 },
        Op::Reject { ep: p(0) },
        Op::DeleteEndpoint { ep: p(0) },
        Op::DeleteService { svc: p(0) },
        Op::DetachInternetGateway {
            igw: p(0),
            vpc: p(1),
        },
        Op::DeleteInternetGateway { igw: p(0) },
        Op::DeleteSubnet { subnet: p(1) },
        Op::DeleteVpc { vpc: p(1) },
    ];
    let outcomes = run(&server, &ops).unwrap();
    // Every call succeeds but the last two: the subnet still holds the
    // interface endpoint's interface, and the VPC the subnet.
    let failed: Vec<_> = outcomes
        .iter()
        .zip(ops.iter().filter(|o| !matches!(o, Op::AdvanceClock { .. })))
        .filter(|((status, _), _)| *status != 200)
        .map(|((_, code), op)| (code.as_str(), op))
        .collect();
    assert!(
        matches!(
            failed.as_slice(),
            [
                ("DependencyViolation", Op::DeleteSubnet { .. }),
                ("DependencyViolation", Op::DeleteVpc { .. })
            ]
        ),
        "{failed:#?}"
    );
}

/// Found by the soak: a rejected endpoint (its interfaces gone) whose subnet
/// was deleted since was exported with that subnet, and did not load.
#[test]
fn a_rejected_endpoint_in_a_deleted_subnet_does_not_break_the_round_trip() {
    let server = Server::start();
    let p = |n: u8| Pick {
        n,
        wrong_account: false,
    };
    let ops: Vec<Op> = prelude()
        .into_iter()
        .chain([
            Op::CreateEndpointToService {
                svc: p(0),
                subnet: p(1),
            },
            Op::Reject { ep: p(0) },
            Op::DeleteSubnet { subnet: p(1) },
        ])
        .collect();
    let out = run(&server, &ops).unwrap();
    assert!(
        out[out.len() - 3..]
            .iter()
            .all(|(status, _)| *status == 200),
        "{out:?}"
    );
}

/// Found by the random sequences: the stopped task (unreachable registry)
/// of a deleted cluster, or in a deleted subnet, was exported, and the
/// export did not load (the cluster is not exported, the subnet is gone).
#[test]
fn a_stopped_task_of_a_deleted_cluster_or_subnet_does_not_break_the_round_trip() {
    let server = Server::start();
    let p = |n: u8| Pick {
        n,
        wrong_account: false,
    };
    for last in [
        Op::DeleteCluster { cluster: p(0) },
        Op::DeleteSubnet { subnet: p(1) },
    ] {
        let ops: Vec<Op> = prelude()
            .into_iter()
            .chain([
                Op::RunTask {
                    cluster: p(0),
                    subnet: p(1),
                    public: false,
                    count: 1,
                },
                last,
            ])
            .collect();
        let out = run(&server, &ops).unwrap();
        assert_eq!(
            out[out.len() - 2..],
            [(200, String::new()), (200, String::new())]
        );
    }
}

/// Found by the random sequences: a rejected endpoint whose endpoint
/// service was deleted since was exported, and did not load.
#[test]
fn a_rejected_endpoint_of_a_deleted_service_does_not_break_the_round_trip() {
    let server = Server::start();
    let p = |n: u8| Pick {
        n,
        wrong_account: false,
    };
    let ops: Vec<Op> = prelude()
        .into_iter()
        .chain([
            Op::CreateEndpointToService {
                svc: p(0),
                subnet: p(1),
            },
            Op::Reject { ep: p(0) },
            Op::DeleteService { svc: p(0) },
        ])
        .collect();
    let out = run(&server, &ops).unwrap();
    assert!(
        out[out.len() - 3..]
            .iter()
            .all(|(status, _)| *status == 200),
        "{out:?}"
    );
}

/// Found by the random sequences: a task stopped in a subnet whose address
/// an endpoint took after it was exported with that address, but loaded
/// back with another (the endpoint, loaded first, held it again).
#[test]
fn a_stopped_task_keeps_its_address_when_another_interface_took_it_since() {
    let server = Server::start();
    let p = |n: u8| Pick {
        n,
        wrong_account: false,
    };
    let endpoint = |subnet: u8| Op::CreateEndpointToService {
        svc: p(0),
        subnet: p(subnet),
    };
    let ops: Vec<Op> = prelude()
        .into_iter()
        .chain([
            Op::CreateSubnet {
                vpc: p(13),
                block: 157,
            },
            endpoint(0),
            endpoint(0),
            Op::RunTask {
                cluster: p(144),
                subnet: p(56),
                public: false,
                count: 3,
            },
            endpoint(11),
        ])
        .collect();
    run(&server, &ops).unwrap();
}
