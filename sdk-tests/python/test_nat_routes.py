"""boto3 and the AWS CLI: NAT gateways and routes (issue 12, items 3 and 4).

NAT gateways under ``--pace manual`` move only when the clock is advanced:
``pending`` → ``available`` (or ``failed`` for a public gateway whose VPC has
no internet gateway), ``deleting`` → ``deleted``; botocore's
``nat_gateway_available`` and ``nat_gateway_deleted`` waiters pass. Routes
go ``blackhole`` when their target goes away.
"""

from __future__ import annotations

import ipaddress

import pytest
import requests

from awsemu_helpers import (
    id_re,
    new_subnet,
    new_vpc,
    raises_code,
    err_message,
    tags_dict,
)

NAT_ID = id_re("nat")


def advance(endpoint: str, seconds: float) -> None:
    r = requests.post(f"{endpoint}/_awsemu/clock", json={"seconds": seconds}, timeout=30)
    assert r.status_code == 200, r.text


@pytest.fixture
def manual(manual_endpoint, client_for):
    r = requests.post(f"{manual_endpoint}/_awsemu/reset", timeout=30)
    assert r.status_code == 200, r.text
    return manual_endpoint, client_for(manual_endpoint, "ec2")


def public_network(c):
    """A VPC with a public and a private subnet, an attached internet gateway
    and an Elastic IP."""
    vpc = new_vpc(c)
    public = new_subnet(c, vpc, "10.0.0.0/24", "us-east-1a")
    private = new_subnet(c, vpc, "10.0.1.0/24", "us-east-1a")
    igw = c.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    c.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    eip = c.allocate_address(Domain="vpc")
    return vpc, public, private, igw, eip


def nat(c, nat_id: str) -> dict:
    return c.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]


WAIT = {"Delay": 1, "MaxAttempts": 5}


def test_nat_gateway_lifecycle_on_the_clock(manual):
    endpoint, c = manual
    vpc, public, _, _, eip = public_network(c)
    made = c.create_nat_gateway(SubnetId=public, AllocationId=eip["AllocationId"], ClientToken="nat-1",
                                TagSpecifications=[{"ResourceType": "natgateway",
                                                    "Tags": [{"Key": "Name", "Value": "egress"}]}])
    g = made["NatGateway"]
    nat_id = g["NatGatewayId"]
    assert NAT_ID.match(nat_id)
    assert g["State"] == "pending"
    assert g["VpcId"] == vpc and g["SubnetId"] == public
    assert g["ConnectivityType"] == "public"
    assert tags_dict(g["Tags"]) == {"Name": "egress"}
    [address] = g["NatGatewayAddresses"]
    assert address["AllocationId"] == eip["AllocationId"]
    assert address["PublicIp"] == eip["PublicIp"]
    assert address["IsPrimary"] is True
    assert ipaddress.ip_address(address["PrivateIp"]) in ipaddress.ip_network("10.0.0.0/24")
    # The same token gives the same gateway.
    again = c.create_nat_gateway(SubnetId=public, AllocationId=eip["AllocationId"], ClientToken="nat-1")
    assert again["NatGateway"]["NatGatewayId"] == nat_id

    # Its interface: requester-managed, in the subnet, with the Elastic IP.
    eni = c.describe_network_interfaces(NetworkInterfaceIds=[address["NetworkInterfaceId"]])
    eni = eni["NetworkInterfaces"][0]
    assert eni["InterfaceType"] == "nat_gateway"
    assert eni["RequesterManaged"] is True
    assert eni["Description"] == f"Interface for NAT Gateway {nat_id}"
    assert eni["Association"]["PublicIp"] == eip["PublicIp"]
    with raises_code("InvalidNetworkInterface.InUse"):
        c.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])
    addr = c.describe_addresses(AllocationIds=[eip["AllocationId"]])["Addresses"][0]
    assert addr["NetworkInterfaceId"] == eni["NetworkInterfaceId"]
    with raises_code("InvalidIPAddress.InUse"):
        c.release_address(AllocationId=eip["AllocationId"])

    # The clock has not moved: still pending.
    assert nat(c, nat_id)["State"] == "pending"
    advance(endpoint, 5)
    c.get_waiter("nat_gateway_available").wait(NatGatewayIds=[nat_id], WaiterConfig=WAIT)
    assert nat(c, nat_id)["State"] == "available"
    available = c.describe_nat_gateways(Filter=[{"Name": "state", "Values": ["available"]}])
    assert [x["NatGatewayId"] for x in available["NatGateways"]] == [nat_id]

    deleted = c.delete_nat_gateway(NatGatewayId=nat_id)
    assert deleted["NatGatewayId"] == nat_id
    g = nat(c, nat_id)
    assert g["State"] == "deleting"
    assert "DeleteTime" in g
    advance(endpoint, 5)
    c.get_waiter("nat_gateway_deleted").wait(NatGatewayIds=[nat_id], WaiterConfig=WAIT)
    assert nat(c, nat_id)["State"] == "deleted"
    # Its interface is gone and the address free again.
    assert c.describe_network_interfaces(
        Filters=[{"Name": "interface-type", "Values": ["nat_gateway"]}])["NetworkInterfaces"] == []
    assert "AssociationId" not in c.describe_addresses(AllocationIds=[eip["AllocationId"]])["Addresses"][0]
    # Still described for a while, then gone.
    advance(endpoint, 3600)
    with raises_code("NatGatewayNotFound"):
        nat(c, nat_id)


def test_public_nat_gateway_without_internet_gateway_fails(manual):
    endpoint, c = manual
    vpc = new_vpc(c)
    subnet = new_subnet(c, vpc, "10.0.0.0/24")
    eip = c.allocate_address(Domain="vpc")
    nat_id = c.create_nat_gateway(SubnetId=subnet, AllocationId=eip["AllocationId"])["NatGateway"]["NatGatewayId"]
    advance(endpoint, 5)
    g = nat(c, nat_id)
    assert g["State"] == "failed"
    assert g["FailureCode"] == "Gateway.NotAttached"
    assert g["FailureMessage"] == f"Network {vpc} has no Internet gateway attached"
    with pytest.raises(Exception) as e:
        c.get_waiter("nat_gateway_available").wait(NatGatewayIds=[nat_id], WaiterConfig=WAIT)
    assert "failed" in str(e.value)
    assert "AssociationId" not in c.describe_addresses(AllocationIds=[eip["AllocationId"]])["Addresses"][0]


def test_private_nat_gateway(ec2):
    c = ec2()
    vpc = new_vpc(c)
    subnet = new_subnet(c, vpc, "10.0.1.0/24")
    g = c.create_nat_gateway(SubnetId=subnet, ConnectivityType="private",
                             PrivateIpAddress="10.0.1.30")["NatGateway"]
    assert g["ConnectivityType"] == "private"
    [address] = g["NatGatewayAddresses"]
    assert address["PrivateIp"] == "10.0.1.30"
    assert "PublicIp" not in address and "AllocationId" not in address
    # Immediate pace: available at once, no internet gateway needed.
    c.get_waiter("nat_gateway_available").wait(NatGatewayIds=[g["NatGatewayId"]], WaiterConfig=WAIT)
    with raises_code("InvalidParameterCombination"):
        c.create_nat_gateway(SubnetId=subnet, ConnectivityType="private",
                             AllocationId="eipalloc-0123456789abcdef0")


def test_nat_gateway_errors(ec2):
    c = ec2()
    vpc, public, _, _, eip = public_network(c)
    with raises_code("MissingParameter"):
        c.create_nat_gateway(SubnetId=public)
    with raises_code("InvalidSubnetID.NotFound"):
        c.create_nat_gateway(SubnetId="subnet-0123456789abcdef0", AllocationId=eip["AllocationId"])
    with raises_code("InvalidAllocationID.NotFound"):
        c.create_nat_gateway(SubnetId=public, AllocationId="eipalloc-0123456789abcdef0")
    c.create_nat_gateway(SubnetId=public, AllocationId=eip["AllocationId"])
    with raises_code("Resource.AlreadyAssociated"):
        c.create_nat_gateway(SubnetId=public, AllocationId=eip["AllocationId"])
    with raises_code("NatGatewayNotFound") as e:
        c.describe_nat_gateways(NatGatewayIds=["nat-0123456789abcdef0"])
    assert "nat-0123456789abcdef0" in err_message(e)
    with raises_code("NatGatewayNotFound"):
        c.delete_nat_gateway(NatGatewayId="nat-0123456789abcdef0")
    # The subnet holds the gateway's interface.
    with raises_code("DependencyViolation"):
        c.delete_subnet(SubnetId=public)


# ---------------------------------------------------------------------------
# Routes


def routes_of(c, rtb: str) -> list[dict]:
    return c.describe_route_tables(RouteTableIds=[rtb])["RouteTables"][0]["Routes"]


def route_to(c, rtb: str, destination: str) -> dict:
    return next(r for r in routes_of(c, rtb) if r.get("DestinationCidrBlock") == destination)


def test_public_and_private_routes(ec2):
    c = ec2()
    vpc, public, private, igw, eip = public_network(c)
    nat_id = c.create_nat_gateway(SubnetId=public, AllocationId=eip["AllocationId"])["NatGateway"]["NatGatewayId"]
    public_rtb = c.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    private_rtb = c.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    c.associate_route_table(RouteTableId=public_rtb, SubnetId=public)
    c.associate_route_table(RouteTableId=private_rtb, SubnetId=private)
    assert c.create_route(RouteTableId=public_rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)["Return"] is True
    c.create_route(RouteTableId=private_rtb, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat_id)

    r = route_to(c, public_rtb, "0.0.0.0/0")
    assert r == {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw, "Origin": "CreateRoute", "State": "active"}
    r = route_to(c, private_rtb, "0.0.0.0/0")
    assert r["NatGatewayId"] == nat_id and r["State"] == "active"
    assert route_to(c, private_rtb, "10.0.0.0/16")["GatewayId"] == "local"

    found = c.describe_route_tables(Filters=[{"Name": "route.nat-gateway-id", "Values": [nat_id]}])["RouteTables"]
    assert [t["RouteTableId"] for t in found] == [private_rtb]
    found = c.describe_route_tables(Filters=[{"Name": "route.gateway-id", "Values": [igw]}])["RouteTables"]
    assert [t["RouteTableId"] for t in found] == [public_rtb]

    with raises_code("RouteAlreadyExists") as e:
        c.create_route(RouteTableId=public_rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    assert err_message(e) == "The route identified by 0.0.0.0/0 already exists."

    # The gateway goes: its routes turn blackhole, and come back with it.
    c.delete_nat_gateway(NatGatewayId=nat_id)
    assert route_to(c, private_rtb, "0.0.0.0/0")["State"] == "blackhole"
    blackholes = c.describe_route_tables(Filters=[{"Name": "route.state", "Values": ["blackhole"]}])
    assert [t["RouteTableId"] for t in blackholes["RouteTables"]] == [private_rtb]
    c.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    assert route_to(c, public_rtb, "0.0.0.0/0")["State"] == "blackhole"
    c.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    assert route_to(c, public_rtb, "0.0.0.0/0")["State"] == "active"

    # Replace the blackhole route's target, then delete it.
    c.replace_route(RouteTableId=private_rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    r = route_to(c, private_rtb, "0.0.0.0/0")
    assert r["GatewayId"] == igw and r["State"] == "active" and "NatGatewayId" not in r
    assert r["Origin"] == "ReplaceRoute"
    c.delete_route(RouteTableId=private_rtb, DestinationCidrBlock="0.0.0.0/0")
    assert [x.get("DestinationCidrBlock") for x in routes_of(c, private_rtb)] == ["10.0.0.0/16"]
    with raises_code("InvalidRoute.NotFound") as e:
        c.delete_route(RouteTableId=private_rtb, DestinationCidrBlock="0.0.0.0/0")
    assert err_message(e) == f"no route with destination-cidr-block 0.0.0.0/0 in route table {private_rtb}"
    with raises_code("InvalidRoute.NotFound"):
        c.replace_route(RouteTableId=private_rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)


def test_route_rules(ec2):
    c = ec2()
    vpc, public, _, igw, _ = public_network(c)
    other_vpc = new_vpc(c, "10.8.0.0/16")
    other_igw = c.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    c.attach_internet_gateway(InternetGatewayId=other_igw, VpcId=other_vpc)
    rtb = c.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    # The local route stays.
    with raises_code("InvalidParameterValue") as e:
        c.delete_route(RouteTableId=rtb, DestinationCidrBlock="10.0.0.0/16")
    assert "local route" in err_message(e)
    with raises_code("RouteAlreadyExists"):
        c.create_route(RouteTableId=rtb, DestinationCidrBlock="10.0.0.0/16", GatewayId=igw)
    with raises_code("InvalidParameterValue") as e:
        c.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=other_igw)
    assert err_message(e) == f"route table {rtb} and network gateway {other_igw} belong to different networks"
    with raises_code("InvalidInternetGatewayID.NotFound"):
        c.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId="igw-0123456789abcdef0")
    with raises_code("InvalidNatGatewayID.NotFound"):
        c.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", NatGatewayId="nat-0123456789abcdef0")
    with raises_code("InvalidRouteTableID.NotFound"):
        c.create_route(RouteTableId="rtb-0123456789abcdef0", DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    with raises_code("InvalidParameterValue"):
        c.create_route(RouteTableId=rtb, DestinationCidrBlock="10.0.0.0/33", GatewayId=igw)
    with raises_code("MissingParameter"):
        c.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0")
    # Peering connections are kept as given; an interface of the VPC too.
    c.create_route(RouteTableId=rtb, DestinationCidrBlock="172.16.0.0/12",
                   VpcPeeringConnectionId="pcx-0123456789abcdef0")
    eni = c.create_network_interface(SubnetId=public)["NetworkInterface"]["NetworkInterfaceId"]
    c.create_route(RouteTableId=rtb, DestinationCidrBlock="192.168.0.0/16", NetworkInterfaceId=eni)
    assert route_to(c, rtb, "172.16.0.0/12")["VpcPeeringConnectionId"] == "pcx-0123456789abcdef0"
    assert route_to(c, rtb, "192.168.0.0/16")["State"] == "active"
    c.delete_network_interface(NetworkInterfaceId=eni)
    assert route_to(c, rtb, "192.168.0.0/16")["State"] == "blackhole"
    # An egress-only gateway takes IPv6 routes.
    eigw = c.create_egress_only_internet_gateway(VpcId=vpc)["EgressOnlyInternetGateway"]
    eigw = eigw["EgressOnlyInternetGatewayId"]
    c.create_route(RouteTableId=rtb, DestinationIpv6CidrBlock="::/0", EgressOnlyInternetGatewayId=eigw)
    v6 = next(r for r in routes_of(c, rtb) if r.get("DestinationIpv6CidrBlock") == "::/0")
    assert v6["EgressOnlyInternetGatewayId"] == eigw and v6["State"] == "active"


def test_replace_route_table_association(ec2):
    c = ec2()
    vpc = new_vpc(c)
    subnet = new_subnet(c, vpc, "10.0.1.0/24")
    first = c.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    second = c.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    assoc = c.associate_route_table(RouteTableId=first, SubnetId=subnet)["AssociationId"]
    new = c.replace_route_table_association(AssociationId=assoc, RouteTableId=second)
    assert new["NewAssociationId"] != assoc
    assert new["AssociationState"]["State"] == "associated"
    tables = {t["RouteTableId"]: t for t in c.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]}
    assert tables[first]["Associations"] == []
    assert [(a["SubnetId"], a["RouteTableAssociationId"]) for a in tables[second]["Associations"]] == [
        (subnet, new["NewAssociationId"])]
    # The main association moves too: the new table becomes the main one.
    main = next(t for t in tables.values() if any(a["Main"] for a in t["Associations"]))
    main_assoc = next(a["RouteTableAssociationId"] for a in main["Associations"] if a["Main"])
    c.replace_route_table_association(AssociationId=main_assoc, RouteTableId=first)
    mains = c.describe_route_tables(Filters=[{"Name": "association.main", "Values": ["true"],},
                                             {"Name": "vpc-id", "Values": [vpc]}])["RouteTables"]
    assert [t["RouteTableId"] for t in mains] == [first]
    with raises_code("InvalidAssociationID.NotFound"):
        c.replace_route_table_association(AssociationId="rtbassoc-0123456789abcdef0", RouteTableId=first)


def test_aws_cli_commands_of_the_issue(aws_cli):
    """The issue's commands, unchanged but for the ids."""
    def run(*args):
        rc, out, err = aws_cli("ec2", *args)
        assert rc == 0, err
        return out

    vpc = run("create-vpc", "--cidr-block", "10.0.0.0/16")["Vpc"]["VpcId"]
    public = run("create-subnet", "--vpc-id", vpc, "--cidr-block", "10.0.0.0/24")["Subnet"]["SubnetId"]
    run("create-subnet", "--vpc-id", vpc, "--cidr-block", "10.0.1.0/24")
    rtb_private = run("create-route-table", "--vpc-id", vpc)["RouteTable"]["RouteTableId"]
    igw = run("create-internet-gateway")["InternetGateway"]["InternetGatewayId"]
    run("attach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpc)
    alloc = run("allocate-address", "--domain", "vpc")["AllocationId"]
    nat_id = run("create-nat-gateway", "--subnet-id", public, "--allocation-id", alloc)["NatGateway"]["NatGatewayId"]
    rc, _, err = aws_cli("ec2", "wait", "nat-gateway-available", "--nat-gateway-ids", nat_id)
    assert rc == 0, err
    assert run("create-route", "--route-table-id", rtb_private, "--destination-cidr-block", "0.0.0.0/0",
               "--nat-gateway-id", nat_id)["Return"] is True
