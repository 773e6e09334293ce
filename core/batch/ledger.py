"""The ledger: events with idempotency keys, and the statements settled from them, never edited.

Stripe's idempotency keys and TigerBeetle's immutable transfers are the models:

- An event's id is its idempotency key. Staging an id already known with the same content is a
  duplicate and adds nothing; the same id with different content is a conflict: the row is
  rejected and recorded in ``conflicts``; the first content stands.
- The unit of settlement is (platform, creator, month). Its first statement is the ``original``.
  Events arriving after it (late events) re-settle the whole month from all its events, read back
  and folded in (date, event id) order with the new ones, after giving back the quota slots it took;
  the ledger records an ``adjustment`` statement that references the original and holds only the
  difference, line key by line key, so the unit's statements always add up to what one run of all
  its events gives.
- Statements, lines and settled events are append-only (triggers refuse edits). A statement, its
  lines and its events' idempotency records are written in one transaction by the caller. Each
  statement keeps the ids of the events it settled, the scenario it settled, and a digest of its
  row, lines and events that :meth:`Ledger.verify` recomputes.

Money is whole fen in the database; totals per platform, creator and month are exact SQL sums.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import functools
import itertools
import json
import operator
import sqlite3
import threading
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TextIO

from ..events import Event
from ..money import FEN, fmt
from ..sqlite_schema import DamagedRow, content_digest, migrate, read_statements, statement_digest
from ..statement import (
    TOTALS,
    Kind,
    Label,
    Line,
    NotApplied,
    NotOffered,
    Statement,
    Status,
)
from .codec import compact_json, join_object, members

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence

    from ..sqlite_schema import Stored
    from ..sqlite_store import SQLiteStore
    from ..statement_rare import Pending, Traffic, Violation

#: Kind code -> the total it adds to (statement.TOTALS).
_TOTAL_OF = {kind.code: kind.total for kind in Kind}
#: Columns of ``ledger export``: the unit, its statements, totals by kind and net.
EXPORT_COLUMNS = ("platform", "creator", "month", "statements", "adjustments", "events", *TOTALS, "net")


class Unit(NamedTuple):
    """The unit of settlement: one creator's month on one platform."""

    platform: str
    creator: str
    month: str

    def __str__(self) -> str:
        return f"{self.platform}/{self.creator}/{self.month}"


class Staged(enum.Enum):
    """What staging an event did."""

    #: A new id: it will be settled.
    NEW = "new"
    #: Staged by an earlier run that stopped before settling it: this run settles it.
    ADOPTED = "adopted"
    #: Known with the same content (settled already, or earlier in this file): adds nothing.
    DUPLICATE = "duplicate"
    #: Known with different content: rejected, the first content stands.
    CONFLICT = "conflict"


#: A checked event as :meth:`Ledger.stage_rows` stages it, a plain tuple of :class:`EventRow`'s
#: columns: the rows a batch stages by the million cross from the workers by :mod:`marshal` (plain
#: tuples only) and a named tuple costs 0.7 µs to make, so the code reading a column by name (a row
#: that is not new, rarely) names it with ``EventRow._make(row)``.
EventColumns = tuple[str, str, str, str, str, str, str, int, int]
#: A creator's profile as :meth:`Ledger.put_profiles` stores it: :class:`ProfileRow`'s columns.
ProfileColumns = tuple[str, str, int, int]


class EventRow(NamedTuple):
    """The columns of :data:`EventColumns` by name: the ``events`` table's, in order, with the run
    and the line of the file the event was read from."""

    id: str
    platform: str
    creator: str
    month: str
    date: str
    kind: str
    body: str
    run: int
    line: int

    @property
    def event(self) -> Event:
        return Event(self.id, self.platform, self.creator, self.date, self.kind, self.body)


class ProfileRow(NamedTuple):
    """The columns of :data:`ProfileColumns` by name: the ``creators`` table's."""

    creator: str
    #: The profile as compact JSON text.
    profile: str
    run: int
    line: int


class StoredEvent(NamedTuple):
    """An event as the ledger holds it (a tuple: a batch reads a million)."""

    id: str
    date: str
    kind: str
    body: str
    run: int
    line: int
    statement: int | None


def to_fen(amount: Decimal) -> int:
    """An amount in whole fen (amounts are already rounded to the fen, CORE-MONEY-01)."""
    fen = amount.scaleb(2)  # exact: only the exponent changes
    whole = int(fen)
    if whole != fen:
        raise ValueError(f"{amount} is not a whole number of fen")
    return whole


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) * FEN).quantize(FEN)


def content(platform: str, creator: str, date: str, kind: str, body: str) -> str:
    """An event's content as one canonical JSON text, for conflict reports."""
    return json.dumps(
        {"platform": platform, "creator": creator, "date": date, "kind": kind, "fields": json.loads(body)},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


class Ledger:
    """The ledger tables of a :class:`SQLiteStore` database. Writing methods expect the caller to
    hold a transaction (``store.transaction()``); reading methods do not."""

    def __init__(self, store: SQLiteStore) -> None:
        self.store = store
        self.conn = store.connection

    # -- runs ---------------------------------------------------------------------------------------

    def begin_run(self, source: str) -> int:
        with self.store.transaction() as conn:
            cursor = conn.execute("INSERT INTO runs(started, source) VALUES (?, ?)", (_now(), source))
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    def finish_run(self, run: int, summary: Mapping[str, Any]) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                "UPDATE runs SET finished = ?, summary = ? WHERE id = ?",
                (_now(), json.dumps(summary, ensure_ascii=False), run),
            )

    # -- creators -----------------------------------------------------------------------------------

    def put_profile(self, creator: str, profile: str, run: int, line: int) -> str | None:
        """Store a creator's profile (the latest file wins); the reason if it repeats in this run."""
        for first_run, first_line in self.conn.execute("SELECT run, line FROM creators WHERE id = ?", (creator,)):
            if first_run == run:
                return f"creator {creator!r} is repeated (first at line {first_line})"
        self.conn.execute(
            "INSERT INTO creators(id, profile, run, line) VALUES (?, ?, ?, ?) ON CONFLICT(id) "
            "DO UPDATE SET profile = excluded.profile, run = excluded.run, line = excluded.line",
            (creator, profile, run, line),
        )
        return None

    def put_profiles(self, rows: Sequence[ProfileColumns]) -> list[tuple[ProfileRow, str]]:
        """Store creators' profiles, in file order, as :meth:`put_profile` one by one would, with one
        multi-row upsert; returns the rows rejected as repeats in this run, with the reason."""
        if not rows:
            return []
        changed = self.conn.executemany(
            "INSERT INTO creators(id, profile, run, line) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET "
            "profile = excluded.profile, run = excluded.run, line = excluded.line WHERE creators.run <> excluded.run",
            rows,
        ).rowcount
        if changed == len(rows):
            return []
        named = [ProfileRow._make(row) for row in rows]
        first = dict(
            self.conn.execute(
                "SELECT id, line FROM creators WHERE run = ? AND id IN (SELECT value FROM json_each(?))",
                (named[0].run, _compact([row.creator for row in named])),
            ).fetchall()
        )
        return [
            (row, f"creator {row.creator!r} is repeated (first at line {first[row.creator]})")
            for row in named
            if first.get(row.creator) != row.line
        ]

    def profile(self, creator: str) -> str | None:
        for (profile,) in self.conn.execute("SELECT profile FROM creators WHERE id = ?", (creator,)):
            return str(profile)
        return None

    # -- events -------------------------------------------------------------------------------------

    def stage(self, event: Event, run: int, line: int) -> tuple[Staged, str]:
        """Stage an event for settlement, by its idempotency key; returns what happened and why."""
        cursor = self.conn.execute(
            "INSERT INTO events(id, platform, creator, month, date, kind, body, run, line) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING",
            (event.id, event.platform, event.creator, event.month, event.date, event.kind, event.body, run, line),
        )
        if cursor.rowcount:
            return Staged.NEW, ""
        platform, creator, date, kind, body, first_run, first_line, statement = self.conn.execute(
            "SELECT platform, creator, date, kind, body, run, line, "
            "(SELECT statement FROM settled WHERE event = events.id) FROM events WHERE id = ?",
            (event.id,),
        ).fetchone()
        if (platform, creator, date, kind, body) != (event.platform, event.creator, event.date, event.kind, event.body):
            kept = content(platform, creator, date, kind, body)
            found = content(event.platform, event.creator, event.date, event.kind, event.body)
            self.conn.execute(
                "INSERT INTO conflicts(id, found, kept, run, line) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT(id, found) DO NOTHING",
                (event.id, found, kept, run, line),
            )
            where = (
                f"settled in statement {statement}"
                if statement is not None
                else f"line {first_line}"
                if first_run == run
                else f"staged by run {first_run}"
            )
            return Staged.CONFLICT, (
                f"conflicting duplicate: id {event.id!r} was first seen with different content ({where}): {kept}"
            )
        if statement is not None:
            return Staged.DUPLICATE, f"already settled in statement {statement}"
        if first_run == run:
            return Staged.DUPLICATE, f"repeats line {first_line}"
        self.conn.execute("UPDATE events SET run = ?, line = ? WHERE id = ?", (run, line, event.id))
        return Staged.ADOPTED, f"staged by run {first_run}, not settled yet"

    def stage_rows(self, rows: Sequence[EventColumns], run: int) -> tuple[int, list[tuple[EventRow, Staged, str]]]:
        """Stage checked events, in file order: how many were new, and what :meth:`stage` did with
        each of the others. One multi-row insert; only when some id was known already are those rows
        looked at one by one, in order, exactly as :meth:`stage` does.
        """
        inserted = self.conn.executemany(
            "INSERT INTO events(id, platform, creator, month, date, kind, body, run, line) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING",
            rows,
        ).rowcount
        if inserted == len(rows):
            return inserted, []
        named = [EventRow._make(row) for row in rows]
        mine = {
            (ident, line)
            for ident, line in self.conn.execute(
                "SELECT id, line FROM events WHERE run = ? AND id IN (SELECT value FROM json_each(?))",
                (run, _compact([row.id for row in named])),
            )
        }
        others: list[tuple[EventRow, Staged, str]] = []
        for row in named:
            if (row.id, row.line) not in mine:  # not inserted just now: known before
                outcome, why = self.stage(row.event, run, row.line)
                others.append((row, outcome, why))
        return inserted, others

    def pending(self, month: str | None = None, page: int = 5000) -> Iterator[tuple[Unit, list[StoredEvent]]]:
        """Every unit with unsettled events, in unit order (creator, platform, month), with those
        events in date order (:meth:`collect_pending`, then :meth:`pending_units`)."""
        self.collect_pending(month)
        return self.pending_units(page)

    def collect_pending(
        self, month: str | None = None, *, creators: tuple[str | None, str | None] = (None, None)
    ) -> int:
        """Copy the unsettled events, sorted, into a temporary table; returns how many there are.

        One sorted scan (SQLite sorts on disk when they do not fit in its cache); units are then read
        back a page at a time by :meth:`pending_units`: memory holds one page, and no read
        transaction stays open while the caller commits. Units come in the order (creator,
        platform, month), so a creator's months on each platform come together. ``creators``: only
        the creators from the first (included) to the second (excluded), None for no bound: a run
        copies its pending events in two parts (:class:`PendingPart`).
        """
        return _collect_pending(self.conn, month, creators)

    def pending_units(self, page: int = 5000) -> Iterator[tuple[Unit, list[StoredEvent]]]:
        """The units of :meth:`collect_pending`'s events, in order, each with its events."""
        return _pending_units(self.conn, page)

    def pending_count(self, month: str | None = None) -> int:
        """How many events are unsettled (a scan: events have no index but their id)."""
        query = f"SELECT count(*) FROM events WHERE {_UNSETTLED}" + (" AND month = ?" if month else "")
        return int(self.conn.execute(query, (month,) if month else ()).fetchone()[0])

    def unsettled(self, run: int) -> int:
        """How many events staged by ``run`` have no settlement record (a scan)."""
        return int(
            self.conn.execute(f"SELECT count(*) FROM events WHERE run = ? AND {_UNSETTLED}", (run,)).fetchone()[0]
        )

    def drop(self, events: Iterable[str]) -> None:
        """Remove unsettled events (they were rejected; a later run may stage them again)."""
        self.conn.executemany("DELETE FROM events WHERE id = ?", ((e,) for e in events))

    # -- statements ---------------------------------------------------------------------------------

    def latest(self, unit: Unit) -> tuple[int, dict[str, Any]] | None:
        """The unit's original statement id and the scenario its latest statement settled, if any."""
        found = self.originals([unit]).get(unit)
        if found is None:
            return None
        original, scenario = found
        return original, json.loads(scenario)

    def originals(self, units: Sequence[Unit]) -> dict[Unit, tuple[int, str]]:
        """For each of ``units`` with statements: its original's id and the scenario (JSON text) its
        latest statement settled. One query for the lot (a fresh month has none)."""
        found: dict[Unit, tuple[int, str]] = {}
        if not units:
            return found
        for platform, creator, month, original in self.conn.execute(
            "SELECT s.platform, s.creator, s.month, s.id FROM json_each(?) j JOIN statements s "
            "ON s.platform = json_extract(j.value, '$[0]') AND s.creator = json_extract(j.value, '$[1]') "
            "AND s.month = json_extract(j.value, '$[2]') AND s.type = 'original'",
            (_compact(units),),
        ).fetchall():
            unit = Unit(platform, creator, month)
            scenario = self.conn.execute(
                "SELECT scenario FROM statements WHERE platform = ? AND creator = ? "
                "AND month = ? ORDER BY id DESC LIMIT 1",
                unit,
            ).fetchone()[0]
            found[unit] = (int(original), str(scenario))
        return found

    def history(self, units: Sequence[Unit]) -> dict[Unit, tuple[list[StoredEvent], list[tuple[str, str]]]]:
        """For each of ``units`` with statements: the events its statements settled (read by id from
        the statements' event ids), and the quota slots (key, holder) it took; a unit settled again is
        folded from all its events and gives its slots back first. Two queries for the lot."""
        found: dict[Unit, tuple[list[StoredEvent], list[tuple[str, str]]]] = {}
        if not units:
            return found
        wanted = _compact(units)
        for platform, creator, month, ident, date, kind, body, run, line, statement in self.conn.execute(
            "SELECT s.platform, s.creator, s.month, e.id, e.date, e.kind, e.body, e.run, e.line, s.id "
            "FROM json_each(?) u JOIN statements s ON s.platform = json_extract(u.value, '$[0]') "
            "AND s.creator = json_extract(u.value, '$[1]') AND s.month = json_extract(u.value, '$[2]') "
            "JOIN json_each(s.event_ids) j JOIN events e ON e.id = j.value",
            (wanted,),
        ):
            entry = found.setdefault(Unit(platform, creator, month), ([], []))
            entry[0].append(StoredEvent(ident, date, kind, body, run, line, statement))
        for platform, creator, month, key, holder in self.conn.execute(
            "SELECT s.platform, s.creator, s.month, s.key, s.holder FROM json_each(?) u JOIN unit_slots s "
            "ON s.platform = json_extract(u.value, '$[0]') AND s.creator = json_extract(u.value, '$[1]') "
            "AND s.month = json_extract(u.value, '$[2]') ORDER BY s.key, s.holder",
            (wanted,),
        ):
            unit = Unit(platform, creator, month)
            if unit in found:
                found[unit][1].append((key, holder))
        return found

    def held(self, unit: Unit) -> Held:
        """What the unit's statements hold per line key (:attr:`Line.key`): value, amount and label,
        for an adjustment's difference (:func:`statement_rows`)."""
        return {
            (rule, kind, order, payer, payee): (value, amount, label)
            for rule, kind, order, payer, payee, value, amount, label in self.conn.execute(
                "SELECT rule, kind, order_id, payer, payee, SUM(value), SUM(amount), MIN(label) FROM lines "
                "WHERE statement IN (SELECT id FROM statements WHERE platform = ? AND creator = ? "
                "AND month = ?) GROUP BY rule, kind, order_id, payer, payee",
                unit,
            )
        }

    def profiles(self, creators: Iterable[str]) -> dict[str, str]:
        """The stored profiles of ``creators`` (those that have one), in one query."""
        return dict(
            self.conn.execute(
                "SELECT id, profile FROM creators WHERE id IN (SELECT value FROM json_each(?))",
                (_compact(list(creators)),),
            ).fetchall()
        )

    def settled_among(self, events: Iterable[str]) -> set[str]:
        """Which of ``events`` have a settlement record (another process may have settled them)."""
        return {
            event
            for (event,) in self.conn.execute(
                "SELECT event FROM settled WHERE event IN (SELECT value FROM json_each(?))", (_compact(list(events)),)
            )
        }

    def write(self, entries: Sequence[StatementRows], run: int) -> int:
        """Write settled units' statements (each with its digest, :func:`statement_digest`), their
        lines, their events' settlement records and the quota slots they took, in the order given,
        with a few multi-row inserts (the caller holds the transaction); returns the id of the first
        statement written.

        Statement ids are given here, in order, as SQLite would (the largest so far plus one):
        statements are never deleted, so this is what one insert at a time would give.
        """
        conn = self.conn
        first = int(conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM statements").fetchone()[0])
        if not entries:
            return first
        statements: list[tuple[Any, ...]] = []
        lines: list[tuple[Any, ...]] = []
        events = 0
        slots: list[tuple[str, ...]] = []
        for ident, entry in enumerate(entries, start=first):
            unit = entry.unit
            statements.append(
                (
                    ident,
                    unit.platform,
                    unit.creator,
                    unit.month,
                    entry.type,
                    entry.adjusts,
                    entry.status,
                    entry.net,
                    len(entry.events),
                    entry.event_ids,
                    entry.scenario,
                    entry.detail,
                    run,
                    statement_digest(ident, run, entry.digest),
                )
            )
            lines.extend(map(operator.add, zip(itertools.repeat(ident), itertools.count(1)), entry.lines))
            events += len(entry.events)
            slots += [(*unit, key, holder) for key, holder in entry.slots]
        conn.executemany(
            "INSERT INTO statements(id, platform, creator, month, type, adjusts, status, net, events, event_ids, "
            "scenario, detail, run, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            statements,
        )
        conn.executemany(
            "INSERT INTO lines(statement, seq, rule, kind, order_id, payer, payee, base, rate, value, amount, "
            "label, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            lines,
        )
        if slots:
            conn.executemany(
                "INSERT INTO unit_slots(platform, creator, month, key, holder) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                slots,
            )
        # The settlement records, made by SQLite from the statements just written (their event ids)
        # rather than a Python row per event, in key order: each page of the settlement records (and
        # of the events they reference) is visited once per piece rather than at random.
        written = conn.execute(_SETTLE, (first, first + len(entries) - 1)).rowcount
        if written != events:  # the caller checked under the write lock: this cannot happen
            raise RuntimeError(f"{events - written} events were settled by another writer meanwhile")
        return first

    # -- verification -------------------------------------------------------------------------------

    def verify(
        self, *, month: str | None = None, platform: str | None = None, creator: str | None = None
    ) -> tuple[int, list[str]]:
        """Check the ledger: SQLite's ``PRAGMA integrity_check`` on the whole file, then every
        statement's digest (those of ``month``, ``platform`` and ``creator`` when given) recomputed
        from its row, lines and events, and the settlement records of its events. Returns how many
        statements were checked and each problem found (a statement id and unit, or what SQLite
        reported); a file SQLite cannot read is a problem."""
        problems: list[str] = []
        checked = 0
        where, params = _filters(month, platform, creator)
        try:
            problems += [
                f"SQLite integrity check: {message}"
                for (message,) in self.conn.execute("PRAGMA integrity_check")
                if message != "ok"
            ]
            problems += schema_differences(self.conn)
            for stored in read_statements(self.conn, where, params):
                checked += 1
                ident, platform_, creator_, month_, *_ = stored.header  # DIGEST_HEADER's columns
                which = f"statement {ident} ({platform_}/{creator_}/{month_})"
                if [seq for seq, *_ in stored.lines] != list(range(1, len(stored.lines) + 1)):
                    problems.append(f"{which}: its lines are not numbered 1, 2, 3, …")
                elif stored.digest != _computed(stored):
                    problems.append(f"{which}: its digest does not match its row, lines and events")
                if stored.unrecorded:
                    problems.append(
                        f"{which}: no settlement record names it for event(s) "
                        f"{', '.join(map(str, stored.unrecorded[:5]))}"
                    )
            if not params:
                problems += [
                    f"line {seq} belongs to statement {statement}, which does not exist"
                    for statement, seq in self.conn.execute(
                        "SELECT statement, seq FROM lines WHERE statement NOT IN (SELECT id FROM statements)"
                    )
                ]
                stray = self.conn.execute(
                    "SELECT count(*) FROM settled WHERE statement NOT IN (SELECT id FROM statements)"
                ).fetchone()[0]
                if stray:
                    problems.append(f"{stray} settlement record(s) name a statement that does not exist")
        # a text that is no longer UTF-8, a statement id no longer an integer
        except (sqlite3.DatabaseError, UnicodeDecodeError, DamagedRow) as exc:
            problems.append(f"SQLite cannot read the ledger: {exc}")
        return checked, problems

    def statements(self, unit: Unit) -> list[dict[str, Any]]:
        """The unit's statements in the order written, with their lines."""
        found = []
        for ident, kind, adjusts, status, net, event_ids, scenario, detail, run in self.conn.execute(
            "SELECT id, type, adjusts, status, net, event_ids, scenario, detail, run FROM statements "
            "WHERE platform = ? AND creator = ? AND month = ? ORDER BY id",
            unit,
        ).fetchall():
            lines = [
                {
                    "rule": r,
                    "kind": k,
                    "order": o,
                    "payer": pr,
                    "payee": pe,
                    "base": b,
                    "rate": rt,
                    "value": fmt(from_fen(v)),
                    "amount": fmt(from_fen(a)),
                    "label": lb,
                    "note": n,
                }
                for r, k, o, pr, pe, b, rt, v, a, lb, n in self.conn.execute(
                    "SELECT rule, kind, order_id, payer, payee, base, rate, value, amount, label, note "
                    "FROM lines WHERE statement = ? ORDER BY seq",
                    (ident,),
                )
            ]
            found.append(
                {
                    "id": ident,
                    "type": kind,
                    "adjusts": adjusts,
                    "status": status,
                    "net": fmt(from_fen(net)),
                    "run": run,
                    "events": json.loads(event_ids),
                    "lines": lines,
                    **json.loads(detail),
                    "scenario": json.loads(scenario),
                }
            )
        return found

    # -- totals -------------------------------------------------------------------------------------

    def totals(
        self, *, month: str | None = None, platform: str | None = None, creator: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Totals per (platform, creator, month), in that order: statements, adjustments, events,
        the amounts by total (statement.TOTALS) and net, summed over the unit's statements."""
        where, params = _filters(month, platform, creator)
        units = self.conn.execute(
            f"SELECT platform, creator, month, count(*), sum(type = 'adjustment'), sum(net), sum(events) "
            f"FROM statements s {where} GROUP BY platform, creator, month ORDER BY platform, creator, month",
            params,
        )
        kinds = self.conn.execute(
            f"SELECT s.platform, s.creator, s.month, l.kind, sum(l.amount) FROM statements s "
            f"JOIN lines l ON l.statement = s.id {where} GROUP BY s.platform, s.creator, s.month, l.kind "
            f"ORDER BY s.platform, s.creator, s.month",
            params,
        )
        pending = kinds.fetchone()  # both in unit order: a unit's kinds come with it
        for platform_, creator_, month_, count, adjustments, net, events in units:
            sums = dict.fromkeys(TOTALS, 0)
            while pending is not None:
                of_platform, of_creator, of_month, kind, amount = pending
                if (of_platform, of_creator, of_month) != (platform_, creator_, month_):
                    break
                sums[_TOTAL_OF.get(kind, kind)] += amount
                pending = kinds.fetchone()
            yield total_row(Unit(platform_, creator_, month_), count, adjustments, events, sums, net)

    def export(
        self,
        out: TextIO,
        fmt_: str,
        *,
        month: str | None = None,
        platform: str | None = None,
        creator: str | None = None,
    ) -> int:
        """Write :meth:`totals` as ``csv`` or ``json``, streamed; returns the number of units."""
        return write_totals(out, fmt_, self.totals(month=month, platform=platform, creator=creator), month)


def total_row(
    unit: Unit, statements: int, adjustments: int, events: int, sums: Mapping[str, int], net: int
) -> dict[str, Any]:
    """One unit's row of ``ledger export`` (:data:`EXPORT_COLUMNS`): counts, and totals by kind and
    net from whole fen to CNY text. Both ledgers (SQLite, Parquet) build their rows with it."""
    return {
        "platform": unit.platform,
        "creator": unit.creator,
        "month": unit.month,
        "statements": statements,
        "adjustments": adjustments,
        "events": events,
        **{k: fmt(from_fen(v)) for k, v in sums.items()},
        "net": fmt(from_fen(net)),
    }


def write_totals(out: TextIO, fmt_: str, rows: Iterable[Mapping[str, Any]], month: str | None) -> int:
    """Write units' totals (:data:`EXPORT_COLUMNS`) as ``csv`` or ``json``, streamed, as ``ledger
    export`` does for any ledger (SQLite, or Parquet: creatorpay.core.scale.parquet); returns the
    number of units."""
    count = 0
    if fmt_ == "csv":
        writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
        return count
    if fmt_ != "json":
        raise ValueError(f"unknown export format {fmt_!r}")
    out.write('{"schema": 1, "currency": "CNY", "period": ' + json.dumps(month) + ', "totals": [')
    for row in rows:
        out.write(("\n  " if count == 0 else ",\n  ") + json.dumps(row, ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count


#: Of a row of ``temp.work`` as :meth:`Ledger.pending_units` reads it: its unit, and its event as
#: a :class:`StoredEvent` (made by ``tuple.__new__``, as ``StoredEvent._make`` does, without a call
#: in Python per event).
_UNIT_OF_ROW = operator.itemgetter(7, 8, 9)
_EVENT_OF_ROW = operator.itemgetter(0, 1, 2, 3, 4, 5, 6)
_STORED = functools.partial(tuple.__new__, StoredEvent)


class PendingPart:
    """The pending events of the creators from ``first`` on, copied sorted (:meth:`Ledger.collect_pending`)
    by a thread on a read-only connection of its own while the run settles the creators before
    ``first``: SQLite sorts without holding Python's lock, so the workers are not idle for the
    whole copy (docs/performance.md). :meth:`units` waits for the copy, then reads its units back."""

    def __init__(self, path: str, month: str | None, first: str, cache_kib: int) -> None:
        self._conn = sqlite3.connect(
            f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
        )
        self._conn.execute(f"PRAGMA cache_size = {-cache_kib}")  # the run's own connection sorts with as much
        self._count = 0
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._copy, args=(month, first), daemon=True, name="creatorpay-pending")
        self._thread.start()

    def _copy(self, month: str | None, first: str) -> None:
        try:
            self._count = _collect_pending(self._conn, month, (first, None))
        except BaseException as exc:  # raised in the run's thread by join()
            self._error = exc

    def join(self) -> int:
        """Wait for the copy; how many events it holds (the copy's error, if it failed)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._count

    def units(self, page: int = 5000) -> Iterator[tuple[Unit, list[StoredEvent]]]:
        """Its units, in order, each with its events (:meth:`Ledger.pending_units`), once copied."""
        self.join()
        yield from _pending_units(self._conn, page)

    def close(self) -> None:
        self._thread.join()
        self._conn.close()


def _collect_pending(conn: sqlite3.Connection, month: str | None, creators: tuple[str | None, str | None]) -> int:
    """:meth:`Ledger.collect_pending` on ``conn``."""
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS work (platform TEXT, creator TEXT, month TEXT, id TEXT, "
        "date TEXT, kind TEXT, body TEXT, run INTEGER, line INTEGER)"
    )
    conn.execute("DELETE FROM temp.work")
    first, end = creators
    bounds = [(column, value) for column, value in (("creator >= ?", first), ("creator < ?", end)) if value is not None]
    conditions = [column for column, _ in bounds] + [_UNSETTLED] + (["month = ?"] if month else [])
    return conn.execute(
        "INSERT INTO temp.work SELECT platform, creator, month, id, date, kind, body, run, line "
        f"FROM events WHERE {' AND '.join(conditions)} ORDER BY creator, platform, month, date, id",
        [value for _, value in bounds] + ([month] if month else []),
    ).rowcount


def _pending_units(conn: sqlite3.Connection, page: int) -> Iterator[tuple[Unit, list[StoredEvent]]]:
    """:meth:`Ledger.pending_units` on ``conn``.

    A page of rows is grouped into units and made :class:`StoredEvent` by C-level iteration
    (``groupby``, ``itemgetter``, ``map``) rather than a Python step per event: the main process,
    the run's single writer, reads a million of them (docs/performance.md)."""
    last = 0
    held: list[tuple[Any, ...]] = []  # the rows of the previous page's last unit
    while True:
        rows = conn.execute(
            "SELECT id, date, kind, body, run, line, NULL, platform, creator, month, rowid FROM temp.work "
            "WHERE rowid > ? ORDER BY rowid LIMIT ?",
            (last, page),
        ).fetchall()
        complete = len(rows) < page
        if rows:
            last = rows[-1][-1]
        if held:
            rows = held + rows
        previous: tuple[tuple[str, str, str], list[tuple[Any, ...]]] | None = None
        for key, group in itertools.groupby(rows, _UNIT_OF_ROW):
            if previous is not None:
                yield Unit._make(previous[0]), list(map(_STORED, map(_EVENT_OF_ROW, previous[1])))
            previous = (key, list(group))
        del rows
        held = []
        if previous is not None:
            if complete:
                yield Unit._make(previous[0]), list(map(_STORED, map(_EVENT_OF_ROW, previous[1])))
            else:  # hold the last unit back: more of its events may be on the next page
                held = previous[1]
        if complete:
            conn.execute("DELETE FROM temp.work")
            return


#: The settlement records of the statements with ids from ``?1`` to ``?2`` (:meth:`Ledger.write`):
#: one per event id in each statement's ``event_ids``, in key order.
_SETTLE = (
    "INSERT INTO settled(event, statement) SELECT j.value, s.id FROM statements s, json_each(s.event_ids) j "
    "WHERE s.id BETWEEN ?1 AND ?2 ORDER BY j.value ON CONFLICT DO NOTHING"
)
#: An event with no settlement record.
_UNSETTLED = "NOT EXISTS (SELECT 1 FROM settled WHERE settled.event = events.id)"

_LineRow = tuple[str, str, str | None, str, str, str | None, str | None, int, int, Label, str]
#: Per line key (:attr:`Line.key`, as a plain tuple equal to it: a job carrying it goes to a worker
#: by :mod:`marshal`): the value and amount (fen) and label held.
_Key = tuple[str, str, str | None, str, str]
Held = dict[_Key, tuple[int, int, Label]]


def _computed(stored: Stored) -> str | None:
    """The digest a statement's row, lines and events give now; None when a value is no longer of a
    type the ledger writes (a changed byte made a text a blob): it cannot match."""
    try:
        return stored.computed()
    except (TypeError, ValueError):
        return None


def schema_differences(conn: sqlite3.Connection) -> list[str]:
    """How the ledger's schema (tables, indexes, triggers as ``sqlite_master`` holds them) differs
    from the one the migrations make: a changed definition is damage the integrity check may not
    see (a read-only connection reads a table whose index no longer parses)."""
    query = "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
    expected = _expected_schema()
    found = {(kind, name): sql for kind, name, sql in conn.execute(query)}
    return [
        f"the schema's {kind} {name} is {'missing' if (kind, name) not in found else 'changed'}"
        for (kind, name), sql in expected.items()
        if found.get((kind, name)) != sql
    ] + [f"the schema has an unknown {kind} {name}" for kind, name in found.keys() - expected.keys()]


@functools.cache
def _expected_schema() -> dict[tuple[str, str], str]:
    """The schema a new ledger gets (made once, in memory)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrate(conn)
        return {
            (kind, name): sql
            for kind, name, sql in conn.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            )
        }
    finally:
        conn.close()


#: A statement in the ledger: a unit's first, or the difference a late event makes to it.
StatementType = Literal["original", "adjustment"]


class StatementRows(NamedTuple):
    """One unit's statement as the ledger writes it: built where the unit was settled (a worker
    process, maybe), written by :meth:`Ledger.write`. Money in fen, texts as compact JSON."""

    unit: Unit
    type: StatementType
    adjusts: int | None
    status: Status
    net: int
    events: list[str]
    #: ``events`` as JSON text.
    event_ids: str
    scenario: str
    detail: str
    lines: list[_LineRow]
    #: The quota slots (key, holder) the unit held when settled: settling it again gives them back.
    slots: list[tuple[str, str]]
    #: :func:`content_digest` of the statement (its id and run are added when it is written).
    digest: str


def statement_rows(
    unit: Unit,
    statement: Statement,
    scenario: str,
    settles: Sequence[tuple[str, str, str, str]],
    original: int | None = None,
    held: Held | None = None,
    slots: list[tuple[str, str]] | None = None,
) -> StatementRows:
    """What the ledger records for ``statement``, the unit's month settled with every event known;
    ``settles``: the events (id, date, kind, body) it settles, in date order.

    With no ``original`` it is the unit's original: the statement's lines. Otherwise it is an
    adjustment of ``original``: per line key, the recomputed value and amount less what the unit's
    statements ``held`` (:meth:`Ledger.held`); keys that did not change write nothing.
    """
    kind: StatementType
    if original is None:
        kind, lines, net = "original", [_line_row(line) for line in statement.lines], to_fen(statement.net)
    else:
        kind = "adjustment"
        lines, net = _difference(held or {}, statement, original)
    detail = _detail(statement, None if original is None else statement.net)
    events = [ident for ident, _date, _kind, _body in settles]
    event_ids = _compact(events)
    digest = content_digest(
        (*unit, kind, original, statement.status, net, len(events), event_ids, scenario, detail), lines, settles
    )
    return StatementRows(
        unit, kind, original, statement.status, net, events, event_ids, scenario, detail, lines, slots or [], digest
    )


def _difference(held: Held, statement: Statement, original: int) -> tuple[list[_LineRow], int]:
    """An adjustment's lines (per line key, what changed) and their net, in fen."""
    now: dict[_Key, list[Any]] = {}
    for line in statement.lines:
        entry = now.setdefault(line.key, [0, 0, line.label])
        entry[0] += to_fen(line.value)
        entry[1] += to_fen(line.amount)
    rows: list[_LineRow] = []
    net = 0
    for key in [*now, *(k for k in held if k not in now)]:
        was_value, was_amount, was_label = held.get(key, (0, 0, "unverified"))  # not held: the label is now's
        value, amount, label = now.get(key, (0, 0, was_label))
        if value == was_value and amount == was_amount:
            continue
        note = (
            f"adjusts statement {original}: value {fmt(from_fen(was_value))} -> {fmt(from_fen(value))}, "
            f"amount {fmt(from_fen(was_amount))} -> {fmt(from_fen(amount))}"
        )
        rows.append((*key, None, None, value - was_value, amount - was_amount, label, note))
        net += amount - was_amount
    return rows, net


def _line_row(line: Line) -> _LineRow:
    return (
        line.rule,
        line.kind.code,
        line.order,
        line.payer,
        line.payee,
        f"{line.base:f}",
        f"{line.rate:f}",
        to_fen(line.value),
        to_fen(line.amount),
        line.label,
        line.note,
    )


_compact = compact_json


def _detail(statement: Statement, recomputed_net: Decimal | None) -> str:
    """What a statement says besides its lines (docs/output.md), as compact JSON.

    Everything but the facts repeats across statements (the same rules not applied for the same
    reasons), so that part of the text is made once per distinct explanation and reused.
    """
    head = _explanation(
        statement.title,
        statement.error,
        statement.violations,
        statement.not_applied,
        statement.not_offered,
        statement.pending,
        statement.traffic_items,
    )
    tail: dict[str, Any] = {"facts": dict(statement.facts)}
    if recomputed_net is not None:
        tail["recomputed_net"] = fmt(recomputed_net)
    return join_object(head, members(tail))


@functools.lru_cache(maxsize=4096)  # the explanations of recent statements: most repeat
def _explanation(
    title: str,
    error: str | None,
    violations: tuple[Violation, ...],
    not_applied: tuple[NotApplied, ...],
    not_offered: tuple[NotOffered, ...],
    pending: tuple[Pending, ...],
    traffic_items: tuple[Traffic, ...],
) -> str:
    """The explanation part of :func:`_detail`, as the members of a JSON object."""
    return members(
        {
            "title": title,
            "error": error,
            "violations": [x.to_dict() for x in violations],
            "not_applied": [x.to_dict() for x in not_applied],
            "not_offered": [x.to_dict() for x in not_offered],
            "pending": [x.to_dict() for x in pending],
            "traffic_items": [x.to_dict() for x in traffic_items],
        }
    )


def _filters(month: str | None, platform: str | None, creator: str | None) -> tuple[str, list[str]]:
    clauses, params = [], []
    for column, value in (("month", month), ("platform", platform), ("creator", creator)):
        if value is not None:
            clauses.append(f"s.{column} = ?")
            params.append(value)
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


__all__ = [
    "EXPORT_COLUMNS",
    "EventColumns",
    "EventRow",
    "Held",
    "Ledger",
    "PendingPart",
    "ProfileColumns",
    "ProfileRow",
    "Staged",
    "StatementRows",
    "StoredEvent",
    "Unit",
    "content",
    "from_fen",
    "statement_rows",
    "to_fen",
    "write_totals",
]
