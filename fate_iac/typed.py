"""Typed values: what each kind of string (and port, party id...) a stack gives accepts.

Each type checks what one value can check alone (a port's range, a host's spelling, an
image reference's grammar, a DNS-1123 label...) and says, through :class:`Accepts`, what
the configuration reference prints for it. The config models and the federation record
both build on these: a record is input too, and its strings reach route tables and chart
values as the config's do. Nothing here imports the config package or the record.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, PlainSerializer
from pydantic_core import PydanticCustomError

from fate_iac.accepts import Accepts
from fate_iac.catalogue import FATE_CHART_VERSIONS
from fate_iac.cluster import (
    INFRASTRUCTURE_NAMESPACES,
    KUBEFATE_NAMESPACE,
    SYSTEM_NAMESPACES,
    infrastructure_namespace,
)
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


MAX_PARTY_ID = 2**31 - 1
"""The largest party id FATE stores: fateflow keeps it in a 10-character column and
eggroll and FATE-Serving parse it as a Java int."""


def _check_party_id(value: int) -> int:
    if not 0 < value <= MAX_PARTY_ID:
        raise PydanticCustomError(
            "party-id",
            "partyId must be a positive integer up to {max}, got {value}",
            {"value": value, "max": MAX_PARTY_ID},
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
    secret = _as_secret(value)
    if secret.value is not None and not secret.value.strip():
        raise PydanticCustomError(
            "secret-blank", "is empty or blank; the chart needs a value (set a real secret)"
        )
    return secret


def _as_secret(value: object) -> Secret:
    if isinstance(value, Secret):
        return value
    if isinstance(value, dict) and set(value) == {"secure"}:
        return Secret(value=None, secure=True)
    if isinstance(value, str | int) and not isinstance(value, bool):
        return Secret(value=str(value), secure=False)
    raise PydanticCustomError("secret", "expected a password string set as a Pulumi secret")


_HOST_LABEL = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?$")


def _ip_address(value: str) -> bool:
    """Whether ``value`` is an IP address, an IPv6 zone (``%eth0``) refused: it names an
    interface of one host, which no peer shares, and Python takes any text after the
    ``%`` (quotes, newlines) as one."""
    import ipaddress

    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    if "%" in value:
        raise PydanticCustomError(
            "ip-address",
            "'{value}' has an IPv6 zone (%...): it names one host's interface; write the "
            "address alone",
            {"value": value.split("%", 1)[0] + "%..."},
        )
    return True


def _check_host(value: str) -> str:
    """An IPv4 or IPv6 address, or a DNS name (RFC 1123 labels, at most 253 characters)."""
    if _ip_address(value):
        return value
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


def _check_dns_name(value: str) -> str:
    """A DNS name (RFC 1123 labels), no IP address."""
    labels = value.removesuffix(".").split(".")
    if (
        len(value) > 253
        or labels[-1].isdigit()
        or not all(_HOST_LABEL.match(label) for label in labels)
    ):
        raise PydanticCustomError("dns-name", "'{value}' is not a DNS name", {"value": value})
    return value


def _check_ip(value: str) -> str:
    if not _ip_address(value):
        raise PydanticCustomError("ip-address", "'{value}' is not an IP address", {"value": value})
    return value


def _check_network(value: str) -> str:
    """A CIDR block as a NetworkPolicy's ipBlock takes it (host bits zero: the API
    server refuses ``10.0.0.1/8``)."""
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise PydanticCustomError(
            "ip-network",
            "'{value}' is not a network in CIDR notation (like 10.0.0.0/8 or 10.1.2.3/32)",
            {"value": value},
        ) from None
    if "/" not in value:
        raise PydanticCustomError(
            "ip-network", "'{value}' has no prefix length (like /32)", {"value": value}
        )
    return value


def _check_url_host(value: str) -> str:
    """A host the chart writes into a URL unbracketed (``jdbc:mysql://<host>:<port>``):
    an IPv6 address would read as host and port both."""
    _check_host(value)
    if ":" in value:
        raise PydanticCustomError(
            "host",
            "'{value}' is an IPv6 address, which the chart writes into a URL without "
            "brackets; use an IPv4 address or a DNS name",
            {"value": value},
        )
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


def _check_not_infrastructure(value: str, allowed: tuple[str, ...] = ()) -> str:
    why = None if value in allowed else infrastructure_namespace(value)
    if why:
        raise PydanticCustomError(
            "system-namespace",
            "'{value}' is {why}; FATE objects take a namespace of their own (not kube-*, "
            "openshift-*, {system} or {infrastructure})",
            {
                "value": value,
                "why": why,
                "system": ", ".join(SYSTEM_NAMESPACES),
                "infrastructure": ", ".join(INFRASTRUCTURE_NAMESPACES),
            },
        )
    return value


def _check_not_system(value: str) -> str:
    return _check_not_infrastructure(value)


def _check_kubefate_namespace(value: str) -> str:
    return _check_not_infrastructure(value, allowed=(KUBEFATE_NAMESPACE,))


def _check_proxy(value: str) -> str:
    return value if value == "" else _check_host_port(value)


_CHART_SOURCE = re.compile(r"[A-Za-z0-9._~%+,=:@/?&\-]+")


def _check_chart_source(value: str) -> str:
    # Never quoted: a repository URL may carry credentials (a user, a token in its query).
    if len(value) > 2048 or not _CHART_SOURCE.fullmatch(value):
        raise PydanticCustomError(
            "chart-source",
            "is neither a Helm repository URL nor a path (no spaces, quotes or control "
            "characters; the value is not shown, as it may hold credentials)",
        )
    return value


def _grammar(code: str, pattern: str, what: str, max_length: int = 253) -> Any:
    """A check that a string matches ``pattern`` whole (at most ``max_length``)."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if value == "":
            return value  # unset, as KubeFATE's files write it: the chart's default
        if len(value) > max_length or not compiled.fullmatch(value):
            raise PydanticCustomError(code, "'{value}' is not " + what, {"value": value})
        return value

    return AfterValidator(check)


# The distribution (OCI) reference grammar: [domain[:port]/]path[/path...][:tag][@digest].
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN = (
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
    r"(?::[0-9]+)?"
)
_TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_NAME = rf"(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_DNS_SUBDOMAIN = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*"
_URL_HOST = r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::[0-9]{1,5})?"
_URL_PATH = r"(?:/[A-Za-z0-9._~%+,=:@/-]*)?"  # no quotes, semicolons or spaces


Port = Annotated[int, AfterValidator(_check_port), Accepts("port (1-65535)")]
Host = Annotated[str, AfterValidator(_check_host), Accepts("host (IP address or DNS name)")]
IPAddress = Annotated[str, AfterValidator(_check_ip), Accepts("IP address")]
IPNetwork = Annotated[str, AfterValidator(_check_network), Accepts("network (CIDR)")]
HostPort = Annotated[str, AfterValidator(_check_host_port), Accepts("host:port")]
UrlHost = Annotated[
    str,
    AfterValidator(_check_url_host),
    Accepts("host (IPv4 address or DNS name: the chart writes it into a URL)"),
]
IngressHostName = Annotated[
    str, AfterValidator(_check_ingress_host), Accepts("DNS name (leading *. allowed)")
]
PartyId = Annotated[int, AfterValidator(_check_party_id), Accepts("party id (integer 1 to 2^31-1)")]
Quantity = Annotated[
    str | int | float, AfterValidator(_check_quantity), Accepts("quantity (e.g. 2Gi, 500m)")
]
FateChartVersion = Annotated[
    str, AfterValidator(_check_chart_version), Accepts("fate chart version (see the list)")
]
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
    Accepts("DNS-1123 label, not kube-*, openshift-* or an infrastructure namespace"),
]
KubeFateNamespace = Annotated[
    str,
    _dns_label(63),
    AfterValidator(_check_kubefate_namespace),
    Accepts("DNS-1123 label, not an infrastructure namespace (kube-fate allowed)"),
]
ProxyAddress = Annotated[str, AfterValidator(_check_proxy), Accepts('host:port, or ""')]
ChartSource = Annotated[
    str,
    AfterValidator(_check_chart_source),
    Accepts("Helm repository URL or local path"),
]

ImageName = Annotated[
    str,
    _grammar("image", _NAME, "an image name ([registry/]path, no tag)", 255),
    Accepts("image name (OCI reference, no tag)"),
]
ImageReference = Annotated[
    str,
    _grammar(
        "image",
        rf"{_NAME}(?::{_TAG})?(?:@{_DIGEST})?",
        "an image reference ([registry/]path[:tag][@digest])",
        511,
    ),
    Accepts("image reference (OCI)"),
]
OciTag = Annotated[
    str,
    _grammar("image-tag", _TAG, "an image tag (A-Z a-z 0-9 _ . -, at most 128)", 128),
    Accepts("image tag (OCI)"),
]
Registry = Annotated[
    str,
    _grammar(
        "registry",
        rf"(?:{_DOMAIN}(?:/{_PATH_COMPONENT})*|{_NAME})/?",
        "an image registry (host[:port][/path] or a Docker Hub namespace)",
        255,
    ),
    Accepts("image registry (OCI: host[:port][/path])"),
]
KubeName = Annotated[
    str,
    _grammar(
        "k8s-name", _DNS_SUBDOMAIN, "a Kubernetes object name (DNS-1123 subdomain, lower case)"
    ),
    Accepts("Kubernetes name (DNS-1123 subdomain)"),
]
DnsName = Annotated[
    str,
    AfterValidator(lambda value: _check_dns_name(value)),
    Accepts("DNS name"),
]
DatabaseName = Annotated[
    str,
    _grammar(
        "identifier",
        r"[A-Za-z_][A-Za-z0-9_]*",
        "a database name (A-Z a-z 0-9 _, not starting with a digit, at most 64)",
        64,
    ),
    Accepts("database name (identifier, at most 64)"),
]
DatabaseUser = Annotated[
    str,
    _grammar(
        "identifier",
        r"[A-Za-z_][A-Za-z0-9_]*",
        "a database user (A-Z a-z 0-9 _, not starting with a digit, at most 32)",
        32,
    ),
    Accepts("database user (identifier, at most 32)"),
]
UserName = Annotated[
    str,
    _grammar(
        "user-name",
        r"[A-Za-z0-9_][A-Za-z0-9_.@-]*",
        "a user name (A-Z a-z 0-9 _ . @ -, at most 64)",
        64,
    ),
    Accepts("user name (A-Z a-z 0-9 _ . @ -)"),
]
Token = Annotated[
    str,
    _grammar("token", r"[A-Za-z0-9_][A-Za-z0-9_.-]*", "a name (A-Z a-z 0-9 _ . -, at most 64)", 64),
    Accepts("name (A-Z a-z 0-9 _ . -)"),
]
IngressPath = Annotated[
    str,
    _grammar(
        "ingress-path",
        r"/(?:[A-Za-z0-9._~%+,=:@/-]*[A-Za-z0-9._~%+,=@/-])?",
        "an ingress path (/ then URL path characters, no quotes, ; or spaces, not ending "
        "in : which the chart's unquoted YAML reads as a key)",
        1024,
    ),
    Accepts("ingress path (/...)"),
]
SubPath = Annotated[
    str,
    _grammar(
        "sub-path",
        r"(?!.*(?:^|/)\.\.(?:/|$))[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*",
        "a relative path inside the volume (A-Z a-z 0-9 _ . -, no ..)",
        1024,
    ),
    Accepts("relative path (no ..)"),
]
FilePath = Annotated[
    str,
    _grammar(
        "file-path",
        r"/?[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*/?",
        "a file path (A-Z a-z 0-9 _ . - /)",
        1024,
    ),
    Accepts("file path"),
]
Url = Annotated[
    str,
    _grammar(
        "url",
        rf"[a-z][a-z0-9+.-]*://{_URL_HOST}(?:,{_URL_HOST})*{_URL_PATH}",
        "a URL (scheme://host[:port][/path], no quotes, ; or spaces)",
        2048,
    ),
    Accepts("URL (scheme://host[:port][/path])"),
]
JavaClass = Annotated[
    str,
    _grammar(
        "java-class",
        r"[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*",
        "a Java class name",
        512,
    ),
    Accepts("Java class name"),
]
TimeZone = Annotated[
    str,
    _grammar(
        "time-zone",
        r"[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*|[+-][0-9]{2}:[0-9]{2}",
        "a time zone (UTC, Asia/Shanghai, +08:00)",
        64,
    ),
    Accepts("time zone (UTC, Area/City, +hh:mm)"),
]
StackName = Annotated[
    str,
    _grammar(
        "stack-name",
        r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+){0,2}",
        "a Pulumi stack name ([org/[project/]]stack of A-Z a-z 0-9 _ . -)",
        400,
    ),
    Accepts("stack name ([org/[project/]]stack)"),
]
PortRange = Annotated[
    str,
    _grammar("nodeport-range", r"[0-9]{1,5}-[0-9]{1,5}", "a port range low-high", 11),
    Accepts("port range (low-high)"),
]
LabelKey = Annotated[
    str,
    _grammar(
        "label-key",
        rf"(?:{_DNS_SUBDOMAIN}/)?[A-Za-z0-9](?:[A-Za-z0-9_.-]{{0,61}}[A-Za-z0-9])?",
        "a Kubernetes label key ([prefix/]name)",
        317,
    ),
    Accepts("label key"),
]
LabelValue = Annotated[
    str,
    _grammar(
        "label-value",
        r"(?:[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?)?",
        "a Kubernetes label value (at most 63 of A-Z a-z 0-9 _ . -)",
        63,
    ),
    Accepts("label value"),
]
PemCertificate = Annotated[
    str, Accepts("PEM certificate (the tls rule parses it: a CA certificate, unexpired)")
]

ResourceName = Annotated[
    str,
    _grammar(
        "resource-name",
        rf"(?:{_DNS_SUBDOMAIN}/)?[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?",
        "a resource name (cpu, memory, nvidia.com/gpu)",
        253,
    ),
    Accepts("resource name"),
]
_NOT_YAML_TEXT = re.compile("[\x7f-\x9f\ufffe\uffff]")
"""Characters Helm's toYaml cannot write as themselves: DEL and the C1 controls (the
whole map comes out empty; NEL as a space) and the non-characters U+FFFE, U+FFFF."""


def _check_yaml_text(value: str) -> str:
    found = _NOT_YAML_TEXT.search(value)
    if found:
        raise PydanticCustomError(
            "yaml-text",
            "has the control character U+{code}, which the chart's toYaml drops with the "
            "rest of its map",
            {"code": f"{ord(found.group()):04X}"},
        )
    return value


YamlText = Annotated[
    str,
    AfterValidator(_check_yaml_text),
    Accepts("free text (the chart writes it with toYaml: one string; no C1 controls)"),
]
"""A string the chart writes with ``toYaml``: quoted as YAML needs, so it stays one value."""
KubeObjects = Accepts("Kubernetes objects (the chart writes them with toYaml)")
HelmValuesText = Accepts(
    "chart values (free; keys typed config governs are refused, rule helm-values-governed)"
)
NodeSelector = dict[LabelKey, LabelValue]
Tolerations = Annotated[list[dict[str, Any]], KubeObjects]
Affinity = Annotated[dict[str, Any], KubeObjects]
