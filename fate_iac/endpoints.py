"""What a stack offers others, derived from its config: the ports its Services listen on,
where each is reached from outside its namespace, and its federation record.

One derivation serves every Service of every kind (:func:`service_endpoint`): a ClusterIP
Service is reached by its in-cluster DNS name, a NodePort Service at ``publicHost`` and
its NodePort, a LoadBalancer Service at its ``loadBalancerIP`` (else ``publicHost``) and
its port.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from fate_iac.config import ExchangeConfig, PartyConfig, ServingConfig, StackConfig
from fate_iac.federation import Endpoint as RecordEndpoint
from fate_iac.federation import FederationRecord, Protocol
from fate_iac.postrender import ROLLSITE_TLS_PORT

# Ports the charts' Services listen on.
ROLLSITE_PORT = 9370
FATEFLOW_HTTP_PORT = 9380
FATEFLOW_GRPC_PORT = 9360
NGINX_HTTP_PORT = 9300
NGINX_GRPC_PORT = 9310
PULSAR_PORT = 6650
PULSAR_TLS_PORT = 6651
PULSAR_ADMIN_PORTS = (8080, 8081)
RABBITMQ_PORT = 5672
DEFAULT_SNI_DOMAIN = "fate.org"
TRAFFIC_SERVER_PORT = 443
SERVING_PROXY_PORT = 8869
SERVING_SERVER_PORT = 8000
SERVING_ZOOKEEPER_PORT = 2181
ROLLSITE_TLS_SERVICE = "rollsite-tls"
"""The Service this project adds for it: the charts' rollsite Service omits it."""
TLS_ENDPOINT = "rollsiteTLS"
"""The record's name for rollsite's TLS listener (with ``rollsite.enableTLS``)."""
CHART_DEFAULT_HOSTS = {
    "fateboard": "fateboard.example.com",
    "client": "notebook.example.com",
    "spark": "spark.example.com",
}


@dataclass(frozen=True)
class Endpoint:
    """``host`` is None when the config does not say where the Service is reachable
    (set ``fate:publicHost``). A Pulsar broker adds its TLS port and SNI domain."""

    host: str | None
    port: int
    tlsPort: int | None = None
    domain: str | None = None
    service: str | None = field(default=None, compare=False)
    """The Service behind it, in the stack's namespace (what a NetworkPolicy opens)."""
    servicePorts: tuple[int, ...] = field(default=(), compare=False)
    """The Service's ports it stands for (the charts' pods listen on the same)."""

    def as_dict(self) -> dict[str, Any]:
        inner = ("service", "servicePorts")
        return {
            k: v
            for k, v in asdict(self).items()
            if k not in inner and (v is not None or k == "host")
        }


def service_endpoint(
    cfg: StackConfig,
    service: str,
    service_type: str | None,
    port: int,
    node_port: int | None = None,
    load_balancer_ip: str | None = None,
) -> Endpoint:
    """Where a Service of ``cfg``'s namespace is reached from outside it."""
    kind = service_type or "ClusterIP"
    host: str | None
    if kind == "ClusterIP":
        host, reached = f"{service}.{cfg.k8s_namespace}.svc.cluster.local", port
    elif kind == "LoadBalancer":
        host, reached = load_balancer_ip or cfg.publicHost, port
    else:
        host, reached = cfg.publicHost, node_port or port
    return Endpoint(host, reached, service=service, servicePorts=(port,))


def rollsite_endpoint(cfg: PartyConfig | ExchangeConfig) -> Endpoint | None:
    """Where peers and exchanges reach a rollsite (on FATE 2.0, osx: the same port); None
    without one."""
    gateway = cfg.gateway
    if not cfg.has(gateway):
        return None
    section = getattr(cfg, gateway)
    return service_endpoint(
        cfg,
        gateway,
        section.type if section else None,
        ROLLSITE_PORT,
        section.nodePort if section else None,
        getattr(section, "loadBalancerIP", None),
    )


def rollsite_tls_endpoint(cfg: PartyConfig | ExchangeConfig) -> Endpoint | None:
    """Where peers reach rollsite's TLS listener (Service ``rollsite-tls``, rollsite's
    type, ``tls.nodePort``); None without ``rollsite.enableTLS``."""
    if not cfg.rollsite_tls:
        return None
    kind = cfg.rollsite.type if cfg.rollsite else None
    return service_endpoint(
        cfg, ROLLSITE_TLS_SERVICE, kind, ROLLSITE_TLS_PORT, cfg.tls.nodePort, cfg.tls.loadBalancerIP
    )


def fateflow_endpoints(cfg: PartyConfig) -> dict[str, Endpoint]:
    """fateflow's HTTP and gRPC APIs, as the ``fateflow-client`` Service exposes them."""
    if not cfg.has("python"):
        return {}
    section = cfg.python
    service_type = section.type if section else None
    lb_ip = section.loadBalancerIP if section else None
    return {
        "http": service_endpoint(
            cfg,
            "fateflow-client",
            service_type,
            FATEFLOW_HTTP_PORT,
            section.httpNodePort if section else None,
            lb_ip,
        ),
        "grpc": service_endpoint(
            cfg,
            "fateflow-client",
            service_type,
            FATEFLOW_GRPC_PORT,
            section.grpcNodePort if section else None,
            lb_ip,
        ),
    }


def ingress_hosts(cfg: PartyConfig, module: str) -> list[str]:
    """Host names of a module's ingress (fateboard, or client for the notebook)."""
    if not cfg.has(module):
        return []
    rule = getattr(cfg.ingress, module, None) if cfg.ingress else None
    if rule is None or not rule.hosts:
        return [CHART_DEFAULT_HOSTS[module]]
    return [host.name for host in rule.hosts]


def _published(endpoints: Mapping[str, Endpoint | None]) -> dict[str, RecordEndpoint]:
    """The endpoints that have a host: the others cannot be told to anyone."""
    return {
        name: RecordEndpoint(host=e.host, port=e.port, tlsPort=e.tlsPort, domain=e.domain)
        for name, e in endpoints.items()
        if e is not None and e.host
    }


def nginx_endpoints(cfg: PartyConfig | ExchangeConfig) -> dict[str, Endpoint]:
    """A Spark party's or exchange's nginx: ``nginxHttp`` and ``nginxGrpc``."""
    if not cfg.has("nginx"):
        return {}
    nginx = cfg.nginx
    lb_ip = getattr(nginx, "loadBalancerIP", None)
    return {
        name: service_endpoint(
            cfg, "nginx", nginx.type if nginx else None, port, getattr(nginx, key, None), lb_ip
        )
        for name, port, key in (
            ("nginxHttp", NGINX_HTTP_PORT, "httpNodePort"),
            ("nginxGrpc", NGINX_GRPC_PORT, "grpcNodePort"),
        )
    }


def sni_domain(cfg: PartyConfig) -> str:
    """The domain an exchange's trafficServer knows this party's Pulsar by
    (``<partyId>.<domain>``)."""
    exchange = cfg.pulsar.exchange if cfg.pulsar else None
    return (exchange.domain if exchange else None) or DEFAULT_SNI_DOMAIN


BROKER_SELF_ROUTES: dict[str, dict[str, Any]] = {
    "pulsar": {"host": "pulsar", "port": PULSAR_PORT, "sslPort": PULSAR_TLS_PORT},
    "rabbitmq": {"host": "rabbitmq", "port": RABBITMQ_PORT},
}
"""A party's route to its own broker's Service, as KubeFATE's examples write it."""


def broker_endpoints(cfg: PartyConfig) -> dict[str, Endpoint]:
    """Where peers reach a Spark party's own broker, by its name (``cfg.broker``:
    ``pulsar`` or ``rabbitmq``); empty without the broker's module."""
    broker = cfg.broker
    if broker is None or not cfg.has(broker):
        return {}
    if broker == "pulsar":
        pulsar = cfg.pulsar
        kind = pulsar.type if pulsar else None
        lb_ip = pulsar.loadBalancerIP if pulsar else None
        plain = service_endpoint(
            cfg, "pulsar", kind, PULSAR_PORT, pulsar.httpNodePort if pulsar else None, lb_ip
        )
        tls = service_endpoint(
            cfg, "pulsar", kind, PULSAR_TLS_PORT, pulsar.httpsNodePort if pulsar else None, lb_ip
        )
        # The Service's admin ports (8080, 8081) come with it: the chart exposes them too.
        # Its TLS port listens only behind an exchange: in P2P nothing answers there, so
        # nothing opens it.
        tls_port = (PULSAR_TLS_PORT,) if cfg.pulsar_via_exchange else ()
        return {
            broker: Endpoint(
                plain.host,
                plain.port,
                tls.port,
                sni_domain(cfg),
                "pulsar",
                (PULSAR_PORT, *tls_port, *PULSAR_ADMIN_PORTS),
            )
        }
    mq = cfg.rabbitmq
    return {
        broker: service_endpoint(
            cfg,
            "rabbitmq",
            mq.type if mq else None,
            RABBITMQ_PORT,
            mq.nodePort if mq else None,
            mq.loadBalancerIP if mq else None,
        )
    }


def federation_endpoints(cfg: PartyConfig) -> dict[str, Endpoint]:
    """What a party's peers and exchange reach: its rollsite (eggroll), or its nginx and
    broker (Spark); and fateflow."""
    fateflow = fateflow_endpoints(cfg)
    found: dict[str, Endpoint] = {}
    rollsite = rollsite_endpoint(cfg)
    if rollsite is not None:
        found[cfg.gateway] = rollsite
    secure = rollsite_tls_endpoint(cfg)
    if secure is not None:
        found[TLS_ENDPOINT] = secure
    found.update(nginx_endpoints(cfg))
    found.update(broker_endpoints(cfg))
    found.update({f"fateflow{k.title()}": e for k, e in fateflow.items()})
    return found


def serving_endpoints(cfg: ServingConfig) -> dict[str, Endpoint]:
    """A serving cluster's proxy (its federation gateway) and server (what a training
    cluster's fateflow reaches), where each is reached from outside its namespace."""
    found: dict[str, Endpoint] = {}
    services = (
        ("servingProxy", "serving-proxy", SERVING_PROXY_PORT),
        ("servingServer", "serving-server", SERVING_SERVER_PORT),
    )
    for module, service, port in services:
        if cfg.has(module):
            kind, node_port, lb_ip = cfg.service(module)
            found[module] = service_endpoint(cfg, service, kind, port, node_port, lb_ip)
    return found


def party_record(cfg: PartyConfig, stack: str, protocol: Protocol) -> FederationRecord:
    """The ``federation`` output of a party stack: with a serving cluster beside its
    training cluster, its serving proxy too."""
    protocols: list[Protocol] = [protocol]
    endpoints = dict(federation_endpoints(cfg))
    serving = cfg.servingCluster
    if serving is not None and serving.has("servingProxy"):
        protocols.append("serving")
        endpoints["servingProxy"] = serving_endpoints(serving)["servingProxy"]
    return FederationRecord(
        kind="party",
        stack=stack,
        partyId=cfg.partyId,
        fateVersion=cfg.fate_version,
        protocols=protocols,
        exchange=cfg.exchange_stack,  # a stack name; a static exchange is no stack here
        endpoints=_published(endpoints),
    )


def serving_record(cfg: ServingConfig, stack: str) -> FederationRecord:
    """The ``federation`` output of a stack that runs a serving cluster alone."""
    proxy = serving_endpoints(cfg).get("servingProxy")
    return FederationRecord(
        kind="party",
        stack=stack,
        partyId=cfg.partyId,
        protocols=["serving"],
        exchange=cfg.exchange_stack,  # a stack name; a static exchange is no stack here
        endpoints=_published({"servingProxy": proxy}),
    )


def exchange_endpoints(cfg: ExchangeConfig) -> dict[str, Endpoint | None]:
    """Where parties reach each Service of an exchange."""
    found: dict[str, Endpoint | None] = {
        "rollsite": rollsite_endpoint(cfg),
        TLS_ENDPOINT: rollsite_tls_endpoint(cfg),
    }
    ts = cfg.trafficServer
    if cfg.has("trafficServer"):
        found["trafficServer"] = service_endpoint(
            cfg,
            "traffic-server",
            ts.type if ts else None,
            TRAFFIC_SERVER_PORT,
            ts.nodePort if ts else None,
        )
    found.update(nginx_endpoints(cfg))
    serving = cfg.serving_cluster
    if serving is not None:
        found.update(serving_endpoints(serving))
    return found


def exchange_record(cfg: ExchangeConfig, stack: str, members: list[int]) -> FederationRecord:
    """The ``federation`` output of an exchange stack."""
    protocols: list[Protocol] = []
    if cfg.servingProxy is not None:
        protocols.append("serving")
    if cfg.has("rollsite"):
        protocols.append("eggroll")
    if cfg.has("trafficServer"):
        protocols.append("spark-pulsar")
    return FederationRecord(
        kind="exchange",
        stack=stack,
        partyId=cfg.partyId,
        protocols=protocols,
        members=members,
        endpoints=_published(exchange_endpoints(cfg)),
    )
