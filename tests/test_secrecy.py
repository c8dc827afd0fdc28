"""Secrets stay secrets end to end: any config key given as a Pulumi secret stays one
wherever its value goes (release values, outputs), no message shows its value, and
offline renders show it as [secret]."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from fate_iac.charts import UPSTREAM_CHART_REPO
from fate_iac.loader import load_stack_config, raw_from_pulumi
from fate_iac.problems import ConfigError
from fate_iac.secrets import Decrypter
from fate_pulumi import Exchange, FateEggrollCluster
from fatectl.main import main
from tests.conftest import EXAMPLE_PASSPHRASE, NOTEBOOK_HASH, PROJECT_DIR, party
from tests.pulumi_mocks import Recorder, engine_config, run_program, run_with_mocks, unwrap_secret

RELEASE = "kubernetes:helm.sh/v3:Release"
SINK = "test:index:Sink"


def exchange_config(**extra: Any) -> dict[str, str]:
    config = {
        "fate:chartName": "fate-exchange",
        "fate:publicHost": "10.0.0.9",
        "fate:rollsite": json.dumps({"type": "NodePort", "nodePort": 30000}),
    }
    config.update(
        {f"fate:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in extra.items()}
    )
    return config


def test_a_secret_helm_values_key_makes_the_release_values_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An exchange has no credentials, so nothing else would make its values secret."""
    monkeypatch.setenv("FATE_EXISTING_STACKS", "exchange")
    pull = {"image": {"imagePullSecrets": [{"name": "registry-token-7f3a"}]}}
    config = exchange_config(helmValues=pull)
    recorder = run_program("exchange", config, ["fate:helmValues"])
    secret, values = unwrap_secret(recorder.one(RELEASE).inputs["values"])
    assert secret
    assert values["image"]["imagePullSecrets"] == [{"name": "registry-token-7f3a"}]


def sink(value: pulumi.Output[Any]) -> None:
    """A resource holding ``value``: the mocks then show whether it is secret."""
    pulumi.CustomResource(SINK, "sink", {"value": value})


def test_outputs_derived_from_a_secret_key_stay_secret() -> None:
    raw = raw_from_pulumi(exchange_config(), {"fate:publicHost"})
    cfg = load_stack_config(raw, "exchange").config
    recorder = run_with_mocks(
        lambda: sink(Exchange("x", cfg, {}, UPSTREAM_CHART_REPO).federation), "exchange"
    )
    secret, record = unwrap_secret(recorder.one(SINK).inputs["value"])
    assert secret and record["endpoints"]["rollsite"]["host"] == "10.0.0.9"


def test_credentials_alone_leave_the_federation_record_readable() -> None:
    """A credential never reaches an output: peers can still read this party's record."""
    config, secret_keys = engine_config(PROJECT_DIR / "Pulumi.party10000.yaml", EXAMPLE_PASSPHRASE)
    cfg = load_stack_config(raw_from_pulumi(config, set(secret_keys)), "party10000").config
    assert cfg.secret_keys == {"mysql", "fateboard", "client"}
    recorder = run_with_mocks(
        lambda: sink(FateEggrollCluster("p", cfg, {}, UPSTREAM_CHART_REPO).federation),
        "party10000",
    )
    secret, record = unwrap_secret(recorder.one(SINK).inputs["value"])
    assert not secret and record["partyId"] == 10000


def refused(config: dict[str, str], secret_keys: list[str]) -> str:
    recorder = Recorder()
    with pytest.raises(Exception, match="configuration problem") as caught:
        run_program("party10000", config, secret_keys, recorder)
    assert [r for r in recorder.resources if not r.type.startswith("pulumi:")] == []
    return str(caught.value)


def test_a_credential_set_without_path_is_not_echoed() -> None:
    """``pulumi config set --secret fate:mysql hunter2`` (no --path): the section is a
    string, a type error, and the message must not quote it."""
    config, secret_keys = engine_config(PROJECT_DIR / "Pulumi.party10000.yaml", EXAMPLE_PASSPHRASE)
    config["fate:mysql"] = "hunter2-typed-without-path"
    report = refused(config, secret_keys)
    assert "fate:mysql" in report and "hunter2" not in report


def test_an_invalid_secret_value_is_named_not_shown() -> None:
    config, secret_keys = engine_config(PROJECT_DIR / "Pulumi.party10000.yaml", EXAMPLE_PASSPHRASE)
    config["fate:name"] = "Secret_Release_Name"
    report = refused(config, [*secret_keys, "fate:name"])
    assert "fate:name: is not valid here (dns-label)" in report
    assert "Secret_Release_Name" not in report


def test_values_that_merely_look_like_json_stay_strings() -> None:
    raw = raw_from_pulumi({"fate:registry": "[mirror]", "fate:imageTag": "{edge"}, set())
    assert raw.values == {"registry": "[mirror]", "imageTag": "{edge"}
    with pytest.raises(ConfigError) as error:  # read as strings, then refused by type
        load_stack_config({**party(), **raw.values}, "s")
    assert {(p.path, p.rule) for p in error.value.problems} == {
        (("registry",), "registry"),
        (("imageTag",), "image-tag"),
    }


def test_the_program_takes_the_chart_source_from_config_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """FATE_CHART_REPO is for fatectl and the tests: a Pulumi run follows its config, so
    the state says where each release came from."""
    monkeypatch.setenv("FATE_CHART_REPO", "/nowhere/charts")
    monkeypatch.setenv("FATE_EXISTING_STACKS", "exchange")
    recorder = run_program("exchange", exchange_config(), [])
    assert recorder.one(RELEASE).inputs["repositoryOpts"] == {"repo": UPSTREAM_CHART_REPO}
    recorder = run_program("exchange", exchange_config(chartRepo="https://mirror.example"), [])
    assert recorder.one(RELEASE).inputs["repositoryOpts"] == {"repo": "https://mirror.example"}


# --- offline: fatectl ---------------------------------------------------------------------


def write_stack(
    directory: Path, secure: dict[str, Any], plain: dict[str, Any], header: dict[str, str]
) -> Path:
    """``Pulumi.s.yaml`` holding ``plain`` keys and ``secure`` ones encrypted (with the
    example passphrase when ``header`` has an encryptionsalt)."""
    salt = header.get("encryptionsalt")
    encrypt = Decrypter(EXAMPLE_PASSPHRASE, salt).encrypt if salt else (lambda v: f"v1:k:{v}")

    def seal(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: seal(v) for k, v in node.items()}
        return {"secure": encrypt(str(node))}

    config = {f"fate:{k}": v for k, v in plain.items()}
    for key, value in secure.items():
        sealed = seal(value)
        current = config.get(f"fate:{key}")
        config[f"fate:{key}"] = {**current, **sealed} if isinstance(current, dict) else sealed
    path = directory / "Pulumi.s.yaml"
    path.write_text(yaml.safe_dump({**header, "config": config}))
    return path


def party_plain() -> dict[str, Any]:
    raw = party()
    del raw["mysql"], raw["fateboard"], raw["client"]
    return {**raw, "fateboard": {"username": "board"}}


CREDENTIALS = {
    "mysql": {"password": "s3cret-mysql"},
    "fateboard": {"password": "s3cret-board"},
    "client": {"notebook_hashed_password": NOTEBOOK_HASH},
}


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.chart
def test_render_hides_every_secret_key_unless_asked(
    tmp_path: Path,
    charts: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", EXAMPLE_PASSPHRASE)
    secure = {
        **CREDENTIALS,
        "servingIp": "10.77.0.5",  # a typed key: masked by its value
        "helmValues": {"image": {"pullPolicy": "registry.secret.example"}},  # raw values
    }
    header = {"encryptionsalt": Decrypter.new_salt(EXAMPLE_PASSPHRASE)}
    write_stack(tmp_path, secure, party_plain(), header)
    argv = ["render", "-s", "s", "--project-dir", str(tmp_path), "--chart-repo", charts]
    code, out, _ = run_cli(capsys, *argv)
    assert code == 0 and "[secret]" in out
    for plaintext in (
        "10.77.0.5",
        "registry.secret.example",
        "s3cret-mysql",
        "s3cret-board",
        NOTEBOOK_HASH,
    ):
        assert plaintext not in out
    code, shown, _ = run_cli(capsys, *argv, "--show-secrets")
    assert code == 0
    assert "10.77.0.5" in shown and "imagePullPolicy: registry.secret.example" in shown


def test_validate_names_a_bad_secret_key_without_its_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", EXAMPLE_PASSPHRASE)
    header = {"encryptionsalt": Decrypter.new_salt(EXAMPLE_PASSPHRASE)}
    write_stack(tmp_path, {**CREDENTIALS, "name": "Bad_Secret_Name"}, party_plain(), header)
    code, _, err = run_cli(capsys, "validate", "-s", "s", "--project-dir", str(tmp_path))
    assert code == 3 and "fate:name: is not valid here (dns-label)" in err
    assert "Bad_Secret_Name" not in err


KMS = {"secretsprovider": "awskms://alias/fate?region=eu-west-1", "encryptedkey": "AQICAHh"}


def without_pulumi_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    return empty


def test_another_providers_credentials_stay_opaque_without_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    without_pulumi_cli(monkeypatch, tmp_path)
    write_stack(tmp_path, CREDENTIALS, party_plain(), KMS)
    code, out, err = run_cli(capsys, "validate", "-s", "s", "--project-dir", str(tmp_path))
    assert code == 0 and "stack s: ok" in out
    assert "secrets not read" in err and "awskms://alias/fate" in err and "not on PATH" in err


def test_another_providers_other_secrets_are_a_plain_problem_without_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    without_pulumi_cli(monkeypatch, tmp_path)
    write_stack(tmp_path, {**CREDENTIALS, "servingIp": "10.77.0.5"}, party_plain(), KMS)
    code, _, err = run_cli(capsys, "validate", "-s", "s", "--project-dir", str(tmp_path))
    assert code == 3
    assert "fate:servingIp: is encrypted by the stack's secrets provider (awskms://" in err
    assert "through the Pulumi CLI, which is not on PATH" in err


def test_another_providers_secrets_are_read_through_the_pulumi_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A KMS provider cannot run here, so the CLI is a stand-in that answers what
    ``pulumi config --show-secrets --json`` answers (the real CLI's answer is read in
    tests/e2e/test_secrets_e2e.py); fatectl must take it from there."""
    bin_dir = without_pulumi_cli(monkeypatch, tmp_path)
    answer = {
        "fate:partyId": {"value": "10000", "secret": False},
        "fate:servingIp": {"value": "10.77.0.5", "secret": True},
        "fate:mysql": {
            "value": json.dumps(CREDENTIALS["mysql"]),
            "objectValue": CREDENTIALS["mysql"],
            "secret": True,
        },
        "fate:fateboard": {
            "value": "{}",
            "objectValue": {**CREDENTIALS["fateboard"], "username": "board"},
            "secret": True,
        },
    }
    cli = bin_dir / "pulumi"
    calls = tmp_path / "calls"
    cli.write_text(
        f"#!{sys.executable}\nimport sys\nopen({str(calls)!r}, 'a').write(' '.join(sys.argv[1:]))\n"
        f"print({json.dumps(answer)!r})\n"
    )
    cli.chmod(cli.stat().st_mode | stat.S_IXUSR)
    write_stack(tmp_path, {**CREDENTIALS, "servingIp": "10.77.0.5"}, party_plain(), KMS)
    code, _, err = run_cli(capsys, "validate", "-s", "s", "--project-dir", str(tmp_path))
    assert code == 0, err
    assert calls.read_text().split() == [
        "config",
        "--show-secrets",
        "--json",
        "--stack",
        "s",
        "--non-interactive",
    ]
    from fate_iac.loader import load_stack

    loaded = load_stack(tmp_path, "s")
    assert loaded.config.servingIp == "10.77.0.5"
    assert loaded.config.mysql is not None and loaded.config.mysql.password is not None
    assert loaded.config.mysql.password.value == "s3cret-mysql"
    assert os.environ["PATH"] == str(bin_dir)


def test_secret_stack_outputs_are_shown_as_secret() -> None:
    """What status, describe and the main command print of a stack's outputs: a secret
    output (a stack with a secret publicHost, say) never shows its value."""
    from pulumi.automation import OutputValue

    from fate_pulumi.automation import shown_outputs

    outputs = {
        "federation": OutputValue({"endpoints": {"rollsite": {"host": "10.77.0.5"}}}, True),
        "namespace": OutputValue("fate-10000", False),
    }
    assert shown_outputs(outputs) == {"federation": "[secret]", "namespace": "fate-10000"}


def test_describe_shows_a_secret_record_as_secret() -> None:
    from fate_iac.describe import endpoints_of

    shown = {"federation": "[secret]", "fateboardHosts": "[secret]", "notebookHosts": ["nb"]}
    assert endpoints_of(shown) == {
        "federation": "[secret]",
        "fateboard": "[secret]",
        "notebook": "nb",
    }


def test_exported_outputs_say_which_held_a_secret() -> None:
    """The runner reads a stack's outputs from its exported state: a secret there is
    revealed for the orchestrator's digests, and an output holding one anywhere counts
    as secret, so it is shown as one."""
    from fate_pulumi.automation import SECRET_KIND, SECRET_SIGNATURE, revealed, shown_outputs

    def secret(value: object) -> dict[str, str]:
        return {SECRET_SIGNATURE: SECRET_KIND, "plaintext": json.dumps(value)}

    assert revealed(secret({"host": "10.77.0.5"})) == ({"host": "10.77.0.5"}, True)
    nested = {"endpoints": [{"host": secret("10.77.0.5"), "port": 30101}]}
    assert revealed(nested) == ({"endpoints": [{"host": "10.77.0.5", "port": 30101}]}, True)
    assert revealed({"namespace": "fate-10000"}) == ({"namespace": "fate-10000"}, False)
    from pulumi.automation import OutputValue

    shown = shown_outputs({"federation": OutputValue(*revealed(nested))})
    assert shown == {"federation": "[secret]"}


def test_render_masks_a_secret_however_yaml_writes_it() -> None:
    """The text render prints is dumped YAML (Helm's toYaml, this project's
    post-renderer): a long secret may be folded across lines, a non-ASCII one escaped
    and split anywhere. Neither may survive the masking (``render --out`` is what CI
    templates upload as an artifact)."""
    from fate_iac import yamlio
    from fate_iac.render import mask

    folded = "a long secret value " * 6
    escaped = "pässwörd-" + "x" * 90
    text = "".join(
        f"---\n# Source: fate/templates/{name}.yaml\n{yamlio.dump(document)}"
        for name, document in (
            ("folded", {"kind": "ConfigMap", "data": {"note": folded}}),
            ("escaped", {"kind": "ConfigMap", "data": {"conf": f"password={escaped}"}}),
            ("other", {"kind": "Service", "metadata": {"name": "kept as it is"}}),
        )
    )
    assert folded not in text and escaped not in text  # what text masking cannot find
    masked = mask(text, [folded, escaped])
    documents = yamlio.load_all(masked)
    assert [d["data"] for d in documents[:2]] == [
        {"note": "[secret]"},
        {"conf": "password=[secret]"},
    ]
    assert documents[2] == {"kind": "Service", "metadata": {"name": "kept as it is"}}
    assert "# Source: fate/templates/folded.yaml" in masked


def test_render_writes_files_with_secrets_readable_by_the_owner_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``render --out --show-secrets`` writes credentials: 0600, whatever the umask."""
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", EXAMPLE_PASSPHRASE)
    header = {"encryptionsalt": Decrypter.new_salt(EXAMPLE_PASSPHRASE)}
    kubefate = {
        "kubefate": {"password": "s3cret-kubefate-api", "database": {"password": "s3cret-kf-db"}}
    }
    plain = {"kubefate": {"username": "operator", "rbac": {"namespaces": ["fate-9999"]}}}
    write_stack(tmp_path, kubefate, plain, header)
    out = tmp_path / "rendered"
    os.umask(0o022)
    argv = ["render", "-s", "s", "--project-dir", str(tmp_path), "--out", str(out)]
    code, _, err = run_cli(capsys, *argv, "--show-secrets")
    assert code == 0, err
    files = list(out.iterdir())
    assert files and "s3cret-kubefate-api" in "".join(f.read_text() for f in files)
    assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}


def test_a_kubefate_stack_names_a_bad_secret_value_without_showing_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stack with only ``fate:kubefate``: its secret keys are as secret as a party's."""
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", EXAMPLE_PASSPHRASE)
    header = {"encryptionsalt": Decrypter.new_salt(EXAMPLE_PASSPHRASE)}
    database = {"password": "s3cret-kf-db", "host": "db.internal_secret-host", "port": "33o6"}
    write_stack(tmp_path, {"kubefate": {"password": "s3cret-kf", "database": database}}, {}, header)
    code, _, err = run_cli(capsys, "validate", "-s", "s", "--project-dir", str(tmp_path))
    assert (
        code == 3 and "fate:kubefate.database.host" in err and "fate:kubefate.database.port" in err
    )
    assert "internal_secret" not in err and "33o6" not in err


CREDENTIAL_URL = "https://robot:tok3n-chart-repo@charts.example.com/fate"


def test_a_secret_chart_repository_is_secret_in_the_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``repositoryOpts.repo`` is a release input the state records: encrypted when the
    URL was set as a secret."""
    monkeypatch.setenv("FATE_EXISTING_STACKS", "exchange")
    recorder = run_program(
        "exchange", exchange_config(chartRepo=CREDENTIAL_URL), ["fate:chartRepo"]
    )
    secret, repository = unwrap_secret(recorder.one(RELEASE).inputs["repositoryOpts"])
    assert secret and repository == {"repo": CREDENTIAL_URL}


def test_a_chart_repository_url_with_credentials_in_plaintext_is_refused() -> None:
    for key, value in (
        ("chartRepo", CREDENTIAL_URL),
        ("chartRepo", "https://charts.example.com/fate?token=tok3n-chart-repo"),
    ):
        report = refused(exchange_config(**{key: value}), [])
        assert "fate:chartRepo: a chart repository URL with credentials is a secret" in report
        assert "tok3n" not in report
    raw = raw_from_pulumi(exchange_config(chartRepo=CREDENTIAL_URL), {"fate:chartRepo"})
    assert load_stack_config(raw, "exchange").config.chartRepo == CREDENTIAL_URL


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_render_names_a_secret_chart_repository_without_showing_it(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    json_flag: list[str],
) -> None:
    """The repository cannot be reached: the error says which chart, never the URL."""
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", EXAMPLE_PASSPHRASE)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    header = {"encryptionsalt": Decrypter.new_salt(EXAMPLE_PASSPHRASE)}
    unreachable = "https://robot:tok3n-chart-repo@127.0.0.1:9/fate-private-repo"
    write_stack(tmp_path, {**CREDENTIALS, "chartRepo": unreachable}, party_plain(), header)
    argv = ["render", "-s", "s", "--project-dir", str(tmp_path), *json_flag]
    code, out, err = run_cli(capsys, *argv)
    assert code == 1 and "fate v1.11.2" in out + err
    assert "tok3n" not in out + err and "fate-private-repo" not in out + err


@pytest.mark.chart
def test_helm_values_set_whole_as_one_secret_are_accepted_and_stay_secret(
    tmp_path: Path,
    charts: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``pulumi config set --secret fate:helmValues '{...}'``: one secure value holding
    an object, which Pulumi's get_object reads as one; fatectl takes it as the plain
    object, every key in it secret."""
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", EXAMPLE_PASSPHRASE)
    header = {"encryptionsalt": Decrypter.new_salt(EXAMPLE_PASSPHRASE)}
    path = write_stack(tmp_path, CREDENTIALS, party_plain(), header)
    document = yaml.safe_load(path.read_text())
    whole = {"image": {"pullPolicy": "registry.whole-secret.example"}}
    encrypt = Decrypter(EXAMPLE_PASSPHRASE, header["encryptionsalt"]).encrypt
    document["config"]["fate:helmValues"] = {"secure": encrypt(json.dumps(whole))}
    path.write_text(yaml.safe_dump(document))
    code, out, err = run_cli(capsys, "validate", "-s", "s", "--project-dir", str(tmp_path))
    assert code == 0, err
    argv = ["render", "-s", "s", "--project-dir", str(tmp_path), "--chart-repo", charts]
    code, out, err = run_cli(capsys, *argv)
    assert code == 0, err
    assert "registry.whole-secret.example" not in out and "imagePullPolicy: [secret]" in out
    code, shown, _ = run_cli(capsys, *argv, "--show-secrets")
    assert code == 0 and "imagePullPolicy: registry.whole-secret.example" in shown
