"""The typed configuration: defaults, older spellings, and one failing input per rule."""

from __future__ import annotations

from typing import Any

import pytest

from fate_iac.config import PartyConfig
from fate_iac.loader import load_party_config
from fate_iac.secrets import Secret
from tests.conftest import party
from tests.helpers import only_problem, problems_of


def test_a_valid_party_loads_with_kubefate_defaults() -> None:
    cfg = load_party_config(party(), "party10000").config
    assert cfg.release_name == "fate-10000"
    assert cfg.k8s_namespace == "fate-10000"
    assert cfg.chartVersion == "v1.11.2"
    assert cfg.modules == [
        "rollsite",
        "clustermanager",
        "nodemanager",
        "mysql",
        "python",
        "fateboard",
        "client",
    ]
    assert (cfg.computing, cfg.federation, cfg.storage) == ("Eggroll", "Eggroll", "Eggroll")
    assert cfg.release.timeout == 900 and cfg.release.atomic is False


def test_stack_file_strings_are_coerced_like_the_engine_delivers_them() -> None:
    raw = party(partyId="10000", persistence="false")
    raw["rollsite"] = {**raw["rollsite"], "nodePort": "30101"}
    cfg = load_party_config(raw, "s").config
    assert cfg.partyId == 10000 and cfg.persistence is False
    assert cfg.rollsite is not None and cfg.rollsite.nodePort == 30101


def test_chart_version_without_v_is_normalised() -> None:
    assert load_party_config(party(chartVersion="1.10.0"), "s").config.chartVersion == "v1.10.0"


def test_error_names_stack_key_path_and_rule() -> None:
    problem = only_problem(party(partyId=-3, name="fate-x", namespace="fate-x"))
    assert problem.path == ("partyId",)
    assert problem.rule == "party-id"
    assert problem.render("party10000") == (
        "stack party10000: fate:partyId: partyId must be a positive integer up to "
        "2147483647, got -3 [party-id]"
    )


@pytest.mark.parametrize(
    ("overrides", "path", "rule"),
    [
        ({"partyId": 0, "name": "a", "namespace": "a"}, ("partyId",), "party-id"),
        ({"name": "Fate_10000"}, ("name",), "dns-label"),
        ({"name": "f" * 54}, ("name",), "dns-label"),
        ({"namespace": "-fate"}, ("namespace",), "dns-label"),
        ({"chartVersion": "v1.5.0"}, ("chartVersion",), "chart-version"),
        ({"chartName": "fate-serving"}, ("chartName",), "kind"),
        ({"servingPort": 70000}, ("servingPort",), "port-range"),
        ({"externalMysqlPort": 0}, ("externalMysqlPort",), "port-range"),
        ({"colour": "blue"}, ("colour",), "unknown-key"),
        (
            {"mysql": {"password": Secret("x", True), "sise": "1Gi"}},
            ("mysql", "sise"),
            "unknown-key",
        ),
        ({"nodemanager": {"size": "lots"}}, ("nodemanager", "size"), "quantity"),
        ({"pullPolicy": "Sometimes"}, ("pullPolicy",), "allowed-values"),
    ],
)
def test_single_key_rules(overrides: dict[str, Any], path: tuple[Any, ...], rule: str) -> None:
    problem = only_problem(party(**overrides))
    assert (problem.path, problem.rule) == (path, rule)


def test_party_list_port_out_of_range_names_the_entry() -> None:
    raw = party()
    raw["rollsite"] = {
        **raw["rollsite"],
        "partyList": [{"partyId": 9999, "partyIp": "192.168.9.1", "partyPort": 99999}],
    }
    problem = only_problem(raw)
    assert problem.path == ("rollsite", "partyList", 0, "partyPort")
    assert problem.rule == "port-range"


def test_unknown_module_is_refused() -> None:
    problem = only_problem(party(modules=["rollsite", "hadoop"]))
    assert problem.path == ("modules", 1) and problem.rule == "allowed-values"


def test_an_unreadable_secret_is_still_a_secret() -> None:
    raw = party(mysql={"password": {"secure": "v1:abc:def"}})
    cfg = load_party_config(raw, "s").config
    assert cfg.mysql is not None and cfg.mysql.password == Secret(None, secure=True)


def test_single_key_messages_quote_the_offending_value() -> None:
    """The message names the value it refuses (pydantic formats {value}, not {value!r})."""
    [problem] = problems_of(party(name="Not_A_Label"))
    assert problem.message.startswith("'Not_A_Label' is not a DNS-1123 label")
    [problem] = problems_of(party(python={"resources": {"requests": {"cpu": "lots"}}}))
    assert problem.message.startswith("'lots' is not a Kubernetes quantity")


def test_every_problem_is_reported_together() -> None:
    raw = party(
        name="Not_A_Label",
        servingPort=0,
        bogus=1,
    )
    shape = problems_of(raw)
    assert {p.rule for p in shape} == {"dns-label", "port-range", "unknown-key"}

    raw = party(
        computing="Eggroll",
        federation="RabbitMQ",
        persistence=True,
        mysql={"password": "clear"},
        python={"type": "NodePort", "httpNodePort": 30101},
    )
    rules = [p.rule for p in problems_of(raw)]
    assert rules == [
        "modules",
        "nodeport-unique",
        "nodeport-required",
        "persistence",
        "persistence",
        "persistence",
        "persistence",
        "secret",
    ]


def test_legacy_spellings_are_carried_over_with_a_note() -> None:
    raw = party(backend="eggroll", nodemanager={"count": 3})
    for key in ("computing", "federation", "storage"):
        raw.pop(key, None)
    loaded = load_party_config(raw, "s")
    assert loaded.config.computing == "Eggroll"
    assert loaded.config.nodemanager is not None and loaded.config.nodemanager.replicas == 3
    assert any("backend" in note for note in loaded.notes)
    assert any("nodemanager.count" in note for note in loaded.notes)


@pytest.mark.parametrize(
    ("overrides", "path", "fragment"),
    [
        ({"backend": "eggroll", "computing": "Spark"}, ("computing",), "remove backend"),
        ({"nodemanager": {"list": [{"name": "nm"}]}}, ("nodemanager", "list"), "replicas"),
        ({"nginx": {"nodePort": 30093}}, ("nginx", "nodePort"), "nginx.grpcNodePort"),
        (
            {"nginx": {"route_table": {10000: {"proxy": [{"host": "h", "port": 30103}]}}}},
            ("nginx", "route_table", 10000, "proxy"),
            "http_port and grpc_port",
        ),
        ({"python": {"nginx": {"port": 9390}}}, ("python", "nginx", "port"), "http_port"),
        ({"lbrollsite": {"type": "NodePort"}}, ("lbrollsite",), "exchange"),
    ],
)
def test_legacy_spellings_that_cannot_apply_are_refused(
    overrides: dict[str, Any], path: tuple[str, ...], fragment: str
) -> None:
    problems = problems_of(party(**overrides))
    assert any(p.path == path and fragment in p.message for p in problems), problems


def test_spark_sections_of_an_eggroll_party_are_advised_not_deployed() -> None:
    """KubeFATE renders them with include: false; here they are said to be unused."""
    raw = party(
        spark={"master": {"replicas": 1}},
        nginx={"type": "NodePort", "httpNodePort": 30093, "grpcNodePort": 30098},
    )
    loaded = load_party_config(raw, "s")
    assert loaded.kind.tag == "eggroll"
    assert "fate:spark is configured but spark is not in fate:modules" in loaded.notes
    assert "fate:nginx is configured but nginx is not in fate:modules" in loaded.notes


def test_v1_5_spark_spellings_are_carried_over_with_a_note() -> None:
    raw = party(
        backend="spark",
        modules=None,
        rollsite=None,
        allowDefaultCredentials=True,
        spark={"master": {"cpu": "1", "memory": "2Gi"}, "worker": {"cpu": "2"}},
        python={
            "type": "NodePort",
            "httpNodePort": 30107,
            "grpcNodePort": 30102,
            "spark": {"home": "/opt/spark"},
            "rabbitmq": {"route_table": "x.yaml"},
        },
    )
    loaded = load_party_config(raw, "s")
    cfg = loaded.config
    assert (cfg.computing, cfg.federation, cfg.storage) == ("Spark", "RabbitMQ", "HDFS")
    assert loaded.kind.tag == "spark" and "rabbitmq" in cfg.modules
    assert cfg.spark and cfg.spark.master and cfg.spark.master.resources
    assert cfg.spark.master.resources.requests == {"cpu": "1", "memory": "2Gi"}
    assert cfg.python and cfg.python.spark and not cfg.python.spark.model_fields_set
    notes = " ".join(loaded.notes)
    for fragment in ("backend: spark", "spark.master.cpu/memory", "SPARK_HOME", "route_table"):
        assert fragment in notes


def test_missing_public_host_is_advised_not_refused() -> None:
    raw = party()
    raw.pop("publicHost")
    loaded = load_party_config(raw, "s")
    assert any("publicHost" in note for note in loaded.notes)


def test_config_is_immutable() -> None:
    cfg = load_party_config(party(), "s").config
    with pytest.raises(ValueError):
        cfg.partyId = 1  # type: ignore[misc]
    assert isinstance(cfg, PartyConfig)
