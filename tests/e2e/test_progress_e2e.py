"""Progress and pods that cannot run, through the real engine: ``fatectl federation up
--json`` of the example federation with party 10000's clustermanager given a nodeSelector
no node matches. While it runs, stderr streams each stack's resources as they are created and
what its release waits for (ready pods, the scheduler's reason); the update is stopped
once the pod stays unschedulable past the bound (not the release's timeout), naming the
workload and the reason; stdout stays one JSON document. With the selector removed, the
next ``federation up`` converges."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from e2e.controlplane import ControlPlane
from e2e.tools import Tools
from e2e.workspace import copy_project, workspace
from fate_iac import yamlio

STACKS = ["exchange", "party9999", "party10000"]


def test_progress_streams_and_an_unschedulable_pod_stops_its_update_early(
    tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path: Path
) -> None:
    project = copy_project(tmp_path / "project", STACKS, chart_repo)
    path = project / "Pulumi.party10000.yaml"
    document = yamlio.load(path.read_text())
    document["config"]["fate:clustermanager"] = {
        **(document["config"].get("fate:clustermanager") or {}),
        "nodeSelector": {"disktype": "nvme"},
    }
    path.write_text(yamlio.dump(document))
    ws = workspace(tools, project, tmp_path, plane.kubeconfig)
    command = [str(Path(sys.prefix) / "bin" / "fatectl"), "federation", "up", "--yes"]
    started = time.monotonic()
    done = subprocess.run(
        [*command, "--json", "--unschedulable-after", "20", "--project-dir", str(project)],
        env={**os.environ, **ws.env},
        capture_output=True,
        text=True,
        timeout=900,
    )
    took = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)  # one document: progress went to stderr
    assert report["ok"] is False
    [failed] = [s for s in report["stacks"] if s["state"] == "failed"]
    assert failed["stack"] == "party10000"
    verdict = re.compile(
        r"stopped waiting: (StatefulSet|Deployment) clustermanager in fate-10000 cannot run: "
        r"pod clustermanager-\S+ stayed unschedulable for \d+ s \(bound 20 s\): 0/\d+ nodes are "
        r"available: .*didn't match Pod's node affinity/selector"
    )
    assert verdict.search(failed["error"]), failed["error"]
    assert verdict.search(report["error"]["message"]), report["error"]
    said = done.stderr
    # Progress while it ran: resources as they were done, the releases' waits.
    assert re.search(r"  exchange: created Release fate-exchange-release", said), said
    assert "  party10000: create Release fate-10000-release: Helm waits for its workloads" in said
    assert re.search(
        r"  party10000: waiting for (StatefulSet|Deployment) clustermanager in fate-10000: "
        r"0/1 ready; pod clustermanager-\S+ unschedulable: 0/\d+ nodes are available",
        said,
    ), said
    assert "  party10000: stopping its update: " in said
    # Well short of the release's timeout.
    assert took < 240, took

    # The selector removed, the next run converges (the release the stop left failed
    # applied again).
    document["config"]["fate:clustermanager"].pop("nodeSelector")
    path.write_text(yamlio.dump(document))
    again = ws.federation("up", "--yes")
    assert "converged after" in again.stderr, again.stderr
