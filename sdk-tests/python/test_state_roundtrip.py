"""Round trip: build a world through the API, export it with GET /_awsemu/state,
start a new emulator with the export as its scenario, and compare what the
Describe calls say.

What a scenario pins (resource ids, CIDRs, attributes, rules, associations,
states, tags, names, counts) must come back identical. Values AWS generates
and a scenario cannot pin are left out of the comparison and listed in
GENERATED (timestamps, association and rule ids, network interface ids and
addresses, DNS suffixes, the default VPC's ids).

Load balancer ARNs and DNS names, and each VPC's default security group and
main route table ids, are pinned by the export and compared.
"""
import requests

PROVIDER = "111111111111"
CONSUMER = "222222222222"

GENERATED = {
    "AssociationId", "RouteTableAssociationId", "SecurityGroupRuleId", "DhcpOptionsId",
    "NetworkInterfaceIds", "DnsEntries", "CreationTimestamp", "CreatedTime",
    "CreatedAt", "createdAt", "ResponseMetadata",
}


def strip(v):
    """The comparable part of a Describe answer."""
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if k not in GENERATED}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v


def build(ec2p, ec2c, elbv2p):
    vpc = ec2p.create_vpc(CidrBlock="10.7.0.0/16",
                          TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "svc"}]}])["Vpc"]["VpcId"]
    subnets = [ec2p.create_subnet(VpcId=vpc, CidrBlock=f"10.7.{i}.0/24", AvailabilityZone=az)["Subnet"]["SubnetId"]
               for i, az in ((1, "us-east-1a"), (2, "us-east-1b"))]
    sg = ec2p.create_security_group(GroupName="svc", Description="svc", VpcId=vpc)["GroupId"]
    ec2p.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    rtb = ec2p.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    for s in subnets:
        ec2p.associate_route_table(RouteTableId=rtb, SubnetId=s)
    lb = elbv2p.create_load_balancer(Name="rt-nlb", Type="network", Scheme="internal", Subnets=subnets)
    arn = lb["LoadBalancers"][0]["LoadBalancerArn"]
    svc = ec2p.create_vpc_endpoint_service_configuration(NetworkLoadBalancerArns=[arn], AcceptanceRequired=True)
    sid = svc["ServiceConfiguration"]["ServiceId"]
    name = svc["ServiceConfiguration"]["ServiceName"]
    ec2p.modify_vpc_endpoint_service_permissions(ServiceId=sid, AddAllowedPrincipals=[f"arn:aws:iam::{CONSUMER}:root"])
    ec2p.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.s3", RouteTableIds=[rtb])

    cvpc = ec2c.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    csub = ec2c.create_subnet(VpcId=cvpc, CidrBlock="10.8.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    waiting = ec2c.create_vpc_endpoint(VpcId=cvpc, VpcEndpointType="Interface", ServiceName=name, SubnetIds=[csub])
    accepted = ec2c.create_vpc_endpoint(VpcId=cvpc, VpcEndpointType="Interface", ServiceName=name,
                                        SubnetIds=[csub], TagSpecifications=[
                                            {"ResourceType": "vpc-endpoint", "Tags": [{"Key": "k", "Value": "v"}]}])
    ec2p.accept_vpc_endpoint_connections(ServiceId=sid, VpcEndpointIds=[accepted["VpcEndpoint"]["VpcEndpointId"]])
    return vpc, cvpc, waiting["VpcEndpoint"]["VpcEndpointId"]


def snapshot(ec2p, ec2c, elbv2p, vpc, cvpc):
    f = [{"Name": "vpc-id", "Values": [vpc]}]
    cf = [{"Name": "vpc-id", "Values": [cvpc]}]
    return strip({
        "vpcs": ec2p.describe_vpcs(VpcIds=[vpc])["Vpcs"],
        "subnets": ec2p.describe_subnets(Filters=f)["Subnets"],
        "groups": ec2p.describe_security_groups(Filters=f + [{"Name": "group-name", "Values": ["svc"]}])["SecurityGroups"],
        "tables": [t for t in ec2p.describe_route_tables(Filters=f)["RouteTables"]
                   if not any(a.get("Main") for a in t["Associations"])],
        "lbs": elbv2p.describe_load_balancers(Names=["rt-nlb"])["LoadBalancers"],
        "services": ec2p.describe_vpc_endpoint_service_configurations()["ServiceConfigurations"],
        "permissions": [p["Principal"] for s in ec2p.describe_vpc_endpoint_service_configurations()["ServiceConfigurations"]
                        for p in ec2p.describe_vpc_endpoint_service_permissions(ServiceId=s["ServiceId"])["AllowedPrincipals"]],
        "connections": sorted((c["VpcEndpointId"], c["VpcEndpointState"])
                              for c in ec2p.describe_vpc_endpoint_connections()["VpcEndpointConnections"]),
        "provider_endpoints": ec2p.describe_vpc_endpoints(Filters=f)["VpcEndpoints"],
        "consumer_endpoints": ec2c.describe_vpc_endpoints(Filters=cf)["VpcEndpoints"],
    })


def test_export_then_load_gives_the_same_world(awsemu_launcher, client_for, tmp_path):
    first, stop_first = awsemu_launcher()
    ec2p = client_for(first, "ec2", account=PROVIDER)
    ec2c = client_for(first, "ec2", account=CONSUMER)
    elbv2p = client_for(first, "elbv2", account=PROVIDER)
    vpc, cvpc, waiting = build(ec2p, ec2c, elbv2p)
    before = snapshot(ec2p, ec2c, elbv2p, vpc, cvpc)
    exported = requests.get(f"{first}/_awsemu/state", timeout=10)
    assert exported.status_code == 200
    assert exported.headers["Content-Type"].startswith("application/yaml")
    path = tmp_path / "world.yaml"
    path.write_text(exported.text)
    stop_first()

    second, _ = awsemu_launcher("--scenario", str(path))
    ec2p = client_for(second, "ec2", account=PROVIDER)
    ec2c = client_for(second, "ec2", account=CONSUMER)
    elbv2p = client_for(second, "elbv2", account=PROVIDER)
    after = snapshot(ec2p, ec2c, elbv2p, vpc, cvpc)
    assert after == before
    # The states a scenario declares survive too.
    states = {e["VpcEndpointId"]: e["State"] for e in after["consumer_endpoints"]}
    assert states[waiting] == "pendingAcceptance"
    assert sorted(states.values()) == ["available", "pendingAcceptance"]
