"""What a Helm release will install, seen before it does: its chart, located from the
release's own options, rendered offline with its values through Helm's engine (the same
renderer and chart cache as ``fatectl render``). A Pulumi preview shows a release's values,
never its objects; the policies check these."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from fate_iac import yamlio
from fate_iac.charts import (
    ChartRef,
    ChartSourceError,
    chart_archive,
    chart_facts,
    merge_values,
    render_chart,
)
from fate_iac.postrender import fixes_of, is_this_post_renderer, post_render_manifest
from fate_iac.problems import hide
from fate_policies.objects import KubeObject, Release, Unknown, kube_object, text_of

RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"


@dataclass(frozen=True)
class Expansion:
    """A release's objects, or why they cannot be seen."""

    release: Release
    objects: tuple[KubeObject, ...] = ()
    values: Mapping[str, Any] = field(default_factory=dict)
    """The values the chart renders with: its defaults, under the release's own."""
    unseen: str | None = None


def _has_unknown(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, Mapping):
        return any(_has_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_unknown(v) for v in value)
    return False


def _leaves(value: Any) -> Iterator[str]:
    """Every scalar in ``value``, as text (a number may be a credential too)."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        yield str(value)
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list):
        for v in value:
            yield from _leaves(v)


def chart_ref(props: Mapping[str, Any]) -> ChartRef:
    """The chart a release installs, as its options locate it: a repository
    (``repositoryOpts.repo``), an ``oci://`` reference, or a local chart (relative paths
    from the program's directory, where the engine runs the pack)."""
    chart = str(props.get("chart") or "")
    version = str(props.get("version") or "")
    repo = str((props.get("repositoryOpts") or {}).get("repo") or "")
    if repo:
        return ChartRef(chart, version, repo=repo.rstrip("/"))
    if chart.startswith("oci://"):
        base, _, name = chart.rpartition("/")
        return ChartRef(name, version, repo=base)
    path = Path(chart).expanduser()
    if chart and path.exists():
        return ChartRef(path.name, version, path=path.resolve())
    raise ChartSourceError(
        f"chart {chart!r} is neither in a repository (repositoryOpts.repo), an oci:// "
        "reference nor a local chart"
    )


def _value_files(files: Any) -> dict[str, Any]:
    """``valueYamlFiles`` (file or string assets), merged in order as Helm does."""
    merged: dict[str, Any] = {}
    for asset in files or []:
        if getattr(asset, "path", None):
            text = Path(asset.path).read_text()
        elif getattr(asset, "text", None) is not None:
            text = asset.text
        else:
            raise ChartSourceError(f"a valueYamlFiles entry the pack cannot read: {asset!r}")
        merged = merge_values(merged, dict(yamlio.load(text) or {}))
    return merged


_RENDER_INPUTS = (
    "name",
    "chart",
    "version",
    "repositoryOpts",
    "values",
    "valueYamlFiles",
    "skipCrds",
    "postrender",
)
_lock = threading.Lock()
_rendered: dict[str, Expansion] = {}


def _identity(value: Any) -> Any:
    """How a value that is not JSON (an asset) counts in the render cache's key."""
    return getattr(value, "path", None) or getattr(value, "text", None) or repr(value)


def expand(
    props: Mapping[str, Any],
    urn: str | None,
    default_namespace: str,
    parent_type: str | None = None,
) -> Expansion:
    """The objects the release ``props`` (its inputs, plain, :data:`UNKNOWN` where not
    known yet) will install. Rendered once per chart and values in this process: several
    policies, and the stack's own check, ask for the same release."""
    namespace = text_of(props.get("namespace"), default_namespace)
    release = Release(
        text_of(props.get("name")),
        namespace,
        text_of(props.get("chart")),
        text_of(props.get("version")),
    )
    if _has_unknown(props):
        return Expansion(
            release,
            unseen="its inputs are not known until the update (they "
            "depend on other resources' outputs)",
        )
    postrender = props.get("postrender")
    if postrender and not is_this_post_renderer(str(postrender)):
        return Expansion(
            release, unseen="a post-renderer changes its objects after the chart renders them"
        )
    # What decides the objects: the same whether a policy sees the release's inputs or
    # (a stack policy) its outputs, so each release renders once per preview.
    deciding = {key: props.get(key) for key in _RENDER_INPUTS}
    key = hashlib.sha256(
        json.dumps(
            [deciding, namespace, urn, parent_type], sort_keys=True, default=_identity
        ).encode()
    ).hexdigest()
    with _lock:
        if key not in _rendered:
            _rendered[key] = _render(props, release, urn, parent_type)
        return _rendered[key]


def _render(
    props: Mapping[str, Any], release: Release, urn: str | None, parent_type: str | None
) -> Expansion:
    given = dict(props.get("values") or {})
    try:
        values = merge_values(_value_files(props.get("valueYamlFiles")), given)
        archive = chart_archive(chart_ref(props))
        chart, defaults = chart_facts(archive)
    except Exception as error:  # a chart that cannot be had, whatever the cause
        reason = without_url_credentials(_first_line(error))
        return Expansion(release, unseen=f"its chart cannot be had: {reason}")
    release = replace(release, chart=chart)
    try:
        manifests = render_chart(
            archive, values, release.name, release.namespace, crds=not props.get("skipCrds")
        )
    except Exception as error:  # the Helm SDK's own errors
        # Helm may quote a value, a credential perhaps: none of the release's own shows
        # (the chart's defaults are public, and keep the message readable).
        own = set(_leaves(values)) - set(_leaves(defaults)) - {chart}
        reason = hide(_first_line(error), own)
        return Expansion(release, unseen=f"its chart cannot be rendered: {reason}")
    fixes = fixes_of(str(props.get("postrender") or ""))
    if fixes:  # this project's own: its fixes, as Helm will apply them
        manifests = [post_render_manifest(m, fixes) for m in manifests]
    objects = tuple(
        kube_object(m.object, release.namespace, release, urn, parent_type) for m in manifests
    )
    return Expansion(release, objects, merge_values(defaults, values))


_URL_CREDENTIALS = re.compile(r"(\w+://)[^/@\s]+@")


def without_url_credentials(text: str) -> str:
    """``text`` with the user and password of any URL in it (a repository's) hidden."""
    return _URL_CREDENTIALS.sub(r"\1[secret]@", text)


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
