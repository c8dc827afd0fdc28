"""``fate-postrender``: Helm's post-renderer for a release with enableTLS, the command
this package installs. Helm pipes the rendered manifests in and installs what comes out;
the fixes themselves are :func:`fate_iac.tls.post_render`. Apart from :mod:`fate_iac.tls`
so that the certificates' model holds no entry point of its own."""

from __future__ import annotations

import sys
from pathlib import Path

from fate_iac.tls import post_render

POSTRENDER_COMMAND = "fate-postrender"


def postrender_command() -> str:
    """The post-renderer's absolute path: the command this package installs beside the
    Python that runs the program."""
    return str(Path(sys.executable).parent / POSTRENDER_COMMAND)


def main() -> None:
    sys.stdout.write(post_render(sys.stdin.read()))
