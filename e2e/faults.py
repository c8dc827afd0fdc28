"""Faults injected into a run of ``fatectl federation up`` through the real engine: the
run killed the moment Helm marks a release as being changed (SIGINT, a SIGKILL of its
process group, or of every process it started, as a runner that dies), or the API
server restarted then; and what the federation must look like after the next run."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from e2e.controlplane import ControlPlane, kube_get, make_volume
from e2e.workspace import Workspace
from fate_iac import yamlio
from fate_iac.describe import decode_helm_release
from fate_iac.upgrade import JOB

HOW = ("sigint", "sigkill-group", "sigkill-tree", "apiserver-restart")
"""How a run is interrupted: one Ctrl-C (the engine stops as it can); SIGKILL of its
process group (a CI cancel: the CLI dies, its plugins, in groups of their own, finish
what they were doing); SIGKILL of every process it started (the machine dies); or the
API server stopped for a few seconds while Helm changes a release."""

MIGRATING = "migrating"
"""Not one of Helm's statuses: a :class:`Point` at it fires while the migration Job of
a FATE version upgrade runs in the release's namespace (created, not yet succeeded),
before Helm is asked to upgrade the release."""


@dataclass(frozen=True)
class Point:
    """Where to inject: when the release ``release`` reaches Helm status ``status``
    (or, at :data:`MIGRATING`, while the migration Job runs in the namespace named as
    the release is), or after ``after`` seconds; and how."""

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


def migrating(plane: ControlPlane, namespace: str) -> bool:
    """Whether the migration Job runs in ``namespace``: created, not yet succeeded."""
    job = kube_get(plane, f"/apis/batch/v1/namespaces/{namespace}/jobs/{JOB}")
    return job is not None and not (job.get("status") or {}).get("succeeded")


def charts(plane: ControlPlane, namespaces: list[str]) -> dict[str, list[tuple[int, str, str]]]:
    """Each release's revisions, oldest first: number, Helm status, chart version."""
    found: dict[str, list[tuple[int, str, str]]] = {}
    for namespace in namespaces:
        path = f"/api/v1/namespaces/{namespace}/secrets?labelSelector=owner%3Dhelm"
        for item in (kube_get(plane, path) or {}).get("items", []):
            record = decode_helm_release(item["data"]["release"])
            found.setdefault(record["name"], []).append(
                (
                    int(record["version"]),
                    str(record["info"]["status"]),
                    str(record["chart"]["metadata"]["version"]),
                )
            )
    return {name: sorted(revisions) for name, revisions in sorted(found.items())}


def recorded_revisions(ws: Workspace, stacks: list[str]) -> dict[str, int]:
    """The revision of each Helm release the stacks' states record (the Release
    resource's ``status.revision``), by release name."""
    found = {}
    for stack in stacks:
        done = ws.pulumi("stack", "export", "--stack", stack)
        deployment = json.loads(done.stdout).get("deployment") or {}
        for resource in deployment.get("resources") or []:
            if resource.get("type") != "kubernetes:helm.sh/v3:Release":
                continue
            status = (resource.get("outputs") or {}).get("status") or {}
            if isinstance(status, dict) and "name" in status:
                found[str(status["name"])] = int(status.get("revision") or 0)
    return found


def claim_uids(plane: ControlPlane, namespaces: list[str]) -> dict[str, str]:
    """Each PersistentVolumeClaim's uid, by ``namespace/name`` (a claim deleted and made
    again under its name has a new one: its data is gone)."""
    found = {}
    for namespace in namespaces:
        path = f"/api/v1/namespaces/{namespace}/persistentvolumeclaims"
        for item in (kube_get(plane, path) or {}).get("items", []):
            found[f"{namespace}/{item['metadata']['name']}"] = item["metadata"]["uid"]
    return found


def upgrade_problems(
    ws: Workspace,
    plane: ControlPlane,
    stacks: list[str],
    namespaces: list[str],
    wanted: dict[str, str],
    before: dict[str, str],
) -> list[str]:
    """What is wrong with the federation after a version upgrade converged: each
    release's newest revision must be the one deployed, at the revision its stack's
    state records, running the chart version ``wanted`` (by release, where given); no
    pending operation in any state; every claim in ``before`` (:func:`claim_uids`) still
    there, the same claim."""
    found = []
    recorded = recorded_revisions(ws, stacks)
    for name, revisions in charts(plane, namespaces).items():
        number, status, version = revisions[-1]
        if status != "deployed" or [s for _, s, _ in revisions].count("deployed") != 1:
            found.append(f"release {name}: {revisions}")
        if recorded.get(name) != number:
            found.append(
                f"release {name}: revision {number}, the state records {recorded.get(name)}"
            )
        if name in wanted and version != wanted[name]:
            found.append(f"release {name}: runs {version}, not {wanted[name]}")
    stuck = {s: ops for s, ops in pending_operations(ws, stacks).items() if ops}
    if stuck:
        found.append(f"pending operations: {sorted(stuck)}")
    now = claim_uids(plane, namespaces)
    lost = sorted(c for c, uid in before.items() if now.get(c) != uid)
    if lost:
        found.append(f"claims lost: {lost}")
    return found


def set_chart_version(ws: Workspace, stack: str, version: str) -> str:
    """Set ``fate:chartVersion`` in the stack's file; the version it had."""
    path = ws.project_dir / f"Pulumi.{stack}.yaml"
    text = path.read_text()
    [had] = re.findall(r"fate:chartVersion: (\S+)", text)
    path.write_text(text.replace(f"fate:chartVersion: {had}", f"fate:chartVersion: {version}"))
    return str(had)


CLAIMING = ("mysql", "nodemanager", "python", "client")
"""The modules of a party whose data ``persistence`` keeps in claims."""


def keep_data_in_claims(
    ws: Workspace, plane: ControlPlane, parties: list[str], storage_class: str = "faults"
) -> list[str]:
    """Turn ``persistence`` on for the parties (each claiming module's claims of class
    ``storage_class``) and make a PersistentVolume for each claim (no provisioner runs
    here): a claim lost, or deleted and made again, is then seen. The volumes' names."""
    for party in parties:
        path = ws.project_dir / f"Pulumi.{party}.yaml"
        document = yamlio.load(path.read_text())
        config = document["config"]
        config["fate:persistence"] = True
        for module in CLAIMING:
            config.setdefault(f"fate:{module}", {})["storageClass"] = storage_class
        path.write_text(yamlio.dump(document))
    made = []
    for index in range(len(CLAIMING) * len(parties) + 2):
        name = f"{storage_class}-{ws.project_dir.parent.name}-{index}".lower()[:63]
        make_volume(plane, name, "10Gi", storage_class, reclaim="Retain")
        made.append(name)
    return made


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


def descendants(pid: int) -> list[int]:
    """The processes ``pid`` started, and theirs, wherever their group or session."""
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
        elif point.status == MIGRATING:
            fired = migrating(plane, str(point.release))
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
    tree = [run.pid, *descendants(run.pid)]
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
