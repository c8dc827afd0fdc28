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
from fate_iac.charts import is_url
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
    """This program: the source of its packages, and the versions of the Pulumi SDK and
    the kubernetes SDK (which names the provider version). It is this environment's:
    ``fatectl`` and the program run from the project's one virtualenv."""
    import importlib

    digest = hashlib.sha256()
    for package in PACKAGES:
        root = Path(importlib.import_module(package).__file__ or "").parent
        for path in sorted(root.rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    for dependency in ("pulumi", "pulumi_kubernetes"):
        digest.update(f"{dependency}=={_version(dependency)}".encode())
    return digest.hexdigest()


def _version(distribution: str) -> str:
    try:
        return version(distribution)
    except Exception:  # not installed: part of the digest all the same
        return "-"


def file_digest(path: Path) -> str:
    """A stack file's config and environment, and its project's settings, digested: any
    change to them (``pulumi config set`` too) re-runs its stack; how the CLI writes the
    stack file back does not (a stack's first update adds
    an ``encryptionsalt`` and quotes top-level scalars: ``1`` becomes ``"1"``)."""
    document = yamlio.load(path.read_text()) or {}
    config = document.get("config") if isinstance(document, dict) else None
    if isinstance(config, dict):
        config = {key: _as_written(value) for key, value in config.items()}
    environment = document.get("environment") if isinstance(document, dict) else None
    project = path.parent / "Pulumi.yaml"  # its config defaults, runtime and main
    settings = yamlio.load(project.read_text()) if project.exists() else None
    return _sha(json.dumps([config, environment, settings], sort_keys=True, default=str).encode())


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
        found.append(
            {
                "overrides": {
                    key: [[list(p), v] for p, v in sorted(paths.items())]
                    for key, paths in sorted(routed.overrides.items())
                },
                "trust": routed.routes.trust,
                "waiting": sorted(routed.routes.waiting),
                "problems": routed.routes.problems,
                "outputs": kind.routed_outputs(part, stack, routed.routes),
            }
        )
    return found


def references(cfg: StackConfig) -> list[str]:
    """The stacks whose records a stack reads (both of a party's parts)."""
    return sorted({name for _, part in parts(cfg) for name in part.referenced_stacks})


def inputs_digest(cfg: StackConfig, stack: str, stack_file: str, records: Mapping[str, Any]) -> str:
    """The digest of a stack's inputs: its stack file's digest, the program's, and what
    it takes from ``records`` (the referenced stacks' ``federation`` outputs, None for
    one that has published none)."""
    document = [stack_file, program_digest(), local_charts(cfg), taken(cfg, stack, records)]
    return _sha(json.dumps(document, sort_keys=True, default=str).encode())


def local_charts(cfg: StackConfig) -> list[str]:
    """The content of the charts a stack installs from local files (a repository's own
    charts are named by version, in its config)."""
    found = []
    for kind, part in parts(cfg):
        if part.chartRepo and not is_url(part.chartRepo):
            for spec in kind.releases(part, part.chartRepo):
                path = spec.chart.path
                if path is not None and path.is_file():
                    found.append(_sha(path.read_bytes()))
                elif path is not None and path.is_dir():
                    found.append(
                        _sha(
                            b"".join(p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file())
                        )
                    )
    return found


def next_step(stale: Iterable[str], order: Sequence[str], exchanges: Iterable[str]) -> list[str]:
    """The stale stacks to run next, all at once: the stale exchanges, which parties read
    first; else every stale party. Parties that read each other (P2P) run together: each
    reads the other's record as it is then, and the digests run again whichever saw an
    old one, so a mesh of any size converges in two steps."""
    pending = [name for name in order if name in set(stale)]
    first = [name for name in pending if name in set(exchanges)]
    return first or pending
