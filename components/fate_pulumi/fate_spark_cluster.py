"""``FateSparkCluster``: one FATE party on Spark, as the upstream ``fate`` chart."""

from collections.abc import Mapping
from typing import Any

import pulumi

from fate_iac.config import PartyConfig
from fate_pulumi.party import FateParty


class FateSparkCluster(FateParty):
    """A party's namespace and its ``fate`` Helm release, FATE on Spark (``computing``
    Spark or Spark_local): fateflow, Spark, HDFS or LocalFS, and nginx with Pulsar or
    RabbitMQ for federation.

    Its nginx and broker route tables are built from the federation records of its
    peers (``peers``), or it sends through an exchange's nginx and trafficServer
    (``exchangeStack``).
    """

    type_token = "fate:index:FateSparkCluster"

    nginx: pulumi.Output[dict[str, Any]]
    """Where peers and exchanges reach this party's nginx: ``nginxHttp`` and
    ``nginxGrpc``, each ``{host, port}``."""
    broker: pulumi.Output[dict[str, Any]]
    """Its federation broker: ``pulsar`` ``{host, port, tlsPort, domain}`` or
    ``rabbitmq`` ``{host, port}``."""
    spark_hosts: pulumi.Output[list[str]]
    """Ingress hosts of the Spark master's UI."""

    def __init__(
        self,
        name: str,
        config: PartyConfig,
        records: pulumi.Input[Mapping[str, Any]] | None = None,
        chart_source: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
        settled: pulumi.Output[PartyConfig] | None = None,
    ) -> None:
        """As ``FateParty``'s."""
        super().__init__(name, config, records, chart_source, opts, settled)
        self.nginx = self.outputs["nginx"]
        self.broker = self.outputs["broker"]
        self.spark_hosts = self.outputs["sparkHosts"]
