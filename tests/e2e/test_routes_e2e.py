"""Through the real engine: a route that cannot be built fails the update (nothing is
created), a stack finds which stacks exist through the CLI running it, and fatectl reads
a stack's secrets through the real Pulumi CLI."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest

from e2e.controlplane import ControlPlane, kube_get
from e2e.tools import Tools
from e2e.workspace import Workspace, copy_project, workspace
from fate_iac import yamlio
from fate_iac.loader import read_with_cli
from fate_iac.pki import issue_ca

STACKS = ["party9999", "party10000"]


def p2p_project(tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path: Path) -> Workspace:
    """The two example parties as P2P peers, without an exchange."""
    project = copy_project(tmp_path / "project", STACKS, chart_repo)
    for name, peer in (("party9999", "party10000"), ("party10000", "party9999")):
        path = project / f"Pulumi.{name}.yaml"
        document = yamlio.load(path.read_text())
        del document["config"]["fate:exchangeStack"]
        document["config"]["fate:peers"] = [peer]
        path.write_text(yamlio.dump(document))
    return workspace(tools, project, tmp_path, plane.kubeconfig)


def test_a_peer_without_a_rollsite_endpoint_fails_the_update_and_creates_nothing(
    tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path: Path
) -> None:
    ws = p2p_project(tools, plane, chart_repo, tmp_path)
    # party9999 does not say where it is reachable: it publishes no rollsite endpoint.
    nine = ws.stack("party9999")
    nine.remove_config("publicHost")
    nine.up()
    ws.stack("party10000")  # created, never updated
    result = ws.pulumi("up", "--yes", "--stack", "party10000")
    assert result.returncode != 0, result.stdout
    assert "stack party10000: cannot route to every stack it names" in result.stdout
    assert "party9999 (party 9999) has no rollsite endpoint" in result.stdout
    assert kube_get(plane, "/api/v1/namespaces/fate-10000") is None
    nine.destroy()


def test_a_record_file_that_cannot_be_used_fails_pulumi_up_and_creates_nothing(
    tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path: Path
) -> None:
    """``pulumi up`` itself (not only fatectl) refuses a partner's record file that is
    missing, or whose CA has expired, naming the stack, the key and the file."""
    ws = p2p_project(tools, plane, chart_repo, tmp_path)
    path = ws.project_dir / "Pulumi.party10000.yaml"
    document = yamlio.load(path.read_text())
    document["config"]["fate:peers"] = [{"record": "partners/acme-9999.yaml"}]
    path.write_text(yamlio.dump(document))
    ws.stack("party10000")  # created, never updated
    missing = ws.pulumi("up", "--yes", "--stack", "party10000")
    assert missing.returncode != 0, missing.stdout
    assert (
        "fate:peers[0].record: cannot read record file partners/acme-9999.yaml: "
        "No such file or directory"
    ) in missing.stdout

    old = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=3)
    expired = issue_ca("acme CA", "acme", 24, old).certificate
    record = {"partyId": 9999, "endpoints": {"rollsite": {"host": "192.168.9.1", "port": 30091}}}
    (ws.project_dir / "partners").mkdir()
    (ws.project_dir / "partners" / "acme-9999.yaml").write_text(
        yamlio.dump({**record, "ca": expired})
    )
    refused = ws.pulumi("up", "--yes", "--stack", "party10000")
    assert refused.returncode != 0, refused.stdout
    assert "stack party10000: fate:peers[0]: record file partners/acme-9999.yaml" in (
        refused.stdout
    )
    assert "ca: its CA cannot be trusted: it expired on" in refused.stdout
    assert kube_get(plane, "/api/v1/namespaces/fate-10000") is None


def test_which_stacks_exist_is_asked_of_the_cli_running_the_update(
    tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path: Path
) -> None:
    """No FATE_EXISTING_STACKS and no pulumi on PATH: the program still learns that its
    peer does not exist yet, from the CLI that runs it, and waits for it."""
    ws = p2p_project(tools, plane, chart_repo, tmp_path)
    pulumi_bin = str(tools.pulumi_root / "bin")
    ws.env["PATH"] = os.pathsep.join(p for p in ws.env["PATH"].split(os.pathsep) if p != pulumi_bin)
    ws.stack("party10000")  # created; never updated
    result = ws.pulumi("up", "--yes", "--stack", "party10000")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "waiting for party9999" in result.stdout
    ws.pulumi("destroy", "--yes", "--stack", "party10000")


def test_fatectl_reads_secrets_through_the_real_cli(
    tools: Tools,
    plane: ControlPlane,
    chart_repo: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The path fatectl takes for secrets providers it cannot open itself (cloud KMS,
    Pulumi Cloud), exercised here on the passphrase provider the real CLI can open."""
    ws = p2p_project(tools, plane, chart_repo, tmp_path)
    ws.stack("party10000")
    for key, value in ws.env.items():
        monkeypatch.setenv(key, value)
    values, why_not = read_with_cli(ws.project_dir, "party10000", "passphrase")
    assert why_not == "" and values is not None
    assert values["mysql"] == {"password": "party10000-mysql-example"}
    assert values["partyId"] == 10000 or values["partyId"] == "10000"
    assert values["peers"] == ["party9999"]
