"""The time now, in UTC: one place to read the clock, below every module that asks
(certificates issued, renewals due, a stack's age), so none imports another for it."""

from __future__ import annotations

import datetime


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)
