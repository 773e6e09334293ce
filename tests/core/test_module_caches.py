"""Module-level memo caches are ``functools.lru_cache`` (bounded where the keys come from input),
never a module dict filled by hand: one idiom, with its size, hits and ``cache_clear`` in one place."""

from __future__ import annotations

import ast
import functools

import pytest

from creatorpay.core import context, events
from creatorpay.core.batch import ledger
from tests.helpers import ROOT


def _empty_dict(value: ast.expr | None) -> bool:
    """``{}`` or ``dict()``."""
    if isinstance(value, ast.Dict):
        return not value.keys
    call = isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "dict"
    return call and not value.args  # type: ignore[union-attr]


def _module_dicts(path: str) -> list[str]:
    """The names a module binds, at its top level, to an empty dict (``{}`` or ``dict()``)."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    found = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and _empty_dict(node.value):
            found += [f"{path}: {ast.unparse(target)}" for target in node.targets]
        elif isinstance(node, ast.AnnAssign) and _empty_dict(node.value):
            found.append(f"{path}: {ast.unparse(node.target)}")
    return found


def test_no_module_keeps_a_hand_made_memo_dict() -> None:
    files = sorted(str(p.relative_to(ROOT)) for folder in ("core", "plugins") for p in (ROOT / folder).rglob("*.py"))
    assert [name for path in files for name in _module_dicts(path)] == []


@pytest.mark.parametrize(
    ("cached", "maxsize"),
    [(context._copier, None), (events._valid_date, 4096), (ledger._explanation, 4096)],
    ids=["own_copy's copiers", "event dates", "statement explanations"],
)
def test_the_memo_caches_are_lru_caches(cached: object, maxsize: int | None) -> None:
    assert isinstance(cached, functools._lru_cache_wrapper)
    assert cached.cache_parameters()["maxsize"] == maxsize


def test_a_date_memo_answers_as_the_check() -> None:
    events._valid_date.cache_clear()
    assert [events._valid_date(d) for d in ("2026-10-31", "2026-11-31", "2026-10-31", "26-10-31")] == [
        True,
        False,
        True,
        False,
    ]
    assert events._valid_date.cache_info().hits == 1
