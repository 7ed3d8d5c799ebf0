"""boto3: PrivateLink across Regions (issue 4, scope 6).

A custom endpoint service is reachable only from its own Region unless its
supported Regions say otherwise: the provider 111111111111 hosts a service in
us-east-1; the consumer 222222222222 in us-west-2 reaches it (with
``ServiceRegion=us-east-1``) only once us-west-2 is a supported Region and a
principal lets it in. The connection then lives on both sides: the provider
sees it in us-east-1 with ``VpcEndpointRegion`` us-west-2, accepts or rejects
it there, and the consumer's endpoint in us-west-2 follows; the consumer's
deletion reaches the provider; both sides' connection notifications fire.

References: aws-spec.md §8.1 (Cross-Region), §8.6-8.8 (SupportedRegions),
§8.11 (VpcEndpointRegion), §13.
"""

from __future__ import annotations

import json
import re
import time

import pytest
import requests

from awsemu_helpers import VPCE_CON_ID, VPCE_ID, default_subnets, raises_code, unsuccessful

EAST, WEST = "us-east-1", "us-west-2"
PROVIDER, CONSUMER, OUTSIDER = "111111111111", "222222222222", "333333333333"
ALL_EVENTS = ["Accept", "Connect", "Delete", "Reject"]
VPCE_ZONE_EAST = "Z7HUB22UULQXV"


def root(account: str) -> str:
    return account if account == "*" else f"arn:aws:iam::{account}:root"


def topic(account: str, region: str, name: str) -> str:
    return f"arn:aws:sns:{region}:{account}:{name}"


class Sides:
    """Clients for each (account, Region) and the helpers of this file."""

    def __init__(self, url, ec2, elbv2):
        self.url = url
        self._ec2 = ec2
        self._elbv2 = elbv2

    def ec2(self, account: str, region: str):
        return self._ec2(account, region)

    def service(self, supported=(WEST,), acceptance=True, allow=(CONSUMER,)) -> dict:
        subnets = default_subnets(self.ec2(PROVIDER, EAST))
        lb = self._elbv2(PROVIDER, EAST).create_load_balancer(
            Name=f"xr-{int(time.time() * 1e6) % 10**9}", Type="network", Scheme="internal",
            Subnets=[subnets["us-east-1a"], subnets["us-east-1b"]])["LoadBalancers"][0]
        kwargs = {"SupportedRegions": list(supported)} if supported else {}
        cfg = self.ec2(PROVIDER, EAST).create_vpc_endpoint_service_configuration(
            NetworkLoadBalancerArns=[lb["LoadBalancerArn"]], AcceptanceRequired=acceptance,
            **kwargs)["ServiceConfiguration"]
        if allow:
            self.ec2(PROVIDER, EAST).modify_vpc_endpoint_service_permissions(
                ServiceId=cfg["ServiceId"], AddAllowedPrincipals=[root(a) for a in allow])
        return cfg

    def consumer_subnet(self, account: str = CONSUMER, az: str = "us-west-2a") -> tuple[str, str]:
        c = self.ec2(account, WEST)
        subnets = c.describe_subnets(
            Filters=[{"Name": "default-for-az", "Values": ["true"]},
                     {"Name": "availability-zone", "Values": [az]}])["Subnets"]
        return subnets[0]["VpcId"], subnets[0]["SubnetId"]

    def endpoint(self, name: str, account: str = CONSUMER, **kwargs) -> dict:
        vpc, subnet = self.consumer_subnet(account)
        return self.ec2(account, WEST).create_vpc_endpoint(
            VpcId=vpc, ServiceName=name, VpcEndpointType="Interface", SubnetIds=[subnet],
            **kwargs)["VpcEndpoint"]

    def consumer_state(self, vpce: str) -> str:
        eps = self.ec2(CONSUMER, WEST).describe_vpc_endpoints(VpcEndpointIds=[vpce])["VpcEndpoints"]
        return eps[0]["State"]

    def connections(self, **kwargs) -> dict[str, dict]:
        out = self.ec2(PROVIDER, EAST).describe_vpc_endpoint_connections(**kwargs)
        return {c["VpcEndpointId"]: c for c in out["VpcEndpointConnections"]}

    def events(self, nfn_id: str) -> list[tuple]:
        resp = requests.get(f"{self.url}/_awsemu/notifications", timeout=30)
        assert resp.status_code == 200, resp.text
        out = []
        for item in resp.json()["notifications"]:
            msg = json.loads(item["envelope"]["Message"])
            if msg["connectionNotificationId"] == nfn_id:
                out.append((msg["eventType"], msg["vpcEndpointId"], msg["vpcEndpointState"],
                            msg["vpcEndpointRegion"], msg["region"]))
        return out


@pytest.fixture
def s(awsemu_endpoint, ec2, elbv2):
    return Sides(awsemu_endpoint, ec2, elbv2)


def test_a_service_is_reachable_from_another_region_only_when_supported(s):
    cfg = s.service(supported=())
    sid, name = cfg["ServiceId"], cfg["ServiceName"]
    assert cfg["SupportedRegions"] == [{"Region": EAST, "ServiceState": "Available"}]
    assert cfg["RemoteAccessEnabled"] is False
    west = s.ec2(CONSUMER, WEST)
    vpc, subnet = s.consumer_subnet()

    # Only its own Region: from us-west-2 the name does not exist.
    with raises_code("InvalidServiceName"):
        west.describe_vpc_endpoint_services(ServiceNames=[name], ServiceRegions=[EAST])
    with raises_code("InvalidServiceName"):
        west.create_vpc_endpoint(VpcId=vpc, ServiceName=name, VpcEndpointType="Interface",
                                 SubnetIds=[subnet], ServiceRegion=EAST)

    # The provider adds us-west-2.
    p = s.ec2(PROVIDER, EAST)
    assert p.modify_vpc_endpoint_service_configuration(
        ServiceId=sid, AddSupportedRegions=[WEST])["Return"] is True
    cfg = p.describe_vpc_endpoint_service_configurations(ServiceIds=[sid])["ServiceConfigurations"][0]
    assert cfg["SupportedRegions"] == [{"Region": EAST, "ServiceState": "Available"},
                                       {"Region": WEST, "ServiceState": "Available"}]
    assert cfg["RemoteAccessEnabled"] is True

    details = west.describe_vpc_endpoint_services(
        ServiceNames=[name], ServiceRegions=[EAST])["ServiceDetails"]
    assert len(details) == 1
    d = details[0]
    assert d["ServiceName"] == name
    assert d["ServiceId"] == sid
    assert d["ServiceRegion"] == EAST
    assert d["Owner"] == PROVIDER
    assert d["AcceptanceRequired"] is True
    assert d["BaseEndpointDnsNames"] == [f"{sid}.{EAST}.vpce.amazonaws.com"]
    # Another Region's service lists no zones [R: terraform-provider-aws#44186].
    assert d["AvailabilityZones"] == []
    # Listed only when the caller asks for that Region's services.
    local = west.describe_vpc_endpoint_services()["ServiceNames"]
    assert name not in local
    listed = west.describe_vpc_endpoint_services(ServiceRegions=[EAST])["ServiceNames"]
    assert name in listed

    # The service's Region must be named: without ServiceRegion it is a
    # us-west-2 name, and there is no such service.
    with raises_code("InvalidServiceName"):
        west.create_vpc_endpoint(VpcId=vpc, ServiceName=name, VpcEndpointType="Interface",
                                 SubnetIds=[subnet])
    # An account without a principal is still refused, from any Region.
    ovpc, osubnet = s.consumer_subnet(OUTSIDER)
    outsider = s.ec2(OUTSIDER, WEST)
    with raises_code("InvalidServiceName"):
        outsider.describe_vpc_endpoint_services(ServiceNames=[name], ServiceRegions=[EAST])
    with raises_code("InvalidServiceName"):
        outsider.create_vpc_endpoint(VpcId=ovpc, ServiceName=name, VpcEndpointType="Interface",
                                     SubnetIds=[osubnet], ServiceRegion=EAST)
    assert name not in outsider.describe_vpc_endpoint_services(ServiceRegions=[EAST])["ServiceNames"]

    # A Region the service does not support stays refused.
    eu = s.ec2(CONSUMER, "eu-west-1")
    with raises_code("InvalidServiceName"):
        eu.describe_vpc_endpoint_services(ServiceNames=[name], ServiceRegions=[EAST])

    # Removing us-west-2 again closes it.
    p.modify_vpc_endpoint_service_configuration(ServiceId=sid, RemoveSupportedRegions=[WEST])
    with raises_code("InvalidServiceName"):
        west.describe_vpc_endpoint_services(ServiceNames=[name], ServiceRegions=[EAST])

    # Gateway endpoints cannot cross Regions.
    p.modify_vpc_endpoint_service_configuration(ServiceId=sid, AddSupportedRegions=[WEST])
    with raises_code("InvalidParameter"):
        west.create_vpc_endpoint(VpcId=vpc, ServiceName=name, VpcEndpointType="Gateway",
                                 ServiceRegion=EAST)


def test_a_cross_region_connection_is_accepted_rejected_and_deleted_on_both_sides(s):
    cfg = s.service()
    sid, name = cfg["ServiceId"], cfg["ServiceName"]
    p, c = s.ec2(PROVIDER, EAST), s.ec2(CONSUMER, WEST)
    provider_nfn = p.create_vpc_endpoint_connection_notification(
        ServiceId=sid, ConnectionNotificationArn=topic(PROVIDER, EAST, "svc"),
        ConnectionEvents=ALL_EVENTS)["ConnectionNotification"]["ConnectionNotificationId"]

    ep = s.endpoint(name, ServiceRegion=EAST)
    a = ep["VpcEndpointId"]
    assert VPCE_ID.match(a)
    assert ep["State"] == "pendingAcceptance"
    assert ep["ServiceName"] == name
    assert ep["ServiceRegion"] == EAST
    assert ep["OwnerId"] == CONSUMER
    # The regional name under the service's base DNS name, in the service
    # Region's zone; no zonal names across Regions.
    dns = [(d["DnsName"], d["HostedZoneId"]) for d in ep["DnsEntries"]]
    assert len(dns) == 1, dns
    assert re.match(rf"^{a}-[a-z0-9]{{8}}\.{sid}\.{EAST}\.vpce\.amazonaws\.com$", dns[0][0]), dns
    assert dns[0][1] == VPCE_ZONE_EAST
    consumer_nfn = c.create_vpc_endpoint_connection_notification(
        VpcEndpointId=a, ConnectionNotificationArn=topic(CONSUMER, WEST, "ep"),
        ConnectionEvents=ALL_EVENTS)["ConnectionNotification"]["ConnectionNotificationId"]

    # The provider sees it in its own Region, as from us-west-2.
    conns = s.connections()
    assert list(conns) == [a]
    conn = conns[a]
    assert conn["ServiceId"] == sid
    assert conn["VpcEndpointOwner"] == CONSUMER
    assert conn["VpcEndpointState"] == "pendingAcceptance"
    assert conn["VpcEndpointRegion"] == WEST
    assert VPCE_CON_ID.match(conn["VpcEndpointConnectionId"])
    assert conn["IpAddressType"] == "ipv4"
    assert [(d["DnsName"], d["HostedZoneId"]) for d in conn["DnsEntries"]] == dns
    assert list(s.connections(Filters=[{"Name": "vpc-endpoint-region", "Values": [WEST]}])) == [a]
    assert s.connections(Filters=[{"Name": "vpc-endpoint-region", "Values": [EAST]}]) == {}
    # Nothing of it in the consumer's or provider's other Region.
    assert s.ec2(CONSUMER, EAST).describe_vpc_endpoints()["VpcEndpoints"] == []
    assert s.ec2(PROVIDER, WEST).describe_vpc_endpoint_connections()["VpcEndpointConnections"] == []
    with raises_code("InvalidVpcEndpointServiceId.NotFound"):
        s.ec2(PROVIDER, WEST).accept_vpc_endpoint_connections(ServiceId=sid, VpcEndpointIds=[a])

    # Accept in us-east-1: the endpoint in us-west-2 goes pending -> available.
    resp = p.accept_vpc_endpoint_connections(ServiceId=sid, VpcEndpointIds=[a, "vpce-0123456789abcdef0"])
    assert unsuccessful(resp) == [("vpce-0123456789abcdef0", "InvalidVpcEndpoint.NotFound")]
    assert s.connections()[a]["VpcEndpointState"] == "pending"
    assert s.consumer_state(a) == "available"
    assert s.connections()[a]["VpcEndpointState"] == "available"
    # Accepting twice is an Unsuccessful item, not an exception.
    again = p.accept_vpc_endpoint_connections(ServiceId=sid, VpcEndpointIds=[a])
    assert unsuccessful(again) == [(a, "InvalidVpcEndpointState")]

    # A second endpoint, rejected.
    b = s.endpoint(name, ServiceRegion=EAST)["VpcEndpointId"]
    assert s.connections()[b]["VpcEndpointState"] == "pendingAcceptance"
    assert unsuccessful(p.reject_vpc_endpoint_connections(ServiceId=sid, VpcEndpointIds=[b])) == []
    assert s.connections()[b]["VpcEndpointState"] == "rejected"
    rejected = c.describe_vpc_endpoints(VpcEndpointIds=[b])["VpcEndpoints"][0]
    assert rejected["State"] == "rejected"
    assert rejected["NetworkInterfaceIds"] == []
    assert rejected["DnsEntries"] == []

    # The service cannot go while the available endpoint is attached.
    out = p.delete_vpc_endpoint_service_configurations(ServiceIds=[sid])
    assert unsuccessful(out) == [(sid, "ExistingVpcEndpointConnections")]

    # The consumer deletes it in us-west-2; the provider sees it go.
    assert unsuccessful(c.delete_vpc_endpoints(VpcEndpointIds=[a])) == []
    assert s.connections()[a]["VpcEndpointState"] == "deleting"
    requests.post(f"{s.url}/_awsemu/clock", json={"seconds": 60}, timeout=30).raise_for_status()
    c.describe_vpc_endpoints()  # us-west-2 tells us-east-1 what happened
    assert list(s.connections()) == [b]
    assert c.describe_vpc_endpoints(
        Filters=[{"Name": "vpc-endpoint-id", "Values": [a]}])["VpcEndpoints"] == []

    # Now only a rejected endpoint is left: the service may go.
    assert unsuccessful(p.delete_vpc_endpoint_service_configurations(ServiceIds=[sid])) == []

    # Both sides were told, each in its own Region.
    assert s.events(provider_nfn) == [
        ("Connect", a, "pendingAcceptance", WEST, EAST),
        ("Accept", a, "pending", WEST, EAST),
        ("Connect", b, "pendingAcceptance", WEST, EAST),
        ("Reject", b, "rejected", WEST, EAST),
        ("Delete", a, "deleting", WEST, EAST),
    ]
    assert s.events(consumer_nfn) == [
        ("Accept", a, "pending", WEST, WEST),
        ("Delete", a, "deleting", WEST, WEST),
    ]


def test_a_service_without_acceptance_connects_across_regions_at_once(s):
    cfg = s.service(acceptance=False, allow=("*",))
    ep = s.endpoint(cfg["ServiceName"], ServiceRegion=EAST)
    assert ep["State"] == "pending"
    assert s.consumer_state(ep["VpcEndpointId"]) == "available"
    conn = s.connections()[ep["VpcEndpointId"]]
    assert conn["VpcEndpointState"] == "available"
    assert conn["VpcEndpointRegion"] == WEST


def test_a_deleted_service_disappears_from_other_regions(s):
    cfg = s.service()
    sid, name = cfg["ServiceId"], cfg["ServiceName"]
    west = s.ec2(CONSUMER, WEST)
    assert west.describe_vpc_endpoint_services(ServiceNames=[name], ServiceRegions=[EAST])
    assert unsuccessful(s.ec2(PROVIDER, EAST).delete_vpc_endpoint_service_configurations(
        ServiceIds=[sid])) == []
    with raises_code("InvalidServiceName"):
        west.describe_vpc_endpoint_services(ServiceNames=[name], ServiceRegions=[EAST])


def test_concurrent_consumers_in_two_regions_while_the_provider_accepts(s, awsemu_endpoint):
    """16 endpoints in us-west-2 and 16 in us-east-1 are created to one
    service while the provider accepts in a loop: every endpoint ends
    `available`, each exactly once on the provider's side."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from conftest import make_client

    cfg = s.service(allow=("*",))
    sid, name = cfg["ServiceId"], cfg["ServiceName"]
    # 8 accounts (4 per Region), 4 endpoints each.
    consumers = [(f"4000000000{i % 8:02d}", WEST if i % 2 else EAST) for i in range(32)]

    def create(who):
        account, region = who
        c = make_client(awsemu_endpoint, "ec2", account, region)
        subnet = c.describe_subnets(
            Filters=[{"Name": "default-for-az", "Values": ["true"]},
                     {"Name": "availability-zone", "Values": [f"{region}a"]}])["Subnets"][0]
        kwargs = {"ServiceRegion": EAST} if region == WEST else {}
        return c.create_vpc_endpoint(
            VpcId=subnet["VpcId"], ServiceName=name, VpcEndpointType="Interface",
            SubnetIds=[subnet["SubnetId"]], **kwargs)["VpcEndpoint"]["VpcEndpointId"], who

    done = threading.Event()
    p = make_client(awsemu_endpoint, "ec2", PROVIDER, EAST)

    def accept_loop():
        while not done.is_set():
            waiting = [c["VpcEndpointId"] for c in p.describe_vpc_endpoint_connections(
                Filters=[{"Name": "vpc-endpoint-state", "Values": ["pendingAcceptance"]}])[
                "VpcEndpointConnections"]]
            if waiting:
                assert unsuccessful(p.accept_vpc_endpoint_connections(
                    ServiceId=sid, VpcEndpointIds=waiting)) == []
            time.sleep(0.01)

    acceptor = threading.Thread(target=accept_loop)
    acceptor.start()
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            created = list(pool.map(create, consumers))
        deadline = time.time() + 30
        while time.time() < deadline:
            conns = p.describe_vpc_endpoint_connections()["VpcEndpointConnections"]
            if len(conns) == 32 and all(c["VpcEndpointState"] == "available" for c in conns):
                break
            time.sleep(0.05)
    finally:
        done.set()
        acceptor.join()
    conns = p.describe_vpc_endpoint_connections()["VpcEndpointConnections"]
    ids = [c["VpcEndpointId"] for c in conns]
    assert sorted(ids) == sorted(vpce for vpce, _ in created)
    assert len(set(c["VpcEndpointConnectionId"] for c in conns)) == 32
    assert {c["VpcEndpointState"] for c in conns} == {"available"}
    by_id = {c["VpcEndpointId"]: c for c in conns}
    for vpce, (account, region) in created:
        assert by_id[vpce]["VpcEndpointOwner"] == account
        assert by_id[vpce]["VpcEndpointRegion"] == region
        c = make_client(awsemu_endpoint, "ec2", account, region)
        assert c.describe_vpc_endpoints(VpcEndpointIds=[vpce])["VpcEndpoints"][0]["State"] == "available"
