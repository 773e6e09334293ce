"""``creatorpay ledger``: read the SQLite ledger that ``settle`` writes (docs/batch.md).

``export``: totals per platform, creator and month (every statement of the unit, adjustments
included) as CSV or JSON, from a ledger that passes verification; ``show``: one unit's statements
with their lines; ``verify``: every statement's digest and SQLite's integrity check.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import InputError
from ..files import check_outputs, replacing
from ..scenario import Period
from . import SuggestingGroup, note
from .common import F, LedgerDamaged, ledger_errors, open_ledger

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import TextIO

    from ..scale.parquet import ParquetLedger

_DB = click.option(
    "--db",
    required=True,
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="The SQLite ledger written by creatorpay settle.",
)
#: export and verify read either ledger: the SQLite file, or the Parquet folder (docs/scale.md).
_EITHER = (
    click.option(
        "--db",
        type=click.Path(path_type=Path),
        metavar="FILE",
        help="The SQLite ledger written by creatorpay settle.",
    ),
    click.option(
        "--ledger",
        "folder",
        type=click.Path(path_type=Path),
        metavar="DIR",
        help="The Parquet ledger written by creatorpay settle --engine local (docs/scale.md).",
    ),
    click.option(
        "--registry", metavar="DSN", help="With --ledger: its run registry is in PostgreSQL (settle --registry)."
    ),
)


def _either(function: F) -> F:
    for option in reversed(_EITHER):
        function = option(function)
    return function


@click.group(cls=SuggestingGroup)
def ledger() -> None:
    """Query the ledger: totals per platform, creator and month, statements, and verification.

    Example: creatorpay ledger export --db ledger.sqlite --period 2026-10 --format csv
    """


@ledger.command()
@_either
@click.option("--period", metavar="YYYY-MM", help="Only this month (default: every month).")
@click.option("--platform", metavar="NAME", help="Only this platform.")
@click.option("--creator", metavar="ID", help="Only this creator.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Write here, not stdout (whole or not at all; never over the ledger).",
)
def export(
    db: Path | None,
    folder: Path | None,
    registry: str | None,
    period: str | None,
    platform: str | None,
    creator: str | None,
    fmt: str,
    output: Path | None,
) -> None:
    """Totals per platform, creator and month: statements, adjustments, events, totals by kind, net.

    Example: creatorpay ledger export --db ledger.sqlite --period 2026-10 --format json
    """
    month = _month(period)
    db = _which(db, folder, registry)
    if db is None:
        assert folder is not None
        _export_parquet(folder, registry, month, platform, creator, fmt, output)
        return
    if output is not None:
        check_outputs([("--output", output)], [], ledger=db)
    with open_ledger(db, readonly=True, verifying=True) as store, ledger_errors(db, verifying=True):
        from ..batch.ledger import Ledger

        sqlite = Ledger(store)
        _, problems = sqlite.verify(month=month, platform=platform, creator=creator)
        _export_verified(
            problems,
            "--db",
            db,
            lambda out: sqlite.export(out, fmt, month=month, platform=platform, creator=creator),
            output,
        )


@ledger.command()
@_DB
@click.option("--platform", required=True, metavar="NAME")
@click.option("--creator", required=True, metavar="ID")
@click.option("--period", required=True, metavar="YYYY-MM")
def show(db: Path, platform: str, creator: str, period: str) -> None:
    """One unit's statements (original, then adjustments) with their lines and events, as JSON.

    Example: creatorpay ledger show --db ledger.sqlite --platform netease --creator c1 --period 2026-10
    """
    month = _month(period)
    assert month is not None
    with open_ledger(db, readonly=True) as store, ledger_errors(db):
        from ..batch.ledger import Ledger, Unit

        found = Ledger(store).statements(Unit(platform, creator, month))
    if not found:
        raise InputError.one("--db", "", f"no statement of {platform}/{creator}/{month} in {db}")
    click.echo(json.dumps(found, ensure_ascii=False, indent=2))


@ledger.command()
@_either
def verify(db: Path | None, folder: Path | None, registry: str | None) -> None:
    """Recompute every statement's digest and run SQLite's integrity check: each problem is listed
    (statement id and unit), exit 1 on any; a clean ledger prints one line and exits 0. A Parquet
    ledger (--ledger): every committed run's tables read and every digest recomputed.

    Example: creatorpay ledger verify --db ledger.sqlite
    """
    db = _which(db, folder, registry)
    if db is None:
        assert folder is not None
        _verify_parquet(folder, registry)
        return
    try:
        with open_ledger(db, readonly=True, verifying=True) as store, ledger_errors(db, verifying=True):
            from ..batch.ledger import Ledger

            checked, problems = Ledger(store).verify()
    except LedgerDamaged as exc:
        click.echo(f"{db}: SQLite cannot read the ledger: {exc.reason}", err=True)
        raise click.exceptions.Exit(1) from None
    for problem in problems:
        click.echo(f"{db}: {problem}", err=True)
    if problems:
        click.echo(
            f"{db}: {len(problems)} problem{'s' if len(problems) > 1 else ''} found; do not trust its "
            "totals (restore a backup, or settle its events into a new ledger)",
            err=True,
        )
        raise click.exceptions.Exit(1)
    click.echo(f"{db}: ok, {checked:,} statements verified (digests and SQLite integrity check)")


def _which(db: Path | None, folder: Path | None, registry: str | None) -> Path | None:
    """The SQLite ledger to read, or None for the Parquet one (exactly one of --db and --ledger)."""
    if (db is None) == (folder is None):
        raise InputError.one("--db", "", "give the ledger to read: --db FILE (SQLite) or --ledger DIR (Parquet)")
    if registry is not None and folder is None:
        raise InputError.one("--registry", "", "--registry is for the Parquet ledger (--ledger DIR)")
    return db


def _parquet(folder: Path, registry: str | None) -> ParquetLedger:
    """The Parquet ledger in ``folder`` (exit 2 when it is none, or pyarrow is missing)."""
    if not folder.is_dir() or not ((folder / "runs.json").is_file() or registry is not None):
        raise InputError.one("--ledger", "", f"{folder}: no Parquet ledger (run creatorpay settle --engine local)")
    try:
        from ..scale.parquet import ParquetLedger
    except ImportError as exc:
        raise InputError.one(
            "--ledger", "", f"reading a Parquet ledger needs pyarrow ({exc}): pip install 'creatorpay[scale]'"
        ) from None
    return ParquetLedger(folder, dsn=registry)


def _export_parquet(
    folder: Path,
    registry: str | None,
    month: str | None,
    platform: str | None,
    creator: str | None,
    fmt: str,
    output: Path | None,
) -> None:
    """``ledger export --ledger DIR``: the same totals, in the same bytes, as from the SQLite ledger."""
    parquet = _parquet(folder, registry)
    try:
        _, problems = parquet.verify()
        _export_verified(
            problems,
            "--ledger",
            folder,
            lambda out: parquet.export(out, fmt, month=month, platform=platform, creator=creator),
            output,
        )
    finally:
        parquet.close()


def _export_verified(
    problems: list[str], option: str, ledger: Path, write: Callable[[TextIO], int], output: Path | None
) -> None:
    """``ledger export``'s end, for either ledger (``option`` ``ledger``: ``--db FILE`` or ``--ledger
    DIR``): exit 1 naming the first problem when it fails verification, else ``write`` the totals to
    stdout or, whole or not at all, to ``output``."""
    if problems:
        click.echo(
            f"error: {ledger} fails verification ({len(problems)} problem"
            f"{'s' if len(problems) > 1 else ''}, first: {problems[0]}); nothing exported. "
            f"Run: creatorpay ledger verify {option} {ledger}",
            err=True,
        )
        raise click.exceptions.Exit(1)
    if output is None:
        write(sys.stdout)
        return
    with replacing(output) as out:
        count = write(out)
    note(f"{count:,} units written to {output}")


def _verify_parquet(folder: Path, registry: str | None) -> None:
    """``ledger verify --ledger DIR``."""
    parquet = _parquet(folder, registry)
    try:
        checked, problems = parquet.verify()
    finally:
        parquet.close()
    for problem in problems:
        click.echo(f"{folder}: {problem}", err=True)
    if problems:
        click.echo(
            f"{folder}: {len(problems)} problem{'s' if len(problems) > 1 else ''} found; do not trust its totals",
            err=True,
        )
        raise click.exceptions.Exit(1)
    click.echo(f"{folder}: ok, {checked:,} statements verified (digests of every committed run)")


def _month(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return str(Period.parse(text))
    except ValueError as exc:
        raise InputError.one("--period", "", str(exc)) from None
