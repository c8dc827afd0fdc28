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

Then a FATE version upgrade with its migration Job, in a federation of its own whose
parties keep their data in claims: both parties deployed at v1.9.0 (untimed), then raised
a version at a time to v1.11.2 (five upgrades, each migrating fateflow's MySQL in a Job
before Helm upgrades the release), twice over; each upgrade interrupted once, while a
party's migration Job runs or while Helm upgrades its release, or 3 s in, by a Ctrl-C, a
SIGKILL of the process group, a SIGKILL of every process, or the API server restarted.
After each: the next run converged, every release deployed at the revision its state
records and at the version the config says, no pending operation, no lock, every claim
still the same claim (its uid).

Prints one line per point (the fault's time, the recovery's, what recovery said) and
how many of them needed a manual step.

Run: .venv/bin/python -m bench.bench_faults [--only from-nothing|upgrade]
"""

from __future__ import annotations

import argparse
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
    MIGRATING,
    Injected,
    Point,
    claim_uids,
    claims,
    end,
    fatectl,
    interrupt,
    keep_data_in_claims,
    lock_files,
    pending_operations,
    releases,
    set_chart_version,
    upgrade_problems,
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
PARTIES = ["party9999", "party10000"]
FIRST_VERSION = "v1.9.0"
VERSION_UPGRADES = [
    # (the version both parties are raised to, where and how the run is interrupted)
    [
        ("v1.9.1", Point("sigint", MIGRATING, "fate-9999")),
        ("v1.9.2", Point("sigkill-group", MIGRATING, "fate-9999")),
        ("v1.10.0", Point("sigint", "pending-upgrade", "fate-9999")),
        ("v1.11.1", Point("sigkill-group", "pending-upgrade", "fate-9999")),
        ("v1.11.2", Point("apiserver-restart", MIGRATING, "fate-10000")),
    ],
    [
        ("v1.9.1", Point("sigkill-group", after=3.0)),
        ("v1.9.2", Point("sigint", MIGRATING, "fate-10000")),
        ("v1.10.0", Point("sigkill-tree", MIGRATING, "fate-10000")),
        ("v1.11.1", Point("sigint", "pending-upgrade", "fate-10000")),
        ("v1.11.2", Point("sigkill-group", "pending-upgrade", "fate-10000")),
    ],
]


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


class Sweep:
    """The lines said and the points that needed a manual step."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.manual = 0
        self.points = 0

    def report(
        self, label: str, injected: Injected, took: float, found: list[str], said: str
    ) -> None:
        self.points += 1
        recovered = [x for x in said.splitlines() if x.startswith("recover ")]
        self.lines.append(
            f"{label:<42} fault {injected.seconds:5.1f} s"
            f"{'' if injected.fired else ' (run ended first)'}  recovered in {took:5.1f} s"
            f"  {'OK' if not found else 'MANUAL: ' + '; '.join(found)}"
        )
        self.lines += [f"    {x}" for x in recovered]
        print(*self.lines[-1 - len(recovered) :], sep="\n", flush=True)

    def summary(self, what: str, seconds: float) -> str:
        fired = sum(1 for x in self.lines if x[:1] != " " and "(run ended first)" not in x)
        return (
            f"{what}: {self.points} points ({fired} fired before the run ended), "
            f"{self.manual} needed a manual step; {seconds:.0f} s"
        )


def from_nothing(ws: Workspace, plane: ControlPlane, work: Path, sweep: Sweep) -> None:
    level = iter(["DEBUG", "INFO"] * 10)
    for point in [*FROM_NOTHING, *UPGRADES]:
        if point in FROM_NOTHING:
            run(ws, "destroy", "--yes")
        else:
            path = ws.project_dir / "Pulumi.party9999.yaml"
            path.write_text(re.sub(r"logLevel: \w+", f"logLevel: {next(level)}", path.read_text()))
        before = claims(plane, NAMESPACES)
        injected = interrupt(ws, plane, NAMESPACES, point)
        started = time.monotonic()
        done = run(ws, "up", "--yes")
        took = time.monotonic() - started
        end(injected.left)
        found = problems(ws, plane, work, before)
        if done.returncode != 0 or found:
            sweep.manual += 1
            found += failures(done.stderr) or done.stderr.strip().splitlines()[-1:]
        sweep.report(point.label(), injected, took, found, done.stderr)


def version_upgrades(ws: Workspace, plane: ControlPlane, work: Path, sweep: Sweep) -> None:
    for round_ in VERSION_UPGRADES:
        run(ws, "destroy", "--yes")
        for party in PARTIES:
            set_chart_version(ws, party, FIRST_VERSION)
        keep_data_in_claims(ws, plane, PARTIES, f"round{VERSION_UPGRADES.index(round_)}")
        installed = run(ws, "up", "--yes")
        if installed.returncode != 0:
            raise SystemExit(
                f"the federation at {FIRST_VERSION} did not converge:\n{installed.stderr}"
            )
        for version, point in round_:
            for party in PARTIES:
                set_chart_version(ws, party, version)
            before = claim_uids(plane, NAMESPACES)
            injected = interrupt(ws, plane, NAMESPACES, point)
            started = time.monotonic()
            done = run(ws, "up", "--yes")
            took = time.monotonic() - started
            end(injected.left)
            wanted = {"fate-9999": version, "fate-10000": version}
            found = upgrade_problems(ws, plane, STACKS, NAMESPACES, wanted, before)
            if not before:
                found.append("no claims to keep")
            if lock_files(work):
                found.append(f"locks left: {lock_files(work)}")
            if done.returncode != 0 or found:
                sweep.manual += 1
                found += failures(done.stderr) or done.stderr.strip().splitlines()[-1:]
            sweep.report(f"{version} {point.label()}", injected, took, found, done.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["from-nothing", "upgrade"])
    args = parser.parse_args()
    tools = build_tools()
    with ExitStack() as cleanup:
        work = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="fate-faults-")))
        plane = cleanup.enter_context(control_plane(tools.bin_dirs, work / "plane"))
        repo = cleanup.enter_context(
            serve_chart_repository(PROJECT_DIR.parent / "shared" / "charts")
        )
        said = []
        for name, sweep_with in (("from-nothing", from_nothing), ("upgrade", version_upgrades)):
            if args.only not in (None, name):
                continue
            state = work / name
            project = copy_project(state / "project", STACKS, repo)
            ws = workspace(tools, project, state, plane.kubeconfig)
            began = time.monotonic()
            sweep = Sweep()
            sweep_with(ws, plane, state, sweep)
            run(ws, "destroy", "--yes")
            said.append(sweep.summary(name, time.monotonic() - began))
            print(said[-1], flush=True)
        print(*said, sep="\n")


if __name__ == "__main__":
    main()
