"""Offline rendering: the manifests a release will install, through the real chart and
Helm's own engine (the Helm SDK), with no cluster and no Pulumi CLI."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fate_iac import yamlio
from fate_iac.charts import ChartRef, chart_archive
from fate_iac.config import PartyConfig
from fate_iac.exchange import ExchangeConfig
from fate_iac.gotemplate import Values
from fate_iac.release import release_values, serving_release_values
from fate_iac.routing import RoutedValues, nest, routed_values
from fate_iac.values import map_secrets, merge_values

_SEPARATOR = re.compile(r"^---[ \t]*$", re.MULTILINE)
_CONTENT = re.compile(r"^[ \t]*[^#\s]", re.MULTILINE)  # a line that is not blank or comment


@dataclass(frozen=True)
class Manifest:
    source: str
    text: str

    @property
    def object(self) -> dict[str, Any]:
        loaded = yamlio.load(self.text)
        assert isinstance(loaded, dict)
        return loaded


@dataclass(frozen=True)
class RenderedRelease:
    name: str
    namespace: str
    chart: ChartRef
    manifests: tuple[Manifest, ...]

    def objects(self) -> list[dict[str, Any]]:
        return [m.object for m in self.manifests]

    def to_yaml(self) -> str:
        return "".join(f"---\n# Source: {m.source}\n{m.text}\n" for m in self.manifests)


def render_chart(archive: Path, values: Values, name: str, namespace: str) -> list[Manifest]:
    """Render a chart as ``helm template`` would, one manifest per Kubernetes object."""
    import helm_python as helm

    with helm.Chart.load(archive) as chart:
        rendered: dict[str, str] = chart.render(
            values=values, name=name, namespace=namespace, is_install=True
        )
    manifests = []
    for source in sorted(rendered):
        if source.endswith("NOTES.txt"):
            continue
        for document in _SEPARATOR.split(rendered[source]):
            if _CONTENT.search(document):  # helm template drops documents with no content
                manifests.append(Manifest(source, document.strip("\n")))
    return manifests


def render_party(
    cfg: PartyConfig | ExchangeConfig,
    chart: ChartRef,
    redact: bool = True,
    routed: RoutedValues | None = None,
) -> RenderedRelease:
    """The manifests of a stack's release; credentials show as ``[secret]`` when redacted.
    Routes are the static ones unless ``routed`` is given."""
    routed = routed or routed_values(cfg, {})
    values = map_secrets(release_values(cfg), lambda s: s.reveal(redact))
    values = merge_values(values, nest(routed.values))
    manifests = render_chart(chart_archive(chart), values, cfg.release_name, cfg.k8s_namespace)
    return RenderedRelease(cfg.release_name, cfg.k8s_namespace, chart, tuple(manifests))


def render_stack(
    cfg: PartyConfig | ExchangeConfig,
    chart: ChartRef,
    serving: ChartRef | None,
    redact: bool = True,
    records: Mapping[str, Any] | None = None,
) -> list[RenderedRelease]:
    """Every release of a stack: a party's, or an exchange's and its serving exchange's,
    routed from ``records`` (referenced stacks' federation records; none by default, so
    only the static routes show)."""
    routed = routed_values(cfg, records or {})
    releases = [render_party(cfg, chart, redact, routed)]
    if isinstance(cfg, ExchangeConfig) and cfg.servingProxy is not None:
        assert serving is not None
        values = merge_values(serving_release_values(cfg), nest(routed.serving))
        name = cfg.serving_release_name
        manifests = render_chart(chart_archive(serving), values, name, cfg.k8s_namespace)
        releases.append(RenderedRelease(name, cfg.k8s_namespace, serving, tuple(manifests)))
    return releases
