"""The exchange stack: typed config, rules and values for the ``fate-exchange`` chart.

Two modes, as in KubeFATE: ``rollsite`` routes for eggroll parties; ``trafficServer``
plus ``nginx`` route for FATE-on-Spark parties federating through Pulsar (SNI routes by
party domain) and their fateflow/proxy traffic. Members are named by stack (their
``federation`` outputs give the addresses) or given as static records.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

from pydantic import Field

from fate_iac.config import (
    DEFAULT_FATE_CHART_VERSION,
    SUPPORTED_FATE_CHART_VERSIONS,
    UPSTREAM_CHART_REPO,
    ChartVersion,
    ImagePullSecret,
    NamespaceName,
    PartyId,
    Placement,
    Port,
    ReleaseName,
    ReleaseOptions,
    Section,
    ServiceType,
    Toggle,
)
from fate_iac.federation import Endpoint, FederationRecord, Protocol
from fate_iac.gotemplate import Values, default, placement, plain, present, with_
from fate_iac.gotemplate import image as template_image
from fate_iac.problems import Problem
from fate_iac.values import merge_values

ExchangeModule = Literal["rollsite", "trafficServer", "nginx"]


class ExchangePartyEntry(Section):
    partyId: PartyId = Field(description="A member party's id.")
    partyIp: str = Field(description="Address of the member's rollsite.")
    partyPort: Port = Field(description="Port of the member's rollsite.")


class ExchangeRollsite(Placement):
    type: ServiceType | None = Field(None, description="Service type.")
    nodePort: Port | None = Field(None, description="NodePort parties reach the exchange on.")
    enableTLS: bool | None = Field(None, description="TLS between rollsites. Default: false.")
    partyList: list[ExchangePartyEntry] | None = Field(
        None, description="Static member routes (KubeFATE's way; see members)."
    )


class SniRoute(Section):
    fqdn: str = Field(description="<partyId>.<domain> of a member's pulsar.")
    tunnelRoute: str = Field(description="host:port of that member's pulsar TLS port.")


class SniTable(Section):
    sni: list[SniRoute] = Field(default_factory=list, description="SNI routes.")


class TrafficServer(Placement):
    type: ServiceType | None = Field(None, description="Service type.")
    replicas: int | None = Field(None, ge=1, description="Replicas.")
    nodePort: Port | None = Field(None, description="NodePort of the traffic server.")
    route_table: SniTable | None = Field(None, description="Static SNI routes.")


class Nginx(Placement):
    type: ServiceType | None = Field(None, description="Service type.")
    replicas: int | None = Field(None, ge=1, description="Replicas.")
    httpNodePort: Port | None = Field(None, description="NodePort of nginx's HTTP port.")
    grpcNodePort: Port | None = Field(None, description="NodePort of nginx's gRPC port.")
    route_table: dict[int, dict[str, Any]] | None = Field(
        None, description="Static routes: party id -> {proxy, fateflow}."
    )


SERVING_CHART_VERSIONS = ("v2.1.5", "v2.1.6")
"""Versions of the ``fate-serving`` chart the serving exchange is rendered for."""


class ServingProxy(Placement):
    """The serving exchange: the ``fate-serving`` chart with only servingProxy, routing
    FATE-Serving traffic between parties' serving proxies."""

    chartVersion: Literal["v2.1.5", "v2.1.6"] = Field(
        "v2.1.6", description="fate-serving chart version. Default: v2.1.6."
    )
    type: ServiceType | None = Field(None, description="Service type.")
    nodePort: Port | None = Field(None, description="NodePort parties' proxies reach it on.")
    loadBalancerIP: str | None = Field(None, description="loadBalancerIP of the Service.")
    partyList: list[ExchangePartyEntry] | None = Field(
        None, description="Static routes to parties' serving proxies."
    )


class ExchangeConfig(Section):
    """An exchange: the ``fate:`` config of an exchange stack (chartName fate-exchange)."""

    partyId: PartyId = Field(1, description="The exchange's own id. Default: 1.")
    name: ReleaseName = Field("fate-exchange", description="Release name. Default: fate-exchange.")
    namespace: NamespaceName = Field(
        "fate-exchange", description="Namespace. Default: fate-exchange."
    )
    chartName: Literal["fate-exchange"] = Field(description="fate-exchange. Required.")
    chartVersion: ChartVersion = Field(
        DEFAULT_FATE_CHART_VERSION,
        description=f"One of {', '.join(SUPPORTED_FATE_CHART_VERSIONS)}.",
    )
    registry: str | None = Field(None, description="Image registry. Default: federatedai.")
    pullPolicy: Literal["Always", "IfNotPresent", "Never"] | None = Field(None)
    imagePullSecrets: list[ImagePullSecret] | None = Field(None)
    podSecurityPolicy: Toggle | None = Field(None)
    persistence: bool | None = Field(None, description="Accepted for KubeFATE files; unused.")
    istio: Toggle | None = Field(None, description="Accepted for KubeFATE files; unused.")
    modules: list[ExchangeModule] = Field(
        ["rollsite"], description="rollsite (eggroll), or trafficServer and nginx (Spark)."
    )
    rollsite: ExchangeRollsite | None = Field(None)
    trafficServer: TrafficServer | None = Field(None)
    nginx: Nginx | None = Field(None)
    servingProxy: ServingProxy | None = Field(
        None, description="(Pulumi) Also deploy the serving exchange (fate-serving chart)."
    )
    members: list[str | FederationRecord] = Field(
        default_factory=list,
        description="(Pulumi) Member parties: stack names, or static federation records.",
    )
    publicHost: str | None = Field(None, description="(Pulumi) Where parties reach it.")
    nodePortRange: str = Field("30000-32767", pattern=r"^[0-9]+-[0-9]+$")
    createNamespace: bool = Field(True, description="(Pulumi) Create and own the namespace.")
    chartRepo: str | None = Field(None, description=f"(Pulumi) Default: {UPSTREAM_CHART_REPO}.")
    release: ReleaseOptions = Field(default_factory=ReleaseOptions)
    helmValues: dict[str, Any] | None = Field(None, description="(Pulumi) Raw values.")

    @property
    def release_name(self) -> str:
        return self.name

    @property
    def k8s_namespace(self) -> str:
        return self.namespace

    def has(self, module: str) -> bool:
        return module in self.modules

    @property
    def serving_release_name(self) -> str:
        return f"{self.name}-serving"

    @property
    def member_stacks(self) -> list[str]:
        return [m for m in self.members if isinstance(m, str)]

    @property
    def static_members(self) -> list[FederationRecord]:
        return [m for m in self.members if isinstance(m, FederationRecord)]


def node_ports(cfg: ExchangeConfig) -> Iterator[tuple[tuple[str | int, ...], int, bool]]:
    """Every NodePort in the config: (key path, port, whether its Service uses it)."""
    exposed = ("NodePort", "LoadBalancer")
    if cfg.rollsite and cfg.rollsite.nodePort:
        yield ("rollsite", "nodePort"), cfg.rollsite.nodePort, cfg.rollsite.type in exposed
    if cfg.trafficServer and cfg.trafficServer.nodePort:
        ts = cfg.trafficServer
        yield ("trafficServer", "nodePort"), ts.nodePort, ts.type in exposed  # type: ignore[misc]
    if cfg.nginx:
        for key in ("httpNodePort", "grpcNodePort"):
            port = getattr(cfg.nginx, key)
            if port:
                yield ("nginx", key), port, cfg.nginx.type in exposed


def check(cfg: ExchangeConfig) -> list[Problem]:
    """Every rule an exchange config breaks."""
    problems = []
    spark = cfg.has("trafficServer") or cfg.has("nginx")
    if spark and not (cfg.has("trafficServer") and cfg.has("nginx")):
        problems.append(Problem(("modules",), "modules", "trafficServer and nginx go together"))
    if not (spark or cfg.has("rollsite")):
        problems.append(
            Problem(("modules",), "modules", "an exchange needs rollsite, or trafficServer "
                    "and nginx")
        )  # fmt: skip
    low, high = (int(p) for p in cfg.nodePortRange.split("-"))
    seen: dict[int, tuple[str | int, ...]] = {}
    for path, port, used in node_ports(cfg):
        if not low <= port <= high:
            message = f"NodePort {port} is outside the cluster's range {cfg.nodePortRange}"
            problems.append(Problem(path, "nodeport-range", message))
        if used and port in seen:
            first = ".".join(str(p) for p in seen[port])
            message = f"NodePort {port} is already used by {first}"
            problems.append(Problem(path, "nodeport-unique", message))
        elif used:
            seen[port] = path
    rollsite = cfg.rollsite
    if cfg.has("rollsite") and rollsite and rollsite.type == "NodePort" and not rollsite.nodePort:
        message = "rollsite.type is NodePort: set the nodePort parties use"
        problems.append(Problem(("rollsite", "nodePort"), "nodeport-required", message))
    ids: set[int] = set()
    for index, entry in enumerate((rollsite.partyList or []) if rollsite else []):
        if entry.partyId in ids:
            message = f"party {entry.partyId} is listed twice"
            problems.append(
                Problem(("rollsite", "partyList", index, "partyId"), "party-list", message)
            )
        ids.add(entry.partyId)
    names = [m if isinstance(m, str) else f"party {m.partyId}" for m in cfg.members]
    for index, name in enumerate(names):
        if name in names[:index]:
            problems.append(Problem(("members", index), "members", f"{name} is listed twice"))
    return problems


def nginx_route_table(table: Mapping[int, Any]) -> Values:
    """nginx routes keyed by party id as text: the chart prints the keys as they are,
    and Pulumi carries values as protobuf Structs, whose keys must be strings."""
    return {str(party_id): routes for party_id, routes in table.items()}


def render_exchange_values(cfg: ExchangeConfig) -> Values:
    """Values for the fate-exchange chart, as its values-template computes them."""
    image = template_image(cfg.registry, cfg.pullPolicy, cfg.imagePullSecrets)
    values: Values = {"partyId": cfg.partyId, "partyName": cfg.name, "image": image}
    values["exchange"] = None
    if present(cfg.podSecurityPolicy):
        values["podSecurityPolicy"] = {"enabled": cfg.podSecurityPolicy.enabled}
    rollsite = cfg.rollsite if present(cfg.rollsite) else None
    party_list = plain(rollsite.partyList) if rollsite and rollsite.partyList else []
    values["partyList"] = party_list

    modules: Values = {m: {"include": cfg.has(m)} for m in ("rollsite", "nginx", "trafficServer")}
    if rollsite is not None:
        target = modules["rollsite"]
        placement(target, rollsite)
        target.update(
            type=rollsite.type,
            enableTLS=default(rollsite.enableTLS, False),
            nodePort=rollsite.nodePort,
            partyList=party_list,
        )
    if present(cfg.nginx):
        target = modules["nginx"]
        placement(target, cfg.nginx)
        target.update(
            type=cfg.nginx.type,
            replicas=cfg.nginx.replicas,
            httpNodePort=cfg.nginx.httpNodePort,
            grpcNodePort=cfg.nginx.grpcNodePort,
            route_table=nginx_route_table(cfg.nginx.route_table or {}),
        )
    if present(cfg.trafficServer):
        target = modules["trafficServer"]
        ts = cfg.trafficServer
        placement(target, ts)
        sni = ts.route_table.sni if ts.route_table else []
        target.update(
            type=ts.type,
            replicas=ts.replicas,
            nodePort=ts.nodePort,
            route_table={"sni": plain(sni)},
        )
    values["modules"] = modules
    if cfg.helmValues:
        values = merge_values(values, cfg.helmValues)
    return values


def render_serving_values(cfg: ExchangeConfig) -> Values:
    """Values for the fate-serving chart with servingProxy alone, as its values-template
    computes them for a serving-exchange cluster.yaml."""
    proxy = cfg.servingProxy
    assert proxy is not None
    image = template_image(cfg.registry, cfg.pullPolicy, cfg.imagePullSecrets)
    values: Values = {
        "partyId": cfg.partyId,
        "partyName": cfg.serving_release_name,
        "image": image,
        "persistence": {"enabled": False},
    }
    if present(cfg.podSecurityPolicy):
        values["podSecurityPolicy"] = {"enabled": cfg.podSecurityPolicy.enabled}
    values["ingressClassName"] = "nginx"
    serving: Values = {
        "include": True,
        "ip": "serving-proxy",
        "type": proxy.type,
        "nodePort": proxy.nodePort,
        "loadBalancerIP": proxy.loadBalancerIP,
    }
    with_(serving, "partyList", proxy.partyList)
    placement(serving, proxy)
    values["servingProxy"] = serving
    for module in ("servingRedis", "servingServer", "servingZookeeper", "servingAdmin"):
        values[module] = {"include": False}
    values.update(externalRedisIp=None, externalRedisPort=None, externalRedisPassword=None)
    return values


def exchange_record(cfg: ExchangeConfig, stack: str, members: list[int]) -> FederationRecord:
    """The ``federation`` output of an exchange stack."""
    endpoints: dict[str, Endpoint] = {}
    rollsite = cfg.rollsite
    if cfg.has("rollsite") and rollsite is not None:
        service_type = rollsite.type or "ClusterIP"
        if service_type == "NodePort" and rollsite.nodePort and cfg.publicHost:
            endpoints["rollsite"] = Endpoint(host=cfg.publicHost, port=rollsite.nodePort)
        elif service_type == "ClusterIP":
            host = f"rollsite.{cfg.namespace}.svc.cluster.local"
            endpoints["rollsite"] = Endpoint(host=host, port=9370)
        elif cfg.publicHost:
            endpoints["rollsite"] = Endpoint(host=cfg.publicHost, port=9370)
    ts = cfg.trafficServer
    if cfg.has("trafficServer") and ts and ts.nodePort and cfg.publicHost:
        endpoints["trafficServer"] = Endpoint(host=cfg.publicHost, port=ts.nodePort)
    if cfg.has("nginx") and cfg.nginx and cfg.publicHost:
        for key, port in (("nginxHttp", cfg.nginx.httpNodePort),
                          ("nginxGrpc", cfg.nginx.grpcNodePort)):  # fmt: skip
            if port:
                endpoints[key] = Endpoint(host=cfg.publicHost, port=port)
    proxy = cfg.servingProxy
    if proxy is not None and proxy.nodePort and cfg.publicHost:
        endpoints["servingProxy"] = Endpoint(host=cfg.publicHost, port=proxy.nodePort)
    protocols: list[Protocol] = []
    if proxy is not None:
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
        endpoints=endpoints,
    )
