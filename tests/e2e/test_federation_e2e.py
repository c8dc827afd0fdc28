"""The example federation (an exchange and two parties) brought up from nothing through
the real engine, in an awkward order, converged by the orchestrator, then destroyed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from e2e.controlplane import ControlPlane, kube_get
from e2e.tools import Tools
from e2e.workspace import Workspace, copy_project, workspace
from fate_iac import yamlio
from fate_iac.deployed import describe_stack
from fate_iac.history import as_json as updates_json
from fate_iac.history import history as read_history
from fate_iac.orchestrator import Outcome, converge, destroy_all, discover, status_all
from fate_pulumi.automation import AutomationRunner

STACKS = ["exchange", "party9999", "party10000"]


def routes(plane: ControlPlane, namespace: str) -> dict[str, Any]:
    configmap = kube_get(plane, f"/api/v1/namespaces/{namespace}/configmaps/rollsite-config")
    assert configmap is not None, f"no route table in {namespace}"
    table: dict[str, Any] = json.loads(configmap["data"]["route_table.json"])["route_table"]
    return table


@dataclass
class Brought:
    """How the federation came up (recorded by the fixture, so every test stands alone)."""

    alone: dict[str, Any]
    said: list[str]
    outcomes: list[Outcome]
    tables: dict[str, dict[str, Any]]
    status: list[str]
    references: dict[str, list[str]]
    described: dict[str, Any]
    history: list[dict[str, Any]]


@pytest.fixture(scope="module")
def federation(
    tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[AutomationRunner, Any, Brought]:
    """The example federation from nothing: party10000 alone first, before its exchange
    exists (it deploys and waits), then converged."""
    state = tmp_path_factory.mktemp("federation")
    project = copy_project(state / "project", STACKS, chart_repo)
    ws = workspace(tools, project, state, plane.kubeconfig)
    runner = AutomationRunner(project, ws.env, tools.pulumi_root, say=print)
    members = discover(project, "fate-example")
    runner.up("party10000", {"FATE_EXISTING_STACKS": "party10000"})
    alone = routes(plane, "fate-10000")
    said: list[str] = []
    outcomes = converge(members, runner, say=said.append)
    tables = {ns: routes(plane, ns) for ns in ("fate-10000", "fate-9999", "fate-exchange")}
    references = {}
    for name in STACKS:
        exported = ws.stack(name).export_stack().deployment or {}
        references[name] = sorted(
            r["urn"].split("::")[-1]
            for r in exported.get("resources", [])
            if r["type"] == "pulumi:pulumi:StackReference"
        )
    status = status_all(
        members, runner, lambda n, m, o: describe_stack(n, m, o, str(plane.kubeconfig)).health
    )
    described = json.loads(
        describe_stack(
            "party10000", members["party10000"], runner.outputs("party10000"), str(plane.kubeconfig)
        ).as_json()
    )
    history = json.loads(updates_json(read_history(runner.history("exchange"))))
    brought = Brought(alone, said, outcomes, tables, status, references, described, history)
    return runner, members, brought


def test_a_party_first_then_the_federation_converges(
    federation: tuple[AutomationRunner, Any, Brought],
) -> None:
    _, _, brought = federation
    assert brought.alone["default"]["default"] == [{"ip": "rollsite", "port": 9370}]
    said, outcomes = brought.said, brought.outcomes
    # Four program runs in three steps, no preview: the exchange; both parties at once
    # (party10000's update by hand left no inputs digest); the exchange again, once
    # party9999 has published. A party takes nothing from the exchange's member list, so
    # its growing re-runs no party.
    assert said == [
        "[step 1] up: exchange",
        "[step 2] up: party10000, party9999",
        "[step 3] up: exchange",
        "converged after 4 updates in 3 steps",
    ]
    assert {o.stack: o.updates for o in outcomes} == {
        "exchange": 2,
        "party9999": 1,
        "party10000": 1,
    }

    exchange_route = [{"ip": "192.168.0.1", "port": 30000}]
    assert brought.tables["fate-10000"]["default"]["default"] == exchange_route
    assert brought.tables["fate-9999"]["default"]["default"] == exchange_route
    table = brought.tables["fate-exchange"]
    assert table["9999"]["default"] == [{"ip": "192.168.9.1", "port": 30091}]
    assert table["10000"]["default"] == [{"ip": "192.168.10.1", "port": 30101}]
    assert any("exchange" in line and "members [9999, 10000]" in line for line in brought.status)
    assert all(" ready " in line for line in brought.status), brought.status


def test_a_converged_federation_runs_no_program(
    federation: tuple[AutomationRunner, Any, Brought],
) -> None:
    """Its stacks' outputs say their inputs have not changed: nothing runs."""
    runner, members, _ = federation
    converge(members, runner, say=print)  # the whole federation, whatever ran before
    before = {name: len(runner.history(name)) for name in STACKS}
    said: list[str] = []
    outcomes = converge(members, runner, say=said.append)
    assert said == ["nothing to do: every stack's inputs are those of its last update"]
    assert all(o.updates == 0 for o in outcomes)
    assert {name: len(runner.history(name)) for name in STACKS} == before


def test_describe_shows_every_module_ready_on_simulated_nodes(
    federation: tuple[AutomationRunner, Any, Brought], plane: ControlPlane
) -> None:
    described = federation[2].described
    assert described["health"] == "ready"
    [release] = described["releases"]
    assert (release["name"], release["chart"], release["version"]) == (
        "fate-10000",
        "fate",
        "v1.11.2",
    )
    assert release["status"] == "deployed" and release["revision"] >= 1
    modules = {m["module"]: m for m in described["modules"]}
    assert set(modules) == {
        "rollsite",
        "clustermanager",
        "nodemanager",
        "mysql",
        "python",
        "fateboard",
        "client",
    }
    for module in modules.values():
        assert module["condition"] == "ready", module
        assert module["pods"], module
        for pod in module["pods"]:
            assert pod["phase"] == "Running" and pod["ready"], pod
            assert pod["node"] in plane.nodes
    assert modules["nodemanager"]["ready"] == "2/2"
    assert described["endpoints"]["rollsite"] == "192.168.10.1:30101"
    assert described["endpoints"]["fateboard"] == "party10000.fateboard.example.com"


def test_history_lists_the_updates(federation: tuple[AutomationRunner, Any, Brought]) -> None:
    """The exchange went up twice while the federation converged."""
    updates = federation[2].history
    assert [u["kind"] for u in updates][:2] == ["update", "update"]
    assert all(u["result"] == "succeeded" for u in updates)
    assert updates[0]["number"] > updates[1]["number"]
    assert updates[-1]["changes"].get("create", 0) >= 3  # component, namespace, release
    assert all(u["duration_s"] is not None and u["duration_s"] > 0 for u in updates)


def test_the_links_between_stacks_are_public_stack_references(
    federation: tuple[AutomationRunner, Any, Brought],
) -> None:
    """Any tool reading the state (pulumi stack graph, Pulumi Cloud) sees the federation."""
    _, _, brought = federation
    assert brought.references == {
        "exchange": ["federation-party10000", "federation-party9999"],
        "party9999": ["federation-exchange"],
        "party10000": ["federation-exchange"],
    }


def test_a_party_of_another_project_names_the_exchange_by_its_full_name(
    federation: tuple[AutomationRunner, Any, Brought], plane: ControlPlane, tools: Tools
) -> None:
    """Another project in the same file backend (its literal organisation
    ``organization``): its party names the federation's exchange
    ``organization/fate/exchange`` and converges with its route to it; a fully qualified
    name no stack has stops the update, naming the stack and the backend it asked."""
    runner, _, _ = federation
    ws = Workspace(runner.project_dir.parent / "acme", dict(runner.env), tools)
    project = copy_project(ws.project_dir, ["party9999"], None, source=runner.project_dir)
    document = yamlio.load((project / "Pulumi.yaml").read_text())
    (project / "Pulumi.yaml").write_text(yamlio.dump({**document, "name": "fate-acme"}))
    stack_file = project / "Pulumi.party8888.yaml"
    (project / "Pulumi.party9999.yaml").rename(stack_file)
    document = yamlio.load(stack_file.read_text())
    document["config"].update(
        {
            "fate:partyId": 8888,
            "fate:name": "fate-8888",
            "fate:namespace": "fate-8888",
            "fate:publicHost": "192.168.88.1",
            "fate:servingIp": "192.168.88.1",
            "fate:exchangeStack": "organization/fate/exchange",
            "fate:rollsite": {"type": "NodePort", "nodePort": 30081},
            "fate:python": {"type": "NodePort", "httpNodePort": 30087, "grpcNodePort": 30082},
        }
    )
    stack_file.write_text(yamlio.dump(document))
    said = ws.federation("up", "--yes").stderr
    assert "converged after 1 update" in said, said
    assert routes(plane, "fate-8888")["default"]["default"] == [
        {"ip": "192.168.0.1", "port": 30000}
    ]

    document["config"]["fate:exchangeStack"] = "organization/fate/exchange-gone"
    stack_file.write_text(yamlio.dump(document))
    failed = subprocess.run(
        [str(Path(sys.prefix) / "bin" / "fatectl"), "federation", "up", "--yes"],
        cwd=project,
        env={**os.environ, **ws.env},
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert failed.returncode != 0
    assert 'unknown stack "organization/fate/exchange-gone"' in failed.stderr
    asked = f"(asked {ws.env['PULUMI_BACKEND_URL']} for organization/fate/exchange-gone)"
    assert asked in failed.stderr
    # The update stopped before touching the party: its route is the one it had.
    assert routes(plane, "fate-8888")["default"]["default"] == [
        {"ip": "192.168.0.1", "port": 30000}
    ]


def test_a_party_that_leaves_is_dropped_from_the_exchange_routes(
    federation: tuple[AutomationRunner, Any, Brought], plane: ControlPlane
) -> None:
    """party9999 leaves: the exchange operator drops it from fate:members, its stack file
    leaves the project, and the next converge takes its route out of the exchange."""
    runner, members, _ = federation
    converge(members, runner, say=print)  # the whole federation, whatever ran before
    project = runner.project_dir
    document = yamlio.load((project / "Pulumi.exchange.yaml").read_text())
    document["config"]["fate:members"] = ["party10000"]
    (project / "Pulumi.exchange.yaml").write_text(yamlio.dump(document))
    gone = (project / "Pulumi.party9999.yaml").rename(project / "party9999.left")
    try:
        remaining = discover(project, "fate-example")
        assert sorted(remaining) == ["exchange", "party10000"]
        outcomes = converge(remaining, runner, say=print)
        assert {o.stack: o.updates for o in outcomes} == {"exchange": 1, "party10000": 0}
        table = routes(plane, "fate-exchange")
        assert "9999" not in table
        assert table["10000"]["default"] == [{"ip": "192.168.10.1", "port": 30101}]
    finally:
        gone.rename(project / "Pulumi.party9999.yaml")  # its operator destroys it below


def test_destroy_takes_the_federation_down(
    federation: tuple[AutomationRunner, Any, Brought], plane: ControlPlane
) -> None:
    runner, members, _ = federation
    converge(members, runner, say=print)  # the whole federation, whatever ran before
    outcomes = destroy_all(members, runner, say=print)
    assert [o.stack for o in outcomes] == ["party9999", "party10000", "exchange"]
    for namespace in ("fate-9999", "fate-10000", "fate-exchange"):
        assert kube_get(plane, f"/api/v1/namespaces/{namespace}/configmaps/rollsite-config") is None


SPARK_EXCHANGE = """\
config:
  fate:chartName: fate-exchange
  fate:partyId: 1
  fate:name: spark-exchange
  fate:namespace: spark-exchange
  fate:publicHost: 192.168.0.2
  fate:modules: [trafficServer, nginx]
  fate:trafficServer: {type: NodePort, nodePort: 30007}
  fate:nginx: {type: NodePort, httpNodePort: 30003, grpcNodePort: 30008}
  fate:servingProxy: {type: NodePort, nodePort: 30006}
  fate:chartRepo: @CHART_REPO@
  fate:members:
"""


def spark_member(party_id: int, host: str, base: int) -> str:
    return f"""\
    - partyId: {party_id}
      protocols: [spark-pulsar, serving]
      endpoints:
        pulsar: {{host: {host}, port: {base + 4}, tlsPort: {base + 9}, domain: fate.org}}
        nginxHttp: {{host: {host}, port: {base + 3}}}
        nginxGrpc: {{host: {host}, port: {base + 8}}}
        fateflowHttp: {{host: {host}, port: {base + 7}}}
        fateflowGrpc: {{host: {host}, port: {base + 2}}}
        servingProxy: {{host: {host}, port: {base + 9 + 210}}}
"""


def test_a_spark_exchange_routes_by_sni_nginx_and_serving_proxy(
    tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path: Path
) -> None:
    """trafficServer, nginx and the serving exchange through the real engine: the route
    tables the API server holds name both Spark members."""
    project = copy_project(tmp_path / "project", [], chart_repo)
    members = spark_member(9999, "192.168.9.1", 30090) + spark_member(10000, "192.168.10.1", 30100)
    stack_file = SPARK_EXCHANGE.replace("@CHART_REPO@", chart_repo) + members
    (project / "Pulumi.spark-exchange.yaml").write_text(stack_file)
    ws = workspace(tools, project, tmp_path, plane.kubeconfig)
    stack = ws.stack("spark-exchange")
    result = stack.up()
    assert result.outputs["members"].value == [9999, 10000]

    def config_data(name: str) -> dict[str, str]:
        found = kube_get(plane, f"/api/v1/namespaces/spark-exchange/configmaps/{name}")
        assert found is not None, name
        data: dict[str, str] = found["data"]
        return data

    sni = yamlio.load(config_data("traffic-server-sni")["sni.yaml"])["sni"]
    assert sni == [  # Apache Traffic Server's own spelling
        {"fqdn": "9999.fate.org", "tunnel_route": "192.168.9.1:30099"},
        {"fqdn": "10000.fate.org", "tunnel_route": "192.168.10.1:30109"},
    ]
    nginx = yamlio.load(config_data("nginx-config")["route_table.yaml"])
    proxy_10000 = {"host": "192.168.10.1", "http_port": 30103, "grpc_port": 30108}
    fateflow_9999 = {"host": "192.168.9.1", "http_port": 30097, "grpc_port": 30092}
    assert nginx[10000]["proxy"] == [proxy_10000]
    assert nginx[9999]["fateflow"] == [fateflow_9999]
    serving = json.loads(config_data("serving-proxy-config")["route_table.json"])
    # The chart quotes the port of every route it is given.
    assert serving["route_table"]["10000"]["default"] == [{"ip": "192.168.10.1", "port": "30319"}]
    stack.destroy()
