"""Helm's record of a release (the JSON in its ``sh.helm.release.v1`` Secret), read: the
revision deployed, its chart version, its manifest's objects, the credentials its values
held, when its chart version last changed. ``fatectl diff`` and the upgrade plan of the
Pulumi program both read it; apart from :mod:`fate_iac.day2` so the program does not load
the diff. Pure: :mod:`fate_iac.kube` reads the records from the cluster."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import pairwise
from typing import Any

from fate_iac import yamlio

Record = Mapping[str, Any]
"""A Helm release record (the JSON in its ``sh.helm.release.v1`` Secret)."""


def deployed_record(records: Iterable[Record], name: str) -> Record | None:
    """The latest revision of release ``name`` that Helm marked deployed (after a failed
    upgrade, the one still running), else its latest revision; None when none."""
    mine = sorted((r for r in records if r.get("name") == name), key=lambda r: r["version"])
    deployed = [r for r in mine if (r.get("info") or {}).get("status") == "deployed"]
    chosen = deployed or mine
    return chosen[-1] if chosen else None


def last_version_change(records: Iterable[Record], name: str) -> dict[str, str] | None:
    """The last time release ``name`` changed chart version, as Helm's history of its
    successful revisions records it: ``{from, to}``; None when it never did."""
    good = sorted(
        (
            r
            for r in records
            if r.get("name") == name
            and (r.get("info") or {}).get("status") in ("deployed", "superseded")
        ),
        key=lambda r: r["version"],
    )
    versions = [chart_version(r) for r in good]
    for before, after in reversed(list(pairwise(versions))):
        if before and after and before != after:
            return {"from": before, "to": after}
    return None


def chart_version(record: Record | None) -> str | None:
    version = (((record or {}).get("chart") or {}).get("metadata") or {}).get("version")
    return str(version) if version else None


def manifest_objects(record: Record | None) -> list[dict[str, Any]]:
    """The objects of a release record's manifest."""
    if record is None:
        return []
    return [o for o in yamlio.load_all(str(record.get("manifest") or "")) if isinstance(o, dict)]


def deployed_credentials(values: Any, config: Any, secrets: frozenset[str]) -> set[str]:
    """The deployed values (``config``) at every path where the current ``values`` hold
    one of ``secrets``: the credentials as they were deployed, rotated or not."""
    if isinstance(values, str):
        return {config} if values in secrets and isinstance(config, str) and config else set()
    found: set[str] = set()
    if isinstance(values, Mapping) and isinstance(config, Mapping):
        for key, value in values.items():
            found |= deployed_credentials(value, config.get(key), secrets)
    elif isinstance(values, list) and isinstance(config, list):
        for value, old in zip(values, config, strict=False):
            found |= deployed_credentials(value, old, secrets)
    return found
