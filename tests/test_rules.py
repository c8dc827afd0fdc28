"""The cross-key rules (:mod:`fate_iac.rules`): one failing input per rule, loaded as a
user's stack is, so each problem names the stack, the key path and the rule."""

from __future__ import annotations

from typing import Any

import pytest

from fate_iac.loader import load_party_config
from fate_iac.secrets import Secret
from tests.conftest import party
from tests.helpers import only_problem, problems_of


def test_node_port_outside_the_default_range() -> None:
    raw = party()
    raw["rollsite"] = {**raw["rollsite"], "nodePort": 9370}
    problem = only_problem(raw)
    assert (problem.path, problem.rule) == (("rollsite", "nodePort"), "nodeport-range")
    assert "30000-32767" in problem.message


def test_node_port_range_is_configurable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FATE_SERVICE_NODE_PORT_RANGE", "20000-32767")  # the cluster's, once
    raw = party(nodePortRange="20000-22767")
    problems = problems_of(raw)
    assert {(p.path, p.rule) for p in problems} == {
        (("rollsite", "nodePort"), "nodeport-range"),
        (("python", "httpNodePort"), "nodeport-range"),
        (("python", "grpcNodePort"), "nodeport-range"),
    }
    raw["rollsite"] = {**raw["rollsite"], "nodePort": 20101}
    raw["python"] = {"type": "NodePort", "httpNodePort": 20107, "grpcNodePort": 20102}
    assert load_party_config(raw, "s").config.node_port_range == (20000, 22767)


def test_two_services_on_one_node_port() -> None:
    raw = party(python={"type": "NodePort", "httpNodePort": 30101, "grpcNodePort": 30102})
    problem = only_problem(raw)
    assert (problem.path, problem.rule) == (("python", "httpNodePort"), "nodeport-unique")
    assert "rollsite.nodePort" in problem.message


def test_node_ports_of_cluster_ip_services_do_not_collide() -> None:
    raw = party(python={"type": "ClusterIP", "httpNodePort": 30101, "grpcNodePort": 30102})
    load_party_config(raw, "s")


def test_node_port_service_needs_its_port() -> None:
    raw = party(rollsite={"type": "NodePort"})
    problem = only_problem(raw)
    assert (problem.path, problem.rule) == (("rollsite", "nodePort"), "nodeport-required")


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([{"partyId": 10000, "partyIp": "10.0.0.1", "partyPort": 30101}], "is this party"),
        (
            [
                {"partyId": 9999, "partyIp": "10.0.0.1", "partyPort": 30091},
                {"partyId": 9999, "partyIp": "10.0.0.2", "partyPort": 30091},
            ],
            "listed twice",
        ),
    ],
)
def test_party_list_rules(entries: list[dict[str, Any]], message: str) -> None:
    raw = party()
    raw["rollsite"] = {**raw["rollsite"], "partyList": entries}
    problem = only_problem(raw)
    assert problem.rule == "party-list" and message in problem.message


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"computing": "Spark_local", "federation": "Pulsar", "storage": "HDFS"}, "LocalFS"),
        ({"federation": "RabbitMQ"}, "federation: Eggroll"),
        ({"storage": "HDFS"}, "storage: Eggroll"),
        ({"modules": ["rollsite", "clustermanager", "python", "mysql"]}, "nodemanager"),
        (
            {"modules": ["rollsite", "clustermanager", "nodemanager", "python", "mysql", "spark"]},
            "FATE on Spark",
        ),
        (
            {
                "modules": [
                    "rollsite",
                    "rollsite",
                    "clustermanager",
                    "nodemanager",
                    "python",
                    "mysql",
                ]
            },
            "listed 2 times",
        ),
    ],
)
def test_modules_must_match_the_engines(overrides: dict[str, Any], fragment: str) -> None:
    problem = only_problem(party(**overrides))
    assert problem.rule == "modules" and fragment in problem.message


def test_external_mysql_replaces_the_module() -> None:
    raw = party(
        modules=["rollsite", "clustermanager", "nodemanager", "python", "fateboard", "client"],
        externalMysqlIp="db.example.org",
        externalMysqlPassword=Secret("external-pw", True),
    )
    raw.pop("mysql")
    assert load_party_config(raw, "s").config.uses_external_mysql
    raw["modules"] = [*raw["modules"], "mysql"]
    assert "unused" in only_problem(raw).message


def test_persistence_needs_a_storage_class_or_claim_for_each_stateful_module() -> None:
    raw = party(persistence=True, nodemanager={"storageClass": "fast"})
    raw["mysql"] = {**raw["mysql"], "existingClaim": "mysql-data"}
    problems = problems_of(raw)
    assert {(p.path, p.rule) for p in problems} == {
        (("python",), "persistence"),
        (("client",), "persistence"),
    }
    raw["python"] = {**raw["python"], "storageClass": "fast"}
    raw["client"] = {**raw["client"], "storageClass": "fast"}
    load_party_config(raw, "s")


@pytest.mark.parametrize(
    ("section", "value", "path"),
    [
        ("mysql", None, ("mysql", "password")),
        ("mysql", "fate_dev", ("mysql", "password")),
        ("fateboard", None, ("fateboard", "password")),
        ("fateboard", "admin", ("fateboard", "password")),
    ],
)
def test_default_credentials_are_refused(
    section: str, value: str | None, path: tuple[str, ...]
) -> None:
    raw = party()
    body = dict(raw[section])
    if value is None:
        body.pop("password")
    else:
        body["password"] = Secret(value, True)
    raw[section] = body
    problem = only_problem(raw)
    assert (problem.path, problem.rule) == (path, "default-credentials")
    assert "allowDefaultCredentials" in problem.message


def test_fateboards_missing_password_says_to_set_its_login_name_too() -> None:
    """An imported party has no fateboard section: setting the password alone would
    write one with an empty login name (rule fateboard-login)."""
    raw = party()
    del raw["fateboard"]
    problem = only_problem(raw)
    assert (problem.path, problem.rule) == (("fateboard", "password"), "default-credentials")
    assert "pulumi config set --path 'fate:fateboard.username' <name>" in problem.message
    raw["fateboard"] = {"username": "board"}
    assert "fateboard.username" not in only_problem(raw).message


def test_default_credentials_pass_with_explicit_opt_in() -> None:
    raw = party(allowDefaultCredentials=True, mysql={}, fateboard={"username": "admin"})
    load_party_config(raw, "s")


def test_fateboard_section_without_username_is_refused() -> None:
    raw = party(fateboard={"password": Secret("s3cret-board", True)})
    problem = only_problem(raw)
    assert (problem.path, problem.rule) == (("fateboard", "username"), "fateboard-login")


def test_credentials_must_be_pulumi_secrets() -> None:
    raw = party(mysql={"password": "typed-in-clear"})
    problem = only_problem(raw)
    assert (problem.path, problem.rule) == (("mysql", "password"), "secret")
    assert "pulumi config set --secret --path 'fate:mysql.password'" in problem.message
    assert "typed-in-clear" not in problem.render("s")
