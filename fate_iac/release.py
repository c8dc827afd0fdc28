"""The Helm release of a party, as plain data: what the Pulumi component hands to
``kubernetes.helm.v3.Release``. Kept free of Pulumi so it is tested directly."""

from __future__ import annotations

from typing import Any

from fate_iac import yamlio
from fate_iac.charts import ChartRef
from fate_iac.config import PartyConfig
from fate_iac.values import Values

Tree = dict[str, Any]


def split_nulls(values: Values) -> tuple[Values, Tree]:
    """Separate the keys whose value is null (Helm: drop the chart's default) from the rest.

    Pulumi's Python SDK drops nulls from resource inputs, so the nulls travel to the
    provider inside a YAML values file instead, which reaches Helm as written.
    """
    kept: Values = {}
    nulls: Tree = {}
    for key, value in values.items():
        if value is None:
            nulls[key] = None
        elif isinstance(value, dict):
            inner_kept, inner_nulls = split_nulls(value)
            if inner_kept or not inner_nulls:
                kept[key] = inner_kept
            if inner_nulls:
                nulls[key] = inner_nulls
        else:
            kept[key] = value
    return kept, nulls


def nulls_yaml(nulls: Tree) -> str:
    return yamlio.dump(nulls)


def namespace_labels(cfg: PartyConfig) -> dict[str, str]:
    return {
        "app.kubernetes.io/part-of": "fate",
        "app.kubernetes.io/managed-by": "pulumi",
        "fate.fedai.org/party-id": str(cfg.partyId),
        "fate.fedai.org/role": "party",
    }


def release_options(cfg: PartyConfig, chart: ChartRef) -> dict[str, Any]:
    """Release arguments besides values: identity, chart, and install/upgrade behaviour."""
    options = cfg.release
    return {
        "name": cfg.release_name,
        "namespace": cfg.k8s_namespace,
        **chart.release_args(),
        "create_namespace": False,
        "timeout": options.timeout,
        "skip_await": options.skipAwait,
        "atomic": options.atomic,
        "cleanup_on_fail": options.cleanupOnFail,
        "max_history": options.maxHistory,
    }
