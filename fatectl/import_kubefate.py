"""``import-kubefate``: a KubeFATE cluster.yaml turned into a stack's config."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fate_iac import report, yamlio
from fate_iac.kubefate import import_cluster_yaml
from fate_iac.loader import load_stack_config, read_stack_file, stack_file
from fate_iac.problems import ConfigError, Problem, UsageError
from fatectl.arguments import Command, with_json
from fatectl.terminal import say


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
        raise UsageError(f"{target} holds {what} already; pass --force to replace it")
    # Validate what was carried over, taking the credentials as the secrets they will be.
    if beside and existing is not None:
        # The serving keys join the party's training keys, which stay as they are.
        result = result.beside(existing)
        if result.problems:
            raise ConfigError(stack, result.problems)
    if not args.json:
        say([f"note: {n}" for n in result.notes])
    left: list[dict[str, object]] = []
    try:
        config = result.config_with_credentials()
        if beside and target is not None:
            config = {**read_stack_file(target, stack).values, **config}
        load_stack_config(config, stack)
    except ConfigError as error:
        left = report.problems(error)
        if not args.json:
            say(["after import, fix these before `pulumi up`:", *error.report().splitlines()[1:]])
    text = result.stack_yaml(existing if beside else None)
    if target is not None:
        target.write_text(text)
    if args.json:
        print(
            report.document(
                "import-kubefate",
                ok=True,
                stack=stack,
                file=str(target) if target else None,
                config=None if target else text,
                notes=result.notes,
                problems=left,
                secretCommands=result.secret_commands(stack) if result.credentials else [],
            )
        )
        return 0
    if target is None:
        sys.stdout.write(text)
    else:
        print(f"wrote {target}")
    if result.credentials:
        say(["set the credentials as secrets:", *result.secret_commands(stack)])
    return 0


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, help="a KubeFATE cluster.yaml")
    p.add_argument("--stack", "-s", help="write Pulumi.<stack>.yaml instead of stdout")
    p.add_argument("--project-dir", type=Path, default=Path.cwd())
    p.add_argument("--chart-version", help="upgrade to this fate chart version on import")
    p.add_argument("--force", action="store_true", help="overwrite an existing stack file")
    with_json(p)


IMPORT = Command("turn a KubeFATE cluster.yaml into stack config", _arguments, _import)
