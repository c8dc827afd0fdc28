"""Rules that span several keys of a stack's config. Each yields the problems it finds.

The NodePort rules hold for every kind (each model enumerates its own claims); the
others belong to one kind, which lists the rules it is checked against.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from fate_iac.config import (
    CREDENTIAL_PATHS,
    EGGROLL_MODULES,
    SPARK_MODULES,
    ExchangeConfig,
    PartyConfig,
    StackConfig,
    Storage,
)
from fate_iac.federation import FederationRecord
from fate_iac.problems import KeyPath, Problem
from fate_iac.secrets import Secret

Path = KeyPath
Rule = Callable[[PartyConfig], Iterator[Problem]]

DEFAULT_CREDENTIALS = {
    ("mysql", "password"): "fate_dev",
    ("externalMysqlPassword",): "fate_dev",
    ("fateboard", "password"): "admin",
}


def modules_match_engines(cfg: PartyConfig) -> Iterator[Problem]:
    """Eggroll computing needs eggroll federation and storage, and the eggroll modules."""
    rule = "modules"
    if cfg.computing != "Eggroll":
        yield Problem(
            ("computing",),
            rule,
            f"computing: {cfg.computing} is FATE on Spark, which needs a FateSparkCluster "
            "stack; this party stack deploys FATE on eggroll (computing: Eggroll)",
        )
        return
    for key in ("federation", "storage"):
        if getattr(cfg, key) != "Eggroll":
            yield Problem(
                (key,), rule, f"computing: Eggroll needs {key}: Eggroll, not {getattr(cfg, key)}"
            )
    for module, count in Counter(cfg.modules).items():
        if count > 1:
            yield Problem(("modules",), rule, f"module {module} is listed {count} times")
    for module in cfg.modules:
        if module in SPARK_MODULES:
            yield Problem(
                ("modules",), rule, f"module {module} belongs to FATE on Spark, not eggroll"
            )
        elif module == "lbrollsite":
            yield Problem(("modules",), rule, "module lbrollsite belongs to an exchange cluster")
    required = ["rollsite", "clustermanager", "nodemanager", "python"]
    if cfg.uses_external_mysql:
        if cfg.has("mysql"):
            yield Problem(
                ("modules",),
                rule,
                "externalMysqlIp is set, so the mysql module would run unused; remove it",
            )
    else:
        required.append("mysql")
    missing = [m for m in required if not cfg.has(m)]
    if missing:
        yield Problem(
            ("modules",),
            rule,
            f"FATE on eggroll needs module{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}"
            + (
                ""
                if cfg.uses_external_mysql or "mysql" not in missing
                else " (or an external mysql: externalMysqlIp...)"
            ),
        )


def _dotted(path: Path) -> str:
    return ".".join(str(p) for p in path)


def node_ports_in_range(cfg: StackConfig) -> Iterator[Problem]:
    low, high = cfg.node_port_range
    if low >= high:
        yield Problem(("nodePortRange",), "nodeport-range", f"{cfg.nodePortRange} is empty")
        return
    for claim in cfg.node_ports():
        if claim.port is not None and not low <= claim.port <= high:
            yield Problem(
                claim.path,
                "nodeport-range",
                f"NodePort {claim.port} is outside the cluster's NodePort range "
                f"{cfg.nodePortRange}",
            )


def node_ports_unique(cfg: StackConfig) -> Iterator[Problem]:
    seen: dict[int, Path] = {}
    for claim in cfg.node_ports():
        if not claim.used or claim.port is None:
            continue
        if claim.port in seen:
            first = _dotted(seen[claim.port])
            yield Problem(
                claim.path, "nodeport-unique", f"NodePort {claim.port} is already used by {first}"
            )
        else:
            seen[claim.port] = claim.path


def node_ports_given(cfg: StackConfig) -> Iterator[Problem]:
    """A NodePort Service needs its port written down: peers must be told it."""
    for claim in cfg.node_ports():
        if claim.missing:
            module, key = claim.path[0], claim.path[-1]
            yield Problem(
                claim.path,
                "nodeport-required",
                f"{module}.type is NodePort: set {key}, the port others use to reach it",
            )


NODE_PORT_RULES = (node_ports_in_range, node_ports_unique, node_ports_given)


def _party_list(entries: Iterable[Any], own_id: int | None) -> Iterator[Problem]:
    """KubeFATE's hand-written routes (rollsite.partyList): each party once, not oneself."""
    seen: set[int] = set()
    for index, entry in enumerate(entries):
        path: Path = ("rollsite", "partyList", index, "partyId")
        if entry.partyId == own_id:
            yield Problem(
                path, "party-list", f"party {entry.partyId} is this party; list only peers"
            )
        elif entry.partyId in seen:
            yield Problem(path, "party-list", f"party {entry.partyId} is listed twice")
        seen.add(entry.partyId)


def _listed_once(key: str, references: Iterable[str | FederationRecord]) -> Iterator[Problem]:
    """Stacks and static records named once each (under ``peers`` or ``members``)."""
    names = [r if isinstance(r, str) else f"party {r.partyId}" for r in references]
    for index, name in enumerate(names):
        if name in names[:index]:
            yield Problem((key, index), key, f"{name} is listed twice")


def party_list_valid(cfg: PartyConfig) -> Iterator[Problem]:
    yield from _party_list((cfg.rollsite.partyList or []) if cfg.rollsite else [], cfg.partyId)


def wiring_valid(cfg: PartyConfig) -> Iterator[Problem]:
    """Peers and exchange named once each, static peers reachable."""
    yield from _listed_once("peers", cfg.peers)
    for index, peer in enumerate(cfg.peers):
        if isinstance(peer, str):
            continue
        if peer.partyId == cfg.partyId:
            yield Problem(("peers", index), "peers", f"party {peer.partyId} is this party")
        if "rollsite" not in peer.endpoints:
            yield Problem(("peers", index, "endpoints"), "peers", "a static eggroll peer needs "
                          "endpoints.rollsite {host, port}")  # fmt: skip
    if cfg.exchangeStack and cfg.rollsite is not None and cfg.rollsite.exchange is not None:
        yield Problem(("exchangeStack",), "peers", "both exchangeStack and rollsite.exchange "
                      "are set; keep one")  # fmt: skip


def persistence_complete(cfg: PartyConfig) -> Iterator[Problem]:
    """With persistence on, every stateful module names where its data lives.

    KubeFATE's template otherwise falls back to StorageClasses named after the modules
    (``python``, ``nodemanager``, ``client``), which clusters rarely have: the PVCs then
    stay Pending and the party never starts.
    """
    if not cfg.persistence:
        return
    stateful = ["nodemanager", "python", "client"]
    if not cfg.uses_external_mysql:
        stateful.insert(0, "mysql")
    for module in stateful:
        if not cfg.has(module):
            continue
        section: Storage | None = getattr(cfg, module)
        if section is None or not (section.storageClass or section.existingClaim):
            yield Problem(
                (module,),
                "persistence",
                f"persistence is on: set {module}.storageClass or {module}.existingClaim",
            )


def _credential(cfg: PartyConfig, path: tuple[str, ...]) -> Secret | None:
    node: object = cfg
    for key in path:
        node = getattr(node, key, None)
        if node is None:
            return None
    return node if isinstance(node, Secret) else None


def credentials_are_secrets(cfg: PartyConfig) -> Iterator[Problem]:
    for path in CREDENTIAL_PATHS:
        secret = _credential(cfg, path)
        if secret is not None and not secret.secure:
            dotted = ".".join(path)
            yield Problem(
                path,
                "secret",
                f"credentials must be Pulumi secrets: pulumi config set --secret --path "
                f"'fate:{dotted}' <value>",
            )


def no_default_credentials(cfg: PartyConfig) -> Iterator[Problem]:
    """The charts' well-known credentials are refused unless the user opts in."""
    if cfg.allowDefaultCredentials:
        return
    in_use: list[tuple[str, ...]] = []
    if cfg.uses_external_mysql:
        in_use.append(("externalMysqlPassword",))
    elif cfg.has("mysql"):
        in_use.append(("mysql", "password"))
    if cfg.has("fateboard"):
        in_use.append(("fateboard", "password"))
    for path in in_use:
        default = DEFAULT_CREDENTIALS[path]
        secret = _credential(cfg, path)
        dotted = ".".join(path)
        if secret is None:
            yield Problem(
                path,
                "default-credentials",
                f"not set, so the chart's well-known {default!r} would be used; set it with "
                f"pulumi config set --secret --path 'fate:{dotted}' <value> "
                "(or opt in with fate:allowDefaultCredentials: true)",
            )
        elif secret.value == default:
            yield Problem(
                path,
                "default-credentials",
                f"is the chart's well-known {default!r}; choose another "
                "(or opt in with fate:allowDefaultCredentials: true)",
            )


def fateboard_login(cfg: PartyConfig) -> Iterator[Problem]:
    """KubeFATE's template writes every fateboard key once the section exists: an unset
    username becomes an empty login name, and nobody can sign in to FATE-Board."""
    section = cfg.fateboard
    written = cfg.has("fateboard") and section is not None and section.model_fields_set
    if written and section is not None and not section.username:
        yield Problem(
            ("fateboard", "username"),
            "fateboard-login",
            "with a fateboard section the login name is empty unless set; set fateboard.username",
        )


PARTY_RULES: tuple[Rule, ...] = (
    modules_match_engines,
    *NODE_PORT_RULES,
    party_list_valid,
    wiring_valid,
    persistence_complete,
    fateboard_login,
    credentials_are_secrets,
    no_default_credentials,
)


def check(cfg: PartyConfig) -> list[Problem]:
    """Every problem every party rule finds, in rule order."""
    return [problem for rule in PARTY_RULES for problem in rule(cfg)]


# --- the exchange --------------------------------------------------------------------------


def exchange_modules(cfg: ExchangeConfig) -> Iterator[Problem]:
    spark = cfg.has("trafficServer") or cfg.has("nginx")
    if spark and not (cfg.has("trafficServer") and cfg.has("nginx")):
        yield Problem(("modules",), "modules", "trafficServer and nginx go together")
    if not (spark or cfg.has("rollsite")):
        yield Problem(
            ("modules",), "modules", "an exchange needs rollsite, or trafficServer and nginx"
        )


def exchange_party_list(cfg: ExchangeConfig) -> Iterator[Problem]:
    yield from _party_list((cfg.rollsite.partyList or []) if cfg.rollsite else [], None)


def members_once(cfg: ExchangeConfig) -> Iterator[Problem]:
    yield from _listed_once("members", cfg.members)


EXCHANGE_RULES: tuple[Callable[[ExchangeConfig], Iterator[Problem]], ...] = (
    exchange_modules,
    *NODE_PORT_RULES,
    exchange_party_list,
    members_once,
)


def check_exchange(cfg: ExchangeConfig) -> list[Problem]:
    """Every problem every exchange rule finds, in rule order."""
    return [problem for rule in EXCHANGE_RULES for problem in rule(cfg)]


def advisories(cfg: PartyConfig) -> list[str]:
    """Things worth saying that do not block a deployment."""
    notes = []
    exposed = cfg.rollsite is not None and cfg.rollsite.type in ("NodePort", "LoadBalancer")
    if cfg.has("rollsite") and exposed and not cfg.publicHost:
        lb_ip = cfg.rollsite.loadBalancerIP if cfg.rollsite else None
        if not lb_ip:
            notes.append(
                "fate:publicHost is not set: this party's federation endpoint has no host, "
                "so peers cannot be told where to reach it"
            )
    unused = [m for m in EGGROLL_MODULES if getattr(cfg, m, None) is not None and not cfg.has(m)]
    for module in unused:
        notes.append(f"fate:{module} is configured but {module} is not in fate:modules")
    return notes
