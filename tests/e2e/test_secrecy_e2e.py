"""The rule for every path a secret could take, held once: a deployed stack with
distinctive secret values (credentials, a secret ``helmValues`` key, a secret chart
repository URL, its generated CA key), every ``fatectl`` command in text and --json,
with and without the passphrase, ``pulumi up`` and ``pulumi stack export``: none of the
values shows in any stdout, stderr, written file or unencrypted state field.

A new command or a new output joins the matrix below; whatever path it opens is then
checked with the others."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from e2e.controlplane import ControlPlane
from e2e.tools import Tools
from e2e.workspace import PROJECT_DIR, Workspace, copy_project, workspace
from fate_iac import yamlio
from tests.conftest import SHARED

STACK = "party10000"
EXAMPLE = PROJECT_DIR / "examples" / "tls"
SECRETS = {
    "--path fate:mysql.password": "LEAKmysqlZ9q1x",
    "--path fate:fateboard.password": "LEAKboardX7w2y",
    "--path fate:helmValues.image.imagePullSecrets[0].name": "leak-pull-r4t8z",
}
REPO_USER, REPO_TOKEN = "LEAKrepoUserQ3", "LEAKrepoTokenP5"
KUBEFATE_PASSWORD = "LEAKkubefateDbM6"
"""A KubeFATE cluster.yaml's MySQL password, for import-kubefate."""
COMMANDS: list[list[str]] = [
    ["validate", "-s", STACK, "--project-dir", "{project}"],
    ["render", "-s", STACK, "--project-dir", "{project}"],
    ["render", "-s", STACK, "--project-dir", "{project}", "--out", "{out}/rendered"],
    ["describe", "-s", STACK, "--project-dir", "{project}"],
    ["diff", "-s", STACK, "--project-dir", "{project}"],
    ["diff", "-s", STACK, "--project-dir", "{project}", "--live"],
    ["history", "-s", STACK, "--project-dir", "{project}"],
    ["federation", "status", "--project-dir", "{project}"],
    ["federation", "drift", "--project-dir", "{project}"],
    ["federation", "preview", "--project-dir", "{project}", "--markdown", "{out}/summary.md"],
]
IMPORTS: list[list[str]] = [
    ["import-kubefate", "{out}/cluster.yaml"],
    ["import-kubefate", "{out}/cluster.yaml", "--project-dir", "{out}", "--stack", "imported"],
]
"""Every fatectl command that reads a stack, its config or its state."""


def leaked(text: str, secrets: list[str]) -> list[str]:
    return [s for s in secrets if s in text]


def leaking_fields(node: Any, secrets: list[str], where: str = "") -> list[str]:
    """Where in a state each plaintext sits (for the failure message)."""
    if isinstance(node, dict):
        label = node.get("urn", "")
        return [
            found
            for key, value in node.items()
            for found in leaking_fields(value, secrets, f"{where}/{label or ''}{key}")
        ]
    if isinstance(node, list):
        return [f for i, v in enumerate(node) for f in leaking_fields(v, secrets, f"{where}[{i}]")]
    return [f"{where}: {s}" for s in leaked(str(node), secrets)]


@pytest.fixture(scope="module")
def deployed(
    tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Workspace, list[str], list[str]]:
    """The TLS example's party 10000 with distinctive secrets, deployed; the secrets, and
    what ``pulumi up`` printed."""
    if not chart_repo.startswith("http://"):
        pytest.skip("needs the local chart repository, served here, to take credentials")
    state = tmp_path_factory.mktemp("secrecy")
    project = copy_project(state / "project", [STACK], chart_repo, source=EXAMPLE)
    document = yamlio.load((project / f"Pulumi.{STACK}.yaml").read_text())
    del document["config"]["fate:chartRepo"]  # set below, as a secret
    del document["config"]["fate:peers"]  # a federation of its own: every command runs
    (project / f"Pulumi.{STACK}.yaml").write_text(yamlio.dump(document))
    ws = workspace(tools, project, state, plane.kubeconfig)
    parsed = urlsplit(chart_repo)
    secret_repo = urlunsplit(
        (parsed.scheme, f"{REPO_USER}:{REPO_TOKEN}@{parsed.netloc}", parsed.path, "", "")
    )
    settings = [*SECRETS.items(), ("fate:chartRepo", secret_repo)]
    ws.stack(STACK)  # created in the backend, its file as it is
    for key, value in settings:
        done = ws.pulumi("config", "set", "--stack", STACK, "--secret", *key.split(), value)
        assert done.returncode == 0, done.stderr
    up = ws.pulumi("up", "--yes", "--stack", STACK, "--skip-preview")
    assert up.returncode == 0, up.stdout + up.stderr
    secrets = [*SECRETS.values(), REPO_USER, REPO_TOKEN, secret_repo, KUBEFATE_PASSWORD]
    return ws, secrets, [up.stdout, up.stderr]


def test_pulumi_up_and_the_exported_state_hold_no_secret_in_plaintext(
    deployed: tuple[Workspace, list[str], list[str]],
) -> None:
    ws, secrets, printed = deployed
    assert leaked("".join(printed), secrets) == []
    export = ws.pulumi("stack", "export", "--stack", STACK)
    assert export.returncode == 0, export.stderr
    assert leaking_fields(json.loads(export.stdout), secrets) == []
    # The CA's and the certificates' private keys are in the state, encrypted.
    assert "PRIVATE KEY" not in export.stdout
    assert "ciphertext" in export.stdout


@pytest.mark.parametrize("passphrase", [True, False], ids=["passphrase", "no-passphrase"])
def test_no_fatectl_command_shows_a_secret(
    deployed: tuple[Workspace, list[str], list[str]], tmp_path: Path, passphrase: bool
) -> None:
    ws, secrets, _ = deployed
    kubefate = SHARED / "kubefate-examples" / "v1.11.2"
    example = yamlio.load((kubefate / "party-10000" / "cluster.yaml").read_text())
    example["mysql"] = {**(example.get("mysql") or {}), "password": KUBEFATE_PASSWORD}
    (tmp_path / "cluster.yaml").write_text(yamlio.dump(example))
    env = {**os.environ, **ws.env}
    if not passphrase:
        env.pop("PULUMI_CONFIG_PASSPHRASE")
    fatectl = str(Path(sys.prefix) / "bin" / "fatectl")
    runs = [[*c, *mode] for c in COMMANDS for mode in ([], ["--json"])] + IMPORTS
    seen: dict[str, list[str]] = {}
    codes: dict[str, int] = {}
    for command in runs:
        argv = [a.format(out=tmp_path, project=ws.project_dir) for a in command]
        done = subprocess.run(
            [fatectl, *argv], env=env, capture_output=True, text=True, timeout=900
        )
        codes[" ".join(command)] = done.returncode
        found = leaked(done.stdout + done.stderr, secrets)
        if found:
            seen[" ".join(command)] = found
    print(codes)
    if passphrase:  # the commands did their work: what they show was there to leak
        assert {c: code for c, code in codes.items() if code != 0} == {}
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "cluster.yaml"]
    assert written  # render --out, import-kubefate --stack and the summary wrote files
    for path in written:
        found = leaked(path.read_text(), secrets)
        if found:
            seen[str(path)] = found
    assert seen == {}
