"""Shared fixtures: the real chart repository and KubeFATE's example files.

``../shared/charts`` (a copy of KubeFATE's published chart repository) is used when
present; otherwise the tests fetch from the upstream repository, as a user would.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fate_iac.charts import ChartRef, chart_archive, resolve_chart
from fate_iac.config import UPSTREAM_CHART_REPO

PROJECT_DIR = Path(__file__).resolve().parent.parent
SHARED = PROJECT_DIR.parent / "shared"
EXAMPLES = SHARED / "kubefate-examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLE_PASSPHRASE = "fate-example"


def chart_source() -> str:
    local = SHARED / "charts"
    return str(local) if (local / "index.yaml").exists() else UPSTREAM_CHART_REPO


@pytest.fixture(scope="session")
def charts() -> str:
    return chart_source()


@pytest.fixture(scope="session")
def fate_chart(charts: str) -> ChartRef:
    ref = resolve_chart("fate", "v1.11.2", charts)
    chart_archive(ref)  # fetched once per session when remote
    return ref


def example(relative: str) -> Path:
    """A KubeFATE example file; skips (saying why) when shared/ is not beside the project."""
    path = EXAMPLES / relative
    if not path.exists():
        pytest.skip(f"{path} is not available on this machine")
    return path


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
    }
    raw.update(overrides)
    return raw
