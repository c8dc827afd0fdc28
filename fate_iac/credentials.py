"""The charts' well-known credentials: one table, read by the stack rules
(:mod:`fate_iac.rules`, a stack's config) and the policy pack (``policies/``, any
release's values). Free of imports, so the pack stays cheap to start."""

from __future__ import annotations

from dataclasses import dataclass

RABBITMQ_BROKER_LOGIN = "fate"
"""The user and password of the fate chart's RabbitMQ broker: its Deployment sets them
as they are, whatever rabbitmq.user and rabbitmq.password say."""


@dataclass(frozen=True)
class WellKnownCredential:
    """A credential a chart ships with a published value."""

    chart: str
    values_path: tuple[str, ...]
    """Where the chart's values hold it."""
    default: str
    include: tuple[str, ...] | None
    """The values flag that renders the module using it (None: always in use when set)."""
    config_path: tuple[str, ...] | None = None
    """Where a stack's config sets it, when it does (``fate:<path>``)."""


WELL_KNOWN_CREDENTIALS = (
    WellKnownCredential("fate", ("modules", "mysql", "password"), "fate_dev",
                        ("modules", "mysql", "include"), ("mysql", "password")),
    WellKnownCredential("fate", ("externalMysqlPassword",), "fate_dev", None,
                        ("externalMysqlPassword",)),
    WellKnownCredential("fate", ("modules", "fateboard", "password"), "admin",
                        ("modules", "fateboard", "include"), ("fateboard", "password")),
    WellKnownCredential("fate", ("modules", "rabbitmq", "default_pass"), RABBITMQ_BROKER_LOGIN,
                        ("modules", "rabbitmq", "include")),
    WellKnownCredential("fate-serving", ("servingAdmin", "password"), "admin",
                        ("servingAdmin", "include")),
    WellKnownCredential("fate-serving", ("servingRedis", "password"), "fate_dev",
                        ("servingRedis", "include")),
)  # fmt: skip
"""The charts' well-known credentials: refused in a stack's config (here) and in any
release's values (the policy pack, ``policies/``)."""
