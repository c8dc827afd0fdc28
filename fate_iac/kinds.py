"""Stack kinds: the one seam every kind of stack plugs into.

A kind (a FATE party on eggroll or on Spark, an exchange; later serving, the KubeFATE
service, FATE 2.0) is one :class:`StackKind` in :data:`KINDS`. Kinds may share a model:
both party kinds read the whole ``fate`` chart's config, and differ in their routes,
record and outputs. It says:

* how its config is loaded and validated (its model, its rules, its notes);
* which Helm releases it installs (:class:`~fate_iac.release.ReleaseSpec`: name, chart,
  values, the key paths routes override);
* which stacks its routes come from, and the routes and values they make;
* the federation record it publishes, and its other stack outputs.

The kind of a stack is read from its config (:func:`kind_tag`): ``chartName`` says which
chart, and for the ``fate`` chart the computing engine (``computing``, or the v1.5
``backend``) says eggroll or Spark. The offline renderer, the cross-stack checks, the
orchestrator and the Pulumi program all go through here, and none of them asks which
kind it holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import ValidationError

from fate_iac import kubefate_server, legacy, rules, serving
from fate_iac.charts import merge_values, resolve_chart
from fate_iac.config import (
    SERVING_INHERITED,
    SERVING_MODULES,
    ExchangeConfig,
    PartyConfig,
    ServingConfig,
    StackConfig,
    credential_paths,
)
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
from fate_iac.federation import FederationRecord, Routes
from fate_iac.problems import SERVING_NAMESPACE, ConfigError, KeyPath, Problem, from_pydantic
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
from fate_iac.tls import POSTRENDER_REVISION
from fate_iac.values import render_exchange_values, render_serving_values, render_values

C = TypeVar("C", bound=StackConfig)
Role = Literal["party", "exchange"]


@dataclass(frozen=True)
class Loaded(Generic[C]):
    """A validated stack config, its kind, and what is worth saying about it."""

    config: C
    kind: StackKind[C]
    notes: list[str] = field(default_factory=list)


class StackKind(Generic[C]):
    """What one kind of stack is; subclasses fill in each part."""

    tag: ClassVar[str]
    role: ClassVar[Role]
    model: type[C]
    component: ClassVar[str]
    """The Pulumi component that deploys it (type token ``fate:index:<component>``)."""
    references_key: ClassVar[str]
    """The key that names the stacks this kind routes to (for route problems)."""
    title: ClassVar[str]
    """Its heading in the configuration reference."""

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
            found = from_pydantic(error, secret_paths | set(self.credential_paths))
            # A key a serving cluster inherits is reported once, where it was written.
            written = migration.config.get(SERVING_NAMESPACE) or {}
            problems.extend(p for p in found if not _inherited(p.path, written))
            raise ConfigError(stack, problems) from None
        config = self.complete(config)
        problems.extend(self.check(config))
        if config.kubefate is not None:
            problems.extend(kubefate_server.check(
                config.kubefate, config.k8s_namespace, config.node_port_range))  # fmt: skip
        if problems:
            raise ConfigError(stack, problems)
        problems = static_route_problems(self.routed(config, {}), self.references_key)
        for kind, part in parts(config)[1:]:  # a serving cluster beside it routes too
            found = static_route_problems(kind.routed(part, {}), kind.references_key)
            problems.extend(replace(p, path=_in_namespace(p.path)) for p in found)
        if problems:
            raise ConfigError(stack, problems)
        return Loaded(config, self, migration.notes + self.advisories(config))

    def migrate(self, raw: dict[str, Any]) -> legacy.Migration:
        """Older spellings rewritten (a kind without any takes the config as it is)."""
        return legacy.Migration(raw)

    def complete(self, cfg: C) -> C:
        """What the config implies filled in, before its rules are checked."""
        return cfg

    def check(self, cfg: C) -> list[Problem]:
        raise NotImplementedError

    def advisories(self, cfg: C) -> list[str]:
        return []

    @property
    def credential_paths(self) -> tuple[tuple[str, ...], ...]:
        return credential_paths(self.model)

    # --- deploying ------------------------------------------------------------------------

    def releases(self, cfg: C, source: str) -> list[ReleaseSpec]:
        """The Helm releases of the stack, charts resolved from ``source``."""
        raise NotImplementedError

    def _main_release(
        self, cfg: C, source: str, values: dict[str, Any], paths: RoutedValues, key: str = MAIN
    ) -> ReleaseSpec:
        """The stack's own chart, ``helmValues`` merged last; ``paths`` are the routes
        with no records, whose key paths the deployed routes override."""
        if cfg.helmValues:
            values = merge_values(values, cfg.helmValues)
        post_render = bool(getattr(cfg, "rollsite_tls", False)) and key == MAIN
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
        """Stack outputs known from the config alone."""
        return {"namespace": cfg.k8s_namespace, "releaseName": cfg.release_name}

    def routed_outputs(self, cfg: C, stack: str, routes: Routes) -> dict[str, Any]:
        """Stack outputs that depend on the routes (and so on other stacks' records)."""
        return {}

    def federation(self, cfg: C, stack: str, routes: Routes) -> dict[str, Any]:
        return self.record(cfg, stack, routes).model_dump(exclude_none=True)


class EggrollParty(StackKind[PartyConfig]):
    """A FATE party on eggroll: the ``fate`` chart (``FateEggrollCluster``)."""

    tag = "eggroll"
    role = "party"
    model = PartyConfig
    component = "FateEggrollCluster"
    references_key = "peers"
    title = "Party stacks: on eggroll (`fate:computing: Eggroll`): `FateEggrollCluster`"

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

    def routed(self, cfg: PartyConfig, records: Mapping[str, Any]) -> RoutedValues:
        return party_routed_values(cfg, records)

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


class Exchange(StackKind[ExchangeConfig]):
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
        why = ("fate-serving: keys configure a party's serving cluster; an exchange's serving "
               "exchange is fate:servingProxy")  # fmt: skip
        problems = [Problem((SERVING_NAMESPACE, key), "unknown-key", why) for key in keys]
        return legacy.Migration(raw, problems=problems if serving is not None else [])

    def check(self, cfg: ExchangeConfig) -> list[Problem]:
        return rules.check_exchange(cfg)

    def advisories(self, cfg: ExchangeConfig) -> list[str]:
        return [
            f"fate:{key} has no effect on an exchange (the fate-exchange chart has no such value)"
            for key in ("persistence", "istio")
            if key in cfg.model_fields_set
        ]

    def releases(self, cfg: ExchangeConfig, source: str) -> list[ReleaseSpec]:
        paths = self.routed(cfg, {})
        specs = [self._main_release(cfg, source, render_exchange_values(cfg), paths)]
        proxy = cfg.serving_cluster
        if proxy is not None:
            values = render_serving_values(proxy)
            specs.append(SERVING._main_release(proxy, source, values, paths, key="serving"))
        return specs

    def routed(self, cfg: ExchangeConfig, records: Mapping[str, Any]) -> RoutedValues:
        return exchange_routed_values(cfg, records)

    def record(self, cfg: ExchangeConfig, stack: str, routes: Routes) -> FederationRecord:
        return make_exchange_record(cfg, stack, members_of(routes))

    def routed_outputs(self, cfg: ExchangeConfig, stack: str, routes: Routes) -> dict[str, Any]:
        return {"members": members_of(routes), "federation": self.federation(cfg, stack, routes)}


class Serving(StackKind[ServingConfig]):
    """A party's serving cluster: the ``fate-serving`` chart (``FateServing``), its keys
    under ``fate-serving:``. A stack may run it alone (this kind), or beside the party's
    training cluster (a party kind's ``servingCluster``; see :func:`parts`)."""

    tag = "serving"
    role = "party"
    model = ServingConfig
    component = "FateServing"
    references_key = "peers"
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

    def migrate(self, raw: dict[str, Any]) -> legacy.Migration:
        return legacy.migrate_serving(raw)

    def check(self, cfg: ServingConfig) -> list[Problem]:
        return rules.check_serving(cfg, alone=True)

    def advisories(self, cfg: ServingConfig) -> list[str]:
        return serving_advisories(cfg)

    def releases(self, cfg: ServingConfig, source: str) -> list[ReleaseSpec]:
        values = render_serving_values(cfg)
        return [self._main_release(cfg, source, values, self.routed(cfg, {}))]

    def routed(self, cfg: ServingConfig, records: Mapping[str, Any]) -> RoutedValues:
        return serving_routed_values(cfg, records)

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


def _inherited(path: KeyPath, written: Mapping[str, Any]) -> bool:
    """A problem at a ``fate-serving:`` key its serving cluster took from ``fate:``."""
    return (
        path[:1] == (SERVING_NAMESPACE,) and len(path) > 1
        and path[1] in SERVING_INHERITED and path[1] not in written
    )  # fmt: skip


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
            notes.append(f"{SERVING_NAMESPACE}:{module} is configured but {module} is not in "
                         f"{SERVING_NAMESPACE}:modules")  # fmt: skip
    return notes


EGGROLL = EggrollParty()
SPARK = SparkParty()
EXCHANGE = Exchange()
SERVING = Serving()
KINDS: dict[str, StackKind[Any]] = {kind.tag: kind for kind in (EGGROLL, SPARK, EXCHANGE, SERVING)}
"""Every kind this project deploys, by tag."""


def parts(cfg: StackConfig) -> list[tuple[StackKind[Any], StackConfig]]:
    """What a stack deploys, each part with its kind: its own config, and a party's
    serving cluster beside its training cluster (each its own component and namespace)."""
    found: list[tuple[StackKind[Any], StackConfig]] = [(kind_of(cfg), cfg)]
    serving = getattr(cfg, "servingCluster", None)
    if serving is not None:
        found.append((SERVING, serving))
    return found


_SPARK = ("spark", "spark_local")


def kind_tag(raw: Mapping[str, Any]) -> str:
    """Which kind a raw config describes: its chart, and for the ``fate`` chart its
    computing engine (``computing``, or the v1.5 ``backend``)."""
    if set(raw) == {SERVING_NAMESPACE}:
        return "serving"
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


def kind_of(cfg: StackConfig) -> StackKind[Any]:
    """The kind of a validated config."""
    return KINDS[cfg.kind]
