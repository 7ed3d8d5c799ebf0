"""Wire-level protocol behaviour (raw, SigV4-signed HTTP through ``requests``) and
the emulator control API.

References: aws-spec.md §1 (dispatch), §2 (SigV4), §3 (EC2 protocol),
§4.3 (Query error envelope), §5 (awsJson1_1), §14.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import requests

from awsemu_helpers import (
    UUID_RE,
    VPC_ID,
    default_vpc,
    err_message,
    find_local,
    local_name,
    namespace,
    new_vpc,
    raises_code,
)

FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
ECS_TARGET = "AmazonEC2ContainerServiceV20141113"
EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/"


def _ecs_headers(op: str) -> dict[str, str]:
    return {
        "X-Amz-Target": f"{ECS_TARGET}.{op}",
        "Content-Type": "application/x-amz-json-1.1",
    }


def _ec2_error(resp: requests.Response) -> tuple[str, str, str]:
    """Parse the EC2 error envelope; returns (code, message, request id)."""
    root = ET.fromstring(resp.content)
    assert local_name(root.tag) == "Response", resp.text
    error = find_local(root, "Errors", "Error")
    assert error is not None, resp.text
    code = find_local(error, "Code")
    message = find_local(error, "Message")
    request_id = find_local(root, "RequestID")
    assert code is not None and request_id is not None, resp.text
    return code.text or "", (message.text if message is not None else "") or "", request_id.text or ""


# ---------------------------------------------------------------------------
# Control API
# ---------------------------------------------------------------------------
def test_health(awsemu_endpoint):
    resp = requests.get(f"{awsemu_endpoint}/_awsemu/health", timeout=10)
    assert resp.status_code == 200
    assert resp.json()["status"] == "running"


def test_reset_clears_state(awsemu_endpoint, ec2):
    c = ec2()
    assert default_vpc(c)["IsDefault"] is True
    vpc_id = new_vpc(c)
    other = ec2("333333333333", "eu-west-1")
    other_vpc = new_vpc(other)

    resp = requests.post(f"{awsemu_endpoint}/_awsemu/reset", timeout=10)
    assert resp.status_code == 200

    vpcs = c.describe_vpcs()["Vpcs"]
    assert vpc_id not in [v["VpcId"] for v in vpcs]
    assert [v["IsDefault"] for v in vpcs] == [True]
    assert vpcs[0]["CidrBlock"] == "172.31.0.0/16"
    assert VPC_ID.match(vpcs[0]["VpcId"])
    with raises_code("InvalidVpcID.NotFound"):
        other.describe_vpcs(VpcIds=[other_vpc])


def test_moto_reset_alias(awsemu_endpoint, ec2):
    c = ec2()
    vpc_id = new_vpc(c)
    resp = requests.post(f"{awsemu_endpoint}/moto-api/reset", timeout=10)
    assert resp.status_code == 200
    with raises_code("InvalidVpcID.NotFound"):
        c.describe_vpcs(VpcIds=[vpc_id])
    assert [v["IsDefault"] for v in c.describe_vpcs()["Vpcs"]] == [True]


# ---------------------------------------------------------------------------
# EC2 envelope
# ---------------------------------------------------------------------------
def test_ec2_success_envelope(raw):
    resp = raw(body="Action=DescribeVpcs&Version=2016-11-15", headers=FORM, service="ec2")
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("text/xml")
    root = ET.fromstring(resp.content)
    assert local_name(root.tag) == "DescribeVpcsResponse"
    assert namespace(root.tag) == EC2_NS
    request_id = find_local(root, "requestId")
    assert request_id is not None and UUID_RE.match(request_id.text or ""), resp.text
    vpc_set = find_local(root, "vpcSet")
    assert vpc_set is not None, resp.text
    items = list(vpc_set)
    assert [local_name(i.tag) for i in items] == ["item"]
    assert (find_local(items[0], "isDefault").text or "") == "true"
    assert (find_local(items[0], "cidrBlock").text or "") == "172.31.0.0/16"


def test_ec2_unknown_action(raw):
    resp = raw(body="Action=NoSuchThing&Version=2016-11-15", headers=FORM, service="ec2")
    assert resp.status_code == 400, resp.text
    code, message, request_id = _ec2_error(resp)
    assert code == "InvalidAction"
    assert "NoSuchThing" in message
    assert request_id


def test_ec2_get_query_string_request(awsemu_endpoint, raw):
    resp = raw(
        body=b"", headers={}, service="ec2", method="GET",
        path="/?Action=DescribeAvailabilityZones&Version=2016-11-15",
    )
    assert resp.status_code == 200, resp.text
    root = ET.fromstring(resp.content)
    assert local_name(root.tag) == "DescribeAvailabilityZonesResponse"
    info = find_local(root, "availabilityZoneInfo")
    assert info is not None and len(list(info)) == 6


def test_ec2_max_results_not_a_number(raw):
    resp = raw(
        body="Action=DescribeVpcs&Version=2016-11-15&MaxResults=abc", headers=FORM, service="ec2"
    )
    assert resp.status_code == 400, resp.text
    code, _, _ = _ec2_error(resp)
    assert code == "InvalidParameterValue"


def test_ec2_create_vpc_without_cidr_or_ipam_pool(ec2):
    # CidrBlock is optional in the model (IPAM), but one of CidrBlock / Ipv4IpamPoolId
    # must be given.
    c = ec2()
    with raises_code("MissingParameter"):
        c.create_vpc()
    assert len(c.describe_vpcs()["Vpcs"]) == 1


def test_ec2_create_subnet_without_vpc_id(ec2_unvalidated):
    with raises_code("MissingParameter") as ei:
        ec2_unvalidated().create_subnet(CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")
    assert "VpcId" in err_message(ei)


def test_ec2_raw_missing_parameter_envelope(raw):
    resp = raw(body="Action=DeleteVpc&Version=2016-11-15", headers=FORM, service="ec2")
    assert resp.status_code == 400, resp.text
    code, message, _ = _ec2_error(resp)
    assert code == "MissingParameter"
    assert "VpcId" in message


def test_ec2_error_request_id_differs_per_request(raw):
    ids = set()
    for _ in range(3):
        resp = raw(body="Action=NoSuchThing&Version=2016-11-15", headers=FORM, service="ec2")
        ids.add(_ec2_error(resp)[2])
    assert len(ids) == 3


# ---------------------------------------------------------------------------
# ELBv2 (Query) and ECS (JSON 1.1) protocol errors
# ---------------------------------------------------------------------------
def test_elbv2_unknown_action(raw):
    resp = raw(
        body="Action=NoSuchThing&Version=2015-12-01",
        headers=FORM,
        service="elasticloadbalancing",
    )
    assert resp.status_code == 400, resp.text
    root = ET.fromstring(resp.content)
    assert local_name(root.tag) == "ErrorResponse", resp.text
    code = find_local(root, "Error", "Code")
    assert code is not None and code.text == "InvalidAction", resp.text
    err_type = find_local(root, "Error", "Type")
    assert err_type is not None and err_type.text == "Sender", resp.text
    request_id = find_local(root, "RequestId")
    assert request_id is not None and request_id.text, resp.text


def test_ecs_unknown_operation(raw):
    resp = raw(body="{}", headers=_ecs_headers("NoSuchOp"), service="ecs")
    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert "UnknownOperationException" in body["__type"]
    assert resp.headers.get("x-amzn-RequestId"), dict(resp.headers)


def test_ecs_malformed_json(raw):
    resp = raw(body="{not json", headers=_ecs_headers("ListClusters"), service="ecs")
    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert "SerializationException" in body["__type"]


# ---------------------------------------------------------------------------
# Robustness
# ---------------------------------------------------------------------------
def test_two_megabyte_body_is_rejected_cleanly(awsemu_endpoint, raw):
    big = "Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=tag:big&Filter.1.Value.1=" + (
        "a" * (2 * 1024 * 1024)
    )
    resp = raw(body=big, headers=FORM, service="ec2")
    assert 400 <= resp.status_code < 500, (resp.status_code, resp.text[:500])

    # the server is still healthy and serving
    health = requests.get(f"{awsemu_endpoint}/_awsemu/health", timeout=10)
    assert health.status_code == 200
    after = raw(body="Action=DescribeVpcs&Version=2016-11-15", headers=FORM, service="ec2")
    assert after.status_code == 200, after.text


def test_no_5xx_on_garbage(raw):
    cases = [
        (b"", FORM, "ec2"),
        (b"Action=&Version=2016-11-15", FORM, "ec2"),
        (b"%%%=%%%&Action=DescribeVpcs&Version=2016-11-15", FORM, "ec2"),
        (b"Action=DescribeVpcs&Version=2016-11-15&Filter.x.Name=vpc-id", FORM, "ec2"),
        (b"Action=CreateVpc&Version=2016-11-15&CidrBlock=not-a-cidr", FORM, "ec2"),
        (b"[]", _ecs_headers("ListClusters"), "ecs"),
        (json.dumps({"maxResults": "x"}).encode(), _ecs_headers("ListClusters"), "ecs"),
    ]
    for body, headers, service in cases:
        resp = raw(body=body, headers=headers, service=service)
        assert resp.status_code < 500, (body, resp.status_code, resp.text[:500])
