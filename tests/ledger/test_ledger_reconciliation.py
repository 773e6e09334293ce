"""The run's reconciliation (docs/batch.md, Reconciliation), kept while the run writes. Rows: no
event of the run is left unsettled; the run counts its settled events while writing and asks the
ledger (a scan of the events) only when another process wrote meanwhile or its own count finds some
left. Cash: read back in SQL from each piece of statements written, it is the run's whole."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest

from creatorpay.core.batch import Batch
from creatorpay.core.batch.ledger import Ledger, StatementRows, from_fen
from creatorpay.core.batch.run import Summary
from creatorpay.core.money import fmt
from creatorpay.core.scenario import Period
from creatorpay.core.sqlite_store import SQLiteStore
from tests.ledger.ledger_support import BENCH, creators, programs, query, settle, tips, write_jsonl

sys.path.insert(0, str(BENCH))
from generate_month import generate


class _Scans:
    """Counts the ledger's scans for unsettled events, and gives their answer."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        scan = Ledger.unsettled

        def counted(ledger: Ledger, run: int) -> int:
            self.calls += 1
            return scan(ledger, run)

        monkeypatch.setattr(Ledger, "unsettled", counted)


def _unsettled_in_ledger(db: Path) -> list[tuple[int, int]]:
    """Per run: how many of its events have no settlement record."""
    return query(
        db,
        "SELECT r.id, (SELECT count(*) FROM events e WHERE e.run = r.id "
        "AND NOT EXISTS (SELECT 1 FROM settled s WHERE s.event = e.id)) FROM runs r ORDER BY r.id",
    )


def test_the_run_counts_its_settled_events_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no other writer the count is the run's own, and it is the ledger's: across runs with
    events staged by an interrupted run (adopted, and carried over), duplicates, a conflict, a unit
    rejected for a missing profile, and late events settled as adjustments (WC-TIP-01, NE-BASE-01)."""
    people = creators(tmp_path / "creators.jsonl")
    db = tmp_path / "ledger.sqlite"
    first = write_jsonl(
        tmp_path / "first.jsonl",
        [tips("a1", beans_android=3000), programs("a2", plays="10.00"), tips("a3", "c2", yuan="12.00")],
    )

    def crash(batch: Batch, summary: object) -> None:
        raise RuntimeError("killed")  # killed after staging: its events stay staged, unsettled

    with monkeypatch.context() as patched:
        patched.setattr(Batch, "_settle", crash)
        with pytest.raises(RuntimeError, match="killed"):
            settle(tmp_path, first, people)
    scans = _Scans(monkeypatch)
    second = write_jsonl(
        tmp_path / "second.jsonl",
        [
            tips("a1", beans_android=3000),  # adopted: staged by the interrupted run
            tips("b1", beans_android=500),
            tips("b1", beans_android=500),  # a duplicate
            tips("a3", "c2", yuan="13.00"),  # a conflict with the staged a3
            tips("b2", "nobody", yuan="5.00"),  # no profile: its unit is rejected
            programs("b3", "n1", plays="3.00"),
        ],
    )
    summary, rejects = settle(tmp_path, second, people)
    assert summary.carried_over == 2  # a2 and a3, staged by the interrupted run, not read again
    assert (summary.duplicates, summary.conflicts, summary.units_rejected) == (1, 1, 1)
    assert len(rejects) == 2
    third = write_jsonl(tmp_path / "third.jsonl", [tips("c1", yuan="1.00"), programs("c2", plays="2.00")])
    late, _ = settle(tmp_path, third, people)
    assert late.adjustments == 2
    assert scans.calls == 0
    assert summary.unsettled == late.unsettled == 0 and summary.balanced and late.balanced
    assert [left for _, left in _unsettled_in_ledger(tmp_path / "ledger.sqlite")] == [0, 0, 0]
    assert db.exists()


def test_a_second_writer_is_still_detected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process commits while the run settles: the run asks the ledger, and an event of the
    run that it left unsettled is counted (the reconciliation fails); a commit that leaves none
    unsettled is asked about too, and the count holds."""
    people = creators(tmp_path / "creators.jsonl")
    events = write_jsonl(tmp_path / "events.jsonl", [tips("e1", beans_android=3000), tips("e2", "c2", yuan="9.00")])
    scans = _Scans(monkeypatch)

    class Meddler:
        """Progress that, once the pending events are read, commits from another connection."""

        def __init__(self, db: Path, sql: str) -> None:
            self.db, self.sql = db, sql

        def start(self, phase: str, total: int) -> None:
            if phase == "settling":
                other = sqlite3.connect(self.db, isolation_level=None)
                run = other.execute("SELECT max(id) FROM runs").fetchone()[0]
                other.execute(self.sql, {"run": run})
                other.close()

        def update(self, done: int) -> None:
            pass

    staged_late = (
        "INSERT INTO events(id, platform, creator, month, date, kind, body, run, line) "
        "VALUES ('x1', 'wechat_channels', 'c1', '2026-10', '2026-10-09', 'tips', '{\"yuan\":\"1.00\"}', :run, 99)"
    )
    harmless = "INSERT INTO creators(id, profile, run, line) VALUES ('z9', '{}', :run, 99)"
    found = []
    for name, sql in (("meddled.sqlite", staged_late), ("touched.sqlite", harmless)):
        db = tmp_path / name
        with SQLiteStore(db) as store:
            found.append(Batch(store, period=Period.parse("2026-10"), progress=Meddler(db, sql)).run(events, people))
    meddled, touched = found
    assert scans.calls == 2
    assert meddled.unsettled == 1 and not meddled.counts_balance
    assert touched.unsettled == 0 and touched.counts_balance and touched.statements == 2


def _cash_of_run(db: Path, run: int) -> dict[str, dict[str, Any]]:
    """The run's cash per platform summed over all its statements at once, in SQL."""
    found: dict[str, dict[str, Any]] = {}
    for platform, count, adjustments, paid, credits, debits, lines_net in query(
        db,
        "SELECT s.platform, count(DISTINCT s.id), (SELECT count(*) FROM statements a WHERE a.run = s.run "
        "AND a.platform = s.platform AND a.type = 'adjustment'), (SELECT sum(net) FROM statements a "
        "WHERE a.run = s.run AND a.platform = s.platform), "
        "COALESCE(SUM(CASE WHEN l.payee = s.creator THEN l.value END), 0), "
        "COALESCE(SUM(CASE WHEN l.payer = s.creator THEN l.value END), 0), COALESCE(SUM(l.amount), 0) "
        "FROM statements s LEFT JOIN lines l ON l.statement = s.id WHERE s.run = ? GROUP BY s.platform "
        "ORDER BY s.platform",
        run,
    ):
        found[platform] = {
            "statements": count,
            "adjustments": adjustments,
            "cash_in": fmt(from_fen(credits)),
            "deductions": fmt(from_fen(debits)),
            "paid_out": fmt(from_fen(paid)),
            "cash_out": fmt(from_fen(debits + paid)),
            "balanced": credits == debits + paid and lines_net == paid,
        }
    return found


def _run(db: Path, events: Path, people: Path, **options: Any) -> Summary:
    with SQLiteStore(db) as store:
        return Batch(store, **options).run(events, people)


def test_the_cash_read_back_piece_by_piece_is_the_whole_run(tmp_path: Path) -> None:
    """Many pieces and transactions (a piece of 1 to 40 units), two runs, the second bringing late
    events (adjustments): per platform, the run's cash is the sum over all its statements read at
    its end, to the fen, and balances (cash in = deductions + paid out)."""
    events, people = generate(tmp_path / "month", events=2500, creators=250, seed=7, malformed=3, duplicates=3)
    late, _ = generate(tmp_path / "late", events=600, creators=250, seed=8)
    late = write_jsonl(
        tmp_path / "late.jsonl",
        [line.replace('"id":"e', '"id":"late-e', 1) for line in late.read_text().splitlines()],
    )
    db = tmp_path / "ledger.sqlite"
    for chunk, source in ((40, events), (1, late)):
        summary = _run(db, source, people, settle_chunk=chunk, workers=0)
        assert summary.cash == _cash_of_run(db, summary.run)
        assert summary.balanced and len(summary.cash) == 3
    assert summary.adjustments > 0


def test_a_statement_stored_without_a_line_fails_the_cash_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sums are of what is stored: a statement written without its last line leaves its platform
    unbalanced (its net disagrees with its lines)."""
    people = creators(tmp_path / "creators.jsonl")
    events = write_jsonl(tmp_path / "events.jsonl", [tips("e1", beans_android=30000), programs("e2", plays="10.00")])
    write = Ledger.write

    def lossy(ledger: Ledger, entries: list[StatementRows], run: int) -> int:
        return write(
            ledger, [e._replace(lines=e.lines[:-1]) if e.unit.platform == "netease" else e for e in entries], run
        )

    monkeypatch.setattr(Ledger, "write", lossy)
    summary = _run(tmp_path / "ledger.sqlite", events, people)
    assert not summary.cash["netease"]["balanced"] and summary.cash["wechat_channels"]["balanced"]
    assert not summary.balanced
