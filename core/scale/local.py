"""The local reference driver of the stages (``creatorpay settle --engine local --ledger DIR``).

One process runs :mod:`.stages` and :mod:`.shared` in order and publishes the run in a Parquet
ledger (:mod:`.parquet`): the statements ``creatorpay settle`` writes into the SQLite ledger, so
``ledger export`` of either gives the same bytes (docs/scale.md). It is the reference a
distributed driver (Spark) is held to, and what runs a month that fits one machine's memory.
"""

from __future__ import annotations

import csv
import multiprocessing
import time
from itertools import islice
from typing import TYPE_CHECKING, Any, TextIO

from ..batch.codec import escaped
from ..batch.run import REJECT_COLUMNS, Summary
from ..batch.workers import Settler, requested
from ..engine import Engine
from ..events import COMMON
from ..rows import RowReader
from . import shared, stages

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from pathlib import Path

    from ..batch.workers import Job, Outcome
    from ..scenario import Period
    from ..sqlite_store import StoreBuffer
    from .parquet import ParquetLedger

#: Rows checked at a time.
PIECE = 5000
#: Units settled at a time by a worker process, and the fewest units worth starting workers for.
UNIT_PIECE = 500
PARALLEL_UNITS = 2000
#: What forked workers settle with: the settle function and the store's state as the run began.
_FORKED: tuple[Callable[[Job, StoreBuffer], Outcome], shared.State] | None = None
#: Times a run is settled again when other runs were committed while it settled (it read stale runs).
ATTEMPTS = 5


class LocalDriver:
    """One run of the stages into ``ledger``. ``rejects``: where rejected rows are written (CSV:
    file, line, id, reason, as ``creatorpay settle``); ``period``: settle only this month;
    ``workers``: processes settling the units the first time (the rest is in this process)."""

    def __init__(
        self,
        ledger: ParquetLedger,
        *,
        engine: Engine | None = None,
        period: Period | None = None,
        rejects: TextIO | None = None,
        workers: int | None = None,
    ) -> None:
        self.ledger = ledger
        #: Processes settling the units the first time (step 1 of :mod:`.shared`): ``workers``, else
        #: ``CREATORPAY_SETTLE_WORKERS``, else one (this process).
        self.workers = requested(workers) or 1
        self.engine = engine or Engine()
        self.period = period
        self._out = csv.writer(rejects, lineterminator="\n") if rejects is not None else None
        if self._out is not None:
            self._out.writerow(REJECT_COLUMNS)
        self._platforms = frozenset(self.engine.platforms)
        self._settler = Settler(self.engine)
        #: The last run's shared keys: resolved by their chain, and settled in a serial lane.
        self.chained: list[str] = []
        self.serial: list[str] = []
        #: The units of the chains settled again, seeded (their calls answered otherwise with what the
        #: units before them left: :func:`.shared.standing`); the others kept their first outcome.
        self.seeded = 0

    def run(
        self, events: Path, creators: Path, *, run: int | None = None, names: Mapping[Path, str] | None = None
    ) -> Summary:
        """Check, deduplicate, settle and reconcile a month into a new run (or run ``run`` again:
        the same inputs write the same bytes), and publish it. Optimistic: no lock is held while it
        settles; if another run was committed meanwhile, it settles again on top of it."""
        began = time.perf_counter()
        names = names or {}
        ident = self.ledger.new_run() if run is None else run
        for _ in range(ATTEMPTS):
            before = self.ledger.begin(ident)
            summary, tables, rejects = self._attempt(ident, before, events, creators, names)
            if self.ledger.publish(ident, tables, before) is not None:
                break
        else:
            raise RuntimeError(f"run {ident}: other runs were committed each time it settled ({ATTEMPTS} tries)")
        if self._out is not None:
            for reject in rejects:
                self._write_reject(reject)
        summary.seconds = round(time.perf_counter() - began, 3)
        return summary

    def _attempt(
        self, ident: int, before: list[int], events: Path, creators: Path, names: Mapping[Path, str]
    ) -> tuple[Summary, dict[str, list[tuple[Any, ...]]], list[stages.Reject]]:
        """The run settled against the committed runs ``before``: its summary, its tables' rows
        and its rejected rows (published by the caller if no other run was committed meanwhile)."""
        began = time.perf_counter()
        summary = Summary(ident)
        profiles, rejects = self._profiles(creators, names, summary)
        began_events = time.perf_counter()
        summary.timings["creators"] = round(began_events - began, 3)
        rows, found, source = self._events(events, names, summary)
        rejects += found
        deduped = stages.idempotency(rows, self.ledger.sightings(before), source=source)
        del rows
        summary.duplicates = deduped.duplicates
        summary.conflicts = deduped.conflicts
        summary.rejected = len(rejects) - summary.profiles_rejected + deduped.conflicts
        rejects = [
            *rejects[: summary.profiles_rejected],
            *sorted([*rejects[summary.profiles_rejected :], *deduped.rejects], key=lambda r: r.line),
        ]
        summary.staged = len(deduped.new)
        began_units = time.perf_counter()
        summary.timings["events"] = round(began_units - began_events, 3)

        grouped = stages.units(deduped.new)
        known = self.ledger.profiles(before)
        known.update({creator: row[1] for creator, row in profiles.items()})
        histories = self.ledger.histories(before, [unit for unit, _ in grouped])
        jobs = [
            stages.job(unit, unit_events, known.get(unit.creator), histories.get(unit)) for unit, unit_events in grouped
        ]
        state = self.ledger.state(before)
        resolution = shared.resolve(self._settle, jobs, state, first=self._first(state))
        self.chained, self.serial, self.seeded = resolution.chained, resolution.serial, resolution.seeded
        summary.resettled = resolution.resettled
        tables = self._tables(ident, before, grouped, resolution.outcomes, profiles, summary, rejects, source)
        summary.timings["units"] = round(time.perf_counter() - began_units, 3)
        began_reconcile = time.perf_counter()
        for platform, cash in stages.reconcile(tables["statements"], tables["lines"]).items():
            summary.cash[platform] = cash.to_dict()
        summary.timings["reconcile"] = round(time.perf_counter() - began_reconcile, 3)
        state = resolution.state
        tables.update(budgets=state.budgets, quotas=state.quotas, slots=state.slots, draws=state.draws)
        tables["rejects"] = [(ident, *r) for r in rejects]
        return summary, tables, rejects

    def _profiles(
        self, creators: Path, names: Mapping[Path, str], summary: Summary
    ) -> tuple[dict[str, stages.ProfileRow], list[stages.Reject]]:
        """The creators file checked: its profiles by creator, and its rejected rows by line."""
        with RowReader(creators, required=("id",), name=names.get(creators)) as reader:
            checked = stages.check_profiles(
                reader.records(),
                reader.header,
                source=reader.name,
                text=reader.csv,
                run=summary.run,
                schema=self.engine.schema,
            )
            profiles, repeats = stages.latest_profiles(checked.rows, source=reader.name)
        summary.profiles_read = checked.read
        rejects = sorted([*checked.rejects, *repeats], key=lambda r: r.line)
        summary.profiles_rejected = len(rejects)
        return profiles, rejects

    def _events(
        self, events: Path, names: Mapping[Path, str], summary: Summary
    ) -> tuple[list[stages.EventRow], list[stages.Reject], str]:
        """The events file checked a piece at a time: its good rows, its rejected ones, its name."""
        rows: list[stages.EventRow] = []
        rejects: list[stages.Reject] = []
        month = str(self.period) if self.period is not None else None
        with RowReader(events, required=COMMON, name=names.get(events)) as reader:
            records = reader.records()
            while piece := list(islice(records, PIECE)):
                checked = stages.check_events(
                    piece,
                    reader.header,
                    source=reader.name,
                    text=reader.csv,
                    month=month,
                    platforms=self._platforms,
                    run=summary.run,
                    schema=self.engine.schema,
                )
                summary.rows_read += checked.read
                rows += checked.rows
                rejects += checked.rejects
        return rows, rejects, reader.name

    def _settle(self, work: Job, store: StoreBuffer) -> Outcome:
        return stages.settle_unit(self._settler, work, store)

    def _first(self, state: shared.State) -> Callable[[Sequence[Job]], list[Outcome]] | None:
        """Step 1 of the shared keys' resolution in worker processes (``workers`` of them, forked
        with the engine loaded), or None to do it in this process."""
        if self.workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
            return None

        def first(jobs: Sequence[Job]) -> list[Outcome]:
            global _FORKED  # noqa: PLW0603 - what the forked workers inherit
            if len(jobs) < PARALLEL_UNITS:
                return shared.private(self._settle, jobs, shared.state_store(state))
            _FORKED = (self._settle, state)
            try:
                pieces = [list(jobs[i : i + UNIT_PIECE]) for i in range(0, len(jobs), UNIT_PIECE)]
                with multiprocessing.get_context("fork").Pool(self.workers) as pool:
                    return [outcome for piece in pool.imap(_private_piece, pieces) for outcome in piece]
            finally:
                _FORKED = None

        return first

    def _tables(
        self,
        run: int,
        before: list[int],
        grouped: list[tuple[Any, list[stages.EventRow]]],
        outcomes: list[Outcome],
        profiles: Mapping[str, stages.ProfileRow],
        summary: Summary,
        rejects: list[stages.Reject],
        source: str,
    ) -> dict[str, list[tuple[Any, ...]]]:
        """The run's rows of each table; units rejected add their events to ``rejects``."""
        statements: list[tuple[Any, ...]] = []
        lines: list[tuple[Any, ...]] = []
        slots: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        ident = self.ledger.next_statement(before)
        unsettled = 0
        for (unit, unit_events), outcome in zip(grouped, outcomes, strict=True):
            summary.units += 1
            if outcome.rows is None:
                summary.units_rejected += 1
                unsettled += len(unit_events)
                rejects += [
                    stages.Reject(source, e[8], e[0], f"{unit} cannot be settled: {outcome.rejected}")
                    for e in unit_events
                ]
                continue
            summary.statements += 1
            summary.adjustments += outcome.rows.type == "adjustment"
            rows = stages.ledger_rows(outcome.rows, ident, run)
            statements.append(rows.statement)
            lines += rows.lines
            slots += rows.slots
            events += [
                (e[3], e[1], e[2], e[0], e[4], e[5], e[6], stages.event_digest(e), run, e[8], ident)
                for e in unit_events
            ]
            ident += 1
        summary.rejected += unsettled
        summary.settled = summary.staged - unsettled
        creators = [(c, row[1], run, row[3]) for c, row in profiles.items()]
        return {
            "statements": statements,
            "lines": lines,
            "unit_slots": slots,
            "events": events,
            "creators": creators,
        }

    def _write_reject(self, reject: stages.Reject) -> None:
        assert self._out is not None
        ident = reject.id
        if ident and not ident.isprintable():
            ident = escaped(ident)
        self._out.writerow((reject.file, reject.line, ident, reject.reason))


def _private_piece(jobs: list[Job]) -> list[Outcome]:
    """In a forked worker: step 1 for a piece of units, against its own store as the run began."""
    assert _FORKED is not None
    settle, state = _FORKED
    return shared.private(settle, jobs, shared.state_store(state))


__all__ = ["LocalDriver"]
