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


def test_a_skewed_clock_is_refused_as_aws_does(awsemu_launcher, monkeypatch):
    """AWS accepts a signature dated within 15 minutes of its own clock:
    EC2 answers `RequestExpired`, ELBv2 `SignatureDoesNotMatch` and ECS
    `InvalidSignatureException` with the times, either way."""
    import datetime
    import re
    import botocore.auth

    endpoint, _ = awsemu_launcher("--strict-sigv4", "--credential", f"{KEY}:{SECRET}")
    ec2, elb, ecs = (client(endpoint, s, KEY, SECRET) for s in ("ec2", "elbv2", "ecs"))
    real = botocore.auth.get_current_datetime
    for minutes, words in ((-20, "Signature expired"), (20, "Signature not yet current")):
        monkeypatch.setattr(botocore.auth, "get_current_datetime",
                            lambda *a, **k: real(*a, **k) + datetime.timedelta(minutes=minutes))
        assert code(lambda: ec2.describe_vpcs()) == ("RequestExpired", 400)
        for call, want in ((lambda: elb.describe_load_balancers(), ("SignatureDoesNotMatch", 403)),
                           (lambda: ecs.list_clusters(), ("InvalidSignatureException", 400))):
            with pytest.raises(ClientError) as e:
                call()
            err = e.value.response["Error"]
            assert (err["Code"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]) == want
            assert re.match(words + r": \d{8}T\d{6}Z is (now earlier|still later) than \d{8}T\d{6}Z "
                            r"\(\d{8}T\d{6}Z [-+] 15 min\.\)$", err["Message"]), err["Message"]
    # Ten minutes off is within AWS's window.
    monkeypatch.setattr(botocore.auth, "get_current_datetime",
                        lambda *a, **k: real(*a, **k) - datetime.timedelta(minutes=10))
    assert ec2.describe_vpcs()["Vpcs"]


def test_a_tampered_body_is_refused(awsemu_launcher):
    """The body is part of the signature: a request signed for one body and
    sent with another is refused."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    endpoint, _ = awsemu_launcher("--strict-sigv4", "--credential", f"{KEY}:{SECRET}")
    body = "Action=DescribeVpcs&Version=2016-11-15"
    req = AWSRequest(method="POST", url=endpoint + "/", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(KEY, SECRET), "ec2", "us-east-1").add_auth(req)
    headers = dict(req.headers.items())
    ok = requests.post(endpoint + "/", data=body, headers=headers, timeout=10)
    assert ok.status_code == 200, ok.text
    bad = requests.post(endpoint + "/", data=body + "&VpcId.1=vpc-1", headers=headers, timeout=10)
    assert bad.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in bad.text
