"""Wiring by name: routes built from federation records, in pure functions and through
the Pulumi program reading other stacks' outputs (under mocks)."""

from __future__ import annotations

import json
import threading
from typing import Any

import pulumi
import pytest

from fate_iac.federation import (
    SCHEMA_VERSION,
    FederationRecord,
    RecordError,
    party_routes,
    read_record,
)
from fate_pulumi.federation_refs import READ_STACK_OUTPUTS
from tests.conftest import EXAMPLE_PASSPHRASE, PROJECT_DIR
from tests.pulumi_mocks import Recorder, engine_config, run_program, unwrap_secret

RELEASE = "kubernetes:helm.sh/v3:Release"
REFERENCE = "pulumi:pulumi:StackReference"
NAMESPACE = "kubernetes:core/v1:Namespace"


def record(
    party_id: int, host: str, port: int, kind: str = "party", **extra: Any
) -> FederationRecord:
    return FederationRecord.model_validate(
        {
            "kind": kind,
            "partyId": party_id,
            "stack": f"party{party_id}",
            "endpoints": {"rollsite": {"host": host, "port": port}},
            **extra,
        }
    )


def test_p2p_routes_from_referenced_peers() -> None:
    routes = party_routes(10000, [], [("party9999", record(9999, "192.168.9.1", 30091))])
    assert routes.party_list == [{"partyId": 9999, "partyIp": "192.168.9.1", "partyPort": 30091}]
    assert routes.exchange is None and routes.waiting == [] and routes.problems == []


def test_star_route_to_the_exchange() -> None:
    exchange = record(1, "192.168.0.1", 30000, kind="exchange")
    routes = party_routes(10000, [], [], ("exchange", exchange))
    assert routes.exchange == {"partyIp": "192.168.0.1", "partyPort": 30000}
    assert routes.party_list == []


def test_static_and_referenced_peers_mix() -> None:
    static_entry = {"partyId": 8888, "partyIp": "10.8.8.8", "partyPort": 30081}
    static_record = record(7777, "10.7.7.7", 30071)
    routes = party_routes(
        10000,
        [static_entry],
        [("party 7777", static_record), ("party9999", record(9999, "192.168.9.1", 30091))],
    )
    assert [e["partyId"] for e in routes.party_list] == [8888, 7777, 9999]


def test_a_peer_not_published_yet_is_waited_for() -> None:
    routes = party_routes(10000, [], [("party9999", None)], ("exchange", None))
    assert routes.party_list == [] and routes.exchange is None
    assert routes.waiting == ["party9999", "exchange"]


def test_routing_problems_are_named() -> None:
    routes = party_routes(
        10000,
        [{"partyId": 9999, "partyIp": "10.0.0.9", "partyPort": 30091}],
        [("party9999", record(9999, "192.168.9.1", 30091)), ("me", record(10000, "h", 30101))],
    )
    assert routes.problems == [
        "party 9999 is reached twice (again via party9999)",
        "peer me is party 10000: this party itself",
    ]


def test_a_peer_that_left_is_no_longer_routed() -> None:
    both = [("party9999", record(9999, "h9", 30091)), ("party8888", record(8888, "h8", 30081))]
    assert len(party_routes(10000, [], both).party_list) == 2
    assert [e["partyId"] for e in party_routes(10000, [], both[:1]).party_list] == [9999]


def stack_config(stack: str) -> tuple[dict[str, str], list[str]]:
    return engine_config(PROJECT_DIR / f"Pulumi.{stack}.yaml", EXAMPLE_PASSPHRASE)


def published(party_id: int, host: str, port: int, kind: str = "party") -> dict[str, Any]:
    return {"federation": record(party_id, host, port, kind).model_dump(exclude_none=True)}


def both_parties_published() -> dict[str, dict[str, Any]]:
    """The example parties' stack outputs, as their deployed stacks would hold them."""
    return {
        "party9999": published(9999, "192.168.9.1", 30091),
        "party10000": published(10000, "192.168.10.1", 30101),
    }


@pytest.mark.parametrize("preview", [False, True])
def test_party_routes_through_the_exchange_stack(
    preview: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FATE_EXISTING_STACKS", "exchange,party9999,party10000")
    config, secret_keys = stack_config("party10000")
    recorder = Recorder({"exchange": published(1, "192.168.0.1", 30000, "exchange")})
    run_program("party10000", config, secret_keys, recorder, preview)
    assert recorder.stacks_read() == ["organization/fate/exchange"]
    # A public StackReference: the link is in the state, named as before the batched reads.
    [reference] = recorder.of_type(REFERENCE)
    assert reference.name == "federation-exchange"
    _, values = unwrap_secret(recorder.one(RELEASE).inputs["values"])
    assert values["exchange"] == {"partyIp": "192.168.0.1", "partyPort": 30000}


def test_party_deploys_while_its_exchange_does_not_exist(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FATE_EXISTING_STACKS", "party10000")
    config, secret_keys = stack_config("party10000")
    recorder = run_program("party10000", config, secret_keys)
    assert recorder.stacks_read() == []  # reading a missing stack would fail the update
    _, values = unwrap_secret(recorder.one(RELEASE).inputs["values"])
    assert values["exchange"] == ""  # no route yet: the chart's example exchange is dropped


@pytest.mark.parametrize("reads", ["stackReference", "batched"])
def test_exchange_routes_every_member_that_published(
    reads: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FATE_EXISTING_STACKS", "exchange,party9999,party10000")
    config, _ = stack_config("exchange")
    config["fate:federationReads"] = reads
    recorder = Recorder(both_parties_published())
    run_program("exchange", config, [], recorder)
    values = recorder.one(RELEASE).inputs["values"]
    expected = [
        {"partyId": 9999, "partyIp": "192.168.9.1", "partyPort": 30091},
        {"partyId": 10000, "partyIp": "192.168.10.1", "partyPort": 30101},
    ]
    assert values["partyList"] == expected
    assert values["modules"]["rollsite"]["partyList"] == expected
    assert values["modules"]["rollsite"]["include"] is True
    assert sorted(recorder.stacks_read()) == [
        "organization/fate/party10000",
        "organization/fate/party9999",
    ]
    types = [
        r.type for r in recorder.resources if r.type not in ("fate:index:Exchange", NETWORK_POLICY)
    ]
    if reads == "batched":  # nothing per member in the state
        assert sorted(types) == [NAMESPACE, RELEASE]
    else:
        assert sorted(types) == sorted([NAMESPACE, REFERENCE, REFERENCE, RELEASE])


NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"


class SlowBackend(Recorder):
    """Each read waits until all reads are in flight: a program reading one stack after
    another never gets past the first (the barrier then breaks)."""

    def __init__(self, stack_outputs: dict[str, dict[str, Any]], together: int) -> None:
        super().__init__(stack_outputs)
        self.barrier = threading.Barrier(together, timeout=10)

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if args.token == READ_STACK_OUTPUTS:
            self.barrier.wait()
        return super().call(args)


def test_member_stacks_are_read_concurrently(monkeypatch: pytest.MonkeyPatch) -> None:
    names = [f"party{20000 + i}" for i in range(4)]
    monkeypatch.setenv("FATE_EXISTING_STACKS", ",".join(["exchange", *names]))
    config, _ = stack_config("exchange")
    config["fate:members"] = json.dumps(names)
    config["fate:federationReads"] = "batched"
    outputs = {n: published(20000 + i, f"10.1.0.{i + 1}", 30091) for i, n in enumerate(names)}
    recorder = SlowBackend(outputs, together=len(names))
    run_program("exchange", config, [], recorder)
    assert len(recorder.one(RELEASE).inputs["values"]["partyList"]) == len(names)


class UnreadableStack(Recorder):
    """A backend that fails to read one stack that exists."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if args.typ == REFERENCE and str(args.inputs["name"]).endswith("/party9999"):
            raise RuntimeError("cannot read stack party9999: backend unavailable")
        return super().new_resource(args)

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if str(args.args.get("name", "")).endswith("/party9999"):
            return {}, [("name", "backend unavailable")]
        return super().call(args)


@pytest.mark.parametrize("reads", ["stackReference", "batched"])
def test_a_stack_that_cannot_be_read_fails_the_update_instead_of_dropping_its_route(
    reads: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FATE_EXISTING_STACKS", "exchange,party9999,party10000")
    config, _ = stack_config("exchange")
    config["fate:federationReads"] = reads
    recorder = UnreadableStack({"party10000": published(10000, "192.168.10.1", 30101)})
    with pytest.raises(Exception, match=r"stack party9999: .*backend unavailable"):
        run_program("exchange", config, [], recorder)
    assert recorder.of_type(RELEASE) == []
    assert recorder.of_type(NAMESPACE) == []


def test_a_secret_federation_output_keeps_the_routes_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FATE_EXISTING_STACKS", "exchange,party9999")
    config, _ = stack_config("exchange")
    config["fate:members"] = json.dumps(["party9999"])
    recorder = Recorder({"party9999": published(9999, "192.168.9.1", 30091)}, ["federation"])
    run_program("exchange", config, [], recorder)
    secret, values = unwrap_secret(recorder.one(RELEASE).inputs["values"])
    assert secret
    assert values["partyList"] == [{"partyId": 9999, "partyIp": "192.168.9.1", "partyPort": 30091}]


def test_spark_exchange_routes_static_and_referenced_spark_members(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """trafficServer + nginx + serving exchange: party 9999 written as a static record,
    party 10000 read from its stack; both routed by SNI, nginx and serving proxy."""
    from tests.test_exchange import spark_party

    monkeypatch.setenv("FATE_EXISTING_STACKS", "spark-exchange,party10000")
    static = spark_party(9999, "192.168.9.1").model_dump(exclude_none=True)
    static["endpoints"]["servingProxy"] = {"host": "192.168.9.1", "port": 30309}
    referenced = spark_party(10000, "192.168.10.1", 30100).model_dump(exclude_none=True)
    referenced["endpoints"]["servingProxy"] = {"host": "192.168.10.1", "port": 30409}
    config = {
        "fate:chartName": "fate-exchange",
        "fate:publicHost": "192.168.0.2",
        "fate:modules": json.dumps(["trafficServer", "nginx"]),
        "fate:trafficServer": json.dumps({"type": "NodePort", "nodePort": 30007}),
        "fate:nginx": json.dumps(
            {"type": "NodePort", "httpNodePort": 30003, "grpcNodePort": 30008}
        ),
        "fate:servingProxy": json.dumps({"type": "NodePort", "nodePort": 30006}),
        "fate:members": json.dumps([static, "party10000"]),
    }
    recorder = Recorder({"party10000": {"federation": referenced}})
    run_program("spark-exchange", config, [], recorder)
    releases = {r.name: r.inputs["values"] for r in recorder.of_type(RELEASE)}
    modules = releases["fate-exchange-release"]["modules"]
    assert modules["trafficServer"]["route_table"]["sni"] == [
        {"fqdn": "9999.fate.org", "tunnelRoute": "192.168.9.1:30099"},
        {"fqdn": "10000.fate.org", "tunnelRoute": "192.168.10.1:30109"},
    ]
    nginx = modules["nginx"]["route_table"]  # keyed by text: Pulumi's values are Structs
    assert sorted(nginx) == ["10000", "9999"]
    assert nginx["10000"]["proxy"] == [
        {"host": "192.168.10.1", "http_port": 30103, "grpc_port": 30108}
    ]
    assert releases["fate-exchange-serving"]["servingProxy"]["partyList"] == [
        {"partyId": 9999, "partyIp": "192.168.9.1", "partyPort": 30309},
        {"partyId": 10000, "partyIp": "192.168.10.1", "partyPort": 30409},
    ]


def test_a_member_removed_from_the_exchange_loses_its_route(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FATE_EXISTING_STACKS", "exchange,party9999,party10000")
    config, _ = stack_config("exchange")
    config["fate:members"] = json.dumps(["party10000"])
    recorder = Recorder(both_parties_published())
    run_program("exchange", config, [], recorder)
    values = recorder.one(RELEASE).inputs["values"]
    assert [e["partyId"] for e in values["partyList"]] == [10000]


def test_party_publishes_its_federation_record() -> None:
    from fate_iac.loader import load_party_config
    from fate_pulumi import FateEggrollCluster
    from tests.conftest import party
    from tests.pulumi_mocks import run_with_mocks

    seen: dict[str, Any] = {}
    cfg = load_party_config(party(exchangeStack="exchange"), "party10000").config

    def body() -> Any:
        cluster = FateEggrollCluster("p", cfg, {}, "https://x")
        return cluster.federation.apply(seen.update)

    run_with_mocks(body, "party10000")
    assert seen == {
        "schemaVersion": "1.2",
        "kind": "party",
        "stack": "party10000",
        "partyId": 10000,
        "fateVersion": "1.11",
        "protocols": ["eggroll"],
        "exchange": "exchange",
        "members": [],
        "endpoints": {
            "rollsite": {"host": "192.168.10.1", "port": 30101},
            "fateflowHttp": {"host": "192.168.10.1", "port": 30107},
            "fateflowGrpc": {"host": "192.168.10.1", "port": 30102},
        },
    }


def test_components_take_records_from_a_stack_reference_too() -> None:
    """A program of one's own can hand the components the records itself: here its own
    StackReference's output."""
    from fate_iac.loader import load_party_config
    from fate_pulumi import FateEggrollCluster
    from tests.conftest import party
    from tests.pulumi_mocks import run_with_mocks

    cfg = load_party_config(party(exchangeStack="exchange"), "party10000").config
    recorder = Recorder({"exchange": published(1, "192.168.0.1", 30000, "exchange")})

    def body() -> None:
        reference = pulumi.StackReference("exchange", "organization/fate/exchange")
        records = {"exchange": reference.get_output("federation")}
        FateEggrollCluster("p", cfg, records, "https://x")

    run_with_mocks(body, "party10000", recorder=recorder)
    assert len(recorder.of_type(REFERENCE)) == 1
    _, values = unwrap_secret(recorder.one(RELEASE).inputs["values"])
    assert values["exchange"] == {"partyIp": "192.168.0.1", "partyPort": 30000}


# --- routes are never dropped silently ------------------------------------------------------


@pytest.mark.parametrize("reads", ["stackReference", "batched"])
def test_a_member_without_the_endpoint_its_protocol_needs_fails_the_update(
    reads: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """party9999 publishes no rollsite endpoint (it has no publicHost, say): the exchange
    cannot route to it, so its update fails, naming both stacks, before anything is
    created; it never goes through with the route missing."""
    monkeypatch.setenv("FATE_EXISTING_STACKS", "exchange,party9999,party10000")
    config, _ = stack_config("exchange")
    config["fate:federationReads"] = reads
    outputs = both_parties_published()
    del outputs["party9999"]["federation"]["endpoints"]["rollsite"]
    recorder = Recorder(outputs)
    with pytest.raises(Exception, match="stack exchange: cannot route") as caught:
        run_program("exchange", config, [], recorder)
    assert "party9999 (party 9999) has no rollsite endpoint" in str(caught.value)
    assert recorder.of_type(RELEASE) == [] and recorder.of_type(NAMESPACE) == []


def test_a_record_that_cannot_be_read_fails_the_update(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FATE_EXISTING_STACKS", "exchange,party9999,party10000")
    config, secret_keys = stack_config("party10000")
    recorder = Recorder({"exchange": {"federation": {"kind": "exchange", "partyId": "one"}}})
    with pytest.raises(Exception, match="stack exchange: its federation record cannot be read"):
        run_program("party10000", config, secret_keys, recorder)
    assert recorder.of_type(RELEASE) == []


# --- a federation record that can evolve ----------------------------------------------------


def future_record(version: Any) -> dict[str, Any]:
    """What a newer fate-iac might publish: a newer schema with fields this one lacks."""
    return {
        "schemaVersion": version,
        "kind": "exchange",
        "partyId": 1,
        "stack": "exchange",
        "protocols": ["eggroll", "quic"],
        "region": "eu-west",
        "endpoints": {
            "rollsite": {"host": "192.168.0.1", "port": 30000, "alpn": "h2"},
            "quic": {"host": "192.168.0.1", "port": 30010},
        },
    }


def test_a_record_of_a_newer_minor_version_is_read_for_what_is_known() -> None:
    record, notes = read_record(future_record("1.3"), "exchange")
    assert record is not None and record.endpoints["rollsite"].port == 30000
    assert record.protocols == ["eggroll"] and record.schemaVersion == "1.3"
    [note] = notes
    assert note.startswith("stack exchange publishes federation schema 1.3, newer than")
    assert "region" in note and "protocol quic" in note and "endpoints.rollsite.alpn" in note


def test_a_party_routes_through_an_exchange_of_a_newer_minor_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FATE_EXISTING_STACKS", "exchange,party10000")
    config, secret_keys = stack_config("party10000")
    recorder = Recorder({"exchange": {"federation": future_record("1.3")}})
    run_program("party10000", config, secret_keys, recorder)
    _, values = unwrap_secret(recorder.one(RELEASE).inputs["values"])
    assert values["exchange"] == {"partyIp": "192.168.0.1", "partyPort": 30000}


@pytest.mark.parametrize("version", ["2.0", 2, "banana"])
def test_a_record_of_another_major_version_is_refused_naming_the_stack(version: Any) -> None:
    with pytest.raises(RecordError, match=r"^stack exchange: ") as caught:
        read_record(future_record(version), "exchange")
    assert "schema" in caught.value.reason or "schemaVersion" in caught.value.reason


def test_version_1_records_and_todays_read_alike() -> None:
    published_by_version_1 = {
        "schemaVersion": 1,
        "kind": "party",
        "partyId": 9999,
        "endpoints": {"rollsite": {"host": "h", "port": 1}},
    }
    old, _ = read_record(published_by_version_1, "party9999")
    assert old is not None and old.schemaVersion == "1.0"
    with pytest.raises(RecordError, match="region: unknown key"):  # 1.0 knows every key
        read_record({**published_by_version_1, "region": "eu"}, "party9999")
    written = record(9999, "h", 1).model_dump(exclude_none=True)
    assert written["schemaVersion"] == SCHEMA_VERSION == "1.2"
    assert read_record(written, "party9999") == (record(9999, "h", 1), [])


def test_the_program_refuses_a_record_of_another_major_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FATE_EXISTING_STACKS", "exchange,party10000")
    config, secret_keys = stack_config("party10000")
    recorder = Recorder({"exchange": {"federation": future_record("2.0")}})
    with pytest.raises(Exception, match=r"stack exchange: it publishes federation schema 2\.0"):
        run_program("party10000", config, secret_keys, recorder)
    assert recorder.of_type(RELEASE) == []


@pytest.mark.parametrize("reads", ["stackReference", "batched"])
def test_a_stack_of_another_project_is_read_by_its_full_name(
    reads: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Which stacks exist is known for this project's only: one named org/project/stack
    elsewhere is read, never left waiting because its short name is not listed here."""
    monkeypatch.setenv("FATE_EXISTING_STACKS", "party10000")
    config, secret_keys = stack_config("party10000")
    config["fate:exchangeStack"] = "acme/fate-x/exchange"
    config["fate:federationReads"] = reads
    recorder = Recorder({"exchange": published(1, "192.168.0.1", 30000, "exchange")})
    run_program("party10000", config, secret_keys, recorder)
    # A StackReference is read first as the batched reads are: one that cannot be read
    # fails naming the backend asked.
    read = ["acme/fate-x/exchange"] * (2 if reads == "stackReference" else 1)
    assert recorder.stacks_read() == read
    _, values = unwrap_secret(recorder.one(RELEASE).inputs["values"])
    assert values["exchange"] == {"partyIp": "192.168.0.1", "partyPort": 30000}


@pytest.mark.parametrize(
    ("name", "read"),
    [
        ("exchange", False),
        ("organization/exchange", False),
        ("organization/fate/exchange", False),
        ("fate/exchange", True),  # organisation fate, as Pulumi reads two parts
        ("organization/fate-x/exchange", True),
    ],
)
def test_a_stack_named_in_this_organisation_and_project_waits_until_it_exists(
    name: str, read: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever its spelling, this project's stack is read once it exists (before, the
    party waits for it); any other is read at once."""
    monkeypatch.setenv("FATE_EXISTING_STACKS", "party10000")
    config, secret_keys = stack_config("party10000")
    config["fate:exchangeStack"] = name
    config["fate:federationReads"] = "batched"
    recorder = Recorder({"exchange": published(1, "192.168.0.1", 30000, "exchange")})
    run_program("party10000", config, secret_keys, recorder)
    assert recorder.stacks_read() == ([name] if read else [])
