"""boto3: ECS account settings, task scale-in protection, ECS Exec,
DeleteTaskDefinitions, ListServicesByNamespace and the agent-only calls.
Scale-in and deployments spare tasks under protection until it is cleared
or lapses (ECS developer guide "Task scale-in protection"; the service event
as AWS's task protection sample quotes it).

Each test works in a fresh random account.

References: botocore's ecs model documentation (PutAccountSetting,
UpdateTaskProtection, DeleteTaskDefinitions, ListServicesByNamespace), the ECS
developer guide "Account settings", Terraform's aws_ecs_account_setting_default
("You can no longer disable Long Arn settings"), ECS Exec's refusal message.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from types import SimpleNamespace

import pytest
import requests

from awsemu_helpers import (
    default_sg,
    err_message,
    new_subnet,
    nat_egress,
    new_vpc,
    raises_code,
    random_account,
)

FAST = {"Delay": 0.1, "MaxAttempts": 60}
NOT_ENABLED = (
    "The execute command failed because execute command was not enabled when the task "
    "was run or the execute command agent isn\u2019t running. Wait and try again or run "
    "a new task with execute command enabled and try again."
)
DEFAULTS = {
    "serviceLongArnFormat": "enabled",
    "taskLongArnFormat": "enabled",
    "containerInstanceLongArnFormat": "enabled",
    "awsvpcTrunking": "disabled",
    "containerInsights": "disabled",
    "dualStackIPv6": "disabled",
    "fargateFIPSMode": "disabled",
    "tagResourceAuthorization": "on",
    "fargateTaskRetirementWaitPeriod": "7",
    "guardDutyActivate": "off",
    "defaultLogDriverMode": "non-blocking",
    "fargateEventWindows": "disabled",
}


# ---------------------------------------------------------------------------
# Helpers (small copies of test_ecs.py's)
# ---------------------------------------------------------------------------
@pytest.fixture
def env(ecs, ec2):
    account = random_account()
    c = ec2(account=account)
    vpc = new_vpc(c, "10.0.0.0/16")
    s1 = new_subnet(c, vpc, "10.0.1.0/24", "us-east-1a")
    nat_egress(c, vpc, "10.0.255.0/24")  # the private subnet pulls from Docker Hub
    return SimpleNamespace(account=account, ecs=ecs(account=account), ec2=c, s1=s1,
                           sg=default_sg(c, vpc)["GroupId"],
                           root=f"arn:aws:iam::{account}:root")


def register(env, family="web", containers=None, **kwargs) -> dict:
    params = {
        "family": family, "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
        "cpu": "256", "memory": "512",
        "containerDefinitions": containers or [{"name": "web", "image": "nginx:latest",
                                                "portMappings": [{"containerPort": 80}]}],
    }
    params.update(kwargs)
    return env.ecs.register_task_definition(**params)["taskDefinition"]


def netcfg(env) -> dict:
    return {"awsvpcConfiguration": {"subnets": [env.s1], "securityGroups": [env.sg]}}


def run(env, cluster="app", td="web", **kwargs) -> dict:
    resp = env.ecs.run_task(cluster=cluster, taskDefinition=td, launchType="FARGATE",
                            networkConfiguration=netcfg(env), **kwargs)
    assert resp["failures"] == []
    return resp["tasks"][0]


def wait_running(env, arn, cluster="app"):
    env.ecs.get_waiter("tasks_running").wait(cluster=cluster, tasks=[arn], WaiterConfig=FAST)


def create_service(env, name="web", cluster="app", td="web", desired=1, **kwargs) -> dict:
    return env.ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=td,
                                  desiredCount=desired, launchType="FARGATE",
                                  networkConfiguration=netcfg(env), **kwargs)["service"]


def service_tasks(env, name="web", cluster="app") -> list[str]:
    return env.ecs.list_tasks(cluster=cluster, serviceName=name)["taskArns"]


def settings_of(resp) -> dict:
    return {s["name"]: s["value"] for s in resp["settings"]}


def all_settings(e, **kwargs) -> list[dict]:
    out = []
    for page in e.get_paginator("list_account_settings").paginate(**kwargs):
        out += page["settings"]
    return out


# ---------------------------------------------------------------------------
# Account settings
# ---------------------------------------------------------------------------
def test_effective_defaults(env):
    settings = all_settings(env.ecs, effectiveSettings=True)
    assert {s["name"]: s["value"] for s in settings} == DEFAULTS
    types = {s["name"]: s["type"] for s in settings}
    assert types["guardDutyActivate"] == "aws_managed"
    assert types["containerInsights"] == "user"
    assert all(s["principalArn"] == env.root for s in settings)
    # Nothing explicitly set yet.
    assert env.ecs.list_account_settings()["settings"] == []


def test_list_paging_is_ten_at_most(env):
    first = env.ecs.list_account_settings(effectiveSettings=True)
    assert len(first["settings"]) == 10 and first["nextToken"]
    second = env.ecs.list_account_settings(effectiveSettings=True,
                                           nextToken=first["nextToken"])
    assert len(second["settings"]) == len(DEFAULTS) - 10
    assert "nextToken" not in second
    page = env.ecs.list_account_settings(effectiveSettings=True, maxResults=3)
    assert len(page["settings"]) == 3
    with raises_code("InvalidParameterException"):
        env.ecs.list_account_settings(maxResults=11)


def test_put_and_list_by_name_and_value(env):
    e = env.ecs
    resp = e.put_account_setting(name="containerInsights", value="enhanced")
    assert resp["setting"] == {"name": "containerInsights", "value": "enhanced",
                               "principalArn": env.root, "type": "user"}
    assert settings_of(e.list_account_settings()) == {"containerInsights": "enhanced"}
    one = e.list_account_settings(name="containerInsights", effectiveSettings=True)
    assert settings_of(one) == {"containerInsights": "enhanced"}
    hit = e.list_account_settings(name="containerInsights", value="enhanced")
    assert len(hit["settings"]) == 1
    miss = e.list_account_settings(name="containerInsights", value="enabled")
    assert miss["settings"] == []
    with raises_code("InvalidParameterException"):
        e.list_account_settings(value="enabled")


def test_default_applies_to_principals_without_their_own(env):
    e = env.ecs
    role = f"arn:aws:iam::{env.account}:role/deployer"
    resp = e.put_account_setting_default(name="awsvpcTrunking", value="enabled")
    assert resp["setting"]["principalArn"] == env.root
    assert resp["setting"]["value"] == "enabled"
    eff = e.list_account_settings(name="awsvpcTrunking", principalArn=role,
                                  effectiveSettings=True)["settings"]
    assert eff == [{"name": "awsvpcTrunking", "value": "enabled",
                    "principalArn": env.root, "type": "user"}]
    # The role's own setting wins over the default.
    own = e.put_account_setting(name="awsvpcTrunking", value="disabled", principalArn=role)
    assert own["setting"]["principalArn"] == role
    eff = e.list_account_settings(name="awsvpcTrunking", principalArn=role,
                                  effectiveSettings=True)["settings"]
    assert eff[0]["value"] == "disabled" and eff[0]["principalArn"] == role
    assert settings_of(e.list_account_settings(principalArn=role)) == {
        "awsvpcTrunking": "disabled"}
    # Deleting it falls back to the account default.
    deleted = e.delete_account_setting(name="awsvpcTrunking", principalArn=role)
    assert deleted["setting"]["name"] == "awsvpcTrunking"
    assert deleted["setting"]["principalArn"] == role
    eff = e.list_account_settings(name="awsvpcTrunking", principalArn=role,
                                  effectiveSettings=True)["settings"]
    assert eff[0]["value"] == "enabled"
    assert e.list_account_settings(principalArn=role)["settings"] == []


def test_settings_are_per_account_and_region(env, ecs):
    env.ecs.put_account_setting_default(name="containerInsights", value="enabled")
    other = ecs(account=random_account())
    assert settings_of(other.list_account_settings(
        name="containerInsights", effectiveSettings=True)) == {"containerInsights": "disabled"}
    west = ecs(account=env.account, region="us-west-2")
    assert settings_of(west.list_account_settings(
        name="containerInsights", effectiveSettings=True)) == {"containerInsights": "disabled"}


@pytest.mark.parametrize("name", ["serviceLongArnFormat", "taskLongArnFormat",
                                  "containerInstanceLongArnFormat"])
def test_long_arn_formats_can_no_longer_be_disabled(env, name):
    e = env.ecs
    with raises_code("InvalidParameterException") as exc:
        e.put_account_setting(name=name, value="disabled")
    assert err_message(exc) == "You can no longer disable Long Arn settings"
    with raises_code("InvalidParameterException"):
        e.put_account_setting_default(name=name, value="disabled")
    assert e.put_account_setting(name=name, value="enabled")["setting"]["value"] == "enabled"


@pytest.mark.parametrize("name,bad,good", [
    ("containerInsights", "on", "enhanced"),
    ("fargateTaskRetirementWaitPeriod", "3", "14"),
    ("tagResourceAuthorization", "enabled", "off"),
    ("defaultLogDriverMode", "enabled", "blocking"),
    ("fargateEventWindows", "on", "enabled"),
])
def test_values_are_checked(env, name, bad, good):
    with raises_code("InvalidParameterException"):
        env.ecs.put_account_setting_default(name=name, value=bad)
    assert env.ecs.put_account_setting_default(name=name, value=good)["setting"]["value"] == good


def test_refused_settings_and_principals(env):
    e = env.ecs
    with raises_code("InvalidParameterException"):
        e.put_account_setting(name="guardDutyActivate", value="on")
    with raises_code("InvalidParameterException"):
        e.put_account_setting(name="noSuchSetting", value="enabled")
    role = f"arn:aws:iam::{env.account}:role/app"
    with raises_code("InvalidParameterException"):
        e.put_account_setting(name="fargateTaskRetirementWaitPeriod", value="0",
                              principalArn=role)
    with raises_code("InvalidParameterException"):
        e.put_account_setting(name="awsvpcTrunking", value="enabled",
                              principalArn="arn:aws:iam::999999999999:role/app")


def test_container_insights_setting_is_a_new_clusters_default(env):
    e = env.ecs
    before = e.create_cluster(clusterName="before")["cluster"]
    assert before["settings"] == [{"name": "containerInsights", "value": "disabled"}]
    e.put_account_setting(name="containerInsights", value="enabled")
    after = e.create_cluster(clusterName="after")["cluster"]
    assert after["settings"] == [{"name": "containerInsights", "value": "enabled"}]
    described = e.describe_clusters(clusters=["after"], include=["SETTINGS"])["clusters"][0]
    assert described["settings"] == [{"name": "containerInsights", "value": "enabled"}]
    # An explicit cluster setting still wins; existing clusters keep theirs.
    explicit = e.create_cluster(clusterName="explicit", settings=[
        {"name": "containerInsights", "value": "disabled"}])["cluster"]
    assert explicit["settings"][0]["value"] == "disabled"
    old = e.describe_clusters(clusters=["before"], include=["SETTINGS"])["clusters"][0]
    assert old["settings"][0]["value"] == "disabled"


def test_cli_effective_settings(env, aws_cli):
    code, out, err = aws_cli("ecs", "list-account-settings", "--effective-settings",
                             account=env.account)
    assert code == 0, err
    assert {s["name"]: s["value"] for s in out["settings"]} == DEFAULTS


# ---------------------------------------------------------------------------
# Task scale-in protection
# ---------------------------------------------------------------------------
def test_task_protection_round_trip(env):
    e = env.ecs
    e.create_cluster(clusterName="app")
    register(env)
    create_service(env, desired=1)
    arn = service_tasks(env)[0]
    got = e.get_task_protection(cluster="app", tasks=[arn])
    assert got["protectedTasks"] == [{"taskArn": arn, "protectionEnabled": False}]
    assert got["failures"] == []
    now = dt.datetime.now(dt.timezone.utc)
    up = e.update_task_protection(cluster="app", tasks=[arn], protectionEnabled=True)
    pt = up["protectedTasks"][0]
    assert pt["taskArn"] == arn and pt["protectionEnabled"] is True
    minutes = (pt["expirationDate"] - now).total_seconds() / 60
    assert 119 <= minutes <= 121, minutes
    up = e.update_task_protection(cluster="app", tasks=[arn], protectionEnabled=True,
                                  expiresInMinutes=2880)
    minutes = (up["protectedTasks"][0]["expirationDate"] - now).total_seconds() / 60
    assert 2879 <= minutes <= 2881
    got = e.get_task_protection(cluster="app", tasks=[arn.rsplit("/", 1)[1]])
    assert got["protectedTasks"][0]["protectionEnabled"] is True
    off = e.update_task_protection(cluster="app", tasks=[arn], protectionEnabled=False)
    assert off["protectedTasks"] == [{"taskArn": arn, "protectionEnabled": False}]


def test_task_protection_failures_and_bounds(env):
    e = env.ecs
    e.create_cluster(clusterName="app")
    register(env)
    standalone = run(env)["taskArn"]
    missing = f"arn:aws:ecs:us-east-1:{env.account}:task/app/0123456789abcdef0123456789abcdef"
    resp = e.update_task_protection(cluster="app", tasks=[standalone, missing],
                                    protectionEnabled=True)
    assert resp["protectedTasks"] == []
    reasons = {f["arn"]: f["reason"] for f in resp["failures"]}
    assert reasons == {standalone: "TASK_NOT_VALID", missing: "MISSING"}
    for minutes in (0, 2881):
        with raises_code("InvalidParameterException"):
            e.update_task_protection(cluster="app", tasks=[standalone],
                                     protectionEnabled=True, expiresInMinutes=minutes)
    with raises_code("InvalidParameterException"):
        e.update_task_protection(cluster="app", tasks=[missing] * 11, protectionEnabled=True)
    with raises_code("ClusterNotFoundException"):
        e.get_task_protection(cluster="nope", tasks=[standalone])


def running_tasks(env, name="web") -> list[str]:
    arns = service_tasks(env, name)
    tasks = env.ecs.describe_tasks(cluster="app", tasks=arns)["tasks"] if arns else []
    return sorted(t["taskArn"] for t in tasks if t["desiredStatus"] == "RUNNING")


def messages(env, name="web") -> list[str]:
    svc = env.ecs.describe_services(cluster="app", services=[name])["services"][0]
    return [e["message"] for e in svc["events"]]


def test_scale_in_spares_protected_tasks(env):
    e = env.ecs
    e.create_cluster(clusterName="app")
    register(env)
    create_service(env, desired=3)
    e.get_waiter("services_stable").wait(cluster="app", services=["web"], WaiterConfig=FAST)
    arns = running_tasks(env)
    assert len(arns) == 3
    keep = arns[:2]
    e.update_task_protection(cluster="app", tasks=keep, protectionEnabled=True)
    e.update_service(cluster="app", service="web", desiredCount=1)
    e.get_waiter("tasks_stopped").wait(cluster="app", tasks=[arns[2]], WaiterConfig=FAST)
    # Only the unprotected one stopped; the service says why it stops there.
    assert running_tasks(env) == keep
    deployment = e.describe_services(cluster="app", services=["web"])["services"][0][
        "deployments"][0]["id"]
    assert messages(env)[0] == (
        f"(service web, taskSet {deployment}) was unable to scale in due to "
        "(reason 1 tasks under protection)")
    stopped = e.describe_tasks(cluster="app", tasks=[arns[2]])["tasks"][0]
    assert stopped["stopCode"] == "ServiceSchedulerInitiated"
    # Clearing one task's protection lets the scheduler finish.
    e.update_task_protection(cluster="app", tasks=[keep[0]], protectionEnabled=False)
    e.get_waiter("tasks_stopped").wait(cluster="app", tasks=[keep[0]], WaiterConfig=FAST)
    assert running_tasks(env) == [keep[1]]


def test_deployment_waits_for_protection_to_lapse(env, awsemu_endpoint):
    e = env.ecs
    e.create_cluster(clusterName="app")
    register(env)
    create_service(env, desired=1)
    e.get_waiter("services_stable").wait(cluster="app", services=["web"], WaiterConfig=FAST)
    [old] = running_tasks(env)
    e.update_task_protection(cluster="app", tasks=[old], protectionEnabled=True,
                             expiresInMinutes=1)
    e.update_service(cluster="app", service="web", forceNewDeployment=True)
    svc = e.describe_services(cluster="app", services=["web"])["services"][0]
    new_deployment, old_deployment = (d["id"] for d in svc["deployments"])
    for _ in range(100):
        if len(running_tasks(env)) == 2 and any("under protection" in m for m in messages(env)):
            break
        time.sleep(0.05)
    # The new task runs; the protected old one keeps running and the
    # deployment is not done.
    assert old in running_tasks(env) and len(running_tasks(env)) == 2
    svc = e.describe_services(cluster="app", services=["web"])["services"][0]
    assert [d["rolloutState"] for d in svc["deployments"]] == ["IN_PROGRESS", "COMPLETED"]
    assert messages(env)[0] == (
        f"(service web, taskSet {old_deployment}) was unable to scale in due to "
        "(reason 1 tasks under protection)")
    # Once protection lapses on the world clock, the deployment completes.
    r = requests.post(f"{awsemu_endpoint}/_awsemu/clock", json={"seconds": 61}, timeout=30)
    assert r.status_code == 200, r.text
    e.get_waiter("tasks_stopped").wait(cluster="app", tasks=[old], WaiterConfig=FAST)
    e.get_waiter("services_stable").wait(cluster="app", services=["web"], WaiterConfig=FAST)
    svc = e.describe_services(cluster="app", services=["web"])["services"][0]
    assert [d["id"] for d in svc["deployments"]] == [new_deployment]
    assert svc["deployments"][0]["rolloutState"] == "COMPLETED"
    assert e.describe_tasks(cluster="app", tasks=[old])["tasks"][0]["stoppedReason"] == (
        f"Deployment completed: replaced by (deployment {new_deployment})")


# ---------------------------------------------------------------------------
# ECS Exec
# ---------------------------------------------------------------------------
def test_execute_command(env):
    e = env.ecs
    e.create_cluster(clusterName="app")
    register(env)
    arn = run(env, enableExecuteCommand=True)["taskArn"]
    wait_running(env, arn)
    task = e.describe_tasks(cluster="app", tasks=[arn])["tasks"][0]
    assert task["enableExecuteCommand"] is True
    resp = e.execute_command(cluster="app", task=arn, container="web",
                             command="/bin/sh", interactive=True)
    assert resp["clusterArn"] == task["clusterArn"]
    assert resp["taskArn"] == arn
    assert resp["containerName"] == "web"
    assert resp["containerArn"] == task["containers"][0]["containerArn"]
    assert resp["interactive"] is True
    session = resp["session"]
    assert re.fullmatch(r"ecs-execute-command-[a-z0-9]+", session["sessionId"])
    assert session["streamUrl"].startswith(
        f"wss://ssmmessages.us-east-1.amazonaws.com/v1/data-channel/{session['sessionId']}"
        "?role=publish_subscribe&cell-number=")
    assert session["tokenValue"]
    # The only container may go unnamed.
    assert e.execute_command(cluster="app", task=arn, command="ls",
                             interactive=True)["containerName"] == "web"


def test_execute_command_refusals(env):
    e = env.ecs
    e.create_cluster(clusterName="app")
    register(env)
    plain = run(env)["taskArn"]
    wait_running(env, plain)
    assert e.describe_tasks(cluster="app", tasks=[plain])["tasks"][0][
        "enableExecuteCommand"] is False
    with raises_code("InvalidParameterException") as exc:
        e.execute_command(cluster="app", task=plain, command="ls", interactive=True)
    assert err_message(exc) == NOT_ENABLED
    enabled = run(env, enableExecuteCommand=True)["taskArn"]
    wait_running(env, enabled)
    with raises_code("InvalidParameterException") as exc:
        e.execute_command(cluster="app", task=enabled, command="ls", interactive=False)
    with raises_code("InvalidParameterException"):
        e.execute_command(cluster="app", task=enabled, container="nope", command="ls",
                          interactive=True)
    e.stop_task(cluster="app", task=enabled)
    e.get_waiter("tasks_stopped").wait(cluster="app", tasks=[enabled], WaiterConfig=FAST)
    with raises_code("InvalidParameterException") as exc:
        e.execute_command(cluster="app", task=enabled, command="ls", interactive=True)
    assert err_message(exc) == NOT_ENABLED
    with raises_code("ClusterNotFoundException"):
        e.execute_command(cluster="nope", task=enabled, command="ls", interactive=True)


def test_service_tasks_inherit_execute_command(env):
    e = env.ecs
    e.create_cluster(clusterName="app")
    register(env)
    create_service(env, enableExecuteCommand=True)
    arn = service_tasks(env)[0]
    assert e.describe_tasks(cluster="app", tasks=[arn])["tasks"][0][
        "enableExecuteCommand"] is True


# ---------------------------------------------------------------------------
# DeleteTaskDefinitions
# ---------------------------------------------------------------------------
def test_delete_task_definitions(env):
    e = env.ecs
    one = register(env)["taskDefinitionArn"]
    two = register(env)["taskDefinitionArn"]
    resp = e.delete_task_definitions(taskDefinitions=[one, "web:9"])
    assert resp["taskDefinitions"] == []
    assert {f["arn"] for f in resp["failures"]} == {one, "web:9"}
    e.deregister_task_definition(taskDefinition=one)
    resp = e.delete_task_definitions(taskDefinitions=["web:1"])
    assert resp["failures"] == []
    assert [d["status"] for d in resp["taskDefinitions"]] == ["DELETE_IN_PROGRESS"]
    assert resp["taskDefinitions"][0]["taskDefinitionArn"] == one
    # Unused, it is gone at once.
    with raises_code("ClientException"):
        e.describe_task_definition(taskDefinition=one)
    for status in ("ACTIVE", "INACTIVE", "DELETE_IN_PROGRESS"):
        assert one not in e.list_task_definitions(status=status)["taskDefinitionArns"]
    assert e.list_task_definitions()["taskDefinitionArns"] == [two]
    # The revision number is not reused.
    assert register(env)["revision"] == 3


def test_deleting_a_revision_in_use(env):
    e = env.ecs
    e.create_cluster(clusterName="app")
    td = register(env)["taskDefinitionArn"]
    arn = run(env)["taskArn"]
    e.deregister_task_definition(taskDefinition=td)
    e.delete_task_definitions(taskDefinitions=[td])
    d = e.describe_task_definition(taskDefinition=td)["taskDefinition"]
    assert d["status"] == "DELETE_IN_PROGRESS"
    assert e.list_task_definitions(status="DELETE_IN_PROGRESS")["taskDefinitionArns"] == [td]
    e.stop_task(cluster="app", task=arn)
    e.get_waiter("tasks_stopped").wait(cluster="app", tasks=[arn], WaiterConfig=FAST)
    with raises_code("ClientException"):
        e.describe_task_definition(taskDefinition=td)
    assert e.list_task_definition_families(status="ALL")["families"] == []


# ---------------------------------------------------------------------------
# ListServicesByNamespace
# ---------------------------------------------------------------------------
def test_list_services_by_namespace(env):
    e = env.ecs
    ns = e.create_cluster(clusterName="app", serviceConnectDefaults={"namespace": "internal"})[
        "cluster"]["serviceConnectDefaults"]["namespace"]
    e.create_cluster(clusterName="other")
    register(env, containers=[{"name": "web", "image": "nginx:latest", "portMappings": [
        {"containerPort": 8080, "name": "http"}]}])
    sc = {"enabled": True, "services": [{"portName": "http"}]}
    a = create_service(env, "a", serviceConnectConfiguration=sc)["serviceArn"]
    b = create_service(env, "b", cluster="other",
                       serviceConnectConfiguration={**sc, "namespace": ns})["serviceArn"]
    create_service(env, "plain")
    by_name = e.list_services_by_namespace(namespace="internal")["serviceArns"]
    assert sorted(by_name) == sorted([a, b])
    by_arn = e.list_services_by_namespace(namespace=ns)["serviceArns"]
    assert sorted(by_arn) == sorted([a, b])
    page = e.list_services_by_namespace(namespace="internal", maxResults=1)
    assert len(page["serviceArns"]) == 1 and page["nextToken"]
    with raises_code("NamespaceNotFoundException"):
        e.list_services_by_namespace(namespace="nope")


# ---------------------------------------------------------------------------
# Agent-only calls
# ---------------------------------------------------------------------------
def test_agent_calls(env):
    e = env.ecs
    e.create_cluster(clusterName="app")
    register(env)
    task = run(env)
    arn = task["taskArn"]
    wait_running(env, arn)
    ep = e.discover_poll_endpoint(containerInstance="i-0123456789abcdef0", cluster="app")
    assert ep["endpoint"] == "https://ecs-a-1.us-east-1.amazonaws.com/"
    assert ep["telemetryEndpoint"] == "https://ecs-t-1.us-east-1.amazonaws.com/"
    assert ep["serviceConnectEndpoint"].startswith("https://")
    ack = e.submit_container_state_change(cluster="app", task=arn, containerName="web",
                                          runtimeId="abc123", status="RUNNING")
    assert ack["acknowledgment"] == "ACK"
    ack = e.submit_task_state_change(cluster="app", task=arn, status="RUNNING",
                                     containers=[{"containerName": "web", "exitCode": 0}])
    assert ack["acknowledgment"] == "ACK"
    c = e.describe_tasks(cluster="app", tasks=[arn])["tasks"][0]["containers"][0]
    assert c["runtimeId"] == "abc123"
    att = task["attachments"][0]["id"]
    ack = e.submit_attachment_state_changes(cluster="app", attachments=[
        {"attachmentArn": f"arn:aws:ecs:us-east-1:{env.account}:attachment/{att}",
         "status": "ATTACHED"}])
    assert ack["acknowledgment"] == "ACK"
    with raises_code("ClusterNotFoundException"):
        e.submit_task_state_change(cluster="nope", task=arn, status="RUNNING")
    with raises_code("InvalidParameterException"):
        e.submit_container_state_change(cluster="app", task="0123456789abcdef0123456789abcdef",
                                        containerName="web", status="RUNNING")
