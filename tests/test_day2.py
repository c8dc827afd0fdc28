"""``fatectl diff`` without a cluster: the real chart rendered for both sides, Helm's
records as the cluster keeps them (the real engine is in tests/e2e/test_day2_e2e.py)."""

from __future__ import annotations

from typing import Any

import pytest

from fate_iac import yamlio
from fate_iac.day2 import release_diff, release_drift, wanted_objects
from fate_iac.helm_record import deployed_credentials, deployed_record
from fate_iac.loader import load_party_config
from fate_iac.render import RenderedRelease, render_stack
from fate_iac.secrets import Secret
from tests.conftest import chart_source, party

pytestmark = pytest.mark.chart
SECRETS = frozenset({"s3cret-mysql", "s3cret-board"})


def rendered(**overrides: Any) -> RenderedRelease:
    cfg = load_party_config(party(**overrides), "party10000").config
    [release] = render_stack(cfg, chart_source(), redact=False)
    return release


def record(release: RenderedRelease, revision: int, status: str = "deployed") -> dict[str, Any]:
    """The record Helm keeps of ``release`` (as ``sh.helm.release.v1`` holds it)."""
    return {
        "name": release.name,
        "version": revision,
        "info": {"status": status},
        "chart": {"metadata": {"name": "fate", "version": release.chart.version}},
        "config": release.values,
        "manifest": release.to_yaml(),
    }


def test_a_version_bump_names_each_changed_image_and_hides_credentials() -> None:
    old, new = rendered(chartVersion="v1.10.0"), rendered(chartVersion="v1.11.2")
    found = release_diff(new, [record(old, 1)], SECRETS)
    assert (found.deployed, found.wanted) == ("v1.10.0", "v1.11.2")
    assert found.header().startswith("release fate-10000/fate-10000 (fate v1.10.0 -> v1.11.2)")
    python = next(c for c in found.diff.changed if c.key == ("StatefulSet", "fate-10000", "python"))
    images = {f.path: (f.before, f.after) for f in python.fields if f.path.endswith(".image")}
    assert images == {
        "spec.template.spec.containers[name=fateflow].image": (
            "federatedai/fateflow:1.10.0-release",
            "federatedai/fateflow:1.11.2-release",
        )
    }
    text = "\n".join(found.lines())
    assert "s3cret" not in text and "s3cret" not in yamlio.dump(found.as_json())


def test_a_rotated_password_shows_on_neither_side() -> None:
    old = rendered(mysql={"password": Secret("old-mysql-pass", secure=True)})
    new = rendered()
    found = release_diff(new, [record(old, 1)], SECRETS)
    assert not found.diff.empty  # the password did change...
    text = "\n".join(found.lines()) + yamlio.dump(found.as_json())
    assert "old-mysql-pass" not in text and "s3cret-mysql" not in text  # ...unseen
    assert deployed_credentials(new.values, old.values, SECRETS) == {
        "old-mysql-pass",
        "s3cret-board",
    }


def test_without_the_passphrase_the_deployed_credentials_stay_unseen() -> None:
    """No passphrase: the credentials are [secret] on the wanted side and no plaintext
    is known, yet the ones Helm's record holds must not show either."""
    deployed = rendered(mysql={"password": Secret("deployed-mysql-pass", secure=True)})
    unknown = Secret(None, secure=True)
    wanted = rendered(
        mysql={"password": unknown}, fateboard={"username": "admin", "password": unknown}
    )
    found = release_diff(wanted, [record(deployed, 1)], frozenset())
    text = "\n".join(found.lines()) + yamlio.dump(found.as_json())
    assert "deployed-mysql-pass" not in text and "s3cret-board" not in text
    assert "[secret]" in text


def test_a_route_change_reads_as_the_route_tables_lines() -> None:
    peer = {"partyId": 9999, "partyIp": "192.168.9.1", "partyPort": 30091}
    moved = {**peer, "partyIp": "192.168.9.7"}
    old = rendered()
    new = rendered(rollsite={"type": "NodePort", "nodePort": 30101, "partyList": [moved]})
    [change] = release_diff(new, [record(old, 1)], SECRETS).diff.changed
    assert change.key == ("ConfigMap", "fate-10000", "rollsite-config")
    lines = [line.strip() for line in change.fields[0].lines()]
    assert lines[0] == 'data["route_table.json"]:'
    assert '- "ip": "192.168.9.1",'.replace(" ", "") in [x.replace(" ", "") for x in lines]
    assert '+ "ip": "192.168.9.7",'.replace(" ", "") in [x.replace(" ", "") for x in lines]


def test_nothing_deployed_yet_is_every_object_added() -> None:
    new = rendered()
    found = release_diff(new, [], SECRETS)
    assert found.deployed is None and len(found.diff.added) == len(new.objects())
    assert "not deployed -> v1.11.2" in found.header()


def test_the_running_revision_is_the_last_deployed_one() -> None:
    old, new = rendered(chartVersion="v1.10.0"), rendered()
    failed = record(new, 2, status="failed")
    assert deployed_record([failed, record(old, 1, "deployed")], "fate-10000") == record(old, 1)
    assert deployed_record([failed], "fate-10000") == failed
    assert deployed_record([], "fate-10000") is None


def test_drift_reads_every_applied_object_and_finds_a_hand_edit() -> None:
    release = rendered()
    records = [record(release, 1)]
    wanted = wanted_objects(records, [(release.name, release.namespace)])
    assert ("apps/v1", "StatefulSet", "fate-10000", "python") in wanted
    live = {(o["kind"], "fate-10000", o["metadata"]["name"]): o for o in release.objects()}
    assert release_drift(release, records, live, SECRETS).drift == ()
    scaled = yamlio.load(yamlio.dump(live[("Deployment", "fate-10000", "clustermanager")]))
    scaled["spec"]["replicas"] = 3
    live[("Deployment", "fate-10000", "clustermanager")] = scaled
    del live[("Service", "fate-10000", "fateboard")]
    drift = release_drift(release, records, live, SECRETS)
    assert {(d.key[2], d.state) for d in drift.drift} == {
        ("clustermanager", "changed"),
        ("fateboard", "deleted"),
    }
    assert "2 objects changed by hand" in drift.lines()[0]
    assert release_drift(release, [], live, SECRETS).lines() == [
        "release fate-10000/fate-10000: not deployed"
    ]
