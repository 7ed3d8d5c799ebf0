"""boto3: ECS services behind ELBv2 target groups (issue 13, item 5).

CreateService/UpdateService ``loadBalancers`` checked as ECS checks them; a
service's tasks registered as ``ip`` targets once RUNNING (their ENI's private
IP on the container port) and deregistered — draining, the task waiting in
``DEACTIVATING`` — before they stop; the service reaching its steady state
only once its targets pass their first health checks; a task whose target
fails its checks replaced (after the grace period), in ECS's words in the
service events; rolling deployments and a change of target group; scenarios.

The state machine runs on a second emulator with ``--pace manual``: the
clock moves only when the test advances it (task steps 1 s each, first
health checks 10 s, draining = the group's deregistration delay).
"""

from __future__ import annotations

import pytest
import requests
import yaml

from awsemu_helpers import err_message, nat_egress, new_subnet, new_vpc, raises_code, random_account

FAST = {"Delay": 0.1, "MaxAttempts": 60}


def advance(endpoint: str, seconds: float) -> None:
    r = requests.post(f"{endpoint}/_awsemu/clock", json={"seconds": seconds}, timeout=30)
    assert r.status_code == 200, r.text


class World:
    """One account's clients and a VPC with two subnets, a network load
    balancer with a TCP listener forwarding to an ``ip`` target group, a
    cluster and a FARGATE awsvpc task definition (container ``web`` on 80)."""

    def __init__(self, ec2, elb, ecs, delay: int = 30, wait: bool = True):
        self.ec2, self.elb, self.ecs = ec2, elb, ecs
        self.vpc = new_vpc(ec2, "10.0.0.0/16")
        self.a = new_subnet(ec2, self.vpc, "10.0.1.0/24", "us-east-1a")
        self.b = new_subnet(ec2, self.vpc, "10.0.2.0/24", "us-east-1b")
        # The private subnets pull from Docker Hub through a NAT gateway.
        self.egress = nat_egress(ec2, self.vpc, "10.0.255.0/24", wait=wait)
        self.lb = elb.create_load_balancer(Name="nlb", Type="network", Scheme="internal",
                                           Subnets=[self.a, self.b])["LoadBalancers"][0]["LoadBalancerArn"]
        self.tg = self.target_group("web", delay)
        self.listener = elb.create_listener(
            LoadBalancerArn=self.lb, Protocol="TCP", Port=80,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": self.tg}])["Listeners"][0]["ListenerArn"]
        ecs.create_cluster(clusterName="app")
        self.td = self.task_definition("web")

    def target_group(self, name: str, delay: int = 30, target_type: str = "ip") -> str:
        arn = self.elb.create_target_group(Name=name, Protocol="TCP", Port=80, VpcId=self.vpc,
                                           TargetType=target_type)["TargetGroups"][0]["TargetGroupArn"]
        self.elb.modify_target_group_attributes(
            TargetGroupArn=arn,
            Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": str(delay)}])
        return arn

    def task_definition(self, family: str, image: str = "nginx:latest", port: int = 80) -> str:
        return self.ecs.register_task_definition(
            family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
            cpu="256", memory="512",
            containerDefinitions=[{"name": "web", "image": image,
                                   "portMappings": [{"containerPort": port}]}],
        )["taskDefinition"]["taskDefinitionArn"]

    def lbs(self, tg: str | None = None, container: str = "web", port: int = 80) -> list[dict]:
        return [{"targetGroupArn": tg or self.tg, "containerName": container, "containerPort": port}]

    def create_service(self, desired: int = 1, name: str = "web", **kw) -> dict:
        params = {
            "cluster": "app", "serviceName": name, "taskDefinition": self.td,
            "desiredCount": desired, "launchType": "FARGATE",
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": [self.a, self.b]}},
            "loadBalancers": self.lbs(),
        }
        params.update(kw)
        return self.ecs.create_service(**params)["service"]

    def service(self, name: str = "web") -> dict:
        return self.ecs.describe_services(cluster="app", services=[name])["services"][0]

    def events(self, name: str = "web") -> list[str]:
        return [e["message"] for e in self.service(name)["events"]]

    def targets(self, tg: str | None = None) -> dict[str, str]:
        """IP -> health state."""
        d = self.elb.describe_target_health(TargetGroupArn=tg or self.tg)["TargetHealthDescriptions"]
        return {t["Target"]["Id"]: t["TargetHealth"]["State"] for t in d}

    def tasks(self, status: str = "RUNNING") -> list[dict]:
        arns = self.ecs.list_tasks(cluster="app", desiredStatus=status)["taskArns"]
        if not arns:
            return []
        return self.ecs.describe_tasks(cluster="app", tasks=arns)["tasks"]

    def task(self, arn: str) -> dict:
        return self.ecs.describe_tasks(cluster="app", tasks=[arn])["tasks"][0]


def ip_of(task: dict) -> str:
    return task["containers"][0]["networkInterfaces"][0]["privateIpv4Address"]


@pytest.fixture
def world(ec2, elbv2, ecs):
    account = random_account()
    return World(ec2(account=account), elbv2(account=account), ecs(account=account))


@pytest.fixture
def manual(manual_endpoint, client_for):
    r = requests.post(f"{manual_endpoint}/_awsemu/reset", timeout=30)
    assert r.status_code == 200, r.text
    w = World(client_for(manual_endpoint, "ec2"), client_for(manual_endpoint, "elbv2"),
              client_for(manual_endpoint, "ecs"), wait=False)
    w.endpoint = manual_endpoint
    r = requests.post(f"{manual_endpoint}/_awsemu/clock", json={"seconds": 5}, timeout=30)
    assert r.status_code == 200, r.text  # the NAT gateway becomes available
    return w


def set_health(endpoint: str, tg: str, ip: str, healthy: bool) -> None:
    r = requests.post(f"{endpoint}/_awsemu/elbv2/target-health",
                      json={"targetGroupArn": tg, "targetId": ip, "port": 80, "healthy": healthy},
                      timeout=30)
    assert r.status_code == 200, r.text


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------
def test_create_service_load_balancer_checks(world):
    w = world
    with raises_code("InvalidParameterException") as e:
        w.create_service(loadBalancers=[], healthCheckGracePeriodSeconds=30)
    assert err_message(e) == (
        "Health check grace period is only valid for services configured to use load balancers")
    missing = w.tg.replace("/web/", "/nope/")
    with raises_code("InvalidParameterException") as e:
        w.create_service(loadBalancers=w.lbs(missing))
    assert err_message(e).startswith("Unable to assume role and validate the specified targetGroupArn.")
    lonely = w.target_group("lonely")
    with raises_code("InvalidParameterException") as e:
        w.create_service(loadBalancers=w.lbs(lonely))
    assert err_message(e) == (
        f"The target group with targetGroupArn {lonely} does not have an associated load balancer.")
    inst = w.target_group("inst", target_type="instance")
    w.elb.create_listener(LoadBalancerArn=w.lb, Protocol="TCP", Port=81,
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": inst}])
    with raises_code("InvalidParameterException") as e:
        w.create_service(loadBalancers=w.lbs(inst))
    assert err_message(e) == (
        f"The provided target group {inst} has target type instance, which is incompatible "
        "with the awsvpc network mode specified in the task definition.")
    with raises_code("InvalidParameterException") as e:
        w.create_service(loadBalancers=w.lbs(container="api"))
    assert err_message(e) == "The container api does not exist in the task definition."
    with raises_code("InvalidParameterException") as e:
        w.create_service(loadBalancers=w.lbs(port=8080))
    assert err_message(e) == "The container web did not have a container port 8080 defined."
    with raises_code("InvalidParameterException") as e:
        w.create_service(loadBalancers=[{"loadBalancerName": "classic", "containerName": "web",
                                         "containerPort": 80}])
    assert err_message(e) == "The load balancer classic does not exist."
    with raises_code("InvalidParameterException"):
        w.create_service(loadBalancers=w.lbs() * 6)
    # Nothing was made by the refusals.
    assert w.ecs.list_services(cluster="app")["serviceArns"] == []
    assert w.targets() == {}


def test_update_service_load_balancer_checks(world):
    w = world
    plain = w.create_service(desired=0, loadBalancers=[])
    assert plain["loadBalancers"] == []
    assert "healthCheckGracePeriodSeconds" not in plain
    with raises_code("InvalidParameterException") as e:
        w.ecs.update_service(cluster="app", service="web", healthCheckGracePeriodSeconds=10)
    assert "only valid for services configured to use load balancers" in err_message(e)
    # A new task definition whose container no longer has the port.
    w.create_service(desired=0, name="lb")
    other = w.task_definition("other", port=8080)
    with raises_code("InvalidParameterException") as e:
        w.ecs.update_service(cluster="app", service="lb", taskDefinition=other)
    assert err_message(e) == "The container web did not have a container port 80 defined."
    assert w.service("lb")["taskDefinition"] == w.td


# ---------------------------------------------------------------------------
# Immediate pace: the whole flow
# ---------------------------------------------------------------------------
def test_service_tasks_become_healthy_targets(world):
    w = world
    s = w.create_service(desired=2)
    assert s["loadBalancers"] == w.lbs()
    assert s["healthCheckGracePeriodSeconds"] == 0
    w.ecs.get_waiter("services_stable").wait(cluster="app", services=["web"], WaiterConfig=FAST)
    tasks = w.tasks()
    assert len(tasks) == 2
    ips = {ip_of(t) for t in tasks}
    assert w.targets() == {ip: "healthy" for ip in ips}
    w.elb.get_waiter("target_in_service").wait(
        TargetGroupArn=w.tg, Targets=[{"Id": ip, "Port": 80} for ip in ips], WaiterConfig=FAST)
    events = w.events()
    assert events.count(f"(service web) registered 1 targets in (target-group {w.tg})") == 2
    assert events[0] == "(service web) has reached a steady state."
    svc = w.service()
    assert svc["runningCount"] == 2
    assert [d["rolloutState"] for d in svc["deployments"]] == ["COMPLETED"]


def test_scale_in_drains_then_stops(world):
    w = world
    w.elb.modify_target_group_attributes(
        TargetGroupArn=w.tg, Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "0"}])
    w.create_service(desired=2)
    w.ecs.get_waiter("services_stable").wait(cluster="app", services=["web"], WaiterConfig=FAST)
    w.ecs.update_service(cluster="app", service="web", desiredCount=0)
    w.ecs.get_waiter("services_stable").wait(cluster="app", services=["web"], WaiterConfig=FAST)
    assert w.targets() == {}
    events = w.events()
    assert events.count("(service web) has begun draining connections on 1 tasks.") == 2
    assert events.count(f"(service web) deregistered 1 targets in (target-group {w.tg})") == 2


def test_bridge_tasks_register_their_instance_and_host_port(world):
    """EC2 launch type, bridge network mode, dynamic host ports: each task is
    registered in an ``instance`` target group as its container instance's
    EC2 instance on the host port its container port is bound to."""
    w = world
    images = w.ec2.describe_images(Owners=["amazon"], Filters=[
        {"Name": "name", "Values": ["al2023-ami-ecs-hvm-*-x86_64"]}])["Images"]
    ami = sorted(images, key=lambda i: i["CreationDate"])[-1]["ImageId"]
    [instance] = [i["InstanceId"] for i in w.ec2.run_instances(
        ImageId=ami, InstanceType="t3.large", MinCount=1, MaxCount=1, SubnetId=w.a,
        UserData="#!/bin/bash\necho ECS_CLUSTER=app >> /etc/ecs/ecs.config\n")["Instances"]]
    tg = w.target_group("bridge", delay=0, target_type="instance")
    w.elb.create_listener(LoadBalancerArn=w.lb, Protocol="TCP", Port=8080,
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    td = w.ecs.register_task_definition(
        family="bridge", networkMode="bridge", requiresCompatibilities=["EC2"],
        containerDefinitions=[{"name": "web", "image": "nginx:latest", "cpu": 256, "memory": 256,
                               "portMappings": [{"containerPort": 80, "hostPort": 0}]}],
    )["taskDefinition"]["taskDefinitionArn"]
    w.ecs.create_service(cluster="app", serviceName="bridge", taskDefinition=td, desiredCount=2,
                         launchType="EC2", loadBalancers=w.lbs(tg))
    w.ecs.get_waiter("services_stable").wait(cluster="app", services=["bridge"], WaiterConfig=FAST)
    tasks = w.tasks()
    assert len(tasks) == 2
    ports = set()
    for t in tasks:
        [binding] = t["containers"][0]["networkBindings"]
        assert binding["containerPort"] == 80
        ports.add(binding["hostPort"])
    # Two distinct ephemeral host ports, both on the one instance.
    assert len(ports) == 2 and all(32768 <= p <= 65535 for p in ports)
    d = w.elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
    assert sorted((t["Target"]["Id"], t["Target"]["Port"], t["TargetHealth"]["State"]) for t in d) \
        == sorted((instance, p, "healthy") for p in ports)
    assert w.events("bridge").count(
        f"(service bridge) registered 1 targets in (target-group {tg})") == 2
    # Scaling in deregisters the task's instance and port.
    w.ecs.update_service(cluster="app", service="bridge", desiredCount=1)
    w.ecs.get_waiter("services_stable").wait(cluster="app", services=["bridge"], WaiterConfig=FAST)
    [left] = w.tasks()
    port = left["containers"][0]["networkBindings"][0]["hostPort"]
    d = w.elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
    assert [(t["Target"]["Id"], t["Target"]["Port"]) for t in d] == [(instance, port)]


# ---------------------------------------------------------------------------
# Manual pace: the state machine
# ---------------------------------------------------------------------------
def test_health_and_draining_on_the_clock(manual):
    w = manual
    w.create_service(desired=1)
    advance(w.endpoint, 3)  # PROVISIONING -> PENDING -> ACTIVATING -> RUNNING
    [task] = w.tasks()
    assert task["lastStatus"] == "RUNNING"
    ip = ip_of(task)
    assert w.targets() == {ip: "initial"}
    # Running but not yet healthy: no steady state, the deployment goes on.
    svc = w.service()
    assert svc["runningCount"] == 1
    assert svc["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    assert "(service web) has reached a steady state." not in w.events()
    assert w.events()[0] == f"(service web) registered 1 targets in (target-group {w.tg})"
    advance(w.endpoint, 10)
    assert w.targets() == {ip: "healthy"}
    svc = w.service()
    assert svc["deployments"][0]["rolloutState"] == "COMPLETED"
    assert w.events()[0] == "(service web) has reached a steady state."

    # Scale in: the target drains for the deregistration delay (30 s) while
    # the task waits in DEACTIVATING, then both go.
    w.ecs.update_service(cluster="app", service="web", desiredCount=0)
    t = w.task(task["taskArn"])
    assert (t["lastStatus"], t["desiredStatus"]) == ("DEACTIVATING", "STOPPED")
    assert w.targets() == {ip: "draining"}
    d = w.elb.describe_target_health(TargetGroupArn=w.tg)["TargetHealthDescriptions"][0]
    assert d["TargetHealth"]["Reason"] == "Target.DeregistrationInProgress"
    events = w.events()
    assert f"(service web) deregistered 1 targets in (target-group {w.tg})" in events[:3]
    assert "(service web) has begun draining connections on 1 tasks." in events[:3]
    advance(w.endpoint, 29)
    assert w.task(task["taskArn"])["lastStatus"] == "DEACTIVATING"
    assert w.targets() == {ip: "draining"}
    advance(w.endpoint, 1)
    assert w.targets() == {}
    advance(w.endpoint, 3)
    t = w.task(task["taskArn"])
    assert t["lastStatus"] == "STOPPED"
    assert t["stopCode"] == "ServiceSchedulerInitiated"


def test_unhealthy_target_replaces_the_task(manual):
    w = manual
    w.elb.modify_target_group_attributes(
        TargetGroupArn=w.tg, Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "5"}])
    w.create_service(desired=1)
    advance(w.endpoint, 13)
    [task] = w.tasks()
    old_ip = ip_of(task)
    assert w.targets() == {old_ip: "healthy"}
    set_health(w.endpoint, w.tg, old_ip, healthy=False)
    t = w.task(task["taskArn"])
    assert t["desiredStatus"] == "STOPPED"
    assert t["stopCode"] == "ServiceSchedulerInitiated"
    assert t["stoppedReason"] == f"Task failed ELB health checks in (target-group {w.tg})"
    task_id = task["taskArn"].rsplit("/", 1)[1]
    events = w.events()
    assert (f"(service web) (task {task_id}) (port 80) is unhealthy in (target-group {w.tg}) "
            "due to (reason Health checks failed).") in events
    assert f"(service web) has stopped 1 running tasks: (task {task_id})." in events
    # A replacement starts at once; the old target drains.
    [new] = [x for x in w.tasks() if x["taskArn"] != task["taskArn"]]
    advance(w.endpoint, 3)
    new_ip = ip_of(w.task(new["taskArn"]))
    assert new_ip != old_ip
    assert w.targets() == {old_ip: "draining", new_ip: "initial"}
    advance(w.endpoint, 10)
    assert w.targets() == {new_ip: "healthy"}
    assert w.task(task["taskArn"])["lastStatus"] == "STOPPED"
    assert w.service()["runningCount"] == 1
    w.ecs.get_waiter("services_stable").wait(cluster="app", services=["web"], WaiterConfig=FAST)


def test_grace_period_delays_the_replacement(manual):
    w = manual
    s = w.create_service(desired=1, healthCheckGracePeriodSeconds=60)
    assert s["healthCheckGracePeriodSeconds"] == 60
    advance(w.endpoint, 3)
    [task] = w.tasks()
    ip = ip_of(task)
    set_health(w.endpoint, w.tg, ip, healthy=False)
    advance(w.endpoint, 10)
    assert w.targets() == {ip: "unhealthy"}
    # Within the grace period ECS ignores the failing checks.
    assert w.task(task["taskArn"])["desiredStatus"] == "RUNNING"
    advance(w.endpoint, 49)
    assert w.task(task["taskArn"])["desiredStatus"] == "RUNNING"
    advance(w.endpoint, 1)
    t = w.task(task["taskArn"])
    assert t["desiredStatus"] == "STOPPED"
    assert t["stoppedReason"] == f"Task failed ELB health checks in (target-group {w.tg})"
    # The grace period can change.
    w.ecs.update_service(cluster="app", service="web", healthCheckGracePeriodSeconds=5)
    assert w.service()["healthCheckGracePeriodSeconds"] == 5


def test_rolling_deployment_keeps_old_task_until_new_target_is_healthy(manual):
    w = manual
    w.create_service(desired=1)
    advance(w.endpoint, 13)
    [old] = w.tasks()
    v2 = w.task_definition("web", image="nginx:1.27")
    w.ecs.update_service(cluster="app", service="web", taskDefinition=v2)
    advance(w.endpoint, 3)
    [new] = [t for t in w.tasks() if t["taskArn"] != old["taskArn"]]
    assert w.task(new["taskArn"])["lastStatus"] == "RUNNING"
    # The new target is still in its first checks: the old task keeps serving.
    assert w.task(old["taskArn"])["desiredStatus"] == "RUNNING"
    assert w.targets() == {ip_of(old): "healthy", ip_of(w.task(new["taskArn"])): "initial"}
    advance(w.endpoint, 10)
    assert w.task(old["taskArn"])["desiredStatus"] == "STOPPED"
    assert w.targets() == {ip_of(old): "draining", ip_of(w.task(new["taskArn"])): "healthy"}
    advance(w.endpoint, 34)
    assert w.targets() == {ip_of(w.task(new["taskArn"])): "healthy"}
    svc = w.service()
    assert [d["taskDefinition"] for d in svc["deployments"]] == [v2]
    assert svc["deployments"][0]["rolloutState"] == "COMPLETED"


def test_update_service_moves_tasks_to_another_target_group(manual):
    w = manual
    w.create_service(desired=1)
    advance(w.endpoint, 13)
    [old] = w.tasks()
    blue = w.target_group("blue", delay=0)
    w.elb.create_listener(LoadBalancerArn=w.lb, Protocol="TCP", Port=8080,
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": blue}])
    s = w.ecs.update_service(cluster="app", service="web", loadBalancers=w.lbs(blue))["service"]
    assert s["loadBalancers"] == w.lbs(blue)
    assert len(s["deployments"]) == 2
    advance(w.endpoint, 13)
    [new] = [t for t in w.tasks() if t["taskArn"] != old["taskArn"]]
    assert w.targets(blue) == {ip_of(new): "healthy"}
    assert w.targets() == {ip_of(old): "draining"}


# ---------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------
def test_scenario_round_trip(awsemu_launcher, tmp_path, client_for):
    first, stop_first = awsemu_launcher()
    try:
        w = World(client_for(first, "ec2"), client_for(first, "elbv2"), client_for(first, "ecs"))
        w.create_service(desired=2, healthCheckGracePeriodSeconds=45)
        w.ecs.get_waiter("services_stable").wait(cluster="app", services=["web"], WaiterConfig=FAST)
        before_events = w.events()
        exported = requests.get(f"{first}/_awsemu/state", timeout=30).text
    finally:
        stop_first()
    doc = yaml.safe_load(exported)
    [svc] = doc["accounts"][0]["regions"]["us-east-1"]["ecs"]["services"]
    assert svc["loadBalancers"] == [{"targetGroup": "web", "containerName": "web", "containerPort": 80}]
    assert svc["healthCheckGracePeriodSeconds"] == 45
    path = tmp_path / "lb.yaml"
    path.write_text(exported)
    second, stop = awsemu_launcher("--scenario", str(path))
    try:
        again = requests.get(f"{second}/_awsemu/state", timeout=30).text
        assert yaml.safe_load(again) == doc
        ecs2, elb2 = client_for(second, "ecs"), client_for(second, "elbv2")
        s = ecs2.describe_services(cluster="app", services=["web"])["services"][0]
        assert s["loadBalancers"] == w.lbs()
        assert s["healthCheckGracePeriodSeconds"] == 45
        assert [e["message"] for e in s["events"]] == before_events
        d = elb2.describe_target_health(TargetGroupArn=w.tg)["TargetHealthDescriptions"]
        assert sorted(x["TargetHealth"]["State"] for x in d) == ["healthy", "healthy"]
    finally:
        stop()
