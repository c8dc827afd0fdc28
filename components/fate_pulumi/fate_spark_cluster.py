"""``FateSparkCluster``: one FATE party on Spark, as the upstream ``fate`` chart."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from fate_iac.config import PartyConfig
from fate_pulumi.stack import FateStack


class FateSparkCluster(FateStack):
    """A party's namespace and its ``fate`` Helm release, FATE on Spark (``computing``
    Spark or Spark_local): fateflow, Spark, HDFS or LocalFS, and nginx with Pulsar or
    RabbitMQ for federation.

    Its nginx and broker route tables are built from the federation records of its
    peers (``peers``), or it sends through an exchange's nginx and trafficServer
    (``exchangeStack``). Credentials travel as Pulumi secrets.
    """

    party_id: pulumi.Output[int]
    """This party's id."""
    namespace: pulumi.Output[str]
    """The namespace the release lives in."""
    release_name: pulumi.Output[str]
    """The Helm release name."""
    chart_version: pulumi.Output[str]
    """The installed ``fate`` chart version."""
    federation_endpoint: pulumi.Output[dict[str, Any] | None]
    """Where peers reach this party first: its nginx's HTTP port, ``{host, port}``."""
    nginx: pulumi.Output[dict[str, Any]]
    """Where peers and exchanges reach this party's nginx: ``nginxHttp`` and
    ``nginxGrpc``, each ``{host, port}``."""
    broker: pulumi.Output[dict[str, Any]]
    """Its federation broker: ``pulsar`` ``{host, port, tlsPort, domain}`` or
    ``rabbitmq`` ``{host, port}``."""
    fateflow: pulumi.Output[dict[str, Any]]
    """fateflow's ``http`` and ``grpc`` endpoints."""
    fateboard_hosts: pulumi.Output[list[str]]
    """Ingress hosts of FATE-Board."""
    notebook_hosts: pulumi.Output[list[str]]
    """Ingress hosts of the notebook client."""
    spark_hosts: pulumi.Output[list[str]]
    """Ingress hosts of the Spark master's UI."""
    federation: pulumi.Output[dict[str, Any]]
    """This party's federation record (the ``federation`` stack output)."""

    def __init__(
        self,
        name: str,
        config: PartyConfig,
        records: pulumi.Input[Mapping[str, Any]] | None = None,
        chart_source: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """``records``: the federation records of the stacks the config names (``peers``
        and ``exchangeStack``) by stack name, as for ``FateEggrollCluster``; left out,
        the component reads them itself. ``chart_source``: where the chart comes from
        (default ``config.chartRepo``, else KubeFATE's repository)."""
        super().__init__("fate:index:FateSparkCluster", name, config, records, chart_source, opts)
        self.party_id = self.outputs["partyId"]
        self.namespace = self.outputs["namespace"]
        self.release_name = self.outputs["releaseName"]
        self.chart_version = self.outputs["chartVersion"]
        self.federation_endpoint = self.outputs["federationEndpoint"]
        self.nginx = self.outputs["nginx"]
        self.broker = self.outputs["broker"]
        self.fateflow = self.outputs["fateflow"]
        self.fateboard_hosts = self.outputs["fateboardHosts"]
        self.notebook_hosts = self.outputs["notebookHosts"]
        self.spark_hosts = self.outputs["sparkHosts"]
        self.federation = self.outputs["federation"]
