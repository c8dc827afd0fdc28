"""The policy pack through the real engine: ``pulumi preview --policy-pack policies``
accepts every shipped stack and refuses one whose violation hides in a Helm release's
raw values; ``fatectl federation preview --policy-pack policies`` does the same across a
federation, new stacks included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from e2e.controlplane import ControlPlane
from e2e.tools import Tools
from e2e.workspace import PROJECT_DIR, Workspace, copy_project, workspace
from fate_iac import yamlio

PACK = PROJECT_DIR / "policies"
STACKS = ["exchange", "party9999", "party10000"]
PROJECTS = {
    "eggroll": (PROJECT_DIR, STACKS),
    "spark": (PROJECT_DIR / "examples" / "spark-pulsar", STACKS),
    "kubefate": (PROJECT_DIR / "examples" / "kubefate", ["kubefate"]),
}
"""Every shipped stack, by project: its directory and its stacks."""
HIDDEN_NODEPORT = {"modules": {"rollsite": {"nodePort": 40000}}}
REFUSAL = (
    "Service fate-9999/rollsite in release fate-9999 (fate v1.11.2): nodePort 40000 is "
    "outside the allowed range 30000-32767"
)


def _workspace(
    tools: Tools,
    plane: ControlPlane,
    chart_repo: str | None,
    state: Path,
    source: Path,
    stacks: list[str] = STACKS,
) -> Workspace:
    project = copy_project(state / "project", stacks, chart_repo, source=source)
    ws = workspace(tools, project, state, plane.kubeconfig)
    # The pack fetches each release's chart from its own repository into this cache.
    ws.env["XDG_CACHE_HOME"] = str(state / "cache")
    return ws


def _preview(ws: Workspace, stack: str) -> subprocess.CompletedProcess[str]:
    ws.stack(stack)  # `pulumi preview` needs the stack to exist, as `pulumi stack init` makes it
    return ws.pulumi("preview", "--stack", stack, "--policy-pack", str(PACK))


def _hide_a_nodeport(ws: Workspace, stack: str) -> None:
    path = ws.project_dir / f"Pulumi.{stack}.yaml"
    document = yamlio.load(path.read_text())
    document["config"]["fate:helmValues"] = HIDDEN_NODEPORT
    path.write_text(yamlio.dump(document))


@pytest.mark.parametrize("example", sorted(PROJECTS))
def test_pulumi_preview_with_the_pack_accepts_every_shipped_stack(
    example: str, tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path: Path
) -> None:
    source, stacks = PROJECTS[example]
    # (the KubeFATE service installs no chart: its stack takes no chart repository)
    repo = chart_repo if stacks == STACKS else None
    ws = _workspace(tools, plane, repo, tmp_path, source, stacks)
    for stack in stacks:
        done = _preview(ws, stack)
        assert done.returncode == 0, f"{stack}:\n{done.stdout}\n{done.stderr}"
        assert "fate-guardrails" in done.stdout, done.stdout
        assert "[mandatory]" not in done.stdout and "[advisory]" not in done.stdout, done.stdout


def test_pulumi_preview_with_the_pack_refuses_a_violation_hidden_in_helm_values(
    tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path: Path
) -> None:
    ws = _workspace(tools, plane, chart_repo, tmp_path, PROJECT_DIR)
    _hide_a_nodeport(ws, "party9999")
    done = _preview(ws, "party9999")
    assert done.returncode != 0
    report = " ".join(done.stdout.split())
    assert "[mandatory] nodeport-range" in report, done.stdout
    assert REFUSAL in report, done.stdout


def test_fatectl_federation_preview_gates_a_whole_federation_on_the_pack(
    tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path: Path
) -> None:
    ws = _workspace(tools, plane, chart_repo, tmp_path, PROJECT_DIR)

    def fatectl(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                str(Path(sys.prefix) / "bin" / "fatectl"),
                "federation",
                *args,
                "--project-dir",
                str(ws.project_dir),
                "--policy-pack",
                str(PACK),
            ],
            env={**os.environ, **ws.env},
            capture_output=True,
            text=True,
            timeout=900,
        )

    accepted = fatectl("preview")
    assert accepted.returncode == 0, accepted.stderr
    # new stacks are previewed too, so the pack has seen each of them
    assert [line.split()[:3] for line in accepted.stdout.splitlines()] == [
        [stack, role, "new"]
        for stack, role in [
            ("exchange", "exchange"),
            ("party10000", "party"),
            ("party9999", "party"),
        ]
    ]

    _hide_a_nodeport(ws, "party9999")
    refused = fatectl("preview")
    assert refused.returncode == 3  # refused by policy
    said = refused.stderr
    assert "stack party9999 refused:" in said, said
    assert (
        f"nodeport-range [mandatory] kubernetes:helm.sh/v3:Release: fate-9999-release: {REFUSAL}"
        in said
    )
    assert "stack party10000 refused" not in said and "stack exchange refused" not in said

    up = fatectl("up", "--yes")  # the same gate stops an update before anything is created
    assert up.returncode == 3 and "stack party9999 refused:" in up.stderr, up.stderr
