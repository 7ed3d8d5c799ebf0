#!/usr/bin/env python3
"""DescribeVpcEndpoints latency with many endpoints in one account.

Usage: bench/describe_endpoints.py [path/to/awsemu] [endpoints]
Creates N (default 10,000) gateway endpoints to S3 in one VPC through the
API, then times DescribeVpcEndpoints with a `vpc-endpoint-id` filter (one id)
and with `VpcEndpointId.1`, over a kept-alive connection, and prints the
median and 99th percentile round trip in milliseconds.
"""
import http.client
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


def ec2(body):
    conn.request("POST", "/", "Version=2016-11-15&" + body,
                 {"Content-Type": "application/x-www-form-urlencoded"})
    r = conn.getresponse()
    data = r.read().decode()
    if r.status != 200:
        raise SystemExit(f"{r.status}: {data}")
    return data


try:
    vpc = re.search(r"<vpcId>(.*?)</vpcId>", ec2("Action=CreateVpc&CidrBlock=10.0.0.0/16")).group(1)
    t0 = time.perf_counter()
    ids = []
    for _ in range(count):
        out = ec2(f"Action=CreateVpcEndpoint&VpcId={vpc}&ServiceName=com.amazonaws.us-east-1.s3")
        ids.append(re.search(r"<vpcEndpointId>(.*?)</vpcEndpointId>", out).group(1))
    created = time.perf_counter() - t0

    def timed(body, n=300):
        samples = []
        for i in range(n):
            t = time.perf_counter()
            out = ec2(body(ids[(i * 7919) % len(ids)]))
            samples.append((time.perf_counter() - t) * 1000)
            assert out.count("<vpcEndpointId>") == 1, out
        samples.sort()
        return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]

    by_filter = timed(lambda i: f"Action=DescribeVpcEndpoints&Filter.1.Name=vpc-endpoint-id&Filter.1.Value.1={i}")
    by_id = timed(lambda i: f"Action=DescribeVpcEndpoints&VpcEndpointId.1={i}")
    by_vpc_page = timed(lambda i: f"Action=DescribeVpcEndpoints&Filter.1.Name=vpc-endpoint-id&Filter.1.Value.1={i}&Filter.2.Name=vpc-id&Filter.2.Value.1={vpc}")
finally:
    p.terminate()
    p.wait()

print(f"binary: {binary}")
print(f"created {count} endpoints in {created:.1f} s ({count / created:.0f}/s)")
print(f"DescribeVpcEndpoints, vpc-endpoint-id filter: median {by_filter[0]:.2f} ms, p99 {by_filter[1]:.2f} ms")
print(f"DescribeVpcEndpoints, VpcEndpointId.1:        median {by_id[0]:.2f} ms, p99 {by_id[1]:.2f} ms")
print(f"DescribeVpcEndpoints, id + vpc-id filters:    median {by_vpc_page[0]:.2f} ms, p99 {by_vpc_page[1]:.2f} ms")
