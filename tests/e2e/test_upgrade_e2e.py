"""Upgrades: today's code previewed against state recorded by an earlier commit must not
replace or delete anything a party runs on (the habit of pulumi-eks' upgrade tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from e2e.controlplane import ControlPlane
from e2e.tools import Tools
from e2e.workspace import Workspace, copy_project, workspace
from fate_iac import yamlio

STACKS = ["exchange", "party9999", "party10000"]
RECORDED = Path(__file__).resolve().parent.parent / "fixtures" / "state"
RELEASE = "kubernetes:helm.sh/v3:Release"
NAMESPACE = "kubernetes:core/v1:Namespace"
REFERENCE = "pulumi:pulumi:StackReference"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
SECRET = "kubernetes:core/v1:Secret"
DYNAMIC = "pulumi-python:dynamic:Resource"
DYNAMIC_PROVIDER = "pulumi:providers:pulumi-python"
MYSQL_ROOT = {SECRET, DYNAMIC, DYNAMIC_PROVIDER}
"""What gives a party's MySQL root its password (new since the recorded commits): the
generated password, its provider, and Secret mysql-root."""


def import_recorded(ws: Workspace, commit: str, chart_repo: str) -> None:
    for name in STACKS:
        text = (RECORDED / commit / f"{name}.json").read_text()
        deployment = yamlio.load(text.replace("@CHART_REPO@", chart_repo))
        ws.stack(name).import_stack(auto.Deployment(version=3, deployment=deployment))


def planned_steps(ws: Workspace, name: str) -> list[tuple[str, str]]:
    """(operation, resource type) of each step a preview of ``name`` plans."""
    events: list[Any] = []
    ws.stack(name).preview(on_event=events.append)
    return [
        (e.resource_pre_event.metadata.op.value, e.resource_pre_event.metadata.type)
        for e in events
        if e.resource_pre_event is not None
    ]


@pytest.mark.parametrize("commit", sorted(p.name for p in RECORDED.iterdir() if p.is_dir()))
def test_recorded_state_upgrades_without_touching_releases(
    commit: str,
    tools: Tools,
    plane: ControlPlane,
    chart_repo: str,
    tmp_path: Path,
) -> None:
    project = copy_project(tmp_path / "project", STACKS, chart_repo)
    for name in STACKS:  # the config the state was recorded with (see its README)
        path = project / f"Pulumi.{name}.yaml"
        document = yamlio.load(path.read_text())
        document["config"]["fate:release"] = {"skipAwait": True}
        path.write_text(yamlio.dump(document))
    ws = workspace(tools, project, tmp_path, plane.kubeconfig)
    ws.env["FATE_EXISTING_STACKS"] = ",".join(STACKS)
    import_recorded(ws, commit, chart_repo)
    for name in STACKS:
        steps = planned_steps(ws, name)
        # Never replaced, deleted or created anew: that would reinstall a party. The
        # StackReferences (read-only, one per referenced stack) are read again, or read
        # for the first time where the recorded commit read peers without them; the
        # NetworkPolicies that isolate each namespace are new since, and so is MySQL's
        # root password.
        unsafe = [
            s
            for s in steps
            if s[0] not in {"same", "update"}
            and not (s[1] == REFERENCE and s[0] == "read")
            and not (s[1] in {NETWORK_POLICY, *MYSQL_ROOT} and s[0] == "create")
        ]
        assert unsafe == [], steps
        # Today's code changes no value but one (edit this when a change is meant): a
        # party's release is post-rendered so its MySQL root reads the new password.
        party = name != "exchange"
        assert (("update" if party else "same"), RELEASE) in steps, steps
        assert ("same", NAMESPACE) in steps, steps
        made = sorted(t for op, t in steps if op == "create" and t in MYSQL_ROOT)
        assert made == (sorted(MYSQL_ROOT) if party else []), steps
        assert any(t == REFERENCE for _, t in steps), steps
