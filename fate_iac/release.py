"""The Helm release of a party, as plain data: what the Pulumi component hands to
``kubernetes.helm.v3.Release``. Kept free of Pulumi so it is tested directly."""

from __future__ import annotations

from typing import Any

from fate_iac.charts import ChartRef, resolve_chart
from fate_iac.config import PartyConfig
from fate_iac.exchange import ExchangeConfig, render_exchange_values, render_serving_values
from fate_iac.gotemplate import Values
from fate_iac.values import render_values


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


def release_values(cfg: PartyConfig | ExchangeConfig) -> Values:
    """The values a release installs with, offline render and Pulumi alike."""
    rendered = (
        render_exchange_values(cfg) if isinstance(cfg, ExchangeConfig) else render_values(cfg)
    )
    values: Values = blank_nulls(rendered)
    return values


def stack_charts(
    cfg: PartyConfig | ExchangeConfig, source: str
) -> tuple[ChartRef, ChartRef | None]:
    """A stack's chart, and the fate-serving chart of an exchange with servingProxy."""
    chart = resolve_chart(cfg.chartName, cfg.chartVersion, source)
    serving = None
    if isinstance(cfg, ExchangeConfig) and cfg.servingProxy is not None:
        serving = resolve_chart("fate-serving", cfg.servingProxy.chartVersion, source)
    return chart, serving


def serving_release_values(cfg: ExchangeConfig) -> Values:
    """The values of an exchange's serving release (its servingProxy section)."""
    values: Values = blank_nulls(render_serving_values(cfg))
    return values


def namespace_labels(cfg: PartyConfig | ExchangeConfig) -> dict[str, str]:
    return {
        "app.kubernetes.io/part-of": "fate",
        "app.kubernetes.io/managed-by": "pulumi",
        "fate.fedai.org/party-id": str(cfg.partyId),
        "fate.fedai.org/role": "exchange" if isinstance(cfg, ExchangeConfig) else "party",
    }


def release_options(
    cfg: PartyConfig | ExchangeConfig, chart: ChartRef, name: str | None = None
) -> dict[str, Any]:
    """Release arguments besides values: identity, chart, and install/upgrade behaviour."""
    options = cfg.release
    return {
        "name": name or cfg.release_name,
        "namespace": cfg.k8s_namespace,
        **chart.release_args(),
        "create_namespace": False,
        # Without it the provider scrubs "empty" values, [] included, while merging
        # them: an empty partyList would bring back the chart's example peers.
        "allow_null_values": True,
        "timeout": options.timeout,
        "skip_await": options.skipAwait,
        "atomic": options.atomic,
        "cleanup_on_fail": options.cleanupOnFail,
        "max_history": options.maxHistory,
    }
