"""A party stack through the real Pulumi engine, installed into a real API server.

The cluster's data plane is simulated (KWOK): pods are scheduled onto simulated nodes
and reported Ready, so ``pulumi up`` waits for the release's workloads as on a real
cluster, and the assertions are on the objects the API server holds.

Every test stands alone: the module's stack is brought up once by a fixture, tests that
change its config put it back, and the destroy test deploys a party of its own.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from e2e.controlplane import ControlPlane, kube_get
from e2e.tools import Tools
from e2e.workspace import Workspace, copy_project, workspace

STACK = "party10000"


@pytest.fixture(scope="module")
def deployed(
    tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Workspace, auto.Stack, auto.UpResult]:
    state = tmp_path_factory.mktemp("pulumi")
    project = copy_project(state / "project", [STACK], chart_repo)
    ws = workspace(tools, project, state, plane.kubeconfig)
    stack = ws.stack(STACK)
    return ws, stack, stack.up(on_output=print)


@pytest.fixture
def party(deployed: tuple[Workspace, auto.Stack, auto.UpResult]) -> tuple[Workspace, auto.Stack]:
    return deployed[0], deployed[1]


def object_at(plane: ControlPlane, path: str) -> dict[str, Any]:
    found: dict[str, Any] | None = kube_get(plane, path)
    assert found is not None, f"{path} is not in the API server"
    return found


def test_up_installs_the_release(
    deployed: tuple[Workspace, auto.Stack, auto.UpResult], plane: ControlPlane
) -> None:
    _, _, result = deployed
    assert result.summary.result == "succeeded"
    # Its exchange stack does not exist yet: the party deploys and says it is waiting.
    assert "waiting for exchange" in result.stdout
    outputs = {k: v.value for k, v in result.outputs.items()}
    assert outputs["federationEndpoint"] == {"host": "192.168.10.1", "port": 30101}
    assert outputs["releaseName"] == "fate-10000"

    namespace = object_at(plane, "/api/v1/namespaces/fate-10000")
    assert namespace["metadata"]["labels"]["fate.fedai.org/party-id"] == "10000"
    rollsite = object_at(plane, "/api/v1/namespaces/fate-10000/services/rollsite")
    assert rollsite["spec"]["type"] == "NodePort"
    assert [p["nodePort"] for p in rollsite["spec"]["ports"]] == [30101]
    fateflow = object_at(plane, "/api/v1/namespaces/fate-10000/services/fateflow-client")
    assert sorted(p["nodePort"] for p in fateflow["spec"]["ports"]) == [30102, 30107]
    routes = object_at(plane, "/api/v1/namespaces/fate-10000/configmaps/rollsite-config")
    table = json.loads(routes["data"]["route_table.json"])["route_table"]
    # No route but its own yet; the chart's example peers and exchange are gone.
    assert set(table) == {"default", "10000"}
    assert table["default"]["default"] == [{"ip": "rollsite", "port": 9370}]
    mysql = object_at(plane, "/apis/apps/v1/namespaces/fate-10000/statefulsets/mysql")
    env = {e["name"]: e for e in mysql["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["MYSQL_PASSWORD"]["value"] == "party10000-mysql-example"
    # root's password: from the Secret the program made, by reference; none empty
    assert "MYSQL_ALLOW_EMPTY_PASSWORD" not in env
    assert env["MYSQL_ROOT_PASSWORD"] == {
        "name": "MYSQL_ROOT_PASSWORD",
        "valueFrom": {"secretKeyRef": {"name": "mysql-root", "key": "password"}},
    }
    assert len(root_password(plane)) == 32

    # Isolated: the namespace lets in itself, and from anywhere only what it publishes.
    listed = object_at(plane, "/apis/networking.k8s.io/v1/namespaces/fate-10000/networkpolicies")
    policies = {p["metadata"]["name"]: p["spec"] for p in listed["items"]}
    assert set(policies) == {
        "fate-same-party",
        "fate-entry-rollsite",
        "fate-inner-python",
        "fate-entry-fateboard",
        "fate-entry-client",  # the example's notebook has a password
    }
    assert policies["fate-same-party"]["ingress"] == [{"from": [{"podSelector": {}}]}]
    opened = {
        name: [(p["port"], p["protocol"]) for p in spec["ingress"][0]["ports"]]
        for name, spec in policies.items()
        if name != "fate-same-party"
    }
    assert opened["fate-entry-rollsite"] == [(9370, "TCP")]
    # fateflow: the party's own pods and the ingress controller's namespace only
    assert opened["fate-inner-python"] == [(9360, "TCP"), (9380, "TCP")]
    assert len(policies["fate-inner-python"]["ingress"][0]["from"]) == 2
    assert policies["fate-entry-rollsite"]["podSelector"] == {
        "matchLabels": {"fateMoudle": "rollsite"}
    }


def root_password(plane: ControlPlane) -> str:
    """MySQL's root password, as the API server holds it in Secret mysql-root."""
    secret = object_at(plane, "/api/v1/namespaces/fate-10000/secrets/mysql-root")
    return base64.b64decode(secret["data"]["password"]).decode()


def mysql_env(plane: ControlPlane) -> dict[str, Any]:
    mysql = object_at(plane, "/apis/apps/v1/namespaces/fate-10000/statefulsets/mysql")
    return {e["name"]: e for e in mysql["spec"]["template"]["spec"]["containers"][0]["env"]}


def test_state_keeps_credentials_secret(
    party: tuple[Workspace, auto.Stack], plane: ControlPlane
) -> None:
    ws, _ = party
    backend = Path(ws.env["PULUMI_BACKEND_URL"].removeprefix("file://"))
    state_file = backend / ".pulumi" / "stacks" / "fate" / f"{STACK}.json"
    state = state_file.read_text()
    assert "party10000-mysql-example" not in state
    assert "party10000-board-example" not in state
    # the generated root password: in the state only encrypted
    generated = root_password(plane)
    assert generated not in state
    assert base64.b64encode(generated.encode()).decode() not in state
    [made] = [
        r
        for r in json.loads(state)["checkpoint"]["latest"]["resources"]
        if r["urn"].endswith("mysql-root-password")
    ]
    assert "ciphertext" in made["outputs"]["password"]
    release = next(
        r
        for r in json.loads(state)["checkpoint"]["latest"]["resources"]
        if r["type"] == "kubernetes:helm.sh/v3:Release"
    )
    password = release["inputs"]["values"]["modules"]["mysql"]["password"]
    assert "ciphertext" in password  # only the credential is secret, not the whole values
    assert release["inputs"]["values"]["modules"]["rollsite"]["nodePort"] == 30101


def test_second_preview_shows_no_changes(party: tuple[Workspace, auto.Stack]) -> None:
    _, stack = party
    preview = stack.preview()
    assert set(preview.change_summary) == {auto.OpType.SAME}, preview.change_summary


def test_changing_one_value_shows_exactly_that_change(party: tuple[Workspace, auto.Stack]) -> None:
    _, stack = party
    stack.set_config("python.logLevel", auto.ConfigValue("DEBUG"), path=True)
    try:
        preview = stack.preview(diff=True)
        assert preview.change_summary.get(auto.OpType.UPDATE) == 1, preview.change_summary
        assert "logLevel" in preview.stdout and "DEBUG" in preview.stdout
    finally:
        stack.set_config("python.logLevel", auto.ConfigValue("INFO"), path=True)


def test_a_party_deployed_with_the_chart_s_root_previews_its_password_first(
    party: tuple[Workspace, auto.Stack], plane: ControlPlane
) -> None:
    """A party deployed as before the hardening (the chart's passwordless root: what the
    opt-out deploys) sees root's password in the preview, and nothing changes until the
    update: then the StatefulSet reads it from the Secret."""
    _, stack = party
    kept = root_password(plane)
    stack.set_config("allowEmptyMysqlRootPassword", auto.ConfigValue("true"))
    try:
        opted_out = stack.up()
        assert opted_out.summary.resource_changes is not None
        assert opted_out.summary.resource_changes.get(auto.OpType.DELETE) == 2  # password, Secret
        assert mysql_env(plane)["MYSQL_ALLOW_EMPTY_PASSWORD"]["value"] == "1"
        assert kube_get(plane, "/api/v1/namespaces/fate-10000/secrets/mysql-root") is None
    finally:
        stack.remove_config("allowEmptyMysqlRootPassword")
    preview = stack.preview(diff=True)
    assert preview.change_summary.get(auto.OpType.CREATE) == 2, preview.change_summary
    assert preview.change_summary.get(auto.OpType.UPDATE) == 1, preview.change_summary
    assert "fate-postrender-mysql-root" in preview.stdout
    assert "MYSQL_ALLOW_EMPTY_PASSWORD" in mysql_env(plane)  # the preview changed nothing
    stack.up()
    assert "MYSQL_ALLOW_EMPTY_PASSWORD" not in mysql_env(plane)
    generated = root_password(plane)
    assert len(generated) == 32 and generated != kept  # a new one: the old was deleted


def test_destroy_removes_the_release(
    tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path: Path
) -> None:
    """A party of its own (another id, namespace and NodePorts), up then destroyed."""
    project = copy_project(tmp_path / "project", [STACK], chart_repo)
    ws = workspace(tools, project, tmp_path, plane.kubeconfig)
    stack = ws.stack(STACK)
    own = {
        "partyId": "10001",
        "name": "fate-10001",
        "namespace": "fate-10001",
        "rollsite.nodePort": "31101",
        "python.httpNodePort": "31107",
        "python.grpcNodePort": "31102",
    }
    for key, value in own.items():
        stack.set_config(key, auto.ConfigValue(value), path=True)
    stack.up()
    assert kube_get(plane, "/api/v1/namespaces/fate-10001/services/rollsite") is not None
    stack.destroy(on_output=print)
    secrets = object_at(plane, "/api/v1/namespaces/fate-10001/secrets?labelSelector=owner%3Dhelm")
    assert secrets["items"] == []
    assert kube_get(plane, "/api/v1/namespaces/fate-10001/services/rollsite") is None


def test_refused_stack_changes_nothing(party: tuple[Workspace, auto.Stack], tmp_path: Path) -> None:
    ws, _ = party
    result = ws.pulumi("preview", "--stack", STACK, "--config", "fate:partyId=0")
    assert result.returncode != 0
    assert "stack party10000: fate:partyId: partyId must be a positive integer" in result.stdout
