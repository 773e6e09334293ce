"""NE-BASE-01: the base-salary top-up to the 10,000.00 floor, and every case without one."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from creatorpay.core import Kind
from tests.netease.netease_support import lines, reasons, scenario, settle

FLOOR = Decimal("10000.00")


def test_ne_base_01_tops_up_to_the_floor_as_its_own_line() -> None:
    """NE-BASE-01: programs 6,500 are topped up by 3,500 on a top-up line from netease."""
    s = settle(scenario({"campaign": "3000.00", "leaderboard": "2000.00", "plays": "1500.00"}))
    top = [x for x in s.lines if x.rule == "NE-BASE-01"]
    assert [(x.kind, x.payer, x.payee, x.value) for x in top] == [(Kind.TOP_UP, "netease", "me", Decimal("3500.00"))]
    assert s.net == FLOOR


def test_ne_base_01_floor_exactly_met_gives_no_top_up_and_says_so() -> None:
    """NE-BASE-01: income exactly at the floor: no top-up line, a reason on the statement."""
    s = settle(scenario({"campaign": "5000.00", "leaderboard": "2500.00", "plays": "2500.00"}))
    assert lines(s, "NE-BASE-01") == []
    assert reasons(s, "NE-BASE-01") == ["program income 10,000.00 already reaches the floor 10,000.00: no top-up"]
    assert s.net == FLOOR


def test_ne_base_01_floor_missed_by_one_fen_tops_up_one_fen() -> None:
    """NE-BASE-01: 9,999.99 of program income gets a top-up of 0.01."""
    s = settle(scenario({"campaign": "5000.00", "leaderboard": "2500.00", "plays": "2499.99"}))
    assert lines(s, "NE-BASE-01") == [Decimal("0.01")]
    assert s.net == FLOOR


def test_ne_base_01_above_the_floor_no_top_up() -> None:
    """NE-BASE-01: above the floor nothing is added and the statement says so."""
    s = settle(scenario({"campaign": "12000.50"}))
    assert lines(s, "NE-BASE-01") == []
    assert "program income 12,000.50 already reaches the floor" in reasons(s, "NE-BASE-01")[0]
    assert s.net == Decimal("12000.50")


def test_ne_base_01_not_quality_gets_no_top_up_with_reason() -> None:
    """NE-BASE-01: only a quality creator (优质创作家) is topped up; the reason is reported."""
    s = settle(scenario({"campaign": "3000.00"}, quality=False))
    assert lines(s, "NE-BASE-01") == []
    assert "not a quality creator" in reasons(s, "NE-BASE-01")[0]
    assert s.net == Decimal("3000.00")


def test_ne_base_01_quality_per_platform_value() -> None:
    """NE-BASE-01 reads the platform's view: [platform.netease] quality = true."""
    s = settle(scenario({"campaign": "3000.00"}, quality=False, platform={"netease": {"quality": True}}))
    assert lines(s, "NE-BASE-01") == [Decimal("7000.00")]


def test_ne_base_01_zero_income_tops_up_the_whole_floor() -> None:
    """NE-BASE-01: an empty [programs] table still tops a quality creator up to the floor."""
    s = settle(scenario({}))
    assert lines(s, "NE-BASE-01") == [FLOOR]


def test_ne_base_01_no_programs_section_no_top_up_with_reason() -> None:
    """NE-BASE-01: without [programs] the creator is in no program this month: nothing, with a reason."""
    s = settle(scenario(None))
    assert s.lines == ()
    assert "no [programs] section" in reasons(s, "NE-BASE-01")[0]


def test_ne_base_01_floor_is_a_rule_parameter() -> None:
    """NE-BASE-01: the floor comes from rules.toml, so an override file changes it."""
    from creatorpay.core import Engine

    engine = Engine(rules={"netease": {"NE-BASE-01": {"floor": "8000.00"}}})
    s = engine.settle(scenario({"campaign": "3000.00"}), "netease")
    top = [x for x in s.lines if x.rule == "NE-BASE-01"]
    assert [x.value for x in top] == [Decimal("5000.00")]
    assert top[0].label == "operator-set"


amounts = st.decimals(min_value=0, max_value=20000, places=2, allow_nan=False, allow_infinity=False)


@given(amounts, amounts, amounts)
def test_ne_base_01_quality_income_is_max_of_floor_and_programs(a: Decimal, b: Decimal, c: Decimal) -> None:
    """NE-BASE-01/02: a quality creator's net is max(floor, sum), the top-up max(0, floor − sum)."""
    s = settle(scenario({"campaign": str(a), "leaderboard": str(b), "plays": str(c)}))
    total = a + b + c
    assert s.net == max(FLOOR, total)
    assert sum(lines(s, "NE-BASE-01"), Decimal(0)) == max(Decimal(0), FLOOR - total)
