"""``creatorpay settle``: a month of events settled into the SQLite ledger (docs/batch.md).

Exit 0 when the run finished, even with rejected rows (they are in the rejects file); 2 for unusable
input (a missing file, an unknown format, a CSV without the required columns, a bad ``--period``, a
``--rules`` file the rules refuse); 1 on a failure, including a reconciliation that does not hold.
"""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import InputError
from ..files import check_ledger, check_outputs, open_input, replacing
from ..scenario import Period
from .common import ledger_errors, make_engine, open_ledger, rules_option

#: Allocations between two collections of the youngest generation during a run (Python: 700).
GC_FIRST_GENERATION = 50_000


@click.command()
@click.argument("events", type=click.Path(path_type=Path))
@click.option("--creators", required=True, type=click.Path(path_type=Path), metavar="FILE",
              help="Creator profiles, JSON Lines or CSV (docs/batch.md).")
@click.option("--db", required=True, type=click.Path(path_type=Path), metavar="FILE",
              help="The SQLite ledger (created if missing).")
@click.option("--period", metavar="YYYY-MM", help="Settle only this month; events of other months are rejected.")
@click.option("--rejects", type=click.Path(path_type=Path), metavar="FILE",
              help="Where rejected rows go (CSV: file, line, id, reason), written whole at the end of the run. "
                   "Default: EVENTS with .rejects.csv.")
@rules_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="How the run's summary is printed.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when stderr is a terminal).")
@click.option("--chunk", type=click.IntRange(1), default=None, hidden=True, help="Units per transaction.")
@click.option("--stage-chunk", type=click.IntRange(1), default=None, hidden=True, help="Rows per transaction.")
def settle(events: Path, creators: Path, db: Path, period: str | None, rejects: Path | None,
           rules: Path | None, fmt: str, progress: bool | None, chunk: int | None, stage_chunk: int | None) -> None:
    """Settle EVENTS (JSON Lines or CSV) per platform, creator and month into the ledger --db.

    Events already settled are skipped (their id is the idempotency key); a late event for a month
    already settled adds an adjustment statement. Rerunning the same command after a crash completes
    the ledger exactly as an uninterrupted run would.

    Example: creatorpay settle month.jsonl --creators creators.jsonl --db ledger.sqlite --period 2026-10
    """
    from ..batch import SETTLE_CHUNK, STAGE_CHUNK, Batch

    month = _period(period)
    # The rules, overrides included, are checked whole here (constraints and each plugin's
    # creatorpay_check_rules), before any file is opened: a bad tax table is exit 2, not a run
    # rejecting every unit it would settle under it.
    engine = make_engine(rules)
    target = rejects or events.with_suffix(".rejects.csv")
    inputs = (("EVENTS", events), ("--creators", creators), ("--rules", rules))
    for _what, path in inputs[:2]:
        open_input(path).close()  # there and a regular file (a FIFO or a device is refused), before any writing
    # Before anything is opened for writing: the ledger is no input, the rejects file neither.
    check_ledger(db, inputs)
    check_outputs([("--rejects" if rejects else "the rejects file (EVENTS with .rejects.csv)", target)], inputs,
                  ledger=db)
    show = sys.stderr.isatty() if progress is None else progress
    # Collect young garbage every 50,000 allocations rather than every 700 while the run lasts (the
    # workers it forks inherit it): the run allocates rows by the hundred thousand that live until
    # their piece is written, and collecting them that often cost 5-9% of the run (docs/performance.md).
    thresholds = gc.get_threshold()
    gc.set_threshold(GC_FIRST_GENERATION, *thresholds[1:])
    try:
        with open_ledger(db) as store, ledger_errors(db), replacing(target) as out:
            bar = _RichProgress() if show else None
            batch = Batch(store, engine=engine, period=month, rejects=out, progress=bar,
                          settle_chunk=chunk or SETTLE_CHUNK, stage_chunk=stage_chunk or STAGE_CHUNK)
            try:
                summary = batch.run(events, creators)
            finally:
                if bar is not None:
                    bar.close()
    finally:
        gc.set_threshold(*thresholds)  # as it was, for a caller running the command in-process
    data = summary.to_dict()
    data["rejects_file"] = str(target)
    if fmt == "json":
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(_text(data))
    if not summary.balanced:
        raise click.ClickException(f"the reconciliation does not hold (run {summary.run}); see the summary")


def _period(text: str | None) -> Period | None:
    if text is None:
        return None
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise InputError.one("--period", "", str(exc)) from None


def _text(data: dict[str, Any]) -> str:
    lines = [
        f"run {data['run']}: {data['reconciliation']['rows']}"
        + (f" ({data['conflicts']:,} conflicting ids)" if data["conflicts"] else ""),
        f"{data['units']:,} units: {data['statements']:,} statements ({data['adjustments']:,} adjustments), "
        f"{data['units_rejected']:,} units rejected"
        + (f"; {data['carried_over']:,} events carried over from an interrupted run" if data["carried_over"] else ""),
        f"creators: {data['profiles_read']:,} read, {data['profiles_rejected']:,} rejected",
        "cash per platform (in = deductions + paid out):",
    ]
    for platform, cash in data["cash"].items():
        lines.append(f"  {platform:<16} {cash['cash_in']:>16} = {cash['deductions']:>14} + {cash['paid_out']:>16}"
                     f"  {'ok' if cash['balanced'] else 'DOES NOT BALANCE'}")
    rejected = data["rejected"] + data["profiles_rejected"]
    lines.append(f"rejects: {data['rejects_file']} ({rejected:,} rows)")
    lines.append(f"{data['seconds']:.1f} s")
    return "\n".join(lines)


class _RichProgress:
    """A transient progress bar on stderr, one task per phase (rich imported only when shown)."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(TextColumn("{task.description:<9}"), BarColumn(), MofNCompleteColumn(),
                                  TimeRemainingColumn(), console=Console(stderr=True), transient=True)
        self._progress.start()
        self._task: Any = None

    def start(self, phase: str, total: int) -> None:
        if self._task is not None:
            self._progress.update(self._task, completed=self._progress.tasks[-1].total)
        self._task = self._progress.add_task(phase, total=total)

    def update(self, done: int) -> None:
        self._progress.update(self._task, completed=done)

    def close(self) -> None:
        self._progress.stop()
