"""boto3: ECS Managed Daemons, gateways (and the gateway routes of services'
gateway connectors) and Express gateway services.

The venv's botocore predates the gateway operations, so the ECS clients here
load the model pinned in ``codegen/models/ecs.json.gz`` (the one awsemu's
wire types are generated from). Each test works in a fresh random account;
the lifecycle tests use a second emulator with ``--pace manual``.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from types import SimpleNamespace

import boto3
import botocore.session
import pytest
import requests
from botocore.config import Config

from awsemu_helpers import ecs_arn, ecs_tags, err_message, raises_code, random_account

MODEL = Path(__file__).resolve().parents[2] / "codegen" / "models" / "ecs.json.gz"
ROLE = "arn:aws:iam::{}:role/ecsInfrastructureRole"
_CLIENTS: dict[tuple, object] = {}


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("models")
    target = d / "ecs" / "2014-11-13"
    target.mkdir(parents=True)
    (target / "service-2.json").write_text(json.dumps(json.load(gzip.open(MODEL))))
    return str(d)


def pinned_ecs(models_dir: str, endpoint: str, account: str, validate: bool = True):
    key = (models_dir, endpoint, account, validate)
    if key not in _CLIENTS:
        core = botocore.session.Session()
        core.get_component("data_loader").search_paths.insert(0, models_dir)
        session = boto3.session.Session(botocore_session=core)
        _CLIENTS[key] = session.client(
            "ecs", region_name="us-east-1", endpoint_url=endpoint,
            aws_access_key_id=account, aws_secret_access_key="secret",
            config=Config(retries={"max_attempts": 1}, parameter_validation=validate,
                          read_timeout=60),
        )
    return _CLIENTS[key]


def _world(ecs_client, ec2_client, account):
    ecs_client.create_cluster(clusterName="app")
    subnets = sorted(s["SubnetId"] for s in ec2_client.describe_subnets(
        Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"])
    return SimpleNamespace(
        ecs=ecs_client, ec2=ec2_client, account=account, subnets=subnets,
        cluster_arn=ecs_arn(account, "cluster/app"),
        cp=ecs_arn(account, "capacity-provider/mi-cp"),
        role=ROLE.format(account),
    )


@pytest.fixture
def env(models_dir, awsemu_endpoint, ec2):
    account = random_account()
    return _world(pinned_ecs(models_dir, awsemu_endpoint, account), ec2(account=account),
                  account)


@pytest.fixture
def env_raw(models_dir, awsemu_endpoint, env):
    """The same account without client-side validation."""
    return pinned_ecs(models_dir, awsemu_endpoint, env.account, validate=False)


@pytest.fixture
def manual(models_dir, manual_endpoint, client_for):
    assert requests.post(f"{manual_endpoint}/_awsemu/reset", timeout=30).status_code == 200
    account = random_account()
    w = _world(pinned_ecs(models_dir, manual_endpoint, account),
               client_for(manual_endpoint, "ec2", account), account)

    def advance(seconds: float) -> None:
        r = requests.post(f"{manual_endpoint}/_awsemu/clock", json={"seconds": seconds},
                          timeout=30)
        assert r.status_code == 200, r.text

    w.advance = advance
    return w


def register_daemon_td(c, family="agent", image="public.ecr.aws/agent:1"):
    return c.register_daemon_task_definition(
        family=family,
        containerDefinitions=[{"name": "agent", "image": image, "memory": 128,
                               "essential": True}],
        cpu="256", memory="512",
        tags=[{"key": "team", "value": "obs"}],
    )["daemonTaskDefinitionArn"]


def create_daemon(w, name="agent", td=None, **extra):
    td = td or register_daemon_td(w.ecs)
    return w.ecs.create_daemon(daemonName=name, clusterArn=w.cluster_arn,
                               daemonTaskDefinitionArn=td, capacityProviderArns=[w.cp],
                               **extra)


# ---------------------------------------------------------------------------
# Daemon task definitions
# ---------------------------------------------------------------------------
def test_daemon_task_definition_register_describe_list_delete(env):
    c = env.ecs
    a1 = register_daemon_td(c)
    a2 = register_daemon_td(c, image="public.ecr.aws/agent:2")
    register_daemon_td(c, family="logger")
    assert a1 == ecs_arn(env.account, "daemon-task-definition/agent:1")
    assert a2 == ecs_arn(env.account, "daemon-task-definition/agent:2")

    latest = c.describe_daemon_task_definition(daemonTaskDefinition="agent")[
        "daemonTaskDefinition"]
    assert latest["daemonTaskDefinitionArn"] == a2
    assert latest["family"] == "agent" and latest["revision"] == 2
    assert latest["status"] == "ACTIVE"
    assert latest["cpu"] == "256" and latest["memory"] == "512"
    assert latest["containerDefinitions"][0]["image"] == "public.ecr.aws/agent:2"
    assert latest["registeredBy"] and latest["registeredAt"]
    assert c.describe_daemon_task_definition(daemonTaskDefinition="agent:1")[
        "daemonTaskDefinition"]["revision"] == 1
    assert c.describe_daemon_task_definition(daemonTaskDefinition=a1)[
        "daemonTaskDefinition"]["containerDefinitions"][0]["image"] == "public.ecr.aws/agent:1"

    arns = [d["arn"] for d in c.list_daemon_task_definitions()["daemonTaskDefinitions"]]
    assert arns == [a1, a2, ecs_arn(env.account, "daemon-task-definition/logger:1")]
    assert [d["arn"] for d in c.list_daemon_task_definitions(family="agent")[
        "daemonTaskDefinitions"]] == [a1, a2]
    assert [d["arn"] for d in c.list_daemon_task_definitions(
        familyPrefix="ag", revision="LAST_REGISTERED")["daemonTaskDefinitions"]] == [a2]
    desc = [d["arn"] for d in c.list_daemon_task_definitions(sort="DESC")[
        "daemonTaskDefinitions"]]
    assert desc == list(reversed(arns))
    page1 = c.list_daemon_task_definitions(maxResults=2)
    assert len(page1["daemonTaskDefinitions"]) == 2 and page1["nextToken"]
    page2 = c.list_daemon_task_definitions(maxResults=2, nextToken=page1["nextToken"])
    assert [d["arn"] for d in page2["daemonTaskDefinitions"]] == arns[2:]
    assert "nextToken" not in page2

    out = c.delete_daemon_task_definition(daemonTaskDefinition="agent:1")
    assert out["daemonTaskDefinitionArn"] == a1
    summaries = c.list_daemon_task_definitions(status="ALL", family="agent")[
        "daemonTaskDefinitions"]
    assert summaries[0]["status"] in ("DELETE_IN_PROGRESS", "DELETED")
    assert summaries[0]["deleteRequestedAt"]
    assert [d["arn"] for d in c.list_daemon_task_definitions(family="agent")[
        "daemonTaskDefinitions"]] == [a2]
    assert c.list_tags_for_resource(resourceArn=a2)["tags"] == [{"key": "team", "value": "obs"}]


def test_daemon_task_definition_errors(env, env_raw):
    c = env.ecs
    register_daemon_td(c)
    with raises_code("ClientException") as e:
        c.describe_daemon_task_definition(daemonTaskDefinition="nope")
    assert "Unable to describe" in err_message(e)
    with raises_code("ClientException"):
        c.delete_daemon_task_definition(daemonTaskDefinition="agent")  # no revision
    with raises_code("ClientException"):
        c.delete_daemon_task_definition(daemonTaskDefinition="agent:9")
    with raises_code("ClientException") as e:
        env_raw.register_daemon_task_definition(family="x", containerDefinitions=[])
    assert err_message(e) == "Container list cannot be empty."
    with raises_code("ClientException"):
        c.register_daemon_task_definition(family="bad name!",
                                          containerDefinitions=[{"name": "a", "image": "i"}])
    with raises_code("InvalidParameterException"):
        c.register_daemon_task_definition(family="x", pidMode="host",
                                          containerDefinitions=[{"name": "a", "image": "i"}])
    with raises_code("InvalidParameterException"):
        c.list_daemon_task_definitions(maxResults=101)


# ---------------------------------------------------------------------------
# Daemons
# ---------------------------------------------------------------------------
def test_create_describe_list_daemon(env):
    c = env.ecs
    td = register_daemon_td(c)
    out = create_daemon(env, td=td, tags=[{"key": "env", "value": "prod"}],
                        deploymentConfiguration={"drainPercent": 20.0,
                                                 "bakeTimeInMinutes": 0})
    daemon_arn = ecs_arn(env.account, "daemon/app/agent")
    assert out["daemonArn"] == daemon_arn
    assert out["status"] == "ACTIVE"
    assert out["createdAt"]
    assert re.fullmatch(
        re.escape(ecs_arn(env.account, "daemon-deployment/app/agent/")) + r"[0-9a-f]+",
        out["deploymentArn"])

    d = c.describe_daemon(daemonArn=daemon_arn)["daemon"]
    assert d["daemonArn"] == daemon_arn
    assert d["clusterArn"] == env.cluster_arn
    assert d["status"] == "ACTIVE"
    assert d["deploymentArn"] == out["deploymentArn"]
    assert len(d["currentRevisions"]) == 1
    rev = d["currentRevisions"][0]
    assert rev["capacityProviders"] == [{"arn": env.cp, "runningCount": 0,
                                         "withoutDaemonCount": 0}]
    assert rev["totalRunningCount"] == 0

    dep = c.describe_daemon_deployments(daemonDeploymentArns=[out["deploymentArn"]])
    assert dep["failures"] == []
    dep = dep["daemonDeployments"][0]
    assert dep["status"] == "SUCCESSFUL"
    assert dep["clusterArn"] == env.cluster_arn
    assert dep["targetDaemonRevision"]["arn"] == rev["arn"]
    assert dep["sourceDaemonRevisions"] == []
    assert dep["deploymentConfiguration"]["drainPercent"] == 20.0
    assert dep["alarms"]["status"] == "DISABLED"
    assert dep["circuitBreaker"]["status"] == "MONITORING_COMPLETE"
    assert dep["createdAt"] <= dep["startedAt"] <= dep["finishedAt"]

    revs = c.describe_daemon_revisions(daemonRevisionArns=[rev["arn"], rev["arn"] + "0"])
    assert revs["failures"] == [{"arn": rev["arn"] + "0", "reason": "MISSING"}]
    r = revs["daemonRevisions"][0]
    assert r["daemonArn"] == daemon_arn and r["daemonTaskDefinitionArn"] == td
    assert r["containerImages"] == [{"containerName": "agent",
                                     "image": "public.ecr.aws/agent:1"}]
    assert r["critical"] is True and r["enableExecuteCommand"] is False

    create_daemon(env, name="other", td=td)
    listed = c.list_daemons(clusterArn=env.cluster_arn)["daemonSummariesList"]
    assert [s["daemonArn"] for s in listed] == [daemon_arn,
                                                ecs_arn(env.account, "daemon/app/other")]
    assert all(s["status"] == "ACTIVE" for s in listed)
    assert c.list_daemons(clusterArn=env.cluster_arn,
                          capacityProviderArns=[env.cp + "x"])["daemonSummariesList"] == []
    page = c.list_daemons(clusterArn=env.cluster_arn, maxResults=1)
    assert len(page["daemonSummariesList"]) == 1 and page["nextToken"]

    deps = c.list_daemon_deployments(daemonArn=daemon_arn)["daemonDeployments"]
    assert [x["daemonDeploymentArn"] for x in deps] == [out["deploymentArn"]]
    assert deps[0]["status"] == "SUCCESSFUL" and deps[0]["daemonArn"] == daemon_arn
    assert c.list_daemon_deployments(daemonArn=daemon_arn,
                                     status=["IN_PROGRESS"])["daemonDeployments"] == []

    c.tag_resource(resourceArn=daemon_arn, tags=[{"key": "tier", "value": "1"}])
    assert ecs_tags(c.list_tags_for_resource(resourceArn=daemon_arn)["tags"]) == {
        "env": "prod", "tier": "1"}
    c.untag_resource(resourceArn=daemon_arn, tagKeys=["env"])
    assert ecs_tags(c.list_tags_for_resource(resourceArn=daemon_arn)["tags"]) == {"tier": "1"}


def test_update_and_delete_daemon(env):
    c = env.ecs
    first = create_daemon(env)
    daemon_arn = first["daemonArn"]
    old_rev = c.describe_daemon(daemonArn=daemon_arn)["daemon"]["currentRevisions"][0]["arn"]
    td2 = register_daemon_td(c, image="public.ecr.aws/agent:2")
    up = c.update_daemon(daemonArn=daemon_arn, daemonTaskDefinitionArn=td2,
                         capacityProviderArns=[env.cp], enableExecuteCommand=True)
    assert up["daemonArn"] == daemon_arn and up["status"] == "ACTIVE"
    assert up["deploymentArn"] != first["deploymentArn"]
    assert up["updatedAt"] >= up["createdAt"]
    dep = c.describe_daemon_deployments(daemonDeploymentArns=[up["deploymentArn"]])[
        "daemonDeployments"][0]
    assert [s["arn"] for s in dep["sourceDaemonRevisions"]] == [old_rev]
    new_rev = dep["targetDaemonRevision"]["arn"]
    r = c.describe_daemon_revisions(daemonRevisionArns=[new_rev])["daemonRevisions"][0]
    assert r["daemonTaskDefinitionArn"] == td2 and r["enableExecuteCommand"] is True
    d = c.describe_daemon(daemonArn=daemon_arn)["daemon"]
    assert [x["arn"] for x in d["currentRevisions"]] == [new_rev]
    deps = c.list_daemon_deployments(daemonArn=daemon_arn, maxResults=1)
    assert [x["daemonDeploymentArn"] for x in deps["daemonDeployments"]] == [
        up["deploymentArn"]]
    assert deps["nextToken"]

    gone = c.delete_daemon(daemonArn=daemon_arn)
    assert gone["status"] == "DELETE_IN_PROGRESS"
    assert gone["deploymentArn"] not in (up["deploymentArn"], first["deploymentArn"])
    # The drain finished (immediate pace): the daemon is gone.
    with raises_code("DaemonNotFoundException"):
        c.describe_daemon(daemonArn=daemon_arn)
    dep = c.describe_daemon_deployments(daemonDeploymentArns=[gone["deploymentArn"]])[
        "daemonDeployments"][0]
    assert dep["status"] == "SUCCESSFUL" and "targetDaemonRevision" not in dep
    assert c.list_daemons(clusterArn=env.cluster_arn)["daemonSummariesList"] == []


def test_daemon_errors(env, env_raw):
    c = env.ecs
    td = register_daemon_td(c)
    with raises_code("ClusterNotFoundException"):
        c.create_daemon(daemonName="a", clusterArn=ecs_arn(env.account, "cluster/nope"),
                        daemonTaskDefinitionArn=td, capacityProviderArns=[env.cp])
    with raises_code("InvalidParameterException") as e:
        c.create_daemon(daemonName="a", clusterArn=env.cluster_arn, daemonTaskDefinitionArn=td,
                        capacityProviderArns=[ecs_arn(env.account, "capacity-provider/FARGATE")])
    assert "Managed Instances" in err_message(e)
    with raises_code("InvalidParameterException"):
        c.create_daemon(daemonName="a", clusterArn=env.cluster_arn, daemonTaskDefinitionArn=td,
                        capacityProviderArns=["mi-cp"])
    with raises_code("InvalidParameterException"):
        c.create_daemon(daemonName="bad name", clusterArn=env.cluster_arn,
                        daemonTaskDefinitionArn=td, capacityProviderArns=[env.cp])
    with raises_code("InvalidParameterException"):
        c.create_daemon(daemonName="a", clusterArn=env.cluster_arn, daemonTaskDefinitionArn=td,
                        capacityProviderArns=[env.cp],
                        deploymentConfiguration={"drainPercent": 150.0})
    with raises_code("ClientException"):
        c.create_daemon(daemonName="a", clusterArn=env.cluster_arn,
                        daemonTaskDefinitionArn=td + "9", capacityProviderArns=[env.cp])
    out = create_daemon(env, td=td, clientToken="tok-1")
    again = create_daemon(env, td=td, clientToken="tok-1")
    assert again["daemonArn"] == out["daemonArn"]
    assert again["deploymentArn"] == out["deploymentArn"]
    with raises_code("InvalidParameterException") as e:
        create_daemon(env, td=td)
    assert err_message(e) == "Creation of daemon was not idempotent."
    with raises_code("DaemonNotFoundException"):
        c.describe_daemon(daemonArn=ecs_arn(env.account, "daemon/app/nope"))
    with raises_code("InvalidParameterException"):
        c.describe_daemon(daemonArn="agent")
    with raises_code("DaemonNotFoundException"):
        c.update_daemon(daemonArn=ecs_arn(env.account, "daemon/app/nope"),
                        daemonTaskDefinitionArn=td, capacityProviderArns=[env.cp])
    with raises_code("DaemonNotFoundException"):
        c.delete_daemon(daemonArn=ecs_arn(env.account, "daemon/app/nope"))
    with raises_code("DaemonNotFoundException"):
        c.list_daemon_deployments(daemonArn=ecs_arn(env.account, "daemon/app/nope"))
    with raises_code("ClusterNotFoundException"):
        c.list_daemons(clusterArn=ecs_arn(env.account, "cluster/nope"))
    with raises_code("InvalidParameterException"):
        c.describe_daemon_deployments(daemonDeploymentArns=["x"] * 21)
    with raises_code("InvalidParameterException"):
        env_raw.describe_daemon_revisions(daemonRevisionArns=[])
    # A deleted daemon task definition cannot start a daemon.
    c.delete_daemon_task_definition(daemonTaskDefinition=td)
    with raises_code("ClientException"):
        c.create_daemon(daemonName="b", clusterArn=env.cluster_arn, daemonTaskDefinitionArn=td,
                        capacityProviderArns=[env.cp])


def test_manual_pace_daemon_deployment_lifecycle(manual):
    m = manual
    c = m.ecs
    out = create_daemon(m)
    dep_arn = out["deploymentArn"]

    def dep(a):
        return c.describe_daemon_deployments(daemonDeploymentArns=[a])["daemonDeployments"][0]

    first = dep(dep_arn)
    assert first["status"] == "PENDING" and "startedAt" not in first
    assert first["circuitBreaker"]["status"] == "MONITORING"
    m.advance(2)
    assert dep(dep_arn)["status"] == "IN_PROGRESS"
    assert dep(dep_arn)["startedAt"]
    # A newer deployment stops the unfinished one; both revisions are current.
    td2 = register_daemon_td(c, image="public.ecr.aws/agent:2")
    up = c.update_daemon(daemonArn=out["daemonArn"], daemonTaskDefinitionArn=td2,
                         capacityProviderArns=[m.cp])
    stopped = dep(dep_arn)
    assert stopped["status"] == "STOPPED" and stopped["stoppedAt"]
    assert len(c.describe_daemon(daemonArn=out["daemonArn"])["daemon"]["currentRevisions"]) == 2
    assert [d["status"] for d in c.list_daemon_deployments(
        daemonArn=out["daemonArn"])["daemonDeployments"]] == ["PENDING", "STOPPED"]
    m.advance(2)
    m.advance(10)
    assert dep(up["deploymentArn"])["status"] == "SUCCESSFUL"
    assert len(c.describe_daemon(daemonArn=out["daemonArn"])["daemon"]["currentRevisions"]) == 1

    gone = c.delete_daemon(daemonArn=out["daemonArn"])
    assert gone["status"] == "DELETE_IN_PROGRESS"
    assert c.describe_daemon(daemonArn=out["daemonArn"])["daemon"]["status"] == \
        "DELETE_IN_PROGRESS"
    with raises_code("DaemonNotActiveException"):
        c.update_daemon(daemonArn=out["daemonArn"], daemonTaskDefinitionArn=td2,
                        capacityProviderArns=[m.cp])
    with raises_code("DaemonNotActiveException"):
        c.delete_daemon(daemonArn=out["daemonArn"])
    m.advance(2)
    m.advance(10)
    with raises_code("DaemonNotFoundException"):
        c.describe_daemon(daemonArn=out["daemonArn"])

    # DeleteDaemonTaskDefinition: DELETE_IN_PROGRESS, then DELETED.
    c.delete_daemon_task_definition(daemonTaskDefinition=td2)
    assert c.describe_daemon_task_definition(daemonTaskDefinition=td2)[
        "daemonTaskDefinition"]["status"] == "DELETE_IN_PROGRESS"
    m.advance(5)
    statuses = {d["arn"]: d["status"] for d in c.list_daemon_task_definitions(
        status="ALL")["daemonTaskDefinitions"]}
    assert statuses[td2] == "DELETED"
    with raises_code("ClientException"):
        c.describe_daemon_task_definition(daemonTaskDefinition=td2)


# ---------------------------------------------------------------------------
# Gateways
# ---------------------------------------------------------------------------
def create_gateway(w, name="edge", **extra):
    cfg = extra.pop("configuration", {"hostSharedAlb": {}})
    return w.ecs.create_gateway(name=name, infrastructureRoleArn=w.role,
                                configuration=cfg, **extra)


def test_create_describe_list_gateway(env):
    c = env.ecs
    out = create_gateway(env, tags=[{"key": "team", "value": "edge"}])
    gw_arn = ecs_arn(env.account, "gateway/edge")
    assert out == {**out, "gatewayArn": gw_arn, "name": "edge", "status": "ACTIVE"}

    g = c.describe_gateway(gateway="edge")["gateway"]
    assert g["gatewayArn"] == gw_arn and g["status"] == "ACTIVE"
    assert g["infrastructureRoleArn"] == env.role
    assert g["deletionProtection"] is True
    assert g["accessType"] == "PUBLIC"
    assert g["propagateTags"] == "GATEWAY"
    alb = g["configuration"]["hostSharedAlb"]
    assert alb["scheme"] == "internet-facing"
    assert alb["port"] == 443 and alb["protocol"] == "HTTPS"
    assert alb["maxAlbCount"] == 10 and alb["currentAlbCount"] == 0
    assert alb["httpDesync"] == "defensive"
    assert alb["networkConfiguration"]["ipAddressType"] == "dualstack"
    assert sorted(alb["networkConfiguration"]["subnets"]) == env.subnets
    assert ecs_tags(g["tags"]) == {"team": "edge"}
    assert c.describe_gateway(gateway=gw_arn)["gateway"]["name"] == "edge"

    internal = create_gateway(env, name="inner", deletionProtection=False,
                              configuration={"hostSharedAlb": {
                                  "scheme": "internal", "maxAlbCount": 2,
                                  "networkConfiguration": {"subnets": env.subnets[:2],
                                                           "ipAddressType": "ipv4"}}})
    gi = c.describe_gateway(gateway=internal["gatewayArn"])["gateway"]
    assert gi["accessType"] == "PRIVATE" and gi["deletionProtection"] is False
    assert gi["configuration"]["hostSharedAlb"]["maxAlbCount"] == 2
    assert gi["configuration"]["hostSharedAlb"]["networkConfiguration"]["subnets"] == \
        env.subnets[:2]

    names = [g["name"] for g in c.list_gateways()["gateways"]]
    assert names == ["edge", "inner"]
    assert [g["name"] for g in c.list_gateways(names=["inner"])["gateways"]] == ["inner"]
    assert c.list_gateways(status=["UPDATE_FAILED"])["gateways"] == []
    page = c.list_gateways(maxResults=1)
    assert [g["name"] for g in page["gateways"]] == ["edge"] and page["nextToken"]
    assert [g["name"] for g in c.list_gateways(nextToken=page["nextToken"])["gateways"]] == \
        ["inner"]

    c.tag_resource(resourceArn=gw_arn, tags=[{"key": "x", "value": "y"}])
    assert ecs_tags(c.list_tags_for_resource(resourceArn=gw_arn)["tags"]) == {
        "team": "edge", "x": "y"}
    again = create_gateway(env, name="tok", clientToken="t1")
    assert create_gateway(env, name="tok", clientToken="t1")["gatewayArn"] == again["gatewayArn"]


def test_gateway_errors(env, env_raw):
    c = env.ecs
    create_gateway(env)
    with raises_code("InvalidParameterException"):
        create_gateway(env)  # same name
    with raises_code("InvalidParameterException"):
        c.create_gateway(name="x", infrastructureRoleArn="not-a-role",
                         configuration={"hostSharedAlb": {}})
    with raises_code("InvalidParameterException"):
        env_raw.create_gateway(name="y", infrastructureRoleArn=env.role, configuration={})
    with raises_code("InvalidParameterException") as e:
        create_gateway(env, name="z", configuration={"hostSharedAlb": {"port": 80}})
    assert "443" in err_message(e)
    with raises_code("InvalidParameterException"):
        create_gateway(env, name="w", configuration={"hostSharedAlb": {
            "networkConfiguration": {"subnets": ["subnet-0123456789abcdef0"]}}})
    for call in (lambda: c.describe_gateway(gateway="nope"),
                 lambda: c.update_gateway(gateway="nope", deletionProtection=False),
                 lambda: c.delete_gateway(gateway="nope"),
                 lambda: c.describe_gateway_resources(gateway="nope"),
                 lambda: c.list_gateway_routes(gateway="nope"),
                 lambda: c.associate_gateway_with_cluster(gateway="nope", cluster="app")):
        with raises_code("GatewayNotFoundException"):
            call()
    with raises_code("InvalidParameterException"):
        c.list_gateways(names=[f"g{i}" for i in range(11)])
    with raises_code("InvalidParameterException"):
        c.describe_gateway_resources(gateway="edge", maxResults=21)
    with raises_code("ResourceNotFoundException"):
        c.describe_gateway_route(gatewayRouteArn=ecs_arn(env.account, "gateway-route/edge/x"))


def test_update_gateway(env, env_raw):
    c = env.ecs
    create_gateway(env)
    out = c.update_gateway(gateway="edge", deletionProtection=False, propagateTags="NONE",
                           configuration={"hostSharedAlb": {
                               "maxAlbCount": 4, "httpDesync": "strictest",
                               "testTrafficRules": {"header": {"name": "x-test",
                                                               "values": ["1"]}}}})
    assert out["status"] == "UPDATE_IN_PROGRESS" and out["name"] == "edge"
    g = c.describe_gateway(gateway="edge")["gateway"]
    assert g["status"] == "UPDATE_COMPLETE"
    assert g["deletionProtection"] is False and g["propagateTags"] == "NONE"
    alb = g["configuration"]["hostSharedAlb"]
    assert alb["maxAlbCount"] == 4 and alb["httpDesync"] == "strictest"
    assert alb["testTrafficRules"]["header"] == {"name": "x-test", "values": ["1"]}
    assert alb["scheme"] == "internet-facing"  # unchanged
    assert g["updatedAt"] >= g["createdAt"]
    with raises_code("InvalidParameterException"):
        c.update_gateway(gateway="edge", configuration={"hostSharedAlb": {
            "httpDesync": "lenient"}})
    with raises_code("InvalidParameterException"):
        env_raw.update_gateway(gateway="edge", configuration={})


def test_manual_pace_gateway_update_completes_on_the_clock(manual):
    c = manual.ecs
    create_gateway(manual)
    c.update_gateway(gateway="edge", deletionProtection=False)
    assert c.describe_gateway(gateway="edge")["gateway"]["status"] == "UPDATE_IN_PROGRESS"
    assert [g["name"] for g in c.list_gateways(status=["UPDATE_IN_PROGRESS"])["gateways"]] == \
        ["edge"]
    manual.advance(10)
    assert c.describe_gateway(gateway="edge")["gateway"]["status"] == "UPDATE_COMPLETE"


def test_gateway_cluster_associations_and_delete(env):
    c = env.ecs
    create_gateway(env)
    gw_arn = ecs_arn(env.account, "gateway/edge")
    out = c.associate_gateway_with_cluster(gateway="edge", cluster="app")
    assert out["gatewayArn"] == gw_arn and out["clusterArn"] == env.cluster_arn
    assert out["status"] == "ACTIVE"
    assoc = c.list_gateway_cluster_associations()["gatewayClusterAssociations"]
    assert assoc == [{"gatewayArn": gw_arn, "clusterArn": env.cluster_arn,
                      "status": "ACTIVE"}]
    assert c.list_gateway_cluster_associations(cluster="app", gateway=gw_arn)[
        "gatewayClusterAssociations"] == assoc
    assert c.list_gateway_cluster_associations(status=["INACTIVE"])[
        "gatewayClusterAssociations"] == []
    with raises_code("InvalidParameterException"):
        c.associate_gateway_with_cluster(gateway="edge", cluster="app")
    with raises_code("ClusterNotFoundException"):
        c.associate_gateway_with_cluster(gateway="edge", cluster="nope")

    with raises_code("InvalidParameterException") as e:
        c.delete_gateway(gateway="edge")
    assert "deletion protection" in err_message(e)
    c.update_gateway(gateway="edge", deletionProtection=False)
    with raises_code("ClientException"):
        c.delete_gateway(gateway="edge")

    dis = c.disassociate_gateway_from_cluster(gateway="edge", cluster=env.cluster_arn)
    assert dis == {**dis, "gatewayArn": gw_arn, "clusterArn": env.cluster_arn,
                   "status": "DISASSOCIATING"}
    # No route held it: the association ended.
    assert c.list_gateway_cluster_associations()["gatewayClusterAssociations"][0]["status"] \
        == "INACTIVE"
    with raises_code("ResourceNotFoundException"):
        c.disassociate_gateway_from_cluster(gateway="edge", cluster="app")

    gone = c.delete_gateway(gateway=gw_arn)
    assert gone == {**gone, "gatewayArn": gw_arn, "name": "edge", "status": "DELETED"}
    with raises_code("GatewayNotFoundException"):
        c.describe_gateway(gateway="edge")
    assert c.list_gateways()["gateways"] == []


def test_cluster_takes_at_most_five_gateways(env):
    c = env.ecs
    for n in range(6):
        create_gateway(env, name=f"g{n}")
    for n in range(5):
        c.associate_gateway_with_cluster(gateway=f"g{n}", cluster="app")
    with raises_code("InvalidParameterException"):
        c.associate_gateway_with_cluster(gateway="g5", cluster="app")


def _service_td(c):
    return c.register_task_definition(
        family="web", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
        cpu="256", memory="512",
        containerDefinitions=[{"name": "web", "image": "nginx",
                               "portMappings": [{"containerPort": 80, "name": "http"}]}],
    )["taskDefinition"]["taskDefinitionArn"]


def test_gateway_routes_follow_service_connectors(env):
    c = env.ecs
    create_gateway(env)
    gw_arn = ecs_arn(env.account, "gateway/edge")
    td = _service_td(c)
    net = {"awsvpcConfiguration": {"subnets": env.subnets[:1]}}
    with raises_code("InvalidParameterException"):  # no gateway on the cluster yet
        c.create_service(cluster="app", serviceName="web", taskDefinition=td, desiredCount=1,
                         launchType="FARGATE", networkConfiguration=net,
                         gatewayConnectors=[{"portName": "http"}])
    c.associate_gateway_with_cluster(gateway="edge", cluster="app")
    with raises_code("InvalidParameterException"):
        c.create_service(cluster="app", serviceName="web", taskDefinition=td, desiredCount=1,
                         launchType="FARGATE", networkConfiguration=net,
                         gatewayConnectors=[{"portName": "grpc"}])
    assert c.list_services(cluster="app")["serviceArns"] == []
    svc = c.create_service(cluster="app", serviceName="web", taskDefinition=td,
                           desiredCount=1, launchType="FARGATE", networkConfiguration=net,
                           gatewayConnectors=[{"portName": "http"}])["service"]

    routes = c.list_gateway_routes(gateway="edge")["gatewayRoutes"]
    assert len(routes) == 1
    r = routes[0]
    assert r["gatewayArn"] == gw_arn and r["clusterArn"] == env.cluster_arn
    assert r["serviceArn"] == svc["serviceArn"]
    assert r["serviceContainerPortName"] == "http"
    assert r["status"] == "ACTIVE"
    assert r["gatewayRouteArn"].startswith(ecs_arn(env.account, "gateway-route/edge/"))
    assert c.list_gateway_routes(service="web", cluster="app")["gatewayRoutes"] == routes
    assert c.list_gateway_routes(serviceContainerPortName="grpc")["gatewayRoutes"] == []

    route = c.describe_gateway_route(gatewayRouteArn=r["gatewayRouteArn"])["gatewayRoute"]
    assert route["serviceArn"] == svc["serviceArn"] and route["status"] == "ACTIVE"
    assert route["serviceUrl"].startswith("https://web-")
    alb = route["resources"]["hostSharedAlb"][0]
    assert ":loadbalancer/app/" in alb["loadBalancerArn"]
    assert alb["listenerRuleArn"] and alb["acmCertificateArn"].startswith("arn:aws:acm:")

    res = c.describe_gateway_resources(gateway="edge")["gatewayResources"]
    assert res["gatewayArn"] == gw_arn
    lbs = res["resources"]["hostSharedAlb"]
    assert len(lbs) == 1 and lbs[0]["loadBalancerArn"] == alb["loadBalancerArn"]
    assert lbs[0]["gatewayRouteArns"] == [r["gatewayRouteArn"]]
    assert c.describe_gateway(gateway="edge")["gateway"]["configuration"]["hostSharedAlb"][
        "currentAlbCount"] == 1

    # The association waits for the service's route to go.
    c.disassociate_gateway_from_cluster(gateway="edge", cluster="app")
    assert c.list_gateway_cluster_associations()["gatewayClusterAssociations"][0]["status"] \
        == "DISASSOCIATING"
    c.update_service(cluster="app", service="web", gatewayConnectors=[])
    assert c.list_gateway_routes()["gatewayRoutes"] == []
    assert c.list_gateway_cluster_associations()["gatewayClusterAssociations"][0]["status"] \
        == "INACTIVE"
    with raises_code("ResourceNotFoundException"):
        c.describe_gateway_route(gatewayRouteArn=r["gatewayRouteArn"])


def test_manual_pace_route_states_and_service_delete(manual):
    c = manual.ecs
    create_gateway(manual)
    c.associate_gateway_with_cluster(gateway="edge", cluster="app")
    td = _service_td(c)
    c.create_service(cluster="app", serviceName="web", taskDefinition=td, desiredCount=0,
                     launchType="FARGATE",
                     networkConfiguration={"awsvpcConfiguration": {"subnets": manual.subnets[:1]}},
                     gatewayConnectors=[{"portName": "http", "filters": {"accessTypes": ["PUBLIC"]}}])
    (r,) = c.list_gateway_routes()["gatewayRoutes"]
    assert r["status"] == "CREATE_IN_PROGRESS"
    manual.advance(15)
    assert c.list_gateway_routes(status=["ACTIVE"])["gatewayRoutes"][0]["gatewayRouteArn"] == \
        r["gatewayRouteArn"]
    c.delete_service(cluster="app", service="web")
    assert c.describe_gateway_route(gatewayRouteArn=r["gatewayRouteArn"])["gatewayRoute"][
        "status"] == "DELETE_IN_PROGRESS"
    manual.advance(15)
    assert c.list_gateway_routes()["gatewayRoutes"] == []


# ---------------------------------------------------------------------------
# Express gateway services
# ---------------------------------------------------------------------------
def test_express_gateway_service_lifecycle(env):
    c = env.ecs
    out = c.create_express_gateway_service(
        cluster="app", serviceName="shop", infrastructureRoleArn=env.role,
        executionRoleArn=ROLE.format(env.account).replace("Infrastructure", "TaskExecution"),
        primaryContainer={"image": "public.ecr.aws/nginx/nginx:latest"},
        tags=[{"key": "app", "value": "shop"}],
    )["service"]
    svc_arn = ecs_arn(env.account, "service/app/shop")
    assert out["serviceArn"] == svc_arn and out["serviceName"] == "shop"
    assert out["cluster"] == "app"
    assert out["infrastructureRoleArn"] == env.role
    assert out["status"]["statusCode"] == "ACTIVE"
    assert out["currentDeployment"].startswith(ecs_arn(env.account,
                                                       "service-deployment/app/shop/"))
    (cfg,) = out["activeConfigurations"]
    assert cfg["cpu"] == "256" and cfg["memory"] == "512"
    assert cfg["cpuArchitecture"] == "X86_64"
    assert cfg["healthCheckPath"] == "/ping"
    assert cfg["primaryContainer"]["containerPort"] == 80
    assert cfg["primaryContainer"]["awsLogsConfiguration"]["logStreamPrefix"] == "ecs"
    assert cfg["scalingTarget"]["autoScalingTargetValue"] == 60
    assert cfg["scalingTarget"]["autoScalingMetric"] == "AVERAGE_CPU"
    assert sorted(cfg["networkConfiguration"]["subnets"]) == env.subnets
    assert cfg["ingressPaths"] == [{"accessType": "PUBLIC",
                                    "endpoint": "https://shop.ecs.us-east-1.on.aws"}]
    td_arn = cfg["taskDefinitionArn"]
    assert td_arn == ecs_arn(env.account, "task-definition/shop:1")

    # It is an ECS service, running its task definition on Fargate.
    s = c.describe_services(cluster="app", services=["shop"])["services"][0]
    assert s["status"] == "ACTIVE" and s["taskDefinition"] == td_arn
    assert s["desiredCount"] == 1 and s["launchType"] == "FARGATE"
    td = c.describe_task_definition(taskDefinition=td_arn)["taskDefinition"]
    assert td["containerDefinitions"][0]["name"] == "Main"
    assert td["requiresCompatibilities"] == ["FARGATE"]

    d = c.describe_express_gateway_service(serviceArn=svc_arn, include=["TAGS"])["service"]
    assert ecs_tags(d["tags"]) == {"app": "shop"}
    assert "tags" not in c.describe_express_gateway_service(serviceArn=svc_arn)["service"]

    up = c.update_express_gateway_service(serviceArn=svc_arn, cpu="512", memory="1024",
                                          healthCheckPath="/health",
                                          scalingTarget={"minTaskCount": 2,
                                                         "maxTaskCount": 4})["service"]
    assert up["serviceArn"] == svc_arn and up["status"]["statusCode"] == "ACTIVE"
    tc = up["targetConfiguration"]
    assert tc["cpu"] == "512" and tc["memory"] == "1024"
    assert tc["healthCheckPath"] == "/health"
    assert tc["primaryContainer"]["image"] == "public.ecr.aws/nginx/nginx:latest"
    assert tc["taskDefinitionArn"] == ecs_arn(env.account, "task-definition/shop:2")
    s = c.describe_services(cluster="app", services=["shop"])["services"][0]
    assert s["taskDefinition"] == tc["taskDefinitionArn"] and s["desiredCount"] == 2
    d = c.describe_express_gateway_service(serviceArn=svc_arn)["service"]
    assert tc["taskDefinitionArn"] in [x["taskDefinitionArn"] for x in d["activeConfigurations"]]

    gone = c.delete_express_gateway_service(serviceArn=svc_arn)["service"]
    assert gone["status"]["statusCode"] == "DRAINING"
    assert c.describe_services(cluster="app", services=["shop"])["services"][0]["status"] in (
        "DRAINING", "INACTIVE")
    with raises_code("ServiceNotActiveException"):
        c.update_express_gateway_service(serviceArn=svc_arn, cpu="256")
    with raises_code("ServiceNotActiveException"):
        c.delete_express_gateway_service(serviceArn=svc_arn)


def test_express_gateway_service_errors(env, env_raw):
    c = env.ecs
    with raises_code("ClusterNotFoundException"):
        c.create_express_gateway_service(cluster="nope", infrastructureRoleArn=env.role,
                                         primaryContainer={"image": "nginx"})
    with raises_code("InvalidParameterException"):
        c.create_express_gateway_service(cluster="app", infrastructureRoleArn="role",
                                         primaryContainer={"image": "nginx"})
    with raises_code("InvalidParameterException"):
        c.create_express_gateway_service(cluster="app", infrastructureRoleArn=env.role)
    td = _service_td(c)
    with raises_code("InvalidParameterException") as e:
        c.create_express_gateway_service(cluster="app", infrastructureRoleArn=env.role,
                                         taskDefinitionArn=td, cpu="512")
    assert "taskDefinitionArn" in err_message(e)
    with raises_code("InvalidParameterException") as e:  # no container named Main
        c.create_express_gateway_service(cluster="app", infrastructureRoleArn=env.role,
                                         taskDefinitionArn=td)
    assert "Main" in err_message(e)
    with raises_code("InvalidParameterException"):
        c.create_express_gateway_service(cluster="app", infrastructureRoleArn=env.role,
                                         primaryContainer={"image": "nginx"},
                                         healthCheckPath="health")
    with raises_code("ClientException"):  # no Fargate size 256 CPU / 4096 MiB
        c.create_express_gateway_service(cluster="app", infrastructureRoleArn=env.role,
                                         serviceName="big", memory="4096",
                                         primaryContainer={"image": "nginx"})
    # Nothing is left behind by the failed call.
    assert c.list_task_definitions(familyPrefix="big")["taskDefinitionArns"] == []
    missing = ecs_arn(env.account, "service/app/nope")
    with raises_code("ResourceNotFoundException"):
        c.describe_express_gateway_service(serviceArn=missing)
    with raises_code("ServiceNotFoundException"):
        c.update_express_gateway_service(serviceArn=missing, cpu="512")
    with raises_code("ServiceNotFoundException"):
        c.delete_express_gateway_service(serviceArn=missing)
    c.create_express_gateway_service(cluster="app", serviceName="dup",
                                     infrastructureRoleArn=env.role,
                                     primaryContainer={"image": "nginx"})
    with raises_code("InvalidParameterException"):
        c.create_express_gateway_service(cluster="app", serviceName="dup",
                                         infrastructureRoleArn=env.role,
                                         primaryContainer={"image": "nginx"})
