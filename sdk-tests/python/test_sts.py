"""boto3 and the AWS CLI: STS GetCallerIdentity, which SDKs, Ansible's
amazon.aws modules and Terraform's AWS provider call to learn the account."""

from __future__ import annotations

import re

from awsemu_helpers import DEFAULT_ACCOUNT, random_account


def test_caller_identity_is_the_account_of_the_access_key(awsemu_endpoint, client_for):
    account = random_account()
    me = client_for(awsemu_endpoint, "sts", account=account).get_caller_identity()
    assert me["Account"] == account
    assert me["Arn"] == f"arn:aws:iam::{account}:root"
    assert me["UserId"] == account


def test_mapped_access_key_is_its_principal(awsemu_launcher, client_for):
    url, stop = awsemu_launcher("--access-key", "AKIAROLE=arn:aws:iam::444444444444:role/deployer")
    try:
        import boto3

        sts = boto3.client("sts", endpoint_url=url, region_name="us-east-1",
                           aws_access_key_id="AKIAROLE", aws_secret_access_key="x")
        me = sts.get_caller_identity()
        assert me["Account"] == "444444444444"
        assert me["Arn"] == "arn:aws:iam::444444444444:role/deployer"
        assert re.fullmatch(r"AROA[0-9A-Z]{17}", me["UserId"]), me["UserId"]
        # Stable for the same principal.
        assert sts.get_caller_identity()["UserId"] == me["UserId"]
    finally:
        stop()


def test_aws_cli_get_caller_identity(aws_cli):
    rc, out, err = aws_cli("sts", "get-caller-identity")
    assert rc == 0, err
    assert out["Account"] == DEFAULT_ACCOUNT
