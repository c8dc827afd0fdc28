"""What every stack kind has: :class:`StackConfig`, the keys declared once for all kinds
(identity, images, chart source, release, NetworkPolicy and TLS options), the NodePorts a
config claims (:class:`NodePortClaim`) and a party's routes by reference (:class:`Peered`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import Discriminator, Field, PrivateAttr, Tag, model_validator

from fate_iac.catalogue import DEFAULT_FATE_CHART, FATE_CHART_VERSIONS
from fate_iac.charts import UPSTREAM_CHART_REPO
from fate_iac.config.fields import (
    ImagePullSecret,
    Section,
    Toggle,
)
from fate_iac.config.kubefate_server import KubeFateServerConfig
from fate_iac.federation import FederationRecord
from fate_iac.problems import KeyPath
from fate_iac.typed import (
    ChartSource,
    Credential,
    FateChartVersion,
    HelmValuesText,
    Host,
    IPAddress,
    IPNetwork,
    NamespaceName,
    PartyId,
    PemCertificate,
    Port,
    PortRange,
    Registry,
    ReleaseName,
    StackName,
)

DEFAULT_FATE_CHART_VERSION = str(DEFAULT_FATE_CHART)


REFERENCE_TAGS = ("stack-name", "static-record")
"""How a reference's error locations name its two forms (dropped from key paths)."""


def _reference_form(value: Any) -> str:
    return "static-record" if isinstance(value, dict | FederationRecord) else "stack-name"


Reference = Annotated[
    Annotated[StackName, Tag("stack-name")] | Annotated[FederationRecord, Tag("static-record")],
    Discriminator(_reference_form),
]
"""A peer, member or exchange: a stack's name, or a static federation record (checked as
one or the other, so a problem names the field of the form given)."""


class NetworkPolicyOptions(Section):
    """*(Pulumi)* The NetworkPolicies that isolate the stack's namespace."""

    enabled: bool = Field(
        True,
        description="Allow traffic into the namespace only from itself (and the party's "
        "other namespace: its serving or training cluster) and, from anywhere, to the "
        "entry points its federation record and ingresses publish. Default: true.",
    )
    allowFrom: list[NamespaceName] = Field(
        default_factory=list,
        description="Namespaces let in as the party's own: its training or serving cluster "
        "when deployed by another stack (a serving registry's zookeeper, say).",
    )
    ingressNamespaces: list[NamespaceName] = Field(
        default_factory=lambda: ["ingress-nginx"],
        description="The ingress controller's namespaces: let in to fateflow's ports "
        "beside the party's own namespaces. Default: [ingress-nginx].",
    )
    egress: bool = Field(
        False,
        description="Limit what FATE's pods connect to as well: the party's own namespaces, "
        "kube-system's DNS (kube-dns pods, port 53), the addresses its routes name (peers "
        "and exchange, from the gateways only; a route to a DNS name opens its port to any "
        "address: a NetworkPolicy cannot match names) and egressTo. Default: false.",
    )
    egressTo: list[IPNetwork] = Field(
        default_factory=list,
        description="With egress: more networks (CIDR) every FATE pod may connect to, on "
        "any port: services outside the namespace the charts are pointed at (an external "
        "MySQL, HDFS or Spark master, a node-local DNS cache).",
    )
    openFateflow: bool = Field(
        False,
        description="Open fateflow's ports (its HTTP and gRPC APIs, unauthenticated by "
        "default) to every namespace and to traffic from outside the cluster (a NodePort), "
        "as before this option: peers reach a party through rollsite, osx or nginx, "
        "never fateflow. `fatectl validate` says when it is on. Default: false.",
    )


class BroughtCA(Section):
    """*(Pulumi)* A CA of the operator's own, in place of the one the stack generates."""

    certificate: PemCertificate = Field(
        description="PEM of the CA certificate (public: the federation record publishes it)."
    )
    key: Credential = Field(description="PEM of its private key, unencrypted. A secret.")


class TlsOptions(Section):
    """*(Pulumi)* The certificates a stack issues: rollsite's with ``enableTLS``, and the
    Secrets the charts mount for Pulsar behind an exchange and for a trafficServer."""

    validityHours: int = Field(
        8760,
        ge=1,
        description="Validity of the server and client certificates. Default: 8760 (a year).",
    )
    renewBeforeHours: int = Field(
        720,
        ge=0,
        description="Re-issue them on the first update this close to expiry. "
        "Default: 720 (30 days).",
    )
    caValidityHours: int = Field(
        87600,
        ge=1,
        description="Validity of the generated CA. Default: 87600 (ten years).",
    )
    nodePort: Port | None = Field(
        None,
        description="NodePort of Service rollsite-tls (rollsite's TLS port, 9380); "
        "required when rollsite's type is NodePort.",
    )
    loadBalancerIP: IPAddress | None = Field(
        None,
        description="loadBalancerIP of Service rollsite-tls, when rollsite's type is "
        "LoadBalancer (else it is reached at publicHost).",
    )
    hosts: list[Host] = Field(
        default_factory=list,
        description="More names the server certificate carries, "
        "besides the address the federation record publishes.",
    )
    ca: BroughtCA | None = Field(
        None,
        description="Bring your own CA (certificate and key). Default: the stack generates one.",
    )
    constrainCA: bool = Field(
        True,
        description="Constrain the generated CA (X.509 NameConstraints) to the names the "
        "stack's certificates carry (its published hosts, in-cluster names, tls.hosts and "
        "its identity, party-<id>), so it cannot issue for another party's names. A CA "
        "generated before this option is replaced on the next update (so is one whose "
        "names change): peers trust the new one once they run. false keeps it "
        "unconstrained. Default: true.",
    )
    publishPlaintext: bool = Field(
        False,
        description="Keep rollsite's plaintext port published (its chart Service of "
        "rollsite's type, NodePort or LoadBalancer) beside the TLS one, as before this "
        "option. Default: false: with TLS, the chart's rollsite Service is ClusterIP, "
        "reached from inside the namespace only; `fatectl validate` says when it is on.",
    )


def tls_field() -> Any:
    return Field(
        default_factory=TlsOptions,
        description="(Pulumi) The certificates the stack issues and renews: rollsite's, with "
        "rollsite.enableTLS; Pulsar's behind an exchange; an exchange's trafficServer's. "
        "See docs/tls.md.",
    )


def rollsite_tls(cfg: Any) -> bool:
    """A party's or exchange's rollsite runs, with ``enableTLS``."""
    return bool(cfg.has("rollsite") and cfg.rollsite and cfg.rollsite.enableTLS)


class ReleaseOptions(Section):
    """*(Pulumi)* How the Helm release is installed and upgraded."""

    timeout: int = Field(
        900,
        ge=1,
        description="Seconds to wait for the release's workloads. Default: 900 (FATE images "
        "are several GB; a first pull is slow).",
    )
    skipAwait: bool = Field(
        False, description="Do not wait for workloads to become ready. Default: false."
    )
    atomic: bool = Field(
        False,
        description="Roll back a failed install or upgrade. Default: false: a failed "
        "release stays for inspection and the next `pulumi up` retries it.",
    )
    cleanupOnFail: bool = Field(
        False, description="Delete resources a failed upgrade created. Default: false."
    )
    maxHistory: int = Field(10, ge=0, description="Release revisions Helm keeps. Default: 10.")


EXPOSED: tuple[str, ...] = ("NodePort", "LoadBalancer")
"""Service types that claim a NodePort on every node of the cluster."""


@dataclass(frozen=True)
class NodePortClaim:
    """A NodePort a config asks for: where it is written, the port, the type of the
    Service it belongs to, and whether that Service is deployed at all."""

    path: KeyPath
    port: int | None
    service_type: str | None
    deployed: bool
    type_key: str = "type"
    """The key beside ``path`` that sets the Service's type."""
    type_at: KeyPath | None = None
    """Where that key is, when not beside ``path``."""

    @property
    def type_path(self) -> KeyPath:
        return self.type_at or (*self.path[:-1], self.type_key)

    @property
    def used(self) -> bool:
        """The Service will hold this port on every node."""
        return self.deployed and self.port is not None and self.service_type in EXPOSED

    @property
    def missing(self) -> bool:
        """A NodePort Service whose port is not written down: peers cannot be told it."""
        return self.deployed and self.port is None and self.service_type == "NodePort"


def rollsite_tls_claim(tls: TlsOptions, rollsite_type: str | None, deployed: bool) -> NodePortClaim:
    """Service rollsite-tls (a party's or exchange's): rollsite's type, the port at
    ``tls.nodePort``, deployed when rollsite speaks TLS."""
    return NodePortClaim(
        ("tls", "nodePort"),
        tls.nodePort,
        rollsite_type or "ClusterIP",
        deployed,
        type_at=("rollsite", "type"),
    )


class StackConfig(Section):
    """What every stack kind has: identity, images, chart source, release options.

    Each kind's model adds its own keys and says which Services claim NodePorts."""

    @property
    def kind(self) -> str:
        """The stack kind's tag (see :mod:`fate_iac.kinds`)."""
        raise NotImplementedError

    partyId: PartyId
    name: ReleaseName | None = Field(None, description="Helm release (cluster) name.")
    namespace: NamespaceName | None = Field(None, description="Kubernetes namespace.")
    chartName: Literal["fate", "fate-exchange", "fate-serving"]
    chartVersion: FateChartVersion = Field(
        DEFAULT_FATE_CHART_VERSION,
        description=f"Chart version, one of {', '.join(FATE_CHART_VERSIONS)}. "
        f"Default: {DEFAULT_FATE_CHART_VERSION}.",
    )
    registry: Registry | None = Field(None, description="Image registry. Default: federatedai.")
    pullPolicy: Literal["Always", "IfNotPresent", "Never"] | None = Field(
        None, description="Default: IfNotPresent."
    )
    imagePullSecrets: list[ImagePullSecret] | None = Field(None, description="Pull secrets.")
    istio: Toggle | None = Field(None, description="Istio sidecars. Default: off.")
    podSecurityPolicy: Toggle | None = Field(None, description="PodSecurityPolicy. Default: off.")
    # --- keys this project adds -------------------------------------------------------
    publicHost: Host | None = Field(
        None,
        description="(Pulumi) Address others reach this stack's Services at (a node IP, load "
        "balancer or DNS name). Needed to publish NodePort endpoints.",
    )
    nodePortRange: PortRange = Field(
        "30000-32767",
        description="(Pulumi) The cluster's NodePort range. Default: 30000-32767.",
    )
    createNamespace: bool = Field(
        True,
        description="(Pulumi) Create and own the namespace. false: deploy into an existing "
        "namespace, which is neither changed nor deleted. Default: true.",
    )
    chartRepo: ChartSource | None = Field(
        None,
        description="(Pulumi) Where the charts come from: a Helm repository URL, a directory "
        f"laid out as one, a chart directory or a .tgz. Default: {UPSTREAM_CHART_REPO}. "
        "(`fatectl` also takes --chart-repo or FATE_CHART_REPO; a Pulumi run takes only "
        "this key, so the state records where a release came from.)",
    )
    federationReads: Literal["stackReference", "batched"] = Field(
        "stackReference",
        description="(Pulumi) How referenced stacks' federation outputs are read. "
        "stackReference: one pulumi.StackReference resource each, visible in the state, "
        "`pulumi stack graph` and Pulumi Cloud. batched: one concurrent engine read for all "
        "of them, with nothing in the state (the engine's internal readStackOutputs, not a "
        "public API): for exchanges with hundreds of members. Default: stackReference.",
    )
    release: ReleaseOptions = Field(
        default_factory=ReleaseOptions, description="(Pulumi) Helm release options."
    )
    networkPolicy: NetworkPolicyOptions = Field(
        default_factory=NetworkPolicyOptions,
        description=(
            "(Pulumi) NetworkPolicy isolation of the namespace "
            "(see docs/isolation-and-policies.md)."
        ),
    )
    helmValues: Annotated[dict[str, Any], HelmValuesText] | None = Field(
        None,
        description="(Pulumi) Raw chart values merged over the rendered ones: the escape "
        "hatch for chart keys without a typed field. Free text, written by the chart as "
        "it is: a key typed config governs (NodePorts, images, registries, credentials, "
        "namespaces, party ids...) is refused here with the typed key to use (rule "
        "helm-values-governed).",
    )
    kubefate: KubeFateServerConfig | None = Field(
        None,
        description="(Pulumi) Deploy the KubeFATE service beside this stack "
        "(`KubeFateServer`). Default: none.",
    )
    _secret_keys: frozenset[str] = PrivateAttr(default_factory=frozenset)

    @property
    def secret_keys(self) -> frozenset[str]:
        """The top-level keys that were given as Pulumi secrets: whatever is derived from
        them stays a secret (set by the loader)."""
        return self._secret_keys

    def with_secret_keys(self, keys: frozenset[str]) -> Self:
        self._secret_keys = keys
        return self

    @model_validator(mode="before")
    @classmethod
    def _default_names(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            party_id = data.get("partyId", cls.model_fields["partyId"].default)
            for key in ("name", "namespace"):
                if data.get(key) is None:
                    data[key] = cls.default_name(party_id)
        return data

    @classmethod
    def default_name(cls, party_id: Any) -> str | None:
        """The release name and namespace when the config gives none."""
        return None

    @property
    def release_name(self) -> str:
        assert self.name is not None  # set by _default_names
        return self.name

    @property
    def k8s_namespace(self) -> str:
        assert self.namespace is not None  # set by _default_names
        return self.namespace

    @property
    def node_port_range(self) -> tuple[int, int]:
        low, high = self.nodePortRange.split("-")
        return int(low), int(high)

    def has(self, module: str) -> bool:
        """Whether the stack deploys ``module``: each kind says, from its own modules."""
        raise NotImplementedError

    def node_ports(self) -> Iterator[NodePortClaim]:
        """Every NodePort this config asks for."""
        return iter(())

    def _claims(
        self, module: str, section: Any, keys: tuple[str, ...], at: tuple[str, ...] = ()
    ) -> Iterator[NodePortClaim]:
        """``keys`` of ``section`` (at ``module.<at>``), a Service of ``module``."""
        service_type = (getattr(section, "type", None) if section else None) or "ClusterIP"
        for key in keys:
            port = getattr(section, key, None) if section else None
            yield NodePortClaim((module, *at, key), port, service_type, self.has(module))

    @property
    def referenced_stacks(self) -> list[str]:
        """The stacks whose ``federation`` outputs this stack's routes come from."""
        return []


class Peered:
    """A party's routes by reference: ``peers`` (stack names or static records) and its
    ``exchangeStack``; the training and the serving cluster each have them."""

    if TYPE_CHECKING:
        peers: list[str | FederationRecord]
        exchangeStack: str | FederationRecord | None

    @property
    def peer_stacks(self) -> list[str]:
        return [p for p in self.peers if isinstance(p, str)]

    @property
    def static_peers(self) -> list[FederationRecord]:
        return [p for p in self.peers if isinstance(p, FederationRecord)]

    @property
    def exchange_stack(self) -> str | None:
        """The exchange it routes through, when that is a stack (by name)."""
        return self.exchangeStack if isinstance(self.exchangeStack, str) else None

    @property
    def static_exchange(self) -> FederationRecord | None:
        """The exchange it routes through, when that is a static record."""
        return self.exchangeStack if isinstance(self.exchangeStack, FederationRecord) else None

    @property
    def behind_exchange(self) -> bool:
        """It routes through an exchange named by ``exchangeStack`` (a stack or a record)."""
        return self.exchangeStack is not None

    @property
    def exchange_name(self) -> str | None:
        """How the exchange is named in messages and in this stack's own record."""
        if self.static_exchange is not None:
            return self.static_exchange.stack or f"exchange {self.static_exchange.partyId}"
        return self.exchange_stack

    @property
    def own_references(self) -> list[str]:
        """The stacks its own routes come from."""
        return [*self.peer_stacks, *([self.exchange_stack] if self.exchange_stack else [])]
