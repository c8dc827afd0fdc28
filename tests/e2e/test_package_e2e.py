"""The components as a Pulumi package, used from another language through the real
engine, as docs/package.md tells a user: a Pulumi YAML program adds the package with
``pulumi package add`` (its provider runs from this checkout) and deploys a party whose
``publicHost`` is another resource's output (a Service's cluster IP, known only once the
API server assigns it), with TLS, and an exchange that lists it; a config that breaks a
rule gets the stack program's report."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path
from typing import Any

from cryptography import x509

from e2e.controlplane import ControlPlane, kube_get
from e2e.tools import Tools
from e2e.workspace import Workspace, workspace
from fate_iac import tls, yamlio
from fate_iac.endpoints import TLS_ENDPOINT
from tests.conftest import NOTEBOOK_HASH

PLUGIN_DIR = Path(__file__).resolve().parents[2] / "components" / "fate_pulumi" / "plugin"
VENV = shutil.ignore_patterns("bin", "lib", "lib64", "include", "pyvenv.cfg", "__pycache__")

PROGRAM = """\
name: fate-yaml
runtime: yaml
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
      rollsite: {{type: NodePort, nodePort: 30091, enableTLS: true}}
      # Its CA and certificates: the dynamic provider runs in the package's provider.
      tls: {{nodePort: 30092}}
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
      rollsite: {{type: NodePort, nodePort: 30000, enableTLS: true}}
      tls: {{nodePort: 30001}}
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
    """The program, with the package added as docs/package.md says: ``pulumi package add
    <plugin directory>``."""
    project = tmp_path / "project"
    project.mkdir()
    # A copy of the plugin: Pulumi's Python language host makes a virtualenv beside
    # PulumiPlugin.yaml, which belongs in no checkout.
    plugin = shutil.copytree(PLUGIN_DIR, tmp_path / "plugin", ignore=VENV)
    (project / "Pulumi.yaml").write_text(
        PROGRAM.format(chart_repo=chart_repo, notebook_hash=NOTEBOOK_HASH)
    )
    ws = workspace(tools, project, tmp_path, plane.kubeconfig)
    added = ws.pulumi("package", "add", str(plugin))
    assert added.returncode == 0, added.stdout + added.stderr
    assert yamlio.load((project / "Pulumi.yaml").read_text())["packages"] == {"fate": str(plugin)}
    return ws


def certificates(plane: ControlPlane, namespace: str) -> dict[str, str]:
    found = kube_get(plane, f"/api/v1/namespaces/{namespace}/secrets/{tls.CERTS_SECRET}")
    assert found is not None, namespace
    return {k: base64.b64decode(v).decode() for k, v in found["data"].items()}


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
    assert record["partyId"] == 9999
    assert record["endpoints"]["rollsite"] == {"host": host, "port": 30091}
    assert record["endpoints"][TLS_ENDPOINT] == {"host": host, "port": 30092}
    assert outputs["members"] == [9999]
    assert kube_get(plane, "/api/v1/namespaces/fate-9999") is not None
    assert kube_get(plane, "/api/v1/namespaces/fate-exchange") is not None

    # The exchange routes to the party's TLS listener at the address the Service was given.
    assert rollsite_routes(plane, "fate-exchange")["9999"] == {
        "default": [{"ip": host, "port": 30092, "is_secure": True}]
    }
    # The certificates the dynamic provider issued inside the package's provider: the
    # party's server certificate chains to the CA its record publishes and names that
    # address; the exchange trusts that CA.
    party_ca = x509.load_pem_x509_certificate(record["ca"].encode())
    party = certificates(plane, "fate-9999")
    server = x509.load_pem_x509_certificate(party["server.crt"].encode())
    server.verify_directly_issued_by(party_ca)
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert host in [str(ip) for ip in names.get_values_for_type(x509.IPAddress)]
    trusted = x509.load_pem_x509_certificates(
        certificates(plane, "fate-exchange")["ca.pem"].encode()
    )
    assert party_ca in trusted

    down = ws.pulumi("destroy", "--yes", "--stack", "dev")
    assert down.returncode == 0, down.stdout + down.stderr


def refused(said: str, stack: str) -> list[str]:
    """The problems the user read, one a line, as the stack program reports them; and no
    Python traceback of the provider anywhere."""
    assert "Traceback" not in said, said
    assert 'File "' not in said, said
    return [
        line.strip() for line in said.splitlines() if line.strip().startswith(f"- stack {stack}")
    ]


def test_a_yaml_program_gets_every_problem_before_anything_is_created(
    tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path: Path
) -> None:
    ws = yaml_project(tools, plane, chart_repo, tmp_path)
    program = ws.project_dir / "Pulumi.yaml"
    good = program.read_text()
    bad = good.replace("partyId: 9999", "partyId: 9999\n      namespace: Bad_Name")
    bad = bad.replace(
        "modules: [rollsite, clustermanager", 'modules: ["${front.kind}", clustermanager'
    )
    program.write_text(bad)
    assert ws.pulumi("stack", "init", "bad").returncode == 0
    up = ws.pulumi("up", "--yes", "--stack", "bad")
    assert up.returncode != 0
    said = up.stdout + up.stderr
    assert "stack bad/party: 2 configuration problems" in said, said
    assert refused(said, "bad/party") == [
        "- stack bad/party: fate:modules[0]: is another resource's output here, not known "
        "when the component's resources are registered; it decides which resources exist, "
        "so give it as a value (only publicHost and credentials may be outputs) "
        "[known-when-built]",
        "- stack bad/party: fate:namespace: 'Bad_Name' is not a DNS-1123 label: at most 63 "
        "characters of a-z, 0-9 and '-', starting and ending with a letter or digit "
        "[dns-label]",
    ], said
    assert kube_get(plane, "/api/v1/namespaces/fate-9999") is None

    # An output that breaks a rule once known: the same report, and still nothing of the
    # component created (its objects wait for the check).
    program.write_text(good.replace("${front.spec.clusterIP}", "${front.spec.clusterIP} x", 1))
    up = ws.pulumi("up", "--yes", "--stack", "bad")
    assert up.returncode != 0
    said = up.stdout + up.stderr
    assert "stack bad/party: 1 configuration problem" in said, said
    [problem] = refused(said, "bad/party")
    assert problem.startswith("- stack bad/party: fate:publicHost: '"), problem
    assert problem.endswith(" x' is neither an IP address nor a DNS name [host]"), problem
    assert kube_get(plane, "/api/v1/namespaces/fate-9999") is None
    ws.pulumi("destroy", "--yes", "--stack", "bad")
