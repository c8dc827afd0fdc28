"""``Exchange``: the federation's exchange, as the upstream ``fate-exchange`` chart."""

from collections.abc import Mapping
from typing import Any

import pulumi

from fate_iac.config import ExchangeConfig
from fate_pulumi.stack import FateStack


class Exchange(FateStack):
    """An exchange's namespace and its ``fate-exchange`` release, routing for its members:
    rollsite routes for eggroll parties; SNI (trafficServer) and nginx routes for Spark
    parties federating through Pulsar. With ``servingProxy``, also the serving exchange
    (the ``fate-serving`` chart, release ``<name>-serving``)."""

    namespace: pulumi.Output[str]
    """The namespace the release lives in."""
    release_name: pulumi.Output[str]
    """The Helm release name."""
    members: pulumi.Output[list[int]]
    """Party ids this exchange routes for now."""
    federation: pulumi.Output[dict[str, Any]]
    """This exchange's federation record (the ``federation`` stack output)."""

    def __init__(
        self,
        name: str,
        config: ExchangeConfig,
        records: pulumi.Input[Mapping[str, Any]] | None = None,
        chart_source: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
        settled: pulumi.Output[ExchangeConfig] | None = None,
    ) -> None:
        """``records``: the federation records of the member stacks the config names, by
        stack name, as for ``FateEggrollCluster``; ``chart_source`` likewise (both the
        fate-exchange and the fate-serving chart come from it)."""
        super().__init__("fate:index:Exchange", name, config, records, chart_source, opts, settled)
        self.namespace = self.outputs["namespace"]
        self.release_name = self.outputs["releaseName"]
        self.members = self.outputs["members"]
        self.federation = self.outputs["federation"]
