"""boto3: network ACLs (issue 12, item 5): the default ACL every VPC gets
with AWS's entries and every subnet associated, ACLs of one's own, their
entries and the associations moving between them."""

from __future__ import annotations

from awsemu_helpers import (
    DEFAULT_ACCOUNT,
    err_message,
    id_re,
    new_subnet,
    new_vpc,
    raises_code,
    tags_dict,
)

ACL_ID = id_re("acl")
ACLASSOC_ID = id_re("aclassoc")
ALL = "0.0.0.0/0"


def entries(acl: dict) -> list[tuple]:
    return [(e["RuleNumber"], e["Egress"], e["Protocol"], e["RuleAction"], e.get("CidrBlock"),
             (e["PortRange"]["From"], e["PortRange"]["To"]) if "PortRange" in e else None)
            for e in acl["Entries"]]


def default_acl(c, vpc: str) -> dict:
    [acl] = c.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                             {"Name": "default", "Values": ["true"]}])["NetworkAcls"]
    return acl


def test_every_vpc_has_a_default_acl_with_its_subnets(ec2):
    c = ec2()
    vpc = new_vpc(c)
    acl = default_acl(c, vpc)
    assert ACL_ID.match(acl["NetworkAclId"])
    assert acl["IsDefault"] is True and acl["OwnerId"] == DEFAULT_ACCOUNT
    # Egress first, each way by rule number: allow all, then AWS's deny-all.
    assert entries(acl) == [
        (100, True, "-1", "allow", ALL, None), (32767, True, "-1", "deny", ALL, None),
        (100, False, "-1", "allow", ALL, None), (32767, False, "-1", "deny", ALL, None)]
    assert acl["Associations"] == []
    subnet = new_subnet(c, vpc, "10.0.1.0/24")
    [assoc] = default_acl(c, vpc)["Associations"]
    assert assoc["SubnetId"] == subnet and ACLASSOC_ID.match(assoc["NetworkAclAssociationId"])
    # The default VPC's subnets are in its default ACL too.
    dvpc = c.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    assert len(default_acl(c, dvpc)["Associations"]) == 6
    with raises_code("InvalidParameterValue"):
        c.delete_network_acl(NetworkAclId=acl["NetworkAclId"])
    c.delete_subnet(SubnetId=subnet)
    assert default_acl(c, vpc)["Associations"] == []
    c.delete_vpc(VpcId=vpc)
    assert c.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NetworkAcls"] == []


def test_acl_entries_and_associations(ec2):
    c = ec2()
    vpc = new_vpc(c)
    subnet = new_subnet(c, vpc, "10.0.1.0/24")
    made = c.create_network_acl(VpcId=vpc, TagSpecifications=[
        {"ResourceType": "network-acl", "Tags": [{"Key": "Name", "Value": "web"}]}])["NetworkAcl"]
    acl = made["NetworkAclId"]
    assert made["IsDefault"] is False and tags_dict(made["Tags"]) == {"Name": "web"}
    assert entries(made) == [(32767, True, "-1", "deny", ALL, None), (32767, False, "-1", "deny", ALL, None)]

    c.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="allow",
                               Egress=False, CidrBlock="0.0.0.0/0", PortRange={"From": 443, "To": 443})
    c.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="allow",
                               Egress=True, CidrBlock="0.0.0.0/0")
    with raises_code("NetworkAclEntryAlreadyExists") as e:
        c.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="deny",
                                   Egress=False, CidrBlock="10.0.0.0/8")
    assert err_message(e) == "The network acl entry identified by 100 already exists."
    with raises_code("InvalidParameterValue"):
        c.create_network_acl_entry(NetworkAclId=acl, RuleNumber=32767, Protocol="-1", RuleAction="allow",
                                   Egress=False, CidrBlock="0.0.0.0/0")
    with raises_code("MissingParameter"):
        c.create_network_acl_entry(NetworkAclId=acl, RuleNumber=110, Protocol="6", RuleAction="allow",
                                   Egress=False, CidrBlock="0.0.0.0/0")
    c.replace_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="allow",
                                Egress=False, CidrBlock="10.0.0.0/8", PortRange={"From": 80, "To": 443})
    described = c.describe_network_acls(NetworkAclIds=[acl])["NetworkAcls"][0]
    assert entries(described) == [
        (100, True, "-1", "allow", ALL, None), (32767, True, "-1", "deny", ALL, None),
        (100, False, "6", "allow", "10.0.0.0/8", (80, 443)), (32767, False, "-1", "deny", ALL, None)]
    with raises_code("InvalidNetworkAclEntry.NotFound"):
        c.replace_network_acl_entry(NetworkAclId=acl, RuleNumber=200, Protocol="-1", RuleAction="allow",
                                    Egress=False, CidrBlock="0.0.0.0/0")
    c.delete_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Egress=True)
    with raises_code("InvalidNetworkAclEntry.NotFound"):
        c.delete_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Egress=True)
    found = c.describe_network_acls(Filters=[{"Name": "entry.port-range.to", "Values": ["443"]}])["NetworkAcls"]
    assert [a["NetworkAclId"] for a in found] == [acl]

    # The subnet moves from the default ACL to this one, and back.
    [assoc] = default_acl(c, vpc)["Associations"]
    moved = c.replace_network_acl_association(AssociationId=assoc["NetworkAclAssociationId"], NetworkAclId=acl)
    new_assoc = moved["NewAssociationId"]
    assert ACLASSOC_ID.match(new_assoc) and new_assoc != assoc["NetworkAclAssociationId"]
    assert default_acl(c, vpc)["Associations"] == []
    by_subnet = c.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])
    assert [a["NetworkAclId"] for a in by_subnet["NetworkAcls"]] == [acl]
    with raises_code("DependencyViolation"):
        c.delete_network_acl(NetworkAclId=acl)
    with raises_code("DependencyViolation"):
        c.delete_vpc(VpcId=vpc)
    c.replace_network_acl_association(AssociationId=new_assoc, NetworkAclId=default_acl(c, vpc)["NetworkAclId"])
    c.delete_network_acl(NetworkAclId=acl)
    with raises_code("InvalidNetworkAclID.NotFound"):
        c.describe_network_acls(NetworkAclIds=[acl])
    with raises_code("InvalidAssociationID.NotFound"):
        c.replace_network_acl_association(AssociationId=new_assoc, NetworkAclId=acl)
