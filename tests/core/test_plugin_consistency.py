"""The built-in plugins are written one way (issue 18): one name constant per plugin, rule IDs as
literals, facts through the builder's ``fact``, no phase reading what another phase recorded."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

import pytest

from creatorpay.core.rules import RULE_ID
from creatorpay.core.statement import StatementBuilder
from tests.helpers import BUILT_IN_PLUGINS, ROOT

if TYPE_CHECKING:
    from pathlib import Path

PLUGINS = BUILT_IN_PLUGINS.split(",")


def trees(plugin: str) -> dict[Path, ast.Module]:
    folder = ROOT / "plugins" / plugin
    return {path: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.py"))}


def docstrings(tree: ast.Module) -> set[int]:
    """The ids of the string constants that are docstrings (a statement of a string alone)."""
    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    }


def strings(tree: ast.Module) -> list[tuple[int, str]]:
    """Every string constant but docstrings, with its line."""
    skip = docstrings(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
    ]


@pytest.mark.parametrize("plugin", PLUGINS)
def test_the_plugin_spells_its_name_once(plugin: str) -> None:
    """One ``NAME`` in the package's ``__init__``; the phases write ``ctx.platform.name``."""
    found = [
        f"{path.name}:{line}" for path, tree in trees(plugin).items() for line, text in strings(tree) if text == plugin
    ]
    assert len(found) == 1 and found[0].startswith("__init__.py:"), found
    init = trees(plugin)[ROOT / "plugins" / plugin / "__init__.py"]
    assert any(
        isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["NAME"]
        for node in init.body
    )


@pytest.mark.parametrize("plugin", PLUGINS)
def test_rule_ids_are_written_as_literals_never_as_module_constants(plugin: str) -> None:
    """The form most used before issue 18 (94 citations, against 45 through eight constants such as
    ``RULE``): ``ctx.rule("XT-CC-06")``, so a grep for a rule ID finds every line that cites it."""
    constants = [
        f"{path.name}:{node.lineno}"
        for path, tree in trees(plugin).items()
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign | ast.AnnAssign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        and re.match(RULE_ID, node.value.value)
    ]
    assert constants == []


def statement_reads(tree: ast.Module) -> list[tuple[int, str]]:
    """Each ``<x>.statement.<attribute>`` in a tree: what a hook touches on the builder."""
    return [
        (node.lineno, node.attr)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) and node.value.attr == "statement"
    ]


@pytest.mark.parametrize("plugin", PLUGINS)
def test_facts_are_written_through_the_builders_fact_method(plugin: str) -> None:
    found = [
        f"{p.name}:{line}"
        for p, tree in trees(plugin).items()
        for line, name in statement_reads(tree)
        if name == "facts"
    ]
    assert found == [], "write ctx.statement.fact(key, text)"


def test_fact_records_a_fact_and_a_later_one_under_its_key_replaces_it() -> None:
    builder = StatementBuilder("fake", "Fake", "me")
    builder.fact("growth_stage", "novice")
    builder.fact("budget", "100.00 CNY")
    builder.fact("growth_stage", "growing")
    assert builder.build().facts == {"growth_stage": "growing", "budget": "100.00 CNY"}


#: What a phase records on the builder for the statement: written by one phase, read by none. A later
#: phase that needs the same answer asks for it again (``ctx.rejected(order)`` for rejections).
RECORDS = ("violations", "not_applied", "not_offered", "pending", "traffic")


@pytest.mark.parametrize("plugin", PLUGINS)
def test_no_phase_reads_what_another_phase_recorded(plugin: str) -> None:
    """wechat_channels/orders.py read validation's *not offered* to skip settling, netease its
    NE-ORIG-01 violation to withhold programs: both now ask the scenario and the rules themselves."""
    found = [
        f"{path.name}:{line} .statement.{name}"
        for path, tree in trees(plugin).items()
        for line, name in statement_reads(tree)
        if name in RECORDS
    ]
    assert found == []
