"""One import for plugin authors: the built-in plugins, the scaffold and the example third-party plugin
import only ``creatorpay.core`` and its facade ``creatorpay.core.plugin``, which exports the very objects
the core modules define (issue 18)."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

import creatorpay.core
from creatorpay.core import context, hookspecs, money, plugin, rules, statement, types
from tests.helpers import ROOT

CORE = Path(creatorpay.core.__file__).resolve().parent
ALLOWED = {"creatorpay.core", "creatorpay.core.plugin"}
#: The built-in plugins, and the third-party example made with the scaffold (docs/writing-a-plugin.md).
PLUGIN_FILES = sorted([*(ROOT / "plugins").rglob("*.py"), *(ROOT / "examples" / "plugins").glob("*/src/*/*.py")])
SCAFFOLD_FILES = sorted((ROOT / "core" / "scaffold").glob("*.py.tmpl"))


def is_core_module(name: str) -> bool:
    return (CORE / f"{name}.py").exists() or (CORE / name / "__init__.py").exists()


def core_imports(source: str) -> list[str]:
    """Every ``creatorpay.core...`` module a source imports, with its line, wherever the import is
    (in functions and under ``if TYPE_CHECKING`` too)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
            if node.module == "creatorpay.core":  # ``from creatorpay.core import rules`` imports a module
                names += [f"{node.module}.{alias.name}" for alias in node.names if is_core_module(alias.name)]
        else:
            continue
        found += [f"line {node.lineno}: {name}" for name in names if name.startswith("creatorpay.core")]
    return found


def forbidden(source: str) -> list[str]:
    return [found for found in core_imports(source) if found.rpartition(": ")[2] not in ALLOWED]


def test_there_are_plugins_and_a_scaffold_to_check() -> None:
    assert len(PLUGIN_FILES) >= 22 and len(SCAFFOLD_FILES) >= 3


@pytest.mark.parametrize("path", PLUGIN_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_built_in_plugin_imports_only_the_core_and_its_facade(path: Path) -> None:
    assert forbidden(path.read_text(encoding="utf-8")) == [], (
        f"{path.relative_to(ROOT)}: import from creatorpay.core.plugin"
    )


@pytest.mark.parametrize("path", SCAFFOLD_FILES, ids=lambda p: p.name)
def test_the_scaffold_imports_only_the_core_and_its_facade(path: Path) -> None:
    source = string.Template(path.read_text(encoding="utf-8")).safe_substitute(
        name="acme", module="acme", camel="Acme", title="Acme", prefix="AC", core_version="0.1.0"
    )
    assert forbidden(source) == []


def test_the_check_catches_each_way_of_importing_another_core_module() -> None:
    source = """
from creatorpay.core import Kind, rules
from creatorpay.core.plugin import Settlement
from creatorpay.core.money import ZERO
import creatorpay.core.statement
def late():
    from creatorpay.core.scenario import Order
if TYPE_CHECKING:
    from creatorpay.core.rules import RuleVersion
"""
    assert forbidden(source) == [
        "line 2: creatorpay.core.rules",
        "line 4: creatorpay.core.money",
        "line 5: creatorpay.core.statement",
        "line 7: creatorpay.core.scenario",
        "line 9: creatorpay.core.rules",
    ]


def test_the_facade_exports_the_core_objects_themselves() -> None:
    """Names re-exported, not copies: ``isinstance`` and ``is`` hold across every import path."""
    assert sorted(plugin.__all__) == sorted(set(plugin.__all__))
    assert all(hasattr(plugin, name) for name in plugin.__all__)
    assert plugin.RuleVersion is rules.RuleVersion and plugin.Kind is statement.Kind
    assert plugin.weakest is statement.weakest and plugin.round_fen is money.round_fen
    assert plugin.hookimpl is hookspecs.hookimpl and plugin.PHASES is hookspecs.PHASES
    assert plugin.Settlement is context.Settlement is creatorpay.core.Settlement


def test_registration_types_live_in_types_and_stay_where_they_were() -> None:
    for name in ("Platform", "Adjustment"):
        home = getattr(types, name)
        assert home.__module__ == "creatorpay.core.types"
        assert getattr(context, name) is getattr(creatorpay.core, name) is getattr(plugin, name) is home
    assert context.ACTIVITIES is types.ACTIVITIES is plugin.ACTIVITIES
