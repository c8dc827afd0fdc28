"""Rules across the stacks of one federation, checked before any of them is updated.

Each problem names both stacks involved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from fate_iac.config import ExchangeConfig, PartyConfig, ServingConfig, StackConfig
from fate_iac.kinds import kind_of


@dataclass(frozen=True)
class Member:
    """A stack of the federation: its validated config and the cluster it deploys to
    (its ``kubernetes:context``; "" for the kubeconfig's current context)."""

    config: StackConfig
    cluster: str = ""

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


def check_federation(members: Mapping[str, Member]) -> list[FederationProblem]:
    """Every cross-stack rule the federation breaks."""
    problems: list[FederationProblem] = []
    names = sorted(members)

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
    for name in sorted(parties):
        party = parties[name]
        for peer in party.peer_stacks:
            if peer not in members:
                add(name, peer, "unknown-stack", f"{name} names peer {peer}, which has no stack")
            elif peer in exchanges:
                add(name, peer, "p2p", f"{peer} is an exchange: name it in exchangeStack")
            elif name not in _peers(parties[peer], serving=isinstance(party, ServingConfig)):
                add(name, peer, "p2p", f"{name} lists {peer} as a peer, but not the reverse")
            elif isinstance(party, ServingConfig):
                if not _serves(parties[peer]):
                    add(name, peer, "serving", f"{peer} runs no serving cluster")
            elif party.protocol != (theirs := parties[peer].protocol) and name < peer:
                add(name, peer, "protocol", f"{name} speaks {party.protocol} and {peer} "
                    f"speaks {theirs}: peers federate with the same engines")  # fmt: skip
            elif party.fate_version != (other := parties[peer].fate_version) and name < peer:
                add(name, peer, "fate-version", f"{name} runs FATE {party.fate_version} and "
                    f"{peer} FATE {other}: FATE runs no job across versions whose first two "
                    "numbers differ")  # fmt: skip
        exchange = party.exchangeStack
        if exchange is None:
            continue
        if exchange not in exchanges:
            add(name, exchange, "unknown-stack", f"{name} routes through {exchange}, which is "
                "not an exchange stack here")  # fmt: skip
        elif name not in exchanges[exchange].member_stacks:
            add(name, exchange, "membership", f"{name} routes through {exchange}, which does "
                "not list it in members")  # fmt: skip
        else:
            needs = EXCHANGE_MODULES[party.protocol]
            if not needs:
                add(name, exchange, "modes", f"{name} federates with {party.federation}, "
                    f"which no exchange routes here ({NO_EXCHANGE[party.protocol]}): list "
                    "its peers in peers")  # fmt: skip
            elif not all(exchanges[exchange].has(m) for m in needs):
                add(name, exchange, "modes", f"{name} federates with {party.protocol}; "
                    f"{exchange} has no {' and '.join(needs)}")  # fmt: skip
    # A serving cluster beside a training cluster routes to serving clusters only.
    serving = {n: p.servingCluster for n, p in parties.items() if _serving(p)}
    for name in sorted(serving):
        proxy = serving[name]
        assert proxy is not None
        for peer in proxy.peer_stacks:
            if peer in parties and not _serves(parties[peer]):
                message = (f"{name}'s serving proxy routes to {peer}, which runs no serving "
                           "cluster: list the serving peers in fate-serving:peers")  # fmt: skip
                add(name, peer, "serving", message)
        exchange = proxy.exchangeStack
        if exchange in exchanges and not exchanges[exchange].has("servingProxy"):
            add(name, exchange, "modes", f"{name} serves models behind {exchange}, which has "
                "no servingProxy (fate:servingProxy on the exchange stack)")  # fmt: skip
    for name in sorted(exchanges):
        for member in exchanges[name].member_stacks:
            if member not in members:
                add(name, member, "unknown-stack", f"{name} lists {member}, which has no stack")
            elif member in parties and parties[member].exchangeStack != name:
                add(name, member, "membership", f"{name} lists {member}, which does not route "
                    f"through {name}")  # fmt: skip
    return problems


def _serving(cfg: PartyConfig) -> bool:
    """A party stack whose training cluster has a serving cluster beside it."""
    return getattr(cfg, "servingCluster", None) is not None


def _serves(cfg: PartyConfig) -> bool:
    """A party stack that runs a serving cluster, beside its training cluster or alone."""
    return _serving(cfg) or isinstance(cfg, ServingConfig)


def _peers(cfg: PartyConfig, serving: bool) -> list[str]:
    """The peers a party names: its serving cluster's, or its training cluster's."""
    if serving and not isinstance(cfg, ServingConfig):
        return cfg.servingCluster.peer_stacks if cfg.servingCluster else []
    return cfg.peer_stacks
