"""Version numbers as the charts and the federation records write them
(:mod:`fate_iac.chart_version`): read once, compared number by number."""

from __future__ import annotations

import pytest

from fate_iac.chart_version import ChartVersion
from fate_iac.federation import parse_version


def test_a_version_is_read_with_or_without_its_v_and_printed_as_the_chart_spells_it() -> None:
    assert ChartVersion.parse("v1.11.2") == ChartVersion.parse("1.11.2")
    assert str(ChartVersion.parse("1.11.2")) == "v1.11.2"
    assert ChartVersion.parse("v1.11.2").bare == "1.11.2"
    assert ChartVersion.parse("v1.11.2").major_minor == "1.11"
    assert str(ChartVersion.parse("v1.7.1-a")) == "v1.7.1-a"


def test_versions_compare_number_by_number_not_as_text() -> None:
    assert ChartVersion.parse("v1.9.2") < ChartVersion.parse("v1.10.0")
    assert ChartVersion.parse("v1.11.2") > ChartVersion.parse("v1.11.1")
    assert ChartVersion.parse("v2.0.0") > ChartVersion.parse("v1.11.2")
    # KubeFATE's pre-release suffix names a build of the same version.
    assert ChartVersion.parse("v1.7.1-a") == ChartVersion.parse("v1.7.1")


@pytest.mark.parametrize("text", ["", "v", "1.x", "latest", "v1..2"])
def test_what_is_not_a_version_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        ChartVersion.parse(text)


def test_a_federation_schema_version_is_read_by_the_same_parser() -> None:
    assert parse_version(1) == (1, 0)
    assert parse_version("1") == (1, 0)
    assert parse_version("1.2") == (1, 2)
    for wrong in (True, "v1.2", "1.2.3", "one"):
        with pytest.raises(ValueError):
            parse_version(wrong)
