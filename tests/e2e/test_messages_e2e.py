"""A backend's failure, as the real Pulumi CLI reports it, said in one line that names
the stack (tests/test_messages.py has the failures that need no engine)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from e2e.tools import Tools
from e2e.workspace import EXAMPLE_PASSPHRASE, PROJECT_DIR
from tests.test_messages import python_inside


def test_a_backend_error_names_the_stack_and_what_the_backend_said(
    tools: Tools, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-backend"
    env = {
        **os.environ,
        "PATH": os.pathsep.join([str(tools.pulumi_root / "bin"), os.environ["PATH"]]),
        "PULUMI_HOME": str(tmp_path / "pulumi-home"),
        "PULUMI_BACKEND_URL": f"file://{missing}",
        "PULUMI_CONFIG_PASSPHRASE": EXAMPLE_PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
    }
    for extra in ([], ["--json"]):
        done = subprocess.run(
            [sys.executable, "-m", "fatectl", "history", "-s", "party9999", *extra],
            cwd=PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        said = done.stdout + done.stderr
        assert done.returncode == 1, said
        assert python_inside(said) == [], said
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        if not extra:
            assert lines == [
                f'stack party9999: the Pulumi backend said: unable to open state directory "file://'
                f'{missing}": stat {missing}: no such file or directory'
            ], said
        else:
            assert "stack party9999: the Pulumi backend said: unable to open state" in said
