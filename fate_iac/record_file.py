"""Federation records that travel between organisations: the document ``fatectl
federation record`` writes (a record and the fingerprint of its content), and the static
peers, members and exchange a stack's config gives inline or as a file path.

A partner's record is read like a record from a stack (:func:`fate_iac.federation.read_record`:
schema major version checked, a newer minor version read for what this program knows, its
CA checked) and, besides, is the kind its key needs (a peer or member is a party, an
exchange an exchange) and carries the fingerprint it was written with, when it carries one.
A config may pin the fingerprint the operator compared with the partner out of band; a
file that does not match it is refused, so a changed file never routes silently.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from fate_iac import yamlio
from fate_iac.federation import FederationRecord, RecordError, read_record
from fate_iac.problems import SERVING_NAMESPACE, KeyPath, Problem, key_path

RECORD_KEY = "record"
"""``{record: <path>}``: a static record read from a file."""
FINGERPRINT_KEY = "fingerprint"
"""Beside a record's fields (as ``federation record`` writes them) or beside ``record``
(pinned in config): the record's fingerprint."""
RECORD_KEYS: dict[str, str] = {"peers": "party", "members": "party", "exchangeStack": "exchange"}
"""The keys that take static records, and the kind of record each takes."""


def fingerprint(record: FederationRecord) -> str:
    """``sha256:<hex>`` of the record's content, canonical (keys sorted, no defaults
    left out but None), so the same record has the same fingerprint wherever it is written."""
    content = record.model_dump(mode="json", exclude_none=True)
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def record_document(record: FederationRecord) -> dict[str, Any]:
    """What ``fatectl federation record`` writes: the record's fields and its fingerprint."""
    return {
        **record.model_dump(mode="json", exclude_none=True),
        FINGERPRINT_KEY: fingerprint(record),
    }


@dataclass(frozen=True)
class StaticRecord:
    """A static record a stack's config gives: where (key path), the file it was read
    from (None: inline), and what it is."""

    path: KeyPath
    file: str | None
    kind: str
    party_id: int
    fingerprint: str

    def line(self) -> str:
        where = f"from {self.file}" if self.file else "inline"
        return (
            f"static {self.kind} record at {key_path(self.path)}: party {self.party_id}, "
            f"{where} ({self.fingerprint})"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "key": key_path(self.path),
            "file": self.file,
            "kind": self.kind,
            "partyId": self.party_id,
            "fingerprint": self.fingerprint,
        }


class _Reader:
    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self.problems: list[Problem] = []
        self.found: list[StaticRecord] = []

    def entry(self, value: Any, path: KeyPath, kind: str) -> Any:
        """A static record entry as the dict the config model takes, or as it was."""
        if not isinstance(value, Mapping):
            return value  # a stack name (or what the model refuses by itself)
        pinned = None
        file = None
        data: Any = dict(value)
        if RECORD_KEY in data:
            extra = sorted(set(data) - {RECORD_KEY, FINGERPRINT_KEY})
            if extra:
                return self._refuse(
                    path, f"a record file reference takes only record and fingerprint: {extra}"
                )
            pinned = data.get(FINGERPRINT_KEY)
            file = str(data[RECORD_KEY])
            data = self._read(file, (*path, RECORD_KEY))
            if data is None:
                return REFUSED
        where = f"record file {file}" if file else "inline record"
        written = data.pop(FINGERPRINT_KEY, None)
        try:
            record, _ = read_record(data, where)
        except RecordError as error:
            if file is None and error.fields:  # inline: each problem at its own key
                for loc, why in error.fields:
                    self._refuse((*path, *loc), why, "record")
                return REFUSED
            return self._refuse(path, f"{where}: {error.reason}", "record")
        if record is None:
            return self._refuse(path, f"{where} is empty", "record")
        own = fingerprint(record)
        if written is not None and written != own:
            return self._refuse(
                path,
                f"{where}: its content does not match the fingerprint it carries "
                f"({written}; the content's is {own}): it was changed after it was written",
                "record",
            )
        if pinned is not None and pinned != own:
            return self._refuse(
                path,
                f"{where} has fingerprint {own}, not the pinned {pinned}: compare it with "
                "the partner again, then pin the new one",
                "record",
            )
        if record.kind != kind:
            return self._refuse(
                path,
                f"{where} is {_a(record.kind)} record; this key takes {_a(kind)} record",
            )
        self.found.append(StaticRecord(path, file, kind, record.partyId, own))
        # A static record names no stack of this backend: who published it is said above.
        return record.model_copy(update={"stack": ""}).model_dump(mode="json", exclude_none=True)

    def _read(self, file: str, path: KeyPath) -> Any:
        target = Path(file) if Path(file).is_absolute() else self.base_dir / file
        try:
            text = target.read_text()
        except OSError as error:
            self._refuse(
                path, f"cannot read record file {file}: {error.strerror or error}", "record"
            )
            return None
        try:
            data = yamlio.load(text)
        except Exception as error:  # the YAML parser's own
            self._refuse(path, f"record file {file} is not YAML: {error}", "record")
            return None
        if not isinstance(data, Mapping):
            self._refuse(path, f"record file {file} holds no record (a mapping)", "record")
            return None
        return dict(data)

    def _refuse(self, path: KeyPath, message: str, rule: str = "record") -> Any:
        self.problems.append(Problem(path, rule, message))
        return REFUSED


def _a(kind: str) -> str:
    """``a party``, ``an exchange``."""
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


REFUSED = object()
"""An entry refused here: left out of what the model validates (its problems are said)."""


@dataclass(frozen=True)
class StaticRecords:
    """The values with every static record read, where each came from, the problems of
    those refused (left out of the values), and, for each list an entry was left out of,
    where the entries kept stood (so a model's problem names the key the file writes)."""

    values: dict[str, Any]
    found: list[StaticRecord]
    problems: list[Problem]
    kept: dict[KeyPath, list[int]]

    def located(self, problem: Problem) -> Problem:
        """``problem`` (found in :attr:`values`) at the key the stack file writes."""
        for prefix, kept in self.kept.items():
            n = len(prefix)
            at = problem.path[n : n + 1]
            if problem.path[:n] == prefix and at and isinstance(at[0], int) and at[0] < len(kept):
                path = (*prefix, kept[at[0]], *problem.path[n + 1 :])
                return replace(problem, path=path)
        return problem


def read_static_records(values: Mapping[str, Any], base_dir: Path) -> StaticRecords:
    """``values`` with every static record (inline or ``{record: <file>}``, read from
    ``base_dir``) validated and given as the record itself, and where each came from;
    a record that cannot be used is left out, with a problem naming the key and the file."""
    reader = _Reader(base_dir)
    kept: dict[KeyPath, list[int]] = {}

    def section(node: Mapping[str, Any], prefix: KeyPath) -> dict[str, Any]:
        out = dict(node)
        for key, kind in RECORD_KEYS.items():
            value = out.get(key)
            if isinstance(value, list):
                read = [reader.entry(v, (*prefix, key, i), kind) for i, v in enumerate(value)]
                out[key] = [v for v in read if v is not REFUSED]
                if len(out[key]) < len(read):
                    kept[(*prefix, key)] = [i for i, v in enumerate(read) if v is not REFUSED]
            elif isinstance(value, Mapping):
                entry = reader.entry(value, (*prefix, key), kind)
                if entry is REFUSED:
                    del out[key]
                else:
                    out[key] = entry
        return out

    result = section(values, ())
    serving = result.get(SERVING_NAMESPACE)
    if isinstance(serving, Mapping):
        result[SERVING_NAMESPACE] = section(serving, (SERVING_NAMESPACE,))
    return StaticRecords(result, reader.found, reader.problems, kept)
