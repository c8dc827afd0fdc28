"""The example federation (an exchange and two parties) brought up from nothing through
the real engine, in an awkward order, converged by the orchestrator, then destroyed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from e2e.controlplane import ControlPlane, kube_get
from e2e.tools import Tools
from e2e.workspace import copy_project, workspace
from fate_iac.orchestrator import AutomationRunner, converge, destroy_all, discover, status_all

STACKS = ["exchange", "party9999", "party10000"]


def routes(plane: ControlPlane, namespace: str) -> dict[str, Any]:
    configmap = kube_get(plane, f"/api/v1/namespaces/{namespace}/configmaps/rollsite-config")
    assert configmap is not None, f"no route table in {namespace}"
    table: dict[str, Any] = json.loads(configmap["data"]["route_table.json"])["route_table"]
    return table


@pytest.fixture(scope="module")
def federation(
    tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[AutomationRunner, Any]:
    state = tmp_path_factory.mktemp("federation")
    project = copy_project(state / "project", STACKS, skip_await=True)
    ws = workspace(tools, project, state, plane.kubeconfig, chart_repo)
    runner = AutomationRunner(project, ws.env, tools.pulumi_root, say=print)
    members = discover(project, "fate-example")
    return runner, members


def test_a_party_first_then_the_federation_converges(
    federation: tuple[AutomationRunner, Any], plane: ControlPlane
) -> None:
    runner, members = federation
    # party10000 alone, before its exchange exists: it deploys and waits.
    runner.up("party10000", {"FATE_EXISTING_STACKS": "party10000"})
    assert routes(plane, "fate-10000")["default"]["default"] == [{"ip": "rollsite", "port": 9370}]

    said: list[str] = []
    outcomes = converge(members, runner, say=said.append)
    assert said[-1] == "converged after 3 passes"
    # The exchange twice (party9999 appears after its first run), each party once: a
    # party whose peers' records did not change its routes is not updated again.
    assert {o.stack: o.updates for o in outcomes} == {
        "exchange": 2, "party9999": 1, "party10000": 1,
    }  # fmt: skip

    exchange_route = [{"ip": "192.168.0.1", "port": 30000}]
    assert routes(plane, "fate-10000")["default"]["default"] == exchange_route
    assert routes(plane, "fate-9999")["default"]["default"] == exchange_route
    table = routes(plane, "fate-exchange")
    assert table["9999"]["default"] == [{"ip": "192.168.9.1", "port": 30091}]
    assert table["10000"]["default"] == [{"ip": "192.168.10.1", "port": 30101}]

    lines = status_all(members, runner)
    assert any("exchange" in line and "members [9999, 10000]" in line for line in lines)


def test_destroy_takes_the_federation_down(
    federation: tuple[AutomationRunner, Any], plane: ControlPlane
) -> None:
    runner, members = federation
    outcomes = destroy_all(members, runner, say=print)
    assert [o.stack for o in outcomes] == ["party9999", "party10000", "exchange"]
    for namespace in ("fate-9999", "fate-10000", "fate-exchange"):
        assert kube_get(plane, f"/api/v1/namespaces/{namespace}/configmaps/rollsite-config") is None
