"""TLS between gateways: the certificates a stack issues, the Secret the charts mount
them from, and the fixes that make the charts use them.

Each stack with ``rollsite.enableTLS`` has its own certificate authority (generated, or
brought with ``fate:tls.ca``) and issues from it a server and a client certificate for
its rollsite. Its ``federation`` record publishes the CA certificate (public material
only); a party trusts the CAs of the stacks it routes to (its peers, or its exchange)
and nothing else, an exchange those of its members. Both certificates are re-issued on
the first update within ``renewBeforeHours`` of their expiry.

As KubeFATE ships the charts, ``enableTLS`` mounts the certificates but federation
traffic stays in plaintext (KubeFATE issue #742, eggroll #588): rollsite's TLS listener
(9380) is not in its Service, no route says ``is_secure``, and the party chart v1.11.2
mounts ``eggroll.properties`` read-only, so the TLS settings its start script appends
never arrive. :func:`fate_iac.postrender.post_render` fixes the last two in the rendered
chart (Helm's post-renderer, the ``fate-postrender`` command); the program adds Service
``rollsite-tls``.

Pure: certificates are issued by :mod:`fate_iac.pki`; the Pulumi side (``fate_pulumi.tls``)
keeps them in the state.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fate_iac import yamlio
from fate_iac.clock import renewal_now
from fate_iac.config import ExchangeConfig, PartyConfig, TlsOptions
from fate_iac.endpoints import (
    ROLLSITE_TLS_SERVICE,
    broker_endpoints,
    exchange_endpoints,
    rollsite_tls_endpoint,
    sni_domain,
)
from fate_iac.isolation import MODULE_LABEL
from fate_iac.postrender import ROLLSITE_TLS_PORT

CERTS_SECRET = "eggroll-certs"
"""The Secret rollsite mounts at ``conf/cert/`` when enableTLS is on (both charts)."""
PULSAR_SECRET = "pulsar-cert"
"""The Secret the fate chart mounts into Pulsar behind an exchange (``pulsar.exchange``)."""
TRAFFIC_SERVER_SECRET = "traffic-server-cert"
"""The Secret the fate-exchange chart always mounts into its trafficServer."""
TRUST, SERVER, SERVER_KEY, CLIENT, CLIENT_KEY = (
    "trust",
    "server",
    "server-key",
    "client",
    "client-key",
)
"""What a file of such a Secret holds: the CAs trusted (one PEM bundle), a server or
client certificate, or its key (unencrypted PKCS#8)."""
ROLLSITE_FILES = {
    "ca.pem": TRUST,
    "server.crt": SERVER,
    "server.key": SERVER_KEY,
    "client.crt": CLIENT,
    "client.key": CLIENT_KEY,
}
"""The files eggroll's ``cert_configs`` name. ``ca.pem`` checks both directions: the
peers' server certificates and the client certificates peers present."""
PULSAR_FILES = {"ca.cert.pem": TRUST, "broker.cert.pem": SERVER, "broker.key-pk8.pem": SERVER_KEY}
"""The files Pulsar's standalone.conf names (tlsTrustCertsFilePath, tlsCertificateFilePath,
tlsKeyFilePath)."""
TRAFFIC_SERVER_FILES = {"ca.cert.pem": TRUST, "proxy.cert.pem": SERVER, "proxy.key.pem": SERVER_KEY}
"""The files the trafficServer's records.config and ssl_multicert.config name."""


IDENTITY = ("usage", "commonName", "organization", "hosts", "caCertificate", "caKey")
"""Inputs that make a different certificate: a change re-issues it."""
STAMP_ANNOTATION = "fate.fedai.org/certificates"


@dataclass(frozen=True)
class TlsSettings:
    """The validity settings of a stack's certificates (``fate:tls``)."""

    validity_hours: int
    renew_before_hours: int
    ca_validity_hours: int

    @classmethod
    def of(cls, options: Any) -> TlsSettings:
        return cls(options.validityHours, options.renewBeforeHours, options.caValidityHours)

    def props(
        self, usage: str, common_name: str, organization: str, hosts: list[str]
    ) -> dict[str, Any]:
        """A certificate's inputs (a leaf adds its CA's certificate and key)."""
        validity = self.ca_validity_hours if usage == "ca" else self.validity_hours
        return {
            "usage": usage,
            "commonName": common_name,
            "organization": organization,
            "hosts": hosts,
            "validityHours": validity,
            "renewBeforeHours": self.renew_before_hours,
        }


def replacements(
    olds: Mapping[str, Any], news: Mapping[str, Any], now: datetime.datetime | None = None
) -> list[str]:
    """The inputs for which a certificate in the state is re-issued: those of its
    identity that changed, or ``notAfter`` when it is due for renewal."""
    changed = [key for key in IDENTITY if olds.get(key) != news.get(key)]
    not_after = olds.get("notAfter")
    if not_after and due(not_after, int(news.get("renewBeforeHours", 0)), now):
        changed.append("notAfter")
    return changed


def stamp(*parts: str) -> str:
    """A short digest of what rollsite loads: when it changes, rollsite restarts."""
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def due(not_after: str, renew_before_hours: int, now: datetime.datetime | None = None) -> bool:
    """Whether a certificate expiring at ``not_after`` is re-issued now."""
    expiry = datetime.datetime.fromisoformat(not_after)
    return (now or renewal_now()) >= expiry - datetime.timedelta(hours=renew_before_hours)


def subject(party_id: int, role: str) -> tuple[str, str]:
    """(common name, organization) of a stack's certificates: they name the party."""
    return f"{role}-{party_id}", f"FATE {role} {party_id}"


def identity(party_id: int, role: str) -> str:
    """The name every certificate of a stack carries among its subject alternative names,
    client certificates too (``party-9999``, ``exchange-1``): what tells one party's
    gateway from another's, and what another stack's CA, constrained to its own names,
    cannot issue."""
    return subject(party_id, role)[0]


def trust_bundle(cas: Iterable[str]) -> str:
    """One PEM file of every CA a gateway trusts, each once, in a stable order."""
    blocks = []
    for pem in cas:
        for block in pem.split("-----END CERTIFICATE-----"):
            block = block.strip()
            if block:
                blocks.append(f"{block}\n-----END CERTIFICATE-----\n")
    return "".join(sorted(dict.fromkeys(blocks)))


@dataclass(frozen=True)
class Mounted:
    """A Secret of certificates a chart mounts: its files, the server certificate's names
    (as clients dial it), and the workload that reads it when it starts."""

    secret: str
    files: Mapping[str, str]
    common_name: str
    hosts: tuple[str, ...]
    workload: tuple[str, str]
    """(kind, name) in the stack's namespace: restarted when the Secret changes."""

    @property
    def client(self) -> bool:
        """It holds a client certificate too (rollsite's: mutual TLS)."""
        return CLIENT in self.files.values()


def _in_cluster(service: str, namespace: str) -> list[str]:
    return [
        service,
        f"{service}.{namespace}",
        f"{service}.{namespace}.svc",
        f"{service}.{namespace}.svc.cluster.local",
    ]


def _names(
    published: str | None,
    service: str,
    cfg: PartyConfig | ExchangeConfig,
    role: str,
    *more: str,
) -> tuple[str, ...]:
    """Where clients dial a Service: ``more``, the host the record publishes, its
    in-cluster names and ``tls.hosts``; and the stack's :func:`identity`."""
    first = [published] if published else []
    inside = _in_cluster(service, cfg.k8s_namespace)
    named = [*more, *first, *inside, *cfg.tls.hosts, identity(cfg.partyId, role)]
    return tuple(dict.fromkeys(named))


def _rollsite_mounted(cfg: PartyConfig | ExchangeConfig, role: str) -> list[Mounted]:
    """Rollsite's certificates, with enableTLS."""
    if not cfg.rollsite_tls:
        return []
    secure = rollsite_tls_endpoint(cfg)
    hosts = _names(secure.host if secure else None, ROLLSITE_TLS_SERVICE, cfg, role)
    common_name = subject(cfg.partyId, role)[0]
    return [Mounted(CERTS_SECRET, ROLLSITE_FILES, common_name, hosts, ("Deployment", "rollsite"))]


def party_mounted(cfg: PartyConfig) -> list[Mounted]:
    """Every certificate Secret a party's chart mounts: rollsite's with enableTLS, a
    Pulsar's behind an exchange."""
    found = _rollsite_mounted(cfg, "party")
    if cfg.pulsar_via_exchange:
        broker = broker_endpoints(cfg).get("pulsar")
        sni = f"{cfg.partyId}.{sni_domain(cfg)}"  # what the exchange's SNI routes name
        hosts = _names(broker.host if broker else None, "pulsar", cfg, "party", sni)
        found.append(Mounted(PULSAR_SECRET, PULSAR_FILES, sni, hosts, ("StatefulSet", "pulsar")))
    return found


def exchange_mounted(cfg: ExchangeConfig) -> list[Mounted]:
    """Every certificate Secret an exchange's chart mounts: rollsite's with enableTLS, its
    trafficServer's (always mounted)."""
    found = _rollsite_mounted(cfg, "exchange")
    if cfg.has("trafficServer"):
        proxy = exchange_endpoints(cfg).get("trafficServer")
        hosts = _names(proxy.host if proxy else None, "traffic-server", cfg, "exchange")
        common_name = subject(cfg.partyId, "exchange")[0]
        found.append(
            Mounted(
                TRAFFIC_SERVER_SECRET,
                TRAFFIC_SERVER_FILES,
                common_name,
                hosts,
                ("Deployment", "traffic-server"),
            )
        )
    return found


@dataclass(frozen=True)
class Issuing:
    """The certificates a stack issues: the Secrets its charts mount, the options and
    subject they are issued with, and the Service rollsite's TLS listener needs."""

    namespace: str
    options: TlsOptions
    party_id: int
    role: str
    mounted: list[Mounted]
    service: dict[str, Any] | None

    @property
    def identity(self) -> str:
        """What its client certificates name (:func:`identity`)."""
        return identity(self.party_id, self.role)

    @property
    def permitted(self) -> list[str]:
        """The names its generated CA may issue for (X.509 NameConstraints): every name
        its certificates carry, and no other; none (unconstrained) with
        ``tls.constrainCA`` off or a brought CA."""
        if not self.options.constrainCA or self.options.ca is not None:
            return []
        names = [self.identity, *(host for m in self.mounted for host in m.hosts)]
        return list(dict.fromkeys(names))


def issuing(cfg: PartyConfig | ExchangeConfig, role: str, wanted: list[Mounted]) -> Issuing | None:
    """What a party or an exchange issues, ``wanted`` by its charts; None for nothing."""
    if not wanted:
        return None
    service = rollsite_tls_service(cfg)
    return Issuing(cfg.k8s_namespace, cfg.tls, cfg.partyId, role, wanted, service)


def secret_manifest(namespace: str, name: str, files: Mapping[str, Any]) -> dict[str, Any]:
    """A Secret of certificate files; their contents may be Pulumi Outputs."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {"app.kubernetes.io/managed-by": "pulumi"},
            # A Secret of this name made by hand (KubeFATE's way) is taken over.
            "annotations": {"pulumi.com/patchForce": "true"},
        },
        "type": "Opaque",
        "stringData": dict(files),
    }


def rollsite_tls_service(cfg: PartyConfig | ExchangeConfig) -> dict[str, Any] | None:
    """Service ``rollsite-tls``: rollsite's TLS listener, which the charts' Service omits;
    rollsite's type, ``tls.nodePort`` and ``tls.loadBalancerIP``. None without TLS."""
    if not cfg.rollsite_tls:
        return None
    kind = (cfg.rollsite.type if cfg.rollsite else None) or "ClusterIP"
    port: dict[str, Any] = {
        "name": "tcp-rollsite-tls",
        "port": ROLLSITE_TLS_PORT,
        "targetPort": ROLLSITE_TLS_PORT,
        "protocol": "TCP",
    }
    if kind == "NodePort" and cfg.tls.nodePort is not None:
        port["nodePort"] = cfg.tls.nodePort
    selector = {MODULE_LABEL: "rollsite"}
    spec: dict[str, Any] = {"type": kind, "selector": selector, "ports": [port]}
    if kind == "LoadBalancer" and cfg.tls.loadBalancerIP:
        spec["loadBalancerIP"] = cfg.tls.loadBalancerIP
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": ROLLSITE_TLS_SERVICE,
            "namespace": cfg.k8s_namespace,
            "labels": {"app.kubernetes.io/managed-by": "pulumi"},
        },
        "spec": spec,
    }


def offline_render(issued: Issuing | None) -> str:
    """What ``fatectl render`` shows of a stack's TLS: Service rollsite-tls, and the
    Secrets issued at deploy time (their files named, not their contents)."""
    if issued is None:
        return ""
    lines = [
        f"# Secret {m.secret} ({', '.join(m.files)}): issued at deploy time\n"
        for m in issued.mounted
    ]
    if issued.service is not None:
        lines.append(f"---\n{yamlio.dump(issued.service)}")
    return "".join(lines)
