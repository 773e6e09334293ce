"""``creatorpay settle``: a month of events settled into the SQLite ledger (docs/batch.md).

Exit 0 when the run finished, even with rejected rows (they are in the rejects file, written only
when a row was rejected); 2 for unusable
input (a missing file, an unknown format, a CSV without the required columns, a bad ``--period``, a
``--rules`` file the rules refuse); 1 on a failure, including a reconciliation that does not hold.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import os
import shutil
import stat
import sys
import tempfile
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .. import collector
from ..errors import InputError
from ..files import STDIN, check_ledger, check_outputs, open_input, replacing
from ..money import grouped
from ..scenario import Period
from . import quiet
from .common import ledger_errors, make_engine, open_ledger, rules_option

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TextIO

    from rich.text import Text

    from ..batch import Progress, Summary
    from ..engine import Engine
    from ..scale.parquet import ParquetLedger

#: The phases whose progress Batch reports in bytes of the file read (its reader's size and
#: position); the others count units.
BYTE_PHASES = frozenset({"creators", "events"})

#: The engines ``settle --engine`` runs: today's SQLite path, and the stages' drivers (docs/scale.md).
ENGINES = ("sqlite", "local", "spark")


@click.command()
@click.argument("events", type=click.Path(path_type=Path))
@click.option(
    "--creators",
    required=True,
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Creator profiles, JSON Lines or CSV (docs/batch.md).",
)
@click.option(
    "--db",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="The SQLite ledger (created if missing); with --engine sqlite, the default.",
)
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="sqlite",
    show_default=True,
    help="sqlite: into the SQLite ledger --db (docs/batch.md); local: the engine-neutral stages in this "
    "process, into the Parquet ledger --ledger (docs/scale.md, pip install 'creatorpay[scale]'); spark: "
    "the same stages on Apache Spark --master (pip install 'creatorpay[spark]').",
)
@click.option(
    "--master",
    default="local[*]",
    show_default=True,
    metavar="URL",
    help="With --engine spark: where Spark runs (local[2], yarn, k8s://https://host:443, spark://host:7077).",
)
@click.option(
    "--store",
    metavar="DSN",
    help="With --engine spark: keep the budgets' state between runs and the run registry in PostgreSQL "
    "(postgresql://…), for runs started on several machines.",
)
@click.option(
    "--ledger",
    "ledger_dir",
    type=click.Path(path_type=Path, file_okay=False),
    metavar="DIR",
    help="The Parquet ledger folder (created if missing), for --engine local.",
)
@click.option(
    "--registry",
    metavar="DSN",
    help="Keep the Parquet ledger's run registry in PostgreSQL (PostgresStore) instead of DIR/runs.json.",
)
@click.option(
    "--run",
    "run_id",
    type=click.IntRange(1),
    metavar="N",
    help="With --ledger: write run N again (the same inputs write the same bytes); default: a new run.",
)
@click.option("--period", metavar="YYYY-MM", help="Settle only this month; events of other months are rejected.")
@click.option(
    "--rejects",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Where rejected rows go (CSV: file, line, id, reason), written whole at the end of the run, "
    "and only when a row was rejected (an earlier run's rejects file there is then removed as "
    "stale). Default: EVENTS with .rejects.csv (stdin.rejects.csv when EVENTS is -).",
)
@click.option(
    "--stdin-format",
    type=click.Choice(["jsonl", "csv"]),
    default="jsonl",
    show_default=True,
    help="The format of EVENTS or --creators given as - (standard input).",
)
@rules_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="How the run's summary is printed.",
)
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal).")
@click.option("--chunk", type=click.IntRange(1), default=None, hidden=True, help="Units per transaction.")
@click.option("--stage-chunk", type=click.IntRange(1), default=None, hidden=True, help="Rows per transaction.")
def settle(
    events: Path,
    *,
    creators: Path,
    db: Path | None,
    engine: str,
    ledger_dir: Path | None,
    registry: str | None,
    master: str,
    store: str | None,
    run_id: int | None,
    period: str | None,
    rejects: Path | None,
    stdin_format: str,
    rules: Path | None,
    fmt: str,
    progress: bool | None,
    chunk: int | None,
    stage_chunk: int | None,
) -> None:
    """Settle EVENTS (JSON Lines or CSV) per platform, creator and month into the ledger --db.

    Events already settled are skipped (their id is the idempotency key); a late event for a month
    already settled adds an adjustment statement. Rerunning the same command after a crash completes
    the ledger exactly as an uninterrupted run would.

    EVENTS or --creators may be - (standard input, JSON Lines unless --stdin-format csv): it is
    copied to a temporary file first, since the worker processes read the events by byte ranges.

    \b
    With --engine local the run goes into the Parquet ledger --ledger DIR instead (docs/scale.md):
    the same statements, published atomically as one run of the folder.

    \b
    Examples:
      creatorpay settle month.jsonl --creators creators.jsonl --db ledger.sqlite --period 2026-10
      export-events | creatorpay settle - --creators creators.csv --db ledger.sqlite
      creatorpay settle month.jsonl --creators creators.jsonl --engine local --ledger ledger/
    """
    _check_engine(engine, db, ledger_dir, registry, run_id)
    if store is not None and engine != "spark":
        raise InputError.one("--store", "", "--store is for --engine spark (the budgets' state between its runs)")
    month = _period(period)
    # The rules, overrides included, are checked whole here (constraints and each plugin's
    # creatorpay_check_rules), before any file is opened: a bad tax table is exit 2, not a run
    # rejecting every unit it would settle under it.
    engine_ = make_engine(rules)
    target = _check_files(events, creators, rules, rejects, db)
    show = (sys.stderr.isatty() and not quiet()) if progress is None else progress
    # Collect young garbage every 50,000 allocations rather than every 700 while the run lasts (the
    # workers it forks inherit it): the run allocates rows by the hundred thousand that live until
    # their piece is written, and collecting them that often cost 5-9% of the run (docs/performance.md).
    thresholds = gc.get_threshold()
    gc.set_threshold(collector.GC_FIRST_GENERATION, *thresholds[1:])
    summary: Summary | None = None
    try:
        with ExitStack() as stack:
            events, creators, names = _spooled(stack, events, creators, stdin_format)
            if ledger_dir is not None and engine == "spark":
                runner = _spark_runner(
                    stack, ledger_dir, (store or registry, run_id, master), engine_, month, (events, creators, names)
                )
            elif ledger_dir is not None:
                runner = _local_runner(stack, ledger_dir, (registry, run_id), engine_, month, (events, creators, names))
            else:
                assert db is not None
                runner = _sqlite_runner(stack, db, (chunk, stage_chunk), engine_, month, (events, creators, names))
            try:
                with replacing(target) as out:
                    bar = _RichProgress() if show else None
                    try:
                        summary = runner(out, bar)
                    finally:
                        if bar is not None:
                            bar.close()
                    if not _rejected(summary) and str(target) != STDIN:
                        raise _NothingRejected  # the rejects file is not written: its temporary file goes
            except _NothingRejected:
                pass
    finally:
        gc.set_threshold(*thresholds)  # as it was, for a caller running the command in-process
    assert summary is not None
    data = summary.to_dict()
    data["rejects_file"] = str(target) if _rejected(summary) or str(target) == STDIN else None
    data["stale_rejects_removed"] = None if data["rejects_file"] else _remove_stale(target)
    if fmt == "json":  # the document: printed even with -q
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    elif not quiet():
        click.echo(_text(data))
    if not summary.balanced:
        raise click.ClickException(f"the reconciliation does not hold (run {summary.run}); see the summary")


def _check_files(events: Path, creators: Path, rules: Path | None, rejects: Path | None, db: Path | None) -> Path:
    """The inputs there and readable, and no output over an input, before anything is opened for
    writing; returns where rejected rows go."""
    if str(events) == STDIN and str(creators) == STDIN:
        raise InputError.one("EVENTS", "", "EVENTS and --creators cannot both be - (standard input)")
    target = rejects or (Path("stdin.rejects.csv") if str(events) == STDIN else events.with_suffix(".rejects.csv"))
    inputs = (("EVENTS", events), ("--creators", creators), ("--rules", rules))
    for _what, path in inputs[:2]:
        if str(path) != STDIN:  # there and a regular file (a FIFO or a device is refused), before any writing
            open_input(path).close()
    # The ledger is no input, the rejects file neither.
    if db is not None:
        check_ledger(db, inputs)
    check_outputs(
        [("--rejects" if rejects else "the rejects file (EVENTS with .rejects.csv)", target)], inputs, ledger=db
    )
    return target


def _check_engine(engine: str, db: Path | None, ledger: Path | None, registry: str | None, run: int | None) -> None:
    """The ledger options fit the engine: --db for sqlite, --ledger (with --registry, --run) for the
    stages' drivers (exit 2 naming the option otherwise)."""
    if engine == "sqlite":
        if db is None:
            raise InputError.one("--db", "", "--engine sqlite settles into a SQLite ledger: give --db FILE")
        for name, given in (("--ledger", ledger), ("--registry", registry), ("--run", run)):
            if given is not None:
                raise InputError.one(name, "", f"{name} is for the Parquet ledger (--engine local); --db is given")
        return
    if ledger is None:
        raise InputError.one("--ledger", "", f"--engine {engine} settles into a Parquet ledger: give --ledger DIR")
    if db is not None:
        raise InputError.one("--db", "", f"--engine {engine} writes the Parquet ledger --ledger, not --db")


def _sqlite_runner(
    stack: ExitStack,
    db: Path,
    chunks: tuple[int | None, int | None],
    engine: Engine,
    month: Period | None,
    inputs: tuple[Path, Path, dict[Path, str]],
) -> Callable[[TextIO, Progress | None], Summary]:
    """``--engine sqlite``: :class:`~creatorpay.core.batch.Batch` into the SQLite ledger ``db``;
    ``chunks``: --chunk and --stage-chunk; ``inputs``: EVENTS, --creators and their names."""
    from ..batch import SETTLE_CHUNK, STAGE_CHUNK, Batch

    store = stack.enter_context(open_ledger(db))
    stack.enter_context(ledger_errors(db))
    events, creators, names = inputs

    def runner(out: TextIO, progress: Progress | None) -> Summary:
        batch = Batch(
            store,
            engine=engine,
            period=month,
            rejects=out,
            progress=progress,
            settle_chunk=chunks[0] or SETTLE_CHUNK,
            stage_chunk=chunks[1] or STAGE_CHUNK,
        )
        return batch.run(events, creators, names=names)

    return runner


def _local_runner(
    stack: ExitStack,
    folder: Path,
    options: tuple[str | None, int | None],
    engine: Engine,
    month: Period | None,
    inputs: tuple[Path, Path, dict[Path, str]],
) -> Callable[[TextIO, Progress | None], Summary]:
    """``--engine local``: the stages in this process, published in the Parquet ledger ``folder``;
    ``options``: --registry and --run; ``inputs``: EVENTS, --creators and their names."""
    registry, run = options
    events, creators, names = inputs
    try:
        from ..scale.local import LocalDriver
        from ..scale.parquet import ParquetLedger  # noqa: F401 (pyarrow there, or the message below)
    except ImportError as exc:  # pyarrow missing
        raise InputError.one(
            "--engine", "", f"--engine local needs pyarrow ({exc}): pip install 'creatorpay[scale]'"
        ) from None
    ledger = _parquet_ledger(stack, folder, registry)

    def runner(out: TextIO, progress: Progress | None) -> Summary:
        del progress  # the local driver reports no progress yet
        return LocalDriver(ledger, engine=engine, period=month, rejects=out).run(events, creators, run=run, names=names)

    return runner


def _parquet_ledger(stack: ExitStack, folder: Path, registry: str | None) -> ParquetLedger:
    """The Parquet ledger in ``folder`` (made if missing; a file there is bad input), closed with ``stack``."""
    from ..scale.parquet import ParquetLedger

    if folder.exists() and not folder.is_dir():
        raise InputError.one("--ledger", "", f"{folder} is not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    ledger = ParquetLedger(folder, dsn=registry)
    stack.callback(ledger.close)
    return ledger


def _spark_runner(
    stack: ExitStack,
    folder: Path,
    options: tuple[str | None, int | None, str],
    engine: Engine,
    month: Period | None,
    inputs: tuple[Path, Path, dict[Path, str]],
) -> Callable[[TextIO, Progress | None], Summary]:
    """``--engine spark``: the stages on Spark, published in the Parquet ledger ``folder``;
    ``options``: --store (or --registry), --run and --master; ``inputs``: EVENTS, --creators and their names."""
    dsn, run, master = options
    events, creators, names = inputs
    try:
        import pyspark  # noqa: F401 (there, or the message below)

        from ..scale.parquet import ParquetLedger  # noqa: F401 (pyarrow there, or the message below)
        from ..scale.spark import SparkDriver, archive_later, session

        if importlib.util.find_spec("pandas") is None:  # pyspark's mapInArrow requires it
            raise ImportError("No module named 'pandas'")
    except ImportError as exc:  # pyspark, pyarrow or pandas missing
        raise InputError.one(
            "--engine",
            "",
            f"--engine spark needs pyspark, pyarrow and pandas ({exc}): pip install 'creatorpay[spark]'",
        ) from None
    ledger = _parquet_ledger(stack, folder, dsn)

    def runner(out: TextIO, progress: Progress | None) -> Summary:
        del progress  # Spark reports its own progress
        from pyspark.sql import SparkSession

        running = SparkSession.getActiveSession()

        def start() -> Any:  # as the run begins, while the creators file is checked
            try:
                return session(master)
            except Exception as exc:  # Java missing, or the master unreachable: the JVM says why
                raise click.ClickException(f"Spark could not start on --master {master}: {exc}") from None

        driver = SparkDriver(
            ledger, spark=running, start=None if running else start, engine=engine, period=month, rejects=out
        )
        try:
            summary = driver.run(events, creators, run=run, names=names)
        finally:
            if running is None and driver.spark is not None:
                driver.spark.stop()
        if running is None:
            archive_later(master)  # for the next runs' JVM to start with (a session of ours, a run settled)
        return summary

    return runner


def _spooled(stack: ExitStack, events: Path, creators: Path, stdin_format: str) -> tuple[Path, Path, dict[Path, str]]:
    """EVENTS and --creators as files: one given as ``-`` is standard input copied to a temporary file
    (removed when ``stack`` closes), named ``-`` in messages and the rejects file."""
    if STDIN not in (str(events), str(creators)):
        return events, creators, {}
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="creatorpay-stdin-")))
    copy = folder / f"stdin.{stdin_format}"
    with copy.open("wb") as out:
        shutil.copyfileobj(sys.stdin.buffer, out, 1024 * 1024)
    if str(events) == STDIN:
        return copy, creators, {copy: STDIN}
    return events, copy, {copy: STDIN}


def _period(text: str | None) -> Period | None:
    if text is None:
        return None
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise InputError.one("--period", "", str(exc)) from None


class _NothingRejected(Exception):
    """Ends the rejects file's block without writing it: the run rejected no row."""


def _rejected(summary: Summary) -> int:
    return summary.rejected + summary.profiles_rejected


def _remove_stale(target: Path) -> str | None:
    """Remove ``target`` when it is a rejects file of an earlier run (a regular file, not a link,
    opening with the rejects header): this run read the inputs again and rejected nothing, so every
    row it lists was fixed or is gone, and left there it would say otherwise. Any other file is left
    alone. Returns the path removed, if any."""
    from ..batch import REJECT_COLUMNS

    try:
        if not stat.S_ISREG(os.lstat(target).st_mode):
            return None
        with target.open(encoding="utf-8", newline="") as handle:
            first = handle.readline(4096)
        if first.rstrip("\r\n") != ",".join(REJECT_COLUMNS):
            return None
        target.unlink()
    except (OSError, UnicodeError):
        return None
    return str(target)


def _text(data: dict[str, Any]) -> str:
    """The run's summary for people: counts grouped by thousands, money in CNY with two places,
    seconds and events per second named."""
    rows = (
        f"{data['rows_read']:,} read = {data['settled']:,} settled + {data['duplicates']:,} duplicates "
        f"+ {data['rejected']:,} rejected"
    )
    lines = [
        f"run {data['run']}, events: {rows}"
        + (f" ({data['conflicts']:,} conflicting ids)" if data["conflicts"] else ""),
        f"{data['units']:,} units: {data['statements']:,} statements ({data['adjustments']:,} adjustments), "
        f"{data['units_rejected']:,} units rejected"
        + (f"; {data['carried_over']:,} events carried over from an interrupted run" if data["carried_over"] else ""),
        f"creators: {data['profiles_read']:,} read, {data['profiles_rejected']:,} rejected",
        "cash per platform in CNY (in = deductions + paid out):",
    ]
    cash = {
        platform: [grouped(Decimal(figures[key])) for key in ("cash_in", "deductions", "paid_out")]
        for platform, figures in data["cash"].items()
    }
    widths = [max((len(row[i]) for row in cash.values()), default=0) for i in range(3)]
    name_width = max((len(platform) for platform in cash), default=0)
    for platform, (cash_in, deductions, paid_out) in cash.items():
        lines.append(
            f"  {platform:<{name_width}}  {cash_in:>{widths[0]}} = {deductions:>{widths[1]}} + "
            f"{paid_out:>{widths[2]}}  {'ok' if data['cash'][platform]['balanced'] else 'DOES NOT BALANCE'}"
        )
    rejected = data["rejected"] + data["profiles_rejected"]
    if data["rejects_file"]:
        lines.append(f"rejects: {rejected:,} row{'s' if rejected != 1 else ''} in {data['rejects_file']}")
    elif data["stale_rejects_removed"]:
        lines.append(f"no rows rejected (removed {data['stale_rejects_removed']}, an earlier run's rejects file)")
    else:
        lines.append("no rows rejected")
    seconds = float(data["seconds"])
    rate = f", {data['rows_read'] / seconds:,.0f} events/s" if seconds > 0 and data["rows_read"] else ""
    lines.append(f"{seconds:,.1f} seconds{rate}")
    return "\n".join(lines)


class _RichProgress:
    """A transient progress bar on stderr, one task per phase (rich imported only when shown)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(
            TextColumn("{task.description:<9}"),
            BarColumn(),
            _count_column(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._progress.start()
        self._task: Any = None

    def start(self, phase: str, total: int) -> None:
        if self._task is not None:
            self._progress.update(self._task, completed=self._progress.tasks[-1].total)
        unit = "bytes" if phase in BYTE_PHASES else "units"
        self._task = self._progress.add_task(phase, total=total, unit=unit)

    def update(self, done: int) -> None:
        self._progress.update(self._task, completed=done)

    def close(self) -> None:
        self._progress.stop()


def _count_column() -> Any:
    """How far a phase is, with its unit: bytes as file sizes (``1.2/5.0 MB``, rich's download
    column), units settled as ``120/302 units``."""
    from rich.progress import DownloadColumn, MofNCompleteColumn, ProgressColumn, Task

    class Count(ProgressColumn):
        def __init__(self) -> None:
            super().__init__()
            self._bytes, self._units = DownloadColumn(), MofNCompleteColumn()

        def render(self, task: Task) -> Text:
            if task.fields.get("unit") == "bytes":
                return self._bytes.render(task)
            counted = self._units.render(task)
            counted.append(f" {task.fields.get('unit', '')}".rstrip())
            return counted

    return Count()
