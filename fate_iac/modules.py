"""The module registry: one row per module of the ``fate`` chart, and everything that
varies by module (the engines it belongs to, the key that points at an external one, its
NodePorts, its values renderer, where its images are).

A new module is a new row here, its section in the config schema and its renderer in
:mod:`fate_iac.values`: the default modules, the module rules, the render order, the
image sections and a party's NodePort claims are read from the rows.

Below them, what the charts' own configs need (:data:`MODULE_NEEDS`, :data:`PORT_NEEDS`):
an address one module's config names of another in the release, and a port a Service
publishes that listens only under some setting; the rule ``module-needs`` reads them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class Engines(Protocol):
    """What decides a party's modules: its engines and generation (a party's config is
    one; :func:`default_modules` makes one from raw keys)."""

    @property
    def computing(self) -> str: ...

    @property
    def federation(self) -> str: ...

    @property
    def storage(self) -> str: ...

    @property
    def fate2(self) -> bool: ...

    @property
    def uses_external_mysql(self) -> bool: ...


def _computing(*engines: str) -> Callable[[Engines], bool]:
    return lambda party: party.computing in engines


@dataclass(frozen=True)
class FateModule:
    """One module of the ``fate`` chart (an entry of ``modules``)."""

    name: str
    when: str
    """Which parties deploy it, as a problem says it."""
    allowed: Callable[[Engines], bool]
    """Whether its objects work with a party's engines (read from the chart's templates)."""
    required: bool = True
    """Whether a party it is allowed on must deploy it ..."""
    external: tuple[str, ...] | None = None
    """... unless this key path points at one outside the party."""
    party: bool = True
    """Whether a party may deploy it at all (lbrollsite is an exchange's)."""
    generations: tuple[int, ...] = (1, 2)
    """The FATE generations whose chart has it."""
    renderer: str | None = None
    """Its renderer in :data:`fate_iac.values.RENDERERS` (None: only ``include``)."""
    node_ports: tuple[str, ...] = ()
    """The keys of its section that are NodePorts of its Service ..."""
    node_port_at: tuple[str, ...] = ()
    """... in this node of the section (``spark.master``)."""
    image_nodes: tuple[str, ...] | None = None
    """Where the FATE 2.0 chart writes its ``image``/``imageTag`` in the values: the
    module itself (``("",)``) or its nodes; None: no image of its own."""
    image_per_node: bool = False
    """Whether the config sets an image per node (spark) or one for all (hdfs)."""
    listed: Mapping[str, int] = field(default_factory=dict)
    """Where KubeFATE's example cluster.yaml of each party kind (eggroll, spark) lists
    it: the default modules keep that order."""

    @property
    def image_sections(self) -> tuple[tuple[str, ...], ...]:
        """The config sections that take its ``image`` and ``imageTag`` (FATE 2.0)."""
        if self.image_nodes is None:
            return ()
        if self.image_per_node:
            return tuple((self.name, node) for node in self.image_nodes)
        return ((self.name,),)

    @property
    def image_locations(self) -> tuple[str, ...]:
        """Where in the chart's ``modules`` values its images are (``spark.master``)."""
        if self.image_nodes is None:
            return ()
        return tuple(f"{self.name}.{node}" if node else self.name for node in self.image_nodes)


_EGGROLL = "FATE on eggroll (computing: Eggroll)"
_EVERY_PARTY = "every party"

FATE_MODULES: tuple[FateModule, ...] = (
    FateModule(
        "rollsite",
        "FATE 1.x on eggroll (computing: Eggroll, chart 1.x)",
        lambda party: party.computing == "Eggroll" and not party.fate2,
        generations=(1,),
        renderer="gateway",
        node_ports=("nodePort",),
        listed={"eggroll": 0},
    ),
    FateModule(
        "osx",
        "FATE 2.0 on eggroll (computing: Eggroll, chart v2.0.0)",
        lambda party: party.computing == "Eggroll" and party.fate2,
        generations=(2,),
        renderer="gateway",
        node_ports=("nodePort",),
        image_nodes=("",),
        listed={"eggroll": 0},
    ),
    FateModule(
        "clustermanager",
        _EGGROLL,
        _computing("Eggroll"),
        renderer="clustermanager",
        image_nodes=("",),
        listed={"eggroll": 1},
    ),
    FateModule(
        "nodemanager",
        _EGGROLL,
        _computing("Eggroll"),
        renderer="nodemanager",
        image_nodes=("",),
        listed={"eggroll": 2},
    ),
    FateModule(
        "lbrollsite", "an exchange cluster", lambda party: False, required=False, party=False
    ),
    FateModule(
        "python",
        _EVERY_PARTY,
        lambda party: True,
        renderer="python",
        node_ports=("httpNodePort", "grpcNodePort"),
        image_nodes=("",),
        listed={"eggroll": 4, "spark": 0},
    ),
    FateModule(
        "mysql",
        "a party without externalMysqlIp (with one it would run unused)",
        lambda party: not party.uses_external_mysql,
        external=("externalMysqlIp",),
        renderer="mysql",
        image_nodes=("",),
        listed={"eggroll": 3, "spark": 1},
    ),
    FateModule(
        "fateboard",
        _EVERY_PARTY,
        lambda party: True,
        required=False,
        renderer="fateboard",
        image_nodes=("",),
        listed={"eggroll": 5, "spark": 2},
    ),
    FateModule(
        "client",
        _EVERY_PARTY,
        lambda party: True,
        required=False,
        renderer="client",
        image_nodes=("",),
        listed={"eggroll": 6, "spark": 3},
    ),
    FateModule(
        "spark",
        "FATE on Spark (computing: Spark)",
        _computing("Spark"),
        external=("python", "spark", "master"),
        renderer="spark",
        node_ports=("nodePort",),
        node_port_at=("master",),
        image_nodes=("master", "worker"),
        image_per_node=True,
        listed={"spark": 4},
    ),
    FateModule(
        "hdfs",
        "FATE on Spark (storage: HDFS)",
        lambda party: party.storage == "HDFS",
        external=("python", "hdfs", "name_node"),
        renderer="hdfs",
        node_ports=("nodePort",),
        node_port_at=("namenode",),
        image_nodes=("namenode", "datanode"),
        listed={"spark": 5},
    ),
    FateModule(
        "nginx",
        "FATE on Spark (computing: Spark or Spark_local)",
        _computing("Spark", "Spark_local"),
        renderer="nginx",
        node_ports=("httpNodePort", "grpcNodePort"),
        image_nodes=("",),
        listed={"spark": 6},
    ),
    FateModule(
        "rabbitmq",
        "FATE on Spark (federation: RabbitMQ)",
        lambda party: party.federation == "RabbitMQ",
        external=("python", "rabbitmq", "host"),
        renderer="rabbitmq",
        node_ports=("nodePort",),
        image_nodes=("",),
        listed={"spark": 7},
    ),
    FateModule(
        "pulsar",
        "FATE on Spark (federation: Pulsar)",
        lambda party: party.federation == "Pulsar",
        external=("python", "pulsar", "host"),
        renderer="pulsar",
        node_ports=("httpNodePort", "httpsNodePort"),
        image_nodes=("",),
        listed={"spark": 7},
    ),
)
"""Every module of the ``fate`` chart, in the order the rules name them."""

MODULES_BY_NAME: dict[str, FateModule] = {module.name: module for module in FATE_MODULES}
MODULE_NAMES: tuple[str, ...] = tuple(MODULES_BY_NAME)


def modules_of(generation: int) -> tuple[FateModule, ...]:
    """The modules the ``fate`` chart of a FATE generation (1 or 2) has."""
    return tuple(m for m in FATE_MODULES if generation in m.generations)


def image_sections(locations: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    """The config sections that set the images at ``locations`` (where a chart writes
    them: ``python``, ``spark.master``), in their order, each once."""
    sections: dict[tuple[str, ...], None] = {}
    for location in locations:
        name, _, node = location.partition(".")
        module = MODULES_BY_NAME[name]
        sections[(name, node) if node and module.image_per_node else (name,)] = None
    return tuple(sections)


@dataclass(frozen=True)
class _RawEngines:
    computing: str
    federation: str
    storage: str
    fate2: bool
    uses_external_mysql: bool = False


def default_modules(
    computing: object, federation: object, storage: object, fate2: bool = False
) -> list[str]:
    """The modules a party deploys when its config lists none: every party module its
    engines need or take (eggroll brings its own federation and storage; mysql is
    dropped afterwards for an external one), in the order KubeFATE lists them."""
    if computing in (None, "Eggroll"):
        kind = "eggroll"
        party = _RawEngines("Eggroll", "OSX" if fate2 else "Eggroll", "Eggroll", fate2)
    else:
        kind = "spark"
        party = _RawEngines(str(computing), str(federation), str(storage), fate2)
    chosen = [m for m in FATE_MODULES if m.party and m.allowed(party)]
    return [m.name for m in sorted(chosen, key=lambda m: m.listed[kind])]


# --- what one module needs of another, read from the charts' configs ------------------------


@dataclass(frozen=True)
class ModuleNeed:
    """An address one module's config names inside its release: the chart writes the
    other module's Service name into it, so the release must deploy that module, or the
    config must point the address elsewhere (``unless``)."""

    chart: str
    module: str
    needs: str
    where: str
    """Where the chart writes the address (its file and setting)."""
    unless: tuple[str, ...] | None = None
    """A key that points the address outside the release instead."""


@dataclass(frozen=True)
class PortNeed:
    """A port a chart publishes on a Service that its module listens on only under some
    setting: a stack that publishes it must make that setting."""

    chart: str
    module: str
    service: str
    port: str
    published: str
    """When the chart publishes it (as a stack says it)."""
    listens: str
    """When the module listens on it."""
    at: tuple[str, ...]
    """The key a problem is reported at."""
    publishes: Callable[[Any], bool]
    listening: Callable[[Any], bool]


MODULE_NEEDS: tuple[ModuleNeed, ...] = (
    ModuleNeed(
        "fate",
        "fateboard",
        "python",
        "fateboard-config application.properties: fateflow.url=http://fateflow:9380",
    ),
    ModuleNeed("fate", "client", "python", "client's FATE_FLOW_IP env: fateflow"),
    ModuleNeed(
        "fate",
        "nodemanager",
        "clustermanager",
        "eggroll-config eggroll.properties: eggroll.resourcemanager.clustermanager.host",
    ),
    ModuleNeed(
        "fate",
        "clustermanager",
        "mysql",
        "eggroll-config eggroll.properties: clustermanager.jdbc.url (host mysql)",
        unless=("externalMysqlIp",),
    ),
    ModuleNeed(
        "fate",
        "python",
        "mysql",
        "python-config service_conf.yaml: database.host (mysql)",
        unless=("externalMysqlIp",),
    ),
    ModuleNeed(
        "fate-serving",
        "servingAdmin",
        "servingZookeeper",
        "serving-admin-config application.properties: zk.url=serving-zookeeper:2181 (the "
        "admin reads every service it shows from ZooKeeper)",
    ),
)
"""What each module's config names of another module in the same release."""


def _spark_driver_outside(cfg: Any) -> bool:
    spark = cfg.python.spark if cfg.python else None
    return bool(spark and spark.portMaxRetries and spark.driverHost != "fateflow")


def _spark_start(cfg: Any, key: str) -> bool:
    spark = cfg.python.spark if cfg.python else None
    return spark is not None and getattr(spark, key) is not None


def _pulsar_public_lb(cfg: Any) -> bool:
    lb = cfg.pulsar.publicLB if cfg.pulsar else None
    return bool(cfg.has("pulsar") and lb is not None and lb.enabled)


PORT_NEEDS: tuple[PortNeed, ...] = (
    PortNeed(
        "fate",
        "pulsar",
        "pulsar-public-tls",
        "6651",
        "pulsar.publicLB.enabled: a LoadBalancer Service of the TLS port alone",
        "pulsar.exchange (or exchangeStack): the chart writes brokerServicePortTls=6651 into "
        "standalone.conf only then",
        ("pulsar", "publicLB"),
        _pulsar_public_lb,
        lambda cfg: cfg.pulsar_via_exchange,
    ),
    PortNeed(
        "fate",
        "python",
        "fateflow-sparkdriver",
        "driverStartPort + 0..portMaxRetries-1",
        "python.spark.portMaxRetries with a driverHost other than fateflow",
        "python.spark.driverStartPort: the chart writes spark.driver.port only then (the "
        "Service's ports count from it, from 0 without it)",
        ("python", "spark", "driverStartPort"),
        _spark_driver_outside,
        lambda cfg: _spark_start(cfg, "driverStartPort"),
    ),
    PortNeed(
        "fate",
        "python",
        "fateflow-sparkdriver",
        "blockManagerStartPort + 0..portMaxRetries-1",
        "python.spark.portMaxRetries with a driverHost other than fateflow",
        "python.spark.blockManagerStartPort: the chart writes spark.blockManager.port only then",
        ("python", "spark", "blockManagerStartPort"),
        _spark_driver_outside,
        lambda cfg: _spark_start(cfg, "blockManagerStartPort"),
    ),
)
"""Ports the charts publish that listen only under a setting."""


def needs_of(chart: str) -> tuple[ModuleNeed, ...]:
    return tuple(n for n in MODULE_NEEDS if n.chart == chart)


def port_needs_of(chart: str) -> tuple[PortNeed, ...]:
    return tuple(n for n in PORT_NEEDS if n.chart == chart)
