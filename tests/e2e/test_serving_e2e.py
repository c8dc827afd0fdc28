"""The serving example federation (examples/serving: two parties, each with its training
cluster and its FATE-Serving cluster in one stack, behind an exchange that routes both)
brought up from nothing through the real engine with `fatectl federation up`, its route
tables and links read back from the API server, then destroyed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from e2e.controlplane import ControlPlane, kube_get
from e2e.tools import Tools
from e2e.workspace import PROJECT_DIR, copy_project, workspace
from fate_iac import yamlio
from fate_iac.deployed import describe_stack
from fate_iac.orchestrator import discover
from fate_pulumi.automation import AutomationRunner

EXAMPLE = PROJECT_DIR / "examples" / "serving"
STACKS = ["exchange", "party9999", "party10000"]
PROXIES = {9999: ("192.168.9.1", 30066), 10000: ("192.168.10.1", 30076)}
"""Each party's serving proxy, as its stack publishes it (publicHost, NodePort)."""


def test_the_serving_example_converges_from_nothing_and_is_destroyed(
    tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path: Path
) -> None:
    project = copy_project(tmp_path / "project", STACKS, chart_repo, source=EXAMPLE)
    ws = workspace(tools, project, tmp_path, plane.kubeconfig)
    runner = AutomationRunner(project, ws.env, tools.pulumi_root, say=print)

    up = ws.federation("up", "--yes")
    assert "converged after" in up.stderr, up.stderr

    def data(namespace: str, configmap: str) -> dict[str, str]:
        found = kube_get(plane, f"/api/v1/namespaces/{namespace}/configmaps/{configmap}")
        assert found is not None, (namespace, configmap)
        values: dict[str, str] = found["data"]
        return values

    def serving_routes(namespace: str) -> dict[str, Any]:
        text = data(namespace, "serving-proxy-config")["route_table.json"]
        table: dict[str, Any] = json.loads(text)["route_table"]
        return table

    # The serving exchange routes to both parties' proxies, from their stacks' records...
    exchange = serving_routes("fate-serving-exchange")
    for party, (host, port) in PROXIES.items():
        assert exchange[str(party)]["default"] == [{"ip": host, "port": str(port)}]
    # ...and each party's proxy sends what is not its own to the serving exchange.
    for party in PROXIES:
        own = serving_routes(f"fate-serving-{party}")
        assert own["default"]["default"] == [{"ip": "192.168.0.1", "port": 30056}]
        assert own[str(party)]["serving"] == [{"ip": "serving-server", "port": 8000}]

        # The training cluster names its serving server, and the server names fateflow,
        # in-cluster: nobody typed either address.
        service_conf = yamlio.load(
            data(f"fate-train-{party}", "python-config")["service_conf.yaml"]
        )
        server = f"serving-server.fate-serving-{party}.svc.cluster.local:8000"
        assert service_conf["servings"]["hosts"] == [server]
        properties = data(f"fate-serving-{party}", "serving-server-config")
        fateflow = f"fateflow.fate-train-{party}.svc.cluster.local:9380"
        assert (
            f"model.transfer.url=http://{fateflow}/v1/model/transfer"
            in (properties["serving-server.properties"])
        )

    outputs = runner.outputs("party9999")
    record = outputs["federation"]
    assert record["protocols"] == ["eggroll", "serving"]
    assert record["endpoints"]["servingProxy"] == {"host": "192.168.9.1", "port": 30066}
    assert outputs["serving"]["namespace"] == "fate-serving-9999"
    assert outputs["serving"]["releaseName"] == "fate-serving-9999"
    assert runner.outputs("exchange")["federation"]["endpoints"]["servingProxy"] == {
        "host": "192.168.0.1",
        "port": 30056,
    }
    # describe covers both of a party's namespaces: both releases, every module ready.
    members = discover(project, "fate-example")
    described = describe_stack("party9999", members["party9999"], outputs, str(plane.kubeconfig))
    assert described.health == "ready" and described.also == ["fate-serving-9999"]
    assert {r.name for r in described.releases} == {"fate-train-9999", "fate-serving-9999"}
    assert {"serving-proxy", "serving-server", "rollsite"} <= {m.module for m in described.modules}
    # Serving's workloads became Ready on the simulated nodes (the release waited).
    for deployment in ("serving-server", "serving-proxy", "serving-redis"):
        found = kube_get(
            plane, f"/apis/apps/v1/namespaces/fate-serving-9999/deployments/{deployment}"
        )
        assert found is not None and found["status"].get("readyReplicas") == 1, deployment

    # A party's two clusters let each other in by namespace name; the serving namespace
    # lets anyone else reach its proxy, server and admin UI only, never redis or zookeeper.
    def policies(namespace: str) -> dict[str, Any]:
        listed = kube_get(
            plane, f"/apis/networking.k8s.io/v1/namespaces/{namespace}/networkpolicies"
        )
        return {p["metadata"]["name"]: p["spec"] for p in listed["items"]}

    for here, there in (
        ("fate-train-9999", "fate-serving-9999"),
        ("fate-serving-9999", "fate-train-9999"),
    ):
        sources = policies(here)["fate-same-party"]["ingress"][0]["from"]
        assert sources[1]["namespaceSelector"]["matchExpressions"][0]["values"] == [there]
    assert set(policies("fate-serving-9999")) == {
        "fate-same-party",
        "fate-entry-serving-proxy",
        "fate-entry-serving-server",
        "fate-entry-serving-admin",
    }
    assert "fate-entry-serving-proxy" in policies("fate-serving-exchange")

    ws.federation("destroy", "--yes")
    for namespace in ("fate-serving-9999", "fate-serving-10000", "fate-serving-exchange"):
        assert (
            kube_get(plane, f"/api/v1/namespaces/{namespace}/configmaps/serving-proxy-config")
            is None
        )
