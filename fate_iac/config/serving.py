"""The ``fate-serving`` chart: a party's serving cluster, its keys under ``fate-serving:``,
alone in a stack or beside the party's training cluster.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal, cast

from pydantic import Field, PrivateAttr

from fate_iac.catalogue import DEFAULT_SERVING_CHART, SERVING_CHART_VERSIONS
from fate_iac.config.fields import (
    IngressRule,
    Placement,
    Section,
    Storage,
)
from fate_iac.config.stack import NodePortClaim, Peered, Reference, StackConfig
from fate_iac.federation import Protocol
from fate_iac.typed import (
    Credential,
    Host,
    IngressHostName,
    IPAddress,
    JavaClass,
    KubeName,
    NamespaceName,
    OciTag,
    PartyId,
    Port,
    ReleaseName,
    ServiceType,
    SubPath,
    Url,
    UrlHost,
    UserName,
)

ServingModule = Literal[
    "servingProxy", "servingRedis", "servingServer", "servingZookeeper", "servingAdmin"
]
SERVING_MODULES: tuple[ServingModule, ...] = (
    "servingProxy",
    "servingRedis",
    "servingServer",
    "servingZookeeper",
    "servingAdmin",
)
ServingChartVersion = Literal["v2.0.4", "v2.1.5", "v2.1.6"]
"""The catalogue's fate-serving versions, spelled out for the schema (a test keeps the
two the same)."""
DEFAULT_SERVING_CHART_VERSION = cast(ServingChartVersion, str(DEFAULT_SERVING_CHART))
SERVING_INHERITED = (
    "partyId",
    "publicHost",
    "chartRepo",
    "nodePortRange",
    "federationReads",
    "peers",
    "exchangeStack",
    "networkPolicy",
)
"""Keys a party's serving cluster takes from its training cluster (``fate:<key>``) unless
``fate-serving:<key>`` sets them."""


class ServingRoute(Section):
    partyId: PartyId = Field(description="Id of the peer party.")
    partyIp: Host = Field(description="Address of the peer's serving proxy.")
    partyPort: Port = Field(description="Port of the peer's serving proxy (8869, or its NodePort).")


class ServingExchangeAddress(Section):
    ip: Host = Field(description="Address of the serving exchange's proxy.")
    port: Port = Field(description="Port of the serving exchange's proxy.")


class ServingProxyService(Placement):
    """A serving proxy's Service and static routes (a party's, or an exchange's)."""

    type: ServiceType | None = Field(
        None,
        description="Service type. Default: ClusterIP (without the section, the "
        "chart's NodePort 30109).",
    )
    nodePort: Port | None = Field(None, description="NodePort of the proxy's port 8869.")
    loadBalancerIP: IPAddress | None = Field(
        None, description="loadBalancerIP of the Service (chart v2.1.5 and later)."
    )
    partyList: list[ServingRoute] | None = Field(
        None, description="Static routes to peers' serving proxies (KubeFATE's way; see peers)."
    )


class ServingProxy(ServingProxyService):
    """A party's serving proxy: its federation gateway for FATE-Serving."""

    ingressHost: IngressHostName | None = Field(
        None,
        description="Ingress host (chart v2.0.4 only). Default: "
        "<partyId>.serving-proxy.kubefate.net.",
    )
    exchange: ServingExchangeAddress | None = Field(
        None,
        description="The serving exchange (KubeFATE's way; see exchangeStack). Default: "
        "none: parties not in partyList are not routed.",
    )


class ServingFateflow(Section):
    ip: UrlHost = Field(description="Address of the training cluster's fateflow.")
    port: Port = Field(description="Port of fateflow's HTTP API (9380, or its NodePort).")


class ServingRedis(Placement, Storage):
    password: Credential | None = Field(
        None,
        description="Secret. Redis password. Default: fate_dev, refused unless "
        "allowDefaultCredentials.",
    )
    subPath: SubPath | None = Field(None, description="Sub-path in the volume.")


class ServingServer(Placement, Storage):
    type: ServiceType | None = Field(
        None,
        description="Service type. Default: ClusterIP (without the section, the "
        "chart's NodePort 30209).",
    )
    nodePort: Port | None = Field(None, description="NodePort of the server's port 8000.")
    loadBalancerIP: IPAddress | None = Field(
        None, description="loadBalancerIP of the Service (chart v2.1.5 and later)."
    )
    fateflow: ServingFateflow | None = Field(
        None,
        description="fateflow, where models are loaded from. Default: the training "
        "cluster of the same stack (its fateflow Service); required otherwise.",
    )
    cacheSwitch: bool | None = Field(
        None,
        description="Cache inference results (chart v2.1.5 and later). Default: false.",
    )
    cacheType: Literal["local", "redis"] | None = Field(
        None, description="Cache type (chart v2.1.5 and later). Default: local."
    )
    singleAdaptor: JavaClass | None = Field(
        None,
        description="Feature adaptor class for single inference (chart v2.1.5 and "
        "later). Default: the chart's MockAdapter.",
    )
    batchAdaptor: JavaClass | None = Field(
        None,
        description="Feature adaptor class for batch inference (chart v2.1.5 and "
        "later). Default: the chart's MockBatchAdapter.",
    )
    AdapterURL: Url | None = Field(
        None,
        description="URL the HTTP adaptor fetches features from (chart v2.1.5 and "
        "later). Default: http://127.0.0.1:9380/v1/http/adapter/getFeature.",
    )
    subPath: SubPath | None = Field(None, description="Sub-path in the volume.")


class ServingZookeeper(Placement, Storage):
    subPath: SubPath | None = Field(None, description="Sub-path in the volume.")
    storageClassName: KubeName | None = Field(
        None,
        description="Written by KubeFATE's template; no chart reads it. Default: "
        "managed-nfs-storage.",
    )


class ServingAdmin(Placement):
    ingressHost: IngressHostName | None = Field(
        None,
        description="Ingress host (chart v2.0.4; later charts use ingress.servingAdmin). "
        "Default: <partyId>.serving-admin.kubefate.net (v2.0.4), .example.com after.",
    )
    username: UserName | None = Field(None, description="Login of the admin UI. Default: admin.")
    password: Credential | None = Field(
        None,
        description="Secret. Password of the admin UI. Default: admin, refused unless "
        "allowDefaultCredentials.",
    )


class ServingIngresses(Section):
    servingProxy: IngressRule | None = Field(None, description="Ingress of the serving proxy.")
    servingAdmin: IngressRule | None = Field(None, description="Ingress of the admin UI.")


class ServingConfig(Peered, StackConfig):
    """A party's serving cluster: the ``fate-serving`` chart (``FateServing``), its keys
    under ``fate-serving:``, alone in a stack or beside the party's training cluster."""

    @property
    def kind(self) -> str:
        return "serving"

    partyId: PartyId = Field(
        description="This party's id. Required alone; beside a training cluster, its fate:partyId."
    )
    name: ReleaseName | None = Field(
        None, description="Helm release (cluster) name. Default: fate-serving-<partyId>."
    )
    namespace: NamespaceName | None = Field(
        None, description="Kubernetes namespace. Default: fate-serving-<partyId>."
    )
    chartName: Literal["fate-serving"] = Field(
        "fate-serving", description="Chart to install. Default: fate-serving."
    )
    _training_namespace: str | None = PrivateAttr(default=None)

    @property
    def training_namespace(self) -> str | None:
        """The namespace of the party's training cluster beside it (set by
        :func:`fate_iac.serving.link`); None alone in its stack."""
        return self._training_namespace

    chartVersion: ServingChartVersion = Field(
        DEFAULT_SERVING_CHART_VERSION,
        description=f"fate-serving chart version, one of {', '.join(SERVING_CHART_VERSIONS)}. "
        f"Default: {DEFAULT_SERVING_CHART_VERSION}.",
    )
    imageTag: OciTag | None = Field(
        None, description="Image tag of FATE-Serving's images. Default: <version>-release."
    )
    persistence: bool = Field(False, description="Keep data in PVCs. Default: false.")
    ingressClassName: KubeName | None = Field(
        None, description="Default: nginx (chart v2.1.5 and later)."
    )
    ingress: ServingIngresses | None = Field(
        None,
        description="Ingress hosts of the serving proxy and admin UI (chart v2.1.5 and later).",
    )
    modules: list[ServingModule] = Field(
        list(SERVING_MODULES),
        description="Modules to deploy. Default: all of " + ", ".join(SERVING_MODULES) + ".",
    )
    servingProxy: ServingProxy | None = Field(None, description="The serving proxy.")
    servingRedis: ServingRedis | None = Field(None, description="The serving cache (Redis).")
    servingServer: ServingServer | None = Field(None, description="The serving server.")
    servingZookeeper: ServingZookeeper | None = Field(None, description="The registry.")
    servingAdmin: ServingAdmin | None = Field(None, description="The admin UI.")
    externalRedisIp: Host | None = Field(
        None, description="Use this Redis instead of servingRedis."
    )
    externalRedisPort: Port | None = Field(None, description="Port of the external Redis.")
    externalRedisPassword: Credential | None = Field(
        None, description="Secret. Password of the external Redis."
    )
    # --- keys this project adds -------------------------------------------------------
    peers: list[Reference] = Field(
        default_factory=list,
        description="(Pulumi) Parties whose serving proxies this one reaches directly: stack "
        "names, or static federation records with a servingProxy endpoint. Added to "
        "servingProxy.partyList. Default beside a training cluster: fate:peers.",
    )
    exchangeStack: Reference | None = Field(
        None,
        description="(Pulumi) The exchange (stack name or static record) whose serving "
        "proxy routes for this one, in "
        "place of servingProxy.exchange. Default beside a training cluster: "
        "fate:exchangeStack.",
    )
    allowDefaultCredentials: bool = Field(
        False,
        description="(Pulumi) Accept the chart's well-known credentials (Redis fate_dev, "
        "admin admin/admin). Default: false.",
    )

    @classmethod
    def default_name(cls, party_id: Any) -> str | None:
        text = str(party_id)
        return f"fate-serving-{text}" if text.isdigit() and int(text) > 0 else None

    def has(self, module: str) -> bool:
        return module in self.modules

    @property
    def uses_external_redis(self) -> bool:
        return self.externalRedisIp is not None

    @property
    def protocol(self) -> Protocol:
        """What it speaks to its peers and exchange."""
        return "serving"

    @property
    def referenced_stacks(self) -> list[str]:
        return self.own_references

    def service(self, module: str) -> tuple[str | None, int | None, str | None]:
        """The type, NodePort and loadBalancerIP of a module's Service (servingProxy or
        servingServer): the chart's NodePort defaults when its section is left out."""
        section = getattr(self, module)
        if section is None:
            return "NodePort", SERVING_CHART_NODE_PORTS[module], None
        return section.type or "ClusterIP", section.nodePort, section.loadBalancerIP

    def node_ports(self) -> Iterator[NodePortClaim]:
        for module in ("servingProxy", "servingServer"):
            service_type, port, _ = self.service(module)
            yield NodePortClaim((module, "nodePort"), port, service_type, self.has(module))


SERVING_CHART_NODE_PORTS = {"servingProxy": 30109, "servingServer": 30209}
"""The NodePorts the fate-serving chart's values.yaml gives a module whose section a
cluster-serving.yaml leaves out (KubeFATE's template then writes none)."""
