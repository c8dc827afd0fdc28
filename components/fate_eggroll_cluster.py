"""``FateEggrollCluster``: one FATE party on eggroll, as the upstream ``fate`` chart."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from components.federation_refs import as_output
from components.release import install_release, namespace_for, report_routes, route_overrides
from fate_iac.charts import ChartRef
from fate_iac.config import PartyConfig
from fate_iac.endpoints import (
    fateflow_endpoints,
    ingress_hosts,
    party_record,
    rollsite_endpoint,
)
from fate_iac.release import release_options, release_values
from fate_iac.routing import party_routed_values


class FateEggrollCluster(pulumi.ComponentResource):
    """A party's namespace and its ``fate`` Helm release (FATE on eggroll).

    Credentials travel as Pulumi secrets: they are secret in the release's inputs, in the
    state and in every output derived from them.
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
    """Where peers reach this party's rollsite: ``{host, port}``."""
    fateflow: pulumi.Output[dict[str, Any]]
    """fateflow's ``http`` and ``grpc`` endpoints."""
    fateboard_hosts: pulumi.Output[list[str]]
    """Ingress hosts of FATE-Board."""
    notebook_hosts: pulumi.Output[list[str]]
    """Ingress hosts of the notebook client."""

    federation: pulumi.Output[dict[str, Any]]
    """This party's federation record (the ``federation`` stack output)."""

    def __init__(
        self,
        name: str,
        config: PartyConfig,
        chart: ChartRef,
        records: pulumi.Input[Mapping[str, Any]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """``records`` gives the federation records of the stacks the config names
        (``peers`` and ``exchangeStack``) by stack name, None while a stack has published
        none; static peers come from ``config.peers``.
        ``records`` is a mapping whose values may be Outputs (StackReference outputs,
        say), or one Output of a mapping of plain values, as ``federation_records``
        returns."""
        super().__init__("fate:index:FateEggrollCluster", name, None, opts)
        routed = as_output(records).apply(lambda found: party_routed_values(config, found))
        paths = party_routed_values(config, {}).values
        report_routes(self, routed)
        release = install_release(
            self,
            f"{name}-release",
            release_options(config, chart),
            release_values(config),
            route_overrides(routed, paths, lambda r: r.values),
            namespace_for(self, name, config),
        )

        endpoint = rollsite_endpoint(config)
        self.party_id = pulumi.Output.from_input(config.partyId)
        self.namespace = release.namespace.apply(lambda ns: ns or config.k8s_namespace)
        self.release_name = release.name.apply(lambda n: n or config.release_name)
        self.chart_version = pulumi.Output.from_input(config.chartVersion)
        self.federation_endpoint = pulumi.Output.from_input(
            endpoint.as_dict() if endpoint else None
        )
        self.fateflow = pulumi.Output.from_input(
            {kind: e.as_dict() for kind, e in fateflow_endpoints(config).items()}
        )
        self.fateboard_hosts = pulumi.Output.from_input(ingress_hosts(config, "fateboard"))
        self.notebook_hosts = pulumi.Output.from_input(ingress_hosts(config, "client"))
        record = party_record(config, pulumi.get_stack())
        self.federation = pulumi.Output.from_input(record.model_dump(exclude_none=True))
        self.register_outputs(
            {
                "party_id": self.party_id,
                "namespace": self.namespace,
                "release_name": self.release_name,
                "chart_version": self.chart_version,
                "federation_endpoint": self.federation_endpoint,
                "fateflow": self.fateflow,
                "fateboard_hosts": self.fateboard_hosts,
                "notebook_hosts": self.notebook_hosts,
                "federation": self.federation,
            }
        )
