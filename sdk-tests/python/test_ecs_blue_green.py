"""boto3: ECS native blue/green deployments (``deploymentConfiguration.strategy``
``BLUE_GREEN``) behind an Application Load Balancer.

A new deployment walks the lifecycle stages on the world clock: green tasks
start at SCALE_UP in the alternate target group while blue keeps running,
the test and production listener rules' forward weights move from blue to
green, BAKE_TIME keeps blue running, CLEAN_UP stops it. A PAUSE hook holds
the deployment until ContinueServiceDeployment (CONTINUE or ROLLBACK) or its
timeout; StopServiceDeployment rolls back; CreateService/UpdateService check
the configuration as ECS does.

The walk runs on a second emulator with ``--pace manual`` (task steps 1 s,
first health checks 10 s, bake time in minutes of world time).
"""

from __future__ import annotations

import pytest
import requests

from awsemu_helpers import nat_egress, new_subnet, new_vpc, raises_code, random_account


def advance(endpoint: str, seconds: float) -> None:
    r = requests.post(f"{endpoint}/_awsemu/clock", json={"seconds": seconds}, timeout=30)
    assert r.status_code == 200, r.text


class World:
    """An ALB with a production listener (80) and a test listener (8080),
    each with a rule forwarding to the blue target group; a green (alternate)
    target group; a cluster and two revisions of a FARGATE task definition."""

    def __init__(self, ec2, elb, ecs, account: str, wait: bool = True):
        self.ec2, self.elb, self.ecs = ec2, elb, ecs
        self.role = f"arn:aws:iam::{account}:role/ecsInfrastructureRoleForLoadBalancers"
        self.vpc = new_vpc(ec2, "10.0.0.0/16")
        self.a = new_subnet(ec2, self.vpc, "10.0.1.0/24", "us-east-1a")
        self.b = new_subnet(ec2, self.vpc, "10.0.2.0/24", "us-east-1b")
        # The private subnets pull from Docker Hub through a NAT gateway.
        self.egress = nat_egress(ec2, self.vpc, "10.0.255.0/24", wait=wait)
        self.lb = elb.create_load_balancer(Name="alb", Type="application", Scheme="internal",
                                           Subnets=[self.a, self.b])["LoadBalancers"][0]["LoadBalancerArn"]
        self.blue = self.target_group("blue")
        self.green = self.target_group("green")
        self.prod_listener, self.prod_rule = self.listener_and_rule(80)
        self.test_listener, self.test_rule = self.listener_and_rule(8080)
        ecs.create_cluster(clusterName="app")
        self.v1 = self.task_definition("nginx:1")
        self.v2 = self.task_definition("nginx:2")

    def target_group(self, name: str) -> str:
        arn = self.elb.create_target_group(Name=name, Protocol="HTTP", Port=80, VpcId=self.vpc,
                                           TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
        self.elb.modify_target_group_attributes(
            TargetGroupArn=arn, Attributes=[{"Key": "deregistration_delay.timeout_seconds",
                                             "Value": "5"}])
        return arn

    def listener_and_rule(self, port: int) -> tuple[str, str]:
        listener = self.elb.create_listener(
            LoadBalancerArn=self.lb, Protocol="HTTP", Port=port,
            DefaultActions=[{"Type": "fixed-response",
                             "FixedResponseConfig": {"StatusCode": "404"}}],
        )["Listeners"][0]["ListenerArn"]
        rule = self.elb.create_rule(
            ListenerArn=listener, Priority=1,
            Conditions=[{"Field": "path-pattern", "Values": ["/*"]}],
            Actions=[{"Type": "forward", "TargetGroupArn": self.blue}],
        )["Rules"][0]["RuleArn"]
        return listener, rule

    def task_definition(self, image: str) -> str:
        return self.ecs.register_task_definition(
            family="web", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
            cpu="256", memory="512",
            containerDefinitions=[{"name": "web", "image": image,
                                   "portMappings": [{"containerPort": 80}]}],
        )["taskDefinition"]["taskDefinitionArn"]

    def lbs(self, **advanced) -> list[dict]:
        cfg = {"alternateTargetGroupArn": self.green, "productionListenerRule": self.prod_rule,
               "testListenerRule": self.test_rule, "roleArn": self.role}
        cfg.update(advanced)
        return [{"targetGroupArn": self.blue, "containerName": "web", "containerPort": 80,
                 "advancedConfiguration": {k: v for k, v in cfg.items() if v is not None}}]

    def create_service(self, desired: int = 2, hooks: list[dict] | None = None,
                       bake: int = 2, **kw) -> dict:
        params = {
            "cluster": "app", "serviceName": "web", "taskDefinition": self.v1,
            "desiredCount": desired, "launchType": "FARGATE",
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": [self.a, self.b]}},
            "loadBalancers": self.lbs(),
            "deploymentConfiguration": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": bake,
                                        "lifecycleHooks": hooks or []},
        }
        params.update(kw)
        return self.ecs.create_service(**params)["service"]

    def service(self) -> dict:
        return self.ecs.describe_services(cluster="app", services=["web"])["services"][0]

    def deployments(self) -> list[dict]:
        """Newest first."""
        arns = [d["serviceDeploymentArn"] for d in self.ecs.list_service_deployments(
            cluster="app", service="web")["serviceDeployments"]]
        return self.ecs.describe_service_deployments(serviceDeploymentArns=arns)[
            "serviceDeployments"]

    def weights(self, rule: str) -> dict[str, int]:
        r = self.elb.describe_rules(RuleArns=[rule])["Rules"][0]
        fwd = [a for a in r["Actions"] if a["Type"] == "forward"][0]
        return {t["TargetGroupArn"]: t.get("Weight") for t in fwd["ForwardConfig"]["TargetGroups"]}

    def targets(self, tg: str) -> dict[str, str]:
        d = self.elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
        return {t["Target"]["Id"]: t["TargetHealth"]["State"] for t in d}

    def tasks(self, status: str = "RUNNING") -> list[dict]:
        arns = self.ecs.list_tasks(cluster="app", desiredStatus=status)["taskArns"]
        if not arns:
            return []
        return self.ecs.describe_tasks(cluster="app", tasks=arns)["tasks"]

    def running(self, td: str) -> list[dict]:
        return [t for t in self.tasks() if t["taskDefinitionArn"] == td
                and t["lastStatus"] == "RUNNING"]


@pytest.fixture
def manual(manual_endpoint, client_for):
    r = requests.post(f"{manual_endpoint}/_awsemu/reset", timeout=30)
    assert r.status_code == 200, r.text
    account = random_account()
    w = World(client_for(manual_endpoint, "ec2", account=account),
              client_for(manual_endpoint, "elbv2", account=account),
              client_for(manual_endpoint, "ecs", account=account), account, wait=False)
    w.endpoint = manual_endpoint
    advance(manual_endpoint, 5)  # the NAT gateway becomes available
    return w


@pytest.fixture
def world(ec2, elbv2, ecs):
    account = random_account()
    return World(ec2(account=account), elbv2(account=account), ecs(account=account), account)


def blue_serving(w: World) -> None:
    """The first deployment completed: two v1 tasks, healthy in blue."""
    advance(w.endpoint, 20)
    assert w.deployments()[0]["status"] == "SUCCESSFUL"
    assert len(w.running(w.v1)) == 2
    assert sorted(w.targets(w.blue).values()) == ["healthy", "healthy"]


PAUSE_POST_SCALE_UP = [{"targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"],
                        "timeoutConfiguration": {"timeoutInMinutes": 30, "action": "ROLLBACK"}}]


# ---------------------------------------------------------------------------
# The walk
# ---------------------------------------------------------------------------
def test_blue_green_walks_the_stages_and_shifts_the_listener_weights(manual):
    w = manual
    w.create_service()
    blue_serving(w)
    w.ecs.update_service(cluster="app", service="web", taskDefinition=w.v2)
    sd = w.deployments()[0]
    assert sd["status"] == "IN_PROGRESS"
    assert sd["lifecycleStage"] == "SCALE_UP"
    assert sd["deploymentConfiguration"]["strategy"] == "BLUE_GREEN"
    # Both revisions deployed: green PRIMARY, blue ACTIVE.
    ds = w.service()["deployments"]
    assert [d["status"] for d in ds] == ["PRIMARY", "ACTIVE"]
    assert ds[0]["taskDefinition"] == w.v2 and ds[0]["rolloutState"] == "IN_PROGRESS"
    # The production rule forwards to both groups, all to blue.
    assert w.weights(w.prod_rule) == {w.blue: 100, w.green: 0}

    advance(w.endpoint, 4)  # green tasks RUNNING, in their first health checks
    assert len(w.running(w.v2)) == 2 and len(w.running(w.v1)) == 2
    assert sorted(w.targets(w.green).values()) == ["initial", "initial"]
    assert w.deployments()[0]["lifecycleStage"] == "SCALE_UP"

    advance(w.endpoint, 11)  # green healthy: traffic shifts, bake time starts
    sd = w.deployments()[0]
    assert sd["lifecycleStage"] == "BAKE_TIME"
    assert w.weights(w.prod_rule) == {w.blue: 0, w.green: 100}
    assert w.weights(w.test_rule) == {w.blue: 0, w.green: 100}
    assert sd["targetServiceRevision"]["requestedProductionTrafficWeight"] == 100.0
    assert sd["sourceServiceRevisions"][0]["requestedProductionTrafficWeight"] == 0.0
    # Blue still runs (an instant rollback would be possible).
    assert len(w.running(w.v1)) == 2
    assert sorted(w.targets(w.blue).values()) == ["healthy", "healthy"]

    advance(w.endpoint, 60)
    assert w.deployments()[0]["lifecycleStage"] == "BAKE_TIME"
    advance(w.endpoint, 61)  # bake time (2 min) over: CLEAN_UP stops blue
    sd = w.deployments()[0]
    assert sd["status"] == "IN_PROGRESS" and sd["lifecycleStage"] == "CLEAN_UP"
    assert len(w.tasks("STOPPED")) == 2  # blue stopping (draining first)
    advance(w.endpoint, 20)
    sd = w.deployments()[0]
    assert sd["status"] == "SUCCESSFUL" and sd["lifecycleStage"] == "CLEAN_UP"
    assert [t["taskDefinitionArn"] for t in w.tasks()] == [w.v2, w.v2]
    assert w.targets(w.blue) == {}
    ds = w.service()["deployments"]
    assert len(ds) == 1 and ds[0]["rolloutState"] == "COMPLETED"

    # The next deployment goes the other way: green serves, blue is the new green.
    v3 = w.task_definition("nginx:3")
    w.ecs.update_service(cluster="app", service="web", taskDefinition=v3)
    advance(w.endpoint, 15)
    assert w.deployments()[0]["lifecycleStage"] == "BAKE_TIME"
    assert w.weights(w.prod_rule) == {w.blue: 100, w.green: 0}
    assert len(w.targets(w.blue)) == 2 and len(w.targets(w.green)) == 2


def test_pause_hook_continue(manual):
    w = manual
    w.create_service(hooks=PAUSE_POST_SCALE_UP)
    blue_serving(w)
    # The first deployment of a new service has nothing to pause.
    assert not w.deployments()[0].get("lifecycleHookDetails")
    w.ecs.update_service(cluster="app", service="web", taskDefinition=w.v2)
    advance(w.endpoint, 15)
    sd = w.deployments()[0]
    assert sd["status"] == "IN_PROGRESS" and sd["lifecycleStage"] == "POST_SCALE_UP"
    [hook] = sd["lifecycleHookDetails"]
    assert hook["targetType"] == "PAUSE" and hook["status"] == "AWAITING_ACTION"
    assert hook["hookId"].startswith("ecs-pause-")
    assert hook["timeoutAction"] == "ROLLBACK"
    assert (hook["expiresAt"] - sd["updatedAt"]).total_seconds() == pytest.approx(1800, abs=2)
    # Paused: production still on blue, both revisions running.
    assert w.weights(w.prod_rule) == {w.blue: 100, w.green: 0}
    advance(w.endpoint, 120)
    assert w.deployments()[0]["lifecycleStage"] == "POST_SCALE_UP"
    assert len(w.running(w.v1)) == 2 and len(w.running(w.v2)) == 2

    out = w.ecs.continue_service_deployment(serviceDeploymentArn=sd["serviceDeploymentArn"],
                                            hookId=hook["hookId"], action="CONTINUE")
    assert out["serviceDeploymentArn"] == sd["serviceDeploymentArn"]
    sd = w.deployments()[0]
    assert sd["lifecycleStage"] == "BAKE_TIME"
    assert sd["lifecycleHookDetails"][0]["status"] == "SUCCEEDED"
    assert w.weights(w.prod_rule) == {w.blue: 0, w.green: 100}
    # The hook is no longer paused.
    with raises_code("InvalidParameterException"):
        w.ecs.continue_service_deployment(serviceDeploymentArn=sd["serviceDeploymentArn"],
                                          hookId=hook["hookId"])
    advance(w.endpoint, 121)
    assert w.deployments()[0]["lifecycleStage"] == "CLEAN_UP"
    advance(w.endpoint, 20)
    assert w.deployments()[0]["status"] == "SUCCESSFUL"
    # Not in progress any more.
    with raises_code("InvalidParameterException"):
        w.ecs.continue_service_deployment(serviceDeploymentArn=sd["serviceDeploymentArn"],
                                          hookId=hook["hookId"])


def test_pause_hook_rollback(manual):
    w = manual
    w.create_service(hooks=PAUSE_POST_SCALE_UP)
    blue_serving(w)
    w.ecs.update_service(cluster="app", service="web", taskDefinition=w.v2)
    advance(w.endpoint, 15)
    sd = w.deployments()[0]
    hook = sd["lifecycleHookDetails"][0]
    w.ecs.continue_service_deployment(serviceDeploymentArn=sd["serviceDeploymentArn"],
                                      hookId=hook["hookId"], action="ROLLBACK")
    sd = w.deployments()[0]
    assert sd["status"] in ("ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL")
    assert sd["rollback"]["serviceRevisionArn"] == sd["sourceServiceRevisions"][0]["arn"]
    assert sd["lifecycleHookDetails"][0]["status"] == "FAILED"
    advance(w.endpoint, 20)
    sd = w.deployments()[0]
    assert sd["status"] == "ROLLBACK_SUCCESSFUL"
    # Blue still serves; green is gone.
    assert w.weights(w.prod_rule) == {w.blue: 100, w.green: 0}
    assert [t["taskDefinitionArn"] for t in w.tasks()] == [w.v1, w.v1]
    assert w.targets(w.green) == {}
    assert sorted(w.targets(w.blue).values()) == ["healthy", "healthy"]
    svc = w.service()
    assert svc["taskDefinition"] == w.v1
    assert [d["status"] for d in svc["deployments"]] == ["PRIMARY"]
    assert svc["deployments"][0]["taskDefinition"] == w.v1


def test_pause_hook_timeout(manual):
    w = manual
    hooks = [{"targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"],
              "timeoutConfiguration": {"timeoutInMinutes": 1, "action": "CONTINUE"}},
             {"targetType": "PAUSE", "lifecycleStages": ["POST_PRODUCTION_TRAFFIC_SHIFT"],
              "timeoutConfiguration": {"timeoutInMinutes": 2}}]
    w.create_service(hooks=hooks)
    blue_serving(w)
    w.ecs.update_service(cluster="app", service="web", taskDefinition=w.v2)
    advance(w.endpoint, 15)
    assert w.deployments()[0]["lifecycleStage"] == "POST_SCALE_UP"
    advance(w.endpoint, 60)  # the first hook times out: CONTINUE
    sd = w.deployments()[0]
    assert sd["lifecycleStage"] == "POST_PRODUCTION_TRAFFIC_SHIFT"
    first, second = sd["lifecycleHookDetails"]
    assert first["status"] == "TIMED_OUT" and first["timeoutAction"] == "CONTINUE"
    assert second["status"] == "AWAITING_ACTION" and second["timeoutAction"] == "ROLLBACK"
    assert w.weights(w.prod_rule) == {w.blue: 0, w.green: 100}
    advance(w.endpoint, 121)  # the second times out: ROLLBACK (the default)
    sd = w.deployments()[0]
    assert sd["lifecycleHookDetails"][1]["status"] == "TIMED_OUT"
    assert sd["status"] in ("ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL")
    assert w.weights(w.prod_rule) == {w.blue: 100, w.green: 0}
    advance(w.endpoint, 20)
    assert w.deployments()[0]["status"] == "ROLLBACK_SUCCESSFUL"
    assert [t["taskDefinitionArn"] for t in w.tasks()] == [w.v1, w.v1]


def test_lambda_hooks_succeed_and_stop_rolls_back(manual):
    w = manual
    hooks = [{"hookTargetArn": "arn:aws:lambda:us-east-1:123456789012:function:check",
              "roleArn": w.role, "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
              "hookDetails": {"suite": "smoke"}}]
    w.create_service(hooks=hooks, bake=10)
    blue_serving(w)
    w.ecs.update_service(cluster="app", service="web", taskDefinition=w.v2)
    advance(w.endpoint, 15)
    sd = w.deployments()[0]
    assert sd["lifecycleStage"] == "BAKE_TIME"
    [hook] = sd["lifecycleHookDetails"]
    assert hook["targetType"] == "AWS_LAMBDA" and hook["status"] == "SUCCEEDED"
    assert hook["targetArn"] == hooks[0]["hookTargetArn"]
    assert w.weights(w.prod_rule) == {w.blue: 0, w.green: 100}
    # StopServiceDeployment during the bake time: traffic back to blue.
    w.ecs.stop_service_deployment(serviceDeploymentArn=sd["serviceDeploymentArn"])
    assert w.weights(w.prod_rule) == {w.blue: 100, w.green: 0}
    assert w.weights(w.test_rule) == {w.blue: 100, w.green: 0}
    advance(w.endpoint, 20)
    sd = w.deployments()[0]
    assert sd["status"] == "ROLLBACK_SUCCESSFUL"
    assert [t["taskDefinitionArn"] for t in w.tasks()] == [w.v1, w.v1]


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------
def test_blue_green_validation(world):
    w = world

    def refused(code: str, **kw):
        with raises_code(code) as e:
            w.create_service(**kw)
        return str(e.value)

    msg = refused("InvalidParameterException",
                  hooks=[{"targetType": "PAUSE", "lifecycleStages": ["TEST_TRAFFIC_SHIFT"]}])
    assert "TEST_TRAFFIC_SHIFT" in msg
    refused("InvalidParameterException",
            hooks=[{"targetType": "PAUSE", "lifecycleStages": ["PRODUCTION_TRAFFIC_SHIFT"]}])
    assert "hookTargetArn" in refused(
        "InvalidParameterException", hooks=[{"lifecycleStages": ["POST_SCALE_UP"]}])
    refused("InvalidParameterException",
            hooks=[{"targetType": "PAUSE", "lifecycleStages": []}])
    refused("InvalidParameterException",
            hooks=[{"targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"],
                    "timeoutConfiguration": {"timeoutInMinutes": 20161}}])
    net = {"awsvpcConfiguration": {"subnets": [w.a]}}
    assert "bakeTimeInMinutes" in refused(
        "InvalidParameterException", deploymentConfiguration={"strategy": "BLUE_GREEN"})
    assert "advancedConfiguration" in refused(
        "InvalidParameterException",
        loadBalancers=[{"targetGroupArn": w.blue, "containerName": "web", "containerPort": 80}])
    refused("InvalidParameterException", loadBalancers=w.lbs(alternateTargetGroupArn=w.blue))
    refused("InvalidParameterException", loadBalancers=w.lbs(
        productionListenerRule=w.prod_rule.replace("listener-rule/app/alb", "listener-rule/app/nope")))
    refused("InvalidParameterException", loadBalancers=w.lbs(roleArn=None))
    refused("InvalidParameterException",
            deploymentConfiguration={"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 1,
                                     "linearConfiguration": {"stepPercent": 10.0}})
    refused("InvalidParameterException",
            deploymentConfiguration={"lifecycleHooks": [
                {"targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"]}]})
    refused("UnsupportedFeatureException",
            deploymentConfiguration={"strategy": "LINEAR",
                                     "linearConfiguration": {"stepPercent": 10.0}})
    refused("InvalidParameterException",
            deploymentConfiguration={"strategy": "CANARY",
                                     "canaryConfiguration": {"canaryPercent": 200.0}})
    # Without a load balancer, blue/green still walks (no traffic to shift).
    svc = w.ecs.create_service(
        cluster="app", serviceName="plain", taskDefinition=w.v1, desiredCount=1,
        launchType="FARGATE", networkConfiguration=net,
        deploymentConfiguration={"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0})["service"]
    assert svc["deploymentConfiguration"]["strategy"] == "BLUE_GREEN"
    # UpdateService checks the same way.
    with raises_code("InvalidParameterException"):
        w.ecs.update_service(cluster="app", service="plain", deploymentConfiguration={
            "strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0,
            "lifecycleHooks": [{"targetType": "PAUSE",
                                "lifecycleStages": ["PRODUCTION_TRAFFIC_SHIFT"]}]})
    with raises_code("ServiceDeploymentNotFoundException"):
        w.ecs.continue_service_deployment(
            serviceDeploymentArn=svc["serviceArn"].replace(":service/", ":service-deployment/")
            + "/NOPE", hookId="ecs-pause-x")


def test_blue_green_without_load_balancer_pauses_in_immediate_pace(world):
    w = world
    net = {"awsvpcConfiguration": {"subnets": [w.a]}}
    w.ecs.create_service(
        cluster="app", serviceName="web", taskDefinition=w.v1, desiredCount=1,
        launchType="FARGATE", networkConfiguration=net,
        deploymentConfiguration={"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0,
                                 "lifecycleHooks": PAUSE_POST_SCALE_UP})
    assert w.deployments()[0]["status"] == "SUCCESSFUL"
    w.ecs.update_service(cluster="app", service="web", taskDefinition=w.v2)
    sd = w.deployments()[0]
    assert sd["lifecycleStage"] == "POST_SCALE_UP"
    hook = sd["lifecycleHookDetails"][0]
    assert hook["status"] == "AWAITING_ACTION"
    w.ecs.continue_service_deployment(serviceDeploymentArn=sd["serviceDeploymentArn"],
                                      hookId=hook["hookId"])
    sd = w.deployments()[0]
    assert sd["status"] == "SUCCESSFUL" and sd["lifecycleStage"] == "CLEAN_UP"
