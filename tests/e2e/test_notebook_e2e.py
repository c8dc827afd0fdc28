"""The notebook's password through the real engine: ``pulumi preview`` of a stack whose
published notebook has none is refused before anything is planned, and the opt-out is
named in the preview's warnings (tests/test_notebook.py has the rule itself)."""

from __future__ import annotations

from pathlib import Path

from e2e.controlplane import ControlPlane
from e2e.tools import Tools
from e2e.workspace import Workspace, copy_project, workspace
from fate_iac import yamlio

STACK = "party9999"
KEY = "fate:client.notebook_hashed_password"


def without_password(tools: Tools, chart_repo: str, root: Path, kubeconfig: Path) -> Workspace:
    """The example's party 9999 with its notebook's password removed, as a stack from
    before the rule would be."""
    project = copy_project(root / "project", [STACK], chart_repo)
    path = project / f"Pulumi.{STACK}.yaml"
    document = yamlio.load(path.read_text())
    document["config"].pop("fate:client")
    path.write_text(yamlio.dump(document))
    ws = workspace(tools, project, root, kubeconfig)
    assert ws.pulumi("stack", "init", STACK).returncode == 0
    return ws


def test_preview_refuses_a_published_notebook_without_a_password(
    tools: Tools, chart_repo: str, tmp_path: Path
) -> None:
    # Refused before any resource is planned: no cluster is needed to say so.
    ws = without_password(tools, chart_repo, tmp_path, tmp_path / "no-cluster")
    done = ws.pulumi("preview", "--stack", STACK)
    said = done.stdout + done.stderr
    assert done.returncode != 0, said
    assert f"stack {STACK}: {KEY}: not set, but the notebook is published by its Ingress " in said
    assert "client (party9999.notebook.example.com)" in said and "[notebook-password]" in said
    assert "party9999-mysql-example" not in said  # the example's other secrets stay unsaid
    exported = ws.pulumi("stack", "export", "--stack", STACK)
    assert exported.returncode == 0
    assert yamlio.load(exported.stdout)["deployment"].get("resources") in (None, [])


def test_preview_names_the_opt_out_when_taken(
    tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path: Path
) -> None:
    ws = without_password(tools, chart_repo, tmp_path, plane.kubeconfig)
    opted = ws.pulumi(
        "config", "set", "--stack", STACK, "--path", "fate:allowNotebookWithoutPassword", "true"
    )
    assert opted.returncode == 0, opted.stderr
    done = ws.pulumi("preview", "--stack", STACK)
    said = done.stdout + done.stderr
    assert done.returncode == 0, said
    assert "fate:allowNotebookWithoutPassword: the notebook is published by its Ingress" in said
    assert "without a password" in said
