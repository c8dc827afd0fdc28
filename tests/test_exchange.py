"""The exchange stack: config, KubeFATE equivalence, and routes built from its members."""

from __future__ import annotations

from typing import Any

import pytest

from fate_iac import yamlio
from fate_iac.charts import chart_archive, resolve_chart
from fate_iac.config import ExchangeConfig
from fate_iac.federation import FederationRecord, exchange_routes, serving_routes
from fate_iac.kubefate import import_cluster_yaml, kubefate_render
from fate_iac.loader import load_exchange_config, load_stack_config
from fate_iac.problems import ConfigError
from fate_iac.render import render_stack
from tests.conftest import example
from tests.test_kubefate_equivalence import assert_same_objects, by_name


def exchange(**overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "chartName": "fate-exchange",
        "publicHost": "192.168.0.1",
        "rollsite": {"type": "NodePort", "nodePort": 30000},
        "members": ["party9999", "party10000"],
    }
    raw.update(overrides)
    return raw


@pytest.mark.chart
@pytest.mark.parametrize("name", ["rollsite.yaml", "trafficServer.yaml"])
def test_kubefate_exchange_examples_render_the_same_objects(name: str, charts: str) -> None:
    document = yamlio.load(example(f"v1.11.2/party-exchange/{name}").read_text())
    chart = resolve_chart("fate-exchange", document["chartVersion"], charts)
    expected = by_name([m.object for m in kubefate_render(document, chart_archive(chart))])
    imported = import_cluster_yaml(document)
    assert not imported.problems
    loaded = load_stack_config(imported.config, "exchange")
    assert isinstance(loaded.config, ExchangeConfig)
    assert any("no effect" in note for note in loaded.notes)  # persistence/istio
    [release] = render_stack(loaded.config, charts)
    actual = by_name(release.objects())
    assert len(expected) >= 2
    assert_same_objects(expected, actual)


def test_exchange_is_recognised_by_its_chart_name() -> None:
    loaded = load_stack_config(exchange(), "exchange")
    assert isinstance(loaded.config, ExchangeConfig)
    assert loaded.config.member_stacks == ["party9999", "party10000"]


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"modules": ["nginx"]}, "modules"),
        ({"modules": []}, "modules"),
        ({"rollsite": {"type": "NodePort", "nodePort": 80}}, "nodeport-range"),
        ({"rollsite": {"type": "NodePort"}}, "nodeport-required"),
        ({"members": ["party9999", "party9999"]}, "members"),
        ({"colour": "red"}, "unknown-key"),
        # static records are routed at validation: a Spark party on a rollsite exchange
        ({"members": [{"partyId": 9999, "protocols": ["spark-pulsar"]}]}, "routes"),
        ({"members": [{"partyId": 9999, "endpoints": {}}]}, "routes"),
    ],
)
def test_exchange_rules(overrides: dict[str, Any], rule: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_exchange_config(exchange(**overrides), "exchange")
    assert [p.rule for p in caught.value.problems] == [rule]


def party(party_id: int, host: str, port: int, **extra: Any) -> FederationRecord:
    return FederationRecord.model_validate(
        {"partyId": party_id, "endpoints": {"rollsite": {"host": host, "port": port}}, **extra}
    )


def test_rollsite_exchange_routes_every_eggroll_member() -> None:
    routes = exchange_routes(
        [{"partyId": 8888, "partyIp": "10.0.0.8", "partyPort": 30081}],
        [],
        {},
        [("party9999", party(9999, "192.168.9.1", 30091)), ("party10000", None)],
        spark=False,
    )
    assert routes.party_list == [
        {"partyId": 8888, "partyIp": "10.0.0.8", "partyPort": 30081},
        {"partyId": 9999, "partyIp": "192.168.9.1", "partyPort": 30091},
    ]
    assert routes.waiting == ["party10000"] and routes.problems == []


def spark_party(party_id: int, host: str, base: int = 30090) -> FederationRecord:
    """A Spark party on KubeFATE's example NodePorts (3009x for 9999, 3010x for 10000)."""
    return FederationRecord.model_validate(
        {
            "partyId": party_id,
            "protocols": ["spark-pulsar"],
            "endpoints": {
                "pulsar": {
                    "host": host,
                    "port": base + 4,
                    "tlsPort": base + 9,
                    "domain": "fate.org",
                },
                "nginxHttp": {"host": host, "port": base + 3},
                "nginxGrpc": {"host": host, "port": base + 8},
                "fateflowHttp": {"host": host, "port": base + 7},
                "fateflowGrpc": {"host": host, "port": base + 2},
            },
        }
    )


@pytest.mark.chart
def test_member_records_render_kubefate_hand_written_route_tables(charts: str) -> None:
    """KubeFATE's exchange example types every party's SNI and nginx routes by hand; the
    same parties given as federation records (as their stacks would publish them) render
    the same objects, offline."""
    document = yamlio.load(example("v1.11.2/party-exchange/trafficServer.yaml").read_text())
    chart = resolve_chart("fate-exchange", document["chartVersion"], charts)
    expected = by_name([m.object for m in kubefate_render(document, chart_archive(chart))])
    config = import_cluster_yaml(document).config
    del config["trafficServer"]["route_table"], config["nginx"]["route_table"]
    config["members"] = [
        spark_party(10000, "192.168.10.1", 30100).model_dump(exclude_none=True),
        spark_party(9999, "192.168.9.1").model_dump(exclude_none=True),
    ]
    loaded = load_stack_config(config, "exchange")
    [release] = render_stack(loaded.config, charts)
    assert_same_objects(expected, by_name(release.objects()))


def test_traffic_server_exchange_routes_spark_members_by_sni_and_nginx() -> None:
    routes = exchange_routes([], [], {}, [("p9999", spark_party(9999, "192.168.9.1"))], spark=True)
    assert routes.sni == [{"fqdn": "9999.fate.org", "tunnelRoute": "192.168.9.1:30099"}]
    assert routes.nginx == {
        9999: {
            "proxy": [{"host": "192.168.9.1", "http_port": 30093, "grpc_port": 30098}],
            "fateflow": [{"host": "192.168.9.1", "http_port": 30097, "grpc_port": 30092}],
        }
    }


def test_spark_member_of_a_rollsite_exchange_is_a_problem() -> None:
    routes = exchange_routes([], [], {}, [("p9999", spark_party(9999, "h"))], spark=False)
    assert routes.party_list == [] and "routes eggroll only" in routes.problems[0]


SERVING_LIST = [{"partyId": 9999, "partyIp": "192.168.9.1", "partyPort": 30309}]


@pytest.mark.chart
def test_serving_exchange_renders_what_kubefate_renders(charts: str) -> None:
    """KubeFATE deploys a serving exchange as a fate-serving cluster with servingProxy
    alone; here it is the exchange stack's servingProxy section. Its default route is
    itself, as a KubeFATE user gets it by naming it as the exchange (else KubeFATE's
    routes unknown parties to the chart's example exchange, 192.168.0.1:30100)."""
    itself = {"ip": "serving-proxy", "port": 8869}
    kubefate_cluster = {
        "name": "fate-exchange-serving",
        "namespace": "fate-exchange",
        "chartName": "fate-serving",
        "chartVersion": "v2.1.6",
        "partyId": 1,
        "registry": "",
        "modules": ["servingProxy"],
        "servingProxy": {
            "type": "NodePort",
            "nodePort": 30006,
            "partyList": SERVING_LIST,
            "exchange": itself,
        },
    }
    serving_chart = resolve_chart("fate-serving", "v2.1.6", charts)
    expected = by_name(
        [m.object for m in kubefate_render(kubefate_cluster, chart_archive(serving_chart))]
    )
    proxy = {"type": "NodePort", "nodePort": 30006, "partyList": SERVING_LIST}
    cfg = load_exchange_config(exchange(servingProxy=proxy), "exchange").config
    releases = render_stack(cfg, charts)
    assert [r.name for r in releases] == ["fate-exchange", "fate-exchange-serving"]
    assert ("Service", "serving-proxy") in expected
    assert_same_objects(expected, by_name(releases[1].objects()))


def test_serving_routes_come_from_members_serving_proxies() -> None:
    member = FederationRecord.model_validate(
        {
            "partyId": 10000,
            "protocols": ["eggroll", "serving"],
            "endpoints": {"servingProxy": {"host": "192.168.10.1", "port": 30409}},
        }
    )
    routes = serving_routes(SERVING_LIST, [("party10000", member), ("party8888", None)])
    assert routes == [
        *SERVING_LIST,
        {"partyId": 10000, "partyIp": "192.168.10.1", "partyPort": 30409},
    ]


def test_exchange_with_serving_proxy_installs_a_second_release() -> None:
    from fate_pulumi import Exchange
    from tests.pulumi_mocks import run_with_mocks

    cfg = load_exchange_config(
        exchange(servingProxy={"type": "NodePort", "nodePort": 30006}, members=[]), "exchange"
    ).config
    repo = "https://federatedai.github.io/KubeFATE"
    recorder = run_with_mocks(
        lambda: Exchange("fate-exchange", cfg, {}, repo),
        "exchange",
    )
    releases = {r.name: r.inputs for r in recorder.of_type("kubernetes:helm.sh/v3:Release")}
    serving = releases["fate-exchange-serving"]
    assert (serving["chart"], serving["version"], serving["name"]) == (
        "fate-serving",
        "v2.1.6",
        "fate-exchange-serving",
    )
    assert serving["values"]["servingProxy"]["nodePort"] == 30006
    assert serving["values"]["servingServer"] == {"include": False}
