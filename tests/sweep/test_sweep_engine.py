"""The sweep computation: results equal settling each value alone, exact grids, order amounts scaled by
largest remainder (CORE-MONEY-02), crossovers, cliffs and the rules responsible."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creatorpay.core import Engine, InputError, Kind, load_scenario
from creatorpay.core.checks import read_document
from creatorpay.core.scenario import Order, Participant
from creatorpay.core.statement import Statement, StatementBuilder
from creatorpay.core.sweep import (
    Point,
    cliffs,
    crossovers,
    field_forms,
    parse_vary,
    rule_changes,
    scale_agreed,
    scenario_at,
    sweep,
)
from tests.core.fakes import fake_platform, raising_orders
from tests.helpers import EXAMPLES, examples, scenario_dict

if TYPE_CHECKING:
    from pathlib import Path

FOOD = EXAMPLES / "food-vlogger.toml"


def _set(data: dict[str, Any], path: list[str | int], value: object) -> dict[str, Any]:
    """The scenario dict changed by hand, independently of the sweep's own path code."""
    changed = copy.deepcopy(data)
    node: Any = changed
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return changed


@pytest.mark.parametrize(
    ("vary", "path", "samples"),
    [
        ("tips.yuan=0:10000:50", ["tips", "yuan"], ["0.00", "4950.00", "5000.00", "7350.00", "10000.00"]),
        ("creator.followers=9000:11000:500", ["creator", "followers"], [9000, 10000, 10500]),
        ("programs.campaign=0:20000:500", ["programs", "campaign"], ["11500.00", "12000.00"]),
    ],
)
def test_results_equal_settling_each_value_alone(
    engine: Engine, vary: str, path: list[str | int], samples: list[str | int]
) -> None:
    result = sweep(engine, FOOD, parse_vary(vary))
    data = read_document(FOOD)
    by_value = {result.vary.raw(p.value): p for p in result.points}
    for sample in samples:
        alone = Engine().compare(load_scenario(_set(data, path, sample), source=str(FOOD)))
        assert [s.to_dict() for s in by_value[sample].statements] == [s.to_dict() for s in alone.results]


def test_order_amount_sweep_equals_settling_with_scaled_agreements(engine: Engine) -> None:
    """orders[0].amount scales me 12,000 / li 5,000 / wang 3,000 with it (XT-ORD-02 keeps adding up)."""
    result = sweep(engine, FOOD, parse_vary("orders[0].amount=10000:30000:5000"))
    data = read_document(FOOD)
    point = result.points[1]  # 15,000.00
    by_hand = _set(data, ["orders", 0, "amount"], "15000.00")
    for index, agreed in enumerate(("9000.00", "3750.00", "2250.00")):
        by_hand["orders"][0]["participants"][index]["agreed"] = agreed
    alone = Engine().compare(load_scenario(by_hand, source=str(FOOD)))
    assert [s.to_dict() for s in point.statements] == [s.to_dict() for s in alone.results]
    assert all(not s.violations for p in result.points for s in p.statements if s.platform == "xingtu")


def test_scenario_at_changes_a_copy_and_validates(engine: Engine) -> None:
    data = read_document(FOOD)
    before = copy.deepcopy(data)
    base = load_scenario(data)
    vary = parse_vary("merchant_live.sales=0:100:50")
    varied = scenario_at(data, vary, Decimal("50.00"), base)
    assert varied.merchant_live is not None and varied.merchant_live.sales == Decimal("50.00")
    assert data == before  # the parsed scenario is never changed; a missing table is created in the copy
    with pytest.raises(InputError, match=r"tax\.months_with_income = 0 makes the scenario invalid"):
        scenario_at(data, parse_vary("tax.months_with_income=0:3:1"), Decimal(0), base)


def test_decimal_steps_are_exact_and_stop_is_inclusive() -> None:
    assert [str(v) for v in parse_vary("tips.yuan=0:0.3:0.1").values] == ["0.00", "0.10", "0.20", "0.30"]
    assert len(parse_vary("tips.yuan=0.01:1000.00:0.01").values) == 100_000
    assert parse_vary("tips.yuan=0.01:1000.00:0.01").values[-1] == Decimal("1000.00")
    assert [int(v) for v in parse_vary("creator.followers=0:10:3").values] == [0, 3, 6, 9]  # 10 is off the grid
    assert [str(v) for v in parse_vary("mcn.share=0.1:0.3:0.1").values] == ["0.1000", "0.2000", "0.3000"]
    assert parse_vary("mcn.share=0:1:0.25").raw(Decimal("0.5")) == "0.5"
    assert parse_vary("orders[0].participants[2].agreed=1:2:1").path == ("orders", 0, "participants", 2, "agreed")
    assert "platform.NAME.tax.ytd_income" in field_forms() and "orders[N].amount" in field_forms()


agreements = st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=6).filter(any)


@settings(max_examples=examples(200))
@given(fen=agreements, new_fen=st.integers(min_value=0, max_value=10**11))
def test_scaled_agreements_conserve_the_new_amount_core_money_02(fen: list[int], new_fen: int) -> None:
    agreed = [Decimal(f) / 100 for f in fen]
    total = sum(agreed, Decimal(0))
    order = Order(
        "o",
        total,
        "published",
        participants=tuple(Participant(f"c{i}", "main" if i == 0 else "co_creator", a) for i, a in enumerate(agreed)),
    )
    amount = Decimal(new_fen) / 100
    parts = scale_agreed(order, amount)
    assert sum(parts, Decimal(0)) == amount  # conserved to the fen
    for part, old in zip(parts, agreed, strict=True):
        assert abs(part - old * amount / total) < Decimal("0.01")  # largest remainder: within a fen


@settings(max_examples=examples(40))
@given(new_fen=st.integers(min_value=0, max_value=10**9))
def test_order_amount_sweep_keeps_agreements_adding_up(new_fen: int) -> None:
    data = read_document(FOOD)
    base = load_scenario(data)
    amount = Decimal(new_fen) / 100
    vary = parse_vary(f"orders[0].amount={amount}:{amount}:1")
    order = scenario_at(data, vary, vary.values[0], base).orders[0]
    assert order.amount == amount and sum((p.agreed for p in order.participants), Decimal(0)) == amount


def test_agreements_that_do_not_add_up_keep_their_proportion() -> None:
    order = Order(
        "o",
        Decimal("100.00"),
        "published",
        participants=(Participant("me", "main", Decimal("60.00")), Participant("li", "co_creator", Decimal("30.00"))),
    )
    assert scale_agreed(order, Decimal("200.00")) == [Decimal("120.00"), Decimal("60.00")]


def _statement(platform: str, *lines: tuple[str, str]) -> Statement:
    builder = StatementBuilder(platform, platform, "me")
    for rule, value in lines:
        builder.line(rule, Kind.TIPS, payer=platform, payee="me", base=Decimal(value), rate=Decimal(1))
    return builder.build()


def _points(nets: dict[str, list[str]]) -> list[Point]:
    count = len(next(iter(nets.values())))
    return [
        Point(Decimal(i), tuple(_statement(name, ("R-1", values[i])) for name, values in nets.items()))
        for i in range(count)
    ]


def test_a_run_of_falls_is_one_cliff_and_ties_are_shared_best() -> None:
    points = _points({"a": ["10", "8", "6", "7", "5"], "b": ["1", "2", "6", "9", "9"]})
    found = cliffs(points, ["a", "b"])
    assert [(c.platform, c.previous, c.value, c.until, c.net_before, c.net_after) for c in found] == [
        ("a", 0, 1, 2, Decimal("10.00"), Decimal("6.00")),
        ("a", 3, 4, 4, Decimal("7.00"), Decimal("5.00")),
    ]
    assert [p.best for p in points] == [("a",), ("a",), ("a", "b"), ("b",), ("b",)]
    assert [(c.value, c.before, c.after) for c in crossovers(points)] == [
        (2, ("a",), ("a", "b")),
        (3, ("a", "b"), ("b",)),
    ]


def test_rule_changes_name_lines_that_appear_disappear_or_move() -> None:
    before = _statement("p", ("KEEP", "5"), ("GONE", "0"), ("MOVE", "10"))
    after = _statement("p", ("KEEP", "5"), ("MOVE", "12"), ("NEW", "3"))
    assert [(c.rule, c.how, str(c.change)) for c in rule_changes(before, after)] == [
        ("GONE", "disappeared", "0.00"),
        ("NEW", "appeared", "3.00"),
        ("MOVE", "changed", "2.00"),
    ]


def test_a_platform_that_fails_is_left_out_of_best_and_cliffs(tmp_path: Path) -> None:
    engine = Engine(
        plugins={
            "good": fake_platform(tmp_path, "good"),
            "bad": fake_platform(tmp_path, "bad", creatorpay_settle_orders=raising_orders),
        },
        entry_points=False,
    )
    data = scenario_dict(tips={"yuan": "100.00"})
    result = sweep(engine, data, parse_vary("tips.yuan=0:100:50"))
    assert all(p.best == ("good",) and p.net("bad") is None for p in result.points)
    assert result.cliffs == () and result.crossovers == ()
    doc = result.to_dict()
    assert doc["grid"][1]["net"] == {"bad": None, "good": "40.00"}  # FK-TIP-01: 80% from 2024
    assert len(doc["unsettled"]) == 3 and doc["unsettled"][0]["status"] == "error"
