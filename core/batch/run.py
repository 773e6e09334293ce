"""Batch settlement of a month of events into the ledger (``creatorpay settle``, docs/batch.md).

1. Creator profiles are staged into the database (the latest file wins).
2. Events are read a piece of rows at a time, checked, and staged by idempotency key
   (:meth:`Ledger.stage_rows`); a bad row goes to the rejects file with its line number and reason,
   and the rest proceed.
3. Units (platform, creator, month) with unsettled events are settled in unit order (creator,
   platform, month): the unit's events are folded into one scenario (thresholds, floors and tax
   apply to the month's totals), settled with :meth:`Engine.settle` against the store's quotas and
   budgets, and recorded in the ledger a piece of units at a time.
4. A reconciliation closes the run: rows read = settled + duplicates + rejected, and per platform
   the cash the statements bring in equals what they pay out, to the fen.

Memory does not grow with the file: rows are staged in pieces and units are read back a page at a
time. Commits are batched, but each unit (its statement and lines, its quota and budget changes, its
events' idempotency records) is in one transaction, and units are settled in a fixed order, so a
run killed at any moment and run again yields the ledger an uninterrupted run yields.

On a large file, worker processes (:class:`.workers.Workers`) check the rows and settle the units
while the main process alone writes, in order (:class:`.pipeline.Pipeline` keeps pieces in flight to
them); each unit's store calls are checked against the real store in unit order, so the ledger is
the one a serial run writes.
"""

from __future__ import annotations

import csv
import time
from itertools import chain, islice
from itertools import count as counter
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Protocol, TextIO

import attrs

from ..engine import Engine
from ..events import COMMON
from ..money import fmt
from ..rows import RowReader
from ..sqlite_store import CACHE_KIB, SQLiteStore, StoreBuffer
from .codec import escaped
from .ledger import (
    EventColumns,
    Ledger,
    PendingPart,
    ProfileColumns,
    Staged,
    StatementRows,
    StoredEvent,
    Unit,
    from_fen,
)
from .lines import Blocks, Piece, lines_in
from .pipeline import Pipeline
from .workers import (
    DEPTH,
    PARALLEL_EVENTS,
    PARSERS,
    Job,
    Outcome,
    Parsed,
    Settler,
    Workers,
    requested,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from pathlib import Path

    from ..scenario import Period

#: Rows staged per transaction.
STAGE_CHUNK = 20000
#: Rows checked (by a worker) and staged at a time within a transaction.
STAGE_PIECE = 2000
#: Units settled per transaction (fewer, larger commits write each changed page once: settling
#: 2,000 units touches most leaf pages of the events' settlement records, 20,000 hardly more).
SETTLE_CHUNK = 20000
#: Units prepared, settled (by a worker) and written at a time within a transaction.
PIECE = 1000
#: With workers and at least this many events staged, the pending events are copied in two parts
#: (:class:`PendingPart`): the first ``SPLIT_SHARE`` of the creators at once, the rest meanwhile.
SPLIT_EVENTS = 100_000
SPLIT_SHARE = 0.15
#: One staged event in this many gives its creator to the sample the parts are split by.
SAMPLE_EVERY = 200
#: Columns of the rejects file.
REJECT_COLUMNS = ("file", "line", "id", "reason")


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
    #: Processes that started the run: the main one and its workers (docs/batch.md).
    workers: int = 1
    #: Units a worker settled that were settled again by the main process, whose store answered
    #: otherwise (another process writing meanwhile): from then on the run went on serially.
    resettled: int = 0

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


class Batch:
    """One ``settle`` run against a store's database. ``rejects``: where rejected rows are written
    (CSV: file, line, id, reason); ``progress``: optional progress reporting; ``settle_chunk`` and
    ``stage_chunk``: units and rows per transaction; ``workers``: processes to check and settle
    with (default: ``CREATORPAY_SETTLE_WORKERS``, else one per core up to one per platform, for a
    large enough file; 0 or 1: serially)."""

    def __init__(
        self,
        store: SQLiteStore,
        *,
        engine: Engine | None = None,
        period: Period | None = None,
        rejects: TextIO | None = None,
        progress: Progress | None = None,
        settle_chunk: int = SETTLE_CHUNK,
        stage_chunk: int = STAGE_CHUNK,
        workers: int | None = None,
    ) -> None:
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
        #: Events of this run that this run wrote settlement records for (counted while writing).
        self._settled_mine = 0
        #: Creators of a sample of the staged events (:meth:`_split_at`).
        self._sample: list[str] = []
        #: Per platform, the run's cash so far (:meth:`_tally`).
        self._cash: dict[str, list[int]] = {}
        #: SQLite's ``data_version`` when the run began: another process's commit changes it.
        self._began_version = 0
        self._settler = Settler(self.engine)
        self.workers = workers
        #: A worker's store calls answered otherwise here: the run goes on serially.
        self._diverged = False
        self._resettled = 0
        self._pool: Workers | None = None
        #: The first statement id this run's settling may write (:meth:`_settled_before`), and
        #: per month whether a statement below it exists.
        self._before = 0
        self._months: dict[str, bool] = {}

    def run(self, events: Path, creators: Path, *, names: Mapping[Path, str] | None = None) -> Summary:
        """Stage the creators and the events, settle every unit with unsettled events, reconcile.

        ``names``: how to name an input in messages and the rejects file, by path (``-`` for standard
        input that the CLI spooled to a file)."""
        began = time.perf_counter()
        self._rejected_staged = self._settled_mine = 0
        self._cash = {}
        self._sample = []
        names = names or {}
        with (
            RowReader(creators, required=("id",), name=names.get(creators)) as profiles,
            RowReader(events, required=COMMON, name=names.get(events)) as rows,
        ):
            self.workers = requested(self.workers)
            self._pool = Workers.start(
                self.workers,
                platforms=len(self._platforms),
                path=self.store.path,
                settler=self._settler,
                size=rows.size,
            )
            try:
                run = self.ledger.begin_run(f"{rows.name} --creators {profiles.name}")
                self._began_version = self._data_version()  # our own commits leave it as it is
                summary = Summary(run, workers=1 if self._pool is None else 1 + len(self._pool))
                self._timed(summary, "creators", lambda: self._stage_profiles(profiles, summary))
                self._timed(summary, "events", lambda: self._stage_events(rows, summary))
                self._timed(summary, "units", lambda: self._settle(summary))
            finally:
                self._stop()
        summary.resettled = self._resettled
        self._timed(summary, "reconcile", lambda: self._reconcile(summary))
        summary.seconds = round(time.perf_counter() - began, 3)
        self.ledger.finish_run(run, summary.to_dict())
        return summary

    def _stop(self) -> None:
        """No more work for the workers (one failed, or another process writes): go on serially."""
        if self._pool is not None:
            self._pool.stop()
            self._pool = None

    @staticmethod
    def _timed(summary: Summary, phase: str, step: Callable[[], None]) -> None:
        began = time.perf_counter()
        step()
        summary.timings[phase] = round(time.perf_counter() - began, 3)

    def _reject(self, source: str, line: int, ident: str | None, reason: str) -> None:
        if self._rejects is not None:
            if ident and not ident.isprintable():  # a control character or lone surrogate: written escaped
                ident = escaped(ident)
            self._rejects.writerow((source, line, ident or "", reason))

    # -- staging ------------------------------------------------------------------------------------

    def _stage_profiles(self, reader: RowReader, summary: Summary) -> None:
        """Stage the creators file (the latest file wins; a creator twice in one file is rejected)."""
        self._start("creators", reader.size)
        source = reader.name

        def put(parsed: Parsed[ProfileColumns]) -> None:
            rows, rejects, read = parsed
            summary.profiles_read += read
            rejects.extend((row.line, row.creator, why) for row, why in self.ledger.put_profiles(rows))
            summary.profiles_rejected += len(rejects)
            for line, ident, reason in sorted(rejects, key=_by_line):
                self._reject(source, line, ident, reason)

        self._stage(reader, "profiles", (reader.header, reader.csv, summary.run), put)

    def _stage_events(self, reader: RowReader, summary: Summary) -> None:
        """Stage the events: each row checked (:func:`_parse`), then staged by its idempotency key
        (:meth:`Ledger.stage_rows`)."""
        self._source = reader.name
        month = str(self.period) if self.period is not None else None
        self._start("events", reader.size)
        self._stage(
            reader,
            "events",
            (reader.header, reader.csv, month, self._platforms, summary.run),
            lambda parsed: self._stage_parsed(parsed, summary),
        )

    def _stage(self, reader: RowReader, kind: str, args: tuple[Any, ...], put: Callable[[Parsed[Any]], None]) -> None:
        """Read a file a piece of rows at a time, ``stage_chunk`` rows per transaction: each piece
        checked by ``PARSERS[kind]`` (by the workers when there are some, while this process puts
        the pieces before into the database), then put (in file order). A JSON Lines file is read
        in blocks of whole lines (:class:`.lines.Blocks`), split into lines where they are checked."""
        size = min(STAGE_PIECE, self.stage_chunk)
        lanes = counter()  # the pieces go to the workers in turn

        def post(piece: Piece) -> int:
            assert self._pool is not None  # only sent while there are workers (ahead)
            lane = next(lanes) % len(self._pool)
            self._pool.post(lane, (kind, piece, *args))
            return lane

        pieces: Iterator[Piece]
        if reader.csv:
            records = reader.records()
            pieces = iter(lambda: list(islice(records, size)), [])
            where: RowReader | Blocks = reader
        else:
            where = Blocks(reader.stream, size)  # the reader's own file, which it closes
            pieces = where.pieces()
        flow = Pipeline(pieces, ahead=lambda: 0 if self._pool is None else 2 * len(self._pool), send=post)
        while True:
            with self.store.transaction():
                staged = 0
                while staged < self.stage_chunk and (rows := self._stage_next(flow, kind, args, put)) is not None:
                    staged += rows
                    self._update(where.position)
            if staged < self.stage_chunk:
                return

    def _stage_next(
        self,
        flow: Pipeline[Piece, int],
        kind: str,
        args: tuple[Any, ...],
        put: Callable[[Parsed[Any]], None],
    ) -> int | None:
        """Take the next piece of rows, checked by the workers or here, and put it; how many lines it
        had, None when none is left. (A method of its own so that nothing of a piece is held while
        the next ones are sent: the main process's peak memory.)"""
        flight = flow.take()
        if flight is None:
            return None
        parsed = self._fetch(flight.ticket)
        put(PARSERS[kind](flight.piece, *args, schema=self.engine.schema) if parsed is None else parsed)
        return lines_in(flight.piece)

    def _fetch(self, lane: int | None) -> Parsed[Any] | None:
        """The workers' answer to a piece sent to ``lane``; None if it was not sent, or they failed
        (then they are stopped, and the piece is checked here)."""
        if lane is None or self._pool is None:
            return None
        parsed: Parsed[Any] | None = self._pool.fetch(lane)
        if parsed is None:
            self._stop()
        return parsed

    def _stage_parsed(self, parsed: Parsed[EventColumns], summary: Summary) -> None:
        """Stage a piece's checked events; count them, and reject the bad and conflicting rows."""
        rows, rejects, read = parsed
        summary.rows_read += read
        summary.rejected += len(rejects)
        new, others = self.ledger.stage_rows(rows, summary.run)
        self._sample.extend(map(_CREATOR, rows[::SAMPLE_EVERY]))
        summary.staged += new
        for row, outcome, why in others:
            if outcome is Staged.ADOPTED:
                summary.staged += 1
            elif outcome is Staged.DUPLICATE:
                summary.duplicates += 1
            elif outcome is Staged.CONFLICT:
                summary.rejected += 1
                summary.conflicts += 1
                rejects.append((row.line, row.id, why))
        rejects.sort(key=_by_line)
        for line, ident, reason in rejects:
            self._reject(self._source, line, ident, reason)

    # -- settling -----------------------------------------------------------------------------------

    def _settle(self, summary: Summary) -> None:
        """Settle the pending units in unit order, a piece of units at a time, ``settle_chunk``
        units per transaction.

        Serially, each piece is prepared inside the transaction, its units settled against a
        :class:`StoreBuffer` and written. In parallel (:class:`Workers`), worker processes settle
        the pieces while the main process prepares the next ones and writes the last ones; each
        unit's store calls are then made again here, in unit order, and must answer as they did in
        the worker, or the unit is settled again here: the ledger is the one a serial run writes.
        """
        month = str(self.period) if self.period is not None else None
        started = self._data_version()  # the pending events are read after this
        self._before = int(
            self.store.connection.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM statements").fetchone()[0]
        )
        self._months = {}
        split = self._split_at(summary)
        rest: PendingPart | None = None
        if split is None:
            total = self.ledger.collect_pending(month)
            units = self.ledger.pending_units()
        else:  # the creators from ``split`` on are copied meanwhile, while the workers settle the first ones
            total = self.ledger.collect_pending(month, creators=(None, split))
            rest = PendingPart(self.store.path, month, split, CACHE_KIB)
            units = chain(self.ledger.pending_units(), rest.units())
        try:
            self._settle_units(summary, units, (started, total, rest))
        finally:
            if rest is not None:
                rest.close()

    def _split_at(self, summary: Summary) -> str | None:
        """Where the pending events are copied in two parts (:class:`PendingPart`): with workers and
        at least ``SPLIT_EVENTS`` events staged, the creator ``SPLIT_SHARE`` of the way through a
        sample of those staged; else None (one copy, during which the workers wait)."""
        if self._pool is None or summary.staged < SPLIT_EVENTS or not self._sample:
            return None
        sample = sorted(self._sample)
        return sample[int(len(sample) * SPLIT_SHARE)]

    def _settle_units(
        self,
        summary: Summary,
        units: Iterator[tuple[Unit, list[StoredEvent]]],
        copied: tuple[int, int, PendingPart | None],
    ) -> None:
        """Settle ``units`` (:meth:`_settle`); ``copied``: the database's ``data_version`` before
        they were read, how many events the first copy holds, and the second part if any."""
        started, total, rest = copied
        # With a second part the total is known when it is copied: the events this run staged, the
        # usual total, stand for it in the progress shown (events left by an interrupted run go beyond).
        self._start("settling", total if rest is None else max(total, summary.staged))
        buffer = StoreBuffer(self.store.connection)
        size = min(PIECE, self.settle_chunk)
        if self._pool is not None and self.workers is None and rest is None and total < PARALLEL_EVENTS:
            self._stop()  # too few units to be worth it

        def send(piece: list[tuple[Unit, list[StoredEvent]]]) -> list[Job | None]:
            assert self._pool is not None  # only sent while there are workers (ahead)
            jobs = self._jobs(piece, check=False)
            self._pool.send(jobs)
            return jobs

        flow = Pipeline(
            iter(lambda: list(islice(units, size)), []), ahead=lambda: 0 if self._pool is None else DEPTH, send=send
        )
        version, done = started, 0
        try:
            while True:
                checked = self._keys(started)
                with self.store.transaction():
                    now = self._data_version()  # no one else writes until this transaction ends
                    if now != started and not checked:
                        continue  # another process committed just now: again, with the keys checked
                    if now != version:  # another process wrote: what was read may be stale
                        buffer.clear()
                        version = now
                    fresh = now == started
                    if not fresh:
                        self._stop()  # the rest of the run goes on serially
                    settled = 0
                    while (
                        settled < self.settle_chunk
                        and (taken := self._settle_next(flow, fresh, buffer, summary)) is not None
                    ):
                        units_taken, events_taken = taken
                        settled += units_taken
                        done += events_taken
                        self._update(done)
                        if self._pool is not None and (self._diverged or self._pool.failed):
                            self._stop()
                    buffer.flush()
                if settled < self.settle_chunk:
                    return
        finally:
            self.store.connection.execute("PRAGMA foreign_keys = ON")  # as SQLiteStore opens it

    def _keys(self, started: int) -> bool:
        """Whether SQLite checks the foreign keys in the next settling transaction (set here, before
        it begins): only once another process has committed since the pending events were read.

        Until then every row the transaction writes references rows that exist by construction: a
        settlement record the event it was read from ``events`` for (no one else has committed
        since, and this run deletes only the events of units it rejects, which no statement
        names), a line its statement written with it, a statement its run and original (never
        deleted), a budget draw or quota slot its key written before it by the same flush. SQLite's
        look-up of each settlement record's event cost 2.6 of the main process's 34 processor
        seconds on the 1M month (docs/performance.md). Should another process commit between this
        look and the transaction's ``BEGIN``, the transaction sees it and starts again checked."""
        checked = self._data_version() != started
        self.store.connection.execute(f"PRAGMA foreign_keys = {'ON' if checked else 'OFF'}")
        return checked

    def _settle_next(
        self,
        flow: Pipeline[list[tuple[Unit, list[StoredEvent]]], list[Job | None]],
        fresh: bool,
        buffer: StoreBuffer,
        summary: Summary,
    ) -> tuple[int, int] | None:
        """Take the next piece of units, settled by the workers (and confirmed here) or here, and
        write it; how many units and events it had, None when none is left. (A method of its own so
        that nothing of a piece is held while the next ones are sent: the main process's peak memory.)"""
        flight = flow.take()
        if flight is None:
            return None
        piece, sent = flight
        outcomes = self._receive(sent, buffer) if fresh else None
        if outcomes is None:
            jobs = self._jobs(piece, check=not fresh)
            outcomes = [None if job is None else self._settler.settle(job, buffer) for job in jobs]
        self._record(piece, outcomes, summary)
        return len(piece), sum(len(events) for _, events in piece)

    def _receive(self, jobs: list[Job | None] | None, buffer: StoreBuffer) -> list[Outcome | None] | None:
        """The outcomes of a piece whose ``jobs`` were sent to the workers, each confirmed here
        (:meth:`_confirm`); None if it was not sent, or the workers were stopped or failed (then
        the piece is settled here)."""
        if jobs is None or self._pool is None:
            return None
        outcomes = self._pool.receive()
        if outcomes is None:
            return None
        return [
            None if job is None else self._confirm(job, outcome, buffer)
            for job, outcome in zip(jobs, outcomes, strict=True)
        ]

    def _confirm(self, job: Job, outcome: Outcome | None, buffer: StoreBuffer) -> Outcome:
        """A worker's outcome, once its store calls answer here as they did there; else the unit
        settled here (the worker saw the store otherwise: another writer, or a key two platforms
        share), and the workers are stopped after this chunk."""
        if outcome is not None and not outcome.calls:
            return outcome  # it asked the store nothing: nothing to check
        if outcome is not None and buffer.replay_unit(str(job.unit), outcome.calls, keep=outcome.rows is not None):
            return outcome
        self._diverged = True
        self._resettled += 1
        return self._settler.settle(job, buffer)

    def _data_version(self) -> int:
        """Changes when another connection commits to the database (SQLite's ``data_version``)."""
        return int(self.store.connection.execute("PRAGMA data_version").fetchone()[0])

    def _jobs(self, chunk: list[tuple[Unit, list[StoredEvent]]], *, check: bool) -> list[Job | None]:
        """What settling each unit of ``chunk`` needs from the database, read in a few queries: its
        creator's profile and, for a unit settled before (a late event), its original statement, the
        events its statements settled (the month is folded from all its events in (date, id) order,
        whatever run brought them), what they hold and the quota slots they took.

        ``check``: another process may have written since the pending events were read, so look
        which are settled now: a unit with all its events settled meanwhile is None; events of a
        unit that another process settled in part are left out (the rest settle as an adjustment).
        """
        units = [unit for unit, _ in chunk]
        profiles = self.ledger.profiles({unit.creator for unit in units})
        originals = self.ledger.originals(units if check else [u for u in units if self._settled_before(u.month)])
        settled = self.ledger.settled_among(e.id for _, events in chunk for e in events) if check else set()
        jobs: list[Job | None] = []
        for index, (unit, unit_events) in enumerate(chunk):
            events = unit_events
            if settled and any(e.id in settled for e in events):
                events = [e for e in events if e.id not in settled]
                chunk[index] = (unit, events)
                if not events:
                    jobs.append(None)
                    continue
                originals.update(self.ledger.originals([unit]))
            original, _ = originals.get(unit, (None, None))
            if original is None:
                jobs.append(
                    Job(
                        unit,
                        list(map(_JOB_EVENT, events)),
                        list(map(_ID, events)),
                        profiles.get(unit.creator),
                        None,
                        None,
                        [],
                    )
                )
                continue
            earlier, slots = self.ledger.history([unit]).get(unit, ([], []))
            every = sorted([*earlier, *events], key=lambda e: (e.date, e.id))
            jobs.append(
                Job(
                    unit,
                    [(e.id, e.date, e.kind, e.body) for e in every],
                    [e.id for e in events],
                    profiles.get(unit.creator),
                    original,
                    self.ledger.held(unit),
                    slots,
                )
            )
        return jobs

    def _settled_before(self, month: str) -> bool:
        """Whether ``month`` had a statement when the run read its pending events (asked once a
        month). While no other process has committed since (``check`` is off in :meth:`_jobs`), a
        unit of a month that had none has no original: each unit comes once in a run, so the only
        statements of that month are this run's own, of other units. A new month, as a monthly
        run settles, then asks nothing per piece (0.3 processor seconds on the 1M month)."""
        found = self._months.get(month)
        if found is None:
            found = self._months[month] = (
                self.store.connection.execute(
                    "SELECT 1 FROM statements WHERE month = ? AND id < ? LIMIT 1", (month, self._before)
                ).fetchone()
                is not None
            )
        return found

    def _record(
        self, chunk: list[tuple[Unit, list[StoredEvent]]], outcomes: list[Outcome | None], summary: Summary
    ) -> None:
        """Count and write a chunk's settled units, in unit order; reject the units that cannot be
        settled (their events go to the rejects file and are dropped, leaving no trace)."""
        written: list[StatementRows] = []
        dropped: list[str] = []
        for (unit, pending), outcome in zip(chunk, outcomes, strict=True):
            if outcome is None:
                continue  # another process settled these events meanwhile
            mine = list(map(_RUN, pending)).count(summary.run)
            summary.units += 1
            if outcome.rows is None:
                summary.units_rejected += 1
                summary.rejected += mine
                self._rejected_staged += mine
                for event in pending:
                    ours = event.run == summary.run
                    self._reject(
                        self._source if ours else f"(run {event.run})",
                        event.line,
                        event.id,
                        f"{unit} cannot be settled: {outcome.rejected}",
                    )
                dropped.extend(e.id for e in pending)
                continue
            summary.carried_over += len(pending) - mine
            self._settled_mine += mine
            summary.statements += 1
            summary.adjustments += outcome.rows.type == "adjustment"
            written.append(outcome.rows)
        first = self.ledger.write(written, summary.run)
        if written:
            self._tally(first, first + len(written) - 1, summary.run)
        if dropped:
            self.ledger.drop(dropped)

    # -- reconciliation -----------------------------------------------------------------------------

    def _reconcile(self, summary: Summary) -> None:
        """Rows: what was staged and not rejected with its unit is settled, and the ledger holds no
        unsettled event of this run. Cash, per platform over this run's statements: cash in (what the
        lines pay the creators) equals cash out (what the lines take from them, plus the statements'
        nets paid out), to the fen: the sums :meth:`_tally` read back from each piece written."""
        summary.settled = summary.staged - self._rejected_staged
        summary.unsettled = self._unsettled(summary)
        for platform in sorted(self._cash):
            count, adjustments, paid, credits, debits, lines_net = self._cash[platform]
            summary.cash[platform] = {
                "statements": count,
                "adjustments": adjustments,
                "cash_in": fmt(from_fen(credits)),
                "deductions": fmt(from_fen(debits)),
                "paid_out": fmt(from_fen(paid)),
                "cash_out": fmt(from_fen(debits + paid)),
                "balanced": credits == debits + paid and lines_net == paid,
            }

    def _tally(self, first: int, last: int, run: int) -> None:
        """Add the cash of the statements ``first`` to ``last`` (a piece this run has just written),
        read back in SQL from their stored rows and lines, to the run's sums per platform: statements,
        adjustments, nets paid out, what the lines pay the creator (cash in), what they take from
        them, and the lines' net. Statements and lines are never edited once written, so the sums
        are those of the run's statements read at its end, without a pass over them all after the
        workers have stopped (the main process often waits for the workers while settling)."""
        conn = self.store.connection
        flows = {
            platform: (credits, debits, lines_net)
            for platform, credits, debits, lines_net in conn.execute(
                "SELECT s.platform, COALESCE(SUM(CASE WHEN l.payee = s.creator THEN l.value END), 0), "
                "COALESCE(SUM(CASE WHEN l.payer = s.creator THEN l.value END), 0), COALESCE(SUM(l.amount), 0) "
                "FROM statements s LEFT JOIN lines l ON l.statement = s.id WHERE s.id BETWEEN ? AND ? AND s.run = ? "
                "GROUP BY s.platform",
                (first, last, run),
            )
        }
        for platform, count, adjustments, paid in conn.execute(
            "SELECT platform, count(*), sum(type = 'adjustment'), sum(net) FROM statements "
            "WHERE id BETWEEN ? AND ? AND run = ? GROUP BY platform",
            (first, last, run),
        ):
            sums = self._cash.setdefault(platform, [0] * 6)
            for index, value in enumerate((count, adjustments, paid, *flows.get(platform, (0, 0, 0)))):
                sums[index] += value

    def _unsettled(self, summary: Summary) -> int:
        """How many events staged by this run have no settlement record. This process alone wrote
        since the run began (``data_version`` is as it was): the run's own count, kept while
        writing, is exact (it wrote a record for each of its events in the units it settled, and
        dropped those of the units it rejected). Another process wrote meanwhile, or the count says
        some are left: the ledger is asked (a scan of the events)."""
        left = summary.settled - self._settled_mine
        if left == 0 and self._data_version() == self._began_version:
            return 0
        return self.ledger.unsettled(summary.run)

    # -- progress -----------------------------------------------------------------------------------

    def _start(self, phase: str, total: int) -> None:
        if self.progress is not None:
            self.progress.start(phase, total)

    def _update(self, done: int) -> None:
        if self.progress is not None:
            self.progress.update(done)


#: Of a :class:`StoredEvent`: the event as a job carries it (id, date, kind, body), its id, its run
#: (C-level getters: the main process handles every event of the run).
_JOB_EVENT = itemgetter(0, 1, 2, 3)
_ID = itemgetter(0)
_RUN = itemgetter(4)
#: Of :data:`EventColumns`: the creator.
_CREATOR = itemgetter(2)


def _by_line(reject: tuple[int, str | None, str]) -> int:
    """A rejected row's line (line, id, reason): the rejects file is written in file order."""
    line, _ident, _reason = reject
    return line


__all__ = ["REJECT_COLUMNS", "SETTLE_CHUNK", "STAGE_CHUNK", "Batch", "Progress", "Summary"]
