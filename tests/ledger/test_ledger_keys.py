"""Foreign keys while a run settles (docs/batch.md, Ledger semantics): SQLite checks them only
once another process has committed since the run read its pending events; until then each row
references rows that exist by construction, and the run leaves the check off (its look-up of each
settlement record's event was a twelfth of the main process's time). An event another writer
deletes meanwhile is never recorded as settled."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from creatorpay.core.batch import Batch
from creatorpay.core.scenario import Period
from creatorpay.core.sqlite_store import SQLiteStore
from tests.ledger.ledger_support import creators, programs, query, tips, write_jsonl


class _Keys:
    """Progress that notes, at each piece written, whether the run's connection checks foreign keys
    (read inside the settling transaction, on the run's own connection)."""

    def __init__(self, store: SQLiteStore) -> None:
        self.store = store
        self.seen: list[int] = []
        self.phase = ""

    def start(self, phase: str, total: int) -> None:
        self.phase = phase

    def update(self, done: int) -> None:
        if self.phase == "settling":
            self.seen.append(self.store.connection.execute("PRAGMA foreign_keys").fetchone()[0])


def _month(tmp_path: Path) -> tuple[Path, Path]:
    people = creators(tmp_path / "creators.jsonl")
    events = write_jsonl(
        tmp_path / "events.jsonl",
        [tips("e1", beans_android=3000), tips("e2", "c2", yuan="9.00"), programs("e3", plays="10.00")],
    )
    return events, people


def test_keys_are_left_to_construction_while_no_one_else_writes(tmp_path: Path) -> None:
    """With no other writer the settling transactions run without SQLite's foreign-key look-ups,
    the connection checks them again after the run, and the ledger holds every reference
    (``PRAGMA foreign_key_check`` finds nothing; WC-TIP-01, NE-BASE-01)."""
    events, people = _month(tmp_path)
    db = tmp_path / "ledger.sqlite"
    with SQLiteStore(db) as store:
        keys = _Keys(store)
        summary = Batch(store, period=Period.parse("2026-10"), progress=keys, settle_chunk=1).run(events, people)
        assert store.connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert summary.statements == 3 and summary.balanced
    assert keys.seen and set(keys.seen) == {0}
    assert query(db, "PRAGMA foreign_key_check") == []


def _deleting(db: Path, ident: str) -> None:
    """Another process deletes a staged, unsettled event of the run."""
    other = sqlite3.connect(db, isolation_level=None)
    try:
        other.execute("DELETE FROM events WHERE id = ?", (ident,))
    finally:
        other.close()


def test_an_event_another_writer_deletes_is_never_recorded_settled(tmp_path: Path) -> None:
    """Another process deletes one of the run's pending events once they are read: the run checks
    foreign keys from then on, its settlement record for the event is refused and the run fails,
    writing nothing of that transaction."""
    events, people = _month(tmp_path)
    db = tmp_path / "ledger.sqlite"

    class Meddler:
        def start(self, phase: str, total: int) -> None:
            if phase == "settling":
                _deleting(db, "e2")

        def update(self, done: int) -> None:
            pass

    with SQLiteStore(db) as store, pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        Batch(store, period=Period.parse("2026-10"), progress=Meddler()).run(events, people)
    assert query(db, "SELECT count(*) FROM settled") == [(0,)]
    assert query(db, "PRAGMA foreign_key_check") == []


def test_a_commit_just_before_the_transaction_is_seen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process commits after the run looked (keys left off) and before its transaction
    began: the transaction sees the commit and starts again with the keys checked, so the event
    deleted is still never recorded as settled."""
    events, people = _month(tmp_path)
    db = tmp_path / "ledger.sqlite"
    looked = Batch._keys
    looks: list[bool] = []

    def racing(batch: Batch, started: int) -> bool:
        checked = looked(batch, started)
        looks.append(checked)
        if len(looks) == 1:
            _deleting(db, "e2")
        return checked

    monkeypatch.setattr(Batch, "_keys", racing)
    with SQLiteStore(db) as store, pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        Batch(store, period=Period.parse("2026-10")).run(events, people)
    assert looks == [False, True]
    assert query(db, "SELECT count(*) FROM settled") == [(0,)]
