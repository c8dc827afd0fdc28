"""Property: for any value the config models and the record schema accept, rendering
the stack through the real chart (Helm's engine) and parsing what the chart wrote (each
object's YAML; the JSON, YAML and properties files inside ConfigMaps) gives back the
same value in the same place, and no key or object appears that the input did not ask
for: no string reaches a chart as anything but itself.

The budget is fixed (derandomized, a bounded number of examples: each render costs
about 50 ms here, up to a second on a busy machine), so CI runs the same examples every
time."""

from __future__ import annotations

import json
import string
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from hypothesis import HealthCheck, Phase, assume, example, given, settings
from hypothesis import strategies as st

from fate_iac.loader import load_stack_config
from fate_iac.problems import ConfigError
from fate_iac.render import render_stack
from fate_iac.secrets import Secret
from tests.conftest import chart_source, party

pytestmark = pytest.mark.chart

BUDGET = settings(
    derandomize=True,
    max_examples=50,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure shows as found
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
"""CI's fixed budget per property (see the module's docstring)."""

HOSTILE = "\"'\n\r\t :;#{}[],&*!|>%@`=\\/-_."
"""Characters that mean something in YAML, JSON, properties files or Go templates."""
hostile_text = st.text(
    alphabet=st.sampled_from(string.ascii_letters + string.digits + HOSTILE),
    min_size=1,
    max_size=24,
)
"""Never empty: an empty string is "unset" by design (KubeFATE's files write it so; the
chart's default applies), which other tests hold."""


def mostly(valid: st.SearchStrategy[str], hostile: st.SearchStrategy[str]) -> Any:
    """``valid`` seven times in eight: enough stacks are accepted to render, and the
    hostile ones the models still accept are the ones that matter."""
    return st.integers(0, 7).flatmap(lambda i: hostile if i == 0 else valid)


label = st.from_regex(r"\A[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?\Z")
dns_name = st.lists(label, min_size=1, max_size=3).map(".".join).map(lambda n: n + ".example")
ipv6 = st.ip_addresses(v=6).map(str)
zoned_ipv6 = st.tuples(ipv6, hostile_text).map("%".join)
host = mostly(
    st.one_of(st.ip_addresses(v=4).map(str), ipv6, dns_name), st.one_of(zoned_ipv6, hostile_text)
)
"""Addresses as a peer or a careless user writes them: valid ones; IPv6 with a zone and
strings that are not addresses at all (which the models must refuse)."""
identifier = mostly(st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_]{0,15}\Z"), hostile_text)
port = st.integers(min_value=1, max_value=65535)
tag = mostly(st.from_regex(r"\A[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}\Z"), hostile_text)
registry = mostly(
    st.tuples(dns_name, st.one_of(st.just(""), st.from_regex(r"\A/[a-z0-9]{1,8}\Z"))).map("".join),
    hostile_text,
)
path = mostly(st.from_regex(r"\A/[A-Za-z0-9._~%+,=:@/-]{0,16}\Z"), hostile_text)
free_text = st.text(max_size=40)
"""Annotation values: free text, which the chart writes with toYaml."""

PEERS = (9999, 8888)


def accepted(raw: dict[str, Any]) -> Any:
    """The config, when the models accept ``raw`` (the property holds for those only)."""
    try:
        return load_stack_config(raw, "party10000").config
    except ConfigError:
        assume(False)


# --- parsing what the chart wrote -------------------------------------------------------


def properties(text: str) -> dict[str, str]:
    found = {}
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", "!")):
            key, _, value = stripped.partition("=")
            found[key.strip()] = value.strip()
    return found


def parsed_file(name: str, text: str) -> Any:
    """A file inside a ConfigMap, parsed as its name says (other files: their lines)."""
    if name.endswith(".json"):
        return json.loads(text)
    if name.endswith((".yaml", ".yml")):
        return yaml.safe_load(text)
    if name.endswith(".properties"):
        return properties(text)
    return text.splitlines()


def shape(node: Any) -> Any:
    """The keys and list lengths of a parsed document, its leaves left out."""
    if isinstance(node, dict):
        return {str(k): shape(v) for k, v in node.items()}
    if isinstance(node, list):
        return [shape(v) for v in node]
    return None


def parsed(objects: list[dict[str, Any]]) -> dict[tuple[str, str], Any]:
    """Every object by kind and name, a ConfigMap's files parsed."""
    found = {}
    for obj in objects:
        if obj["kind"] == "ConfigMap":
            data = obj.get("data") or {}
            obj = {**obj, "data": {k: parsed_file(k, v) for k, v in data.items()}}
        found[(obj["kind"], obj["metadata"]["name"])] = obj
    return found


def rendered(cfg: Any) -> dict[tuple[str, str], Any]:
    [release] = render_stack(cfg, chart_source(), redact=False)
    return parsed(release.objects())


# --- a party ---------------------------------------------------------------------------


def party_raw(
    hosts: tuple[str, str],
    ports: tuple[int, int],
    mysql: tuple[str, str, str],
    images: tuple[str, str],
    ingress: tuple[str, str, str],
    username: str,
) -> dict[str, Any]:
    peers = [
        {"partyId": pid, "partyIp": h, "partyPort": p}
        for pid, h, p in zip(PEERS, hosts, ports, strict=True)
    ]
    base = party()
    return party(
        rollsite={**base["rollsite"], "partyList": peers},
        mysql={**base["mysql"], "ip": mysql[0], "database": mysql[1], "user": mysql[2]},
        registry=images[0],
        imageTag=images[1],
        ingress={
            "fateboard": {
                "annotations": {"example.com/note": ingress[2]},
                "hosts": [{"name": ingress[0], "path": ingress[1]}],
            }
        },
        fateboard={"username": username, "password": Secret("s3cret-board", secure=True)},
    )


PLAIN = party_raw(
    ("192.168.9.1", "192.168.8.1"),
    (30091, 30081),
    ("mysql", "eggroll_meta", "fate"),
    ("federatedai", "1.11.2-release"),
    ("board.example.com", "/", "plain"),
    "board",
)
"""The same stack with plain values: what the chart writes in shape."""


@cache
def plain_party() -> dict[tuple[str, str], Any]:
    return rendered(load_stack_config(PLAIN, "party10000").config)


def images_of(obj: dict[str, Any]) -> list[str]:
    pod = obj.get("spec", {}).get("template", {}).get("spec", {})
    containers = [*(pod.get("initContainers") or []), *(pod.get("containers") or [])]
    return [c["image"] for c in containers]


def database_section(node: Any) -> dict[str, Any]:
    """The mapping of service_conf.yaml that holds the database login."""
    if isinstance(node, dict):
        if {"name", "user", "passwd", "host"} <= set(node):
            return node
        for value in node.values():
            found = database_section(value)
            if found:
                return found
    return {}


@BUDGET
@given(
    hosts=st.tuples(host, host),
    ports=st.tuples(port, port),
    mysql=st.tuples(host, identifier, identifier),
    images=st.tuples(registry, tag),
    ingress=st.tuples(mostly(dns_name, hostile_text), path, free_text),
    username=identifier,
)
# What the property found while it was written (each now refused by its type), kept as
# explicit examples so a regression is found whatever the generated ones are:
@example(  # an ingress path ending in ':' (unquoted YAML: a key)
    ("192.168.9.1", "192.168.8.1"),
    (30091, 30081),
    ("mysql", "db", "fate"),
    ("federatedai", "t"),
    ("board.example.com", "/nG:", ""),
    "board",
)
@example(  # a C1 control character in an annotation (toYaml drops the map)
    ("192.168.9.1", "192.168.8.1"),
    (30091, 30081),
    ("mysql", "db", "fate"),
    ("federatedai", "t"),
    ("board.example.com", "/", "a\x84b"),
    "board",
)
@example(  # an IPv6 database host (a JDBC URL without brackets)
    ("192.168.9.1", "192.168.8.1"),
    (30091, 30081),
    ("fd00::10", "db", "fate"),
    ("federatedai", "t"),
    ("board.example.com", "/", ""),
    "board",
)
def test_a_party_renders_every_accepted_value_as_itself(
    hosts: tuple[str, str],
    ports: tuple[int, int],
    mysql: tuple[str, str, str],
    images: tuple[str, str],
    ingress: tuple[str, str, str],
    username: str,
) -> None:
    cfg = accepted(party_raw(hosts, ports, mysql, images, ingress, username))
    objects = rendered(cfg)

    # no object or key the plain stack does not have
    plain = plain_party()
    assert set(objects) == set(plain)
    for key, obj in objects.items():
        assert shape(obj) == shape(plain[key]), key

    # each value back in its place
    table = objects[("ConfigMap", "rollsite-config")]["data"]["route_table.json"]["route_table"]
    for pid, h, p in zip(PEERS, hosts, ports, strict=True):
        assert table[str(pid)]["default"] == [{"ip": h, "port": p}]
    service_conf = objects[("ConfigMap", "python-config")]["data"]["service_conf.yaml"]
    database = database_section(service_conf)
    assert (database["host"], database["name"], database["user"]) == mysql
    eggroll = objects[("ConfigMap", "eggroll-config")]["data"]["eggroll.properties"]
    jdbc = "eggroll.resourcemanager.clustermanager.jdbc"
    assert eggroll[f"{jdbc}.username"] == mysql[2]
    url = urlsplit(eggroll[f"{jdbc}.url"].removeprefix("jdbc:"))
    assert (url.hostname, url.port, url.path) == (mysql[0].lower(), 3306, f"/{mysql[1]}")
    fate_images = [i for obj in objects.values() for i in images_of(obj)]
    assert fate_images and all(i.startswith(f"{images[0]}/") for i in fate_images)
    assert {i.rsplit(":", 1)[1] for i in fate_images} >= {images[1]}
    board = objects[("Ingress", "fateboard")]
    [rule] = board["spec"]["rules"]
    assert rule["host"] == ingress[0]
    assert rule["http"]["paths"][0]["path"] == ingress[1]
    assert board["metadata"]["annotations"]["example.com/note"] == ingress[2]
    login = objects[("ConfigMap", "fateboard-config")]["data"]["application.properties"]
    assert login["server.board.login.username"] == username


# --- the record schema: an exchange's static members -----------------------------------

MEMBERS = (9999, 10000)


def exchange_raw(hosts: tuple[str, str], ports: tuple[int, int]) -> dict[str, Any]:
    members = [
        {"partyId": pid, "endpoints": {"rollsite": {"host": h, "port": p}}}
        for pid, h, p in zip(MEMBERS, hosts, ports, strict=True)
    ]
    return {
        "chartName": "fate-exchange",
        "publicHost": "192.168.0.1",
        "rollsite": {"type": "NodePort", "nodePort": 30001},
        "members": members,
    }


@cache
def plain_exchange() -> dict[tuple[str, str], Any]:
    raw = exchange_raw(("192.168.9.1", "192.168.10.1"), (30091, 30101))
    return rendered(load_stack_config(raw, "exchange").config)


@BUDGET
@given(hosts=st.tuples(host, host), ports=st.tuples(port, port))
@example(('fe80::1%a", "port": 1}], "8888": [{"ip": "6.6.6.6', "192.168.10.1"), (30091, 30101))
def test_an_exchange_routes_each_accepted_record_as_written(
    hosts: tuple[str, str], ports: tuple[int, int]
) -> None:
    cfg = accepted(exchange_raw(hosts, ports))
    objects = rendered(cfg)
    plain = plain_exchange()
    assert set(objects) == set(plain)
    for key, obj in objects.items():
        assert shape(obj) == shape(plain[key]), key
    table = objects[("ConfigMap", "rollsite-config")]["data"]["route_table.json"]["route_table"]
    for pid, h, p in zip(MEMBERS, hosts, ports, strict=True):
        assert table[str(pid)]["default"] == [{"ip": h, "port": p}]


# --- a serving cluster ------------------------------------------------------------------

SERVING_PEERS = (10000, 8888)


def serving_raw(hosts: tuple[str, str], ports: tuple[int, int], fateflow: tuple[str, int]) -> Any:
    from tests.helpers import alone

    routes = [
        {"partyId": pid, "partyIp": h, "partyPort": p}
        for pid, h, p in zip(SERVING_PEERS, hosts, ports, strict=True)
    ]
    return alone(
        servingProxy={"type": "NodePort", "nodePort": 30096, "partyList": routes},
        servingServer={
            "type": "NodePort",
            "nodePort": 30095,
            "fateflow": {"ip": fateflow[0], "port": fateflow[1]},
        },
    )


@cache
def plain_serving() -> dict[tuple[str, str], Any]:
    raw = serving_raw(("192.168.9.1", "192.168.8.1"), (30091, 30081), ("192.168.9.1", 30097))
    return rendered(load_stack_config(raw, "serving9999").config)


@BUDGET
@given(hosts=st.tuples(host, host), ports=st.tuples(port, port), fateflow=st.tuples(host, port))
@example(("192.168.10.1", "192.168.8.1"), (30091, 30081), ("fd00::9", 9380))  # IPv6 in a URL
def test_a_serving_cluster_renders_every_accepted_value_as_itself(
    hosts: tuple[str, str], ports: tuple[int, int], fateflow: tuple[str, int]
) -> None:
    cfg = accepted(serving_raw(hosts, ports, fateflow))
    objects = rendered(cfg)
    plain = plain_serving()
    assert set(objects) == set(plain)
    for key, obj in objects.items():
        assert shape(obj) == shape(plain[key]), key
    proxy = objects[("ConfigMap", "serving-proxy-config")]["data"]["route_table.json"]
    for pid, h, p in zip(SERVING_PEERS, hosts, ports, strict=True):
        assert proxy["route_table"][str(pid)]["default"] == [{"ip": h, "port": str(p)}]
    server = objects[("ConfigMap", "serving-server-config")]["data"]
    url = urlsplit(server["serving-server.properties"]["model.transfer.url"])
    assert (url.hostname, url.port) == (fateflow[0].lower(), fateflow[1])


# --- a Spark party and its peers' records ----------------------------------------------

SPARK_PEERS = (10000, 8888)


def spark_record(party_id: int, address: str, base: int) -> dict[str, Any]:
    """A static peer's record as a FateSparkCluster stack publishes it."""
    return {
        "partyId": party_id,
        "protocols": ["spark-pulsar"],
        "endpoints": {
            "nginxHttp": {"host": address, "port": base + 3},
            "nginxGrpc": {"host": address, "port": base + 8},
            "pulsar": {"host": address, "port": base + 4, "tlsPort": base + 9},
        },
    }


def spark_raw(hosts: tuple[str, str], bases: tuple[int, int]) -> Any:
    from tests.helpers import spark

    peers = [spark_record(pid, h, b) for pid, h, b in zip(SPARK_PEERS, hosts, bases, strict=True)]
    return spark(peers=peers)


@cache
def plain_spark() -> dict[tuple[str, str], Any]:
    raw = spark_raw(("192.168.10.1", "192.168.8.1"), (30100, 30080))
    return rendered(load_stack_config(raw, "party9999").config)


@BUDGET
@given(hosts=st.tuples(host, host), bases=st.tuples(*[st.integers(1, 65526)] * 2))
def test_a_spark_party_routes_each_accepted_peer_record_as_written(
    hosts: tuple[str, str], bases: tuple[int, int]
) -> None:
    cfg = accepted(spark_raw(hosts, bases))
    objects = rendered(cfg)
    plain = plain_spark()
    assert set(objects) == set(plain)
    for key, obj in objects.items():
        assert shape(obj) == shape(plain[key]), key
    nginx = objects[("ConfigMap", "nginx-config")]["data"]["route_table.yaml"]
    pulsar = objects[("ConfigMap", "pulsar-route-table")]["data"]["pulsar_route_table.yaml"]
    for pid, h, b in zip(SPARK_PEERS, hosts, bases, strict=True):
        assert nginx[pid]["fateflow"] == [{"host": h, "http_port": b + 3, "grpc_port": b + 8}]
        assert pulsar[pid] == {"host": h, "port": b + 4, "proxy": "", "sslPort": b + 9}
