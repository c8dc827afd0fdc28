"""NetworkPolicies that isolate a stack's namespace, derived from what it publishes.

Inside a shared cluster nothing stops one party's pods from reaching another's mysql,
clustermanager or redis. Each namespace a stack deploys gets:

- ``fate-same-party``: every pod accepts traffic from the pods of its own namespace and
  of the party's other namespace (its serving cluster beside its training cluster, or
  the reverse), named by ``kubernetes.io/metadata.name``, which the API server sets and
  nobody can forge;
- ``fate-entry-<module>``: the pods behind each entry point accept their ports from
  anywhere: what the federation record publishes (rollsite or osx; nginx and the
  broker; fateflow; the serving proxy and server; an exchange's trafficServer) and what
  an Ingress serves (fateboard, the notebook, Spark's UI).

Everything else (mysql, clustermanager, nodemanagers, redis, zookeeper, HDFS...) is
reached from inside the party only. The entry points come from
:mod:`fate_iac.endpoints`, the same derivation as the federation record; which pods are
behind each Service is the charts' (``fateMoudle``, sic), checked against the rendered
charts by the tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fate_iac.config import ExchangeConfig, PartyConfig, ServingConfig, StackConfig
from fate_iac.endpoints import (
    Endpoint,
    exchange_endpoints,
    federation_endpoints,
    ingress_hosts,
    serving_endpoints,
)

MODULE_LABEL = "fateMoudle"
"""The label the charts' Services select their pods by (KubeFATE's spelling)."""
SERVICE_PODS = {
    "rollsite": "rollsite", "osx": "osx", "fateflow-client": "python", "nginx": "nginx",
    "pulsar": "pulsar", "rabbitmq": "rabbitmq", "traffic-server": "traffic-server",
    "serving-proxy": "serving-proxy", "serving-server": "serving-server",
    "fateboard": "fateboard", "notebook": "client", "spark-master": "spark-master",
}  # fmt: skip
"""The ``fateMoudle`` of the pods behind each Service an entry point names."""
INGRESS_SERVICES = {"fateboard": ("fateboard", 8080), "client": ("notebook", 20000),
                    "spark": ("spark-master", 8080)}  # fmt: skip
"""The Service and port behind each module's Ingress."""
NAME_LABEL = "kubernetes.io/metadata.name"


def entry_points(cfg: StackConfig) -> dict[str, tuple[int, ...]]:
    """The ports reached from outside the party, by the ``fateMoudle`` of their pods."""
    endpoints: Mapping[str, Endpoint | None]
    if isinstance(cfg, PartyConfig):
        endpoints = federation_endpoints(cfg)
    elif isinstance(cfg, ServingConfig):
        endpoints = serving_endpoints(cfg)
    elif isinstance(cfg, ExchangeConfig):
        endpoints = exchange_endpoints(cfg)
    else:
        return {}
    found: dict[str, set[int]] = {}
    for endpoint in endpoints.values():
        if endpoint is not None and endpoint.service in SERVICE_PODS:
            found.setdefault(SERVICE_PODS[endpoint.service], set()).update(endpoint.servicePorts)
    if isinstance(cfg, PartyConfig):
        for module, (service, port) in INGRESS_SERVICES.items():
            if cfg.has(module) and ingress_hosts(cfg, module):
                found.setdefault(SERVICE_PODS[service], set()).add(port)
    return {module: tuple(sorted(ports)) for module, ports in sorted(found.items())}


def siblings(cfg: StackConfig) -> list[str]:
    """The party's other namespace: its serving cluster's, or its training cluster's."""
    if isinstance(cfg, PartyConfig) and cfg.servingCluster is not None:
        return [cfg.servingCluster.k8s_namespace]
    if isinstance(cfg, ServingConfig) and cfg.training_namespace is not None:
        return [cfg.training_namespace]
    return []


def network_policies(cfg: StackConfig) -> list[dict[str, Any]]:
    """The NetworkPolicies of ``cfg``'s namespace; none when ``networkPolicy.enabled`` is
    off."""
    if not cfg.networkPolicy.enabled:
        return []
    namespace = cfg.k8s_namespace
    labels = {"app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "fate"}
    party: list[dict[str, Any]] = [{"podSelector": {}}]
    if siblings(cfg):
        party.append({"namespaceSelector": {"matchExpressions": [
            {"key": NAME_LABEL, "operator": "In", "values": siblings(cfg)}]}})  # fmt: skip
    policies: list[dict[str, Any]] = [{
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "fate-same-party", "namespace": namespace, "labels": labels},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{"from": party}]},
    }]  # fmt: skip
    for module, ports in entry_points(cfg).items():
        policies.append({
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": f"fate-entry-{module}", "namespace": namespace,
                         "labels": labels},
            "spec": {"podSelector": {"matchLabels": {MODULE_LABEL: module}},
                     "policyTypes": ["Ingress"],
                     "ingress": [{"ports": [{"protocol": "TCP", "port": p} for p in ports]}]},
        })  # fmt: skip
    return policies
