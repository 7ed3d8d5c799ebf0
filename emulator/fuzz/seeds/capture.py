"""Writes the fuzz seeds that are real SDK requests: boto3 serialises and
signs each call below exactly as it would for AWS, and a `before-send` hook
keeps the request instead of sending it.

    .venv/bin/python emulator/fuzz/seeds/capture.py

Rewrites seeds/{query_form,json_ecs,filters,sigv4}/sdk-*; the hand-written
seeds (edge-*) are left alone.
"""

import pathlib
import re

import boto3
from botocore.awsrequest import AWSResponse

HERE = pathlib.Path(__file__).parent
captured = []


class _Raw:
    def stream(self, **_):
        yield b""


def keep(request, **_):
    captured.append(request)
    # Answer nothing useful: the call fails to parse, which is fine.
    return AWSResponse(request.url, 500, {}, _Raw())


def client(service):
    c = boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url="http://localhost:4566",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        config=boto3.session.Config(retries={"total_max_attempts": 1}),
    )
    c.meta.events.register("before-send", keep)
    return c


def call(c, op, **kwargs):
    before = len(captured)
    try:
        getattr(c, op)(**kwargs)
    except Exception:  # noqa: BLE001 - the answer is not the point
        pass
    for r in captured[before:]:
        if isinstance(r.body, str):
            r.body = r.body.encode()
        r.body = r.body or b""
    return captured[before:]


TAGS = [{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "main"}]}]
FILTERS = [
    {"Name": "vpc-id", "Values": ["vpc-0123456789abcdef0", "vpc-*"]},
    {"Name": "tag:Name", "Values": ["ma?n", "\\*literal"]},
    {"Name": "is-default", "Values": ["false"]},
]

EC2 = [
    ("describe_vpcs", {"Filters": FILTERS, "MaxResults": 5}),
    ("describe_vpcs", {"VpcIds": ["vpc-1", "vpc-2"]}),
    ("create_vpc", {"CidrBlock": "10.0.0.0/16", "TagSpecifications": TAGS}),
    ("create_subnet", {"VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24", "AvailabilityZone": "us-east-1a"}),
    ("describe_subnets", {"Filters": [{"Name": "vpc-id", "Values": ["vpc-1"]}]}),
    ("create_security_group", {"GroupName": "web", "Description": "web é", "VpcId": "vpc-1"}),
    (
        "authorize_security_group_ingress",
        {
            "GroupId": "sg-1",
            "IpPermissions": [
                {
                    "IpProtocol": "tcp",
                    "FromPort": 443,
                    "ToPort": 443,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "https"}],
                    "UserIdGroupPairs": [{"GroupId": "sg-2"}],
                }
            ],
        },
    ),
    (
        "create_vpc_endpoint",
        {
            "VpcId": "vpc-1",
            "ServiceName": "com.amazonaws.us-east-1.s3",
            "VpcEndpointType": "Interface",
            "SubnetIds": ["subnet-1", "subnet-2"],
            "SecurityGroupIds": ["sg-1"],
            "PrivateDnsEnabled": True,
            "PolicyDocument": '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}',
        },
    ),
    ("create_vpc_endpoint_service_configuration", {"NetworkLoadBalancerArns": ["arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/n/1"], "AcceptanceRequired": False}),
    ("describe_vpc_endpoint_services", {"Filters": [{"Name": "service-type", "Values": ["Interface"]}]}),
    ("run_instances", {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 2, "InstanceType": "t3.micro", "SubnetId": "subnet-1", "UserData": "ZWNobyBoaQ=="}),
    ("create_tags", {"Resources": ["vpc-1"], "Tags": [{"Key": "env", "Value": "prod"}]}),
    ("describe_tags", {"Filters": [{"Name": "resource-type", "Values": ["vpc"]}], "MaxResults": 10, "NextToken": "abc"}),
    ("create_route", {"RouteTableId": "rtb-1", "DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"}),
    ("create_network_acl_entry", {"NetworkAclId": "acl-1", "RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow", "Egress": False, "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 1, "To": 65535}}),
]

ELBV2 = [
    ("create_load_balancer", {"Name": "web", "Subnets": ["subnet-1", "subnet-2"], "Type": "network", "Scheme": "internal", "Tags": [{"Key": "k", "Value": "v"}]}),
    ("create_target_group", {"Name": "tg", "Protocol": "TCP", "Port": 80, "VpcId": "vpc-1", "TargetType": "ip", "HealthCheckIntervalSeconds": 10}),
    (
        "create_listener",
        {
            "LoadBalancerArn": "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/app/web/1",
            "Protocol": "HTTP",
            "Port": 80,
            "DefaultActions": [{"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": "arn:tg", "Weight": 1}]}}],
        },
    ),
    ("register_targets", {"TargetGroupArn": "arn:tg", "Targets": [{"Id": "10.0.0.1", "Port": 80, "AvailabilityZone": "all"}]}),
    ("modify_load_balancer_attributes", {"LoadBalancerArn": "arn:lb", "Attributes": [{"Key": "deletion_protection.enabled", "Value": "true"}]}),
    ("describe_target_health", {"TargetGroupArn": "arn:tg"}),
    (
        "create_rule",
        {
            "ListenerArn": "arn:l",
            "Priority": 10,
            "Conditions": [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}}],
            "Actions": [{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
        },
    ),
]

ECS = [
    ("create_cluster", {"clusterName": "c", "settings": [{"name": "containerInsights", "value": "enabled"}]}),
    (
        "register_task_definition",
        {
            "family": "web",
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"],
            "cpu": "256",
            "memory": "512",
            "containerDefinitions": [
                {
                    "name": "app",
                    "image": "nginx:latest",
                    "portMappings": [{"containerPort": 80, "protocol": "tcp"}],
                    "environment": [{"name": "A", "value": "b"}],
                    "healthCheck": {"command": ["CMD-SHELL", "true"], "interval": 30},
                }
            ],
        },
    ),
    (
        "run_task",
        {
            "cluster": "c",
            "taskDefinition": "web:1",
            "count": 2,
            "launchType": "FARGATE",
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-1"], "securityGroups": ["sg-1"], "assignPublicIp": "ENABLED"}},
            "overrides": {"containerOverrides": [{"name": "app", "command": ["sleep", "1"]}]},
        },
    ),
    (
        "create_service",
        {
            "cluster": "c",
            "serviceName": "s",
            "taskDefinition": "web",
            "desiredCount": 3,
            "placementConstraints": [{"type": "memberOf", "expression": "attribute:ecs.instance-type =~ t3.*"}],
            "placementStrategy": [{"type": "spread", "field": "attribute:ecs.availability-zone"}],
            "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
        },
    ),
    ("list_container_instances", {"cluster": "c", "filter": "agentConnected == true and attribute:ecs.os-type exists"}),
    ("describe_tasks", {"cluster": "c", "tasks": ["arn:aws:ecs:us-east-1:000000000000:task/c/1"], "include": ["TAGS"]}),
    ("update_service", {"cluster": "c", "service": "s", "desiredCount": 0, "forceNewDeployment": True}),
    ("put_account_setting", {"name": "awsvpcTrunking", "value": "enabled"}),
    ("tag_resource", {"resourceArn": "arn:aws:ecs:us-east-1:000000000000:cluster/c", "tags": [{"key": "k", "value": "v"}]}),
]


def write(target, name, data):
    d = HERE / target
    d.mkdir(exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    path, n = d / name, 2
    while path.exists():
        path, n = d / f"{name}-{n}", n + 1
    path.write_bytes(data)


def main():
    for target in ("query_form", "json_ecs", "filters", "sigv4"):
        for old in (HERE / target).glob("sdk-*"):
            old.unlink()
    signed = []
    ec2, elbv2, ecs, sts = client("ec2"), client("elbv2"), client("ecs"), client("sts")
    for op, kwargs in EC2:
        for r in call(ec2, op, **kwargs):
            write("query_form", f"sdk-ec2-{op}", r.body)
            if b"Filter." in r.body:
                write("filters", f"sdk-{op}", r.body)
            signed.append((op, r))
    for op, kwargs in ELBV2:
        for r in call(elbv2, op, **kwargs):
            write("query_form", f"sdk-elbv2-{op}", r.body)
            signed.append((op, r))
    for r in call(sts, "get_caller_identity"):
        write("query_form", "sdk-sts-get_caller_identity", r.body)
        signed.append(("get_caller_identity", r))
    for op, kwargs in ECS:
        for r in call(ecs, op, **kwargs):
            target = r.headers["X-Amz-Target"].decode().split(".")[-1]
            write("json_ecs", f"sdk-{op}", target.encode() + b"\n" + r.body)
            signed.append((op, r))
    # The signature's date is replaced by NOW so the verifier gets past its
    # 15-minute check and reaches the signature.
    for op, r in signed[::3]:
        auth = r.headers["Authorization"]
        auth = auth.decode() if isinstance(auth, bytes) else auth
        body = r.body
        write("sigv4", f"sdk-{op}", auth.encode() + b"\nNOW\n" + body)
        region_service = re.search(r"Credential=[^/]+/\d+/([^/]+)/([^/]+)/", auth)
        write(
            "sigv4",
            f"sdk-sign-{op}",
            f"SIGN {region_service[1]} {region_service[2]} /\n".encode() + body,
        )


if __name__ == "__main__":
    main()
