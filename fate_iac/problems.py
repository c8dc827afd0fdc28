"""Problems found in a stack's configuration, reported all together before anything deploys."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError

CONFIG_NAMESPACE = "fate"
"""The keys of this project live under ``fate:`` in a stack's config..."""
SERVING_NAMESPACE = "fate-serving"
"""...but a party's serving cluster's, under ``fate-serving:``, KubeFATE's
cluster-serving.yaml keys as they are. Inside this project a key path starting with
``fate-serving`` is one of those."""
NAMESPACES = (CONFIG_NAMESPACE, SERVING_NAMESPACE)

KeyPath = tuple[str | int, ...]
"""Where a key is in a stack's config: ``("rollsite", "partyList", 0, "partyId")``."""


def key_path(path: Sequence[str | int]) -> str:
    """``("rollsite", "partyList", 0, "partyId")`` -> ``fate:rollsite.partyList[0].partyId``;
    ``("fate-serving", "servingProxy", "nodePort")`` -> ``fate-serving:servingProxy.nodePort``."""
    namespace = CONFIG_NAMESPACE
    if path[:1] == (SERVING_NAMESPACE,):
        namespace, path = SERVING_NAMESPACE, path[1:]
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return f"{namespace}:{text}"


def config_key(full_key: str) -> KeyPath | None:
    """A stack file's or the engine's config key as a key path (``fate:mysql`` ->
    ``("mysql",)``, ``fate-serving:servingProxy`` -> ``("fate-serving", "servingProxy")``);
    None for another namespace's key (``kubernetes:context``)."""
    namespace, sep, key = full_key.partition(":")
    if not sep or namespace not in NAMESPACES:
        return None
    return (key,) if namespace == CONFIG_NAMESPACE else (SERVING_NAMESPACE, key)


@dataclass(frozen=True)
class Problem:
    """One broken rule: where (the key path), which rule, and what to do about it."""

    path: KeyPath
    rule: str
    message: str

    def render(self, stack: str) -> str:
        where = f"{key_path(self.path)}: " if self.path else ""
        return f"stack {stack}: {where}{self.message} [{self.rule}]"


def hide(text: str, secrets: Collection[str]) -> str:
    """``text`` with every secret value in it written ``[secret]``.

    The messages are built so as not to echo secret values; this catches what a rule's
    message might still quote. Values shorter than 3 characters are left: hiding them
    would garble every message, and they keep nothing secret anyway."""
    for value in sorted(secrets, key=len, reverse=True):
        if len(value) >= 3:
            text = text.replace(value, "[secret]")
    return text


class ConfigError(Exception):
    """A stack's configuration breaks one or more rules; nothing may be deployed.

    ``secrets`` are values that must not show in the report (a stack's decrypted secret
    config); they are written ``[secret]`` wherever a message would quote them."""

    def __init__(
        self, stack: str, problems: Iterable[Problem], secrets: Collection[str] = ()
    ) -> None:
        self.stack = stack
        self.problems = tuple(replace(p, message=hide(p.message, secrets)) for p in problems)
        super().__init__(self.report())

    def hiding(self, secrets: Collection[str]) -> ConfigError:
        """The same error with ``secrets`` hidden from its messages."""
        return ConfigError(self.stack, self.problems, secrets) if secrets else self

    def report(self) -> str:
        count = len(self.problems)
        head = f"stack {self.stack}: {count} configuration problem{'s' if count != 1 else ''}"
        return "\n".join([head, *(f"  - {p.render(self.stack)}" for p in self.problems)])


_PYDANTIC_RULES = {
    "extra_forbidden": "unknown-key",
    "missing": "required",
    "literal_error": "allowed-values",
}
KEY_RULES = frozenset(
    {
        "dns-label",
        "port-range",
        "party-id",
        "quantity",
        "chart-version",
        "secret",
        "host",
        "ip-address",
        "system-namespace",
        "image",
        "image-tag",
        "registry",
        "k8s-name",
        "dns-name",
        "identifier",
        "user-name",
        "token",
        "ingress-path",
        "sub-path",
        "file-path",
        "url",
        "java-class",
        "time-zone",
        "stack-name",
        "nodeport-range",
        "label-key",
        "label-value",
        "pem",
        "resource-name",
        "chart-source",
        "secret-blank",
    }
)
"""Rules one key checks alone (the error types raised by the config's validators)."""
TYPE_RULES = KEY_RULES | {"type", "allowed-values", "unknown-key", "secret-blank"}
"""Problems that say a value is not of its key's type (as opposed to a rule between keys)."""


def _touches(path: KeyPath, secret_paths: Collection[KeyPath]) -> bool:
    """A key path at, above or below a secret one: its value holds a secret."""
    return any(path[: len(s)] == s or s[: len(path)] == path for s in secret_paths)


def from_pydantic(error: ValidationError, secret_paths: Collection[KeyPath] = ()) -> list[Problem]:
    """A model's validation errors as problems. What was given is quoted only where no
    secret is: never at, above or below a key in ``secret_paths``."""
    problems = []
    for item in error.errors(include_url=False):
        path = tuple(
            part
            for part in item["loc"]
            if isinstance(part, str | int) and part not in ("stack-name", "static-record")
        )
        kind = item["type"]
        rule = kind if kind in KEY_RULES else _PYDANTIC_RULES.get(kind, "type")
        message = item["msg"]
        secret = _touches(path, secret_paths)
        if kind == "extra_forbidden":
            message = "unknown key; see the configuration reference in docs/reference.md"
        elif kind == "missing":
            message = "required key is missing"
        elif secret:
            message = f"is not valid here ({rule}); the value is a secret, so it is not shown"
        elif rule in ("type", "allowed-values"):
            message = f"{message} (got {item.get('input')!r})"
        problems.append(Problem(path, rule, message))
    return problems


class FederationError(Exception):
    """A federation is refused, or did not converge; nothing more is run."""


class UsageError(Exception):
    """Arguments that do not go together, or a command asked of a stack it does not cover
    (``fatectl diff`` of the KubeFATE service alone, say)."""
