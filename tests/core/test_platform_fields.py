"""Every platform field is declared by its plugin (issue 18): the core names none of the fields that
moved into a plugin's ``fields.py``, and no field the core declares is one platform's alone.

The moved platforms are listed here as they move (NetEase first); the fields still the core's
(WeChat Channels' tables, Xingtu's) join :data:`MOVED` when they move."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import creatorpay.core
from creatorpay.core import fields
from creatorpay.plugins.netease import fields as netease
from creatorpay.plugins.wechat_channels import fields as wechat_channels
from creatorpay.plugins.xingtu import fields as xingtu

CORE = Path(creatorpay.core.__file__).resolve().parent
#: Per moved platform: the names of its fields (scenario keys, its tables' keys, its event fields),
#: how its name is written, and the prefix of its rule IDs.
MOVED = {
    "netease": (
        frozenset(("quality", "programs", "plays_by_scene", "plays", "campaign", "leaderboard", "scene")),
        ("netease", "NetEase", "网易"),
        "NE-",
    ),
    # WeChat Channels' creator flags so far; its [tips] and [merchant_live] are still the core's, and
    # its name is still in the beans' meanings: the declarations check waits for them.
    "wechat_channels": (frozenset(("harmful", "new_anchor", "polaris")), (), ""),
    # Xingtu's [creator] keys, participants' flags, orders' keys and price card (XT-PRICE-01, priced
    # through its fields.Pricing); its name is still in the core's docstrings and comments.
    "xingtu": (
        frozenset(
            (
                *("xingtu_beta", "xingtu_registered", "growth_stage", "co_creations_this_month", "price_card"),
                *("co_creation", "app", "off_platform", "review_failed", "video_seconds"),
            )
        ),
        (),
        "",
    ),
}
#: The field declarations' constructors in the core.
_DECLARING = frozenset(("Field", "_flag", "_amount", "Section", "Choice", "_choices", "EventKind"))
_RULE = re.compile(r"[A-Z]+-[A-Z]+-\d\d")


def _modules() -> list[Path]:
    """The core's modules, its testing kit included (the scaffold is a template for a new plugin)."""
    return [p for p in sorted(CORE.rglob("*.py")) if "scaffold" not in p.relative_to(CORE).parts]


def _names(tree: ast.AST) -> list[tuple[int, str]]:
    """Where the module names a key: a whole string, an attribute, a keyword argument, a class field."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append((node.lineno, node.value))
        elif isinstance(node, ast.Attribute):
            found.append((node.lineno, node.attr))
        elif isinstance(node, ast.keyword) and node.arg is not None:
            found.append((node.value.lineno, node.arg))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            found.append((node.lineno, node.target.id))
    return found


@pytest.mark.parametrize("platform", sorted(MOVED))
def test_the_scan_sees_the_moved_names_in_the_plugin(platform: str) -> None:
    """The scan finds what it looks for: the plugin's own fields module names each moved field."""
    module = {"netease": netease, "wechat_channels": wechat_channels, "xingtu": xingtu}[platform]
    tree = ast.parse(Path(module.__file__ or "").read_text(encoding="utf-8"))
    assert MOVED[platform][0] <= {name for _, name in _names(tree)}


@pytest.mark.parametrize("platform", sorted(MOVED))
def test_no_core_module_names_a_moved_field(platform: str) -> None:
    moved = MOVED[platform][0]
    found = [
        f"{path.relative_to(CORE)}:{line}: {name!r}"
        for path in _modules()
        for line, name in _names(ast.parse(path.read_text(encoding="utf-8")))
        if name in moved
    ]
    assert found == [], f"{platform}'s fields are declared and read in plugins/{platform}/, not in the core"


@pytest.mark.parametrize("platform", sorted(p for p, (_, _, prefix) in MOVED.items() if prefix))
def test_no_core_field_declaration_is_one_platforms(platform: str) -> None:
    """No field the core declares names the platform or is read by its rules alone (a field two
    platforms read, such as ``original`` for NE-ORIG-01 and WC-QUAL-01, is the core's)."""
    _, spellings, prefix = MOVED[platform]
    found = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _DECLARING):
                continue
            texts = [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
            rules = [t for t in texts if _RULE.fullmatch(t)]
            if any(s in t for t in texts for s in spellings) or (rules and all(r.startswith(prefix) for r in rules)):
                found.append(f"{path.relative_to(CORE)}:{node.lineno}: {ast.unparse(node)[:80]}")
    assert found == []


@pytest.mark.parametrize("platform", sorted(MOVED))
def test_the_platforms_fields_are_in_the_schema_through_its_plugin(platform: str) -> None:
    """The moved fields are the plugin's: absent from the core's schema, present in the installed one."""
    core_names = {f.name for section in fields.CORE.sections for f in section.fields}
    core_names |= {f.name for kind in fields.CORE.kinds.values() for f in kind}
    installed = fields.installed()
    every = {f.name for section in installed.sections for f in section.fields}
    every |= {f.name for kind in installed.kinds.values() for f in kind}
    assert not MOVED[platform][0] & core_names
    assert MOVED[platform][0] <= every
