"""YAML through libyaml when PyYAML has it (its wheels do): several times faster than
the pure-Python parser on rendered charts and repository indexes.

What a user hands us (stack files, imported cluster.yaml files) is read by
:func:`load_input`, within limits on size, nesting and the nodes aliases expand to: a
1.7 KB file of nested aliases otherwise expands to gigabytes before any check runs. Its
errors name the file, line and column."""

from __future__ import annotations

from typing import Any

import yaml

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

MAX_INPUT_BYTES = 1 << 20
"""A stack file or cluster.yaml is a few KB; a MB is far beyond any real one."""
MAX_DEPTH = 64
"""Nesting deeper than any chart's values go (they reach about 8)."""
MAX_NODES = 200_000
"""Nodes after aliases are expanded: a big real file has a few thousand."""


class InputError(ValueError):
    """A file a user gave cannot be read: where, and why."""

    def __init__(
        self, source: str, reason: str, line: int | None = None, column: int | None = None
    ):
        self.source = source
        self.reason = reason
        self.line = line
        self.column = column
        where = f"{source}:{line}:{column}" if line is not None else source
        super().__init__(f"{where}: {reason}")


def load(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False)


def load_all(text: str) -> list[Any]:
    """Every document of a multi-document text."""
    return list(yaml.load_all(text, Loader=_Loader))


def _check_graph(root: yaml.Node, source: str) -> None:
    """Walk the composed nodes as construction would (aliases visited each time they are
    used), without recursion, stopping at the first limit passed."""
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    visited = 0
    while stack:
        node, depth = stack.pop()
        visited += 1
        mark = node.start_mark
        if visited > MAX_NODES:
            raise InputError(
                source,
                f"expands to more than {MAX_NODES} values (aliases of aliases?)",
                mark.line + 1,
                mark.column + 1,
            )
        if depth > MAX_DEPTH:
            raise InputError(
                source, f"nested deeper than {MAX_DEPTH} levels", mark.line + 1, mark.column + 1
            )
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend(((key, depth + 1), (value, depth + 1)))


def load_input(text: str, source: str) -> Any:
    """One YAML document a user gave, within the limits above; raises
    :class:`InputError` naming ``source`` (and the line and column where known)."""
    if len(text.encode()) > MAX_INPUT_BYTES:
        raise InputError(source, f"is larger than {MAX_INPUT_BYTES} bytes")
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_graph(node, source)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        reason = " ".join(str(p) for p in (error.context, error.problem) if p)
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        raise InputError(source, f"is not valid YAML: {reason}", line, column) from None
    except yaml.YAMLError as error:
        raise InputError(source, f"is not valid YAML: {error}") from None
    finally:
        loader.dispose()
