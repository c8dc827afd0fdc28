"""Benchmark: ``pulumi up`` of a party against the local API server, beside a direct install
of the same chart and values through the Helm SDK (the physical floor of this job).

Both install into the same throwaway control plane on 127.0.0.1 (no kubelets, so
neither waits for workloads). Each round installs fresh and is torn down untimed.
Also reports how long a warm ``build-tools.sh`` takes (the cold build is timed by
running it with an empty ``FATE_TOOLS_CACHE``: ``--cold``, tens of minutes).

Run: .venv/bin/python -m bench.bench_e2e [--runs N] [--cold]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from e2e.chartserver import serve_chart_repository
from e2e.controlplane import ControlPlane, control_plane
from e2e.tools import BUILD_SCRIPT, build_tools
from e2e.workspace import PROJECT_DIR, copy_project, workspace
from fate_iac.charts import chart_archive
from fate_iac.loader import load_stack
from fate_iac.values import map_secrets

STACK = "party10000"
SHARED_CHARTS = PROJECT_DIR.parent / "shared" / "charts"


def time_build(cache: str | None) -> float:
    env = dict(os.environ)
    if cache:
        env["FATE_TOOLS_CACHE"] = cache
    start = time.perf_counter()
    subprocess.run(["bash", str(BUILD_SCRIPT)], check=True, env=env, capture_output=True)
    return time.perf_counter() - start


def helm_install(plane: ControlPlane, namespace: str) -> float:
    import helm_python as helm

    loaded = load_stack(PROJECT_DIR, STACK, "fate-example")
    cfg = loaded.config
    [spec] = loaded.kind.releases(cfg, str(SHARED_CHARTS))
    archive = chart_archive(spec.chart)
    values = map_secrets(spec.values, lambda s: s.reveal())
    start = time.perf_counter()
    with helm.Config(kubeconfig_path=plane.kubeconfig, namespace=namespace) as config:
        config.install(
            str(archive), cfg.release_name, values, namespace=namespace, create_namespace=True
        )
    elapsed = time.perf_counter() - start
    with helm.Config(kubeconfig_path=plane.kubeconfig, namespace=namespace) as config:
        config.uninstall(cfg.release_name)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cold", action="store_true", help="also time a cold tool build")
    args = parser.parse_args()
    if args.cold:
        with tempfile.TemporaryDirectory() as empty:
            print(f"build-tools.sh cold: {time_build(empty):.0f} s")
    print(f"build-tools.sh warm: {time_build(None):.1f} s")

    tools = build_tools()
    with ExitStack() as cleanup:
        work = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="fate-bench-")))
        plane = cleanup.enter_context(control_plane(tools.bin_dirs, work / "plane"))
        repo = cleanup.enter_context(serve_chart_repository(SHARED_CHARTS))
        project = copy_project(work / "project", [STACK], repo)
        ws = workspace(tools, project, work, plane.kubeconfig)
        stack = ws.stack(STACK)
        ups, installs = [], []
        for round_ in range(args.runs):
            start = time.perf_counter()
            stack.up()
            ups.append(time.perf_counter() - start)
            stack.destroy()
            installs.append(helm_install(plane, f"bench-{round_}"))
    up, install = statistics.median(ups), statistics.median(installs)
    for label, median, runs in (
        (f"pulumi up ({STACK})", up, ups),
        ("helm SDK install (floor)", install, installs),
    ):
        print(f"{label:<25} median {median:6.2f} s  runs {[round(t, 2) for t in runs]}")
    print(f"pulumi up / helm install: {up / install:.1f}x")


if __name__ == "__main__":
    main()
