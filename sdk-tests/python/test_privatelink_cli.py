"""AWS CLI (v1): the provider guide's commands, as a user types them.

Every ``aws ec2 ...`` command of seed guide 003 ("VPC Endpoint Services (AWS
PrivateLink)") runs word for word; only the example ids (service, endpoint,
notification ids, load balancer ARNs, account ids, and the Region inside the
example SNS ARNs, which says us-east-2) are replaced by those of the resources
created here. The provider is 111111111111, the consumer 222222222222.

References: aws-spec.md §8.6-8.20, §13; /work/shared/seeds/003_*.
"""

from __future__ import annotations

import json
import re
import shlex

import requests

from awsemu_helpers import VPCE_ID, VPCE_NFN_ID, VPCE_SVC_ID, VPCE_SVC_PERM_ID

PROVIDER = "111111111111"
CONSUMER = "222222222222"

EX_NLB = ("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/nlb-vpce/"
          "e94221227f1ba532")
EX_PRINCIPALS = '["arn:aws:iam::123456789012:root"]'

# Verbatim from /work/shared/seeds/003_e34618c613b69745.txt, in the guide's order.
SEED_CREATE_SERVICE = (
    "aws ec2 create-vpc-endpoint-service-configuration --network-load-balancer-arns "
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/nlb-vpce/"
    "e94221227f1ba532 --acceptance-required"
)
SEED_ADD_PERMISSIONS = (
    "aws ec2 modify-vpc-endpoint-service-permissions --service-id vpce-svc-03d5ebb7d9579a2b3 "
    "--add-allowed-principals '[\"arn:aws:iam::123456789012:root\"]'"
)
SEED_DESCRIBE_PERMISSIONS = (
    "aws ec2 describe-vpc-endpoint-service-permissions --service-id vpce-svc-03d5ebb7d9579a2b3"
)
SEED_REMOVE_PERMISSIONS = (
    "aws ec2 modify-vpc-endpoint-service-permissions --service-id vpce-svc-03d5ebb7d9579a2b3 "
    "--remove-allowed-principals '[\"arn:aws:iam::123456789012:root\"]'"
)
SEED_REMOVE_NLB = (
    "aws ec2 modify-vpc-endpoint-service-configuration --service-id vpce-svc-09222513e6e77dc86 "
    "--remove-network-load-balancer-arn arn:aws:elasticloadbalancing:us-east-1:123456789012:"
    "loadbalancer/net/nlb-vpce/e94221227f1ba532"
)
SEED_NO_ACCEPTANCE = (
    "aws ec2 modify-vpc-endpoint-service-configuration --service-id vpce-svc-09222513e6e77dc86 "
    "--no-acceptance-required"
)
SEED_DESCRIBE_PENDING = (
    "aws ec2 describe-vpc-endpoint-connections --filters "
    "Name=vpc-endpoint-state,Values=pendingAcceptance"
)
SEED_ACCEPT = (
    "aws ec2 accept-vpc-endpoint-connections --service-id vpce-svc-03d5ebb7d9579a2b3 "
    "--vpc-endpoint-ids vpce-0c1308d7312217abc"
)
SEED_REJECT = (
    "aws ec2 reject-vpc-endpoint-connections --service-id vpce-svc-03d5ebb7d9579a2b3 "
    "--vpc-endpoint-ids vpce-0c1308d7312217abc"
)
SEED_CREATE_NOTIFICATION = (
    "aws ec2 create-vpc-endpoint-connection-notification --connection-notification-arn "
    "arn:aws:sns:us-east-2:123456789012:VpceNotification --connection-events Connect Accept "
    "Delete Reject --service-id vpce-svc-1237881c0d25a3abc"
)
SEED_DESCRIBE_NOTIFICATIONS = "aws ec2 describe-vpc-endpoint-connection-notifications"
SEED_MODIFY_NOTIFICATION = (
    "aws ec2 modify-vpc-endpoint-connection-notification --connection-notification-id "
    "vpce-nfn-008776de7e03f5abc --connection-events Accept Reject --connection-notification-arn "
    "arn:aws:sns:us-east-2:123456789012:mytopic"
)
SEED_DELETE_NOTIFICATIONS = (
    "aws ec2 delete-vpc-endpoint-connection-notifications --connection-notification-ids "
    "vpce-nfn-008776de7e03f5abc"
)
# The seed names the command without printing it; same form as the other examples.
DELETE_SERVICE = (
    "aws ec2 delete-vpc-endpoint-service-configurations --service-ids vpce-svc-03d5ebb7d9579a2b3"
)

EX_SERVICE_IDS = ("vpce-svc-03d5ebb7d9579a2b3", "vpce-svc-09222513e6e77dc86",
                  "vpce-svc-1237881c0d25a3abc")


def seed_words(text: str, substitute: dict[str, str]) -> list[str]:
    """Shell words of a seed command (as the shell splits them), without the
    leading ``aws``, with whole-word substitutions."""
    words = shlex.split(text)
    assert words[0] == "aws"
    return [substitute.get(w, w) for w in words[1:]]


def ok(aws_cli, *args, account=PROVIDER):
    rc, out, err = aws_cli(*args, account=account)
    assert rc == 0, (args, err)
    return out


def refused(aws_cli, *args, code: str, account=PROVIDER) -> str:
    rc, out, err = aws_cli(*args, account=account)
    assert rc != 0, (args, out)
    assert f"({code})" in err, err
    return err


def default_subnets(aws_cli, account: str) -> dict[str, str]:
    out = ok(aws_cli, "ec2", "describe-subnets", "--filters", "Name=default-for-az,Values=true",
             account=account)
    return {s["AvailabilityZone"]: s["SubnetId"] for s in out["Subnets"]}


def create_nlb(aws_cli, name: str, subnets: list[str]) -> str:
    out = ok(aws_cli, "elbv2", "create-load-balancer", "--name", name, "--type", "network",
             "--scheme", "internal", "--subnets", *subnets)
    return out["LoadBalancers"][0]["LoadBalancerArn"]


def consumer_endpoint(aws_cli, service_name: str, subnet: str) -> dict:
    vpc = ok(aws_cli, "ec2", "describe-vpcs", "--filters", "Name=is-default,Values=true",
             account=CONSUMER)["Vpcs"][0]["VpcId"]
    return ok(aws_cli, "ec2", "create-vpc-endpoint", "--vpc-id", vpc, "--service-name",
              service_name, "--vpc-endpoint-type", "Interface", "--subnet-ids", subnet,
              account=CONSUMER)["VpcEndpoint"]


def endpoint_state(aws_cli, vpce_id: str) -> str:
    out = ok(aws_cli, "ec2", "describe-vpc-endpoints", "--vpc-endpoint-ids", vpce_id,
             account=CONSUMER)
    return out["VpcEndpoints"][0]["State"]


def service_config(aws_cli, sid: str) -> dict:
    out = ok(aws_cli, "ec2", "describe-vpc-endpoint-service-configurations", "--service-ids", sid)
    assert len(out["ServiceConfigurations"]) == 1
    return out["ServiceConfigurations"][0]


def test_cli_provider_guide(aws_cli, awsemu_endpoint):
    # --- the provider's Network Load Balancers (in its default subnets) ------------
    subnets = default_subnets(aws_cli, PROVIDER)
    nlb = create_nlb(aws_cli, "nlb-vpce", [subnets["us-east-1a"], subnets["us-east-1b"]])
    nlb2 = create_nlb(aws_cli, "nlb-vpce-2", [subnets["us-east-1a"], subnets["us-east-1c"]])
    sub = {EX_NLB: nlb, EX_PRINCIPALS: json.dumps([f"arn:aws:iam::{CONSUMER}:root"])}

    # --- create-vpc-endpoint-service-configuration --------------------------------
    args = seed_words(SEED_CREATE_SERVICE, sub)
    assert args == ["ec2", "create-vpc-endpoint-service-configuration",
                    "--network-load-balancer-arns", nlb, "--acceptance-required"]
    cfg = ok(aws_cli, *args)["ServiceConfiguration"]
    sid = cfg["ServiceId"]
    assert VPCE_SVC_ID.match(sid)
    assert cfg["ServiceType"] == [{"ServiceType": "Interface"}]
    assert cfg["NetworkLoadBalancerArns"] == [nlb]
    assert cfg["ServiceName"] == f"com.amazonaws.vpce.us-east-1.{sid}"
    assert cfg["ServiceState"] == "Available"
    assert cfg["AcceptanceRequired"] is True
    assert sorted(cfg["AvailabilityZones"]) == ["us-east-1a", "us-east-1b"]
    assert cfg["BaseEndpointDnsNames"] == [f"{sid}.us-east-1.vpce.amazonaws.com"]
    for ex in EX_SERVICE_IDS:
        sub[ex] = sid

    # --- permissions: add, describe, remove (and add back for the consumer) -------
    args = seed_words(SEED_ADD_PERMISSIONS, sub)
    assert args == ["ec2", "modify-vpc-endpoint-service-permissions", "--service-id", sid,
                    "--add-allowed-principals", f'["arn:aws:iam::{CONSUMER}:root"]']
    out = ok(aws_cli, *args)
    assert out["ReturnValue"] is True
    [added] = out["AddedPrincipals"]
    assert (added["PrincipalType"], added["Principal"], added["ServiceId"]) == (
        "Account", f"arn:aws:iam::{CONSUMER}:root", sid)
    assert VPCE_SVC_PERM_ID.match(added["ServicePermissionId"])

    out = ok(aws_cli, *seed_words(SEED_DESCRIBE_PERMISSIONS, sub))
    assert [(p["PrincipalType"], p["Principal"]) for p in out["AllowedPrincipals"]] == [
        ("Account", f"arn:aws:iam::{CONSUMER}:root")]

    out = ok(aws_cli, *seed_words(SEED_REMOVE_PERMISSIONS, sub))
    assert out["ReturnValue"] is True
    assert ok(aws_cli, *seed_words(SEED_DESCRIBE_PERMISSIONS, sub))["AllowedPrincipals"] == []
    refused(aws_cli, "ec2", "describe-vpc-endpoint-services", "--service-names",
            cfg["ServiceName"], code="InvalidServiceName", account=CONSUMER)
    ok(aws_cli, *seed_words(SEED_ADD_PERMISSIONS, sub))
    assert [p["Principal"] for p in ok(aws_cli, *seed_words(SEED_DESCRIBE_PERMISSIONS, sub))[
        "AllowedPrincipals"]] == [f"arn:aws:iam::{CONSUMER}:root"]

    # --- changing the load balancers ----------------------------------------------
    remove_nlb = seed_words(SEED_REMOVE_NLB, sub)
    assert remove_nlb == ["ec2", "modify-vpc-endpoint-service-configuration", "--service-id",
                          sid, "--remove-network-load-balancer-arn", nlb]
    refused(aws_cli, *remove_nlb, code="InvalidParameter")  # its only load balancer
    assert service_config(aws_cli, sid)["NetworkLoadBalancerArns"] == [nlb]
    out = ok(aws_cli, "ec2", "modify-vpc-endpoint-service-configuration", "--service-id", sid,
             "--add-network-load-balancer-arns", nlb2)
    assert out["Return"] is True
    assert sorted(service_config(aws_cli, sid)["NetworkLoadBalancerArns"]) == sorted([nlb, nlb2])
    assert ok(aws_cli, *remove_nlb)["Return"] is True
    cfg = service_config(aws_cli, sid)
    assert cfg["NetworkLoadBalancerArns"] == [nlb2]
    assert sorted(cfg["AvailabilityZones"]) == ["us-east-1a", "us-east-1c"]
    # the released NLB can go
    ok(aws_cli, "elbv2", "delete-load-balancer", "--load-balancer-arn", nlb)

    # --- acceptance setting -----------------------------------------------------------
    args = seed_words(SEED_NO_ACCEPTANCE, sub)
    assert args == ["ec2", "modify-vpc-endpoint-service-configuration", "--service-id", sid,
                    "--no-acceptance-required"]
    assert ok(aws_cli, *args)["Return"] is True
    assert service_config(aws_cli, sid)["AcceptanceRequired"] is False
    assert ok(aws_cli, *args[:-1], "--acceptance-required")["Return"] is True
    assert service_config(aws_cli, sid)["AcceptanceRequired"] is True

    # --- a notification on the service --------------------------------------------
    topic = f"arn:aws:sns:us-east-1:{PROVIDER}:VpceNotification"
    sub["arn:aws:sns:us-east-2:123456789012:VpceNotification"] = topic
    args = seed_words(SEED_CREATE_NOTIFICATION, sub)
    assert args == ["ec2", "create-vpc-endpoint-connection-notification",
                    "--connection-notification-arn", topic, "--connection-events", "Connect",
                    "Accept", "Delete", "Reject", "--service-id", sid]
    nfn = ok(aws_cli, *args)["ConnectionNotification"]
    nfn_id = nfn["ConnectionNotificationId"]
    assert VPCE_NFN_ID.match(nfn_id)
    assert nfn["ConnectionNotificationState"] == "Enabled"
    assert nfn["ConnectionNotificationType"] == "Topic"
    assert nfn["ServiceId"] == sid
    assert sorted(nfn["ConnectionEvents"]) == ["Accept", "Connect", "Delete", "Reject"]
    assert nfn["ConnectionNotificationArn"] == topic
    sub["vpce-nfn-008776de7e03f5abc"] = nfn_id

    # --- two consumer endpoints, both waiting for acceptance ------------------------
    csubnets = default_subnets(aws_cli, CONSUMER)
    ep1 = consumer_endpoint(aws_cli, cfg["ServiceName"], csubnets["us-east-1a"])
    ep2 = consumer_endpoint(aws_cli, cfg["ServiceName"], csubnets["us-east-1c"])
    for ep in (ep1, ep2):
        assert VPCE_ID.match(ep["VpcEndpointId"])
        assert ep["State"] == "pendingAcceptance"

    args = seed_words(SEED_DESCRIBE_PENDING, sub)
    assert args == ["ec2", "describe-vpc-endpoint-connections", "--filters",
                    "Name=vpc-endpoint-state,Values=pendingAcceptance"]
    conns = ok(aws_cli, *args)["VpcEndpointConnections"]
    assert sorted(c["VpcEndpointId"] for c in conns) == sorted(
        [ep1["VpcEndpointId"], ep2["VpcEndpointId"]])
    for conn in conns:
        assert conn["ServiceId"] == sid
        assert conn["VpcEndpointState"] == "pendingAcceptance"
        assert conn["VpcEndpointOwner"] == CONSUMER
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", conn["CreationTimestamp"]), conn

    # --- accept the first, reject the second ---------------------------------------
    args = seed_words(SEED_ACCEPT, {**sub, "vpce-0c1308d7312217abc": ep1["VpcEndpointId"]})
    assert args == ["ec2", "accept-vpc-endpoint-connections", "--service-id", sid,
                    "--vpc-endpoint-ids", ep1["VpcEndpointId"]]
    assert ok(aws_cli, *args)["Unsuccessful"] == []
    assert endpoint_state(aws_cli, ep1["VpcEndpointId"]) == "available"

    args = seed_words(SEED_REJECT, {**sub, "vpce-0c1308d7312217abc": ep2["VpcEndpointId"]})
    assert ok(aws_cli, *args)["Unsuccessful"] == []
    assert endpoint_state(aws_cli, ep2["VpcEndpointId"]) == "rejected"
    # rejecting twice: reported per endpoint
    out = ok(aws_cli, *args)
    assert [(u["ResourceId"], u["Error"]["Code"]) for u in out["Unsuccessful"]] == [
        (ep2["VpcEndpointId"], "InvalidVpcEndpointState")]
    assert ok(aws_cli, *seed_words(SEED_DESCRIBE_PENDING, sub))["VpcEndpointConnections"] == []

    # --- the notification fired for Connect, Connect, Accept, Reject ------------------
    notes = requests.get(f"{awsemu_endpoint}/_awsemu/notifications", timeout=30).json()[
        "notifications"]
    msgs = [json.loads(n["envelope"]["Message"]) for n in notes]
    assert [(m["eventType"], m["vpcEndpointId"]) for m in msgs] == [
        ("Connect", ep1["VpcEndpointId"]), ("Connect", ep2["VpcEndpointId"]),
        ("Accept", ep1["VpcEndpointId"]), ("Reject", ep2["VpcEndpointId"])]
    assert {n["envelope"]["TopicArn"] for n in notes} == {topic}

    # --- describe, modify, delete the notification -------------------------------------
    out = ok(aws_cli, *seed_words(SEED_DESCRIBE_NOTIFICATIONS, sub))
    assert [n["ConnectionNotificationId"] for n in out["ConnectionNotificationSet"]] == [nfn_id]
    assert out["ConnectionNotificationSet"][0]["ConnectionNotificationArn"] == topic

    mytopic = f"arn:aws:sns:us-east-1:{PROVIDER}:mytopic"
    sub["arn:aws:sns:us-east-2:123456789012:mytopic"] = mytopic
    args = seed_words(SEED_MODIFY_NOTIFICATION, sub)
    assert args == ["ec2", "modify-vpc-endpoint-connection-notification",
                    "--connection-notification-id", nfn_id, "--connection-events", "Accept",
                    "Reject", "--connection-notification-arn", mytopic]
    assert ok(aws_cli, *args)["ReturnValue"] is True
    [n] = ok(aws_cli, *seed_words(SEED_DESCRIBE_NOTIFICATIONS, sub))["ConnectionNotificationSet"]
    assert n["ConnectionNotificationArn"] == mytopic
    assert sorted(n["ConnectionEvents"]) == ["Accept", "Reject"]

    args = seed_words(SEED_DELETE_NOTIFICATIONS, sub)
    assert args == ["ec2", "delete-vpc-endpoint-connection-notifications",
                    "--connection-notification-ids", nfn_id]
    assert ok(aws_cli, *args)["Unsuccessful"] == []
    assert ok(aws_cli, *seed_words(SEED_DESCRIBE_NOTIFICATIONS, sub))[
        "ConnectionNotificationSet"] == []
    refused(aws_cli, *args, code="InvalidConnectionNotification")

    # --- deleting the service: refused while the accepted endpoint is connected ------
    delete_service = seed_words(DELETE_SERVICE, sub)
    assert delete_service == ["ec2", "delete-vpc-endpoint-service-configurations",
                              "--service-ids", sid]
    out = ok(aws_cli, *delete_service)
    assert [(u["ResourceId"], u["Error"]["Code"], u["Error"]["Message"])
            for u in out["Unsuccessful"]] == [
        (sid, "ExistingVpcEndpointConnections",
         "Service has existing active VPC Endpoint connections!")]
    refused(aws_cli, "elbv2", "delete-load-balancer", "--load-balancer-arn", nlb2,
            code="ResourceInUse")

    out = ok(aws_cli, "ec2", "delete-vpc-endpoints", "--vpc-endpoint-ids",
             ep1["VpcEndpointId"], ep2["VpcEndpointId"], account=CONSUMER)
    assert out["Unsuccessful"] == []
    assert ok(aws_cli, *delete_service)["Unsuccessful"] == []
    refused(aws_cli, "ec2", "describe-vpc-endpoint-service-configurations", "--service-ids", sid,
            code="InvalidVpcEndpointServiceId.NotFound")
    out = ok(aws_cli, *delete_service)
    assert [(u["ResourceId"], u["Error"]["Code"]) for u in out["Unsuccessful"]] == [
        (sid, "InvalidVpcEndpointService.NotFound")]
    ok(aws_cli, "elbv2", "delete-load-balancer", "--load-balancer-arn", nlb2)
    assert ok(aws_cli, "elbv2", "describe-load-balancers")["LoadBalancers"] == []
    # the notification was deleted before the consumer left: nothing more was sent
    notes = requests.get(f"{awsemu_endpoint}/_awsemu/notifications", timeout=30).json()[
        "notifications"]
    assert len(notes) == 4


def test_cli_guide_commands_parse_as_the_guide_shows():
    """The substitution above touches ids only: every seed command keeps its words."""
    for text in (SEED_CREATE_SERVICE, SEED_ADD_PERMISSIONS, SEED_DESCRIBE_PERMISSIONS,
                 SEED_REMOVE_PERMISSIONS, SEED_REMOVE_NLB, SEED_NO_ACCEPTANCE,
                 SEED_DESCRIBE_PENDING, SEED_ACCEPT, SEED_REJECT, SEED_CREATE_NOTIFICATION,
                 SEED_DESCRIBE_NOTIFICATIONS, SEED_MODIFY_NOTIFICATION,
                 SEED_DELETE_NOTIFICATIONS):
        with open(_seed_path(), encoding="utf-8") as fh:
            seed = " ".join(fh.read().split())
        assert text in seed, text


def _seed_path() -> str:
    import glob

    import pytest

    paths = glob.glob("/work/shared/seeds/003_*")
    if not paths:
        pytest.skip("seed guide 003 not present on this machine")
    assert len(paths) == 1, paths
    return paths[0]


def test_cli_errors_for_unknown_ids(aws_cli):
    refused(aws_cli, "ec2", "accept-vpc-endpoint-connections", "--service-id",
            "vpce-svc-03d5ebb7d9579a2b3", "--vpc-endpoint-ids", "vpce-0c1308d7312217abc",
            code="InvalidVpcEndpointServiceId.NotFound")
    refused(aws_cli, "ec2", "modify-vpc-endpoint-connection-notification",
            "--connection-notification-id", "vpce-nfn-008776de7e03f5abc", "--connection-events",
            "Accept", code="InvalidConnectionNotification")
    refused(aws_cli, "ec2", "create-vpc-endpoint-connection-notification",
            "--connection-notification-arn", f"arn:aws:sns:us-east-1:{PROVIDER}:VpceNotification",
            "--connection-events", "Connect", code="MissingParameter")
    refused(aws_cli, "ec2", "modify-vpc-endpoint-service-permissions", "--service-id",
            "vpce-svc-03d5ebb7d9579a2b3", "--add-allowed-principals", '["*"]',
            code="InvalidVpcEndpointServiceId.NotFound")
