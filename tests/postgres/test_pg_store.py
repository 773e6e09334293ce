"""PostgresStore: the Store protocol as SQLiteStore implements it (XT-CC-06/07 quotas, NE-BUDGET-01
budgets), transactions, refunds by scope, compare-and-set on a budget's version and the run registry."""

from __future__ import annotations

import itertools
import subprocess
import sys
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creatorpay.core.sqlite_store import SQLiteStore
from tests.helpers import examples
from tests.ledger.test_ledger_store import (
    test_both_stores_implement_the_protocol,
    test_budget_draw_pays_what_is_left_then_nothing,
    test_quota_reserve_confirm_release,
)

# The protocol tests of tests/ledger/test_ledger_store.py, run here on PostgresStore (its `store`).
__all__ = [
    "test_both_stores_implement_the_protocol",
    "test_budget_draw_pays_what_is_left_then_nothing",
    "test_quota_reserve_confirm_release",
]

#: A fresh key prefix per hypothesis example: examples share one store.
_EXAMPLE = itertools.count()


@pytest.fixture
def store(pg_store: Any) -> Any:
    return pg_store


def test_importing_the_core_does_not_import_psycopg() -> None:
    code = "import sys, creatorpay.core, creatorpay.core.sqlite_store; assert 'psycopg' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_persists_across_connections_and_refunds_a_scope(dsn: str, schema: str) -> None:
    """Draws made in a scope can be given back once (a month settled again after a late event)."""
    from creatorpay.core.postgres_store import PostgresStore

    with PostgresStore(dsn, schema=schema) as first:
        with first.scoped("netease/n1/2026-10"):
            first.draw("b", Decimal("30.00"), Decimal("100.00"))
        first.draw("b", Decimal("5.00"), Decimal("100.00"))  # unscoped: not refundable
        first.reserve("q", "o1", limit=1)
        assert first.confirm("q", "o1") and first.confirmed("q", "o1")
    with PostgresStore(dsn, schema=schema) as again:  # another process or machine
        assert again.remaining("b", Decimal("100.00")) == Decimal("65.00")
        assert not again.reserve("q", "o2", limit=1)
        assert again.confirmed("q", "o1")
        assert again.refund("netease/n1/2026-10") == {"b": Decimal("30.00")}
        assert again.refund("netease/n1/2026-10") == {}  # refunded once only
        assert again.remaining("b", Decimal("100.00")) == Decimal("95.00")


def test_a_failed_transaction_leaves_no_trace_and_a_nested_one_only_its_own(pg_store: Any) -> None:
    with pytest.raises(RuntimeError, match="crash"), pg_store.transaction():  # noqa: PT012 - the failing transaction
        pg_store.draw("b", Decimal("10.00"), Decimal("10.00"))
        pg_store.reserve("q", "o1", limit=1)
        raise RuntimeError("crash")
    assert pg_store.remaining("b", Decimal("10.00")) == Decimal("10.00")
    assert pg_store.used("q") == 0
    with pg_store.transaction():
        pg_store.reserve("q", "o1", limit=2)
        with pytest.raises(ValueError, match="inner"), pg_store.transaction():  # noqa: PT012 - the failing transaction
            pg_store.reserve("q", "o2", limit=2)
            pg_store.draw("b", Decimal("4.00"), Decimal("10.00"))
            raise ValueError("inner")
        pg_store.draw("b", Decimal("1.00"), Decimal("10.00"))
    assert pg_store.used("q") == 1 and pg_store.remaining("b", Decimal("10.00")) == Decimal("9.00")
    assert not pg_store.connection.info.transaction_status  # idle: nothing left open


def test_release_gives_a_confirmed_slot_back_and_a_baseline_is_never_negative(pg_store: Any) -> None:
    """XT-CC-07: a confirmed slot stays used until released."""
    assert pg_store.reserve("k", "a", limit=1)
    assert pg_store.confirm("k", "a") and not pg_store.reserve("k", "b", limit=1)
    assert pg_store.release("k", "a") and pg_store.used("k") == 0 and not pg_store.confirmed("k", "a")
    assert pg_store.reserve("k", "b", limit=1)
    assert not pg_store.release("never-seen", "a")
    assert pg_store.reserve("k:released", "a", limit=2**62)  # xingtu's uncapped marker set
    with pytest.raises(ValueError, match="baseline is never negative"):
        pg_store.reserve("k", "c", limit=1, baseline=-1)


_calls = st.lists(
    st.one_of(
        st.tuples(
            st.just("reserve"),
            st.sampled_from("ab"),
            st.sampled_from(["h1", "h2", "h3", "h4"]),
            st.integers(0, 4),
            st.integers(0, 3),
        ),
        st.tuples(st.just("confirm"), st.sampled_from("ab"), st.sampled_from(["h1", "h2", "h3"])),
        st.tuples(st.just("release"), st.sampled_from("ab"), st.sampled_from(["h1", "h2", "h3"])),
        st.tuples(st.just("used"), st.sampled_from("ab"), st.integers(0, 3)),
        st.tuples(
            st.just("draw"),
            st.sampled_from("xy"),
            st.decimals(min_value=0, max_value=500, places=2)
            | st.integers(0, 300).map(Decimal)
            | st.decimals(min_value=0, max_value=50, places=3),
            st.sampled_from([Decimal(100), Decimal("100.00"), Decimal("0.50"), Decimal(0)]),
        ),
        st.tuples(st.just("remaining"), st.sampled_from("xy"), st.sampled_from([Decimal(100), Decimal("7.5")])),
    ),
    max_size=25,
)


@settings(max_examples=examples(40), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_calls)
def test_answers_exactly_as_sqlite_store(pg_store: Any, calls: list[tuple[Any, ...]]) -> None:
    """Any sequence of calls gets the same answers, to the Decimal's places, from both stores: a
    statement's facts (e.g. what a draw took, NE-BUDGET-01) do not depend on the store."""
    prefix = f"ex{next(_EXAMPLE)}:"
    sqlite = SQLiteStore(":memory:")
    for method, key, *rest in calls:
        # reserve: limit >= baseline or not, both happen
        args = [rest[0], rest[1] + rest[2], rest[2]] if method == "reserve" else rest
        expected = getattr(sqlite, method)(key, *args)
        found = getattr(pg_store, method)(prefix + key, *args)
        assert repr(found) == repr(expected), (method, key, args)


@settings(max_examples=examples(30), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(min_value=0, max_value=5000), max_size=12), st.integers(min_value=0, max_value=20000))
def test_draws_conserve_the_budget(pg_store: Any, draws: list[int], capacity_fen: int) -> None:
    """NE-BUDGET-01 property: what was drawn plus what is left is the capacity, to the fen."""
    key, capacity = f"k{next(_EXAMPLE)}", Decimal(capacity_fen) / 100
    drawn = sum((pg_store.draw(key, Decimal(d) / 100, capacity) for d in draws), Decimal(0))
    assert drawn + pg_store.remaining(key, capacity) == capacity
    assert pg_store.remaining(key, capacity) >= 0


def test_compare_and_set_on_the_budgets_version(pg_store: Any) -> None:
    """The Spark driver's write of a budget's remaining amount: only over the version it read."""
    state = pg_store.budget("netease:cash:2026", Decimal("1000.00"))
    assert (state.remaining, state.version) == (Decimal("1000.00"), 0)
    assert pg_store.cas_remaining("netease:cash:2026", 0, Decimal("400.00"))
    assert not pg_store.cas_remaining("netease:cash:2026", 0, Decimal("1.00"))  # stale version: refused
    assert pg_store.draw("netease:cash:2026", Decimal("100.00"), Decimal("1000.00")) == Decimal("100.00")
    assert pg_store.budget("netease:cash:2026", Decimal("1000.00")) == (Decimal("300.00"), 2)
    assert not pg_store.cas_remaining("netease:cash:2026", 1, Decimal("0"))  # a draw raised the version
    with pytest.raises(ValueError, match="never below zero"):
        pg_store.cas_remaining("netease:cash:2026", 2, Decimal("-0.01"))
    assert not pg_store.cas_remaining("never-seen", 0, Decimal("1"))


def test_the_run_registry_publishes_a_run_once(pg_store: Any) -> None:
    assert pg_store.committed_runs() == []
    assert pg_store.begin_run("2026-10/a") and pg_store.begin_run("2026-10/a")  # a restarted driver
    assert pg_store.begin_run("2026-10/b")
    assert pg_store.committed_runs() == []  # readers see no running run
    assert pg_store.commit_run("2026-10/b") and not pg_store.commit_run("2026-10/b")
    with pg_store.transaction():  # published together with the budgets it wrote
        pg_store.cas_remaining("pot", pg_store.budget("pot", Decimal(10)).version, Decimal(4))
        assert pg_store.commit_run("2026-10/a")
    assert [run for run, _ in pg_store.committed_runs()] == ["2026-10/b", "2026-10/a"]
    assert not pg_store.begin_run("2026-10/a")  # committed: not written again
    with pytest.raises(LookupError):
        pg_store.commit_run("never-begun")
    with pytest.raises(RuntimeError, match="died"), pg_store.transaction():  # noqa: PT012 - the failing transaction
        pg_store.begin_run("2026-11/a")
        pg_store.commit_run("2026-11/a")
        raise RuntimeError("the driver died before its commit")
    assert [run for run, _ in pg_store.committed_runs()] == ["2026-10/b", "2026-10/a"]
