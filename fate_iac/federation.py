"""How stacks tell each other where they are: the ``federation`` stack output, and the
route tables built from it.

Every party and exchange stack exports one ``federation`` output in this schema. A
party names its peers (P2P) or its exchange (star) by stack name, or gives a peer
outside this Pulumi backend as a static record in the same schema; the program reads
the referenced stacks' records and builds partyList and the exchange route from them,
so nobody types another party's address twice.

Schema, version 1.2::

    schemaVersion: "1.2"         # major.minor; version 1 records wrote the integer 1
    kind: party | exchange
    stack: party10000            # the stack that published it ("" for static records)
    partyId: 10000
    fateVersion: "1.11"          # party: FATE's major.minor (1.1; peers must share it)
    protocols: [eggroll]         # eggroll | osx | spark-pulsar | spark-rabbitmq | serving
    exchange: exchange           # party: the exchange stack it routes through, if any
    members: [9999, 10000]       # exchange: the parties it routes for
    endpoints:                   # each {host, port} (pulsar adds tlsPort and domain)
      rollsite: {host: 192.168.10.1, port: 30101}   # osx on FATE 2.0
      rollsiteTLS: {host: 192.168.10.1, port: 30103}  # with rollsite.enableTLS (1.2)
      fateflowHttp / fateflowGrpc / nginxHttp / nginxGrpc / rabbitmq / pulsar / servingProxy
    ca: "-----BEGIN CERTIFICATE-----..."  # with enableTLS: the CA of its certificates (1.2)

Parties in different organisations upgrade at different times, so the schema evolves by
minor versions that only add: a reader takes a record of a newer minor version, ignores
what it does not know and says so (:func:`read_record`); a record of another major
version is refused with a message naming the stack that published it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from fate_iac import typed
from fate_iac.accepts import Accepts
from fate_iac.chart_version import ChartVersion
from fate_iac.problems import KeyPath, key_path, located, plain_message

SCHEMA_MAJOR, SCHEMA_MINOR = 1, 2
SCHEMA_VERSION = f"{SCHEMA_MAJOR}.{SCHEMA_MINOR}"
"""The version of the records this program writes, and the newest it fully reads."""
EXISTING_STACKS_ENV = "FATE_EXISTING_STACKS"
"""Set by the orchestrator for every run: the stacks that exist, so a program never
references one that does not (which would fail the whole update)."""
Protocol = Literal["eggroll", "osx", "spark-pulsar", "spark-rabbitmq", "serving"]


def parse_version(value: Any) -> tuple[int, int]:
    """``1`` (version 1's spelling), ``"1"`` or ``"1.0"`` -> (1, 0); ValueError otherwise."""
    text = value if isinstance(value, int) else str(value).strip().removesuffix(".")
    version = ChartVersion.parse(text)
    if isinstance(text, str) and (text.startswith("v") or version.suffix):
        raise ValueError(value)  # a chart's spelling, not a schema's
    if len(version.numbers) > 2:
        raise ValueError(value)
    return version.major, version.minor


class RecordError(Exception):
    """A stack published a federation record this program cannot route with."""

    def __init__(
        self, stack: str, reason: str, fields: tuple[tuple[KeyPath, str], ...] = ()
    ) -> None:
        self.stack = stack
        self.reason = reason
        self.fields = fields
        """Each field of the record that was refused, with why (none: the record as a
        whole was)."""
        super().__init__(f"stack {stack}: {reason}")


class Endpoint(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    host: Annotated[str, Accepts("host (IP address or DNS name)")] = Field(
        description="Address peers connect to."
    )
    port: int = Field(ge=1, le=65535, description="Port peers connect to.")
    tlsPort: int | None = Field(None, ge=1, le=65535, description="pulsar: TLS port.")
    domain: Annotated[str, Accepts("DNS name")] | None = Field(
        None, description="pulsar: the SNI domain (fate.org)."
    )

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        return _typed("Host", value)

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str | None) -> str | None:
        return None if value is None else _typed("DnsName", value)


def _typed(type_name: str, value: str) -> str:
    """``value`` checked as the field type ``type_name`` of :mod:`fate_iac.typed` checks it,
    as the config's fields are: a record is input too, and its strings reach route tables
    and chart values as the config's do."""
    adapter = _ADAPTERS.get(type_name)
    if adapter is None:
        adapter = _ADAPTERS[type_name] = TypeAdapter(getattr(typed, type_name))
    try:
        return str(adapter.validate_python(value))
    except ValidationError as error:
        raise ValueError(error.errors(include_url=False)[0]["msg"]) from None


_ADAPTERS: dict[str, TypeAdapter[Any]] = {}
_FATE_VERSION = re.compile(r"[0-9]{1,4}\.[0-9]{1,4}")
_ENDPOINT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{0,62}")


class FederationRecord(BaseModel):
    """What one stack publishes about itself (or a static peer, written in config)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    schemaVersion: Annotated[str, Accepts("major.minor")] = SCHEMA_VERSION
    kind: Literal["party", "exchange"] = "party"
    stack: Annotated[str, Accepts("stack name, or empty (a static record)")] = ""
    partyId: int = Field(gt=0, le=2**31 - 1)
    fateVersion: Annotated[str, Accepts("major.minor")] | None = None
    protocols: list[Protocol] = Field(default_factory=lambda: list[Protocol](["eggroll"]))
    exchange: Annotated[str, Accepts("stack name")] | None = None
    members: list[int] = Field(default_factory=list)
    endpoints: dict[str, Endpoint] = Field(default_factory=dict)
    ca: Annotated[str, Accepts("PEM certificate(s) of a CA (parsed)")] | None = Field(
        None, description="PEM of the CA(s) that issue its TLS certificates (public)."
    )

    @field_validator("ca")
    @classmethod
    def _ca(cls, value: str | None) -> str | None:
        from fate_iac.pki import ca_problem  # cryptography: only for a record with a CA

        reason = ca_problem(value) if value is not None else None
        if reason:
            raise ValueError(f"its CA cannot be trusted: {reason}")
        return value

    @field_validator("stack")
    @classmethod
    def _stack(cls, value: str) -> str:
        return value if value == "" else _typed("StackName", value)

    @field_validator("exchange")
    @classmethod
    def _exchange(cls, value: str | None) -> str | None:
        return None if value is None else _typed("StackName", value)

    @field_validator("fateVersion")
    @classmethod
    def _fate_version(cls, value: str | None) -> str | None:
        if value is not None and not _FATE_VERSION.fullmatch(value):
            raise ValueError(f"fateVersion {value!r} is not <major>.<minor>")
        return value

    @field_validator("members")
    @classmethod
    def _members(cls, value: list[int]) -> list[int]:
        bad = [m for m in value if not 0 < m <= 2**31 - 1]
        if bad:
            raise ValueError(f"members must be positive party ids, not {bad[0]}")
        return value

    @field_validator("endpoints")
    @classmethod
    def _endpoint_names(cls, value: dict[str, Endpoint]) -> dict[str, Endpoint]:
        bad = [name for name in value if not _ENDPOINT_NAME.fullmatch(name)]
        if bad:
            raise ValueError(f"endpoint name {bad[0]!r} is not a name (letters and digits)")
        return value

    @field_validator("schemaVersion", mode="before")
    @classmethod
    def _version(cls, value: Any) -> str:
        try:
            major, minor = parse_version(value)
        except ValueError:
            raise ValueError(f"schemaVersion {value!r} is not <major>.<minor>") from None
        if major != SCHEMA_MAJOR:
            raise ValueError(
                f"federation schema {major}.{minor} is not understood here "
                f"(this program reads {SCHEMA_MAJOR}.x)"
            )
        return f"{major}.{minor}"


_KNOWN_FIELDS = frozenset(FederationRecord.model_fields)
_KNOWN_ENDPOINT_FIELDS = frozenset(Endpoint.model_fields)
_KNOWN_PROTOCOLS = frozenset(get_args(Protocol))


def _drop_unknown(data: dict[str, Any]) -> list[str]:
    """Remove what a newer minor version added; say what was removed."""
    ignored = [key for key in data if key not in _KNOWN_FIELDS]
    for key in ignored:
        del data[key]
    protocols = data.get("protocols")
    if isinstance(protocols, list):
        ignored += [f"protocol {p}" for p in protocols if p not in _KNOWN_PROTOCOLS]
        data["protocols"] = [p for p in protocols if p in _KNOWN_PROTOCOLS]
    endpoints = data.get("endpoints")
    if isinstance(endpoints, dict):
        data["endpoints"] = dict(endpoints)
        for name, endpoint in endpoints.items():
            if isinstance(endpoint, dict):
                extra = [k for k in endpoint if k not in _KNOWN_ENDPOINT_FIELDS]
                ignored += [f"endpoints.{name}.{k}" for k in extra]
                data["endpoints"][name] = {k: v for k, v in endpoint.items() if k not in extra}
    return ignored


def read_record(value: Any, stack: str) -> tuple[FederationRecord | None, list[str]]:
    """A referenced stack's ``federation`` output, and notes about it; None when it has
    none (yet). A newer minor version is read for what this version knows; another major
    version, or a record that does not validate, raises :class:`RecordError`."""
    if not value:
        return None, []
    if not isinstance(value, Mapping):
        raise RecordError(
            stack, f"its federation output is not a record (a mapping of its fields): {value!r}"
        )
    published = value.get("schemaVersion", 1)
    try:
        major, minor = parse_version(published)
    except ValueError:
        raise RecordError(
            stack,
            f"its federation record has schemaVersion {published!r}, which is not <major>.<minor>",
        ) from None
    if major != SCHEMA_MAJOR:
        raise RecordError(
            stack,
            f"it publishes federation schema {major}.{minor}, which this program does not "
            f"understand (it reads {SCHEMA_MAJOR}.x): upgrade fate-iac where this stack is "
            "deployed from, or have that stack publish schema 1",
        )
    data = dict(value)
    notes = []
    if minor > SCHEMA_MINOR:
        ignored = _drop_unknown(data)
        if ignored:
            notes.append(
                f"stack {stack} publishes federation schema {major}.{minor}, newer than this "
                f"program's {SCHEMA_VERSION}: ignored {', '.join(ignored)}"
            )
    try:
        return FederationRecord.model_validate(data), notes
    except ValidationError as error:
        fields = tuple(
            (path, plain_message(e["msg"]) + _given(e))
            for path, e, _ in (located(e, data) for e in error.errors(include_url=False))
        )
        reasons = "; ".join(
            f"{key_path(path).partition(':')[2] or 'record'}: {why}" for path, why in fields
        )
        raise RecordError(
            stack, f"its federation record cannot be read: {reasons}", fields
        ) from None


def _given(error: Mapping[str, Any]) -> str:
    """`` (got <value>)`` for a field refused for its type (``partyId: ten``): one short
    value, quoted. A value a rule refuses (a host, a CA) is not: it may carry anything."""
    value = error.get("input")
    kind = str(error["type"])
    of_a_type = kind.endswith(("_type", "_parsing")) or kind == "literal_error"
    if not of_a_type or not isinstance(value, str | int | float | bool):
        return ""
    shown = repr(value)
    return f" (got {shown})" if len(shown) <= 80 else ""


@dataclass
class Routes:
    """Routes of one stack; the stacks not routed yet because they do not exist or have
    published nothing (said, and routed on a later run); and the problems that stop the
    update (a route that cannot be built is never dropped silently)."""

    party_list: list[dict[str, Any]] = field(default_factory=list)
    exchange: dict[str, Any] | None = None
    waiting: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    trust: dict[str, str] = field(default_factory=dict)
    """With TLS: the CA certificates of the stacks routed to, by name."""


def _who(name: str, record: FederationRecord) -> str:
    """``party10000``'s stack as ``party10000 (party 10000)``; a static one as ``party 8888``."""
    own = f"party {record.partyId}"
    return own if name == own else f"{name} ({own})"


GATEWAY_MISSING = {
    "rollsite": "has no rollsite endpoint",
    "osx": "has no osx endpoint (it runs no FATE 2.0 gateway)",
    "servingProxy": "publishes no servingProxy endpoint (it runs no FATE-Serving proxy)",
}
"""What is said of a peer or exchange that publishes no endpoint for a gateway."""


TLS_ENDPOINT = "rollsiteTLS"
"""A record's endpoint for rollsite's TLS listener (``endpoints.TLS_ENDPOINT``)."""


def _tls_mismatch(name: str, record: FederationRecord, tls: bool) -> str | None:
    """Why a route to ``record`` cannot be built when this side's TLS is ``tls``: both
    sides of a route speak TLS, or neither does."""
    theirs = TLS_ENDPOINT in record.endpoints
    if tls and not (theirs and record.ca):
        return (
            f"{_who(name, record)} does not speak TLS (its record has no rollsiteTLS "
            "endpoint and CA): set rollsite.enableTLS there too, or off here"
        )
    if theirs and not tls:
        return f"{_who(name, record)} speaks TLS: set rollsite.enableTLS here too, or off there"
    return None


def party_routes(
    own_party_id: int | None,
    static_party_list: Iterable[dict[str, Any]],
    peers: Iterable[tuple[str, FederationRecord | None]],
    exchange: tuple[str, FederationRecord | None] | None = None,
    gateway: str = "rollsite",
    tls: bool = False,
) -> Routes:
    """partyList and exchange route of a party's ``gateway``: its rollsite (eggroll), or
    its serving proxy (FATE-Serving), which route the same way.

    ``peers`` pairs each peer's name (stack or static) with its record, None while that
    stack has not published one; ``static_party_list`` is KubeFATE's own partyList. With
    ``tls`` (rollsite's enableTLS), routes go to the peers' TLS listeners and their CAs
    are trusted; a stack on the other side of a TLS switch is not routed to until both
    sides have switched (a static record that does not match is a problem).
    """
    missing = GATEWAY_MISSING[gateway]
    routes = Routes(party_list=[dict(entry) for entry in static_party_list])
    seen = {entry["partyId"] for entry in routes.party_list}

    def reached(name: str, record: FederationRecord, who: str) -> Endpoint | None:
        endpoint = record.endpoints.get(gateway)
        mismatch = _tls_mismatch(name, record, tls) if gateway == "rollsite" else None
        if endpoint is None:
            routes.problems.append(f"{who} {missing}")
        elif mismatch and not record.stack:
            routes.problems.append(mismatch)
        elif mismatch:
            routes.notes.append(f"{mismatch}; not routed to until then")
        elif tls:
            routes.trust[name] = record.ca or ""
            return record.endpoints[TLS_ENDPOINT]
        else:
            return endpoint
        return None

    for name, record in peers:
        if record is None:
            routes.waiting.append(name)
        elif own_party_id is not None and record.partyId == own_party_id:
            routes.problems.append(f"peer {name} is party {own_party_id}: this party itself")
        elif record.partyId in seen:
            routes.problems.append(f"party {record.partyId} is reached twice (again via {name})")
        elif (endpoint := reached(name, record, _who(name, record))) is not None:
            seen.add(record.partyId)
            routes.party_list.append(
                {"partyId": record.partyId, "partyIp": endpoint.host, "partyPort": endpoint.port}
            )
    if exchange is not None:
        name, record = exchange
        if record is None:
            routes.waiting.append(name)
        elif (endpoint := reached(name, record, f"exchange {name}")) is not None:
            routes.exchange = {"partyIp": endpoint.host, "partyPort": endpoint.port}
    return routes


@dataclass
class ExchangeRoutes(Routes):
    sni: list[dict[str, str]] = field(default_factory=list)
    nginx: dict[int, dict[str, Any]] = field(default_factory=dict)
    serving: list[dict[str, Any]] = field(default_factory=list)


def serving_routes(
    static_party_list: Iterable[dict[str, Any]],
    members: Iterable[tuple[str, FederationRecord | None]],
) -> list[dict[str, Any]]:
    """The serving exchange's partyList: each member's servingProxy endpoint."""
    routes = [dict(entry) for entry in static_party_list]
    seen = {entry["partyId"] for entry in routes}
    for _, record in members:
        proxy = record.endpoints.get("servingProxy") if record else None
        if record is not None and proxy is not None and record.partyId not in seen:
            seen.add(record.partyId)
            routes.append(
                {"partyId": record.partyId, "partyIp": proxy.host, "partyPort": proxy.port}
            )
    return routes


def exchange_routes(
    static_party_list: Iterable[dict[str, Any]],
    static_sni: Iterable[dict[str, str]],
    static_nginx: dict[int, dict[str, Any]],
    members: Iterable[tuple[str, FederationRecord | None]],
    spark: bool,
    static_serving: Iterable[dict[str, Any]] = (),
    tls: bool = False,
) -> ExchangeRoutes:
    """Routes of an exchange to its members: rollsite partyList for eggroll members;
    SNI routes (to each member's pulsar TLS port) and nginx routes (to its proxy and
    fateflow) for Spark members."""
    members = list(members)
    eggroll = [(n, r) for n, r in members if r is None or "eggroll" in r.protocols]
    base = party_routes(None, static_party_list, eggroll, tls=tls)
    routes = ExchangeRoutes(
        base.party_list, None, base.waiting, base.problems, base.notes, base.trust
    )
    routes.sni = [dict(route) for route in static_sni]
    routes.nginx = {k: dict(v) for k, v in static_nginx.items()}
    routes.serving = serving_routes(static_serving, members)
    for name, record in members:
        if record is None or "eggroll" in record.protocols or record.protocols == ["serving"]:
            continue
        if not spark:
            routes.problems.append(
                f"member {name} speaks {record.protocols}: this exchange "
                "routes eggroll only (add trafficServer and nginx)"
            )
            continue
        pulsar = record.endpoints.get("pulsar")
        if pulsar is not None and pulsar.tlsPort:
            domain = pulsar.domain or "fate.org"
            routes.sni.append(
                {
                    "fqdn": f"{record.partyId}.{domain}",
                    "tunnelRoute": f"{pulsar.host}:{pulsar.tlsPort}",
                }
            )
        table: dict[str, Any] = {}
        for key, http, grpc in (
            ("proxy", "nginxHttp", "nginxGrpc"),
            ("fateflow", "fateflowHttp", "fateflowGrpc"),
        ):
            if http in record.endpoints and grpc in record.endpoints:
                table[key] = [
                    {
                        "host": record.endpoints[http].host,
                        "http_port": record.endpoints[http].port,
                        "grpc_port": record.endpoints[grpc].port,
                    }
                ]
        if table:
            routes.nginx[record.partyId] = table
        else:
            routes.problems.append(f"member {name} publishes no nginx or fateflow endpoints")
    return routes


@dataclass
class SparkRoutes(Routes):
    """Routes of a Spark party: nginx's route table, its broker's (pulsar or rabbitmq)
    route table, and, behind an exchange, the exchange's nginx and trafficServer."""

    nginx: dict[int, dict[str, Any]] = field(default_factory=dict)
    broker: dict[int, dict[str, Any]] = field(default_factory=dict)
    nginx_exchange: dict[str, Any] | None = None
    pulsar_exchange: dict[str, Any] | None = None


BROKERS: dict[Protocol, str] = {"spark-pulsar": "pulsar", "spark-rabbitmq": "rabbitmq"}
"""The broker each Spark protocol federates through (its endpoint's and module's name)."""


def _broker_route(broker: str, endpoint: Endpoint) -> dict[str, Any]:
    if broker == "pulsar":
        return {
            "host": endpoint.host,
            "port": endpoint.port,
            "sslPort": endpoint.tlsPort or endpoint.port,
            "proxy": "",
        }
    return {"host": endpoint.host, "port": endpoint.port}


def spark_party_routes(
    own_party_id: int,
    protocol: Protocol,
    domain: str,
    own_route: Mapping[str, Any],
    static_nginx: Mapping[int, dict[str, Any]],
    static_broker: Mapping[int, dict[str, Any]],
    peers: Iterable[tuple[str, FederationRecord | None]],
    exchange: tuple[str, FederationRecord | None] | None = None,
) -> SparkRoutes:
    """Route tables of a Spark party (``protocol`` spark-pulsar or spark-rabbitmq).

    Each peer gets an nginx route to its nginx (fateflow's traffic goes nginx to nginx,
    as in KubeFATE's examples) and a broker route; the broker table then also holds this
    party's own route (``own_route``), which the chart writes only when the table is
    empty. A party
    behind an exchange sends to the exchange's nginx and, with Pulsar, to its
    trafficServer, which knows this party as ``<partyId>.<domain>``.
    """
    broker = BROKERS[protocol]
    routes = SparkRoutes(
        nginx={k: dict(v) for k, v in static_nginx.items()},
        broker={k: dict(v) for k, v in static_broker.items()},
    )
    # A party is routed once: by KubeFATE's hand-written tables, or by its record.
    seen = set(routes.nginx) | (set(routes.broker) - {own_party_id})
    for name, record in peers:
        if record is None:
            routes.waiting.append(name)
            continue
        who = _who(name, record)
        http, grpc = record.endpoints.get("nginxHttp"), record.endpoints.get("nginxGrpc")
        endpoint = record.endpoints.get(broker)
        if protocol not in record.protocols:
            routes.problems.append(
                f"peer {who} speaks {', '.join(record.protocols)}; this party speaks {protocol}"
            )
        elif record.partyId == own_party_id:
            routes.problems.append(f"peer {name} is party {own_party_id}: this party itself")
        elif record.partyId in seen:
            routes.problems.append(f"party {record.partyId} is reached twice (again via {name})")
        elif http is None or grpc is None or endpoint is None:
            routes.problems.append(f"{who} publishes no nginx or {broker} endpoint")
        else:
            seen.add(record.partyId)
            routes.nginx[record.partyId] = {
                "fateflow": [{"host": http.host, "http_port": http.port, "grpc_port": grpc.port}]
            }
            routes.broker[record.partyId] = _broker_route(broker, endpoint)
    peered = set(routes.broker) - set(static_broker)
    if peered and own_party_id not in routes.broker:
        routes.broker = {own_party_id: dict(own_route), **routes.broker}
    if exchange is not None:
        name, record = exchange
        if record is None:
            routes.waiting.append(name)
            return routes
        http, grpc = record.endpoints.get("nginxHttp"), record.endpoints.get("nginxGrpc")
        sni = record.endpoints.get("trafficServer")
        if http is None or grpc is None:
            routes.problems.append(
                f"exchange {name} has no nginx endpoints (it needs "
                "trafficServer and nginx to route Spark parties)"
            )
        elif broker == "pulsar" and sni is None:
            routes.problems.append(f"exchange {name} has no trafficServer endpoint")
        else:
            routes.nginx_exchange = {"ip": http.host, "httpPort": http.port, "grpcPort": grpc.port}
            if broker == "pulsar" and sni is not None:
                routes.pulsar_exchange = {"ip": sni.host, "port": sni.port, "domain": domain}
    return routes
