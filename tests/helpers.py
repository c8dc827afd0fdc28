"""Raw stack configs several test modules build, and the problems loading one reports.

A test module's own builders stay in it; the ones here are shared because the tests of a
module (rules, routing, endpoints) and the tests of a feature (serving, Spark, FATE 2.0)
build the same stacks."""

from __future__ import annotations

from typing import Any

import pytest

from fate_iac.config import PartyConfig, ServingConfig
from fate_iac.loader import load_party_config, load_stack_config
from fate_iac.problems import ConfigError, Problem
from fate_iac.secrets import Secret
from tests.conftest import NOTEBOOK_HASH, party


def problems_of(raw: dict[str, Any], stack: str = "party10000") -> list[Problem]:
    with pytest.raises(ConfigError) as caught:
        load_party_config(raw, stack)
    assert caught.value.stack == stack
    return list(caught.value.problems)


def only_problem(raw: dict[str, Any]) -> Problem:
    problems = problems_of(raw)
    assert len(problems) == 1, problems
    return problems[0]


FATEFLOW = {"ip": "192.168.9.1", "port": 30097}


def secret(value: str) -> Secret:
    return Secret(value, secure=True)


def credentials() -> dict[str, Any]:
    return {
        "servingRedis": {"password": secret("s3cret-redis")},
        "servingAdmin": {"username": "admin", "password": secret("s3cret-admin")},
    }


def serving(**overrides: Any) -> dict[str, Any]:
    """Valid ``fate-serving:`` keys of a serving cluster alone in its stack."""
    raw: dict[str, Any] = {
        "partyId": 9999,
        "publicHost": "192.168.9.1",
        "servingProxy": {"type": "NodePort", "nodePort": 30096},
        "servingServer": {"type": "NodePort", "nodePort": 30095, "fateflow": dict(FATEFLOW)},
        **credentials(),
    }
    raw.update(overrides)
    return {k: v for k, v in raw.items() if v is not None}


def alone(**overrides: Any) -> dict[str, Any]:
    """A serving-only stack's raw config."""
    return {"fate-serving": serving(**overrides)}


def beside(serving_keys: dict[str, Any] | None = None, **party_keys: Any) -> dict[str, Any]:
    """Party 10000 (conftest) with a serving cluster: credentials and ``serving_keys``."""
    return party(**party_keys, **{"fate-serving": {**credentials(), **(serving_keys or {})}})


def loaded_party(raw: dict[str, Any]) -> PartyConfig:
    config = load_stack_config(raw, "party10000").config
    assert isinstance(config, PartyConfig)
    return config


def serving_cfg(**overrides: Any) -> ServingConfig:
    return ServingConfig.model_validate(serving(**overrides))


OSX = {"type": "NodePort", "nodePort": 30101}


def fate2(**overrides: Any) -> dict[str, Any]:
    """A valid FATE 2.0 party on eggroll: OSX, osx at NodePort 30101."""
    raw = party(chartVersion="v2.0.0", osx=dict(OSX))
    del raw["rollsite"]
    raw.update(overrides)
    return raw


NGINX = {"type": "NodePort", "httpNodePort": 30093, "grpcNodePort": 30098}


PULSAR = {"type": "NodePort", "httpNodePort": 30094, "httpsNodePort": 30099}


def spark(**overrides: Any) -> dict[str, Any]:
    """A valid Spark party with Pulsar federation (raw, credentials already secrets)."""
    raw: dict[str, Any] = {
        "partyId": 9999,
        "publicHost": "192.168.9.1",
        "computing": "Spark",
        "federation": "Pulsar",
        "storage": "HDFS",
        "python": {"type": "NodePort", "httpNodePort": 30097, "grpcNodePort": 30092},
        "nginx": dict(NGINX),
        "pulsar": dict(PULSAR),
        "mysql": {"password": Secret("s3cret-mysql", secure=True)},
        "fateboard": {"username": "board", "password": Secret("s3cret-board", secure=True)},
        "client": {"notebook_hashed_password": Secret(NOTEBOOK_HASH, secure=True)},
    }
    raw.update(overrides)
    return {k: v for k, v in raw.items() if v is not None}
