"""Day 2, a deployed stack: ``describe`` (its releases, modules, pods and endpoints, live),
``diff`` (what an update would do to its objects; --live: what was changed by hand),
``history`` (its updates). The reads are :mod:`fate_iac.deployed`'s."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from fate_iac import report
from fate_iac.cluster_target import stack_target
from fate_iac.deployed import NotDeployed, deployed_outputs, describe_stack, stack_diff
from fate_iac.federation_check import Member
from fate_iac.history import as_json as updates_json
from fate_iac.history import history
from fate_iac.kinds import kind_for
from fate_iac.kube import ClusterError
from fate_iac.loader import load_stack_config, read_stack_file, stack_file
from fate_iac.orchestrator import StackRunner
from fate_iac.problems import UsageError
from fatectl.arguments import Command, with_cluster, with_json, with_stack
from fatectl.engine import stack_runner
from fatectl.terminal import print_lines


def _describe(args: argparse.Namespace) -> int:
    path = stack_file(args.project_dir, args.stack)
    raw = read_stack_file(path, args.stack)
    unsupported = kind_for(raw.values, args.stack).unsupported("describe", args.stack)
    if unsupported:
        raise UsageError(unsupported)
    loaded = load_stack_config(raw, args.stack)
    target = stack_target(path, args.stack).overridden(args.kubeconfig, args.context)
    member = Member(loaded.config, target.identity(), target=target)
    outputs = deployed_outputs(stack_runner(args.project_dir), args.stack)
    try:
        description = describe_stack(args.stack, member, outputs)
    except ClusterError as error:
        raise ClusterError(
            f"stack {args.stack}: cannot read its cluster ({target.where()}): {error}"
        ) from None
    if args.json:
        print(report.document("describe", ok=True, **json.loads(description.as_json())))
    else:
        print(description.text())
    return 0


def _diff(args: argparse.Namespace) -> int:
    refusals, releases = stack_diff(
        args.project_dir,
        args.stack,
        stack_runner(args.project_dir),
        args.chart_repo,
        args.live,
        args.kubeconfig,
        args.context,
    )
    if args.live:
        drifted = any(d.drift for d in releases)
        code = report.Exit.DRIFT if args.exit_code and drifted else report.Exit.OK
        body: dict[str, Any] = {"drifted": drifted}
        lines = [line for d in releases for line in d.lines()]
    else:
        changed = any(not d.diff.empty for d in releases)
        pending = report.Exit.CHANGES if args.exit_code and changed else report.Exit.OK
        code = report.Exit.REFUSED if refusals else pending
        body = {"changed": changed, "refused": refusals}
        lines = [*(f"refused: {r}" for r in refusals), *(ln for d in releases for ln in d.lines())]
    if args.json:
        print(
            report.document(
                "diff",
                ok=not refusals,
                exitCode=int(code),
                stack=args.stack,
                live=args.live,
                **body,
                releases=[d.as_json() for d in releases],
            )
        )
    else:
        print_lines(lines)
    return int(code)


def objects(project_dir: Path, stack: str, runner: StackRunner) -> list[str]:
    """One line per release of ``stack``: the objects its update adds, changes, removes."""
    try:
        refusals, releases = stack_diff(project_dir, stack, runner)
    except Exception as error:  # a cluster, chart or backend: the preview stands anyway
        return [f"objects not compared: {error}"]
    return [*(f"refused: {r}" for r in refusals), *(d.header() for d in releases)]


def _history(args: argparse.Namespace) -> int:
    runner = stack_runner(args.project_dir)
    if not runner.exists(args.stack):
        raise NotDeployed(f"stack {args.stack} does not exist in this backend")
    updates = history(runner.history(args.stack))
    if args.json:
        print(
            report.document(
                "history", ok=True, stack=args.stack, updates=json.loads(updates_json(updates))
            )
        )
    else:
        print(
            "\n".join([f"stack {args.stack}: {len(updates)} updates", *(u.line() for u in updates)])
        )
    return 0


def _stack_arguments(p: argparse.ArgumentParser) -> None:
    with_stack(p)
    with_json(p)


def _describe_arguments(p: argparse.ArgumentParser) -> None:
    _stack_arguments(p)
    with_cluster(p)


def _diff_arguments(p: argparse.ArgumentParser) -> None:
    with_stack(p)
    with_json(p)
    with_cluster(p)
    p.add_argument(
        "--live",
        action="store_true",
        help="compare the live objects with what the last update applied instead",
    )
    p.add_argument("--chart-repo", help="chart repository URL or local directory")
    p.add_argument(
        "--exit-code",
        action="store_true",
        help="exit 4 when the update would change objects (--live: 5 when any drifted)",
    )


DESCRIBE = Command(
    "a deployed stack: releases, modules, pods, endpoints (live)", _describe_arguments, _describe
)
DIFF = Command(
    "the objects an update would add, change and remove (--live: hand edits)",
    _diff_arguments,
    _diff,
)
HISTORY = Command("a stack's updates: kind, start, duration, result", _stack_arguments, _history)
