"""What fatectl tells a machine: the exit codes' contract and the review summary."""

from __future__ import annotations

from fate_iac.orchestrator import Outcome, StepChange
from fate_iac.report import SCHEMA, Exit, markdown


def test_the_exit_codes_are_the_documented_contract() -> None:
    assert {e.name: e.value for e in Exit} == {
        "OK": 0,
        "FAILED": 1,
        "USAGE": 2,
        "REFUSED": 3,
        "CHANGES": 4,
        "DRIFT": 5,
    }
    assert SCHEMA == "fatectl/v1"


def test_the_review_summary_names_what_changes_and_never_a_value() -> None:
    route = StepChange(
        "update",
        "kubernetes:helm.sh/v3:Release",
        "fate-9999-release",
        ("values.modules.rollsite.partyList[0].partyIp",),
    )
    outcomes = [
        Outcome("exchange", "exchange", state="up-to-date"),
        Outcome(
            "party9999",
            "party",
            changes=1,
            state="changes",
            steps=[route],
            violations=[
                "release-visibility [advisory] kubernetes:helm.sh/v3:Release: "
                "fate-9999-release: cannot see"
            ],
        ),
        Outcome(
            "party10000",
            "party",
            state="refused",
            violations=["nodeport-range [mandatory] x: nodePort 40000"],
        ),
    ]
    text = markdown("preview", outcomes)
    assert "| exchange | exchange | up-to-date | 0 | passed |" in text
    assert "| party9999 | party | changes | 1 | 1 advisory |" in text
    assert "| party10000 | party | refused | 0 | 1 mandatory |" in text
    assert (
        "| update | `kubernetes:helm.sh/v3:Release` fate-9999-release | "
        "`values.modules.rollsite.partyList[0].partyIp` |"
    ) in text
    assert "- policy: nodeport-range [mandatory] x: nodePort 40000" in text
    assert "### exchange" not in text  # nothing to say about it beyond its row
