"""A party's training and serving clusters, in one stack, find each other.

KubeFATE's operator types the same addresses twice: the training cluster's ``servingIp``
and ``servingPort`` (where fateflow publishes models) and the serving server's
``fateflow`` (where it loads them from). In one stack both run on the same cluster, so
each is the other's in-cluster Service (:func:`fate_iac.endpoints.service_endpoint`),
derived here; what the config sets explicitly, for clusters elsewhere, is kept.
"""

from __future__ import annotations

from fate_iac.config import PartyConfig, ServingConfig, ServingFateflow, ServingServer, Zookeeper
from fate_iac.endpoints import (
    FATEFLOW_HTTP_PORT,
    SERVING_SERVER_PORT,
    SERVING_ZOOKEEPER_PORT,
    service_endpoint,
)


def link(cfg: PartyConfig) -> PartyConfig:
    """``cfg`` with the addresses its two clusters take from each other filled in."""
    serving = cfg.servingCluster
    if serving is None:
        return cfg
    updates: dict[str, object] = {}
    if cfg.servingIp is None and cfg.servingPort is None and serving.has("servingServer"):
        server = service_endpoint(serving, "serving-server", "ClusterIP", SERVING_SERVER_PORT)
        updates.update(servingIp=server.host, servingPort=server.port)
    registry = cfg.serving
    if (
        registry is not None
        and registry.useRegistry
        and registry.zookeeper is None
        and serving.has("servingZookeeper")
    ):
        zookeeper = service_endpoint(
            serving, "serving-zookeeper", "ClusterIP", SERVING_ZOOKEEPER_PORT
        )
        hosts = [f"{zookeeper.host}:{zookeeper.port}"]
        updates["serving"] = registry.model_copy(
            update={"zookeeper": Zookeeper(hosts=hosts, use_acl=False)}
        )
    linked = _with_fateflow(serving, cfg)
    linked._training_namespace = cfg.k8s_namespace
    updates["servingCluster"] = linked
    return cfg.model_copy(update=updates)


def _with_fateflow(serving: ServingConfig, cfg: PartyConfig) -> ServingConfig:
    server = serving.servingServer
    if not serving.has("servingServer") or not cfg.has("python"):
        return serving
    if server is not None and server.fateflow is not None:
        return serving
    fateflow = service_endpoint(cfg, "fateflow", "ClusterIP", FATEFLOW_HTTP_PORT)
    address = ServingFateflow(ip=fateflow.host, port=fateflow.port)
    server = (server or ServingServer()).model_copy(update={"fateflow": address})
    return serving.model_copy(update={"servingServer": server})
