"""boto3: ELBv2 load balancers after creation and listener certificates
(issue 13, item 4 and the certificate part of item 3).

SetSecurityGroups (ALB; NLB only when created with security groups;
EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic), SetIpAddressType,
DescribeAccountLimits, provisioning → active under ``--pace manual`` and the
``load_balancer_available`` waiter, deletion protection,
Add/Remove/DescribeListenerCertificates, DescribeSSLPolicies, and the new
scenario fields' round trip.
"""

from __future__ import annotations

import ipaddress

import pytest
import requests

from awsemu_helpers import err_message, new_subnet, new_vpc, raises_code

CERT = "arn:aws:acm:us-east-1:000000000000:certificate/11111111-2222-3333-4444-555555555555"
CERT2 = "arn:aws:acm:us-east-1:000000000000:certificate/66666666-2222-3333-4444-555555555555"
CERT3 = "arn:aws:iam::000000000000:server-certificate/other"


def advance(endpoint: str, seconds: float) -> None:
    r = requests.post(f"{endpoint}/_awsemu/clock", json={"seconds": seconds}, timeout=30)
    assert r.status_code == 200, r.text


@pytest.fixture
def ec2(ec2):
    return ec2()


@pytest.fixture
def elb(elbv2):
    return elbv2()


@pytest.fixture
def manual(manual_endpoint, client_for):
    r = requests.post(f"{manual_endpoint}/_awsemu/reset", timeout=30)
    assert r.status_code == 200, r.text
    return manual_endpoint, client_for(manual_endpoint, "ec2"), client_for(manual_endpoint, "elbv2")


def network(ec2):
    vpc = new_vpc(ec2, "10.0.0.0/16")
    a = new_subnet(ec2, vpc, "10.0.1.0/24", "us-east-1a")
    b = new_subnet(ec2, vpc, "10.0.2.0/24", "us-east-1b")
    return vpc, a, b


def sg(ec2, vpc, name):
    return ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]


def lb_of(elb, arn):
    return elb.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]


def eni_groups(ec2, lb_arn):
    name = lb_arn.split(":loadbalancer/")[1]
    enis = ec2.describe_network_interfaces(
        Filters=[{"Name": "description", "Values": [f"ELB {name}"]}])["NetworkInterfaces"]
    assert enis
    return {tuple(sorted(g["GroupId"] for g in e["Groups"])) for e in enis}


# ---------------------------------------------------------------- SetSecurityGroups
def test_set_security_groups_on_alb_follows_to_enis(ec2, elb):
    vpc, a, b = network(ec2)
    g1, g2 = sg(ec2, vpc, "one"), sg(ec2, vpc, "two")
    arn = elb.create_load_balancer(Name="alb", Subnets=[a, b], SecurityGroups=[g1])[
        "LoadBalancers"][0]["LoadBalancerArn"]
    out = elb.set_security_groups(LoadBalancerArn=arn, SecurityGroups=[g2, g1])
    assert out["SecurityGroupIds"] == [g2, g1]
    assert "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic" not in out
    assert lb_of(elb, arn)["SecurityGroups"] == [g2, g1]
    assert eni_groups(ec2, arn) == {tuple(sorted([g1, g2]))}
    # An unknown group, or one of another VPC, changes nothing.
    other = sg(ec2, new_vpc(ec2, "10.1.0.0/16"), "elsewhere")
    for bad in ("sg-0123456789abcdef0", other):
        with raises_code("InvalidSecurityGroup"):
            elb.set_security_groups(LoadBalancerArn=arn, SecurityGroups=[g1, bad])
    assert lb_of(elb, arn)["SecurityGroups"] == [g2, g1]
    with raises_code("InvalidConfigurationRequest"):
        elb.set_security_groups(LoadBalancerArn=arn, SecurityGroups=[g1],
                                EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic="off")
    with raises_code("LoadBalancerNotFound"):
        elb.set_security_groups(LoadBalancerArn=arn[:-1] + ("0" if arn[-1] != "0" else "1"), SecurityGroups=[g1])


def test_set_security_groups_on_nlb(ec2, elb):
    vpc, a, b = network(ec2)
    g1, g2 = sg(ec2, vpc, "one"), sg(ec2, vpc, "two")
    bare = elb.create_load_balancer(Name="bare", Type="network", Subnets=[a])["LoadBalancers"][0]
    assert "SecurityGroups" not in bare
    assert "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic" not in bare
    with raises_code("InvalidConfigurationRequest") as e:
        elb.set_security_groups(LoadBalancerArn=bare["LoadBalancerArn"], SecurityGroups=[g1])
    assert "created without" in err_message(e)
    assert "SecurityGroups" not in lb_of(elb, bare["LoadBalancerArn"])

    made = elb.create_load_balancer(Name="guarded", Type="network", Subnets=[a, b], SecurityGroups=[g1])[
        "LoadBalancers"][0]
    arn = made["LoadBalancerArn"]
    assert made["EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"] == "on"
    out = elb.set_security_groups(LoadBalancerArn=arn, SecurityGroups=[g2],
                                  EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic="off")
    assert out == {"SecurityGroupIds": [g2], "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic": "off",
                   "ResponseMetadata": out["ResponseMetadata"]}
    got = lb_of(elb, arn)
    assert got["SecurityGroups"] == [g2]
    assert got["EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"] == "off"
    assert eni_groups(ec2, arn) == {(g2,)}
    # Without the flag it stays as set.
    assert elb.set_security_groups(LoadBalancerArn=arn, SecurityGroups=[g1, g2])[
        "EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"] == "off"
    with raises_code("ValidationError"):
        elb.set_security_groups(LoadBalancerArn=arn, SecurityGroups=[g1],
                                EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic="maybe")
    with raises_code("InvalidConfigurationRequest"):
        elb.set_security_groups(LoadBalancerArn=arn, SecurityGroups=[])
    assert lb_of(elb, arn)["SecurityGroups"] == [g1, g2]


def test_gateway_load_balancers_take_no_security_groups(ec2, elb):
    vpc, a, _ = network(ec2)
    g1 = sg(ec2, vpc, "one")
    arn = elb.create_load_balancer(Name="gwy", Type="gateway", Subnets=[a])["LoadBalancers"][0]["LoadBalancerArn"]
    with raises_code("InvalidConfigurationRequest"):
        elb.set_security_groups(LoadBalancerArn=arn, SecurityGroups=[g1])


# ---------------------------------------------------------------- SetSubnets
def lb_enis(ec2, lb_arn):
    name = lb_arn.split(":loadbalancer/")[1]
    return {e["SubnetId"]: e for e in ec2.describe_network_interfaces(
        Filters=[{"Name": "description", "Values": [f"ELB {name}"]}])["NetworkInterfaces"]}


def test_set_subnets(ec2, elb):
    vpc, a, b = network(ec2)
    c = new_subnet(ec2, vpc, "10.0.3.0/24", "us-east-1c")
    a2 = new_subnet(ec2, vpc, "10.0.4.0/24", "us-east-1a")
    g1 = sg(ec2, vpc, "one")
    arn = elb.create_load_balancer(Name="alb", Subnets=[a, b], SecurityGroups=[g1])[
        "LoadBalancers"][0]["LoadBalancerArn"]
    kept = lb_enis(ec2, arn)[a]["NetworkInterfaceId"]
    out = elb.set_subnets(LoadBalancerArn=arn, Subnets=[a, c])
    assert [(z["ZoneName"], z["SubnetId"]) for z in out["AvailabilityZones"]] == [
        ("us-east-1a", a), ("us-east-1c", c)]
    assert out["IpAddressType"] == "ipv4"
    got = lb_of(elb, arn)["AvailabilityZones"]
    assert sorted(z["SubnetId"] for z in got) == sorted([a, c])
    enis = lb_enis(ec2, arn)
    assert set(enis) == {a, c}
    assert enis[a]["NetworkInterfaceId"] == kept
    assert enis[c]["RequesterManaged"] is True
    assert [g["GroupId"] for g in enis[c]["Groups"]] == [g1]
    # AWS's checks, each changing nothing.
    with raises_code("ValidationError"):
        elb.set_subnets(LoadBalancerArn=arn, Subnets=[a])
    with raises_code("InvalidConfigurationRequest"):
        elb.set_subnets(LoadBalancerArn=arn, Subnets=[a, a2])
    other = new_subnet(ec2, new_vpc(ec2, "10.1.0.0/16"), "10.1.1.0/24", "us-east-1b")
    with raises_code("InvalidConfigurationRequest"):
        elb.set_subnets(LoadBalancerArn=arn, Subnets=[a, other])
    with raises_code("SubnetNotFound"):
        elb.set_subnets(LoadBalancerArn=arn, Subnets=[a, "subnet-0123456789abcdef0"])
    assert set(lb_enis(ec2, arn)) == {a, c}
    # A network load balancer may add and drop zones.
    nlb = elb.create_load_balancer(Name="nlb", Type="network", Subnets=[a])["LoadBalancers"][0]["LoadBalancerArn"]
    elb.set_subnets(LoadBalancerArn=nlb, Subnets=[a, b])
    assert set(lb_enis(ec2, nlb)) == {a, b}
    assert lb_enis(ec2, nlb)[b]["InterfaceType"] == "network_load_balancer"
    elb.set_subnets(LoadBalancerArn=nlb, Subnets=[b])
    assert set(lb_enis(ec2, nlb)) == {b}
    assert [z["SubnetId"] for z in lb_of(elb, nlb)["AvailabilityZones"]] == [b]


# ---------------------------------------------------------------- SetIpAddressType
def test_set_ip_address_type(ec2, elb):
    made = ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    vpc = made["VpcId"]
    block = ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    nets = list(ipaddress.ip_network(block).subnets(new_prefix=64))
    a = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a",
                          Ipv6CidrBlock=str(nets[1]))["Subnet"]["SubnetId"]
    b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24", AvailabilityZone="us-east-1b",
                          Ipv6CidrBlock=str(nets[2]))["Subnet"]["SubnetId"]
    v4only = new_subnet(ec2, vpc, "10.0.3.0/24", "us-east-1c")
    arn = elb.create_load_balancer(Name="alb", Subnets=[a, b])["LoadBalancers"][0]["LoadBalancerArn"]
    assert lb_of(elb, arn)["IpAddressType"] == "ipv4"
    assert elb.set_ip_address_type(LoadBalancerArn=arn, IpAddressType="dualstack")["IpAddressType"] == "dualstack"
    assert lb_of(elb, arn)["IpAddressType"] == "dualstack"
    assert elb.set_ip_address_type(LoadBalancerArn=arn, IpAddressType="dualstack-without-public-ipv4")[
        "IpAddressType"] == "dualstack-without-public-ipv4"
    assert elb.set_ip_address_type(LoadBalancerArn=arn, IpAddressType="ipv4")["IpAddressType"] == "ipv4"
    with raises_code("ValidationError"):
        elb.set_ip_address_type(LoadBalancerArn=arn, IpAddressType="ipv6")
    # Internal, or a network load balancer: no dualstack-without-public-ipv4.
    nlb = elb.create_load_balancer(Name="nlb", Type="network", Subnets=[a])["LoadBalancers"][0]["LoadBalancerArn"]
    with raises_code("InvalidConfigurationRequest"):
        elb.set_ip_address_type(LoadBalancerArn=nlb, IpAddressType="dualstack-without-public-ipv4")
    assert elb.set_ip_address_type(LoadBalancerArn=nlb, IpAddressType="dualstack")["IpAddressType"] == "dualstack"
    # A subnet without IPv6 refuses dual stack.
    plain = elb.create_load_balancer(Name="plain", Type="network", Subnets=[v4only])[
        "LoadBalancers"][0]["LoadBalancerArn"]
    with raises_code("InvalidSubnet"):
        elb.set_ip_address_type(LoadBalancerArn=plain, IpAddressType="dualstack")
    assert lb_of(elb, plain)["IpAddressType"] == "ipv4"


# ---------------------------------------------------------------- DescribeAccountLimits
def test_describe_account_limits(elb):
    limits = {x["Name"]: x["Max"] for x in elb.describe_account_limits()["Limits"]}
    for name, value in {
        "application-load-balancers": "50", "target-groups": "3000",
        "targets-per-application-load-balancer": "1000", "listeners-per-application-load-balancer": "50",
        "rules-per-application-load-balancer": "100", "network-load-balancers": "50",
        "listeners-per-network-load-balancer": "50", "targets-per-network-load-balancer": "3000",
    }.items():
        assert limits[name] == value
    assert len(limits) == 18
    first = elb.describe_account_limits(PageSize=10)
    assert len(first["Limits"]) == 10
    rest = elb.describe_account_limits(PageSize=10, Marker=first["NextMarker"])
    assert "NextMarker" not in rest
    assert {x["Name"] for x in first["Limits"] + rest["Limits"]} == set(limits)


# ---------------------------------------------------------------- item 2: what exists
def test_provisioning_then_active_and_waiter(manual):
    endpoint, ec2, elb = manual
    _, a, b = network(ec2)
    made = elb.create_load_balancer(Name="slow", Subnets=[a, b])["LoadBalancers"][0]
    assert made["State"] == {"Code": "provisioning"}
    assert made["DNSName"].startswith("slow-") and made["DNSName"].endswith(".us-east-1.elb.amazonaws.com")
    assert made["CanonicalHostedZoneId"] == "Z35SXDOTRQ7X7K"
    assert lb_of(elb, made["LoadBalancerArn"])["State"]["Code"] == "provisioning"
    advance(endpoint, 60)
    assert lb_of(elb, made["LoadBalancerArn"])["State"]["Code"] == "active"
    elb.get_waiter("load_balancer_available").wait(
        LoadBalancerArns=[made["LoadBalancerArn"]], WaiterConfig={"Delay": 0, "MaxAttempts": 2})


def test_deletion_protection(ec2, elb):
    _, a, _ = network(ec2)
    arn = elb.create_load_balancer(Name="kept", Type="network", Subnets=[a])["LoadBalancers"][0]["LoadBalancerArn"]
    elb.modify_load_balancer_attributes(LoadBalancerArn=arn, Attributes=[
        {"Key": "deletion_protection.enabled", "Value": "true"}])
    with raises_code("OperationNotPermitted"):
        elb.delete_load_balancer(LoadBalancerArn=arn)
    assert lb_of(elb, arn)["LoadBalancerName"] == "kept"
    elb.modify_load_balancer_attributes(LoadBalancerArn=arn, Attributes=[
        {"Key": "deletion_protection.enabled", "Value": "false"}])
    elb.delete_load_balancer(LoadBalancerArn=arn)
    assert elb.describe_load_balancers()["LoadBalancers"] == []


# ---------------------------------------------------------------- listener certificates
def tls_listener(ec2, elb):
    vpc, a, _ = network(ec2)
    lb = elb.create_load_balancer(Name="nlb", Type="network", Subnets=[a])["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elb.create_target_group(Name="tg", Protocol="TCP", Port=80, VpcId=vpc)["TargetGroups"][0]["TargetGroupArn"]
    tls = elb.create_listener(LoadBalancerArn=lb, Protocol="TLS", Port=443, Certificates=[{"CertificateArn": CERT}],
                              DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])["Listeners"][0]
    tcp = elb.create_listener(LoadBalancerArn=lb, Protocol="TCP", Port=80,
                              DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])["Listeners"][0]
    return tls["ListenerArn"], tcp["ListenerArn"]


def certs(elb, arn):
    return [(c["CertificateArn"], c["IsDefault"]) for c in
            elb.describe_listener_certificates(ListenerArn=arn)["Certificates"]]


def test_listener_certificates(ec2, elb):
    tls, tcp = tls_listener(ec2, elb)
    assert certs(elb, tls) == [(CERT, True)]
    out = elb.add_listener_certificates(ListenerArn=tls, Certificates=[{"CertificateArn": CERT2}])
    assert out["Certificates"] == [{"CertificateArn": CERT2, "IsDefault": False}]
    elb.add_listener_certificates(ListenerArn=tls, Certificates=[{"CertificateArn": CERT3}])
    elb.add_listener_certificates(ListenerArn=tls, Certificates=[{"CertificateArn": CERT2}])  # again: no change
    assert certs(elb, tls) == [(CERT, True), (CERT2, False), (CERT3, False)]
    # DescribeListeners still shows only the default one.
    got = elb.describe_listeners(ListenerArns=[tls])["Listeners"][0]
    assert got["Certificates"] == [{"CertificateArn": CERT}]
    page = elb.describe_listener_certificates(ListenerArn=tls, PageSize=2)
    assert len(page["Certificates"]) == 2 and "NextMarker" in page
    rest = elb.describe_listener_certificates(ListenerArn=tls, PageSize=2, Marker=page["NextMarker"])
    assert [c["CertificateArn"] for c in rest["Certificates"]] == [CERT3] and "NextMarker" not in rest
    # The default comes first whatever the ARNs' order: an ARN sorting before it.
    early = "arn:aws:acm:us-east-1:000000000000:certificate/00000000-0000-0000-0000-000000000000"
    elb.add_listener_certificates(ListenerArn=tls, Certificates=[{"CertificateArn": early}])
    assert certs(elb, tls)[0] == (CERT, True) and certs(elb, tls)[-1] == (early, False)
    elb.remove_listener_certificates(ListenerArn=tls, Certificates=[{"CertificateArn": early}])
    # The default one cannot be removed.
    with raises_code("OperationNotPermitted"):
        elb.remove_listener_certificates(ListenerArn=tls, Certificates=[{"CertificateArn": CERT}])
    assert len(certs(elb, tls)) == 3
    elb.remove_listener_certificates(ListenerArn=tls, Certificates=[{"CertificateArn": CERT2}])
    assert certs(elb, tls) == [(CERT, True), (CERT3, False)]
    # Replacing the default with ModifyListener keeps the others.
    elb.modify_listener(ListenerArn=tls, Certificates=[{"CertificateArn": CERT2}])
    assert certs(elb, tls) == [(CERT2, True), (CERT3, False)]
    # Errors.
    with raises_code("InvalidConfigurationRequest"):
        elb.add_listener_certificates(ListenerArn=tcp, Certificates=[{"CertificateArn": CERT2}])
    with raises_code("CertificateNotFound"):
        elb.add_listener_certificates(ListenerArn=tls, Certificates=[{"CertificateArn": "nope"}])
    missing = tls[:-1] + ("0" if tls[-1] != "0" else "1")
    with raises_code("ListenerNotFound"):
        elb.describe_listener_certificates(ListenerArn=missing)
    with raises_code("ListenerNotFound"):
        elb.add_listener_certificates(ListenerArn=missing, Certificates=[{"CertificateArn": CERT2}])
    # Leaving TLS drops every certificate.
    elb.modify_listener(ListenerArn=tls, Protocol="TCP")
    assert certs(elb, tls) == []


# ---------------------------------------------------------------- DescribeSSLPolicies
def test_describe_ssl_policies(elb):
    all_ = elb.describe_ssl_policies()["SslPolicies"]
    names = {p["Name"] for p in all_}
    assert {"ELBSecurityPolicy-2016-08", "ELBSecurityPolicy-TLS13-1-2-2021-06",
            "ELBSecurityPolicy-TLS13-1-2-Res-2021-06", "ELBSecurityPolicy-TLS-1-2-2017-01",
            "ELBSecurityPolicy-FS-1-2-Res-2020-10"} <= names
    [p] = elb.describe_ssl_policies(Names=["ELBSecurityPolicy-2016-08"])["SslPolicies"]
    assert p["SslProtocols"] == ["TLSv1", "TLSv1.1", "TLSv1.2"]
    assert p["Ciphers"][0] == {"Name": "ECDHE-ECDSA-AES128-GCM-SHA256", "Priority": 1}
    assert [c["Priority"] for c in p["Ciphers"]] == list(range(1, len(p["Ciphers"]) + 1))
    assert p["SupportedLoadBalancerTypes"] == ["application", "network"]
    [t13] = elb.describe_ssl_policies(Names=["ELBSecurityPolicy-TLS13-1-2-Res-2021-06"])["SslPolicies"]
    assert t13["SslProtocols"] == ["TLSv1.2", "TLSv1.3"]
    assert t13["Ciphers"][0] == {"Name": "TLS_AES_128_GCM_SHA256", "Priority": 1}
    assert elb.describe_ssl_policies(LoadBalancerType="gateway")["SslPolicies"] == []
    with raises_code("SSLPolicyNotFound"):
        elb.describe_ssl_policies(Names=["ELBSecurityPolicy-Nope"])
    # A type outside the model's enum: the validation layer's own words.
    from conftest import DEFAULT_ACCOUNT, DEFAULT_REGION, make_client
    raw = make_client(elb.meta.endpoint_url, "elbv2", DEFAULT_ACCOUNT, DEFAULT_REGION, validate=False)
    with raises_code("ValidationError") as e:
        raw.describe_ssl_policies(LoadBalancerType="classic")
    assert "at 'loadBalancerType' failed to satisfy constraint: Member must satisfy enum value set: [" in (
        e.value.response["Error"]["Message"])


# ---------------------------------------------------------------- scenarios
SCENARIO = """\
version: 1
accounts:
  - id: "000000000000"
    regions:
      us-east-1:
        vpcs: [{name: main, cidr: 10.0.0.0/16}]
        subnets:
          - {name: a, vpc: main, cidr: 10.0.1.0/24, az: us-east-1a}
        securityGroups:
          - {name: web, vpc: main, description: web}
        loadBalancers:
          - name: guarded
            type: network
            subnets: [a]
            securityGroups: [web]
            enforceSecurityGroupInboundRulesOnPrivateLinkTraffic: "off"
        targetGroups:
          - {name: tg, protocol: TCP, port: 80, vpc: main}
        listeners:
          - loadBalancer: guarded
            protocol: TLS
            port: 443
            certificates: [CERT]
            extraCertificates: [CERT2]
            defaultActions: [{type: forward, targetGroup: tg}]
""".replace("CERT2", CERT2).replace("[CERT]", f"[{CERT}]")


def test_scenario_fields_round_trip(awsemu_launcher, client_for, tmp_path):
    path = tmp_path / "lb.yaml"
    path.write_text(SCENARIO)
    url, stop = awsemu_launcher("--scenario", str(path))
    try:
        elb = client_for(url, "elbv2")
        lb = elb.describe_load_balancers(Names=["guarded"])["LoadBalancers"][0]
        assert lb["EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic"] == "off"
        [listener] = elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
        assert certs(elb, listener["ListenerArn"]) == [(CERT, True), (CERT2, False)]
        exported = requests.get(f"{url}/_awsemu/state", timeout=10).text
        assert "extraCertificates:" in exported
        assert "enforceSecurityGroupInboundRulesOnPrivateLinkTraffic: 'off'" in exported or \
            'enforceSecurityGroupInboundRulesOnPrivateLinkTraffic: "off"' in exported or \
            "enforceSecurityGroupInboundRulesOnPrivateLinkTraffic: off" in exported
    finally:
        stop()
    again = tmp_path / "again.yaml"
    again.write_text(exported)
    url2, stop2 = awsemu_launcher("--scenario", str(again))
    try:
        elb2 = client_for(url2, "elbv2")
        lb2 = elb2.describe_load_balancers(Names=["guarded"])["LoadBalancers"][0]
        assert lb2 == lb
        assert certs(elb2, listener["ListenerArn"]) == [(CERT, True), (CERT2, False)]
        assert requests.get(f"{url2}/_awsemu/state", timeout=10).text == exported
    finally:
        stop2()


def test_changed_load_balancers_export_and_load_back(awsemu_launcher, client_for, tmp_path):
    url, stop = awsemu_launcher()
    try:
        ec2, elb = client_for(url, "ec2"), client_for(url, "elbv2")
        vpc, a, b = network(ec2)
        c = new_subnet(ec2, vpc, "10.0.3.0/24", "us-east-1c")
        g1, g2 = sg(ec2, vpc, "one"), sg(ec2, vpc, "two")
        alb = elb.create_load_balancer(Name="alb", Subnets=[a, b], SecurityGroups=[g1])[
            "LoadBalancers"][0]["LoadBalancerArn"]
        elb.set_subnets(LoadBalancerArn=alb, Subnets=[b, c])
        elb.set_security_groups(LoadBalancerArn=alb, SecurityGroups=[g2])
        nlb = elb.create_load_balancer(Name="nlb", Type="network", Subnets=[a], SecurityGroups=[g1])[
            "LoadBalancers"][0]["LoadBalancerArn"]
        elb.set_subnets(LoadBalancerArn=nlb, Subnets=[a, c])
        elb.set_security_groups(LoadBalancerArn=nlb, SecurityGroups=[g1, g2],
                                EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic="off")
        before = elb.describe_load_balancers()["LoadBalancers"]
        enis = ec2.describe_network_interfaces()["NetworkInterfaces"]
        exported = requests.get(f"{url}/_awsemu/state", timeout=10).text
    finally:
        stop()
    path = tmp_path / "again.yaml"
    path.write_text(exported)
    url2, stop2 = awsemu_launcher("--scenario", str(path))
    try:
        ec2, elb = client_for(url2, "ec2"), client_for(url2, "elbv2")
        after = elb.describe_load_balancers()["LoadBalancers"]
        strip = lambda lbs: [{k: v for k, v in x.items() if k != "State"} for x in lbs]  # noqa: E731
        assert strip(after) == strip(before)
        assert ec2.describe_network_interfaces()["NetworkInterfaces"] == enis
        assert requests.get(f"{url2}/_awsemu/state", timeout=10).text == exported
    finally:
        stop2()
