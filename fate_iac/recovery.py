"""What to do about what an interrupted run left behind, decided from what it left.

A run of the engine that is killed (a second Ctrl-C, a CI job cancelled, a runner that
dies) can leave three things: its lock on the stack (a self-managed backend keeps it as
a file under ``.pulumi/locks/``, which only its owner deletes), pending operations in
the stack's state (``pending_operations`` of ``pulumi stack export``: resources it was
creating, updating or deleting when it stopped), and a Helm release left in one of
Helm's pending states (``pending-install``, ``pending-upgrade``, ``pending-rollback``),
which makes Helm refuse every later install or upgrade of it.

Each is decided here, from plain data, by the rules the tools themselves give:

- a lock whose process is gone (on this host, its pid no longer runs) is taken over;
  one whose process runs, or that was taken on another host (whose processes cannot be
  seen from here), is left alone and named;
- the plugins a killed CLI started outlive it (each in a process group of its own) and
  may still be acting, a provider finishing the Helm upgrade it had begun, before they
  wait for ever on the engine that is gone: they are ended before Helm's records are
  read, so what is decided is not changed underneath (a plugin binary working in the
  project whose parent is no Pulumi CLI; on this host, as the locks);
- a release pending an upgrade or a rollback goes back to its last deployed revision
  (what ``helm rollback`` does); so does one whose newest revision ``failed`` in a run
  that did not finish (a Ctrl-C while Helm waited): the state may hold that revision's
  inputs, so the release is also marked unfinished in the state (the engine's
  initialization errors, which a refresh clears), and the next update applies it again
  rather than finding nothing to change; a first install that never deployed is uninstalled:
  Helm never deletes the claims a StatefulSet made, and one whose chart makes claims of
  its own is not uninstalled but stopped on, with the command to run;
- a pending create of a Helm release the cluster holds was its first install (the
  provider outlived the CLI and finished it): uninstalled like one left pending;
- a pending create of another object the cluster holds is imported into the state (its id
  is ``<namespace>/<name>``, as the kubernetes provider names objects); one the cluster
  does not hold is dropped, as is every other pending operation (a refresh reads what
  it touched back from the cluster).

The doing is the runner's (the Pulumi side) and :mod:`fate_iac.kube`'s (Helm).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PENDING_STATES = ("pending-install", "pending-upgrade", "pending-rollback")
"""Helm's statuses of a release an operation is still changing: Helm refuses any other
operation on it until it leaves them."""
DEPLOYED, SUPERSEDED, FAILED = "deployed", "superseded", "failed"


@dataclass(frozen=True)
class Lock:
    """A run's lock on a stack (or on a federation): who took it, where, when."""

    where: str
    """The lock's file or key in the backend."""
    user: str
    host: str
    pid: int
    since: str
    """When it was taken (RFC 3339)."""

    def holder(self) -> str:
        return f"{self.user}@{self.host} (pid {self.pid}) since {self.since}"


def lock_from_json(where: str, content: Any) -> Lock:
    """A lock as Pulumi's self-managed backends write it (``pid``, ``username``,
    ``hostname``, ``timestamp``), the federation's lock too."""
    data = content if isinstance(content, dict) else {}
    return Lock(
        where,
        str(data.get("username", "?")),
        str(data.get("hostname", "?")),
        int(data.get("pid") or 0),
        str(data.get("timestamp", "?")),
    )


def lock_is_stale(lock: Lock, this_host: str, running: bool) -> bool:
    """Whether the run that holds ``lock`` is gone: taken on this host by a process that
    no longer runs (``running``: whether its pid runs a Pulumi or fatectl process now).
    A lock taken on another host is never taken for stale: its process cannot be seen."""
    return lock.host == this_host and not running


PLUGIN_PREFIXES = ("pulumi-resource-", "pulumi-language-", "pulumi-analyzer-")
"""How the Pulumi CLI's plugin programs are named."""


def _process(pid: str) -> tuple[str, str, int] | None:
    """A process's program, working directory and parent; None when it cannot be read
    (gone, or another user's)."""
    entry = Path("/proc") / pid
    try:
        program = (entry / "cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
        cwd = os.readlink(entry / "cwd")
        parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return program, cwd, parent


def left_plugins(project_dir: Path) -> list[int]:
    """The plugins a gone run left working in ``project_dir`` on this host: Pulumi
    plugin programs whose parent is no Pulumi CLI (a live run's plugins are its CLI's
    children)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    here = str(project_dir.resolve())
    found = []
    for entry in proc.iterdir():
        seen = _process(entry.name) if entry.name.isdigit() else None
        if seen is None or not Path(seen[0]).name.startswith(PLUGIN_PREFIXES) or seen[1] != here:
            continue
        parent = _process(str(seen[2]))
        if parent is None or Path(parent[0]).name != "pulumi":
            found.append(int(entry.name))
    return sorted(found)


def runs(pid: int) -> bool:
    """Whether ``pid`` runs a Pulumi CLI or fatectl on this host now (a pid the system
    gave to another program since holds no lock)."""
    if pid <= 0:
        return False
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        try:
            os.kill(pid, 0)  # no /proc: whether it runs at all
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return b"pulumi" in command or b"fatectl" in command


@dataclass(frozen=True)
class Revision:
    """One revision Helm keeps of a release."""

    version: int
    status: str
    claims: bool = False
    """Whether its manifest holds PersistentVolumeClaims (an uninstall deletes them)."""


@dataclass(frozen=True)
class ReleaseRemedy:
    """What to do about a release: ``none``, ``rollback`` (to ``revision``),
    ``uninstall``, or ``stop`` (``why`` says why, ``command`` what to run)."""

    action: str
    revision: int | None = None
    why: str = ""
    command: str = ""
    reapply: bool = False
    """Whether the next update must apply the release again whatever its state says."""


def release_remedy(
    namespace: str, name: str, history: list[Revision], interrupted: bool = False
) -> ReleaseRemedy:
    """What Helm's own semantics allow for a release whose last revision is ``history``'s
    last (oldest first): nothing unless it is pending, or ``failed`` in a run that was
    ``interrupted``; back to the newest revision that deployed (and, for a failed one,
    applied again by the next update); a first install that never deployed uninstalled,
    unless its chart makes claims (then stop: they would be deleted with it)."""
    if not history:
        return ReleaseRemedy("none")
    last = history[-1]
    earlier = history[:-1]
    target = next((r for r in reversed(earlier) if r.status == DEPLOYED), None) or next(
        (r for r in reversed(earlier) if r.status == SUPERSEDED), None
    )
    stuck = f"release {name} in {namespace} is {last.status} (revision {last.version})"
    if last.status == FAILED and interrupted:
        again = "; the next update applies it again"
        if target is not None:
            return ReleaseRemedy(
                "rollback",
                target.version,
                f"{stuck} after an interrupted run: rolled back to revision "
                f"{target.version}{again}",
                reapply=True,
            )
        return ReleaseRemedy("reapply", None, f"{stuck}, never deployed{again}", reapply=True)
    if last.status not in PENDING_STATES:
        return ReleaseRemedy("none")
    if target is not None:
        return ReleaseRemedy(
            "rollback",
            target.version,
            f"{stuck}: rolled back to revision {target.version}",
            reapply=True,
        )
    if last.status == "pending-install" and not any(r.claims for r in history):
        return ReleaseRemedy("uninstall", None, f"{stuck}, never deployed: uninstalled")
    if last.status == "pending-install":
        return ReleaseRemedy(
            "stop",
            None,
            f"{stuck}, never deployed, and its chart makes PersistentVolumeClaims: "
            "uninstalling it would delete them",
            f"back up the claims of release {name}, then `helm uninstall {name} -n {namespace}`",
        )
    return ReleaseRemedy(
        "stop",
        None,
        f"{stuck} and no earlier revision deployed: nothing to roll back to",
        f"`helm history {name} -n {namespace}`, then `helm rollback {name} <revision> "
        f"-n {namespace}` or `helm uninstall {name} -n {namespace}`",
    )


def unrecorded_remedy(namespace: str, name: str, history: list[Revision]) -> ReleaseRemedy:
    """What to do about a release an interrupted run was creating (a pending create in
    the state) that Helm holds (``history``, oldest first): its first install, which the
    state never recorded. Uninstalled, so the next update installs it again (Helm would
    refuse the name), unless its chart makes claims or it has revisions the run did not
    make (then stop, with the command)."""
    if not history:
        return ReleaseRemedy("none")
    last = history[-1]
    where = f"release {name} in {namespace}"
    if len(history) == 1 and not last.claims:
        return ReleaseRemedy(
            "uninstall",
            None,
            f"{where} was installed by the interrupted run ({last.status}) but never "
            "recorded in the state: uninstalled, the next update installs it again",
        )
    why = (
        "its chart makes PersistentVolumeClaims: uninstalling it would delete them"
        if last.claims
        else f"it has {len(history)} revisions: not the interrupted run's alone"
    )
    return ReleaseRemedy(
        "stop",
        None,
        f"{where} is held by Helm but not recorded in the state, and {why}",
        f"`pulumi import kubernetes:helm.sh/v3:Release <name> {namespace}/{name}` into the "
        f"stack, or back up its claims and `helm uninstall {name} -n {namespace}`",
    )


@dataclass(frozen=True)
class Pending:
    """A pending operation of a stack's state: what it did, to which resource, and the
    object's id in the cluster (``<namespace>/<name>``, or ``<name>`` for one without a
    namespace; None when its inputs do not say)."""

    op: str
    urn: str
    type: str
    id: str | None


def object_id(resource: Any) -> str | None:
    """The cluster's id of a state's resource, from its inputs (``metadata`` of a plain
    object; ``name`` and ``namespace`` of a Helm release): ``<namespace>/<name>``, or
    ``<name>`` without a namespace; None when they do not say."""
    inputs: dict[str, Any] = (resource or {}).get("inputs") or {}
    metadata = inputs.get("metadata")
    named: dict[str, Any] = metadata if isinstance(metadata, dict) else inputs
    name, namespace = named.get("name"), named.get("namespace")
    if not isinstance(name, str) or not name:
        return None
    return f"{namespace}/{name}" if isinstance(namespace, str) and namespace else name


def pending_operations(deployment: Any) -> list[Pending]:
    """The pending operations of an exported state's ``deployment``."""
    found = []
    for item in (deployment or {}).get("pending_operations") or []:
        resource = item.get("resource") or {}
        urn, kind = str(resource.get("urn", "")), str(resource.get("type", ""))
        found.append(Pending(str(item.get("type", "")), urn, kind, object_id(resource)))
    return found


def revisions(records: list[dict[str, Any]]) -> list[Revision]:
    """Helm's records of one release (as :func:`fate_iac.kube.helm_records` reads them)
    as revisions, oldest first."""
    found = [
        Revision(
            int(r.get("version") or 0),
            str((r.get("info") or {}).get("status", "")),
            "kind: PersistentVolumeClaim" in str(r.get("manifest") or ""),
        )
        for r in records
    ]
    return sorted(found, key=lambda r: r.version)


def imports(pending: list[Pending], held: set[str]) -> list[tuple[str, str]]:
    """The pending creates to import into the state, as ``(urn, id)``: those whose
    object the cluster holds (``held``: their ids). Every other pending operation is
    dropped (a create of an object that is not there never happened)."""
    return [
        (p.urn, p.id) for p in pending if p.op == "creating" and p.id is not None and p.id in held
    ]


UNFINISHED = "interrupted while Helm changed it: applied again by the next update"
"""The ``description`` recovery writes into the inputs a release's state holds, and the
note it leaves as the engine's initialization error."""


def mark_unfinished(deployment: Any, ids: set[str]) -> list[str]:
    """Mark the Helm releases of an exported state's ``deployment`` (secrets shown)
    whose cluster id is in ``ids`` as not finished, so the next update applies them
    whatever its inputs: the engine updates a resource with ``initErrors`` even when
    nothing changed, and a ``description`` in the inputs the state holds (which the
    program never sets) differs from the program's, which a refresh keeps (it reads
    the cluster, never the inputs). The URNs marked."""
    marked = []
    for resource in (deployment or {}).get("resources") or []:
        if not str(resource.get("type", "")).startswith("kubernetes:helm.sh/"):
            continue
        if object_id(resource) not in ids:
            continue
        resource["initErrors"] = [UNFINISHED]
        if isinstance(resource.get("inputs"), dict):
            resource["inputs"]["description"] = UNFINISHED
        outputs = resource.get("outputs")
        held = outputs.get("__inputs") if isinstance(outputs, dict) else None
        if isinstance(held, dict) and isinstance(held.get("plaintext"), str):
            inputs = json.loads(held["plaintext"])  # a secret: the provider's own copy
            inputs["description"] = UNFINISHED
            held["plaintext"] = json.dumps(inputs)
        elif isinstance(held, dict):
            held["description"] = UNFINISHED
        marked.append(str(resource.get("urn", "")))
    return marked


@dataclass
class Recovered:
    """What recovery did to a stack (lines said to the operator), and whether it found
    anything at all."""

    stack: str
    done: list[str]

    def lines(self) -> list[str]:
        return [f"recover {self.stack}: {line}" for line in self.done]


class RecoveryStopped(Exception):
    """Recovery stopped where going on could lose data or break another run's work:
    the message says what was found and exactly what to run."""
