"""boto3: the awsvpcTrunking account setting gives container instances of
supported types a trunk interface (`ecs.awsvpc-trunk-id`) and more awsvpc
tasks (ECS developer guide, "Supported Amazon EC2 instance types for
increased Amazon ECS container network interfaces": m5.large takes 2 awsvpc
tasks without trunking, 10 with it)."""

from __future__ import annotations

import pytest

from awsemu_helpers import random_account
from test_ecs_container_instances import World, attrs

TRUNK = "ecs.awsvpc-trunk-id"


@pytest.fixture
def world(ec2, ecs):
    account = random_account()
    w = World(ec2(account=account), ecs(account=account))
    w.account = account
    return w


def fill(w: World, td: str) -> tuple[int, list]:
    """Runs awsvpc tasks one by one until one fails: (how many ran, the failures)."""
    net = {"awsvpcConfiguration": {"subnets": [w.a]}}
    ran = 0
    for _ in range(20):
        out = w.run(td, networkConfiguration=net)
        if out["failures"]:
            return ran, out["failures"]
        ran += len(out["tasks"])
    return ran, []


def test_without_trunking_the_primary_interface_leaves_two(world):
    w = world
    [ec2_id] = w.launch(kind="m5.large")
    ci = w.by_ec2(ec2_id)
    assert TRUNK not in attrs(ci)
    td = w.task_def("vpc", cpu=64, memory=64, mode="awsvpc")
    ran, failures = fill(w, td)
    assert ran == 2
    assert failures == [{"arn": ci["containerInstanceArn"], "reason": "RESOURCE:ENI"}]


def test_trunking_enabled_before_registration_fits_the_documented_ten(world):
    w = world
    setting = w.ecs.put_account_setting_default(name="awsvpcTrunking", value="enabled")["setting"]
    assert setting["value"] == "enabled"
    [ec2_id] = w.launch(kind="m5.large")
    ci = w.by_ec2(ec2_id)
    trunk = attrs(ci)[TRUNK]
    assert trunk.startswith("eni-") and len(trunk) == len("eni-") + 17
    td = w.task_def("vpc", cpu=64, memory=64, mode="awsvpc")
    ran, failures = fill(w, td)
    assert ran == 10
    assert failures == [{"arn": ci["containerInstanceArn"], "reason": "RESOURCE:ENI"}]
    # A stopped task gives its interface back.
    [task] = w.ecs.list_tasks(cluster="prod")["taskArns"][:1]
    w.ecs.stop_task(cluster="prod", task=task)
    assert fill(w, td)[0] == 1


def test_only_instances_registered_after_the_setting_and_supported_types(world):
    w = world
    [before] = w.launch(kind="m5.large")
    w.ecs.put_account_setting_default(name="awsvpcTrunking", value="enabled")
    [after] = w.launch(kind="m5.large")
    [burstable] = w.launch(kind="t3.medium")
    assert TRUNK not in attrs(w.by_ec2(before))
    assert TRUNK in attrs(w.by_ec2(after))
    # T instance types do not support ENI trunking.
    assert TRUNK not in attrs(w.by_ec2(burstable))
    # The instance role's own setting overrides the account default.
    w.ecs.put_account_setting(name="awsvpcTrunking", value="disabled",
                              principalArn=f"arn:aws:iam::{w.account}:role/ecsInstanceRole")
    [own] = w.launch(kind="m5.large")
    assert TRUNK not in attrs(w.by_ec2(own))
