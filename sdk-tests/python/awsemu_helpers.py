"""Small assertion helpers shared by the test modules (not fixtures)."""

from __future__ import annotations

import re
import secrets
import xml.etree.ElementTree as ET
from contextlib import contextmanager

import pytest
from botocore.exceptions import ClientError

DEFAULT_ACCOUNT = "000000000000"


def id_re(prefix: str) -> re.Pattern[str]:
    """``<prefix>-`` followed by 17 lower-case hex digits (aws-spec.md §6)."""
    return re.compile(rf"^{re.escape(prefix)}-[0-9a-f]{{17}}$")


VPC_ID = id_re("vpc")
SUBNET_ID = id_re("subnet")
SG_ID = id_re("sg")
SGR_ID = id_re("sgr")
RTB_ID = id_re("rtb")
RTBASSOC_ID = id_re("rtbassoc")
VPC_CIDR_ASSOC_ID = id_re("vpc-cidr-assoc")
DOPT_ID = re.compile(r"^dopt-[0-9a-f]{8}([0-9a-f]{9})?$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)

UNKNOWN_VPC = "vpc-0123456789abcdef0"
UNKNOWN_SUBNET = "subnet-0123456789abcdef0"
UNKNOWN_SG = "sg-0123456789abcdef0"
UNKNOWN_RTB = "rtb-0123456789abcdef0"
UNKNOWN_ENI = "eni-0123456789abcdef0"


@contextmanager
def raises_code(code: str, status: int = 400):
    """``pytest.raises(ClientError)`` that also pins the error code and HTTP status."""
    with pytest.raises(ClientError) as excinfo:
        yield excinfo
    err = excinfo.value.response["Error"]
    meta = excinfo.value.response["ResponseMetadata"]
    assert err["Code"] == code, f"expected {code}, got {err.get('Code')}: {err.get('Message')}"
    assert meta["HTTPStatusCode"] == status, (
        f"{code}: expected HTTP {status}, got {meta['HTTPStatusCode']}"
    )


def err_message(excinfo) -> str:
    return excinfo.value.response["Error"].get("Message", "")


def tags_dict(tags: list[dict] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in (tags or [])}


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def namespace(tag: str) -> str | None:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else None


def find_local(elem: ET.Element, *path: str) -> ET.Element | None:
    """Walk children by local name (namespace-agnostic)."""
    cur: ET.Element | None = elem
    for name in path:
        if cur is None:
            return None
        cur = next((c for c in cur if local_name(c.tag) == name), None)
    return cur


def new_vpc(client, cidr: str = "10.0.0.0/16", name: str | None = None) -> str:
    kwargs = {"CidrBlock": cidr}
    if name is not None:
        kwargs["TagSpecifications"] = [
            {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": name}]}
        ]
    return client.create_vpc(**kwargs)["Vpc"]["VpcId"]


def new_subnet(client, vpc_id: str, cidr: str, az: str = "us-east-1a") -> str:
    return client.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=az)[
        "Subnet"
    ]["SubnetId"]


def default_vpc(client) -> dict:
    vpcs = client.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    assert len(vpcs) == 1, vpcs
    return vpcs[0]


def default_sg(client, vpc_id: str) -> dict:
    groups = client.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"]
    assert len(groups) == 1, groups
    return groups[0]


def cidrs(ranges: list[dict]) -> list[str]:
    return [r["CidrIp"] for r in ranges]


# --------------------------------------------------------------------------
# VPC endpoints (aws-spec.md §8.1-8.5)
# --------------------------------------------------------------------------
VPCE_ID = id_re("vpce")
VPCE_SVC_ID = id_re("vpce-svc")
ENI_ID = id_re("eni")
UNKNOWN_VPCE = "vpce-0123456789abcdef0"


def enable_dns_hostnames(client, vpc_id: str) -> None:
    """A new VPC has enableDnsHostnames false; private DNS for endpoints needs it."""
    client.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})


def vpc_enis(client, vpc_id: str) -> list[dict]:
    return client.describe_network_interfaces(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}]
    )["NetworkInterfaces"]


def available_ips(client, subnet_id: str) -> int:
    return client.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0][
        "AvailableIpAddressCount"
    ]


# --------------------------------------------------------------------------
# PrivateLink provider side and ELBv2 (aws-spec.md §6, §8.6-8.20, §9)
# --------------------------------------------------------------------------
VPCE_CON_ID = id_re("vpce-con")
VPCE_NFN_ID = id_re("vpce-nfn")
VPCE_SVC_PERM_ID = id_re("vpce-svc-perm")
UNKNOWN_VPCE_SVC = "vpce-svc-0123456789abcdef0"
UNKNOWN_VPCE_NFN = "vpce-nfn-0123456789abcdef0"


def lb_arn_re(kind: str, name: str, account: str, region: str = "us-east-1") -> re.Pattern[str]:
    """``arn:aws:elasticloadbalancing:<region>:<acct>:loadbalancer/<kind>/<name>/<16 hex>``
    (``kind`` is ``net``, ``gwy`` or ``app``)."""
    return re.compile(
        rf"^arn:aws:elasticloadbalancing:{re.escape(region)}:{account}:loadbalancer/"
        rf"{kind}/{re.escape(name)}/([0-9a-f]{{16}})$"
    )


def default_subnets(client) -> dict[str, str]:
    """The account's default subnets (one per AZ) as ``{az: subnet_id}``."""
    subnets = client.describe_subnets(
        Filters=[{"Name": "default-for-az", "Values": ["true"]}]
    )["Subnets"]
    by_az = {s["AvailabilityZone"]: s["SubnetId"] for s in subnets}
    assert len(by_az) == len(subnets), subnets
    return by_az


def unsuccessful(resp: dict) -> list[tuple[str, str]]:
    """``Unsuccessful`` items of a batch call as ``[(resource_id, error_code)]``."""
    return [(u["ResourceId"], u["Error"]["Code"]) for u in resp["Unsuccessful"]]


# --------------------------------------------------------------------------
# ECS (aws-spec.md §6, §10, §11)
# --------------------------------------------------------------------------
ECS_TASK_ID = re.compile(r"^[0-9a-f]{32}$")
ECS_DEPLOYMENT_ID = re.compile(r"^ecs-svc/[0-9]{19}$")
CLOUDMAP_NAMESPACE_ID = re.compile(r"^ns-[A-Za-z0-9]{16}$")
CLOUDMAP_SERVICE_ID = re.compile(r"^srv-[A-Za-z0-9]{16}$")
MAC_RE = re.compile(r"^([0-9a-f]{2}:){5}[0-9a-f]{2}$")


def random_account() -> str:
    """A fresh 12-digit account id (the access key selects the account)."""
    return "9" + "".join(str(secrets.randbelow(10)) for _ in range(11))


def ecs_arn(account: str, resource: str, region: str = "us-east-1") -> str:
    """``arn:aws:ecs:<region>:<account>:<resource>``."""
    return f"arn:aws:ecs:{region}:{account}:{resource}"


def ecs_tags(tags: list[dict] | None) -> dict[str, str]:
    """ECS tags (lower-case ``key``/``value``) as a dict."""
    return {t["key"]: t["value"] for t in (tags or [])}


# --------------------------------------------------------------------------
# Egress: what a task in a private subnet needs to pull from Docker Hub on
# AWS (awsemu enforces reachability by default, as AWS does).
# --------------------------------------------------------------------------
def main_route_table(client, vpc_id: str) -> str:
    return client.describe_route_tables(Filters=[
        {"Name": "vpc-id", "Values": [vpc_id]},
        {"Name": "association.main", "Values": ["true"]},
    ])["RouteTables"][0]["RouteTableId"]


def nat_egress(client, vpc_id: str, public_cidr: str, az: str = "us-east-1a",
               route_tables: list[str] | None = None, wait: bool = True) -> dict:
    """Gives a VPC's private subnets a way out, as on AWS: an internet
    gateway, a public subnet (``public_cidr``) whose route table sends
    0.0.0.0/0 to it, a public NAT gateway there, and a 0.0.0.0/0 route to
    the NAT gateway in ``route_tables`` (default: the VPC's main route table,
    the one of the subnets with no table of their own). Tasks keep
    ``assignPublicIp`` DISABLED. With ``wait`` (immediate pace), returns once
    the NAT gateway is ``available``; at manual pace, advance the clock.
    Returns the ids: ``igw``, ``subnet``, ``public_route_table``, ``nat``."""
    igw = client.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    client.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    subnet = new_subnet(client, vpc_id, public_cidr, az)
    public = client.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    client.create_route(RouteTableId=public, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    client.associate_route_table(RouteTableId=public, SubnetId=subnet)
    alloc = client.allocate_address(Domain="vpc")["AllocationId"]
    nat = client.create_nat_gateway(SubnetId=subnet, AllocationId=alloc)["NatGateway"][
        "NatGatewayId"]
    for rt in route_tables if route_tables is not None else [main_route_table(client, vpc_id)]:
        client.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    if wait:
        client.get_waiter("nat_gateway_available").wait(
            NatGatewayIds=[nat], WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
    return {"igw": igw, "subnet": subnet, "public_route_table": public, "nat": nat}
