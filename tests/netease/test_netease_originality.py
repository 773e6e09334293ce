"""NE-ORIG-01: zero tolerance for non-original content."""

from __future__ import annotations

from decimal import Decimal

from tests.netease.netease_support import reasons, scenario, settle


def test_ne_orig_01_non_original_gets_no_program_income_and_no_top_up() -> None:
    """NE-ORIG-01: a non-original creator gets no lines at all, a violation and the reasons."""
    s = settle(scenario({"campaign": "3000.00", "plays_by_scene": {"news": "10.00"}}, original=False))
    assert s.lines == ()
    assert s.net == Decimal("0.00")
    assert [v.rule for v in s.violations] == ["NE-ORIG-01"]
    assert "non-original" in s.violations[0].message
    assert "NE-ORIG-01" in reasons(s, "NE-BASE-02")[0]
    assert "NE-ORIG-01" in reasons(s, "NE-BASE-01")[0]


def test_ne_orig_01_original_creator_has_no_violation() -> None:
    """NE-ORIG-01: an original creator is paid and has no violation."""
    s = settle(scenario({"campaign": "3000.00"}))
    assert s.violations == ()
    assert s.net == Decimal("10000.00")


def test_ne_orig_01_non_original_draws_nothing_from_the_budget() -> None:
    """NE-ORIG-01 with NE-BUDGET-01: withheld income takes nothing from the program budget."""
    from creatorpay.core import MemoryStore
    from tests.netease.netease_support import CASH, KEY_2026

    store = MemoryStore()
    settle(scenario({"campaign": "3000.00"}, original=False), store)
    assert store.remaining(KEY_2026, CASH) == CASH
