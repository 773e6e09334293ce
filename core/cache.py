"""Parsed rule files cached in the user's cache folder, keyed by their content.

Every command that builds an Engine parses the rule files of every plugin (five TOML files, about 2 ms
of the command's start-up, docs/performance.md). An entry holds the parsed document as plain data (dicts,
lists, strings, numbers, booleans and dates, written with :mod:`marshal`; never code, and checked to be
only those types when read back). An entry holds the file's bytes and the versions that shape the parsed
data (the entry format, creatorpay, the TOML parser, Python) beside the data, and is used only when both
equal the file's and this process's exactly: a changed file, another override file, another version
never reads an entry made for other bytes (the entry's name, a CRC of them, only finds it). Each entry
carries the CRC of its own payload, so a damaged one is ignored (and written again); entries are written
to a temporary file and renamed into place, so a reader never sees half of one; the oldest are removed
past :data:`MAX_ENTRIES`. A scenario or override file is still checked on every load: only parsing
is saved. A plugin's rule file is also kept as the rule book its checks built (:func:`built`, a
``.book`` entry, keyed by the checking code's identity besides; core/rules.py). (hashlib is not used:
importing it costs 3 ms.)

The folder: ``CREATORPAY_CACHE_DIR`` if set, else the platform's user cache folder
(``$XDG_CACHE_HOME/creatorpay`` or ``~/.cache/creatorpay``; ``~/Library/Caches/creatorpay`` on macOS;
``%LOCALAPPDATA%\\creatorpay\\Cache`` on Windows). ``CREATORPAY_NO_CACHE=1`` turns the cache off; a
folder that cannot be made, read or written turns it off silently.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import marshal
import os
import sys
import threading
import time
import zlib
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

    from .errors import InputError
    from .files import StrPath

T = TypeVar("T")

CACHE_ENV = "CREATORPAY_CACHE_DIR"
NO_CACHE_ENV = "CREATORPAY_NO_CACHE"
#: Changed whenever what an entry holds changes: entries of another format are never read.
FORMAT = 1
#: The tag of a TOML date, time or date-time in an entry (marshal writes none of them).
_DATE, _DATETIME, _TIME = "\x00date", "\x00datetime", "\x00time"
_CRC = 4
#: Entries kept: past this many, writing one removes the oldest (each is a rule file's size, twice).
MAX_ENTRIES = 64


def cache_dir() -> str | None:
    """The folder of the cache, or None when it is turned off (``CREATORPAY_NO_CACHE``) or there is
    no home folder to put it in. (Paths here are texts: pathlib is not imported on start-up.)"""
    if os.environ.get(NO_CACHE_ENV, "").strip() not in ("", "0"):
        return None
    override = os.environ.get(CACHE_ENV, "")
    if override:
        return override
    try:
        return _platform_dir()
    except (RuntimeError, KeyError, OSError):  # no home folder to be found: no cache
        return None


def _platform_dir() -> str:
    """The platform's user cache folder for creatorpay."""
    join = os.path.join
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        return join(local or join(_home(), "AppData", "Local"), "creatorpay", "Cache")
    if sys.platform == "darwin":
        return join(_home(), "Library", "Caches", "creatorpay")
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    return join(xdg if os.path.isabs(xdg) else join(_home(), ".cache"), "creatorpay")


def _home() -> str:
    """The user's home folder, as :meth:`pathlib.Path.home` finds it (RuntimeError: none)."""
    home = os.path.expanduser("~")
    if home.startswith("~"):
        raise RuntimeError("Could not determine home directory.")
    return home


def read_rules(path: StrPath, error: type[InputError]) -> dict[str, Any]:
    """:func:`~creatorpay.core.checks.read_document` for a rule, override or scenario TOML file,
    through the cache: the same data and the same errors, the file still read and checked as an input
    every time."""
    from .files import read_input

    return parse_rules(read_input(path, error), path, error)


def parse_rules(raw: bytes, path: StrPath, error: type[InputError]) -> dict[str, Any]:
    """:func:`~creatorpay.core.checks.parse_document` of ``raw``, the bytes of ``path``, through the cache."""
    from .checks import parse_document

    folder = cache_dir()
    if folder is None or str(path) == "-" or os.path.splitext(path)[1].lower() == ".json":
        return parse_document(raw, path, error)
    versions = _versions()
    entry = os.path.join(folder, f"{zlib.crc32(raw, zlib.crc32(versions.encode())):08x}-{len(raw)}.rules")
    found = _read(entry, versions, raw)
    if found is not None:
        return found
    data = parse_document(raw, path, error)
    with contextlib.suppress(ValueError):  # anything but TOML data is not kept
        _write(entry, versions, raw, _encode(data))
    return data


def built(
    path: StrPath,
    error: type[InputError],
    code: str | None,
    build: Callable[[Any], T],
    make: Callable[[bytes], tuple[T, object]],
) -> T:
    """What ``make`` builds from the bytes of the file at ``path``, made once for those bytes under
    ``code`` (the identity of the code that checks and builds it, e.g. its modules' files): ``make``
    gives the value and a record of it (marshal's plain types, or None: nothing to keep), written to
    an entry (``.book``); a later run with the same bytes and ``code`` gives ``build(record)``
    instead. ``build`` raises ValueError, TypeError or KeyError for a record it cannot take, and then
    ``make`` runs and the entry is written again. No cache folder or no ``code``: ``make`` alone."""
    from .files import read_input

    raw = read_input(path, error)
    folder = cache_dir()
    if folder is None or code is None or str(path) == "-":
        return make(raw)[0]
    versions = f"{_versions()}|{code}"
    entry = os.path.join(folder, f"{zlib.crc32(raw, zlib.crc32(versions.encode())):08x}-{len(raw)}.book")
    record = _entry(entry, versions, raw)
    if record is not None:
        with contextlib.suppress(ValueError, TypeError, KeyError):
            return build(record)
    value, made = make(raw)
    if made is not None:
        _write(entry, versions, raw, made)
    return value


def _versions() -> str:
    """Every version that shapes the parsed data: the entry format, creatorpay, tomli and Python."""
    from . import __version__

    return f"{FORMAT}|{__version__}|{_parser_version()}|{sys.version}"


@functools.cache
def _parser_version() -> str:
    """tomli's ``__version__``, read from its ``__init__.py`` when it is not imported yet: importing
    tomli (its compiled parser, its regular expressions) was 2% of a ``creatorpay compare``, and a
    run whose files are all in the cache parses nothing. The module's file joins the version, so
    another tomli on the path is another version; anything unusual imports tomli. Once a process."""
    module = sys.modules.get("tomli")
    if module is None:
        with contextlib.suppress(OSError, ImportError, ValueError, AttributeError):
            from importlib.machinery import PathFinder

            spec = PathFinder.find_spec("tomli")
            origin = spec.origin if spec is not None else None
            if origin is not None and os.path.basename(origin).startswith("__init__."):
                # its compiled wheels keep the source beside the extension module
                with open(os.path.join(os.path.dirname(origin), "__init__.py"), encoding="utf-8") as stream:
                    for line in stream:
                        if line.startswith("__version__ = "):
                            return f"{line.split('=', 1)[1].split('#')[0].strip().strip(chr(34) + chr(39))}|{origin}"
    from tomli import __file__ as origin
    from tomli import __version__ as parser

    return f"{parser}|{origin}"


def _read(entry: StrPath, versions: str, raw: bytes) -> dict[str, Any] | None:
    """The data of an entry made from ``raw`` under ``versions``; None when there is none, another
    file's or version's, or it is damaged or holds anything but data."""
    made = _entry(entry, versions, raw)
    if made is None:
        return None
    try:
        data = _decode(made)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _entry(entry: StrPath, versions: str, raw: bytes) -> object | None:
    """What an entry made from ``raw`` under ``versions`` holds, as marshal read it (the caller takes
    only what it expects from it); None when there is none, another file's or version's, or damaged."""
    try:
        with open(entry, "rb") as stream:
            blob = stream.read()
        payload = blob[_CRC:]
        if len(blob) <= _CRC or zlib.crc32(payload).to_bytes(_CRC, "big") != blob[:_CRC]:
            return None
        # marshal of the user's own cache folder (as Python's own __pycache__), checked by its CRC; the
        # callers take only plain data from it (_decode and the rule books' build refuse anything else,
        # code objects included).
        made = marshal.loads(payload)  # noqa: S302
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if type(made) is not tuple or len(made) != 3 or made[0] != versions or made[1] != raw:
        return None
    kept: object = made[2]
    return kept


def _write(entry: StrPath, versions: str, raw: bytes, data: Any) -> None:
    """Write an entry of ``data`` (marshal's plain types) whole or not at all (a temporary file renamed
    into place); any failure (a read-only or missing folder, a full disk) leaves the cache as it was,
    silently."""
    folder, name = os.path.split(entry)
    temporary = os.path.join(folder, f".{name}.{os.getpid()}.{threading.get_ident()}.{time.monotonic_ns()}.tmp")
    try:
        payload = marshal.dumps((versions, raw, data))
        os.makedirs(folder, exist_ok=True)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with open(fd, "wb") as stream:
            stream.write(zlib.crc32(payload).to_bytes(_CRC, "big") + payload)
        os.replace(temporary, entry)
    except (OSError, ValueError):
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        return
    _trim(folder, os.path.splitext(name)[1])


def _trim(folder: str, suffix: str) -> None:
    """Remove the oldest entries of a kind (``suffix``) past :data:`MAX_ENTRIES` (each edit of an
    override file makes one)."""
    with contextlib.suppress(OSError):
        entries = [item for item in os.scandir(folder) if item.name.endswith(suffix)]
        if len(entries) <= MAX_ENTRIES:
            return
        entries.sort(key=lambda item: item.stat().st_mtime_ns)
        for item in entries[: len(entries) - MAX_ENTRIES]:
            with contextlib.suppress(OSError):
                os.unlink(item.path)


def _encode(value: object) -> Any:
    """Parsed TOML as marshal's plain types: each date, time or date-time a tagged pair."""
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if isinstance(value, dt.datetime):
        return (_DATETIME, value.isoformat())
    if isinstance(value, dt.date):
        return (_DATE, value.isoformat())
    if isinstance(value, dt.time):
        return (_TIME, value.isoformat())
    if isinstance(value, str | int | float):  # bool is an int
        return value
    raise ValueError(f"not TOML data: {type(value).__name__}")


def _decode(value: object) -> Any:
    """An entry's data back as the parser gave it; a ValueError for anything that is not data. (Text,
    numbers and booleans, most of the values, are taken without a call: this walk is most of a hit.)"""
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool:
        return value
    if isinstance(value, dict) and kind is dict:
        table = {}
        for key, item in value.items():
            if type(key) is not str:
                raise ValueError("not data: a key that is not text")
            plain = type(item)
            table[key] = item if plain is str or plain is int or plain is bool or plain is float else _decode(item)
        return table
    if isinstance(value, list) and kind is list:
        return [
            item if (plain := type(item)) is str or plain is int or plain is bool or plain is float else _decode(item)
            for item in value
        ]
    if isinstance(value, tuple) and kind is tuple and len(value) == 2 and type(value[1]) is str:
        tag, text = value
        if tag == _DATE:
            return dt.date.fromisoformat(text)
        if tag == _DATETIME:
            return dt.datetime.fromisoformat(text)
        if tag == _TIME:
            return dt.time.fromisoformat(text)
    raise ValueError(f"not data: {kind.__name__}")
