"""boto3: EC2 tag limits and Describe filters as AWS accepts them (issue 12,
items 10 and 11). docs/ec2-filters.md lists the names per call.

Tags: 50 per resource (an overwritten key does not count twice), keys of
1..128 and values of at most 256 Unicode characters, ``aws:`` keys refused by
CreateTags, DeleteTags and TagSpecifications with AWS's messages, DeleteTags
by key or by key and value, TagSpecifications on every create that has them
(wrong ResourceType refused), security group rules taggable.

Filters: every documented name selects the right resources and leaves out the
others; values OR-ed, filters AND-ed, ``*``/``?`` wildcards and ``\\``
escapes; unknown names (and tag filters on untagged things) give
``InvalidParameterValue`` "The filter '<name>' is invalid"; a filter without
values matches nothing.
"""

from __future__ import annotations

import pytest

from awsemu_helpers import (
    DEFAULT_ACCOUNT,
    err_message,
    new_subnet,
    new_vpc,
    raises_code,
    tags_dict,
)


def f(name: str, *values: str) -> list[dict]:
    return [{"Name": name, "Values": list(values)}]


def spec(kind: str, **tags: str) -> list[dict]:
    return [{"ResourceType": kind, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]


def ids(items: list[dict], key: str) -> set[str]:
    return {i[key] for i in items}


# ---------------------------------------------------------------------------
# Tag limits and errors


def test_fifty_tags_per_resource_and_overwrites_do_not_count(ec2):
    c = ec2()
    vpc = new_vpc(c)
    other = new_vpc(c, "10.1.0.0/16")
    fifty = [{"Key": f"k{i}", "Value": "v"} for i in range(50)]
    c.create_tags(Resources=[vpc], Tags=fifty)
    # Overwriting keys already there is fine at the limit.
    c.create_tags(Resources=[vpc], Tags=[{"Key": "k0", "Value": "new"}])
    with raises_code("TagLimitExceeded") as e:
        c.create_tags(Resources=[vpc], Tags=[{"Key": "k50", "Value": "v"}])
    assert err_message(e) == "The maximum number of Tags for a resource has been reached."
    # One resource over the limit: no resource of the call changes.
    with raises_code("TagLimitExceeded"):
        c.create_tags(Resources=[other, vpc], Tags=[{"Key": "k50", "Value": "v"}])
    assert c.describe_tags(Filters=f("resource-id", other))["Tags"] == []
    got = c.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]
    assert len(got["Tags"]) == 50
    assert tags_dict(got["Tags"])["k0"] == "new"
    # 51 on create is refused too.
    with raises_code("TagLimitExceeded"):
        c.create_vpc(CidrBlock="10.2.0.0/16", TagSpecifications=[
            {"ResourceType": "vpc", "Tags": fifty + [{"Key": "extra", "Value": ""}]}])
    # Deleting makes room again.
    c.delete_tags(Resources=[vpc], Tags=[{"Key": "k1"}])
    c.create_tags(Resources=[vpc], Tags=[{"Key": "k50", "Value": "v"}])


def test_key_and_value_lengths_count_unicode_characters(ec2):
    c = ec2()
    vpc = new_vpc(c)
    c.create_tags(Resources=[vpc], Tags=[{"Key": "é" * 128, "Value": "ü" * 256}])
    with raises_code("InvalidParameterValue") as e:
        c.create_tags(Resources=[vpc], Tags=[{"Key": "k" * 129, "Value": ""}])
    assert "128" in err_message(e)
    with raises_code("InvalidParameterValue") as e:
        c.create_tags(Resources=[vpc], Tags=[{"Key": "k", "Value": "v" * 257}])
    assert err_message(e) == "Tag value exceeds the maximum length of 256 characters"
    with raises_code("InvalidParameterValue"):
        c.create_tags(Resources=[vpc], Tags=[{"Key": "", "Value": "v"}])
    with raises_code("InvalidParameterValue"):
        c.create_security_group(GroupName="g", Description="d", VpcId=vpc,
                                TagSpecifications=spec("security-group", **{"x": "v" * 257}))
    assert tags_dict(c.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["Tags"]) == {"é" * 128: "ü" * 256}
    # An empty value is a value.
    c.create_tags(Resources=[vpc], Tags=[{"Key": "empty", "Value": ""}])
    assert tags_dict(c.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["Tags"])["empty"] == ""


def test_aws_prefix_is_reserved(ec2):
    c = ec2()
    vpc = new_vpc(c)
    for key in ("aws:cloudformation:stack-name", "AWS:x"):
        with raises_code("InvalidParameterValue") as e:
            c.create_tags(Resources=[vpc], Tags=[{"Key": "ok", "Value": "1"}, {"Key": key, "Value": "v"}])
        assert err_message(e) == (
            f"Value ( {key} ) for parameter key is invalid. "
            "Tag keys starting with 'aws:' are reserved for internal use")
    # Nothing of the refused call was applied.
    assert c.describe_tags(Filters=f("resource-id", vpc))["Tags"] == []
    with raises_code("InvalidParameterValue") as e:
        c.create_internet_gateway(TagSpecifications=spec("internet-gateway", **{"aws:x": "v"}))
    assert err_message(e) == "Tag keys starting with 'aws:' are reserved for internal use"
    assert c.describe_internet_gateways(Filters=f("tag-key", "aws:x"))["InternetGateways"] == []
    # DeleteTags of an aws: key fails as a whole.
    c.create_tags(Resources=[vpc], Tags=[{"Key": "keep", "Value": "1"}])
    with raises_code("InvalidParameterValue") as e:
        c.delete_tags(Resources=[vpc], Tags=[{"Key": "keep"}, {"Key": "aws:cloudformation:logical-id"}])
    assert "reserved for internal use" in err_message(e)
    assert tags_dict(c.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["Tags"]) == {"keep": "1"}
    # Keys that merely contain aws: are the caller's.
    c.create_tags(Resources=[vpc], Tags=[{"Key": "team:aws:owner", "Value": "x"}])


def test_delete_tags_by_key_by_value_and_all(ec2):
    c = ec2()
    vpc = new_vpc(c)
    c.create_tags(Resources=[vpc], Tags=[
        {"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"},
        {"Key": "c", "Value": ""}, {"Key": "d", "Value": "4"}])
    # A value that does not match is a no-op, not an error.
    c.delete_tags(Resources=[vpc], Tags=[{"Key": "a", "Value": "other"}])
    # An empty value deletes only an empty value.
    c.delete_tags(Resources=[vpc], Tags=[{"Key": "b", "Value": ""}, {"Key": "c", "Value": ""}])
    # A key alone deletes whatever the value; an absent key is a no-op.
    c.delete_tags(Resources=[vpc], Tags=[{"Key": "d"}, {"Key": "nope"}])
    assert tags_dict(c.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["Tags"]) == {"a": "1", "b": "2"}
    c.delete_tags(Resources=[vpc], Tags=[{"Key": "a", "Value": "1"}])
    assert tags_dict(c.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["Tags"]) == {"b": "2"}
    # No Tag.N: every tag goes.
    c.delete_tags(Resources=[vpc])
    assert c.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["Tags"] == []


def _creators(c, vpc: str, subnet: str):
    """(resource type, create(tag_specs) -> (id, tags as the create answered))."""
    def sg(ts):
        r = c.create_security_group(GroupName="tagged", Description="d", VpcId=vpc, TagSpecifications=ts)
        return r["GroupId"], r.get("Tags")

    return [
        ("vpc", lambda ts: (lambda v: (v["VpcId"], v.get("Tags")))(
            c.create_vpc(CidrBlock="10.9.0.0/16", TagSpecifications=ts)["Vpc"])),
        ("subnet", lambda ts: (lambda s: (s["SubnetId"], s.get("Tags")))(
            c.create_subnet(VpcId=vpc, CidrBlock="10.0.9.0/24", TagSpecifications=ts)["Subnet"])),
        ("security-group", sg),
        ("route-table", lambda ts: (lambda t: (t["RouteTableId"], t.get("Tags")))(
            c.create_route_table(VpcId=vpc, TagSpecifications=ts)["RouteTable"])),
        ("network-acl", lambda ts: (lambda a: (a["NetworkAclId"], a.get("Tags")))(
            c.create_network_acl(VpcId=vpc, TagSpecifications=ts)["NetworkAcl"])),
        ("internet-gateway", lambda ts: (lambda g: (g["InternetGatewayId"], g.get("Tags")))(
            c.create_internet_gateway(TagSpecifications=ts)["InternetGateway"])),
        ("egress-only-internet-gateway", lambda ts: (lambda g: (g["EgressOnlyInternetGatewayId"], g.get("Tags")))(
            c.create_egress_only_internet_gateway(VpcId=vpc, TagSpecifications=ts)["EgressOnlyInternetGateway"])),
        # AllocateAddress answers no tags (AWS's model has none there).
        ("elastic-ip", lambda ts: (lambda a: (a["AllocationId"], a.get("Tags")))(
            c.describe_addresses(AllocationIds=[
                c.allocate_address(Domain="vpc", TagSpecifications=ts)["AllocationId"]])["Addresses"][0])),
        ("natgateway", lambda ts: (lambda g: (g["NatGatewayId"], g.get("Tags")))(
            c.create_nat_gateway(SubnetId=subnet, ConnectivityType="private", TagSpecifications=ts)["NatGateway"])),
        ("network-interface", lambda ts: (lambda e: (e["NetworkInterfaceId"], e.get("TagSet")))(
            c.create_network_interface(SubnetId=subnet, TagSpecifications=ts)["NetworkInterface"])),
        ("dhcp-options", lambda ts: (lambda d: (d["DhcpOptionsId"], d.get("Tags")))(
            c.create_dhcp_options(DhcpConfigurations=[{"Key": "domain-name", "Values": ["x.internal"]}],
                                  TagSpecifications=ts)["DhcpOptions"])),
        ("vpc-endpoint", lambda ts: (lambda e: (e["VpcEndpointId"], e.get("Tags")))(
            c.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.s3",
                                  VpcEndpointType="Gateway", TagSpecifications=ts)["VpcEndpoint"])),
    ]


def test_tag_specifications_on_every_create_and_wrong_resource_type(ec2):
    c = ec2()
    vpc = new_vpc(c)
    subnet = new_subnet(c, vpc, "10.0.1.0/24")
    for kind, create in _creators(c, vpc, subnet):
        # Another resource type is refused, and nothing is made.
        wrong = "instance" if kind != "instance" else "vpc"
        with raises_code("InvalidParameterValue") as e:
            create(spec(wrong, Name="x"))
        assert err_message(e) == f"'{wrong}' is not a valid taggable resource type for this operation.", kind
        rid, tags = create(spec(kind, Name=f"n-{kind}", Team="t"))
        assert tags_dict(tags) == {"Name": f"n-{kind}", "Team": "t"}, kind
        rows = c.describe_tags(Filters=f("resource-id", rid))["Tags"]
        assert {(r["Key"], r["Value"], r["ResourceType"]) for r in rows} == {
            ("Name", f"n-{kind}", kind), ("Team", "t", kind)}, kind
    # Only the right-typed creates made anything.
    assert len(c.describe_tags(Filters=f("key", "Name"))["Tags"]) == len(_creators(c, vpc, subnet))


def test_tag_specification_without_resource_type(ec2):
    c = ec2()
    before = len(c.describe_internet_gateways()["InternetGateways"])
    with raises_code("InvalidParameter") as e:
        c.create_internet_gateway(TagSpecifications=[{"Tags": [{"Key": "a", "Value": "b"}]}])
    assert err_message(e) == "Tag specification resource type must have a value"
    assert len(c.describe_internet_gateways()["InternetGateways"]) == before


def test_security_group_rules_are_taggable(ec2):
    c = ec2()
    vpc = new_vpc(c)
    sg = c.create_security_group(GroupName="web", Description="d", VpcId=vpc)["GroupId"]
    with raises_code("InvalidParameterValue"):
        c.authorize_security_group_ingress(
            GroupId=sg, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                                        "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}],
            TagSpecifications=spec("security-group", Name="x"))
    r = c.authorize_security_group_ingress(
        GroupId=sg, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
        TagSpecifications=spec("security-group-rule", Name="https"))["SecurityGroupRules"]
    assert len(r) == 1 and tags_dict(r[0]["Tags"]) == {"Name": "https"}
    https = r[0]["SecurityGroupRuleId"]
    e = c.authorize_security_group_egress(
        GroupId=sg, IpPermissions=[{"IpProtocol": "udp", "FromPort": 53, "ToPort": 53,
                                    "IpRanges": [{"CidrIp": "10.0.0.2/32"}]}],
        TagSpecifications=spec("security-group-rule", Name="dns"))["SecurityGroupRules"]
    dns = e[0]["SecurityGroupRuleId"]
    # CreateTags and DescribeTags know sgr- ids.
    c.create_tags(Resources=[https], Tags=[{"Key": "env", "Value": "prod"}])
    rows = c.describe_tags(Filters=f("resource-type", "security-group-rule"))["Tags"]
    assert {(x["ResourceId"], x["Key"]) for x in rows} == {(https, "Name"), (https, "env"), (dns, "Name")}
    with raises_code("InvalidSecurityGroupRuleId.NotFound"):
        c.create_tags(Resources=["sgr-0123456789abcdef0"], Tags=[{"Key": "a", "Value": "b"}])
    # DescribeSecurityGroupRules filters by the rule's tags.
    got = c.describe_security_group_rules(Filters=f("tag:Name", "https", "dns"))["SecurityGroupRules"]
    assert ids(got, "SecurityGroupRuleId") == {https, dns}
    got = c.describe_security_group_rules(Filters=f("tag:env", "prod"))["SecurityGroupRules"]
    assert ids(got, "SecurityGroupRuleId") == {https}
    assert tags_dict(got[0]["Tags"]) == {"Name": "https", "env": "prod"}
    got = c.describe_security_group_rules(Filters=f("group-id", sg) + f("tag-key", "Name"))["SecurityGroupRules"]
    assert ids(got, "SecurityGroupRuleId") == {https, dns}
    got = c.describe_security_group_rules(Filters=f("group-id", sg))["SecurityGroupRules"]
    assert len(got) == 3  # the default egress rule too
    c.delete_tags(Resources=[https], Tags=[{"Key": "env"}])
    assert c.describe_security_group_rules(Filters=f("tag:env", "prod"))["SecurityGroupRules"] == []


def test_describe_tags_filters_and_paging(ec2):
    c = ec2()
    vpc = new_vpc(c)
    sg = c.create_security_group(GroupName="g", Description="d", VpcId=vpc)["GroupId"]
    igw = c.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    c.create_tags(Resources=[vpc, sg, igw], Tags=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "blue"}])
    c.create_tags(Resources=[igw], Tags=[{"Key": "env", "Value": "prod"}])

    def rows(*filters):
        out = c.describe_tags(Filters=[x for fl in filters for x in fl])["Tags"]
        return {(r["ResourceId"], r["Key"], r["Value"]) for r in out}

    assert rows(f("key", "env")) == {(vpc, "env", "dev"), (sg, "env", "dev"), (igw, "env", "prod")}
    assert rows(f("value", "prod", "blue")) == {(igw, "env", "prod"), (vpc, "team", "blue"),
                                                (sg, "team", "blue"), (igw, "team", "blue")}
    assert rows(f("resource-type", "internet-gateway")) == {(igw, "env", "prod"), (igw, "team", "blue")}
    assert rows(f("resource-id", vpc, sg), f("key", "team")) == {(vpc, "team", "blue"), (sg, "team", "blue")}
    assert rows(f("tag:env", "prod")) == {(igw, "env", "prod")}
    assert rows(f("key", "t*"), f("value", "bl?e")) == {(vpc, "team", "blue"), (sg, "team", "blue"),
                                                         (igw, "team", "blue")}
    assert rows(f("resource-id", "vpc-*"), f("value", "d*")) == {(vpc, "env", "dev")}
    with raises_code("InvalidParameterValue") as e:
        c.describe_tags(Filters=f("resource", vpc))
    assert err_message(e) == "The filter 'resource' is invalid"
    # Paging: every row once.
    seen = []
    for page in c.get_paginator("describe_tags").paginate(PaginationConfig={"PageSize": 5}):
        assert len(page["Tags"]) <= 5
        seen += [(r["ResourceId"], r["Key"]) for r in page["Tags"]]
    assert len(seen) == len(set(seen)) == 6


# ---------------------------------------------------------------------------
# Filter semantics shared by every Describe


UNKNOWN_FILTER_CALLS = [
    ("describe_security_groups", {}),
    ("describe_security_group_rules", {}),
    ("describe_route_tables", {}),
    ("describe_internet_gateways", {}),
    ("describe_egress_only_internet_gateways", {}),
    ("describe_addresses", {}),
    ("describe_dhcp_options", {}),
    ("describe_network_acls", {}),
    ("describe_vpc_endpoints", {}),
    ("describe_vpc_endpoint_services", {}),
    ("describe_vpc_endpoint_service_configurations", {}),
    ("describe_vpc_endpoint_connections", {}),
    ("describe_vpc_endpoint_connection_notifications", {}),
    ("describe_prefix_lists", {}),
    ("describe_availability_zones", {}),
    ("describe_regions", {}),
    ("describe_tags", {}),
]


@pytest.mark.parametrize("op,kwargs", UNKNOWN_FILTER_CALLS, ids=[c[0] for c in UNKNOWN_FILTER_CALLS])
def test_unknown_filter_names_are_refused(ec2, op, kwargs):
    c = ec2()
    for name in ("colour", "VPC-ID", "vpc_id"):
        with raises_code("InvalidParameterValue") as e:
            getattr(c, op)(Filters=f(name, "x"), **kwargs)
        assert err_message(e) == f"The filter '{name}' is invalid"


def test_unknown_filter_names_nat_gateways(ec2):
    # DescribeNatGateways names its list `Filter`.
    c = ec2()
    with raises_code("InvalidParameterValue") as e:
        c.describe_nat_gateways(Filter=f("colour", "x"))
    assert err_message(e) == "The filter 'colour' is invalid"


def test_tag_filters_only_where_things_have_tags(ec2):
    c = ec2()
    for op in ("describe_availability_zones", "describe_regions", "describe_prefix_lists",
               "describe_vpc_endpoint_connection_notifications"):
        for name in ("tag:Name", "tag-key"):
            with raises_code("InvalidParameterValue") as e:
                getattr(c, op)(Filters=f(name, "x"))
            assert err_message(e) == f"The filter '{name}' is invalid", op
    # Taggable kinds take them.
    c.describe_vpc_endpoint_connections(Filters=f("tag:Name", "x"))
    c.describe_egress_only_internet_gateways(Filters=f("tag-value", "x"))


def test_filter_without_values_matches_nothing(ec2):
    c = ec2()
    new_vpc(c)
    assert c.describe_security_groups(Filters=[{"Name": "vpc-id"}])["SecurityGroups"] == []
    assert c.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": []}])["RouteTables"] == []
    assert c.describe_availability_zones(Filters=[{"Name": "zone-name"}])["AvailabilityZones"] == []


def test_wildcards_and_escapes_in_values(ec2):
    c = ec2()
    vpc = new_vpc(c)
    star = c.create_internet_gateway(TagSpecifications=spec("internet-gateway", Name="a*b"))
    star = star["InternetGateway"]["InternetGatewayId"]
    plain = c.create_internet_gateway(TagSpecifications=spec("internet-gateway", Name="axb"))
    plain = plain["InternetGateway"]["InternetGatewayId"]
    q = c.create_internet_gateway(TagSpecifications=spec("internet-gateway", Name="a?"))
    q = q["InternetGateway"]["InternetGatewayId"]

    def igws(*values):
        return ids(c.describe_internet_gateways(Filters=f("tag:Name", *values))["InternetGateways"],
                   "InternetGatewayId")

    assert igws("a*b") == {star, plain}
    assert igws("a\\*b") == {star}
    assert igws("a?b") == {star, plain}
    assert igws("a\\?") == {q}
    assert igws("a?") == {q}
    assert igws("*") == {star, plain, q}
    assert igws("A*") == set()  # case-sensitive
    # Several values OR-ed, several filters AND-ed.
    assert igws("axb", "a?") == {plain, q}
    c.attach_internet_gateway(InternetGatewayId=plain, VpcId=vpc)
    got = c.describe_internet_gateways(Filters=f("tag:Name", "a*") + f("attachment.vpc-id", vpc))
    assert ids(got["InternetGateways"], "InternetGatewayId") == {plain}


# ---------------------------------------------------------------------------
# Per Describe: names select the right resources and leave the others out


def test_security_group_filters(ec2):
    c = ec2()
    vpc = new_vpc(c)
    other = new_vpc(c, "10.1.0.0/16")
    web = c.create_security_group(GroupName="web", Description="web tier", VpcId=vpc,
                                  TagSpecifications=spec("security-group", tier="web"))["GroupId"]
    db = c.create_security_group(GroupName="db", Description="database", VpcId=vpc)["GroupId"]
    c.authorize_security_group_ingress(GroupId=web, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
         "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])
    c.authorize_security_group_ingress(GroupId=db, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": web}]}])
    c.revoke_security_group_egress(GroupId=db, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    c.authorize_security_group_egress(GroupId=db, IpPermissions=[
        {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "IpRanges": [{"CidrIp": "10.0.0.2/32"}]}])

    def groups(*filters):
        out = c.describe_security_groups(Filters=[x for fl in filters for x in fl])["SecurityGroups"]
        return {g["GroupId"] for g in out}

    in_vpc = groups(f("vpc-id", vpc))
    assert web in in_vpc and db in in_vpc and len(in_vpc) == 3  # and the default group
    assert groups(f("vpc-id", other), f("group-name", "web")) == set()
    assert groups(f("group-name", "web", "db")) == {web, db}
    assert groups(f("group-id", web)) == {web}
    assert groups(f("description", "data*")) == {db}
    assert web in groups(f("owner-id", DEFAULT_ACCOUNT))
    assert groups(f("owner-id", "111111111111")) == set()
    assert groups(f("tag:tier", "web")) == {web}
    assert groups(f("tag-key", "tier")) == {web}
    assert groups(f("ip-permission.cidr", "0.0.0.0/0")) == {web}
    assert groups(f("ip-permission.ipv6-cidr", "::/0")) == {web}
    assert groups(f("ip-permission.from-port", "5432")) == {db}
    assert groups(f("ip-permission.to-port", "443")) == {web}
    assert groups(f("ip-permission.protocol", "tcp"), f("vpc-id", vpc)) == {web, db}
    assert groups(f("ip-permission.group-id", web)) == {db}
    assert groups(f("ip-permission.group-name", "web")) == {db}
    assert groups(f("ip-permission.user-id", DEFAULT_ACCOUNT), f("vpc-id", vpc)) - {web} >= {db}
    assert groups(f("egress.ip-permission.cidr", "10.0.0.2/32")) == {db}
    assert groups(f("egress.ip-permission.protocol", "udp")) == {db}
    assert groups(f("egress.ip-permission.from-port", "53")) == {db}
    assert groups(f("egress.ip-permission.to-port", "53")) == {db}
    assert db not in groups(f("egress.ip-permission.cidr", "0.0.0.0/0"), f("vpc-id", vpc))
    assert groups(f("egress.ip-permission.group-id", web)) == set()
    for name in ("egress.ip-permission.ipv6-cidr", "egress.ip-permission.prefix-list-id",
                 "egress.ip-permission.group-name", "egress.ip-permission.user-id",
                 "ip-permission.prefix-list-id"):
        assert groups(f(name, "nothing")) == set()


def test_security_group_rule_filters(ec2):
    c = ec2()
    vpc = new_vpc(c)
    a = c.create_security_group(GroupName="a", Description="d", VpcId=vpc)["GroupId"]
    b = c.create_security_group(GroupName="b", Description="d", VpcId=vpc)["GroupId"]
    rule = c.authorize_security_group_ingress(GroupId=a, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )["SecurityGroupRules"][0]["SecurityGroupRuleId"]
    got = c.describe_security_group_rules(Filters=f("group-id", a))["SecurityGroupRules"]
    assert {r["GroupId"] for r in got} == {a} and len(got) == 2
    got = c.describe_security_group_rules(Filters=f("security-group-rule-id", rule))["SecurityGroupRules"]
    assert ids(got, "SecurityGroupRuleId") == {rule}
    got = c.describe_security_group_rules(Filters=f("group-id", a, b))["SecurityGroupRules"]
    assert {r["GroupId"] for r in got} == {a, b}


def test_route_table_filters(ec2):
    c = ec2()
    vpc = new_vpc(c)
    subnet = new_subnet(c, vpc, "10.0.1.0/24")
    main = c.describe_route_tables(Filters=f("vpc-id", vpc) + f("association.main", "true"))["RouteTables"]
    assert len(main) == 1
    main = main[0]["RouteTableId"]
    igw = c.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    c.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    public = c.create_route_table(VpcId=vpc, TagSpecifications=spec("route-table", Name="public"))
    public = public["RouteTable"]["RouteTableId"]
    c.create_route(RouteTableId=public, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    assoc = c.associate_route_table(RouteTableId=public, SubnetId=subnet)["AssociationId"]
    eigw = c.create_egress_only_internet_gateway(VpcId=vpc)["EgressOnlyInternetGateway"]
    c.create_route(RouteTableId=public, DestinationIpv6CidrBlock="::/0",
                   EgressOnlyInternetGatewayId=eigw["EgressOnlyInternetGatewayId"])
    dead = c.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    gone = c.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    c.attach_internet_gateway(InternetGatewayId=gone, VpcId=new_vpc(c, "10.5.0.0/16"))

    def tables(*filters):
        out = c.describe_route_tables(Filters=[x for fl in filters for x in fl])["RouteTables"]
        return {t["RouteTableId"] for t in out}

    assert tables(f("vpc-id", vpc)) == {main, public, dead}
    # Only tables with an association show up for association.main=false.
    assert tables(f("vpc-id", vpc), f("association.main", "false")) == {public}
    assert tables(f("route-table-id", public, dead)) == {public, dead}
    assert tables(f("association.subnet-id", subnet)) == {public}
    assert tables(f("association.route-table-association-id", assoc)) == {public}
    assert tables(f("association.route-table-id", public)) == {public}
    assert tables(f("route.gateway-id", igw)) == {public}
    assert tables(f("route.gateway-id", "local"), f("vpc-id", vpc)) == {main, public, dead}
    assert tables(f("route.destination-cidr-block", "0.0.0.0/0"), f("vpc-id", vpc)) == {public}
    assert tables(f("route.destination-ipv6-cidr-block", "::/0")) == {public}
    assert tables(f("route.egress-only-internet-gateway-id", eigw["EgressOnlyInternetGatewayId"])) == {public}
    assert tables(f("route.origin", "CreateRoute"), f("vpc-id", vpc)) == {public}
    assert tables(f("route.origin", "CreateRouteTable"), f("vpc-id", vpc)) == {main, public, dead}
    assert tables(f("route.state", "active"), f("vpc-id", vpc)) == {main, public, dead}
    assert tables(f("owner-id", DEFAULT_ACCOUNT), f("vpc-id", vpc)) == {main, public, dead}
    assert tables(f("tag:Name", "pub*")) == {public}
    for name in ("route.nat-gateway-id", "route.instance-id", "route.transit-gateway-id",
                 "route.vpc-peering-connection-id", "route.destination-prefix-list-id",
                 "association.gateway-id"):
        assert tables(f(name, "x-0123")) == set(), name
    # A blackhole: the gateway detached.
    c.create_route(RouteTableId=dead, DestinationCidrBlock="10.7.0.0/16", GatewayId=igw)
    c.delete_route(RouteTableId=public, DestinationCidrBlock="0.0.0.0/0")
    c.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    assert tables(f("route.state", "blackhole")) == {dead}


def test_internet_gateway_filters(ec2):
    c = ec2()
    vpc = new_vpc(c)
    a = c.create_internet_gateway(TagSpecifications=spec("internet-gateway", Name="a"))
    a = a["InternetGateway"]["InternetGatewayId"]
    b = c.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    c.attach_internet_gateway(InternetGatewayId=a, VpcId=vpc)

    def igws(*filters):
        out = c.describe_internet_gateways(Filters=[x for fl in filters for x in fl])["InternetGateways"]
        return {g["InternetGatewayId"] for g in out}

    assert igws(f("attachment.vpc-id", vpc)) == {a}
    assert igws(f("attachment.state", "available"), f("internet-gateway-id", a, b)) == {a}
    assert igws(f("internet-gateway-id", b)) == {b}
    assert igws(f("owner-id", DEFAULT_ACCOUNT)) >= {a, b}
    assert igws(f("owner-id", "111111111111")) == set()
    assert igws(f("tag:Name", "a")) == {a}
    assert igws(f("tag-key", "Name")) == {a}
    assert igws(f("tag-value", "a")) == {a}


def test_egress_only_gateway_filters(ec2):
    c = ec2()
    vpc = new_vpc(c)
    a = c.create_egress_only_internet_gateway(VpcId=vpc, TagSpecifications=spec(
        "egress-only-internet-gateway", Name="a"))["EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"]
    b = c.create_egress_only_internet_gateway(VpcId=new_vpc(c, "10.1.0.0/16"))
    b = b["EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"]
    got = c.describe_egress_only_internet_gateways(Filters=f("tag:Name", "a"))["EgressOnlyInternetGateways"]
    assert ids(got, "EgressOnlyInternetGatewayId") == {a}
    got = c.describe_egress_only_internet_gateways(Filters=f("tag-key", "Name"))["EgressOnlyInternetGateways"]
    assert ids(got, "EgressOnlyInternetGatewayId") == {a}
    assert b not in ids(got, "EgressOnlyInternetGatewayId")
    # Only the tag filters are documented; AWS has no vpc-id filter here.
    with raises_code("InvalidParameterValue"):
        c.describe_egress_only_internet_gateways(Filters=f("vpc-id", vpc))


def test_address_filters(ec2):
    c = ec2()
    vpc = new_vpc(c)
    subnet = new_subnet(c, vpc, "10.0.1.0/24")
    igw = c.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    c.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    eni = c.create_network_interface(SubnetId=subnet)["NetworkInterface"]
    a = c.allocate_address(Domain="vpc", TagSpecifications=spec("elastic-ip", Name="a"))
    b = c.allocate_address(Domain="vpc")
    assoc = c.associate_address(AllocationId=a["AllocationId"],
                                NetworkInterfaceId=eni["NetworkInterfaceId"])["AssociationId"]

    def addrs(*filters):
        out = c.describe_addresses(Filters=[x for fl in filters for x in fl])["Addresses"]
        return {x["AllocationId"] for x in out}

    both = {a["AllocationId"], b["AllocationId"]}
    assert addrs(f("allocation-id", a["AllocationId"])) == {a["AllocationId"]}
    assert addrs(f("public-ip", b["PublicIp"])) == {b["AllocationId"]}
    assert addrs(f("association-id", assoc)) == {a["AllocationId"]}
    assert addrs(f("network-interface-id", eni["NetworkInterfaceId"])) == {a["AllocationId"]}
    assert addrs(f("network-interface-owner-id", DEFAULT_ACCOUNT)) == {a["AllocationId"]}
    assert addrs(f("private-ip-address", eni["PrivateIpAddress"])) == {a["AllocationId"]}
    assert addrs(f("instance-id", "i-0123456789abcdef0")) == set()
    assert addrs(f("network-border-group", "us-east-1")) == both
    assert addrs(f("network-border-group", "us-west-2")) == set()
    assert addrs(f("tag:Name", "a")) == {a["AllocationId"]}
    assert addrs(f("tag-key", "Name")) == {a["AllocationId"]}
    # Legacy names real clients still send: ansible ec2_eip sends `domain`.
    assert addrs(f("domain", "vpc")) == both
    assert addrs(f("domain", "standard")) == set()
    assert addrs(f("public-ipv4-pool", "amazon")) == both


def test_nat_gateway_filters(ec2):
    c = ec2()
    vpc = new_vpc(c)
    s1 = new_subnet(c, vpc, "10.0.1.0/24")
    s2 = new_subnet(c, vpc, "10.0.2.0/24")
    other_vpc = new_vpc(c, "10.1.0.0/16")
    s3 = new_subnet(c, other_vpc, "10.1.1.0/24")
    a = c.create_nat_gateway(SubnetId=s1, ConnectivityType="private",
                             TagSpecifications=spec("natgateway", Name="a"))["NatGateway"]["NatGatewayId"]
    b = c.create_nat_gateway(SubnetId=s2, ConnectivityType="private")["NatGateway"]["NatGatewayId"]
    x = c.create_nat_gateway(SubnetId=s3, ConnectivityType="private")["NatGateway"]["NatGatewayId"]

    def nats(*filters):
        out = c.describe_nat_gateways(Filter=[y for fl in filters for y in fl])["NatGateways"]
        return {g["NatGatewayId"] for g in out}

    assert nats(f("vpc-id", vpc)) == {a, b}
    assert nats(f("subnet-id", s2, s3)) == {b, x}
    assert nats(f("nat-gateway-id", a)) == {a}
    assert nats(f("tag:Name", "a")) == {a}
    assert nats(f("tag-key", "Name")) == {a}
    states = {g["State"] for g in c.describe_nat_gateways()["NatGateways"]}
    assert len(states) == 1
    state = states.pop()
    assert nats(f("state", state)) == {a, b, x}
    assert nats(f("state", "failed")) == set()
    assert nats(f("state", state), f("vpc-id", other_vpc)) == {x}


def test_dhcp_options_filters(ec2):
    c = ec2()
    a = c.create_dhcp_options(DhcpConfigurations=[
        {"Key": "domain-name", "Values": ["corp.internal"]},
        {"Key": "domain-name-servers", "Values": ["10.0.0.2", "10.0.0.3"]}],
        TagSpecifications=spec("dhcp-options", Name="corp"))["DhcpOptions"]["DhcpOptionsId"]
    b = c.create_dhcp_options(DhcpConfigurations=[
        {"Key": "ntp-servers", "Values": ["10.0.0.9"]}])["DhcpOptions"]["DhcpOptionsId"]

    def sets(*filters):
        out = c.describe_dhcp_options(Filters=[x for fl in filters for x in fl])["DhcpOptions"]
        return {d["DhcpOptionsId"] for d in out}

    assert sets(f("dhcp-options-id", a)) == {a}
    assert sets(f("key", "ntp-servers")) == {b}
    assert sets(f("value", "10.0.0.3")) == {a}
    assert sets(f("value", "10.0.0.?")) == {a, b}
    assert sets(f("key", "domain-name"), f("value", "corp.*")) == {a}
    assert sets(f("key", "ntp-servers"), f("value", "corp.*")) == set()
    assert {a, b} <= sets(f("owner-id", DEFAULT_ACCOUNT))
    assert sets(f("owner-id", "111111111111")) == set()
    assert sets(f("tag:Name", "corp")) == {a}
    assert sets(f("tag-key", "Name")) == {a}


def test_network_acl_filters(ec2):
    c = ec2()
    vpc = new_vpc(c)
    subnet = new_subnet(c, vpc, "10.0.1.0/24")
    default = c.describe_network_acls(Filters=f("vpc-id", vpc) + f("default", "true"))["NetworkAcls"]
    assert len(default) == 1
    default = default[0]["NetworkAclId"]
    acl = c.create_network_acl(VpcId=vpc, TagSpecifications=spec("network-acl", Name="x"))
    acl = acl["NetworkAcl"]["NetworkAclId"]
    c.create_network_acl_entry(NetworkAclId=acl, RuleNumber=110, Protocol="6", RuleAction="deny",
                               Egress=False, CidrBlock="192.168.0.0/16", PortRange={"From": 22, "To": 23})
    c.create_network_acl_entry(NetworkAclId=acl, RuleNumber=120, Protocol="1", RuleAction="allow",
                               Egress=True, Ipv6CidrBlock="::/0", IcmpTypeCode={"Type": 8, "Code": 0})
    assoc = next(x for x in c.describe_network_acls(NetworkAclIds=[default])["NetworkAcls"][0]["Associations"]
                 if x["SubnetId"] == subnet)["NetworkAclAssociationId"]
    new_assoc = c.replace_network_acl_association(AssociationId=assoc, NetworkAclId=acl)["NewAssociationId"]

    def acls(*filters):
        out = c.describe_network_acls(Filters=[x for fl in filters for x in fl])["NetworkAcls"]
        return {a["NetworkAclId"] for a in out}

    assert acls(f("vpc-id", vpc)) == {default, acl}
    assert acls(f("vpc-id", vpc), f("default", "false")) == {acl}
    assert acls(f("network-acl-id", acl)) == {acl}
    assert acls(f("association.subnet-id", subnet)) == {acl}
    assert acls(f("association.association-id", new_assoc)) == {acl}
    assert acls(f("association.network-acl-id", acl)) == {acl}
    assert acls(f("association.network-acl-id", default)) == set()
    assert acls(f("entry.cidr", "192.168.0.0/16")) == {acl}
    assert acls(f("entry.ipv6-cidr", "::/0"), f("vpc-id", vpc)) >= {acl}
    assert acls(f("entry.port-range.from", "22")) == {acl}
    assert acls(f("entry.port-range.to", "23")) == {acl}
    assert acls(f("entry.icmp.type", "8")) == {acl}
    assert acls(f("entry.icmp.code", "0")) == {acl}
    assert acls(f("entry.protocol", "6")) == {acl}
    assert acls(f("entry.rule-action", "deny"), f("entry.rule-number", "110")) == {acl}
    assert acls(f("entry.rule-number", "120"), f("entry.egress", "true")) == {acl}
    assert acls(f("entry.rule-number", "100"), f("vpc-id", vpc)) == {default}
    assert acls(f("owner-id", DEFAULT_ACCOUNT), f("vpc-id", vpc)) == {default, acl}
    assert acls(f("tag:Name", "x")) == {acl}


def test_vpc_endpoint_filters(ec2):
    c = ec2()
    vpc = new_vpc(c)
    other = new_vpc(c, "10.1.0.0/16")
    s3 = c.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.s3", VpcEndpointType="Gateway",
                               TagSpecifications=spec("vpc-endpoint", Name="s3"))["VpcEndpoint"]["VpcEndpointId"]
    ddb = c.create_vpc_endpoint(VpcId=other, ServiceName="com.amazonaws.us-east-1.dynamodb",
                                VpcEndpointType="Gateway")["VpcEndpoint"]["VpcEndpointId"]

    def eps(*filters):
        out = c.describe_vpc_endpoints(Filters=[x for fl in filters for x in fl])["VpcEndpoints"]
        return {e["VpcEndpointId"] for e in out}

    assert eps(f("vpc-id", vpc)) == {s3}
    assert eps(f("service-name", "*dynamodb")) == {ddb}
    assert eps(f("service-region", "us-east-1")) == {s3, ddb}
    assert eps(f("vpc-endpoint-id", ddb)) == {ddb}
    assert eps(f("vpc-endpoint-type", "Gateway")) == {s3, ddb}
    assert eps(f("vpc-endpoint-type", "Interface")) == set()
    state = c.describe_vpc_endpoints(VpcEndpointIds=[s3])["VpcEndpoints"][0]["State"]
    assert eps(f("vpc-endpoint-state", state)) == {s3, ddb}
    assert eps(f("vpc-endpoint-state", "rejected")) == set()
    assert eps(f("ip-address-type", "ipv6")) == set()
    assert eps(f("tag:Name", "s3")) == {s3}
    assert eps(f("tag-key", "Name")) == {s3}


def test_endpoint_service_filters(ec2):
    c = ec2()

    def names(*filters):
        out = c.describe_vpc_endpoint_services(Filters=[x for fl in filters for x in fl])
        return {(d["ServiceName"], d["ServiceType"][0]["ServiceType"]) for d in out["ServiceDetails"]}

    s3 = "com.amazonaws.us-east-1.s3"
    got = names(f("service-name", s3))
    assert got == {(s3, "Interface"), (s3, "Gateway")}
    assert names(f("service-name", s3), f("service-type", "Gateway")) == {(s3, "Gateway")}
    assert all(t == "Gateway" for _, t in names(f("service-type", "Gateway")))
    assert names(f("service-name", "com.amazonaws.us-east-1.s?")) == got
    assert names(f("owner", "amazon"), f("service-name", s3)) == got
    assert names(f("owner", DEFAULT_ACCOUNT)) == set()
    assert names(f("service-region", "us-east-1"), f("service-name", s3)) == got
    assert names(f("supported-ip-address-types", "ipv4"), f("service-name", s3)) == got
    assert names(f("tag:Name", "x")) == set()


def test_endpoint_service_provider_filters(ec2, elbv2):
    c = ec2()
    elb = elbv2()
    vpc = c.describe_vpcs(Filters=f("is-default", "true"))["Vpcs"][0]["VpcId"]
    subnet = c.describe_subnets(Filters=f("vpc-id", vpc) + f("availability-zone", "us-east-1a"))
    subnet = subnet["Subnets"][0]["SubnetId"]
    nlbs = [elb.create_load_balancer(Name=f"nlb-{i}", Type="network", Scheme="internal",
                                     Subnets=[subnet])["LoadBalancers"][0]["LoadBalancerArn"]
            for i in range(2)]
    a = c.create_vpc_endpoint_service_configuration(
        NetworkLoadBalancerArns=[nlbs[0]], AcceptanceRequired=True,
        TagSpecifications=spec("vpc-endpoint-service", Name="a"))["ServiceConfiguration"]
    b = c.create_vpc_endpoint_service_configuration(
        NetworkLoadBalancerArns=[nlbs[1]], AcceptanceRequired=False)["ServiceConfiguration"]

    def configs(*filters):
        out = c.describe_vpc_endpoint_service_configurations(Filters=[x for fl in filters for x in fl])
        return {s["ServiceId"] for s in out["ServiceConfigurations"]}

    assert configs(f("service-id", a["ServiceId"])) == {a["ServiceId"]}
    assert configs(f("service-name", b["ServiceName"])) == {b["ServiceId"]}
    assert configs(f("service-state", "Available")) == {a["ServiceId"], b["ServiceId"]}
    assert configs(f("service-state", "Failed")) == set()
    assert configs(f("supported-ip-address-types", "ipv4")) == {a["ServiceId"], b["ServiceId"]}
    assert configs(f("tag:Name", "a")) == {a["ServiceId"]}
    assert configs(f("tag-key", "Name")) == {a["ServiceId"]}
    # The consumer's view of a customer's service carries its tags.
    got = c.describe_vpc_endpoint_services(Filters=f("tag:Name", "a"))["ServiceDetails"]
    assert [d["ServiceId"] for d in got] == [a["ServiceId"]]
    got = c.describe_vpc_endpoint_services(Filters=f("owner", DEFAULT_ACCOUNT))["ServiceDetails"]
    assert {d["ServiceId"] for d in got} == {a["ServiceId"], b["ServiceId"]}

    # Permissions.
    c.modify_vpc_endpoint_service_permissions(ServiceId=a["ServiceId"], AddAllowedPrincipals=[
        "arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:role/x"])

    def principals(*filters):
        out = c.describe_vpc_endpoint_service_permissions(
            ServiceId=a["ServiceId"], Filters=[x for fl in filters for x in fl])
        return {p["Principal"] for p in out["AllowedPrincipals"]}

    assert principals(f("principal", "*:role/*")) == {"arn:aws:iam::222222222222:role/x"}
    assert principals(f("principal-type", "Account")) == {"arn:aws:iam::111111111111:root"}
    assert principals(f("principal-type", "User")) == set()

    # Connections: one endpoint of this account to each service.
    e1 = c.create_vpc_endpoint(VpcId=vpc, ServiceName=a["ServiceName"], VpcEndpointType="Interface",
                               SubnetIds=[subnet])["VpcEndpoint"]["VpcEndpointId"]
    e2 = c.create_vpc_endpoint(VpcId=vpc, ServiceName=b["ServiceName"], VpcEndpointType="Interface",
                               SubnetIds=[subnet])["VpcEndpoint"]["VpcEndpointId"]

    def conns(*filters):
        out = c.describe_vpc_endpoint_connections(Filters=[x for fl in filters for x in fl])
        return {x["VpcEndpointId"] for x in out["VpcEndpointConnections"]}

    assert conns() == {e1, e2}
    assert conns(f("service-id", a["ServiceId"])) == {e1}
    assert conns(f("vpc-endpoint-id", e2)) == {e2}
    assert conns(f("vpc-endpoint-owner", DEFAULT_ACCOUNT)) == {e1, e2}
    assert conns(f("vpc-endpoint-owner", "111111111111")) == set()
    assert conns(f("vpc-endpoint-state", "pendingAcceptance")) == {e1}
    assert conns(f("vpc-endpoint-region", "us-east-1")) == {e1, e2}
    assert conns(f("ip-address-type", "ipv6")) == set()

    # Connection notifications.
    topic = f"arn:aws:sns:us-east-1:{DEFAULT_ACCOUNT}:vpce"
    n1 = c.create_vpc_endpoint_connection_notification(
        ServiceId=a["ServiceId"], ConnectionNotificationArn=topic,
        ConnectionEvents=["Accept"])["ConnectionNotification"]["ConnectionNotificationId"]
    n2 = c.create_vpc_endpoint_connection_notification(
        VpcEndpointId=e2, ConnectionNotificationArn=topic + "2",
        ConnectionEvents=["Accept"])["ConnectionNotification"]["ConnectionNotificationId"]

    def nfns(*filters):
        out = c.describe_vpc_endpoint_connection_notifications(Filters=[x for fl in filters for x in fl])
        return {n["ConnectionNotificationId"] for n in out["ConnectionNotificationSet"]}

    assert nfns(f("service-id", a["ServiceId"])) == {n1}
    assert nfns(f("vpc-endpoint-id", e2)) == {n2}
    assert nfns(f("connection-notification-id", n2)) == {n2}
    assert nfns(f("connection-notification-arn", topic)) == {n1}
    assert nfns(f("connection-notification-state", "Enabled")) == {n1, n2}
    assert nfns(f("connection-notification-state", "Disabled")) == set()
    assert nfns(f("connection-notification-type", "Topic")) == {n1, n2}


def test_prefix_list_zone_and_region_filters(ec2):
    c = ec2()
    pls = c.describe_prefix_lists(Filters=f("prefix-list-name", "*.s3"))["PrefixLists"]
    assert [p["PrefixListName"] for p in pls] == ["com.amazonaws.us-east-1.s3"]
    got = c.describe_prefix_lists(Filters=f("prefix-list-id", pls[0]["PrefixListId"]))["PrefixLists"]
    assert [p["PrefixListId"] for p in got] == [pls[0]["PrefixListId"]]

    def zones(*filters):
        out = c.describe_availability_zones(Filters=[x for fl in filters for x in fl])
        return {z["ZoneName"] for z in out["AvailabilityZones"]}

    all_zones = zones()
    assert "us-east-1a" in all_zones and len(all_zones) > 2
    assert zones(f("zone-name", "us-east-1a", "us-east-1b")) == {"us-east-1a", "us-east-1b"}
    zid = c.describe_availability_zones(ZoneNames=["us-east-1c"])["AvailabilityZones"][0]["ZoneId"]
    assert zones(f("zone-id", zid)) == {"us-east-1c"}
    assert zones(f("region-name", "us-east-1")) == all_zones
    assert zones(f("region-name", "us-west-2")) == set()
    assert zones(f("state", "available")) == all_zones
    assert zones(f("state", "unavailable")) == set()
    assert zones(f("zone-type", "availability-zone")) == all_zones
    assert zones(f("zone-type", "local-zone")) == set()
    assert zones(f("opt-in-status", "opt-in-not-required")) == all_zones
    assert zones(f("group-name", "us-east-1-zg-1")) == all_zones
    assert zones(f("message", "*")) == set()

    def regions(*filters):
        out = c.describe_regions(Filters=[x for fl in filters for x in fl])["Regions"]
        return {r["RegionName"] for r in out}

    assert regions(f("region-name", "eu-*")) >= {"eu-west-1"}
    assert "us-east-1" not in regions(f("region-name", "eu-*"))
    assert regions(f("endpoint", "ec2.us-west-2.amazonaws.com")) == {"us-west-2"}
    assert "us-east-1" in regions(f("opt-in-status", "opt-in-not-required"))
