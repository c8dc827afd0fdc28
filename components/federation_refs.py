"""Reading other stacks' ``federation`` outputs, with missing stacks reported as
"waiting" instead of failing the update.

The records are read with the engine's built-in ``pulumi:pulumi:readStackOutputs``
invoke, the read behind every StackReference, all at once: a member is one RPC, not
one resource in the state, so an exchange with a thousand members evaluates in seconds
and its preview shows only what changes in the release.

Reading a stack that does not exist fails, so the program first learns which stacks
exist: from ``FATE_EXISTING_STACKS`` (comma-separated, set by ``fatectl federation``),
else by asking the Pulumi CLI running this update (``pulumi stack ls``); a stack not
there yet is skipped, and its route appears on a later run. Any other failure to read
fails the update, so a backend hiccup never drops a route. (When it cannot be told which
stacks exist, every named stack is read, and one missing fails the update too.)
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from typing import Any

import pulumi

from fate_iac.federation import EXISTING_STACKS_ENV

READ_STACK_OUTPUTS = "pulumi:pulumi:readStackOutputs"


def existing_stacks() -> set[str] | None:
    """Names of the project's stacks that exist; None when it cannot be told."""
    listed = os.environ.get(EXISTING_STACKS_ENV)
    if listed is not None:
        return {name for name in listed.split(",") if name}
    cli = shutil.which("pulumi")
    if cli is None:
        return None
    result = subprocess.run(
        [cli, "stack", "ls", "--json", "--non-interactive"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
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


async def _read(name: str) -> tuple[Any, bool]:
    """A stack's ``federation`` output (None while it has none), and whether it is secret."""
    try:
        args = {"name": qualified_name(name)}
        result = await pulumi.runtime.invoke_async(READ_STACK_OUTPUTS, args)
    except Exception as error:
        raise pulumi.RunError(
            f"cannot read the federation output of stack {name}: {error}. The update stops "
            "here, so that no route is dropped; run it again once the stack can be read"
        ) from None
    if result is None:  # the engine answered "unknown": never taken as "no record"
        raise pulumi.RunError(f"the engine gave no outputs for stack {name}")
    secret = "federation" in (result.get("secretOutputNames") or [])
    return (result.get("outputs") or {}).get("federation"), secret


def federation_records(
    names: list[str], existing: set[str] | None
) -> pulumi.Output[dict[str, Any]]:
    """Each named stack's ``federation`` record, by name: None while the stack does not
    exist or has published none. Secret when any record read is secret."""
    to_read = [n for n in names if existing is None or short_name(n) in existing]

    async def read_all(_: None) -> tuple[dict[str, Any], bool]:
        read = dict(zip(to_read, await asyncio.gather(*map(_read, to_read)), strict=True))
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


def as_output(records: pulumi.Input[Mapping[str, Any]] | None) -> pulumi.Output[Mapping[str, Any]]:
    """``records`` as one Output: an Output is taken as it is (its value holds plain
    data), a mapping of values or Outputs is lifted."""
    if isinstance(records, pulumi.Output):
        return records
    return pulumi.Output.from_input(records or {})
