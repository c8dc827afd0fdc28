"""Transient backend errors are retried with backoff and said; any other fails at once."""

from __future__ import annotations

import pytest

from fate_iac.backoff import retried, transient

RACE = (
    "error: list bucket: blob (code=NotFound): lstat /tmp/b/.pulumi/stacks/fate/"
    "party1010.json.81d2c3a4.tmp: no such file or directory"
)


def test_what_a_backend_says_for_a_moment_is_transient() -> None:
    assert transient(RACE)
    assert transient("error: 503 Service Unavailable: SlowDown")
    assert transient("read tcp 10.0.0.2:443: connection reset by peer")
    assert not transient("error: the stack is currently locked by 1 lock(s)")
    assert not transient("kubernetes:helm.sh/v3:Release fate-9999: failed to become available")
    assert not transient("error: no stack named 'party9999' found")
    # An update is retried for the backend's failures only: a cluster drops connections too.
    assert transient(RACE, read=False)
    assert not transient("read tcp 10.0.0.2:443: connection reset by peer", read=False)


def test_a_transient_error_is_retried_with_backoff_and_said() -> None:
    calls: list[int] = []
    slept: list[float] = []
    said: list[str] = []

    def listing() -> list[str]:
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError(RACE)
        return ["exchange"]

    assert retried(listing, "pulumi stack ls", said.append, sleep=slept.append) == ["exchange"]
    assert slept == [1.0, 2.0]
    assert said[0].startswith(
        "pulumi stack ls: the backend failed for a moment (error: list bucket"
    )
    assert said[1].endswith("retry 2 of 4 in 2 s")


def test_retries_are_bounded_and_other_errors_fail_at_once() -> None:
    slept: list[float] = []

    def racing() -> None:
        raise RuntimeError(RACE)

    with pytest.raises(RuntimeError, match="list bucket"):
        retried(racing, "x", lambda _: None, sleep=slept.append)
    assert slept == [1.0, 2.0, 4.0, 8.0]

    def locked() -> None:
        raise RuntimeError("the stack is currently locked")

    slept.clear()
    with pytest.raises(RuntimeError, match="locked"):
        retried(locked, "x", lambda _: None, sleep=slept.append)
    assert slept == []
