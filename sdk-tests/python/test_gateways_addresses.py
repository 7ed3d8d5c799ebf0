"""boto3 and the AWS CLI: internet gateways, egress-only internet gateways,
Elastic IPs, network interfaces of one's own, tags on every taggable kind and
DescribeVpcs' legacy ``cidr-block`` filter (issue 12, items 1, 2, 8, 10, 11).

The rules asserted are AWS's: one internet gateway per VPC and one VPC per
gateway, no delete while attached, no detach while public addresses are
mapped, no Elastic IP association without an internet gateway, five
addresses per account and Region, no release while associated.
"""

from __future__ import annotations

import ipaddress

import pytest

from awsemu_helpers import (
    DEFAULT_ACCOUNT,
    UNKNOWN_ENI,
    UNKNOWN_VPC,
    default_sg,
    err_message,
    id_re,
    new_subnet,
    new_vpc,
    raises_code,
    tags_dict,
)

IGW_ID = id_re("igw")
EIGW_ID = id_re("eigw")
EIPALLOC_ID = id_re("eipalloc")
EIPASSOC_ID = id_re("eipassoc")
ENI_ID = id_re("eni")


def name_tag(kind: str, value: str) -> list[dict]:
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": value}]}]


def igw_of(client, igw_id: str) -> dict:
    return client.describe_internet_gateways(InternetGatewayIds=[igw_id])["InternetGateways"][0]


# ---------------------------------------------------------------------------
# Internet gateways


def test_internet_gateway_lifecycle(ec2):
    c = ec2()
    vpc = new_vpc(c)
    igw = c.create_internet_gateway(TagSpecifications=name_tag("internet-gateway", "edge"))
    g = igw["InternetGateway"]
    assert IGW_ID.match(g["InternetGatewayId"])
    assert g["Attachments"] == []
    assert g["OwnerId"] == DEFAULT_ACCOUNT
    assert tags_dict(g["Tags"]) == {"Name": "edge"}
    igw_id = g["InternetGatewayId"]

    c.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc)
    assert igw_of(c, igw_id)["Attachments"] == [{"State": "available", "VpcId": vpc}]

    # Attached: no delete, and the VPC cannot go either.
    with raises_code("DependencyViolation") as e:
        c.delete_internet_gateway(InternetGatewayId=igw_id)
    assert igw_id in err_message(e)
    with raises_code("DependencyViolation"):
        c.delete_vpc(VpcId=vpc)

    c.detach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc)
    assert igw_of(c, igw_id)["Attachments"] == []
    c.delete_internet_gateway(InternetGatewayId=igw_id)
    with raises_code("InvalidInternetGatewayID.NotFound") as e:
        igw_of(c, igw_id)
    assert err_message(e) == f"The internetGateway ID '{igw_id}' does not exist"
    c.delete_vpc(VpcId=vpc)


def test_one_gateway_per_vpc_and_one_vpc_per_gateway(ec2):
    c = ec2()
    vpc_a, vpc_b = new_vpc(c, "10.1.0.0/16"), new_vpc(c, "10.2.0.0/16")
    first = c.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    second = c.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    c.attach_internet_gateway(InternetGatewayId=first, VpcId=vpc_a)
    with raises_code("Resource.AlreadyAssociated") as e:
        c.attach_internet_gateway(InternetGatewayId=first, VpcId=vpc_b)
    assert err_message(e) == f"resource {first} is already attached to network {vpc_a}"
    with raises_code("InvalidParameterValue") as e:
        c.attach_internet_gateway(InternetGatewayId=second, VpcId=vpc_a)
    assert err_message(e) == f"Network {vpc_a} already has an internet gateway attached"
    with raises_code("Gateway.NotAttached") as e:
        c.detach_internet_gateway(InternetGatewayId=second, VpcId=vpc_a)
    assert err_message(e) == f"resource {second} is not attached to network {vpc_a}"
    with raises_code("InvalidVpcID.NotFound"):
        c.attach_internet_gateway(InternetGatewayId=second, VpcId=UNKNOWN_VPC)
    with raises_code("InvalidInternetGatewayId.Malformed"):
        c.attach_internet_gateway(InternetGatewayId="igw-nope", VpcId=vpc_b)
    # Nothing half-done: the second gateway is still free.
    assert igw_of(c, second)["Attachments"] == []


def test_describe_internet_gateways_filters(ec2):
    c = ec2()
    vpc = new_vpc(c)
    attached = c.create_internet_gateway(TagSpecifications=name_tag("internet-gateway", "a"))
    attached = attached["InternetGateway"]["InternetGatewayId"]
    free = c.create_internet_gateway(TagSpecifications=name_tag("internet-gateway", "b"))
    free = free["InternetGateway"]["InternetGatewayId"]
    c.attach_internet_gateway(InternetGatewayId=attached, VpcId=vpc)

    def ids(*filters):
        resp = c.describe_internet_gateways(Filters=[{"Name": n, "Values": v} for n, v in filters])
        return sorted(g["InternetGatewayId"] for g in resp["InternetGateways"])

    default_vpc = c.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    [default_igw] = ids(("attachment.vpc-id", [default_vpc]))
    assert ids(("attachment.vpc-id", [vpc])) == [attached]
    assert ids(("attachment.state", ["available"])) == sorted([attached, default_igw])
    assert ids(("internet-gateway-id", [free])) == [free]
    assert ids(("tag:Name", ["b"])) == [free]
    assert ids(("tag-key", ["Name"])) == sorted([attached, free])
    assert ids(("owner-id", [DEFAULT_ACCOUNT]), ("tag:Name", ["a", "b"])) == sorted([attached, free])
    with raises_code("InvalidParameterValue"):
        ids(("no-such-filter", ["x"]))
    # The default VPC's gateway is there too.
    pages = c.get_paginator("describe_internet_gateways").paginate(PaginationConfig={"PageSize": 5})
    assert sorted(g["InternetGatewayId"] for p in pages for g in p["InternetGateways"]) == sorted(
        [attached, free, default_igw])


def test_dry_run_creates_nothing(ec2):
    c = ec2()
    before = c.describe_internet_gateways()["InternetGateways"]
    with raises_code("DryRunOperation", 412):
        c.create_internet_gateway(DryRun=True)
    with raises_code("DryRunOperation", 412):
        c.allocate_address(Domain="vpc", DryRun=True)
    assert c.describe_internet_gateways()["InternetGateways"] == before
    assert c.describe_addresses()["Addresses"] == []


def test_the_default_vpc_reaches_the_internet(ec2):
    """As AWS makes it: an internet gateway, and 0.0.0.0/0 to it in the main
    route table; CreateDefaultVpc and CreateDefaultSubnet make them again."""
    c = ec2()
    vpc = c.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    [igw] = c.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [vpc]}])["InternetGateways"]
    [main] = c.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                              {"Name": "association.main", "Values": ["true"]}])["RouteTables"]
    assert [(r.get("DestinationCidrBlock"), r.get("GatewayId"), r["State"]) for r in main["Routes"]] == [
        ("172.31.0.0/16", "local", "active"), ("0.0.0.0/0", igw["InternetGatewayId"], "active")]
    with raises_code("DefaultVpcAlreadyExists"):
        c.create_default_vpc()
    subnets = c.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
    in_a = next(s for s in subnets if s["AvailabilityZone"] == "us-east-1a")
    with raises_code("DefaultSubnetAlreadyExistsInAvailabilityZone"):
        c.create_default_subnet(AvailabilityZone="us-east-1a")
    c.delete_subnet(SubnetId=in_a["SubnetId"])
    again = c.create_default_subnet(AvailabilityZone="us-east-1a")["Subnet"]
    assert again["DefaultForAz"] is True and again["MapPublicIpOnLaunch"] is True
    assert again["CidrBlock"] == in_a["CidrBlock"]

    # Without its gateway, route and subnets, the default VPC can go, and
    # CreateDefaultVpc makes a whole new one.
    c.detach_internet_gateway(InternetGatewayId=igw["InternetGatewayId"], VpcId=vpc)
    c.delete_internet_gateway(InternetGatewayId=igw["InternetGatewayId"])
    for s in c.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]:
        c.delete_subnet(SubnetId=s["SubnetId"])
    c.delete_vpc(VpcId=vpc)
    with raises_code("DefaultVpcDoesNotExist"):
        c.create_default_subnet(AvailabilityZone="us-east-1a")
    made = c.create_default_vpc()["Vpc"]
    assert made["IsDefault"] is True and made["CidrBlock"] == "172.31.0.0/16"
    assert len(c.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [made["VpcId"]]}])["Subnets"]) == 6
    assert c.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [made["VpcId"]]}])["InternetGateways"]


# ---------------------------------------------------------------------------
# Egress-only internet gateways


def test_egress_only_gateway(ec2):
    c = ec2()
    vpc = new_vpc(c)
    made = c.create_egress_only_internet_gateway(
        VpcId=vpc, ClientToken="eigw-1", TagSpecifications=name_tag("egress-only-internet-gateway", "v6"))
    g = made["EgressOnlyInternetGateway"]
    assert EIGW_ID.match(g["EgressOnlyInternetGatewayId"])
    assert g["Attachments"] == [{"State": "attached", "VpcId": vpc}]
    assert tags_dict(g["Tags"]) == {"Name": "v6"}
    assert made["ClientToken"] == "eigw-1"
    # The same token gives the same gateway, not a second one.
    again = c.create_egress_only_internet_gateway(VpcId=vpc, ClientToken="eigw-1")
    assert again["EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"] == g["EgressOnlyInternetGatewayId"]
    listed = c.describe_egress_only_internet_gateways()["EgressOnlyInternetGateways"]
    assert [x["EgressOnlyInternetGatewayId"] for x in listed] == [g["EgressOnlyInternetGatewayId"]]
    with raises_code("DependencyViolation"):
        c.delete_vpc(VpcId=vpc)
    gone = c.delete_egress_only_internet_gateway(EgressOnlyInternetGatewayId=g["EgressOnlyInternetGatewayId"])
    assert gone["ReturnCode"] is True
    with raises_code("InvalidGatewayID.NotFound"):
        c.describe_egress_only_internet_gateways(EgressOnlyInternetGatewayIds=[g["EgressOnlyInternetGatewayId"]])
    with raises_code("InvalidVpcID.NotFound"):
        c.create_egress_only_internet_gateway(VpcId=UNKNOWN_VPC)
    c.delete_vpc(VpcId=vpc)


# ---------------------------------------------------------------------------
# Network interfaces of one's own


def test_create_and_delete_network_interface(ec2):
    c = ec2()
    vpc = new_vpc(c)
    subnet = new_subnet(c, vpc, "10.0.1.0/24")
    made = c.create_network_interface(SubnetId=subnet, Description="app", PrivateIpAddress="10.0.1.10",
                                      TagSpecifications=name_tag("network-interface", "app"))
    n = made["NetworkInterface"]
    assert ENI_ID.match(n["NetworkInterfaceId"])
    assert n["Status"] == "available"
    assert n["PrivateIpAddress"] == "10.0.1.10"
    assert n["RequesterManaged"] is False
    assert n["InterfaceType"] == "interface"
    assert [g["GroupId"] for g in n["Groups"]] == [default_sg(c, vpc)["GroupId"]]
    assert tags_dict(n["TagSet"]) == {"Name": "app"}
    with raises_code("InvalidIPAddress.InUse"):
        c.create_network_interface(SubnetId=subnet, PrivateIpAddress="10.0.1.10")
    with raises_code("InvalidParameterValue"):
        c.create_network_interface(SubnetId=subnet, PrivateIpAddress="10.9.9.9")
    other = c.create_network_interface(SubnetId=subnet)["NetworkInterface"]
    assert ipaddress.ip_address(other["PrivateIpAddress"]) in ipaddress.ip_network("10.0.1.0/24")
    c.delete_network_interface(NetworkInterfaceId=n["NetworkInterfaceId"])
    with raises_code("InvalidNetworkInterfaceID.NotFound"):
        c.delete_network_interface(NetworkInterfaceId=n["NetworkInterfaceId"])
    with raises_code("InvalidNetworkInterfaceID.NotFound"):
        c.delete_network_interface(NetworkInterfaceId=UNKNOWN_ENI)


def test_an_endpoints_interface_is_not_the_users_to_delete(ec2):
    c = ec2()
    vpc = new_vpc(c)
    subnet = new_subnet(c, vpc, "10.0.1.0/24")
    ep = c.create_vpc_endpoint(VpcId=vpc, VpcEndpointType="Interface",
                               ServiceName="com.amazonaws.us-east-1.logs", SubnetIds=[subnet])
    eni = c.describe_vpc_endpoints(VpcEndpointIds=[ep["VpcEndpoint"]["VpcEndpointId"]])
    eni = eni["VpcEndpoints"][0]["NetworkInterfaceIds"][0]
    with raises_code("InvalidNetworkInterface.InUse"):
        c.delete_network_interface(NetworkInterfaceId=eni)
    assert c.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"]


# ---------------------------------------------------------------------------
# Elastic IPs


def public_vpc(c):
    """A VPC with a subnet, an internet gateway and one interface of ours."""
    vpc = new_vpc(c)
    subnet = new_subnet(c, vpc, "10.0.1.0/24")
    igw = c.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    eni = c.create_network_interface(SubnetId=subnet)["NetworkInterface"]
    return vpc, subnet, igw, eni


def test_allocate_describe_release(ec2):
    c = ec2()
    made = c.allocate_address(Domain="vpc", TagSpecifications=name_tag("elastic-ip", "web"))
    assert EIPALLOC_ID.match(made["AllocationId"])
    assert made["Domain"] == "vpc"
    assert made["PublicIpv4Pool"] == "amazon"
    assert made["NetworkBorderGroup"] == "us-east-1"
    ip = ipaddress.ip_address(made["PublicIp"])
    assert ip.version == 4 and ip.is_global
    second = c.allocate_address(Domain="vpc")
    assert second["PublicIp"] != made["PublicIp"]

    by_id = c.describe_addresses(AllocationIds=[made["AllocationId"]])["Addresses"]
    assert by_id == [{
        "AllocationId": made["AllocationId"], "Domain": "vpc", "PublicIp": made["PublicIp"],
        "PublicIpv4Pool": "amazon", "NetworkBorderGroup": "us-east-1",
        "Tags": [{"Key": "Name", "Value": "web"}],
    }]
    by_ip = c.describe_addresses(PublicIps=[second["PublicIp"]])["Addresses"]
    assert [a["AllocationId"] for a in by_ip] == [second["AllocationId"]]
    tagged = c.describe_addresses(Filters=[{"Name": "tag:Name", "Values": ["web"]}])["Addresses"]
    assert [a["AllocationId"] for a in tagged] == [made["AllocationId"]]
    filtered = c.describe_addresses(Filters=[{"Name": "public-ip", "Values": [made["PublicIp"]]},
                                             {"Name": "domain", "Values": ["vpc"]}])["Addresses"]
    assert [a["AllocationId"] for a in filtered] == [made["AllocationId"]]

    c.release_address(AllocationId=made["AllocationId"])
    with raises_code("InvalidAllocationID.NotFound") as e:
        c.describe_addresses(AllocationIds=[made["AllocationId"]])
    assert err_message(e) == f"The allocation ID '{made['AllocationId']}' does not exist"
    with raises_code("InvalidAllocationID.NotFound"):
        c.release_address(AllocationId=made["AllocationId"])
    with raises_code("InvalidAddress.NotFound"):
        c.describe_addresses(PublicIps=[made["PublicIp"]])


def test_five_addresses_per_region(ec2):
    c = ec2()
    for _ in range(5):
        c.allocate_address(Domain="vpc")
    with raises_code("AddressLimitExceeded") as e:
        c.allocate_address(Domain="vpc")
    assert err_message(e) == "The maximum number of addresses has been reached."
    assert len(c.describe_addresses()["Addresses"]) == 5
    # Another Region has its own quota.
    assert ec2(region="us-west-2").allocate_address(Domain="vpc")["AllocationId"]


def test_associate_needs_an_internet_gateway(ec2):
    c = ec2()
    vpc, _, igw, eni = public_vpc(c)
    alloc = c.allocate_address(Domain="vpc")
    with raises_code("Gateway.NotAttached") as e:
        c.associate_address(AllocationId=alloc["AllocationId"], NetworkInterfaceId=eni["NetworkInterfaceId"])
    assert err_message(e) == f"Network {vpc} is not attached to any internet gateway"
    c.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    assoc = c.associate_address(AllocationId=alloc["AllocationId"], NetworkInterfaceId=eni["NetworkInterfaceId"])
    assert EIPASSOC_ID.match(assoc["AssociationId"])

    a = c.describe_addresses(AllocationIds=[alloc["AllocationId"]])["Addresses"][0]
    assert a["AssociationId"] == assoc["AssociationId"]
    assert a["NetworkInterfaceId"] == eni["NetworkInterfaceId"]
    assert a["NetworkInterfaceOwnerId"] == DEFAULT_ACCOUNT
    assert a["PrivateIpAddress"] == eni["PrivateIpAddress"]
    n = c.describe_network_interfaces(NetworkInterfaceIds=[eni["NetworkInterfaceId"]])["NetworkInterfaces"][0]
    assert n["Association"]["PublicIp"] == alloc["PublicIp"]
    assert n["Association"]["AllocationId"] == alloc["AllocationId"]
    assert n["Association"]["AssociationId"] == assoc["AssociationId"]
    assert n["Association"]["IpOwnerId"] == DEFAULT_ACCOUNT
    found = c.describe_network_interfaces(
        Filters=[{"Name": "association.public-ip", "Values": [alloc["PublicIp"]]}])["NetworkInterfaces"]
    assert [x["NetworkInterfaceId"] for x in found] == [eni["NetworkInterfaceId"]]
    by_assoc = c.describe_addresses(
        Filters=[{"Name": "association-id", "Values": [assoc["AssociationId"]]}])["Addresses"]
    assert [x["AllocationId"] for x in by_assoc] == [alloc["AllocationId"]]

    # Mapped: the gateway stays, the address stays.
    with raises_code("DependencyViolation") as e:
        c.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    assert "mapped public address" in err_message(e)
    with raises_code("InvalidIPAddress.InUse"):
        c.release_address(AllocationId=alloc["AllocationId"])

    c.disassociate_address(AssociationId=assoc["AssociationId"])
    a = c.describe_addresses(AllocationIds=[alloc["AllocationId"]])["Addresses"][0]
    assert "AssociationId" not in a and "NetworkInterfaceId" not in a
    n = c.describe_network_interfaces(NetworkInterfaceIds=[eni["NetworkInterfaceId"]])["NetworkInterfaces"][0]
    assert "Association" not in n
    with raises_code("InvalidAssociationID.NotFound"):
        c.disassociate_address(AssociationId=assoc["AssociationId"])
    c.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    c.release_address(AllocationId=alloc["AllocationId"])


def test_reassociation(ec2):
    c = ec2()
    vpc, subnet, igw, eni = public_vpc(c)
    c.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    other = c.create_network_interface(SubnetId=subnet)["NetworkInterface"]
    first = c.allocate_address(Domain="vpc")
    second = c.allocate_address(Domain="vpc")
    assoc = c.associate_address(AllocationId=first["AllocationId"], NetworkInterfaceId=eni["NetworkInterfaceId"])
    # An address in use elsewhere moves only when reassociation is allowed.
    with raises_code("Resource.AlreadyAssociated") as e:
        c.associate_address(AllocationId=first["AllocationId"], NetworkInterfaceId=other["NetworkInterfaceId"])
    assert assoc["AssociationId"] in err_message(e)
    moved = c.associate_address(AllocationId=first["AllocationId"], NetworkInterfaceId=other["NetworkInterfaceId"],
                                AllowReassociation=True)
    a = c.describe_addresses(AllocationIds=[first["AllocationId"]])["Addresses"][0]
    assert a["NetworkInterfaceId"] == other["NetworkInterfaceId"]
    assert a["AssociationId"] == moved["AssociationId"] != assoc["AssociationId"]
    # A second address for the same interface replaces the first there.
    c.associate_address(AllocationId=second["AllocationId"], NetworkInterfaceId=other["NetworkInterfaceId"])
    by_alloc = {x["AllocationId"]: x for x in c.describe_addresses()["Addresses"]}
    assert "NetworkInterfaceId" not in by_alloc[first["AllocationId"]]
    assert by_alloc[second["AllocationId"]]["NetworkInterfaceId"] == other["NetworkInterfaceId"]
    with raises_code("InvalidInstanceID.NotFound"):
        c.associate_address(AllocationId=first["AllocationId"], InstanceId="i-0123456789abcdef0")
    with raises_code("InvalidNetworkInterfaceID.NotFound"):
        c.associate_address(AllocationId=first["AllocationId"], NetworkInterfaceId=UNKNOWN_ENI)
    # Deleting the interface leaves the address allocated, unassociated.
    c.delete_network_interface(NetworkInterfaceId=other["NetworkInterfaceId"])
    left = c.describe_addresses(AllocationIds=[second["AllocationId"]])["Addresses"][0]
    assert "AssociationId" not in left


# ---------------------------------------------------------------------------
# Tags on every taggable kind, and DescribeVpcs' legacy filter


def test_create_tags_takes_every_kind(ec2):
    c = ec2()
    vpc = new_vpc(c)
    subnet = new_subnet(c, vpc, "10.0.1.0/24")
    igw = c.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    eigw = c.create_egress_only_internet_gateway(VpcId=vpc)["EgressOnlyInternetGateway"]
    eigw = eigw["EgressOnlyInternetGatewayId"]
    alloc = c.allocate_address(Domain="vpc")["AllocationId"]
    vpce = c.create_vpc_endpoint(VpcId=vpc, VpcEndpointType="Interface",
                                 ServiceName="com.amazonaws.us-east-1.ecs", SubnetIds=[subnet])
    vpce = vpce["VpcEndpoint"]["VpcEndpointId"]
    ids = [igw, eigw, alloc, vpce]
    c.create_tags(Resources=ids, Tags=[{"Key": "team", "Value": "net"}])
    rows = c.describe_tags(Filters=[{"Name": "key", "Values": ["team"]}])["Tags"]
    assert sorted((r["ResourceId"], r["ResourceType"]) for r in rows) == sorted([
        (igw, "internet-gateway"), (eigw, "egress-only-internet-gateway"),
        (alloc, "elastic-ip"), (vpce, "vpc-endpoint")])
    assert tags_dict(igw_of(c, igw)["Tags"]) == {"team": "net"}
    endpoint = c.describe_vpc_endpoints(VpcEndpointIds=[vpce])["VpcEndpoints"][0]
    assert tags_dict(endpoint["Tags"]) == {"team": "net"}
    c.delete_tags(Resources=ids, Tags=[{"Key": "team"}])
    assert c.describe_tags(Filters=[{"Name": "key", "Values": ["team"]}])["Tags"] == []
    with raises_code("InvalidInternetGatewayID.NotFound"):
        c.create_tags(Resources=["igw-0123456789abcdef0"], Tags=[{"Key": "a", "Value": "b"}])


def test_describe_vpcs_takes_legacy_cidr_block_filter(ec2):
    """Ansible's ec2_vpc_net looks its VPC up with `cidr-block` (not in the
    API reference; EC2 takes it)."""
    c = ec2()
    vpc = new_vpc(c, "10.44.0.0/16")
    found = c.describe_vpcs(Filters=[{"Name": "cidr-block", "Values": ["10.44.0.0/16"]}])["Vpcs"]
    assert [v["VpcId"] for v in found] == [vpc]


@pytest.mark.parametrize("account", [DEFAULT_ACCOUNT])
def test_aws_cli_gateway_and_address_commands(aws_cli, account):
    rc, vpc, err = aws_cli("ec2", "create-vpc", "--cidr-block", "10.3.0.0/16", account=account)
    assert rc == 0, err
    vpc_id = vpc["Vpc"]["VpcId"]
    rc, igw, err = aws_cli("ec2", "create-internet-gateway", account=account)
    assert rc == 0, err
    igw_id = igw["InternetGateway"]["InternetGatewayId"]
    rc, _, err = aws_cli("ec2", "attach-internet-gateway", "--internet-gateway-id", igw_id,
                         "--vpc-id", vpc_id, account=account)
    assert rc == 0, err
    rc, eip, err = aws_cli("ec2", "allocate-address", "--domain", "vpc", account=account)
    assert rc == 0, err
    assert EIPALLOC_ID.match(eip["AllocationId"])
    rc, listed, err = aws_cli("ec2", "describe-internet-gateways", "--filters",
                              f"Name=attachment.vpc-id,Values={vpc_id}", account=account)
    assert rc == 0, err
    assert [g["InternetGatewayId"] for g in listed["InternetGateways"]] == [igw_id]


# ---------------------------------------------------------------------------
# Scenario files


EDGE_SCENARIO = """\
version: 1
accounts:
  - id: "333333333333"
    regions:
      us-east-1:
        vpcs: [{name: app, cidr: 10.20.0.0/16}]
        subnets: [{name: app-a, vpc: app, cidr: 10.20.1.0/24, az: us-east-1a}]
        securityGroups: [{name: web, vpc: app, description: web}]
        networkInterfaces:
          - {name: front, subnet: app-a, securityGroups: [web], privateIp: 10.20.1.50, description: front,
             tags: {Name: front}}
        internetGateways: [{name: edge, vpc: app, tags: {Name: edge}}, {name: spare}]
        egressOnlyInternetGateways: [{name: v6, vpc: app}]
        elasticIps:
          - {name: front-ip, publicIp: 54.1.2.3, networkInterface: front}
          - {name: spare-ip, allocationId: eipalloc-0c000000000000001}
"""


def test_scenario_declares_the_vpc_edge(awsemu_launcher, client_for, tmp_path):
    path = tmp_path / "edge.yaml"
    path.write_text(EDGE_SCENARIO)
    url, stop = awsemu_launcher("--scenario", str(path))
    try:
        c = client_for(url, "ec2", account="333333333333")
        vpc = c.describe_vpcs(Filters=[{"Name": "cidr-block", "Values": ["10.20.0.0/16"]}])["Vpcs"][0]["VpcId"]
        default_vpc = c.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
        gateways = {tags_dict(g["Tags"]).get("Name", "-"): g for g in c.describe_internet_gateways()["InternetGateways"]
                    if [a["VpcId"] for a in g["Attachments"]] != [default_vpc]}
        assert gateways["edge"]["Attachments"] == [{"State": "available", "VpcId": vpc}]
        assert gateways["-"]["Attachments"] == []
        eigws = c.describe_egress_only_internet_gateways()["EgressOnlyInternetGateways"]
        assert [g["Attachments"][0]["VpcId"] for g in eigws] == [vpc]
        eni = c.describe_network_interfaces(Filters=[{"Name": "tag:Name", "Values": ["front"]}])
        eni = eni["NetworkInterfaces"][0]
        assert eni["PrivateIpAddress"] == "10.20.1.50"
        assert eni["Association"]["PublicIp"] == "54.1.2.3"
        addresses = {a["PublicIp"]: a for a in c.describe_addresses()["Addresses"]}
        assert addresses["54.1.2.3"]["NetworkInterfaceId"] == eni["NetworkInterfaceId"]
        spare = [a for ip, a in addresses.items() if ip != "54.1.2.3"]
        assert [a["AllocationId"] for a in spare] == ["eipalloc-0c000000000000001"]
        assert "AssociationId" not in spare[0]
    finally:
        stop()


def test_scenario_names_a_dangling_interface(awsemu_run, tmp_path):
    text = EDGE_SCENARIO.replace("networkInterface: front}", "networkInterface: back}")
    path = tmp_path / "dangling.yaml"
    path.write_text(text)
    proc = awsemu_run("scenario", "check", str(path))
    assert proc.returncode == 1, proc.stdout
    line = text.splitlines().index(
        next(x for x in text.splitlines() if "networkInterface: back" in x)) + 1
    assert (f"{path}:{line}: accounts[0].regions.us-east-1.elasticIps[0].networkInterface: "
            "no networkInterface named 'back'") in proc.stderr, proc.stderr


# ---------------------------------------------------------------------------
# ModifySubnetAttribute (item 7)


def test_modify_subnet_attribute(ec2):
    c = ec2()
    vpc = new_vpc(c)
    subnet = new_subnet(c, vpc, "10.0.1.0/24")

    def described():
        return c.describe_subnets(SubnetIds=[subnet])["Subnets"][0]

    assert described()["MapPublicIpOnLaunch"] is False
    c.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    # DNS64 needs an IPv6 block, in AWS's words; with one it turns on.
    with raises_code("InvalidParameterValue") as e:
        c.modify_subnet_attribute(SubnetId=subnet, EnableDns64={"Value": True})
    assert err_message(e) == (
        "Invalid value 'true' for enable-dns64. Cannot set enable-dns64 to true unless the "
        f"subnet ({subnet}) has an IPv6 CIDR block associated with it.")
    with raises_code("InvalidParameterValue"):
        c.modify_subnet_attribute(SubnetId=subnet, EnableResourceNameDnsAAAARecordOnLaunch={"Value": True})
    block = c.associate_vpc_cidr_block(VpcId=vpc, AmazonProvidedIpv6CidrBlock=True)[
        "Ipv6CidrBlockAssociation"]
    v6 = c.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    assert block["AssociationId"]
    c.associate_subnet_cidr_block(SubnetId=subnet, Ipv6CidrBlock=v6.replace("/56", "/64"))
    c.modify_subnet_attribute(SubnetId=subnet, EnableDns64={"Value": True})
    c.modify_subnet_attribute(SubnetId=subnet, PrivateDnsHostnameTypeOnLaunch="resource-name")
    c.modify_subnet_attribute(SubnetId=subnet, EnableResourceNameDnsARecordOnLaunch={"Value": True})
    s = described()
    assert s["MapPublicIpOnLaunch"] is True
    assert s["EnableDns64"] is True
    assert s["PrivateDnsNameOptionsOnLaunch"] == {
        "HostnameType": "resource-name", "EnableResourceNameDnsARecord": True,
        "EnableResourceNameDnsAAAARecord": False}
    found = c.describe_subnets(Filters=[{"Name": "map-public-ip-on-launch", "Values": ["true"]},
                                        {"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
    assert [x["SubnetId"] for x in found] == [subnet]
    # One attribute a call; no IPv6 block to assign from.
    with raises_code("InvalidParameterCombination"):
        c.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": False},
                                  EnableDns64={"Value": False})
    other = new_subnet(c, vpc, "10.0.2.0/24")
    with raises_code("InvalidParameterValue"):
        c.modify_subnet_attribute(SubnetId=other, AssignIpv6AddressOnCreation={"Value": True})
    with raises_code("InvalidSubnetID.NotFound"):
        c.modify_subnet_attribute(SubnetId="subnet-0123456789abcdef0", MapPublicIpOnLaunch={"Value": True})
    # Nothing half-applied by the refused calls.
    assert described()["MapPublicIpOnLaunch"] is True


# ---------------------------------------------------------------------------
# DHCP options (item 6)


def dhcp_dict(opts: dict) -> dict[str, list[str]]:
    return {c["Key"]: [v["Value"] for v in c["Values"]] for c in opts["DhcpConfigurations"]}


def test_default_dhcp_options(ec2):
    c = ec2()
    default_vpc = c.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]
    [opts] = c.describe_dhcp_options()["DhcpOptions"]
    assert opts["DhcpOptionsId"] == default_vpc["DhcpOptionsId"]
    assert opts["OwnerId"] == DEFAULT_ACCOUNT
    assert dhcp_dict(opts) == {"domain-name": ["ec2.internal"], "domain-name-servers": ["AmazonProvidedDNS"]}
    vpc = new_vpc(c)
    assert c.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["DhcpOptionsId"] == opts["DhcpOptionsId"]
    west = ec2(region="us-west-2").describe_dhcp_options()["DhcpOptions"]
    assert dhcp_dict(west[0])["domain-name"] == ["us-west-2.compute.internal"]


def test_dhcp_options_lifecycle(ec2):
    c = ec2()
    vpc = new_vpc(c)
    made = c.create_dhcp_options(DhcpConfigurations=[
        {"Key": "domain-name", "Values": ["corp.example"]},
        {"Key": "domain-name-servers", "Values": ["10.0.0.2, 10.0.0.3"]},
    ], TagSpecifications=name_tag("dhcp-options", "corp"))["DhcpOptions"]
    dopt = made["DhcpOptionsId"]
    assert re_match_dopt(dopt)
    assert dhcp_dict(made) == {"domain-name": ["corp.example"], "domain-name-servers": ["10.0.0.2", "10.0.0.3"]}
    assert tags_dict(made["Tags"]) == {"Name": "corp"}
    by_value = c.describe_dhcp_options(Filters=[{"Name": "value", "Values": ["corp.example"]}])["DhcpOptions"]
    assert [d["DhcpOptionsId"] for d in by_value] == [dopt]

    c.associate_dhcp_options(DhcpOptionsId=dopt, VpcId=vpc)
    assert c.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["DhcpOptionsId"] == dopt
    found = c.describe_vpcs(Filters=[{"Name": "dhcp-options-id", "Values": [dopt]}])["Vpcs"]
    assert [v["VpcId"] for v in found] == [vpc]
    with raises_code("DependencyViolation"):
        c.delete_dhcp_options(DhcpOptionsId=dopt)
    c.associate_dhcp_options(DhcpOptionsId="default", VpcId=vpc)
    assert c.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["DhcpOptionsId"] == "default"
    c.delete_dhcp_options(DhcpOptionsId=dopt)
    with raises_code("InvalidDhcpOptionID.NotFound") as e:
        c.describe_dhcp_options(DhcpOptionsIds=[dopt])
    assert err_message(e) == f"The dhcpOption ID '{dopt}' does not exist"
    with raises_code("InvalidParameterValue"):
        c.create_dhcp_options(DhcpConfigurations=[{"Key": "colour", "Values": ["blue"]}])
    with raises_code("InvalidDhcpOptionID.NotFound"):
        c.associate_dhcp_options(DhcpOptionsId="dopt-0123456789abcdef0", VpcId=vpc)


def re_match_dopt(dopt: str) -> bool:
    return id_re("dopt").match(dopt) is not None


# ---------------------------------------------------------------------------
# Network interface attributes and secondary addresses (item 8)


def test_interface_attributes_and_secondary_addresses(ec2):
    c = ec2()
    vpc = new_vpc(c)
    subnet = new_subnet(c, vpc, "10.0.1.0/24")
    other_sg = c.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    eni = c.create_network_interface(SubnetId=subnet, PrivateIpAddress="10.0.1.10")["NetworkInterface"]
    eni_id = eni["NetworkInterfaceId"]

    c.modify_network_interface_attribute(NetworkInterfaceId=eni_id, Description={"Value": "front"})
    c.modify_network_interface_attribute(NetworkInterfaceId=eni_id, Groups=[other_sg])
    c.modify_network_interface_attribute(NetworkInterfaceId=eni_id, SourceDestCheck={"Value": False})
    attr = lambda a: c.describe_network_interface_attribute(NetworkInterfaceId=eni_id, Attribute=a)  # noqa: E731
    assert attr("description")["Description"] == {"Value": "front"}
    assert [g["GroupId"] for g in attr("groupSet")["Groups"]] == [other_sg]
    assert attr("sourceDestCheck")["SourceDestCheck"] == {"Value": False}
    with raises_code("InvalidParameterCombination"):
        c.modify_network_interface_attribute(NetworkInterfaceId=eni_id, Description={"Value": "x"},
                                             SourceDestCheck={"Value": True})

    assigned = c.assign_private_ip_addresses(NetworkInterfaceId=eni_id, PrivateIpAddresses=["10.0.1.20"])
    assert [a["PrivateIpAddress"] for a in assigned["AssignedPrivateIpAddresses"]] == ["10.0.1.20"]
    more = c.assign_private_ip_addresses(NetworkInterfaceId=eni_id, SecondaryPrivateIpAddressCount=2)
    extra = [a["PrivateIpAddress"] for a in more["AssignedPrivateIpAddresses"]]
    assert len(extra) == 2 and "10.0.1.10" not in extra and "10.0.1.20" not in extra
    n = c.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]
    assert [(a["PrivateIpAddress"], a["Primary"]) for a in n["PrivateIpAddresses"]] == [
        ("10.0.1.10", True), ("10.0.1.20", False), (extra[0], False), (extra[1], False)]
    assert n["SourceDestCheck"] is False and n["Description"] == "front"
    by_secondary = c.describe_network_interfaces(
        Filters=[{"Name": "addresses.private-ip-address", "Values": ["10.0.1.20"]}])["NetworkInterfaces"]
    assert [x["NetworkInterfaceId"] for x in by_secondary] == [eni_id]
    # Taken addresses are refused, on this interface or another.
    with raises_code("InvalidIPAddress.InUse"):
        c.assign_private_ip_addresses(NetworkInterfaceId=eni_id, PrivateIpAddresses=["10.0.1.20"])
    with raises_code("InvalidIPAddress.InUse"):
        c.create_network_interface(SubnetId=subnet, PrivateIpAddress="10.0.1.10")
    with raises_code("InvalidParameterValue"):
        c.unassign_private_ip_addresses(NetworkInterfaceId=eni_id, PrivateIpAddresses=["10.0.1.10"])
    c.unassign_private_ip_addresses(NetworkInterfaceId=eni_id, PrivateIpAddresses=["10.0.1.20"])
    n = c.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]
    assert [a["PrivateIpAddress"] for a in n["PrivateIpAddresses"]] == ["10.0.1.10", *extra]
    with raises_code("InvalidParameterValue"):
        c.unassign_private_ip_addresses(NetworkInterfaceId=eni_id, PrivateIpAddresses=["10.0.1.20"])
    # A service's interface is the service's to change.
    ep = c.create_vpc_endpoint(VpcId=vpc, VpcEndpointType="Interface",
                               ServiceName="com.amazonaws.us-east-1.logs", SubnetIds=[subnet])
    managed = c.describe_vpc_endpoints(VpcEndpointIds=[ep["VpcEndpoint"]["VpcEndpointId"]])
    managed = managed["VpcEndpoints"][0]["NetworkInterfaceIds"][0]
    with raises_code("OperationNotPermitted"):
        c.modify_network_interface_attribute(NetworkInterfaceId=managed, Description={"Value": "mine"})


def test_a_secondary_address_is_taken_for_new_interfaces(ec2):
    c = ec2()
    vpc = new_vpc(c)
    subnet = new_subnet(c, vpc, "10.0.1.0/24")
    eni = c.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    c.assign_private_ip_addresses(NetworkInterfaceId=eni, PrivateIpAddresses=["10.0.1.99"])
    with raises_code("InvalidIPAddress.InUse"):
        c.create_network_interface(SubnetId=subnet, PrivateIpAddress="10.0.1.99")


@pytest.mark.parametrize("call,ids_param,bad,code", [
    ("describe_internet_gateways", "InternetGatewayIds", "igw-nope", "InvalidInternetGatewayId.Malformed"),
    ("describe_egress_only_internet_gateways", "EgressOnlyInternetGatewayIds", "eigw-nope",
     "InvalidEgressOnlyInternetGatewayId.Malformed"),
    ("describe_addresses", "AllocationIds", "eipalloc-nope", "InvalidAllocationID.Malformed"),
    ("describe_nat_gateways", "NatGatewayIds", "nat-nope", "NatGatewayMalformed"),
    ("describe_network_acls", "NetworkAclIds", "acl-nope", "InvalidNetworkAclId.Malformed"),
    ("describe_dhcp_options", "DhcpOptionsIds", "dopt-nope", "InvalidDhcpOptionsId.Malformed"),
])
def test_malformed_ids_are_refused(ec2, call, ids_param, bad, code):
    with raises_code(code) as e:
        getattr(ec2(), call)(**{ids_param: [bad]})
    assert bad in err_message(e)


def test_network_address_usage_metrics_attribute(ec2):
    c = ec2()
    vpc = new_vpc(c)
    attr = "enableNetworkAddressUsageMetrics"
    assert c.describe_vpc_attribute(VpcId=vpc, Attribute=attr)["EnableNetworkAddressUsageMetrics"] == {
        "Value": False}
    c.modify_vpc_attribute(VpcId=vpc, EnableNetworkAddressUsageMetrics={"Value": True})
    assert c.describe_vpc_attribute(VpcId=vpc, Attribute=attr)["EnableNetworkAddressUsageMetrics"] == {
        "Value": True}
    with raises_code("InvalidParameterCombination") as e:
        c.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True},
                               EnableNetworkAddressUsageMetrics={"Value": False})
    assert err_message(e) == (
        "Fields for multiple attribute types specified: enableDnsSupport, enableNetworkAddressUsageMetrics")
    # Nothing half-applied.
    assert c.describe_vpc_attribute(VpcId=vpc, Attribute=attr)["EnableNetworkAddressUsageMetrics"] == {
        "Value": True}
