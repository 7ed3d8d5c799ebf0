#!/usr/bin/env python3
"""POST /_awsemu/reset latency with a scenario of about 1,000 resources.

Usage: bench/reset.py [path/to/awsemu] [runs]
Default binary: target/release/awsemu if it exists (build it with
`cargo build --release -p awsemu`), else target/debug/awsemu; default runs: 20.
Generates a scenario (in a temporary folder) with 10 VPCs, each with 20
subnets over six AZs, 20 security groups with one ingress rule each, 10 route
tables associated with two subnets each, and 5 endpoints (an S3 and a DynamoDB
gateway endpoint on route tables, three interface endpoints with private DNS in
two subnets), 50 endpoints in all; prints what it holds, checks it with
`awsemu scenario check`, starts the binary with it, then times
POST /_awsemu/reset over one kept-alive connection and prints the median and
worst milliseconds, both measured by the client and reported by the server
(the answer's `milliseconds`).
"""
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
release = os.path.join(ROOT, "target/release/awsemu")
binary = sys.argv[1] if len(sys.argv) > 1 else (
    release if os.path.exists(release) else os.path.join(ROOT, "target/debug/awsemu"))
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20

VPCS, SUBNETS, GROUPS, TABLES = 10, 20, 20, 10
AZS = [f"us-east-1{c}" for c in "abcdef"]
GATEWAY = ["s3", "dynamodb"]
INTERFACE = ["ecs", "logs", "ecr.api"]


def build():
    """The scenario as a dict (JSON is a subset of YAML) and its resource counts."""
    vpcs, subnets, groups, tables, endpoints = [], [], [], [], []
    counts = dict.fromkeys(
        ["VPCs", "subnets", "security groups", "security group rules", "route tables",
         "route table associations", "gateway endpoints", "interface endpoints"], 0)
    for v in range(VPCS):
        vpc = f"vpc{v}"
        vpcs.append({"name": vpc, "cidr": f"10.{v}.0.0/16", "dnsSupport": True,
                     "dnsHostnames": True, "tags": {"Name": vpc}})
        counts["VPCs"] += 1
        names = []
        for s in range(SUBNETS):
            name = f"{vpc}-subnet{s}"
            names.append(name)
            subnets.append({"name": name, "vpc": vpc, "cidr": f"10.{v}.{s}.0/24",
                            "az": AZS[s % len(AZS)]})
            counts["subnets"] += 1
        for g in range(GROUPS):
            groups.append({"name": f"{vpc}-sg{g}", "vpc": vpc, "description": f"group {g}",
                           "ingress": [{"protocol": "tcp", "port": 443 + g,
                                        "cidr": f"10.{v}.0.0/16"}]})
            counts["security groups"] += 1
            counts["security group rules"] += 1
        per_table = SUBNETS // TABLES
        for t in range(TABLES):
            members = names[t * per_table:(t + 1) * per_table]
            tables.append({"name": f"{vpc}-rtb{t}", "vpc": vpc, "subnets": members})
            counts["route tables"] += 1
            counts["route table associations"] += len(members)
        for i, service in enumerate(GATEWAY):
            endpoints.append({"name": f"{vpc}-{service}", "vpc": vpc, "type": "Gateway",
                              "service": f"com.amazonaws.us-east-1.{service}",
                              "routeTables": [f"{vpc}-rtb{2 * i}", f"{vpc}-rtb{2 * i + 1}"]})
            counts["gateway endpoints"] += 1
        for i, service in enumerate(INTERFACE):
            # Two subnets in different AZs (subnet k is in AZS[k % 6]).
            endpoints.append({"name": f"{vpc}-{service}", "vpc": vpc,
                              "service": f"com.amazonaws.us-east-1.{service}",
                              "subnets": [names[i], names[i + 1]],
                              "securityGroups": [f"{vpc}-sg0"], "privateDns": True})
            counts["interface endpoints"] += 1
    scenario = {
        "version": 1,
        "description": "bench/reset.py: about 1,000 resources",
        "accounts": [{"id": "000000000000", "regions": {"us-east-1": {
            "vpcs": vpcs, "subnets": subnets, "securityGroups": groups,
            "routeTables": tables, "vpcEndpoints": endpoints}}}],
    }
    return scenario, counts


def main():
    scenario, counts = build()
    total = sum(counts.values())
    tmp = tempfile.mkdtemp(prefix="awsemu-bench-reset-")
    path = os.path.join(tmp, "bench-1000.json")
    with open(path, "w") as f:
        json.dump(scenario, f, indent=1)

    print(f"binary: {binary}")
    print("scenario: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    print(f"scenario resources: {total} (plus what they imply: default security groups "
          f"and main route tables of the VPCs, endpoint ENIs, prefix-list routes)")

    check = subprocess.run([binary, "scenario", "check", path], capture_output=True, text=True)
    if check.returncode != 0:
        raise SystemExit(f"scenario check failed: {check.stderr.strip()}")

    t0 = time.perf_counter()
    p = subprocess.Popen([binary, "serve", "--port", "0", "--scenario", path],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = p.stdout.readline()
        if not line.startswith("awsemu listening on"):
            raise SystemExit(f"awsemu did not start (exit {p.wait()}): {line!r}")
        startup_ms = (time.perf_counter() - t0) * 1000
        port = int(line.rsplit(":", 1)[1])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

        def post(path, body="", headers=None):
            conn.request("POST", path, body, headers or {})
            r = conn.getresponse()
            data = r.read().decode()
            if r.status != 200:
                raise SystemExit(f"{path}: HTTP {r.status}: {data}")
            return data

        def endpoints_seen():
            out = post("/", "Action=DescribeVpcEndpoints&Version=2016-11-15&MaxResults=1000",
                       {"Content-Type": "application/x-www-form-urlencoded"})
            return out.count("<vpcEndpointId>")

        before = endpoints_seen()
        client, server = [], []
        sockets = []  # references kept, so distinct sockets have distinct ids
        for _ in range(runs):
            t = time.perf_counter()
            answer = json.loads(post("/_awsemu/reset"))
            client.append((time.perf_counter() - t) * 1000)
            sockets.append(conn.sock)
            if answer.get("reset") is not True:
                raise SystemExit(f"unexpected reset answer: {answer}")
            server.append(float(answer["milliseconds"]))
        after = endpoints_seen()
        conn.close()
    finally:
        p.terminate()
        p.wait()
        os.remove(path)
        os.rmdir(tmp)

    print(f"start-up with the scenario to listening: {startup_ms:.1f} ms")
    print(f"endpoints described before / after the resets: {before} / {after}")
    opened = len({id(x) for x in sockets})
    kept = "one kept-alive connection" if opened == 1 else \
        f"{opened} connections: the server closed the kept-alive one"
    print(f"POST /_awsemu/reset over {runs} runs ({kept}):")
    print(f"  client-measured: median {statistics.median(client):.2f} ms, "
          f"worst {max(client):.2f} ms")
    print(f"  server-reported: median {statistics.median(server):.2f} ms, "
          f"worst {max(server):.2f} ms")


if __name__ == "__main__":
    main()
