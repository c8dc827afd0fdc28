"""Routes from peers' federation records into chart values (:mod:`fate_iac.routing`):
what each kind's routed values hold, what is waited for and what is refused."""

from __future__ import annotations

from typing import Any

from fate_iac.federation import FederationRecord
from fate_iac.loader import load_stack_config
from fate_iac.routing import MAIN, party_routed_values, serving_routed_values
from tests.helpers import fate2, serving_cfg


def served(party_id: int, host: str, port: int, **extra: Any) -> dict[str, Any]:
    """A party stack's federation record, publishing its serving proxy."""
    return {
        "kind": "party",
        "stack": f"party{party_id}",
        "partyId": party_id,
        "protocols": ["eggroll", "serving"],
        "endpoints": {
            "rollsite": {"host": host, "port": 30091},
            "servingProxy": {"host": host, "port": port},
        },
        **extra,
    }


def test_serving_routes_by_stack_name_join_the_static_ones() -> None:
    static_entry = {"partyId": 7777, "partyIp": "10.7.7.7", "partyPort": 8869}
    static_peer = {
        "partyId": 8888,
        "endpoints": {"servingProxy": {"host": "10.8.8.8", "port": 30109}},
    }
    cfg = serving_cfg(
        peers=[static_peer, "party10000"],
        servingProxy={"type": "NodePort", "nodePort": 30096, "partyList": [static_entry]},
    )
    routed = serving_routed_values(cfg, {"party10000": served(10000, "192.168.10.1", 30106)})
    expected = [
        static_entry,
        {"partyId": 8888, "partyIp": "10.8.8.8", "partyPort": 30109},
        {"partyId": 10000, "partyIp": "192.168.10.1", "partyPort": 30106},
    ]
    assert routed.routes.party_list == expected
    assert routed.routes.problems == [] and routed.routes.waiting == []
    assert routed.overrides == {MAIN: {("servingProxy", "partyList"): expected}}


def test_behind_an_exchange_the_proxy_routes_to_the_exchanges_serving_proxy() -> None:
    cfg = serving_cfg(exchangeStack="exchange")
    exchange = {
        "kind": "exchange",
        "stack": "exchange",
        "partyId": 1,
        "endpoints": {"servingProxy": {"host": "192.168.0.1", "port": 30006}},
    }
    routed = serving_routed_values(cfg, {"exchange": exchange})
    assert routed.routes.exchange == {"partyIp": "192.168.0.1", "partyPort": 30006}
    assert routed.overrides[MAIN][("servingProxy", "exchange")] == routed.routes.exchange


def test_stacks_not_published_yet_are_waited_for() -> None:
    cfg = serving_cfg(peers=["party10000"], exchangeStack="exchange")
    routed = serving_routed_values(cfg, {})
    assert routed.routes.waiting == ["party10000", "exchange"]
    assert routed.routes.problems == [] and routed.routes.party_list == []
    assert routed.overrides[MAIN] == {
        ("servingProxy", "partyList"): [],
        # Until the exchange publishes, unknown parties go to this proxy itself.
        ("servingProxy", "exchange"): {"partyIp": "serving-proxy", "partyPort": 8869},
    }


def test_a_peer_or_exchange_without_a_serving_proxy_cannot_be_routed() -> None:
    cfg = serving_cfg(peers=["party10000"], exchangeStack="exchange")
    peer = served(10000, "192.168.10.1", 30106)
    peer["endpoints"].pop("servingProxy")
    exchange = {
        "kind": "exchange",
        "stack": "exchange",
        "partyId": 1,
        "endpoints": {"rollsite": {"host": "192.168.0.1", "port": 30000}},
    }
    routed = serving_routed_values(cfg, {"party10000": peer, "exchange": exchange})
    assert routed.routes.problems == [
        "party10000 (party 10000) publishes no servingProxy endpoint (it runs no FATE-Serving "
        "proxy)",
        "exchange exchange publishes no servingProxy endpoint (it runs no FATE-Serving proxy)",
    ]


def test_a_party_reached_twice_or_itself_is_a_routing_problem() -> None:
    entry = {"partyId": 10000, "partyIp": "10.0.0.10", "partyPort": 8869}
    cfg = serving_cfg(
        peers=["party10000", "me"],
        servingProxy={"type": "NodePort", "nodePort": 30096, "partyList": [entry]},
    )
    records = {
        "party10000": served(10000, "192.168.10.1", 30106),
        "me": served(9999, "192.168.9.1", 30096),
    }
    assert serving_routed_values(cfg, records).routes.problems == [
        "party 10000 is reached twice (again via party10000)",
        "peer me is party 9999: this party itself",
    ]


def test_a_serving_cluster_without_a_proxy_writes_no_routes() -> None:
    cfg = serving_cfg(modules=["servingServer", "servingRedis"], exchangeStack="exchange")
    assert serving_routed_values(cfg, {}).overrides == {MAIN: {}}


def osx_peer(party_id: int, port: int, version: str = "2.0") -> dict[str, Any]:
    return FederationRecord.model_validate(
        {
            "partyId": party_id,
            "stack": f"party{party_id}",
            "protocols": ["osx"],
            "fateVersion": version,
            "endpoints": {"osx": {"host": f"10.0.0.{party_id % 250}", "port": port}},
        }
    ).model_dump()


def test_osx_peers_named_by_stack_fill_its_party_list() -> None:
    cfg = load_stack_config(fate2(peers=["party9999"]), "p").config
    routed = party_routed_values(cfg, {"party9999": osx_peer(9999, 30091)})
    assert routed.routes.problems == []
    assert routed.overrides["release"][("partyList",)] == [
        {"partyId": 9999, "partyIp": "10.0.0.249", "partyPort": 30091}
    ]


def test_a_peer_without_osx_or_of_another_fate_version_is_refused_by_name() -> None:
    cfg = load_stack_config(fate2(peers=["party9999", "party8888"]), "p").config
    rollsite = FederationRecord.model_validate(
        {"partyId": 9999, "endpoints": {"rollsite": {"host": "h", "port": 1}}}
    ).model_dump()
    routed = party_routed_values(
        cfg, {"party9999": rollsite, "party8888": osx_peer(8888, 30081, version="1.11")}
    )
    said = "\n".join(routed.routes.problems)
    assert "party9999 (party 9999) has no osx endpoint (it runs no FATE 2.0 gateway)" in said
    assert "peer party8888 runs FATE 1.11 and this party FATE 2.0" in said
