#!/usr/bin/env python3
"""Container instance latency: a cluster of 5,000 container instances.

Usage: bench/container_instances.py [path/to/awsemu] [instances] [tasks]
Launches N (default 5,000) EC2 instances of the ECS-optimized AMI with ECS
user data through RunInstances (MaxCount, one call per subnet, two /18
subnets in two zones); the agent registers each with the cluster (on the
world clock, immediate by default). Runs T (default 2,000) bridge tasks on
them (RunTask, 10 per call), then times over a kept-alive connection:

  (a) DescribeContainerInstances with 100 ARNs (a different slice each time);
  (b) RunTask of one EC2-launch-type bridge task, alternating a binpack
      (memory) and a spread (availability zone) placement strategy, each a
      fresh placement;

and prints the median and 99th percentile round trip in milliseconds (for
DescribeContainerInstances, RunTask overall and each strategy), the time the
cluster took to build, and the load average before and after (the figures
are only comparable between runs under similar load).
"""
import base64
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
count = int(sys.argv[2]) if len(sys.argv) > 2 else 5_000
tasks = int(sys.argv[3]) if len(sys.argv) > 3 else 2_000

p = subprocess.Popen([binary, "serve", "--port", "0"], stdout=subprocess.PIPE,
                     stderr=subprocess.DEVNULL, text=True)
port = int(p.stdout.readline().rsplit(":", 1)[1])
conn = http.client.HTTPConnection("127.0.0.1", port)


def ecs_raw(op, body):
    """The round trip only: send, read the whole answer; parse afterwards."""
    conn.request("POST", "/", json.dumps(body), {
        "X-Amz-Target": f"AmazonEC2ContainerServiceV20141113.{op}",
        "Content-Type": "application/x-amz-json-1.1"})
    r = conn.getresponse()
    return r.status, r.read()


def ecs(op, body):
    status, data = ecs_raw(op, body)
    if status != 200:
        raise SystemExit(f"{op}: {status} {data[:300]}")
    return json.loads(data)


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


load_before = os.getloadavg()
try:
    t0 = time.perf_counter()
    vpc = one("vpcId", ec2({"Action": "CreateVpc", "CidrBlock": "10.0.0.0/16"}))
    subnets = [one("subnetId", ec2({"Action": "CreateSubnet", "VpcId": vpc,
                                    "CidrBlock": cidr, "AvailabilityZone": zone}))
               for cidr, zone in (("10.0.0.0/18", "us-east-1a"),
                                  ("10.0.64.0/18", "us-east-1b"))]
    # Their way out (the agents reach ECS, the tasks pull busybox), as on
    # AWS: an internet gateway, a public subnet routing to it, a NAT gateway
    # there and the main route table's 0.0.0.0/0 route to it.
    igw = one("internetGatewayId", ec2({"Action": "CreateInternetGateway"}))
    ec2({"Action": "AttachInternetGateway", "InternetGatewayId": igw, "VpcId": vpc})
    public = one("subnetId", ec2({"Action": "CreateSubnet", "VpcId": vpc,
                                  "CidrBlock": "10.0.128.0/24", "AvailabilityZone": "us-east-1a"}))
    public_rt = one("routeTableId", ec2({"Action": "CreateRouteTable", "VpcId": vpc}))
    ec2({"Action": "CreateRoute", "RouteTableId": public_rt, "DestinationCidrBlock": "0.0.0.0/0",
         "GatewayId": igw})
    ec2({"Action": "AssociateRouteTable", "RouteTableId": public_rt, "SubnetId": public})
    alloc = one("allocationId", ec2({"Action": "AllocateAddress", "Domain": "vpc"}))
    nat = one("natGatewayId", ec2({"Action": "CreateNatGateway", "SubnetId": public,
                                   "AllocationId": alloc}))
    main_rt = one("routeTableId", ec2({"Action": "DescribeRouteTables",
                                       "Filter.1.Name": "vpc-id", "Filter.1.Value.1": vpc,
                                       "Filter.2.Name": "association.main",
                                       "Filter.2.Value.1": "true"}))
    ec2({"Action": "CreateRoute", "RouteTableId": main_rt, "DestinationCidrBlock": "0.0.0.0/0",
         "NatGatewayId": nat})
    images = ec2({"Action": "DescribeImages", "Owner.1": "amazon",
                  "Filter.1.Name": "name", "Filter.1.Value.1": "al2023-ami-ecs-hvm-*-x86_64"})
    ami = sorted(re.findall(r"<imageId>(ami-[0-9a-f]+)</imageId>.*?<creationDate>(.*?)<",
                            images, re.S), key=lambda x: x[1])[-1][0]
    ecs("CreateCluster", {"clusterName": "bench"})
    user_data = base64.b64encode(
        b"#!/bin/bash\necho ECS_CLUSTER=bench >> /etc/ecs/ecs.config\n").decode()
    launched = 0
    for n, subnet in enumerate(subnets):
        want = count // len(subnets) + (1 if n < count % len(subnets) else 0)
        out = ec2({"Action": "RunInstances", "ImageId": ami, "InstanceType": "m5.large",
                   "MinCount": want, "MaxCount": want, "SubnetId": subnet,
                   "UserData": user_data})
        launched += out.count("<instanceId>")
    assert launched == count, launched
    ci_arns = []
    token = None
    while True:
        body = {"cluster": "bench", "maxResults": 100}
        if token:
            body["nextToken"] = token
        out = ecs("ListContainerInstances", body)
        ci_arns.extend(out["containerInstanceArns"])
        token = out.get("nextToken")
        if not token:
            break
    assert len(ci_arns) == count, len(ci_arns)
    registered = time.perf_counter() - t0

    ecs("RegisterTaskDefinition", {
        "family": "bench", "networkMode": "bridge", "requiresCompatibilities": ["EC2"],
        "containerDefinitions": [{"name": "app", "image": "busybox", "cpu": 128,
                                  "memory": 256,
                                  "portMappings": [{"containerPort": 80, "hostPort": 0}]}]})
    ran = 0
    while ran < tasks:
        out = ecs("RunTask", {"cluster": "bench", "taskDefinition": "bench",
                              "launchType": "EC2", "count": min(10, tasks - ran)})
        assert not out["failures"], out["failures"]
        ran += len(out["tasks"])
    built = time.perf_counter() - t0

    describe = []
    for i in range(300):
        start = (i * 97) % (len(ci_arns) - 100)
        body = {"cluster": "bench", "containerInstances": ci_arns[start:start + 100]}
        t = time.perf_counter()
        status, raw = ecs_raw("DescribeContainerInstances", body)
        describe.append((time.perf_counter() - t) * 1000)
        out = json.loads(raw)
        assert status == 200 and len(out["containerInstances"]) == 100 \
            and not out["failures"], out.get("failures")
        size = len(raw)
    describe.sort()

    strategies = [[{"type": "binpack", "field": "memory"}],
                  [{"type": "spread", "field": "attribute:ecs.availability-zone"}]]
    run = {"binpack": [], "spread": []}
    for i in range(1000):
        strategy = strategies[i % 2]
        body = {"cluster": "bench", "taskDefinition": "bench", "launchType": "EC2",
                "placementStrategy": strategy}
        t = time.perf_counter()
        status, raw = ecs_raw("RunTask", body)
        run[strategy[0]["type"]].append((time.perf_counter() - t) * 1000)
        out = json.loads(raw)
        assert status == 200 and len(out["tasks"]) == 1 and not out["failures"], raw[:300]
    both = sorted(run["binpack"] + run["spread"])
    for samples in run.values():
        samples.sort()
finally:
    p.terminate()
    p.wait()


def p99(samples):
    return samples[int(len(samples) * 0.99) - 1]


print(f"binary: {binary}")
print(f"load average before: {load_before[0]:.2f}, after: {os.getloadavg()[0]:.2f}")
print(f"registered {count} container instances in {registered:.1f} s; "
      f"with {tasks} running tasks in {built:.1f} s")
print(f"answer size: {size / 1024:.0f} KiB for 100 container instances")
print(f"DescribeContainerInstances with 100 ARNs of {count}: "
      f"median {statistics.median(describe):.2f} ms, p99 {p99(describe):.2f} ms")
print(f"RunTask of 1 EC2 bridge task (binpack/spread) on {count} instances: "
      f"median {statistics.median(both):.2f} ms, p99 {p99(both):.2f} ms")
for name, samples in run.items():
    print(f"  {name}: median {statistics.median(samples):.2f} ms, p99 {p99(samples):.2f} ms")
