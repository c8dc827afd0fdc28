"""Rules that span several keys of a party's config. Each yields the problems it finds."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

from fate_iac.config import (
    CREDENTIAL_PATHS,
    EGGROLL_MODULES,
    SPARK_MODULES,
    PartyConfig,
    Storage,
)
from fate_iac.problems import Problem
from fate_iac.secrets import Secret

Path = tuple[str | int, ...]
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


def node_ports(cfg: PartyConfig) -> Iterator[tuple[Path, int, bool]]:
    """Every NodePort in the config: (key path, port, whether the Service will use it)."""
    exposed = ("NodePort", "LoadBalancer")
    if cfg.rollsite is not None and cfg.rollsite.nodePort is not None:
        used = cfg.has("rollsite") and cfg.rollsite.type in exposed
        yield ("rollsite", "nodePort"), cfg.rollsite.nodePort, used
    if cfg.python is not None:
        used = cfg.has("python") and cfg.python.type in exposed
        for key in ("httpNodePort", "grpcNodePort"):
            port = getattr(cfg.python, key)
            if port is not None:
                yield ("python", key), port, used


def node_ports_in_range(cfg: PartyConfig) -> Iterator[Problem]:
    low, high = cfg.node_port_range
    if low >= high:
        yield Problem(("nodePortRange",), "nodeport-range", f"{cfg.nodePortRange} is empty")
        return
    for path, port, _ in node_ports(cfg):
        if not low <= port <= high:
            yield Problem(
                path,
                "nodeport-range",
                f"NodePort {port} is outside the cluster's NodePort range {cfg.nodePortRange}",
            )


def node_ports_unique(cfg: PartyConfig) -> Iterator[Problem]:
    seen: dict[int, Path] = {}
    for path, port, used in node_ports(cfg):
        if not used:
            continue
        if port in seen:
            first = ".".join(str(p) for p in seen[port])
            yield Problem(path, "nodeport-unique", f"NodePort {port} is already used by {first}")
        else:
            seen[port] = path


def node_ports_given(cfg: PartyConfig) -> Iterator[Problem]:
    """A NodePort Service needs its port written down: peers must be told it."""
    rollsite = cfg.rollsite
    if cfg.has("rollsite") and rollsite and rollsite.type == "NodePort" and not rollsite.nodePort:
        yield Problem(
            ("rollsite", "nodePort"),
            "nodeport-required",
            "rollsite.type is NodePort: set the nodePort peers will use to reach this party",
        )
    if cfg.has("python") and cfg.python is not None and cfg.python.type == "NodePort":
        for key in ("httpNodePort", "grpcNodePort"):
            if getattr(cfg.python, key) is None:
                yield Problem(
                    ("python", key),
                    "nodeport-required",
                    f"python.type is NodePort: set {key}",
                )


def party_list_valid(cfg: PartyConfig) -> Iterator[Problem]:
    if cfg.rollsite is None or not cfg.rollsite.partyList:
        return
    seen: set[int] = set()
    for index, entry in enumerate(cfg.rollsite.partyList):
        path: Path = ("rollsite", "partyList", index, "partyId")
        if entry.partyId == cfg.partyId:
            yield Problem(
                path, "party-list", f"party {entry.partyId} is this party; list only peers"
            )
        elif entry.partyId in seen:
            yield Problem(path, "party-list", f"party {entry.partyId} is listed twice")
        seen.add(entry.partyId)


def wiring_valid(cfg: PartyConfig) -> Iterator[Problem]:
    """Peers and exchange named once each, static peers reachable."""
    names = [p if isinstance(p, str) else f"party {p.partyId}" for p in cfg.peers]
    for index, name in enumerate(names):
        if name in names[:index]:
            yield Problem(("peers", index), "peers", f"{name} is listed twice")
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


RULES: tuple[Rule, ...] = (
    modules_match_engines,
    node_ports_in_range,
    node_ports_unique,
    node_ports_given,
    party_list_valid,
    wiring_valid,
    persistence_complete,
    fateboard_login,
    credentials_are_secrets,
    no_default_credentials,
)


def check(cfg: PartyConfig) -> list[Problem]:
    """Every problem every rule finds, in rule order."""
    return [problem for rule in RULES for problem in rule(cfg)]


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
