"""Options and helpers shared by the commands: the engine options, scenario loading and the ledger file."""

from __future__ import annotations

import io
import os
import stat
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..engine import Engine
from ..errors import InputError
from ..files import STDIN, WriteError, check_outputs, open_input, replacing
from ..plugins import PluginWarning

if TYPE_CHECKING:
    from pathlib import Path

    from ..files import StrPath
    from ..scenario import Scenario
    from ..sqlite_store import SQLiteStore
    from ..statement import Statement

F = TypeVar("F", bound=Callable[..., Any])
#: How every SQLite database file begins.
SQLITE_HEADER = b"SQLite format 3\x00"


class PathOption(click.Path):
    """click's ``Path`` giving a :class:`pathlib.Path`, with pathlib imported only when the option is
    given: a ``creatorpay compare`` without it never imports pathlib (docs/performance.md)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from pathlib import Path

        return Path(os.fsdecode(super().convert(value, param, ctx)))


def complete_platforms(_ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[str]:
    """Shell completion of a platform name: the platforms the loaded plugins offer (a plugin's
    warnings are kept off the shell's screen)."""
    try:
        with redirect_stderr(io.StringIO()):
            names = Engine().platforms
    except Exception:  # completion never fails the shell
        return []
    return [name for name in names if name.startswith(incomplete)]


def output_option(function: F) -> F:
    """``-o/--output FILE``: the document written to FILE, whole or not at all, never over an input."""
    return click.option(
        "-o",
        "--output",
        "output",
        type=PathOption(),
        metavar="FILE",
        help="Write the document to FILE, not stdout (whole or not at all; never over an input; - is stdout).",
    )(function)


@contextmanager
def document_to(output: Path | None, inputs: Iterable[tuple[str, StrPath | None]]) -> Iterator[None]:
    """Send what the command prints to ``output`` (plain text, written atomically through
    :func:`files.replacing`) after checking it is none of the ``inputs``; ``None`` or ``-``: stdout."""
    if output is None or str(output) == STDIN:
        yield
        return
    from . import note, writing_to_file

    check_outputs([("--output", output)], inputs)
    with replacing(output) as stream, redirect_stdout(stream), writing_to_file():
        yield
    note(f"wrote {output}")


def load_each(paths: Iterable[StrPath], engine: Engine) -> tuple[list[Scenario], int]:
    """Every scenario of ``paths`` that loads (with the fields ``engine``'s plugins declare), in order,
    and the exit code the others call for: each bad one is reported on stderr as it is met and the
    rest still load (2 if any was bad, else 0)."""
    from ..scenario import load_scenario

    loaded: list[Scenario] = []
    code = 0
    for path in paths:
        try:
            loaded.append(load_scenario(path, schema=engine.schema))
        except InputError as exc:
            click.echo(f"error: {exc}", err=True)
            code = 2
        except WriteError as exc:
            click.echo(f"error: {exc}", err=True)
            code = max(code, 1)
    return loaded, code


def rules_option(function: F) -> F:
    """``--rules FILE``: a rules override file (TOML) applied on top of every plugin's rule file."""
    return click.option(
        "--rules",
        type=PathOption(),
        metavar="FILE",
        help='Rules override file (TOML), e.g. [wechat_channels."WC-TIP-03"] mode = "marginal".',
    )(function)


def platform_option(function: F) -> F:
    """``--platform NAME`` (repeatable)."""
    return click.option(
        "--platform",
        "platforms",
        multiple=True,
        metavar="NAME",
        shell_complete=complete_platforms,
        help="Platform to settle on (repeatable; default: every loaded platform).",
    )(function)


def make_engine(rules: Path | None) -> Engine:
    """The engine, each plugin that failed to load or was refused a ``warning:`` line on stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PluginWarning)
        engine = Engine(rules=rules)
    for warning in caught:
        if issubclass(warning.category, PluginWarning):
            click.echo(f"warning: {warning.message}", err=True)
        else:  # not ours: shown as Python would have
            warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)
    return engine


def check_platforms(engine: Engine, platforms: tuple[str, ...]) -> list[str] | None:
    """The platforms asked for, checked now so a typo (or a plugin that failed to load) fails before
    anything is settled."""
    for name in platforms:
        if name not in engine.platforms:
            raise engine.not_loaded(_platform_source(), name)
    return list(platforms) or None


def _platform_source() -> str:
    """Where ``--platform`` came from: the option, or the setting that gave its default."""
    ctx = click.get_current_context(silent=True)
    if ctx is None or ctx.get_parameter_source("platforms") is not click.core.ParameterSource.DEFAULT_MAP:
        return "--platform"
    from .config import load

    setting = load().get("platform")
    return f"--platform (default from {setting.source})" if setting else "--platform"


def report_failures(statements: Iterable[tuple[str, Statement]]) -> int:
    """Each (source, statement) whose plugin failed (status ``error``, or an adjustment missing: an
    ``incomplete`` statement) is an ``error:`` line on stderr; 1 if there was any (the command exits
    with the worst of its codes, after its output), else 0."""
    found: dict[str, None] = {}
    for source, statement in statements:
        if statement.status == "error":
            found[f"{source}: {statement.platform} failed: {statement.error}"] = None
        for adjustment, why in statement.incomplete.items():
            found[f"{source}: {statement.platform} is incomplete: the adjustment {adjustment} failed: {why}"] = None
    for message in found:
        click.echo(f"error: {message}", err=True)
    return 1 if found else 0


def exit_if_failed(statements: Iterable[tuple[str, Statement]]) -> None:
    """:func:`report_failures`, then exit 1 if a plugin failed."""
    if report_failures(statements):
        raise click.exceptions.Exit(1)


class LedgerDamaged(click.ClickException):
    """A ledger SQLite cannot read to the end (a damaged file): it fails verification (exit 1)."""

    def __init__(self, db: Path, reason: str) -> None:
        super().__init__(
            f"{db}: SQLite cannot read the ledger ({reason}); it fails verification: "
            f"run creatorpay ledger verify --db {db}"
        )
        self.reason = reason


@contextmanager
def ledger_errors(db: Path, *, verifying: bool = False) -> Iterator[None]:
    """SQLite's errors on the ledger ``db`` as messages naming it: not a ledger, damaged or read only
    are input errors (exit 2); the disk full and other failures while writing it exit 1.
    ``verifying`` (verify, export): a file that opened as a SQLite database but cannot be read is
    damaged, and fails verification (:class:`LedgerDamaged`, exit 1)."""
    import sqlite3  # here: most commands open no ledger

    from ..sqlite_schema import SchemaError

    try:
        yield
    except SchemaError as exc:
        raise InputError.one(str(db), "", str(exc)) from None
    except sqlite3.DatabaseError as exc:
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF  # the primary result code
        if verifying and code not in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN):
            raise LedgerDamaged(db, str(exc)) from None
        if code == sqlite3.SQLITE_NOTADB:
            raise InputError.one(str(db), "", f"{db} is not a creatorpay ledger (not a SQLite database)") from None
        if code == sqlite3.SQLITE_CORRUPT:
            raise InputError.one(str(db), "", f"the ledger is damaged ({exc}); restore it from a copy") from None
        if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM):
            raise InputError.one(
                str(db),
                "",
                f"the ledger cannot be written ({exc}): make the file and its folder writable, or use a copy",
            ) from None
        if code == sqlite3.SQLITE_CANTOPEN:
            raise InputError.one(
                str(db), "", f"cannot open the ledger ({exc}): is the folder there and writable?"
            ) from None
        if code == sqlite3.SQLITE_FULL:
            raise WriteError(
                f"cannot write the ledger {db}: the disk is full ({exc}); the last "
                f"transaction was rolled back: free space and run the same command again"
            ) from None
        raise WriteError(f"the ledger {db} failed: {exc}") from exc


def open_ledger(db: Path, *, readonly: bool = False, verifying: bool = False) -> SQLiteStore:
    """The ledger's store. ``readonly``: an existing ledger opened read only (SQLite's mode=ro), so
    a file the user may not write can be read; a missing file is an input error, not a new ledger."""
    from ..sqlite_store import SQLiteStore

    try:
        mode: int | None = db.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise InputError.one(str(db), "", f"cannot open the ledger: {exc.strerror}") from None
    if mode is None and readonly:
        raise InputError.one(str(db), "", "no such ledger (run creatorpay settle first)")
    if mode is not None and not stat.S_ISREG(mode):
        raise InputError.one(str(db), "", f"{db} is not a creatorpay ledger (not a regular file)")
    if mode is not None and db.stat().st_size:
        with open_input(db) as head:  # SQLite would take a file shorter than its header for an empty one
            if head.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                raise InputError.one(str(db), "", f"{db} is not a creatorpay ledger (not a SQLite database)")
    with ledger_errors(db, verifying=verifying):
        return SQLiteStore(db, readonly=readonly)
