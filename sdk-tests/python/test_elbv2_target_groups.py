"""boto3 and the AWS CLI: ELBv2 target groups, targets, listeners and rules
(issue 13, items 1–3).

Target groups of every target type and protocol with AWS's health check
defaults and validation, their attributes, tags, paging; targets registered
and deregistered with AWS's checks; DescribeTargetHealth's state machine on
the world clock under ``--pace manual``; botocore's ``target_in_service`` and
``target_deregistered`` waiters; listeners with forward (single and
weighted), redirect and fixed-response default actions; rules with their
conditions and priorities; scenarios; the AWS CLI flow of the issue.
"""

from __future__ import annotations

import re

import pytest
import requests

from awsemu_helpers import err_message, new_subnet, new_vpc, raises_code, tags_dict

TG_ARN = re.compile(
    r"^arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/[A-Za-z0-9-]+/[0-9a-f]{16}$"
)
ECS_AL2023 = "al2023-ami-ecs-hvm-*-x86_64"


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
    return (
        manual_endpoint,
        client_for(manual_endpoint, "ec2"),
        client_for(manual_endpoint, "elbv2"),
    )


def network(ec2):
    """A VPC with subnets in two AZs."""
    vpc = new_vpc(ec2, "10.0.0.0/16")
    a = new_subnet(ec2, vpc, "10.0.1.0/24", "us-east-1a")
    b = new_subnet(ec2, vpc, "10.0.2.0/24", "us-east-1b")
    return vpc, a, b


def nlb(elb, subnets, name="nlb"):
    return elb.create_load_balancer(Name=name, Type="network", Scheme="internal", Subnets=subnets)[
        "LoadBalancers"][0]["LoadBalancerArn"]


def alb(elb, subnets, name="alb"):
    return elb.create_load_balancer(Name=name, Type="application", Subnets=subnets)[
        "LoadBalancers"][0]["LoadBalancerArn"]


def tg(elb, name="tg", **kw):
    return elb.create_target_group(Name=name, **kw)["TargetGroups"][0]


def tcp_tg(elb, vpc, name="tcp", **kw):
    return tg(elb, name, Protocol="TCP", Port=80, VpcId=vpc, **kw)


def attrs(elb, arn):
    return {a["Key"]: a["Value"] for a in elb.describe_target_group_attributes(TargetGroupArn=arn)["Attributes"]}


def forward(arn):
    return [{"Type": "forward", "TargetGroupArn": arn}]


def health(elb, arn, **kw):
    return elb.describe_target_health(TargetGroupArn=arn, **kw)["TargetHealthDescriptions"]


def states(elb, arn, **kw):
    return [(d["TargetHealth"]["State"], d["TargetHealth"].get("Reason")) for d in health(elb, arn, **kw)]


def run_instance(ec2, subnet):
    image = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": [ECS_AL2023]}])[
        "Images"][0]["ImageId"]
    return ec2.run_instances(ImageId=image, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                             SubnetId=subnet)["Instances"][0]["InstanceId"]


# ---------------------------------------------------------------------------
# Target groups: defaults per kind
# ---------------------------------------------------------------------------
def test_tcp_target_group_has_network_defaults(ec2, elb):
    vpc, _, _ = network(ec2)
    g = tcp_tg(elb, vpc, Tags=[{"Key": "team", "Value": "a"}])
    assert TG_ARN.match(g["TargetGroupArn"]) and "/tcp/" in g["TargetGroupArn"]
    assert g["TargetGroupName"] == "tcp"
    assert (g["Protocol"], g["Port"], g["VpcId"], g["TargetType"]) == ("TCP", 80, vpc, "instance")
    assert g["HealthCheckProtocol"] == "TCP"
    assert g["HealthCheckPort"] == "traffic-port"
    assert g["HealthCheckEnabled"] is True
    assert (g["HealthCheckIntervalSeconds"], g["HealthCheckTimeoutSeconds"]) == (30, 10)
    assert (g["HealthyThresholdCount"], g["UnhealthyThresholdCount"]) == (5, 2)
    assert "HealthCheckPath" not in g and "Matcher" not in g and "ProtocolVersion" not in g
    assert g["LoadBalancerArns"] == []
    assert g["IpAddressType"] == "ipv4"
    tags = elb.describe_tags(ResourceArns=[g["TargetGroupArn"]])["TagDescriptions"][0]["Tags"]
    assert tags_dict(tags) == {"team": "a"}


def test_http_target_groups_have_application_defaults(ec2, elb):
    vpc, _, _ = network(ec2)
    g = tg(elb, "web", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip")
    assert g["ProtocolVersion"] == "HTTP1"
    assert (g["HealthCheckProtocol"], g["HealthCheckPath"]) == ("HTTP", "/")
    assert (g["HealthCheckIntervalSeconds"], g["HealthCheckTimeoutSeconds"]) == (30, 5)
    assert g["Matcher"] == {"HttpCode": "200"}
    grpc = tg(elb, "grpc", Protocol="HTTPS", Port=443, VpcId=vpc, ProtocolVersion="GRPC")
    assert grpc["ProtocolVersion"] == "GRPC"
    assert grpc["HealthCheckProtocol"] == "HTTPS"
    assert grpc["HealthCheckPath"] == "/AWS.ALB/healthcheck"
    assert grpc["Matcher"] == {"GrpcCode": "12"}


def test_lambda_alb_geneve_and_http_checked_tcp_defaults(ec2, elb):
    vpc, _, _ = network(ec2)
    lam = tg(elb, "fn", TargetType="lambda")
    assert "Protocol" not in lam and "Port" not in lam and "VpcId" not in lam
    assert lam["HealthCheckEnabled"] is False
    assert (lam["HealthCheckIntervalSeconds"], lam["HealthCheckTimeoutSeconds"]) == (35, 30)
    a = tg(elb, "to-alb", TargetType="alb", Protocol="TCP", Port=80, VpcId=vpc)
    assert (a["HealthCheckProtocol"], a["HealthCheckTimeoutSeconds"], a["Matcher"]) == (
        "HTTP", 6, {"HttpCode": "200-399"})
    gen = tg(elb, "gen", Protocol="GENEVE", Port=6081, VpcId=vpc)
    assert (gen["HealthCheckProtocol"], gen["HealthCheckPort"]) == ("TCP", "80")
    assert (gen["HealthCheckIntervalSeconds"], gen["HealthCheckTimeoutSeconds"]) == (10, 5)
    h = tcp_tg(elb, vpc, "tcp-http", HealthCheckProtocol="HTTP", HealthCheckPath="/health")
    assert (h["HealthCheckProtocol"], h["HealthCheckPath"], h["HealthCheckTimeoutSeconds"]) == (
        "HTTP", "/health", 6)
    assert h["Matcher"] == {"HttpCode": "200-399"}
    for proto in ("UDP", "TCP_UDP", "TLS"):
        g = tg(elb, proto.lower().replace("_", "-"), Protocol=proto, Port=53, VpcId=vpc)
        assert g["Protocol"] == proto and g["HealthCheckProtocol"] == "TCP"


def test_default_attributes_per_kind(ec2, elb):
    vpc, _, _ = network(ec2)
    inst = attrs(elb, tcp_tg(elb, vpc)["TargetGroupArn"])
    assert inst["deregistration_delay.timeout_seconds"] == "300"
    assert inst["stickiness.enabled"] == "false" and inst["stickiness.type"] == "source_ip"
    assert inst["proxy_protocol_v2.enabled"] == "false"
    assert inst["preserve_client_ip.enabled"] == "true"
    assert inst["deregistration_delay.connection_termination.enabled"] == "false"
    assert inst["load_balancing.cross_zone.enabled"] == "use_load_balancer_configuration"
    ip = attrs(elb, tcp_tg(elb, vpc, "tcp-ip", TargetType="ip")["TargetGroupArn"])
    assert ip["preserve_client_ip.enabled"] == "false"
    udp = attrs(elb, tg(elb, "udp", Protocol="UDP", Port=53, VpcId=vpc, TargetType="ip")["TargetGroupArn"])
    assert udp["preserve_client_ip.enabled"] == "true"
    assert udp["deregistration_delay.connection_termination.enabled"] == "true"
    http = attrs(elb, tg(elb, "http", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroupArn"])
    assert http["stickiness.type"] == "lb_cookie"
    assert http["stickiness.lb_cookie.duration_seconds"] == "86400"
    assert http["load_balancing.algorithm.type"] == "round_robin"
    assert http["slow_start.duration_seconds"] == "0"
    assert "proxy_protocol_v2.enabled" not in http
    gen = attrs(elb, tg(elb, "gen", Protocol="GENEVE", Port=6081, VpcId=vpc)["TargetGroupArn"])
    assert gen["stickiness.type"] == "source_ip_dest_ip_proto"
    assert gen["target_failover.on_deregistration"] == "no_rebalance"
    lam = attrs(elb, tg(elb, "fn", TargetType="lambda")["TargetGroupArn"])
    assert lam["lambda.multi_value_headers.enabled"] == "false"
    assert "deregistration_delay.timeout_seconds" not in lam


def test_modify_target_group_attributes(ec2, elb):
    vpc, _, _ = network(ec2)
    arn = tcp_tg(elb, vpc)["TargetGroupArn"]
    out = elb.modify_target_group_attributes(TargetGroupArn=arn, Attributes=[
        {"Key": "deregistration_delay.timeout_seconds", "Value": "30"},
        {"Key": "proxy_protocol_v2.enabled", "Value": "true"},
        {"Key": "stickiness.enabled", "Value": "true"},
    ])["Attributes"]
    got = {a["Key"]: a["Value"] for a in out}
    assert got["deregistration_delay.timeout_seconds"] == "30"
    assert attrs(elb, arn)["proxy_protocol_v2.enabled"] == "true"
    for bad in ({"Key": "deregistration_delay.timeout_seconds", "Value": "4000"},
                {"Key": "stickiness.type", "Value": "lb_cookie"},
                {"Key": "slow_start.duration_seconds", "Value": "30"},
                {"Key": "proxy_protocol_v2.enabled", "Value": "yes"}):
        with raises_code("ValidationError"):
            elb.modify_target_group_attributes(TargetGroupArn=arn, Attributes=[bad])
    # Nothing of a refused call was applied.
    assert attrs(elb, arn)["stickiness.type"] == "source_ip"
    udp = tg(elb, "udp", Protocol="UDP", Port=53, VpcId=vpc)["TargetGroupArn"]
    with raises_code("InvalidConfigurationRequest"):
        elb.modify_target_group_attributes(
            TargetGroupArn=udp, Attributes=[{"Key": "preserve_client_ip.enabled", "Value": "false"}])


# ---------------------------------------------------------------------------
# Target groups: validation, uniqueness, describe, modify, delete
# ---------------------------------------------------------------------------
def test_create_target_group_validation(ec2, elb):
    vpc, _, _ = network(ec2)
    cases = [
        ({"Name": "no-vpc", "Protocol": "TCP", "Port": 80}, "ValidationError"),
        ({"Name": "no-port", "Protocol": "TCP", "VpcId": vpc}, "ValidationError"),
        ({"Name": "fn", "TargetType": "lambda", "Port": 80}, "ValidationError"),
        ({"Name": "bad_name", "Protocol": "TCP", "Port": 80, "VpcId": vpc}, "ValidationError"),
        ({"Name": "-bad", "Protocol": "TCP", "Port": 80, "VpcId": vpc}, "ValidationError"),
        ({"Name": "x" * 33, "Protocol": "TCP", "Port": 80, "VpcId": vpc}, "ValidationError"),
        ({"Name": "novpc", "Protocol": "TCP", "Port": 80, "VpcId": "vpc-0123456789abcdef0"}, "ValidationError"),
        ({"Name": "alb-http", "TargetType": "alb", "Protocol": "HTTP", "Port": 80, "VpcId": vpc},
         "ValidationError"),
        ({"Name": "timeout", "Protocol": "HTTP", "Port": 80, "VpcId": vpc,
          "HealthCheckIntervalSeconds": 10, "HealthCheckTimeoutSeconds": 10}, "ValidationError"),
        ({"Name": "code", "Protocol": "HTTP", "Port": 80, "VpcId": vpc, "Matcher": {"HttpCode": "500"}},
         "ValidationError"),
        ({"Name": "path", "Protocol": "TCP", "Port": 80, "VpcId": vpc, "HealthCheckPath": "/x"},
         "ValidationError"),
        ({"Name": "matcher", "Protocol": "TCP", "Port": 80, "VpcId": vpc, "Matcher": {"HttpCode": "200"}},
         "ValidationError"),
        ({"Name": "udp-check", "Protocol": "UDP", "Port": 53, "VpcId": vpc, "HealthCheckProtocol": "UDP"},
         "ValidationError"),
        ({"Name": "version", "Protocol": "TCP", "Port": 80, "VpcId": vpc, "ProtocolVersion": "HTTP2"},
         "ValidationError"),
        ({"Name": "disabled", "Protocol": "TCP", "Port": 80, "VpcId": vpc, "HealthCheckEnabled": False},
         "InvalidConfigurationRequest"),
    ]
    for kwargs, code in cases:
        with raises_code(code):
            elb.create_target_group(**kwargs)
    assert elb.describe_target_groups()["TargetGroups"] == []
    # Network load balancers take codes up to 599.
    g = tcp_tg(elb, vpc, "nlb-code", HealthCheckProtocol="HTTP", Matcher={"HttpCode": "200-599"})
    assert g["Matcher"] == {"HttpCode": "200-599"}


def test_names_are_unique_and_create_is_idempotent(ec2, elb):
    vpc, _, _ = network(ec2)
    first = tcp_tg(elb, vpc, "same")
    again = tcp_tg(elb, vpc, "same")
    assert again["TargetGroupArn"] == first["TargetGroupArn"]
    with raises_code("DuplicateTargetGroupName") as e:
        tg(elb, "same", Protocol="TCP", Port=81, VpcId=vpc)
    assert "same" in err_message(e)
    assert len(elb.describe_target_groups()["TargetGroups"]) == 1


def test_describe_target_groups_selects_and_pages(ec2, elb):
    vpc, a, _ = network(ec2)
    arns = [tcp_tg(elb, vpc, f"tg-{i}")["TargetGroupArn"] for i in range(5)]
    assert {g["TargetGroupArn"] for g in elb.describe_target_groups()["TargetGroups"]} == set(arns)
    by_name = elb.describe_target_groups(Names=["tg-1", "tg-3"])["TargetGroups"]
    assert {g["TargetGroupName"] for g in by_name} == {"tg-1", "tg-3"}
    by_arn = elb.describe_target_groups(TargetGroupArns=[arns[0]])["TargetGroups"]
    assert [g["TargetGroupName"] for g in by_arn] == ["tg-0"]
    page = elb.describe_target_groups(PageSize=2)
    assert len(page["TargetGroups"]) == 2 and page["NextMarker"]
    seen = []
    for p in elb.get_paginator("describe_target_groups").paginate(PaginationConfig={"PageSize": 2}):
        seen += [g["TargetGroupArn"] for g in p["TargetGroups"]]
    assert sorted(seen) == sorted(arns) and len(seen) == 5
    with raises_code("TargetGroupNotFound"):
        elb.describe_target_groups(Names=["nope"])
    with raises_code("TargetGroupNotFound"):
        elb.describe_target_groups(TargetGroupArns=[arns[0].replace("/tg-0/", "/gone/")])
    with raises_code("ValidationError"):
        elb.describe_target_groups(TargetGroupArns=["not-an-arn"])
    with raises_code("ValidationError"):
        elb.describe_target_groups(TargetGroupArns=[arns[0]], Names=["tg-0"])
    lb = nlb(elb, [a])
    assert elb.describe_target_groups(LoadBalancerArn=lb)["TargetGroups"] == []
    elb.create_listener(LoadBalancerArn=lb, Protocol="TCP", Port=80, DefaultActions=forward(arns[2]))
    used = elb.describe_target_groups(LoadBalancerArn=lb)["TargetGroups"]
    assert [g["TargetGroupArn"] for g in used] == [arns[2]]
    assert used[0]["LoadBalancerArns"] == [lb]


def test_modify_target_group_health_check(ec2, elb):
    vpc, _, _ = network(ec2)
    arn = tcp_tg(elb, vpc)["TargetGroupArn"]
    g = elb.modify_target_group(TargetGroupArn=arn, HealthCheckProtocol="HTTP", HealthCheckPath="/ping",
                                HealthCheckIntervalSeconds=10, HealthyThresholdCount=3,
                                Matcher={"HttpCode": "200,204"})["TargetGroups"][0]
    assert (g["HealthCheckProtocol"], g["HealthCheckPath"], g["HealthCheckIntervalSeconds"]) == (
        "HTTP", "/ping", 10)
    assert (g["HealthyThresholdCount"], g["Matcher"]) == (3, {"HttpCode": "200,204"})
    with raises_code("ValidationError"):
        elb.modify_target_group(TargetGroupArn=arn, HealthCheckTimeoutSeconds=10)
    assert elb.describe_target_groups(TargetGroupArns=[arn])["TargetGroups"][0]["HealthCheckTimeoutSeconds"] == 6
    with raises_code("TargetGroupNotFound"):
        elb.modify_target_group(TargetGroupArn=arn.replace("/tcp/", "/gone/"), HealthyThresholdCount=3)


def test_delete_target_group_in_use_and_tags(ec2, elb):
    vpc, a, _ = network(ec2)
    arn = tcp_tg(elb, vpc)["TargetGroupArn"]
    lb = nlb(elb, [a])
    listener = elb.create_listener(LoadBalancerArn=lb, Protocol="TCP", Port=80,
                                   DefaultActions=forward(arn))["Listeners"][0]["ListenerArn"]
    with raises_code("ResourceInUse"):
        elb.delete_target_group(TargetGroupArn=arn)
    elb.add_tags(ResourceArns=[arn, listener, lb], Tags=[{"Key": "env", "Value": "dev"}])
    descs = elb.describe_tags(ResourceArns=[arn, listener, lb])["TagDescriptions"]
    assert [tags_dict(d["Tags"]) for d in descs] == [{"env": "dev"}] * 3
    elb.remove_tags(ResourceArns=[listener], TagKeys=["env"])
    assert elb.describe_tags(ResourceArns=[listener])["TagDescriptions"][0]["Tags"] == []
    elb.delete_listener(ListenerArn=listener)
    with raises_code("ListenerNotFound"):
        elb.describe_tags(ResourceArns=[listener])
    elb.delete_target_group(TargetGroupArn=arn)
    elb.delete_target_group(TargetGroupArn=arn)  # gone already: still fine
    with raises_code("TargetGroupNotFound"):
        elb.describe_tags(ResourceArns=[arn])


# ---------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------
def test_register_targets_validation(ec2, elb):
    vpc, a, _ = network(ec2)
    other_vpc = new_vpc(ec2, "10.9.0.0/16")
    other_subnet = new_subnet(ec2, other_vpc, "10.9.1.0/24")
    inst = run_instance(ec2, a)
    stray = run_instance(ec2, other_subnet)
    arn = tcp_tg(elb, vpc)["TargetGroupArn"]
    with raises_code("InvalidTarget"):
        elb.register_targets(TargetGroupArn=arn, Targets=[{"Id": "i-0123456789abcdef0"}])
    with raises_code("InvalidTarget") as e:
        elb.register_targets(TargetGroupArn=arn, Targets=[{"Id": inst}, {"Id": stray}])
    assert stray in err_message(e)
    assert health(elb, arn) == []  # all or nothing
    ec2.stop_instances(InstanceIds=[inst])
    ec2.describe_instances(InstanceIds=[inst])
    with raises_code("InvalidTarget") as e:
        elb.register_targets(TargetGroupArn=arn, Targets=[{"Id": inst}])
    assert "running" in err_message(e)

    ip = tcp_tg(elb, vpc, "ips", TargetType="ip")["TargetGroupArn"]
    elb.register_targets(TargetGroupArn=ip, Targets=[{"Id": "10.0.1.10"}, {"Id": "10.0.2.10", "Port": 8080}])
    with raises_code("InvalidTarget"):  # private, outside the VPC: AZ `all` needed
        elb.register_targets(TargetGroupArn=ip, Targets=[{"Id": "192.168.1.5"}])
    elb.register_targets(TargetGroupArn=ip, Targets=[{"Id": "192.168.1.5", "AvailabilityZone": "all"}])
    with raises_code("InvalidTarget"):  # public
        elb.register_targets(TargetGroupArn=ip, Targets=[{"Id": "8.8.8.8", "AvailabilityZone": "all"}])
    with raises_code("InvalidTarget"):
        elb.register_targets(TargetGroupArn=ip, Targets=[{"Id": "not-an-ip"}])
    got = {(d["Target"]["Id"], d["Target"]["Port"]) for d in health(elb, ip)}
    assert got == {("10.0.1.10", 80), ("10.0.2.10", 8080), ("192.168.1.5", 80)}
    az = [d["Target"].get("AvailabilityZone") for d in health(elb, ip) if d["Target"]["Id"] == "192.168.1.5"]
    assert az == ["all"]
    with raises_code("TargetGroupNotFound"):
        elb.register_targets(TargetGroupArn=ip.replace("/ips/", "/gone/"), Targets=[{"Id": "10.0.1.10"}])
    # Not registered: "the action returns successfully" (API reference).
    elb.deregister_targets(TargetGroupArn=ip, Targets=[{"Id": "10.0.1.99"}])
    assert len(health(elb, ip)) == 3


def test_health_without_listener_and_unregistered(ec2, elb):
    vpc, a, _ = network(ec2)
    arn = tcp_tg(elb, vpc, TargetType="ip")["TargetGroupArn"]
    elb.register_targets(TargetGroupArn=arn, Targets=[{"Id": "10.0.1.10"}])
    d = health(elb, arn)[0]
    assert d["Target"] == {"Id": "10.0.1.10", "Port": 80}
    assert d["HealthCheckPort"] == "80"
    assert d["TargetHealth"]["State"] == "unused"
    assert d["TargetHealth"]["Reason"] == "Target.NotInUse"
    assert d["TargetHealth"]["Description"]
    assert states(elb, arn, Targets=[{"Id": "10.0.1.11"}]) == [("unused", "Target.NotRegistered")]
    # Unregistered: deregistration is immediate.
    elb.deregister_targets(TargetGroupArn=arn, Targets=[{"Id": "10.0.1.10"}])
    assert health(elb, arn) == []


def test_waiters_in_service_and_deregistered(ec2, elb):
    vpc, a, b = network(ec2)
    arn = tcp_tg(elb, vpc)["TargetGroupArn"]
    i1, i2 = run_instance(ec2, a), run_instance(ec2, b)
    ec2.get_waiter("instance_running").wait(InstanceIds=[i1, i2], WaiterConfig={"Delay": 1})
    lb = nlb(elb, [a, b])
    elb.create_listener(LoadBalancerArn=lb, Protocol="TCP", Port=80, DefaultActions=forward(arn))
    elb.register_targets(TargetGroupArn=arn, Targets=[{"Id": i1}, {"Id": i2}])
    elb.get_waiter("target_in_service").wait(TargetGroupArn=arn, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    assert states(elb, arn) == [("healthy", None)] * 2
    elb.deregister_targets(TargetGroupArn=arn, Targets=[{"Id": i1}])
    elb.get_waiter("target_deregistered").wait(TargetGroupArn=arn, Targets=[{"Id": i1}],
                                                WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    assert [d["Target"]["Id"] for d in health(elb, arn)] == [i2]


def test_health_state_machine_on_the_clock(manual):
    endpoint, ec2, elb = manual
    vpc, a, b = network(ec2)
    inst = run_instance(ec2, a)
    advance(endpoint, 5)
    arn = tcp_tg(elb, vpc)["TargetGroupArn"]
    ip_arn = tcp_tg(elb, vpc, "ips", TargetType="ip")["TargetGroupArn"]
    elb.register_targets(TargetGroupArn=arn, Targets=[{"Id": inst}])
    assert states(elb, arn) == [("unused", "Target.NotInUse")]
    lb = nlb(elb, [a])
    elb.create_listener(LoadBalancerArn=lb, Protocol="TCP", Port=80, DefaultActions=forward(arn))
    assert states(elb, arn) == [("initial", "Elb.RegistrationInProgress")]
    advance(endpoint, 5)
    assert states(elb, arn) == [("initial", "Elb.RegistrationInProgress")]
    advance(endpoint, 5)
    assert states(elb, arn) == [("healthy", None)]

    # A zone the load balancer is not in: not in use.
    elb.create_listener(LoadBalancerArn=lb, Protocol="TCP", Port=81, DefaultActions=forward(ip_arn))
    elb.register_targets(TargetGroupArn=ip_arn, Targets=[{"Id": "10.0.2.7"}, {"Id": "10.0.1.7"}])
    advance(endpoint, 10)
    got = {d["Target"]["Id"]: (d["TargetHealth"]["State"], d["TargetHealth"].get("Reason"))
           for d in health(elb, ip_arn)}
    assert got == {"10.0.2.7": ("unused", "Target.NotInUse"), "10.0.1.7": ("healthy", None)}

    # Stopped instance: unused, invalid state.
    ec2.stop_instances(InstanceIds=[inst])
    advance(endpoint, 5)
    assert states(elb, arn) == [("unused", "Target.InvalidState")]
    ec2.start_instances(InstanceIds=[inst])
    advance(endpoint, 5)
    assert states(elb, arn) == [("healthy", None)]

    # Draining for the deregistration delay, then gone.
    elb.modify_target_group_attributes(
        TargetGroupArn=arn, Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "60"}])
    elb.deregister_targets(TargetGroupArn=arn, Targets=[{"Id": inst}])
    assert states(elb, arn) == [("draining", "Target.DeregistrationInProgress")]
    advance(endpoint, 59)
    assert states(elb, arn) == [("draining", "Target.DeregistrationInProgress")]
    advance(endpoint, 1)
    assert health(elb, arn) == []
    assert states(elb, arn, Targets=[{"Id": inst}]) == [("unused", "Target.NotRegistered")]

    # Registered again, then the listener goes: back to unused.
    elb.register_targets(TargetGroupArn=arn, Targets=[{"Id": inst}])
    advance(endpoint, 10)
    assert states(elb, arn) == [("healthy", None)]
    listener = elb.describe_listeners(LoadBalancerArn=lb)["Listeners"]
    elb.delete_listener(ListenerArn=[x for x in listener if x["Port"] == 80][0]["ListenerArn"])
    assert states(elb, arn) == [("unused", "Target.NotInUse")]


def test_control_api_makes_a_target_fail_its_checks(ec2, elb, awsemu_endpoint):
    vpc, a, _ = network(ec2)
    arn = tcp_tg(elb, vpc, TargetType="ip")["TargetGroupArn"]
    elb.create_listener(LoadBalancerArn=nlb(elb, [a]), Protocol="TCP", Port=80, DefaultActions=forward(arn))
    elb.register_targets(TargetGroupArn=arn, Targets=[{"Id": "10.0.1.10"}])
    assert states(elb, arn) == [("healthy", None)]
    url = f"{awsemu_endpoint}/_awsemu/elbv2/target-health"
    r = requests.post(url, json={"targetGroupArn": arn, "targetId": "10.0.1.10", "healthy": False}, timeout=10)
    assert r.status_code == 200, r.text
    d = health(elb, arn)[0]["TargetHealth"]
    assert (d["State"], d["Reason"]) == ("unhealthy", "Target.FailedHealthChecks")
    with pytest.raises(Exception):
        elb.get_waiter("target_in_service").wait(TargetGroupArn=arn, WaiterConfig={"Delay": 1, "MaxAttempts": 2})
    r = requests.post(url, json={"targetGroupArn": arn, "targetId": "10.0.1.99", "healthy": False}, timeout=10)
    assert r.status_code == 404, r.text
    r = requests.post(url, json={"targetGroupArn": arn, "targetId": "10.0.1.10", "healthy": True}, timeout=10)
    assert r.status_code == 200, r.text
    assert states(elb, arn) == [("healthy", None)]


# ---------------------------------------------------------------------------
# Listeners
# ---------------------------------------------------------------------------
def test_network_listener_fields_and_errors(ec2, elb):
    vpc, a, _ = network(ec2)
    lb = nlb(elb, [a])
    arn = tcp_tg(elb, vpc)["TargetGroupArn"]
    udp = tg(elb, "udp", Protocol="UDP", Port=53, VpcId=vpc)["TargetGroupArn"]
    l = elb.create_listener(LoadBalancerArn=lb, Protocol="TCP", Port=80, DefaultActions=forward(arn))[
        "Listeners"][0]
    lb_hex = lb.rsplit("/", 1)[1]
    assert re.match(rf"^arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/net/nlb/{lb_hex}/[0-9a-f]{{16}}$",
                    l["ListenerArn"])
    assert (l["LoadBalancerArn"], l["Protocol"], l["Port"]) == (lb, "TCP", 80)
    action = l["DefaultActions"][0]
    assert action["Type"] == "forward" and action["TargetGroupArn"] == arn
    assert action["ForwardConfig"]["TargetGroups"] == [{"TargetGroupArn": arn, "Weight": 1}]
    assert elb.describe_listeners(ListenerArns=[l["ListenerArn"]])["Listeners"] == [l]
    assert elb.describe_listeners(LoadBalancerArn=lb)["Listeners"] == [l]
    # The same settings again: the same listener (CreateListener is idempotent).
    again = elb.create_listener(LoadBalancerArn=lb, Protocol="TCP", Port=80, DefaultActions=forward(arn))
    assert again["Listeners"] == [l]
    tcp2 = tcp_tg(elb, vpc, "tcp2")["TargetGroupArn"]
    with raises_code("DuplicateListener"):
        elb.create_listener(LoadBalancerArn=lb, Protocol="TCP", Port=80, DefaultActions=forward(tcp2))
    with raises_code("UnsupportedProtocol"):
        elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=8080, DefaultActions=forward(arn))
    with raises_code("IncompatibleProtocols"):
        elb.create_listener(LoadBalancerArn=lb, Protocol="TCP", Port=81, DefaultActions=forward(udp))
    with raises_code("ValidationError"):  # TLS needs a certificate
        elb.create_listener(LoadBalancerArn=lb, Protocol="TLS", Port=443, DefaultActions=forward(arn))
    with raises_code("InvalidLoadBalancerAction"):
        elb.create_listener(LoadBalancerArn=lb, Protocol="TCP", Port=82, DefaultActions=[
            {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200"}}])
    with raises_code("TargetGroupNotFound"):
        elb.create_listener(LoadBalancerArn=lb, Protocol="TCP", Port=83,
                            DefaultActions=forward(arn.replace("/tcp/", "/gone/")))
    with raises_code("LoadBalancerNotFound"):
        elb.create_listener(LoadBalancerArn=lb.replace("/nlb/", "/gone/"), Protocol="TCP", Port=80,
                            DefaultActions=forward(arn))
    cert = "arn:aws:acm:us-east-1:000000000000:certificate/0a1b2c3d-1111-2222-3333-444455556666"
    tls = elb.create_listener(LoadBalancerArn=lb, Protocol="TLS", Port=443, Certificates=[{"CertificateArn": cert}],
                              DefaultActions=forward(arn))["Listeners"][0]
    assert tls["SslPolicy"] == "ELBSecurityPolicy-2016-08"
    assert tls["Certificates"] == [{"CertificateArn": cert}]
    with raises_code("CertificateNotFound"):
        elb.create_listener(LoadBalancerArn=lb, Protocol="TLS", Port=444,
                            Certificates=[{"CertificateArn": "nope"}], DefaultActions=forward(arn))
    # A second load balancer cannot take the same target group.
    other = nlb(elb, [a], "other")
    with raises_code("TargetGroupAssociationLimit"):
        elb.create_listener(LoadBalancerArn=other, Protocol="TCP", Port=80, DefaultActions=forward(arn))
    assert len(elb.describe_listeners(LoadBalancerArn=lb)["Listeners"]) == 2
    with raises_code("ListenerNotFound"):
        # Another last digit (a fixed "0" collides one time in 16).
        elb.describe_listeners(ListenerArns=[l["ListenerArn"][:-1] + ("0" if l["ListenerArn"][-1] != "0" else "1")])


def test_application_listener_actions(ec2, elb):
    vpc, a, b = network(ec2)
    lb = alb(elb, [a, b])
    blue = tg(elb, "blue", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroupArn"]
    green = tg(elb, "green", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroupArn"]
    weighted = elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=[{
        "Type": "forward",
        "ForwardConfig": {
            "TargetGroups": [{"TargetGroupArn": blue, "Weight": 80}, {"TargetGroupArn": green, "Weight": 20}],
            "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 300},
        },
    }])["Listeners"][0]
    act = weighted["DefaultActions"][0]
    assert "TargetGroupArn" not in act
    assert act["ForwardConfig"] == {
        "TargetGroups": [{"TargetGroupArn": blue, "Weight": 80}, {"TargetGroupArn": green, "Weight": 20}],
        "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 300},
    }
    for g in (blue, green):
        assert elb.describe_target_groups(TargetGroupArns=[g])["TargetGroups"][0]["LoadBalancerArns"] == [lb]
    redirect = elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=8080, DefaultActions=[
        {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}},
    ])["Listeners"][0]
    assert redirect["DefaultActions"][0]["RedirectConfig"] == {
        "Protocol": "HTTPS", "Port": "443", "Host": "#{host}", "Path": "/#{path}", "Query": "#{query}",
        "StatusCode": "HTTP_301"}
    fixed = elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=8081, DefaultActions=[
        {"Type": "fixed-response",
         "FixedResponseConfig": {"StatusCode": "503", "ContentType": "text/plain", "MessageBody": "down"}},
    ])["Listeners"][0]
    assert fixed["DefaultActions"][0]["FixedResponseConfig"] == {
        "StatusCode": "503", "ContentType": "text/plain", "MessageBody": "down"}
    with raises_code("InvalidLoadBalancerAction"):
        elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=8082, DefaultActions=[
            {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200", "ContentType": "image/png"}}])
    with raises_code("ValidationError"):  # HTTPS needs a certificate
        elb.create_listener(LoadBalancerArn=lb, Protocol="HTTPS", Port=443, DefaultActions=forward(blue))

    # ModifyListener: a new port and a single forward.
    out = elb.modify_listener(ListenerArn=fixed["ListenerArn"], Port=9090, DefaultActions=forward(blue))[
        "Listeners"][0]
    assert out["Port"] == 9090 and out["DefaultActions"][0]["TargetGroupArn"] == blue
    with raises_code("DuplicateListener"):
        elb.modify_listener(ListenerArn=fixed["ListenerArn"], Port=80)
    # Deleting the load balancer deletes its listeners; the groups stay, unused.
    elb.delete_load_balancer(LoadBalancerArn=lb)
    with raises_code("ListenerNotFound"):
        elb.describe_listeners(ListenerArns=[weighted["ListenerArn"]])
    assert elb.describe_target_groups(TargetGroupArns=[blue])["TargetGroups"][0]["LoadBalancerArns"] == []
    elb.delete_target_group(TargetGroupArn=blue)


def test_gateway_listener_forwards_to_geneve(ec2, elb):
    vpc, a, _ = network(ec2)
    gw = elb.create_load_balancer(Name="gw", Type="gateway", Subnets=[a])["LoadBalancers"][0]["LoadBalancerArn"]
    gen = tg(elb, "gen", Protocol="GENEVE", Port=6081, VpcId=vpc, TargetType="ip")["TargetGroupArn"]
    tcp = tcp_tg(elb, vpc)["TargetGroupArn"]
    with raises_code("UnsupportedProtocol"):
        elb.create_listener(LoadBalancerArn=gw, Protocol="TCP", Port=80, DefaultActions=forward(gen))
    with raises_code("IncompatibleProtocols"):
        elb.create_listener(LoadBalancerArn=gw, DefaultActions=forward(tcp))
    l = elb.create_listener(LoadBalancerArn=gw, DefaultActions=forward(gen))["Listeners"][0]
    assert "Protocol" not in l and "Port" not in l
    assert l["ListenerArn"].split(":listener/")[1].startswith("gwy/gw/")
    gen2 = tg(elb, "gen2", Protocol="GENEVE", Port=6081, VpcId=vpc)["TargetGroupArn"]
    with raises_code("TooManyListeners"):
        elb.create_listener(LoadBalancerArn=gw, DefaultActions=forward(gen2))
    elb.register_targets(TargetGroupArn=gen, Targets=[{"Id": "10.0.1.30"}])
    elb.get_waiter("target_in_service").wait(TargetGroupArn=gen, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    assert health(elb, gen)[0]["HealthCheckPort"] == "80"


# ---------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------
def host(*values):
    return {"Field": "host-header", "HostHeaderConfig": {"Values": list(values)}}


def test_rules_conditions_priorities_and_errors(ec2, elb):
    vpc, a, b = network(ec2)
    lb = alb(elb, [a, b])
    blue = tg(elb, "blue", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroupArn"]
    green = tg(elb, "green", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroupArn"]
    listener = elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80,
                                   DefaultActions=forward(blue))["Listeners"][0]["ListenerArn"]
    r1 = elb.create_rule(ListenerArn=listener, Priority=10, Conditions=[
        {"Field": "path-pattern", "Values": ["/api/*"]},
        {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Env", "Values": ["canary"]}},
    ], Actions=forward(green), Tags=[{"Key": "k", "Value": "v"}])["Rules"][0]
    assert r1["RuleArn"].startswith(listener.replace(":listener/", ":listener-rule/") + "/")
    assert (r1["Priority"], r1["IsDefault"]) == ("10", False)
    assert r1["Conditions"][0] == {"Field": "path-pattern", "Values": ["/api/*"],
                                   "PathPatternConfig": {"Values": ["/api/*"]}}
    assert r1["Conditions"][1] == {"Field": "http-header",
                                   "HttpHeaderConfig": {"HttpHeaderName": "X-Env", "Values": ["canary"]}}
    assert r1["Actions"][0]["TargetGroupArn"] == green
    r2 = elb.create_rule(ListenerArn=listener, Priority=5, Conditions=[
        host("api.example.com"),
        {"Field": "query-string", "QueryStringConfig": {"Values": [{"Key": "v", "Value": "2"}]}},
        {"Field": "source-ip", "SourceIpConfig": {"Values": ["10.0.0.0/8"]}},
        {"Field": "http-request-method", "HttpRequestMethodConfig": {"Values": ["GET"]}},
    ], Actions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}])["Rules"][0]
    rules = elb.describe_rules(ListenerArn=listener)["Rules"]
    assert [(r["Priority"], r["IsDefault"]) for r in rules] == [("5", False), ("10", False), ("default", True)]
    default = rules[-1]
    assert default["Conditions"] == [] and default["Actions"][0]["TargetGroupArn"] == blue
    by_arn = elb.describe_rules(RuleArns=[default["RuleArn"], r1["RuleArn"]])["Rules"]
    assert [r["Priority"] for r in by_arn] == ["10", "default"]
    assert tags_dict(elb.describe_tags(ResourceArns=[r1["RuleArn"]])["TagDescriptions"][0]["Tags"]) == {"k": "v"}
    # green is used by a rule: linked to the load balancer, not deletable.
    assert elb.describe_target_groups(TargetGroupArns=[green])["TargetGroups"][0]["LoadBalancerArns"] == [lb]
    with raises_code("ResourceInUse"):
        elb.delete_target_group(TargetGroupArn=green)

    with raises_code("PriorityInUse"):
        elb.create_rule(ListenerArn=listener, Priority=10, Conditions=[host("x.example.com")],
                        Actions=forward(blue))
    bad_conditions = [
        [],
        [host("bad host")],
        [host("a.example.com"), host("b.example.com")],
        [host("a", "b", "c"), {"Field": "path-pattern", "Values": ["/1", "/2", "/3"]}],
        [{"Field": "source-ip", "SourceIpConfig": {"Values": ["not-a-cidr"]}}],
        [{"Field": "http-request-method", "HttpRequestMethodConfig": {"Values": ["get"]}}],
        [{"Field": "colour", "Values": ["blue"]}],
    ]
    for conditions in bad_conditions:
        with raises_code("ValidationError"):
            elb.create_rule(ListenerArn=listener, Priority=20, Conditions=conditions, Actions=forward(blue))
    assert len(elb.describe_rules(ListenerArn=listener)["Rules"]) == 3

    # SetRulePriorities: a swap is fine, a clash is refused whole.
    out = elb.set_rule_priorities(RulePriorities=[{"RuleArn": r1["RuleArn"], "Priority": 5},
                                                  {"RuleArn": r2["RuleArn"], "Priority": 10}])["Rules"]
    assert sorted(r["Priority"] for r in out) == ["10", "5"]
    with raises_code("PriorityInUse"):
        elb.set_rule_priorities(RulePriorities=[{"RuleArn": r1["RuleArn"], "Priority": 10}])
    with raises_code("OperationNotPermitted"):
        elb.set_rule_priorities(RulePriorities=[{"RuleArn": default["RuleArn"], "Priority": 1}])
    assert [r["RuleArn"] for r in elb.describe_rules(ListenerArn=listener)["Rules"]][:2] == [
        r1["RuleArn"], r2["RuleArn"]]

    # ModifyRule, DeleteRule.
    mod = elb.modify_rule(RuleArn=r1["RuleArn"], Conditions=[host("*.example.com")],
                          Actions=forward(blue))["Rules"][0]
    assert mod["Conditions"][0]["HostHeaderConfig"] == {"Values": ["*.example.com"]}
    assert mod["Priority"] == "5"
    assert elb.describe_target_groups(TargetGroupArns=[green])["TargetGroups"][0]["LoadBalancerArns"] == []
    with raises_code("OperationNotPermitted"):
        elb.delete_rule(RuleArn=default["RuleArn"])
    elb.delete_rule(RuleArn=r1["RuleArn"])
    with raises_code("RuleNotFound"):
        elb.delete_rule(RuleArn=r1["RuleArn"])
    with raises_code("RuleNotFound"):
        elb.describe_rules(RuleArns=[r1["RuleArn"]])
    # The listener's rules go with it.
    elb.delete_listener(ListenerArn=listener)
    with raises_code("RuleNotFound"):
        elb.describe_rules(RuleArns=[r2["RuleArn"]])
    with raises_code("ListenerNotFound"):
        elb.describe_rules(ListenerArn=listener)


def test_rules_belong_to_application_load_balancers(ec2, elb):
    vpc, a, _ = network(ec2)
    lb = nlb(elb, [a])
    arn = tcp_tg(elb, vpc)["TargetGroupArn"]
    listener = elb.create_listener(LoadBalancerArn=lb, Protocol="TCP", Port=80,
                                   DefaultActions=forward(arn))["Listeners"][0]["ListenerArn"]
    with raises_code("InvalidConfigurationRequest"):
        elb.create_rule(ListenerArn=listener, Priority=1, Conditions=[host("a.example.com")],
                        Actions=forward(arn))
    rules = elb.describe_rules(ListenerArn=listener)["Rules"]
    assert [(r["Priority"], r["IsDefault"]) for r in rules] == [("default", True)]


# ---------------------------------------------------------------------------
# The AWS CLI flow of the issue
# ---------------------------------------------------------------------------
def test_aws_cli_nlb_target_group_listener_and_wait(aws_cli):
    def run(service, *args):
        rc, out, err = aws_cli(service, *args)
        assert rc == 0, err
        return out

    vpc = run("ec2", "create-vpc", "--cidr-block", "10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = run("ec2", "create-subnet", "--vpc-id", vpc, "--cidr-block", "10.0.1.0/24",
                 "--availability-zone", "us-east-1a")["Subnet"]["SubnetId"]
    lb = run("elbv2", "create-load-balancer", "--name", "cli-nlb", "--type", "network", "--scheme", "internal",
             "--subnets", subnet)["LoadBalancers"][0]["LoadBalancerArn"]
    tg_arn = run("elbv2", "create-target-group", "--name", "cli-tg", "--protocol", "TCP", "--port", "80",
                 "--vpc-id", vpc, "--target-type", "ip")["TargetGroups"][0]["TargetGroupArn"]
    run("elbv2", "create-listener", "--load-balancer-arn", lb, "--protocol", "TCP", "--port", "80",
        "--default-actions", f"Type=forward,TargetGroupArn={tg_arn}")
    run("elbv2", "register-targets", "--target-group-arn", tg_arn, "--targets", "Id=10.0.1.10", "Id=10.0.1.11")
    rc, _, err = aws_cli("elbv2", "wait", "target-in-service", "--target-group-arn", tg_arn)
    assert rc == 0, err
    out = run("elbv2", "describe-target-health", "--target-group-arn", tg_arn)
    assert [d["TargetHealth"]["State"] for d in out["TargetHealthDescriptions"]] == ["healthy", "healthy"]


# ---------------------------------------------------------------------------
# Scenarios: target groups, targets and listeners declared by name
# ---------------------------------------------------------------------------
SCENARIO = """\
version: 1
accounts:
  - id: "000000000000"
    regions:
      us-east-1:
        vpcs: [{name: app, cidr: 10.5.0.0/16}]
        subnets:
          - {name: a, vpc: app, cidr: 10.5.1.0/24, az: us-east-1a}
          - {name: b, vpc: app, cidr: 10.5.2.0/24, az: us-east-1b}
        instances:
          - {name: web-1, image: al2023-ami-ecs-hvm-2023.0.20241115-kernel-6.1-x86_64, instanceType: t3.micro, subnet: a}
          - {name: web-2, image: al2023-ami-ecs-hvm-2023.0.20241115-kernel-6.1-x86_64, instanceType: t3.micro, subnet: b}
          - {name: off, image: al2023-ami-ecs-hvm-2023.0.20241115-kernel-6.1-x86_64, instanceType: t3.micro, subnet: a,
             state: stopped}
        loadBalancers:
          - {name: front, type: network, scheme: internal, subnets: [a, b]}
          - {name: site, type: application, subnets: [a, b]}
        targetGroups:
          - name: web
            protocol: TCP
            port: 80
            vpc: app
            healthCheck: {protocol: HTTP, path: /health}
            attributes: {deregistration_delay.timeout_seconds: "10"}
            tags: {team: web}
            targets: [{id: web-1}, {id: web-2, unhealthy: true}, {id: off}]
          - {name: blue, protocol: HTTP, port: 80, vpc: app}
          - {name: green, protocol: HTTP, port: 80, vpc: app}
        listeners:
          - loadBalancer: front
            protocol: TCP
            port: 80
            defaultActions: [{type: forward, targetGroup: web}]
          - loadBalancer: site
            protocol: HTTP
            port: 80
            defaultActions:
              - type: forward
                targetGroups: [{targetGroup: blue, weight: 3}, {targetGroup: green, weight: 1}]
                stickinessSeconds: 60
          - loadBalancer: site
            protocol: HTTP
            port: 81
            defaultActions:
              - {type: redirect, redirect: {protocol: HTTPS, port: "443", statusCode: HTTP_301}}
            rules:
              - priority: 10
                conditions:
                  - {field: path-pattern, values: [/api/*]}
                  - {field: query-string, query: [{key: v, value: "2"}]}
                actions: [{type: forward, targetGroup: green}]
                tags: {route: api}
"""


def test_scenario_declares_target_groups_targets_and_listeners(awsemu_launcher, client_for, tmp_path):
    path = tmp_path / "elb.yaml"
    path.write_text(SCENARIO)
    url, stop = awsemu_launcher("--scenario", str(path))
    try:
        elb = client_for(url, "elbv2")
        web = elb.describe_target_groups(Names=["web"])["TargetGroups"][0]
        assert (web["HealthCheckProtocol"], web["HealthCheckPath"]) == ("HTTP", "/health")
        front = elb.describe_load_balancers(Names=["front"])["LoadBalancers"][0]["LoadBalancerArn"]
        assert web["LoadBalancerArns"] == [front]
        assert attrs(elb, web["TargetGroupArn"])["deregistration_delay.timeout_seconds"] == "10"
        got = {d["Target"]["Id"]: (d["TargetHealth"]["State"], d["TargetHealth"].get("Reason"))
               for d in health(elb, web["TargetGroupArn"])}
        assert len(got) == 3
        assert sorted(got.values(), key=str) == sorted([
            ("healthy", None), ("unhealthy", "Target.FailedHealthChecks"), ("unused", "Target.InvalidState")], key=str)
        site = elb.describe_load_balancers(Names=["site"])["LoadBalancers"][0]["LoadBalancerArn"]
        listeners = {x["Port"]: x for x in elb.describe_listeners(LoadBalancerArn=site)["Listeners"]}
        fwd = listeners[80]["DefaultActions"][0]["ForwardConfig"]
        assert [t["Weight"] for t in fwd["TargetGroups"]] == [3, 1]
        assert fwd["TargetGroupStickinessConfig"] == {"Enabled": True, "DurationSeconds": 60}
        assert listeners[81]["DefaultActions"][0]["RedirectConfig"]["Protocol"] == "HTTPS"
        rules = elb.describe_rules(ListenerArn=listeners[81]["ListenerArn"])["Rules"]
        assert [r["Priority"] for r in rules] == ["10", "default"]
        assert rules[0]["Conditions"][1]["QueryStringConfig"] == {"Values": [{"Key": "v", "Value": "2"}]}
        # The export loads back to the same world.
        exported = requests.get(f"{url}/_awsemu/state", timeout=10).text
        assert "targetGroups:" in exported and "listeners:" in exported and "unhealthy: true" in exported
    finally:
        stop()
    again = tmp_path / "again.yaml"
    again.write_text(exported)
    url2, stop2 = awsemu_launcher("--scenario", str(again))
    try:
        elb2 = client_for(url2, "elbv2")
        groups2 = elb2.describe_target_groups()["TargetGroups"]
        assert {g["TargetGroupName"] for g in groups2} == {"web", "blue", "green"}
        web2 = next(g for g in groups2 if g["TargetGroupName"] == "web")
        assert web2 == web
        got2 = {d["Target"]["Id"]: (d["TargetHealth"]["State"], d["TargetHealth"].get("Reason"))
                for d in health(elb2, web2["TargetGroupArn"])}
        assert got2 == got
        site2 = elb2.describe_load_balancers(Names=["site"])["LoadBalancers"][0]["LoadBalancerArn"]
        assert {x["Port"]: x for x in elb2.describe_listeners(LoadBalancerArn=site2)["Listeners"]} == listeners
        assert elb2.describe_rules(ListenerArn=listeners[81]["ListenerArn"])["Rules"] == rules
        assert elb2.describe_tags(ResourceArns=[rules[0]["RuleArn"]])["TagDescriptions"][0]["Tags"] == [
            {"Key": "route", "Value": "api"}]
    finally:
        stop2()


def test_model_violations_answer_validation_error(awsemu_endpoint, ec2):
    """What the model forbids (a range, an enum, a required member) is refused
    by ELBv2's validation layer in its own words, not EC2's."""
    from conftest import DEFAULT_ACCOUNT, DEFAULT_REGION, make_client

    raw = make_client(awsemu_endpoint, "elbv2", DEFAULT_ACCOUNT, DEFAULT_REGION, validate=False)
    vpc = new_vpc(ec2)
    with raises_code("ValidationError") as e:
        raw.create_target_group(Name="tg", Protocol="TCP", Port=80, VpcId=vpc, HealthCheckIntervalSeconds=301)
    assert err_message(e) == (
        "1 validation error detected: Value '301' at 'healthCheckIntervalSeconds' failed to satisfy "
        "constraint: Member must have value less than or equal to 300")
    with raises_code("ValidationError") as e:
        raw.create_target_group(Name="tg", Protocol="SCTP", Port=80, VpcId=vpc)
    assert "at 'protocol' failed to satisfy constraint: Member must satisfy enum value set: [" in err_message(e)
    with raises_code("ValidationError") as e:
        raw.describe_target_health()
    assert err_message(e) == (
        "1 validation error detected: Value null at 'targetGroupArn' failed to satisfy "
        "constraint: Member must not be null")


def test_ipv6_ip_targets(ec2, elb):
    vpc = ec2.create_vpc(CidrBlock="10.6.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]["VpcId"]
    block = ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    prefix = block.split("::")[0]
    subnet_block = f"{prefix}::/64"
    ec2.create_subnet(VpcId=vpc, CidrBlock="10.6.1.0/24", Ipv6CidrBlock=subnet_block,
                      AvailabilityZone="us-east-1a")
    arn = tg(elb, "v6", Protocol="TCP", Port=80, VpcId=vpc, TargetType="ip",
             IpAddressType="ipv6")["TargetGroupArn"]
    inside = f"{prefix}::10"
    elb.register_targets(TargetGroupArn=arn, Targets=[{"Id": inside}])
    [d] = elb.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
    assert d["Target"] == {"Id": inside, "Port": 80}
    assert (d["TargetHealth"]["State"], d["TargetHealth"]["Reason"]) == ("unused", "Target.NotInUse")
    with raises_code("InvalidTarget") as e:
        elb.register_targets(TargetGroupArn=arn, Targets=[{"Id": "10.6.1.10"}])
    assert err_message(e) == "The IP address '10.6.1.10' is not a valid IPv6 address"
    with raises_code("InvalidTarget") as e:
        elb.register_targets(TargetGroupArn=arn, Targets=[{"Id": "2001:db8::1"}])
    assert err_message(e) == "The IP address '2001:db8::1' is not in the VPC IPv6 CIDR blocks"
    # An IPv4 group refuses IPv6 addresses.
    v4 = tg(elb, "v4", Protocol="TCP", Port=80, VpcId=vpc, TargetType="ip")["TargetGroupArn"]
    with raises_code("InvalidTarget") as e:
        elb.register_targets(TargetGroupArn=v4, Targets=[{"Id": inside}])
    assert err_message(e) == f"The IP address '{inside}' is not a valid IPv4 address"
    elb.deregister_targets(TargetGroupArn=arn, Targets=[{"Id": inside}])
    assert elb.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"] == []


def test_deregistering_what_is_not_registered_succeeds(manual):
    _, ec2, elb = manual
    vpc, a, _ = network(ec2)
    arn = tcp_tg(elb, vpc, TargetType="ip")["TargetGroupArn"]
    lb = nlb(elb, [a])
    elb.create_listener(LoadBalancerArn=lb, Protocol="TCP", Port=80, DefaultActions=forward(arn))
    elb.register_targets(TargetGroupArn=arn, Targets=[{"Id": "10.0.1.10", "Port": 8080}])
    # Not registered (no port given means the group's port 80): nothing happens.
    elb.deregister_targets(TargetGroupArn=arn, Targets=[{"Id": "10.0.1.99"}, {"Id": "10.0.1.10"}])
    assert states(elb, arn) == [("initial", "Elb.RegistrationInProgress")]
    elb.deregister_targets(TargetGroupArn=arn, Targets=[{"Id": "10.0.1.10", "Port": 8080}])
    assert states(elb, arn) == [("draining", "Target.DeregistrationInProgress")]
    # Again while draining: still draining.
    elb.deregister_targets(TargetGroupArn=arn, Targets=[{"Id": "10.0.1.10", "Port": 8080}])
    assert states(elb, arn) == [("draining", "Target.DeregistrationInProgress")]
