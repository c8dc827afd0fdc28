"""What fatectl says when something other than a rule fails (a file, a tool, a backend),
in a person's words: which file, which tool and how to get it, which stack and what the
backend said, in one line. Never an exception's class name or errno."""

from __future__ import annotations

import errno
import re

from fate_iac.problems import PULUMI_CLI, said

_PREFIXES = re.compile(r"^(stderr:\s*)?(error:\s*)?")
"""How the Automation API's error and the CLI's line begin, which say nothing."""


def os_failure(error: OSError) -> str:
    """A file that cannot be read or written, by name; the Pulumi CLI not installed."""
    if error.errno == errno.ENOENT and error.filename == "pulumi":
        return PULUMI_CLI
    return said(error)


def backend_failure(error: BaseException, stack: str | None) -> str:
    """An engine's or backend's failure (the Automation API's), or whatever else failed:
    the stack, and the last line that says something."""
    where = f"stack {stack}: " if stack else ""
    if str(error).strip() and type(error).__module__.startswith("pulumi"):
        from fate_pulumi.engine_report import failure_cause  # the engine's words: only here

        backend = _PREFIXES.sub("", failure_cause(error).splitlines()[-1])
        return f"{where}the Pulumi backend said: {backend}"
    return f"{where}failed: {said(error)}"
