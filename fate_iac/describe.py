"""What ``fatectl describe`` shows: a stack's releases, modules, pods and endpoints, as
``kubefate cluster describe`` does, from the stack's outputs and the objects the cluster
holds. Pure: the objects come in as the API server serves them (see
:mod:`fate_iac.kube`), so the model is tested on recorded objects.
"""

from __future__ import annotations

import base64
import datetime
import gzip
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from fate_iac.secrets import REDACTED

Object = dict[str, Any]

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job")
HEALTH = ("ready", "progressing", "failed", "absent")
"""A stack's health, best first: every workload ready (or its Job complete) and every
release deployed; something still starting; a release or workload that failed; nothing
deployed."""


@dataclass(frozen=True)
class Observed:
    """What the cluster holds in a stack's namespace."""

    releases: list[Object] = field(default_factory=list)
    """Helm's release records (decoded), every revision."""
    workloads: list[Object] = field(default_factory=list)
    pods: list[Object] = field(default_factory=list)

    def __add__(self, other: Observed) -> Observed:
        """What two namespaces hold (a party's training and serving clusters)."""
        return Observed(
            self.releases + other.releases, self.workloads + other.workloads, self.pods + other.pods
        )


def decode_helm_release(data: str) -> Object:
    """A Helm release record from its Secret's ``data.release``: base64 (the Secret's
    own encoding) of base64 of gzipped JSON (Helm's)."""
    payload = base64.b64decode(base64.b64decode(data))
    if payload[:2] == b"\x1f\x8b":
        payload = gzip.decompress(payload)
    record: Object = json.loads(payload)
    return record


@dataclass(frozen=True)
class PodState:
    name: str
    phase: str
    ready: bool
    restarts: int
    node: str
    reason: str = ""
    """Why it is not running, when the API says (e.g. the scheduler's message)."""


@dataclass(frozen=True)
class ModuleState:
    """One workload of a release: the FATE module it runs."""

    module: str
    kind: str
    name: str
    release: str
    ready: str
    """``ready/desired`` pods (a Job: ``succeeded/completions``)."""
    condition: str
    """ready, complete, progressing or failed."""
    pods: list[PodState]


@dataclass(frozen=True)
class ReleaseState:
    name: str
    chart: str
    version: str
    app_version: str
    revision: int
    status: str
    first_deployed: str
    last_deployed: str
    age: str


@dataclass(frozen=True)
class Description:
    stack: str
    namespace: str
    health: str
    releases: list[ReleaseState]
    modules: list[ModuleState]
    endpoints: dict[str, str]
    also: list[str] = field(default_factory=list)
    """Its other namespaces (a party's serving cluster), described with it."""

    def as_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    def text(self) -> str:
        also = "".join(f", {namespace}" for namespace in self.also)
        lines = [f"stack {self.stack}: {self.health} (namespace {self.namespace}{also})"]
        for r in self.releases:
            lines.append(
                f"  release {r.name}: chart {r.chart} {r.version} (FATE {r.app_version}), "
                f"revision {r.revision}, {r.status}, age {r.age}"
            )
        if not self.releases:
            lines.append("  no release in the cluster")
        width = max([len(m.module) for m in self.modules] + [6])
        for m in self.modules:
            lines.append(f"  {m.module:<{width}}  {m.kind:<11} {m.ready:>5}  {m.condition}")
            for p in m.pods:
                state = "ready" if p.ready else "not ready"
                why = f" ({p.reason})" if p.reason else ""
                lines.append(
                    f"  {'':<{width}}    pod {p.name}: {p.phase}, {state}, "
                    f"{p.restarts} restarts, node {p.node or '-'}{why}"
                )
        for name, where in self.endpoints.items():
            lines.append(f"  endpoint {name}: {where}")
        return "\n".join(lines)


def _age(since: str, now: datetime.datetime) -> str:
    if not since:
        return "-"
    started = datetime.datetime.fromisoformat(since.replace("Z", "+00:00"))
    seconds = max(0, int((now - started).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def latest_releases(records: Sequence[Object]) -> list[Object]:
    """The newest revision of each release."""
    newest: dict[str, Object] = {}
    for record in records:
        name = str(record.get("name"))
        if name not in newest or int(record.get("version", 0)) > int(newest[name]["version"]):
            newest[name] = record
    return [newest[name] for name in sorted(newest)]


def release_state(record: Object, now: datetime.datetime) -> ReleaseState:
    info = record.get("info") or {}
    meta = (record.get("chart") or {}).get("metadata") or {}
    return ReleaseState(
        name=str(record.get("name")),
        chart=str(meta.get("name", "")),
        version=str(meta.get("version", "")),
        app_version=str(meta.get("appVersion", "")),
        revision=int(record.get("version", 0)),
        status=str(info.get("status", "unknown")),
        first_deployed=str(info.get("first_deployed", "")),
        last_deployed=str(info.get("last_deployed", "")),
        age=_age(str(info.get("first_deployed", "")), now),
    )


def _selects(workload: Object, pod: Object) -> bool:
    wanted = ((workload.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    labels = (pod.get("metadata") or {}).get("labels") or {}
    return bool(wanted) and all(labels.get(k) == v for k, v in wanted.items())


def pod_state(pod: Object) -> PodState:
    status = pod.get("status") or {}
    conditions = {c.get("type"): c for c in status.get("conditions") or []}
    ready = (conditions.get("Ready") or {}).get("status") == "True"
    restarts = sum(int(c.get("restartCount", 0)) for c in status.get("containerStatuses") or [])
    reason = ""
    scheduled = conditions.get("PodScheduled") or {}
    if scheduled.get("status") == "False":
        reason = str(scheduled.get("message") or scheduled.get("reason") or "not scheduled")
    return PodState(
        name=str(pod["metadata"]["name"]),
        phase=str(status.get("phase", "Unknown")),
        ready=ready,
        restarts=restarts,
        node=str((pod.get("spec") or {}).get("nodeName") or ""),
        reason=reason,
    )


def _workload_condition(workload: Object) -> tuple[str, str]:
    """(``ready/desired``, condition word) of a workload, from its status."""
    kind = workload.get("kind")
    spec = workload.get("spec") or {}
    status = workload.get("status") or {}
    conditions = {c.get("type"): c for c in status.get("conditions") or []}
    if kind == "Job":
        wanted = int(spec.get("completions") or 1)
        done = int(status.get("succeeded") or 0)
        if (conditions.get("Failed") or {}).get("status") == "True":
            return f"{done}/{wanted}", "failed"
        return f"{done}/{wanted}", "complete" if done >= wanted else "progressing"
    if kind == "DaemonSet":
        wanted = int(status.get("desiredNumberScheduled") or 0)
        ready = int(status.get("numberReady") or 0)
    else:
        wanted = int(spec.get("replicas", 1))
        ready = int(status.get("readyReplicas") or 0)
    current = int(status.get("observedGeneration") or 0) >= int(
        (workload.get("metadata") or {}).get("generation") or 0
    )
    progressing = conditions.get("Progressing") or {}
    if progressing.get("reason") == "ProgressDeadlineExceeded":
        return f"{ready}/{wanted}", "failed"
    updated = int(status.get("updatedReplicas", ready) or 0)
    if current and ready >= wanted and updated >= wanted:
        return f"{ready}/{wanted}", "ready"
    return f"{ready}/{wanted}", "progressing"


def module_state(workload: Object, pods: Sequence[Object]) -> ModuleState:
    metadata = workload.get("metadata") or {}
    labels = metadata.get("labels") or {}
    ready, condition = _workload_condition(workload)
    mine = sorted((p for p in pods if _selects(workload, p)), key=lambda p: p["metadata"]["name"])
    return ModuleState(
        # The fate charts label each module "fateMoudle" (sic).
        module=str(labels.get("fateMoudle") or labels.get("app") or metadata.get("name")),
        kind=str(workload.get("kind")),
        name=str(metadata.get("name")),
        release=str(labels.get("release") or labels.get("name") or ""),
        ready=ready,
        condition=condition,
        pods=[pod_state(p) for p in mine],
    )


def endpoints_of(outputs: Mapping[str, Any]) -> dict[str, str]:
    """``name: host:port`` of every endpoint the stack publishes, and its ingress hosts."""
    found: dict[str, str] = {}
    record = outputs.get("federation")
    if record == REDACTED:  # a secret output: shown as what it is, never its value
        found["federation"] = REDACTED
    endpoints = record.get("endpoints") if isinstance(record, dict) else None
    for name, endpoint in sorted((endpoints or {}).items()):
        found[name] = f"{endpoint.get('host')}:{endpoint.get('port')}"
        if endpoint.get("tlsPort"):
            found[name] += f" (TLS {endpoint['tlsPort']}, SNI {endpoint.get('domain')})"
    hosts_of = (
        ("fateboardHosts", "fateboard"),
        ("notebookHosts", "notebook"),
        ("sparkHosts", "spark"),
    )
    for key, name in hosts_of:
        hosts = outputs.get(key)
        if hosts:
            found[name] = REDACTED if hosts == REDACTED else ", ".join(hosts)
    return found


def health(releases: Sequence[ReleaseState], modules: Sequence[ModuleState]) -> str:
    if not releases:
        return "absent"
    if any(r.status == "failed" for r in releases) or any(m.condition == "failed" for m in modules):
        return "failed"
    if any(r.status != "deployed" for r in releases) or any(
        m.condition not in ("ready", "complete") for m in modules
    ):
        return "progressing"
    return "ready"


def describe(
    stack: str,
    namespace: str,
    outputs: Mapping[str, Any],
    observed: Observed,
    now: datetime.datetime,
    also: Sequence[str] = (),
) -> Description:
    """The description of ``stack`` from its outputs and what the cluster holds."""
    releases = [release_state(r, now) for r in latest_releases(observed.releases)]
    workloads = [w for w in observed.workloads if w.get("kind") in WORKLOAD_KINDS]
    modules = sorted(
        (module_state(w, observed.pods) for w in workloads),
        key=lambda m: (m.release, m.module, m.name),
    )
    return Description(
        stack=stack,
        namespace=namespace,
        health=health(releases, modules),
        releases=releases,
        modules=modules,
        endpoints=endpoints_of(outputs),
        also=list(also),
    )
