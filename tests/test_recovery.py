"""What recovery decides from what an interrupted run left: a lock, Helm's history of a
release, the state's pending operations (the doing is tested through the real engine,
tests/e2e/test_faults_e2e.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from fate_iac.orchestrator import recover_all
from fate_iac.problems import FederationError
from fate_iac.recovery import (
    UNFINISHED,
    Lock,
    Pending,
    Revision,
    imports,
    left_plugins,
    lock_from_json,
    lock_is_stale,
    mark_unfinished,
    object_id,
    pending_operations,
    release_remedy,
    revisions,
    unrecorded_remedy,
)
from fate_pulumi.automation import SECRET_KIND, SECRET_SIGNATURE
from tests.test_orchestrator import FakeEngine, star

LOCK = {"pid": 24843, "username": "root", "hostname": "vm", "timestamp": "2026-12-06T17:15:30Z"}


def test_a_lock_names_its_holder() -> None:
    lock = lock_from_json("locks/fate/exchange/x.json", LOCK)
    assert lock.holder() == "root@vm (pid 24843) since 2026-12-06T17:15:30Z"


def test_a_lock_is_taken_over_only_when_its_run_is_gone_from_this_host() -> None:
    lock = lock_from_json("x", LOCK)
    assert lock_is_stale(lock, "vm", running=False)
    assert not lock_is_stale(lock, "vm", running=True)
    # Another host's processes cannot be seen from here: never taken for gone.
    assert not lock_is_stale(lock, "ci-runner-7", running=False)
    assert lock_from_json("x", "not a lock") == Lock("x", "?", "?", 0, "?")


def test_a_pending_upgrade_goes_back_to_the_last_deployed_revision() -> None:
    history = [Revision(1, "superseded"), Revision(2, "deployed"), Revision(3, "pending-upgrade")]
    remedy = release_remedy("fate-9999", "fate-9999", history)
    assert (remedy.action, remedy.revision) == ("rollback", 2)
    assert remedy.why == (
        "release fate-9999 in fate-9999 is pending-upgrade (revision 3): rolled back to revision 2"
    )
    # A rollback interrupted in turn: the newest revision that deployed, superseded since.
    history = [
        Revision(1, "superseded"),
        Revision(2, "superseded"),
        Revision(3, "pending-rollback"),
    ]
    assert release_remedy("n", "r", history).revision == 2


def test_a_first_install_that_never_deployed_is_uninstalled_unless_it_makes_claims() -> None:
    assert release_remedy("n", "r", [Revision(1, "pending-install")]).action == "uninstall"
    stopped = release_remedy("n", "r", [Revision(1, "pending-install", claims=True)])
    assert stopped.action == "stop"
    assert "would delete them" in stopped.why
    assert stopped.command == "back up the claims of release r, then `helm uninstall r -n n`"


def test_a_release_not_pending_is_left_alone() -> None:
    for status in ("deployed", "failed", "superseded"):
        assert release_remedy("n", "r", [Revision(1, status)]).action == "none"
    assert release_remedy("n", "r", []).action == "none"


def test_a_release_failed_by_an_interrupted_run_goes_back_and_is_applied_again() -> None:
    """One Ctrl-C while Helm waits leaves the newest revision `failed` and the state with
    its inputs: rolled back to what deployed last, and marked for the next update."""
    history = [Revision(1, "deployed"), Revision(2, "failed")]
    remedy = release_remedy("fate-9999", "fate-9999", history, interrupted=True)
    assert (remedy.action, remedy.revision, remedy.reapply) == ("rollback", 1, True)
    assert remedy.why == (
        "release fate-9999 in fate-9999 is failed (revision 2) after an interrupted run: "
        "rolled back to revision 1; the next update applies it again"
    )
    first = release_remedy("n", "r", [Revision(1, "failed")], interrupted=True)
    assert (first.action, first.reapply) == ("reapply", True)
    # A run that finished failed it on its own: the next update retries it anyway.
    assert release_remedy("n", "r", history).action == "none"


def test_an_unfinished_release_is_marked_in_the_state_for_the_next_update() -> None:
    """Initialization errors (an update follows even with no change) and a description
    in the inputs the state holds (a refresh keeps it, and it differs from the
    program's), also in the provider's own copy, a secret shown."""
    plaintext = json.dumps({"name": "fate-9999", "namespace": "fate-9999", "values": {}})
    release = {
        "urn": "urn:pulumi:party9999::fate::kubernetes:helm.sh/v3:Release::fate-9999-release",
        "type": "kubernetes:helm.sh/v3:Release",
        "inputs": {"name": "fate-9999", "namespace": "fate-9999"},
        "outputs": {"__inputs": {SECRET_SIGNATURE: SECRET_KIND, "plaintext": plaintext}},
    }
    other = {"urn": "urn:x", "type": "kubernetes:core/v1:Secret", "inputs": {}}
    deployment = {"resources": [release, other]}
    assert mark_unfinished(deployment, {"fate-9999/fate-9999"}) == [release["urn"]]
    assert release["initErrors"] == [UNFINISHED] and "initErrors" not in other
    assert release["inputs"]["description"] == UNFINISHED  # type: ignore[index]
    held = json.loads(release["outputs"]["__inputs"]["plaintext"])  # type: ignore[index]
    assert held["description"] == UNFINISHED and held["values"] == {}
    assert mark_unfinished(deployment, {"fate-10000/fate-10000"}) == []


def test_a_release_installed_but_never_recorded_is_uninstalled_unless_that_could_lose_data() -> (
    None
):
    """The CLI killed while Helm installed: the provider outlived it and deployed the
    release, the state holds only a pending create. The next update would be refused
    the name: a first install, uninstalled; with claims or more history, stopped."""
    remedy = unrecorded_remedy("fate-exchange", "fate-exchange", [Revision(1, "deployed")])
    assert remedy.action == "uninstall"
    assert remedy.why == (
        "release fate-exchange in fate-exchange was installed by the interrupted run "
        "(deployed) but never recorded in the state: uninstalled, the next update installs "
        "it again"
    )
    claims = unrecorded_remedy("n", "r", [Revision(1, "deployed", claims=True)])
    assert claims.action == "stop" and "PersistentVolumeClaims" in claims.why
    older = unrecorded_remedy("n", "r", [Revision(1, "superseded"), Revision(2, "deployed")])
    assert older.action == "stop" and "2 revisions" in older.why
    assert "pulumi import kubernetes:helm.sh/v3:Release <name> n/r" in older.command
    assert unrecorded_remedy("n", "r", []).action == "none"


def test_a_pending_upgrade_with_nothing_deployed_before_stops_with_what_to_run() -> None:
    stopped = release_remedy("n", "r", [Revision(1, "failed"), Revision(2, "pending-upgrade")])
    assert stopped.action == "stop"
    assert "helm rollback r <revision> -n n" in stopped.command


def test_helm_records_as_revisions_oldest_first() -> None:
    records = [
        {"version": 2, "info": {"status": "pending-upgrade"}, "manifest": "kind: Service"},
        {"version": 1, "info": {"status": "deployed"}, "manifest": "kind: PersistentVolumeClaim"},
    ]
    assert revisions(records) == [
        Revision(1, "deployed", claims=True),
        Revision(2, "pending-upgrade", claims=False),
    ]


RELEASE_URN = "urn:pulumi:exchange::fate::fate:index:Exchange$kubernetes:helm.sh/v3:Release::r"
NAMESPACE_URN = "urn:pulumi:exchange::fate::kubernetes:core/v1:Namespace::ns"


def test_pending_operations_of_an_exported_state() -> None:
    deployment = {
        "pending_operations": [
            {
                "type": "creating",
                "resource": {
                    "urn": RELEASE_URN,
                    "type": "kubernetes:helm.sh/v3:Release",
                    "inputs": {"name": "fate-exchange", "namespace": "fate-exchange"},
                },
            },
            {
                "type": "updating",
                "resource": {
                    "urn": NAMESPACE_URN,
                    "type": "kubernetes:core/v1:Namespace",
                    "inputs": {"metadata": {"name": "fate-exchange"}},
                },
            },
        ]
    }
    assert pending_operations(deployment) == [
        Pending(
            "creating", RELEASE_URN, "kubernetes:helm.sh/v3:Release", "fate-exchange/fate-exchange"
        ),
        Pending("updating", NAMESPACE_URN, "kubernetes:core/v1:Namespace", "fate-exchange"),
    ]
    assert pending_operations({}) == [] and pending_operations(None) == []
    assert object_id({"inputs": {}}) is None


def test_a_pending_create_the_cluster_holds_is_imported_the_rest_dropped() -> None:
    pending = [
        Pending("creating", "a", "t", "ns/a"),
        Pending("creating", "b", "t", "ns/b"),
        Pending("updating", "c", "t", "ns/c"),
        Pending("creating", "d", "t", None),
    ]
    assert imports(pending, {"ns/a", "ns/c", "ns/d"}) == [("a", "ns/a")]


def test_federation_recovery_says_what_it_did_and_stops_naming_every_holder() -> None:
    members = star()
    engine = FakeEngine(members)
    engine.deployed = {"exchange": set(), "a": set()}
    engine.left = {"a": ["removed the lock of root@vm (pid 7) since t: that run is gone"]}
    said: list[str] = []
    done = recover_all(members, engine, said.append)
    assert said == ["recover a: removed the lock of root@vm (pid 7) since t: that run is gone"]
    assert set(done) == {"exchange", "a"}  # b is not deployed: nothing to recover
    engine.stuck = {"exchange": "stack exchange is locked by a run that is still going: x@h"}
    with pytest.raises(FederationError) as raised:
        recover_all(members, engine, said.append)
    assert str(raised.value) == (
        "recovery stopped:\nstack exchange is locked by a run that is still going: x@h"
    )


def test_the_plugins_a_gone_run_left_are_found_and_a_live_runs_are_not(tmp_path: Path) -> None:
    """A killed CLI's plugins outlive it, still working in the project: they are the ones
    whose parent is no Pulumi CLI; a live run's plugins (its CLI's children) are left."""
    project = tmp_path / "project"
    project.mkdir()
    plugin = tmp_path / "pulumi-resource-kubernetes"
    plugin.symlink_to(shutil.which("sleep") or "/bin/sleep")
    cli = tmp_path / "pulumi"
    cli.symlink_to(shutil.which("sh") or "/bin/sh")
    other = tmp_path / "elsewhere"
    other.mkdir()
    left = subprocess.Popen([str(plugin), "30"], cwd=project)  # its parent: no Pulumi CLI
    live = subprocess.Popen([str(cli), "-c", f'"{plugin}" 30 & wait'], cwd=project)
    elsewhere = subprocess.Popen([str(plugin), "30"], cwd=other)
    try:
        deadline = time.monotonic() + 10
        while not _children(live.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _children(live.pid), "the live run's plugin did not start"
        assert left_plugins(project) == [left.pid]
        assert left_plugins(other) == [elsewhere.pid]
    finally:
        for pid in _children(live.pid):
            os.kill(pid, 9)
        for process in (left, live, elsewhere):
            process.kill()
            process.wait()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found
