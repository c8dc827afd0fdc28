"""``fatectl``: validate, render and import stacks offline; run a whole federation.

Exit status (:class:`fate_iac.report.Exit`): 0 success, 1 engine, cluster or chart
repository failure (or a change declined at the prompt), 2 usage error (and a change
that needs --yes without a terminal), 3 configuration or policy refused, 4 changes
pending (--expect-no-changes), 5 drift found. With --json, the result (or the error) is
one JSON document on stdout (:data:`fate_iac.report.SCHEMA`).
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fate_iac import kubefate_server, report, tls, yamlio
from fate_iac.charts import ChartSourceError, chart_source
from fate_iac.day2 import (
    chart_version,
    deployed_record,
    release_diff,
    release_drift,
    wanted_objects,
)
from fate_iac.describe import Description, describe
from fate_iac.federation_check import Member
from fate_iac.history import as_json as updates_json
from fate_iac.history import history
from fate_iac.kinds import kind_for, kind_of, parts
from fate_iac.kube import ClusterError
from fate_iac.kubefate import import_cluster_yaml
from fate_iac.loader import (
    cluster_context,
    load_stack_config,
    read_stack_file,
    stack_file,
)
from fate_iac.orchestrator import NotConverged
from fate_iac.orchestrator import StackRunner as StackRunnerLike
from fate_iac.problems import ConfigError, FederationError, Problem
from fate_iac.reference import config_reference
from fate_iac.render import mask, render_stack


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fatectl", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def with_stack(p: argparse.ArgumentParser) -> None:
        p.add_argument("--stack", "-s", required=True, help="stack name, e.g. party10000")
        p.add_argument(
            "--project-dir", type=Path, default=Path.cwd(), help="where Pulumi.<stack>.yaml is"
        )

    def with_json(p: argparse.ArgumentParser) -> None:
        p.add_argument("--json", action="store_true", help="one JSON document on stdout")

    validate = sub.add_parser("validate", help="check a stack's configuration")
    with_stack(validate)
    with_json(validate)

    render = sub.add_parser("render", help="render the manifests a stack's releases install")
    with_stack(render)
    render.add_argument("--out", type=Path, help="write <release>.yaml files here")
    render.add_argument(
        "--chart-repo",
        help="chart repository URL or local directory (default: FATE_CHART_REPO, then "
        "fate:chartRepo, then KubeFATE's repository)",
    )
    render.add_argument(
        "--show-secrets", action="store_true", help="print credentials instead of [secret]"
    )
    with_json(render)

    imp = sub.add_parser("import-kubefate", help="turn a KubeFATE cluster.yaml into stack config")
    imp.add_argument("file", type=Path, help="a KubeFATE cluster.yaml")
    imp.add_argument("--stack", "-s", help="write Pulumi.<stack>.yaml instead of stdout")
    imp.add_argument("--project-dir", type=Path, default=Path.cwd())
    imp.add_argument("--chart-version", help="upgrade to this fate chart version on import")
    imp.add_argument("--force", action="store_true", help="overwrite an existing stack file")

    describe = sub.add_parser(
        "describe", help="a deployed stack: releases, modules, pods, endpoints (live)"
    )
    with_stack(describe)
    with_json(describe)

    diff = sub.add_parser(
        "diff", help="the objects an update would add, change and remove (--live: hand edits)"
    )
    with_stack(diff)
    with_json(diff)
    diff.add_argument(
        "--live", action="store_true",
        help="compare the live objects with what the last update applied instead",
    )  # fmt: skip
    diff.add_argument("--chart-repo", help="chart repository URL or local directory")
    diff.add_argument(
        "--exit-code", action="store_true",
        help="exit 4 when the update would change objects (--live: 5 when any drifted)",
    )  # fmt: skip

    history = sub.add_parser("history", help="a stack's updates: kind, start, duration, result")
    with_stack(history)
    with_json(history)

    sub.add_parser("reference", help="print the configuration reference (Markdown)")

    federation = sub.add_parser("federation", help="run every stack of the federation")
    federation.add_argument("action", choices=["preview", "up", "destroy", "status", "drift"])
    with_json(federation)
    federation.add_argument(
        "--expect-no-changes", action="store_true",
        help="preview: exit 4 when any stack would change (or is not deployed)",
    )  # fmt: skip
    federation.add_argument(
        "--markdown", metavar="FILE",
        help="preview: write the per-stack summary for a pull request here (- for stdout)",
    )  # fmt: skip
    federation.add_argument("--project-dir", type=Path, default=Path.cwd())
    federation.add_argument(
        "--policy-pack",
        action="append",
        default=[],
        type=_absolute,
        help="a policy pack (such as policies/) run with every preview and up; stacks not "
        "deployed yet are previewed too",
    )
    federation.add_argument(
        "--policy-pack-config",
        action="append",
        default=[],
        type=_absolute,
        help="a JSON file of policy config, one per --policy-pack, in the same order",
    )
    federation.add_argument("--max-passes", type=int, default=8,
                            help="up: bound on the steps of converging")  # fmt: skip
    federation.add_argument(
        "--yes", "-y", action="store_true", help="up/destroy: do not ask for confirmation"
    )
    return parser


def _say(lines: list[str]) -> None:
    for line in lines:
        print(line, file=sys.stderr)


def _validate(args: argparse.Namespace) -> int:
    raw = read_stack_file(stack_file(args.project_dir, args.stack), args.stack)
    loaded = load_stack_config(raw, args.stack)
    if args.json:
        summary = {**loaded.kind.summary(loaded.config), "notes": loaded.notes, "problems": []}
        print(report.document("validate", ok=True, stack=args.stack, **summary))
        return 0
    _say([f"note: {n}" for n in loaded.notes])
    for line in loaded.kind.summary_lines(loaded.config):
        print(f"stack {args.stack}: {line}")
    return 0


def _render(args: argparse.Namespace) -> int:
    raw = read_stack_file(stack_file(args.project_dir, args.stack), args.stack)
    loaded = load_stack_config(raw, args.stack)
    if not loaded.kind.charted:
        return _write(args, loaded.kind.chartless_documents(loaded.config, not args.show_secrets))
    _say([f"note: {n}" for n in loaded.notes])
    cfg = loaded.config
    referenced = cfg.referenced_stacks
    if referenced:
        _say([f"note: routes to stacks {', '.join(referenced)} come from their federation "
              "outputs at deploy time; only static routes are in this render"])  # fmt: skip
    source = chart_source(args.chart_repo, cfg.chartRepo)
    releases = render_stack(cfg, source, redact=not args.show_secrets)

    def text(release_yaml: str) -> str:
        # Credentials are redacted structurally; other secret keys by their values.
        return release_yaml if args.show_secrets else mask(release_yaml, raw.plaintexts)

    documents = {f"{r.name}": text(r.to_yaml()) for r in releases}
    described = {r.name: r.chart.describe() for r in releases}
    for kind, part in parts(cfg):  # the NetworkPolicies beside each namespace's releases
        policies = kind.network_policies(part)
        if policies:
            name = f"{part.k8s_namespace}-networkpolicies"
            documents[name] = "".join(f"---\n{yamlio.dump(p)}" for p in policies)
            described[name] = "NetworkPolicies, no chart"
        certificates = tls.offline_render(kind.issuing(part))
        if certificates:
            name = f"{part.k8s_namespace}-tls"
            documents[name] = certificates
            described[name] = "TLS certificates and Service, no chart"
    if cfg.kubefate is not None:
        name = f"{cfg.release_name}-kubefate"
        service = kubefate_server.beside(cfg.kubefate, cfg.chartRepo)
        documents[name] = kubefate_server.render(service, cfg.k8s_namespace, not args.show_secrets)
        described[name] = "KubeFateServer, no chart"
    return _write(args, documents, described)


def _write(
    args: argparse.Namespace, documents: dict[str, str], described: dict[str, str] | None = None
) -> int:
    """Rendered objects, each named set to stdout or to ``<out>/<name>.yaml``; with
    --json, what was rendered (and written, with --out) as one document."""
    if args.json:
        sets = []
        for name, text in documents.items():
            kinds: dict[str, int] = {}
            for found in yamlio.load_all(text):
                if isinstance(found, dict):
                    kinds[str(found.get("kind"))] = kinds.get(str(found.get("kind")), 0) + 1
            target = None
            if args.out is not None:
                args.out.mkdir(parents=True, exist_ok=True)
                target = args.out / f"{name}.yaml"
                target.write_text(text)
            sets.append({"name": name, "source": (described or {}).get(name, "no chart"),
                         "objects": sum(kinds.values()), "kinds": kinds,
                         "file": str(target) if target else None})  # fmt: skip
        print(report.document("render", ok=True, stack=args.stack, releases=sets))
        return 0
    if args.out is None:
        sys.stdout.write("".join(documents.values()))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in documents.items():
        target = args.out / f"{name}.yaml"
        target.write_text(text)
        count = text.count("\n---\n") + text.startswith("---\n")
        print(f"{target}: {count} objects ({(described or {}).get(name, 'no chart')})")
    return 0


def _import(args: argparse.Namespace) -> int:
    document = yamlio.load(args.file.read_text())
    if not isinstance(document, dict):
        raise ConfigError(str(args.file), [Problem((), "kubefate", "not a cluster.yaml mapping")])
    result = import_cluster_yaml(document, args.chart_version)
    stack = args.stack or f"party{document.get('partyId', '')}"
    if result.problems:
        raise ConfigError(stack, result.problems)
    target = stack_file(args.project_dir, args.stack) if args.stack else None
    existing = target.read_text() if target and target.exists() else None
    keys = ((yamlio.load(existing) or {}).get("config") or {}) if existing else {}
    beside = result.serving and any(str(k).startswith("fate:") for k in keys)
    if existing is not None and not args.force and (not beside or "fate-serving:" in existing):
        what = "a serving cluster (fate-serving: keys)" if beside else "a stack file"
        print(f"{target} holds {what} already; pass --force to replace it", file=sys.stderr)
        return 1
    # Validate what was carried over, taking the credentials as the secrets they will be.
    if beside and existing is not None:
        # The serving keys join the party's training keys, which stay as they are.
        result = result.beside(existing)
        if result.problems:
            raise ConfigError(stack, result.problems)
    _say([f"note: {n}" for n in result.notes])
    try:
        config = result.config_with_credentials()
        if beside and target is not None:
            config = {**read_stack_file(target, stack).values, **config}
        load_stack_config(config, stack)
    except ConfigError as error:
        _say(["after import, fix these before `pulumi up`:", *error.report().splitlines()[1:]])
    text = result.stack_yaml(existing if beside else None)
    if target is None:
        sys.stdout.write(text)
    else:
        target.write_text(text)
        print(f"wrote {target}")
    if result.credentials:
        _say(["set the credentials as secrets:", *result.secret_commands(stack)])
    return 0


def _runner(
    project_dir: Path, policy_packs: list[str] | None = None, pack_configs: list[str] | None = None
) -> StackRunnerLike:
    from fate_pulumi.automation import default_runner  # the Automation API: only here

    return default_runner(project_dir, policy_packs or [], pack_configs or [])


def _absolute(path: str) -> str:
    """A path as given on the command line, made absolute: the engine runs elsewhere."""
    return str(Path(path).resolve())


def describe_stack(
    stack: str, member: Member, outputs: Mapping[str, Any], kubeconfig: str | None = None
) -> Description:
    """``stack`` as the cluster it deploys to holds it (raises ClusterError)."""
    from fate_iac.kube import read_namespace

    # What the namespace outputs say, never secret; a party's serving cluster's too.
    namespace, *also = dict.fromkeys(part.k8s_namespace for _, part in parts(member.config))
    observed = read_namespace(namespace, member.cluster or None, kubeconfig)
    for other in also:
        observed += read_namespace(other, member.cluster or None, kubeconfig)
    now = datetime.datetime.now(datetime.UTC)
    return describe(stack, namespace, outputs, observed, now, also)


def _deployed_outputs(runner: StackRunnerLike, stack: str) -> dict[str, Any]:
    outputs = runner.outputs(stack) if runner.exists(stack) else {}
    if not outputs:
        raise NotDeployed(f"stack {stack} has not been deployed: it has no outputs (pulumi up)")
    return outputs


class NotDeployed(Exception):
    """The stack does not exist in the backend, or has never completed an update."""


def _describe(args: argparse.Namespace) -> int:
    path = stack_file(args.project_dir, args.stack)
    raw = read_stack_file(path, args.stack)
    unsupported = kind_for(raw.values, args.stack).unsupported("describe", args.stack)
    if unsupported:
        raise UsageError(unsupported)
    loaded = load_stack_config(raw, args.stack)
    member = Member(loaded.config, cluster_context(path))
    outputs = _deployed_outputs(_runner(args.project_dir), args.stack)
    try:
        description = describe_stack(args.stack, member, outputs)
    except ClusterError as error:
        where = f"context {member.cluster}" if member.cluster else "the current kube-context"
        raise ClusterError(
            f"stack {args.stack}: cannot read its cluster ({where}): {error}"
        ) from None
    if args.json:
        print(report.document("describe", ok=True, **json.loads(description.as_json())))
    else:
        print(description.text())
    return 0


def stack_diff(
    project_dir: Path, stack: str, runner: StackRunnerLike, chart_repo: str | None = None,
    live: bool = False,
) -> tuple[list[str], list[Any]]:  # fmt: skip
    """What an update of ``stack`` would do to its objects (``live``: what was changed by
    hand): the upgrade's refusals and one :class:`fate_iac.day2.ReleaseDiff` (or
    ``ReleaseDrift``) per release. See :mod:`fate_iac.day2`."""
    from fate_iac.kube import helm_records, read_objects

    path = stack_file(project_dir, stack)
    raw = read_stack_file(path, stack)
    unsupported = kind_for(raw.values, stack).unsupported("diff", stack)
    if unsupported:
        raise UsageError(unsupported)
    cfg = load_stack_config(raw, stack).config
    context = cluster_context(path) or None
    # Routes by stack name as the program would build them now: from those stacks'
    # records (a secret one's values stay hidden).
    hidden = set(raw.plaintexts)
    records: dict[str, Any] = {}
    for name in cfg.referenced_stacks:
        records[name], secret = runner.record(name) if runner.exists(name) else (None, False)
        if secret and isinstance(records[name], Mapping):  # its addresses stay hidden
            hidden |= set(_strings(records[name].get("endpoints")))
    rendered = render_stack(cfg, chart_source(chart_repo, cfg.chartRepo), False, records)
    helm: dict[str, list[Any]] = {}
    for release in rendered:
        if release.namespace not in helm:
            helm[release.namespace] = helm_records(release.namespace, None, context)
    refusals = []
    kind = kind_of(cfg)
    if kind.tracks_upgrades:  # its chart's upgrade rules, against Helm's record
        deployed = chart_version(deployed_record(helm[cfg.k8s_namespace], cfg.release_name))
        refusals = [p.render(stack) for p in kind.upgrade_refusals(cfg, deployed)]
    secrets = frozenset(hidden)
    if not live:
        return refusals, [release_diff(r, helm[r.namespace], secrets) for r in rendered]
    wanted = wanted_objects([r for rs in helm.values() for r in rs],
                            [(r.name, r.namespace) for r in rendered])  # fmt: skip
    found = read_objects(wanted, context)
    return refusals, [release_drift(r, helm[r.namespace], found, secrets) for r in rendered]


def _strings(value: Any) -> list[str]:
    """Every string in a record (to hide a secret one's values)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def _diff(args: argparse.Namespace) -> int:
    refusals, releases = stack_diff(
        args.project_dir, args.stack, _runner(args.project_dir), args.chart_repo, args.live
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
        print(report.document("diff", ok=not refusals, exitCode=int(code), stack=args.stack,
                              live=args.live, **body,
                              releases=[d.as_json() for d in releases]))  # fmt: skip
    else:
        _print(lines)
    return int(code)


def _objects(project_dir: Path, stack: str, runner: StackRunnerLike) -> list[str]:
    """One line per release of ``stack``: the objects its update adds, changes, removes."""
    try:
        refusals, releases = stack_diff(project_dir, stack, runner)
    except Exception as error:  # a cluster, chart or backend: the preview stands anyway
        return [f"objects not compared: {error}"]
    return [*(f"refused: {r}" for r in refusals), *(d.header() for d in releases)]


def _print(lines: list[str]) -> None:
    sys.stdout.write("".join(f"{line}\n" for line in lines))


def _history(args: argparse.Namespace) -> int:
    runner = _runner(args.project_dir)
    if not runner.exists(args.stack):
        raise NotDeployed(f"stack {args.stack} does not exist in this backend")
    updates = history(runner.history(args.stack))
    if args.json:
        print(report.document("history", ok=True, stack=args.stack,
                              updates=json.loads(updates_json(updates))))  # fmt: skip
    else:
        print(
            "\n".join([f"stack {args.stack}: {len(updates)} updates", *(u.line() for u in updates)])
        )
    return 0


def _health(stack: str, member: Member, outputs: Mapping[str, Any]) -> str:
    """One word for ``federation status``: the describe model's health, or why not."""
    try:
        return describe_stack(stack, member, outputs).health
    except ClusterError:
        return "unreachable"


def confirm(question: str, assume_yes: bool) -> bool:
    """Ask on the terminal; refuse (raise) when there is none to ask on."""
    if assume_yes:
        return True
    if not sys.stdin.isatty():
        raise NeedsConfirmation(f"{question} needs a confirmation: pass --yes to go ahead")
    # The question goes where the plan went (stderr): stdout is the result's (--json).
    print(f"{question} [y/N] ", end="", file=sys.stderr, flush=True)
    answer = input()
    return answer.strip().lower() in ("y", "yes")


class NeedsConfirmation(Exception):
    """A change that asks first was run with no terminal and without --yes."""


class UsageError(Exception):
    """Arguments that do not go together."""


def _federation(args: argparse.Namespace) -> int:
    from fate_iac import orchestrator

    members = orchestrator.discover(args.project_dir)
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
    runner = _runner(args.project_dir, args.policy_pack, args.policy_pack_config)
    new_too = bool(args.policy_pack)
    code = report.Exit.OK
    try:
        if args.action == "status":
            found = orchestrator.statuses(members, runner, _health)
            return _tell(args, command, [s.line() for s in found], code,
                         stacks=[s.as_json() for s in found])  # fmt: skip
        if args.action == "drift":
            outcomes = orchestrator.drift_all(members, runner, stderr)
            states = {o.state for o in outcomes}
            if "drifted" in states:
                code = report.Exit.DRIFT
            elif "failed" in states:
                code = report.Exit.FAILED
            elif states & {"pending", "not-deployed"}:
                code = report.Exit.CHANGES
            return _outcomes(args, command, outcomes, code)
        if args.action == "preview":
            outcomes = orchestrator.preview_all(members, runner, stderr, new_too)
            for outcome in (o for o in outcomes if o.state != "up-to-date"):
                outcome.objects = _objects(args.project_dir, outcome.stack, runner)
                _say([f"  {outcome.stack}: {line}" for line in outcome.objects])
            _summary(args, outcomes)
            if args.expect_no_changes and any(o.state != "up-to-date" for o in outcomes):
                code = report.Exit.CHANGES
            return _outcomes(args, command, outcomes, code)
        if args.action == "up":
            # What runs comes from the stacks' outputs alone: no program runs to know it.
            planned = orchestrator.plan(members, runner)
            if planned.stale:
                _say(["plan:", *(f"  {n:<16} {members[n].role:<8} {planned.why(n)}"
                                 for n in planned.order)])  # fmt: skip
                if new_too:  # a policy pack sees a stack in a preview: gate before any change
                    orchestrator.preview_all(members, runner, stderr, new_too, planned.stale)
                if not confirm("bring the federation up as planned?", args.yes):
                    _say(["nothing changed"])
                    return report.Exit.FAILED
            outcomes = orchestrator.converge(members, runner, args.max_passes, stderr, planned)
            return _outcomes(args, command, outcomes, code)
        _say(["plan:", *(f"  {line}" for line in orchestrator.destroy_plan(members, runner))])
        if not confirm("destroy these stacks' resources?", args.yes):
            _say(["nothing changed"])
            return report.Exit.FAILED
        return _outcomes(args, command, orchestrator.destroy_all(members, runner, stderr), code)
    except orchestrator.PreviewError as error:
        _summary(args, error.outcomes)
        refused = any(o.state == "refused" for o in error.outcomes)
        code = report.Exit.REFUSED if refused else report.Exit.FAILED
        _say([str(error)])
        return _outcomes(args, command, error.outcomes, code, quiet=True, error=_error(
            code, "a stack's preview was refused or failed"))  # fmt: skip
    except orchestrator.ConvergeError as error:
        refused = orchestrator.refused_by_policy(error.violations)
        code = report.Exit.REFUSED if refused else report.Exit.FAILED
        _say([str(error)])
        failed = _error(code, f"stack {error.stack} failed: {error.cause}")
        return _outcomes(args, command, error.outcomes, code, quiet=True, error=failed)


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


def _tell(args: argparse.Namespace, command: str, lines: list[str], code: int,
          **body: Any) -> int:  # fmt: skip
    """The result: lines for a person, or one JSON document (with the exit code) for a
    machine."""
    if args.json:
        print(report.document(command, ok=code == report.Exit.OK, exitCode=int(code), **body))
    elif lines and args.markdown != "-":
        print("\n".join(lines))
    return int(code)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command if args.command != "federation" else f"federation {args.action}"

    def refused(code: report.Exit, message: str, **extra: Any) -> int:
        if getattr(args, "json", False):
            print(report.error_document(command, code, message, **extra))
        else:
            print(message, file=sys.stderr)
        return int(code)

    try:
        if args.command == "validate":
            return _validate(args)
        if args.command == "render":
            return _render(args)
        if args.command == "import-kubefate":
            return _import(args)
        if args.command == "federation":
            return _federation(args)
        if args.command == "describe":
            return _describe(args)
        if args.command == "diff":
            return _diff(args)
        if args.command == "history":
            return _history(args)
        print(config_reference(), end="")
        return 0
    except ConfigError as error:
        return refused(report.Exit.REFUSED, error.report(), problems=report.problems(error))
    except ChartSourceError as error:
        return refused(report.Exit.FAILED, f"chart: {error}")
    except NotConverged as error:
        return refused(report.Exit.FAILED, str(error))
    except FederationError as error:
        return refused(report.Exit.REFUSED, str(error))
    except (NeedsConfirmation, UsageError) as error:
        return refused(report.Exit.USAGE, str(error))
    except (NotDeployed, ClusterError) as error:
        return refused(report.Exit.FAILED, str(error))
    except Exception as error:  # the engine's or a backend's own, whatever its type
        return refused(report.Exit.FAILED, f"{type(error).__name__}: {error}")


if __name__ == "__main__":
    sys.exit(main())
