"""Bring the shipped federation (the exchange and both parties) up with the real Pulumi
engine, converged by the orchestrator as ``fatectl federation up`` does, and print each
stack's outputs.

* By default: into a throwaway cluster on 127.0.0.1 (etcd, kube-apiserver,
  kube-controller-manager, kube-scheduler, and KWOK simulating three nodes) with a
  temporary backend; the releases wait for their workloads as on a real cluster (KWOK
  reports the scheduled pods Ready; no container runs); print each stack as
  ``fatectl describe`` shows it, and stop everything.
* With ``--cluster`` only: into the current context of your kubeconfig, in this
  project, with your Pulumi login and passphrase, after showing the plan and asking
  (``--yes`` skips the question). The example stacks carry public credentials, so this
  never happens by surprise.

``--project examples/spark-pulsar`` deploys the Spark example federation instead.

Run: .venv/bin/python -m e2e.deploy_examples [--project DIR] [--cluster [--yes]]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from e2e.chartserver import serve_chart_repository
from e2e.controlplane import control_plane
from e2e.tools import build_tools
from e2e.workspace import PROJECT_DIR, copy_project, workspace
from fate_iac import yamlio
from fate_iac.deployed import describe_stack
from fate_iac.orchestrator import converge, discover, preview_all, run_order, stderr
from fate_pulumi.automation import AutomationRunner
from fatectl.terminal import NeedsConfirmation, confirm

SHARED_CHARTS = PROJECT_DIR.parent / "shared" / "charts"


def _kubeconfig() -> Path | None:
    explicit = os.environ.get("KUBECONFIG")
    default = Path.home() / ".kube" / "config"
    if explicit:
        return Path(explicit.split(os.pathsep)[0])
    return default if default.exists() else None


def _print_outputs(stack: str, outputs: dict[str, Any]) -> None:
    print(f"\n== stack {stack} outputs")
    for key, value in sorted(outputs.items()):
        print(f"  {key}: {json.dumps(value)}")


def _converge(runner: AutomationRunner, project: Path, kubeconfig: str | None = None) -> None:
    members = discover(project)
    for outcome in converge(members, runner, say=stderr):
        print(outcome.line())
    for stack in run_order(members):
        outputs = runner.outputs(stack)
        _print_outputs(stack, outputs)
        print(describe_stack(stack, members[stack], outputs, kubeconfig).text())


def stacks_of(project: Path) -> list[str]:
    """The stacks a project directory has stack files for."""
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project.glob("Pulumi.*.yaml"))


def deploy_to_cluster(source: Path, assume_yes: bool) -> int:
    kubeconfig = _kubeconfig()
    if kubeconfig is None:
        print("--cluster: no kubeconfig (KUBECONFIG or ~/.kube/config)", file=sys.stderr)
        return 2
    document = yamlio.load(kubeconfig.read_text()) or {}
    context = document.get("current-context") or "(none)"
    tools = build_tools()
    runner = AutomationRunner(source, dict(os.environ), tools.pulumi_root, say=stderr)
    members = discover(source)
    plan = preview_all(members, runner, stderr)
    stderr(f"into context {context} of {kubeconfig}:")
    stderr("\n".join(f"  {o.stack:<16} {o.kind:<8} {o.state}" for o in plan))
    stderr("the example stacks hold the public example credentials (see README)")
    try:
        if not confirm("deploy the example federation there?", assume_yes):
            stderr("nothing changed")
            return 1
    except NeedsConfirmation as error:
        stderr(str(error))
        return 2
    _converge(runner, source)
    return 0


def deploy_locally(source: Path) -> None:
    tools = build_tools()
    with ExitStack() as cleanup:
        work = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="fate-")))
        plane = cleanup.enter_context(control_plane(tools.bin_dirs, work / "plane"))
        print(f"local control plane: {plane.server} (kubeconfig {plane.kubeconfig})")
        chart_repo = os.environ.get("FATE_CHART_REPO", "")
        local_repo = Path(chart_repo) if chart_repo and "://" not in chart_repo else SHARED_CHARTS
        if (not chart_repo or local_repo.exists()) and (local_repo / "index.yaml").exists():
            # Serve the local repository, so the release fetches its chart over HTTP
            # exactly as it would from KubeFATE's repository.
            chart_repo = cleanup.enter_context(serve_chart_repository(local_repo))
        chart_repo = chart_repo or "https://federatedai.github.io/KubeFATE"
        project = copy_project(work / "project", stacks_of(source), chart_repo, source)
        ws = workspace(tools, project, work, plane.kubeconfig)
        runner = AutomationRunner(project, ws.env, tools.pulumi_root, say=stderr)
        _converge(runner, project, str(plane.kubeconfig))
        print(
            f"\nthe federation is ready on {len(plane.nodes)} simulated nodes (KWOK: pods are "
            "scheduled and reported Ready, no container runs). Stopping."
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cluster", action="store_true", help="deploy into your kubeconfig's current context"
    )
    parser.add_argument("--yes", "-y", action="store_true", help="with --cluster: do not ask")
    parser.add_argument(
        "--project",
        type=Path,
        default=PROJECT_DIR,
        help="the federation's project directory (default: this repository's eggroll "
        "example; examples/spark-pulsar for the Spark one)",
    )
    args = parser.parse_args()
    source = args.project.resolve()
    if args.cluster:
        return deploy_to_cluster(source, args.yes)
    deploy_locally(source)
    return 0


if __name__ == "__main__":
    sys.exit(main())
