"""Where a chart comes from: a Helm repository by URL, or local files for mirrors and
air-gapped sites (a directory laid out as a repository, a chart directory, a ``.tgz``).

The same resolution serves the Pulumi release (which pulls by itself) and the offline
renderer (which needs the archive on disk, downloaded once into a cache).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import tempfile
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import yaml

from fate_iac import yamlio
from fate_iac.problems import hide

UPSTREAM_CHART_REPO = "https://federatedai.github.io/KubeFATE"
"""KubeFATE's published Helm chart repository."""
CHART_REPO_ENV = "FATE_CHART_REPO"
ELSEWHERE = (
    "point fatectl at a mirror or a local directory of charts with --chart-repo, "
    f"{CHART_REPO_ENV} or the stack's fate:chartRepo"
)
"""How to take charts from elsewhere, for a message about a source that failed."""

Values = dict[str, Any]
"""Chart values, as a values.yaml holds them."""

_SEPARATOR = re.compile(r"^---[ \t]*$", re.MULTILINE)
_CONTENT = re.compile(r"^[ \t]*[^#\s]", re.MULTILINE)  # a line that is not blank or comment


class ChartSourceError(Exception):
    """The chart cannot be found where the configuration says it is."""


@dataclass(frozen=True)
class ChartRef:
    """A chart at a version, either in a remote repository or as a local file/directory."""

    name: str
    version: str
    repo: str | None = None
    path: Path | None = None

    def release_args(self) -> dict[str, Any]:
        """Inputs of a pulumi-kubernetes ``helm.sh/v3:Release`` that fetch this chart."""
        if self.path is not None:
            return {"chart": str(self.path)}
        return {"chart": self.name, "version": self.version, "repositoryOpts": {"repo": self.repo}}

    def describe(self) -> str:
        where = self.path if self.path is not None else shown_url(self.repo or "")
        return f"{self.name} {self.version} from {where}"


def chart_source(explicit: str | None = None, configured: str | None = None) -> str:
    """The chart source in force: a command-line flag, then ``FATE_CHART_REPO``, then the
    stack's ``fate:chartRepo``, then KubeFATE's published repository."""
    return explicit or os.environ.get(CHART_REPO_ENV) or configured or UPSTREAM_CHART_REPO


def is_url(source: str) -> bool:
    """Whether a chart source is a repository URL (else a local path)."""
    return source.startswith(("http://", "https://", "oci://"))


def holds_credentials(source: str) -> bool:
    """Whether a chart repository URL carries credentials (``https://user:token@host``,
    or a query such as ``?token=``): such a URL is a secret, never plaintext config."""
    if not is_url(source):
        return False
    parsed = urlsplit(source)
    return "@" in parsed.netloc or bool(parsed.query)


def shown_url(source: str) -> str:
    """A repository URL as a message may show it: its credentials (user information,
    query) written ``[secret]``."""
    if not holds_credentials(source):
        return source
    parsed = urlsplit(source)
    host = parsed.netloc.rpartition("@")[2]
    netloc = f"[secret]@{host}" if "@" in parsed.netloc else host
    return urlunsplit((parsed.scheme, netloc, parsed.path, "[secret]" if parsed.query else "", ""))


def url_forms(source: str) -> set[str]:
    """The pieces of a secret URL that a message (Helm's, say) may quote apart from the
    whole: its address after any credentials, its user, password and query."""
    if not is_url(source):
        return {source}
    parsed = urlsplit(source)
    userinfo, _, host = parsed.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    pieces = {source, source.rstrip("/"), f"{host}{parsed.path}".rstrip("/"), user, password}
    pieces.add(parsed.query)
    return {p for p in pieces if len(p) >= 3 and p != host}


CHART_REPO_PATHS = (("chartRepo",), ("kubefate", "chartRepo"), ("fate-serving", "chartRepo"))
"""Where a stack's config names a chart repository."""


def resolve_chart(name: str, version: str, source: str) -> ChartRef:
    """Find ``name`` at ``version`` in ``source`` (see :func:`chart_source`)."""
    if is_url(source):
        return ChartRef(name, version, repo=source.rstrip("/"))
    path = Path(source).expanduser().resolve()
    if path.is_dir() and (path / "index.yaml").exists():
        return _from_local_repository(name, version, path)
    if (path.is_dir() and (path / "Chart.yaml").exists()) or (
        path.is_file() and path.name.endswith(".tgz")
    ):
        return ChartRef(name, version, path=path)
    raise ChartSourceError(
        f"{source} is neither a chart repository URL, a directory with index.yaml, "
        f"a chart directory nor a .tgz; {ELSEWHERE}"
    )


def _from_local_repository(name: str, version: str, root: Path) -> ChartRef:
    index = yamlio.load((root / "index.yaml").read_text()) or {}
    entries = (index.get("entries") or {}).get(name) or []
    for entry in entries:
        if str(entry.get("version")) == version:
            break
    else:
        known = ", ".join(str(e.get("version")) for e in entries) or "none"
        raise ChartSourceError(f"{root}/index.yaml has no {name} {version} (has: {known})")
    url = str((entry.get("urls") or [""])[0])
    if is_url(url):
        raise ChartSourceError(f"{root}/index.yaml points {name} {version} at {url}, not a file")
    archive = (root / url).resolve()
    if not archive.is_file():
        raise ChartSourceError(f"{archive} (named by {root}/index.yaml) does not exist")
    digest = entry.get("digest")
    if digest and hashlib.sha256(archive.read_bytes()).hexdigest() != digest:
        raise ChartSourceError(f"{archive} does not match the digest in {root}/index.yaml")
    return ChartRef(name, version, path=archive)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fate-iac" / "charts"


def chart_archive(ref: ChartRef) -> Path:
    """A local file or directory holding the chart; remote charts are downloaded once
    into a cache, and the cached archive is checked before every use against the digest
    its repository's index gives (the digest recorded at download when the index cannot
    be read, offline say): a changed file is fetched again, never used."""
    if ref.path is not None:
        return ref.path
    assert ref.repo is not None
    key = hashlib.sha256(ref.repo.encode()).hexdigest()[:16]
    target = cache_dir() / key / f"{ref.name}-{ref.version}.tgz"
    recorded = target.with_name(f"{target.name}.sha256")
    wanted = index_digest(ref)
    if target.exists():
        expected = wanted or (recorded.read_text().strip() if recorded.exists() else None)
        if expected is not None and _sha256(target) == expected:
            return target
        target.unlink()  # changed since it was fetched, or never checked: fetch again
    _pull(ref, target)
    found = _sha256(target)
    if wanted is not None and found != wanted:
        target.unlink()
        raise ChartSourceError(
            f"{ref.describe()} does not match the digest in its repository's index"
        )
    recorded.write_text(f"{found}\n")
    return target


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def index_digest(ref: ChartRef) -> str | None:
    """The digest a repository's ``index.yaml`` gives ``ref`` (None: an OCI registry,
    which has no index, or an index that cannot be read now)."""
    assert ref.repo is not None
    if ref.repo.startswith("oci://"):
        return None
    parsed = urlsplit(f"{ref.repo}/index.yaml")
    host = parsed.netloc.rpartition("@")[2]
    request = urllib.request.Request(urlunsplit((parsed.scheme, host, parsed.path, "", "")))
    if "@" in parsed.netloc:  # the repository's credentials, as Helm sends them
        login = f"{unquote(parsed.username or '')}:{unquote(parsed.password or '')}"
        request.add_header("Authorization", f"Basic {base64.b64encode(login.encode()).decode()}")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            index = yamlio.load(answer.read()) or {}
    except (OSError, ValueError, yaml.YAMLError):
        return None
    for entry in (index.get("entries") or {}).get(ref.name) or []:
        if str(entry.get("version")) == ref.version and entry.get("digest"):
            return str(entry["digest"])
    return None


def _pull(ref: ChartRef, target: Path) -> None:
    import helm_python as helm  # the Helm SDK loads a large native library: only when needed

    assert ref.repo is not None
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        try:
            if ref.repo.startswith("oci://"):
                helm.pull(f"{ref.repo}/{ref.name}", version=ref.version, destination=tmp)
            else:
                helm.pull(ref.name, repo_url=ref.repo, version=ref.version, destination=tmp)
        except helm.HelmError as exc:
            said = " ".join(str(exc).split())
            raise ChartSourceError(
                f"cannot fetch {ref.describe()} ({hide(said, url_forms(ref.repo))}); {ELSEWHERE}"
            ) from exc
        pulled = list(Path(tmp).glob("*.tgz"))
        if len(pulled) != 1:
            raise ChartSourceError(f"fetching {ref.describe()} gave {pulled}")
        shutil.move(str(pulled[0]), target)


@dataclass(frozen=True)
class Manifest:
    source: str
    text: str

    @property
    def object(self) -> dict[str, Any]:
        # The text lost its document's last newline, which a block scalar ending the
        # document (a ConfigMap's file) keeps when Helm applies it.
        loaded = yamlio.load(f"{self.text}\n")
        assert isinstance(loaded, dict)
        return loaded


def render_chart(
    archive: Path, values: Values, name: str, namespace: str, crds: bool = False
) -> list[Manifest]:
    """Render a chart as ``helm template`` would, one manifest per Kubernetes object
    (with ``crds``, its ``crds/`` too, which ``helm install`` applies first)."""
    import helm_python as helm

    with helm.Chart.load(archive) as chart:
        rendered: dict[str, str] = chart.render(
            values=values, name=name, namespace=namespace, is_install=True
        )
        if crds:
            rendered |= {f"crds/{crd['filename']}": crd["data"] for crd in chart.crds}
    manifests = []
    for source in sorted(rendered):
        if source.endswith("NOTES.txt"):
            continue
        for document in _SEPARATOR.split(rendered[source]):
            if _CONTENT.search(document):  # helm template drops documents with no content
                manifests.append(Manifest(source, document.strip("\n")))
    return manifests


def chart_facts(archive: Path) -> tuple[str, Values]:
    """A chart's own name (its Chart.yaml: a local archive's path does not say it) and
    its default values (values.yaml)."""
    import helm_python as helm

    with helm.Chart.load(archive) as chart:
        return chart.name, chart.values


def merge_values(base: Values, override: Values) -> Values:
    """Deep-merge ``override`` into a copy of ``base``, maps key by key, the way Helm does."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_values(merged[key], value)
        else:
            merged[key] = value
    return merged


def value_at(values: Any, path: Sequence[str]) -> Any:
    """The value at ``path`` in nested values, None where a key is missing."""
    for key in path:
        if not isinstance(values, Mapping):
            return None
        values = values.get(key)
    return values
