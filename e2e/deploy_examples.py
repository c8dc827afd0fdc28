"""Bring the shipped party stacks up with the real Pulumi engine and print their outputs.

* With a kubeconfig (``KUBECONFIG`` or ``~/.kube/config``): ``pulumi up`` each stack
  against that cluster, in this project, with your Pulumi login and passphrase.
* Without one: start a throwaway control plane on 127.0.0.1 (etcd, kube-apiserver,
  kube-controller-manager), ``pulumi up`` the stacks into it with a temporary backend,
  print the outputs and what the API server now holds, and stop everything. There are
  no kubelets there, so no FATE workload runs: the releases are installed without
  waiting for readiness (``fate:release.skipAwait``).

Run: .venv/bin/python -m e2e.deploy_examples [--local] [stack ...]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from contextlib import ExitStack
from pathlib import Path

from pulumi import automation as auto

from e2e.chartserver import serve_chart_repository
from e2e.controlplane import control_plane, kube_get
from e2e.tools import build_tools
from e2e.workspace import PROJECT_DIR, copy_project, workspace

STACKS = ["party9999", "party10000"]
SHARED_CHARTS = PROJECT_DIR.parent / "shared" / "charts"


def _kubeconfig() -> Path | None:
    explicit = os.environ.get("KUBECONFIG")
    default = Path.home() / ".kube" / "config"
    if explicit:
        return Path(explicit.split(os.pathsep)[0])
    return default if default.exists() else None


def _print_outputs(stack: str, outputs: auto.OutputMap) -> None:
    print(f"\n== stack {stack} outputs")
    for key, value in sorted(outputs.items()):
        shown = "[secret]" if value.secret else json.dumps(value.value)
        print(f"  {key}: {shown}")


def deploy_to_cluster(stacks: list[str], tools_root: Path) -> None:
    for name in stacks:
        stack = auto.create_or_select_stack(
            stack_name=name,
            work_dir=str(PROJECT_DIR),
            opts=auto.LocalWorkspaceOptions(
                pulumi_command=auto.PulumiCommand(root=str(tools_root), skip_version_check=True)
            ),
        )
        result = stack.up(on_output=print)
        _print_outputs(name, result.outputs)


def deploy_locally(stacks: list[str]) -> None:
    tools = build_tools()
    with ExitStack() as stack_of_things:
        work = Path(stack_of_things.enter_context(tempfile.TemporaryDirectory(prefix="fate-")))
        plane = stack_of_things.enter_context(control_plane(tools.bin_dirs, work / "plane"))
        print(f"local control plane: {plane.server} (kubeconfig {plane.kubeconfig})")
        chart_repo = os.environ.get("FATE_CHART_REPO", "")
        local_repo = Path(chart_repo) if chart_repo and "://" not in chart_repo else SHARED_CHARTS
        if (not chart_repo or local_repo.exists()) and (local_repo / "index.yaml").exists():
            # Serve the local repository, so the release fetches its chart over HTTP
            # exactly as it would from KubeFATE's repository.
            chart_repo = stack_of_things.enter_context(serve_chart_repository(local_repo))
        chart_repo = chart_repo or "https://federatedai.github.io/KubeFATE"
        project = copy_project(work / "project", stacks)
        ws = workspace(tools, project, work, plane.kubeconfig, chart_repo)
        for name in stacks:
            stack = ws.stack(name)
            stack.set_config("release.skipAwait", auto.ConfigValue("true"), path=True)
            result = stack.up(on_output=print)
            _print_outputs(name, result.outputs)
            namespace = result.outputs["namespace"].value
            services = kube_get(plane, f"/api/v1/namespaces/{namespace}/services") or {}
            print(f"  services in {namespace}:")
            for item in services.get("items", []):
                ports = [p.get("nodePort") or p["port"] for p in item["spec"]["ports"]]
                print(f"    {item['metadata']['name']:<18} {item['spec']['type']:<10} {ports}")
        print("\nno kubelets run here: the objects exist, no FATE pod runs. Stopping.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stacks", nargs="*", default=STACKS)
    parser.add_argument("--local", action="store_true", help="ignore any kubeconfig")
    args = parser.parse_args()
    if not args.local and _kubeconfig() is not None:
        deploy_to_cluster(args.stacks, build_tools().pulumi_root)
    else:
        deploy_locally(args.stacks)


if __name__ == "__main__":
    main()
