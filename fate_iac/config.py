"""Typed configuration of every stack kind: the single source of truth for keys and defaults.

Keys follow KubeFATE's ``cluster.yaml`` wherever KubeFATE has the concept, so a KubeFATE
user can read a stack file. A section left out takes the chart's defaults; a section
written takes, for each key left out, the default of KubeFATE's ``values-template.yaml``
(given in each key's description), exactly as KubeFATE does. Keys this project adds are
marked *(Pulumi)*.

Keys every kind has (release name, namespace, images, chart source, release options,
raw values...) are declared once, on :class:`StackConfig`; each kind's model adds its own.
Every NodePort a kind's Services can claim is enumerated by its model's ``node_ports``,
and every credential is a field typed :data:`Credential` (:func:`credential_paths`).

Cross-field rules (NodePort ranges, module consistency, credentials...) live in
:mod:`fate_iac.rules`; this module checks what one key can check alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self, cast, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PrivateAttr,
    model_validator,
)
from pydantic_core import PydanticCustomError

from fate_iac.catalogue import (
    DEFAULT_FATE_CHART,
    DEFAULT_SERVING_CHART,
    FATE_CHART_VERSIONS,
    SERVING_CHART_VERSIONS,
    UPGRADE_MANAGER,
    FateChart,
    fate_chart,
    is_fate2,
)
from fate_iac.charts import UPSTREAM_CHART_REPO
from fate_iac.cluster import SYSTEM_NAMESPACES
from fate_iac.federation import BROKERS, FederationRecord, Protocol
from fate_iac.modules import FATE_MODULES, default_modules
from fate_iac.problems import SERVING_NAMESPACE, KeyPath
from fate_iac.secrets import REDACTED, Secret

DEFAULT_FATE_CHART_VERSION = str(DEFAULT_FATE_CHART)

Module = Literal[
    "rollsite",
    "osx",
    "clustermanager",
    "nodemanager",
    "mysql",
    "python",
    "fateboard",
    "client",
    "lbrollsite",
    "spark",
    "hdfs",
    "nginx",
    "rabbitmq",
    "pulsar",
]
ALL_MODULES: tuple[Module, ...] = get_args(Module)
"""Every module of the fate chart, in the schema's order (a test keeps them the module
registry's, :mod:`fate_iac.modules`)."""

ServiceType = Literal["ClusterIP", "NodePort", "LoadBalancer"]
AccessMode = Literal["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"]

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")


def _dns_label(max_length: int) -> Any:
    def check(value: str) -> str:
        if len(value) > max_length or not _DNS_LABEL.match(value):
            raise PydanticCustomError(
                "dns-label",
                "'{value}' is not a DNS-1123 label: at most {max} characters of a-z, 0-9 and "
                "'-', starting and ending with a letter or digit",
                {"value": value, "max": max_length},
            )
        return value

    return AfterValidator(check)


def _check_port(value: int) -> int:
    if not 1 <= value <= 65535:
        raise PydanticCustomError("port-range", "port {port} is outside 1-65535", {"port": value})
    return value


def _check_party_id(value: int) -> int:
    if value <= 0:
        raise PydanticCustomError(
            "party-id", "partyId must be a positive integer, got {value}", {"value": value}
        )
    return value


def _check_quantity(value: str | int | float) -> str | int | float:
    if isinstance(value, bool) or not _QUANTITY.match(str(value)):
        raise PydanticCustomError(
            "quantity",
            "'{value}' is not a Kubernetes quantity (e.g. 1Gi, 500Mi, 2)",
            {"value": value},
        )
    return value  # as written: the manifest keeps the user's 1 or "1"


def _check_chart_version(value: str) -> str:
    version = value if value.startswith("v") else f"v{value}"
    if version not in FATE_CHART_VERSIONS:
        raise PydanticCustomError(
            "chart-version",
            "fate chart {value} is not supported; use one of {supported}",
            {"value": value, "supported": ", ".join(FATE_CHART_VERSIONS)},
        )
    return version


def _to_secret(value: object) -> Secret:
    if isinstance(value, Secret):
        return value
    if isinstance(value, dict) and set(value) == {"secure"}:
        return Secret(value=None, secure=True)
    if isinstance(value, str | int) and not isinstance(value, bool):
        return Secret(value=str(value), secure=False)
    raise PydanticCustomError("secret", "expected a password string set as a Pulumi secret")


_HOST_LABEL = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?$")


def _check_host(value: str) -> str:
    """An IPv4 or IPv6 address, or a DNS name (RFC 1123 labels, at most 253 characters)."""
    import ipaddress

    try:
        ipaddress.ip_address(value)
        return value
    except ValueError:
        pass
    labels = value.removesuffix(".").split(".")
    # An all-digit last label is no top-level domain: a mistyped IP address (10.0.0.300).
    if (
        len(value) > 253
        or labels[-1].isdigit()
        or not all(_HOST_LABEL.match(label) for label in labels)
    ):
        raise PydanticCustomError(
            "host", "'{value}' is neither an IP address nor a DNS name", {"value": value}
        )
    return value


def _check_ip(value: str) -> str:
    import ipaddress

    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise PydanticCustomError(
            "ip-address", "'{value}' is not an IP address", {"value": value}
        ) from None
    return value


def _check_host_port(value: str) -> str:
    host, colon, port = value.rpartition(":")
    if not colon or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise PydanticCustomError(
            "host", "'{value}' is not host:port (a port in 1-65535)", {"value": value}
        )
    _check_host(host.removeprefix("[").removesuffix("]"))
    return value


def _check_ingress_host(value: str) -> str:
    """A DNS name an ingress serves: a leading ``*.`` wildcard allowed, no IP address."""
    import ipaddress

    name = value.removeprefix("*.")
    try:
        ipaddress.ip_address(name)
        is_ip = True
    except ValueError:
        is_ip = False
    labels = name.split(".")
    if (
        is_ip
        or len(value) > 253
        or labels[-1].isdigit()
        or name != name.lower()
        or not all(_HOST_LABEL.match(label) for label in labels)
    ):
        raise PydanticCustomError(
            "host",
            "'{value}' is not a DNS name an ingress can serve (lower case)",
            {"value": value},
        )
    return value


def _check_not_system(value: str) -> str:
    if value in SYSTEM_NAMESPACES:
        raise PydanticCustomError(
            "system-namespace",
            "'{value}' is a system namespace; a party or exchange takes a namespace of its "
            "own (not {system})",
            {"value": value, "system": ", ".join(SYSTEM_NAMESPACES)},
        )
    return value


@dataclass(frozen=True)
class Accepts:
    """What a typed key accepts, as the configuration reference says it."""

    text: str


Port = Annotated[int, AfterValidator(_check_port), Accepts("port (1-65535)")]
Host = Annotated[str, AfterValidator(_check_host), Accepts("host (IP address or DNS name)")]
IPAddress = Annotated[str, AfterValidator(_check_ip), Accepts("IP address")]
HostPort = Annotated[str, AfterValidator(_check_host_port), Accepts("host:port")]
IngressHostName = Annotated[
    str, AfterValidator(_check_ingress_host), Accepts("DNS name (leading *. allowed)")
]
PartyId = Annotated[int, AfterValidator(_check_party_id), Accepts("party id (positive integer)")]
Quantity = Annotated[
    str | int | float, AfterValidator(_check_quantity), Accepts("quantity (e.g. 2Gi, 500m)")
]
FateChartVersion = Annotated[str, AfterValidator(_check_chart_version)]
"""A supported ``fate`` chart version, kept as the string the chart spells it
(:class:`~fate_iac.chart_version.ChartVersion` reads it)."""
Credential = Annotated[
    Secret,
    BeforeValidator(_to_secret),
    PlainSerializer(lambda s: REDACTED, return_type=str),
]
ReleaseName = Annotated[str, _dns_label(53), Accepts("DNS-1123 label (at most 53)")]
NamespaceName = Annotated[
    str,
    _dns_label(63),
    AfterValidator(_check_not_system),
    Accepts("DNS-1123 label, not a system namespace"),
]

NodeSelector = dict[str, str]
Tolerations = list[dict[str, Any]]
Affinity = dict[str, Any]


class Section(BaseModel):
    """A config section: unknown keys are refused, by name."""

    model_config = ConfigDict(
        extra="forbid",
        arbitrary_types_allowed=True,
        frozen=True,
        coerce_numbers_to_str=True,
        defer_build=True,  # built on first use: a party never builds the exchange models
    )


class Resources(Section):
    requests: dict[str, Quantity] | None = Field(None, description="Resource requests.")
    limits: dict[str, Quantity] | None = Field(None, description="Resource limits.")


class Placement(Section):
    """Where a module's pods run: nodeSelector, tolerations, affinity."""

    nodeSelector: NodeSelector | None = Field(None, description="Pod nodeSelector.")
    tolerations: Tolerations | None = Field(None, description="Pod tolerations.")
    affinity: Affinity | None = Field(None, description="Pod affinity.")


class Toggle(Section):
    enabled: bool = Field(False, description="Turn the feature on. Default: false.")


class ImagePullSecret(Section):
    name: str = Field(description="Name of a docker-registry Secret in the party's namespace.")


class IngressHost(Section):
    name: IngressHostName = Field(description="Host name served by the ingress.")
    path: str | None = Field(None, description="Path. Default (chart): /.")


class IngressRule(Section):
    annotations: dict[str, str] | None = Field(None, description="Ingress annotations.")
    hosts: list[IngressHost] | None = Field(
        None, description="Hosts. Default (chart): <module>.example.com."
    )
    tls: list[dict[str, Any]] | None = Field(None, description="Ingress TLS entries.")


class Ingresses(Section):
    fateboard: IngressRule | None = Field(None, description="Ingress of FATE-Board.")
    client: IngressRule | None = Field(None, description="Ingress of the notebook client.")
    spark: IngressRule | None = Field(None, description="Ingress of the Spark master UI.")
    rabbitmq: IngressRule | None = Field(None, description="Ingress of RabbitMQ's console.")
    pulsar: IngressRule | None = Field(None, description="Ingress of Pulsar's admin API.")


class Exchange(Section):
    ip: Host = Field(description="Address of the exchange's rollsite.")
    port: Port = Field(description="Port of the exchange's rollsite.")


class PartyEntry(Section):
    partyId: PartyId = Field(description="Id of the peer party.")
    partyIp: Host = Field(description="Address of the peer's gateway (rollsite or osx).")
    partyPort: Port = Field(description="Port of the peer's gateway (its NodePort).")


class PollingServer(Section):
    ip: Host = Field(description="Address of the polling server's rollsite.")
    port: Port = Field(description="Port of the polling server's rollsite.")


class PollingClient(Section):
    partID: PartyId = Field(description="Party id of a polling client (KubeFATE spelling).")


class Polling(Section):
    enabled: bool = Field(False, description="Rollsite polling mode. Default: false.")
    type: Literal["client", "server"] | None = Field(
        None, description="This rollsite polls (client) or is polled (server)."
    )
    server: PollingServer | None = Field(None, description="The server a polling client polls.")
    clientList: list[PollingClient] | None = Field(
        None, description="Parties that poll this server."
    )
    concurrency: int | None = Field(None, description="Polling concurrency.")


class Images(Section):
    """A module's own image, which the fate chart v2.0.0 reads (1.x charts take every
    image from ``registry`` and the chart's tag)."""

    image: str | None = Field(
        None, description="(chart v2.0.0) Image, without tag or registry. Default: the chart's."
    )
    imageTag: str | None = Field(
        None,
        description="(chart v2.0.0) Image tag. Default: the "
        "chart's (2.0.0-release for FATE's own).",
    )


class Rollsite(Placement):
    type: ServiceType | None = Field(None, description="Service type. Default: ClusterIP.")
    nodePort: Port | None = Field(
        None,
        description="NodePort of the gateway (rollsite, or osx on chart v2.0.0); "
        "required when type is NodePort.",
    )
    loadBalancerIP: IPAddress | None = Field(None, description="loadBalancerIP of the Service.")
    exchange: Exchange | None = Field(
        None,
        description="The exchange this party routes through (star mode; not on osx: "
        "the v2.0.0 chart renders no route to one).",
    )
    partyList: list[PartyEntry] | None = Field(
        None, description="Peers reached directly (P2P mode). Default: none."
    )
    enableTLS: bool | None = Field(
        None,
        description="TLS between gateways (not on osx: the "
        "v2.0.0 chart turns none on). Default: false.",
    )
    polling: Polling | None = Field(
        None,
        description="Polling, for parties behind NAT (not on osx: the v2.0.0 chart renders none).",
    )
    resources: Resources | None = Field(None, description="Pod resources.")


class Osx(Rollsite, Images):
    """FATE 2.0's federation gateway (chart v2.0.0), in place of rollsite: the same keys.
    Its chart renders no route to an exchange and neither TLS nor polling, so
    ``exchange``, ``enableTLS`` and ``polling`` are refused (rule ``osx``)."""


class Storage(Section):
    """A module's persistent volume (used when ``persistence`` is true)."""

    existingClaim: str | None = Field(None, description="Use this existing PVC.")
    storageClass: str | None = Field(None, description="StorageClass of a new PVC.")
    accessMode: AccessMode | None = Field(None, description="Default: ReadWriteOnce.")
    size: Quantity | None = Field(None, description="Default: 1Gi.")


class ClustermanagerResources(Section):
    cores_per_node: int | None = Field(None, description="Cores per node fateflow schedules.")
    nodes: int | None = Field(None, description="Nodes fateflow schedules on.")


class FateflowSpark(Section):
    """How fateflow submits to Spark (written into its service_conf as it is)."""

    cores_per_node: int | None = Field(None, ge=1, description="Cores per Spark worker.")
    nodes: int | None = Field(None, ge=1, description="Spark workers fateflow schedules on.")
    master: str | None = Field(None, description="Default (chart): spark://spark-master:7077.")
    driverHost: Host | None = Field(None, description="Default (chart): fateflow.")
    driverHostType: ServiceType | None = Field(
        None, description="Type of the fateflow-sparkdriver Service (with portMaxRetries)."
    )
    portMaxRetries: int | None = Field(None, description="spark.port.maxRetries.")
    driverStartPort: Port | None = Field(None, description="First spark.driver.port.")
    blockManagerStartPort: Port | None = Field(None, description="First block manager port.")
    pysparkPython: str | None = Field(None, description="PYSPARK_PYTHON.")


class FateflowHdfs(Section):
    name_node: str | None = Field(None, description="Default: hdfs://namenode:9000.")
    path_prefix: str | None = Field(None, description="Path prefix of FATE's tables.")


_WRITTEN = "once the section is written, set it (the chart's {} applies only without it)"


class FateflowPulsar(Section):
    """fateflow's link to Pulsar: written whole, as the template does."""

    host: Host | None = Field(None, description="Pulsar host: " + _WRITTEN.format("pulsar"))
    mng_port: Port | None = Field(None, description="Admin port: " + _WRITTEN.format("8080"))
    port: Port | None = Field(None, description="Broker port: " + _WRITTEN.format("6650"))
    topic_ttl: int | None = Field(None, ge=0, description="Topic TTL (minutes). From v1.10.")
    cluster: str | None = Field(None, description="Pulsar cluster. From v1.10.")
    tenant: str | None = Field(None, description="Pulsar tenant. From v1.10.")


class FateflowRabbitmq(Section):
    """fateflow's link to RabbitMQ: written whole, as the template does."""

    host: Host | None = Field(None, description="RabbitMQ host: " + _WRITTEN.format("rabbitmq"))
    mng_port: Port | None = Field(None, description="Management port: " + _WRITTEN.format("15672"))
    port: Port | None = Field(None, description="AMQP port: " + _WRITTEN.format("5672"))
    user: str | None = Field(
        None, description="User fateflow logs in as: " + _WRITTEN.format("fate")
    )
    password: Credential | None = Field(
        None, description="Secret. The chart's broker only knows fate (see docs/spark.md)."
    )


class FateflowNginx(Section):
    """fateflow's link to nginx: written whole, as the template does."""

    host: Host | None = Field(None, description="nginx host: " + _WRITTEN.format("nginx"))
    http_port: Port | None = Field(None, description="HTTP port: " + _WRITTEN.format("9300"))
    grpc_port: Port | None = Field(None, description="gRPC port: " + _WRITTEN.format("9310"))


class FateflowHive(Section):
    host: Host | None = Field(None, description="Hive server host. From v1.10.")
    port: Port | None = Field(None, description="Hive server port.")
    auth_mechanism: str | None = Field(None, description="Hive auth mechanism.")
    username: str | None = Field(None, description="Hive user.")
    password: Credential | None = Field(None, description="Secret. Hive password.")


class Python(Placement, Storage, Images):
    """fateflow (the ``python`` module)."""

    type: ServiceType | None = Field(None, description="Service type. Default: ClusterIP.")
    httpNodePort: Port | None = Field(None, description="NodePort of fateflow's HTTP API.")
    grpcNodePort: Port | None = Field(None, description="NodePort of fateflow's gRPC API.")
    loadBalancerIP: IPAddress | None = Field(None, description="loadBalancerIP of the Service.")
    replicas: int | None = Field(None, ge=1, description="fateflow replicas. Default: 1.")
    resources: Resources | None = Field(None, description="Pod resources.")
    logLevel: Literal["DEBUG", "INFO", "WARNING", "ERROR"] | None = Field(
        None, description="Default: INFO."
    )
    serviceAccountName: str | None = Field(None, description="ServiceAccount of fateflow.")
    dependent_distribution: bool | None = Field(None, description="Distribute dependencies.")
    failedTaskAutoRetryTimes: int | None = Field(None, description="Default: 5.")
    failedTaskAutoRetryDelay: int | None = Field(None, description="Seconds. Default: 60.")
    claimName: str | None = Field(None, description="PVC name. Default: python-data.")
    clustermanager: ClustermanagerResources | None = Field(
        None, description="Resources fateflow assumes the eggroll cluster has."
    )
    spark: FateflowSpark | None = Field(None, description="Spark: how fateflow submits jobs.")
    hdfs: FateflowHdfs | None = Field(None, description="Spark: the HDFS fateflow stores in.")
    pulsar: FateflowPulsar | None = Field(None, description="Spark: the Pulsar it federates by.")
    rabbitmq: FateflowRabbitmq | None = Field(
        None, description="Spark: the RabbitMQ it federates by."
    )
    nginx: FateflowNginx | None = Field(None, description="Spark: the nginx it sends through.")
    hive: FateflowHive | None = Field(None, description="Spark: a Hive storage (v1.10+).")


class Mysql(Placement, Storage, Images):
    type: ServiceType | None = Field(None, description="Service type. Default: ClusterIP.")
    ip: Host | None = Field(None, description="Service host of mysql. Default: mysql.")
    port: Port | None = Field(None, description="Default: 3306.")
    database: str | None = Field(None, description="Default: eggroll_meta.")
    user: str | None = Field(None, description="Default: fate.")
    password: Credential | None = Field(
        None,
        description="Secret. The chart's fate_dev is refused unless allowDefaultCredentials.",
    )
    subPath: str | None = Field(None, description="Volume subPath.")


class Clustermanager(Placement, Images):
    mysqlServerTimezone: str | None = Field(None, description="Default (chart): UTC.")
    resources: Resources | None = Field(None, description="Pod resources.")


class Nodemanager(Placement, Storage, Images):
    replicas: int | None = Field(None, ge=1, description="Nodemanagers. Default: 2.")
    sessionProcessorsPerNode: int | None = Field(
        None, ge=1, description="Egg processors per nodemanager."
    )
    subPath: str | None = Field(None, description="Volume subPath.")
    resources: Resources | None = Field(None, description="Pod resources.")


class Fateboard(Placement, Images):
    type: ServiceType | None = Field(None, description="Service type.")
    username: str | None = Field(None, description="Default (chart): admin.")
    password: Credential | None = Field(
        None,
        description="Secret. The chart's admin is refused unless allowDefaultCredentials.",
    )


class Client(Placement, Storage, Images):
    subPath: str | None = Field(None, description="Volume subPath.")
    notebook_hashed_password: Credential | None = Field(
        None, description="Secret. Jupyter hashed password of the notebook."
    )


class Zookeeper(Section):
    hosts: list[HostPort] | None = Field(None, description="host:port of each zookeeper.")
    use_acl: bool | None = Field(None, description="Use ACLs.")
    user: str | None = Field(None, description="ACL user.")
    password: Credential | None = Field(None, description="Secret. ACL password.")


class Serving(Section):
    useRegistry: bool | None = Field(None, description="Find serving through zookeeper.")
    zookeeper: Zookeeper | None = Field(None, description="The zookeeper FATE-Serving uses.")


# --- FATE on Spark -------------------------------------------------------------------------


class SparkNode(Placement, Images):
    """A Spark master or worker Deployment."""

    Image: str | None = Field(
        None,
        description="(chart 1.x) Image (without tag). Default: <registry>/spark-master|worker.",
    )
    ImageTag: str | None = Field(
        None, description="(chart 1.x) Image tag. Default: the chart's tag."
    )
    replicas: int | None = Field(None, ge=1, description="Replicas. Default: 1 master, 2 workers.")
    resources: Resources | None = Field(None, description="Pod resources.")
    type: ServiceType | None = Field(
        None, description="Service type. Default: the chart's (ClusterIP)."
    )


class SparkMaster(SparkNode):
    nodePort: Port | None = Field(None, description="NodePort of the master's web UI (8080).")


class Spark(Section):
    """The Spark cluster (module ``spark``; computing: Spark)."""

    master: SparkMaster | None = Field(None, description="The Spark master.")
    worker: SparkNode | None = Field(None, description="The Spark workers.")


class HdfsNode(Placement, Storage):
    type: ServiceType | None = Field(None, description="Service type. Default: ClusterIP.")


class HdfsNamenode(HdfsNode):
    nodePort: Port | None = Field(None, description="NodePort of the namenode (9000).")


class HdfsDatanode(HdfsNode):
    replicas: int | None = Field(None, ge=1, description="Datanodes. Default: 3.")


class Hdfs(Images):
    """HDFS (module ``hdfs``; storage: HDFS)."""

    image: str | None = Field(
        None,
        description="(chart v2.0.0) Image of the namenode and of the datanodes alike (the "
        "chart reads this one key for both). Default: federatedai/hadoop-namenode and "
        "-datanode.",
    )
    namenode: HdfsNamenode | None = Field(None, description="The namenode.")
    datanode: HdfsDatanode | None = Field(None, description="The datanodes.")


class NginxHost(Section):
    host: Host = Field(description="Address.")
    http_port: Port = Field(description="HTTP port.")
    grpc_port: Port = Field(description="gRPC port.")


class NginxRoute(Section):
    """Where nginx sends one party's traffic."""

    proxy: list[NginxHost] | None = Field(None, description="That party's proxy (nginx).")
    fateflow: list[NginxHost] | None = Field(None, description="That party's fateflow.")


class NginxExchange(Section):
    ip: Host = Field(description="Address of the exchange's nginx.")
    httpPort: Port = Field(description="HTTP port of the exchange's nginx.")
    grpcPort: Port = Field(description="gRPC port of the exchange's nginx.")


class SparkNginx(Placement, Images):
    """A Spark party's nginx: fateflow's federation proxy (module ``nginx``)."""

    type: ServiceType | None = Field(None, description="Service type. Default: ClusterIP.")
    httpNodePort: Port | None = Field(None, description="NodePort of nginx's HTTP port (9300).")
    grpcNodePort: Port | None = Field(None, description="NodePort of nginx's gRPC port (9310).")
    loadBalancerIP: IPAddress | None = Field(None, description="loadBalancerIP of the Service.")
    exchange: NginxExchange | None = Field(
        None, description="The exchange's nginx (star mode; see exchangeStack)."
    )
    route_table: dict[PartyId, NginxRoute] | None = Field(
        None, description="Static routes by party id (KubeFATE's way; see peers)."
    )


class RabbitmqRoute(Section):
    host: Host = Field(description="Address of that party's RabbitMQ.")
    port: Port = Field(description="Its AMQP port (5672, or its NodePort).")


class Rabbitmq(Placement, Images):
    """RabbitMQ (module ``rabbitmq``; federation: RabbitMQ)."""

    type: ServiceType | None = Field(None, description="Service type. Default: ClusterIP.")
    nodePort: Port | None = Field(None, description="NodePort of the AMQP port (5672).")
    loadBalancerIP: IPAddress | None = Field(None, description="loadBalancerIP of the Service.")
    default_user: str | None = Field(None, description="Broker's default user.")
    default_pass: Credential | None = Field(None, description="Secret. Its password.")
    user: str | None = Field(None, description="Federation user.")
    password: Credential | None = Field(None, description="Secret. Its password.")
    route_table: dict[PartyId, RabbitmqRoute] | None = Field(
        None, description="Routes by party id, this party's own included (see peers)."
    )
    resources: Resources | None = Field(None, description="Pod resources.")


class PulsarRoute(Section):
    host: Host = Field(description="Address of that party's Pulsar.")
    port: Port = Field(description="Its broker port (6650, or its NodePort).")
    sslPort: Port | None = Field(None, description="Its TLS port (6651, or its NodePort).")
    proxy: str | None = Field(None, description='A proxy in front of it; "" for none.')


class PulsarExchange(Section):
    ip: Host = Field(description="Address of the exchange's trafficServer.")
    port: Port = Field(description="Port of the exchange's trafficServer.")
    domain: str | None = Field(None, description="SNI domain. Default: fate.org.")


class Pulsar(Placement, Storage, Images):
    """Pulsar (module ``pulsar``; federation: Pulsar)."""

    type: ServiceType | None = Field(None, description="Service type. Default: ClusterIP.")
    httpNodePort: Port | None = Field(None, description="NodePort of the broker port (6650).")
    httpsNodePort: Port | None = Field(None, description="NodePort of the TLS port (6651).")
    loadBalancerIP: IPAddress | None = Field(None, description="loadBalancerIP of the Service.")
    publicLB: Toggle | None = Field(
        None, description="Also a LoadBalancer Service for the TLS port. Default: off."
    )
    exchange: PulsarExchange | None = Field(
        None, description="The exchange's trafficServer (star mode; see exchangeStack)."
    )
    route_table: dict[PartyId, PulsarRoute] | None = Field(
        None, description="Routes by party id, this party's own included (see peers)."
    )
    env: list[dict[str, Any]] | None = Field(None, description="Extra container env.")
    confs: dict[str, Any] | None = Field(None, description="Extra broker configuration.")
    resources: Resources | None = Field(None, description="Pod resources.")


class UpgradeManager(Placement):
    """*(Pulumi)* The job that migrates fateflow's MySQL when ``chartVersion`` rises: the
    objects of KubeFATE's fate-upgrade-manager chart, with the password from a Secret."""

    image: str = Field(
        UPGRADE_MANAGER.image,
        description=f"Image of the migration job. Default: KubeFATE's, {UPGRADE_MANAGER.image}.",
    )
    timeout: int = Field(
        600,
        ge=1,
        description="Seconds the update waits for the migration before it stops (the Job "
        "is not killed: the next update waits for it again). Default: 600, as long as "
        "KubeFATE waits.",
    )
    skip: bool = Field(
        False,
        description="Run no migration in this update: fateflow's MySQL was migrated by hand "
        "(required to change chartVersion with externalMysqlIp). Default: false.",
    )


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


class BroughtCA(Section):
    """*(Pulumi)* A CA of the operator's own, in place of the one the stack generates."""

    certificate: str = Field(
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


def _tls_field() -> Any:
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


KUBEFATE_IMAGE = "federatedai/kubefate:v1.4.5"
"""The KubeFATE service's image every KubeFATE release from v1.9.0 to v2.0.0 ships."""
MARIADB_IMAGE = "mariadb:10.11"
"""KubeFATE's manifests float on mariadb:10; 11 breaks their mysqladmin probe."""


class KubeFateDatabase(Section):
    """The KubeFATE service's database: its own MariaDB (with a PersistentVolumeClaim),
    or an external MySQL/MariaDB when ``host`` is set."""

    host: Host | None = Field(
        None,
        description="An external database's host: no MariaDB is deployed. Default: deploy MariaDB.",
    )
    port: Port = Field(3306, description="Default: 3306.")
    name: str = Field("kube_fate", description="Database name. Default: kube_fate.")
    username: str = Field("kubefate", description="Default: kubefate.")
    password: Credential | None = Field(
        None,
        description="Secret. Required; KubeFATE's kubefate is refused unless "
        "allowDefaultCredentials.",
    )
    image: str = Field(MARIADB_IMAGE, description=f"MariaDB image. Default: {MARIADB_IMAGE}.")
    storageClass: str | None = Field(
        None, description="StorageClass of MariaDB's PVC. Default: the cluster's default class."
    )
    size: Quantity = Field("1Gi", description="Size of MariaDB's PVC. Default: 1Gi.")
    existingClaim: str | None = Field(None, description="Use this PVC instead of creating one.")
    ephemeral: bool = Field(
        False,
        description="Keep MariaDB's data in an emptyDir, as "
        "KubeFATE's manifests do: every restart loses every cluster "
        "record. Default: false.",
    )
    resources: Resources | None = Field(None, description="MariaDB's pod resources.")


class KubeFateRbac(Section):
    """What the service account may do: the table in docs/kubefate-service.md
    (``fate_iac.kubefate_server.NAMESPACED_RULES``)."""

    scope: Literal["cluster", "namespaces"] = Field(
        "cluster",
        description="cluster: one ClusterRole, for parties in any namespace. "
        "namespaces: a Role in each of `namespaces` only. Default: cluster.",
    )
    namespaces: list[NamespaceName] | None = Field(
        None,
        description="scope namespaces: the party namespaces the service may deploy "
        "into (they must exist). Default beside a party: its namespace.",
    )
    clusterReads: bool | None = Field(
        None,
        description="Let the service list namespaces and nodes (`kubefate namespace "
        "ls`, the node IP in `cluster describe`). Default: true with scope cluster, false "
        "with scope namespaces.",
    )
    istio: bool = Field(
        False,
        description="Also manage Istio Gateways and VirtualServices "
        "(charts with istio.enabled). Default: false.",
    )


class KubeFateIngress(Section):
    host: IngressHostName = Field(description="Host the API is served at.")
    className: str = Field("nginx", description="IngressClass. Default: nginx.")
    tlsSecret: str | None = Field(
        None, description="TLS Secret in the service's namespace: the API is then https."
    )
    annotations: dict[str, str] | None = Field(None, description="Ingress annotations.")


class KubeFateServerConfig(Section):
    """The KubeFATE service (``KubeFateServer``): its REST API for the `kubefate` CLI."""

    namespace: NamespaceName = Field("kube-fate", description="Default: kube-fate.")
    createNamespace: bool = Field(True, description="Create and own the namespace. Default: true.")
    image: str = Field(KUBEFATE_IMAGE, description=f"Default: {KUBEFATE_IMAGE}.")
    pullPolicy: Literal["Always", "IfNotPresent", "Never"] = Field(
        "IfNotPresent", description="Default: IfNotPresent."
    )
    username: str = Field("admin", description="The API's user. Default: admin.")
    password: Credential | None = Field(
        None,
        description="Secret. Required; KubeFATE's admin is refused unless allowDefaultCredentials.",
    )
    chartRepo: str | None = Field(
        None,
        description="The chart repository the service installs from. Default: the "
        f"stack's fate:chartRepo when it is a URL, else {UPSTREAM_CHART_REPO}.",
    )
    logLevel: Literal["debug", "info", "warn", "error"] = Field(
        "info", description="Default: info."
    )
    serviceType: Literal["ClusterIP", "NodePort", "LoadBalancer"] = Field(
        "ClusterIP", description="Type of the API's Service. Default: ClusterIP."
    )
    nodePort: Port | None = Field(None, description="The API's NodePort (serviceType NodePort).")
    resources: Resources | None = Field(
        None,
        description="Pod resources. Default: KubeFATE's (requests 0.5 CPU, 512Mi; "
        "limits 2 CPU, 4Gi).",
    )
    database: KubeFateDatabase = Field(
        default_factory=KubeFateDatabase, description="The service's database."
    )
    rbac: KubeFateRbac = Field(default_factory=KubeFateRbac, description="Its permissions.")
    ingress: KubeFateIngress | None = Field(
        None, description="Serve the API through an Ingress. Default: none."
    )
    allowDefaultCredentials: bool = Field(
        False,
        description="Accept KubeFATE's published admin/admin and kubefate/kubefate. "
        "Default: false.",
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
    chartName: str
    chartVersion: FateChartVersion = Field(
        DEFAULT_FATE_CHART_VERSION,
        description=f"Chart version, one of {', '.join(FATE_CHART_VERSIONS)}. "
        f"Default: {DEFAULT_FATE_CHART_VERSION}.",
    )
    registry: str | None = Field(None, description="Image registry. Default: federatedai.")
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
    nodePortRange: str = Field(
        "30000-32767",
        pattern=r"^[0-9]+-[0-9]+$",
        description="(Pulumi) The cluster's NodePort range. Default: 30000-32767.",
    )
    createNamespace: bool = Field(
        True,
        description="(Pulumi) Create and own the namespace. false: deploy into an existing "
        "namespace, which is neither changed nor deleted. Default: true.",
    )
    chartRepo: str | None = Field(
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
    helmValues: dict[str, Any] | None = Field(
        None,
        description="(Pulumi) Raw chart values merged over the rendered ones: the escape "
        "hatch for chart keys without a typed field.",
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
        exchangeStack: str | None

    @property
    def peer_stacks(self) -> list[str]:
        return [p for p in self.peers if isinstance(p, str)]

    @property
    def static_peers(self) -> list[FederationRecord]:
        return [p for p in self.peers if isinstance(p, FederationRecord)]

    @property
    def own_references(self) -> list[str]:
        """The stacks its own routes come from."""
        return [*self.peer_stacks, *([self.exchangeStack] if self.exchangeStack else [])]


# --- FATE-Serving ---------------------------------------------------------------------------

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
    ip: Host = Field(description="Address of the training cluster's fateflow.")
    port: Port = Field(description="Port of fateflow's HTTP API (9380, or its NodePort).")


class ServingRedis(Placement, Storage):
    password: Credential | None = Field(
        None,
        description="Secret. Redis password. Default: fate_dev, refused unless "
        "allowDefaultCredentials.",
    )
    subPath: str | None = Field(None, description="Sub-path in the volume.")


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
    singleAdaptor: str | None = Field(
        None,
        description="Feature adaptor class for single inference (chart v2.1.5 and "
        "later). Default: the chart's MockAdapter.",
    )
    batchAdaptor: str | None = Field(
        None,
        description="Feature adaptor class for batch inference (chart v2.1.5 and "
        "later). Default: the chart's MockBatchAdapter.",
    )
    AdapterURL: str | None = Field(
        None,
        description="URL the HTTP adaptor fetches features from (chart v2.1.5 and "
        "later). Default: http://127.0.0.1:9380/v1/http/adapter/getFeature.",
    )
    subPath: str | None = Field(None, description="Sub-path in the volume.")


class ServingZookeeper(Placement, Storage):
    subPath: str | None = Field(None, description="Sub-path in the volume.")
    storageClassName: str | None = Field(
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
    username: str | None = Field(None, description="Login of the admin UI. Default: admin.")
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
    imageTag: str | None = Field(
        None, description="Image tag of FATE-Serving's images. Default: <version>-release."
    )
    persistence: bool = Field(False, description="Keep data in PVCs. Default: false.")
    ingressClassName: str | None = Field(
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
    peers: list[str | FederationRecord] = Field(
        default_factory=list,
        description="(Pulumi) Parties whose serving proxies this one reaches directly: stack "
        "names, or static federation records with a servingProxy endpoint. Added to "
        "servingProxy.partyList. Default beside a training cluster: fate:peers.",
    )
    exchangeStack: str | None = Field(
        None,
        description="(Pulumi) The exchange stack whose serving proxy routes for this one, in "
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


class PartyConfig(Peered, StackConfig):
    """A FATE party: the ``fate:`` config of a party stack, the whole ``fate`` chart. Its
    computing engine makes it FATE on eggroll or FATE on Spark; each kind's rules say
    which sections it deploys."""

    @property
    def kind(self) -> str:
        return "eggroll" if self.computing == "Eggroll" else "spark"

    partyId: PartyId = Field(description="This party's id. Required.")
    name: ReleaseName | None = Field(
        None, description="Helm release (cluster) name. Default: fate-<partyId>."
    )
    namespace: NamespaceName | None = Field(
        None, description="Kubernetes namespace. Default: fate-<partyId>."
    )
    chartName: Literal["fate"] = Field("fate", description="Chart to install. Default: fate.")
    imageTag: str | None = Field(
        None, description="Image tag of FATE's images. Default: the chart's (<version>-release)."
    )
    persistence: bool = Field(False, description="Keep data in PVCs. Default: false.")
    ingressClassName: str | None = Field(None, description="Default: nginx.")
    ingress: Ingresses | None = Field(None, description="Ingress hosts of fateboard and client.")
    modules: list[Module] = Field(
        default_factory=lambda: cast(list[Module], default_modules("Eggroll", None, None)),
        description="Modules to deploy. Default: what the engines need: on eggroll "
        "rollsite, clustermanager, nodemanager, mysql, python, fateboard, client"
        "; on Spark python, mysql, fateboard, client, nginx, spark (computing: Spark), "
        "hdfs (storage: HDFS), pulsar or rabbitmq (the federation engine); mysql left out "
        "with externalMysqlIp.",
    )
    computing: Literal["Eggroll", "Spark", "Spark_local"] = Field(
        "Eggroll", description="Computing engine. Default: Eggroll."
    )
    federation: Literal["Eggroll", "OSX", "RabbitMQ", "Pulsar"] = Field(
        "Eggroll",
        description="Federation engine. Default: Eggroll; OSX on eggroll with chart v2.0.0.",
    )
    storage: Literal["Eggroll", "HDFS", "LocalFS"] = Field(
        "Eggroll", description="Storage engine. Default: Eggroll."
    )
    algorithm: Literal["Basic", "NN", "ALL"] = Field(
        "Basic", description="Algorithm image flavour. Default: Basic."
    )
    device: Literal["CPU", "IPCL", "GPU"] = Field(
        "CPU", description="Device image flavour. Default: CPU."
    )
    rollsite: Rollsite | None = Field(
        None, description="The party's federation gateway (chart 1.x)."
    )
    osx: Osx | None = Field(None, description="The party's federation gateway (chart v2.0.0).")
    python: Python | None = Field(None, description="fateflow.")
    mysql: Mysql | None = Field(None, description="The in-cluster mysql.")
    externalMysqlIp: Host | None = Field(None, description="Use this mysql instead of the module.")
    externalMysqlPort: Port | None = Field(None, description="Port of the external mysql.")
    externalMysqlDatabase: str | None = Field(None, description="Database of the external mysql.")
    externalMysqlUser: str | None = Field(None, description="User of the external mysql.")
    externalMysqlPassword: Credential | None = Field(
        None, description="Secret. Password of the external mysql."
    )
    clustermanager: Clustermanager | None = Field(None, description="eggroll clustermanager.")
    nodemanager: Nodemanager | None = Field(None, description="eggroll nodemanagers.")
    fateboard: Fateboard | None = Field(None, description="FATE-Board.")
    client: Client | None = Field(None, description="The notebook client.")
    servingIp: Host | None = Field(None, description="Address of this party's serving-server.")
    servingPort: Port | None = Field(None, description="Port of this party's serving-server.")
    serving: Serving | None = Field(None, description="Serving registry (zookeeper).")
    spark: Spark | None = Field(None, description="Spark: the Spark cluster.")
    hdfs: Hdfs | None = Field(None, description="Spark: HDFS.")
    nginx: SparkNginx | None = Field(None, description="Spark: the federation proxy.")
    rabbitmq: Rabbitmq | None = Field(None, description="Spark: RabbitMQ federation.")
    upgradeManager: UpgradeManager = Field(
        default_factory=UpgradeManager,
        description="(Pulumi) The MySQL migration an update that raises chartVersion runs "
        "before the fate release changes.",
    )
    pulsar: Pulsar | None = Field(None, description="Spark: Pulsar federation.")
    # --- keys this project adds -------------------------------------------------------
    peers: list[str | FederationRecord] = Field(
        default_factory=list,
        description="(Pulumi) Parties reached directly (P2P): stack names in this backend, "
        "whose federation output gives their address, or static federation records for "
        "parties elsewhere. Added to rollsite.partyList.",
    )
    exchangeStack: str | None = Field(
        None,
        description="(Pulumi) The exchange stack this party routes through (star mode), in "
        "place of rollsite.exchange.",
    )
    allowDefaultCredentials: bool = Field(
        False,
        description="(Pulumi) Accept the charts' well-known credentials (mysql fate_dev, "
        "fateboard admin/admin, RabbitMQ fate/fate). Default: false.",
    )
    tls: TlsOptions = _tls_field()
    servingCluster: ServingConfig | None = Field(
        None,
        alias=SERVING_NAMESPACE,
        description="(Pulumi) This party's serving cluster: the `fate-serving:` keys "
        "(`FateServing`). Default: none.",
    )

    @classmethod
    def default_name(cls, party_id: Any) -> str | None:
        text = str(party_id)
        return f"fate-{text}" if text.isdigit() and int(text) > 0 else None

    def has(self, module: str) -> bool:
        return module in self.modules

    @model_validator(mode="before")
    @classmethod
    def _serving_inherits(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get(SERVING_NAMESPACE), dict):
            inherited = {k: data[k] for k in SERVING_INHERITED if data.get(k) is not None}
            data = {**data, SERVING_NAMESPACE: {**inherited, **data[SERVING_NAMESPACE]}}
        return data

    @model_validator(mode="before")
    @classmethod
    def _default_modules(cls, data: Any) -> Any:
        fate2 = isinstance(data, dict) and is_fate2(str(data.get("chartVersion")))
        if fate2 and data.get("computing") in (None, "Eggroll") and data.get("federation") is None:
            chart = fate_chart(str(data.get("chartVersion")))
            data = {**data, "federation": chart.eggroll_federation}  # the 2.0 chart's default
        if isinstance(data, dict) and data.get("modules") is None:
            engines = [data.get(key) for key in ("computing", "federation", "storage")]
            modules = default_modules(engines[0], engines[1], engines[2], fate2)
            if data.get("externalMysqlIp"):
                modules.remove("mysql")
            data = {**data, "modules": modules}
        return data

    @property
    def chart(self) -> FateChart:
        """The catalogue's row of this party's ``fate`` chart version."""
        return fate_chart(self.chartVersion)

    @property
    def fate2(self) -> bool:
        """FATE 2.0 (the fate chart v2.0.0), else FATE 1.x."""
        return self.chart.fate2

    @property
    def fate_version(self) -> str:
        """FATE's major.minor version, which parties federating together share."""
        return self.chart.fate_version

    @property
    def gateway(self) -> Literal["rollsite", "osx"]:
        """The module peers reach an eggroll party at: rollsite, or osx on FATE 2.0."""
        return self.chart.gateway

    @property
    def gateway_section(self) -> Rollsite | None:
        """The config of that module: the ``rollsite`` section, or ``osx`` on FATE 2.0."""
        return self.osx if self.fate2 else self.rollsite

    @property
    def rollsite_tls(self) -> bool:
        """Whether rollsite speaks TLS to peers and exchange (``rollsite.enableTLS``)."""
        return self.gateway == "rollsite" and rollsite_tls(self)

    @property
    def protocol(self) -> Protocol:
        """What this party speaks to its peers and exchange."""
        if self.computing == "Eggroll":
            return "osx" if self.federation == "OSX" else "eggroll"
        return "spark-rabbitmq" if self.federation == "RabbitMQ" else "spark-pulsar"

    @property
    def broker(self) -> str | None:
        """The broker a Spark party federates through (pulsar or rabbitmq); None on eggroll."""
        return BROKERS.get(self.protocol)

    @property
    def uses_external_mysql(self) -> bool:
        return self.externalMysqlIp is not None

    @property
    def referenced_stacks(self) -> list[str]:
        serving = self.servingCluster.referenced_stacks if self.servingCluster else []
        return list(dict.fromkeys([*self.own_references, *serving]))

    def node_ports(self) -> Iterator[NodePortClaim]:
        """Every NodePort of the stack: its serving cluster's too (one cluster's nodes)."""
        if self.servingCluster is not None:
            for claim in self.servingCluster.node_ports():
                yield replace(claim, path=(SERVING_NAMESPACE, *claim.path))
        for module in FATE_MODULES:  # each module's NodePort keys (the module registry)
            if module.party and module.node_ports:
                section = getattr(self, module.name)
                for node in module.node_port_at:
                    section = getattr(section, node) if section else None
                at = module.node_port_at
                yield from self._claims(module.name, section, module.node_ports, at=at)
            if module.name == "rollsite":  # its TLS port: rollsite's Service type
                rollsite_type = self.rollsite.type if self.rollsite else None
                yield rollsite_tls_claim(self.tls, rollsite_type, self.rollsite_tls)
        yield from self._driver_ports()

    def spark_driver_ranges(self) -> list[tuple[int, int]]:
        """The driver and block manager port ranges of a fateflow-sparkdriver Service
        exposed outside the namespace (NodePort or LoadBalancer): what executors
        elsewhere call back on."""
        spark = self.python.spark if self.python else None
        if spark is None or not spark.portMaxRetries or spark.driverHost == "fateflow":
            return []
        if spark.driverHostType not in EXPOSED:
            return []
        starts = (spark.driverStartPort, spark.blockManagerStartPort)
        return [(s, s + spark.portMaxRetries - 1) for s in starts if s is not None]

    def _driver_ports(self) -> Iterator[NodePortClaim]:
        """The fateflow-sparkdriver Service's ports: portMaxRetries driver and block
        manager ports each, from their start ports (the chart writes the Service when
        portMaxRetries is set and driverHost is not fateflow)."""
        spark = self.python.spark if self.python else None
        if spark is None or not spark.portMaxRetries or spark.driverHost == "fateflow":
            return
        kind = spark.driverHostType
        if kind not in EXPOSED:  # then they are only container ports
            return
        for key in ("driverStartPort", "blockManagerStartPort"):
            start = getattr(spark, key)
            ports = [None] if start is None else range(start, start + spark.portMaxRetries)
            for port in ports:
                path = ("python", "spark", key)
                yield NodePortClaim(path, port, kind, self.has("python"), "driverHostType")


# --- the exchange -------------------------------------------------------------------------

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
    fqdn: str = Field(description="<partyId>.<domain> of a member's pulsar.")
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
    members: list[str | FederationRecord] = Field(
        default_factory=list,
        description="(Pulumi) Member parties: stack names, or static federation records.",
    )
    tls: TlsOptions = _tls_field()

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


def _credential_paths(
    model: type[BaseModel], prefix: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    for name, info in model.model_fields.items():
        path = (*prefix, info.alias or name)  # as the config spells it
        if Secret in _leaf_types(info.annotation):
            yield path
        for inner in _leaf_types(info.annotation):
            if isinstance(inner, type) and issubclass(inner, Section):
                yield from _credential_paths(inner, path)


def _leaf_types(annotation: Any) -> list[Any]:
    import typing

    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Annotated:
        return _leaf_types(args[0])
    if not args:
        return [annotation]
    if typing.get_origin(annotation) in (list, dict):
        return []  # credentials are never inside lists or maps
    return [leaf for arg in args for leaf in _leaf_types(arg)]


@cache
def credential_paths(model: type[BaseModel]) -> tuple[tuple[str, ...], ...]:
    """Where a kind's credentials live: every field typed :data:`Credential`."""
    return tuple(_credential_paths(model))


CREDENTIAL_PATHS: tuple[tuple[str, ...], ...] = credential_paths(PartyConfig)
"""Where credentials live in a party's config; each must be a Pulumi secret."""
