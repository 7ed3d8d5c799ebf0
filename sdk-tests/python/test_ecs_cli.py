"""AWS CLI (v1): ECS on Fargate as a user types it.

The issue's flow unchanged, only the ids substituted: create a cluster, register
the task definition from ``taskdef.json`` with ``--cli-input-json``, run it on
Fargate in awsvpc mode with the shorthand ``--network-configuration``, wait for it
with ``ecs wait tasks-running`` and describe it next to an unknown ARN with
``--include TAGS``. Then the Service Connect TLS service of seed 004: the seed shows
its CLI payload only as a screenshot ("All that is needed to add to the JSON payload
is the certificate arn for your awsPcaAuthorityArn, your kmsKey, and roleArn of your
AWS IAM role"), so the ``--cli-input-json`` file here is that payload written out.

References: aws-spec.md §5, §6, §10, §11, §15; seed 004.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re

from awsemu_helpers import (
    CLOUDMAP_SERVICE_ID,
    ECS_DEPLOYMENT_ID,
    ECS_TASK_ID,
    ENI_ID,
    MAC_RE,
    UUID_RE,
    ecs_arn,
    ecs_tags,
    random_account,
)

TASKDEF = {
    "family": "web",
    "networkMode": "awsvpc",
    "requiresCompatibilities": ["FARGATE"],
    "cpu": "256",
    "memory": "512",
    "containerDefinitions": [
        {
            "name": "web",
            "image": "nginx:latest",
            "portMappings": [{"containerPort": 80, "protocol": "tcp"}],
            "essential": True,
        }
    ],
}
UNKNOWN_TASK_ID = "0123456789abcdef0123456789abcdef"


def _ok(aws_cli, *args: str, account: str):
    rc, out, err = aws_cli(*args, account=account)
    assert rc == 0, (args, err)
    return out


def _epoch(value) -> float:
    """CLI v1 prints JSON-protocol timestamps as received: epoch seconds."""
    assert isinstance(value, (int, float)) and not isinstance(value, bool), value
    now = dt.datetime.now(dt.timezone.utc).timestamp()
    assert abs(now - value) < 300, value
    return float(value)


def _network(aws_cli, account: str):
    vpc = _ok(aws_cli, "ec2", "create-vpc", "--cidr-block", "10.0.0.0/16",
              account=account)["Vpc"]["VpcId"]
    subnet = _ok(aws_cli, "ec2", "create-subnet", "--vpc-id", vpc, "--cidr-block",
                 "10.0.1.0/24", "--availability-zone", "us-east-1a",
                 account=account)["Subnet"]["SubnetId"]
    sg = _ok(aws_cli, "ec2", "create-security-group", "--group-name", "web-tasks",
             "--description", "web tasks", "--vpc-id", vpc, account=account)["GroupId"]
    _nat_egress(aws_cli, account, vpc)
    return vpc, subnet, sg


def _nat_egress(aws_cli, account: str, vpc: str) -> None:
    """The private subnet (the main route table) reaches Docker Hub as on AWS:
    an internet gateway, a public subnet routing to it, a public NAT gateway
    there, and the main route table's 0.0.0.0/0 route to the NAT gateway."""
    def cli(*args):
        return _ok(aws_cli, "ec2", *args, account=account)

    igw = cli("create-internet-gateway")["InternetGateway"]["InternetGatewayId"]
    cli("attach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpc)
    public = cli("create-subnet", "--vpc-id", vpc, "--cidr-block", "10.0.255.0/24",
                 "--availability-zone", "us-east-1a")["Subnet"]["SubnetId"]
    rt = cli("create-route-table", "--vpc-id", vpc)["RouteTable"]["RouteTableId"]
    cli("create-route", "--route-table-id", rt, "--destination-cidr-block", "0.0.0.0/0",
        "--gateway-id", igw)
    cli("associate-route-table", "--route-table-id", rt, "--subnet-id", public)
    alloc = cli("allocate-address", "--domain", "vpc")["AllocationId"]
    nat = cli("create-nat-gateway", "--subnet-id", public, "--allocation-id", alloc)[
        "NatGateway"]["NatGatewayId"]
    main = cli("describe-route-tables", "--filters", f"Name=vpc-id,Values={vpc}",
               "Name=association.main,Values=true")["RouteTables"][0]["RouteTableId"]
    cli("create-route", "--route-table-id", main, "--destination-cidr-block", "0.0.0.0/0",
        "--nat-gateway-id", nat)
    rc, _, err = aws_cli("ec2", "wait", "nat-gateway-available", "--nat-gateway-ids", nat,
                         account=account)
    assert rc == 0, err


def test_cli_issue_flow(aws_cli, tmp_path):
    acct = random_account()
    vpc, subnet, sg = _network(aws_cli, acct)

    # aws ecs create-cluster --cluster-name app
    cluster = _ok(aws_cli, "ecs", "create-cluster", "--cluster-name", "app",
                  account=acct)["cluster"]
    assert cluster["clusterArn"] == ecs_arn(acct, "cluster/app")
    assert cluster["status"] == "ACTIVE"

    # aws ecs register-task-definition --cli-input-json file://taskdef.json
    taskdef = tmp_path / "taskdef.json"
    taskdef.write_text(json.dumps(TASKDEF, indent=2), encoding="utf-8")
    td = _ok(aws_cli, "ecs", "register-task-definition", "--cli-input-json",
             f"file://{taskdef}", account=acct)["taskDefinition"]
    td_arn = ecs_arn(acct, "task-definition/web:1")
    assert td["taskDefinitionArn"] == td_arn
    assert td["status"] == "ACTIVE"
    assert td["compatibilities"] == ["EC2", "FARGATE"]
    assert td["containerDefinitions"][0]["portMappings"] == [
        {"containerPort": 80, "hostPort": 80, "protocol": "tcp"}]

    # aws ecs run-task ... --network-configuration 'awsvpcConfiguration={...}'
    out = _ok(aws_cli, "ecs", "run-task", "--cluster", "app", "--task-definition", "web",
              "--launch-type", "FARGATE", "--network-configuration",
              f"awsvpcConfiguration={{subnets=[{subnet}],securityGroups=[{sg}]}}",
              account=acct)
    assert out["failures"] == []
    assert len(out["tasks"]) == 1
    task_arn = out["tasks"][0]["taskArn"]
    m = re.match(rf"^arn:aws:ecs:us-east-1:{acct}:task/app/(.+)$", task_arn)
    assert m and ECS_TASK_ID.match(m.group(1)), task_arn
    tid = m.group(1)
    assert out["tasks"][0]["lastStatus"] == "PROVISIONING"

    # aws ecs wait tasks-running --cluster app --tasks <arn>
    rc, waited, err = aws_cli("ecs", "wait", "tasks-running", "--cluster", "app",
                              "--tasks", task_arn, account=acct)
    assert rc == 0, err
    assert waited is None

    # aws ecs describe-tasks --cluster app --tasks <arn> <unknown-arn> --include TAGS
    unknown = ecs_arn(acct, f"task/app/{UNKNOWN_TASK_ID}")
    out = _ok(aws_cli, "ecs", "describe-tasks", "--cluster", "app", "--tasks", task_arn,
              unknown, "--include", "TAGS", account=acct)
    assert out["failures"] == [{"arn": unknown, "reason": "MISSING"}]
    assert [t["taskArn"] for t in out["tasks"]] == [task_arn]
    t = out["tasks"][0]
    assert t["clusterArn"] == ecs_arn(acct, "cluster/app")
    assert t["taskDefinitionArn"] == td_arn
    assert t["lastStatus"] == "RUNNING"
    assert t["desiredStatus"] == "RUNNING"
    assert t["launchType"] == "FARGATE"
    assert t["platformVersion"] == "1.4.0"
    assert t["platformFamily"] == "Linux"
    assert (t["cpu"], t["memory"]) == ("256", "512")
    assert t["group"] == "family:web"
    assert t["connectivity"] == "CONNECTED"
    assert t["availabilityZone"] == "us-east-1a"
    assert t["ephemeralStorage"] == {"sizeInGiB": 20}
    assert t["attributes"] == [{"name": "ecs.cpu-architecture", "value": "x86_64"}]
    assert t["overrides"] == {"containerOverrides": [{"name": "web"}],
                              "inferenceAcceleratorOverrides": []}
    assert t["tags"] == []
    assert isinstance(t["version"], int)
    created = _epoch(t["createdAt"])
    assert created <= _epoch(t["pullStartedAt"]) <= _epoch(t["pullStoppedAt"]) \
        <= _epoch(t["startedAt"])
    _epoch(t["connectivityAt"])

    atts = t["attachments"]
    assert len(atts) == 1
    att = atts[0]
    assert att["type"] == "ElasticNetworkInterface"
    assert att["status"] == "ATTACHED"
    assert UUID_RE.match(att["id"])
    details = {d["name"]: d["value"] for d in att["details"]}
    assert details["subnetId"] == subnet
    assert ENI_ID.match(details["networkInterfaceId"])
    assert MAC_RE.match(details["macAddress"])
    ip = details["privateIPv4Address"]
    assert ipaddress.ip_address(ip) in ipaddress.ip_network("10.0.1.0/24")
    assert details["privateDnsName"] == f"ip-{ip.replace('.', '-')}.ec2.internal"

    [c] = t["containers"]
    cm = re.match(rf"^arn:aws:ecs:us-east-1:{acct}:container/app/{tid}/(.+)$",
                  c["containerArn"])
    assert cm and UUID_RE.match(cm.group(1)), c["containerArn"]
    assert c["taskArn"] == task_arn
    assert (c["name"], c["image"]) == ("web", "nginx:latest")
    assert c["lastStatus"] == "RUNNING"
    assert c["healthStatus"] == "UNKNOWN"
    assert c["networkInterfaces"] == [{"attachmentId": att["id"], "privateIpv4Address": ip}]

    # the same ENI in EC2
    enis = _ok(aws_cli, "ec2", "describe-network-interfaces", "--network-interface-ids",
               details["networkInterfaceId"], account=acct)["NetworkInterfaces"]
    assert len(enis) == 1
    assert enis[0]["PrivateIpAddress"] == ip
    assert enis[0]["InterfaceType"] == "interface"
    assert enis[0]["RequesterManaged"] is True
    assert [g["GroupId"] for g in enis[0]["Groups"]] == [sg]
    assert enis[0]["VpcId"] == vpc

    # stop it; wait tasks-stopped; the ENI is gone
    stopped = _ok(aws_cli, "ecs", "stop-task", "--cluster", "app", "--task", tid,
                  account=acct)["task"]
    assert stopped["desiredStatus"] == "STOPPED"
    assert stopped["stopCode"] == "UserInitiated"
    rc, _, err = aws_cli("ecs", "wait", "tasks-stopped", "--cluster", "app", "--tasks",
                         task_arn, account=acct)
    assert rc == 0, err
    rc, _, err = aws_cli("ec2", "describe-network-interfaces", "--network-interface-ids",
                         details["networkInterfaceId"], account=acct)
    assert rc != 0
    assert "InvalidNetworkInterfaceID.NotFound" in err


def test_cli_wait_tasks_running_fails_for_unknown_task(aws_cli):
    acct = random_account()
    _ok(aws_cli, "ecs", "create-cluster", "--cluster-name", "app", account=acct)
    rc, out, err = aws_cli("ecs", "wait", "tasks-running", "--cluster", "app", "--tasks",
                           UNKNOWN_TASK_ID, account=acct)
    assert rc != 0
    assert "terminal failure state" in err, err


def test_cli_errors(aws_cli):
    acct = random_account()
    rc, out, err = aws_cli("ecs", "describe-tasks", "--cluster", "app", "--tasks",
                           UNKNOWN_TASK_ID, account=acct)
    assert rc != 0
    assert "ClusterNotFoundException" in err and "Cluster not found." in err, err
    rc, out, err = aws_cli("ecs", "describe-task-definition", "--task-definition", "web",
                           account=acct)
    assert rc != 0
    assert "ClientException" in err and "Unable to describe task definition." in err, err


def test_cli_service_connect_tls_create_service(aws_cli, tmp_path):
    acct = random_account()
    vpc, subnet, sg = _network(aws_cli, acct)
    cluster = _ok(aws_cli, "ecs", "create-cluster", "--cluster-name", "app",
                  "--service-connect-defaults", "namespace=service-connect",
                  account=acct)["cluster"]
    namespace = cluster["serviceConnectDefaults"]["namespace"]
    assert namespace.startswith(f"arn:aws:servicediscovery:us-east-1:{acct}:namespace/ns-")

    taskdef = dict(TASKDEF)
    taskdef["containerDefinitions"] = [{
        "name": "web", "image": "nginx:latest", "essential": True,
        "portMappings": [{"containerPort": 80, "protocol": "tcp", "name": "http",
                          "appProtocol": "http"}],
    }]
    (tmp_path / "taskdef.json").write_text(json.dumps(taskdef), encoding="utf-8")
    _ok(aws_cli, "ecs", "register-task-definition", "--cli-input-json",
        f"file://{tmp_path / 'taskdef.json'}", account=acct)

    tls = {
        "issuerCertificateAuthority": {
            "awsPcaAuthorityArn": (f"arn:aws:acm-pca:us-east-1:{acct}:certificate-authority/"
                                   "2f1c7a3e-8d4b-4f6a-9e2d-5b7c1a0f3e9d"),
        },
        "kmsKey": f"arn:aws:kms:us-east-1:{acct}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "roleArn": f"arn:aws:iam::{acct}:role/ecsInfrastructureRoleForServiceConnectTLS",
    }
    service_connect = {
        "enabled": True,
        "namespace": namespace,
        "services": [{
            "portName": "http",
            "discoveryName": "web",
            "clientAliases": [{"port": 80, "dnsName": "web"}],
            "tls": tls,
        }],
    }
    payload = {
        "cluster": "app",
        "serviceName": "web",
        "taskDefinition": "web",
        "desiredCount": 1,
        "launchType": "FARGATE",
        "networkConfiguration": {"awsvpcConfiguration": {
            "subnets": [subnet], "securityGroups": [sg], "assignPublicIp": "DISABLED"}},
        "serviceConnectConfiguration": service_connect,
    }
    path = tmp_path / "service.json"
    path.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    svc = _ok(aws_cli, "ecs", "create-service", "--cli-input-json", f"file://{path}",
              account=acct)["service"]
    assert svc["serviceArn"] == ecs_arn(acct, "service/app/web")
    assert svc["status"] == "ACTIVE"
    assert svc["deployments"][0]["serviceConnectConfiguration"] == service_connect

    rc, _, err = aws_cli("ecs", "wait", "services-stable", "--cluster", "app",
                         "--services", "web", account=acct)
    assert rc == 0, err

    out = _ok(aws_cli, "ecs", "describe-services", "--cluster", "app", "--services", "web",
              account=acct)
    assert out["failures"] == []
    [s] = out["services"]
    assert (s["runningCount"], s["desiredCount"]) == (1, 1)
    [dep] = s["deployments"]
    assert ECS_DEPLOYMENT_ID.match(dep["id"])
    assert dep["rolloutState"] == "COMPLETED"
    assert dep["serviceConnectConfiguration"] == service_connect
    assert dep["serviceConnectConfiguration"]["services"][0]["tls"] == tls
    [res] = dep["serviceConnectResources"]
    assert res["discoveryName"] == "web"
    m = re.match(rf"^arn:aws:servicediscovery:us-east-1:{acct}:service/(.+)$",
                 res["discoveryArn"])
    assert m and CLOUDMAP_SERVICE_ID.match(m.group(1)), res

    tasks = _ok(aws_cli, "ecs", "list-tasks", "--cluster", "app", "--service-name", "web",
                account=acct)["taskArns"]
    assert len(tasks) == 1
    described = _ok(aws_cli, "ecs", "describe-tasks", "--cluster", "app", "--tasks",
                    tasks[0], "--include", "TAGS", account=acct)["tasks"][0]
    assert described["group"] == "service:web"
    assert described["startedBy"] == dep["id"]
    assert ecs_tags(described.get("tags")) == {}
