"""boto3: ELBv2 reference data against AWS's published tables.

- DescribeSSLPolicies: the predefined security policies of the ALB/NLB guides
  ("Security policies for your Application/Network Load Balancer"), their
  protocols and ciphers in order, LoadBalancerType filtering, paging, an
  unknown name; CreateListener/ModifyListener accept only those names, and an
  HTTPS/TLS listener created through the API without one gets
  ELBSecurityPolicy-2016-08 (the guides' default for "other methods"; the
  console's default differs).
- CanonicalHostedZoneId: the per-Region ids of the General Reference's
  "Elastic Load Balancing endpoints and quotas" table.
- CreateLoadBalancer's IpAddressType checks (the ones SetIpAddressType makes).
"""

from __future__ import annotations

import ipaddress

import pytest

from awsemu_helpers import default_subnets, err_message, new_subnet, new_vpc, raises_code

CERT = "arn:aws:acm:us-east-1:000000000000:certificate/11111111-2222-3333-4444-555555555555"

TLS13 = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]

# Straight from the guides' tables (membership), in the tables' row order.
DOC_POLICIES = {
    "ELBSecurityPolicy-2016-08": (
        ["TLSv1", "TLSv1.1", "TLSv1.2"],
        ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA256",
         "ECDHE-RSA-AES128-SHA256", "ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA",
         "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-AES256-SHA384",
         "ECDHE-RSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA", "ECDHE-ECDSA-AES256-SHA",
         "AES128-GCM-SHA256", "AES128-SHA256", "AES128-SHA", "AES256-GCM-SHA384", "AES256-SHA256",
         "AES256-SHA"]),
    "ELBSecurityPolicy-TLS13-1-2-2021-06": (
        ["TLSv1.2", "TLSv1.3"],
        TLS13 + ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
                 "ECDHE-ECDSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
                 "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA384"]),
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06": (
        ["TLSv1.2", "TLSv1.3"],
        TLS13 + ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
                 "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384"]),
    "ELBSecurityPolicy-TLS13-1-3-2021-06": (["TLSv1.3"], TLS13),
    "ELBSecurityPolicy-FS-1-2-Res-2020-10": (
        ["TLSv1.2"],
        ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
         "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384"]),
    "ELBSecurityPolicy-TLS-1-2-2017-01": (
        ["TLSv1.2"],
        ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA256",
         "ECDHE-RSA-AES128-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
         "ECDHE-ECDSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA384", "AES128-GCM-SHA256", "AES128-SHA256",
         "AES256-GCM-SHA384", "AES256-SHA256"]),
}

# Every policy the guides list (the 2023 tables) plus the newer families they name.
DOC_NAMES = {
    "ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06", "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-1-2021-06", "ELBSecurityPolicy-TLS13-1-0-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06", "ELBSecurityPolicy-FS-1-2-Res-2020-10",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08", "ELBSecurityPolicy-FS-1-2-2019-08",
    "ELBSecurityPolicy-FS-1-1-2019-08", "ELBSecurityPolicy-FS-2018-06",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06", "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-1-2017-01", "ELBSecurityPolicy-2016-08",
    "ELBSecurityPolicy-TLS-1-0-2015-04", "ELBSecurityPolicy-2015-05",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04", "ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
}

# General Reference, "Elastic Load Balancing endpoints and quotas": (ALB, NLB).
ZONES = {
    "us-east-1": ("Z35SXDOTRQ7X7K", "Z26RNL4JYFTOTI"),
    "us-east-2": ("Z3AADJGX6KTTL2", "ZLMOA37VPKANP"),
    "us-west-2": ("Z1H1FL5HABSF5", "Z18D5FSROUN65G"),
    "eu-west-1": ("Z32O12XQLNTSW2", "Z2IFOLAFXWLO4F"),
    "ap-southeast-2": ("Z1GM3OXH4ZPM65", "ZCT6FZBF4DROD"),
    "af-south-1": ("Z268VQBMOI5EKX", "Z203XCE67M25HM"),
}


@pytest.fixture
def elb(elbv2):
    return elbv2()


def policy(elb, name):
    [p] = elb.describe_ssl_policies(Names=[name])["SslPolicies"]
    return p


# ---------------------------------------------------------------- DescribeSSLPolicies
@pytest.mark.parametrize("name", sorted(DOC_POLICIES))
def test_policy_protocols_and_ciphers_follow_the_guides(elb, name):
    protocols, ciphers = DOC_POLICIES[name]
    p = policy(elb, name)
    assert p["Name"] == name
    assert p["SslProtocols"] == protocols
    assert p["Ciphers"] == [{"Name": c, "Priority": i} for i, c in enumerate(ciphers, start=1)]
    assert p["SupportedLoadBalancerTypes"] == ["application", "network"]


def test_every_documented_policy_is_there(elb):
    names = {p["Name"] for p in elb.describe_ssl_policies()["SslPolicies"]}
    assert DOC_NAMES <= names
    assert all(n.startswith("ELBSecurityPolicy-") for n in names)
    # 2015-05 is documented as identical to 2016-08.
    old, default = policy(elb, "ELBSecurityPolicy-2015-05"), policy(elb, "ELBSecurityPolicy-2016-08")
    assert (old["SslProtocols"], old["Ciphers"]) == (default["SslProtocols"], default["Ciphers"])
    # Only TLS-1-0-2015-04 keeps DES-CBC3-SHA, last.
    assert policy(elb, "ELBSecurityPolicy-TLS-1-0-2015-04")["Ciphers"][-1] == {"Name": "DES-CBC3-SHA", "Priority": 19}


def test_filter_by_load_balancer_type(elb):
    every = {p["Name"] for p in elb.describe_ssl_policies()["SslPolicies"]}
    app = {p["Name"] for p in elb.describe_ssl_policies(LoadBalancerType="application")["SslPolicies"]}
    net = {p["Name"] for p in elb.describe_ssl_policies(LoadBalancerType="network")["SslPolicies"]}
    assert app == net == every
    assert elb.describe_ssl_policies(LoadBalancerType="gateway")["SslPolicies"] == []
    # Names and type together.
    got = elb.describe_ssl_policies(Names=["ELBSecurityPolicy-2016-08", "ELBSecurityPolicy-TLS13-1-3-2021-06"],
                                    LoadBalancerType="network")["SslPolicies"]
    assert {p["Name"] for p in got} == {"ELBSecurityPolicy-2016-08", "ELBSecurityPolicy-TLS13-1-3-2021-06"}


def test_paging(elb):
    every = [p["Name"] for p in elb.describe_ssl_policies()["SslPolicies"]]
    seen, marker, pages = [], None, 0
    while True:
        kw = {"PageSize": 7, **({"Marker": marker} if marker else {})}
        out = elb.describe_ssl_policies(**kw)
        assert len(out["SslPolicies"]) <= 7
        seen += [p["Name"] for p in out["SslPolicies"]]
        pages += 1
        marker = out.get("NextMarker")
        if not marker:
            break
    assert seen == every and len(set(seen)) == len(seen)
    assert pages == -(-len(every) // 7)
    # The paginator agrees.
    names = [p["Name"] for page in elb.get_paginator("describe_ssl_policies").paginate(
        LoadBalancerType="application", PaginationConfig={"PageSize": 10}) for p in page["SslPolicies"]]
    assert names == every


def test_unknown_policy_name(elb):
    with raises_code("SSLPolicyNotFound") as e:
        elb.describe_ssl_policies(Names=["ELBSecurityPolicy-2016-08", "ELBSecurityPolicy-Nope"])
    assert err_message(e) == "The specified SSL policy 'ELBSecurityPolicy-Nope' does not exist"


# ---------------------------------------------------------------- listeners
def https_alb(ec2, elb):
    vpc = new_vpc(ec2, "10.0.0.0/16")
    a = new_subnet(ec2, vpc, "10.0.1.0/24", "us-east-1a")
    b = new_subnet(ec2, vpc, "10.0.2.0/24", "us-east-1b")
    lb = elb.create_load_balancer(Name="alb", Subnets=[a, b])["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elb.create_target_group(Name="web", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0][
        "TargetGroupArn"]
    return lb, [{"Type": "forward", "TargetGroupArn": tg}]


def test_listener_policy_must_exist_and_defaults_to_the_api_default(ec2, elbv2):
    ec2, elb = ec2(), elbv2()
    lb, actions = https_alb(ec2, elb)
    certs = [{"CertificateArn": CERT}]
    with raises_code("SSLPolicyNotFound") as e:
        elb.create_listener(LoadBalancerArn=lb, Protocol="HTTPS", Port=443, Certificates=certs,
                            SslPolicy="ELBSecurityPolicy-TLS13-9-9-2099-01", DefaultActions=actions)
    assert err_message(e) == "The specified SSL policy 'ELBSecurityPolicy-TLS13-9-9-2099-01' does not exist"
    assert elb.describe_listeners(LoadBalancerArn=lb)["Listeners"] == []
    # No SslPolicy: the API's default, not the console's.
    l = elb.create_listener(LoadBalancerArn=lb, Protocol="HTTPS", Port=443, Certificates=certs,
                            DefaultActions=actions)["Listeners"][0]
    assert l["SslPolicy"] == "ELBSecurityPolicy-2016-08"
    # The newer documented families are accepted.
    for name in ["ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04"]:
        got = elb.modify_listener(ListenerArn=l["ListenerArn"], SslPolicy=name)["Listeners"][0]
        assert got["SslPolicy"] == name
    with raises_code("SSLPolicyNotFound") as e:
        elb.modify_listener(ListenerArn=l["ListenerArn"], SslPolicy="Custom-Policy")
    assert err_message(e) == "The specified SSL policy 'Custom-Policy' does not exist"
    assert elb.describe_listeners(ListenerArns=[l["ListenerArn"]])["Listeners"][0]["SslPolicy"] == (
        "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04")


# ---------------------------------------------------------------- hosted zones
@pytest.mark.parametrize("region", sorted(ZONES))
def test_canonical_hosted_zone_ids(ec2, elbv2, region):
    e, elb = ec2(region=region), elbv2(region=region)
    subnets = sorted(default_subnets(e).items())
    assert len(subnets) >= 2, subnets
    ids = [s for _, s in subnets[:2]]
    alb = elb.create_load_balancer(Name="alb", Subnets=ids)["LoadBalancers"][0]
    nlb = elb.create_load_balancer(Name="nlb", Type="network", Subnets=ids[:1])["LoadBalancers"][0]
    app_zone, net_zone = ZONES[region]
    assert alb["CanonicalHostedZoneId"] == app_zone
    assert nlb["CanonicalHostedZoneId"] == net_zone
    described = {lb["LoadBalancerName"]: lb["CanonicalHostedZoneId"]
                 for lb in elb.describe_load_balancers()["LoadBalancers"]}
    assert described == {"alb": app_zone, "nlb": net_zone}
    assert region in alb["DNSName"] and region in nlb["DNSName"]


# ---------------------------------------------------------------- IpAddressType
def dual_stack_network(ec2):
    made = ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    vpc = made["VpcId"]
    block = ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    nets = list(ipaddress.ip_network(block).subnets(new_prefix=64))
    a = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a",
                          Ipv6CidrBlock=str(nets[1]))["Subnet"]["SubnetId"]
    b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24", AvailabilityZone="us-east-1b",
                          Ipv6CidrBlock=str(nets[2]))["Subnet"]["SubnetId"]
    c = new_subnet(ec2, vpc, "10.0.3.0/24", "us-east-1c")
    return vpc, a, b, c


def test_create_load_balancer_ip_address_type(ec2, elbv2):
    ec2, elb = ec2(), elbv2()
    vpc, a, b, v4only = dual_stack_network(ec2)

    def create(name, **kw):
        return elb.create_load_balancer(Name=name, **kw)["LoadBalancers"][0]

    assert create("plain", Subnets=[a, b])["IpAddressType"] == "ipv4"
    assert create("dual", Subnets=[a, b], IpAddressType="dualstack")["IpAddressType"] == "dualstack"
    assert create("nopub", Subnets=[a, b], IpAddressType="dualstack-without-public-ipv4")[
        "IpAddressType"] == "dualstack-without-public-ipv4"
    assert create("ndual", Type="network", Subnets=[a], IpAddressType="dualstack")["IpAddressType"] == "dualstack"
    # Without public IPv4: internet-facing application load balancers only.
    with raises_code("InvalidConfigurationRequest"):
        create("inner", Subnets=[a, b], Scheme="internal", IpAddressType="dualstack-without-public-ipv4")
    with raises_code("InvalidConfigurationRequest"):
        create("nnopub", Type="network", Subnets=[a], IpAddressType="dualstack-without-public-ipv4")
    # Dual stack wants an IPv6 block in every subnet.
    with raises_code("ValidationError") as e:
        create("half", Subnets=[a, v4only], IpAddressType="dualstack")
    assert err_message(e) == "You must specify subnets with an associated IPv6 CIDR block."
    with raises_code("ValidationError"):
        create("nhalf", Type="network", Subnets=[v4only], IpAddressType="dualstack")
    # Nothing was made by the refused calls.
    names = {lb["LoadBalancerName"] for lb in elb.describe_load_balancers()["LoadBalancers"]}
    assert names == {"plain", "dual", "nopub", "ndual"}
    # A value outside the enum (botocore would refuse it client-side).
    from conftest import DEFAULT_ACCOUNT, DEFAULT_REGION, make_client
    raw = make_client(elb.meta.endpoint_url, "elbv2", DEFAULT_ACCOUNT, DEFAULT_REGION, validate=False)
    with raises_code("ValidationError") as e:
        raw.create_load_balancer(Name="v6", Subnets=[a, b], IpAddressType="ipv6")
    assert "at 'ipAddressType' failed to satisfy constraint: Member must satisfy enum value set: [" in (
        err_message(e))
