"""The rules of the policy pack, free of Pulumi: each takes the objects a stack creates
(its own resources and what its Helm releases will install) and the policy's config, and
yields what breaks the rule. :mod:`fate_policies.pack` turns them into Pulumi policies."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from fate_iac.charts import ChartSourceError
from fate_iac.cluster import SYSTEM_NAMESPACES
from fate_iac.credentials import WELL_KNOWN_CREDENTIALS
from fate_policies.objects import (
    NOT_KNOWN,
    KubeObject,
    from_allowed_registry,
    images,
    ingress_hosts,
    node_ports,
    pod_security_findings,
    service_type,
)
from fate_policies.releases import Expansion, chart_ref

KUBEFATE_SERVER = "fate:index:KubeFateServer"
"""The KubeFATE service's component: the one whose cluster-wide RBAC is allowed."""
KUBEFATE_SERVER_KINDS = frozenset({"ClusterRole", "ClusterRoleBinding"})
KUBEFATE_RBAC_PREFIX = "kubefate-"
"""Its cluster-wide RBAC is named ``kubefate-<its namespace>``."""
ESCALATING_VERBS = frozenset({"escalate", "bind", "impersonate"})
"""Verbs that grant more than the role itself: never in the exempted ClusterRole."""
RULE_KEYS = ("apiGroups", "resources", "verbs", "resourceNames", "nonResourceURLs")

_EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")


@dataclass(frozen=True)
class Violation:
    message: str
    urn: str | None = None


def _config_list(config: Mapping[str, Any], key: str, default: Iterable[str]) -> list[str]:
    value = config.get(key)
    return [str(v) for v in value] if value is not None else list(default)


def nodeport_range(objects: Iterable[KubeObject], config: Mapping[str, Any]) -> Iterator[Violation]:
    """Every NodePort inside the range the cluster allows (its service-node-port-range)."""
    low, high = int(config.get("minPort", 30000)), int(config.get("maxPort", 32767))
    for obj in objects:
        for port in node_ports(obj):
            if not low <= port <= high:
                yield Violation(
                    f"{obj}: nodePort {port} is outside the allowed range {low}-{high}", obj.urn
                )


def _claimed_twice(
    objects: Iterable[KubeObject], claims: Callable[[KubeObject], Iterable[Any]]
) -> Iterator[tuple[Any, list[KubeObject]]]:
    """Each thing (a port, a host) more than one object claims, with its claimants."""
    owners: dict[Any, list[KubeObject]] = defaultdict(list)
    for obj in objects:
        for claim in sorted(set(claims(obj))):
            owners[claim].append(obj)
    for claim, found in sorted(owners.items()):
        if len(found) > 1:
            yield claim, found


def nodeport_unique(objects: Iterable[KubeObject]) -> Iterator[Violation]:
    """No NodePort claimed twice in a stack: the API server allocates them by number,
    whatever the protocol, and refuses the second Service."""
    for port, owners in _claimed_twice(objects, node_ports):
        names = ", ".join(str(o) for o in owners)
        yield Violation(f"nodePort {port} is claimed {len(owners)} times: {names}", owners[1].urn)


def load_balancers(objects: Iterable[KubeObject], config: Mapping[str, Any]) -> Iterator[Violation]:
    """LoadBalancer Services only where the platform allows them (each one is a paid,
    reachable address)."""
    if config.get("allowed", False):
        return
    for obj in objects:
        if service_type(obj) == "LoadBalancer":
            yield Violation(
                f"{obj}: a LoadBalancer Service, which this cluster does not allow "
                "(use NodePort or ClusterIP, or allow it in the pack's config)",
                obj.urn,
            )


def pod_security(objects: Iterable[KubeObject], config: Mapping[str, Any]) -> Iterator[Violation]:
    """No privileged container, hostPath volume, host network/PID/IPC, added capability
    or ingress snippet annotation, except where the pack's config names an exception:
    ``{"name": why, "object": "<Kind> <namespace>/<name>", "allow": [findings]}``."""
    given = config.get("exceptions")
    exceptions = [
        e for e in (CHART_EXCEPTIONS if given is None else given) if isinstance(e, Mapping)
    ]
    for obj in objects:
        for finding, what in pod_security_findings(obj):
            if any(_excepted(obj, finding, e) for e in exceptions):
                continue
            yield Violation(
                f"{obj}: {what} ({finding}); if the chart needs it, name it as an exception "
                "in the pack's config (pod-security.exceptions)",
                obj.urn,
            )


CHART_EXCEPTIONS: list[dict[str, Any]] = [
    {
        "name": "the fate chart's eggroll nodemanager adds SYS_PTRACE (its own securityContext)",
        "object": "StatefulSet */nodemanager",
        "allow": ["capability:SYS_PTRACE"],
    },
    {
        "name": "the fate chart's MySQL adds SYS_NICE (its own securityContext)",
        "object": "StatefulSet */mysql",
        "allow": ["capability:SYS_NICE"],
    },
]
"""What the charts themselves need, found by rendering every shipped stack: the pack's
default exceptions (the example config writes them out)."""


def _excepted(obj: KubeObject, finding: str, exception: Mapping[str, Any]) -> bool:
    """Whether ``exception`` (``<Kind> <namespace>/<name>``, the namespace may be ``*``)
    allows ``finding`` on ``obj``."""
    kind, _, where = str(exception.get("object") or "").partition(" ")
    namespace, _, name = where.rpartition("/")
    return (
        kind == obj.kind
        and name == obj.name
        and namespace in ("*", obj.namespace or "")
        and finding in (exception.get("allow") or [])
    )


def image_registries(
    objects: Iterable[KubeObject], config: Mapping[str, Any]
) -> Iterator[Violation]:
    """Images only from the allowed registries (or repository prefixes)."""
    allowed = _config_list(config, "allowedRegistries", ["docker.io"])
    for obj in objects:
        for image in images(obj):
            if not from_allowed_registry(image, allowed):
                yield Violation(
                    f"{obj}: image {image} is not from an allowed registry ({', '.join(allowed)})",
                    obj.urn,
                )


def ingress_hosts_unique(objects: Iterable[KubeObject]) -> Iterator[Violation]:
    """Each ingress host served by one Ingress of the stack (two would race for it)."""
    for host, found in _claimed_twice(objects, ingress_hosts):
        names = ", ".join(str(o) for o in found)
        yield Violation(
            f"ingress host {host} is served by {len(found)} Ingresses: {names}", found[1].urn
        )


def system_namespaces(
    objects: Iterable[KubeObject], config: Mapping[str, Any]
) -> Iterator[Violation]:
    """Nothing in (or named as) a system namespace, and cluster-scoped objects only from
    the allow list: checked on each resource, so an update stops before creating one."""
    system = set(_config_list(config, "systemNamespaces", SYSTEM_NAMESPACES))
    allowed_kinds = set(_config_list(config, "clusterScopedKinds", []))
    for obj in objects:
        if obj.kind == "Namespace":
            if obj.name in system:
                yield Violation(f"{obj}: the system namespace {obj.name}", obj.urn)
        elif obj.namespace is None:
            if obj.kind not in allowed_kinds and not _kubefate_rbac(obj):
                yield Violation(
                    f"{obj}: a cluster-scoped {obj.kind}, not in the allow list "
                    "(clusterScopedKinds)",
                    obj.urn,
                )
        elif obj.namespace in system:
            yield Violation(f"{obj}: in the system namespace {obj.namespace}", obj.urn)


def _kubefate_rbac(obj: KubeObject) -> bool:
    """The KubeFATE service's own cluster-wide RBAC, judged by what it grants: the URN
    names its component, but anyone can claim a parent type. A ClusterRole
    ``kubefate-<namespace>`` granting nothing by wildcard and none of the verbs that
    grant more (escalate, bind, impersonate), nor aggregating others; a binding of that
    same ClusterRole, and of no other role, to service accounts of that namespace."""
    if obj.parent_type != KUBEFATE_SERVER or obj.kind not in KUBEFATE_SERVER_KINDS:
        return False
    namespace = obj.name.removeprefix(KUBEFATE_RBAC_PREFIX)
    if not obj.name.startswith(KUBEFATE_RBAC_PREFIX) or not namespace:
        return False
    if obj.kind == "ClusterRole":
        return _grants_no_escalation(obj.body)
    ref = obj.body.get("roleRef") or {}
    subjects = obj.body.get("subjects") or []
    return (
        isinstance(ref, Mapping)
        and ref.get("kind") == "ClusterRole"
        and ref.get("name") == obj.name
        and bool(subjects)
        and all(
            isinstance(s, Mapping)
            and s.get("kind") == "ServiceAccount"
            and s.get("namespace") == namespace
            for s in subjects
        )
    )


def _grants_no_escalation(role: Mapping[str, Any]) -> bool:
    if role.get("aggregationRule"):
        return False
    rules = role.get("rules") or []
    for rule in rules:
        if not isinstance(rule, Mapping):
            return False
        granted = [str(v) for key in RULE_KEYS for v in (rule.get(key) or [])]
        if any("*" in value for value in granted):
            return False
        if ESCALATING_VERBS & {str(v) for v in rule.get("verbs") or []}:
            return False
    return True


def namespace_isolation(
    objects: Iterable[KubeObject], declared: Iterable[str], config: Mapping[str, Any]
) -> Iterator[Violation]:
    """Everything a stack creates in its own namespaces: ``namespaces`` in the config,
    else the ones the stack declares (see :func:`fate_policies.pack.stack_objects`)."""
    own = set(_config_list(config, "namespaces", sorted(set(declared))))
    shown = ", ".join(sorted(own)) or "none"
    for obj in objects:
        namespace = obj.name if obj.kind == "Namespace" else obj.namespace
        if namespace is None or namespace == NOT_KNOWN or namespace in own:
            continue  # cluster-scoped; or a preview cannot tell (the update's check can)
        if obj.kind == "Namespace":
            yield Violation(f"{obj}: not one of this stack's namespaces ({shown})", obj.urn)
        else:
            yield Violation(
                f"{obj}: in namespace {namespace}, not one of this stack's ({shown})", obj.urn
            )


def default_credentials(expansion: Expansion) -> Iterator[Violation]:
    """No chart's well-known credential reaches a release (written in its values, left to
    the chart's default, or hard-coded by a module it renders)."""
    release = expansion.release
    if expansion.unseen is not None:
        return
    for credential in WELL_KNOWN_CREDENTIALS:
        if (
            credential.chart == release.chart
            and credential.in_use(expansion.values) == credential.known
        ):
            yield Violation(f"{release}: {credential.name} is the chart's well-known default")


def chart_pinned(props: Mapping[str, Any]) -> Iterator[Violation]:
    """A release's chart pinned to one exact version: a range or no version installs
    whatever the repository serves that day."""
    chart = str(props.get("chart") or "")
    version = str(props.get("version") or "")
    try:
        if chart_ref(props).path is not None:
            return  # a local chart: its files are the version
    except ChartSourceError:
        pass  # a repository alias, say: it has a version to pin all the same
    if not version:
        yield Violation(
            f"release {props.get('name')}: chart {chart} has no version, so it "
            "installs the newest the repository serves"
        )
    elif not _EXACT_VERSION.match(version):
        yield Violation(
            f"release {props.get('name')}: chart {chart} version {version!r} is "
            "not one exact version"
        )


def release_visible(expansion: Expansion) -> Iterator[Violation]:
    """Say so when the objects inside a release cannot be checked."""
    if expansion.unseen is not None:
        yield Violation(
            f"{expansion.release}: the policies cannot see its objects: {expansion.unseen}"
        )
