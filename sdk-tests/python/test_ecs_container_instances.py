"""boto3: ECS container instances and the EC2 launch type (issue 14, items 1–2).

An EC2 instance launched from an ECS-optimized AMI with ECS user data
registers with its cluster as the agent would, with the resources of its
instance type; tasks are placed on container instances by CPU, memory, host
ports and network interfaces, with binpack/spread/random strategies and
distinctInstance/memberOf constraints; RunTask reports ECS's reasons when
nothing fits; draining moves service tasks; stopping, terminating,
deregistering; attributes and the cluster query language.
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from awsemu_helpers import err_message, nat_egress, new_subnet, new_vpc, raises_code, random_account

ECS_AMI = "al2023-ami-ecs-hvm-*-x86_64"
PLAIN_AMI = "al2023-ami-2023*-x86_64"
AGENT_PORTS = ["22", "2375", "2376", "51678", "51679"]


def image(ec2, pattern: str) -> str:
    images = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": [pattern]}])["Images"]
    return sorted(images, key=lambda i: i["CreationDate"])[-1]["ImageId"]


def user_data(cluster: str) -> str:
    return f"#!/bin/bash\necho ECS_CLUSTER={cluster} >> /etc/ecs/ecs.config\n"


class World:
    def __init__(self, ec2, ecs):
        self.ec2, self.ecs = ec2, ecs
        self.vpc = new_vpc(ec2, "10.0.0.0/16")
        self.a = new_subnet(ec2, self.vpc, "10.0.1.0/24", "us-east-1a")
        self.b = new_subnet(ec2, self.vpc, "10.0.2.0/24", "us-east-1b")
        # The instances in the private subnets reach ECS and Docker Hub
        # through a NAT gateway.
        self.egress = nat_egress(ec2, self.vpc, "10.0.255.0/24")
        self.ami = image(ec2, ECS_AMI)
        ecs.create_cluster(clusterName="prod")

    def launch(self, subnet=None, cluster="prod", kind="t3.medium", count=1, data=True, ami=None) -> list[str]:
        params = dict(ImageId=ami or self.ami, InstanceType=kind, MinCount=count, MaxCount=count,
                      SubnetId=subnet or self.a)
        if data:
            params["UserData"] = user_data(cluster)
        out = self.ec2.run_instances(**params)
        return [i["InstanceId"] for i in out["Instances"]]

    def instances(self, cluster="prod", **kw) -> list[dict]:
        arns = self.ecs.list_container_instances(cluster=cluster, **kw)["containerInstanceArns"]
        if not arns:
            return []
        return self.ecs.describe_container_instances(cluster=cluster, containerInstances=arns)[
            "containerInstances"]

    def by_ec2(self, ec2_id: str, cluster="prod") -> dict:
        [ci] = [c for c in self.instances(cluster) if c["ec2InstanceId"] == ec2_id]
        return ci

    def task_def(self, family="web", cpu=512, memory=1024, mode="bridge", host_port=0, **kw) -> str:
        container = {"name": "web", "image": "nginx:latest", "cpu": cpu, "memory": memory,
                     "portMappings": [{"containerPort": 80, "hostPort": host_port}]}
        if mode == "awsvpc":
            container["portMappings"] = [{"containerPort": 80}]
        return self.ecs.register_task_definition(
            family=family, networkMode=mode, requiresCompatibilities=["EC2"],
            containerDefinitions=[container], **kw)["taskDefinition"]["taskDefinitionArn"]

    def run(self, td: str, count=1, **kw) -> dict:
        return self.ecs.run_task(cluster="prod", taskDefinition=td, count=count, launchType="EC2", **kw)


def resources(ci: dict, which: str) -> dict:
    out = {}
    for r in ci[which]:
        out[r["name"]] = r.get("stringSetValue") if r["type"] == "STRINGSET" else r["integerValue"]
    return out


def attrs(ci: dict) -> dict:
    return {a["name"]: a.get("value") for a in ci["attributes"]}


def ci_id(arn: str) -> str:
    return arn.rsplit("/", 1)[1]


@pytest.fixture
def world(ec2, ecs):
    account = random_account()
    return World(ec2(account=account), ecs(account=account))


# ---------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------
def test_instance_with_ecs_user_data_registers(world):
    w = world
    [ec2_id] = w.launch()
    [ci] = w.instances()
    assert ci["ec2InstanceId"] == ec2_id
    assert re.fullmatch(r"arn:aws:ecs:us-east-1:\d{12}:container-instance/prod/[0-9a-f]{32}",
                        ci["containerInstanceArn"])
    assert (ci["status"], ci["agentConnected"]) == ("ACTIVE", True)
    # t3.medium: 2 vCPUs, 4096 MiB installed of which the kernel keeps some.
    reg = resources(ci, "registeredResources")
    assert reg["CPU"] == 2048
    assert reg["MEMORY"] == 4096 * 7985 // 8192
    assert sorted(reg["PORTS"]) == sorted(AGENT_PORTS)
    assert reg["PORTS_UDP"] == []
    assert resources(ci, "remainingResources") == reg
    assert ci["versionInfo"]["agentVersion"] == "1.88.0"
    assert ci["versionInfo"]["dockerVersion"].startswith("DockerVersion: ")
    a = attrs(ci)
    assert a["ecs.instance-type"] == "t3.medium"
    assert a["ecs.availability-zone"] == "us-east-1a"
    assert a["ecs.ami-id"] == w.ami
    assert (a["ecs.os-type"], a["ecs.cpu-architecture"]) == ("linux", "x86_64")
    assert a["ecs.vpc-id"] == w.vpc and a["ecs.subnet-id"] == w.a
    assert "ecs.capability.task-eni" in a
    assert "com.amazonaws.ecs.capability.docker-remote-api.1.18" in a
    assert (ci["runningTasksCount"], ci["pendingTasksCount"]) == (0, 0)
    [cluster] = w.ecs.describe_clusters(clusters=["prod"])["clusters"]
    assert cluster["registeredContainerInstancesCount"] == 1
    with raises_code("ClusterContainsContainerInstancesException"):
        w.ecs.delete_cluster(cluster="prod")


def test_agent_waits_for_its_cluster_and_default(world):
    w = world
    [later] = w.launch(cluster="later")
    [plain] = w.launch(data=False)
    [not_ecs] = w.launch(ami=image(w.ec2, PLAIN_AMI))
    assert w.instances() == []
    w.ecs.create_cluster(clusterName="later")
    assert [c["ec2InstanceId"] for c in w.instances("later")] == [later]
    w.ecs.create_cluster(clusterName="default")
    # No ECS_CLUSTER: the agent joins `default`.
    assert [c["ec2InstanceId"] for c in w.instances("default")] == [plain]
    assert not_ecs not in [c["ec2InstanceId"] for c in w.instances("default") + w.instances("later")]


def test_register_container_instance_directly(world):
    w = world
    [ec2_id] = w.launch(ami=image(w.ec2, PLAIN_AMI), data=False)
    doc = json.dumps({"instanceId": ec2_id, "region": "us-east-1", "instanceType": "t3.medium"})
    ci = w.ecs.register_container_instance(
        cluster="prod", instanceIdentityDocument=doc, instanceIdentityDocumentSignature="sig",
        totalResources=[{"name": "CPU", "type": "INTEGER", "integerValue": 1024},
                        {"name": "MEMORY", "type": "INTEGER", "integerValue": 2000}],
        versionInfo={"agentVersion": "1.20.0", "agentHash": "abc", "dockerVersion": "DockerVersion: 1.12"},
        attributes=[{"name": "stack", "value": "prod"}],
    )["containerInstance"]
    assert ci["ec2InstanceId"] == ec2_id
    assert resources(ci, "registeredResources")["CPU"] == 1024
    assert resources(ci, "registeredResources")["MEMORY"] == 2000
    assert attrs(ci)["stack"] == "prod"
    assert ci["versionInfo"]["agentVersion"] == "1.20.0"
    # An old agent can be updated; the bundled one cannot.
    upd = w.ecs.update_container_agent(cluster="prod", containerInstance=ci["containerInstanceArn"])
    assert upd["containerInstance"]["agentUpdateStatus"] == "PENDING"
    again = w.ecs.describe_container_instances(cluster="prod", containerInstances=[ci["containerInstanceArn"]])
    assert again["containerInstances"][0]["agentUpdateStatus"] == "UPDATED"
    assert again["containerInstances"][0]["versionInfo"]["agentVersion"] == "1.88.0"
    with raises_code("NoUpdateAvailableException"):
        w.ecs.update_container_agent(cluster="prod", containerInstance=ci["containerInstanceArn"])
    with raises_code("ClientException"):
        w.ecs.register_container_instance(cluster="prod", instanceIdentityDocument=json.dumps(
            {"instanceId": "i-0123456789abcdef0"}), instanceIdentityDocumentSignature="sig")


# ---------------------------------------------------------------------------
# Placement
# ---------------------------------------------------------------------------
def test_binpack_and_remaining_resources(world):
    w = world
    first, second = w.launch(count=2)
    td = w.task_def()
    out = w.run(td, count=3, placementStrategy=[{"type": "binpack", "field": "memory"}])
    assert out["failures"] == []
    tasks = out["tasks"]
    assert len({t["containerInstanceArn"] for t in tasks}) == 1
    assert all(t["launchType"] == "EC2" for t in tasks)
    assert "platformVersion" not in tasks[0]
    host_ports = sorted(t["containers"][0]["networkBindings"][0]["hostPort"] for t in tasks)
    assert host_ports == [49153, 49154, 49155]
    b = tasks[0]["containers"][0]["networkBindings"][0]
    assert (b["containerPort"], b["protocol"], b["bindIP"]) == (80, "tcp", "0.0.0.0")
    arn = tasks[0]["containerInstanceArn"]
    ci = w.ecs.describe_container_instances(cluster="prod", containerInstances=[arn])["containerInstances"][0]
    left = resources(ci, "remainingResources")
    assert left["CPU"] == 2048 - 3 * 512
    assert left["MEMORY"] == 4096 * 7985 // 8192 - 3 * 1024
    assert sorted(left["PORTS"]) == sorted(AGENT_PORTS + ["49153", "49154", "49155"])
    assert ci["runningTasksCount"] == 3
    # The fourth does not fit there (CPU): binpack moves to the other one.
    fourth = w.run(td, placementStrategy=[{"type": "binpack", "field": "memory"}])["tasks"][0]
    assert fourth["containerInstanceArn"] != arn
    # Stopped tasks give their share back.
    for t in tasks:
        w.ecs.stop_task(cluster="prod", task=t["taskArn"])
    ci = w.ecs.describe_container_instances(cluster="prod", containerInstances=[arn])["containerInstances"][0]
    assert resources(ci, "remainingResources") == resources(ci, "registeredResources")
    listed = w.ecs.list_tasks(cluster="prod", containerInstance=fourth["containerInstanceArn"])["taskArns"]
    assert listed == [fourth["taskArn"]]


def test_spread_over_instances_and_zones(world):
    w = world
    w.launch(subnet=w.a, count=2)
    w.launch(subnet=w.b, count=1)
    td = w.task_def(memory=256, cpu=128)
    out = w.run(td, count=6, placementStrategy=[{"type": "spread", "field": "instanceId"}])
    assert sorted(Counter(t["containerInstanceArn"] for t in out["tasks"]).values()) == [2, 2, 2]
    # A service spreads over Availability Zones by default.
    w.ecs.create_service(cluster="prod", serviceName="web", taskDefinition=td, desiredCount=4,
                         launchType="EC2")
    arns = w.ecs.list_tasks(cluster="prod", serviceName="web")["taskArns"]
    tasks = w.ecs.describe_tasks(cluster="prod", tasks=arns)["tasks"]
    assert Counter(t["availabilityZone"] for t in tasks) == {"us-east-1a": 2, "us-east-1b": 2}
    svc = w.ecs.describe_services(cluster="prod", services=["web"])["services"][0]
    assert (svc["launchType"], svc["runningCount"]) == ("EC2", 4)


def test_failures_name_the_reason(world):
    w = world
    [ec2_id] = w.launch(kind="t3.medium")
    [ci] = w.instances()
    arn = ci["containerInstanceArn"]
    out = w.run(w.task_def("big-cpu", cpu=4096, memory=128))
    assert out["tasks"] == []
    assert out["failures"] == [{"arn": arn, "reason": "RESOURCE:CPU"}]
    out = w.run(w.task_def("big-mem", cpu=128, memory=8000))
    assert out["failures"] == [{"arn": arn, "reason": "RESOURCE:MEMORY"}]
    fixed = w.task_def("fixed", cpu=128, memory=128, host_port=8080)
    assert w.run(fixed)["failures"] == []
    assert w.run(fixed)["failures"] == [{"arn": arn, "reason": "RESOURCE:PORTS"}]
    # The agent's own ports are taken from the start.
    assert w.run(w.task_def("ssh", cpu=128, memory=128, host_port=22))["failures"] == [
        {"arn": arn, "reason": "RESOURCE:PORTS"}]
    # awsvpc: a t3.medium has 3 interfaces, one its own.
    vpc_td = w.task_def("vpc", cpu=128, memory=128, mode="awsvpc")
    net = {"awsvpcConfiguration": {"subnets": [w.a]}}
    assert len(w.run(vpc_td, count=2, networkConfiguration=net)["tasks"]) == 2
    assert w.run(vpc_td, networkConfiguration=net)["failures"] == [{"arn": arn, "reason": "RESOURCE:ENI"}]
    # A subnet in another zone than every instance.
    other = {"awsvpcConfiguration": {"subnets": [w.b]}}
    assert w.run(vpc_td, networkConfiguration=other)["failures"] == [{"arn": arn, "reason": "LOCATION"}]
    # Count 3, room for fewer: the tasks that fit run, the rest are failures.
    many = w.run(w.task_def("half", cpu=700, memory=128), count=3)
    assert len(many["tasks"]) == 2
    assert many["failures"] == [{"arn": arn, "reason": "RESOURCE:CPU"}]
    # A stopped instance's agent is disconnected.
    w.ec2.stop_instances(InstanceIds=[ec2_id])
    assert w.run(w.task_def("tiny", cpu=1, memory=1))["failures"] == [{"arn": arn, "reason": "AGENT"}]


def test_no_container_instances(world):
    w = world
    with raises_code("InvalidParameterException") as e:
        w.run(w.task_def())
    assert err_message(e) == "No Container Instances were found in your cluster."
    # A Fargate task definition is EC2-compatible too (compatibilities EC2, FARGATE).
    fargate = w.ecs.register_task_definition(
        family="fg", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": "c", "image": "nginx"}])["taskDefinition"]
    assert "EC2" in fargate["compatibilities"]
    w.launch()
    out = w.run(fargate["taskDefinitionArn"], networkConfiguration={"awsvpcConfiguration": {"subnets": [w.a]}})
    assert [t["launchType"] for t in out["tasks"]] == ["EC2"]


def test_constraints_and_attributes(world):
    w = world
    one, two = w.launch(count=2)
    ci_one = w.by_ec2(one)["containerInstanceArn"]
    w.ecs.put_attributes(cluster="prod", attributes=[
        {"name": "stack", "value": "prod", "targetType": "container-instance", "targetId": ci_one}])
    listed = w.ecs.list_attributes(cluster="prod", targetType="container-instance", attributeName="stack")
    assert listed["attributes"] == [{"name": "stack", "value": "prod", "targetType": "container-instance",
                                     "targetId": ci_one}]
    td = w.task_def(cpu=64, memory=64)
    out = w.run(td, count=3, placementConstraints=[{"type": "memberOf", "expression": "attribute:stack == prod"}])
    assert {t["containerInstanceArn"] for t in out["tasks"]} == {ci_one}
    # distinctInstance: one task per instance of the group.
    out = w.run(w.task_def("solo", cpu=64, memory=64), count=3, group="solo",
                placementConstraints=[{"type": "distinctInstance"}])
    assert len({t["containerInstanceArn"] for t in out["tasks"]}) == 2
    assert len(out["failures"]) == 2
    # The query language in ListContainerInstances.
    q = lambda f: sorted(ci_id(a) for a in w.ecs.list_container_instances(cluster="prod", filter=f)[
        "containerInstanceArns"])
    both = sorted([ci_id(ci_one), ci_id(w.by_ec2(two)["containerInstanceArn"])])
    assert q("attribute:ecs.instance-type == t3.medium") == both
    assert q("attribute:stack exists") == [ci_id(ci_one)]
    assert q("attribute:stack !exists") == [ci_id(w.by_ec2(two)["containerInstanceArn"])]
    assert q(f"ec2InstanceId in [{one}, i-0000] and agentConnected == true") == [ci_id(ci_one)]
    assert q("task:group == solo") == both
    assert q("attribute:ecs.instance-type =~ t2.*") == []
    with raises_code("InvalidParameterException"):
        w.ecs.list_container_instances(cluster="prod", filter="attribute:stack ==")
    with raises_code("InvalidParameterException"):
        w.run(td, placementConstraints=[{"type": "memberOf", "expression": "nosuch == x"}])
    with raises_code("InvalidParameterException"):
        w.run(td, placementStrategy=[{"type": "binpack", "field": "disk"}])
    w.ecs.delete_attributes(cluster="prod", attributes=[{"name": "stack", "targetId": ci_one}])
    assert "stack" not in attrs(w.by_ec2(one))
    with raises_code("TargetNotFoundException"):
        w.ecs.put_attributes(cluster="prod", attributes=[{"name": "x", "targetId": "0" * 32}])


def test_draining_moves_service_tasks(world):
    w = world
    one, two = w.launch(count=2)
    td = w.task_def(cpu=128, memory=128)
    w.ecs.create_service(cluster="prod", serviceName="web", taskDefinition=td, desiredCount=2,
                         launchType="EC2", placementStrategy=[{"type": "binpack", "field": "memory"}])
    arns = w.ecs.list_tasks(cluster="prod", serviceName="web")["taskArns"]
    [home] = {t["containerInstanceArn"] for t in w.ecs.describe_tasks(cluster="prod", tasks=arns)["tasks"]}
    out = w.ecs.update_container_instances_state(cluster="prod", containerInstances=[home], status="DRAINING")
    assert out["containerInstances"][0]["status"] == "DRAINING"
    assert out["failures"] == []
    arns = w.ecs.list_tasks(cluster="prod", serviceName="web")["taskArns"]
    tasks = w.ecs.describe_tasks(cluster="prod", tasks=arns)["tasks"]
    assert len(tasks) == 2
    assert home not in {t["containerInstanceArn"] for t in tasks}
    assert [ci["status"] for ci in w.instances(status="DRAINING")] == ["DRAINING"]
    # A draining instance takes no new task.
    out = w.run(td, count=4)
    assert home not in {t["containerInstanceArn"] for t in out["tasks"]}
    w.ecs.update_container_instances_state(cluster="prod", containerInstances=[home], status="ACTIVE")
    with raises_code("InvalidParameterException"):
        w.ecs.update_container_instances_state(cluster="prod", containerInstances=[home], status="INACTIVE")


def test_instance_stop_start_terminate_and_deregister(world):
    w = world
    one, two = w.launch(count=2)
    td = w.task_def(cpu=128, memory=128)
    task = w.ecs.start_task(cluster="prod", taskDefinition=td,
                            containerInstances=[w.by_ec2(one)["containerInstanceArn"]])["tasks"][0]
    missing = w.ecs.start_task(cluster="prod", taskDefinition=td, containerInstances=["0" * 32])
    assert missing["tasks"] == [] and missing["failures"][0]["reason"] == "MISSING"
    w.ec2.stop_instances(InstanceIds=[one])
    ci = w.by_ec2(one)
    assert (ci["status"], ci["agentConnected"]) == ("ACTIVE", False)
    t = w.ecs.describe_tasks(cluster="prod", tasks=[task["taskArn"]])["tasks"][0]
    assert t["lastStatus"] == "STOPPED"
    assert t["stoppedReason"] == f"Host EC2 (instance {one}) stopped/terminated."
    w.ec2.start_instances(InstanceIds=[one])
    assert w.by_ec2(one)["agentConnected"] is True
    assert w.by_ec2(one)["containerInstanceArn"] == ci["containerInstanceArn"]
    # Deregistering with tasks needs force.
    arn_two = w.by_ec2(two)["containerInstanceArn"]
    w.ecs.start_task(cluster="prod", taskDefinition=td, containerInstances=[arn_two])
    with raises_code("InvalidParameterException"):
        w.ecs.deregister_container_instance(cluster="prod", containerInstance=arn_two)
    gone = w.ecs.deregister_container_instance(cluster="prod", containerInstance=arn_two, force=True)
    assert gone["containerInstance"]["status"] == "INACTIVE"
    assert [c["ec2InstanceId"] for c in w.instances()] == [one]
    described = w.ecs.describe_container_instances(cluster="prod", containerInstances=[arn_two])
    assert described["containerInstances"][0]["status"] == "INACTIVE"
    # Terminating deregisters.
    w.ec2.terminate_instances(InstanceIds=[one])
    assert w.instances() == []
    assert w.ecs.describe_clusters(clusters=["prod"])["clusters"][0]["registeredContainerInstancesCount"] == 0
    w.ecs.delete_cluster(cluster="prod")


def test_awsvpc_task_on_an_instance(world):
    w = world
    w.launch(subnet=w.b)
    td = w.task_def("vpc", cpu=128, memory=128, mode="awsvpc")
    out = w.run(td, networkConfiguration={"awsvpcConfiguration": {"subnets": [w.a, w.b]}})
    [task] = out["tasks"]
    details = {d["name"]: d["value"] for d in task["attachments"][0]["details"]}
    assert details["subnetId"] == w.b
    assert task["availabilityZone"] == "us-east-1b"
    assert task["containers"][0]["networkBindings"] == []


def test_custom_attribute_limit_is_all_or_nothing(world):
    w = world
    [ec2_id] = w.launch()
    arn = w.by_ec2(ec2_id)["containerInstanceArn"]
    put = lambda names: w.ecs.put_attributes(cluster="prod", attributes=[
        {"name": n, "value": "v", "targetType": "container-instance", "targetId": arn} for n in names])
    put([f"a{i}" for i in range(9)])
    with raises_code("AttributeLimitExceededException"):
        put(["b1", "b2"])
    custom = {k for k in attrs(w.by_ec2(ec2_id)) if k.startswith(("a", "b"))}
    assert custom == {f"a{i}" for i in range(9)}
    put(["a0", "b1"])  # a0 replaced, b1 the tenth
    assert "b1" in attrs(w.by_ec2(ec2_id))
