"""``fatectl diff``: what an update would do to each Kubernetes object of a stack's
releases, and (``--live``) what someone changed by hand since the last update.

A Helm release's Pulumi preview names only the values that change. Here both sides are
objects: what is deployed is the manifest Helm recorded for the release's last deployed
revision (the chart and values it was installed with, rendered by Helm itself), and what
the config would install is the same chart rendering with the values the program would
give it (routes from the referenced stacks' records included). Drift compares the live
objects with that recorded manifest, field by field, on the fields it sets.

Credentials never show: Secret data is masked, and so is every credential's value, the
current one (the stack's secrets) and the deployed one (read at the same value path of
the deployed release's config), so a rotated password shows as ``[secret]`` on both
sides. Everything here is pure; the CLI reads the cluster and the backend.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fate_iac.helm_record import (
    Record,
    chart_version,
    deployed_credentials,
    deployed_record,
    manifest_objects,
)
from fate_iac.objdiff import (
    Drift,
    ObjectDiff,
    diff_objects,
    drift_json,
    drift_lines,
    live_drift,
    object_key,
)
from fate_iac.render import RenderedRelease
from fate_iac.secrets import REDACTED


def _hidden(
    rendered: RenderedRelease, record: Record | None, secrets: frozenset[str]
) -> frozenset[str]:
    """What must never show of a release: the stack's secrets and, where they sit in the
    values, the credentials the deployed revision was installed with."""
    config = (record or {}).get("config") or {}
    # Without the passphrase the credentials render as [secret]: they are still at the
    # same paths, and the deployed ones there are hidden just the same.
    return secrets | deployed_credentials(rendered.values, config, secrets | {REDACTED})


@dataclass(frozen=True)
class ReleaseDiff:
    """One release: its chart versions (deployed, wanted) and its objects' changes."""

    name: str
    namespace: str
    chart: str
    deployed: str | None
    """The chart version deployed; None when the release is not installed yet."""
    wanted: str
    diff: ObjectDiff

    def header(self) -> str:
        versions = (
            f"not deployed -> {self.wanted}"
            if self.deployed is None
            else self.wanted
            if self.deployed == self.wanted
            else f"{self.deployed} -> {self.wanted}"
        )
        return (
            f"release {self.namespace}/{self.name} ({self.chart} {versions}): {self.diff.summary()}"
        )

    def lines(self) -> list[str]:
        return [self.header(), *(f"  {line}" for line in self.diff.lines())]

    def as_json(self) -> dict[str, Any]:
        return {
            "release": self.name,
            "namespace": self.namespace,
            "chart": self.chart,
            "deployed": self.deployed,
            "wanted": self.wanted,
            **self.diff.as_json(),
        }


def release_diff(
    rendered: RenderedRelease, records: Iterable[Record], secrets: frozenset[str]
) -> ReleaseDiff:
    """What updating ``rendered``'s release does to its objects, against the release as
    ``records`` (its namespace's Helm records) hold it."""
    record = deployed_record(records, rendered.name)
    hidden = _hidden(rendered, record, secrets)
    diff = diff_objects(manifest_objects(record), rendered.objects(), hidden, rendered.namespace)
    return ReleaseDiff(
        rendered.name,
        rendered.namespace,
        rendered.chart.name,
        chart_version(record),
        rendered.chart.version,
        diff,
    )


def wanted_objects(
    records: Iterable[Record], names: Iterable[tuple[str, str]]
) -> list[tuple[str, str, str, str]]:
    """``(apiVersion, kind, namespace, name)`` of every object the deployed revisions of
    the releases ``names`` (``(release, namespace)``) hold: what a drift check reads."""
    listed = list(records)
    return [
        (str(obj.get("apiVersion")), *object_key(obj, namespace))
        for release, namespace in names
        for obj in manifest_objects(deployed_record(listed, release))
    ]


@dataclass(frozen=True)
class ReleaseDrift:
    name: str
    namespace: str
    drift: tuple[Drift, ...]
    deployed: bool = True

    def lines(self) -> list[str]:
        count = len(self.drift)
        head = f"release {self.namespace}/{self.name}: " + (
            "not deployed"
            if not self.deployed
            else f"{count} object{'s' if count != 1 else ''} changed by hand"
            if count
            else "no drift"
        )
        return [head, *(f"  {line}" for line in drift_lines(self.drift))]

    def as_json(self) -> dict[str, Any]:
        return {
            "release": self.name,
            "namespace": self.namespace,
            "deployed": self.deployed,
            "drift": drift_json(self.drift),
        }


def release_drift(
    rendered: RenderedRelease,
    records: Iterable[Record],
    live: Mapping[tuple[str, str, str], Mapping[str, Any] | None],
    secrets: frozenset[str],
) -> ReleaseDrift:
    """What differs between the live objects and what the last deployed revision of
    ``rendered``'s release applied (``rendered`` says where its credentials are)."""
    record = deployed_record(records, rendered.name)
    hidden = _hidden(rendered, record, secrets)
    drift = live_drift(manifest_objects(record), live, hidden, rendered.namespace)
    return ReleaseDrift(rendered.name, rendered.namespace, tuple(drift), record is not None)
