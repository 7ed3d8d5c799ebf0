"""awsemu keeps the answers of repeated reads (issue 17) and gives them again
without recomputing while the world is unchanged. These tests are what a
poller would notice if that were ever stale: each read after a change —
a write by the caller, a write by another account, the clock moving, a
transition falling due, a reset — shows the change at once, and every
answer carries its own request id."""
import re
import time

import requests

from awsemu_helpers import random_account

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def raw_ec2(endpoint: str, body: str, account: str = "000000000000") -> requests.Response:
    auth = (f"AWS4-HMAC-SHA256 Credential={account}/20260101/us-east-1/ec2/aws4_request, "
            "SignedHeaders=host, Signature=0")
    return requests.post(endpoint, data="Version=2016-11-15&" + body, timeout=30, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Authorization": auth})


def test_the_same_read_twice_has_two_request_ids(awsemu_endpoint):
    account = random_account()
    a = raw_ec2(awsemu_endpoint, "Action=DescribeVpcs", account)
    b = raw_ec2(awsemu_endpoint, "Action=DescribeVpcs", account)
    c = raw_ec2(awsemu_endpoint, "Action=DescribeVpcs", account)
    ids = [r.headers["x-amzn-RequestId"] for r in (a, b, c)]
    assert all(UUID.match(i) for i in ids) and len(set(ids)) == 3
    for r, rid in zip((a, b, c), ids):
        assert f"<requestId>{rid}</requestId>" in r.text
    strip = [re.sub(r"<requestId>[^<]+</requestId>", "", r.text) for r in (a, b, c)]
    assert strip[0] == strip[1] == strip[2]


def test_a_write_shows_in_the_next_read(ec2):
    c = ec2(account=random_account())
    vpc = c.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    for i in range(3):
        before = c.describe_vpcs(VpcIds=[vpc])["Vpcs"][0].get("Tags", [])
        c.describe_vpcs(VpcIds=[vpc])  # asked twice: now kept
        c.create_tags(Resources=[vpc], Tags=[{"Key": f"k{i}", "Value": "v"}])
        after = c.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["Tags"]
        assert len(after) == len(before) + 1


def test_another_accounts_write_shows_in_the_providers_read(ec2, elbv2):
    """PrivateLink crosses accounts: the provider's view of its connections
    changes when a consumer (another account) creates an endpoint."""
    provider, consumer = random_account(), random_account()
    p, cons = ec2(account=provider), ec2(account=consumer)
    subnets = p.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    lb = elbv2(account=provider).create_load_balancer(
        Name="memo", Type="network", Scheme="internal",
        Subnets=[subnets[0]["SubnetId"]])["LoadBalancers"][0]["LoadBalancerArn"]
    svc = p.create_vpc_endpoint_service_configuration(
        NetworkLoadBalancerArns=[lb], AcceptanceRequired=True)["ServiceConfiguration"]
    p.modify_vpc_endpoint_service_permissions(
        ServiceId=svc["ServiceId"], AddAllowedPrincipals=[f"arn:aws:iam::{consumer}:root"])
    for _ in range(2):
        assert p.describe_vpc_endpoint_connections()["VpcEndpointConnections"] == []
    vpc = cons.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    csub = cons.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                          {"Name": "availability-zone",
                                           "Values": [subnets[0]["AvailabilityZone"]]}])["Subnets"][0]
    ep = cons.create_vpc_endpoint(VpcId=vpc, ServiceName=svc["ServiceName"], VpcEndpointType="Interface",
                                  SubnetIds=[csub["SubnetId"]])["VpcEndpoint"]["VpcEndpointId"]
    conns = p.describe_vpc_endpoint_connections()["VpcEndpointConnections"]
    assert [(x["VpcEndpointId"], x["VpcEndpointState"]) for x in conns] == [(ep, "pendingAcceptance")]
    p.accept_vpc_endpoint_connections(ServiceId=svc["ServiceId"], VpcEndpointIds=[ep])
    for _ in range(2):
        state = cons.describe_vpc_endpoints(VpcEndpointIds=[ep])["VpcEndpoints"][0]["State"]
        assert state in ("pending", "available")


def new_interface_endpoint(c) -> str:
    """An ECS interface endpoint in a new VPC: `pending`, then `available`."""
    vpc = c.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    subnet = c.create_subnet(VpcId=vpc, CidrBlock="10.8.0.0/24",
                             AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    return c.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.ecs",
                                 VpcEndpointType="Interface", SubnetIds=[subnet],
                                 PrivateDnsEnabled=False)["VpcEndpoint"]["VpcEndpointId"]


def test_the_clock_moving_shows_in_the_next_read(manual_endpoint, client_for):
    c = client_for(manual_endpoint, "ec2", random_account())
    ep = new_interface_endpoint(c)
    for _ in range(3):
        assert c.describe_vpc_endpoints(VpcEndpointIds=[ep])["VpcEndpoints"][0]["State"] == "pending"
    r = requests.post(f"{manual_endpoint}/_awsemu/clock", json={"seconds": 120}, timeout=30)
    assert r.status_code == 200, r.text
    assert c.describe_vpc_endpoints(VpcEndpointIds=[ep])["VpcEndpoints"][0]["State"] == "available"


def test_a_transition_falling_due_shows_without_any_write(awsemu_launcher, client_for):
    """At the realistic pace an interface endpoint is `pending` for two
    seconds, then `available`: a poller that asks the same question over and
    over sees the change though nobody wrote in between."""
    endpoint, stop = awsemu_launcher("--pace", "realistic")
    try:
        c = client_for(endpoint, "ec2")
        ep = new_interface_endpoint(c)
        seen = []
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            seen.append(c.describe_vpc_endpoints(VpcEndpointIds=[ep])["VpcEndpoints"][0]["State"])
            if seen[-1] == "available":
                break
            time.sleep(0.02)
        assert seen[0] == "pending" and seen.count("pending") > 5, seen[:5]
        assert seen[-1] == "available", seen[-5:]
    finally:
        stop()


def test_a_reset_shows_in_the_next_read(awsemu_launcher, client_for):
    endpoint, stop = awsemu_launcher()
    try:
        c = client_for(endpoint, "ec2")
        c.create_vpc(CidrBlock="10.6.0.0/16")
        for _ in range(2):
            assert len(c.describe_vpcs()["Vpcs"]) == 2
        assert requests.post(f"{endpoint}/_awsemu/reset", timeout=30).status_code == 200
        assert len(c.describe_vpcs()["Vpcs"]) == 1
    finally:
        stop()
