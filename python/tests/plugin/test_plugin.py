"""The pytest plugin, tested the way it is used: each test writes a small
suite and runs it in a new pytest process (pytester), where the plugin comes
from the installed wheel's `pytest11` entry point and the emulator from its
binary. Run from the installed wheel by scripts/test-wheel.sh."""

from __future__ import annotations

import importlib.metadata
import json
import os
import socket
import subprocess
import sys
import sysconfig
import textwrap

import pytest

import awsemu as awsemu_pkg

# A scenario of our own, so these tests need nothing of the source tree.
SCENARIO = """\
version: 1
description: one VPC with a subnet in the default account
accounts:
  - id: "000000000000"
    regions:
      us-east-1:
        vpcs:
          - {name: app, id: vpc-0d000000000000001, cidr: 10.7.0.0/16}
        subnets:
          - {name: a, id: subnet-0d000000000000001, vpc: app, cidr: 10.7.1.0/24, az: us-east-1a}
"""


def run(pytester: pytest.Pytester, *args: str, env: dict | None = None):
    """The suite in `pytester.path`, in a new pytest process."""
    saved = {}
    for k, v in (env or {}).items():
        saved[k] = os.environ.get(k)
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    try:
        return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=300)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def records(pytester: pytest.Pytester, name: str = "records.jsonl") -> list:
    path = pytester.path / name
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


# The inner tests append what they saw to records.jsonl in their rootdir.
RECORD = textwrap.dedent("""\
    import json, os, pathlib

    def record(**kw):
        with open(pathlib.Path(__file__).parent / "records.jsonl", "a") as fh:
            fh.write(json.dumps(kw) + "\\n")
    """)


def port_open(url: str) -> bool:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
        return True
    except OSError:
        return False


# --------------------------------------------------------------------------
# Registration and the binary
# --------------------------------------------------------------------------
def test_the_wheel_registers_the_plugin_and_ships_the_binary(pytester):
    eps = importlib.metadata.entry_points(group="pytest11")
    assert [(e.name, e.value) for e in eps if e.name == "awsemu"] == [("awsemu", "awsemu.pytest_plugin")]
    if "AWSEMU_BIN" not in os.environ:
        # The binary the wheel put beside this interpreter's scripts.
        assert awsemu_pkg.find_binary() == os.path.join(sysconfig.get_path("scripts"), "awsemu")
    out = subprocess.run([awsemu_pkg.find_binary(), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("awsemu ")
    out = subprocess.run([sys.executable, "-m", "awsemu", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("awsemu ")

    result = run(pytester, "--fixtures")
    for name in ("awsemu ", "awsemu_world", "awsemu_env", "ec2_client", "ec2_resource",
                 "elbv2_client", "ecs_client", "sts_client"):
        assert name in result.stdout.str(), name
    result = run(pytester, "--markers")
    result.stdout.fnmatch_lines(["*awsemu_scenario(*paths*"])
    result = run(pytester, "--help")
    result.stdout.fnmatch_lines(["*--awsemu-url*", "*--awsemu-isolation*"])


def test_a_missing_or_broken_binary_fails_with_a_clear_message(pytester):
    pytester.makepyfile("def test_x(awsemu): pass\n")
    result = run(pytester, env={"AWSEMU_BIN": "/nonexistent/awsemu", "AWSEMU_URL": None})
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*AWSEMU_BIN=/nonexistent/awsemu is not an executable file*"])
    result = run(pytester, env={"AWSEMU_BIN": "/bin/false", "AWSEMU_URL": None})
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*awsemu exited (1) before listening*"])


# --------------------------------------------------------------------------
# The session fixture
# --------------------------------------------------------------------------
def test_one_emulator_for_the_session_stopped_at_its_end(pytester):
    pytester.makepyfile(record=RECORD)
    body = textwrap.dedent("""\
        from record import record

        def test_{n}(awsemu):
            assert awsemu.health()["status"] == "running"
            record(url=awsemu.url, pid=awsemu.process.pid)
        """)
    pytester.makepyfile(test_a=body.format(n="a"), test_b=body.format(n="b"))
    result = run(pytester, env={"AWSEMU_URL": None})
    result.assert_outcomes(passed=2)
    seen = records(pytester)
    assert len(seen) == 2 and len({(r["url"], r["pid"]) for r in seen}) == 1
    assert not port_open(seen[0]["url"]), "the emulator must be stopped after the session"
    with pytest.raises(ProcessLookupError):
        os.kill(seen[0]["pid"], 0)


def test_awsemu_url_is_used_and_left_running(pytester, awsemu):
    pytester.makepyfile(record=RECORD)
    pytester.makepyfile(textwrap.dedent("""\
        import os
        from record import record

        def test_it(awsemu, awsemu_world, ec2_client):
            assert awsemu.url == os.environ["AWSEMU_URL"]
            assert awsemu.process is None          # not started here
            ec2_client.create_vpc(CidrBlock="10.3.0.0/16")
            record(account=awsemu_world.id)
        """))
    result = run(pytester, env={"AWSEMU_URL": awsemu.url})
    result.assert_outcomes(passed=1)
    (rec,) = records(pytester)
    assert awsemu.health()["status"] == "running"
    vpcs = awsemu.account(rec["account"]).client("ec2").describe_vpcs()["Vpcs"]
    assert "10.3.0.0/16" in {v["CidrBlock"] for v in vpcs}
    # --awsemu-url does the same.
    result = run(pytester, "--awsemu-url", awsemu.url, env={"AWSEMU_URL": None})
    result.assert_outcomes(passed=0, failed=1)  # os.environ["AWSEMU_URL"] is unset there
    result.stdout.fnmatch_lines(["*KeyError*AWSEMU_URL*"])


# --------------------------------------------------------------------------
# Per-test worlds
# --------------------------------------------------------------------------
def test_each_test_has_a_fresh_account(pytester):
    pytester.makepyfile(record=RECORD)
    pytester.makepyfile(textwrap.dedent("""\
        import pytest
        from record import record

        @pytest.mark.parametrize("n", range(5))
        def test_alone(n, awsemu, awsemu_world, ec2_client, ecs_client, sts_client, ec2_resource):
            assert awsemu_world.scoped and len(awsemu_world.id) == 12
            assert sts_client.get_caller_identity()["Account"] == awsemu_world.id
            ec2_resource.create_vpc(CidrBlock=f"10.{n}.0.0/16")
            ecs_client.create_cluster(clusterName="c")
            assert len(ec2_client.describe_vpcs()["Vpcs"]) == 2   # default + ours
            assert len(ecs_client.list_clusters()["clusterArns"]) == 1
            record(account=awsemu_world.id)

        def test_the_default_account_saw_nothing(awsemu):
            assert awsemu.client("ecs").list_clusters()["clusterArns"] == []
        """))
    result = run(pytester, env={"AWSEMU_URL": None})
    result.assert_outcomes(passed=6)
    assert len({r["account"] for r in records(pytester)}) == 5


def test_reset_isolation_by_ini_or_option(pytester):
    pytester.makeini("[pytest]\nawsemu_isolation = reset\n")
    pytester.makepyfile(textwrap.dedent("""\
        def test_1_makes(awsemu_world, ec2_client):
            assert awsemu_world.id == "000000000000" and not awsemu_world.scoped
            ec2_client.create_vpc(CidrBlock="10.1.0.0/16")
            assert len(ec2_client.describe_vpcs()["Vpcs"]) == 2

        def test_2_sees_it_gone(awsemu_world, ec2_client):
            assert [v["IsDefault"] for v in ec2_client.describe_vpcs()["Vpcs"]] == [True]
        """))
    run(pytester, env={"AWSEMU_URL": None}).assert_outcomes(passed=2)
    pytester.makeini("[pytest]\n")
    run(pytester, "--awsemu-isolation=reset", env={"AWSEMU_URL": None}).assert_outcomes(passed=2)
    # Without it, the world is a fresh account (test_1's first assertion fails).
    run(pytester, env={"AWSEMU_URL": None}).assert_outcomes(passed=1, failed=1)


@pytest.mark.parametrize("shared", [True, False], ids=["one-shared-emulator", "one-per-worker"])
def test_parallel_workers_do_not_see_each_others_resources(pytester, awsemu, shared):
    pytest.importorskip("xdist")
    pytester.makepyfile(record=RECORD)
    pytester.makepyfile(textwrap.dedent("""\
        import os, time
        import pytest
        from record import record

        @pytest.mark.parametrize("n", range(16))
        def test_parallel(n, awsemu_world, ec2_client, ecs_client):
            ec2_client.create_vpc(CidrBlock=f"10.{n}.0.0/16",
                TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "n", "Value": str(n)}]}])
            ecs_client.create_cluster(clusterName=f"c{n}")
            time.sleep(0.05)   # so that the workers' tests overlap
            vpcs = ec2_client.describe_vpcs()["Vpcs"]
            assert sorted(v["CidrBlock"] for v in vpcs) == sorted(["172.31.0.0/16", f"10.{n}.0.0/16"])
            assert [a.rsplit("/", 1)[1] for a in ecs_client.list_clusters()["clusterArns"]] == [f"c{n}"]
            assert {e["account"] for e in awsemu_world.events()} == {awsemu_world.id}
            record(worker=os.environ["PYTEST_XDIST_WORKER"], url=awsemu_world.url,
                   start=time.time())
        """))
    result = run(pytester, "-n", "2", env={"AWSEMU_URL": awsemu.url if shared else None})
    result.assert_outcomes(passed=16)
    seen = records(pytester)
    assert {r["worker"] for r in seen} == {"gw0", "gw1"}
    urls = {r["url"] for r in seen}
    assert urls == ({awsemu.url} if shared else urls) and len(urls) == (1 if shared else 2)


# --------------------------------------------------------------------------
# The scenario marker, the clock, events, notifications
# --------------------------------------------------------------------------
def test_the_scenario_marker_loads_and_resets_its_world(pytester):
    pytester.makepyfile(record=RECORD)
    (pytester.path / "scenarios").mkdir()
    (pytester.path / "scenarios" / "one-vpc.yaml").write_text(SCENARIO)
    pytester.makepyfile(textwrap.dedent("""\
        import pytest
        from record import record

        @pytest.mark.awsemu_scenario("scenarios/one-vpc.yaml")
        def test_a(awsemu_world, ec2_client):
            assert ec2_client.describe_subnets(SubnetIds=["subnet-0d000000000000001"])["Subnets"]
            ec2_client.create_vpc(CidrBlock="10.8.0.0/16")
            record(test="a", url=awsemu_world.url)

        @pytest.mark.awsemu_scenario("scenarios/one-vpc.yaml")
        def test_b(awsemu_world, ec2_client):
            cidrs = {v["CidrBlock"] for v in ec2_client.describe_vpcs()["Vpcs"]}
            assert "10.7.0.0/16" in cidrs and "10.8.0.0/16" not in cidrs   # reset to the scenario
            record(test="b", url=awsemu_world.url)

        def test_c_without(awsemu_world, ec2_client):
            assert "10.7.0.0/16" not in {v["CidrBlock"] for v in ec2_client.describe_vpcs()["Vpcs"]}
            record(test="c", url=awsemu_world.url)

        @pytest.mark.awsemu_scenario("scenarios/nope.yaml")
        def test_d_missing(awsemu_world):
            pass
        """))
    result = run(pytester, env={"AWSEMU_URL": None})
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*awsemu_scenario: scenarios/nope.yaml not found*"])
    urls = {r["test"]: r["url"] for r in records(pytester)}
    assert urls["a"] == urls["b"] != urls["c"]      # one emulator per scenario, kept


def test_the_clock_advances_pending_work(pytester):
    pytester.makepyfile(textwrap.dedent("""\
        import pytest

        @pytest.mark.awsemu_scenario(pace="manual")
        def test_manual(awsemu_world, ec2_client):
            assert awsemu_world.clock()["pace"] == "manual"
            vpc = ec2_client.describe_vpcs()["Vpcs"][0]["VpcId"]
            subnets = [s["SubnetId"] for s in ec2_client.describe_subnets()["Subnets"]][:1]
            vpce = ec2_client.create_vpc_endpoint(
                VpcId=vpc, ServiceName="com.amazonaws.us-east-1.ecr.dkr",
                VpcEndpointType="Interface", SubnetIds=subnets)["VpcEndpoint"]
            state = lambda: ec2_client.describe_vpc_endpoints(
                VpcEndpointIds=[vpce["VpcEndpointId"]])["VpcEndpoints"][0]["State"]
            assert state() == "pending"
            before = awsemu_world.clock()["epochMillis"]
            awsemu_world.advance(120)
            assert awsemu_world.clock()["epochMillis"] - before == 120_000
            assert state() == "available"
            changes = [e for e in awsemu_world.events()
                       if e["resourceId"] == vpce["VpcEndpointId"]]
            assert [(e["action"], e.get("state")) for e in changes][-1] == ("state-changed", "available")
        """))
    run(pytester, env={"AWSEMU_URL": None}).assert_outcomes(passed=1)


def test_events_and_notifications_of_the_tests_own_account(pytester):
    pytester.makepyfile(textwrap.dedent("""\
        def test_connection_notification(awsemu_world, ec2_client, elbv2_client):
            provider, consumer = awsemu_world, awsemu_world.account()
            subnets = [s["SubnetId"] for s in ec2_client.describe_subnets(
                Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]][:2]
            nlb = elbv2_client.create_load_balancer(Name="nlb", Type="network", Scheme="internal",
                                                    Subnets=subnets)["LoadBalancers"][0]
            svc = ec2_client.create_vpc_endpoint_service_configuration(
                NetworkLoadBalancerArns=[nlb["LoadBalancerArn"]],
                AcceptanceRequired=True)["ServiceConfiguration"]
            ec2_client.modify_vpc_endpoint_service_permissions(
                ServiceId=svc["ServiceId"], AddAllowedPrincipals=[f"arn:aws:iam::{consumer.id}:root"])
            topic = f"arn:aws:sns:us-east-1:{provider.id}:vpce"
            ec2_client.create_vpc_endpoint_connection_notification(
                ServiceId=svc["ServiceId"], ConnectionNotificationArn=topic,
                ConnectionEvents=["Connect"])

            cec2 = consumer.client("ec2")
            vpc = cec2.describe_vpcs()["Vpcs"][0]["VpcId"]
            subnet = cec2.describe_subnets(Filters=[
                {"Name": "availability-zone", "Values": svc["AvailabilityZones"]}])["Subnets"][0]["SubnetId"]
            vpce = cec2.create_vpc_endpoint(VpcId=vpc, ServiceName=svc["ServiceName"],
                                            VpcEndpointType="Interface",
                                            SubnetIds=[subnet])["VpcEndpoint"]

            (note,) = provider.notifications()
            assert note["envelope"]["TopicArn"] == topic
            assert vpce["VpcEndpointId"] in note["envelope"]["Message"]
            assert consumer.notifications() == []
            mine = {e["resourceId"] for e in provider.events()}
            theirs = {e["resourceId"] for e in consumer.events()}
            assert svc["ServiceId"] in mine and svc["ServiceId"] not in theirs
            assert vpce["VpcEndpointId"] in theirs and vpce["VpcEndpointId"] not in mine
            seq = provider.events()[-1]["seq"]
            assert provider.events(since=seq) == []
        """))
    run(pytester, env={"AWSEMU_URL": None}).assert_outcomes(passed=1)


# --------------------------------------------------------------------------
# Faults
# --------------------------------------------------------------------------
def test_a_fault_makes_boto3_retry_then_succeed_and_goes_away(pytester):
    pytester.makepyfile(textwrap.dedent("""\
        import pytest
        from botocore.config import Config
        from botocore.exceptions import ClientError

        def test_retried(awsemu_world, awsemu):
            ec2 = awsemu_world.client("ec2", config=Config(retries={"mode": "standard", "max_attempts": 3}))
            other = awsemu_world.account().client("ec2", config=Config(retries={"total_max_attempts": 1}))
            with awsemu_world.fault("ec2", "DescribeVpcs", code="RequestLimitExceeded",
                                    status=503, count=2) as fault:
                assert fault.rule["remaining"] == 2 and fault.rule["account"] == awsemu_world.id
                other.describe_vpcs()                  # another account: not hit
                resp = ec2.describe_vpcs()             # two throttles, then the answer
                assert resp["ResponseMetadata"]["RetryAttempts"] == 2
                assert fault.hits == 2
            assert awsemu.faults() == []               # removed on exit

            once = awsemu_world.client("ec2", config=Config(retries={"total_max_attempts": 1}))
            with awsemu_world.fault("ec2", "DescribeVpcs", code="RequestLimitExceeded", status=503):
                with pytest.raises(ClientError) as e:
                    once.describe_vpcs()
            assert e.value.response["Error"]["Code"] == "RequestLimitExceeded"
            assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
            once.describe_vpcs()

        def test_session_level_fault_on_every_account(awsemu):
            with awsemu.fault("ecs", "ListClusters", code="ThrottlingException", count=1):
                c = awsemu.account().client("ecs", config=Config(retries={"total_max_attempts": 1}))
                with pytest.raises(ClientError):
                    c.list_clusters()
                c.list_clusters()

        def test_left_behind(awsemu_world):
            awsemu_world.fault("ec2", "DescribeVpcs", latency_ms=10)  # no `with`
            awsemu_world.account().fault("ecs", "ListClusters", drop=True)

        def test_cleaned_up(awsemu):
            assert awsemu.faults() == []
        """))
    run(pytester, env={"AWSEMU_URL": None}).assert_outcomes(passed=4)


# --------------------------------------------------------------------------
# The environment for code under test; the library
# --------------------------------------------------------------------------
def test_awsemu_env_points_code_under_test_at_the_world(pytester):
    pytester.makepyfile(textwrap.dedent("""\
        import os, subprocess, sys
        import boto3

        def test_env(awsemu_env, awsemu_world):
            assert os.environ["AWS_ENDPOINT_URL"] == awsemu_world.url
            assert "AWS_PROFILE" not in os.environ and "AWS_ENDPOINT_URL_EC2" not in os.environ
            boto3.client("ec2").create_vpc(CidrBlock="10.4.0.0/16")    # plain code under test
            assert "10.4.0.0/16" in {v["CidrBlock"] for v in
                                     awsemu_world.client("ec2").describe_vpcs()["Vpcs"]}
            out = subprocess.run([sys.executable, "-c",
                                  "import boto3; print(boto3.client('sts').get_caller_identity()['Account'])"],
                                 capture_output=True, text=True, check=True)
            assert out.stdout.strip() == awsemu_world.id

        def test_a_second_test_gets_its_own_credentials(awsemu_env, awsemu_world):
            # boto3's default session was made in the test above: not reused.
            assert boto3.client("sts").get_caller_identity()["Account"] == awsemu_world.id

        def test_restored_after():
            assert os.environ.get("AWS_PROFILE") == "someone"
            assert os.environ.get("AWS_ENDPOINT_URL_EC2") == "http://elsewhere.invalid"
            assert "AWS_ENDPOINT_URL" not in os.environ
        """))
    run(pytester, env={"AWSEMU_URL": None, "AWS_PROFILE": "someone", "AWS_ENDPOINT_URL": None,
                       "AWS_ENDPOINT_URL_EC2": "http://elsewhere.invalid"}).assert_outcomes(passed=3)


def test_the_library_without_pytest():
    with awsemu_pkg.Awsemu(pace="manual", seed=7) as emu:
        url = emu.url
        assert emu.clock()["pace"] == "manual"
        vpc = emu.client("ec2").create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        emu.reset()
        with awsemu_pkg.Awsemu(pace="manual", seed=7) as again:   # same seed, same ids
            assert again.client("ec2").create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"] == vpc
        assert emu.state("json").get("accounts", []) == []      # the reset emptied it
        assert emu.state("yaml").startswith("---")
    assert not port_open(url)
