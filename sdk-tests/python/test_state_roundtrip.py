"""Round trip: build a world through the API, export it with GET /_awsemu/state,
start a new emulator with the export as its scenario, and compare what the
Describe calls say: the FULL answers, only ``ResponseMetadata`` (request ids)
left out. Everything AWS generated on the side (association and rule ids,
network interfaces and their addresses, DNS suffixes, connection, permission
and notification ids, creation times, task and attachment ids, deployment
ids, service events, the default VPC's ids) is carried by the export and
pinned when it is loaded. Exporting the reloaded world gives the same text.

Once at the default pace (transitions due at once) and once at the manual
pace with the clock advanced between steps, so creation times, task start
and stop times and service events all differ from one another.
"""
import time

import pytest
import requests

PROVIDER = "111111111111"
CONSUMER = "222222222222"
WEST = "us-west-2"
TOPIC = f"arn:aws:sns:us-east-1:{PROVIDER}:rt-events"


def strip(v):
    """A Describe answer without its request id."""
    if isinstance(v, dict):
        return {k: strip(x) for k, x in v.items() if k != "ResponseMetadata"}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v


CERT = "arn:aws:acm:us-east-1:111111111111:certificate/0a1b2c3d-1111-2222-3333-444455556666"


def build(ec2p, ec2c, elbv2p, ecsp, ec2w, tick):
    vpc = ec2p.create_vpc(CidrBlock="10.7.0.0/16",
                          TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "svc"}]}])["Vpc"]["VpcId"]
    subnets = [ec2p.create_subnet(VpcId=vpc, CidrBlock=f"10.7.{i}.0/24", AvailabilityZone=az)["Subnet"]["SubnetId"]
               for i, az in ((1, "us-east-1a"), (2, "us-east-1b"))]
    # A public subnet (the main route table, which gets a route to the
    # internet gateway) for the public NAT gateway.
    public = ec2p.create_subnet(VpcId=vpc, CidrBlock="10.7.0.0/24", AvailabilityZone="us-east-1a")[
        "Subnet"]["SubnetId"]
    sg = ec2p.create_security_group(GroupName="svc", Description="svc", VpcId=vpc)["GroupId"]
    ec2p.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    https = [r for r in ec2p.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [sg]}])[
        "SecurityGroupRules"] if not r["IsEgress"]][0]["SecurityGroupRuleId"]
    ec2p.create_tags(Resources=[https], Tags=[{"Key": "why", "Value": "https"}])
    rtb = ec2p.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    for s in subnets:
        ec2p.associate_route_table(RouteTableId=rtb, SubnetId=s)
    tick()
    dopt = ec2p.create_dhcp_options(DhcpConfigurations=[
        {"Key": "domain-name", "Values": ["svc.example"]},
        {"Key": "domain-name-servers", "Values": ["10.7.0.2", "AmazonProvidedDNS"]}])
    ec2p.associate_dhcp_options(DhcpOptionsId=dopt["DhcpOptions"]["DhcpOptionsId"], VpcId=vpc)
    # Network ACLs: one of its own with a subnet moved to it, and a rule added
    # to the VPC's default ACL.
    acl = ec2p.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    ec2p.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="allow",
                                  Egress=False, CidrBlock="10.0.0.0/8", PortRange={"From": 443, "To": 443})
    acls = ec2p.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                               {"Name": "default", "Values": ["true"]}])["NetworkAcls"][0]
    moving = next(a for a in acls["Associations"] if a["SubnetId"] == subnets[1])
    ec2p.replace_network_acl_association(AssociationId=moving["NetworkAclAssociationId"], NetworkAclId=acl)
    ec2p.create_network_acl_entry(NetworkAclId=acls["NetworkAclId"], RuleNumber=90, Protocol="-1",
                                  RuleAction="deny", Egress=False, CidrBlock="192.0.2.0/24")
    # The public subnet in an allow-all ACL of its own (one subnet per ACL:
    # the order of an ACL's associations is creation order, which a loaded
    # export need not repeat).
    open_acl = ec2p.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    for egress in (False, True):
        ec2p.create_network_acl_entry(NetworkAclId=open_acl, RuleNumber=100, Protocol="-1",
                                      RuleAction="allow", Egress=egress, CidrBlock="0.0.0.0/0")
    public_assoc = next(a for a in acls["Associations"] if a["SubnetId"] == public)
    ec2p.replace_network_acl_association(AssociationId=public_assoc["NetworkAclAssociationId"],
                                         NetworkAclId=open_acl)
    ec2p.modify_vpc_attribute(VpcId=vpc, EnableNetworkAddressUsageMetrics={"Value": True})
    ec2p.modify_subnet_attribute(SubnetId=subnets[0], MapPublicIpOnLaunch={"Value": True})
    ec2p.modify_subnet_attribute(SubnetId=subnets[1], PrivateDnsHostnameTypeOnLaunch="resource-name")
    # The VPC's edge: an internet gateway, an egress-only one, an interface
    # of its own with an Elastic IP, a spare address and a spare gateway.
    igw = ec2p.create_internet_gateway(TagSpecifications=[
        {"ResourceType": "internet-gateway", "Tags": [{"Key": "Name", "Value": "edge"}]}])
    ec2p.attach_internet_gateway(InternetGatewayId=igw["InternetGateway"]["InternetGatewayId"], VpcId=vpc)
    ec2p.create_internet_gateway()
    ec2p.create_egress_only_internet_gateway(VpcId=vpc)
    eni = ec2p.create_network_interface(SubnetId=subnets[0], Description="app", Groups=[sg],
                                        TagSpecifications=[{"ResourceType": "network-interface",
                                                            "Tags": [{"Key": "role", "Value": "app"}]}])
    eni_id = eni["NetworkInterface"]["NetworkInterfaceId"]
    ec2p.assign_private_ip_addresses(NetworkInterfaceId=eni_id, SecondaryPrivateIpAddressCount=2)
    ec2p.modify_network_interface_attribute(NetworkInterfaceId=eni_id, SourceDestCheck={"Value": False})
    eip = ec2p.allocate_address(Domain="vpc")
    ec2p.associate_address(AllocationId=eip["AllocationId"],
                           NetworkInterfaceId=eni["NetworkInterface"]["NetworkInterfaceId"])
    ec2p.allocate_address(Domain="vpc", TagSpecifications=[
        {"ResourceType": "elastic-ip", "Tags": [{"Key": "spare", "Value": "yes"}]}])
    tick()
    # A public and a private NAT gateway, routes to the first and to the
    # internet gateway (one in the main table, one replaced).
    # The public one in the public subnet: the tasks in the private subnets
    # pull through it.
    nat_eip = ec2p.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2p.create_nat_gateway(SubnetId=public, AllocationId=nat_eip)["NatGateway"]["NatGatewayId"]
    ec2p.create_nat_gateway(SubnetId=subnets[1], ConnectivityType="private",
                            TagSpecifications=[{"ResourceType": "natgateway",
                                                "Tags": [{"Key": "kind", "Value": "private"}]}])
    tick()
    ec2p.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2p.create_route(RouteTableId=rtb, DestinationCidrBlock="192.168.0.0/16",
                      GatewayId=igw["InternetGateway"]["InternetGatewayId"])
    ec2p.replace_route(RouteTableId=rtb, DestinationCidrBlock="192.168.0.0/16",
                       NetworkInterfaceId=eni["NetworkInterface"]["NetworkInterfaceId"])
    main = ec2p.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                               {"Name": "association.main", "Values": ["true"]}])
    ec2p.create_route(RouteTableId=main["RouteTables"][0]["RouteTableId"], DestinationCidrBlock="0.0.0.0/0",
                      GatewayId=igw["InternetGateway"]["InternetGatewayId"])
    tick()
    # Instances: one running (a public address, an extra volume, a second
    # interface, an Elastic IP, a route through it) and one stopped.
    image = ec2p.describe_images(Owners=["amazon"], Filters=[
        {"Name": "name", "Values": ["al2023-ami-ecs-hvm-*-x86_64"]}])["Images"][0]["ImageId"]
    web = ec2p.run_instances(
        ImageId=image, InstanceType="m5.large", MinCount=1, MaxCount=1, SubnetId=subnets[0],
        SecurityGroupIds=[sg], KeyName="ops", UserData="#!/bin/bash\necho hi\n",
        IamInstanceProfile={"Name": "ecsInstanceRole"},
        BlockDeviceMappings=[{"DeviceName": "/dev/xvdb", "Ebs": {"VolumeSize": 20, "DeleteOnTermination": False}}],
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]},
                           {"ResourceType": "volume", "Tags": [{"Key": "backup", "Value": "daily"}]}],
    )["Instances"][0]["InstanceId"]
    tick()
    spare = ec2p.create_network_interface(SubnetId=subnets[0])["NetworkInterface"]["NetworkInterfaceId"]
    ec2p.attach_network_interface(NetworkInterfaceId=spare, InstanceId=web, DeviceIndex=1)
    ec2p.associate_address(AllocationId=ec2p.allocate_address(Domain="vpc")["AllocationId"],
                           NetworkInterfaceId=spare)
    db = ec2p.run_instances(ImageId=image, InstanceType="t3.micro", MinCount=1, MaxCount=1, SubnetId=subnets[1],
                            PrivateIpAddress="10.7.2.50", DisableApiTermination=True)["Instances"][0]["InstanceId"]
    tick()
    ec2p.describe_instances()
    ec2p.create_route(RouteTableId=rtb, DestinationCidrBlock="172.16.0.0/12", InstanceId=db)
    ec2p.stop_instances(InstanceIds=[web])
    tick()
    ec2p.describe_instances()
    ec2p.start_instances(InstanceIds=[web])
    tick()
    ec2p.stop_instances(InstanceIds=[db])
    tick()
    lb = elbv2p.create_load_balancer(Name="rt-nlb", Type="network", Scheme="internal", Subnets=subnets)
    arn = lb["LoadBalancers"][0]["LoadBalancerArn"]
    # Target groups with their targets, listeners forwarding to them.
    tg_web = elbv2p.create_target_group(
        Name="rt-web", Protocol="TCP", Port=80, VpcId=vpc, HealthCheckProtocol="HTTP", HealthCheckPath="/health",
        HealthyThresholdCount=3, Tags=[{"Key": "tier", "Value": "web"}])["TargetGroups"][0]["TargetGroupArn"]
    tg_ip = elbv2p.create_target_group(Name="rt-ip", Protocol="TCP", Port=8080, VpcId=vpc,
                                       TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
    elbv2p.create_target_group(Name="rt-spare", Protocol="UDP", Port=53, VpcId=vpc)
    elbv2p.modify_target_group_attributes(TargetGroupArn=tg_ip, Attributes=[
        {"Key": "deregistration_delay.timeout_seconds", "Value": "30"},
        {"Key": "proxy_protocol_v2.enabled", "Value": "true"}])
    elbv2p.create_listener(LoadBalancerArn=arn, Protocol="TCP", Port=80,
                           DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_web}],
                           Tags=[{"Key": "port", "Value": "80"}])
    elbv2p.create_listener(LoadBalancerArn=arn, Protocol="TLS", Port=443, SslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06",
                           Certificates=[{"CertificateArn": CERT}], AlpnPolicy=["HTTP2Preferred"],
                           DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_ip}])
    tls = elbv2p.describe_listeners(LoadBalancerArn=arn)["Listeners"]
    tls = next(x["ListenerArn"] for x in tls if x["Protocol"] == "TLS")
    elbv2p.add_listener_certificates(ListenerArn=tls, Certificates=[{"CertificateArn": CERT.replace("0a1b", "9f9f")}])
    elbv2p.register_targets(TargetGroupArn=tg_web, Targets=[{"Id": web}])
    elbv2p.register_targets(TargetGroupArn=tg_ip, Targets=[
        {"Id": "10.7.1.20"}, {"Id": "192.168.0.9", "Port": 9000, "AvailabilityZone": "all"}])
    tick()
    tick()
    svc = ec2p.create_vpc_endpoint_service_configuration(NetworkLoadBalancerArns=[arn], AcceptanceRequired=True,
                                                           SupportedRegions=[WEST])
    sid = svc["ServiceConfiguration"]["ServiceId"]
    name = svc["ServiceConfiguration"]["ServiceName"]
    ec2p.modify_vpc_endpoint_service_permissions(ServiceId=sid, AddAllowedPrincipals=[f"arn:aws:iam::{CONSUMER}:root"])
    ec2p.create_vpc_endpoint_connection_notification(
        ServiceId=sid, ConnectionNotificationArn=TOPIC, ConnectionEvents=["Connect", "Accept", "Reject"])
    tick()
    ec2p.create_vpc_endpoint(VpcId=vpc, ServiceName="com.amazonaws.us-east-1.s3", RouteTableIds=[rtb])
    tick()

    cvpc = ec2c.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    csub = ec2c.create_subnet(VpcId=cvpc, CidrBlock="10.8.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    waiting = ec2c.create_vpc_endpoint(VpcId=cvpc, VpcEndpointType="Interface", ServiceName=name, SubnetIds=[csub])
    tick()
    accepted = ec2c.create_vpc_endpoint(VpcId=cvpc, VpcEndpointType="Interface", ServiceName=name,
                                        SubnetIds=[csub], TagSpecifications=[
                                            {"ResourceType": "vpc-endpoint", "Tags": [{"Key": "k", "Value": "v"}]}])
    tick()
    ec2p.accept_vpc_endpoint_connections(ServiceId=sid, VpcEndpointIds=[accepted["VpcEndpoint"]["VpcEndpointId"]])
    tick()
    # The consumer in us-west-2 reaches the service across Regions: one
    # endpoint accepted, one waiting.
    wvpc = ec2w.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    wsub = ec2w.create_subnet(VpcId=wvpc, CidrBlock="10.9.1.0/24", AvailabilityZone="us-west-2a")["Subnet"]["SubnetId"]
    remote = [ec2w.create_vpc_endpoint(VpcId=wvpc, VpcEndpointType="Interface", ServiceName=name,
                                       SubnetIds=[wsub], ServiceRegion="us-east-1")["VpcEndpoint"]["VpcEndpointId"]
              for _ in range(2)]
    tick()
    ec2p.accept_vpc_endpoint_connections(ServiceId=sid, VpcEndpointIds=[remote[0]])
    ec2w.describe_vpc_endpoints()  # us-west-2 hears of the acceptance
    tick()

    # ECS in the provider's subnets: a service of one task and standalone
    # tasks, one running and one stopped.
    ecsp.create_cluster(clusterName="rt", tags=[{"key": "team", "value": "rt"}])
    ecsp.register_task_definition(
        family="web", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": "web", "image": "nginx", "portMappings": [{"containerPort": 80, "name": "http"}]},
                              {"name": "sidecar", "image": "busybox", "essential": False}],
        tags=[{"key": "app", "value": "web"}])
    tick()
    network = {"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [sg]}}
    ecsp.create_service(cluster="rt", serviceName="web", taskDefinition="web", desiredCount=1,
                        launchType="FARGATE", networkConfiguration=network,
                        tags=[{"key": "svc", "value": "web"}])
    tick()
    ecsp.run_task(cluster="rt", taskDefinition="web", launchType="FARGATE", networkConfiguration=network,
                  startedBy="roundtrip", tags=[{"key": "kind", "value": "standalone"}])
    tick()
    stopped = ecsp.run_task(cluster="rt", taskDefinition="web", launchType="FARGATE",
                            networkConfiguration=network)["tasks"][0]["taskArn"]
    tick()
    ecsp.stop_task(cluster="rt", task=stopped, reason="done")
    tick()
    return waiting["VpcEndpoint"]["VpcEndpointId"]


def snapshot(ec2p, ec2c, elbv2p, ecsp, ec2w):
    out = {}
    for who, ec2 in (("provider", ec2p), ("consumer", ec2c), ("consumer_west", ec2w)):
        out[who] = {
            "vpcs": ec2.describe_vpcs(),
            "address_usage_metrics": [
                ec2.describe_vpc_attribute(VpcId=v["VpcId"], Attribute="enableNetworkAddressUsageMetrics")
                for v in ec2.describe_vpcs()["Vpcs"]],
            "subnets": ec2.describe_subnets(),
            "groups": ec2.describe_security_groups(),
            "rules": ec2.describe_security_group_rules(),
            "tables": ec2.describe_route_tables(),
            "interfaces": ec2.describe_network_interfaces(),
            "endpoints": ec2.describe_vpc_endpoints(),
            "internet_gateways": ec2.describe_internet_gateways(),
            "egress_only_gateways": ec2.describe_egress_only_internet_gateways(),
            "addresses": ec2.describe_addresses(),
            "nat_gateways": ec2.describe_nat_gateways(),
            "dhcp_options": ec2.describe_dhcp_options(),
            "network_acls": ec2.describe_network_acls(),
            "instances": ec2.describe_instances(),
            "instance_status": ec2.describe_instance_status(IncludeAllInstances=True),
            "volumes": ec2.describe_volumes(),
        }
    services = ec2p.describe_vpc_endpoint_service_configurations()
    out["services"] = services
    out["permissions"] = [ec2p.describe_vpc_endpoint_service_permissions(ServiceId=s["ServiceId"])
                          for s in services["ServiceConfigurations"]]
    out["connections"] = ec2p.describe_vpc_endpoint_connections()
    out["notifications"] = ec2p.describe_vpc_endpoint_connection_notifications()
    out["load_balancers"] = elbv2p.describe_load_balancers()
    groups = elbv2p.describe_target_groups()["TargetGroups"]
    out["target_groups"] = groups
    out["target_group_attributes"] = [elbv2p.describe_target_group_attributes(TargetGroupArn=g["TargetGroupArn"])
                                      for g in groups]
    out["target_health"] = [elbv2p.describe_target_health(TargetGroupArn=g["TargetGroupArn"]) for g in groups]
    listeners = [x for lb in out["load_balancers"]["LoadBalancers"]
                 for x in elbv2p.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]]
    out["listeners"] = listeners
    out["listener_certificates"] = [elbv2p.describe_listener_certificates(ListenerArn=x["ListenerArn"])["Certificates"]
                                    for x in listeners]
    if groups:
        out["elb_tags"] = elbv2p.describe_tags(
            ResourceArns=[g["TargetGroupArn"] for g in groups] + [x["ListenerArn"] for x in listeners])
    out["clusters"] = ecsp.describe_clusters(
        clusters=["rt"], include=["ATTACHMENTS", "CONFIGURATIONS", "SETTINGS", "STATISTICS", "TAGS"])
    out["task_definition"] = ecsp.describe_task_definition(taskDefinition="web", include=["TAGS"])
    for status in ("RUNNING", "STOPPED"):
        arns = ecsp.list_tasks(cluster="rt", desiredStatus=status)
        out[f"tasks_{status}"] = [arns, ecsp.describe_tasks(cluster="rt", tasks=arns["taskArns"], include=["TAGS"])]
    out["services_ecs"] = ecsp.describe_services(cluster="rt", services=["web"], include=["TAGS"])
    return strip(out)


def clients(client_for, endpoint):
    return (client_for(endpoint, "ec2", account=PROVIDER), client_for(endpoint, "ec2", account=CONSUMER),
            client_for(endpoint, "elbv2", account=PROVIDER), client_for(endpoint, "ecs", account=PROVIDER),
            client_for(endpoint, "ec2", account=CONSUMER, region=WEST))


def export(endpoint):
    r = requests.get(f"{endpoint}/_awsemu/state", timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/yaml")
    return r.text


@pytest.mark.parametrize("pace", ["immediate", "manual"])
def test_export_then_load_gives_the_same_world(awsemu_launcher, client_for, tmp_path, pace):
    first, stop_first = awsemu_launcher("--pace", pace)

    def tick():
        if pace == "manual":
            r = requests.post(f"{first}/_awsemu/clock", json={"seconds": 7}, timeout=10)
            assert r.status_code == 200
        else:
            time.sleep(0.005)

    waiting = build(*clients(client_for, first), tick)
    before = snapshot(*clients(client_for, first))
    exported = export(first)
    path = tmp_path / "world.yaml"
    path.write_text(exported)
    stop_first()

    second, stop_second = awsemu_launcher("--scenario", str(path))
    after = snapshot(*clients(client_for, second))
    assert after == before
    # What the build made is all there (the comparison is not of empties).
    endpoints = after["consumer"]["endpoints"]["VpcEndpoints"]
    states = {e["VpcEndpointId"]: e["State"] for e in endpoints}
    assert states[waiting] == "pendingAcceptance"
    assert sorted(states.values()) == ["available", "pendingAcceptance"]
    west = after["consumer_west"]["endpoints"]["VpcEndpoints"]
    assert sorted(e["State"] for e in west) == ["available", "pendingAcceptance"]
    assert {e["ServiceRegion"] for e in west} == {"us-east-1"}
    assert sorted((c["VpcEndpointRegion"], c["VpcEndpointState"])
                  for c in after["connections"]["VpcEndpointConnections"]) == [
        ("us-east-1", "available"), ("us-east-1", "pendingAcceptance"),
        ("us-west-2", "available"), ("us-west-2", "pendingAcceptance")]
    assert len(after["tasks_RUNNING"][0]["taskArns"]) == 2
    assert len(after["tasks_STOPPED"][0]["taskArns"]) == 1
    service = after["services_ecs"]["services"][0]
    assert service["runningCount"] == 1
    assert [e["message"].split(") ", 1)[1][:12] for e in service["events"]] == [
        "has reached ", "(deployment ", "has started "]
    assert len(after["notifications"]["ConnectionNotificationSet"]) == 1
    edge = after["provider"]
    # Its own two gateways, and the default VPC's.
    assert sorted(len(g["Attachments"]) for g in edge["internet_gateways"]["InternetGateways"]) == [0, 1, 1]
    assert len(edge["egress_only_gateways"]["EgressOnlyInternetGateways"]) == 1
    assert sorted("AssociationId" in a for a in edge["addresses"]["Addresses"]) == [False, True, True, True]
    assert sorted((g["ConnectivityType"], g["State"]) for g in edge["nat_gateways"]["NatGateways"]) == [
        ("private", "available"), ("public", "available")]
    routes = [r for t in edge["tables"]["RouteTables"] for r in t["Routes"]]
    # Four routes added (one to the stopped instance, a blackhole) and one
    # replaced, and the default VPC's route to its internet gateway.
    assert sorted(r["Origin"] for r in routes if r["Origin"] != "CreateRouteTable") == [
        "CreateRoute", "CreateRoute", "CreateRoute", "CreateRoute", "CreateRoute", "ReplaceRoute"]
    assert [r["State"] for r in routes if "InstanceId" in r] == ["blackhole"]
    got = {i["Tags"][0]["Value"] if i.get("Tags") else "db": i["State"]["Name"]
           for r in edge["instances"]["Reservations"] for i in r["Instances"]}
    assert got == {"web": "running", "db": "stopped"}
    assert len(edge["volumes"]["Volumes"]) == 3
    health = sorted((d["Target"]["Id"], d["TargetHealth"]["State"])
                    for h in after["target_health"] for d in h["TargetHealthDescriptions"])
    assert [s for _, s in health] == ["healthy", "healthy", "healthy"]
    assert sorted((x["Protocol"], x["Port"]) for x in after["listeners"]) == [("TCP", 80), ("TLS", 443)]
    assert len(after["target_groups"]) == 3
    # The reloaded world exports as the same scenario.
    assert export(second) == exported
    stop_second()


def test_a_target_group_left_in_a_deleted_vpc_is_left_out_of_the_export(awsemu_launcher, client_for, tmp_path):
    # DeleteVpc does not wait for the VPC's target groups; the export must
    # still load (the orphan could not be created again, so it is left out).
    first, stop_first = awsemu_launcher()
    ec2 = client_for(first, "ec2", account=PROVIDER)
    elbv2 = client_for(first, "elbv2", account=PROVIDER)
    gone = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    kept = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    for name, vpc in [("orphan", gone), ("kept", kept)]:
        elbv2.create_target_group(Name=name, Protocol="TCP", Port=80, VpcId=vpc, TargetType="ip")
    ec2.delete_vpc(VpcId=gone)
    names = sorted(g["TargetGroupName"] for g in elbv2.describe_target_groups()["TargetGroups"])
    assert names == ["kept", "orphan"]
    exported = export(first)
    path = tmp_path / "world.yaml"
    path.write_text(exported)
    stop_first()

    second, stop_second = awsemu_launcher("--scenario", str(path))
    groups = client_for(second, "elbv2", account=PROVIDER).describe_target_groups()["TargetGroups"]
    assert [(g["TargetGroupName"], g["VpcId"]) for g in groups] == [("kept", kept)]
    assert export(second) == exported
    stop_second()
