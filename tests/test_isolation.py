"""NetworkPolicy isolation: what each namespace lets in, from the federation record's own
derivation, checked against the Services and pods of the real charts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fate_iac.isolation import MODULE_LABEL, NAME_LABEL
from fate_iac.kinds import entry_points, kind_of, network_policies, parts
from fate_iac.loader import load_party_config, load_stack_config, read_stack_file
from fate_iac.render import render_stack
from fate_iac.secrets import Secret
from tests.conftest import EXAMPLE_PASSPHRASE, PROJECT_DIR, chart_source, party

EXAMPLES = [
    (PROJECT_DIR, "party9999"),
    (PROJECT_DIR, "exchange"),
    (PROJECT_DIR / "examples" / "spark-pulsar", "party9999"),
    (PROJECT_DIR / "examples" / "spark-pulsar", "party10000"),
    (PROJECT_DIR / "examples" / "spark-pulsar", "exchange"),
    (PROJECT_DIR / "examples" / "serving", "party9999"),
    (PROJECT_DIR / "examples" / "serving", "exchange"),
]
INSIDE_ONLY = {
    "mysql",
    "clustermanager",
    "nodemanager",
    "serving-redis",
    "serving-zookeeper",
    "namenode",
    "datanode",
    "spark-worker",
}
"""Modules no entry point may open: reached from inside the party only."""


def loaded(directory: Path, stack: str) -> Any:
    raw = read_stack_file(directory / f"Pulumi.{stack}.yaml", stack, EXAMPLE_PASSPHRASE)
    return load_stack_config(raw, stack).config


@pytest.mark.chart
@pytest.mark.parametrize(("directory", "stack"), EXAMPLES)
def test_each_entry_point_opens_the_pods_and_ports_of_its_service(
    directory: Path, stack: str
) -> None:
    cfg = loaded(directory, stack)
    releases = render_stack(cfg, chart_source())
    for _, part in parts(cfg):
        # Every release in the part's namespace (an exchange's serving proxy shares it).
        objects = [o for r in releases if r.namespace == part.k8s_namespace for o in r.objects()]
        services = [o for o in objects if o["kind"] == "Service"]
        pods = [o for o in objects if o["kind"] in ("Deployment", "StatefulSet")]
        opened = entry_points(part)
        assert opened, stack
        for module, ranges in opened.items():
            assert module not in INSIDE_ONLY
            behind = [
                s for s in services if s["spec"].get("selector", {}).get(MODULE_LABEL) == module
            ]
            assert behind, (stack, module)
            # The ports opened are ports of those Services, whose pods listen on them.
            served = {p.get("targetPort", p["port"]) for s in behind for p in s["spec"]["ports"]}
            assert {first for first, _ in ranges} <= served, (stack, module, ranges, served)

        # ...and everything reached from outside is opened: every Ingress's backend, and
        # every port of a Service exposed as NodePort or LoadBalancer.
        def is_open(
            service: str, port: int, services: list[Any] = services, opened: Any = opened
        ) -> bool:
            [found] = [s for s in services if s["metadata"]["name"] == service]
            module = found["spec"]["selector"][MODULE_LABEL]
            return any(a <= port <= b for a, b in opened.get(module, ()))

        for ingress in (o for o in objects if o["kind"] == "Ingress"):
            for rule in ingress["spec"]["rules"]:
                for path in rule["http"]["paths"]:
                    backend = path["backend"]["service"]
                    if backend["name"] == "notebook" and "client" not in opened:
                        continue  # no password: it stays inside (its own test below)
                    assert is_open(backend["name"], backend["port"]["number"]), (stack, backend)
        for service in services:
            if service["spec"].get("type") in ("NodePort", "LoadBalancer"):
                name = service["metadata"]["name"]
                for port in service["spec"]["ports"]:
                    if name == "serving-proxy" and port["port"] == 8879:
                        continue  # the proxy's in-cluster port, which the chart exposes too
                    if name == "fateflow-client" and not part.networkPolicy.openFateflow:
                        # fateflow answers the party and its ingress controller only
                        inner = kind_of(part).inner_points(part)["python"]
                        assert (port["port"], port["port"]) in inner, (stack, port)
                        continue
                    assert is_open(name, port["port"]), (stack, name, port)
            workloads = [
                w
                for w in pods
                if w["spec"]["template"]["metadata"]["labels"].get(MODULE_LABEL) == module
            ]
            assert workloads, (stack, module)


def test_the_notebook_is_opened_beyond_its_namespace_only_with_a_password() -> None:
    bare = load_party_config(party(client=None, allowNotebookWithoutPassword=True), "party10000")
    assert "client" not in entry_points(bare.config)
    [note] = [n for n in bare.notes if n.startswith("fate:allowNotebookWithoutPassword")]
    assert "its NetworkPolicy keeps its port inside the namespace" in note
    hashed = {"notebook_hashed_password": Secret("sha1:ab:" + "0" * 40, True)}
    with_password = load_party_config(party(client=hashed), "party10000")
    assert entry_points(with_password.config)["client"] == ((20000, 20000),)
    assert not any("notebook_hashed_password" in n for n in with_password.notes)


def test_a_party_opens_its_gateway_and_ingresses_and_nothing_else() -> None:
    hashed = {"notebook_hashed_password": Secret("sha1:ab:" + "0" * 40, True)}
    cfg = load_party_config(party(client=hashed), "party10000").config
    assert entry_points(cfg) == {
        "client": ((20000, 20000),),
        "fateboard": ((8080, 8080),),
        "rollsite": ((9370, 9370),),
    }
    policies = {p["metadata"]["name"]: p for p in network_policies(cfg)}
    assert set(policies) == {
        "fate-same-party",
        "fate-entry-client",
        "fate-entry-fateboard",
        "fate-inner-python",
        "fate-entry-rollsite",
    }
    # fateflow's APIs: the party's own pods and the ingress controller's namespace only
    fateflow = policies["fate-inner-python"]["spec"]
    assert fateflow["ingress"] == [
        {
            "from": [
                {"podSelector": {}},
                {
                    "namespaceSelector": {
                        "matchExpressions": [
                            {"key": NAME_LABEL, "operator": "In", "values": ["ingress-nginx"]}
                        ]
                    }
                },
            ],
            "ports": [{"protocol": "TCP", "port": 9360}, {"protocol": "TCP", "port": 9380}],
        }
    ]
    opened = load_party_config(party(networkPolicy={"openFateflow": True}), "p").config
    assert entry_points(opened)["python"] == ((9360, 9360), (9380, 9380))
    assert "fate-inner-python" not in {p["metadata"]["name"] for p in network_policies(opened)}
    same = policies["fate-same-party"]["spec"]
    # FATE's pods (whatever else shares an adopted namespace keeps its own rules).
    assert same["podSelector"] == {
        "matchExpressions": [{"key": MODULE_LABEL, "operator": "Exists"}]
    }
    assert same["ingress"] == [{"from": [{"podSelector": {}}]}]
    rollsite = policies["fate-entry-rollsite"]["spec"]
    assert rollsite["podSelector"] == {"matchLabels": {MODULE_LABEL: "rollsite"}}
    assert rollsite["ingress"] == [{"ports": [{"protocol": "TCP", "port": 9370}]}]
    assert all(p["metadata"]["namespace"] == "fate-10000" for p in policies.values())


def test_a_partys_two_clusters_reach_each_other_by_namespace_name() -> None:
    cfg = loaded(PROJECT_DIR / "examples" / "serving", "party9999")
    [training, serving] = [part for _, part in parts(cfg)]
    [same] = [p for p in network_policies(training) if p["metadata"]["name"] == "fate-same-party"]
    assert same["spec"]["ingress"][0]["from"][1] == {
        "namespaceSelector": {
            "matchExpressions": [
                {"key": NAME_LABEL, "operator": "In", "values": ["fate-serving-9999"]}
            ]
        }
    }
    [back] = [p for p in network_policies(serving) if p["metadata"]["name"] == "fate-same-party"]
    assert back["spec"]["ingress"][0]["from"][1]["namespaceSelector"]["matchExpressions"][0][
        "values"
    ] == ["fate-train-9999"]
    assert entry_points(serving) == {
        "serving-admin": ((8350, 8350),),
        "serving-proxy": ((8059, 8059), (8869, 8869)),
        "serving-server": ((8000, 8000),),
    }


def test_isolation_is_an_opt_out() -> None:
    cfg = load_party_config(party(networkPolicy={"enabled": False}), "party10000").config
    assert network_policies(cfg) == []


def test_a_serving_cluster_in_its_own_stack_lets_its_training_cluster_in_when_told() -> None:
    cfg = load_party_config(
        party(networkPolicy={"allowFrom": ["fate-serving-10000"]}), "party10000"
    ).config
    [same] = [p for p in network_policies(cfg) if p["metadata"]["name"] == "fate-same-party"]
    assert same["spec"]["ingress"][0]["from"][1]["namespaceSelector"]["matchExpressions"][0][
        "values"
    ] == ["fate-serving-10000"]


def test_spark_executors_elsewhere_reach_the_driver_port_ranges() -> None:
    spark = {
        "type": "NodePort",
        "httpNodePort": 30107,
        "grpcNodePort": 30102,
        "spark": {
            "driverHost": "192.168.10.1",
            "driverHostType": "NodePort",
            "portMaxRetries": 4,
            "driverStartPort": 30200,
            "blockManagerStartPort": 30300,
        },
    }
    cfg = load_party_config(party(python=spark), "party10000").config
    python = {p["metadata"]["name"]: p for p in network_policies(cfg)}["fate-entry-python"]
    assert python["spec"]["ingress"][0]["ports"] == [
        {"protocol": "TCP", "port": 30200, "endPort": 30203},
        {"protocol": "TCP", "port": 30300, "endPort": 30303},
    ]


def test_validate_says_when_fateflow_is_opened_or_published_but_closed() -> None:
    published = {"type": "NodePort", "httpNodePort": 30107, "grpcNodePort": 30102}
    notes = load_party_config(party(python=published), "p").notes
    assert any("fateflow's Service is published" in n and "ingress-nginx" in n for n in notes)
    opened = party(python=published, networkPolicy={"openFateflow": True})
    notes = load_party_config(opened, "p").notes
    assert any(n.startswith("fate:networkPolicy.openFateflow: fateflow's APIs") for n in notes)
