"""FATE-Serving: a party's serving cluster (``fate-serving:`` keys), alone in a stack or
beside its training cluster: inheritance, the addresses the two clusters take from each
other, rules and their messages, records and routes, the engine's config, and the import
of KubeFATE's cluster-serving.yaml. Pure: no Pulumi engine, no cluster, no chart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fate_iac import yamlio
from fate_iac.config import PartyConfig, ServingConfig
from fate_iac.kinds import SERVING, kind_tag, parts
from fate_iac.kubefate import import_cluster_yaml
from fate_iac.loader import (
    RawConfig,
    load_stack_config,
    raw_from_pulumi,
    read_stack_file,
)
from fate_iac.problems import ConfigError, Problem, config_key, key_path
from fate_iac.secrets import Secret
from fate_iac.serving import link
from fate_iac.values import render_serving_values
from tests.conftest import EXAMPLE_PASSPHRASE, NOTEBOOK_HASH, PROJECT_DIR, example, party
from tests.helpers import (
    FATEFLOW,
    alone,
    beside,
    loaded_party,
    secret,
    serving_cfg,
)


def problems_of(raw: Any, stack: str = "party10000") -> list[Problem]:
    with pytest.raises(ConfigError) as caught:
        load_stack_config(raw, stack)
    assert caught.value.stack == stack
    return list(caught.value.problems)


def only_problem(raw: Any, stack: str = "party10000") -> Problem:
    problems = problems_of(raw, stack)
    assert len(problems) == 1, problems
    return problems[0]


def serving_of(cfg: PartyConfig) -> ServingConfig:
    assert cfg.servingCluster is not None
    return cfg.servingCluster


# --- the config: alone, and beside a training cluster -----------------------------------


def test_a_serving_only_stack_is_its_own_kind_with_kubefate_defaults() -> None:
    raw = alone()
    assert kind_tag(raw) == "serving"
    assert kind_tag({**raw, "partyId": 9999}) == "eggroll"  # a fate: key: a party stack
    loaded = load_stack_config(raw, "serving9999")
    cfg = loaded.config
    assert loaded.kind is SERVING and isinstance(cfg, ServingConfig)
    assert (cfg.release_name, cfg.k8s_namespace) == ("fate-serving-9999", "fate-serving-9999")
    assert cfg.chartVersion == "v2.1.6"
    assert cfg.modules == [
        "servingProxy",
        "servingRedis",
        "servingServer",
        "servingZookeeper",
        "servingAdmin",
    ]
    assert [kind for kind, _ in parts(cfg)] == [SERVING]


def test_beside_a_party_the_serving_cluster_inherits_the_partys_keys() -> None:
    cfg = loaded_party(
        beside(
            nodePortRange="30000-32000",
            chartRepo="https://charts.example.org",
            peers=["party9999"],
            exchangeStack="exchange",
            federationReads="batched",
        )
    )
    own = serving_of(cfg)
    assert own.partyId == 10000 and own.publicHost == "192.168.10.1"
    assert own.nodePortRange == "30000-32000"
    assert own.chartRepo == "https://charts.example.org"
    assert own.peers == ["party9999"] and own.exchangeStack == "exchange"
    assert own.federationReads == cfg.federationReads
    assert (own.release_name, own.k8s_namespace) == ("fate-serving-10000", "fate-serving-10000")
    assert [(kind.tag, type(part)) for kind, part in parts(cfg)] == [
        ("eggroll", PartyConfig),
        ("serving", ServingConfig),
    ]


def test_keys_set_under_fate_serving_win_over_the_inherited_ones() -> None:
    cfg = loaded_party(
        beside(
            {"publicHost": "10.9.9.9", "peers": ["party8888"], "exchangeStack": "serving-exchange"},
            peers=["party9999"],
            exchangeStack="exchange",
        )
    )
    own = serving_of(cfg)
    assert own.publicHost == "10.9.9.9"
    assert own.peers == ["party8888"] and own.exchangeStack == "serving-exchange"
    # the training cluster keeps its own
    assert cfg.publicHost == "192.168.10.1" and cfg.peers == ["party9999"]
    assert cfg.exchangeStack == "exchange"


def test_a_left_out_proxy_or_server_section_gets_the_charts_node_port() -> None:
    cfg = ServingConfig.model_validate({"partyId": 9999})
    assert cfg.service("servingProxy") == ("NodePort", 30109, None)
    assert cfg.service("servingServer") == ("NodePort", 30209, None)
    written = ServingConfig.model_validate({"partyId": 9999, "servingProxy": {}})
    assert written.service("servingProxy") == ("ClusterIP", None, None)


# --- link: the addresses the two clusters take from each other ---------------------------


def test_link_points_each_cluster_at_the_others_in_cluster_service() -> None:
    cfg = loaded_party(beside())
    assert (cfg.servingIp, cfg.servingPort) == (
        "serving-server.fate-serving-10000.svc.cluster.local",
        8000,
    )
    server = serving_of(cfg).servingServer
    assert server is not None and server.fateflow is not None
    assert (server.fateflow.ip, server.fateflow.port) == (
        "fateflow.fate-10000.svc.cluster.local",
        9380,
    )


def test_addresses_set_explicitly_are_kept_by_link() -> None:
    cfg = loaded_party(
        beside(
            {"servingServer": {"fateflow": {"ip": "10.1.1.1", "port": 30097}}},
            servingIp="10.0.0.5",
            servingPort=30095,
        )
    )
    assert (cfg.servingIp, cfg.servingPort) == ("10.0.0.5", 30095)
    server = serving_of(cfg).servingServer
    assert server is not None and server.fateflow is not None
    assert (server.fateflow.ip, server.fateflow.port) == ("10.1.1.1", 30097)


def test_link_gives_the_registry_the_serving_zookeeper_unless_set() -> None:
    cfg = loaded_party(beside(serving={"useRegistry": True}))
    assert cfg.serving is not None and cfg.serving.zookeeper is not None
    assert cfg.serving.zookeeper.hosts == [
        "serving-zookeeper.fate-serving-10000.svc.cluster.local:2181"
    ]
    own = {"useRegistry": True, "zookeeper": {"hosts": ["zk.example.org:2181"]}}
    cfg = loaded_party(beside(serving=own))
    assert cfg.serving is not None and cfg.serving.zookeeper is not None
    assert cfg.serving.zookeeper.hosts == ["zk.example.org:2181"]
    cfg = loaded_party(beside(serving={"useRegistry": False}))
    assert cfg.serving is not None and cfg.serving.zookeeper is None


def test_link_leaves_a_party_without_a_serving_cluster_or_server_alone() -> None:
    plain = PartyConfig.model_validate(party())
    assert link(plain) is plain
    cfg = loaded_party(beside({"modules": ["servingProxy", "servingRedis"]}))
    assert cfg.servingIp is None and cfg.servingPort is None
    assert serving_of(cfg).servingServer is None


# --- rules and their messages -----------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "where", "rule", "fragment"),
    [
        ({"colour": "red"}, "fate-serving:colour", "unknown-key", "unknown key"),
        ({"chartVersion": "v2.0.0"}, "fate-serving:chartVersion", "chart-version", "v2.0.0"),
        ({"chartVersion": "v3.0"}, "fate-serving:chartVersion", "allowed-values", "v3.0"),
        (
            {"chartVersion": "v2.0.4", "ingressClassName": "nginx"},
            "fate-serving:ingressClassName",
            "chart-version",
            "chart v2.0.4 does not read it",
        ),
        (
            {
                "chartVersion": "v2.0.4",
                "servingServer": {"fateflow": FATEFLOW, "cacheSwitch": True},
            },
            "fate-serving:servingServer.cacheSwitch",
            "chart-version",
            "v2.0.4",
        ),
        (
            {
                "servingProxy": {
                    "type": "NodePort",
                    "nodePort": 30096,
                    "ingressHost": "p.example.org",
                }
            },
            "fate-serving:servingProxy.ingressHost",
            "chart-version",
            "chart v2.1.6 does not read it (use ingress.servingProxy.hosts)",
        ),
        (
            {"servingServer": {"type": "NodePort", "nodePort": 30095}},
            "fate-serving:servingServer.fateflow",
            "serving-fateflow",
            "fateflow's address",
        ),
        (
            {"servingProxy": {"type": "NodePort", "nodePort": 80}},
            "fate-serving:servingProxy.nodePort",
            "nodeport-range",
            "NodePort 80 is outside the cluster's NodePort range 30000-32767",
        ),
        (
            {"servingProxy": {"type": "NodePort"}},
            "fate-serving:servingProxy.nodePort",
            "nodeport-required",
            "servingProxy.type is NodePort",
        ),
        (
            {"servingServer": {"type": "NodePort", "nodePort": 30096, "fateflow": FATEFLOW}},
            "fate-serving:servingServer.nodePort",
            "nodeport-unique",
            "NodePort 30096 is already",
        ),
        (
            {
                "exchangeStack": "exchange",
                "servingProxy": {
                    "type": "NodePort",
                    "nodePort": 30096,
                    "exchange": {"ip": "192.168.0.1", "port": 30006},
                },
            },
            "fate-serving:servingProxy.exchange",
            "wiring",
            "not both",
        ),
        (
            {"peers": ["party10000", "party10000"]},
            "fate-serving:peers[1]",
            "peers",
            "party10000 is listed twice",
        ),
    ],
)
def test_serving_rules_name_the_fate_serving_key(
    overrides: dict[str, Any], where: str, rule: str, fragment: str
) -> None:
    problem = only_problem(alone(**overrides), "serving9999")
    rendered = problem.render("serving9999")
    assert rendered.startswith(f"stack serving9999: {where}: "), rendered
    assert rendered.endswith(f"[{rule}]") and fragment in problem.message, rendered


def test_each_chart_version_reads_its_own_keys() -> None:
    proxy = {"type": "NodePort", "nodePort": 30096, "ingressHost": "p.example.org"}
    old = load_stack_config(alone(chartVersion="v2.0.4", servingProxy=proxy), "s").config
    assert old.chartVersion == "v2.0.4"
    server = {"fateflow": FATEFLOW, "cacheSwitch": True, "cacheType": "redis"}
    new = load_stack_config(alone(chartVersion="v2.1.5", servingServer=server), "s").config
    assert new.chartVersion == "v2.1.5"


def test_a_serving_only_stack_must_say_where_fateflow_is() -> None:
    problem = only_problem(alone(servingServer={"type": "ClusterIP"}), "s")
    assert (problem.path, problem.rule) == (
        ("fate-serving", "servingServer", "fateflow"),
        "serving-fateflow",
    )
    assert "configure the party's training cluster in the same stack" in problem.message
    # beside a training cluster, the same section is completed from it
    loaded_party(beside({"servingServer": {"type": "ClusterIP"}}))


def test_the_charts_default_credentials_are_refused_when_left_out() -> None:
    problems = problems_of(alone(servingRedis=None, servingAdmin=None), "s")
    assert [(key_path(p.path), p.rule) for p in problems] == [
        ("fate-serving:servingRedis.password", "default-credentials"),
        ("fate-serving:servingAdmin.password", "default-credentials"),
    ]
    assert "'fate_dev'" in problems[0].message and "'admin'" in problems[1].message
    for problem in problems:
        assert f"--path '{key_path(problem.path)}'" in problem.message
        assert "fate-serving:allowDefaultCredentials: true" in problem.message


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"servingRedis": {"password": secret("fate_dev")}}, ("servingRedis", "password")),
        ({"servingAdmin": {"password": secret("admin")}}, ("servingAdmin", "password")),
        (
            {"externalRedisIp": "redis.example.org", "externalRedisPort": 6379},
            ("externalRedisPassword",),
        ),
    ],
)
def test_well_known_credentials_need_the_opt_in(
    overrides: dict[str, Any], path: tuple[str, ...]
) -> None:
    problem = only_problem(alone(**overrides), "s")
    assert (problem.path, problem.rule) == (("fate-serving", *path), "default-credentials")
    loaded = load_stack_config(alone(**overrides, allowDefaultCredentials=True), "s")
    assert loaded.config.allowDefaultCredentials is True


def test_a_credential_that_is_not_a_pulumi_secret_is_refused_without_echoing_it() -> None:
    raw = alone(servingAdmin={"password": Secret("plain-admin-pw", secure=False)})
    problem = only_problem(raw, "s")
    assert (problem.path, problem.rule) == (("fate-serving", "servingAdmin", "password"), "secret")
    assert "pulumi config set --secret --path 'fate-serving:servingAdmin.password'" in (
        problem.message
    )
    assert "plain-admin-pw" not in problem.render("s")


@pytest.mark.parametrize(
    ("serving_keys", "where", "rule", "fragment"),
    [
        (
            {"partyId": 9999},
            "fate-serving:partyId",
            "party-id",
            "is 9999, but this stack is party 10000 (fate:partyId)",
        ),
        (
            {"namespace": "fate-10000"},
            "fate-serving:namespace",
            "namespace",
            "fate-10000 is the training cluster's namespace too",
        ),
        (
            {"name": "fate-10000"},
            "fate-serving:name",
            "release-name",
            "fate-10000 is the training cluster's release name too",
        ),
        ({"colour": "red"}, "fate-serving:colour", "unknown-key", "unknown key"),
        (
            {"servingRedis": {"password": secret("fate_dev")}},
            "fate-serving:servingRedis.password",
            "default-credentials",
            "'fate_dev'",
        ),
    ],
)
def test_beside_a_training_cluster_problems_name_the_fate_serving_key(
    serving_keys: dict[str, Any], where: str, rule: str, fragment: str
) -> None:
    problem = only_problem(beside(serving_keys))
    assert key_path(problem.path) == where and problem.rule == rule
    assert fragment in problem.message, problem.message


def test_a_node_port_is_unique_across_the_training_and_serving_clusters() -> None:
    python = {"type": "NodePort", "httpNodePort": 30109, "grpcNodePort": 30102}
    problem = only_problem(beside(python=python))  # 30109: the serving proxy's chart default
    assert (key_path(problem.path), problem.rule) == ("fate:python.httpNodePort", "nodeport-unique")
    assert "NodePort 30109 is already used by fate-serving:servingProxy.nodePort" in (
        problem.message
    )
    proxy = {"type": "NodePort", "nodePort": 30101}  # the party's rollsite NodePort
    problem = only_problem(beside({"servingProxy": proxy}))
    assert problem.rule == "nodeport-unique" and "NodePort 30101" in problem.message


def test_the_serving_node_ports_are_checked_against_the_partys_range(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FATE_SERVICE_NODE_PORT_RANGE", "20000-32767")  # the cluster's
    problem = only_problem(
        beside(
            {
                "servingProxy": {"type": "NodePort", "nodePort": 30096},
                "servingServer": {"type": "ClusterIP"},
            },
            nodePortRange="20000-22767",
            rollsite={"type": "NodePort", "nodePort": 20101},
            python={"type": "NodePort", "httpNodePort": 20107, "grpcNodePort": 20102},
        )
    )
    assert (key_path(problem.path), problem.rule) == (
        "fate-serving:servingProxy.nodePort",
        "nodeport-range",
    )
    assert "NodePort 30096 is outside the cluster's NodePort range 20000-22767" in problem.message


def test_a_static_serving_route_to_this_party_itself_is_refused() -> None:
    entry = {"partyId": 9999, "partyIp": "192.168.9.1", "partyPort": 30096}
    proxy = {"type": "NodePort", "nodePort": 30096, "partyList": [entry]}
    problem = only_problem(alone(servingProxy=proxy), "s")
    assert problem.rule == "party-list"
    assert "party 9999 is this party; list only peers" in problem.message


def test_a_duplicate_static_serving_route_names_its_partylist_entry() -> None:
    entry = {"partyId": 10000, "partyIp": "192.168.10.1", "partyPort": 30106}
    proxy = {"type": "NodePort", "nodePort": 30096, "partyList": [entry, entry]}
    problem = only_problem(alone(servingProxy=proxy), "s")
    assert problem.rule == "party-list" and "listed twice" in problem.message
    assert key_path(problem.path) == "fate-serving:servingProxy.partyList[1].partyId"


# --- serving routes (their values are tests/test_routing.py's) ---------------------------


def test_a_static_peer_without_a_serving_proxy_is_refused_when_loading() -> None:
    rollsite_only = {"partyId": 8888, "endpoints": {"rollsite": {"host": "h", "port": 30081}}}
    problem = only_problem(alone(peers=[rollsite_only]), "s")
    assert (key_path(problem.path), problem.rule) == ("fate-serving:peers", "routes")
    assert "party 8888 publishes no servingProxy endpoint" in problem.message


def test_beside_a_party_a_static_peer_without_a_serving_proxy_is_refused_too() -> None:
    rollsite_only = {"partyId": 8888, "endpoints": {"rollsite": {"host": "h", "port": 30081}}}
    problems = problems_of(beside(peers=[rollsite_only]))
    assert any(key_path(p.path) == "fate-serving:peers" and p.rule == "routes" for p in problems), (
        problems
    )


# --- the engine's config ----------------------------------------------------------------


def engine_env() -> dict[str, str]:
    """A party stack with a serving cluster, as the Pulumi engine hands its config over."""
    raw = party()
    return {
        "fate:partyId": "10000",
        "fate:publicHost": "192.168.10.1",
        "fate:rollsite": json.dumps(raw["rollsite"]),
        "fate:python": json.dumps(raw["python"]),
        "fate:mysql": json.dumps({"password": "mysql-pw-1"}),
        "fate:fateboard": json.dumps({"username": "board", "password": "board-pw-1"}),
        "fate:client": json.dumps({"notebook_hashed_password": NOTEBOOK_HASH}),
        "fate-serving:chartVersion": "v2.1.5",
        "fate-serving:servingRedis": json.dumps({"password": "redis-pw-1"}),
        "fate-serving:servingAdmin": json.dumps({"username": "adm", "password": "admin-pw-1"}),
        "kubernetes:context": "kind-fate",
    }


SECRET_KEYS = {
    "fate:mysql",
    "fate:fateboard",
    "fate:client",
    "fate-serving:servingRedis",
    "fate-serving:servingAdmin",
}


def test_config_keys_of_both_namespaces_as_key_paths() -> None:
    assert config_key("fate:mysql") == ("mysql",)
    assert config_key("fate-serving:servingProxy") == ("fate-serving", "servingProxy")
    assert config_key("kubernetes:context") is None and config_key("fate") is None
    assert key_path(("fate-serving", "servingProxy", "partyList", 0, "partyId")) == (
        "fate-serving:servingProxy.partyList[0].partyId"
    )
    assert key_path(("rollsite", "nodePort")) == "fate:rollsite.nodePort"


def test_raw_from_pulumi_reads_fate_serving_keys_and_marks_their_secrets() -> None:
    raw = raw_from_pulumi(engine_env(), SECRET_KEYS)
    own = raw.values["fate-serving"]
    assert own["chartVersion"] == "v2.1.5" and own["servingAdmin"]["username"] == "adm"
    for module in ("servingRedis", "servingAdmin"):
        password = own[module]["password"]
        assert isinstance(password, Secret) and password.secure
    assert "kubernetes:context" not in raw.values and "context" not in raw.values
    assert raw.secret_keys_in("fate-serving") == {"servingRedis", "servingAdmin"}
    assert raw.secret_keys_in("fate") == {"mysql", "fateboard", "client"}
    cfg = load_stack_config(raw, "party10000").config
    assert isinstance(cfg, PartyConfig)
    assert serving_of(cfg).chartVersion == "v2.1.5"
    assert serving_of(cfg).secret_keys == {"servingRedis", "servingAdmin"}
    assert cfg.secret_keys == {"mysql", "fateboard", "client"}


def test_a_serving_credential_not_given_as_a_secret_is_refused() -> None:
    raw = raw_from_pulumi(engine_env(), SECRET_KEYS - {"fate-serving:servingRedis"})
    password = raw.values["fate-serving"]["servingRedis"]["password"]
    assert isinstance(password, Secret) and not password.secure
    problem = only_problem(raw)
    assert (key_path(problem.path), problem.rule) == (
        "fate-serving:servingRedis.password",
        "secret",
    )
    assert "redis-pw-1" not in problem.render("party10000")


def test_secret_serving_values_never_show_in_a_config_error() -> None:
    env = engine_env()
    env["fate-serving:servingRedis"] = json.dumps({"password": "redis-pw-1", "size": "lots-x"})
    env["fate-serving:namespace"] = "fate-10000"  # the training cluster's: refused, quoted
    with pytest.raises(ConfigError) as caught:
        load_stack_config(raw_from_pulumi(env, {*SECRET_KEYS, "fate-serving:namespace"}), "p")
    report = str(caught.value)
    assert {(key_path(p.path), p.rule) for p in caught.value.problems} >= {
        ("fate-serving:servingRedis.size", "quantity"),
    }
    for plaintext in ("redis-pw-1", "lots-x", "fate-10000"):
        assert plaintext not in report, report
    assert "[secret]" in report or "not shown" in report


# --- importing KubeFATE's cluster-serving.yaml ------------------------------------------


def imported_example() -> Any:
    path = example("v1.11.2/party-9999/cluster-serving.yaml")
    return import_cluster_yaml(yamlio.load(path.read_text()))


def test_a_cluster_serving_yaml_is_imported_under_fate_serving() -> None:
    result = imported_example()
    assert result.problems == [] and result.serving is True
    assert set(result.config) == {"fate-serving"}
    own = result.config["fate-serving"]
    assert own["partyId"] == 9999 and own["chartVersion"] == "v2.1.6"
    assert own["servingProxy"]["partyList"] == [
        {"partyId": 10000, "partyIp": "192.168.10.1", "partyPort": 30106}
    ]
    # the admin password is taken out, to be set as a Pulumi secret
    assert result.credentials == {("fate-serving", "servingAdmin", "password"): "admin"}
    assert "password" not in own["servingAdmin"]
    assert result.secret_commands("party9999") == [
        "pulumi config set --stack party9999 --secret --path "
        "'fate-serving:servingAdmin.password' <value of servingAdmin.password in the "
        "cluster.yaml>"
    ]
    entries = yamlio.load(result.stack_yaml())["config"]
    assert all(key.startswith("fate-serving:") for key in entries)
    assert entries["fate-serving:servingServer"]["fateflow"] == FATEFLOW


def test_the_imported_serving_cluster_loads_alone_once_its_credentials_are_set() -> None:
    config = imported_example().config_with_credentials()
    assert kind_tag(config) == "serving"
    # KubeFATE's example: admin/admin, and no Redis password (the chart's fate_dev)
    problems = problems_of(config, "serving9999")
    assert [(key_path(p.path), p.rule) for p in problems] == [
        ("fate-serving:servingRedis.password", "default-credentials"),
        ("fate-serving:servingAdmin.password", "default-credentials"),
    ]
    assert "well-known 'admin'" in problems[1].message
    config["fate-serving"]["allowDefaultCredentials"] = True
    cfg = load_stack_config(config, "serving9999").config
    assert isinstance(cfg, ServingConfig) and cfg.release_name == "fate-serving-9999"


def test_an_unknown_kubefate_serving_key_is_a_problem_at_its_fate_serving_key() -> None:
    path = example("v1.11.2/party-9999/cluster-serving.yaml")
    document = {**yamlio.load(path.read_text()), "colour": "red"}
    result = import_cluster_yaml(document)
    assert [(key_path(p.path), p.rule) for p in result.problems] == [
        ("fate-serving:colour", "unknown-key"),
    ]
    assert "colour" not in result.config["fate-serving"]


def training_only() -> str:
    """The example party9999's stack file: a party's training cluster alone."""
    return (PROJECT_DIR / "Pulumi.party9999.yaml").read_text()


def test_beside_a_party_stack_the_import_keeps_every_training_line_and_comment(
    tmp_path: Path,
) -> None:
    existing = training_only()
    result = imported_example().beside(existing)
    assert "partyId" not in result.config["fate-serving"]  # fate:partyId is the same
    assert any("servingServer.fateflow is set by hand" in note for note in result.notes)
    assert any("fate:servingIp is set by hand" in note for note in result.notes)
    text = result.stack_yaml(existing)
    assert text.startswith(existing.rstrip("\n"))  # comments, secrets and layout as they were
    before = yamlio.load(existing)["config"]
    after = yamlio.load(text)["config"]
    assert {k: v for k, v in after.items() if k.startswith("fate:")} == before
    assert after["fate-serving:servingProxy"]["nodePort"] == 30096
    assert "fate-serving:partyId" not in after
    # the result reads as one party with both clusters (the example secrets still open)
    stack_file = tmp_path / "Pulumi.party9999.yaml"
    stack_file.write_text(text)
    raw = read_stack_file(stack_file, "party9999", EXAMPLE_PASSPHRASE)
    raw.values["fate-serving"]["allowDefaultCredentials"] = True
    cfg = load_stack_config(raw, "party9999").config
    assert isinstance(cfg, PartyConfig)
    assert serving_of(cfg).partyId == 9999 and serving_of(cfg).publicHost == "192.168.9.1"
    assert (cfg.servingIp, cfg.servingPort) == ("192.168.9.1", 30095)  # typed by hand: kept


def test_importing_again_replaces_the_serving_keys_only() -> None:
    existing = training_only()
    first = imported_example().beside(existing).stack_yaml(existing)
    changed = imported_example()
    changed.config["fate-serving"]["servingProxy"]["nodePort"] = 30196
    second = changed.beside(first).stack_yaml(first)
    config = yamlio.load(second)["config"]
    assert config["fate-serving:servingProxy"]["nodePort"] == 30196
    assert {k: v for k, v in config.items() if k.startswith("fate:")} == (
        yamlio.load(existing)["config"]
    )


# --- values: the deliberate differences from KubeFATE's template -------------------------


def test_cache_switch_comes_from_cache_switch_and_no_exchange_routes_to_itself() -> None:
    cfg = serving_cfg(servingServer={"fateflow": FATEFLOW, "cacheType": "redis"})
    values = render_serving_values(cfg)
    assert values["servingServer"]["cacheSwitch"] is False
    assert values["servingServer"]["cacheType"] == "redis"
    # Not the chart's example exchange (192.168.0.1:30100): the proxy itself.
    assert values["servingProxy"]["exchange"] == {"partyIp": "serving-proxy", "partyPort": 8869}
    switched = serving_cfg(servingServer={"fateflow": FATEFLOW, "cacheSwitch": True})
    assert render_serving_values(switched)["servingServer"]["cacheSwitch"] is True


# --- what the review found -----------------------------------------------------------------


def test_a_secret_key_of_one_namespace_keeps_the_other_clusters_outputs_secret() -> None:
    """A secret inherited from fate: makes the serving cluster's outputs secret; a secret
    fate-serving: key the training cluster publishes (its proxy's host) makes the
    training cluster's secret. Secrecy then follows the loaded keys (stack.py)."""
    raw = beside({"servingProxy": {"type": "NodePort", "nodePort": 30096}})
    training = frozenset({("publicHost",), ("mysql",), ("fateboard",)})
    config = load_stack_config(RawConfig(raw, training), "p").config
    assert "publicHost" in serving_of(config).secret_keys
    published = {**raw, "fate-serving": {**raw["fate-serving"], "publicHost": "10.1.2.3"}}
    keys = frozenset({("mysql",), ("fateboard",), ("fate-serving", "publicHost")})
    config = load_stack_config(RawConfig(published, keys), "p").config
    assert "fate-serving:publicHost" in config.secret_keys
    assert serving_of(config).secret_keys == {"publicHost"}
    # Only the serving cluster's credential sections stay where they are.
    keys = frozenset({("mysql",), ("fateboard",), ("fate-serving", "servingRedis")})
    config = load_stack_config(RawConfig(raw, keys), "p").config
    assert config.secret_keys == {"mysql", "fateboard"}


def test_an_inherited_bad_key_is_reported_once_where_it_was_written() -> None:
    found = problems_of(beside(federationReads="bogus"))
    assert [key_path(p.path) for p in found] == ["fate:federationReads"]


def test_one_stack_has_one_node_port_range_and_one_way_of_reading_records() -> None:
    found = problems_of(beside({"nodePortRange": "30000-32000"}, nodePortRange="30000-31000"))
    assert [(key_path(p.path), p.rule) for p in found] == [
        ("fate-serving:nodePortRange", "serving-beside")
    ]


def test_fate_serving_keys_on_an_exchange_are_refused_one_by_one() -> None:
    raw = {
        "chartName": "fate-exchange",
        "rollsite": {"type": "ClusterIP"},
        "fate-serving": {"servingProxy": {}, "servingRedis": {}},
    }
    found = problems_of(raw, "exchange")
    assert [key_path(p.path) for p in found] == [
        "fate-serving:servingProxy",
        "fate-serving:servingRedis",
    ]
    assert "an exchange's serving exchange is fate:servingProxy" in found[0].message


def test_importing_another_partys_serving_file_into_a_stack_is_refused() -> None:
    document = yamlio.load(example("v1.11.2/party-10000/cluster-serving.yaml").read_text())
    existing = (PROJECT_DIR / "Pulumi.party9999.yaml").read_text()
    result = import_cluster_yaml(document).beside(existing)
    [problem] = result.problems
    assert (key_path(problem.path), problem.rule) == ("fate-serving:partyId", "party-id")
    assert "party 10000, this stack party 9999" in problem.message
