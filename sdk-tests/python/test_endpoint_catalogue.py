"""The AWS service catalogue of DescribeVpcEndpointServices (issue 16),
checked against its data file emulator/src/services/ec2/data/endpoint-services.tsv:
per-Region counts, a sample of services field by field, an endpoint for every
service of us-east-1, and DescribeRegions / DescribeAvailabilityZones."""
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

DATA = Path(__file__).resolve().parents[2] / "emulator/src/services/ec2/data/endpoint-services.tsv"
ZONES = DATA.with_name("endpoint-service-zones.tsv")
COMMERCIAL = 34


def catalogue() -> list[dict]:
    rows = []
    for line in DATA.read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        name, types, label, dns, flags, regions, _src = line.split("\t")
        rows.append({
            "template": name,
            "types": types.split(","),
            "label": label,
            "dns": [] if dns == "-" else [d.removeprefix("[U]") for d in dns.split(";")],
            "flags": set() if flags == "-" else set(flags.split(",")),
            "regions": None if regions == "*" else regions.split(","),
        })
    return rows


def absent_zones() -> dict[str, set[str]]:
    """Name template -> the zone ids where it takes no endpoint."""
    out = {}
    for line in ZONES.read_text().splitlines():
        if line and not line.startswith("#"):
            name, absent, _src = line.split("\t")
            out[name] = set(absent.split(","))
    return out


def base_dns(row: dict, region: str) -> str:
    domain = "sagemaker.aws" if row["template"].startswith("aws.sagemaker.") else "amazonaws.com"
    return f"{row['label']}.{region}.vpce.{domain}"


def offered(region: str) -> dict[str, dict]:
    """Name in `region` -> row, for the services offered there."""
    return {r["template"].replace("REGION", region): r for r in catalogue()
            if r["regions"] is None or region in r["regions"]}


def all_details(c, **kwargs) -> list[dict]:
    out = []
    for page in c.get_paginator("describe_vpc_endpoint_services").paginate(**kwargs):
        out += page["ServiceDetails"]
    return out


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "ap-southeast-2"])
def test_counts_and_sample_per_region(ec2, region):
    c = ec2(region=region)
    want = offered(region)
    n_if = sum("Interface" in r["types"] for r in want.values())
    n_gw = sum("Gateway" in r["types"] for r in want.values())
    details = c.describe_vpc_endpoint_services()["ServiceDetails"]
    kinds = [d["ServiceType"][0]["ServiceType"] for d in details]
    print(f"{region}: {len(want)} services, {n_if} Interface, {n_gw} Gateway")
    assert kinds.count("Interface") == n_if
    assert kinds.count("Gateway") == n_gw
    assert n_gw == 3 and n_if > 300
    assert {d["ServiceName"] for d in details} == set(want)
    zone_ids = {z["ZoneName"]: z["ZoneId"] for z in c.describe_availability_zones()["AvailabilityZones"]}
    absent = absent_zones()

    by_key = {(d["ServiceName"], d["ServiceType"][0]["ServiceType"]): d for d in details}
    names = sorted(want)
    sample = names[::20] + [n for n in names if n.endswith((".ecr.dkr", ".s3", ".dynamodb",
                                                           ".s3express", ".bedrock-runtime"))]
    for name in sample:
        row = want[name]
        for kind in row["types"]:
            d = by_key[(name, kind)]
            assert d["Owner"] == "amazon" and d["AcceptanceRequired"] is False
            assert d["ManagesVpcEndpoints"] is False
            assert d["ServiceRegion"] == region
            azs = [n for n, i in zone_ids.items() if i not in absent.get(row["template"], ())]
            assert d["AvailabilityZones"] == azs
            assert d["AvailabilityZoneIds"] == [zone_ids[n] for n in azs]
            assert d["ServiceId"].startswith("vpce-svc-")
            if kind == "Gateway":
                suffix = name.split(f".{region}.", 1)[1]
                assert d["BaseEndpointDnsNames"] == [f"{suffix}.{region}.amazonaws.com"]
                assert "PrivateDnsName" not in d
                continue
            assert d["BaseEndpointDnsNames"][-1] == base_dns(row, region)
            private = [p.replace("REGION", region) for p in row["dns"]]
            assert [p["PrivateDnsName"] for p in d["PrivateDnsNames"]] == private, name
            assert d["PrivateDnsName"] == private[0]
            assert d["PrivateDnsNameVerificationState"] == "verified"
            assert d["VpcEndpointPolicySupported"] is ("no-policy" not in row["flags"])
            ipv = ["ipv6", "ipv4"] if "ipv6" in row["flags"] else ["ipv4"]
            assert d["SupportedIpAddressTypes"] == ipv, name

    # The same call twice gives the same ids (stable per Region and name).
    again = c.describe_vpc_endpoint_services(ServiceNames=[sample[0]])["ServiceDetails"]
    assert again[0]["ServiceId"] == by_key[(sample[0], again[0]["ServiceType"][0]["ServiceType"])]["ServiceId"]


def test_filters_and_paging_over_the_whole_catalogue(ec2):
    c = ec2()
    want = offered("us-east-1")
    paged = all_details(c, PaginationConfig={"PageSize": 100})
    assert len({d["ServiceName"] for d in paged}) == len(want)
    gw = c.describe_vpc_endpoint_services(
        Filters=[{"Name": "service-type", "Values": ["Gateway"]}])["ServiceDetails"]
    assert sorted(d["ServiceName"] for d in gw) == [
        "com.amazonaws.us-east-1.dynamodb", "com.amazonaws.us-east-1.s3",
        "com.amazonaws.us-east-1.s3express"]
    bedrock = c.describe_vpc_endpoint_services(
        Filters=[{"Name": "service-name", "Values": ["com.amazonaws.us-east-1.bedrock*"]}])
    assert {n for n in want if n.startswith("com.amazonaws.us-east-1.bedrock")} == \
        set(bedrock["ServiceNames"])
    assert c.describe_vpc_endpoint_services(
        Filters=[{"Name": "owner", "Values": ["123456789012"]}])["ServiceDetails"] == []


def test_services_only_where_offered(ec2):
    rows = [r for r in catalogue() if r["regions"] and "ap-southeast-2" not in r["regions"]
            and "REGION" in r["template"]]
    assert rows, "some service is not in ap-southeast-2"
    c = ec2(region="ap-southeast-2")
    name = rows[0]["template"].replace("REGION", "ap-southeast-2")
    with pytest.raises(ClientError) as e:
        c.describe_vpc_endpoint_services(ServiceNames=[name])
    assert e.value.response["Error"]["Code"] == "InvalidServiceName"
    # FIPS names live in the US (and Canada), not in Europe.
    assert "com.amazonaws.us-east-1.ecs-fips" in offered("us-east-1")
    assert "com.amazonaws.eu-west-1.ecs-fips" not in offered("eu-west-1")
    # Global names: IAM in us-east-1, reachable from other Regions.
    iam = ec2(region="eu-west-1").describe_vpc_endpoint_services(
        ServiceRegions=["us-east-1"],
        Filters=[{"Name": "service-name", "Values": ["com.amazonaws.iam"]}])["ServiceDetails"]
    assert [d["ServiceRegion"] for d in iam] == ["us-east-1"]


def test_every_service_takes_an_endpoint(ec2):
    """Each us-east-1 service accepts an interface endpoint (and a gateway one
    where it has one) and the endpoint carries its private DNS names."""
    c = ec2()
    vpc = c.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    c.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = c.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/20",
                             AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    rtb = c.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    want = offered("us-east-1")
    made = 0
    for name, row in sorted(want.items()):
        if "Interface" in row["types"]:
            ep = c.create_vpc_endpoint(VpcId=vpc, ServiceName=name, VpcEndpointType="Interface",
                                       SubnetIds=[subnet], PrivateDnsEnabled=True)["VpcEndpoint"]
            dns = [e["DnsName"] for e in ep["DnsEntries"]]
            private = [p.replace("REGION", "us-east-1") for p in row["dns"]]
            assert dns[-len(private):] == private, (name, dns)
            assert dns[0].endswith("." + base_dns(row, "us-east-1")), (name, dns)
            made += 1
        if "Gateway" in row["types"]:
            ep = c.create_vpc_endpoint(VpcId=vpc, ServiceName=name, VpcEndpointType="Gateway",
                                       RouteTableIds=[rtb])["VpcEndpoint"]
            assert ep["State"] == "available"
            made += 1
        else:
            with pytest.raises(ClientError) as e:
                c.create_vpc_endpoint(VpcId=vpc, ServiceName=name, VpcEndpointType="Gateway",
                                      RouteTableIds=[rtb])
            assert e.value.response["Error"]["Code"] == "InvalidParameter"
    routes = c.describe_route_tables(RouteTableIds=[rtb])["RouteTables"][0]["Routes"]
    assert len([r for r in routes if "DestinationPrefixListId" in r]) == 3
    assert made == len(want) + 2  # s3 and dynamodb take both types; s3express is Gateway only
    # A subnet in an AZ the service does not offer: another Region's name is refused.
    with pytest.raises(ClientError) as e:
        c.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.eu-west-1.ecs",
                              VpcEndpointType="Interface", SubnetIds=[subnet])
    assert e.value.response["Error"]["Code"] == "InvalidServiceName"


def test_regions_and_zones(ec2):
    c = ec2()
    regions = {r["RegionName"]: r for r in c.describe_regions()["Regions"]}
    assert len(regions) == COMMERCIAL
    assert regions["us-east-1"]["OptInStatus"] == "opt-in-not-required"
    assert regions["af-south-1"]["OptInStatus"] == "opted-in"
    assert regions["mx-central-1"]["Endpoint"] == "ec2.mx-central-1.amazonaws.com"
    zones = c.describe_availability_zones()["AvailabilityZones"]
    assert [(z["ZoneName"], z["ZoneId"]) for z in zones][:2] == [
        ("us-east-1a", "use1-az6"), ("us-east-1b", "use1-az1")]
    il = ec2(region="il-central-1").describe_availability_zones()["AvailabilityZones"]
    assert [z["ZoneId"] for z in il] == ["ilc1-az1", "ilc1-az2", "ilc1-az3"]


def test_services_missing_from_some_zones(ec2):
    """SES takes no endpoint in use1-az2, use1-az3 and use1-az5 (its guide's
    list): those zones are left out of its AvailabilityZones, and a subnet
    there is refused with AWS's message, nothing created."""
    c = ec2()
    name = "com.amazonaws.us-east-1.email-smtp"
    d = c.describe_vpc_endpoint_services(ServiceNames=[name])["ServiceDetails"][0]
    assert d["AvailabilityZoneIds"] == ["use1-az6", "use1-az1", "use1-az4"]
    assert d["AvailabilityZones"] == ["us-east-1a", "us-east-1b", "us-east-1d"]
    vpc = c.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    a = c.create_subnet(VpcId=vpc, CidrBlock="10.1.0.0/24", AvailabilityZone="us-east-1a")
    c3 = c.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24", AvailabilityZoneId="use1-az2")
    a, c3 = a["Subnet"]["SubnetId"], c3["Subnet"]["SubnetId"]
    with pytest.raises(ClientError) as e:
        c.create_vpc_endpoint(VpcId=vpc, ServiceName=name, VpcEndpointType="Interface",
                              SubnetIds=[a, c3])
    assert e.value.response["Error"]["Code"] == "InvalidParameter"
    assert e.value.response["Error"]["Message"] == (
        f"The VPC endpoint service {name} does not support the availability zone of the subnet: {c3}.")
    assert c.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["VpcEndpoints"] == []
    assert c.describe_network_interfaces(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NetworkInterfaces"] == []
    ep = c.create_vpc_endpoint(VpcId=vpc, ServiceName=name, VpcEndpointType="Interface",
                               SubnetIds=[a])["VpcEndpoint"]
    assert ep["SubnetIds"] == [a]
    # ECS is in every zone, use1-az2 included.
    c.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.ecs",
                          VpcEndpointType="Interface", SubnetIds=[a, c3])


def test_cross_region_answers_and_remote_access_zones(ec2):
    """Another Region's service lists no zones, and use1-az3 cannot reach
    another Region's service (AWS's own message)."""
    c = ec2()
    d = c.describe_vpc_endpoint_services(
        ServiceRegions=["us-west-2"],
        Filters=[{"Name": "service-name", "Values": ["com.amazonaws.us-west-2.ecs"]}])["ServiceDetails"]
    assert [(x["ServiceRegion"], x["AvailabilityZones"]) for x in d] == [("us-west-2", [])]
    vpc = c.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    az3 = c.create_subnet(VpcId=vpc, CidrBlock="10.2.0.0/24",
                          AvailabilityZoneId="use1-az3")["Subnet"]["SubnetId"]
    with pytest.raises(ClientError) as e:
        c.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-west-2.ecs",
                              ServiceRegion="us-west-2", VpcEndpointType="Interface",
                              SubnetIds=[az3])
    assert e.value.response["Error"]["Code"] == "InvalidParameter"
    assert e.value.response["Error"]["Message"] == (
        "Only the following availability zones are supported for remote access: "
        "use1-az6, use1-az1, use1-az2, use1-az4, use1-az5")
    # The same zone reaches its own Region's ECS.
    c.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.ecs",
                          VpcEndpointType="Interface", SubnetIds=[az3])
