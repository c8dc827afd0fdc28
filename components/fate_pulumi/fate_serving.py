"""``FateServing``: a party's serving cluster, as the upstream ``fate-serving`` chart."""

from collections.abc import Mapping
from typing import Any

import pulumi

from fate_iac.config import ServingConfig
from fate_pulumi.stack import FateStack


class FateServing(FateStack):
    """A party's FATE-Serving in its own namespace (default ``fate-serving-<partyId>``):
    serving proxy, server, Redis, zookeeper and admin. Its proxy's routes (``partyList``,
    the serving exchange) come from the federation records of its peers (``peers``) and
    its exchange (``exchangeStack``), as a training cluster's rollsite routes do; beside
    a training cluster in the same stack, the two find each other without an address
    typed (see :mod:`fate_iac.serving`)."""

    party_id: pulumi.Output[int]
    """This party's id."""
    namespace: pulumi.Output[str]
    """The namespace the release lives in."""
    release_name: pulumi.Output[str]
    """The Helm release name."""
    chart_version: pulumi.Output[str]
    """The installed ``fate-serving`` chart version."""
    federation_endpoint: pulumi.Output[dict[str, Any] | None]
    """Where peers' serving proxies reach this one, ``{host, port}``."""
    federation: pulumi.Output[dict[str, Any]]
    """The serving cluster's federation record (the stack's ``federation`` output when it
    runs alone; beside a training cluster, that cluster's record carries its proxy)."""

    def __init__(
        self,
        name: str,
        config: ServingConfig,
        records: pulumi.Input[Mapping[str, Any]] | None = None,
        chart_source: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
        settled: pulumi.Output[ServingConfig] | None = None,
    ) -> None:
        """``records`` and ``chart_source`` as for ``FateEggrollCluster``."""
        super().__init__(
            "fate:index:FateServing", name, config, records, chart_source, opts, settled
        )
        self.party_id = self.outputs["partyId"]
        self.namespace = self.outputs["namespace"]
        self.release_name = self.outputs["releaseName"]
        self.chart_version = self.outputs["chartVersion"]
        self.federation_endpoint = self.outputs["federationEndpoint"]
        self.federation = self.outputs["federation"]
