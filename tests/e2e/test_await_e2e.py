"""Awaits, through the real engine on the simulated data plane: a release whose pods
cannot become ready fails its update within its timeout, names what is not ready, stays
for inspection, and the next ``up`` after a fix succeeds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pulumi import automation as auto

from e2e.controlplane import NODE_LABEL, ControlPlane, kube_get
from e2e.tools import Tools
from e2e.workspace import copy_project, workspace
from fatectl.main import main

STACK = "party10000"
TIMEOUT = 60


def test_pods_that_cannot_be_scheduled_fail_the_update_and_a_fix_recovers_it(
    tools: Tools,
    plane: ControlPlane,
    chart_repo: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = copy_project(tmp_path / "project", [STACK], chart_repo)
    ws = workspace(tools, project, tmp_path, plane.kubeconfig)
    stack = ws.stack(STACK)
    stack.set_config("release.timeout", auto.ConfigValue(str(TIMEOUT)), path=True)
    # clustermanager asks for nodes no simulated node is: its pod stays Pending.
    stack.set_config("clustermanager.nodeSelector.disktype", auto.ConfigValue("nvme"), path=True)

    result = ws.pulumi("up", "--yes", "--stack", STACK)
    assert result.returncode != 0
    said = result.stdout + result.stderr
    assert "fate-10000" in said and "within allocated timeout" in said, said

    # atomic is off: the release stays, failed, for inspection.
    secrets = kube_get(plane, "/api/v1/namespaces/fate-10000/secrets?labelSelector=owner%3Dhelm")
    assert [s["metadata"]["labels"]["status"] for s in secrets["items"]] == ["failed"]
    for key, value in ws.env.items():
        monkeypatch.setenv(key, value)
    capsys.readouterr()
    assert main(["describe", "--stack", STACK, "--project-dir", str(project), "--json"]) == 0
    described = json.loads(capsys.readouterr().out)
    assert described["health"] == "failed"
    manager = next(m for m in described["modules"] if m["module"] == "clustermanager")
    assert manager["condition"] == "progressing" and manager["ready"] == "0/1"
    [pod] = manager["pods"]
    assert pod["phase"] == "Pending" and "didn't match" in pod["reason"]
    assert {m["condition"] for m in described["modules"] if m is not manager} == {"ready"}

    # The fix: on one simulated node, chosen by its label. (A StatefulSet's module would
    # also need its stuck pod deleted: Kubernetes does not replace a pod that never
    # became ready; a Deployment's rolls on.)
    stack.remove_config("clustermanager.nodeSelector.disktype", path=True)
    selector = f'clustermanager.nodeSelector["{NODE_LABEL}"]'
    stack.set_config(selector, auto.ConfigValue(plane.nodes[0]), path=True)
    fixed = stack.up()
    assert fixed.summary.result == "succeeded"
    assert main(["describe", "--stack", STACK, "--project-dir", str(project), "--json"]) == 0
    described = json.loads(capsys.readouterr().out)
    assert described["health"] == "ready"
    manager = next(m for m in described["modules"] if m["module"] == "clustermanager")
    assert [p["node"] for p in manager["pods"]] == [plane.nodes[0]]
    assert described["releases"][0]["status"] == "deployed"
    assert described["releases"][0]["revision"] == 2
    stack.destroy()
