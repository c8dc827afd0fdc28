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
from typing import Any, TypeVar

from pydantic import BaseModel
from typing_extensions import TypeIs

from fate_iac.config import ALL_MODULES, PartyConfig, Placement, Resources, Storage
from fate_iac.secrets import Secret

Values = dict[str, Any]
_Section = TypeVar("_Section", bound=BaseModel)


def _empty(value: object) -> bool:
    """Go template truth: nil, false, 0, "" and empty collections are empty."""
    if isinstance(value, BaseModel):
        return not value.model_fields_set
    return value is None or value is False or value == 0 or value == "" or value in ([], {})


def _default(value: Any, fallback: Any) -> Any:
    """Sprig's ``default``: the fallback when the value is empty."""
    return fallback if _empty(value) else value


def _plain(value: Any) -> Any:
    """A model (or list of them) as the YAML KubeFATE's ``toYaml`` writes."""
    if isinstance(value, BaseModel):
        return {k: _plain(v) for k, v in value if v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _with(target: Values, key: str, value: Any, convert: Callable[[Any], Any] = _plain) -> None:
    """``{{- with .value }} key: ...{{- end }}``: write the key only for a non-empty value."""
    if not _empty(value):
        target[key] = convert(value)


def _placement(target: Values, section: Placement) -> None:
    _with(target, "nodeSelector", section.nodeSelector)
    _with(target, "tolerations", section.tolerations)
    _with(target, "affinity", section.affinity)


def _resources(target: Values, resources: Resources | None) -> None:
    _with(target, "resources", resources)


def _present(section: _Section | None) -> TypeIs[_Section]:
    """``{{- with .section }}``: a section is written when it is there and not empty."""
    return section is not None and not _empty(section)


def _volume(section: Storage, storage_class: str | None) -> Values:
    """The persistent-volume keys the template writes for a module with storage."""
    return {
        "existingClaim": section.existingClaim,
        "storageClass": _default(section.storageClass, storage_class),
        "accessMode": _default(section.accessMode, "ReadWriteOnce"),
        "size": _default(section.size, "1Gi"),
    }


def render_values(cfg: PartyConfig) -> Values:
    """Chart values for ``cfg``; pure, deterministic, with no I/O."""
    image: Values = {
        "registry": _default(cfg.registry, "federatedai"),
        "isThridParty": not _empty(cfg.registry),
        "pullPolicy": _default(cfg.pullPolicy, "IfNotPresent"),
    }
    _with(image, "imagePullSecrets", cfg.imagePullSecrets)
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
    if _present(cfg.ingress):
        ingress: Values = {}
        for name in ("fateboard", "client"):
            rule = getattr(cfg.ingress, name)
            if _present(rule):
                entry: Values = {}
                _with(entry, "annotations", rule.annotations)
                _with(entry, "hosts", rule.hosts)
                _with(entry, "tls", rule.tls)
                ingress[name] = entry
        values["ingress"] = ingress
    if _present(cfg.istio):
        values["istio"] = {"enabled": cfg.istio.enabled}
    if _present(cfg.podSecurityPolicy):
        values["podSecurityPolicy"] = {"enabled": cfg.podSecurityPolicy.enabled}
    values["ingressClassName"] = _default(cfg.ingressClassName, "nginx")

    rollsite = cfg.rollsite if _present(cfg.rollsite) else None
    exchange = rollsite.exchange if rollsite is not None else None
    values["exchange"] = (
        {"partyIp": exchange.ip, "partyPort": exchange.port} if exchange is not None else None
    )
    # The template leaves both lists empty: [] drops the chart's example entries as its
    # null does, and needs no null to reach Helm.
    values["exchangeList"] = []
    party_list = rollsite.partyList if rollsite is not None else None
    values["partyList"] = _plain(party_list) if party_list else []
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
    if not _present(section):
        return
    target.update(
        ip="rollsite",
        type=_default(section.type, "ClusterIP"),
        nodePort=section.nodePort,
        loadBalancerIP=section.loadBalancerIP,
        enableTLS=_default(section.enableTLS, False),
    )
    _placement(target, section)
    polling = section.polling
    if _present(polling):
        entry: Values = {"enabled": polling.enabled, "type": polling.type}
        _with(entry, "server", polling.server)
        _with(entry, "clientList", polling.clientList)
        entry["concurrency"] = polling.concurrency
        target["polling"] = entry
    _resources(target, section.resources)


def _python(target: Values, cfg: PartyConfig) -> None:
    section = cfg.python
    if not _present(section):
        return
    target["replicas"] = _default(section.replicas, 1)
    _resources(target, section.resources)
    target.update(
        logLevel=_default(section.logLevel, "INFO"),
        type=_default(section.type, "ClusterIP"),
        httpNodePort=section.httpNodePort,
        grpcNodePort=section.grpcNodePort,
        loadBalancerIP=section.loadBalancerIP,
        dependent_distribution=section.dependent_distribution,
        serviceAccountName=section.serviceAccountName,
    )
    _placement(target, section)
    target.update(
        failedTaskAutoRetryTimes=_default(section.failedTaskAutoRetryTimes, 5),
        failedTaskAutoRetryDelay=_default(section.failedTaskAutoRetryDelay, 60),
        claimName=_default(section.claimName, "python-data"),
        **_volume(section, "python"),
    )
    resources = section.clustermanager
    if _present(resources):
        target["clustermanager"] = {
            "cores_per_node": resources.cores_per_node,
            "nodes": resources.nodes,
        }


def _clustermanager(target: Values, cfg: PartyConfig) -> None:
    section = cfg.clustermanager
    if not _present(section):
        return
    target.update(ip="clustermanager", type="ClusterIP")
    target["mysqlServerTimezone"] = section.mysqlServerTimezone
    _placement(target, section)
    _resources(target, section.resources)


def _nodemanager(target: Values, cfg: PartyConfig) -> None:
    section = cfg.nodemanager
    if not _present(section):
        return
    target.update(
        sessionProcessorsPerNode=section.sessionProcessorsPerNode,
        replicas=_default(section.replicas, 2),
        subPath=section.subPath,
        **_volume(section, "nodemanager"),
    )
    _placement(target, section)
    _resources(target, section.resources)


def _client(target: Values, cfg: PartyConfig) -> None:
    section = cfg.client
    if not _present(section):
        return
    target.update(subPath=section.subPath, **_volume(section, "client"))
    _placement(target, section)
    target["notebook_hashed_password"] = _default(section.notebook_hashed_password, "")


def _mysql(target: Values, cfg: PartyConfig) -> None:
    section = cfg.mysql
    if not _present(section):
        return
    target["type"] = _default(section.type, "ClusterIP")
    _placement(target, section)
    target.update(
        ip=_default(section.ip, "mysql"),
        port=_default(section.port, 3306),
        database=_default(section.database, "eggroll_meta"),
        user=_default(section.user, "fate"),
        password=_default(section.password, "fate_dev"),
        subPath=section.subPath,
        **_volume(section, None),
    )


def _serving(cfg: PartyConfig) -> Values:
    serving: Values = {"ip": cfg.servingIp, "port": cfg.servingPort}
    registry = cfg.serving
    if _present(registry):
        serving["useRegistry"] = _default(registry.useRegistry, False)
        serving["zookeeper"] = _plain(registry.zookeeper)
    return serving


def _fateboard(target: Values, cfg: PartyConfig) -> None:
    section = cfg.fateboard
    if not _present(section):
        return
    target.update(type=section.type, username=section.username, password=section.password)
    _placement(target, section)


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
