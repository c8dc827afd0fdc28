"""The policy pack through the real engine: ``pulumi preview --policy-pack policies``
accepts every shipped stack and refuses a release whose violation hides in its raw chart
values (a release the typed config does not make: a Pulumi YAML program installing the
fate chart itself); ``fatectl federation preview --policy-pack policies`` gates a whole
federation, new stacks included, on a rule only the pack holds (the platform's allowed
image registries)."""

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
REFUSAL = (
    "Service fate-9999/rollsite in release fate-9999 (fate v1.11.2): nodePort 40000 is "
    "outside the allowed range 30000-32767"
)
RAW_RELEASE = """\
name: raw-release
runtime: yaml
resources:
  # The fate chart installed directly, not through this project's typed config: only the
  # pack stands between these raw values and the cluster.
  fate-9999-release:
    type: kubernetes:helm.sh/v3:Release
    properties:
      name: fate-9999
      namespace: fate-9999
      createNamespace: true
      chart: fate
      version: v1.11.2
      repositoryOpts: {{repo: {chart_repo}}}
      skipAwait: true
      values:
        partyId: 9999
        partyName: fate-9999
        modules:
          rollsite: {{include: true, type: NodePort, nodePort: 40000}}
{excluded}
"""
"""A Pulumi YAML program whose one Helm release publishes rollsite on NodePort 40000."""
UNTYPED_MODULES = [
    "lbrollsite",
    "python",
    "client",
    "clustermanager",
    "nodemanager",
    "mysql",
    "serving",
    "fateboard",
    "spark",
    "hdfs",
    "nginx",
    "rabbitmq",
    "pulsar",
]
"""The fate chart's other modules, left out so the release is rollsite alone."""
FOREIGN_REGISTRY = "registry.example.com/federatedai"
"""A registry the typed config accepts (a valid OCI registry and path) but the pack's
default ``allowedRegistries`` (docker.io) does not: a platform's choice, not a stack's."""


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


def _use_a_foreign_registry(ws: Workspace, stack: str) -> None:
    path = ws.project_dir / f"Pulumi.{stack}.yaml"
    document = yamlio.load(path.read_text())
    document["config"]["fate:registry"] = FOREIGN_REGISTRY
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


def test_pulumi_preview_with_the_pack_refuses_a_violation_hidden_in_a_releases_values(
    tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path: Path
) -> None:
    # The typed config refuses a NodePort in fate:helmValues (helm-values-governed), so a
    # violation can only hide in a release it does not make: the pack must find it there.
    project = tmp_path / "project"
    project.mkdir()
    excluded = "\n".join(f"          {module}: {{include: false}}" for module in UNTYPED_MODULES)
    program = RAW_RELEASE.format(chart_repo=chart_repo, excluded=excluded)
    (project / "Pulumi.yaml").write_text(program)
    ws = workspace(tools, project, tmp_path, plane.kubeconfig)
    ws.env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    assert ws.pulumi("stack", "init", "raw").returncode == 0
    done = ws.pulumi("preview", "--stack", "raw", "--policy-pack", str(PACK))
    assert done.returncode != 0
    report = " ".join(done.stdout.split())
    assert "[mandatory] nodeport-range" in report, done.stdout
    assert REFUSAL in report, done.stdout
    # the refusal is this one rule's: the release is otherwise within the pack
    assert report.count("[mandatory]") == 1, done.stdout


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

    # The typed config takes any well-formed registry; which registries a cluster pulls
    # from is the platform's rule, held by the pack alone.
    _use_a_foreign_registry(ws, "party9999")
    refused = fatectl("preview")
    assert refused.returncode == 3  # refused by policy
    said = refused.stderr
    assert "stack party9999 refused:" in said, said
    assert (
        "image-registries [mandatory] kubernetes:helm.sh/v3:Release: fate-9999-release: "
        "Deployment fate-9999/rollsite in release fate-9999 (fate v1.11.2): image "
        f"{FOREIGN_REGISTRY}/eggroll:1.11.2-release is not from an allowed registry (docker.io)"
    ) in said, said
    assert "stack party10000 refused" not in said and "stack exchange refused" not in said

    up = fatectl("up", "--yes")  # the same gate stops an update before anything is created
    assert up.returncode == 3 and "stack party9999 refused:" in up.stderr, up.stderr
