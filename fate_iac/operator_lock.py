"""One operator at a time per federation: ``fatectl federation up`` and ``destroy`` hold
a lock in the backend for the whole run, a file beside the stacks' own locks saying who
holds it, where and since when (the stacks' locks only serialise one stack's runs; two
operators' converges would otherwise overwrite each other stack by stack).

A second run waits for it (``--wait``) or refuses, naming the holder. A lock whose
holder is gone (on this host, its process no longer runs) is taken over: moved aside
under a name of its own, checked to be the one judged gone, then replaced; a lock taken
on another host is never taken over (its process cannot be seen from here)."""

from __future__ import annotations

import contextlib
import datetime
import getpass
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from fate_iac.problems import FederationError
from fate_iac.recovery import Lock, lock_from_json, lock_is_stale, runs


class FederationLocked(FederationError):
    """Another run holds the federation's lock."""


def _content(command: str) -> bytes:
    return json.dumps(
        {
            "pid": os.getpid(),
            "username": getpass.getuser(),
            "hostname": socket.gethostname(),
            "timestamp": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "command": command,
        }
    ).encode()


def _read(path: Path) -> tuple[bytes, Lock] | None:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        content = json.loads(raw)
    except ValueError:
        content = {}
    return raw, lock_from_json(str(path), content)


def _take_over(path: Path, raw: bytes) -> bool:
    """Move the stale lock aside, if it is still the one read (``raw``); put back what
    another run wrote meanwhile."""
    aside = path.with_name(f"{path.name}.stale.{os.getpid()}")
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return True  # its holder (or another taker) removed it: try again
    if aside.read_bytes() == raw:
        aside.unlink()
        return True
    with contextlib.suppress(FileExistsError):
        os.link(aside, path)  # not the one judged gone: back where it was
    aside.unlink()
    return False


@contextmanager
def holding(
    path: Path,
    command: str,
    wait: float = 0.0,
    say: Callable[[str], None] = print,
    poll: float = 1.0,
    running: Callable[[int], bool] = runs,
) -> Iterator[Lock]:
    """The federation's lock at ``path`` for the run's length (``command``: what runs);
    waits up to ``wait`` seconds for another holder to end, else raises
    :class:`FederationLocked` naming it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            found = _read(path)
            if found is None:
                continue
            if not found[0]:  # its holder is writing it
                time.sleep(0.05)
                continue
            raw, lock = found
            if lock_is_stale(lock, socket.gethostname(), running(lock.pid)):
                if _take_over(path, raw):
                    say(f"took over the federation's lock from {lock.holder()}: that run is gone")
                continue
            held = json.loads(raw).get("command", "?") if raw.startswith(b"{") else "?"
            if time.monotonic() >= deadline:
                raise FederationLocked(
                    f"the federation is locked by {lock.holder()}, running `{held}` "
                    f"({path}); wait for it with --wait SECONDS, or once sure that run is "
                    f"gone, delete {path}"
                ) from None
            if not told:
                say(f"waiting for the federation's lock: held by {lock.holder()}, running `{held}`")
                told = True
            time.sleep(poll)
            continue
        with os.fdopen(descriptor, "wb") as out:
            out.write(_content(command))
        mine = _read(path)
        try:
            assert mine is not None
            yield mine[1]
        finally:
            path.unlink(missing_ok=True)
        return
