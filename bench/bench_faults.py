"""Fault sweep: ``fatectl federation up`` of the example federation interrupted at many
points through the real engine, each followed by one ``fatectl federation up`` that must
converge with no manual step (the short form is tests/e2e/test_faults_e2e.py).

Points: from nothing (the federation destroyed first, untimed), the run interrupted
early (2 s: before any release), while Helm installs the exchange, while it installs a
party, while it upgrades the exchange (step 3, once the parties published); and while
Helm upgrades party9999 after a change of its config. Each by one Ctrl-C (SIGINT), a
SIGKILL of the process group (a CI cancel), a SIGKILL of every process the run started
(a runner that dies); the upgrade also with the API server restarted. After each: every
release deployed at its newest revision, no pending operation, no lock, no claim lost.

Prints one line per point (the fault's time, the recovery's, what recovery said) and
how many of them needed a manual step.

Run: .venv/bin/python -m bench.bench_faults
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from e2e.chartserver import serve_chart_repository
from e2e.controlplane import ControlPlane, control_plane
from e2e.faults import (
    Point,
    claims,
    end,
    fatectl,
    interrupt,
    lock_files,
    pending_operations,
    releases,
)
from e2e.tools import build_tools
from e2e.workspace import PROJECT_DIR, Workspace, copy_project, workspace

STACKS = ["exchange", "party9999", "party10000"]
NAMESPACES = ["fate-exchange", "fate-9999", "fate-10000"]
KILLS = ("sigint", "sigkill-group", "sigkill-tree")
FROM_NOTHING = [
    *(Point(how, after=2.0) for how in KILLS),
    *(Point(how, "pending-install", "fate-exchange") for how in KILLS),
    *(Point(how, "pending-install", "fate-9999") for how in KILLS),
    *(Point(how, "pending-upgrade", "fate-exchange") for how in KILLS),
]
UPGRADES = [Point(how, "pending-upgrade", "fate-9999") for how in (*KILLS, "apiserver-restart")]


def problems(ws: Workspace, plane: ControlPlane, state: Path, before: set[str]) -> list[str]:
    found = []
    for name, revisions in releases(plane, NAMESPACES).items():
        if revisions[-1][1] != "deployed":
            found.append(f"release {name}: {revisions}")
    stuck = {s: ops for s, ops in pending_operations(ws, STACKS).items() if ops}
    if stuck:
        found.append(f"pending operations: {sorted(stuck)}")
    if lock_files(state):
        found.append(f"locks left: {lock_files(state)}")
    if not claims(plane, NAMESPACES) >= before:
        found.append("claims lost")
    return found


def failures(said: str) -> list[str]:
    """The lines of a failed run that say which stack failed and why."""
    lines = said.splitlines()
    found = []
    for index, line in enumerate(lines):
        if line.startswith("stack ") and " failed" in line:
            found += [line, *(x.strip() for x in lines[index + 1 : index + 4] if x[:2] == "  ")]
    return found


def run(ws: Workspace, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        fatectl(ws, "federation", *args),
        env={**os.environ, **ws.env},
        capture_output=True,
        text=True,
    )


def main() -> None:
    tools = build_tools()
    began = time.monotonic()
    manual = 0
    lines = []
    with ExitStack() as cleanup:
        work = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="fate-faults-")))
        plane = cleanup.enter_context(control_plane(tools.bin_dirs, work / "plane"))
        repo = cleanup.enter_context(
            serve_chart_repository(PROJECT_DIR.parent / "shared" / "charts")
        )
        project = copy_project(work / "project", STACKS, repo)
        ws = workspace(tools, project, work, plane.kubeconfig)
        level = iter(["DEBUG", "INFO"] * 10)
        for point in [*FROM_NOTHING, *UPGRADES]:
            if point in FROM_NOTHING:
                run(ws, "destroy", "--yes")
            else:
                path = project / "Pulumi.party9999.yaml"
                path.write_text(
                    re.sub(r"logLevel: \w+", f"logLevel: {next(level)}", path.read_text())
                )
            before = claims(plane, NAMESPACES)
            injected = interrupt(ws, plane, NAMESPACES, point)
            started = time.monotonic()
            done = run(ws, "up", "--yes")
            took = time.monotonic() - started
            end(injected.left)
            found = problems(ws, plane, work, before)
            if done.returncode != 0 or found:
                manual += 1
                found += failures(done.stderr) or done.stderr.strip().splitlines()[-1:]
            said = [x for x in done.stderr.splitlines() if x.startswith("recover ")]
            lines.append(
                f"{point.label():<42} fault {injected.seconds:5.1f} s"
                f"{'' if injected.fired else ' (run ended first)'}  recovered in {took:5.1f} s"
                f"  {'OK' if not found else 'MANUAL: ' + '; '.join(found)}"
            )
            lines += [f"    {x}" for x in said]
            print(lines[-1 - len(said)], *lines[len(lines) - len(said) :], sep="\n", flush=True)
    fired = sum(1 for line in lines if line[:1] != " " and "(run ended first)" not in line)
    print(
        f"{len(FROM_NOTHING) + len(UPGRADES)} points ({fired} fired before the run ended), "
        f"{manual} needed a manual step; {time.monotonic() - began:.0f} s in all"
    )


if __name__ == "__main__":
    main()
