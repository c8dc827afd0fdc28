"""The base sections every chart's schema is built of, and the field types they use.

The field types themselves live in :mod:`fate_iac.typed` (the federation record uses them
too) and are re-exported here for the config modules. :class:`Section` refuses unknown
keys; :class:`Placement`, :class:`Storage` and :class:`Images` are the keys many modules
share, and the sections here are those more than one chart's schema uses.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from fate_iac.typed import (
    AccessMode,
    Affinity,
    Host,
    ImageName,
    IngressHostName,
    IngressPath,
    KubeName,
    LabelKey,
    NodeSelector,
    OciTag,
    Port,
    Quantity,
    ResourceName,
    Tolerations,
    YamlText,
)


class Section(BaseModel):
    """A config section: unknown keys are refused, by name."""

    model_config = ConfigDict(
        extra="forbid",
        arbitrary_types_allowed=True,
        frozen=True,
        coerce_numbers_to_str=True,
        defer_build=True,  # built on first use: a party never builds the exchange models
    )


class Resources(Section):
    requests: dict[ResourceName, Quantity] | None = Field(None, description="Resource requests.")
    limits: dict[ResourceName, Quantity] | None = Field(None, description="Resource limits.")


class Placement(Section):
    """Where a module's pods run: nodeSelector, tolerations, affinity."""

    nodeSelector: NodeSelector | None = Field(None, description="Pod nodeSelector.")
    tolerations: Tolerations | None = Field(None, description="Pod tolerations.")
    affinity: Affinity | None = Field(None, description="Pod affinity.")


class Toggle(Section):
    enabled: bool = Field(False, description="Turn the feature on. Default: false.")


class ImagePullSecret(Section):
    name: KubeName = Field(description="Name of a docker-registry Secret in the party's namespace.")


class IngressHost(Section):
    name: IngressHostName = Field(description="Host name served by the ingress.")
    path: IngressPath | None = Field(None, description="Path. Default (chart): /.")


class IngressTls(Section):
    hosts: list[IngressHostName] | None = Field(None, description="Hosts the certificate covers.")
    secretName: KubeName | None = Field(None, description="Secret holding the certificate.")


class IngressRule(Section):
    annotations: dict[LabelKey, YamlText] | None = Field(
        None,
        description="Ingress annotations. Values are free text: the chart writes the map "
        "with toYaml, so each stays one annotation value.",
    )
    hosts: list[IngressHost] | None = Field(
        None, description="Hosts. Default (chart): <module>.example.com."
    )
    tls: list[IngressTls] | None = Field(None, description="Ingress TLS entries.")


class Images(Section):
    """A module's own image, which the fate chart v2.0.0 reads (1.x charts take every
    image from ``registry`` and the chart's tag)."""

    image: ImageName | None = Field(
        None, description="(chart v2.0.0) Image, without tag or registry. Default: the chart's."
    )
    imageTag: OciTag | None = Field(
        None,
        description="(chart v2.0.0) Image tag. Default: the "
        "chart's (2.0.0-release for FATE's own).",
    )


class Storage(Section):
    """A module's persistent volume (used when ``persistence`` is true)."""

    existingClaim: KubeName | None = Field(None, description="Use this existing PVC.")
    storageClass: KubeName | None = Field(None, description="StorageClass of a new PVC.")
    accessMode: AccessMode | None = Field(None, description="Default: ReadWriteOnce.")
    size: Quantity | None = Field(None, description="Default: 1Gi.")


class NginxHost(Section):
    host: Host = Field(description="Address.")
    http_port: Port = Field(description="HTTP port.")
    grpc_port: Port = Field(description="gRPC port.")


class NginxRoute(Section):
    """Where nginx sends one party's traffic (a Spark party's nginx and an exchange's)."""

    proxy: list[NginxHost] | None = Field(None, description="That party's proxy (nginx).")
    fateflow: list[NginxHost] | None = Field(None, description="That party's fateflow.")
