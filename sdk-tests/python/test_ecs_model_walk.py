"""boto3: a walk over the whole pinned ECS model.

One test, in a fresh random account, calls every operation of the botocore
model pinned in ``codegen/models/ecs.json.gz`` with valid input, in an order
that satisfies the dependencies (network, an EC2 instance of the
ECS-optimized AMI that registers as a container instance, cluster, task
definitions, tasks, services, task sets, capacity providers, daemons,
gateways, Express gateway services, then the deletes). Every call must
succeed. The operations called are recorded by a botocore ``after-call.ecs``
hook, and the final assertion compares them with the model's operations, so
an operation added to the model without a walk entry fails the test.

The venv's botocore predates the newest ECS operations, so the client loads
the pinned model (the same approach as ``test_ecs_daemons_gateways.py``,
whose small helper is copied here rather than imported).
"""

from __future__ import annotations

import gzip
import json
import time
import uuid
from pathlib import Path

import boto3
import botocore.session
import pytest
from botocore.config import Config

from awsemu_helpers import ecs_arn, nat_egress, new_subnet, new_vpc, random_account

MODEL = Path(__file__).resolve().parents[2] / "codegen" / "models" / "ecs.json.gz"
ECS_AMI = "al2023-ami-ecs-hvm-*-x86_64"
PLAIN_AMI = "al2023-ami-2023*-x86_64"

# Operations the walk cannot call successfully with valid input, with why.
SKIPPED: set[str] = set()


def model_operations() -> set[str]:
    return set(json.load(gzip.open(MODEL))["operations"])


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("models")
    target = d / "ecs" / "2014-11-13"
    target.mkdir(parents=True)
    (target / "service-2.json").write_text(json.dumps(json.load(gzip.open(MODEL))))
    return str(d)


def pinned_ecs(models_dir: str, endpoint: str, account: str):
    """A fresh (uncached) ECS client built from the pinned model."""
    core = botocore.session.Session()
    core.get_component("data_loader").search_paths.insert(0, models_dir)
    session = boto3.session.Session(botocore_session=core)
    return session.client(
        "ecs", region_name="us-east-1", endpoint_url=endpoint,
        aws_access_key_id=account, aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 1}, read_timeout=60),
    )


def image(ec2, pattern: str) -> str:
    images = ec2.describe_images(Owners=["amazon"],
                                 Filters=[{"Name": "name", "Values": [pattern]}])["Images"]
    return sorted(images, key=lambda i: i["CreationDate"])[-1]["ImageId"]


def wait_until(fn, timeout=30.0, what="condition"):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}: {last!r}")


def test_walk_every_ecs_operation(models_dir, awsemu_endpoint, ec2):
    account = random_account()
    e2 = ec2(account=account)
    c = pinned_ecs(models_dir, awsemu_endpoint, account)
    called: set[str] = set()

    def record(http_response, model, **_):
        assert http_response.status_code == 200, (model.name, http_response.status_code)
        called.add(model.name)

    c.meta.events.register("after-call.ecs", record)

    role = f"arn:aws:iam::{account}:role/ecsInfrastructureRole"
    exec_role = f"arn:aws:iam::{account}:role/ecsTaskExecutionRole"

    # ---- Network and an EC2 instance that registers as a container instance.
    vpc = new_vpc(e2, "10.0.0.0/16")
    s1 = new_subnet(e2, vpc, "10.0.1.0/24", "us-east-1a")
    s2 = new_subnet(e2, vpc, "10.0.2.0/24", "us-east-1b")
    nat_egress(e2, vpc, "10.0.255.0/24")  # the private subnets' way to Docker Hub
    subnets = [s1, s2]
    net = {"awsvpcConfiguration": {"subnets": subnets}}

    # ---- Account settings.
    c.put_account_setting(name="containerInsights", value="enabled")
    c.put_account_setting_default(name="awsvpcTrunking", value="enabled")
    assert c.list_account_settings(effectiveSettings=True)["settings"]
    c.delete_account_setting(name="containerInsights")

    # ---- Clusters.
    cluster = c.create_cluster(
        clusterName="walk", serviceConnectDefaults={"namespace": "walk-ns"},
        tags=[{"key": "team", "value": "walk"}])["cluster"]
    cluster_arn = cluster["clusterArn"]
    assert cluster_arn == ecs_arn(account, "cluster/walk")
    ns = cluster["serviceConnectDefaults"]["namespace"]
    c.create_cluster(clusterName="scratch")
    assert c.describe_clusters(clusters=["walk"], include=["SETTINGS"])["clusters"]
    assert cluster_arn in c.list_clusters()["clusterArns"]
    c.update_cluster(cluster="walk", settings=[{"name": "containerInsights", "value": "enabled"}])
    c.update_cluster_settings(cluster="walk",
                              settings=[{"name": "containerInsights", "value": "disabled"}])

    # ---- Tags.
    c.tag_resource(resourceArn=cluster_arn, tags=[{"key": "tier", "value": "1"}])
    assert c.list_tags_for_resource(resourceArn=cluster_arn)["tags"]
    c.untag_resource(resourceArn=cluster_arn, tagKeys=["tier"])

    # ---- Capacity providers (Auto Scaling group, Managed Instances).
    asg = (f"arn:aws:autoscaling:us-east-1:{account}:autoScalingGroup:"
           f"{uuid.uuid4()}:autoScalingGroupName/walk-asg")
    c.create_capacity_provider(name="asg-cp", autoScalingGroupProvider={
        "autoScalingGroupArn": asg,
        "managedScaling": {"status": "ENABLED", "targetCapacity": 90}})
    c.update_capacity_provider(name="asg-cp", autoScalingGroupProvider={
        "managedScaling": {"status": "ENABLED", "targetCapacity": 80}})
    c.create_capacity_provider(name="mi-cp", cluster="walk", managedInstancesProvider={
        "infrastructureRoleArn": role,
        "instanceLaunchTemplate": {
            "ec2InstanceProfileArn": f"arn:aws:iam::{account}:instance-profile/ecsInstanceRole",
            "networkConfiguration": {"subnets": subnets}}})
    mi_cp = ecs_arn(account, "capacity-provider/mi-cp")
    assert len(c.describe_capacity_providers(capacityProviders=["asg-cp", "mi-cp"])[
        "capacityProviders"]) == 2
    c.put_cluster_capacity_providers(
        cluster="walk", capacityProviders=["asg-cp", "FARGATE"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}])

    # ---- Container instances.
    ecs_ami = image(e2, ECS_AMI)
    [ec2_id] = [i["InstanceId"] for i in e2.run_instances(
        ImageId=ecs_ami, InstanceType="t3.large", MinCount=1, MaxCount=1, SubnetId=s1,
        UserData="#!/bin/bash\necho ECS_CLUSTER=walk >> /etc/ecs/ecs.config\n")["Instances"]]
    ci_arns = wait_until(
        lambda: c.list_container_instances(cluster="walk")["containerInstanceArns"],
        what="container instance registration")
    [ci] = c.describe_container_instances(cluster="walk", containerInstances=ci_arns)[
        "containerInstances"]
    assert ci["ec2InstanceId"] == ec2_id
    ci_arn = ci["containerInstanceArn"]
    ci_id = ci_arn.rsplit("/", 1)[1]
    # An instance without ECS user data, registered directly (as an old agent).
    [plain_id] = [i["InstanceId"] for i in e2.run_instances(
        ImageId=image(e2, PLAIN_AMI), InstanceType="t3.medium", MinCount=1, MaxCount=1,
        SubnetId=s2)["Instances"]]
    direct = c.register_container_instance(
        cluster="walk",
        instanceIdentityDocument=json.dumps({"instanceId": plain_id, "region": "us-east-1",
                                             "instanceType": "t3.medium"}),
        instanceIdentityDocumentSignature="sig",
        totalResources=[{"name": "CPU", "type": "INTEGER", "integerValue": 1024},
                        {"name": "MEMORY", "type": "INTEGER", "integerValue": 2000}],
        versionInfo={"agentVersion": "1.20.0", "agentHash": "abc",
                     "dockerVersion": "DockerVersion: 1.12"},
    )["containerInstance"]["containerInstanceArn"]
    c.update_container_agent(cluster="walk", containerInstance=direct)
    c.put_attributes(cluster="walk", attributes=[
        {"name": "stack", "value": "prod", "targetType": "container-instance",
         "targetId": ci_id}])
    assert c.list_attributes(cluster="walk", targetType="container-instance",
                             attributeName="stack")["attributes"]
    c.delete_attributes(cluster="walk", attributes=[{"name": "stack", "targetId": ci_id}])

    # ---- Task definitions.
    web = c.register_task_definition(
        family="web", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
        cpu="256", memory="512",
        containerDefinitions=[{"name": "web", "image": "nginx:latest", "essential": True,
                               "portMappings": [{"containerPort": 80, "name": "http"}]}],
    )["taskDefinition"]["taskDefinitionArn"]
    bad = c.register_task_definition(
        family="web", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
        cpu="256", memory="512",
        containerDefinitions=[{"name": "web", "image": "nginx:bad", "essential": True,
                               "portMappings": [{"containerPort": 80, "name": "http"}],
                               "dockerLabels": {"awsemu.failToStart":
                                                "CannotPullContainerError: denied"}}],
    )["taskDefinition"]["taskDefinitionArn"]
    bridge = c.register_task_definition(
        family="bridge", networkMode="bridge", requiresCompatibilities=["EC2"],
        containerDefinitions=[{"name": "app", "image": "nginx:latest", "cpu": 256,
                               "memory": 256,
                               "portMappings": [{"containerPort": 80, "hostPort": 0}]}],
    )["taskDefinition"]["taskDefinitionArn"]
    assert c.describe_task_definition(taskDefinition="web")["taskDefinition"]
    assert web in c.list_task_definitions()["taskDefinitionArns"]
    assert "bridge" in c.list_task_definition_families()["families"]

    # ---- Standalone tasks: Fargate and EC2.
    fargate = c.run_task(cluster="walk", taskDefinition=web, launchType="FARGATE",
                         networkConfiguration=net, enableExecuteCommand=True)["tasks"][0]
    on_ec2 = c.run_task(cluster="walk", taskDefinition=bridge, launchType="EC2",
                        placementStrategy=[{"type": "binpack", "field": "memory"}])["tasks"][0]
    started = c.start_task(cluster="walk", taskDefinition=bridge,
                           containerInstances=[ci_arn])["tasks"][0]

    def running(arn):
        t = c.describe_tasks(cluster="walk", tasks=[arn])["tasks"][0]
        return t if t["lastStatus"] == "RUNNING" else None

    wait_until(lambda: running(fargate["taskArn"]), what="Fargate task RUNNING")
    assert fargate["taskArn"] in c.list_tasks(cluster="walk")["taskArns"]
    c.execute_command(cluster="walk", task=fargate["taskArn"], container="web",
                      command="/bin/sh", interactive=True)

    # ---- Agent calls.
    c.discover_poll_endpoint(containerInstance=ci_arn, cluster="walk")
    c.submit_container_state_change(cluster="walk", task=fargate["taskArn"],
                                    containerName="web", runtimeId="abc123",
                                    status="RUNNING")
    c.submit_task_state_change(cluster="walk", task=fargate["taskArn"], status="RUNNING",
                               containers=[{"containerName": "web", "exitCode": 0}])
    att = fargate["attachments"][0]["id"]
    c.submit_attachment_state_changes(cluster="walk", attachments=[
        {"attachmentArn": ecs_arn(account, f"attachment/{att}"), "status": "ATTACHED"}])

    # ---- A rolling service: deployments, revisions, task protection, stop.
    c.create_service(cluster="walk", serviceName="web", taskDefinition=web, desiredCount=1,
                     launchType="FARGATE", networkConfiguration=net,
                     serviceConnectConfiguration={"enabled": True,
                                                  "services": [{"portName": "http"}]})
    assert c.describe_services(cluster="walk", services=["web"])["services"]
    assert c.list_services(cluster="walk")["serviceArns"]
    assert c.list_services_by_namespace(namespace=ns)["serviceArns"]

    def deployments(**kw):
        return c.list_service_deployments(cluster="walk", service="web", **kw)[
            "serviceDeployments"]

    wait_until(lambda: [d for d in deployments() if d["status"] == "SUCCESSFUL"],
               what="first deployment SUCCESSFUL")
    svc_task = wait_until(
        lambda: c.list_tasks(cluster="walk", serviceName="web")["taskArns"],
        what="service task")[0]
    c.update_task_protection(cluster="walk", tasks=[svc_task], protectionEnabled=True,
                             expiresInMinutes=60)
    assert c.get_task_protection(cluster="walk", tasks=[svc_task])["protectedTasks"]
    c.update_service(cluster="walk", service="web", taskDefinition=bad)
    current = wait_until(lambda: [d for d in deployments() if d["status"] == "IN_PROGRESS"],
                         what="deployment IN_PROGRESS")[0]
    sd = c.describe_service_deployments(
        serviceDeploymentArns=[current["serviceDeploymentArn"]])["serviceDeployments"][0]
    assert c.describe_service_revisions(
        serviceRevisionArns=[sd["targetServiceRevision"]["arn"]])["serviceRevisions"]
    c.stop_service_deployment(serviceDeploymentArn=current["serviceDeploymentArn"],
                              stopType="ROLLBACK")

    # ---- A blue/green service paused at a PAUSE hook, then continued.
    c.create_service(cluster="walk", serviceName="bg", taskDefinition=web, desiredCount=1,
                     launchType="FARGATE", networkConfiguration=net,
                     deploymentConfiguration={
                         "strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0,
                         "lifecycleHooks": [{"targetType": "PAUSE",
                                             "lifecycleStages": ["POST_SCALE_UP"]}]})
    bg_deployments = lambda: c.list_service_deployments(  # noqa: E731
        cluster="walk", service="bg")["serviceDeployments"]
    wait_until(lambda: [d for d in bg_deployments() if d["status"] == "SUCCESSFUL"],
               what="blue/green service's first deployment SUCCESSFUL")
    c.update_service(cluster="walk", service="bg", forceNewDeployment=True)

    def paused_hook():
        [d] = [d for d in bg_deployments() if d["status"] == "IN_PROGRESS"]
        sd = c.describe_service_deployments(
            serviceDeploymentArns=[d["serviceDeploymentArn"]])["serviceDeployments"][0]
        hooks = [h for h in sd.get("lifecycleHookDetails", [])
                 if h["status"] == "AWAITING_ACTION"]
        return hooks and (sd["serviceDeploymentArn"], hooks[0]["hookId"])

    bg_arn, hook_id = wait_until(paused_hook, what="deployment paused at POST_SCALE_UP")
    c.continue_service_deployment(serviceDeploymentArn=bg_arn, hookId=hook_id,
                                  action="CONTINUE")
    wait_until(lambda: c.describe_service_deployments(serviceDeploymentArns=[bg_arn])[
        "serviceDeployments"][0]["status"] == "SUCCESSFUL", what="blue/green deployment done")
    c.delete_service(cluster="walk", service="bg", force=True)

    # ---- Task sets on an EXTERNAL service.
    c.create_service(cluster="walk", serviceName="ext", desiredCount=2,
                     deploymentController={"type": "EXTERNAL"})
    blue = c.create_task_set(cluster="walk", service="ext", taskDefinition=web,
                             launchType="FARGATE", networkConfiguration=net,
                             scale={"value": 100.0, "unit": "PERCENT"})["taskSet"]
    green = c.create_task_set(cluster="walk", service="ext", taskDefinition=web,
                              launchType="FARGATE", networkConfiguration=net,
                              scale={"value": 0.0, "unit": "PERCENT"})["taskSet"]
    assert len(c.describe_task_sets(cluster="walk", service="ext")["taskSets"]) == 2
    c.update_task_set(cluster="walk", service="ext", taskSet=green["id"],
                      scale={"value": 50.0, "unit": "PERCENT"})
    c.update_service_primary_task_set(cluster="walk", service="ext",
                                      primaryTaskSet=green["id"])
    c.delete_task_set(cluster="walk", service="ext", taskSet=blue["id"], force=True)

    # ---- Daemons (on the Managed Instances capacity provider).
    dtd = c.register_daemon_task_definition(
        family="agent", cpu="256", memory="512",
        containerDefinitions=[{"name": "agent", "image": "public.ecr.aws/agent:1",
                               "memory": 128, "essential": True}],
    )["daemonTaskDefinitionArn"]
    dtd2 = c.register_daemon_task_definition(
        family="agent", cpu="256", memory="512",
        containerDefinitions=[{"name": "agent", "image": "public.ecr.aws/agent:2",
                               "memory": 128, "essential": True}],
    )["daemonTaskDefinitionArn"]
    assert c.describe_daemon_task_definition(daemonTaskDefinition="agent")[
        "daemonTaskDefinition"]
    assert c.list_daemon_task_definitions()["daemonTaskDefinitions"]
    daemon = c.create_daemon(daemonName="agent", clusterArn=cluster_arn,
                             daemonTaskDefinitionArn=dtd, capacityProviderArns=[mi_cp])
    d = c.describe_daemon(daemonArn=daemon["daemonArn"])["daemon"]
    assert c.list_daemons(clusterArn=cluster_arn)["daemonSummariesList"]
    assert c.describe_daemon_deployments(daemonDeploymentArns=[daemon["deploymentArn"]])[
        "daemonDeployments"]
    assert c.list_daemon_deployments(daemonArn=daemon["daemonArn"])["daemonDeployments"]
    assert c.describe_daemon_revisions(
        daemonRevisionArns=[d["currentRevisions"][0]["arn"]])["daemonRevisions"]
    c.update_daemon(daemonArn=daemon["daemonArn"], daemonTaskDefinitionArn=dtd2,
                    capacityProviderArns=[mi_cp])
    c.delete_daemon(daemonArn=daemon["daemonArn"])
    c.delete_daemon_task_definition(daemonTaskDefinition=dtd)

    # ---- Gateways and the routes of a service's gateway connector.
    c.create_gateway(name="edge", infrastructureRoleArn=role,
                     configuration={"hostSharedAlb": {}})
    assert c.describe_gateway(gateway="edge")["gateway"]
    assert c.list_gateways()["gateways"]
    c.update_gateway(gateway="edge", deletionProtection=False)
    c.associate_gateway_with_cluster(gateway="edge", cluster="walk")
    assert c.list_gateway_cluster_associations()["gatewayClusterAssociations"]
    c.create_service(cluster="walk", serviceName="gw", taskDefinition=web, desiredCount=1,
                     launchType="FARGATE", networkConfiguration=net,
                     gatewayConnectors=[{"portName": "http"}])
    [route] = c.list_gateway_routes(gateway="edge")["gatewayRoutes"]
    assert c.describe_gateway_route(gatewayRouteArn=route["gatewayRouteArn"])["gatewayRoute"]
    assert c.describe_gateway_resources(gateway="edge")["gatewayResources"]
    c.update_service(cluster="walk", service="gw", gatewayConnectors=[])
    c.disassociate_gateway_from_cluster(gateway="edge", cluster="walk")
    c.delete_gateway(gateway="edge")

    # ---- Express gateway services.
    express = c.create_express_gateway_service(
        cluster="walk", serviceName="shop", infrastructureRoleArn=role,
        executionRoleArn=exec_role,
        primaryContainer={"image": "public.ecr.aws/nginx/nginx:latest"})["service"]
    express_arn = express["serviceArn"]
    assert c.describe_express_gateway_service(serviceArn=express_arn)["service"]
    c.update_express_gateway_service(serviceArn=express_arn, cpu="512", memory="1024")
    c.delete_express_gateway_service(serviceArn=express_arn)

    # ---- Draining, stopping, deregistering, deleting.
    c.update_container_instances_state(cluster="walk", containerInstances=[direct],
                                       status="DRAINING")
    c.stop_task(cluster="walk", task=on_ec2["taskArn"], reason="walk")
    c.stop_task(cluster="walk", task=started["taskArn"], reason="walk")
    c.deregister_container_instance(cluster="walk", containerInstance=ci_arn, force=True)
    c.delete_service(cluster="walk", service="gw", force=True)
    c.deregister_task_definition(taskDefinition=bridge)
    c.delete_task_definitions(taskDefinitions=[bridge])
    c.put_cluster_capacity_providers(cluster="walk", capacityProviders=[],
                                     defaultCapacityProviderStrategy=[])
    c.delete_capacity_provider(capacityProvider="asg-cp")
    c.delete_cluster(cluster="scratch")

    missing = model_operations() - called
    assert missing == SKIPPED, f"not walked: {sorted(missing - SKIPPED)}"
    assert called | SKIPPED == model_operations()
