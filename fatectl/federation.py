"""``federation``: every stack of the federation at once: preview, up, destroy, status,
drift, graph (the logic is :mod:`fate_iac.orchestrator`'s; here its questions and answers)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fate_iac import report
from fate_iac.deployed import NotDeployed, describe_stack
from fate_iac.federation import read_record
from fate_iac.federation_check import Member
from fate_iac.kube import ClusterError
from fate_iac.problems import UsageError
from fatectl.arguments import Command, absolute, with_cluster, with_json
from fatectl.day2 import objects
from fatectl.engine import stack_runner
from fatectl.handover import hand_over
from fatectl.terminal import NeedsConfirmation, confirm, say

if TYPE_CHECKING:
    from fate_iac.orchestrator import StackRunner


def _health(stack: str, member: Member, outputs: Mapping[str, Any]) -> str:
    """One word for ``federation status``: the describe model's health, or why not."""
    try:
        return describe_stack(stack, member, outputs).health
    except ClusterError:
        return "unreachable"


def _record(args: argparse.Namespace) -> int:
    """``federation record``: the stack's published record, to hand to a partner."""
    if not args.stack:
        raise UsageError("federation record needs --stack: the stack whose record to print")
    runner = stack_runner(args.project_dir)
    if not runner.exists(args.stack):
        raise NotDeployed(f"stack {args.stack} does not exist in this backend")
    value, secret = runner.record(args.stack)
    record, notes = read_record(value, args.stack)
    if secret:
        notes.append(
            "its record is a Pulumi secret (a secret key, publicHost say, went into it): "
            "make sure what it shows may be handed over"
        )
    if record is None:
        raise NotDeployed(f"stack {args.stack} has published no federation record yet: deploy it")
    say([f"note: {n}" for n in notes])
    return hand_over(record, args.out, args.json)


def _federation(args: argparse.Namespace) -> int:
    from fate_iac import orchestrator

    if args.action == "record":
        return _record(args)
    members = orchestrator.discover(
        args.project_dir, kubeconfig=args.kubeconfig, context=args.context
    )
    stderr = orchestrator.stderr
    stderr(f"federation of {len(members)} stacks: {', '.join(orchestrator.run_order(members))}")
    if args.action in ("up", "destroy") and not args.yes and not sys.stdin.isatty():
        # Refuse before touching any backend: nothing to show the plan to.
        raise NeedsConfirmation(f"federation {args.action} needs a confirmation: pass --yes")
    if args.policy_pack_config and len(args.policy_pack_config) != len(args.policy_pack):
        raise UsageError("give one --policy-pack-config per --policy-pack, or none")
    if (args.expect_no_changes or args.markdown) and args.action != "preview":
        raise UsageError("--expect-no-changes and --markdown go with federation preview")
    if args.json and args.markdown == "-":
        raise UsageError("--json owns stdout: write the --markdown summary to a file")
    command = f"federation {args.action}"
    if args.action == "graph" and not args.status:
        return _graph(args, members, None)
    if (args.svg or args.status) and args.action != "graph":
        raise UsageError("--svg and --status go with federation graph")
    runner = stack_runner(args.project_dir, args.policy_pack, args.policy_pack_config)
    if args.action not in ("up", "destroy"):
        return _run(args, command, members, runner)
    where = runner.federation_lock()
    if where is None:
        stderr("no federation-wide lock: this backend keeps none (a file or s3 backend does)")
        return _run(args, command, members, runner)
    from fate_iac.operator_lock import holding

    with holding(where, f"fatectl {command}", args.wait, stderr):
        return _run(args, command, members, runner)


def _run(
    args: argparse.Namespace, command: str, members: Mapping[str, Member], runner: StackRunner
) -> int:
    from fate_iac import orchestrator

    stderr = orchestrator.stderr
    new_too = bool(args.policy_pack)
    code = report.Exit.OK
    try:
        if args.action == "graph":
            return _graph(args, members, runner)
        if args.action == "status":
            found = orchestrator.statuses(members, runner, _health)
            return _tell(
                args, command, [s.line() for s in found], code, stacks=[s.as_json() for s in found]
            )
        if args.action == "drift":
            outcomes = orchestrator.drift_all(members, runner, stderr)
            states = {o.state for o in outcomes}
            if states & {"drifted", "renewal-due"}:  # certificates lapse unless renewed
                code = report.Exit.DRIFT
            elif "failed" in states:
                code = report.Exit.FAILED
            elif states & {"pending", "not-deployed"}:
                code = report.Exit.CHANGES
            return _outcomes(args, command, outcomes, code)
        if args.action == "preview":
            outcomes = orchestrator.preview_all(members, runner, stderr, new_too)
            for outcome in (o for o in outcomes if o.state != "up-to-date"):
                outcome.objects = objects(args.project_dir, outcome.stack, runner)
                say([f"  {outcome.stack}: {line}" for line in outcome.objects])
            _summary(args, outcomes)
            if args.expect_no_changes and any(o.state != "up-to-date" for o in outcomes):
                code = report.Exit.CHANGES
            return _outcomes(args, command, outcomes, code)
        if args.action in ("up", "destroy"):
            # What an interrupted run left (its lock, pending operations, a release in
            # Helm's pending states) is cleared first, and said.
            orchestrator.recover_all(members, runner, stderr)
        if args.action == "up":
            # What runs comes from the stacks' outputs alone: no program runs to know it.
            planned = orchestrator.plan(members, runner)
            if planned.stale:
                say(
                    [
                        "plan:",
                        *(
                            f"  {n:<16} {members[n].role:<8} {planned.why(n)}"
                            for n in planned.order
                        ),
                    ]
                )
                if new_too:  # a policy pack sees a stack in a preview: gate before any change
                    orchestrator.preview_all(members, runner, stderr, new_too, planned.stale)
                if not confirm("bring the federation up as planned?", args.yes):
                    say(["nothing changed"])
                    return report.Exit.FAILED
            watch = orchestrator.watching(runner, stderr, args.unschedulable_after)
            outcomes = orchestrator.converge(
                members, runner, args.max_passes, stderr, planned, watch
            )
            return _outcomes(args, command, outcomes, code)
        say(["plan:", *(f"  {line}" for line in orchestrator.destroy_plan(members, runner))])
        if not confirm("destroy these stacks' resources?", args.yes):
            say(["nothing changed"])
            return report.Exit.FAILED
        return _outcomes(args, command, orchestrator.destroy_all(members, runner, stderr), code)
    except orchestrator.PreviewError as error:
        _summary(args, error.outcomes)
        refused = any(o.state == "refused" for o in error.outcomes)
        code = report.Exit.REFUSED if refused else report.Exit.FAILED
        say([str(error)])
        return _outcomes(
            args,
            command,
            error.outcomes,
            code,
            quiet=True,
            error=_error(code, "a stack's preview was refused or failed"),
        )
    except orchestrator.ConvergeError as error:
        code = report.Exit.REFUSED if error.refused else report.Exit.FAILED
        say([str(error)])
        failed = _error(code, f"stack {error.stack} failed: {error.cause}")
        return _outcomes(args, command, error.outcomes, code, quiet=True, error=failed)


def _graph(args: argparse.Namespace, members: Any, runner: Any) -> int:
    """The federation drawn: Mermaid (in Markdown) on stdout, SVG to --svg; with
    --status, each stack's state read from its backend and cluster."""
    from fate_iac.federation_graph import federation_graph  # only this action draws
    from fate_iac.orchestrator import statuses
    from fatectl import graph as draw

    found = statuses(members, runner, _health) if runner is not None else []
    picture = federation_graph(members, found)
    if args.svg:
        Path(args.svg).write_text(draw.svg(picture))
        say([f"wrote {args.svg}"])
    if args.json:
        print(
            report.document(
                "federation graph", ok=True, **picture.as_json(), mermaid=draw.mermaid(picture)
            )
        )
    else:
        sys.stdout.write(draw.markdown(picture))
    return int(report.Exit.OK)


def _error(code: report.Exit, message: str) -> dict[str, Any]:
    return {"kind": code.name.lower(), "message": message}


def _summary(args: argparse.Namespace, outcomes: list[Any]) -> None:
    """The preview's summary for a pull request (--markdown)."""
    if not args.markdown:
        return
    text = report.markdown("fatectl federation preview", outcomes)
    if args.markdown == "-":
        sys.stdout.write(text)
    else:
        Path(args.markdown).write_text(text)


def _outcomes(
    args: argparse.Namespace,
    command: str,
    outcomes: list[Any],
    code: int,
    quiet: bool = False,
    **extra: Any,
) -> int:
    lines = [] if quiet else [o.line() for o in outcomes]
    return _tell(args, command, lines, code, stacks=[o.as_json() for o in outcomes], **extra)


def _tell(args: argparse.Namespace, command: str, lines: list[str], code: int, **body: Any) -> int:
    """The result: lines for a person, or one JSON document (with the exit code) for a
    machine."""
    if args.json:
        print(report.document(command, ok=code == report.Exit.OK, exitCode=int(code), **body))
    elif lines and args.markdown != "-":
        print("\n".join(lines))
    return int(code)


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "action", choices=["preview", "up", "destroy", "status", "drift", "record", "graph"]
    )
    with_json(p)
    p.add_argument(
        "--stack",
        "-s",
        help="record: the stack whose federation record to print (public material only)",
    )
    p.add_argument(
        "--out", type=Path, help="record: write it to this file (YAML; JSON with --json)"
    )
    p.add_argument(
        "--expect-no-changes",
        action="store_true",
        help="preview: exit 4 when any stack would change (or is not deployed)",
    )
    p.add_argument(
        "--markdown",
        metavar="FILE",
        help="preview: write the per-stack summary for a pull request here (- for stdout)",
    )
    p.add_argument("--project-dir", type=Path, default=Path.cwd())
    p.add_argument(
        "--policy-pack",
        action="append",
        default=[],
        type=absolute,
        help="a policy pack (such as policies/) run with every preview and up; stacks not "
        "deployed yet are previewed too",
    )
    p.add_argument(
        "--policy-pack-config",
        action="append",
        default=[],
        type=absolute,
        help="a JSON file of policy config, one per --policy-pack, in the same order",
    )
    with_cluster(p)  # status and drift's reads (up and preview deploy where config says)
    p.add_argument("--svg", metavar="FILE", help="graph: draw the federation here too (SVG)")
    p.add_argument(
        "--status",
        action="store_true",
        help="graph: read each stack's state (deployed, health, certificates) from its "
        "backend and cluster",
    )
    p.add_argument("--max-passes", type=int, default=8, help="up: bound on the steps of converging")
    p.add_argument(
        "--yes", "-y", action="store_true", help="up/destroy: do not ask for confirmation"
    )
    p.add_argument(
        "--unschedulable-after",
        type=float,
        default=180.0,
        metavar="SECONDS",
        help="up: stop a stack's update once a pod of it stays unschedulable this long "
        "(default: 180), naming the workload and the scheduler's reason",
    )
    p.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="up/destroy: wait this long for another run's federation lock (default: refuse)",
    )


FEDERATION = Command(
    "run every stack of the federation (preview, up, destroy, status, drift), print a "
    "stack's record to hand over (record), or draw the federation (graph)",
    _arguments,
    _federation,
)
