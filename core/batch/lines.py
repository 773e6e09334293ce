"""A JSON Lines file read a piece of whole lines at a time, without a step in Python per line.

The main process of a batch run reads the events file, and splitting it into lines there cost it
about 2 µs a line (``readline``, a generator, a record tuple, and each line marshalled to a worker on
its own): it now reads blocks of bytes, cut after their last newline, and the workers split them
(:func:`records_of`). A piece's records are exactly those :meth:`RowReader.records` gives for its
lines, line numbers included; a line longer than ``files.MAX_LINE`` is rejected (``TOO_LONG``) and
skipped without being held in memory, as there.
"""

from __future__ import annotations

from itertools import count, repeat
from operator import add
from typing import TYPE_CHECKING, BinaryIO

from ..files import MAX_LINE
from ..rows import TOO_LONG, Record

if TYPE_CHECKING:
    from collections.abc import Iterator

#: Bytes read per piece, per line a piece is meant to hold (the generated month's lines are about
#: 130 bytes: a piece of 2,000 lines is about 1,970 of them).
BYTES_PER_LINE = 128

#: Whole lines: the first one's number, how many, and their bytes (each with its newline, but the
#: file's last line when it has none).
Block = tuple[int, int, bytes]
#: What :class:`Blocks` gives: a block, or records already made (a line too long among them).
Piece = Block | list[tuple[int, Record]]


class Blocks:
    """The lines of a JSON Lines file read from ``stream`` (its opener closes it, e.g. the batch's
    :class:`~creatorpay.core.rows.RowReader`), about ``lines`` at a time (:meth:`pieces`);
    :attr:`position` is the bytes read so far (the progress shown)."""

    def __init__(self, stream: BinaryIO, lines: int, *, limit: int = MAX_LINE) -> None:
        self._raw = stream
        self._size = max(1, lines) * BYTES_PER_LINE
        self._limit = limit
        self.position = 0

    def pieces(self) -> Iterator[Piece]:
        """The file's lines, in order, a block of whole lines at a time."""
        read, limit = self._raw.read, self._limit
        number, carry, skipping = 1, b"", False
        while data := read(self._size):
            self.position += len(data)
            if skipping:  # the rest of a line already rejected as too long
                end = data.find(b"\n")
                if end < 0:
                    continue
                data, skipping = data[end + 1 :], False
            held = carry + data if carry else data
            end = held.rfind(b"\n") + 1
            whole, carry = held[:end], held[end:]
            if whole:
                lines = whole.count(b"\n")
                # Only a block longer than the limit can hold a line longer than it.
                yield _records(number, whole, limit) if len(whole) > limit else (number, lines, whole)
                number += lines
            if len(carry) > limit:  # a line too long, its newline not read yet: rejected, skipped
                yield [(number, TOO_LONG)]
                number += 1
                carry, skipping = b"", True
        if carry:
            yield number, 1, carry


def _records(first: int, whole: bytes, limit: int) -> list[tuple[int, Record]]:
    """The records of a block that may hold a line longer than ``limit`` (before its newline)."""
    return [
        (number, TOO_LONG if len(line) > limit + 1 else line)
        for number, line in zip(count(first), _lines(whole), strict=False)
    ]


def _lines(data: bytes) -> list[bytes]:
    """``data``'s lines split at each newline only, each with its newline (the last one without,
    when ``data`` does not end with one), as ``readline`` gives them."""
    parts = data.split(b"\n")
    last = parts.pop()  # after the last newline: empty, or a last line without one
    lines = list(map(add, parts, repeat(b"\n")))
    if last:
        lines.append(last)
    return lines


def records_of(piece: Piece) -> list[tuple[int, Record]]:
    """A piece's records, each line with its number: what :meth:`RowReader.records` gives."""
    if isinstance(piece, list):
        return piece
    first, _lines_in, data = piece
    return list(zip(count(first), _lines(data), strict=False))


def lines_in(piece: Piece) -> int:
    """How many lines of the file a piece holds."""
    return len(piece) if isinstance(piece, list) else piece[1]


__all__ = ["BYTES_PER_LINE", "Block", "Blocks", "Piece", "lines_in", "records_of"]
