"""The chart catalogue: one row per chart version, and each row says what its chart
(KubeFATE's published package) holds."""

from __future__ import annotations

import tarfile
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml

from fate_iac import catalogue
from fate_iac.catalogue import (
    DEFAULT_FATE_CHART,
    DEFAULT_SERVING_CHART,
    EXCHANGE_CHARTS,
    FATE_CHARTS,
    SERVING_CHARTS,
    UPGRADE_MANAGER,
    UPGRADE_MANAGER_CHARTS,
    fate_chart,
    serving_chart,
)
from fate_iac.chart_version import ChartVersion
from fate_iac.charts import chart_archive, resolve_chart
from fate_iac.config import ServingChartVersion, ServingConfig
from tests.conftest import example, shared

ROWS: dict[str, tuple[Any, ...]] = {
    "fate": FATE_CHARTS,
    "fate-exchange": EXCHANGE_CHARTS,
    "fate-serving": SERVING_CHARTS,
    "fate-upgrade-manager": UPGRADE_MANAGER_CHARTS,
}


def _published() -> dict[str, list[ChartVersion]]:
    index = yaml.safe_load(shared("charts/index.yaml").read_text())
    return {
        name: [ChartVersion.parse(e["version"]) for e in entries]
        for name, entries in index["entries"].items()
    }


def _chart_file(charts: str, name: str, version: ChartVersion, member: str) -> Any:
    archive = chart_archive(resolve_chart(name, str(version), charts))
    with tarfile.open(Path(archive)) as tar:
        handle = tar.extractfile(f"{name}/{member}")
        assert handle is not None
        return handle.read().decode()


# --- the rows ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(ROWS))
def test_every_row_is_a_published_chart_version(name: str) -> None:
    published = _published()[name]
    for row in ROWS[name]:
        assert row.version in published, f"{name} {row.version} is not in KubeFATE's index"


@pytest.mark.parametrize("name", list(ROWS))
def test_every_published_version_since_the_oldest_row_has_a_row(name: str) -> None:
    """No version is skipped between the oldest supported and the newest published one
    (FATE 2.0 publishes no exchange: its Spark parties use v1.11.2's)."""
    oldest = ROWS[name][0].version
    rows = [row.version for row in ROWS[name]]
    for version in _published()[name]:
        if version >= oldest and not version.suffix:
            assert version in rows, f"{name} {version} is published but has no row"


@pytest.mark.parametrize("name", list(ROWS))
def test_rows_are_declared_oldest_first_and_once(name: str) -> None:
    versions = [row.version for row in ROWS[name]]
    assert versions == sorted(versions)
    assert len(set(versions)) == len(versions)


def test_the_defaults_are_rows() -> None:
    assert fate_chart(str(DEFAULT_FATE_CHART)).version == DEFAULT_FATE_CHART
    assert serving_chart(str(DEFAULT_SERVING_CHART)).version == DEFAULT_SERVING_CHART


def test_the_serving_schema_offers_exactly_the_catalogue_s_versions() -> None:
    assert typing.get_args(ServingChartVersion) == catalogue.SERVING_CHART_VERSIONS
    assert ServingConfig(partyId=1).chartVersion == str(DEFAULT_SERVING_CHART)


@pytest.mark.parametrize("row", FATE_CHARTS, ids=lambda r: str(r.version))
def test_each_fate_row_s_images_are_its_chart_s(charts: str, row: catalogue.FateChart) -> None:
    """FATE 2.0: each module's image and tag as the chart's values.yaml writes them (its
    lbrollsite is an exchange's, not a party's); FATE 1.x: one global tag."""
    values = yaml.safe_load(_chart_file(charts, "fate", row.version, "values.yaml"))
    if row.images is None:
        assert values["image"]["tag"] == f"{row.version.bare}-release"
        return
    written = {}
    for module, section in values["modules"].items():
        nodes = {"": section, **{k: v for k, v in section.items() if isinstance(v, dict)}}
        for node, body in nodes.items():
            if isinstance(body, dict) and "image" in body and module != "lbrollsite":
                where = f"{module}.{node}" if node else module
                written[where] = catalogue.Image(body["image"], str(body["imageTag"]))
    assert written == dict(row.images)


@pytest.mark.parametrize("row", FATE_CHARTS, ids=lambda r: str(r.version))
def test_each_fate_row_s_gateway_is_a_module_of_its_chart(
    charts: str, row: catalogue.FateChart
) -> None:
    values = yaml.safe_load(_chart_file(charts, "fate", row.version, "values.yaml"))
    assert row.gateway in values["modules"]
    other = "rollsite" if row.gateway == "osx" else "osx"
    assert other not in values["modules"]


@pytest.mark.parametrize("row", SERVING_CHARTS, ids=lambda r: str(r.version))
def test_each_serving_row_s_image_tag_is_its_chart_s(
    charts: str, row: catalogue.ServingChart
) -> None:
    values = yaml.safe_load(_chart_file(charts, "fate-serving", row.version, "values.yaml"))
    assert values["image"]["tag"] == row.image_tag


@pytest.mark.parametrize("row", SERVING_CHARTS, ids=lambda r: str(r.version))
def test_each_serving_row_reads_the_ingress_keys_its_template_reads(
    charts: str, row: catalogue.ServingChart
) -> None:
    """v2.0.4 reads servingProxy.ingressHost; v2.1.5 on read ingress.<module> instead."""
    template = _chart_file(charts, "fate-serving", row.version, "values-template.yaml")
    proxy = template.split("servingProxy:")[1].split("servingRedis:")[0]
    assert row.reads(("servingProxy", "ingressHost")) == (".ingressHost" in proxy)
    assert row.reads(("ingress",)) == ("with .ingress }}" in template)
    assert row.reads(("ingressClassName",)) == (".ingressClassName" in template)


def test_the_upgrade_manager_row_s_image_is_its_chart_s(charts: str) -> None:
    job = _chart_file(
        charts,
        "fate-upgrade-manager",
        UPGRADE_MANAGER.version,
        "templates/fate-mysql-upgrade-job.yaml",
    )
    assert f"image: {UPGRADE_MANAGER.image}" in job


def test_a_key_is_read_from_the_version_that_introduced_it() -> None:
    assert not fate_chart("v1.9.2").reads("python.hive")
    assert fate_chart("v1.10.0").reads("python.hive")
    assert not fate_chart("v1.11.1").reads("algorithm: ALL")
    assert fate_chart("v1.11.1").reads("device: GPU on eggroll")
    assert not fate_chart("v1.11.1").reads("device: GPU on Spark")
    assert not serving_chart("v2.0.4").reads(("servingServer", "cacheType"))
    assert serving_chart("v2.1.5").reads(("servingServer", "cacheType"))
    assert not serving_chart("v2.1.5").reads(("servingProxy", "ingressHost"))


@pytest.mark.chart
@pytest.mark.parametrize(
    "row", [r for r in FATE_CHARTS if not r.fate2], ids=lambda r: str(r.version)
)
def test_every_fate_1_row_renders_kubefate_s_objects(charts: str, row: catalogue.FateChart) -> None:
    """A new FATE 1.x row is held to KubeFATE's pipeline at once: KubeFATE's eggroll and
    Spark examples at that version give the same objects both ways."""
    from tests.test_kubefate_equivalence import assert_same_objects, ours, theirs

    for relative in (
        "v1.11.2/party-10000/cluster.yaml",
        "v1.11.2/party-10000/cluster-spark-pulsar.yaml",
    ):
        document = yaml.safe_load(example(relative).read_text())
        document["chartVersion"] = str(row.version)
        assert_same_objects(theirs(document, charts), ours(document, charts))
