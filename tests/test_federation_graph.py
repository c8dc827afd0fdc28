"""The picture of a federation (fate_iac.federation_graph) as its stacks and records
describe it, and its drawings (fatectl.graph): Mermaid for pull requests, SVG for people."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from fate_iac.federation_graph import OUTSIDE, FederationGraph, Link, federation_graph
from fate_iac.orchestrator import Status, discover
from fatectl import graph as draw
from fatectl.main import main
from tests.conftest import EXAMPLE_PASSPHRASE, PROJECT_DIR

TWO_ORGANISATIONS = Path(__file__).parent / "fixtures" / "federation-graph"
"""The example federation with the exchange and party 9999 on cluster org-a, party 10000
on org-b, and party 10000 reaching party 20000 of a third organisation by its record."""


def graph_of(project: Path, statuses: list[Status] | None = None) -> FederationGraph:
    return federation_graph(discover(project, EXAMPLE_PASSPHRASE), statuses or [])


def links(graph: FederationGraph) -> set[tuple[str, str, str, str, bool]]:
    return {(lk.source, lk.target, lk.kind, lk.protocol, lk.tls) for lk in graph.links}


def test_the_example_federation_is_a_star_around_its_exchange() -> None:
    graph = graph_of(PROJECT_DIR)
    assert [(n.id, n.role, n.partyId) for n in graph.nodes] == [
        ("exchange", "exchange", 1),
        ("party10000", "party", 10000),
        ("party9999", "party", 9999),
    ]
    assert links(graph) == {
        ("party9999", "exchange", "exchange", "eggroll", False),
        ("party10000", "exchange", "exchange", "eggroll", False),
    }
    party = graph.nodes[2]
    assert party.facts() == ["party 9999 · eggroll · FATE 1.11", "192.168.9.1:30091"]


def test_organisations_are_their_clusters_and_a_record_names_a_party_outside() -> None:
    graph = graph_of(TWO_ORGANISATIONS)
    groups = {group: [n.id for n in nodes] for group, nodes in graph.groups.items()}
    assert groups == {
        "cluster org-a": ["exchange", "party9999"],
        "cluster org-b": ["party10000"],
        OUTSIDE: ["party-20000"],
    }
    outside = graph.nodes[-1]
    assert (outside.stack, outside.address, outside.partyId) == (False, "203.0.113.20:30091", 20000)
    assert ("party-20000", "party10000", "p2p", "eggroll", False) in links(graph)


def test_tls_and_p2p_links_are_told_apart() -> None:
    graph = graph_of(PROJECT_DIR / "examples" / "tls")
    assert all(n.tls for n in graph.nodes)
    assert links(graph) == {
        ("party9999", "exchange", "exchange", "eggroll", True),
        ("party10000", "party9999", "p2p", "eggroll", True),
    }


def test_a_serving_cluster_links_on_its_own() -> None:
    graph = graph_of(PROJECT_DIR / "examples" / "serving")
    assert {(lk.source, lk.target, lk.protocol) for lk in graph.links} == {
        ("party9999", "exchange", "eggroll"),
        ("party10000", "exchange", "eggroll"),
        ("party9999", "exchange", "serving"),
        ("party10000", "exchange", "serving"),
    }


def test_readiness_and_certificate_expiry_come_from_the_status() -> None:
    statuses = [
        Status("exchange", "exchange", True, "ready", certificates={"ca": "2027-03-01T00:00Z"}),
        Status("party9999", "party", True, "progressing"),
        Status("party10000", "party", False),
    ]
    graph = graph_of(PROJECT_DIR / "examples" / "tls", statuses)
    states = {n.id: (n.state, n.certificatesUntil) for n in graph.nodes}
    assert states == {
        "exchange": ("ready", "2027-03-01"),
        "party9999": ("progressing", None),
        "party10000": ("not deployed", None),
    }
    assert graph.nodes[0].facts()[-2:] == ["TLS until 2027-03-01", "ready"]


def test_mermaid_draws_groups_nodes_and_links() -> None:
    text = draw.mermaid(graph_of(TWO_ORGANISATIONS))
    assert text.startswith("flowchart LR\n")
    assert '  subgraph g0["cluster org-a"]\n' in text and '  subgraph g2["outside this' in text
    assert '    n0{{"exchange<br/>exchange 1 · eggroll<br/>192.168.0.1:30000"}}\n' in text
    assert '  n2 -->|"eggroll"| n0\n' in text and '  n3 <-.->|"P2P eggroll"| n1\n' in text
    tls = draw.mermaid(graph_of(PROJECT_DIR / "examples" / "tls"))
    assert '==>|"eggroll · TLS"|' in tls and '<==>|"P2P eggroll · TLS"|' in tls


def test_the_svg_is_one_box_per_node_the_same_each_time() -> None:
    graph = graph_of(TWO_ORGANISATIONS)
    text = draw.svg(graph)
    assert text == draw.svg(graph_of(TWO_ORGANISATIONS))  # deterministic
    root = ET.fromstring(text)
    ns = "{http://www.w3.org/2000/svg}"
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert {"exchange", "party9999", "party10000", "party-20000", "cluster org-b"} <= set(texts)
    assert "P2P eggroll" in texts
    paths = list(root.iter(f"{ns}path"))
    assert len(paths) == len(graph.links)
    # party10000 -> exchange crosses party9999's column: it runs in a lane below.
    assert any(" V" in p.attrib["d"] and " H" in p.attrib["d"] for p in paths)
    dashed = [p for p in paths if "stroke-dasharray" in p.attrib]
    assert len(dashed) == 1  # the one P2P link


def test_a_link_label_says_what_is_spoken() -> None:
    assert Link("a", "b", "p2p", "osx", True).label() == "P2P osx · TLS"
    assert Link("a", "b", "exchange", "spark-pulsar", False).label() == "spark-pulsar"


def test_federation_graph_prints_mermaid_writes_svg_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", EXAMPLE_PASSPHRASE)
    target = tmp_path / "federation.svg"
    project = ["--project-dir", str(TWO_ORGANISATIONS)]
    assert main(["federation", "graph", *project, "--svg", str(target)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## Federation\n\n```mermaid\nflowchart LR\n") and out.endswith("```\n")
    assert target.read_text() == draw.svg(graph_of(TWO_ORGANISATIONS))
    assert main(["federation", "graph", *project, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["command"] == "federation graph" and len(document["nodes"]) == 4
    assert document["mermaid"].startswith("flowchart LR")
    assert main(["federation", "status", *project, "--svg", str(target)]) == 2
    assert "--svg and --status go with federation graph" in capsys.readouterr().err


def test_the_federation_guide_shows_the_example_federation_as_drawn() -> None:
    guide = (PROJECT_DIR / "docs" / "federation.md").read_text()
    shown = guide[guide.index("```mermaid\n") + len("```mermaid\n") :]
    assert shown[: shown.index("```\n")] == draw.mermaid(graph_of(PROJECT_DIR))
