"""What a stack's last update was made from, so ``fatectl federation up`` runs only the
stacks whose inputs changed, and knows the federation has converged without previews.

A stack's inputs are its stack file (its config, secrets as encrypted), the program
(this package's source and the Pulumi SDK and provider versions it drives) and what it
takes from the records of the stacks it references: the routes it builds from them,
the CAs it trusts and the outputs that depend on them (:func:`taken`), computed by the
same pure code the program runs. The orchestrator digests them before an update and
hands the digest to the program (``FATE_INPUTS_DIGEST``), which exports it, as a
secret, once everything it registered was created (``inputs``). A stack is up to date
while a fresh digest equals its export; an update that failed, or one run by hand,
exports none, so the next ``federation up`` runs it again.

A record's change that changes nothing a reader takes (an exchange's member list, to
its members) re-runs no one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

from fate_iac import yamlio
from fate_iac.config import StackConfig
from fate_iac.kinds import parts

INPUTS_OUTPUT = "inputs"
"""The stack output holding the digest its last successful update was made from."""
INPUTS_ENV = "FATE_INPUTS_DIGEST"
"""How the orchestrator hands the program that digest."""
PACKAGES = ("fate_iac", "fate_pulumi")
"""The program's own code: a change to any of it re-runs every stack."""


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@cache
def program_digest() -> str:
    """This program: the source of its packages, and the versions of the Pulumi SDK,
    the kubernetes SDK (which names the provider version) and the Helm SDK."""
    import importlib

    digest = hashlib.sha256()
    for package in PACKAGES:
        root = Path(importlib.import_module(package).__file__ or "").parent
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    for dependency in ("pulumi", "pulumi_kubernetes", "helm-python"):
        digest.update(f"{dependency}=={_version(dependency)}".encode())
    return digest.hexdigest()


def _version(distribution: str) -> str:
    try:
        return version(distribution)
    except Exception:  # not installed: part of the digest all the same
        return "-"


def file_digest(path: Path) -> str:
    """A stack file's config, digested: any change to it (``pulumi config set`` too)
    re-runs its stack; how the CLI writes it back does not (a stack's first update adds
    an ``encryptionsalt`` and quotes top-level scalars: ``1`` becomes ``"1"``)."""
    document = yamlio.load(path.read_text()) or {}
    config = document.get("config") if isinstance(document, dict) else None
    if isinstance(config, dict):
        config = {key: _as_written(value) for key, value in config.items()}
    return _sha(json.dumps(config, sort_keys=True, default=str).encode())


def _as_written(value: Any) -> Any:
    """A top-level config value as the CLI writes it back: scalars as strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def taken(cfg: StackConfig, stack: str, records: Mapping[str, Any]) -> list[Any]:
    """What a stack takes from the records it reads: for each part it deploys, the
    values its routes put into its releases, the CAs they trust, the stacks still
    waited for and the outputs that depend on them. Nothing else of a record matters
    to it."""
    found = []
    for kind, part in parts(cfg):
        routed = kind.routed(part, records)
        found.append({
            "overrides": {key: [[list(p), v] for p, v in sorted(paths.items())]
                          for key, paths in sorted(routed.overrides.items())},
            "trust": routed.routes.trust,
            "waiting": sorted(routed.routes.waiting),
            "problems": routed.routes.problems,
            "outputs": kind.routed_outputs(part, stack, routed.routes),
        })  # fmt: skip
    return found


def references(cfg: StackConfig) -> list[str]:
    """The stacks whose records a stack reads (both of a party's parts)."""
    return sorted({name for _, part in parts(cfg) for name in part.referenced_stacks})


def inputs_digest(cfg: StackConfig, stack: str, stack_file: str, records: Mapping[str, Any]) -> str:
    """The digest of a stack's inputs: its stack file's digest, the program's, and what
    it takes from ``records`` (the referenced stacks' ``federation`` outputs, None for
    one that has published none)."""
    document = [stack_file, program_digest(), taken(cfg, stack, records)]
    return _sha(json.dumps(document, sort_keys=True, default=str).encode())


def waves(stale: Iterable[str], order: Sequence[str], reads: Mapping[str, Iterable[str]]) -> (
    list[list[str]]
):  # fmt: skip
    """The stale stacks in steps that can each run at once: in ``order`` (exchanges
    first), a stack joins the first step holding no stack it reads or that reads it, so
    within a step no stack reads another's record while it changes."""
    pending = [name for name in order if name in set(stale)]
    linked = {name: set(reads.get(name, ())) for name in pending}
    steps: list[list[str]] = []
    for name in pending:
        for step in steps:
            if not any(other in linked[name] or name in linked[other] for other in step):
                step.append(name)
                break
        else:
            steps.append([name])
    return steps
