"""`--strict-sigv4`: signatures are recomputed with the configured secrets.

A request signed with the right secret is served; a wrong secret is
`SignatureDoesNotMatch`, an unknown access key `InvalidClientTokenId` (ECS:
`InvalidSignatureException` / `UnrecognizedClientException`), and an unsigned
request is refused too. Without the flag nothing is checked.
"""

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

KEY, SECRET = "111111111111", "s3cr3t"


def client(endpoint, service, key, secret, region="us-east-1"):
    return boto3.client(service, endpoint_url=endpoint, region_name=region, aws_access_key_id=key,
                        aws_secret_access_key=secret, config=Config(retries={"max_attempts": 1}))


def code(call):
    with pytest.raises(ClientError) as e:
        call()
    return e.value.response["Error"]["Code"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_strict_mode_checks_every_signature(awsemu_launcher):
    endpoint, _ = awsemu_launcher("--strict-sigv4", "--credential", f"{KEY}:{SECRET}")
    good = client(endpoint, "ec2", KEY, SECRET, region="eu-west-1")
    vpcs = good.describe_vpcs()["Vpcs"]
    assert [v["OwnerId"] for v in vpcs] == [KEY]
    assert client(endpoint, "ecs", KEY, SECRET).list_clusters()["clusterArns"] == []

    assert code(lambda: client(endpoint, "ec2", KEY, "wrong").describe_vpcs()) == ("SignatureDoesNotMatch", 403)
    assert code(lambda: client(endpoint, "ec2", "222222222222", SECRET).describe_vpcs()) == ("InvalidClientTokenId", 403)
    assert code(lambda: client(endpoint, "elbv2", KEY, "wrong").describe_load_balancers()) == ("SignatureDoesNotMatch", 403)
    assert code(lambda: client(endpoint, "ecs", KEY, "wrong").list_clusters()) == ("InvalidSignatureException", 400)
    assert code(lambda: client(endpoint, "ecs", "222222222222", SECRET).list_clusters()) == ("UnrecognizedClientException", 400)

    unsigned = requests.post(endpoint, data="Action=DescribeVpcs&Version=2016-11-15",
                             headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
    assert unsigned.status_code == 403
    assert "<Code>MissingAuthenticationToken</Code>" in unsigned.text


def test_without_the_flag_any_secret_works(awsemu_launcher):
    endpoint, _ = awsemu_launcher()
    assert client(endpoint, "ec2", KEY, "anything").describe_vpcs()["Vpcs"][0]["OwnerId"] == KEY


def test_strict_mode_needs_credentials():
    import subprocess
    from conftest import _binary_path
    out = subprocess.run([str(_binary_path()), "serve", "--port", "0", "--strict-sigv4"],
                         capture_output=True, text=True, timeout=10)
    assert out.returncode != 0
    assert "--credential" in out.stderr
