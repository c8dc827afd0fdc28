"""The TLS example federation (examples/tls: party 9999 behind an exchange and P2P with
party 10000, every rollsite with enableTLS) brought up from nothing through the real
engine, its certificates read back from the API server and checked against the CAs the
records publish, a renewal forced by a short validity, then destroyed."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID

from e2e.controlplane import ControlPlane, kube_get
from e2e.tools import Tools
from e2e.workspace import PROJECT_DIR, copy_project, workspace
from fate_iac import pki, postrender, tls, yamlio
from fate_iac.endpoints import ROLLSITE_TLS_SERVICE
from fate_iac.postrender import ROLLSITE_TLS_PORT
from fate_pulumi.automation import AutomationRunner

EXAMPLE = PROJECT_DIR / "examples" / "tls"
STACKS = ["exchange", "party9999", "party10000"]
NAMESPACES = {
    "exchange": "fate-tls-exchange",
    "party9999": "fate-tls-9999",
    "party10000": "fate-tls-10000",
}
TRUSTS = {
    "exchange": ["party9999"],
    "party9999": ["exchange", "party10000"],
    "party10000": ["party9999"],
}
"""Whose CAs each stack's rollsite trusts (besides its own): the stacks it routes to."""
ROLES = {"exchange": "exchange", "party9999": "party", "party10000": "party"}


def _cert(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode())


def _signed_by(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, Exception):
        return False
    return True


def test_the_tls_example_converges_chains_to_the_published_cas_and_renews(
    tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path: Path
) -> None:
    project = copy_project(tmp_path / "project", STACKS, chart_repo, source=EXAMPLE)
    # Party 9999 limits its egress too: its rollsite's policy follows the records it reads.
    path = project / "Pulumi.party9999.yaml"
    document = yamlio.load(path.read_text())
    document["config"]["fate:networkPolicy"] = {"egress": True}
    path.write_text(yamlio.dump(document))
    ws = workspace(tools, project, tmp_path, plane.kubeconfig)
    runner = AutomationRunner(project, ws.env, tools.pulumi_root, say=print)

    up = ws.federation("up", "--yes")
    assert "converged after" in up.stderr, up.stderr

    def certs(stack: str) -> dict[str, str]:
        found = kube_get(
            plane, f"/api/v1/namespaces/{NAMESPACES[stack]}/secrets/{tls.CERTS_SECRET}"
        )
        assert found is not None, stack
        return {k: base64.b64decode(v).decode() for k, v in found["data"].items()}

    records = {stack: runner.outputs(stack)["federation"] for stack in STACKS}
    cas = {stack: _cert(record["ca"]) for stack, record in records.items()}
    for stack, record in records.items():
        secret = certs(stack)
        assert set(secret) == {"ca.pem", "server.crt", "server.key", "client.crt", "client.key"}
        assert "BEGIN PRIVATE KEY" in secret["server.key"]  # PKCS#8, as eggroll reads it
        own = cas[stack]
        server, client = _cert(secret["server.crt"]), _cert(secret["client.crt"])
        # Both chain to the CA this stack's record publishes, and name the party.
        assert _signed_by(server, own) and _signed_by(client, own)
        party = str(record["partyId"])
        for cert in (server, client):
            name = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
            assert str(name).endswith(party), (stack, name)
        # The server certificate names the address its record publishes for TLS.
        secure = record["endpoints"]["rollsiteTLS"]
        sans = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert secure["host"] in [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)]
        # The client certificate names the party too, and the CA is constrained to the
        # names its certificates carry: the other stacks' published addresses are outside.
        identity = client.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert identity.get_values_for_type(x509.DNSName) == [
            tls.identity(record["partyId"], ROLES[stack])
        ]
        names = [str(n.value) for n in sans] + [tls.identity(record["partyId"], ROLES[stack])]
        assert pki.names_outside(record["ca"], names) == []
        others = [r["endpoints"]["rollsiteTLS"]["host"] for o, r in records.items() if o != stack]
        assert set(pki.names_outside(record["ca"], others)) == set(others) - {secure["host"]}
        # It trusts its own CA and those of the stacks it routes to: nothing else.
        trusted = {c.subject for c in x509.load_pem_x509_certificates(secret["ca.pem"].encode())}
        assert trusted == {own.subject, *(cas[other].subject for other in TRUSTS[stack])}

        # Service rollsite-tls exposes the TLS listener on the published NodePort...
        service = kube_get(
            plane, f"/api/v1/namespaces/{NAMESPACES[stack]}/services/{ROLLSITE_TLS_SERVICE}"
        )
        assert service["spec"]["ports"][0]["nodePort"] == secure["port"]
        assert service["spec"]["ports"][0]["targetPort"] == ROLLSITE_TLS_PORT
        # ...and its NetworkPolicy lets peers reach it.
        policy = kube_get(
            plane,
            f"/apis/networking.k8s.io/v1/namespaces/{NAMESPACES[stack]}"
            "/networkpolicies/fate-entry-rollsite",
        )
        ports = {p["port"] for p in policy["spec"]["ingress"][0]["ports"]}
        assert ROLLSITE_TLS_PORT in ports

    # Party 9999's egress: every pod to its party and DNS; rollsite to the TLS listeners
    # of the peer and the exchange its routes name (from their records), nothing else.
    def egress_policy(name: str) -> dict[str, Any]:
        found = kube_get(
            plane, f"/apis/networking.k8s.io/v1/namespaces/fate-tls-9999/networkpolicies/{name}"
        )
        assert found is not None, name
        spec: dict[str, Any] = found["spec"]
        return spec

    assert egress_policy("fate-egress")["policyTypes"] == ["Egress"]
    rollsite_egress = egress_policy("fate-egress-rollsite")
    assert rollsite_egress["podSelector"] == {"matchLabels": {"fateMoudle": "rollsite"}}
    assert rollsite_egress["egress"] == [
        {
            "to": [{"ipBlock": {"cidr": "192.168.0.1/32"}}],
            "ports": [{"protocol": "TCP", "port": 30002}],
        },
        {
            "to": [{"ipBlock": {"cidr": "192.168.10.1/32"}}],
            "ports": [{"protocol": "TCP", "port": 30008}],
        },
    ]
    no_egress = kube_get(
        plane, "/apis/networking.k8s.io/v1/namespaces/fate-tls-10000/networkpolicies/fate-egress"
    )
    assert no_egress is None  # an opt-in

    def routes(stack: str) -> dict[str, Any]:
        found = kube_get(
            plane, f"/api/v1/namespaces/{NAMESPACES[stack]}/configmaps/rollsite-config"
        )
        table: dict[str, Any] = json.loads(found["data"]["route_table.json"])["route_table"]
        return table

    # Routes go to the peers' TLS listeners, and say so (the charts never write is_secure).
    ninety = routes("party9999")
    assert ninety["10000"]["default"] == [{"ip": "192.168.10.1", "port": 30008, "is_secure": True}]
    assert ninety["default"]["default"] == [{"ip": "192.168.0.1", "port": 30002, "is_secure": True}]
    assert "is_secure" not in ninety["9999"]["fateflow"][0]
    assert routes("exchange")["9999"]["default"] == [
        {"ip": "192.168.9.1", "port": 30004, "is_secure": True}
    ]
    # The party chart v1.11.2's read-only eggroll.properties is mounted where the start
    # script copies it from, so the TLS settings it appends arrive.
    deployment = kube_get(plane, "/apis/apps/v1/namespaces/fate-tls-9999/deployments/rollsite")
    mounts = deployment["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]
    assert postrender.WRITABLE_PROPERTIES in [m["mountPath"] for m in mounts]
    # The same command (fate-postrender-tls-mysql-root) gives MySQL's root its password.
    mysql = kube_get(plane, "/apis/apps/v1/namespaces/fate-tls-9999/statefulsets/mysql")
    env = {e["name"]: e for e in mysql["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert "MYSQL_ALLOW_EMPTY_PASSWORD" not in env
    assert env["MYSQL_ROOT_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == "mysql-root"

    def stamp(stack: str) -> str:
        found = kube_get(
            plane, f"/apis/apps/v1/namespaces/{NAMESPACES[stack]}/deployments/rollsite"
        )
        annotations: dict[str, str] = found["spec"]["template"]["metadata"]["annotations"]
        return annotations[tls.STAMP_ANNOTATION]

    stamped = stamp("party10000")

    def cli(*args: str) -> None:
        done = ws.pulumi(*args, "--stack", "party10000")
        assert done.returncode == 0, done.stdout + done.stderr

    # Status says when each stack's first certificate expires (a year: the default).
    status = ws.federation("status").stdout.splitlines()
    assert all("certificates until 20" in line for line in status), status
    assert set(runner.outputs("party9999")["certificates"]) == {"ca", "eggroll-certs"}

    # Every private key is a secret in the state: none is there in plaintext.
    for stack in STACKS:
        exported = ws.pulumi("stack", "export", "--stack", stack)
        assert exported.returncode == 0 and "BEGIN CERTIFICATE" in exported.stdout
        assert "PRIVATE KEY" not in exported.stdout, stack

    # Renewal: party 10000's certificates (48 h) are re-issued once within the window.
    before = certs("party10000")
    cli("config", "set", "--path", "fate:tls.renewBeforeHours", "48")
    cli("config", "set", "--path", "fate:tls.validityHours", "72")
    cli("up", "--yes", "--skip-preview")
    after = certs("party10000")
    assert after["server.crt"] != before["server.crt"]
    assert after["client.crt"] != before["client.crt"]
    assert after["ca.pem"] == before["ca.pem"]  # the CA (ten years) is not due
    renewed = _cert(after["server.crt"])
    assert _signed_by(renewed, cas["party10000"])
    lifetime = renewed.not_valid_after_utc - renewed.not_valid_before_utc
    assert 71 <= lifetime.total_seconds() / 3600 <= 73
    # rollsite reads its certificates when it starts: its pod template changed, so it rolls.
    assert stamp("party10000") != stamped
    # Not due again: the next update issues nothing.
    cli("up", "--yes", "--skip-preview")
    assert certs("party10000")["server.crt"] == after["server.crt"]

    # A CA constrained to other names is a new CA: the preview says so before anything
    # happens (here the opt-out; a CA generated before constraints goes the other way).
    cli("config", "set", "--path", "fate:tls.constrainCA", "false")
    preview = ws.pulumi("preview", "--diff", "--stack", "party10000")
    assert preview.returncode == 0, preview.stdout + preview.stderr
    lines = preview.stdout.splitlines()
    ca = next(i for i, line in enumerate(lines) if line.strip().endswith("-tls-ca]"))
    assert lines[ca - 2].strip() == "+-pulumi-python:dynamic:Resource: (replace)", preview.stdout
    assert lines[ca + 3].strip() == "~ hosts           : [", preview.stdout
    # With it, what it signed and the Secret holding them; rollsite then restarts.
    assert "+-4 to replace" in preview.stdout and "~ 1 to update" in preview.stdout

    ws.federation("destroy", "--yes")
    for namespace in NAMESPACES.values():
        assert kube_get(plane, f"/api/v1/namespaces/{namespace}/secrets/{tls.CERTS_SECRET}") is None
