"""The ``fate`` chart: a party's training cluster (:class:`PartyConfig`) and the sections
of its modules, FATE on eggroll and FATE on Spark.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Annotated, Any, Literal, cast, get_args

from pydantic import Field, model_validator

from fate_iac.catalogue import UPGRADE_MANAGER, FateChart, fate_chart, is_fate2
from fate_iac.config.fields import (
    Images,
    IngressRule,
    NginxRoute,
    Placement,
    Resources,
    Section,
    Storage,
    Toggle,
)
from fate_iac.config.serving import SERVING_INHERITED, ServingConfig
from fate_iac.config.stack import (
    EXPOSED,
    NodePortClaim,
    Peered,
    Reference,
    StackConfig,
    TlsOptions,
    rollsite_tls,
    rollsite_tls_claim,
    tls_field,
)
from fate_iac.federation import BROKERS, Protocol
from fate_iac.modules import FATE_MODULES, default_modules
from fate_iac.problems import SERVING_NAMESPACE
from fate_iac.typed import (
    Credential,
    DatabaseName,
    DatabaseUser,
    DnsName,
    FilePath,
    Host,
    HostPort,
    ImageName,
    ImageReference,
    IPAddress,
    KubeName,
    KubeObjects,
    NamespaceName,
    OciTag,
    PartyId,
    Port,
    ProxyAddress,
    ReleaseName,
    ServiceType,
    SubPath,
    TimeZone,
    Token,
    Url,
    UrlHost,
    UserName,
)

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


class ClustermanagerResources(Section):
    cores_per_node: int | None = Field(None, description="Cores per node fateflow schedules.")
    nodes: int | None = Field(None, description="Nodes fateflow schedules on.")


class FateflowSpark(Section):
    """How fateflow submits to Spark (written into its service_conf as it is)."""

    cores_per_node: int | None = Field(None, ge=1, description="Cores per Spark worker.")
    nodes: int | None = Field(None, ge=1, description="Spark workers fateflow schedules on.")
    master: Url | None = Field(None, description="Default (chart): spark://spark-master:7077.")
    driverHost: Host | None = Field(None, description="Default (chart): fateflow.")
    driverHostType: ServiceType | None = Field(
        None, description="Type of the fateflow-sparkdriver Service (with portMaxRetries)."
    )
    portMaxRetries: int | None = Field(None, description="spark.port.maxRetries.")
    driverStartPort: Port | None = Field(None, description="First spark.driver.port.")
    blockManagerStartPort: Port | None = Field(None, description="First block manager port.")
    pysparkPython: FilePath | None = Field(None, description="PYSPARK_PYTHON.")


class FateflowHdfs(Section):
    name_node: Url | None = Field(None, description="Default: hdfs://namenode:9000.")
    path_prefix: FilePath | None = Field(None, description="Path prefix of FATE's tables.")


_WRITTEN = "once the section is written, set it (the chart's {} applies only without it)"


class FateflowPulsar(Section):
    """fateflow's link to Pulsar: written whole, as the template does."""

    host: Host | None = Field(None, description="Pulsar host: " + _WRITTEN.format("pulsar"))
    mng_port: Port | None = Field(None, description="Admin port: " + _WRITTEN.format("8080"))
    port: Port | None = Field(None, description="Broker port: " + _WRITTEN.format("6650"))
    topic_ttl: int | None = Field(None, ge=0, description="Topic TTL (minutes). From v1.10.")
    cluster: Token | None = Field(None, description="Pulsar cluster. From v1.10.")
    tenant: Token | None = Field(None, description="Pulsar tenant. From v1.10.")


class FateflowRabbitmq(Section):
    """fateflow's link to RabbitMQ: written whole, as the template does."""

    host: Host | None = Field(None, description="RabbitMQ host: " + _WRITTEN.format("rabbitmq"))
    mng_port: Port | None = Field(None, description="Management port: " + _WRITTEN.format("15672"))
    port: Port | None = Field(None, description="AMQP port: " + _WRITTEN.format("5672"))
    user: UserName | None = Field(
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
    auth_mechanism: Token | None = Field(None, description="Hive auth mechanism.")
    username: UserName | None = Field(None, description="Hive user.")
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
    serviceAccountName: KubeName | None = Field(None, description="ServiceAccount of fateflow.")
    dependent_distribution: bool | None = Field(None, description="Distribute dependencies.")
    failedTaskAutoRetryTimes: int | None = Field(None, description="Default: 5.")
    failedTaskAutoRetryDelay: int | None = Field(None, description="Seconds. Default: 60.")
    claimName: KubeName | None = Field(None, description="PVC name. Default: python-data.")
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
    ip: UrlHost | None = Field(None, description="Service host of mysql. Default: mysql.")
    port: Port | None = Field(None, description="Default: 3306.")
    database: DatabaseName | None = Field(None, description="Default: eggroll_meta.")
    user: DatabaseUser | None = Field(None, description="Default: fate.")
    password: Credential | None = Field(
        None,
        description="Secret. The chart's fate_dev is refused unless allowDefaultCredentials.",
    )
    subPath: SubPath | None = Field(None, description="Volume subPath.")


class Clustermanager(Placement, Images):
    mysqlServerTimezone: TimeZone | None = Field(None, description="Default (chart): UTC.")
    resources: Resources | None = Field(None, description="Pod resources.")


class Nodemanager(Placement, Storage, Images):
    replicas: int | None = Field(None, ge=1, description="Nodemanagers. Default: 2.")
    sessionProcessorsPerNode: int | None = Field(
        None, ge=1, description="Egg processors per nodemanager."
    )
    subPath: SubPath | None = Field(None, description="Volume subPath.")
    resources: Resources | None = Field(None, description="Pod resources.")


class Fateboard(Placement, Images):
    type: ServiceType | None = Field(None, description="Service type.")
    username: UserName | None = Field(None, description="Default (chart): admin.")
    password: Credential | None = Field(
        None,
        description="Secret. The chart's admin is refused unless allowDefaultCredentials.",
    )


class Client(Placement, Storage, Images):
    subPath: SubPath | None = Field(None, description="Volume subPath.")
    notebook_hashed_password: Credential | None = Field(
        None,
        description="Secret. Jupyter hashed password of the notebook (argon2:... or "
        "sha1:<salt>:<hex digest>). Required: the chart publishes the notebook, which runs "
        "code as the party (or fate:allowNotebookWithoutPassword).",
    )


class Zookeeper(Section):
    hosts: list[HostPort] | None = Field(None, description="host:port of each zookeeper.")
    use_acl: bool | None = Field(None, description="Use ACLs.")
    user: UserName | None = Field(None, description="ACL user.")
    password: Credential | None = Field(None, description="Secret. ACL password.")


class Serving(Section):
    useRegistry: bool | None = Field(None, description="Find serving through zookeeper.")
    zookeeper: Zookeeper | None = Field(None, description="The zookeeper FATE-Serving uses.")


# --- FATE on Spark -------------------------------------------------------------------------


class SparkNode(Placement, Images):
    """A Spark master or worker Deployment."""

    Image: ImageName | None = Field(
        None,
        description="(chart 1.x) Image (without tag). Default: <registry>/spark-master|worker.",
    )
    ImageTag: OciTag | None = Field(
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

    image: ImageName | None = Field(
        None,
        description="(chart v2.0.0) Image of the namenode and of the datanodes alike (the "
        "chart reads this one key for both). Default: federatedai/hadoop-namenode and "
        "-datanode.",
    )
    namenode: HdfsNamenode | None = Field(None, description="The namenode.")
    datanode: HdfsDatanode | None = Field(None, description="The datanodes.")


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
    default_user: UserName | None = Field(None, description="Broker's default user.")
    default_pass: Credential | None = Field(None, description="Secret. Its password.")
    user: UserName | None = Field(None, description="Federation user.")
    password: Credential | None = Field(None, description="Secret. Its password.")
    route_table: dict[PartyId, RabbitmqRoute] | None = Field(
        None, description="Routes by party id, this party's own included (see peers)."
    )
    resources: Resources | None = Field(None, description="Pod resources.")


class PulsarConfs(Section):
    """The broker settings the fate chart reads from ``pulsar.confs`` (into standalone.conf)."""

    backlogQuotaDefaultLimitGB: int | None = Field(
        None, ge=0, description="backlogQuotaDefaultLimitGB. Default (chart): 10."
    )
    brokerDeleteInactiveTopicsFrequencySeconds: int | None = Field(
        None, ge=1, description="brokerDeleteInactiveTopicsFrequencySeconds. Default (chart): 60."
    )


class PulsarRoute(Section):
    host: Host = Field(description="Address of that party's Pulsar.")
    port: Port = Field(description="Its broker port (6650, or its NodePort).")
    sslPort: Port | None = Field(None, description="Its TLS port (6651, or its NodePort).")
    proxy: ProxyAddress | None = Field(
        None, description='A proxy in front of it (host:port); "" for none.'
    )


class PulsarExchange(Section):
    ip: Host = Field(description="Address of the exchange's trafficServer.")
    port: Port = Field(description="Port of the exchange's trafficServer.")
    domain: DnsName | None = Field(None, description="SNI domain. Default: fate.org.")


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
    env: Annotated[list[dict[str, Any]], KubeObjects] | None = Field(
        None,
        description="Extra container env (Kubernetes EnvVar objects). Free structure: the "
        "chart writes the list with toYaml, so it stays env entries of the broker container.",
    )
    confs: PulsarConfs | None = Field(
        None,
        description="Broker settings the chart writes into its standalone.conf (the only "
        "two it reads).",
    )
    resources: Resources | None = Field(None, description="Pod resources.")


class UpgradeManager(Placement):
    """*(Pulumi)* The job that migrates fateflow's MySQL when ``chartVersion`` rises: the
    objects of KubeFATE's fate-upgrade-manager chart, with the password from a Secret."""

    image: ImageReference = Field(
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
    imageTag: OciTag | None = Field(
        None, description="Image tag of FATE's images. Default: the chart's (<version>-release)."
    )
    persistence: bool = Field(False, description="Keep data in PVCs. Default: false.")
    ingressClassName: KubeName | None = Field(None, description="Default: nginx.")
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
    externalMysqlIp: UrlHost | None = Field(
        None, description="Use this mysql instead of the module."
    )
    externalMysqlPort: Port | None = Field(None, description="Port of the external mysql.")
    externalMysqlDatabase: DatabaseName | None = Field(
        None, description="Database of the external mysql."
    )
    externalMysqlUser: DatabaseUser | None = Field(None, description="User of the external mysql.")
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
    peers: list[Reference] = Field(
        default_factory=list,
        description="(Pulumi) Parties reached directly (P2P): stack names (short, or "
        "org/project/stack), whose federation output gives their address, or static "
        "federation records of parties elsewhere: inline, or {record: <file>} (optionally "
        "with the fingerprint: to pin) as `fatectl federation record` writes it. Added to "
        "rollsite.partyList.",
    )
    exchangeStack: Reference | None = Field(
        None,
        description="(Pulumi) The exchange this party routes through (star mode), in place "
        "of rollsite.exchange: a stack name (short, or org/project/stack), or the static "
        "record of an exchange another organisation runs (inline or {record: <file>}; with "
        "TLS, its CA is trusted).",
    )
    allowDefaultCredentials: bool = Field(
        False,
        description="(Pulumi) Accept the charts' well-known credentials (mysql fate_dev, "
        "fateboard admin/admin, RabbitMQ fate/fate). Default: false.",
    )
    allowEmptyMysqlRootPassword: bool = Field(
        False,
        description="(Pulumi) Keep the chart's MySQL root without a password "
        "(MYSQL_ALLOW_EMPTY_PASSWORD), reachable from every pod of the namespace. "
        "Default: false: root gets a generated password, a Pulumi secret, which MySQL "
        "reads from Secret mysql-root.",
    )
    tls: TlsOptions = tls_field()
    allowNotebookWithoutPassword: bool = Field(
        False,
        description="(Pulumi) Accept a notebook (module client) without "
        "client.notebook_hashed_password. The chart publishes a deployed notebook "
        "through its Ingress (an Istio VirtualService with istio), and Jupyter then asks "
        "for nothing: `fatectl validate` refuses it unless this is on, and says when it "
        "is. Its port stays inside the namespace with networkPolicy either way. "
        "Default: false.",
    )
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
    def pulsar_via_exchange(self) -> bool:
        """Its Pulsar federates through an exchange (``exchangeStack`` or
        ``pulsar.exchange``): only then does the chart turn Pulsar's TLS listener (6651) on
        and mount its certificate."""
        exchange = self.exchangeStack or (self.pulsar is not None and self.pulsar.exchange)
        return bool(self.has("pulsar") and exchange)

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
