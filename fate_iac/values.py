"""Values for the ``fate`` chart from a party's config: what KubeFATE's values-template does.

The function below follows the chart's own ``values-template.yaml`` (the cluster.yaml ->
values mapping KubeFATE runs) key by key, for FATE on eggroll, so that the same intent
gives the same Kubernetes objects. Where the template writes a key with no value, the
result holds ``None`` (see :func:`fate_iac.release.release_values` for how that reaches
Helm). Credentials stay :class:`~fate_iac.secrets.Secret` objects; whoever consumes the
values decides how they travel (a Pulumi secret, or redacted on screen).

Differences from KubeFATE, on purpose:

* ``imageTag`` sets ``image.tag`` (KubeFATE's template has no key for it);
* ``helmValues`` is merged last, as raw chart values;
* ``computing``/``federation``/``storage``/``algorithm``/``device`` are always written
  (defaults Eggroll/Eggroll/Eggroll/Basic/CPU); KubeFATE writes null for a missing one,
  which leaves fateflow without a computing engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fate_iac.config import ALL_MODULES, PartyConfig
from fate_iac.gotemplate import (
    Values,
    default,
    placement,
    plain,
    present,
    resources,
    volume,
    with_,
)
from fate_iac.gotemplate import image as template_image
from fate_iac.secrets import Secret


def render_values(cfg: PartyConfig) -> Values:
    """Chart values for ``cfg``; pure, deterministic, with no I/O."""
    image = template_image(cfg.registry, cfg.pullPolicy, cfg.imagePullSecrets)
    if cfg.imageTag:
        image["tag"] = cfg.imageTag

    values: Values = {
        "image": image,
        "partyId": cfg.partyId,
        "partyName": cfg.release_name,
        "computing": cfg.computing,
        "federation": cfg.federation,
        "storage": cfg.storage,
        "algorithm": cfg.algorithm,
        "device": cfg.device,
    }
    if present(cfg.ingress):
        ingress: Values = {}
        for name in ("fateboard", "client"):
            rule = getattr(cfg.ingress, name)
            if present(rule):
                entry: Values = {}
                with_(entry, "annotations", rule.annotations)
                with_(entry, "hosts", rule.hosts)
                with_(entry, "tls", rule.tls)
                ingress[name] = entry
        values["ingress"] = ingress
    if present(cfg.istio):
        values["istio"] = {"enabled": cfg.istio.enabled}
    if present(cfg.podSecurityPolicy):
        values["podSecurityPolicy"] = {"enabled": cfg.podSecurityPolicy.enabled}
    values["ingressClassName"] = default(cfg.ingressClassName, "nginx")

    rollsite = cfg.rollsite if present(cfg.rollsite) else None
    exchange = rollsite.exchange if rollsite is not None else None
    values["exchange"] = (
        {"partyIp": exchange.ip, "partyPort": exchange.port} if exchange is not None else None
    )
    # The template leaves both lists empty: [] drops the chart's example entries as its
    # null does, and needs no null to reach Helm.
    values["exchangeList"] = []
    party_list = rollsite.partyList if rollsite is not None else None
    values["partyList"] = plain(party_list) if party_list else []
    values["persistence"] = {"enabled": cfg.persistence}

    modules: Values = {name: {"include": cfg.has(name)} for name in ALL_MODULES}
    _rollsite(modules["rollsite"], cfg)
    _python(modules["python"], cfg)
    _clustermanager(modules["clustermanager"], cfg)
    _nodemanager(modules["nodemanager"], cfg)
    _client(modules["client"], cfg)
    _mysql(modules["mysql"], cfg)
    modules["serving"] = _serving(cfg)
    _fateboard(modules["fateboard"], cfg)
    values["modules"] = {name: modules[name] for name in _MODULE_ORDER}

    values["externalMysqlIp"] = cfg.externalMysqlIp
    values["externalMysqlPort"] = cfg.externalMysqlPort
    values["externalMysqlDatabase"] = cfg.externalMysqlDatabase
    values["externalMysqlUser"] = cfg.externalMysqlUser
    values["externalMysqlPassword"] = cfg.externalMysqlPassword

    if cfg.helmValues:
        values = merge_values(values, cfg.helmValues)
    return values


_MODULE_ORDER = (
    "rollsite", "lbrollsite", "python", "clustermanager", "nodemanager", "client", "mysql",
    "serving", "fateboard", "spark", "hdfs", "nginx", "rabbitmq", "pulsar",
)  # fmt: skip


def _rollsite(target: Values, cfg: PartyConfig) -> None:
    section = cfg.rollsite
    if not present(section):
        return
    target.update(
        ip="rollsite",
        type=default(section.type, "ClusterIP"),
        nodePort=section.nodePort,
        loadBalancerIP=section.loadBalancerIP,
        enableTLS=default(section.enableTLS, False),
    )
    placement(target, section)
    polling = section.polling
    if present(polling):
        entry: Values = {"enabled": polling.enabled, "type": polling.type}
        with_(entry, "server", polling.server)
        with_(entry, "clientList", polling.clientList)
        entry["concurrency"] = polling.concurrency
        target["polling"] = entry
    resources(target, section.resources)


def _python(target: Values, cfg: PartyConfig) -> None:
    section = cfg.python
    if not present(section):
        return
    target["replicas"] = default(section.replicas, 1)
    resources(target, section.resources)
    target.update(
        logLevel=default(section.logLevel, "INFO"),
        type=default(section.type, "ClusterIP"),
        httpNodePort=section.httpNodePort,
        grpcNodePort=section.grpcNodePort,
        loadBalancerIP=section.loadBalancerIP,
        dependent_distribution=section.dependent_distribution,
        serviceAccountName=section.serviceAccountName,
    )
    placement(target, section)
    target.update(
        failedTaskAutoRetryTimes=default(section.failedTaskAutoRetryTimes, 5),
        failedTaskAutoRetryDelay=default(section.failedTaskAutoRetryDelay, 60),
        claimName=default(section.claimName, "python-data"),
        **volume(section, "python"),
    )
    scheduling = section.clustermanager
    if present(scheduling):
        target["clustermanager"] = {
            "cores_per_node": scheduling.cores_per_node,
            "nodes": scheduling.nodes,
        }


def _clustermanager(target: Values, cfg: PartyConfig) -> None:
    section = cfg.clustermanager
    if not present(section):
        return
    target.update(ip="clustermanager", type="ClusterIP")
    target["mysqlServerTimezone"] = section.mysqlServerTimezone
    placement(target, section)
    resources(target, section.resources)


def _nodemanager(target: Values, cfg: PartyConfig) -> None:
    section = cfg.nodemanager
    if not present(section):
        return
    target.update(
        sessionProcessorsPerNode=section.sessionProcessorsPerNode,
        replicas=default(section.replicas, 2),
        subPath=section.subPath,
        **volume(section, "nodemanager"),
    )
    placement(target, section)
    resources(target, section.resources)


def _client(target: Values, cfg: PartyConfig) -> None:
    section = cfg.client
    if not present(section):
        return
    target.update(subPath=section.subPath, **volume(section, "client"))
    placement(target, section)
    target["notebook_hashed_password"] = default(section.notebook_hashed_password, "")


def _mysql(target: Values, cfg: PartyConfig) -> None:
    section = cfg.mysql
    if not present(section):
        return
    target["type"] = default(section.type, "ClusterIP")
    placement(target, section)
    target.update(
        ip=default(section.ip, "mysql"),
        port=default(section.port, 3306),
        database=default(section.database, "eggroll_meta"),
        user=default(section.user, "fate"),
        password=default(section.password, "fate_dev"),
        subPath=section.subPath,
        **volume(section, None),
    )


def _serving(cfg: PartyConfig) -> Values:
    serving: Values = {"ip": cfg.servingIp, "port": cfg.servingPort}
    registry = cfg.serving
    if present(registry):
        serving["useRegistry"] = default(registry.useRegistry, False)
        serving["zookeeper"] = plain(registry.zookeeper)
    return serving


def _fateboard(target: Values, cfg: PartyConfig) -> None:
    section = cfg.fateboard
    if not present(section):
        return
    target.update(type=section.type, username=section.username, password=section.password)
    placement(target, section)


def merge_values(base: Values, override: Values) -> Values:
    """Deep-merge ``override`` into a copy of ``base``, maps key by key, the way Helm does."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_values(merged[key], value)
        else:
            merged[key] = value
    return merged


def map_secrets(values: Any, fn: Callable[[Secret], Any]) -> Any:
    """``values`` with every :class:`Secret` replaced by ``fn(secret)``."""
    if isinstance(values, Secret):
        return fn(values)
    if isinstance(values, dict):
        return {k: map_secrets(v, fn) for k, v in values.items()}
    if isinstance(values, list):
        return [map_secrets(v, fn) for v in values]
    return values
