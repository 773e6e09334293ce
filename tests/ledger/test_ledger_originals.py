"""A unit's original statement is looked up only where one can exist (docs/batch.md, Adjustments):
a month with no statement when the run read its pending events has none while no other process
writes; a month settled before is asked unit by unit, and its late events still settle as
adjustments (WC-TIP-01, NE-BASE-01)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from creatorpay.core.batch import Batch
from creatorpay.core.batch.ledger import Ledger, Unit
from creatorpay.core.scenario import Period
from creatorpay.core.sqlite_store import SQLiteStore
from tests.ledger.ledger_support import creators, programs, tips, write_jsonl


def _asked(monkeypatch: pytest.MonkeyPatch) -> list[Unit]:
    """Every unit :meth:`Ledger.originals` is asked about."""
    asked: list[Unit] = []
    look = Ledger.originals

    def spy(ledger: Ledger, units: list[Unit]) -> dict[Unit, tuple[int, str]]:
        asked.extend(units)
        return look(ledger, units)

    monkeypatch.setattr(Ledger, "originals", spy)
    return asked


def test_a_new_month_asks_for_no_originals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    people = creators(tmp_path / "creators.jsonl")
    db = tmp_path / "ledger.sqlite"
    october = write_jsonl(tmp_path / "oct.jsonl", [tips("a1", beans_android=3000), programs("a2", plays="10.00")])
    november = write_jsonl(
        tmp_path / "nov.jsonl",
        [
            tips("b1", beans_android=500, date="2026-11-03"),
            tips("a3", yuan="2.00"),  # a late event of October
            programs("b2", plays="3.00", date="2026-11-04"),
        ],
    )
    with SQLiteStore(db) as store:
        asked = _asked(monkeypatch)
        first = Batch(store).run(october, people)
        assert first.statements == 2 and asked == []
        second = Batch(store).run(november, people)
    assert second.statements == 3 and second.adjustments == 1 and second.balanced
    assert asked == [Unit("wechat_channels", "c1", "2026-10")]  # only the month settled before


def test_another_writer_makes_every_unit_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once another process has committed, the run asks for every unit's original again."""
    people = creators(tmp_path / "creators.jsonl")
    events = write_jsonl(tmp_path / "events.jsonl", [tips("e1", beans_android=3000), tips("e2", "c2", yuan="9.00")])
    db = tmp_path / "ledger.sqlite"

    class Meddler:
        def start(self, phase: str, total: int) -> None:
            if phase == "settling":
                other = sqlite3.connect(db, isolation_level=None)
                other.execute("INSERT INTO creators(id, profile, run, line) VALUES ('z9', '{}', 1, 99)")
                other.close()

        def update(self, done: int) -> None:
            pass

    with SQLiteStore(db) as store:
        asked = _asked(monkeypatch)
        summary = Batch(store, period=Period.parse("2026-10"), progress=Meddler()).run(events, people)
    assert summary.statements == 2 and summary.balanced
    assert sorted(asked) == [Unit("wechat_channels", "c1", "2026-10"), Unit("wechat_channels", "c2", "2026-10")]
