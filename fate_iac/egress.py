"""Where a stack's pods may connect to with ``networkPolicy.egress``: the addresses its
routes name, by the pods that dial them.

A stack's gateways are the only pods that leave the party: rollsite (or osx) to its
peers' and exchange's rollsite, nginx and the broker (Pulsar or RabbitMQ) to theirs, the
serving proxy to the peers' serving proxies, an exchange's gateways to its members' (the
trafficServer tunnels to their Pulsar). Every other connection stays inside the party's
namespaces (and DNS), which :mod:`fate_iac.isolation` allows to every pod. No module of
the charts calls the Kubernetes API server (none mounts a service account token).

A NetworkPolicy matches addresses, never names: a route to an IP address opens that
address alone (``/32``, ``/128``), a route to a DNS name opens its port to any address.

Pure: the route tables are :mod:`fate_iac.federation`'s, in their charts' spellings.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from fate_iac.federation import ExchangeRoutes, Routes, SparkRoutes

Destinations = dict[str, tuple[tuple[str, int], ...]]
"""``(host, port)`` pairs by the ``fateMoudle`` of the pods that dial them."""

HOST_KEYS = ("partyIp", "host", "ip")
PORT_KEYS = ("partyPort", "port", "sslPort", "http_port", "grpc_port", "httpPort", "grpcPort")
"""How the route tables spell an address and its ports (rollsite's partyList, nginx's
and the brokers' route tables, the exchange entries)."""

ANY_ADDRESS = ("0.0.0.0/0", "::/0")


def _addresses(entry: Any) -> Iterator[tuple[str, int]]:
    """Every (host, port) of one route entry; nested lists and tables are walked."""
    if isinstance(entry, list):
        for item in entry:
            yield from _addresses(item)
    elif isinstance(entry, dict):
        host = next((entry[k] for k in HOST_KEYS if entry.get(k)), None)
        if host is None:
            for value in entry.values():
                yield from _addresses(value)
            return
        for key in PORT_KEYS:
            port = entry.get(key)
            if isinstance(port, int) and not isinstance(port, bool):
                yield str(host), port


def _tunnels(sni: Iterable[Mapping[str, str]]) -> Iterator[tuple[str, int]]:
    """The trafficServer's SNI routes: ``host:port`` each."""
    for route in sni:
        host, _, port = route.get("tunnelRoute", "").rpartition(":")
        if host and port.isdigit():
            yield host.strip("[]"), int(port)


def _others(entries: Iterable[Mapping[str, Any]], own: int | None) -> list[Mapping[str, Any]]:
    """Entries of other parties: the party's own routes stay inside its namespace."""
    return [e for e in entries if own is None or e.get("partyId") != own]


def _sorted(found: Mapping[str, Iterable[tuple[str, int]]]) -> Destinations:
    """Every module given, with or without destinations (its policy exists either way:
    the routes fill it in as the stacks they name publish)."""
    return {module: tuple(sorted(set(pairs))) for module, pairs in sorted(found.items())}


def gateway_destinations(routes: Routes, module: str, own: int | None) -> Destinations:
    """A party's gateway (rollsite, osx or the serving proxy): its partyList and its
    exchange."""
    pairs = list(_addresses(_others(routes.party_list, own)))
    pairs.extend(_addresses(routes.exchange or {}))
    return _sorted({module: pairs})


def spark_destinations(routes: SparkRoutes, broker: str, own: int) -> Destinations:
    """A Spark party's nginx and broker: their route tables and the exchange's."""
    nginx = [p for pid, entry in routes.nginx.items() if pid != own for p in _addresses(entry)]
    nginx.extend(_addresses(routes.nginx_exchange or {}))
    brokers = [p for pid, entry in routes.broker.items() if pid != own for p in _addresses(entry)]
    brokers.extend(_addresses(routes.pulsar_exchange or {}))
    return _sorted({"nginx": nginx, broker: brokers})


def exchange_destinations(routes: ExchangeRoutes) -> Destinations:
    """An exchange's gateways: rollsite to its members' rollsite, nginx to their nginx
    and fateflow, the trafficServer to their Pulsar, the serving proxy to theirs."""
    return _sorted(
        {
            "rollsite": list(_addresses(routes.party_list)),
            "nginx": list(_addresses(routes.nginx)),
            "traffic-server": list(_tunnels(routes.sni)),
            "serving-proxy": list(_addresses(routes.serving)),
        }
    )


def blocks(host: str) -> tuple[str, ...]:
    """The ipBlocks that reach ``host``: the address alone, or any address for a name
    (a NetworkPolicy cannot match names)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return ANY_ADDRESS
    return (f"{address}/{address.max_prefixlen}",)


def egress_rules(destinations: Iterable[tuple[str, int]]) -> list[dict[str, Any]]:
    """NetworkPolicy egress rules for ``destinations``: one per ipBlock, with its ports."""
    ports: dict[str, set[int]] = {}
    for host, port in destinations:
        for block in blocks(host):
            ports.setdefault(block, set()).add(port)
    return [
        {
            "to": [{"ipBlock": {"cidr": block}}],
            "ports": [{"protocol": "TCP", "port": port} for port in sorted(ports[block])],
        }
        for block in sorted(ports)
    ]
