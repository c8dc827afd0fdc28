"""The notebook: published by every fate chart whenever it is deployed, so refused
without a password unless the opt-out is taken, and validate names the opt-out."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from fate_iac.loader import load_party_config
from fate_iac.notebook import notebook_publication
from fate_iac.problems import ConfigError
from fate_iac.render import render_stack
from fate_iac.secrets import Decrypter, Secret
from fatectl.main import main
from tests.conftest import EXAMPLE_PASSPHRASE, NOTEBOOK_HASH, PROJECT_DIR, example, party
from tests.helpers import only_problem, problems_of

KEY = "fate:client.notebook_hashed_password"
OPT_OUT = "fate:allowNotebookWithoutPassword"
RULE = "notebook-password"


def without_password(**overrides: Any) -> dict[str, Any]:
    return party(**{"client": None, **overrides})


def jupyter_sha1(password: str, salt: str = "0123456789ab") -> str:
    """What Jupyter's ``passwd(password, "sha1")`` writes, for a given salt."""
    return f"sha1:{salt}:{hashlib.sha1((password + salt).encode()).hexdigest()}"


# --- the refusal -----------------------------------------------------------------------


def test_a_published_notebook_without_a_password_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        load_party_config(without_password(), "party10000")
    said = str(caught.value)
    assert said.startswith("stack party10000: 1 configuration problem")
    assert f"stack party10000: {KEY}: not set, but the notebook is published" in said
    assert "its Ingress client (notebook.example.com)" in said
    assert "pulumi config set --secret --path 'fate:client.notebook_hashed_password'" in said
    assert "leave client out of fate:modules" in said
    assert f"opt out with {OPT_OUT}: true" in said
    assert said.rstrip().endswith("[notebook-password]")


def test_the_refusal_names_how_the_notebook_is_published() -> None:
    hosts = {"client": {"hosts": [{"name": "nb.party10000.example.org"}]}}
    assert "its Ingress client (nb.party10000.example.org)" in (
        only_problem(without_password(ingress=hosts)).message
    )
    istio = only_problem(without_password(istio={"enabled": True})).message
    assert "its Istio VirtualService notebook (notebook.example.com)" in istio
    node_port = {"modules": {"client": {"type": "NodePort"}}}
    message = only_problem(without_password(helmValues=node_port)).message
    assert "its Service notebook (NodePort, from helmValues)" in message


def test_a_party_without_the_notebook_needs_no_password() -> None:
    modules = ["rollsite", "clustermanager", "nodemanager", "mysql", "python", "fateboard"]
    loaded = load_party_config(without_password(modules=modules), "party10000")
    assert notebook_publication(loaded.config) == []
    assert not any("notebook" in note for note in loaded.notes)


def test_an_empty_password_is_refused() -> None:
    raw = without_password(client={"notebook_hashed_password": Secret("", True)})
    assert only_problem(raw).rule == "secret-blank"


def test_a_password_that_is_not_a_jupyter_hash_is_refused_without_showing_it() -> None:
    clear = "correct-horse-battery"
    [problem] = problems_of(party(client={"notebook_hashed_password": Secret(clear, True)}))
    assert (problem.path, problem.rule) == (("client", "notebook_hashed_password"), RULE)
    assert "is not a Jupyter password hash" in problem.message
    assert clear not in problem.message


@pytest.mark.parametrize(
    "hashed",
    [
        NOTEBOOK_HASH,
        jupyter_sha1("s3cret", "a1b2c3d4e5f6"),
        "sha256:0011aabbccdd:" + hashlib.sha256(b"pw0011aabbccdd").hexdigest(),
        "argon2:$argon2id$v=19$m=10240,t=10,p=8$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
    ],
)
def test_jupyter_hashes_are_accepted(hashed: str) -> None:
    load_party_config(party(client={"notebook_hashed_password": Secret(hashed, True)}), "p")


@pytest.mark.parametrize(
    "hashed", ["sha1:salt", "sha1::abc", "md9:salt:00ff", "sha1:salt:XYZ", "argon2:", "pw"]
)
def test_malformed_hashes_are_refused(hashed: str) -> None:
    raw = party(client={"notebook_hashed_password": Secret(hashed, True)})
    assert only_problem(raw).rule == "notebook-password"


def test_a_password_not_read_without_the_passphrase_counts_as_set() -> None:
    load_party_config(party(client={"notebook_hashed_password": Secret(None, True)}), "p")


def test_a_password_in_clear_is_refused_as_a_credential_without_showing_it() -> None:
    raw = party(client={"notebook_hashed_password": Secret(NOTEBOOK_HASH, secure=False)})
    problem = only_problem(raw)
    assert (problem.path, problem.rule) == (("client", "notebook_hashed_password"), "secret")
    assert NOTEBOOK_HASH not in problem.message


# --- the opt-out -----------------------------------------------------------------------


def test_the_opt_out_is_named_when_taken() -> None:
    loaded = load_party_config(without_password(allowNotebookWithoutPassword=True), "p")
    [note] = [n for n in loaded.notes if n.startswith(f"{OPT_OUT}:")]
    assert "published by its Ingress client (notebook.example.com) without a password" in note
    assert "its NetworkPolicy keeps its port inside the namespace" in note
    open_cluster = without_password(
        allowNotebookWithoutPassword=True, networkPolicy={"enabled": False}
    )
    [note] = [n for n in load_party_config(open_cluster, "p").notes if OPT_OUT in n]
    assert "NetworkPolicy" not in note


def test_the_opt_out_says_nothing_when_not_taken() -> None:
    with_password = party(allowNotebookWithoutPassword=True)
    assert not any(OPT_OUT in n for n in load_party_config(with_password, "p").notes)
    assert not any(OPT_OUT in n for n in load_party_config(party(), "p").notes)


# --- what the charts publish -------------------------------------------------------------


def objects(charts: str, **overrides: Any) -> dict[tuple[str, str], dict[str, Any]]:
    cfg = load_party_config(party(**overrides), "party10000").config
    [release] = render_stack(cfg, charts, redact=False)
    return {(o["kind"], o["metadata"]["name"]): o for o in release.objects()}


@pytest.mark.chart
@pytest.mark.parametrize("version", ["v1.11.2", "v2.0.0"])
def test_the_chart_publishes_the_deployed_notebook_by_its_ingress(
    charts: str, version: str
) -> None:
    """What "published" means, read from the real charts: an Ingress to the notebook
    whenever the module is deployed (no key leaves it out), a VirtualService with Istio;
    none without the module."""
    extra: dict[str, Any] = {"chartVersion": version}
    if version == "v2.0.0":
        extra |= {"rollsite": None, "osx": {"type": "NodePort", "nodePort": 30101}}
    found = objects(charts, **extra)
    ingress = found[("Ingress", "client")]
    [rule] = ingress["spec"]["rules"]
    assert rule["host"] == "notebook.example.com"
    backend = rule["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "notebook", "port": {"number": 20000}}
    env = found[("StatefulSet", "client")]["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "NOTEBOOK_HASHED_PASSWORD", "value": NOTEBOOK_HASH} in env
    istio = objects(charts, istio={"enabled": True}, **extra)
    assert ("Ingress", "client") not in istio
    assert istio[("VirtualService", "notebook")]["spec"]["hosts"] == ["notebook.example.com"]
    modules = [m for m in found_modules(version) if m != "client"]
    bare = objects(charts, client=None, modules=modules, **extra)
    assert not any(name == "client" or name == "notebook" for _, name in bare)


def found_modules(version: str) -> list[str]:
    gateway = "osx" if version == "v2.0.0" else "rollsite"
    return [gateway, "clustermanager", "nodemanager", "mysql", "python", "fateboard", "client"]


# --- fatectl -----------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("Pulumi.yaml", "Pulumi.party9999.yaml"):
        shutil.copy(PROJECT_DIR / name, tmp_path / name)
    return tmp_path


def edit_stack(project: Path, edit: Any) -> None:
    path = project / "Pulumi.party9999.yaml"
    document = yaml.safe_load(path.read_text())
    edit(document["config"])
    path.write_text(yaml.safe_dump(document))


def validate(capsys: pytest.CaptureFixture[str], project: Path, *extra: str) -> tuple[int, str]:
    code = main(["validate", "-s", "party9999", "--project-dir", str(project), *extra])
    out, err = capsys.readouterr()
    return code, out + err


def test_validate_refuses_the_example_without_its_notebook_password(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", EXAMPLE_PASSPHRASE)
    assert validate(capsys, project)[0] == 0  # the example has one
    edit_stack(project, lambda config: config.pop("fate:client"))
    code, said = validate(capsys, project)
    assert code == 3
    assert f"stack party9999: {KEY}: not set, but the notebook is published by its " in said
    assert "Ingress client (party9999.notebook.example.com)" in said
    assert "[notebook-password]" in said
    code, said = validate(capsys, project, "--json")
    [problem] = json.loads(said)["error"]["problems"]
    assert code == 3 and (problem["key"], problem["rule"]) == (KEY, "notebook-password")
    edit_stack(project, lambda config: config.update({OPT_OUT: True}))
    code, said = validate(capsys, project)
    assert code == 0 and f"note: {OPT_OUT}: the notebook is published" in said


def test_validate_never_shows_a_malformed_password(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", EXAMPLE_PASSPHRASE)
    clear = "my-notebook-password-in-clear"
    salt = yaml.safe_load((project / "Pulumi.party9999.yaml").read_text())["encryptionsalt"]
    sealed = {"secure": Decrypter(EXAMPLE_PASSPHRASE, salt).encrypt(clear)}
    edit_stack(project, lambda c: c.update({"fate:client": {"notebook_hashed_password": sealed}}))
    for extra in ([], ["--json"]):
        code, said = validate(capsys, project, *extra)
        assert code == 3 and "is not a Jupyter password hash" in said
        assert clear not in said


def test_import_kubefate_says_the_notebook_needs_a_password_before_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """KubeFATE's examples deploy the notebook without a password: the stack is written,
    and the import lists the refusal with its fixes, as it does for the credentials."""
    source = example("v1.11.2/party-9999/cluster.yaml")
    argv = ["import-kubefate", str(source), "--stack", "imported", "--project-dir"]
    assert main([*argv, str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "after import, fix these before `pulumi up`:" in err
    [line] = [line for line in err.splitlines() if KEY in line]
    assert "not set, but the notebook is published" in line and OPT_OUT in line
    written = yaml.safe_load((tmp_path / "Pulumi.imported.yaml").read_text())["config"]
    assert OPT_OUT not in written  # the choice is the operator's, not the import's
    code = main(["validate", "-s", "imported", "--project-dir", str(tmp_path)])
    assert code == 3 and KEY in capsys.readouterr().err


def test_import_kubefate_takes_a_notebook_password_out_as_a_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = yaml.safe_load(example("v1.11.2/party-9999/cluster.yaml").read_text())
    document["client"] = {"notebook_hashed_password": NOTEBOOK_HASH}
    source = tmp_path / "cluster.yaml"
    source.write_text(yaml.safe_dump(document))
    assert main(["import-kubefate", str(source), "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert KEY not in {p["key"] for p in said["problems"]}
    assert any(KEY in command for command in said["secretCommands"])
    assert NOTEBOOK_HASH not in json.dumps(said)
