"""boto3: VPCs, subnets, security groups and route tables.

References: aws-spec.md §6 (ids), §8.21-8.32 (operations), §14.1 (error codes).
"""

from __future__ import annotations

import ipaddress

import pytest

from awsemu_helpers import (
    DEFAULT_ACCOUNT,
    DOPT_ID,
    RTB_ID,
    RTBASSOC_ID,
    SG_ID,
    SGR_ID,
    SUBNET_ID,
    UNKNOWN_RTB,
    UNKNOWN_SG,
    UNKNOWN_SUBNET,
    UNKNOWN_VPC,
    VPC_CIDR_ASSOC_ID,
    VPC_ID,
    cidrs,
    default_sg,
    default_vpc,
    err_message,
    new_subnet,
    new_vpc,
    raises_code,
    tags_dict,
)

US_EAST_1_AZS = [f"us-east-1{c}" for c in "abcdef"]


# ---------------------------------------------------------------------------
# CreateVpc and its side effects (§8.21)
# ---------------------------------------------------------------------------
def test_create_vpc_response_shape(ec2):
    c = ec2()
    vpc = c.create_vpc(
        CidrBlock="10.0.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "app"}]}],
    )["Vpc"]
    assert VPC_ID.match(vpc["VpcId"]), vpc["VpcId"]
    assert vpc["CidrBlock"] == "10.0.0.0/16"
    assert vpc["State"] in ("pending", "available")
    assert vpc["IsDefault"] is False
    assert vpc["OwnerId"] == DEFAULT_ACCOUNT
    assert vpc["InstanceTenancy"] == "default"
    assert DOPT_ID.match(vpc["DhcpOptionsId"]), vpc["DhcpOptionsId"]
    assert tags_dict(vpc["Tags"]) == {"Name": "app"}
    assocs = vpc["CidrBlockAssociationSet"]
    assert len(assocs) == 1
    assert VPC_CIDR_ASSOC_ID.match(assocs[0]["AssociationId"]), assocs[0]
    assert assocs[0]["CidrBlock"] == "10.0.0.0/16"
    assert assocs[0]["CidrBlockState"]["State"] == "associated"
    assert vpc.get("Ipv6CidrBlockAssociationSet", []) == []

    described = c.describe_vpcs(VpcIds=[vpc["VpcId"]])["Vpcs"]
    assert len(described) == 1
    assert described[0]["State"] == "available"
    assert described[0]["CidrBlock"] == "10.0.0.0/16"


def test_create_vpc_canonicalises_cidr(ec2):
    # "We modify the specified CIDR block to its canonical form" (host bits cleared).
    vpc = ec2().create_vpc(CidrBlock="10.20.30.40/16")["Vpc"]
    assert vpc["CidrBlock"] == "10.20.0.0/16"


def test_create_vpc_default_security_group(ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    sg = default_sg(c, vpc_id)
    assert SG_ID.match(sg["GroupId"]), sg["GroupId"]
    assert sg["GroupName"] == "default"
    assert sg["Description"] == "default VPC security group"
    assert sg["VpcId"] == vpc_id
    assert sg["OwnerId"] == DEFAULT_ACCOUNT
    # ingress: all traffic from members of the group itself
    assert len(sg["IpPermissions"]) == 1
    ingress = sg["IpPermissions"][0]
    assert ingress["IpProtocol"] == "-1"
    assert ingress["IpRanges"] == []
    pairs = ingress["UserIdGroupPairs"]
    assert len(pairs) == 1
    assert pairs[0]["GroupId"] == sg["GroupId"]
    assert pairs[0]["UserId"] == DEFAULT_ACCOUNT
    # egress: all traffic to anywhere
    assert len(sg["IpPermissionsEgress"]) == 1
    egress = sg["IpPermissionsEgress"][0]
    assert egress["IpProtocol"] == "-1"
    assert cidrs(egress["IpRanges"]) == ["0.0.0.0/0"]


def test_create_vpc_main_route_table_with_local_route(ec2):
    c = ec2()
    vpc_id = new_vpc(c, "10.1.0.0/16")
    tables = c.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
        "RouteTables"
    ]
    assert len(tables) == 1
    rt = tables[0]
    assert RTB_ID.match(rt["RouteTableId"]), rt["RouteTableId"]
    assert rt["VpcId"] == vpc_id
    assert rt["OwnerId"] == DEFAULT_ACCOUNT
    assert len(rt["Routes"]) == 1
    route = rt["Routes"][0]
    assert route["DestinationCidrBlock"] == "10.1.0.0/16"
    assert route["GatewayId"] == "local"
    assert route["State"] == "active"
    assert route["Origin"] == "CreateRouteTable"
    mains = [a for a in rt["Associations"] if a["Main"]]
    assert len(mains) == 1
    assert RTBASSOC_ID.match(mains[0]["RouteTableAssociationId"]), mains[0]
    assert mains[0]["RouteTableId"] == rt["RouteTableId"]
    assert "SubnetId" not in mains[0]
    assert mains[0]["AssociationState"]["State"] == "associated"

    # the same table is found through the association.main filter
    main_only = c.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"]
    assert [t["RouteTableId"] for t in main_only] == [rt["RouteTableId"]]


def test_vpc_dns_attributes_default_and_modify(ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    support = c.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsSupport")
    assert support["VpcId"] == vpc_id
    assert support["EnableDnsSupport"] == {"Value": True}
    hostnames = c.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")
    assert hostnames["VpcId"] == vpc_id
    assert hostnames["EnableDnsHostnames"] == {"Value": False}

    c.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    hostnames = c.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")
    assert hostnames["EnableDnsHostnames"] == {"Value": True}
    # the other attribute is untouched
    support = c.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsSupport")
    assert support["EnableDnsSupport"] == {"Value": True}

    c.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": False})
    hostnames = c.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")
    assert hostnames["EnableDnsHostnames"] == {"Value": False}


def test_describe_vpc_attribute_unknown_vpc(ec2):
    with raises_code("InvalidVpcID.NotFound") as ei:
        ec2().describe_vpc_attribute(VpcId=UNKNOWN_VPC, Attribute="enableDnsSupport")
    assert UNKNOWN_VPC in err_message(ei)


def test_default_vpc_exists(ec2):
    c = ec2()
    all_vpcs = c.describe_vpcs()["Vpcs"]
    assert len(all_vpcs) == 1, "a fresh account/region has exactly its default VPC"
    vpc = all_vpcs[0]
    assert vpc == default_vpc(c)
    assert VPC_ID.match(vpc["VpcId"]), vpc["VpcId"]
    assert vpc["IsDefault"] is True
    assert vpc["CidrBlock"] == "172.31.0.0/16"
    assert vpc["State"] == "available"
    assert vpc["OwnerId"] == DEFAULT_ACCOUNT

    # default VPC: both DNS attributes true
    assert c.describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute="enableDnsSupport")[
        "EnableDnsSupport"
    ] == {"Value": True}
    assert c.describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute="enableDnsHostnames")[
        "EnableDnsHostnames"
    ] == {"Value": True}

    sg = default_sg(c, vpc["VpcId"])
    assert sg["GroupName"] == "default"


def test_default_subnets_one_per_az(ec2):
    c = ec2()
    vpc_id = default_vpc(c)["VpcId"]
    subnets = c.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    assert sorted(s["AvailabilityZone"] for s in subnets) == US_EAST_1_AZS
    expected_cidrs = {f"172.31.{16 * i}.0/20" for i in range(6)}
    assert {s["CidrBlock"] for s in subnets} == expected_cidrs
    for s in subnets:
        assert SUBNET_ID.match(s["SubnetId"]), s["SubnetId"]
        assert s["DefaultForAz"] is True
        assert s["MapPublicIpOnLaunch"] is True
        assert s["State"] == "available"
        assert s["AvailableIpAddressCount"] == 4091  # /20 = 4096 - 5 reserved
        assert s["OwnerId"] == DEFAULT_ACCOUNT

    by_filter = c.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])[
        "Subnets"
    ]
    assert {s["SubnetId"] for s in by_filter} == {s["SubnetId"] for s in subnets}


# ---------------------------------------------------------------------------
# Subnets (§8.24-8.26)
# ---------------------------------------------------------------------------
def test_create_subnet_response_shape(ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    subnet = c.create_subnet(
        VpcId=vpc_id,
        CidrBlock="10.0.1.0/24",
        AvailabilityZone="us-east-1b",
        TagSpecifications=[{"ResourceType": "subnet", "Tags": [{"Key": "tier", "Value": "web"}]}],
    )["Subnet"]
    subnet_id = subnet["SubnetId"]
    assert SUBNET_ID.match(subnet_id), subnet_id
    assert subnet["VpcId"] == vpc_id
    assert subnet["CidrBlock"] == "10.0.1.0/24"
    assert subnet["AvailabilityZone"] == "us-east-1b"
    assert subnet["AvailableIpAddressCount"] == 251
    assert subnet["DefaultForAz"] is False
    assert subnet["MapPublicIpOnLaunch"] is False
    assert subnet["AssignIpv6AddressOnCreation"] is False
    assert subnet["OwnerId"] == DEFAULT_ACCOUNT
    assert subnet["SubnetArn"] == f"arn:aws:ec2:us-east-1:{DEFAULT_ACCOUNT}:subnet/{subnet_id}"
    assert subnet["State"] in ("pending", "available")
    assert tags_dict(subnet["Tags"]) == {"tier": "web"}

    zones = {
        z["ZoneName"]: z["ZoneId"]
        for z in c.describe_availability_zones()["AvailabilityZones"]
    }
    assert subnet["AvailabilityZoneId"] == zones["us-east-1b"]

    described = c.describe_subnets(SubnetIds=[subnet_id])["Subnets"]
    assert len(described) == 1
    assert described[0]["State"] == "available"
    assert described[0]["AvailableIpAddressCount"] == 251


def test_create_subnet_by_availability_zone_id(ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    zone = next(
        z for z in c.describe_availability_zones()["AvailabilityZones"]
        if z["ZoneName"] == "us-east-1c"
    )
    subnet = c.create_subnet(
        VpcId=vpc_id, CidrBlock="10.0.3.0/28", AvailabilityZoneId=zone["ZoneId"]
    )["Subnet"]
    assert subnet["AvailabilityZone"] == "us-east-1c"
    assert subnet["AvailabilityZoneId"] == zone["ZoneId"]
    assert subnet["AvailableIpAddressCount"] == 11  # /28 = 16 - 5


@pytest.mark.parametrize(
    "cidr",
    [
        "10.1.0.0/24",   # entirely outside 10.0.0.0/16
        "10.0.0.0/15",   # larger than the VPC
        "10.0.1.0/29",   # smaller than the /28 minimum
    ],
)
def test_create_subnet_invalid_range(ec2, cidr):
    c = ec2()
    vpc_id = new_vpc(c)
    with raises_code("InvalidSubnet.Range"):
        c.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone="us-east-1a")
    assert c.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"] == []


@pytest.mark.parametrize("cidr", ["10.0.1.0/24", "10.0.1.128/25", "10.0.0.0/20"])
def test_create_subnet_conflict(ec2, cidr):
    c = ec2()
    vpc_id = new_vpc(c)
    new_subnet(c, vpc_id, "10.0.1.0/24")
    with raises_code("InvalidSubnet.Conflict") as ei:
        c.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone="us-east-1b")
    assert cidr in err_message(ei)
    # an adjacent, non-overlapping block is fine
    assert SUBNET_ID.match(new_subnet(c, vpc_id, "10.0.2.0/24", "us-east-1b"))


def test_create_subnet_unknown_az(ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    with raises_code("InvalidParameterValue") as ei:
        c.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1z")
    assert "us-east-1z" in err_message(ei)


def test_create_subnet_az_of_other_region(ec2):
    c = ec2(region="us-west-2")
    vpc_id = new_vpc(c)
    with raises_code("InvalidParameterValue"):
        c.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")
    # but its own zones work
    subnet_id = new_subnet(c, vpc_id, "10.0.1.0/24", "us-west-2a")
    assert SUBNET_ID.match(subnet_id)


def test_create_subnet_unknown_vpc(ec2):
    with raises_code("InvalidVpcID.NotFound") as ei:
        ec2().create_subnet(
            VpcId=UNKNOWN_VPC, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a"
        )
    assert UNKNOWN_VPC in err_message(ei)


def test_subnet_not_found_errors(ec2):
    c = ec2()
    with raises_code("InvalidSubnetID.NotFound") as ei:
        c.describe_subnets(SubnetIds=[UNKNOWN_SUBNET])
    assert UNKNOWN_SUBNET in err_message(ei)
    with raises_code("InvalidSubnetID.NotFound"):
        c.delete_subnet(SubnetId=UNKNOWN_SUBNET)


def test_delete_subnet_then_gone(ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    subnet_id = new_subnet(c, vpc_id, "10.0.1.0/24")
    c.delete_subnet(SubnetId=subnet_id)
    with raises_code("InvalidSubnetID.NotFound"):
        c.describe_subnets(SubnetIds=[subnet_id])
    # the CIDR is free again
    assert SUBNET_ID.match(new_subnet(c, vpc_id, "10.0.1.0/24"))


@pytest.mark.parametrize("cidr", ["10.0.0.0/8", "10.0.0.0/15", "10.0.0.0/29", "10.0.0.0/32"])
def test_create_vpc_invalid_range(ec2, cidr):
    c = ec2()
    with raises_code("InvalidVpc.Range"):
        c.create_vpc(CidrBlock=cidr)
    assert len(c.describe_vpcs()["Vpcs"]) == 1  # only the default VPC


@pytest.mark.parametrize("cidr", ["10.0.0.0/16", "192.168.0.0/28"])
def test_create_vpc_boundary_sizes_accepted(ec2, cidr):
    vpc = ec2().create_vpc(CidrBlock=cidr)["Vpc"]
    assert vpc["CidrBlock"] == cidr


def test_delete_vpc_unknown(ec2):
    with raises_code("InvalidVpcID.NotFound") as ei:
        ec2().delete_vpc(VpcId=UNKNOWN_VPC)
    assert UNKNOWN_VPC in err_message(ei)


def test_delete_vpc_with_subnet_is_dependency_violation(ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    subnet_id = new_subnet(c, vpc_id, "10.0.1.0/24")
    with raises_code("DependencyViolation") as ei:
        c.delete_vpc(VpcId=vpc_id)
    assert vpc_id in err_message(ei)
    c.delete_subnet(SubnetId=subnet_id)
    c.delete_vpc(VpcId=vpc_id)
    with raises_code("InvalidVpcID.NotFound"):
        c.describe_vpcs(VpcIds=[vpc_id])
    # the main route table was removed with the VPC
    assert c.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
        "RouteTables"
    ] == []


def test_delete_empty_vpc_removes_default_group(ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    sg_id = default_sg(c, vpc_id)["GroupId"]
    c.delete_vpc(VpcId=vpc_id)
    with raises_code("InvalidGroup.NotFound"):
        c.describe_security_groups(GroupIds=[sg_id])


# ---------------------------------------------------------------------------
# Security groups (§8.27-8.30)
# ---------------------------------------------------------------------------
HTTPS_FROM_VPC = {
    "IpProtocol": "tcp",
    "FromPort": 443,
    "ToPort": 443,
    "IpRanges": [{"CidrIp": "10.0.0.0/16"}],
}


def test_create_security_group_response(ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    resp = c.create_security_group(
        GroupName="web",
        Description="web servers",
        VpcId=vpc_id,
        TagSpecifications=[
            {"ResourceType": "security-group", "Tags": [{"Key": "team", "Value": "edge"}]}
        ],
    )
    sg_id = resp["GroupId"]
    assert SG_ID.match(sg_id), sg_id
    assert resp["SecurityGroupArn"] == (
        f"arn:aws:ec2:us-east-1:{DEFAULT_ACCOUNT}:security-group/{sg_id}"
    )
    assert tags_dict(resp["Tags"]) == {"team": "edge"}

    sg = c.describe_security_groups(GroupIds=[sg_id])["SecurityGroups"][0]
    assert sg["GroupName"] == "web"
    assert sg["Description"] == "web servers"
    assert sg["VpcId"] == vpc_id
    assert sg["OwnerId"] == DEFAULT_ACCOUNT
    assert sg["IpPermissions"] == []
    assert len(sg["IpPermissionsEgress"]) == 1
    assert sg["IpPermissionsEgress"][0]["IpProtocol"] == "-1"
    assert cidrs(sg["IpPermissionsEgress"][0]["IpRanges"]) == ["0.0.0.0/0"]
    assert tags_dict(sg["Tags"]) == {"team": "edge"}


def test_create_security_group_without_vpc_goes_to_default_vpc(ec2):
    c = ec2()
    sg_id = c.create_security_group(GroupName="no-vpc", Description="d")["GroupId"]
    sg = c.describe_security_groups(GroupIds=[sg_id])["SecurityGroups"][0]
    assert sg["VpcId"] == default_vpc(c)["VpcId"]


def test_security_group_duplicate_name(ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    c.create_security_group(GroupName="web", Description="one", VpcId=vpc_id)
    with raises_code("InvalidGroup.Duplicate") as ei:
        c.create_security_group(GroupName="web", Description="two", VpcId=vpc_id)
    assert "web" in err_message(ei)
    # the same name is fine in another VPC
    other = new_vpc(c, "10.1.0.0/16")
    assert SG_ID.match(
        c.create_security_group(GroupName="web", Description="three", VpcId=other)["GroupId"]
    )


def test_security_group_ingress_authorize_duplicate_revoke(ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    sg_id = c.create_security_group(GroupName="web", Description="d", VpcId=vpc_id)["GroupId"]

    resp = c.authorize_security_group_ingress(GroupId=sg_id, IpPermissions=[HTTPS_FROM_VPC])
    assert resp["Return"] is True
    assert len(resp["SecurityGroupRules"]) == 1
    rule = resp["SecurityGroupRules"][0]
    assert SGR_ID.match(rule["SecurityGroupRuleId"]), rule
    assert rule["GroupId"] == sg_id
    assert rule["GroupOwnerId"] == DEFAULT_ACCOUNT
    assert rule["IsEgress"] is False
    assert rule["IpProtocol"] == "tcp"
    assert rule["FromPort"] == 443
    assert rule["ToPort"] == 443
    assert rule["CidrIpv4"] == "10.0.0.0/16"

    sg = c.describe_security_groups(GroupIds=[sg_id])["SecurityGroups"][0]
    assert len(sg["IpPermissions"]) == 1
    perm = sg["IpPermissions"][0]
    assert (perm["IpProtocol"], perm["FromPort"], perm["ToPort"]) == ("tcp", 443, 443)
    assert cidrs(perm["IpRanges"]) == ["10.0.0.0/16"]

    with raises_code("InvalidPermission.Duplicate") as ei:
        c.authorize_security_group_ingress(GroupId=sg_id, IpPermissions=[HTTPS_FROM_VPC])
    assert "already exists" in err_message(ei)

    # legacy flat parameters describe the same rule -> also a duplicate
    with raises_code("InvalidPermission.Duplicate"):
        c.authorize_security_group_ingress(
            GroupId=sg_id, IpProtocol="tcp", FromPort=443, ToPort=443, CidrIp="10.0.0.0/16"
        )

    revoked = c.revoke_security_group_ingress(GroupId=sg_id, IpPermissions=[HTTPS_FROM_VPC])
    assert revoked["Return"] is True
    sg = c.describe_security_groups(GroupIds=[sg_id])["SecurityGroups"][0]
    assert sg["IpPermissions"] == []


def test_describe_security_group_rules(ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    sg_id = c.create_security_group(GroupName="web", Description="d", VpcId=vpc_id)["GroupId"]
    added = c.authorize_security_group_ingress(GroupId=sg_id, IpPermissions=[HTTPS_FROM_VPC])
    ingress = added["SecurityGroupRules"][0]

    rules = c.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [sg_id]}])["SecurityGroupRules"]
    # The rule AuthorizeSecurityGroupIngress answered, and the default egress rule.
    assert ingress in rules
    assert len(rules) == 2
    egress = next(r for r in rules if r["IsEgress"])
    assert (egress["IpProtocol"], egress["CidrIpv4"], egress["FromPort"]) == ("-1", "0.0.0.0/0", -1)
    assert [r["SecurityGroupRuleId"] for r in rules] == sorted(r["SecurityGroupRuleId"] for r in rules)

    by_id = c.describe_security_group_rules(SecurityGroupRuleIds=[egress["SecurityGroupRuleId"]])
    assert by_id["SecurityGroupRules"] == [egress]
    everything = c.describe_security_group_rules()["SecurityGroupRules"]
    assert {r["GroupId"] for r in everything} >= {sg_id, default_sg(c, vpc_id)["GroupId"]}
    with raises_code("InvalidSecurityGroupRuleId.NotFound"):
        c.describe_security_group_rules(SecurityGroupRuleIds=["sgr-0123456789abcdef0"])
    with raises_code("InvalidSecurityGroupRuleId.Malformed"):
        c.describe_security_group_rules(SecurityGroupRuleIds=["rule-1"])


def test_security_group_ingress_multiple_cidrs_merge_into_one_permission(ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    sg_id = c.create_security_group(GroupName="web", Description="d", VpcId=vpc_id)["GroupId"]
    resp = c.authorize_security_group_ingress(
        GroupId=sg_id,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "10.0.0.0/24"}, {"CidrIp": "10.0.1.0/24"}],
            }
        ],
    )
    assert len(resp["SecurityGroupRules"]) == 2
    assert {r["CidrIpv4"] for r in resp["SecurityGroupRules"]} == {"10.0.0.0/24", "10.0.1.0/24"}
    sg = c.describe_security_groups(GroupIds=[sg_id])["SecurityGroups"][0]
    assert len(sg["IpPermissions"]) == 1
    assert sorted(cidrs(sg["IpPermissions"][0]["IpRanges"])) == ["10.0.0.0/24", "10.0.1.0/24"]


def test_security_group_egress(ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    sg_id = c.create_security_group(GroupName="db", Description="d", VpcId=vpc_id)["GroupId"]
    resp = c.authorize_security_group_egress(
        GroupId=sg_id,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
             "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}
        ],
    )
    assert resp["Return"] is True
    assert len(resp["SecurityGroupRules"]) == 1
    assert resp["SecurityGroupRules"][0]["IsEgress"] is True
    assert resp["SecurityGroupRules"][0]["FromPort"] == 5432

    egress = c.describe_security_groups(GroupIds=[sg_id])["SecurityGroups"][0][
        "IpPermissionsEgress"
    ]
    assert len(egress) == 2
    by_proto = {p["IpProtocol"]: p for p in egress}
    assert set(by_proto) == {"-1", "tcp"}
    assert cidrs(by_proto["-1"]["IpRanges"]) == ["0.0.0.0/0"]
    assert (by_proto["tcp"]["FromPort"], by_proto["tcp"]["ToPort"]) == (5432, 5432)
    assert cidrs(by_proto["tcp"]["IpRanges"]) == ["10.0.0.0/16"]

    # the default egress rule already exists
    with raises_code("InvalidPermission.Duplicate"):
        c.authorize_security_group_egress(
            GroupId=sg_id,
            IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
        )

    c.revoke_security_group_egress(
        GroupId=sg_id,
        IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    egress = c.describe_security_groups(GroupIds=[sg_id])["SecurityGroups"][0][
        "IpPermissionsEgress"
    ]
    assert [p["IpProtocol"] for p in egress] == ["tcp"]


def test_delete_default_security_group_cannot_delete(ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    sg_id = default_sg(c, vpc_id)["GroupId"]
    with raises_code("CannotDelete"):
        c.delete_security_group(GroupId=sg_id)
    assert c.describe_security_groups(GroupIds=[sg_id])["SecurityGroups"][0]["GroupId"] == sg_id


def test_security_group_not_found(ec2):
    c = ec2()
    with raises_code("InvalidGroup.NotFound") as ei:
        c.describe_security_groups(GroupIds=[UNKNOWN_SG])
    assert UNKNOWN_SG in err_message(ei)
    with raises_code("InvalidGroup.NotFound"):
        c.delete_security_group(GroupId=UNKNOWN_SG)
    with raises_code("InvalidGroup.NotFound"):
        c.authorize_security_group_ingress(GroupId=UNKNOWN_SG, IpPermissions=[HTTPS_FROM_VPC])


def test_delete_security_group_referenced_by_other_group(ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    app = c.create_security_group(GroupName="app", Description="d", VpcId=vpc_id)["GroupId"]
    lb = c.create_security_group(GroupName="lb", Description="d", VpcId=vpc_id)["GroupId"]
    from_lb = {
        "IpProtocol": "tcp",
        "FromPort": 8080,
        "ToPort": 8080,
        "UserIdGroupPairs": [{"GroupId": lb}],
    }
    rules = c.authorize_security_group_ingress(GroupId=app, IpPermissions=[from_lb])[
        "SecurityGroupRules"
    ]
    assert rules[0]["ReferencedGroupInfo"]["GroupId"] == lb

    perm = c.describe_security_groups(GroupIds=[app])["SecurityGroups"][0]["IpPermissions"][0]
    assert [p["GroupId"] for p in perm["UserIdGroupPairs"]] == [lb]
    assert perm["UserIdGroupPairs"][0]["UserId"] == DEFAULT_ACCOUNT

    with raises_code("DependencyViolation") as ei:
        c.delete_security_group(GroupId=lb)
    assert lb in err_message(ei)

    c.revoke_security_group_ingress(GroupId=app, IpPermissions=[from_lb])
    deleted = c.delete_security_group(GroupId=lb)
    assert deleted["Return"] is True
    assert deleted["GroupId"] == lb
    with raises_code("InvalidGroup.NotFound"):
        c.describe_security_groups(GroupIds=[lb])


def test_delete_vpc_with_non_default_group_is_dependency_violation(ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    sg_id = c.create_security_group(GroupName="x", Description="d", VpcId=vpc_id)["GroupId"]
    with raises_code("DependencyViolation"):
        c.delete_vpc(VpcId=vpc_id)
    c.delete_security_group(GroupId=sg_id)
    c.delete_vpc(VpcId=vpc_id)


def test_describe_security_groups_filters(ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    web = c.create_security_group(GroupName="web", Description="d", VpcId=vpc_id)["GroupId"]
    c.authorize_security_group_ingress(GroupId=web, IpPermissions=[HTTPS_FROM_VPC])
    db = c.create_security_group(GroupName="db", Description="d", VpcId=vpc_id)["GroupId"]

    in_vpc = c.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
        "SecurityGroups"
    ]
    assert {g["GroupName"] for g in in_vpc} == {"default", "web", "db"}

    by_name = c.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "group-name", "Values": ["db"]},
        ]
    )["SecurityGroups"]
    assert [g["GroupId"] for g in by_name] == [db]

    by_port = c.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "ip-permission.from-port", "Values": ["443"]},
        ]
    )["SecurityGroups"]
    assert [g["GroupId"] for g in by_port] == [web]


# ---------------------------------------------------------------------------
# Route tables (§8.31-8.32)
# ---------------------------------------------------------------------------
def test_route_table_lifecycle(ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    subnet_id = new_subnet(c, vpc_id, "10.0.1.0/24")

    rt = c.create_route_table(VpcId=vpc_id)["RouteTable"]
    rt_id = rt["RouteTableId"]
    assert RTB_ID.match(rt_id), rt_id
    assert rt["VpcId"] == vpc_id
    assert rt["OwnerId"] == DEFAULT_ACCOUNT
    assert rt["Associations"] == []
    assert len(rt["Routes"]) == 1
    local = rt["Routes"][0]
    assert local["DestinationCidrBlock"] == "10.0.0.0/16"
    assert local["GatewayId"] == "local"
    assert local["State"] == "active"
    assert local["Origin"] == "CreateRouteTable"

    # a new table is not main
    mains = c.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"]
    assert len(mains) == 1
    main_id = mains[0]["RouteTableId"]
    assert main_id != rt_id

    assoc = c.associate_route_table(RouteTableId=rt_id, SubnetId=subnet_id)
    assoc_id = assoc["AssociationId"]
    assert RTBASSOC_ID.match(assoc_id), assoc_id
    assert assoc["AssociationState"]["State"] == "associated"

    found = c.describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}]
    )["RouteTables"]
    assert [t["RouteTableId"] for t in found] == [rt_id]
    assocs = found[0]["Associations"]
    assert len(assocs) == 1
    assert assocs[0]["RouteTableAssociationId"] == assoc_id
    assert assocs[0]["SubnetId"] == subnet_id
    assert assocs[0]["RouteTableId"] == rt_id
    assert assocs[0]["Main"] is False

    with raises_code("DependencyViolation"):
        c.delete_route_table(RouteTableId=rt_id)
    with raises_code("DependencyViolation"):
        c.delete_route_table(RouteTableId=main_id)

    c.disassociate_route_table(AssociationId=assoc_id)
    assert c.describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}]
    )["RouteTables"] == []

    # a non-main route table blocks DeleteVpc (after the subnet is gone)
    c.delete_subnet(SubnetId=subnet_id)
    with raises_code("DependencyViolation"):
        c.delete_vpc(VpcId=vpc_id)

    c.delete_route_table(RouteTableId=rt_id)
    with raises_code("InvalidRouteTableID.NotFound") as ei:
        c.describe_route_tables(RouteTableIds=[rt_id])
    assert rt_id in err_message(ei)
    c.delete_vpc(VpcId=vpc_id)


def test_route_table_unknown_ids(ec2):
    c = ec2()
    with raises_code("InvalidVpcID.NotFound"):
        c.create_route_table(VpcId=UNKNOWN_VPC)
    with raises_code("InvalidRouteTableID.NotFound"):
        c.describe_route_tables(RouteTableIds=[UNKNOWN_RTB])
    with raises_code("InvalidRouteTableID.NotFound"):
        c.delete_route_table(RouteTableId=UNKNOWN_RTB)


def test_subnet_free_ip_count_matches_cidr_size(ec2):
    c = ec2()
    vpc_id = new_vpc(c, "10.0.0.0/16")
    for cidr in ("10.0.32.0/20", "10.0.24.0/24", "10.0.27.0/27"):
        sub = c.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone="us-east-1a")[
            "Subnet"
        ]
        size = ipaddress.ip_network(cidr).num_addresses
        assert sub["AvailableIpAddressCount"] == size - 5, (cidr, sub)


def test_describe_security_groups_by_name_in_default_vpc(ec2):
    c = ec2()
    default_id = default_vpc(c)["VpcId"]
    groups = c.describe_security_groups(GroupNames=["default"])["SecurityGroups"]
    assert len(groups) == 1
    assert groups[0]["VpcId"] == default_id
    assert groups[0]["GroupName"] == "default"


def test_security_group_name_may_not_look_like_an_id(ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    with raises_code("InvalidParameterValue"):
        c.create_security_group(GroupName="sg-lookalike", Description="d", VpcId=vpc_id)


def test_describe_security_groups_ids_with_max_results_is_a_bad_combination(ec2):
    c = ec2()
    sg_id = default_sg(c, default_vpc(c)["VpcId"])["GroupId"]
    with raises_code("InvalidParameterCombination"):
        c.describe_security_groups(GroupIds=[sg_id], MaxResults=5)


def test_describe_security_groups_paginator(ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    created = {
        c.create_security_group(GroupName=f"g{i}", Description="d", VpcId=vpc_id)["GroupId"]
        for i in range(6)
    }
    pages = list(
        c.get_paginator("describe_security_groups").paginate(
            Filters=[{"Name": "vpc-id", "Values": [vpc_id]}],
            PaginationConfig={"PageSize": 5},
        )
    )
    seen = [g["GroupId"] for p in pages for g in p["SecurityGroups"]]
    assert len(pages) >= 2
    assert all(len(p["SecurityGroups"]) <= 5 for p in pages)
    assert len(seen) == len(set(seen))
    assert set(seen) == created | {default_sg(c, vpc_id)["GroupId"]}


def test_describe_subnets_attribute_filters(ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    a = new_subnet(c, vpc_id, "10.0.1.0/24", "us-east-1a")
    b = new_subnet(c, vpc_id, "10.0.2.0/24", "us-east-1b")
    zone_b = next(
        z["ZoneId"] for z in c.describe_availability_zones()["AvailabilityZones"]
        if z["ZoneName"] == "us-east-1b"
    )

    def ids(filters):
        return sorted(s["SubnetId"] for s in c.describe_subnets(Filters=filters)["Subnets"])

    assert ids([{"Name": "cidr-block", "Values": ["10.0.1.0/24"]}]) == [a]
    assert ids([{"Name": "subnet-id", "Values": [a, b]}]) == sorted([a, b])
    assert ids([
        {"Name": "vpc-id", "Values": [vpc_id]},
        {"Name": "availability-zone-id", "Values": [zone_b]},
    ]) == [b]
    assert ids([
        {"Name": "vpc-id", "Values": [vpc_id]},
        {"Name": "default-for-az", "Values": ["true"]},
    ]) == []
    assert ids([
        {"Name": "vpc-id", "Values": [vpc_id]},
        {"Name": "available-ip-address-count", "Values": ["251"]},
    ]) == sorted([a, b])


def test_delete_default_vpc_with_default_subnets_is_dependency_violation(ec2):
    c = ec2()
    vpc_id = default_vpc(c)["VpcId"]
    with raises_code("DependencyViolation"):
        c.delete_vpc(VpcId=vpc_id)
