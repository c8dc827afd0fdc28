"""``import-kubefate``: a KubeFATE cluster.yaml turned into a stack's config."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from fate_iac import report, yamlio
from fate_iac.federation import TLS_ENDPOINT, FederationRecord, Routes
from fate_iac.kinds import ChartKind
from fate_iac.kubefate import import_cluster_yaml
from fate_iac.loader import load_stack_config, read_stack_file, stack_file
from fate_iac.problems import TYPE_RULES, ConfigError, Problem, UsageError, plain_message
from fatectl.arguments import Command, with_json
from fatectl.handover import hand_over
from fatectl.terminal import say


def _default_stack(document: dict[str, Any]) -> str:
    """``party<partyId>``, from a party id that is one (else the file cannot be typed and
    its partyId is never put into a command line)."""
    party_id = document.get("partyId")
    if isinstance(party_id, int) and not isinstance(party_id, bool) and 0 < party_id < 2**31:
        return f"party{party_id}"
    if party_id is None:  # an exchange's file (its partyId defaults)
        return "party"
    raise ConfigError(
        "import",
        [
            Problem(
                ("partyId",),
                "party-id",
                "is not a party id (integer 1 to 2^31-1); "
                "the file cannot be imported (nothing written)",
            )
        ],
    )


def _import(args: argparse.Namespace) -> int:
    try:
        document = yamlio.load_input(args.file.read_text(), str(args.file))
    except yamlio.InputError as error:
        raise ConfigError(str(args.file), [Problem((), "yaml", str(error))]) from None
    if not isinstance(document, dict):
        raise ConfigError(str(args.file), [Problem((), "kubefate", "not a cluster.yaml mapping")])
    result = import_cluster_yaml(document, args.chart_version)
    stack = args.stack or _default_stack(document)
    if result.problems:
        raise ConfigError(stack, result.problems)
    if args.record:
        return _record(args, result.config_with_credentials(), stack)
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
        untyped = [p for p in error.problems if p.rule in TYPE_RULES]
        if untyped:  # a value this project cannot type is never written nor echoed
            raise ConfigError(stack, untyped) from None
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


def _record(args: argparse.Namespace, config: dict[str, Any], stack: str) -> int:
    """The federation record the KubeFATE party of ``config`` would publish, reached at
    ``--host``: what its operator hands to a partner whose stacks route to it."""
    if not args.host:
        raise UsageError("--record needs --host: the address partners reach this party at")
    # Only its endpoints matter here: its credentials (and its notebook's password) are
    # KubeFATE's business.
    config = {
        **config,
        "publicHost": args.host,
        "allowDefaultCredentials": True,
        "allowNotebookWithoutPassword": True,
    }
    loaded = load_stack_config(config, stack)
    if not isinstance(loaded.kind, ChartKind):
        raise UsageError(f"{args.file} deploys no federation member: it has no record")
    record = loaded.kind.record(loaded.config, "", Routes())
    if (args.ca is None) != (args.tls_port is None):
        # A partner routes over TLS only to a record with both (rule tls); KubeFATE's
        # chart publishes no TLS port of rollsite's, so its operator names the one made.
        raise UsageError(
            "--ca and --tls-port go together: partners route over TLS to the port where "
            "this party's rollsite listens for TLS (KubeFATE's chart publishes none: "
            "expose its 9380 and give that port), trusting the CA"
        )
    if args.ca is not None:
        tls_endpoint = {"host": args.host, "port": args.tls_port}
        try:
            document = record.model_dump()
            document["endpoints"] = {**document["endpoints"], TLS_ENDPOINT: tls_endpoint}
            record = FederationRecord.model_validate({**document, "ca": args.ca.read_text()})
        except OSError as error:
            raise UsageError(f"--ca {args.ca}: {error.strerror or 'cannot be read'}") from None
        except ValidationError as error:
            why = "; ".join(plain_message(e["msg"]) for e in error.errors(include_url=False))
            given = f"--ca {args.ca} with --tls-port {args.tls_port}"
            raise UsageError(f"{given}: {why}") from None
    return hand_over(record, args.out)


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, help="a KubeFATE cluster.yaml")
    p.add_argument("--stack", "-s", help="write Pulumi.<stack>.yaml instead of stdout")
    p.add_argument("--project-dir", type=Path, default=Path.cwd())
    p.add_argument("--chart-version", help="upgrade to this fate chart version on import")
    p.add_argument("--force", action="store_true", help="overwrite an existing stack file")
    p.add_argument(
        "--record",
        action="store_true",
        help="print instead the federation record this KubeFATE party would publish, for "
        "partners whose stacks route to it (needs --host)",
    )
    p.add_argument("--host", help="--record: the address partners reach the party at")
    p.add_argument("--ca", type=Path, help="--record: the PEM CA of its TLS certificates")
    p.add_argument(
        "--tls-port", type=int, help="--record (with --ca): where its rollsite listens for TLS"
    )
    p.add_argument("--out", type=Path, help="--record: write the record to this file")
    with_json(p)


IMPORT = Command("turn a KubeFATE cluster.yaml into stack config", _arguments, _import)
