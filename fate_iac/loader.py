"""From a stack's raw ``fate:`` config to a validated config of its kind, or every problem.

Raw config comes from one of two places, which must agree:

* inside a Pulumi run, the engine's decrypted config and the set of secret keys
  (:func:`raw_from_pulumi`);
* offline, the ``Pulumi.<stack>.yaml`` file itself (:func:`read_stack_file`), whose
  ``secure:`` values are decrypted with the passphrase when the stack uses the
  passphrase provider, and through the Pulumi CLI when it uses another one.

Either way the result says which keys were secrets and holds their plaintexts, so no
message ever shows them and whatever is derived from them stays secret.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from fate_iac import yamlio
from fate_iac.charts import CHART_REPO_PATHS, holds_credentials
from fate_iac.config import (
    ExchangeConfig,
    PartyConfig,
)
from fate_iac.kinds import EXCHANGE, KINDS, Loaded, kind_for
from fate_iac.problems import (
    CONFIG_NAMESPACE,
    SERVING_NAMESPACE,
    ConfigError,
    KeyPath,
    Problem,
    config_key,
    key_path,
)
from fate_iac.record_file import read_static_records
from fate_iac.secrets import Decrypter, PassphraseError, Secret, passphrase_from_env
from fate_iac.values import map_secrets

CREDENTIAL_PATHS: frozenset[KeyPath] = frozenset(
    path for kind in KINDS.values() for path in kind.credential_paths
)
"""Where any kind keeps a credential."""
RAW_VALUE_KEYS = ("helmValues",)
"""Keys whose values reach a chart as they are: their secrets stay secrets offline too."""
CLI_TIMEOUT = 60.0
VALUE_RULES = ("default-credentials (is it a chart's well-known password?)",)
"""The rules that read a secret's value, not only whether it is a secret: skipped (and
said to be) when a stack's secrets cannot be opened offline."""


@dataclass(frozen=True)
class RawConfig:
    """A stack's ``fate:`` config before validation, and what of it was secret:
    ``secret_paths`` (top-level keys inside a Pulumi run, each secure value offline) and
    ``plaintexts`` (their decrypted values, never to be shown)."""

    values: dict[str, Any]
    secret_paths: frozenset[KeyPath] = frozenset()
    plaintexts: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()
    base_dir: Path | None = None
    """Where record files it names are read from: the project directory (None: the
    working directory, which a Pulumi run is in)."""

    def secret_keys_in(self, namespace: str) -> frozenset[str]:
        """The keys of a config namespace that were given (in part) as secrets."""
        keys = set()
        for path in self.secret_paths:
            if path[:1] == (SERVING_NAMESPACE,):
                if namespace == SERVING_NAMESPACE and len(path) > 1:
                    keys.add(str(path[1]))
            elif namespace == CONFIG_NAMESPACE:
                keys.add(str(path[0]))
        return frozenset(keys)


def _nest(values: dict[str, Any], path: KeyPath, value: Any) -> None:
    """``values`` with the key at ``path`` (a config key, see config_key) set."""
    node = values
    for key in path[:-1]:
        node = node.setdefault(str(key), {})
    node[str(path[-1])] = value


def load_stack_config(raw: Mapping[str, Any] | RawConfig, stack: str) -> Loaded[Any]:
    """A stack's config, validated by its kind; raises :class:`ConfigError`."""
    if not isinstance(raw, RawConfig):
        raw = RawConfig(dict(raw))
    exposed = plaintext_repository_credentials(raw)
    static = read_static_records(raw.values, raw.base_dir or Path.cwd())
    try:
        loaded = kind_for(static.values, stack).load(static.values, stack, raw.secret_paths)
    except ConfigError as error:  # a stack's problems together: its records' and its own
        found = [*exposed, *static.problems, *(static.located(p) for p in error.problems)]
        raise ConfigError(stack, found).hiding(raw.plaintexts) from None
    if exposed or static.problems:
        raise ConfigError(stack, [*exposed, *static.problems]).hiding(raw.plaintexts)
    loaded.kind.mark_secrets(loaded.config, raw)
    loaded.notes[:0] = raw.notes
    return replace(loaded, static_records=static.found)


def plaintext_repository_credentials(raw: RawConfig) -> list[Problem]:
    """A chart repository URL with credentials written in plaintext config: refused, as
    a credential set without --secret is (the URL is never quoted)."""
    problems = []
    for path in CHART_REPO_PATHS:
        value = _get(raw.values, path)
        secret = any(path[: len(key)] == key for key in raw.secret_paths)
        if isinstance(value, str) and holds_credentials(value) and not secret:
            problems.append(
                Problem(
                    path,
                    "secret",
                    "a chart repository URL with credentials is a secret: set it as one: "
                    f"pulumi config set --secret --path '{key_path(path)}' <url>",
                )
            )
    return problems


def load_party_config(raw: Mapping[str, Any], stack: str) -> Loaded[PartyConfig]:
    """Validate a party's raw config (eggroll or Spark, as its engines say); raise
    :class:`ConfigError` listing every problem."""
    kind = kind_for(raw, stack)
    if kind.role != "party":
        raise ValueError(f"stack {stack}: not a party config ({kind.tag})")
    loaded: Loaded[PartyConfig] = kind.load(raw, stack)
    return loaded


def load_exchange_config(raw: Mapping[str, Any], stack: str) -> Loaded[ExchangeConfig]:
    return EXCHANGE.load(raw, stack)


# --- inside a Pulumi run -----------------------------------------------------------------


def _leaves(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [leaf for value in node.values() for leaf in _leaves(value)]
    if isinstance(node, list):
        return [leaf for value in node for leaf in _leaves(value)]
    return [] if node is None else [str(node)]


def raw_from_pulumi(config_env: Mapping[str, str], secret_keys: set[str]) -> RawConfig:
    """The ``fate:`` config as the Pulumi engine hands it to the program.

    Objects arrive JSON-encoded and scalars as strings (a string that merely starts with
    ``{`` or ``[`` stays a string). Credentials under a key the engine reports as secret
    are marked secure; every secret key is remembered with its plaintexts.
    """
    raw: dict[str, Any] = {}
    secret: set[KeyPath] = set()
    for full_key, text in config_env.items():
        path = config_key(full_key)
        if path is None:
            continue
        value: Any = text
        if text[:1] in "{[":
            with contextlib.suppress(json.JSONDecodeError):
                value = json.loads(text)
        _nest(raw, path, value)
        if full_key in secret_keys:
            secret.add(path)
    for path in CREDENTIAL_PATHS:
        secure = any(path[: len(key)] == key for key in secret)
        _replace(raw, path, lambda value, s=secure: Secret(str(value), s))
    plaintexts = {
        leaf for path in secret for leaf in _leaves(map_secrets(_get(raw, path), lambda s: s.value))
    }
    return RawConfig(raw, frozenset(secret), frozenset(plaintexts))


def _whole_object(plain: str | None) -> dict[str, Any] | list[Any] | None:
    """A secure value holding a JSON object or list (``pulumi config set --secret
    fate:helmValues '{...}'``), which Pulumi's own ``get_object`` reads as one; a value
    that merely looks like JSON stays a string."""
    if not plain or plain[:1] not in "{[":
        return None
    try:
        found = json.loads(plain)
    except json.JSONDecodeError:
        return None
    return found if isinstance(found, dict | list) else None


def _get(raw: dict[str, Any], path: KeyPath) -> Any:
    node: Any = raw
    for key in path:
        node = node.get(str(key)) if isinstance(node, dict) else None
    return node


def _replace(raw: dict[str, Any], path: KeyPath, fn: Any) -> None:
    node: Any = raw
    for key in path[:-1]:
        node = node.get(key) if isinstance(node, dict) else None
    if isinstance(node, dict) and node.get(path[-1]) is not None:
        node[path[-1]] = fn(node[path[-1]])


# --- offline, from the stack file ---------------------------------------------------------


def stack_file(project_dir: Path, stack: str) -> Path:
    return project_dir / f"Pulumi.{stack}.yaml"


def secrets_provider(document: Mapping[str, Any]) -> str:
    """The secrets provider a stack file names: ``passphrase``, a KMS URL, or
    ``service`` (Pulumi Cloud's, which a stack file does not name)."""
    if document.get("encryptionsalt"):
        return "passphrase"
    return str(document.get("secretsprovider") or "service")


class _Secrets:
    """Opens a stack file's ``secure:`` values: itself for the passphrase provider,
    through the Pulumi CLI for any other; or says why it cannot."""

    def __init__(
        self, path: Path, stack: str, document: Mapping[str, Any], passphrase: str | None
    ) -> None:
        self.provider = secrets_provider(document)
        self.decrypter: Decrypter | None = None
        self.cli_values: dict[str, Any] | None = None
        self.why_not = ""
        if self.provider == "passphrase":
            if passphrase is None:
                passphrase = passphrase_from_env()
            if passphrase is None:
                self.why_not = (
                    "is encrypted; set PULUMI_CONFIG_PASSPHRASE (or _FILE) to read it offline"
                )
                return
            try:
                self.decrypter = Decrypter(passphrase, str(document["encryptionsalt"]))
            except PassphraseError as exc:
                raise ConfigError(stack, [Problem((), "secret", str(exc))]) from None
        else:
            self.cli_values, self.why_not = read_with_cli(path.parent, stack, self.provider)

    def open(self, path: KeyPath, ciphertext: str) -> str | None:
        if self.decrypter is not None:
            return self.decrypter.decrypt(ciphertext)
        if self.cli_values is not None:
            node: Any = self.cli_values
            for key in path:
                if isinstance(node, dict):
                    node = node.get(key)
                elif isinstance(node, list) and isinstance(key, int) and key < len(node):
                    node = node[key]
                else:
                    node = None
            return None if node is None else str(node)
        return None


def read_with_cli(
    project_dir: Path, stack: str, provider: str
) -> tuple[dict[str, Any] | None, str]:
    """The stack's decrypted ``fate:`` config as the Pulumi CLI shows it, or None and why
    it could not be read that way."""
    cli = shutil.which("pulumi")
    where = f"the stack's secrets provider ({provider})"
    if cli is None:
        return None, (
            f"is encrypted by {where}; fatectl decrypts passphrase secrets by itself and "
            "any other through the Pulumi CLI, which is not on PATH: install it and log in "
            "to the stack's backend"
        )
    try:
        result = subprocess.run(
            [cli, "config", "--show-secrets", "--json", "--stack", stack, "--non-interactive"],
            cwd=project_dir,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None, f"is encrypted by {where}; `pulumi config` did not answer in time"
    if result.returncode != 0:
        reason = (result.stderr or result.stdout).strip().splitlines()
        return None, (
            f"is encrypted by {where}, and `pulumi config --show-secrets` failed: "
            f"{reason[-1] if reason else 'exit ' + str(result.returncode)}"
        )
    values: dict[str, Any] = {}
    for full_key, entry in json.loads(result.stdout or "{}").items():
        path = config_key(full_key)
        if path is not None and isinstance(entry, dict):
            _nest(values, path, entry.get("objectValue", entry.get("value")))
    return values, ""


def read_stack_file(path: Path, stack: str, passphrase: str | None = None) -> RawConfig:
    """The ``fate:`` config of a stack file, with secure values opened when possible.

    ``passphrase`` defaults to the Pulumi CLI's environment variables. When the secrets
    cannot be opened, credentials stay opaque secrets and any other encrypted key is a
    problem saying why.
    """
    if not path.exists():
        raise ConfigError(stack, [Problem((), "stack-file", f"{path} does not exist")])
    try:
        document = yamlio.load_input(path.read_text(), str(path)) or {}
    except yamlio.InputError as error:
        raise ConfigError(stack, [Problem((), "yaml", str(error))]) from None
    if not isinstance(document, dict):
        raise ConfigError(stack, [Problem((), "yaml", f"{path}: not a mapping of keys")])
    config = document.get("config") or {}
    raw: dict[str, Any] = {}
    for full_key, value in config.items():
        where = config_key(full_key)
        if where is not None:
            _nest(raw, where, value)
    opener: _Secrets | None = None
    problems: list[Problem] = []
    secret: set[KeyPath] = set()
    plaintexts: set[str] = set()
    unread: list[KeyPath] = []

    def walk(node: Any, where: KeyPath) -> Any:
        nonlocal opener
        if isinstance(node, dict) and set(node) == {"secure"}:
            if opener is None:
                opener = _Secrets(path, stack, document, passphrase)
            secret.add(where)
            try:
                plain = opener.open(where, str(node["secure"]))
            except PassphraseError:
                problems.append(
                    Problem(
                        where,
                        "secret",
                        "does not decrypt with this stack's passphrase (the passphrase is "
                        "right: it opens the stack's salt): the ciphertext is damaged or was "
                        "copied from another stack; set it again with pulumi config set "
                        "--secret --path "
                        f"'{key_path(where)}' <value>",
                    )
                )
                return None
            if plain is not None:
                plaintexts.add(plain)
            else:
                unread.append(where)
            whole = _whole_object(plain)
            if whole is not None:  # a section set whole as one secret
                plaintexts.update(_leaves(whole))
                return sealed(whole, where)
            if where in CREDENTIAL_PATHS or where[:1] in [(k,) for k in RAW_VALUE_KEYS]:
                return Secret(plain, True)
            if plain is None:
                problems.append(Problem(where, "secret", opener.why_not))
            return plain
        if isinstance(node, dict):
            return {k: walk(v, (*where, k)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, (*where, i)) for i, v in enumerate(node)]
        if where in CREDENTIAL_PATHS and node is not None:
            return Secret(str(node), False)
        return node

    def sealed(node: Any, where: KeyPath) -> Any:
        """An object decrypted whole: each of its keys is as secret as if set alone."""
        secret.add(where)
        if isinstance(node, dict):
            return {k: sealed(v, (*where, k)) for k, v in node.items()}
        if isinstance(node, list):
            return [sealed(v, (*where, i)) for i, v in enumerate(node)]
        raw_value = where[:1] in [(k,) for k in RAW_VALUE_KEYS]
        if (where in CREDENTIAL_PATHS or raw_value) and isinstance(node, str):
            return Secret(node, True)
        return node

    result = walk(raw, ())
    if problems:
        raise ConfigError(stack, problems)
    assert isinstance(result, dict)
    notes: tuple[str, ...] = ()
    if unread:
        keys = ", ".join(key_path(p) for p in unread)
        notes = (
            f"secrets not read ({keys}): each {opener.why_not if opener else ''}; so the rules "
            f"that read a secret's value were skipped: {', '.join(VALUE_RULES)}",
        )
    return RawConfig(result, frozenset(secret), frozenset(plaintexts), notes, path.parent)


def load_stack(project_dir: Path, stack: str, passphrase: str | None = None) -> Loaded[Any]:
    """Read and validate a stack's file, as ``fatectl`` does."""
    raw = read_stack_file(stack_file(project_dir, stack), stack, passphrase)
    return load_stack_config(raw, stack)


def project_name(project_dir: Path) -> str | None:
    """The Pulumi project a directory's stack files belong to (``name`` in its
    ``Pulumi.yaml``); None without one."""
    path = project_dir / "Pulumi.yaml"
    if not path.is_file():
        return None
    document = yamlio.load(path.read_text())
    name = document.get("name") if isinstance(document, dict) else None
    return str(name) if name else None
