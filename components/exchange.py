"""``Exchange``: the federation's exchange, as the upstream ``fate-exchange`` chart."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from components.federation_refs import as_output
from components.release import install_release, namespace_for, report_routes
from fate_iac.charts import ChartRef
from fate_iac.exchange import ExchangeConfig, exchange_record
from fate_iac.federation import ExchangeRoutes, exchange_routes, parse_record
from fate_iac.gotemplate import plain
from fate_iac.release import release_options, release_values, serving_release_values


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
        ``serving_chart`` (fate-serving) is needed when the config has servingProxy."""
        super().__init__("fate:index:Exchange", name, None, opts)
        static = [(f"party {m.partyId}", m) for m in config.static_members]
        rollsite = config.rollsite
        static_list = plain(rollsite.partyList) if rollsite and rollsite.partyList else []
        ts = config.trafficServer
        static_sni = plain(ts.route_table.sni) if ts and ts.route_table else []
        static_nginx = dict(config.nginx.route_table or {}) if config.nginx else {}
        proxy = config.servingProxy
        static_serving = plain(proxy.partyList) if proxy and proxy.partyList else []

        def routes_of(found: Mapping[str, Any]) -> ExchangeRoutes:
            referenced = [(n, parse_record(found.get(n))) for n in config.member_stacks]
            return exchange_routes(
                static_list, static_sni, static_nginx, static + referenced,
                spark=config.has("trafficServer"), static_serving=static_serving,
            )  # fmt: skip

        routes = as_output(records).apply(routes_of)
        report_routes(self, routes)
        party_list = routes.apply(lambda r: r.party_list)
        overrides: dict[str, Any] = {
            "partyList": party_list,
            "modules": {
                "rollsite": {"partyList": party_list},
                "trafficServer": {"route_table": {"sni": routes.apply(lambda r: r.sni)}},
                "nginx": {"route_table": routes.apply(lambda r: r.nginx)},
            },
        }
        depends_on = namespace_for(self, name, config)
        release = install_release(
            self,
            f"{name}-release",
            release_options(config, chart),
            release_values(config),
            overrides,
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
                {"servingProxy": {"partyList": routes.apply(lambda r: r.serving)}},
                depends_on,
            )

        self.namespace = release.namespace.apply(lambda ns: ns or config.k8s_namespace)
        self.release_name = release.name.apply(lambda n: n or config.release_name)
        self.members = routes.apply(
            lambda r: sorted({e["partyId"] for e in r.party_list} | set(r.nginx))
        )
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
