"""A real infrastructure tool: the ``ansible`` package's amazon.aws
collection builds the network of shared seed 000 (VPC, public and private
subnets, internet gateway, NAT gateway, route tables, security group, the ECS
interface endpoints) and an EC2 container instance in a private subnet
(ec2_instance, found by ec2_ami_info) against awsemu, and a second run of the same playbook
reports no change (issue 12, "Must show").
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from awsemu_helpers import random_account, tags_dict

PLAYBOOK = Path(__file__).parent / "ansible" / "seed-000-network.yml"
LB_PLAYBOOK = Path(__file__).parent / "ansible" / "elbv2-load-balancers.yml"
ANSIBLE = Path(sys.executable).parent / "ansible-playbook"


def run_playbook(endpoint: str, account: str, tmp: Path, playbook: Path = PLAYBOOK) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "ANSIBLE_HOME": str(tmp / "ansible-home"),
        "ANSIBLE_LOCAL_TEMP": str(tmp / "ansible-tmp"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_DEPRECATION_WARNINGS": "0",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
    })
    proc = subprocess.run(  # noqa: S603 - fixed argv
        [str(ANSIBLE), "-i", "localhost,", str(playbook),
         "-e", f"endpoint={endpoint}", "-e", f"account={account}"],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr


def recap(output: str) -> dict[str, int]:
    line = next(x for x in output.splitlines() if x.startswith("localhost") and "ok=" in x)
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}


@pytest.mark.skipif(not ANSIBLE.exists(), reason="ansible is installed with sdk-tests/python/requirements.txt")
def test_ansible_builds_the_seed_network_and_a_second_run_changes_nothing(
        awsemu_endpoint, client_for, tmp_path):
    account = random_account()
    rc, out = run_playbook(awsemu_endpoint, account, tmp_path)
    assert rc == 0, out
    first = recap(out)
    assert first["failed"] == 0 and first["changed"] >= 9, out

    # What the playbook built, as EC2 describes it.
    c = client_for(awsemu_endpoint, "ec2", account=account)
    [vpc] = c.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["app-vpc"]}])["Vpcs"]
    vpc_id = vpc["VpcId"]
    assert vpc["CidrBlock"] == "10.0.0.0/16"
    assert tags_dict(vpc["Tags"]) == {"Name": "app-vpc", "Project": "seed-000"}
    hostnames = c.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")
    assert hostnames["EnableDnsHostnames"]["Value"] is True
    subnets = {tags_dict(s["Tags"])["Name"]: s for s in
               c.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]}
    assert sorted(subnets) == ["private-a", "private-b", "public-a", "public-b"]
    assert [n for n, s in sorted(subnets.items()) if s["MapPublicIpOnLaunch"]] == ["public-a", "public-b"]
    [igw] = c.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"]
    [nat] = c.describe_nat_gateways(Filter=[{"Name": "vpc-id", "Values": [vpc_id]}])["NatGateways"]
    assert nat["State"] == "available"
    assert nat["SubnetId"] == subnets["public-a"]["SubnetId"]
    assert nat["NatGatewayAddresses"][0]["PublicIp"]
    tables = {tags_dict(t["Tags"]).get("Name"): t for t in c.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]}

    def default_route(table):
        return next(r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0")

    assert default_route(tables["public"])["GatewayId"] == igw["InternetGatewayId"]
    assert default_route(tables["private"])["NatGatewayId"] == nat["NatGatewayId"]
    assert sorted(a["SubnetId"] for a in tables["private"]["Associations"]) == sorted(
        [subnets["private-a"]["SubnetId"], subnets["private-b"]["SubnetId"]])
    [sg] = c.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["endpoints"]},
                                               {"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]
    assert sorted(r["CidrIp"] for p in sg["IpPermissions"] for r in p["IpRanges"]) == [
        "10.0.2.0/24", "10.0.3.0/24"]
    endpoints = c.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"]
    assert sorted(e["ServiceName"].rsplit(".", 1)[1] for e in endpoints) == ["ecs", "ecs-agent", "ecs-telemetry"]
    assert {e["State"] for e in endpoints} == {"available"}
    # The container instance, running in private-a with the ECS AMI.
    [res] = c.describe_instances(Filters=[{"Name": "tag:Name", "Values": ["ecs-node"]}])["Reservations"]
    [node] = res["Instances"]
    assert node["State"]["Name"] == "running"
    assert node["SubnetId"] == subnets["private-a"]["SubnetId"]
    assert [g["GroupId"] for g in node["SecurityGroups"]] == [sg["GroupId"]]
    assert "PublicIpAddress" not in node
    assert c.describe_images(ImageIds=[node["ImageId"]])["Images"][0]["Name"].startswith("al2023-ami-ecs-hvm-")

    # The same playbook again: everything is there already.
    rc, out = run_playbook(awsemu_endpoint, account, tmp_path)
    assert rc == 0, out
    second = recap(out)
    assert second["changed"] == 0 and second["failed"] == 0, out
    assert len(c.describe_nat_gateways(Filter=[{"Name": "vpc-id", "Values": [vpc_id]}])["NatGateways"]) == 1
    assert len(c.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"]) == 3
    assert len(c.describe_instances(Filters=[{"Name": "tag:Name", "Values": ["ecs-node"]}])["Reservations"]) == 1


@pytest.mark.skipif(not ANSIBLE.exists(), reason="ansible is installed with sdk-tests/python/requirements.txt")
def test_ansible_builds_load_balancers_and_target_groups_idempotently(awsemu_endpoint, client_for, tmp_path):
    """community.aws elb_target_group / elb_network_lb and amazon.aws
    elb_application_lb (issue 13, "Must show")."""
    account = random_account()
    rc, out = run_playbook(awsemu_endpoint, account, tmp_path, LB_PLAYBOOK)
    assert rc == 0, out
    assert recap(out)["failed"] == 0 and recap(out)["changed"] >= 7, out

    elb = client_for(awsemu_endpoint, "elbv2", account=account)
    lbs = {lb["LoadBalancerName"]: lb for lb in elb.describe_load_balancers()["LoadBalancers"]}
    assert (lbs["web-nlb"]["Type"], lbs["app-alb"]["Type"]) == ("network", "application")
    groups = {g["TargetGroupName"]: g for g in elb.describe_target_groups()["TargetGroups"]}
    assert groups["web-tg"]["LoadBalancerArns"] == [lbs["web-nlb"]["LoadBalancerArn"]]
    assert groups["app-tg"]["HealthCheckPath"] == "/health"
    assert groups["app-tg"]["Matcher"] == {"HttpCode": "200-299"}
    [target] = elb.describe_target_health(TargetGroupArn=groups["web-tg"]["TargetGroupArn"])[
        "TargetHealthDescriptions"]
    assert target["Target"]["Id"] == "10.5.1.10"
    [listener] = elb.describe_listeners(LoadBalancerArn=lbs["app-alb"]["LoadBalancerArn"])["Listeners"]
    rules = elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]
    assert [(r["Priority"], [c["Values"] for c in r["Conditions"]]) for r in rules] == [
        ("10", [["/api/*"]]), ("default", [])]

    rc, out = run_playbook(awsemu_endpoint, account, tmp_path, LB_PLAYBOOK)
    assert rc == 0, out
    second = recap(out)
    assert second["changed"] == 0 and second["failed"] == 0, out
    assert len(elb.describe_target_groups()["TargetGroups"]) == 2
