"""Figures of the Python wheel: its size, the time from `pip install` to the
first answered request, and the pytest plugin's overhead per test.

    python3 bench/wheel.py target/wheels/awsemu-*.whl

Makes a fresh venv, times `pip install --no-deps <wheel>` followed by
`awsemu serve --port 0` and the first DescribeVpcs answered (the wheel has no
dependencies of its own, so nothing else is fetched); then installs pytest
and boto3 and runs 200-test suites to time each fixture's setup: the session
emulator alone, a fresh account per test, a reset per test, and a boto3
client on top. Takes the pip cache as it is (pytest and boto3 come from it).
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

N = 200


def main() -> None:
    wheel = Path(sys.argv[1]).resolve()
    print(f"wheel: {wheel.name}: {wheel.stat().st_size / 2**20:.2f} MiB "
          f"({wheel.stat().st_size} bytes)")
    work = Path(tempfile.mkdtemp(prefix="awsemu-bench-"))
    subprocess.run([sys.executable, "-m", "venv", str(work / "venv")], check=True)
    py = work / "venv" / "bin" / "python"
    pip = [str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]

    # pip install -> first answered request.
    t0 = time.perf_counter()
    subprocess.run(pip + ["--no-deps", str(wheel)], check=True)
    t_installed = time.perf_counter()
    proc = subprocess.Popen([str(work / "venv" / "bin" / "awsemu"), "serve", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline()
        url = re.search(r"(http://\S+)", line).group(1)
        req = urllib.request.Request(
            url + "/", data=b"Action=DescribeVpcs&Version=2016-11-15",
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "Authorization": "AWS4-HMAC-SHA256 Credential=000000000000/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0"})
        body = urllib.request.urlopen(req, timeout=10).read()
        t_answered = time.perf_counter()
        assert b"DescribeVpcsResponse" in body, body[:200]
    finally:
        proc.terminate()
        proc.wait()
    print(f"pip install --no-deps <wheel>: {1000 * (t_installed - t0):.0f} ms; "
          f"then start + first DescribeVpcs answered: {1000 * (t_answered - t_installed):.0f} ms; "
          f"total {1000 * (t_answered - t0):.0f} ms")

    # Fixture overhead per test.
    subprocess.run(pip + ["pytest", "boto3"], check=True)
    suite = work / "suite"
    suite.mkdir()
    (suite / "conftest.py").write_text(textwrap.dedent("""\
        import json, os
        def pytest_runtest_logreport(report):
            if report.when == "setup":
                with open(os.environ["SETUP_LOG"], "a") as fh:
                    fh.write(json.dumps([report.nodeid, report.duration]) + "\\n")
        """))
    scenario = Path(__file__).resolve().parent.parent / "scenarios" / "ecs-private-subnet.yaml"
    variants = {
        "session emulator only (baseline)": ("awsemu", [], ""),
        "awsemu_world, fresh account": ("awsemu_world", [], ""),
        "awsemu_world, reset (empty world)": ("awsemu_world", ["--awsemu-isolation=reset"], ""),
        f"awsemu_world, reset to {scenario.name}": (
            "awsemu_world", [], f"@pytest.mark.awsemu_scenario({str(scenario)!r})"),
        "ec2_client (fresh account + boto3 client)": ("ec2_client", [], ""),
    }
    for name, (fixture, args, marker) in variants.items():
        (suite / "test_overhead.py").write_text(textwrap.dedent(f"""\
            import pytest
            @pytest.mark.parametrize("n", range({N + 1}))
            {marker}
            def test_x(n, {fixture}):
                pass
            """))
        log = work / "setup.log"
        log.unlink(missing_ok=True)
        env = dict(os.environ, SETUP_LOG=str(log))
        env.pop("AWSEMU_BIN", None)
        env.pop("AWSEMU_URL", None)
        subprocess.run([str(py), "-m", "pytest", "-q", "-p", "no:cacheprovider", *args, str(suite)],
                       check=True, env=env, stdout=subprocess.DEVNULL)
        durations = [json.loads(l)[1] * 1000 for l in log.read_text().splitlines()][1:]  # not the first
        print(f"{name}: setup per test median {statistics.median(durations):.2f} ms, "
              f"mean {statistics.mean(durations):.2f} ms, p95 "
              f"{sorted(durations)[int(0.95 * len(durations))]:.2f} ms ({len(durations)} tests)")


if __name__ == "__main__":
    main()
