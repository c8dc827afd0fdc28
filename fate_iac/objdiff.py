"""Object-level diffs of Kubernetes manifests: what a chart upgrade or a config change does
to each object (``fatectl diff``), and what was changed by hand in the cluster since it
was applied (``fatectl diff --live``).

Pure: objects are plain dicts as parsed from YAML. Credentials never reach the output: a
Secret's ``data``/``stringData`` values are replaced by markers before diffing, and every
known secret string is masked in every reported value, before a multi-line text is
diffed line by line (so no unified-diff line can carry one either).
"""

from __future__ import annotations

import base64
import difflib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

ObjectKey = tuple[str, str, str]
"""(kind, namespace, name); namespace "" for cluster-scoped or unset."""
Obj = Mapping[str, Any]
Objects = Iterable[Obj]

SECRET = "(secret)"
SECRET_CHANGED = "(secret, changed)"
MASK = "[secret]"
MAX_TEXT_LINES = 40
"""Unified-diff lines shown per multi-line value; a whole new config file is not a report."""

CLUSTER_SCOPED = frozenset(
    {
        "Namespace",
        "Node",
        "PersistentVolume",
        "StorageClass",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "PriorityClass",
        "IngressClass",
        "RuntimeClass",
        "CSIDriver",
        "APIService",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
    }
)
"""Kinds that never take a namespace: Helm's release namespace must not be filled in for
them, or they would not match the same object read from the cluster."""

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")
_QUANTITY = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?")
_FACTOR = {"": Decimal(1), "m": Decimal("0.001")} | {
    s: Decimal(base) ** (i + 1)
    for base, suffixes in ((1024, "Ki Mi Gi Ti Pi Ei"), (1000, "k M G T P E"))
    for i, s in enumerate(suffixes.split())
}


@dataclass(frozen=True)
class FieldChange:
    """One field that differs; ``None`` on a side means the field is absent there."""

    path: str
    before: Any
    after: Any

    def lines(self) -> list[str]:
        """``path: before -> after``; a multi-line text as a unified diff of its lines."""
        text = _text_diff(self.before, self.after)
        if text is None:
            return [f"{self.path}: {_show(self.before)} -> {_show(self.after)}"]
        note = " (added)" if self.before is None else " (removed)" if self.after is None else ""
        return [f"{self.path}:{note}", *text]


@dataclass(frozen=True)
class ObjectChange:
    key: ObjectKey
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True)
class ObjectDiff:
    """Objects only in the new set (added), only in the old (removed), and in both but
    different (changed), each sorted by kind, namespace and name."""

    added: tuple[ObjectKey, ...]
    removed: tuple[ObjectKey, ...]
    changed: tuple[ObjectChange, ...]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def summary(self) -> str:
        return f"+{len(self.added)} ~{len(self.changed)} -{len(self.removed)} objects"

    def common(self) -> tuple[FieldChange, ...]:
        """Changes made identically to every changed object (two at least): a chart bump's
        ``helm.sh/chart`` label would otherwise repeat under each object, hiding the rest."""
        if len(self.changed) < 2:
            return ()
        others = [{_fingerprint(f) for f in c.fields} for c in self.changed[1:]]
        first = self.changed[0].fields
        return tuple(f for f in first if all(_fingerprint(f) in o for o in others))

    def lines(self) -> list[str]:
        """The report: common changes once, then every object (``+``/``-``/``~``), changed
        ones with their remaining field changes indented. An object whose only changes
        were common ones is still named, so nobody misses that it changes."""
        common = self.common()
        shared = {_fingerprint(f) for f in common}
        out: list[str] = []
        for change in common:
            first, *rest = change.lines()
            out += [f"on every changed object: {first}", *(f"  {line}" for line in rest)]
        entries: list[tuple[ObjectKey, str, tuple[FieldChange, ...]]] = [
            *((key, "+", ()) for key in self.added),
            *((key, "-", ()) for key in self.removed),
            *(
                (c.key, "~", tuple(f for f in c.fields if _fingerprint(f) not in shared))
                for c in self.changed
            ),
        ]
        for key, sign, fields in sorted(entries, key=lambda entry: entry[0]):
            out.append(f"{sign} {_label(key)}")
            out += [f"  {line}" for f in fields for line in f.lines()]
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "added": [_key_json(key) for key in self.added],
            "removed": [_key_json(key) for key in self.removed],
            "changed": [
                {**_key_json(c.key), "fields": [asdict(f) for f in c.fields]} for c in self.changed
            ],
        }


@dataclass(frozen=True)
class Drift:
    """An applied object as the cluster holds it now: ``deleted``, or ``changed`` with
    its fields (``before`` the applied value, ``after`` the live one)."""

    key: ObjectKey
    state: str
    fields: tuple[FieldChange, ...] = ()


def object_key(obj: Obj, default_namespace: str = "") -> ObjectKey:
    """(kind, namespace, name); Helm renders many objects without a namespace and they
    land in the release namespace, which ``default_namespace`` names."""
    meta = obj.get("metadata") or {}
    kind = str(obj.get("kind") or "")
    namespace = "" if kind in CLUSTER_SCOPED else meta.get("namespace") or default_namespace
    return (kind, str(namespace), str(meta.get("name") or ""))


def diff_objects(
    before: Objects, after: Objects, secrets: Iterable[str] = (), default_namespace: str = ""
) -> ObjectDiff:
    """What changes from ``before`` to ``after``, object by object, order-independent."""
    masks = _secret_list(secrets)
    old, new = _index(before, default_namespace), _index(after, default_namespace)
    changed: list[ObjectChange] = []
    for key in sorted(old.keys() & new.keys()):
        b, a = old[key], new[key]
        if key[0] == "Secret":
            b, a = _mask_secret_data(b, a)
        fields = tuple(_mask_change(f, masks) for f in field_changes(b, a))
        if fields:
            changed.append(ObjectChange(key, fields))
    return ObjectDiff(
        added=tuple(sorted(new.keys() - old.keys())),
        removed=tuple(sorted(old.keys() - new.keys())),
        changed=tuple(changed),
    )


def field_changes(before: Any, after: Any, path: str = "") -> list[FieldChange]:
    """Every leaf that differs, by path; a subtree on one side only is one change, and a
    list that changes length (unless its items are named) is one change."""
    parts = _children(before, after, path)
    if parts is not None:
        return [c for b, a, at in parts for c in field_changes(b, a, at)]
    if before == after and type(before) is type(after):
        return []
    return [FieldChange(path, before, after)]


def live_drift(
    applied: Objects,
    live: Mapping[ObjectKey, Obj | None],
    secrets: Iterable[str] = (),
    default_namespace: str = "",
) -> list[Drift]:
    """Hand edits: each applied object against its live copy, looking only at what the
    applied object sets, so what the API server adds (defaults, status, uid, managed
    fields, its own labels and annotations) is never drift. An applied object that
    ``live`` maps to ``None``, or does not hold at all, was deleted."""
    masks = _secret_list(secrets)
    drifts: list[Drift] = []
    for key, obj in sorted(_index(applied, default_namespace).items()):
        current = live.get(key)
        if current is None:
            drifts.append(Drift(key, "deleted"))
            continue
        want: Obj = _applied_view(obj)
        if key[0] == "Secret":
            want, current = _mask_secret_data(_as_stored_secret(want), current)
        fields = tuple(_mask_change(f, masks) for f in _drift_fields(want, current, ""))
        if fields:
            drifts.append(Drift(key, "changed", fields))
    return drifts


def drift_lines(drifts: Sequence[Drift]) -> list[str]:
    """One line per drifted field, ``applied -> live``; one per deleted object."""
    out: list[str] = []
    for drift in sorted(drifts, key=lambda d: d.key):
        if drift.state == "deleted":
            out.append(f"- {_label(drift.key)}: deleted by hand (applied, no longer in cluster)")
        for change in drift.fields:
            first, *rest = change.lines()
            out += [f"~ {_label(drift.key)}: {first}", *(f"    {line}" for line in rest)]
    return out


def drift_json(drifts: Sequence[Drift]) -> list[dict[str, Any]]:
    """Each drifted object, its fields as ``path``, ``applied`` and ``live``."""
    return [
        {**_key_json(d.key), "state": d.state, "fields": [_drift_field(f) for f in d.fields]}
        for d in sorted(drifts, key=lambda d: d.key)
    ]


def _drift_field(change: FieldChange) -> dict[str, Any]:
    return {"path": change.path, "applied": change.before, "live": change.after}


def _index(objects: Objects, namespace: str) -> dict[ObjectKey, Any]:
    return {object_key(obj, namespace): obj for obj in objects if obj}


def _at(path: str, key: Any) -> str:
    text = str(key)
    if _PLAIN_KEY.fullmatch(text):
        return f"{path}.{text}" if path else text
    return f"{path}[{json.dumps(text, ensure_ascii=False)}]"


def _by_name(items: list[Any]) -> dict[str, Any] | None:
    """The items by name, if every one is a dict with a distinct name."""
    if not all(isinstance(i, Mapping) and "name" in i for i in items):
        return None
    named = {str(i["name"]): i for i in items}
    return named if len(named) == len(items) else None


def _secret_list(secrets: Iterable[str]) -> list[str]:
    """Longest first, so a secret containing another is masked whole."""
    return sorted({s for s in secrets if s}, key=len, reverse=True)


def _mask(value: Any, secrets: Sequence[str]) -> Any:
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, MASK)
        return value
    if isinstance(value, Mapping):
        return {_mask(k, secrets): _mask(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, secrets) for v in value]
    return value


def _mask_change(change: FieldChange, secrets: Sequence[str]) -> FieldChange:
    """The change with every known secret masked; if the secret was all that changed, the
    change is still reported, as ``(secret, changed)``."""
    if not secrets:
        return change
    before, after = _mask(change.before, secrets), _mask(change.after, secrets)
    if before == after and (before, after) != (change.before, change.after):
        after = SECRET_CHANGED
    return FieldChange(_mask(change.path, secrets), before, after)


def _mask_secret_data(before: Obj, after: Obj) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both Secrets with their values replaced by markers that still tell which changed."""
    b, a = dict(before), dict(after)
    for part in ("data", "stringData"):
        old, new = before.get(part) or {}, after.get(part) or {}
        if part in b:
            b[part] = {k: SECRET for k in old}
        if part in a:
            a[part] = {k: SECRET if old.get(k, v) == v else SECRET_CHANGED for k, v in new.items()}
    return b, a


def _as_stored_secret(obj: Obj) -> Obj:
    """The Secret as the API server keeps it: ``stringData`` merged into ``data``, base64."""
    text = obj.get("stringData")
    if not isinstance(text, Mapping):
        return obj
    data = dict(obj.get("data") or {})
    data.update({k: base64.b64encode(str(v).encode()).decode() for k, v in text.items()})
    return {**{k: v for k, v in obj.items() if k != "stringData"}, "data": data}


def _applied_view(obj: Obj) -> dict[str, Any]:
    """What of an applied object is worth comparing: no status, and of the metadata only
    the labels and annotations (the rest the server sets, or is the key itself)."""
    view = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "status", "metadata")}
    meta = obj.get("metadata") or {}
    kept = {k: meta[k] for k in ("labels", "annotations") if meta.get(k)}
    return {"metadata": kept, **view} if kept else view


def _drift_fields(applied: Any, live: Any, path: str) -> list[FieldChange]:
    """The fields set in ``applied`` whose live value differs: a field ``applied`` does not
    set (None) is never drift, so whatever the server added live goes unseen."""
    if applied is None or (applied in ("", {}, []) and live is None):
        return []
    parts = _children(applied, live, path)
    if parts is not None:
        return [c for a, b, at in parts for c in _drift_fields(a, b, at)]
    containers = (Mapping, list)
    if isinstance(applied, containers) or isinstance(live, containers):
        return [FieldChange(path, applied, live)]
    return [] if _same_scalar(applied, live) else [FieldChange(path, applied, live)]


def _children(before: Any, after: Any, path: str) -> list[tuple[Any, Any, str]] | None:
    """The parts of two values to compare one by one, or None when they compare whole.
    Lists of named dicts (containers, env, ports, volumes) pair by name: reordering is no
    change, and a change reads ``containers[name=python].image``; other lists pair by
    index if of the same length."""
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        keys = [*before, *(k for k in after if k not in before)]
        return [(before.get(k), after.get(k), _at(path, k)) for k in keys]
    if not (isinstance(before, list) and isinstance(after, list)):
        return None
    old, new = _by_name(before), _by_name(after)
    if old is not None and new is not None and (old or new):
        names = [*old, *(n for n in new if n not in old)]
        return [(old.get(n), new.get(n), f"{path}[name={n}]") for n in names]
    if len(before) != len(after):
        return None
    return [(b, a, f"{path}[{i}]") for i, (b, a) in enumerate(zip(before, after, strict=True))]


def _same_scalar(applied: Any, live: Any) -> bool:
    """Equal as the API server would store them: 8080 and "8080", true and "true", and
    quantities of the same amount ("1Gi" and "1024Mi", 0.5 and "500m"). Two plain decimal
    strings are compared as text, so a label "1.10" edited to "1.1" is still drift."""
    if live is None:
        return False
    booleans = isinstance(applied, bool) or isinstance(live, bool)
    a, b = (str(v).lower() if booleans else str(v) for v in (applied, live))
    if a == b:
        return True
    qa, qb = (_QUANTITY.fullmatch(v.strip()) for v in (a, b))
    numeric = any(isinstance(v, int | float) and not isinstance(v, bool) for v in (applied, live))
    if not (qa and qb and (numeric or any(c.isalpha() for c in a + b))):
        return False
    return bool(_amount(qa) == _amount(qb))


def _amount(quantity: re.Match[str]) -> Decimal:
    return Decimal(quantity.group(1)) * _FACTOR[quantity.group(2) or ""]


def _text_diff(before: Any, after: Any) -> list[str] | None:
    """The lines that changed (one of context) if a side is a multi-line text, else None."""
    sides = (before, after)
    if SECRET_CHANGED in sides or not all(v is None or isinstance(v, str) for v in sides):
        return None
    if not any("\n" in v for v in sides if v):
        return None
    old, new = (before or "").splitlines(), (after or "").splitlines()
    body = list(difflib.unified_diff(old, new, lineterm="", n=1))[2:]
    if not body:
        body = ["(only line endings changed)"]
    if len(body) > MAX_TEXT_LINES:
        body = [*body[:MAX_TEXT_LINES], f"... {len(body) - MAX_TEXT_LINES} more lines"]
    return [f"  {line}" for line in body]


def _show(value: Any) -> str:
    if value is None:
        return "(absent)"
    if isinstance(value, str):
        if value in (SECRET, SECRET_CHANGED) or (value and not any(c.isspace() for c in value)):
            return value
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _fingerprint(change: FieldChange) -> str:
    """The change as comparable text: its values may be dicts, which do not hash."""
    return json.dumps(vars(change), sort_keys=True, default=str)


def _label(key: ObjectKey) -> str:
    kind, namespace, name = key
    return f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"


def _key_json(key: ObjectKey) -> dict[str, str]:
    return {"kind": key[0], "namespace": key[1], "name": key[2]}
