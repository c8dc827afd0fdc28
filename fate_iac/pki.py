"""Issuing and reading X.509 certificates, on ``cryptography``: the certificates of
:mod:`fate_iac.tls`. Apart from it so that only what issues or reads a certificate loads
``cryptography`` (a seventh of a second): a stack without TLS never does.

Pure: the Pulumi side (``fate_pulumi.tls``) keeps what this issues in the state."""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from fate_iac.clock import renewal_now, utc_now

KEY_BITS = 2048


@dataclass(frozen=True)
class Issued:
    """A certificate and its private key (unencrypted PKCS#8), both PEM."""

    certificate: str
    key: str
    not_after: str
    """Expiry, ISO 8601 UTC."""
    serial: str


def _key() -> rsa.RSAPrivateKey:
    # RSA: what eggroll's Netty, Pulsar and Traffic Server all load from PKCS#8.
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)


def _pkcs8(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _issued(cert: x509.Certificate, key: rsa.RSAPrivateKey) -> Issued:
    return Issued(
        cert.public_bytes(serialization.Encoding.PEM).decode(),
        _pkcs8(key),
        cert.not_valid_after_utc.isoformat(),
        format(cert.serial_number, "x"),
    )


def _key_usage(signs: bool) -> x509.KeyUsage:
    """A CA signs certificates; a leaf signs handshakes and (RSA) enciphers keys."""
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=not signs,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=signs,
        crl_sign=signs,
        encipher_only=False,
        decipher_only=False,
    )


def _public(key: Any) -> bytes:
    return bytes(
        key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def _name(common_name: str, organization: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _network(host: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(host)  # an address alone is a network of one


ANY_ADDRESS = (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0"))


def name_constraints(permitted: Iterable[str]) -> x509.NameConstraints:
    """The names a CA may issue for: each DNS name (and the names under it) and each IP
    address of ``permitted``; with no IP address among them, none (every address is
    excluded: a subtree of one kind leaves the other kinds unconstrained)."""
    names = _alt_names(permitted)
    subtrees: list[x509.GeneralName] = [
        x509.IPAddress(_network(str(n.value))) if isinstance(n, x509.IPAddress) else n
        for n in names
    ]
    excluded = None
    if not any(isinstance(n, x509.IPAddress) for n in names):
        excluded = [x509.IPAddress(network) for network in ANY_ADDRESS]
    return x509.NameConstraints(permitted_subtrees=subtrees or None, excluded_subtrees=excluded)


def issue_ca(
    common_name: str,
    organization: str,
    validity_hours: int,
    now: datetime.datetime | None = None,
    permitted: Iterable[str] = (),
) -> Issued:
    """A self-signed CA that signs leaf certificates only (path length 0); given
    ``permitted`` names, for those names only (X.509 NameConstraints, critical: a
    verifier that cannot enforce them must refuse the CA rather than ignore them)."""
    now = now or utc_now()
    key = _key()
    name = _name(common_name, organization)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=validity_hours))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signs=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )
    permitted = list(permitted)
    if permitted:
        builder = builder.add_extension(name_constraints(permitted), critical=True)
    return _issued(builder.sign(key, hashes.SHA256()), key)


def _alt_names(hosts: Iterable[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in dict.fromkeys(hosts):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def issue_leaf(
    ca_certificate: str,
    ca_key: str,
    common_name: str,
    organization: str,
    usage: str,
    hosts: Iterable[str],
    validity_hours: int,
    now: datetime.datetime | None = None,
) -> Issued:
    """A ``server`` or ``client`` certificate signed by the CA, naming ``hosts`` (IP
    addresses and DNS names, as peers dial them: gRPC checks the name) and never valid
    beyond the CA."""
    now = now or utc_now()
    ca = x509.load_pem_x509_certificate(ca_certificate.encode())
    signer = serialization.load_pem_private_key(ca_key.encode(), password=None)
    if not isinstance(signer, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ValueError("the CA key is neither an RSA nor an EC private key")
    if _public(signer.public_key()) != _public(ca.public_key()):
        raise ValueError("the CA key does not belong to the CA certificate")
    key = _key()
    usages = {"server": ExtendedKeyUsageOID.SERVER_AUTH, "client": ExtendedKeyUsageOID.CLIENT_AUTH}
    not_after = min(now + datetime.timedelta(hours=validity_hours), ca.not_valid_after_utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, organization))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signs=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usages[usage]]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
    )
    names = _alt_names(hosts)
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return _issued(builder.sign(signer, hashes.SHA256()), key)


def issue(props: Mapping[str, Any], now: datetime.datetime | None = None) -> Issued:
    """Issue what :meth:`TlsSettings.props` describes."""
    if props["usage"] == "ca":  # a CA's hosts: the names it may issue for
        return issue_ca(
            props["commonName"], props["organization"], props["validityHours"], now, props["hosts"]
        )
    return issue_leaf(
        props["caCertificate"],
        props["caKey"],
        props["commonName"],
        props["organization"],
        props["usage"],
        props["hosts"],
        props["validityHours"],
        now,
    )


def issued_outputs(issued: Issued) -> dict[str, str]:
    return {
        "certificate": issued.certificate,
        "key": issued.key,
        "notAfter": issued.not_after,
        "serial": issued.serial,
    }


def expires(certificate: str) -> datetime.datetime:
    return x509.load_pem_x509_certificate(certificate.encode()).not_valid_after_utc


def ca_problem(certificate: str, renew_before_hours: int = 0) -> str | None:
    """Why a CA certificate (PEM, the first of a bundle signs) cannot sign, or be
    trusted, or None; with ``renew_before_hours``, a CA that would be due for renewal as
    soon as it signed (what it signs expires with it) cannot sign either."""
    try:
        certs = x509.load_pem_x509_certificates(certificate.encode())
    except ValueError as error:
        return f"it is not a PEM certificate ({error})"
    for cert in certs:
        try:
            constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        except x509.ExtensionNotFound:
            return "it is not a CA certificate (no basicConstraints)"
        if not constraints.ca:
            return "it is not a CA certificate (basicConstraints CA:FALSE)"
    expiry, now = certs[0].not_valid_after_utc, renewal_now()
    if expiry <= now:
        return f"it expired on {expiry.date().isoformat()}"
    if expiry <= now + datetime.timedelta(hours=renew_before_hours):
        return (
            f"it expires on {expiry.date().isoformat()}, within renewBeforeHours "
            f"({renew_before_hours}): what it signs would be re-issued on every update; "
            "bring a renewed CA"
        )
    return None


def _permits(tree: x509.GeneralName, name: x509.GeneralName) -> bool:
    """Whether the subtree ``tree`` holds ``name`` (RFC 5280 4.2.1.10: a DNS name and
    the names under it; an address within a network)."""
    if isinstance(tree, x509.DNSName) and isinstance(name, x509.DNSName):
        base, host = tree.value.lower().lstrip("."), name.value.lower()
        return (
            host.endswith("." + base)
            if tree.value.startswith(".")
            else (host == base or host.endswith("." + base))
        )
    if isinstance(tree, x509.IPAddress) and isinstance(name, x509.IPAddress):
        network, address = tree.value, name.value
        return isinstance(network, ipaddress.IPv4Network | ipaddress.IPv6Network) and (
            address.version == network.version and address in network
        )
    return False


def constraints_of(certificate: str) -> x509.NameConstraints | None:
    """The NameConstraints of a CA certificate (PEM, the first of a bundle), if any."""
    cert = x509.load_pem_x509_certificates(certificate.encode())[0]
    try:
        return cert.extensions.get_extension_for_class(x509.NameConstraints).value
    except x509.ExtensionNotFound:
        return None


def names_outside(certificate: str, hosts: Iterable[str]) -> list[str]:
    """Those of ``hosts`` the CA's NameConstraints do not let it issue for (what it
    signed for them would be refused by every verifier); none for an unconstrained CA."""
    constraints = constraints_of(certificate)
    if constraints is None:
        return []
    outside = []
    for host, name in zip(dict.fromkeys(hosts), _alt_names(hosts), strict=True):
        kind = type(name)
        permitted = [t for t in constraints.permitted_subtrees or [] if isinstance(t, kind)]
        excluded = constraints.excluded_subtrees or []
        if (permitted and not any(_permits(t, name) for t in permitted)) or any(
            _permits(t, name) for t in excluded
        ):
            outside.append(host)
    return outside
