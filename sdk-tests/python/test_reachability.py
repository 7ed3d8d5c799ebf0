"""Reachability explained (issue 15, item 5): ``GET /_awsemu/reachability``
answers whether traffic from a network interface reaches an AWS service or
the internet as AWS would route it — through a gateway endpoint's route, an
interface endpoint's private DNS, or a route to an internet gateway (with a
public IP) or a public NAT gateway — with the path, or the first hop that
blocks it and a sentence saying what is missing.

The worlds are built with boto3 and checked through the control API. Rules:
AWS PrivateLink guide ("Access an AWS service using an interface VPC
endpoint", "Gateway endpoints"), VPC user guide ("Internet gateways", "NAT
gateways", "Control traffic to your AWS resources using security groups",
"Network ACLs").
"""

from __future__ import annotations

import time

import pytest
import requests
import yaml

from awsemu_helpers import new_subnet, new_vpc, random_account

REGION = "us-east-1"


class Net:
    """A VPC (DNS hostnames on) with a private subnet and an interface in it
    (in a security group that allows all egress and nothing in)."""

    def __init__(self, ec2, endpoint: str, account: str):
        self.ec2, self.endpoint, self.account = ec2, endpoint, account
        self.vpc = new_vpc(ec2, "10.0.0.0/16")
        ec2.modify_vpc_attribute(VpcId=self.vpc, EnableDnsHostnames={"Value": True})
        self.private = new_subnet(ec2, self.vpc, "10.0.1.0/24", "us-east-1a")
        self.public = new_subnet(ec2, self.vpc, "10.0.2.0/24", "us-east-1b")
        self.sg = ec2.create_security_group(GroupName="task", Description="task",
                                            VpcId=self.vpc)["GroupId"]
        self.eni = self.interface(self.private)
        self.main = ec2.describe_route_tables(Filters=[
            {"Name": "vpc-id", "Values": [self.vpc]},
            {"Name": "association.main", "Values": ["true"]}])["RouteTables"][0]["RouteTableId"]

    def interface(self, subnet: str) -> str:
        return self.ec2.create_network_interface(SubnetId=subnet, Groups=[self.sg])[
            "NetworkInterface"]["NetworkInterfaceId"]

    def ask(self, to: str, source: str | None = None) -> dict:
        r = requests.get(f"{self.endpoint}/_awsemu/reachability", timeout=30, params={
            "from": source or self.eni, "to": to, "account": self.account, "region": REGION})
        assert r.status_code == 200, r.text
        return r.json()

    def endpoint_sg(self, allow_443: bool = True) -> str:
        sg = self.ec2.create_security_group(GroupName=f"vpce-{time.time_ns()}", Description="vpce",
                                            VpcId=self.vpc)["GroupId"]
        if allow_443:
            self.ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[{
                "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}])
        return sg

    def interface_endpoint(self, service: str, dns: bool = True, sg: str | None = None,
                           subnet: str | None = None) -> str:
        return self.ec2.create_vpc_endpoint(
            VpcId=self.vpc, ServiceName=f"com.amazonaws.{REGION}.{service}",
            VpcEndpointType="Interface", SubnetIds=[subnet or self.private],
            SecurityGroupIds=[sg or self.endpoint_sg()], PrivateDnsEnabled=dns,
        )["VpcEndpoint"]["VpcEndpointId"]

    def internet_gateway(self) -> str:
        igw = self.ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        self.ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=self.vpc)
        return igw

    def public_table(self, igw: str) -> str:
        rt = self.ec2.create_route_table(VpcId=self.vpc)["RouteTable"]["RouteTableId"]
        self.ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
        self.ec2.associate_route_table(RouteTableId=rt, SubnetId=self.public)
        return rt


def hops(answer: dict) -> list[tuple[str, str]]:
    return [(h["hop"], h["id"]) for h in answer["path"]]


@pytest.fixture
def net(ec2, awsemu_endpoint):
    account = random_account()
    return Net(ec2(account=account), awsemu_endpoint, account)


def test_private_subnet_without_a_path(net):
    a = net.ask("ecr.dkr")
    assert a["reachable"] is False
    assert a["destination"] == f"com.amazonaws.{REGION}.ecr.dkr"
    assert a["blocked"]["hop"] == "route-table" and a["blocked"]["id"] == net.main
    assert a["explanation"] == (
        f"route table {net.main} of {net.private} has no route to 0.0.0.0/0, and the VPC "
        f"{net.vpc} has no interface endpoint for com.amazonaws.{REGION}.ecr.dkr")
    b = net.ask("registry-1.docker.io")
    assert b["reachable"] is False and b["destination"] == "registry-1.docker.io"
    assert b["explanation"] == f"route table {net.main} of {net.private} has no route to 0.0.0.0/0"


def test_interface_endpoint_with_private_dns(net):
    vpce = net.interface_endpoint("ecr.dkr")
    a = net.ask("ecr.dkr")
    assert a["reachable"] is True, a
    kinds = [h["hop"] for h in a["path"]]
    assert kinds == ["network-interface", "dns", "vpc-endpoint", "security-group", "security-group"]
    assert ("vpc-endpoint", vpce) in hops(a)
    # The full service name works too; another service has no endpoint.
    assert net.ask(f"com.amazonaws.{REGION}.ecr.dkr")["reachable"] is True
    assert net.ask("logs")["reachable"] is False


def test_endpoint_in_another_zone_with_network_acls(net):
    """Traffic crosses to the endpoint's subnet: both subnets' ACLs apply."""
    net.interface_endpoint("logs", subnet=net.public)
    a = net.ask("logs")
    assert a["reachable"] is True
    assert [h["hop"] for h in a["path"]].count("network-acl") == 4
    # A deny on the way out (rule 50, before the default allow) blocks it.
    acl = net.ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [net.vpc]}])[
        "NetworkAcls"][0]["NetworkAclId"]
    net.ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=50, Protocol="6", RuleAction="deny",
                                     Egress=True, CidrBlock="10.0.2.0/24",
                                     PortRange={"From": 443, "To": 443})
    b = net.ask("logs")
    assert b["reachable"] is False
    assert b["blocked"] == {"hop": "network-acl", "id": acl, "detail": b["explanation"]}
    assert b["explanation"].startswith(f"network ACL {acl} of {net.private} denies outbound TCP 443 to 10.0.2.")
    assert b["explanation"].endswith("(rule 50)")


def test_endpoint_security_group_without_443(net):
    sg = net.endpoint_sg(allow_443=False)
    vpce = net.interface_endpoint("ecr.api", sg=sg)
    a = net.ask("ecr.api")
    assert a["reachable"] is False
    assert a["blocked"]["hop"] == "security-group" and a["blocked"]["id"] == sg
    assert a["explanation"].startswith(
        f"no security group of the interface endpoint {vpce} ({sg}) allows inbound TCP 443 from {net.eni}")
    # A rule naming the task's group fixes it.
    net.ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
        "UserIdGroupPairs": [{"GroupId": net.sg}]}])
    assert net.ask("ecr.api")["reachable"] is True


def test_interface_security_group_without_egress(net):
    net.interface_endpoint("ecr.api")
    rule = net.ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [net.sg]}])[
        "SecurityGroupRules"]
    egress = [r["SecurityGroupRuleId"] for r in rule if r["IsEgress"]]
    net.ec2.revoke_security_group_egress(GroupId=net.sg, SecurityGroupRuleIds=egress)
    a = net.ask("ecr.api")
    assert a["reachable"] is False and a["blocked"]["id"] == net.sg
    assert a["explanation"].startswith(
        f"no security group of {net.eni} ({net.sg}) allows outbound TCP 443 to 10.0.1.")


def test_private_dns_off_or_vpc_dns_off_resolves_publicly(net):
    vpce = net.interface_endpoint("ecs", dns=False)
    a = net.ask("ecs")
    assert a["reachable"] is False
    assert a["explanation"] == (
        f"route table {net.main} of {net.private} has no route to 0.0.0.0/0, and the interface "
        f"endpoint {vpce} for com.amazonaws.{REGION}.ecs has private DNS off, so the service's "
        "name resolves to its public address")
    net.ec2.modify_vpc_endpoint(VpcEndpointId=vpce, PrivateDnsEnabled=True)
    assert net.ask("ecs")["reachable"] is True
    net.ec2.modify_vpc_attribute(VpcId=net.vpc, EnableDnsHostnames={"Value": False})
    b = net.ask("ecs")
    assert b["reachable"] is False
    assert f"the VPC {net.vpc} has enableDnsHostnames off" in b["explanation"]


def test_internet_gateway_needs_a_public_ip(net):
    igw = net.internet_gateway()
    rt = net.public_table(igw)
    eni = net.interface(net.public)
    a = net.ask("public.ecr.aws", eni)
    assert a["reachable"] is False and a["blocked"]["hop"] == "public-ip"
    assert a["explanation"] == (
        f"route table {rt} of {net.public} sends 0.0.0.0/0 to the internet gateway {igw}, "
        f"but {eni} has no public IP address")
    alloc = net.ec2.allocate_address(Domain="vpc")
    assoc = net.ec2.associate_address(AllocationId=alloc["AllocationId"],
                                      NetworkInterfaceId=eni)["AssociationId"]
    b = net.ask("public.ecr.aws", eni)
    assert b["reachable"] is True
    assert ("internet-gateway", igw) in hops(b)
    assert {"hop": "public-ip", "id": eni, "detail": alloc["PublicIp"]} in b["path"]
    # AWS services without endpoints go the same way.
    assert net.ask("ecr.api", eni)["reachable"] is True
    # Detaching the gateway (its addresses unmapped first, as AWS demands)
    # leaves a blackhole route.
    net.ec2.disassociate_address(AssociationId=assoc)
    net.ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=net.vpc)
    c = net.ask("public.ecr.aws", eni)
    assert c["reachable"] is False and c["blocked"]["hop"] == "route"
    assert c["explanation"] == (
        f"the route 0.0.0.0/0 -> {igw} in route table {rt} of {net.public} is a blackhole")


def wait_nat(ec2, nat: str) -> None:
    ec2.get_waiter("nat_gateway_available").wait(NatGatewayIds=[nat],
                                                 WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})


def test_nat_gateway_public_and_private(net):
    igw = net.internet_gateway()
    net.public_table(igw)
    alloc = net.ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = net.ec2.create_nat_gateway(SubnetId=net.public, AllocationId=alloc)["NatGateway"]["NatGatewayId"]
    wait_nat(net.ec2, nat)
    net.ec2.create_route(RouteTableId=net.main, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    a = net.ask("ghcr.io")
    assert a["reachable"] is True, a
    assert [h for h in hops(a) if h[0] in ("nat-gateway", "internet-gateway")] == [
        ("nat-gateway", nat), ("internet-gateway", igw)]
    # A private NAT gateway does not reach the internet.
    private = net.ec2.create_nat_gateway(SubnetId=net.public, ConnectivityType="private")[
        "NatGateway"]["NatGatewayId"]
    wait_nat(net.ec2, private)
    net.ec2.replace_route(RouteTableId=net.main, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=private)
    b = net.ask("ghcr.io")
    assert b["reachable"] is False and b["blocked"] == {
        "hop": "nat-gateway", "id": private, "detail": b["explanation"]}
    assert b["explanation"] == f"the NAT gateway {private} is private: it does not reach the internet"


def test_gateway_endpoint_for_s3(net):
    a = net.ask("s3")
    assert a["reachable"] is False
    vpce = net.ec2.create_vpc_endpoint(VpcId=net.vpc, ServiceName=f"com.amazonaws.{REGION}.s3",
                                       VpcEndpointType="Gateway", RouteTableIds=[net.main])[
        "VpcEndpoint"]["VpcEndpointId"]
    b = net.ask("s3")
    assert b["reachable"] is True, b
    assert ("vpc-endpoint", vpce) in hops(b)
    route = [h for h in b["path"] if h["hop"] == "route"][0]
    assert route["detail"] == f"pl-63a5400a -> {vpce}"


def test_unknown_sources_and_bad_requests(net):
    r = requests.get(f"{net.endpoint}/_awsemu/reachability", timeout=30, params={"to": "s3"})
    assert r.status_code == 400 and "from" in r.json()["error"]
    r = requests.get(f"{net.endpoint}/_awsemu/reachability", timeout=30, params={
        "from": "i-0123456789abcdef0", "to": "s3", "account": net.account})
    assert r.status_code == 404
    a = net.ask("s3", "eni-0123456789abcdef0")
    assert a["reachable"] is False and a["blocked"]["hop"] == "network-interface"


# ---------------------------------------------------------------------------
# Tasks (issue 15, item 1): under --reachability enforce, a Fargate task
# that cannot reach what it needs stops with ECS's reason.
# ---------------------------------------------------------------------------
FAST = {"Delay": 0.1, "MaxAttempts": 100}
ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app/web:v1"


@pytest.fixture(scope="module")
def enforcing(awsemu_launcher):
    endpoint, stop = awsemu_launcher("--reachability", "enforce")
    yield endpoint
    stop()


class Tasks(Net):
    def __init__(self, endpoint, client_for):
        account = random_account()
        super().__init__(client_for(endpoint, "ec2", account=account), endpoint, account)
        self.ecs = client_for(endpoint, "ecs", account=account)
        self.ecs.create_cluster(clusterName="app")

    def run(self, image: str, subnet: str | None = None, public: bool = False, **container) -> dict:
        family = f"f{time.time_ns()}"
        self.ecs.register_task_definition(
            family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
            cpu="256", memory="512",
            executionRoleArn=f"arn:aws:iam::{self.account}:role/exec",
            containerDefinitions=[{"name": "web", "image": image, **container}])
        task = self.ecs.run_task(
            cluster="app", taskDefinition=family, launchType="FARGATE",
            networkConfiguration={"awsvpcConfiguration": {
                "subnets": [subnet or self.private], "securityGroups": [self.sg],
                "assignPublicIp": "ENABLED" if public else "DISABLED"}})["tasks"][0]
        return self.settle(task["taskArn"])

    def settle(self, arn: str) -> dict:
        for _ in range(200):
            t = self.ecs.describe_tasks(cluster="app", tasks=[arn])["tasks"][0]
            if t["lastStatus"] in ("RUNNING", "STOPPED"):
                return t
            time.sleep(0.02)
        raise AssertionError(f"{arn} neither ran nor stopped")


@pytest.fixture
def tasks(enforcing, client_for):
    return Tasks(enforcing, client_for)


def test_public_image_without_internet_path(tasks):
    t = tasks.run("nginx:latest")
    assert (t["lastStatus"], t["stopCode"]) == ("STOPPED", "TaskFailedToStart")
    reason = t["stoppedReason"]
    assert reason.startswith(
        "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve "
        "ref docker.io/library/nginx:latest: failed to do request: Head "
        "\"https://registry-1.docker.io/v2/library/nginx/manifests/latest\": dial tcp ")
    assert reason.endswith(":443: i/o timeout")
    assert t["containers"][0]["reason"] == reason
    # The explanation (for an interface in the same subnet: the task's is
    # gone with it) names the blocking route table.
    a = tasks.ask("registry-1.docker.io")
    assert a["reachable"] is False
    assert a["explanation"] == f"route table {tasks.main} of {tasks.private} has no route to 0.0.0.0/0"


def test_public_subnet_with_public_ip_runs(tasks):
    igw = tasks.internet_gateway()
    tasks.public_table(igw)
    assert tasks.run("nginx:latest", subnet=tasks.public, public=True)["lastStatus"] == "RUNNING"
    t = tasks.run("nginx:latest", subnet=tasks.public, public=False)
    assert t["lastStatus"] == "STOPPED" and t["stopCode"] == "TaskFailedToStart"


def test_ecr_image_needs_each_endpoint_in_turn(tasks):
    t = tasks.run(ECR)
    assert t["stoppedReason"].startswith(
        "ResourceInitializationError: unable to pull secrets or registry auth: The task cannot pull "
        "registry auth from Amazon ECR: There is a connection issue between the task and Amazon ECR.")
    assert "Post \"https://api.ecr.us-east-1.amazonaws.com/\"" in t["stoppedReason"]
    assert "reason" not in t["containers"][0]
    tasks.interface_endpoint("ecr.api")
    t = tasks.run(ECR)
    assert t["stoppedReason"].startswith(
        f"CannotPullContainerError: The task cannot pull {ECR} from the registry {ECR}. There is a "
        "connection issue between the task and the registry.")
    assert "/v2/app/web/manifests/v1" in t["stoppedReason"]
    tasks.interface_endpoint("ecr.dkr")
    t = tasks.run(ECR)
    assert "failed to copy: httpReadSeeker: failed open" in t["stoppedReason"]
    tasks.ec2.create_vpc_endpoint(VpcId=tasks.vpc, ServiceName="com.amazonaws.us-east-1.s3",
                                  VpcEndpointType="Gateway", RouteTableIds=[tasks.main])
    assert tasks.run(ECR)["lastStatus"] == "RUNNING"
    # awslogs needs CloudWatch Logs, and secrets their service.
    log = {"logDriver": "awslogs", "options": {"awslogs-group": "/app", "awslogs-region": "us-east-1",
                                                "awslogs-stream-prefix": "web"}}
    t = tasks.run(ECR, logConfiguration=log)
    assert t["stoppedReason"].startswith(
        "ResourceInitializationError: failed to validate logger args: The task cannot find the Amazon "
        "CloudWatch log group defined in the task definition.")
    tasks.interface_endpoint("logs")
    assert tasks.run(ECR, logConfiguration=log)["lastStatus"] == "RUNNING"
    secret = f"arn:aws:secretsmanager:us-east-1:{tasks.account}:secret:db-AbCdEf"
    t = tasks.run(ECR, secrets=[{"name": "DB", "valueFrom": secret}])
    assert t["stoppedReason"].startswith(
        "ResourceInitializationError: unable to pull secrets or registry auth: unable to retrieve "
        "secret from asm: There is a connection issue between the task and AWS Secrets Manager.")
    assert f"failed to fetch secret {secret} from secrets manager" in t["stoppedReason"]
    t = tasks.run(ECR, secrets=[{"name": "P", "valueFrom": "/app/password"}])
    assert "unable to retrieve secrets from ssm" in t["stoppedReason"]


def test_service_cannot_start_tasks_until_the_network_is_fixed(tasks):
    """A service's tasks fail to start, ECS says it is impaired; once the
    route to the internet exists, a new deployment reaches steady state."""
    e = tasks.ecs
    e.register_task_definition(family="svc", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
                               cpu="256", memory="512",
                               containerDefinitions=[{"name": "web", "image": "nginx:latest"}])
    net = {"awsvpcConfiguration": {"subnets": [tasks.public], "securityGroups": [tasks.sg],
                                   "assignPublicIp": "ENABLED"}}
    e.create_service(cluster="app", serviceName="web", taskDefinition="svc", desiredCount=1,
                     launchType="FARGATE", networkConfiguration=net)
    impaired = ("(service web) is unable to consistently start tasks successfully. For more "
                "information, see the Troubleshooting section of the Amazon ECS Developer Guide.")
    for _ in range(200):
        svc = e.describe_services(cluster="app", services=["web"])["services"][0]
        if any(ev["message"] == impaired for ev in svc["events"]):
            break
        time.sleep(0.02)
    assert [ev["message"] for ev in svc["events"]].count(impaired) == 1
    assert svc["deployments"][0]["failedTasks"] >= 3 and svc["runningCount"] == 0
    stopped = e.list_tasks(cluster="app", serviceName="web", desiredStatus="STOPPED")["taskArns"]
    t = e.describe_tasks(cluster="app", tasks=stopped[:1])["tasks"][0]
    assert t["stopCode"] == "TaskFailedToStart"
    assert t["stoppedReason"].startswith("CannotPullContainerError: pull image manifest")
    # The fix: an internet gateway and a route to it.
    tasks.public_table(tasks.internet_gateway())
    e.update_service(cluster="app", service="web", forceNewDeployment=True)
    e.get_waiter("services_stable").wait(cluster="app", services=["web"], WaiterConfig=FAST)
    assert e.describe_services(cluster="app", services=["web"])["services"][0]["runningCount"] == 1


# ---------------------------------------------------------------------------
# Container instances (issue 15, item 2): the agent connects only if it
# reaches ecs, ecs-agent and ecs-telemetry — through interface endpoints
# only from agent 1.25.1.
# ---------------------------------------------------------------------------
def newest_image(ec2, pattern: str) -> str:
    images = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": [pattern]}])
    return sorted(images["Images"], key=lambda i: i["CreationDate"])[-1]["ImageId"]


def test_agents_connect_through_the_ecs_endpoints_from_1_25_1(tasks):
    ec2, ecs = tasks.ec2, tasks.ecs
    [ecs_ami] = [newest_image(ec2, "al2023-ami-ecs-hvm-*-x86_64")]
    launched = ec2.run_instances(
        ImageId=ecs_ami, InstanceType="t3.medium", MinCount=1, MaxCount=1, SubnetId=tasks.private,
        SecurityGroupIds=[tasks.sg],
        UserData="#!/bin/bash\necho ECS_CLUSTER=app >> /etc/ecs/ecs.config\n")["Instances"][0]["InstanceId"]

    def described() -> dict[str, dict]:
        arns = ecs.list_container_instances(cluster="app")["containerInstanceArns"]
        out = ecs.describe_container_instances(cluster="app", containerInstances=arns)
        return {c["ec2InstanceId"]: c for c in out["containerInstances"]}

    # Registered, but with no path to ECS its agent is disconnected.
    [ci] = described().values()
    assert (ci["status"], ci["agentConnected"]) == ("ACTIVE", False)
    ecs.register_task_definition(family="b", networkMode="bridge", requiresCompatibilities=["EC2"],
                                 containerDefinitions=[{"name": "c", "image": "nginx", "memory": 64}])
    out = ecs.run_task(cluster="app", taskDefinition="b", launchType="EC2")
    assert out["failures"] == [{"arn": ci["containerInstanceArn"], "reason": "AGENT"}]
    a = tasks.ask("ecs-agent", launched)
    assert a["reachable"] is False and "no interface endpoint for com.amazonaws.us-east-1.ecs-agent" \
        in a["explanation"]
    # Old and new agents registered directly on two more instances.
    plain = newest_image(ec2, "al2023-ami-2023*-x86_64")
    old_new = {}
    for version in ("1.24.0", "1.25.1"):
        i = ec2.run_instances(ImageId=plain, InstanceType="t3.medium", MinCount=1, MaxCount=1,
                              SubnetId=tasks.private, SecurityGroupIds=[tasks.sg])["Instances"][0]["InstanceId"]
        ecs.register_container_instance(
            cluster="app", instanceIdentityDocumentSignature="sig",
            instanceIdentityDocument=f'{{"instanceId": "{i}", "region": "us-east-1"}}',
            versionInfo={"agentVersion": version, "agentHash": "abc", "dockerVersion": "DockerVersion: 20.10"})
        old_new[version] = i
    # The three ECS endpoints (the endpoint group lets 443 in from the VPC).
    for service in ("ecs-agent", "ecs-telemetry", "ecs"):
        tasks.interface_endpoint(service)
    now = described()
    assert now[launched]["agentConnected"] is True
    assert now[old_new["1.25.1"]]["agentConnected"] is True
    assert now[old_new["1.24.0"]]["agentConnected"] is False
    filtered = ecs.list_container_instances(cluster="app", filter="agentConnected == false")
    assert [c.rsplit("/", 1)[1] for c in filtered["containerInstanceArns"]] == [
        now[old_new["1.24.0"]]["containerInstanceArn"].rsplit("/", 1)[1]]


@pytest.mark.parametrize("mode", ["warn", "off"])
def test_warn_starts_the_task_and_off_ignores_the_network(awsemu_launcher, client_for, mode):
    """The switch itself: the same blocked task (Docker Hub from a private
    subnet with no way out) RUNS under `warn` (the blocked hop is only
    logged) and under `off`; the explanation still says it is blocked."""
    endpoint, stop = awsemu_launcher("--reachability", mode)
    try:
        t = Tasks(endpoint, client_for)
        task = t.run("nginx:latest")
        assert task["lastStatus"] == "RUNNING", task
        assert "stopCode" not in task
        assert t.ask("registry-1.docker.io")["reachable"] is False
        exported = yaml.safe_load(requests.get(f"{endpoint}/_awsemu/state", timeout=30).text)
        assert exported["settings"]["reachability"] == mode
    finally:
        stop()


def test_enforce_is_the_default(awsemu_endpoint, client_for):
    """Without --reachability, the session server enforces (and its export
    does not name the default)."""
    t = Tasks(awsemu_endpoint, client_for)
    task = t.run("nginx:latest")
    assert (task["lastStatus"], task["stopCode"]) == ("STOPPED", "TaskFailedToStart")
    exported = yaml.safe_load(requests.get(f"{awsemu_endpoint}/_awsemu/state", timeout=30).text)
    assert "reachability" not in exported["settings"]


def test_endpoint_policies_must_allow_what_the_task_calls(tasks):
    """The network reaches the endpoints, but a policy that does not allow
    the call stops the task with AccessDenied, and the explain call (with
    `action`) names the endpoint's policy."""
    only_pull = ('{"Statement":[{"Effect":"Allow","Principal":"*","Action":'
                 '["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"],"Resource":"*"}]}')
    api = tasks.ec2.create_vpc_endpoint(
        VpcId=tasks.vpc, ServiceName="com.amazonaws.us-east-1.ecr.api", VpcEndpointType="Interface",
        SubnetIds=[tasks.private], SecurityGroupIds=[tasks.endpoint_sg()], PrivateDnsEnabled=True,
        PolicyDocument=only_pull)["VpcEndpoint"]["VpcEndpointId"]
    tasks.interface_endpoint("ecr.dkr")
    s3 = tasks.ec2.create_vpc_endpoint(VpcId=tasks.vpc, ServiceName="com.amazonaws.us-east-1.s3",
                                       VpcEndpointType="Gateway", RouteTableIds=[tasks.main])[
        "VpcEndpoint"]["VpcEndpointId"]
    t = tasks.run(ECR)
    assert (t["lastStatus"], t["stopCode"]) == ("STOPPED", "TaskFailedToStart")
    role = f"arn:aws:sts::{tasks.account}:assumed-role/exec/{t['taskArn'].rsplit('/', 1)[1]}"
    assert t["stoppedReason"].startswith(
        "ResourceInitializationError: unable to pull secrets or registry auth: execution resource "
        "retrieval failed: unable to retrieve ecr registry auth: service call has been retried 1 time(s): "
        "operation error ECR: GetAuthorizationToken, https response error StatusCode: 400, RequestID: ")
    assert t["stoppedReason"].endswith(
        f"api error AccessDeniedException: User: {role} is not authorized to perform: "
        "ecr:GetAuthorizationToken on resource: * because no VPC endpoint policy allows the "
        "ecr:GetAuthorizationToken action")
    r = requests.get(f"{tasks.endpoint}/_awsemu/reachability", timeout=30, params={
        "from": tasks.eni, "to": "ecr.api", "account": tasks.account,
        "action": "ecr:GetAuthorizationToken"}).json()
    assert r["reachable"] is False and r["deniedAction"] == "ecr:GetAuthorizationToken"
    assert r["blocked"]["hop"] == "vpc-endpoint-policy" and r["blocked"]["id"] == api
    assert r["explanation"] == (f"the policy of the VPC endpoint {api} for com.amazonaws.us-east-1.ecr.api "
                                "does not allow ecr:GetAuthorizationToken")
    # Without `action`, the network path alone answers.
    assert tasks.ask("ecr.api")["reachable"] is True
    # Allowing the token moves the failure on: the S3 gateway endpoint's
    # policy denies the layers.
    full = '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}'
    tasks.ec2.modify_vpc_endpoint(VpcEndpointId=api, PolicyDocument=full)
    deny_get = ('{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},'
                '{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}')
    tasks.ec2.modify_vpc_endpoint(VpcEndpointId=s3, PolicyDocument=deny_get)
    t = tasks.run(ECR)
    assert t["stoppedReason"] == (
        "CannotPullContainerError: inspect image has been retried 1 time(s): failed to resolve ref "
        f"\"{ECR}\": unexpected status code [manifests v1]: 403 Forbidden")
    tasks.ec2.modify_vpc_endpoint(VpcEndpointId=s3, ResetPolicy=True)
    assert tasks.run(ECR)["lastStatus"] == "RUNNING"
