"""Rules that span several keys of a stack's config. Each yields the problems it finds.

The NodePort rules hold for every kind (each model enumerates its own claims); the
others belong to one kind, which lists the rules it is checked against.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any

from fate_iac import mysql_root
from fate_iac.catalogue import (
    EXCHANGE_CHART_VERSIONS,
    FATE1_ONLY_KEYS,
    FATE_KEYS_SINCE,
    SERVING_KEYS_SINCE,
    SERVING_KEYS_UNTIL,
    newest_fate2_chart,
    serving_chart,
)
from fate_iac.charts import UPSTREAM_CHART_REPO
from fate_iac.cluster import SERVICE_NODE_PORT_RANGE_ENV, service_node_port_range
from fate_iac.config import (
    ALL_MODULES,
    CREDENTIAL_PATHS,
    ExchangeConfig,
    PartyConfig,
    ServingConfig,
    StackConfig,
    Storage,
)
from fate_iac.credentials import RABBITMQ_BROKER_LOGIN, WELL_KNOWN_CREDENTIALS
from fate_iac.federation import FederationRecord
from fate_iac.modules import (
    FATE_MODULES,
    MODULES_BY_NAME,
    FateModule,
    image_sections,
    needs_of,
    port_needs_of,
)
from fate_iac.notebook import opt_out_notes, published_notebook_password
from fate_iac.problems import SERVING_NAMESPACE, KeyPath, Problem, key_path
from fate_iac.secrets import Secret
from fate_iac.tls import Mounted, exchange_mounted, party_mounted

Path = KeyPath
Rule = Callable[[PartyConfig], Iterator[Problem]]

DEFAULT_CREDENTIALS = {path: c.known for c in WELL_KNOWN_CREDENTIALS for path in c.config}
"""The well-known credentials a party's config sets, by key path."""


ENGINES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "Eggroll": (("Eggroll",), ("Eggroll",)),
    "Spark": (("Pulsar", "RabbitMQ"), ("HDFS",)),
    "Spark_local": (("Pulsar", "RabbitMQ"), ("LocalFS",)),
}
"""computing -> the federation and storage engines it works with (KubeFATE's table)."""


def engines_of(cfg: PartyConfig) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """The same for the party's chart: on FATE 2.0 eggroll federates through OSX
    (fateflow 2.0 refuses eggroll's rollsite federation, and the chart has no rollsite)."""
    return {**ENGINES, "Eggroll": ((cfg.chart.eggroll_federation,), ("Eggroll",))}


MODULE_RULES: dict[str, FateModule] = MODULES_BY_NAME
"""Which modules a party deploys, read from the chart's templates: each module's
objects only work with the engines its row names (docs/troubleshooting.md has this table)."""


def _at(cfg: object, path: tuple[str, ...]) -> Any:
    """The value at ``path`` (attributes of nested sections); None where a section or
    the key is unset."""
    node = cfg
    for key in path:
        node = getattr(node, key, None)
        if node is None:
            return None
    return node


def _set(cfg: object, path: tuple[str, ...]) -> bool:
    return _at(cfg, path) is not None


def _engines(cfg: PartyConfig) -> str:
    return f"computing: {cfg.computing}, federation: {cfg.federation}, storage: {cfg.storage}"


def modules_match_engines(cfg: PartyConfig) -> Iterator[Problem]:
    """Engines that work together, and exactly the modules they need (MODULE_RULES)."""
    rule = "modules"
    federations, storages = engines_of(cfg)[cfg.computing]
    engines_agree = cfg.federation in federations and cfg.storage in storages
    for key, allowed in (("federation", federations), ("storage", storages)):
        if getattr(cfg, key) not in allowed:
            yield Problem(
                (key,),
                rule,
                f"computing: {cfg.computing} needs {key}: "
                f"{' or '.join(allowed)}, not {getattr(cfg, key)}",
            )
    for module, count in Counter(cfg.modules).items():
        if count > 1:
            yield Problem(("modules",), rule, f"module {module} is listed {count} times")
    for module in dict.fromkeys(cfg.modules):
        table = MODULE_RULES[module]
        if not table.allowed(cfg):
            this = f", not to this party ({_engines(cfg)})" if table.party else ""
            yield Problem(("modules",), rule, f"module {module} belongs to {table.when}{this}")
    missing = []
    for name, table in MODULE_RULES.items():
        external = table.external is not None and _set(cfg, table.external)
        if table.required and table.allowed(cfg) and not cfg.has(name) and not external:
            hint = f" (or an external one: {'.'.join(table.external)})" if table.external else ""
            missing.append(f"{name}{hint}")
    if missing and engines_agree:  # else the engines are the problem, not the modules
        engine = "eggroll" if cfg.computing == "Eggroll" else cfg.computing
        yield Problem(
            ("modules",),
            rule,
            f"FATE on {engine} with these engines needs "
            f"module{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
        )


def module_needs(cfg: StackConfig) -> Iterator[Problem]:
    """What the chart's configs need (:data:`fate_iac.modules.MODULE_NEEDS`,
    :data:`~fate_iac.modules.PORT_NEEDS`): each deployed module's addresses of another
    module deployed beside it (or pointed elsewhere), and each published port listened on."""
    for need in needs_of(cfg.chartName):
        if not cfg.has(need.module) or cfg.has(need.needs):
            continue
        if need.unless is not None and _set(cfg, need.unless):
            continue
        instead = f", or point it elsewhere with {'.'.join(need.unless)}" if need.unless else ""
        yield Problem(
            ("modules",),
            "module-needs",
            f"{need.module} connects to {need.needs} ({need.where}), which this stack does "
            f"not deploy: add {need.needs} to modules{instead}",
        )
    for port in port_needs_of(cfg.chartName):
        if port.publishes(cfg) and not port.listening(cfg):
            yield Problem(
                port.at,
                "module-needs",
                f"Service {port.service} publishes port {port.port} ({port.published}), but "
                f"{port.module} listens there only with {port.listens}",
            )


def _new_paths(found: list[Problem], more: Iterable[Problem]) -> list[Problem]:
    """``more`` at the keys ``found`` does not already name: one problem per key, the
    more specific rule's (the engines' table names a missing module; nodeport-required
    an exposed port left unset)."""
    seen = {p.path for p in found}
    return [p for p in more if p.path not in seen]


def chart_version_has(cfg: PartyConfig) -> Iterator[Problem]:
    """Keys and flavours an older chart does not know: KubeFATE would drop them silently."""
    gpu = "device: GPU on eggroll" if cfg.computing == "Eggroll" else "device: GPU on Spark"
    needs: list[tuple[tuple[str, ...], bool, str]] = [
        (("algorithm",), cfg.algorithm == "ALL", "algorithm: ALL"),
        (("device",), cfg.device == "GPU", gpu),
        (("python", "hive"), _set(cfg, ("python", "hive")), "python.hive"),
    ]
    for key in ("topic_ttl", "cluster", "tenant"):
        link: tuple[str, ...] = ("python", "pulsar", key)
        needs.append((link, _set(cfg, link), ".".join(link)))
    for path, used, since in needs:
        if used and not cfg.chart.reads(since):
            value = getattr(cfg, path[0]) if len(path) == 1 else None
            what = f"{path[0]}: {value}" if value else ".".join(path)
            first = FATE_KEYS_SINCE[since]
            yield Problem(
                path,
                "chart-version",
                f"{what} needs the fate chart {first} or later, not {cfg.chartVersion}",
            )
    yield from _generation_keys(cfg)


IMAGE_SECTIONS: tuple[tuple[str, ...], ...] = image_sections(newest_fate2_chart().images or {})
"""Sections with their own image and imageTag on the fate chart v2.0.0."""


def _generation_keys(cfg: PartyConfig) -> Iterator[Problem]:
    """Keys of one FATE generation's chart set on the other's, where they would be
    dropped without a word."""
    if cfg.fate2:
        for path, instead in FATE1_ONLY_KEYS.items():
            if _set(cfg, path):
                yield Problem(path, "chart-version", instead)
        if cfg.registry and not cfg.registry.endswith("/"):
            yield Problem(
                ("registry",),
                "chart-version",
                f"{cfg.registry!r}: the fate chart "
                "v2.0.0 writes <registry><image> with nothing between: end it "
                "with /",
            )
        return
    fate2_modules = [(m.name,) for m in FATE_MODULES if m.generations == (2,)]
    images = [(*at, key) for at in IMAGE_SECTIONS for key in ("image", "imageTag")]
    later = fate2_modules + images
    for path in later:
        if _set(cfg, path):
            yield Problem(
                path,
                "chart-version",
                f"{'.'.join(path)} needs the fate chart v2.0.0, not {cfg.chartVersion}",
            )


OSX_UNSUPPORTED: dict[tuple[str, ...], str] = {
    ("osx", "exchange"): "the fate chart v2.0.0 renders no route to an exchange (no template "
    "reads osx.exchange): list the parties in osx.partyList, or name their stacks in peers",
    ("osx", "polling"): "the fate chart v2.0.0 renders no polling for osx (no template reads it)",
}
"""osx keys the fate chart v2.0.0 takes but does nothing with, and why."""


def osx_supported(cfg: PartyConfig) -> Iterator[Problem]:
    """What an OSX party cannot do with the fate chart v2.0.0, refused with the reason."""
    if not cfg.fate2:
        return
    for path, why in OSX_UNSUPPORTED.items():
        if _set(cfg, path):
            yield Problem(path, "osx", why)
    if cfg.osx is not None and cfg.osx.enableTLS:
        yield Problem(
            ("osx", "enableTLS"),
            "osx",
            "the fate chart v2.0.0 turns on no TLS for "
            "osx (its broker keeps TLS off; enableTLS only mounts a Secret "
            "eggroll-certs it does not read)",
        )
    if cfg.protocol == "osx" and cfg.exchangeStack:
        yield Problem(
            ("exchangeStack",),
            "osx",
            "an OSX party cannot route through an "
            "exchange here: KubeFATE has no OSX exchange chart, fate-exchange's "
            "rollsite is FATE 1.x's, and the fate chart v2.0.0 renders no route to "
            "an exchange; name the peers' stacks in peers (P2P)",
        )


def node_ports_in_range(cfg: StackConfig) -> Iterator[Problem]:
    low, high = cfg.node_port_range
    if low >= high:
        yield Problem(("nodePortRange",), "nodeport-range", f"{cfg.nodePortRange} is empty")
        return
    try:
        cluster_low, cluster_high = service_node_port_range()
    except ValueError as error:
        yield Problem(("nodePortRange",), "nodeport-range", str(error))
        return
    if low < cluster_low or high > cluster_high:
        yield Problem(
            ("nodePortRange",),
            "nodeport-range",
            f"{cfg.nodePortRange} is not within the cluster's service NodePort range "
            f"{cluster_low}-{cluster_high} (a cluster configured otherwise says so once, in "
            f"{SERVICE_NODE_PORT_RANGE_ENV})",
        )
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
            first = key_path(seen[claim.port])
            yield Problem(
                claim.path, "nodeport-unique", f"NodePort {claim.port} is already used by {first}"
            )
        else:
            seen[claim.port] = claim.path


def node_ports_given(cfg: StackConfig) -> Iterator[Problem]:
    """A NodePort Service needs its port written down: peers must be told it."""
    for claim in cfg.node_ports():
        if claim.missing:
            yield Problem(
                claim.path,
                "nodeport-required",
                f"{key_path(claim.type_path)} is NodePort: set {claim.path[-1]}, the port "
                "others use to reach it",
            )


GOVERNED_KEYS: dict[str, str] = {
    **dict.fromkeys(
        ("nodePort", "httpNodePort", "grpcNodePort", "httpsNodePort", "nodePortRange"),
        "a NodePort (range, uniqueness across stacks)",
    ),
    **dict.fromkeys(
        (
            "password",
            "pass",
            "default_pass",
            "externalMysqlPassword",
            "externalRedisPassword",
            "notebook_hashed_password",
        ),
        "a credential (a Pulumi secret, not a chart default)",
    ),
    **dict.fromkeys(
        ("registry", "image", "imageTag", "Image", "ImageTag", "tag", "repository"),
        "an image (the OCI reference grammar)",
    ),
    **dict.fromkeys(("namespace",), "a namespace (not the cluster's own)"),
    **dict.fromkeys(("partyId", "partyList", "route_table"), "a route (typed records)"),
}
"""Chart values keys the typed config governs, by the rule that guards them: refused in
``helmValues``, so no rule is bypassed by the escape hatch."""
MAX_HELM_VALUES_DEPTH = 32
"""Nesting deeper than any chart's values go (they reach about 8)."""


def helm_values_governed(cfg: StackConfig, namespace: str = "fate") -> Iterator[Problem]:
    """``helmValues`` sets no key a typed key governs, and nests within bounds; the typed
    key to use instead is named in the config ``namespace`` its keys are written in."""
    if not cfg.helmValues:
        return
    stack: list[tuple[Any, KeyPath]] = [(cfg.helmValues, ("helmValues",))]
    while stack:  # no recursion: the depth is the user's
        node, path = stack.pop()
        if len(path) > MAX_HELM_VALUES_DEPTH:
            yield Problem(
                path[:MAX_HELM_VALUES_DEPTH],
                "helm-values-depth",
                f"nested deeper than {MAX_HELM_VALUES_DEPTH} levels; no chart reads that deep",
            )
            return
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            at = (*path, key)
            guarded = GOVERNED_KEYS.get(key) if isinstance(key, str) else None
            if guarded and not isinstance(value, dict):  # a section: its leaves are checked
                message = _typed_instead(cfg, at, guarded, namespace)
                yield Problem(at, "helm-values-governed", message)
            elif isinstance(value, dict | list):
                stack.append((value, at))


TYPED_CHART_KEYS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("image", "registry"): ("registry",),
    ("image", "tag"): ("imageTag",),
}
"""Chart values paths whose typed key is spelled otherwise (the rest are the same path
without ``modules``)."""


def _typed_instead(cfg: StackConfig, at: KeyPath, guarded: str, namespace: str) -> str:
    """What to write instead of a governed key in helmValues."""
    chart_path = [str(k) for k in at[1:] if k != "modules"]
    chart_path = list(TYPED_CHART_KEYS.get(tuple(chart_path), chart_path))
    typed = ".".join(chart_path)
    exists = _at(cfg, tuple(chart_path)) is not None or _field_exists(type(cfg), chart_path)
    where = f"use the typed key {namespace}:{typed}" if exists else "use the module's typed keys"
    return f"sets {guarded}, which typed config governs: {where} (see docs/reference.md)"


def _field_exists(model: Any, path: list[str]) -> bool:
    import typing

    for key in path:
        fields = getattr(model, "model_fields", None)
        if not fields or key not in fields:
            return False
        annotation = fields[key].annotation
        inner = [a for a in typing.get_args(annotation) if hasattr(a, "model_fields")]
        model = inner[0] if inner else annotation
    return True


NODE_PORT_RULES = (node_ports_in_range, node_ports_unique, node_ports_given)
"""The rules over a stack's NodePorts: all its clusters' together."""


def _party_list(
    entries: Iterable[Any], own_id: int | None, at: Path = ("rollsite", "partyList")
) -> Iterator[Problem]:
    """KubeFATE's hand-written routes (a partyList at ``at``): each party once, not oneself."""
    seen: set[int] = set()
    for index, entry in enumerate(entries):
        path: Path = (*at, index, "partyId")
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
    gateway = cfg.gateway_section
    entries = (gateway.partyList or []) if gateway else []
    yield from _party_list(entries, cfg.partyId, (cfg.gateway, "partyList"))


def wiring_valid(cfg: PartyConfig) -> Iterator[Problem]:
    """Peers and exchange named once each, static peers reachable."""
    yield from _listed_once("peers", cfg.peers)
    for index, peer in enumerate(cfg.peers):
        if isinstance(peer, str):
            continue
        if peer.partyId == cfg.partyId:
            yield Problem(("peers", index), "peers", f"party {peer.partyId} is this party")
        needs = PEER_ENDPOINTS[cfg.protocol]
        missing = [name for name in needs if name not in peer.endpoints]
        if missing:
            yield Problem(
                ("peers", index, "endpoints"),
                "peers",
                f"a static "
                f"{cfg.protocol} peer needs endpoints {', '.join(needs)} "
                f"(missing {', '.join(missing)})",
            )
    broker = cfg.broker
    if broker and not cfg.has(broker) and (cfg.peer_stacks or cfg.exchange_stack):
        key = "exchangeStack" if cfg.exchange_stack else "peers"
        yield Problem(
            (key,),
            "peers",
            f"routes by stack name need this party's own {broker} "
            f"module, which its record publishes; with an external {broker}, write "
            f"{broker}.route_table by hand",
        )
    if not cfg.behind_exchange:
        return
    for section in ("rollsite", "osx", "nginx", "pulsar"):
        if getattr(getattr(cfg, section), "exchange", None) is not None:
            yield Problem(
                ("exchangeStack",),
                "peers",
                f"both exchangeStack and {section}.exchange are set; keep one",
            )
    if cfg.federation == "RabbitMQ":
        yield Problem(
            ("exchangeStack",),
            "peers",
            "federation: RabbitMQ cannot go through an "
            "exchange (its trafficServer routes Pulsar's TLS by SNI); list the "
            "parties in peers, or federate with Pulsar",
        )


PEER_ENDPOINTS: dict[str, tuple[str, ...]] = {
    "eggroll": ("rollsite",),
    "osx": ("osx",),
    "spark-pulsar": ("nginxHttp", "nginxGrpc", "pulsar"),
    "spark-rabbitmq": ("nginxHttp", "nginxGrpc", "rabbitmq"),
}
"""The endpoints a peer's record needs for each protocol."""


def spark_route_tables(cfg: PartyConfig) -> Iterator[Problem]:
    """KubeFATE's hand-written Spark routes: the chart writes this party's own nginx
    route, so nginx.route_table names peers only."""
    table = cfg.nginx.route_table if cfg.nginx else None
    if table and cfg.partyId in table:
        yield Problem(
            ("nginx", "route_table", cfg.partyId),
            "route-table",
            f"party "
            f"{cfg.partyId} is this party, whose route the chart writes itself; list "
            "only peers",
        )


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
    node = _at(cfg, path)
    return node if isinstance(node, Secret) else None


def credentials_are_secrets(cfg: PartyConfig) -> Iterator[Problem]:
    for path in CREDENTIAL_PATHS:
        if path[0] in ("kubefate", SERVING_NAMESPACE):
            continue  # checked with the KubeFATE service's and the serving cluster's rules
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
            # Setting FATE-Board's password writes its section, whose login name is then
            # empty unless set too (rule fateboard-login): say both at once.
            login = (
                " and its login name with pulumi config set --path 'fate:fateboard.username' <name>"
                if path == ("fateboard", "password")
                and not (cfg.fateboard is not None and cfg.fateboard.username)
                else ""
            )
            yield Problem(
                path,
                "default-credentials",
                f"not set, so the chart's well-known {default!r} would be used; set it with "
                f"pulumi config set --secret --path 'fate:{dotted}' <value>{login} "
                "(or opt in with fate:allowDefaultCredentials: true)",
            )
        elif secret.value == default:
            yield Problem(
                path,
                "default-credentials",
                f"is the chart's well-known {default!r}; choose another "
                "(or opt in with fate:allowDefaultCredentials: true)",
            )


FATEFLOW_LINKS: dict[str, tuple[str, ...]] = {
    "pulsar": ("host", "port", "mng_port"),
    "rabbitmq": ("host", "port", "mng_port", "user", "password"),
    "nginx": ("host", "http_port", "grpc_port"),
}
"""The keys of fateflow's links (python.<section>) its service_conf needs: the template
writes every one once the section exists, empty when unset."""


def fateflow_links_complete(cfg: PartyConfig) -> Iterator[Problem]:
    """A link section written in part would leave fateflow with empty hosts or ports."""
    for name, keys in FATEFLOW_LINKS.items():
        link = getattr(cfg.python, name, None) if cfg.python else None
        if link is None or not link.model_fields_set:
            continue
        missing = [key for key in keys if getattr(link, key) is None]
        if missing:
            yield Problem(
                ("python", name),
                "fateflow-link",
                f"written in part: the chart "
                f"then takes none of its defaults, so set {', '.join(missing)} too, "
                f"or leave python.{name} out",
            )


def rabbitmq_credentials(cfg: PartyConfig) -> Iterator[Problem]:
    """The chart's RabbitMQ broker only knows fate/fate, and peers log in to it so."""
    if cfg.protocol != "spark-rabbitmq":
        return
    login = cfg.python.rabbitmq if cfg.python else None
    secret = login.password if login else None
    if not cfg.has("rabbitmq"):
        if cfg.allowDefaultCredentials:
            return
        if secret is None or secret.value == RABBITMQ_BROKER_LOGIN:
            yield Problem(
                ("python", "rabbitmq", "password"),
                "default-credentials",
                "an external RabbitMQ needs its password set as a Pulumi secret, not "
                f"the chart's well-known {RABBITMQ_BROKER_LOGIN!r} (or opt in with "
                "fate:allowDefaultCredentials: true)",
            )
        return
    if not cfg.allowDefaultCredentials:
        yield Problem(
            ("rabbitmq",),
            "default-credentials",
            "the fate chart's RabbitMQ broker "
            f"logs in as {RABBITMQ_BROKER_LOGIN}/{RABBITMQ_BROKER_LOGIN} whatever "
            "rabbitmq.user and rabbitmq.password say (its Deployment does not read "
            "them), and peers log in to it the same way: opt in with "
            "fate:allowDefaultCredentials: true, or federate with Pulsar",
        )
    if login is not None and login.user not in (None, RABBITMQ_BROKER_LOGIN):
        yield Problem(
            ("python", "rabbitmq", "user"),
            "rabbitmq-login",
            "the chart's broker "
            f"only knows the user {RABBITMQ_BROKER_LOGIN!r}: fateflow could not log "
            "in as another",
        )
    if secret is not None and secret.value not in (None, RABBITMQ_BROKER_LOGIN):
        yield Problem(
            ("python", "rabbitmq", "password"),
            "rabbitmq-login",
            "the chart's "
            f"broker only accepts {RABBITMQ_BROKER_LOGIN!r}: fateflow could not log in "
            "with another password; remove it",
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


def _hand_written_routes(cfg: PartyConfig | ExchangeConfig) -> Iterator[Problem]:
    """With rollsite's TLS, every route is TLS and trusts its peer's CA: a hand-written
    route carries no CA (nor a TLS port, nor a polling client's certificate)."""
    rollsite = cfg.rollsite
    if not cfg.rollsite_tls or rollsite is None:
        return
    instead = (
        "name the peer by stack in peers, or as a static federation record with "
        "its rollsiteTLS endpoint and ca"
    )
    if rollsite.partyList:
        yield Problem(
            ("rollsite", "partyList"),
            "tls",
            "with enableTLS a route needs the "
            f"peer's CA, which a partyList entry cannot carry: {instead}",
        )
    if getattr(rollsite, "exchange", None) is not None:
        yield Problem(
            ("rollsite", "exchange"),
            "tls",
            "with enableTLS the route to the "
            "exchange needs its CA, which rollsite.exchange cannot carry: name its "
            "stack in exchangeStack, or give its federation record there",
        )
    polling = getattr(rollsite, "polling", None)
    if polling is not None and polling.enabled:
        yield Problem(
            ("rollsite", "polling"),
            "tls",
            "polling routes carry no TLS here: turn polling off, or enableTLS off",
        )


def party_tls_valid(cfg: PartyConfig) -> Iterator[Problem]:
    # A party's credentials are all checked together (credentials_are_secrets).
    return _tls_valid(cfg, party_mounted(cfg), check_ca_key=False)


def exchange_tls_valid(cfg: ExchangeConfig) -> Iterator[Problem]:
    return _tls_valid(cfg, exchange_mounted(cfg), check_ca_key=True)


def _tls_valid(
    cfg: PartyConfig | ExchangeConfig, mounted: list[Mounted], check_ca_key: bool
) -> Iterator[Problem]:
    """``fate:tls`` goes with certificates the charts mount, renews before expiry, and a
    brought CA is a CA whose key is a secret."""
    tls = cfg.tls
    yield from _hand_written_routes(cfg)
    if not mounted:
        if "tls" in cfg.model_fields_set:
            yield Problem(
                ("tls",),
                "tls",
                "nothing here uses certificates (rollsite.enableTLS "
                "is off, and there is no Pulsar behind an exchange nor a "
                "trafficServer): leave fate:tls out",
            )
        return
    if tls.renewBeforeHours >= tls.validityHours:
        yield Problem(
            ("tls", "renewBeforeHours"),
            "tls",
            f"{tls.renewBeforeHours} is not "
            f"below validityHours ({tls.validityHours}): every update would "
            "re-issue the certificates",
        )
    if tls.ca is None:
        if tls.validityHours > tls.caValidityHours:
            yield Problem(
                ("tls", "validityHours"),
                "tls",
                f"{tls.validityHours} exceeds "
                f"caValidityHours ({tls.caValidityHours}): no certificate outlives "
                "its CA",
            )
        return
    from fate_iac.pki import ca_problem  # cryptography: only for a brought CA

    reason = ca_problem(tls.ca.certificate, tls.renewBeforeHours)
    if reason:
        yield Problem(("tls", "ca", "certificate"), "tls", f"cannot sign with this CA: {reason}")
    else:
        from fate_iac.pki import names_outside

        outside = names_outside(tls.ca.certificate, [h for m in mounted for h in m.hosts])
        if outside:
            yield Problem(
                ("tls", "ca", "certificate"),
                "tls",
                "its NameConstraints do not permit "
                f"{', '.join(outside)}: every verifier would refuse what it signs for "
                "them; bring a CA that permits them, or leave those names out (tls.hosts)",
            )
    if check_ca_key and not tls.ca.key.secure:
        yield Problem(
            ("tls", "ca", "key"),
            "secret",
            "a CA's private key must be a Pulumi "
            "secret: pulumi config set --secret --path fate:tls.ca.key <pem>",
        )


def network_policy_options(cfg: StackConfig) -> Iterator[Problem]:
    """Egress options take effect with the policies they extend only."""
    options = cfg.networkPolicy
    if options.egress and not options.enabled:
        yield Problem(
            ("networkPolicy", "egress"),
            "network-policy",
            "true limits what the pods connect to with NetworkPolicies, and "
            "networkPolicy.enabled is false (none are created): turn enabled on, or egress off",
        )
    if options.egressTo and not options.egress:
        yield Problem(
            ("networkPolicy", "egressTo"),
            "network-policy",
            "takes effect with networkPolicy.egress: true only: set it, or leave egressTo out",
        )


PARTY_RULES: tuple[Rule, ...] = (
    modules_match_engines,
    chart_version_has,
    osx_supported,
    *NODE_PORT_RULES,
    helm_values_governed,
    party_list_valid,
    spark_route_tables,
    wiring_valid,
    persistence_complete,
    fateboard_login,
    fateflow_links_complete,
    credentials_are_secrets,
    no_default_credentials,
    rabbitmq_credentials,
    party_tls_valid,
    published_notebook_password,
    network_policy_options,
)
"""The rules of every party, on eggroll or Spark: each rule reads the engines itself."""


def check(cfg: PartyConfig) -> list[Problem]:
    """Every problem every party rule finds, in rule order; its serving cluster's own
    rules are its kind's (:meth:`fate_iac.kinds.ChartKind.check_beside`)."""
    found = [problem for rule in PARTY_RULES for problem in rule(cfg)]
    found.extend(_new_paths(found, module_needs(cfg)))
    if cfg.servingCluster is not None:
        found.extend(serving_beside_training(cfg))
    return found


# --- the exchange --------------------------------------------------------------------------


def exchange_chart(cfg: ExchangeConfig) -> Iterator[Problem]:
    if cfg.chartVersion not in EXCHANGE_CHART_VERSIONS:
        yield Problem(
            ("chartVersion",),
            "chart-version",
            f"there is no fate-exchange "
            f"{cfg.chartVersion}: FATE 2.0's Spark parties route through v1.11.2's "
            "exchange, as KubeFATE's v2.0.0 examples do",
        )


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
    exchange_chart,
    exchange_modules,
    *NODE_PORT_RULES,
    helm_values_governed,
    exchange_party_list,
    members_once,
    exchange_tls_valid,
    network_policy_options,
)


def check_exchange(cfg: ExchangeConfig) -> list[Problem]:
    """Every problem every exchange rule finds, in rule order."""
    return [problem for rule in EXCHANGE_RULES for problem in rule(cfg)]


# --- FATE-Serving ----------------------------------------------------------------------------


def _serving_key(path: KeyPath) -> str:
    return key_path((SERVING_NAMESPACE, *path))


def serving_chart_version_has(cfg: ServingConfig) -> Iterator[Problem]:
    """A key the chart version does not read would be dropped without a word."""
    chart = serving_chart(cfg.chartVersion)
    for path in (*SERVING_KEYS_UNTIL, *SERVING_KEYS_SINCE):
        if _set(cfg, path) and not chart.reads(path):
            gone = path in SERVING_KEYS_UNTIL
            instead = "ingress.servingProxy.hosts" if gone else "nothing: leave it out"
            message = f"fate-serving chart {cfg.chartVersion} does not read it (use {instead})"
            yield Problem(path, "chart-version", message)


def serving_routes_valid(cfg: ServingConfig) -> Iterator[Problem]:
    proxy = cfg.servingProxy
    entries = (proxy.partyList or []) if proxy else []
    yield from _party_list(entries, cfg.partyId, ("servingProxy", "partyList"))
    yield from _listed_once("peers", cfg.peers)
    if proxy is not None and proxy.exchange is not None and cfg.exchangeStack:
        yield Problem(
            ("servingProxy", "exchange"),
            "wiring",
            "set either servingProxy.exchange or exchangeStack, not both",
        )


def serving_fateflow_known(cfg: ServingConfig) -> Iterator[Problem]:
    """The serving server loads models from fateflow: it must know where fateflow is."""
    server = cfg.servingServer
    if cfg.has("servingServer") and (server is None or server.fateflow is None):
        yield Problem(
            ("servingServer", "fateflow"),
            "serving-fateflow",
            "the serving server needs fateflow's address (ip, port): set it, or configure "
            "the party's training cluster in the same stack (fate: keys), which then gives it",
        )


def serving_credentials(cfg: ServingConfig) -> Iterator[Problem]:
    """Credentials are Pulumi secrets; the chart's well-known ones need an opt-in."""
    for path in (
        ("servingRedis", "password"),
        ("servingAdmin", "password"),
        ("externalRedisPassword",),
    ):
        secret = _at(cfg, path)
        if isinstance(secret, Secret) and not secret.secure:
            yield Problem(
                path,
                "secret",
                "credentials must be Pulumi secrets: pulumi config "
                f"set --secret --path '{_serving_key(path)}' <value>",
            )
    if cfg.allowDefaultCredentials:
        return
    opt_in = f"(or opt in with {_serving_key(('allowDefaultCredentials',))}: true)"
    in_use: list[tuple[tuple[str, ...], str]] = []
    if cfg.has("servingRedis") or cfg.has("servingServer"):
        external = cfg.uses_external_redis
        in_use.append(
            (("externalRedisPassword",) if external else ("servingRedis", "password"), "fate_dev")
        )
    if cfg.has("servingAdmin"):
        in_use.append((("servingAdmin", "password"), "admin"))
    for key, known in in_use:
        secret = _at(cfg, key)
        if not isinstance(secret, Secret):
            yield Problem(
                key,
                "default-credentials",
                f"not set, so the chart's well-known "
                f"{known!r} would be used; set it with pulumi config set --secret "
                f"--path '{_serving_key(key)}' <value> {opt_in}",
            )
        elif secret.value == known:
            message = f"is the chart's well-known {known!r}; choose another {opt_in}"
            yield Problem(key, "default-credentials", message)


SERVING_RULES: tuple[Callable[[ServingConfig], Iterator[Problem]], ...] = (
    serving_chart_version_has,
    serving_routes_valid,
    serving_fateflow_known,
    serving_credentials,
)


def check_serving(cfg: ServingConfig, alone: bool) -> list[Problem]:
    """Every problem of a serving cluster, its paths under ``fate-serving:``; its own
    ``helmValues`` always; ``alone`` in its stack, its NodePorts too (beside a training
    cluster, the party's rules count them with the training cluster's)."""
    rules = (*SERVING_RULES, *NODE_PORT_RULES) if alone else SERVING_RULES
    found = [problem for rule in rules for problem in rule(cfg)]
    found.extend(helm_values_governed(cfg, SERVING_NAMESPACE))
    found.extend(module_needs(cfg))
    if not alone and cfg.kubefate is not None:
        found.append(
            Problem(("kubefate",), "kubefate", "set the KubeFATE service once, as fate:kubefate")
        )
    return [replace(p, path=(SERVING_NAMESPACE, *p.path)) for p in found]


def serving_beside_training(cfg: PartyConfig) -> Iterator[Problem]:
    """A stack's two clusters are one party, each in its own namespace."""
    serving = cfg.servingCluster
    if serving is None:
        return
    if serving.partyId != cfg.partyId:
        yield Problem(
            (SERVING_NAMESPACE, "partyId"),
            "party-id",
            f"is {serving.partyId}, but this stack is party {cfg.partyId} "
            "(fate:partyId); leave it out",
        )
    if serving.k8s_namespace == cfg.k8s_namespace:
        yield Problem(
            (SERVING_NAMESPACE, "namespace"),
            "namespace",
            f"{serving.k8s_namespace} is the training cluster's namespace too; "
            "the serving cluster needs its own",
        )
    if serving.release_name == cfg.release_name:
        yield Problem(
            (SERVING_NAMESPACE, "name"),
            "release-name",
            f"{serving.release_name} is the training cluster's release name too",
        )
    for key in ("nodePortRange", "federationReads"):  # one cluster, one program run
        if getattr(serving, key) != getattr(cfg, key):
            yield Problem(
                (SERVING_NAMESPACE, key),
                "serving-beside",
                f"both clusters of this stack share fate:{key}; leave it out here",
            )


def tls_notes(cfg: PartyConfig | ExchangeConfig, mounted: list[Mounted]) -> list[str]:
    """The opt-outs of TLS's defaults, named when taken: a plaintext gateway published,
    a CA not constrained to the stack's names (with the certificates it ``mounted``)."""
    notes = []
    if cfg.rollsite_tls and cfg.tls.publishPlaintext and cfg.rollsite is not None:
        notes.append(
            f"fate:tls.publishPlaintext: rollsite's plaintext port stays published "
            f"({cfg.rollsite.type}) beside its TLS one; the default keeps it inside the "
            "namespace"
        )
    if not mounted:
        return notes
    if cfg.tls.ca is not None:
        from fate_iac.pki import constraints_of  # cryptography: only for a brought CA

        if constraints_of(cfg.tls.ca.certificate) is None:
            notes.append(
                "fate:tls.ca.certificate has no NameConstraints: whoever trusts it (this "
                "stack's peers) accepts what it signs for any name, another party's "
                "included; a CA constrained to this stack's names closes that "
                "(docs/tls.md)"
            )
    elif not cfg.tls.constrainCA:
        notes.append(
            "fate:tls.constrainCA is false: the generated CA may sign for any name, "
            "another party's included; the default constrains it to this stack's names"
        )
    return notes


def advisories(cfg: PartyConfig) -> list[str]:
    """Things worth saying that do not block a deployment."""
    notes = tls_notes(cfg, party_mounted(cfg)) + mysql_root.notes(cfg)
    gateway = cfg.gateway if cfg.computing == "Eggroll" else "nginx"  # what peers reach first
    section = getattr(cfg, gateway)
    exposed = section is not None and section.type in ("NodePort", "LoadBalancer")
    if cfg.has(gateway) and exposed and not cfg.publicHost and not section.loadBalancerIP:
        notes.append(
            f"fate:publicHost is not set: this party's federation endpoint ({gateway}) has "
            "no host, so peers cannot be told where to reach it"
        )
    if cfg.fate2 and cfg.chartRepo in (None, UPSTREAM_CHART_REPO):
        notes.append(
            f"KubeFATE does not publish the fate chart {cfg.chartVersion} in its "
            "repository: package it from KubeFATE's source and set fate:chartRepo "
            "(docs/fate-2.md)"
        )
    if cfg.fate2 and cfg.storage == "LocalFS":
        notes.append(
            "storage: LocalFS on FATE 2.0: fateflow 2.0.0 lists no localfs "
            "storage engine (KubeFATE's v2.0.0 examples use it; not verified here)"
        )
    notes.extend(opt_out_notes(cfg, port_closed=cfg.networkPolicy.enabled))
    if cfg.networkPolicy.enabled and cfg.networkPolicy.openFateflow:
        notes.append(
            "fate:networkPolicy.openFateflow: fateflow's APIs (unauthenticated unless "
            "configured) are open to every namespace and from outside the cluster; the "
            "default opens them to the party's own namespaces and its ingress controller's"
        )
    elif cfg.networkPolicy.enabled and cfg.python is not None and cfg.python.type != "ClusterIP":
        notes.append(
            f"fate:python.type {cfg.python.type}: fateflow's Service is published, but its "
            "NetworkPolicy lets in only the party's own namespaces and "
            f"{', '.join(cfg.networkPolicy.ingressNamespaces) or 'no ingress namespace'}; "
            "set fate:networkPolicy.openFateflow to open it to everyone"
        )
    pulsar = cfg.pulsar
    if pulsar and pulsar.httpsNodePort and cfg.has("pulsar") and not cfg.pulsar_via_exchange:
        notes.append(
            f"fate:pulsar.httpsNodePort {pulsar.httpsNodePort}: the chart always publishes "
            "Pulsar's TLS port (6651), but Pulsar listens there only behind an exchange "
            "(brokerServicePortTls); in P2P nothing answers it and no NetworkPolicy opens it"
        )
    unused = [m for m in ALL_MODULES if getattr(cfg, m, None) is not None and not cfg.has(m)]
    for module in unused:
        notes.append(f"fate:{module} is configured but {module} is not in fate:modules")
    return notes
