"""FATE on Spark: the config and rules of a Spark party, its routes and federation
record, its component under Pulumi's mocks, and its routes through the real chart."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fate_iac.endpoints import BROKER_SELF_ROUTES
from fate_iac.federation import FederationRecord, spark_party_routes
from fate_iac.federation_check import Member, check_federation
from fate_iac.loader import load_party_config, load_stack_config
from fate_iac.problems import ConfigError, Problem
from fate_iac.render import render_stack
from fate_iac.secrets import Secret
from tests.conftest import NOTEBOOK_HASH
from tests.helpers import NGINX, PULSAR, spark
from tests.pulumi_mocks import Recorder, run_program, unwrap_secret

OWN_PULSAR = BROKER_SELF_ROUTES["pulsar"]


def problems_of(raw: dict[str, Any]) -> list[Problem]:
    with pytest.raises(ConfigError) as caught:
        load_party_config(raw, "party9999")
    return list(caught.value.problems)


def record(party_id: int, host: str, base: int, protocol: str = "spark-pulsar") -> dict[str, Any]:
    """What a FateSparkCluster stack publishes, on KubeFATE's example NodePorts."""
    broker = (
        {"pulsar": {"host": host, "port": base + 4, "tlsPort": base + 9, "domain": "fate.org"}}
        if protocol == "spark-pulsar"
        else {"rabbitmq": {"host": host, "port": base + 4}}
    )
    return {
        "schemaVersion": "1.0",
        "kind": "party",
        "stack": f"party{party_id}",
        "partyId": party_id,
        "protocols": [protocol],
        "endpoints": {
            "nginxHttp": {"host": host, "port": base + 3},
            "nginxGrpc": {"host": host, "port": base + 8},
            **broker,
        },
    }


# --- config and rules -----------------------------------------------------------------


def test_a_spark_party_loads_as_its_own_kind_with_the_modules_its_engines_need() -> None:
    loaded = load_party_config(spark(), "party9999")
    assert loaded.kind.tag == "spark" and loaded.kind.component == "FateSparkCluster"
    assert loaded.config.modules == [
        "python",
        "mysql",
        "fateboard",
        "client",
        "spark",
        "hdfs",
        "nginx",
        "pulsar",
    ]
    local = load_party_config(spark(computing="Spark_local", storage="LocalFS"), "p").config
    assert local.modules == ["python", "mysql", "fateboard", "client", "nginx", "pulsar"]


@pytest.mark.parametrize(
    ("overrides", "path", "fragment"),
    [
        ({"federation": "Eggroll"}, ("federation",), "Pulsar or RabbitMQ, not Eggroll"),
        ({"computing": "Spark_local"}, ("storage",), "storage: LocalFS, not HDFS"),
        (
            {"modules": ["python", "mysql", "spark", "hdfs", "nginx", "pulsar", "rabbitmq"]},
            ("modules",),
            "module rabbitmq belongs to FATE on Spark (federation: RabbitMQ)",
        ),
        (
            {"modules": ["python", "mysql", "spark", "hdfs", "nginx", "pulsar", "rollsite"]},
            ("modules",),
            "module rollsite belongs to FATE 1.x on eggroll",
        ),
        (
            {"modules": ["python", "mysql", "spark", "nginx", "pulsar"]},
            ("modules",),
            "needs module hdfs (or an external one: python.hdfs.name_node)",
        ),
        (
            {"modules": ["python", "mysql", "spark", "hdfs", "pulsar"]},
            ("modules",),
            "needs module nginx",
        ),
        (
            {"pulsar": {**PULSAR, "httpsNodePort": 30093}},
            ("pulsar", "httpsNodePort"),
            "already used by fate:nginx.httpNodePort",
        ),
        (
            {"spark": {"master": {"type": "NodePort", "nodePort": 40000}}},
            ("spark", "master", "nodePort"),
            "outside the cluster's NodePort range",
        ),
        (
            {"hdfs": {"namenode": {"type": "NodePort"}}},
            ("hdfs", "namenode", "nodePort"),
            "hdfs.namenode.type is NodePort",
        ),
        (
            {"nginx": {**NGINX, "route_table": {9999: {"proxy": []}}}},
            ("nginx", "route_table", 9999),
            "this party",
        ),
        (
            {
                "exchangeStack": "exchange",
                "pulsar": {**PULSAR, "exchange": {"ip": "h", "port": 30000}},
            },
            ("exchangeStack",),
            "pulsar.exchange",
        ),
        (
            {
                "peers": [
                    {
                        "partyId": 10000,
                        "protocols": ["spark-pulsar"],
                        "endpoints": {"nginxHttp": {"host": "h", "port": 1}},
                    }
                ]
            },
            ("peers", 0, "endpoints"),
            "missing nginxGrpc, pulsar",
        ),
        (
            {"chartVersion": "v1.10.0", "algorithm": "ALL"},
            ("algorithm",),
            "algorithm: ALL needs the fate chart v1.11.2",
        ),
        ({"chartVersion": "v1.11.1", "device": "GPU"}, ("device",), "v1.11.2 or later"),
        (
            {"chartVersion": "v1.9.2", "python": {"hive": {"host": "hive"}}},
            ("python", "hive"),
            "v1.10.0 or later",
        ),
        (
            {"python": {"rabbitmq": {"password": "plain"}}},
            ("python", "rabbitmq", "password"),
            "Pulumi secrets",
        ),
    ],
)
def test_spark_rules(overrides: dict[str, Any], path: tuple[Any, ...], fragment: str) -> None:
    problems = problems_of(spark(**overrides))
    assert any(p.path == path and fragment in p.message for p in problems), problems


def test_a_fateflow_link_written_in_part_is_refused() -> None:
    """The template writes every key of python.pulsar once it exists: an external
    Pulsar given by host alone would leave fateflow without its ports."""
    raw = spark(
        modules=["python", "mysql", "spark", "hdfs", "nginx"],
        pulsar=None,
        python={"pulsar": {"host": "pulsar.example.org"}},
    )
    [problem] = problems_of(raw)
    assert problem.path == ("python", "pulsar") and problem.rule == "fateflow-link"
    assert "set port, mng_port too" in problem.message
    raw["python"]["pulsar"].update(port=6650, mng_port=8080)
    assert load_party_config(raw, "p").config.python is not None


def test_spark_driver_ports_are_node_ports_when_its_service_is_exposed() -> None:
    link = {
        "portMaxRetries": 3,
        "driverHost": "fateflow-sparkdriver",
        "driverHostType": "NodePort",
        "driverStartPort": 30096,
        "blockManagerStartPort": 31000,
    }
    python = {"type": "NodePort", "httpNodePort": 30097, "grpcNodePort": 30092, "spark": link}
    problems = problems_of(spark(python=python))
    assert [(p.path[-1], p.rule, p.message.split(" is ")[0]) for p in problems] == [
        ("driverStartPort", "nodeport-unique", "NodePort 30097"),
        ("driverStartPort", "nodeport-unique", "NodePort 30098"),
    ]
    link["driverStartPort"] = None
    [problem] = problems_of(spark(python=python))
    assert problem.message.startswith(
        "fate:python.spark.driverHostType is NodePort: set driverStart"
    )


def test_route_hosts_must_be_addresses() -> None:
    route = {"fateflow": [{"host": "not a host!", "http_port": 30103, "grpc_port": 30108}]}
    problems = problems_of(spark(nginx={**NGINX, "route_table": {10000: route}}))
    assert [p.rule for p in problems] == ["host"]
    assert "'not a host!' is neither an IP address nor a DNS name" in problems[0].message


def test_a_public_nginx_without_public_host_is_advised() -> None:
    raw = spark()
    raw.pop("publicHost")
    notes = load_party_config(raw, "p").notes
    assert any("federation endpoint (nginx) has no host" in note for note in notes)


def test_spark_rules_are_reported_together_with_the_stack_and_key() -> None:
    modules = ["python", "mysql", "spark", "nginx", "rabbitmq"]
    raw = spark(
        federation="RabbitMQ",
        modules=modules,
        pulsar=None,
        exchangeStack="exchange",
        rabbitmq={"type": "NodePort", "nodePort": 30097},
    )
    with pytest.raises(ConfigError) as caught:
        load_party_config(raw, "party9999")
    report = caught.value.report()
    assert report.startswith("stack party9999:")
    for fragment in (
        "fate:modules",
        "needs module hdfs",
        "fate:rabbitmq.nodePort",
        "fate:exchangeStack: federation: RabbitMQ cannot go through an exchange",
        "fate:rabbitmq: the fate chart's RabbitMQ broker logs in as fate/fate",
    ):
        assert fragment in report


def test_rabbitmq_login_is_the_charts_fixed_one_only_when_opted_in() -> None:
    base = spark(
        federation="RabbitMQ",
        pulsar=None,
        allowDefaultCredentials=True,
        rabbitmq={"type": "NodePort", "nodePort": 30094},
    )
    assert load_party_config(base, "p").config.protocol == "spark-rabbitmq"
    link = {
        "host": "rabbitmq",
        "port": 5672,
        "mng_port": 15672,
        "user": "admin",
        "password": Secret("xyzzy-pw", secure=True),
    }
    problems = problems_of({**base, "python": {"rabbitmq": link}})
    assert [(p.path[-1], p.rule) for p in problems] == [
        ("user", "rabbitmq-login"),
        ("password", "rabbitmq-login"),
    ]
    assert not any("xyzzy-pw" in p.message for p in problems)
    external = spark(
        federation="RabbitMQ",
        pulsar=None,
        modules=["python", "mysql", "spark", "hdfs", "nginx"],
        python={
            "rabbitmq": {"host": "mq.example.org", "port": 5672, "mng_port": 15672, "user": "fate"}
        },
    )
    problems = problems_of(external)
    assert [p.path for p in problems] == [
        ("python", "rabbitmq"),
        ("python", "rabbitmq", "password"),
    ]
    assert "set password too" in problems[0].message


# --- routes and records ---------------------------------------------------------------


def test_peers_fill_the_nginx_and_broker_route_tables() -> None:
    peer = FederationRecord.model_validate(record(10000, "192.168.10.1", 30100))
    routes = spark_party_routes(
        9999, "spark-pulsar", "fate.org", OWN_PULSAR, {}, {}, [("party10000", peer)]
    )
    assert routes.problems == []
    assert routes.nginx == {
        10000: {"fateflow": [{"host": "192.168.10.1", "http_port": 30103, "grpc_port": 30108}]}
    }
    assert routes.broker == {
        9999: {"host": "pulsar", "port": 6650, "sslPort": 6651},
        10000: {"host": "192.168.10.1", "port": 30104, "sslPort": 30109, "proxy": ""},
    }


@pytest.mark.parametrize(
    ("peer", "fragment"),
    [
        (
            record(10000, "h", 30100, "spark-rabbitmq"),
            "speaks spark-rabbitmq; this party speaks spark-pulsar",
        ),
        ({**record(10000, "h", 30100), "protocols": ["eggroll"]}, "speaks eggroll"),
        (record(9999, "h", 30100), "this party itself"),
        ({**record(10000, "h", 30100), "endpoints": {}}, "no nginx or pulsar endpoint"),
    ],
)
def test_a_peer_that_cannot_be_routed_stops_the_update(peer: dict[str, Any], fragment: str) -> None:
    routes = spark_party_routes(
        9999,
        "spark-pulsar",
        "fate.org",
        OWN_PULSAR,
        {},
        {},
        [("party10000", FederationRecord.model_validate(peer))],
    )
    assert routes.nginx == {} and any(fragment in p for p in routes.problems), routes.problems


def test_a_peer_already_in_a_hand_written_broker_table_is_not_overwritten() -> None:
    peer = FederationRecord.model_validate(record(10000, "192.168.10.1", 30100))
    static = {10000: {"host": "10.1.1.1", "port": 6650, "sslPort": 6651}}
    routes = spark_party_routes(
        9999, "spark-pulsar", "fate.org", OWN_PULSAR, {}, static, [("party10000", peer)]
    )
    assert routes.broker == static
    assert routes.problems == ["party 10000 is reached twice (again via party10000)"]


def test_routes_by_stack_name_need_the_partys_own_broker() -> None:
    python = {"pulsar": {"host": "pulsar.example.org", "port": 6650, "mng_port": 8080}}
    raw = spark(
        modules=["python", "mysql", "spark", "hdfs", "nginx"],
        pulsar=None,
        python=python,
        peers=["party10000"],
    )
    [problem] = problems_of(raw)
    assert problem.path == ("peers",) and "own pulsar module" in problem.message
    raw.pop("peers")
    assert load_party_config(raw, "p").config.protocol == "spark-pulsar"


def test_an_external_mysql_leaves_mysql_out_of_the_default_modules() -> None:
    raw = spark(
        externalMysqlIp="db.example.org",
        externalMysqlPassword=Secret("db-pw", secure=True),
        mysql=None,
    )
    assert "mysql" not in load_party_config(raw, "p").config.modules


def test_behind_an_exchange_the_party_sends_to_its_nginx_and_traffic_server() -> None:
    exchange = FederationRecord.model_validate(
        {
            "kind": "exchange",
            "stack": "exchange",
            "partyId": 1,
            "protocols": ["spark-pulsar"],
            "endpoints": {
                "trafficServer": {"host": "192.168.0.1", "port": 30007},
                "nginxHttp": {"host": "192.168.0.1", "port": 30003},
                "nginxGrpc": {"host": "192.168.0.1", "port": 30008},
            },
        }
    )
    routes = spark_party_routes(
        9999, "spark-pulsar", "fate.org", OWN_PULSAR, {}, {}, [], ("exchange", exchange)
    )
    assert routes.nginx_exchange == {"ip": "192.168.0.1", "httpPort": 30003, "grpcPort": 30008}
    assert routes.pulsar_exchange == {"ip": "192.168.0.1", "port": 30007, "domain": "fate.org"}
    rollsite_only = exchange.model_copy(
        update={"endpoints": {"rollsite": exchange.endpoints["trafficServer"]}}
    )
    routes = spark_party_routes(
        9999, "spark-pulsar", "fate.org", OWN_PULSAR, {}, {}, [], ("exchange", rollsite_only)
    )
    assert "has no nginx endpoints" in routes.problems[0]


def test_the_real_chart_renders_routes_from_records(charts: str) -> None:
    cfg = load_party_config(spark(peers=["party10000"], exchangeStack=None), "p").config
    [release] = render_stack(cfg, charts, records={"party10000": record(10000, "10.0.0.2", 30100)})
    objects = {(o["kind"], o["metadata"]["name"]): o for o in release.objects()}
    nginx = objects[("ConfigMap", "nginx-config")]["data"]["route_table.yaml"]
    assert "10000:" in nginx and "host: 10.0.0.2" in nginx and "http_port: 30103" in nginx
    pulsar = objects[("ConfigMap", "pulsar-route-table")]["data"]["pulsar_route_table.yaml"]
    assert "9999:" in pulsar and "sslPort: 30109" in pulsar


def test_the_real_chart_waits_for_the_exchange_without_the_charts_example_address(
    charts: str,
) -> None:
    cfg = load_party_config(spark(exchangeStack="exchange"), "p").config
    [release] = render_stack(cfg, charts, records={})
    objects = {(o["kind"], o["metadata"]["name"]): o for o in release.objects()}
    nginx = objects[("ConfigMap", "nginx-config")]["data"]["route_table.yaml"]
    assert "192.168.10.1" not in nginx  # the chart's example exchange
    pulsar = objects[("ConfigMap", "pulsar-config")]["data"]["standalone.conf"]
    assert "brokerServicePort=6650" in pulsar  # no TLS until the exchange is known


# --- across stacks --------------------------------------------------------------------


def members(**stacks: dict[str, Any]) -> dict[str, Member]:
    return {name: Member(load_stack_config(raw, name).config) for name, raw in stacks.items()}


def test_cross_stack_validation_refuses_what_cannot_federate() -> None:
    from tests.conftest import party

    eggroll = party(partyId=10000, peers=["spark9999"])
    found = check_federation(members(spark9999=spark(peers=["eggroll10000"]), eggroll10000=eggroll))
    assert [(p.stacks, p.rule) for p in found] == [(("eggroll10000", "spark9999"), "protocol")]
    assert "eggroll10000 speaks eggroll and spark9999 speaks spark-pulsar" in found[0].render()

    rollsite_exchange = {
        "chartName": "fate-exchange",
        "publicHost": "10.0.0.1",
        "rollsite": {"type": "NodePort", "nodePort": 30000},
        "members": ["spark9999"],
    }
    found = check_federation(
        members(spark9999=spark(exchangeStack="exchange"), exchange=rollsite_exchange)
    )
    assert [(p.stacks, p.rule) for p in found] == [(("spark9999", "exchange"), "modes")]
    assert "has no trafficServer and nginx" in found[0].message


# --- the component, under Pulumi's mocks ----------------------------------------------


def test_the_program_deploys_a_spark_party_routed_by_stack_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FATE_EXISTING_STACKS", "party9999,party10000")
    raw = spark(peers=["party10000"])
    raw.pop("mysql"), raw.pop("fateboard"), raw.pop("client")
    config = {f"fate:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in raw.items()}
    config["fate:mysql"] = json.dumps({"password": "s3cret-mysql"})
    config["fate:fateboard"] = json.dumps({"username": "board", "password": "s3cret-board"})
    config["fate:client"] = json.dumps({"notebook_hashed_password": NOTEBOOK_HASH})
    recorder = Recorder({"party10000": {"federation": record(10000, "192.168.10.1", 30100)}})
    run_program("party9999", config, ["fate:mysql", "fate:fateboard", "fate:client"], recorder)
    component = recorder.one("fate:index:FateSparkCluster")
    assert component.name == "fate-9999"
    _, values = unwrap_secret(recorder.one("kubernetes:helm.sh/v3:Release").inputs["values"])
    modules = values["modules"]
    assert modules["nginx"]["route_table"]["10000"]["fateflow"][0]["http_port"] == 30103
    assert modules["pulsar"]["route_table"]["10000"]["sslPort"] == 30109
    assert modules["spark"]["include"] and not modules["rollsite"]["include"]
    assert recorder.stacks_read() == ["organization/fate/party10000"]


# --- the shipped Spark example ----------------------------------------------------------


def test_the_spark_example_federation_validates_and_fits_beside_the_eggroll_one() -> None:
    from fate_iac.orchestrator import discover
    from tests.conftest import EXAMPLE_PASSPHRASE, PROJECT_DIR

    example = PROJECT_DIR / "examples" / "spark-pulsar"
    spark_members = discover(example, EXAMPLE_PASSPHRASE)
    assert {n: m.config.kind for n, m in spark_members.items()} == {
        "exchange": "exchange",
        "party9999": "spark",
        "party10000": "spark",
    }
    for path in example.glob("Pulumi.party*.yaml"):
        assert "-mysql" not in path.read_text()  # the example passwords are encrypted
    # One cluster can hold both examples: no namespace or NodePort in common.
    eggroll_members = discover(PROJECT_DIR, EXAMPLE_PASSPHRASE)
    both = {f"spark-{n}": m for n, m in spark_members.items()} | eggroll_members
    clashes = [p for p in check_federation(both) if p.rule in ("namespace", "nodeport")]
    assert clashes == []


def test_status_and_describe_show_a_spark_partys_gateway_and_broker() -> None:
    from fate_iac.describe import endpoints_of
    from fate_iac.orchestrator import status_all

    loaded = load_party_config(spark(), "party9999")
    outputs = loaded.kind.outputs(loaded.config, "party9999")

    class Deployed:
        def exists(self, stack: str) -> bool:
            return True

        def outputs(self, stack: str) -> dict[str, Any]:
            return outputs

    [line] = status_all({"party9999": Member(loaded.config)}, Deployed())  # type: ignore[arg-type]
    assert line.endswith("deployed  nginxHttp 192.168.9.1:30093")
    shown = endpoints_of(outputs)
    assert shown["pulsar"] == "192.168.9.1:30094 (TLS 30099, SNI fate.org)"
    assert shown["spark"] == "spark.example.com"
