"""FATE 2.0 through the real engine: two parties on the fate chart v2.0.0, federating
with OSX, each naming the other's stack, converged from nothing; the osx route tables in
the API server name each other, from each other's records. Then destroyed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from e2e.controlplane import ControlPlane, kube_get
from e2e.tools import Tools
from e2e.workspace import converged_peers
from fate_iac.orchestrator import destroy_all

OSX_PARTY = """\
config:
  fate:partyId: {party}
  fate:namespace: osx-{party}
  fate:chartVersion: v2.0.0
  fate:publicHost: 10.0.{octet}.1
  # The chart's mysql and fateboard logins, for brevity (see the README).
  fate:allowDefaultCredentials: true
  fate:allowNotebookWithoutPassword: true
  fate:peers: [{peer}]
  fate:chartRepo: {chart_repo}
  fate:osx: {{type: NodePort, nodePort: {base}1}}
  fate:python: {{type: NodePort, httpNodePort: {base}7, grpcNodePort: {base}2}}
  fate:fateboard: {{username: admin}}
"""


def test_two_osx_peers_route_to_each_other_by_stack_name(
    tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path: Path
) -> None:
    runner, members = converged_peers(
        tools, plane.kubeconfig, chart_repo, tmp_path, OSX_PARTY, "o", (3229, 3230)
    )

    def routes(namespace: str) -> dict[str, Any]:
        found = kube_get(plane, f"/api/v1/namespaces/{namespace}/configmaps/osx-config")
        assert found is not None, namespace
        table: dict[str, Any] = json.loads(found["data"]["route_table.json"])
        return table

    nine = routes("osx-9999")
    assert nine["route_table"]["10000"] == {"default": [{"ip": "10.0.10.1", "port": 32301}]}
    assert nine["route_table"]["9999"] == {"fateflow": [{"ip": "fateflow", "port": 9360}]}
    assert nine["self_party"] == ["9999"]
    ten = routes("osx-10000")
    assert ten["route_table"]["9999"] == {"default": [{"ip": "10.0.9.1", "port": 32291}]}
    record = runner.outputs("o9999")["federation"]
    assert record["protocols"] == ["osx"] and record["fateVersion"] == "2.0"
    assert record["endpoints"]["osx"] == {"host": "10.0.9.1", "port": 32291}
    # FATE 2.0's images, each module its own, on the simulated nodes.
    osx = kube_get(plane, "/apis/apps/v1/namespaces/osx-9999/deployments/osx")
    assert osx is not None and osx["status"].get("readyReplicas") == 1
    [container] = osx["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "federatedai/osx:2.0.0-release"

    destroy_all(members, runner)
    for namespace in ("osx-9999", "osx-10000"):
        assert kube_get(plane, f"/api/v1/namespaces/{namespace}/configmaps/osx-config") is None
