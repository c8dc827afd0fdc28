"""The components as a Pulumi package, used from another language through the real
engine: a Pulumi YAML program adds the package (its provider runs from this checkout)
and deploys a party whose ``publicHost`` is another resource's output (a Service's
cluster IP, known only once the API server assigns it) and an exchange that lists it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from e2e.controlplane import ControlPlane, kube_get
from e2e.tools import Tools
from e2e.workspace import Workspace, workspace
from tests.conftest import NOTEBOOK_HASH

PLUGIN_DIR = Path(__file__).resolve().parents[2] / "components" / "fate_pulumi" / "plugin"
VENV = shutil.ignore_patterns("bin", "lib", "lib64", "include", "pyvenv.cfg", "__pycache__")

PROGRAM = """\
name: fate-yaml
runtime: yaml
packages:
  fate: {plugin_dir}
resources:
  # Where peers reach the party: an address only the API server knows, once it exists.
  front:
    type: kubernetes:core/v1:Service
    properties:
      metadata: {{name: party-front, namespace: default}}
      spec:
        type: ClusterIP
        ports: [{{port: 9370}}]
  party:
    type: fate:FateEggrollCluster
    properties:
      partyId: 9999
      chartRepo: {chart_repo}
      publicHost: ${{front.spec.clusterIP}}
      modules: [rollsite, clustermanager, nodemanager, mysql, python, fateboard, client]
      rollsite: {{type: NodePort, nodePort: 30091}}
      mysql:
        password:
          fn::secret: party9999-mysql-yaml
      fateboard:
        username: admin
        password:
          fn::secret: party9999-board-yaml
      client:
        notebook_hashed_password:
          fn::secret: {notebook_hash}
  exchange:
    type: fate:Exchange
    properties:
      chartRepo: {chart_repo}
      publicHost: 192.0.2.1
      modules: [rollsite]
      rollsite: {{type: NodePort, nodePort: 30000}}
      members: [party9999]
      federationRecords:
        party9999: ${{party.federation}}
outputs:
  partyHost: ${{front.spec.clusterIP}}
  partyEndpoint: ${{party.federationEndpoint}}
  partyNamespace: ${{party.namespace}}
  partyOutputs: ${{party.stackOutputs}}
  members: ${{exchange.members}}
"""


def yaml_project(tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path: Path) -> Workspace:
    project = tmp_path / "project"
    project.mkdir()
    # A copy of the plugin: Pulumi's Python language host may make a virtualenv beside
    # PulumiPlugin.yaml, which belongs in no checkout.
    plugin = shutil.copytree(PLUGIN_DIR, tmp_path / "plugin", ignore=VENV)
    program = PROGRAM.format(chart_repo=chart_repo, plugin_dir=plugin, notebook_hash=NOTEBOOK_HASH)
    (project / "Pulumi.yaml").write_text(program)
    # What `pulumi package add <plugin dir>` writes for a YAML program (the YAML language
    # host buildable here does not implement the Link step that command ends with).
    return workspace(tools, project, tmp_path, plane.kubeconfig)


def rollsite_routes(plane: ControlPlane, namespace: str) -> dict[str, Any]:
    found = kube_get(plane, f"/api/v1/namespaces/{namespace}/configmaps/rollsite-config")
    assert found is not None
    table: dict[str, Any] = json.loads(found["data"]["route_table.json"])["route_table"]
    return table


def test_a_yaml_program_deploys_a_party_at_another_resources_address_and_its_exchange(
    tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path: Path
) -> None:
    ws = yaml_project(tools, plane, chart_repo, tmp_path)
    assert ws.pulumi("stack", "init", "dev").returncode == 0
    up = ws.pulumi("up", "--yes", "--stack", "dev")
    assert up.returncode == 0, up.stdout + up.stderr

    outputs = json.loads(ws.pulumi("stack", "output", "--json", "--stack", "dev").stdout)
    host = outputs["partyHost"]
    assert host and host != "pending.invalid"
    assert outputs["partyEndpoint"] == {"host": host, "port": 30091}
    assert outputs["partyNamespace"] == "fate-9999"
    record = outputs["partyOutputs"]["federation"]
    assert record["endpoints"]["rollsite"] == {"host": host, "port": 30091}
    assert record["partyId"] == 9999
    assert outputs["members"] == [9999]

    namespace = kube_get(plane, "/api/v1/namespaces/fate-9999")
    assert namespace is not None
    assert kube_get(plane, "/api/v1/namespaces/fate-exchange") is not None
    mysql = kube_get(plane, "/api/v1/namespaces/fate-9999/secrets")
    assert mysql is not None
    # The exchange routes to the party at the address the Service was given.
    assert rollsite_routes(plane, "fate-exchange")["9999"] == {
        "default": [{"ip": host, "port": 30091}]
    }

    down = ws.pulumi("destroy", "--yes", "--stack", "dev")
    assert down.returncode == 0, down.stdout + down.stderr


def test_a_yaml_program_gets_every_problem_before_anything_is_created(
    tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path: Path
) -> None:
    ws = yaml_project(tools, plane, chart_repo, tmp_path)
    text = (ws.project_dir / "Pulumi.yaml").read_text()
    text = text.replace("partyId: 9999", "partyId: 9999\n      namespace: Bad_Name")
    text = text.replace(
        "modules: [rollsite, clustermanager", 'modules: ["${front.kind}", clustermanager'
    )
    (ws.project_dir / "Pulumi.yaml").write_text(text)
    assert ws.pulumi("stack", "init", "bad").returncode == 0
    up = ws.pulumi("up", "--yes", "--stack", "bad")
    assert up.returncode != 0
    said = up.stdout + up.stderr
    assert "stack bad/party: 2 configuration problems" in said, said
    assert "stack bad/party: fate:namespace: 'Bad_Name' is not a DNS-1123 label" in said
    assert "[dns-label]" in said
    assert "stack bad/party: fate:modules[0]: is another resource's output here" in said
    assert "[known-when-built]" in said
    assert kube_get(plane, "/api/v1/namespaces/fate-9999") is None
    ws.pulumi("destroy", "--yes", "--stack", "bad")
