"""render_values as a pure function: what the chart receives for a given intent."""

from __future__ import annotations

from typing import Any

from fate_iac.charts import UPSTREAM_CHART_REPO, merge_values
from fate_iac.config import ALL_MODULES, PartyConfig
from fate_iac.kinds import EGGROLL
from fate_iac.loader import load_party_config
from fate_iac.secrets import Secret
from fate_iac.values import map_secrets, render_values
from tests.conftest import party


def values_for(**overrides: Any) -> dict[str, Any]:
    return render_values(load_party_config(party(**overrides), "s").config)


def release_values(cfg: PartyConfig) -> dict[str, Any]:
    """The values the party's release installs with (before the routes)."""
    [spec] = EGGROLL.releases(cfg, UPSTREAM_CHART_REPO)
    return spec.values


def test_every_module_is_included_or_excluded_explicitly() -> None:
    values = values_for()
    assert set(values["modules"]) == {*ALL_MODULES, "serving"} - {"osx"}  # FATE 2.0's
    included = {m for m, body in values["modules"].items() if body.get("include")}
    assert included == {
        "rollsite",
        "clustermanager",
        "nodemanager",
        "mysql",
        "python",
        "fateboard",
        "client",
    }
    for module in ("lbrollsite", "spark", "hdfs", "nginx", "rabbitmq", "pulsar"):
        assert values["modules"][module] == {"include": False}


def test_an_absent_section_leaves_the_chart_defaults_alone() -> None:
    values = values_for()
    assert values["modules"]["nodemanager"] == {"include": True}
    assert values["modules"]["clustermanager"] == {"include": True}


def test_a_written_section_takes_the_template_defaults_for_missing_keys() -> None:
    nodemanager = values_for(nodemanager={"replicas": 3})["modules"]["nodemanager"]
    assert nodemanager == {
        "include": True,
        "sessionProcessorsPerNode": None,  # KubeFATE writes it empty: the chart's 4 is dropped
        "replicas": 3,
        "subPath": None,
        "storageClass": "nodemanager",
        "existingClaim": None,
        "accessMode": "ReadWriteOnce",
        "size": "1Gi",
    }


def test_routes_come_from_rollsite() -> None:
    values = values_for()
    assert values["partyList"] == [{"partyId": 9999, "partyIp": "192.168.9.1", "partyPort": 30091}]
    assert values["exchange"] is None  # drops the chart's example exchange
    assert values["exchangeList"] == []
    rollsite = values["modules"]["rollsite"]
    assert (rollsite["type"], rollsite["nodePort"], rollsite["enableTLS"]) == (
        "NodePort",
        30101,
        False,
    )


def test_exchange_route() -> None:
    raw = party()
    raw["rollsite"] = {**raw["rollsite"], "exchange": {"ip": "10.1.1.1", "port": 30000}}
    values = render_values(load_party_config(raw, "s").config)
    assert values["exchange"] == {"partyIp": "10.1.1.1", "partyPort": 30000}


def test_images() -> None:
    image = values_for()["image"]
    assert image == {"registry": "federatedai", "isThridParty": False, "pullPolicy": "IfNotPresent"}
    image = values_for(registry="mirror.example.org/fate", imageTag="1.11.2-custom")["image"]
    assert image["registry"] == "mirror.example.org/fate"
    assert image["isThridParty"] is True and image["tag"] == "1.11.2-custom"


def test_credentials_stay_secret_objects() -> None:
    values = values_for()
    assert values["modules"]["mysql"]["password"] == Secret("s3cret-mysql", True)
    assert values["modules"]["fateboard"]["password"] == Secret("s3cret-board", True)
    shown = map_secrets(values, lambda s: s.reveal(redact=True))
    assert shown["modules"]["mysql"]["password"] == "[secret]"
    assert "s3cret" not in repr(shown)


def test_default_credentials_are_written_only_with_opt_in() -> None:
    values = values_for(allowDefaultCredentials=True, mysql={"user": "fate"})
    assert values["modules"]["mysql"]["password"] == "fate_dev"


def test_helm_values_escape_hatch_merges_last() -> None:
    cfg = load_party_config(
        party(helmValues={"modules": {"python": {"dependent_distribution": True}}}), "s"
    ).config
    python = release_values(cfg)["modules"]["python"]
    assert python["dependent_distribution"] is True and python["httpNodePort"] == 30107


def test_merge_values_is_deep_and_does_not_mutate() -> None:
    base = {"a": {"b": 1, "c": 2}, "d": [1]}
    merged = merge_values(base, {"a": {"c": 3}, "d": [2]})
    assert merged == {"a": {"b": 1, "c": 3}, "d": [2]}
    assert base == {"a": {"b": 1, "c": 2}, "d": [1]}


def test_release_values_write_every_null_as_an_empty_string() -> None:
    cfg = load_party_config(party(nodemanager={"replicas": 3}), "s").config
    assert render_values(cfg)["modules"]["nodemanager"]["sessionProcessorsPerNode"] is None
    values = release_values(cfg)

    def nulls(node: Any) -> bool:
        if isinstance(node, dict):
            return any(v is None or nulls(v) for v in node.values())
        if isinstance(node, list):
            return any(v is None or nulls(v) for v in node)
        return False

    assert not nulls(values)
    assert values["exchange"] == ""
    assert values["modules"]["nodemanager"]["sessionProcessorsPerNode"] == ""
    assert values["modules"]["nodemanager"]["replicas"] == 3
    assert values["exchangeList"] == [] and values["partyList"][0]["partyId"] == 9999


def test_values_follow_the_config_not_the_defaults() -> None:
    """Each typed key reaches its chart key: a change of one key changes that value."""
    base = values_for()
    changed = values_for(nodemanager={"replicas": 5}, python={"logLevel": "DEBUG"})
    assert base["modules"]["nodemanager"] == {"include": True}
    assert changed["modules"]["nodemanager"]["replicas"] == 5
    assert changed["modules"]["python"]["logLevel"] == "DEBUG"
    assert base["modules"]["python"]["logLevel"] == "INFO"
