"""A stack's Helm releases as plain data (:class:`ReleaseSpec`): what the Pulumi components
hand to ``kubernetes.helm.v3.Release`` and what the offline renderer feeds to Helm's
engine. Kept free of Pulumi so it is tested directly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fate_iac.charts import ChartRef
from fate_iac.config import StackConfig
from fate_iac.gotemplate import Values
from fate_iac.postrender import postrender_command
from fate_iac.routing import ValuesPath


def blank_nulls(values: Any) -> Any:
    """``values`` with every null written as an empty string.

    KubeFATE's template leaves many keys empty, and Helm then drops the chart's default
    for them. A null cannot be relied on to reach Helm through a Pulumi release: the
    Python SDK and the kubernetes provider (before v4.30) scrub nulls from values, and
    the chart's defaults would come back. The fate chart's templates read an empty string
    exactly as they read a missing key (printed empty, false in ``if``, replaced by
    ``default``), which the KubeFATE equivalence tests check object by object.
    """
    if values is None:
        return ""
    if isinstance(values, dict):
        return {k: blank_nulls(v) for k, v in values.items()}
    if isinstance(values, list):
        return [blank_nulls(v) for v in values]
    return values


@dataclass(frozen=True)
class ReleaseSpec:
    """One Helm release of a stack.

    ``key`` names it within the stack (the Pulumi resource is ``<component>-<key>``, and
    the routes for it are ``RoutedValues.overrides[key]``); ``values`` hold credentials
    as :class:`~fate_iac.secrets.Secret` objects and the static routes; ``route_paths``
    are the key paths the federation's routes replace at deploy time."""

    key: str
    name: str
    namespace: str
    chart: ChartRef
    values: Values
    route_paths: tuple[ValuesPath, ...]
    post_render: frozenset[str] = frozenset()
    """The post-renderer's fixes it is rendered through (:data:`fate_iac.postrender.FIXES`:
    rollsite's TLS, MySQL's root password); none: not post-rendered."""


def namespace_labels(cfg: StackConfig, role: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/part-of": "fate",
        "app.kubernetes.io/managed-by": "pulumi",
        "fate.fedai.org/party-id": str(cfg.partyId),
        "fate.fedai.org/role": role,
    }


def release_options(cfg: StackConfig, spec: ReleaseSpec) -> dict[str, Any]:
    """The inputs of the ``helm.sh/v3:Release`` besides values, by the names the
    kubernetes provider's schema gives them: identity, chart, install/upgrade behaviour."""
    options = cfg.release
    return {
        "name": spec.name,
        "namespace": spec.namespace,
        **spec.chart.release_args(),
        "createNamespace": False,
        # Without it the provider scrubs "empty" values, [] included, while merging
        # them: an empty partyList would bring back the chart's example peers.
        "allowNullValues": True,
        "timeout": options.timeout,
        "skipAwait": options.skipAwait,
        "atomic": options.atomic,
        "cleanupOnFail": options.cleanupOnFail,
        "maxHistory": options.maxHistory,
        **({"postrender": postrender_command(spec.post_render)} if spec.post_render else {}),
    }
