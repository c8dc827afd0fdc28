"""The Spark example federation (examples/spark-pulsar: two FATE-on-Spark parties with
Pulsar behind a trafficServer + nginx exchange) brought up from nothing through the real
engine with `fatectl federation up`, then destroyed with `fatectl federation destroy`."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from cryptography import x509

from e2e.controlplane import ControlPlane, kube_get
from e2e.tools import Tools
from e2e.workspace import PROJECT_DIR, converged_peers, copy_project, workspace
from fate_iac import yamlio
from fate_iac.orchestrator import destroy_all
from fate_pulumi.automation import AutomationRunner

EXAMPLE = PROJECT_DIR / "examples" / "spark-pulsar"
STACKS = ["exchange", "party9999", "party10000"]
NAMESPACES = {
    "exchange": "fate-spark-exchange",
    "party9999": "fate-spark-9999",
    "party10000": "fate-spark-10000",
}


def test_the_spark_example_converges_from_nothing_and_is_destroyed(
    tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path: Path
) -> None:
    project = copy_project(tmp_path / "project", STACKS, chart_repo, source=EXAMPLE)
    ws = workspace(tools, project, tmp_path, plane.kubeconfig)
    runner = AutomationRunner(project, ws.env, tools.pulumi_root, say=print)

    up = ws.federation("up", "--yes")
    assert "converged after" in up.stderr, up.stderr
    assert {line.split()[0] for line in up.stdout.splitlines()} == set(STACKS)

    def data(stack: str, configmap: str) -> dict[str, str]:
        path = f"/api/v1/namespaces/{NAMESPACES[stack]}/configmaps/{configmap}"
        found = kube_get(plane, path)
        assert found is not None, path
        values: dict[str, str] = found["data"]
        return values

    # The exchange names both parties, from their stacks' records.
    sni = yamlio.load(data("exchange", "traffic-server-sni")["sni.yaml"])["sni"]
    assert {(r["fqdn"], r["tunnel_route"]) for r in sni} == {
        ("9999.fate.org", "192.168.9.1:30039"),
        ("10000.fate.org", "192.168.10.1:30049"),
    }
    table: dict[Any, Any] = yamlio.load(data("exchange", "nginx-config")["route_table.yaml"])
    assert table[9999]["proxy"] == [{"host": "192.168.9.1", "http_port": 30033, "grpc_port": 30038}]
    assert table[10000]["fateflow"] == [
        {"host": "192.168.10.1", "http_port": 30047, "grpc_port": 30042}
    ]
    # Each party sends to the exchange: fateflow's traffic to its nginx, Pulsar's to its
    # trafficServer by SNI.
    for party in ("party9999", "party10000"):
        own = yamlio.load(data(party, "nginx-config")["route_table.yaml"])
        assert own["default"]["proxy"] == [
            {"host": "192.168.0.1", "http_port": 30023, "grpc_port": 30028}
        ]
        pulsar = yamlio.load(data(party, "pulsar-route-table")["pulsar_route_table.yaml"])
        assert pulsar["default"] == {"proxy": "192.168.0.1:30020", "domain": "fate.org"}
        assert "brokerServicePortTls=6651" in data(party, "pulsar-config")["standalone.conf"]
        # The Secret the chart mounts into Pulsar behind an exchange is issued by the
        # stack: a broker certificate for the name the exchange's SNI routes by, from
        # the CA the party's record publishes.
        certs = kube_get(plane, f"/api/v1/namespaces/{NAMESPACES[party]}/secrets/pulsar-cert")
        files = {k: base64.b64decode(v).decode() for k, v in certs["data"].items()}
        assert set(files) == {"ca.cert.pem", "broker.cert.pem", "broker.key-pk8.pem"}
        assert "BEGIN PRIVATE KEY" in files["broker.key-pk8.pem"]  # PKCS#8, as Pulsar reads
        broker = x509.load_pem_x509_certificate(files["broker.cert.pem"].encode())
        ca = x509.load_pem_x509_certificate(runner.outputs(party)["federation"]["ca"].encode())
        broker.verify_directly_issued_by(ca)
        sans = broker.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert f"{party.removeprefix('party')}.fate.org" in sans.get_values_for_type(x509.DNSName)
    # The exchange's trafficServer mounts its own, always.
    proxy = kube_get(plane, "/api/v1/namespaces/fate-spark-exchange/secrets/traffic-server-cert")
    assert set(proxy["data"]) == {"ca.cert.pem", "proxy.cert.pem", "proxy.key.pem"}
    outputs = runner.outputs("party9999")
    assert outputs["federation"]["protocols"] == ["spark-pulsar"]
    assert outputs["broker"]["pulsar"]["tlsPort"] == 30039
    # Workloads became Ready on the simulated nodes (the releases waited for them).
    spark = kube_get(plane, "/apis/apps/v1/namespaces/fate-spark-9999/deployments/spark-worker")
    assert spark is not None and spark["status"].get("readyReplicas") == 2

    status = ws.federation("status").stdout.splitlines()
    assert any("party9999" in line and "nginxHttp 192.168.9.1:30033" in line for line in status)
    assert any(
        "exchange" in line
        and "nginxHttp 192.168.0.1:30023" in line
        and "members [9999, 10000]" in line
        for line in status
    )
    assert all(" ready " in line for line in status), status

    destroyed = ws.federation("destroy", "--yes").stdout.splitlines()
    assert destroyed[-1].split()[0] == "exchange"  # parties first
    for stack in STACKS:
        assert (
            kube_get(plane, f"/api/v1/namespaces/{NAMESPACES[stack]}/configmaps/nginx-config")
            is None
        )


P2P_PARTY = """\
config:
  fate:partyId: {party}
  fate:namespace: p2p-{party}
  fate:publicHost: 10.0.{octet}.1
  fate:computing: Spark_local
  fate:federation: RabbitMQ
  fate:storage: LocalFS
  # The chart's RabbitMQ broker only knows fate/fate (see the README).
  fate:allowDefaultCredentials: true
  # A notebook without a password, for brevity (docs/isolation-and-policies.md).
  fate:allowNotebookWithoutPassword: true
  fate:peers: [{peer}]
  fate:chartRepo: {chart_repo}
  fate:python: {{type: NodePort, httpNodePort: {base}7, grpcNodePort: {base}2}}
  fate:nginx: {{type: NodePort, httpNodePort: {base}3, grpcNodePort: {base}8}}
  fate:rabbitmq: {{type: NodePort, nodePort: {base}4}}
"""


def test_two_rabbitmq_peers_route_to_each_other_by_stack_name(
    tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path: Path
) -> None:
    """P2P Spark_local parties federating with RabbitMQ, each naming the other's stack:
    the API server's nginx and RabbitMQ route tables name the peer, from its record."""
    runner, members = converged_peers(
        tools, plane.kubeconfig, chart_repo, tmp_path, P2P_PARTY, "p", (3209, 3210)
    )

    def data(namespace: str, configmap: str, key: str) -> Any:
        found = kube_get(plane, f"/api/v1/namespaces/{namespace}/configmaps/{configmap}")
        assert found is not None, (namespace, configmap)
        return yamlio.load(found["data"][key])

    nginx = data("p2p-9999", "nginx-config", "route_table.yaml")
    assert nginx[10000] == {
        "fateflow": [{"host": "10.0.10.1", "http_port": 32103, "grpc_port": 32108}]
    }
    assert nginx["default"]["proxy"] == [{"host": None, "http_port": None, "grpc_port": None}]
    mq = data("p2p-10000", "rabbitmq-route-table", "rabbitmq_route_table.yaml")
    assert mq == {
        10000: {"host": "rabbitmq", "port": 5672},
        9999: {"host": "10.0.9.1", "port": 32094},
    }
    destroy_all(members, runner, say=print)
    assert kube_get(plane, "/api/v1/namespaces/p2p-9999/configmaps/nginx-config") is None
