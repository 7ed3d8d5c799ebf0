"""boto3: ECS capacity providers — the built-in FARGATE / FARGATE_SPOT, Auto
Scaling group providers (Create/Describe/Update/DeleteCapacityProvider), a
cluster's providers and default strategy (CreateCluster,
PutClusterCapacityProviders, UpdateCluster), and how RunTask and services
spread tasks over a strategy by base and weight.

References: AWS API reference (CreateCapacityProvider, DeleteCapacityProvider,
PutClusterCapacityProviders, CapacityProviderStrategyItem, ManagedScaling);
error texts as reported in terraform-aws-modules/terraform-aws-ecs#27, #53,
#68, containers-roadmap#632, #688, dask-cloudprovider#328,
cdk-fargate-patterns#71, AWS knowledge center "ecs-capacity-provider-error".
"""

from __future__ import annotations

import uuid
from collections import Counter
from types import SimpleNamespace

import pytest
import requests

from awsemu_helpers import (
    UUID_RE,
    ecs_arn,
    ecs_tags,
    err_message,
    new_subnet,
    nat_egress,
    new_vpc,
    raises_code,
    random_account,
)

FAST = {"Delay": 0.1, "MaxAttempts": 60}


@pytest.fixture
def env(ecs, ec2):
    account = random_account()
    c = ec2(account=account)
    vpc = new_vpc(c, "10.0.0.0/16")
    s1 = new_subnet(c, vpc, "10.0.1.0/24", "us-east-1a")
    nat_egress(c, vpc, "10.0.255.0/24")  # the private subnet pulls from Docker Hub
    return SimpleNamespace(account=account, ec2=c, ecs=ecs(account=account), vpc=vpc, s1=s1)


def asg_arn(env, name: str = "asg") -> str:
    return (f"arn:aws:autoscaling:us-east-1:{env.account}:autoScalingGroup:"
            f"{uuid.uuid4()}:autoScalingGroupName/{name}")


def create_cp(env, name: str = "cp1", scaling: dict | None = None, **asg) -> dict:
    provider = {"autoScalingGroupArn": asg.pop("arn", None) or asg_arn(env, name)}
    if scaling is not None:
        provider["managedScaling"] = scaling
    provider.update(asg)
    return env.ecs.create_capacity_provider(name=name, autoScalingGroupProvider=provider)[
        "capacityProvider"]


def register(env, family: str = "web") -> None:
    env.ecs.register_task_definition(
        family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
        cpu="256", memory="512",
        containerDefinitions=[{"name": "web", "image": "nginx", "essential": True}])


def netcfg(env) -> dict:
    cfg: dict = {"subnets": [env.s1]}
    if getattr(env, "sg", None):
        cfg["securityGroups"] = [env.sg]
    return {"awsvpcConfiguration": cfg}


def fargate_cluster(env, name: str = "app", strategy=None) -> dict:
    return env.ecs.create_cluster(
        clusterName=name, capacityProviders=["FARGATE", "FARGATE_SPOT"],
        defaultCapacityProviderStrategy=strategy or [])["cluster"]


SPLIT = [{"capacityProvider": "FARGATE", "base": 1, "weight": 1},
         {"capacityProvider": "FARGATE_SPOT", "weight": 3}]


# ---------------------------------------------------------------------------
# The built-in providers, CRUD
# ---------------------------------------------------------------------------
def test_fargate_providers_always_exist(env):
    out = env.ecs.describe_capacity_providers()
    names = [p["name"] for p in out["capacityProviders"]]
    assert names == ["FARGATE", "FARGATE_SPOT"]
    for p in out["capacityProviders"]:
        assert p["status"] == "ACTIVE"
        assert p["capacityProviderArn"] == ecs_arn(env.account, f"capacity-provider/{p['name']}")
        assert "autoScalingGroupProvider" not in p
        assert "tags" not in p
    one = env.ecs.describe_capacity_providers(capacityProviders=["FARGATE_SPOT"], include=["TAGS"])
    assert one["capacityProviders"][0]["name"] == "FARGATE_SPOT"
    assert one["capacityProviders"][0]["tags"] == []


def test_create_fills_aws_defaults_and_describes(env):
    arn = asg_arn(env, "nodes")
    cp = env.ecs.create_capacity_provider(
        name="nodes", autoScalingGroupProvider={
            "autoScalingGroupArn": arn, "managedScaling": {"status": "ENABLED", "targetCapacity": 90}},
        tags=[{"key": "team", "value": "web"}])["capacityProvider"]
    assert cp["capacityProviderArn"] == ecs_arn(env.account, "capacity-provider/nodes")
    assert cp["status"] == "ACTIVE"
    asg = cp["autoScalingGroupProvider"]
    assert asg["autoScalingGroupArn"] == arn
    assert asg["managedScaling"] == {"status": "ENABLED", "targetCapacity": 90,
                                     "minimumScalingStepSize": 1, "maximumScalingStepSize": 10000,
                                     "instanceWarmupPeriod": 300}
    assert asg["managedTerminationProtection"] == "DISABLED"
    assert asg["managedDraining"] == "ENABLED"
    listed = env.ecs.describe_capacity_providers()["capacityProviders"]
    assert [p["name"] for p in listed] == ["FARGATE", "FARGATE_SPOT", "nodes"]
    assert "tags" not in listed[2]
    tagged = env.ecs.describe_capacity_providers(capacityProviders=[cp["capacityProviderArn"]],
                                                 include=["TAGS"])["capacityProviders"][0]
    assert ecs_tags(tagged["tags"]) == {"team": "web"}
    env.ecs.tag_resource(resourceArn=cp["capacityProviderArn"], tags=[{"key": "env", "value": "dev"}])
    tags = env.ecs.list_tags_for_resource(resourceArn=cp["capacityProviderArn"])["tags"]
    assert ecs_tags(tags) == {"team": "web", "env": "dev"}
    missing = env.ecs.describe_capacity_providers(capacityProviders=["nope"])
    assert missing["capacityProviders"] == []
    assert missing["failures"] == [{"arn": ecs_arn(env.account, "capacity-provider/nope"),
                                    "reason": "MISSING"}]


def test_update_then_delete_walk_their_states(env):
    create_cp(env, "cp1", scaling={"status": "ENABLED"})
    up = env.ecs.update_capacity_provider(name="cp1", autoScalingGroupProvider={
        "managedScaling": {"status": "ENABLED", "targetCapacity": 50, "maximumScalingStepSize": 5},
        "managedTerminationProtection": "ENABLED"})["capacityProvider"]
    assert up["updateStatus"] == "UPDATE_IN_PROGRESS"
    scaling = up["autoScalingGroupProvider"]["managedScaling"]
    assert (scaling["targetCapacity"], scaling["maximumScalingStepSize"],
            scaling["minimumScalingStepSize"]) == (50, 5, 1)
    now = env.ecs.describe_capacity_providers(capacityProviders=["cp1"])["capacityProviders"][0]
    assert now["updateStatus"] == "UPDATE_COMPLETE"
    assert now["autoScalingGroupProvider"]["managedTerminationProtection"] == "ENABLED"

    gone = env.ecs.delete_capacity_provider(capacityProvider="cp1")["capacityProvider"]
    assert gone["status"] == "ACTIVE"
    assert gone["updateStatus"] == "DELETE_IN_PROGRESS"
    after = env.ecs.describe_capacity_providers(capacityProviders=["cp1"])["capacityProviders"][0]
    assert (after["status"], after["updateStatus"]) == ("INACTIVE", "DELETE_COMPLETE")
    assert [p["name"] for p in env.ecs.describe_capacity_providers()["capacityProviders"]] == [
        "FARGATE", "FARGATE_SPOT"]
    # The name can be used again once the provider is INACTIVE.
    create_cp(env, "cp1")


def test_create_errors(env):
    for bad in ("awsnodes", "ECS-nodes", "fargate2", "FARGATE"):
        with raises_code("ClientException") as e:
            create_cp(env, bad)
        assert "prefixed" in err_message(e)
    arn = asg_arn(env, "one")
    create_cp(env, "one", arn=arn)
    with raises_code("ClientException") as e:
        create_cp(env, "one")
    assert err_message(e) == ("The specified capacity provider already exists. To change the "
                              "configuration of an existing capacity provider, update the "
                              "capacity provider.")
    with raises_code("ClientException") as e:
        create_cp(env, "two", arn=arn)
    assert err_message(e) == ("The specified Auto Scaling group ARN is already being used by "
                              "another capacity provider. Specify a unique Auto Scaling group "
                              "ARN and try again.")
    with raises_code("InvalidParameterException"):
        create_cp(env, "three", arn="arn:aws:autoscaling:us-east-1:123:autoScalingGroup:x")
    with raises_code("InvalidParameterException"):
        create_cp(env, "four", scaling={"status": "ENABLED", "targetCapacity": 101})
    with raises_code("ClientException"):
        create_cp(env, "five", scaling={"status": "DISABLED"}, managedTerminationProtection="ENABLED")
    for name in ("FARGATE", "FARGATE_SPOT"):
        with raises_code("InvalidParameterException"):
            env.ecs.delete_capacity_provider(capacityProvider=name)
    with raises_code("ClientException"):
        env.ecs.delete_capacity_provider(capacityProvider="nope")
    with raises_code("ClientException"):
        env.ecs.update_capacity_provider(name="nope", autoScalingGroupProvider={})


def test_describe_pages(env):
    for n in range(12):
        create_cp(env, f"cp{n:02}")
    seen, token, pages = [], None, 0
    while True:
        kw = {"maxResults": 5}
        if token:
            kw["nextToken"] = token
        out = env.ecs.describe_capacity_providers(**kw)
        seen += [p["name"] for p in out["capacityProviders"]]
        pages += 1
        token = out.get("nextToken")
        if not token:
            break
    assert pages == 3
    assert seen == ["FARGATE", "FARGATE_SPOT"] + [f"cp{n:02}" for n in range(12)]
    with raises_code("InvalidParameterException"):
        env.ecs.describe_capacity_providers(maxResults=11)


# ---------------------------------------------------------------------------
# Clusters
# ---------------------------------------------------------------------------
def test_cluster_with_an_asg_provider_gets_its_scaling_policy(env):
    create_cp(env, "cp1", scaling={"status": "ENABLED"})
    made = env.ecs.create_cluster(clusterName="ec2", capacityProviders=["cp1"],
                                  defaultCapacityProviderStrategy=[
                                      {"capacityProvider": "cp1", "weight": 1}])["cluster"]
    assert made["status"] == "PROVISIONING"
    assert made["attachmentsStatus"] == "UPDATE_IN_PROGRESS"
    [a] = made["attachments"]
    assert (a["type"], a["status"]) == ("as_policy", "PRECREATED")
    assert UUID_RE.match(a["id"])
    details = {d["name"]: d["value"] for d in a["details"]}
    assert details["capacityProviderName"] == "cp1"
    assert details["scalingPolicyName"].startswith("ECSManagedAutoScalingPolicy-")

    c = env.ecs.describe_clusters(clusters=["ec2"], include=["ATTACHMENTS"])["clusters"][0]
    assert c["status"] == "ACTIVE"
    assert c["attachmentsStatus"] == "UPDATE_COMPLETE"
    assert [(x["id"], x["status"]) for x in c["attachments"]] == [(a["id"], "CREATED")]
    assert c["capacityProviders"] == ["cp1"]
    assert c["defaultCapacityProviderStrategy"] == [{"capacityProvider": "cp1", "weight": 1, "base": 0}] \
        or c["defaultCapacityProviderStrategy"] == [{"capacityProvider": "cp1", "weight": 1}]
    assert "attachments" not in env.ecs.describe_clusters(clusters=["ec2"])["clusters"][0]

    # Associated: deleting answers DELETE_FAILED and says why.
    failed = env.ecs.delete_capacity_provider(capacityProvider="cp1")["capacityProvider"]
    assert failed["status"] == "ACTIVE"
    assert failed["updateStatus"] == "DELETE_FAILED"
    assert failed["updateStatusReason"] == (
        "The capacity provider cannot be deleted because it is associated with cluster: ec2. "
        "Remove the capacity provider from the cluster and try again.")
    # One cluster per Auto Scaling group provider.
    with raises_code("InvalidParameterException"):
        env.ecs.create_cluster(clusterName="other", capacityProviders=["cp1"])
    # Taken off the cluster, it can go.
    out = env.ecs.put_cluster_capacity_providers(cluster="ec2", capacityProviders=[],
                                                 defaultCapacityProviderStrategy=[])["cluster"]
    assert out["capacityProviders"] == [] and out["attachments"] == []
    assert env.ecs.delete_capacity_provider(capacityProvider="cp1")["capacityProvider"][
        "updateStatus"] == "DELETE_IN_PROGRESS"


def test_deleting_the_cluster_frees_its_provider(env):
    create_cp(env, "cp1")
    env.ecs.create_cluster(clusterName="ec2", capacityProviders=["cp1"])
    env.ecs.delete_cluster(cluster="ec2")
    assert env.ecs.delete_capacity_provider(capacityProvider="cp1")["capacityProvider"][
        "updateStatus"] == "DELETE_IN_PROGRESS"


def test_put_cluster_capacity_providers_rules(env):
    create_cp(env, "cp1")
    fargate_cluster(env)
    put = env.ecs.put_cluster_capacity_providers
    with raises_code("InvalidParameterException") as e:
        put(cluster="app", capacityProviders=["FARGATE"],
            defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}])
    assert err_message(e) == (
        "The specified capacity provider strategy cannot contain a capacity provider that is not "
        "associated with the cluster. Associate the capacity provider with the cluster or specify "
        "a valid capacity provider and try again.")
    with raises_code("InvalidParameterException") as e:
        put(cluster="app", capacityProviders=["FARGATE", "cp1"],
            defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1},
                                             {"capacityProvider": "cp1", "weight": 1}])
    assert err_message(e) == (
        "A capacity provider strategy cannot contain a mix of capacity providers using Auto "
        "Scaling groups and Fargate providers. Specify one or the other and try again.")
    with raises_code("InvalidParameterException"):
        put(cluster="app", capacityProviders=["FARGATE", "FARGATE_SPOT"],
            defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE", "base": 1, "weight": 1},
                                             {"capacityProvider": "FARGATE_SPOT", "base": 2, "weight": 1}])
    with raises_code("InvalidParameterException") as e:
        put(cluster="app", capacityProviders=["nope"], defaultCapacityProviderStrategy=[])
    assert err_message(e) == ("The specified capacity provider was not found. Specify a valid "
                              "capacity provider and try again.")
    with raises_code("ClusterNotFoundException"):
        put(cluster="nope", capacityProviders=[], defaultCapacityProviderStrategy=[])
    # Both kinds may sit in one cluster (a strategy uses one kind).
    out = put(cluster="app", capacityProviders=["FARGATE", "FARGATE_SPOT", "cp1"],
              defaultCapacityProviderStrategy=SPLIT)["cluster"]
    assert out["capacityProviders"] == ["FARGATE", "FARGATE_SPOT", "cp1"]
    assert [s["capacityProvider"] for s in out["defaultCapacityProviderStrategy"]] == [
        "FARGATE", "FARGATE_SPOT"]
    # CreateCluster checks the same.
    with raises_code("InvalidParameterException"):
        env.ecs.create_cluster(clusterName="bad", capacityProviders=["FARGATE"],
                               defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT"}])


def test_a_provider_in_use_cannot_be_removed(env):
    register(env)
    fargate_cluster(env)
    env.ecs.create_service(cluster="app", serviceName="web", taskDefinition="web", desiredCount=1,
                           capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
                           networkConfiguration=netcfg(env))
    with raises_code("ResourceInUseException") as e:
        env.ecs.put_cluster_capacity_providers(cluster="app", capacityProviders=["FARGATE"],
                                               defaultCapacityProviderStrategy=[])
    assert err_message(e) == "The specified capacity provider is in use and cannot be removed."
    # Unchanged.
    assert env.ecs.describe_clusters(clusters=["app"])["clusters"][0]["capacityProviders"] == [
        "FARGATE", "FARGATE_SPOT"]


def test_update_cluster(env):
    fargate_cluster(env)
    with raises_code("InvalidParameterException"):
        env.ecs.update_cluster(cluster="app", configuration={
            "executeCommandConfiguration": {"logging": "OVERRIDE"}})
    cfg = {"executeCommandConfiguration": {
        "logging": "OVERRIDE", "logConfiguration": {"cloudWatchLogGroupName": "exec"}},
        "managedStorageConfiguration": {"fargateEphemeralStorageKmsKeyId": "alias/storage"}}
    out = env.ecs.update_cluster(cluster="app", settings=[{"name": "containerInsights", "value": "enabled"}],
                                 configuration=cfg, serviceConnectDefaults={"namespace": "internal"})["cluster"]
    assert out["settings"] == [{"name": "containerInsights", "value": "enabled"}]
    assert out["configuration"] == cfg
    assert out["serviceConnectDefaults"]["namespace"].startswith(
        f"arn:aws:servicediscovery:us-east-1:{env.account}:namespace/ns-")
    again = env.ecs.describe_clusters(clusters=["app"], include=["CONFIGURATIONS"])["clusters"][0]
    assert again["configuration"] == cfg
    with raises_code("ClusterNotFoundException"):
        env.ecs.update_cluster(cluster="nope", settings=[])


# ---------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------
def test_run_task_splits_by_base_and_weight(env):
    register(env)
    fargate_cluster(env)
    tasks = env.ecs.run_task(cluster="app", taskDefinition="web", count=9,
                             capacityProviderStrategy=SPLIT, networkConfiguration=netcfg(env))["tasks"]
    assert len(tasks) == 9
    assert tasks[0]["capacityProviderName"] == "FARGATE"
    assert Counter(t["capacityProviderName"] for t in tasks) == {"FARGATE": 3, "FARGATE_SPOT": 6}
    assert {t["launchType"] for t in tasks} == {"FARGATE"}
    described = env.ecs.describe_tasks(cluster="app", tasks=[t["taskArn"] for t in tasks])["tasks"]
    assert Counter(t["capacityProviderName"] for t in described) == {"FARGATE": 3, "FARGATE_SPOT": 6}


def test_run_task_uses_the_cluster_default_strategy(env):
    register(env)
    fargate_cluster(env, strategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}])
    [t] = env.ecs.run_task(cluster="app", taskDefinition="web", networkConfiguration=netcfg(env))["tasks"]
    assert t["capacityProviderName"] == "FARGATE_SPOT"
    assert t["launchType"] == "FARGATE"
    # A launch type wins over the default; both at once is refused.
    [t] = env.ecs.run_task(cluster="app", taskDefinition="web", launchType="FARGATE",
                           networkConfiguration=netcfg(env))["tasks"]
    assert "capacityProviderName" not in t
    with raises_code("InvalidParameterException"):
        env.ecs.run_task(cluster="app", taskDefinition="web", launchType="FARGATE",
                         capacityProviderStrategy=[{"capacityProvider": "FARGATE"}],
                         networkConfiguration=netcfg(env))
    # A provider the cluster does not have.
    env.ecs.create_cluster(clusterName="bare")
    with raises_code("InvalidParameterException") as e:
        env.ecs.run_task(cluster="bare", taskDefinition="web", networkConfiguration=netcfg(env),
                         capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT"}])
    assert "not associated with the cluster" in err_message(e)


def test_default_strategy_without_weights_is_refused_when_used(env):
    register(env)
    fargate_cluster(env, strategy=[{"capacityProvider": "FARGATE", "weight": 0},
                                   {"capacityProvider": "FARGATE_SPOT", "weight": 0}])
    with raises_code("InvalidParameterException") as e:
        env.ecs.create_service(cluster="app", serviceName="web", taskDefinition="web",
                               desiredCount=1, networkConfiguration=netcfg(env))
    assert err_message(e).startswith(
        "There are no capacity providers with a weight value greater than zero defined in the "
        "default capacity provider strategy.")


def test_run_task_on_an_asg_provider_without_instances(env):
    register(env)
    create_cp(env, "cp1", scaling={"status": "ENABLED"})
    env.ecs.create_cluster(clusterName="ec2", capacityProviders=["cp1"])
    out = env.ecs.run_task(cluster="ec2", taskDefinition="web", networkConfiguration=netcfg(env),
                           capacityProviderStrategy=[{"capacityProvider": "cp1", "weight": 1}])
    assert out["tasks"] == []
    assert out["failures"] == [{"reason": "No Container Instances were found in your capacity provider."}]


def test_service_keeps_its_split_as_it_scales(env):
    register(env)
    fargate_cluster(env, strategy=SPLIT)
    svc = env.ecs.create_service(cluster="app", serviceName="web", taskDefinition="web",
                                 desiredCount=4, networkConfiguration=netcfg(env))["service"]
    # The cluster's default strategy becomes the service's.
    assert [s["capacityProvider"] for s in svc["capacityProviderStrategy"]] == ["FARGATE", "FARGATE_SPOT"]
    assert "launchType" not in svc
    env.ecs.get_waiter("services_stable").wait(cluster="app", services=["web"], WaiterConfig=FAST)

    def split():
        arns = env.ecs.list_tasks(cluster="app", serviceName="web", desiredStatus="RUNNING")["taskArns"]
        tasks = env.ecs.describe_tasks(cluster="app", tasks=arns)["tasks"]
        return {t["taskArn"] for t in tasks}, Counter(t["capacityProviderName"] for t in tasks)

    first, counts = split()
    assert counts == {"FARGATE": 2, "FARGATE_SPOT": 2}
    env.ecs.update_service(cluster="app", service="web", desiredCount=9)
    env.ecs.get_waiter("services_stable").wait(cluster="app", services=["web"], WaiterConfig=FAST)
    now, counts = split()
    assert first <= now
    assert counts == {"FARGATE": 3, "FARGATE_SPOT": 6}


# ---------------------------------------------------------------------------
# Scenario round trip
# ---------------------------------------------------------------------------
def test_capacity_providers_round_trip(awsemu_launcher, client_for, tmp_path):
    first, stop_first = awsemu_launcher()
    account = random_account()
    e1 = SimpleNamespace(account=account, ecs=client_for(first, "ecs", account=account),
                         ec2=client_for(first, "ec2", account=account))
    e1.vpc = new_vpc(e1.ec2, "10.0.0.0/16")
    e1.s1 = new_subnet(e1.ec2, e1.vpc, "10.0.1.0/24", "us-east-1a")
    nat_egress(e1.ec2, e1.vpc, "10.0.255.0/24")
    # (A service's scenario entry always names its security groups.)
    e1.sg = e1.ec2.create_security_group(GroupName="web", Description="web", VpcId=e1.vpc)["GroupId"]
    register(e1)
    create_cp(e1, "nodes", scaling={"status": "ENABLED", "targetCapacity": 80})
    create_cp(e1, "spare")
    e1.ecs.tag_resource(resourceArn=ecs_arn(account, "capacity-provider/spare"),
                        tags=[{"key": "team", "value": "ops"}])
    e1.ecs.update_capacity_provider(name="spare", autoScalingGroupProvider={"managedDraining": "DISABLED"})
    e1.ecs.create_cluster(clusterName="ec2", capacityProviders=["nodes"])
    fargate_cluster(e1, strategy=SPLIT)
    e1.ecs.create_service(cluster="app", serviceName="web", taskDefinition="web", desiredCount=5,
                          networkConfiguration=netcfg(e1))
    e1.ecs.run_task(cluster="app", taskDefinition="web", networkConfiguration=netcfg(e1),
                    capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT"}])
    e1.ecs.get_waiter("services_stable").wait(cluster="app", services=["web"], WaiterConfig=FAST)

    def snapshot(c):
        arns = c.list_tasks(cluster="app")["taskArns"]
        return {
            "providers": c.describe_capacity_providers(include=["TAGS"])["capacityProviders"],
            "clusters": c.describe_clusters(clusters=["ec2", "app"], include=[
                "ATTACHMENTS", "SETTINGS", "CONFIGURATIONS", "TAGS"])["clusters"],
            "service": c.describe_services(cluster="app", services=["web"])["services"],
            "tasks": sorted(c.describe_tasks(cluster="app", tasks=arns)["tasks"],
                            key=lambda t: t["taskArn"]),
        }

    before = snapshot(e1.ecs)
    assert Counter(t["capacityProviderName"] for t in before["tasks"]) == {"FARGATE": 2, "FARGATE_SPOT": 4}
    exported = requests.get(f"{first}/_awsemu/state", timeout=10).text
    assert "capacityProviders:" in exported
    path = tmp_path / "world.yaml"
    path.write_text(exported)
    stop_first()

    second, stop_second = awsemu_launcher("--scenario", str(path))
    try:
        c2 = client_for(second, "ecs", account=account)
        after = snapshot(c2)
        for k in before:
            assert after[k] == before[k], k
        assert requests.get(f"{second}/_awsemu/state", timeout=10).text == exported
    finally:
        stop_second()
