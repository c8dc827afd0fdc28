"""Stack kinds: the one seam every kind of stack plugs into.

A kind (a FATE party on eggroll or on Spark, an exchange, a serving cluster, the KubeFATE
service alone) is one :class:`StackKind` in :data:`KINDS`. Kinds may share a model: both
party kinds read the whole ``fate`` chart's config, and differ in their routes, record and
outputs. It says:

* how its config is loaded and validated (its model, its rules, its notes), and which of
  its keys were secrets;
* what ``fatectl validate`` says of it, and what the commands it has no use for say;
* which Helm releases it installs (:class:`~fate_iac.release.ReleaseSpec`: name, chart,
  values, the key paths routes override), and what runs beside them: the NetworkPolicies'
  entry points and sibling namespaces, the certificates it issues and mounts, the
  upgrade rules and migration of its chart;
* which stacks its routes come from, and the routes and values they make;
* the federation record it publishes, and its other stack outputs;
* what the cross-stack checks ask of it (whether it trains, serves, whom it peers with).

The kind of a stack is read from its config (:func:`kind_tag`): ``chartName`` says which
chart, and for the ``fate`` chart the computing engine (``computing``, or the v1.5
``backend``) says eggroll or Spark. The offline renderer, the cross-stack checks, the
orchestrator, the CLI and the Pulumi program all go through here, and none of them asks
which kind it holds: a test (``tests/test_kind_seam.py``) keeps it so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Generic, Literal, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from fate_iac import (
    egress,
    isolation,
    kubefate_server,
    legacy,
    mysql_root,
    rules,
    serving,
    tls,
    upgrade,
)
from fate_iac.charts import merge_values, resolve_chart
from fate_iac.config import (
    SERVING_INHERITED,
    SERVING_MODULES,
    ExchangeConfig,
    KubeFateServerConfig,
    PartyConfig,
    ServingConfig,
    StackConfig,
    credential_paths,
)
from fate_iac.egress import Destinations
from fate_iac.endpoints import (
    broker_endpoints,
    fateflow_endpoints,
    ingress_hosts,
    nginx_endpoints,
    party_record,
    rollsite_endpoint,
    serving_endpoints,
    serving_record,
)
from fate_iac.endpoints import exchange_record as make_exchange_record
from fate_iac.federation import ExchangeRoutes, FederationRecord, Routes, SparkRoutes
from fate_iac.postrender import MYSQL_ROOT, POSTRENDER_REVISION, TLS
from fate_iac.problems import (
    CONFIG_NAMESPACE,
    SERVING_NAMESPACE,
    ConfigError,
    KeyPath,
    Problem,
    from_pydantic,
)
from fate_iac.release import ReleaseSpec, blank_nulls
from fate_iac.routing import (
    MAIN,
    RoutedValues,
    exchange_routed_values,
    members_of,
    party_routed_values,
    serving_routed_values,
    spark_routed_values,
    static_route_problems,
)
from fate_iac.tls import Issuing, Mounted
from fate_iac.upgrade import Migration
from fate_iac.values import render_exchange_values, render_serving_values, render_values

M = TypeVar("M", bound=BaseModel)
C = TypeVar("C", bound=StackConfig)
Role = Literal["party", "exchange", "service"]
EntryPoints = dict[str, tuple[tuple[int, int], ...]]


@dataclass(frozen=True)
class Loaded(Generic[M]):
    """A validated stack config, its kind, and what is worth saying about it."""

    config: M
    kind: StackKind[M]
    notes: list[str] = field(default_factory=list)
    static_records: list[Any] = field(default_factory=list)
    """The static federation records its config gives, and where each came from
    (:class:`fate_iac.record_file.StaticRecord`)."""


class SecretKeys(Protocol):
    """Which keys of a raw config were secrets (:class:`fate_iac.loader.RawConfig`)."""

    @property
    def values(self) -> dict[str, Any]: ...

    def secret_keys_in(self, namespace: str) -> frozenset[str]: ...


@dataclass(frozen=True)
class UpgradeStep:
    """What an update runs before its release is upgraded: the migration, its objects
    (the last a Job the release waits for), and how long the release waits for it."""

    migration: Migration
    objects: list[dict[str, Any]]
    timeout: int


class StackKind(Generic[M]):
    """What one kind of stack is, for every command and the program: the registry's
    type. :class:`ChartKind` is every kind that installs a chart; the KubeFATE service
    alone (:class:`KubeFateService`) installs none."""

    tag: ClassVar[str]
    role: ClassVar[Role]
    model: type[BaseModel]
    """The model of its stack config (the reference documents its keys)."""
    component: ClassVar[str]
    """The Pulumi component that deploys it (type token ``fate:index:<component>``)."""
    title: ClassVar[str]
    """Its heading in the configuration reference."""
    namespace: ClassVar[str] = CONFIG_NAMESPACE
    """The config namespace its keys are written in."""
    shares_sections: ClassVar[bool] = True
    """Whether the reference documents the sections every kind has (``kubefate``) in
    their own table rather than in this kind's."""
    federates: ClassVar[bool] = True
    """Whether it is a member of the federation (``fatectl federation`` runs it)."""
    charted: ClassVar[bool] = True
    """Whether it installs charts (``fatectl render`` renders them)."""

    def load(
        self, raw: Mapping[str, Any], stack: str, secret_paths: frozenset[KeyPath] = frozenset()
    ) -> Loaded[M]:
        """Validate ``raw``; raise :class:`ConfigError` listing every problem. The values
        under ``secret_paths`` are never echoed in a message."""
        raise NotImplementedError

    @property
    def credential_paths(self) -> tuple[tuple[str, ...], ...]:
        """Where its config keeps a credential."""
        return credential_paths(self.model)

    def mark_secrets(self, cfg: M, raw: SecretKeys) -> None:
        """Tell the config which of its keys were given as secrets."""

    def summary(self, cfg: M) -> dict[str, Any]:
        """What ``fatectl validate --json`` says of a valid config."""
        raise NotImplementedError

    def summary_lines(self, cfg: M) -> list[str]:
        """What ``fatectl validate`` says of a valid config, a line each (after
        ``stack <name>: ``)."""
        raise NotImplementedError

    def unsupported(self, command: str, stack: str) -> str | None:
        """Why ``fatectl <command>`` has nothing to do for a stack of this kind; None
        when it has."""
        return None

    def chartless_documents(self, cfg: M, redact: bool) -> dict[str, str]:
        """What ``fatectl render`` shows of a kind that installs no chart, by name."""
        return {}

    def releases(self, cfg: M, source: str) -> list[ReleaseSpec]:
        """The Helm releases of the stack, charts resolved from ``source``."""
        return []

    def outputs(self, cfg: M, stack: str) -> dict[str, Any]:
        """Stack outputs known from the config alone."""
        return {}


SHAPING_KEYS = frozenset(
    {"partyId", "chartName", "chartVersion", "modules", "computing", "federation", "storage"}
)
"""Keys the rules of every other key read (which modules run, on which chart): while one
is broken, the others' rules cannot run."""


class ChartKind(StackKind[C]):
    """A kind that installs charts; subclasses fill in each part."""

    model: type[C]
    references_key: ClassVar[str]
    """The key that names the stacks this kind routes to (for route problems)."""
    tracks_upgrades: ClassVar[bool] = False
    """Whether an update reads the deployed release's version: its chart has upgrade
    rules, a migration, and the ``upgrade`` output."""
    trains: ClassVar[bool] = False
    """Whether it runs a training cluster (FATE jobs, a FATE version)."""

    # --- loading --------------------------------------------------------------------------

    def load(
        self, raw: Mapping[str, Any], stack: str, secret_paths: frozenset[KeyPath] = frozenset()
    ) -> Loaded[C]:
        """Validate ``raw``; raise :class:`ConfigError` listing every problem. The values
        under ``secret_paths`` are never echoed in a message."""
        migration = self.migrate(dict(raw))
        problems = list(migration.problems)
        try:
            config = self.model.model_validate(migration.config)
        except ValidationError as error:
            found = from_pydantic(
                error, secret_paths | set(self.credential_paths), migration.config
            )
            # A key a serving cluster inherits is reported once, where it was written.
            written = migration.config.get(SERVING_NAMESPACE) or {}
            problems.extend(p for p in found if not _inherited(p.path, written))
            problems.extend(self._rules_without(migration.config, found))
            raise ConfigError(stack, problems) from None
        config = self.complete(config)
        problems.extend(self.check(config))
        for kind, part in self.beside(config):
            problems.extend(kind.check_beside(part))
        if config.kubefate is not None:
            problems.extend(
                kubefate_server.check(config.kubefate, config.k8s_namespace, config.node_port_range)
            )
        if problems:
            raise ConfigError(stack, problems)
        problems = static_route_problems(self.routed(config, {}), self.references_key)
        for kind, part in parts(config)[1:]:  # a serving cluster beside it routes too
            found = static_route_problems(kind.routed(part, {}), kind.references_key)
            problems.extend(replace(p, path=_in_namespace(p.path)) for p in found)
        if problems:
            raise ConfigError(stack, problems)
        beside = kubefate_server.advisories(config.kubefate) if config.kubefate else []
        return Loaded(config, self, migration.notes + self.advisories(config) + beside)

    def _rules_without(self, given: dict[str, Any], broken: list[Problem]) -> list[Problem]:
        """The rule problems of the keys that are not broken, so a stack with a wrong type
        hears of its other problems in the same run: the rules run on the config without
        the broken top-level keys, and what they say of (or about the lack of) those
        keys is left out. When a
        key every other key depends on is broken (or one is missing), they cannot run."""
        keys = {p.path[0] for p in broken if p.path}
        if not keys or keys & SHAPING_KEYS or any(not p.path for p in broken):
            return []
        if any(p.rule == "required" and len(p.path) == 1 for p in broken):
            return []
        try:
            config = self.model.model_validate({k: v for k, v in given.items() if k not in keys})
        except ValidationError:  # the rest does not stand without the broken keys
            return []
        found = self.check(self.complete(config))
        # A rule that speaks of a broken key judged its absence: not a problem of its own.
        return [
            p
            for p in found
            if p.path and p.path[0] not in keys and not any(str(k) in p.message for k in keys)
        ]

    def mark_secrets(self, cfg: C, raw: SecretKeys) -> None:
        cfg.with_secret_keys(raw.secret_keys_in(CONFIG_NAMESPACE))

    def summary(self, cfg: C) -> dict[str, Any]:
        return {
            "kind": self.tag,
            "component": self.component,
            "partyId": cfg.partyId,
            "release": cfg.release_name,
            "namespace": cfg.k8s_namespace,
            "chart": cfg.chartName,
            "chartVersion": cfg.chartVersion,
            "kubefate": cfg.kubefate is not None,
            "serving": None,
        }

    def summary_lines(self, cfg: C) -> list[str]:
        lines = [
            f"ok: {self.role} {cfg.partyId} ({self.component}), release {cfg.release_name} "
            f"in namespace {cfg.k8s_namespace}, {cfg.chartName} chart {cfg.chartVersion}"
        ]
        for kind, part in self.beside(cfg):
            lines.append(f"beside it: {kind.beside_line(part)}")
        if cfg.kubefate is not None:
            lines.append(f"beside it: {KUBEFATE.service_line(cfg.kubefate)}")
        return lines

    def beside_line(self, cfg: C) -> str:
        """What ``fatectl validate`` says of it beside another kind's cluster."""
        raise NotImplementedError

    def migrate(self, raw: dict[str, Any]) -> legacy.Migration:
        """Older spellings rewritten (a kind without any takes the config as it is)."""
        return legacy.Migration(raw)

    def complete(self, cfg: C) -> C:
        """What the config implies filled in, before its rules are checked."""
        return cfg

    def check(self, cfg: C) -> list[Problem]:
        raise NotImplementedError

    def check_beside(self, cfg: C) -> list[Problem]:
        """Its problems as a cluster beside another's (:meth:`beside`), at its keys in
        the stack: its own rules, its NodePorts left to the other's count."""
        raise NotImplementedError

    def advisories(self, cfg: C) -> list[str]:
        return []

    # --- deploying ------------------------------------------------------------------------

    def beside(self, cfg: C) -> list[tuple[ChartKind[Any], StackConfig]]:
        """The clusters the stack deploys beside its own, each with its kind (a party's
        serving cluster beside its training cluster)."""
        return []

    def post_render_fixes(self, cfg: C) -> frozenset[str]:
        """The post-renderer's fixes its own release goes through (rollsite's TLS, MySQL's
        root password: :data:`fate_iac.postrender.FIXES`); none: not post-rendered."""
        return frozenset()

    def hardens_mysql_root(self, cfg: C) -> bool:
        """Whether its MySQL's root gets a generated password, kept in a Secret
        (:mod:`fate_iac.mysql_root`)."""
        return False

    def entry_points(self, cfg: C) -> EntryPoints:
        """The ports its NetworkPolicies open to anyone, by the ``fateMoudle`` of their
        pods (see :mod:`fate_iac.isolation`)."""
        return {}

    def siblings(self, cfg: C) -> list[str]:
        """The party's other namespaces its NetworkPolicies let in: ``allowFrom``, and
        the namespace of a cluster beside it (or the one it is beside)."""
        return isolation.siblings(cfg, [part.k8s_namespace for _, part in self.beside(cfg)])

    def inner_points(self, cfg: C) -> EntryPoints:
        """The ports its NetworkPolicies open to the party's own namespaces and the
        ingress controller's only (fateflow's APIs)."""
        return {}

    def destinations(self, cfg: C, routes: Routes) -> Destinations:
        """Where its gateways connect, by their ``fateMoudle``: the addresses its
        ``routes`` name (see :mod:`fate_iac.egress`); every gateway it runs is a key."""
        return {}

    def network_policies(self, cfg: C, routes: Routes | None = None) -> list[dict[str, Any]]:
        """The NetworkPolicies of its namespace; with ``networkPolicy.egress``, its
        gateways' follow ``routes`` (left out: those its static records give)."""
        destinations = None
        if cfg.networkPolicy.enabled and cfg.networkPolicy.egress:
            found = routes if routes is not None else self.routed(cfg, {}).routes
            destinations = self.destinations(cfg, found)
        return isolation.network_policies(
            cfg, self.entry_points(cfg), self.siblings(cfg), self.inner_points(cfg), destinations
        )

    def issuing(self, cfg: C) -> Issuing | None:
        """The certificates it issues and the Secrets its charts mount them from; None
        when it mounts none."""
        return None

    def upgrade_refusals(self, cfg: C, deployed: str | None) -> list[Problem]:
        """Why an update from the ``deployed`` chart version must not happen (the one
        place ``fatectl diff`` and the program both ask)."""
        return []

    def upgrade_step(self, cfg: C, deployed: str | None) -> UpgradeStep | None:
        """The migration an update from ``deployed`` runs first; None for none."""
        return None

    # --- the cross-stack checks -----------------------------------------------------------

    def clusters(self, cfg: C) -> list[tuple[StackConfig, bool]]:
        """Its clusters that route to peers, each with whether it is a serving cluster."""
        return [(cfg, False), *((part, True) for _, part in self.beside(cfg))]

    def serves(self, cfg: C) -> bool:
        """Whether the stack runs a serving cluster (alone, or beside its training)."""
        return bool(self.beside(cfg))

    def peers(self, cfg: C, serving: bool) -> list[str]:
        """The peer stacks its serving cluster (``serving``) or its training cluster
        names."""
        return []

    def _main_release(
        self, cfg: C, source: str, values: dict[str, Any], paths: RoutedValues, key: str = MAIN
    ) -> ReleaseSpec:
        """The stack's own chart, ``helmValues`` merged last; ``paths`` are the routes
        with no records, whose key paths the deployed routes override."""
        if cfg.helmValues:
            values = merge_values(values, cfg.helmValues)
        post_render = self.post_render_fixes(cfg) if key == MAIN else frozenset()
        if post_render:  # a new post-renderer changes the release, so Helm applies it
            values = merge_values(values, {"fateIac": {"postRender": POSTRENDER_REVISION}})
        return ReleaseSpec(
            key=key,
            name=cfg.release_name,
            namespace=cfg.k8s_namespace,
            chart=resolve_chart(cfg.chartName, cfg.chartVersion, source),
            values=blank_nulls(values),
            route_paths=tuple(paths.overrides.get(key, {})),
            post_render=post_render,
        )

    def routed(self, cfg: C, records: Mapping[str, Any]) -> RoutedValues:
        """Routes to the stacks ``cfg`` names (``records`` by stack name) and its static
        records, and the values they put into each release."""
        raise NotImplementedError

    def record(self, cfg: C, stack: str, routes: Routes) -> FederationRecord:
        """The ``federation`` output."""
        raise NotImplementedError

    def outputs(self, cfg: C, stack: str) -> dict[str, Any]:
        return {"namespace": cfg.k8s_namespace, "releaseName": cfg.release_name}

    def routed_outputs(self, cfg: C, stack: str, routes: Routes) -> dict[str, Any]:
        """Stack outputs that depend on the routes (and so on other stacks' records)."""
        return {}

    def federation(self, cfg: C, stack: str, routes: Routes) -> dict[str, Any]:
        return self.record(cfg, stack, routes).model_dump(exclude_none=True)


class EggrollParty(ChartKind[PartyConfig]):
    """A FATE party on eggroll: the ``fate`` chart (``FateEggrollCluster``)."""

    tag = "eggroll"
    role = "party"
    model = PartyConfig
    component = "FateEggrollCluster"
    references_key = "peers"
    title = "Party stacks: on eggroll (`fate:computing: Eggroll`): `FateEggrollCluster`"
    tracks_upgrades = True
    trains = True

    def mark_secrets(self, cfg: PartyConfig, raw: SecretKeys) -> None:
        if cfg.servingCluster is None:
            return super().mark_secrets(cfg, raw)
        serving = raw.secret_keys_in(SERVING_NAMESPACE)
        own = raw.secret_keys_in(CONFIG_NAMESPACE)
        written = (raw.values.get(SERVING_NAMESPACE) or {}).keys()
        inherited = {key for key in own & set(SERVING_INHERITED) if key not in written}
        cfg.servingCluster.with_secret_keys(serving | inherited)
        # What the training cluster publishes of its serving cluster (the proxy in its
        # record) is secret when the serving keys it comes from are.
        beyond = serving - {str(path[0]) for path in credential_paths(ServingConfig)}
        cfg.with_secret_keys(own | {f"{SERVING_NAMESPACE}:{key}" for key in beyond})

    def summary(self, cfg: PartyConfig) -> dict[str, Any]:
        serving = cfg.servingCluster
        found = None
        if serving is not None:
            found = {
                "release": serving.release_name,
                "namespace": serving.k8s_namespace,
                "chartVersion": serving.chartVersion,
            }
        return {**super().summary(cfg), "serving": found}

    def migrate(self, raw: dict[str, Any]) -> legacy.Migration:
        return legacy.migrate(raw)

    def complete(self, cfg: PartyConfig) -> PartyConfig:
        return serving.link(cfg)

    def check(self, cfg: PartyConfig) -> list[Problem]:
        return rules.check(cfg)

    def advisories(self, cfg: PartyConfig) -> list[str]:
        return rules.advisories(cfg)

    def releases(self, cfg: PartyConfig, source: str) -> list[ReleaseSpec]:
        return [self._main_release(cfg, source, render_values(cfg), self.routed(cfg, {}))]

    def beside(self, cfg: PartyConfig) -> list[tuple[ChartKind[Any], StackConfig]]:
        return [(SERVING, cfg.servingCluster)] if cfg.servingCluster is not None else []

    def post_render_fixes(self, cfg: PartyConfig) -> frozenset[str]:
        fixes = {TLS} if cfg.rollsite_tls else set()
        if self.hardens_mysql_root(cfg):
            fixes.add(MYSQL_ROOT)
        return frozenset(fixes)

    def hardens_mysql_root(self, cfg: PartyConfig) -> bool:
        return mysql_root.hardened(cfg)

    def entry_points(self, cfg: PartyConfig) -> EntryPoints:
        return isolation.party_entry_points(cfg)

    def inner_points(self, cfg: PartyConfig) -> EntryPoints:
        return isolation.party_inner_points(cfg)

    def issuing(self, cfg: PartyConfig) -> Issuing | None:
        return tls.issuing(cfg, self.role, tls.party_mounted(cfg))

    def upgrade_refusals(self, cfg: PartyConfig, deployed: str | None) -> list[Problem]:
        return upgrade.refusals(cfg, deployed)

    def upgrade_step(self, cfg: PartyConfig, deployed: str | None) -> UpgradeStep | None:
        migration = upgrade.migration_for(cfg, deployed)
        if migration is None:
            return None
        objects = upgrade.migration_objects(cfg, migration)
        return UpgradeStep(migration, objects, cfg.upgradeManager.timeout)

    def peers(self, cfg: PartyConfig, serving: bool) -> list[str]:
        if serving:
            return cfg.servingCluster.peer_stacks if cfg.servingCluster else []
        return cfg.peer_stacks

    def routed(self, cfg: PartyConfig, records: Mapping[str, Any]) -> RoutedValues:
        return party_routed_values(cfg, records)

    def destinations(self, cfg: PartyConfig, routes: Routes) -> Destinations:
        if not cfg.has(cfg.gateway):
            return {}
        return egress.gateway_destinations(routes, cfg.gateway, cfg.partyId)

    def record(self, cfg: PartyConfig, stack: str, routes: Routes) -> FederationRecord:
        return party_record(cfg, stack, cfg.protocol)

    def outputs(self, cfg: PartyConfig, stack: str) -> dict[str, Any]:
        rollsite = rollsite_endpoint(cfg)
        return {
            "partyId": cfg.partyId,
            **super().outputs(cfg, stack),
            "chartVersion": cfg.chartVersion,
            "federationEndpoint": rollsite.as_dict() if rollsite else None,
            "fateflow": {kind: e.as_dict() for kind, e in fateflow_endpoints(cfg).items()},
            "fateboardHosts": ingress_hosts(cfg, "fateboard"),
            "notebookHosts": ingress_hosts(cfg, "client"),
            "federation": self.federation(cfg, stack, Routes()),
        }


class SparkParty(EggrollParty):
    """A FATE party on Spark (computing Spark or Spark_local): the same ``fate`` chart
    and model as eggroll, with nginx and Pulsar or RabbitMQ for federation
    (``FateSparkCluster``)."""

    tag = "spark"
    component = "FateSparkCluster"
    title = "on Spark (`fate:computing: Spark` or `Spark_local`): `FateSparkCluster`"

    def routed(self, cfg: PartyConfig, records: Mapping[str, Any]) -> RoutedValues:
        return spark_routed_values(cfg, records)

    def destinations(self, cfg: PartyConfig, routes: Routes) -> Destinations:
        assert isinstance(routes, SparkRoutes) and cfg.broker is not None  # a Spark party's
        found = egress.spark_destinations(routes, cfg.broker, cfg.partyId)
        return {module: pairs for module, pairs in found.items() if cfg.has(module)}

    def outputs(self, cfg: PartyConfig, stack: str) -> dict[str, Any]:
        nginx = nginx_endpoints(cfg)
        http = nginx.get("nginxHttp")
        return {
            **super().outputs(cfg, stack),
            # Where peers reach it first, as for eggroll: its nginx (there is no rollsite).
            "federationEndpoint": http.as_dict() if http else None,
            "nginx": {name: e.as_dict() for name, e in nginx.items()},
            "broker": {name: e.as_dict() for name, e in broker_endpoints(cfg).items()},
            "sparkHosts": ingress_hosts(cfg, "spark"),
        }


class Exchange(ChartKind[ExchangeConfig]):
    """The federation's exchange: the ``fate-exchange`` chart, and with servingProxy the
    ``fate-serving`` chart as the serving exchange (``Exchange``)."""

    tag = "exchange"
    role = "exchange"
    model = ExchangeConfig
    component = "Exchange"
    references_key = "members"
    title = "Exchange stacks (`fate:chartName: fate-exchange`: `Exchange`)"

    def migrate(self, raw: dict[str, Any]) -> legacy.Migration:
        serving = raw.pop(SERVING_NAMESPACE, None)
        keys = serving if isinstance(serving, dict) else {"": None}
        why = (
            "fate-serving: keys configure a party's serving cluster; an exchange's serving "
            "exchange is fate:servingProxy"
        )
        problems = [Problem((SERVING_NAMESPACE, key), "unknown-key", why) for key in keys]
        return legacy.Migration(raw, problems=problems if serving is not None else [])

    def check(self, cfg: ExchangeConfig) -> list[Problem]:
        return rules.check_exchange(cfg)

    def advisories(self, cfg: ExchangeConfig) -> list[str]:
        return [
            f"fate:{key} has no effect on an exchange (the fate-exchange chart has no such value)"
            for key in ("persistence", "istio")
            if key in cfg.model_fields_set
        ] + rules.tls_notes(cfg, tls.exchange_mounted(cfg))

    def releases(self, cfg: ExchangeConfig, source: str) -> list[ReleaseSpec]:
        paths = self.routed(cfg, {})
        specs = [self._main_release(cfg, source, render_exchange_values(cfg), paths)]
        proxy = cfg.serving_cluster
        if proxy is not None:
            values = render_serving_values(proxy)
            specs.append(SERVING._main_release(proxy, source, values, paths, key="serving"))
        return specs

    def post_render_fixes(self, cfg: ExchangeConfig) -> frozenset[str]:
        return frozenset({TLS} if cfg.rollsite_tls else set())

    def entry_points(self, cfg: ExchangeConfig) -> EntryPoints:
        return isolation.exchange_entry_points(cfg)

    def issuing(self, cfg: ExchangeConfig) -> Issuing | None:
        return tls.issuing(cfg, self.role, tls.exchange_mounted(cfg))

    def routed(self, cfg: ExchangeConfig, records: Mapping[str, Any]) -> RoutedValues:
        return exchange_routed_values(cfg, records)

    def destinations(self, cfg: ExchangeConfig, routes: Routes) -> Destinations:
        assert isinstance(routes, ExchangeRoutes)  # an exchange's
        running = {
            "rollsite": cfg.has("rollsite"),
            "nginx": cfg.has("nginx"),
            "traffic-server": cfg.has("trafficServer"),
            "serving-proxy": cfg.servingProxy is not None,
        }
        found = egress.exchange_destinations(routes)
        return {module: pairs for module, pairs in found.items() if running[module]}

    def record(self, cfg: ExchangeConfig, stack: str, routes: Routes) -> FederationRecord:
        return make_exchange_record(cfg, stack, members_of(routes))

    def routed_outputs(self, cfg: ExchangeConfig, stack: str, routes: Routes) -> dict[str, Any]:
        return {"members": members_of(routes), "federation": self.federation(cfg, stack, routes)}


class Serving(ChartKind[ServingConfig]):
    """A party's serving cluster: the ``fate-serving`` chart (``FateServing``), its keys
    under ``fate-serving:``. A stack may run it alone (this kind), or beside the party's
    training cluster (a party kind's ``servingCluster``; see :func:`parts`)."""

    tag = "serving"
    role = "party"
    model = ServingConfig
    component = "FateServing"
    references_key = "peers"
    namespace = SERVING_NAMESPACE
    title = (
        f"Serving clusters (`{SERVING_NAMESPACE}:`, alone or beside a party's `fate:` keys): "
        "`FateServing`"
    )

    def load(
        self, raw: Mapping[str, Any], stack: str, secret_paths: frozenset[KeyPath] = frozenset()
    ) -> Loaded[ServingConfig]:
        """``raw`` holds the ``fate-serving:`` keys under ``fate-serving``; every problem
        is reported at its ``fate-serving:`` key."""
        inner = raw.get(SERVING_NAMESPACE)
        own = frozenset(p[1:] for p in secret_paths if p[:1] == (SERVING_NAMESPACE,))
        try:
            return super().load(inner if isinstance(inner, dict) else {}, stack, own)
        except ConfigError as error:
            problems = [replace(p, path=_in_namespace(p.path)) for p in error.problems]
            raise ConfigError(stack, problems) from None

    @property
    def credential_paths(self) -> tuple[tuple[str, ...], ...]:
        return tuple((SERVING_NAMESPACE, *path) for path in credential_paths(self.model))

    def mark_secrets(self, cfg: ServingConfig, raw: SecretKeys) -> None:
        cfg.with_secret_keys(raw.secret_keys_in(SERVING_NAMESPACE))

    def beside_line(self, cfg: ServingConfig) -> str:
        return (
            f"serving cluster (FateServing), release {cfg.release_name} in namespace "
            f"{cfg.k8s_namespace}, fate-serving chart {cfg.chartVersion}"
        )

    def migrate(self, raw: dict[str, Any]) -> legacy.Migration:
        return legacy.migrate_serving(raw)

    def check(self, cfg: ServingConfig) -> list[Problem]:
        return rules.check_serving(cfg, alone=True)

    def check_beside(self, cfg: ServingConfig) -> list[Problem]:
        return rules.check_serving(cfg, alone=False)

    def advisories(self, cfg: ServingConfig) -> list[str]:
        return serving_advisories(cfg)

    def releases(self, cfg: ServingConfig, source: str) -> list[ReleaseSpec]:
        values = render_serving_values(cfg)
        return [self._main_release(cfg, source, values, self.routed(cfg, {}))]

    def entry_points(self, cfg: ServingConfig) -> EntryPoints:
        return isolation.serving_entry_points(cfg)

    def siblings(self, cfg: ServingConfig) -> list[str]:
        beside = [cfg.training_namespace] if cfg.training_namespace is not None else []
        return isolation.siblings(cfg, beside)

    def clusters(self, cfg: ServingConfig) -> list[tuple[StackConfig, bool]]:
        return [(cfg, True)]

    def serves(self, cfg: ServingConfig) -> bool:
        return True

    def peers(self, cfg: ServingConfig, serving: bool) -> list[str]:
        return cfg.peer_stacks

    def routed(self, cfg: ServingConfig, records: Mapping[str, Any]) -> RoutedValues:
        return serving_routed_values(cfg, records)

    def destinations(self, cfg: ServingConfig, routes: Routes) -> Destinations:
        if not cfg.has("servingProxy"):
            return {}
        return egress.gateway_destinations(routes, "serving-proxy", cfg.partyId)

    def record(self, cfg: ServingConfig, stack: str, routes: Routes) -> FederationRecord:
        return serving_record(cfg, stack)

    def outputs(self, cfg: ServingConfig, stack: str) -> dict[str, Any]:
        endpoints = serving_endpoints(cfg)
        proxy = endpoints.get("servingProxy")
        return {
            "partyId": cfg.partyId,
            **super().outputs(cfg, stack),
            "chartVersion": cfg.chartVersion,
            "federationEndpoint": proxy.as_dict() if proxy else None,
            **{module: e.as_dict() for module, e in endpoints.items()},
            "federation": self.federation(cfg, stack, Routes()),
        }


class KubeFateService(StackKind[KubeFateServerConfig]):
    """The KubeFATE service alone in a stack (``fate:kubefate`` and nothing else): no
    chart, no federation (``KubeFateServer``). Beside a party or an exchange, it is a
    section of that stack's config instead (see :mod:`fate_iac.kubefate_server`)."""

    tag = "kubefate"
    role = "service"
    model = kubefate_server.KubeFateStack
    component = "KubeFateServer"
    title = "The KubeFATE service (`fate:kubefate`, beside any stack or alone): `KubeFateServer`"
    shares_sections = False
    federates = False
    charted = False
    _unsupported: ClassVar[dict[str, str]] = {
        "describe": ": describe covers party and exchange stacks (its output `kubefate` says "
        "where the service answers)",
        "diff": ", from no chart: `pulumi preview --diff` shows its objects",
    }

    def load(
        self, raw: Mapping[str, Any], stack: str, secret_paths: frozenset[KeyPath] = frozenset()
    ) -> Loaded[KubeFateServerConfig]:
        cfg = kubefate_server.load(raw, stack, secret_paths)
        return Loaded(cfg, self, kubefate_server.advisories(cfg))

    def summary(self, cfg: KubeFateServerConfig) -> dict[str, Any]:
        return {"kind": self.tag, "component": self.component, "namespace": cfg.namespace}

    def summary_lines(self, cfg: KubeFateServerConfig) -> list[str]:
        return [f"ok: {self.service_line(cfg)}"]

    def service_line(self, cfg: KubeFateServerConfig) -> str:
        """The service, in one line (alone, or beside another kind's cluster)."""
        return (
            f"KubeFATE service ({self.component}) in namespace {cfg.namespace}, RBAC "
            f"scope {cfg.rbac.scope}, at {kubefate_server.service_url(cfg)}"
        )

    def unsupported(self, command: str, stack: str) -> str | None:
        why = self._unsupported.get(command)
        return f"stack {stack} deploys the KubeFATE service alone{why}" if why else None

    def chartless_documents(self, cfg: KubeFateServerConfig, redact: bool) -> dict[str, str]:
        return {"kubefate": kubefate_server.render(cfg, None, redact)}


def _inherited(path: KeyPath, written: Mapping[str, Any]) -> bool:
    """A problem at a ``fate-serving:`` key its serving cluster took from ``fate:``."""
    return (
        path[:1] == (SERVING_NAMESPACE,)
        and len(path) > 1
        and path[1] in SERVING_INHERITED
        and path[1] not in written
    )


def _in_namespace(path: KeyPath) -> KeyPath:
    """A serving kind's key path, as the stack config spells it."""
    return path if path[:1] == (SERVING_NAMESPACE,) else (SERVING_NAMESPACE, *path)


def serving_advisories(cfg: ServingConfig) -> list[str]:
    """Things worth saying about a serving cluster that do not block it."""
    notes = []
    proxy_type, _, lb_ip = cfg.service("servingProxy")
    if cfg.has("servingProxy") and proxy_type != "ClusterIP" and not (cfg.publicHost or lb_ip):
        notes.append(
            f"{SERVING_NAMESPACE}:publicHost is not set: this party's serving proxy has no "
            "host, so peers cannot be told where to reach it"
        )
    for module in SERVING_MODULES:
        if getattr(cfg, module) is not None and not cfg.has(module):
            notes.append(
                f"{SERVING_NAMESPACE}:{module} is configured but {module} is not in "
                f"{SERVING_NAMESPACE}:modules"
            )
    return notes


EGGROLL = EggrollParty()
SPARK = SparkParty()
EXCHANGE = Exchange()
SERVING = Serving()
KUBEFATE = KubeFateService()
CHART_KINDS: dict[str, ChartKind[Any]] = {
    kind.tag: kind for kind in (EGGROLL, SPARK, EXCHANGE, SERVING)
}
"""Every kind that installs charts, by tag."""
KINDS: dict[str, StackKind[Any]] = {**CHART_KINDS, KUBEFATE.tag: KUBEFATE}
"""Every kind this project deploys, by tag."""


def parts(cfg: StackConfig) -> list[tuple[ChartKind[Any], StackConfig]]:
    """What a stack deploys, each part with its kind: its own config, and a party's
    serving cluster beside its training cluster (each its own component and namespace)."""
    kind = kind_of(cfg)
    return [(kind, cfg), *kind.beside(cfg)]


def entry_points(cfg: StackConfig) -> EntryPoints:
    """The ports a stack's NetworkPolicies open to anyone (:meth:`ChartKind.entry_points`)."""
    return kind_of(cfg).entry_points(cfg)


def network_policies(cfg: StackConfig, routes: Routes | None = None) -> list[dict[str, Any]]:
    """The NetworkPolicies of a stack's namespace; none when ``networkPolicy.enabled`` is
    off."""
    return kind_of(cfg).network_policies(cfg, routes)


def mounted(cfg: StackConfig) -> list[Mounted]:
    """Every certificate Secret a stack's charts mount."""
    issuing = kind_of(cfg).issuing(cfg)
    return issuing.mounted if issuing is not None else []


_SPARK = ("spark", "spark_local")


def kind_tag(raw: Mapping[str, Any]) -> str:
    """Which kind a raw config describes: its chart, and for the ``fate`` chart its
    computing engine (``computing``, or the v1.5 ``backend``)."""
    if set(raw) == {SERVING_NAMESPACE}:
        return "serving"
    if kubefate_server.standalone(raw):
        return "kubefate"
    chart = raw.get("chartName") or "fate"
    if chart == "fate-exchange":
        return "exchange"
    if chart != "fate":
        return f"chart {chart}"
    engine = raw.get("computing") or raw.get("backend") or "Eggroll"
    return "spark" if str(engine).lower() in _SPARK else "eggroll"


def kind_for(raw: Mapping[str, Any], stack: str) -> StackKind[Any]:
    """The kind of a raw config; :class:`ConfigError` for a kind not deployed here."""
    tag = kind_tag(raw)
    kind = KINDS.get(tag)
    if kind is not None:
        return kind
    charts = "fate, fate-exchange (fate:chartName), fate-serving (fate-serving: keys)"
    raise ConfigError(
        stack,
        [Problem(("chartName",), "kind", f"{tag} is not deployed by this project; use {charts}")],
    )


def kind_of(cfg: StackConfig) -> ChartKind[Any]:
    """The kind of a validated config."""
    return CHART_KINDS[cfg.kind]
