"""Kubernetes objects as the policies see them: what kind, where, claiming which NodePorts,
images and ingress hosts, whether a stack created it directly or a Helm release will."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from fate_iac.charts import value_at

CLUSTER_SCOPED = frozenset(
    {
        "APIService",
        "CertificateSigningRequest",
        "ClusterIssuer",
        "ClusterRole",
        "ClusterRoleBinding",
        "ClusterTrustBundle",
        "CSIDriver",
        "CSINode",
        "CustomResourceDefinition",
        "DeviceClass",
        "FlowSchema",
        "IngressClass",
        "IPAddress",
        "MutatingAdmissionPolicy",
        "MutatingAdmissionPolicyBinding",
        "MutatingWebhookConfiguration",
        "Namespace",
        "Node",
        "PersistentVolume",
        "PodSecurityPolicy",
        "PriorityClass",
        "PriorityLevelConfiguration",
        "RuntimeClass",
        "ServiceCIDR",
        "StorageClass",
        "StorageVersionMigration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingWebhookConfiguration",
        "VolumeAttachment",
        "VolumeAttributesClass",
    }
)
"""Kinds that live outside every namespace: the built-in ones, and any kind named
``Cluster...`` (cert-manager's ClusterIssuer, Istio's, ...; see :func:`cluster_scoped`)."""


def cluster_scoped(kind: str) -> bool:
    """Whether objects of ``kind`` live outside every namespace. A custom kind the pack
    does not know counts as namespaced unless its name says ``Cluster``."""
    return kind in CLUSTER_SCOPED or kind.startswith("Cluster")


NOT_KNOWN = "<not known until the update>"
"""A name or namespace a preview cannot know yet (computed from another resource)."""

DEFAULT_REGISTRY = "docker.io"
"""Where an image with no registry in its name comes from."""

_POD_SPEC_AT = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}


class Unknown:
    """A value the engine does not know yet (a preview of something computed at update)."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = Unknown()


def text_of(value: Any, default: str = "") -> str:
    """A name as text: :data:`NOT_KNOWN` when the engine does not know it yet."""
    if isinstance(value, Unknown):
        return NOT_KNOWN
    return default if value in (None, "") else str(value)


@dataclass(frozen=True)
class Release:
    """The Helm release an object comes from."""

    name: str
    namespace: str
    chart: str
    """The chart's name (as given, until its Chart.yaml is read)."""
    version: str

    def __str__(self) -> str:
        return f"release {self.name} ({self.chart} {self.version or '(no version)'})"


@dataclass(frozen=True)
class KubeObject:
    """One object a stack creates: a Pulumi resource of its own, or one inside a release."""

    kind: str
    name: str
    namespace: str | None
    """Where it lives (None: a cluster-scoped kind)."""
    body: Mapping[str, Any]
    release: Release | None = None
    urn: str | None = None
    """The Pulumi resource it is, or comes from (its release)."""
    parent_type: str | None = None
    """The Pulumi type of that resource's parent (the component that made it)."""

    def __str__(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        inside = f" in {self.release}" if self.release else ""
        return f"{self.kind} {where}{inside}"


def kube_object(
    body: Mapping[str, Any],
    default_namespace: str,
    release: Release | None = None,
    urn: str | None = None,
    parent_type: str | None = None,
) -> KubeObject:
    """``body`` (a manifest, or a resource's inputs) as a :class:`KubeObject`; a namespaced
    object that names no namespace lands in ``default_namespace``, as the API server or
    Helm puts it."""
    kind = text_of(body.get("kind"))
    metadata = body.get("metadata") or {}
    name = text_of(metadata.get("name"))
    namespace = None
    if not cluster_scoped(kind):
        namespace = text_of(metadata.get("namespace"), default_namespace)
    return KubeObject(kind, name, namespace, body, release, urn, parent_type)


def service_type(obj: KubeObject) -> str:
    return str(value_at(obj.body, ("spec", "type")) or "ClusterIP") if obj.kind == "Service" else ""


def _items(value: Any) -> list[Any]:
    """A list as given; nothing for a list (or a value) not known yet."""
    return value if isinstance(value, list) else []


def node_ports(obj: KubeObject) -> Iterator[int]:
    """The NodePorts a Service claims explicitly (known ones: an unknown port is the
    update's to check)."""
    if service_type(obj) not in ("NodePort", "LoadBalancer"):
        return
    for port in _items(value_at(obj.body, ("spec", "ports"))):
        number = port.get("nodePort") if isinstance(port, Mapping) else None
        if isinstance(number, (int, float, str)) and str(number).isdigit():
            yield int(number)


def images(obj: KubeObject) -> Iterator[str]:
    """The images of every container of a workload's pods (init and ephemeral included;
    known ones)."""
    path = _POD_SPEC_AT.get(obj.kind)
    spec = value_at(obj.body, path) if path else None
    if not isinstance(spec, Mapping):
        return
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for container in _items(spec.get(key)):
            image = container.get("image") if isinstance(container, Mapping) else None
            if isinstance(image, str) and image:
                yield image


def pod_security_findings(obj: KubeObject) -> Iterator[tuple[str, str]]:
    """What a workload's pods (or an Ingress) may do beyond an ordinary container, as
    ``(finding, what)``: ``privileged``, ``hostPath``, ``hostNetwork``, ``hostPID``,
    ``hostIPC``, ``capability:<NAME>`` (one added), ``snippet`` (an ingress annotation
    that writes the controller's configuration, which runs as the controller)."""
    if obj.kind == "Ingress":
        annotations = value_at(obj.body, ("metadata", "annotations"))
        for key in sorted(annotations) if isinstance(annotations, Mapping) else []:
            if str(key).endswith("-snippet") or str(key).endswith("/snippet"):
                yield "snippet", f"annotation {key}"
        return
    path = _POD_SPEC_AT.get(obj.kind)
    spec = value_at(obj.body, path) if path else None
    if not isinstance(spec, Mapping):
        return
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(key) is True:
            yield key, key
    for volume in _items(spec.get("volumes")):
        if isinstance(volume, Mapping) and isinstance(volume.get("hostPath"), Mapping):
            yield "hostPath", f"volume {volume.get('name')} ({volume['hostPath'].get('path')})"
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for container in _items(spec.get(key)):
            if not isinstance(container, Mapping):
                continue
            name = container.get("name")
            context = container.get("securityContext")
            if not isinstance(context, Mapping):
                continue
            if context.get("privileged") is True:
                yield "privileged", f"container {name}"
            for capability in _items(value_at(context, ("capabilities", "add"))):
                yield f"capability:{capability}", f"container {name} adds {capability}"


def ingress_hosts(obj: KubeObject) -> Iterator[str]:
    if obj.kind != "Ingress":
        return
    for rule in _items(value_at(obj.body, ("spec", "rules"))):
        host = rule.get("host") if isinstance(rule, Mapping) else None
        if isinstance(host, str) and host:
            yield host


def image_repository(image: str) -> str:
    """An image reference as ``registry/path``, without tag or digest: what Docker pulls.
    ``federatedai/eggroll:1.11.2`` is ``docker.io/federatedai/eggroll``."""
    name = image.split("@", 1)[0]
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, rest
    else:
        registry, path = DEFAULT_REGISTRY, name if rest else f"library/{name}"
    last = path.rsplit("/", 1)
    last[-1] = last[-1].split(":", 1)[0]
    return f"{registry}/{'/'.join(last)}"


def from_allowed_registry(image: str, allowed: list[str]) -> bool:
    """Whether ``image`` comes from one of ``allowed``: registries (``docker.io``) or
    repository prefixes (``docker.io/federatedai``, ``registry.example.com/fate``)."""
    repository = image_repository(image)
    return any(
        repository == a.rstrip("/") or repository.startswith(a.rstrip("/") + "/") for a in allowed
    )
