"""``__main__.py`` with each shipped stack file, as the engine runs it (under mocks)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import EXAMPLE_PASSPHRASE, PROJECT_DIR
from tests.pulumi_mocks import Recorder, engine_config, run_program, unwrap_secret

RELEASE = "kubernetes:helm.sh/v3:Release"


@pytest.mark.parametrize(
    ("stack", "party", "node_port"), [("party9999", 9999, 30091), ("party10000", 10000, 30101)]
)
def test_shipped_stack_builds_its_party(stack: str, party: int, node_port: int) -> None:
    config, secret_keys = engine_config(PROJECT_DIR / f"Pulumi.{stack}.yaml", EXAMPLE_PASSPHRASE)
    assert secret_keys == ["fate:client", "fate:fateboard", "fate:mysql"]
    exchange = {
        "federation": {
            "kind": "exchange",
            "partyId": 1,
            "stack": "exchange",
            "endpoints": {"rollsite": {"host": "192.168.0.1", "port": 30000}},
        }
    }
    recorder = run_program(stack, config, secret_keys, Recorder({"exchange": exchange}))
    assert recorder.one("fate:index:FateEggrollCluster").name == f"fate-{party}"
    release = recorder.one(RELEASE).inputs
    assert release["namespace"] == f"fate-{party}"
    secret, values = unwrap_secret(release["values"])
    assert secret
    assert values["partyId"] == party
    assert values["partyList"] == []  # star: every other party is reached via the exchange
    assert values["exchange"] == {"partyIp": "192.168.0.1", "partyPort": 30000}
    assert values["modules"]["rollsite"]["nodePort"] == node_port


def test_the_shipped_federation_names_its_stacks_consistently() -> None:
    exchange, _ = engine_config(PROJECT_DIR / "Pulumi.exchange.yaml", EXAMPLE_PASSPHRASE)
    members = json.loads(exchange["fate:members"])
    assert members == ["party9999", "party10000"]
    for stack in members:
        config, _ = engine_config(PROJECT_DIR / f"Pulumi.{stack}.yaml", EXAMPLE_PASSPHRASE)
        assert config["fate:exchangeStack"] == "exchange"


def test_bad_config_is_refused_before_anything_is_registered() -> None:
    config, secret_keys = engine_config(PROJECT_DIR / "Pulumi.party10000.yaml", EXAMPLE_PASSPHRASE)
    config["fate:partyId"] = "-1"
    config["fate:rollsite"] = json.dumps({"type": "NodePort", "nodePort": 80})
    config["fate:mysql"] = json.dumps({"password": "typed-in-clear"})
    recorder = Recorder()
    with pytest.raises(Exception, match="configuration problem") as caught:
        run_program("party10000", config, [k for k in secret_keys if k != "fate:mysql"], recorder)
    assert [r for r in recorder.resources if not r.type.startswith("pulumi:")] == []
    report = str(caught.value)
    assert "stack party10000: fate:partyId" in report
    # Shape errors stop validation before the cross-key rules run.
    assert "typed-in-clear" not in report


def test_cross_key_rules_are_reported_together_by_the_program() -> None:
    config, secret_keys = engine_config(PROJECT_DIR / "Pulumi.party10000.yaml", EXAMPLE_PASSPHRASE)
    config["fate:rollsite"] = json.dumps({"type": "NodePort", "nodePort": 80})
    config["fate:mysql"] = json.dumps({"password": "typed-in-clear"})
    recorder_error = None
    try:
        run_program("party10000", config, [k for k in secret_keys if k != "fate:mysql"])
    except Exception as error:
        recorder_error = str(error)
    assert recorder_error is not None
    assert "fate:rollsite.nodePort: NodePort 80 is outside" in recorder_error
    assert "fate:mysql.password: credentials must be Pulumi secrets" in recorder_error
    assert "typed-in-clear" not in recorder_error


def test_a_party_with_serving_builds_both_clusters_wired_to_each_other() -> None:
    """examples/serving's party: FateEggrollCluster and FateServing, each in its own
    namespace, reading the exchange's record once, and naming each other in-cluster."""
    path = PROJECT_DIR / "examples" / "serving" / "Pulumi.party9999.yaml"
    config, secret_keys = engine_config(path, EXAMPLE_PASSPHRASE)
    assert "fate-serving:servingRedis" in secret_keys
    exchange = {
        "federation": {
            "kind": "exchange",
            "partyId": 1,
            "stack": "exchange",
            "protocols": ["serving", "eggroll"],
            "endpoints": {
                "rollsite": {"host": "192.168.0.1", "port": 31500},
                "servingProxy": {"host": "192.168.0.1", "port": 31506},
            },
        }
    }
    recorder = run_program("party9999", config, secret_keys, Recorder({"exchange": exchange}))
    assert recorder.one("fate:index:FateEggrollCluster").name == "fate-train-9999"
    assert recorder.one("fate:index:FateServing").name == "fate-serving-9999"
    assert len(recorder.of_type("pulumi:pulumi:StackReference")) == 1  # read once, for both
    releases = {r.inputs["namespace"]: r.inputs for r in recorder.of_type(RELEASE)}
    assert set(releases) == {"fate-train-9999", "fate-serving-9999"}
    _, training = unwrap_secret(releases["fate-train-9999"]["values"])
    assert training["modules"]["serving"]["ip"] == (
        "serving-server.fate-serving-9999.svc.cluster.local"
    )
    assert training["modules"]["serving"]["port"] == 8000
    secret, serving = unwrap_secret(releases["fate-serving-9999"]["values"])
    assert secret  # its Redis and admin passwords
    assert serving["servingServer"]["fateflow"] == {
        "ip": "fateflow.fate-train-9999.svc.cluster.local",
        "port": 9380,
    }
    assert serving["servingProxy"]["exchange"] == {"partyIp": "192.168.0.1", "partyPort": 31506}
    assert serving["servingProxy"]["partyList"] == []


def test_a_fate_2_0_party_installs_the_2_0_chart_with_osx_routed_by_stack_name() -> None:
    """The program as the engine runs it, for a FATE 2.0 party naming an OSX peer's stack:
    FateEggrollCluster installs chart v2.0.0 with osx, its partyList from the peer's record."""
    config = {
        "fate:partyId": "9999",
        "fate:chartVersion": "v2.0.0",
        "fate:publicHost": "10.0.9.1",
        "fate:allowDefaultCredentials": "true",
        "fate:allowNotebookWithoutPassword": "true",
        "fate:peers": json.dumps(["party10000"]),
        "fate:osx": json.dumps({"type": "NodePort", "nodePort": 30091}),
        "fate:fateboard": json.dumps({"username": "admin"}),
    }
    peer = {
        "federation": {
            "kind": "party",
            "partyId": 10000,
            "stack": "party10000",
            "protocols": ["osx"],
            "fateVersion": "2.0",
            "endpoints": {"osx": {"host": "10.0.10.1", "port": 30101}},
        }
    }
    recorder = run_program("party9999", config, [], Recorder({"party10000": peer}))
    release = recorder.one(RELEASE).inputs
    assert release["version"] == "v2.0.0"
    _, values = unwrap_secret(release["values"])
    assert values["partyList"] == [{"partyId": 10000, "partyIp": "10.0.10.1", "partyPort": 30101}]
    assert values["federation"] == "OSX" and values["modules"]["osx"]["include"] is True
    assert "rollsite" not in values["modules"]
