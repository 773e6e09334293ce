"""The ledger: events with idempotency keys, and the statements settled from them, never edited.

Stripe's idempotency keys and TigerBeetle's immutable transfers are the models:

- An event's id is its idempotency key. Staging an id already known with the same content is a
  duplicate and adds nothing; the same id with different content is a conflict: the row is
  rejected and recorded in ``conflicts``; the first content stands.
- The unit of settlement is (platform, creator, month). Its first statement is the ``original``.
  Events arriving after it (late events) re-settle the whole month, and the ledger records an
  ``adjustment`` statement that references the original and holds only the difference, line key by
  line key, so the unit's statements always add up to the month as now known.
- Statements, lines and settled events are append-only (triggers refuse edits). A statement, its
  lines and its events' idempotency records are written in one transaction by the caller. Each
  statement keeps the ids of the events it settled and the scenario it settled.

Money is whole fen in the database; totals per platform, creator and month are exact SQL sums.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, NamedTuple, TextIO

import attrs

from .events import Event
from .money import FEN, fmt
from .sqlite_store import SQLiteStore
from .statement import TOTALS, Kind, Line, Statement

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


@attrs.frozen
class StoredEvent:
    """An event as the ledger holds it."""

    id: str
    date: str
    kind: str
    body: str
    run: int
    line: int
    statement: int | None


@attrs.frozen
class Recorded:
    """A statement written to the ledger."""

    id: int
    type: str
    adjusts: int | None
    net: Decimal
    lines: int
    events: int


def to_fen(amount: Decimal) -> int:
    """An amount in whole fen (amounts are already rounded to the fen, CORE-MONEY-01)."""
    fen = amount / FEN
    if fen != fen.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of fen")
    return int(fen)


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) * FEN).quantize(FEN)


def content(platform: str, creator: str, date: str, kind: str, body: str) -> str:
    """An event's content as one canonical JSON text, for conflict reports."""
    return json.dumps({"platform": platform, "creator": creator, "date": date, "kind": kind,
                       "fields": json.loads(body)}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


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
            conn.execute("UPDATE runs SET finished = ?, summary = ? WHERE id = ?",
                         (_now(), json.dumps(summary, ensure_ascii=False), run))

    # -- creators -----------------------------------------------------------------------------------

    def put_profile(self, creator: str, profile: str, run: int, line: int) -> str | None:
        """Store a creator's profile (the latest file wins); the reason if it repeats in this run."""
        found = self.conn.execute("SELECT run, line FROM creators WHERE id = ?", (creator,)).fetchone()
        if found is not None and found[0] == run:
            return f"creator {creator!r} is repeated (first at line {found[1]})"
        self.conn.execute("INSERT INTO creators(id, profile, run, line) VALUES (?, ?, ?, ?) ON CONFLICT(id) "
                          "DO UPDATE SET profile = excluded.profile, run = excluded.run, line = excluded.line",
                          (creator, profile, run, line))
        return None

    def profile(self, creator: str) -> str | None:
        row = self.conn.execute("SELECT profile FROM creators WHERE id = ?", (creator,)).fetchone()
        return None if row is None else str(row[0])

    # -- events -------------------------------------------------------------------------------------

    def stage(self, event: Event, run: int, line: int) -> tuple[Staged, str]:
        """Stage an event for settlement, by its idempotency key; returns what happened and why."""
        cursor = self.conn.execute(
            "INSERT INTO events(id, platform, creator, month, date, kind, body, run, line) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING",
            (event.id, event.platform, event.creator, event.month, event.date, event.kind, event.body, run, line))
        if cursor.rowcount:
            return Staged.NEW, ""
        platform, creator, date, kind, body, first_run, first_line, statement = self.conn.execute(
            "SELECT platform, creator, date, kind, body, run, line, "
            "(SELECT statement FROM settled WHERE event = events.id) FROM events WHERE id = ?",
            (event.id,)).fetchone()
        if (platform, creator, date, kind, body) != (event.platform, event.creator, event.date, event.kind,
                                                     event.body):
            kept = content(platform, creator, date, kind, body)
            found = content(event.platform, event.creator, event.date, event.kind, event.body)
            self.conn.execute("INSERT INTO conflicts(id, found, kept, run, line) VALUES (?, ?, ?, ?, ?) "
                              "ON CONFLICT(id, found) DO NOTHING", (event.id, found, kept, run, line))
            where = (f"settled in statement {statement}" if statement is not None
                     else f"line {first_line}" if first_run == run else f"staged by run {first_run}")
            return Staged.CONFLICT, (f"conflicting duplicate: id {event.id!r} was first seen with different "
                                     f"content ({where}): {kept}")
        if statement is not None:
            return Staged.DUPLICATE, f"already settled in statement {statement}"
        if first_run == run:
            return Staged.DUPLICATE, f"repeats line {first_line}"
        self.conn.execute("UPDATE events SET run = ?, line = ? WHERE id = ?", (run, line, event.id))
        return Staged.ADOPTED, f"staged by run {first_run}, not settled yet"

    def pending(self, month: str | None = None, page: int = 5000) -> Iterator[tuple[Unit, list[StoredEvent]]]:
        """Every unit with unsettled events, in unit order, with those events in date order.

        One sorted scan copies the unsettled events into a temporary table (SQLite sorts on disk
        when they do not fit in its cache), which is then read a page at a time: memory holds one
        page, and no read transaction stays open while the caller commits.
        """
        conn = self.conn
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS work (platform TEXT, creator TEXT, month TEXT, id TEXT, "
                     "date TEXT, kind TEXT, body TEXT, run INTEGER, line INTEGER)")
        conn.execute("DELETE FROM temp.work")
        conn.execute("INSERT INTO temp.work SELECT platform, creator, month, id, date, kind, body, run, line "
                     f"FROM events WHERE {_UNSETTLED}" + (" AND month = ?" if month else "")
                     + " ORDER BY platform, creator, month, date, id", (month,) if month else ())
        last = 0
        held: list[tuple[Any, ...]] = []
        while True:
            rows = conn.execute("SELECT rowid, * FROM temp.work WHERE rowid > ? ORDER BY rowid LIMIT ?",
                                (last, page)).fetchall()
            if rows:
                last = rows[-1][0]
            complete = len(rows) < page
            rows = held + [row[1:] for row in rows]
            if not complete:
                cut = len(rows)
                while cut > 0 and rows[cut - 1][:3] == rows[-1][:3]:
                    cut -= 1
                if cut > 0:  # hold the last unit back: more of its events may be on the next page
                    rows, held = rows[:cut], rows[cut:]
                else:
                    held = rows
                    continue
            start = 0
            for end in range(1, len(rows) + 1):
                if end == len(rows) or rows[end][:3] != rows[start][:3]:
                    yield Unit(*rows[start][:3]), [StoredEvent(row[3], row[4], row[5], row[6], row[7], row[8], None)
                                                  for row in rows[start:end]]
                    start = end
            if complete:
                conn.execute("DELETE FROM temp.work")
                return

    def pending_count(self, month: str | None = None) -> int:
        """How many events are unsettled (a scan: events have no index but their id)."""
        query = f"SELECT count(*) FROM events WHERE {_UNSETTLED}" + (" AND month = ?" if month else "")
        return int(self.conn.execute(query, (month,) if month else ()).fetchone()[0])

    def unsettled(self, run: int) -> int:
        """How many events staged by ``run`` have no settlement record (a scan)."""
        return int(self.conn.execute(f"SELECT count(*) FROM events WHERE run = ? AND {_UNSETTLED}",
                                     (run,)).fetchone()[0])

    def drop(self, events: Iterable[str]) -> None:
        """Remove unsettled events (they were rejected; a later run may stage them again)."""
        self.conn.executemany("DELETE FROM events WHERE id = ?", ((e,) for e in events))

    # -- statements ---------------------------------------------------------------------------------

    def latest(self, unit: Unit) -> tuple[int, dict[str, Any]] | None:
        """The unit's original statement id and the scenario its latest statement settled, if any."""
        row = self.conn.execute("SELECT id FROM statements WHERE platform = ? AND creator = ? AND month = ? "
                                "AND type = 'original'", unit).fetchone()
        if row is None:
            return None
        scenario = self.conn.execute("SELECT scenario FROM statements WHERE platform = ? AND creator = ? "
                                     "AND month = ? ORDER BY id DESC LIMIT 1", unit).fetchone()[0]
        return int(row[0]), json.loads(scenario)

    def record(self, unit: Unit, statement: Statement, scenario: Mapping[str, Any], run: int,
               events: Sequence[str], original: int | None) -> Recorded | None:
        """Write the unit's statement and mark ``events`` settled by it; None (nothing written, the
        caller rolls back) if another process settled one of them meanwhile.

        With no ``original`` this is the unit's original. Otherwise it is an adjustment: ``statement``
        is the month recomputed with every event, and what is written is its difference from what
        the unit's statements already hold (see :meth:`_difference`). ``scenario`` is what was
        settled, kept so that a later event folds onto it.
        """
        if original is None:
            kind, lines = "original", [_line_row(line) for line in statement.lines]
        else:
            kind, lines = "adjustment", self._difference(unit, statement, original)
        net = sum(row[8] for row in lines)
        detail = _detail(statement, None if original is None else statement.net)
        cursor = self.conn.execute(
            "INSERT INTO statements(platform, creator, month, type, adjusts, status, net, events, event_ids, "
            "scenario, detail, run) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*unit, kind, original, statement.status, net, len(events), _compact(list(events)),
             _compact(scenario), detail, run))
        ident = cursor.lastrowid
        assert ident is not None
        self.conn.executemany(
            "INSERT INTO lines(statement, seq, rule, kind, order_id, payer, payee, base, rate, value, amount, "
            "label, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(ident, seq, *row) for seq, row in enumerate(lines, start=1)])
        settled = self.conn.executemany("INSERT INTO settled(event, statement) VALUES (?, ?) ON CONFLICT DO NOTHING",
                                        [(event, ident) for event in events]).rowcount
        if settled != len(events):
            return None
        return Recorded(ident, kind, original, from_fen(net), len(lines), settled)

    def _difference(self, unit: Unit, statement: Statement, original: int) -> list[_LineRow]:
        """Adjustment lines: per line key (rule, kind, order, payer, payee), the recomputed value
        and amount less what the unit's statements hold; keys that did not change write nothing."""
        held: dict[tuple[Any, ...], tuple[int, int, str]] = {}
        for rule, kind, order, payer, payee, value, amount, label in self.conn.execute(
                "SELECT rule, kind, order_id, payer, payee, SUM(value), SUM(amount), MIN(label) FROM lines "
                "WHERE statement IN (SELECT id FROM statements WHERE platform = ? AND creator = ? AND month = ?) "
                "GROUP BY rule, kind, order_id, payer, payee", unit):
            held[(rule, kind, order, payer, payee)] = (value, amount, label)
        now: dict[tuple[Any, ...], list[Any]] = {}
        for line in statement.lines:
            key = (line.rule, line.kind.code, line.order, line.payer, line.payee)
            entry = now.setdefault(key, [0, 0, line.label])
            entry[0] += to_fen(line.value)
            entry[1] += to_fen(line.amount)
        rows: list[_LineRow] = []
        for key in [*now, *(k for k in held if k not in now)]:
            was_value, was_amount, was_label = held.get(key, (0, 0, ""))
            value, amount, label = now.get(key, (0, 0, was_label))
            if value == was_value and amount == was_amount:
                continue
            note = (f"adjusts statement {original}: value {fmt(from_fen(was_value))} -> {fmt(from_fen(value))}, "
                    f"amount {fmt(from_fen(was_amount))} -> {fmt(from_fen(amount))}")
            rows.append((*key, None, None, value - was_value, amount - was_amount, label, note))
        return rows

    def statements(self, unit: Unit) -> list[dict[str, Any]]:
        """The unit's statements in the order written, with their lines."""
        found = []
        for ident, kind, adjusts, status, net, event_ids, scenario, detail, run in self.conn.execute(
                "SELECT id, type, adjusts, status, net, event_ids, scenario, detail, run FROM statements "
                "WHERE platform = ? AND creator = ? AND month = ? ORDER BY id", unit).fetchall():
            lines = [
                {"rule": r, "kind": k, "order": o, "payer": pr, "payee": pe, "base": b, "rate": rt,
                 "value": fmt(from_fen(v)), "amount": fmt(from_fen(a)), "label": lb, "note": n}
                for r, k, o, pr, pe, b, rt, v, a, lb, n in self.conn.execute(
                    "SELECT rule, kind, order_id, payer, payee, base, rate, value, amount, label, note "
                    "FROM lines WHERE statement = ? ORDER BY seq", (ident,))]
            found.append({"id": ident, "type": kind, "adjusts": adjusts, "status": status,
                          "net": fmt(from_fen(net)), "run": run, "events": json.loads(event_ids), "lines": lines,
                          **json.loads(detail), "scenario": json.loads(scenario)})
        return found

    # -- totals -------------------------------------------------------------------------------------

    def totals(self, *, month: str | None = None, platform: str | None = None,
               creator: str | None = None) -> Iterator[dict[str, Any]]:
        """Totals per (platform, creator, month), in that order: statements, adjustments, events,
        the amounts by total (statement.TOTALS) and net, summed over the unit's statements."""
        where, params = _filters(month, platform, creator)
        units = self.conn.execute(
            f"SELECT platform, creator, month, count(*), sum(type = 'adjustment'), sum(net), sum(events) "
            f"FROM statements s {where} GROUP BY platform, creator, month ORDER BY platform, creator, month",
            params)
        kinds = self.conn.execute(
            f"SELECT s.platform, s.creator, s.month, l.kind, sum(l.amount) FROM statements s "
            f"JOIN lines l ON l.statement = s.id {where} GROUP BY s.platform, s.creator, s.month, l.kind "
            f"ORDER BY s.platform, s.creator, s.month", params)
        pending = kinds.fetchone()
        for platform_, creator_, month_, count, adjustments, net, events in units:
            sums = dict.fromkeys(TOTALS, 0)
            while pending is not None and tuple(pending[:3]) == (platform_, creator_, month_):
                sums[_TOTAL_OF.get(pending[3], pending[3])] += pending[4]
                pending = kinds.fetchone()
            yield {"platform": platform_, "creator": creator_, "month": month_, "statements": count,
                   "adjustments": adjustments, "events": events,
                   **{k: fmt(from_fen(v)) for k, v in sums.items()}, "net": fmt(from_fen(net))}

    def export(self, out: TextIO, fmt_: str, *, month: str | None = None, platform: str | None = None,
               creator: str | None = None) -> int:
        """Write :meth:`totals` as ``csv`` or ``json``, streamed; returns the number of units."""
        rows = self.totals(month=month, platform=platform, creator=creator)
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


#: An event with no settlement record.
_UNSETTLED = "NOT EXISTS (SELECT 1 FROM settled WHERE settled.event = events.id)"

_LineRow = tuple[str, str, str | None, str, str, str | None, str | None, int, int, str, str]


def _line_row(line: Line) -> _LineRow:
    return (line.rule, line.kind.code, line.order, line.payer, line.payee, f"{line.base:f}", f"{line.rate:f}",
            to_fen(line.value), to_fen(line.amount), line.label, line.note)


def _compact(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _detail(statement: Statement, recomputed_net: Decimal | None) -> str:
    """What a statement says besides its lines (OUTPUT.md), as compact JSON."""
    data: dict[str, Any] = {
        "title": statement.title, "error": statement.error,
        "violations": [x.to_dict() for x in statement.violations],
        "not_applied": [x.to_dict() for x in statement.not_applied],
        "not_offered": [x.to_dict() for x in statement.not_offered],
        "pending": [x.to_dict() for x in statement.pending],
        "traffic_items": [x.to_dict() for x in statement.traffic_items],
        "facts": dict(statement.facts),
    }
    if recomputed_net is not None:
        data["recomputed_net"] = fmt(recomputed_net)
    return _compact(data)


def _filters(month: str | None, platform: str | None, creator: str | None) -> tuple[str, list[str]]:
    clauses, params = [], []
    for column, value in (("month", month), ("platform", platform), ("creator", creator)):
        if value is not None:
            clauses.append(f"s.{column} = ?")
            params.append(value)
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


__all__ = ["EXPORT_COLUMNS", "Ledger", "Recorded", "Staged", "StoredEvent", "Unit", "content", "from_fen",
           "to_fen"]
