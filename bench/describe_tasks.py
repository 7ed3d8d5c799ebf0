#!/usr/bin/env python3
"""DescribeTasks latency: 100 task ARNs against a cluster of 10,000 tasks.

Usage: bench/describe_tasks.py [path/to/awsemu] [tasks]
Runs N (default 10,000) Fargate awsvpc tasks through RunTask (10 per call,
spread over the default subnets), then times DescribeTasks with 100 ARNs
(a different slice each time) over a kept-alive connection and prints the
median and 99th percentile round trip in milliseconds.
"""
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/awsemu")
count = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000

p = subprocess.Popen([binary, "serve", "--port", "0"], stdout=subprocess.PIPE,
                     stderr=subprocess.DEVNULL, text=True)
port = int(p.stdout.readline().rsplit(":", 1)[1])
conn = http.client.HTTPConnection("127.0.0.1", port)


def ecs(op, body):
    conn.request("POST", "/", json.dumps(body), {
        "X-Amz-Target": f"AmazonEC2ContainerServiceV20141113.{op}",
        "Content-Type": "application/x-amz-json-1.1"})
    r = conn.getresponse()
    data = r.read()
    if r.status != 200:
        raise SystemExit(f"{op}: {r.status} {data[:300]}")
    return json.loads(data)


def ecs_raw(op, body):
    """The round trip only: send, read the whole answer; parse afterwards."""
    conn.request("POST", "/", json.dumps(body), {
        "X-Amz-Target": f"AmazonEC2ContainerServiceV20141113.{op}",
        "Content-Type": "application/x-amz-json-1.1"})
    r = conn.getresponse()
    return r.status, r.read()


def ec2(body):
    conn.request("POST", "/", "Version=2016-11-15&" + body,
                 {"Content-Type": "application/x-www-form-urlencoded"})
    r = conn.getresponse()
    return r.read().decode()


try:
    subnets = re.findall(r"<subnetId>(.*?)</subnetId>", ec2("Action=DescribeSubnets"))
    ecs("CreateCluster", {"clusterName": "bench"})
    ecs("RegisterTaskDefinition", {
        "family": "bench", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
        "cpu": "256", "memory": "512",
        "containerDefinitions": [{"name": "app", "image": "busybox"}]})
    arns = []
    t0 = time.perf_counter()
    while len(arns) < count:
        out = ecs("RunTask", {
            "cluster": "bench", "taskDefinition": "bench", "launchType": "FARGATE",
            "count": min(10, count - len(arns)),
            # The default subnets are public: a public IP reaches Docker Hub.
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": subnets,
                                                             "assignPublicIp": "ENABLED"}}})
        arns.extend(t["taskArn"] for t in out["tasks"])
    created = time.perf_counter() - t0

    samples = []
    for i in range(300):
        start = (i * 97) % (len(arns) - 100)
        batch = arns[start:start + 100]
        body = {"cluster": "bench", "tasks": batch}
        t = time.perf_counter()
        status, raw = ecs_raw("DescribeTasks", body)
        samples.append((time.perf_counter() - t) * 1000)
        out = json.loads(raw)
        assert status == 200 and len(out["tasks"]) == 100 and not out["failures"], out["failures"]
        size = len(raw)
    samples.sort()
finally:
    p.terminate()
    p.wait()

print(f"binary: {binary}")
print(f"ran {len(arns)} tasks in {created:.1f} s")
print(f"answer size: {size / 1024:.0f} KiB for 100 tasks")
print(f"DescribeTasks with 100 ARNs of {len(arns)}: median {statistics.median(samples):.2f} ms, "
      f"p99 {samples[int(len(samples) * 0.99) - 1]:.2f} ms")
