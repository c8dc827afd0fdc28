"""FATE version upgrades: KubeFATE's rules, the migration it runs, and the program that
refuses or runs it (under mocks; the real engine is in tests/e2e/test_day2_e2e.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fate_iac.config import PartyConfig
from fate_iac.loader import load_party_config
from fate_iac.secrets import Secret
from fate_iac.upgrade import (
    JOB,
    PASSWORD_SECRET,
    Migration,
    check_upgrade,
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
    [(None, "v1.11.2"), ("v1.11.2", "v1.11.2"), ("v1.10.0", "v1.11.2"), ("v1.9.0", "v1.11.2"),
     ("v1.9.2", "v1.10.0")],
)  # fmt: skip
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
    migration, notes = migration_for(config(chartVersion="v1.11.2"), "v1.10.0", None)
    assert migration == Migration("v1.10.0", "v1.11.2") and notes == []


def test_no_migration_for_a_new_party_or_an_unchanged_version() -> None:
    cfg = config(chartVersion="v1.11.2")
    assert migration_for(cfg, None, None) == (None, [])
    assert migration_for(cfg, "v1.11.2", None) == (None, [])
    # The last migration stays, unchanged, while the version it reached runs...
    last = Migration("v1.10.0", "v1.11.2")
    assert migration_for(cfg, "v1.11.2", last) == (last, [])
    # ...and a record of another version is dropped.
    assert migration_for(cfg, "v1.11.2", Migration("v1.9.0", "v1.10.0")) == (None, [])


def test_an_external_mysql_is_not_migrated_and_the_operator_is_told() -> None:
    modules = ["rollsite", "clustermanager", "nodemanager", "python", "fateboard", "client"]
    cfg = config(
        chartVersion="v1.11.2", modules=modules, mysql=None, externalMysqlIp="10.0.0.7",
        externalMysqlPassword=Secret("s3cret-ext", secure=True),
    )  # fmt: skip
    migration, [note] = migration_for(cfg, "v1.10.0", None)
    assert migration is None
    assert "external MySQL at 10.0.0.7" in note and "from 1.10.0 to 1.11.2" in note


def test_the_migration_objects_are_kubefates_with_the_password_from_a_secret() -> None:
    cfg = config(
        chartVersion="v1.11.2",
        upgradeManager={"timeout": 120, "nodeSelector": {"pool": "db"},
                        "image": "registry.example.com/fum:1.11.2"},
    )  # fmt: skip
    objects = migration_objects(cfg, Migration("v1.10.0", "v1.11.2"))
    assert [o["kind"] for o in objects] == ["Secret", "ServiceAccount", "Role", "RoleBinding",
                                            "Job"]  # fmt: skip
    assert all(o["metadata"]["namespace"] == "fate-10000" for o in objects)
    secret, job = objects[0], objects[-1]
    assert secret["metadata"]["name"] == PASSWORD_SECRET
    assert isinstance(secret["stringData"]["password"], Secret)
    assert job["metadata"]["name"] == JOB
    spec = job["spec"]
    assert spec["backoffLimit"] == 0 and spec["activeDeadlineSeconds"] == 120
    pod = spec["template"]["spec"]
    assert pod["serviceAccountName"] == "fum" and pod["nodeSelector"] == {"pool": "db"}
    [container] = pod["containers"]
    assert container["image"] == "registry.example.com/fum:1.11.2"
    script = container["command"][-1]
    assert "python shutdown-flow.py fate-10000" in script and "exit 1" in script
    assert 'upgrade-mysql.py "$MYSQL_USER" "$MYSQL_PASSWORD" 1.10.0 1.11.2' in script
    # The password is nowhere in the Job: only a reference to the Secret.
    assert "s3cret-mysql" not in json.dumps(job)
    assert container["env"][1]["valueFrom"]["secretKeyRef"]["name"] == PASSWORD_SECRET


def run(previous: dict[str, Any]) -> Recorder:
    """party10000's program (chart v1.11.2) after an update that left ``previous``."""
    cfg, secret_keys = engine_config(PROJECT_DIR / "Pulumi.party10000.yaml", EXAMPLE_PASSPHRASE)
    return run_program("party10000", cfg, secret_keys, Recorder({"party10000": previous}))


def test_raising_the_version_runs_the_migration_job_before_the_release() -> None:
    recorder = run({"chartVersion": "v1.10.0"})
    job = recorder.one(JOB_TYPE).inputs
    assert job["metadata"]["annotations"] == {"fate.upgrade/from": "v1.10.0",
                                              "fate.upgrade/to": "v1.11.2"}  # fmt: skip
    kinds = [r.type.split(":")[-1] for r in recorder.resources if r.type.startswith("kubernetes")]
    # Registered in the order they must exist: the release last, waiting for the Job.
    assert kinds[-6:] == ["Secret", "ServiceAccount", "Role", "RoleBinding", "Job", "Release"]
    assert recorder.one(RELEASE).inputs["version"] == "v1.11.2"


def test_an_unchanged_version_keeps_the_last_migration_and_runs_no_new_one() -> None:
    assert run({"chartVersion": "v1.11.2"}).of_type(JOB_TYPE) == []
    kept = run({"chartVersion": "v1.11.2", "upgrade": {"from": "v1.10.0", "to": "v1.11.2"}})
    assert kept.one(JOB_TYPE).inputs["metadata"]["annotations"]["fate.upgrade/from"] == "v1.10.0"


def test_a_downgrade_is_refused_before_anything_is_registered() -> None:
    recorder = Recorder({"party10000": {"chartVersion": "v1.11.2"}})
    cfg, secret_keys = engine_config(PROJECT_DIR / "Pulumi.party10000.yaml", EXAMPLE_PASSPHRASE)
    cfg["fate:chartVersion"] = "v1.10.0"
    with pytest.raises(Exception, match=r"v1\.10\.0 is older than the deployed v1\.11\.2"):
        run_program("party10000", cfg, secret_keys, recorder)
    assert [r for r in recorder.resources if r.type.startswith("kubernetes")] == []
