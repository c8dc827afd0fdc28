"""Benchmark: the example federation (an exchange and two parties) converged from nothing
by ``fatectl federation up``, and a no-op ``federation up`` on it, each beside its floor
in the same run.

* control plane start: etcd, kube-apiserver, controllers, scheduler and KWOK's nodes
  (excluded from the federation's figures, said apart);
* ``federation up`` from nothing, beside its floor: a direct install of the same three
  releases through the Helm SDK, one after the other, with their final routes, each
  fetched and waited for as the Release does (:mod:`bench.floor`);
* a no-op ``federation up`` on the converged federation, beside its floor: reading each
  stack's outputs once through the CLI (``pulumi stack output --json``), the least any
  tool must do to know where a federation stands.

Each round starts from an empty backend and cluster namespaces (torn down untimed).

Run: .venv/bin/python -m bench.bench_federation [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from bench.floor import helm_install, helm_uninstall
from e2e.chartserver import serve_chart_repository
from e2e.controlplane import ControlPlane, control_plane
from e2e.tools import Tools, build_tools
from e2e.workspace import PROJECT_DIR, Workspace, copy_project, workspace
from fate_iac.charts import merge_values
from fate_iac.kinds import kind_of
from fate_iac.loader import load_stack
from fate_iac.routing import nest
from fate_iac.values import map_secrets

STACKS = ["exchange", "party9999", "party10000"]
SHARED_CHARTS = PROJECT_DIR.parent / "shared" / "charts"


def fatectl(ws: Workspace, *args: str) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [
            str(Path(sys.prefix) / "bin" / "fatectl"),
            "federation",
            *args,
            "--project-dir",
            str(ws.project_dir),
        ],
        env={**os.environ, **ws.env},
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return elapsed


def read_outputs(ws: Workspace) -> float:
    start = time.perf_counter()
    for stack in STACKS:
        done = ws.pulumi("stack", "output", "--json", "--show-secrets", "--stack", stack)
        if done.returncode != 0:
            raise SystemExit(done.stderr)
    return time.perf_counter() - start


def helm_installs(plane: ControlPlane, repo: str, records: dict[str, object], round_: int) -> float:
    """The three releases with the routes the converged federation gave them, one after
    the other, as the updates install them (see :mod:`bench.floor`)."""
    releases = []
    for stack in STACKS:
        loaded = load_stack(PROJECT_DIR, stack, "fate-example")
        cfg = loaded.config
        kind = kind_of(cfg)
        routed = kind.routed(cfg, records)
        for spec in kind.releases(cfg, repo):
            values = map_secrets(spec.values, lambda s: s.reveal())
            values = merge_values(values, nest(routed.overrides.get(spec.key, {})))
            releases.append((spec.chart, spec.name, values, f"bench-floor-{round_}-{stack}"))
    elapsed = sum(helm_install(plane.kubeconfig, repo, *release) for release in releases)
    for _, name, _, namespace in releases:
        helm_uninstall(plane.kubeconfig, name, namespace)
    return elapsed


def records_of(ws: Workspace) -> dict[str, object]:
    import json

    found = {}
    for stack in STACKS:
        done = ws.pulumi("stack", "output", "federation", "--json", "--stack", stack)
        found[stack] = json.loads(done.stdout)
    return found


def one_round(
    tools: Tools, plane: ControlPlane, repo: str, work: Path, round_: int
) -> tuple[float, float, float, float]:
    project = copy_project(work / f"project-{round_}", STACKS, repo)
    ws = workspace(tools, project, work / f"state-{round_}", plane.kubeconfig)
    up = fatectl(ws, "up", "--yes")
    noop = fatectl(ws, "up", "--yes")
    outputs = read_outputs(ws)
    records = records_of(ws)
    fatectl(ws, "destroy", "--yes")  # its NodePorts are the floor's
    floor = helm_installs(plane, repo, records, round_)
    return up, floor, noop, outputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    tools = build_tools()
    with ExitStack() as cleanup:
        work = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="fate-bench-")))
        start = time.perf_counter()
        plane = cleanup.enter_context(control_plane(tools.bin_dirs, work / "plane"))
        started = time.perf_counter() - start
        repo = cleanup.enter_context(serve_chart_repository(SHARED_CHARTS))
        rounds = [one_round(tools, plane, repo, work, n) for n in range(args.runs)]
    print(f"control plane start (excluded below): {started:.1f} s")
    labels = (
        "federation up from nothing",
        "helm SDK installs (floor)",
        "no-op federation up",
        "read outputs (floor)",
    )
    medians = []
    for index, label in enumerate(labels):
        runs = [r[index] for r in rounds]
        medians.append(statistics.median(runs))
        print(f"{label:<28} median {medians[-1]:6.2f} s  runs {[round(t, 2) for t in runs]}")
    print(
        f"from nothing / floor: {medians[0] / medians[1]:.1f}x; "
        f"no-op / floor: {medians[2] / medians[3]:.1f}x"
    )


if __name__ == "__main__":
    main()
