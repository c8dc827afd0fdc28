"""``recover``: clear what an interrupted run left on one stack (its lock, pending
operations in its state, a Helm release stuck in a pending state), for whoever runs
``pulumi up`` by hand; ``fatectl federation up`` does the same for every stack before it
runs (the decisions are :mod:`fate_iac.recovery`'s)."""

from __future__ import annotations

import argparse
from pathlib import Path

from fate_iac import report
from fate_iac.cluster_target import stack_target
from fate_iac.problems import UsageError
from fatectl.arguments import Command, with_cluster, with_json
from fatectl.engine import stack_runner


def _recover(args: argparse.Namespace) -> int:
    from fate_iac.orchestrator import stderr
    from fate_iac.problems import FederationError
    from fate_iac.recovery import RecoveryStopped

    path = args.project_dir / f"Pulumi.{args.stack}.yaml"
    if not path.exists():
        raise UsageError(f"no stack file {path}")
    runner = stack_runner(args.project_dir, [], [])
    if not runner.exists(args.stack):
        raise UsageError(f"stack {args.stack} is not deployed: nothing to recover")
    try:
        target = stack_target(path, args.stack).overridden(args.kubeconfig, args.context)
        done = runner.recover(args.stack, target)
    except RecoveryStopped as error:
        raise FederationError(f"recovery stopped:\n{error}") from None
    lines = [f"recover {args.stack}: {line}" for line in done] or [
        f"recover {args.stack}: nothing to do: no lock, pending operation or stuck release"
    ]
    if args.json:
        print(report.document("recover", ok=True, exitCode=0, stack=args.stack, done=done))
    else:
        for line in lines:
            stderr(line)
    return int(report.Exit.OK)


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--stack", required=True, help="the stack to recover")
    p.add_argument("--project-dir", type=Path, default=Path.cwd())
    with_cluster(p)
    with_json(p)


RECOVER = Command("clear what an interrupted run left on a stack", _arguments, _recover)
