"""Batch settlement of a month of events into the ledger (``creatorpay settle``, docs/batch.md).

1. Creator profiles are staged into the database (the latest file wins).
2. Events are streamed row by row, checked, and staged by idempotency key (:meth:`Ledger.stage`);
   a bad row goes to the rejects file with its line number and reason, and the rest proceed.
3. Units (platform, creator, month) with unsettled events are settled in unit order: the unit's
   events are folded into one scenario (thresholds, floors and tax apply to the month's totals),
   settled with one shared :class:`Engine` on the SQLite store, and recorded with the ledger.
4. A reconciliation closes the run: rows read = settled + duplicates + rejected, and per platform
   the cash the statements bring in equals what they pay out, to the fen.

Memory does not grow with the file: rows are staged in chunks and units are read back one at a
time. Commits are batched, but each unit (its statement and lines, its quota and budget changes, its
events' idempotency records) is in one transaction, and units are settled in a fixed order, so a
run killed at any moment and run again yields the ledger an uninterrupted run yields.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from pathlib import Path
from typing import Any, Protocol, TextIO, TypeVar

import attrs

from .engine import Engine
from .errors import InputError
from .events import COMMON, Event, fold, parse_event
from .ledger import Ledger, Recorded, Staged, StoredEvent, Unit, from_fen
from .money import fmt
from .profiles import parse_profile, scenario_for
from .rows import Row, RowReader
from .scenario import Period, load_scenario
from .sqlite_store import SQLiteStore

#: Rows staged per transaction.
STAGE_CHUNK = 20000
#: Units settled per transaction (fewer, larger commits write each changed page once).
SETTLE_CHUNK = 2000
#: Columns of the rejects file.
REJECT_COLUMNS = ("file", "line", "id", "reason")

T = TypeVar("T")


class Progress(Protocol):
    """Where a run reports how far it is (the CLI draws a progress bar)."""

    def start(self, phase: str, total: int) -> None: ...

    def update(self, done: int) -> None: ...


@attrs.define
class Summary:
    """What a run did: its counts, its statements and the reconciliation (docs/batch.md)."""

    run: int
    rows_read: int = 0
    #: Rows of this run now settled in the ledger (by this run, or by a concurrent one).
    settled: int = 0
    duplicates: int = 0
    rejected: int = 0
    conflicts: int = 0
    #: Rows staged (new, or left unsettled by an interrupted run) for settling.
    staged: int = 0
    #: Rows staged by this run that are still unsettled at its end: 0 unless something went wrong.
    unsettled: int = 0
    #: Events staged by an earlier interrupted run (not read in this one) that this run settled.
    carried_over: int = 0
    units: int = 0
    statements: int = 0
    adjustments: int = 0
    units_rejected: int = 0
    profiles_read: int = 0
    profiles_rejected: int = 0
    #: Per platform: cash_in, deductions, paid_out, cash_out, balanced.
    cash: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    seconds: float = 0.0
    #: Seconds per phase: creators, events, units, reconcile.
    timings: dict[str, float] = attrs.field(factory=dict)

    @property
    def counts_balance(self) -> bool:
        """rows read = settled + duplicates + rejected, and no row of the run is left unsettled."""
        return self.rows_read == self.settled + self.duplicates + self.rejected and self.unsettled == 0

    @property
    def balanced(self) -> bool:
        """Both reconciliations hold."""
        return self.counts_balance and all(p["balanced"] for p in self.cash.values())

    def to_dict(self) -> dict[str, Any]:
        data = attrs.asdict(self)
        data["reconciliation"] = {
            "rows": f"{self.rows_read} read = {self.settled} settled + {self.duplicates} duplicates + "
                    f"{self.rejected} rejected",
            "counts_balance": self.counts_balance,
            "cash_balance": all(p["balanced"] for p in self.cash.values()),
        }
        return data


class _Rejected(Exception):
    """A unit that cannot be settled: its unsettled events are rejected with this reason."""


class _Concurrent(Exception):
    """Another process settled some of the unit's events meanwhile: roll the unit back, skip it."""


class Batch:
    """One ``settle`` run against a store's database. ``rejects``: where rejected rows are written
    (CSV: file, line, id, reason); ``progress``: optional progress reporting."""

    def __init__(self, store: SQLiteStore, *, engine: Engine | None = None, period: Period | None = None,
                 rejects: TextIO | None = None, progress: Progress | None = None,
                 settle_chunk: int = SETTLE_CHUNK, stage_chunk: int = STAGE_CHUNK) -> None:
        self.store = store
        self.ledger = Ledger(store)
        self.engine = engine or Engine()
        self.period = period
        self.progress = progress
        self.settle_chunk = settle_chunk
        self.stage_chunk = stage_chunk
        self._rejects = csv.writer(rejects, lineterminator="\n") if rejects is not None else None
        if self._rejects is not None:
            self._rejects.writerow(REJECT_COLUMNS)
        self._platforms = frozenset(self.engine.platforms)
        self._source = "events"
        self._rejected_staged = 0

    def run(self, events: Path, creators: Path) -> Summary:
        """Stage the creators and the events, settle every unit with unsettled events, reconcile."""
        began = time.perf_counter()
        self._rejected_staged = 0
        with RowReader(creators, required=("id",)) as profiles, \
                RowReader(events, required=COMMON) as rows:
            run = self.ledger.begin_run(f"{events} --creators {creators}")
            summary = Summary(run)
            self._timed(summary, "creators", lambda: self._stage_profiles(profiles, summary))
            self._timed(summary, "events", lambda: self._stage_events(rows, summary))
        self._timed(summary, "units", lambda: self._settle(summary))
        self._timed(summary, "reconcile", lambda: self._reconcile(summary))
        summary.seconds = round(time.perf_counter() - began, 3)
        self.ledger.finish_run(run, summary.to_dict())
        return summary

    @staticmethod
    def _timed(summary: Summary, phase: str, step: Callable[[], None]) -> None:
        began = time.perf_counter()
        step()
        summary.timings[phase] = round(time.perf_counter() - began, 3)

    def _reject(self, source: str, line: int, ident: str | None, reason: str) -> None:
        if self._rejects is not None:
            self._rejects.writerow((source, line, ident or "", reason))

    # -- staging ------------------------------------------------------------------------------------

    def _stage_profiles(self, reader: RowReader, summary: Summary) -> None:
        source = str(reader.path)
        self._start("creators", reader.size)
        for chunk in _chunks(reader, self.stage_chunk, self.store):
            for row in chunk:
                summary.profiles_read += 1
                parsed = parse_profile(row.fields, text=reader.csv) if row.fields is not None else row.error
                if isinstance(parsed, tuple):
                    problem = self.ledger.put_profile(parsed[0], parsed[1], summary.run, row.line)
                    if problem is None:
                        continue
                    parsed = problem
                summary.profiles_rejected += 1
                self._reject(source, row.line, _ident(row), parsed or "unreadable row")
            self._update(reader.position)

    def _stage_events(self, reader: RowReader, summary: Summary) -> None:
        source = self._source = str(reader.path)
        month = str(self.period) if self.period is not None else None
        self._start("events", reader.size)
        for chunk in _chunks(reader, self.stage_chunk, self.store):
            for row in chunk:
                summary.rows_read += 1
                event = self._event(row, month, reader.csv)
                if isinstance(event, str):
                    summary.rejected += 1
                    self._reject(source, row.line, _ident(row), event)
                    continue
                outcome, why = self.ledger.stage(event, summary.run, row.line)
                if outcome is Staged.NEW or outcome is Staged.ADOPTED:
                    summary.staged += 1
                elif outcome is Staged.DUPLICATE:
                    summary.duplicates += 1
                elif outcome is Staged.CONFLICT:
                    summary.rejected += 1
                    summary.conflicts += 1
                    self._reject(source, row.line, event.id, why)
            self._update(reader.position)

    def _event(self, row: Row, month: str | None, text: bool) -> Event | str:
        if row.fields is None:
            return row.error or "unreadable row"
        event = parse_event(row.fields, platforms=self._platforms, text=text)
        if isinstance(event, Event) and month is not None and event.month != month:
            return f"date {event.date} is outside the period {month} (--period)"
        return event

    # -- settling -----------------------------------------------------------------------------------

    def _settle(self, summary: Summary) -> None:
        month = str(self.period) if self.period is not None else None
        self._start("settling", self.ledger.pending_count(month))
        done = 0
        units = self.ledger.pending(month)
        while True:
            chunk = list(islice(units, self.settle_chunk))
            if not chunk:
                break
            with self.store.transaction():
                for unit, events in chunk:
                    self._settle_unit(unit, events, summary)
            done += sum(len(events) for _, events in chunk)
            self._update(done)

    def _settle_unit(self, unit: Unit, pending: list[StoredEvent], summary: Summary) -> None:
        mine = sum(1 for e in pending if e.run == summary.run)
        summary.units += 1
        try:
            with self.store.transaction():  # a savepoint: a rejected unit leaves no trace
                recorded = self._settle_events(unit, pending, summary.run)
        except _Concurrent:
            recorded = None
        except _Rejected as exc:
            summary.units_rejected += 1
            summary.rejected += mine
            self._rejected_staged += mine
            for event in pending:
                ours = event.run == summary.run
                self._reject(self._source if ours else f"(run {event.run})", event.line, event.id,
                             f"{unit} cannot be settled: {exc}")
            self.ledger.drop(e.id for e in pending)
            return
        if recorded is None:
            summary.units -= 1  # another process settled these events meanwhile
            return
        summary.carried_over += len(pending) - mine
        summary.statements += 1
        summary.adjustments += recorded.type == "adjustment"

    def _settle_events(self, unit: Unit, pending: list[StoredEvent], run: int) -> Recorded:
        """Settle the unit's month with every event known (a late event: the earlier scenario's
        sections plus the new events); raise :class:`_Rejected` if it cannot be settled."""
        profile = self.ledger.profile(unit.creator)
        if profile is None:
            raise _Rejected(f"creator {unit.creator!r} has no profile in the creators file")
        latest = self.ledger.latest(unit)
        original, before = (None, None) if latest is None else (latest[0], _sections(latest[1]))
        data = scenario_for(profile, unit.creator, unit.month,
                            fold(((e.id, e.kind, e.body) for e in pending), before))
        scope = str(unit)
        try:
            scenario = load_scenario(data, source=scope)
            with self.store.scoped(scope):
                if original is not None:
                    self.store.refund(scope)  # the month is settled again from scratch
                statement = self.engine.settle(scenario, unit.platform, store=self.store)
        except InputError as exc:
            raise _Rejected(str(exc).replace("\n", "; ")) from None
        if statement.status == "error":
            raise _Rejected(f"{unit.platform} failed: {statement.error}")
        recorded = self.ledger.record(unit, statement, data, run, [e.id for e in pending], original)
        if recorded is None:
            raise _Concurrent
        return recorded

    # -- reconciliation -----------------------------------------------------------------------------

    def _reconcile(self, summary: Summary) -> None:
        """Rows: what was staged and not rejected with its unit is settled, and the ledger holds no
        unsettled event of this run. Cash, per platform over this run's statements: cash in (what the
        lines pay the creators) equals cash out (what the lines take from them, plus the statements'
        nets paid out), to the fen."""
        summary.settled = summary.staged - self._rejected_staged
        summary.unsettled = self.ledger.unsettled(summary.run)
        conn = self.store.connection
        flows = {platform: (credits, debits, lines_net) for platform, credits, debits, lines_net in conn.execute(
            "SELECT s.platform, COALESCE(SUM(CASE WHEN l.payee = s.creator THEN l.value END), 0), "
            "COALESCE(SUM(CASE WHEN l.payer = s.creator THEN l.value END), 0), COALESCE(SUM(l.amount), 0) "
            "FROM statements s LEFT JOIN lines l ON l.statement = s.id WHERE s.run = ? GROUP BY s.platform",
            (summary.run,))}
        for platform, count, adjustments, paid in conn.execute(
                "SELECT platform, count(*), sum(type = 'adjustment'), sum(net) FROM statements WHERE run = ? "
                "GROUP BY platform ORDER BY platform", (summary.run,)):
            credits, debits, lines_net = flows.get(platform, (0, 0, 0))
            summary.cash[platform] = {
                "statements": count, "adjustments": adjustments,
                "cash_in": fmt(from_fen(credits)), "deductions": fmt(from_fen(debits)),
                "paid_out": fmt(from_fen(paid)), "cash_out": fmt(from_fen(debits + paid)),
                "balanced": credits == debits + paid and lines_net == paid,
            }

    # -- progress -----------------------------------------------------------------------------------

    def _start(self, phase: str, total: int) -> None:
        if self.progress is not None:
            self.progress.start(phase, total)

    def _update(self, done: int) -> None:
        if self.progress is not None:
            self.progress.update(done)


def _chunks(rows: Iterable[T], size: int, store: SQLiteStore) -> Iterator[Iterator[T]]:
    """The rows in chunks of ``size``, each read inside its own transaction (streamed: a chunk is
    never held in memory); the caller consumes each chunk before asking for the next."""
    iterator = iter(rows)
    while True:
        with store.transaction():
            first = next(iterator, None)
            if first is None:
                return
            yield chain((first,), islice(iterator, size - 1))
        # The transaction commits when the caller asks for the next chunk.


def _sections(scenario: dict[str, Any]) -> dict[str, Any]:
    """The activity sections of a settled scenario (what later events add to)."""
    return {k: v for k, v in scenario.items() if k in ("tips", "programs", "merchant_live", "orders")}


def _ident(row: Row) -> str | None:
    value = row.fields.get("id") if row.fields is not None else None
    return value if isinstance(value, str) else None


__all__ = ["REJECT_COLUMNS", "SETTLE_CHUNK", "STAGE_CHUNK", "Batch", "Progress", "Summary"]
