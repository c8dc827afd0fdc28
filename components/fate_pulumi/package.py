"""The components as the Pulumi package ``fate``, for a program in any language.

Each takes its args (:mod:`fate_pulumi.args`: the keys of its stack config, by the same
names) and is the very component the stack program builds from a stack's config: it
validates them as the stack program validates a stack (every problem, its key path and
rule, before anything is registered; values other resources give, once known: see
:mod:`fate_pulumi.pending`), then builds on the same code. Its outputs are the stack's:
the main ones as typed properties, all of them in ``stackOutputs``. The component
provider (``fate_pulumi/plugin``) serves these classes.

No ``from __future__ import annotations`` here: the provider reads the annotations at
run time to infer the package's schema."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi
from pydantic import BaseModel

from fate_iac.component_args import RECORDS_KEY
from fate_iac.config import ExchangeConfig, KubeFateServerConfig, PartyConfig, ServingConfig
from fate_iac.kinds import EGGROLL, EXCHANGE, KUBEFATE, SERVING, SPARK, StackKind, kind_for
from fate_iac.problems import SERVING_NAMESPACE, ConfigError, Problem
from fate_pulumi import exchange, fate_eggroll_cluster, fate_serving, fate_spark_cluster
from fate_pulumi import kubefate_server as service
from fate_pulumi.args import ExchangeArgs, FatePartyArgs, FateServingArgs, KubeFateServerArgs
from fate_pulumi.pending import split

Wrap = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class Prepared:
    """A component's validated args: its config, records, and settled config."""

    config: Any
    records: Any
    settled: pulumi.Output[Any] | None


def _as_is(raw: dict[str, Any]) -> dict[str, Any]:
    return raw


def prepare(
    component: str,
    name: str,
    args: Any,
    kind: StackKind[Any],
    model: type[BaseModel],
    wrap: Wrap = _as_is,
) -> Prepared:
    """Validate ``args`` as a stack config of ``kind`` (``wrap`` places them where that
    kind's config keeps them); raise :class:`ConfigError` with every problem. Problems
    name ``<stack>/<name>`` where the stack program's name the stack."""
    raw = dict(args or {})
    records = raw.pop(RECORDS_KEY, None)
    label = f"{pulumi.get_stack()}/{name}"
    prefix = tuple(wrap({}))
    parts = split(raw, model, prefix)
    problems = list(parts.problems)
    loaded = None
    try:
        found = kind_for(wrap(parts.known), label)
        if found is kind:
            loaded = kind.load(wrap(parts.known), label)
        else:
            problems.append(
                Problem(
                    (),
                    "component",
                    f"these args describe a {found.tag} stack; {component} deploys "
                    f"{kind.tag} (FateEggrollCluster: computing Eggroll; FateSparkCluster: "
                    "Spark or Spark_local)",
                )
            )
    except ConfigError as error:
        # An output refused above is not also a missing value.
        refused = {problem.path for problem in parts.problems}
        problems.extend(p for p in error.problems if p.path not in refused)
    if problems or loaded is None:
        raise ConfigError(label, problems)
    for note in loaded.notes:
        pulumi.log.warn(note)
    settled = None
    if parts.pending:
        settled = parts.settled().apply(lambda known: kind.load(wrap(known), label).config)
    return Prepared(loaded.config, records, settled)


def _stack_outputs(outputs: dict[str, pulumi.Output[Any]]) -> pulumi.Output[dict[str, Any]]:
    return pulumi.Output.all(**outputs)


class FateEggrollCluster(fate_eggroll_cluster.FateEggrollCluster):
    """One FATE party on eggroll (the upstream fate chart): its namespace and Helm release,
    rollsite routes from the federation records of its peers or its exchange."""

    stack_outputs: pulumi.Output[dict[str, Any]]
    """Every output the stack program exports for such a party, by name."""

    def __init__(
        self, name: str, args: FatePartyArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        built = prepare("FateEggrollCluster", name, args, EGGROLL, PartyConfig)
        super().__init__(name, built.config, built.records, None, opts, built.settled)
        self.stack_outputs = _stack_outputs(self.outputs)


def _spark(raw: dict[str, Any]) -> dict[str, Any]:
    return {"computing": "Spark", **raw}


class FateSparkCluster(fate_spark_cluster.FateSparkCluster):
    """One FATE party on Spark (the upstream fate chart, computing Spark unless given
    Spark_local): fateflow, Spark, HDFS or LocalFS, nginx with Pulsar or RabbitMQ."""

    stack_outputs: pulumi.Output[dict[str, Any]]
    """Every output the stack program exports for such a party, by name."""

    def __init__(
        self, name: str, args: FatePartyArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        built = prepare("FateSparkCluster", name, args, SPARK, PartyConfig, _spark)
        super().__init__(name, built.config, built.records, None, opts, built.settled)
        self.stack_outputs = _stack_outputs(self.outputs)


def _exchange(raw: dict[str, Any]) -> dict[str, Any]:
    return {"chartName": "fate-exchange", **raw}


class Exchange(exchange.Exchange):
    """The federation's exchange (the upstream fate-exchange chart), routing for its
    members; with servingProxy, the serving exchange too."""

    stack_outputs: pulumi.Output[dict[str, Any]]
    """Every output the stack program exports for an exchange, by name."""

    def __init__(
        self, name: str, args: ExchangeArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        built = prepare("Exchange", name, args, EXCHANGE, ExchangeConfig, _exchange)
        super().__init__(name, built.config, built.records, None, opts, built.settled)
        self.stack_outputs = _stack_outputs(self.outputs)


def _serving(raw: dict[str, Any]) -> dict[str, Any]:
    return {SERVING_NAMESPACE: raw}


class FateServing(fate_serving.FateServing):
    """A party's FATE-Serving (the upstream fate-serving chart) in its own namespace."""

    stack_outputs: pulumi.Output[dict[str, Any]]
    """Every output the stack program exports for a serving cluster, by name."""

    def __init__(
        self, name: str, args: FateServingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        built = prepare("FateServing", name, args, SERVING, ServingConfig, _serving)
        super().__init__(name, built.config, built.records, None, opts, built.settled)
        self.stack_outputs = _stack_outputs(self.outputs)


def _kubefate(raw: dict[str, Any]) -> dict[str, Any]:
    return {"kubefate": raw}


class KubeFateServer(service.KubeFateServer):
    """The KubeFATE service in its own namespace, with least-privilege RBAC."""

    def __init__(
        self, name: str, args: KubeFateServerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        built = prepare("KubeFateServer", name, args, KUBEFATE, KubeFateServerConfig, _kubefate)
        super().__init__(name, built.config, None, opts)


COMPONENTS: list[type[pulumi.ComponentResource]] = [
    FateEggrollCluster,
    FateSparkCluster,
    Exchange,
    FateServing,
    KubeFateServer,
]
"""What the package serves."""
