"""Record what the cluster holds for a party, for the describe model's tests
(``tests/fixtures/cluster/``): party10000 deployed and ready, and the same party with
fateflow unschedulable after a failed update.

Only the fields ``fate_iac.describe`` reads are kept: a release record's name, revision,
status, dates and chart metadata (never its values, which hold credentials); a workload's
name, labels, generation, replicas, selector and status; a pod's name, labels, node and
status.

Run: .venv/bin/python -m e2e.record_cluster [tests/fixtures/cluster]
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from e2e.chartserver import serve_chart_repository
from e2e.controlplane import control_plane
from e2e.tools import build_tools
from e2e.workspace import PROJECT_DIR, copy_project, workspace
from fate_iac.describe import Observed
from fate_iac.kube import read_namespace

STACK = "party10000"


def _pick(node: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: node[k] for k in keys if k in node}


def trimmed(observed: Observed) -> dict[str, Any]:
    releases = [
        {
            **_pick(r, ("name", "namespace", "version", "info")),
            "chart": {"metadata": (r.get("chart") or {}).get("metadata") or {}},
        }
        for r in observed.releases
    ]
    workloads = [
        {
            "kind": w["kind"],
            "metadata": _pick(w["metadata"], ("name", "namespace", "labels", "generation")),
            "spec": _pick(w.get("spec") or {}, ("replicas", "selector", "completions")),
            "status": w.get("status") or {},
        }
        for w in observed.workloads
    ]
    pods = [
        {
            "metadata": _pick(p["metadata"], ("name", "namespace", "labels")),
            "spec": _pick(p.get("spec") or {}, ("nodeName",)),
            "status": p.get("status") or {},
        }
        for p in observed.pods
    ]
    return {"releases": releases, "workloads": workloads, "pods": pods}


def main() -> None:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/cluster")
    target.mkdir(parents=True, exist_ok=True)
    tools = build_tools()
    charts = PROJECT_DIR.parent / "shared" / "charts"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with (
            control_plane(tools.bin_dirs, work / "plane") as plane,
            serve_chart_repository(charts) as repo,
        ):
            ws = workspace(tools, copy_project(work / "p", [STACK], repo), work, plane.kubeconfig)
            stack = ws.stack(STACK)
            stack.up()
            ready = read_namespace("fate-10000", None, str(plane.kubeconfig))
            (target / "party10000-ready.json").write_text(json.dumps(trimmed(ready), indent=1))
            stack.set_config("release.timeout", auto.ConfigValue("30"), path=True)
            stack.set_config("python.nodeSelector.disktype", auto.ConfigValue("nvme"), path=True)
            result = ws.pulumi("up", "--yes", "--stack", STACK)
            assert result.returncode != 0, result.stdout
            failed = read_namespace("fate-10000", None, str(plane.kubeconfig))
            text = json.dumps(trimmed(failed), indent=1)
            (target / "party10000-python-unschedulable.json").write_text(text)
    print(f"recorded into {target}")


if __name__ == "__main__":
    main()
