"""Reading other stacks' ``federation`` outputs, with missing stacks reported as
"waiting" instead of failing the update.

By default each referenced stack is a ``pulumi.StackReference`` resource named
``federation-<stack>``: the federation's links are in the state, so ``pulumi stack
graph``, Pulumi Cloud and any tool reading the state see them. With
``fate:federationReads: batched`` the records are read instead with the engine's
``pulumi:pulumi:readStackOutputs`` invoke (the read behind every StackReference, but not
a public API), all at once and with nothing in the state: for an exchange with hundreds
of members, whose program then evaluates in seconds, at the price of links no tool sees.

Reading a stack that does not exist fails, so the program first learns which stacks
exist: from ``FATE_EXISTING_STACKS`` (comma-separated, set by ``fatectl federation``),
else by asking the Pulumi CLI running this update (``pulumi stack ls``, bounded in
time); a stack not there yet is waited for, and its route appears on a later run. Any
other failure to read fails the update, so a backend hiccup never drops a route. (When
it cannot be told which stacks exist, every named stack is read, and one missing fails
the update too.)
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi

from fate_iac.config import StackConfig
from fate_iac.federation import EXISTING_STACKS_ENV

READ_STACK_OUTPUTS = "pulumi:pulumi:readStackOutputs"
STACK_LS_TIMEOUT = 30.0


def running_cli() -> str | None:
    """The ``pulumi`` CLI running this update: the nearest ancestor process that is one
    (read from /proc); elsewhere, or when none is found, the one on PATH."""
    pid = os.getppid()
    for _ in range(8):
        try:
            exe = os.readlink(f"/proc/{pid}/exe")
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            break
        if os.path.basename(exe) == "pulumi":
            return exe
        pid = int(stat.rsplit(")", 1)[1].split()[1])  # the parent's pid
        if pid <= 1:
            break
    return shutil.which("pulumi")


def existing_stacks() -> set[str] | None:
    """Names of the project's stacks that exist; None when it cannot be told."""
    listed = os.environ.get(EXISTING_STACKS_ENV)
    if listed is not None:
        return {name for name in listed.split(",") if name}
    cli = running_cli()
    if cli is None:
        return None
    try:
        result = subprocess.run(
            [cli, "stack", "ls", "--json", "--non-interactive"],
            capture_output=True,
            text=True,
            check=False,
            timeout=STACK_LS_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        pulumi.log.warn(
            f"`pulumi stack ls` did not answer in {STACK_LS_TIMEOUT:.0f}s: every named stack "
            "is read, and one that does not exist yet fails this update"
        )
        return None
    if result.returncode != 0:
        return None
    return {short_name(entry["name"]) for entry in json.loads(result.stdout or "[]")}


def short_name(name: str) -> str:
    """``party10000`` for ``org/project/party10000`` (or ``party10000``)."""
    return name.split("/")[-1]


def qualified_name(name: str) -> str:
    """``org/project/stack`` for a stack of this project named by its short name."""
    if "/" in name:
        return name
    return f"{pulumi.get_organization()}/{pulumi.get_project()}/{name}"


def in_this_project(name: str) -> bool:
    """A stack of this project (``stack``, ``org/stack`` or ``org/project/stack`` naming
    this organisation and project: Pulumi reads two parts as organisation and stack, on
    a file backend as on Pulumi Cloud): the ones whose existence is known beforehand."""
    parts = name.split("/")
    if len(parts) == 1:
        return True
    return parts[0] == pulumi.get_organization() and (
        len(parts) == 2 or parts[1] == pulumi.get_project()
    )


def to_read(name: str, existing: set[str] | None) -> bool:
    """Whether to read ``name`` now: a stack of this project once it exists; one of
    another project or organisation always (its absence then fails the update, naming
    it and the backend asked, instead of leaving it waiting for ever)."""
    return existing is None or not in_this_project(name) or short_name(name) in existing


def backend() -> str:
    """The backend this update asks, for messages."""
    return os.environ.get("PULUMI_BACKEND_URL") or "the backend the Pulumi CLI is logged in to"


def _read_first(name: str) -> Any:
    """An Output that fails the update, naming the stack and the backend asked, when
    ``name``'s outputs cannot be read; what depends on it waits for the read."""

    async def read(_: None) -> None:
        await _read(name)

    return pulumi.Output.from_input(None).apply(read)


def stack_references(names: list[str], existing: set[str] | None) -> dict[str, Any]:
    """A ``StackReference`` to each named stack that exists, and its ``federation``
    output, by name (None for a stack that does not exist yet)."""
    records: dict[str, Any] = {}
    for name in names:
        if not to_read(name, existing):
            records[name] = None
            continue
        # Another project's or organisation's stack is not known to exist beforehand:
        # read first, so that one that cannot be read is named with the backend asked
        # (the engine's own error for a StackReference names no backend).
        opts = (
            None
            if in_this_project(name)
            else pulumi.ResourceOptions(depends_on=[_read_first(name)])
        )
        reference = pulumi.StackReference(
            f"federation-{name}", stack_name=qualified_name(name), opts=opts
        )
        records[name] = reference.get_output("federation")
    return records


async def _read(name: str) -> tuple[Any, bool]:
    """A stack's ``federation`` output (None while it has none), and whether it is secret."""
    try:
        args = {"name": qualified_name(name)}
        result = await pulumi.runtime.invoke_async(READ_STACK_OUTPUTS, args)
    except Exception as error:
        raise pulumi.RunError(
            f"cannot read the federation output of stack {name}: {error} (asked "
            f"{backend()} for {qualified_name(name)}). The update stops "
            "here, so that no route is dropped; run it again once the stack can be read"
        ) from None
    if result is None:  # the engine answered "unknown": never taken as "no record"
        raise pulumi.RunError(f"the engine gave no outputs for stack {name}")
    secret = "federation" in (result.get("secretOutputNames") or [])
    return (result.get("outputs") or {}).get("federation"), secret


def batched_records(names: list[str], existing: set[str] | None) -> pulumi.Output[dict[str, Any]]:
    """Each named stack's ``federation`` record, by name, read concurrently with no
    resource in the state: None while the stack does not exist or has published none.
    Secret when any record read is secret."""
    reading = [n for n in names if to_read(n, existing)]

    async def read_all(_: None) -> tuple[dict[str, Any], bool]:
        read = dict(zip(reading, await asyncio.gather(*map(_read, reading)), strict=True))
        records = {name: read[name][0] if name in read else None for name in names}
        return records, any(secret for _, secret in read.values())

    # Outputs made with apply, never with ``Output.from_input``: that would lift every
    # nested value of a thousand records into an Output of its own.
    known: pulumi.Output[None] = pulumi.Output.from_input(None)

    def mark(found: tuple[dict[str, Any], bool]) -> pulumi.Output[dict[str, Any]]:
        records, secret = found
        return (pulumi.Output.secret(None) if secret else known).apply(lambda _: records)

    found: pulumi.Output[tuple[dict[str, Any], bool]] = known.apply(read_all)
    return found.apply(mark)


def federation_records(config: StackConfig) -> pulumi.Input[Mapping[str, Any]]:
    """The records of the stacks ``config`` references, read as it asks."""
    names = config.referenced_stacks
    existing = existing_stacks() if names else None
    if config.federationReads == "batched":
        return batched_records(names, existing)
    return stack_references(names, existing)


def as_output(records: pulumi.Input[Mapping[str, Any]] | None) -> pulumi.Output[Mapping[str, Any]]:
    """``records`` as one Output: an Output is taken as it is (its value holds plain
    data), a mapping of values or Outputs is lifted."""
    if isinstance(records, pulumi.Output):
        return records
    return pulumi.Output.from_input(records or {})
