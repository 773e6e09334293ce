"""Batch settlement's parallel part: checking rows and settling units in worker processes.

The main process (:class:`~creatorpay.core.batch.Batch`) alone writes the database, in unit order.
Workers check pieces of rows (:func:`_parse`) and settle pieces of units (:class:`Settler`); each
unit's store calls come back with their answers and are replayed against the real store in unit
order, so the ledger is exactly the one a serial run writes (docs/batch.md).
"""

from __future__ import annotations

import marshal
import multiprocessing
import os
import pickle
import queue
import signal
import sqlite3
import threading
import traceback
from collections import deque
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import attrs

from ..errors import InputError
from ..events import activities, fold, parse_event
from ..profiles import checked_base, parse_profile, scenario_for
from ..rows import Row, to_row
from ..scenario import Scenario, load_scenario
from ..sqlite_store import Call, StoreBuffer
from .codec import join_object, members
from .ledger import EventColumns, Held, ProfileColumns, StatementRows, Unit, statement_rows
from .lines import Piece, records_of

if TYPE_CHECKING:
    from collections.abc import Callable
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from ..engine import Engine
    from ..fields import Schema

#: Start workers for an events file of this many bytes (about 15,000 events; below, forking them is
#: not worth it), and keep them for settling from this many pending events.
PARALLEL_BYTES = 2_000_000
PARALLEL_EVENTS = 20000
#: Pieces of units in flight to the workers while the main process writes.
DEPTH = 3
#: Environment variable with the number of settling processes (0 or 1: serially).
WORKERS_ENV = "CREATORPAY_SETTLE_WORKERS"


class Rejected(Exception):
    """A unit that cannot be settled: its unsettled events are rejected with this reason."""


_R = TypeVar("_R", EventColumns, ProfileColumns)
#: A piece of a file checked: rows to store (:data:`EventColumns` for :meth:`Ledger.stage_rows`,
#: :data:`ProfileColumns` for :meth:`Ledger.put_profiles`), rejected rows (line, id, reason) and how
#: many rows were read.
Parsed = tuple[list[_R], list[tuple[int, str | None, str]], int]


def _parse(
    records: Piece,
    header: tuple[str, ...],
    text: bool,
    month: str | None,
    platforms: frozenset[str],
    run: int,
    *,
    schema: Schema,
) -> Parsed[EventColumns]:
    """Check a piece of the events file's records (:func:`parse_event`; ``month``: the period;
    ``schema``: the engine's, with its plugins' kinds) into rows for :meth:`Ledger.stage_rows`."""

    def check(fields: dict[str, Any], number: int) -> EventColumns | str:
        event = parse_event(fields, platforms=platforms, text=text, schema=schema)
        if isinstance(event, str):
            return event
        if month is not None and event.month != month:
            return f"date {event.date} is outside the period {month} (--period)"
        return (event.id, event.platform, event.creator, event.month, event.date, event.kind, event.body, run, number)

    return _checked(records, header, check)


def _parse_profiles(
    records: Piece, header: tuple[str, ...], text: bool, run: int, *, schema: Schema
) -> Parsed[ProfileColumns]:
    """Shape a piece of the creators file's records (:func:`parse_profile`; ``schema``: the
    engine's, with its plugins' ``[creator]`` keys) into rows for :meth:`Ledger.put_profiles`."""

    def check(fields: dict[str, Any], number: int) -> ProfileColumns | str:
        parsed = parse_profile(fields, text=text, schema=schema)
        if isinstance(parsed, str):
            return parsed
        creator, profile = parsed
        return (creator, profile, run, number)

    return _checked(records, header, check)


def _checked(
    records: Piece,
    header: tuple[str, ...],
    check: Callable[[dict[str, Any], int], _R | str],
) -> Parsed[_R]:
    """Each record of a piece (records, or a block of a JSON Lines file's lines: :mod:`.lines`)
    made a row (blank lines are none) and checked: ``check`` gives the row to stage or the reason
    it is rejected; a record that is not a row is rejected as it is."""
    rows: list[_R] = []
    rejects: list[tuple[int, str | None, str]] = []
    read = 0
    for number, record in records_of(records):
        row = to_row(number, record, header)
        if row is None:
            continue
        read += 1
        found = check(row.fields, number) if row.fields is not None else row.error or "unreadable row"
        if isinstance(found, str):
            rejects.append((number, _ident(row), found))
        else:
            rows.append(found)
    return rows, rejects, read


#: How the workers check each kind of file.
PARSERS: dict[str, Callable[..., Parsed[Any]]] = {"events": _parse, "profiles": _parse_profiles}


class Job(NamedTuple):
    """What settling one unit needs, read from the database by the main process."""

    unit: Unit
    #: All the unit's events (id, date, kind, body), settled or not, in (date, id) order: the month
    #: is folded from them whatever run brought them.
    events: list[tuple[str, str, str, str]]
    #: The ids of the unit's unsettled events: what this statement settles.
    settles: list[str]
    #: The creator's profile (JSON text), None if the creators file had none.
    profile: str | None
    #: A late event: the unit's original statement, what its statements hold, and the quota slots
    #: (key, holder) they took, given back before the month is settled again.
    original: int | None
    held: Held | None
    slots: list[tuple[str, str]]


class Outcome(NamedTuple):
    """A settled unit: its statement's rows, or why it cannot be settled; and its store calls."""

    rows: StatementRows | None
    rejected: str | None
    calls: list[Call]

    @property
    def settled(self) -> bool:
        """Whether the unit was settled (it has rows, no reason)."""
        return self.rejected is None


class Settler:
    """Settles units with the engine: the events folded into the month's scenario (built from the
    checked profile and sections without checking them again, :meth:`_scenario`), the statement
    settled by :meth:`Engine.settle` on ``store``, and turned into the rows the ledger writes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        #: (profile, creator, month) -> the profile as scenario JSON's head and the checked base
        #: scenario (None: the loader names a problem). Units come grouped by creator.
        self._bases: dict[tuple[str, str, str], tuple[str, Scenario | None]] = {}

    def settle(self, job: Job, store: StoreBuffer) -> Outcome:
        """Settle one unit; a unit that cannot be settled leaves ``store`` as it found it."""
        mark = store.mark()
        try:
            return self._settle(job, store)
        except Rejected as exc:
            calls = store.calls  # what the unit asked the store before it failed, for the check
            store.rollback(mark)
            return Outcome(None, str(exc), calls)

    def _settle(self, job: Job, store: StoreBuffer) -> Outcome:
        unit = job.unit
        if job.profile is None:
            raise Rejected(f"creator {unit.creator!r} has no profile in the creators file")
        sections = fold([(ident, kind, body) for ident, _, kind, body in job.events], self.engine.schema)
        head, base = self._base(job.profile, unit)
        scope = str(unit)
        try:
            scenario = self._scenario(job, base, sections, scope)
            store.scope = scope
            try:
                if job.original is not None:  # the month is settled again from scratch
                    store.refund(scope)
                    for key, holder in job.slots:
                        store.release(key, holder)
                statement = self.engine.settle(scenario, unit.platform, store=store)
            finally:
                store.scope = None
        except InputError as exc:
            raise Rejected(str(exc).replace("\n", "; ")) from None
        if statement.status == "error":
            raise Rejected(f"{unit.platform} failed: {statement.error}")
        # The scenario as stored: what scenario_for makes, written as one compact JSON text.
        text = join_object(head, members(sections), members({"schema": 1, "period": unit.month}))
        slots = _slots_taken(store.calls)
        settles = job.events
        if job.original is not None:
            wanted = set(job.settles)
            settles = [event for event in job.events if event[0] in wanted]
        rows = statement_rows(unit, statement, text, settles, job.original, job.held, slots)
        return Outcome(rows, None, store.calls)

    def _base(self, profile: str, unit: Unit) -> tuple[str, Scenario | None]:
        key = (profile, unit.creator, unit.month)
        found = self._bases.get(key)
        if found is None:
            if len(self._bases) >= 64:
                self._bases.clear()
            data = scenario_for(profile, unit.creator, unit.month, {})
            head = members({k: v for k, v in data.items() if k not in ("schema", "period")})
            base = checked_base(data, str(unit), self.engine.schema)
            if base is None:
                try:
                    base = load_scenario(data, source=str(unit), schema=self.engine.schema)
                except InputError:
                    base = None
            found = self._bases[key] = (head, base)
        return found

    def _scenario(self, job: Job, base: Scenario | None, sections: dict[str, Any], scope: str) -> Scenario:
        """The unit's scenario: its checked base with the activities built from the folded events
        (each checked when it was staged), or, when that does not apply, the loader on the whole
        (which names the problem, or prices an order from the creator's card)."""
        built = activities(sections, base.creator, self.engine.schema) if base is not None else None
        if base is None or built is None:
            assert job.profile is not None
            unit = job.unit
            data = scenario_for(job.profile, unit.creator, unit.month, sections)
            return load_scenario(data, source=scope, schema=self.engine.schema)
        return attrs.evolve(base, source=scope, **built)


def _slots_taken(calls: list[Call]) -> list[tuple[str, str]]:
    """The quota slots (key, holder) a unit's store calls reserved (a limit of 0 only asks)."""
    slots = []
    for method, args, answer in calls:
        if method == "reserve" and answer:
            key, holder, limit, _baseline = args
            if limit > 0:
                slots.append((key, holder))
    return slots


def requested(workers: int | None) -> int | None:
    """The number of settling processes asked for: ``workers``, else ``CREATORPAY_SETTLE_WORKERS``
    when it is a whole number, else None (:meth:`Workers.start` decides)."""
    if workers is None and os.environ.get(WORKERS_ENV, "").strip().isdigit():
        return int(os.environ[WORKERS_ENV])
    return workers


class Workers:
    """Worker processes for a :class:`Batch` (the second core, and more): they check the events
    file's rows while the main process stages them, then settle units while it writes them.

    Each platform is settled by one worker, in unit order, because a platform's plugin keeps state
    that its next unit reads (NetEase's cash budget, WeChat's cold-start pool, Xingtu's quotas): a
    worker's own :class:`StoreBuffer` (reading the database's committed rows the first time a key is
    used) then answers each call as the main process's buffer will when it makes the same calls in
    unit order. The main process checks that (``Batch._confirm``); anything else (another
    process writing, a key two platforms share) ends the parallel part of the run, never its
    correctness. Workers are forked before the run starts (the engine is loaded, the process is
    still small), hold no lock and write nothing; one that dies, or whose parent dies, ends with it
    (its pipe closes).

    A thread sends the messages, so that the main process never waits for a busy worker to read
    (it sends the next pieces while the workers compute, and reads their answers meanwhile); in
    each worker a thread sends its answers, so that a worker never waits for the main process to
    read one before it computes the next piece already sent.
    """

    def __init__(self, count: int, path: Path, settler: Settler) -> None:
        context = multiprocessing.get_context("fork")
        self._pipes: list[Connection] = []
        self._processes: list[BaseProcess] = []
        self._lanes: dict[str, int] = {}
        self._load = [0] * count
        self._sent: deque[list[list[int]]] = deque()
        self.failed = False
        ends = [context.Pipe() for _ in range(count)]
        for mine, theirs in ends:
            process = context.Process(
                target=_work,
                args=(theirs, [m for m, _ in ends], path.resolve(), settler),
                daemon=True,
                name="creatorpay-settle",
            )
            process.start()
            theirs.close()
            self._pipes.append(mine)
            self._processes.append(process)
        self._outbox: queue.SimpleQueue[tuple[int, bytes] | None] = queue.SimpleQueue()
        self._sender = threading.Thread(target=self._send, daemon=True, name="creatorpay-send")
        self._sender.start()  # after the forks: a forked process has no copy of it

    def _send(self) -> None:
        while (item := self._outbox.get()) is not None:
            lane, data = item
            try:
                self._pipes[lane].send_bytes(data)
            except OSError:
                self.failed = True

    @classmethod
    def start(cls, count: int | None, *, platforms: int, path: str, settler: Settler, size: int) -> Workers | None:
        """Workers for a run whose events file has ``size`` bytes, or None to run serially: a small
        file, a database in memory (``path``), one core, or ``count`` (:func:`requested`) below 2.
        An explicit count is used whatever the size of the run (the tests force it so); with none,
        one per core up to one per platform."""
        forced = count is not None
        if count is None:
            count = min(os.cpu_count() or 1, platforms)
        if (
            count < 2
            or path == ":memory:"
            or (not forced and size < PARALLEL_BYTES)
            or "fork" not in multiprocessing.get_all_start_methods()
        ):
            return None
        return cls(count, Path(path), settler)

    def __len__(self) -> int:
        return len(self._pipes)

    # -- any message --------------------------------------------------------------------------------

    def post(self, lane: int, message: tuple[Any, ...]) -> None:
        """Send worker ``lane`` a message of plain values (a failure shows in :meth:`fetch`)."""
        if not self.failed:
            self._outbox.put((lane, marshal.dumps(message)))

    def fetch(self, lane: int) -> Any:
        """The answer of worker ``lane`` to its oldest message; None if a worker failed."""
        if self.failed:
            return None
        try:
            found = marshal.loads(self._pipes[lane].recv_bytes())
        except (EOFError, OSError):
            self.failed = True
            return None
        if isinstance(found, str):  # the worker's traceback: a bug, not a race
            raise RuntimeError(f"a batch worker failed:\n{found}")
        return found

    # -- settling -----------------------------------------------------------------------------------

    def _lane(self, platform: str) -> int:
        lane = self._lanes.get(platform)
        if lane is None:
            lane = self._lanes[platform] = self._load.index(min(self._load))
        return lane

    def send(self, jobs: list[Job | None]) -> None:
        """Give each worker its platforms' units of a piece, in unit order."""
        if not self._lanes:  # the first piece: the busiest platforms first, each to the idlest worker
            counts: dict[str, int] = {}
            for job in jobs:
                if job is not None:
                    counts[job.unit.platform] = counts.get(job.unit.platform, 0) + 1
            for platform in sorted(counts, key=lambda p: (-counts[p], p)):
                self._load[self._lane(platform)] += counts[platform]
        shares: list[list[int]] = [[] for _ in self._pipes]
        for index, job in enumerate(jobs):
            if job is not None:
                lane = self._lane(job.unit.platform)
                shares[lane].append(index)
                self._load[lane] += 1
        self._sent.append(shares)
        for lane, share in enumerate(shares):
            if share:
                self.post(lane, ("settle", [_plain_job(jobs[i]) for i in share]))

    def receive(self) -> list[Outcome | None] | None:
        """The outcomes of the oldest piece sent, in unit order; None if a worker failed."""
        shares = self._sent.popleft()
        outcomes: list[Outcome | None] = [None] * (max((i for s in shares for i in s), default=-1) + 1)
        for lane, share in enumerate(shares):
            if share:
                found = self.fetch(lane)
                if found is None:
                    return None
                for index, outcome in zip(share, found, strict=True):
                    outcomes[index] = _outcome(outcome)
        return outcomes

    def stop(self) -> None:
        """End the workers (what they still compute or have still to read is not needed)."""
        for process in self._processes:
            if process.is_alive():
                process.kill()
            process.join()
        self._outbox.put(None)
        self._sender.join()  # its pipes are broken now: it stops at once
        for pipe in self._pipes:
            pipe.close()


# Between the processes, jobs and outcomes travel as plain tuples with :mod:`marshal` (three times
# faster than pickling the named tuples both ways); store calls carry Decimals and are pickled.


def _plain_job(job: Job | None) -> tuple[Any, ...]:
    assert job is not None
    return (tuple(job.unit), *job[1:])


def _plain_outcome(outcome: Outcome) -> tuple[Any, ...]:
    rows = None if outcome.rows is None else (tuple(outcome.rows.unit), *outcome.rows[1:])
    return rows, outcome.rejected, pickle.dumps(outcome.calls) if outcome.calls else b""


def _outcome(plain: tuple[Any, ...]) -> Outcome:
    rows, rejected, calls = plain
    if rows is not None:
        unit, *columns = rows
        rows = StatementRows(Unit(*unit), *columns)
    return Outcome(
        rows,
        rejected,
        pickle.loads(calls) if calls else [],
    )  # the worker's own bytes


def _work(pipe: Connection, close: list[Connection], path: Path, settler: Settler) -> None:
    """A worker: answer each message, ``("events", …)`` with :func:`_parse`, ``("profiles", …)``
    with :func:`_parse_profiles` and ``("settle", jobs)`` with the outcomes of settling the units
    against its own view of the store."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process handles an interrupt
    # At the main process's priority: lowered (nice 10), a worker on a host shared with other work
    # got about a tenth of a core's share and the main process waited for it (docs/performance.md).
    for other in close:
        other.close()
    # Answers go out through a thread: a piece's answer is larger than a pipe holds, and the main
    # process reads it only when it takes that piece; sent inline, the worker would wait for that (a
    # commit, say) with the next pieces already in its pipe (docs/performance.md).
    outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
    sender = threading.Thread(target=_answer, args=(pipe, outbox), daemon=True, name="creatorpay-answer")
    sender.start()
    buffer: StoreBuffer | None = None
    try:
        while True:
            message = marshal.loads(pipe.recv_bytes())
            kind, *arguments = message
            if kind in PARSERS:
                outbox.put(marshal.dumps(PARSERS[kind](*arguments, schema=settler.engine.schema)))
                continue
            if buffer is None:
                buffer = StoreBuffer(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=60.0))
            outcomes = []
            (plain_jobs,) = arguments
            for plain in plain_jobs:
                unit, *parts = plain
                job = Job(Unit(*unit), *parts)
                outcomes.append(_plain_outcome(settler.settle(job, buffer)))
                buffer.keep()
            outbox.put(marshal.dumps(outcomes))
    except (EOFError, OSError):
        pass  # the main process closed the pipe: it needs no more
    except BaseException:
        outbox.put(marshal.dumps(traceback.format_exc()))  # after the answers before it
        outbox.put(None)
        sender.join()
    finally:
        os._exit(0)  # no cleanup of what was inherited from the parent (its database connection)


def _answer(pipe: Connection, outbox: queue.SimpleQueue[bytes | None]) -> None:
    """A worker's answers sent in order, as the worker makes them, until None (or the pipe closes:
    the main process needs no more)."""
    with suppress(OSError):
        while (data := outbox.get()) is not None:
            pipe.send_bytes(data)


def _ident(row: Row) -> str | None:
    value = row.fields.get("id") if row.fields is not None else None
    return value if isinstance(value, str) else None
