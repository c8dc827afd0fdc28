"""TLS between gateways: certificates issued and renewed, what each Secret holds, a real
mutual-TLS handshake with them, the charts' fixes, routes, rules and the program."""

from __future__ import annotations

import datetime
import json
import socket
import ssl
import tempfile
import threading
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from fate_iac import pki, postrender, tls, yamlio
from fate_iac.config import ExchangeConfig, PartyConfig
from fate_iac.endpoints import ROLLSITE_TLS_SERVICE, party_record
from fate_iac.federation import FederationRecord, party_routes
from fate_iac.federation_check import Member, check_federation
from fate_iac.kinds import entry_points, kind_of, mounted
from fate_iac.loader import load_party_config, load_stack_config, read_stack_file
from fate_iac.postrender import ROLLSITE_TLS_PORT
from fate_iac.problems import ConfigError
from fate_iac.render import render_stack
from fate_iac.secrets import Secret
from tests.conftest import EXAMPLE_PASSPHRASE, PROJECT_DIR, chart_source, party

EXAMPLE = PROJECT_DIR / "examples" / "tls"
NOW = datetime.datetime(2026, 11, 29, 12, 0, tzinfo=datetime.UTC)


def _cert(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode())


def _party(party_id: int) -> tuple[pki.Issued, pki.Issued, pki.Issued]:
    """A party's CA, server certificate (for its published address) and client one."""
    cn, org = tls.subject(party_id, "party")
    ca = pki.issue_ca(f"{cn}-ca", org, 100)
    host = f"192.168.{party_id % 100}.1"
    server = pki.issue_leaf(ca.certificate, ca.key, cn, org, "server", [host, "rollsite-tls"], 10)
    client = pki.issue_leaf(ca.certificate, ca.key, cn, org, "client", [], 10)
    return ca, server, client


# --- issuing ---------------------------------------------------------------------------


def test_a_stack_ca_signs_leaves_only_and_its_leaves_name_the_party_and_their_use() -> None:
    ca, server, client = _party(9999)
    authority = _cert(ca.certificate)
    constraints = authority.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert constraints.ca and constraints.path_length == 0
    for leaf, usage in (
        (server, ExtendedKeyUsageOID.SERVER_AUTH),
        (client, ExtendedKeyUsageOID.CLIENT_AUTH),
    ):
        cert = _cert(leaf.certificate)
        cert.verify_directly_issued_by(authority)
        assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "party-9999"
        assert list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [usage]
        assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        # eggroll, Pulsar and Traffic Server read unencrypted PKCS#8 keys only.
        assert leaf.key.startswith("-----BEGIN PRIVATE KEY-----")
    names = (
        _cert(server.certificate)
        .extensions.get_extension_for_class(x509.SubjectAlternativeName)
        .value
    )
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["192.168.99.1"]
    assert names.get_values_for_type(x509.DNSName) == ["rollsite-tls"]


def test_a_leaf_never_outlives_its_ca_and_a_foreign_key_cannot_sign() -> None:
    ca = pki.issue_ca("ca", "o", 5, NOW)
    leaf = pki.issue_leaf(ca.certificate, ca.key, "l", "o", "server", [], 50, NOW)
    assert _cert(leaf.certificate).not_valid_after_utc == _cert(ca.certificate).not_valid_after_utc
    other = pki.issue_ca("other", "o", 5, NOW)
    with pytest.raises(ValueError, match="does not belong to the CA certificate"):
        pki.issue_leaf(ca.certificate, other.key, "l", "o", "server", [], 1, NOW)


def test_certificates_are_reissued_when_due_or_when_what_they_name_changes() -> None:
    settings = tls.TlsSettings(validity_hours=48, renew_before_hours=24, ca_validity_hours=100)
    ca = pki.issue_ca("ca", "o", 100, NOW)
    news = {
        **settings.props("server", "party-9999", "FATE party 9999", ["192.168.9.1"]),
        "caCertificate": ca.certificate,
        "caKey": ca.key,
    }
    state = {**news, **pki.issued_outputs(pki.issue(news, NOW))}
    assert tls.replacements(state, news, NOW + datetime.timedelta(hours=23)) == []
    assert tls.replacements(state, news, NOW + datetime.timedelta(hours=25)) == ["notAfter"]
    # A wider window makes it due now; a longer validity alone issues nothing new.
    assert tls.replacements(state, {**news, "renewBeforeHours": 48}, NOW) == ["notAfter"]
    assert tls.replacements(state, {**news, "validityHours": 72}, NOW) == []
    moved = {**news, "hosts": ["192.168.9.2"]}
    assert tls.replacements(state, moved, NOW) == ["hosts"]
    assert tls.replacements(state, {**news, "caCertificate": "new"}, NOW) == ["caCertificate"]


def test_a_trust_bundle_holds_each_ca_once_in_a_stable_order() -> None:
    a, b = pki.issue_ca("a", "o", 1).certificate, pki.issue_ca("b", "o", 1).certificate
    bundle = tls.trust_bundle([a, b, a])
    assert bundle == tls.trust_bundle([b + a])
    assert len(x509.load_pem_x509_certificates(bundle.encode())) == 2


# --- a real handshake ------------------------------------------------------------------


def _handshake(
    server: tuple[str, str, str], client: tuple[str, str, str], host: str
) -> dict[str, str]:
    """Mutual TLS over a local socket, as rollsite does it (client certificates
    required, one CA file for both directions): each side's error, none when it worked.
    Each side is (certificate, key, trusted bundle)."""
    tmp = Path(tempfile.mkdtemp())

    def context(side: tuple[str, str, str], purpose: ssl.Purpose) -> ssl.SSLContext:
        name = "server" if purpose is ssl.Purpose.CLIENT_AUTH else "client"
        (tmp / f"{name}.crt").write_text(side[0])
        (tmp / f"{name}.key").write_text(side[1])
        (tmp / f"{name}.ca").write_text(side[2])
        made = ssl.create_default_context(purpose, cafile=str(tmp / f"{name}.ca"))
        made.load_cert_chain(tmp / f"{name}.crt", tmp / f"{name}.key")
        made.verify_mode = ssl.CERT_REQUIRED
        return made

    served, dialing = (
        context(server, ssl.Purpose.CLIENT_AUTH),
        context(client, ssl.Purpose.SERVER_AUTH),
    )
    listener = socket.create_server(("127.0.0.1", 0))
    outcome: dict[str, str] = {}

    def serve() -> None:
        connection, _ = listener.accept()
        try:
            with served.wrap_socket(connection, server_side=True) as secured:
                secured.sendall(b"x")
        except (ssl.SSLError, OSError) as error:
            outcome["server"] = str(error)

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        with (
            socket.create_connection(listener.getsockname()) as raw,
            dialing.wrap_socket(raw, server_hostname=host) as secured,
        ):
            secured.recv(1)
    except (ssl.SSLError, OSError) as error:
        outcome.setdefault("client", str(error))
    thread.join(timeout=10)
    listener.close()
    return outcome


def test_peers_that_trust_each_others_ca_complete_mutual_tls_and_no_one_else_does() -> None:
    ca_a, server_a, _ = _party(9999)
    ca_b, _, client_b = _party(10000)
    ca_c, _, client_c = _party(8888)
    # Each side's ca.pem: its own CA and its peer's (what the Secret holds).
    trust_a = tls.trust_bundle([ca_a.certificate, ca_b.certificate])
    trust_b = tls.trust_bundle([ca_b.certificate, ca_a.certificate])
    a = (server_a.certificate, server_a.key, trust_a)
    b = (client_b.certificate, client_b.key, trust_b)
    assert _handshake(a, b, "192.168.99.1") == {}
    # A party whose CA party 9999 does not trust: its client certificate is refused.
    c = (client_c.certificate, client_c.key, tls.trust_bundle([ca_c.certificate, ca_a.certificate]))
    assert "certificate verify failed" in _handshake(a, c, "192.168.99.1")["server"]
    # A name the server certificate does not carry is refused by the client.
    assert "IP address mismatch" in _handshake(a, b, "192.168.99.2")["client"]
    # A peer that does not trust party 9999's CA refuses its server certificate.
    b_alone = (client_b.certificate, client_b.key, ca_b.certificate)
    assert "certificate verify failed" in _handshake(a, b_alone, "192.168.99.1")["client"]


# --- what each stack mounts ----------------------------------------------------------------


def _loaded(stack: str) -> Any:
    raw = read_stack_file(EXAMPLE / f"Pulumi.{stack}.yaml", stack, EXAMPLE_PASSPHRASE)
    return load_stack_config(raw, stack).config


def test_each_secret_a_chart_mounts_is_planned_with_the_names_clients_dial() -> None:
    cfg = _loaded("party9999")
    (rollsite,) = mounted(cfg)
    assert rollsite.secret == "eggroll-certs" and rollsite.client
    assert set(rollsite.files) == {"ca.pem", "server.crt", "server.key", "client.crt", "client.key"}
    assert rollsite.hosts[0] == "192.168.9.1"  # where its record says peers dial it
    assert f"{ROLLSITE_TLS_SERVICE}.fate-tls-9999.svc.cluster.local" in rollsite.hosts
    assert rollsite.workload == ("Deployment", "rollsite")
    # Pulsar behind an exchange: the broker certificate names the exchange's SNI route.
    spark = PartyConfig.model_validate(_spark_party())
    (pulsar,) = mounted(spark)
    assert (pulsar.secret, pulsar.common_name, pulsar.client) == (
        "pulsar-cert",
        "9999.fate.org",
        False,
    )
    assert set(pulsar.files) == {"ca.cert.pem", "broker.cert.pem", "broker.key-pk8.pem"}
    assert pulsar.hosts[:2] == ("9999.fate.org", "192.168.9.1")
    assert pulsar.workload == ("StatefulSet", "pulsar")
    # An exchange's trafficServer always mounts its own; no TLS, no rollsite Secret.
    exchange = ExchangeConfig.model_validate(
        {
            "chartName": "fate-exchange",
            "publicHost": "192.168.0.1",
            "modules": ["trafficServer", "nginx"],
            "trafficServer": {"type": "NodePort", "nodePort": 30020},
        }
    )
    assert [m.secret for m in mounted(exchange)] == ["traffic-server-cert"]
    assert mounted(PartyConfig.model_validate(party())) == []


def _spark_party() -> dict[str, Any]:
    return {
        "partyId": 9999,
        "chartName": "fate",
        "publicHost": "192.168.9.1",
        "computing": "Spark",
        "federation": "Pulsar",
        "storage": "HDFS",
        "modules": ["python", "mysql", "spark", "hdfs", "nginx", "pulsar"],
        "pulsar": {"type": "NodePort", "httpNodePort": 30034, "httpsNodePort": 30039},
        "exchangeStack": "exchange",
    }


# --- the charts, fixed -------------------------------------------------------------------


@pytest.mark.chart
@pytest.mark.parametrize("stack", ["party9999", "exchange"])
def test_the_rendered_chart_routes_to_other_parties_over_tls(stack: str) -> None:
    cfg = _loaded(stack)
    records = {
        "party9999": _record(9999, "party9999", "192.168.9.1", 30004),
        "party10000": _record(10000, "party10000", "192.168.10.1", 30008),
        "exchange": _record(1, "exchange", "192.168.0.1", 30002, kind="exchange"),
    }
    (release,) = render_stack(cfg, chart_source(), records=records)
    objects = {(o["kind"], o["metadata"]["name"]): o for o in release.objects()}
    table = json.loads(objects["ConfigMap", "rollsite-config"]["data"]["route_table.json"])
    routes = table["route_table"]
    own = str(cfg.partyId)
    for party_key, services in routes.items():
        for entries in services.values():
            for entry in entries:
                local = party_key == own or entry["ip"] == "rollsite"
                assert entry.get("is_secure", False) is not local, (party_key, entry)
    if stack == "party9999":
        assert routes["10000"]["default"] == [
            {"ip": "192.168.10.1", "port": 30008, "is_secure": True}
        ]
        assert routes["default"]["default"] == [
            {"ip": "192.168.0.1", "port": 30002, "is_secure": True}
        ]
        # The party chart v1.11.2 mounts eggroll.properties read-only where its start
        # script writes: mounted where the script copies it from, the TLS settings arrive.
        rollsite = objects["Deployment", "rollsite"]["spec"]["template"]["spec"]
        container = rollsite["containers"][0]
        mounts = [m["mountPath"] for m in container["volumeMounts"]]
        assert postrender.WRITABLE_PROPERTIES in mounts and postrender.PROPERTIES not in mounts
        script = " ".join(container.get("command", []) + container.get("args", []))
        assert "cat /data/projects/fate/eggroll/conf/cert_configs >>" in script
        assert {"containerPort": ROLLSITE_TLS_PORT, "name": "tls"} in container["ports"]
    else:
        assert routes["9999"]["default"] == [
            {"ip": "192.168.9.1", "port": 30004, "is_secure": True}
        ]


def _record(
    party_id: int, stack: str, host: str, tls_port: int, kind: str = "party"
) -> dict[str, Any]:
    return {
        "schemaVersion": "1.2",
        "kind": kind,
        "stack": stack,
        "partyId": party_id,
        "fateVersion": "1.11" if kind == "party" else None,
        "protocols": ["eggroll"],
        "ca": pki.issue_ca("ca", "o", 1).certificate,
        "endpoints": {
            "rollsite": {"host": host, "port": tls_port - 1},
            "rollsiteTLS": {"host": host, "port": tls_port},
        },
    }


FIXED_STREAM = (
    "---\n# Source: fate/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\n"
    "metadata:\n  name: other\ndata:\n  x: |\n    kept: as written\n"
    "---\n# Source: fate/templates/b.yaml\napiVersion: v1\nkind: ConfigMap\n"
    "metadata:\n  name: rollsite-config\ndata:\n  route_table.json: |\n"
    '    {"route_table": {"9999": {"default": [{"ip": "10.0.0.1", "port": 1}]},\n'
    '     "1": {"fateflow": [{"ip": "fateflow", "port": 9360}],\n'
    '           "default": [{"ip": "rollsite", "port": 9370}]}}}\n'
    "---\n# Source: fate/templates/c.yaml\napiVersion: apps/v1\nkind: Deployment\n"
    "metadata:\n  name: rollsite\nspec:\n  template:\n    spec:\n      containers:\n"
    "      - name: rollsite\n        command: [/bin/bash, -c]\n        args:\n"
    f"        - cp {postrender.WRITABLE_PROPERTIES} {postrender.PROPERTIES}; "
    "cat conf/cert_configs >> x\n"
    f"        volumeMounts:\n        - mountPath: {postrender.PROPERTIES}\n          name: e\n"
)
PINNED = {1: "d448a97769ee3c65"}
"""The digest of :data:`FIXED_STREAM` post-rendered, by ``POSTRENDER_REVISION``."""


def test_post_rendering_is_pinned_to_its_revision_and_leaves_the_rest_as_written() -> None:
    import hashlib

    out = postrender.post_render(FIXED_STREAM, {postrender.TLS})
    assert out.startswith(FIXED_STREAM.split("---\n# Source: fate/templates/b.yaml")[0])
    documents = yamlio.load_all(out)
    table = json.loads(documents[1]["data"]["route_table.json"])["route_table"]
    assert table["9999"]["default"][0]["is_secure"] is True
    assert "is_secure" not in table["1"]["default"][0]
    assert out.count("# Source:") == 3
    digest = hashlib.sha256(out.encode()).hexdigest()[:16]
    assert PINNED.get(postrender.POSTRENDER_REVISION) == digest, (
        f"post_render renders differently ({digest}): raise POSTRENDER_REVISION, so the "
        "releases re-render through it, and pin the new digest"
    )


@pytest.mark.chart
def test_the_post_render_command_fixes_the_real_charts_as_fatectl_render_shows() -> None:
    """The command Helm runs (the whole stream, the fixes read from its name) and the
    offline render (object by object) agree on the real charts."""
    import subprocess

    from fate_iac.charts import chart_archive, render_chart
    from fate_iac.release import release_options

    for stack, fixes in (
        ("party9999", {postrender.TLS, postrender.MYSQL_ROOT}),
        ("exchange", {postrender.TLS}),
    ):
        cfg = _loaded(stack)
        (spec,) = [s for s in kind_of(cfg).releases(cfg, chart_source()) if s.post_render]
        assert spec.post_render == fixes
        (rendered,) = render_stack(cfg, chart_source())
        plain = render_chart(chart_archive(spec.chart), rendered.values, spec.name, spec.namespace)
        stream = "".join(f"---\n# Source: {m.source}\n{m.text}\n" for m in plain)
        command = release_options(cfg, spec)["postrender"]
        run = subprocess.run([command], input=stream, text=True, capture_output=True, check=True)
        assert yamlio.load_all(run.stdout) == rendered.objects()


# --- routes, records, rules -----------------------------------------------------------


CAS = {party_id: pki.issue_ca(f"party-{party_id}-ca", "o", 10).certificate for party_id in (1, 2)}


def _peer(party_id: int, stack: str, secure: bool) -> FederationRecord:
    endpoints: dict[str, Any] = {"rollsite": {"host": "10.0.0.1", "port": 30001}}
    extra: dict[str, Any] = {}
    if secure:
        endpoints["rollsiteTLS"] = {"host": "10.0.0.1", "port": 30002}
        extra["ca"] = CAS[party_id]
    return FederationRecord(partyId=party_id, stack=stack, endpoints=endpoints, **extra)


def test_tls_routes_go_to_the_tls_listener_and_trust_only_the_routed_stacks_cas() -> None:
    routes = party_routes(
        9999, [], [("p1", _peer(1, "p1", True))], ("ex", _peer(2, "ex", True)), tls=True
    )
    assert routes.party_list == [{"partyId": 1, "partyIp": "10.0.0.1", "partyPort": 30002}]
    assert routes.exchange == {"partyIp": "10.0.0.1", "partyPort": 30002}
    assert routes.trust == {"p1": CAS[1], "ex": CAS[2]}
    assert not routes.problems


def test_a_stack_across_a_tls_switch_is_not_routed_to_until_both_sides_switch() -> None:
    # A stack's record is re-published when it switches: said, not routed, no failure.
    plain = party_routes(9999, [], [("p1", _peer(1, "p1", False))], tls=True)
    assert plain.party_list == [] and not plain.problems and plain.trust == {}
    assert "p1 (party 1) does not speak TLS" in plain.notes[0]
    secure = party_routes(9999, [], [("p1", _peer(1, "p1", True))], tls=False)
    assert secure.party_list == [] and "p1 (party 1) speaks TLS" in secure.notes[0]
    # A static record never changes by itself: a mismatch is a problem.
    static = party_routes(9999, [], [("party 1", _peer(1, "", False))], tls=True)
    assert "does not speak TLS" in static.problems[0]


def _tls_party(party_id: int, **overrides: Any) -> dict[str, Any]:
    raw = party(partyId=party_id, **overrides)
    rollsite = {k: v for k, v in raw["rollsite"].items() if k != "partyList"}
    raw["rollsite"] = {**rollsite, "enableTLS": True}
    raw.setdefault("tls", {"nodePort": 30110 + party_id % 10})
    return raw


def test_a_tls_party_publishes_its_tls_listener_and_opens_it() -> None:
    cfg = load_party_config(_tls_party(10000), "party10000").config
    record = party_record(cfg, "party10000", "eggroll")
    tls_record = record.endpoints["rollsiteTLS"]
    assert (tls_record.host, tls_record.port) == ("192.168.10.1", 30110)
    # Peers reach the TLS listener only: the plaintext port answers the party's own pods.
    assert entry_points(cfg)["rollsite"] == ((ROLLSITE_TLS_PORT, ROLLSITE_TLS_PORT),)


@pytest.mark.parametrize(
    ("tls_keys", "rollsite", "path", "said"),
    [
        ({"nodePort": 30111}, {"enableTLS": False}, ("tls",), "nothing here uses certificates"),
        ({}, {}, ("tls", "nodePort"), "rollsite.type is NodePort: set nodePort"),
        (
            {"nodePort": 30111, "validityHours": 10, "renewBeforeHours": 10},
            {},
            ("tls", "renewBeforeHours"),
            "every update would re-issue",
        ),
        (
            {"nodePort": 30111, "validityHours": 200, "caValidityHours": 100},
            {},
            ("tls", "validityHours"),
            "no certificate outlives its CA",
        ),
        (
            {"nodePort": 30111, "ca": {"certificate": "nonsense", "key": Secret("k", True)}},
            {},
            ("tls", "ca", "certificate"),
            "it is not a PEM certificate",
        ),
        ({"nodePort": 30101}, {}, ("tls", "nodePort"), "already used by fate:rollsite.nodePort"),
        (
            {"nodePort": 30111},
            {"partyList": [{"partyId": 9999, "partyIp": "10.0.0.9", "partyPort": 30009}]},
            ("rollsite", "partyList"),
            "a partyList entry cannot carry",
        ),
        (
            {"nodePort": 30111},
            {"exchange": {"ip": "10.0.0.1", "port": 30000}},
            ("rollsite", "exchange"),
            "name its stack in exchangeStack",
        ),
    ],
)
def test_tls_settings_that_cannot_work_are_refused_at_their_key(
    tls_keys: dict[str, Any], rollsite: dict[str, Any], path: tuple[str, ...], said: str
) -> None:
    raw = _tls_party(10000, tls=tls_keys)
    raw["rollsite"] = {**raw["rollsite"], **rollsite}
    with pytest.raises(ConfigError) as error:
        load_party_config(raw, "party10000")
    found = {p.path: p.message for p in error.value.problems}
    assert path in found and said in found[path], found


def test_a_brought_ca_must_be_a_ca_and_its_key_a_secret() -> None:
    leaf_ca = pki.issue_ca("ca", "o", 10_000)
    leaf = pki.issue_leaf(leaf_ca.certificate, leaf_ca.key, "x", "o", "server", [], 5)
    raw = _tls_party(
        10000,
        tls={
            "nodePort": 30111,
            "ca": {"certificate": leaf.certificate, "key": Secret(leaf.key, True)},
        },
    )
    with pytest.raises(
        ConfigError,
        match=r"tls.ca.certificate: cannot sign with this CA: it is "
        r"not a CA certificate \(basicConstraints CA:FALSE\)",
    ):
        load_party_config(raw, "party10000")
    brought = {"certificate": leaf_ca.certificate, "key": Secret(leaf_ca.key, False)}
    with pytest.raises(ConfigError) as error:
        load_party_config(_tls_party(10000, tls={"nodePort": 30111, "ca": brought}), "p")
    (problem,) = error.value.problems
    assert problem.path == ("tls", "ca", "key") and problem.rule == "secret"
    assert leaf_ca.key not in str(error.value)  # the offending value is never shown
    # A CA that expires within the renewal window would have everything it signs
    # re-issued on every update: refused, with what to do.
    short = pki.issue_ca("ca", "o", 100)
    brought = {"certificate": short.certificate, "key": Secret(short.key, True)}
    with pytest.raises(ConfigError, match=r"within renewBeforeHours \(720\).*bring a renewed CA"):
        load_party_config(_tls_party(10000, tls={"nodePort": 30111, "ca": brought}), "p")


def test_a_record_whose_ca_cannot_be_trusted_is_refused_by_name() -> None:
    from fate_iac.federation import RecordError, read_record

    record = _peer(1, "p1", True).model_dump()
    with pytest.raises(
        RecordError,
        match=r"stack p1: .*ca: .*its CA cannot be trusted: it is "
        r"not a PEM certificate",
    ):
        read_record({**record, "ca": "-----BEGIN CERTIFICATE-----\nnope"}, "p1")


def test_tls_on_one_side_of_a_route_only_is_refused_across_stacks() -> None:
    on = load_party_config(_tls_party(10000, peers=["p8888"]), "p10000").config
    off = load_party_config(party(partyId=8888, peers=["p10000"]), "p8888").config
    found = check_federation({"p10000": Member(on, "a"), "p8888": Member(off, "b")})
    assert [(p.stacks, p.rule) for p in found] == [(("p10000", "p8888"), "tls")]
    assert "p10000 turns rollsite.enableTLS on and p8888 does not" in found[0].message
    both = load_party_config(_tls_party(8888, peers=["p10000"]), "p8888").config
    assert check_federation({"p10000": Member(on, "a"), "p8888": Member(both, "b")}) == []


def test_tls_example_stacks_validate() -> None:
    for stack in ("exchange", "party9999", "party10000"):
        cfg = _loaded(stack)
        assert cfg.rollsite_tls and mounted(cfg)


# --- the program -------------------------------------------------------------------------


def test_the_program_issues_stores_trusts_and_publishes_under_mocks() -> None:
    from fate_pulumi.fate_eggroll_cluster import FateEggrollCluster
    from tests.pulumi_mocks import DYNAMIC, run_with_mocks, unwrap_secret

    cfg = _loaded("party9999")
    records = {
        "party10000": _record(10000, "party10000", "192.168.10.1", 30008),
        "exchange": _record(1, "exchange", "192.168.0.1", 30002, kind="exchange"),
    }
    seen: dict[str, Any] = {}
    expiries: dict[str, str] = {}

    def body() -> Any:
        cluster = FateEggrollCluster("p", cfg, records, chart_source())
        cluster.outputs["certificates"].apply(expiries.update)
        return cluster.federation.apply(seen.update)

    recorder = run_with_mocks(body, "party9999")
    issued = {r.name: r.inputs for r in recorder.of_type(DYNAMIC) if "usage" in r.inputs}
    assert set(issued) == {"p-tls-ca", "p-eggroll-certs-server", "p-eggroll-certs-client"}
    assert issued["p-eggroll-certs-server"]["hosts"][0] == "192.168.9.1"
    # The record publishes the CA's certificate (the state keeps the keys secret: the
    # real-engine test reads the state).
    ca = _cert(seen["ca"])
    assert ca.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "party-9999-ca"
    # The Secret is secret whole, and trusts its own CA, its peer's and its exchange's.
    (secret,) = [r for r in recorder.of_type("kubernetes:core/v1:Secret") if "certs" in r.name]
    hidden, files = unwrap_secret(secret.inputs["stringData"])
    assert hidden and set(files) == set(tls.ROLLSITE_FILES)
    trusted = x509.load_pem_x509_certificates(files["ca.pem"].encode())
    expected = [seen["ca"], records["party10000"]["ca"], records["exchange"]["ca"]]
    assert {c.fingerprint(ca.signature_hash_algorithm) for c in trusted} == {  # type: ignore[arg-type]
        _cert(pem).fingerprint(ca.signature_hash_algorithm)  # type: ignore[arg-type]
        for pem in expected
    }
    _cert(files["server.crt"]).verify_directly_issued_by(ca)
    # The stack output says when the CA and each Secret's first certificate expire.
    server = _cert(files["server.crt"])
    assert expiries == {
        "ca": ca.not_valid_after_utc.isoformat(),
        "eggroll-certs": server.not_valid_after_utc.isoformat(),
    }
    # The release is post-rendered; rollsite restarts when what it loads changes.
    (release,) = recorder.of_type("kubernetes:helm.sh/v3:Release")
    assert release.inputs["postrender"].endswith("fate-postrender-tls-mysql-root")
    (patch,) = recorder.of_type("kubernetes:apps/v1:DeploymentPatch")
    annotations = patch.inputs["spec"]["template"]["metadata"]["annotations"]
    assert len(annotations[tls.STAMP_ANNOTATION]) == 16
    (service,) = recorder.of_type("kubernetes:core/v1:Service")
    assert service.inputs["spec"]["ports"][0]["nodePort"] == 30004


def test_a_brought_ca_rotates_in_two_steps_without_a_gap() -> None:
    old, new = pki.issue_ca("old", "o", 10), pki.issue_ca("new", "o", 10)
    # Step 1: the old CA, the new one appended: still issued by the old, while the
    # record publishes both, so the peers come to trust the new one too.
    announcing = old.certificate + new.certificate
    assert pki.ca_problem(announcing) is None
    leaf = pki.issue_leaf(announcing, old.key, "party-1", "o", "server", [], 5)
    _cert(leaf.certificate).verify_directly_issued_by(_cert(old.certificate))
    trusted = x509.load_pem_x509_certificates(tls.trust_bundle([announcing]).encode())
    assert {c.subject for c in trusted} == {
        _cert(old.certificate).subject,
        _cert(new.certificate).subject,
    }
    # Step 2, once every peer has run: the new CA first, with its key.
    leaf = pki.issue_leaf(new.certificate + old.certificate, new.key, "p", "o", "server", [], 5)
    _cert(leaf.certificate).verify_directly_issued_by(_cert(new.certificate))
    with pytest.raises(ValueError, match="does not belong"):
        pki.issue_leaf(announcing, new.key, "p", "o", "server", [], 5)


def test_federation_status_says_when_a_stack_s_first_certificate_expires() -> None:
    from fate_iac.orchestrator import Status

    status = Status(
        "party9999",
        "party",
        True,
        endpoints={"rollsite": {"host": "h", "port": 1}},
        certificates={
            "ca": "2036-11-27T12:00:00+00:00",
            "eggroll-certs": "2027-11-29T12:00:00+00:00",
        },
    )
    assert status.line().endswith("rollsite h:1 certificates until 2027-11-29")
    assert status.as_json()["certificates"]["eggroll-certs"].startswith("2027-11-29")


def test_the_issuing_provider_keeps_what_it_issued_until_it_is_due() -> None:
    from fate_pulumi.tls import Issuer

    issuer = Issuer()
    settings = tls.TlsSettings(validity_hours=48, renew_before_hours=24, ca_validity_hours=100)
    props = settings.props("ca", "party-9999-ca", "FATE party 9999", [])
    created = issuer.create(props)
    state = created.outs
    assert state is not None
    assert created.id == state["serial"] and state["key"].startswith("-----BEGIN PRIVATE KEY")
    unchanged = issuer.diff(created.id, state, props)
    assert (unchanged.changes, unchanged.replaces) == (False, [])
    # A new validity applies to the next certificate: the one in the state is kept.
    longer = {**props, "validityHours": 200}
    diff = issuer.diff(created.id, state, longer)
    assert (diff.changes, diff.replaces) == (True, [])
    kept = issuer.update(created.id, state, longer).outs
    assert kept is not None
    assert kept["certificate"] == state["certificate"] and kept["validityHours"] == 200
    # Within the renewal window, the engine is told to replace it.
    due = issuer.diff(created.id, state, {**props, "renewBeforeHours": 100})
    assert (due.changes, due.replaces) == (True, ["notAfter"])


@pytest.mark.chart
def test_with_tls_the_plaintext_gateway_is_not_published_unless_asked() -> None:
    """Peers reach Service rollsite-tls; the chart's plaintext rollsite Service stays
    inside the namespace (ClusterIP), unless tls.publishPlaintext keeps it published,
    which validate then names."""
    raw = read_stack_file(
        PROJECT_DIR / "examples" / "tls" / "Pulumi.party10000.yaml",
        "party10000",
        EXAMPLE_PASSPHRASE,
    )

    def rollsite_service(changes: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        loaded = load_stack_config({**raw.values, **changes}, "party10000")
        [release] = render_stack(loaded.config, chart_source())
        [service] = [
            o
            for o in release.objects()
            if o["kind"] == "Service" and o["metadata"]["name"] == "rollsite"
        ]
        return service, loaded.notes

    withheld, notes = rollsite_service({})
    assert withheld["spec"]["type"] == "ClusterIP"
    assert all("nodePort" not in port for port in withheld["spec"]["ports"])
    assert not any("publishPlaintext" in n for n in notes)
    tls_options = {**raw.values["tls"], "publishPlaintext": True}
    published, notes = rollsite_service({"tls": tls_options})
    assert published["spec"]["type"] == "NodePort"
    assert [p.get("nodePort") for p in published["spec"]["ports"]] == [30007]
    assert any(n.startswith("fate:tls.publishPlaintext: rollsite's plaintext") for n in notes)


# --- identity and name constraints ------------------------------------------------------


def _constrained_party(party_id: int) -> tuple[pki.Issued, pki.Issued, pki.Issued, str]:
    """A party as the program issues it: its CA constrained to its names, its server
    certificate for its published address and in-cluster name, its client certificate
    for its identity; and that published address."""
    cn, org = tls.subject(party_id, "party")
    host = f"192.168.{party_id % 100}.1"
    names = [host, f"rollsite-tls.fate-{party_id}.svc", tls.identity(party_id, "party")]
    ca = pki.issue_ca(f"{cn}-ca", org, 100, permitted=names)
    server = pki.issue_leaf(ca.certificate, ca.key, cn, org, "server", names, 10)
    client = pki.issue_leaf(ca.certificate, ca.key, cn, org, "client", names[-1:], 10)
    return ca, server, client, host


def test_a_constrained_ca_s_party_completes_mutual_tls_and_its_leaves_name_the_party() -> None:
    ca_a, server_a, _, host_a = _constrained_party(9999)
    ca_b, _, client_b, _ = _constrained_party(10000)
    trust = tls.trust_bundle([ca_a.certificate, ca_b.certificate])
    a, b = (server_a.certificate, server_a.key, trust), (client_b.certificate, client_b.key, trust)
    assert _handshake(a, b, host_a) == {}
    assert _handshake(a, b, "rollsite-tls.fate-9999.svc") == {}
    # Each leaf names its party among its alternative names: a gateway tells them apart.
    for leaf, name in ((server_a, "party-9999"), (client_b, "party-10000")):
        alt = _cert(leaf.certificate).extensions.get_extension_for_class(
            x509.SubjectAlternativeName
        )
        assert name in alt.value.get_values_for_type(x509.DNSName)
    constraints = pki.constraints_of(ca_a.certificate)
    assert constraints is not None
    ext = _cert(ca_a.certificate).extensions.get_extension_for_class(x509.NameConstraints)
    assert ext.critical  # a verifier that cannot enforce it refuses the CA
    assert pki.names_outside(ca_a.certificate, [host_a, "party-9999", "x.party-9999"]) == []


def test_a_constrained_ca_cannot_issue_for_another_party_s_names() -> None:
    """Party 9999's CA signs a server certificate for party 10000's address and a client
    certificate naming party 10000: OpenSSL (Python's ssl) refuses both, though party
    10000's peer trusts party 9999's CA."""
    ca_a, _, _, _ = _constrained_party(9999)
    ca_b, server_b, client_b, host_b = _constrained_party(10000)
    cn, org = tls.subject(9999, "party")
    forged_server = pki.issue_leaf(ca_a.certificate, ca_a.key, cn, org, "server", [host_b], 10)
    forged_client = pki.issue_leaf(
        ca_a.certificate, ca_a.key, cn, org, "client", ["party-10000"], 10
    )
    trust = tls.trust_bundle([ca_a.certificate, ca_b.certificate])
    forged = (forged_server.certificate, forged_server.key, trust)
    honest_client = (client_b.certificate, client_b.key, trust)
    refused = _handshake(forged, honest_client, host_b)["client"]
    assert "certificate verify failed" in refused and "permitted subtree violation" in refused
    honest_server = (server_b.certificate, server_b.key, trust)
    impostor = (forged_client.certificate, forged_client.key, trust)
    refused = _handshake(honest_server, impostor, host_b)["server"]
    assert "certificate verify failed: permitted subtree violation" in refused
    # No address among its names: every address is excluded, not left unconstrained.
    named_only = pki.issue_ca("ca", "o", 10, permitted=["party-1"])
    assert pki.names_outside(named_only.certificate, ["10.0.0.1", "::1", "party-2"]) == [
        "10.0.0.1",
        "::1",
        "party-2",
    ]
    # An unconstrained CA (brought, or constrainCA false) issues for anything.
    assert pki.names_outside(pki.issue_ca("ca", "o", 10).certificate, [host_b]) == []


def test_a_stack_s_generated_ca_is_constrained_to_every_name_its_certificates_carry() -> None:
    cfg = _loaded("party9999")
    issuing = kind_of(cfg).issuing(cfg)
    assert issuing is not None and issuing.identity == "party-9999"
    (rollsite,) = issuing.mounted
    assert "party-9999" in rollsite.hosts
    assert set(issuing.permitted) == set(rollsite.hosts)
    # Off by choice, or a brought CA (which cannot be changed): unconstrained.
    opted_out = load_party_config(
        _tls_party(10000, tls={"nodePort": 30111, "constrainCA": False}), "p"
    )
    issuing = kind_of(opted_out.config).issuing(opted_out.config)
    assert issuing is not None and issuing.permitted == []
    assert any("fate:tls.constrainCA is false" in note for note in opted_out.notes)
    # A CA issued before this option named nothing: the first update replaces it.
    settings = tls.TlsSettings(validity_hours=48, renew_before_hours=24, ca_validity_hours=100)
    before = settings.props("ca", "party-9999-ca", "FATE party 9999", [])
    constrained = settings.props("ca", "party-9999-ca", "FATE party 9999", ["party-9999"])
    assert tls.replacements(before, constrained, NOW) == ["hosts"]
    assert pki.constraints_of(pki.issue(constrained, NOW).certificate) is not None


def test_a_brought_ca_is_checked_against_the_names_the_stack_issues_for() -> None:
    def brought(ca: pki.Issued) -> dict[str, Any]:
        return {"certificate": ca.certificate, "key": Secret(ca.key, True)}

    elsewhere = pki.issue_ca("org", "o", 10_000, permitted=["other.example"])
    with pytest.raises(ConfigError) as error:
        load_party_config(_tls_party(10000, tls={"nodePort": 30111, "ca": brought(elsewhere)}), "p")
    (problem,) = error.value.problems
    assert problem.path == ("tls", "ca", "certificate") and problem.rule == "tls"
    assert "NameConstraints do not permit 192.168.10.1" in problem.message
    assert "party-10000" in problem.message
    # Unconstrained: accepted, and validate says what that lets it do.
    loaded = load_party_config(
        _tls_party(10000, tls={"nodePort": 30111, "ca": brought(pki.issue_ca("o", "o", 10_000))}),
        "p",
    )
    assert any("has no NameConstraints" in note for note in loaded.notes)
