"""What each class of key accepts (the reference's type column says it per key): every
address an IP address or DNS name, every loadBalancerIP an IP address, every ingress
host a DNS name, host:port where a port goes with it, no system namespace; each refusal
names the key, the value and the rule."""

from __future__ import annotations

from typing import Any

import pytest

from fate_iac.config import Host, HostPort, IngressHostName, IPAddress, NamespaceName
from fate_iac.loader import load_party_config, load_stack_config
from fate_iac.problems import ConfigError
from fate_iac.reference import config_reference
from fate_iac.secrets import Secret
from tests.conftest import party

EXTERNAL = {
    "modules": ["rollsite", "clustermanager", "nodemanager", "python", "fateboard", "client"],
    "mysql": None,
    "externalMysqlPassword": Secret("s3cret-ext", secure=True),
}


def refusal(raw: dict[str, Any]) -> tuple[tuple[Any, ...], str, str]:
    with pytest.raises(ConfigError) as caught:
        load_party_config(raw, "party10000")
    [problem] = caught.value.problems
    return problem.path, problem.rule, problem.message


@pytest.mark.parametrize(
    ("overrides", "path", "rule", "value"),
    [
        ({"publicHost": "party 10000"}, ("publicHost",), "host", "party 10000"),
        ({"publicHost": "-edge.example.com"}, ("publicHost",), "host", "-edge.example.com"),
        ({"servingIp": "serving_server"}, ("servingIp",), "host", "serving_server"),
        (
            {**EXTERNAL, "externalMysqlIp": "db..example.com"},
            ("externalMysqlIp",),
            "host",
            "db..example.com",
        ),
        (
            {"mysql": {"ip": "my sql", "password": Secret("s3cret-mysql", secure=True)}},
            ("mysql", "ip"),
            "host",
            "my sql",
        ),
        (
            {"rollsite": {"type": "LoadBalancer", "loadBalancerIP": "lb.example.com"}},
            ("rollsite", "loadBalancerIP"),
            "ip-address",
            "lb.example.com",
        ),
        (
            {
                "rollsite": {
                    "type": "NodePort",
                    "nodePort": 30101,
                    "partyList": [{"partyId": 9999, "partyIp": "10.0.0.300", "partyPort": 30091}],
                }
            },
            ("rollsite", "partyList", 0, "partyIp"),
            "host",
            "10.0.0.300",
        ),
        (
            {"ingress": {"fateboard": {"hosts": [{"name": "10.1.2.3"}]}}},
            ("ingress", "fateboard", "hosts", 0, "name"),
            "host",
            "10.1.2.3",
        ),
        (
            {"ingress": {"client": {"hosts": [{"name": "notebook_party"}]}}},
            ("ingress", "client", "hosts", 0, "name"),
            "host",
            "notebook_party",
        ),
        (
            {"serving": {"useRegistry": True, "zookeeper": {"hosts": ["zk.example.com"]}}},
            ("serving", "zookeeper", "hosts", 0),
            "host",
            "zk.example.com",
        ),
        ({"namespace": "kube-system"}, ("namespace",), "system-namespace", "kube-system"),
        ({"namespace": "default"}, ("namespace",), "system-namespace", "default"),
        ({"computing": "Spork"}, ("computing",), "allowed-values", "Spork"),
    ],
)
def test_a_bad_value_is_refused_by_key_rule_and_value(
    overrides: dict[str, Any], path: tuple[Any, ...], rule: str, value: str
) -> None:
    found_path, found_rule, message = refusal(party(**overrides))
    assert (found_path, found_rule) == (path, rule)
    assert value in message


@pytest.mark.parametrize(
    "overrides",
    [
        {"publicHost": "2001:db8::1"},
        {"publicHost": "edge.party10000.example.com."},
        {"rollsite": {"type": "LoadBalancer", "loadBalancerIP": "203.0.113.7"}},
        {"ingress": {"fateboard": {"hosts": [{"name": "*.fate.example.com"}]}}},
        {
            "serving": {
                "useRegistry": True,
                "zookeeper": {"hosts": ["zk-0.zk:2181", "[2001:db8::2]:2181"]},
            }
        },
        {"namespace": "fate-10000"},
    ],
)
def test_what_each_class_accepts(overrides: dict[str, Any]) -> None:
    load_party_config(party(**overrides), "party10000")


def test_no_system_namespace_for_an_exchange_or_a_serving_cluster() -> None:
    exchange = {
        "chartName": "fate-exchange",
        "publicHost": "192.168.0.1",
        "namespace": "kube-public",
        "rollsite": {"type": "NodePort", "nodePort": 30000},
    }
    with pytest.raises(ConfigError, match="fate:namespace: 'kube-public' is a system namespace"):
        load_stack_config(exchange, "exchange")
    serving = {
        "fate-serving": {
            "partyId": 9999,
            "namespace": "kube-node-lease",
            "publicHost": "192.168.9.1",
            "servingProxy": {"type": "NodePort", "nodePort": 30096},
            "servingServer": {"fateflow": {"ip": "192.168.9.1", "port": 30097}},
            "servingRedis": {"password": Secret("s3cret-redis", secure=True)},
            "servingAdmin": {"username": "admin", "password": Secret("s3cret-admin", secure=True)},
        }
    }
    with pytest.raises(ConfigError, match="fate-serving:namespace: 'kube-node-lease' is a"):
        load_stack_config(serving, "serving9999")


def test_the_reference_says_what_each_typed_key_accepts() -> None:
    reference = config_reference()
    for annotation in (Host, IPAddress, HostPort, IngressHostName, NamespaceName):
        [accepts] = annotation.__metadata__[-1:]  # type: ignore[attr-defined]
        assert accepts.text in reference
    assert "| `fate:publicHost` | host (IP address or DNS name) |" in reference
    assert "| `fate:rollsite.loadBalancerIP` | IP address |" in reference
    assert "| `fate:ingress.fateboard.hosts[].name` | DNS name (leading *. allowed) |" in reference
    assert "| `fate:partyId` | party id (integer 1 to 2^31-1) |" in reference


def test_every_string_field_is_typed_by_what_it_accepts() -> None:
    """No key of any kind's config or of the federation record takes a bare string: each
    says what it accepts (the table of issue 27: ``fate_iac.reference.string_fields``)."""
    from fate_iac.reference import string_fields

    fields = dict(string_fields())
    bare = [key for key, text in fields.items() if text == "str" or "[str" in text]
    assert bare == []
    assert fields["record:endpoints.<name>.host"] == "host (IP address or DNS name)"
    assert fields["fate:mysql.database"] == "database name (identifier, at most 64)"
