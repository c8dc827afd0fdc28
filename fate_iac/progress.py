"""What a stack's update is waiting for, said while it waits, and when to stop waiting.

A Helm release waits (up to its timeout, 900 s by default) for its workloads to become
ready. While it does, the cluster says what it waits for: each workload's ready pods,
and for a pod the scheduler cannot place, the scheduler's reason ("0/3 nodes are
available: 3 Insufficient cpu"). :class:`Waits` turns what the cluster holds, read
again and again, into lines worth saying (only when something changed) and, once a pod
has stayed unschedulable longer than a bound, a verdict naming the workload and the
reason: no waiting out a timeout for a pod that will never run.

The reading of the cluster and the cancelling of the update are the caller's
(:func:`follow`, given both).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from fate_iac.describe import ModuleState, Observed, module_state

UNSCHEDULABLE_SECONDS = 180.0
"""How long a pod may stay unschedulable before its update is stopped: long enough for a
cluster autoscaler to add a node, far short of a release's timeout."""
POLL_SECONDS = 5.0


@dataclass(frozen=True)
class Waiting:
    """A workload not ready yet: where, how many pods are ready, and the pods the
    scheduler cannot place with its reason."""

    namespace: str
    module: ModuleState
    unschedulable: tuple[tuple[str, str], ...] = ()

    def line(self) -> str:
        found = (
            f"waiting for {self.module.kind} {self.module.name} in {self.namespace}: "
            f"{self.module.ready} ready"
        )
        for pod, reason in self.unschedulable:
            found += f"; pod {pod} unschedulable: {reason}"
        return found


def waiting(namespace: str, observed: Observed) -> list[Waiting]:
    """The workloads of ``namespace`` not ready (nor complete) yet."""
    found = []
    for workload in observed.workloads:
        module = module_state(workload, observed.pods)
        if module.condition in ("ready", "complete"):
            continue
        unschedulable = tuple((p.name, p.reason) for p in module.pods if p.reason)
        found.append(Waiting(namespace, module, unschedulable))
    return sorted(found, key=lambda w: (w.namespace, w.module.kind, w.module.name))


@dataclass
class Waits:
    """A stack's waits, seen again and again: what to say, and when to give up."""

    stack: str
    bound: float = UNSCHEDULABLE_SECONDS
    said: set[str] = field(default_factory=set)
    since: dict[tuple[str, str], float] = field(default_factory=dict)
    """When each pod (namespace, name) was first seen unschedulable, while it stays so."""

    def see(self, found: Iterable[Waiting], now: float) -> tuple[list[str], str | None]:
        """The lines not said yet, and a verdict once a pod stayed unschedulable past
        the bound (the workload, its namespace, the pod, for how long, the reason)."""
        found = list(found)
        lines = [w.line() for w in found]
        new = [f"{self.stack}: {line}" for line in lines if line not in self.said]
        self.said = set(lines)
        placed = {(w.namespace, pod) for w in found for pod, _ in w.unschedulable}
        self.since = {key: at for key, at in self.since.items() if key in placed}
        verdict = None
        for wait in found:
            for pod, reason in wait.unschedulable:
                first = self.since.setdefault((wait.namespace, pod), now)
                if verdict is None and now - first >= self.bound:
                    verdict = (
                        f"{wait.module.kind} {wait.module.name} in {wait.namespace} cannot "
                        f"run: pod {pod} stayed unschedulable for {now - first:.0f} s "
                        f"(bound {self.bound:.0f} s): {reason}"
                    )
        return new, verdict


def follow(
    stack: str,
    namespaces: list[str],
    read: Callable[[str], Observed],
    say: Callable[[str], None],
    give_up: Callable[[str], None],
    done: threading.Event,
    bound: float = UNSCHEDULABLE_SECONDS,
    poll: float = POLL_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Until ``done``: read ``namespaces`` every ``poll`` seconds, say what changed in
    what the update waits for, and ``give_up`` with the verdict when a pod stays
    unschedulable past ``bound``. A namespace that cannot be read is skipped (the
    update itself says what is wrong with the cluster)."""
    waits = Waits(stack, bound)
    while not done.wait(poll):
        found: list[Waiting] = []
        for namespace in namespaces:
            try:
                found += waiting(namespace, read(namespace))
            except Exception:  # the cluster away for a moment: the next poll reads again
                continue
        lines, verdict = waits.see(found, clock())
        for line in lines:
            say(f"  {line}")
        if verdict is not None:
            give_up(verdict)
            return
