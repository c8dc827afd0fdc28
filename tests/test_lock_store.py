"""Locks as files of a ``file://`` backend, with real files: created only where none is,
replaced only while they are the one read, listed under a folder without the Go CDK's
attribute files. (The same operations on an ``s3://`` backend run against a real S3
server in tests/e2e/test_s3_backend_e2e.py.)"""

from __future__ import annotations

from pathlib import Path

from fate_iac.lock_store import FileLocks

KEY = ".pulumi/locks/fate-federation/fate.json"


def test_a_lock_is_created_only_where_none_is(tmp_path: Path) -> None:
    store = FileLocks(tmp_path)
    assert store.read(KEY) is None
    assert store.create(KEY, b"first")
    assert not store.create(KEY, b"second")
    assert store.read(KEY) == (b"first", b"first".hex())
    assert store.where(KEY) == str(tmp_path / KEY)


def test_a_lock_is_replaced_only_while_it_is_the_one_read(tmp_path: Path) -> None:
    store = FileLocks(tmp_path)
    store.create(KEY, b"stale")
    found = store.read(KEY)
    assert found is not None
    (tmp_path / KEY).write_bytes(b"written since")
    assert not store.replace(KEY, found[1], b"mine")
    assert store.read(KEY) == (b"written since", b"written since".hex())
    again = store.read(KEY)
    assert again is not None and store.replace(KEY, again[1], b"mine")
    assert store.read(KEY) == (b"mine", b"mine".hex())
    assert sorted(p.name for p in (tmp_path / KEY).parent.iterdir()) == ["fate.json"]


def test_locks_are_listed_and_deleted_with_their_attributes(tmp_path: Path) -> None:
    store = FileLocks(tmp_path)
    run = ".pulumi/locks/organization/fate/party9999/1234.json"
    store.create(run, b"{}")
    (tmp_path / f"{run}.attrs").write_text("{}")
    store.create(KEY, b"{}")
    assert store.keys(".pulumi/locks/") == [KEY, run]
    assert store.keys(".pulumi/nothing/") == []
    store.delete(run)
    assert store.keys(".pulumi/locks/") == [KEY]
    assert not (tmp_path / f"{run}.attrs").exists()
