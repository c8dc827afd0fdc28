"""What ``fatectl history`` shows: a stack's Pulumi updates, as ``kubefate job list``
shows KubeFATE's jobs. Pure: the entries come as the Pulumi CLI's ``stack history`` gives
them (``version``, ``kind``, ``startTime``, ``endTime``, ``result``, ``resourceChanges``).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

_ORDER = ("create", "update", "replace", "delete", "same")


@dataclass(frozen=True)
class Update:
    number: int
    kind: str
    start: str
    duration_s: float | None
    result: str
    changes: dict[str, int]
    """Resources by operation (create, update, replace, delete, same), as Pulumi keeps them."""

    def line(self) -> str:
        took = f"{self.duration_s:.1f}s" if self.duration_s is not None else "-"
        changed = ", ".join(f"{op} {n}" for op, n in self.changes.items() if op != "same")
        same = self.changes.get("same", 0)
        return (
            f"#{self.number:<4} {self.kind:<8} {self.start:<20} {took:>8}  {self.result:<10} "
            f"{changed or 'no change'}{f' ({same} unchanged)' if same else ''}"
        )


def _time(value: Any) -> datetime.datetime | None:
    if not value:
        return None
    if isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def update_of(entry: Mapping[str, Any]) -> Update:
    start, end = _time(entry.get("startTime")), _time(entry.get("endTime"))
    changes = {str(op): int(n) for op, n in (entry.get("resourceChanges") or {}).items()}
    ordered = {op: changes[op] for op in _ORDER if op in changes}
    ordered.update({op: n for op, n in changes.items() if op not in ordered})
    return Update(
        number=int(entry.get("version", 0)),
        kind=str(entry.get("kind", "")),
        start=start.strftime("%Y-%m-%d %H:%M:%S") if start else "-",
        duration_s=(end - start).total_seconds() if start and end else None,
        result=str(entry.get("result", "")),
        changes=ordered,
    )


def history(entries: Sequence[Mapping[str, Any]]) -> list[Update]:
    """The updates, newest first. Backends that do not number updates (a file backend
    gives every one version 0) have them numbered here, oldest 1, as the service does."""
    numbers = [int(e.get("version") or 0) for e in entries]
    if 0 in numbers or len(set(numbers)) != len(numbers):
        oldest_first = sorted(entries, key=lambda e: str(_time(e.get("startTime")) or ""))
        entries = [{**e, "version": n} for n, e in enumerate(oldest_first, 1)]
    return sorted((update_of(e) for e in entries), key=lambda u: u.number, reverse=True)


def as_json(updates: Sequence[Update]) -> str:
    return json.dumps([asdict(u) for u in updates], indent=2)
