"""The stages one by one: rows checked by the batch path's checkers, idempotency by event id
(duplicates and conflicts naming the first sighting), units in unit order, the reconciliation, the
tables' schemas; and ``import creatorpay.core`` never imports pyarrow."""

from __future__ import annotations

import subprocess
import sys

from creatorpay.core.batch.ledger import Unit
from creatorpay.core.scale import stages, tables

PLATFORMS = frozenset(("netease", "wechat_channels", "xingtu"))


def _checked(*lines: str) -> stages.Checked:
    records = [(number, line.encode()) for number, line in enumerate(lines, start=2)]
    return stages.check_events(
        records, (), source="month.jsonl", text=False, month="2026-10", platforms=PLATFORMS, run=1
    )


def test_check_events_rejects_with_file_line_id_and_reason() -> None:
    """CORE-INPUT-01: a bad row is rejected with its line, id and every problem; the rest pass."""
    found = _checked(
        '{"id":"e1","platform":"netease","creator":"n1","date":"2026-10-03","kind":"programs","plays":"5.00"}',
        '{"id":"e2","platform":"netease","creator":"n1","date":"2026-11-03","kind":"programs","plays":"5.00"}',
        '{"id":"e3","platform":"nowhere","creator":"n1","date":"2026-10-03","kind":"programs"}',
        "not json",
    )
    assert found.read == 4
    assert [row[0] for row in found.rows] == ["e1"]
    assert [(r.file, r.line, r.id) for r in found.rejects] == [
        ("month.jsonl", 3, "e2"),
        ("month.jsonl", 4, "e3"),
        ("month.jsonl", 5, ""),
    ]
    assert "outside the period 2026-10" in found.rejects[0].reason
    assert "platform" in found.rejects[1].reason


def test_idempotency_duplicates_and_conflicts() -> None:
    """The same id with the same content is a duplicate; with other content a conflict, rejected
    naming the first sighting (a line of this file, or the statement that settled it)."""
    rows = _checked(
        '{"id":"e1","platform":"netease","creator":"n1","date":"2026-10-03","kind":"programs","plays":"5.00"}',
        '{"id":"e1","platform":"netease","creator":"n1","date":"2026-10-03","kind":"programs","plays":"5"}',
        '{"id":"e1","platform":"netease","creator":"n1","date":"2026-10-04","kind":"programs","plays":"5.00"}',
        '{"id":"old","platform":"netease","creator":"n1","date":"2026-10-04","kind":"programs","plays":"1.00"}',
    ).rows
    earlier = ("old", "netease", "n1", "2026-10", "2026-10-01", "programs", '{"plays":"2.00"}', 1, 9)
    known = {"old": stages.Sighting(stages.event_digest(earlier), "settled in statement 7", earlier)}
    found = stages.idempotency(rows, known, source="month.jsonl")
    assert [row[0] for row in found.new] == ["e1"]
    assert found.duplicates == 1  # 5 and 5.00 are one amount: the same content
    assert found.conflicts == 2
    assert [(r.line, r.id) for r in found.rejects] == [(4, "e1"), (5, "old")]
    assert "first seen with different content (line 2)" in found.rejects[0].reason
    assert '(settled in statement 7): {"creator":"n1","date":"2026-10-01"' in found.rejects[1].reason
    assert stages.event_digest(rows[0]) == stages.event_digest(rows[1])
    assert stages.event_digest(rows[0]) != stages.event_digest(rows[2])


def test_units_come_in_unit_order() -> None:
    """Units by (creator, platform, month), each unit's events by (date, id), as the batch path."""
    rows = [
        ("b", "xingtu", "c2", "2026-10", "2026-10-09", "tips", "{}", 1, 2),
        ("a", "netease", "c2", "2026-10", "2026-10-09", "tips", "{}", 1, 3),
        ("z", "xingtu", "c1", "2026-10", "2026-10-01", "tips", "{}", 1, 4),
        ("c", "xingtu", "c2", "2026-10", "2026-10-01", "tips", "{}", 1, 5),
    ]
    grouped = stages.units(rows)
    assert [unit for unit, _ in grouped] == [
        Unit("xingtu", "c1", "2026-10"),
        Unit("netease", "c2", "2026-10"),
        Unit("xingtu", "c2", "2026-10"),
    ]
    assert [row[0] for row in grouped[2][1]] == ["c", "b"]


def test_reconcile_cash_in_equals_cash_out_per_platform() -> None:
    """Cash in (lines paying the creator) = deductions (lines the creator pays) + nets, to the fen."""
    statement = ("2026-10", "netease", "n1", 1, "original", None, "ok", 900, 1, '["e1"]', "{}", "{}", 1, "d")
    lines = [
        ("2026-10", "netease", 1, 1, "NE-BASE-02", "income", None, "platform", "n1", None, None, 1000, 1000, "x", None),
        ("2026-10", "netease", 1, 2, "CN-TAX-01", "tax", None, "n1", "tax", None, None, 100, -100, "x", None),
    ]
    cash = stages.reconcile([statement], lines)["netease"]
    assert cash.balanced
    assert cash.to_dict()["cash_in"] == "10.00"  # fen
    assert cash.to_dict()["cash_out"] == "10.00"
    unbalanced = stages.reconcile([(*statement[:7], 901, *statement[8:])], lines)["netease"]
    assert not unbalanced.balanced


def test_every_table_has_an_arrow_schema() -> None:
    for name in tables.TABLES:
        schema = tables.schema(name)
        assert schema.names == list(tables.columns(name))
    assert {"events", "statements", "lines", "unit_slots"} == tables.PARTITIONED


def test_importing_the_core_does_not_import_pyarrow() -> None:
    code = "import sys, creatorpay.core, creatorpay.core.cli; assert 'pyarrow' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
    code = "import sys, creatorpay.core.scale.local; assert 'pyarrow' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
