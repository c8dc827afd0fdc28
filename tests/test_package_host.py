"""The package's provider answers a refused config with the stack program's report,
wherever the refusal surfaces (an end-to-end check: tests/e2e/test_package_e2e.py)."""

from __future__ import annotations

from pulumi.provider.server import ComponentInitError

from fate_iac.problems import ConfigError, Problem
from fate_pulumi.package_host import refusal

REFUSED = ConfigError("dev/party", [Problem(("namespace",), "dns-label", "'Bad_Name' is bad")])


def test_a_refusal_is_found_as_raised_or_as_the_sdk_wraps_it() -> None:
    assert refusal(REFUSED) is REFUSED
    # the SDK wraps whatever a component's constructor raises
    assert refusal(ComponentInitError(REFUSED)) is REFUSED


def test_a_refusal_is_found_behind_what_an_output_re_raised() -> None:
    try:
        try:
            raise REFUSED
        except ConfigError as error:
            raise RuntimeError("an output failed") from error
    except RuntimeError as outer:
        assert refusal(outer) is REFUSED


def test_any_other_failure_is_no_refusal() -> None:
    assert refusal(ValueError("provider bug")) is None
    assert refusal(ComponentInitError(KeyError("x"))) is None
    assert refusal(None) is None
