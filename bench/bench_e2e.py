"""Benchmark: ``pulumi up`` of a party against the local API server, beside a direct install
of the same chart and values through the Helm SDK (the physical floor of this job), and
where the update's time goes.

Both install into the same throwaway control plane on 127.0.0.1, whose KWOK nodes make
the workloads ready; both fetch the chart from the same repository and wait for the
workloads (:mod:`bench.floor`). Each round installs fresh and is torn down untimed.

``pulumi up --yes --skip-preview`` is the CLI run as CI runs it. Its phases come from
the engine's event log, each event stamped as it arrives:

* CLI start: the CLI until the engine starts (backend, stack config decrypted);
* language host and SDK: until the program registers its Stack (Python, ``import pulumi``);
* program before its resources: this project's imports, the config's validation, the
  records and Helm history it reads;
* program registering: until its last resource is registered;
* kubernetes provider start, and the Release (chart fetch, render, install, wait);
* after the program: from the Release's end to the summary (outputs, plugins shut down);
* CLI exit: from the summary to the CLI's exit (final state write);
* the rest: what falls between those (the namespace and the NetworkPolicies before the
  Release, the engine's own bookkeeping), so the phases add up to the whole.

Also reports how long a warm ``build-tools.sh`` takes (the cold build is timed by running
it with an empty ``FATE_TOOLS_CACHE``: ``--cold``, tens of minutes).

Run: .venv/bin/python -m bench.bench_e2e [--runs N] [--cold]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench.floor import helm_install, helm_uninstall
from e2e.chartserver import serve_chart_repository
from e2e.controlplane import ControlPlane, control_plane
from e2e.tools import BUILD_SCRIPT, build_tools
from e2e.workspace import PROJECT_DIR, Workspace, copy_project, workspace
from fate_iac.loader import load_stack
from fate_iac.values import map_secrets

STACK = "party10000"
Event = dict[str, Any]
SHARED_CHARTS = PROJECT_DIR.parent / "shared" / "charts"
PHASES = (
    "CLI start",
    "language host and SDK",
    "program before its resources",
    "program registering",
    "kubernetes provider start",
    "Release (fetch, install, wait)",
    "after the program",
    "CLI exit",
    "the rest",
)


def time_build(cache: str | None) -> float:
    env = dict(os.environ)
    if cache:
        env["FATE_TOOLS_CACHE"] = cache
    start = time.perf_counter()
    subprocess.run(["bash", str(BUILD_SCRIPT)], check=True, env=env, capture_output=True)
    return time.perf_counter() - start


class Stamped:
    """The events of an event log, each with the seconds since ``start`` at which it was
    written (the file is read every 5 ms while the CLI runs)."""

    def __init__(self, path: Path, start: float) -> None:
        self.path, self.start = path, start
        self.events: list[tuple[float, Event]] = []
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._follow)
        self._thread.start()

    def _follow(self) -> None:
        while not self.path.exists():
            if self._done.is_set():
                return
            time.sleep(0.005)
        with self.path.open() as log:
            pending = ""
            while True:
                finished = self._done.is_set()
                pending += log.read()
                *lines, pending = pending.split("\n")
                now = time.perf_counter() - self.start
                self.events += [(now, json.loads(line)) for line in lines if line.strip()]
                if finished:
                    return
                time.sleep(0.005)

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def phases(events: list[tuple[float, Event]], exited: float) -> list[float]:
    """The seconds of each of :data:`PHASES`, from an update's stamped events."""

    def first(test: Callable[[Event], bool], last: bool = False) -> float:
        found = [t for t, e in events if test(e)]
        return found[-1] if last else found[0]

    def registering(event: Event, stack: bool | None = None) -> bool:
        message = (event.get("diagnosticEvent") or {}).get("message", "")
        if not message.startswith("registering resource: "):
            return False
        return stack is None or ("pulumi:pulumi:Stack" in message) == stack

    def step(event: Event, kind: str, key: str) -> bool:
        metadata = (event.get(key) or {}).get("metadata") or {}
        return str(metadata.get("type", "")).endswith(kind)

    engine = first(lambda e: "preludeEvent" in e)
    stack = first(lambda e: registering(e, stack=True))
    program = first(lambda e: registering(e, stack=False))
    registered = first(registering, last=True)
    provider = (
        first(lambda e: step(e, "providers:kubernetes", "resourcePreEvent")),
        first(lambda e: step(e, "providers:kubernetes", "resOutputsEvent")),
    )
    release = (
        first(lambda e: step(e, "helm.sh/v3:Release", "resourcePreEvent")),
        first(lambda e: step(e, "helm.sh/v3:Release", "resOutputsEvent")),
    )
    summary = first(lambda e: "summaryEvent" in e)
    parts = [
        engine,
        stack - engine,
        program - stack,
        registered - program,
        provider[1] - provider[0],
        release[1] - release[0],
        summary - release[1],
        exited - summary,
    ]
    return [*parts, exited - sum(parts)]


def pulumi_up(ws: Workspace, work: Path) -> tuple[float, list[float]]:
    """``pulumi up`` of the party as CI runs it: its seconds, and those of each phase."""
    log = work / "events.json"
    log.unlink(missing_ok=True)
    start = time.perf_counter()
    stamped = Stamped(log, start)
    done = subprocess.run(
        [
            str(ws.tools.pulumi_root / "bin" / "pulumi"),
            "up",
            "--yes",
            "--skip-preview",
            "--stack",
            STACK,
            "--non-interactive",
            "--event-log",
            str(log),
        ],
        cwd=ws.project_dir,
        env={**os.environ, **ws.env, "PULUMI_DEBUG_COMMANDS": "true"},
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    stamped.stop()
    if done.returncode != 0:
        raise SystemExit(done.stdout + done.stderr)
    return elapsed, phases(stamped.events, elapsed)


def floor(plane: ControlPlane, repo: str, namespace: str) -> float:
    loaded = load_stack(PROJECT_DIR, STACK, "fate-example")
    [spec] = loaded.kind.releases(loaded.config, repo)
    values = map_secrets(spec.values, lambda s: s.reveal())
    elapsed = helm_install(plane.kubeconfig, repo, spec.chart, spec.name, values, namespace)
    helm_uninstall(plane.kubeconfig, spec.name, namespace)
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
        stack = ws.stack(STACK)  # created once, untimed
        ups, broken_down, installs = [], [], []
        for round_ in range(args.runs):
            elapsed, parts = pulumi_up(ws, work)
            ups.append(elapsed)
            broken_down.append(parts)
            stack.destroy()
            installs.append(floor(plane, repo, f"bench-{round_}"))
    up, install = statistics.median(ups), statistics.median(installs)
    for label, median, runs in (
        (f"pulumi up ({STACK})", up, ups),
        ("helm SDK install (floor)", install, installs),
    ):
        print(f"{label:<25} median {median:6.2f} s  runs {[round(t, 2) for t in runs]}")
    print(f"pulumi up / helm install: {up / install:.1f}x")
    print(f"where pulumi up's time goes (medians of {args.runs} runs):")
    for index, name in enumerate(PHASES):
        print(f"  {name:<32} {statistics.median(p[index] for p in broken_down):5.2f} s")


if __name__ == "__main__":
    main()
