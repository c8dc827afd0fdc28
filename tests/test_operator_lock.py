"""The federation's lock, with real files and real processes: a second run refuses
naming the holder, or waits for it; a lock whose process is gone is taken over; one
taken on another host is not."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from fate_iac.operator_lock import FederationLocked, holding


def test_a_second_run_refuses_naming_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "locks" / "fate.json"
    with holding(path, "fatectl federation up") as mine:
        assert mine.host == socket.gethostname()
        held = json.loads(path.read_text())
        assert held["command"] == "fatectl federation up"
        # The holder is this test's process, whose command line does not say fatectl:
        # it is told to count as running.
        with (
            pytest.raises(FederationLocked) as refused,
            holding(path, "fatectl federation destroy", running=lambda pid: True),
        ):
            pass
    message = str(refused.value)
    assert message.startswith(f"the federation is locked by {mine.holder()}, running ")
    assert "`fatectl federation up`" in message and "--wait SECONDS" in message
    assert not path.exists()  # released at the end of the run


def test_a_second_run_waits_for_the_lock_with_wait(tmp_path: Path) -> None:
    path = tmp_path / "fate.json"
    said: list[str] = []
    first = holding(path, "fatectl federation up")
    first.__enter__()
    threading.Timer(0.5, lambda: first.__exit__(None, None, None)).start()
    started = time.monotonic()
    with holding(path, "fatectl federation up", 10, said.append, 0.1, lambda pid: True):
        waited = time.monotonic() - started
    assert 0.4 < waited < 5
    assert said[0].startswith("waiting for the federation's lock: held by ")


def test_a_lock_whose_process_is_gone_is_taken_over(tmp_path: Path) -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    pid = int(gone.stdout)
    path = tmp_path / "fate.json"
    stale = {
        "pid": pid,
        "username": "ci",
        "hostname": socket.gethostname(),
        "timestamp": "t",
        "command": "fatectl federation up",
    }
    path.write_text(json.dumps(stale))
    said: list[str] = []
    with holding(path, "fatectl federation destroy", say=said.append) as mine:
        assert json.loads(path.read_text())["command"] == "fatectl federation destroy"
    assert said == [
        f"took over the federation's lock from ci@{socket.gethostname()} (pid {pid}) "
        "since t: that run is gone"
    ]
    assert mine.pid != pid


def test_a_lock_taken_on_another_host_is_never_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "fate.json"
    other = {"pid": 1, "username": "ci", "hostname": "runner-7", "timestamp": "t", "command": "x"}
    path.write_text(json.dumps(other))
    with (
        pytest.raises(FederationLocked, match=r"locked by ci@runner-7 \(pid 1\) since t"),
        holding(path, "fatectl federation up", running=lambda pid: False),
    ):
        pass
    assert json.loads(path.read_text()) == other
