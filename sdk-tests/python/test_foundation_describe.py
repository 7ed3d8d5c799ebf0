"""boto3: tags, filters, pagination, AZs, ENIs, DryRun, account/region isolation, waiters.

References: aws-spec.md §2 (identity), §3.1 (DryRun), §3.4-3.5 (paging/filters),
§8.22, §8.25, §8.33, §8.35-8.38, §14.1, §15 (waiters).
"""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError, WaiterError

from awsemu_helpers import (
    DEFAULT_ACCOUNT,
    UNKNOWN_ENI,
    UNKNOWN_SG,
    UNKNOWN_SUBNET,
    UNKNOWN_VPC,
    VPC_ID,
    default_vpc,
    err_message,
    new_subnet,
    new_vpc,
    raises_code,
    tags_dict,
)

FAST = {"Delay": 0.1, "MaxAttempts": 5}


def _vpc_ids(resp) -> list[str]:
    return [v["VpcId"] for v in resp["Vpcs"]]


# ---------------------------------------------------------------------------
# Tags (§8.36-8.38)
# ---------------------------------------------------------------------------
def test_create_describe_delete_tags(ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    subnet_id = new_subnet(c, vpc_id, "10.0.1.0/24")
    c.create_tags(
        Resources=[vpc_id, subnet_id],
        Tags=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "net"}],
    )

    by_resource = c.describe_tags(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["Tags"]
    assert sorted((t["ResourceId"], t["ResourceType"], t["Key"], t["Value"]) for t in by_resource) == [
        (vpc_id, "vpc", "env", "dev"),
        (vpc_id, "vpc", "team", "net"),
    ]

    by_key = c.describe_tags(Filters=[{"Name": "key", "Values": ["env"]}])["Tags"]
    assert sorted((t["ResourceId"], t["ResourceType"]) for t in by_key) == sorted(
        [(vpc_id, "vpc"), (subnet_id, "subnet")]
    )
    assert {t["Value"] for t in by_key} == {"dev"}

    by_type = c.describe_tags(Filters=[{"Name": "resource-type", "Values": ["subnet"]}])["Tags"]
    assert sorted((t["ResourceId"], t["Key"]) for t in by_type) == [
        (subnet_id, "env"),
        (subnet_id, "team"),
    ]

    combined = c.describe_tags(
        Filters=[
            {"Name": "resource-type", "Values": ["vpc"]},
            {"Name": "key", "Values": ["team"]},
        ]
    )["Tags"]
    assert [(t["ResourceId"], t["Key"], t["Value"]) for t in combined] == [(vpc_id, "team", "net")]

    # overwrite a value
    c.create_tags(Resources=[vpc_id], Tags=[{"Key": "env", "Value": "prod"}])
    vpc = c.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    assert tags_dict(vpc["Tags"]) == {"env": "prod", "team": "net"}

    # DeleteTags with a non-matching value deletes nothing
    c.delete_tags(Resources=[vpc_id], Tags=[{"Key": "env", "Value": "dev"}])
    vpc = c.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    assert tags_dict(vpc["Tags"]) == {"env": "prod", "team": "net"}

    # DeleteTags with a key only deletes whatever the value
    c.delete_tags(Resources=[vpc_id], Tags=[{"Key": "team"}])
    vpc = c.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    assert tags_dict(vpc["Tags"]) == {"env": "prod"}
    remaining = c.describe_tags(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["Tags"]
    assert [(t["Key"], t["Value"]) for t in remaining] == [("env", "prod")]

    # the subnet was not affected
    sub = c.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]
    assert tags_dict(sub["Tags"]) == {"env": "dev", "team": "net"}


def test_describe_tags_resource_types_for_sg_and_route_table(ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    sg_id = c.create_security_group(GroupName="g", Description="d", VpcId=vpc_id)["GroupId"]
    rt_id = c.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    c.create_tags(Resources=[sg_id, rt_id], Tags=[{"Key": "k", "Value": "v"}])
    got = c.describe_tags(Filters=[{"Name": "key", "Values": ["k"]}])["Tags"]
    assert sorted((t["ResourceId"], t["ResourceType"]) for t in got) == sorted(
        [(sg_id, "security-group"), (rt_id, "route-table")]
    )


def test_tag_filters_on_describe_vpcs_and_subnets(ec2):
    c = ec2()
    tagged = new_vpc(c, "10.0.0.0/16")
    untagged = new_vpc(c, "10.1.0.0/16")
    c.create_tags(Resources=[tagged], Tags=[{"Key": "env", "Value": "dev"}])

    assert _vpc_ids(c.describe_vpcs(Filters=[{"Name": "tag-key", "Values": ["env"]}])) == [tagged]
    assert _vpc_ids(c.describe_vpcs(Filters=[{"Name": "tag:env", "Values": ["dev"]}])) == [tagged]
    assert _vpc_ids(c.describe_vpcs(Filters=[{"Name": "tag:env", "Values": ["prod"]}])) == []
    # values of one filter are OR-ed
    assert _vpc_ids(
        c.describe_vpcs(Filters=[{"Name": "tag:env", "Values": ["prod", "dev"]}])
    ) == [tagged]
    # tag filter AND explicit ids
    assert _vpc_ids(
        c.describe_vpcs(VpcIds=[untagged], Filters=[{"Name": "tag-key", "Values": ["env"]}])
    ) == []
    assert untagged not in _vpc_ids(c.describe_vpcs(Filters=[{"Name": "tag-key", "Values": ["env"]}]))

    s1 = new_subnet(c, tagged, "10.0.1.0/24")
    s2 = new_subnet(c, tagged, "10.0.2.0/24", "us-east-1b")
    c.create_tags(Resources=[s1], Tags=[{"Key": "tier", "Value": "public"}])
    c.create_tags(Resources=[s2], Tags=[{"Key": "tier", "Value": "private"}])
    pub = c.describe_subnets(Filters=[{"Name": "tag:tier", "Values": ["public"]}])["Subnets"]
    assert [s["SubnetId"] for s in pub] == [s1]
    any_tier = c.describe_subnets(Filters=[{"Name": "tag-key", "Values": ["tier"]}])["Subnets"]
    assert sorted(s["SubnetId"] for s in any_tier) == sorted([s1, s2])
    both = c.describe_subnets(
        Filters=[
            {"Name": "tag-key", "Values": ["tier"]},
            {"Name": "availability-zone", "Values": ["us-east-1b"]},
        ]
    )["Subnets"]
    assert [s["SubnetId"] for s in both] == [s2]


def test_create_tags_unknown_resources(ec2):
    c = ec2()
    with raises_code("InvalidVpcID.NotFound") as ei:
        c.create_tags(Resources=[UNKNOWN_VPC], Tags=[{"Key": "k", "Value": "v"}])
    assert UNKNOWN_VPC in err_message(ei)
    with raises_code("InvalidSubnetID.NotFound"):
        c.create_tags(Resources=[UNKNOWN_SUBNET], Tags=[{"Key": "k", "Value": "v"}])
    with raises_code("InvalidGroup.NotFound"):
        c.create_tags(Resources=[UNKNOWN_SG], Tags=[{"Key": "k", "Value": "v"}])
    with raises_code("InvalidID") as ei:
        c.create_tags(Resources=["foo-0123456789abcdef0"], Tags=[{"Key": "k", "Value": "v"}])
    assert "foo-0123456789abcdef0" in err_message(ei)
    assert c.describe_tags()["Tags"] == []


# ---------------------------------------------------------------------------
# Filters and pagination (§3.4, §3.5)
# ---------------------------------------------------------------------------
def test_unknown_filter_name_is_invalid_parameter_value(ec2):
    c = ec2()
    with raises_code("InvalidParameterValue") as ei:
        c.describe_vpcs(Filters=[{"Name": "no-such-filter", "Values": ["x"]}])
    assert "no-such-filter" in err_message(ei)
    with raises_code("InvalidParameterValue"):
        c.describe_subnets(Filters=[{"Name": "no-such-filter", "Values": ["x"]}])


def test_tag_value_wildcards(ec2):
    c = ec2()
    app = new_vpc(c, "10.0.0.0/16", name="app")
    api = new_vpc(c, "10.1.0.0/16", name="api")
    new_vpc(c, "10.2.0.0/16", name="backend")
    new_vpc(c, "10.3.0.0/16", name="xapp")
    new_vpc(c, "10.4.0.0/16", name="AP-upper")

    star = c.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["ap*"]}])
    assert sorted(_vpc_ids(star)) == sorted([app, api])
    single = c.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["ap?"]}])
    assert sorted(_vpc_ids(single)) == sorted([app, api])
    exact = c.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["app"]}])
    assert _vpc_ids(exact) == [app]


def test_filters_cidr_state_is_default_owner(ec2):
    c = ec2()
    vpc_id = new_vpc(c, "10.5.0.0/16")
    default_id = default_vpc(c)["VpcId"]
    assert _vpc_ids(c.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.5.0.0/16"]}])) == [
        vpc_id
    ]
    assert _vpc_ids(c.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["false"]}])) == [
        vpc_id
    ]
    assert sorted(
        _vpc_ids(c.describe_vpcs(Filters=[{"Name": "owner-id", "Values": [DEFAULT_ACCOUNT]}]))
    ) == sorted([vpc_id, default_id])
    assert sorted(
        _vpc_ids(c.describe_vpcs(Filters=[{"Name": "state", "Values": ["available"]}]))
    ) == sorted([vpc_id, default_id])
    assert sorted(
        _vpc_ids(c.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc_id, default_id]}]))
    ) == sorted([vpc_id, default_id])


def test_describe_vpcs_paginator_sees_every_vpc_once(ec2):
    c = ec2()
    created = [new_vpc(c, f"10.{i}.0.0/16") for i in range(7)]
    expected = set(created) | {default_vpc(c)["VpcId"]}

    pages = list(
        c.get_paginator("describe_vpcs").paginate(PaginationConfig={"PageSize": 5})
    )
    assert len(pages) >= 2, "8 VPCs with MaxResults=5 need at least two pages"
    seen: list[str] = []
    for page in pages:
        assert len(page["Vpcs"]) <= 5
        seen.extend(v["VpcId"] for v in page["Vpcs"])
    assert len(seen) == len(set(seen)), f"duplicates across pages: {seen}"
    assert set(seen) == expected
    assert "NextToken" in pages[0]
    assert "NextToken" not in pages[-1]


def test_describe_vpcs_paging_with_filter(ec2):
    c = ec2()
    batch = []
    for i in range(7):
        vpc_id = new_vpc(c, f"10.{i}.0.0/16")
        batch.append(vpc_id)
        if i % 2 == 0:
            c.create_tags(Resources=[vpc_id], Tags=[{"Key": "even", "Value": "yes"}])
    c.create_tags(Resources=batch, Tags=[{"Key": "batch", "Value": "b1"}])

    first = c.describe_vpcs(MaxResults=5, Filters=[{"Name": "tag:batch", "Values": ["b1"]}])
    assert len(first["Vpcs"]) <= 5
    assert "NextToken" in first
    second = c.describe_vpcs(
        MaxResults=5,
        NextToken=first["NextToken"],
        Filters=[{"Name": "tag:batch", "Values": ["b1"]}],
    )
    seen = _vpc_ids(first) + _vpc_ids(second)
    while "NextToken" in second:
        second = c.describe_vpcs(
            MaxResults=5,
            NextToken=second["NextToken"],
            Filters=[{"Name": "tag:batch", "Values": ["b1"]}],
        )
        seen += _vpc_ids(second)
    assert sorted(seen) == sorted(batch)

    evens = c.describe_vpcs(Filters=[{"Name": "tag:even", "Values": ["yes"]}])
    assert sorted(_vpc_ids(evens)) == sorted(batch[0::2])


def test_describe_subnets_paginator(ec2):
    c = ec2()
    pages = list(
        c.get_paginator("describe_subnets").paginate(PaginationConfig={"PageSize": 5})
    )
    seen = [s["SubnetId"] for p in pages for s in p["Subnets"]]
    assert len(pages) >= 2
    assert all(len(p["Subnets"]) <= 5 for p in pages)
    assert len(seen) == len(set(seen)) == 6  # six default subnets in us-east-1


@pytest.mark.parametrize("operation", ["describe_vpcs", "describe_subnets"])
def test_max_results_below_range_is_invalid(ec2_unvalidated, operation):
    c = ec2_unvalidated()
    with raises_code("InvalidParameterValue"):
        getattr(c, operation)(MaxResults=4)


# ---------------------------------------------------------------------------
# Availability zones (§8.35)
# ---------------------------------------------------------------------------
def test_describe_availability_zones_us_east_1(ec2):
    zones = ec2().describe_availability_zones()["AvailabilityZones"]
    assert sorted(z["ZoneName"] for z in zones) == [f"us-east-1{c}" for c in "abcdef"]
    ids = [z["ZoneId"] for z in zones]
    assert len(set(ids)) == 6
    for z in zones:
        assert re.match(r"^use1-az[1-6]$", z["ZoneId"]), z
        assert z["State"] == "available"
        assert z["RegionName"] == "us-east-1"
        assert z["ZoneType"] == "availability-zone"
        assert z["OptInStatus"] == "opt-in-not-required"
        assert z["NetworkBorderGroup"] == "us-east-1"
        assert z["GroupName"] == "us-east-1-zg-1"


def test_describe_availability_zones_eu_west_1(ec2):
    zones = ec2(region="eu-west-1").describe_availability_zones()["AvailabilityZones"]
    assert sorted(z["ZoneName"] for z in zones) == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    for z in zones:
        assert re.match(r"^euw1-az[1-3]$", z["ZoneId"]), z
        assert z["State"] == "available"
        assert z["RegionName"] == "eu-west-1"
    assert len({z["ZoneId"] for z in zones}) == 3


def test_describe_availability_zones_by_name_and_filter(ec2):
    c = ec2()
    one = c.describe_availability_zones(ZoneNames=["us-east-1b"])["AvailabilityZones"]
    assert [z["ZoneName"] for z in one] == ["us-east-1b"]
    by_id = c.describe_availability_zones(ZoneIds=[one[0]["ZoneId"]])["AvailabilityZones"]
    assert [z["ZoneName"] for z in by_id] == ["us-east-1b"]
    filtered = c.describe_availability_zones(
        Filters=[{"Name": "zone-name", "Values": ["us-east-1a", "us-east-1f"]}]
    )["AvailabilityZones"]
    assert sorted(z["ZoneName"] for z in filtered) == ["us-east-1a", "us-east-1f"]
    with raises_code("InvalidParameterValue"):
        c.describe_availability_zones(ZoneNames=["us-east-1z"])


# ---------------------------------------------------------------------------
# Network interfaces (§8.33)
# ---------------------------------------------------------------------------
def test_describe_network_interfaces(ec2):
    c = ec2()
    enis = c.describe_network_interfaces()["NetworkInterfaces"]
    assert isinstance(enis, list)
    vpc_id = new_vpc(c)
    new_subnet(c, vpc_id, "10.0.1.0/24")
    in_vpc = c.describe_network_interfaces(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])
    assert in_vpc["NetworkInterfaces"] == []


def test_describe_network_interfaces_unknown_id(ec2):
    with raises_code("InvalidNetworkInterfaceID.NotFound") as ei:
        ec2().describe_network_interfaces(NetworkInterfaceIds=[UNKNOWN_ENI])
    assert UNKNOWN_ENI in err_message(ei)


# ---------------------------------------------------------------------------
# DryRun (§3.1)
# ---------------------------------------------------------------------------
def test_dry_run_create_vpc(ec2):
    c = ec2()
    with raises_code("DryRunOperation", status=412) as ei:
        c.create_vpc(CidrBlock="10.9.0.0/16", DryRun=True)
    assert err_message(ei) == "Request would have succeeded, but DryRun flag is set."
    assert c.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.9.0.0/16"]}])["Vpcs"] == []
    assert len(c.describe_vpcs()["Vpcs"]) == 1


def test_dry_run_other_operations(ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    with raises_code("DryRunOperation", status=412):
        c.create_subnet(
            VpcId=vpc_id, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a", DryRun=True
        )
    with raises_code("DryRunOperation", status=412):
        c.describe_vpcs(DryRun=True)
    with raises_code("DryRunOperation", status=412):
        c.delete_vpc(VpcId=vpc_id, DryRun=True)
    # nothing happened
    assert c.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"] == []
    assert _vpc_ids(c.describe_vpcs(VpcIds=[vpc_id])) == [vpc_id]


def test_dry_run_invalid_request_gets_validation_error(ec2):
    c = ec2()
    with raises_code("InvalidVpc.Range"):
        c.create_vpc(CidrBlock="10.0.0.0/8", DryRun=True)
    with raises_code("MissingParameter"):
        c.create_vpc(DryRun=True)


# ---------------------------------------------------------------------------
# Account / region isolation (§2)
# ---------------------------------------------------------------------------
def test_account_and_region_isolation(ec2):
    a_east = ec2("111111111111", "us-east-1")
    b_east = ec2("222222222222", "us-east-1")
    a_west = ec2("111111111111", "us-west-2")

    vpc = a_east.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]
    vpc_id = vpc["VpcId"]
    assert vpc["OwnerId"] == "111111111111"
    assert _vpc_ids(a_east.describe_vpcs(VpcIds=[vpc_id])) == [vpc_id]

    b_vpcs = b_east.describe_vpcs()["Vpcs"]
    assert vpc_id not in [v["VpcId"] for v in b_vpcs]
    assert [(v["IsDefault"], v["OwnerId"]) for v in b_vpcs] == [(True, "222222222222")]

    west_vpcs = a_west.describe_vpcs()["Vpcs"]
    assert vpc_id not in [v["VpcId"] for v in west_vpcs]
    assert [(v["IsDefault"], v["OwnerId"]) for v in west_vpcs] == [(True, "111111111111")]

    with raises_code("InvalidVpcID.NotFound"):
        b_east.describe_vpcs(VpcIds=[vpc_id])
    with raises_code("InvalidVpcID.NotFound"):
        a_west.describe_vpcs(VpcIds=[vpc_id])
    with raises_code("InvalidVpcID.NotFound"):
        b_east.create_subnet(VpcId=vpc_id, CidrBlock="10.42.1.0/24", AvailabilityZone="us-east-1a")
    with raises_code("InvalidVpcID.NotFound"):
        b_east.delete_vpc(VpcId=vpc_id)

    # default VPCs are per account x region
    ids = {
        default_vpc(a_east)["VpcId"],
        default_vpc(b_east)["VpcId"],
        default_vpc(a_west)["VpcId"],
    }
    assert len(ids) == 3

    # the default account never saw any of this
    default_only = ec2().describe_vpcs()["Vpcs"]
    assert [(v["IsDefault"], v["OwnerId"]) for v in default_only] == [(True, DEFAULT_ACCOUNT)]


def test_non_numeric_access_key_maps_to_default_account(ec2):
    vpc = ec2("AKIAIOSFODNN7EXAMPLE").create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]
    assert vpc["OwnerId"] == DEFAULT_ACCOUNT
    assert _vpc_ids(ec2().describe_vpcs(VpcIds=[vpc["VpcId"]])) == [vpc["VpcId"]]
    # an 11-digit key is not an account id either
    assert vpc["VpcId"] in _vpc_ids(ec2("12345678901").describe_vpcs())


def test_security_group_isolated_between_accounts(ec2):
    a = ec2("111111111111")
    b = ec2("222222222222")
    sg_id = a.create_security_group(GroupName="x", Description="d")["GroupId"]
    with raises_code("InvalidGroup.NotFound"):
        b.describe_security_groups(GroupIds=[sg_id])
    sg = a.describe_security_groups(GroupIds=[sg_id])["SecurityGroups"][0]
    assert sg["OwnerId"] == "111111111111"
    assert sg["SecurityGroupArn"] == f"arn:aws:ec2:us-east-1:111111111111:security-group/{sg_id}"


# ---------------------------------------------------------------------------
# Waiters (§15)
# ---------------------------------------------------------------------------
def test_waiters_succeed(ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    assert VPC_ID.match(vpc_id)
    c.get_waiter("vpc_exists").wait(VpcIds=[vpc_id], WaiterConfig=FAST)
    c.get_waiter("vpc_available").wait(VpcIds=[vpc_id], WaiterConfig=FAST)
    subnet_id = new_subnet(c, vpc_id, "10.0.1.0/24")
    c.get_waiter("subnet_available").wait(SubnetIds=[subnet_id], WaiterConfig=FAST)
    sg_id = c.create_security_group(GroupName="w", Description="d", VpcId=vpc_id)["GroupId"]
    c.get_waiter("security_group_exists").wait(GroupIds=[sg_id], WaiterConfig=FAST)


def test_vpc_exists_waiter_gives_up_on_unknown_vpc(ec2):
    c = ec2()
    with pytest.raises(WaiterError) as ei:
        c.get_waiter("vpc_exists").wait(
            VpcIds=[UNKNOWN_VPC], WaiterConfig={"Delay": 0.1, "MaxAttempts": 2}
        )
    # retried on InvalidVpcID.NotFound until attempts ran out (not a failure acceptor)
    assert "Max attempts exceeded" in str(ei.value)
    assert ei.value.last_response["Error"]["Code"] == "InvalidVpcID.NotFound"


def test_security_group_exists_waiter_gives_up_on_unknown_group(ec2):
    c = ec2()
    with pytest.raises(WaiterError) as ei:
        c.get_waiter("security_group_exists").wait(
            GroupIds=[UNKNOWN_SG], WaiterConfig={"Delay": 0.1, "MaxAttempts": 2}
        )
    assert "Max attempts exceeded" in str(ei.value)
    assert ei.value.last_response["Error"]["Code"] == "InvalidGroup.NotFound"


def test_describe_tags_paginator(ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    c.create_tags(Resources=[vpc_id], Tags=[{"Key": f"k{i}", "Value": str(i)} for i in range(7)])
    pages = list(c.get_paginator("describe_tags").paginate(PaginationConfig={"PageSize": 5}))
    seen = [(t["ResourceId"], t["Key"]) for p in pages for t in p["Tags"]]
    assert len(pages) >= 2
    assert all(len(p["Tags"]) <= 5 for p in pages)
    assert sorted(seen) == sorted((vpc_id, f"k{i}") for i in range(7))


def test_reserved_aws_tag_prefix_is_rejected(ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    with raises_code("InvalidParameterValue"):
        c.create_tags(Resources=[vpc_id], Tags=[{"Key": "aws:owner", "Value": "me"}])
    assert c.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0].get("Tags", []) == []


def test_malformed_vpc_id(ec2):
    with pytest.raises(ClientError) as ei:
        ec2().describe_vpcs(VpcIds=["vpc-not-hex!"])
    # Both spellings have been observed from AWS (aws-spec.md §8.22).
    assert ei.value.response["Error"]["Code"] in ("InvalidVpcID.Malformed", "InvalidVpcId.Malformed")
    assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
