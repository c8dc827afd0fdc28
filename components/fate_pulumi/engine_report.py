"""What the Pulumi CLI's report of a run says, read behind the runner: the policy
violations it lists, the errors of its Diagnostics section, and from them the
:class:`fate_iac.orchestrator.EngineError` the orchestrator reads (fields, never text).
The report's wording is the Pulumi CLI's, so only the Pulumi side reads it."""

from __future__ import annotations

import re

from fate_iac.orchestrator import EngineError

_VIOLATION = re.compile(r"^\s*- \[(mandatory|advisory|remediate)\]\s+(\S+)\s+\((.*)\)\s*$")
_GENERIC = {"update failed", "preview failed", "destroy failed", "refresh failed"}
_RESOURCE = re.compile(r"^  (\S+) \((.+)\):$")


def policy_violations(text: str) -> list[str]:
    """The policy violations in the engine's report of a preview or update: one line each,
    ``<policy> [<level>] <resource>: <message>``."""
    lines = text.splitlines()
    found = []
    for index, line in enumerate(lines):
        match = _VIOLATION.match(line)
        if match and index + 2 < len(lines):
            level, policy, resource = match.groups()
            found.append(f"{policy} [{level}] {resource}: {lines[index + 2].strip()}")
    return found


def refused_by_policy(violations: list[str]) -> bool:
    """Whether a policy pack refused the run (a mandatory or remediating policy)."""
    return any("[mandatory]" in v or "[remediate]" in v for v in violations)


def engine_errors(text: str) -> list[str]:
    """The errors in the Diagnostics section of the engine's report, one per resource:
    ``<type> <name>: <message>`` (a message that ends in a colon, such as Helm's ``1
    error occurred:`` or a program's unhandled exception, takes its last detail line).
    The stack's bare ``update failed`` says nothing more and is left out."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == "Diagnostics:"), None)
    if start is None:
        return []
    found: list[str] = []
    resource, message = "", list[str]()

    def flush() -> None:
        if message and message[0] not in _GENERIC:
            text = message[0]
            if text.endswith(":") and len(message) > 1:
                text = f"{text} {message[-1].removeprefix('* ')}"
            found.append(f"{resource}: {text}")
        message.clear()

    for line in lines[start + 1 :]:
        if line and not line[0].isspace():
            break  # the next section (Resources:, Outputs:)
        header = _RESOURCE.match(line)
        stripped = line.strip()
        if header:
            flush()
            resource = " ".join(header.groups())
        elif stripped.startswith("error:"):
            flush()
            message.append(stripped.removeprefix("error:").strip())
        elif stripped and message:
            message.append(stripped)
        elif not stripped:
            flush()
    flush()
    return found


def failure_cause(error: BaseException) -> str:
    """Why the engine failed a stack: the errors of its Diagnostics section, one line per
    resource; else the last line of the error that says something."""
    found = engine_errors(str(error))
    if found:
        return "\n".join(found)
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    return (errors or lines or ["the engine failed, and said nothing more"])[-1]


def engine_failure(error: BaseException) -> EngineError:
    """A failed run (the Automation API's ``CommandError``, or whatever the run raised)
    as the orchestrator reads it: its cause, its policy violations, whether a policy
    pack refused it; the engine's whole report stays its message."""
    violations = policy_violations(str(error))
    return EngineError(str(error), failure_cause(error), violations, refused_by_policy(violations))
