"""boto3 + CLI: scenario files (``awsemu serve --scenario``, ``awsemu scenario check``).

Every bundled scenario under ``<repo>/scenarios`` is loaded into its own
emulator (started with ``awsemu_launcher``, the session server is left alone)
and its key facts are read back through boto3 with the access keys / accounts
the file declares. Then: a whole folder of scenarios and ``POST /_awsemu/reset``
returning to it after mutations; invalid scenarios (fixtures under
``scenario_fixtures/``) refused offline and at start-up with
``<file>:<line>: <field path>: <message>``; and ECS task outcomes declared by a
scenario (an ``awsemu.exitCode`` docker label, ``state: STOPPED``).

References: scenarios/empty.yaml (the format, field by field),
emulator/src/scenario_file/format.rs (field names), README "Scenarios".
"""

from __future__ import annotations

import base64
import ipaddress
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
import yaml

from awsemu_helpers import (
    CLOUDMAP_NAMESPACE_ID,
    ecs_arn,
    err_message,
    lb_arn_re,
    random_account,
    raises_code,
    tags_dict,
)

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
SCENARIOS = REPO_ROOT / "scenarios"
FIXTURES = HERE / "scenario_fixtures"

REGION = "us-east-1"
DEFAULT_ACCOUNT = "000000000000"
LISTENING = "awsemu listening on"
HTTP_TIMEOUT_S = 30


def svc(name: str) -> str:
    return f"com.amazonaws.{REGION}.{name}"


def scenario_args(*paths: Path) -> list[str]:
    args: list[str] = []
    for p in paths:
        args += ["--scenario", str(p)]
    return args


def reset(url: str) -> dict:
    resp = requests.post(f"{url}/_awsemu/reset", timeout=HTTP_TIMEOUT_S)
    assert resp.status_code == 200, (resp.status_code, resp.text)
    return resp.json()


def in_cidr(ip: str, cidr: str) -> bool:
    return ipaddress.ip_address(ip) in ipaddress.ip_network(cidr)


def load_yaml(path: Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def line_of(path: Path, marker: str) -> int:
    """1-based line of the only line of ``path`` that contains ``marker``."""
    hits = [i for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if marker in text]
    assert len(hits) == 1, f"{marker!r} should be on exactly one line of {path}: {hits}"
    return hits[0]


def eni_detail(task: dict, name: str) -> str:
    attachments = [a for a in task["attachments"] if a["type"] == "ElasticNetworkInterface"]
    assert len(attachments) == 1, task["attachments"]
    details = {d["name"]: d["value"] for d in attachments[0]["details"]}
    return details[name]


# ===========================================================================
# ecs-private-subnet.yaml
# ===========================================================================
APP_VPC = "vpc-0a000000000000001"
PRIVATE_A = "subnet-0a000000000000001"
PRIVATE_B = "subnet-0a000000000000002"
PRIVATE_CIDR = {PRIVATE_A: "10.0.1.0/24", PRIVATE_B: "10.0.2.0/24"}
SG_ENDPOINTS = "sg-0a000000000000001"
SG_TASKS = "sg-0a000000000000002"
RTB_PRIVATE = "rtb-0a000000000000001"
S3_PL = "pl-63a5400a"

# service suffix -> private DNS name the endpoint answers for (test_endpoints.py)
ECS_INTERFACE_SERVICES = {
    "ecs": "ecs.us-east-1.amazonaws.com",
    "ecs-agent": "ecs-a.us-east-1.amazonaws.com",
    "ecs-telemetry": "ecs-t.us-east-1.amazonaws.com",
    "ecr.api": "api.ecr.us-east-1.amazonaws.com",
    "ecr.dkr": "*.dkr.ecr.us-east-1.amazonaws.com",
    "logs": "logs.us-east-1.amazonaws.com",
}


@pytest.fixture(scope="module")
def ecs_private(awsemu_launcher, client_for):
    url, stop = awsemu_launcher(*scenario_args(SCENARIOS / "ecs-private-subnet.yaml"))
    yield SimpleNamespace(
        url=url,
        ec2=client_for(url, "ec2", DEFAULT_ACCOUNT),
        ecs=client_for(url, "ecs", DEFAULT_ACCOUNT),
    )
    stop()


def _scenario_vpc_of(c, subnet_ids: list[str]) -> str:
    """The VPC the scenario's subnets landed in (they must share one)."""
    subnets = c.describe_subnets(SubnetIds=subnet_ids)["Subnets"]
    vpcs = {s["VpcId"] for s in subnets}
    assert len(subnets) == len(subnet_ids) and len(vpcs) == 1, subnets
    return vpcs.pop()


def test_ecs_private_vpc_has_pinned_id_cidr_and_dns_hostnames(ecs_private):
    c = ecs_private.ec2
    vpcs = c.describe_vpcs(VpcIds=[APP_VPC])["Vpcs"]
    assert len(vpcs) == 1, vpcs
    vpc = vpcs[0]
    assert vpc["CidrBlock"] == "10.0.0.0/16", vpc
    assert vpc["IsDefault"] is False, vpc
    assert vpc["OwnerId"] == DEFAULT_ACCOUNT
    assert vpc["State"] == "available"
    assert tags_dict(vpc.get("Tags")) == {"Name": "app-vpc"}
    hostnames = c.describe_vpc_attribute(VpcId=APP_VPC, Attribute="enableDnsHostnames")
    assert hostnames["EnableDnsHostnames"]["Value"] is True
    support = c.describe_vpc_attribute(VpcId=APP_VPC, Attribute="enableDnsSupport")
    assert support["EnableDnsSupport"]["Value"] is True
    # The scenario's subnets are in the pinned VPC, and the account's default
    # VPC is a different one.
    assert _scenario_vpc_of(c, [PRIVATE_A, PRIVATE_B]) == APP_VPC
    defaults = c.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    assert [v["VpcId"] for v in defaults] != [APP_VPC]
    assert all(v["CidrBlock"] == "172.31.0.0/16" for v in defaults), defaults


def test_ecs_private_subnets_in_two_azs(ecs_private):
    c = ecs_private.ec2
    subnets = {s["SubnetId"]: s for s in
               c.describe_subnets(SubnetIds=[PRIVATE_A, PRIVATE_B])["Subnets"]}
    assert set(subnets) == {PRIVATE_A, PRIVATE_B}
    expected = {PRIVATE_A: ("us-east-1a", "private-a"), PRIVATE_B: ("us-east-1b", "private-b")}
    for sid, (az, name) in expected.items():
        s = subnets[sid]
        assert s["CidrBlock"] == PRIVATE_CIDR[sid], s
        assert s["AvailabilityZone"] == az, s
        assert s["State"] == "available"
        assert s["DefaultForAz"] is False
        assert s["MapPublicIpOnLaunch"] is False
        assert tags_dict(s.get("Tags")) == {"Name": name}
    vpc = c.describe_vpcs(VpcIds=[_scenario_vpc_of(c, [PRIVATE_A, PRIVATE_B])])["Vpcs"][0]
    assert vpc["CidrBlock"] == "10.0.0.0/16"
    assert tags_dict(vpc.get("Tags")) == {"Name": "app-vpc"}


def test_ecs_private_endpoint_security_group_admits_https_from_subnets(ecs_private):
    c = ecs_private.ec2
    vpc_id = _scenario_vpc_of(c, [PRIVATE_A, PRIVATE_B])
    groups = {g["GroupId"]: g for g in
              c.describe_security_groups(GroupIds=[SG_ENDPOINTS, SG_TASKS])["SecurityGroups"]}
    assert set(groups) == {SG_ENDPOINTS, SG_TASKS}
    ep = groups[SG_ENDPOINTS]
    assert ep["GroupName"] == "endpoints"
    assert ep["Description"] == "HTTPS from the private subnets to the VPC endpoints"
    assert ep["VpcId"] == vpc_id
    ingress = {
        (p["IpProtocol"], p.get("FromPort"), p.get("ToPort"), r["CidrIp"])
        for p in ep["IpPermissions"] for r in p.get("IpRanges", [])
    }
    assert ingress == {("tcp", 443, 443, "10.0.1.0/24"), ("tcp", 443, 443, "10.0.2.0/24")}
    assert all(not p.get("UserIdGroupPairs") for p in ep["IpPermissions"]), ep
    # Egress untouched: the default allow-all rule.
    assert [(p["IpProtocol"], [r["CidrIp"] for r in p["IpRanges"]])
            for p in ep["IpPermissionsEgress"]] == [("-1", ["0.0.0.0/0"])]
    tasks = groups[SG_TASKS]
    assert tasks["GroupName"] == "tasks"
    assert tasks["VpcId"] == vpc_id
    assert tasks["IpPermissions"] == []


def test_ecs_private_route_table_has_no_internet_route(ecs_private):
    c = ecs_private.ec2
    vpc_id = _scenario_vpc_of(c, [PRIVATE_A, PRIVATE_B])
    rt = c.describe_route_tables(RouteTableIds=[RTB_PRIVATE])["RouteTables"][0]
    assert rt["VpcId"] == vpc_id
    assert tags_dict(rt.get("Tags")) == {"Name": "private"}
    assocs = rt["Associations"]
    assert sorted(a.get("SubnetId") for a in assocs) == [PRIVATE_A, PRIVATE_B], assocs
    assert all(a["Main"] is False for a in assocs)
    assert all(a["AssociationState"]["State"] == "associated" for a in assocs)
    for sid in (PRIVATE_A, PRIVATE_B):
        found = c.describe_route_tables(
            Filters=[{"Name": "association.subnet-id", "Values": [sid]}])["RouteTables"]
        assert [t["RouteTableId"] for t in found] == [RTB_PRIVATE]
    local = [r for r in rt["Routes"] if r.get("GatewayId") == "local"]
    assert [r.get("DestinationCidrBlock") for r in local] == ["10.0.0.0/16"]
    # No route to the internet in any route table of the VPC (main included).
    tables = c.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
    assert {t["RouteTableId"] for t in tables} >= {RTB_PRIVATE}
    for table in tables:
        for route in table["Routes"]:
            assert route.get("DestinationCidrBlock") != "0.0.0.0/0", table
            assert route.get("DestinationIpv6CidrBlock") != "::/0", table
            assert not str(route.get("GatewayId", "")).startswith("igw-"), table
            assert "NatGatewayId" not in route, table


def test_ecs_private_interface_endpoints(ecs_private):
    c = ecs_private.ec2
    vpc_id = _scenario_vpc_of(c, [PRIVATE_A, PRIVATE_B])
    eps = c.describe_vpc_endpoints(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"]
    assert len(eps) == 7, [(e["VpcEndpointId"], e["ServiceName"]) for e in eps]
    interface = {e["ServiceName"]: e for e in eps if e["VpcEndpointType"] == "Interface"}
    assert set(interface) == {svc(s) for s in ECS_INTERFACE_SERVICES}
    all_enis: list[str] = []
    for suffix, private_name in ECS_INTERFACE_SERVICES.items():
        ep = interface[svc(suffix)]
        assert ep["State"] == "available", ep
        assert ep["PrivateDnsEnabled"] is True, ep
        assert ep["OwnerId"] == DEFAULT_ACCOUNT
        assert sorted(ep["SubnetIds"]) == [PRIVATE_A, PRIVATE_B], ep
        assert [g["GroupId"] for g in ep["Groups"]] == [SG_ENDPOINTS], ep
        assert ep["RouteTableIds"] == []
        assert private_name in [d["DnsName"] for d in ep["DnsEntries"]], ep["DnsEntries"]
        assert len(ep["NetworkInterfaceIds"]) == 2, ep
        enis = c.describe_network_interfaces(
            NetworkInterfaceIds=ep["NetworkInterfaceIds"])["NetworkInterfaces"]
        assert sorted(n["SubnetId"] for n in enis) == [PRIVATE_A, PRIVATE_B], enis
        for n in enis:
            assert n["VpcId"] == vpc_id
            assert n["InterfaceType"] == "vpc_endpoint"
            assert n["Status"] == "in-use"
            assert [g["GroupId"] for g in n["Groups"]] == [SG_ENDPOINTS]
            assert in_cidr(n["PrivateIpAddress"], PRIVATE_CIDR[n["SubnetId"]]), n
            assert ep["VpcEndpointId"] in n["Description"], n
        all_enis += ep["NetworkInterfaceIds"]
    assert len(set(all_enis)) == 12


def test_ecs_private_s3_gateway_endpoint_on_private_table(ecs_private):
    c = ecs_private.ec2
    vpc_id = _scenario_vpc_of(c, [PRIVATE_A, PRIVATE_B])
    eps = c.describe_vpc_endpoints(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"]
    gateways = [e for e in eps if e["VpcEndpointType"] == "Gateway"]
    assert len(gateways) == 1, gateways
    gw = gateways[0]
    assert gw["ServiceName"] == svc("s3")
    assert gw["State"] == "available"
    assert gw["RouteTableIds"] == [RTB_PRIVATE]
    assert gw["SubnetIds"] == [] and gw["NetworkInterfaceIds"] == []
    rt = c.describe_route_tables(RouteTableIds=[RTB_PRIVATE])["RouteTables"][0]
    pl_routes = [r for r in rt["Routes"] if r.get("DestinationPrefixListId") == S3_PL]
    assert len(pl_routes) == 1, rt["Routes"]
    assert pl_routes[0]["GatewayId"] == gw["VpcEndpointId"]
    assert pl_routes[0]["State"] == "active"
    # Only the associated table got the prefix-list route.
    others = c.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
    for table in others:
        if table["RouteTableId"] != RTB_PRIVATE:
            assert all("DestinationPrefixListId" not in r for r in table["Routes"]), table


def test_ecs_private_service_runs_in_private_subnets(ecs_private):
    c, e = ecs_private.ec2, ecs_private.ecs
    vpc_id = _scenario_vpc_of(c, [PRIVATE_A, PRIVATE_B])
    clusters = e.describe_clusters(clusters=["app"])
    assert clusters["failures"] == []
    cluster = clusters["clusters"][0]
    assert cluster["clusterArn"] == ecs_arn(DEFAULT_ACCOUNT, "cluster/app")
    assert cluster["status"] == "ACTIVE"
    assert cluster["activeServicesCount"] == 1
    assert cluster["runningTasksCount"] == 2

    out = e.describe_services(cluster="app", services=["web"])
    assert out["failures"] == []
    s = out["services"][0]
    assert s["serviceArn"] == ecs_arn(DEFAULT_ACCOUNT, "service/app/web")
    assert s["status"] == "ACTIVE"
    assert s["desiredCount"] == 2
    assert s["runningCount"] == 2
    assert s["pendingCount"] == 0
    assert s["launchType"] == "FARGATE"
    assert s["taskDefinition"] == ecs_arn(DEFAULT_ACCOUNT, "task-definition/web:1")
    net = s["networkConfiguration"]["awsvpcConfiguration"]
    assert sorted(net["subnets"]) == [PRIVATE_A, PRIVATE_B]
    assert net["securityGroups"] == [SG_TASKS]
    assert net["assignPublicIp"] == "DISABLED"
    assert len(s["deployments"]) == 1, s["deployments"]
    dep = s["deployments"][0]
    assert dep["status"] == "PRIMARY"
    assert dep["rolloutState"] == "COMPLETED"
    assert (dep["desiredCount"], dep["runningCount"], dep["pendingCount"]) == (2, 2, 0)
    assert "(service web) has reached a steady state." in [ev["message"] for ev in s["events"]]

    arns = e.list_tasks(cluster="app", serviceName="web")["taskArns"]
    assert len(arns) == 2, arns
    tasks = e.describe_tasks(cluster="app", tasks=arns)["tasks"]
    assert len(tasks) == 2
    for t in tasks:
        assert t["lastStatus"] == "RUNNING", t
        assert t["desiredStatus"] == "RUNNING"
        assert t["group"] == "service:web"
        assert t["startedBy"] == dep["id"]
        subnet = eni_detail(t, "subnetId")
        assert subnet in (PRIVATE_A, PRIVATE_B), t["attachments"]
        eni_id = eni_detail(t, "networkInterfaceId")
        eni = c.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]
        assert eni["SubnetId"] == subnet
        assert eni["VpcId"] == vpc_id
        assert [g["GroupId"] for g in eni["Groups"]] == [SG_TASKS]
        assert eni["PrivateIpAddress"] == eni_detail(t, "privateIPv4Address")
        assert in_cidr(eni["PrivateIpAddress"], PRIVATE_CIDR[subnet]), eni
        assert "Association" not in eni, eni  # no public IP in a private subnet


# ===========================================================================
# privatelink-provider-consumer.yaml
# ===========================================================================
PROVIDER = "111111111111"
CONSUMER = "222222222222"
PROVIDER_KEY = "AKIAPROVIDER00000001"
CONSUMER_KEY = "AKIACONSUMER00000001"
PROVIDER_VPC = "vpc-0b000000000000001"
SVC_SUBNETS = ["subnet-0b000000000000001", "subnet-0b000000000000002"]
CONSUMER_VPC = "vpc-0c000000000000001"
APP_A, APP_B = "subnet-0c000000000000001", "subnet-0c000000000000002"
SERVICE_ID = "vpce-svc-0b000000000000001"
SERVICE_NAME = f"com.amazonaws.vpce.{REGION}.{SERVICE_ID}"
ACCEPTED = "vpce-0c000000000000001"
WAITING = "vpce-0c000000000000002"
NOTIFY_TOPIC = "arn:aws:sns:us-east-1:111111111111:VpceNotification"


@pytest.fixture(scope="module")
def privatelink(awsemu_launcher, client_for):
    url, stop = awsemu_launcher(
        *scenario_args(SCENARIOS / "privatelink-provider-consumer.yaml"))
    yield SimpleNamespace(
        url=url,
        provider=client_for(url, "ec2", PROVIDER_KEY),
        provider_elb=client_for(url, "elbv2", PROVIDER_KEY),
        consumer=client_for(url, "ec2", CONSUMER_KEY),
        ec2=lambda key: client_for(url, "ec2", key),
    )
    stop()


def test_privatelink_access_keys_select_the_declared_accounts(privatelink):
    for client, account in ((privatelink.provider, PROVIDER),
                            (privatelink.consumer, CONSUMER)):
        vpcs = client.describe_vpcs()["Vpcs"]
        assert vpcs, account
        assert {v["OwnerId"] for v in vpcs} == {account}
    # The subnets each account declared are visible with its key only.
    assert len(privatelink.provider.describe_subnets(SubnetIds=SVC_SUBNETS)["Subnets"]) == 2
    with raises_code("InvalidSubnetID.NotFound"):
        privatelink.consumer.describe_subnets(SubnetIds=SVC_SUBNETS)


def test_privatelink_vpcs_have_pinned_ids(privatelink):
    p, c = privatelink.provider, privatelink.consumer
    pv = p.describe_vpcs(VpcIds=[PROVIDER_VPC])["Vpcs"][0]
    assert (pv["CidrBlock"], pv["IsDefault"]) == ("10.1.0.0/16", False), pv
    assert _scenario_vpc_of(p, SVC_SUBNETS) == PROVIDER_VPC
    cv = c.describe_vpcs(VpcIds=[CONSUMER_VPC])["Vpcs"][0]
    assert (cv["CidrBlock"], cv["IsDefault"]) == ("10.2.0.0/16", False), cv
    assert _scenario_vpc_of(c, [APP_A, APP_B]) == CONSUMER_VPC
    attr = c.describe_vpc_attribute(VpcId=CONSUMER_VPC, Attribute="enableDnsHostnames")
    assert attr["EnableDnsHostnames"]["Value"] is True


def test_privatelink_provider_network_load_balancer(privatelink):
    lbs = privatelink.provider_elb.describe_load_balancers(Names=["nlb-vpce"])["LoadBalancers"]
    assert len(lbs) == 1, lbs
    lb = lbs[0]
    assert lb_arn_re("net", "nlb-vpce", PROVIDER).match(lb["LoadBalancerArn"]), lb
    assert lb["Type"] == "network"
    assert lb["Scheme"] == "internal"
    assert lb["State"]["Code"] == "active"
    assert lb["VpcId"] == _scenario_vpc_of(privatelink.provider, SVC_SUBNETS)
    assert sorted(z["SubnetId"] for z in lb["AvailabilityZones"]) == SVC_SUBNETS
    assert sorted(z["ZoneName"] for z in lb["AvailabilityZones"]) == ["us-east-1a", "us-east-1b"]


def test_privatelink_endpoint_service_permissions_and_notification(privatelink):
    p = privatelink.provider
    nlb = privatelink.provider_elb.describe_load_balancers(
        Names=["nlb-vpce"])["LoadBalancers"][0]["LoadBalancerArn"]
    cfgs = p.describe_vpc_endpoint_service_configurations(
        ServiceIds=[SERVICE_ID])["ServiceConfigurations"]
    assert len(cfgs) == 1, cfgs
    cfg = cfgs[0]
    assert cfg["ServiceName"] == SERVICE_NAME
    assert cfg["ServiceState"] == "Available"
    assert cfg["AcceptanceRequired"] is True
    assert cfg["NetworkLoadBalancerArns"] == [nlb]
    assert sorted(cfg["AvailabilityZones"]) == ["us-east-1a", "us-east-1b"]
    assert cfg["ServiceType"] == [{"ServiceType": "Interface"}]

    allowed = p.describe_vpc_endpoint_service_permissions(
        ServiceId=SERVICE_ID)["AllowedPrincipals"]
    assert [a["Principal"] for a in allowed] == [f"arn:aws:iam::{CONSUMER}:root"], allowed
    assert allowed[0]["PrincipalType"] == "Account"

    nfns = p.describe_vpc_endpoint_connection_notifications()["ConnectionNotificationSet"]
    assert len(nfns) == 1, nfns
    nfn = nfns[0]
    assert nfn["ServiceId"] == SERVICE_ID
    assert nfn["ConnectionNotificationArn"] == NOTIFY_TOPIC
    assert nfn["ConnectionNotificationType"] == "Topic"
    assert nfn["ConnectionNotificationState"] == "Enabled"
    assert sorted(nfn["ConnectionEvents"]) == ["Accept", "Connect", "Delete", "Reject"]
    assert "VpcEndpointId" not in nfn


def test_privatelink_consumer_endpoints_in_declared_states(privatelink):
    c = privatelink.consumer
    vpc_id = _scenario_vpc_of(c, [APP_A, APP_B])
    eps = {e["VpcEndpointId"]: e for e in c.describe_vpc_endpoints()["VpcEndpoints"]}
    assert set(eps) == {ACCEPTED, WAITING}
    assert eps[ACCEPTED]["State"] == "available"
    assert eps[WAITING]["State"] == "pendingAcceptance"
    assert sorted(eps[ACCEPTED]["SubnetIds"]) == [APP_A, APP_B]
    assert eps[WAITING]["SubnetIds"] == [APP_A]
    for ep in eps.values():
        assert ep["ServiceName"] == SERVICE_NAME
        assert ep["VpcEndpointType"] == "Interface"
        assert ep["OwnerId"] == CONSUMER
        assert ep["VpcId"] == vpc_id
        assert [g["GroupName"] for g in ep["Groups"]] == ["to-shop"]
    sg = c.describe_security_groups(
        GroupIds=[eps[ACCEPTED]["Groups"][0]["GroupId"]])["SecurityGroups"][0]
    assert [(p["IpProtocol"], p["FromPort"], p["ToPort"], [r["CidrIp"] for r in p["IpRanges"]])
            for p in sg["IpPermissions"]] == [("tcp", 443, 443, ["10.2.0.0/16"])]


def test_privatelink_provider_sees_both_connections(privatelink):
    conns = privatelink.provider.describe_vpc_endpoint_connections(
        Filters=[{"Name": "service-id", "Values": [SERVICE_ID]}])["VpcEndpointConnections"]
    states = {x["VpcEndpointId"]: x["VpcEndpointState"] for x in conns}
    assert states == {ACCEPTED: "available", WAITING: "pendingAcceptance"}
    assert {x["VpcEndpointOwner"] for x in conns} == {CONSUMER}
    assert {x["ServiceId"] for x in conns} == {SERVICE_ID}


def test_privatelink_service_visible_to_consumer_not_to_outsider(privatelink):
    seen = privatelink.consumer.describe_vpc_endpoint_services(ServiceNames=[SERVICE_NAME])
    assert seen["ServiceNames"] == [SERVICE_NAME]
    assert seen["ServiceDetails"][0]["Owner"] == PROVIDER
    assert seen["ServiceDetails"][0]["AcceptanceRequired"] is True

    outsider = privatelink.ec2(random_account())
    with raises_code("InvalidServiceName") as ei:
        outsider.describe_vpc_endpoint_services(ServiceNames=[SERVICE_NAME])
    assert SERVICE_NAME in err_message(ei)
    listed = []
    for page in outsider.get_paginator("describe_vpc_endpoint_services").paginate():
        listed += [d["ServiceName"] for d in page["ServiceDetails"]]
    assert listed, "the outsider should still see the AWS services"
    assert SERVICE_NAME not in listed


# ===========================================================================
# service-connect-tls.yaml
# ===========================================================================
SC_FILE = SCENARIOS / "service-connect-tls.yaml"


@pytest.fixture(scope="module")
def service_connect(awsemu_launcher, client_for):
    url, stop = awsemu_launcher(*scenario_args(SC_FILE))
    yield SimpleNamespace(url=url, ecs=client_for(url, "ecs", DEFAULT_ACCOUNT))
    stop()


def _declared_service(name: str) -> dict:
    doc = load_yaml(SC_FILE)
    services = doc["accounts"][0]["regions"][REGION]["ecs"]["services"]
    matches = [s for s in services if s["name"] == name]
    assert len(matches) == 1, services
    return matches[0]


def test_service_connect_cluster_defaults_namespace(service_connect):
    out = service_connect.ecs.describe_clusters(clusters=["mesh"])
    assert out["failures"] == []
    cluster = out["clusters"][0]
    assert cluster["status"] == "ACTIVE"
    assert cluster["activeServicesCount"] == 2
    ns = cluster["serviceConnectDefaults"]["namespace"]
    prefix = f"arn:aws:servicediscovery:{REGION}:{DEFAULT_ACCOUNT}:namespace/"
    assert ns.startswith(prefix), ns
    assert CLOUDMAP_NAMESPACE_ID.match(ns[len(prefix):]), ns


@pytest.mark.parametrize("name", ["orders", "payments"])
def test_service_connect_service_steady_with_declared_tls(service_connect, name):
    declared = _declared_service(name)
    declared_sc = declared["serviceConnectConfiguration"]["services"][0]
    out = service_connect.ecs.describe_services(cluster="mesh", services=[name])
    assert out["failures"] == []
    s = out["services"][0]
    assert s["status"] == "ACTIVE"
    assert s["desiredCount"] == declared["desiredCount"] == 1
    assert s["runningCount"] == 1 and s["pendingCount"] == 0
    assert f"(service {name}) has reached a steady state." in [e["message"] for e in s["events"]]
    assert len(s["deployments"]) == 1, s["deployments"]
    dep = s["deployments"][0]
    assert dep["status"] == "PRIMARY"
    assert dep["rolloutState"] == "COMPLETED"
    sc = dep["serviceConnectConfiguration"]
    assert sc["enabled"] is True
    assert len(sc["services"]) == 1, sc
    got = sc["services"][0]
    assert got["tls"] == declared_sc["tls"]
    assert got["portName"] == declared_sc["portName"]
    assert got["discoveryName"] == declared_sc["discoveryName"]
    assert got["clientAliases"] == declared_sc["clientAliases"]


# ===========================================================================
# empty.yaml
# ===========================================================================
def test_empty_scenario_has_only_default_vpcs(awsemu_launcher, client_for):
    url, stop = awsemu_launcher(*scenario_args(SCENARIOS / "empty.yaml"))
    try:
        for account in (DEFAULT_ACCOUNT, random_account()):
            c = client_for(url, "ec2", account)
            vpcs = c.describe_vpcs()["Vpcs"]
            assert len(vpcs) == 1, vpcs
            assert vpcs[0]["IsDefault"] is True
            assert vpcs[0]["CidrBlock"] == "172.31.0.0/16"
            assert vpcs[0]["OwnerId"] == account
            assert c.describe_vpc_endpoints()["VpcEndpoints"] == []
            assert client_for(url, "ecs", account).list_clusters()["clusterArns"] == []
            assert client_for(url, "elbv2", account).describe_load_balancers()[
                "LoadBalancers"] == []
    finally:
        stop()


@pytest.mark.parametrize("target", [
    "ecs-private-subnet.yaml", "privatelink-provider-consumer.yaml",
    "service-connect-tls.yaml", "ecs-public-private.yaml", "ecs-ec2-private-subnet.yaml",
    "broken-private-subnet.yaml", "empty.yaml", "privatelink-dataplane.yaml", ".",
])
def test_bundled_scenarios_pass_check(awsemu_run, target):
    path = (SCENARIOS / target).resolve()
    proc = awsemu_run("scenario", "check", str(path))
    files = 8 if target == "." else 1
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"ok: {files} scenario file(s) apply cleanly", proc.stdout


# ===========================================================================
# broken-private-subnet.yaml
# ===========================================================================
BROKEN_ACCOUNT = "666666666666"
BROKEN_IMAGE = "666666666666.dkr.ecr.us-east-1.amazonaws.com/app:1"


def test_broken_private_subnet_tasks_fail_to_start_with_the_reasons(awsemu_launcher, client_for):
    """Under the default reachability (enforce), each task stops with ECS's
    reason for the one thing its network lacks."""
    url, stop = awsemu_launcher(*scenario_args(SCENARIOS / "broken-private-subnet.yaml"))
    try:
        e = client_for(url, "ecs", BROKEN_ACCOUNT)
        c = client_for(url, "ec2", BROKEN_ACCOUNT)

        def stopped(started_by: str) -> dict:
            for _ in range(200):
                arns = e.list_tasks(cluster="broken", startedBy=started_by,
                                    desiredStatus="STOPPED")["taskArns"]
                if arns:
                    (t,) = e.describe_tasks(cluster="broken", tasks=arns)["tasks"]
                    if t["lastStatus"] == "STOPPED":
                        return t
                time.sleep(0.05)
            raise AssertionError(f"the {started_by} task did not stop")

        tasks = {k: stopped(k) for k in ("no-dkr", "no-s3", "docker-hub")}
        assert e.list_tasks(cluster="broken")["taskArns"] == []
        for t in tasks.values():
            assert t["stopCode"] == "TaskFailedToStart", t
            assert t["containers"][0]["lastStatus"] == "STOPPED"
        registry = (f"CannotPullContainerError: The task cannot pull {BROKEN_IMAGE} from the registry "
                    f"{BROKEN_IMAGE}. There is a connection issue between the task and the registry.")
        no_dkr = tasks["no-dkr"]["stoppedReason"]
        assert no_dkr.startswith(registry), no_dkr
        assert 'Head "https://666666666666.dkr.ecr.us-east-1.amazonaws.com/v2/app/manifests/1"' in no_dkr
        assert no_dkr.endswith(":443: i/o timeout")
        no_s3 = tasks["no-s3"]["stoppedReason"]
        assert no_s3.startswith(registry), no_s3
        assert "failed to copy: httpReadSeeker: failed open" in no_s3
        hub = tasks["docker-hub"]["stoppedReason"]
        assert hub.startswith(
            "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to "
            "resolve ref docker.io/library/nginx:latest: failed to do request: Head "
            "\"https://registry-1.docker.io/v2/library/nginx/manifests/latest\": dial tcp "), hub
        assert hub.endswith(":443: i/o timeout")

        # The explanation, from an interface where the no-s3 task was (its
        # own is gone with it): ECR is reachable, S3 is not.
        eni = c.create_network_interface(SubnetId="subnet-0b100000000000002",
                                          Groups=["sg-0b100000000000004"])[
            "NetworkInterface"]["NetworkInterfaceId"]

        def ask(to: str) -> dict:
            r = requests.get(f"{url}/_awsemu/reachability", timeout=30, params={
                "from": eni, "to": to, "account": BROKEN_ACCOUNT, "region": REGION})
            assert r.status_code == 200, r.text
            return r.json()

        assert ask("ecr.api")["reachable"] is True
        assert ask("ecr.dkr")["reachable"] is True
        s3 = ask("s3")
        assert s3["reachable"] is False
        assert s3["destination"] == f"com.amazonaws.{REGION}.s3"
        assert s3["blocked"]["hop"] == "route-table"
        assert s3["blocked"]["id"] == "rtb-0b100000000000002"
        assert s3["explanation"].startswith(
            "route table rtb-0b100000000000002 of subnet-0b100000000000002 has no route to 0.0.0.0/0"), s3
        hub_path = ask("registry-1.docker.io")
        assert hub_path["reachable"] is False
        assert hub_path["explanation"] == (
            "route table rtb-0b100000000000002 of subnet-0b100000000000002 has no route to 0.0.0.0/0")
    finally:
        stop()


# ===========================================================================
# ecs-public-private.yaml
# ===========================================================================
WEB_ACCOUNT = "333333333333"


@pytest.fixture(scope="module")
def ecs_public_private(awsemu_launcher, client_for):
    url, stop = awsemu_launcher(*scenario_args(SCENARIOS / "ecs-public-private.yaml"))
    yield SimpleNamespace(
        ec2=client_for(url, "ec2", WEB_ACCOUNT),
        ecs=client_for(url, "ecs", WEB_ACCOUNT),
    )
    stop()


def test_ecs_public_private_routes_out_through_igw_and_nat(ecs_public_private):
    c = ecs_public_private.ec2
    igw = c.describe_internet_gateways(InternetGatewayIds=["igw-0c000000000000001"])["InternetGateways"][0]
    assert igw["Attachments"] == [{"State": "available", "VpcId": "vpc-0c000000000000001"}]
    nat = c.describe_nat_gateways(NatGatewayIds=["nat-0c000000000000001"])["NatGateways"][0]
    assert (nat["State"], nat["SubnetId"]) == ("available", "subnet-0c000000000000001")
    assert nat["NatGatewayAddresses"][0]["PublicIp"] == "54.0.4.1"
    assert nat["NatGatewayAddresses"][0]["AllocationId"] == "eipalloc-0c000000000000001"

    def default_route(rtb):
        t = c.describe_route_tables(RouteTableIds=[rtb])["RouteTables"][0]
        return [r for r in t["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]

    (public,) = default_route("rtb-0c000000000000001")
    assert (public["GatewayId"], public["State"]) == ("igw-0c000000000000001", "active")
    (private,) = default_route("rtb-0c000000000000002")
    assert (private["NatGatewayId"], private["State"]) == ("nat-0c000000000000001", "active")
    subnets = {s["SubnetId"]: s["MapPublicIpOnLaunch"] for s in c.describe_subnets(
        Filters=[{"Name": "vpc-id", "Values": ["vpc-0c000000000000001"]}])["Subnets"]}
    assert subnets == {"subnet-0c000000000000001": True, "subnet-0c000000000000002": True,
                       "subnet-0c000000000000003": False, "subnet-0c000000000000004": False}


def test_ecs_public_private_container_instance_and_service(ecs_public_private):
    c = ecs_public_private.ec2
    (r,) = c.describe_instances(InstanceIds=["i-0c000000000000001"])["Reservations"]
    (i,) = r["Instances"]
    assert i["State"]["Name"] == "running"
    assert (i["InstanceType"], i["SubnetId"]) == ("t3.medium", "subnet-0c000000000000003")
    assert "PublicIpAddress" not in i
    assert i["SecurityGroups"] == [{"GroupId": "sg-0c000000000000002", "GroupName": "nodes"}]
    assert i["IamInstanceProfile"]["Arn"] == "arn:aws:iam::333333333333:instance-profile/ecsInstanceRole"
    assert tags_dict(i["Tags"]) == {"Name": "ecs-node-1"}
    image = c.describe_images(ImageIds=[i["ImageId"]])["Images"][0]
    assert image["Name"].startswith("al2023-ami-ecs-hvm-")
    data = c.describe_instance_attribute(InstanceId=i["InstanceId"], Attribute="userData")["UserData"]["Value"]
    assert b"ECS_CLUSTER=web" in base64.b64decode(data)
    svc = ecs_public_private.ecs.describe_services(cluster="web", services=["api"])["services"][0]
    assert (svc["desiredCount"], svc["runningCount"]) == (2, 2)


# ===========================================================================
# ecs-ec2-private-subnet.yaml
# ===========================================================================
EC2_ACCOUNT = "444444444444"


@pytest.fixture(scope="module")
def ecs_ec2_private(awsemu_launcher, client_for):
    url, stop = awsemu_launcher(*scenario_args(SCENARIOS / "ecs-ec2-private-subnet.yaml"))
    yield SimpleNamespace(
        url=url,
        ec2=client_for(url, "ec2", EC2_ACCOUNT),
        ecs=client_for(url, "ecs", EC2_ACCOUNT),
    )
    stop()


def test_ecs_ec2_private_instances_register_through_the_endpoints(ecs_ec2_private):
    w = ecs_ec2_private
    ends = {e["ServiceName"].rsplit(".", 1)[-1] if "ecr" not in e["ServiceName"] else
            e["ServiceName"].split("us-east-1.")[1]: e["State"]
            for e in w.ec2.describe_vpc_endpoints()["VpcEndpoints"]}
    assert ends == {"ecs-agent": "available", "ecs-telemetry": "available", "ecs": "available",
                    "ecr.api": "available", "ecr.dkr": "available", "logs": "available",
                    "s3": "available"}
    routes = w.ec2.describe_route_tables(RouteTableIds=["rtb-0e000000000000001"])["RouteTables"][0]["Routes"]
    assert not [r for r in routes if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
    cis = w.ecs.describe_container_instances(cluster="prod", containerInstances=[
        "0e000000000000000000000000000001", "0e000000000000000000000000000002"])["containerInstances"]
    assert [(c["ec2InstanceId"], c["status"], c["versionInfo"]["agentVersion"]) for c in cis] == [
        ("i-0e000000000000001", "ACTIVE", "1.88.0"), ("i-0e000000000000002", "ACTIVE", "1.20.0")]
    assert {a["name"]: a.get("value") for a in cis[1]["attributes"]}["stack"] == "legacy"
    # The seeds' rule as a placement constraint: only agents >= 1.25.1.
    modern = w.ecs.list_container_instances(cluster="prod", filter="agentVersion >= 1.25.1")
    assert [a.rsplit("/", 1)[1] for a in modern["containerInstanceArns"]] == [
        "0e000000000000000000000000000001"]
    # The seeds' rule, enforced: agent 1.20.0 cannot use the ECS endpoints
    # and has no route out, so it is disconnected; both tasks run on the
    # modern instance.
    assert [c["agentConnected"] for c in cis] == [True, False]
    r = requests.get(f"{w.url}/_awsemu/reachability", timeout=30, params={
        "from": "i-0e000000000000002", "to": "ecs", "account": "444444444444"}).json()
    assert r["reachable"] is True  # the network is there; the old agent cannot use it
    svc = w.ecs.describe_services(cluster="prod", services=["web"])["services"][0]
    assert (svc["launchType"], svc["runningCount"]) == ("EC2", 2)
    tasks = w.ecs.describe_tasks(cluster="prod", tasks=w.ecs.list_tasks(cluster="prod")["taskArns"])["tasks"]
    assert {t["containerInstanceArn"].rsplit("/", 1)[1] for t in tasks} == {"0e000000000000000000000000000001"}
    assert sorted(t["availabilityZone"] for t in tasks) == ["us-east-1a", "us-east-1a"]
    assert all(t["containers"][0]["networkBindings"][0]["hostPort"] >= 49153 for t in tasks)


def test_ecs_ec2_private_round_trip(ecs_ec2_private, awsemu_launcher, tmp_path):
    exported = requests.get(f"{ecs_ec2_private.url}/_awsemu/state", timeout=30).text
    path = tmp_path / "again.yaml"
    path.write_text(exported)
    url, stop = awsemu_launcher("--scenario", str(path))
    try:
        again = requests.get(f"{url}/_awsemu/state", timeout=30).text
        first = yaml.safe_load(exported)["accounts"][0]["regions"]["us-east-1"]["ecs"]
        second = yaml.safe_load(again)["accounts"][0]["regions"]["us-east-1"]["ecs"]
        assert second["containerInstances"] == first["containerInstances"]
        assert len(first["containerInstances"]) == 2
    finally:
        stop()


# ===========================================================================
# A folder of scenarios, and reset back to it
# ===========================================================================
def test_folder_of_scenarios_and_reset_restores_them(awsemu_launcher, client_for):
    url, stop = awsemu_launcher(*scenario_args(SCENARIOS))
    try:
        app = client_for(url, "ec2", DEFAULT_ACCOUNT)
        app_ecs = client_for(url, "ecs", DEFAULT_ACCOUNT)
        consumer = client_for(url, "ec2", CONSUMER_KEY)
        provider = client_for(url, "ec2", PROVIDER_KEY)

        def consumer_states() -> dict[str, str]:
            return {e["VpcEndpointId"]: e["State"]
                    for e in consumer.describe_vpc_endpoints()["VpcEndpoints"]}

        def own_cidrs() -> list[str]:
            return sorted(v["CidrBlock"] for v in app.describe_vpcs()["Vpcs"]
                          if not v["IsDefault"])

        def assert_all_four_loaded() -> None:
            # ecs-private-subnet + service-connect-tls share account 000000000000.
            assert own_cidrs() == ["10.0.0.0/16", "10.3.0.0/16"]
            arns = sorted(app_ecs.list_clusters()["clusterArns"])
            assert arns == [ecs_arn(DEFAULT_ACCOUNT, "cluster/app"),
                            ecs_arn(DEFAULT_ACCOUNT, "cluster/mesh")]
            web = app_ecs.describe_services(cluster="app", services=["web"])["services"][0]
            assert (web["desiredCount"], web["runningCount"]) == (2, 2)
            for name in ("orders", "payments"):
                s = app_ecs.describe_services(cluster="mesh", services=[name])["services"][0]
                assert s["runningCount"] == 1, s
            assert len(app.describe_vpc_endpoints()["VpcEndpoints"]) == 7
            # privatelink-provider-consumer
            assert consumer_states() == {ACCEPTED: "available", WAITING: "pendingAcceptance"}
            cfg = provider.describe_vpc_endpoint_service_configurations(
                ServiceIds=[SERVICE_ID])["ServiceConfigurations"]
            assert [x["AcceptanceRequired"] for x in cfg] == [True]
            conns = provider.describe_vpc_endpoint_connections()["VpcEndpointConnections"]
            assert {x["VpcEndpointId"]: x["VpcEndpointState"] for x in conns} == {
                ACCEPTED: "available", WAITING: "pendingAcceptance"}

        assert_all_four_loaded()

        # Mutate: delete the accepted endpoint, create a VPC.
        resp = consumer.delete_vpc_endpoints(VpcEndpointIds=[ACCEPTED])
        assert resp["Unsuccessful"] == []
        assert ACCEPTED not in {k for k, v in consumer_states().items() if v != "deleted"}
        new_vpc = app.create_vpc(CidrBlock="10.99.0.0/16")["Vpc"]["VpcId"]
        assert "10.99.0.0/16" in own_cidrs()

        answer = reset(url)
        assert set(answer) == {"reset", "milliseconds"}, answer
        assert answer["reset"] is True
        ms = answer["milliseconds"]
        assert isinstance(ms, float) and ms > 0, answer

        assert_all_four_loaded()
        ep = consumer.describe_vpc_endpoints(VpcEndpointIds=[ACCEPTED])["VpcEndpoints"][0]
        assert ep["State"] == "available"
        assert ep["ServiceName"] == SERVICE_NAME
        with raises_code("InvalidVpcID.NotFound"):
            app.describe_vpcs(VpcIds=[new_vpc])

        # A second reset without changes gives the same world again.
        assert reset(url)["reset"] is True
        assert_all_four_loaded()
    finally:
        stop()


# ===========================================================================
# Invalid scenarios: `scenario check` and `serve --scenario` refuse them
# ===========================================================================
BASE = "accounts[0].regions.us-east-1"
INVALID = [
    # (fixture, text on the offending line, field path, words of the message)
    ("bad-dangling-ref.yaml", "vpc: nope", f"{BASE}.subnets[0].vpc", "nope"),
    ("bad-cidr.yaml", "cidr: 10.0.0.0/33", f"{BASE}.vpcs[0].cidr", "10.0.0.0/33"),
    ("bad-az.yaml", "az: us-east-1z", f"{BASE}.subnets[0].az", "us-east-1z"),
    ("bad-unknown-field.yaml", "colour: blue", f"{BASE}.vpcs[0].colour", "colour"),
    ("bad-syntax.yaml", "cidr: 10.40.0.0/16: oops", None, None),
]


def _where(fixture: str, marker: str, field: str | None) -> tuple[Path, int, str]:
    path = FIXTURES / fixture
    line = line_of(path, marker)
    prefix = f"{path}:{line}: " + (f"{field}: " if field else "")
    return path, line, prefix


@pytest.mark.parametrize("fixture,marker,field,word", INVALID,
                         ids=[i[0] for i in INVALID])
def test_scenario_check_names_file_line_and_field(awsemu_run, fixture, marker, field, word):
    path, line, prefix = _where(fixture, marker, field)
    proc = awsemu_run("scenario", "check", str(path))
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    assert "ok:" not in proc.stdout, proc.stdout
    assert fixture in proc.stderr, proc.stderr
    # `<file>:<line>: <field path>: <message>`, the line being the offending one.
    assert prefix in proc.stderr, f"expected {prefix!r} in stderr:\n{proc.stderr}"
    if word is not None:
        message = proc.stderr.split(prefix, 1)[1].splitlines()[0]
        assert word in message, proc.stderr


@pytest.mark.parametrize("fixture,marker,field,word", INVALID,
                         ids=[i[0] for i in INVALID])
def test_serve_refuses_invalid_scenario(awsemu_run, fixture, marker, field, word):
    path, line, prefix = _where(fixture, marker, field)
    try:
        proc = awsemu_run("serve", "--host", "127.0.0.1", "--port", "0",
                          "--scenario", str(path), timeout=15)
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"awsemu kept serving with the invalid scenario {fixture}; "
                    f"stdout: {exc.stdout!r}")
    assert proc.returncode != 0, (proc.stdout, proc.stderr)
    assert LISTENING not in proc.stdout, proc.stdout
    assert proc.stdout == "", proc.stdout
    assert fixture in proc.stderr, proc.stderr
    assert prefix in proc.stderr, f"expected {prefix!r} in stderr:\n{proc.stderr}"


def test_check_of_a_folder_stops_at_the_invalid_file(awsemu_run, tmp_path):
    """A folder is applied in name order; one bad file fails the whole check."""
    good = (SCENARIOS / "empty.yaml").read_text(encoding="utf-8")
    (tmp_path / "a-good.yaml").write_text(good, encoding="utf-8")
    bad_src = FIXTURES / "bad-cidr.yaml"
    (tmp_path / "b-bad.yaml").write_text(bad_src.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a scenario: ::: [", encoding="utf-8")
    proc = awsemu_run("scenario", "check", str(tmp_path))
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    line = line_of(bad_src, "cidr: 10.0.0.0/33")
    assert f"{tmp_path / 'b-bad.yaml'}:{line}: {BASE}.vpcs[0].cidr: " in proc.stderr, proc.stderr
    # Without the bad file the folder is fine (and notes.txt is not read).
    (tmp_path / "b-bad.yaml").unlink()
    proc = awsemu_run("scenario", "check", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok: 1 scenario file(s) apply cleanly"


# ===========================================================================
# Declared ECS outcomes: an exit code from a docker label, a STOPPED task
# ===========================================================================
DECLARED_FILE = FIXTURES / "ecs-declared-states.yaml"
DECLARED_ACCOUNT = "555555555555"
DECLARED_KEY = "AKIADECLARED00000001"


@pytest.fixture(scope="module")
def declared(awsemu_launcher, client_for):
    url, stop = awsemu_launcher(*scenario_args(DECLARED_FILE))
    yield SimpleNamespace(url=url, ecs=client_for(url, "ecs", DECLARED_KEY))
    stop()


def _only_task(e, started_by: str) -> dict:
    arns = e.list_tasks(cluster="jobs", desiredStatus="STOPPED",
                        startedBy=started_by)["taskArns"]
    assert len(arns) == 1, (started_by, arns)
    tasks = e.describe_tasks(cluster="jobs", tasks=arns)["tasks"]
    assert len(tasks) == 1
    return tasks[0]


def _assert_declared_outcomes(e) -> None:
    assert e.list_tasks(cluster="jobs")["taskArns"] == []  # nothing left RUNNING

    crash = _only_task(e, "crash-test")
    assert crash["clusterArn"] == ecs_arn(DECLARED_ACCOUNT, "cluster/jobs")
    assert crash["taskDefinitionArn"] == ecs_arn(DECLARED_ACCOUNT, "task-definition/crash:1")
    assert crash["lastStatus"] == "STOPPED", crash
    assert crash["desiredStatus"] == "STOPPED"
    assert crash["stopCode"] == "EssentialContainerExited", crash
    assert crash["stoppedReason"] == "Essential container in task exited"
    assert [(c["name"], c["lastStatus"], c.get("exitCode")) for c in crash["containers"]] == [
        ("main", "STOPPED", 2)]

    batch = _only_task(e, "maintenance-test")
    assert batch["taskDefinitionArn"] == ecs_arn(DECLARED_ACCOUNT, "task-definition/batch:1")
    assert batch["lastStatus"] == "STOPPED", batch
    assert batch["desiredStatus"] == "STOPPED"
    assert batch["stoppedReason"] == "maintenance"
    assert batch["stopCode"] == "UserInitiated"
    assert [c["lastStatus"] for c in batch["containers"]] == ["STOPPED"]


def test_declared_states_fixture_passes_check(awsemu_run):
    proc = awsemu_run("scenario", "check", str(DECLARED_FILE))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok: 1 scenario file(s) apply cleanly"


def test_scenario_declared_task_outcomes(declared):
    _assert_declared_outcomes(declared.ecs)


def test_scenario_declared_task_outcomes_after_reset(declared):
    e = declared.ecs
    subnet = eni_detail(_only_task(e, "maintenance-test"), "subnetId")
    e.run_task(cluster="jobs", taskDefinition="batch", launchType="FARGATE",
               startedBy="extra",
               networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet],
                                                             "assignPublicIp": "ENABLED"}})
    assert len(e.list_tasks(cluster="jobs")["taskArns"]) == 1
    assert reset(declared.url)["reset"] is True
    _assert_declared_outcomes(e)
    assert e.list_tasks(cluster="jobs", desiredStatus="STOPPED",
                        startedBy="extra")["taskArns"] == []


def test_a_service_failing_in_one_zone_loads_and_stops_relaunching(awsemu_launcher, client_for, tmp_path):
    """ecs-private-subnet.yaml with the endpoints' group admitting port 989
    instead of 443 from private-b: the service's task there cannot pull its
    image, the one in private-a runs. AWS retries such a service ever more
    slowly; the emulator stops after ten failures rather than relaunching
    without end (the load used to spin on it: fuzz/regressions/scenario)."""
    text = (SCENARIOS / "ecs-private-subnet.yaml").read_text()
    broken = text.replace("{protocol: tcp, port: 443, cidr: 10.0.2.0/24}",
                          "{protocol: tcp, port: 989, cidr: 10.0.2.0/24}")
    assert broken != text
    path = tmp_path / "one-zone-broken.yaml"
    path.write_text(broken)
    started = time.monotonic()
    url, stop = awsemu_launcher("--scenario", str(path))
    assert time.monotonic() - started < 20
    try:
        ecs = client_for(url, "ecs", DEFAULT_ACCOUNT)
        (svc,) = ecs.describe_services(cluster="app", services=["web"])["services"]
        assert svc["runningCount"] == 1
        (deployment,) = svc["deployments"]
        assert deployment["failedTasks"] == 10
        assert deployment["rolloutState"] == "IN_PROGRESS"
        assert any("is unable to consistently start tasks successfully" in e["message"]
                   for e in svc["events"])
        stopped = ecs.list_tasks(cluster="app", desiredStatus="STOPPED")["taskArns"]
        assert len(stopped) == 10
        tasks = ecs.describe_tasks(cluster="app", tasks=stopped)["tasks"]
        assert {t["stopCode"] for t in tasks} == {"TaskFailedToStart"}
        # Its first step, the registry's credentials through ecr.api, fails.
        assert {t["stoppedReason"].split(":")[0] for t in tasks} == {"ResourceInitializationError"}
        assert {t["attachments"][0]["details"][0]["value"] for t in tasks} == {"subnet-0a000000000000002"}
        # Still no relaunch later on.
        assert len(ecs.list_tasks(cluster="app", desiredStatus="STOPPED")["taskArns"]) == 10
    finally:
        stop()
