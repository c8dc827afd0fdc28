"""Faults injected into a run of ``fatectl federation up`` through the real engine: the
run killed the moment Helm marks a release as being changed (SIGINT, a SIGKILL of its
process group, or of every process it started, as a runner that dies), or the API
server restarted then; and what the federation must look like after the next run."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from e2e.controlplane import ControlPlane, kube_get
from e2e.workspace import Workspace

HOW = ("sigint", "sigkill-group", "sigkill-tree", "apiserver-restart")
"""How a run is interrupted: one Ctrl-C (the engine stops as it can); SIGKILL of its
process group (a CI cancel: the CLI dies, its plugins, in groups of their own, finish
what they were doing); SIGKILL of every process it started (the machine dies); or the
API server stopped for a few seconds while Helm changes a release."""


@dataclass(frozen=True)
class Point:
    """Where to inject: when the release ``release`` reaches Helm status ``status``
    (its ``revision``, or any), or after ``after`` seconds; and how."""

    how: str
    status: str = "pending-install"
    release: str | None = None
    after: float | None = None

    def label(self) -> str:
        when = f"{self.after:.0f}s" if self.after is not None else f"{self.release}:{self.status}"
        return f"{self.how}@{when}"


def releases(plane: ControlPlane, namespaces: list[str]) -> dict[str, list[tuple[int, str]]]:
    """Each release's revisions and their Helm status, oldest first (Helm's Secrets'
    labels)."""
    found: dict[str, list[tuple[int, str]]] = {}
    for namespace in namespaces:
        path = f"/api/v1/namespaces/{namespace}/secrets?labelSelector=owner%3Dhelm"
        for item in (kube_get(plane, path) or {}).get("items", []):
            labels = item["metadata"]["labels"]
            found.setdefault(labels["name"], []).append((int(labels["version"]), labels["status"]))
    return {name: sorted(revisions) for name, revisions in sorted(found.items())}


def claims(plane: ControlPlane, namespaces: list[str]) -> set[str]:
    found = set()
    for namespace in namespaces:
        path = f"/api/v1/namespaces/{namespace}/persistentvolumeclaims"
        for item in (kube_get(plane, path) or {}).get("items", []):
            found.add(f"{namespace}/{item['metadata']['name']}")
    return found


def pending_operations(ws: Workspace, stacks: list[str]) -> dict[str, list[Any]]:
    found = {}
    for stack in stacks:
        done = ws.pulumi("stack", "export", "--stack", stack)
        if done.returncode == 0:
            deployment = json.loads(done.stdout).get("deployment") or {}
            found[stack] = deployment.get("pending_operations") or []
    return found


def lock_files(state_dir: Path) -> list[Path]:
    return sorted(p for p in (state_dir / "backend" / ".pulumi" / "locks").rglob("*.json"))


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def fatectl(ws: Workspace, *args: str) -> list[str]:
    return [str(Path(sys.prefix) / "bin" / "fatectl"), *args, "--project-dir", str(ws.project_dir)]


@dataclass
class Injected:
    point: Point
    fired: bool
    seconds: float
    """From the run's start to the fault."""
    output: str
    code: int | None
    left: list[int]
    """Processes of the run still alive after it ended (plugins it started)."""


def interrupt(ws: Workspace, plane: ControlPlane, namespaces: list[str], point: Point) -> Injected:
    """``fatectl federation up --yes`` interrupted at ``point``; how far it got."""
    log = ws.project_dir.parent / "interrupted.log"
    started = time.monotonic()
    with open(log, "w") as out:
        run = subprocess.Popen(
            fatectl(ws, "federation", "up", "--yes"),
            env={**os.environ, **ws.env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    fired = False
    while run.poll() is None:
        if point.after is not None:
            fired = time.monotonic() - started >= point.after
        else:
            fired = any(
                status == point.status
                for name, revisions in releases(plane, namespaces).items()
                if point.release in (None, name)
                for _, status in revisions[-1:]
            )
        if fired:
            break
        time.sleep(0.05)
    seconds = time.monotonic() - started
    tree = [run.pid, *_descendants(run.pid)]
    if fired and point.how == "sigint":
        os.killpg(run.pid, signal.SIGINT)
    elif fired and point.how == "sigkill-group":
        os.killpg(run.pid, signal.SIGKILL)
    elif fired and point.how == "sigkill-tree":
        for pid in tree:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    elif fired and point.how == "apiserver-restart":
        assert plane.restart_apiserver is not None
        plane.restart_apiserver(3.0)
    try:
        code = run.wait(timeout=600)
    except subprocess.TimeoutExpired:
        os.killpg(run.pid, signal.SIGKILL)
        code = run.wait()
    left = [pid for pid in tree[1:] if Path(f"/proc/{pid}").exists()]
    return Injected(point, fired, seconds, log.read_text(), code, left)


def end(pids: list[int]) -> None:
    """The plugins a killed run left (their process groups survive the CLI's, and they
    wait for an engine that is gone): ended once the next run has converged."""
    for pid in pids:
        with contextlib.suppress(OSError):  # gone already
            if b"pulumi" in Path(f"/proc/{pid}/cmdline").read_bytes():
                os.kill(pid, signal.SIGKILL)
