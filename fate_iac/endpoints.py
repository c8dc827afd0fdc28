"""What a party offers others, derived from its config: federation and service endpoints."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from fate_iac.config import PartyConfig
from fate_iac.federation import Endpoint as RecordEndpoint
from fate_iac.federation import FederationRecord

ROLLSITE_PORT = 9370
FATEFLOW_HTTP_PORT = 9380
FATEFLOW_GRPC_PORT = 9360
CHART_DEFAULT_HOSTS = {"fateboard": "fateboard.example.com", "client": "notebook.example.com"}


@dataclass(frozen=True)
class Endpoint:
    """``host`` is None when the config does not say where the party is reachable
    (set ``fate:publicHost``)."""

    host: str | None
    port: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _exposed_host(cfg: PartyConfig, service_type: str, lb_ip: str | None) -> str | None:
    if service_type == "LoadBalancer":
        return lb_ip or cfg.publicHost
    return cfg.publicHost


def rollsite_endpoint(cfg: PartyConfig) -> Endpoint | None:
    """Where peers and exchanges reach this party's rollsite; None without rollsite."""
    if not cfg.has("rollsite"):
        return None
    section = cfg.rollsite
    service_type = (section.type if section else None) or "ClusterIP"
    if service_type == "ClusterIP" or section is None:
        return Endpoint(f"rollsite.{cfg.k8s_namespace}.svc.cluster.local", ROLLSITE_PORT)
    host = _exposed_host(cfg, service_type, section.loadBalancerIP)
    if service_type == "NodePort" and section.nodePort is not None:
        return Endpoint(host, section.nodePort)
    return Endpoint(host, ROLLSITE_PORT)


def fateflow_endpoints(cfg: PartyConfig) -> dict[str, Endpoint]:
    """fateflow's HTTP and gRPC APIs, as the ``fateflow-client`` Service exposes them."""
    if not cfg.has("python"):
        return {}
    section = cfg.python
    service_type = (section.type if section else None) or "ClusterIP"
    if service_type == "ClusterIP" or section is None:
        host = f"fateflow-client.{cfg.k8s_namespace}.svc.cluster.local"
        return {
            "http": Endpoint(host, FATEFLOW_HTTP_PORT),
            "grpc": Endpoint(host, FATEFLOW_GRPC_PORT),
        }
    exposed = _exposed_host(cfg, service_type, section.loadBalancerIP)
    node_port = service_type == "NodePort"
    http = section.httpNodePort if node_port and section.httpNodePort else FATEFLOW_HTTP_PORT
    grpc = section.grpcNodePort if node_port and section.grpcNodePort else FATEFLOW_GRPC_PORT
    return {"http": Endpoint(exposed, http), "grpc": Endpoint(exposed, grpc)}


def ingress_hosts(cfg: PartyConfig, module: str) -> list[str]:
    """Host names of a module's ingress (fateboard, or client for the notebook)."""
    if not cfg.has(module):
        return []
    rule = getattr(cfg.ingress, module, None) if cfg.ingress else None
    if rule is None or not rule.hosts:
        return [CHART_DEFAULT_HOSTS[module]]
    return [host.name for host in rule.hosts]


def party_record(cfg: PartyConfig, stack: str) -> FederationRecord:
    """The ``federation`` output of a party stack."""
    endpoints: dict[str, RecordEndpoint] = {}
    rollsite = rollsite_endpoint(cfg)
    if rollsite is not None and rollsite.host:
        endpoints["rollsite"] = RecordEndpoint(host=rollsite.host, port=rollsite.port)
    for kind, endpoint in fateflow_endpoints(cfg).items():
        if endpoint.host:
            key = "fateflowHttp" if kind == "http" else "fateflowGrpc"
            endpoints[key] = RecordEndpoint(host=endpoint.host, port=endpoint.port)
    return FederationRecord(
        kind="party",
        stack=stack,
        partyId=cfg.partyId,
        protocols=["eggroll"],
        exchange=cfg.exchangeStack,
        endpoints=endpoints,
    )
