"""Shared fixtures: the real chart repository and KubeFATE's example files.

``../shared/charts`` (a copy of KubeFATE's published chart repository) is used when
present; otherwise the tests fetch from the upstream repository, as a user would. Under
CI (``CI=true``) ``../shared`` must be there: a test that needs it fails instead of
skipping, so a run that checked nothing never passes for one that did.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fate_iac.charts import UPSTREAM_CHART_REPO, chart_archive, resolve_chart

PROJECT_DIR = Path(__file__).resolve().parent.parent
SHARED = PROJECT_DIR.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLE_PASSPHRASE = "fate-example"
NOTEBOOK_HASH = "sha1:5eed1e55c0de:6a43805861de9edd9eb8929538456537f6a19ba2"
"""A Jupyter password hash (of ``s3cret-notebook``): a party's published notebook needs one."""


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1")


def shared(relative: str) -> Path:
    """A file of ../shared; skips when it is missing, fails under CI."""
    path = SHARED / relative
    if not path.exists():
        message = f"{path} is not available on this machine"
        if in_ci():
            pytest.fail(f"{message}; CI runs beside a copy of shared/", pytrace=False)
        pytest.skip(message)
    return path


def chart_source() -> str:
    local = SHARED / "charts"
    if (local / "index.yaml").exists():
        return str(local)
    if in_ci():
        pytest.fail(f"{local} is missing; CI runs beside a copy of shared/", pytrace=False)
    return UPSTREAM_CHART_REPO


@pytest.fixture(scope="session")
def charts() -> str:
    source = chart_source()
    chart_archive(resolve_chart("fate", "v1.11.2", source))  # fetched once when remote
    return source


def example(relative: str) -> Path:
    """A KubeFATE example file; skips (saying why) when shared/ is not beside the project,
    and fails under CI."""
    return shared(f"kubefate-examples/{relative}")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees the developer's passphrase or chart override."""
    for name in ("PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE", "FATE_CHART_REPO"):
        monkeypatch.delenv(name, raising=False)
    yield


def party(**overrides: Any) -> dict[str, Any]:
    """A valid party config (raw, as in a stack file, credentials already secrets)."""
    from fate_iac.secrets import Secret

    raw: dict[str, Any] = {
        "partyId": 10000,
        "publicHost": "192.168.10.1",
        "rollsite": {
            "type": "NodePort",
            "nodePort": 30101,
            "partyList": [{"partyId": 9999, "partyIp": "192.168.9.1", "partyPort": 30091}],
        },
        "python": {"type": "NodePort", "httpNodePort": 30107, "grpcNodePort": 30102},
        "mysql": {"password": Secret("s3cret-mysql", secure=True)},
        "fateboard": {"username": "board", "password": Secret("s3cret-board", secure=True)},
        "client": {"notebook_hashed_password": Secret(NOTEBOOK_HASH, secure=True)},
    }
    raw.update(overrides)
    return raw
