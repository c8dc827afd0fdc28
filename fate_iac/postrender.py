"""``fate-postrender``: Helm's post-renderer, the commands this package installs, and the
fixes they make. Helm pipes the rendered manifests in and installs what comes out.

A release asks for a set of fixes (:data:`FIXES`): rollsite's TLS (why the charts need
it is in :mod:`fate_iac.tls`) and MySQL's root password (why in
:mod:`fate_iac.mysql_root`). Helm runs a post-renderer by its path alone, without
arguments, so each set is a command of its own name (:func:`command_name`), all of them
this module's :func:`main`, which reads the set from the name it was run by.

In the core's chart layer (it reads and writes manifests, nothing of a stack's config):
the policy pack renders a post-rendered release through these same fixes, read from its
command's name, before its checks, so what it checks is what Helm installs."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from itertools import combinations
from pathlib import Path
from typing import Any

from fate_iac import yamlio
from fate_iac.charts import Manifest

POSTRENDER_COMMAND = "fate-postrender"
POSTRENDER_REVISION = 1
"""Raised whenever :func:`post_render` renders differently (a test pins its output): the
releases carry it in their values, so Helm re-renders them through the new one."""
TLS = "tls"
"""The fixes of rollsite's TLS (a release with enableTLS)."""
MYSQL_ROOT = "mysql-root"
"""MySQL's root gets its password from a Secret (:mod:`fate_iac.mysql_root`)."""
FIXES = (TLS, MYSQL_ROOT)
"""Every fix a release may ask for, in the order they apply and its command names them."""
MYSQL_ROOT_SECRET = "mysql-root"
"""The Secret MySQL's root password is read from (the program makes it)."""
MYSQL_ROOT_KEY = "password"
"""Its key holding the password."""
EMPTY_ROOT = "MYSQL_ALLOW_EMPTY_PASSWORD"
ROOT_PASSWORD = "MYSQL_ROOT_PASSWORD"
LOCAL_GATEWAYS = frozenset({"rollsite", "fateflow"})
"""Route-table hosts that are this stack's own Services (never reached over TLS)."""
ROLLSITE_TLS_PORT = 9380
"""rollsite's TLS listener (eggroll's ``eggroll.rollsite.secure.port`` default)."""


def command_name(fixes: Iterable[str]) -> str:
    """The command that makes ``fixes``: ``fate-postrender`` for rollsite's TLS alone (the
    name releases have recorded since it was the only fix), else ``fate-postrender-``
    and the fixes in :data:`FIXES`' order (``fate-postrender-tls-mysql-root``)."""
    chosen = [fix for fix in FIXES if fix in set(fixes)]
    if chosen == [TLS]:
        return POSTRENDER_COMMAND
    return "-".join([POSTRENDER_COMMAND, *chosen])


COMMANDS: dict[str, frozenset[str]] = {
    command_name(chosen): frozenset(chosen)
    for size in range(1, len(FIXES) + 1)
    for chosen in combinations(FIXES, size)
}
"""Every command this package installs (``[project.scripts]``, a test keeps them the
same), and the fixes each makes."""


def postrender_command(fixes: Iterable[str]) -> str:
    """The absolute path of the command that makes ``fixes``: installed beside the Python
    that runs the program."""
    return str(Path(sys.executable).parent / command_name(fixes))


def fixes_of(command: str) -> frozenset[str] | None:
    """The fixes a release's ``postrender`` makes; None when it is not this package's
    command (wherever installed)."""
    return COMMANDS.get(Path(command.split()[0] if command.strip() else "").name)


def is_this_post_renderer(command: str) -> bool:
    """Whether a release's ``postrender`` is this package's command (wherever installed)."""
    return fixes_of(command) is not None


def main() -> None:
    fixes = fixes_of(sys.argv[0])
    if fixes is None:
        sys.exit(f"{sys.argv[0]}: not one of this package's post-renderers ({', '.join(COMMANDS)})")
    sys.stdout.write(post_render(sys.stdin.read(), fixes))


# --- post-rendering the charts --------------------------------------------------------


def secure_route_table(text: str) -> str:
    """A rollsite route table whose routes to other parties say ``is_secure``: every
    entry but this party's own (the key with its ``fateflow``) and the chart's routes to
    its own Services."""
    table = json.loads(text)
    routes = table["route_table"]
    own = {key for key, services in routes.items() if "fateflow" in services}
    for party, services in routes.items():
        if party in own:
            continue
        for entries in services.values():
            for entry in entries:
                if entry.get("ip") not in LOCAL_GATEWAYS and not entry.get("is_polling"):
                    entry["is_secure"] = True
    return json.dumps(table, indent=4) + "\n"


_SEPARATOR = re.compile(r"(?m)^(---[^\n]*\n?)")
PROPERTIES = "/data/projects/fate/eggroll/conf/eggroll.properties"
WRITABLE_PROPERTIES = "/data/projects/fate/eggroll/conf/temp_eggroll.properties"


def _fix_rollsite(obj: dict[str, Any]) -> bool:
    """The party chart v1.11.2 mounts eggroll.properties where its start script copies
    it to (read-only), so the TLS settings it appends are lost: mount it where the script
    copies it from, as the earlier charts did. True when changed."""
    changed = False
    for container in obj["spec"]["template"]["spec"].get("containers", []):
        script = " ".join(
            str(part) for part in container.get("args", []) + container.get("command", [])
        )
        if WRITABLE_PROPERTIES not in script or "cert_configs" not in script:
            continue
        for mount in container.get("volumeMounts", []):
            if mount.get("mountPath") == PROPERTIES:
                mount["mountPath"] = WRITABLE_PROPERTIES
                changed = True
        ports = container.setdefault("ports", [])
        if not any(p.get("containerPort") == ROLLSITE_TLS_PORT for p in ports):
            ports.append({"containerPort": ROLLSITE_TLS_PORT, "name": "tls"})
            changed = True
    return changed


def _harden_mysql_root(obj: dict[str, Any]) -> bool:
    """The fate chart's mysql (a StatefulSet, a Deployment in v1.8) sets
    MYSQL_ALLOW_EMPTY_PASSWORD: in its place, MYSQL_ROOT_PASSWORD from Secret
    :data:`MYSQL_ROOT_SECRET` (a reference: the pod spec never holds the value). True
    when changed."""
    changed = False
    for container in obj["spec"]["template"]["spec"].get("containers", []):
        env = container.get("env") or []
        names = [entry.get("name") for entry in env]
        if EMPTY_ROOT not in names:
            continue
        reference = {"secretKeyRef": {"name": MYSQL_ROOT_SECRET, "key": MYSQL_ROOT_KEY}}
        at = names.index(EMPTY_ROOT)
        kept = [e for e in env if e.get("name") not in (EMPTY_ROOT, ROOT_PASSWORD)]
        kept.insert(min(at, len(kept)), {"name": ROOT_PASSWORD, "valueFrom": reference})
        container["env"] = kept
        changed = True
    return changed


def post_render_object(obj: dict[str, Any], fixes: Iterable[str]) -> bool:
    """Make ``fixes`` in one rendered object, in place; True when changed."""
    kind, name = obj.get("kind"), obj.get("metadata", {}).get("name")
    fixes = frozenset(fixes)
    if MYSQL_ROOT in fixes and kind in ("StatefulSet", "Deployment") and name == "mysql":
        return _harden_mysql_root(obj)
    if TLS not in fixes:
        return False
    if (
        kind == "ConfigMap"
        and name == "rollsite-config"
        and "route_table.json" in obj.get("data", {})
    ):
        before: str = obj["data"]["route_table.json"]
        after = secure_route_table(before)
        obj["data"]["route_table.json"] = after
        return after != before
    if kind == "Deployment" and name == "rollsite":
        return _fix_rollsite(obj)
    return False


def post_render(stream: str, fixes: Iterable[str]) -> str:
    """Helm's post-render step: the rendered manifests with ``fixes`` made
    (:func:`post_render_object`); other documents pass through as they are."""
    fixes = frozenset(fixes)
    out = []
    for piece in _SEPARATOR.split(stream):
        if not _SEPARATOR.fullmatch(piece) and piece.strip():
            obj = yamlio.load(piece)
            if isinstance(obj, dict) and post_render_object(obj, fixes):
                comments = [
                    line for line in piece.splitlines(keepends=True) if line.startswith("#")
                ][:1]  # the "# Source:" line
                piece = "".join(comments) + yamlio.dump(obj)
        out.append(piece)
    return "".join(out)


def post_render_manifest(manifest: Manifest, fixes: Iterable[str]) -> Manifest:
    """One rendered manifest as the post-renderer making ``fixes`` leaves it."""
    obj = manifest.object
    if post_render_object(obj, fixes):
        return Manifest(manifest.source, yamlio.dump(obj).rstrip("\n"))
    return manifest
