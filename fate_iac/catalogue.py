"""The chart catalogue: one row per version of each chart this project renders (fate,
fate-exchange, fate-serving, fate-upgrade-manager), and what differs between versions.

A new chart version is a new row here (and tests that pin what it renders): the config
models, the rules, the values, the legacy rewrites and the upgrade checks read the rows
instead of keeping lists of their own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from fate_iac.chart_version import ChartVersion

V = ChartVersion.parse


@dataclass(frozen=True)
class Image:
    """An image as a chart's values write it: name and tag apart."""

    name: str
    tag: str


# --- fate -----------------------------------------------------------------------------------

FATE_KEYS_SINCE: Mapping[str, ChartVersion] = {
    "algorithm: ALL": V("v1.11.2"),
    "device: GPU on eggroll": V("v1.11.1"),
    "device: GPU on Spark": V("v1.11.2"),  # Spark's worker image came a release later
    "python.hive": V("v1.10.0"),
    "python.pulsar.topic_ttl": V("v1.10.0"),
    "python.pulsar.cluster": V("v1.10.0"),
    "python.pulsar.tenant": V("v1.10.0"),
}
"""Keys (and flavours) of the fate chart that an older chart drops without a word, with
the chart version that first reads each."""

FATE1_ONLY_KEYS: Mapping[tuple[str, ...], str] = {
    ("rollsite",): "the fate chart v2.0.0 has no rollsite (eggroll 3 replaced it with osx): "
    "write the osx section",
    ("imageTag",): "the fate chart v2.0.0 reads no global tag: set each module's imageTag",
    ("spark", "master", "Image"): "write spark.master.image on the fate chart v2.0.0",
    ("spark", "master", "ImageTag"): "write spark.master.imageTag on the fate chart v2.0.0",
    ("spark", "worker", "Image"): "write spark.worker.image on the fate chart v2.0.0",
    ("spark", "worker", "ImageTag"): "write spark.worker.imageTag on the fate chart v2.0.0",
}
"""FATE 1.x keys the FATE 2.0 chart does not read, and what to write instead."""


@dataclass(frozen=True)
class FateChart:
    """One version of the ``fate`` chart: the FATE release it deploys and how its values
    differ from its neighbours'."""

    version: ChartVersion
    gateway: Literal["rollsite", "osx"]
    """The module peers reach an eggroll party at."""
    eggroll_federation: Literal["Eggroll", "OSX"] = "Eggroll"
    """The federation engine eggroll works with (and the default on eggroll)."""
    images: Mapping[str, Image] | None = None
    """Per module (``spark.master`` and the like: a node of the module), the image its
    values-template writes when the module's section is written; None: the chart reads
    one global tag (``<version>-release``) for all of FATE's images."""

    @property
    def fate_version(self) -> str:
        """FATE's major.minor version, which parties federating together share."""
        return self.version.major_minor

    @property
    def generation(self) -> int:
        """The FATE generation (1 or 2) whose values interface the chart has."""
        return self.version.major

    @property
    def fate2(self) -> bool:
        """FATE 2.0's values interface (osx, an image per module), else FATE 1.x's."""
        return self.generation >= 2

    def reads(self, key: str) -> bool:
        """Whether this chart reads ``key`` (one of :data:`FATE_KEYS_SINCE`)."""
        return self.version >= FATE_KEYS_SINCE[key]


_FATE_2_0_IMAGES = {
    "osx": Image("federatedai/osx", "2.0.0-release"),
    "python": Image("federatedai/fateflow", "2.0.0-release"),
    "clustermanager": Image("federatedai/eggroll", "2.0.0-release"),
    "nodemanager": Image("federatedai/eggroll", "2.0.0-release"),
    "client": Image("federatedai/client", "2.0.0-release"),
    "mysql": Image("mysql", "8.0.28"),
    "fateboard": Image("federatedai/fateboard", "2.0.0-release"),
    "spark.master": Image("federatedai/spark-master", "2.0.0-release"),
    "spark.worker": Image("federatedai/spark-worker", "2.0.0-release"),
    "hdfs.namenode": Image("federatedai/hadoop-namenode", "2.0.0-hadoop3.2.1-java8"),
    "hdfs.datanode": Image("federatedai/hadoop-datanode", "2.0.0-hadoop3.2.1-java8"),
    "nginx": Image("federatedai/nginx", "2.0.0-release"),
    "rabbitmq": Image("federatedai/rabbitmq", "3.8.3-management"),
    "pulsar": Image("federatedai/pulsar", "2.10.2"),
}

FATE_CHARTS: tuple[FateChart, ...] = (
    FateChart(V("v1.9.0"), gateway="rollsite"),
    FateChart(V("v1.9.1"), gateway="rollsite"),
    FateChart(V("v1.9.2"), gateway="rollsite"),
    FateChart(V("v1.10.0"), gateway="rollsite"),
    FateChart(V("v1.11.1"), gateway="rollsite"),
    FateChart(V("v1.11.2"), gateway="rollsite"),
    FateChart(V("v2.0.0"), gateway="osx", eggroll_federation="OSX", images=_FATE_2_0_IMAGES),
)
"""The ``fate`` chart versions this project renders, oldest first."""
DEFAULT_FATE_CHART = V("v1.11.2")


# --- fate-exchange --------------------------------------------------------------------------


@dataclass(frozen=True)
class ExchangeChart:
    """One version of the ``fate-exchange`` chart (FATE 1.x's: FATE 2.0 has none)."""

    version: ChartVersion


EXCHANGE_CHARTS: tuple[ExchangeChart, ...] = (
    ExchangeChart(V("v1.9.0")),
    ExchangeChart(V("v1.9.1")),
    ExchangeChart(V("v1.9.2")),
    ExchangeChart(V("v1.10.0")),
    ExchangeChart(V("v1.11.1")),
    ExchangeChart(V("v1.11.2")),
)
"""The ``fate-exchange`` chart versions this project renders, oldest first (FATE 2.0's
Spark parties route through v1.11.2's, as KubeFATE's v2.0.0 examples do)."""


# --- fate-serving ---------------------------------------------------------------------------

SERVING_KEYS_SINCE: Mapping[tuple[str, ...], ChartVersion] = {
    path: V("v2.1.5")
    for path in (
        ("ingressClassName",),
        ("ingress",),
        ("servingProxy", "loadBalancerIP"),
        ("servingServer", "loadBalancerIP"),
        ("servingServer", "cacheSwitch"),
        ("servingServer", "cacheType"),
        ("servingServer", "singleAdaptor"),
        ("servingServer", "batchAdaptor"),
        ("servingServer", "AdapterURL"),
    )
}
"""Keys of the fate-serving chart an older chart drops, with the version that first reads
each."""
SERVING_KEYS_UNTIL: Mapping[tuple[str, ...], ChartVersion] = {
    ("servingProxy", "ingressHost"): V("v2.0.4"),
}
"""Keys later fate-serving charts no longer read, with the last version that does (later
ones take ``ingress.servingProxy.hosts``)."""


@dataclass(frozen=True)
class ServingChart:
    """One version of the ``fate-serving`` chart."""

    version: ChartVersion

    @property
    def image_tag(self) -> str:
        """The tag of FATE-Serving's images its values-template writes."""
        return f"{self.version.bare}-release"

    def reads(self, path: tuple[str, ...]) -> bool:
        """Whether this chart reads the key at ``path`` (every key not in
        :data:`SERVING_KEYS_SINCE` or :data:`SERVING_KEYS_UNTIL` is read by all)."""
        since = SERVING_KEYS_SINCE.get(path)
        until = SERVING_KEYS_UNTIL.get(path)
        return (since is None or self.version >= since) and (until is None or self.version <= until)


SERVING_CHARTS: tuple[ServingChart, ...] = (
    ServingChart(V("v2.0.4")),
    ServingChart(V("v2.1.5")),
    ServingChart(V("v2.1.6")),
)
"""The ``fate-serving`` chart versions this project renders, oldest first: those that
share the values interface rendered here (v2.0.0, KubeFATE v1.5's, writes example routes
into every cluster: not supported)."""
DEFAULT_SERVING_CHART = V("v2.1.6")


# --- fate-upgrade-manager -------------------------------------------------------------------


@dataclass(frozen=True)
class UpgradeManagerChart:
    """The ``fate-upgrade-manager`` chart, whose Job this project runs itself."""

    version: ChartVersion
    image: str
    oldest_upgradable: ChartVersion
    """KubeFATE refuses to upgrade anything deployed at this version or older."""


UPGRADE_MANAGER_CHARTS: tuple[UpgradeManagerChart, ...] = (
    UpgradeManagerChart(
        V("v1.0.0"),
        image="federatedai/fate-upgrade-manager:latest",
        oldest_upgradable=V("v1.7.1"),
    ),
)
UPGRADE_MANAGER = UPGRADE_MANAGER_CHARTS[-1]
"""The upgrade manager's objects this project renders."""


# --- lookups --------------------------------------------------------------------------------

FATE_CHART_VERSIONS: tuple[str, ...] = tuple(str(c.version) for c in FATE_CHARTS)
FATE2_CHART_VERSIONS: tuple[str, ...] = tuple(str(c.version) for c in FATE_CHARTS if c.fate2)
SERVING_CHART_VERSIONS: tuple[str, ...] = tuple(str(c.version) for c in SERVING_CHARTS)
EXCHANGE_CHART_VERSIONS: tuple[str, ...] = tuple(str(c.version) for c in EXCHANGE_CHARTS)

_FATE_BY_VERSION = {str(c.version): c for c in FATE_CHARTS}
_SERVING_BY_VERSION = {str(c.version): c for c in SERVING_CHARTS}


def fate_chart(version: str) -> FateChart:
    """The row of a supported ``fate`` chart version (as the config validated it)."""
    return _FATE_BY_VERSION[version]


def serving_chart(version: str) -> ServingChart:
    """The row of a supported ``fate-serving`` chart version."""
    return _SERVING_BY_VERSION[version]


def newest_fate2_chart() -> FateChart:
    """The FATE 2.0 chart a FATE 1.x party's config is rewritten for."""
    return [c for c in FATE_CHARTS if c.fate2][-1]


def is_fate2(version: str | None) -> bool:
    """Whether ``version`` is a supported FATE 2.0 ``fate`` chart (False for anything
    else, supported or not: a deployed version may be one no longer rendered)."""
    chart = _FATE_BY_VERSION.get(str(version))
    return chart is not None and chart.fate2


def known_charts() -> dict[str, tuple[str, ...]]:
    """Every chart this project renders, with the versions it knows (``fatectl --version``)."""
    return {
        "fate": FATE_CHART_VERSIONS,
        "fate-exchange": EXCHANGE_CHART_VERSIONS,
        "fate-serving": SERVING_CHART_VERSIONS,
        "fate-upgrade-manager": tuple(str(c.version) for c in UPGRADE_MANAGER_CHARTS),
    }
