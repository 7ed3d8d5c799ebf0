"""A small suite as a user of the awsemu wheel writes it: nothing but the
plugin's fixtures and marker (no conftest, no helpers). CI runs it from the
installed wheel, outside the source tree, also under pytest-xdist."""

import boto3
import pytest
from botocore.config import Config


def test_a_vpc_in_a_world_of_its_own(ec2_client):
    vpc = ec2_client.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]
    vpcs = ec2_client.describe_vpcs()["Vpcs"]
    # The fresh account's default VPC, and ours: nothing of other tests.
    assert sorted(v["IsDefault"] for v in vpcs) == [False, True]
    assert vpc["VpcId"] in {v["VpcId"] for v in vpcs}


def test_code_under_test_finds_the_emulator_in_its_environment(awsemu_env, awsemu_world):
    def code_under_test():
        return boto3.client("sts").get_caller_identity()["Account"]

    assert code_under_test() == awsemu_world.id
    assert awsemu_env["AWS_ENDPOINT_URL"] == awsemu_world.url


def test_an_ecs_cluster_and_its_events(ecs_client, awsemu_world):
    arn = ecs_client.create_cluster(clusterName="app")["cluster"]["clusterArn"]
    assert ecs_client.list_clusters()["clusterArns"] == [arn]
    assert [(e["resourceType"], e["resourceId"], e["action"]) for e in awsemu_world.events()
            if e["service"] == "ecs"] == [("cluster", "app", "created")]


def test_a_throttled_call_is_retried_then_answered(awsemu_world):
    ec2 = awsemu_world.client("ec2", config=Config(retries={"mode": "standard", "max_attempts": 3}))
    with awsemu_world.fault("ec2", "DescribeVpcs", code="RequestLimitExceeded", status=503,
                            count=2) as fault:
        resp = ec2.describe_vpcs()
    assert resp["ResponseMetadata"]["RetryAttempts"] == 2
    assert fault.rule["id"] not in {f["id"] for f in awsemu_world.emu.faults()}


@pytest.mark.awsemu_scenario("scenarios/ecs-private-subnet.yaml")
def test_a_scenario_is_loaded_for_the_test(ec2_client, ecs_client):
    assert ec2_client.describe_vpcs(VpcIds=["vpc-0a000000000000001"])["Vpcs"]
    endpoints = ec2_client.describe_vpc_endpoints()["VpcEndpoints"]
    assert "com.amazonaws.us-east-1.ecr.dkr" in {e["ServiceName"] for e in endpoints}
    assert ecs_client.list_clusters()["clusterArns"]


@pytest.mark.awsemu_scenario(pace="manual")
def test_the_clock_moves_when_the_test_says(awsemu_world):
    before = awsemu_world.clock()["epochMillis"]
    awsemu_world.advance(90)
    assert awsemu_world.clock()["epochMillis"] - before == 90_000
