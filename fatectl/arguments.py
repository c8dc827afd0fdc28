"""The arguments fatectl's commands share, and :class:`Command`: what the parser and the
dispatch table of :mod:`fatectl.main` know of each command."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Command:
    """One fatectl command: its help line, the arguments it takes, what runs it (an exit
    status back)."""

    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def with_stack(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stack", "-s", required=True, help="stack name, e.g. party10000")
    p.add_argument(
        "--project-dir", type=Path, default=Path.cwd(), help="where Pulumi.<stack>.yaml is"
    )


def with_cluster(p: argparse.ArgumentParser) -> None:
    """``--kubeconfig`` and ``--context``: read another cluster than the stack's config
    names (``kubernetes:kubeconfig``, ``kubernetes:context``), for this run only."""
    p.add_argument(
        "--kubeconfig",
        help="read the cluster through this kubeconfig, not the one the stack's config "
        "names (kubernetes:kubeconfig), for this run",
    )
    p.add_argument(
        "--context",
        help="read this kubeconfig context, not the one the stack's config names "
        "(kubernetes:context), for this run",
    )


def with_json(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="one JSON document on stdout")


def absolute(path: str) -> str:
    """A path as given on the command line, made absolute: the engine runs elsewhere."""
    return str(Path(path).resolve())
