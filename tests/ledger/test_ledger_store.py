"""SQLiteStore: quotas (reserve / confirm / release, XT-CC-06/07) and budgets (draw, NE-BUDGET-01)
behave as the Store protocol says, persist, and migrate; MemoryStore gained confirm too."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creatorpay.core import Store
from creatorpay.core.sqlite_schema import MIGRATIONS, SchemaError
from creatorpay.core.sqlite_store import SQLiteStore
from tests.helpers import examples


def test_both_stores_implement_the_protocol(store: Store) -> None:
    assert isinstance(store, Store)


def test_quota_reserve_confirm_release(store: Store) -> None:
    """XT-CC-06: at most ``limit`` slots with the baseline counted; XT-CC-07: a confirmed slot (the
    submission went to review, even if it failed) stays used until an operator releases it."""
    key = "xingtu:co_creation:c1:2026-10"
    assert store.reserve(key, "o1", limit=4, baseline=2)
    assert store.reserve(key, "o2", limit=4, baseline=0)  # the baseline is taken the first time only
    assert not store.reserve(key, "o3", limit=4)
    assert store.reserve(key, "o1", limit=4)  # a holder asking again still holds its slot
    assert store.used(key) == 4
    assert store.confirm(key, "o1") and not store.confirm(key, "o3")
    assert store.release(key, "o1") and not store.release(key, "o1")
    assert store.used(key) == 3
    assert store.reserve(key, "o3", limit=4)


def test_budget_draw_pays_what_is_left_then_nothing(store: Store) -> None:
    """NE-BUDGET-01: a draw takes at most what is left; the budget never goes below zero."""
    key, capacity = "netease:cash:2025-12-25", Decimal("100.00")
    assert store.draw(key, Decimal("60.00"), capacity) == Decimal("60.00")
    assert store.draw(key, Decimal("60.00"), capacity) == Decimal("40.00")
    assert store.draw(key, Decimal("0.01"), capacity) == 0
    assert store.remaining(key, capacity) == 0
    assert store.remaining("other", capacity) == capacity
    with pytest.raises(ValueError):
        store.draw(key, Decimal("-1"), capacity)


def test_sqlite_store_persists_and_refunds_a_scope(tmp_path: Path) -> None:
    """Draws made in a scope can be given back (a month settled again after a late event)."""
    path = tmp_path / "s.sqlite"
    with SQLiteStore(path) as first:
        with first.scoped("netease/n1/2026-10"):
            first.draw("b", Decimal("30.00"), Decimal("100.00"))
        first.draw("b", Decimal("5.00"), Decimal("100.00"))  # unscoped: not refundable
        first.reserve("q", "o1", limit=1)
    with SQLiteStore(path) as again:
        assert again.remaining("b", Decimal("100.00")) == Decimal("65.00")
        assert not again.reserve("q", "o2", limit=1)
        assert again.refund("netease/n1/2026-10") == {"b": Decimal("30.00")}
        assert again.refund("netease/n1/2026-10") == {}  # refunded once only
        assert again.remaining("b", Decimal("100.00")) == Decimal("95.00")


def test_a_failed_transaction_leaves_no_trace(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.sqlite")
    with pytest.raises(RuntimeError), store.transaction():
        store.draw("b", Decimal("10.00"), Decimal("10.00"))
        store.reserve("q", "o1", limit=1)
        raise RuntimeError("crash")
    assert store.remaining("b", Decimal("10.00")) == Decimal("10.00")
    assert store.used("q") == 0


def test_schema_is_migrated_and_a_newer_one_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    SQLiteStore(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(SchemaError, match="newer"):
        SQLiteStore(path)


@settings(max_examples=examples(30))
@given(st.lists(st.integers(min_value=0, max_value=5000), max_size=12), st.integers(min_value=0, max_value=20000))
def test_draws_conserve_the_budget(draws: list[int], capacity_fen: int) -> None:
    """NE-BUDGET-01 property: what was drawn plus what is left is the capacity, to the fen."""
    capacity = Decimal(capacity_fen) / 100
    store = SQLiteStore(":memory:")
    drawn = sum((store.draw("k", Decimal(d) / 100, capacity) for d in draws), Decimal(0))
    assert drawn + store.remaining("k", capacity) == capacity
    assert store.remaining("k", capacity) >= 0
