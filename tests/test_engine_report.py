"""The Pulumi CLI's report of a run, read behind the runner (fate_pulumi.engine_report);
tests/test_orchestrator.py drives the orchestrator with failures read the same way."""

from __future__ import annotations

from fate_pulumi.engine_report import policy_violations
from tests.test_orchestrator import REFUSED_PREVIEW


def test_policy_violations_are_read_from_the_engines_report() -> None:
    assert policy_violations(REFUSED_PREVIEW) == [
        "nodeport-range [mandatory] kubernetes:helm.sh/v3:Release: fate-9999-release: Service "
        "fate-9999/rollsite in release fate-9999 (fate v1.11.2): nodePort 40000 is outside the "
        "allowed range 30000-32767",
        "release-visibility [advisory] kubernetes:helm.sh/v3:Release: other: release other "
        "(fate v1.11.2): the policies cannot see its objects: its chart cannot be had",
    ]
    assert policy_violations("error: update failed") == []
