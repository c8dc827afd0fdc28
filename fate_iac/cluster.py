"""Facts about any Kubernetes cluster that several parts of the project rely on (the
stack rules, the KubeFATE service, the policy pack)."""

import os

SERVICE_NODE_PORT_RANGE_ENV = "FATE_SERVICE_NODE_PORT_RANGE"
"""Set (``low-high``) where every cluster this project deploys to runs kube-apiserver
with another ``--service-node-port-range``: said once, here, not per stack."""
DEFAULT_SERVICE_NODE_PORT_RANGE = (30000, 32767)
"""kube-apiserver's default ``--service-node-port-range``."""


def service_node_port_range() -> tuple[int, int]:
    """The range the cluster gives NodePorts from: a stack's ``nodePortRange`` lies
    within it. Raises ValueError when the environment spells it wrongly."""
    text = os.environ.get(SERVICE_NODE_PORT_RANGE_ENV, "").strip()
    if not text:
        return DEFAULT_SERVICE_NODE_PORT_RANGE
    low, sep, high = text.partition("-")
    if not (sep and low.isdigit() and high.isdigit() and 1 <= int(low) < int(high) <= 65535):
        raise ValueError(f"{SERVICE_NODE_PORT_RANGE_ENV}={text!r} is not low-high")
    return int(low), int(high)


SYSTEM_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease", "default")
"""Namespaces Kubernetes itself uses: no stack puts anything in them."""

INFRASTRUCTURE_NAMESPACES = (
    "calico-system",
    "calico-apiserver",
    "tigera-operator",
    "cert-manager",
    "ingress-nginx",
    "istio-system",
    "linkerd",
    "metallb-system",
    "local-path-storage",
    "gatekeeper-system",
    "kyverno",
    "longhorn-system",
    "rook-ceph",
    "monitoring",
)
"""Namespaces the cluster's own infrastructure (CNI, ingress, mesh, storage, admission,
monitoring) is conventionally installed in: a FATE object there could read or disturb it."""

RESERVED_PREFIXES = ("kube-", "openshift-")
"""Namespace prefixes reserved for the cluster (Kubernetes' own and its add-ons': a CNI's
kube-flannel, say; OpenShift's)."""

KUBEFATE_NAMESPACE = "kube-fate"
"""KubeFATE's own namespace for its service: the one kube-* name the KubeFATE service may
take (no party or exchange may)."""


def infrastructure_namespace(name: str) -> str | None:
    """Why ``name`` belongs to the cluster's infrastructure, or None when it does not."""
    if name in SYSTEM_NAMESPACES:
        return "a system namespace"
    if name in INFRASTRUCTURE_NAMESPACES:
        return "a well-known infrastructure namespace"
    prefix = next((p for p in RESERVED_PREFIXES if name.startswith(p)), None)
    if prefix:
        return f"reserved for the cluster ({prefix}*)"
    return None
