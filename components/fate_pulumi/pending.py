"""Args that other resources give: validated now where known, once known where not.

A package user may give a component a value another resource outputs (a load balancer's
address as ``publicHost``, a generated password): its value is not known while the
component's resources are being registered, and in a preview it may never be. Only the
keys :func:`fate_iac.component_args.may_be_pending` allows may be such outputs (they reach
only the outputs and the release values); an output anywhere else is a problem, reported
with every other before anything is registered. The config is validated at once with a
stand-in for each pending value, and again, whole, once they are known: a problem then
fails the component with the same report, before any of its objects is created (they
all wait for the settled config)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pydantic import BaseModel

from fate_iac.component_args import PENDING_KEYS, may_be_pending
from fate_iac.problems import KeyPath, Problem
from fate_iac.secrets import Secret

RULE = "known-when-built"
"""The rule an output given where a known value is needed breaks."""


@dataclass(frozen=True, eq=False, repr=False)
class PendingSecret(Secret):
    """A credential another resource gives: its value comes as ``output`` (made a Pulumi
    secret wherever it goes); to the rules it is a secret whose value is not known yet."""

    output: Any = field(default=None, kw_only=True)


@dataclass
class Split:
    """Args parted into what is known and what other resources give."""

    known: dict[str, Any]
    """The args with a stand-in at each pending key."""
    pending: dict[KeyPath, pulumi.Output[Any]]
    """The outputs, by key path."""
    problems: list[Problem]
    """Outputs at keys that must be known."""

    def settled(self) -> pulumi.Output[dict[str, Any]]:
        """The args with every pending value in, once all are known (credentials as
        secrets). Not itself a secret: the credentials in it never reach an output."""
        paths = list(self.pending)
        values = pulumi.Output.all(*self.pending.values())

        def fill(found: list[Any]) -> dict[str, Any]:
            raw: dict[str, Any] = _copy(self.known)
            for path, value in zip(paths, found, strict=True):
                stand_in = _get(raw, path)
                _set(raw, path, Secret(str(value), True) if _is_secret(stand_in) else value)
            return raw

        return pulumi.Output.unsecret(values.apply(fill))


def _is_secret(value: Any) -> bool:
    return isinstance(value, PendingSecret)


def split(args: Mapping[str, Any], model: type[BaseModel], prefix: KeyPath = ()) -> Split:
    """Part ``args`` (the keys of ``model``, found under ``prefix`` in the stack config
    the model is validated from)."""
    result = Split({}, {}, [])

    def walk(node: Any, path: KeyPath) -> Any:
        if isinstance(node, pulumi.Output):
            if not may_be_pending(path, model):
                allowed = ", ".join(".".join(map(str, p)) for p in PENDING_KEYS)
                result.problems.append(
                    Problem(
                        (*prefix, *path),
                        RULE,
                        "is another resource's output here, not known when the component's "
                        "resources are registered; it decides which resources exist, so give "
                        f"it as a value (only {allowed} and credentials may be outputs)",
                    )
                )
                return None
            result.pending[path] = node
            stand_in = PENDING_KEYS.get(path)
            return stand_in if stand_in is not None else PendingSecret(None, True, output=node)
        if isinstance(node, Mapping):
            return {str(k): walk(v, (*path, str(k))) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, (*path, i)) for i, v in enumerate(node)]
        if isinstance(node, float) and node.is_integer():
            return int(node)  # numbers cross the wire as floats: 9999.0 is partyId 9999
        return node

    result.known = {str(k): walk(v, (str(k),)) for k, v in args.items()}
    return result


def _copy(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _copy(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_copy(v) for v in node]
    return node


def _get(raw: Any, path: KeyPath) -> Any:
    for key in path:
        raw = raw[int(key)] if isinstance(raw, list) else raw[key]
    return raw


def _set(raw: Any, path: KeyPath, value: Any) -> None:
    parent = _get(raw, path[:-1])
    if isinstance(parent, list):
        parent[int(path[-1])] = value
    else:
        parent[path[-1]] = value
