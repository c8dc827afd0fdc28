"""The program every stack runs (``__main__.py`` calls :func:`main`): validate the
running stack's config, build the component of its kind, export its outputs."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pulumi
from pulumi import CustomResource
from pulumi.runtime import config as pulumi_config

from fate_iac import kubefate_server
from fate_iac.charts import ChartSourceError
from fate_iac.convergence import INPUTS_ENV, INPUTS_OUTPUT
from fate_iac.kinds import Loaded, parts
from fate_iac.loader import load_stack_config, raw_from_pulumi
from fate_iac.problems import ConfigError
from fate_pulumi.exchange import Exchange
from fate_pulumi.fate_eggroll_cluster import FateEggrollCluster
from fate_pulumi.fate_serving import FateServing
from fate_pulumi.fate_spark_cluster import FateSparkCluster
from fate_pulumi.federation_refs import federation_records
from fate_pulumi.kubefate_server import KubeFateServer
from fate_pulumi.stack import FateStack

COMPONENTS: dict[str, Callable[..., FateStack]] = {
    c.__name__: c for c in (FateEggrollCluster, FateSparkCluster, Exchange, FateServing)
}
"""Every component, by the name a stack kind gives for it (``StackKind.component``)."""
SHARED_OUTPUTS = ("partyId", "federation")
"""Outputs a serving cluster beside a training cluster leaves to the stack's own (its
proxy is in the party's federation record)."""


def engine_config() -> tuple[dict[str, Any], set[str]]:
    """The config the engine gave this run, and which of its keys are secrets."""
    values = {**pulumi_config.get_config_env(), **pulumi_config.CONFIG.get()}
    secret = {key for key in values if pulumi_config.is_config_secret(key)}
    secret |= set(pulumi_config.get_config_secret_keys_env())
    return values, secret


def load_stack_for_run(stack: str) -> Loaded[Any]:
    """Validate the running stack's config, by its kind; raises ConfigError."""
    values, secret_keys = engine_config()
    return load_stack_config(raw_from_pulumi(values, secret_keys), stack)


def build_service(loaded: Loaded[Any]) -> dict[str, Any]:
    """The KubeFATE service alone: its component, its outputs under ``kubefate``."""
    return {"kubefate": KubeFateServer("kubefate", loaded.config).outputs()}


def build_stack(loaded: Loaded[Any]) -> dict[str, Any]:
    """A stack of a kind that installs charts: its component, the clusters beside it
    (a party's serving cluster), the KubeFATE service beside it; their outputs."""
    for note in loaded.notes:
        pulumi.log.warn(note)
    config = loaded.config
    outputs: dict[str, Any] = {}
    beside = parts(config)[1:]
    # The clusters of a party route with the same records, read once.
    records = federation_records(config) if beside else None
    component = COMPONENTS[loaded.kind.component]
    built = component(config.release_name, config, records)
    outputs.update(built.outputs)
    created = list(built.created)
    for kind, part in beside:
        cluster = COMPONENTS[kind.component](part.release_name, part, records)
        outputs[kind.tag] = pulumi.Output.all(
            **{k: v for k, v in cluster.outputs.items() if k not in SHARED_OUTPUTS}
        )
        created += cluster.created
    if config.kubefate is not None:
        server = KubeFateServer(
            f"{config.release_name}-kubefate",
            kubefate_server.beside(config.kubefate, config.chartRepo),
            config.k8s_namespace,
            # its Roles may go in the party's namespace: after it exists
            pulumi.ResourceOptions(depends_on=built.namespace_resources),
        )
        outputs["kubefate"] = server.outputs()
        created += server.created
    digest = os.environ.get(INPUTS_ENV)
    if digest:  # what this update was made from, once all of it exists
        done = pulumi.Output.all(*(r.id for r in created if isinstance(r, CustomResource)))
        outputs[INPUTS_OUTPUT] = pulumi.Output.secret(done.apply(lambda _: digest))
    return outputs


BUILDERS: dict[str, Callable[[Loaded[Any]], dict[str, Any]]] = {
    KubeFateServer.__name__: build_service,
    **{name: build_stack for name in COMPONENTS},
}
"""How the program deploys each kind, by its component (``StackKind.component``)."""


def main() -> None:
    stack = pulumi.get_stack()
    try:
        loaded = load_stack_for_run(stack)
        outputs = BUILDERS[loaded.kind.component](loaded)
    except (ConfigError, ChartSourceError) as error:
        # Refused before any resource is registered: nothing is half-deployed.
        raise pulumi.RunError(str(error)) from None
    for key, value in outputs.items():
        pulumi.export(key, value)
