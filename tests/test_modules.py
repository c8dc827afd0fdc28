"""The module registry: one row per module of the fate chart, and what is derived from
it (default modules, module rules, the values' modules, image sections, NodePorts)."""

from __future__ import annotations

import tarfile
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from fate_iac.catalogue import FATE_CHARTS, FateChart
from fate_iac.charts import chart_archive, resolve_chart
from fate_iac.config import ALL_MODULES, Module, PartyConfig
from fate_iac.modules import (
    FATE_MODULES,
    MODULE_NAMES,
    MODULES_BY_NAME,
    default_modules,
    image_sections,
    modules_of,
)
from fate_iac.rules import MODULE_RULES
from fate_iac.values import RENDERERS, render_values
from tests.conftest import party


def _values_yaml(charts: str, chart: FateChart) -> dict[str, Any]:
    archive = chart_archive(resolve_chart("fate", str(chart.version), charts))
    with tarfile.open(Path(archive)) as tar:
        handle = tar.extractfile("fate/values.yaml")
        assert handle is not None
        values: dict[str, Any] = yaml.safe_load(handle.read())
    return values


def _section_model(path: tuple[str, ...]) -> type[BaseModel]:
    """The config model of the section at ``path`` of a party's config."""
    model: type[BaseModel] = PartyConfig
    for key in path:
        annotation = model.model_fields[key].annotation
        model = next(
            a
            for a in typing.get_args(annotation) or (annotation,)
            if isinstance(a, type) and issubclass(a, BaseModel)
        )
    return model


def test_the_schema_s_module_names_are_the_registry_s() -> None:
    assert set(typing.get_args(Module)) == set(MODULE_NAMES) == set(ALL_MODULES)
    assert len(MODULE_NAMES) == len(FATE_MODULES)


@pytest.mark.parametrize("chart", FATE_CHARTS, ids=lambda c: str(c.version))
def test_the_registry_has_every_module_of_each_chart_and_no_other(
    charts: str, chart: FateChart
) -> None:
    listed = set(_values_yaml(charts, chart)["modules"]) - {"serving"}  # the registry's keys
    assert {m.name for m in modules_of(chart.generation)} == listed


@pytest.mark.parametrize(
    ("engines", "fate2", "expected"),
    [
        (
            (None, None, None),
            False,
            ["rollsite", "clustermanager", "nodemanager", "mysql", "python", "fateboard", "client"],
        ),
        (
            ("Eggroll", "Eggroll", "Eggroll"),
            True,
            ["osx", "clustermanager", "nodemanager", "mysql", "python", "fateboard", "client"],
        ),
        (
            ("Spark", "Pulsar", "HDFS"),
            False,
            ["python", "mysql", "fateboard", "client", "spark", "hdfs", "nginx", "pulsar"],
        ),
        (
            ("Spark", "RabbitMQ", "HDFS"),
            True,
            ["python", "mysql", "fateboard", "client", "spark", "hdfs", "nginx", "rabbitmq"],
        ),
        (
            ("Spark_local", "Pulsar", "LocalFS"),
            False,
            ["python", "mysql", "fateboard", "client", "nginx", "pulsar"],
        ),
        (
            ("Spark_local", "RabbitMQ", "HDFS"),
            False,
            ["python", "mysql", "fateboard", "client", "hdfs", "nginx", "rabbitmq"],
        ),
    ],
)
def test_the_default_modules_are_what_the_engines_need_in_kubefate_s_order(
    engines: tuple[Any, Any, Any], fate2: bool, expected: list[str]
) -> None:
    assert default_modules(*engines, fate2=fate2) == expected


def test_every_default_module_is_listed_for_its_party_kind() -> None:
    for module in FATE_MODULES:
        if module.party:
            assert module.listed, f"{module.name} is never a default module"


def test_the_modules_key_s_description_names_the_eggroll_defaults() -> None:
    description = PartyConfig.model_fields["modules"].description or ""
    named = description.split("on eggroll ")[1].split(";")[0].split(", ")
    assert named == default_modules("Eggroll", "Eggroll", "Eggroll")


def test_the_module_rules_are_the_registry_s_rows() -> None:
    assert list(MODULE_RULES) == list(MODULE_NAMES)
    for name, rule in MODULE_RULES.items():
        assert rule is MODULES_BY_NAME[name]


def test_a_module_s_external_key_is_a_key_of_the_party_s_config() -> None:
    for module in FATE_MODULES:
        if module.external is not None:
            *section, key = module.external
            assert key in _section_model(tuple(section)).model_fields, module.name


def test_every_renderer_a_row_names_exists_and_every_renderer_is_named() -> None:
    named = {m.renderer for m in FATE_MODULES if m.renderer is not None}
    assert named == set(RENDERERS)
    assert [m.name for m in FATE_MODULES if m.renderer is None] == ["lbrollsite"]


def test_values_render_every_module_of_the_party_s_generation() -> None:
    fate1 = render_values(PartyConfig.model_validate(party()))
    assert set(fate1["modules"]) == {m.name for m in modules_of(1)} | {"serving"}
    fate2 = render_values(PartyConfig.model_validate(party(chartVersion="v2.0.0", rollsite=None)))
    assert set(fate2["modules"]) == {m.name for m in modules_of(2)} | {"serving"}


@pytest.mark.parametrize("chart", [c for c in FATE_CHARTS if c.images], ids=str)
def test_each_module_s_images_are_where_the_chart_writes_them(chart: FateChart) -> None:
    """The FATE 2.0 chart's images (the catalogue row) are at the modules' image
    locations, and the config takes them in the modules' image sections."""
    assert chart.images is not None
    locations = [loc for m in modules_of(2) if m.party for loc in m.image_locations]
    assert sorted(locations) == sorted(chart.images)
    sections = {path for m in modules_of(2) for path in m.image_sections}
    assert set(image_sections(chart.images)) == sections
    for path in image_sections(chart.images):
        fields = _section_model(path).model_fields
        assert {"image", "imageTag"} <= set(fields), path


def test_a_party_s_node_port_claims_are_each_module_s_node_port_keys() -> None:
    cfg = PartyConfig.model_validate(party())
    paths = [claim.path for claim in cfg.node_ports()]
    expected: list[tuple[str, ...]] = [("tls", "nodePort")]
    for module in FATE_MODULES:
        if module.party:
            expected += [(module.name, *module.node_port_at, key) for key in module.node_ports]
    assert sorted(paths) == sorted(expected)


def test_every_node_port_key_is_a_key_of_its_section() -> None:
    for module in FATE_MODULES:
        if module.node_ports:
            model = _section_model((module.name, *module.node_port_at))
            assert set(module.node_ports) <= set(model.model_fields), module.name
