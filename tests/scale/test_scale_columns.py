"""The events' rows checked on Arrow columns (issue 19, :mod:`creatorpay.core.scale.columns`): a block whose
rows are all plainly valid gives exactly the rows the row-by-row check gives (CORE-INPUT-01), with the same
line numbers; any block with a row to reject, or anything the columns cannot decide, is left to the
row-by-row check (None), so every reject keeps its file, line, id and reason."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from hypothesis import given, settings
from hypothesis import strategies as st

from creatorpay.core.scale import columns, stages
from tests.scale.scale_support import month

if TYPE_CHECKING:
    from pathlib import Path

PLATFORMS = frozenset(("netease", "wechat_channels", "xingtu"))

#: Valid events of each kind, as the generated months write them.
VALID: list[dict[str, Any]] = [
    {"platform": "wechat_channels", "kind": "tips", "yuan": "386.00", "beans_ios": 12},
    {"platform": "xingtu", "kind": "order", "amount": "900", "stage": "published", "co_creation": True},
    {"platform": "xingtu", "kind": "order", "amount": "22800.5", "stage": "settled", "order_id": "o-1"},
    {"platform": "netease", "kind": "programs", "plays": "464.23", "scene": "news"},
    {"platform": "wechat_channels", "kind": "merchant_live", "sales": "0", "private_users": 0},
]
#: Ways a row goes wrong or out of the plain forms: each must leave the block to the row-by-row check.
BREAK: list[tuple[str, Any]] = [
    ("yuan", "12.345"),  # a third decimal
    ("yuan", 12),  # an amount as a number
    ("beans_ios", -1),  # below the count's minimum
    ("beans_ios", 1.5),
    ("beans_ios", None),  # a null value
    ("beans_ios", "3"),
    ("scene", "nowhere"),  # not a choice
    ("plays", "5.00"),  # a field of another kind (on tips)
    ("stage", "published"),
    ("nested", {"a": 1}),  # no such field
    ("platform", "nowhere"),
    ("date", "2026-02-30"),
    ("date", "2026-11-01"),  # outside --period
    ("creator", ""),
    ("creator", "x" * 129),
    ("creator", "caf\u00e9"),  # non-ASCII: decided row by row
    ("creator", "a\tb"),
    ("creator", 'a"b'),  # an escape
    ("id", 7),
    ("kind", "refund"),
]


def _line(index: int, event: dict[str, Any]) -> bytes:
    row = {"id": f"e{index}", "creator": f"c{index % 7}", "date": f"2026-10-{index % 28 + 1:02d}", **event}
    return json.dumps(row, separators=(",", ":"), ensure_ascii=False).encode()


def _row_by_row(data: bytes, before: int) -> stages.Checked:
    lines = data.split(b"\n")[: columns.lines_of(data)]
    records = [(before + i + 1, line + b"\n") for i, line in enumerate(lines)]
    return stages.check_events(records, (), source="e", text=False, month="2026-10", platforms=PLATFORMS, run=3)


def _by_columns(data: bytes, before: int) -> list[tuple[Any, ...]] | None:
    found = columns.check_block(data, before, platforms=PLATFORMS, month="2026-10", run=3)
    return None if found is None else list(zip(*(array.to_pylist() for array in found), strict=True))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(VALID), st.booleans()), min_size=1, max_size=30),
    st.integers(0, 10_000),
    st.booleans(),
)
def test_a_plain_block_gives_the_rows_of_the_row_by_row_check(
    events: list[tuple[dict[str, Any], bool]], before: int, end: bool
) -> None:
    """CORE-INPUT-01: every row plainly valid (amounts with 0, 1 or 2 decimals, counts, flags, choices,
    idents): the block is checked on its columns, and gives the same rows (ids, units, canonical bodies with
    two decimals, run, line numbers after ``before``), with or without the last line's end."""
    lines = [
        _line(i, {k: v for k, v in event.items() if k != "co_creation" or keep})
        for i, (event, keep) in enumerate(events)
    ]
    data = b"\n".join(lines) + (b"\n" if end else b"")
    checked = _row_by_row(data, before)
    assert not checked.rejects and checked.read == len(lines)
    assert _by_columns(data, before) == checked.rows


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.sampled_from(VALID), min_size=1, max_size=12),
    st.sampled_from(BREAK),
    st.data(),
)
def test_a_block_with_a_row_to_reject_or_decide_is_left_to_the_row_by_row_check(
    events: list[dict[str, Any]], broken: tuple[str, Any], data: st.DataObject
) -> None:
    """One row put out of the plain forms (a bad amount, count or choice, a null, a field of another kind or
    of none, an unknown platform or kind, a bad or out-of-period date, a bad id, non-ASCII or escaped text):
    the block is not decided on its columns, or (where the row stays valid) gives the row-by-row rows."""
    where = data.draw(st.integers(0, len(events) - 1))
    lines = [_line(i, event) for i, event in enumerate(events)]
    key, value = broken
    row = json.loads(lines[where])
    row[key] = value
    lines[where] = json.dumps(row, separators=(",", ":"), ensure_ascii=False).encode()
    block = b"\n".join(lines) + b"\n"
    checked = _row_by_row(block, 0)
    found = _by_columns(block, 0)
    assert found is None or (not checked.rejects and found == checked.rows)
    if checked.rejects:
        assert found is None


def test_what_the_columns_leave_to_the_row_by_row_check() -> None:
    """A repeated key, a blank line, two objects on a line, a line that is no object, a ``null``, an escape,
    a leading zero: none is decided on the columns (each is a reject, or an event the full check reads)."""
    good = _line(1, VALID[0]).decode()
    for text in (
        good.replace('"id":"e1"', '"id":"e1","id":"e2"'),
        good + "\n",
        good + good,
        "[1]",
        good.replace('"beans_ios":12', '"beans_ios":null'),
        good.replace("c1", "c\\u0031"),
        good.replace('"beans_ios":12', '"beans_ios":012'),
        good + " x",
    ):
        block = f"{good}\n{text}\n".encode()
        assert _by_columns(block, 0) is None, text
    assert _by_columns(f"{good}\n{good}\n".encode(), 0) is not None


def test_a_spark_task_checks_plain_blocks_on_columns_and_the_rest_row_by_row(tmp_path: Path) -> None:
    """A Spark task's byte ranges (:func:`.spark.check_ranges`): one of plainly valid rows (checked on its
    columns) and one of a generated month with malformed rows, duplicates and conflicting ids (row by row):
    the same events, rejects (file, line, id, reason) and rows read as checking every row one by one."""
    import pyarrow as pa

    from creatorpay.core.scale.spark import _checked_schema, check_ranges, records

    events, _, _ = month(tmp_path / "m", events=600)
    plain = b"".join(_line(i, VALID[i % len(VALID)]) + b"\n" for i in range(400))
    path = tmp_path / "e.jsonl"
    path.write_bytes(plain + events.read_bytes())
    cut = (0, len(plain), 0), (len(plain), path.stat().st_size, 400)
    given_ = pa.RecordBatch.from_arrays(
        [pa.array(column, pa.int64()) for column in zip(*cut, strict=True)], ["s", "e", "b"]
    )
    task = check_ranges([given_], path=str(path), source="e", month="2026-10", platforms=PLATFORMS, run=3)
    made = pa.Table.from_batches(list(task), schema=_checked_schema()).to_pylist()
    expected = [
        stages.check_events(
            list(records(str(path), start, end, before)),
            (),
            source="e",
            text=False,
            month="2026-10",
            platforms=PLATFORMS,
            run=3,
        )
        for start, end, before in cut
    ]
    fields = ("id", "platform", "creator", "month", "date", "kind", "body", "run", "line")
    assert [tuple(r[f] for f in fields) for r in made if r["tag"] == "event"] == [
        row for checked in expected for row in checked.rows
    ]
    assert sorted((r["line"], r["id"], r["reason"]) for r in made if r["tag"] == "reject") == sorted(
        (reject.line, reject.id, reject.reason) for checked in expected for reject in checked.rejects
    )
    assert sum(r["line"] for r in made if r["tag"] == "read") == sum(checked.read for checked in expected)
    assert expected[1].rejects and not expected[0].rejects
    assert columns.check_block(plain, 0, platforms=PLATFORMS, month="2026-10", run=3) is not None
