"""MySQL's root password: the fate chart's mysql lets root in without one; a party here
gives it a generated password from Secret mysql-root (by reference, never a value in an
object), unless ``fate:allowEmptyMysqlRootPassword`` keeps the chart's, which
``validate`` then names."""

from __future__ import annotations

import shutil
import string
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from fate_iac import mysql_root, postrender
from fate_iac.kinds import kind_of
from fate_iac.loader import load_party_config, load_stack_config, read_stack_file
from fate_iac.postrender import MYSQL_ROOT, TLS, command_name, fixes_of
from fate_iac.release import release_options
from fate_iac.render import render_stack
from fate_iac.secrets import Secret
from fatectl.main import main
from tests.conftest import EXAMPLE_PASSPHRASE, PROJECT_DIR, chart_source, party

REFERENCE = {"secretKeyRef": {"name": "mysql-root", "key": "password"}}
EXTERNAL = {
    "externalMysqlIp": "db.example.org",
    "externalMysqlPassword": Secret("s3cret-db", secure=True),
}


def _stack(stack: str, **changes: Any) -> Any:
    raw = read_stack_file(PROJECT_DIR / f"Pulumi.{stack}.yaml", stack, EXAMPLE_PASSPHRASE)
    raw.values.update(changes)
    return load_stack_config(raw, stack).config


def _mysql_env(cfg: Any) -> list[dict[str, Any]]:
    [release] = render_stack(cfg, chart_source())
    [mysql] = [
        o
        for o in release.objects()
        if (o["kind"], o["metadata"]["name"])
        == (
            "StatefulSet",
            "mysql",
        )
    ]
    [container] = mysql["spec"]["template"]["spec"]["containers"]
    env: list[dict[str, Any]] = container["env"]
    return env


# --- the rendered objects -------------------------------------------------------------


@pytest.mark.chart
def test_a_party_s_mysql_reads_root_s_password_from_the_secret_by_reference() -> None:
    env = _mysql_env(_stack("party9999"))
    assert {"name": "MYSQL_ROOT_PASSWORD", "valueFrom": REFERENCE} in env
    names = [e["name"] for e in env]
    assert "MYSQL_ALLOW_EMPTY_PASSWORD" not in names
    assert names.count("MYSQL_ROOT_PASSWORD") == 1
    # the chart's own user keeps what the config gives it
    assert {"MYSQL_DATABASE", "MYSQL_USER", "MYSQL_PASSWORD"} <= set(names)


@pytest.mark.chart
def test_the_opt_out_renders_the_chart_s_mysql_and_no_post_renderer() -> None:
    cfg = _stack("party9999", allowEmptyMysqlRootPassword=True)
    env = _mysql_env(cfg)
    assert {"name": "MYSQL_ALLOW_EMPTY_PASSWORD", "value": "1"} in env
    assert "MYSQL_ROOT_PASSWORD" not in [e["name"] for e in env]
    assert not kind_of(cfg).hardens_mysql_root(cfg)
    [spec] = kind_of(cfg).releases(cfg, chart_source())
    assert spec.post_render == frozenset()  # party9999 has no TLS: nothing to post-render
    assert "postrender" not in release_options(cfg, spec)


def test_a_party_without_the_chart_s_mysql_has_nothing_to_harden() -> None:
    cfg = load_party_config(party(**EXTERNAL), "p").config
    assert not cfg.has("mysql") and not mysql_root.hardened(cfg)
    assert MYSQL_ROOT not in kind_of(cfg).post_render_fixes(cfg)


@pytest.mark.chart
def test_the_release_runs_the_command_named_for_its_fixes_and_it_hardens_the_chart() -> None:
    """What Helm runs: the release's ``postrender`` command, given the chart's stream."""
    from fate_iac.charts import chart_archive, render_chart

    cfg = _stack("party9999")
    [spec] = kind_of(cfg).releases(cfg, chart_source())
    assert spec.post_render == {MYSQL_ROOT}
    command = release_options(cfg, spec)["postrender"]
    assert Path(command).name == "fate-postrender-mysql-root" and Path(command).exists()
    [rendered] = render_stack(cfg, chart_source())
    plain = render_chart(chart_archive(spec.chart), rendered.values, spec.name, spec.namespace)
    stream = "".join(f"---\n# Source: {m.source}\n{m.text}\n" for m in plain)
    run = subprocess.run([command], input=stream, text=True, capture_output=True, check=True)
    documents = [d for d in yaml.safe_load_all(run.stdout) if d]
    assert documents == rendered.objects()
    # the TLS fixes are not made: its route table is the chart's
    [table] = [d for d in documents if d["metadata"]["name"] == "rollsite-config"]
    assert "is_secure" not in table["data"]["route_table.json"]


def test_each_set_of_fixes_is_a_command_this_package_installs() -> None:
    scripts = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["project"]["scripts"]
    installed = {name for name, target in scripts.items() if target == "fate_iac.postrender:main"}
    assert installed == set(postrender.COMMANDS)
    # the name releases with TLS have recorded since TLS was the only fix
    assert command_name({TLS}) == "fate-postrender"
    assert command_name({MYSQL_ROOT, TLS}) == "fate-postrender-tls-mysql-root"
    for name, fixes in postrender.COMMANDS.items():
        assert fixes_of(f"/opt/venv/bin/{name}") == fixes and command_name(fixes) == name
    assert fixes_of("/usr/local/bin/kustomize-it") is None and fixes_of("") is None


def test_a_command_of_another_name_refuses_to_guess_its_fixes(tmp_path: Path) -> None:
    renamed = tmp_path / "fate-postrender-something"
    shutil.copy(postrender.postrender_command({TLS}), renamed)
    run = subprocess.run([str(renamed)], input="", text=True, capture_output=True)
    assert run.returncode != 0
    assert "not one of this package's post-renderers" in run.stderr


def test_the_fix_leaves_other_objects_and_a_chart_without_the_variable_alone() -> None:
    other = {
        "kind": "StatefulSet",
        "metadata": {"name": "mysql"},
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "m", "env": [{"name": "MYSQL_ROOT_HOST", "value": "%"}]}
                    ]
                }
            }
        },
    }
    assert not postrender.post_render_object(other, {MYSQL_ROOT})
    python = {
        "kind": "Deployment",
        "metadata": {"name": "python"},
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "p", "env": [{"name": "MYSQL_ALLOW_EMPTY_PASSWORD", "value": "1"}]}
                    ]
                }
            }
        },
    }
    assert not postrender.post_render_object(python, {MYSQL_ROOT})
    # v1.8's mysql is a Deployment
    mysql = {**python, "metadata": {"name": "mysql"}}
    assert postrender.post_render_object(mysql, {MYSQL_ROOT})
    assert not postrender.post_render_object(mysql, {TLS})


# --- validate -------------------------------------------------------------------------


def test_validate_names_the_opt_out_when_taken() -> None:
    assert not any("MysqlRoot" in n for n in load_party_config(party(), "p").notes)
    notes = load_party_config(party(allowEmptyMysqlRootPassword=True), "p").notes
    [note] = [n for n in notes if n.startswith("fate:allowEmptyMysqlRootPassword")]
    assert "root has no password" in note and "every pod of namespace fate-10000" in note
    external = party(allowEmptyMysqlRootPassword=True, **EXTERNAL)
    notes = load_party_config(external, "p").notes
    assert "fate:allowEmptyMysqlRootPassword has no effect" in " ".join(notes)


def test_fatectl_validate_prints_the_opt_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("Pulumi.yaml", "Pulumi.party9999.yaml"):
        shutil.copy(PROJECT_DIR / name, tmp_path / name)
    stack = tmp_path / "Pulumi.party9999.yaml"
    document = yaml.safe_load(stack.read_text())
    document["config"]["fate:allowEmptyMysqlRootPassword"] = True
    stack.write_text(yaml.safe_dump(document))
    code = main(["validate", "-s", "party9999", "--project-dir", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 0
    assert "fate:allowEmptyMysqlRootPassword: MySQL's root has no password" in out + err


# --- the password ---------------------------------------------------------------------


def test_generated_passwords_are_long_plain_and_new_each_time() -> None:
    made = {mysql_root.generate_password() for _ in range(20)}
    assert len(made) == 20
    for password in made:
        assert len(password) == mysql_root.PASSWORD_LENGTH
        assert set(password) <= set(string.ascii_letters + string.digits)


# --- the program ----------------------------------------------------------------------


def test_the_program_generates_the_password_once_as_a_secret_and_the_release_waits() -> None:
    from fate_pulumi.fate_eggroll_cluster import FateEggrollCluster
    from tests.pulumi_mocks import DYNAMIC, run_with_mocks, unwrap_secret

    cfg = _stack("party9999")

    def body() -> Any:
        FateEggrollCluster("p", cfg, {}, chart_source())

    recorder = run_with_mocks(body, "party9999")
    [generated] = [r for r in recorder.of_type(DYNAMIC) if r.name == "p-mysql-root-password"]
    [secret] = [r for r in recorder.of_type("kubernetes:core/v1:Secret")]
    assert secret.name == "p-mysql-root"
    assert unwrap_secret(secret.inputs["metadata"])[1]["namespace"] == "fate-9999"
    hidden, data = unwrap_secret(secret.inputs["stringData"])
    assert hidden and set(data) == {"password"}
    assert len(data["password"]) == mysql_root.PASSWORD_LENGTH
    [release] = recorder.of_type("kubernetes:helm.sh/v3:Release")
    assert Path(release.inputs["postrender"]).name == "fate-postrender-mysql-root"
    # the password is nowhere in the release's inputs
    assert data["password"] not in repr(release.inputs)
    assert generated.inputs.get("password") is None


def test_the_program_leaves_the_chart_s_root_when_opted_out() -> None:
    from fate_pulumi.fate_eggroll_cluster import FateEggrollCluster
    from tests.pulumi_mocks import DYNAMIC, run_with_mocks

    cfg = _stack("party9999", allowEmptyMysqlRootPassword=True)

    def body() -> Any:
        FateEggrollCluster("p", cfg, {}, chart_source())

    recorder = run_with_mocks(body, "party9999")
    assert recorder.of_type(DYNAMIC) == []
    assert recorder.of_type("kubernetes:core/v1:Secret") == []
    [release] = recorder.of_type("kubernetes:helm.sh/v3:Release")
    assert not release.inputs.get("postrender")


# --- the policy pack ------------------------------------------------------------------


@pytest.mark.chart
@pytest.mark.parametrize("opted_out", [False, True], ids=["hardened", "opted-out"])
def test_the_policy_pack_checks_the_mysql_helm_installs(opted_out: bool) -> None:
    """The pack renders a release through the fixes its ``postrender`` command names:
    the StatefulSet it checks is the one the API server gets."""
    from fate_policies.releases import expand
    from tests.test_policies import stack_file_releases

    changes = {"allowEmptyMysqlRootPassword": True} if opted_out else {}
    [release] = stack_file_releases(PROJECT_DIR, "party9999", changes)
    expansion = expand(release, None, "default")
    assert expansion.unseen is None
    [mysql] = [o for o in expansion.objects if (o.kind, o.name) == ("StatefulSet", "mysql")]
    [container] = mysql.body["spec"]["template"]["spec"]["containers"]
    names = [e["name"] for e in container["env"]]
    assert ("MYSQL_ALLOW_EMPTY_PASSWORD" in names) is opted_out
    assert ("MYSQL_ROOT_PASSWORD" in names) is not opted_out


@pytest.mark.chart
def test_fatectl_diff_of_a_party_deployed_before_shows_the_env_change_only() -> None:
    """What a party deployed with the chart's root (the opt-out's objects, as before
    this version) sees in ``fatectl diff``: mysql's env, and nothing else."""
    from fate_iac.objdiff import diff_objects

    [before] = render_stack(_stack("party9999", allowEmptyMysqlRootPassword=True), chart_source())
    [after] = render_stack(_stack("party9999"), chart_source())
    diff = diff_objects(before.objects(), after.objects(), default_namespace="fate-9999")
    assert diff.added == () and diff.removed == ()
    [changed] = diff.changed
    assert changed.key == ("StatefulSet", "fate-9999", "mysql")
    report = "\n".join(diff.lines())
    assert "MYSQL_ALLOW_EMPTY_PASSWORD" in report and "MYSQL_ROOT_PASSWORD" in report
