"""Every message is for a person: each command run on the failure fixtures
(tests/fixtures/failures/) says what failed in the operator's words (the file, the key,
the tool and how to get it, where a chart was looked for) and never Python's: no
exception class name, no ``<unicode string>``, no ``[Errno N]``, no pydantic internals."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from fate_iac.problems import said
from fatectl.main import main
from tests.conftest import PROJECT_DIR

FAILURES = Path(__file__).parent / "fixtures" / "failures"

PYTHON_INSIDE = {
    "an exception's class name": re.compile(r"\b[A-Z]\w*(Error|Exception)\b"),
    "a traceback": re.compile(r"Traceback \(most recent call last\)"),
    "PyYAML's name for a string": re.compile(r"<unicode string>"),
    "an errno": re.compile(r"\[Errno \d+\]"),
    "a union member in a key path": re.compile(
        r"\.(str|int|float|bool|dict|list|[A-Z]\w*Record|function-\w+)\b"
    ),
    "pydantic's words for a model": re.compile(r"instance of [A-Z]\w+|valid dictionary"),
    "pydantic's prefixes": re.compile(r"Input should be|Value error, |Extra inputs are not"),
    "pydantic's address": re.compile(r"errors\.pydantic\.dev|pydantic"),
}
"""What no output of fatectl may hold."""


@dataclass(frozen=True)
class Failure:
    """A command on a failure fixture: what it must say (regexes), its exit status."""

    name: str
    argv: tuple[str, ...]
    says: tuple[str, ...]
    code: int
    env: dict[str, str] = field(default_factory=dict)
    json: bool = True


CASES = [
    Failure(
        "a missing stack file names the file",
        ("validate", "-s", "party4242", "--project-dir", str(FAILURES)),
        (r"Pulumi\.party4242\.yaml does not exist",),
        3,
    ),
    Failure(
        "a missing cluster.yaml names the file",
        ("import-kubefate", str(FAILURES / "no-such-cluster.yaml")),
        (r"no-such-cluster\.yaml: no such file or directory",),
        1,
    ),
    Failure(
        "wrong types are said at the keys the file writes, rule problems beside them",
        ("validate", "-s", "party9999", "--project-dir", str(FAILURES / "types")),
        (
            r"fate:rollsite: should be a mapping \(key: value\) \(got 30091\) \[type\]",
            r"fate:peers\[0\]\.endpoints\.rollsite\.port: required key is missing",
            r"fate:mysql\.password: credentials must be Pulumi secrets",
            r"fate:fateboard\.password: not set",
        ),
        3,
    ),
    Failure(
        "a damaged ciphertext names its key",
        ("validate", "-s", "party9999", "--project-dir", str(FAILURES / "damaged-secret")),
        (
            r"fate:mysql\.password: does not decrypt with this stack's passphrase",
            r"pulumi config set --secret --path 'fate:fateboard\.password'",
        ),
        3,
        {"PULUMI_CONFIG_PASSPHRASE": "fate-example"},
    ),
    Failure(
        "a missing Pulumi CLI is named, with how to get it",
        ("history", "-s", "party9999", "--project-dir", str(PROJECT_DIR)),
        (r"the Pulumi CLI \(pulumi\) is not on PATH", r"install it \(https://"),
        1,
        {"PATH": "/nonexistent"},
    ),
    Failure(
        "a chart source that is not one says where it looked and how to look elsewhere",
        ("render", "-s", "party9999", "--project-dir", str(PROJECT_DIR)),
        (r"/nonexistent/charts is neither", r"--chart-repo, FATE_CHART_REPO or"),
        1,
        {"FATE_CHART_REPO": "/nonexistent/charts", "PULUMI_CONFIG_PASSPHRASE": "fate-example"},
    ),
    Failure(
        "a chart repository that cannot be reached: where, what it said, where else",
        ("render", "-s", "party9999", "--project-dir", str(PROJECT_DIR)),
        (r"cannot fetch fate v1\.11\.2 from http://127\.0\.0\.1:9 \(", r"--chart-repo"),
        1,
        {"FATE_CHART_REPO": "http://127.0.0.1:9", "PULUMI_CONFIG_PASSPHRASE": "fate-example"},
    ),
]

YAML_CASES = [
    Failure(
        "a YAML syntax error in a stack file: file, line, column",
        ("validate", "-s", "party9999", "--project-dir", str(FAILURES / "yaml-syntax")),
        (r"Pulumi\.party9999\.yaml:\d+:\d+: ",),
        3,
    ),
    Failure(
        "a YAML syntax error in a cluster.yaml: file, line, column",
        ("import-kubefate", str(FAILURES / "cluster-yaml" / "cluster.yaml")),
        (r"cluster\.yaml:\d+:\d+: ",),
        3,
        json=False,
    ),
]
"""YAML errors are reported with their place by the YAML limits' work (issue 27); until
it is merged these fail, and are marked so: strictly, so the mark goes when it lands."""


def python_inside(text: str) -> list[str]:
    return [what for what, pattern in PYTHON_INSIDE.items() if pattern.search(text)]


def run(
    failure: Failure, as_json: bool, capsys: pytest.CaptureFixture[str], mp: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    for name in ("PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE", "FATE_CHART_REPO"):
        mp.delenv(name, raising=False)
    for name, value in failure.env.items():
        mp.setenv(name, value)
    code = main([*failure.argv, *(["--json"] if as_json else [])])
    out, err = capsys.readouterr()
    return code, out, err


def check(failure: Failure, capsys: pytest.CaptureFixture[str], mp: pytest.MonkeyPatch) -> None:
    code, out, err = run(failure, False, capsys, mp)
    text = out + err
    assert python_inside(text) == [], text
    for pattern in failure.says:
        assert re.search(pattern, text), f"{pattern!r} not in:\n{text}"
    assert code == failure.code, text
    if failure.json:
        code, out, err = run(failure, True, capsys, mp)
        message = json.loads(out)["error"]["message"]
        assert python_inside(message) == [] and code == failure.code
        assert all(re.search(pattern, message) for pattern in failure.says), message


@pytest.mark.parametrize("failure", CASES, ids=[c.name for c in CASES])
def test_a_failure_is_said_in_the_operators_words(
    failure: Failure, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    check(failure, capsys, monkeypatch)


@pytest.mark.parametrize("failure", YAML_CASES, ids=[c.name for c in YAML_CASES])
def test_a_yaml_error_names_file_line_and_column(
    failure: Failure, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    check(failure, capsys, monkeypatch)


def test_the_patterns_catch_what_fatectl_used_to_say() -> None:
    """The patterns find the messages of issue 31, as fatectl printed them."""
    before = [
        'ParserError: while parsing a flow sequence\n  in "<unicode string>", line 3',
        "FileNotFoundError: [Errno 2] No such file or directory: 'pulumi'",
        "CommandError: \n code: 255",
        "PassphraseError: a secure value does not decrypt with this passphrase",
        "fate:peers[0].str: Input should be a valid string",
        "fate:peers[0].FederationRecord.endpoints.rollsite.port: required key is missing",
        "its federation record cannot be read: .FederationRecord.endpoint: Extra inputs",
        "fate:rollsite: Input should be a valid dictionary or instance of Rollsite (got 5)",
    ]
    assert all(python_inside(text) for text in before)


def test_validate_says_which_secrets_and_rules_went_unchecked(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE", raising=False)
    monkeypatch.delenv("PULUMI_CONFIG_PASSPHRASE_FILE", raising=False)
    code = main(["validate", "-s", "party9999", "--project-dir", str(PROJECT_DIR)])
    err = capsys.readouterr().err
    assert code == 0
    unread = "fate:mysql.password, fate:fateboard.password, fate:client.notebook_hashed_password"
    assert f"secrets not read ({unread})" in err
    assert "set PULUMI_CONFIG_PASSPHRASE" in err
    assert "skipped: default-credentials" in err
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "fate-example")
    assert main(["validate", "-s", "party9999", "--project-dir", str(PROJECT_DIR)]) == 0
    assert "secrets not read" not in capsys.readouterr().err


def test_an_error_is_said_without_its_class_or_errno() -> None:
    missing = FileNotFoundError(2, "No such file or directory", "cluster.yaml")
    assert said(missing) == "cluster.yaml: no such file or directory"
    assert said(RuntimeError("pulling the chart\n  took too long\n")) == "took too long"
    assert said(RuntimeError()) == "failed, and said nothing more"
