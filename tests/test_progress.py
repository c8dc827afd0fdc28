"""What an update waits for, said while it waits, and the verdict once a pod stays
unschedulable past the bound (through the real engine: tests/e2e/test_progress_e2e.py)."""

from __future__ import annotations

import threading
from typing import Any

from fate_iac.describe import Observed
from fate_iac.progress import Waits, follow, waiting

REASON = "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."


def statefulset(ready: int = 0) -> dict[str, Any]:
    return {
        "kind": "StatefulSet",
        "metadata": {"name": "mysql", "generation": 1, "labels": {"fateMoudle": "mysql"}},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "mysql"}}},
        "status": {"observedGeneration": 1, "readyReplicas": ready, "updatedReplicas": ready},
    }


def pod(scheduled: bool) -> dict[str, Any]:
    condition = (
        {"type": "PodScheduled", "status": "True"}
        if scheduled
        else {
            "type": "PodScheduled",
            "status": "False",
            "reason": "Unschedulable",
            "message": REASON,
        }
    )
    return {
        "metadata": {"name": "mysql-0", "labels": {"app": "mysql"}},
        "spec": {},
        "status": {"phase": "Pending", "conditions": [condition]},
    }


def test_a_workload_waiting_for_the_scheduler_is_named_with_its_reason() -> None:
    [found] = waiting("fate-9999", Observed([], [statefulset()], [pod(scheduled=False)]))
    assert found.line() == (
        "waiting for StatefulSet mysql in fate-9999: 0/1 ready; "
        f"pod mysql-0 unschedulable: {REASON}"
    )
    assert waiting("fate-9999", Observed([], [statefulset(ready=1)], [pod(scheduled=True)])) == []


def test_each_wait_is_said_once_and_an_unschedulable_pod_gives_up_after_the_bound() -> None:
    waits = Waits("party9999", bound=60)
    found = waiting("fate-9999", Observed([], [statefulset()], [pod(scheduled=False)]))
    lines, verdict = waits.see(found, now=100.0)
    assert lines == [f"party9999: {found[0].line()}"] and verdict is None
    assert waits.see(found, now=130.0) == ([], None)  # nothing new: nothing said
    _, verdict = waits.see(found, now=160.0)
    assert verdict == (
        "StatefulSet mysql in fate-9999 cannot run: pod mysql-0 stayed unschedulable for 60 s "
        f"(bound 60 s): {REASON}"
    )
    # Placed in between: the clock starts again.
    waits = Waits("party9999", bound=60)
    waits.see(found, now=100.0)
    placed = waiting("fate-9999", Observed([], [statefulset()], [pod(scheduled=True)]))
    assert waits.see(placed, now=130.0)[0] == [
        "party9999: waiting for StatefulSet mysql in fate-9999: 0/1 ready"
    ]
    assert waits.see(found, now=170.0)[1] is None


def test_follow_reads_until_done_and_gives_up_once() -> None:
    said: list[str] = []
    gave_up: list[str] = []
    times = iter(range(0, 1000, 10))
    done = threading.Event()
    follow(
        "party9999",
        ["fate-9999"],
        lambda _: Observed([], [statefulset()], [pod(scheduled=False)]),
        said.append,
        gave_up.append,
        done,
        bound=30,
        poll=0.001,
        clock=lambda: float(next(times)),
    )
    assert said == [
        f"  party9999: waiting for StatefulSet mysql in fate-9999: 0/1 ready; "
        f"pod mysql-0 unschedulable: {REASON}"
    ]
    assert len(gave_up) == 1 and "stayed unschedulable for 30 s" in gave_up[0]
