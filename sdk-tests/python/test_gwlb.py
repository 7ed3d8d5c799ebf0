"""boto3: Gateway Load Balancer endpoint services and their endpoints.

A provider puts an endpoint service on a gateway load balancer; a consumer's
GatewayLoadBalancer endpoint gets one network interface of type
`gateway_load_balancer_endpoint` in its single subnet, no security groups, no
DNS entries and no policy (aws-spec.md §8.1, §8.6).
"""

from botocore.exceptions import ClientError
import pytest

from awsemu_helpers import random_account


def default_subnet(ec2c, az="us-east-1a"):
    return next(s["SubnetId"] for s in ec2c.describe_subnets()["Subnets"] if s["AvailabilityZone"] == az)


def test_gateway_load_balancer_service_and_endpoint(ec2, elbv2):
    provider, consumer = random_account(), random_account()
    ec2p, elbp, ec2c = ec2(provider), elbv2(provider), ec2(consumer)
    lb = elbp.create_load_balancer(Name="gw", Type="gateway", Subnets=[default_subnet(ec2p)])["LoadBalancers"][0]
    assert ":loadbalancer/gwy/gw/" in lb["LoadBalancerArn"]
    assert "DNSName" not in lb and "Scheme" not in lb

    svc = ec2p.create_vpc_endpoint_service_configuration(GatewayLoadBalancerArns=[lb["LoadBalancerArn"]])[
        "ServiceConfiguration"]
    assert svc["ServiceType"] == [{"ServiceType": "GatewayLoadBalancer"}]
    assert svc["GatewayLoadBalancerArns"] == [lb["LoadBalancerArn"]]
    assert "BaseEndpointDnsNames" not in svc
    assert svc["AvailabilityZones"] == ["us-east-1a"]
    with pytest.raises(ClientError) as e:
        ec2p.modify_vpc_endpoint_service_configuration(ServiceId=svc["ServiceId"], PrivateDnsName="gw.example.com")
    assert e.value.response["Error"]["Code"] == "InvalidParameter"
    ec2p.modify_vpc_endpoint_service_permissions(ServiceId=svc["ServiceId"], AddAllowedPrincipals=["*"])

    vpc = ec2c.describe_vpcs()["Vpcs"][0]["VpcId"]
    subnet = default_subnet(ec2c)
    # Exactly one subnet, and no security groups, for a GWLB endpoint.
    with pytest.raises(ClientError) as e:
        ec2c.create_vpc_endpoint(VpcId=vpc, VpcEndpointType="GatewayLoadBalancer",
                                 ServiceName=svc["ServiceName"],
                                 SubnetIds=[subnet, default_subnet(ec2c, "us-east-1b")])
    assert e.value.response["Error"]["Code"] == "InvalidParameter"
    ep = ec2c.create_vpc_endpoint(VpcId=vpc, VpcEndpointType="GatewayLoadBalancer",
                                  ServiceName=svc["ServiceName"], SubnetIds=[subnet])["VpcEndpoint"]
    assert ep["VpcEndpointType"] == "GatewayLoadBalancer"
    assert ep["State"] == "pending"
    assert ep["Groups"] == [] and ep["DnsEntries"] == []
    assert "PolicyDocument" not in ep
    enis = ec2c.describe_network_interfaces(NetworkInterfaceIds=ep["NetworkInterfaceIds"])["NetworkInterfaces"]
    assert [(n["InterfaceType"], n["SubnetId"], n["Groups"]) for n in enis] == [
        ("gateway_load_balancer_endpoint", subnet, [])]
    assert ec2c.describe_vpc_endpoints(VpcEndpointIds=[ep["VpcEndpointId"]])["VpcEndpoints"][0]["State"] == "available"
    # An interface endpoint to a GWLB service is refused.
    with pytest.raises(ClientError) as e:
        ec2c.create_vpc_endpoint(VpcId=vpc, VpcEndpointType="Interface", ServiceName=svc["ServiceName"],
                                 SubnetIds=[subnet])
    assert e.value.response["Error"]["Code"] == "InvalidParameter"
