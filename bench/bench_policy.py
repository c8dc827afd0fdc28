"""Benchmark: what the policy pack costs a party's preview. ``pulumi preview`` of a party
against the local API server, with and without ``--policy-pack policies``, alternating in
the same rounds (the preview without the pack is the floor).

The pack renders each release's chart once per preview process (a fresh analyzer each
time), from the chart cache the first round fills; the first round of each kind is a
warm-up and not counted.

Run: .venv/bin/python -m bench.bench_policy [--runs N] [--stack party9999]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from e2e.chartserver import serve_chart_repository
from e2e.controlplane import control_plane
from e2e.tools import build_tools
from e2e.workspace import PROJECT_DIR, Workspace, copy_project, workspace

PACK = PROJECT_DIR / "policies"
SHARED_CHARTS = PROJECT_DIR.parent / "shared" / "charts"


def preview(ws: Workspace, stack: str, *extra: str) -> float:
    start = time.perf_counter()
    done: subprocess.CompletedProcess[str] = ws.pulumi("preview", "--stack", stack, *extra)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"preview failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--stack", default="party9999")
    args = parser.parse_args()
    tools = build_tools()
    with ExitStack() as cleanup:
        work = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="fate-bench-")))
        plane = cleanup.enter_context(control_plane(tools.bin_dirs, work / "plane"))
        repo = cleanup.enter_context(serve_chart_repository(SHARED_CHARTS))
        ws = workspace(
            tools, copy_project(work / "project", [args.stack], repo), work, plane.kubeconfig
        )
        ws.env["XDG_CACHE_HOME"] = str(work / "cache")
        ws.stack(args.stack)
        plain, packed = [], []
        for round_ in range(args.runs + 1):
            bare = preview(ws, args.stack)
            gated = preview(ws, args.stack, "--policy-pack", str(PACK))
            if round_:
                plain.append(bare)
                packed.append(gated)
    without, with_pack = statistics.median(plain), statistics.median(packed)
    for label, median, runs in (
        (f"preview {args.stack} (floor)", without, plain),
        (f"preview {args.stack} + pack", with_pack, packed),
    ):
        print(f"{label:<28} median {median:6.2f} s  runs {[round(t, 2) for t in runs]}")
    print(f"the pack adds {with_pack - without:.2f} s ({with_pack / without:.2f}x)")


if __name__ == "__main__":
    main()
