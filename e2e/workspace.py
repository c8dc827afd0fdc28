"""Pulumi stacks of this project driven through the Automation API with a real CLI, an
isolated ``PULUMI_HOME``, a local file backend and no automatic plugin downloads."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from pulumi import automation as auto

from e2e.tools import Tools
from fate_iac import yamlio
from fate_iac.federation_check import Member
from fate_iac.orchestrator import converge, discover
from fate_pulumi.automation import AutomationRunner

PROJECT_DIR = Path(__file__).resolve().parent.parent
EXAMPLE_PASSPHRASE = "fate-example"


@dataclass(frozen=True)
class Workspace:
    project_dir: Path
    env: dict[str, str]
    tools: Tools

    def fatectl(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``fatectl <args>`` as a user runs it in this workspace; it must succeed."""
        done = subprocess.run(
            [str(Path(sys.prefix) / "bin" / "fatectl"), *args],
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=1200,
        )
        assert done.returncode == 0, done.stderr
        return done

    def federation(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``fatectl federation <args>`` as a user runs it, with this workspace's CLI,
        backend and cluster; it must succeed."""
        done = subprocess.run(
            [
                str(Path(sys.prefix) / "bin" / "fatectl"),
                "federation",
                *args,
                "--project-dir",
                str(self.project_dir),
            ],
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=1200,
        )
        assert done.returncode == 0, done.stderr
        return done

    def stack(self, name: str) -> auto.Stack:
        return auto.create_or_select_stack(
            stack_name=name,
            work_dir=str(self.project_dir),
            opts=auto.LocalWorkspaceOptions(
                env_vars=self.env,
                pulumi_home=self.env["PULUMI_HOME"],
                pulumi_command=auto.PulumiCommand(
                    root=str(self.tools.pulumi_root), skip_version_check=True
                ),
            ),
        )

    def pulumi(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the CLI directly, in the project, with this workspace's environment."""
        return subprocess.run(
            [str(self.tools.pulumi_root / "bin" / "pulumi"), *args, "--non-interactive"],
            cwd=self.project_dir,
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
        )


def copy_project(
    target: Path, stacks: list[str], chart_repo: str | None, source: Path = PROJECT_DIR
) -> Path:
    """The program and the stack files of the project in ``source`` (this repository's,
    or an example's) in ``target`` (stack config changes land there, not in the
    repository), running in this interpreter's virtualenv, each stack taking its charts
    from ``chart_repo`` (``fate:chartRepo``: a Pulumi run follows its config only).
    Releases wait for their workloads, as on a real cluster."""
    target.mkdir(parents=True, exist_ok=True)
    project = yamlio.load((source / "Pulumi.yaml").read_text())
    project.pop("main", None)  # the program is copied beside it
    project["runtime"]["options"]["virtualenv"] = sys.prefix
    (target / "Pulumi.yaml").write_text(yamlio.dump(project))
    shutil.copy(PROJECT_DIR / "__main__.py", target / "__main__.py")
    for stack in stacks:
        name = f"Pulumi.{stack}.yaml"
        document = yamlio.load((source / name).read_text())
        if chart_repo is not None:  # (a stack that installs no chart takes none)
            document["config"]["fate:chartRepo"] = chart_repo
        (target / name).write_text(yamlio.dump(document))
    return target


def workspace(
    tools: Tools,
    project_dir: Path,
    state_dir: Path,
    kubeconfig: Path,
    passphrase: str = EXAMPLE_PASSPHRASE,
) -> Workspace:
    """An isolated Pulumi environment targeting ``kubeconfig``: its own backend (in
    ``state_dir``) and secrets passphrase, as one organisation has."""
    home = state_dir / "pulumi-home"
    backend = state_dir / "backend"
    backend.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": os.pathsep.join(
            [
                str(tools.pulumi_root / "bin"),
                str(Path(sys.prefix) / "bin"),
                str(tools.yaml_bin),
                os.environ["PATH"],
            ]
        ),
        "PULUMI_HOME": str(home),
        # The language host buildable here predates Pulumi.yaml's virtualenv option.
        "PULUMI_PYTHON_CMD": str(Path(sys.prefix) / "bin" / "python"),
        # ...and runs a policy pack's Python without -u: the pack's port, its first
        # line of output, would wait in a pipe's buffer and the preview hang.
        "PYTHONUNBUFFERED": "1",
        "PULUMI_BACKEND_URL": f"file://{backend}",
        "PULUMI_CONFIG_PASSPHRASE": passphrase,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
        "KUBECONFIG": str(kubeconfig),
    }
    result = subprocess.run(
        [
            str(tools.pulumi_root / "bin" / "pulumi"),
            "plugin",
            "install",
            "resource",
            "kubernetes",
            tools.kubernetes_provider_version,
            "--file",
            str(tools.kubernetes_provider),
        ],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"plugin install failed:\n{result.stdout}\n{result.stderr}")
    return Workspace(project_dir, env, tools)


def converged_peers(
    tools: Tools,
    kubeconfig: Path,
    chart_repo: str,
    tmp_path: Path,
    template: str,
    prefix: str,
    bases: tuple[int, int],
) -> tuple[AutomationRunner, dict[str, Member]]:
    """Parties 9999 and 10000 from ``template`` (formatted with ``party``, ``peer`` (the
    other's stack), ``octet`` (9 or 10), ``base`` (from ``bases``) and ``chart_repo``), as
    stacks ``<prefix><party>`` naming each other, converged from nothing."""
    project = copy_project(tmp_path / "project", [], chart_repo)
    for (party, peer, octet), base in zip(
        ((9999, 10000, 9), (10000, 9999, 10)), bases, strict=True
    ):
        text = template.format(
            party=party, peer=f"{prefix}{peer}", octet=octet, base=base, chart_repo=chart_repo
        )
        (project / f"Pulumi.{prefix}{party}.yaml").write_text(text)
    ws = workspace(tools, project, tmp_path, kubeconfig)
    runner = AutomationRunner(project, ws.env, tools.pulumi_root, say=print)
    members = discover(project, "fate-example")
    said: list[str] = []
    converge(members, runner, say=said.append)
    assert said[-1].startswith("converged after"), said
    return runner, members
