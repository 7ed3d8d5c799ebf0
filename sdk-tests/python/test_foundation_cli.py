"""AWS CLI (v1) end-to-end flow: VPC + subnets + security group, then deletion.

This is the user-visible "must show" flow: everything goes through the real
``aws`` command line (``python -m awscli``) exactly as a user would type it.
References: aws-spec.md §8.21-8.30, §14.1.
"""

from __future__ import annotations

from awsemu_helpers import DEFAULT_ACCOUNT, SG_ID, SUBNET_ID, VPC_ID, cidrs, tags_dict


def test_cli_vpc_subnet_security_group_flow(aws_cli):
    # --- create the VPC with a Name tag -------------------------------------------------
    rc, out, err = aws_cli(
        "ec2", "create-vpc",
        "--cidr-block", "10.0.0.0/16",
        "--tag-specifications", "ResourceType=vpc,Tags=[{Key=Name,Value=app}]",
    )
    assert rc == 0, err
    vpc = out["Vpc"]
    vpc_id = vpc["VpcId"]
    assert VPC_ID.match(vpc_id), vpc_id
    assert vpc["CidrBlock"] == "10.0.0.0/16"
    assert vpc["IsDefault"] is False
    assert vpc["OwnerId"] == DEFAULT_ACCOUNT
    assert vpc["State"] in ("pending", "available")
    assert tags_dict(vpc["Tags"]) == {"Name": "app"}

    # --- two subnets in two AZs ---------------------------------------------------------
    created_subnets = {}
    for az, cidr in (("us-east-1a", "10.0.1.0/24"), ("us-east-1b", "10.0.2.0/24")):
        rc, out, err = aws_cli(
            "ec2", "create-subnet",
            "--vpc-id", vpc_id,
            "--cidr-block", cidr,
            "--availability-zone", az,
        )
        assert rc == 0, err
        subnet = out["Subnet"]
        assert SUBNET_ID.match(subnet["SubnetId"]), subnet["SubnetId"]
        assert subnet["VpcId"] == vpc_id
        assert subnet["CidrBlock"] == cidr
        assert subnet["AvailabilityZone"] == az
        assert subnet["AvailableIpAddressCount"] == 251
        created_subnets[subnet["SubnetId"]] = (az, cidr)
    assert len(created_subnets) == 2

    # --- security group + ingress rule via the CLI's --protocol/--port/--cidr shorthand --
    rc, out, err = aws_cli(
        "ec2", "create-security-group",
        "--group-name", "app-web",
        "--description", "app web tier",
        "--vpc-id", vpc_id,
    )
    assert rc == 0, err
    sg_id = out["GroupId"]
    assert SG_ID.match(sg_id), sg_id

    rc, out, err = aws_cli(
        "ec2", "authorize-security-group-ingress",
        "--group-id", sg_id,
        "--protocol", "tcp",
        "--port", "443",
        "--cidr", "10.0.0.0/16",
    )
    assert rc == 0, err
    assert out["Return"] is True

    # --- describe back with filters -----------------------------------------------------
    rc, out, err = aws_cli(
        "ec2", "describe-vpcs",
        "--filters", f"Name=vpc-id,Values={vpc_id}", "Name=tag:Name,Values=app",
    )
    assert rc == 0, err
    assert [v["VpcId"] for v in out["Vpcs"]] == [vpc_id]
    described = out["Vpcs"][0]
    assert described["CidrBlock"] == "10.0.0.0/16"
    assert described["State"] == "available"
    assert described["IsDefault"] is False
    assert described["OwnerId"] == DEFAULT_ACCOUNT
    assert tags_dict(described["Tags"]) == {"Name": "app"}

    # a tag filter that matches nothing gives an empty list, not an error
    rc, out, err = aws_cli("ec2", "describe-vpcs", "--filters", "Name=tag:Name,Values=not-app")
    assert rc == 0, err
    assert out["Vpcs"] == []

    rc, out, err = aws_cli(
        "ec2", "describe-subnets", "--filters", f"Name=vpc-id,Values={vpc_id}",
    )
    assert rc == 0, err
    got = {s["SubnetId"]: s for s in out["Subnets"]}
    assert set(got) == set(created_subnets)
    for subnet_id, (az, cidr) in created_subnets.items():
        s = got[subnet_id]
        assert s["AvailabilityZone"] == az
        assert s["CidrBlock"] == cidr
        assert s["AvailableIpAddressCount"] == 251
        assert s["State"] == "available"
        assert s["VpcId"] == vpc_id
        assert s["OwnerId"] == DEFAULT_ACCOUNT
        assert s["DefaultForAz"] is False
        assert s["MapPublicIpOnLaunch"] is False

    rc, out, err = aws_cli("ec2", "describe-security-groups", "--group-ids", sg_id)
    assert rc == 0, err
    assert len(out["SecurityGroups"]) == 1
    sg = out["SecurityGroups"][0]
    assert sg["GroupId"] == sg_id
    assert sg["GroupName"] == "app-web"
    assert sg["Description"] == "app web tier"
    assert sg["VpcId"] == vpc_id
    assert sg["OwnerId"] == DEFAULT_ACCOUNT

    assert len(sg["IpPermissions"]) == 1
    ingress = sg["IpPermissions"][0]
    assert ingress["IpProtocol"] == "tcp"
    assert ingress["FromPort"] == 443
    assert ingress["ToPort"] == 443
    assert cidrs(ingress["IpRanges"]) == ["10.0.0.0/16"]
    assert ingress.get("UserIdGroupPairs", []) == []

    # new groups carry the default "all traffic to 0.0.0.0/0" egress rule
    assert len(sg["IpPermissionsEgress"]) == 1
    egress = sg["IpPermissionsEgress"][0]
    assert egress["IpProtocol"] == "-1"
    assert cidrs(egress["IpRanges"]) == ["0.0.0.0/0"]
    assert "FromPort" not in egress and "ToPort" not in egress

    # --- delete in the wrong order -----------------------------------------------------
    rc, out, err = aws_cli("ec2", "delete-vpc", "--vpc-id", vpc_id)
    assert rc != 0
    assert "DependencyViolation" in err, err

    rc, out, err = aws_cli("ec2", "describe-vpcs", "--vpc-ids", vpc_id)
    assert rc == 0, err
    assert [v["VpcId"] for v in out["Vpcs"]] == [vpc_id]

    # --- delete in the right order -----------------------------------------------------
    rc, out, err = aws_cli("ec2", "delete-security-group", "--group-id", sg_id)
    assert rc == 0, err
    for subnet_id in created_subnets:
        rc, out, err = aws_cli("ec2", "delete-subnet", "--subnet-id", subnet_id)
        assert rc == 0, err
    rc, out, err = aws_cli("ec2", "delete-vpc", "--vpc-id", vpc_id)
    assert rc == 0, err

    rc, out, err = aws_cli("ec2", "describe-vpcs", "--vpc-ids", vpc_id)
    assert rc != 0
    assert "InvalidVpcID.NotFound" in err, err

    # the VPC's default security group went with it
    rc, out, err = aws_cli(
        "ec2", "describe-security-groups", "--filters", f"Name=vpc-id,Values={vpc_id}",
    )
    assert rc == 0, err
    assert out["SecurityGroups"] == []


def test_cli_error_for_unknown_subnet_is_reported(aws_cli):
    rc, out, err = aws_cli("ec2", "delete-subnet", "--subnet-id", "subnet-0123456789abcdef0")
    assert rc != 0
    assert out is None
    assert "InvalidSubnetID.NotFound" in err, err
