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
``FATE_CHART_REPO`` naming the local chart server, and the files a reader brings
(``STAND_INS``) (``operator_project``); the volumes a provisioner would make
(``VOLUMES``); the Pulumi CLI and its kubernetes provider. What differs in the
commands, each listed with its reason: ``REPLACED`` words, ``ANSWERED`` prompts
(``--yes``), ``LAST`` commands run after the others, ``OWN_COPY`` guides run in a copy
of their own, ``RUN_ELSEWHERE`` (another real-engine test runs them: named, and it must
exist) and ``NOT_RUN``.
"""

from __future__ import annotations

import datetime
import json
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
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from e2e.controlplane import ControlPlane, make_volume
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
    "docs/tls.md",
    "docs/isolation-and-policies.md",
    "docs/spark.md",
    "docs/serving.md",
    "docs/fate-2.md",
    "docs/other-organisation.md",
    "docs/kubefate-service.md",
    "docs/package.md",
    "docs/ci-cd.md",
]
"""The guides whose commands run here, in the order they run (a reader's: the
quickstart, then one party, the federation, day 2, recovery, an imported party; then
the task guides that build on that federation)."""

OWN_COPY = {
    "docs/import-kubefate.md": "its stack is KubeFATE's party 10000, as the example's "
    "party10000 is: beside it, the federation would be refused (one party id twice)",
    "docs/serving.md": "its import adds FATE-Serving to party 9999's stack file, which the "
    "later guides' party 9999 would then deploy too",
}
"""Guides that run in a copy of the repository of their own, and why."""


NOT_RUN = {
    ("README.md", "./scripts/run"): "starts a control plane of its own and deploys the "
    "example federation: this test's path, minutes longer",
    ("README.md", "./scripts/test"): "runs the test suite, this test included",
    ("docs/deploy-a-party.md", "export FATE_SERVICE_NODE_PORT_RANGE=20000-22767"): "for a "
    "cluster whose NodePort range is not kube-apiserver's default; this one's is",
    (
        "docs/isolation-and-policies.md",
        "python3 -c 'from notebook.auth import passwd; print(passwd())' > notebook.hash",
    ): "asks for the password twice at a terminal: its output is a stand-in (``STAND_INS``)",
    ("docs/isolation-and-policies.md", "./scripts/setup"): "(re)installs the virtualenv "
    "this test runs in",
    ("docs/isolation-and-policies.md", "export PULUMI_CONFIG_PASSPHRASE=..."): "the CI "
    "system's secret, a placeholder: the session keeps the examples' passphrase",
    ("docs/spark.md", ".venv/bin/python -m e2e.deploy_examples --project examples/spark-pulsar"): (
        "starts a control plane of its own and deploys the example: what the guide's "
        "other deploy command does on this one (run by tests/e2e/test_spark_e2e.py)"
    ),
    ("docs/serving.md", ".venv/bin/python -m e2e.deploy_examples --project examples/serving"): (
        "starts a control plane of its own and deploys the example: what the guide's "
        "other deploy command does on this one (run by tests/e2e/test_serving_e2e.py)"
    ),
    **{
        ("docs/upgrades-and-drift.md", text): "kubectl exec runs in the mysql container, and "
        "no container runs here (KWOK's nodes, no kubelet)"
        for text in (
            "kubectl -n fate-10000 exec mysql-0 -- sh -c 'printf \"ALTER USER IF EXISTS "
            'root@\\"%%\\" IDENTIFIED BY \\"%s\\"; ALTER USER root@localhost '
            'IDENTIFIED BY \\"%s\\";\\n" "$MYSQL_ROOT_PASSWORD" '
            '"$MYSQL_ROOT_PASSWORD" | mysql -uroot\'',
            "kubectl -n fate-10000 exec mysql-0 -- mysql -uroot -e 'SELECT 1'",
        )
    },
    ("docs/package.md", "pip install dist/fate_iac-*.whl"): "installs the package and every "
    "dependency from PyPI into the Python Pulumi runs (the machine's, here): minutes, and "
    "not this machine's to change; the wheel it installs is built above",
    (
        "docs/package.md",
        "python3 -c 'import fate_pulumi.plugin as p, os; print(os.path.dirname(p.__file__))'",
    ): "prints where that install put the plugin directory: nothing is installed here",
    ("docs/kubefate-service.md", "kubefate version"): "KubeFATE's own CLI, which is not "
    "installed here, asks the service's pod, which never runs here (no kubelet)",
}
"""Commands of ``GUIDES`` that do not run here, and why."""

RUN_ELSEWHERE = {
    **{
        ("docs/ci-cd.md", text): (
            "tests/e2e/test_ci_templates.py",
            "the pipeline templates' steps, which that test runs as the CI systems would",
        )
        for text in (
            "./scripts/setup",
            ".venv/bin/fatectl validate --stack party9999",
            ".venv/bin/fatectl federation preview --policy-pack policies --markdown summary.md",
            ".venv/bin/fatectl federation up --yes --policy-pack policies --json",
            ".venv/bin/fatectl federation drift",
        )
    },
    ("docs/tls.md", ".venv/bin/fatectl federation status --project-dir examples/tls"): (
        "tests/e2e/test_tls_e2e.py",
        "needs examples/tls deployed: that test deploys it and checks each stack's status "
        "line ends with its certificates' expiry",
    ),
    ("docs/tls.md", "pulumi stack output --cwd examples/tls --stack party9999 certificates"): (
        "tests/e2e/test_tls_e2e.py",
        "needs examples/tls deployed: that test deploys it and reads output certificates",
    ),
    ("docs/spark.md", ".venv/bin/fatectl federation up --project-dir examples/spark-pulsar"): (
        "tests/e2e/test_spark_e2e.py",
        "that test deploys the example with it and checks what each stack made",
    ),
    ("docs/spark.md", ".venv/bin/fatectl federation status --project-dir examples/spark-pulsar"): (
        "tests/e2e/test_spark_e2e.py",
        "needs the example deployed: that test deploys it and checks every stack is ready",
    ),
    (
        "docs/spark.md",
        ".venv/bin/fatectl describe --stack party9999 --project-dir examples/spark-pulsar",
    ): (
        "tests/e2e/test_spark_e2e.py",
        "needs the example deployed: that test deploys it (a second deployment here "
        "would double this test's time)",
    ),
    ("docs/serving.md", ".venv/bin/fatectl federation up --project-dir examples/serving"): (
        "tests/e2e/test_serving_e2e.py",
        "that test deploys the example with it and checks its routes",
    ),
    (
        "docs/serving.md",
        ".venv/bin/fatectl describe --stack party9999 --project-dir examples/serving",
    ): (
        "tests/e2e/test_serving_e2e.py",
        "needs the example deployed: that test deploys it and checks what describe "
        "reports (both releases, every module ready)",
    ),
    ("docs/serving.md", ".venv/bin/fatectl federation status --project-dir examples/serving"): (
        "tests/e2e/test_serving_e2e.py",
        "needs the example deployed: that test deploys it (a second deployment here would "
        "double this test's time)",
    ),
    (
        "docs/package.md",
        "pulumi package add \"$(python3 -c 'import fate_pulumi.plugin as p, os; "
        "print(os.path.dirname(p.__file__))')\"",
    ): (
        "tests/e2e/test_package_e2e.py",
        "adds the package to a YAML program from the plugin directory (this checkout's: "
        "nothing is installed here) and deploys a party with it",
    ),
}
"""Commands of ``GUIDES`` another real-engine test runs (the test named, which must
exist), and why not here too."""

STAND_INS = {
    "notebook.hash": "the Jupyter password hash the isolation guide's first command asks "
    "for at a terminal (the examples' notebook password's)",
    "org-ca.pem": "the organisation's CA certificate the TLS guide brings: made here "
    "(RSA 2048, a CA, no NameConstraints)",
    "org-ca.key": "that CA's private key",
    "policy.json": "the CI pipeline's policy config: policies/config.example.json with "
    "namespace-isolation naming the federation's three namespaces",
}
"""Files a reader has that the guides' commands read, written into the project here."""

VOLUMES = {
    "docs-kubefate-mariadb": "the volume the cluster's provisioner would make for the "
    "KubeFATE service's MariaDB claim (docs/kubefate-service.md): none runs here",
}
"""PersistentVolumes made in the cluster first (1Gi, no storage class), and why."""

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
    (
        "docs/kubefate-service.md",
        "pulumi up --cwd examples/kubefate --stack kubefate",
    ),
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
    ("docs/isolation-and-policies.md", "kubectl get networkpolicies -n fate-9999"): (
        "fate-same-party"
    ),
    (
        "docs/serving.md",
        ".venv/bin/fatectl validate --stack party9999 --project-dir examples/serving",
    ): "beside it: serving cluster",
    ("docs/fate-2.md", ".venv/bin/fatectl describe --stack party9999"): "ready",
    ("docs/tls.md", ".venv/bin/fatectl validate --stack party9999 --project-dir examples/tls"): (
        "fate:tls.ca.certificate has no NameConstraints"
    ),
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
    kept = [
        c
        for doc in GUIDES
        for c in commands(doc)
        if c.key not in NOT_RUN and c.key not in RUN_ELSEWHERE
    ]
    return [c for c in kept if c.key not in LAST] + [c for c in kept if c.key in LAST]


def unknown_entries() -> list[str]:
    """Entries of the lists above that name no command of ``GUIDES``."""
    known = {c.key for doc in GUIDES for c in commands(doc)}
    listed = [*NOT_RUN, *RUN_ELSEWHERE, *ANSWERED, *LAST, *SAID]
    unknown = [f"{doc}: {text}" for doc, text in listed if (doc, text) not in known]
    unknown += [
        f"{doc}: `{text}` is run by {test}, which does not exist"
        for (doc, text), (test, _) in RUN_ELSEWHERE.items()
        if not (PROJECT_DIR / test).is_file()
    ]
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
    ``./mirror``: a directory laid out as the chart repository; the ``STAND_INS``."""
    target.mkdir(parents=True)
    for entry in PROJECT_DIR.iterdir():
        if entry.name in ("out", ".git", ".pulumi", "build", "dist"):
            continue
        if entry.name.endswith(".egg-info"):  # (a wheel built here writes its own)
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
    (target / "notebook.hash").write_text(NOTEBOOK_HASH + "\n")
    certificate, key = organisation_ca()
    (target / "org-ca.pem").write_text(certificate)
    (target / "org-ca.key").write_text(key)
    policy = json.loads((PROJECT_DIR / "policies" / "config.example.json").read_text())
    policy["namespace-isolation"]["namespaces"] = ["fate-exchange", "fate-9999", "fate-10000"]
    (target / "policy.json").write_text(json.dumps(policy, indent=2))
    assert {p.name for p in target.iterdir()} >= STAND_INS.keys()
    for name, source in KUBEFATE_FILES.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(example(source), target / name)
    return target


def organisation_ca() -> tuple[str, str]:
    """A CA as an organisation brings one: its certificate and its key, PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Example Org CA")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return pem, private


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
    for name in VOLUMES:
        make_volume(plane, name)
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
