"""boto3 and the AWS CLI: instances, minimal but real (issue 12, items 8 and 9).

RunInstances in a subnet (or the default VPC's), the state machine on the
world clock under ``--pace manual`` (``pending`` → ``running``, ``stopping``
→ ``stopped``, ``shutting-down`` → ``terminated``, terminated instances
described for an hour), status checks, attributes, the instance waiters,
network interfaces attached and detached, Elastic IPs and routes to
instances, the AMI and instance-type catalogues, EBS root volumes.
"""

from __future__ import annotations

import base64

import pytest
import requests
from botocore.exceptions import WaiterError

from awsemu_helpers import (
    err_message,
    id_re,
    new_subnet,
    new_vpc,
    raises_code,
    tags_dict,
)

INSTANCE_ID = id_re("i")
RESERVATION_ID = id_re("r")
VOLUME_ID = id_re("vol")
ECS_AL2023 = "al2023-ami-ecs-hvm-*-x86_64"
USER_DATA = "#!/bin/bash\necho ECS_CLUSTER=prod >> /etc/ecs/ecs.config\n"


def advance(endpoint: str, seconds: float) -> None:
    r = requests.post(f"{endpoint}/_awsemu/clock", json={"seconds": seconds}, timeout=30)
    assert r.status_code == 200, r.text


@pytest.fixture
def ec2(ec2):
    """A client of the default account and Region."""
    return ec2()


@pytest.fixture
def manual(manual_endpoint, client_for):
    r = requests.post(f"{manual_endpoint}/_awsemu/reset", timeout=30)
    assert r.status_code == 200, r.text
    return manual_endpoint, client_for(manual_endpoint, "ec2")


def ami(c, pattern: str = ECS_AL2023) -> str:
    images = c.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": [pattern]}])["Images"]
    assert len(images) == 1, images
    return images[0]["ImageId"]


def instance(c, iid: str) -> dict:
    r = c.describe_instances(InstanceIds=[iid])["Reservations"]
    assert len(r) == 1 and len(r[0]["Instances"]) == 1
    return r[0]["Instances"][0]


def state(c, iid: str) -> str:
    return instance(c, iid)["State"]["Name"]


def network(c):
    """A VPC (DNS hostnames on) with a public subnet (public IPs on launch)
    and a private one, and a security group."""
    vpc = new_vpc(c)
    c.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    public = new_subnet(c, vpc, "10.0.0.0/24", "us-east-1a")
    c.modify_subnet_attribute(SubnetId=public, MapPublicIpOnLaunch={"Value": True})
    private = new_subnet(c, vpc, "10.0.1.0/24", "us-east-1a")
    sg = c.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    return vpc, public, private, sg


# ---------------------------------------------------------------- catalogues
def test_describe_images_offers_the_ecs_optimized_amis(ec2):
    images = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": ["*-ecs-*"]}])["Images"]
    names = sorted(i["Name"] for i in images)
    assert len(names) == 5
    assert any(n.startswith("al2023-ami-ecs-hvm-") and n.endswith("-arm64") for n in names)
    assert any(n.startswith("amzn2-ami-ecs-hvm-") and n.endswith("-x86_64-ebs") for n in names)
    x86 = [i for i in images if i["Name"].startswith("al2023-ami-ecs-hvm-") and i["Architecture"] == "x86_64"][0]
    assert x86["ImageId"].startswith("ami-") and len(x86["ImageId"]) == 21
    assert x86["State"] == "available" and x86["Public"] is True
    assert x86["ImageOwnerAlias"] == "amazon"
    assert x86["RootDeviceName"] == "/dev/xvda" and x86["RootDeviceType"] == "ebs"
    assert x86["BlockDeviceMappings"][0]["Ebs"]["VolumeSize"] == 30
    # Filters AND-ed, values OR-ed; ids; the id differs per Region.
    arm = ec2.describe_images(Filters=[{"Name": "name", "Values": ["*-ecs-*"]},
                                       {"Name": "architecture", "Values": ["arm64"]}])["Images"]
    assert sorted(i["Architecture"] for i in arm) == ["arm64", "arm64"]
    assert ec2.describe_images(ImageIds=[x86["ImageId"]])["Images"][0]["Name"] == x86["Name"]
    assert ec2.describe_images(Owners=["self"])["Images"] == []


def test_images_differ_per_region_and_unknown_ids_are_refused(ec2, client_for, awsemu_endpoint):
    west = client_for(awsemu_endpoint, "ec2", region="us-west-2")
    assert ami(ec2) != ami(west)
    with raises_code("InvalidAMIID.NotFound") as e:
        ec2.describe_images(ImageIds=[ami(west)])
    assert ami(west) in err_message(e)
    with raises_code("InvalidAMIID.Malformed"):
        ec2.describe_images(ImageIds=["ami-xyz"])


def test_describe_instance_types_gives_real_limits(ec2):
    t = ec2.describe_instance_types(InstanceTypes=["t3.micro", "m5.large", "t4g.small"])["InstanceTypes"]
    by = {x["InstanceType"]: x for x in t}
    assert by["t3.micro"]["VCpuInfo"]["DefaultVCpus"] == 2
    assert by["t3.micro"]["MemoryInfo"]["SizeInMiB"] == 1024
    assert by["t3.micro"]["NetworkInfo"]["MaximumNetworkInterfaces"] == 2
    assert by["t3.micro"]["NetworkInfo"]["Ipv4AddressesPerInterface"] == 2
    assert by["t3.micro"]["BurstablePerformanceSupported"] is True
    assert by["m5.large"]["MemoryInfo"]["SizeInMiB"] == 8192
    assert by["m5.large"]["NetworkInfo"]["MaximumNetworkInterfaces"] == 3
    assert by["m5.large"]["NetworkInfo"]["Ipv4AddressesPerInterface"] == 10
    assert by["t4g.small"]["ProcessorInfo"]["SupportedArchitectures"] == ["arm64"]
    arm = ec2.describe_instance_types(Filters=[
        {"Name": "processor-info.supported-architecture", "Values": ["arm64"]},
        {"Name": "vcpu-info.default-vcpus", "Values": ["2"]}])["InstanceTypes"]
    names = {x["InstanceType"] for x in arm}
    assert "t4g.micro" in names and "m7g.large" in names
    assert all(x.startswith(("t4g.", "m7g.")) for x in names)
    # A name that is no instance type at all.
    with raises_code("InvalidParameterValue") as e:
        ec2.describe_instance_types(InstanceTypes=["t3.micro", "x9.huge"])
    assert "x9.huge" in err_message(e)
    page = ec2.describe_instance_types(MaxResults=5)
    assert len(page["InstanceTypes"]) == 5 and "NextToken" in page
    rest = ec2.describe_instance_types(MaxResults=100, NextToken=page["NextToken"])["InstanceTypes"]
    assert not {x["InstanceType"] for x in rest} & {x["InstanceType"] for x in page["InstanceTypes"]}


# ---------------------------------------------------------------- launching
def test_run_instances_in_a_public_subnet(ec2):
    vpc, public, _, sg = network(ec2)
    image = ami(ec2)
    r = ec2.run_instances(
        ImageId=image, InstanceType="t3.micro", MinCount=2, MaxCount=2, SubnetId=public,
        SecurityGroupIds=[sg], KeyName="ops", UserData=USER_DATA,
        IamInstanceProfile={"Name": "ecsInstanceRole"},
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "ecs-node"}]},
            {"ResourceType": "volume", "Tags": [{"Key": "backup", "Value": "no"}]},
            {"ResourceType": "network-interface", "Tags": [{"Key": "role", "Value": "node"}]},
        ])
    assert RESERVATION_ID.match(r["ReservationId"]) and r["OwnerId"] == "000000000000"
    assert [i["AmiLaunchIndex"] for i in r["Instances"]] == [0, 1]
    i = r["Instances"][0]
    assert INSTANCE_ID.match(i["InstanceId"])
    assert i["State"] == {"Code": 0, "Name": "pending"}
    assert (i["ImageId"], i["InstanceType"], i["KeyName"]) == (image, "t3.micro", "ops")
    assert (i["SubnetId"], i["VpcId"]) == (public, vpc)
    assert i["Placement"]["AvailabilityZone"] == "us-east-1a"
    assert i["SecurityGroups"] == [{"GroupId": sg, "GroupName": "web"}]
    assert i["PrivateIpAddress"].startswith("10.0.0.")
    assert i["PrivateDnsName"] == f"ip-{i['PrivateIpAddress'].replace('.', '-')}.ec2.internal"
    assert i["PublicIpAddress"]
    assert i["PublicDnsName"] == f"ec2-{i['PublicIpAddress'].replace('.', '-')}.compute-1.amazonaws.com"
    assert i["IamInstanceProfile"]["Arn"] == "arn:aws:iam::000000000000:instance-profile/ecsInstanceRole"
    assert i["IamInstanceProfile"]["Id"].startswith("AIPA")
    assert i["Architecture"] == "x86_64" and i["RootDeviceName"] == "/dev/xvda"
    assert i["MetadataOptions"]["HttpTokens"] == "required"
    assert tags_dict(i["Tags"]) == {"Name": "ecs-node"}
    (nic,) = i["NetworkInterfaces"]
    assert nic["Attachment"]["DeviceIndex"] == 0 and nic["Attachment"]["DeleteOnTermination"] is True
    assert nic["Association"]["PublicIp"] == i["PublicIpAddress"]
    eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[nic["NetworkInterfaceId"]])["NetworkInterfaces"][0]
    assert eni["Attachment"]["InstanceId"] == i["InstanceId"] and eni["Status"] == "in-use"
    assert tags_dict(eni["TagSet"]) == {"role": "node"}
    (bdm,) = i["BlockDeviceMappings"]
    vol = ec2.describe_volumes(VolumeIds=[bdm["Ebs"]["VolumeId"]])["Volumes"][0]
    assert (vol["Size"], vol["VolumeType"], vol["State"]) == (30, "gp3", "in-use")
    assert vol["Attachments"][0]["InstanceId"] == i["InstanceId"]
    assert tags_dict(vol["Tags"]) == {"backup": "no"}
    attr = ec2.describe_instance_attribute(InstanceId=i["InstanceId"], Attribute="userData")
    assert base64.b64decode(attr["UserData"]["Value"]).decode() == USER_DATA


def test_private_subnet_and_no_dns_hostnames_give_no_public_names(ec2):
    vpc = new_vpc(ec2)
    subnet = new_subnet(ec2, vpc, "10.0.1.0/24", "us-east-1b")
    i = ec2.run_instances(ImageId=ami(ec2), InstanceType="t3.micro", MinCount=1, MaxCount=1, SubnetId=subnet,
                          PrivateIpAddress="10.0.1.50")["Instances"][0]
    assert "PublicIpAddress" not in i and i["PublicDnsName"] == ""
    assert i["PrivateIpAddress"] == "10.0.1.50"
    assert i["SecurityGroups"][0]["GroupName"] == "default"
    # With a public address but DNS hostnames off: no public DNS name.
    ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
    j = ec2.run_instances(ImageId=ami(ec2), InstanceType="t3.micro", MinCount=1, MaxCount=1,
                          SubnetId=subnet)["Instances"][0]
    assert j["PublicIpAddress"] and j["PublicDnsName"] == ""


def test_without_a_subnet_instances_go_to_the_default_vpc(ec2):
    i = ec2.run_instances(ImageId=ami(ec2), MinCount=1, MaxCount=1,
                          Placement={"AvailabilityZone": "us-east-1c"})["Instances"][0]
    default = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    assert i["VpcId"] == default and i["Placement"]["AvailabilityZone"] == "us-east-1c"
    # AWS's default instance type, and a public address in a default subnet.
    assert i["InstanceType"] == "m1.small"
    assert i["PublicIpAddress"]


def test_run_instances_is_refused_as_aws_refuses_it(ec2, client_for, awsemu_endpoint):
    vpc, public, private, sg = network(ec2)
    image = ami(ec2)
    other_sg = ec2.create_security_group(GroupName="x", Description="x", VpcId=new_vpc(ec2, "10.1.0.0/16"))["GroupId"]
    base = dict(ImageId=image, InstanceType="t3.micro", MinCount=1, MaxCount=1, SubnetId=private)
    with raises_code("InvalidAMIID.NotFound"):
        ec2.run_instances(**{**base, "ImageId": "ami-0123456789abcdef0"})
    with raises_code("InvalidAMIID.Malformed"):
        ec2.run_instances(**{**base, "ImageId": "ami-nope"})
    with raises_code("InvalidParameterValue") as e:
        ec2.run_instances(**{**base, "MinCount": 3, "MaxCount": 2})
    assert "maxCount" in err_message(e)
    with raises_code("InvalidParameterValue") as e:
        ec2.run_instances(**{**base, "InstanceType": "t4g.micro"})
    assert "architecture 'arm64'" in err_message(e)
    with raises_code("InvalidParameterValue"):
        ec2.run_instances(**{**base, "InstanceType": "not a type"})
    with raises_code("InvalidGroup.NotFound"):
        ec2.run_instances(**base, SecurityGroupIds=["sg-0123456789abcdef0"])
    with raises_code("InvalidParameterValue") as e:
        ec2.run_instances(**base, SecurityGroupIds=[other_sg])
    assert "different networks" in err_message(e)
    with raises_code("InvalidParameterCombination"):
        ec2.run_instances(**base, NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": private}])
    with raises_code("InvalidSubnetID.NotFound"):
        ec2.run_instances(**{**base, "SubnetId": "subnet-0123456789abcdef0"})
    # boto3 base64-encodes user data; AWS takes 16 KB of it.
    with raises_code("InvalidParameterValue") as e:
        ec2.run_instances(**base, UserData="x" * 20000)
    assert "16384 bytes" in err_message(e)
    with raises_code("InvalidParameterValue"):
        ec2.run_instances(**base, TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "a", "Value": "b"}]}])
    with raises_code("InvalidParameterValue"):
        ec2.run_instances(**{**base, "SubnetId": public}, Placement={"AvailabilityZone": "us-east-1b"})
    # A /28 has 11 free addresses: 12 instances do not fit, 11 do at most.
    small = new_subnet(ec2, vpc, "10.0.9.0/28", "us-east-1a")
    with raises_code("InsufficientFreeAddressesInSubnet"):
        ec2.run_instances(**{**base, "SubnetId": small, "MinCount": 12, "MaxCount": 12})
    r = ec2.run_instances(**{**base, "SubnetId": small, "MinCount": 2, "MaxCount": 20})
    assert len(r["Instances"]) == 11
    # Nothing was half-made by the refusals.
    all_instances = [i for x in ec2.describe_instances()["Reservations"] for i in x["Instances"]]
    assert len(all_instances) == 11
    dry = client_for(awsemu_endpoint, "ec2")
    with raises_code("DryRunOperation", 412):
        dry.run_instances(**base, DryRun=True)


def test_client_token_makes_run_instances_idempotent(ec2):
    _, _, private, _ = network(ec2)
    image = ami(ec2)
    a = ec2.run_instances(ImageId=image, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                          SubnetId=private, ClientToken="launch-1")
    b = ec2.run_instances(ImageId=image, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                          SubnetId=private, ClientToken="launch-1")
    assert a["ReservationId"] == b["ReservationId"]
    assert a["Instances"][0]["InstanceId"] == b["Instances"][0]["InstanceId"]
    assert b["Instances"][0]["ClientToken"] == "launch-1"
    with raises_code("IdempotentParameterMismatch"):
        ec2.run_instances(ImageId=image, InstanceType="t3.small", MinCount=1, MaxCount=1,
                          SubnetId=private, ClientToken="launch-1")
    assert len(ec2.describe_instances()["Reservations"]) == 1


# ---------------------------------------------------------------- state machine
def test_states_follow_the_world_clock(manual):
    endpoint, c = manual
    _, public, _, _ = network(c)
    iid = c.run_instances(ImageId=ami(c), InstanceType="t3.micro", MinCount=1, MaxCount=1,
                          SubnetId=public)["Instances"][0]["InstanceId"]
    assert state(c, iid) == "pending"
    # Only running instances have a status unless all are asked for.
    assert c.describe_instance_status(InstanceIds=[iid])["InstanceStatuses"] == []
    pending = c.describe_instance_status(InstanceIds=[iid], IncludeAllInstances=True)["InstanceStatuses"][0]
    assert pending["InstanceStatus"]["Status"] == "not-applicable"
    with raises_code("IncorrectInstanceState"):
        c.stop_instances(InstanceIds=[iid])
    advance(endpoint, 6)
    assert state(c, iid) == "running"
    status = c.describe_instance_status(InstanceIds=[iid])["InstanceStatuses"][0]
    assert status["InstanceStatus"] == {"Details": [{"Name": "reachability", "Status": "initializing"}],
                                        "Status": "initializing"}
    advance(endpoint, 11)
    status = c.describe_instance_status(InstanceIds=[iid])["InstanceStatuses"][0]
    assert status["InstanceStatus"]["Status"] == "ok" and status["SystemStatus"]["Status"] == "ok"
    first_ip = instance(c, iid)["PublicIpAddress"]

    out = c.stop_instances(InstanceIds=[iid])["StoppingInstances"][0]
    assert out["PreviousState"] == {"Code": 16, "Name": "running"}
    assert out["CurrentState"] == {"Code": 64, "Name": "stopping"}
    x = instance(c, iid)
    assert x["StateTransitionReason"].startswith("User initiated (") and x["StateTransitionReason"].endswith(" GMT)")
    assert x["StateReason"]["Code"] == "Client.UserInitiatedShutdown"
    with raises_code("IncorrectInstanceState"):
        c.start_instances(InstanceIds=[iid])
    advance(endpoint, 6)
    x = instance(c, iid)
    assert x["State"] == {"Code": 80, "Name": "stopped"}
    assert "PublicIpAddress" not in x and x["PrivateIpAddress"]
    # A stopped instance can change its type.
    c.modify_instance_attribute(InstanceId=iid, InstanceType={"Value": "t3.large"})
    assert instance(c, iid)["InstanceType"] == "t3.large"

    out = c.start_instances(InstanceIds=[iid])["StartingInstances"][0]
    assert (out["PreviousState"]["Name"], out["CurrentState"]["Name"]) == ("stopped", "pending")
    advance(endpoint, 6)
    x = instance(c, iid)
    assert x["State"]["Name"] == "running" and x["StateTransitionReason"] == ""
    assert x["PublicIpAddress"] and x["PublicIpAddress"] != first_ip

    c.reboot_instances(InstanceIds=[iid])
    assert state(c, iid) == "running"

    eni = x["NetworkInterfaces"][0]["NetworkInterfaceId"]
    vol = x["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    out = c.terminate_instances(InstanceIds=[iid])["TerminatingInstances"][0]
    assert (out["PreviousState"]["Name"], out["CurrentState"]["Code"]) == ("running", 32)
    advance(endpoint, 6)
    x = instance(c, iid)
    assert x["State"] == {"Code": 48, "Name": "terminated"}
    assert x["NetworkInterfaces"] == [] and x["PrivateDnsName"] == ""
    with raises_code("InvalidNetworkInterfaceID.NotFound"):
        c.describe_network_interfaces(NetworkInterfaceIds=[eni])
    with raises_code("InvalidVolume.NotFound"):
        c.describe_volumes(VolumeIds=[vol])
    # Terminating again is harmless; a terminated instance cannot start.
    again = c.terminate_instances(InstanceIds=[iid])["TerminatingInstances"][0]
    assert again["CurrentState"]["Name"] == "terminated"
    with raises_code("IncorrectInstanceState"):
        c.start_instances(InstanceIds=[iid])
    # Described for about an hour, then gone.
    advance(endpoint, 3500)
    assert state(c, iid) == "terminated"
    advance(endpoint, 200)
    with raises_code("InvalidInstanceID.NotFound"):
        c.describe_instances(InstanceIds=[iid])


def test_the_instance_waiters_pass(ec2):
    _, _, private, _ = network(ec2)
    ids = [i["InstanceId"] for i in ec2.run_instances(
        ImageId=ami(ec2), InstanceType="t3.micro", MinCount=2, MaxCount=2, SubnetId=private)["Instances"]]
    fast = {"Delay": 1, "MaxAttempts": 5}
    ec2.get_waiter("instance_exists").wait(InstanceIds=ids, WaiterConfig=fast)
    ec2.get_waiter("instance_running").wait(InstanceIds=ids, WaiterConfig=fast)
    ec2.get_waiter("instance_status_ok").wait(InstanceIds=ids, WaiterConfig=fast)
    ec2.get_waiter("system_status_ok").wait(InstanceIds=ids, WaiterConfig=fast)
    ec2.stop_instances(InstanceIds=ids)
    ec2.get_waiter("instance_stopped").wait(InstanceIds=ids, WaiterConfig=fast)
    ec2.terminate_instances(InstanceIds=ids)
    ec2.get_waiter("instance_terminated").wait(InstanceIds=ids, WaiterConfig=fast)
    with pytest.raises(WaiterError):
        ec2.get_waiter("instance_running").wait(InstanceIds=ids, WaiterConfig={"Delay": 1, "MaxAttempts": 2})


def test_termination_and_stop_protection(ec2):
    _, _, private, _ = network(ec2)
    iid = ec2.run_instances(ImageId=ami(ec2), InstanceType="t3.micro", MinCount=1, MaxCount=1, SubnetId=private,
                            DisableApiTermination=True)["Instances"][0]["InstanceId"]
    with raises_code("OperationNotPermitted") as e:
        ec2.terminate_instances(InstanceIds=[iid])
    assert "disableApiTermination" in err_message(e)
    assert state(ec2, iid) == "running"
    ec2.modify_instance_attribute(InstanceId=iid, DisableApiStop={"Value": True})
    with raises_code("OperationNotPermitted"):
        ec2.stop_instances(InstanceIds=[iid])
    ec2.modify_instance_attribute(InstanceId=iid, DisableApiTermination={"Value": False})
    assert ec2.describe_instance_attribute(InstanceId=iid, Attribute="disableApiTermination")[
        "DisableApiTermination"] == {"Value": False}
    ec2.terminate_instances(InstanceIds=[iid])
    assert state(ec2, iid) in ("shutting-down", "terminated")


def test_unknown_and_malformed_instance_ids(ec2):
    with raises_code("InvalidInstanceID.NotFound") as e:
        ec2.describe_instances(InstanceIds=["i-0123456789abcdef0", "i-0123456789abcdef1"])
    assert "i-0123456789abcdef0, i-0123456789abcdef1" in err_message(e)
    with raises_code("InvalidInstanceID.Malformed"):
        ec2.stop_instances(InstanceIds=["instance-1"])
    with raises_code("InvalidInstanceID.NotFound"):
        ec2.terminate_instances(InstanceIds=["i-0123456789abcdef0"])


# ---------------------------------------------------------------- attributes
def test_instance_attributes(ec2):
    _, _, private, sg = network(ec2)
    iid = ec2.run_instances(ImageId=ami(ec2), InstanceType="t3.micro", MinCount=1, MaxCount=1,
                            SubnetId=private)["Instances"][0]["InstanceId"]
    get = lambda a: ec2.describe_instance_attribute(InstanceId=iid, Attribute=a)  # noqa: E731
    assert get("instanceType")["InstanceType"] == {"Value": "t3.micro"}
    assert get("instanceInitiatedShutdownBehavior")["InstanceInitiatedShutdownBehavior"] == {"Value": "stop"}
    assert get("rootDeviceName")["RootDeviceName"] == {"Value": "/dev/xvda"}
    assert get("userData")["UserData"] == {}
    assert get("sourceDestCheck")["SourceDestCheck"] == {"Value": True}
    assert get("groupSet")["Groups"][0]["GroupName"] == "default"
    # Changing the type or user data needs a stopped instance.
    with raises_code("IncorrectInstanceState") as e:
        ec2.modify_instance_attribute(InstanceId=iid, InstanceType={"Value": "t3.small"})
    assert "'stopped' state" in err_message(e)
    with raises_code("IncorrectInstanceState"):
        ec2.modify_instance_attribute(InstanceId=iid, UserData={"Value": b"echo hi"})
    ec2.modify_instance_attribute(InstanceId=iid, Groups=[sg])
    assert [g["GroupId"] for g in get("groupSet")["Groups"]] == [sg]
    assert instance(ec2, iid)["SecurityGroups"] == [{"GroupId": sg, "GroupName": "web"}]
    ec2.modify_instance_attribute(InstanceId=iid, SourceDestCheck={"Value": False})
    assert instance(ec2, iid)["SourceDestCheck"] is False
    # The older Attribute/Value form.
    ec2.modify_instance_attribute(InstanceId=iid, Attribute="instanceInitiatedShutdownBehavior", Value="terminate")
    assert get("instanceInitiatedShutdownBehavior")["InstanceInitiatedShutdownBehavior"] == {"Value": "terminate"}
    with raises_code("InvalidParameterValue"):
        get("colour")
    with raises_code("InvalidParameterCombination"):
        ec2.modify_instance_attribute(InstanceId=iid, SourceDestCheck={"Value": True},
                                      DisableApiStop={"Value": True})
    ec2.stop_instances(InstanceIds=[iid])
    ec2.modify_instance_attribute(InstanceId=iid, UserData={"Value": b"echo hi"})
    assert base64.b64decode(get("userData")["UserData"]["Value"]) == b"echo hi"
    # A root volume kept on termination stays, available.
    ec2.modify_instance_attribute(InstanceId=iid, BlockDeviceMappings=[
        {"DeviceName": "/dev/xvda", "Ebs": {"DeleteOnTermination": False}}])
    vol = get("blockDeviceMapping")["BlockDeviceMappings"][0]["Ebs"]
    assert vol["DeleteOnTermination"] is False
    ec2.terminate_instances(InstanceIds=[iid])
    ec2.describe_instances()
    left = ec2.describe_volumes(VolumeIds=[vol["VolumeId"]])["Volumes"][0]
    assert left["State"] == "available" and left["Attachments"] == []


def test_block_device_mappings_size_the_root_volume(ec2):
    _, _, private, _ = network(ec2)
    i = ec2.run_instances(ImageId=ami(ec2), InstanceType="t3.micro", MinCount=1, MaxCount=1, SubnetId=private,
                          BlockDeviceMappings=[
                              {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 50, "VolumeType": "gp3"}},
                              {"DeviceName": "/dev/xvdb", "Ebs": {"VolumeSize": 100, "VolumeType": "st1",
                                                                  "DeleteOnTermination": False}}])["Instances"][0]
    vols = ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id", "Values": [i["InstanceId"]]}])["Volumes"]
    got = sorted((v["Attachments"][0]["Device"], v["Size"], v["VolumeType"],
                  v["Attachments"][0]["DeleteOnTermination"]) for v in vols)
    assert got == [("/dev/xvda", 50, "gp3", True), ("/dev/xvdb", 100, "st1", False)]
    with raises_code("InvalidParameterValue"):
        ec2.run_instances(ImageId=ami(ec2), InstanceType="t3.micro", MinCount=1, MaxCount=1, SubnetId=private,
                          BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 10}}])


# ---------------------------------------------------------------- filters
def test_describe_instances_filters_and_pages(ec2):
    vpc, public, private, sg = network(ec2)
    image = ami(ec2)
    web = ec2.run_instances(ImageId=image, InstanceType="t3.micro", MinCount=3, MaxCount=3, SubnetId=public,
                            SecurityGroupIds=[sg], TagSpecifications=[
                                {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]}])
    db = ec2.run_instances(ImageId=image, InstanceType="m5.large", MinCount=1, MaxCount=1, SubnetId=private,
                           PrivateIpAddress="10.0.1.77", KeyName="db-key")
    db_id = db["Instances"][0]["InstanceId"]
    web_ids = sorted(i["InstanceId"] for i in web["Instances"])

    def ids(*filters):
        res = ec2.describe_instances(Filters=[{"Name": n, "Values": v} for n, v in filters])["Reservations"]
        return sorted(i["InstanceId"] for r in res for i in r["Instances"])

    assert ids(("tag:Name", ["web"])) == web_ids
    assert ids(("instance-type", ["m5.*"])) == [db_id]
    assert ids(("private-ip-address", ["10.0.1.77"])) == [db_id]
    assert ids(("subnet-id", [private])) == [db_id]
    assert ids(("network-interface.subnet-id", [public])) == web_ids
    assert ids(("vpc-id", [vpc]), ("key-name", ["db-key"])) == [db_id]
    assert ids(("instance.group-id", [sg])) == web_ids
    assert ids(("group-name", ["web"])) == web_ids  # the older name
    assert ids(("instance-state-name", ["running", "stopped"]), ("image-id", [image])) == sorted(web_ids + [db_id])
    assert ids(("instance-state-code", ["16"])) == sorted(web_ids + [db_id])
    assert ids(("reservation-id", [web["ReservationId"]])) == web_ids
    assert ids(("ip-address", ["*"])) == web_ids
    assert ids(("launch-index", ["2"])) == [web["Instances"][2]["InstanceId"]]
    assert ids(("architecture", ["arm64"])) == []
    with raises_code("InvalidParameterValue"):
        ec2.describe_instances(Filters=[{"Name": "colour", "Values": ["red"]}])
    # Pages of instances, grouped into their reservations.
    seen, token = [], None
    while True:
        kw = {"MaxResults": 5}
        if token:
            kw["NextToken"] = token
        page = ec2.describe_instances(**kw)
        seen += [i["InstanceId"] for r in page["Reservations"] for i in r["Instances"]]
        token = page.get("NextToken")
        if not token:
            break
    assert sorted(seen) == sorted(web_ids + [db_id])
    with raises_code("InvalidParameterCombination"):
        ec2.describe_instances(InstanceIds=[db_id], MaxResults=5)


def test_describe_instance_status_filters(ec2):
    _, _, private, _ = network(ec2)
    a, b = [i["InstanceId"] for i in ec2.run_instances(
        ImageId=ami(ec2), InstanceType="t3.micro", MinCount=2, MaxCount=2, SubnetId=private)["Instances"]]
    ec2.describe_instances()
    ec2.stop_instances(InstanceIds=[b])
    ec2.describe_instances()
    all_ = ec2.describe_instance_status(IncludeAllInstances=True,
                                        Filters=[{"Name": "instance-state-name", "Values": ["stopped"]}])
    assert [s["InstanceId"] for s in all_["InstanceStatuses"]] == [b]
    ok = ec2.describe_instance_status(Filters=[{"Name": "instance-status.status", "Values": ["ok"]}])
    assert [s["InstanceId"] for s in ok["InstanceStatuses"]] == [a]


# ---------------------------------------------------------------- interfaces, addresses, routes
def test_attach_and_detach_network_interfaces(ec2):
    vpc, _, private, sg = network(ec2)
    other_az = new_subnet(ec2, vpc, "10.0.2.0/24", "us-east-1b")
    iid = ec2.run_instances(ImageId=ami(ec2), InstanceType="t3.micro", MinCount=1, MaxCount=1,
                            SubnetId=private)["Instances"][0]["InstanceId"]
    ec2.describe_instances()
    eni = ec2.create_network_interface(SubnetId=private, Groups=[sg])["NetworkInterface"]["NetworkInterfaceId"]
    att = ec2.attach_network_interface(NetworkInterfaceId=eni, InstanceId=iid, DeviceIndex=1)
    assert att["AttachmentId"].startswith("eni-attach-") and att["NetworkCardIndex"] == 0
    x = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"][0]
    assert x["Status"] == "in-use"
    assert x["Attachment"]["InstanceId"] == iid and x["Attachment"]["DeviceIndex"] == 1
    assert x["Attachment"]["DeleteOnTermination"] is False
    assert [n["NetworkInterfaceId"] for n in instance(ec2, iid)["NetworkInterfaces"]][1] == eni
    found = ec2.describe_network_interfaces(Filters=[{"Name": "attachment.instance-id", "Values": [iid]}])
    assert len(found["NetworkInterfaces"]) == 2
    with raises_code("InvalidNetworkInterface.InUse"):
        ec2.delete_network_interface(NetworkInterfaceId=eni)
    # t3.micro takes two interfaces.
    third = ec2.create_network_interface(SubnetId=private)["NetworkInterface"]["NetworkInterfaceId"]
    with raises_code("AttachmentLimitExceeded"):
        ec2.attach_network_interface(NetworkInterfaceId=third, InstanceId=iid, DeviceIndex=2)
    far = ec2.create_network_interface(SubnetId=other_az)["NetworkInterface"]["NetworkInterfaceId"]
    with raises_code("InvalidParameterValue") as e:
        ec2.attach_network_interface(NetworkInterfaceId=far, InstanceId=iid, DeviceIndex=2)
    assert "availability zone" in err_message(e)
    primary = instance(ec2, iid)["NetworkInterfaces"][0]["Attachment"]["AttachmentId"]
    with raises_code("OperationNotPermitted"):
        ec2.detach_network_interface(AttachmentId=primary)
    with raises_code("InvalidAttachmentID.NotFound"):
        ec2.detach_network_interface(AttachmentId="eni-attach-0123456789abcdef0")
    ec2.modify_network_interface_attribute(NetworkInterfaceId=eni, Attachment={
        "AttachmentId": att["AttachmentId"], "DeleteOnTermination": True})
    assert ec2.describe_network_interface_attribute(NetworkInterfaceId=eni, Attribute="attachment")[
        "Attachment"]["DeleteOnTermination"] is True
    ec2.detach_network_interface(AttachmentId=att["AttachmentId"])
    x = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"][0]
    assert x["Status"] == "available" and "Attachment" not in x
    ec2.delete_network_interface(NetworkInterfaceId=eni)


def test_launch_with_network_interfaces(ec2):
    _, _, private, sg = network(ec2)
    eni = ec2.create_network_interface(SubnetId=private)["NetworkInterface"]["NetworkInterfaceId"]
    i = ec2.run_instances(ImageId=ami(ec2), InstanceType="m5.large", MinCount=1, MaxCount=1, NetworkInterfaces=[
        {"DeviceIndex": 0, "SubnetId": private, "Groups": [sg], "SecondaryPrivateIpAddressCount": 2},
        {"DeviceIndex": 1, "NetworkInterfaceId": eni}])["Instances"][0]
    nics = sorted(i["NetworkInterfaces"], key=lambda n: n["Attachment"]["DeviceIndex"])
    assert nics[1]["NetworkInterfaceId"] == eni
    assert len(nics[0]["PrivateIpAddresses"]) == 3
    assert nics[0]["Groups"] == [{"GroupId": sg, "GroupName": "web"}]
    ec2.terminate_instances(InstanceIds=[i["InstanceId"]])
    ec2.describe_instances()
    # An interface attached by id outlives the instance.
    assert ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"][0]["Status"] == "available"


def test_elastic_ip_and_routes_to_an_instance(ec2):
    vpc, public, private, _ = network(ec2)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    i = ec2.run_instances(ImageId=ami(ec2), InstanceType="t3.micro", MinCount=1, MaxCount=1,
                          SubnetId=private)["Instances"][0]
    iid, eni = i["InstanceId"], i["NetworkInterfaces"][0]["NetworkInterfaceId"]
    ec2.describe_instances()
    eip = ec2.allocate_address(Domain="vpc")
    assoc = ec2.associate_address(AllocationId=eip["AllocationId"], InstanceId=iid)
    x = instance(ec2, iid)
    assert x["PublicIpAddress"] == eip["PublicIp"]
    assert x["NetworkInterfaces"][0]["Association"]["IpOwnerId"] == "000000000000"
    addr = ec2.describe_addresses(Filters=[{"Name": "instance-id", "Values": [iid]}])["Addresses"][0]
    assert (addr["InstanceId"], addr["NetworkInterfaceId"], addr["AssociationId"]) == (
        iid, eni, assoc["AssociationId"])
    rtb = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="192.168.0.0/16", InstanceId=iid)
    route = [r for r in ec2.describe_route_tables(RouteTableIds=[rtb])["RouteTables"][0]["Routes"]
             if r.get("DestinationCidrBlock") == "192.168.0.0/16"][0]
    assert (route["InstanceId"], route["NetworkInterfaceId"], route["State"]) == (iid, eni, "active")
    # A stopped instance sends nowhere.
    ec2.stop_instances(InstanceIds=[iid])
    ec2.describe_instances()
    route = [r for r in ec2.describe_route_tables(RouteTableIds=[rtb])["RouteTables"][0]["Routes"]
             if r.get("DestinationCidrBlock") == "192.168.0.0/16"][0]
    assert route["State"] == "blackhole"
    # The gateway cannot go while the address is mapped.
    with raises_code("DependencyViolation"):
        ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    with raises_code("InvalidInstanceID.NotFound"):
        ec2.associate_address(AllocationId=eip["AllocationId"], InstanceId="i-0123456789abcdef0")


def test_tags_on_instances_and_volumes(ec2):
    _, _, private, _ = network(ec2)
    i = ec2.run_instances(ImageId=ami(ec2), InstanceType="t3.micro", MinCount=1, MaxCount=1,
                          SubnetId=private)["Instances"][0]
    vol = i["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    ec2.create_tags(Resources=[i["InstanceId"], vol], Tags=[{"Key": "env", "Value": "ci"}])
    got = ec2.describe_tags(Filters=[{"Name": "key", "Values": ["env"]}])["Tags"]
    assert sorted((t["ResourceId"], t["ResourceType"]) for t in got) == sorted(
        [(i["InstanceId"], "instance"), (vol, "volume")])
    ec2.delete_tags(Resources=[vol], Tags=[{"Key": "env"}])
    assert "Tags" not in ec2.describe_volumes(VolumeIds=[vol])["Volumes"][0]
    with raises_code("InvalidInstanceID.NotFound"):
        ec2.create_tags(Resources=["i-0123456789abcdef0"], Tags=[{"Key": "a", "Value": "b"}])


# ---------------------------------------------------------------- AWS CLI
def test_aws_cli_run_instances_as_in_the_issue(aws_cli, tmp_path):
    def run(*args):
        rc, out, err = aws_cli("ec2", *args)
        assert rc == 0, err
        return out

    image = run("describe-images", "--owners", "amazon", "--filters",
                "Name=name,Values=al2023-ami-ecs-hvm-*-x86_64")["Images"][0]["ImageId"]
    vpc = run("create-vpc", "--cidr-block", "10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = run("create-subnet", "--vpc-id", vpc, "--cidr-block", "10.0.1.0/24")["Subnet"]["SubnetId"]
    script = tmp_path / "ecs.sh"
    script.write_text(USER_DATA)
    out = run("run-instances", "--image-id", image, "--instance-type", "t3.micro", "--subnet-id", subnet,
              "--user-data", f"file://{script}")
    iid = out["Instances"][0]["InstanceId"]
    rc, _, err = aws_cli("ec2", "wait", "instance-running", "--instance-ids", iid)
    assert rc == 0, err
    attr = run("describe-instance-attribute", "--instance-id", iid, "--attribute", "userData")
    assert base64.b64decode(attr["UserData"]["Value"]).decode() == USER_DATA
    assert run("describe-instances", "--instance-ids", iid)["Reservations"][0]["Instances"][0]["State"][
        "Name"] == "running"


def test_tag_rules_of_run_instances_and_status(ec2):
    _, _, private, _ = network(ec2)
    base = dict(ImageId=ami(ec2), InstanceType="t3.micro", MinCount=1, MaxCount=1, SubnetId=private)
    # An aws: key in a TagSpecification: AWS's shorter message, without the key.
    with raises_code("InvalidParameterValue") as e:
        ec2.run_instances(**base, TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "aws:owner", "Value": "x"}]}])
    assert err_message(e) == "Tag keys starting with 'aws:' are reserved for internal use"
    with raises_code("InvalidParameterValue"):
        ec2.run_instances(**base, TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "a", "Value": "1"}]},
            {"ResourceType": "instance", "Tags": [{"Key": "b", "Value": "2"}]}])
    assert ec2.describe_instances()["Reservations"] == []
    # Statuses carry no tags: tag filters are refused.
    with raises_code("InvalidParameterValue"):
        ec2.describe_instance_status(Filters=[{"Name": "tag:Name", "Values": ["x"]}])


def test_aws_cli_associate_public_ip_address_moves_subnet_and_groups_into_an_interface(aws_cli):
    """The CLI's --associate-public-ip-address sends the subnet and groups
    inside NetworkInterfaces[0], as AWS requires."""
    def run(*args):
        rc, out, err = aws_cli("ec2", *args)
        assert rc == 0, err
        return out

    image = run("describe-images", "--owners", "amazon", "--filters",
                "Name=name,Values=al2023-ami-ecs-hvm-*-x86_64")["Images"][0]["ImageId"]
    vpc = run("create-vpc", "--cidr-block", "10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = run("create-subnet", "--vpc-id", vpc, "--cidr-block", "10.0.1.0/24")["Subnet"]["SubnetId"]
    sg = run("create-security-group", "--group-name", "web", "--description", "web", "--vpc-id", vpc)["GroupId"]
    out = run("run-instances", "--image-id", image, "--instance-type", "t3.micro", "--subnet-id", subnet,
              "--security-group-ids", sg, "--associate-public-ip-address")
    i = out["Instances"][0]
    assert i["SubnetId"] == subnet and i["PublicIpAddress"]
    assert [g["GroupId"] for g in i["SecurityGroups"]] == [sg]
