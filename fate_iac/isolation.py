"""NetworkPolicies that isolate a stack's namespace, derived from what it publishes.

Inside a shared cluster nothing stops one party's pods from reaching another's mysql,
clustermanager or redis. Each namespace a stack deploys gets:

- ``fate-same-party``: every pod accepts traffic from the pods of its own namespace and
  of the party's other namespace (its serving cluster beside its training cluster, or
  the reverse), named by ``kubernetes.io/metadata.name``, which the API server sets and
  nobody can forge;
- ``fate-entry-<module>``: the pods behind each entry point accept their ports from
  anywhere: what the federation record publishes (rollsite or osx; nginx and the
  broker; the serving proxy and server; an exchange's trafficServer) and what
  an Ingress serves (fateboard, the notebook when it has a password, Spark's and
  Pulsar's UIs, RabbitMQ's management, the serving proxy's HTTP API and the serving
  admin); with Spark executors outside the namespace, fateflow's driver and block manager ports;
- ``fate-inner-python``: fateflow's APIs (unauthenticated by default, and never what
  peers reach) from the party's own namespaces and the ingress controller's
  (``networkPolicy.ingressNamespaces``) only, unless ``networkPolicy.openFateflow``.

With ``networkPolicy.egress``, what the pods connect to is limited too:

- ``fate-egress``: every pod connects to the party's own namespaces, to kube-system's
  DNS (the ``k8s-app: kube-dns`` pods, CoreDNS's label too, port 53) and to
  ``networkPolicy.egressTo``;
- ``fate-egress-<module>``: each gateway connects to the addresses its routes name as
  well (:mod:`fate_iac.egress`). Replies to what comes in need no rule: a
  NetworkPolicy allows them as part of the connection let in.

Everything else (mysql, clustermanager, nodemanagers, redis, zookeeper, HDFS...) is
reached from inside the party only. The entry points come from
:mod:`fate_iac.endpoints`, the same derivation as the federation record; which pods are
behind each Service is the charts' (``fateMoudle``, sic), checked against the rendered
charts by the tests.

Which entry points a stack has, and which namespaces are its siblings, is its kind's
(:meth:`fate_iac.kinds.ChartKind.entry_points`, ``siblings``); the functions here are
typed on each kind's config.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fate_iac.config import ExchangeConfig, PartyConfig, ServingConfig, StackConfig
from fate_iac.egress import Destinations, egress_rules
from fate_iac.endpoints import (
    Endpoint,
    exchange_endpoints,
    fateflow_endpoints,
    federation_endpoints,
    serving_endpoints,
)
from fate_iac.notebook import notebook_password

MODULE_LABEL = "fateMoudle"
"""The label the charts' Services select their pods by (KubeFATE's spelling)."""
SERVICE_PODS = {
    "rollsite": "rollsite",
    "rollsite-tls": "rollsite",
    "osx": "osx",
    "fateflow-client": "python",
    "nginx": "nginx",
    "pulsar": "pulsar",
    "rabbitmq": "rabbitmq",
    "traffic-server": "traffic-server",
    "serving-proxy": "serving-proxy",
    "serving-server": "serving-server",
    "fateboard": "fateboard",
    "notebook": "client",
    "spark-master": "spark-master",
    "serving-admin": "serving-admin",
}
"""The ``fateMoudle`` of the pods behind each Service an entry point names."""
INGRESS_SERVICES = {
    "fateboard": ("fateboard", 8080),
    "client": ("notebook", 20000),
    "spark": ("spark-master", 8080),
    "pulsar": ("pulsar", 8080),
    "rabbitmq": ("rabbitmq", 15672),
    "servingProxy": ("serving-proxy", 8059),
    "servingAdmin": ("serving-admin", 8350),
}
"""The Service and port behind each module's Ingress, by the module that has one (the
charts render them by default)."""
NAME_LABEL = "kubernetes.io/metadata.name"


EntryPoints = dict[str, tuple[tuple[int, int], ...]]
"""Port ranges ``(first, last)``, most of one port, by the ``fateMoudle`` of their pods."""


def _opened(
    endpoints: Mapping[str, Endpoint | None],
    parts: Sequence[StackConfig],
    tls: bool = False,
    driver_ranges: Sequence[tuple[int, int]] = (),
    notebook_password: bool = False,
) -> EntryPoints:
    """The ports reached from outside the party: what ``endpoints`` publish, the
    Ingresses of ``parts`` (the namespace's clusters), and ``driver_ranges``."""
    if tls:
        # With TLS, peers reach rollsite's TLS listener only: its plaintext port (the
        # chart's Service) answers the party's own pods, never a client certificate-less
        # stranger.
        endpoints = {k: v for k, v in endpoints.items() if k != "rollsite"}
    found: dict[str, set[tuple[int, int]]] = {}

    def add(service: str, first: int, last: int | None = None) -> None:
        found.setdefault(SERVICE_PODS[service], set()).add((first, last or first))

    for endpoint in endpoints.values():
        if endpoint is not None and endpoint.service in SERVICE_PODS:
            for port in endpoint.servicePorts:
                add(endpoint.service, port)
    for part in parts:
        for module, (service, port) in INGRESS_SERVICES.items():
            if part.has(module) and (module != "client" or notebook_password):
                add(service, port)
    for first, last in driver_ranges:  # Spark executors elsewhere call the driver back
        add("fateflow-client", first, last)
    return {module: tuple(sorted(ports)) for module, ports in sorted(found.items())}


FATEFLOW_SERVICE = "fateflow-client"
"""fateflow's APIs: peers never reach them (they go through rollsite, osx or nginx), and
they are unauthenticated by default."""


def notebook_has_password(cfg: PartyConfig) -> bool:
    """The notebook runs code as the party: its port is opened beyond its namespace only
    when it has a password (``client.notebook_hashed_password``)."""
    return notebook_password(cfg) is not None


def party_entry_points(cfg: PartyConfig) -> EntryPoints:
    """A party's training cluster: its federation endpoints and Ingresses, and with
    Spark executors elsewhere, its driver's ports; fateflow's APIs only with
    ``networkPolicy.openFateflow`` (else see :func:`party_inner_points`)."""
    endpoints = federation_endpoints(cfg)
    if not cfg.networkPolicy.openFateflow:
        endpoints = {
            k: e for k, e in endpoints.items() if e is None or e.service != FATEFLOW_SERVICE
        }
    return _opened(
        endpoints,
        [cfg],
        cfg.rollsite_tls,
        cfg.spark_driver_ranges(),
        notebook_has_password(cfg),
    )


def party_inner_points(cfg: PartyConfig) -> EntryPoints:
    """The ports opened to the party's own namespaces and its ingress controller's only:
    fateflow's APIs, unless ``networkPolicy.openFateflow`` opens them to anyone."""
    if cfg.networkPolicy.openFateflow:
        return {}
    ports = {
        (port, port)
        for endpoint in fateflow_endpoints(cfg).values()
        for port in endpoint.servicePorts
    }
    return {SERVICE_PODS[FATEFLOW_SERVICE]: tuple(sorted(ports))} if ports else {}


def serving_entry_points(cfg: ServingConfig) -> EntryPoints:
    return _opened(serving_endpoints(cfg), [cfg])


def exchange_entry_points(cfg: ExchangeConfig) -> EntryPoints:
    """An exchange's gateways, and its serving exchange's (in the exchange's namespace)."""
    proxy = [cfg.serving_cluster] if cfg.serving_cluster is not None else []
    return _opened(exchange_endpoints(cfg), [cfg, *proxy], cfg.rollsite_tls)


def siblings(cfg: StackConfig, beside: Sequence[str] = ()) -> list[str]:
    """The party's other namespaces: ``beside`` (its serving cluster's, or its training
    cluster's), and those ``networkPolicy.allowFrom`` names (its clusters in separate
    stacks)."""
    found = list(cfg.networkPolicy.allowFrom)
    found.extend(beside)
    return list(dict.fromkeys(found))


DNS_NAMESPACE = "kube-system"
DNS_PODS = {"k8s-app": "kube-dns"}
"""Where a cluster's DNS answers: kube-dns's and CoreDNS's pods both carry this label."""
EGRESS_POLICY = "fate-egress"
"""The egress policy of every FATE pod; each gateway's is ``fate-egress-<module>``."""


def dns_egress_rule() -> dict[str, Any]:
    """To the cluster's DNS, port 53 (UDP and TCP)."""
    dns = {
        "namespaceSelector": {"matchLabels": {NAME_LABEL: DNS_NAMESPACE}},
        "podSelector": {"matchLabels": dict(DNS_PODS)},
    }
    return {
        "to": [dns],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }


def _egress_policies(
    cfg: StackConfig,
    fate_pods: dict[str, Any],
    party: list[dict[str, Any]],
    destinations: Destinations,
    metadata: Any,
) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = [{"to": party}, dns_egress_rule()]
    if cfg.networkPolicy.egressTo:
        rules.append({"to": [{"ipBlock": {"cidr": c}} for c in cfg.networkPolicy.egressTo]})
    policies = [
        {
            **metadata(EGRESS_POLICY),
            "spec": {"podSelector": fate_pods, "policyTypes": ["Egress"], "egress": rules},
        }
    ]
    for module, pairs in destinations.items():
        policies.append(
            {
                **metadata(f"{EGRESS_POLICY}-{module}"),
                "spec": {
                    "podSelector": {"matchLabels": {MODULE_LABEL: module}},
                    "policyTypes": ["Egress"],
                    "egress": egress_rules(pairs),
                },
            }
        )
    return policies


def routed_policy(name: str) -> bool:
    """Whether a policy's contents depend on the routes (a gateway's egress)."""
    return name.startswith(f"{EGRESS_POLICY}-")


def network_policies(
    cfg: StackConfig,
    entry_points: EntryPoints,
    siblings: Sequence[str],
    inner_points: EntryPoints | None = None,
    destinations: Destinations | None = None,
) -> list[dict[str, Any]]:
    """The NetworkPolicies of ``cfg``'s namespace, opening ``entry_points`` to anyone,
    ``inner_points`` to ``siblings`` and the ingress controller's namespaces
    (``networkPolicy.ingressNamespaces``), and the rest to ``siblings``; none when
    ``networkPolicy.enabled`` is off. With ``networkPolicy.egress``, its pods connect to
    ``siblings``, DNS and ``egressTo``, its gateways to their ``destinations`` too."""
    if not cfg.networkPolicy.enabled:
        return []
    namespace = cfg.k8s_namespace
    labels = {"app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "fate"}
    party: list[dict[str, Any]] = [{"podSelector": {}}]
    if siblings:
        party.append(
            {
                "namespaceSelector": {
                    "matchExpressions": [
                        {"key": NAME_LABEL, "operator": "In", "values": list(siblings)}
                    ]
                }
            }
        )
    # FATE's pods only: whatever else shares an adopted namespace keeps its own rules.
    fate_pods = {"matchExpressions": [{"key": MODULE_LABEL, "operator": "Exists"}]}
    policies: list[dict[str, Any]] = [
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "fate-same-party", "namespace": namespace, "labels": labels},
            "spec": {
                "podSelector": fate_pods,
                "policyTypes": ["Ingress"],
                "ingress": [{"from": party}],
            },
        }
    ]
    ingress_namespaces = list(cfg.networkPolicy.ingressNamespaces)
    for module, ranges in (inner_points or {}).items():
        ports = [{"protocol": "TCP", "port": first} for first, _ in ranges]
        sources = [*party]
        if ingress_namespaces:
            selector = {"key": NAME_LABEL, "operator": "In", "values": ingress_namespaces}
            sources.append({"namespaceSelector": {"matchExpressions": [selector]}})
        policies.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {
                    "name": f"fate-inner-{module}",
                    "namespace": namespace,
                    "labels": labels,
                },
                "spec": {
                    "podSelector": {"matchLabels": {MODULE_LABEL: module}},
                    "policyTypes": ["Ingress"],
                    "ingress": [{"from": sources, "ports": ports}],
                },
            }
        )
    for module, ranges in entry_points.items():
        ports = [
            {"protocol": "TCP", "port": first, **({"endPort": last} if last > first else {})}
            for first, last in ranges
        ]
        policies.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {
                    "name": f"fate-entry-{module}",
                    "namespace": namespace,
                    "labels": labels,
                },
                "spec": {
                    "podSelector": {"matchLabels": {MODULE_LABEL: module}},
                    "policyTypes": ["Ingress"],
                    "ingress": [{"ports": ports}],
                },
            }
        )
    if cfg.networkPolicy.egress:

        def metadata(name: str) -> dict[str, Any]:
            return {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
            }

        policies += _egress_policies(cfg, fate_pods, party, destinations or {}, metadata)
    return policies
