"""The charts' well-known credentials: one table, read by the stack rules
(:mod:`fate_iac.rules`, a stack's config) and the policy pack (``policies/``, any
release's values). Light on imports, so the pack stays cheap to start."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fate_iac.charts import value_at

RABBITMQ_BROKER_LOGIN = "fate"
"""The user and password of the fate chart's RabbitMQ broker: its Deployment sets them
as they are, whatever rabbitmq.user and rabbitmq.password say."""


Path = tuple[str, ...]


@dataclass(frozen=True)
class WellKnownCredential:
    """A credential a chart ships with a published value, and how its templates read it."""

    chart: str
    name: str
    """What it is, as a message names it."""
    known: str
    """The published value."""
    read: tuple[Path, ...]
    """The values the templates read it from, first set one wins (``a | default b``)."""
    fallback: str | None
    """What the templates write when none is set (``| default "x"``, or hard-coded)."""
    used_when: tuple[Path, ...]
    """Values flags of the modules using it: in use when any is on."""
    config: tuple[Path, ...] = ()
    """Where a party stack's config sets it (``fate:<path>``)."""

    def in_use(self, values: Mapping[str, Any]) -> str | None:
        """The value the rendered objects hold, from the values the chart renders with
        (its defaults under the release's), or None when no module using it renders."""
        if not any(_truthy(value_at(values, flag)) for flag in self.used_when):
            return None
        for path in self.read:
            value = value_at(values, path)
            if _truthy(value):
                return str(value)
        return self.fallback


def _truthy(value: Any) -> bool:
    """As Go templates see it: nil, false, 0 and empty are false."""
    return bool(value)


WELL_KNOWN_CREDENTIALS = (
    WellKnownCredential(
        "fate",
        "the MySQL password",
        "fate_dev",
        read=(("externalMysqlPassword",), ("modules", "mysql", "password")),
        fallback="fate_dev",
        used_when=(
            ("modules", "mysql", "include"),
            ("modules", "python", "include"),
            ("modules", "clustermanager", "include"),
        ),
        config=(("externalMysqlPassword",), ("mysql", "password")),
    ),
    WellKnownCredential(
        "fate",
        "FATE-Board's password",
        "admin",
        read=(("modules", "fateboard", "password"),),
        fallback=None,
        used_when=(("modules", "fateboard", "include"),),
        config=(("fateboard", "password"),),
    ),
    WellKnownCredential(
        "fate",
        "the RabbitMQ broker's password (set in its Deployment, whatever the values say)",
        RABBITMQ_BROKER_LOGIN,
        read=(),
        fallback=RABBITMQ_BROKER_LOGIN,
        used_when=(("modules", "rabbitmq", "include"),),
    ),
    WellKnownCredential(
        "fate-serving",
        "serving-admin's password",
        "admin",
        read=(("servingAdmin", "password"),),
        fallback=None,
        used_when=(("servingAdmin", "include"),),
    ),
    WellKnownCredential(
        "fate-serving",
        "the Redis password",
        "fate_dev",
        read=(("externalRedisPassword",), ("servingRedis", "password")),
        fallback="fate_dev",
        used_when=(("servingRedis", "include"), ("servingServer", "include")),
    ),
)
"""The charts' well-known credentials: refused in a stack's config (:mod:`fate_iac.rules`)
and in any release's values (the policy pack, ``policies/``)."""
