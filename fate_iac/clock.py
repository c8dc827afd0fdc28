"""The time now, in UTC: one place to read the clock, below every module that asks
(certificates issued, renewals due, a stack's age), so none imports another for it.

Renewal decisions may be made at another time: ``FATE_IAC_RENEWAL_TIME`` (ISO 8601)
is when ``federation status``, ``drift`` and ``up`` and the program take "now" to be
when they ask which certificates are due, to rehearse what a later day brings (a
certificate issued then is still valid from the real now)."""

from __future__ import annotations

import datetime
import os

RENEWAL_TIME_ENV = "FATE_IAC_RENEWAL_TIME"


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def renewal_now() -> datetime.datetime:
    """When renewals are decided: ``FATE_IAC_RENEWAL_TIME`` when set (a time without a
    zone is UTC), else now."""
    given = os.environ.get(RENEWAL_TIME_ENV, "").strip()
    if not given:
        return utc_now()
    try:
        found = datetime.datetime.fromisoformat(given)
    except ValueError:
        raise ValueError(
            f"{RENEWAL_TIME_ENV}={given!r} is not an ISO 8601 time (such as "
            "2027-01-31T12:00:00+00:00)"
        ) from None
    return found if found.tzinfo is not None else found.replace(tzinfo=datetime.UTC)
