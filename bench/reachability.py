#!/usr/bin/env python3
"""Reachability explain latency: one VPC of 50 subnets, 200 routes and 100
interface endpoints.

Usage: bench/reachability.py [path/to/awsemu]
Builds the world through the EC2 API (a /16 VPC with DNS hostnames on, 50
/24 subnets, 10 route tables of 20 routes each to an internet gateway
associated with the subnets, 100 interface endpoints spread over the
catalogue's services, and a network interface in the last subnet), then
times over a kept-alive connection:

  (a) GET /_awsemu/reachability from the interface to `ecr.dkr` (through
      its interface endpoint);
  (b) the same to `registry-1.docker.io` (the internet, blocked: no public
      IP), which walks the route table;
  (c) GET /_awsemu/health, the baseline: the same server's round trip for
      an answer that does no work;

and prints the median and 99th percentile in milliseconds of each, and what
(a) and (b) add to (c).
"""
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/awsemu")
ROUNDS = 2_000

p = subprocess.Popen([binary, "serve", "--port", "0"], stdout=subprocess.PIPE,
                     stderr=subprocess.DEVNULL, text=True)
port = int(p.stdout.readline().rsplit(":", 1)[1])
conn = http.client.HTTPConnection("127.0.0.1", port)


def ec2(params):
    body = urllib.parse.urlencode({"Version": "2016-11-15", **params})
    conn.request("POST", "/", body, {"Content-Type": "application/x-www-form-urlencoded"})
    r = conn.getresponse()
    data = r.read().decode()
    if r.status != 200:
        raise SystemExit(f"{params['Action']}: {r.status} {data[:300]}")
    return data


def one(tag, xml):
    return re.search(rf"<{tag}>(.*?)</{tag}>", xml).group(1)


def get(path):
    conn.request("GET", path)
    r = conn.getresponse()
    return r.status, r.read()


def timed(path, check):
    out = []
    for _ in range(ROUNDS):
        t = time.perf_counter()
        status, body = get(path)
        out.append((time.perf_counter() - t) * 1000)
        assert status == 200, body[:300]
    check(json.loads(get(path)[1]))
    out.sort()
    return statistics.median(out), out[int(len(out) * 0.99)]


try:
    vpc = one("vpcId", ec2({"Action": "CreateVpc", "CidrBlock": "10.0.0.0/16"}))
    ec2({"Action": "ModifyVpcAttribute", "VpcId": vpc, "EnableDnsHostnames.Value": "true"})
    zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
    subnets = [one("subnetId", ec2({"Action": "CreateSubnet", "VpcId": vpc,
                                    "CidrBlock": f"10.0.{i}.0/24",
                                    "AvailabilityZone": zones[i % 3]}))
               for i in range(50)]
    igw = one("internetGatewayId", ec2({"Action": "CreateInternetGateway"}))
    ec2({"Action": "AttachInternetGateway", "InternetGatewayId": igw, "VpcId": vpc})
    for t in range(10):
        rt = one("routeTableId", ec2({"Action": "CreateRouteTable", "VpcId": vpc}))
        for r in range(20):
            ec2({"Action": "CreateRoute", "RouteTableId": rt, "GatewayId": igw,
                 "DestinationCidrBlock": f"100.{64 + t}.{r}.0/24"})
        for s in subnets[t * 5:(t + 1) * 5]:
            ec2({"Action": "AssociateRouteTable", "RouteTableId": rt, "SubnetId": s})
    services = re.findall(r"<serviceName>(com\.amazonaws\.us-east-1\.[^<]+)</serviceName>",
                          ec2({"Action": "DescribeVpcEndpointServices"}))
    interface = [s for s in dict.fromkeys(services) if not s.endswith((".s3", ".dynamodb"))]
    # The endpoint the timed path goes through comes first.
    interface.sort(key=lambda s: not s.endswith(".ecr.dkr"))
    made = set()
    for i in range(100):
        service = interface[i % len(interface)]
        private_dns = service not in made and service.endswith(".ecr.dkr")
        made.add(service)
        ec2({"Action": "CreateVpcEndpoint", "VpcId": vpc, "ServiceName": service,
             "VpcEndpointType": "Interface", "SubnetId.1": subnets[i % 50],
             "PrivateDnsEnabled": "true" if private_dns else "false"})
    eni = one("networkInterfaceId", ec2({"Action": "CreateNetworkInterface",
                                         "SubnetId": subnets[-1]}))
    base = f"/_awsemu/reachability?from={eni}&account=000000000000"

    def reachable(a):
        assert a["reachable"], a

    def blocked(a):
        assert not a["reachable"] and a["blocked"]["hop"] == "route-table", a

    health = timed("/_awsemu/health", lambda a: None)
    endpoint = timed(base + "&to=ecr.dkr", reachable)
    internet = timed(base + "&to=registry-1.docker.io", blocked)
    print(f"world: 1 VPC, 50 subnets, 200 routes, 100 interface endpoints "
          f"({min(100, len(interface))} services); {ROUNDS} requests each")
    for name, (med, p99) in (("health (baseline)", health),
                             ("explain: ecr.dkr via endpoint", endpoint),
                             ("explain: internet, blocked", internet)):
        print(f"{name:32} median {med:.3f} ms  p99 {p99:.3f} ms")
    for name, (med, _) in (("ecr.dkr", endpoint), ("internet", internet)):
        print(f"explain ({name}) adds {med - health[0]:.3f} ms to the baseline median")
finally:
    p.terminate()
    p.wait()
