"""The kind registry is the one place that asks which kind of stack a config is.

Every other module reaches a kind's behaviour through its :class:`~fate_iac.kinds.StackKind`
(a hook or a field), so a new kind is one class in the registry, not a branch in each
module that cares. This test reads every module of the packages with :mod:`ast` and
names each place (file:line) that branches on a config class outside the registry:
``isinstance``/``issubclass`` against a stack config class, ``getattr`` probing a config
for an attribute by its literal name, and ``standalone(...)`` (which kind a raw config
is, asked of the KubeFATE service's module instead of the registry)."""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from pathlib import Path

import pytest

from fate_iac import config as config_module
from fate_iac.config import KubeFateServerConfig, StackConfig

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("fate_iac", "components/fate_pulumi", "policies/fate_policies", "fatectl")
REGISTRY = ("fate_iac/kinds.py", "fate_iac/kinds/")
"""Where asking which kind a config is belongs."""
CONFIG_BASES = (StackConfig, KubeFateServerConfig)
CONFIG_NAMES = frozenset({"cfg", "config", "part", "party", "cluster", "mine", "theirs"})
"""Names the code gives a stack's config: ``getattr`` with a literal on one is probing."""


def config_classes() -> frozenset[str]:
    """Every stack config class by name: the bases and all their subclasses."""
    return frozenset(
        name
        for name, value in inspect.getmembers(config_module, inspect.isclass)
        if issubclass(value, CONFIG_BASES)
    )


def modules() -> list[Path]:
    found = []
    for package in PACKAGES:
        found.extend(
            sorted(p for p in (ROOT / package).rglob("*.py") if "site-packages" not in p.parts)
        )
    return [p for p in found if not str(p.relative_to(ROOT)).startswith(REGISTRY)]


def _names(node: ast.expr) -> Iterator[str]:
    """The class names an ``isinstance`` class argument mentions (a tuple, ``A | B``)."""
    if isinstance(node, ast.Name):
        yield node.id
    elif isinstance(node, ast.Attribute):
        yield node.attr
    elif isinstance(node, ast.Tuple):
        for item in node.elts:
            yield from _names(item)
    elif isinstance(node, ast.BinOp):
        yield from _names(node.left)
        yield from _names(node.right)


def _called(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _config_object(node: ast.expr) -> bool:
    """A variable holding a stack's config, by the names the code gives one."""
    if isinstance(node, ast.Name):
        return node.id in CONFIG_NAMES
    return isinstance(node, ast.Attribute) and node.attr == "config"


def branches(tree: ast.AST, classes: frozenset[str]) -> Iterator[tuple[int, str]]:
    """Each place ``tree`` asks which kind a config is: its line and what it does."""
    for node in sorted(ast.walk(tree), key=lambda n: getattr(n, "lineno", 0)):
        if not isinstance(node, ast.Call):
            continue
        called = _called(node)
        if called in ("isinstance", "issubclass") and len(node.args) == 2:
            named = sorted(set(_names(node.args[1])) & classes)
            if named:
                yield node.lineno, f"{called}(..., {' | '.join(named)})"
        elif called == "getattr" and len(node.args) >= 2:
            obj, attribute = node.args[0], node.args[1]
            if not isinstance(attribute, ast.Constant) or not isinstance(attribute.value, str):
                continue
            if _config_object(obj):
                yield node.lineno, f"getattr({ast.unparse(obj)}, {attribute.value!r}) probing"
        elif called == "standalone":
            yield node.lineno, "standalone(...): which kind, asked outside the registry"


def test_the_checked_packages_exist() -> None:
    checked = {str(p.relative_to(ROOT)).split("/")[0] for p in modules()}
    assert {"fate_iac", "components", "policies"} <= checked
    assert {
        "PartyConfig",
        "ExchangeConfig",
        "ServingConfig",
        "StackConfig",
        "KubeFateServerConfig",
    } <= config_classes()


def test_the_check_finds_each_kind_of_branch() -> None:
    source = (
        "def f(cfg, x):\n"
        "    if isinstance(cfg, PartyConfig | ExchangeConfig):\n"
        "        return getattr(cfg, 'servingCluster', None)\n"
        "    return isinstance(x, dict) or getattr(x, 'y') or kubefate_server.standalone(x)\n"
    )
    found = list(branches(ast.parse(source), config_classes()))
    assert [line for line, _ in found] == [2, 3, 4]


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_branches_on_a_config_class(path: Path) -> None:
    tree = ast.parse(path.read_text(), str(path))
    where = path.relative_to(ROOT)
    found = [f"{where}:{line}: {what}" for line, what in branches(tree, config_classes())]
    assert not found, (
        "which kind a stack is, asked outside the kind registry (fate_iac/kinds.py): "
        "make it a hook or a field of StackKind\n" + "\n".join(found)
    )
