"""The stack commands, offline: ``validate`` (a stack's configuration), ``render`` (the
manifests its releases install), ``reference`` (the configuration reference)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from fate_iac import kubefate_server, report, tls, yamlio
from fate_iac.charts import ChartSourceError, chart_source
from fate_iac.cluster_target import is_content, stack_target
from fate_iac.kinds import parts
from fate_iac.loader import load_stack_config, read_stack_file, stack_file
from fate_iac.reference import config_reference
from fate_iac.render import mask, render_stack
from fatectl.arguments import Command, with_json, with_stack
from fatectl.terminal import say


def _validate(args: argparse.Namespace) -> int:
    path = stack_file(args.project_dir, args.stack)
    raw = read_stack_file(path, args.stack)
    loaded = load_stack_config(raw, args.stack)
    target = stack_target(path, args.stack)
    if args.json:
        summary = {
            "cluster": {
                "kubeconfig": "(content)"
                if target.kubeconfig and is_content(target.kubeconfig)
                else target.kubeconfig,
                "context": target.context,
                "ambient": target.ambient,
            },
            **loaded.kind.summary(loaded.config),
            "staticRecords": [r.as_json() for r in loaded.static_records],
            "notes": loaded.notes,
            "problems": [],
        }
        print(report.document("validate", ok=True, stack=args.stack, **summary))
        return 0
    say([f"note: {n}" for n in loaded.notes])
    lines = loaded.kind.summary_lines(loaded.config)
    lines.append(f"deploys to {target.where()}")
    lines += [r.line() for r in loaded.static_records]
    for line in lines:
        print(f"stack {args.stack}: {line}")
    return 0


def _render(args: argparse.Namespace) -> int:
    raw = read_stack_file(stack_file(args.project_dir, args.stack), args.stack)
    loaded = load_stack_config(raw, args.stack)
    if not loaded.kind.charted:
        return _write(args, loaded.kind.chartless_documents(loaded.config, not args.show_secrets))
    say([f"note: {n}" for n in loaded.notes])
    cfg = loaded.config
    referenced = cfg.referenced_stacks
    if referenced:
        say(
            [
                f"note: routes to stacks {', '.join(referenced)} come from their federation "
                "outputs at deploy time; only static routes are in this render"
            ]
        )
    source = chart_source(args.chart_repo, cfg.chartRepo)
    try:
        releases = render_stack(cfg, source, redact=not args.show_secrets)
    except ChartSourceError as error:  # a secret chart URL is named, never shown
        raise ChartSourceError(mask(str(error), raw.plaintexts)) from None

    def text(release_yaml: str) -> str:
        # Credentials are redacted structurally; other secret keys by their values.
        return release_yaml if args.show_secrets else mask(release_yaml, raw.plaintexts)

    documents = {f"{r.name}": text(r.to_yaml()) for r in releases}
    described = {r.name: mask(r.chart.describe(), raw.plaintexts) for r in releases}
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
                write_private(target, text)
            sets.append(
                {
                    "name": name,
                    "source": (described or {}).get(name, "no chart"),
                    "objects": sum(kinds.values()),
                    "kinds": kinds,
                    "file": str(target) if target else None,
                }
            )
        print(report.document("render", ok=True, stack=args.stack, releases=sets))
        return 0
    if args.out is None:
        sys.stdout.write("".join(documents.values()))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in documents.items():
        target = args.out / f"{name}.yaml"
        write_private(target, text)
        count = text.count("\n---\n") + text.startswith("---\n")
        print(f"{target}: {count} objects ({(described or {}).get(name, 'no chart')})")
    return 0


def write_private(target: Path, text: str) -> None:
    """Write ``text`` readable by its owner only (0600, whatever the umask, an existing
    file's mode too): a rendered set may hold credentials (--show-secrets) or values
    that are secret however masked, and CI uploads such directories as artifacts."""
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text)


def _reference(args: argparse.Namespace) -> int:
    print(config_reference(), end="")
    return 0


def _validate_arguments(p: argparse.ArgumentParser) -> None:
    with_stack(p)
    with_json(p)


def _render_arguments(p: argparse.ArgumentParser) -> None:
    with_stack(p)
    p.add_argument("--out", type=Path, help="write <release>.yaml files here")
    p.add_argument(
        "--chart-repo",
        help="chart repository URL or local directory (default: FATE_CHART_REPO, then "
        "fate:chartRepo, then KubeFATE's repository)",
    )
    p.add_argument(
        "--show-secrets", action="store_true", help="print credentials instead of [secret]"
    )
    with_json(p)


def _no_arguments(p: argparse.ArgumentParser) -> None:
    pass


VALIDATE = Command("check a stack's configuration", _validate_arguments, _validate)
RENDER = Command("render the manifests a stack's releases install", _render_arguments, _render)
REFERENCE = Command("print the configuration reference (Markdown)", _no_arguments, _reference)
