"""FATE version upgrades: KubeFATE's rules, the migration it runs, and the program that
refuses or runs it (under mocks; the real engine is in tests/e2e/test_day2_e2e.py)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fate_iac.config import PartyConfig
from fate_iac.helm_record import last_version_change
from fate_iac.loader import load_party_config
from fate_iac.secrets import Secret
from fate_iac.upgrade import (
    JOB,
    PASSWORD_SECRET,
    Migration,
    check_upgrade,
    external_mysql_problems,
    migration_for,
    migration_objects,
)
from tests.conftest import EXAMPLE_PASSPHRASE, PROJECT_DIR, party
from tests.pulumi_mocks import Recorder, engine_config, run_program

JOB_TYPE = "kubernetes:batch/v1:Job"
RELEASE = "kubernetes:helm.sh/v3:Release"


def config(**overrides: Any) -> PartyConfig:
    return load_party_config(party(**overrides), "party10000").config


@pytest.mark.parametrize(
    ("deployed", "wanted"),
    [
        (None, "v1.11.2"),
        ("v1.11.2", "v1.11.2"),
        ("v1.10.0", "v1.11.2"),
        ("v1.9.0", "v1.11.2"),
        ("v1.9.2", "v1.10.0"),
    ],
)
def test_a_new_party_or_a_rising_version_is_accepted(deployed: str | None, wanted: str) -> None:
    assert check_upgrade(deployed, wanted) == []


def test_a_downgrade_is_refused_naming_both_versions() -> None:
    [problem] = check_upgrade("v1.11.2", "v1.10.0")
    assert problem.path == ("chartVersion",) and problem.rule == "upgrade"
    assert "v1.10.0 is older than the deployed v1.11.2" in problem.message
    assert "Rolling back" in problem.message
    # Compared number by number, not as text: v1.9.2 is older than v1.10.0.
    assert check_upgrade("v1.10.0", "v1.9.2") != []


def test_kubefate_upgrades_nothing_at_or_below_v1_7_1() -> None:
    [problem] = check_upgrade("v1.7.1", "v1.11.2")
    assert "too old to upgrade" in problem.message
    assert check_upgrade("v1.7.2", "v1.11.2") == []


def test_fate_1_does_not_become_fate_2_in_place() -> None:
    [problem] = check_upgrade("v1.11.2", "v2.0.0")
    assert "cannot replace the deployed v1.11.2 in place" in problem.message
    [back] = check_upgrade("v2.0.0", "v1.11.2")
    assert "older than the deployed" in back.message


def test_a_new_version_migrates_the_partys_own_mysql() -> None:
    assert migration_for(config(chartVersion="v1.11.2"), "v1.10.0") == Migration(
        "v1.10.0", "v1.11.2"
    )


def test_no_migration_for_a_new_party_an_unchanged_version_or_when_skipped() -> None:
    cfg = config(chartVersion="v1.11.2")
    assert migration_for(cfg, None) is None
    assert migration_for(cfg, "v1.11.2") is None
    assert migration_for(config(upgradeManager={"skip": True}), "v1.10.0") is None


def test_an_external_mysql_is_refused_until_the_operator_migrated_it() -> None:
    modules = ["rollsite", "clustermanager", "nodemanager", "python", "fateboard", "client"]
    external = {
        "modules": modules,
        "mysql": None,
        "externalMysqlIp": "10.0.0.7",
        "externalMysqlPassword": Secret("s3cret-ext", secure=True),
    }
    cfg = config(**external)
    assert migration_for(cfg, "v1.10.0") is None
    [problem] = external_mysql_problems(cfg, "v1.10.0")
    assert problem.path == ("upgradeManager", "skip") and problem.rule == "upgrade"
    assert "from 1.10.0 to 1.11.2" in problem.message and "10.0.0.7" not in problem.message
    assert external_mysql_problems(cfg, "v1.11.2") == []  # no version change
    assert (
        external_mysql_problems(config(**external, upgradeManager={"skip": True}), "v1.10.0") == []
    )


def test_the_migration_objects_are_kubefates_with_the_password_from_a_secret() -> None:
    cfg = config(
        chartVersion="v1.11.2",
        upgradeManager={
            "timeout": 120,
            "nodeSelector": {"pool": "db"},
            "image": "registry.example.com/fum:1.11.2",
        },
        pullPolicy="Always",
        imagePullSecrets=[{"name": "regcred"}],
    )
    objects = migration_objects(cfg, Migration("v1.10.0", "v1.11.2"))
    assert [o["kind"] for o in objects] == [
        "Secret",
        "ServiceAccount",
        "Role",
        "RoleBinding",
        "Job",
    ]
    assert all(o["metadata"]["namespace"] == "fate-10000" for o in objects)
    secret, job = objects[0], objects[-1]
    assert secret["metadata"]["name"] == PASSWORD_SECRET
    assert isinstance(secret["stringData"]["password"], Secret)
    assert job["metadata"]["name"] == JOB
    spec = job["spec"]
    # Never killed mid-SQL: the update stops waiting after the timeout, the Job goes on.
    assert spec["backoffLimit"] == 0 and "activeDeadlineSeconds" not in spec
    pod = spec["template"]["spec"]
    assert pod["serviceAccountName"] == "fum" and pod["nodeSelector"] == {"pool": "db"}
    assert pod["imagePullSecrets"] == [{"name": "regcred"}]
    [container] = pod["containers"]
    assert container["image"] == "registry.example.com/fum:1.11.2"
    assert container["imagePullPolicy"] == "Always"
    script = container["command"][-1]
    assert "python shutdown-flow.py fate-10000" in script and "exit 1" in script
    assert "upgrade-mysql.py" in script and "'1.10.0', '1.11.2'" in script
    # The password is nowhere in the Job: only a reference to the Secret.
    assert "s3cret-mysql" not in json.dumps(job)
    assert [e["valueFrom"]["secretKeyRef"] for e in container["env"]] == [
        {"name": PASSWORD_SECRET, "key": "user"},
        {"name": PASSWORD_SECRET, "key": "password"},
    ]
    assert secret["stringData"]["user"] == "fate"


def run(helm: list[str] | None) -> Recorder:
    """party10000's program (chart v1.11.2) with ``helm`` the chart versions of its
    release's revisions in the cluster, oldest first (None: no cluster to read)."""
    cfg, secret_keys = engine_config(PROJECT_DIR / "Pulumi.party10000.yaml", EXAMPLE_PASSPHRASE)
    return run_program("party10000", cfg, secret_keys, Recorder(helm=helm))


def test_raising_the_version_declares_the_migration_and_records_it() -> None:
    recorder = run(["v1.10.0"])
    job = recorder.one(JOB_TYPE).inputs
    assert job["metadata"]["annotations"] == {
        "fate.upgrade/from": "v1.10.0",
        "fate.upgrade/to": "v1.11.2",
    }
    kinds = {r.type.split(":")[-1] for r in recorder.resources}
    assert {"Secret", "ServiceAccount", "Role", "RoleBinding", "Job", "Release"} <= kinds
    assert recorder.one(RELEASE).inputs["version"] == "v1.11.2"


def test_helms_record_decides_and_a_release_not_installed_is_never_migrated() -> None:
    # A release destroyed (or never installed) is not migrated, whatever else says.
    assert run([]).of_type(JOB_TYPE) == []
    # Without a cluster to read, the rules cannot be checked: the update goes on (the
    # release fails there, with the provider's reason) and migrates nothing.
    assert run(None).of_type(JOB_TYPE) == []


def test_after_the_migration_its_objects_go() -> None:
    recorder = run(["v1.10.0", "v1.11.2"])
    assert [r for r in recorder.resources if "upgrade" in r.name] == []


def test_a_downgrade_is_refused_before_anything_is_registered() -> None:
    recorder = Recorder(helm=["v1.10.0", "v1.11.2"])
    cfg, secret_keys = engine_config(PROJECT_DIR / "Pulumi.party10000.yaml", EXAMPLE_PASSPHRASE)
    cfg["fate:chartVersion"] = "v1.10.0"
    with pytest.raises(Exception, match=r"v1\.10\.0 is older than the deployed v1\.11\.2"):
        run_program("party10000", cfg, secret_keys, recorder)
    assert [r for r in recorder.resources if r.type.startswith("kubernetes")] == []


def test_the_last_version_change_comes_from_helms_history() -> None:
    def record(revision: int, version: str, status: str) -> dict[str, Any]:
        return {
            "name": "fate-10000",
            "version": revision,
            "info": {"status": status},
            "chart": {"metadata": {"version": version}},
        }

    history = [
        record(1, "v1.9.2", "superseded"),
        record(2, "v1.10.0", "superseded"),
        record(3, "v1.10.0", "superseded"),
        record(4, "v1.11.2", "failed"),
        record(5, "v1.10.0", "deployed"),
    ]
    # The failed revision is no change that happened: the last one was 1.9.2 -> 1.10.0.
    assert last_version_change(history, "fate-10000") == {"from": "v1.9.2", "to": "v1.10.0"}
    assert last_version_change(history[:1], "fate-10000") is None


# ------------------------------------------------------------ reading the deployed release


def test_the_deployed_history_is_read_where_the_provider_points(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The program reads Helm's history from the cluster the kubernetes provider targets:
    its kubeconfig as a path, or given as the content itself, and its context."""
    from fate_pulumi import upgrade
    from tests.pulumi_mocks import run_with_mocks

    read_history = upgrade.deployed_records  # the mocks stand in for it during a run
    asked: list[tuple[Any, ...]] = []

    def history(*args: Any, **kwargs: Any) -> list[dict[str, Any]]:
        asked.append((*args, kwargs))
        return []

    monkeypatch.setattr(upgrade, "release_history", history)
    cfg = config()
    content = "apiVersion: v1\nkind: Config\nclusters: []\n"
    path = str(PROJECT_DIR / "Pulumi.yaml")  # any file that exists
    for kubeconfig in (content, path):
        provider = {"kubernetes:kubeconfig": kubeconfig, "kubernetes:context": "edge"}
        run_with_mocks(lambda: read_history(cfg), "party10000", provider)
    assert asked == [
        ("fate-10000", "fate-10000", "edge", {"kubeconfig": None, "kubeconfig_content": content}),
        ("fate-10000", "fate-10000", "edge", {"kubeconfig": path, "kubeconfig_content": None}),
    ]


def test_an_api_server_that_never_answers_is_said_not_waited_for(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """The Helm SDK sets no request timeout: the read gives up, and the program goes on
    with a warning (the release's own install then fails with the provider's reason)."""
    import socket
    import time

    from fate_iac import kube

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts, never answers: the TLS handshake never completes
    port = silent.getsockname()[1]
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "c",
                "clusters": [
                    {
                        "name": "c",
                        "cluster": {
                            "server": f"https://127.0.0.1:{port}",
                            "insecure-skip-tls-verify": True,
                        },
                    }
                ],
                "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
                "users": [{"name": "u", "user": {"token": "t"}}],
            }
        )
    )
    monkeypatch.setattr(kube, "TIMEOUT", 1.0)
    start = time.monotonic()
    with pytest.raises(kube.ClusterError, match="did not answer within 1 s"):
        kube.release_history("fate-10000", "fate-10000", kubeconfig=str(kubeconfig))
    assert time.monotonic() - start < 5
    silent.close()


def test_the_migration_password_is_in_no_process_command_line(tmp_path: Path) -> None:
    """The Job's script run as the container runs it, with stand-ins for KubeFATE's two
    scripts: upgrade-mysql.py gets the password in its argv, yet no process's command
    line (what ``ps`` shows on the node) holds it."""
    cfg = config(chartVersion="v1.11.2")
    objects = migration_objects(cfg, Migration("v1.10.0", "v1.11.2"))
    script = objects[-1]["spec"]["template"]["spec"]["containers"][0]["command"][-1]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    record = (
        "import sys; cmdline = open('/proc/self/cmdline').read(); "
        "open('calls', 'a').write(repr([cmdline, sys.argv]) + chr(10))"
    )
    (tmp_path / "shutdown-flow.py").write_text(record)
    (tmp_path / "upgrade-mysql.py").write_text(record)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "MYSQL_USER": "fate"}
    env["MYSQL_PASSWORD"] = "s3cret-mysql-proc"
    subprocess.run(["/bin/bash", "-c", script], cwd=tmp_path, env=env, check=True)
    calls = [ast.literal_eval(line) for line in (tmp_path / "calls").read_text().splitlines()]
    assert [argv for _, argv in calls] == [
        ["shutdown-flow.py", "fate-10000"],
        ["upgrade-mysql.py", "fate", "s3cret-mysql-proc", "1.10.0", "1.11.2"],
    ]
    assert all("s3cret-mysql-proc" not in cmdline for cmdline, _ in calls)
