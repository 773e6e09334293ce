"""Files in and out, safely: inputs must be regular files (a FIFO would hang, ``/dev/zero`` never
ends) and whole-file inputs are read up to a cap; an output that is an input, the ledger or another
output is refused before anything is opened for writing; outputs are written to a temporary file
in the same folder and renamed into place, so a crash never leaves half a file (docs/cli.md).
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING, BinaryIO, TextIO, TypeAlias

from .errors import CreatorpayError, InputError

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path

#: A path as the reading functions take it: a str or any ``os.PathLike`` (a :class:`pathlib.Path`).
#: pathlib is not imported to read a file: with urllib.parse and ipaddress behind it, it was 4.6% of
#: a ``creatorpay compare`` (docs/performance.md).
StrPath: TypeAlias = "str | os.PathLike[str]"

#: The most read of a whole-file input (a scenario, a rules override file), in bytes.
MAX_DOCUMENT = 16 * 1024 * 1024
#: The longest line of a streamed batch input (events, creators), in bytes.
MAX_LINE = 1024 * 1024
#: The name that reads standard input (or writes standard output) instead of a file.
STDIN = "-"
#: Files SQLite keeps beside a database while it is open.
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


class WriteError(CreatorpayError):
    """An output could not be written (disk full, an I/O error): a failure (exit 1), the file named;
    the file as it was before is left in place."""


def path_text(path: StrPath) -> str:
    """``path`` as ``str(pathlib.Path(path))`` writes it, the form messages and statements name files
    by (``./a//b/`` is ``a/b``); a path already in that form is returned without importing pathlib."""
    text = os.fspath(path)
    if (
        os.name == "posix"
        and text
        and text != "."
        and "//" not in text
        and "/./" not in text
        and not text.startswith("./")
        and not text.endswith(("/", "/."))
    ):
        return text
    from pathlib import Path

    return str(Path(text))


def mebibytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MiB"


def _kind(mode: int) -> str:
    """What a non-regular file is, for a message."""
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def open_input(path: StrPath, error: type[InputError] = InputError) -> BinaryIO:
    """``path`` opened for binary reading, refused unless it is a regular file. It is opened without
    blocking (a FIFO with no writer would wait forever) and checked on the open descriptor, so what
    is checked is what is read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise error.one(str(path), "", "cannot read the file: no such file") from None
    except OSError as exc:
        raise error.one(str(path), "", f"cannot read the file: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise error.one(str(path), "", f"is {_kind(mode)}, not a regular file; give a file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_input(path: StrPath, error: type[InputError] = InputError, limit: int = MAX_DOCUMENT) -> bytes:
    """The bytes of a whole-file input (``-``: standard input), refused above ``limit`` bytes."""
    if str(path) == STDIN:
        data = sys.stdin.buffer.read(limit + 1)
    else:
        with open_input(path, error) as stream:
            try:
                data = stream.read(limit + 1)
            except OSError as exc:
                raise error.one(str(path), "", f"cannot read the file: {exc.strerror or exc}") from None
    if len(data) > limit:
        source = "standard input" if str(path) == STDIN else str(path)
        raise error.one(
            source,
            "",
            f"larger than {mebibytes(limit)}, the most creatorpay reads of a scenario "
            f"or rules file; is it the right file?",
        )
    return data


def same_file(first: StrPath, second: StrPath) -> bool:
    """Whether two paths name one file: the same inode when both exist (symlinks and hard links
    included), else the same resolved path."""
    try:
        return os.path.samefile(first, second)
    except OSError:
        return os.path.realpath(first) == os.path.realpath(second)


def check_outputs(
    outputs: Iterable[tuple[str, StrPath | None]],
    inputs: Iterable[tuple[str, StrPath | None]],
    *,
    ledger: StrPath | None = None,
) -> None:
    """Refuse (exit 2) an output that would overwrite an input, the ``ledger`` (or the files SQLite
    keeps beside it) or another output. Call before anything is opened for writing; ``-``
    (standard input or output) is never a file."""
    named_inputs = [(label, path) for label, path in inputs if path is not None and str(path) != STDIN]
    if ledger is not None:
        named_inputs.append(("--db (the ledger)", ledger))
        named_inputs.extend(("--db (the ledger's SQLite file)", f"{ledger}{end}") for end in SQLITE_SIDE_FILES)
    seen: list[tuple[str, StrPath]] = []
    for label, path in outputs:
        if path is None or str(path) == STDIN:
            continue
        for other_label, other in [*named_inputs, *seen]:
            if same_file(path, other):
                raise InputError.one(
                    str(path),
                    "",
                    f"{label} would overwrite {other_label} {other}: creatorpay "
                    f"never writes over an input or another output; choose "
                    f"another file",
                )
        seen.append((label, path))


def check_ledger(ledger: StrPath, inputs: Iterable[tuple[str, StrPath | None]]) -> None:
    """Refuse a ledger ``--db`` that is one of the inputs (SQLite would write into it)."""
    check_outputs([("--db (the ledger)", ledger)], inputs)


@contextmanager
def replacing(path: StrPath) -> Iterator[TextIO]:
    """A UTF-8 text stream (newlines as written) whose content replaces ``path`` when the block ends
    without an exception, whole or not at all (:func:`replacing_path`); ``-``: standard output."""
    if str(path) == STDIN:
        yield sys.stdout
        return
    with replacing_path(path) as place, _writing(path), place.open("w", encoding="utf-8", newline="") as stream:
        yield stream


@contextmanager
def replacing_path(path: StrPath) -> Iterator[Path]:
    """A path to write (a temporary file in the target's folder) that is flushed to disk and renamed
    over ``path`` (``os.replace``) when the block ends without an exception: the file is the old one or
    the whole new one, never half. A symlink's target is replaced, not the link; an existing
    non-regular file (``/dev/null``, a FIFO) is written directly.

    Cannot create the file: :class:`InputError` (exit 2). The disk full or another error while
    writing: :class:`WriteError` (exit 1) naming ``path``, the temporary file removed."""
    from pathlib import Path  # here: reading a file never needs pathlib (StrPath)

    target = Path(os.path.realpath(path))
    try:
        mode_now: int | None = os.stat(target).st_mode
    except OSError:
        mode_now = None
    if mode_now is not None and stat.S_ISDIR(mode_now):
        raise InputError.one(str(path), "", "is a directory; give a file name to write")
    if mode_now is not None and not stat.S_ISREG(mode_now):
        with _writing(path):
            yield target
        return
    if mode_now is not None and not os.access(target, os.W_OK):
        raise InputError.one(str(path), "", "the file is read-only: make it writable or choose another file")
    try:
        import tempfile  # here: it imports shutil, random and hashlib, which reading a file never needs

        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise InputError.one(str(path), "", f"cannot write the file: {exc.strerror or exc}") from None
    temporary = Path(name)
    try:
        with _writing(path):
            yield temporary
        with _writing(path, every=True):
            fd = os.open(temporary, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            os.chmod(temporary, stat.S_IMODE(mode_now) if mode_now is not None else 0o666 & ~_umask())
            os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


#: Errors that mean the output could not be written, wherever they arise while it is written.
_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)


@contextmanager
def _writing(path: StrPath, *, every: bool = False) -> Iterator[None]:
    """Name ``path`` in an error met writing it (a :class:`WriteError`, exit 1): the disk full and the
    like, or (``every``) any error of the step."""
    try:
        yield
    except OSError as exc:
        if not every and exc.errno not in _FULL:
            raise
        raise WriteError(f"cannot write {path}: {exc.strerror or exc}; the file was left as it was") from exc


def _umask() -> int:
    mask = os.umask(0o22)
    os.umask(mask)
    return mask


def write_text(path: StrPath, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (:func:`replacing`)."""
    with replacing(path) as stream:
        stream.write(text)


__all__ = [
    "MAX_DOCUMENT",
    "MAX_LINE",
    "STDIN",
    "WriteError",
    "check_ledger",
    "check_outputs",
    "open_input",
    "path_text",
    "read_input",
    "replacing",
    "replacing_path",
    "same_file",
    "write_text",
]
