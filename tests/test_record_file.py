"""Records handed between organisations: the file ``federation record`` writes, read back
as a static peer, member or exchange, and every way such a file is refused."""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from fate_iac.federation import FederationRecord
from fate_iac.loader import load_stack
from fate_iac.pki import issue_ca, issue_leaf
from fate_iac.problems import ConfigError
from fate_iac.record_file import fingerprint, record_document
from fate_iac.routing import party_routed_values
from fatectl.main import main
from tests.conftest import EXAMPLE_PASSPHRASE

TLS_EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "tls"


def ca(org: str, hours: int = 24, now: datetime.datetime | None = None) -> str:
    return issue_ca(f"{org} CA", org, hours, now).certificate


def exchange_record(org_ca: str) -> FederationRecord:
    return FederationRecord(
        kind="exchange",
        stack="exchange",
        partyId=1,
        members=[9999],
        endpoints={
            "rollsite": {"host": "203.0.113.1", "port": 30001},
            "rollsiteTLS": {"host": "203.0.113.1", "port": 30002},
        },
        ca=org_ca,
    )


def party_record(party: int = 10000) -> FederationRecord:
    return FederationRecord(
        kind="party",
        stack=f"party{party}",
        partyId=party,
        fateVersion="1.11",
        endpoints={
            "rollsite": {"host": "198.51.100.7", "port": 30007},
            "rollsiteTLS": {"host": "198.51.100.7", "port": 30008},
        },
        ca=ca("acme"),
    )


ACME = party_record()
"""Party 10000 of another organisation, acme: one CA for every test."""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The TLS example's party 9999, its exchange and its peer given by record files."""
    for name in ("Pulumi.yaml", "Pulumi.party9999.yaml"):
        shutil.copy(TLS_EXAMPLE / name, tmp_path / name)
    (tmp_path / "partners").mkdir()
    write(tmp_path / "partners" / "exchange.yaml", record_document(exchange_record(ca("x"))))
    write(tmp_path / "partners" / "acme-10000.yaml", record_document(ACME))
    set_config(
        tmp_path,
        exchangeStack={"record": "partners/exchange.yaml"},
        peers=[{"record": "partners/acme-10000.yaml"}],
    )
    return tmp_path


def write(path: Path, document: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(document))


def set_config(project: Path, **keys: Any) -> None:
    stack = project / "Pulumi.party9999.yaml"
    document = yaml.safe_load(stack.read_text())
    for key, value in keys.items():
        document["config"][f"fate:{key}"] = value
    stack.write_text(yaml.safe_dump(document))


def refused(project: Path) -> str:
    with pytest.raises(ConfigError) as error:
        load_stack(project, "party9999", EXAMPLE_PASSPHRASE)
    return error.value.report()


def test_the_fingerprint_is_of_the_content_alone() -> None:
    record = party_record()
    same = FederationRecord.model_validate(json.loads(json.dumps(record.model_dump())))
    assert fingerprint(same) == fingerprint(record)
    assert fingerprint(record).startswith("sha256:") and len(fingerprint(record)) == 71
    moved = record.model_copy(update={"partyId": 10001})
    assert fingerprint(moved) != fingerprint(record)
    assert record_document(record)["fingerprint"] == fingerprint(record)


def test_a_party_routes_through_another_organisations_exchange_with_tls(project: Path) -> None:
    loaded = load_stack(project, "party9999", EXAMPLE_PASSPHRASE)
    cfg = loaded.config
    routed = party_routed_values(cfg, {})
    # Both routes go to the TLS listeners the files publish, and trust the files' CAs.
    assert routed.routes.problems == [] and routed.routes.waiting == []
    assert routed.routes.exchange == {"partyIp": "203.0.113.1", "partyPort": 30002}
    assert routed.routes.party_list == [
        {"partyId": 10000, "partyIp": "198.51.100.7", "partyPort": 30008}
    ]
    assert set(routed.routes.trust) == {"exchange 1", "party 10000"}
    # No stack of this backend is named: nothing to wait for.
    assert cfg.referenced_stacks == []
    sources = [(r.file, r.kind, r.party_id) for r in loaded.static_records]
    assert sources == [
        ("partners/acme-10000.yaml", "party", 10000),
        ("partners/exchange.yaml", "exchange", 1),
    ]


def test_validate_says_which_records_are_static_and_from_where(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", EXAMPLE_PASSPHRASE)
    code = main(["validate", "-s", "party9999", "--project-dir", str(project)])
    out = capsys.readouterr().out
    assert code == 0
    own = fingerprint(ACME)
    assert (
        "stack party9999: static party record at fate:peers[0]: party 10000, from "
        f"partners/acme-10000.yaml ({own})"
    ) in out
    assert "static exchange record at fate:exchangeStack: party 1, from partners/exchange" in out
    main(["validate", "-s", "party9999", "--project-dir", str(project), "--json"])
    document = json.loads(capsys.readouterr().out)
    assert document["staticRecords"][0] == {
        "key": "fate:peers[0]",
        "file": "partners/acme-10000.yaml",
        "kind": "party",
        "partyId": 10000,
        "fingerprint": own,
    }


def test_a_pinned_fingerprint_refuses_a_changed_file(project: Path) -> None:
    pinned = fingerprint(ACME)
    set_config(project, peers=[{"record": "partners/acme-10000.yaml", "fingerprint": pinned}])
    load_stack(project, "party9999", EXAMPLE_PASSPHRASE)  # the same file: accepted
    moved = ACME.model_copy(update={"ca": ca("acme-rotated")})
    write(project / "partners" / "acme-10000.yaml", record_document(moved))
    report = refused(project)
    assert f"record file partners/acme-10000.yaml has fingerprint {fingerprint(moved)}" in report
    assert f"not the pinned {pinned}" in report and "fate:peers[0]" in report


def test_a_file_edited_after_it_was_written_is_refused(project: Path) -> None:
    document = record_document(ACME)
    document["endpoints"]["rollsiteTLS"]["host"] = "192.0.2.66"
    write(project / "partners" / "acme-10000.yaml", document)
    report = refused(project)
    assert "fate:peers[0]: record file partners/acme-10000.yaml: its content does not match" in (
        report
    )


def refusal(project: Path, document: Any) -> str:
    path = project / "partners" / "acme-10000.yaml"
    if isinstance(document, str):
        path.write_text(document)
    else:
        write(path, document)
    return refused(project)


def test_a_missing_file_is_refused_naming_the_file_and_the_key(project: Path) -> None:
    (project / "partners" / "acme-10000.yaml").unlink()
    report = refused(project)
    assert (
        "fate:peers[0].record: cannot read record file partners/acme-10000.yaml: "
        "No such file or directory [record]"
    ) in report


def test_a_record_of_another_major_version_is_refused(project: Path) -> None:
    document = {**party_record().model_dump(mode="json", exclude_none=True), "schemaVersion": "2.0"}
    report = refusal(project, document)
    assert "record file partners/acme-10000.yaml: it publishes federation schema 2.0" in report


def test_a_ca_that_is_no_ca_or_has_expired_is_refused(project: Path) -> None:
    issuer = issue_ca("acme CA", "acme", 24)
    leaf = issue_leaf(
        issuer.certificate, issuer.key, "acme", "acme", "server", ["198.51.100.7"], 24
    ).certificate
    base = party_record().model_dump(mode="json", exclude_none=True)
    report = refusal(project, {**base, "ca": leaf})
    assert "ca: its CA cannot be trusted: it is not a CA certificate" in report
    assert "Value error" not in report  # no pydantic internals
    old = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=3)
    report = refusal(project, {**base, "ca": ca("acme", 24, old)})
    assert "its CA cannot be trusted: it expired on" in report


def test_fields_of_the_wrong_type_and_the_wrong_kind_are_refused(project: Path) -> None:
    base = party_record().model_dump(mode="json", exclude_none=True)
    report = refusal(project, {**base, "partyId": "acme"})
    assert "record file partners/acme-10000.yaml: its federation record cannot be read" in report
    assert "partyId: should be a valid integer" in report
    assert "(got 'acme')" in report  # a record is public: the value is quoted
    assert "holds no record" in refusal(project, "- not a record\n")
    report = refusal(project, record_document(exchange_record(ca("x"))))
    assert "is an exchange record; this key takes a party record" in report


def test_a_kubefate_party_s_record_routes_a_partner_to_its_address(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A party deployed by KubeFATE publishes no record: its operator writes the one it
    would publish from its cluster.yaml, and a partner's stack takes it as a static peer."""
    from tests.conftest import PROJECT_DIR, example

    out = tmp_path / "partners" / "kubefate-9999.yaml"
    out.parent.mkdir()
    cluster = example("v1.11.2/party-9999/cluster.yaml")
    argv = ["import-kubefate", str(cluster), "--record", "--host", "192.168.11.1"]
    assert main([*argv, "--out", str(out)]) == 0
    written = yaml.safe_load(out.read_text())
    assert written["partyId"] == 9999 and written["stack"] == ""
    assert written["endpoints"]["rollsite"] == {"host": "192.168.11.1", "port": 30091}
    assert written["fingerprint"].startswith("sha256:")
    assert main(argv[:3]) == 2  # no --host: nothing to publish
    assert "--record needs --host" in capsys.readouterr().err

    # With TLS, a record needs where rollsite listens for it besides the CA: KubeFATE's
    # chart publishes no such port, so its operator names the one made.
    pem = tmp_path / "ca.pem"
    pem.write_text(ca("kubefate-org"))
    assert main([*argv, "--ca", str(pem), "--out", str(tmp_path / "tls.yaml")]) == 2
    assert "--ca and --tls-port go together" in capsys.readouterr().err
    out_of_range = [*argv, "--ca", str(pem), "--tls-port", "70000"]
    assert main([*out_of_range, "--out", str(tmp_path / "tls.yaml")]) == 2
    assert "--tls-port 70000: " in capsys.readouterr().err
    tls_argv = [*argv, "--ca", str(pem), "--tls-port", "30093"]
    assert main([*tls_argv, "--out", str(tmp_path / "tls.yaml")]) == 0
    secure = yaml.safe_load((tmp_path / "tls.yaml").read_text())
    assert secure["endpoints"]["rollsiteTLS"] == {"host": "192.168.11.1", "port": 30093}
    assert secure["ca"].strip() == pem.read_text().strip()

    for name in ("Pulumi.yaml", "Pulumi.party10000.yaml"):
        shutil.copy(PROJECT_DIR / name, tmp_path / name)
    stack = tmp_path / "Pulumi.party10000.yaml"
    document = yaml.safe_load(stack.read_text())
    document["config"].pop("fate:exchangeStack", None)
    document["config"]["fate:peers"] = [{"record": "partners/kubefate-9999.yaml"}]
    stack.write_text(yaml.safe_dump(document))
    cfg = load_stack(tmp_path, "party10000", EXAMPLE_PASSPHRASE).config
    routed = party_routed_values(cfg, {})
    assert routed.routes.party_list == [
        {"partyId": 9999, "partyIp": "192.168.11.1", "partyPort": 30091}
    ]
