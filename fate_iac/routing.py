"""The values a stack's releases take from the federation: route tables built from the
records of the stacks its config names and from its static records.

Pure, and the one place these values are made: the Pulumi program calls it with the
records it read from the named stacks, the offline render with none (those stacks are
then waiting, and only the static routes show). A route that cannot be built is a
problem that stops the update (:class:`RouteError`), never a route silently left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fate_iac.config import ExchangeConfig, PartyConfig, ServingConfig
from fate_iac.endpoints import BROKER_SELF_ROUTES, sni_domain
from fate_iac.federation import (
    ExchangeRoutes,
    FederationRecord,
    RecordError,
    Routes,
    exchange_routes,
    party_routes,
    read_record,
    spark_party_routes,
)
from fate_iac.gotemplate import Values, plain
from fate_iac.problems import Problem
from fate_iac.values import (
    NO_NGINX_EXCHANGE,
    NO_SERVING_EXCHANGE,
    nginx_route_table,
    route_table,
)

ValuesPath = tuple[str, ...]
Overrides = dict[ValuesPath, Any]
"""Values by key path, each replacing what the rendered values hold there. The paths
depend on the config alone, never on the records, so a program can hold one Output per
path (a secret or unknown record then taints only the routes, not the whole release)."""

MAIN = "release"
"""The key of a stack's main release; an exchange's serving release is ``serving``."""


@dataclass(frozen=True)
class RoutedValues:
    """Routes, and the values they put into each release (by release key)."""

    routes: Routes
    overrides: dict[str, Overrides] = field(default_factory=dict)


class RouteError(Exception):
    """Routes of a stack that cannot be built; the update stops, so none is dropped."""

    def __init__(self, stack: str, problems: list[str]) -> None:
        self.stack = stack
        self.problems = problems
        lines = [f"stack {stack}: cannot route to every stack it names; nothing is updated:"]
        super().__init__("\n".join([*lines, *(f"  - {p}" for p in problems)]))


def checked(routed: RoutedValues, stack: str) -> RoutedValues:
    """``routed``, or :class:`RouteError` when any route could not be built."""
    if routed.routes.problems:
        raise RouteError(stack, routed.routes.problems)
    return routed


def nest(overrides: Overrides) -> Values:
    """Key paths as the nested values Helm takes: ``{("a", "b"): 1}`` -> ``{"a": {"b": 1}}``."""
    nested: Values = {}
    for path, value in overrides.items():
        target = nested
        for key in path[:-1]:
            target = target.setdefault(key, {})
        target[path[-1]] = value
    return nested


def _named(
    stacks: list[str],
    statics: list[FederationRecord],
    records: Mapping[str, Any],
    problems: list[str],
    notes: list[str],
) -> list[tuple[str, FederationRecord | None]]:
    named: list[tuple[str, FederationRecord | None]] = [
        (f"party {record.partyId}", record) for record in statics
    ]
    for name in stacks:
        try:
            record, said = read_record(records.get(name), name)
        except RecordError as error:
            problems.append(str(error))
            continue
        notes.extend(said)
        named.append((name, record))
    return named


def _references(
    cfg: PartyConfig | ServingConfig,
    records: Mapping[str, Any],
    problems: list[str],
    notes: list[str],
) -> tuple[list[tuple[str, FederationRecord | None]], tuple[str, FederationRecord | None] | None]:
    """A party's peers (static and by stack name) and its exchange, with their records."""
    peers = _named(cfg.peer_stacks, cfg.static_peers, records, problems, notes)
    exchange: tuple[str, FederationRecord | None] | None = None
    if cfg.static_exchange is not None:
        exchange = (cfg.exchange_name or "", cfg.static_exchange)
    elif cfg.exchange_stack:
        named = _named([cfg.exchange_stack], [], records, problems, notes)
        exchange = named[0] if named else None
    return peers, exchange


def _other_fate_versions(
    cfg: PartyConfig, peers: list[tuple[str, FederationRecord | None]]
) -> list[str]:
    """Peers of another FATE major.minor version: FATE runs no job across them."""
    return [
        f"peer {name} runs FATE {record.fateVersion} and this party FATE {cfg.fate_version}: "
        "FATE does not federate across versions whose first two numbers differ"
        for name, record in peers
        if record is not None and record.fateVersion not in (None, cfg.fate_version)
    ]


def _with(routes: Routes, problems: list[str], notes: list[str]) -> Routes:
    routes.problems[:0] = problems
    routes.notes[:0] = notes
    return routes


def party_routed_values(cfg: PartyConfig, records: Mapping[str, Any]) -> RoutedValues:
    """partyList (KubeFATE's own entries, static peers, referenced peers) and, for a
    party behind an exchange, the exchange route ("" while the exchange is waited for)."""
    problems: list[str] = []
    notes: list[str] = []
    gateway = cfg.gateway_section
    static_list = plain(gateway.partyList) if gateway else None
    peers, exchange = _references(cfg, records, problems, notes)
    problems.extend(_other_fate_versions(cfg, peers))
    routes = party_routes(
        cfg.partyId, static_list or [], peers, exchange, cfg.gateway, cfg.rollsite_tls
    )
    _with(routes, problems, notes)
    values: Overrides = {("partyList",): routes.party_list}
    if cfg.exchangeStack:
        values["exchange",] = routes.exchange or ""
    return RoutedValues(routes, {MAIN: values})


def serving_routed_values(cfg: ServingConfig, records: Mapping[str, Any]) -> RoutedValues:
    """A serving proxy's partyList (KubeFATE's own entries, static peers, referenced
    peers) and, behind an exchange, the serving exchange's proxy ("" while waited for)."""
    problems: list[str] = []
    notes: list[str] = []
    proxy = cfg.servingProxy
    static_list = plain(proxy.partyList) if proxy and proxy.partyList else []
    peers, exchange = _references(cfg, records, problems, notes)
    routes = party_routes(cfg.partyId, static_list, peers, exchange, gateway="servingProxy")
    _with(routes, problems, notes)
    values: Overrides = {}
    if cfg.has("servingProxy"):
        values["servingProxy", "partyList"] = routes.party_list
        if cfg.exchangeStack:
            values["servingProxy", "exchange"] = routes.exchange or dict(NO_SERVING_EXCHANGE)
    return RoutedValues(routes, {MAIN: values})


def spark_routed_values(cfg: PartyConfig, records: Mapping[str, Any]) -> RoutedValues:
    """A Spark party's nginx and broker route tables (KubeFATE's own entries, static
    peers, referenced peers) and, behind an exchange, the exchange's nginx and
    trafficServer ("" while the exchange is waited for)."""
    problems: list[str] = []
    notes: list[str] = []
    broker = cfg.broker
    assert broker is not None  # a Spark party
    section = getattr(cfg, broker)
    static_nginx = cfg.nginx.route_table if cfg.nginx else None
    static_broker = section.route_table if section else None
    peers, exchange = _references(cfg, records, problems, notes)
    problems.extend(_other_fate_versions(cfg, peers))
    routes = spark_party_routes(
        cfg.partyId,
        cfg.protocol,
        sni_domain(cfg),
        BROKER_SELF_ROUTES[broker],
        {k: plain(v) for k, v in (static_nginx or {}).items()},
        {k: plain(v) for k, v in (static_broker or {}).items()},
        peers,
        exchange,
    )
    _with(routes, problems, notes)
    values: Overrides = {}
    if cfg.has("nginx"):
        values["modules", "nginx", "route_table"] = route_table(routes.nginx) or {}
    if cfg.has(broker):
        values["modules", broker, "route_table"] = route_table(routes.broker) or {}
    if cfg.exchangeStack:
        values["modules", "nginx", "exchange"] = routes.nginx_exchange or NO_NGINX_EXCHANGE
        if cfg.has("pulsar"):
            values["modules", "pulsar", "exchange"] = routes.pulsar_exchange or ""
    return RoutedValues(routes, {MAIN: values})


def exchange_routed_values(cfg: ExchangeConfig, records: Mapping[str, Any]) -> RoutedValues:
    """The exchange's rollsite partyList, SNI (trafficServer) and nginx route tables, and
    the serving exchange's partyList."""
    problems: list[str] = []
    notes: list[str] = []
    rollsite = cfg.rollsite
    ts = cfg.trafficServer
    proxy = cfg.servingProxy
    routes: ExchangeRoutes = exchange_routes(
        plain(rollsite.partyList) if rollsite and rollsite.partyList else [],
        plain(ts.route_table.sni) if ts and ts.route_table else [],
        {k: plain(v) for k, v in (cfg.nginx.route_table or {}).items()} if cfg.nginx else {},
        _named(cfg.member_stacks, cfg.static_members, records, problems, notes),
        spark=cfg.has("trafficServer"),
        static_serving=plain(proxy.partyList) if proxy and proxy.partyList else [],
        tls=cfg.rollsite_tls,
    )
    _with(routes, problems, notes)
    overrides = {
        MAIN: {
            ("partyList",): routes.party_list,
            ("modules", "rollsite", "partyList"): routes.party_list,
            ("modules", "trafficServer", "route_table", "sni"): routes.sni,
            ("modules", "nginx", "route_table"): nginx_route_table(routes.nginx),
        }
    }
    if proxy is not None:
        overrides["serving"] = {("servingProxy", "partyList"): routes.serving}
    return RoutedValues(routes, overrides)


def static_route_problems(routed: RoutedValues, key: str) -> list[Problem]:
    """What the static records alone cannot route, as config problems at ``key``
    (referenced stacks' records are checked when the program reads them)."""
    return [Problem((key,), "routes", message) for message in routed.routes.problems]


def members_of(routes: Routes) -> list[int]:
    """Party ids an exchange routes for: its rollsite partyList and nginx routes."""
    nginx = routes.nginx if isinstance(routes, ExchangeRoutes) else {}
    return sorted({entry["partyId"] for entry in routes.party_list} | set(nginx))
