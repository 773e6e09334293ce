"""The engine and the statement: CORE-ORD-*, CORE-INCOME-01, CORE-MCN-01, CORE-TRAFFIC-01, JSON shape."""

from __future__ import annotations

import json
import threading
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from creatorpay.core import Engine, Kind, load_scenario
from creatorpay.core.statement import TOTALS, StatementBuilder
from tests.core.fakes import fake_platform, paying_orders, traffic_and_transfers
from tests.helpers import scenario_dict

if TYPE_CHECKING:
    from pathlib import Path

ORDERS = [
    {"id": "pub", "amount": "100.00", "stage": "published"},
    {"id": "neg", "amount": "100.00", "stage": "negotiating"},
    {"id": "vid", "amount": "100.00", "stage": "video_produced"},
    {"id": "old", "amount": "100.00", "stage": "settled"},
    {"id": "end", "amount": "100.00", "stage": "script_confirmed", "termination": {"by": "client"}},
]


def engine(tmp_path: Path, **hooks: Any) -> Engine:
    plugin = fake_platform(tmp_path, "fake", **hooks)
    return Engine(plugins={"fake": plugin}, entry_points=False)


def test_orders_pay_when_published_else_pending_core_ord_01_02(tmp_path: Path) -> None:
    """CORE-ORD-01: a terminated order reaches the platform with its stage and party; CORE-ORD-02: an
    order neither published nor terminated is pending, a settled one was paid earlier."""
    e = engine(tmp_path, creatorpay_settle_orders=paying_orders)
    s = e.settle(load_scenario(scenario_dict(orders=ORDERS)), "fake")
    assert [(x.order, x.value) for x in s.lines] == [("pub", Decimal("100.00")), ("end", Decimal("10.00"))]
    ended = load_scenario(scenario_dict(orders=ORDERS)).orders[-1]
    assert ended.termination is not None and (ended.termination.by, ended.stage) == ("client", "script_confirmed")
    assert [(p.order, p.reason) for p in s.pending] == [
        ("neg", "at stage negotiating: nothing is paid until published (CORE-ORD-02)"),
        ("vid", "at stage video_produced: nothing is paid until published (CORE-ORD-02)"),
    ]
    # a settled order is no pending order (revision 2): the statement's facts say it was paid before
    assert s.facts["order old"] == "settled: paid in an earlier month, nothing is paid now (CORE-ORD-02)"


def test_own_platform_income_and_mcn_share_core_income_01_core_mcn_01(tmp_path: Path) -> None:
    e = engine(tmp_path, creatorpay_settle_orders=paying_orders, creatorpay_settle_incentives=traffic_and_transfers)
    data = scenario_dict(orders=ORDERS[:1], mcn={"name": "Sunrise MCN", "share": "0.20"})
    s = e.settle(load_scenario(data), "fake")
    # income 100 paid by the platform, less 30 passed on to li; li's 20 of compensation is not
    # platform income, and zhao -> li is between others (amount 0).
    mcn = [x for x in s.lines if x.rule == "CORE-MCN-01"]
    assert len(mcn) == 1 and mcn[0].base == Decimal("70.00") and mcn[0].value == Decimal("14.00")
    assert (mcn[0].payer, mcn[0].payee, mcn[0].kind) == ("me", "Sunrise MCN", Kind.MCN_SHARE)
    assert [x.amount for x in s.lines if x.payer == "zhao"] == [Decimal("0.00")]
    assert s.net == Decimal("100.00") - 30 + 20 - 14
    assert sum(s.totals.values()) == s.net


def test_no_mcn_line_without_income_core_mcn_01(tmp_path: Path) -> None:
    s = engine(tmp_path).settle(load_scenario(scenario_dict(mcn={"name": "M", "share": "0.5"})), "fake")
    assert s.lines == ()


def test_traffic_is_never_cash_core_traffic_01(tmp_path: Path) -> None:
    e = engine(tmp_path, creatorpay_settle_incentives=traffic_and_transfers)
    report = e.compare(load_scenario(scenario_dict()))
    s = report.result("fake")
    assert s.impressions == 1000
    assert s.net == Decimal("-10.00")  # only the cash lines: -30 + 20
    plain = report.to_dict()["results"][0]
    assert plain["traffic"] == {"impressions": 1000, "matched_users": 0} and "traffic_cny" not in plain
    assert report.to_dict(cpm=Decimal("12.5"))["results"][0]["traffic_cny"] == "12.50"


def test_json_document_follows_output_md(tmp_path: Path) -> None:
    e = engine(tmp_path, creatorpay_settle_orders=paying_orders)
    report = e.compare(load_scenario(scenario_dict(orders=ORDERS, name="T", tips={"yuan": "1.00"}), source="t.toml"))
    doc = json.loads(report.to_json())
    assert doc["schema"] == 1 and doc["currency"] == "CNY" and doc["period"] == "2026-10"
    assert doc["scenario"] == {"name": "T", "source": "t.toml", "creator": "me"}
    result = doc["results"][0]
    assert list(result)[:10] == [
        "platform",
        "title",
        "status",
        "error",
        "net",
        "totals",
        "traffic",
        "lines",
        "violations",
        "not_applied",
    ]
    assert set(result["totals"]) == set(TOTALS)
    line = result["lines"][0]
    assert set(line) == {"rule", "kind", "order", "payer", "payee", "base", "rate", "value", "amount", "label", "note"}
    assert sum(Decimal(x["amount"]) for x in result["lines"]) == Decimal(result["net"])
    assert all(len(x["amount"].split(".")[1]) == 2 for x in result["lines"])


def test_not_offered_activities_are_reported(tmp_path: Path) -> None:
    s = engine(tmp_path).settle(load_scenario(scenario_dict(orders=ORDERS[:1], programs={})), "fake")
    assert [(n.activity, n.reason) for n in s.not_offered] == [
        ("orders", "fake has no orders"),
        ("programs", "Fake does not offer programs"),
    ]


def test_same_input_same_output_across_threads(tmp_path: Path) -> None:
    e = engine(tmp_path, creatorpay_settle_orders=paying_orders)
    scenario = load_scenario(scenario_dict(orders=ORDERS, tips={"yuan": "3.33"}))
    expected = e.compare(scenario).to_dict()
    results: list[dict[str, Any]] = []

    def work() -> None:
        for _ in range(50):
            results.append(e.compare(scenario).to_dict())

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 200 and all(r == expected for r in results)


def test_builder_signs_amounts_from_the_creators_view() -> None:
    b = StatementBuilder("p", "P", "me")
    assert b.line(
        "R-X-01", Kind.TIPS, payer="p", payee="me", base=Decimal("10.005"), rate=Decimal(1)
    ).amount == Decimal("10.01")  # rounded once, half-up (CORE-MONEY-01)
    assert b.line("R-X-01", Kind.FEE, payer="me", payee="p", base=Decimal(10), rate=Decimal("0.05")).amount == Decimal(
        "-0.50"
    )
    assert b.line("R-X-01", Kind.TRANSFER, payer="a", payee="b", base=Decimal(1), rate=Decimal(1)).amount == 0
    with pytest.raises(ValueError, match="never negative"):
        b.line("R-X-01", Kind.FEE, payer="me", payee="p", base=Decimal(-1), rate=Decimal(1))
    with pytest.raises(ValueError, match="unknown label"):
        b.line("R-X-01", Kind.FEE, payer="me", payee="p", base=Decimal(1), rate=Decimal(1), label="guess")
