"""The ``fate-exchange`` chart: an exchange stack, and the serving exchange beside it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from pydantic import Field

from fate_iac.config.fields import (
    NginxRoute,
    Placement,
    Section,
)
from fate_iac.config.serving import (
    DEFAULT_SERVING_CHART_VERSION,
    ServingChartVersion,
    ServingConfig,
    ServingProxyService,
)
from fate_iac.config.stack import (
    NodePortClaim,
    Reference,
    StackConfig,
    TlsOptions,
    rollsite_tls,
    rollsite_tls_claim,
    tls_field,
)
from fate_iac.federation import FederationRecord
from fate_iac.typed import (
    DnsName,
    Host,
    HostPort,
    NamespaceName,
    PartyId,
    Port,
    ReleaseName,
    ServiceType,
)

ExchangeModule = Literal["rollsite", "trafficServer", "nginx"]


class ExchangePartyEntry(Section):
    partyId: PartyId = Field(description="A member party's id.")
    partyIp: Host = Field(description="Address of the member's rollsite.")
    partyPort: Port = Field(description="Port of the member's rollsite.")


class ExchangeRollsite(Placement):
    type: ServiceType | None = Field(None, description="Service type.")
    nodePort: Port | None = Field(None, description="NodePort parties reach the exchange on.")
    enableTLS: bool | None = Field(None, description="TLS between rollsites. Default: false.")
    partyList: list[ExchangePartyEntry] | None = Field(
        None, description="Static member routes (KubeFATE's way; see members)."
    )


class SniRoute(Section):
    fqdn: DnsName = Field(description="<partyId>.<domain> of a member's pulsar.")
    tunnelRoute: HostPort = Field(description="host:port of that member's pulsar TLS port.")


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
    route_table: dict[PartyId, NginxRoute] | None = Field(
        None, description="Static routes: party id -> {proxy, fateflow}."
    )


class ExchangeServingProxy(ServingProxyService):
    """The serving exchange: the ``fate-serving`` chart with only servingProxy, routing
    FATE-Serving traffic between parties' serving proxies."""

    chartVersion: ServingChartVersion = Field(
        DEFAULT_SERVING_CHART_VERSION,
        description=f"fate-serving chart version. Default: {DEFAULT_SERVING_CHART_VERSION}.",
    )


class ExchangeConfig(StackConfig):
    """An exchange: the ``fate:`` config of an exchange stack (chartName fate-exchange)."""

    @property
    def kind(self) -> str:
        return "exchange"

    partyId: PartyId = Field(1, description="The exchange's own id. Default: 1.")
    name: ReleaseName | None = Field(None, description="Release name. Default: fate-exchange.")
    namespace: NamespaceName | None = Field(None, description="Namespace. Default: fate-exchange.")
    chartName: Literal["fate-exchange"] = Field(description="fate-exchange. Required.")
    persistence: bool | None = Field(None, description="Accepted for KubeFATE files; unused.")
    modules: list[ExchangeModule] = Field(
        ["rollsite"], description="rollsite (eggroll), or trafficServer and nginx (Spark)."
    )
    rollsite: ExchangeRollsite | None = Field(None)
    trafficServer: TrafficServer | None = Field(None)
    nginx: Nginx | None = Field(None)
    servingProxy: ExchangeServingProxy | None = Field(
        None, description="(Pulumi) Also deploy the serving exchange (fate-serving chart)."
    )
    members: list[Reference] = Field(
        default_factory=list,
        description="(Pulumi) Member parties: stack names (short, or org/project/stack), or "
        "static federation records of parties elsewhere: inline, or {record: <file>} "
        "(optionally with the fingerprint: to pin).",
    )
    tls: TlsOptions = tls_field()

    @classmethod
    def default_name(cls, party_id: Any) -> str | None:
        return "fate-exchange"

    def has(self, module: str) -> bool:
        if module == "servingProxy":
            return self.servingProxy is not None
        return module in self.modules

    @property
    def gateway(self) -> Literal["rollsite"]:
        """The module parties reach an exchange at: always rollsite."""
        return "rollsite"

    @property
    def serving_release_name(self) -> str:
        return f"{self.release_name}-serving"

    @property
    def serving_cluster(self) -> ServingConfig | None:
        """The serving exchange as a serving cluster of servingProxy alone, in the
        exchange's namespace: what KubeFATE's cluster-serving.yaml for it says."""
        proxy = self.servingProxy
        if proxy is None:
            return None
        shared = (
            "partyId",
            "registry",
            "pullPolicy",
            "imagePullSecrets",
            "podSecurityPolicy",
            "publicHost",
            "nodePortRange",
            "chartRepo",
            "release",
        )
        return ServingConfig.model_validate(
            {
                **{key: getattr(self, key) for key in shared},
                "name": self.serving_release_name,
                "namespace": self.k8s_namespace,
                "createNamespace": False,
                "chartVersion": proxy.chartVersion,
                "modules": ["servingProxy"],
                "servingProxy": proxy.model_dump(exclude={"chartVersion"}, exclude_none=True),
            }
        )

    @property
    def rollsite_tls(self) -> bool:
        """Whether rollsite speaks TLS to the members (``rollsite.enableTLS``)."""
        return rollsite_tls(self)

    @property
    def member_stacks(self) -> list[str]:
        return [m for m in self.members if isinstance(m, str)]

    @property
    def static_members(self) -> list[FederationRecord]:
        return [m for m in self.members if isinstance(m, FederationRecord)]

    @property
    def referenced_stacks(self) -> list[str]:
        return self.member_stacks

    def node_ports(self) -> Iterator[NodePortClaim]:
        yield from self._claims("rollsite", self.rollsite, ("nodePort",))
        rollsite_type = self.rollsite.type if self.rollsite else None
        yield rollsite_tls_claim(self.tls, rollsite_type, self.rollsite_tls)
        yield from self._claims("trafficServer", self.trafficServer, ("nodePort",))
        yield from self._claims("nginx", self.nginx, ("httpNodePort", "grpcNodePort"))
        yield from self._claims("servingProxy", self.servingProxy, ("nodePort",))
