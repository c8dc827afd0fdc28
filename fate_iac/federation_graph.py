"""A picture of the federation, as its stacks and records describe it: each stack of the
project (grouped by the cluster it deploys to: one organisation's), the parties and
exchanges its static routes and records name outside the project, and the links between
them (a party to its exchange, P2P peers, a serving cluster's), each with the protocol
spoken and whether it is TLS; with ``fatectl federation status``'s view where it was
read (deployed or not, health, when certificates expire).

A pure function of the validated stacks (and the statuses, when given): ``fatectl
federation graph`` draws it as Mermaid and SVG."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from fate_iac.federation import FederationRecord, Routes
from fate_iac.federation_check import Member
from fate_iac.kinds import kind_of, parts
from fate_iac.orchestrator import GATEWAYS, Status, run_order

LinkKind = Literal["exchange", "p2p"]
OUTSIDE = "outside this project"
"""The group of the parties and exchanges only a static route or record names."""


@dataclass(frozen=True)
class Node:
    """A stack of the project, or a party or exchange outside it that one names."""

    id: str
    """The stack's name; ``party-<id>`` or ``exchange-<host>`` outside the project."""
    role: str
    """``party`` or ``exchange`` (a stack's role; what a record says outside)."""
    partyId: int | None
    group: str
    """The organisation's cluster it deploys to (its kube-context), or :data:`OUTSIDE`."""
    protocols: tuple[str, ...] = ()
    fateVersion: str | None = None
    tls: bool = False
    """Whether it publishes a TLS listener to its peers."""
    stack: bool = True
    """One of the project's stacks (else only named by one)."""
    state: str = "not read"
    """``not deployed``, or its health word from the status (``ready``, ``progressing``,
    ``failed``, ``absent``, ``unreachable``: :data:`fate_iac.describe.HEALTH`), or ``not
    read`` without one."""
    certificatesUntil: str | None = None
    """When its first certificate expires (a date), from the status."""
    address: str | None = None
    """Where its peers reach it (``host:port`` of its gateway), where that is known."""

    def facts(self) -> list[str]:
        """What a picture writes under its name, a line each."""
        who = f"{self.role} {self.partyId}" if self.partyId is not None else self.role
        lines = [" · ".join([who, *self.protocols])]
        if self.fateVersion:
            lines[0] += f" · FATE {self.fateVersion}"
        if self.address:
            lines.append(self.address)
        if self.tls:
            until = f" until {self.certificatesUntil}" if self.certificatesUntil else ""
            lines.append(f"TLS{until}")
        if self.stack and self.state != "not read":
            lines.append(self.state)
        return lines


@dataclass(frozen=True)
class Link:
    """Who reaches whom: a party its exchange, or two peers each other (P2P)."""

    source: str
    target: str
    kind: LinkKind
    protocol: str
    tls: bool

    def label(self) -> str:
        what = "P2P " if self.kind == "p2p" else ""
        return f"{what}{self.protocol}{' · TLS' if self.tls else ''}"


@dataclass(frozen=True)
class FederationGraph:
    nodes: tuple[Node, ...]
    links: tuple[Link, ...]

    @property
    def groups(self) -> dict[str, list[Node]]:
        """The nodes by group, the project's clusters first, in the order found."""
        found: dict[str, list[Node]] = {}
        for node in self.nodes:
            if node.group != OUTSIDE:
                found.setdefault(node.group, []).append(node)
        outside = [n for n in self.nodes if n.group == OUTSIDE]
        return {**found, **({OUTSIDE: outside} if outside else {})}

    def as_json(self) -> dict[str, Any]:
        return {
            "nodes": [asdict(n) for n in self.nodes],
            "links": [asdict(link) for link in self.links],
        }


def _group(member: Member) -> str:
    """The organisation's cluster, by the name its stack gives it (its kube-context; the
    cross-stack checks know clusters by identity, a drawing by the names people use)."""
    target = member.target
    if target.ambient:
        return "the current kube-context"
    if target.context:
        return f"cluster {target.context}"
    return f"the cluster of {target.where()}"


def _address(record: FederationRecord) -> str | None:
    gateway = next((name for name in GATEWAYS if name in record.endpoints), None)
    if gateway is None:
        return None
    endpoint = record.endpoints[gateway]
    return f"{endpoint.host}:{endpoint.port}"


def _tls(record: FederationRecord) -> bool:
    return any("tls" in name.lower() or e.tlsPort for name, e in record.endpoints.items())


@dataclass
class _Builder:
    members: Mapping[str, Member]
    nodes: dict[str, Node] = field(default_factory=dict)
    links: dict[tuple[str, str, str], Link] = field(default_factory=dict)

    def link(self, a: str, b: str, kind: LinkKind, protocol: str, tls: bool) -> None:
        # A pair is one link, however many of its ends name it.
        first, second = (a, b) if kind == "exchange" else sorted((a, b))
        key = (first, second, protocol)
        if key not in self.links:
            self.links[key] = Link(first, second, kind, protocol, tls)

    def outside(self, node_id: str, role: str, party_id: int | None, **facts: Any) -> str:
        if node_id not in self.nodes:
            self.nodes[node_id] = Node(node_id, role, party_id, OUTSIDE, stack=False, **facts)
        return node_id


def federation_graph(
    members: Mapping[str, Member], statuses: Iterable[Status] = ()
) -> FederationGraph:
    """The federation of ``members`` (see :func:`fate_iac.orchestrator.discover`), with
    what ``statuses`` (:func:`fate_iac.orchestrator.statuses`) read of each stack."""
    build = _Builder(members)
    seen = {s.stack: s for s in statuses}
    ids: dict[int, str] = {}  # party id -> the project's stack of that party (its training cluster)
    order = run_order(members)
    for name in order:
        member = members[name]
        kind = kind_of(member.config)
        record = kind.record(member.config, name, Routes())
        status = seen.get(name)
        state, until = "not read", None
        if status is not None:
            state = (status.health or "deployed") if status.deployed else "not deployed"
            until = min(status.certificates.values())[:10] if status.certificates else None
        build.nodes[name] = Node(
            name,
            kind.role,
            record.partyId,
            _group(member),
            tuple(record.protocols),
            record.fateVersion,
            _tls(record),
            True,
            state,
            until,
            _address(record),
        )
        ids.setdefault(record.partyId, name)
    for name in order:
        _links(build, name, ids)
    return FederationGraph(tuple(build.nodes.values()), tuple(build.links.values()))


def _links(build: _Builder, name: str, ids: Mapping[int, str]) -> None:
    """The links ``name``'s parts name: referenced stacks, static records and routes."""
    member = build.members[name]
    own = build.nodes[name]
    found = parts(member.config)
    later: set[str] = set()
    for index in reversed(range(len(found))):  # a serving cluster's references are its own
        kind, part = found[index]
        serving = index > 0 or (kind.serves(part) and len(found) == 1)
        protocol = "serving" if serving else (own.protocols[0] if own.protocols else "")
        peers = set(kind.peers(part, index > 0))
        for other in part.referenced_stacks:
            if (other in later and other not in peers) or other not in build.members:
                continue
            role = build.members[other].role
            tls = own.tls and build.nodes[other].tls
            if other in peers:
                build.link(name, other, "p2p", protocol, tls)
            elif own.role == "exchange":
                build.link(other, name, "exchange", _protocol(build, other), tls)
            elif role == "exchange":
                build.link(name, other, "exchange", protocol, tls)
        later.update(part.referenced_stacks)
        routes = kind.routed(part, {}).routes
        for entry in routes.party_list:
            party_id = entry.get("partyId")
            if not isinstance(party_id, int) or party_id == own.partyId:
                continue
            if party_id in ids:  # a static route to one of the project's own parties
                other = ids[party_id]
            else:
                where = f"{entry.get('partyIp')}:{entry.get('partyPort')}"
                other = build.outside(f"party-{party_id}", "party", party_id, address=where)
            if own.role == "exchange":
                build.link(other, name, "exchange", protocol, own.tls)
            else:
                build.link(name, other, "p2p", protocol, own.tls)
        exchange = routes.exchange
        if (
            exchange
            and own.role != "exchange"
            and not any(
                build.members[o].role == "exchange"
                for o in part.referenced_stacks
                if o in build.members
            )
        ):
            host = str(exchange.get("ip") or exchange.get("host") or "?")
            where = f"{host}:{exchange.get('port', '?')}"
            other = build.outside(f"exchange-{host}", "exchange", None, address=where)
            build.link(name, other, "exchange", protocol, own.tls)


def _protocol(build: _Builder, stack: str) -> str:
    node = build.nodes[stack]
    return node.protocols[0] if node.protocols else ""
