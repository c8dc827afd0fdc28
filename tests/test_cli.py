"""fatectl as a user runs it: exit codes, output, the chart repository code path."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from e2e.chartserver import serve_chart_repository
from fate_iac.kinds import KINDS
from fate_iac.reference import BEGIN, END
from fate_pulumi.engine_report import engine_failure
from fatectl.main import COMMANDS, main
from tests.conftest import EXAMPLE_PASSPHRASE, PROJECT_DIR, example, shared
from tests.test_orchestrator import FakeEngine


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("Pulumi.yaml", "Pulumi.party9999.yaml", "Pulumi.party10000.yaml"):
        shutil.copy(PROJECT_DIR / name, tmp_path / name)
    return tmp_path


def test_validate_accepts_the_shipped_stacks(capsys: pytest.CaptureFixture[str]) -> None:
    for stack in ("party9999", "party10000"):
        code, out, _ = run(capsys, "validate", "--stack", stack, "--project-dir", str(PROJECT_DIR))
        assert code == 0 and f"stack {stack}: ok" in out


def test_validate_lists_every_problem(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stack = project / "Pulumi.party10000.yaml"
    document = yaml.safe_load(stack.read_text())
    document["config"]["fate:rollsite"]["nodePort"] = 30102  # fateflow's gRPC NodePort
    document["config"]["fate:rollsite"]["partyList"] = [
        {"partyId": 10000, "partyIp": "192.168.10.1", "partyPort": 30101}
    ]
    stack.write_text(yaml.safe_dump(document))
    code, _, err = run(capsys, "validate", "-s", "party10000", "--project-dir", str(project))
    assert code == 3  # configuration refused
    assert "stack party10000: 2 configuration problems" in err
    assert (
        "fate:python.grpcNodePort: NodePort 30102 is already used by fate:rollsite.nodePort" in err
    )
    assert "fate:rollsite.partyList[0].partyId: party 10000 is this party" in err


def test_validate_a_missing_stack(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "validate", "-s", "nope", "--project-dir", str(tmp_path))
    assert code == 3 and "Pulumi.nope.yaml does not exist" in err


def test_render_writes_one_file_per_release(
    tmp_path: Path, charts: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "out"
    code, out, _ = run(
        capsys,
        "render",
        "-s",
        "party10000",
        "--project-dir",
        str(PROJECT_DIR),
        "--chart-repo",
        charts,
        "--out",
        str(out_dir),
    )
    assert code == 0 and "25 objects" in out
    objects = list(yaml.safe_load_all((out_dir / "fate-10000.yaml").read_text()))
    kinds = {(o["kind"], o["metadata"]["name"]) for o in objects}
    assert ("Service", "rollsite") in kinds and ("StatefulSet", "nodemanager") in kinds
    text = (out_dir / "fate-10000.yaml").read_text()
    assert "party10000-mysql-example" not in text and "[secret]" in text


def test_render_to_stdout_with_the_passphrase_can_show_secrets(
    charts: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", EXAMPLE_PASSPHRASE)
    monkeypatch.setenv("FATE_CHART_REPO", charts)
    code, out, _ = run(
        capsys, "render", "-s", "party9999", "--project-dir", str(PROJECT_DIR), "--show-secrets"
    )
    assert code == 0
    assert "jdbc.password=party9999-mysql-example" in out
    assert out.startswith("---\n# Source: fate/templates/")


@pytest.fixture
def loopback_repo() -> Iterator[str]:
    """KubeFATE's chart repository served over HTTP on 127.0.0.1, as Helm would fetch it."""
    with serve_chart_repository(shared("charts/index.yaml").parent) as url:
        yield url


def test_render_pulls_from_a_chart_repository_url(
    loopback_repo: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    code, out, _ = run(
        capsys,
        "render",
        "-s",
        "party10000",
        "--project-dir",
        str(PROJECT_DIR),
        "--chart-repo",
        loopback_repo,
    )
    assert code == 0 and "kind: StatefulSet" in out
    cached = list((tmp_path / "cache" / "fate-iac" / "charts").glob("*/fate-v1.11.2.tgz"))
    assert len(cached) == 1


def test_render_reports_an_unreachable_repository(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    code, _, err = run(
        capsys,
        "render",
        "-s",
        "party10000",
        "--project-dir",
        str(PROJECT_DIR),
        "--chart-repo",
        "http://127.0.0.1:9",
    )
    assert code == 1 and "cannot fetch fate v1.11.2 from http://127.0.0.1:9" in err


def test_render_refuses_a_chart_version_missing_from_the_repository(
    project: Path, charts: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    repo = tmp_path / "mirror"
    (repo / "package").mkdir(parents=True)
    (repo / "index.yaml").write_text("apiVersion: v1\nentries:\n  fate: []\n")
    code, _, err = run(
        capsys,
        "render",
        "-s",
        "party10000",
        "--project-dir",
        str(project),
        "--chart-repo",
        str(repo),
    )
    assert code == 1 and "has no fate v1.11.2" in err


def test_import_kubefate_writes_a_stack_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = example("v1.11.2/party-10000/cluster.yaml")
    code, out, err = run(
        capsys,
        "import-kubefate",
        str(source),
        "--stack",
        "party10000",
        "--project-dir",
        str(tmp_path),
    )
    assert code == 0 and "wrote" in out
    config = yaml.safe_load((tmp_path / "Pulumi.party10000.yaml").read_text())["config"]
    assert config["fate:partyId"] == 10000
    assert config["fate:rollsite"]["partyList"] == [
        {"partyId": 9999, "partyIp": "192.168.9.1", "partyPort": 30091}
    ]
    # The chart's default credentials would be used: the user is told before pulumi up.
    assert "fate:mysql.password" in err and "default-credentials" in err
    code, _, err = run(
        capsys,
        "import-kubefate",
        str(source),
        "--stack",
        "party10000",
        "--project-dir",
        str(tmp_path),
    )
    assert code == 2 and "--force" in err  # a usage error, as everywhere


def test_import_kubefate_adds_serving_to_a_stack_file_pulumi_config_set_wrote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Once `pulumi config set` has touched a stack file, its values are strings
    (`fate:partyId: "9999"`): still the same party as the cluster-serving.yaml's."""
    stack = tmp_path / "Pulumi.party9999.yaml"
    stack.write_text((PROJECT_DIR / "Pulumi.party9999.yaml").read_text())
    stack.write_text(stack.read_text().replace("fate:partyId: 9999", 'fate:partyId: "9999"'))
    source = example("v1.11.2/party-9999/cluster-serving.yaml")
    args = ["import-kubefate", str(source), "--stack", "party9999"]
    code, _, err = run(capsys, *args, "--project-dir", str(tmp_path))
    assert code == 0, err
    config = yaml.safe_load(stack.read_text())["config"]
    assert "fate-serving:partyId" not in config and "fate-serving:servingProxy" in config


def test_import_kubefate_reports_in_json(capsys: pytest.CaptureFixture[str]) -> None:
    source = example("v1.11.2/party-10000/cluster.yaml")
    code, out, err = run(capsys, "import-kubefate", str(source), "--json")
    document = json.loads(out)
    assert code == 0 and err == "" and document["command"] == "import-kubefate"
    assert yaml.safe_load(document["config"])["config"]["fate:partyId"] == 10000
    assert {p["key"] for p in document["problems"]} == {
        "fate:mysql.password",
        "fate:fateboard.password",
        "fate:client.notebook_hashed_password",  # its notebook is published, no password
    }


def test_import_kubefate_rewrites_kubefates_own_v2_examples_to_osx(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """KubeFATE's v2.0.0 examples are its 1.x files with the version bumped (rollsite,
    federation: Eggroll): imported as they are, they come out as the 2.0 chart needs."""
    source = example("v2.0.0/party-9999/cluster.yaml")
    code, out, err = run(capsys, "import-kubefate", str(source))
    config = yaml.safe_load(out)["config"]
    assert code == 0 and "fate:rollsite" not in config and "fate:osx" in config
    assert config["fate:federation"] == "OSX" and "osx" in config["fate:modules"]
    assert "fate:rollsite becomes osx" in err and "still writes FATE 1.x's" in err
    assert "fix these" in err and "[modules]" not in err and "[chart-version]" not in err


def test_import_kubefate_at_the_same_version_upgrades_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = example("v1.11.2/party-9999/cluster.yaml")
    code, _, err = run(capsys, "import-kubefate", str(source), "--chart-version", "1.11.2")
    assert code == 0 and "upgraded" not in err


def test_version_names_the_project_its_sdks_and_charts(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    out = capsys.readouterr().out
    assert done.value.code == 0 and out.startswith("fatectl 0.1.0\n")
    assert "  pulumi 3.272.0\n" in out and "  pulumi-kubernetes 4.34.2\n" in out
    assert "  fate v1.9.0, " in out and "v2.0.0\n" in out and "fate-serving v2.0.4" in out


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_describes_itself(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    described = out.split("\n\n")[1]  # after the usage: the description, as wrapped
    assert " ".join(described.split()) == COMMANDS[command].help


def test_import_kubefate_takes_credentials_out(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import FIXTURES

    code, out, err = run(capsys, "import-kubefate", str(FIXTURES / "kubefate-full-eggroll.yaml"))
    assert code == 0
    assert "mysql-password" not in out and "board-password" not in out
    assert "pulumi config set --stack party9999 --secret --path 'fate:mysql.password'" in err
    assert "mysql-password" not in err
    notebook = "--secret --path 'fate:client.notebook_hashed_password'"
    assert notebook in err and "sha1:f1x7" not in out + err


def test_import_kubefate_upgrades_a_v1_5_file(capsys: pytest.CaptureFixture[str]) -> None:
    source = example("v1.5.0/party-9999/cluster.yaml")
    code, out, err = run(capsys, "import-kubefate", str(source), "--chart-version", "v1.11.2")
    assert code == 0
    config = yaml.safe_load(out)["config"]
    assert (config["fate:computing"], config["fate:chartVersion"]) == ("Eggroll", "v1.11.2")
    assert "fate:backend" not in config
    assert "v1.5 spelling" in err


def test_import_kubefate_refuses_what_it_cannot_carry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = example("v1.5.0/party-9999/cluster-spark.yaml")
    code, _, err = run(capsys, "import-kubefate", str(source), "--chart-version", "v1.11.2")
    assert code == 3
    assert "fate:nginx.nodePort: v1.5's single nginx port is two since v1.6" in err
    assert "fate:nginx.route_table[10000].proxy" in err


def test_import_kubefate_carries_a_spark_party(capsys: pytest.CaptureFixture[str]) -> None:
    source = example("v1.11.2/party-10000/cluster-spark-rabbitmq.yaml")
    code, out, err = run(capsys, "import-kubefate", str(source))
    assert code == 0, err
    config = yaml.safe_load(out)["config"]
    assert config["fate:computing"] == "Spark" and config["fate:rabbitmq"]["nodePort"] == 30104
    # What remains before `pulumi up`: credentials, and RabbitMQ's fixed broker login.
    assert "fate:rabbitmq: the fate chart's RabbitMQ broker logs in as fate/fate" in err


def test_docs_hold_the_current_configuration_reference(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "reference")
    assert code == 0
    for kind in KINDS.values():  # every key of every kind is documented, with its type
        namespace = "fate-serving" if kind.tag == "serving" else "fate"
        for name, info in kind.model.model_fields.items():
            if info.alias != "fate-serving":  # the serving kind's keys are in its own table
                assert f"| `{namespace}:{name}` |" in out, (kind.tag, name)
    reference = (PROJECT_DIR / "docs" / "reference.md").read_text()
    embedded = reference[reference.index(BEGIN) : reference.index(END) + len(END)] + "\n"
    assert embedded == out, "docs/reference.md is stale: paste the output of `fatectl reference`"


# --- fatectl federation: changes that ask first ------------------------------------------


@pytest.fixture
def federation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[FakeEngine]:
    """The shipped federation's stack files, run by a fake engine (the real one is in
    tests/e2e); the list holds the engine once fatectl asked for one."""
    for name in (
        "Pulumi.yaml",
        "Pulumi.exchange.yaml",
        "Pulumi.party9999.yaml",
        "Pulumi.party10000.yaml",
    ):
        shutil.copy(PROJECT_DIR / name, tmp_path / name)
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", EXAMPLE_PASSPHRASE)
    monkeypatch.chdir(tmp_path)
    engines: list[FakeEngine] = []

    def runner(project_dir: Path, policy_packs: list[str], configs: list[str]) -> FakeEngine:
        """One engine (one backend) for every fatectl run of the test; it keeps the policy
        packs and their configs it was given."""
        from fate_iac.orchestrator import discover

        if not engines:
            engines.append(FakeEngine(discover(project_dir)))
        engines[0].packs = (policy_packs, configs)
        return engines[0]

    monkeypatch.setattr("fate_pulumi.automation.default_runner", runner)
    return engines


def terminal(monkeypatch: pytest.MonkeyPatch, answer: str | None) -> None:
    """stdin as a terminal answering ``answer``, or not a terminal at all (None)."""
    monkeypatch.setattr("sys.stdin.isatty", lambda: answer is not None)
    monkeypatch.setattr("builtins.input", lambda prompt="": answer)


@pytest.mark.parametrize("action", ["up", "destroy"])
def test_federation_changes_refuse_to_run_unattended_without_yes(
    action: str,
    federation: list[FakeEngine],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal(monkeypatch, None)
    code, _, err = run(capsys, "federation", action)
    assert code == 2 and "needs a confirmation: pass --yes" in err
    assert federation == []  # refused before any backend was touched


def test_federation_up_shows_the_plan_and_asks(
    federation: list[FakeEngine],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal(monkeypatch, "n")
    code, _, err = run(capsys, "federation", "up")
    assert code == 1 and "plan:" in err and "nothing changed" in err
    assert "  exchange         exchange new" in err
    [engine] = federation
    assert [action for action, _, _ in engine.log] == []
    terminal(monkeypatch, "y")
    code, out, _ = run(capsys, "federation", "up")
    assert code == 0 and "exchange         exchange updated" in out
    assert set(federation[-1].deployed) == {"exchange", "party9999", "party10000"}


def test_federation_preview_with_a_policy_pack_previews_new_stacks_too(
    federation: list[FakeEngine], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(
        capsys,
        "federation",
        "preview",
        "--policy-pack",
        "policies",
        "--policy-pack-config",
        "pack.json",
    )
    [engine] = federation
    assert code == 0 and [line.split()[2] for line in out.splitlines()] == ["new"] * 3
    assert engine.packs == ([str(tmp_path / "policies")], [str(tmp_path / "pack.json")])
    assert sorted(s for action, s, _ in engine.log if action == "preview") == [
        "exchange",
        "party10000",
        "party9999",
    ]
    code, _, err = run(
        capsys,
        "federation",
        "preview",
        "--policy-pack",
        "a",
        "--policy-pack",
        "b",
        "--policy-pack-config",
        "a.json",
    )
    assert code == 2 and "one --policy-pack-config per --policy-pack" in err


def test_federation_up_with_yes_runs_unattended(
    federation: list[FakeEngine],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal(monkeypatch, None)
    code, out, _ = run(capsys, "federation", "up", "--yes")
    assert code == 0 and len(out.splitlines()) == 3


def test_federation_destroy_lists_what_it_destroys_first(
    federation: list[FakeEngine],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal(monkeypatch, "no")
    code, _, err = run(capsys, "federation", "destroy")
    assert code == 1 and "skip    party9999" in err and "nothing changed" in err


def test_an_engine_failure_mid_converge_reports_every_stack(
    federation: list[FakeEngine],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_up = FakeEngine.up

    def failing_up(self: FakeEngine, stack: str, env: dict[str, str]) -> int:
        if stack == "party10000":
            raise engine_failure(RuntimeError("error: the API server refused the release"))
        return real_up(self, stack, env)

    monkeypatch.setattr(FakeEngine, "up", failing_up)
    code, _, err = run(capsys, "federation", "up", "--yes")
    assert code == 1
    assert "stack party10000 failed: error: the API server refused the release" in err
    assert "exchange         exchange updated" in err
    assert "party10000       party    failed" in err


# --- fatectl describe and history: what they say when they cannot ------------------------


def unreachable_kubeconfig(path: Path) -> Path:
    """A kubeconfig whose current context is a cluster nobody listens for."""
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: gone\n"
        "clusters: [{name: gone, cluster: {server: 'https://127.0.0.1:9'}}]\n"
        "users: [{name: u, user: {token: t}}]\n"
        "contexts: [{name: gone, context: {cluster: gone, user: u}}]\n"
    )
    return path


def test_describe_a_stack_never_deployed_says_so(
    federation: list[FakeEngine], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = run(capsys, "describe", "--stack", "party10000", "--project-dir", ".")
    assert code == 1 and out == ""
    assert "stack party10000 has not been deployed: it has no outputs (pulumi up)" in err


def test_describe_an_unreachable_cluster_says_which_and_why(
    federation: list[FakeEngine],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    terminal(monkeypatch, None)
    assert run(capsys, "federation", "up", "--yes")[0] == 0
    monkeypatch.setenv("KUBECONFIG", str(unreachable_kubeconfig(tmp_path / "kubeconfig")))
    code, _, err = run(capsys, "describe", "--stack", "party10000", "--project-dir", ".")
    assert code == 1
    assert (
        "stack party10000: cannot read its cluster (the ambient kubeconfig's current context" in err
    )
    assert "https://127.0.0.1:9" in err
    code, out, _ = run(capsys, "federation", "status")
    assert code == 0 and all(" unreachable " in line for line in out.splitlines()), out


def test_history_lists_a_stacks_updates(
    federation: list[FakeEngine],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, _, err = run(capsys, "history", "--stack", "exchange", "--project-dir", ".")
    assert code == 1 and "stack exchange does not exist in this backend" in err
    terminal(monkeypatch, None)
    assert run(capsys, "federation", "up", "--yes")[0] == 0
    code, out, _ = run(capsys, "history", "--stack", "exchange", "--project-dir", ".")
    assert code == 0 and out.splitlines()[0] == "stack exchange: 2 updates"
    code, out, _ = run(capsys, "history", "--stack", "exchange", "--json", "--project-dir", ".")
    document = json.loads(out)
    assert document["schema"] == "fatectl/v1" and document["command"] == "history"
    assert [u["number"] for u in document["updates"]] == [2, 1]


def test_describe_reads_kubeconfig_as_set_now_not_at_first_import(
    federation: list[FakeEngine],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """The Kubernetes client keeps KUBECONFIG's value of its first import as its default;
    a later KUBECONFIG (another stack's cluster) must still be the one read."""
    from kubernetes.config import kube_config

    monkeypatch.setattr(kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", str(tmp_path / "stale"))
    terminal(monkeypatch, None)
    assert run(capsys, "federation", "up", "--yes")[0] == 0
    monkeypatch.setenv("KUBECONFIG", str(unreachable_kubeconfig(tmp_path / "now")))
    code, _, err = run(capsys, "describe", "--stack", "party10000", "--project-dir", ".")
    assert code == 1 and "cannot reach https://127.0.0.1:9" in err


# --- machine-readable: JSON documents and exit codes ---------------------------------


def test_validate_json_is_the_contract(
    capsys: pytest.CaptureFixture[str], project: Path, tmp_path: Path
) -> None:
    code, out, _ = run(
        capsys, "validate", "-s", "party10000", "--project-dir", str(project), "--json"
    )
    document = json.loads(out)
    assert code == 0 and document["schema"] == "fatectl/v1" and document["ok"] is True
    assert (document["command"], document["stack"], document["kind"], document["partyId"]) == (
        "validate",
        "party10000",
        "eggroll",
        10000,
    )
    stack = project / "Pulumi.party10000.yaml"
    config = yaml.safe_load(stack.read_text())
    config["config"]["fate:rollsite"]["nodePort"] = 99999
    stack.write_text(yaml.safe_dump(config))
    code, out, err = run(
        capsys, "validate", "-s", "party10000", "--project-dir", str(project), "--json"
    )
    document = json.loads(out)
    assert code == 3 and document["ok"] is False and document["exitCode"] == 3 and err == ""
    [problem] = document["error"]["problems"]
    assert problem == {
        "stack": "party10000",
        "key": "fate:rollsite.nodePort",
        "path": ["rollsite", "nodePort"],
        "rule": "port-range",
        "message": problem["message"],
    }


def test_render_json_lists_each_release_and_its_objects(
    capsys: pytest.CaptureFixture[str], charts: str, tmp_path: Path
) -> None:
    code, out, _ = run(
        capsys,
        "render",
        "-s",
        "party10000",
        "--project-dir",
        str(PROJECT_DIR),
        "--chart-repo",
        charts,
        "--json",
        "--out",
        str(tmp_path),
    )
    document = json.loads(out)
    [release, policies] = document["releases"]
    assert code == 0 and release["name"] == "fate-10000" and release["objects"] == 25
    assert release["kinds"]["StatefulSet"] == 4 and Path(release["file"]).exists()
    # Beside the release, the NetworkPolicies the stack gives its namespace.
    assert policies["name"] == "fate-10000-networkpolicies"
    # (the example's notebook has a password: fate-entry-client opens it to its Ingress)
    assert policies["kinds"] == {"NetworkPolicy": 5} and Path(policies["file"]).exists()


def test_federation_json_and_exit_codes(
    federation: list[FakeEngine], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "federation", "preview", "--json", "--expect-no-changes")
    document = json.loads(out)
    assert code == 4 and document["exitCode"] == 4  # nothing deployed yet: changes pending
    assert [s["state"] for s in document["stacks"]] == ["new"] * 3
    code, out, _ = run(capsys, "federation", "up", "--yes", "--json")
    document = json.loads(out)
    assert code == 0 and {s["state"] for s in document["stacks"]} == {"updated"}
    code, out, _ = run(
        capsys,
        "federation",
        "preview",
        "--expect-no-changes",
        "--markdown",
        str(tmp_path / "summary.md"),
    )
    assert (
        code == 0
        and "| party9999 | party | up-to-date | 0 | passed |"
        in (tmp_path / "summary.md").read_text()
    )
    code, out, _ = run(capsys, "federation", "status", "--json")
    stacks = json.loads(out)["stacks"]
    assert code == 0 and stacks[0]["endpoints"] == {"rollsite": {"host": "h", "port": 1}}
    assert all(s["deployed"] for s in stacks)
    code, out, _ = run(capsys, "federation", "drift", "--json")
    assert code == 0 and {s["state"] for s in json.loads(out)["stacks"]} == {"in-sync"}
    [engine] = federation
    engine.drifted.add("party10000")
    code, out, _ = run(capsys, "federation", "drift", "--json")
    states = {s["stack"]: s["state"] for s in json.loads(out)["stacks"]}
    assert code == 5 and states["party10000"] == "drifted" and states["exchange"] == "in-sync"
    code, _, err = run(capsys, "federation", "up", "--markdown", "x.md", "--yes")
    assert code == 2 and "go with federation preview" in err


def test_unattended_destructive_commands_are_a_usage_error_in_json_too(
    federation: list[FakeEngine],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal(monkeypatch, None)
    code, out, _ = run(capsys, "federation", "destroy", "--json")
    document = json.loads(out)
    assert code == 2 and document["error"]["kind"] == "usage"
    assert "pass --yes" in document["error"]["message"]


def test_a_failure_with_only_advisory_violations_is_the_engines_not_a_refusal(
    federation: list[FakeEngine], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "federation", "up", "--yes")[0] == 0
    [engine] = federation

    def failing(stack: str, env: dict[str, str], refresh: bool = False) -> int:
        report = (
            "- [advisory]  release-visibility  (kubernetes:helm.sh/v3:Release: r)"
            "\n  d\n  cannot see\nerror: the backend is unreachable"
        )
        raise engine_failure(RuntimeError(report))

    engine.preview = failing  # type: ignore[method-assign]
    code, out, _ = run(capsys, "federation", "preview", "--json")
    document = json.loads(out)
    assert code == 1 and document["error"]["kind"] == "failed"
    assert {s["state"] for s in document["stacks"]} == {"failed"}
    assert document["stacks"][0]["error"] == "error: the backend is unreachable"
    assert document["stacks"][0]["violations"][0].startswith("release-visibility [advisory]")
    code, out, _ = run(capsys, "federation", "drift", "--json")
    assert code == 1 and {s["state"] for s in json.loads(out)["stacks"]} == {"failed"}


def test_json_keeps_stdout_to_itself(
    federation: list[FakeEngine], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "federation", "preview", "--json", "--markdown", "-")
    assert code == 2 and json.loads(out)["error"]["kind"] == "usage"
    code, out, _ = run(capsys, "federation", "drift", "--json")
    assert code == 4 and {s["state"] for s in json.loads(out)["stacks"]} == {"not-deployed"}


def test_the_engines_steps_are_counted_without_refresh_reads() -> None:
    from types import SimpleNamespace

    from fate_pulumi.automation import Steps

    def event(op: str, diff: dict[str, Any] | None = None) -> Any:
        meta = SimpleNamespace(
            op=SimpleNamespace(value=op),
            type="kubernetes:core/v1:Namespace",
            urn="urn:pulumi:s::p::kubernetes:core/v1:Namespace::ns",
            detailed_diff=diff,
            diffs=["metadata"],
        )
        return SimpleNamespace(resource_pre_event=SimpleNamespace(metadata=meta))

    steps = Steps()
    for e in (
        event("refresh"),
        event("same"),
        event("read"),
        event("update", {"metadata.labels.role": {}}),
    ):
        steps.see(e)
    steps.see(SimpleNamespace(resource_pre_event=None))
    assert steps.changes == 1
    [change] = steps.changed
    assert (change.op, change.name, change.keys) == ("update", "ns", ("metadata.labels.role",))
