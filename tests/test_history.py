"""fatectl history: a stack's updates as Pulumi's history keeps them."""

from __future__ import annotations

import json

from fate_iac.history import as_json, history

ENTRIES = [  # as `pulumi stack history --json` (and the Automation API) give them
    {
        "version": 1,
        "kind": "update",
        "result": "succeeded",
        "startTime": "2026-11-28T18:30:01Z",
        "endTime": "2026-11-28T18:30:43Z",
        "resourceChanges": {"create": 4},
    },
    {
        "version": 2,
        "kind": "update",
        "result": "failed",
        "startTime": "2026-11-28T18:35:00Z",
        "endTime": "2026-11-28T18:36:00.500000Z",
        "resourceChanges": {"same": 3, "update": 1},
    },
    {
        "version": 3,
        "kind": "destroy",
        "result": "succeeded",
        "startTime": "2026-11-28T18:40:00Z",
        "endTime": "2026-11-28T18:40:12Z",
        "resourceChanges": {"delete": 4},
    },
]


def test_updates_are_listed_newest_first_with_their_duration_and_changes() -> None:
    updates = history(ENTRIES)
    assert [u.number for u in updates] == [3, 2, 1]
    assert [u.kind for u in updates] == ["destroy", "update", "update"]
    assert updates[1].duration_s == 60.5 and updates[1].result == "failed"
    assert updates[1].changes == {"update": 1, "same": 3}
    assert updates[2].line() == (
        "#1    update   2026-11-28 18:30:01     42.0s  succeeded  create 4"
    )
    assert updates[1].line().endswith("failed     update 1 (3 unchanged)")


def test_an_update_still_running_has_no_duration() -> None:
    [update] = history(
        [
            {
                "version": 4,
                "kind": "update",
                "result": "in-progress",
                "startTime": "2026-11-28T18:50:00Z",
            }
        ]
    )
    assert update.duration_s is None and "       -  in-progress" in update.line()


def test_json_keeps_every_field() -> None:
    [newest, *_] = json.loads(as_json(history(ENTRIES)))
    assert newest == {
        "number": 3,
        "kind": "destroy",
        "start": "2026-11-28 18:40:00",
        "duration_s": 12.0,
        "result": "succeeded",
        "changes": {"delete": 4},
    }


def test_a_backend_that_does_not_number_updates_gets_them_numbered_by_time() -> None:
    unnumbered = [{**e, "version": 0} for e in reversed(ENTRIES)]
    assert [(u.number, u.kind) for u in history(unnumbered)] == [
        (3, "destroy"),
        (2, "update"),
        (1, "update"),
    ]
