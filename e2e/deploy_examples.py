"""Bring the shipped federation (the exchange and both parties) up with the real Pulumi
engine, converged by the orchestrator as ``fatectl federation up`` does, and print each
stack's outputs.

* With a kubeconfig (``KUBECONFIG`` or ``~/.kube/config``): into that cluster, in this
  project, with your Pulumi login and passphrase.
* Without one: into a throwaway control plane on 127.0.0.1 (etcd, kube-apiserver,
  kube-controller-manager) with a temporary backend; print what the API server then
  holds, and stop everything. There are no kubelets there, so no FATE workload runs:
  the releases are installed without waiting for readiness (``fate:release.skipAwait``).

Run: .venv/bin/python -m e2e.deploy_examples [--local]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from contextlib import ExitStack
from pathlib import Path

from e2e.chartserver import serve_chart_repository
from e2e.controlplane import control_plane, kube_get
from e2e.tools import build_tools
from e2e.workspace import PROJECT_DIR, copy_project, workspace
from fate_iac.orchestrator import converge, discover, run_order, stderr
from fate_pulumi.automation import AutomationRunner

STACKS = ["exchange", "party9999", "party10000"]
SHARED_CHARTS = PROJECT_DIR.parent / "shared" / "charts"


def _kubeconfig() -> Path | None:
    explicit = os.environ.get("KUBECONFIG")
    default = Path.home() / ".kube" / "config"
    if explicit:
        return Path(explicit.split(os.pathsep)[0])
    return default if default.exists() else None


def _print_outputs(runner: AutomationRunner, stack: str) -> None:
    print(f"\n== stack {stack} outputs")
    for key, value in sorted(runner.outputs(stack).items()):
        print(f"  {key}: {json.dumps(value)}")


def _converge(runner: AutomationRunner, project: Path) -> None:
    members = discover(project)
    for outcome in converge(members, runner, say=stderr):
        print(outcome.line())
    for stack in run_order(members):
        _print_outputs(runner, stack)


def deploy_to_cluster() -> None:
    tools = build_tools()
    _converge(AutomationRunner(PROJECT_DIR, dict(os.environ), tools.pulumi_root), PROJECT_DIR)


def deploy_locally() -> None:
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
        project = copy_project(work / "project", STACKS, skip_await=True)
        ws = workspace(tools, project, work, plane.kubeconfig, chart_repo)
        _converge(AutomationRunner(project, ws.env, tools.pulumi_root, say=stderr), project)
        for namespace in ("fate-exchange", "fate-9999", "fate-10000"):
            services = kube_get(plane, f"/api/v1/namespaces/{namespace}/services") or {}
            print(f"\nservices in {namespace}:")
            for item in services.get("items", []):
                ports = [p.get("nodePort") or p["port"] for p in item["spec"]["ports"]]
                print(f"  {item['metadata']['name']:<18} {item['spec']['type']:<10} {ports}")
        print("\nno kubelets run here: the objects exist, no FATE pod runs. Stopping.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--local", action="store_true", help="ignore any kubeconfig")
    args = parser.parse_args()
    if not args.local and _kubeconfig() is not None:
        deploy_to_cluster()
    else:
        deploy_locally()


if __name__ == "__main__":
    main()
