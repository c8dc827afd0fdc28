"""Chart values from a stack's config: what KubeFATE's values-templates do.

:func:`render_values` (the ``fate`` chart), :func:`render_exchange_values` (the
``fate-exchange`` chart) and :func:`render_serving_values` (the ``fate-serving`` chart,
of a party's serving cluster or an exchange's serving proxy) each follow their chart's
``values-template.yaml``.

The party's renderer follows the chart's own ``values-template.yaml`` (the cluster.yaml ->
values mapping KubeFATE runs) key by key, for FATE on eggroll and on Spark, so that the
same intent gives the same Kubernetes objects. Where the template writes a key with no value, the
result holds ``None`` (see :func:`fate_iac.release.release_values` for how that reaches
Helm). Credentials stay :class:`~fate_iac.secrets.Secret` objects; whoever consumes the
values decides how they travel (a Pulumi secret, or redacted on screen).

Differences from KubeFATE, on purpose:

* ``imageTag`` sets ``image.tag`` (KubeFATE's template has no key for it);
* ``helmValues`` is merged last, as raw chart values;
* ``computing``/``federation``/``storage``/``algorithm``/``device`` are always written
  (defaults Eggroll/Eggroll/Eggroll/Basic/CPU); KubeFATE writes null for a missing one,
  which leaves fateflow without a computing engine;
* an ``hdfs`` section without ``namenode`` or ``datanode`` renders that node with the
  template's defaults; KubeFATE's template fails on it (nil pointer);
* a Spark party's nginx without an exchange has a blank default route
  (:data:`NO_NGINX_EXCHANGE`), not the chart's example address.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fate_iac.catalogue import serving_chart
from fate_iac.config import (
    ExchangeConfig,
    HdfsDatanode,
    HdfsNamenode,
    PartyConfig,
    ServingConfig,
)
from fate_iac.endpoints import DEFAULT_SNI_DOMAIN
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
from fate_iac.modules import MODULES_BY_NAME, modules_of
from fate_iac.secrets import Secret


def render_values(cfg: PartyConfig) -> Values:
    """Chart values for ``cfg``; pure, deterministic, with no I/O."""
    fallback = "" if cfg.fate2 else "federatedai"
    image = template_image(cfg.registry, cfg.pullPolicy, cfg.imagePullSecrets, fallback)
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
        for name in ("fateboard", "client", "spark", "rabbitmq", "pulsar"):
            rule = getattr(cfg.ingress, name)
            if present(rule):
                ingress[name] = _ingress_rule(rule)
        values["ingress"] = ingress
    if present(cfg.istio):
        values["istio"] = {"enabled": cfg.istio.enabled}
    if present(cfg.podSecurityPolicy):
        values["podSecurityPolicy"] = {"enabled": cfg.podSecurityPolicy.enabled}
    values["ingressClassName"] = default(cfg.ingressClassName, "nginx")

    section = cfg.gateway_section
    rollsite = section if present(section) else None
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

    modules: Values = {}
    for module in modules_of(cfg.chart.generation):  # the module registry's order
        target: Values = {"include": cfg.has(module.name)}
        if module.renderer is not None:
            RENDERERS[module.renderer](target, cfg)
        modules[module.name] = target
        if module.name == "mysql":
            modules["serving"] = _serving(cfg)  # the serving registry: not a module
    if cfg.fate2:
        _images(modules, cfg)
    values["modules"] = modules

    values["externalMysqlIp"] = cfg.externalMysqlIp
    values["externalMysqlPort"] = cfg.externalMysqlPort
    values["externalMysqlDatabase"] = cfg.externalMysqlDatabase
    values["externalMysqlUser"] = cfg.externalMysqlUser
    values["externalMysqlPassword"] = cfg.externalMysqlPassword
    return values


def _images(modules: Values, cfg: PartyConfig) -> None:
    """Each written module's ``image`` and ``imageTag`` (FATE 2.0); hdfs's two nodes both
    read ``hdfs.image``, as the template does."""
    for where, image in (cfg.chart.images or {}).items():
        module, _, node = where.partition(".")
        target = modules[module].get(node) if node else modules[module]
        if not isinstance(target, dict) or set(target) <= {"include"}:
            continue  # the template writes images only inside the module's section
        section = getattr(cfg, module)
        if node and MODULES_BY_NAME[module].image_per_node:
            section = getattr(section, node)
            for capital in ("Image", "ImageTag"):  # the 1.x spelling, gone in 2.0
                target.pop(capital, None)
        target["image"] = default(getattr(section, "image", None), image.name)
        target["imageTag"] = default(getattr(section, "imageTag", None), image.tag)


def plaintext_withheld(cfg: PartyConfig | ExchangeConfig) -> bool:
    """With TLS, rollsite's plaintext Service stays inside the namespace (ClusterIP):
    peers reach Service rollsite-tls, of rollsite's type; ``tls.publishPlaintext`` keeps
    the plaintext one published too. A deliberate difference from KubeFATE's objects."""
    return cfg.rollsite_tls and not cfg.tls.publishPlaintext


def _rollsite(target: Values, cfg: PartyConfig) -> None:
    section = cfg.gateway_section
    if not present(section):
        return
    published = not plaintext_withheld(cfg)
    target.update(
        ip=cfg.gateway,
        type=default(section.type, "ClusterIP") if published else "ClusterIP",
        nodePort=section.nodePort if published else None,
        loadBalancerIP=section.loadBalancerIP if published else None,
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
    with_(target, "spark", section.spark)
    for name, keys in _FATEFLOW_SPARK_KEYS.items():
        link = getattr(section, name)
        if present(link):
            target[name] = {key: getattr(link, key) for key in keys}


_FATEFLOW_SPARK_KEYS: dict[str, tuple[str, ...]] = {
    "hdfs": ("name_node", "path_prefix"),
    "pulsar": ("host", "mng_port", "port", "topic_ttl", "cluster", "tenant"),
    "rabbitmq": ("host", "mng_port", "port", "user", "password"),
    "nginx": ("host", "http_port", "grpc_port"),
    "hive": ("host", "port", "auth_mechanism", "username", "password"),
}
"""The keys of fateflow's Spark-side sections the template writes, each even when unset."""


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


def _spark(target: Values, cfg: PartyConfig) -> None:
    section = cfg.spark
    if not present(section):
        return
    for role in ("master", "worker"):
        node = getattr(section, role)
        if not present(node):  # the template's {{- if .master }}
            continue
        entry: Values = {
            "Image": default(node.Image, ""),
            "ImageTag": default(node.ImageTag, ""),
            "replicas": node.replicas,
        }
        resources(entry, node.resources)
        placement(entry, node)
        if role == "master":
            entry.update(type=node.type, nodePort=getattr(node, "nodePort", None))
        else:
            entry["type"] = default(node.type, "ClusterIP")
        target[role] = entry


def _hdfs(target: Values, cfg: PartyConfig) -> None:
    section = cfg.hdfs
    if not present(section):
        return
    namenode = section.namenode or HdfsNamenode()
    entry: Values = {}
    placement(entry, namenode)
    entry.update(
        type=default(namenode.type, "ClusterIP"),
        nodePort=namenode.nodePort,
        **volume(namenode, ""),
    )
    target["namenode"] = entry
    datanode = section.datanode or HdfsDatanode()
    entry = {"replicas": default(datanode.replicas, 3)}
    placement(entry, datanode)
    entry.update(type=default(datanode.type, "ClusterIP"), **volume(datanode, ""))
    target["datanode"] = entry


NO_NGINX_EXCHANGE: Values = {"ip": "", "httpPort": "", "grpcPort": ""}
"""nginx's default route when no exchange is given: blank, where KubeFATE leaves the
chart's example address (192.168.10.1:30003), which would receive the traffic for any
party nginx has no route to."""


def _nginx(target: Values, cfg: PartyConfig) -> None:
    section = cfg.nginx
    if cfg.has("nginx") and not (section and section.exchange):
        target["exchange"] = dict(NO_NGINX_EXCHANGE)
    if not present(section):
        return
    placement(target, section)
    target.update(
        type=default(section.type, "ClusterIP"),
        httpNodePort=section.httpNodePort,
        grpcNodePort=section.grpcNodePort,
        loadBalancerIP=section.loadBalancerIP,
    )
    with_(target, "exchange", section.exchange)
    target["route_table"] = route_table(section.route_table)


def _rabbitmq(target: Values, cfg: PartyConfig) -> None:
    section = cfg.rabbitmq
    if not present(section):
        return
    resources(target, section.resources)
    placement(target, section)
    target.update(
        type=default(section.type, "ClusterIP"),
        nodePort=section.nodePort,
        default_user=section.default_user,
        default_pass=section.default_pass,
        loadBalancerIP=section.loadBalancerIP,
        user=section.user,
        password=section.password,
        route_table=route_table(section.route_table),
    )


def _pulsar(target: Values, cfg: PartyConfig) -> None:
    section = cfg.pulsar
    if not present(section):
        return
    resources(target, section.resources)
    with_(target, "env", section.env)
    with_(target, "confs", section.confs)
    placement(target, section)
    target.update(
        type=default(section.type, "ClusterIP"),
        httpNodePort=section.httpNodePort,
        httpsNodePort=section.httpsNodePort,
        loadBalancerIP=section.loadBalancerIP,
    )
    if present(section.publicLB):
        target["publicLB"] = {"enabled": section.publicLB.enabled}
    exchange = section.exchange
    if present(exchange):
        target["exchange"] = {
            "ip": exchange.ip,
            "port": exchange.port,
            "domain": default(exchange.domain, DEFAULT_SNI_DOMAIN),
        }
    target.update(route_table=route_table(section.route_table), **volume(section, ""))


RENDERERS: dict[str, Callable[[Values, PartyConfig], None]] = {
    "gateway": _rollsite,
    "python": _python,
    "clustermanager": _clustermanager,
    "nodemanager": _nodemanager,
    "client": _client,
    "mysql": _mysql,
    "fateboard": _fateboard,
    "spark": _spark,
    "hdfs": _hdfs,
    "nginx": _nginx,
    "rabbitmq": _rabbitmq,
    "pulsar": _pulsar,
}
"""Each module's values, by the renderer its registry row names
(:attr:`fate_iac.modules.FateModule.renderer`): rollsite's serves osx too."""


def route_table(table: Mapping[int, Any] | None) -> Values | None:
    """A route table keyed by party id as text: the chart prints the keys as they are,
    and Pulumi carries values as protobuf Structs, whose keys must be strings. None (the
    template's empty ``route_table:``) when there are no routes."""
    if not table:
        return None
    return {str(party_id): plain(routes) for party_id, routes in table.items()}


def nginx_route_table(table: Mapping[int, Any]) -> Values:
    """An exchange's nginx routes (an empty map when there are none)."""
    return route_table(table) or {}


def render_exchange_values(cfg: ExchangeConfig) -> Values:
    """Values for the fate-exchange chart, as its values-template computes them."""
    image = template_image(cfg.registry, cfg.pullPolicy, cfg.imagePullSecrets)
    values: Values = {"partyId": cfg.partyId, "partyName": cfg.name, "image": image}
    values["exchange"] = None
    if present(cfg.podSecurityPolicy):
        values["podSecurityPolicy"] = {"enabled": cfg.podSecurityPolicy.enabled}
    rollsite = cfg.rollsite if present(cfg.rollsite) else None
    party_list = plain(rollsite.partyList) if rollsite and rollsite.partyList else []
    values["partyList"] = party_list

    modules: Values = {m: {"include": cfg.has(m)} for m in ("rollsite", "nginx", "trafficServer")}
    if rollsite is not None:
        target = modules["rollsite"]
        placement(target, rollsite)
        published = not plaintext_withheld(cfg)
        target.update(
            type=rollsite.type if published else "ClusterIP",
            enableTLS=default(rollsite.enableTLS, False),
            nodePort=rollsite.nodePort if published else None,
            partyList=party_list,
        )
    if present(cfg.nginx):
        target = modules["nginx"]
        placement(target, cfg.nginx)
        target.update(
            type=cfg.nginx.type,
            replicas=cfg.nginx.replicas,
            httpNodePort=cfg.nginx.httpNodePort,
            grpcNodePort=cfg.nginx.grpcNodePort,
            route_table=nginx_route_table(cfg.nginx.route_table or {}),
        )
    if present(cfg.trafficServer):
        target = modules["trafficServer"]
        ts = cfg.trafficServer
        placement(target, ts)
        sni = ts.route_table.sni if ts.route_table else []
        target.update(
            type=ts.type,
            replicas=ts.replicas,
            nodePort=ts.nodePort,
            route_table={"sni": plain(sni)},
        )
    values["modules"] = modules
    return values


MOCK_ADAPTER = "com.webank.ai.fate.serving.adaptor.dataaccess.MockAdapter"
MOCK_BATCH_ADAPTER = "com.webank.ai.fate.serving.adaptor.dataaccess.MockBatchAdapter"
ADAPTER_URL = "http://127.0.0.1:9380/v1/http/adapter/getFeature"


def render_serving_values(cfg: ServingConfig) -> Values:
    """Values for the ``fate-serving`` chart, as its values-template computes them (v2.0.4,
    v2.1.5 and v2.1.6; the later two add ingress, loadBalancerIPs, cache and adaptors).

    Deliberate differences from KubeFATE's template: ``cacheSwitch`` is written from
    ``cacheSwitch`` (the template writes it from ``cacheType``, so ``cacheType: redis``
    turned the cache *off*); a serving proxy without an exchange routes unknown parties to
    itself (the template leaves the chart's example exchange, 192.168.0.1:30100); and
    ``imageTag`` sets the image on v2.1.6 too."""
    chart = serving_chart(cfg.chartVersion)
    later = chart.reads(("ingress",))
    image = template_image(cfg.registry, cfg.pullPolicy, cfg.imagePullSecrets)
    image["tag"] = default(cfg.imageTag, chart.image_tag)
    values: Values = {
        "partyId": cfg.partyId,
        "partyName": cfg.release_name,
        "image": image,
        "persistence": {"enabled": cfg.persistence},
    }
    if present(cfg.istio):
        values["istio"] = {"enabled": cfg.istio.enabled}
    if present(cfg.podSecurityPolicy):
        values["podSecurityPolicy"] = {"enabled": cfg.podSecurityPolicy.enabled}
    if later:
        values["ingressClassName"] = default(cfg.ingressClassName, "nginx")
        if present(cfg.ingress):
            values["ingress"] = {
                name: _ingress_rule(rule)
                for name in ("servingProxy", "servingAdmin")
                if present(rule := getattr(cfg.ingress, name))
            }

    values["servingProxy"] = _serving_proxy(cfg, later)
    values["servingRedis"] = _serving_redis(cfg)
    values["servingServer"] = _serving_server(cfg, later)
    values["servingZookeeper"] = _serving_zookeeper(cfg)
    values["servingAdmin"] = _serving_admin(cfg, later)
    values.update(
        externalRedisIp=cfg.externalRedisIp,
        externalRedisPort=cfg.externalRedisPort,
        externalRedisPassword=cfg.externalRedisPassword,
    )
    return values


NO_SERVING_EXCHANGE: Values = {"partyIp": "serving-proxy", "partyPort": 8869}
"""A serving proxy's default route when no exchange is given: itself, as the template
routes it without an exchange, where KubeFATE leaves the chart's example exchange
(192.168.0.1:30100). Written as a route, not a null: a null does clear the chart's
default, but Helm warns about it on every render."""


def _serving_proxy(cfg: ServingConfig, later: bool) -> Values:
    proxy: Values = {"include": cfg.has("servingProxy"), "exchange": dict(NO_SERVING_EXCHANGE)}
    section = cfg.servingProxy
    if present(section):
        proxy.update(ip="serving-proxy", type=section.type, nodePort=section.nodePort)
        if later:
            proxy["loadBalancerIP"] = section.loadBalancerIP
        else:
            default_host = f"{cfg.partyId}.serving-proxy.kubefate.net"
            proxy["ingressHost"] = default(section.ingressHost, default_host)
        with_(proxy, "partyList", section.partyList)
        if section.exchange is not None:
            proxy["exchange"] = {"partyIp": section.exchange.ip, "partyPort": section.exchange.port}
        placement(proxy, section)
    return proxy


def _serving_redis(cfg: ServingConfig) -> Values:
    redis: Values = {"include": cfg.has("servingRedis")}
    section = cfg.servingRedis
    if present(section):
        password = default(section.password, "fate_dev")
        redis.update(password=password, subPath=section.subPath, **volume(section, "serving-redis"))
        placement(redis, section)
    return redis


def _serving_server(cfg: ServingConfig, later: bool) -> Values:
    server: Values = {"include": cfg.has("servingServer")}
    section = cfg.servingServer
    if present(section):
        server.update(nodePort=section.nodePort, type=default(section.type, "ClusterIP"))
        if section.fateflow is not None:
            server["fateflow"] = {"ip": section.fateflow.ip, "port": section.fateflow.port}
        if later:
            server.update(
                loadBalancerIP=section.loadBalancerIP,
                cacheSwitch=default(section.cacheSwitch, False),
                cacheType=default(section.cacheType, "local"),
                singleAdaptor=default(section.singleAdaptor, MOCK_ADAPTER),
                batchAdaptor=default(section.batchAdaptor, MOCK_BATCH_ADAPTER),
                AdapterURL=default(section.AdapterURL, ADAPTER_URL),
            )
        # The template's default class is serving-redis here too.
        server.update(subPath=section.subPath, **volume(section, "serving-redis"))
        placement(server, section)
    return server


def _serving_zookeeper(cfg: ServingConfig) -> Values:
    zookeeper: Values = {"include": cfg.has("servingZookeeper")}
    section = cfg.servingZookeeper
    if present(section):
        placement(zookeeper, section)
        zookeeper.update(
            subPath=section.subPath,
            storageClassName=default(section.storageClassName, "managed-nfs-storage"),
            **volume(section, None),
        )
    return zookeeper


def _serving_admin(cfg: ServingConfig, later: bool) -> Values:
    admin: Values = {"include": cfg.has("servingAdmin")}
    section = cfg.servingAdmin
    if present(section):
        domain = "example.com" if later else "kubefate.net"
        admin.update(
            ingressHost=default(section.ingressHost, f"{cfg.partyId}.serving-admin.{domain}"),
            username=section.username,
            password=section.password,
        )
        placement(admin, section)
    return admin


def _ingress_rule(rule: Any) -> Values:
    entry: Values = {}
    with_(entry, "annotations", rule.annotations)
    with_(entry, "hosts", rule.hosts)
    with_(entry, "tls", rule.tls)
    return entry


def map_secrets(values: Any, fn: Callable[[Secret], Any]) -> Any:
    """``values`` with every :class:`Secret` replaced by ``fn(secret)``."""
    if isinstance(values, Secret):
        return fn(values)
    if isinstance(values, dict):
        return {k: map_secrets(v, fn) for k, v in values.items()}
    if isinstance(values, list):
        return [map_secrets(v, fn) for v in values]
    return values
