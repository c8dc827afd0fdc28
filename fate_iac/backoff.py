"""Transient backend errors, retried with backoff and said.

A state backend is a file system or an object store that other runs write at the same
time: listing a file backend while another update renames its state file fails with
``list bucket: blob (code=NotFound): lstat ....json.<hash>.tmp: no such file or
directory``; an object store answers 503 or "slow down" under load; a network drops a
connection. Each says nothing about the stack, and the same command a moment later
succeeds. Which errors are such is decided here from the engine's message (one list,
tested); the runner retries those, a bounded number of times, saying each retry.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

BACKEND = (
    # A file backend listed while another run renames a state file.
    r"list bucket: blob \(code=NotFound\)",
    r"could not list bucket",
    r"\.json(\.gz|\.zst)?\.[0-9a-f]+\.tmp: no such file or directory",
    # Object stores and HTTP backends under load or restarting.
    r"\b(429|500|502|503|504)\b[^\n]*(Too Many Requests|Internal Server Error|Bad Gateway"
    r"|Service Unavailable|Gateway Timeout)",
    r"SlowDown|RequestTimeout|ServiceUnavailable|TooManyRequests",
)
"""What a state backend says when it fails for a moment (regular expressions): an
update that failed so did nothing the next one would not redo."""
NETWORK = (r"connection reset by peer|i/o timeout|TLS handshake timeout|unexpected EOF",)
"""A connection that dropped: retried for a read only (an update may have been
waiting on a cluster, which says the same)."""
DELAYS = (1.0, 2.0, 4.0, 8.0)
"""Seconds before each retry: four retries, 15 s at most in all."""


def transient(message: str, read: bool = True) -> bool:
    """Whether an error the engine reported is a backend's passing failure (for a
    ``read``, a dropped connection too)."""
    patterns = (*BACKEND, *NETWORK) if read else BACKEND
    return any(re.search(pattern, message) for pattern in patterns)


def retried(
    act: Callable[[], T],
    what: str,
    say: Callable[[str], None],
    message: Callable[[BaseException], str] = str,
    delays: Sequence[float] = DELAYS,
    sleep: Callable[[float], None] = time.sleep,
    read: bool = True,
) -> T:
    """``act()``, again after each of ``delays`` while it fails with a transient error
    (read by ``message``; ``read``: a read, which a dropped connection may fail too),
    saying so each time; its last error when none is left, or at once for any other
    error."""
    for attempt, delay in enumerate([*delays, None], 1):
        try:
            return act()
        except Exception as error:
            found = message(error)
            if delay is None or not transient(found, read):
                raise
            first = next((line for line in found.splitlines() if transient(line, read)), found)
            say(
                f"{what}: the backend failed for a moment ({first.strip()[:200]}); "
                f"retry {attempt} of {len(delays)} in {delay:.0f} s"
            )
            sleep(delay)
    raise AssertionError("unreachable")  # the loop returns or raises
