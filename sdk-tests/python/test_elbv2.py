"""boto3: ELBv2 load balancers, the provider's side of a PrivateLink service.

An endpoint service sits behind a Network Load Balancer (or a Gateway Load
Balancer); the provider guide (seed 003) starts by creating one. This module
checks CreateLoadBalancer / DescribeLoadBalancers / DeleteLoadBalancer, their
errors, tags, attributes, paging, the three botocore waiters and the ENIs the
load balancers put into the subnets.

References: aws-spec.md §4 (query protocol), §6 (ARNs, DNS names), §7.3 (side
effects), §9 (operations), §14.2 (codes), §15 (paginator, waiters), Appendix C.
"""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
import requests

from awsemu_helpers import (
    ENI_ID,
    default_subnets,
    err_message,
    lb_arn_re,
    new_subnet,
    new_vpc,
    raises_code,
    tags_dict,
)

REGION = "us-east-1"
ACCOUNT = "111111111111"
NLB_ZONE = "Z26RNL4JYFTOTI"
UNKNOWN_LB_ARN = (
    f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:loadbalancer/net/nope/0123456789abcdef"
)
FAST = {"Delay": 1, "MaxAttempts": 10}


@pytest.fixture
def net(ec2, elbv2):
    """Account 111111111111: VPC 10.0.0.0/16 with subnets in us-east-1a/b/c, a
    second subnet in us-east-1a, and a second VPC with one subnet in us-east-1b."""
    c = ec2(ACCOUNT)
    vpc = new_vpc(c, "10.0.0.0/16")
    a = new_subnet(c, vpc, "10.0.1.0/24", "us-east-1a")
    b = new_subnet(c, vpc, "10.0.2.0/24", "us-east-1b")
    cc = new_subnet(c, vpc, "10.0.3.0/24", "us-east-1c")
    a2 = new_subnet(c, vpc, "10.0.4.0/24", "us-east-1a")
    vpc2 = new_vpc(c, "10.9.0.0/16")
    other_b = new_subnet(c, vpc2, "10.9.2.0/24", "us-east-1b")
    return SimpleNamespace(
        c=c, elb=elbv2(ACCOUNT), vpc=vpc, a=a, b=b, cc=cc, a2=a2, vpc2=vpc2, other_b=other_b,
        az={a: "us-east-1a", b: "us-east-1b", cc: "us-east-1c", a2: "us-east-1a"},
    )


def create(net, name: str, subnets: list[str], **kwargs) -> dict:
    lbs = net.elb.create_load_balancer(Name=name, Subnets=subnets, **kwargs)["LoadBalancers"]
    assert len(lbs) == 1, lbs
    return lbs[0]


def describe_one(net, arn: str) -> dict:
    lbs = net.elb.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"]
    assert [lb["LoadBalancerArn"] for lb in lbs] == [arn]
    return lbs[0]


def lb_enis(net, vpc_id: str | None = None) -> list[dict]:
    filters = [{"Name": "interface-type",
                "Values": ["network_load_balancer", "gateway_load_balancer"]}]
    if vpc_id:
        filters.append({"Name": "vpc-id", "Values": [vpc_id]})
    return net.c.describe_network_interfaces(Filters=filters)["NetworkInterfaces"]


def all_lbs(net) -> list[dict]:
    out = []
    for page in net.elb.get_paginator("describe_load_balancers").paginate():
        out += page["LoadBalancers"]
    return out


def assert_recent(ts) -> None:
    assert isinstance(ts, dt.datetime) and ts.tzinfo is not None, ts
    assert abs((dt.datetime.now(dt.timezone.utc) - ts).total_seconds()) < 300, ts


# ---------------------------------------------------------------------------
# CreateLoadBalancer: network, gateway, application
# ---------------------------------------------------------------------------
def test_create_internal_network_load_balancer(net):
    lb = create(net, "nlb-vpce", [net.a, net.b], Type="network", Scheme="internal")
    m = lb_arn_re("net", "nlb-vpce", ACCOUNT).match(lb["LoadBalancerArn"])
    assert m, lb["LoadBalancerArn"]
    hex16 = m.group(1)
    assert lb["DNSName"] == f"nlb-vpce-{hex16}.elb.us-east-1.amazonaws.com"
    assert lb["CanonicalHostedZoneId"] == NLB_ZONE
    assert lb["LoadBalancerName"] == "nlb-vpce"
    assert lb["State"]["Code"] == "provisioning"
    assert lb["Type"] == "network"
    assert lb["Scheme"] == "internal"
    assert lb["VpcId"] == net.vpc
    assert lb["IpAddressType"] == "ipv4"
    assert_recent(lb["CreatedTime"])
    assert sorted(lb["AvailabilityZones"], key=lambda z: z["ZoneName"]) == [
        {"ZoneName": "us-east-1a", "SubnetId": net.a, "LoadBalancerAddresses": []},
        {"ZoneName": "us-east-1b", "SubnetId": net.b, "LoadBalancerAddresses": []},
    ]

    # immediate pace: the next request sees it active, everything else unchanged
    d = describe_one(net, lb["LoadBalancerArn"])
    assert d["State"]["Code"] == "active"
    for key in ("LoadBalancerArn", "DNSName", "CanonicalHostedZoneId", "LoadBalancerName",
                "Type", "Scheme", "VpcId", "IpAddressType", "CreatedTime"):
        assert d[key] == lb[key], key
    assert sorted(d["AvailabilityZones"], key=lambda z: z["ZoneName"]) == sorted(
        lb["AvailabilityZones"], key=lambda z: z["ZoneName"])

    # one requester-managed ENI per subnet
    enis = lb_enis(net, net.vpc)
    assert sorted(e["SubnetId"] for e in enis) == sorted([net.a, net.b])
    for eni in enis:
        assert ENI_ID.match(eni["NetworkInterfaceId"]), eni
        assert eni["InterfaceType"] == "network_load_balancer", eni
        assert eni["Description"] == f"ELB net/nlb-vpce/{hex16}", eni
        assert eni["RequesterManaged"] is True, eni
        assert eni["VpcId"] == net.vpc
        assert eni["AvailabilityZone"] == net.az[eni["SubnetId"]]
        assert eni["OwnerId"] == ACCOUNT


def test_network_load_balancer_defaults_to_internet_facing(net):
    lb = create(net, "public-nlb", [net.a], Type="network")
    assert lb["Scheme"] == "internet-facing"
    assert lb["Type"] == "network"
    assert lb_arn_re("net", "public-nlb", ACCOUNT).match(lb["LoadBalancerArn"])
    assert re.match(r"^public-nlb-[0-9a-f]{16}\.elb\.us-east-1\.amazonaws\.com$", lb["DNSName"])


def test_subnet_mappings(net):
    lb = net.elb.create_load_balancer(
        Name="mapped", Type="network", Scheme="internal",
        SubnetMappings=[{"SubnetId": net.a}, {"SubnetId": net.cc}],
    )["LoadBalancers"][0]
    assert sorted((z["ZoneName"], z["SubnetId"]) for z in lb["AvailabilityZones"]) == [
        ("us-east-1a", net.a), ("us-east-1c", net.cc)]
    assert sorted(e["SubnetId"] for e in lb_enis(net, net.vpc)) == sorted([net.a, net.cc])


def test_default_subnets(ec2, elbv2):
    """The guide's NLB in the provider's default subnets."""
    subnets = default_subnets(ec2(ACCOUNT))
    assert sorted(subnets) == [f"us-east-1{c}" for c in "abcdef"]
    lb = elbv2(ACCOUNT).create_load_balancer(
        Name="nlb-vpce", Type="network", Scheme="internal", Subnets=list(subnets.values())
    )["LoadBalancers"][0]
    assert sorted(z["ZoneName"] for z in lb["AvailabilityZones"]) == sorted(subnets)
    default_vpc = ec2(ACCOUNT).describe_vpcs(
        Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    assert lb["VpcId"] == default_vpc


def test_create_gateway_load_balancer(net):
    lb = create(net, "gwlb", [net.a, net.b], Type="gateway")
    m = lb_arn_re("gwy", "gwlb", ACCOUNT).match(lb["LoadBalancerArn"])
    assert m, lb["LoadBalancerArn"]
    assert lb["Type"] == "gateway"
    assert "DNSName" not in lb
    assert "Scheme" not in lb
    assert lb["VpcId"] == net.vpc
    assert lb["State"]["Code"] == "provisioning"
    assert describe_one(net, lb["LoadBalancerArn"])["State"]["Code"] == "active"
    enis = lb_enis(net, net.vpc)
    assert sorted(e["SubnetId"] for e in enis) == sorted([net.a, net.b])
    for eni in enis:
        assert eni["InterfaceType"] == "gateway_load_balancer", eni
        assert eni["Description"] == f"ELB gwy/gwlb/{m.group(1)}", eni
        assert eni["RequesterManaged"] is True


def test_application_is_the_default_type(net):
    lb = create(net, "web", [net.a, net.b])
    assert lb["Type"] == "application"
    assert lb["Scheme"] == "internet-facing"
    assert lb_arn_re("app", "web", ACCOUNT).match(lb["LoadBalancerArn"]), lb["LoadBalancerArn"]


def test_application_needs_two_availability_zones(net):
    with raises_code("ValidationError"):
        create(net, "web", [net.a])
    assert all_lbs(net) == []


@pytest.mark.parametrize("name", ["-bad", "bad-", "a" * 33, "internal-x", "bad_name", "bad.name"])
def test_invalid_names(net, name):
    with raises_code("ValidationError") as ei:
        create(net, name, [net.a], Type="network")
    assert name in err_message(ei)
    assert all_lbs(net) == []
    assert lb_enis(net) == []


def test_longest_valid_name(net):
    name = "a" * 31 + "1"
    lb = create(net, name, [net.a], Type="network")
    assert lb["LoadBalancerName"] == name
    assert lb_arn_re("net", name, ACCOUNT).match(lb["LoadBalancerArn"])


def test_unknown_subnet(net):
    with raises_code("SubnetNotFound") as ei:
        create(net, "nlb", [net.a, "subnet-0123456789abcdef0"], Type="network")
    assert "subnet-0123456789abcdef0" in err_message(ei)
    assert all_lbs(net) == []
    assert lb_enis(net) == []


def test_subnet_of_another_account(net, ec2):
    foreign = default_subnets(ec2("222222222222"))["us-east-1a"]
    with raises_code("SubnetNotFound"):
        create(net, "nlb", [foreign], Type="network")


def test_two_subnets_in_one_zone(net):
    with raises_code("InvalidConfigurationRequest"):
        create(net, "nlb", [net.a, net.a2], Type="network")
    assert all_lbs(net) == []
    assert lb_enis(net) == []


def test_subnets_of_two_vpcs(net):
    with raises_code("InvalidConfigurationRequest"):
        create(net, "nlb", [net.a, net.other_b], Type="network")
    assert all_lbs(net) == []
    assert lb_enis(net) == []


def test_same_name_same_settings_is_idempotent(net):
    first = create(net, "nlb", [net.a, net.b], Type="network", Scheme="internal")
    again = create(net, "nlb", [net.a, net.b], Type="network", Scheme="internal")
    assert again["LoadBalancerArn"] == first["LoadBalancerArn"]
    assert again["DNSName"] == first["DNSName"]
    assert [lb["LoadBalancerArn"] for lb in all_lbs(net)] == [first["LoadBalancerArn"]]
    assert len(lb_enis(net)) == 2


@pytest.mark.parametrize("change", [
    {"Scheme": "internet-facing"},
    {"Type": "gateway", "Scheme": None},
    {"Subnets": "a,c"},
])
def test_same_name_different_settings(net, change):
    first = create(net, "nlb", [net.a, net.b], Type="network", Scheme="internal")
    kwargs = {"Type": "network", "Scheme": "internal"}
    subnets = [net.a, net.b]
    for key, value in change.items():
        if key == "Subnets":
            subnets = [net.a, net.cc]
        elif value is None:
            kwargs.pop(key)
        else:
            kwargs[key] = value
    with raises_code("DuplicateLoadBalancerName") as ei:
        create(net, "nlb", subnets, **kwargs)
    assert "nlb" in err_message(ei)
    assert [lb["LoadBalancerArn"] for lb in all_lbs(net)] == [first["LoadBalancerArn"]]
    assert len(lb_enis(net)) == 2


def test_names_are_per_account_and_region(net, ec2, elbv2):
    mine = create(net, "nlb", [net.a], Type="network")
    other = elbv2("222222222222")
    theirs_subnet = default_subnets(ec2("222222222222"))["us-east-1a"]
    theirs = other.create_load_balancer(Name="nlb", Type="network",
                                        Subnets=[theirs_subnet])["LoadBalancers"][0]
    assert theirs["LoadBalancerArn"] != mine["LoadBalancerArn"]
    assert ":222222222222:loadbalancer/net/nlb/" in theirs["LoadBalancerArn"]
    assert [lb["LoadBalancerArn"] for lb in other.describe_load_balancers()["LoadBalancers"]] == [
        theirs["LoadBalancerArn"]]
    assert elbv2(ACCOUNT, "us-west-2").describe_load_balancers()["LoadBalancers"] == []
    with raises_code("LoadBalancerNotFound"):
        other.describe_load_balancers(LoadBalancerArns=[mine["LoadBalancerArn"]])


def test_create_with_tags(net):
    lb = create(net, "tagged", [net.a], Type="network",
                Tags=[{"Key": "team", "Value": "payments"}, {"Key": "env", "Value": "dev"}])
    desc = net.elb.describe_tags(ResourceArns=[lb["LoadBalancerArn"]])["TagDescriptions"]
    assert [d["ResourceArn"] for d in desc] == [lb["LoadBalancerArn"]]
    assert tags_dict(desc[0]["Tags"]) == {"team": "payments", "env": "dev"}


# ---------------------------------------------------------------------------
# DescribeLoadBalancers
# ---------------------------------------------------------------------------
def test_describe_by_name_and_arn(net):
    one = create(net, "one", [net.a], Type="network")
    two = create(net, "two", [net.b], Type="network", Scheme="internal")
    by_name = net.elb.describe_load_balancers(Names=["two"])["LoadBalancers"]
    assert [lb["LoadBalancerArn"] for lb in by_name] == [two["LoadBalancerArn"]]
    by_arn = net.elb.describe_load_balancers(
        LoadBalancerArns=[one["LoadBalancerArn"], two["LoadBalancerArn"]])["LoadBalancers"]
    assert sorted(lb["LoadBalancerName"] for lb in by_arn) == ["one", "two"]
    everything = net.elb.describe_load_balancers()["LoadBalancers"]
    assert sorted(lb["LoadBalancerName"] for lb in everything) == ["one", "two"]


def test_describe_unknown_name(net):
    create(net, "one", [net.a], Type="network")
    with raises_code("LoadBalancerNotFound") as ei:
        net.elb.describe_load_balancers(Names=["one", "missing"])
    assert "missing" in err_message(ei)


def test_describe_unknown_arn(net):
    with raises_code("LoadBalancerNotFound"):
        net.elb.describe_load_balancers(LoadBalancerArns=[UNKNOWN_LB_ARN])


@pytest.mark.parametrize("bad", ["not-an-arn", "arn:aws:ec2:us-east-1:111111111111:vpc/vpc-1"])
def test_describe_malformed_arn(net, bad):
    with raises_code("ValidationError") as ei:
        net.elb.describe_load_balancers(LoadBalancerArns=[bad])
    assert bad in err_message(ei)


def test_describe_names_and_arns_together(net):
    lb = create(net, "one", [net.a], Type="network")
    with raises_code("ValidationError"):
        net.elb.describe_load_balancers(Names=["one"], LoadBalancerArns=[lb["LoadBalancerArn"]])


def test_describe_paging(net):
    names = [f"lb-{i}" for i in range(7)]
    for name in names:
        create(net, name, [net.a], Type="network")
    pages = list(net.elb.get_paginator("describe_load_balancers").paginate(
        PaginationConfig={"PageSize": 3}))
    assert [len(p["LoadBalancers"]) for p in pages] == [3, 3, 1]
    assert all(p.get("NextMarker") for p in pages[:-1])
    assert "NextMarker" not in pages[-1]
    seen = [lb["LoadBalancerName"] for p in pages for lb in p["LoadBalancers"]]
    assert sorted(seen) == sorted(names)

    first = net.elb.describe_load_balancers(PageSize=5)
    assert len(first["LoadBalancers"]) == 5
    rest = net.elb.describe_load_balancers(PageSize=5, Marker=first["NextMarker"])
    assert len(rest["LoadBalancers"]) == 2
    assert "NextMarker" not in rest
    assert sorted(lb["LoadBalancerName"] for lb in first["LoadBalancers"] + rest["LoadBalancers"]) \
        == sorted(names)


# ---------------------------------------------------------------------------
# DeleteLoadBalancer
# ---------------------------------------------------------------------------
def test_delete_load_balancer_frees_subnets(net):
    lb = create(net, "nlb", [net.a, net.b], Type="network")
    arn = lb["LoadBalancerArn"]
    with raises_code("DependencyViolation"):
        net.c.delete_subnet(SubnetId=net.a)
    assert net.c.describe_subnets(SubnetIds=[net.a])["Subnets"][0]["SubnetId"] == net.a

    net.elb.delete_load_balancer(LoadBalancerArn=arn)
    with raises_code("LoadBalancerNotFound"):
        net.elb.describe_load_balancers(LoadBalancerArns=[arn])
    with raises_code("LoadBalancerNotFound"):
        net.elb.describe_load_balancers(Names=["nlb"])
    assert all_lbs(net) == []
    assert lb_enis(net) == []
    net.c.delete_subnet(SubnetId=net.a)
    # deleting again (now unknown) succeeds
    net.elb.delete_load_balancer(LoadBalancerArn=arn)


def test_delete_unknown_load_balancer_succeeds(net):
    resp = net.elb.delete_load_balancer(LoadBalancerArn=UNKNOWN_LB_ARN)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_delete_gateway_load_balancer_frees_subnet(net):
    lb = create(net, "gwlb", [net.cc], Type="gateway")
    with raises_code("DependencyViolation"):
        net.c.delete_subnet(SubnetId=net.cc)
    net.elb.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
    net.c.delete_subnet(SubnetId=net.cc)


def test_delete_load_balancer_used_by_endpoint_service(net):
    lb = create(net, "nlb", [net.a, net.b], Type="network", Scheme="internal")
    arn = lb["LoadBalancerArn"]
    sid = net.c.create_vpc_endpoint_service_configuration(
        NetworkLoadBalancerArns=[arn])["ServiceConfiguration"]["ServiceId"]
    with raises_code("ResourceInUse") as ei:
        net.elb.delete_load_balancer(LoadBalancerArn=arn)
    assert arn in err_message(ei)
    assert describe_one(net, arn)["State"]["Code"] == "active"
    assert len(lb_enis(net)) == 2

    resp = net.c.delete_vpc_endpoint_service_configurations(ServiceIds=[sid])
    assert resp["Unsuccessful"] == []
    net.elb.delete_load_balancer(LoadBalancerArn=arn)
    assert all_lbs(net) == []


def test_deletion_protection(net):
    lb = create(net, "nlb", [net.a], Type="network")
    arn = lb["LoadBalancerArn"]
    resp = net.elb.modify_load_balancer_attributes(
        LoadBalancerArn=arn,
        Attributes=[{"Key": "deletion_protection.enabled", "Value": "true"}])
    assert {a["Key"]: a["Value"] for a in resp["Attributes"]}[
        "deletion_protection.enabled"] == "true"
    with raises_code("OperationNotPermitted") as ei:
        net.elb.delete_load_balancer(LoadBalancerArn=arn)
    assert "deletion protection" in err_message(ei)
    assert describe_one(net, arn)["LoadBalancerArn"] == arn

    net.elb.modify_load_balancer_attributes(
        LoadBalancerArn=arn,
        Attributes=[{"Key": "deletion_protection.enabled", "Value": "false"}])
    net.elb.delete_load_balancer(LoadBalancerArn=arn)
    assert all_lbs(net) == []


# ---------------------------------------------------------------------------
# Attributes and tags
# ---------------------------------------------------------------------------
def test_load_balancer_attributes(net):
    arn = create(net, "nlb", [net.a], Type="network")["LoadBalancerArn"]
    attrs = {a["Key"]: a["Value"] for a in net.elb.describe_load_balancer_attributes(
        LoadBalancerArn=arn)["Attributes"]}
    assert attrs["deletion_protection.enabled"] == "false"

    key = "deletion_protection.enabled"
    net.elb.modify_load_balancer_attributes(LoadBalancerArn=arn,
                                            Attributes=[{"Key": key, "Value": "true"}])
    after = {a["Key"]: a["Value"] for a in net.elb.describe_load_balancer_attributes(
        LoadBalancerArn=arn)["Attributes"]}
    assert after[key] == "true"
    assert {k: v for k, v in after.items() if k != key} == \
        {k: v for k, v in attrs.items() if k != key}

    with raises_code("InvalidConfigurationRequest"):
        net.elb.modify_load_balancer_attributes(
            LoadBalancerArn=arn, Attributes=[{"Key": "no.such.attribute", "Value": "1"}])
    unchanged = {a["Key"]: a["Value"] for a in net.elb.describe_load_balancer_attributes(
        LoadBalancerArn=arn)["Attributes"]}
    assert unchanged == after
    assert "no.such.attribute" not in unchanged


def test_attributes_of_unknown_load_balancer(net):
    with raises_code("LoadBalancerNotFound"):
        net.elb.describe_load_balancer_attributes(LoadBalancerArn=UNKNOWN_LB_ARN)


def test_tags(net):
    one = create(net, "one", [net.a], Type="network")["LoadBalancerArn"]
    two = create(net, "two", [net.b], Type="network")["LoadBalancerArn"]
    net.elb.add_tags(ResourceArns=[one, two], Tags=[{"Key": "env", "Value": "dev"},
                                                    {"Key": "team", "Value": "a"}])
    net.elb.add_tags(ResourceArns=[two], Tags=[{"Key": "team", "Value": "b"}])
    net.elb.remove_tags(ResourceArns=[one], TagKeys=["env"])
    desc = {d["ResourceArn"]: tags_dict(d["Tags"])
            for d in net.elb.describe_tags(ResourceArns=[one, two])["TagDescriptions"]}
    assert desc == {one: {"team": "a"}, two: {"env": "dev", "team": "b"}}


def test_tags_of_unknown_load_balancer(net):
    with raises_code("LoadBalancerNotFound"):
        net.elb.describe_tags(ResourceArns=[UNKNOWN_LB_ARN])


# ---------------------------------------------------------------------------
# Waiters (botocore)
# ---------------------------------------------------------------------------
def test_waiters(net):
    lb = create(net, "nlb", [net.a, net.b], Type="network")
    arn = lb["LoadBalancerArn"]
    net.elb.get_waiter("load_balancer_exists").wait(Names=["nlb"], WaiterConfig=FAST)
    net.elb.get_waiter("load_balancer_available").wait(LoadBalancerArns=[arn],
                                                       WaiterConfig=FAST)
    assert describe_one(net, arn)["State"]["Code"] == "active"
    net.elb.delete_load_balancer(LoadBalancerArn=arn)
    net.elb.get_waiter("load_balancers_deleted").wait(LoadBalancerArns=[arn], WaiterConfig=FAST)


def test_waiter_for_a_load_balancer_never_created_times_out(net):
    from botocore.exceptions import WaiterError

    with pytest.raises(WaiterError):
        net.elb.get_waiter("load_balancer_exists").wait(
            Names=["never"], WaiterConfig={"Delay": 1, "MaxAttempts": 2})


# ---------------------------------------------------------------------------
# Pacing: --pace manual keeps the load balancer provisioning
# ---------------------------------------------------------------------------
def test_manual_pace_provisioning_until_clock_moves(manual_endpoint, client_for):
    resp = requests.post(f"{manual_endpoint}/_awsemu/reset", timeout=30)
    assert resp.status_code == 200
    c = client_for(manual_endpoint, "ec2", ACCOUNT)
    elb = client_for(manual_endpoint, "elbv2", ACCOUNT)
    subnet = default_subnets(c)["us-east-1a"]
    arn = elb.create_load_balancer(Name="slow", Type="network",
                                   Subnets=[subnet])["LoadBalancers"][0]["LoadBalancerArn"]
    for _ in range(3):
        lbs = elb.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"]
        assert lbs[0]["State"]["Code"] == "provisioning"
    resp = requests.post(f"{manual_endpoint}/_awsemu/clock", json={"seconds": 600}, timeout=30)
    assert resp.status_code == 200, resp.text
    lbs = elb.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"]
    assert lbs[0]["State"]["Code"] == "active"
