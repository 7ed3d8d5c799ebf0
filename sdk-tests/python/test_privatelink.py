"""boto3: PrivateLink, the provider side (endpoint services across accounts).

The provider guide (seed 003, "VPC Endpoint Services (AWS PrivateLink)") with
three accounts: the provider 111111111111 puts a Network Load Balancer in its
default subnets, makes it an endpoint service that requires acceptance, allows
the consumer 222222222222, asks for connection notifications, accepts one
consumer endpoint and rejects another; the outsider 333333333333 is refused
throughout. Then one test per rule of the endpoint-service configuration,
permissions, connections and connection-notification APIs, notification
delivery over HTTP in the SNS envelope, principals mapped from access keys,
pacing, and a concurrency run.

References: aws-spec.md §7.2-7.5 (state machine, side effects, visibility,
private DNS), §8.6-8.20 (operations), §9 (ELBv2), §13 (notifications),
§14.1 (codes).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
import requests

from awsemu_helpers import (
    ENI_ID,
    UNKNOWN_VPCE,
    UNKNOWN_VPCE_NFN,
    UNKNOWN_VPCE_SVC,
    UUID_RE,
    VPCE_CON_ID,
    VPCE_ID,
    VPCE_NFN_ID,
    VPCE_SVC_ID,
    VPCE_SVC_PERM_ID,
    default_subnets,
    enable_dns_hostnames,
    err_message,
    new_subnet,
    new_vpc,
    raises_code,
    tags_dict,
    unsuccessful,
)

REGION = "us-east-1"
PROVIDER = "111111111111"
CONSUMER = "222222222222"
OUTSIDER = "333333333333"
ALL_AZS = [f"us-east-1{c}" for c in "abcdef"]
TWO_AZS = ["us-east-1a", "us-east-1b"]
VPCE_ZONE = "Z7HUB22UULQXV"
PRIVATE_ZONE = re.compile(r"^Z[A-Z0-9]{20}$")
ACTIVE_MESSAGE = "Service has existing active VPC Endpoint connections!"
SUBJECT = "VPC Endpoint Connection Notification"
ALL_EVENTS = ["Accept", "Connect", "Delete", "Reject"]


def root(account: str) -> str:
    return f"arn:aws:iam::{account}:root"


def topic(account: str, name: str = "VpceNotification") -> str:
    return f"arn:aws:sns:us-east-1:{account}:{name}"


def _f(name: str, *values: str) -> list[dict]:
    return [{"Name": name, "Values": list(values)}]


# ---------------------------------------------------------------------------
# A small world builder that works against any emulator
# ---------------------------------------------------------------------------
class World:
    def __init__(self, endpoint: str, client_for):
        self.url = endpoint
        self._client_for = client_for
        self._subnets: dict[str, dict[str, str]] = {}
        self._nlb_count = 0

    def ec2(self, account: str):
        return self._client_for(self.url, "ec2", account)

    def elb(self, account: str):
        return self._client_for(self.url, "elbv2", account)

    def subnets(self, account: str) -> dict[str, str]:
        if account not in self._subnets:
            self._subnets[account] = default_subnets(self.ec2(account))
        return self._subnets[account]

    def default_vpc(self, account: str) -> str:
        vpcs = self.ec2(account).describe_vpcs(Filters=_f("is-default", "true"))["Vpcs"]
        assert len(vpcs) == 1, vpcs
        return vpcs[0]["VpcId"]

    def nlb(self, account: str = PROVIDER, azs=TWO_AZS, name: str | None = None,
            lb_type: str = "network") -> dict:
        self._nlb_count += 1
        name = name or f"nlb-{self._nlb_count}"
        subnets = [self.subnets(account)[az] for az in azs]
        kwargs = {"Scheme": "internal"} if lb_type == "network" else {}
        return self.elb(account).create_load_balancer(
            Name=name, Type=lb_type, Subnets=subnets, **kwargs)["LoadBalancers"][0]

    def service(self, account: str = PROVIDER, acceptance: bool | None = True,
                azs=TWO_AZS, nlb_arns=None, **kwargs) -> dict:
        if nlb_arns is None:
            nlb_arns = [self.nlb(account, azs)["LoadBalancerArn"]]
        if acceptance is not None:
            kwargs["AcceptanceRequired"] = acceptance
        return self.ec2(account).create_vpc_endpoint_service_configuration(
            NetworkLoadBalancerArns=nlb_arns, **kwargs)["ServiceConfiguration"]

    def allow(self, service_id: str, *principals: str, account: str = PROVIDER) -> dict:
        resp = self.ec2(account).modify_vpc_endpoint_service_permissions(
            ServiceId=service_id, AddAllowedPrincipals=list(principals))
        assert resp["ReturnValue"] is True
        return resp

    def shared(self, acceptance: bool = True, consumers=(CONSUMER,), azs=TWO_AZS) -> dict:
        """A provider service with the consumers' roots allowed."""
        svc = self.service(acceptance=acceptance, azs=azs)
        if consumers:
            self.allow(svc["ServiceId"], *[root(a) for a in consumers])
        return svc

    def endpoint(self, account: str, service_name: str, azs=("us-east-1a",), vpc_id=None,
                 subnet_ids=None, **kwargs) -> dict:
        if subnet_ids is None:
            subnet_ids = [self.subnets(account)[az] for az in azs]
        if vpc_id is None:
            vpc_id = self.default_vpc(account)
        return self.ec2(account).create_vpc_endpoint(
            VpcId=vpc_id, ServiceName=service_name, VpcEndpointType="Interface",
            SubnetIds=subnet_ids, **kwargs)["VpcEndpoint"]

    def ep(self, account: str, vpce_id: str) -> dict:
        eps = self.ec2(account).describe_vpc_endpoints(VpcEndpointIds=[vpce_id])["VpcEndpoints"]
        assert [e["VpcEndpointId"] for e in eps] == [vpce_id]
        return eps[0]

    def state(self, account: str, vpce_id: str) -> str:
        return self.ep(account, vpce_id)["State"]

    def connections(self, account: str = PROVIDER, **kwargs) -> list[dict]:
        out = []
        paginator = self.ec2(account).get_paginator("describe_vpc_endpoint_connections")
        for page in paginator.paginate(**kwargs):
            out += page["VpcEndpointConnections"]
        return out

    def conn_states(self, account: str = PROVIDER, **kwargs) -> dict[str, str]:
        return {c["VpcEndpointId"]: c["VpcEndpointState"]
                for c in self.connections(account, **kwargs)}

    def notifications(self) -> list[dict]:
        """``GET /_awsemu/notifications``, each parsed to the message plus the
        envelope (``_env``) and the delivery URL (``_url``)."""
        resp = requests.get(f"{self.url}/_awsemu/notifications", timeout=30)
        assert resp.status_code == 200, resp.text
        out = []
        for item in resp.json()["notifications"]:
            env = item["envelope"]
            msg = json.loads(env["Message"])
            msg["_env"] = env
            msg["_url"] = item.get("url")
            out.append(msg)
        return out

    def events(self, vpce_id: str | None = None, nfn_id: str | None = None) -> list[tuple]:
        return [
            (n["eventType"], n["vpcEndpointId"], n["vpcEndpointState"])
            for n in self.notifications()
            if (vpce_id is None or n["vpcEndpointId"] == vpce_id)
            and (nfn_id is None or n["connectionNotificationId"] == nfn_id)
        ]

    def reset(self) -> None:
        resp = requests.post(f"{self.url}/_awsemu/reset", timeout=30)
        assert resp.status_code == 200, resp.text
        self._subnets.clear()

    def advance(self, seconds: float) -> None:
        resp = requests.post(f"{self.url}/_awsemu/clock", json={"seconds": seconds},
                             timeout=30)
        assert resp.status_code == 200, resp.text


@pytest.fixture
def w(awsemu_endpoint, client_for):
    return World(awsemu_endpoint, client_for)


# ---------------------------------------------------------------------------
# Assertion helpers
# ---------------------------------------------------------------------------
def assert_recent(ts) -> None:
    assert isinstance(ts, dt.datetime) and ts.tzinfo is not None, ts
    assert abs((dt.datetime.now(dt.timezone.utc) - ts).total_seconds()) < 300, ts


def parse_iso(text: str) -> dt.datetime:
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", text), text
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def assert_service_config(cfg: dict, *, nlbs: list[str], azs: list[str], acceptance: bool,
                          tags: dict | None = None) -> None:
    sid = cfg["ServiceId"]
    assert VPCE_SVC_ID.match(sid), sid
    assert cfg["ServiceName"] == f"com.amazonaws.vpce.us-east-1.{sid}"
    assert cfg["ServiceType"] == [{"ServiceType": "Interface"}]
    assert cfg["ServiceState"] == "Available"
    assert cfg["AcceptanceRequired"] is acceptance
    assert cfg["ManagesVpcEndpoints"] is False
    assert sorted(cfg["AvailabilityZones"]) == sorted(azs)
    assert cfg["BaseEndpointDnsNames"] == [f"{sid}.us-east-1.vpce.amazonaws.com"]
    assert cfg["NetworkLoadBalancerArns"] == nlbs
    assert cfg.get("GatewayLoadBalancerArns", []) == []
    assert cfg["SupportedIpAddressTypes"] == ["ipv4"]
    assert cfg["SupportedRegions"] == [{"Region": REGION, "ServiceState": "Available"}]
    assert cfg["PrivateDnsNameConfiguration"] == {}
    assert "PrivateDnsName" not in cfg
    assert tags_dict(cfg["Tags"]) == (tags or {})


def assert_custom_dns(ep: dict, service_id: str, azs: list[str],
                      private_name: str | None = None) -> None:
    """Regional name, one zonal name per subnet AZ (in subnet order), then the
    verified private name (if any) with a private hosted zone."""
    entries = ep["DnsEntries"]
    assert entries, ep
    vpce = ep["VpcEndpointId"]
    m = re.match(
        rf"^{vpce}-([a-z0-9]{{8}})\.{service_id}\.us-east-1\.vpce\.amazonaws\.com$",
        entries[0]["DnsName"])
    assert m, entries[0]
    suffix = m.group(1)
    want = [f"{vpce}-{suffix}.{service_id}.us-east-1.vpce.amazonaws.com"]
    want += [f"{vpce}-{suffix}-{az}.{service_id}.us-east-1.vpce.amazonaws.com" for az in azs]
    if private_name:
        want.append(private_name)
    assert [e["DnsName"] for e in entries] == want
    for entry in entries[:1 + len(azs)]:
        assert entry["HostedZoneId"] == VPCE_ZONE, entry
    if private_name:
        assert PRIVATE_ZONE.match(entries[-1]["HostedZoneId"]), entries[-1]


def assert_connection(conn: dict, *, service_id: str, ep: dict, owner: str, state: str,
                      nlbs: list[str]) -> None:
    assert conn["ServiceId"] == service_id
    assert conn["VpcEndpointId"] == ep["VpcEndpointId"]
    assert conn["VpcEndpointOwner"] == owner
    assert conn["VpcEndpointState"] == state
    assert conn["CreationTimestamp"] == ep["CreationTimestamp"]
    assert conn["NetworkLoadBalancerArns"] == nlbs
    assert conn["IpAddressType"] == "ipv4"
    assert VPCE_CON_ID.match(conn["VpcEndpointConnectionId"]), conn
    assert conn["VpcEndpointRegion"] == REGION
    if state != "rejected":
        assert conn["DnsEntries"] == ep["DnsEntries"]


def assert_rejected_endpoint(w: World, account: str, vpce_id: str) -> None:
    ep = w.ep(account, vpce_id)
    assert ep["State"] == "rejected"
    assert ep["DnsEntries"] == []
    assert ep["NetworkInterfaceIds"] == []
    enis = w.ec2(account).describe_network_interfaces(
        Filters=_f("description", f"VPC Endpoint Interface {vpce_id}"))["NetworkInterfaces"]
    assert enis == []


def visible_names(c) -> list[str]:
    names = []
    for page in c.get_paginator("describe_vpc_endpoint_services").paginate():
        names += [d["ServiceName"] for d in page["ServiceDetails"]]
    return names


def assert_refused(w: World, account: str, service_name: str) -> None:
    """Not visible to ``account``: by name, in the list, and for CreateVpcEndpoint."""
    c = w.ec2(account)
    with raises_code("InvalidServiceName") as ei:
        c.describe_vpc_endpoint_services(ServiceNames=[service_name])
    assert service_name in err_message(ei)
    assert service_name not in visible_names(c)
    before = c.describe_vpc_endpoints()["VpcEndpoints"]
    with raises_code("InvalidServiceName") as ei:
        w.endpoint(account, service_name)
    assert service_name in err_message(ei)
    assert c.describe_vpc_endpoints()["VpcEndpoints"] == before


def assert_visible(w: World, account: str, svc: dict, provider: str = PROVIDER) -> dict:
    c = w.ec2(account)
    resp = c.describe_vpc_endpoint_services(ServiceNames=[svc["ServiceName"]])
    assert resp["ServiceNames"] == [svc["ServiceName"]]
    details = resp["ServiceDetails"]
    assert len(details) == 1, details
    d = details[0]
    assert d["ServiceName"] == svc["ServiceName"]
    assert d["ServiceId"] == svc["ServiceId"]
    assert d["Owner"] == provider
    assert d["ServiceType"] == [{"ServiceType": "Interface"}]
    assert d["AcceptanceRequired"] is svc["AcceptanceRequired"]
    assert d["ManagesVpcEndpoints"] is False
    assert d["BaseEndpointDnsNames"] == svc["BaseEndpointDnsNames"]
    assert sorted(d["AvailabilityZones"]) == sorted(svc["AvailabilityZones"])
    assert d["ServiceRegion"] == REGION
    assert svc["ServiceName"] in visible_names(c)
    owned = c.describe_vpc_endpoint_services(Filters=_f("owner", provider))["ServiceDetails"]
    assert svc["ServiceName"] in [o["ServiceName"] for o in owned]
    assert all(o["Owner"] == provider for o in owned)
    amazon = c.describe_vpc_endpoint_services(Filters=_f("owner", "amazon"))["ServiceNames"]
    assert svc["ServiceName"] not in amazon
    paged = []
    for page in c.get_paginator("describe_vpc_endpoint_services").paginate(
            PaginationConfig={"PageSize": 5}):
        paged += [x["ServiceName"] for x in page["ServiceDetails"]]
    assert paged.count(svc["ServiceName"]) == 1
    assert sorted(paged) == sorted(visible_names(c))
    return d


# ---------------------------------------------------------------------------
# The provider guide, end to end
# ---------------------------------------------------------------------------
def test_provider_guide_walk(w):
    p, c, o = w.ec2(PROVIDER), w.ec2(CONSUMER), w.ec2(OUTSIDER)
    elb = w.elb(PROVIDER)

    # --- 1. an internal NLB in the provider's default subnets ---------------------
    lb = w.nlb(PROVIDER, ALL_AZS, name="nlb-vpce")
    nlb_arn = lb["LoadBalancerArn"]
    assert lb["Type"] == "network" and lb["Scheme"] == "internal"
    assert elb.describe_load_balancers(LoadBalancerArns=[nlb_arn])["LoadBalancers"][0][
        "State"]["Code"] == "active"

    # --- 2. the endpoint service, acceptance required ----------------------------------
    cfg = p.create_vpc_endpoint_service_configuration(
        NetworkLoadBalancerArns=[nlb_arn], AcceptanceRequired=True)["ServiceConfiguration"]
    assert_service_config(cfg, nlbs=[nlb_arn], azs=ALL_AZS, acceptance=True)
    sid, sname = cfg["ServiceId"], cfg["ServiceName"]
    described = p.describe_vpc_endpoint_service_configurations(
        ServiceIds=[sid])["ServiceConfigurations"]
    assert described == [cfg]
    # the provider sees its own service, nobody else does yet
    assert sname in visible_names(p)
    assert_refused(w, CONSUMER, sname)

    # --- 3. permissions for the consumer ---------------------------------------------
    resp = p.modify_vpc_endpoint_service_permissions(
        ServiceId=sid, AddAllowedPrincipals=[root(CONSUMER)])
    assert resp["ReturnValue"] is True
    [added] = resp["AddedPrincipals"]
    assert added["PrincipalType"] == "Account"
    assert added["Principal"] == root(CONSUMER)
    assert added["ServiceId"] == sid
    assert VPCE_SVC_PERM_ID.match(added["ServicePermissionId"]), added
    [allowed] = p.describe_vpc_endpoint_service_permissions(ServiceId=sid)["AllowedPrincipals"]
    assert (allowed["PrincipalType"], allowed["Principal"], allowed["ServicePermissionId"],
            allowed["ServiceId"]) == ("Account", root(CONSUMER),
                                      added["ServicePermissionId"], sid)

    # --- 4. a connection notification on the service ------------------------------------
    nfn = p.create_vpc_endpoint_connection_notification(
        ServiceId=sid, ConnectionNotificationArn=topic(PROVIDER),
        ConnectionEvents=["Connect", "Accept", "Delete", "Reject"])["ConnectionNotification"]
    assert VPCE_NFN_ID.match(nfn["ConnectionNotificationId"]), nfn
    assert nfn["ServiceId"] == sid
    assert nfn["ConnectionNotificationType"] == "Topic"
    assert nfn["ConnectionNotificationArn"] == topic(PROVIDER)
    assert nfn["ConnectionEvents"] == ALL_EVENTS
    assert nfn["ConnectionNotificationState"] == "Enabled"
    assert nfn["ServiceRegion"] == REGION
    nfn_id = nfn["ConnectionNotificationId"]

    # --- 5. the consumer sees the service and connects ------------------------------
    assert_visible(w, CONSUMER, cfg)
    consumer_vpc = w.default_vpc(CONSUMER)
    ep1 = w.endpoint(CONSUMER, sname, azs=TWO_AZS)
    vpce1 = ep1["VpcEndpointId"]
    assert VPCE_ID.match(vpce1)
    assert ep1["State"] == "pendingAcceptance"
    assert ep1["ServiceName"] == sname
    assert ep1["VpcId"] == consumer_vpc
    assert ep1["OwnerId"] == CONSUMER
    assert ep1["VpcEndpointType"] == "Interface"
    assert ep1["SubnetIds"] == [w.subnets(CONSUMER)[az] for az in TWO_AZS]
    assert len(ep1["NetworkInterfaceIds"]) == 2
    assert all(ENI_ID.match(e) for e in ep1["NetworkInterfaceIds"])
    assert ep1["PrivateDnsEnabled"] is False
    assert_custom_dns(ep1, sid, TWO_AZS)
    assert_recent(ep1["CreationTimestamp"])
    # no clock is needed for it to stay there
    for _ in range(3):
        assert w.state(CONSUMER, vpce1) == "pendingAcceptance"

    # --- 6. the outsider is refused and sees nothing ---------------------------------
    assert_refused(w, OUTSIDER, sname)
    assert o.describe_vpc_endpoints()["VpcEndpoints"] == []
    assert o.describe_vpc_endpoint_connections()["VpcEndpointConnections"] == []
    with raises_code("InvalidVpcEndpointServiceId.NotFound"):
        o.describe_vpc_endpoint_service_configurations(ServiceIds=[sid])
    # nor does the consumer see the provider's connections
    assert c.describe_vpc_endpoint_connections()["VpcEndpointConnections"] == []

    # --- 7. the provider lists the pending connection (guide's filter) -----------------
    pending = p.describe_vpc_endpoint_connections(
        Filters=_f("vpc-endpoint-state", "pendingAcceptance"))["VpcEndpointConnections"]
    assert len(pending) == 1, pending
    assert_connection(pending[0], service_id=sid, ep=ep1, owner=CONSUMER,
                      state="pendingAcceptance", nlbs=[nlb_arn])
    con_id = pending[0]["VpcEndpointConnectionId"]

    # --- 8. accept (an unknown id in the same call fails on its own) -----------------
    resp = p.accept_vpc_endpoint_connections(ServiceId=sid, VpcEndpointIds=[vpce1, UNKNOWN_VPCE])
    assert unsuccessful(resp) == [(UNKNOWN_VPCE, "InvalidVpcEndpoint.NotFound")]
    assert w.state(CONSUMER, vpce1) == "available"
    [conn] = w.connections()
    assert_connection(conn, service_id=sid, ep=w.ep(CONSUMER, vpce1), owner=CONSUMER,
                      state="available", nlbs=[nlb_arn])
    assert conn["VpcEndpointConnectionId"] == con_id
    # accepting again: not pendingAcceptance any more
    resp = p.accept_vpc_endpoint_connections(ServiceId=sid, VpcEndpointIds=[vpce1])
    assert unsuccessful(resp) == [(vpce1, "InvalidVpcEndpointState")]
    assert w.state(CONSUMER, vpce1) == "available"

    # --- 9. a second consumer endpoint (another VPC), rejected --------------------------
    vpc2 = new_vpc(c, "10.20.0.0/16")
    sub2 = new_subnet(c, vpc2, "10.20.1.0/24", "us-east-1c")
    ep2 = w.endpoint(CONSUMER, sname, vpc_id=vpc2, subnet_ids=[sub2])
    vpce2 = ep2["VpcEndpointId"]
    assert ep2["State"] == "pendingAcceptance"
    assert_custom_dns(ep2, sid, ["us-east-1c"])
    assert w.conn_states(Filters=_f("vpc-endpoint-state", "pendingAcceptance")) == {
        vpce2: "pendingAcceptance"}
    resp = p.reject_vpc_endpoint_connections(ServiceId=sid, VpcEndpointIds=[vpce2, UNKNOWN_VPCE])
    assert unsuccessful(resp) == [(UNKNOWN_VPCE, "InvalidVpcEndpoint.NotFound")]
    assert_rejected_endpoint(w, CONSUMER, vpce2)
    resp = p.reject_vpc_endpoint_connections(ServiceId=sid, VpcEndpointIds=[vpce2])
    assert unsuccessful(resp) == [(vpce2, "InvalidVpcEndpointState")]
    resp = p.accept_vpc_endpoint_connections(ServiceId=sid, VpcEndpointIds=[vpce2])
    assert unsuccessful(resp) == [(vpce2, "InvalidVpcEndpointState")]
    assert w.state(CONSUMER, vpce2) == "rejected"
    assert w.conn_states() == {vpce1: "available", vpce2: "rejected"}
    assert w.connections(Filters=_f("vpc-endpoint-state", "pendingAcceptance")) == []

    # --- the notifications so far -------------------------------------------------------
    assert w.events(nfn_id=nfn_id) == [
        ("Connect", vpce1, "pendingAcceptance"),
        ("Accept", vpce1, "pending"),
        ("Connect", vpce2, "pendingAcceptance"),
        ("Reject", vpce2, "rejected"),
    ]

    # --- 10. the service cannot go while a connection is active --------------------------
    resp = p.delete_vpc_endpoint_service_configurations(ServiceIds=[sid])
    [item] = resp["Unsuccessful"]
    assert item["ResourceId"] == sid
    assert item["Error"]["Code"] == "ExistingVpcEndpointConnections"
    assert item["Error"]["Message"] == ACTIVE_MESSAGE
    assert [s["ServiceId"] for s in p.describe_vpc_endpoint_service_configurations(
        ServiceIds=[sid])["ServiceConfigurations"]] == [sid]
    with raises_code("ResourceInUse"):
        elb.delete_load_balancer(LoadBalancerArn=nlb_arn)

    # --- 11. the consumer deletes its endpoints ---------------------------------------
    resp = c.delete_vpc_endpoints(VpcEndpointIds=[vpce1, vpce2])
    assert resp["Unsuccessful"] == []
    states = w.conn_states()
    assert set(states) <= {vpce1, vpce2}
    assert set(states.values()) <= {"deleting", "deleted"}, states
    assert ("Delete", vpce1, "deleting") in w.events(nfn_id=nfn_id)

    # --- 12. now the provider deletes the service, then the NLB ------------------------
    resp = p.delete_vpc_endpoint_service_configurations(ServiceIds=[sid])
    assert resp["Unsuccessful"] == []
    with raises_code("InvalidVpcEndpointServiceId.NotFound"):
        p.describe_vpc_endpoint_service_configurations(ServiceIds=[sid])
    assert sname not in visible_names(p)
    with raises_code("InvalidServiceName"):
        c.describe_vpc_endpoint_services(ServiceNames=[sname])
    assert p.describe_vpc_endpoint_connection_notifications()["ConnectionNotificationSet"] == []

    elb.delete_load_balancer(LoadBalancerArn=nlb_arn)
    with raises_code("LoadBalancerNotFound"):
        elb.describe_load_balancers(LoadBalancerArns=[nlb_arn])
    assert p.describe_network_interfaces(
        Filters=_f("interface-type", "network_load_balancer"))["NetworkInterfaces"] == []


# ---------------------------------------------------------------------------
# CreateVpcEndpointServiceConfiguration
# ---------------------------------------------------------------------------
def test_create_service_defaults_and_tags(w):
    arn = w.nlb(PROVIDER, ["us-east-1b", "us-east-1d"])["LoadBalancerArn"]
    cfg = w.ec2(PROVIDER).create_vpc_endpoint_service_configuration(
        NetworkLoadBalancerArns=[arn],
        TagSpecifications=[{"ResourceType": "vpc-endpoint-service",
                            "Tags": [{"Key": "Name", "Value": "orders"}]}],
    )["ServiceConfiguration"]
    assert_service_config(cfg, nlbs=[arn], azs=["us-east-1b", "us-east-1d"], acceptance=False,
                          tags={"Name": "orders"})
    [described] = w.ec2(PROVIDER).describe_vpc_endpoint_service_configurations(
        ServiceIds=[cfg["ServiceId"]])["ServiceConfigurations"]
    assert described == cfg


def test_service_ids_are_unique(w):
    ids = {w.service()["ServiceId"] for _ in range(4)}
    assert len(ids) == 4


def test_create_service_with_private_dns_name(w):
    cfg = w.service(PrivateDnsName="api.example.com")
    assert cfg["PrivateDnsName"] == "api.example.com"
    pdns = cfg["PrivateDnsNameConfiguration"]
    assert pdns["State"] == "pendingVerification"
    assert pdns["Type"] == "TXT"
    assert re.match(r"^vpce:[A-Za-z0-9]{20}$", pdns["Value"]), pdns
    assert re.match(r"^_[a-z0-9]{20}$", pdns["Name"]), pdns


def _create_error(w, **kwargs):
    with raises_code(kwargs.pop("_code")) as ei:
        w.ec2(PROVIDER).create_vpc_endpoint_service_configuration(**kwargs)
    return ei


def test_create_service_with_unknown_nlb(w):
    unknown = (f"arn:aws:elasticloadbalancing:us-east-1:{PROVIDER}:loadbalancer/net/"
               "nope/0123456789abcdef")
    _create_error(w, _code="InvalidParameter", NetworkLoadBalancerArns=[unknown])
    assert w.ec2(PROVIDER).describe_vpc_endpoint_service_configurations()[
        "ServiceConfigurations"] == []


def test_create_service_with_another_accounts_nlb(w):
    foreign = w.nlb(CONSUMER)["LoadBalancerArn"]
    _create_error(w, _code="InvalidParameter", NetworkLoadBalancerArns=[foreign])
    assert w.ec2(PROVIDER).describe_vpc_endpoint_service_configurations()[
        "ServiceConfigurations"] == []
    assert w.ec2(CONSUMER).describe_vpc_endpoint_service_configurations()[
        "ServiceConfigurations"] == []


def test_create_service_with_gwlb_in_nlb_list(w):
    gwlb = w.nlb(PROVIDER, lb_type="gateway")["LoadBalancerArn"]
    _create_error(w, _code="InvalidParameter", NetworkLoadBalancerArns=[gwlb])
    assert w.ec2(PROVIDER).describe_vpc_endpoint_service_configurations()[
        "ServiceConfigurations"] == []


def test_create_service_with_nlb_of_another_service(w):
    first = w.service()
    arn = first["NetworkLoadBalancerArns"][0]
    ei = _create_error(w, _code="InvalidParameter", NetworkLoadBalancerArns=[arn])
    assert arn in err_message(ei)
    assert [s["ServiceId"] for s in w.ec2(PROVIDER).describe_vpc_endpoint_service_configurations()[
        "ServiceConfigurations"]] == [first["ServiceId"]]


def test_create_service_without_load_balancers(w):
    _create_error(w, _code="MissingParameter", AcceptanceRequired=True)


def test_create_service_with_both_load_balancer_kinds(w):
    nlb = w.nlb(PROVIDER)["LoadBalancerArn"]
    gwlb = w.nlb(PROVIDER, lb_type="gateway")["LoadBalancerArn"]
    _create_error(w, _code="InvalidParameterCombination", NetworkLoadBalancerArns=[nlb],
                  GatewayLoadBalancerArns=[gwlb])
    assert w.ec2(PROVIDER).describe_vpc_endpoint_service_configurations()[
        "ServiceConfigurations"] == []
    # both load balancers are still free
    w.ec2(PROVIDER).create_vpc_endpoint_service_configuration(NetworkLoadBalancerArns=[nlb])
    w.ec2(PROVIDER).create_vpc_endpoint_service_configuration(GatewayLoadBalancerArns=[gwlb])


def test_gateway_load_balancer_service(w):
    gwlb = w.nlb(PROVIDER, azs=["us-east-1c"], lb_type="gateway")["LoadBalancerArn"]
    cfg = w.ec2(PROVIDER).create_vpc_endpoint_service_configuration(
        GatewayLoadBalancerArns=[gwlb])["ServiceConfiguration"]
    assert VPCE_SVC_ID.match(cfg["ServiceId"])
    assert cfg["ServiceType"] == [{"ServiceType": "GatewayLoadBalancer"}]
    assert cfg["GatewayLoadBalancerArns"] == [gwlb]
    assert cfg.get("NetworkLoadBalancerArns", []) == []
    assert cfg.get("BaseEndpointDnsNames", []) == []
    assert cfg["AvailabilityZones"] == ["us-east-1c"]
    assert cfg["AcceptanceRequired"] is False
    assert cfg["ServiceState"] == "Available"


# ---------------------------------------------------------------------------
# DescribeVpcEndpointServiceConfigurations
# ---------------------------------------------------------------------------
def _config_ids(c, **kwargs) -> list[str]:
    out = []
    for page in c.get_paginator("describe_vpc_endpoint_service_configurations").paginate(**kwargs):
        out += [s["ServiceId"] for s in page["ServiceConfigurations"]]
    return out


def test_describe_service_configurations_filters(w):
    p = w.ec2(PROVIDER)
    a = w.service(TagSpecifications=[{"ResourceType": "vpc-endpoint-service",
                                      "Tags": [{"Key": "team", "Value": "red"}]}])
    b = w.service(TagSpecifications=[{"ResourceType": "vpc-endpoint-service",
                                      "Tags": [{"Key": "team", "Value": "blue"}]}])
    cc = w.service()
    p.modify_vpc_endpoint_service_configuration(ServiceId=cc["ServiceId"],
                                                AddSupportedIpAddressTypes=["ipv6"])
    ids = {a["ServiceId"], b["ServiceId"], cc["ServiceId"]}

    assert set(_config_ids(p)) == ids
    assert _config_ids(p, Filters=_f("service-name", b["ServiceName"])) == [b["ServiceId"]]
    assert _config_ids(p, Filters=_f("service-id", a["ServiceId"])) == [a["ServiceId"]]
    assert set(_config_ids(p, Filters=_f("service-id", a["ServiceId"], cc["ServiceId"]))) == {
        a["ServiceId"], cc["ServiceId"]}
    assert set(_config_ids(p, Filters=_f("service-state", "Available"))) == ids
    assert _config_ids(p, Filters=_f("service-state", "Deleting")) == []
    assert _config_ids(p, Filters=_f("supported-ip-address-types", "ipv6")) == [cc["ServiceId"]]
    assert set(_config_ids(p, Filters=_f("supported-ip-address-types", "ipv4"))) == ids
    assert _config_ids(p, Filters=_f("tag:team", "red")) == [a["ServiceId"]]
    assert set(_config_ids(p, Filters=_f("tag:team", "red", "blue"))) == {
        a["ServiceId"], b["ServiceId"]}
    assert _config_ids(p, Filters=_f("tag:team", "green")) == []
    assert _config_ids(p, ServiceIds=[a["ServiceId"], b["ServiceId"]],
                       Filters=_f("tag:team", "blue")) == [b["ServiceId"]]
    # other accounts see none of them
    assert _config_ids(w.ec2(CONSUMER)) == []


def test_describe_service_configurations_paging(w):
    p = w.ec2(PROVIDER)
    ids = {w.service(acceptance=None)["ServiceId"] for _ in range(7)}
    pages = list(p.get_paginator("describe_vpc_endpoint_service_configurations").paginate(
        PaginationConfig={"PageSize": 5}))
    assert [len(pg["ServiceConfigurations"]) for pg in pages] == [5, 2]
    assert pages[0].get("NextToken") and "NextToken" not in pages[-1]
    seen = [s["ServiceId"] for pg in pages for s in pg["ServiceConfigurations"]]
    assert len(seen) == len(set(seen)) and set(seen) == ids
    first = p.describe_vpc_endpoint_service_configurations(MaxResults=5)
    rest = p.describe_vpc_endpoint_service_configurations(MaxResults=5,
                                                           NextToken=first["NextToken"])
    assert {s["ServiceId"] for s in first["ServiceConfigurations"] + rest[
        "ServiceConfigurations"]} == ids


def test_describe_unknown_and_foreign_service_configuration(w):
    svc = w.service()
    with raises_code("InvalidVpcEndpointServiceId.NotFound") as ei:
        w.ec2(PROVIDER).describe_vpc_endpoint_service_configurations(
            ServiceIds=[svc["ServiceId"], UNKNOWN_VPCE_SVC])
    assert UNKNOWN_VPCE_SVC in err_message(ei)
    with raises_code("InvalidVpcEndpointServiceId.NotFound"):
        w.ec2(CONSUMER).describe_vpc_endpoint_service_configurations(
            ServiceIds=[svc["ServiceId"]])


# ---------------------------------------------------------------------------
# ModifyVpcEndpointServiceConfiguration
# ---------------------------------------------------------------------------
def _config(w, sid: str, account: str = PROVIDER) -> dict:
    [cfg] = w.ec2(account).describe_vpc_endpoint_service_configurations(
        ServiceIds=[sid])["ServiceConfigurations"]
    return cfg


def test_modify_acceptance_required(w):
    svc = w.shared(acceptance=False)
    sid = svc["ServiceId"]
    p = w.ec2(PROVIDER)
    assert p.modify_vpc_endpoint_service_configuration(
        ServiceId=sid, AcceptanceRequired=True)["Return"] is True
    assert _config(w, sid)["AcceptanceRequired"] is True
    assert assert_visible(w, CONSUMER, _config(w, sid))["AcceptanceRequired"] is True
    ep = w.endpoint(CONSUMER, svc["ServiceName"])
    assert ep["State"] == "pendingAcceptance"

    assert p.modify_vpc_endpoint_service_configuration(
        ServiceId=sid, AcceptanceRequired=False)["Return"] is True
    assert _config(w, sid)["AcceptanceRequired"] is False
    ep2 = w.endpoint(CONSUMER, svc["ServiceName"], azs=["us-east-1b"])
    assert ep2["State"] == "pending"
    assert w.state(CONSUMER, ep2["VpcEndpointId"]) == "available"
    # the earlier request still waits for the provider
    assert w.state(CONSUMER, ep["VpcEndpointId"]) == "pendingAcceptance"


def test_modify_private_dns_name(w):
    svc = w.service()
    sid = svc["ServiceId"]
    p = w.ec2(PROVIDER)
    assert p.modify_vpc_endpoint_service_configuration(
        ServiceId=sid, PrivateDnsName="one.example.com")["Return"] is True
    cfg = _config(w, sid)
    assert cfg["PrivateDnsName"] == "one.example.com"
    first = cfg["PrivateDnsNameConfiguration"]
    assert first["State"] == "pendingVerification" and first["Type"] == "TXT"
    assert re.match(r"^vpce:[A-Za-z0-9]{20}$", first["Value"])
    assert re.match(r"^_[a-z0-9]{20}$", first["Name"])

    p.start_vpc_endpoint_service_private_dns_verification(ServiceId=sid)
    assert _config(w, sid)["PrivateDnsNameConfiguration"]["State"] == "verified"

    # a new name: a new record to verify
    p.modify_vpc_endpoint_service_configuration(ServiceId=sid, PrivateDnsName="two.example.com")
    cfg = _config(w, sid)
    assert cfg["PrivateDnsName"] == "two.example.com"
    second = cfg["PrivateDnsNameConfiguration"]
    assert second["State"] == "pendingVerification"
    assert (second["Name"], second["Value"]) != (first["Name"], first["Value"])

    assert p.modify_vpc_endpoint_service_configuration(
        ServiceId=sid, RemovePrivateDnsName=True)["Return"] is True
    cfg = _config(w, sid)
    assert "PrivateDnsName" not in cfg
    assert cfg["PrivateDnsNameConfiguration"] == {}


def test_modify_load_balancers(w):
    svc = w.service(azs=["us-east-1a"])
    sid = svc["ServiceId"]
    first = svc["NetworkLoadBalancerArns"][0]
    second = w.nlb(PROVIDER, ["us-east-1b", "us-east-1c"])["LoadBalancerArn"]
    p = w.ec2(PROVIDER)
    assert p.modify_vpc_endpoint_service_configuration(
        ServiceId=sid, AddNetworkLoadBalancerArns=[second])["Return"] is True
    cfg = _config(w, sid)
    assert sorted(cfg["NetworkLoadBalancerArns"]) == sorted([first, second])
    assert sorted(cfg["AvailabilityZones"]) == ["us-east-1a", "us-east-1b", "us-east-1c"]
    # the added NLB is now in use
    with raises_code("ResourceInUse"):
        w.elb(PROVIDER).delete_load_balancer(LoadBalancerArn=second)

    assert p.modify_vpc_endpoint_service_configuration(
        ServiceId=sid, RemoveNetworkLoadBalancerArns=[first])["Return"] is True
    cfg = _config(w, sid)
    assert cfg["NetworkLoadBalancerArns"] == [second]
    assert sorted(cfg["AvailabilityZones"]) == ["us-east-1b", "us-east-1c"]
    # the removed one is free again
    w.elb(PROVIDER).delete_load_balancer(LoadBalancerArn=first)

    with raises_code("InvalidParameter"):
        p.modify_vpc_endpoint_service_configuration(
            ServiceId=sid, RemoveNetworkLoadBalancerArns=[second])
    assert _config(w, sid)["NetworkLoadBalancerArns"] == [second]

    # an NLB belongs to one service only
    taken = w.service()["NetworkLoadBalancerArns"][0]
    with raises_code("InvalidParameter"):
        p.modify_vpc_endpoint_service_configuration(
            ServiceId=sid, AddNetworkLoadBalancerArns=[taken])
    assert _config(w, sid)["NetworkLoadBalancerArns"] == [second]


@pytest.mark.parametrize("state", ["pendingAcceptance", "available"])
def test_remove_load_balancer_with_connected_endpoints(w, state):
    svc = w.shared(acceptance=True)
    sid = svc["ServiceId"]
    first = svc["NetworkLoadBalancerArns"][0]
    second = w.nlb(PROVIDER, TWO_AZS)["LoadBalancerArn"]
    p = w.ec2(PROVIDER)
    p.modify_vpc_endpoint_service_configuration(ServiceId=sid,
                                                AddNetworkLoadBalancerArns=[second])
    vpce = w.endpoint(CONSUMER, svc["ServiceName"])["VpcEndpointId"]
    if state == "available":
        assert p.accept_vpc_endpoint_connections(ServiceId=sid,
                                                 VpcEndpointIds=[vpce])["Unsuccessful"] == []
    assert w.state(CONSUMER, vpce) == state
    with raises_code("ExistingVpcEndpointConnections"):
        p.modify_vpc_endpoint_service_configuration(ServiceId=sid,
                                                    RemoveNetworkLoadBalancerArns=[first])
    assert sorted(_config(w, sid)["NetworkLoadBalancerArns"]) == sorted([first, second])

    # a rejected connection no longer holds the load balancers
    p.reject_vpc_endpoint_connections(ServiceId=sid, VpcEndpointIds=[vpce])
    assert w.state(CONSUMER, vpce) == "rejected"
    p.modify_vpc_endpoint_service_configuration(ServiceId=sid,
                                                RemoveNetworkLoadBalancerArns=[first])
    assert _config(w, sid)["NetworkLoadBalancerArns"] == [second]


def test_modify_supported_ip_address_types(w):
    sid = w.service()["ServiceId"]
    p = w.ec2(PROVIDER)
    assert p.modify_vpc_endpoint_service_configuration(
        ServiceId=sid, AddSupportedIpAddressTypes=["ipv6"])["Return"] is True
    assert sorted(_config(w, sid)["SupportedIpAddressTypes"]) == ["ipv4", "ipv6"]
    assert p.modify_vpc_endpoint_service_configuration(
        ServiceId=sid, RemoveSupportedIpAddressTypes=["ipv4"])["Return"] is True
    assert _config(w, sid)["SupportedIpAddressTypes"] == ["ipv6"]
    p.modify_vpc_endpoint_service_configuration(
        ServiceId=sid, AddSupportedIpAddressTypes=["ipv4"], RemoveSupportedIpAddressTypes=["ipv6"])
    assert _config(w, sid)["SupportedIpAddressTypes"] == ["ipv4"]


def test_modify_unknown_or_foreign_service(w):
    sid = w.service()["ServiceId"]
    with raises_code("InvalidVpcEndpointServiceId.NotFound"):
        w.ec2(PROVIDER).modify_vpc_endpoint_service_configuration(
            ServiceId=UNKNOWN_VPCE_SVC, AcceptanceRequired=False)
    with raises_code("InvalidVpcEndpointServiceId.NotFound"):
        w.ec2(CONSUMER).modify_vpc_endpoint_service_configuration(
            ServiceId=sid, AcceptanceRequired=False)
    assert _config(w, sid)["AcceptanceRequired"] is True


# ---------------------------------------------------------------------------
# Private DNS verification, payer responsibility
# ---------------------------------------------------------------------------
def test_private_dns_verification_and_consumer_dns(w):
    p = w.ec2(PROVIDER)
    plain = w.service()
    with raises_code("InvalidParameter"):
        p.start_vpc_endpoint_service_private_dns_verification(ServiceId=plain["ServiceId"])
    with raises_code("InvalidVpcEndpointServiceId.NotFound"):
        p.start_vpc_endpoint_service_private_dns_verification(ServiceId=UNKNOWN_VPCE_SVC)

    svc = w.service(acceptance=False, PrivateDnsName="orders.example.com")
    sid = svc["ServiceId"]
    w.allow(sid, root(CONSUMER))
    cons = w.ec2(CONSUMER)
    vpc = new_vpc(cons, "10.30.0.0/16")
    enable_dns_hostnames(cons, vpc)
    sub = new_subnet(cons, vpc, "10.30.1.0/24", "us-east-1a")

    # not verified yet: no private DNS for consumers
    with raises_code("InvalidParameter"):
        w.endpoint(CONSUMER, svc["ServiceName"], vpc_id=vpc, subnet_ids=[sub],
                   PrivateDnsEnabled=True)
    assert cons.describe_vpc_endpoints(Filters=_f("vpc-id", vpc))["VpcEndpoints"] == []

    assert p.start_vpc_endpoint_service_private_dns_verification(
        ServiceId=sid)["ReturnValue"] is True
    cfg = _config(w, sid)
    assert cfg["PrivateDnsNameConfiguration"]["State"] == "verified"
    assert cfg["PrivateDnsName"] == "orders.example.com"
    detail = assert_visible(w, CONSUMER, cfg)
    assert detail["PrivateDnsName"] == "orders.example.com"
    assert detail["PrivateDnsNameVerificationState"] == "verified"

    ep = w.endpoint(CONSUMER, svc["ServiceName"], vpc_id=vpc, subnet_ids=[sub],
                    PrivateDnsEnabled=True)
    assert ep["PrivateDnsEnabled"] is True
    assert_custom_dns(ep, sid, ["us-east-1a"], private_name="orders.example.com")
    described = w.ep(CONSUMER, ep["VpcEndpointId"])
    assert described["State"] == "available"
    assert described["DnsEntries"] == ep["DnsEntries"]


def test_payer_responsibility(w):
    svc = w.shared()
    sid = svc["ServiceId"]
    p = w.ec2(PROVIDER)
    assert assert_visible(w, CONSUMER, svc).get("PayerResponsibility") != "ServiceOwner"
    resp = p.modify_vpc_endpoint_service_payer_responsibility(
        ServiceId=sid, PayerResponsibility="ServiceOwner")
    assert resp["ReturnValue"] is True
    assert _config(w, sid)["PayerResponsibility"] == "ServiceOwner"
    assert assert_visible(w, CONSUMER, svc)["PayerResponsibility"] == "ServiceOwner"
    with raises_code("InvalidVpcEndpointServiceId.NotFound"):
        p.modify_vpc_endpoint_service_payer_responsibility(
            ServiceId=UNKNOWN_VPCE_SVC, PayerResponsibility="ServiceOwner")


# ---------------------------------------------------------------------------
# DeleteVpcEndpointServiceConfigurations
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("state", ["pendingAcceptance", "available"])
def test_delete_service_with_active_connection(w, state):
    svc = w.shared(acceptance=(state == "pendingAcceptance"))
    sid = svc["ServiceId"]
    vpce = w.endpoint(CONSUMER, svc["ServiceName"])["VpcEndpointId"]
    assert w.state(CONSUMER, vpce) == state
    other = w.service()  # no connections: goes in the same call
    resp = w.ec2(PROVIDER).delete_vpc_endpoint_service_configurations(
        ServiceIds=[sid, other["ServiceId"], UNKNOWN_VPCE_SVC])
    items = {u["ResourceId"]: u["Error"] for u in resp["Unsuccessful"]}
    assert set(items) == {sid, UNKNOWN_VPCE_SVC}
    assert items[sid] == {"Code": "ExistingVpcEndpointConnections", "Message": ACTIVE_MESSAGE}
    assert items[UNKNOWN_VPCE_SVC]["Code"] == "InvalidVpcEndpointService.NotFound"
    assert _config_ids(w.ec2(PROVIDER)) == [sid]
    # the consumer's endpoint is untouched
    assert w.state(CONSUMER, vpce) == state


def test_rejected_and_deleted_connections_do_not_block_deletion(w):
    svc = w.shared(acceptance=True)
    sid = svc["ServiceId"]
    nlb = svc["NetworkLoadBalancerArns"][0]
    rejected = w.endpoint(CONSUMER, svc["ServiceName"])["VpcEndpointId"]
    deleted = w.endpoint(CONSUMER, svc["ServiceName"], azs=["us-east-1b"])["VpcEndpointId"]
    p = w.ec2(PROVIDER)
    assert p.reject_vpc_endpoint_connections(ServiceId=sid,
                                             VpcEndpointIds=[rejected])["Unsuccessful"] == []
    assert w.ec2(CONSUMER).delete_vpc_endpoints(VpcEndpointIds=[deleted])["Unsuccessful"] == []
    states = w.conn_states()
    assert states[rejected] == "rejected"
    assert states.get(deleted, "deleted") in ("deleting", "deleted")

    assert p.delete_vpc_endpoint_service_configurations(ServiceIds=[sid])["Unsuccessful"] == []
    assert _config_ids(p) == []
    w.elb(PROVIDER).delete_load_balancer(LoadBalancerArn=nlb)
    with raises_code("LoadBalancerNotFound"):
        w.elb(PROVIDER).describe_load_balancers(LoadBalancerArns=[nlb])


def test_delete_foreign_service_configuration(w):
    sid = w.service()["ServiceId"]
    resp = w.ec2(CONSUMER).delete_vpc_endpoint_service_configurations(ServiceIds=[sid])
    assert unsuccessful(resp) == [(sid, "InvalidVpcEndpointService.NotFound")]
    assert _config_ids(w.ec2(PROVIDER)) == [sid]


# ---------------------------------------------------------------------------
# ModifyVpcEndpointServicePermissions / DescribeVpcEndpointServicePermissions
# ---------------------------------------------------------------------------
def _principals(w, sid: str, **kwargs) -> list[dict]:
    out = []
    paginator = w.ec2(PROVIDER).get_paginator("describe_vpc_endpoint_service_permissions")
    for page in paginator.paginate(ServiceId=sid, **kwargs):
        out += page["AllowedPrincipals"]
    return out


def test_permission_principal_types(w):
    sid = w.service()["ServiceId"]
    wanted = {
        "*": "All",
        root(CONSUMER): "Account",
        f"arn:aws:iam::{OUTSIDER}:role/app": "Role",
        f"arn:aws:iam::{OUTSIDER}:user/alice": "User",
    }
    resp = w.allow(sid, *wanted)
    added = resp["AddedPrincipals"]
    assert sorted((a["Principal"], a["PrincipalType"]) for a in added) == sorted(wanted.items())
    assert all(a["ServiceId"] == sid for a in added)
    perm_ids = {a["Principal"]: a["ServicePermissionId"] for a in added}
    assert all(VPCE_SVC_PERM_ID.match(i) for i in perm_ids.values()), perm_ids
    assert len(set(perm_ids.values())) == 4

    allowed = _principals(w, sid)
    assert sorted((a["Principal"], a["PrincipalType"], a["ServicePermissionId"], a["ServiceId"])
                  for a in allowed) == sorted(
        (p, t, perm_ids[p], sid) for p, t in wanted.items())

    resp = w.ec2(PROVIDER).modify_vpc_endpoint_service_permissions(
        ServiceId=sid, RemoveAllowedPrincipals=[f"arn:aws:iam::{OUTSIDER}:role/app", "*"])
    assert resp["ReturnValue"] is True
    assert sorted(a["Principal"] for a in _principals(w, sid)) == sorted(
        [root(CONSUMER), f"arn:aws:iam::{OUTSIDER}:user/alice"])


@pytest.mark.parametrize("bad", [
    "222222222222",
    "arn:aws:iam::22:root",
    "arn:aws:iam::2222222222222:root",
    "arn:aws:iam::222222222222:",
    "root",
    "arn:aws:s3:::bucket",
])
def test_invalid_principal(w, bad):
    sid = w.service()["ServiceId"]
    with raises_code("InvalidPrincipal"):
        w.ec2(PROVIDER).modify_vpc_endpoint_service_permissions(
            ServiceId=sid, AddAllowedPrincipals=[root(CONSUMER), bad])
    assert _principals(w, sid) == []


def test_describe_permissions_filters_and_paging(w):
    sid = w.service()["ServiceId"]
    accounts = [f"44444444440{i}" for i in range(6)]
    w.allow(sid, *[root(a) for a in accounts], f"arn:aws:iam::{OUTSIDER}:role/app", "*")

    by_type = _principals(w, sid, Filters=_f("principal-type", "Account"))
    assert sorted(a["Principal"] for a in by_type) == sorted(root(a) for a in accounts)
    roles = _principals(w, sid, Filters=_f("principal-type", "Role", "All"))
    assert sorted(a["Principal"] for a in roles) == sorted(
        ["*", f"arn:aws:iam::{OUTSIDER}:role/app"])
    one = _principals(w, sid, Filters=_f("principal", root(accounts[2])))
    assert [a["Principal"] for a in one] == [root(accounts[2])]
    assert _principals(w, sid, Filters=_f("principal", root(CONSUMER))) == []

    everything = {a["Principal"] for a in _principals(w, sid)}
    assert len(everything) == 8
    pages = list(w.ec2(PROVIDER).get_paginator(
        "describe_vpc_endpoint_service_permissions").paginate(
        ServiceId=sid, PaginationConfig={"PageSize": 5}))
    seen = [a["Principal"] for pg in pages for a in pg["AllowedPrincipals"]]
    assert sorted(seen) == sorted(everything), "pages lose or repeat principals"
    assert [len(pg["AllowedPrincipals"]) for pg in pages] == [5, 3]
    assert "NextToken" not in pages[-1]


def test_permissions_of_unknown_or_foreign_service(w):
    sid = w.service()["ServiceId"]
    with raises_code("InvalidVpcEndpointServiceId.NotFound"):
        w.ec2(PROVIDER).describe_vpc_endpoint_service_permissions(ServiceId=UNKNOWN_VPCE_SVC)
    with raises_code("InvalidVpcEndpointServiceId.NotFound"):
        w.ec2(CONSUMER).modify_vpc_endpoint_service_permissions(
            ServiceId=sid, AddAllowedPrincipals=[root(CONSUMER)])
    with raises_code("InvalidVpcEndpointServiceId.NotFound"):
        w.ec2(CONSUMER).describe_vpc_endpoint_service_permissions(ServiceId=sid)
    assert _principals(w, sid) == []


# ---------------------------------------------------------------------------
# Enforcement of the allowed principals
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("principals, admitted", [
    ([], False),
    (["*"], True),
    ([root(CONSUMER)], True),
    ([root(OUTSIDER)], False),
    ([f"arn:aws:iam::{CONSUMER}:role/app"], False),  # caller is the account root, not the role
])
def test_visibility_follows_allowed_principals(w, principals, admitted):
    svc = w.service(acceptance=False)
    if principals:
        w.allow(svc["ServiceId"], *principals)
    if admitted:
        assert_visible(w, CONSUMER, svc)
        ep = w.endpoint(CONSUMER, svc["ServiceName"])
        assert ep["State"] == "pending"
        assert w.state(CONSUMER, ep["VpcEndpointId"]) == "available"
        assert w.conn_states() == {ep["VpcEndpointId"]: "available"}
    else:
        assert_refused(w, CONSUMER, svc["ServiceName"])
        assert w.connections() == []
    # the outsider is only admitted by "*"
    if principals == ["*"] or principals == [root(OUTSIDER)]:
        assert_visible(w, OUTSIDER, svc)
    else:
        assert_refused(w, OUTSIDER, svc["ServiceName"])


def test_removing_a_principal_keeps_existing_connections(w):
    svc = w.shared(acceptance=True)
    sid = svc["ServiceId"]
    vpce = w.endpoint(CONSUMER, svc["ServiceName"])["VpcEndpointId"]
    p = w.ec2(PROVIDER)
    resp = p.modify_vpc_endpoint_service_permissions(ServiceId=sid,
                                                     RemoveAllowedPrincipals=[root(CONSUMER)])
    assert resp["ReturnValue"] is True
    assert _principals(w, sid) == []
    # new connections are refused ...
    assert_refused(w, CONSUMER, svc["ServiceName"])
    # ... the existing one stays and can still be accepted
    assert w.conn_states() == {vpce: "pendingAcceptance"}
    assert p.accept_vpc_endpoint_connections(ServiceId=sid,
                                             VpcEndpointIds=[vpce])["Unsuccessful"] == []
    assert w.state(CONSUMER, vpce) == "available"
    assert w.conn_states() == {vpce: "available"}


# ---------------------------------------------------------------------------
# Connections
# ---------------------------------------------------------------------------
def test_auto_accepted_connection(w):
    svc = w.shared(acceptance=False)
    ep = w.endpoint(CONSUMER, svc["ServiceName"], azs=TWO_AZS)
    assert ep["State"] == "pending"
    assert_custom_dns(ep, svc["ServiceId"], TWO_AZS)
    assert w.state(CONSUMER, ep["VpcEndpointId"]) == "available"
    [conn] = w.connections()
    assert_connection(conn, service_id=svc["ServiceId"], ep=ep, owner=CONSUMER,
                      state="available", nlbs=svc["NetworkLoadBalancerArns"])
    enis = w.ec2(CONSUMER).describe_network_interfaces(
        NetworkInterfaceIds=ep["NetworkInterfaceIds"])["NetworkInterfaces"]
    assert sorted(e["AvailabilityZone"] for e in enis) == TWO_AZS
    assert all(e["InterfaceType"] == "vpc_endpoint" for e in enis)


def test_consumer_subnet_outside_service_zones(w):
    svc = w.shared(acceptance=False, azs=TWO_AZS)
    sub_c = w.subnets(CONSUMER)["us-east-1c"]
    with raises_code("InvalidParameter") as ei:
        w.endpoint(CONSUMER, svc["ServiceName"], subnet_ids=[w.subnets(CONSUMER)["us-east-1a"],
                                                             sub_c])
    assert sub_c in err_message(ei)
    assert w.ec2(CONSUMER).describe_vpc_endpoints()["VpcEndpoints"] == []
    assert w.connections() == []


def test_describe_connections_filters_and_paging(w):
    acc = w.shared(acceptance=True, consumers=(CONSUMER, OUTSIDER))
    auto = w.shared(acceptance=False, consumers=(CONSUMER,))
    ids = {
        "c_acc_1": w.endpoint(CONSUMER, acc["ServiceName"])["VpcEndpointId"],
        "c_acc_2": w.endpoint(CONSUMER, acc["ServiceName"], azs=["us-east-1b"])["VpcEndpointId"],
        "c_acc_3": w.endpoint(CONSUMER, acc["ServiceName"], azs=TWO_AZS)["VpcEndpointId"],
        "o_acc_1": w.endpoint(OUTSIDER, acc["ServiceName"])["VpcEndpointId"],
        "o_acc_2": w.endpoint(OUTSIDER, acc["ServiceName"])["VpcEndpointId"],
        "c_auto_1": w.endpoint(CONSUMER, auto["ServiceName"])["VpcEndpointId"],
        "c_auto_2": w.endpoint(CONSUMER, auto["ServiceName"])["VpcEndpointId"],
    }
    p = w.ec2(PROVIDER)
    p.accept_vpc_endpoint_connections(ServiceId=acc["ServiceId"],
                                      VpcEndpointIds=[ids["c_acc_1"]])
    p.reject_vpc_endpoint_connections(ServiceId=acc["ServiceId"],
                                      VpcEndpointIds=[ids["o_acc_1"]])

    def got(**kwargs):
        return {c["VpcEndpointId"] for c in w.connections(**kwargs)}

    assert got() == set(ids.values())
    assert got(Filters=_f("service-id", auto["ServiceId"])) == {ids["c_auto_1"], ids["c_auto_2"]}
    assert got(Filters=_f("vpc-endpoint-owner", OUTSIDER)) == {ids["o_acc_1"], ids["o_acc_2"]}
    assert got(Filters=_f("vpc-endpoint-state", "pendingAcceptance")) == {
        ids["c_acc_2"], ids["c_acc_3"], ids["o_acc_2"]}
    assert got(Filters=_f("vpc-endpoint-state", "available")) == {
        ids["c_acc_1"], ids["c_auto_1"], ids["c_auto_2"]}
    assert got(Filters=_f("vpc-endpoint-state", "rejected")) == {ids["o_acc_1"]}
    assert got(Filters=_f("vpc-endpoint-id", ids["c_acc_3"], ids["c_auto_2"])) == {
        ids["c_acc_3"], ids["c_auto_2"]}
    assert got(Filters=_f("ip-address-type", "ipv4")) == set(ids.values())
    assert got(Filters=_f("ip-address-type", "ipv6")) == set()
    assert got(Filters=_f("service-id", acc["ServiceId"])
               + _f("vpc-endpoint-owner", CONSUMER)
               + _f("vpc-endpoint-state", "pendingAcceptance")) == {ids["c_acc_2"], ids["c_acc_3"]}

    pages = list(p.get_paginator("describe_vpc_endpoint_connections").paginate(
        PaginationConfig={"PageSize": 5}))
    assert [len(pg["VpcEndpointConnections"]) for pg in pages] == [5, 2]
    assert pages[0].get("NextToken") and "NextToken" not in pages[-1]
    seen = [c["VpcEndpointConnectionId"] for pg in pages for c in pg["VpcEndpointConnections"]]
    assert len(seen) == len(set(seen)) == 7
    assert all(VPCE_CON_ID.match(s) for s in seen)
    big = p.describe_vpc_endpoint_connections(MaxResults=1000)
    assert len(big["VpcEndpointConnections"]) == 7 and "NextToken" not in big


def test_describe_connections_max_results_below_minimum(w, ec2_unvalidated):
    w.shared()
    with raises_code("InvalidParameterValue"):
        ec2_unvalidated(PROVIDER).describe_vpc_endpoint_connections(MaxResults=4)


def test_consumer_sees_no_connections_of_others(w):
    svc = w.shared(acceptance=False)
    w.endpoint(CONSUMER, svc["ServiceName"])
    # the consumer has its own service too: it sees exactly its own connections
    own = w.service(account=CONSUMER, acceptance=False)
    w.allow(own["ServiceId"], root(OUTSIDER), account=CONSUMER)
    theirs = w.endpoint(OUTSIDER, own["ServiceName"])["VpcEndpointId"]
    assert w.conn_states(CONSUMER) == {theirs: "available"}
    assert w.conn_states(OUTSIDER) == {}
    assert len(w.connections(PROVIDER)) == 1


def test_accept_errors(w):
    svc = w.shared(acceptance=True)
    sid = svc["ServiceId"]
    other = w.shared(acceptance=True)
    pending = w.endpoint(CONSUMER, svc["ServiceName"])["VpcEndpointId"]
    elsewhere = w.endpoint(CONSUMER, other["ServiceName"])["VpcEndpointId"]
    aws_ep = w.ec2(CONSUMER).create_vpc_endpoint(
        VpcId=w.default_vpc(CONSUMER), ServiceName="com.amazonaws.us-east-1.s3",
        VpcEndpointType="Gateway")["VpcEndpoint"]["VpcEndpointId"]
    p = w.ec2(PROVIDER)

    resp = p.accept_vpc_endpoint_connections(
        ServiceId=sid, VpcEndpointIds=[UNKNOWN_VPCE, elsewhere, aws_ep, pending])
    assert unsuccessful(resp) == [
        (UNKNOWN_VPCE, "InvalidVpcEndpoint.NotFound"),
        (elsewhere, "InvalidVpcEndpoint.NotFound"),
        (aws_ep, "InvalidVpcEndpoint.NotFound"),
    ]
    assert w.state(CONSUMER, pending) == "available"
    assert w.state(CONSUMER, elsewhere) == "pendingAcceptance"
    resp = p.accept_vpc_endpoint_connections(ServiceId=sid, VpcEndpointIds=[pending])
    [item] = resp["Unsuccessful"]
    assert (item["ResourceId"], item["Error"]["Code"]) == (pending, "InvalidVpcEndpointState")

    # someone else's service: the whole request fails
    with raises_code("InvalidVpcEndpointServiceId.NotFound"):
        w.ec2(CONSUMER).accept_vpc_endpoint_connections(ServiceId=other["ServiceId"],
                                                        VpcEndpointIds=[elsewhere])
    with raises_code("InvalidVpcEndpointServiceId.NotFound"):
        p.accept_vpc_endpoint_connections(ServiceId=UNKNOWN_VPCE_SVC, VpcEndpointIds=[elsewhere])
    assert w.state(CONSUMER, elsewhere) == "pendingAcceptance"


def test_reject_from_pending_acceptance_and_available(w):
    svc = w.shared(acceptance=True)
    sid = svc["ServiceId"]
    a = w.endpoint(CONSUMER, svc["ServiceName"], azs=TWO_AZS)
    b = w.endpoint(CONSUMER, svc["ServiceName"], azs=["us-east-1b"])
    p = w.ec2(PROVIDER)
    p.accept_vpc_endpoint_connections(ServiceId=sid, VpcEndpointIds=[b["VpcEndpointId"]])
    assert w.state(CONSUMER, b["VpcEndpointId"]) == "available"
    enis_before = w.ec2(CONSUMER).describe_network_interfaces(
        NetworkInterfaceIds=a["NetworkInterfaceIds"] + b["NetworkInterfaceIds"])[
        "NetworkInterfaces"]
    assert len(enis_before) == 3

    resp = p.reject_vpc_endpoint_connections(
        ServiceId=sid, VpcEndpointIds=[a["VpcEndpointId"], b["VpcEndpointId"]])
    assert resp["Unsuccessful"] == []
    for ep in (a, b):
        assert_rejected_endpoint(w, CONSUMER, ep["VpcEndpointId"])
        for eni in ep["NetworkInterfaceIds"]:
            with raises_code("InvalidNetworkInterfaceID.NotFound"):
                w.ec2(CONSUMER).describe_network_interfaces(NetworkInterfaceIds=[eni])
    assert w.conn_states() == {a["VpcEndpointId"]: "rejected", b["VpcEndpointId"]: "rejected"}
    # the consumer's view and the provider's agree
    assert {e["VpcEndpointId"]: e["State"] for e in w.ec2(CONSUMER).describe_vpc_endpoints(
        Filters=_f("vpc-endpoint-state", "rejected"))["VpcEndpoints"]} == w.conn_states()


def test_reject_errors(w):
    svc = w.shared(acceptance=True)
    sid = svc["ServiceId"]
    other = w.shared(acceptance=True)
    elsewhere = w.endpoint(CONSUMER, other["ServiceName"])["VpcEndpointId"]
    p = w.ec2(PROVIDER)
    resp = p.reject_vpc_endpoint_connections(ServiceId=sid,
                                             VpcEndpointIds=[UNKNOWN_VPCE, elsewhere])
    assert unsuccessful(resp) == [(UNKNOWN_VPCE, "InvalidVpcEndpoint.NotFound"),
                                  (elsewhere, "InvalidVpcEndpoint.NotFound")]
    assert w.state(CONSUMER, elsewhere) == "pendingAcceptance"
    with raises_code("InvalidVpcEndpointServiceId.NotFound"):
        w.ec2(OUTSIDER).reject_vpc_endpoint_connections(ServiceId=other["ServiceId"],
                                                        VpcEndpointIds=[elsewhere])
    assert w.state(CONSUMER, elsewhere) == "pendingAcceptance"


def test_consumer_delete_is_seen_by_the_provider(w):
    svc = w.shared(acceptance=False)
    vpce = w.endpoint(CONSUMER, svc["ServiceName"])["VpcEndpointId"]
    assert w.conn_states() == {vpce: "available"}
    assert w.ec2(CONSUMER).delete_vpc_endpoints(VpcEndpointIds=[vpce])["Unsuccessful"] == []
    seen = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        states = w.conn_states()
        if not states:
            break
        assert set(states) == {vpce}
        seen.append(states[vpce])
        time.sleep(0.5)
    assert w.conn_states() == {}, "the deleted connection never went away"
    # immediate pace: the removal may already be done by the first look; whatever
    # was seen in between is deleting, then deleted (the manual-pace test pins it)
    assert set(seen) <= {"deleting", "deleted"}, seen
    assert seen == sorted(seen, key=["deleting", "deleted"].index)


# ---------------------------------------------------------------------------
# Connection notifications: CRUD
# ---------------------------------------------------------------------------
def test_connection_notification_crud(w):
    svc = w.shared(acceptance=False)
    sid = svc["ServiceId"]
    p, c = w.ec2(PROVIDER), w.ec2(CONSUMER)
    n1 = p.create_vpc_endpoint_connection_notification(
        ServiceId=sid, ConnectionNotificationArn=topic(PROVIDER, "one"),
        ConnectionEvents=["Reject", "Connect"])["ConnectionNotification"]
    assert n1["ConnectionEvents"] == ["Connect", "Reject"]
    assert n1["ServiceId"] == sid and "VpcEndpointId" not in n1
    n2 = p.create_vpc_endpoint_connection_notification(
        ServiceId=sid, ConnectionNotificationArn=topic(PROVIDER, "two"),
        ConnectionEvents=["Accept"])["ConnectionNotification"]
    vpce = w.endpoint(CONSUMER, svc["ServiceName"])["VpcEndpointId"]
    n3 = c.create_vpc_endpoint_connection_notification(
        VpcEndpointId=vpce, ConnectionNotificationArn=topic(CONSUMER, "mine"),
        ConnectionEvents=["Delete", "Accept"])["ConnectionNotification"]
    assert n3["VpcEndpointId"] == vpce and "ServiceId" not in n3
    assert n3["ConnectionEvents"] == ["Accept", "Delete"]
    assert n3["ConnectionNotificationType"] == "Topic"
    assert n3["ConnectionNotificationState"] == "Enabled"
    assert n3["ServiceRegion"] == REGION
    ids = [n["ConnectionNotificationId"] for n in (n1, n2, n3)]
    assert all(VPCE_NFN_ID.match(i) for i in ids) and len(set(ids)) == 3

    def listed(c_, **kwargs):
        out = []
        for page in c_.get_paginator("describe_vpc_endpoint_connection_notifications").paginate(
                **kwargs):
            out += page["ConnectionNotificationSet"]
        return out

    def nids(c_, **kwargs):
        return {n["ConnectionNotificationId"] for n in listed(c_, **kwargs)}

    assert {n["ConnectionNotificationId"]: n for n in listed(p)} == {
        n1["ConnectionNotificationId"]: n1, n2["ConnectionNotificationId"]: n2}
    assert listed(c) == [n3]
    assert listed(p, ConnectionNotificationId=n2["ConnectionNotificationId"]) == [n2]
    assert nids(p, Filters=_f("connection-notification-arn", topic(PROVIDER, "one"))) == {
        n1["ConnectionNotificationId"]}
    assert nids(p, Filters=_f("connection-notification-id", n2["ConnectionNotificationId"])) == {
        n2["ConnectionNotificationId"]}
    assert nids(p, Filters=_f("connection-notification-state", "Enabled")) == set(ids[:2])
    assert nids(p, Filters=_f("connection-notification-state", "Disabled")) == set()
    assert nids(p, Filters=_f("connection-notification-type", "Topic")) == set(ids[:2])
    assert nids(p, Filters=_f("service-id", sid)) == set(ids[:2])
    assert nids(c, Filters=_f("vpc-endpoint-id", vpce)) == {n3["ConnectionNotificationId"]}
    assert nids(c, Filters=_f("service-id", sid)) == set()
    with raises_code("InvalidConnectionNotification"):
        p.describe_vpc_endpoint_connection_notifications(ConnectionNotificationId=UNKNOWN_VPCE_NFN)
    with raises_code("InvalidConnectionNotification"):
        p.describe_vpc_endpoint_connection_notifications(
            ConnectionNotificationId=n3["ConnectionNotificationId"])

    # modify: new topic and/or events
    resp = p.modify_vpc_endpoint_connection_notification(
        ConnectionNotificationId=n1["ConnectionNotificationId"],
        ConnectionNotificationArn=topic(PROVIDER, "mytopic"), ConnectionEvents=["Accept", "Reject"])
    assert resp["ReturnValue"] is True
    [m1] = listed(p, ConnectionNotificationId=n1["ConnectionNotificationId"])
    assert m1["ConnectionNotificationArn"] == topic(PROVIDER, "mytopic")
    assert m1["ConnectionEvents"] == ["Accept", "Reject"]
    p.modify_vpc_endpoint_connection_notification(
        ConnectionNotificationId=n1["ConnectionNotificationId"], ConnectionEvents=["Delete"])
    [m1] = listed(p, ConnectionNotificationId=n1["ConnectionNotificationId"])
    assert (m1["ConnectionNotificationArn"], m1["ConnectionEvents"]) == (
        topic(PROVIDER, "mytopic"), ["Delete"])
    with raises_code("InvalidConnectionNotification"):
        p.modify_vpc_endpoint_connection_notification(
            ConnectionNotificationId=UNKNOWN_VPCE_NFN, ConnectionEvents=["Accept"])
    with raises_code("InvalidParameterValue"):
        p.modify_vpc_endpoint_connection_notification(
            ConnectionNotificationId=n1["ConnectionNotificationId"], ConnectionEvents=["Oops"])
    with raises_code("InvalidParameter"):
        p.modify_vpc_endpoint_connection_notification(
            ConnectionNotificationId=n1["ConnectionNotificationId"],
            ConnectionNotificationArn="arn:aws:sqs:us-east-1:111111111111:queue")

    # delete
    resp = p.delete_vpc_endpoint_connection_notifications(
        ConnectionNotificationIds=[n1["ConnectionNotificationId"]])
    assert resp["Unsuccessful"] == []
    assert nids(p) == {n2["ConnectionNotificationId"]}
    with raises_code("InvalidConnectionNotification"):
        p.delete_vpc_endpoint_connection_notifications(
            ConnectionNotificationIds=[n1["ConnectionNotificationId"]])
    with raises_code("InvalidConnectionNotification"):
        p.delete_vpc_endpoint_connection_notifications(
            ConnectionNotificationIds=[n3["ConnectionNotificationId"]])
    assert listed(c) == [n3]


def test_describe_connection_notifications_paging(w):
    sid = w.service()["ServiceId"]
    p = w.ec2(PROVIDER)
    made = {p.create_vpc_endpoint_connection_notification(
        ServiceId=sid, ConnectionNotificationArn=topic(PROVIDER, f"t{i}"),
        ConnectionEvents=["Connect"])["ConnectionNotification"]["ConnectionNotificationId"]
        for i in range(7)}
    pages = list(p.get_paginator("describe_vpc_endpoint_connection_notifications").paginate(
        PaginationConfig={"PageSize": 5}))
    seen = [n["ConnectionNotificationId"] for pg in pages for n in pg["ConnectionNotificationSet"]]
    assert sorted(seen) == sorted(made)
    assert [len(pg["ConnectionNotificationSet"]) for pg in pages] == [5, 2]
    assert "NextToken" not in pages[-1]


def _nfn_error(c, code, **kwargs):
    params = {"ConnectionNotificationArn": topic(PROVIDER), "ConnectionEvents": ["Connect"]}
    params.update(kwargs)
    params = {k: v for k, v in params.items() if v is not None}
    with raises_code(code):
        c.create_vpc_endpoint_connection_notification(**params)


def test_connection_notification_errors(w):
    svc = w.shared(acceptance=False)
    sid = svc["ServiceId"]
    vpce = w.endpoint(CONSUMER, svc["ServiceName"])["VpcEndpointId"]
    p = w.ec2(PROVIDER)
    own_ep = w.endpoint(PROVIDER, svc["ServiceName"])["VpcEndpointId"]

    _nfn_error(p, "InvalidParameterCombination", ServiceId=sid, VpcEndpointId=own_ep)
    _nfn_error(p, "MissingParameter")
    for bad_arn in ("arn:aws:sns:us-east-1:1111:topic", "arn:aws:sqs:us-east-1:111111111111:q",
                    "not-an-arn", "arn:aws:sns:us-east-1:111111111111:"):
        _nfn_error(p, "InvalidParameter", ServiceId=sid, ConnectionNotificationArn=bad_arn)
    _nfn_error(p, "InvalidParameterValue", ServiceId=sid, ConnectionEvents=["Connect", "Explode"])
    _nfn_error(p, "InvalidParameterValue", ServiceId=sid, ConnectionEvents=["connect"])
    _nfn_error(p, "InvalidVpcEndpointServiceId.NotFound", ServiceId=UNKNOWN_VPCE_SVC)
    # not the caller's own service / endpoint
    _nfn_error(w.ec2(CONSUMER), "InvalidVpcEndpointServiceId.NotFound", ServiceId=sid)
    _nfn_error(p, "InvalidVpcEndpointId.NotFound", VpcEndpointId=vpce)
    _nfn_error(p, "InvalidVpcEndpointId.NotFound", VpcEndpointId=UNKNOWN_VPCE)
    for c_ in (p, w.ec2(CONSUMER)):
        assert c_.describe_vpc_endpoint_connection_notifications()[
            "ConnectionNotificationSet"] == []


# ---------------------------------------------------------------------------
# Connection notifications: firing (recorded at /_awsemu/notifications)
# ---------------------------------------------------------------------------
def test_notifications_fire_for_service_and_endpoint(w):
    svc = w.shared(acceptance=True)
    sid, sname = svc["ServiceId"], svc["ServiceName"]
    p, c = w.ec2(PROVIDER), w.ec2(CONSUMER)
    every = p.create_vpc_endpoint_connection_notification(
        ServiceId=sid, ConnectionNotificationArn=topic(PROVIDER, "all"),
        ConnectionEvents=ALL_EVENTS)["ConnectionNotification"]["ConnectionNotificationId"]
    accepts = p.create_vpc_endpoint_connection_notification(
        ServiceId=sid, ConnectionNotificationArn=topic(PROVIDER, "accepts"),
        ConnectionEvents=["Accept"])["ConnectionNotification"]["ConnectionNotificationId"]
    unrelated = w.shared(acceptance=False)
    p.create_vpc_endpoint_connection_notification(
        ServiceId=unrelated["ServiceId"], ConnectionNotificationArn=topic(PROVIDER, "unrelated"),
        ConnectionEvents=ALL_EVENTS)

    a = w.endpoint(CONSUMER, sname)["VpcEndpointId"]
    b = w.endpoint(CONSUMER, sname, azs=["us-east-1b"])["VpcEndpointId"]
    mine = {}
    for vpce in (a, b):
        mine[vpce] = c.create_vpc_endpoint_connection_notification(
            VpcEndpointId=vpce, ConnectionNotificationArn=topic(CONSUMER, f"ep-{vpce}"),
            ConnectionEvents=ALL_EVENTS)["ConnectionNotification"]["ConnectionNotificationId"]
    assert w.events() == [("Connect", a, "pendingAcceptance"), ("Connect", b, "pendingAcceptance")]

    p.accept_vpc_endpoint_connections(ServiceId=sid, VpcEndpointIds=[a])
    p.reject_vpc_endpoint_connections(ServiceId=sid, VpcEndpointIds=[b])
    assert w.state(CONSUMER, a) == "available"
    c.delete_vpc_endpoints(VpcEndpointIds=[a])

    assert w.events(nfn_id=every) == [
        ("Connect", a, "pendingAcceptance"), ("Connect", b, "pendingAcceptance"),
        ("Accept", a, "pending"), ("Reject", b, "rejected"), ("Delete", a, "deleting")]
    assert w.events(nfn_id=accepts) == [("Accept", a, "pending")]
    assert w.events(nfn_id=mine[a]) == [("Accept", a, "pending"), ("Delete", a, "deleting")]
    assert w.events(nfn_id=mine[b]) == [("Reject", b, "rejected")]
    notes = w.notifications()
    assert len(notes) == 5 + 1 + 2 + 1
    by_topic = {}
    for n in notes:
        by_topic.setdefault(n["_env"]["TopicArn"], []).append(n["connectionNotificationId"])
    assert by_topic == {
        topic(PROVIDER, "all"): [every] * 5,
        topic(PROVIDER, "accepts"): [accepts],
        topic(CONSUMER, f"ep-{a}"): [mine[a]] * 2,
        topic(CONSUMER, f"ep-{b}"): [mine[b]],
    }
    for n in notes:
        assert n["serviceId"] == sid
        assert n["serviceName"] == sname
        assert n["vpcEndpointOwner"] == CONSUMER
        assert n["region"] == REGION
        assert n["_url"] is None  # no --sns-endpoint on the session server
        parse_iso(n["eventTimestamp"])
        env = n["_env"]
        assert env["Type"] == "Notification"
        assert env["Subject"] == SUBJECT
        assert UUID_RE.match(env["MessageId"])


def test_modified_and_deleted_notifications(w):
    svc = w.shared(acceptance=True)
    sid = svc["ServiceId"]
    p = w.ec2(PROVIDER)
    nfn = p.create_vpc_endpoint_connection_notification(
        ServiceId=sid, ConnectionNotificationArn=topic(PROVIDER),
        ConnectionEvents=["Accept"])["ConnectionNotification"]["ConnectionNotificationId"]
    a = w.endpoint(CONSUMER, svc["ServiceName"])["VpcEndpointId"]
    assert w.events() == []  # Connect is not among its events
    p.modify_vpc_endpoint_connection_notification(
        ConnectionNotificationId=nfn, ConnectionEvents=["Connect", "Reject"],
        ConnectionNotificationArn=topic(PROVIDER, "mytopic"))
    b = w.endpoint(CONSUMER, svc["ServiceName"])["VpcEndpointId"]
    p.accept_vpc_endpoint_connections(ServiceId=sid, VpcEndpointIds=[a])
    p.reject_vpc_endpoint_connections(ServiceId=sid, VpcEndpointIds=[b])
    notes = w.notifications()
    assert [(n["eventType"], n["vpcEndpointId"]) for n in notes] == [("Connect", b), ("Reject", b)]
    assert {n["_env"]["TopicArn"] for n in notes} == {topic(PROVIDER, "mytopic")}
    p.delete_vpc_endpoint_connection_notifications(ConnectionNotificationIds=[nfn])
    w.endpoint(CONSUMER, svc["ServiceName"])
    assert len(w.notifications()) == 2


# ---------------------------------------------------------------------------
# Delivery over HTTP (--sns-endpoint) and principals from --access-key
# ---------------------------------------------------------------------------
PROVIDER_TOPIC = topic(PROVIDER, "provider-events")
CONSUMER_TOPIC = topic(CONSUMER, "consumer-events")
UNMAPPED_TOPIC = topic(PROVIDER, "nobody-listens")
ROLE_ARN = "arn:aws:iam::444444444444:role/app"
OTHER_ROLE_ARN = "arn:aws:iam::444444444444:role/other"
USER_ARN = "arn:aws:iam::555555555555:user/bob"


class SnsListener:
    """A local HTTP endpoint that records every POST."""

    def __init__(self):
        self.posts: list[dict] = []
        self.lock = threading.Lock()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server API
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with listener.lock:
                    listener.posts.append({
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body.decode("utf-8"),
                    })
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, name="sns-listener",
                                       daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def clear(self) -> None:
        with self.lock:
            self.posts.clear()

    def wait_for(self, count: int, timeout: float = 2.0) -> list[dict]:
        """Wait until ``count`` POSTs arrived (deliveries are asynchronous), then
        a little longer to catch extra ones."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.posts) >= count:
                    break
            time.sleep(0.02)
        time.sleep(0.3)
        with self.lock:
            return list(self.posts)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def sns_emulator(awsemu_launcher):
    listener = SnsListener()
    endpoint, stop = awsemu_launcher(
        "--sns-endpoint", f"{PROVIDER_TOPIC}={listener.url('/provider')}",
        "--sns-endpoint", f"{CONSUMER_TOPIC}={listener.url('/consumer/hook')}",
        "--access-key", f"ROLEKEY={ROLE_ARN}",
        "--access-key", f"OTHERROLEKEY={OTHER_ROLE_ARN}",
        "--access-key", f"USERKEY={USER_ARN}",
    )
    yield endpoint, listener
    stop()
    listener.close()


@pytest.fixture
def sns(sns_emulator, client_for):
    endpoint, listener = sns_emulator
    world = World(endpoint, client_for)
    world.reset()
    listener.clear()
    return SimpleNamespace(w=world, listener=listener)


def _delivered(posts: list[dict]) -> list[tuple]:
    out = []
    for post in posts:
        env = json.loads(post["body"])
        msg = json.loads(env["Message"])
        out.append((post["path"], msg["eventType"], msg["vpcEndpointId"], msg["vpcEndpointState"]))
    return out


def test_notifications_posted_to_sns_endpoint(sns):
    w, listener = sns.w, sns.listener
    svc = w.shared(acceptance=True)
    sid, sname = svc["ServiceId"], svc["ServiceName"]
    p, c = w.ec2(PROVIDER), w.ec2(CONSUMER)
    provider_nfn = p.create_vpc_endpoint_connection_notification(
        ServiceId=sid, ConnectionNotificationArn=PROVIDER_TOPIC,
        ConnectionEvents=ALL_EVENTS)["ConnectionNotification"]["ConnectionNotificationId"]
    unmapped_nfn = p.create_vpc_endpoint_connection_notification(
        ServiceId=sid, ConnectionNotificationArn=UNMAPPED_TOPIC,
        ConnectionEvents=["Connect"])["ConnectionNotification"]["ConnectionNotificationId"]

    # Connect
    a = w.endpoint(CONSUMER, sname)["VpcEndpointId"]
    posts = listener.wait_for(1)
    assert _delivered(posts) == [("/provider", "Connect", a, "pendingAcceptance")]
    consumer_nfn = c.create_vpc_endpoint_connection_notification(
        VpcEndpointId=a, ConnectionNotificationArn=CONSUMER_TOPIC,
        ConnectionEvents=ALL_EVENTS)["ConnectionNotification"]["ConnectionNotificationId"]

    # Accept: one POST per notification (provider's and consumer's)
    listener.clear()
    p.accept_vpc_endpoint_connections(ServiceId=sid, VpcEndpointIds=[a])
    posts = listener.wait_for(2)
    assert sorted(_delivered(posts)) == [("/consumer/hook", "Accept", a, "pending"),
                                         ("/provider", "Accept", a, "pending")]

    # Reject (a second endpoint)
    b = w.endpoint(CONSUMER, sname, azs=["us-east-1b"])["VpcEndpointId"]
    assert _delivered(listener.wait_for(3))[2:] == [
        ("/provider", "Connect", b, "pendingAcceptance")]
    listener.clear()
    p.reject_vpc_endpoint_connections(ServiceId=sid, VpcEndpointIds=[b])
    assert _delivered(listener.wait_for(1)) == [("/provider", "Reject", b, "rejected")]

    # Delete
    listener.clear()
    c.delete_vpc_endpoints(VpcEndpointIds=[a])
    posts = listener.wait_for(2)
    assert sorted(_delivered(posts)) == [("/consumer/hook", "Delete", a, "deleting"),
                                         ("/provider", "Delete", a, "deleting")]

    # the envelope, on every POST
    for post in posts:
        h = post["headers"]
        assert h["content-type"] == "text/plain; charset=UTF-8", h
        assert h["x-amz-sns-message-type"] == "Notification", h
        env = json.loads(post["body"])
        want_topic = PROVIDER_TOPIC if post["path"] == "/provider" else CONSUMER_TOPIC
        assert env["Type"] == "Notification"
        assert UUID_RE.match(env["MessageId"]), env
        assert env["TopicArn"] == want_topic
        assert env["Subject"] == SUBJECT
        parse_iso(env["Timestamp"])
        for key in ("SignatureVersion", "Signature", "SigningCertURL", "UnsubscribeURL"):
            assert isinstance(env[key], str) and env[key], (key, env)
        msg = json.loads(env["Message"])
        assert set(msg) == {"eventType", "eventTimestamp", "connectionNotificationId",
                            "serviceId", "serviceName", "vpcEndpointId", "vpcEndpointOwner",
                            "vpcEndpointState", "vpcEndpointRegion", "region"}
        assert msg["vpcEndpointRegion"] == REGION
        assert msg["connectionNotificationId"] == (
            provider_nfn if post["path"] == "/provider" else consumer_nfn)
        assert msg["serviceId"] == sid
        assert msg["serviceName"] == sname
        assert msg["vpcEndpointOwner"] == CONSUMER
        assert msg["region"] == REGION
        parse_iso(msg["eventTimestamp"])

    # the control API records everything, with the URL it was delivered to
    notes = w.notifications()
    urls = {(n["_env"]["TopicArn"], n["_url"]) for n in notes}
    assert urls == {(PROVIDER_TOPIC, listener.url("/provider")),
                    (CONSUMER_TOPIC, listener.url("/consumer/hook")),
                    (UNMAPPED_TOPIC, None)}
    assert [n["vpcEndpointId"] for n in notes if n["connectionNotificationId"] == unmapped_nfn] \
        == [a, b]
    # provider: Connect a, Accept a, Connect b, Reject b, Delete a; consumer: Accept a,
    # Delete a; unmapped: Connect a, Connect b
    assert [n["_env"]["TopicArn"] for n in notes].count(PROVIDER_TOPIC) == 5
    assert [n["_env"]["TopicArn"] for n in notes].count(CONSUMER_TOPIC) == 2
    ids = [n["_env"]["MessageId"] for n in notes]
    assert len(ids) == len(set(ids)) == 9


def test_role_principal_from_access_key(sns):
    w = sns.w
    svc = w.service(acceptance=False)
    w.allow(svc["ServiceId"], ROLE_ARN)
    # the caller mapped to the role is admitted, in the role's account
    assert_visible(w, "ROLEKEY", svc)
    ep = w.endpoint("ROLEKEY", svc["ServiceName"])
    assert ep["OwnerId"] == "444444444444"
    assert w.state("ROLEKEY", ep["VpcEndpointId"]) == "available"
    # the account's root is not the role, nor is another role of the account
    assert_refused(w, "444444444444", svc["ServiceName"])
    assert_refused(w, "OTHERROLEKEY", svc["ServiceName"])
    [conn] = w.connections()
    assert conn["VpcEndpointOwner"] == "444444444444"
    assert conn["VpcEndpointId"] == ep["VpcEndpointId"]
    # the role's endpoint lives in account 444444444444
    assert [e["VpcEndpointId"] for e in w.ec2("444444444444").describe_vpc_endpoints()[
        "VpcEndpoints"]] == [ep["VpcEndpointId"]]


def test_user_principal_and_account_root_admit_mapped_callers(sns):
    w = sns.w
    svc = w.service(acceptance=True)
    sid = svc["ServiceId"]
    w.allow(sid, USER_ARN)
    assert_visible(w, "USERKEY", svc)
    assert_refused(w, "555555555555", svc["ServiceName"])
    assert_refused(w, "ROLEKEY", svc["ServiceName"])
    user_ep = w.endpoint("USERKEY", svc["ServiceName"])
    assert user_ep["State"] == "pendingAcceptance"
    assert user_ep["OwnerId"] == "555555555555"
    # the account root principal admits every principal of that account
    w.allow(sid, root("444444444444"))
    assert_visible(w, "ROLEKEY", svc)
    assert_visible(w, "OTHERROLEKEY", svc)
    assert_visible(w, "444444444444", svc)
    role_ep = w.endpoint("OTHERROLEKEY", svc["ServiceName"])
    assert w.conn_states() == {user_ep["VpcEndpointId"]: "pendingAcceptance",
                               role_ep["VpcEndpointId"]: "pendingAcceptance"}
    assert {c["VpcEndpointOwner"] for c in w.connections()} == {"555555555555", "444444444444"}


# ---------------------------------------------------------------------------
# Pacing: --pace manual shows the intermediate states
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def manual_emulator(awsemu_launcher):
    endpoint, stop = awsemu_launcher("--pace", "manual")
    yield endpoint
    stop()


@pytest.fixture
def mw(manual_emulator, client_for):
    world = World(manual_emulator, client_for)
    world.reset()
    health = requests.get(f"{manual_emulator}/_awsemu/health", timeout=30).json()
    assert health["pace"] == "manual", health
    world.advance(600)  # default VPCs, load balancers: settle everything created so far
    return world


def test_manual_pace_auto_accept(mw):
    svc = mw.shared(acceptance=False)
    mw.advance(600)
    vpce = mw.endpoint(CONSUMER, svc["ServiceName"])["VpcEndpointId"]
    for _ in range(3):
        assert mw.state(CONSUMER, vpce) == "pending"
        assert mw.conn_states() == {vpce: "pending"}
    mw.advance(600)
    assert mw.state(CONSUMER, vpce) == "available"
    assert mw.conn_states() == {vpce: "available"}


def test_manual_pace_accept_then_reject_from_pending(mw):
    svc = mw.shared(acceptance=True)
    sid = svc["ServiceId"]
    mw.advance(600)
    p = mw.ec2(PROVIDER)
    nfn = p.create_vpc_endpoint_connection_notification(
        ServiceId=sid, ConnectionNotificationArn=topic(PROVIDER),
        ConnectionEvents=ALL_EVENTS)["ConnectionNotification"]["ConnectionNotificationId"]
    a = mw.endpoint(CONSUMER, svc["ServiceName"])["VpcEndpointId"]
    b = mw.endpoint(CONSUMER, svc["ServiceName"])["VpcEndpointId"]
    mw.advance(600)
    assert mw.conn_states() == {a: "pendingAcceptance", b: "pendingAcceptance"}

    assert p.accept_vpc_endpoint_connections(ServiceId=sid,
                                             VpcEndpointIds=[a, b])["Unsuccessful"] == []
    assert mw.state(CONSUMER, a) == "pending"
    assert mw.conn_states() == {a: "pending", b: "pending"}
    # pending can be rejected
    assert p.reject_vpc_endpoint_connections(ServiceId=sid,
                                             VpcEndpointIds=[b])["Unsuccessful"] == []
    assert mw.state(CONSUMER, b) == "rejected"
    mw.advance(600)
    assert mw.conn_states() == {a: "available", b: "rejected"}
    assert mw.state(CONSUMER, b) == "rejected"
    assert mw.events(nfn_id=nfn) == [
        ("Connect", a, "pendingAcceptance"), ("Connect", b, "pendingAcceptance"),
        ("Accept", a, "pending"), ("Accept", b, "pending"), ("Reject", b, "rejected")]


def test_manual_pace_pending_connection_is_active(mw):
    svc = mw.shared(acceptance=True)
    sid = svc["ServiceId"]
    first = svc["NetworkLoadBalancerArns"][0]
    p = mw.ec2(PROVIDER)
    second = mw.nlb(PROVIDER, TWO_AZS)["LoadBalancerArn"]
    p.modify_vpc_endpoint_service_configuration(ServiceId=sid,
                                                AddNetworkLoadBalancerArns=[second])
    mw.advance(600)
    vpce = mw.endpoint(CONSUMER, svc["ServiceName"])["VpcEndpointId"]
    p.accept_vpc_endpoint_connections(ServiceId=sid, VpcEndpointIds=[vpce])
    assert mw.conn_states() == {vpce: "pending"}
    resp = p.delete_vpc_endpoint_service_configurations(ServiceIds=[sid])
    assert [(u["ResourceId"], u["Error"]["Code"], u["Error"]["Message"])
            for u in resp["Unsuccessful"]] == [
        (sid, "ExistingVpcEndpointConnections", ACTIVE_MESSAGE)]
    with raises_code("ExistingVpcEndpointConnections"):
        p.modify_vpc_endpoint_service_configuration(ServiceId=sid,
                                                    RemoveNetworkLoadBalancerArns=[first])
    assert mw.conn_states() == {vpce: "pending"}


def test_manual_pace_deleting_connection_does_not_block(mw):
    svc = mw.shared(acceptance=False)
    sid = svc["ServiceId"]
    mw.advance(600)
    vpce = mw.endpoint(CONSUMER, svc["ServiceName"])["VpcEndpointId"]
    mw.advance(600)
    mw.ec2(CONSUMER).delete_vpc_endpoints(VpcEndpointIds=[vpce])
    assert mw.conn_states() == {vpce: "deleting"}
    resp = mw.ec2(PROVIDER).delete_vpc_endpoint_service_configurations(ServiceIds=[sid])
    assert resp["Unsuccessful"] == []
    assert _config_ids(mw.ec2(PROVIDER)) == []


def test_manual_pace_consumer_delete(mw):
    svc = mw.shared(acceptance=False)
    mw.advance(600)
    vpce = mw.endpoint(CONSUMER, svc["ServiceName"])["VpcEndpointId"]
    mw.advance(600)
    assert mw.conn_states() == {vpce: "available"}
    mw.ec2(CONSUMER).delete_vpc_endpoints(VpcEndpointIds=[vpce])
    assert mw.conn_states() == {vpce: "deleting"}
    assert mw.state(CONSUMER, vpce) == "deleting"
    # deleting connections do not hold the service
    seen = ["deleting"]
    for _ in range(60):
        mw.advance(1)
        states = mw.conn_states()
        if not states:
            break
        seen.append(states[vpce])
    assert mw.conn_states() == {}
    assert "deleted" in seen, seen
    assert seen == sorted(seen, key=["deleting", "deleted"].index), seen
    with raises_code("InvalidVpcEndpointId.NotFound"):
        mw.ec2(CONSUMER).describe_vpc_endpoints(VpcEndpointIds=[vpce])


# ---------------------------------------------------------------------------
# Concurrency: 32 consumers against one acceptance-required service
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("grant", ["star", "roots"])
def test_concurrent_consumers_and_accepting_provider(w, grant):
    consumers = [f"7{i:011d}" for i in range(32)]
    svc = w.service(acceptance=True, azs=ALL_AZS)
    sid, sname = svc["ServiceId"], svc["ServiceName"]
    if grant == "star":
        w.allow(sid, "*")
    else:
        w.allow(sid, *[root(a) for a in consumers])
    p = w.ec2(PROVIDER)
    clients = {a: w.ec2(a) for a in consumers}  # built here: client creation is not thread-safe

    created: dict[str, str] = {}
    final: dict[str, str] = {}
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(consumers) + 1)

    def consumer(account: str, index: int) -> None:
        try:
            c = clients[account]
            start.wait(timeout=30)
            subnets = default_subnets(c)
            vpc = c.describe_vpcs(Filters=_f("is-default", "true"))["Vpcs"][0]["VpcId"]
            ep = c.create_vpc_endpoint(
                VpcId=vpc, ServiceName=sname, VpcEndpointType="Interface",
                SubnetIds=[subnets[ALL_AZS[index % 6]]])["VpcEndpoint"]
            with lock:
                created[account] = ep["VpcEndpointId"]
            deadline = time.monotonic() + 60
            state = ep["State"]
            while state != "available" and time.monotonic() < deadline:
                time.sleep(0.05)
                state = c.describe_vpc_endpoints(
                    VpcEndpointIds=[ep["VpcEndpointId"]])["VpcEndpoints"][0]["State"]
            with lock:
                final[account] = state
        except Exception as exc:  # noqa: BLE001 - reported below
            with lock:
                errors.append(f"{account}: {exc!r}")

    threads = [threading.Thread(target=consumer, args=(a, i), name=f"consumer-{a}")
               for i, a in enumerate(consumers)]
    for t in threads:
        t.start()
    start.wait(timeout=30)

    accepted: list[str] = []
    accept_failures: list = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        pending = [c["VpcEndpointId"] for c in p.describe_vpc_endpoint_connections(
            Filters=_f("service-id", sid) + _f("vpc-endpoint-state", "pendingAcceptance"),
            MaxResults=1000)["VpcEndpointConnections"]]
        if pending:
            resp = p.accept_vpc_endpoint_connections(ServiceId=sid, VpcEndpointIds=pending)
            accept_failures += resp["Unsuccessful"]
            failed = {u["ResourceId"] for u in resp["Unsuccessful"]}
            accepted += [v for v in pending if v not in failed]
        alive = any(t.is_alive() for t in threads)
        if not alive and not pending:
            break
        time.sleep(0.01)
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    assert not any(t.is_alive() for t in threads)
    assert accept_failures == []
    assert len(created) == 32
    assert len(set(created.values())) == 32
    assert sorted(accepted) == sorted(created.values())
    assert final == {a: "available" for a in consumers}

    conns = w.connections(Filters=_f("service-id", sid))
    ids = [c["VpcEndpointId"] for c in conns]
    assert len(conns) == 32
    assert len(set(ids)) == 32
    assert set(ids) == set(created.values())
    assert {c["VpcEndpointId"]: c["VpcEndpointOwner"] for c in conns} == {
        v: a for a, v in created.items()}
    assert {c["VpcEndpointState"] for c in conns} == {"available"}
    con_ids = [c["VpcEndpointConnectionId"] for c in conns]
    assert len(set(con_ids)) == 32
    for account, vpce in created.items():
        assert w.state(account, vpce) == "available"
