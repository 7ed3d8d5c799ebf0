#!/usr/bin/env python3
"""Start-up to first answered request, and idle memory, of the awsemu binary.

Usage: bench/startup.py [path/to/awsemu] [runs]
Default binary: target/release/awsemu (build it with `cargo build --release -p awsemu`).
Prints the median and worst start-up time over the runs, and the resident
set size (VmRSS) after start-up and after 200 requests, once idle again.
"""
import http.client
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/awsemu")
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def start():
    """Spawns awsemu on a free port and returns (process, port, ms to first answer)."""
    t0 = time.perf_counter()
    p = subprocess.Popen([binary, "serve", "--port", "0"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    line = p.stdout.readline()
    port = int(line.rsplit(":", 1)[1])
    while True:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/_awsemu/health")
            r = c.getresponse()
            r.read()
            if r.status == 200:
                return p, port, (time.perf_counter() - t0) * 1000
        except OSError:
            time.sleep(0.001)


def call(port, body):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("POST", "/", body, {"Content-Type": "application/x-www-form-urlencoded"})
    r = c.getresponse()
    r.read()
    return r.status


times = []
for _ in range(runs):
    p, port, ms = start()
    times.append(ms)
    p.terminate()
    p.wait()

p, port, _ = start()
time.sleep(0.5)
idle = rss_kib(p.pid)
for i in range(100):
    call(port, f"Action=CreateVpc&Version=2016-11-15&CidrBlock=10.{i}.0.0/16")
    call(port, "Action=DescribeVpcs&Version=2016-11-15")
time.sleep(0.5)
after = rss_kib(p.pid)
p.terminate()
p.wait()

print(f"binary: {binary}")
print(f"start-up to first answered request: median {statistics.median(times):.1f} ms, "
      f"worst {max(times):.1f} ms over {runs} runs")
print(f"idle RSS after start-up: {idle / 1024:.1f} MiB")
print(f"idle RSS after 100 CreateVpc + 100 DescribeVpcs: {after / 1024:.1f} MiB")
