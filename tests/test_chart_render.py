"""The real fate chart, rendered by Helm's engine with this project's values."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fate_iac.loader import load_party_config
from fate_iac.render import render_stack
from tests.conftest import party

pytestmark = pytest.mark.chart

Objects = dict[tuple[str, str], dict[str, Any]]


def render(charts: str, redact: bool = True, **overrides: Any) -> Objects:
    cfg = load_party_config(party(**overrides), "party10000").config
    [release] = render_stack(cfg, charts, redact=redact)
    return {(o["kind"], o["metadata"]["name"]): o for o in release.objects()}


def node_ports(service: dict[str, Any]) -> dict[str, int]:
    return {p["name"]: p.get("nodePort") for p in service["spec"]["ports"]}


def test_services_expose_the_configured_node_ports(charts: str) -> None:
    objects = render(charts)
    rollsite = objects[("Service", "rollsite")]
    assert rollsite["spec"]["type"] == "NodePort"
    assert node_ports(rollsite) == {"tcp-rollsite": 30101}
    fateflow = objects[("Service", "fateflow-client")]
    assert fateflow["spec"]["type"] == "NodePort"
    assert node_ports(fateflow) == {"tcp-grpc": 30102, "tcp-http": 30107}
    assert objects[("Service", "mysql")]["spec"]["type"] == "ClusterIP"


def test_route_table_names_the_peer_and_this_party(charts: str) -> None:
    routes = json.loads(
        render(charts)[("ConfigMap", "rollsite-config")]["data"]["route_table.json"]
    )
    table = routes["route_table"]
    assert table["9999"]["default"] == [{"ip": "192.168.9.1", "port": 30091}]
    assert table["default"]["default"] == [{"ip": "rollsite", "port": 9370}]
    assert table["10000"]["fateflow"] == [{"ip": "fateflow", "port": 9360}]
    assert "8888" not in table  # the chart's example peers are gone


def test_route_table_through_an_exchange(charts: str) -> None:
    raw = party()["rollsite"]
    objects = render(
        charts, rollsite={**raw, "partyList": [], "exchange": {"ip": "10.9.9.9", "port": 30000}}
    )
    table = json.loads(objects[("ConfigMap", "rollsite-config")]["data"]["route_table.json"])[
        "route_table"
    ]
    assert table["default"]["default"] == [{"ip": "10.9.9.9", "port": 30000}]
    assert set(table) == {"default", "10000"}


def images(objects: Objects) -> set[str]:
    found = set()
    for obj in objects.values():
        pod = obj.get("spec", {}).get("template", {}).get("spec", {})
        found |= {c["image"] for c in pod.get("containers", []) + pod.get("initContainers", [])}
    return found


def test_images_and_tags(charts: str) -> None:
    assert {
        "federatedai/eggroll:1.11.2-release",
        "federatedai/fateflow:1.11.2-release",
        "federatedai/fateboard:1.11.2-release",
        "federatedai/client:1.11.2-release",
    } <= images(render(charts))
    custom = images(
        render(charts, registry="mirror.example.org/fate", imageTag="1.11.2-hotfix", algorithm="NN")
    )
    assert "mirror.example.org/fate/eggroll-nn:1.11.2-hotfix" in custom


def test_only_listed_modules_are_deployed(charts: str) -> None:
    objects = render(
        charts,
        modules=["rollsite", "clustermanager", "nodemanager", "mysql", "python"],
        fateboard=None,
    )
    kinds = {name for (_, name) in objects}
    assert "client" not in kinds and "notebook" not in kinds and "fateboard" not in kinds
    assert ("StatefulSet", "nodemanager") in objects


def test_without_persistence_data_lives_in_empty_dirs(charts: str) -> None:
    nodemanager = render(charts)[("StatefulSet", "nodemanager")]
    volumes = {v["name"]: v for v in nodemanager["spec"]["template"]["spec"]["volumes"]}
    assert volumes["data-dir"] == {"name": "data-dir", "emptyDir": {}}
    assert "volumeClaimTemplates" not in nodemanager["spec"]


def test_persistence_claims_volumes_of_the_named_class(charts: str) -> None:
    objects = render(
        charts,
        persistence=True,
        nodemanager={"storageClass": "fast-ssd", "size": "20Gi"},
        python={**party()["python"], "existingClaim": "fateflow-data"},
        client={**party()["client"], "storageClass": "fast-ssd"},
        mysql={**party()["mysql"], "storageClass": "fast-ssd"},
    )
    claim = objects[("StatefulSet", "nodemanager")]["spec"]["volumeClaimTemplates"][0]["spec"]
    assert claim["storageClassName"] == "fast-ssd"
    assert claim["resources"]["requests"]["storage"] == "20Gi"


def test_credentials_are_redacted_unless_shown(charts: str) -> None:
    redacted = json.dumps(list(render(charts).values()))
    assert "s3cret-mysql" not in redacted and "[secret]" in redacted
    shown = render(charts, redact=False)
    conf = shown[("ConfigMap", "eggroll-config")]["data"]["eggroll.properties"]
    assert "jdbc.password=s3cret-mysql" in conf
