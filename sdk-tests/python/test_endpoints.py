"""boto3: VPC endpoints, the consumer side of PrivateLink (ECS private subnets).

What an ECS-in-private-subnets guide does (seeds 000/001/002): interface
endpoints for ecs-agent, ecs-telemetry, ecs, ecr.api, ecr.dkr and logs in the
private subnets, an S3 gateway endpoint on the private route table.

References: aws-spec.md §7.2-7.3 (state machine, side effects), §8.1-8.5
(Create/Describe/Modify/DeleteVpcEndpoints, DescribeVpcEndpointServices),
§8.34 (DescribePrefixLists), §12 (the AWS service catalogue), §14.1 (codes).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
import time
from types import SimpleNamespace

import pytest
import requests

from awsemu_helpers import (
    DEFAULT_ACCOUNT,
    ENI_ID,
    UNKNOWN_RTB,
    UNKNOWN_SG,
    UNKNOWN_SUBNET,
    UNKNOWN_VPC,
    UNKNOWN_VPCE,
    VPCE_ID,
    VPCE_SVC_ID,
    available_ips,
    default_sg,
    enable_dns_hostnames,
    err_message,
    new_subnet,
    new_vpc,
    raises_code,
    tags_dict,
    vpc_enis,
)

REGION = "us-east-1"
US_EAST_1_AZS = [f"us-east-1{c}" for c in "abcdef"]
VPCE_ZONE = "Z7HUB22UULQXV"
PRIVATE_ZONE = re.compile(r"^Z[A-Z0-9]{20}$")
S3_PL = "pl-63a5400a"
DDB_PL = "pl-02cd2c6b"

INTERFACE_POLICY = (
    '{\n  "Statement": [\n    {\n      "Action": "*", \n      "Effect": "Allow", \n'
    '      "Principal": "*", \n      "Resource": "*"\n    }\n  ]\n}'
)
GATEWAY_POLICY = (
    '{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*",'
    '"Action":"*","Resource":"*"}]}'
)
CUSTOM_POLICY = (
    '{"Version": "2012-10-17",\n "Statement": [{"Effect": "Allow", "Principal": "*", '
    '"Action": "logs:PutLogEvents",   "Resource": "*"}]}'
)

# service suffix -> (DNS label in the vpce names, private DNS name)
ECS_SERVICES = {
    "ecs-agent": ("ecs-agent", "ecs-a.us-east-1.amazonaws.com"),
    "ecs-telemetry": ("ecs-telemetry", "ecs-t.us-east-1.amazonaws.com"),
    "ecs": ("ecs", "ecs.us-east-1.amazonaws.com"),
    "ecr.api": ("api.ecr", "api.ecr.us-east-1.amazonaws.com"),
    "ecr.dkr": ("dkr.ecr", "*.dkr.ecr.us-east-1.amazonaws.com"),
    "logs": ("logs", "logs.us-east-1.amazonaws.com"),
}

REGIONAL_DNS = re.compile(
    r"^(vpce-[0-9a-f]{17})-([a-z0-9]{8})\.(.+)\.us-east-1\.vpce\.amazonaws\.com$"
)


def svc(name: str, region: str = REGION) -> str:
    return f"com.amazonaws.{region}.{name}"


# ---------------------------------------------------------------------------
# Fixtures and helpers
# ---------------------------------------------------------------------------
@pytest.fixture
def net(ec2):
    """A private network as the ECS guides build it: VPC 10.0.0.0/16 with DNS
    hostnames on, private subnets in us-east-1a/b (+ a spare in 1c and a second
    one in 1a), a route table associated with a and b, an endpoint SG allowing
    TCP 443 from the VPC CIDR."""
    c = ec2()
    vpc_id = new_vpc(c, "10.0.0.0/16")
    enable_dns_hostnames(c, vpc_id)
    s1 = new_subnet(c, vpc_id, "10.0.1.0/24", "us-east-1a")
    s2 = new_subnet(c, vpc_id, "10.0.2.0/24", "us-east-1b")
    s3 = new_subnet(c, vpc_id, "10.0.3.0/24", "us-east-1c")
    s1b = new_subnet(c, vpc_id, "10.0.4.0/24", "us-east-1a")
    rtb = c.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    c.associate_route_table(RouteTableId=rtb, SubnetId=s1)
    c.associate_route_table(RouteTableId=rtb, SubnetId=s2)
    sg = c.create_security_group(
        GroupName="vpce-ecs", Description="ECS endpoints", VpcId=vpc_id
    )["GroupId"]
    c.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
            "IpRanges": [{"CidrIp": "10.0.0.0/16"}],
        }],
    )
    main_rtb = c.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                 {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"][0]["RouteTableId"]
    return SimpleNamespace(
        c=c, vpc=vpc_id, s1=s1, s2=s2, s3=s3, s1b=s1b, rtb=rtb, main_rtb=main_rtb, sg=sg,
        default_sg=default_sg(c, vpc_id)["GroupId"],
        cidr={s1: "10.0.1.0/24", s2: "10.0.2.0/24", s3: "10.0.3.0/24", s1b: "10.0.4.0/24"},
        az={s1: "us-east-1a", s2: "us-east-1b", s3: "us-east-1c", s1b: "us-east-1a"},
    )


def other_vpc(c, cidr: str = "10.9.0.0/16") -> SimpleNamespace:
    vpc_id = new_vpc(c, cidr)
    subnet = new_subnet(c, vpc_id, cidr.replace("0.0/16", "1.0/24"), "us-east-1a")
    sg = c.create_security_group(GroupName="other", Description="other", VpcId=vpc_id)["GroupId"]
    rtb = c.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    return SimpleNamespace(vpc=vpc_id, subnet=subnet, sg=sg, rtb=rtb)


def interface(net, service: str, subnets=None, **kwargs) -> dict:
    params = {
        "VpcId": net.vpc,
        "ServiceName": svc(service),
        "VpcEndpointType": "Interface",
        "SubnetIds": [net.s1, net.s2] if subnets is None else subnets,
    }
    params.update(kwargs)
    return net.c.create_vpc_endpoint(**params)["VpcEndpoint"]


def gateway(net, service: str = "s3", rtbs=None, **kwargs) -> dict:
    params = {
        "VpcId": net.vpc,
        "ServiceName": svc(service),
        "VpcEndpointType": "Gateway",
        "RouteTableIds": [net.rtb] if rtbs is None else rtbs,
    }
    params.update(kwargs)
    return net.c.create_vpc_endpoint(**params)["VpcEndpoint"]


def describe_one(c, vpce_id: str) -> dict:
    eps = c.describe_vpc_endpoints(VpcEndpointIds=[vpce_id])["VpcEndpoints"]
    assert [e["VpcEndpointId"] for e in eps] == [vpce_id]
    return eps[0]


def all_endpoints(c) -> list[dict]:
    return c.describe_vpc_endpoints()["VpcEndpoints"]


def prefix_list_routes(c, rtb_id: str) -> list[dict]:
    rt = c.describe_route_tables(RouteTableIds=[rtb_id])["RouteTables"][0]
    return [r for r in rt["Routes"] if r.get("DestinationPrefixListId")]


def assert_nothing_created(net) -> None:
    """No endpoint, no endpoint ENI, no prefix-list route, no IP taken."""
    c = net.c
    assert all_endpoints(c) == []
    assert vpc_enis(c, net.vpc) == []
    for rtb in (net.rtb, net.main_rtb):
        assert prefix_list_routes(c, rtb) == []
    for subnet in (net.s1, net.s2, net.s3, net.s1b):
        assert available_ips(c, subnet) == 251


def expected_dns(vpce_id: str, suffix: str, label: str, azs: list[str],
                 private_name: str | None) -> list[tuple[str, str | None]]:
    names = [(f"{vpce_id}-{suffix}.{label}.us-east-1.vpce.amazonaws.com", VPCE_ZONE)]
    names += [
        (f"{vpce_id}-{suffix}-{az}.{label}.us-east-1.vpce.amazonaws.com", VPCE_ZONE)
        for az in azs
    ]
    if private_name:
        names.append((private_name, None))
    return names


def assert_dns_entries(ep: dict, label: str, azs: list[str], private_name: str | None) -> str:
    """Pins DnsEntries exactly (order included); returns the 8-char suffix."""
    entries = ep["DnsEntries"]
    assert entries, ep
    m = REGIONAL_DNS.match(entries[0]["DnsName"])
    assert m, entries[0]
    assert m.group(1) == ep["VpcEndpointId"]
    assert m.group(3) == label
    suffix = m.group(2)
    want = expected_dns(ep["VpcEndpointId"], suffix, label, azs, private_name)
    assert [e["DnsName"] for e in entries] == [n for n, _ in want], entries
    for entry, (_, zone) in zip(entries, want):
        if zone is None:
            assert PRIVATE_ZONE.match(entry["HostedZoneId"]), entry
        else:
            assert entry["HostedZoneId"] == zone, entry
    return suffix


def assert_enis(c, ep: dict, subnets: list[str], net, groups: list[str]) -> list[dict]:
    """One requester-managed vpc_endpoint ENI per subnet, in subnet order."""
    eni_ids = ep["NetworkInterfaceIds"]
    assert len(eni_ids) == len(subnets), ep
    assert all(ENI_ID.match(e) for e in eni_ids), eni_ids
    enis = {e["NetworkInterfaceId"]: e for e in c.describe_network_interfaces(
        NetworkInterfaceIds=eni_ids)["NetworkInterfaces"]}
    assert set(enis) == set(eni_ids)
    by_subnet = {}
    for eni_id in eni_ids:
        eni = enis[eni_id]
        assert eni["InterfaceType"] == "vpc_endpoint", eni
        assert eni["RequesterManaged"] is True, eni
        assert eni["Status"] == "in-use", eni
        assert eni["Description"] == f"VPC Endpoint Interface {ep['VpcEndpointId']}", eni
        assert eni["VpcId"] == ep["VpcId"], eni
        assert sorted(g["GroupId"] for g in eni["Groups"]) == sorted(groups), eni
        subnet = eni["SubnetId"]
        assert subnet in subnets, eni
        assert subnet not in by_subnet, "two ENIs in one subnet"
        by_subnet[subnet] = eni
        assert eni["AvailabilityZone"] == net.az[subnet], eni
        ip = ipaddress.ip_address(eni["PrivateIpAddress"])
        network = ipaddress.ip_network(net.cidr[subnet])
        assert ip in network, (ip, network)
        # first four and the last address of a subnet are reserved
        hosts = list(network)
        assert ip not in hosts[:4] and ip != hosts[-1], ip
    assert set(by_subnet) == set(subnets)
    return [enis[e] for e in eni_ids]


def assert_interface_common(ep: dict, net, service: str, subnets: list[str],
                            groups: list[tuple[str, str]]) -> None:
    assert VPCE_ID.match(ep["VpcEndpointId"]), ep["VpcEndpointId"]
    assert ep["VpcEndpointType"] == "Interface"
    assert ep["VpcId"] == net.vpc
    assert ep["ServiceName"] == svc(service)
    assert ep["RouteTableIds"] == []
    assert ep["SubnetIds"] == subnets
    assert sorted((g["GroupId"], g["GroupName"]) for g in ep["Groups"]) == sorted(groups)
    assert ep["IpAddressType"] == "ipv4"
    assert ep["DnsOptions"]["DnsRecordIpType"] == "ipv4"
    assert ep["RequesterManaged"] is False
    assert ep["OwnerId"] == DEFAULT_ACCOUNT
    assert ep["ServiceRegion"] == REGION
    created = ep["CreationTimestamp"]
    assert isinstance(created, dt.datetime) and created.tzinfo is not None
    assert abs((dt.datetime.now(dt.timezone.utc) - created).total_seconds()) < 300, created


# ---------------------------------------------------------------------------
# The ECS private-subnet walk
# ---------------------------------------------------------------------------
def test_ecs_private_subnet_walk(net):
    c = net.c
    subnets = [net.s1, net.s2]
    created = {}
    for service, (label, private_name) in ECS_SERVICES.items():
        ep = interface(
            net, service, SecurityGroupIds=[net.sg], PrivateDnsEnabled=True,
            TagSpecifications=[{"ResourceType": "vpc-endpoint",
                                "Tags": [{"Key": "Name", "Value": f"ecs-{service}"}]}],
        )
        assert ep["State"] == "pending", (service, ep["State"])
        assert_interface_common(ep, net, service, subnets, [(net.sg, "vpce-ecs")])
        assert ep["PrivateDnsEnabled"] is True
        assert ep["PolicyDocument"] == INTERFACE_POLICY
        assert tags_dict(ep["Tags"]) == {"Name": f"ecs-{service}"}
        assert_dns_entries(ep, label, ["us-east-1a", "us-east-1b"], private_name)
        created[service] = ep

    ids = [ep["VpcEndpointId"] for ep in created.values()]
    assert len(set(ids)) == len(ids)

    s3 = gateway(net, "s3")
    assert VPCE_ID.match(s3["VpcEndpointId"])
    assert s3["State"] == "available"
    assert s3["VpcEndpointType"] == "Gateway"
    assert s3["ServiceName"] == "com.amazonaws.us-east-1.s3"
    assert s3["VpcId"] == net.vpc
    assert s3["RouteTableIds"] == [net.rtb]
    assert s3["DnsEntries"] == []
    assert s3["SubnetIds"] == []
    assert s3["NetworkInterfaceIds"] == []
    assert s3["Groups"] == []
    assert s3["PolicyDocument"] == GATEWAY_POLICY
    assert s3["OwnerId"] == DEFAULT_ACCOUNT
    assert s3["RequesterManaged"] is False
    assert s3.get("PrivateDnsEnabled", False) is False

    # --- described back: everything available, same fields ---------------------
    described = {e["VpcEndpointId"]: e for e in c.describe_vpc_endpoints(
        Filters=[{"Name": "vpc-id", "Values": [net.vpc]}])["VpcEndpoints"]}
    assert set(described) == set(ids) | {s3["VpcEndpointId"]}
    all_eni_ips = []
    for service, ep in created.items():
        label, private_name = ECS_SERVICES[service]
        d = described[ep["VpcEndpointId"]]
        assert d["State"] == "available", (service, d["State"])
        assert_interface_common(d, net, service, subnets, [(net.sg, "vpce-ecs")])
        assert d["PrivateDnsEnabled"] is True
        assert d["PolicyDocument"] == INTERFACE_POLICY
        assert d["NetworkInterfaceIds"] == ep["NetworkInterfaceIds"]
        assert d["DnsEntries"] == ep["DnsEntries"]
        assert d["CreationTimestamp"] == ep["CreationTimestamp"]
        assert tags_dict(d["Tags"]) == {"Name": f"ecs-{service}"}
        enis = assert_enis(c, d, subnets, net, [net.sg])
        all_eni_ips += [(e["SubnetId"], e["PrivateIpAddress"]) for e in enis]
    # no two ENIs share an address
    assert len(set(all_eni_ips)) == len(all_eni_ips) == 12

    d = described[s3["VpcEndpointId"]]
    assert d["State"] == "available"
    assert d["RouteTableIds"] == [net.rtb]
    assert d["PolicyDocument"] == GATEWAY_POLICY
    assert d["DnsEntries"] == [] and d["SubnetIds"] == [] and d["NetworkInterfaceIds"] == []

    # --- the S3 route on the private route table, not on the main one -------------
    routes = prefix_list_routes(c, net.rtb)
    assert len(routes) == 1, routes
    route = routes[0]
    assert route["DestinationPrefixListId"] == S3_PL
    assert route["GatewayId"] == s3["VpcEndpointId"]
    assert route["Origin"] == "CreateRoute"
    assert route["State"] == "active"
    assert prefix_list_routes(c, net.main_rtb) == []

    # --- six ENIs per private subnet, one address each -------------------------
    assert available_ips(c, net.s1) == 251 - 6
    assert available_ips(c, net.s2) == 251 - 6
    assert available_ips(c, net.s3) == 251
    enis = vpc_enis(c, net.vpc)
    assert len(enis) == 12
    assert {e["SubnetId"] for e in enis} == {net.s1, net.s2}


def test_interface_endpoint_defaults_to_vpc_default_security_group(net):
    ep = interface(net, "ecr.api")
    assert ep["Groups"] == [{"GroupId": net.default_sg, "GroupName": "default"}]
    # PrivateDnsEnabled omitted: on, since the VPC has DNS support and hostnames
    assert ep["PrivateDnsEnabled"] is True
    assert_dns_entries(ep, "api.ecr", ["us-east-1a", "us-east-1b"],
                       "api.ecr.us-east-1.amazonaws.com")
    assert_enis(net.c, describe_one(net.c, ep["VpcEndpointId"]), [net.s1, net.s2], net,
                [net.default_sg])
    eni = net.c.describe_network_interfaces(
        NetworkInterfaceIds=ep["NetworkInterfaceIds"][:1])["NetworkInterfaces"][0]
    assert eni["Groups"] == [{"GroupId": net.default_sg, "GroupName": "default"}]


def test_private_dns_omitted_without_dns_hostnames_is_off(ec2):
    c = ec2()
    vpc_id = new_vpc(c, "10.3.0.0/16")  # enableDnsHostnames false by default
    subnet = new_subnet(c, vpc_id, "10.3.1.0/24", "us-east-1a")
    ep = c.create_vpc_endpoint(VpcId=vpc_id, ServiceName=svc("ecs"),
                               VpcEndpointType="Interface", SubnetIds=[subnet])["VpcEndpoint"]
    assert ep["PrivateDnsEnabled"] is False
    names = [e["DnsName"] for e in ep["DnsEntries"]]
    assert len(names) == 2, names
    assert "ecs.us-east-1.amazonaws.com" not in names
    assert all(e["HostedZoneId"] == VPCE_ZONE for e in ep["DnsEntries"])


def test_single_subnet_interface_endpoint(net):
    ep = interface(net, "logs", subnets=[net.s3])
    assert ep["SubnetIds"] == [net.s3]
    assert_dns_entries(ep, "logs", ["us-east-1c"], "logs.us-east-1.amazonaws.com")
    assert_enis(net.c, ep, [net.s3], net, [net.default_sg])
    assert available_ips(net.c, net.s3) == 250
    assert available_ips(net.c, net.s1) == 251


# ---------------------------------------------------------------------------
# CreateVpcEndpoint rules
# ---------------------------------------------------------------------------
def test_gateway_type_for_interface_only_service(net):
    with raises_code("InvalidParameter"):
        gateway(net, "ecs")
    assert_nothing_created(net)


def test_interface_type_for_gateway_only_service(net):
    # s3express is Gateway only; DynamoDB takes both types, as S3 does.
    with raises_code("InvalidParameter"):
        interface(net, "s3express")
    assert_nothing_created(net)


def test_omitted_type_means_gateway(net):
    ep = net.c.create_vpc_endpoint(VpcId=net.vpc, ServiceName=svc("s3"),
                                   RouteTableIds=[net.rtb])["VpcEndpoint"]
    assert ep["VpcEndpointType"] == "Gateway"
    assert ep["State"] == "available"
    assert [r["GatewayId"] for r in prefix_list_routes(net.c, net.rtb)] == [ep["VpcEndpointId"]]
    # and an interface-only service without a type is refused like Gateway
    with raises_code("InvalidParameter"):
        net.c.create_vpc_endpoint(VpcId=net.vpc, ServiceName=svc("ecs"))
    assert len(all_endpoints(net.c)) == 1


@pytest.mark.parametrize("name", [
    "com.amazonaws.us-west-2.ecs",  # another Region, no ServiceRegion
    "com.amazonaws.us-east-1.no-such-service",
    "com.amazonaws.us-east-1.ECS",
    "ecs",
])
def test_invalid_service_name(net, name):
    with raises_code("InvalidServiceName") as ei:
        net.c.create_vpc_endpoint(VpcId=net.vpc, ServiceName=name,
                                  VpcEndpointType="Interface", SubnetIds=[net.s1])
    assert name in err_message(ei)
    assert_nothing_created(net)


def test_cross_region_interface_endpoint(net):
    ep = net.c.create_vpc_endpoint(
        VpcId=net.vpc, ServiceName="com.amazonaws.us-west-2.ecs", ServiceRegion="us-west-2",
        VpcEndpointType="Interface", SubnetIds=[net.s1, net.s2],
    )["VpcEndpoint"]
    assert ep["ServiceRegion"] == "us-west-2"
    assert ep["ServiceName"] == "com.amazonaws.us-west-2.ecs"
    assert ep["State"] == "pending"
    assert ep["DnsEntries"], ep
    zonal = re.compile(r"-(us-east-1|us-west-2)[a-f]\.")
    assert not [e for e in ep["DnsEntries"] if zonal.search(e["DnsName"])], ep["DnsEntries"]
    assert ep["DnsEntries"][0]["DnsName"].startswith(ep["VpcEndpointId"] + "-")
    d = describe_one(net.c, ep["VpcEndpointId"])
    assert d["ServiceRegion"] == "us-west-2"
    assert d["State"] == "available"
    found = net.c.describe_vpc_endpoints(
        Filters=[{"Name": "service-region", "Values": ["us-west-2"]}])["VpcEndpoints"]
    assert [e["VpcEndpointId"] for e in found] == [ep["VpcEndpointId"]]


def test_cross_region_for_service_without_cross_region_support(net):
    with raises_code("InvalidParameter"):
        net.c.create_vpc_endpoint(
            VpcId=net.vpc, ServiceName="com.amazonaws.us-west-2.ssm", ServiceRegion="us-west-2",
            VpcEndpointType="Interface", SubnetIds=[net.s1],
        )
    assert_nothing_created(net)


def test_two_subnets_in_one_zone(net):
    with raises_code("DuplicateSubnetsInSameZone") as ei:
        interface(net, "ecs", subnets=[net.s1, net.s1b])
    assert "availability zone" in err_message(ei)
    assert_nothing_created(net)


@pytest.mark.parametrize("bad", ["bogus", "subnet-0123456789ABCDEF0", "subnet_0123456789abcdef0"])
def test_malformed_subnet_id(net, bad):
    with raises_code("InvalidSubnetId.Malformed") as ei:
        interface(net, "ecs", subnets=[net.s1, bad])
    assert bad in err_message(ei)
    assert_nothing_created(net)


def test_unknown_subnet(net):
    with raises_code("InvalidSubnetId.NotFound") as ei:
        interface(net, "ecs", subnets=[net.s1, UNKNOWN_SUBNET])
    assert UNKNOWN_SUBNET in err_message(ei)
    assert_nothing_created(net)


def test_subnet_of_another_vpc(net):
    other = other_vpc(net.c)
    with raises_code("InvalidParameter"):
        interface(net, "ecs", subnets=[other.subnet])
    assert_nothing_created(net)
    assert vpc_enis(net.c, other.vpc) == []
    assert available_ips(net.c, other.subnet) == 251


def test_unknown_security_group(net):
    with raises_code("InvalidGroup.NotFound") as ei:
        interface(net, "ecs", SecurityGroupIds=[net.sg, UNKNOWN_SG])
    assert UNKNOWN_SG in err_message(ei)
    assert_nothing_created(net)


def test_security_group_of_another_vpc(net):
    other = other_vpc(net.c)
    with raises_code("InvalidParameter"):
        interface(net, "ecs", SecurityGroupIds=[other.sg])
    assert_nothing_created(net)


def test_unknown_route_table(net):
    with raises_code("InvalidRouteTableId.NotFound") as ei:
        gateway(net, "s3", rtbs=[net.rtb, UNKNOWN_RTB])
    assert UNKNOWN_RTB in err_message(ei)
    assert_nothing_created(net)


@pytest.mark.parametrize("bad", ["rtb-XYZ", "bogus"])
def test_malformed_route_table(net, bad):
    with raises_code("InvalidRouteTableId.Malformed"):
        gateway(net, "s3", rtbs=[bad])
    assert_nothing_created(net)


def test_unknown_vpc(net):
    with raises_code("InvalidVpcId.NotFound") as ei:
        net.c.create_vpc_endpoint(VpcId=UNKNOWN_VPC, ServiceName=svc("s3"),
                                  VpcEndpointType="Gateway")
    assert UNKNOWN_VPC in err_message(ei)
    with raises_code("InvalidVpcId.NotFound"):
        net.c.create_vpc_endpoint(VpcId=UNKNOWN_VPC, ServiceName=svc("ecs"),
                                  VpcEndpointType="Interface", SubnetIds=[net.s1])
    assert_nothing_created(net)


def test_subnets_on_gateway_endpoint(net):
    with raises_code("InvalidParameter"):
        gateway(net, "s3", SubnetIds=[net.s1])
    assert_nothing_created(net)


def test_route_tables_on_interface_endpoint(net):
    with raises_code("InvalidParameter"):
        interface(net, "ecs", RouteTableIds=[net.rtb])
    assert_nothing_created(net)


def test_private_dns_true_without_dns_hostnames(ec2):
    c = ec2()
    vpc_id = new_vpc(c, "10.4.0.0/16")
    subnet = new_subnet(c, vpc_id, "10.4.1.0/24", "us-east-1a")
    with raises_code("InvalidParameter"):
        c.create_vpc_endpoint(VpcId=vpc_id, ServiceName=svc("ecs"), VpcEndpointType="Interface",
                              SubnetIds=[subnet], PrivateDnsEnabled=True)
    assert all_endpoints(c) == []
    assert vpc_enis(c, vpc_id) == []
    assert available_ips(c, subnet) == 251
    # with hostnames on, the same request succeeds
    enable_dns_hostnames(c, vpc_id)
    ep = c.create_vpc_endpoint(VpcId=vpc_id, ServiceName=svc("ecs"),
                               VpcEndpointType="Interface", SubnetIds=[subnet],
                               PrivateDnsEnabled=True)["VpcEndpoint"]
    assert ep["PrivateDnsEnabled"] is True
    assert ep["DnsEntries"][-1]["DnsName"] == "ecs.us-east-1.amazonaws.com"


def test_private_dns_conflict_in_same_vpc(net):
    first = interface(net, "ecs", PrivateDnsEnabled=True)
    with raises_code("InvalidParameter") as ei:
        interface(net, "ecs", subnets=[net.s3], PrivateDnsEnabled=True)
    assert "conflicting DNS domain" in err_message(ei)
    assert [e["VpcEndpointId"] for e in all_endpoints(net.c)] == [first["VpcEndpointId"]]
    assert available_ips(net.c, net.s3) == 251
    assert len(vpc_enis(net.c, net.vpc)) == 2
    # without private DNS a second endpoint to the same service is fine
    second = interface(net, "ecs", subnets=[net.s3], PrivateDnsEnabled=False)
    assert second["PrivateDnsEnabled"] is False
    assert "ecs.us-east-1.amazonaws.com" not in [e["DnsName"] for e in second["DnsEntries"]]
    # and another VPC may claim the name for itself
    other = other_vpc(net.c)
    enable_dns_hostnames(net.c, other.vpc)
    third = net.c.create_vpc_endpoint(
        VpcId=other.vpc, ServiceName=svc("ecs"), VpcEndpointType="Interface",
        SubnetIds=[other.subnet], PrivateDnsEnabled=True)["VpcEndpoint"]
    assert third["DnsEntries"][-1]["DnsName"] == "ecs.us-east-1.amazonaws.com"


def test_second_s3_gateway_on_same_route_table(net):
    first = gateway(net, "s3")
    with raises_code("RouteAlreadyExists"):
        gateway(net, "s3")
    assert [e["VpcEndpointId"] for e in all_endpoints(net.c)] == [first["VpcEndpointId"]]
    assert len(prefix_list_routes(net.c, net.rtb)) == 1
    # the same service on another route table, and dynamodb on the same one, are fine
    gateway(net, "s3", rtbs=[net.main_rtb])
    gateway(net, "dynamodb")
    assert sorted(r["DestinationPrefixListId"] for r in prefix_list_routes(net.c, net.rtb)) == \
        sorted([S3_PL, DDB_PL])


@pytest.mark.parametrize("policy", ["not json", "[1, 2]", '"a string"', "{", ""])
def test_policy_document_not_a_json_object(net, policy):
    with raises_code("InvalidPolicyDocument"):
        interface(net, "logs", PolicyDocument=policy)
    assert_nothing_created(net)


def test_policy_document_not_supported_for_ecs(net):
    with raises_code("InvalidParameter"):
        interface(net, "ecs", PolicyDocument=GATEWAY_POLICY)
    assert_nothing_created(net)


def test_policy_document_stored_verbatim(net):
    ep = interface(net, "logs", PolicyDocument=CUSTOM_POLICY)
    assert ep["PolicyDocument"] == CUSTOM_POLICY
    assert describe_one(net.c, ep["VpcEndpointId"])["PolicyDocument"] == CUSTOM_POLICY
    s3_policy = '{ "Statement": [ { "Effect": "Deny", "Principal": "*", "Action": "s3:*",' \
                ' "Resource": "*" } ] }'
    gw = gateway(net, "s3", PolicyDocument=s3_policy)
    assert gw["PolicyDocument"] == s3_policy
    assert describe_one(net.c, gw["VpcEndpointId"])["PolicyDocument"] == s3_policy


def test_client_token_idempotency(net):
    first = net.c.create_vpc_endpoint(
        VpcId=net.vpc, ServiceName=svc("ecs"), VpcEndpointType="Interface",
        SubnetIds=[net.s1, net.s2], SecurityGroupIds=[net.sg], ClientToken="ecs-token-1")
    assert first["ClientToken"] == "ecs-token-1"
    again = net.c.create_vpc_endpoint(
        VpcId=net.vpc, ServiceName=svc("ecs"), VpcEndpointType="Interface",
        SubnetIds=[net.s1, net.s2], SecurityGroupIds=[net.sg], ClientToken="ecs-token-1")
    assert again["ClientToken"] == "ecs-token-1"
    vpce_id = first["VpcEndpoint"]["VpcEndpointId"]
    assert again["VpcEndpoint"]["VpcEndpointId"] == vpce_id
    assert again["VpcEndpoint"]["NetworkInterfaceIds"] == first["VpcEndpoint"]["NetworkInterfaceIds"]
    assert [e["VpcEndpointId"] for e in all_endpoints(net.c)] == [vpce_id]
    assert len(vpc_enis(net.c, net.vpc)) == 2

    with raises_code("IdempotentParameterMismatch"):
        net.c.create_vpc_endpoint(
            VpcId=net.vpc, ServiceName=svc("ecs"), VpcEndpointType="Interface",
            SubnetIds=[net.s1], SecurityGroupIds=[net.sg], ClientToken="ecs-token-1")
    with raises_code("IdempotentParameterMismatch"):
        net.c.create_vpc_endpoint(
            VpcId=net.vpc, ServiceName=svc("logs"), VpcEndpointType="Interface",
            SubnetIds=[net.s1, net.s2], SecurityGroupIds=[net.sg], ClientToken="ecs-token-1")
    assert [e["VpcEndpointId"] for e in all_endpoints(net.c)] == [vpce_id]
    assert len(vpc_enis(net.c, net.vpc)) == 2


def test_dry_run(net):
    with raises_code("DryRunOperation", status=412):
        interface(net, "ecs", SecurityGroupIds=[net.sg], DryRun=True)
    with raises_code("DryRunOperation", status=412):
        gateway(net, "s3", DryRun=True)
    assert_nothing_created(net)


def test_dry_run_modify_and_delete(net):
    ep = interface(net, "ecs")
    vpce_id = ep["VpcEndpointId"]
    with raises_code("DryRunOperation", status=412):
        net.c.modify_vpc_endpoint(VpcEndpointId=vpce_id, AddSubnetIds=[net.s3], DryRun=True)
    with raises_code("DryRunOperation", status=412):
        net.c.delete_vpc_endpoints(VpcEndpointIds=[vpce_id], DryRun=True)
    d = describe_one(net.c, vpce_id)
    assert d["State"] == "available"
    assert d["SubnetIds"] == [net.s1, net.s2]
    assert available_ips(net.c, net.s3) == 251


def test_delete_subnet_holding_endpoint_eni(net):
    ep = interface(net, "ecs", subnets=[net.s3])
    with raises_code("DependencyViolation"):
        net.c.delete_subnet(SubnetId=net.s3)
    assert net.c.describe_subnets(SubnetIds=[net.s3])["Subnets"]
    net.c.delete_vpc_endpoints(VpcEndpointIds=[ep["VpcEndpointId"]])
    net.c.delete_subnet(SubnetId=net.s3)  # immediate pace: ENI already gone


def test_delete_security_group_used_by_endpoint(net):
    ep = interface(net, "ecs", SecurityGroupIds=[net.sg])
    with raises_code("DependencyViolation"):
        net.c.delete_security_group(GroupId=net.sg)
    assert net.c.describe_security_groups(GroupIds=[net.sg])["SecurityGroups"]
    net.c.delete_vpc_endpoints(VpcEndpointIds=[ep["VpcEndpointId"]])
    net.c.delete_security_group(GroupId=net.sg)


@pytest.mark.parametrize("kind", ["Gateway", "Interface"])
def test_delete_vpc_with_endpoint(ec2, kind):
    c = ec2()
    vpc_id = new_vpc(c, "10.5.0.0/16")
    if kind == "Gateway":
        # no subnet, no custom SG: only the endpoint can hold the VPC
        ep = c.create_vpc_endpoint(VpcId=vpc_id, ServiceName=svc("s3"),
                                   VpcEndpointType="Gateway")["VpcEndpoint"]
        subnet = None
    else:
        subnet = new_subnet(c, vpc_id, "10.5.1.0/24", "us-east-1a")
        ep = c.create_vpc_endpoint(VpcId=vpc_id, ServiceName=svc("ecs"),
                                   VpcEndpointType="Interface", SubnetIds=[subnet])["VpcEndpoint"]
    with raises_code("DependencyViolation"):
        c.delete_vpc(VpcId=vpc_id)
    assert c.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    assert c.delete_vpc_endpoints(VpcEndpointIds=[ep["VpcEndpointId"]])["Unsuccessful"] == []
    if subnet:
        c.delete_subnet(SubnetId=subnet)
    c.delete_vpc(VpcId=vpc_id)
    with raises_code("InvalidVpcID.NotFound"):
        c.describe_vpcs(VpcIds=[vpc_id])


# ---------------------------------------------------------------------------
# Pacing (default server: --pace immediate)
# ---------------------------------------------------------------------------
def test_interface_endpoint_becomes_available_when_polled(net):
    start = time.monotonic()
    ep = interface(net, "ecs", SecurityGroupIds=[net.sg])
    assert ep["State"] == "pending"
    polls = 0
    state = ep["State"]
    while state != "available" and time.monotonic() - start < 10:
        polls += 1
        state = describe_one(net.c, ep["VpcEndpointId"])["State"]
        assert state in ("pending", "available"), state
    elapsed = time.monotonic() - start
    assert state == "available"
    assert elapsed < 1.0, elapsed
    assert 1 <= polls <= 3, polls


def test_delete_completes_by_next_request(net):
    ep = interface(net, "ecs")
    gw = gateway(net, "s3")
    resp = net.c.delete_vpc_endpoints(VpcEndpointIds=[ep["VpcEndpointId"], gw["VpcEndpointId"]])
    assert resp["Unsuccessful"] == []
    for vpce_id in (ep["VpcEndpointId"], gw["VpcEndpointId"]):
        with raises_code("InvalidVpcEndpointId.NotFound"):
            net.c.describe_vpc_endpoints(VpcEndpointIds=[vpce_id])
    assert all_endpoints(net.c) == []
    assert vpc_enis(net.c, net.vpc) == []
    assert prefix_list_routes(net.c, net.rtb) == []
    assert available_ips(net.c, net.s1) == 251
    assert available_ips(net.c, net.s2) == 251
    for eni_id in ep["NetworkInterfaceIds"]:
        with raises_code("InvalidNetworkInterfaceID.NotFound"):
            net.c.describe_network_interfaces(NetworkInterfaceIds=[eni_id])


# ---------------------------------------------------------------------------
# Pacing: a second emulator with --pace manual
# ---------------------------------------------------------------------------
class ManualWorld:
    def __init__(self, endpoint: str, client_for):
        self.endpoint = endpoint
        self.c = client_for(endpoint, "ec2")

    def advance(self, seconds: float) -> None:
        resp = requests.post(f"{self.endpoint}/_awsemu/clock", json={"seconds": seconds},
                             timeout=30)
        assert resp.status_code == 200, (resp.status_code, resp.text)

    def events(self, resource_id: str) -> list[dict]:
        resp = requests.get(f"{self.endpoint}/_awsemu/events", timeout=30)
        assert resp.status_code == 200, resp.text
        return [e for e in resp.json()["events"] if e.get("resourceId") == resource_id]


@pytest.fixture
def manual(manual_endpoint, client_for):
    resp = requests.post(f"{manual_endpoint}/_awsemu/reset", timeout=30)
    assert resp.status_code == 200, resp.text
    health = requests.get(f"{manual_endpoint}/_awsemu/health", timeout=30).json()
    assert health["pace"] == "manual", health
    world = ManualWorld(manual_endpoint, client_for)
    c = world.c
    world.vpc = new_vpc(c, "10.0.0.0/16")
    enable_dns_hostnames(c, world.vpc)
    world.s1 = new_subnet(c, world.vpc, "10.0.1.0/24", "us-east-1a")
    world.s2 = new_subnet(c, world.vpc, "10.0.2.0/24", "us-east-1b")
    world.rtb = c.create_route_table(VpcId=world.vpc)["RouteTable"]["RouteTableId"]
    return world


def test_manual_pace_interface_endpoint_waits_for_the_clock(manual):
    c = manual.c
    # the clock has not moved: the VPC itself is still pending, which blocks nothing
    assert c.describe_vpcs(VpcIds=[manual.vpc])["Vpcs"][0]["State"] == "pending"
    ep = c.create_vpc_endpoint(VpcId=manual.vpc, ServiceName=svc("ecs"),
                               VpcEndpointType="Interface",
                               SubnetIds=[manual.s1, manual.s2])["VpcEndpoint"]
    vpce_id = ep["VpcEndpointId"]
    assert ep["State"] == "pending"
    for _ in range(3):
        assert describe_one(c, vpce_id)["State"] == "pending"
    time.sleep(0.3)
    assert describe_one(c, vpce_id)["State"] == "pending"
    pending = c.describe_vpc_endpoints(
        Filters=[{"Name": "vpc-endpoint-state", "Values": ["pending"]}])["VpcEndpoints"]
    assert [e["VpcEndpointId"] for e in pending] == [vpce_id]
    assert c.describe_vpc_endpoints(
        Filters=[{"Name": "vpc-endpoint-state", "Values": ["available"]}])["VpcEndpoints"] == []
    # ENIs exist while pending
    assert len(vpc_enis(c, manual.vpc)) == 2

    manual.advance(1)
    assert describe_one(c, vpce_id)["State"] == "pending"
    assert c.describe_vpcs(VpcIds=[manual.vpc])["Vpcs"][0]["State"] == "available"
    manual.advance(1)
    assert describe_one(c, vpce_id)["State"] == "available"

    events = manual.events(vpce_id)
    assert [(e["action"], e.get("state")) for e in events] == [
        ("created", "pending"), ("state-changed", "available")]
    t0 = dt.datetime.fromisoformat(events[0]["time"].replace("Z", "+00:00"))
    t1 = dt.datetime.fromisoformat(events[1]["time"].replace("Z", "+00:00"))
    assert (t1 - t0).total_seconds() >= 2.0, (t0, t1)


def test_manual_pace_gateway_endpoint_is_available_at_once(manual):
    c = manual.c
    ep = c.create_vpc_endpoint(VpcId=manual.vpc, ServiceName=svc("s3"),
                               VpcEndpointType="Gateway",
                               RouteTableIds=[manual.rtb])["VpcEndpoint"]
    assert ep["State"] == "available"
    assert describe_one(c, ep["VpcEndpointId"])["State"] == "available"
    assert [r["GatewayId"] for r in prefix_list_routes(c, manual.rtb)] == [ep["VpcEndpointId"]]


def test_manual_pace_delete_walk(manual):
    c = manual.c
    ep = c.create_vpc_endpoint(VpcId=manual.vpc, ServiceName=svc("ecr.dkr"),
                               VpcEndpointType="Interface",
                               SubnetIds=[manual.s1, manual.s2])["VpcEndpoint"]
    vpce_id = ep["VpcEndpointId"]
    manual.advance(2)
    assert describe_one(c, vpce_id)["State"] == "available"
    assert available_ips(c, manual.s1) == 250

    assert c.delete_vpc_endpoints(VpcEndpointIds=[vpce_id])["Unsuccessful"] == []
    assert describe_one(c, vpce_id)["State"] == "deleting"
    time.sleep(0.2)
    assert describe_one(c, vpce_id)["State"] == "deleting"
    deleting = c.describe_vpc_endpoints(
        Filters=[{"Name": "vpc-endpoint-state", "Values": ["deleting"]}])["VpcEndpoints"]
    assert [e["VpcEndpointId"] for e in deleting] == [vpce_id]
    # the ENIs are still there while deleting
    assert sorted(e["NetworkInterfaceId"] for e in vpc_enis(c, manual.vpc)) == \
        sorted(ep["NetworkInterfaceIds"])

    manual.advance(1)  # 1 s of the 1.5 s: still deleting, ENIs still there
    assert describe_one(c, vpce_id)["State"] == "deleting"
    assert len(vpc_enis(c, manual.vpc)) == 2
    manual.advance(1)
    assert describe_one(c, vpce_id)["State"] == "deleted"
    assert vpc_enis(c, manual.vpc) == []
    for eni_id in ep["NetworkInterfaceIds"]:
        with raises_code("InvalidNetworkInterfaceID.NotFound"):
            c.describe_network_interfaces(NetworkInterfaceIds=[eni_id])
    assert available_ips(c, manual.s1) == 251
    assert available_ips(c, manual.s2) == 251
    deleted = c.describe_vpc_endpoints(
        Filters=[{"Name": "vpc-endpoint-state", "Values": ["deleted"]}])["VpcEndpoints"]
    assert [e["VpcEndpointId"] for e in deleted] == [vpce_id]

    manual.advance(4)  # 4.5 s after "deleted": still listed
    assert describe_one(c, vpce_id)["State"] == "deleted"
    manual.advance(1)
    with raises_code("InvalidVpcEndpointId.NotFound"):
        c.describe_vpc_endpoints(VpcEndpointIds=[vpce_id])
    assert c.describe_vpc_endpoints()["VpcEndpoints"] == []

    events = manual.events(vpce_id)
    assert [(e["action"], e.get("state")) for e in events[:4]] == [
        ("created", "pending"), ("state-changed", "available"),
        ("state-changed", "deleting"), ("state-changed", "deleted")]
    assert [e["action"] for e in events[4:]] == ["removed"]


def test_manual_pace_gateway_delete_removes_route_at_deleted(manual):
    c = manual.c
    ep = c.create_vpc_endpoint(VpcId=manual.vpc, ServiceName=svc("s3"),
                               VpcEndpointType="Gateway",
                               RouteTableIds=[manual.rtb])["VpcEndpoint"]
    vpce_id = ep["VpcEndpointId"]
    assert c.delete_vpc_endpoints(VpcEndpointIds=[vpce_id])["Unsuccessful"] == []
    assert describe_one(c, vpce_id)["State"] == "deleting"
    manual.advance(2)
    assert describe_one(c, vpce_id)["State"] == "deleted"
    assert prefix_list_routes(c, manual.rtb) == []
    manual.advance(5)
    with raises_code("InvalidVpcEndpointId.NotFound"):
        c.describe_vpc_endpoints(VpcEndpointIds=[vpce_id])


# ---------------------------------------------------------------------------
# ModifyVpcEndpoint
# ---------------------------------------------------------------------------
def test_modify_add_and_remove_subnet(net):
    c = net.c
    ep = interface(net, "ecs", subnets=[net.s1], SecurityGroupIds=[net.sg])
    vpce_id = ep["VpcEndpointId"]
    suffix = assert_dns_entries(ep, "ecs", ["us-east-1a"], "ecs.us-east-1.amazonaws.com")

    assert c.modify_vpc_endpoint(VpcEndpointId=vpce_id, AddSubnetIds=[net.s3])["Return"] is True
    d = describe_one(c, vpce_id)
    assert d["SubnetIds"] == [net.s1, net.s3]
    assert len(d["NetworkInterfaceIds"]) == 2
    assert d["NetworkInterfaceIds"][0] == ep["NetworkInterfaceIds"][0]
    assert assert_dns_entries(d, "ecs", ["us-east-1a", "us-east-1c"],
                              "ecs.us-east-1.amazonaws.com") == suffix
    assert_enis(c, d, [net.s1, net.s3], net, [net.sg])
    assert available_ips(c, net.s3) == 250

    assert c.modify_vpc_endpoint(VpcEndpointId=vpce_id, RemoveSubnetIds=[net.s1])["Return"] is True
    d = describe_one(c, vpce_id)
    assert d["SubnetIds"] == [net.s3]
    assert assert_dns_entries(d, "ecs", ["us-east-1c"], "ecs.us-east-1.amazonaws.com") == suffix
    assert_enis(c, d, [net.s3], net, [net.sg])
    assert available_ips(c, net.s1) == 251
    with raises_code("InvalidNetworkInterfaceID.NotFound"):
        c.describe_network_interfaces(NetworkInterfaceIds=[ep["NetworkInterfaceIds"][0]])
    assert [e["SubnetId"] for e in vpc_enis(c, net.vpc)] == [net.s3]


def test_modify_add_subnet_in_used_zone(net):
    c = net.c
    ep = interface(net, "ecs")
    with raises_code("DuplicateSubnetsInSameZone"):
        c.modify_vpc_endpoint(VpcEndpointId=ep["VpcEndpointId"], AddSubnetIds=[net.s1b])
    d = describe_one(c, ep["VpcEndpointId"])
    assert d["SubnetIds"] == [net.s1, net.s2]
    assert d["DnsEntries"] == ep["DnsEntries"]
    assert available_ips(c, net.s1b) == 251
    assert len(vpc_enis(c, net.vpc)) == 2


def test_modify_security_groups(net):
    c = net.c
    ep = interface(net, "ecr.dkr", SecurityGroupIds=[net.sg])
    vpce_id = ep["VpcEndpointId"]
    assert c.modify_vpc_endpoint(VpcEndpointId=vpce_id,
                                 AddSecurityGroupIds=[net.default_sg])["Return"] is True
    d = describe_one(c, vpce_id)
    assert sorted((g["GroupId"], g["GroupName"]) for g in d["Groups"]) == sorted(
        [(net.sg, "vpce-ecs"), (net.default_sg, "default")])
    assert_enis(c, d, [net.s1, net.s2], net, [net.sg, net.default_sg])

    assert c.modify_vpc_endpoint(VpcEndpointId=vpce_id,
                                 RemoveSecurityGroupIds=[net.sg])["Return"] is True
    d = describe_one(c, vpce_id)
    assert d["Groups"] == [{"GroupId": net.default_sg, "GroupName": "default"}]
    assert_enis(c, d, [net.s1, net.s2], net, [net.default_sg])
    # the removed group is free again
    c.delete_security_group(GroupId=net.sg)


def test_modify_policy_and_reset(net):
    c = net.c
    ep = interface(net, "logs")
    vpce_id = ep["VpcEndpointId"]
    assert c.modify_vpc_endpoint(VpcEndpointId=vpce_id,
                                 PolicyDocument=CUSTOM_POLICY)["Return"] is True
    assert describe_one(c, vpce_id)["PolicyDocument"] == CUSTOM_POLICY

    with raises_code("InvalidParameterCombination"):
        c.modify_vpc_endpoint(VpcEndpointId=vpce_id, ResetPolicy=True,
                              PolicyDocument=GATEWAY_POLICY)
    assert describe_one(c, vpce_id)["PolicyDocument"] == CUSTOM_POLICY

    assert c.modify_vpc_endpoint(VpcEndpointId=vpce_id, ResetPolicy=True)["Return"] is True
    assert describe_one(c, vpce_id)["PolicyDocument"] == INTERFACE_POLICY

    gw = gateway(net, "s3", PolicyDocument=CUSTOM_POLICY)
    assert c.modify_vpc_endpoint(VpcEndpointId=gw["VpcEndpointId"],
                                 ResetPolicy=True)["Return"] is True
    assert describe_one(c, gw["VpcEndpointId"])["PolicyDocument"] == GATEWAY_POLICY


def test_modify_private_dns(net):
    c = net.c
    ep = interface(net, "ecs-agent", PrivateDnsEnabled=True)
    vpce_id = ep["VpcEndpointId"]
    suffix = assert_dns_entries(ep, "ecs-agent", ["us-east-1a", "us-east-1b"],
                                "ecs-a.us-east-1.amazonaws.com")
    assert c.modify_vpc_endpoint(VpcEndpointId=vpce_id, PrivateDnsEnabled=False)["Return"] is True
    d = describe_one(c, vpce_id)
    assert d["PrivateDnsEnabled"] is False
    assert assert_dns_entries(d, "ecs-agent", ["us-east-1a", "us-east-1b"], None) == suffix

    assert c.modify_vpc_endpoint(VpcEndpointId=vpce_id, PrivateDnsEnabled=True)["Return"] is True
    d = describe_one(c, vpce_id)
    assert d["PrivateDnsEnabled"] is True
    assert assert_dns_entries(d, "ecs-agent", ["us-east-1a", "us-east-1b"],
                              "ecs-a.us-east-1.amazonaws.com") == suffix


def test_modify_gateway_route_tables(net):
    c = net.c
    gw = gateway(net, "dynamodb")
    vpce_id = gw["VpcEndpointId"]
    assert c.modify_vpc_endpoint(VpcEndpointId=vpce_id,
                                 AddRouteTableIds=[net.main_rtb])["Return"] is True
    d = describe_one(c, vpce_id)
    assert sorted(d["RouteTableIds"]) == sorted([net.rtb, net.main_rtb])
    for rtb in (net.rtb, net.main_rtb):
        routes = prefix_list_routes(c, rtb)
        assert [(r["DestinationPrefixListId"], r["GatewayId"], r["Origin"], r["State"])
                for r in routes] == [(DDB_PL, vpce_id, "CreateRoute", "active")]

    assert c.modify_vpc_endpoint(VpcEndpointId=vpce_id,
                                 RemoveRouteTableIds=[net.rtb])["Return"] is True
    assert describe_one(c, vpce_id)["RouteTableIds"] == [net.main_rtb]
    assert prefix_list_routes(c, net.rtb) == []
    assert len(prefix_list_routes(c, net.main_rtb)) == 1


def test_modify_subnets_on_gateway_endpoint(net):
    gw = gateway(net, "s3")
    with raises_code("InvalidParameter"):
        net.c.modify_vpc_endpoint(VpcEndpointId=gw["VpcEndpointId"], AddSubnetIds=[net.s1])
    d = describe_one(net.c, gw["VpcEndpointId"])
    assert d["SubnetIds"] == [] and d["NetworkInterfaceIds"] == []
    assert vpc_enis(net.c, net.vpc) == []


def test_modify_route_tables_on_interface_endpoint(net):
    ep = interface(net, "ecs")
    with raises_code("InvalidParameter"):
        net.c.modify_vpc_endpoint(VpcEndpointId=ep["VpcEndpointId"], AddRouteTableIds=[net.rtb])
    assert describe_one(net.c, ep["VpcEndpointId"])["RouteTableIds"] == []
    assert prefix_list_routes(net.c, net.rtb) == []


def test_modify_unknown_endpoint(net):
    with raises_code("InvalidVpcEndpointId.NotFound") as ei:
        net.c.modify_vpc_endpoint(VpcEndpointId=UNKNOWN_VPCE, AddSecurityGroupIds=[net.sg])
    assert UNKNOWN_VPCE in err_message(ei)


# ---------------------------------------------------------------------------
# DeleteVpcEndpoints
# ---------------------------------------------------------------------------
def test_delete_unknown_endpoint_is_an_unsuccessful_item(ec2):
    resp = ec2().delete_vpc_endpoints(VpcEndpointIds=[UNKNOWN_VPCE])
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    items = resp["Unsuccessful"]
    assert len(items) == 1
    assert items[0]["ResourceId"] == UNKNOWN_VPCE
    assert items[0]["Error"]["Code"] == "InvalidVpcEndpoint.NotFound"
    assert UNKNOWN_VPCE in items[0]["Error"]["Message"]


def test_delete_mixed_known_and_unknown(net):
    ep = interface(net, "ecs")
    gw = gateway(net, "s3")
    resp = net.c.delete_vpc_endpoints(
        VpcEndpointIds=[ep["VpcEndpointId"], UNKNOWN_VPCE, gw["VpcEndpointId"]])
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert [(u["ResourceId"], u["Error"]["Code"]) for u in resp["Unsuccessful"]] == [
        (UNKNOWN_VPCE, "InvalidVpcEndpoint.NotFound")]
    assert all_endpoints(net.c) == []
    assert vpc_enis(net.c, net.vpc) == []
    assert prefix_list_routes(net.c, net.rtb) == []


@pytest.mark.parametrize("bad", ["vpce-XYZ", "bogus", "vpc-0123456789abcdef0"])
def test_delete_malformed_id_fails_whole_call(net, bad):
    ep = interface(net, "ecs")
    with raises_code("InvalidVpcEndpointId.Malformed") as ei:
        net.c.delete_vpc_endpoints(VpcEndpointIds=[ep["VpcEndpointId"], bad])
    assert bad in err_message(ei)
    assert describe_one(net.c, ep["VpcEndpointId"])["State"] == "available"
    assert len(vpc_enis(net.c, net.vpc)) == 2


# ---------------------------------------------------------------------------
# DescribeVpcEndpoints: filters, paging, errors
# ---------------------------------------------------------------------------
@pytest.fixture
def many(net):
    """Nine endpoints over two VPCs, with tags."""
    c = net.c
    other = other_vpc(c)
    made = {}

    def tagspec(**tags):
        return [{"ResourceType": "vpc-endpoint",
                 "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]

    for i, service in enumerate(["ecs-agent", "ecs-telemetry", "ecs", "ecr.api", "ecr.dkr",
                                 "logs"]):
        made[service] = interface(net, service, TagSpecifications=tagspec(
            team="platform" if i % 2 == 0 else "apps", Name=f"ep-{service}"))["VpcEndpointId"]
    made["s3"] = gateway(net, "s3", TagSpecifications=tagspec(Name="ep-s3"))["VpcEndpointId"]
    made["ddb"] = gateway(net, "dynamodb", rtbs=[net.main_rtb])["VpcEndpointId"]
    made["other-ecs"] = c.create_vpc_endpoint(
        VpcId=other.vpc, ServiceName=svc("ecs"), VpcEndpointType="Interface",
        SubnetIds=[other.subnet])["VpcEndpoint"]["VpcEndpointId"]
    return SimpleNamespace(net=net, other=other, ids=made)


def _ids(c, **kwargs) -> set[str]:
    return {e["VpcEndpointId"] for e in c.describe_vpc_endpoints(**kwargs)["VpcEndpoints"]}


def _f(name: str, *values: str) -> list[dict]:
    return [{"Name": name, "Values": list(values)}]


def test_describe_filters(many):
    c, ids, net = many.net.c, many.ids, many.net
    everything = set(ids.values())
    assert _ids(c) == everything
    interfaces = {ids[s] for s in ("ecs-agent", "ecs-telemetry", "ecs", "ecr.api", "ecr.dkr",
                                   "logs", "other-ecs")}

    assert _ids(c, Filters=_f("service-name", svc("ecs"))) == {ids["ecs"], ids["other-ecs"]}
    assert _ids(c, Filters=_f("service-name", svc("ecr.*"))) == {ids["ecr.api"], ids["ecr.dkr"]}
    assert _ids(c, Filters=_f("service-name", svc("ecs-?????????"))) == {ids["ecs-telemetry"]}
    assert _ids(c, Filters=_f("vpc-id", many.other.vpc)) == {ids["other-ecs"]}
    assert _ids(c, Filters=_f("vpc-id", net.vpc)) == everything - {ids["other-ecs"]}
    assert _ids(c, Filters=_f("vpc-endpoint-id", ids["logs"], ids["s3"])) == {ids["logs"], ids["s3"]}
    assert _ids(c, Filters=_f("vpc-endpoint-state", "available")) == everything
    assert _ids(c, Filters=_f("vpc-endpoint-state", "pending")) == set()
    assert _ids(c, Filters=_f("vpc-endpoint-type", "Gateway")) == {ids["s3"], ids["ddb"]}
    assert _ids(c, Filters=_f("vpc-endpoint-type", "Interface")) == interfaces
    assert _ids(c, Filters=_f("ip-address-type", "ipv4")) == interfaces
    assert _ids(c, Filters=_f("ip-address-type", "dualstack")) == set()
    assert _ids(c, Filters=_f("service-region", "us-east-1")) == everything
    assert _ids(c, Filters=_f("service-region", "us-west-2")) == set()
    assert _ids(c, Filters=_f("tag:team", "platform")) == {
        ids["ecs-agent"], ids["ecs"], ids["ecr.dkr"]}
    assert _ids(c, Filters=_f("tag:team", "platform", "apps")) == {
        ids[s] for s in ("ecs-agent", "ecs-telemetry", "ecs", "ecr.api", "ecr.dkr", "logs")}
    assert _ids(c, Filters=_f("tag:Name", "ep-ecs*")) == {
        ids["ecs-agent"], ids["ecs-telemetry"], ids["ecs"]}
    assert _ids(c, Filters=_f("tag:Name", "ep-s?")) == {ids["s3"]}
    assert _ids(c, Filters=_f("tag-key", "Name")) == everything - {ids["ddb"], ids["other-ecs"]}
    assert _ids(c, Filters=_f("tag-key", "nope")) == set()
    # filters AND, values OR; ids intersect with filters
    assert _ids(c, Filters=_f("vpc-endpoint-type", "Interface") + _f("tag:team", "apps")) == {
        ids["ecs-telemetry"], ids["ecr.api"], ids["logs"]}
    assert _ids(c, VpcEndpointIds=[ids["ecs"], ids["s3"]],
                Filters=_f("vpc-endpoint-type", "Gateway")) == {ids["s3"]}


def test_describe_unknown_filter(many):
    with raises_code("InvalidParameterValue") as ei:
        many.net.c.describe_vpc_endpoints(Filters=_f("no-such-filter", "x"))
    assert "no-such-filter" in err_message(ei)


def test_describe_paging(many):
    c = many.net.c
    pages = list(c.get_paginator("describe_vpc_endpoints").paginate(
        PaginationConfig={"PageSize": 5}))
    sizes = [len(p["VpcEndpoints"]) for p in pages]
    assert sizes == [5, 4], sizes
    assert "NextToken" in pages[0] and pages[0]["NextToken"]
    assert "NextToken" not in pages[-1]
    seen = [e["VpcEndpointId"] for p in pages for e in p["VpcEndpoints"]]
    assert len(seen) == len(set(seen))
    assert set(seen) == set(many.ids.values())

    # by hand, with a filter
    first = c.describe_vpc_endpoints(MaxResults=5, Filters=_f("vpc-endpoint-type", "Interface"))
    assert len(first["VpcEndpoints"]) == 5
    rest = c.describe_vpc_endpoints(MaxResults=5, NextToken=first["NextToken"],
                                    Filters=_f("vpc-endpoint-type", "Interface"))
    assert len(rest["VpcEndpoints"]) == 2
    assert "NextToken" not in rest
    got = {e["VpcEndpointId"] for e in first["VpcEndpoints"] + rest["VpcEndpoints"]}
    assert got == _ids(c, Filters=_f("vpc-endpoint-type", "Interface"))


def test_describe_unknown_and_malformed_ids(many):
    c = many.net.c
    with raises_code("InvalidVpcEndpointId.NotFound") as ei:
        c.describe_vpc_endpoints(VpcEndpointIds=[many.ids["ecs"], UNKNOWN_VPCE])
    assert UNKNOWN_VPCE in err_message(ei)
    with raises_code("InvalidVpcEndpointId.Malformed") as ei:
        c.describe_vpc_endpoints(VpcEndpointIds=["vpce-NOPE"])
    assert "vpce-NOPE" in err_message(ei)


def test_endpoints_are_per_account_and_region(net, ec2):
    interface(net, "ecs")
    assert ec2(account="111111111111").describe_vpc_endpoints()["VpcEndpoints"] == []
    assert ec2(region="us-west-2").describe_vpc_endpoints()["VpcEndpoints"] == []


# ---------------------------------------------------------------------------
# DescribeVpcEndpointServices
# ---------------------------------------------------------------------------
CATALOGUE_INTERFACE = {
    # suffix: (base label, private names, policy supported, ip types)
    "ecs": ("ecs", ["ecs.us-east-1.amazonaws.com"], False, ["ipv4"]),
    "ecs-agent": ("ecs-agent", ["ecs-a.us-east-1.amazonaws.com"], False, ["ipv4"]),
    "ecs-telemetry": ("ecs-telemetry", ["ecs-t.us-east-1.amazonaws.com"], False, ["ipv4"]),
    "ecr.api": ("api.ecr", ["api.ecr.us-east-1.amazonaws.com"], True, ["ipv4"]),
    "ecr.dkr": ("dkr.ecr", ["*.dkr.ecr.us-east-1.amazonaws.com"], True, ["ipv4"]),
    "logs": ("logs", ["logs.us-east-1.amazonaws.com"], True, ["ipv6", "ipv4"]),
    "sts": ("sts", ["sts.us-east-1.amazonaws.com"], True, ["ipv4"]),
    "ssm": ("ssm", ["ssm.us-east-1.amazonaws.com"], True, ["ipv4"]),
    "secretsmanager": ("secretsmanager", ["secretsmanager.us-east-1.amazonaws.com"], True,
                       ["ipv4"]),
}
CATALOGUE_NAMES = [
    "ecs", "ecs-agent", "ecs-telemetry", "ecr.api", "ecr.dkr", "logs", "s3", "dynamodb", "sts",
    "ssm", "ssmmessages", "ec2messages", "secretsmanager", "kms", "sqs", "sns",
    "elasticloadbalancing", "monitoring",
]


def _all_service_details(c, **kwargs) -> list[dict]:
    details = []
    for page in c.get_paginator("describe_vpc_endpoint_services").paginate(**kwargs):
        details += page["ServiceDetails"]
    return details


def _details_by_key(details) -> dict[tuple[str, str], dict]:
    out = {}
    for d in details:
        types = [t["ServiceType"] for t in d["ServiceType"]]
        assert len(types) == 1, d
        key = (d["ServiceName"], types[0])
        assert key not in out, key
        out[key] = d
    return out


def assert_common_service_detail(d: dict) -> None:
    assert VPCE_SVC_ID.match(d["ServiceId"]), d
    assert d["ServiceRegion"] == REGION
    assert d["AvailabilityZones"] == US_EAST_1_AZS
    assert len(d["AvailabilityZoneIds"]) == 6
    assert all(re.match(r"^use1-az[1-6]$", z) for z in d["AvailabilityZoneIds"]), d
    assert len(set(d["AvailabilityZoneIds"])) == 6
    assert d["Owner"] == "amazon"
    assert d["AcceptanceRequired"] is False
    assert d["ManagesVpcEndpoints"] is False
    assert d["Tags"] == []


def test_describe_vpc_endpoint_services_catalogue(ec2):
    c = ec2()
    resp = c.describe_vpc_endpoint_services()
    details = resp["ServiceDetails"]
    assert resp["ServiceNames"] == [d["ServiceName"] for d in details]
    by_key = _details_by_key(details)
    names = {n for n, _ in by_key}
    for short in CATALOGUE_NAMES:
        assert svc(short) in names, short

    for short, (label, private, policy, ip_types) in CATALOGUE_INTERFACE.items():
        d = by_key[(svc(short), "Interface")]
        assert_common_service_detail(d)
        assert d["BaseEndpointDnsNames"] == [f"{label}.us-east-1.vpce.amazonaws.com"], d
        assert d["PrivateDnsName"] == private[0], d
        assert [p["PrivateDnsName"] for p in d["PrivateDnsNames"]] == private, d
        assert d["PrivateDnsNameVerificationState"] == "verified"
        assert d["VpcEndpointPolicySupported"] is policy, short
        assert d["SupportedIpAddressTypes"] == ip_types, short
        assert (svc(short), "Gateway") not in by_key

    for short in ("ssmmessages", "ec2messages", "kms", "sqs", "sns", "elasticloadbalancing",
                  "monitoring"):
        d = by_key[(svc(short), "Interface")]
        assert_common_service_detail(d)
        assert d["BaseEndpointDnsNames"] == [f"{short}.us-east-1.vpce.amazonaws.com"], d
        assert d["VpcEndpointPolicySupported"] is True, short
        if short != "monitoring":
            assert d["SupportedIpAddressTypes"] == ["ipv4"], short
        assert d["PrivateDnsName"] in [p["PrivateDnsName"] for p in d["PrivateDnsNames"]], d
        assert d["PrivateDnsNameVerificationState"] == "verified", d

    monitoring = by_key[(svc("monitoring"), "Interface")]
    assert monitoring["SupportedIpAddressTypes"] == ["ipv6", "ipv4"]
    assert monitoring["VpcEndpointPolicySupported"] is True

    s3_if = by_key[(svc("s3"), "Interface")]
    assert_common_service_detail(s3_if)
    assert s3_if["BaseEndpointDnsNames"] == ["s3.us-east-1.vpce.amazonaws.com"]
    assert s3_if["SupportedIpAddressTypes"] == ["ipv6", "ipv4"]
    assert s3_if["VpcEndpointPolicySupported"] is True

    for short in ("s3", "dynamodb"):
        gw = by_key[(svc(short), "Gateway")]
        assert_common_service_detail(gw)
        assert gw["BaseEndpointDnsNames"] == [f"{short}.us-east-1.amazonaws.com"]
        assert "PrivateDnsName" not in gw
        assert gw.get("PrivateDnsNames", []) == []
        assert "PrivateDnsNameVerificationState" not in gw
        assert gw["VpcEndpointPolicySupported"] is True
        assert gw["SupportedIpAddressTypes"] == ["ipv4"]
    assert (svc("dynamodb"), "Interface") in by_key
    assert (svc("s3express"), "Interface") not in by_key
    assert s3_if["ServiceId"] != by_key[(svc("s3"), "Gateway")]["ServiceId"]

    ids = [d["ServiceId"] for d in details]
    assert len(ids) == len(set(ids))


def test_service_ids_are_stable(ec2, awsemu_endpoint):
    c = ec2()
    before = {k: d["ServiceId"] for k, d in _details_by_key(_all_service_details(c)).items()}
    again = {k: d["ServiceId"] for k, d in _details_by_key(_all_service_details(c)).items()}
    assert before == again
    resp = requests.post(f"{awsemu_endpoint}/_awsemu/reset", timeout=30)
    assert resp.status_code == 200
    after = {k: d["ServiceId"] for k, d in _details_by_key(_all_service_details(c)).items()}
    assert before == after


def test_describe_vpc_endpoint_services_by_name(ec2):
    c = ec2()
    resp = c.describe_vpc_endpoint_services(ServiceNames=[svc("ecs")])
    assert resp["ServiceNames"] == [svc("ecs")]
    assert [d["ServiceName"] for d in resp["ServiceDetails"]] == [svc("ecs")]
    resp = c.describe_vpc_endpoint_services(ServiceNames=[svc("s3")])
    assert resp["ServiceNames"] == [svc("s3"), svc("s3")]
    assert sorted(t["ServiceType"] for d in resp["ServiceDetails"] for t in d["ServiceType"]) == [
        "Gateway", "Interface"]
    with raises_code("InvalidServiceName") as ei:
        c.describe_vpc_endpoint_services(ServiceNames=[svc("ecs"), svc("no-such-thing")])
    assert svc("no-such-thing") in err_message(ei)


def test_describe_vpc_endpoint_services_filters(ec2):
    c = ec2()
    everything = _details_by_key(_all_service_details(c))

    def keys(filters):
        return set(_details_by_key(_all_service_details(c, Filters=filters)))

    assert keys(_f("service-type", "Gateway")) == {(svc("s3"), "Gateway"),
                                                   (svc("dynamodb"), "Gateway"),
                                                   (svc("s3express"), "Gateway")}
    assert keys(_f("service-type", "Interface")) == {k for k in everything if k[1] == "Interface"}
    assert keys(_f("service-name", svc("ecs"), svc("logs"))) == {
        (svc("ecs"), "Interface"), (svc("logs"), "Interface")}
    assert keys(_f("service-name", svc("ecs*"))) == {
        (svc("ecs"), "Interface"), (svc("ecs-agent"), "Interface"),
        (svc("ecs-fips"), "Interface"), (svc("ecs-telemetry"), "Interface")}
    assert keys(_f("owner", "amazon")) == set(everything)
    assert keys(_f("owner", DEFAULT_ACCOUNT)) == set()
    assert keys(_f("service-region", "us-east-1")) == set(everything)
    assert keys(_f("service-region", "eu-west-1")) == set()
    ipv6 = keys(_f("supported-ip-address-types", "ipv6"))
    assert {(svc("logs"), "Interface"), (svc("monitoring"), "Interface"),
            (svc("s3"), "Interface")} <= ipv6
    assert (svc("ecs"), "Interface") not in ipv6
    assert (svc("s3"), "Gateway") not in ipv6
    assert ipv6 == {k for k, d in everything.items() if "ipv6" in d["SupportedIpAddressTypes"]}
    assert keys(_f("service-type", "Gateway") + _f("service-name", svc("s3"))) == {
        (svc("s3"), "Gateway")}


def test_describe_vpc_endpoint_services_paging(ec2):
    c = ec2()
    full = c.describe_vpc_endpoint_services()
    assert "NextToken" not in full
    pages = list(c.get_paginator("describe_vpc_endpoint_services").paginate(
        PaginationConfig={"PageSize": 5}))
    assert len(pages) >= 4
    for p in pages:
        assert p["ServiceNames"] == [d["ServiceName"] for d in p["ServiceDetails"]]
    assert all(len(p["ServiceDetails"]) == 5 for p in pages[:-1])
    assert 1 <= len(pages[-1]["ServiceDetails"]) <= 5
    assert "NextToken" not in pages[-1]
    paged = [d["ServiceId"] for p in pages for d in p["ServiceDetails"]]
    assert paged == [d["ServiceId"] for d in full["ServiceDetails"]]


def test_service_details_match_created_endpoints(net):
    """The endpoint's DNS names derive from the catalogue's base names."""
    c = net.c
    for short, (label, private_name) in ECS_SERVICES.items():
        d = c.describe_vpc_endpoint_services(ServiceNames=[svc(short)])["ServiceDetails"][0]
        assert d["BaseEndpointDnsNames"] == [f"{label}.us-east-1.vpce.amazonaws.com"]
        assert d["PrivateDnsName"] == private_name


# ---------------------------------------------------------------------------
# DescribePrefixLists
# ---------------------------------------------------------------------------
def test_describe_prefix_lists(ec2):
    c = ec2()
    lists = {p["PrefixListId"]: p for p in c.describe_prefix_lists()["PrefixLists"]}
    assert lists[S3_PL]["PrefixListName"] == "com.amazonaws.us-east-1.s3"
    assert lists[DDB_PL]["PrefixListName"] == "com.amazonaws.us-east-1.dynamodb"
    for pl in (S3_PL, DDB_PL):
        assert lists[pl]["Cidrs"], lists[pl]
        for cidr in lists[pl]["Cidrs"]:
            net = ipaddress.ip_network(cidr)
            assert net.version == 4 and str(net) == cidr, cidr

    by_name = c.describe_prefix_lists(
        Filters=_f("prefix-list-name", "com.amazonaws.us-east-1.dynamodb"))["PrefixLists"]
    assert [p["PrefixListId"] for p in by_name] == [DDB_PL]
    by_id = c.describe_prefix_lists(PrefixListIds=[S3_PL])["PrefixLists"]
    assert [p["PrefixListName"] for p in by_id] == ["com.amazonaws.us-east-1.s3"]
    with raises_code("InvalidPrefixListId.NotFound") as ei:
        c.describe_prefix_lists(PrefixListIds=["pl-00000000"])
    assert "pl-00000000" in err_message(ei)


# ---------------------------------------------------------------------------
# The event log
# ---------------------------------------------------------------------------
def _events(endpoint: str, resource_id: str) -> list[dict]:
    resp = requests.get(f"{endpoint}/_awsemu/events", timeout=30)
    assert resp.status_code == 200, resp.text
    events = resp.json()["events"]
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    return [e for e in events if e.get("resourceId") == resource_id]


def test_events_for_interface_endpoint_lifecycle(net, awsemu_endpoint):
    ep = interface(net, "ecs")
    vpce_id = ep["VpcEndpointId"]
    assert describe_one(net.c, vpce_id)["State"] == "available"
    events = _events(awsemu_endpoint, vpce_id)
    assert [(e["action"], e.get("state")) for e in events] == [
        ("created", "pending"), ("state-changed", "available")]
    for e in events:
        assert e["resourceType"] == "vpc-endpoint"
        assert e["service"] == "ec2"
        assert e["region"] == REGION
        assert e["account"] == DEFAULT_ACCOUNT
        assert isinstance(e["seq"], int)
        dt.datetime.fromisoformat(e["time"].replace("Z", "+00:00"))

    net.c.delete_vpc_endpoints(VpcEndpointIds=[vpce_id])
    with raises_code("InvalidVpcEndpointId.NotFound"):
        net.c.describe_vpc_endpoints(VpcEndpointIds=[vpce_id])
    events = _events(awsemu_endpoint, vpce_id)
    assert [(e["action"], e.get("state")) for e in events[:4]] == [
        ("created", "pending"), ("state-changed", "available"),
        ("state-changed", "deleting"), ("state-changed", "deleted")]
    assert [e["action"] for e in events[4:]] == ["removed"]
    assert all(e["resourceType"] == "vpc-endpoint" for e in events)

    since = events[-1]["seq"]
    resp = requests.get(f"{awsemu_endpoint}/_awsemu/events", params={"since": since}, timeout=30)
    assert all(e["seq"] > since for e in resp.json()["events"])


def test_events_for_gateway_endpoint(net, awsemu_endpoint):
    gw = gateway(net, "s3")
    events = _events(awsemu_endpoint, gw["VpcEndpointId"])
    assert events[0]["action"] == "created"
    assert events[-1].get("state") == "available"
    assert all(e.get("state") != "pending" for e in events)
