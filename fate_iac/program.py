"""What a party stack's Pulumi program reads before it builds anything."""

from __future__ import annotations

from typing import Any

from pulumi.runtime import config as pulumi_config

from fate_iac.charts import ChartRef, chart_source
from fate_iac.loader import LoadedConfig, LoadedExchange, load_stack_config, raw_from_pulumi
from fate_iac.release import stack_charts


def engine_config() -> tuple[dict[str, Any], set[str]]:
    """The config the engine gave this run, and which of its keys are secrets."""
    values = {**pulumi_config.get_config_env(), **pulumi_config.CONFIG.get()}
    secret = {key for key in values if pulumi_config.is_config_secret(key)}
    secret |= set(pulumi_config.get_config_secret_keys_env())
    return values, secret


def load_stack_for_run(
    stack: str,
) -> tuple[LoadedConfig | LoadedExchange, ChartRef, ChartRef | None]:
    """Validate the running stack's config and resolve its charts (the main one, and an
    exchange's fate-serving chart when it has servingProxy); raises ConfigError or
    ChartSourceError."""
    values, secret_keys = engine_config()
    loaded = load_stack_config(raw_from_pulumi(values, secret_keys), stack)
    cfg = loaded.config
    chart, serving = stack_charts(cfg, chart_source(configured=cfg.chartRepo))
    return loaded, chart, serving
