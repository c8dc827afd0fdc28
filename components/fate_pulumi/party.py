"""``FateParty``: what every party component is and outputs, on eggroll or on Spark."""

from collections.abc import Mapping
from typing import Any

import pulumi

from fate_iac.config import PartyConfig
from fate_pulumi.stack import FateStack


class FateParty(FateStack):
    """A party's namespace and its ``fate`` Helm release; each party kind's component
    subclasses it with its type token (and its own outputs).

    Credentials travel as Pulumi secrets: they are secret in the release's inputs, in the
    state and in every output derived from them.
    """

    type_token = ""
    """``fate:index:<Component>`` (not annotated: the package's schema reads annotations
    as outputs)."""

    party_id: pulumi.Output[int]
    """This party's id."""
    namespace: pulumi.Output[str]
    """The namespace the release lives in."""
    release_name: pulumi.Output[str]
    """The Helm release name."""
    chart_version: pulumi.Output[str]
    """The installed ``fate`` chart version."""
    federation_endpoint: pulumi.Output[dict[str, Any] | None]
    """Where peers reach this party first, ``{host, port}``: its rollsite on eggroll, its
    nginx's HTTP port on Spark."""
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
        records: pulumi.Input[Mapping[str, Any]] | None = None,
        chart_source: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
        settled: pulumi.Output[PartyConfig] | None = None,
    ) -> None:
        """``records``: the federation records of the stacks the config names (``peers``
        and ``exchangeStack``) by stack name, None while a stack has published none
        (static peers come from ``config.peers``); a mapping whose values may be Outputs
        (``StackReference.get_output``), or one Output of a plain mapping. Left out, the
        component reads them itself, as ``config.federationReads`` says.
        ``chart_source``: where the chart comes from (default ``config.chartRepo``, else
        KubeFATE's repository). ``settled`` as for ``FateStack``."""
        super().__init__(self.type_token, name, config, records, chart_source, opts, settled)
        self.party_id = self.outputs["partyId"]
        self.namespace = self.outputs["namespace"]
        self.release_name = self.outputs["releaseName"]
        self.chart_version = self.outputs["chartVersion"]
        self.federation_endpoint = self.outputs["federationEndpoint"]
        self.fateflow = self.outputs["fateflow"]
        self.fateboard_hosts = self.outputs["fateboardHosts"]
        self.notebook_hosts = self.outputs["notebookHosts"]
        self.federation = self.outputs["federation"]
