"""What a stack publishes for its peers (:mod:`fate_iac.endpoints`): each kind's federation
record and the endpoints in it."""

from __future__ import annotations

import json

from fate_iac.endpoints import exchange_record, party_record
from fate_iac.federation import FederationRecord, Routes
from fate_iac.kinds import EGGROLL
from fate_iac.loader import load_exchange_config, load_party_config, load_stack_config
from tests.conftest import party
from tests.helpers import alone, beside, fate2, loaded_party, spark


def test_a_party_with_a_serving_cluster_publishes_its_serving_proxy() -> None:
    cfg = loaded_party(beside({"servingProxy": {"type": "NodePort", "nodePort": 30106}}))
    record = party_record(cfg, "party10000", "eggroll")
    assert record.protocols == ["eggroll", "serving"]
    endpoint = record.endpoints["servingProxy"]
    assert (endpoint.host, endpoint.port) == ("192.168.10.1", 30106)
    # without a serving cluster, or with one that runs no proxy: no serving protocol
    for raw in (party(), beside({"modules": ["servingServer", "servingRedis"]})):
        record = party_record(loaded_party(raw), "party10000", "eggroll")
        assert record.protocols == ["eggroll"] and "servingProxy" not in record.endpoints


def test_a_serving_only_stack_publishes_a_serving_record() -> None:
    loaded = load_stack_config(alone(), "serving9999")
    outputs = loaded.kind.outputs(loaded.config, "serving9999")
    assert outputs["federationEndpoint"] == {"host": "192.168.9.1", "port": 30096}
    assert outputs["servingServer"] == {"host": "192.168.9.1", "port": 30095}
    record = FederationRecord.model_validate(outputs["federation"])
    assert (record.kind, record.partyId, record.protocols) == ("party", 9999, ["serving"])
    assert set(record.endpoints) == {"servingProxy"}


def test_the_exchanges_serving_proxy_is_a_serving_cluster_of_the_proxy_alone() -> None:
    raw = {
        "chartName": "fate-exchange",
        "publicHost": "192.168.0.1",
        "rollsite": {"type": "NodePort", "nodePort": 30000},
        "servingProxy": {"type": "NodePort", "nodePort": 30006},
        "members": [],
    }
    cfg = load_exchange_config(raw, "exchange").config
    own = cfg.serving_cluster
    assert own is not None and own.modules == ["servingProxy"]
    assert (own.release_name, own.k8s_namespace) == ("fate-exchange-serving", "fate-exchange")
    record = exchange_record(cfg, "exchange", [])
    assert "serving" in record.protocols
    proxy = record.endpoints["servingProxy"]
    assert (proxy.host, proxy.port) == ("192.168.0.1", 30006)


def test_its_record_publishes_osx_and_its_fate_version() -> None:
    cfg = load_stack_config(fate2(), "party10000").config
    record = EGGROLL.record(cfg, "party10000", Routes())
    assert record.protocols == ["osx"] and record.fateVersion == "2.0"
    assert record.endpoints["osx"].host == "192.168.10.1"
    assert record.endpoints["osx"].port == 30101
    assert "rollsite" not in record.endpoints


def test_a_spark_party_publishes_its_nginx_and_pulsar() -> None:
    loaded = load_party_config(spark(), "party9999")
    federation = loaded.kind.outputs(loaded.config, "party9999")["federation"]
    assert federation["protocols"] == ["spark-pulsar"]
    assert federation["endpoints"] == {
        "nginxHttp": {"host": "192.168.9.1", "port": 30093},
        "nginxGrpc": {"host": "192.168.9.1", "port": 30098},
        "pulsar": {"host": "192.168.9.1", "port": 30094, "tlsPort": 30099, "domain": "fate.org"},
        "fateflowHttp": {"host": "192.168.9.1", "port": 30097},
        "fateflowGrpc": {"host": "192.168.9.1", "port": 30092},
    }
    assert "rollsite" not in json.dumps(federation)
    outputs = loaded.kind.outputs(loaded.config, "party9999")
    assert outputs["federationEndpoint"] == {"host": "192.168.9.1", "port": 30093}
    assert outputs["broker"] == {"pulsar": federation["endpoints"]["pulsar"]}


def test_a_party_behind_another_organisations_exchange_publishes_a_valid_record() -> None:
    """Its exchange is a static record, no stack of this backend: the party's own record
    names no exchange stack (and is still a record its partners can read)."""
    exchange = {
        "kind": "exchange",
        "partyId": 1,
        "endpoints": {"rollsite": {"host": "192.168.0.1", "port": 30001}},
    }
    loaded = load_stack_config({**party(), "exchangeStack": exchange}, "party10000")
    outputs = loaded.kind.outputs(loaded.config, "party10000")
    record = FederationRecord.model_validate(outputs["federation"])
    assert (record.kind, record.partyId, record.exchange) == ("party", 10000, None)
