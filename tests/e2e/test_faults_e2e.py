"""``fatectl federation up`` of the example federation interrupted at a few points (the
long sweep is bench/bench_faults.py): killed from nothing while Helm installs the
exchange, killed while Helm upgrades a party, one Ctrl-C then (and a refresh after it),
the API server restarted then; and during a FATE version upgrade of the parties with
its migration Jobs, killed while a Job runs. After
each, the next ``fatectl federation up`` converges with no manual step: no claim lost,
every release deployed at its newest revision with the config's values, no pending
operation or lock left in the backend."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from e2e.controlplane import ControlPlane
from e2e.faults import (
    MIGRATING,
    Point,
    claim_uids,
    claims,
    end,
    fatectl,
    interrupt,
    keep_data_in_claims,
    lock_files,
    pending_operations,
    releases,
    set_chart_version,
    upgrade_problems,
)
from e2e.tools import Tools
from e2e.workspace import Workspace, copy_project, workspace
from fate_iac.kube import helm_records

STACKS = ["exchange", "party9999", "party10000"]
NAMESPACES = ["fate-exchange", "fate-9999", "fate-10000"]
PARTIES = ["party9999", "party10000"]


@dataclass
class Federation:
    ws: Workspace
    plane: ControlPlane
    state: Path


@pytest.fixture(scope="module")
def federation(
    tools: Tools, plane: ControlPlane, chart_repo: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Federation]:
    state = tmp_path_factory.mktemp("faults")
    project = copy_project(state / "project", STACKS, chart_repo)
    ws = workspace(tools, project, state, plane.kubeconfig)
    # The parties start a FATE version back (the last test upgrades them), and keep
    # their data in claims, bound to volumes made here (no provisioner runs): a claim
    # lost, or deleted and made again, is then seen.
    for party in PARTIES:
        set_chart_version(ws, party, "v1.11.1")
    keep_data_in_claims(ws, plane, PARTIES)
    yield Federation(ws, plane, state)


def set_log_level(ws: Workspace, level: str) -> None:
    """A change to party9999 alone: its release is upgraded."""
    path = ws.project_dir / "Pulumi.party9999.yaml"
    text = re.sub(r"logLevel: \w+", f"logLevel: {level}", path.read_text())
    path.write_text(text)


def engine(pid: int) -> bool:
    """Whether ``pid`` runs the Pulumi CLI (not one of its plugins)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
    except OSError:
        return False
    return command.endswith(b"/pulumi")


def recover(
    fed: Federation, point: Point, before: set[str], refreshed: str | None = None
) -> tuple[str, float]:
    """The interrupted run (then ``pulumi refresh`` of stack ``refreshed``, as an
    operator may run), then ``fatectl federation up``: it must converge, and leave the
    federation whole."""
    injected = interrupt(fed.ws, fed.plane, NAMESPACES, point)
    assert injected.fired, f"{point.label()}: the run ended before the fault\n{injected.output}"
    if refreshed is not None:
        # The run a Ctrl-C stopped ends; its lock stays. The operator recovers the
        # stack by hand, then refreshes it (which clears what the engine knew of the
        # release it left unfinished): the next run must still apply it.
        deadline = time.monotonic() + 120
        while any(engine(pid) for pid in injected.left):
            assert time.monotonic() < deadline, "the interrupted run did not end"
            time.sleep(0.2)
        recovered = subprocess.run(
            fatectl(fed.ws, "recover", "--stack", refreshed),
            env={**os.environ, **fed.ws.env},
            capture_output=True,
            text=True,
        )
        assert recovered.returncode == 0, recovered.stderr
        done = fed.ws.pulumi("refresh", "--yes", "--skip-preview", "--stack", refreshed)
        assert done.returncode == 0, done.stderr
        by_hand = recovered.stdout + recovered.stderr
    started = time.monotonic()
    done = subprocess.run(
        fatectl(fed.ws, "federation", "up", "--yes"),
        env={**os.environ, **fed.ws.env},
        capture_output=True,
        text=True,
        timeout=900,
    )
    took = time.monotonic() - started
    end(injected.left)
    assert done.returncode == 0, f"{point.label()}:\n{injected.output}\n---\n{done.stderr}"
    assert "converged after" in done.stderr or "nothing to do" in done.stderr, done.stderr
    found = releases(fed.plane, NAMESPACES)
    assert set(found) == {"fate-exchange", "fate-9999", "fate-10000"}, found
    for name, revisions in found.items():
        assert revisions[-1][1] == "deployed", (point.label(), name, revisions)
        # One deployed revision, the newest (a revision left pending before a rollback
        # stays in Helm's history as it was: only the newest counts to Helm).
        assert [s for _, s in revisions].count("deployed") == 1, (point.label(), revisions)
    assert pending_operations(fed.ws, STACKS) == {stack: [] for stack in STACKS}
    assert lock_files(fed.state) == []
    assert claims(fed.plane, NAMESPACES) >= before
    said = [line for line in done.stderr.splitlines() if line.startswith("recover ")]
    if refreshed is not None:
        said += [line for line in by_hand.splitlines() if refreshed in line]
    print(f"{point.label()}: fault at {injected.seconds:.1f}s, recovered in {took:.1f}s", *said)
    return "\n".join(said), took


def deployed_log_level(fed: Federation) -> str:
    [record] = [
        r
        for r in helm_records("fate-9999", "fate-9999", kubeconfig=str(fed.plane.kubeconfig))
        if r["info"]["status"] == "deployed"
    ]
    return str(json.dumps(record.get("config")).count('"logLevel": "DEBUG"'))


def test_an_interrupted_federation_up_converges_on_the_next_run(federation: Federation) -> None:
    fed = federation
    # From nothing, every process of the run killed while Helm installs the exchange:
    # the lock stays, the state holds a pending create, the release is pending-install.
    said, _ = recover(fed, Point("sigkill-tree", "pending-install", "fate-exchange"), set())
    assert "removed the lock of" in said, said
    # Whether the engine had written its pending create (and Helm its pending install)
    # when the kill came is a race of milliseconds: recovery says what it found.
    if "pending operation" in said:
        assert "release fate-exchange in fate-exchange is pending-install" in said, said
    before = claims(fed.plane, NAMESPACES)

    # A CI cancel (SIGKILL of the process group) while Helm upgrades party9999.
    set_log_level(fed.ws, "DEBUG")
    said, _ = recover(fed, Point("sigkill-group", "pending-upgrade", "fate-9999"), before)
    assert "removed the lock of" in said, said
    assert deployed_log_level(fed) == "1"

    # One Ctrl-C while Helm upgrades party9999: Helm marks the revision `failed`, the
    # state holds its inputs; a refresh then clears the engine's note that it did not
    # finish, so the next update would find nothing to change. Recovery rolls it back
    # and marks it for the next update, which applies it again.
    set_log_level(fed.ws, "INFO")
    said, _ = recover(fed, Point("sigint", "pending-upgrade", "fate-9999"), before, "party9999")
    assert re.search(
        r"release fate-9999 in fate-9999 is failed \(revision \d+\) after an interrupted run: "
        r"rolled back to revision \d+; the next update applies it again",
        said,
    ), said
    assert deployed_log_level(fed) == "0"

    # The API server away for 3 s while Helm upgrades party9999.
    set_log_level(fed.ws, "DEBUG")
    recover(fed, Point("apiserver-restart", "pending-upgrade", "fate-9999"), before)
    assert deployed_log_level(fed) == "1"

    again = subprocess.run(
        fatectl(fed.ws, "federation", "up", "--yes"),
        env={**os.environ, **fed.ws.env},
        capture_output=True,
        text=True,
    )
    assert "nothing to do" in again.stderr, again.stderr


def test_one_operator_at_a_time(federation: Federation) -> None:
    """A second ``federation up`` while one runs refuses naming the holder; with
    ``--wait`` it waits for the lock, then finds nothing to do."""
    fed = federation
    env = {**os.environ, **fed.ws.env}
    set_log_level(fed.ws, "INFO")
    lock = fed.state / "backend" / ".pulumi" / "locks" / "fate-federation" / "fate.json"
    first = subprocess.Popen(
        fatectl(fed.ws, "federation", "up", "--yes"),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not (lock.exists() and lock.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    holder = json.loads(lock.read_text())
    assert holder["pid"] == first.pid and holder["command"] == "fatectl federation up"
    second = subprocess.run(
        fatectl(fed.ws, "federation", "up", "--yes"), env=env, capture_output=True, text=True
    )
    assert second.returncode == 3, second.stderr
    assert f"the federation is locked by {holder['username']}@{holder['hostname']} " in (
        second.stderr
    )
    assert f"(pid {first.pid})" in second.stderr and "--wait SECONDS" in second.stderr
    waited = subprocess.run(
        fatectl(fed.ws, "federation", "up", "--yes", "--wait", "300"),
        env=env,
        capture_output=True,
        text=True,
    )
    _, first_said = first.communicate(timeout=300)
    assert first.returncode == 0, first_said
    assert waited.returncode == 0, waited.stderr
    assert "waiting for the federation's lock: held by" in waited.stderr
    assert "nothing to do" in waited.stderr
    assert not lock.exists()


def test_an_interrupted_upgrade_converges_on_the_next_run(federation: Federation) -> None:
    """Both parties upgraded from v1.11.1 to v1.11.2 (a federation's parties run one FATE
    version), the run killed (SIGKILL of its process group: a CI cancel) while
    party9999's migration Job runs: the Job exists, the state holds its pending create.
    The next run adopts the Job and converges: the releases at the new version, deployed
    at the revision their states record, no claim lost. (Faults at more points of an
    upgrade, a Ctrl-C while Helm upgrades among them, are bench/bench_faults.py's.)"""
    fed = federation
    before = claim_uids(fed.plane, NAMESPACES)
    assert before, "the parties' StatefulSets made no claims"
    had = {set_chart_version(fed.ws, party, "v1.11.2") for party in PARTIES}
    assert had == {"v1.11.1"}
    said, _ = recover(fed, Point("sigkill-group", MIGRATING, "fate-9999"), set(before))
    assert "recover party9999: removed the lock of" in said, said
    assert "adopted fate-9999/fate-mysql-upgrade-job, which the cluster holds" in said, said
    wanted = {"fate-9999": "v1.11.2", "fate-10000": "v1.11.2"}
    found = upgrade_problems(fed.ws, fed.plane, STACKS, NAMESPACES, wanted, before)
    assert found == [], found
    for party in PARTIES:
        upgrade = fed.ws.stack(party).outputs()["upgrade"].value
        assert upgrade == {"from": "v1.11.1", "to": "v1.11.2"}, party
