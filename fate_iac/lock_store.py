"""Where a self-managed backend keeps locks, by its kind: files under a ``file://``
backend's directory, objects in an ``s3://`` backend's bucket. The same few operations
on both, so the federation's lock and the recovery of a run's stale lock are one code
whichever the backend: read a lock (with what tells it from a lock written since), create
one only where none is, replace one only while it is the one read, delete one, list
those under a prefix. Keys are relative to the backend's root (``.pulumi/locks/...``)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Protocol

from fate_iac.s3_objects import Bucket


class LockStore(Protocol):
    def where(self, key: str) -> str:
        """The lock's file or object, as an operator would name it."""
        ...

    def read(self, key: str) -> tuple[bytes, str] | None:
        """Its content, and a token that changes when it is written again; None when
        there is none."""
        ...

    def create(self, key: str, content: bytes) -> bool:
        """Write it only where none is: whether it was written."""
        ...

    def replace(self, key: str, token: str, content: bytes) -> bool:
        """Write it only while it is the one read with ``token``: whether it was."""
        ...

    def delete(self, key: str) -> None: ...

    def keys(self, prefix: str) -> list[str]:
        """The keys under ``prefix`` (a folder: ends with ``/``)."""
        ...


class FileLocks:
    """Locks as files under ``root``. Content is the token: a file is replaced by moving
    it aside under a name of its own, checking it is the one read, then creating anew;
    what another run wrote meanwhile goes back."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def where(self, key: str) -> str:
        return str(self.root / key)

    def read(self, key: str) -> tuple[bytes, str] | None:
        try:
            raw = (self.root / key).read_bytes()
        except FileNotFoundError:
            return None
        return raw, raw.hex()

    def create(self, key: str, content: bytes) -> bool:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        # Readers see it empty while it is written: they wait for its content.
        with os.fdopen(descriptor, "wb") as out:
            out.write(content)
        return True

    def replace(self, key: str, token: str, content: bytes) -> bool:
        path = self.root / key
        aside = path.with_name(f"{path.name}.stale.{os.getpid()}")
        try:
            os.rename(path, aside)
        except FileNotFoundError:
            return self.create(key, content)  # its holder (or another taker) removed it
        if aside.read_bytes().hex() == token:
            aside.unlink()
            return self.create(key, content)
        with contextlib.suppress(FileExistsError):
            os.link(aside, path)  # not the one read: back where it was
        aside.unlink()
        return False

    def delete(self, key: str) -> None:
        (self.root / key).unlink(missing_ok=True)
        # The Go CDK's file driver keeps each file's attributes beside it.
        (self.root / f"{key}.attrs").unlink(missing_ok=True)

    def keys(self, prefix: str) -> list[str]:
        base = self.root / prefix
        if not base.is_dir():
            return []
        return sorted(
            str(p.relative_to(self.root))
            for p in base.rglob("*")
            if p.is_file() and not p.name.endswith(".attrs")
        )


class S3Locks:
    """Locks as objects in a bucket: the ETag is the token; S3's conditional writes
    (``If-None-Match: *``, ``If-Match``) make creating and replacing safe between runs."""

    def __init__(self, bucket: Bucket) -> None:
        self.bucket = bucket

    def _key(self, key: str) -> str:
        return f"{self.bucket.prefix}{key}"

    def where(self, key: str) -> str:
        return self.bucket.where(self._key(key))

    def read(self, key: str) -> tuple[bytes, str] | None:
        return self.bucket.get(self._key(key))

    def create(self, key: str, content: bytes) -> bool:
        return self.bucket.put(self._key(key), content, if_none_match=True)

    def replace(self, key: str, token: str, content: bytes) -> bool:
        return self.bucket.put(self._key(key), content, if_match=token)

    def delete(self, key: str) -> None:
        self.bucket.delete(self._key(key))

    def keys(self, prefix: str) -> list[str]:
        start = len(self.bucket.prefix)
        return sorted(k[start:] for k in self.bucket.keys(self._key(prefix)))
