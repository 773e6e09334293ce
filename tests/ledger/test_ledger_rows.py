"""The ledger's rows by name: staged events and profiles (EventRow, ProfileRow) and the pending
units read back a page at a time, whatever the page size (a unit split across pages is held back),
and copied in two parts by creator (the second by a thread on a connection of its own); the
settlement records written from the statements' event ids."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creatorpay.core import InputError
from creatorpay.core.batch.codec import compact_json
from creatorpay.core.batch.ledger import (
    EventColumns,
    EventRow,
    Ledger,
    PendingPart,
    ProfileRow,
    Staged,
    StatementRows,
    Unit,
)
from creatorpay.core.rows import RowReader
from creatorpay.core.sqlite_store import SQLiteStore
from tests.helpers import examples


def _event(index: int, creator: str, line: int, run: int = 1) -> EventColumns:
    date = f"2026-10-{index % 28 + 1:02d}"
    return (f"e{index}", "wechat_channels", creator, "2026-10", date, "tips", f'{{"yuan":"{index}.00"}}', run, line)


@settings(max_examples=examples(25))
@given(sizes=st.lists(st.integers(1, 6), min_size=1, max_size=8), page=st.integers(1, 9))
def test_pending_units_come_whole_whatever_the_page(
    tmp_path_factory: pytest.TempPathFactory, sizes: list[int], page: int
) -> None:
    path = tmp_path_factory.mktemp("rows") / "ledger.sqlite"
    creators = [f"c{unit}" for unit, size in enumerate(sizes) for _ in range(size)]
    rows = [_event(index, creator, index + 1) for index, creator in enumerate(creators)]
    with SQLiteStore(path) as store:
        ledger = Ledger(store)
        with store.transaction():
            assert ledger.stage_rows(rows, 1) == (len(rows), [])
        ledger.collect_pending()
        found = [(unit, [e.id for e in events]) for unit, events in ledger.pending_units(page)]
    named = [EventRow._make(row) for row in rows]
    expected = [  # unit order, then (date, id) within a unit
        (Unit("wechat_channels", creator, "2026-10"), [e.id for e in sorted(group, key=lambda e: (e.date, e.id))])
        for creator, group in itertools.groupby(named, key=lambda e: e.creator)
    ]
    assert found == expected


@settings(max_examples=examples(20))
@given(
    sizes=st.lists(st.integers(1, 4), min_size=1, max_size=8),
    split=st.integers(0, 9),
    page=st.integers(1, 9),
    month=st.sampled_from([None, "2026-10", "2026-11"]),
)
def test_pending_units_in_two_parts_are_the_units_of_one_copy(
    tmp_path_factory: pytest.TempPathFactory, sizes: list[int], split: int, page: int, month: str | None
) -> None:
    """The creators before ``split`` copied by the ledger's own connection, the others by a
    PendingPart: one after the other, the units one copy gives, in the same order."""
    path = tmp_path_factory.mktemp("parts") / "ledger.sqlite"
    creators = [f"c{unit}" for unit, size in enumerate(sizes) for _ in range(size)]
    rows = [_event(index, creator, index + 1) for index, creator in enumerate(creators)]
    with SQLiteStore(path) as store:
        ledger = Ledger(store)
        with store.transaction():
            ledger.stage_rows(rows, 1)
        ledger.collect_pending(month)
        whole = list(ledger.pending_units(page))
        first = f"c{split}"
        ledger.collect_pending(month, creators=(None, first))
        rest = PendingPart(str(path), month, first, 1024)
        try:
            parts = [*ledger.pending_units(page), *rest.units(page)]
        finally:
            rest.close()
    assert parts == whole
    assert len(whole) == (len(sizes) if month in (None, "2026-10") else 0)


def test_rows_known_before_come_back_named(tmp_path: Path) -> None:
    """A repeated id comes back as an EventRow (by name: its line and id go to the rejects file)."""
    with SQLiteStore(tmp_path / "ledger.sqlite") as store:
        ledger = Ledger(store)
        first, again = _event(1, "c1", 1), _event(1, "c1", 7)
        with store.transaction():
            inserted, others = ledger.stage_rows([first, again], 1)
            repeats = ledger.put_profiles([("c1", "{}", 1, 2), ("c1", "{}", 1, 5)])
    assert inserted == 1
    [(row, outcome, why)] = others
    assert (type(row), row.line, row.id, outcome, why) == (EventRow, 7, "e1", Staged.DUPLICATE, "repeats line 1")
    assert row.event.platform == "wechat_channels" and row.event.month == "2026-10"
    [(profile, reason)] = repeats
    assert (type(profile), profile.creator, profile.line) == (ProfileRow, "c1", 5)
    assert reason == "creator 'c1' is repeated (first at line 2)"


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files in /proc")
def test_a_refused_csv_header_leaves_no_file_open(tmp_path: Path) -> None:
    """The reader refusing a header in its constructor closes its file (the caller has no reader to
    close); before, the file waited for the garbage collector, whose ResourceWarning failed a fuzz
    test at random (a malformed CSV header, tests/fuzz)."""
    path = tmp_path / "events.csv"
    path.write_text("id,id\n", encoding="utf-8")
    before = len(os.listdir("/proc/self/fd"))
    with pytest.raises(InputError, match="repeated columns: id"):
        RowReader(path, required=("id",))
    assert len(os.listdir("/proc/self/fd")) == before


def _statement(unit: Unit, events: list[str]) -> StatementRows:
    """A statement settling ``events`` (its rows as :func:`statement_rows` shapes them, no lines)."""
    return StatementRows(unit, "original", None, "ok", 0, events, compact_json(events), "{}", "{}", [], [], "0")


#: Event ids as staging accepts them (CORE-INPUT-01: 1-128 printable characters), quotes,
#: backslashes and text beyond ASCII included.
_IDS = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=12).filter(
    str.isprintable
)


@settings(max_examples=examples(40))
@given(ids=st.lists(_IDS, min_size=1, max_size=12, unique=True), cut=st.integers(0, 12))
def test_settlement_records_name_each_statements_events(
    tmp_path_factory: pytest.TempPathFactory, ids: list[str], cut: int
) -> None:
    """Ledger.write makes the settlement records from the statements' event ids in SQL (one row per
    event, naming its statement): whatever the ids' text, each event is recorded exactly once, with
    the statement that settled it, as one row per event written from Python was (CORE-INPUT-01)."""
    path = tmp_path_factory.mktemp("settled") / "ledger.sqlite"
    units = [Unit("wechat_channels", "c1", "2026-10"), Unit("wechat_channels", "c2", "2026-10")]
    parts = [ids[:cut], ids[cut:]]
    with SQLiteStore(path) as store:
        ledger = Ledger(store)
        run = ledger.begin_run("test")
        with store.transaction():
            ledger.stage_rows([(ident, *_event(n, "c1", n + 1, run)[1:]) for n, ident in enumerate(ids)], run)
            first = ledger.write([_statement(unit, part) for unit, part in zip(units, parts, strict=True) if part], run)
        found = store.connection.execute("SELECT event, statement FROM settled").fetchall()
    statements = [part for part in parts if part]
    expected = [(event, first + index) for index, part in enumerate(statements) for event in part]
    assert sorted(found) == sorted(expected)


def test_an_event_settled_twice_is_refused(tmp_path: Path) -> None:
    """The settlement records written are counted against the statements' events: an event another
    writer settled meanwhile stops the write (the caller checked under the write lock)."""
    with SQLiteStore(tmp_path / "ledger.sqlite") as store:
        ledger = Ledger(store)
        run = ledger.begin_run("test")
        unit = Unit("wechat_channels", "c1", "2026-10")
        with store.transaction():
            ledger.stage_rows([_event(1, "c1", 1, run), _event(2, "c1", 2, run)], run)
            ledger.write([_statement(unit, ["e1"])], run)
        with pytest.raises(RuntimeError, match="1 events were settled by another writer"), store.transaction():
            ledger.write([_statement(unit._replace(month="2026-11"), ["e2", "e1"])], run)
