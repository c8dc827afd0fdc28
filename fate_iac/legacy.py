"""KubeFATE's older cluster.yaml spellings (the v1.5 era of the seed page).

Each is either carried over to the key that means the same today, with a note saying
so, or refused with a message saying what to write instead. Keys that only configure
KubeFATE itself, and mean nothing to a deployment, are dropped with a note.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from fate_iac.catalogue import (
    SERVING_CHART_VERSIONS,
    ServingChart,
    is_fate2,
    newest_fate2_chart,
    serving_chart,
)
from fate_iac.problems import SERVING_NAMESPACE, Problem

_BACKENDS = {
    "eggroll": ("Eggroll", "Eggroll", "Eggroll"),
    "spark": ("Spark", "RabbitMQ", "HDFS"),
}

REFUSED_TOP_LEVEL: dict[str, str] = {
    "lbrollsite": "the load-balanced rollsite belongs to an exchange cluster, not to a party. "
    "Remove it; exchanges are deployed by the exchange stack",
    "route_table": "a route table belongs to a module: rollsite.partyList (eggroll), or "
    "nginx.route_table with pulsar.route_table or rabbitmq.route_table (Spark); or name "
    "peers by stack in fate:peers",
}

_TWO_PORTS = "v1.5's single {what} port is two since v1.6: write {http} and {grpc}"


@dataclass
class Migration:
    """The outcome of rewriting older spellings."""

    config: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def migrate(raw: dict[str, Any]) -> Migration:
    """Rewrite older spellings in ``raw`` (a party's config, without the ``fate:`` prefix)."""
    config = dict(raw)
    result = Migration(config)

    if "skippedKeys" in config:
        del config["skippedKeys"]
        result.notes.append(
            "fate:skippedKeys dropped: it tells KubeFATE's validator which keys to ignore; "
            "here every key is validated"
        )

    if "backend" in config:
        backend = config.pop("backend")
        engines = _BACKENDS.get(str(backend).lower())
        if engines is None:
            result.problems.append(
                Problem(
                    ("backend",),
                    "legacy-key",
                    f"backend {backend!r} is unknown; write computing/federation/storage "
                    "(e.g. Eggroll/Eggroll/Eggroll)",
                )
            )
        else:
            for key, value in zip(("computing", "federation", "storage"), engines, strict=True):
                if key in config and config[key] != value:
                    result.problems.append(
                        Problem(
                            (key,),
                            "legacy-key",
                            f"backend: {backend} means {key}: {value}, but {key} is "
                            f"{config[key]!r}; remove backend (the v1.5 spelling)",
                        )
                    )
                config.setdefault(key, value)
            result.notes.append(
                f"fate:backend: {backend} is the v1.5 spelling of computing: {engines[0]}, "
                f"federation: {engines[1]}, storage: {engines[2]}"
            )

    nodemanager = config.get("nodemanager")
    if isinstance(nodemanager, dict):
        nodemanager = dict(nodemanager)
        config["nodemanager"] = nodemanager
        if "count" in nodemanager:
            count = nodemanager.pop("count")
            if "replicas" in nodemanager and nodemanager["replicas"] != count:
                result.problems.append(
                    Problem(
                        ("nodemanager", "count"),
                        "legacy-key",
                        "count (v1.5) and replicas disagree; keep replicas only",
                    )
                )
            nodemanager.setdefault("replicas", count)
            result.notes.append("fate:nodemanager.count is the v1.5 spelling of replicas")
        if "list" in nodemanager:
            nodemanager.pop("list")
            result.problems.append(
                Problem(
                    ("nodemanager", "list"),
                    "legacy-key",
                    "per-nodemanager lists were removed in KubeFATE v1.7; write "
                    "nodemanager.replicas with the shared keys (sessionProcessorsPerNode, "
                    "storageClass, size...) instead",
                )
            )

    for key, why in REFUSED_TOP_LEVEL.items():
        if key in config:
            config.pop(key)
            result.problems.append(Problem((key,), "legacy-key", why))
    _spark(config, result)
    serving = config.get(SERVING_NAMESPACE)
    if isinstance(serving, dict):  # the party's serving cluster beside it
        inner = migrate_serving(serving)
        config[SERVING_NAMESPACE] = inner.config
        result.notes.extend(inner.notes)
        result.problems.extend(
            replace(p, path=(SERVING_NAMESPACE, *p.path)) for p in inner.problems
        )
    return result


SERVING_V2_0_0 = (
    "fate-serving chart v2.0.0 (KubeFATE v1.5's) is not rendered: its template writes "
    "example routes (party 9999 at 192.168.9.1) into every cluster that leaves servingProxy "
    "out. Use v2.0.4 or later (fatectl import-kubefate --chart-version v2.1.6 converts a "
    "v1.5 cluster-serving.yaml)"
)


def migrate_serving(raw: dict[str, Any]) -> Migration:
    """Rewrite KubeFATE v1.5's serving spelling (``servingProxy.ingerssHost``, sic) in a
    serving cluster's config (without the ``fate-serving:`` prefix); refuse chart v2.0.0."""
    config = dict(raw)
    result = Migration(config)
    proxy = config.get("servingProxy")
    if isinstance(proxy, dict) and "ingerssHost" in proxy:
        proxy = dict(proxy)
        host = proxy.pop("ingerssHost")
        config["servingProxy"] = proxy
        old = f"{SERVING_NAMESPACE}:servingProxy.ingerssHost (KubeFATE v1.5's spelling)"
        chart = _serving_chart_of(config)
        if chart is not None and chart.reads(("servingProxy", "ingressHost")):
            proxy["ingressHost"] = host
            result.notes.append(f"{old} is servingProxy.ingressHost")
        else:
            ingress = dict(config.get("ingress") or {})
            rule = dict(ingress.get("servingProxy") or {})
            rule.setdefault("hosts", [{"name": host, "path": "/"}])
            ingress["servingProxy"] = rule
            config["ingress"] = ingress
            result.notes.append(f"{old} is ingress.servingProxy.hosts since chart v2.1.5")
    if config.get("chartVersion") == "v2.0.0":
        del config["chartVersion"]  # said once, here
        result.problems.append(Problem(("chartVersion",), "chart-version", SERVING_V2_0_0))
    return result


def _serving_chart_of(config: dict[str, Any]) -> ServingChart | None:
    """The catalogue's row of the fate-serving version a config names (None: another)."""
    version = str(config.get("chartVersion"))
    return serving_chart(version) if version in SERVING_CHART_VERSIONS else None


def _section(config: dict[str, Any], *path: str) -> dict[str, Any] | None:
    """The mapping at ``path``, copied into place so it can be rewritten; None if absent."""
    node = config
    for key in path:
        child = node.get(key)
        if not isinstance(child, dict):
            return None
        node[key] = node = dict(child)
    return node


def _spark(config: dict[str, Any], result: Migration) -> None:
    """v1.5's FATE-on-Spark spellings."""
    for role in ("master", "worker"):
        node = _section(config, "spark", role)
        if node is None or not {"cpu", "memory"} & set(node):
            continue
        requests = {k: node.pop(k) for k in ("cpu", "memory") if k in node}
        resources = dict(node.get("resources") or {})
        resources["requests"] = {**requests, **(resources.get("requests") or {})}
        node["resources"] = resources
        result.notes.append(
            f"fate:spark.{role}.cpu/memory are the v1.5 spelling of spark.{role}.resources.requests"
        )
    nginx = _section(config, "nginx")
    if nginx is not None and "nodePort" in nginx:
        nginx.pop("nodePort")
        result.problems.append(
            Problem(
                ("nginx", "nodePort"),
                "legacy-key",
                _TWO_PORTS.format(
                    what="nginx", http="nginx.httpNodePort", grpc="nginx.grpcNodePort"
                ),
            )
        )
    table = nginx.get("route_table") if nginx is not None else None
    old = [
        (party, service)
        for party, routes in (table.items() if isinstance(table, dict) else ())
        for service, hosts in (routes.items() if isinstance(routes, dict) else ())
        if isinstance(hosts, list) and any(isinstance(h, dict) and "port" in h for h in hosts)
    ]
    for party, service in old:
        result.problems.append(
            Problem(
                ("nginx", "route_table", party, service),
                "legacy-key",
                _TWO_PORTS.format(what="route", http="http_port", grpc="grpc_port"),
            )
        )
    if old and nginx is not None:
        nginx.pop("route_table")  # said once here, not again by the model
    python = _section(config, "python")
    if python is None:
        return
    spark = _section(config, "python", "spark")
    if spark is not None and "home" in spark:
        spark.pop("home")
        result.notes.append("fate:python.spark.home dropped: the chart sets SPARK_HOME itself")
    rabbitmq = _section(config, "python", "rabbitmq")
    if rabbitmq is not None and "route_table" in rabbitmq:
        rabbitmq.pop("route_table")
        result.notes.append(
            "fate:python.rabbitmq.route_table dropped: the chart mounts the route table "
            "built from rabbitmq.route_table"
        )
    python_nginx = _section(config, "python", "nginx")
    if python_nginx is not None and "port" in python_nginx:
        python_nginx.pop("port")
        why = _TWO_PORTS.format(
            what="nginx", http="python.nginx.http_port", grpc="python.nginx.grpc_port"
        )
        result.problems.append(Problem(("python", "nginx", "port"), "legacy-key", why))


def has_fate1_shape(raw: dict[str, Any]) -> bool:
    """Whether a party's config still has FATE 1.x's eggroll shape (rollsite, its module,
    the eggroll federation), whatever chart version it names."""
    modules = raw.get("modules")
    return (
        "rollsite" in raw
        or (isinstance(modules, list) and "rollsite" in modules)
        or ((raw.get("computing") or "Eggroll") == "Eggroll" and raw.get("federation") == "Eggroll")
    )


def to_fate2(raw: dict[str, Any]) -> Migration:
    """A FATE 1.x party's config (without the ``fate:`` prefix) rewritten for the fate
    chart v2.0.0, each rewritten key noted; what cannot carry over is refused, or left for
    the rules to refuse with their reason (rollsite's exchange, polling and TLS, which the
    2.0 chart renders nothing for)."""
    config = dict(raw)
    result = Migration(config)
    was = config.get("chartVersion")
    config["chartVersion"] = str(newest_fate2_chart().version)

    since = (
        "KubeFATE's v2.0.0 example still writes FATE 1.x's" if is_fate2(str(was)) else f"from {was}"
    )

    def note(old: str, new: str) -> None:
        result.notes.append(f"fate:{old} becomes {new} on the fate chart v2.0.0 ({since})")

    if "rollsite" in config:
        config["osx"] = config.pop("rollsite")
        note("rollsite", "osx")
    modules = config.get("modules")
    if isinstance(modules, list) and "rollsite" in modules:
        config["modules"] = ["osx" if m == "rollsite" else m for m in modules]
        note("modules rollsite", "osx")
    computing = config.get("computing") or "Eggroll"
    if computing == "Eggroll" and config.get("federation") in (None, "Eggroll"):
        config["federation"] = "OSX"
        note("federation Eggroll", "OSX (fateflow 2.0 has no eggroll federation)")
    registry = config.get("registry")
    if registry:
        if str(registry).rstrip("/").endswith("federatedai"):
            config["registry"] = str(registry).rstrip("/")[: -len("federatedai")]
            note(
                f"registry {registry}",
                f"{config['registry'] or '(none)'} (the 2.0 chart "
                "writes <registry>federatedai/<image>)",
            )
        else:
            result.problems.append(
                Problem(
                    ("registry",),
                    "legacy-key",
                    f"{registry!r} holds "
                    "FATE's images as <registry>/<image> on 1.x; the fate chart "
                    "v2.0.0 writes <registry><image> with images named "
                    "federatedai/<name>: set registry (ending in /) and each "
                    "module's image for it",
                )
            )
    if config.get("imageTag"):
        result.problems.append(
            Problem(
                ("imageTag",),
                "legacy-key",
                "the fate chart v2.0.0 reads no global tag: set each module's imageTag",
            )
        )
    spark = config.get("spark")
    if isinstance(spark, dict):
        spark = {
            role: dict(node) if isinstance(node, dict) else node for role, node in spark.items()
        }
        for role, node in spark.items():
            for old, new in (("Image", "image"), ("ImageTag", "imageTag")):
                if isinstance(node, dict) and old in node:
                    node[new] = node.pop(old)
                    note(f"spark.{role}.{old}", f"spark.{role}.{new}")
        config["spark"] = spark
    return result
