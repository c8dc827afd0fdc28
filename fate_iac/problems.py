"""Problems found in a stack's configuration, reported all together before anything deploys."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

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
        "ip-network",
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


def from_pydantic(
    error: ValidationError, secret_paths: Collection[KeyPath] = (), given: Any = None
) -> list[Problem]:
    """A model's validation errors as problems, in a person's words: key paths as the
    stack file writes them (never a union member's type name, ``.str`` or
    ``.FederationRecord``), and one problem per key where a union's members each
    refuse its value. ``given`` is what was validated (to tell a key from such a name).
    What was given is quoted only where no secret is: never at, above or below a key in
    ``secret_paths``."""
    found = [located(item, given) for item in error.errors(include_url=False)]
    problems = []
    for path, item, tagged in found:
        kind = item["type"]
        rule = kind if kind in KEY_RULES else _PYDANTIC_RULES.get(kind, "type")
        message = plain_message(item["msg"])
        if tagged and rule == "type":
            if any(t and p[: len(path)] == path and p != path for p, _, t in found):
                continue  # a member of the union took the value: its problems are the ones
            same = [o for p, o, t in found if t and p == path]
            if same[0] is not item:
                continue  # said once, with the others
            message = " or ".join(
                dict.fromkeys(plain_message(o["msg"]).removeprefix("should be ") for o in same)
            )
            message = f"should be {message}"
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


_MEMBER_NAME = re.compile(r"^([A-Z]\w*|str|int|float|bool|bytes|none|list|dict|.*[\[\-].*)$")
"""What a union member's name in an error's location looks like: a model's class name,
a plain type, or a schema's (``function-after[...]``, ``list[str]``)."""


def located(item: Mapping[str, Any], given: Any) -> tuple[KeyPath, Mapping[str, Any], bool]:
    """An error's key path without the names of union members pydantic puts in it, and
    whether it had any (the error is then one member's). A name is a member's when it
    looks like one and ``given`` has no such key there (``Image`` is a KubeFATE key)."""
    path: list[str | int] = []
    tagged = False
    node = given
    parts = [part for part in item["loc"] if isinstance(part, str | int)]
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if isinstance(part, int):
            path.append(part)
            node = node[part] if isinstance(node, list) and part < len(node) else None
        elif isinstance(node, Mapping) and part in node:
            path.append(part)
            node = node[part]
        elif _MEMBER_NAME.match(part) and not (last and item["type"] == "missing"):
            tagged = True
        else:
            path.append(part)
            node = None
    return tuple(path), item, tagged


_PYDANTIC_WORDS = (
    (re.compile(r"^Input should be "), "should be "),
    (re.compile(r"a valid dictionary or instance of \w+"), "a mapping (key: value)"),
    (re.compile(r"a valid dictionary"), "a mapping (key: value)"),
    (re.compile(r"^(Value|Assertion) error, "), ""),
    (re.compile(r"^Extra inputs are not permitted$"), "unknown key"),
    (re.compile(r"^Field required$"), "required key is missing"),
    (re.compile(r"^(should be a valid \w+), unable to parse .*$"), r"\1"),
)


def plain_message(message: str) -> str:
    """A validation message without pydantic's words for Python types and its prefixes."""
    for pattern, replacement in _PYDANTIC_WORDS:
        message = pattern.sub(replacement, message)
    return message


class FederationError(Exception):
    """A federation is refused, or did not converge; nothing more is run."""


class UsageError(Exception):
    """Arguments that do not go together, or a command asked of a stack it does not cover
    (``fatectl diff`` of the KubeFATE service alone, say)."""


def said(error: BaseException) -> str:
    """What an error says, for a person: a file's by its name and reason (never an
    errno), anything else by its last line that says something (never its class)."""
    if isinstance(error, OSError) and error.strerror:
        reason = error.strerror.lower()
        return f"{error.filename}: {reason}" if error.filename else reason
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[-1] if lines else "failed, and said nothing more"


class MissingTool(Exception):
    """A command needs a program that is not installed (the Pulumi CLI): the message says
    which, and how to get it."""


PULUMI_CLI = (
    "the Pulumi CLI (pulumi) is not on PATH, and this command runs it: install it "
    "(https://www.pulumi.com/docs/iac/download-install/, or e2e/tools/build-tools.sh for "
    "the version this project pins) and log in to the stacks' backend (pulumi login)"
)
