"""Streaming rows of a JSON Lines or CSV file, one at a time with its line number.

Batch inputs (events, creator profiles) can be larger than memory, so they are read row by row and
never held whole. A row that cannot be parsed is yielded as its error, not raised: the batch rejects
that row and goes on. A file that cannot be read at all (missing, an unknown format, a CSV without
a header) is an :class:`~creatorpay.core.errors.InputError`: unusable input.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import attrs

from .checks import json_problem, lone_surrogate, not_utf8, unique_pairs
from .errors import InputError
from .files import MAX_LINE, open_input

JSON_LINES = (".jsonl", ".ndjson", ".json")
CSV = (".csv",)


@attrs.frozen
class Row:
    """One data row: its 1-based line in the file, and its fields or why it could not be parsed.

    CSV fields are strings, an empty cell being absent; JSON fields keep their JSON types.
    """

    line: int
    fields: dict[str, Any] | None
    error: str | None = None


class RowReader:
    """Rows of ``path`` by its extension: ``.jsonl``/``.ndjson``/``.json`` (one JSON object per line)
    or ``.csv`` (a header row, then one row per line). :attr:`position` counts the bytes consumed, for
    a progress bar. ``required`` columns must be in a CSV header. ``name`` is how messages and the
    rejects file name the input (default: ``path``; ``-`` for standard input spooled to ``path``)."""

    def __init__(self, path: Path, *, required: Sequence[str] = (), name: str | None = None) -> None:
        self.path = path
        self.name = str(path) if name is None else name
        suffix = path.suffix.lower()
        if suffix not in JSON_LINES + CSV:
            raise InputError.one(
                self.name,
                "",
                f"unknown file format {suffix or '(no extension)'!r}; "
                f"expected JSON Lines ({', '.join(JSON_LINES)}) or CSV (.csv)",
            )
        self.csv = suffix in CSV
        self.required = tuple(required)
        self._raw: BinaryIO = open_input(path)  # a regular file: a FIFO or a device is refused
        self.size = os.fstat(self._raw.fileno()).st_size
        #: The line being read was longer than files.MAX_LINE (a CSV record is then rejected).
        self._overlong = False
        self.position = 0
        self.header: tuple[str, ...] = ()
        if self.csv:
            self._text = io.TextIOWrapper(self._raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
            self._csv = csv.reader(self._text_lines(), strict=True)
            try:
                self._read_header()
            except BaseException:  # the caller gets no reader to close: close the file here
                self.close()
                raise

    def _read_header(self) -> None:
        try:
            header = next(self._csv, None)
        except csv.Error as exc:
            raise InputError.one(self.name, "line 1", f"unreadable CSV header: {exc}") from None
        if not header or not any(header):
            raise InputError.one(self.name, "line 1", "expected a header row naming the columns")
        names = [h.strip() for h in header]
        if any(not_utf8(n) for n in names):
            raise InputError.one(self.name, "line 1", "the header is not UTF-8 text")
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise InputError.one(self.name, "line 1", f"repeated columns: {', '.join(repeated)}")
        missing = [c for c in self.required if c not in names]
        if missing:
            raise InputError.one(self.name, "line 1", f"missing required columns: {', '.join(missing)}")
        self.header = tuple(names)

    @property
    def stream(self) -> BinaryIO:
        """The file, opened binary and checked regular: a JSON Lines file's lines not yet read (the
        batch reads them in blocks: core/batch/lines.py)."""
        return self._raw

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> RowReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[Row]:
        header = self.header
        for number, raw in self.records():
            row = to_row(number, raw, header)
            if row is not None:
                yield row

    def records(self) -> Iterator[tuple[int, Record]]:
        """The file's records unparsed, with their line numbers: a JSON line's bytes, a CSV row's
        cells, or why a CSV row could not be read. :func:`to_row` makes the :class:`Row` (so another
        process can do it: the batch's workers)."""
        return self._csv_records() if self.csv else self._json_records()

    def _json_records(self) -> Iterator[tuple[int, Record]]:
        readline, number = self._raw.readline, 0
        while raw := readline(MAX_LINE + 1):
            number += 1
            self.position += len(raw)
            if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
                self.position += self._skip_line()
                yield number, TOO_LONG
                continue
            yield number, raw

    def _skip_line(self) -> int:
        """Read past the rest of an overlong line, a piece at a time; the bytes skipped."""
        skipped = 0
        while piece := self._raw.readline(MAX_LINE):
            skipped += len(piece)
            if piece.endswith(b"\n"):
                break
        return skipped

    def _text_lines(self) -> Iterator[str]:
        """The CSV file's lines for the csv reader, each at most files.MAX_LINE characters: the rest of
        an overlong line is skipped and the record it is part of rejected."""
        readline = self._text.readline
        while line := readline(MAX_LINE + 1):
            if len(line) > MAX_LINE and not line.endswith(("\n", "\r")):
                while (rest := readline(MAX_LINE)) and not rest.endswith(("\n", "\r")):
                    pass
                self._overlong = True
                line = "\n"
            yield line

    def _csv_records(self) -> Iterator[tuple[int, Record]]:
        while True:
            try:
                cells = next(self._csv)
            except StopIteration:
                return
            except csv.Error as exc:
                self._overlong = False
                yield self._csv.line_num, f"unreadable CSV: {exc}"
                continue
            finally:
                self.position = self._raw.tell()
            if self._overlong:
                self._overlong = False
                yield self._csv.line_num, TOO_LONG
                continue
            yield self._csv.line_num, cells


#: Why a line longer than files.MAX_LINE bytes is rejected (it is skipped, not held in memory).
TOO_LONG = f"line longer than {MAX_LINE // (1024 * 1024)} MiB, the longest a batch input may have"

#: A record of :meth:`RowReader.records`: a JSON line, a CSV row's cells, or why the row could not be
#: read (plain types, so they travel between processes as they are).
Record = bytes | list[str] | str


def to_row(number: int, record: Record, header: Sequence[str] = ()) -> Row | None:
    """The :class:`Row` of a record read at line ``number``; None for a blank line. ``header``: the
    CSV header (a CSV record is its cells)."""
    if isinstance(record, str):
        return Row(number, None, record)
    if isinstance(record, bytes):
        if not record.strip():
            return None
        try:  # a line that opens as an object is UTF-8 or nothing (json.loads would detect UTF-16/32)
            data = (
                read_row(record.decode()) if record[:1] == b"{" else json.loads(record, object_pairs_hook=unique_pairs)
            )
        except UnicodeDecodeError:
            return Row(number, None, "not UTF-8 text")
        except (ValueError, RecursionError) as exc:
            return Row(number, None, json_problem(exc))
        if not isinstance(data, dict):
            return Row(number, None, "expected a JSON object")
        if b"\\u" in record:  # only an escape makes a lone surrogate: UTF-8 bytes cannot
            where = lone_surrogate(data)
            if where is not None:
                return Row(
                    number, None, f"{where}: expected Unicode text, found a lone surrogate escape such as \\ud800"
                )
        return Row(number, data)
    if not record or (len(record) == 1 and not record[0].strip()):
        return None
    if len(record) > len(header):
        return Row(number, None, f"{len(record)} cells, the header has {len(header)} columns")
    if not_utf8("".join(record)):
        return Row(number, None, "not UTF-8 text")
    return Row(number, {name: cell for name, cell in zip(header, record, strict=False) if cell != ""})


def read_json(text: str) -> Any:
    """``json.loads(text)``, faster on short texts: the C scanner directly, without the wrappers
    that cost as much again on a line of an events file; anything unusual (leading text, a bad
    text, something after the value) goes to ``json.loads``, which reads it or names the problem."""
    try:
        data, end = _SCAN(text, 0)
    except (StopIteration, ValueError, RecursionError):
        return json.loads(text)
    if end != len(text) and text[end:].strip(_JSON_SPACE):
        return json.loads(text)
    return data


def read_row(text: str) -> Any:
    """``json.loads(text, object_pairs_hook=unique_pairs)`` as :func:`read_json` reads it: a row's
    JSON, where a key given twice is refused (:class:`~creatorpay.core.checks.DuplicateKey`), not
    kept last-wins. The hook costs about 1.5 us a row of an events file (6 us without it)."""
    try:
        data, end = _ROW_SCAN(text, 0)
    except (StopIteration, ValueError, RecursionError) as exc:
        if isinstance(exc, ValueError) and not isinstance(exc, json.JSONDecodeError):
            raise  # a repeated key, or a number too long for int(): json.loads would say the same
        return json.loads(text, object_pairs_hook=unique_pairs)
    if end != len(text) and text[end:].strip(_JSON_SPACE):
        return json.loads(text, object_pairs_hook=unique_pairs)
    return data


#: The C scanner behind ``json.loads`` (set by ``JSONDecoder.__init__``; typeshed does not declare it).
_SCAN: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
#: The same with :func:`unique_pairs` as its ``object_pairs_hook``, for rows.
_ROW_SCAN: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder(object_pairs_hook=unique_pairs).scan_once  # type: ignore[attr-defined]
#: The whitespace JSON allows between tokens.
_JSON_SPACE = " \t\n\r"


__all__ = ["CSV", "JSON_LINES", "Record", "Row", "RowReader", "read_json", "read_row", "to_row"]
