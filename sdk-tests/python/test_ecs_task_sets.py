"""boto3: ECS task sets (EXTERNAL / CODE_DEPLOY deployment controllers), service
deployments and revisions of rolling deployments, and the deployment circuit breaker.

Each test works in a fresh random account; the lifecycle tests use a second
emulator with ``--pace manual`` and advance its clock.
"""

from __future__ import annotations

import math
import re
import time
from types import SimpleNamespace

import pytest
import requests

from awsemu_helpers import default_sg, nat_egress, new_subnet, new_vpc, raises_code, random_account

SD_ARN_RE = re.compile(
    r"^arn:aws:ecs:us-east-1:\d{12}:service-deployment/app/(?P<svc>[\w-]+)/[A-Za-z0-9_-]+$")
REV_ARN_RE = re.compile(
    r"^arn:aws:ecs:us-east-1:\d{12}:service-revision/app/(?P<svc>[\w-]+)/(?P<id>\d{19})$")


# ---------------------------------------------------------------------------
# Helpers (small copies of test_ecs.py's)
# ---------------------------------------------------------------------------
def _network(c, wait: bool = True) -> SimpleNamespace:
    vpc = new_vpc(c, "10.0.0.0/16")
    s1 = new_subnet(c, vpc, "10.0.1.0/24", "us-east-1a")
    s2 = new_subnet(c, vpc, "10.0.2.0/24", "us-east-1b")
    # The private subnets pull from Docker Hub through a NAT gateway.
    nat_egress(c, vpc, "10.0.255.0/24", wait=wait)
    return SimpleNamespace(vpc=vpc, s1=s1, s2=s2,
                           default_sg=default_sg(c, vpc)["GroupId"])


def container(name="web", image="nginx:1.25", labels=None) -> dict:
    c: dict = {"name": name, "image": image, "essential": True,
               "portMappings": [{"containerPort": 80}]}
    if labels is not None:
        c["dockerLabels"] = labels
    return c


def register(env, family="web", containers=None) -> dict:
    return env.ecs.register_task_definition(
        family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
        cpu="256", memory="512",
        containerDefinitions=containers if containers is not None else [container()],
    )["taskDefinition"]


def netcfg(env) -> dict:
    return {"awsvpcConfiguration": {"subnets": [env.s1, env.s2]}}


def wait_until(fn, timeout=20.0, what="condition"):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}: {last!r}")


def svc(env, name="ext"):
    return env.ecs.describe_services(cluster="app", services=[name])["services"][0]


def task_sets(env, service="ext", **kw):
    return env.ecs.describe_task_sets(cluster="app", service=service, **kw)["taskSets"]


def running_tasks(env, started_by):
    arns = env.ecs.list_tasks(cluster="app", startedBy=started_by)["taskArns"]
    if not arns:
        return []
    return env.ecs.describe_tasks(cluster="app", tasks=arns)["tasks"]


@pytest.fixture
def env(ecs, ec2):
    account = random_account()
    c = ec2(account=account)
    world = _network(c)
    world.ec2 = c
    world.ecs = ecs(account=account)
    world.account = account
    world.ecs.create_cluster(clusterName="app")
    world.td = register(world)
    return world


@pytest.fixture
def manual(manual_endpoint, client_for):
    requests.post(f"{manual_endpoint}/_awsemu/reset", timeout=30).raise_for_status()
    account = random_account()
    c = client_for(manual_endpoint, "ec2", account)
    world = _network(c, wait=False)
    world.ec2 = c
    world.ecs = client_for(manual_endpoint, "ecs", account)

    def advance(seconds: float) -> None:
        r = requests.post(f"{manual_endpoint}/_awsemu/clock", json={"seconds": seconds},
                          timeout=30)
        assert r.status_code == 200, (r.status_code, r.text)

    world.advance = advance
    advance(5)  # the NAT gateway becomes available
    world.ecs.create_cluster(clusterName="app")
    world.td = register(world)
    return world


def external_service(env, name="ext", desired=4):
    return env.ecs.create_service(cluster="app", serviceName=name, desiredCount=desired,
                                  deploymentController={"type": "EXTERNAL"})["service"]


def create_ts(env, service="ext", scale=50.0, td="web", **kw):
    return env.ecs.create_task_set(
        cluster="app", service=service, taskDefinition=td, launchType="FARGATE",
        networkConfiguration=netcfg(env), scale={"value": scale, "unit": "PERCENT"}, **kw,
    )["taskSet"]


# ---------------------------------------------------------------------------
# Task sets
# ---------------------------------------------------------------------------
def test_external_service_takes_no_task_definition_and_starts_no_task(env):
    s = external_service(env)
    assert s["deploymentController"] == {"type": "EXTERNAL"}
    assert s["desiredCount"] == 4 and s["runningCount"] == 0
    assert s.get("taskSets", []) == []
    assert "taskDefinition" not in s
    assert env.ecs.list_tasks(cluster="app", serviceName="ext")["taskArns"] == []
    with raises_code("InvalidParameterException"):
        env.ecs.create_service(cluster="app", serviceName="ext2", taskDefinition="web",
                               deploymentController={"type": "EXTERNAL"})


def test_create_task_set_launches_computed_desired_count(env):
    external_service(env, desired=3)
    ts = create_ts(env, scale=50.0, externalId="blue", tags=[{"key": "k", "value": "v"}])
    assert re.fullmatch(r"ecs-svc/\d{19}", ts["id"])
    account = ts["taskSetArn"].split(":")[4]
    assert ts["taskSetArn"] == f"arn:aws:ecs:us-east-1:{account}:task-set/app/ext/{ts['id']}"
    assert ts["serviceArn"].endswith(":service/app/ext")
    assert ts["status"] == "ACTIVE"
    assert ts["computedDesiredCount"] == math.ceil(3 * 0.5) == 2
    assert ts["scale"] == {"value": 50.0, "unit": "PERCENT"}
    assert ts["externalId"] == "blue"
    assert ts["taskDefinition"] == env.td["taskDefinitionArn"]
    assert ts["launchType"] == "FARGATE"
    assert ts["stabilityStatus"] in ("STABILIZING", "STEADY_STATE")

    def steady():
        got = task_sets(env)[0]
        return got if got["stabilityStatus"] == "STEADY_STATE" else None

    got = wait_until(steady, what="task set steady")
    assert got["runningCount"] == 2 and got["pendingCount"] == 0
    tasks = running_tasks(env, ts["id"])
    assert len(tasks) == 2
    assert {t["startedBy"] for t in tasks} == {ts["id"]}
    assert {t["group"] for t in tasks} == {"service:ext"}
    s = svc(env)
    assert [t["id"] for t in s["taskSets"]] == [ts["id"]]
    assert s["runningCount"] == 2


def test_describe_task_sets_tags_and_failures(env):
    external_service(env, desired=2)
    ts = create_ts(env, scale=0.0, tags=[{"key": "team", "value": "blue"}])
    plain = task_sets(env, taskSets=[ts["id"]])[0]
    assert "tags" not in plain
    tagged = task_sets(env, taskSets=[ts["taskSetArn"]], include=["TAGS"])[0]
    assert tagged["tags"] == [{"key": "team", "value": "blue"}]
    env.ecs.tag_resource(resourceArn=ts["taskSetArn"], tags=[{"key": "env", "value": "prod"}])
    assert env.ecs.list_tags_for_resource(resourceArn=ts["taskSetArn"])["tags"] == [
        {"key": "team", "value": "blue"}, {"key": "env", "value": "prod"}]
    resp = env.ecs.describe_task_sets(cluster="app", service="ext",
                                      taskSets=["ecs-svc/1234567890123456789"])
    assert resp["taskSets"] == []
    assert resp["failures"][0]["reason"] == "MISSING"
    with raises_code("ServiceNotFoundException"):
        env.ecs.describe_task_sets(cluster="app", service="nope")
    with raises_code("ClusterNotFoundException"):
        env.ecs.describe_task_sets(cluster="nope", service="ext")


def test_update_task_set_scales_and_delete_drains(manual):
    env = manual
    external_service(env, desired=4)
    ts = create_ts(env, scale=25.0)
    assert ts["computedDesiredCount"] == 1
    env.advance(10)
    assert task_sets(env)[0]["runningCount"] == 1
    assert task_sets(env)[0]["stabilityStatus"] == "STEADY_STATE"

    up = env.ecs.update_task_set(cluster="app", service="ext", taskSet=ts["id"],
                                 scale={"value": 100.0, "unit": "PERCENT"})["taskSet"]
    assert up["computedDesiredCount"] == 4
    assert up["scale"] == {"value": 100.0, "unit": "PERCENT"}
    assert up["stabilityStatus"] == "STABILIZING"
    assert up["pendingCount"] == 3
    env.advance(10)
    now = task_sets(env)[0]
    assert now["runningCount"] == 4 and now["stabilityStatus"] == "STEADY_STATE"

    with raises_code("InvalidParameterException"):
        env.ecs.delete_task_set(cluster="app", service="ext", taskSet=ts["id"])
    gone = env.ecs.delete_task_set(cluster="app", service="ext", taskSet=ts["id"],
                                   force=True)["taskSet"]
    assert gone["status"] == "DRAINING"
    assert task_sets(env)[0]["status"] == "DRAINING"
    env.advance(30)
    assert task_sets(env) == []
    assert env.ecs.list_tasks(cluster="app", serviceName="ext")["taskArns"] == []
    stopped = running_tasks(env, ts["id"]) or env.ecs.describe_tasks(
        cluster="app",
        tasks=env.ecs.list_tasks(cluster="app", startedBy=ts["id"],
                                 desiredStatus="STOPPED")["taskArns"])["tasks"]
    assert len(stopped) == 4
    assert {t["lastStatus"] for t in stopped} == {"STOPPED"}


def test_update_service_primary_task_set_blue_green(env):
    external_service(env, desired=2)
    blue = create_ts(env, scale=100.0)
    green_td = register(env, containers=[container(image="nginx:1.27")])
    green = create_ts(env, scale=0.0, td=green_td["taskDefinitionArn"])
    p = env.ecs.update_service_primary_task_set(cluster="app", service="ext",
                                                primaryTaskSet=blue["taskSetArn"])["taskSet"]
    assert p["status"] == "PRIMARY"
    s = svc(env)
    assert s["taskDefinition"] == env.td["taskDefinitionArn"]
    statuses = {t["id"]: t["status"] for t in s["taskSets"]}
    assert statuses == {blue["id"]: "PRIMARY", green["id"]: "ACTIVE"}

    env.ecs.update_task_set(cluster="app", service="ext", taskSet=green["id"],
                            scale={"value": 100.0, "unit": "PERCENT"})
    env.ecs.update_service_primary_task_set(cluster="app", service="ext",
                                            primaryTaskSet=green["id"])
    s = svc(env)
    statuses = {t["id"]: t["status"] for t in s["taskSets"]}
    assert statuses == {blue["id"]: "ACTIVE", green["id"]: "PRIMARY"}
    assert s["taskDefinition"] == green_td["taskDefinitionArn"]
    assert s["taskSets"][0]["id"] == green["id"]

    # Scaling the service rescales every task set.
    env.ecs.update_service(cluster="app", service="ext", desiredCount=4)
    wait_until(lambda: all(t["runningCount"] == 4 for t in task_sets(env)),
               what="both task sets at 4")
    assert {t["computedDesiredCount"] for t in task_sets(env)} == {4}


def test_code_deploy_service_starts_with_a_primary_task_set(env):
    s = env.ecs.create_service(cluster="app", serviceName="cd", taskDefinition="web",
                               desiredCount=2, launchType="FARGATE",
                               networkConfiguration=netcfg(env),
                               deploymentController={"type": "CODE_DEPLOY"})["service"]
    assert s["deploymentController"] == {"type": "CODE_DEPLOY"}
    assert len(s["taskSets"]) == 1
    first = s["taskSets"][0]
    assert first["status"] == "PRIMARY"
    assert first["scale"] == {"value": 100.0, "unit": "PERCENT"}
    assert first["computedDesiredCount"] == 2
    wait_until(lambda: svc(env, "cd")["runningCount"] == 2, what="2 running")
    with raises_code("InvalidParameterException"):
        env.ecs.update_service(cluster="app", service="cd", taskDefinition="web")


def test_task_set_errors(env):
    env.ecs.create_service(cluster="app", serviceName="rolling", taskDefinition="web",
                           desiredCount=0, launchType="FARGATE",
                           networkConfiguration=netcfg(env))
    with raises_code("InvalidParameterException") as e:
        create_ts(env, service="rolling")
    assert "external deployment controllers" in e.value.response["Error"]["Message"]
    with raises_code("ServiceNotFoundException"):
        create_ts(env, service="nope")
    with raises_code("ClusterNotFoundException"):
        env.ecs.create_task_set(cluster="nope", service="ext", taskDefinition="web")
    external_service(env)
    with raises_code("ClientException"):
        create_ts(env, td="missing:1")
    with raises_code("InvalidParameterException"):
        create_ts(env, scale=150.0)
    with raises_code("TaskSetNotFoundException"):
        env.ecs.update_task_set(cluster="app", service="ext",
                                taskSet="ecs-svc/1234567890123456789",
                                scale={"value": 10.0, "unit": "PERCENT"})
    with raises_code("TaskSetNotFoundException"):
        env.ecs.delete_task_set(cluster="app", service="ext",
                                taskSet="ecs-svc/1234567890123456789")
    with raises_code("TaskSetNotFoundException"):
        env.ecs.update_service_primary_task_set(cluster="app", service="ext",
                                                primaryTaskSet="ecs-svc/1234567890123456789")
    for _ in range(5):
        create_ts(env, scale=0.0)
    with raises_code("InvalidParameterException") as e:
        create_ts(env, scale=0.0)
    assert "exceeds the maximum limit" in e.value.response["Error"]["Message"]


def test_delete_external_service_drains_task_sets(env):
    external_service(env, desired=2)
    ts = create_ts(env, scale=100.0)
    wait_until(lambda: task_sets(env)[0]["runningCount"] == 2, what="running")
    out = env.ecs.delete_service(cluster="app", service="ext", force=True)["service"]
    assert out["status"] == "DRAINING"
    wait_until(lambda: svc(env)["status"] == "INACTIVE", what="INACTIVE")
    assert env.ecs.list_tasks(cluster="app", startedBy=ts["id"])["taskArns"] == []


def test_task_sets_register_in_their_own_target_groups(env, elbv2):
    elb = elbv2(account=env.account)
    lb = elb.create_load_balancer(Name="nlb", Type="network", Scheme="internal",
                                  Subnets=[env.s1, env.s2])["LoadBalancers"][0]["LoadBalancerArn"]
    tgs = {}
    for name, port in (("blue", 80), ("green", 8080)):
        tgs[name] = elb.create_target_group(Name=name, Protocol="TCP", Port=80, VpcId=env.vpc,
                                            TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
        elb.create_listener(LoadBalancerArn=lb, Protocol="TCP", Port=port, DefaultActions=[
            {"Type": "forward", "TargetGroupArn": tgs[name]}])
    external_service(env, desired=1)
    lbs = lambda tg: [{"targetGroupArn": tg, "containerName": "web", "containerPort": 80}]  # noqa: E731
    blue = create_ts(env, scale=100.0, loadBalancers=lbs(tgs["blue"]))
    green = create_ts(env, scale=100.0, loadBalancers=lbs(tgs["green"]))
    assert green["loadBalancers"] == lbs(tgs["green"])

    def ips(tg):
        d = elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
        return {t["Target"]["Id"]: t["TargetHealth"]["State"] for t in d}

    def ip_of(ts):
        [t] = running_tasks(env, ts["id"])
        return t["containers"][0]["networkInterfaces"][0]["privateIpv4Address"]

    wait_until(lambda: all(t["stabilityStatus"] == "STEADY_STATE" for t in task_sets(env)),
               what="both steady")
    assert ips(tgs["blue"]) == {ip_of(blue): "healthy"}
    assert ips(tgs["green"]) == {ip_of(green): "healthy"}
    events = [e["message"] for e in svc(env)["events"]]
    assert f"(service ext) registered 1 targets in (target-group {tgs['green']})" in events
    with raises_code("InvalidParameterException"):
        create_ts(env, scale=0.0, loadBalancers=[{"targetGroupArn": tgs["blue"],
                                                  "containerName": "nope",
                                                  "containerPort": 80}])


# ---------------------------------------------------------------------------
# Service deployments and revisions
# ---------------------------------------------------------------------------
def rolling_service(env, name="web", desired=2, **kw):
    return env.ecs.create_service(cluster="app", serviceName=name, taskDefinition="web",
                                  desiredCount=desired, launchType="FARGATE",
                                  networkConfiguration=netcfg(env), **kw)["service"]


def deployments(env, service="web", **kw):
    return env.ecs.list_service_deployments(cluster="app", service=service,
                                            **kw)["serviceDeployments"]


def describe_sd(env, arn):
    return env.ecs.describe_service_deployments(serviceDeploymentArns=[arn])[
        "serviceDeployments"][0]


def test_service_deployments_and_revisions_after_update(env):
    s = rolling_service(env)
    first_id = s["deployments"][0]["id"]
    wait_until(lambda: deployments(env) and deployments(env)[0]["status"] == "SUCCESSFUL",
               what="first deployment SUCCESSFUL")
    [first] = deployments(env)
    assert SD_ARN_RE.match(first["serviceDeploymentArn"])
    m = REV_ARN_RE.match(first["targetServiceRevisionArn"])
    assert m and m.group("id") == first_id.split("/")[1]
    assert first["serviceArn"] == s["serviceArn"] and first["clusterArn"] == s["clusterArn"]
    assert first["finishedAt"] >= first["startedAt"]

    v2 = register(env, containers=[container(image="nginx:1.27")])
    up = env.ecs.update_service(cluster="app", service="web",
                                taskDefinition=v2["taskDefinitionArn"])["service"]
    second_id = up["deployments"][0]["id"]
    wait_until(lambda: deployments(env)[0]["status"] == "SUCCESSFUL",
               what="second deployment SUCCESSFUL")
    listed = deployments(env)
    assert len(listed) == 2
    newest = listed[0]
    assert newest["targetServiceRevisionArn"].endswith(second_id.split("/")[1])
    sd = describe_sd(env, newest["serviceDeploymentArn"])
    assert sd["status"] == "SUCCESSFUL"
    assert [r["arn"] for r in sd["sourceServiceRevisions"]] == [first["targetServiceRevisionArn"]]
    assert sd["targetServiceRevision"]["requestedTaskCount"] == 2
    assert sd["targetServiceRevision"]["runningTaskCount"] == 2
    assert sd["deploymentConfiguration"]["maximumPercent"] == 200
    assert sd["deploymentCircuitBreaker"]["status"] == "DISABLED"

    revs = env.ecs.describe_service_revisions(serviceRevisionArns=[
        first["targetServiceRevisionArn"], newest["targetServiceRevisionArn"],
        first["targetServiceRevisionArn"][:-3] + "000",
    ])
    old, new = revs["serviceRevisions"]
    assert old["taskDefinition"] == env.td["taskDefinitionArn"]
    assert new["taskDefinition"] == v2["taskDefinitionArn"]
    assert new["containerImages"] == [{"containerName": "web", "image": "nginx:1.27"}]
    assert new["launchType"] == "FARGATE" and new["platformVersion"] == "1.4.0"
    assert new["networkConfiguration"]["awsvpcConfiguration"]["subnets"] == [env.s1, env.s2]
    assert new["serviceArn"] == s["serviceArn"]
    assert revs["failures"][0]["reason"] == "MISSING"

    # Filters.
    assert [d["status"] for d in deployments(env, status=["SUCCESSFUL"])] == ["SUCCESSFUL"] * 2
    assert deployments(env, status=["IN_PROGRESS"]) == []
    future = newest["createdAt"].timestamp() + 3600
    assert deployments(env, createdAt={"after": future}) == []
    assert len(deployments(env, createdAt={"before": future})) == 2
    page = env.ecs.list_service_deployments(cluster="app", service="web", maxResults=1)
    assert len(page["serviceDeployments"]) == 1 and page["nextToken"]
    rest = env.ecs.list_service_deployments(cluster="app", service="web",
                                            nextToken=page["nextToken"])
    assert rest["serviceDeployments"][0]["serviceDeploymentArn"] == first["serviceDeploymentArn"]


def test_service_deployment_errors(env):
    rolling_service(env, desired=0)
    with raises_code("ServiceNotFoundException"):
        env.ecs.list_service_deployments(cluster="app", service="nope")
    with raises_code("ClusterNotFoundException"):
        env.ecs.list_service_deployments(cluster="nope", service="web")
    missing = "arn:aws:ecs:us-east-1:123456789012:service-deployment/app/web/NOPE"
    resp = env.ecs.describe_service_deployments(serviceDeploymentArns=[missing])
    assert resp["serviceDeployments"] == [] and resp["failures"][0]["reason"] == "MISSING"
    with raises_code("ServiceDeploymentNotFoundException"):
        env.ecs.stop_service_deployment(serviceDeploymentArn=missing)
    with raises_code("ServiceDeploymentNotFoundException"):
        env.ecs.continue_service_deployment(serviceDeploymentArn=missing, hookId="h")
    done = wait_until(lambda: [d for d in deployments(env) if d["status"] == "SUCCESSFUL"],
                      what="SUCCESSFUL")[0]
    with raises_code("ConflictException"):
        env.ecs.stop_service_deployment(serviceDeploymentArn=done["serviceDeploymentArn"])
    with raises_code("InvalidParameterException"):
        env.ecs.continue_service_deployment(
            serviceDeploymentArn=done["serviceDeploymentArn"], hookId="nope")


def test_stop_service_deployment_rolls_back(manual):
    env = manual
    rolling_service(env, desired=2)
    env.advance(10)
    [first] = deployments(env)
    assert first["status"] == "SUCCESSFUL"
    # A new revision whose tasks never run (they stay "starting").
    bad = register(env, containers=[container(image="nginx:bad", labels={
        "awsemu.failToStart": "CannotPullContainerError: pull access denied"})])
    up = env.ecs.update_service(cluster="app", service="web",
                                taskDefinition=bad["taskDefinitionArn"])["service"]
    new_id, old_id = [d["id"] for d in up["deployments"]]
    current = [d for d in deployments(env) if d["status"] == "IN_PROGRESS"][0]
    with raises_code("InvalidParameterException"):
        env.ecs.stop_service_deployment(serviceDeploymentArn=current["serviceDeploymentArn"],
                                        stopType="ABORT")
    out = env.ecs.stop_service_deployment(
        serviceDeploymentArn=current["serviceDeploymentArn"], stopType="ROLLBACK")
    assert out["serviceDeploymentArn"] == current["serviceDeploymentArn"]
    sd = describe_sd(env, current["serviceDeploymentArn"])
    assert sd["status"] == "ROLLBACK_IN_PROGRESS"
    assert sd["rollback"]["serviceRevisionArn"] == first["targetServiceRevisionArn"]
    s = svc(env, "web")
    assert s["deployments"][0]["id"] == old_id
    assert s["taskDefinition"] == env.td["taskDefinitionArn"]
    env.advance(30)
    sd = describe_sd(env, current["serviceDeploymentArn"])
    assert sd["status"] == "ROLLBACK_SUCCESSFUL"
    assert "finishedAt" in sd
    s = svc(env, "web")
    assert [d["id"] for d in s["deployments"]] == [old_id]
    assert s["deployments"][0]["rolloutState"] == "COMPLETED"
    assert s["runningCount"] == 2
    assert new_id not in {d["id"] for d in s["deployments"]}


# ---------------------------------------------------------------------------
# Deployment circuit breaker
# ---------------------------------------------------------------------------
def test_circuit_breaker_fails_and_rolls_back(env):
    rolling_service(env, desired=2, deploymentConfiguration={
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "maximumPercent": 200, "minimumHealthyPercent": 100})
    wait_until(lambda: deployments(env) and deployments(env)[0]["status"] == "SUCCESSFUL",
               what="first deployment")
    old_id = svc(env, "web")["deployments"][0]["id"]
    bad = register(env, containers=[container(labels={
        "awsemu.failToStart": "CannotPullContainerError: pull access denied"})])
    up = env.ecs.update_service(cluster="app", service="web",
                                taskDefinition=bad["taskDefinitionArn"])["service"]
    bad_id = up["deployments"][0]["id"]

    def rolled_back():
        s = svc(env, "web")
        return s if [d["id"] for d in s["deployments"]] == [old_id] and \
            s["deployments"][0]["rolloutState"] == "COMPLETED" else None

    s = wait_until(rolled_back, timeout=30, what="rollback")
    messages = [e["message"] for e in s["events"]]
    assert f"(service web) (deployment {bad_id}) deployment failed: tasks failed to start." \
        in messages
    assert f"(service web) rolling back to deployment {old_id}." in messages
    assert s["taskDefinition"] == env.td["taskDefinitionArn"]
    failed = [t for t in env.ecs.describe_tasks(cluster="app", tasks=env.ecs.list_tasks(
        cluster="app", startedBy=bad_id, desiredStatus="STOPPED")["taskArns"])["tasks"]]
    # Threshold: ceil(0.5 x 2) = 1, raised to the minimum of 3.
    assert len([t for t in failed if t["stopCode"] == "TaskFailedToStart"]) == 3

    sd = [d for d in deployments(env) if d["status"].startswith("ROLLBACK")][0]
    assert sd["status"] == "ROLLBACK_SUCCESSFUL"
    full = describe_sd(env, sd["serviceDeploymentArn"])
    assert full["deploymentCircuitBreaker"] == {"status": "TRIGGERED", "failureCount": 3,
                                                "threshold": 3}
    assert full["rollback"]["reason"]


def test_circuit_breaker_without_rollback_marks_deployment_failed(env):
    rolling_service(env, desired=1, deploymentConfiguration={
        "deploymentCircuitBreaker": {"enable": True, "rollback": False}})
    wait_until(lambda: svc(env, "web")["deployments"][0]["rolloutState"] == "COMPLETED",
               what="first deployment")
    bad = register(env, containers=[container(labels={
        "awsemu.failToStart": "CannotPullContainerError: nope"})])
    env.ecs.update_service(cluster="app", service="web",
                           taskDefinition=bad["taskDefinitionArn"])

    def failed():
        d = svc(env, "web")["deployments"][0]
        return d if d["rolloutState"] == "FAILED" else None

    d = wait_until(failed, timeout=30, what="FAILED")
    assert d["rolloutStateReason"] == "ECS deployment circuit breaker: tasks failed to start."
    assert d["failedTasks"] == 3
    assert len(svc(env, "web")["deployments"]) == 2
