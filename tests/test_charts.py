"""Where a chart comes from: a chart downloaded from a repository is cached, and the
cached archive is checked against the repository's index before every use."""

from __future__ import annotations

import functools
import hashlib
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from fate_iac import yamlio
from fate_iac.charts import ChartSourceError, chart_archive, resolve_chart
from tests.conftest import SHARED

CHART = ("fate-exchange", "v1.11.2")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str]]:
    """A Helm repository holding one chart, served over HTTP; the chart cache empty."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    served = tmp_path / "repo"
    served.mkdir()
    index = yamlio.load((SHARED / "charts" / "index.yaml").read_text())
    name, version = CHART
    [entry] = [e for e in index["entries"][name] if e["version"] == version]
    archive = SHARED / "charts" / entry["urls"][0]
    shutil.copy(archive, served / archive.name)
    entry = {**entry, "urls": [archive.name]}
    index = {"apiVersion": "v1", "entries": {name: [entry]}}
    (served / "index.yaml").write_text(yamlio.dump(index))
    handler = functools.partial(_Quiet, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield served, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.chart
def test_a_cached_chart_that_changed_is_fetched_again(repository: tuple[Path, str]) -> None:
    served, url = repository
    ref = resolve_chart(*CHART, url)
    cached = chart_archive(ref)
    digest = sha256(cached)
    assert digest == sha256(next(served.glob("*.tgz")))
    cached.write_bytes(cached.read_bytes()[:-10] + b"tampered!!")  # changed in the cache
    again = chart_archive(ref)
    assert again == cached and sha256(again) == digest


@pytest.mark.chart
def test_an_archive_that_does_not_match_the_index_is_refused(
    repository: tuple[Path, str],
) -> None:
    served, url = repository
    index = yamlio.load((served / "index.yaml").read_text())
    entry = index["entries"][CHART[0]][0]
    entry["digest"] = "0" * 64  # the repository's index says another archive
    (served / "index.yaml").write_text(yamlio.dump(index))
    ref = resolve_chart(*CHART, url)
    with pytest.raises(ChartSourceError, match="does not match the digest in its repository"):
        chart_archive(ref)
    assert not list((Path(served).parent / "cache").rglob("*.tgz"))  # nothing kept


@pytest.mark.chart
def test_offline_a_cached_chart_is_checked_against_the_digest_recorded_at_download(
    repository: tuple[Path, str],
) -> None:
    served, url = repository
    ref = resolve_chart(*CHART, url)
    cached = chart_archive(ref)
    (served / "index.yaml").unlink()  # the index cannot be read now
    assert chart_archive(ref) == cached
    cached.write_bytes(b"not the chart")
    (served / next(p.name for p in served.glob("*.tgz"))).unlink()  # nor fetched again
    with pytest.raises(ChartSourceError, match="cannot fetch"):
        chart_archive(ref)
