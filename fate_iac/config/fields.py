"""The field types and base sections every chart's schema is built of.

Each type checks what one key can check alone (a port's range, a host's spelling, a
DNS-1123 label...) and says, through :class:`Accepts`, what the configuration reference
prints for it. :class:`Section` refuses unknown keys; :class:`Placement`, :class:`Storage`
and :class:`Images` are the keys many modules share, and the sections here are those more
than one chart's schema uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer
from pydantic_core import PydanticCustomError

from fate_iac.catalogue import FATE_CHART_VERSIONS
from fate_iac.cluster import SYSTEM_NAMESPACES
from fate_iac.secrets import REDACTED, Secret

ServiceType = Literal["ClusterIP", "NodePort", "LoadBalancer"]
AccessMode = Literal["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"]

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")


def _dns_label(max_length: int) -> Any:
    def check(value: str) -> str:
        if len(value) > max_length or not _DNS_LABEL.match(value):
            raise PydanticCustomError(
                "dns-label",
                "'{value}' is not a DNS-1123 label: at most {max} characters of a-z, 0-9 and "
                "'-', starting and ending with a letter or digit",
                {"value": value, "max": max_length},
            )
        return value

    return AfterValidator(check)


def _check_port(value: int) -> int:
    if not 1 <= value <= 65535:
        raise PydanticCustomError("port-range", "port {port} is outside 1-65535", {"port": value})
    return value


def _check_party_id(value: int) -> int:
    if value <= 0:
        raise PydanticCustomError(
            "party-id", "partyId must be a positive integer, got {value}", {"value": value}
        )
    return value


def _check_quantity(value: str | int | float) -> str | int | float:
    if isinstance(value, bool) or not _QUANTITY.match(str(value)):
        raise PydanticCustomError(
            "quantity",
            "'{value}' is not a Kubernetes quantity (e.g. 1Gi, 500Mi, 2)",
            {"value": value},
        )
    return value  # as written: the manifest keeps the user's 1 or "1"


def _check_chart_version(value: str) -> str:
    version = value if value.startswith("v") else f"v{value}"
    if version not in FATE_CHART_VERSIONS:
        raise PydanticCustomError(
            "chart-version",
            "fate chart {value} is not supported; use one of {supported}",
            {"value": value, "supported": ", ".join(FATE_CHART_VERSIONS)},
        )
    return version


def _to_secret(value: object) -> Secret:
    if isinstance(value, Secret):
        return value
    if isinstance(value, dict) and set(value) == {"secure"}:
        return Secret(value=None, secure=True)
    if isinstance(value, str | int) and not isinstance(value, bool):
        return Secret(value=str(value), secure=False)
    raise PydanticCustomError("secret", "expected a password string set as a Pulumi secret")


_HOST_LABEL = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?$")


def _check_host(value: str) -> str:
    """An IPv4 or IPv6 address, or a DNS name (RFC 1123 labels, at most 253 characters)."""
    import ipaddress

    try:
        ipaddress.ip_address(value)
        return value
    except ValueError:
        pass
    labels = value.removesuffix(".").split(".")
    # An all-digit last label is no top-level domain: a mistyped IP address (10.0.0.300).
    if (
        len(value) > 253
        or labels[-1].isdigit()
        or not all(_HOST_LABEL.match(label) for label in labels)
    ):
        raise PydanticCustomError(
            "host", "'{value}' is neither an IP address nor a DNS name", {"value": value}
        )
    return value


def _check_ip(value: str) -> str:
    import ipaddress

    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise PydanticCustomError(
            "ip-address", "'{value}' is not an IP address", {"value": value}
        ) from None
    return value


def _check_host_port(value: str) -> str:
    host, colon, port = value.rpartition(":")
    if not colon or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise PydanticCustomError(
            "host", "'{value}' is not host:port (a port in 1-65535)", {"value": value}
        )
    _check_host(host.removeprefix("[").removesuffix("]"))
    return value


def _check_ingress_host(value: str) -> str:
    """A DNS name an ingress serves: a leading ``*.`` wildcard allowed, no IP address."""
    import ipaddress

    name = value.removeprefix("*.")
    try:
        ipaddress.ip_address(name)
        is_ip = True
    except ValueError:
        is_ip = False
    labels = name.split(".")
    if (
        is_ip
        or len(value) > 253
        or labels[-1].isdigit()
        or name != name.lower()
        or not all(_HOST_LABEL.match(label) for label in labels)
    ):
        raise PydanticCustomError(
            "host",
            "'{value}' is not a DNS name an ingress can serve (lower case)",
            {"value": value},
        )
    return value


def _check_not_system(value: str) -> str:
    if value in SYSTEM_NAMESPACES:
        raise PydanticCustomError(
            "system-namespace",
            "'{value}' is a system namespace; a party or exchange takes a namespace of its "
            "own (not {system})",
            {"value": value, "system": ", ".join(SYSTEM_NAMESPACES)},
        )
    return value


@dataclass(frozen=True)
class Accepts:
    """What a typed key accepts, as the configuration reference says it."""

    text: str


Port = Annotated[int, AfterValidator(_check_port), Accepts("port (1-65535)")]
Host = Annotated[str, AfterValidator(_check_host), Accepts("host (IP address or DNS name)")]
IPAddress = Annotated[str, AfterValidator(_check_ip), Accepts("IP address")]
HostPort = Annotated[str, AfterValidator(_check_host_port), Accepts("host:port")]
IngressHostName = Annotated[
    str, AfterValidator(_check_ingress_host), Accepts("DNS name (leading *. allowed)")
]
PartyId = Annotated[int, AfterValidator(_check_party_id), Accepts("party id (positive integer)")]
Quantity = Annotated[
    str | int | float, AfterValidator(_check_quantity), Accepts("quantity (e.g. 2Gi, 500m)")
]
FateChartVersion = Annotated[str, AfterValidator(_check_chart_version)]
"""A supported ``fate`` chart version, kept as the string the chart spells it
(:class:`~fate_iac.chart_version.ChartVersion` reads it)."""
Credential = Annotated[
    Secret,
    BeforeValidator(_to_secret),
    PlainSerializer(lambda s: REDACTED, return_type=str),
]
ReleaseName = Annotated[str, _dns_label(53), Accepts("DNS-1123 label (at most 53)")]
NamespaceName = Annotated[
    str,
    _dns_label(63),
    AfterValidator(_check_not_system),
    Accepts("DNS-1123 label, not a system namespace"),
]

NodeSelector = dict[str, str]
Tolerations = list[dict[str, Any]]
Affinity = dict[str, Any]


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
    requests: dict[str, Quantity] | None = Field(None, description="Resource requests.")
    limits: dict[str, Quantity] | None = Field(None, description="Resource limits.")


class Placement(Section):
    """Where a module's pods run: nodeSelector, tolerations, affinity."""

    nodeSelector: NodeSelector | None = Field(None, description="Pod nodeSelector.")
    tolerations: Tolerations | None = Field(None, description="Pod tolerations.")
    affinity: Affinity | None = Field(None, description="Pod affinity.")


class Toggle(Section):
    enabled: bool = Field(False, description="Turn the feature on. Default: false.")


class ImagePullSecret(Section):
    name: str = Field(description="Name of a docker-registry Secret in the party's namespace.")


class IngressHost(Section):
    name: IngressHostName = Field(description="Host name served by the ingress.")
    path: str | None = Field(None, description="Path. Default (chart): /.")


class IngressRule(Section):
    annotations: dict[str, str] | None = Field(None, description="Ingress annotations.")
    hosts: list[IngressHost] | None = Field(
        None, description="Hosts. Default (chart): <module>.example.com."
    )
    tls: list[dict[str, Any]] | None = Field(None, description="Ingress TLS entries.")


class Images(Section):
    """A module's own image, which the fate chart v2.0.0 reads (1.x charts take every
    image from ``registry`` and the chart's tag)."""

    image: str | None = Field(
        None, description="(chart v2.0.0) Image, without tag or registry. Default: the chart's."
    )
    imageTag: str | None = Field(
        None,
        description="(chart v2.0.0) Image tag. Default: the "
        "chart's (2.0.0-release for FATE's own).",
    )


class Storage(Section):
    """A module's persistent volume (used when ``persistence`` is true)."""

    existingClaim: str | None = Field(None, description="Use this existing PVC.")
    storageClass: str | None = Field(None, description="StorageClass of a new PVC.")
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
