"""Tests follow the code: a module of ``fate_iac`` with logic of its own has its test module.

A module's tests live in ``tests/test_<module>.py``, so whoever changes the module finds
the tests that pin it down in one place; a feature's tests (a stack rendered, its objects
checked) stay in the feature's file. A module whose behaviour is pinned down elsewhere is
listed below with the test module that does it and why, so a new module without tests,
and an entry left behind once its module got a test file, both fail here. A package of
``fate_iac`` (a directory) counts as one module, named by its directory."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "fate_iac"
TESTS = ROOT / "tests"

COVERED_ELSEWHERE: dict[str, tuple[str, str]] = {
    "accepts": ("test_acceptance.py", "the reference prints what each typed key accepts"),
    "clock": ("test_tls.py", "the time certificates are issued at and fall due"),
    "credentials": ("test_rules.py", "its table is what the default-credentials rule refuses"),
    "deployed": ("e2e/test_federation_e2e.py", "reads a real cluster and backend only"),
    "federation_check": (
        "test_spark.py",
        "each cross-stack check is tested with the feature it guards (Spark, TLS, FATE 2.0)",
    ),
    "gotemplate": ("test_values.py", "Go's emptiness, asserted on the values renderers write"),
    "helm_record": ("test_upgrade.py", "Helm's release record, read where upgrades read it"),
    "kube": ("e2e/test_day2_e2e.py", "talks to a real kube-apiserver only"),
    "kubefate": ("test_kubefate_equivalence.py", "import and render, object by object"),
    "legacy": ("test_config.py", "older spellings, carried over or refused at load"),
    "loader": ("test_config.py", "every test loads through it; test_config holds its own"),
    "pki": ("test_tls.py", "issued and verified with the TLS plan that uses it"),
    "postrender": ("test_tls.py", "the post-render command, run on the real charts"),
    "problems": ("test_config.py", "the error shape every failing-input test asserts"),
    "reference": ("test_cli.py", "docs/reference.md regenerated and compared"),
    "release": ("test_component.py", "the release specs the components hand to Helm"),
    "render": ("test_chart_render.py", "the real chart rendered with a stack's values"),
    "yamlio": ("test_serving.py", "an import that keeps every line and comment of a stack"),
}
"""Modules whose tests live in another test module: that module, and why."""


def has_logic(path: Path) -> bool:
    """A file (or any file of a package) with a top-level function or class."""
    files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return any(
        isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        for file in files
        for node in ast.parse(file.read_text()).body
    )


def modules_with_logic() -> list[str]:
    found = [p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__" and has_logic(p)]
    found += [
        p.name
        for p in PACKAGE.iterdir()
        if p.is_dir() and (p / "__init__.py").exists() and has_logic(p)
    ]
    return sorted(found)


def test_every_module_with_logic_has_its_test_module_or_says_where_it_is_tested() -> None:
    untested = [
        f"fate_iac/{name}: no tests/test_{name}.py and not in COVERED_ELSEWHERE"
        for name in modules_with_logic()
        if not (TESTS / f"test_{name}.py").exists() and name not in COVERED_ELSEWHERE
    ]
    assert untested == [], "\n".join(untested)


def test_each_module_covered_elsewhere_exists_has_no_test_module_and_names_a_real_one() -> None:
    modules = set(modules_with_logic())
    stale = []
    for name, (tested_in, _why) in COVERED_ELSEWHERE.items():
        if name not in modules:
            stale.append(f"{name}: no such module of fate_iac with logic")
        if (TESTS / f"test_{name}.py").exists():
            stale.append(f"{name}: has tests/test_{name}.py now; drop its entry")
        if not (TESTS / tested_in).exists():
            stale.append(f"{name}: tests/{tested_in} does not exist")
    assert stale == [], "\n".join(stale)
