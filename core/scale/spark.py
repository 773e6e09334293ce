"""The Spark driver of the stages (``creatorpay settle --engine spark --master local[2]|yarn|k8s://…``).

The same stages as the local driver (:mod:`.local`), run by Spark where the rows are:

1. The events file (JSON Lines) is cut into line-aligned byte ranges; Spark tasks read their range
   and check its rows with :func:`.stages.check_events` (rejects keep file, line, id and reason).
2. Idempotency as Spark SQL: the ids repeated in the file or already in the committed runs' events
   index (read from the Parquet ledger by Spark) are found by joins; every other row is new (an
   anti-join). Only the rows of those ids go through :func:`.stages.idempotency`, grouped by id in
   line order (duplicate, or conflict naming the first sighting). With no committed run and no id
   repeated in the file, every row is new: no join.
3. The new events are repartitioned by unit (platform, creator, month) and sorted within partitions
   so each unit's events arrive together in (date, id) order; ``mapInArrow`` settles each unit with
   the real engine (:func:`.stages.settle_unit`) against the store as the run began, recording its
   store calls: step 1 of :mod:`.shared`.
4. The same tasks make the rows of the run's tables but the events index (:func:`final_rows`,
   statement ids left null) of every unit that drew from no budget; a unit that drew from one gets
   only its row, as every unit does: its key, whether it was settled, its events' count and its
   store calls, which the driver collects. The rows stay with the executors (a DataFrame on their
   disks). The driver chains the shared keys (:func:`.shared.plan`: each unit's ``left_before``);
   the seeds go back to the executors (a broadcast) and a second ``mapInArrow`` settles the units
   that drew from a budget again, seeded (:func:`seed_units`), and makes their rows; the driver
   checks every step (:func:`.shared.holds`), settles a key whose chain does not hold in a serial
   lane (its rows replace the tasks'), and confirms every unit's calls in unit order (the budgets'
   state of the next run). Then the statements are numbered in unit order, Spark joins the ids to
   the rows and takes each statement's digest with its id, makes the events index from the new
   events it holds (cached since step 1; each event's digest by ``sha2``: :func:`events_index`),
   and writes the run's events index, statements, lines and unit slots (``partitionBy("month",
   "platform")``, one file per partition, sorted, renamed ``part-0.parquet``: the same bytes when a
   run is written again) into the run's temporary folder; the driver adds the small tables
   (creators, rejects, the store's state) with :func:`.parquet.write_run`, which renames the folder
   into place, and the run is committed.

Each step's Spark jobs are described (``creatorpay: settle``, …) and timed (:attr:`SparkDriver.timings`,
the run summary's ``timings``), with the Python workers' processor seconds of each kind of task.

With ``store`` (a PostgreSQL DSN) the registry and the budgets' state between runs are
:class:`~creatorpay.core.postgres_store.PostgresStore`'s: a run reads each budget's remaining amount
and version as it begins, and commits its budgets (compare-and-set on the version), its folder and
its registry row in one transaction, under an advisory lock; if another run committed meanwhile it
is settled again from the new state. pyspark is imported only here (``pip install 'creatorpay[spark]'``).
"""

from __future__ import annotations

import gc
import os
import pickle
import shutil
import time
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from decimal import Decimal
from functools import partial
from itertools import groupby, islice
from typing import TYPE_CHECKING, Any, NamedTuple

from ..batch.ledger import Unit
from ..batch.run import Summary
from ..collector import GC_FIRST_GENERATION
from ..files import MAX_LINE
from ..rows import TOO_LONG
from . import archive, shared, stages, tables
from .local import LocalDriver
from .parquet import run_folder, temporary_folder, write_run
from .shared import holds

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
    from pathlib import Path
    from typing import TextIO

    from ..batch.workers import Job, Outcome, Settler
    from ..engine import Engine
    from ..scenario import Period
    from ..sqlite_store import Call
    from .parquet import ParquetLedger

#: Rows checked at a time inside a task (row by row), and the bytes of a block of lines checked on Arrow
#: columns (:func:`blocks`: half of the longest line, so that no block holds a line too long to read).
PIECE = 5000
BLOCK = 512 * 1024
#: Runs settled again at most when other runs keep committing first (with ``store``).
ATTEMPTS = 5
#: The Arrow/Spark schema of a checked row: an event (``tag`` event), a rejected row (``tag`` reject,
#: or conflict for a conflicting id; ``reason`` set), or a count (``tag`` read or duplicates, the
#: count in ``line``).
CHECKED = (
    "tag string, id string, platform string, creator string, month string, date string, kind string, "
    "body string, run long, line long, reason string"
)
#: The events index's columns a sighting in the ledger needs (besides its id), and their Spark types.
_HISTORY = {
    "platform": "string",
    "creator": "string",
    "month": "string",
    "date": "string",
    "kind": "string",
    "body": "string",
    "run": "long",
    "line": "long",
    "digest": "string",
    "statement": "long",
}
_COLUMNS = ("tag", "id", "platform", "creator", "month", "date", "kind", "body", "run", "line", "reason")
#: The columns of an :data:`.stages.EventRow`, in its order.
_EVENT_COLUMNS = _COLUMNS[1:-1]


#: The C2 compiler's thresholds in local mode: 2.5 times HotSpot's defaults (5000, 600, 15000, 40000),
#: before ``CompileThresholdScaling`` multiplies them with the C1 compiler's by 4, so C2 (the costly
#: compiler: 88% of the compilers' time) waits ten times longer than by default for a method, C1 four.
#: On a 200,000-event month the compilers took 16 processor seconds against 18 to 23 with C2 at 4 times
#: (10 to 16 with both at 10 or 20 times, but the task threads' time rose with 20).
C2_THRESHOLDS = {
    "InvocationThreshold": 12500,
    "MinInvocationThreshold": 1500,
    "CompileThreshold": 37500,
    "BackEdgeThreshold": 100000,
}
#: The JVM's settings in local mode (the driver's JVM runs the tasks): a heap of 2 GB rather than 1; the
#: parallel garbage collector, which spends less processor time than G1 on a batch job's short-lived rows;
#: and the JIT compilers' thresholds four times their default (``CompileThresholdScaling``; C2's ten
#: times, :data:`C2_THRESHOLDS`): Spark
#: compiles code for each query, and a run's few queries left the compilers a third of the JVM's
#: processor time on lukewarm methods, while the tasks' hot loops are compiled all the same. A key given
#: in ``PYSPARK_SUBMIT_ARGS`` (``--driver-memory``, ``--conf``) wins.
LOCAL_JVM = {
    "spark.driver.memory": "2g",
    "spark.driver.extraJavaOptions": "-XX:+UseParallelGC -XX:CompileThresholdScaling=4 "
    + " ".join(f"-XX:Tier4{name}={value}" for name, value in C2_THRESHOLDS.items()),
}
#: Spark SQL's settings in local mode: no adaptive query execution (a few cores, one shuffle partition per
#: core and explicit broadcast joins leave it nothing to adapt, and re-planning each stage costs the JVM
#: processor time: 85 -> 80 s on a 200,000-event month); the frames a run caches (the checked events, the
#: tasks' rows) not compressed: to choose an encoding, Spark's cache counts each column's distinct values
#: of every batch in a hash map of boxed values, and the events' ids, bodies and lines are all distinct
#: (a profile of the JVM on the 1M-event month: 29% fewer samples of its task threads; the run 1.7 s
#: shorter, the cache larger in a heap the run leaves room in). A key given in ``PYSPARK_SUBMIT_ARGS`` wins.
LOCAL_SQL = {"spark.sql.adaptive.enabled": "false", "spark.sql.inMemoryColumnarStorage.compressed": "false"}


def session(master: str, *, app: str = "creatorpay", partitions: int | None = None, java: str = "") -> Any:
    """A SparkSession on ``master`` (``local[2]``, ``yarn``, ``k8s://…``): the one running if any.
    ``partitions``: the shuffles' partitions (``spark.sql.shuffle.partitions``); in local mode by
    default one per core, not Spark's 200 (each a task, and a file per map task, for a few cores),
    and the JVM and Spark SQL set by :data:`LOCAL_JVM` and :data:`LOCAL_SQL`, the JVM mapping the
    class-data archive of :mod:`.archive` where one has been built; ``java``: more java options
    (in local mode, unless the submit arguments give theirs; no archive is mapped then)."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(master).appName(app)
    if master.startswith("local"):
        builder = builder.config("spark.driver.host", "127.0.0.1").config("spark.ui.enabled", "false")
        given = os.environ.get("PYSPARK_SUBMIT_ARGS", "")
        options = dict(LOCAL_JVM)
        key = "spark.driver.extraJavaOptions"
        options[key] = f"{options[key]} {java}" if java else f"{options[key]} {archive.mapped(options[key])}".strip()
        for key, value in {**options, **LOCAL_SQL}.items():
            if key not in given:  # a session's SQL settings would override the submit arguments' own
                builder = builder.config(key, value)
        partitions = partitions or local_cores(master)
    if partitions is not None:
        builder = builder.config("spark.sql.shuffle.partitions", str(partitions))
    return builder.getOrCreate()


def archive_later(master: str) -> None:
    """After a run in local mode: its JVM's class-data archive built by a process of its own if none
    has been (:func:`.archive.build_later`), for the next runs to start with."""
    if master.startswith("local"):
        archive.build_later(LOCAL_JVM["spark.driver.extraJavaOptions"])


def local_cores(master: str) -> int:
    """The cores of a local master: ``local`` 1, ``local[N]`` (or ``local[N,F]``) N, ``local[*]`` all."""
    inside = master.partition("[")[2].partition("]")[0].split(",")[0].strip()
    if inside == "*":
        return os.cpu_count() or 1
    return int(inside) if inside.isdigit() and int(inside) > 0 else 1


# -- timing the tasks -------------------------------------------------------------------------------


class Seconds:
    """An accumulator's parameter (pyspark's ``AccumulatorParam`` protocol): seconds by name, summed."""

    def zero(self, value: dict[str, float]) -> dict[str, float]:
        del value
        return {}

    def addInPlace(self, found: dict[str, float], more: dict[str, float]) -> dict[str, float]:
        for name, seconds in more.items():
            found[name] = found.get(name, 0.0) + seconds
        return found


def timed(
    batches: Iterable[Any], *, task: Callable[[Iterable[Any]], Iterator[Any]], name: str, clock: Any
) -> Iterator[Any]:
    """``mapInArrow``: ``task``'s batches, the Python worker's processor seconds while it made them
    (its input and output converted by pyspark included) added to ``clock`` (an accumulator of
    :class:`Seconds`) under ``name``: where a run's Python time goes, task by task. While it runs, the
    worker collects young garbage as ``creatorpay settle``'s processes do
    (:data:`~creatorpay.core.collector.GC_FIRST_GENERATION`): pyspark forks its workers from a daemon
    of its own, with Python's default."""
    thresholds = gc.get_threshold()
    gc.set_threshold(GC_FIRST_GENERATION, *thresholds[1:])
    began = time.process_time()
    try:
        yield from task(batches)
    finally:
        clock.add({name: time.process_time() - began})
        gc.set_threshold(*thresholds)


# -- reading and checking (in the tasks) ------------------------------------------------------------


def ranges(path: Path, parts: int) -> list[tuple[int, int, int]]:
    """``path`` cut into about ``parts`` line-aligned byte ranges: (start, end, lines before start)."""
    size = path.stat().st_size
    step = max(1, -(-size // max(1, parts)))
    found: list[tuple[int, int, int]] = []
    start = lines = 0
    with path.open("rb") as handle:
        while start < size:
            handle.seek(min(size, start + step))
            handle.readline()  # to the end of the line the cut falls in
            end = max(handle.tell(), start + 1) if start + step < size else size
            found.append((start, end, lines))
            handle.seek(start)
            left = end - start
            while left > 0:
                chunk = handle.read(min(left, 1 << 24))
                lines += chunk.count(b"\n")
                left -= len(chunk)
            start = end
    return found


def records(path: str, start: int, end: int, before: int) -> Iterator[tuple[int, bytes | str]]:
    """The JSON Lines records of bytes [start, end) of ``path`` with their line numbers, as
    :meth:`~creatorpay.core.rows.RowReader.records` reads them (an overlong line is skipped)."""
    number = before
    with open(path, "rb") as handle:
        handle.seek(start)
        position = start
        while position < end and (raw := handle.readline(MAX_LINE + 1)):
            number += 1
            position += len(raw)
            if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
                while piece := handle.readline(MAX_LINE):
                    position += len(piece)
                    if piece.endswith(b"\n"):
                        break
                yield number, TOO_LONG
                continue
            yield number, raw


def _batch(rows: list[tuple[Any, ...]]) -> Any:
    """Checked rows (:data:`CHECKED`'s columns) as one record batch, built column by column."""
    import pyarrow as pa

    schema = _checked_schema()
    columns = zip(*rows, strict=True)
    return pa.RecordBatch.from_arrays(
        [pa.array(c, f.type) for c, f in zip(columns, schema, strict=True)], schema=schema
    )


def _event_rows(batches: Iterable[Any]) -> Iterator[stages.EventRow]:
    """The :data:`.stages.EventRow` s of record batches of checked events, read column by column."""
    for batch in batches:
        yield from zip(*(batch.column(name).to_pylist() for name in _EVENT_COLUMNS), strict=True)


def _checked_schema() -> Any:
    import pyarrow as pa

    return pa.schema([pa.field(name, pa.int64() if name in ("run", "line") else pa.string()) for name in _COLUMNS])


def _event(tag: str, row: stages.EventRow) -> tuple[Any, ...]:
    return (tag, row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], None)


def _reject(reject: stages.Reject, tag: str = "reject") -> tuple[Any, ...]:
    return (tag, reject.id, None, None, None, None, None, None, None, reject.line, reject.reason)


def check_ranges(
    batches: Iterable[Any], *, path: str, source: str, month: str | None, platforms: frozenset[str], run: int
) -> Iterator[Any]:
    """``mapInArrow``: each byte range (start, end, before) read in blocks of whole lines, each block
    checked on Arrow columns (:func:`.columns.check_block`) when its rows are plainly valid, else row by
    row by :func:`.stages.check_events` (rejects keep file, line, id and reason)."""
    from .columns import check_block

    for batch in batches:
        for start, end, before in zip(*(batch.column(i).to_pylist() for i in range(3)), strict=True):
            for first, last, lines, data in blocks(path, start, end, before):
                found = None if data is None else check_block(data, lines, platforms=platforms, month=month, run=run)
                if found is not None:
                    yield from _events_batches(found)
                    continue
                rows = records(path, first, last, lines)
                while piece := list(islice(rows, PIECE)):
                    checked = stages.check_events(
                        piece, (), source=source, text=False, month=month, platforms=platforms, run=run
                    )
                    out = [_event("event", row) for row in checked.rows]
                    out += [_reject(reject) for reject in checked.rejects]
                    out.append(("read", None, None, None, None, None, None, None, None, checked.read, None))
                    yield _batch(out)


def blocks(
    path: str, start: int, end: int, before: int, size: int = BLOCK
) -> Iterator[tuple[int, int, int, bytes | None]]:
    """Bytes [start, end) of ``path`` (line-aligned; ``before``: the lines before ``start``) in blocks of
    whole lines of about ``size`` bytes: (first byte, end, lines before, the block's bytes). A block
    longer than :data:`~creatorpay.core.files.MAX_LINE` (a line that may be too long to read) has no
    bytes (None): its rows are read by :func:`records`."""
    from .columns import lines_of

    with open(path, "rb") as handle:
        handle.seek(start)
        position, lines = start, before
        while position < end:
            data = handle.read(min(size, end - position))
            if not data:
                return
            while position + len(data) < end and not data.endswith(b"\n") and len(data) <= MAX_LINE:
                more = handle.readline(MAX_LINE + 1)
                if not more:
                    break
                data += more
            if len(data) > MAX_LINE:
                yield position, end, lines, None  # the rest read row by row
                return
            yield position, position + len(data), lines, data
            position += len(data)
            lines += lines_of(data)


def _events_batches(columns: list[Any]) -> Iterator[Any]:
    """Checked events (the arrays of an :data:`.stages.EventRow`'s columns) as a record batch of
    :data:`CHECKED`'s columns, then the count of rows read."""
    import pyarrow as pa

    rows = len(columns[0])
    tag = pa.array(["event"] * rows, pa.string())
    yield pa.RecordBatch.from_arrays([tag, *columns, pa.nulls(rows, pa.string())], schema=_checked_schema())
    yield _batch([("read", None, None, None, None, None, None, None, None, rows, None)])


# -- idempotency (in the tasks) ---------------------------------------------------------------------


def _plain(values: Mapping[str, Any]) -> stages.EventRow:
    return (
        values["id"],
        values["platform"],
        values["creator"],
        values["month"],
        values["date"],
        values["kind"],
        values["body"],
        values["run"],
        values["line"],
    )


def dedupe(batches: Iterable[Any], *, source: str) -> Iterator[Any]:
    """``mapInArrow`` over the rows of ids seen before (in the file or the committed runs), sorted by
    (id, line), each with its first sighting in the ledger (``h_*`` columns, null if none): each id's
    rows through :func:`.stages.idempotency`."""

    def rows() -> Iterator[dict[str, Any]]:
        for batch in batches:
            yield from batch.to_pylist()

    for ident, group in groupby(rows(), key=lambda values: values["id"]):
        found = list(group)
        first = found[0]
        known: dict[str, stages.Sighting] = {}
        if first["h_digest"] is not None:
            event = _plain({"id": ident, **{name: first[f"h_{name}"] for name in _HISTORY}})
            known[ident] = stages.Sighting(first["h_digest"], f"settled in statement {first['h_statement']}", event)
        deduped = stages.idempotency([_plain(values) for values in found], known, source=source)
        out = [_event("event", row) for row in deduped.new]
        out += [_reject(reject, "conflict") for reject in deduped.rejects]
        out.append(("duplicates", None, None, None, None, None, None, None, None, deduped.duplicates, None))
        yield _batch(out)


# -- settling (in the tasks) ------------------------------------------------------------------------


class Context(NamedTuple):
    """What a settling task needs besides its events and the settler (broadcast to the executors):
    the creators' profiles, the histories of units settled before, the store as the run began, the
    run and the events file's name (its rejects name it)."""

    profiles: dict[str, str]
    histories: dict[Unit, stages.History]
    state: shared.State
    run: int
    source: str


#: The run's tables Spark writes (partitioned by month and platform).
WRITTEN = ("events", "statements", "lines", "unit_slots")
#: How Spark writes the run's tables: zstd, the smallest files; no dictionary encoding, whose pages Parquet's
#: writer builds for each column and throws away for the events' ids, bodies and digests, all distinct (the
#: 1M-event month: 2 s shorter, its tables as large).
PARQUET_OPTIONS = {"compression": "zstd", "parquet.enable.dictionary": "false"}
#: The most (month, platform) partitions a run's tables are written to with a Parquet writer open for each
#: in a task (Spark's ``spark.sql.maxConcurrentOutputFileWriters``, set to the run's partitions while it
#: writes): each task's rows are then sorted by :data:`.tables.ORDER` alone, whose first column's prefix
#: (an id) tells most rows apart, where Spark's writer otherwise wants them sorted by month and platform
#: first, which every row of a task shares (the 1M-event month: 1.3 to 1.9 s shorter). Beyond it, the
#: writers' buffers would grow with the partitions: rows sorted by month, platform and the order, and
#: the files hold the same rows in the same order either way.
CONCURRENT_WRITERS = 8
_SPARK_TYPES = {"string": "string", "int64": "long", "int32": "int", "bool": "boolean", "binary": "binary"}
#: What a statement's row carries besides its table's columns: its unit's cash in fen (what its lines
#: pay the creator, what they take from them, their net amount).
_CASH = ("credits", "debits", "lines_net")
#: A unit's row (tag ``unit``): its key, whether it was settled (else it cannot be), its events'
#: count, its store calls (pickled, null if none), its events and job (pickled, null if it made no
#: store call: it is never settled again), and, settled again seeded, what it left in each seeded
#: budget (pickled); then, when its statement's rows were made, the statement's type, net and cash,
#: which the driver sums by platform for the reconciliation (no Spark query over the rows).
_UNIT = ("platform", "creator", "month", "ok", "staged", "calls", "blob", "after", "type", "net", *_CASH)
#: The columns of a unit's row the driver collects (its events and job stay with the executors).
_COLLECTED = tuple(name for name in _UNIT if name != "blob")
#: The rows a settling task makes for each tag, by column name.
_TAGGED: dict[str, tuple[str, ...]] = {
    "unit": _UNIT,
    "statements": (*tables.columns("statements"), *_CASH),
    "lines": (*tables.columns("lines"), "creator"),
    "unit_slots": tables.columns("unit_slots"),
    "reject": (*tables.columns("events"), "reason", "position"),
}


def _wide() -> dict[str, str]:
    columns = {"tag": "string"}
    for table in WRITTEN:
        for name, kind in tables.TABLES[table]:
            columns.setdefault(name, kind.rstrip("?"))
    columns.update(reason="string", position="int32", ok="bool", staged="int64", calls="binary", blob="binary")
    columns.update(after="binary", **dict.fromkeys(_CASH, "int64"))
    return columns


#: The columns of the settling tasks' rows: a tag (a written table's name; ``reject`` for an event of a
#: unit that cannot be settled; ``unit`` for a unit's row, :data:`_UNIT`) and every tag's columns,
#: those of other tags null. A unit's rows of the tables have no statement id yet (the driver numbers
#: the statements in unit order once the shared budgets are resolved; Spark joins the ids in), and
#: its statement's digest is its content's (:func:`~creatorpay.core.sqlite_schema.statement_digest`
#: is taken by Spark, with the id).
WIDE = _wide()
#: :data:`WIDE` as Spark's DDL.
WIDE_DDL = ", ".join(f"{name} {_SPARK_TYPES[kind]}" for name, kind in WIDE.items())


class Rows:
    """The rows a task makes, by tag (:data:`_TAGGED`), turned into record batches of :data:`WIDE`."""

    def __init__(self) -> None:
        self.found: dict[str, list[tuple[Any, ...]]] = {tag: [] for tag in _TAGGED}
        self.units = 0

    def unit(
        self,
        unit: Unit,
        events: list[stages.EventRow],
        work: Job,
        outcome: Outcome,
        after: bytes | None,
        statement: tuple[Any, ...] | None = None,
    ) -> None:
        """A unit's row: its key, outcome and calls; its events and job kept if it made store calls;
        the type, net and cash of its ``statement`` row if its rows were made (:meth:`final`)."""
        calls = pickle.dumps(outcome.calls, protocol=pickle.HIGHEST_PROTOCOL) if outcome.calls else None
        blob = pickle.dumps((events, work), protocol=pickle.HIGHEST_PROTOCOL) if outcome.calls else None
        cash = (statement[4], statement[7], *statement[-3:]) if statement is not None else (None,) * 5
        key = (unit.platform, unit.creator, unit.month)
        self.found["unit"].append((*key, outcome.settled, len(events), calls, blob, after, *cash))
        self.units += 1

    def final(self, unit: Unit, events: list[stages.EventRow], outcome: Outcome, run: int) -> tuple[Any, ...] | None:
        """A unit's rows of the run's tables (or its events rejected when it cannot be settled); its
        statement's row, None if it has none."""
        made = final_rows(unit, events, outcome, run)
        for tag, rows in made.items():
            self.found[tag] += rows
        return made["statements"][0] if "statements" in made else None

    def batches(self) -> Iterator[Any]:
        """The rows made so far, one record batch per tag, and forget them."""
        for tag, rows in self.found.items():
            if rows:
                yield _columns(tag, _TAGGED[tag], rows)
                rows.clear()
        self.units = 0


def final_rows(
    unit: Unit, events: list[stages.EventRow], outcome: Outcome, run: int
) -> dict[str, list[tuple[Any, ...]]]:
    """A unit's rows by tag (:data:`_TAGGED`), statement ids null: its statement (with its cash and
    its content's digest), lines and quota slots; or, when it cannot be settled, its events as
    rejected rows (with their position in the unit). Its events index is made by Spark from the
    checked events (:func:`events_index`)."""
    if outcome.rows is None:
        reason = f"{unit} cannot be settled: {outcome.rejected}"
        return {"reject": [(*_index_row(e, run, None), reason, i) for i, e in enumerate(events)]}
    rows = stages.ledger_rows(outcome.rows, 0, run)
    cash = stages.reconcile([rows.statement], rows.lines)[unit.platform]
    statement = (*rows.statement[:3], None, *rows.statement[4:13], outcome.rows.digest)
    return {
        "statements": [(*statement, cash.credits, cash.debits, cash.lines_net)],
        "lines": [(*line[:2], None, *line[3:], unit.creator) for line in rows.lines],
        "unit_slots": rows.slots,
    }


def settle_units(batches: Iterable[Any], *, settler: Settler, context: Any) -> Iterator[Any]:
    """``mapInArrow`` over the new events, each unit's together in (date, id) order: each unit's job
    (:func:`.stages.job`) settled against the store as the run began, its calls recorded and undone
    (:func:`.shared.private`). For each unit, its row (what the driver chains, :data:`_UNIT`) and its
    rows of the run's tables, final but for the statement ids unless it drew from a budget whose chain
    has it settled again (:func:`seed_units`)."""
    found: Context = context.value
    store = shared.state_store(found.state)
    out = Rows()
    for unit, group in groupby(_event_rows(batches), key=stages.unit_of):
        events = list(group)
        work = stages.job(unit, events, found.profiles.get(unit.creator), found.histories.get(unit))
        outcome = shared.private(partial(stages.settle_unit, settler), [work], store)[0]
        out.unit(unit, events, work, outcome, None, out.final(unit, events, outcome, found.run))
        if out.units >= 1000:
            yield from out.batches()
    yield from out.batches()


def seed_units(batches: Iterable[Any], *, settler: Settler, context: Any, seeds: Any) -> Iterator[Any]:
    """``mapInArrow`` over the rows of the units a chain settles again (their calls answer otherwise
    with what the units before them left, :func:`.shared.standing`): each settled again with the store
    seeded with its ``left_before`` in each shared budget (step 3 of :mod:`.shared`,
    :func:`.shared.seeded`); its row, with what it left in each seeded key (for the driver to check
    the chain), and its rows of the run's tables."""
    found: Context = context.value
    wanted: dict[Unit, shared.Seeds] = seeds.value
    store = shared.state_store(found.state)
    out = Rows()
    for batch in batches:
        for values in zip(
            *(batch.column(name).to_pylist() for name in ("platform", "creator", "month", "blob")), strict=True
        ):
            unit = Unit(*values[:3])
            events, work = pickle.loads(values[3])  # noqa: S301 (our own tasks' rows)
            outcome, after = shared.seeded(partial(stages.settle_unit, settler), work, store, wanted.get(unit, {}))
            statement = out.final(unit, events, outcome, found.run)
            out.unit(unit, events, work, outcome, pickle.dumps(after, protocol=pickle.HIGHEST_PROTOCOL), statement)
        yield from out.batches()


def _columns(tag: str, names: Sequence[str], rows: list[tuple[Any, ...]]) -> Any:
    """Rows of one tag as a record batch of :data:`WIDE`'s columns, built column by column (the
    columns of other tags null)."""
    import pyarrow as pa

    types = {"string": pa.string(), "int64": pa.int64(), "int32": pa.int32(), "bool": pa.bool_(), "binary": pa.binary()}
    given = dict(zip(names, zip(*rows, strict=True), strict=True))
    arrays = [
        pa.array([tag] * len(rows), pa.string())
        if name == "tag"
        else pa.array(given[name], types[kind])
        if name in given
        else pa.nulls(len(rows), types[kind])
        for name, kind in WIDE.items()
    ]
    return pa.RecordBatch.from_arrays(arrays, names=list(WIDE))


def events_index(new: Any, numbers: Any) -> Any:
    """The run's events index (:data:`.tables.EVENTS`) made by Spark: the ``new`` events (columns of
    an :data:`.stages.EventRow`) of every settled unit, with its statement id from ``numbers`` (each
    settled unit's key and id; the events of a unit that cannot be settled have none and are left
    out) and their content's digest by Spark SQL's ``sha2`` over :func:`.stages.event_digest`'s text.
    The month's largest table never goes through the Python workers."""
    return _with_digest(_indexed(new, numbers))


def _indexed(new: Any, numbers: Any) -> Any:
    """:func:`events_index` without the digest column."""
    from pyspark.sql import functions as F

    return new.join(F.broadcast(numbers), list(_UNIT[:3]), "inner")


def _with_digest(index: Any) -> Any:
    """The events index's ``digest`` column added by Spark SQL's ``sha2``: taken after the shuffle that
    writes the index, 64 hexadecimal characters an event that no shuffle need move."""
    from pyspark.sql import functions as F

    text = F.concat_ws("\x1f", *(F.col(name) for name in ("platform", "creator", "date", "kind", "body")))
    return index.withColumn("digest", F.sha2(text, 256))


def _index_row(e: stages.EventRow, run: int, statement: int | None) -> tuple[Any, ...]:
    """An event's row of the events index (:data:`.tables.EVENTS`)."""
    return (e[3], e[1], e[2], e[0], e[4], e[5], e[6], stages.event_digest(e), run, e[8], statement)


class Settled(NamedTuple):
    """What the driver holds of a settled unit: its key, whether it was settled, its events' count,
    its store calls, (settled again seeded) what it left in each seeded budget, and its statement's
    cash if the task made its rows (else None)."""

    unit: Unit
    ok: bool
    staged: int
    calls: list[Call]
    after: dict[str, Decimal | None]
    cash: stages.Cash | None = None


def _collected(frame: Any) -> list[Settled]:
    """The units' rows of ``frame`` (tag ``unit``) on the driver: collected as Arrow record batches
    (the tasks convert the rows; pyspark's row by row collection pickles each as a Row, a third of
    the driver's processor time in a run), read column by column."""
    import pyarrow as pa

    found = frame.filter("tag = 'unit'").select(*_COLLECTED)
    batches = found._collect_as_arrow()  # pyspark 3.5's (toPandas uses it; pyspark 4 names it toArrow)
    if not batches:  # no unit
        return []
    table = pa.Table.from_batches(batches)
    return [_settled(values) for values in zip(*(table.column(name).to_pylist() for name in _COLLECTED), strict=True)]


def _settled(values: tuple[Any, ...]) -> Settled:
    """One unit's row (:data:`_COLLECTED`'s columns) as the driver holds it."""
    platform, creator, month, ok, staged, calls, after, kind, net, credits, debits, lines_net = values
    cash = None
    if kind is not None:
        cash = stages.Cash(1, int(kind == "adjustment"), credits, debits, net, lines_net)
    return Settled(
        Unit(platform, creator, month),
        ok,
        staged,
        pickle.loads(calls) if calls is not None else [],  # noqa: S301 (our tasks' rows)
        pickle.loads(after) if after is not None else {},  # noqa: S301 (our tasks' rows)
        cash,
    )


def unit_cash(unit: Unit, events: list[stages.EventRow], outcome: Outcome, run: int) -> stages.Cash | None:
    """The cash of a unit's statement as the tasks carry it (:class:`Settled`), None if it has none."""
    made = final_rows(unit, events, outcome, run).get("statements")
    return _settled_cash(made[0]) if made else None


def _settled_cash(statement: tuple[Any, ...]) -> stages.Cash:
    """A statement's row (:data:`_TAGGED`'s ``statements``) as one statement's :class:`~.stages.Cash`."""
    credits, debits, lines_net = statement[-3:]
    return stages.Cash(1, int(statement[4] == "adjustment"), credits, debits, statement[7], lines_net)


class Chained(NamedTuple):
    """The shared keys resolved: the frame of the seeded units' rows (None if none), the outcomes the
    driver settled itself (serial lanes, units settled again) and their events, the store's final
    state, and what the seeded tasks returned of each unit they settled again."""

    seeded: Any
    overrides: dict[Unit, tuple[list[stages.EventRow], Outcome]]
    state: shared.State
    again: dict[Unit, Settled]


def _numbered(units: list[Settled], start: int) -> list[tuple[str, str, str, int]]:
    """Each settled unit's key and statement id, numbered in unit order from ``start``."""
    settled = (item.unit for item in units if item.ok)
    return [(unit.platform, unit.creator, unit.month, start + i) for i, unit in enumerate(settled)]


def _tidy(folder: Path) -> None:
    """A table Spark wrote, as :func:`.parquet.write_table` names it: Spark's ``_SUCCESS`` and
    checksum files removed, each partition's one file renamed ``part-0.parquet``."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and (path.name.startswith(("_", ".")) or path.suffix == ".crc"):
            path.unlink()
    for part in sorted({path.parent for path in folder.rglob("*.parquet")}):
        files = sorted(part.glob("*.parquet"))
        if len(files) != 1:
            raise RuntimeError(f"Spark wrote {len(files)} files into {part}, not one")
        os.replace(files[0], part / "part-0.parquet")


class Conflict(Exception):
    """Another run committed while this one settled (its budgets or the committed runs changed);
    ``taken``: it committed this run's new id, so the run needs another."""

    def __init__(self, message: str, *, taken: bool = False) -> None:
        super().__init__(message)
        self.taken = taken


class SparkDriver(LocalDriver):
    """One run of the stages on Spark into ``ledger``; ``spark``: the SparkSession, or ``start``: how
    to start one (called as a run begins, while the creators file is checked: the JVM's start and the
    check overlap); ``store``: a PostgreSQL DSN holding the budgets' state between runs (and the
    registry: ``ledger`` is then opened with it as ``dsn``); ``partitions``: tasks per stage (default:
    Spark's parallelism)."""

    def __init__(
        self,
        ledger: ParquetLedger,
        *,
        spark: Any = None,
        start: Callable[[], Any] | None = None,
        engine: Engine | None = None,
        period: Period | None = None,
        rejects: TextIO | None = None,
        partitions: int | None = None,
    ) -> None:
        if (spark is None) == (start is None):
            raise TypeError("SparkDriver takes a session (spark) or how to start one (start), not both")
        super().__init__(ledger, engine=engine, period=period, rejects=rejects)
        self._start = start
        self._partitions = partitions
        #: Runs settled again because another run committed first (with a PostgreSQL store).
        self.retried = 0
        #: The run's steps: the driver's wall seconds of each (:meth:`_step`), and the Python workers'
        #: processor seconds of each kind of task (``python.<task>``, :func:`timed`).
        self.timings: dict[str, float] = {}
        self.spark: Any = None
        self.partitions = 0
        self._clock: Any = None
        if spark is not None:
            self._use(spark)

    def _use(self, spark: Any) -> None:
        """Run on ``spark``: its tasks per stage (unless given) and a clock for the Python workers."""
        self.spark = spark
        self.partitions = self._partitions or int(spark.sparkContext.defaultParallelism)
        self._clock = spark.sparkContext.accumulator({}, Seconds())

    def _started(
        self, creators: Path, names: Mapping[Path, str], summary: Summary
    ) -> tuple[dict[str, stages.ProfileRow], list[stages.Reject]]:
        """The creators file checked (:meth:`_profiles`), by a thread of its own while this one starts
        the session if none is running yet: the driver waits for the JVM's start (seconds), and the
        check holds the interpreter meanwhile."""
        if self.spark is None:
            assert self._start is not None
            with ThreadPoolExecutor(1, thread_name_prefix="creatorpay-creators") as pool:
                checked = pool.submit(self._profiles, creators, names, summary)
                try:
                    self._use(self._start())
                except BaseException:
                    wait([checked])  # the check ends before the session's error goes up
                    raise
                return checked.result()
        return self._profiles(creators, names, summary)

    @contextmanager
    def _step(self, name: str) -> Iterator[None]:
        """One step of the run: Spark's jobs in it described by ``name`` (``creatorpay: settle``, as
        Spark's UI and event log show them), its wall seconds added to :attr:`timings`."""
        context = self.spark.sparkContext
        context.setJobDescription(f"creatorpay: {name}")
        began = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - began, 3)
            context.setJobDescription(None)

    def _task(
        self, name: str, task: Callable[..., Iterator[Any]], **given: Any
    ) -> Callable[[Iterable[Any]], Iterator[Any]]:
        """A ``mapInArrow`` function: ``task`` with ``given``, its Python processor seconds counted
        under ``name`` (:func:`timed`)."""
        return partial(timed, task=partial(task, **given), name=name, clock=self._clock)

    def run(
        self, events: Path, creators: Path, *, run: int | None = None, names: Mapping[Path, str] | None = None
    ) -> Summary:
        """Check, deduplicate, settle and reconcile a month into a new run (or run ``run`` again),
        and publish it; with a PostgreSQL store, settled again while other runs commit first."""
        ident = run
        for attempt in range(ATTEMPTS):
            if ident is None:
                ident = self.ledger.new_run()
            try:
                return self._settle_run(events, creators, ident, again=run is not None, names=names or {})
            except Conflict as exc:
                if attempt == ATTEMPTS - 1:
                    raise
                self.retried += 1
                if exc.taken:
                    ident = None
        raise AssertionError("unreachable")

    def _settle_run(
        self, events: Path, creators: Path, ident: int, *, again: bool, names: Mapping[Path, str]
    ) -> Summary:
        began = time.perf_counter()
        before = self.ledger.begin(ident)
        summary = Summary(ident)
        profiles, rejects = self._started(creators, names, summary)
        summary.workers = self.partitions
        self._clock = self.spark.sparkContext.accumulator({}, Seconds())
        self.timings = summary.timings
        began_events = time.perf_counter()
        summary.timings["creators"] = round(began_events - began, 3)
        source = names.get(events, str(events))
        held: list[Any] = []  # the frames cached: the new events stay so until the events index is written
        try:
            new = self._new(events, source, ident, before, summary, rejects, held)
            began_units = time.perf_counter()
            summary.timings["events"] = round(began_units - began_events, 3)
            known = self.ledger.profiles(before)
            known.update({creator: row[1] for creator, row in profiles.items()})
            state, versions = self._state(before)
            histories = self._histories(new, before)
            context = self.spark.sparkContext.broadcast(Context(known, histories, state, ident, source))
            first, units_ = self._settled(new, context)
            for frame in held[:-1]:  # the checked rows, if the new events are cached apart from them
                frame.unpersist()
            temporary = temporary_folder(self.ledger.folder, ident)
            try:
                chain, cash, unsettled, statements = self._resolved(
                    first, units_, state, context, temporary, summary, before, new
                )
            except BaseException:
                shutil.rmtree(temporary, ignore_errors=True)
                raise
        finally:
            for frame in held:
                frame.unpersist()
        rejects += self._summed(summary, cash, unsettled, len(units_), statements, source)
        summary.timings["units"] = round(time.perf_counter() - began_units, 3)
        final = chain.state
        tables_: dict[str, Any] = {
            "creators": [(c, row[1], ident, row[3]) for c, row in profiles.items()],
            "budgets": final.budgets,
            "quotas": final.quotas,
            "slots": final.slots,
            "draws": final.draws,
            "rejects": [(ident, *r) for r in rejects],
        }
        try:
            with self._step("publish"):
                self._publish(ident, before, tables_, versions, again=again, prepared=temporary)
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise
        if self._out is not None:
            for reject in rejects:
                self._write_reject(reject)
        self.timings.update({f"python.{name}": round(value, 3) for name, value in sorted(self._clock.value.items())})
        summary.seconds = round(time.perf_counter() - began, 3)
        return summary

    def _new(
        self,
        events: Path,
        source: str,
        ident: int,
        before: list[int],
        summary: Summary,
        rejects: list[stages.Reject],
        held: list[Any],
    ) -> Any:
        """Steps 1 and 2: the run's new events (a frame), their counts into ``summary`` and the rows rejected
        added to ``rejects``. The frames cached go into ``held``, the last of them holding the new events
        (the checked rows themselves unless some id was joined out: the new events are then cached apart)."""
        checked = self._checked(events, source, ident).persist()
        held.append(checked)
        good = checked.filter("tag = 'event'").drop("tag", "reason")
        new, deduped = self._deduplicated(good, before, source)
        deduped = deduped.persist()
        held.insert(0, deduped)
        rejects += self._counted(checked, deduped, source, summary)
        joined = new is not good
        new = new.unionByName(deduped.filter("tag = 'event'").drop("tag", "reason"))
        if joined:  # cached, not joined again for the index
            new = new.persist()
            held.append(new)
        return new

    def _histories(self, new: Any, before: list[int]) -> dict[Unit, stages.History]:
        """Late events (runs committed ``before``): what the units of the ``new`` events settled before hold."""
        if not before:
            return {}
        with self._step("histories"):
            units = new.dropDuplicates(["platform", "creator", "month"]).collect()
        return self.ledger.histories(before, [stages.unit_of(_plain(r.asDict())) for r in units])

    def _resolved(
        self,
        first: Any,
        units: list[Settled],
        state: shared.State,
        context: Any,
        folder: Path,
        summary: Summary,
        before: list[int],
        new: Any,
    ) -> tuple[Chained, dict[str, stages.Cash], list[Any], int]:
        """Steps 2 to 5 of :mod:`.shared` (:meth:`_chain`), the statements numbered in unit order and
        the run's partitioned tables written by Spark into ``folder``: the resolution, the cash of
        the statements by platform (summed here from each unit's, as its task made it), the events of
        units that cannot be settled (a Spark query only if a unit has no statement:
        :meth:`_unsettled`), and the number of statements.

        The events index, the month's largest table, is written while the driver resolves the shared
        budgets (the driver's work is serial: one core would wait), its statement ids taken from the
        units' first outcomes; should the resolution change which units have a statement (a serial
        lane, a unit settled again when committed), it is written again."""
        frames = [first]
        numbers = None
        try:
            start = self.ledger.next_statement(before)
            ids = _numbered(units, start)
            numbers = self._numbers(ids)
            partitions = len({(item.unit.month, item.unit.platform) for item in units})
            with (
                self._writers(partitions) as leading,
                ThreadPoolExecutor(1, thread_name_prefix="creatorpay-events") as pool,
            ):
                index = pool.submit(self._write_table("events", _indexed(new, numbers), folder, leading))
                chain = self._chain(first, units, state, context, frames, summary)
                cash = {item.unit: item.cash for item in units}  # the units' rows: their statements' cash
                cash.update({key: item.cash for key, item in chain.again.items()})
                for key, (events, outcome) in chain.overrides.items():
                    cash[key] = unit_cash(key, events, outcome, summary.run)
                summary.staged = sum(unit.staged for unit in units)
                if (resolved := _numbered(units, start)) != ids:
                    index.result()
                    numbers.unpersist()
                    ids, numbers = resolved, self._numbers(resolved)
                    index = pool.submit(self._write_table("events", _indexed(new, numbers), folder, leading))
                final = self._final(first, chain, summary.run)
                self._write(final, numbers, folder, leading)
                index.result()
            unsettled = self._unsettled(final) if any(found is None for found in cash.values()) else []
        finally:
            if numbers is not None:
                numbers.unpersist()
            context.unpersist()
            for frame in frames:
                frame.unpersist()
        with self._step("sums"):
            sums: dict[str, list[int]] = {}
            for key, found in cash.items():
                if found is not None:
                    entry = sums.setdefault(key.platform, [0] * len(found))
                    for i, value in enumerate(found):
                        entry[i] += value
        return chain, {platform: stages.Cash(*values) for platform, values in sums.items()}, unsettled, len(ids)

    @staticmethod
    def _summed(
        summary: Summary, cash: dict[str, stages.Cash], unsettled: list[Any], units: int, statements: int, source: str
    ) -> list[stages.Reject]:
        """The counts of step 3 and the reconciliation's cash into ``summary``: each platform's sums of
        its statements' cash (``cash``, by platform); the events of units that cannot be settled, as
        rejected rows in unit order."""
        summary.units = units
        summary.statements = statements
        summary.units_rejected = units - statements
        unsettled = sorted(unsettled, key=lambda r: (r["creator"], r["platform"], r["month"], r["position"]))
        summary.rejected += len(unsettled)
        summary.settled = summary.staged - len(unsettled)
        began = time.perf_counter()
        for platform, sums in sorted(cash.items()):
            summary.adjustments += sums.adjustments
            summary.cash[platform] = sums.to_dict()
        summary.timings["reconcile"] = round(time.perf_counter() - began, 3)
        return [stages.Reject(source, int(r["line"]), r["id"], r["reason"]) for r in unsettled]

    def _counted(self, checked: Any, deduped: Any, source: str, summary: Summary) -> list[stages.Reject]:
        """The counts of steps 1 and 2 into ``summary`` (rows read, duplicates, conflicts, rejected);
        the rows they rejected, by line."""
        with self._step("check_dedupe"):
            rows = checked.filter("tag != 'event'").union(deduped.filter("tag != 'event'")).collect()  # one job
        counts = {tag: sum(row["line"] for row in rows if row["tag"] == tag) for tag in ("read", "duplicates")}
        rows = [row for row in rows if row["tag"] in ("reject", "conflict")]
        found = [stages.Reject(source, int(row["line"]), row["id"], row["reason"]) for row in rows]
        summary.rows_read = counts.get("read", 0)
        summary.duplicates = counts.get("duplicates", 0)
        summary.conflicts = sum(row["tag"] == "conflict" for row in rows)
        summary.rejected = len(found)
        return sorted(found, key=lambda r: r.line)

    # -- the Spark steps ----------------------------------------------------------------------------

    def _checked(self, events: Path, source: str, run: int) -> Any:
        """Step 1: the events file read and checked by Spark's tasks, a line-aligned range each."""
        if events.suffix.lower() == ".csv":
            from ..errors import InputError

            raise InputError.one(
                str(events), "", "--engine spark reads JSON Lines (.jsonl); settle a CSV file with --engine local"
            )
        parts = ranges(events, self.partitions * 2)
        frame = self.spark.createDataFrame(parts or [(0, 0, 0)], "start long, end long, before long")
        frame = frame.repartition(max(1, len(parts)))
        month = str(self.period) if self.period is not None else None
        check = self._task(
            "check",
            check_ranges,
            path=str(events.resolve()),
            source=source,
            month=month,
            platforms=self._platforms,
            run=run,
        )
        return frame.mapInArrow(check, CHECKED)

    def _deduplicated(self, good: Any, before: list[int], source: str) -> tuple[Any, Any]:
        """Step 2: the rows whose id is neither repeated in the file nor in the committed runs' events
        index (Spark SQL anti-join), and the others' outcome through :func:`.stages.idempotency`.
        With no committed events and no id repeated in the file, every row is new: no join."""
        from pyspark.sql import functions as F

        repeated = good.groupBy("id").count().filter("count > 1").select("id")
        schema = ", ".join(f"{name} {_SPARK_TYPES[kind.rstrip('?')]}" for name, kind in tables.EVENTS)
        folders = [
            index for run in before if any((index := run_folder(self.ledger.folder, run) / "events").rglob("*.parquet"))
        ]
        if not folders:
            with self._step("repeated"):
                alone = repeated.isEmpty()
            if alone:
                return good, self.spark.createDataFrame([], CHECKED)
        if folders:
            history = None
            for index in folders:  # each run's events index, its month and platform from the folder names
                read = self.spark.read.schema(schema).parquet(str(index))
                history = read if history is None else history.unionByName(read)
            assert history is not None
            history = history.select(
                "id",
                *(F.col(name).alias(f"h_{name}") for name in _HISTORY),
            )
            seen = repeated.union(history.select("id")).distinct()
        else:
            history = None
            seen = repeated
        new = good.join(seen, "id", "left_anti")
        suspects = good.join(seen, "id", "left_semi")
        if history is not None:
            suspects = suspects.join(history, "id", "left")
        else:
            for name, kind in _HISTORY.items():
                suspects = suspects.withColumn(f"h_{name}", F.lit(None).cast(kind))
        deduped = (
            suspects.repartition(self.partitions, "id")
            .sortWithinPartitions("id", "line")
            .mapInArrow(self._task("dedupe", dedupe, source=source), CHECKED)
        )
        return new, deduped

    def _settled(self, new: Any, context: Any) -> tuple[Any, list[Settled]]:
        """Step 3: the new events by unit, each unit settled privately by a task, which makes the rows
        of the run's tables of every unit that drew from no budget. The rows stay with the executors
        (a DataFrame kept on their disks); the driver gets each unit's key, whether it was settled, its
        events' count and its store calls, in unit order."""
        from pyspark import StorageLevel

        frame = (
            new.repartition(self.partitions, "platform", "creator", "month")
            .sortWithinPartitions("creator", "platform", "month", "date", "id")
            .mapInArrow(self._task("settle", settle_units, settler=self._settler, context=context), WIDE_DDL)
            .persist(StorageLevel.DISK_ONLY)
        )
        with self._step("settle"):
            found = _collected(frame)
        found.sort(key=lambda item: stages.unit_order(item.unit))
        return frame, found

    def _chain(
        self, first: Any, units: list[Settled], state: shared.State, context: Any, frames: list[Any], summary: Summary
    ) -> Chained:
        """Steps 2 to 5 of :mod:`.shared` with the units on the executors: the shared keys chained
        here from the units' calls; each unit of a chain whose calls answer otherwise with its
        ``left_before`` (:func:`.shared.standing`) settled again, seeded, by a task
        (:func:`seed_units`) and checked here; a serial lane here where a chain breaks; every unit's
        calls confirmed here in unit order. Updates ``units``."""
        from pyspark import StorageLevel
        from pyspark.sql import functions as F

        with self._step("chain"):
            transcripts = [u.calls for u in units]
            chains, lanes = shared.plan(transcripts, [u.ok for u in units], state)
            stand = [shared.standing(found, transcripts, state) for found in chains]
            redo = [[i for i in found.members if i not in kept] for found, kept in zip(chains, stand, strict=True)]
        seeds = {units[i].unit: found.seeds[i] for found, again_ in zip(chains, redo, strict=True) for i in again_}
        second = None
        again: dict[Unit, Settled] = {}
        self.chained, self.serial = [], []
        self.seeded = len(seeds)
        if seeds:
            shared_seeds = self.spark.sparkContext.broadcast(seeds)
            try:
                second = (
                    first.filter("tag = 'unit'")
                    .join(F.broadcast(self._keys(seeds)), list(_UNIT[:3]), "left_semi")
                    .mapInArrow(
                        self._task("seed", seed_units, settler=self._settler, context=context, seeds=shared_seeds),
                        WIDE_DDL,
                    )
                    .persist(StorageLevel.DISK_ONLY)
                )
                frames.append(second)
                with self._step("seed"):
                    again = {s.unit: s for s in _collected(second)}
            finally:
                shared_seeds.unpersist()
        for found, again_ in zip(chains, redo, strict=True):
            if all(
                holds(found, i, units[i].calls, again[units[i].unit].calls, again[units[i].unit].after) for i in again_
            ):
                self.chained += found.keys
                for i in again_:
                    units[i] = again[units[i].unit]
            else:
                lanes.append((found.keys, found.members))
        overrides: dict[Unit, tuple[list[stages.EventRow], Outcome]] = {}
        for keys_, members in lanes:  # a chain that does not hold: its units one after another, here
            self.serial += keys_
            jobs = self._jobs(first, [units[i].unit for i in members])
            lane = shared.serial(self._settle, [jobs[units[i].unit][1] for i in members], shared.state_store(state))
            for i, outcome in zip(members, lane, strict=True):
                overrides[units[i].unit] = (jobs[units[i].unit][0], outcome)
                units[i] = units[i]._replace(ok=outcome.rows is not None, calls=outcome.calls)
        self.chained.sort()
        self.serial.sort()
        with self._step("confirm"):
            final = self._confirm(first, units, state, overrides, summary)
        return Chained(second, overrides, final, again)

    def _confirm(
        self,
        first: Any,
        units: list[Settled],
        state: shared.State,
        overrides: dict[Unit, tuple[list[stages.EventRow], Outcome]],
        summary: Summary,
    ) -> shared.State:
        """Step 5 (:func:`.shared.commit`) on the driver: every unit's calls replayed in unit order
        against the store as the run began; a unit answered otherwise is settled again here (its job
        fetched from the executors). The store's state at the end."""
        store = shared.state_store(state)
        for i, item in enumerate(units):
            if store.replay_unit(str(item.unit), item.calls, keep=item.ok):
                continue
            summary.resettled += 1
            events, work = self._jobs(first, [item.unit])[item.unit]
            outcome = self._settle(work, store)
            overrides[item.unit] = (events, outcome)
            units[i] = item._replace(ok=outcome.rows is not None, calls=outcome.calls)
        return shared.state_of(store)

    def _keys(self, units: Iterable[Unit]) -> Any:
        """A small DataFrame of units' keys (to join the units' frame with)."""
        rows = [(u.platform, u.creator, u.month) for u in units]
        return self.spark.createDataFrame(rows, "platform string, creator string, month string", verifySchema=False)

    def _jobs(self, frame: Any, units: list[Unit]) -> dict[Unit, tuple[list[stages.EventRow], Job]]:
        """The events and jobs of ``units`` fetched from the executors (a serial lane, a unit settled
        again: units that made store calls, whose rows keep them)."""
        from pyspark.sql import functions as F

        found = frame.filter("tag = 'unit'").join(F.broadcast(self._keys(units)), list(_UNIT[:3]), "left_semi")
        jobs = [pickle.loads(row["blob"]) for row in found.select("blob").collect()]  # noqa: S301 (our rows)
        return {work.unit: (events, work) for events, work in jobs}

    def _final(self, first: Any, chain: Chained, run: int) -> Any:
        """The frame of the run's rows once the shared budgets are resolved: those the first tasks
        made (but of the units a chain settled again), those the seeded tasks made, and those of the
        units the driver settled itself (serial lanes, units settled again) instead of the tasks'."""
        from pyspark.sql import functions as F

        frame = first.filter("tag != 'unit'")
        if chain.seeded is not None:  # the units settled again: their first rows replaced
            frame = frame.join(F.broadcast(self._keys(chain.again)), list(_UNIT[:3]), "left_anti")
            frame = frame.unionByName(chain.seeded.filter("tag != 'unit'"))
        if chain.overrides:
            frame = frame.join(F.broadcast(self._keys(chain.overrides)), list(_UNIT[:3]), "left_anti")
            made = Rows()
            for unit, (events, outcome) in chain.overrides.items():
                made.final(unit, events, outcome, run)
            rows = [tuple(row[name] for name in WIDE) for batch in made.batches() for row in batch.to_pylist()]
            frame = frame.unionByName(self.spark.createDataFrame(rows, WIDE_DDL))
        return frame

    def _numbers(self, ids: list[tuple[str, str, str, int]]) -> Any:
        """Each settled unit's statement id (``ids``) as a small DataFrame, cached: each table's
        broadcast join reads it there, not the driver's rows unpickled again in the JVM."""
        from pyspark import StorageLevel

        numbers = self.spark.createDataFrame(  # our own rows: not checked row by row (147,742 in the 1M month)
            ids, "platform string, creator string, month string, statement long", verifySchema=False
        ).persist(StorageLevel.MEMORY_ONLY)
        with self._step("numbers"):
            numbers.count()
        return numbers

    @contextmanager
    def _writers(self, partitions: int) -> Iterator[tuple[str, ...]]:
        """While the run's tables are written to ``partitions`` (month, platform) folders: the columns
        each task's rows must be sorted by before :data:`.tables.ORDER`'s. With a writer open for
        each partition (up to :data:`CONCURRENT_WRITERS`, the session's setting restored after): none;
        else month and platform, as Spark's writer requires."""
        if not 0 < partitions <= CONCURRENT_WRITERS:
            yield ("month", "platform")
            return
        key, conf = "spark.sql.maxConcurrentOutputFileWriters", self.spark.conf
        before = conf.get(key)
        conf.set(key, str(partitions))
        try:
            yield ()
        finally:
            conf.set(key, before)

    def _write(self, frame: Any, numbers: Any, folder: Path, leading: tuple[str, ...]) -> None:
        """The run's tables made by the tasks (:data:`WRITTEN` but the events index) from their rows
        ``frame``, their statement ids joined in from ``numbers`` (each settled unit's, in unit order)
        and each statement's digest taken with its id
        (:func:`~creatorpay.core.sqlite_schema.statement_digest`), by concurrent jobs (a thread each:
        Spark runs the jobs of several threads at once, so one table's last tasks leave no core idle
        that another's can use)."""
        from pyspark.sql import functions as F

        frame = frame.drop("statement").join(F.broadcast(numbers), list(_UNIT[:3]), "left")
        digest = F.sha2(F.concat_ws(",", F.col("statement").cast("string"), F.col("run").cast("string"), "digest"), 256)
        frame = frame.withColumn("digest", F.when(F.col("tag") == "statements", digest).otherwise(F.col("digest")))
        made = [table for table in WRITTEN if table != "events"]
        writers = [self._write_table(table, frame.filter(F.col("tag") == table), folder, leading) for table in made]
        with ThreadPoolExecutor(len(made), thread_name_prefix="creatorpay-write") as pool:
            for done in [pool.submit(write) for write in writers]:
                done.result()

    def _write_table(self, table: str, rows: Any, folder: Path, leading: tuple[str, ...]) -> Callable[[], None]:
        """How to write one table of :data:`WRITTEN` from its ``rows`` (the events index:
        :func:`_indexed`'s, its digest added here) into ``folder``:
        ``DataFrame.write.partitionBy("month", "platform")``, one file per partition, rows sorted by
        ``leading`` (:meth:`_writers`) and :data:`.tables.ORDER`, renamed ``part-0.parquet``: the same
        bytes for the same run. The query is made here; the
        writing, a job, when the function returned is called (on another thread, maybe: it then needs
        the interpreter for two calls to the JVM only, not for the query's tens)."""
        names = tables.columns(table)
        events = table == "events"
        moved = [name for name in names if not (events and name == "digest")]  # made after the shuffle
        rows = (
            rows.select(*moved)
            .repartition(self.partitions, "month", "platform")
            .sortWithinPartitions(*leading, *tables.ORDER[table])
        )
        writer = (
            (_with_digest(rows).select(*names) if events else rows)
            .write.partitionBy("month", "platform")
            .options(**PARQUET_OPTIONS)
            .mode("overwrite")
        )

        def write() -> None:
            with self._step(f"write_{table}"):
                writer.parquet(str(folder / table))
            _tidy(folder / table)

        return write

    def _unsettled(self, frame: Any) -> list[Any]:
        """The events of the units that cannot be settled, from the tasks' rows ``frame`` (one Spark
        query, run only when some unit has no statement)."""
        kept = ("platform", "creator", "month", "id", "line", "reason", "position")
        with self._step("unsettled"):
            return list(frame.filter("tag = 'reject'").select(*kept).collect())

    # -- state and publishing -----------------------------------------------------------------------

    def _pg(self) -> Any:
        """The ledger's PostgresStore (its registry and the budgets), None with the file registry."""
        from ..postgres_store import PostgresStore

        return self.ledger.registry if isinstance(self.ledger.registry, PostgresStore) else None

    def _state(self, before: list[int]) -> tuple[shared.State, dict[str, int]]:
        """The store's state as the run begins; with PostgreSQL, each budget's remaining amount is
        PostgreSQL's, and its version is kept for the compare-and-set at the commit."""
        state = self.ledger.state(before)
        pg = self._pg()
        if pg is None:
            return state, {}
        versions: dict[str, int] = {}
        budgets = []
        for key, capacity, _ in state.budgets:
            found = pg.budget(key, Decimal(capacity))
            versions[key] = found.version
            budgets.append((key, capacity, str(found.remaining)))
        return state._replace(budgets=budgets), versions

    def _publish(
        self,
        run: int,
        before: list[int],
        tables: Mapping[str, Any],
        versions: Mapping[str, int],
        *,
        again: bool,
        prepared: Path | None = None,
    ) -> None:
        """Write the run's folder and commit it; with PostgreSQL, in one transaction with the budgets'
        compare-and-set, under an advisory lock, and only if no other run committed since it began
        (else :class:`Conflict`: the run is settled again). ``again``: the run id was given (--run),
        to be written again; else a run that took the same new id and committed first is a conflict."""
        pg = self._pg()
        if pg is None:
            if self.ledger.publish(run, tables, before, prepared=prepared) is None:
                raise Conflict(f"another run committed while run {run} settled")
            return
        with pg.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('creatorpay.scale.registry'))")
            committed = self.ledger.committed()
            if [r for r in committed if r != run] != [r for r in before if r != run]:
                raise Conflict(f"another run committed while run {run} settled")
            if run in committed and not again:
                raise Conflict(f"another run took the id {run} and committed it first", taken=True)
            for key, capacity, remaining in tables["budgets"]:
                expected = versions.get(key)
                if expected is None:
                    expected = pg.budget(key, Decimal(capacity)).version
                    if expected != 0:
                        raise Conflict(f"budget {key} was drawn from by another run")
                if not pg.cas_remaining(key, expected, Decimal(remaining)):
                    raise Conflict(f"budget {key} changed while run {run} settled")
            write_run(self.ledger.folder, run, tables, prepared=prepared)
            pg.commit_run(str(run))


__all__ = [
    "CHECKED",
    "LOCAL_JVM",
    "LOCAL_SQL",
    "WIDE",
    "WIDE_DDL",
    "WRITTEN",
    "Context",
    "Rows",
    "Seconds",
    "SparkDriver",
    "archive_later",
    "check_ranges",
    "dedupe",
    "events_index",
    "final_rows",
    "local_cores",
    "ranges",
    "seed_units",
    "session",
    "settle_units",
    "timed",
]
