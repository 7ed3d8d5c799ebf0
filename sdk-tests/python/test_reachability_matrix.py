"""Reachability matrix (issue 15, must show): for each network a Fargate task
may sit in, and each kind of workload, the task RUNS or stops with ECS's
reason, and the explain call names the resource that blocks it.

Networks: a public subnet with and without a public IP, a NAT gateway, a
private subnet with all the endpoints, the same missing each endpoint in
turn, private DNS off, an endpoint security group without 443, a network
ACL deny, a blackhole route, a private NAT gateway. Workloads: a private
ECR image, a public (Docker Hub) image, an ECR image logging with awslogs,
an ECR image with a Secrets Manager secret.

What stops each (ECS's start order: secrets and registry auth, then the log
driver, then the image pull): `../shared/ecs-failure-texts.md`, sections 2-3,
kept in emulator/src/services/ecs/data/start-failures.tsv.
"""

from __future__ import annotations

import time

import pytest
import requests

from awsemu_helpers import new_subnet, new_vpc, random_account

REGION = "us-east-1"
ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app/web:v1"
FAST = {"Delay": 0.1, "MaxAttempts": 100}

# Start of each stop reason, by what blocked.
AUTH = "ResourceInitializationError: unable to pull secrets or registry auth: The task cannot pull registry auth from Amazon ECR"
ASM = "ResourceInitializationError: unable to pull secrets or registry auth: unable to retrieve secret from asm"
LOGS = "ResourceInitializationError: failed to validate logger args: The task cannot find the Amazon CloudWatch log group"
MANIFEST = f"CannotPullContainerError: The task cannot pull {ECR} from the registry {ECR}."
LAYERS = MANIFEST  # the same opening; the tail differs (failed to copy)
HUB = "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref docker.io/library/nginx:latest"

WORKLOADS = ("ecr", "public", "awslogs", "secrets")
ENDPOINTS = ("ecr.api", "ecr.dkr", "logs", "secretsmanager")


@pytest.fixture(scope="module")
def endpoint(awsemu_launcher):
    url, stop = awsemu_launcher("--reachability", "enforce")
    yield url
    stop()


class World:
    """A VPC (DNS hostnames on) with a public subnet (IGW route) and a
    private one; the task's security group allows all egress."""

    def __init__(self, endpoint: str, client_for):
        self.endpoint = endpoint
        self.account = random_account()
        self.ec2 = client_for(endpoint, "ec2", account=self.account)
        self.ecs = client_for(endpoint, "ecs", account=self.account)
        e = self.ec2
        self.vpc = new_vpc(e, "10.0.0.0/16")
        e.modify_vpc_attribute(VpcId=self.vpc, EnableDnsHostnames={"Value": True})
        self.private = new_subnet(e, self.vpc, "10.0.1.0/24", "us-east-1a")
        self.public = new_subnet(e, self.vpc, "10.0.2.0/24", "us-east-1a")
        self.sg = e.create_security_group(GroupName="task", Description="t", VpcId=self.vpc)["GroupId"]
        self.vpce_sg = e.create_security_group(GroupName="vpce", Description="v", VpcId=self.vpc)["GroupId"]
        e.authorize_security_group_ingress(GroupId=self.vpce_sg, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}])
        self.igw = e.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        e.attach_internet_gateway(InternetGatewayId=self.igw, VpcId=self.vpc)
        self.public_rt = e.create_route_table(VpcId=self.vpc)["RouteTable"]["RouteTableId"]
        e.create_route(RouteTableId=self.public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=self.igw)
        e.associate_route_table(RouteTableId=self.public_rt, SubnetId=self.public)
        self.private_rt = e.create_route_table(VpcId=self.vpc)["RouteTable"]["RouteTableId"]
        e.associate_route_table(RouteTableId=self.private_rt, SubnetId=self.private)
        self.ecs.create_cluster(clusterName="app")
        self.subnet, self.public_ip = self.private, False
        self.endpoints: dict[str, str] = {}

    def nat(self, connectivity: str = "public") -> str:
        kw = {"ConnectivityType": "private"} if connectivity == "private" else {
            "AllocationId": self.ec2.allocate_address(Domain="vpc")["AllocationId"]}
        nat = self.ec2.create_nat_gateway(SubnetId=self.public, **kw)["NatGateway"]["NatGatewayId"]
        self.ec2.get_waiter("nat_gateway_available").wait(NatGatewayIds=[nat], WaiterConfig=FAST)
        self.ec2.create_route(RouteTableId=self.private_rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
        return nat

    def all_endpoints(self, but: str | None = None, dns: bool = True, sg: str | None = None) -> None:
        for service in ENDPOINTS:
            if service == but:
                continue
            self.endpoints[service] = self.ec2.create_vpc_endpoint(
                VpcId=self.vpc, ServiceName=f"com.amazonaws.{REGION}.{service}",
                VpcEndpointType="Interface", SubnetIds=[self.private],
                SecurityGroupIds=[sg or self.vpce_sg],
                PrivateDnsEnabled=dns or service != "ecr.api")["VpcEndpoint"]["VpcEndpointId"]
        if but != "s3":
            self.endpoints["s3"] = self.ec2.create_vpc_endpoint(
                VpcId=self.vpc, ServiceName=f"com.amazonaws.{REGION}.s3", VpcEndpointType="Gateway",
                RouteTableIds=[self.private_rt])["VpcEndpoint"]["VpcEndpointId"]

    def run(self, workload: str) -> dict:
        container = {"name": "web", "image": "nginx:latest" if workload == "public" else ECR}
        if workload == "awslogs":
            container["logConfiguration"] = {"logDriver": "awslogs", "options": {
                "awslogs-group": "/app", "awslogs-region": REGION, "awslogs-stream-prefix": "web"}}
        if workload == "secrets":
            container["secrets"] = [{"name": "DB", "valueFrom":
                                     f"arn:aws:secretsmanager:{REGION}:{self.account}:secret:db-AbCdEf"}]
        self.ecs.register_task_definition(
            family=workload, networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
            cpu="256", memory="512", executionRoleArn=f"arn:aws:iam::{self.account}:role/exec",
            containerDefinitions=[container])
        arn = self.ecs.run_task(cluster="app", taskDefinition=workload, launchType="FARGATE",
                                networkConfiguration={"awsvpcConfiguration": {
                                    "subnets": [self.subnet], "securityGroups": [self.sg],
                                    "assignPublicIp": "ENABLED" if self.public_ip else "DISABLED"}},
                                )["tasks"][0]["taskArn"]
        for _ in range(200):
            t = self.ecs.describe_tasks(cluster="app", tasks=[arn])["tasks"][0]
            if t["lastStatus"] in ("RUNNING", "STOPPED"):
                return t
            time.sleep(0.02)
        raise AssertionError("neither running nor stopped")

    def explain(self, to: str) -> dict:
        """From an interface like the task's (same subnet and group)."""
        eni = self.ec2.create_network_interface(SubnetId=self.subnet, Groups=[self.sg])[
            "NetworkInterface"]["NetworkInterfaceId"]
        r = requests.get(f"{self.endpoint}/_awsemu/reachability", timeout=30, params={
            "from": eni, "to": to, "account": self.account, "region": REGION})
        assert r.status_code == 200, r.text
        return r.json()


# network -> (setup, {workload: expected start of the stop reason or None for
# RUNNING}, (destination to explain, hop kind, resource that blocks it)).
def public_ip(w):
    w.subnet, w.public_ip = w.public, True


def public_no_ip(w):
    w.subnet = w.public


def nat(w):
    w.nat()


def all_endpoints(w):
    w.all_endpoints()


def missing(service):
    def setup(w):
        w.all_endpoints(but=service)
    return setup


def dns_off(w):
    w.all_endpoints(dns=False)


def sg_without_443(w):
    closed = w.ec2.create_security_group(GroupName="closed", Description="c", VpcId=w.vpc)["GroupId"]
    w.closed_sg = closed
    w.all_endpoints(sg=closed)


def acl_deny(w):
    w.nat()
    acl = w.ec2.create_network_acl(VpcId=w.vpc)["NetworkAcl"]["NetworkAclId"]
    w.acl = acl
    for egress in (True, False):
        w.ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="allow",
                                       Egress=egress, CidrBlock="0.0.0.0/0")
    w.ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=50, Protocol="6", RuleAction="deny",
                                   Egress=True, CidrBlock="0.0.0.0/0", PortRange={"From": 443, "To": 443})
    assoc = [a for a in w.ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id",
                                                             "Values": [w.private]}])["NetworkAcls"][0]
             ["Associations"] if a["SubnetId"] == w.private][0]["NetworkAclAssociationId"]
    w.ec2.replace_network_acl_association(AssociationId=assoc, NetworkAclId=acl)


def blackhole(w):
    nat_id = w.nat()
    w.ec2.delete_nat_gateway(NatGatewayId=nat_id)
    w.ec2.get_waiter("nat_gateway_deleted").wait(NatGatewayIds=[nat_id], WaiterConfig=FAST)


def private_nat(w):
    w.private_nat = w.nat("private")


ALL_RUN = dict.fromkeys(WORKLOADS)
CASES = {
    "public-subnet-public-ip": (public_ip, ALL_RUN, None),
    "public-subnet-no-public-ip": (public_no_ip, {"ecr": AUTH, "public": HUB, "awslogs": AUTH,
                                                  "secrets": ASM},
                                   ("registry-1.docker.io", "public-ip", None)),
    "nat-gateway": (nat, ALL_RUN, None),
    "private-all-endpoints": (all_endpoints, {"ecr": None, "public": HUB, "awslogs": None,
                                              "secrets": None},
                              ("registry-1.docker.io", "route-table", "private_rt")),
    "missing-ecr.api": (missing("ecr.api"), {"ecr": AUTH, "public": HUB, "awslogs": AUTH,
                                             "secrets": AUTH},
                        ("ecr.api", "route-table", "private_rt")),
    "missing-ecr.dkr": (missing("ecr.dkr"), {"ecr": MANIFEST, "public": HUB, "awslogs": MANIFEST,
                                             "secrets": MANIFEST},
                        ("ecr.dkr", "route-table", "private_rt")),
    "missing-s3": (missing("s3"), {"ecr": LAYERS, "public": HUB, "awslogs": LAYERS, "secrets": LAYERS},
                   ("s3", "route-table", "private_rt")),
    "missing-logs": (missing("logs"), {"ecr": None, "public": HUB, "awslogs": LOGS, "secrets": None},
                     ("logs", "route-table", "private_rt")),
    "missing-secretsmanager": (missing("secretsmanager"), {"ecr": None, "public": HUB, "awslogs": None,
                                                           "secrets": ASM},
                               ("secretsmanager", "route-table", "private_rt")),
    "private-dns-off": (dns_off, {"ecr": AUTH, "public": HUB, "awslogs": AUTH, "secrets": AUTH},
                        ("ecr.api", "route-table", "private_rt")),
    "endpoint-sg-without-443": (sg_without_443, {"ecr": AUTH, "public": HUB, "awslogs": AUTH,
                                                 "secrets": ASM},
                                ("ecr.api", "security-group", "closed_sg")),
    "network-acl-deny": (acl_deny, {"ecr": AUTH, "public": HUB, "awslogs": AUTH, "secrets": ASM},
                         ("ecr.api", "network-acl", "acl")),
    "blackhole-route": (blackhole, {"ecr": AUTH, "public": HUB, "awslogs": AUTH, "secrets": ASM},
                        ("ecr.api", "route", "private_rt")),
    "private-nat": (private_nat, {"ecr": AUTH, "public": HUB, "awslogs": AUTH, "secrets": ASM},
                    ("ecr.api", "nat-gateway", "private_nat")),
}


@pytest.mark.parametrize("network", list(CASES))
def test_matrix(network, endpoint, client_for):
    setup, expected, explain = CASES[network]
    w = World(endpoint, client_for)
    setup(w)
    for workload in WORKLOADS:
        t = w.run(workload)
        want = expected[workload]
        if want is None:
            assert t["lastStatus"] == "RUNNING", (workload, t.get("stoppedReason"))
            continue
        assert (t["lastStatus"], t["stopCode"]) == ("STOPPED", "TaskFailedToStart"), workload
        assert t["stoppedReason"].startswith(want), (workload, t["stoppedReason"])
        if want is LAYERS and network == "missing-s3":
            assert "failed to copy: httpReadSeeker: failed open" in t["stoppedReason"]
    if explain:
        to, hop, attr = explain
        a = w.explain(to)
        assert a["reachable"] is False
        assert a["blocked"]["hop"] == hop, a
        if attr:
            assert a["blocked"]["id"] == getattr(w, attr), a
