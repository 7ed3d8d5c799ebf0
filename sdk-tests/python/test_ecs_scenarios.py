"""boto3: the ECS parts a scenario file declares and exports back exactly.

``scenario_fixtures/ecs-sets-and-instances.yaml`` declares account settings
(a ``containerInsights`` default that the cluster it makes takes, and a
role's own setting), EC2 instances of an Auto Scaling group (the
``autoScalingGroup`` field: their container instances belong to the
cluster's capacity provider of that group), EC2 tasks pinned to container
instances with their host ports (service tasks and a standalone one), and
services whose tasks run in task sets (``EXTERNAL`` with two task sets, one
primary; ``CODE_DEPLOY`` with its first one).

Each test starts its own emulator with the file (``awsemu_launcher``),
reads the world back through boto3, exports it (``GET /_awsemu/state``),
checks every field the file declares comes back as declared, loads the
export into a fresh emulator and checks that it answers the same Describe
calls and exports the same file again. Bad input is refused with
``<file>:<line>: <field path>: <message>``.

References: README "Scenarios"; emulator/src/scenario_file/format.rs
(``AccountSetting``, ``TaskSet``, ``Service.deploymentController``,
``LaunchedTask.containerInstance``/``hostPorts``, ``Instance.autoScalingGroup``).
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
import yaml

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "scenario_fixtures" / "ecs-sets-and-instances.yaml"
ACCOUNT = "555555555555"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/deployer"
CI = {  # EC2 instance id -> container instance id, as the file pins them
    "i-0f000000000000001": "0f000000000000000000000000000001",
    "i-0f000000000000002": "0f000000000000000000000000000002",
    "i-0f000000000000003": "0f000000000000000000000000000003",
}
# What the file's local names are once exported (ids and ARNs).
BY_FIELD = {
    "instance": {"asg-1": "i-0f000000000000001", "asg-2": "i-0f000000000000002",
                 "plain": "i-0f000000000000003"},
    "subnets": {"a": "subnet-0f000000000000001", "b": "subnet-0f000000000000002"},
    "securityGroups": {"nodes": "sg-0f000000000000001"},
    "taskDefinition": {f: f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/{f}:1"
                       for f in ("web", "api")},
}
BY_FIELD["containerInstance"] = BY_FIELD["instance"]


def ci_arn(ci_id: str) -> str:
    return f"arn:aws:ecs:us-east-1:{ACCOUNT}:container-instance/prod/{ci_id}"


def export(url: str) -> str:
    resp = requests.get(f"{url}/_awsemu/state", timeout=30)
    assert resp.status_code == 200, resp.text
    return resp.text


def region_of(text: str) -> dict:
    doc = yaml.safe_load(text)
    return next(a for a in doc["accounts"] if a["id"] == ACCOUNT)["regions"]["us-east-1"]


def declared() -> dict:
    return region_of(FIXTURE.read_text(encoding="utf-8"))


def assert_declared(want, got, path: str = "", field: str = "") -> None:
    """Everything the file declares is in the export, names resolved."""
    if isinstance(want, dict):
        assert isinstance(got, dict), (path, got)
        for k, v in want.items():
            assert k in got, f"{path}.{k} missing from the export: {got}"
            assert_declared(v, got[k], f"{path}.{k}", k)
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), (path, want, got)
        for i, (w, g) in enumerate(zip(want, got)):
            assert_declared(w, g, f"{path}[{i}]", field)
    else:
        want = BY_FIELD.get(field, {}).get(want, want) if isinstance(want, str) else want
        assert want == got, (path, want, got)


def world(url: str, client_for) -> SimpleNamespace:
    return SimpleNamespace(url=url, ecs=client_for(url, "ecs", ACCOUNT),
                           ec2=client_for(url, "ec2", ACCOUNT))


def snapshot(w) -> dict:
    """What the Describe calls answer about the scenario's ECS parts."""
    c = w.ecs
    arns = sorted(c.list_tasks(cluster="prod")["taskArns"])
    tasks = c.describe_tasks(cluster="prod", tasks=arns)["tasks"]
    cis = c.describe_container_instances(cluster="prod", containerInstances=sorted(CI.values()))
    for x in cis["containerInstances"]:
        x.pop("registeredAt", None)
    return {
        "settings": c.list_account_settings(effectiveSettings=True)["settings"],
        "role": c.list_account_settings(principalArn=ROLE)["settings"],
        "clusters": c.describe_clusters(clusters=["prod"], include=["SETTINGS"])["clusters"],
        "instances": cis["containerInstances"],
        "tasks": sorted(tasks, key=lambda t: t["taskArn"]),
        "sets": {s: c.describe_task_sets(cluster="prod", service=s, include=["TAGS"])["taskSets"]
                 for s in ("ext", "cd")},
        "services": c.describe_services(cluster="prod", services=["web", "on-asg", "ext", "cd"])[
            "services"],
    }


@pytest.fixture(scope="module")
def loaded(awsemu_launcher, client_for):
    url, stop = awsemu_launcher("--scenario", str(FIXTURE))
    yield world(url, client_for)
    stop()


def test_account_settings(loaded):
    c = loaded.ecs
    mine = {s["name"]: s for s in c.list_account_settings(effectiveSettings=True)["settings"]}
    assert (mine["containerInsights"]["value"], mine["containerInsights"]["principalArn"]) == (
        "enhanced", ROOT)
    role = c.list_account_settings(principalArn=ROLE, name="awsvpcTrunking")["settings"]
    assert [(s["value"], s["principalArn"]) for s in role] == [("enabled", ROLE)]
    # Applied before the cluster was made: it takes the account default.
    cluster = c.describe_clusters(clusters=["prod"], include=["SETTINGS"])["clusters"][0]
    assert cluster["settings"] == [{"name": "containerInsights", "value": "enhanced"}]


def test_auto_scaling_group_instances_join_its_capacity_provider(loaded):
    tags = {t["ResourceId"]: t["Value"] for t in loaded.ec2.describe_tags(Filters=[
        {"Name": "key", "Values": ["aws:autoscaling:groupName"]}])["Tags"]}
    assert tags == {"i-0f000000000000001": "web-asg", "i-0f000000000000002": "web-asg"}
    cis = loaded.ecs.describe_container_instances(
        cluster="prod", containerInstances=sorted(CI.values()))["containerInstances"]
    assert [(c["ec2InstanceId"], c.get("capacityProviderName")) for c in cis] == [
        ("i-0f000000000000001", "web-cp"), ("i-0f000000000000002", "web-cp"),
        ("i-0f000000000000003", None)]
    # The service of the provider's strategy runs on one of them.
    c = loaded.ecs
    arns = c.list_tasks(cluster="prod", serviceName="on-asg")["taskArns"]
    [t] = c.describe_tasks(cluster="prod", tasks=arns)["tasks"]
    assert t["capacityProviderName"] == "web-cp"
    assert t["containerInstanceArn"] in {ci_arn(CI["i-0f000000000000001"]),
                                         ci_arn(CI["i-0f000000000000002"])}


def test_ec2_tasks_on_their_pinned_instances_and_ports(loaded):
    c = loaded.ecs
    want = {  # task id -> (EC2 instance, host port)
        "0f0000000000000000000000000000a1": ("i-0f000000000000003", 49160),
        "0f0000000000000000000000000000a2": ("i-0f000000000000002", 49170),
        "0f0000000000000000000000000000c1": ("i-0f000000000000003", 49161),
        "0f0000000000000000000000000000d1": ("i-0f000000000000001", 49180),
    }
    tasks = c.describe_tasks(cluster="prod", tasks=list(want))["tasks"]
    assert len(tasks) == 4
    for t in tasks:
        ec2_id, port = want[t["taskArn"].rsplit("/", 1)[1]]
        assert t["launchType"] == "EC2"
        assert t["containerInstanceArn"] == ci_arn(CI[ec2_id])
        assert t["containers"][0]["networkBindings"] == [
            {"bindIP": "0.0.0.0", "containerPort": 80, "hostPort": port, "protocol": "tcp"}]
    # The instances hold what their tasks took.
    cis = {c_["ec2InstanceId"]: c_ for c_ in c.describe_container_instances(
        cluster="prod", containerInstances=sorted(CI.values()))["containerInstances"]}
    plain = {r["name"]: r for r in cis["i-0f000000000000003"]["remainingResources"]}
    registered = {r["name"]: r for r in cis["i-0f000000000000003"]["registeredResources"]}
    assert plain["CPU"]["integerValue"] == registered["CPU"]["integerValue"] - 512
    assert {"49160", "49161"} <= set(plain["PORTS"]["stringSetValue"])
    assert cis["i-0f000000000000003"]["runningTasksCount"] + cis[
        "i-0f000000000000003"]["pendingTasksCount"] == 2


def test_task_sets(loaded):
    c = loaded.ecs
    ext = c.describe_task_sets(cluster="prod", service="ext")["taskSets"]
    assert [(t["id"], t["externalId"], t["status"], t["scale"]["value"], t["computedDesiredCount"],
             t["launchType"]) for t in ext] == [
        ("ecs-svc/1000000000000000001", "blue", "PRIMARY", 100.0, 2, "FARGATE"),
        ("ecs-svc/1000000000000000002", "green", "ACTIVE", 50.0, 1, "FARGATE")]
    assert ext[0]["networkConfiguration"]["awsvpcConfiguration"]["subnets"] == [
        "subnet-0f000000000000001"]
    assert [t["runningCount"] for t in ext] == [2, 1]
    svc = c.describe_services(cluster="prod", services=["ext", "cd"])["services"]
    assert [s["deploymentController"]["type"] for s in svc] == ["EXTERNAL", "CODE_DEPLOY"]
    assert svc[0]["taskDefinition"].endswith("task-definition/api:1")
    [cd] = c.describe_task_sets(cluster="prod", service="cd")["taskSets"]
    assert (cd["id"], cd["status"], cd["launchType"]) == (
        "ecs-svc/2000000000000000001", "PRIMARY", "EC2")
    started = c.list_tasks(cluster="prod", startedBy="ecs-svc/1000000000000000002")["taskArns"]
    assert [a.rsplit("/", 1)[1] for a in started] == ["0f0000000000000000000000000000b3"]


def test_export_is_the_file_and_loads_into_the_same_world(loaded, awsemu_launcher, client_for,
                                                         tmp_path):
    first = export(loaded.url)
    got, want = region_of(first), declared()
    assert_declared(want["ecs"]["accountSettings"], got["ecs"]["accountSettings"], "accountSettings")
    assert_declared(want["ecs"]["containerInstances"], got["ecs"]["containerInstances"],
                    "containerInstances")
    assert_declared(want["ecs"]["tasks"], got["ecs"]["tasks"], "tasks")
    services = {s["name"]: s for s in got["ecs"]["services"]}
    for s in want["ecs"]["services"]:
        assert_declared(s, services[s["name"]], f"services.{s['name']}")
    assert {i["id"]: i.get("autoScalingGroup") for i in got["instances"]} == {
        "i-0f000000000000001": "web-asg", "i-0f000000000000002": "web-asg",
        "i-0f000000000000003": None}
    assert all("aws:autoscaling:groupName" not in i.get("tags", {}) for i in got["instances"])
    before = snapshot(loaded)

    path = tmp_path / "exported.yaml"
    path.write_text(first, encoding="utf-8")
    url, stop = awsemu_launcher("--scenario", str(path))
    try:
        again = world(url, client_for)
        after = snapshot(again)
        for k in before:
            assert after[k] == before[k], k
        assert export(url) == first
    finally:
        stop()


def test_run_task_with_the_auto_scaling_group_provider(awsemu_launcher, client_for):
    url, stop = awsemu_launcher("--scenario", str(FIXTURE))
    try:
        c = client_for(url, "ecs", ACCOUNT)
        out = c.run_task(cluster="prod", taskDefinition="web", count=4,
                         capacityProviderStrategy=[{"capacityProvider": "web-cp", "weight": 1}])
        assert out["failures"] == []
        asg = {ci_arn(CI["i-0f000000000000001"]), ci_arn(CI["i-0f000000000000002"])}
        assert len(out["tasks"]) == 4
        for t in out["tasks"]:
            assert t["capacityProviderName"] == "web-cp"
            assert t["containerInstanceArn"] in asg
        # The plain instance is no provider's: a strategy never lands there.
        cis = c.describe_container_instances(
            cluster="prod", containerInstances=[CI["i-0f000000000000003"]])["containerInstances"]
        assert cis[0]["runningTasksCount"] + cis[0]["pendingTasksCount"] == 2
    finally:
        stop()


BAD = [  # (text in the fixture, replaced by, field path, words of the message)
    ("id: ecs-svc/1000000000000000002", "id: ecs-svc/green",
     "ecs.services[2].taskSets[1].id", "is not a task set id"),
    ("deploymentController: CODE_DEPLOY", "deploymentController: BLUE_GREEN",
     "ecs.services[3].deploymentController", "is not EXTERNAL or CODE_DEPLOY"),
    ("containerInstance: asg-1", "containerInstance: nowhere",
     "ecs.tasks[0].containerInstance", "no instance named 'nowhere'"),
    ("autoScalingGroup: web-asg,\n             userData: IyEvYmluL2Jhc2gKZWNobyBFQ1NfQ0xVU1RFUj1wcm9kID4+IC9ldGMvZWNzL2Vjcy5jb25maWcK}\n          - {name: asg-2",
     "autoScalingGroup: \"web:asg\",\n             userData: IyEvYmluL2Jhc2gKZWNobyBFQ1NfQ0xVU1RFUj1wcm9kID4+IC9ldGMvZWNzL2Vjcy5jb25maWcK}\n          - {name: asg-2",
     "instances[0].autoScalingGroup", "is not an Auto Scaling group name"),
    ("{name: containerInsights, value: enhanced}", "{name: containerInsights, value: loud}",
     "ecs.accountSettings[0]", "Invalid value loud for containerInsights"),
]


@pytest.mark.parametrize("old,new,field,words", BAD, ids=[b[2] for b in BAD])
def test_bad_input_names_file_line_and_field(awsemu_run, tmp_path, old, new, field, words):
    text = FIXTURE.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace(old, new))
    proc = awsemu_run("scenario", "check", str(path))
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    prefix = f"{path}:"
    assert proc.stderr.startswith(prefix) or prefix in proc.stderr, proc.stderr
    line = proc.stderr.split(prefix, 1)[1]
    assert f": accounts[0].regions.us-east-1.{field}: " in line, proc.stderr
    assert words in line, proc.stderr
