"""NE-BUDGET-01: program years from 12-25 and their cash budgets, drawn through ctx.store."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from creatorpay.core import Engine, MemoryStore
from creatorpay.plugins.netease.budget import program_year_start
from tests.helpers import examples
from tests.netease.netease_support import CASH, KEY_2026, lines, reasons, scenario, settle

FIRST = dt.date(2021, 12, 25)
FOOD = {"campaign": "3000.00", "leaderboard": "2000.00", "plays": "1500.00"}


def _store_with(left: Decimal, key: str = KEY_2026, capacity: Decimal = CASH) -> MemoryStore:
    """A shared store whose budget under ``key`` has only ``left`` remaining."""
    store = MemoryStore()
    store.draw(key, capacity - left, capacity)
    assert store.remaining(key, capacity) == left
    return store


def test_ne_budget_01_program_year_of_a_month() -> None:
    """NE-BUDGET-01: program years start on 12-25; a month belongs to the year holding its first day."""
    assert program_year_start(dt.date(2026, 10, 1), FIRST) == dt.date(2025, 12, 25)
    assert program_year_start(dt.date(2026, 1, 1), FIRST) == dt.date(2025, 12, 25)
    assert program_year_start(dt.date(2025, 12, 1), FIRST) == dt.date(2024, 12, 25)
    assert program_year_start(dt.date(2025, 12, 25), FIRST) == dt.date(2025, 12, 25)
    assert program_year_start(dt.date(2022, 1, 1), FIRST) == FIRST
    assert program_year_start(dt.date(2021, 12, 1), FIRST) is None


def test_ne_budget_01_fresh_store_is_full_and_draws_program_cash_and_top_up() -> None:
    """NE-BUDGET-01: a single settle starts from a full budget; the 10,000 paid is drawn from it."""
    store = MemoryStore()
    s = settle(scenario(FOOD), store)
    assert s.net == Decimal("10000.00")
    assert store.remaining(KEY_2026, CASH) == CASH - Decimal("10000.00")
    assert s.facts["program_year"].startswith("2025-12-25 to 2026-12-24")


def test_ne_budget_01_a_statement_does_not_depend_on_what_others_drew_while_enough_is_left() -> None:
    """NE-BUDGET-01: with enough left, a statement is the same whatever other statements drew before it
    (it states no figure of the shared budget's remaining amount): only a budget running short shows."""
    fresh = settle(scenario(FOOD), MemoryStore())
    drawn = _store_with(Decimal("1000000.00"))
    after = settle(scenario(FOOD), drawn)
    assert after.to_dict() == fresh.to_dict()
    assert "cash_budget_left" not in after.facts
    assert drawn.remaining(KEY_2026, CASH) == Decimal("990000.00")


def test_ne_budget_01_too_little_left_for_the_top_up_pays_what_is_left() -> None:
    """NE-BUDGET-01: 1,000.00 left, top-up needs 3,500.00: pays 1,000.00, says so, then nothing."""
    store = _store_with(Decimal("7500.00"))
    s = settle(scenario(FOOD), store)
    assert sum(lines(s, "NE-BASE-02"), Decimal(0)) == Decimal("6500.00")
    top = [x for x in s.lines if x.rule == "NE-BASE-01"]
    assert [x.value for x in top] == [Decimal("1000.00")]
    assert "had only 1,000.00 left" in top[0].note
    assert reasons(s, "NE-BUDGET-01") == [
        "cash budget of the program year from 2025-12-25 ran out: base-salary top-up paid 1,000.00 "
        "of 3,500.00, 2,500.00 short"
    ]
    assert s.net == Decimal("7500.00")
    assert store.remaining(KEY_2026, CASH) == Decimal("0.00")
    again = settle(scenario(FOOD), store)
    assert again.lines == ()
    assert len(reasons(again, "NE-BUDGET-01")) == 4  # campaign, leaderboard, plays, top-up unpaid
    assert all("is used up" in r for r in reasons(again, "NE-BUDGET-01"))


def test_ne_budget_01_program_cash_is_cut_in_order() -> None:
    """NE-BUDGET-01: program income draws too; the line the budget runs out on pays what is left."""
    s = settle(scenario(FOOD, quality=False), _store_with(Decimal("4000.00")))
    assert lines(s, "NE-BASE-02") == [Decimal("3000.00"), Decimal("1000.00")]
    assert s.net == Decimal("4000.00")
    assert any("plays of 1,500.00 unpaid" in r for r in reasons(s, "NE-BUDGET-01"))


def test_ne_budget_01_years_draw_from_their_own_budget() -> None:
    """NE-BUDGET-01: an empty 2025-12-25 budget does not touch the 2026-12-25 year's."""
    store = _store_with(Decimal("0.00"))
    assert settle(scenario(FOOD, period="2026-11"), store).net == Decimal("0.00")
    assert settle(scenario(FOOD, period="2027-01"), store).net == Decimal("10000.00")
    assert store.remaining("netease:cash:2026-12-25", CASH) == CASH - Decimal("10000.00")


def test_ne_budget_01_later_years_are_operator_settable() -> None:
    """NE-BUDGET-01: later years carry the first year's budget unless an operator sets another."""
    engine = Engine(rules={"netease": {"NE-BUDGET-01": {"later_cash": "4000.00"}}})
    later = engine.settle(scenario(FOOD, period="2026-10"), "netease")
    assert later.net == Decimal("4000.00")
    assert [x.label for x in later.lines if x.rule == "NE-BASE-01"] == []
    # NE-BASE-02 after the first program year is unverified (the program continued, no source says so).
    assert [x.label for x in later.lines if x.rule == "NE-BASE-02"] == ["unverified", "unverified"]
    first = engine.settle(scenario(FOOD, period="2022-10"), "netease")
    assert first.net == Decimal("10000.00")


@settings(max_examples=examples(40))
@given(st.decimals(min_value=0, max_value=12000, places=2), st.integers(min_value=1, max_value=4))
def test_ne_budget_01_never_pays_more_than_the_budget(left: Decimal, months: int) -> None:
    """NE-BUDGET-01: over several statements the budget pays min(need, left), conserving it to the fen."""
    store = _store_with(left)
    paid = sum((settle(scenario(FOOD), store).net for _ in range(months)), Decimal(0))
    assert paid == min(left, Decimal("10000.00") * months)
    assert store.remaining(KEY_2026, CASH) == left - paid


def test_ne_budget_01_month_before_the_first_program_year_pays_nothing() -> None:
    """NE-BUDGET-01: with the first year moved to 2023-12-25, 2022-10 has no budget; the store is untouched."""
    engine = Engine(rules={"netease": {"NE-BUDGET-01": {"first_year_start": "2023-12-25"}}})
    store = MemoryStore()
    early = engine.settle(scenario(FOOD, period="2022-10"), "netease", store=store)
    assert early.lines == ()
    assert "before the first program year" in reasons(early, "NE-BASE-01")[0]
    later = engine.settle(scenario(FOOD, period="2024-01"), "netease", store=store)
    assert later.net == Decimal("10000.00")
    assert store.remaining("netease:cash:2023-12-25", CASH) == CASH - Decimal("10000.00")
