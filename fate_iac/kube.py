"""Reading what a cluster holds for a stack, through the Kubernetes Python client (which
speaks every kubeconfig auth: tokens, client certificates, exec plugins). Only reads;
the model built from what it reads is :mod:`fate_iac.describe`."""

from __future__ import annotations

import os
from typing import Any

from fate_iac.describe import Observed, decode_helm_release

TIMEOUT = 10.0
"""Seconds each request may take: an unreachable cluster is said, not waited for."""


class ClusterError(Exception):
    """The cluster cannot be reached or read."""


def read_namespace(
    namespace: str, context: str | None = None, kubeconfig: str | None = None
) -> Observed:
    """The Helm releases, workloads and pods of ``namespace``, in the cluster of the
    kubeconfig's ``context`` (its current context when None); the kubeconfig is
    ``kubeconfig``, else ``KUBECONFIG``, else ``~/.kube/config``."""
    from kubernetes import client, config  # a large import: only when a cluster is read
    from kubernetes.config.config_exception import ConfigException

    # KUBECONFIG is read now, not when the client was imported (it keeps the value of
    # that moment as its default); it may list several files, which the client merges.
    config_file = kubeconfig or os.environ.get("KUBECONFIG") or None
    try:
        api = config.new_client_from_config(  # type: ignore[no-untyped-call]
            config_file=config_file, context=context or None
        )
    except (ConfigException, OSError) as error:
        where = f"context {context}" if context else "the current context"
        raise ClusterError(f"no kubeconfig for {where}: {error}") from None
    api.configuration.retries = 1
    core, apps, batch = client.CoreV1Api(api), client.AppsV1Api(api), client.BatchV1Api(api)
    plain = api.sanitize_for_serialization
    try:
        secrets = core.list_namespaced_secret(
            namespace, label_selector="owner=helm", _request_timeout=TIMEOUT
        )
        workloads: list[dict[str, Any]] = []
        for kind, listing in (
            ("Deployment", apps.list_namespaced_deployment),
            ("StatefulSet", apps.list_namespaced_stateful_set),
            ("DaemonSet", apps.list_namespaced_daemon_set),
            ("Job", batch.list_namespaced_job),
        ):
            for item in listing(namespace, _request_timeout=TIMEOUT).items:
                workloads.append({**plain(item), "kind": kind})
        pods = [
            plain(p) for p in core.list_namespaced_pod(namespace, _request_timeout=TIMEOUT).items
        ]
    except client.ApiException as error:
        raise ClusterError(f"the API server refused: {error.status} {error.reason}") from None
    except Exception as error:  # urllib3's connection errors, timeouts, TLS
        raise ClusterError(f"cannot reach {api.configuration.host}: {error}") from None
    releases = [
        decode_helm_release(str(s.data["release"]))
        for s in secrets.items
        if s.data and "release" in s.data
    ]
    return Observed(releases, workloads, pods)
