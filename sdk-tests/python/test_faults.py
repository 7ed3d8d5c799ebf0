"""Fault injection (``/_awsemu/faults``): AWS errors in each protocol's own
envelope, latency, dropped connections, counts and probabilities; boto3's
retries absorbing a throttle; and a faulted call changing nothing."""

from __future__ import annotations

import subprocess
import time

import boto3
import botocore.exceptions
import pytest
import requests
from botocore.config import Config

from awsemu_helpers import random_account
from conftest import DEFAULT_REGION, SECRET_KEY


def add_fault(endpoint: str, **rule) -> dict:
    resp = requests.post(f"{endpoint}/_awsemu/faults", json=rule, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()


def faults(endpoint: str) -> list[dict]:
    return requests.get(f"{endpoint}/_awsemu/faults", timeout=10).json()["faults"]


_SESSION = boto3.session.Session()


def retrying_client(endpoint: str, service: str, account: str, mode: str = "standard",
                    attempts: int = 5, region: str = DEFAULT_REGION):
    """A client as an application has it: retries on, ``attempts`` in all."""
    return _SESSION.client(
        service,
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id=account,
        aws_secret_access_key=SECRET_KEY,
        config=Config(retries={"mode": mode, "total_max_attempts": attempts}),
    )


def make_client(endpoint: str, service: str, account: str, region: str = DEFAULT_REGION):
    """A client that tries once, so the test sees each fault."""
    return retrying_client(endpoint, service, account, attempts=1, region=region)


# One mutating call per protocol, and how to count what it made.
CALLS = {
    "ec2": (
        lambda c: c.create_vpc(CidrBlock="10.9.0.0/16"),
        lambda c: len(c.describe_vpcs()["Vpcs"]),
        "CreateVpc",
    ),
    "elbv2": (
        lambda c: c.create_target_group(Name="tg-fault", Protocol="TCP", Port=80,
                                        TargetType="ip", VpcId=_default_vpc(c)),
        lambda c: len(c.describe_target_groups()["TargetGroups"]),
        "CreateTargetGroup",
    ),
    "ecs": (
        lambda c: c.create_cluster(clusterName="faulted"),
        lambda c: len(c.list_clusters()["clusterArns"]),
        "CreateCluster",
    ),
}

_ENDPOINT: dict[str, str] = {}


def _default_vpc(elbv2_client) -> str:
    account = elbv2_client._request_signer._credentials.access_key
    ec2 = make_client(_ENDPOINT["url"], "ec2", account)
    return ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]


@pytest.fixture(autouse=True)
def _endpoint(awsemu_endpoint):
    _ENDPOINT["url"] = awsemu_endpoint
    yield
    requests.delete(f"{awsemu_endpoint}/_awsemu/faults", timeout=10)


ERRORS = {
    "ec2": ("RequestLimitExceeded", 503, "Request limit exceeded."),
    "elbv2": ("Throttling", 400, "Rate exceeded"),
    "ecs": ("ThrottlingException", 400, "Rate exceeded"),
}


@pytest.mark.parametrize("service", ["ec2", "elbv2", "ecs"])
def test_an_error_comes_in_the_services_envelope_and_changes_nothing(awsemu_endpoint, service):
    account = random_account()
    client = make_client(awsemu_endpoint, service, account)
    create, count, operation = CALLS[service]
    before = count(client)
    code, status, message = ERRORS[service]
    rule = add_fault(awsemu_endpoint, service=service, operation=operation,
                     error={"code": code}, count=1)
    assert rule["id"].startswith("fault-") and rule["remaining"] == 1

    with pytest.raises(botocore.exceptions.ClientError) as e:
        create(client)
    assert e.value.response["Error"]["Code"] == code
    assert e.value.response["Error"]["Message"] == message
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert count(client) == before, "a faulted call must change nothing"

    # Spent: the next call goes through and creates.
    create(client)
    assert count(client) == before + 1
    (listed,) = faults(awsemu_endpoint)
    assert (listed["hits"], listed["remaining"]) == (1, 0)


@pytest.mark.parametrize("service", ["ec2", "elbv2", "ecs"])
def test_a_server_error_with_its_own_status_and_message(awsemu_endpoint, service):
    client = make_client(awsemu_endpoint, service, random_account())
    create, count, operation = CALLS[service]
    before = count(client)
    add_fault(awsemu_endpoint, service=service, operation=operation,
              error={"code": "InternalError", "message": "boom", "status": 500})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        create(client)
    assert e.value.response["Error"]["Code"] == "InternalError"
    assert e.value.response["Error"]["Message"] == "boom"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert count(client) == before


@pytest.mark.parametrize("service", ["ec2", "elbv2", "ecs"])
def test_a_dropped_connection_answers_nothing_and_changes_nothing(awsemu_endpoint, service):
    client = make_client(awsemu_endpoint, service, random_account())
    create, count, operation = CALLS[service]
    before = count(client)
    add_fault(awsemu_endpoint, service=service, operation=operation, drop=True, count=1)
    with pytest.raises((botocore.exceptions.ConnectionClosedError,
                        botocore.exceptions.EndpointConnectionError)):
        create(client)
    assert count(client) == before
    create(client)
    assert count(client) == before + 1


@pytest.mark.parametrize("service", ["ec2", "elbv2", "ecs"])
def test_latency_delays_the_answer(awsemu_endpoint, service):
    client = make_client(awsemu_endpoint, service, random_account())
    _, count, _ = CALLS[service]
    count(client)
    add_fault(awsemu_endpoint, service=service, latencyMs=400, count=1)
    started = time.monotonic()
    count(client)
    slow = time.monotonic() - started
    started = time.monotonic()
    count(client)
    fast = time.monotonic() - started
    assert slow >= 0.4, slow
    assert fast < 0.4, fast


@pytest.mark.parametrize("mode", ["standard", "legacy", "adaptive"])
def test_boto3_retries_absorb_a_throttle(awsemu_endpoint, mode):
    account = random_account()
    client = retrying_client(awsemu_endpoint, "ec2", account, mode=mode)
    add_fault(awsemu_endpoint, service="ec2", operation="DescribeVpcs",
              error={"code": "RequestLimitExceeded"}, count=2)
    resp = client.describe_vpcs()
    assert resp["ResponseMetadata"]["RetryAttempts"] == 2
    assert len(resp["Vpcs"]) == 1  # the account's default VPC
    (rule,) = faults(awsemu_endpoint)
    assert (rule["hits"], rule["remaining"]) == (2, 0)


def test_ecs_and_elbv2_throttles_are_retried_too(awsemu_endpoint):
    account = random_account()
    ecs = retrying_client(awsemu_endpoint, "ecs", account)
    elbv2 = retrying_client(awsemu_endpoint, "elbv2", account)
    add_fault(awsemu_endpoint, service="ecs", operation="ListClusters",
              error={"code": "ThrottlingException"}, count=2)
    add_fault(awsemu_endpoint, service="elbv2", operation="DescribeLoadBalancers",
              error={"code": "Throttling"}, count=1)
    assert ecs.list_clusters()["ResponseMetadata"]["RetryAttempts"] == 2
    assert elbv2.describe_load_balancers()["ResponseMetadata"]["RetryAttempts"] == 1


def test_retries_give_up_when_the_fault_outlasts_them(awsemu_endpoint):
    client = retrying_client(awsemu_endpoint, "ec2", random_account(), attempts=3)
    add_fault(awsemu_endpoint, service="ec2", operation="DescribeVpcs",
              error={"code": "RequestLimitExceeded"})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        client.describe_vpcs()
    assert e.value.response["Error"]["Code"] == "RequestLimitExceeded"
    assert e.value.response["ResponseMetadata"]["RetryAttempts"] == 2
    assert faults(awsemu_endpoint)[0]["hits"] == 3


def test_a_dropped_connection_is_retried_by_boto3(awsemu_endpoint):
    client = retrying_client(awsemu_endpoint, "ecs", random_account())
    add_fault(awsemu_endpoint, service="ecs", operation="CreateCluster", drop=True, count=1)
    resp = client.create_cluster(clusterName="after-drop")
    assert resp["ResponseMetadata"]["RetryAttempts"] == 1
    assert len(client.list_clusters()["clusterArns"]) == 1


def test_rules_match_parameters_region_and_account(awsemu_endpoint):
    a, b = random_account(), random_account()
    ecs_a = make_client(awsemu_endpoint, "ecs", a)
    ecs_b = make_client(awsemu_endpoint, "ecs", b)
    ecs_a_west = make_client(awsemu_endpoint, "ecs", a, "us-west-2")
    add_fault(awsemu_endpoint, service="ecs", operation="CreateCluster", account=a,
              region="us-east-1", parameters={"clusterName": "blocked"},
              error={"code": "ThrottlingException"})
    ecs_a.create_cluster(clusterName="fine")
    ecs_b.create_cluster(clusterName="blocked")
    ecs_a_west.create_cluster(clusterName="blocked")
    with pytest.raises(botocore.exceptions.ClientError):
        ecs_a.create_cluster(clusterName="blocked")

    ec2 = make_client(awsemu_endpoint, "ec2", a)
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    add_fault(awsemu_endpoint, service="ec2", operation="DescribeSubnets",
              parameters={"Filter.1.Value.1": vpc}, error={"code": "RequestLimitExceeded"})
    ec2.describe_subnets()
    with pytest.raises(botocore.exceptions.ClientError):
        ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])


def test_probability_zero_never_hits(awsemu_endpoint):
    client = make_client(awsemu_endpoint, "ec2", random_account())
    add_fault(awsemu_endpoint, service="ec2", error={"code": "InternalError"}, probability=0)
    for _ in range(20):
        client.describe_vpcs()
    assert faults(awsemu_endpoint)[0]["hits"] == 0


def test_a_probability_hits_some_calls(awsemu_endpoint):
    client = make_client(awsemu_endpoint, "ec2", random_account())
    add_fault(awsemu_endpoint, service="ec2", operation="DescribeVpcs",
              error={"code": "RequestLimitExceeded"}, probability=0.5)
    failed = 0
    for _ in range(200):
        try:
            client.describe_vpcs()
        except botocore.exceptions.ClientError:
            failed += 1
    assert 50 < failed < 150, failed
    assert faults(awsemu_endpoint)[0]["hits"] == failed


def test_the_faults_endpoint_lists_removes_and_refuses(awsemu_endpoint):
    url = f"{awsemu_endpoint}/_awsemu/faults"
    one = add_fault(awsemu_endpoint, service="ecs", latencyMs=1)
    two = add_fault(awsemu_endpoint, service="elasticloadbalancing", drop=True)
    assert two["service"] == "elbv2"
    assert [f["id"] for f in faults(awsemu_endpoint)] == [one["id"], two["id"]]
    assert requests.delete(f"{url}/{one['id']}", timeout=10).json() == {"deleted": one["id"]}
    assert requests.delete(f"{url}/{one['id']}", timeout=10).status_code == 404
    assert requests.delete(url, timeout=10).json() == {"deleted": 1}
    assert faults(awsemu_endpoint) == []

    for bad, words in [
        ({"service": "ec2"}, "needs something to do"),
        ({"service": "s3", "drop": True}, "not one awsemu emulates"),
        ({"error": {"code": "X", "status": 302}}, "not an HTTP error status"),
        ({"drop": True, "probability": 2}, "between 0 and 1"),
        ({"drop": True, "countt": 1}, "unknown field"),
    ]:
        resp = requests.post(url, json=bad, timeout=10)
        assert resp.status_code == 400, bad
        assert words in resp.json()["error"], resp.json()
    assert requests.post(url, data=b"{not json", timeout=10).status_code == 400
    assert faults(awsemu_endpoint) == []


def test_a_reset_removes_the_apis_rules(awsemu_endpoint):
    add_fault(awsemu_endpoint, drop=True)
    requests.post(f"{awsemu_endpoint}/_awsemu/reset", timeout=10).raise_for_status()
    assert faults(awsemu_endpoint) == []
    make_client(awsemu_endpoint, "ec2", random_account()).describe_vpcs()


def test_a_scenarios_faults_come_back_with_a_reset_and_in_the_export(awsemu_launcher, tmp_path):
    scenario = tmp_path / "faults.yaml"
    scenario.write_text(
        "version: 1\n"
        "settings:\n"
        "  faults:\n"
        "    - service: ecs\n"
        "      operation: ListClusters\n"
        "      error: {code: ThrottlingException}\n"
        "      count: 1\n"
    )
    endpoint, stop = awsemu_launcher("--scenario", str(scenario))
    try:
        ecs = make_client(endpoint, "ecs", random_account())
        with pytest.raises(botocore.exceptions.ClientError):
            ecs.list_clusters()
        ecs.list_clusters()
        (rule,) = faults(endpoint)
        assert (rule["source"], rule["remaining"]) == ("scenario", 0)
        exported = requests.get(f"{endpoint}/_awsemu/state?format=json", timeout=10).json()
        assert "faults" not in exported["settings"], "a spent rule is not exported"

        requests.post(f"{endpoint}/_awsemu/reset", timeout=10).raise_for_status()
        (rule,) = faults(endpoint)
        assert (rule["remaining"], rule["hits"]) == (1, 0)
        exported = requests.get(f"{endpoint}/_awsemu/state?format=json", timeout=10).json()
        assert exported["settings"]["faults"] == [{
            "service": "ecs", "operation": "ListClusters",
            "error": {"code": "ThrottlingException"}, "count": 1,
        }]
        with pytest.raises(botocore.exceptions.ClientError):
            ecs.list_clusters()
    finally:
        stop()


def test_a_bad_fault_in_a_scenario_names_the_file_and_line(awsemu_endpoint, tmp_path):
    from conftest import _binary_path

    scenario = tmp_path / "bad.yaml"
    scenario.write_text("version: 1\nsettings:\n  faults:\n    - service: ec2\n")
    proc = subprocess.run([str(_binary_path()), "scenario", "check", str(scenario)],
                          capture_output=True, text=True, timeout=30, check=False)
    assert proc.returncode != 0
    assert "settings.faults[0]" in proc.stderr and "needs something to do" in proc.stderr, proc.stderr
