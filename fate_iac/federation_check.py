"""Rules across the stacks of one federation, checked before any of them is updated.

Each problem names both stacks involved.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

from fate_iac.cluster_target import ClusterTarget
from fate_iac.config import ExchangeConfig, PartyConfig, ServingConfig, StackConfig
from fate_iac.convergence import references
from fate_iac.kinds import kind_of


@dataclass(frozen=True)
class Member:
    """A stack of the federation: its validated config and the cluster it deploys to,
    known by what it is (:meth:`fate_iac.cluster_target.ClusterTarget.identity`: its API
    server and CA; "" for one not told) and reached through ``target``."""

    config: StackConfig
    cluster: str = ""
    source: str = field(default="", compare=False)
    """The digest of its stack file (:func:`fate_iac.convergence.file_digest`)."""
    target: ClusterTarget = field(default_factory=ClusterTarget, compare=False)
    """Where fatectl reads it: its kubeconfig and context."""

    @property
    def role(self) -> str:
        return kind_of(self.config).role


@dataclass(frozen=True)
class FederationProblem:
    stacks: tuple[str, ...]
    rule: str
    message: str

    def render(self) -> str:
        return f"stacks {' and '.join(self.stacks)}: {self.message} [{self.rule}]"


def _node_ports(cfg: StackConfig) -> Iterator[int]:
    """The NodePorts a stack's Services claim."""
    return (claim.port for claim in cfg.node_ports() if claim.used and claim.port is not None)


EXCHANGE_MODULES: dict[str, tuple[str, ...]] = {
    "eggroll": ("rollsite",),
    "spark-pulsar": ("trafficServer", "nginx"),
    "spark-rabbitmq": (),
    "osx": (),
    "serving": ("servingProxy",),
}
"""The exchange modules that route each protocol (none routes RabbitMQ or OSX)."""
NO_EXCHANGE = {
    "spark-rabbitmq": "trafficServer routes Pulsar by SNI; or federate with Pulsar",
    "osx": "KubeFATE has no OSX exchange, and the fate chart v2.0.0 renders no route to one",
}
"""Why no exchange routes a protocol."""


def own_stack_in_full(name: str, members: Collection[str], project: str | None) -> str | None:
    """The stack of this project that ``name`` spells in full (``<org>/<stack>``, or
    ``<org>/<project>/<stack>`` naming this project), when it is one of ``members``;
    None for a short name or another project's stack."""
    parts = name.split("/")
    if len(parts) == 1 or parts[-1] not in members:
        return None
    return parts[-1] if len(parts) == 2 or parts[1] == project else None


def check_federation(
    members: Mapping[str, Member], project: str | None = None
) -> list[FederationProblem]:
    """Every cross-stack rule the federation breaks (``project``: the Pulumi project the
    members are stacks of)."""
    problems: list[FederationProblem] = []
    names = sorted(members)
    for name in names:
        for ref in references(members[name].config):
            own = own_stack_in_full(ref, members, project)
            if own is not None:
                problems.append(
                    FederationProblem(
                        (name, own),
                        "stack-name",
                        f"{name} names {ref}, this project's stack {own}, in full: "
                        f"fatectl federation follows this project's stacks by their "
                        f"short names, and would not update {name} when {own} "
                        f"changes; write {own}",
                    )
                )

    def pairwise(
        rule: str, key: Callable[[Member], Sequence[object]], label: str, same_cluster: bool
    ) -> None:
        seen: dict[tuple[str, object], str] = {}
        for name in names:
            for value in key(members[name]):
                scope = (members[name].cluster if same_cluster else "", value)
                if scope in seen:
                    problems.append(
                        FederationProblem((seen[scope], name), rule, f"both use {label} {value}")
                    )
                else:
                    seen[scope] = name

    pairwise("party-id", lambda m: [m.config.partyId], "party id", False)
    pairwise("namespace", lambda m: [m.config.namespace], "namespace", True)
    pairwise("nodeport", lambda m: sorted(set(_node_ports(m.config))), "NodePort", True)

    def add(a: str, b: str, rule: str, message: str) -> None:
        problems.append(FederationProblem((a, b), rule, message))

    # The wiring rules read the keys parties and exchanges name each other with.
    parties = {n: cast(PartyConfig, m.config) for n, m in members.items() if m.role == "party"}
    exchanges = {
        n: cast(ExchangeConfig, m.config) for n, m in members.items() if m.role == "exchange"
    }
    # Each party's training cluster, and its serving cluster (beside it, or alone).
    routers: list[tuple[str, PartyConfig | ServingConfig, bool]] = []
    for name in sorted(parties):
        for cluster, serves in kind_of(parties[name]).clusters(parties[name]):
            routers.append((name, cast(PartyConfig | ServingConfig, cluster), serves))
    for name, cluster, serving in routers:
        for peer in cluster.peer_stacks:
            theirs = parties.get(peer)
            if "/" in peer:
                continue  # a stack of another project or organisation: its record says
            if peer not in members:
                add(name, peer, "unknown-stack", f"{name} names peer {peer}, which has no stack")
            elif peer in exchanges:
                add(name, peer, "p2p", f"{peer} is an exchange: name it in exchangeStack")
            elif theirs is None:
                continue  # the KubeFATE service alone: refused by its own stack's rules
            elif serving and not kind_of(theirs).serves(theirs):
                said = "runs no serving cluster: list the serving peers in fate-serving:peers"
                add(name, peer, "serving", f"{name}'s serving proxy routes to {peer}, which {said}")
            elif not serving and not kind_of(theirs).trains:
                add(
                    name,
                    peer,
                    "protocol",
                    f"{peer} runs FATE-Serving alone: name it in fate-serving:peers",
                )
            elif name not in kind_of(theirs).peers(theirs, serving):
                add(name, peer, "p2p", f"{name} lists {peer} as a peer, but not the reverse")
            elif serving or name > peer or not kind_of(theirs).trains:
                continue  # the training checks below are said once per pair
            elif (mine := cast(PartyConfig, cluster)).fate_version != theirs.fate_version:
                other = theirs.fate_version
                add(
                    name,
                    peer,
                    "fate-version",
                    f"{name} runs FATE {mine.fate_version} and "
                    f"{peer} FATE {other}: FATE runs no job across versions whose first two "
                    "numbers differ",
                )
            elif mine.protocol != (spoken := theirs.protocol):
                add(
                    name,
                    peer,
                    "protocol",
                    f"{name} speaks {mine.protocol} and {peer} "
                    f"speaks {spoken}: peers federate with the same engines",
                )
            elif one_sided := _one_sided_tls(name, mine, peer, theirs):
                add(name, peer, "tls", one_sided)
        exchange = cluster.exchange_stack
        if exchange is None or "/" in exchange:
            continue
        if exchange not in exchanges:
            add(
                name,
                exchange,
                "unknown-stack",
                f"{name} routes through {exchange}, which is not an exchange stack here",
            )
        elif name not in exchanges[exchange].member_stacks:
            add(
                name,
                exchange,
                "membership",
                f"{name} routes through {exchange}, which does not list it in members",
            )
        elif serving and not exchanges[exchange].has("servingProxy"):
            add(
                name,
                exchange,
                "modes",
                f"{name} serves models behind {exchange}, which has "
                "no servingProxy (fate:servingProxy on the exchange stack)",
            )
        elif not serving and (
            one_sided := _one_sided_tls(
                name, cast(PartyConfig, cluster), exchange, exchanges[exchange]
            )
        ):
            add(name, exchange, "tls", one_sided)
        elif not serving:
            needs = EXCHANGE_MODULES[cluster.protocol]
            if not needs:
                engine = cast(PartyConfig, cluster).federation
                add(
                    name,
                    exchange,
                    "modes",
                    f"{name} federates with {engine}, "
                    f"which no exchange routes here ({NO_EXCHANGE[cluster.protocol]}): list "
                    "its peers in peers",
                )
            elif not all(exchanges[exchange].has(m) for m in needs):
                add(
                    name,
                    exchange,
                    "modes",
                    f"{name} federates with {cluster.protocol}; "
                    f"{exchange} has no {' and '.join(needs)}",
                )
    for name in sorted(exchanges):
        versions: dict[str, str] = {}
        for member in exchanges[name].member_stacks:
            if "/" in member:
                continue
            if member not in members:
                add(name, member, "unknown-stack", f"{name} lists {member}, which has no stack")
            elif member in parties and parties[member].exchange_stack != name:
                add(
                    name,
                    member,
                    "membership",
                    f"{name} lists {member}, which does not route through {name}",
                )
            elif member in parties and kind_of(parties[member]).trains:
                versions[member] = parties[member].fate_version
        if len(set(versions.values())) > 1:
            (first, version), *others = versions.items()
            member, other = next((m, v) for m, v in others if v != version)
            add(
                first,
                member,
                "fate-version",
                f"{first} runs FATE {version} and {member} "
                f"FATE {other}, both behind {name}: FATE runs no job across versions whose "
                "first two numbers differ",
            )
    once: dict[tuple[tuple[str, ...], str, str], FederationProblem] = {}
    for problem in problems:  # a stack's two clusters may name the same stack wrongly
        once.setdefault((problem.stacks, problem.rule, problem.message), problem)
    return list(once.values())


def _one_sided_tls(
    name: str, mine: PartyConfig, other: str, theirs: PartyConfig | ExchangeConfig
) -> str | None:
    """Rollsites that route to each other speak TLS both, or neither."""
    if mine.protocol != "eggroll" or mine.rollsite_tls == theirs.rollsite_tls:
        return None
    on, off = (name, other) if mine.rollsite_tls else (other, name)
    return (
        f"{on} turns rollsite.enableTLS on and {off} does not: a route is TLS on both "
        "sides or on neither (turn it on in both, then run `fatectl federation up`)"
    )
