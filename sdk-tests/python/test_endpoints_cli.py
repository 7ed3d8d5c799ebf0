"""AWS CLI (v1): the ECS interface endpoint as a user types it from the guide.

The create command is the one of seed guide 001 ("You can access ECS APIs
privately from within your VPC using VPC Endpoints ...") word for word; only
the example ids are replaced by the ids of the resources created here.
References: aws-spec.md §8.1-8.5, §12.
"""

from __future__ import annotations

import re

from awsemu_helpers import DEFAULT_ACCOUNT, ENI_ID, VPCE_ID, VPCE_SVC_ID

# Verbatim from /work/shared/seeds/001_18899e181d390de9.txt.
SEED_CREATE_VPC_ENDPOINT = """\
aws ec2 create-vpc-endpoint \\
    --vpc-id vpc-0123456789abcdef0 \\
    --service-name com.amazonaws.us-east-1.ecs \\
    --vpc-endpoint-type Interface \\
    --subnet-ids subnet-0123456789abcdef0 subnet-0abcdef0123456789 \\
    --security-group-ids sg-0123456789abcdef0 \\
    --region us-east-1
"""

INTERFACE_POLICY = (
    '{\n  "Statement": [\n    {\n      "Action": "*", \n      "Effect": "Allow", \n'
    '      "Principal": "*", \n      "Resource": "*"\n    }\n  ]\n}'
)


def seed_words(text: str, substitute: dict[str, str]) -> list[str]:
    """Shell words of the seed command (line continuations joined), without the
    leading ``aws``, example ids replaced."""
    words = text.replace("\\\n", " ").split()
    assert words[0] == "aws"
    return [substitute.get(w, w) for w in words[1:]]


def _create(aws_cli, *args: str) -> dict:
    rc, out, err = aws_cli(*args)
    assert rc == 0, err
    return out


def test_cli_seed_create_vpc_endpoint_for_ecs(aws_cli):
    # --- the network the guide assumes ---------------------------------------------
    vpc_id = _create(aws_cli, "ec2", "create-vpc", "--cidr-block", "10.0.0.0/16")["Vpc"]["VpcId"]
    rc, out, err = aws_cli("ec2", "modify-vpc-attribute", "--vpc-id", vpc_id,
                           "--enable-dns-hostnames", '{"Value": true}')
    assert rc == 0, err
    subnets = {}
    for az, cidr in (("us-east-1a", "10.0.1.0/24"), ("us-east-1b", "10.0.2.0/24")):
        subnet = _create(aws_cli, "ec2", "create-subnet", "--vpc-id", vpc_id,
                         "--cidr-block", cidr, "--availability-zone", az)["Subnet"]
        subnets[subnet["SubnetId"]] = az
    s1, s2 = list(subnets)
    sg_id = _create(aws_cli, "ec2", "create-security-group", "--group-name", "ecs-endpoint",
                    "--description", "ECS interface endpoint", "--vpc-id", vpc_id)["GroupId"]
    rc, out, err = aws_cli("ec2", "authorize-security-group-ingress", "--group-id", sg_id,
                           "--protocol", "tcp", "--port", "443", "--cidr", "10.0.0.0/16")
    assert rc == 0, err
    sg2_id = _create(aws_cli, "ec2", "create-security-group", "--group-name", "ecs-clients",
                     "--description", "ECS clients", "--vpc-id", vpc_id)["GroupId"]

    # --- the seed command ------------------------------------------------------------
    args = seed_words(SEED_CREATE_VPC_ENDPOINT, {
        "vpc-0123456789abcdef0": vpc_id,
        "subnet-0123456789abcdef0": s1,
        "subnet-0abcdef0123456789": s2,
        "sg-0123456789abcdef0": sg_id,
    })
    assert args == [
        "ec2", "create-vpc-endpoint", "--vpc-id", vpc_id,
        "--service-name", "com.amazonaws.us-east-1.ecs", "--vpc-endpoint-type", "Interface",
        "--subnet-ids", s1, s2, "--security-group-ids", sg_id, "--region", "us-east-1",
    ]
    rc, out, err = aws_cli(*args)
    assert rc == 0, err
    ep = out["VpcEndpoint"]
    vpce_id = ep["VpcEndpointId"]
    assert VPCE_ID.match(vpce_id), vpce_id
    assert ep["VpcEndpointType"] == "Interface"
    assert ep["VpcId"] == vpc_id
    assert ep["ServiceName"] == "com.amazonaws.us-east-1.ecs"
    assert ep["State"] == "pending"
    assert ep["SubnetIds"] == [s1, s2]
    assert ep["Groups"] == [{"GroupId": sg_id, "GroupName": "ecs-endpoint"}]
    assert ep["RouteTableIds"] == []
    assert len(ep["NetworkInterfaceIds"]) == 2
    assert all(ENI_ID.match(e) for e in ep["NetworkInterfaceIds"])
    assert ep["PolicyDocument"] == INTERFACE_POLICY
    assert ep["OwnerId"] == DEFAULT_ACCOUNT
    assert ep["ServiceRegion"] == "us-east-1"
    assert ep["IpAddressType"] == "ipv4"
    assert ep["RequesterManaged"] is False
    # DNS hostnames are on, so private DNS is on by default: regional, 2 zonal, private
    assert ep["PrivateDnsEnabled"] is True
    names = [e["DnsName"] for e in ep["DnsEntries"]]
    assert len(names) == 4, names
    m = re.match(r"^(vpce-[0-9a-f]{17})-([a-z0-9]{8})\.ecs\.us-east-1\.vpce\.amazonaws\.com$",
                 names[0])
    assert m and m.group(1) == vpce_id, names
    suffix = m.group(2)
    assert names[1:] == [
        f"{vpce_id}-{suffix}-us-east-1a.ecs.us-east-1.vpce.amazonaws.com",
        f"{vpce_id}-{suffix}-us-east-1b.ecs.us-east-1.vpce.amazonaws.com",
        "ecs.us-east-1.amazonaws.com",
    ]
    assert [e["HostedZoneId"] for e in ep["DnsEntries"][:3]] == ["Z7HUB22UULQXV"] * 3
    assert re.match(r"^Z[A-Z0-9]{20}$", ep["DnsEntries"][3]["HostedZoneId"])

    # the ENIs the endpoint provisioned in the subnets
    rc, out, err = aws_cli("ec2", "describe-network-interfaces", "--filters",
                           f"Name=vpc-id,Values={vpc_id}", "Name=interface-type,Values=vpc_endpoint")
    assert rc == 0, err
    enis = out["NetworkInterfaces"]
    assert sorted(e["NetworkInterfaceId"] for e in enis) == sorted(ep["NetworkInterfaceIds"])
    assert {e["SubnetId"]: e["AvailabilityZone"] for e in enis} == subnets
    for eni in enis:
        assert eni["Description"] == f"VPC Endpoint Interface {vpce_id}"
        assert eni["RequesterManaged"] is True
        assert eni["Status"] == "in-use"
        assert [g["GroupId"] for g in eni["Groups"]] == [sg_id]

    # --- poll like a user: available -------------------------------------------------
    rc, out, err = aws_cli("ec2", "describe-vpc-endpoints",
                           "--filters", "Name=vpc-endpoint-state,Values=available")
    assert rc == 0, err
    assert [e["VpcEndpointId"] for e in out["VpcEndpoints"]] == [vpce_id]
    assert out["VpcEndpoints"][0]["State"] == "available"
    rc, out, err = aws_cli("ec2", "describe-vpc-endpoints",
                           "--filters", "Name=vpc-endpoint-state,Values=pending")
    assert rc == 0, err
    assert out["VpcEndpoints"] == []

    # --- add the second security group -----------------------------------------------
    rc, out, err = aws_cli("ec2", "modify-vpc-endpoint", "--vpc-endpoint-id", vpce_id,
                           "--add-security-group-ids", sg2_id)
    assert rc == 0, err
    assert out["Return"] is True
    rc, out, err = aws_cli("ec2", "describe-vpc-endpoints", "--vpc-endpoint-ids", vpce_id)
    assert rc == 0, err
    groups = out["VpcEndpoints"][0]["Groups"]
    assert sorted((g["GroupId"], g["GroupName"]) for g in groups) == sorted(
        [(sg_id, "ecs-endpoint"), (sg2_id, "ecs-clients")])

    # --- delete ----------------------------------------------------------------------
    rc, out, err = aws_cli("ec2", "delete-vpc-endpoints", "--vpc-endpoint-ids", vpce_id)
    assert rc == 0, err
    assert out == {"Unsuccessful": []}
    rc, out, err = aws_cli("ec2", "describe-vpc-endpoints", "--vpc-endpoint-ids", vpce_id)
    assert rc != 0
    assert "InvalidVpcEndpointId.NotFound" in err, err
    rc, out, err = aws_cli("ec2", "describe-network-interfaces", "--filters",
                           f"Name=vpc-id,Values={vpc_id}")
    assert rc == 0, err
    assert out["NetworkInterfaces"] == []


def test_cli_describe_vpc_endpoint_services_ecs(aws_cli):
    rc, out, err = aws_cli("ec2", "describe-vpc-endpoint-services",
                           "--service-names", "com.amazonaws.us-east-1.ecs")
    assert rc == 0, err
    assert out["ServiceNames"] == ["com.amazonaws.us-east-1.ecs"]
    assert len(out["ServiceDetails"]) == 1
    d = out["ServiceDetails"][0]
    assert d["ServiceName"] == "com.amazonaws.us-east-1.ecs"
    assert VPCE_SVC_ID.match(d["ServiceId"]), d
    assert d["ServiceType"] == [{"ServiceType": "Interface"}]
    assert d["Owner"] == "amazon"
    assert d["BaseEndpointDnsNames"] == ["ecs.us-east-1.vpce.amazonaws.com"]
    assert d["PrivateDnsName"] == "ecs.us-east-1.amazonaws.com"
    assert d["VpcEndpointPolicySupported"] is False
    assert d["AcceptanceRequired"] is False
    assert d["AvailabilityZones"] == [f"us-east-1{c}" for c in "abcdef"]


def test_cli_delete_unknown_endpoint_reports_unsuccessful(aws_cli):
    rc, out, err = aws_cli("ec2", "delete-vpc-endpoints",
                           "--vpc-endpoint-ids", "vpce-0123456789abcdef0")
    assert rc == 0, err
    assert [(u["ResourceId"], u["Error"]["Code"]) for u in out["Unsuccessful"]] == [
        ("vpce-0123456789abcdef0", "InvalidVpcEndpoint.NotFound")]


def test_cli_create_endpoint_error_is_reported(aws_cli):
    vpc_id = _create(aws_cli, "ec2", "create-vpc", "--cidr-block", "10.0.0.0/16")["Vpc"]["VpcId"]
    rc, out, err = aws_cli("ec2", "create-vpc-endpoint", "--vpc-id", vpc_id,
                           "--service-name", "com.amazonaws.us-east-1.ecs",
                           "--vpc-endpoint-type", "Interface",
                           "--subnet-ids", "subnet-0123456789abcdef0")
    assert rc != 0
    assert out is None
    assert "InvalidSubnetId.NotFound" in err, err
