"""``fate-postrender``: Helm's post-renderer for a release with enableTLS, the command
this package installs, and the fixes it makes. Helm pipes the rendered manifests in and
installs what comes out.

In the core's chart layer (it reads and writes manifests, nothing of a stack's config):
the policy pack renders a post-rendered release through these same fixes before its
checks, so what it checks is what Helm installs. Why the charts need them is in
:mod:`fate_iac.tls`."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from fate_iac import yamlio
from fate_iac.charts import Manifest

POSTRENDER_COMMAND = "fate-postrender"
POSTRENDER_REVISION = 1
"""Raised whenever :func:`post_render` renders differently (a test pins its output): the
releases carry it in their values, so Helm re-renders them through the new one."""
LOCAL_GATEWAYS = frozenset({"rollsite", "fateflow"})
"""Route-table hosts that are this stack's own Services (never reached over TLS)."""
ROLLSITE_TLS_PORT = 9380
"""rollsite's TLS listener (eggroll's ``eggroll.rollsite.secure.port`` default)."""


def postrender_command() -> str:
    """The post-renderer's absolute path: the command this package installs beside the
    Python that runs the program."""
    return str(Path(sys.executable).parent / POSTRENDER_COMMAND)


def is_this_post_renderer(command: str) -> bool:
    """Whether a release's ``postrender`` is this package's command (wherever installed)."""
    return Path(command.split()[0] if command.strip() else "").name == POSTRENDER_COMMAND


def main() -> None:
    sys.stdout.write(post_render(sys.stdin.read()))


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


def post_render_object(obj: dict[str, Any]) -> bool:
    """Fix one rendered object in place; True when changed."""
    kind, name = obj.get("kind"), obj.get("metadata", {}).get("name")
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


def post_render(stream: str) -> str:
    """Helm's post-render step for a release with enableTLS: the rendered manifests with
    the fixes of :func:`post_render_object`; other documents pass through as they are."""
    out = []
    for piece in _SEPARATOR.split(stream):
        if not _SEPARATOR.fullmatch(piece) and piece.strip():
            obj = yamlio.load(piece)
            if isinstance(obj, dict) and post_render_object(obj):
                comments = [
                    line for line in piece.splitlines(keepends=True) if line.startswith("#")
                ][:1]  # the "# Source:" line
                piece = "".join(comments) + yamlio.dump(obj)
        out.append(piece)
    return "".join(out)


def post_render_manifest(manifest: Manifest) -> Manifest:
    """One rendered manifest as the post-renderer leaves it."""
    obj = manifest.object
    if post_render_object(obj):
        return Manifest(manifest.source, yamlio.dump(obj).rstrip("\n"))
    return manifest
