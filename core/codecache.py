"""attrs' generated methods of creatorpay's classes, compiled once and kept in the user's cache folder.

attrs writes the source of each class's ``__init__``, ``__eq__``, ``__hash__``... when the class is
built, at import, and compiles it: for the 60 classes a ``creatorpay compare`` imports that was a fifth
of the command's instructions (docs/performance.md, "Start-up"), to compile the same text every run.
Python keeps the bytecode of a module's own file in ``__pycache__``; this keeps the bytecode of these
scripts the same way, in the folder of :mod:`.cache` (``CREATORPAY_CACHE_DIR``;
``CREATORPAY_NO_CACHE=1`` turns both off).

How it stays exact:

- It wraps attrs' private ``_compile_and_eval(script, globs, locs, filename)``, only for the scripts of
  classes of ``creatorpay.`` modules; an attrs without that function (or with another signature) is
  left alone, and any error in a lookup falls back to attrs' own compile, silently.
- An entry is found by the script's whole text and its file name (not a digest of them), in a file
  made for this attrs (the path, size and time of its ``_make.py``), this Python (its bytecode magic
  number and ``sys.version``) and the future flags attrs compiles with: a script never runs another's
  code, another attrs or Python never reads it.
- A miss compiles exactly as attrs does (the same flags), then runs the code as attrs would.
- A ``__hash__`` script holds a number that changes with each process (attrs hashes the class's name
  with the process's string hashing): an entry holds the script with that number masked, and one code
  for each sign and length of the number (the code's column positions depend on it), compiled with a
  number of that shape; a hit swaps it for this process's number among the code's constants. A class's
  first miss compiles the six shapes 99.99% of numbers have (:data:`_SHAPES`), so later runs hit.
- Each code's bytes carry their CRC, checked before they are read (a damaged one is compiled again).
  The file is written whole, to a temporary file renamed into place, by the console command at its end
  (:func:`save`), only when it compiled something new: importing the package as a library only reads
  it. Past :data:`MAX_ENTRIES` entries (classes), the ones this process did not use are dropped.

The code objects are read with :mod:`marshal` from the user's own cache folder, as Python reads
``__pycache__``: whoever can write there can already change what Python imports.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
import threading
import time
import zlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from types import CodeType

    from .files import StrPath

#: Changed whenever what the file holds changes: a file of another format is never read.
FORMAT = 1
#: Entries kept (a class's script and codes, up to 10 KB): every edit of a class adds one.
MAX_ENTRIES = 512
#: The file names of the scripts whose code is kept: the generated methods of creatorpay's classes.
_PREFIX = "<attrs generated "
_OURS = " creatorpay."
_HASH_CALL = "hash((\n"

#: The cache of this process, once installed (one at most).
_installed: list[_Cache] = []


class _Cache:
    """The entries read from the cache file, the ones this process used and the ones it compiled."""

    def __init__(
        self, path: StrPath, versions: str, entries: dict[tuple[str, str], dict[str, tuple[bytes, int | None, int]]]
    ) -> None:
        self.path = path
        self.versions = versions
        self.entries = entries
        self.used: set[tuple[str, str]] = set()
        self.new: dict[tuple[str, str], dict[str, tuple[bytes, int | None, int]]] = {}


def install() -> None:
    """Wrap attrs' compile step with the cache, once; nothing when the cache is off or attrs differs."""
    if _installed:
        return
    try:
        from attr import _make

        original = _make._compile_and_eval
        if original.__code__.co_varnames[:4] != ("script", "globs", "locs", "filename"):
            return
        from .cache import cache_dir

        folder = cache_dir()
        if folder is None:
            return
        flags = _future_flags(original.__code__.co_flags)
        # importlib.util.MAGIC_NUMBER without importing importlib.util; attrs' version by its module
        # file, as __pycache__ knows a source (attrs.__version__ imports importlib.metadata: 25 ms).
        from importlib._bootstrap_external import MAGIC_NUMBER

        made = os.stat(_make.__file__)
        attrs_file = f"{_make.__file__}|{made.st_size}|{made.st_mtime_ns}"
        versions = f"{FORMAT}|{attrs_file}|{MAGIC_NUMBER.hex()}|{flags}|{sys.version}"
        path = os.path.join(folder, f"attrs-{zlib.crc32(versions.encode()):08x}.code")
        cache = _Cache(path, versions, _read(path, versions))
        _make._compile_and_eval = _wrap(original, cache, flags)  # type: ignore[assignment]
        _installed.append(cache)
    except Exception:  # any attrs this was not written for: attrs' own path, silently
        return


def _future_flags(code_flags: int) -> int:
    """The ``from __future__`` flags of attrs' module, which its ``compile`` calls inherit."""
    import __future__

    mask = 0
    for name in __future__.all_feature_names:
        mask |= getattr(__future__, name).compiler_flag
    return code_flags & mask


def _wrap(
    original: Callable[..., None], cache: _Cache, flags: int
) -> Callable[[str, dict[str, Any] | None, Mapping[str, object] | None, str], None]:
    """attrs' ``_compile_and_eval`` through the cache."""

    def _compile_and_eval(
        script: str, globs: dict[str, Any] | None, locs: Mapping[str, object] | None = None, filename: str = ""
    ) -> None:
        try:
            code = _code(cache, script, filename, flags)
        except Exception:  # a damaged entry, an odd script: attrs' own compile
            code = None
        if code is None:
            original(script, globs, locs, filename)
        else:
            eval(code, globs, locs)  # noqa: S307 (as attrs runs it: the compiled script defines the methods)

    _compile_and_eval.__wrapped__ = original  # type: ignore[attr-defined]
    return _compile_and_eval


def _code(cache: _Cache, script: str, filename: str, flags: int) -> CodeType | None:
    """The code of ``script`` from the cache, or compiled and kept; None for a script not ours."""
    if not filename.startswith(_PREFIX) or _OURS not in filename:
        return None
    masked, literal = _masked(script)
    shape = _shape(literal)
    key = (filename, masked)
    group = cache.new.get(key) or cache.entries.get(key) or {}
    found = group.get(shape)
    if found is not None:
        blob, number, crc = found
        if zlib.crc32(blob) != crc:
            return None
        code: CodeType = marshal.loads(blob)  # noqa: S302 (the user's own cache folder, checked by its CRC)
        if literal is not None and number is not None and int(literal) != number:
            code, swapped = _swap(code, number, int(literal))
            if swapped != 1:
                return None
        cache.used.add(key)
        return code
    code = compile(script, filename, "exec", flags=flags, dont_inherit=True)
    made: dict[str, tuple[bytes, int | None, int]] = dict(group)
    made[shape] = _entry(code, literal)
    if literal is not None and not group:  # a class's first miss: the lengths its number mostly has too
        for other in _SHAPES:
            if other != shape:
                text = ("-" if other[0] == "-" else "") + "1" * int(other[1:])
                made[other] = _entry(
                    compile(_unmasked(masked, text), filename, "exec", flags=flags, dont_inherit=True), text
                )
    cache.new[key] = made
    return code


def _entry(code: CodeType, literal: str | None) -> tuple[bytes, int | None, int]:
    """What the cache keeps of a compiled script: its marshal, its hash number and their CRC."""
    blob = marshal.dumps(code)
    return blob, None if literal is None else int(literal), zlib.crc32(blob)


#: The signs and lengths a ``__hash__`` script's number has in 9,999 processes of 10,000.
_SHAPES = ("+19", "-19", "+18", "-18", "+17", "-17")
_MASK = "#"


def _shape(literal: str | None) -> str:
    """The sign and length of a hash number (``-19``), or "" for a script with none."""
    if literal is None:
        return ""
    return f"-{len(literal) - 1}" if literal.startswith("-") else f"+{len(literal)}"


def _masked(script: str) -> tuple[str, str | None]:
    """``script`` with the number of its ``__hash__`` (different in each process) masked, and that
    number's text; the script itself and None when it hashes nothing."""
    call = script.find(_HASH_CALL)
    if call < 0:
        return script, None
    start = call + len(_HASH_CALL)
    end = script.index(",", start)
    text = script[start:end].strip()
    digits = text.removeprefix("-")
    if not digits.isdigit() or script.count(text) != 1 or _MASK in script:
        raise ValueError("not attrs' hash script")
    at = script.index(text, start)
    return script[:at] + _MASK + script[at + len(text) :], text


def _unmasked(masked: str, literal: str | None) -> str:
    """The script of ``masked`` with the hash number ``literal`` in its place."""
    return masked if literal is None else masked.replace(_MASK, literal, 1)


def _swap(code: CodeType, old: int, new: int) -> tuple[CodeType, int]:
    """``code`` with the constant ``old`` replaced by ``new`` (in nested code too), and how many were.
    Code holding none is returned as it is, not copied (a class's ``__init__``, ``__eq__``...)."""
    swapped = 0
    consts: list[object] = []
    for const in code.co_consts:
        if type(const) is int and const == old:
            consts.append(new)
            swapped += 1
        elif hasattr(const, "co_consts"):
            inner, count = _swap(const, old, new)
            consts.append(inner)
            swapped += count
        else:
            consts.append(const)
    return (code.replace(co_consts=tuple(consts)) if swapped else code), swapped


def _read(path: StrPath, versions: str) -> dict[tuple[str, str], dict[str, tuple[bytes, int | None, int]]]:
    """The entries of the cache file; none when it is missing, unreadable or of other versions."""
    try:
        with open(path, "rb") as stream:
            # marshal of plain data (text, bytes, numbers) from the user's own cache folder, as Python's
            # __pycache__; each code's bytes carry their CRC, checked before they are read (_code).
            made = marshal.loads(stream.read())  # noqa: S302
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if type(made) is not tuple or len(made) != 2 or made[0] != versions or type(made[1]) is not dict:
        return {}
    entries: dict[tuple[str, str], dict[str, tuple[bytes, int | None, int]]] = made[1]
    return entries


def save() -> None:
    """Write the cache file when this process compiled a script it did not hold (the console command
    calls this at its end); any failure leaves the file as it was, silently."""
    if not _installed or not _installed[0].new:
        return
    cache = _installed[0]
    entries = {**_read(cache.path, cache.versions), **cache.new}
    if len(entries) > MAX_ENTRIES:
        kept = cache.used | cache.new.keys()
        entries = {key: value for key, value in entries.items() if key in kept}
    folder, name = os.path.split(cache.path)
    temporary = os.path.join(folder, f".{name}.{os.getpid()}.{threading.get_ident()}.{time.monotonic_ns()}.tmp")
    try:
        payload = marshal.dumps((cache.versions, entries))
        os.makedirs(folder, exist_ok=True)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with open(fd, "wb") as stream:
            stream.write(payload)
        os.replace(temporary, cache.path)
    except (OSError, ValueError):
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        return
    cache.entries.update(cache.new)
    cache.new.clear()
