"""``Exchange``: the federation's exchange, as the upstream ``fate-exchange`` chart."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from components.federation_refs import as_output
from components.release import install_release, namespace_for, report_routes, route_overrides
from fate_iac.charts import ChartRef
from fate_iac.exchange import ExchangeConfig, exchange_record
from fate_iac.release import release_options, release_values, serving_release_values
from fate_iac.routing import exchange_routed_values, members_of


class Exchange(pulumi.ComponentResource):
    """An exchange's namespace and its ``fate-exchange`` release, routing for its members:
    rollsite routes for eggroll parties; SNI (trafficServer) and nginx routes for Spark
    parties federating through Pulsar."""

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
        chart: ChartRef,
        records: pulumi.Input[Mapping[str, Any]] | None = None,
        serving_chart: ChartRef | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """``records`` gives the federation records of the member stacks the config names,
        by stack name (None while a stack has published none); static members come from
        ``config.members``.
        ``records`` is a mapping whose values may be Outputs (StackReference outputs,
        say), or one Output of a mapping of plain values, as ``federation_records``
        returns.
        ``serving_chart`` (fate-serving) is needed when the config has servingProxy."""
        super().__init__("fate:index:Exchange", name, None, opts)
        routed = as_output(records).apply(lambda found: exchange_routed_values(config, found))
        paths = exchange_routed_values(config, {})
        report_routes(self, routed)
        depends_on = namespace_for(self, name, config)
        release = install_release(
            self,
            f"{name}-release",
            release_options(config, chart),
            release_values(config),
            route_overrides(routed, paths.values, lambda r: r.values),
            depends_on,
        )
        if config.servingProxy is not None:
            if serving_chart is None:
                raise ValueError("servingProxy needs the fate-serving chart")
            install_release(
                self,
                f"{name}-serving",
                release_options(config, serving_chart, config.serving_release_name),
                serving_release_values(config),
                route_overrides(routed, paths.serving, lambda r: r.serving),
                depends_on,
            )

        self.namespace = release.namespace.apply(lambda ns: ns or config.k8s_namespace)
        self.release_name = release.name.apply(lambda n: n or config.release_name)
        self.members = routed.apply(lambda r: members_of(r.routes))
        self.federation = self.members.apply(
            lambda ids: exchange_record(config, pulumi.get_stack(), ids).model_dump(
                exclude_none=True
            )
        )
        self.register_outputs(
            {
                "namespace": self.namespace,
                "release_name": self.release_name,
                "members": self.members,
                "federation": self.federation,
            }
        )
