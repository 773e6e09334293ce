"""A JSON Lines file read in blocks of whole lines (creatorpay.core.batch.lines) gives exactly the
records the row reader gives line by line: the same bytes with the same numbers, a line longer than
the limit rejected as too long and skipped (CORE-INPUT-01), blank lines, carriage returns and a last
line without its newline kept as they are, whatever the block size."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creatorpay.core import rows
from creatorpay.core.batch.lines import Blocks, lines_in, records_of
from creatorpay.core.rows import RowReader

#: A line's bytes (no newline): short and long ones, JSON-ish and not, with carriage returns.
_LINE = st.one_of(
    st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")),
    st.sampled_from([b"", b"\r", b'{"id": "e1"}', b"  ", b'{"id": "\xe4\xbd\xa0"}\r']),
    st.integers(min_value=60, max_value=700).map(lambda n: b"x" * n),
)


def _by_lines(path: Path, limit: int) -> list[tuple[int, object]]:
    """The row reader's records, its line limit made ``limit``."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(rows, "MAX_LINE", limit)
        with RowReader(path) as reader:
            return list(reader.records())


def _by_blocks(path: Path, lines: int, limit: int) -> tuple[list[tuple[int, object]], int]:
    found: list[tuple[int, object]] = []
    counted = 0
    with path.open("rb") as stream:
        for piece in Blocks(stream, lines, limit=limit).pieces():
            counted += lines_in(piece)
            found += records_of(piece)
    return found, counted


@settings(max_examples=150, deadline=None)
@given(
    st.lists(_LINE, max_size=30),
    st.booleans(),
    st.integers(min_value=1, max_value=6),
    st.integers(min_value=50, max_value=300),
)
def test_blocks_give_the_row_readers_records(lines: list[bytes], newline_at_end: bool, per: int, limit: int) -> None:
    data = b"\n".join(lines) + (b"\n" if newline_at_end and lines else b"")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "events.jsonl"
        path.write_bytes(data)
        expected = _by_lines(path, limit)
        found, counted = _by_blocks(path, per, limit)
    assert found == expected
    assert counted == len(expected)


def test_a_line_far_longer_than_a_block_is_skipped_not_held(tmp_path: Path) -> None:
    """A line of many blocks is one too-long record, and the lines after it keep their numbers."""
    path = tmp_path / "events.jsonl"
    path.write_bytes(b'{"id": "a"}\n' + b"y" * 100_000 + b'\n{"id": "b"}\n')
    found, _ = _by_blocks(path, 1, 1000)
    assert found == [(1, b'{"id": "a"}\n'), (2, rows.TOO_LONG), (3, b'{"id": "b"}\n')]
    assert found == _by_lines(path, 1000)
