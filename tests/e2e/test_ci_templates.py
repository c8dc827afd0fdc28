"""The pipeline templates (ci/) run as their CI system would run them: each job's commands
in order, in a checkout of the example federation, against the real engine (the local
control plane, a file backend), with the secrets a CI system's secret store would give.
A template whose commands no longer work fails here.

GitHub Actions: every ``run:`` step of a job (``uses:`` steps are the runner's: checkout,
Python, the Pulumi CLI, posting the comment), with the workflow's and the step's ``env``,
``${{ secrets.* }}`` and ``${{ github.workspace }}`` filled in (any other expression
fails the test, so a template change that needs it is noticed). GitLab CI: the default
``before_script`` and each job's ``script`` (``after_script`` only comments)."""

from __future__ import annotations

import json
import os
import re
import string
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from e2e.controlplane import ControlPlane, kube_request
from e2e.tools import Tools
from e2e.workspace import EXAMPLE_PASSPHRASE, PROJECT_DIR, Workspace, copy_project, workspace

STACKS = ["exchange", "party9999", "party10000"]
TEMPLATES = PROJECT_DIR / "ci"
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def checkout(tools: Tools, plane: ControlPlane, chart_repo: str, root: Path) -> Workspace:
    """The repository as a CI job checks it out: the example federation's stack files
    and program, with this project's scripts, policy pack and virtualenv."""
    repo = copy_project(root / "repo", STACKS, chart_repo)
    for name in ("scripts", "policies", "pyproject.toml"):
        (repo / name).symlink_to(PROJECT_DIR / name)
    (repo / ".venv").symlink_to(Path(sys.prefix))
    return workspace(tools, repo, root, plane.kubeconfig)


def fill(text: str, context: Mapping[str, str]) -> str:
    """GitHub's ``${{ ... }}`` expressions the templates may use."""

    def value(match: re.Match[str]) -> str:
        expression = match.group(1)
        if expression not in context:
            raise AssertionError(
                f"the template uses ${{{{ {expression} }}}}, which this test does not provide"
            )
        return context[expression]

    return _EXPRESSION.sub(value, text)


def github_job(document: Mapping[str, Any], job: str) -> list[tuple[dict[str, str], str]]:
    return [
        ({k: str(v) for k, v in (step.get("env") or {}).items()}, str(step["run"]))
        for step in document["jobs"][job]["steps"]
        if "run" in step
    ]


def gitlab_job(document: Mapping[str, Any], job: str) -> Iterator[tuple[dict[str, str], str]]:
    lines = [
        *document["default"]["before_script"],
        *document[job]["script"],
        *document[job].get("after_script", []),
    ]
    for line in lines:
        yield {}, str(line)


def run(script: str, env: Mapping[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """A command as a runner starts it: no terminal, nothing on stdin."""
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
    )


TOOLCHAIN = (
    "PATH",
    "PULUMI_HOME",
    "PULUMI_PYTHON_CMD",
    "PULUMI_SKIP_UPDATE_CHECK",
    "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION",
    "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK",
)
"""What the runner's own setup (the Pulumi CLI, Python) puts in a job's environment."""


def runner(ws: Workspace) -> dict[str, str]:
    """A runner's environment before the template's: no backend, passphrase or cluster;
    those must come from the template's wiring of the secret store."""
    inherited = {
        k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "KUBECONFIG", "FATE_"))
    }
    return {**inherited, **{k: ws.env[k] for k in TOOLCHAIN}}


def secrets(ws: Workspace, plane: ControlPlane) -> dict[str, str]:
    """What the CI system's secret store holds for these templates."""
    return {
        "PULUMI_CONFIG_PASSPHRASE": EXAMPLE_PASSPHRASE,
        "PULUMI_ACCESS_TOKEN": "",
        "PULUMI_BACKEND_URL": ws.env["PULUMI_BACKEND_URL"],
        "KUBECONFIG_DATA": Path(plane.kubeconfig).read_text(),
    }


def tear_down(ws: Workspace) -> None:
    done = subprocess.run(
        [".venv/bin/fatectl", "federation", "destroy", "--yes"],
        cwd=ws.project_dir,
        env={**os.environ, **ws.env},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr


def test_the_github_actions_template_reviews_deploys_and_checks_drift(
    tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path: Path
) -> None:
    ws = checkout(tools, plane, chart_repo, tmp_path)
    document = yaml.safe_load((TEMPLATES / "github-actions.yml").read_text())
    store = secrets(ws, plane)
    context = {f"secrets.{k}": v for k, v in store.items()}
    context["github.workspace"] = str(ws.project_dir)
    workflow = {k: fill(str(v), context) for k, v in document["env"].items()}
    base = {**runner(ws), **workflow}
    assert base["KUBECONFIG"] == str(ws.project_dir / ".kubeconfig")
    for job in ("review", "deploy", "drift"):
        for step_env, script in github_job(document, job):
            env = {**base, **{k: fill(v, context) for k, v in step_env.items()}}
            done = run(fill(script, context), env, ws.project_dir)
            assert done.returncode == 0, f"{job}: {script}\n{done.stdout}\n{done.stderr}"
        if job == "review":
            summary = (ws.project_dir / "summary.md").read_text()
            assert all(f"| {stack} |" in summary for stack in STACKS), summary
            assert (ws.project_dir / "rendered" / "party9999" / "fate-9999.yaml").exists()
            # The federation drawn into the comment, each stack's state read: the preview
            # made the stacks, nothing is in the cluster yet.
            drawn = summary[summary.index("## Federation") :]
            assert "```mermaid\nflowchart LR\n" in drawn, summary
            assert '-->|"eggroll"|' in drawn and drawn.count("<br/>absent") == 3, drawn
            assert (ws.project_dir / "federation.svg").read_text().startswith("<svg")
        if job == "deploy":
            deployed = json.loads((ws.project_dir / "deployed.json").read_text())
            assert deployed["ok"] and {s["state"] for s in deployed["stacks"]} == {"updated"}
    # Someone edits what party9999 deployed, behind the engine's back: the drift job fails.
    kube_request(
        plane,
        "PATCH",
        "/api/v1/namespaces/fate-9999",
        {"metadata": {"labels": {"fate.fedai.org/role": None}}},
        "application/merge-patch+json",
    )
    [(drift_env, drift)] = github_job(document, "drift")[-1:]
    env = {**base, **{k: fill(v, context) for k, v in drift_env.items()}}
    done = run(f"{drift} --json", env, ws.project_dir)
    report = json.loads(done.stdout)
    states = {s["stack"]: s["state"] for s in report["stacks"]}
    assert done.returncode == 5 and states == {
        "exchange": "in-sync",
        "party10000": "in-sync",
        "party9999": "drifted",
    }, done.stdout
    [step] = next(s for s in report["stacks"] if s["stack"] == "party9999")["steps"]
    assert step["op"] == "update" and step["type"] == "kubernetes:core/v1:Namespace"
    tear_down(ws)


def test_the_gitlab_ci_template_reviews_deploys_and_checks_drift(
    tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path: Path
) -> None:
    ws = checkout(tools, plane, chart_repo, tmp_path)
    document = yaml.safe_load((TEMPLATES / "gitlab-ci.yml").read_text())
    store = secrets(ws, plane)
    kubeconfig_file = tmp_path / "kubeconfig-variable"  # a File variable: GitLab gives a path
    kubeconfig_file.write_text(store.pop("KUBECONFIG_DATA"))
    base: dict[str, str] = {
        **runner(ws),
        **store,
        "KUBECONFIG_DATA": str(kubeconfig_file),
        "CI_PROJECT_DIR": str(ws.project_dir),
    }
    for key, value in document["variables"].items():  # GitLab expands $VARIABLES in them
        base[key] = string.Template(str(value)).safe_substitute(base)
    assert base["KUBECONFIG"] == str(ws.project_dir / ".kubeconfig")
    for job in ("review", "deploy", "drift"):
        for _, script in gitlab_job(document, job):
            done = run(script, base, ws.project_dir)
            assert done.returncode == 0, f"{job}: {script}\n{done.stdout}\n{done.stderr}"
    assert "```mermaid" in (ws.project_dir / "summary.md").read_text()
    assert (ws.project_dir / "federation.svg").exists()
    tear_down(ws)


@pytest.mark.parametrize("template", ["github-actions.yml", "gitlab-ci.yml"])
def test_the_templates_take_every_secret_from_the_store(template: str) -> None:
    """No credential is written in a template: each comes from the CI system's store."""
    text = (TEMPLATES / template).read_text()
    assert EXAMPLE_PASSPHRASE not in text and "BEGIN CERTIFICATE" not in text
    for name in ("PULUMI_CONFIG_PASSPHRASE", "KUBECONFIG_DATA"):
        assert name in text
