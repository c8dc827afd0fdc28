"""Problems found in a stack's configuration, reported all together before anything deploys."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CONFIG_NAMESPACE = "fate"
"""Every key of this project lives under ``fate:`` in a stack's config."""


def key_path(path: Sequence[str | int]) -> str:
    """``("rollsite", "partyList", 0, "partyId")`` -> ``fate:rollsite.partyList[0].partyId``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return f"{CONFIG_NAMESPACE}:{text}" if text else f"{CONFIG_NAMESPACE}:"


@dataclass(frozen=True)
class Problem:
    """One broken rule: where (the key path), which rule, and what to do about it."""

    path: tuple[str | int, ...]
    rule: str
    message: str

    def render(self, stack: str) -> str:
        where = f"{key_path(self.path)}: " if self.path else ""
        return f"stack {stack}: {where}{self.message} [{self.rule}]"


class ConfigError(Exception):
    """A stack's configuration breaks one or more rules; nothing may be deployed."""

    def __init__(self, stack: str, problems: Iterable[Problem]) -> None:
        self.stack = stack
        self.problems = tuple(problems)
        super().__init__(self.report())

    def report(self) -> str:
        count = len(self.problems)
        head = f"stack {self.stack}: {count} configuration problem{'s' if count != 1 else ''}"
        return "\n".join([head, *(f"  - {p.render(self.stack)}" for p in self.problems)])


class FederationError(Exception):
    """A federation is refused, or did not converge; nothing more is run."""
