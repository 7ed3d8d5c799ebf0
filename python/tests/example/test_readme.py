import boto3, pytest
from botocore.config import Config

def test_vpc(ec2_client):                               # a boto3 client of this test's own, fresh account
    ec2_client.create_vpc(CidrBlock="10.0.0.0/16")
    assert len(ec2_client.describe_vpcs()["Vpcs"]) == 2  # its default VPC and ours

@pytest.mark.awsemu_scenario("scenarios/ecs-private-subnet.yaml")
def test_code_under_test(awsemu_env, awsemu_world):     # AWS_ENDPOINT_URL and credentials set for it
    with awsemu_world.fault("ecs", "ListClusters", code="ThrottlingException", count=2):
        assert boto3.client("ecs", config=Config(retries={"mode": "standard"})).list_clusters()["clusterArns"]
