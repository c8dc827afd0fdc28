"""Certificates as Pulumi resources: a stack's CA (unless brought) and, for each Secret of
certificates its charts mount (:func:`fate_iac.tls.mounted`), a server certificate (and
rollsite's client certificate) issued from it, kept in the state with their private
keys as secrets, and re-issued on the first update within ``renewBeforeHours`` of
expiry.

A dynamic provider over :mod:`fate_iac.tls`: no provider binary to build or download,
and the issuing and renewal logic is the pure code the tests call directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
from pulumi import dynamic

from fate_iac import tls
from fate_iac.endpoints import ROLLSITE_TLS_SERVICE
from fate_iac.routing import RoutedValues
from fate_pulumi.release import as_pulumi_secret, kubernetes_object

ISSUED = ("certificate", "key", "notAfter", "serial")
"""What issuing adds to a certificate's inputs."""
SECRET_OUTPUTS = ["key", "caKey"]


class Issuer(dynamic.ResourceProvider):
    """Issues a certificate (``usage``: ca, server or client) and says when a new one is
    due: its identity changed (:data:`fate_iac.tls.IDENTITY`) or it nears expiry."""

    def create(self, props: dict[str, Any]) -> dynamic.CreateResult:
        from fate_iac import pki  # cryptography: loaded where a certificate is issued

        issued = pki.issue(props)
        return dynamic.CreateResult(issued.serial, {**props, **pki.issued_outputs(issued)})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.DiffResult:
        replaces = tls.replacements(olds, news)
        changed = bool(replaces) or any(olds.get(k) != v for k, v in news.items())
        return dynamic.DiffResult(changes=changed, replaces=replaces, delete_before_replace=False)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dynamic.UpdateResult:
        # Only settings that apply to the next issue changed (validity, renewal window).
        return dynamic.UpdateResult({**news, **{k: olds[k] for k in ISSUED}})


ISSUER = Issuer()


class Certificate(dynamic.Resource):
    """One issued certificate; ``key`` is a secret."""

    certificate: pulumi.Output[str]
    key: pulumi.Output[str]
    notAfter: pulumi.Output[str]
    serial: pulumi.Output[str]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions) -> None:
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS)
        )
        super().__init__(ISSUER, name, {**props, **dict.fromkeys(ISSUED)}, opts)


class Certified:
    """What :func:`certificates` made: the CA certificate the record publishes, and the
    resources the releases wait for."""

    def __init__(self) -> None:
        self.ca: pulumi.Output[str] | None = None
        self.resources: list[pulumi.Resource] = []
        self.stamps: list[tuple[tls.Mounted, pulumi.Output[str]]] = []
        """Each Secret's digest (:func:`fate_iac.tls.stamp`), for :func:`restart_on_renewal`."""
        self.expiries: dict[str, pulumi.Output[str]] = {}
        """When the CA and each Secret's first certificate expire (the ``certificates``
        output), ISO 8601."""


def certificates(
    parent: pulumi.ComponentResource,
    name: str,
    issuing: tls.Issuing,
    routed: pulumi.Output[RoutedValues],
    depends_on: list[pulumi.Resource],
    settled: pulumi.Output[tls.Issuing | None] | None = None,
) -> Certified:
    """The stack's CA and, for each mounted Secret, its certificates and the Secret
    (trusting the stack's own CA and those of the stacks it routes to: nothing else);
    with rollsite's TLS, Service ``rollsite-tls`` too. ``settled``: the same issuing once
    the values other resources give are known; the hosts a certificate names come from
    it (``issuing`` may hold a stand-in for publicHost)."""
    done = Certified()
    wanted = issuing.mounted
    if not wanted:
        return done
    options = tls.TlsSettings.of(issuing.options)
    child = pulumi.ResourceOptions(parent=parent)
    common_name, organization = tls.subject(issuing.party_id, issuing.role)
    brought = issuing.options.ca
    if brought is not None:
        ca_certificate: pulumi.Output[str] = pulumi.Output.from_input(brought.certificate)
        ca_key = as_pulumi_secret(brought.key)
        from fate_iac import pki  # cryptography: only for a brought CA

        ca_expiry = pulumi.Output.from_input(pki.expires(brought.certificate).isoformat())
    else:
        ca_props = options.props("ca", f"{common_name}-ca", organization, issuing.permitted)
        ca = Certificate(f"{name}-tls-ca", ca_props, child)
        ca_certificate, ca_key, ca_expiry = ca.certificate, ca.key, ca.notAfter
    done.expiries["ca"] = pulumi.Output.unsecret(ca_expiry)
    signed_by = {"caCertificate": ca_certificate, "caKey": ca_key}
    bundle = pulumi.Output.all(ca_certificate, routed).apply(
        lambda found: tls.trust_bundle([found[0], *found[1].routes.trust.values()])
    )
    for index, secret in enumerate(wanted):

        def issued(usage: str, hosts: Any, secret: tls.Mounted = secret) -> Certificate:
            props = options.props(usage, secret.common_name, organization, hosts)
            return Certificate(f"{name}-{secret.secret}-{usage}", {**props, **signed_by}, child)

        made = {tls.SERVER: issued("server", _hosts(secret, index, settled))}
        if secret.client:
            made[tls.CLIENT] = issued("client", [issuing.identity])
        contents: dict[str, Any] = {tls.TRUST: bundle}
        for usage, cert in made.items():
            contents[usage], contents[f"{usage}-key"] = cert.certificate, cert.key
        files = {file: contents[what] for file, what in secret.files.items()}
        done.resources.append(
            kubernetes_object(
                parent,
                f"{name}-{secret.secret}",
                tls.secret_manifest(issuing.namespace, secret.secret, files),
                depends_on,
                secret=True,
            )
        )
        digest = pulumi.Output.all(bundle, *(c.serial for c in made.values())).apply(
            lambda parts: tls.stamp(*parts)
        )
        done.stamps.append((secret, pulumi.Output.unsecret(digest)))
        first = pulumi.Output.all(*(c.notAfter for c in made.values())).apply(min)
        done.expiries[secret.secret] = pulumi.Output.unsecret(first)
    service = issuing.service
    if service is not None:
        done.resources.append(
            kubernetes_object(parent, f"{name}-{ROLLSITE_TLS_SERVICE}", service, depends_on)
        )
    done.ca = pulumi.Output.unsecret(ca_certificate)
    return done


def _hosts(
    secret: tls.Mounted, index: int, settled: pulumi.Output[tls.Issuing | None] | None
) -> pulumi.Input[list[str]]:
    """The hosts the ``index``-th mounted Secret's server certificate names."""
    if settled is None:
        return list(secret.hosts)

    def named(found: tls.Issuing | None) -> list[str]:
        return list((found.mounted[index] if found is not None else secret).hosts)

    return settled.apply(named)


def restart_on_renewal(
    parent: pulumi.ComponentResource,
    name: str,
    namespace: str,
    certified: Certified,
    releases: Sequence[pulumi.Resource],
) -> list[pulumi.Resource]:
    """The charts' workloads read their certificates when they start: when a Secret
    changes (renewed, or a peer's CA trusted), an annotation on the pod template of the
    workload that mounts it rolls it, patched beside what Helm owns (server-side apply:
    Helm's upgrades leave it alone)."""
    patches: list[pulumi.Resource] = []
    for secret, digest in certified.stamps:
        kind, workload = secret.workload
        patch = {
            "apiVersion": "apps/v1",
            "kind": kind,
            "metadata": {
                "name": workload,
                "namespace": namespace,
                "annotations": {"pulumi.com/patchForce": "true"},
            },
            "spec": {"template": {"metadata": {"annotations": {tls.STAMP_ANNOTATION: digest}}}},
        }
        patches.append(
            kubernetes_object(
                parent, f"{name}-{secret.secret}-restart", patch, list(releases), patch=True
            )
        )
    return patches
