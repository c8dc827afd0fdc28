"""One operator at a time, and recovery of a killed run, on an ``s3://`` backend: the
example federation's state in a bucket of a real S3 server (moto's, on 127.0.0.1), as
Pulumi's S3 driver writes it. A second ``fatectl federation up`` while one runs refuses
naming it; the run killed (SIGKILL of its process group: a CI cancel) leaves its
federation lock and its ``pulumi up``'s stack lock in the bucket; the next run takes the
federation's lock over, removes the stale stack lock and converges."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e.controlplane import ControlPlane
from e2e.faults import descendants, end, fatectl, releases
from e2e.s3server import CREDENTIALS, S3Server, serve_s3
from e2e.tools import Tools
from e2e.workspace import Workspace, copy_project, workspace
from fate_iac import s3_objects, yamlio

STACKS = ["exchange", "party9999", "party10000"]
NAMESPACES = ["fate-exchange", "fate-9999", "fate-10000"]
FEDERATION_LOCK = ".pulumi/locks/fate-federation/fate.json"


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with serve_s3(tmp_path_factory.mktemp("s3") / "server.log") as server:
        yield server


def locks(bucket: s3_objects.Bucket) -> list[str]:
    return bucket.keys(".pulumi/locks/")


def test_the_federation_lock_and_a_stale_stack_lock_on_s3(
    tools: Tools, plane: ControlPlane, chart_repo: str, s3: S3Server, tmp_path: Path
) -> None:
    project = copy_project(tmp_path / "project", STACKS, chart_repo)
    for name in STACKS:  # releases not awaited: the locks are what this is about
        path = project / f"Pulumi.{name}.yaml"
        document = yamlio.load(path.read_text())
        document["config"]["fate:release"] = {"skipAwait": True}
        path.write_text(yamlio.dump(document))
    ws: Workspace = workspace(tools, project, tmp_path, plane.kubeconfig)
    ws.env.update({**CREDENTIALS, "PULUMI_BACKEND_URL": s3.backend_url()})
    env = {**os.environ, **ws.env}
    bucket = s3_objects.bucket(s3.backend_url(), env)

    first = subprocess.Popen(
        fatectl(ws, "federation", "up", "--yes"),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while bucket.get(FEDERATION_LOCK) is None:
        assert first.poll() is None, first.communicate()[1]
        assert time.monotonic() < deadline
        time.sleep(0.1)
    found = bucket.get(FEDERATION_LOCK)
    assert found is not None
    holder = json.loads(found[0])
    assert holder["pid"] == first.pid and holder["command"] == "fatectl federation up"

    # A live holder: refused, naming it and where its lock is.
    second = subprocess.run(
        fatectl(ws, "federation", "up", "--yes"), env=env, capture_output=True, text=True
    )
    assert second.returncode == 3, second.stderr
    assert f"the federation is locked by {holder['username']}@{holder['hostname']} " in (
        second.stderr
    )
    assert f"(pid {first.pid})" in second.stderr
    assert f"(s3://{s3.bucket}/{FEDERATION_LOCK})" in second.stderr

    # A CI cancel: fatectl and its `pulumi up` killed (once an update has a release
    # installing: past the plan's previews); both locks stay in the bucket.
    while not (releases(plane, NAMESPACES) and len(locks(bucket)) > 1):
        assert first.poll() is None, first.communicate()[1]
        assert time.monotonic() < deadline, locks(bucket)
        time.sleep(0.05)
    plugins = descendants(first.pid)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    left = locks(bucket)
    # .pulumi/locks/<org>/fate/<stack>/<id>.json
    stale = sorted({k.split("/")[-2] for k in left if k != FEDERATION_LOCK})
    assert FEDERATION_LOCK in left and stale, left
    stuck = ws.pulumi("up", "--yes", "--skip-preview", "--stack", stale[0])
    assert stuck.returncode != 0 and "currently locked" in stuck.stderr, stuck.stderr

    # The next run: both recognised as left by a run that is gone, and converged.
    third = subprocess.run(
        fatectl(ws, "federation", "up", "--yes"),
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    end(plugins)
    assert third.returncode == 0, third.stderr
    assert f"took over the federation's lock from {holder['username']}@" in third.stderr
    assert f"(pid {first.pid})" in third.stderr
    for stack in stale:
        assert f"recover {stack}: removed the lock of " in third.stderr, third.stderr
    assert "converged after" in third.stderr, third.stderr
    assert locks(bucket) == []
