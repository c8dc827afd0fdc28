"""From a stack's raw ``fate:`` config to a validated :class:`PartyConfig`, or every problem.

Raw config comes from one of two places, which must agree:

* inside a Pulumi run, the engine's decrypted config and the set of secret keys
  (:func:`raw_from_pulumi`);
* offline, the ``Pulumi.<stack>.yaml`` file itself (:func:`read_stack_file`), whose
  ``secure:`` values are decrypted when the passphrase is at hand.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from fate_iac import legacy, rules, yamlio
from fate_iac.config import CREDENTIAL_PATHS, KEY_RULES, PartyConfig
from fate_iac.exchange import ExchangeConfig
from fate_iac.exchange import check as check_exchange
from fate_iac.problems import CONFIG_NAMESPACE, ConfigError, Problem
from fate_iac.routing import static_route_problems
from fate_iac.secrets import Decrypter, PassphraseError, Secret, passphrase_from_env

_PREFIX = f"{CONFIG_NAMESPACE}:"

_PYDANTIC_RULES = {
    "extra_forbidden": "unknown-key",
    "missing": "required",
    "literal_error": "allowed-values",
}


@dataclass
class LoadedConfig:
    config: PartyConfig
    notes: list[str] = field(default_factory=list)


@dataclass
class LoadedExchange:
    config: ExchangeConfig
    notes: list[str] = field(default_factory=list)


def is_exchange(raw: Mapping[str, Any]) -> bool:
    """Exchange stacks say so the KubeFATE way: ``chartName: fate-exchange``."""
    return raw.get("chartName") == "fate-exchange"


def load_stack_config(raw: Mapping[str, Any], stack: str) -> LoadedConfig | LoadedExchange:
    """A party's or an exchange's config, validated; raises :class:`ConfigError`."""
    return load_exchange_config(raw, stack) if is_exchange(raw) else load_party_config(raw, stack)


def load_exchange_config(raw: Mapping[str, Any], stack: str) -> LoadedExchange:
    try:
        config = ExchangeConfig.model_validate(dict(raw))
    except ValidationError as exc:
        raise ConfigError(stack, _from_pydantic(exc)) from None
    problems = check_exchange(config) or static_route_problems(config)
    if problems:
        raise ConfigError(stack, problems)
    notes = [
        f"fate:{key} has no effect on an exchange (the fate-exchange chart has no such value)"
        for key in ("persistence", "istio")
        if key in config.model_fields_set
    ]
    return LoadedExchange(config, notes)


def load_party_config(raw: Mapping[str, Any], stack: str) -> LoadedConfig:
    """Validate a party's raw config; raise :class:`ConfigError` listing every problem."""
    migration = legacy.migrate(dict(raw))
    problems = list(migration.problems)
    try:
        config = PartyConfig.model_validate(migration.config)
    except ValidationError as exc:
        problems.extend(_from_pydantic(exc))
        raise ConfigError(stack, problems) from None
    problems.extend(rules.check(config))
    if problems:
        raise ConfigError(stack, problems)
    problems = static_route_problems(config)
    if problems:
        raise ConfigError(stack, problems)
    return LoadedConfig(config, migration.notes + rules.advisories(config))


def _from_pydantic(exc: ValidationError) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        path = tuple(part for part in error["loc"] if isinstance(part, str | int))
        kind = error["type"]
        rule = kind if kind in KEY_RULES else _PYDANTIC_RULES.get(kind, "type")
        message = error["msg"]
        if kind == "extra_forbidden":
            message = "unknown key; see the configuration reference in README.md"
        elif kind == "missing":
            message = "required key is missing"
        elif rule == "type":
            message = f"{message} (got {error.get('input')!r})"
        problems.append(Problem(path, rule, message))
    return problems


# --- inside a Pulumi run -----------------------------------------------------------------


def raw_from_pulumi(config_env: Mapping[str, str], secret_keys: set[str]) -> dict[str, Any]:
    """The ``fate:`` config as the Pulumi engine hands it to the program.

    Objects arrive JSON-encoded and scalars as strings. Credentials under a key the
    engine reports as secret are marked secure.
    """
    raw: dict[str, Any] = {}
    for full_key, text in config_env.items():
        if not full_key.startswith(_PREFIX):
            continue
        key = full_key[len(_PREFIX) :]
        raw[key] = json.loads(text) if text[:1] in "{[" else text
    for path in CREDENTIAL_PATHS:
        secure = f"{_PREFIX}{path[0]}" in secret_keys
        _replace(raw, path, lambda value, s=secure: Secret(str(value), s))
    return raw


def _replace(raw: dict[str, Any], path: tuple[str, ...], fn: Any) -> None:
    node: Any = raw
    for key in path[:-1]:
        node = node.get(key) if isinstance(node, dict) else None
    if isinstance(node, dict) and node.get(path[-1]) is not None:
        node[path[-1]] = fn(node[path[-1]])


# --- offline, from the stack file ---------------------------------------------------------


def stack_file(project_dir: Path, stack: str) -> Path:
    return project_dir / f"Pulumi.{stack}.yaml"


def read_stack_file(path: Path, stack: str, passphrase: str | None = None) -> dict[str, Any]:
    """The ``fate:`` config of a stack file, with secure values decrypted when possible.

    ``passphrase`` defaults to the Pulumi CLI's environment variables. Without it,
    credentials stay opaque secrets and any other encrypted key is a problem.
    """
    if not path.exists():
        raise ConfigError(stack, [Problem((), "stack-file", f"{path} does not exist")])
    document = yamlio.load(path.read_text()) or {}
    config = document.get("config") or {}
    raw = {k[len(_PREFIX) :]: v for k, v in config.items() if k.startswith(_PREFIX)}
    if passphrase is None:
        passphrase = passphrase_from_env()
    decrypter = None
    if passphrase is not None and document.get("encryptionsalt"):
        try:
            decrypter = Decrypter(passphrase, document["encryptionsalt"])
        except PassphraseError as exc:
            raise ConfigError(stack, [Problem((), "secret", str(exc))]) from None
    problems: list[Problem] = []
    result = _decrypt_tree(raw, (), decrypter, problems)
    if problems:
        raise ConfigError(stack, problems)
    assert isinstance(result, dict)
    return result


def _decrypt_tree(
    node: Any, path: tuple[str | int, ...], decrypter: Decrypter | None, problems: list[Problem]
) -> Any:
    if isinstance(node, dict) and set(node) == {"secure"}:
        is_credential = path in CREDENTIAL_PATHS
        if decrypter is not None:
            plain = decrypter.decrypt(str(node["secure"]))
            return Secret(plain, True) if is_credential else plain
        if is_credential:
            return Secret(None, True)
        problems.append(
            Problem(
                path,
                "secret",
                "is encrypted; set PULUMI_CONFIG_PASSPHRASE (or _FILE) to read it offline",
            )
        )
        return None
    if isinstance(node, dict):
        return {k: _decrypt_tree(v, (*path, k), decrypter, problems) for k, v in node.items()}
    if isinstance(node, list):
        return [_decrypt_tree(v, (*path, i), decrypter, problems) for i, v in enumerate(node)]
    if path in CREDENTIAL_PATHS and node is not None:
        return Secret(str(node), False)
    return node


def load_stack(
    project_dir: Path, stack: str, passphrase: str | None = None
) -> LoadedConfig | LoadedExchange:
    """Read and validate a stack's file, as ``fatectl`` does."""
    raw = read_stack_file(stack_file(project_dir, stack), stack, passphrase)
    return load_stack_config(raw, stack)
