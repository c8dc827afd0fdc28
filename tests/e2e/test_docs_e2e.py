"""The guides' cluster and backend commands, run as an operator reading them would:
in the order the guides give them, in one shell session (what a command exports, the
next sees), against a real Pulumi engine and a local control plane, with a file backend
in a temporary directory.

tests/test_docs.py checks every command of every doc against the code and runs the
offline ones (``sh runnable``); the commands that need a cluster or a backend run here,
for the guides in ``GUIDES``. A command of those guides is run, or listed in
``NOT_RUN`` with why it cannot run here; a documented command that fails fails the
test, and a list entry no guide holds any more fails tests/test_docs.py. The convention
is in docs/developers.md, "The docs are tested".

What the machine provides instead of the reader's: a home with a kubeconfig whose
context is ``kind-fate`` (at ``~/.kube/config`` and ``~/.kube/fate.yaml``, the files the
guides name) for the local control plane (``operator_home``); a copy of the repository
with a ``./mirror`` of the chart repository, each stack file's ``fate:chartRepo`` and
``FATE_CHART_REPO`` naming the local chart server (``operator_project``); the Pulumi CLI
and its kubernetes provider. What differs in the commands, each listed with its reason:
``REPLACED`` words, ``ANSWERED`` prompts (``--yes``), ``LAST`` commands run after the
others, ``OWN_COPY`` guides run in a copy of their own, and ``NOT_RUN``.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from e2e.controlplane import ControlPlane
from e2e.tools import Tools
from e2e.workspace import workspace
from fate_iac import yamlio
from tests.conftest import NOTEBOOK_HASH, PROJECT_DIR, SHARED, chart_source, example
from tests.test_docs import KUBEFATE_FILES, shell_blocks

GUIDES = [
    "README.md",
    "docs/deploy-a-party.md",
    "docs/federation.md",
    "docs/upgrades-and-drift.md",
    "docs/troubleshooting.md",
    "docs/import-kubefate.md",
]
"""The guides whose commands run here, in the order they run (a reader's: the
quickstart, then one party, the federation, day 2, recovery, an imported party).
docs/ci-cd.md's commands are the pipeline templates' steps, which
tests/e2e/test_ci_templates.py runs."""

OWN_COPY = {
    "docs/import-kubefate.md": "its stack is KubeFATE's party 10000, as the example's "
    "party10000 is: beside it, the federation would be refused (one party id twice)",
}
"""Guides that run in a copy of the repository of their own, and why."""

MYSQL_ROOT_SET = (
    "kubectl -n fate-10000 exec mysql-0 -- sh -c 'printf \"ALTER USER IF EXISTS "
    'root@\\"%%\\" IDENTIFIED BY \\"%s\\"; ALTER USER root@localhost IDENTIFIED BY '
    '\\"%s\\";\\n" "$MYSQL_ROOT_PASSWORD" "$MYSQL_ROOT_PASSWORD" | mysql -uroot\''
)
MYSQL_ROOT_CHECK = "kubectl -n fate-10000 exec mysql-0 -- mysql -uroot -e 'SELECT 1'"
"""The upgrade notes' password for an existing MySQL's root, and its check."""

NOT_RUN = {
    ("README.md", "./scripts/run"): "starts a control plane of its own and deploys the "
    "example federation: this test's path, minutes longer",
    ("README.md", "./scripts/test"): "runs the test suite, this test included",
    ("docs/deploy-a-party.md", "export FATE_SERVICE_NODE_PORT_RANGE=20000-22767"): "for a "
    "cluster whose NodePort range is not kube-apiserver's default; this one's is",
    ("docs/upgrades-and-drift.md", MYSQL_ROOT_SET): "execs into a running MySQL: the "
    "simulated nodes here run no container",
    ("docs/upgrades-and-drift.md", MYSQL_ROOT_CHECK): "execs into a running MySQL: the "
    "simulated nodes here run no container",
}
"""Commands of ``GUIDES`` that do not run here, and why."""

REPLACED = {
    "pulumi login --local": (
        "pulumi login file://{backend}",
        "a local backend in a temporary directory: --local is the machine user's "
        "~/.pulumi (Pulumi takes ~ from the user database, not $HOME)",
    ),
}
"""Words of the guides' commands run as other words here (with ``{backend}``: the
temporary backend's directory), and why."""

ANSWERED = {
    ("README.md", "pulumi up"),
    ("docs/deploy-a-party.md", "pulumi up"),
    ("docs/federation.md", ".venv/bin/fatectl federation up"),
    ("docs/federation.md", ".venv/bin/fatectl federation destroy"),
}
"""Commands that show a plan and ask: they run with ``--yes``."""

LAST = {
    ("docs/federation.md", ".venv/bin/fatectl federation destroy"),
}
"""Commands that run after every guide's others (the federation's destroy would leave
the later guides nothing to look at)."""

SAID = {
    ("README.md", ".venv/bin/fatectl describe --stack party10000"): "ready",
    ("docs/deploy-a-party.md", "pulumi stack output"): "federationEndpoint",
    ("docs/federation.md", ".venv/bin/fatectl federation up"): "nothing to do",
    ("docs/federation.md", ".venv/bin/fatectl federation status"): "ready",
    ("docs/upgrades-and-drift.md", ".venv/bin/fatectl federation drift"): "in-sync",
    ("docs/troubleshooting.md", ".venv/bin/fatectl recover --stack party9999"): "nothing to do",
}
"""What a guide says a command shows, checked in its output (for a command run more
than once, in its last run)."""

READ_ONLY = re.compile(
    r"^(\.venv/bin/fatectl (describe|history|diff|validate|federation (status|drift))\b"
    r"|pulumi (preview|stack output)\b)"
)
"""Commands that change nothing: one run again with nothing changed since (the same
command, no other kind run between) would say the same, so it is not run twice."""

COMMENT = re.compile(r"\s+#\s.*$")


@dataclass(frozen=True)
class Command:
    """A command of a guide, as the reader types it (its comment dropped)."""

    doc: str
    line: int
    text: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.doc, self.text)

    def typed(self, backend: Path) -> str:
        """What runs: the command, ``REPLACED`` words replaced, with the answer to its
        prompt."""
        text = self.text
        for words, (instead, _) in REPLACED.items():
            text = text.replace(words, instead.format(backend=backend))
        return f"{text} --yes" if self.key in ANSWERED else text


def commands(doc: str) -> list[Command]:
    """Every command of a guide's shell blocks, in order."""
    text = (PROJECT_DIR / doc).read_text()
    return [
        Command(doc, block.line, COMMENT.sub("", c).strip())
        for block in shell_blocks(doc, text)
        for c in block.commands()
    ]


def to_run() -> list[Command]:
    """The guides' commands this test runs, in order (the ``sh runnable`` ones too: a
    later command may need what they write), all but the ``NOT_RUN`` ones, the
    ``LAST`` ones at the end."""
    kept = [c for doc in GUIDES for c in commands(doc) if c.key not in NOT_RUN]
    return [c for c in kept if c.key not in LAST] + [c for c in kept if c.key in LAST]


def unknown_entries() -> list[str]:
    """Entries of the lists above that name no command of ``GUIDES``."""
    known = {c.key for doc in GUIDES for c in commands(doc)}
    listed = [*NOT_RUN, *ANSWERED, *LAST, *SAID]
    unknown = [f"{doc}: {text}" for doc, text in listed if (doc, text) not in known]
    unknown += [w for w in REPLACED if not any(w in text for _, text in known)]
    return unknown + [doc for doc in OWN_COPY if doc not in GUIDES]


@dataclass
class Session:
    """One shell as the reader keeps it open: each command runs in bash from the
    project, and what it exports (or changes of the environment) the next sees."""

    backend: Path
    """The file backend's directory."""
    projects: dict[str, Path]
    """The project each guide runs in: ``""`` names the one every other guide shares."""
    env: dict[str, str]
    said: dict[tuple[str, str], str] = field(default_factory=dict)
    took: list[tuple[str, float, float]] = field(default_factory=list)
    """Each command run: where, its wall time and the CPU time of its processes."""

    unchanged: dict[str, str] = field(default_factory=dict)
    """The read-only commands run since the last command that may change something,
    with what they said."""

    def run(self, command: Command) -> None:
        if command.text in self.unchanged:
            print(f"$ {command.text}  ({command.doc}:{command.line}: as run above)")
            self.said[command.key] = self.unchanged[command.text]
            return
        cwd = self.projects.get(command.doc, self.projects[""])
        dump = cwd.parent / "session.env"
        typed = command.typed(self.backend)
        where = f"{command.doc}:{command.line}"
        script = f"set -o pipefail\n{typed}\nstatus=$?\nenv -0 > {dump}\nexit $status\n"
        started, cpu = time.monotonic(), children_cpu()
        done = subprocess.run(
            ["bash", "-c", script],
            cwd=cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=1200,
        )
        wall = time.monotonic() - started
        self.took.append((f"{where} {command.text}", wall, children_cpu() - cpu))
        print(f"$ {typed}  ({where}, {self.took[-1][1]:.1f} s)\n{done.stdout}{done.stderr}")
        assert done.returncode == 0, (
            f"{where}: `{typed}` exited {done.returncode}\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
        self.said[command.key] = done.stdout + done.stderr
        if not READ_ONLY.match(command.text):
            self.unchanged.clear()
        elif command.doc not in self.projects:  # (the shared project's)
            self.unchanged[command.text] = self.said[command.key]
        self.env = dict(
            entry.split("=", 1) for entry in dump.read_text().split("\0") if "=" in entry
        )
        for name in ("_", "SHLVL", "PWD", "OLDPWD"):
            self.env.pop(name, None)


def children_cpu() -> float:
    """CPU seconds of the processes this one started and waited for (a command's
    own, its Pulumi CLI's, plugins' and programs'): what a command costs on an idle
    machine, where the wall time here says how busy this one is."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def operator_project(target: Path, chart_repo: str) -> Path:
    """A copy of the repository as a reader has it: its stack files copied (the guides'
    commands change them), each naming the local chart server; everything else linked;
    ``./mirror``: a directory laid out as the chart repository; ``notebook.hash``."""
    target.mkdir(parents=True)
    for entry in PROJECT_DIR.iterdir():
        if entry.name in ("out", ".git", ".pulumi"):
            continue
        if entry.name.startswith("Pulumi.") and entry.name != "Pulumi.yaml":
            document = yamlio.load(entry.read_text())
            document["config"]["fate:chartRepo"] = chart_repo
            (target / entry.name).write_text(yamlio.dump(document))
        elif entry.name in ("Pulumi.yaml", "examples"):
            copy = shutil.copytree if entry.is_dir() else shutil.copy
            copy(entry, target / entry.name)
        else:
            (target / entry.name).symlink_to(entry)
    (target / "mirror").symlink_to(SHARED / "charts")
    # the Jupyter password hash an operator makes as the isolation guide says
    (target / "notebook.hash").write_text(NOTEBOOK_HASH + "\n")
    for name, source in KUBEFATE_FILES.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(example(source), target / name)
    return target


def operator_home(home: Path, kubeconfig: Path) -> None:
    """A home whose kubeconfig reaches the control plane through context ``kind-fate``
    (a kind cluster's), at the two paths the guides name."""
    text = kubeconfig.read_text().replace("fate-e2e\n", "kind-fate\n")
    (home / ".kube").mkdir(parents=True)
    for name in ("config", "fate.yaml"):
        (home / ".kube" / name).write_text(text)


def test_the_guides_commands_run(
    tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path: Path
) -> None:
    if chart_source() != str(SHARED / "charts"):  # (fails under CI)
        pytest.skip("the guides' ./mirror is ../shared/charts, which is not here")
    home = tmp_path / "home"
    operator_home(home, plane.kubeconfig)
    project = operator_project(tmp_path / "project", chart_repo)
    projects = {"": project}
    for doc in OWN_COPY:
        projects[doc] = operator_project(tmp_path / Path(doc).stem / "project", chart_repo)
    venv_bin = Path(sys.prefix) / "bin"
    base = workspace(tools, project, tmp_path / "state", plane.kubeconfig).env
    env = {
        "HOME": str(home),
        # The Pulumi CLI and its plugins; not the virtualenv: the guides say .venv/bin/.
        "PATH": os.pathsep.join(
            [str(tools.pulumi_root / "bin"), str(tools.yaml_bin)]
            + [p for p in os.environ["PATH"].split(os.pathsep) if Path(p) != venv_bin]
        ),
        "PULUMI_HOME": base["PULUMI_HOME"],
        "PULUMI_PYTHON_CMD": str(venv_bin / "python"),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
        "LANG": "C.UTF-8",
        "FATE_CHART_REPO": chart_repo,
        # The policy pack's Python announces its port to the language host without
        # flushing it; the host built here does not unbuffer it, so a pack would hang.
        "PYTHONUNBUFFERED": "1",
    }
    backend = tmp_path / "backend"
    backend.mkdir()
    session = Session(backend, projects, env)
    started = time.monotonic()
    for command in to_run():
        session.run(command)
    wall, cpu = time.monotonic() - started, sum(t[2] for t in session.took)
    print(f"{len(session.took)} commands: {wall:.0f} s wall, {cpu:.0f} s CPU; slowest:")
    for where, seconds, used in sorted(session.took, key=lambda t: -t[1])[:12]:
        print(f"  {seconds:6.1f} s ({used:5.1f} s CPU)  {where}")
    missing = [
        f"{doc}: `{text}` does not say {word!r}"
        for (doc, text), word in SAID.items()
        if word not in session.said.get((doc, text), "")
    ]
    assert not missing, "\n".join(missing)
