"""One operator at a time per federation: ``fatectl federation up`` and ``destroy`` hold
a lock in the backend for the whole run, beside the stacks' own locks, saying who holds
it, where and since when (the stacks' locks only serialise one stack's runs; two
operators' converges would otherwise overwrite each other stack by stack): a file in a
``file://`` backend, an object in an ``s3://`` one (:mod:`fate_iac.lock_store`).

A second run waits for it (``--wait``) or refuses, naming the holder. A lock whose
holder is gone (on this host, its process no longer runs) is taken over: replaced only
while it is still the one judged gone; a lock taken on another host is never taken over
(its process cannot be seen from here)."""

from __future__ import annotations

import datetime
import getpass
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fate_iac.lock_store import FileLocks, LockStore
from fate_iac.problems import FederationError
from fate_iac.recovery import Lock, lock_from_json, lock_is_stale, runs


class FederationLocked(FederationError):
    """Another run holds the federation's lock."""


@dataclass(frozen=True)
class LockAt:
    """The federation's lock: its key in a backend's lock store."""

    store: LockStore
    key: str

    def where(self) -> str:
        return self.store.where(self.key)


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


def _read(place: LockAt) -> tuple[bytes, str, Lock] | None:
    found = place.store.read(place.key)
    if found is None:
        return None
    raw, token = found
    try:
        content = json.loads(raw)
    except ValueError:
        content = {}
    return raw, token, lock_from_json(place.where(), content)


@contextmanager
def holding(
    place: LockAt | Path,
    command: str,
    wait: float = 0.0,
    say: Callable[[str], None] = print,
    poll: float = 1.0,
    running: Callable[[int], bool] = runs,
) -> Iterator[Lock]:
    """The federation's lock at ``place`` (a key in a backend's lock store, or a file's
    path) for the run's length (``command``: what runs); waits up to ``wait`` seconds
    for another holder to end, else raises :class:`FederationLocked` naming it."""
    if isinstance(place, Path):
        place = LockAt(FileLocks(place.parent), place.name)
    where = place.where()
    deadline = time.monotonic() + wait
    told = False
    content = _content(command)
    while not place.store.create(place.key, content):
        found = _read(place)
        if found is None:
            continue  # its holder released it: try again
        raw, token, lock = found
        if not raw:  # its holder is writing it
            time.sleep(0.05)
            continue
        if lock_is_stale(lock, socket.gethostname(), running(lock.pid)):
            if place.store.replace(place.key, token, content):
                say(f"took over the federation's lock from {lock.holder()}: that run is gone")
                break
            continue
        held = json.loads(raw).get("command", "?") if raw.startswith(b"{") else "?"
        if time.monotonic() >= deadline:
            raise FederationLocked(
                f"the federation is locked by {lock.holder()}, running `{held}` "
                f"({where}); wait for it with --wait SECONDS, or once sure that run is "
                f"gone, delete {where}"
            )
        if not told:
            say(f"waiting for the federation's lock: held by {lock.holder()}, running `{held}`")
            told = True
        time.sleep(poll)
    try:
        yield lock_from_json(where, json.loads(content))
    finally:
        place.store.delete(place.key)
