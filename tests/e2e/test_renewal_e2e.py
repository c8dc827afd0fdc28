"""Time is an input, through the real engine: a converged TLS federation (examples/tls,
party 10000's certificates valid for 72 h and renewed within 48 h of expiry) reaches
the moment its renewal window opens (``FATE_IAC_RENEWAL_TIME``: no sleeping for a
day); ``federation status`` and ``drift`` name the certificates, and ``federation up``
re-issues them with no config change, then has nothing to do."""

from __future__ import annotations

import base64
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from e2e.controlplane import ControlPlane, kube_get
from e2e.tools import Tools
from e2e.workspace import PROJECT_DIR, Workspace, copy_project, workspace
from fate_iac import tls, yamlio
from fate_iac.clock import RENEWAL_TIME_ENV

EXAMPLE = PROJECT_DIR / "examples" / "tls"
STACKS = ["exchange", "party9999", "party10000"]


def federation(ws: Workspace, at: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``fatectl federation <args>`` with renewals decided at time ``at``."""
    return subprocess.run(
        [str(Path(sys.prefix) / "bin" / "fatectl"), "federation", *args],
        env={**os.environ, **ws.env, RENEWAL_TIME_ENV: at},
        cwd=ws.project_dir,
        capture_output=True,
        text=True,
        timeout=1200,
    )


def test_certificates_entering_their_window_are_renewed_by_federation_up(
    tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path: Path
) -> None:
    project = copy_project(tmp_path / "project", STACKS, chart_repo, source=EXAMPLE)
    path = project / "Pulumi.party10000.yaml"
    document = yamlio.load(path.read_text())
    document["config"]["fate:tls"] = {
        **document["config"]["fate:tls"],
        "validityHours": 72,
        "renewBeforeHours": 48,
    }
    path.write_text(yamlio.dump(document))
    ws = workspace(tools, project, tmp_path, plane.kubeconfig)
    assert "converged after" in ws.federation("up", "--yes").stderr

    def server_certificate() -> str:
        found = kube_get(plane, f"/api/v1/namespaces/fate-tls-10000/secrets/{tls.CERTS_SECRET}")
        assert found is not None
        return base64.b64decode(found["data"]["server.crt"]).decode()

    def expiries() -> dict[str, str]:
        status = json.loads(ws.federation("status", "--json").stdout)
        [party] = [s for s in status["stacks"] if s["stack"] == "party10000"]
        return dict(party["certificates"])

    issued, before = expiries(), server_certificate()
    # The window opens 48 h before expiry: that moment, a few seconds on. (Certificates
    # issued from now on expire later than those, so they are not due then.)
    opens = datetime.datetime.fromisoformat(issued["eggroll-certs"]) - datetime.timedelta(hours=48)
    at = (opens + datetime.timedelta(seconds=2)).isoformat()
    time.sleep(3)

    # Nothing changed but time: before the window, nothing to do.
    early = federation(ws, (opens - datetime.timedelta(hours=1)).isoformat(), "up", "--yes")
    assert early.returncode == 0 and "nothing to do" in early.stderr, early.stderr

    status = json.loads(federation(ws, at, "status", "--json").stdout)
    due = {s["stack"]: s["renewal"] for s in status["stacks"]}
    assert due == {
        "exchange": {},
        "party9999": {},
        "party10000": {"eggroll-certs": issued["eggroll-certs"]},
    }
    text = federation(ws, at, "status").stdout
    assert f"due for renewal: eggroll-certs (expires {issued['eggroll-certs'][:16]})" in text

    # The CI drift job fails before they lapse, saying which.
    drift = federation(ws, at, "drift")
    assert drift.returncode == 5, drift.stderr
    assert "drift party10000: renewal-due: certificates due for renewal: eggroll-certs" in (
        drift.stderr
    )
    assert "drift party9999: in-sync" in drift.stderr

    # federation up renews them, with no config change, and only there.
    up = federation(ws, at, "up", "--yes")
    assert up.returncode == 0, up.stderr
    assert "party10000       party    certificates due: eggroll-certs" in up.stderr, up.stderr
    assert "[step 1] up: party10000" in up.stderr
    assert "converged after 1 update in 1 step" in up.stderr, up.stderr
    assert server_certificate() != before
    assert expiries()["eggroll-certs"] > issued["eggroll-certs"]
    assert expiries()["ca"] == issued["ca"]  # the CA (ten years) is not due

    again = federation(ws, at, "up", "--yes")
    assert "nothing to do" in again.stderr, again.stderr
    assert federation(ws, at, "drift").returncode == 0
