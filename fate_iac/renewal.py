"""Time is an input: a stack whose certificates (or CA) entered their renewal window
must be updated, though nothing it was made from changed.

A stack publishes when its CA and each certificate Secret expire (its ``certificates``
output, ISO 8601); its config says how long before expiry they are re-issued
(``tls.renewBeforeHours``), which the program does on the next update
(:func:`fate_iac.tls.replacements`). Whatever ``federation up``, ``status`` and ``drift``
decide about renewal comes from here, so a certificate one of them calls due is the one
the program re-issues.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from fate_iac.config import StackConfig
from fate_iac.kinds import kind_of
from fate_iac.tls import due


def renew_before_hours(cfg: StackConfig) -> int | None:
    """How long before expiry a stack's certificates are re-issued; None for a stack
    that issues none."""
    issuing = kind_of(cfg).issuing(cfg)
    return issuing.options.renewBeforeHours if issuing is not None else None


def due_certificates(
    cfg: StackConfig,
    expiries: Mapping[str, Any] | None,
    now: datetime.datetime | None = None,
) -> dict[str, str]:
    """The certificates of a stack's ``certificates`` output (``expiries``: name ->
    notAfter) inside their renewal window now, with their expiry; none for a stack
    that issues none."""
    window = renew_before_hours(cfg)
    if window is None or not isinstance(expiries, Mapping):
        return {}
    return {
        str(name): str(not_after)
        for name, not_after in sorted(expiries.items())
        if isinstance(not_after, str) and not_after and due(not_after, window, now)
    }


def describe(found: Mapping[str, str]) -> str:
    """``ca (expires 2027-01-31), rollsite-tls (expires ...)``."""
    return ", ".join(f"{name} (expires {not_after[:16]})" for name, not_after in found.items())
