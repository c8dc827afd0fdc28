"""What ``fatectl`` tells a machine: the JSON documents of its commands (a stable
contract, versioned by :data:`SCHEMA`), its exit codes, and the Markdown summary of a
federation preview a pull request comment shows."""

from __future__ import annotations

import json
from collections.abc import Iterable
from enum import IntEnum
from typing import Any

from fate_iac.orchestrator import Outcome
from fate_iac.problems import ConfigError, key_path

SCHEMA = "fatectl/v1"
"""Every JSON document says it; a change that breaks a reader bumps it."""


class Exit(IntEnum):
    """``fatectl``'s exit codes (docs/troubleshooting.md's table)."""

    OK = 0
    FAILED = 1
    """The engine, a cluster or a chart repository failed."""
    USAGE = 2
    """Bad arguments, or a change that needs --yes without a terminal to ask on."""
    REFUSED = 3
    """A stack's configuration, the federation, or a policy pack refused it."""
    CHANGES = 4
    """--expect-no-changes (or a drift check) found changes not deployed yet."""
    DRIFT = 5
    """What a cluster holds differs from what the stack deployed."""


def document(command: str, **body: Any) -> str:
    """A JSON document of ``command``'s result."""
    return json.dumps({"schema": SCHEMA, "command": command, **body}, indent=2, default=str)


def problems(error: ConfigError) -> list[dict[str, Any]]:
    """A refused configuration's problems: stack, key path, rule, message (never a secret:
    the messages are the report's, with secrets hidden)."""
    return [
        {
            "stack": error.stack,
            "key": key_path(p.path) if p.path else None,
            "path": list(p.path),
            "rule": p.rule,
            "message": p.message,
        }
        for p in error.problems
    ]


def error_document(command: str, code: Exit, message: str, **extra: Any) -> str:
    return document(
        command,
        ok=False,
        exitCode=int(code),
        error={"kind": code.name.lower(), "message": message, **extra},
    )


def markdown(title: str, outcomes: Iterable[Outcome]) -> str:
    """The per-stack summary of a federation preview, for a pull request comment: what
    each stack would change (resources and the property paths that change, never their
    values) and what the policy pack said."""
    lines = [
        f"## {title}",
        "",
        "| stack | kind | preview | changes | policy |",
        "| --- | --- | --- | --- | --- |",
    ]
    outcomes = list(outcomes)
    for o in outcomes:
        mandatory = sum("[mandatory]" in v or "[remediate]" in v for v in o.violations)
        advisory = len(o.violations) - mandatory
        policy = (
            ", ".join(
                [f"{mandatory} mandatory"] * bool(mandatory)
                + [f"{advisory} advisory"] * bool(advisory)
            )
            or "passed"
        )
        lines.append(f"| {o.stack} | {o.kind} | {o.state} | {o.changes} | {policy} |")
    for o in outcomes:
        if not o.steps and not o.violations:
            continue
        lines += ["", f"### {o.stack}", ""]
        if o.steps:
            lines += ["| op | resource | changes |", "| --- | --- | --- |"]
            for step in o.steps:
                keys = ", ".join(f"`{_cell(k)}`" for k in step.keys[:12])
                more = f" and {len(step.keys) - 12} more" if len(step.keys) > 12 else ""
                lines.append(f"| {step.op} | `{step.type}` {_cell(step.name)} | {keys}{more} |")
            lines.append("")
        lines += [f"- policy: {v}" for v in o.violations]
    return "\n".join(lines).rstrip("\n") + "\n"


def _cell(text: str) -> str:
    """Text inside a Markdown table cell."""
    return text.replace("|", "\\|")
