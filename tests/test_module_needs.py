"""What a chart needs, checked from the chart: each address one module's config names
of another in its release (``MODULE_NEEDS``), and each port a Service publishes that its
module listens on only under a setting (``PORT_NEEDS``). A stack that breaks one is
refused; every shipped example keeps them."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

import pytest

from fate_iac.kinds import entry_points
from fate_iac.loader import load_stack_config, read_stack_file
from fate_iac.modules import MODULE_NEEDS, PORT_NEEDS, ModuleNeed
from fate_iac.problems import ConfigError, Problem
from fate_iac.secrets import Secret
from tests.conftest import EXAMPLE_PASSPHRASE, PROJECT_DIR, party, shared
from tests.helpers import alone, spark

CHARTS = {"fate": "fate-v1.11.2.tgz", "fate-serving": "fate-serving-v2.1.6.tgz"}


def problems_of(raw: dict[str, Any]) -> list[Problem]:
    with pytest.raises(ConfigError) as caught:
        load_stack_config(raw, "needs")
    return list(caught.value.problems)


def chart_text(chart: str) -> str:
    """Every template of the chart, as one text."""
    with tarfile.open(shared(f"charts/package/{CHARTS[chart]}")) as package:
        members = [m for m in package.getmembers() if "/templates/" in m.name and m.isfile()]
        files = [package.extractfile(m) for m in members]
        return "\n".join(io.TextIOWrapper(f).read() for f in files if f is not None)


@pytest.mark.parametrize("need", MODULE_NEEDS, ids=lambda n: f"{n.module}->{n.needs}")
def test_each_module_need_is_read_from_the_chart(need: ModuleNeed) -> None:
    # the setting the row cites is in the chart as it says (the Service it names too)
    setting = need.where.split(": ", 1)[1].split(" (")[0].split("=")[0].split(".")[-1]
    assert setting in chart_text(need.chart), need.where


BREAKING: dict[str, dict[str, Any]] = {
    "fateboard->python": party(
        modules=["rollsite", "clustermanager", "nodemanager", "mysql", "fateboard"]
    ),
    "client->python": party(
        modules=["rollsite", "clustermanager", "nodemanager", "mysql", "client"]
    ),
    "nodemanager->clustermanager": party(modules=["rollsite", "nodemanager", "mysql", "python"]),
    "clustermanager->mysql": party(modules=["rollsite", "clustermanager", "nodemanager", "python"]),
    "python->mysql": party(modules=["rollsite", "clustermanager", "nodemanager", "python"]),
    "servingAdmin->servingZookeeper": alone(
        modules=["servingProxy", "servingRedis", "servingServer", "servingAdmin"]
    ),
}
"""A stack that breaks each need."""


@pytest.mark.parametrize("need", MODULE_NEEDS, ids=lambda n: f"{n.module}->{n.needs}")
def test_a_stack_without_what_a_module_connects_to_is_refused(need: ModuleNeed) -> None:
    problems = problems_of(BREAKING[f"{need.module}->{need.needs}"])
    said = [p for p in problems if p.path[-1] == "modules" and need.needs in p.message]
    # the engines' table names a module every party of these engines needs (rule
    # `modules`); module-needs names what the table does not
    assert said and said[0].rule in ("modules", "module-needs"), problems
    if need.chart == "fate-serving":
        assert said[0].path == ("fate-serving", "modules")
        assert said[0].rule == "module-needs"
        assert "serving-zookeeper:2181" in said[0].message


def test_an_external_database_is_what_the_modules_connect_to_instead() -> None:
    raw = party(
        modules=["rollsite", "clustermanager", "nodemanager", "python"],
        externalMysqlIp="192.168.0.10",
        externalMysqlPassword=Secret("s3cret-external", secure=True),
    )
    assert load_stack_config(raw, "needs").config.externalMysqlIp == "192.168.0.10"


def test_pulsars_public_tls_balancer_without_an_exchange_is_refused() -> None:
    raw = spark()
    raw["pulsar"] = {**raw["pulsar"], "publicLB": {"enabled": True}}
    [problem] = problems_of(raw)
    assert (problem.path, problem.rule) == (("pulsar", "publicLB"), "module-needs")
    assert "Service pulsar-public-tls publishes port 6651" in problem.message
    assert "brokerServicePortTls=6651" in problem.message
    # behind an exchange the broker listens on its TLS port
    raw["pulsar"]["exchange"] = {"ip": "192.168.0.1", "port": 30000}
    assert load_stack_config(raw, "needs").config.pulsar.publicLB.enabled


def test_pulsars_tls_port_in_p2p_is_said_and_kept_closed() -> None:
    """The chart's pulsar Service always publishes 6651, which answers only behind an
    exchange: a P2P party (KubeFATE's own examples set its NodePort) is told, not refused,
    and its NetworkPolicy does not open a port nothing listens on."""
    raw = spark()
    raw["pulsar"] = {**raw["pulsar"], "type": "NodePort", "httpsNodePort": 30099}
    loaded = load_stack_config(raw, "needs")
    [note] = [n for n in loaded.notes if n.startswith("fate:pulsar.httpsNodePort 30099")]
    assert "only behind an exchange" in note
    assert entry_points(loaded.config)["pulsar"] == ((6650, 6650), (8080, 8080), (8081, 8081))
    raw["pulsar"]["exchange"] = {"ip": "192.168.0.1", "port": 30000}
    behind = load_stack_config(raw, "needs")
    assert not [n for n in behind.notes if n.startswith("fate:pulsar.httpsNodePort")]
    assert entry_points(behind.config)["pulsar"] == (
        (6650, 6650),
        (6651, 6651),
        (8080, 8080),
        (8081, 8081),
    )


def test_spark_driver_ports_without_their_start_ports_are_refused() -> None:
    link = {"portMaxRetries": 3, "driverHost": "fateflow-sparkdriver"}  # ClusterIP
    raw = spark(python={"type": "NodePort", "httpNodePort": 30097, "grpcNodePort": 30092})
    raw["python"]["spark"] = link
    problems = problems_of(raw)
    assert [(p.path, p.rule) for p in problems] == [
        (("python", "spark", "driverStartPort"), "module-needs"),
        (("python", "spark", "blockManagerStartPort"), "module-needs"),
    ]
    assert "Service fateflow-sparkdriver publishes port driverStartPort" in problems[0].message
    link.update(driverStartPort=40000, blockManagerStartPort=41000)
    assert load_stack_config(raw, "needs").config.python is not None


def test_each_port_need_is_read_from_the_chart() -> None:
    text = chart_text("fate")
    for need in PORT_NEEDS:
        assert f"name: {need.service}" in text
    assert "brokerServicePortTls=6651" in text
    assert "spark.driver.port" in text and "spark.blockManager.port" in text


EXAMPLES = sorted(
    path
    for pattern in ("Pulumi.*.yaml", "examples/*/Pulumi.*.yaml")
    for path in PROJECT_DIR.glob(pattern)
)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(PROJECT_DIR)))
def test_every_example_stack_keeps_every_need(path: Path) -> None:
    stack = path.name.removeprefix("Pulumi.").removesuffix(".yaml")
    raw = read_stack_file(path, stack, EXAMPLE_PASSPHRASE)
    load_stack_config(raw, stack)  # raises on any problem, module-needs included
