"""The runner of ``fatectl federation`` against a stand-in ``pulumi`` executable that
answers as the CLI does (the real CLI drives it in tests/e2e): what it asks the CLI, and
what it makes of the answers (steps from the event log, outputs from the exported
state, the last update's result)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from fate_iac.orchestrator import EngineError
from fate_iac.secrets import Decrypter
from fate_pulumi.automation import SECRET_KIND, SECRET_SIGNATURE, AutomationRunner
from tests.conftest import EXAMPLE_PASSPHRASE

FAKE_CLI = """#!{python}
import json, sys
args = sys.argv[1:]
with open({calls!r}, "a") as calls:
    calls.write(json.dumps(args) + "\\n")
answers = json.loads(open({answers!r}).read())
words = [a for a in args if not a.startswith("-")]
if args == ["version"]:
    print("v3.272.0")
elif words[:2] == ["stack", "ls"]:
    print(json.dumps([{{"name": name, "current": False}} for name in answers["stacks"]]))
elif words[:2] == ["stack", "export"]:
    print(json.dumps(answers["export"]))
elif words[:2] == ["stack", "output"]:
    print(json.dumps(answers["output"]))
elif words[:2] == ["stack", "history"]:
    print(json.dumps(answers["history"]))
elif words[:1] in (["up"], ["preview"]):
    log = args[args.index("--event-log") + 1]
    with open(log, "w") as events:
        for event in answers["events"]:
            events.write((event if isinstance(event, str) else json.dumps(event)) + "\\n")
    print("Updating (" + args[args.index("--stack") + 1] + "):")
    sys.exit(answers.get(words[0] + "_code", answers.get("code", 0)))
"""


def step(op: str, kind: str, name: str) -> dict[str, Any]:
    urn = f"urn:pulumi:party10000::fate::{kind}::{name}"
    return {
        "sequence": 1,
        "timestamp": 1,
        "resourcePreEvent": {
            "metadata": {"op": op, "urn": urn, "type": kind, "provider": "", "diffs": ["values"]}
        },
    }


SUMMARY = {
    "sequence": 9,
    "timestamp": 2,
    "summaryEvent": {
        "maybeCorrupt": False,
        "durationSeconds": 1,
        "resourceChanges": {"update": 1},
        "policyPacks": {},
    },
}


class Fake:
    def __init__(
        self, tmp_path: Path, answers: dict[str, Any], policy_packs: list[str] | None = None
    ) -> None:
        root = tmp_path / "pulumi"
        (root / "bin").mkdir(parents=True)
        self.calls_file, self.answers_file = tmp_path / "calls", tmp_path / "answers"
        self.answers_file.write_text(json.dumps(answers))
        cli = root / "bin" / "pulumi"
        cli.write_text(
            FAKE_CLI.format(
                python=sys.executable, calls=str(self.calls_file), answers=str(self.answers_file)
            )
        )
        cli.chmod(0o755)
        self.said: list[str] = []
        self.runner = AutomationRunner(
            tmp_path, {}, root, say=self.said.append, policy_packs=policy_packs
        )

    def calls(self) -> list[list[str]]:
        return [json.loads(line) for line in self.calls_file.read_text().splitlines()]


def test_an_update_is_one_run_of_the_cli_its_steps_from_the_event_log(tmp_path: Path) -> None:
    events = [
        step("same", "pulumi:pulumi:Stack", "fate-party10000"),
        step("update", "kubernetes:helm.sh/v3:Release", "fate-10000-release"),
        step("read", "pulumi:pulumi:StackReference", "exchange"),
        SUMMARY,
    ]
    fake = Fake(tmp_path, {"stacks": ["party10000"], "events": events})
    assert fake.runner.up("party10000", {"FATE_INPUTS_DIGEST": "d"}) == 1
    [change] = fake.runner.last("party10000").steps
    assert (change.op, change.name, change.keys) == ("update", "fate-10000-release", ("values",))
    ran = [[a for a in c if a != "--non-interactive"] for c in fake.calls() if c != ["version"]]
    assert [c[:2] for c in ran] == [["stack", "ls"], ["up", "--yes"]]  # not selected first
    up = ran[-1]
    assert up[up.index("--stack") + 1] == "party10000" and "--skip-preview" in up
    assert up[up.index("--exec-kind") + 1] == "auto.local"


def verb(call: list[str]) -> str:
    return next((a for a in call if not a.startswith("-")), "")


def test_with_a_policy_pack_every_update_is_previewed_with_it_first(tmp_path: Path) -> None:
    """Stack policies run only after an update's changes: each update is previewed with
    the pack first, and a refused preview leaves the stack unchanged (no up runs)."""
    events = [step("update", "kubernetes:helm.sh/v3:Release", "fate-10000-release"), SUMMARY]
    answers = {"stacks": ["party10000"], "events": events}
    fake = Fake(tmp_path, answers, policy_packs=["/packs/fate"])
    assert fake.runner.up("party10000", {"FATE_INPUTS_DIGEST": "d"}) == 1
    ran = [c for c in fake.calls() if verb(c) in ("preview", "up")]
    assert [verb(c) for c in ran] == ["preview", "up"]
    assert all(c[c.index("--policy-pack") + 1] == "/packs/fate" for c in ran)
    fake.answers_file.write_text(json.dumps({**answers, "preview_code": 255}))
    with pytest.raises(EngineError):
        fake.runner.up("party10000", {})
    assert [verb(c) for c in fake.calls() if verb(c) in ("preview", "up")][2:] == ["preview"]


def test_a_run_without_its_summary_is_a_failure_not_no_change(tmp_path: Path) -> None:
    events = [step("update", "kubernetes:helm.sh/v3:Release", "r"), "{not json"]
    fake = Fake(tmp_path, {"stacks": ["party10000"], "events": events})
    with pytest.raises(EngineError, match="ended without its summary event") as failed:
        fake.runner.preview("party10000", {})
    assert isinstance(failed.value.__cause__, auto.CommandError)
    assert any("not understood" in line for line in fake.said)


SALT = Decrypter.new_salt(EXAMPLE_PASSPHRASE)


def sealed(value: Any) -> dict[str, str]:
    """A secret as a passphrase-encrypted state stores it."""
    ciphertext = Decrypter(EXAMPLE_PASSPHRASE, SALT).encrypt(json.dumps(value))
    return {SECRET_SIGNATURE: SECRET_KIND, "ciphertext": ciphertext}


def test_outputs_come_from_the_exported_state_secrets_revealed_and_marked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the outputs' secrets are decrypted: the state is exported as stored (no
    --show-secrets, which decrypts all of it: a CA's key, release credentials), and a
    secret elsewhere in it is never opened (this one would not open)."""
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", EXAMPLE_PASSPHRASE)
    record = {"partyId": 10000, "endpoints": {"rollsite": {"host": "10.0.0.1", "port": 1}}}
    unopenable = {SECRET_SIGNATURE: SECRET_KIND, "ciphertext": "v1:AAAA:not-a-ciphertext"}
    export = {
        "version": 3,
        "deployment": {
            "secrets_providers": {"type": "passphrase", "state": {"salt": SALT}},
            "resources": [
                {"type": "pulumi:providers:kubernetes", "outputs": {"version": "4.34.2"}},
                {"type": "kubernetes:core/v1:Secret", "inputs": {"stringData": unopenable}},
                {
                    "type": "pulumi:pulumi:Stack",
                    "outputs": {"federation": record, "inputs": sealed("digest-1")},
                },
            ],
        },
    }
    history = [{"kind": "update", "result": "succeeded"}]
    fake = Fake(tmp_path, {"stacks": [], "export": export, "history": history})
    published = fake.runner.published("party10000")
    assert (published.record, published.secret, published.inputs) == (record, False, "digest-1")
    assert fake.runner.outputs("party10000") == {"federation": record, "inputs": "[secret]"}
    assert not any("--show-secrets" in call for call in fake.calls())

    fake.answers_file.write_text(
        json.dumps(
            {
                "stacks": [],
                "export": export,
                "history": [{"kind": "refresh", "result": "succeeded"}],
            }
        )
    )
    assert fake.runner.published("party10000").inputs is None  # a refresh came after it
    fake.answers_file.write_text(
        json.dumps({"stacks": [], "export": {"version": 3, "deployment": {}}, "history": []})
    )
    assert fake.runner.published("party10000").record is None  # never deployed


def test_another_providers_outputs_are_decrypted_by_the_cli_and_only_they(
    tmp_path: Path,
) -> None:
    """A KMS-encrypted state cannot be opened here: the CLI's ``stack output`` decrypts
    the outputs (and nothing else), the export says which are secret."""
    secret = {SECRET_SIGNATURE: SECRET_KIND, "ciphertext": "AQICAHh-kms"}
    export = {
        "version": 3,
        "deployment": {
            "secrets_providers": {"type": "cloud", "state": {"url": "awskms://alias/fate"}},
            "resources": [
                {"type": "pulumi:pulumi:Stack", "outputs": {"federation": secret, "ns": "f"}}
            ],
        },
    }
    record = {"partyId": 10000}
    answers = {"stacks": [], "export": export, "output": {"federation": record, "ns": "f"}}
    fake = Fake(tmp_path, answers)
    assert fake.runner.record("party10000") == (record, True)
    asked = [c for c in fake.calls() if [a for a in c if a[:1] != "-"][:2] == ["stack", "output"]]
    assert len(asked) == 1 and "--show-secrets" in asked[0]
    exported = [c for c in fake.calls() if "export" in c]
    assert exported and not any("--show-secrets" in c for c in exported)
