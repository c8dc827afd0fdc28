"""FATE 2.0 (the fate chart v2.0.0): osx in place of rollsite, an image per module, OSX
federation by stack name, and what a 2.0 party cannot do, refused with the reason."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from fate_iac.federation_check import Member, check_federation
from fate_iac.kinds import EXCHANGE
from fate_iac.kubefate import import_cluster_yaml
from fate_iac.loader import load_stack_config
from fate_iac.problems import ConfigError
from fate_iac.secrets import Secret
from fate_iac.values import render_values
from tests.conftest import NOTEBOOK_HASH, example, party
from tests.helpers import OSX, fate2


def problems(raw: dict[str, Any]) -> dict[tuple[Any, ...], tuple[str, str]]:
    with pytest.raises(ConfigError) as caught:
        load_stack_config(raw, "p")
    return {p.path: (p.rule, p.message) for p in caught.value.problems}


def test_a_2_0_party_on_eggroll_federates_through_osx_by_default() -> None:
    cfg = load_stack_config(fate2(), "p").config
    assert cfg.federation == "OSX" and cfg.protocol == "osx" and cfg.gateway == "osx"
    assert cfg.modules[0] == "osx" and "rollsite" not in cfg.modules
    assert cfg.fate_version == "2.0"
    values = render_values(cfg)
    assert values["image"]["registry"] == ""  # the 2.0 chart's images name their own
    assert "rollsite" not in values["modules"]
    osx = values["modules"]["osx"]
    assert (osx["ip"], osx["image"], osx["imageTag"]) == ("osx", "federatedai/osx", "2.0.0-release")
    assert values["modules"]["python"]["image"] == "federatedai/fateflow"
    assert values["modules"]["mysql"]["imageTag"] == "8.0.28"


@pytest.mark.parametrize(
    ("overrides", "path", "rule", "words"),
    [
        (
            {
                "modules": ["rollsite", "clustermanager", "nodemanager", "mysql", "python"],
                "rollsite": dict(OSX),
            },
            ("rollsite",),
            "chart-version",
            "write the osx section",
        ),
        ({"federation": "Eggroll"}, ("federation",), "modules", "needs federation: OSX"),
        ({"imageTag": "2.0.0-x"}, ("imageTag",), "chart-version", "each module's imageTag"),
        ({"registry": "hub.example.org/fate"}, ("registry",), "chart-version", "end it with /"),
        (
            {"osx": {**OSX, "exchange": {"ip": "10.0.0.1", "port": 30000}}},
            ("osx", "exchange"),
            "osx",
            "renders no route to an exchange",
        ),
        ({"osx": {**OSX, "enableTLS": True}}, ("osx", "enableTLS"), "osx", "turns on no TLS"),
        (
            {"osx": {**OSX, "polling": {"enabled": True}}},
            ("osx", "polling"),
            "osx",
            "no template reads it",
        ),
        ({"exchangeStack": "exchange"}, ("exchangeStack",), "osx", "no OSX exchange chart"),
        (
            {"spark": {"master": {"Image": "m"}}},
            ("spark", "master", "Image"),
            "chart-version",
            "spark.master.image",
        ),
    ],
)
def test_what_a_2_0_party_cannot_do_is_refused_with_the_reason(
    overrides: dict[str, Any], path: tuple[str, ...], rule: str, words: str
) -> None:
    found = problems(fate2(**overrides))
    assert path in found, found
    assert found[path][0] == rule and words in found[path][1], found[path]


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"osx": dict(OSX), "rollsite": None}, ("osx",)),
        ({"python": {"image": "fateflow"}}, ("python", "image")),
        ({"spark": {"worker": {"imageTag": "2.0.0"}}}, ("spark", "worker", "imageTag")),
        ({"federation": "OSX"}, ("federation",)),
    ],
)
def test_fate_2_0_keys_are_refused_on_a_1_x_chart(
    overrides: dict[str, Any], path: tuple[str, ...]
) -> None:
    found = problems(party(**{k: v for k, v in overrides.items() if v is not None}))
    assert path in found, found
    if path != ("federation",):
        assert "needs the fate chart v2.0.0, not v1.11.2" in found[path][1]


def test_an_exchange_of_fate_2_0_does_not_exist() -> None:
    raw = {
        "chartName": "fate-exchange",
        "chartVersion": "v2.0.0",
        "publicHost": "10.0.0.1",
        "rollsite": {"type": "NodePort", "nodePort": 30000},
    }
    with pytest.raises(ConfigError) as caught:
        EXCHANGE.load(raw, "exchange")
    [problem] = caught.value.problems
    assert (
        problem.path == ("chartVersion",) and "there is no fate-exchange v2.0.0" in problem.message
    )


def test_peers_of_different_fate_versions_are_refused_across_stacks() -> None:
    """FATE runs no job across versions whose first two numbers differ (FATE's own word):
    a Spark party on 2.0 and one on 1.11 speak the same protocol, and are still refused."""
    pulsar = {"type": "NodePort", "httpNodePort": 30104, "httpsNodePort": 30105}
    spark = {
        "computing": "Spark_local",
        "federation": "Pulsar",
        "storage": "LocalFS",
        "allowDefaultCredentials": True,
        "rollsite": None,
        "pulsar": pulsar,
    }
    one = {k: v for k, v in party(partyId=9999, peers=["b"], **spark).items() if v is not None}
    two = {
        **one,
        "partyId": 10000,
        "peers": ["a"],
        "chartVersion": "v2.0.0",
        "namespace": "fate-10000-b",
    }
    members = {
        "a": Member(load_stack_config(one, "a").config, "c1"),
        "b": Member(load_stack_config(two, "b").config, "c2"),
    }
    [problem] = check_federation(members)
    assert (problem.stacks, problem.rule) == (("a", "b"), "fate-version")
    assert "a runs FATE 1.11 and b FATE 2.0" in problem.message


def test_a_1_x_cluster_yaml_imported_for_2_0_is_rewritten_key_by_key() -> None:
    document = yaml.safe_load(example("v1.11.2/party-9999/cluster.yaml").read_text())
    document["registry"] = "hub.example.org/federatedai"
    imported = import_cluster_yaml(document, "v2.0.0")
    assert imported.problems == []
    config = imported.config
    assert config["chartVersion"] == "v2.0.0" and config["federation"] == "OSX"
    assert "osx" in config["modules"] and "rollsite" not in config["modules"]
    assert config["osx"]["partyList"][0]["partyId"] == 10000 and "rollsite" not in config
    assert config["registry"] == "hub.example.org/"
    said = "\n".join(imported.notes)
    assert "fate:rollsite becomes osx" in said
    assert "fate:federation Eggroll becomes OSX" in said
    assert "fate:registry hub.example.org/federatedai becomes hub.example.org/" in said
    raw = imported.config_with_credentials()
    for section in ("mysql", "fateboard"):
        raw.setdefault(section, {})["password"] = Secret(f"{section}-pw-2", True)
    raw["fateboard"]["username"] = "board"
    raw["client"] = {"notebook_hashed_password": Secret(NOTEBOOK_HASH, True)}
    cfg = load_stack_config(raw, "party9999").config
    assert cfg.protocol == "osx" and render_values(cfg)["partyList"][0]["partyId"] == 10000


def test_what_a_1_x_file_cannot_carry_to_2_0_is_refused() -> None:
    document = yaml.safe_load(example("v1.11.2/party-9999/cluster.yaml").read_text())
    document.update(registry="hub.example.org/mirror", imageTag="1.11.2-patched")
    imported = import_cluster_yaml(document, "v2.0.0")
    refused = {p.path: p.message for p in imported.problems}
    assert "set registry (ending in /) and each module's image" in refused[("registry",)]
    assert "reads no global tag" in refused[("imageTag",)]


def test_a_2_0_peer_of_a_1_x_party_is_refused_for_its_fate_version() -> None:
    """The versions differ before the protocols do: that is the reason given."""
    old = party(partyId=9999, peers=["b"], rollsite={"type": "NodePort", "nodePort": 30091})
    new = fate2(peers=["a"], namespace="fate-10000-b")
    members = {
        "a": Member(load_stack_config(old, "a").config, "c1"),
        "b": Member(load_stack_config(new, "b").config, "c2"),
    }
    [problem] = check_federation(members)
    assert (problem.stacks, problem.rule) == (("a", "b"), "fate-version")
