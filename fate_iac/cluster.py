"""Facts about any Kubernetes cluster that several parts of the project rely on (the
stack rules, the KubeFATE service, the policy pack). Free of imports."""

SYSTEM_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease", "default")
"""Namespaces Kubernetes itself uses: no stack puts anything in them."""
