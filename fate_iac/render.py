"""Offline rendering: the manifests a release will install, through the real chart and
Helm's own engine (the Helm SDK), with no cluster and no Pulumi CLI."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fate_iac import yamlio
from fate_iac.charts import (
    ChartRef,
    Manifest,
    chart_archive,
    merge_values,
    render_chart,
    url_forms,
)
from fate_iac.config import StackConfig
from fate_iac.gotemplate import Values
from fate_iac.kinds import parts
from fate_iac.postrender import post_render_manifest
from fate_iac.problems import hide
from fate_iac.routing import nest
from fate_iac.values import map_secrets


@dataclass(frozen=True)
class RenderedRelease:
    name: str
    namespace: str
    chart: ChartRef
    manifests: tuple[Manifest, ...]
    values: Values = field(default_factory=dict, compare=False)
    """The values it was rendered with."""

    def objects(self) -> list[dict[str, Any]]:
        return [m.object for m in self.manifests]

    def to_yaml(self) -> str:
        return "".join(f"---\n# Source: {m.source}\n{m.text}\n" for m in self.manifests)


def render_stack(
    cfg: StackConfig,
    source: str,
    redact: bool = True,
    records: Mapping[str, Any] | None = None,
) -> list[RenderedRelease]:
    """Every release of a stack, charts from ``source``, routed from ``records``
    (referenced stacks' federation records; none by default, so only the static routes
    show). Credentials show as ``[secret]`` when redacted."""
    releases = []
    for kind, part in parts(cfg):  # a party's serving cluster too
        routed = kind.routed(part, records or {})
        for spec in kind.releases(part, source):
            values = map_secrets(spec.values, lambda s: s.reveal(redact))
            values = merge_values(values, nest(routed.overrides.get(spec.key, {})))
            objects = render_chart(chart_archive(spec.chart), values, spec.name, spec.namespace)
            if spec.post_render:
                objects = [post_render_manifest(m, spec.post_render) for m in objects]
            releases.append(
                RenderedRelease(spec.name, spec.namespace, spec.chart, tuple(objects), values)
            )
    return releases


def mask(text: str, secrets: Iterable[str]) -> str:
    """``text`` with each secret value, as written and base64-encoded (as a Kubernetes
    Secret holds it), shown as ``[secret]``: for secret config keys that are not
    credentials, whose values the chart may put anywhere.

    Text alone is not enough: YAML may fold a long string across lines (Helm's
    ``toYaml`` does), so a secret can survive a search of the text. Each document is
    therefore also read back, and one whose strings still hold a secret is written
    again from its objects, every string masked."""
    forms = {
        form
        for value in secrets
        for form in (value, _b64(value), *url_forms(value))
        if len(form) >= 3
    }
    masked = hide(text, forms)
    if not forms:
        return masked
    documents = _DOCUMENT.split(masked)
    return "".join(_mask_document(document, forms) for document in documents)


_DOCUMENT = re.compile(r"(?m)^(?=---\n)")


def _mask_document(document: str, forms: set[str]) -> str:
    try:
        loaded = yamlio.load(document)
    except Exception:  # not YAML: the text's own masking is all there is to do
        return document
    if not _holds(loaded, forms):
        return document
    head = "".join(line + "\n" for line in document.splitlines() if line.startswith(("---", "#")))
    return head + yamlio.dump(_masked(loaded, forms))


def _holds(node: Any, forms: set[str]) -> bool:
    if isinstance(node, dict):
        return any(_holds(k, forms) or _holds(v, forms) for k, v in node.items())
    if isinstance(node, list):
        return any(_holds(v, forms) for v in node)
    return isinstance(node, str) and any(form in node for form in forms)


def _masked(node: Any, forms: set[str]) -> Any:
    if isinstance(node, dict):
        return {_masked(k, forms): _masked(v, forms) for k, v in node.items()}
    if isinstance(node, list):
        return [_masked(v, forms) for v in node]
    if isinstance(node, str):
        return hide(node, forms)
    return node


def _b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()
