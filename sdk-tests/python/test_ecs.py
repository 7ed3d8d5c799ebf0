"""boto3: ECS on Fargate — clusters, task definitions, tasks, services, Service Connect.

The flow a user reports first (create a cluster, register a FARGATE awsvpc task
definition, RunTask, wait with ``tasks_running``, DescribeTasks with an unknown ARN
and ``include=["TAGS"]``), then every piece of it on its own: the task lifecycle on
the world clock (a second emulator with ``--pace manual``), the task ENI in EC2,
declared outcomes (``awsemu.*`` docker labels), services with deployments and the
botocore waiters, Service Connect with TLS, tags and the error catalogue.

Each test works in a fresh random account.

References: aws-spec.md §5 (awsJson1_1), §6 (ARNs), §10 (behavioural model),
§11.1-11.20 (operations), §14.3 (errors), §15 (waiters), Appendix D (shapes);
seed 004 (Service Connect TLS).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import time
from collections import Counter
from types import SimpleNamespace

import pytest
import requests
from botocore.exceptions import ClientError, WaiterError

from awsemu_helpers import (
    CLOUDMAP_NAMESPACE_ID,
    CLOUDMAP_SERVICE_ID,
    ECS_DEPLOYMENT_ID,
    ECS_TASK_ID,
    ENI_ID,
    MAC_RE,
    UNKNOWN_SG,
    UNKNOWN_SUBNET,
    UUID_RE,
    default_sg,
    ecs_arn,
    ecs_tags,
    err_message,
    nat_egress,
    new_subnet,
    new_vpc,
    raises_code,
    random_account,
)

FAST = {"Delay": 0.1, "MaxAttempts": 60}
UNKNOWN_TASK_ID = "0123456789abcdef0123456789abcdef"
STEADY_MSG = "(service {}) has reached a steady state."


# ---------------------------------------------------------------------------
# Fixtures and helpers
# ---------------------------------------------------------------------------
def _network(c, wait: bool = True) -> SimpleNamespace:
    """Two private subnets (the main route table) that reach Docker Hub
    through a public NAT gateway in a third, public subnet (``nat_egress``)."""
    vpc = new_vpc(c, "10.0.0.0/16")
    s1 = new_subnet(c, vpc, "10.0.1.0/24", "us-east-1a")
    s2 = new_subnet(c, vpc, "10.0.2.0/24", "us-east-1b")
    sg = c.create_security_group(GroupName="web-tasks", Description="web tasks",
                                 VpcId=vpc)["GroupId"]
    egress = nat_egress(c, vpc, "10.0.255.0/24", wait=wait)
    return SimpleNamespace(
        vpc=vpc, s1=s1, s2=s2, sg=sg, default_sg=default_sg(c, vpc)["GroupId"],
        egress=egress,
        cidr={s1: "10.0.1.0/24", s2: "10.0.2.0/24"},
        az={s1: "us-east-1a", s2: "us-east-1b"},
    )


@pytest.fixture
def env(ecs, ec2):
    """A fresh account with a VPC (10.0.0.0/16), subnets in us-east-1a/b and a
    security group; ``env.ecs`` / ``env.ec2`` are that account's clients."""
    account = random_account()
    c = ec2(account=account)
    world = _network(c)
    world.account = account
    world.ec2 = c
    world.ecs = ecs(account=account)
    return world


def arn(env, resource: str) -> str:
    return ecs_arn(env.account, resource)


def netcfg(env, subnets=None, groups=None, public: str | None = None) -> dict:
    cfg: dict = {"subnets": list(subnets) if subnets is not None else [env.s1]}
    if groups is not None:
        cfg["securityGroups"] = list(groups)
    if public is not None:
        cfg["assignPublicIp"] = public
    return {"awsvpcConfiguration": cfg}


def container(name: str = "web", image: str = "nginx:latest", port: int | None = 80,
              port_name: str | None = None, labels: dict | None = None, **extra) -> dict:
    c: dict = {"name": name, "image": image}
    if port is not None:
        pm: dict = {"containerPort": port}
        if port_name is not None:
            pm["name"] = port_name
        c["portMappings"] = [pm]
    if labels is not None:
        c["dockerLabels"] = labels
    c.update(extra)
    return c


def register(env, family: str = "web", containers=None, cpu: str | None = "256",
             memory: str | None = "512", **kwargs) -> dict:
    """A FARGATE awsvpc task definition (the issue's); returns ``taskDefinition``."""
    params: dict = {
        "family": family,
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "containerDefinitions": containers if containers is not None else [container()],
    }
    if cpu is not None:
        params["cpu"] = cpu
    if memory is not None:
        params["memory"] = memory
    params.update(kwargs)
    return env.ecs.register_task_definition(**params)["taskDefinition"]


def run(env, cluster: str = "app", td: str = "web", count: int = 1, **kwargs) -> list[dict]:
    params: dict = {"cluster": cluster, "taskDefinition": td, "count": count}
    if "capacityProviderStrategy" not in kwargs:
        params["launchType"] = "FARGATE"
    if "networkConfiguration" not in kwargs:
        params["networkConfiguration"] = netcfg(env, groups=[env.sg])
    params.update(kwargs)
    resp = env.ecs.run_task(**params)
    assert resp["failures"] == [], resp["failures"]
    assert len(resp["tasks"]) == count
    return resp["tasks"]


def describe(env, task_arn: str, cluster: str = "app", **kwargs) -> dict:
    resp = env.ecs.describe_tasks(cluster=cluster, tasks=[task_arn], **kwargs)
    assert resp["failures"] == [], resp["failures"]
    assert [t["taskArn"] for t in resp["tasks"]] == [task_arn]
    return resp["tasks"][0]


def wait(env, name: str, cluster: str = "app", **kwargs) -> None:
    env.ecs.get_waiter(name).wait(cluster=cluster, WaiterConfig=FAST, **kwargs)


def service(env, name: str = "web", cluster: str = "app", **kwargs) -> dict:
    resp = env.ecs.describe_services(cluster=cluster, services=[name], **kwargs)
    assert resp["failures"] == [], resp["failures"]
    assert len(resp["services"]) == 1
    return resp["services"][0]


def create_service(env, name: str = "web", cluster: str = "app", td: str = "web",
                   desired: int | None = 2, **kwargs) -> dict:
    params: dict = {
        "cluster": cluster, "serviceName": name, "taskDefinition": td,
        "launchType": "FARGATE",
        "networkConfiguration": netcfg(env, [env.s1, env.s2], [env.sg]),
    }
    if desired is not None:
        params["desiredCount"] = desired
    params.update(kwargs)
    return env.ecs.create_service(**params)["service"]


def list_tasks(env, cluster: str = "app", **kwargs) -> list[str]:
    arns: list[str] = []
    for page in env.ecs.get_paginator("list_tasks").paginate(cluster=cluster, **kwargs):
        arns += page["taskArns"]
    return arns


def describe_many(env, arns: list[str], cluster: str = "app") -> list[dict]:
    out: list[dict] = []
    for i in range(0, len(arns), 100):
        resp = env.ecs.describe_tasks(cluster=cluster, tasks=arns[i:i + 100])
        assert resp["failures"] == []
        out += resp["tasks"]
    return out


def assert_recent(ts, slack_s: float = 300.0) -> None:
    assert isinstance(ts, dt.datetime) and ts.tzinfo is not None, ts
    now = dt.datetime.now(dt.timezone.utc)
    assert abs((now - ts).total_seconds()) < slack_s, ts


def task_id(task_arn: str) -> str:
    return task_arn.rsplit("/", 1)[1]


def eni_attachment(task: dict) -> dict:
    atts = [a for a in task["attachments"] if a["type"] == "ElasticNetworkInterface"]
    assert len(atts) == 1, task["attachments"]
    return atts[0]


def att_details(att: dict) -> dict:
    return {d["name"]: d["value"] for d in att["details"]}


def enis_of(env) -> list[dict]:
    """The interfaces in the task subnets (the NAT gateway's is in its own)."""
    return env.ec2.describe_network_interfaces(
        Filters=[{"Name": "vpc-id", "Values": [env.vpc]},
                 {"Name": "subnet-id", "Values": [env.s1, env.s2]}])["NetworkInterfaces"]


def assert_fargate_task(env, t: dict, *, cluster: str, td_arn: str, family: str,
                        subnets: list[str], cpu: str = "256", memory: str = "512",
                        containers=(("web", "nginx:latest"),), group: str | None = None,
                        status: str = "RUNNING") -> None:
    """Every field a RunTask'd Fargate awsvpc task carries (aws-spec.md §11.1)."""
    m = re.match(rf"^arn:aws:ecs:us-east-1:{env.account}:task/{re.escape(cluster)}/(.+)$",
                 t["taskArn"])
    assert m and ECS_TASK_ID.match(m.group(1)), t["taskArn"]
    tid = m.group(1)
    assert t["clusterArn"] == arn(env, f"cluster/{cluster}")
    assert t["taskDefinitionArn"] == td_arn
    assert t["lastStatus"] == status
    assert t["desiredStatus"] == "RUNNING"
    assert t["launchType"] == "FARGATE"
    assert t["platformVersion"] == "1.4.0"
    assert t["platformFamily"] == "Linux"
    assert t["cpu"] == cpu and t["memory"] == memory
    assert t["group"] == (group or f"family:{family}")
    assert_recent(t["createdAt"])
    assert isinstance(t["version"], int) and t["version"] >= 1, t.get("version")
    assert t["ephemeralStorage"] == {"sizeInGiB": 20}
    assert t["attributes"] == [{"name": "ecs.cpu-architecture", "value": "x86_64"}]
    assert t["overrides"] == {
        "containerOverrides": [{"name": n} for n, _ in containers],
        "inferenceAcceleratorOverrides": [],
    }
    for absent in ("stopCode", "stoppedReason", "stoppedAt", "stoppingAt",
                   "executionStoppedAt"):
        assert absent not in t, (absent, t.get(absent))

    att = eni_attachment(t)
    assert UUID_RE.match(att["id"]), att
    d = att_details(att)
    assert d["subnetId"] in subnets, (d, subnets)
    assert t["availabilityZone"] == env.az[d["subnetId"]]
    assert ENI_ID.match(d["networkInterfaceId"]), d
    assert MAC_RE.match(d["macAddress"]), d
    ip = d["privateIPv4Address"]
    assert ipaddress.ip_address(ip) in ipaddress.ip_network(env.cidr[d["subnetId"]])
    assert d["privateDnsName"] == f"ip-{ip.replace('.', '-')}.ec2.internal", d

    if status == "RUNNING":
        assert att["status"] == "ATTACHED", att
        assert t["connectivity"] == "CONNECTED"
        for ts in ("connectivityAt", "pullStartedAt", "pullStoppedAt", "startedAt"):
            assert_recent(t[ts])
        assert t["createdAt"] <= t["pullStartedAt"] <= t["pullStoppedAt"] <= t["startedAt"]
        assert t["connectivityAt"] <= t["startedAt"]

    assert [(c["name"], c["image"]) for c in t["containers"]] == list(containers)
    arns = set()
    for c in t["containers"]:
        cm = re.match(
            rf"^arn:aws:ecs:us-east-1:{env.account}:container/{re.escape(cluster)}/{tid}/(.+)$",
            c["containerArn"])
        assert cm and UUID_RE.match(cm.group(1)), c["containerArn"]
        arns.add(c["containerArn"])
        assert c["taskArn"] == t["taskArn"]
        if status == "RUNNING":
            assert c["lastStatus"] == "RUNNING", c
        assert c["healthStatus"] == "UNKNOWN", c
        assert isinstance(c["cpu"], str), c
        assert c["networkInterfaces"] == [
            {"attachmentId": att["id"], "privateIpv4Address": ip}], c
    assert len(arns) == len(t["containers"])


# ---------------------------------------------------------------------------
# The issue: run a Fargate task, wait for it, describe it
# ---------------------------------------------------------------------------
def test_issue_flow_run_task_wait_and_describe(env):
    e = env.ecs
    cluster = e.create_cluster(clusterName="app")["cluster"]
    assert cluster["clusterArn"] == arn(env, "cluster/app")
    assert cluster["status"] == "ACTIVE"

    td = register(env)
    td_arn = arn(env, "task-definition/web:1")
    assert td["taskDefinitionArn"] == td_arn

    resp = e.run_task(
        cluster="app", taskDefinition="web", launchType="FARGATE",
        networkConfiguration=netcfg(env, [env.s1], [env.sg]),
        tags=[{"key": "team", "value": "payments"}],
    )
    assert resp["failures"] == []
    assert len(resp["tasks"]) == 1
    started = resp["tasks"][0]
    assert started["lastStatus"] == "PROVISIONING"
    assert started["desiredStatus"] == "RUNNING"
    assert ecs_tags(started["tags"]) == {"team": "payments"}
    assert eni_attachment(started)["status"] == "PRECREATED"
    task_arn = started["taskArn"]

    e.get_waiter("tasks_running").wait(cluster="app", tasks=[task_arn], WaiterConfig=FAST)

    unknown = arn(env, f"task/app/{UNKNOWN_TASK_ID}")
    out = e.describe_tasks(cluster="app", tasks=[task_arn, unknown], include=["TAGS"])
    assert out["failures"] == [{"arn": unknown, "reason": "MISSING"}]
    assert [t["taskArn"] for t in out["tasks"]] == [task_arn]
    t = out["tasks"][0]
    assert_fargate_task(env, t, cluster="app", td_arn=td_arn, family="web", subnets=[env.s1])
    assert ecs_tags(t["tags"]) == {"team": "payments"}
    assert t["createdAt"] == started["createdAt"]
    assert t["version"] > started["version"]
    assert "startedBy" not in t

    # without include=TAGS there are no tags
    assert "tags" not in describe(env, task_arn)

    # the ENI is a real EC2 network interface
    d = att_details(eni_attachment(t))
    eni = env.ec2.describe_network_interfaces(
        NetworkInterfaceIds=[d["networkInterfaceId"]])["NetworkInterfaces"][0]
    assert eni["PrivateIpAddress"] == d["privateIPv4Address"]
    assert eni["MacAddress"] == d["macAddress"]
    assert eni["SubnetId"] == env.s1
    assert eni["PrivateDnsName"] == d["privateDnsName"]

    # ListTasks shows it, the cluster counts it
    assert list_tasks(env) == [task_arn]
    c = e.describe_clusters(clusters=["app"])["clusters"][0]
    assert (c["runningTasksCount"], c["pendingTasksCount"], c["activeServicesCount"]) == (1, 0, 0)


def test_names_and_arns_are_interchangeable(env):
    e = env.ecs
    cluster_arn = e.create_cluster(clusterName="app")["cluster"]["clusterArn"]
    td = register(env)
    register(env)  # web:2
    # by ARN of revision 1, by family:rev, by family (latest)
    by_arn = run(env, cluster=cluster_arn, td=td["taskDefinitionArn"])[0]
    by_rev = run(env, td="web:1")[0]
    by_family = run(env, td="web")[0]
    assert by_arn["taskDefinitionArn"] == arn(env, "task-definition/web:1")
    assert by_rev["taskDefinitionArn"] == arn(env, "task-definition/web:1")
    assert by_family["taskDefinitionArn"] == arn(env, "task-definition/web:2")
    assert by_arn["clusterArn"] == cluster_arn

    tid = task_id(by_arn["taskArn"])
    for cluster in ("app", cluster_arn):
        for ref in (tid, by_arn["taskArn"]):
            got = e.describe_tasks(cluster=cluster, tasks=[ref])
            assert [t["taskArn"] for t in got["tasks"]] == [by_arn["taskArn"]]
            assert got["failures"] == []
    stopped = e.stop_task(cluster=cluster_arn, task=tid)["task"]
    assert stopped["taskArn"] == by_arn["taskArn"]
    assert stopped["desiredStatus"] == "STOPPED"

    svc = create_service(env, cluster=cluster_arn, td=td["taskDefinitionArn"], desired=0)
    assert svc["taskDefinition"] == td["taskDefinitionArn"]
    for ref in ("web", svc["serviceArn"]):
        assert service(env, ref, cluster=cluster_arn)["serviceArn"] == svc["serviceArn"]
    updated = e.update_service(cluster="app", service=svc["serviceArn"], desiredCount=1)
    assert updated["service"]["desiredCount"] == 1


# ---------------------------------------------------------------------------
# Clusters
# ---------------------------------------------------------------------------
def test_create_cluster_defaults_and_idempotence(env):
    e = env.ecs
    c = e.create_cluster(clusterName="app", tags=[{"key": "env", "value": "dev"}])["cluster"]
    assert c["clusterArn"] == arn(env, "cluster/app")
    assert c["clusterName"] == "app"
    assert c["status"] == "ACTIVE"
    for count in ("registeredContainerInstancesCount", "runningTasksCount",
                  "pendingTasksCount", "activeServicesCount"):
        assert c[count] == 0, count
    assert c["settings"] == [{"name": "containerInsights", "value": "disabled"}]
    assert ecs_tags(c["tags"]) == {"env": "dev"}
    assert "serviceConnectDefaults" not in c

    again = e.create_cluster(clusterName="app")["cluster"]
    assert again["clusterArn"] == c["clusterArn"]
    assert again["status"] == "ACTIVE"
    assert e.list_clusters()["clusterArns"] == [c["clusterArn"]]

    insights = e.create_cluster(
        clusterName="metrics", settings=[{"name": "containerInsights", "value": "enabled"}]
    )["cluster"]
    assert insights["settings"] == [{"name": "containerInsights", "value": "enabled"}]


def test_default_cluster_does_not_exist_until_created(env):
    e = env.ecs
    register(env)
    with raises_code("ClusterNotFoundException") as ei:
        e.run_task(taskDefinition="web", launchType="FARGATE",
                   networkConfiguration=netcfg(env))
    assert err_message(ei) == "Cluster not found."
    with raises_code("ClusterNotFoundException"):
        e.list_tasks()
    with raises_code("ClusterNotFoundException"):
        e.list_services()
    with raises_code("ClusterNotFoundException"):
        e.describe_tasks(tasks=[UNKNOWN_TASK_ID])
    resp = e.describe_clusters()
    assert resp["clusters"] == []
    assert resp["failures"] == [{"arn": arn(env, "cluster/default"), "reason": "MISSING"}]

    created = e.create_cluster()["cluster"]
    assert created["clusterName"] == "default"
    assert created["clusterArn"] == arn(env, "cluster/default")
    task = e.run_task(taskDefinition="web", launchType="FARGATE",
                      networkConfiguration=netcfg(env))["tasks"][0]
    assert task["clusterArn"] == arn(env, "cluster/default")
    assert e.list_tasks()["taskArns"] == [task["taskArn"]]
    assert [c["clusterName"] for c in e.describe_clusters()["clusters"]] == ["default"]


def test_describe_clusters_includes_and_failures(env):
    e = env.ecs
    e.create_cluster(clusterName="app", tags=[{"key": "env", "value": "dev"}])
    resp = e.describe_clusters(clusters=["app", arn(env, "cluster/app"), "ghost"])
    assert [c["clusterArn"] for c in resp["clusters"]] == [arn(env, "cluster/app")] * 2
    assert resp["failures"] == [{"arn": arn(env, "cluster/ghost"), "reason": "MISSING"}]
    plain = resp["clusters"][0]
    assert "tags" not in plain
    assert "settings" not in plain

    tagged = e.describe_clusters(clusters=["app"], include=["TAGS"])["clusters"][0]
    assert ecs_tags(tagged["tags"]) == {"env": "dev"}
    assert "settings" not in tagged
    both = e.describe_clusters(clusters=["app"], include=["TAGS", "SETTINGS"])["clusters"][0]
    assert both["settings"] == [{"name": "containerInsights", "value": "disabled"}]
    assert ecs_tags(both["tags"]) == {"env": "dev"}


def test_update_cluster_settings(env):
    e = env.ecs
    e.create_cluster(clusterName="app")
    c = e.update_cluster_settings(
        cluster="app", settings=[{"name": "containerInsights", "value": "enabled"}])["cluster"]
    assert c["clusterArn"] == arn(env, "cluster/app")
    assert c["settings"] == [{"name": "containerInsights", "value": "enabled"}]
    got = e.describe_clusters(clusters=["app"], include=["SETTINGS"])["clusters"][0]
    assert got["settings"] == [{"name": "containerInsights", "value": "enabled"}]
    with raises_code("ClusterNotFoundException"):
        e.update_cluster_settings(
            cluster="ghost", settings=[{"name": "containerInsights", "value": "enabled"}])


def test_list_clusters_paging_and_bounds(env):
    e = env.ecs
    names = ["a1", "a2", "a3", "a4", "a5"]
    for n in names:
        e.create_cluster(clusterName=n)
    want = {arn(env, f"cluster/{n}") for n in names}
    assert set(e.list_clusters()["clusterArns"]) == want

    pages = list(e.get_paginator("list_clusters").paginate(PaginationConfig={"PageSize": 2}))
    assert [len(p["clusterArns"]) for p in pages] == [2, 2, 1]
    assert "nextToken" not in pages[-1]
    seen = [a for p in pages for a in p["clusterArns"]]
    assert len(seen) == len(set(seen)) and set(seen) == want

    first = e.list_clusters(maxResults=3)
    assert len(first["clusterArns"]) == 3 and first["nextToken"]
    rest = e.list_clusters(maxResults=3, nextToken=first["nextToken"])
    assert len(rest["clusterArns"]) == 2 and "nextToken" not in rest
    assert set(first["clusterArns"]) | set(rest["clusterArns"]) == want

    for bad in (0, 101):
        with raises_code("InvalidParameterException"):
            e.list_clusters(maxResults=bad)
    assert len(e.list_clusters(maxResults=100)["clusterArns"]) == 5

    e.delete_cluster(cluster="a3")
    assert set(e.list_clusters()["clusterArns"]) == want - {arn(env, "cluster/a3")}


def test_delete_cluster(env):
    e = env.ecs
    e.create_cluster(clusterName="app")
    gone = e.delete_cluster(cluster="app")["cluster"]
    assert gone["clusterArn"] == arn(env, "cluster/app")
    assert gone["status"] == "INACTIVE"
    resp = e.describe_clusters(clusters=["app"])
    assert [c["status"] for c in resp["clusters"]] == ["INACTIVE"]
    assert resp["failures"] == []
    assert e.list_clusters()["clusterArns"] == []
    # an INACTIVE cluster takes no tasks
    register(env)
    with raises_code("ClusterNotFoundException"):
        e.run_task(cluster="app", taskDefinition="web", launchType="FARGATE",
                   networkConfiguration=netcfg(env))
    # the name can be used again
    again = e.create_cluster(clusterName="app")["cluster"]
    assert again["status"] == "ACTIVE"
    assert e.list_clusters()["clusterArns"] == [arn(env, "cluster/app")]

    with raises_code("ClusterNotFoundException") as ei:
        e.delete_cluster(cluster="ghost")
    assert err_message(ei) == "Cluster not found."


def test_delete_cluster_with_services_or_tasks(env):
    e = env.ecs
    e.create_cluster(clusterName="app")
    register(env)
    create_service(env, desired=0)
    with raises_code("ClusterContainsServicesException"):
        e.delete_cluster(cluster="app")
    e.delete_service(cluster="app", service="web")
    wait(env, "services_inactive", services=["web"])

    task = run(env)[0]
    with raises_code("ClusterContainsTasksException"):
        e.delete_cluster(cluster="app")
    e.stop_task(cluster="app", task=task["taskArn"])
    wait(env, "tasks_stopped", tasks=[task["taskArn"]])
    assert e.delete_cluster(cluster="app")["cluster"]["status"] == "INACTIVE"


def test_cluster_counts_follow_tasks_and_services(env):
    e = env.ecs
    e.create_cluster(clusterName="app")
    register(env)
    create_service(env, desired=2)
    wait(env, "services_stable", services=["web"])
    t = run(env)[0]
    wait(env, "tasks_running", tasks=[t["taskArn"]])
    c = e.describe_clusters(clusters=["app"])["clusters"][0]
    assert (c["runningTasksCount"], c["pendingTasksCount"], c["activeServicesCount"]) == (3, 0, 1)

    e.stop_task(cluster="app", task=t["taskArn"])
    wait(env, "tasks_stopped", tasks=[t["taskArn"]])
    e.delete_service(cluster="app", service="web", force=True)
    wait(env, "services_inactive", services=["web"])
    c = e.describe_clusters(clusters=["app"])["clusters"][0]
    assert (c["runningTasksCount"], c["pendingTasksCount"], c["activeServicesCount"]) == (0, 0, 0)


def test_cluster_service_connect_defaults(env):
    e = env.ecs
    c = e.create_cluster(clusterName="app",
                         serviceConnectDefaults={"namespace": "internal"})["cluster"]
    ns = c["serviceConnectDefaults"]["namespace"]
    m = re.match(rf"^arn:aws:servicediscovery:us-east-1:{env.account}:namespace/(.+)$", ns)
    assert m and CLOUDMAP_NAMESPACE_ID.match(m.group(1)), ns
    # the namespace now exists: by name or ARN, another cluster gets the same one
    by_name = e.create_cluster(clusterName="other",
                               serviceConnectDefaults={"namespace": "internal"})["cluster"]
    assert by_name["serviceConnectDefaults"]["namespace"] == ns
    by_arn = e.create_cluster(clusterName="third",
                              serviceConnectDefaults={"namespace": ns})["cluster"]
    assert by_arn["serviceConnectDefaults"]["namespace"] == ns
    got = e.describe_clusters(clusters=["app"])["clusters"][0]
    assert got["serviceConnectDefaults"] == {"namespace": ns}

    foreign_account = f"arn:aws:servicediscovery:us-east-1:111122223333:namespace/{m.group(1)}"
    other_region = f"arn:aws:servicediscovery:us-west-2:{env.account}:namespace/{m.group(1)}"
    for bad in (foreign_account, other_region):
        with raises_code("InvalidParameterException"):
            e.create_cluster(clusterName="bad", serviceConnectDefaults={"namespace": bad})
    assert arn(env, "cluster/bad") not in e.list_clusters()["clusterArns"]


# ---------------------------------------------------------------------------
# Task definitions
# ---------------------------------------------------------------------------
def test_register_fargate_task_definition(env):
    e = env.ecs
    resp = e.register_task_definition(
        family="web",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[
            {"name": "web", "image": "nginx:latest",
             "portMappings": [{"containerPort": 80, "name": "http", "appProtocol": "http"}]},
            {"name": "log", "image": "fluent/fluent-bit:latest", "essential": False,
             "cpu": 64, "environment": [{"name": "LEVEL", "value": "info"}]},
        ],
        tags=[{"key": "team", "value": "web"}],
    )
    td = resp["taskDefinition"]
    assert td["taskDefinitionArn"] == arn(env, "task-definition/web:1")
    assert td["family"] == "web"
    assert td["revision"] == 1
    assert td["status"] == "ACTIVE"
    assert td["compatibilities"] == ["EC2", "FARGATE"]
    assert td["requiresCompatibilities"] == ["FARGATE"]
    assert td["networkMode"] == "awsvpc"
    assert td["cpu"] == "256" and td["memory"] == "512"
    assert_recent(td["registeredAt"])
    assert re.match(rf"^arn:aws:(iam|sts)::{env.account}:.+", td["registeredBy"]), td
    assert "deregisteredAt" not in td
    assert ecs_tags(resp["tags"]) == {"team": "web"}
    assert "tags" not in td

    web, log = td["containerDefinitions"]
    assert web["name"] == "web" and web["image"] == "nginx:latest"
    assert web["cpu"] == 0
    assert web["essential"] is True
    assert web["environment"] == []
    assert web["mountPoints"] == []
    assert web["volumesFrom"] == []
    assert web["portMappings"] == [{"containerPort": 80, "hostPort": 80, "protocol": "tcp",
                                    "name": "http", "appProtocol": "http"}]
    assert log["essential"] is False
    assert log["cpu"] == 64
    assert log["environment"] == [{"name": "LEVEL", "value": "info"}]
    assert log["portMappings"] == []

    # revisions go up, never reused
    assert register(env)["revision"] == 2
    e.deregister_task_definition(taskDefinition="web:2")
    third = register(env)
    assert third["revision"] == 3
    assert third["taskDefinitionArn"] == arn(env, "task-definition/web:3")
    assert register(env, family="worker")["revision"] == 1


def test_register_cpu_memory_units_and_ec2_compatibility(env):
    td = register(env, family="big", cpu="1 vCPU", memory="2 GB")
    assert td["cpu"] == "1024"
    assert td["memory"] == "2048"

    ec2_td = env.ecs.register_task_definition(
        family="classic",
        containerDefinitions=[{"name": "app", "image": "busybox", "memory": 128}],
    )["taskDefinition"]
    assert ec2_td["compatibilities"] == ["EXTERNAL", "EC2"]
    assert ec2_td["status"] == "ACTIVE"
    assert ec2_td["containerDefinitions"][0]["essential"] is True


@pytest.mark.parametrize("change", [
    {"networkMode": "bridge"},
    {"networkMode": "host"},
    {"cpu": None},
    {"memory": None},
    {"cpu": "256", "memory": "4096"},
    {"cpu": "4096", "memory": "512"},
    {"cpu": "300"},
], ids=["bridge", "host", "no-cpu", "no-memory", "256-4096", "4096-512", "odd-cpu"])
def test_register_fargate_rules(env, change):
    params = {"cpu": "256", "memory": "512", "networkMode": "awsvpc"}
    params.update(change)
    kwargs = {k: v for k, v in params.items() if v is not None}
    cpu = kwargs.pop("cpu", None)
    memory = kwargs.pop("memory", None)
    with raises_code("ClientException"):
        register(env, cpu=cpu, memory=memory, **kwargs)
    # nothing was registered
    assert env.ecs.list_task_definitions()["taskDefinitionArns"] == []


@pytest.mark.parametrize("containers", [
    [],
    [{"image": "nginx"}],
    [{"name": "web"}],
    [{"name": "web", "image": "nginx"}, {"name": "web", "image": "redis"}],
    [{"name": "a", "image": "nginx", "portMappings": [{"containerPort": 80, "name": "p"}]},
     {"name": "b", "image": "nginx", "portMappings": [{"containerPort": 81, "name": "p"}]}],
], ids=["empty", "no-name", "no-image", "duplicate-names", "duplicate-port-names"])
def test_register_container_rules(env, ecs_unvalidated, containers):
    e = ecs_unvalidated(account=env.account)
    with raises_code("ClientException"):
        e.register_task_definition(family="web", networkMode="awsvpc",
                                   requiresCompatibilities=["FARGATE"], cpu="256",
                                   memory="512", containerDefinitions=containers)
    assert env.ecs.list_task_definitions()["taskDefinitionArns"] == []


def test_register_requires_family_and_containers(env, ecs_unvalidated):
    e = ecs_unvalidated(account=env.account)
    with pytest.raises(ClientError) as ei:
        e.register_task_definition(containerDefinitions=[container()])
    assert ei.value.response["Error"]["Code"] in ("ClientException", "InvalidParameterException")
    assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as ei:
        e.register_task_definition(family="web")
    assert ei.value.response["Error"]["Code"] in ("ClientException", "InvalidParameterException")
    assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert env.ecs.list_task_definitions()["taskDefinitionArns"] == []


def test_describe_task_definition(env):
    e = env.ecs
    first = register(env, tags=[{"key": "team", "value": "web"}])
    second = register(env, containers=[container(image="nginx:1.27")])
    for ref, want in (("web", second), ("web:1", first), ("web:2", second),
                      (first["taskDefinitionArn"], first)):
        got = e.describe_task_definition(taskDefinition=ref)
        assert got["taskDefinition"]["taskDefinitionArn"] == want["taskDefinitionArn"], ref
        assert got["taskDefinition"]["containerDefinitions"] == want["containerDefinitions"]
        assert got.get("tags", []) == []
    tagged = e.describe_task_definition(taskDefinition="web:1", include=["TAGS"])
    assert ecs_tags(tagged["tags"]) == {"team": "web"}

    for bad in ("nope", "web:9", arn(env, "task-definition/nope:1")):
        with raises_code("ClientException") as ei:
            e.describe_task_definition(taskDefinition=bad)
        assert err_message(ei) == "Unable to describe task definition.", bad


def test_deregister_task_definition(env):
    e = env.ecs
    e.create_cluster(clusterName="app")
    register(env)
    register(env)
    td = e.deregister_task_definition(taskDefinition="web:1")["taskDefinition"]
    assert td["taskDefinitionArn"] == arn(env, "task-definition/web:1")
    assert td["status"] == "INACTIVE"
    assert_recent(td["deregisteredAt"])
    assert td["deregisteredAt"] >= td["registeredAt"]
    assert td["containerDefinitions"][0]["name"] == "web"

    still = e.describe_task_definition(taskDefinition="web:1")["taskDefinition"]
    assert still["status"] == "INACTIVE"
    assert still["deregisteredAt"] == td["deregisteredAt"]
    assert e.describe_task_definition(taskDefinition="web")["taskDefinition"]["revision"] == 2

    by_arn = e.deregister_task_definition(
        taskDefinition=arn(env, "task-definition/web:2"))["taskDefinition"]
    assert by_arn["status"] == "INACTIVE"

    with raises_code("ClientException"):
        e.deregister_task_definition(taskDefinition="web")
    with raises_code("ClientException"):
        e.deregister_task_definition(taskDefinition="web:9")

    with raises_code("ClientException"):
        e.run_task(cluster="app", taskDefinition="web:1", launchType="FARGATE",
                   networkConfiguration=netcfg(env))
    with raises_code("ClientException"):
        create_service(env, td="web:2")


def test_list_task_definitions_and_families(env):
    e = env.ecs
    for _ in range(3):
        register(env, family="web")
    register(env, family="worker")
    web = [arn(env, f"task-definition/web:{r}") for r in (1, 2, 3)]
    worker = arn(env, "task-definition/worker:1")
    assert set(e.list_task_definitions()["taskDefinitionArns"]) == set(web) | {worker}

    assert e.list_task_definitions(familyPrefix="web")["taskDefinitionArns"] == web
    assert e.list_task_definitions(familyPrefix="web", sort="ASC")["taskDefinitionArns"] == web
    assert e.list_task_definitions(familyPrefix="web",
                                   sort="DESC")["taskDefinitionArns"] == web[::-1]
    assert e.list_task_definitions(familyPrefix="worker")["taskDefinitionArns"] == [worker]

    e.deregister_task_definition(taskDefinition="web:2")
    assert e.list_task_definitions(familyPrefix="web",
                                   status="INACTIVE")["taskDefinitionArns"] == [web[1]]
    assert e.list_task_definitions(familyPrefix="web",
                                   status="ACTIVE")["taskDefinitionArns"] == [web[0], web[2]]

    pages = list(e.get_paginator("list_task_definitions").paginate(
        PaginationConfig={"PageSize": 2}))
    assert [len(p["taskDefinitionArns"]) for p in pages] == [2, 1]
    assert "nextToken" not in pages[-1]
    paged = [a for p in pages for a in p["taskDefinitionArns"]]
    assert sorted(paged) == sorted([web[0], web[2], worker])
    for bad in (0, 101):
        with raises_code("InvalidParameterException"):
            e.list_task_definitions(maxResults=bad)

    assert sorted(e.list_task_definition_families()["families"]) == ["web", "worker"]
    assert e.list_task_definition_families(familyPrefix="wo")["families"] == ["worker"]
    assert e.list_task_definition_families(familyPrefix="we")["families"] == ["web"]
    # a family with no ACTIVE revision left is INACTIVE
    e.deregister_task_definition(taskDefinition="worker:1")
    assert e.list_task_definition_families(status="ACTIVE")["families"] == ["web"]
    assert e.list_task_definition_families(status="INACTIVE")["families"] == ["worker"]
    assert sorted(e.list_task_definition_families(status="ALL")["families"]) == [
        "web", "worker"]


def test_list_task_definitions_family_prefix_is_the_whole_family(env):
    """ListTaskDefinitions' ``familyPrefix`` is "the full family name" (API reference);
    only ListTaskDefinitionFamilies matches by prefix."""
    e = env.ecs
    register(env, family="web")
    register(env, family="webhook")
    assert e.list_task_definitions(familyPrefix="web")["taskDefinitionArns"] == [
        arn(env, "task-definition/web:1")]
    assert e.list_task_definitions(familyPrefix="we")["taskDefinitionArns"] == []
    assert sorted(e.list_task_definition_families(familyPrefix="web")["families"]) == [
        "web", "webhook"]


# ---------------------------------------------------------------------------
# RunTask, DescribeTasks, ListTasks, StopTask
# ---------------------------------------------------------------------------
@pytest.fixture
def app(env):
    """``env`` plus cluster ``app`` and task definition ``web:1`` (the issue's)."""
    env.ecs.create_cluster(clusterName="app")
    env.td = register(env)
    return env


def test_run_task_options(app):
    e = app.ecs
    tasks = run(app, count=2, startedBy="batch-7", group="nightly",
                networkConfiguration=netcfg(app, [app.s1, app.s2], [app.sg]),
                tags=[{"key": "k", "value": "v"}])
    for t in tasks:
        assert t["startedBy"] == "batch-7"
        assert t["group"] == "nightly"
        assert ecs_tags(t["tags"]) == {"k": "v"}
    wait(app, "tasks_running", tasks=[t["taskArn"] for t in tasks])
    for t in tasks:
        got = describe(app, t["taskArn"])
        assert_fargate_task(app, got, cluster="app", td_arn=app.td["taskDefinitionArn"],
                            family="web", subnets=[app.s1, app.s2], group="nightly")
        assert got["startedBy"] == "batch-7"

    # A strategy uses only providers associated with the cluster (AWS refuses
    # others: "...not associated with the cluster...").
    e.put_cluster_capacity_providers(cluster="app", capacityProviders=["FARGATE", "FARGATE_SPOT"],
                                     defaultCapacityProviderStrategy=[])
    spot = run(app, capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT",
                                               "weight": 1}])[0]
    assert spot["launchType"] == "FARGATE"
    assert spot["capacityProviderName"] == "FARGATE_SPOT"
    plain = run(app, capacityProviderStrategy=[{"capacityProvider": "FARGATE"}])[0]
    assert plain["capacityProviderName"] == "FARGATE"
    assert plain["launchType"] == "FARGATE"

    ten = run(app, count=10)
    assert len({t["taskArn"] for t in ten}) == 10
    assert len(e.list_tasks(cluster="app", maxResults=100)["taskArns"]) == 14


def test_tasks_round_robin_over_subnets(app):
    tasks = run(app, count=4, networkConfiguration=netcfg(app, [app.s1, app.s2], [app.sg]))
    subnets = [att_details(eni_attachment(t))["subnetId"] for t in tasks]
    assert Counter(subnets) == {app.s1: 2, app.s2: 2}, subnets
    assert subnets[0] != subnets[1] and subnets[2] != subnets[3], subnets
    for t, s in zip(tasks, subnets):
        assert t["availabilityZone"] == app.az[s]
    ips = [att_details(eni_attachment(t))["privateIPv4Address"] for t in tasks]
    assert len(set(ips)) == 4
    enis = {att_details(eni_attachment(t))["networkInterfaceId"] for t in tasks}
    assert len(enis) == 4


def test_task_eni_in_ec2_appears_and_disappears(app):
    c = app.ec2
    assert enis_of(app) == []
    task = run(app, networkConfiguration=netcfg(app, [app.s2], [app.sg]))[0]
    wait(app, "tasks_running", tasks=[task["taskArn"]])
    t = describe(app, task["taskArn"])
    d = att_details(eni_attachment(t))
    enis = enis_of(app)
    assert [x["NetworkInterfaceId"] for x in enis] == [d["networkInterfaceId"]]
    eni = enis[0]
    assert eni["InterfaceType"] == "interface"
    assert eni["RequesterManaged"] is True
    assert eni["Status"] == "in-use"
    assert eni["VpcId"] == app.vpc
    assert eni["SubnetId"] == app.s2
    assert eni["AvailabilityZone"] == "us-east-1b"
    assert [g["GroupId"] for g in eni["Groups"]] == [app.sg]
    assert eni["PrivateIpAddress"] == d["privateIPv4Address"]
    assert eni["MacAddress"] == d["macAddress"]
    assert "Association" not in eni  # assignPublicIp defaults to DISABLED
    # the address is taken from the subnet
    subnet = c.describe_subnets(SubnetIds=[app.s2])["Subnets"][0]
    assert subnet["AvailableIpAddressCount"] == 250

    app.ecs.stop_task(cluster="app", task=task["taskArn"])
    wait(app, "tasks_stopped", tasks=[task["taskArn"]])
    assert enis_of(app) == []
    with raises_code("InvalidNetworkInterfaceID.NotFound"):
        c.describe_network_interfaces(NetworkInterfaceIds=[d["networkInterfaceId"]])
    stopped = describe(app, task["taskArn"])
    assert eni_attachment(stopped)["status"] == "DELETED"
    assert c.describe_subnets(SubnetIds=[app.s2])["Subnets"][0]["AvailableIpAddressCount"] == 251


def test_task_eni_default_security_group_and_public_ip(app):
    task = run(app, networkConfiguration=netcfg(app, [app.s1], None, public="ENABLED"))[0]
    wait(app, "tasks_running", tasks=[task["taskArn"]])
    d = att_details(eni_attachment(describe(app, task["taskArn"])))
    eni = app.ec2.describe_network_interfaces(
        NetworkInterfaceIds=[d["networkInterfaceId"]])["NetworkInterfaces"][0]
    assert [g["GroupId"] for g in eni["Groups"]] == [app.default_sg]
    public_ip = eni["Association"]["PublicIp"]
    assert ipaddress.ip_address(public_ip).is_global, public_ip

    disabled = run(app, networkConfiguration=netcfg(app, [app.s1], [app.sg], "DISABLED"))[0]
    d2 = att_details(eni_attachment(disabled))
    eni2 = app.ec2.describe_network_interfaces(
        NetworkInterfaceIds=[d2["networkInterfaceId"]])["NetworkInterfaces"][0]
    assert "Association" not in eni2


def test_stop_task_and_tasks_stopped_waiter(app):
    e = app.ecs
    tasks = run(app, count=2)
    arns = [t["taskArn"] for t in tasks]
    wait(app, "tasks_running", tasks=arns)

    resp = e.stop_task(cluster="app", task=arns[0])["task"]
    assert resp["taskArn"] == arns[0]
    assert resp["desiredStatus"] == "STOPPED"
    assert resp["lastStatus"] == "DEACTIVATING"
    assert resp["stopCode"] == "UserInitiated"
    assert resp["stoppedReason"] == "Task stopped by user"
    assert_recent(resp["stoppingAt"])
    resp = e.stop_task(cluster="app", task=arns[1], reason="rolling back")["task"]
    assert resp["stoppedReason"] == "rolling back"

    wait(app, "tasks_stopped", tasks=arns)
    for task_arn, reason in zip(arns, ("Task stopped by user", "rolling back")):
        t = describe(app, task_arn)
        assert t["lastStatus"] == "STOPPED"
        assert t["desiredStatus"] == "STOPPED"
        assert t["stopCode"] == "UserInitiated"
        assert t["stoppedReason"] == reason
        assert t["startedAt"] <= t["stoppingAt"] <= t["executionStoppedAt"] <= t["stoppedAt"]
        assert t["connectivity"] == "CONNECTED"
        for c in t["containers"]:
            assert c["lastStatus"] == "STOPPED"
            assert c["exitCode"] == 0

    assert e.list_tasks(cluster="app")["taskArns"] == []
    assert set(e.list_tasks(cluster="app", desiredStatus="STOPPED")["taskArns"]) == set(arns)
    # stopping a stopped task is fine and changes nothing
    again = e.stop_task(cluster="app", task=arns[1], reason="again")["task"]
    assert again["lastStatus"] == "STOPPED"
    assert again["stoppedReason"] == "rolling back"


def test_stop_task_errors(app):
    e = app.ecs
    with raises_code("InvalidParameterException") as ei:
        e.stop_task(cluster="app", task=UNKNOWN_TASK_ID)
    assert err_message(ei) == "The referenced task was not found."
    with raises_code("InvalidParameterException"):
        e.stop_task(cluster="app", task=arn(app, f"task/app/{UNKNOWN_TASK_ID}"))
    with raises_code("InvalidParameterException"):
        e.stop_task(cluster="app", task="nope")
    with raises_code("ClusterNotFoundException"):
        e.stop_task(cluster="ghost", task=UNKNOWN_TASK_ID)


def test_run_task_errors(app, ecs_unvalidated):
    e = app.ecs
    nc = netcfg(app, groups=[app.sg])
    with raises_code("InvalidParameterException"):
        e.run_task(cluster="app", taskDefinition="web", launchType="FARGATE",
                   capacityProviderStrategy=[{"capacityProvider": "FARGATE"}],
                   networkConfiguration=nc)
    for count in (0, 11):
        with raises_code("InvalidParameterException"):
            e.run_task(cluster="app", taskDefinition="web", launchType="FARGATE",
                       count=count, networkConfiguration=nc)
    with raises_code("InvalidParameterException") as ei:
        e.run_task(cluster="app", taskDefinition="web", launchType="FARGATE")
    assert err_message(ei) == (
        "Network Configuration must be provided when networkMode 'awsvpc' is specified.")
    with raises_code("InvalidParameterException"):
        e.run_task(cluster="app", taskDefinition="web", launchType="FARGATE",
                   networkConfiguration=netcfg(app, [UNKNOWN_SUBNET], [app.sg]))
    with raises_code("InvalidParameterException"):
        e.run_task(cluster="app", taskDefinition="web", launchType="FARGATE",
                   networkConfiguration=netcfg(app, [app.s1], [UNKNOWN_SG]))
    with raises_code("ClusterNotFoundException") as ei:
        e.run_task(cluster="ghost", taskDefinition="web", launchType="FARGATE",
                   networkConfiguration=nc)
    assert err_message(ei) == "Cluster not found."
    for td in ("nope", "web:7", arn(app, "task-definition/nope:1")):
        with raises_code("ClientException"):
            e.run_task(cluster="app", taskDefinition=td, launchType="FARGATE",
                       networkConfiguration=nc)
    with raises_code("InvalidParameterException"):
        ecs_unvalidated(account=app.account).run_task(
            cluster="app", launchType="FARGATE", networkConfiguration=nc)

    # EC2 without container instances: ECS refuses the call
    # (ecs-failure-texts.md §4, quoted from real output)
    with raises_code("InvalidParameterException") as exc:
        e.run_task(cluster="app", taskDefinition="web", launchType="EC2", networkConfiguration=nc)
    assert err_message(exc) == "No Container Instances were found in your cluster."

    # none of the failures left anything behind
    assert e.list_tasks(cluster="app")["taskArns"] == []
    assert enis_of(app) == []


def test_describe_tasks_errors_and_failures(app):
    e = app.ecs
    task = run(app)[0]
    with raises_code("InvalidParameterException") as ei:
        e.describe_tasks(cluster="app", tasks=[])
    assert err_message(ei) == "Tasks cannot be empty."
    with raises_code("InvalidParameterException"):
        e.describe_tasks(cluster="app", tasks=[UNKNOWN_TASK_ID] * 101)
    with raises_code("InvalidParameterException"):
        e.describe_tasks(cluster="app", tasks=["nope"])
    with raises_code("ClusterNotFoundException"):
        e.describe_tasks(cluster="ghost", tasks=[task["taskArn"]])

    resp = e.describe_tasks(cluster="app", tasks=[UNKNOWN_TASK_ID, task["taskArn"]])
    assert resp["failures"] == [
        {"arn": arn(app, f"task/app/{UNKNOWN_TASK_ID}"), "reason": "MISSING"}]
    assert [t["taskArn"] for t in resp["tasks"]] == [task["taskArn"]]
    assert "tags" not in resp["tasks"][0]
    hundred = e.describe_tasks(cluster="app", tasks=[task["taskArn"]] + [UNKNOWN_TASK_ID] * 99)
    assert len(hundred["tasks"]) == 1

    # the task of another cluster is unknown here
    e.create_cluster(clusterName="other")
    resp = e.describe_tasks(cluster="other", tasks=[task_id(task["taskArn"])])
    assert resp["tasks"] == []
    assert resp["failures"] == [
        {"arn": arn(app, f"task/other/{task_id(task['taskArn'])}"), "reason": "MISSING"}]


def test_list_tasks_filters_and_paging(app):
    e = app.ecs
    register(app, family="worker", containers=[container("worker", "busybox", port=None)])
    web = [t["taskArn"] for t in run(app, count=3)]
    batch = [t["taskArn"] for t in run(app, td="worker", count=2, startedBy="batch-1")]
    wait(app, "tasks_running", tasks=web + batch)

    assert set(list_tasks(app)) == set(web + batch)
    assert set(list_tasks(app, family="web")) == set(web)
    assert set(list_tasks(app, family="worker")) == set(batch)
    assert set(list_tasks(app, startedBy="batch-1")) == set(batch)
    assert set(list_tasks(app, launchType="FARGATE")) == set(web + batch)
    assert list_tasks(app, launchType="EC2") == []
    assert list_tasks(app, desiredStatus="STOPPED") == []

    pages = list(e.get_paginator("list_tasks").paginate(
        cluster="app", PaginationConfig={"PageSize": 2}))
    assert [len(p["taskArns"]) for p in pages] == [2, 2, 1]
    for bad in (0, 101):
        with raises_code("InvalidParameterException"):
            e.list_tasks(cluster="app", maxResults=bad)

    e.stop_task(cluster="app", task=web[0])
    wait(app, "tasks_stopped", tasks=[web[0]])
    assert set(list_tasks(app)) == set(web[1:] + batch)
    assert list_tasks(app, desiredStatus="STOPPED") == [web[0]]
    assert list_tasks(app, desiredStatus="STOPPED", family="worker") == []
    with raises_code("ServiceNotFoundException"):
        e.list_tasks(cluster="app", serviceName="ghost")


# ---------------------------------------------------------------------------
# Declared outcomes (awsemu.* docker labels)
# ---------------------------------------------------------------------------
def test_declared_exit_code(app):
    register(app, family="crash", containers=[
        container("app", "busybox", port=None, labels={"awsemu.exitCode": "3"}),
        container("sidecar", "busybox", port=None, essential=False),
    ])
    task = run(app, td="crash")[0]
    wait(app, "tasks_stopped", tasks=[task["taskArn"]])
    t = describe(app, task["taskArn"])
    assert t["lastStatus"] == "STOPPED"
    assert t["desiredStatus"] == "STOPPED"
    assert t["stopCode"] == "EssentialContainerExited"
    assert t["stoppedReason"] == "Essential container in task exited"
    assert "startedAt" in t  # it did reach RUNNING
    assert t["startedAt"] <= t["stoppedAt"]
    by_name = {c["name"]: c for c in t["containers"]}
    assert by_name["app"]["exitCode"] == 3
    assert by_name["app"]["lastStatus"] == "STOPPED"
    assert by_name["sidecar"]["lastStatus"] == "STOPPED"
    assert eni_attachment(t)["status"] == "DELETED"
    assert enis_of(app) == []


def test_declared_exit_with_custom_stop_code_and_reason(app):
    register(app, family="oom", containers=[container("app", "busybox", port=None, labels={
        "awsemu.exitCode": "137",
        "awsemu.stopCode": "SpotInterruption",
        "awsemu.stoppedReason": "Your Spot Task was interrupted.",
    })])
    task = run(app, td="oom")[0]
    wait(app, "tasks_stopped", tasks=[task["taskArn"]])
    t = describe(app, task["taskArn"])
    assert t["stopCode"] == "SpotInterruption"
    assert t["stoppedReason"] == "Your Spot Task was interrupted."
    assert t["containers"][0]["exitCode"] == 137


def test_declared_fail_to_start_and_tasks_running_waiter_fails(app):
    reason = ("CannotPullContainerError: pull image manifest has been retried 5 time(s): "
              "failed to resolve ref docker.io/library/nginx:nope: not found")
    register(app, family="broken", containers=[
        container("web", "nginx:nope", labels={"awsemu.failToStart": reason})])
    task = run(app, td="broken")[0]
    with pytest.raises(WaiterError) as ei:
        app.ecs.get_waiter("tasks_running").wait(cluster="app", tasks=[task["taskArn"]],
                                                 WaiterConfig=FAST)
    assert "terminal failure state" in str(ei.value), str(ei.value)
    assert ei.value.last_response["tasks"][0]["lastStatus"] == "STOPPED"

    t = describe(app, task["taskArn"])
    assert t["lastStatus"] == "STOPPED"
    assert t["desiredStatus"] == "STOPPED"
    assert t["stopCode"] == "TaskFailedToStart"
    assert t["stoppedReason"] == reason
    assert "startedAt" not in t
    assert_recent(t["stoppedAt"])
    c = t["containers"][0]
    assert c["lastStatus"] == "STOPPED"
    assert c["reason"] == reason
    assert enis_of(app) == []

    register(app, family="custom", containers=[container("web", "nginx", labels={
        "awsemu.failToStart": "ResourceInitializationError: unable to pull secrets",
        "awsemu.stopCode": "TerminationNotice"})])
    other = run(app, td="custom")[0]
    wait(app, "tasks_stopped", tasks=[other["taskArn"]])
    t = describe(app, other["taskArn"])
    assert t["stopCode"] == "TerminationNotice"
    assert t["stoppedReason"] == "ResourceInitializationError: unable to pull secrets"


def test_tasks_running_waiter_fails_on_missing_task(app):
    with pytest.raises(WaiterError) as ei:
        app.ecs.get_waiter("tasks_running").wait(cluster="app", tasks=[UNKNOWN_TASK_ID],
                                                 WaiterConfig=FAST)
    assert "terminal failure state" in str(ei.value), str(ei.value)


# ---------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------
def test_create_service_and_services_stable(app):
    e = app.ecs
    svc = create_service(app, tags=[{"key": "tier", "value": "front"}])
    assert svc["serviceArn"] == arn(app, "service/app/web")
    assert svc["serviceName"] == "web"
    assert svc["clusterArn"] == arn(app, "cluster/app")
    assert svc["status"] == "ACTIVE"
    assert svc["desiredCount"] == 2
    assert svc["runningCount"] == 0
    assert svc["launchType"] == "FARGATE"
    assert svc["platformVersion"] == "LATEST"
    assert svc["taskDefinition"] == app.td["taskDefinitionArn"]
    assert svc["schedulingStrategy"] == "REPLICA"
    assert svc["deploymentController"] == {"type": "ECS"}
    cfg = svc["deploymentConfiguration"]
    assert cfg["maximumPercent"] == 200
    assert cfg["minimumHealthyPercent"] == 100
    assert cfg["deploymentCircuitBreaker"] == {"enable": False, "rollback": False}
    assert svc["roleArn"] == (f"arn:aws:iam::{app.account}:role/aws-service-role/"
                              "ecs.amazonaws.com/AWSServiceRoleForECS")
    assert re.match(rf"^arn:aws:(iam|sts)::{app.account}:.+", svc["createdBy"]), svc
    assert_recent(svc["createdAt"])
    awsvpc = svc["networkConfiguration"]["awsvpcConfiguration"]
    assert awsvpc["subnets"] == [app.s1, app.s2]
    assert awsvpc["securityGroups"] == [app.sg]
    assert ecs_tags(svc["tags"]) == {"tier": "front"}
    assert len(svc["deployments"]) == 1
    dep = svc["deployments"][0]
    assert ECS_DEPLOYMENT_ID.match(dep["id"]), dep
    assert dep["status"] == "PRIMARY"
    assert dep["taskDefinition"] == app.td["taskDefinitionArn"]
    assert dep["desiredCount"] == 2
    assert dep["failedTasks"] == 0
    assert dep["launchType"] == "FARGATE"
    assert dep["rolloutState"] == "IN_PROGRESS"
    assert dep["rolloutStateReason"] == f"ECS deployment {dep['id']} in progress."

    e.get_waiter("services_stable").wait(cluster="app", services=["web"], WaiterConfig=FAST)
    s = service(app)
    assert (s["runningCount"], s["pendingCount"], s["desiredCount"]) == (2, 0, 2)
    assert len(s["deployments"]) == 1
    d = s["deployments"][0]
    assert d["id"] == dep["id"]
    assert d["status"] == "PRIMARY"
    assert (d["runningCount"], d["pendingCount"], d["desiredCount"]) == (2, 0, 2)
    assert d["rolloutState"] == "COMPLETED"
    assert d["rolloutStateReason"] == f"ECS deployment {dep['id']} completed."
    assert d["createdAt"] <= d["updatedAt"]
    assert "tags" not in s

    # its tasks
    arns = list_tasks(app, serviceName="web")
    assert len(arns) == 2
    tasks = describe_many(app, arns)
    for t in tasks:
        assert_fargate_task(app, t, cluster="app", td_arn=app.td["taskDefinitionArn"],
                            family="web", subnets=[app.s1, app.s2], group="service:web")
        assert t["startedBy"] == dep["id"]
    assert {att_details(eni_attachment(t))["subnetId"] for t in tasks} == {app.s1, app.s2}
    assert set(list_tasks(app, startedBy=dep["id"])) == set(arns)

    # events, newest first
    msgs = [ev["message"] for ev in s["events"]]
    steady = msgs.index(STEADY_MSG.format("web"))
    completed = msgs.index(f"(service web) (deployment {dep['id']}) deployment completed.")
    started = next(i for i, m in enumerate(msgs)
                   if m.startswith("(service web) has started 2 tasks: "))
    assert steady < completed < started, msgs
    for arn_ in arns:
        assert f"(task {task_id(arn_)})" in msgs[started], msgs[started]
    times = [ev["createdAt"] for ev in s["events"]]
    assert times == sorted(times, reverse=True)
    assert all(UUID_RE.match(ev["id"]) for ev in s["events"])

    assert e.list_services(cluster="app")["serviceArns"] == [svc["serviceArn"]]
    tagged = service(app, include=["TAGS"])
    assert ecs_tags(tagged["tags"]) == {"tier": "front"}

    # the service echoes LATEST, its deployment shows the resolved version (§11.13)
    assert s["platformVersion"] == "LATEST"
    assert dep["platformVersion"] == "1.4.0"
    assert s["deployments"][0]["platformVersion"] == "1.4.0"


def test_service_desired_count_defaults_to_zero(app):
    svc = create_service(app, desired=None)
    assert svc["desiredCount"] == 0
    wait(app, "services_stable", services=["web"])
    assert service(app)["runningCount"] == 0
    assert list_tasks(app, serviceName="web") == []


def test_scale_service_up_and_down(app):
    e = app.ecs
    dep_id = create_service(app, desired=1)["deployments"][0]["id"]
    wait(app, "services_stable", services=["web"])

    up = e.update_service(cluster="app", service="web", desiredCount=4)["service"]
    assert up["desiredCount"] == 4
    assert [d["id"] for d in up["deployments"]] == [dep_id]  # no new deployment
    wait(app, "services_stable", services=["web"])
    s = service(app)
    assert (s["runningCount"], s["desiredCount"]) == (4, 4)
    assert [d["id"] for d in s["deployments"]] == [dep_id]
    running = list_tasks(app, serviceName="web")
    assert len(running) == 4

    e.update_service(cluster="app", service="web", desiredCount=1)
    wait(app, "services_stable", services=["web"])
    s = service(app)
    assert (s["runningCount"], s["desiredCount"]) == (1, 1)
    left = list_tasks(app, serviceName="web")
    assert len(left) == 1 and left[0] in running
    stopped = list_tasks(app, serviceName="web", desiredStatus="STOPPED")
    assert sorted(stopped) == sorted(set(running) - set(left))
    wait(app, "tasks_stopped", tasks=stopped)
    for t in describe_many(app, stopped):
        assert t["stopCode"] == "ServiceSchedulerInitiated", t
        assert t["lastStatus"] == "STOPPED"

    # a task stopped by hand is replaced
    e.stop_task(cluster="app", task=left[0])
    wait(app, "tasks_stopped", tasks=[left[0]])
    wait(app, "services_stable", services=["web"])
    now = list_tasks(app, serviceName="web")
    assert len(now) == 1 and now[0] != left[0]


def test_new_deployment_with_new_task_definition(app):
    e = app.ecs
    old_dep = create_service(app, desired=2)["deployments"][0]["id"]
    wait(app, "services_stable", services=["web"])
    old_tasks = list_tasks(app, serviceName="web")

    v2 = register(app, containers=[container(image="nginx:1.27")])
    resp = e.update_service(cluster="app", service="web", taskDefinition="web:2")["service"]
    assert resp["taskDefinition"] == v2["taskDefinitionArn"]
    deps = resp["deployments"]
    assert [d["status"] for d in deps] == ["PRIMARY", "ACTIVE"], deps
    assert deps[1]["id"] == old_dep
    new_dep = deps[0]["id"]
    assert ECS_DEPLOYMENT_ID.match(new_dep) and new_dep != old_dep
    assert deps[0]["taskDefinition"] == v2["taskDefinitionArn"]
    assert deps[1]["taskDefinition"] == app.td["taskDefinitionArn"]
    assert deps[0]["rolloutState"] == "IN_PROGRESS"

    wait(app, "services_stable", services=["web"])
    s = service(app)
    assert [(d["id"], d["status"]) for d in s["deployments"]] == [(new_dep, "PRIMARY")]
    assert s["deployments"][0]["rolloutState"] == "COMPLETED"
    assert s["runningCount"] == 2
    msgs = [ev["message"] for ev in s["events"]]
    assert f"(service web) (deployment {new_dep}) deployment completed." in msgs
    assert msgs[0] == STEADY_MSG.format("web")

    new_tasks = list_tasks(app, serviceName="web")
    assert len(new_tasks) == 2 and not set(new_tasks) & set(old_tasks)
    for t in describe_many(app, new_tasks):
        assert t["taskDefinitionArn"] == v2["taskDefinitionArn"]
        assert t["startedBy"] == new_dep
        assert t["containers"][0]["image"] == "nginx:1.27"
    wait(app, "tasks_stopped", tasks=old_tasks)
    for t in describe_many(app, old_tasks):
        assert t["stopCode"] == "ServiceSchedulerInitiated"
        assert t["desiredStatus"] == "STOPPED"


def test_force_new_deployment(app):
    e = app.ecs
    old_dep = create_service(app, desired=1)["deployments"][0]["id"]
    wait(app, "services_stable", services=["web"])
    old_tasks = list_tasks(app, serviceName="web")
    resp = e.update_service(cluster="app", service="web", forceNewDeployment=True)["service"]
    assert len(resp["deployments"]) == 2
    new_dep = resp["deployments"][0]["id"]
    assert new_dep != old_dep
    assert resp["deployments"][0]["taskDefinition"] == app.td["taskDefinitionArn"]
    wait(app, "services_stable", services=["web"])
    s = service(app)
    assert [d["id"] for d in s["deployments"]] == [new_dep]
    new_tasks = list_tasks(app, serviceName="web")
    assert len(new_tasks) == 1 and new_tasks != old_tasks
    wait(app, "tasks_stopped", tasks=old_tasks)
    assert describe(app, old_tasks[0])["stopCode"] == "ServiceSchedulerInitiated"


def test_delete_service(app):
    e = app.ecs
    svc = create_service(app, desired=2)
    wait(app, "services_stable", services=["web"])
    tasks = list_tasks(app, serviceName="web")

    with raises_code("InvalidParameterException") as ei:
        e.delete_service(cluster="app", service="web")
    assert err_message(ei) == "The service cannot be stopped while it is scaled above 0."
    assert service(app)["status"] == "ACTIVE"

    gone = e.delete_service(cluster="app", service="web", force=True)["service"]
    assert gone["serviceArn"] == svc["serviceArn"]
    assert gone["status"] == "DRAINING"
    e.get_waiter("services_inactive").wait(cluster="app", services=["web"], WaiterConfig=FAST)
    s = service(app)
    assert s["status"] == "INACTIVE"
    assert e.list_services(cluster="app")["serviceArns"] == []
    wait(app, "tasks_stopped", tasks=tasks)
    for t in describe_many(app, tasks):
        assert t["stopCode"] == "ServiceSchedulerInitiated"
    assert list_tasks(app) == []
    c = e.describe_clusters(clusters=["app"])["clusters"][0]
    assert c["activeServicesCount"] == 0

    # INACTIVE: not updatable, not deletable, but the name is free again
    with raises_code("ServiceNotActiveException"):
        e.update_service(cluster="app", service="web", desiredCount=1)
    again = create_service(app, desired=0)
    assert again["status"] == "ACTIVE"
    assert again["serviceArn"] == svc["serviceArn"]
    # scaled to 0: deletable without force
    assert e.delete_service(cluster="app", service="web")["service"]["status"] == "DRAINING"
    wait(app, "services_inactive", services=["web"])


def test_service_errors(app, ecs_unvalidated):
    e = app.ecs
    create_service(app, desired=0)
    with raises_code("InvalidParameterException") as ei:
        create_service(app, desired=0)
    assert err_message(ei) == "Creation of service was not idempotent."
    with raises_code("InvalidParameterException"):
        e.create_service(cluster="app", serviceName="nonet", taskDefinition="web",
                         launchType="FARGATE", desiredCount=1)
    with raises_code("ClientException"):
        create_service(app, name="x", td="nope")
    # taskDefinition is required for the ECS deployment controller
    with pytest.raises(ClientError) as ei:
        ecs_unvalidated(account=app.account).create_service(
            cluster="app", serviceName="notd", launchType="FARGATE",
            networkConfiguration=netcfg(app))
    assert ei.value.response["Error"]["Code"] in ("InvalidParameterException",
                                                  "ClientException")
    assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with raises_code("ClusterNotFoundException"):
        create_service(app, name="x", cluster="ghost")
    with raises_code("InvalidParameterException"):
        create_service(app, name="both",
                       capacityProviderStrategy=[{"capacityProvider": "FARGATE"}])

    with raises_code("ServiceNotFoundException"):
        e.update_service(cluster="app", service="ghost", desiredCount=1)
    with raises_code("ServiceNotFoundException"):
        e.delete_service(cluster="app", service="ghost")
    with raises_code("ClusterNotFoundException"):
        e.describe_services(cluster="ghost", services=["web"])
    with raises_code("ClusterNotFoundException"):
        e.list_services(cluster="ghost")

    with raises_code("InvalidParameterException"):
        e.describe_services(cluster="app", services=[f"s{i}" for i in range(11)])
    resp = e.describe_services(cluster="app", services=["web", "ghost"])
    assert [s["serviceName"] for s in resp["services"]] == ["web"]
    assert resp["failures"] == [{"arn": arn(app, "service/app/ghost"), "reason": "MISSING"}]
    ten = e.describe_services(cluster="app", services=["web"] + [f"s{i}" for i in range(9)])
    assert len(ten["failures"]) == 9

    assert e.list_services(cluster="app")["serviceArns"] == [arn(app, "service/app/web")]
    for bad in (0, 101):
        with raises_code("InvalidParameterException"):
            e.list_services(cluster="app", maxResults=bad)

    with pytest.raises(WaiterError):
        e.get_waiter("services_stable").wait(cluster="app", services=["ghost"],
                                             WaiterConfig=FAST)


def test_list_services_paging(app):
    e = app.ecs
    names = [f"svc{i}" for i in range(5)]
    for n in names:
        create_service(app, name=n, desired=0)
    pages = list(e.get_paginator("list_services").paginate(
        cluster="app", PaginationConfig={"PageSize": 2}))
    assert [len(p["serviceArns"]) for p in pages] == [2, 2, 1]
    seen = [a for p in pages for a in p["serviceArns"]]
    assert sorted(seen) == sorted(arn(app, f"service/app/{n}") for n in names)
    assert e.list_services(cluster="app", launchType="EC2")["serviceArns"] == []
    assert len(e.list_services(cluster="app", launchType="FARGATE")["serviceArns"]) == 5


def test_service_with_failing_tasks_keeps_replacing_them(app):
    e = app.ecs
    register(app, family="crash", containers=[
        container("app", "busybox", port=None, labels={"awsemu.exitCode": "1"})])
    create_service(app, name="crash", td="crash", desired=1)
    deadline = time.monotonic() + 10
    failed = 0
    while time.monotonic() < deadline:
        s = service(app, "crash")
        failed = s["deployments"][0]["failedTasks"]
        if failed >= 2:
            break
        time.sleep(0.05)
    assert failed >= 2, s["deployments"]
    assert s["status"] == "ACTIVE"
    stopped = list_tasks(app, serviceName="crash", desiredStatus="STOPPED")
    assert len(stopped) >= 2
    for t in describe_many(app, stopped):
        if t["lastStatus"] == "STOPPED":
            assert t["stopCode"] == "EssentialContainerExited"
            assert t["containers"][0]["exitCode"] == 1
            assert t["group"] == "service:crash"


# ---------------------------------------------------------------------------
# Service Connect with TLS (seed 004)
# ---------------------------------------------------------------------------
@pytest.fixture
def sc(env):
    """Cluster ``app`` with Service Connect default namespace ``internal`` and a task
    definition with a named port mapping ``http``."""
    e = env.ecs
    cluster = e.create_cluster(clusterName="app",
                               serviceConnectDefaults={"namespace": "internal"})["cluster"]
    env.ns = cluster["serviceConnectDefaults"]["namespace"]
    env.td = register(env, containers=[container(port=None, portMappings=[
        {"containerPort": 8080, "name": "http", "appProtocol": "http"}])])
    env.tls = {
        "issuerCertificateAuthority": {
            "awsPcaAuthorityArn": (f"arn:aws:acm-pca:us-east-1:{env.account}:"
                                   "certificate-authority/0b6e57c2-4a35-4a8e-9bf4-4d3c5f1e2a7b"),
        },
        "kmsKey": f"arn:aws:kms:us-east-1:{env.account}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "roleArn": f"arn:aws:iam::{env.account}:role/ecsServiceConnectTLSRole",
    }
    return env


def sc_config(env, tls: dict | None = None, **service_overrides) -> dict:
    svc = {
        "portName": "http",
        "discoveryName": "web",
        "clientAliases": [{"port": 80, "dnsName": "web.internal"}],
        "tls": tls if tls is not None else env.tls,
    }
    svc.update(service_overrides)
    return {"enabled": True, "namespace": env.ns, "services": [svc]}


def test_service_connect_tls_round_trip(sc):
    e = sc.ecs
    sent = sc_config(sc)
    created = create_service(sc, desired=1, serviceConnectConfiguration=sent)
    dep = created["deployments"][0]
    assert dep["serviceConnectConfiguration"] == sent

    wait(sc, "services_stable", services=["web"])
    s = service(sc)
    dep = s["deployments"][0]
    assert dep["serviceConnectConfiguration"] == sent
    assert dep["serviceConnectConfiguration"]["services"][0]["tls"] == sc.tls
    resources = dep["serviceConnectResources"]
    assert [r["discoveryName"] for r in resources] == ["web"]
    m = re.match(rf"^arn:aws:servicediscovery:us-east-1:{sc.account}:service/(.+)$",
                 resources[0]["discoveryArn"])
    assert m and CLOUDMAP_SERVICE_ID.match(m.group(1)), resources

    # a KMS alias ARN is a valid key too, and the namespace may be given by name
    alias_tls = dict(sc.tls, kmsKey=f"arn:aws:kms:us-east-1:{sc.account}:alias/service-connect")
    cfg = sc_config(sc, tls=alias_tls)
    cfg["namespace"] = "internal"
    create_service(sc, name="api", desired=0, serviceConnectConfiguration=cfg)
    got = service(sc, "api")["deployments"][0]["serviceConnectConfiguration"]
    assert got["services"][0]["tls"] == alias_tls
    assert sorted(e.list_services(cluster="app")["serviceArns"]) == [
        arn(sc, "service/app/api"), arn(sc, "service/app/web")]


def test_service_connect_uses_cluster_default_namespace(sc):
    cfg = {"enabled": True,
           "services": [{"portName": "http", "clientAliases": [{"port": 80}]}]}
    create_service(sc, desired=1, serviceConnectConfiguration=cfg)
    wait(sc, "services_stable", services=["web"])
    dep = service(sc)["deployments"][0]
    got = dep["serviceConnectConfiguration"]
    assert got["enabled"] is True
    assert got["services"][0]["portName"] == "http"
    assert [r["discoveryName"] for r in dep["serviceConnectResources"]] == ["http"]


@pytest.mark.parametrize("field,value", [
    ("awsPcaAuthorityArn", "not-an-arn"),
    ("awsPcaAuthorityArn", "arn:aws:kms:us-east-1:{acct}:key/1234"),
    ("awsPcaAuthorityArn", "arn:aws:acm-pca:us-east-1:{acct}:certificate/0b6e57c2"),
    ("kmsKey", "my-key"),
    ("kmsKey", "arn:aws:kms:us-east-1:{acct}:secret/1234"),
    ("roleArn", "ecsServiceConnectTLSRole"),
    ("roleArn", "arn:aws:iam::{acct}:user/bob"),
], ids=["pca-garbage", "pca-kms", "pca-not-ca", "kms-garbage", "kms-kind", "role-name",
        "role-user"])
def test_service_connect_tls_malformed_arns(sc, field, value):
    tls = {k: (dict(v) if isinstance(v, dict) else v) for k, v in sc.tls.items()}
    value = value.format(acct=sc.account)
    if field == "awsPcaAuthorityArn":
        tls["issuerCertificateAuthority"]["awsPcaAuthorityArn"] = value
    else:
        tls[field] = value
    with raises_code("InvalidParameterException"):
        create_service(sc, desired=1, serviceConnectConfiguration=sc_config(sc, tls=tls))
    assert sc.ecs.list_services(cluster="app")["serviceArns"] == []
    assert list_tasks(sc) == []


def test_service_connect_errors(sc):
    e = sc.ecs
    with raises_code("InvalidParameterException"):
        create_service(sc, serviceConnectConfiguration=sc_config(sc, portName="grpc"))
    for port in (0, 65536):
        with raises_code("InvalidParameterException"):
            create_service(sc, serviceConnectConfiguration=sc_config(
                sc, clientAliases=[{"port": port, "dnsName": "web.internal"}]))
    cfg = sc_config(sc)
    cfg["namespace"] = "does-not-exist"
    with raises_code("NamespaceNotFoundException"):
        create_service(sc, serviceConnectConfiguration=cfg)

    # no namespace in the request and none on the cluster
    e.create_cluster(clusterName="plain")
    cfg = sc_config(sc)
    del cfg["namespace"]
    with raises_code("InvalidParameterException"):
        create_service(sc, cluster="plain", serviceConnectConfiguration=cfg)
    assert e.list_services(cluster="app")["serviceArns"] == []
    assert e.list_services(cluster="plain")["serviceArns"] == []


# ---------------------------------------------------------------------------
# Tags
# ---------------------------------------------------------------------------
def test_tag_untag_list_on_every_resource(app):
    e = app.ecs
    svc = create_service(app, desired=0)
    task = run(app)[0]
    resources = [arn(app, "cluster/app"), svc["serviceArn"], task["taskArn"],
                 app.td["taskDefinitionArn"]]
    for res in resources:
        assert e.list_tags_for_resource(resourceArn=res)["tags"] == [], res
        e.tag_resource(resourceArn=res, tags=[{"key": "a", "value": "1"},
                                              {"key": "b", "value": "2"}])
        e.tag_resource(resourceArn=res, tags=[{"key": "a", "value": "3"}])
        assert ecs_tags(e.list_tags_for_resource(resourceArn=res)["tags"]) == {
            "a": "3", "b": "2"}, res
        e.untag_resource(resourceArn=res, tagKeys=["b", "missing"])
        assert ecs_tags(e.list_tags_for_resource(resourceArn=res)["tags"]) == {"a": "3"}, res

    assert ecs_tags(e.describe_clusters(clusters=["app"],
                                        include=["TAGS"])["clusters"][0]["tags"]) == {"a": "3"}
    assert ecs_tags(service(app, include=["TAGS"])["tags"]) == {"a": "3"}
    assert ecs_tags(describe(app, task["taskArn"], include=["TAGS"])["tags"]) == {"a": "3"}
    assert ecs_tags(e.describe_task_definition(taskDefinition="web:1",
                                               include=["TAGS"])["tags"]) == {"a": "3"}

    unknown = [arn(app, "cluster/ghost"), arn(app, "service/app/ghost"),
               arn(app, f"task/app/{UNKNOWN_TASK_ID}"), arn(app, "task-definition/ghost:1")]
    for res in unknown:
        with raises_code("ResourceNotFoundException"):
            e.tag_resource(resourceArn=res, tags=[{"key": "a", "value": "1"}])
        with raises_code("ResourceNotFoundException"):
            e.untag_resource(resourceArn=res, tagKeys=["a"])
        with raises_code("ResourceNotFoundException"):
            e.list_tags_for_resource(resourceArn=res)


def test_resources_are_per_account_and_region(app, ecs):
    run(app)
    other = ecs(account=random_account())
    assert other.list_clusters()["clusterArns"] == []
    assert other.list_task_definitions()["taskDefinitionArns"] == []
    west = ecs(account=app.account, region="us-west-2")
    assert west.list_clusters()["clusterArns"] == []
    with raises_code("ClusterNotFoundException"):
        west.list_tasks(cluster="app")


# ---------------------------------------------------------------------------
# The lifecycle on the world clock: a second emulator with --pace manual
# ---------------------------------------------------------------------------
@pytest.fixture
def manual(manual_endpoint, client_for):
    resp = requests.post(f"{manual_endpoint}/_awsemu/reset", timeout=30)
    assert resp.status_code == 200, resp.text
    health = requests.get(f"{manual_endpoint}/_awsemu/health", timeout=30).json()
    assert health["pace"] == "manual", health
    account = random_account()
    c = client_for(manual_endpoint, "ec2", account)
    world = _network(c, wait=False)
    world.account = account
    world.ec2 = c
    world.ecs = client_for(manual_endpoint, "ecs", account)
    world.endpoint = manual_endpoint

    def advance(seconds: float) -> None:
        r = requests.post(f"{manual_endpoint}/_awsemu/clock", json={"seconds": seconds},
                          timeout=30)
        assert r.status_code == 200, (r.status_code, r.text)

    world.advance = advance
    # The NAT gateway becomes available on the clock, before any task starts.
    advance(5)
    nat = c.describe_nat_gateways(NatGatewayIds=[world.egress["nat"]])["NatGateways"][0]
    assert nat["State"] == "available", nat
    world.ecs.create_cluster(clusterName="app")
    world.td = register(world)
    return world


def _secs(a, b) -> float:
    return (b - a).total_seconds()


def test_manual_pace_task_status_sequence(manual):
    m = manual
    e = m.ecs
    task = run(m, networkConfiguration=netcfg(m, [m.s1], [m.sg]))[0]
    task_arn = task["taskArn"]
    assert task["lastStatus"] == "PROVISIONING"
    created = task["createdAt"]

    t = describe(m, task_arn)
    assert t["lastStatus"] == "PROVISIONING"
    assert eni_attachment(t)["status"] == "PRECREATED"
    for absent in ("pullStartedAt", "pullStoppedAt", "startedAt", "connectivityAt"):
        assert absent not in t, absent
    m.advance(0.5)
    assert describe(m, task_arn)["lastStatus"] == "PROVISIONING"
    m.advance(0.5)
    t = describe(m, task_arn)
    assert t["lastStatus"] == "PENDING"
    for absent in ("pullStartedAt", "pullStoppedAt", "startedAt"):
        assert absent not in t, absent
    c = e.describe_clusters(clusters=["app"])["clusters"][0]
    assert (c["runningTasksCount"], c["pendingTasksCount"]) == (0, 1)

    m.advance(1)
    t = describe(m, task_arn)
    assert t["lastStatus"] == "ACTIVATING"
    assert created < t["pullStartedAt"] <= t["pullStoppedAt"]
    assert _secs(created, t["pullStoppedAt"]) <= 2.0
    assert "startedAt" not in t

    m.advance(1)
    t = describe(m, task_arn)
    assert t["lastStatus"] == "RUNNING"
    assert _secs(created, t["startedAt"]) == pytest.approx(3.0, abs=0.01)
    assert t["connectivity"] == "CONNECTED"
    assert t["connectivityAt"] <= t["startedAt"]
    assert all(ct["lastStatus"] == "RUNNING" for ct in t["containers"])
    assert eni_attachment(t)["status"] == "ATTACHED"
    assert_fargate_task(m, t, cluster="app", td_arn=m.td["taskDefinitionArn"], family="web",
                        subnets=[m.s1])
    eni_id = att_details(eni_attachment(t))["networkInterfaceId"]
    assert [x["NetworkInterfaceId"] for x in enis_of(m)] == [eni_id]
    c = e.describe_clusters(clusters=["app"])["clusters"][0]
    assert (c["runningTasksCount"], c["pendingTasksCount"]) == (1, 0)

    # a minute later nothing has changed
    m.advance(60)
    assert describe(m, task_arn)["lastStatus"] == "RUNNING"

    stop = e.stop_task(cluster="app", task=task_arn, reason="deploying v2")["task"]
    assert stop["lastStatus"] == "DEACTIVATING"
    assert stop["desiredStatus"] == "STOPPED"
    assert stop["stopCode"] == "UserInitiated"
    assert stop["stoppedReason"] == "deploying v2"
    stopping_at = stop["stoppingAt"]
    assert _secs(created, stopping_at) == pytest.approx(63.0, abs=0.01)

    t = describe(m, task_arn)
    assert t["lastStatus"] == "DEACTIVATING"
    assert "executionStoppedAt" not in t and "stoppedAt" not in t
    assert list_tasks(m) == []  # desiredStatus STOPPED now
    assert list_tasks(m, desiredStatus="STOPPED") == [task_arn]

    m.advance(1)
    t = describe(m, task_arn)
    assert t["lastStatus"] == "STOPPING"
    for ct in t["containers"]:
        assert ct["lastStatus"] == "STOPPED"
        assert ct["exitCode"] == 0
    assert "executionStoppedAt" not in t and "stoppedAt" not in t
    assert [x["NetworkInterfaceId"] for x in enis_of(m)] == [eni_id]

    m.advance(1)
    t = describe(m, task_arn)
    assert t["lastStatus"] == "DEPROVISIONING"
    assert _secs(stopping_at, t["executionStoppedAt"]) == pytest.approx(2.0, abs=0.01)
    assert "stoppedAt" not in t

    m.advance(1)
    t = describe(m, task_arn)
    assert t["lastStatus"] == "STOPPED"
    assert _secs(stopping_at, t["stoppedAt"]) == pytest.approx(3.0, abs=0.01)
    assert t["stopCode"] == "UserInitiated"
    assert t["stoppedReason"] == "deploying v2"
    assert eni_attachment(t)["status"] == "DELETED"
    assert enis_of(m) == []
    e.get_waiter("tasks_stopped").wait(cluster="app", tasks=[task_arn],
                                       WaiterConfig={"Delay": 0.1, "MaxAttempts": 2})


def test_manual_pace_tasks_running_waiter_needs_the_clock(manual):
    m = manual
    task = run(m)[0]
    with pytest.raises(WaiterError) as ei:
        m.ecs.get_waiter("tasks_running").wait(cluster="app", tasks=[task["taskArn"]],
                                               WaiterConfig={"Delay": 0.05, "MaxAttempts": 3})
    assert "Max attempts exceeded" in str(ei.value)
    m.advance(3)
    m.ecs.get_waiter("tasks_running").wait(cluster="app", tasks=[task["taskArn"]],
                                           WaiterConfig={"Delay": 0.05, "MaxAttempts": 3})


def test_manual_pace_declared_exit_after_seconds(manual):
    m = manual
    register(m, family="job", containers=[container("job", "busybox", port=None, labels={
        "awsemu.exitCode": "2", "awsemu.exitAfterSeconds": "10"})])
    task = run(m, td="job")[0]
    m.advance(3)
    t = describe(m, task["taskArn"])
    assert t["lastStatus"] == "RUNNING"
    m.advance(9)
    assert describe(m, task["taskArn"])["lastStatus"] == "RUNNING"
    m.advance(1)  # 10 s after RUNNING
    t = describe(m, task["taskArn"])
    assert t["desiredStatus"] == "STOPPED"
    assert t["lastStatus"] in ("DEACTIVATING", "STOPPING"), t["lastStatus"]
    assert t["stopCode"] == "EssentialContainerExited"
    m.advance(5)
    t = describe(m, task["taskArn"])
    assert t["lastStatus"] == "STOPPED"
    assert t["containers"][0]["exitCode"] == 2
    assert _secs(t["startedAt"], t["stoppingAt"]) == pytest.approx(10.0, abs=0.01)


def test_manual_pace_fail_to_start_never_runs(manual):
    m = manual
    register(m, family="broken", containers=[container(labels={
        "awsemu.failToStart": "CannotPullContainerError: image not found"})])
    task = run(m, td="broken")[0]
    seen = []
    for _ in range(8):
        seen.append(describe(m, task["taskArn"])["lastStatus"])
        m.advance(1)
    seen.append(describe(m, task["taskArn"])["lastStatus"])
    assert "RUNNING" not in seen, seen
    assert seen[0] == "PROVISIONING"
    assert seen[-1] == "STOPPED"
    order = ["PROVISIONING", "PENDING", "ACTIVATING", "DEACTIVATING", "STOPPING",
             "DEPROVISIONING", "STOPPED"]
    idx = [order.index(s) for s in seen]
    assert idx == sorted(idx), seen
    t = describe(m, task["taskArn"])
    assert t["stopCode"] == "TaskFailedToStart"
    assert t["stoppedReason"] == "CannotPullContainerError: image not found"


def test_manual_pace_service_rollout(manual):
    m = manual
    e = m.ecs
    svc = create_service(m, desired=2)
    dep_id = svc["deployments"][0]["id"]
    m.advance(1)
    s = service(m)
    assert (s["runningCount"], s["pendingCount"]) == (0, 2)
    assert s["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    with pytest.raises(WaiterError):
        e.get_waiter("services_stable").wait(cluster="app", services=["web"],
                                             WaiterConfig={"Delay": 0.05, "MaxAttempts": 2})
    c = e.describe_clusters(clusters=["app"])["clusters"][0]
    assert (c["runningTasksCount"], c["pendingTasksCount"], c["activeServicesCount"]) == (0, 2, 1)

    m.advance(2)
    s = service(m)
    assert (s["runningCount"], s["pendingCount"]) == (2, 0)
    d = s["deployments"][0]
    assert d["rolloutState"] == "COMPLETED"
    assert d["rolloutStateReason"] == f"ECS deployment {dep_id} completed."
    assert s["events"][0]["message"] == STEADY_MSG.format("web")
    e.get_waiter("services_stable").wait(cluster="app", services=["web"],
                                         WaiterConfig={"Delay": 0.05, "MaxAttempts": 2})

    # delete: DRAINING while the tasks stop, INACTIVE once they have
    gone = e.delete_service(cluster="app", service="web", force=True)["service"]
    assert gone["status"] == "DRAINING"
    assert service(m)["status"] == "DRAINING"
    with pytest.raises(WaiterError):
        e.get_waiter("services_stable").wait(cluster="app", services=["web"],
                                             WaiterConfig={"Delay": 0.05, "MaxAttempts": 2})
    m.advance(3)
    assert service(m)["status"] == "INACTIVE"
    e.get_waiter("services_inactive").wait(cluster="app", services=["web"],
                                           WaiterConfig={"Delay": 0.05, "MaxAttempts": 2})


def test_manual_pace_rolling_deployment_keeps_old_tasks_until_new_ones_run(manual):
    m = manual
    e = m.ecs
    old_dep = create_service(m, desired=2)["deployments"][0]["id"]
    m.advance(3)
    wait(m, "services_stable", services=["web"])
    old_tasks = list_tasks(m, serviceName="web")
    assert len(old_tasks) == 2

    register(m, containers=[container(image="nginx:1.27")])
    resp = e.update_service(cluster="app", service="web", taskDefinition="web:2")["service"]
    new_dep = resp["deployments"][0]["id"]
    assert [(d["id"], d["status"]) for d in resp["deployments"]] == [
        (new_dep, "PRIMARY"), (old_dep, "ACTIVE")]

    for _ in range(2):
        m.advance(1)
        s = service(m)
        assert [(d["id"], d["status"]) for d in s["deployments"]] == [
            (new_dep, "PRIMARY"), (old_dep, "ACTIVE")]
        assert s["deployments"][0]["rolloutState"] == "IN_PROGRESS"
        # minimumHealthyPercent 100: the old tasks keep running meanwhile
        assert s["runningCount"] == 2
        assert [t["lastStatus"] for t in describe_many(m, old_tasks)] == ["RUNNING", "RUNNING"]

    m.advance(1)  # the new tasks are RUNNING: now the old ones are stopped
    new_tasks = list_tasks(m, serviceName="web")
    assert len(new_tasks) == 2 and not set(new_tasks) & set(old_tasks)
    assert [t["lastStatus"] for t in describe_many(m, new_tasks)] == ["RUNNING", "RUNNING"]
    for t in describe_many(m, old_tasks):
        assert t["desiredStatus"] == "STOPPED"
        assert t["stopCode"] == "ServiceSchedulerInitiated"
    for _ in range(3):
        m.advance(1)
    s = service(m)
    assert [(d["id"], d["status"]) for d in s["deployments"]] == [(new_dep, "PRIMARY")]
    assert s["deployments"][0]["rolloutState"] == "COMPLETED"
    assert s["runningCount"] == 2
    assert [t["lastStatus"] for t in describe_many(m, old_tasks)] == ["STOPPED", "STOPPED"]
    wait(m, "services_stable", services=["web"])


def test_manual_pace_one_big_clock_advance_equals_many_small_ones(manual):
    """Transitions that fall due inside one clock advance happen at their due time:
    their timestamps, and whatever they schedule next, do not depend on how the
    clock got there."""
    m = manual
    task = run(m)[0]
    register(m, family="job", containers=[container("job", "busybox", port=None, labels={
        "awsemu.exitCode": "2", "awsemu.exitAfterSeconds": "5"})])
    job = run(m, td="job")[0]
    m.advance(30)
    t = describe(m, task["taskArn"])
    assert t["lastStatus"] == "RUNNING"
    assert _secs(t["createdAt"], t["startedAt"]) == pytest.approx(3.0, abs=0.01)
    assert _secs(t["createdAt"], t["pullStartedAt"]) <= 2.0
    j = describe(m, job["taskArn"])
    assert j["lastStatus"] == "STOPPED", j["lastStatus"]
    assert _secs(j["createdAt"], j["startedAt"]) == pytest.approx(3.0, abs=0.01)
    assert _secs(j["createdAt"], j["stoppingAt"]) == pytest.approx(8.0, abs=0.01)
    assert _secs(j["createdAt"], j["stoppedAt"]) == pytest.approx(11.0, abs=0.01)
    assert j["containers"][0]["exitCode"] == 2

    create_service(m, desired=1)
    m.advance(3)
    old_tasks = list_tasks(m, serviceName="web")
    new_dep = m.ecs.update_service(cluster="app", service="web",
                                   forceNewDeployment=True)["service"]["deployments"][0]["id"]
    m.advance(10)  # new task RUNNING at +3 s, old one STOPPED at +6 s
    s = service(m)
    assert [(d["id"], d["status"]) for d in s["deployments"]] == [(new_dep, "PRIMARY")]
    old = describe(m, old_tasks[0])
    assert old["lastStatus"] == "STOPPED", old["lastStatus"]


# ---------------------------------------------------------------------------
# The wire (aws-spec.md §5)
# ---------------------------------------------------------------------------
def test_json_wire_format(env, raw):
    headers = {"Content-Type": "application/x-amz-json-1.1",
               "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.CreateCluster"}
    resp = raw(body='{"clusterName": "app"}', headers=headers, service="ecs",
               account=env.account)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("application/x-amz-json-1.1")
    assert resp.json()["cluster"]["clusterArn"] == arn(env, "cluster/app")

    register(env)
    headers["X-Amz-Target"] = "AmazonEC2ContainerServiceV20141113.RunTask"
    body = ('{"cluster": "app", "taskDefinition": "web", "launchType": "FARGATE", '
            '"networkConfiguration": {"awsvpcConfiguration": {"subnets": ["%s"]}}}' % env.s1)
    resp = raw(body=body, headers=headers, service="ecs", account=env.account)
    assert resp.status_code == 200, resp.text
    task = resp.json()["tasks"][0]
    # timestamps are epoch seconds (JSON numbers); absent members are omitted, not null
    assert isinstance(task["createdAt"], (int, float))
    assert abs(task["createdAt"] - time.time()) < 300
    assert None not in task.values()
    assert "stoppedAt" not in task

    headers["X-Amz-Target"] = "AmazonEC2ContainerServiceV20141113.DescribeTasks"
    resp = raw(body='{"cluster": "ghost", "tasks": ["%s"]}' % UNKNOWN_TASK_ID,
               headers=headers, service="ecs", account=env.account)
    assert resp.status_code == 400
    assert resp.json() == {"__type": "ClusterNotFoundException",
                           "message": "Cluster not found."}

    # {} is a valid body; null members count as absent
    headers["X-Amz-Target"] = "AmazonEC2ContainerServiceV20141113.ListClusters"
    resp = raw(body="{}", headers=headers, service="ecs", account=env.account)
    assert resp.status_code == 200
    assert resp.json()["clusterArns"] == [arn(env, "cluster/app")]
    resp = raw(body='{"maxResults": null, "nextToken": null}', headers=headers,
               service="ecs", account=env.account)
    assert resp.status_code == 200, resp.text
    assert resp.json()["clusterArns"] == [arn(env, "cluster/app")]
