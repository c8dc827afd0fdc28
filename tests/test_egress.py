"""Egress with ``networkPolicy.egress``: every pod to its party and DNS, each gateway to
the addresses its routes name (from the records the program reads, or offline the static
routes), in the policies the API server receives."""

from __future__ import annotations

from typing import Any

import pytest

from fate_iac.federation import Routes
from fate_iac.isolation import MODULE_LABEL, NAME_LABEL
from fate_iac.kinds import kind_of, network_policies
from fate_iac.loader import load_party_config
from fate_iac.problems import ConfigError
from tests.conftest import PROJECT_DIR, party
from tests.test_isolation import loaded


def _policies(cfg: Any, records: dict[str, Any] | None = None) -> dict[str, Any]:
    """The policies the program creates once it has read ``records`` (none: offline)."""
    routes = kind_of(cfg).routed(cfg, records).routes if records is not None else None
    return {p["metadata"]["name"]: p["spec"] for p in network_policies(cfg, routes)}


def _record(cfg: Any, stack: str) -> dict[str, Any]:
    return dict(kind_of(cfg).federation(cfg, stack, Routes()))


def test_egress_is_an_opt_in_that_limits_every_pod_to_its_party_and_dns() -> None:
    cfg = load_party_config(party(), "party10000").config
    assert not any("Egress" in spec["policyTypes"] for spec in _policies(cfg).values())
    cfg = load_party_config(
        party(networkPolicy={"egress": True, "allowFrom": ["fate-serving-10000"]}), "p"
    ).config
    policies = _policies(cfg)
    base = policies["fate-egress"]
    assert base["podSelector"] == {
        "matchExpressions": [{"key": MODULE_LABEL, "operator": "Exists"}]
    }
    assert base["policyTypes"] == ["Egress"]
    assert base["egress"] == [
        {
            "to": [
                {"podSelector": {}},
                {
                    "namespaceSelector": {
                        "matchExpressions": [
                            {"key": NAME_LABEL, "operator": "In", "values": ["fate-serving-10000"]}
                        ]
                    }
                },
            ]
        },
        {
            "to": [
                {
                    "namespaceSelector": {"matchLabels": {NAME_LABEL: "kube-system"}},
                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                }
            ],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        },
    ]
    # Ingress stays as it was: egress adds policies, it changes none.
    allowed = party(networkPolicy={"allowFrom": ["fate-serving-10000"]})
    plain = _policies(load_party_config(allowed, "p").config)
    assert {k: v for k, v in policies.items() if not k.startswith("fate-egress")} == plain


def test_a_gateway_connects_to_the_addresses_its_routes_name_and_nothing_else() -> None:
    """rollsite to the static partyList's peer, a referenced peer and the exchange: an IP
    address alone, a DNS name's port to any address (a policy cannot match names)."""
    peer = load_party_config(party(partyId=8888, publicHost="p8888.example.org"), "p8888")
    exchange = loaded(PROJECT_DIR, "exchange")
    cfg = load_party_config(
        party(networkPolicy={"egress": True}, peers=["p8888"], exchangeStack="exchange"), "p"
    ).config
    records = {
        "p8888": _record(peer.config, "p8888"),
        "exchange": _record(exchange, "exchange"),
    }
    rollsite = _policies(cfg, records)["fate-egress-rollsite"]
    assert rollsite["podSelector"] == {"matchLabels": {MODULE_LABEL: "rollsite"}}
    assert rollsite["policyTypes"] == ["Egress"]
    exchange_host = records["exchange"]["endpoints"]["rollsite"]
    expected: list[dict[str, Any]] = [
        {
            "to": [{"ipBlock": {"cidr": f"{exchange_host['host']}/32"}}],
            "ports": [{"protocol": "TCP", "port": exchange_host["port"]}],
        },
        {  # the static partyList's peer
            "to": [{"ipBlock": {"cidr": "192.168.9.1/32"}}],
            "ports": [{"protocol": "TCP", "port": 30091}],
        },
        {
            "to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}],
            "ports": [{"protocol": "TCP", "port": 30101}],
        },
        {"to": [{"ipBlock": {"cidr": "::/0"}}], "ports": [{"protocol": "TCP", "port": 30101}]},
    ]
    assert rollsite["egress"] == sorted(expected, key=lambda rule: rule["to"][0]["ipBlock"]["cidr"])
    # Offline (the referenced stacks not read): the same policies, the static routes only.
    offline = _policies(cfg)
    assert set(offline) == set(_policies(cfg, records))
    assert [r["to"] for r in offline["fate-egress-rollsite"]["egress"]] == [
        [{"ipBlock": {"cidr": "192.168.9.1/32"}}]
    ]
    # Only the gateway dials out: no other pod has a policy beyond the party and DNS.
    assert {n for n in _policies(cfg, records) if n.startswith("fate-egress")} == {
        "fate-egress",
        "fate-egress-rollsite",
    }


def _with_egress(cfg: Any) -> Any:
    return cfg.model_copy(
        update={"networkPolicy": cfg.networkPolicy.model_copy(update={"egress": True})}
    )


def test_spark_and_exchange_gateways_connect_to_each_other_s_published_addresses() -> None:
    spark = PROJECT_DIR / "examples" / "spark-pulsar"
    exchange, member = (
        _with_egress(loaded(spark, "exchange")),
        _with_egress(loaded(spark, "party9999")),
    )
    records = {"exchange": _record(exchange, "exchange"), "party9999": _record(member, "party9999")}
    ours = _policies(member, records)
    published = records["exchange"]["endpoints"]
    nginx = {
        (r["to"][0]["ipBlock"]["cidr"], p["port"])
        for r in ours["fate-egress-nginx"]["egress"]
        for p in r["ports"]
    }
    host = published["nginxHttp"]["host"]
    assert nginx == {
        (f"{host}/32", published["nginxHttp"]["port"]),
        (f"{host}/32", published["nginxGrpc"]["port"]),
    }
    pulsar = ours["fate-egress-pulsar"]["egress"]
    assert pulsar == [
        {
            "to": [{"ipBlock": {"cidr": f"{published['trafficServer']['host']}/32"}}],
            "ports": [{"protocol": "TCP", "port": published["trafficServer"]["port"]}],
        }
    ]
    theirs = _policies(
        exchange, {**records, "party10000": _record(loaded(spark, "party10000"), "party10000")}
    )
    member_pulsar = records["party9999"]["endpoints"]["pulsar"]
    tunnels = {
        (rule["to"][0]["ipBlock"]["cidr"], port["port"])
        for rule in theirs["fate-egress-traffic-server"]["egress"]
        for port in rule["ports"]
    }
    assert (f"{member_pulsar['host']}/32", member_pulsar["tlsPort"]) in tunnels
    assert set(theirs) >= {"fate-egress-nginx", "fate-egress-traffic-server"}


def test_egress_to_more_networks_is_typed() -> None:
    cfg = load_party_config(
        party(networkPolicy={"egress": True, "egressTo": ["10.20.0.0/16", "169.254.20.10/32"]}),
        "p",
    ).config
    assert _policies(cfg)["fate-egress"]["egress"][-1] == {
        "to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}, {"ipBlock": {"cidr": "169.254.20.10/32"}}]
    }
    with pytest.raises(ConfigError) as error:
        load_party_config(party(networkPolicy={"egress": True, "egressTo": ["10.0.0.1/8"]}), "p")
    (problem,) = error.value.problems
    assert (problem.path, problem.rule) == (("networkPolicy", "egressTo", 0), "ip-network")
    assert "10.0.0.1/8" in problem.message and "CIDR" in problem.message


@pytest.mark.parametrize(
    ("options", "key", "said"),
    [
        ({"egress": True, "enabled": False}, "egress", "networkPolicy.enabled is false"),
        ({"egressTo": ["10.0.0.0/8"]}, "egressTo", "takes effect with networkPolicy.egress"),
    ],
)
def test_egress_options_that_would_do_nothing_are_refused(
    options: dict[str, Any], key: str, said: str
) -> None:
    with pytest.raises(ConfigError) as error:
        load_party_config(party(networkPolicy=options), "p")
    (problem,) = error.value.problems
    assert (problem.path, problem.rule) == (("networkPolicy", key), "network-policy")
    assert said in problem.message
