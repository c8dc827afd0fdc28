"""Day 2 through the real engine on a real API server (pods simulated by KWOK): a party
deployed at v1.10.0, `fatectl diff` before its upgrade, a migration that fails and
leaves v1.10.0 running, the upgrade to v1.11.2 with its migration Job completed before
the release changed, a refused downgrade, and `fatectl diff --live` finding hand edits."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from e2e.controlplane import ControlPlane, kube_get, kube_request
from e2e.tools import Tools
from e2e.workspace import Workspace, copy_project, workspace
from fate_iac.describe import decode_helm_release
from fate_iac.kube import release_history

STACK = "party10000"
NAMESPACE = "fate-10000"
JOB = "fate-mysql-upgrade-job"
PASSWORD = "party10000-mysql-example"
"""The example stack's mysql password: it must show nowhere."""


def fatectl(ws: Workspace, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(Path(sys.prefix) / "bin" / "fatectl"),
            *args,
            "--stack",
            STACK,
            "--project-dir",
            str(ws.project_dir),
        ],
        env={**os.environ, **ws.env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def helm_releases(plane: ControlPlane) -> list[dict[str, Any]]:
    """Every revision of the party's release, oldest first."""
    found = kube_get(plane, f"/api/v1/namespaces/{NAMESPACE}/secrets?labelSelector=owner%3Dhelm")
    records = [decode_helm_release(s["data"]["release"]) for s in found["items"]]
    return sorted(records, key=lambda r: r["version"])


def chart_of(record: dict[str, Any]) -> str:
    return str(record["chart"]["metadata"]["version"])


def fateflow_image(plane: ControlPlane) -> str:
    """The image fateflow (container ``fateflow`` of StatefulSet ``python``) runs."""
    found = kube_get(plane, f"/apis/apps/v1/namespaces/{NAMESPACE}/statefulsets/python")
    [image] = [
        c["image"]
        for c in found["spec"]["template"]["spec"]["containers"]
        if c["name"] == "fateflow"
    ]
    return str(image)


def set_config(stack: auto.Stack, key: str, value: Any) -> None:
    text = value if isinstance(value, str) else json.dumps(value)
    stack.set_config(key, auto.ConfigValue(text), path=False)


@pytest.fixture(scope="module")
def party(
    tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Workspace, auto.Stack]:
    state = tmp_path_factory.mktemp("day2")
    project = copy_project(state / "project", [STACK], chart_repo)
    ws = workspace(tools, project, state, plane.kubeconfig)
    stack = ws.stack(STACK)
    set_config(stack, "fate:chartVersion", "v1.10.0")
    assert stack.up(on_output=print).summary.result == "succeeded"
    return ws, stack


def test_an_upgrade_from_diff_to_migration_and_back_refused(
    party: tuple[Workspace, auto.Stack], plane: ControlPlane
) -> None:
    ws, stack = party
    assert [chart_of(r) for r in helm_releases(plane)] == ["v1.10.0"]
    assert fateflow_image(plane) == "federatedai/fateflow:1.10.0-release"

    # Before the upgrade, `fatectl diff` names what it changes, object by object.
    set_config(stack, "fate:chartVersion", "v1.11.2")
    done = fatectl(ws, "diff", "--json", "--exit-code")
    assert done.returncode == 4, done.stderr
    assert PASSWORD not in done.stdout
    [release] = json.loads(done.stdout)["releases"]
    assert (release["deployed"], release["wanted"]) == ("v1.10.0", "v1.11.2")
    changed = {(c["kind"], c["name"]): c["fields"] for c in release["changed"]}
    python = {f["path"]: (f["before"], f["after"]) for f in changed[("StatefulSet", "python")]}
    image = "spec.template.spec.containers[name=fateflow].image"
    assert python[image] == (
        "federatedai/fateflow:1.10.0-release",
        "federatedai/fateflow:1.11.2-release",
    )
    text = fatectl(ws, "diff").stdout
    assert "release fate-10000/fate-10000 (fate v1.10.0 -> v1.11.2)" in text
    assert "~ StatefulSet fate-10000/python" in text and PASSWORD not in text

    # A migration that does not finish in time (its pod has no node to run on) stops the
    # update: the release is not touched and v1.10.0 keeps running.
    set_config(stack, "fate:upgradeManager", {"timeout": 10, "nodeSelector": {"pool": "none"}})
    with pytest.raises(auto.CommandError) as failed:
        stack.up(on_output=print)
    assert "fate-10000-upgrade-job" in str(failed.value)
    assert [chart_of(r) for r in helm_releases(plane)] == ["v1.10.0"]
    assert fateflow_image(plane) == "federatedai/fateflow:1.10.0-release"
    job = kube_get(plane, f"/apis/batch/v1/namespaces/{NAMESPACE}/jobs/{JOB}")
    assert job is not None and not job["status"].get("succeeded")

    # Rolling back after the failed upgrade: the config's old version again. Allowed (the
    # stack's outputs still name v1.10.0), it leaves the release as it was and takes the
    # failed migration's objects away.
    set_config(stack, "fate:chartVersion", "v1.10.0")
    back = stack.up(on_output=print)
    assert back.summary.result == "succeeded" and "upgrade" not in back.outputs
    assert [chart_of(r) for r in helm_releases(plane)] == ["v1.10.0"]
    assert kube_get(plane, f"/apis/batch/v1/namespaces/{NAMESPACE}/jobs/{JOB}") is None

    # With the job able to run, the update migrates, then upgrades.
    set_config(stack, "fate:chartVersion", "v1.11.2")
    stack.remove_config("fate:upgradeManager")
    result = stack.up(on_output=print)
    assert result.summary.result == "succeeded"
    assert result.outputs["upgrade"].value == {"from": "v1.10.0", "to": "v1.11.2"}
    records = helm_releases(plane)
    assert [chart_of(r) for r in records] == ["v1.10.0", "v1.11.2"]
    # The history the program reads before it registers anything (the next update's
    # upgrade rules), through the Helm SDK, is what Helm's own records say.
    assert release_history(NAMESPACE, NAMESPACE, kubeconfig=str(plane.kubeconfig)) == [
        {
            "name": r["name"],
            "version": r["version"],
            "info": {"status": r["info"]["status"]},
            "chart": {"metadata": {"name": "fate", "version": chart_of(r)}},
        }
        for r in records
    ]
    assert fateflow_image(plane) == "federatedai/fateflow:1.11.2-release"
    job = kube_get(plane, f"/apis/batch/v1/namespaces/{NAMESPACE}/jobs/{JOB}")
    assert job["status"]["succeeded"] == 1
    assert job["metadata"]["annotations"]["fate.upgrade/to"] == "v1.11.2"
    assert PASSWORD not in json.dumps(job)
    # The Job completed before Helm upgraded the release.
    completed = datetime.datetime.fromisoformat(job["status"]["completionTime"])
    assert completed <= datetime.datetime.fromisoformat(records[-1]["info"]["last_deployed"])

    # The next update takes the migration's objects away and keeps its record; then
    # nothing is left to do.
    after = stack.up(on_output=print)
    assert (after.summary.resource_changes or {}).get(auto.OpType.DELETE) == 5
    assert after.outputs["upgrade"].value == {"from": "v1.10.0", "to": "v1.11.2"}
    assert kube_get(plane, f"/apis/batch/v1/namespaces/{NAMESPACE}/jobs/{JOB}") is None
    unchanged = stack.preview().change_summary
    assert set(unchanged) == {auto.OpType.SAME}, unchanged
    assert fatectl(ws, "diff", "--exit-code").returncode == 0

    # Going back is refused before anything runs.
    set_config(stack, "fate:chartVersion", "v1.10.0")
    with pytest.raises(auto.CommandError, match=r"older than the deployed v1\.11\.2"):
        stack.preview()
    refused = fatectl(ws, "diff")
    assert refused.returncode == 3 and "older than the deployed v1.11.2" in refused.stdout
    set_config(stack, "fate:chartVersion", "v1.11.2")


def test_diff_live_finds_hand_edits(
    party: tuple[Workspace, auto.Stack], plane: ControlPlane
) -> None:
    ws, _ = party
    clean = fatectl(ws, "diff", "--live", "--exit-code")
    assert clean.returncode == 0, clean.stdout + clean.stderr

    base = f"/apis/apps/v1/namespaces/{NAMESPACE}"
    kube_request(
        plane,
        "PATCH",
        f"{base}/deployments/clustermanager",
        {"spec": {"replicas": 3}},
        "application/merge-patch+json",
    )
    routes = kube_get(plane, f"/api/v1/namespaces/{NAMESPACE}/configmaps/rollsite-config")
    text = routes["data"]["route_table.json"]
    assert '"ip": "rollsite"' in text
    edited = text.replace('"ip": "rollsite"', '"ip": "10.9.9.9"', 1)  # a route sent elsewhere
    configmap = f"/api/v1/namespaces/{NAMESPACE}/configmaps/rollsite-config"
    kube_request(
        plane,
        "PATCH",
        configmap,
        {"data": {"route_table.json": edited}},
        "application/merge-patch+json",
    )
    kube_request(plane, "DELETE", f"/api/v1/namespaces/{NAMESPACE}/services/fateboard")

    drifted = fatectl(ws, "diff", "--live", "--json", "--exit-code")
    assert drifted.returncode == 5, drifted.stdout + drifted.stderr
    assert PASSWORD not in drifted.stdout
    [release] = json.loads(drifted.stdout)["releases"]
    found = {(d["kind"], d["name"]): d for d in release["drift"]}
    assert set(found) == {
        ("Deployment", "clustermanager"),
        ("ConfigMap", "rollsite-config"),
        ("Service", "fateboard"),
    }
    assert found[("Service", "fateboard")]["state"] == "deleted"
    replicas = found[("Deployment", "clustermanager")]["fields"]
    assert [(f["path"], f["applied"], f["live"]) for f in replicas] == [("spec.replicas", 1, 3)]
    shown = fatectl(ws, "diff", "--live").stdout
    assert '"ip": "10.9.9.9"' in shown and PASSWORD not in shown
