"""Ledger semantics: an event id is its idempotency key; the same id with other content is a
conflict; a late event for a settled month makes an adjustment that references the original and
holds the difference; statements are never edited."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from creatorpay.core.batch.ledger import Ledger, Unit
from creatorpay.core.sqlite_store import SQLiteStore
from tests.ledger.ledger_support import creators, dump, programs, query, settle, tips, write_jsonl

CASH_2026 = Decimal("2000000000.00")


def test_settling_the_same_events_again_adds_nothing(tmp_path: Path) -> None:
    people = creators(tmp_path / "creators.jsonl")
    events = write_jsonl(
        tmp_path / "events.jsonl",
        [tips("e1", yuan="100.00"), tips("e2", "c2", beans_android=5000), programs("e3", plays="10.00")],
    )
    first, _ = settle(tmp_path, events, people)
    assert (first.settled, first.duplicates, first.statements) == (3, 0, 3)
    before = dump(tmp_path / "ledger.sqlite")
    again, rejects = settle(tmp_path, events, people)
    assert (again.rows_read, again.settled, again.duplicates, again.rejected, again.statements) == (3, 0, 3, 0, 0)
    assert rejects == [] and again.balanced
    assert dump(tmp_path / "ledger.sqlite") == before


def test_a_repeated_id_within_one_file_is_a_duplicate(tmp_path: Path) -> None:
    people = creators(tmp_path / "creators.jsonl")
    events = write_jsonl(tmp_path / "events.jsonl", [tips("e1", yuan="100"), tips("e1", yuan="100.00")])
    summary, rejects = settle(tmp_path, events, people)
    assert (summary.settled, summary.duplicates, summary.rejected) == (1, 1, 0)  # "100" is "100.00"
    assert rejects == []


def test_the_same_id_with_different_content_is_rejected_and_reported(tmp_path: Path) -> None:
    people = creators(tmp_path / "creators.jsonl")
    events = write_jsonl(
        tmp_path / "events.jsonl", [tips("e1", yuan="100.00"), tips("e2", yuan="5.00"), tips("e1", yuan="200.00")]
    )
    summary, rejects = settle(tmp_path, events, people)
    assert (summary.settled, summary.rejected, summary.conflicts) == (2, 1, 1)
    assert rejects[0][1:3] == ["3", "e1"] and "conflicting duplicate" in rejects[0][3]
    assert "line 1" in rejects[0][3] and '"yuan":"100.00"' in rejects[0][3]
    later = write_jsonl(tmp_path / "later.jsonl", [tips("e1", "c2", yuan="100.00")])
    summary, rejects = settle(tmp_path, later, people)
    assert summary.conflicts == 1 and "settled in statement 1" in rejects[0][3]
    db = tmp_path / "ledger.sqlite"
    assert [row[0] for row in query(db, "SELECT id FROM conflicts ORDER BY id")] == ["e1", "e1"]
    kept = query(db, "SELECT value FROM lines WHERE rule = 'WC-TIP-01' ORDER BY statement, seq")
    assert kept == [(10500,)]  # the first content stands: the month sums 100.00 + 5.00


def test_a_late_event_makes_an_adjustment_holding_the_difference(tmp_path: Path) -> None:
    """WC-TIP-03 (cliff): 3,000.00 of tips is commission-free; a late 2,500.00 takes the month to
    5,500.00, so WC-TIP-02's 30% applies to all of it. The adjustment references the original and
    holds only the changes: +2,500.00 tips and -1,650.00 commission."""
    people = creators(tmp_path / "creators.jsonl")
    settle(tmp_path, write_jsonl(tmp_path / "a.jsonl", [tips("e1", yuan="3000.00")]), people)
    late, _ = settle(
        tmp_path,
        write_jsonl(tmp_path / "b.jsonl", [tips("e1", yuan="3000.00"), tips("e2", yuan="2500.00", date="2026-10-30")]),
        people,
    )
    assert (late.settled, late.duplicates, late.adjustments) == (1, 1, 1)
    with SQLiteStore(tmp_path / "ledger.sqlite") as store:
        original, adjustment = Ledger(store).statements(Unit("wechat_channels", "c1", "2026-10"))
        totals = list(Ledger(store).totals(month="2026-10"))
    assert original["type"] == "original" and original["net"] == "3000.00" and original["events"] == ["e1"]
    assert adjustment["type"] == "adjustment" and adjustment["adjusts"] == original["id"]
    assert adjustment["events"] == ["e2"] and adjustment["recomputed_net"] == "3850.00"
    assert {(line["rule"], line["amount"]) for line in adjustment["lines"]} == {
        ("WC-TIP-01", "2500.00"),
        ("WC-TIP-02", "-1650.00"),
    }
    assert adjustment["net"] == "850.00"
    assert totals == [
        {
            "platform": "wechat_channels",
            "creator": "c1",
            "month": "2026-10",
            "statements": 2,
            "adjustments": 1,
            "events": 2,
            "income": "5500.00",
            "fees": "-1650.00",
            "transfers": "0.00",
            "compensation": "0.00",
            "incentives": "0.00",
            "mcn": "0.00",
            "tax": "0.00",
            "net": "3850.00",
        }
    ]


def test_a_late_event_does_not_draw_the_budget_twice(tmp_path: Path) -> None:
    """NE-BUDGET-01 with NE-BASE-01: a quality creator's month is topped up to 10,000.00. A late
    play-revenue event moves 50.00 from the top-up to program income; the budget pays the month
    once (its earlier draws are refunded before the month is drawn again)."""
    people = creators(tmp_path / "creators.jsonl")
    settle(tmp_path, write_jsonl(tmp_path / "a.jsonl", [programs("e1", plays="100.00")]), people)
    settle(tmp_path, write_jsonl(tmp_path / "b.jsonl", [programs("e2", plays="50.00")]), people)
    db = tmp_path / "ledger.sqlite"
    left = query(db, "SELECT remaining FROM budgets WHERE key = 'netease:cash:2025-12-25'")
    assert Decimal(left[0][0]) == CASH_2026 - Decimal("10000.00")
    with SQLiteStore(db) as store:
        _, adjustment = Ledger(store).statements(Unit("netease", "n1", "2026-10"))
    assert {(line["rule"], line["amount"]) for line in adjustment["lines"]} == {
        ("NE-BASE-02", "50.00"),
        ("NE-BASE-01", "-50.00"),
    }
    assert adjustment["net"] == "0.00"


def test_a_later_order_event_gives_the_order_its_state(tmp_path: Path) -> None:
    """CORE-ORD-02 through events: an order pending at video_produced pays nothing; a later event for
    the same order id at published makes an adjustment that pays it (XT-ORD-02, XT-FEE-01)."""
    people = creators(tmp_path / "creators.jsonl")
    order = {"platform": "xingtu", "creator": "c1", "kind": "order", "order_id": "o1", "amount": "1000.00"}
    settle(
        tmp_path,
        write_jsonl(tmp_path / "a.jsonl", [{"id": "e1", "date": "2026-10-02", "stage": "video_produced", **order}]),
        people,
    )
    settle(
        tmp_path,
        write_jsonl(tmp_path / "b.jsonl", [{"id": "e2", "date": "2026-10-20", "stage": "published", **order}]),
        people,
    )
    with SQLiteStore(tmp_path / "ledger.sqlite") as store:
        original, adjustment = Ledger(store).statements(Unit("xingtu", "c1", "2026-10"))
    assert original["net"] == "0.00" and original["pending"][0]["order"] == "o1"
    assert adjustment["net"] == "950.00"  # 1,000.00 paid less the 5% service fee


def test_statements_and_settled_events_are_never_edited(tmp_path: Path) -> None:
    people = creators(tmp_path / "creators.jsonl")
    settle(tmp_path, write_jsonl(tmp_path / "a.jsonl", [tips("e1", yuan="10.00")]), people)
    conn = sqlite3.connect(tmp_path / "ledger.sqlite")
    for sql in (
        "UPDATE statements SET net = 0",
        "DELETE FROM lines",
        "UPDATE lines SET amount = 0",
        "DELETE FROM statements",
        "UPDATE events SET body = '{}'",
        "DELETE FROM events",
        "DELETE FROM settled",
    ):
        with pytest.raises(sqlite3.DatabaseError, match="never"):
            conn.execute(sql)
    conn.close()
