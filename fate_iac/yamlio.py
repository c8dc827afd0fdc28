"""YAML through libyaml when PyYAML has it (its wheels do): several times faster than
the pure-Python parser on rendered charts and repository indexes."""

from __future__ import annotations

from typing import Any

import yaml

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def load(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, default_flow_style=False)


def load_all(text: str) -> list[Any]:
    """Every document of a multi-document text."""
    return list(yaml.load_all(text, Loader=_Loader))
