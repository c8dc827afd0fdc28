"""``fatectl federation graph``'s pictures of :mod:`fate_iac.federation_graph`'s model:
Mermaid (a pull request's comment renders it) and SVG (a file for people), both drawn
from the same graph in the same order, so the same stacks always give the same picture."""

from __future__ import annotations

from html import escape
from typing import NamedTuple

from fate_iac.federation_graph import FederationGraph, Link, Node

STATE_COLOURS = {
    "ready": "#d8f0d8",
    "deployed": "#d8f0d8",
    "progressing": "#fff2c4",
    "failed": "#f8d4d4",
    "unreachable": "#f8d4d4",
    "absent": "#eeeeee",
    "not deployed": "#eeeeee",
    "not read": "#ffffff",
}
"""A node's fill by its state (:data:`fate_iac.describe.HEALTH`, or what the status
could not read); any other word: the failed colour."""


def _ids(graph: FederationGraph) -> dict[str, str]:
    """Mermaid ids (``n0``, ``n1``...): a stack's name may hold what Mermaid reads."""
    return {node.id: f"n{index}" for index, node in enumerate(graph.nodes)}


def _mermaid_text(text: str) -> str:
    return text.replace('"', "#quot;")


def mermaid(graph: FederationGraph) -> str:
    """The federation as a Mermaid flowchart: a subgraph per organisation's cluster,
    exchange links solid, P2P links dotted, TLS links thick."""
    ids = _ids(graph)
    lines = ["flowchart LR"]
    for index, (group, nodes) in enumerate(graph.groups.items()):
        lines.append(f'  subgraph g{index}["{_mermaid_text(group)}"]')
        for node in nodes:
            label = "<br/>".join(_mermaid_text(t) for t in [node.id, *node.facts()])
            shape = ('{{"', '"}}') if node.role == "exchange" else ('["', '"]')
            lines.append(f"    {ids[node.id]}{shape[0]}{label}{shape[1]}")
        lines.append("  end")
    for link in graph.links:
        arrow = ARROWS[link.kind, link.tls]
        lines.append(f'  {ids[link.source]} {arrow}|"{link.label()}"| {ids[link.target]}')
    for node in graph.nodes:
        if node.stack:
            fill = STATE_COLOURS.get(node.state, STATE_COLOURS["failed"])
            lines.append(f"  style {ids[node.id]} fill:{fill}")
    return "\n".join(lines) + "\n"


ARROWS = {
    ("exchange", False): "-->",
    ("exchange", True): "==>",
    ("p2p", False): "<-.->",
    ("p2p", True): "<==>",
}
"""Mermaid's link by kind and TLS: to an exchange solid, P2P dotted both ways; TLS thick."""


def markdown(graph: FederationGraph, title: str = "Federation") -> str:
    """The Mermaid in a Markdown section, as a pull request comment shows it."""
    return f"## {title}\n\n```mermaid\n{mermaid(graph)}```\n"


# --- SVG ---------------------------------------------------------------------------------

NODE_W, LINE_H, PAD, GAP_X, GAP_Y, TITLE_H, BEND, LANE = 230, 16, 10, 160, 24, 28, 36, 22
CHAR_W, PARALLEL = 7, 14
"""An average character's width at 12px (boxes grow to fit their longest line), and how
far apart links between the same two boxes run."""


class Box(NamedTuple):
    x: int
    y: int
    h: int
    w: int


def _height(node: Node) -> int:
    return PAD * 2 + LINE_H * (1 + len(node.facts()))


def _columns(nodes: list[Node]) -> list[list[Node]]:
    """A group's columns: its exchanges, then its parties (a link between them crosses)."""
    exchanges = [n for n in nodes if n.role == "exchange"]
    others = [n for n in nodes if n.role != "exchange"]
    return [column for column in (exchanges, others) if column]


def svg(graph: FederationGraph) -> str:
    """The federation as an SVG picture: a box per organisation's cluster (the project's
    first, what only a record names last), exchanges in a column left of their parties;
    links as lines between the boxes' sides with what they speak written on them (P2P
    dashed, TLS thick and green), a link within a column curving out to its right, one
    across columns between running in a lane below them all."""
    longest = max((len(t) for n in graph.nodes for t in [n.id, *n.facts()]), default=0)
    w = max(NODE_W, longest * CHAR_W + PAD * 2)
    boxes: dict[str, Box] = {}
    frames = []
    x = PAD * 2
    for group, nodes in graph.groups.items():
        left, bottom = x, 0
        for column in _columns(nodes):
            y = PAD * 2 + TITLE_H
            for node in column:
                boxes[node.id] = Box(x + PAD, y, _height(node), w)
                y += _height(node) + GAP_Y
            bottom = max(bottom, y)
            x += w + PAD * 2 + GAP_X
        frames.append((group, left, x - GAP_X, bottom))
    width = x  # the last gap: room for the links curving out of the last column
    lowest = max((b for *_, b in frames), default=PAD * 4 + TITLE_H)
    far = [link for link in graph.links if _far(boxes, link)]
    height = lowest + PAD + LANE * len(far) + (PAD * 2 if far else 0)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for group, left, right, bottom in frames:
        out.append(
            f'<rect x="{left}" y="{PAD}" width="{right - left}" height="{bottom - PAD}" '
            'rx="8" fill="#f6f8fa" stroke="#8c959f"/>'
        )
        out.append(
            f'<text x="{left + PAD}" y="{PAD + 20}" font-weight="bold">{escape(group)}</text>'
        )
    curves: dict[int, int] = {}  # a column's x -> the links curving out of it so far
    pairs: dict[frozenset[str], list[Link]] = {}
    for link in graph.links:
        pairs.setdefault(frozenset((link.source, link.target)), []).append(link)
    for link in graph.links:
        if link in far:
            lane = lowest + PAD + LANE * (far.index(link) + 1)
            out.extend(_svg_lane(link, boxes, lane))
        else:
            same = pairs[frozenset((link.source, link.target))]
            shift = int((same.index(link) - (len(same) - 1) / 2) * PARALLEL)
            out.extend(_svg_link(link, boxes, curves, shift))
    for node in graph.nodes:
        box = boxes[node.id]
        fill = STATE_COLOURS.get(node.state, STATE_COLOURS["failed"]) if node.stack else "#ffffff"
        dash = "" if node.stack else ' stroke-dasharray="4 3"'
        radius = 16 if node.role == "exchange" else 4
        out.append(
            f'<rect x="{box.x}" y="{box.y}" width="{box.w}" height="{box.h}" rx="{radius}" '
            f'fill="{fill}" stroke="#24292f"{dash}/>'
        )
        for index, text in enumerate([node.id, *node.facts()]):
            weight = ' font-weight="bold"' if index == 0 else ""
            out.append(
                f'<text x="{box.x + PAD}" y="{box.y + PAD + LINE_H * (index + 1) - 4}"{weight}>'
                f"{escape(text)}</text>"
            )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _far(boxes: dict[str, Box], link: Link) -> bool:
    """Whether a link spans more than the gap between two columns (a straight line
    would cross the boxes between): it runs in a lane below them all instead."""
    source = boxes[link.source]
    return abs(source.x - boxes[link.target].x) > source.w + GAP_X + PAD * 4


def _style(link: Link) -> tuple[str, str]:
    dash = ' stroke-dasharray="6 4"' if link.kind == "p2p" else ""
    stroke = "#1a7f37" if link.tls else "#57606a"
    width = 3 if link.tls else 1.5
    return f'fill="none" stroke="{stroke}" stroke-width="{width}"{dash}', stroke


def _label(link: Link, x: int, y: int, anchor: str, colour: str) -> str:
    return (
        f'<text x="{x}" y="{y}" text-anchor="{anchor}" font-size="11" fill="{colour}" '
        f'stroke="#ffffff" stroke-width="3" paint-order="stroke">{escape(link.label())}</text>'
    )


def _svg_lane(link: Link, boxes: dict[str, Box], lane: int) -> list[str]:
    source, target = boxes[link.source], boxes[link.target]
    x1, x2 = source.x + source.w // 2 + 8, target.x + target.w // 2 - 8
    path = f"M{x1},{source.y + source.h} V{lane} H{x2} V{target.y + target.h}"
    style, colour = _style(link)
    return [f'<path d="{path}" {style}/>', _label(link, (x1 + x2) // 2, lane - 5, "middle", colour)]


def _svg_link(link: Link, boxes: dict[str, Box], curves: dict[int, int], shift: int) -> list[str]:
    source, target = boxes[link.source], boxes[link.target]
    if source.x == target.x:  # one column: out of the right sides, around
        count = curves[source.x] = curves.get(source.x, 0) + 1
        x1, y1 = source.x + source.w, source.y + source.h // 2
        x2, y2 = target.x + target.w, target.y + target.h // 2
        bend = x1 + BEND * count
        path = f"M{x1},{y1} C{bend},{y1} {bend},{y2} {x2},{y2}"
        lx, ly, anchor = bend - BEND // 4 + 4, (y1 + y2) // 2 + 4, "start"
    else:
        left, right = (source, target) if source.x < target.x else (target, source)
        x1, y1 = left.x + left.w, left.y + left.h // 2 + shift
        x2, y2 = right.x, right.y + right.h // 2 + shift
        path = f"M{x1},{y1} L{x2},{y2}"
        lx, ly = (x1 + x2) // 2, (y1 + y2) // 2 - 5 + (shift > 0) * 18
        anchor = "middle"
    style, colour = _style(link)
    return [f'<path d="{path}" {style}/>', _label(link, lx, ly, anchor, colour)]
