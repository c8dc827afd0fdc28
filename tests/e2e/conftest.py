"""The real engine against a real API server: tools built from source, a control plane
on 127.0.0.1, the chart repository served on loopback. Set FATE_E2E=0 to leave these
tests out (they are marked ``e2e``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e.chartserver import serve_chart_repository
from e2e.controlplane import ControlPlane, control_plane
from e2e.tools import Tools, build_tools
from tests.conftest import SHARED


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            if os.environ.get("FATE_E2E") == "0":
                item.add_marker(pytest.mark.skip(reason="FATE_E2E=0"))


@pytest.fixture(scope="session")
def tools() -> Tools:
    return build_tools()


@pytest.fixture(scope="session")
def chart_repo() -> Iterator[str]:
    local = SHARED / "charts"
    if not (local / "index.yaml").exists():
        yield "https://federatedai.github.io/KubeFATE"
        return
    with serve_chart_repository(local) as url:
        yield url


@pytest.fixture(scope="module")
def plane(tools: Tools, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControlPlane]:
    workdir: Path = tmp_path_factory.mktemp("controlplane")
    with control_plane(tools.bin_dirs, workdir) as running:
        yield running
