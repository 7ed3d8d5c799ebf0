"""boto3 and the AWS CLI: a VPC's secondary IPv4 blocks and its Amazon-provided
IPv6 /56, subnets' IPv6 /64s (issue 12, item 7).

Blocks are ``associating`` in the answer that adds them, ``associated`` once the
clock moved; ``disassociating`` in the answer that removes them, then
``disassociated`` and still described for an hour. Every block has its
``local`` route in every route table of the VPC. The scenario export carries
the blocks and their association ids.
"""

from __future__ import annotations

import ipaddress

import pytest
import requests

from awsemu_helpers import (
    VPC_CIDR_ASSOC_ID,
    err_message,
    id_re,
    new_subnet,
    new_vpc,
    raises_code,
)

SUBNET_CIDR_ASSOC_ID = id_re("subnet-cidr-assoc")
US_EAST_1_POOL = ipaddress.ip_network("2600:1f18::/32")


def advance(endpoint: str, seconds: float) -> None:
    r = requests.post(f"{endpoint}/_awsemu/clock", json={"seconds": seconds}, timeout=30)
    assert r.status_code == 200, r.text


@pytest.fixture
def manual(manual_endpoint, client_for):
    r = requests.post(f"{manual_endpoint}/_awsemu/reset", timeout=30)
    assert r.status_code == 200, r.text
    return manual_endpoint, client_for(manual_endpoint, "ec2")


def vpc_of(c, vpc_id: str) -> dict:
    return c.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]


def v4_states(c, vpc_id: str) -> dict[str, str]:
    return {a["CidrBlock"]: a["CidrBlockState"]["State"]
            for a in vpc_of(c, vpc_id)["CidrBlockAssociationSet"]}


def tables(c, vpc_id: str) -> list[dict]:
    return c.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]


def local_routes(table: dict) -> list[str]:
    return [r.get("DestinationCidrBlock") or r.get("DestinationIpv6CidrBlock")
            for r in table["Routes"] if r.get("GatewayId") == "local"]


def ids_of(vpcs: list[dict]) -> set[str]:
    return {v["VpcId"] for v in vpcs}


# --------------------------------------------------------------------------
# Secondary IPv4 blocks
# --------------------------------------------------------------------------
def test_secondary_ipv4_block_lifecycle_on_the_clock(manual):
    endpoint, c = manual
    vpc = new_vpc(c, "10.0.0.0/16")
    made = c.associate_vpc_cidr_block(VpcId=vpc, CidrBlock="10.1.0.5/16")
    assert made["VpcId"] == vpc
    assoc = made["CidrBlockAssociation"]
    assert VPC_CIDR_ASSOC_ID.match(assoc["AssociationId"])
    assert assoc["CidrBlock"] == "10.1.0.0/16"  # canonical form
    assert assoc["CidrBlockState"] == {"State": "associating"}
    assert v4_states(c, vpc) == {"10.0.0.0/16": "associated", "10.1.0.0/16": "associating"}
    advance(endpoint, 3)
    described = vpc_of(c, vpc)
    assert described["CidrBlock"] == "10.0.0.0/16"
    assert [(a["CidrBlock"], a["CidrBlockState"]["State"]) for a in described["CidrBlockAssociationSet"]] == [
        ("10.0.0.0/16", "associated"), ("10.1.0.0/16", "associated")]
    assert described["CidrBlockAssociationSet"][1]["AssociationId"] == assoc["AssociationId"]

    # Every route table has a local route for each block, new ones included.
    [main] = tables(c, vpc)
    assert local_routes(main) == ["10.0.0.0/16", "10.1.0.0/16"]
    for r in main["Routes"]:
        assert r["Origin"] == "CreateRouteTable" and r["State"] == "active"
    rtb = c.create_route_table(VpcId=vpc)["RouteTable"]
    assert local_routes(rtb) == ["10.0.0.0/16", "10.1.0.0/16"]
    with raises_code("InvalidParameterValue"):
        c.delete_route(RouteTableId=rtb["RouteTableId"], DestinationCidrBlock="10.1.0.0/16")

    # A subnet may use the secondary block; the block then cannot go.
    subnet = new_subnet(c, vpc, "10.1.2.0/24")
    with raises_code("InvalidCidrBlock.InUse") as e:
        c.disassociate_vpc_cidr_block(AssociationId=assoc["AssociationId"])
    assert err_message(e) == f"The vpc {vpc} currently has a subnet within CIDR block 10.1.0.0/16"
    assert v4_states(c, vpc)["10.1.0.0/16"] == "associated"
    c.delete_subnet(SubnetId=subnet)

    gone = c.disassociate_vpc_cidr_block(AssociationId=assoc["AssociationId"])
    assert gone["VpcId"] == vpc
    assert gone["CidrBlockAssociation"] == {
        "AssociationId": assoc["AssociationId"], "CidrBlock": "10.1.0.0/16",
        "CidrBlockState": {"State": "disassociating"}}
    assert "Ipv6CidrBlockAssociation" not in gone
    assert v4_states(c, vpc)["10.1.0.0/16"] == "disassociating"
    for t in tables(c, vpc):
        assert local_routes(t) == ["10.0.0.0/16"]
    with raises_code("InvalidSubnet.Range"):
        c.create_subnet(VpcId=vpc, CidrBlock="10.1.3.0/24", AvailabilityZone="us-east-1a")
    advance(endpoint, 3)
    assert v4_states(c, vpc)["10.1.0.0/16"] == "disassociated"
    by_state = c.describe_vpcs(Filters=[{"Name": "cidr-block-association.state", "Values": ["disassociated"]}])
    assert ids_of(by_state["Vpcs"]) == {vpc}
    # Gone once AWS stops describing it (an hour), and free to come back.
    advance(endpoint, 3600)
    assert v4_states(c, vpc) == {"10.0.0.0/16": "associated"}
    again = c.associate_vpc_cidr_block(VpcId=vpc, CidrBlock="10.1.0.0/16")["CidrBlockAssociation"]
    assert again["AssociationId"] != assoc["AssociationId"]


def test_secondary_ipv4_rules(ec2):
    c = ec2()
    vpc = new_vpc(c, "10.0.0.0/16")
    for bad in ("10.1.0.0/15", "10.1.0.0/29"):
        with raises_code("InvalidVpc.Range") as e:
            c.associate_vpc_cidr_block(VpcId=vpc, CidrBlock=bad)
        assert err_message(e) == f"The CIDR '{bad}' is invalid."
    with raises_code("InvalidParameterValue"):
        c.associate_vpc_cidr_block(VpcId=vpc, CidrBlock="10.1.0.0")
    # Overlapping a block of the VPC.
    for bad in ("10.0.0.0/16", "10.0.5.0/24"):
        with raises_code("InvalidVpc.Range") as e:
            c.associate_vpc_cidr_block(VpcId=vpc, CidrBlock=bad)
        assert "conflicts" in err_message(e)
    # AWS's table of ranges a primary block in 10.0.0.0/8 allows.
    for bad in ("172.16.0.0/16", "192.168.0.0/16", "198.19.0.0/16"):
        with raises_code("InvalidVpc.Range") as e:
            c.associate_vpc_cidr_block(VpcId=vpc, CidrBlock=bad)
        assert err_message(e).startswith(
            f"The CIDR '{bad}' is restricted. Use a CIDR from the same private address range as the "
            "current VPC CIDR, or use a publicly-routable CIDR.")
    ok = c.associate_vpc_cidr_block(VpcId=vpc, CidrBlock="100.64.0.0/16")["CidrBlockAssociation"]
    assert ok["CidrBlockState"]["State"] == "associating"
    c.associate_vpc_cidr_block(VpcId=vpc, CidrBlock="52.0.0.0/16")
    # A VPC in 172.16.0.0/12 cannot add 172.31.0.0/16 nor 10.x; one in
    # 198.19.0.0/16 no RFC 1918 block; a public one no 198.19.0.0/16.
    for primary, bad in (("172.20.0.0/16", "172.31.0.0/16"), ("172.20.0.0/16", "10.5.0.0/16"),
                         ("198.19.0.0/16", "192.168.0.0/16"), ("54.0.0.0/16", "198.19.0.0/16"),
                         ("54.0.0.0/16", "10.0.0.0/16")):
        other = new_vpc(c, primary)
        with raises_code("InvalidVpc.Range"):
            c.associate_vpc_cidr_block(VpcId=other, CidrBlock=bad)
    # Five IPv4 blocks at most, the primary one included.
    c.associate_vpc_cidr_block(VpcId=vpc, CidrBlock="10.2.0.0/16")
    c.associate_vpc_cidr_block(VpcId=vpc, CidrBlock="10.3.0.0/16")
    with raises_code("CidrLimitExceeded") as e:
        c.associate_vpc_cidr_block(VpcId=vpc, CidrBlock="10.4.0.0/16")
    assert err_message(e) == f"This network '{vpc}' has met its maximum number of allowed CIDRs: 5"
    assert len(vpc_of(c, vpc)["CidrBlockAssociationSet"]) == 5
    # The primary block stays.
    primary = vpc_of(c, vpc)["CidrBlockAssociationSet"][0]["AssociationId"]
    with raises_code("OperationNotPermitted") as e:
        c.disassociate_vpc_cidr_block(AssociationId=primary)
    assert err_message(e) == (f"The vpc CIDR block with association ID {primary} may not be "
                              "disassociated. It is the primary IPv4 CIDR block of the VPC")
    with raises_code("InvalidVpcCidrBlockAssociationID.NotFound"):
        c.disassociate_vpc_cidr_block(AssociationId="vpc-cidr-assoc-0123456789abcdef0")
    with raises_code("InvalidVpcID.NotFound"):
        c.associate_vpc_cidr_block(VpcId="vpc-0123456789abcdef0", CidrBlock="10.9.0.0/16")
    with raises_code("MissingParameter"):
        c.associate_vpc_cidr_block(VpcId=vpc)
    with raises_code("InvalidParameterCombination"):
        c.associate_vpc_cidr_block(VpcId=vpc, CidrBlock="10.9.0.0/16", AmazonProvidedIpv6CidrBlock=True)
    # Nothing of the refused calls stayed.
    assert [a["CidrBlock"] for a in vpc_of(c, vpc)["CidrBlockAssociationSet"]] == [
        "10.0.0.0/16", "100.64.0.0/16", "52.0.0.0/16", "10.2.0.0/16", "10.3.0.0/16"]
    assert vpc_of(c, vpc)["Ipv6CidrBlockAssociationSet"] == []


def test_secondary_block_may_not_cover_a_route(ec2):
    c = ec2()
    vpc = new_vpc(c, "10.2.0.0/16")
    igw = c.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    c.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    [main] = tables(c, vpc)
    c.create_route(RouteTableId=main["RouteTableId"], DestinationCidrBlock="10.0.0.0/24", GatewayId=igw)
    for bad in ("10.0.0.0/16", "10.0.0.0/24"):
        with raises_code("InvalidVpc.Range"):
            c.associate_vpc_cidr_block(VpcId=vpc, CidrBlock=bad)
    # Smaller than the route's range is fine (the VPC user guide's example).
    c.associate_vpc_cidr_block(VpcId=vpc, CidrBlock="10.0.0.0/25")
    [main] = tables(c, vpc)
    assert local_routes(main) == ["10.2.0.0/16", "10.0.0.0/25"]
    assert [r.get("DestinationCidrBlock") for r in main["Routes"]] == [
        "10.2.0.0/16", "10.0.0.0/25", "10.0.0.0/24"]


# --------------------------------------------------------------------------
# IPv6
# --------------------------------------------------------------------------
def test_amazon_provided_ipv6_block(ec2):
    c = ec2()
    made = c.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    vpc = made["VpcId"]
    [pending] = made["Ipv6CidrBlockAssociationSet"]
    # As AWS answers CreateVpc: the block is not known yet.
    assert pending["Ipv6CidrBlock"] == ""
    assert pending["Ipv6CidrBlockState"] == {"State": "associating"}
    assert pending["Ipv6Pool"] == "Amazon"
    assert pending["NetworkBorderGroup"] == "us-east-1"
    assert VPC_CIDR_ASSOC_ID.match(pending["AssociationId"])
    [block] = vpc_of(c, vpc)["Ipv6CidrBlockAssociationSet"]
    assert block["AssociationId"] == pending["AssociationId"]
    assert block["Ipv6CidrBlockState"] == {"State": "associated"}
    net = ipaddress.ip_network(block["Ipv6CidrBlock"])
    assert net.prefixlen == 56 and net.subnet_of(US_EAST_1_POOL)
    # The local route of the block.
    [main] = tables(c, vpc)
    assert local_routes(main) == ["10.0.0.0/16", block["Ipv6CidrBlock"]]
    v6route = [r for r in main["Routes"] if "DestinationIpv6CidrBlock" in r][0]
    assert v6route == {"DestinationIpv6CidrBlock": block["Ipv6CidrBlock"], "GatewayId": "local",
                       "Origin": "CreateRouteTable", "State": "active"}

    # One per VPC.
    with raises_code("CidrLimitExceeded"):
        c.associate_vpc_cidr_block(VpcId=vpc, AmazonProvidedIpv6CidrBlock=True)
    # Another VPC gets another /56, through AssociateVpcCidrBlock.
    other = new_vpc(c, "10.1.0.0/16")
    with raises_code("InvalidParameterValue"):
        c.associate_vpc_cidr_block(VpcId=other, AmazonProvidedIpv6CidrBlock=True,
                                   Ipv6CidrBlockNetworkBorderGroup="us-west-2")
    with raises_code("InvalidParameterCombination"):
        c.associate_vpc_cidr_block(VpcId=other, CidrBlock="10.9.0.0/16",
                                   Ipv6CidrBlockNetworkBorderGroup="us-east-1")
    assoc = c.associate_vpc_cidr_block(VpcId=other, AmazonProvidedIpv6CidrBlock=True,
                                       Ipv6CidrBlockNetworkBorderGroup="us-east-1")
    assert assoc["VpcId"] == other and "CidrBlockAssociation" not in assoc
    v6 = assoc["Ipv6CidrBlockAssociation"]
    assert v6["Ipv6CidrBlockState"] == {"State": "associating"}
    assert "Ipv6CidrBlock" not in v6
    [other_block] = vpc_of(c, other)["Ipv6CidrBlockAssociationSet"]
    assert other_block["Ipv6CidrBlock"] != block["Ipv6CidrBlock"]
    assert ipaddress.ip_network(other_block["Ipv6CidrBlock"]).subnet_of(US_EAST_1_POOL)

    # Taken back: disassociating in the answer, disassociated after, no route.
    gone = c.disassociate_vpc_cidr_block(AssociationId=v6["AssociationId"])
    assert gone["Ipv6CidrBlockAssociation"]["Ipv6CidrBlock"] == other_block["Ipv6CidrBlock"]
    assert gone["Ipv6CidrBlockAssociation"]["Ipv6CidrBlockState"] == {"State": "disassociating"}
    [left] = vpc_of(c, other)["Ipv6CidrBlockAssociationSet"]
    assert left["Ipv6CidrBlockState"]["State"] == "disassociated"
    assert local_routes(tables(c, other)[0]) == ["10.1.0.0/16"]
    with raises_code("InvalidVpcCidrBlockAssociationID.NotFound"):
        c.disassociate_vpc_cidr_block(AssociationId=v6["AssociationId"])
    # A new one is a new block, next to the disassociated one still described.
    again = c.associate_vpc_cidr_block(VpcId=other, AmazonProvidedIpv6CidrBlock=True)
    blocks = vpc_of(c, other)["Ipv6CidrBlockAssociationSet"]
    assert [b["Ipv6CidrBlockState"]["State"] for b in blocks] == ["disassociated", "associated"]
    assert blocks[1]["AssociationId"] == again["Ipv6CidrBlockAssociation"]["AssociationId"]
    assert blocks[1]["Ipv6CidrBlock"] != other_block["Ipv6CidrBlock"]


def test_subnet_ipv6_blocks(ec2):
    c = ec2()
    vpc = c.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]["VpcId"]
    v6 = ipaddress.ip_network(vpc_of(c, vpc)["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"])
    first, second, third = (str(n) for n in list(v6.subnets(new_prefix=64))[:3])

    made = c.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", Ipv6CidrBlock=first,
                           AvailabilityZone="us-east-1a")["Subnet"]
    [assoc] = made["Ipv6CidrBlockAssociationSet"]
    assert SUBNET_CIDR_ASSOC_ID.match(assoc["AssociationId"])
    assert assoc["Ipv6CidrBlock"] == first
    assert assoc["Ipv6CidrBlockState"] == {"State": "associating"}
    assert made["AssignIpv6AddressOnCreation"] is False and made["Ipv6Native"] is False
    sub = made["SubnetId"]
    described = c.describe_subnets(SubnetIds=[sub])["Subnets"][0]
    assert described["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlockState"] == {"State": "associated"}

    # A /64 of the VPC's /56, no other subnet's.
    with raises_code("InvalidParameterValue") as e:
        c.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24", Ipv6CidrBlock=str(next(v6.subnets(new_prefix=60))))
    assert err_message(e).startswith("invalid value for parameter ipv6-cidr-block: ")
    with raises_code("InvalidSubnet.Range") as e:
        c.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24", Ipv6CidrBlock="2001:db8::/64")
    assert err_message(e) == "The IPv6 CIDR '2001:db8::/64' is invalid."
    with raises_code("InvalidSubnet.Conflict"):
        c.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24", Ipv6CidrBlock=first)
    assert len(c.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]) == 1
    with raises_code("InvalidParameterValue"):
        c.create_subnet(VpcId=vpc, Ipv6CidrBlock=second, Ipv6Native=True)

    # AssociateSubnetCidrBlock on a subnet made without one.
    plain = new_subnet(c, vpc, "10.0.2.0/24")
    with raises_code("InvalidParameterValue") as e:
        c.modify_subnet_attribute(SubnetId=plain, AssignIpv6AddressOnCreation={"Value": True})
    assert err_message(e) == (
        "Invalid value 'true' for assign-ipv6-address-on-creation. Cannot set assign-ipv6-address-on-creation "
        f"to true unless the subnet ({plain}) has an IPv6 CIDR block associated with it.")
    with raises_code("InvalidSubnet.Conflict"):
        c.associate_subnet_cidr_block(SubnetId=plain, Ipv6CidrBlock=first)
    got = c.associate_subnet_cidr_block(SubnetId=plain, Ipv6CidrBlock=second)
    assert got["SubnetId"] == plain
    assert got["Ipv6CidrBlockAssociation"]["Ipv6CidrBlock"] == second
    assert got["Ipv6CidrBlockAssociation"]["Ipv6CidrBlockState"] == {"State": "associating"}
    with raises_code("InvalidParameterValue"):
        c.associate_subnet_cidr_block(SubnetId=plain, Ipv6CidrBlock=third)
    c.modify_subnet_attribute(SubnetId=plain, AssignIpv6AddressOnCreation={"Value": True})
    assert c.describe_subnets(SubnetIds=[plain])["Subnets"][0]["AssignIpv6AddressOnCreation"] is True
    assoc_id = got["Ipv6CidrBlockAssociation"]["AssociationId"]
    with raises_code("InvalidCidrBlock.InUse") as e:
        c.disassociate_subnet_cidr_block(AssociationId=assoc_id)
    assert err_message(e) == (
        f"The subnet IPv6 CIDR block with association ID {assoc_id} may not be disassociated, "
        "because its subnet has assign-ipv6-address-on-creation set to true.")
    c.modify_subnet_attribute(SubnetId=plain, AssignIpv6AddressOnCreation={"Value": False})
    gone = c.disassociate_subnet_cidr_block(AssociationId=assoc_id)
    assert gone["SubnetId"] == plain
    assert gone["Ipv6CidrBlockAssociation"]["Ipv6CidrBlockState"] == {"State": "disassociating"}
    # Ansible's ec2_vpc_subnet waits for exactly this.
    waited = c.describe_subnets(SubnetIds=[plain], Filters=[
        {"Name": "ipv6-cidr-block-association.state", "Values": ["disassociated"]},
        {"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
    assert [s["SubnetId"] for s in waited] == [plain]
    with raises_code("InvalidSubnetCidrBlockAssociationID.NotFound"):
        c.disassociate_subnet_cidr_block(AssociationId=assoc_id)
    with raises_code("InvalidSubnetCidrBlockAssociationId.Malformed"):
        c.disassociate_subnet_cidr_block(AssociationId="vpc-cidr-assoc-0123456789abcdef0")
    # The /64 is free again.
    c.associate_subnet_cidr_block(SubnetId=plain, Ipv6CidrBlock=second)

    # The VPC's block stays while subnets use it.
    v6_assoc = vpc_of(c, vpc)["Ipv6CidrBlockAssociationSet"][0]["AssociationId"]
    with raises_code("InvalidCidrBlock.InUse") as e:
        c.disassociate_vpc_cidr_block(AssociationId=v6_assoc)
    assert err_message(e) == f"The vpc {vpc} currently has a subnet within CIDR block {v6}"


# --------------------------------------------------------------------------
# Filters
# --------------------------------------------------------------------------
def test_describe_vpcs_filters_match_any_association(ec2):
    c = ec2()
    a = new_vpc(c, "10.10.0.0/16")
    b = c.create_vpc(CidrBlock="10.20.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]["VpcId"]
    sec = c.associate_vpc_cidr_block(VpcId=a, CidrBlock="10.11.0.0/16")["CidrBlockAssociation"]
    b_v6 = vpc_of(c, b)["Ipv6CidrBlockAssociationSet"][0]

    def find(name, *values):
        return ids_of(c.describe_vpcs(Filters=[{"Name": name, "Values": list(values)}])["Vpcs"])

    assert find("cidr-block-association.cidr-block", "10.11.0.0/16") == {a}
    assert find("cidr-block-association.cidr-block", "10.10.0.0/16") == {a}
    assert find("cidr-block-association.association-id", sec["AssociationId"]) == {a}
    assert a in find("cidr-block-association.state", "associated")
    # `cidr` (and Ansible's `cidr-block`) is the primary block only.
    assert find("cidr", "10.11.0.0/16") == set()
    assert find("cidr", "10.10.0.0/16") == {a}
    assert find("cidr-block", "10.10.0.0/16", "10.20.0.0/16") == {a, b}
    assert find("ipv6-cidr-block-association.ipv6-cidr-block", b_v6["Ipv6CidrBlock"]) == {b}
    assert find("ipv6-cidr-block-association.ipv6-pool", "Amazon") == {b}
    assert find("ipv6-cidr-block-association.association-id", b_v6["AssociationId"]) == {b}
    assert find("ipv6-cidr-block-association.state", "associated") == {b}
    assert find("ipv6-cidr-block-association.ipv6-cidr-block", "2600:1f18:*") == {b}
    # Terraform's `aws_vpc` data source and `aws_default_vpc` send `isDefault`.
    default = {v["VpcId"] for v in c.describe_vpcs()["Vpcs"] if v["IsDefault"]}
    assert find("isDefault", "true") == default == find("is-default", "true")
    assert a in find("isDefault", "false")
    with raises_code("InvalidParameterValue"):
        find("cidr-block-association.colour", "x")


def test_describe_subnets_filters(ec2):
    c = ec2()
    vpc = c.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]["VpcId"]
    c.associate_vpc_cidr_block(VpcId=vpc, CidrBlock="10.1.0.0/16")
    v6 = ipaddress.ip_network(vpc_of(c, vpc)["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"])
    first = str(next(v6.subnets(new_prefix=64)))
    with_v6 = c.create_subnet(VpcId=vpc, CidrBlock="10.1.0.0/24", Ipv6CidrBlock=first,
                              AvailabilityZone="us-east-1a")["Subnet"]
    plain = new_subnet(c, vpc, "10.0.0.0/24")
    c.modify_subnet_attribute(SubnetId=plain, PrivateDnsHostnameTypeOnLaunch="resource-name")
    c.modify_subnet_attribute(SubnetId=plain, EnableResourceNameDnsARecordOnLaunch={"Value": True})
    assoc = with_v6["Ipv6CidrBlockAssociationSet"][0]["AssociationId"]

    def find(name, *values):
        got = c.describe_subnets(Filters=[{"Name": name, "Values": list(values)},
                                          {"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
        return {s["SubnetId"] for s in got}

    sid = with_v6["SubnetId"]
    assert find("ipv6-cidr-block-association.ipv6-cidr-block", first) == {sid}
    assert find("ipv6-cidr-block-association.association-id", assoc) == {sid}
    assert find("ipv6-cidr-block-association.state", "associated") == {sid}
    assert find("cidrBlock", "10.1.0.0/24") == {sid}
    assert find("ipv6-native", "false") == {sid, plain}
    assert find("private-dns-name-options-on-launch.hostname-type", "resource-name") == {plain}
    assert find("private-dns-name-options-on-launch.hostname-type", "ip-name") == {sid}
    assert find("private-dns-name-options-on-launch.enable-resource-name-dns-a-record", "true") == {plain}


# --------------------------------------------------------------------------
# The AWS CLI
# --------------------------------------------------------------------------
def test_cli_associate_vpc_cidr_block(ec2, aws_cli):
    vpc = new_vpc(ec2(), "10.0.0.0/16")
    rc, out, err = aws_cli("ec2", "associate-vpc-cidr-block", "--vpc-id", vpc, "--cidr-block", "10.3.0.0/16")
    assert rc == 0, err
    assert out["VpcId"] == vpc
    assert out["CidrBlockAssociation"]["CidrBlock"] == "10.3.0.0/16"
    assert out["CidrBlockAssociation"]["CidrBlockState"]["State"] == "associating"
    rc, out, err = aws_cli("ec2", "associate-vpc-cidr-block", "--vpc-id", vpc, "--cidr-block", "192.168.0.0/16")
    assert rc != 0 and "InvalidVpc.Range" in err
    rc, out, err = aws_cli("ec2", "describe-vpcs", "--filters",
                           "Name=cidr-block-association.cidr-block,Values=10.3.0.0/16")
    assert rc == 0, err
    assert [v["VpcId"] for v in out["Vpcs"]] == [vpc]


# --------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------
def world(c) -> dict:
    def strip(v):
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if k != "ResponseMetadata"}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v

    return strip({"vpcs": c.describe_vpcs(), "subnets": c.describe_subnets(),
                  "tables": c.describe_route_tables()})


def export(endpoint: str) -> str:
    r = requests.get(f"{endpoint}/_awsemu/state", timeout=10)
    assert r.status_code == 200, r.text
    return r.text


def test_blocks_round_trip_through_the_scenario_export(awsemu_launcher, client_for, tmp_path):
    first, stop_first = awsemu_launcher()
    c = client_for(first, "ec2")
    vpc = c.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]["VpcId"]
    c.associate_vpc_cidr_block(VpcId=vpc, CidrBlock="10.1.0.0/16")
    c.associate_vpc_cidr_block(VpcId=vpc, CidrBlock="100.64.0.0/16")
    v6 = ipaddress.ip_network(vpc_of(c, vpc)["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"])
    nets = [str(n) for n in list(v6.subnets(new_prefix=64))[:2]]
    a = c.create_subnet(VpcId=vpc, CidrBlock="10.1.0.0/24", Ipv6CidrBlock=nets[1],
                        AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    c.modify_subnet_attribute(SubnetId=a, AssignIpv6AddressOnCreation={"Value": True})
    b = new_subnet(c, vpc, "10.0.0.0/24", "us-east-1b")
    c.associate_subnet_cidr_block(SubnetId=b, Ipv6CidrBlock=nets[0])
    rtb = c.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    c.associate_route_table(RouteTableId=rtb, SubnetId=a)
    # A VPC whose IPv6 block came later, and the default VPC with a block.
    late = new_vpc(c, "192.168.0.0/16")
    c.associate_vpc_cidr_block(VpcId=late, AmazonProvidedIpv6CidrBlock=True)
    c.associate_vpc_cidr_block(VpcId=late, CidrBlock="52.1.0.0/16")
    default = [v for v in c.describe_vpcs()["Vpcs"] if v["IsDefault"]][0]["VpcId"]
    c.associate_vpc_cidr_block(VpcId=default, CidrBlock="172.30.0.0/16")
    before = world(c)
    exported = export(first)
    stop_first()
    assert "cidrBlocks" in exported and "amazonProvidedIpv6: true" in exported
    assert "ipv6AssociationId" in exported and "assignIpv6AddressOnCreation: true" in exported

    path = tmp_path / "world.yaml"
    path.write_text(exported)
    second, stop_second = awsemu_launcher("--scenario", str(path))
    c2 = client_for(second, "ec2")
    after = world(c2)
    assert after == before
    # What was built is there (the comparison is not of empties).
    described = {v["VpcId"]: v for v in after["vpcs"]["Vpcs"]}
    assert [x["CidrBlock"] for x in described[vpc]["CidrBlockAssociationSet"]] == [
        "10.0.0.0/16", "10.1.0.0/16", "100.64.0.0/16"]
    assert described[vpc]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"] == str(v6)
    assert [x["CidrBlock"] for x in described[default]["CidrBlockAssociationSet"]] == [
        "172.31.0.0/16", "172.30.0.0/16"]
    assert export(second) == exported
    stop_second()


def test_scenario_declares_blocks(awsemu_launcher, client_for, tmp_path):
    path = tmp_path / "cidrs.yaml"
    path.write_text("""
version: 1
accounts:
  - id: "000000000000"
    regions:
      us-east-1:
        vpcs:
          - name: app
            cidr: 10.0.0.0/16
            cidrBlocks:
              - {cidr: 10.1.0.0/16, associationId: vpc-cidr-assoc-0123456789abcdef0}
              - {amazonProvidedIpv6: true, cidr: "2600:1f18:abcd:1200::/56"}
        subnets:
          - {name: a, vpc: app, cidr: 10.1.1.0/24, az: us-east-1a, ipv6Cidr: "2600:1f18:abcd:1201::/64",
             assignIpv6AddressOnCreation: true}
""")
    endpoint, stop = awsemu_launcher("--scenario", str(path))
    c = client_for(endpoint, "ec2")
    [vpc] = c.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.0.0.0/16"]}])["Vpcs"]
    assert vpc["CidrBlockAssociationSet"][1] == {
        "AssociationId": "vpc-cidr-assoc-0123456789abcdef0", "CidrBlock": "10.1.0.0/16",
        "CidrBlockState": {"State": "associated"}}
    assert vpc["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"] == "2600:1f18:abcd:1200::/56"
    [subnet] = c.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]
    assert subnet["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"] == "2600:1f18:abcd:1201::/64"
    assert subnet["AssignIpv6AddressOnCreation"] is True
    [main] = tables(c, vpc["VpcId"])
    assert local_routes(main) == ["10.0.0.0/16", "10.1.0.0/16", "2600:1f18:abcd:1200::/56"]
    stop()


def test_scenario_check_refuses_bad_blocks(awsemu_run, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("""
version: 1
accounts:
  - id: "000000000000"
    regions:
      us-east-1:
        vpcs:
          - {name: app, cidr: 10.0.0.0/16, cidrBlocks: [{cidr: 192.168.0.0/16}]}
""")
    done = awsemu_run("scenario", "check", str(path))
    assert done.returncode != 0
    assert "InvalidVpc.Range" in done.stdout + done.stderr
