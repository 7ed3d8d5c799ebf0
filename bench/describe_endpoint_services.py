#!/usr/bin/env python3
"""DescribeVpcEndpointServices latency over the whole AWS catalogue, and start-up.

Usage: bench/describe_endpoint_services.py [path/to/awsemu] [region]
Starts awsemu, times (over a kept-alive connection) DescribeVpcEndpointServices
with no filter (the Region's whole list), with MaxResults=50, and with
service-name / service-type / owner filters, and prints the median and 99th
percentile round trip in milliseconds (the whole list is ~600 KiB of XML, so
the round trip includes Python reading it), plus, for the whole list, the time
to the response's first byte (the server's share: handler and XML encoding);
then the start-up time (spawn to the first answered request), median of 10.
"""
import http.client
import os
import socket
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/awsemu")
region = sys.argv[2] if len(sys.argv) > 2 else "us-east-1"
AUTH = (f"AWS4-HMAC-SHA256 Credential=000000000000/20260101/{region}/ec2/aws4_request, "
        "SignedHeaders=host, Signature=0")


def start():
    p = subprocess.Popen([binary, "serve", "--port", "0"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    port = int(p.stdout.readline().rsplit(":", 1)[1])
    return p, http.client.HTTPConnection("127.0.0.1", port)


def ec2(conn, body):
    conn.request("POST", "/", "Version=2016-11-15&" + body,
                 {"Content-Type": "application/x-www-form-urlencoded", "Authorization": AUTH})
    r = conn.getresponse()
    data = r.read().decode()
    if r.status != 200:
        raise SystemExit(f"{r.status}: {data}")
    return data


p, conn = start()
try:
    whole = ec2(conn, "Action=DescribeVpcEndpointServices")
    n = whole.count("<serviceId>")
    kb = len(whole) / 1024

    def timed(body, n=200):
        ec2(conn, body)
        samples = []
        for _ in range(n):
            t = time.perf_counter()
            ec2(conn, body)
            samples.append((time.perf_counter() - t) * 1000)
        samples.sort()
        return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]

    rows = [
        ("no filter (whole Region)", "Action=DescribeVpcEndpointServices"),
        ("MaxResults=50", "Action=DescribeVpcEndpointServices&MaxResults=50"),
        ("service-name filter", "Action=DescribeVpcEndpointServices&Filter.1.Name=service-name"
         f"&Filter.1.Value.1=com.amazonaws.{region}.ecr.dkr"),
        ("service-type Gateway", "Action=DescribeVpcEndpointServices&Filter.1.Name=service-type"
         "&Filter.1.Value.1=Gateway"),
        ("owner amazon", "Action=DescribeVpcEndpointServices&Filter.1.Name=owner"
         "&Filter.1.Value.1=amazon"),
        ("ServiceName.1", f"Action=DescribeVpcEndpointServices&ServiceName.1=com.amazonaws.{region}.s3"),
    ]
    results = [(label, timed(body)) for label, body in rows]

    # Time to first byte over a kept-alive raw socket: the server's work.
    sock = socket.create_connection(("127.0.0.1", conn.port))
    body = "Version=2016-11-15&Action=DescribeVpcEndpointServices".encode()
    req = (f"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
           f"Authorization: {AUTH}\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
    ttfb = []
    for _ in range(200):
        t = time.perf_counter()
        sock.sendall(req)
        buf = sock.recv(65536)
        ttfb.append((time.perf_counter() - t) * 1000)
        head, _, rest = buf.partition(b"\r\n\r\n")
        length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length")))
        got = len(rest)
        while got < length:
            got += len(sock.recv(1 << 20))
    sock.close()
    ttfb.sort()
finally:
    p.terminate()
    p.wait()

starts = []
for _ in range(10):
    t = time.perf_counter()
    q, c = start()
    ec2(c, "Action=DescribeVpcEndpointServices&MaxResults=5")
    starts.append((time.perf_counter() - t) * 1000)
    q.terminate()
    q.wait()

print(f"binary: {binary}")
print(f"{region}: {n} service details in the whole list ({kb:.0f} KiB of XML)")
for label, (med, p99) in results:
    print(f"DescribeVpcEndpointServices, {label:26s} median {med:.2f} ms, p99 {p99:.2f} ms")
print(f"DescribeVpcEndpointServices, no filter, time to first byte: median {statistics.median(ttfb):.2f} ms, "
      f"p99 {ttfb[int(len(ttfb) * 0.99) - 1]:.2f} ms")
print(f"start-up to first DescribeVpcEndpointServices answer: median {statistics.median(starts):.1f} ms")
