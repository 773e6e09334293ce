"""NetEase after its first program year: NE-BASE-01, NE-BASE-02 and NE-BUDGET-01 continue from 2022-12-25
as a second version with the same figures labelled unverified (the source announces 未来一年 only)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from creatorpay.core.cli.explain import explained
from tests.netease.netease_support import scenario, settle

if TYPE_CHECKING:
    from creatorpay.core import Engine

FOOD = {"campaign": "3000.00", "leaderboard": "2000.00", "plays": "1500.00"}


def test_ne_first_program_year_keeps_its_labels() -> None:
    """NE-BASE-01/02 in 2022-12 (first program year): interpretation, nothing flagged."""
    s = settle(scenario(FOOD, period="2022-12"))
    assert s.net == Decimal("10000.00")
    assert {x.label for x in s.lines} == {"interpretation"}


def test_ne_later_years_same_figures_labelled_unverified() -> None:
    """NE-BASE-01, NE-BASE-02, NE-BUDGET-01 from 2023-01: the same figures (top-up to 10,000), every line
    unverified; the rules' versions in force say so."""
    s = settle(scenario(FOOD, period="2023-01"))
    assert s.net == Decimal("10000.00")
    assert [x.rule for x in s.lines] == ["NE-BASE-02", "NE-BASE-02", "NE-BASE-02", "NE-BASE-01"]
    assert {x.label for x in s.lines} == {"unverified"}
    assert "2022-12-25 to 2023-12-24" in s.facts["program_year"]


def test_ne_later_years_flagged_by_explain(engine: Engine) -> None:
    """explain flags every line NE-BASE-01/02 produce after the first program year, not before."""
    later = explained(engine, settle(scenario(FOOD, period="2026-10")))["lines"]
    assert isinstance(later, list) and later and all(line["flagged"] for line in later)
    first = explained(engine, settle(scenario(FOOD, period="2022-06")))["lines"]
    assert isinstance(first, list) and first and not any(line["flagged"] for line in first)


def test_ne_later_years_scene_lines_carry_the_program_label() -> None:
    """NE-DIST-01 play lines are NE-BASE-02 income: unverified after the first program year."""
    s = settle(scenario({"plays_by_scene": {"news": "800.00"}}, period="2024-03", quality=False))
    assert [(x.rule, x.label) for x in s.lines] == [("NE-DIST-01", "unverified")]


def test_ne_operator_set_figures_replace_the_unverified_ones() -> None:
    """NE-BASE-01: a floor an operator sets in a later year is operator-set, no longer unverified."""
    from creatorpay.core import Engine

    engine = Engine(rules={"netease": {"NE-BASE-01": {"floor": "8000.00"}}})
    s = engine.settle(scenario({"campaign": "3000.00"}, period="2024-03"), "netease")
    assert [(x.rule, x.label) for x in s.lines] == [("NE-BASE-02", "unverified"), ("NE-BASE-01", "operator-set")]
