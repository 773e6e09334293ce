"""``creatorpay settle``: a month of events settled into the SQLite ledger (docs/batch.md).

Exit 0 when the run finished, even with rejected rows (they are in the rejects file, written only
when a row was rejected); 2 for unusable
input (a missing file, an unknown format, a CSV without the required columns, a bad ``--period``, a
``--rules`` file the rules refuse); 1 on a failure, including a reconciliation that does not hold.
"""

from __future__ import annotations

import gc
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

from ..errors import InputError
from ..files import STDIN, check_ledger, check_outputs, open_input, replacing
from ..money import grouped
from ..scenario import Period
from . import quiet
from .common import ledger_errors, make_engine, open_ledger, rules_option

if TYPE_CHECKING:
    from rich.text import Text

    from ..batch import Summary

#: The phases whose progress Batch reports in bytes of the file read (its reader's size and
#: position); the others count units.
BYTE_PHASES = frozenset({"creators", "events"})

#: Allocations between two collections of the youngest generation during a run (Python: 700).
GC_FIRST_GENERATION = 50_000


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
    required=True,
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="The SQLite ledger (created if missing).",
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
    db: Path,
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
    Examples:
      creatorpay settle month.jsonl --creators creators.jsonl --db ledger.sqlite --period 2026-10
      export-events | creatorpay settle - --creators creators.csv --db ledger.sqlite
    """
    from ..batch import SETTLE_CHUNK, STAGE_CHUNK, Batch

    month = _period(period)
    # The rules, overrides included, are checked whole here (constraints and each plugin's
    # creatorpay_check_rules), before any file is opened: a bad tax table is exit 2, not a run
    # rejecting every unit it would settle under it.
    engine = make_engine(rules)
    if str(events) == STDIN and str(creators) == STDIN:
        raise InputError.one("EVENTS", "", "EVENTS and --creators cannot both be - (standard input)")
    target = rejects or (Path("stdin.rejects.csv") if str(events) == STDIN else events.with_suffix(".rejects.csv"))
    inputs = (("EVENTS", events), ("--creators", creators), ("--rules", rules))
    for _what, path in inputs[:2]:
        if str(path) != STDIN:  # there and a regular file (a FIFO or a device is refused), before any writing
            open_input(path).close()
    # Before anything is opened for writing: the ledger is no input, the rejects file neither.
    check_ledger(db, inputs)
    check_outputs(
        [("--rejects" if rejects else "the rejects file (EVENTS with .rejects.csv)", target)], inputs, ledger=db
    )
    show = (sys.stderr.isatty() and not quiet()) if progress is None else progress
    # Collect young garbage every 50,000 allocations rather than every 700 while the run lasts (the
    # workers it forks inherit it): the run allocates rows by the hundred thousand that live until
    # their piece is written, and collecting them that often cost 5-9% of the run (docs/performance.md).
    thresholds = gc.get_threshold()
    gc.set_threshold(GC_FIRST_GENERATION, *thresholds[1:])
    summary: Summary | None = None
    try:
        with ExitStack() as spooling, open_ledger(db) as store, ledger_errors(db):
            events, creators, names = _spooled(spooling, events, creators, stdin_format)
            try:
                with replacing(target) as out:
                    bar = _RichProgress() if show else None
                    batch = Batch(
                        store,
                        engine=engine,
                        period=month,
                        rejects=out,
                        progress=bar,
                        settle_chunk=chunk or SETTLE_CHUNK,
                        stage_chunk=stage_chunk or STAGE_CHUNK,
                    )
                    try:
                        summary = batch.run(events, creators, names=names)
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
