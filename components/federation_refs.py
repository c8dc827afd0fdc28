"""Reading other stacks' ``federation`` outputs: StackReferences, with missing stacks
reported as "waiting" instead of failing the update.

A StackReference to a stack that does not exist fails the whole update, and a program
cannot catch that. So the program first learns which stacks exist: from
``FATE_EXISTING_STACKS`` (comma-separated, set by ``fatectl federation``), else by asking
the Pulumi CLI running this update (``pulumi stack ls``); a stack not there yet is
skipped, and the route appears on a later run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import Any

import pulumi

from fate_iac.federation import EXISTING_STACKS_ENV


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
    return {entry["name"].split("/")[-1] for entry in json.loads(result.stdout or "[]")}


def federation_outputs(
    names: list[str], existing: set[str] | None
) -> dict[str, pulumi.Output[Any]]:
    """Each named stack's ``federation`` output (None while it has none)."""
    outputs: dict[str, pulumi.Output[Any]] = {}
    for name in names:
        if existing is not None and name.split("/")[-1] not in existing:
            outputs[name] = pulumi.Output.from_input(None)
            continue
        qualified = name if "/" in name else (
            f"{pulumi.get_organization()}/{pulumi.get_project()}/{name}"
        )  # fmt: skip
        reference = pulumi.StackReference(f"federation-{name.replace('/', '-')}", qualified)
        outputs[name] = reference.get_output("federation")
    return outputs
