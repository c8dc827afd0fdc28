"""The describe model, on objects recorded from a real API server with the simulated data
plane (``e2e/record_cluster.py``): party10000 ready, then with fateflow unschedulable."""

from __future__ import annotations

import base64
import datetime
import gzip
import json
from typing import Any

import pytest

from fate_iac.describe import Observed, decode_helm_release, describe, latest_releases
from tests.conftest import FIXTURES

NOW = datetime.datetime(2026, 11, 28, 20, 0, tzinfo=datetime.UTC)
OUTPUTS = {
    "namespace": "fate-10000",
    "federation": {
        "endpoints": {
            "rollsite": {"host": "192.168.10.1", "port": 30101},
            "fateflowHttp": {"host": "192.168.10.1", "port": 30107},
        }
    },
    "fateboardHosts": ["party10000.fateboard.example.com"],
    "notebookHosts": ["party10000.notebook.example.com"],
}


def recorded(name: str) -> Observed:
    data: dict[str, Any] = json.loads((FIXTURES / "cluster" / f"{name}.json").read_text())
    return Observed(data["releases"], data["workloads"], data["pods"])


def test_a_ready_party_is_ready_module_by_module() -> None:
    described = describe("party10000", "fate-10000", OUTPUTS, recorded("party10000-ready"), NOW)
    assert described.health == "ready"
    [release] = described.releases
    assert (release.name, release.chart, release.version) == ("fate-10000", "fate", "v1.11.2")
    assert (release.revision, release.status) == (1, "deployed")
    modules = {m.module: m for m in described.modules}
    assert set(modules) == {
        "rollsite",
        "clustermanager",
        "nodemanager",
        "mysql",
        "python",
        "fateboard",
        "client",
    }
    assert {m.condition for m in modules.values()} == {"ready"}
    assert modules["nodemanager"].kind == "StatefulSet" and modules["nodemanager"].ready == "2/2"
    assert modules["rollsite"].kind == "Deployment" and modules["rollsite"].ready == "1/1"
    for module in modules.values():
        assert module.release == "fate-10000"
        assert module.pods and all(p.phase == "Running" and p.ready for p in module.pods)
        assert all(p.node.startswith("sim-node-") and p.restarts == 0 for p in module.pods)
    assert described.endpoints == {
        "fateflowHttp": "192.168.10.1:30107",
        "rollsite": "192.168.10.1:30101",
        "fateboard": "party10000.fateboard.example.com",
        "notebook": "party10000.notebook.example.com",
    }


def test_an_unschedulable_module_fails_the_release_and_says_why() -> None:
    observed = recorded("party10000-python-unschedulable")
    described = describe("party10000", "fate-10000", OUTPUTS, observed, NOW)
    assert described.health == "failed"
    [release] = described.releases  # the newest revision only
    assert (release.revision, release.status) == (2, "failed")
    python = next(m for m in described.modules if m.module == "python")
    assert (python.ready, python.condition) == ("0/1", "progressing")
    pending = [p for p in python.pods if p.phase == "Pending"]
    assert pending and "didn't match" in pending[0].reason
    others = [m for m in described.modules if m.module != "python"]
    assert {m.condition for m in others} == {"ready"}
    text = described.text()
    assert text.startswith("stack party10000: failed (namespace fate-10000)")
    assert "revision 2, failed" in text and "Pending, not ready" in text


def test_a_namespace_without_releases_is_absent() -> None:
    described = describe("party10000", "fate-10000", {}, Observed(), NOW)
    assert described.health == "absent" and described.modules == []
    assert "no release in the cluster" in described.text()


def test_a_workload_still_rolling_out_is_progressing() -> None:
    observed = recorded("party10000-ready")
    workloads = [dict(w) for w in observed.workloads]
    rollsite = next(w for w in workloads if w["metadata"]["name"] == "rollsite")
    rollsite["metadata"] = {**rollsite["metadata"], "generation": 2}  # not observed yet
    described = describe(
        "p", "fate-10000", {}, Observed(observed.releases, workloads, observed.pods), NOW
    )
    assert described.health == "progressing"


@pytest.mark.parametrize("compressed", [True, False])
def test_helm_release_records_decode_as_helm_stores_them(compressed: bool) -> None:
    record = {"name": "fate-10000", "version": 3, "info": {"status": "deployed"}}
    payload = json.dumps(record).encode()
    helm = base64.b64encode(gzip.compress(payload) if compressed else payload)
    assert decode_helm_release(base64.b64encode(helm).decode()) == record


def test_latest_revision_wins() -> None:
    records = [
        {"name": "a", "version": 1},
        {"name": "a", "version": 3},
        {"name": "b", "version": 2},
    ]
    assert [(r["name"], r["version"]) for r in latest_releases(records)] == [("a", 3), ("b", 2)]


def test_a_party_with_serving_is_described_across_both_namespaces() -> None:
    """A party's serving cluster lives in its own namespace: described with the party."""
    ready = recorded("party10000-ready")
    observed = ready + Observed()  # what the serving namespace holds, here nothing yet
    described = describe(
        "party10000", "fate-10000", OUTPUTS, observed, NOW, also=["fate-serving-10000"]
    )
    assert described.text().splitlines()[0] == (
        "stack party10000: ready (namespace fate-10000, fate-serving-10000)"
    )
    assert json.loads(described.as_json())["also"] == ["fate-serving-10000"]
    assert len(described.modules) == len(describe("p", "n", OUTPUTS, ready, NOW).modules)
