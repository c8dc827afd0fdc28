"""A version number as the charts and the federation records write it (``v1.11.2``,
``1.11.2``, ``v1.7.1-a``, ``1.2``): read once here, compared number by number."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import total_ordering

_VERSION = re.compile(r"^(v?)([0-9]+(?:\.[0-9]+)*)(-[0-9A-Za-z.]+)?$")


@total_ordering
@dataclass(frozen=True, eq=False)
class ChartVersion:
    """A version's numbers, and the pre-release suffix KubeFATE gives some charts
    (``-a``). Versions compare by their numbers only, as KubeFATE compares them: the
    suffix names a build of the same version."""

    numbers: tuple[int, ...]
    suffix: str = field(default="")

    @classmethod
    def parse(cls, value: str | int) -> ChartVersion:
        """``v1.11.2``, ``1.11.2``, ``v1.7.1-a`` or ``1`` (an integer); ValueError otherwise."""
        if isinstance(value, bool):
            raise ValueError(f"{value!r} is not a version")
        if isinstance(value, int):
            return cls((value,))
        match = _VERSION.match(value)
        if match is None:
            raise ValueError(f"{value!r} is not a version")
        numbers = tuple(int(part) for part in match.group(2).split("."))
        return cls(numbers, match.group(3) or "")

    @property
    def major(self) -> int:
        return self.numbers[0]

    @property
    def minor(self) -> int:
        return self.numbers[1] if len(self.numbers) > 1 else 0

    @property
    def bare(self) -> str:
        """``1.11.2``: the version without its ``v``, as FATE's own tags and scripts
        write it."""
        return ".".join(map(str, self.numbers)) + self.suffix

    @property
    def major_minor(self) -> str:
        """``1.11``: the FATE release line parties federating together share."""
        return f"{self.major}.{self.minor}"

    def __str__(self) -> str:
        """``v1.11.2``: the chart's own spelling."""
        return f"v{self.bare}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ChartVersion):
            return NotImplemented
        return self.numbers == other.numbers

    def __lt__(self, other: ChartVersion) -> bool:
        return self.numbers < other.numbers

    def __hash__(self) -> int:
        return hash(self.numbers)
