"""``FateEggrollCluster``: one FATE party on eggroll, as the upstream ``fate`` chart."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from fate_iac.charts import ChartRef
from fate_iac.config import PartyConfig
from fate_iac.endpoints import fateflow_endpoints, ingress_hosts, rollsite_endpoint
from fate_iac.release import namespace_labels, release_options, release_values
from fate_iac.secrets import Secret
from fate_iac.values import map_secrets


def _as_pulumi_secret(secret: Secret) -> pulumi.Output[str]:
    if secret.value is None:
        raise ValueError("a credential reached the Pulumi program without its value")
    return pulumi.Output.secret(secret.value)


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

    def __init__(
        self,
        name: str,
        config: PartyConfig,
        chart: ChartRef,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("fate:index:FateEggrollCluster", name, None, opts)
        depends_on: list[pulumi.Resource] = []
        if config.createNamespace:
            namespace = k8s.core.v1.Namespace(
                f"{name}-namespace",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=config.k8s_namespace, labels=namespace_labels(config)
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            depends_on.append(namespace)

        release = k8s.helm.v3.Release(
            f"{name}-release",
            k8s.helm.v3.ReleaseArgs(
                **release_options(config, chart),
                values=map_secrets(release_values(config), _as_pulumi_secret),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on),
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
            }
        )
