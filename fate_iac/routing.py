"""The values a stack's releases take from the federation: route tables built from the
records of the stacks its config names and from its static records.

Pure, and the one place these values are made: the Pulumi program calls it with the
records it read from the named stacks, the offline render with none (those stacks are
then waiting, and only the static routes show).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fate_iac.config import PartyConfig
from fate_iac.exchange import ExchangeConfig, nginx_route_table
from fate_iac.federation import (
    ExchangeRoutes,
    FederationRecord,
    Routes,
    exchange_routes,
    parse_record,
    party_routes,
)
from fate_iac.gotemplate import Values, plain
from fate_iac.problems import Problem

KeyPath = tuple[str, ...]
Overrides = dict[KeyPath, Any]
"""Values by key path, each replacing what the rendered values hold there. The paths
depend on the config alone, never on the records, so a program can hold one Output per
path (a secret or unknown record then taints only the routes, not the whole release)."""


@dataclass(frozen=True)
class RoutedValues:
    """Routes, and the values they put into the releases."""

    routes: Routes
    values: Overrides
    serving: Overrides = field(default_factory=dict)
    """Over the serving exchange's values (an exchange with servingProxy)."""


def nest(overrides: Overrides) -> Values:
    """Key paths as the nested values Helm takes: ``{("a", "b"): 1}`` -> ``{"a": {"b": 1}}``."""
    nested: Values = {}
    for path, value in overrides.items():
        target = nested
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = value
    return nested


def referenced_stacks(cfg: PartyConfig | ExchangeConfig) -> list[str]:
    """The stacks whose ``federation`` outputs this stack's routes come from."""
    if isinstance(cfg, ExchangeConfig):
        return cfg.member_stacks
    return [*cfg.peer_stacks, *([cfg.exchangeStack] if cfg.exchangeStack else [])]


def _named(
    stacks: list[str], statics: list[FederationRecord], records: Mapping[str, Any]
) -> list[tuple[str, FederationRecord | None]]:
    static = [(f"party {record.partyId}", record) for record in statics]
    return static + [(name, parse_record(records.get(name))) for name in stacks]


def party_routed_values(cfg: PartyConfig, records: Mapping[str, Any]) -> RoutedValues:
    """partyList (KubeFATE's own entries, static peers, referenced peers) and, for a
    party behind an exchange, the exchange route ("" while the exchange is waited for)."""
    static_list = plain(cfg.rollsite.partyList) if cfg.rollsite else None
    exchange = None
    if cfg.exchangeStack:
        exchange = (cfg.exchangeStack, parse_record(records.get(cfg.exchangeStack)))
    routes = party_routes(
        cfg.partyId, static_list or [], _named(cfg.peer_stacks, cfg.static_peers, records), exchange
    )
    values: Overrides = {("partyList",): routes.party_list}
    if cfg.exchangeStack:
        values["exchange",] = routes.exchange or ""
    return RoutedValues(routes, values)


def exchange_routed_values(cfg: ExchangeConfig, records: Mapping[str, Any]) -> RoutedValues:
    """The exchange's rollsite partyList, SNI (trafficServer) and nginx route tables, and
    the serving exchange's partyList."""
    rollsite = cfg.rollsite
    ts = cfg.trafficServer
    proxy = cfg.servingProxy
    routes: ExchangeRoutes = exchange_routes(
        plain(rollsite.partyList) if rollsite and rollsite.partyList else [],
        plain(ts.route_table.sni) if ts and ts.route_table else [],
        dict(cfg.nginx.route_table or {}) if cfg.nginx else {},
        _named(cfg.member_stacks, cfg.static_members, records),
        spark=cfg.has("trafficServer"),
        static_serving=plain(proxy.partyList) if proxy and proxy.partyList else [],
    )
    values: Overrides = {
        ("partyList",): routes.party_list,
        ("modules", "rollsite", "partyList"): routes.party_list,
        ("modules", "trafficServer", "route_table", "sni"): routes.sni,
        ("modules", "nginx", "route_table"): nginx_route_table(routes.nginx),
    }
    serving: Overrides = {("servingProxy", "partyList"): routes.serving} if proxy else {}
    return RoutedValues(routes, values, serving)


def routed_values(cfg: PartyConfig | ExchangeConfig, records: Mapping[str, Any]) -> RoutedValues:
    if isinstance(cfg, ExchangeConfig):
        return exchange_routed_values(cfg, records)
    return party_routed_values(cfg, records)


def static_route_problems(cfg: PartyConfig | ExchangeConfig) -> list[Problem]:
    """What the static records alone cannot route (referenced stacks' records are
    checked when the program reads them)."""
    key = "members" if isinstance(cfg, ExchangeConfig) else "peers"
    return [
        Problem((key,), "routes", message) for message in routed_values(cfg, {}).routes.problems
    ]


def members_of(routes: Routes) -> list[int]:
    """Party ids an exchange routes for: its rollsite partyList and nginx routes."""
    nginx = routes.nginx if isinstance(routes, ExchangeRoutes) else {}
    return sorted({entry["partyId"] for entry in routes.party_list} | set(nginx))
