"""The events file's rows checked on Arrow columns, for the blocks whose rows are plainly valid.

A Spark task checks its byte range of a JSON Lines events file (:func:`.spark.check_ranges`). Row by
row in Python (:func:`.stages.check_events`) that was about a tenth of a run's processor time; here a
block of lines is parsed by Arrow's JSON reader and checked column by column (``pyarrow.compute``),
and each event's body (its kind's fields as canonical JSON) is joined from the columns. Only a block
whose every row the columns can decide is checked here: every row a valid event of the fast path's
plain forms (:func:`~creatorpay.core.events.parse_event`'s ``_fast``), in plain ASCII text without
escapes, null values or blank lines. Any other block (a row to reject, a row the fast path leaves to
the full check, anything unusual) gets None, and is checked row by row as before: the rejects keep
their file, line, id and reason because the row-by-row check makes every one of them.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from .. import events as _events
from ..events import COMMON

if TYPE_CHECKING:
    from collections.abc import Collection

    from ..fields import Schema

#: The bytes a block may hold to be checked here: printable ASCII but the backslash (an escape) and the
#: slash (a comment, for a lenient parser), and the line ends. Besides, each line must open an object
#: (none blank) and no ``null`` may be given (:func:`_plain`); a number with a leading zero is refused
#: by Arrow's parser as by Python's.
_PLAIN = bytes(b for b in range(0x20, 0x7F) if b not in b"\\/") + b"\n"
#: The Arrow type of each plain form's values.
_TYPES = {"amount": "string", "ident": "string", "choice": "string", "count": "int64", "flag": "bool"}
#: :data:`~creatorpay.core.checks.PLAIN_AMOUNT`, anchored.
_AMOUNT = r"^(?:0|[1-9][0-9]{0,11})(?:\.[0-9]{1,2})?$"


def lines_of(data: bytes) -> int:
    """The lines of a block of a JSON Lines file (a last line without its end counted)."""
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def check_block(
    data: bytes,
    before: int,
    *,
    platforms: Collection[str],
    month: str | None,
    run: int,
    schema: Schema | None = None,
) -> list[Any] | None:
    """The checked events of a block of whole lines of a JSON Lines events file (``before``: the lines
    before it), as the arrays of an :data:`~.stages.EventRow`'s columns (id, platform, creator, month,
    date, kind, body, run, line): the rows :func:`.stages.check_events` makes of it, when every row of
    the block is plainly valid; else None (the block is to be checked row by row). ``month``: the
    ``--period``; ``schema``: the engine's (by default the installed plugins')."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not _plain(data):
        return None
    known = _events._kinds(schema)
    forms: dict[str, str] = {}
    for kind_forms in known.forms.values():
        for name, form in kind_forms.items():
            if forms.setdefault(name, form) != form:
                return None  # a name of two forms: the row-by-row check decides
    column = _parsed(data, forms)
    if column is None:
        return None
    ident, platform, creator, date, kind = (column[name] for name in COMMON)
    if not _hold(
        pc,
        pc.is_in(platform, value_set=pa.array(sorted(platforms), pa.string())),
        pc.is_in(kind, value_set=pa.array(sorted(known.forms), pa.string())),
        *_sized(pc, ident),
        *_sized(pc, creator),
    ):
        return None
    if not all(_events._valid_date(day) for day in pc.unique(date).to_pylist()):
        return None
    months = pc.utf8_slice_codeunits(date, 0, 7)
    if month is not None and not _hold(pc, pc.equal(months, month)):
        return None
    body = _body(column, forms, known)
    if body is None:
        return None
    rows = len(ident)
    lines = pa.array(range(before + 1, before + rows + 1), pa.int64())
    return [ident, platform, creator, months, date, kind, body, pa.array([run] * rows, pa.int64()), lines]


def _parsed(data: bytes, forms: dict[str, str]) -> dict[str, Any] | None:
    """A block's rows parsed by Arrow's JSON reader, by column (each field of every kind, null where not
    given); None where the rows are not one JSON object per line of those fields and types, or a common
    field is missing."""
    import pyarrow as pa
    import pyarrow.json as pj

    fields = [pa.field(name, pa.string()) for name in COMMON]
    fields += [pa.field(name, _TYPES[form]) for name, form in sorted(forms.items())]
    options = pj.ParseOptions(explicit_schema=pa.schema(fields), unexpected_field_behavior="error")
    try:
        table = pj.read_json(io.BytesIO(data), read_options=pj.ReadOptions(use_threads=False), parse_options=options)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None  # not JSON, a repeated key, a field no kind has, a value of another type, ...
    if table.num_rows != lines_of(data):
        return None  # two objects on one line
    table = table.combine_chunks()
    column = {name: table.column(name).chunk(0) for name in table.column_names}
    if any(column[name].null_count for name in COMMON):
        return None
    return column


def _body(column: dict[str, Any], forms: dict[str, str], known: Any) -> Any | None:
    """Each row's body, its kind's fields as canonical JSON (keys in order, amounts with two decimals),
    when each field is given only in rows of a kind that has it, in its plain form, and each kind's
    needed fields are given; else None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column["kind"]
    rows = len(kind)
    kinds = pc.unique(kind).to_pylist()
    members: list[Any] = []
    for name in sorted(forms):
        values = column[name]
        if values.null_count == rows:
            continue
        ok = _form_checks(pc, pa, forms[name], name, values, known)
        if ok is None or not _hold(pc, *ok):
            return None
        without = pa.array([each for each in kinds if name not in known.forms[each]], pa.string())
        if len(without) and not _hold(pc, pc.or_(pc.is_null(values), pc.invert(pc.is_in(kind, value_set=without)))):
            return None  # given in a row of a kind that has no such field
        members.append(pc.binary_join_element_wise(f'"{name}":', _rendered(pc, pa, forms[name], values), ""))
    for each in kinds:  # the fields the fast path needs of each kind
        for name in known.needed[each]:
            if name not in column or not _hold(pc, pc.or_(pc.not_equal(kind, each), pc.is_valid(column[name]))):
                return None
    if not members:
        return pa.array(["{}"] * rows, pa.string())
    joined = pc.binary_join_element_wise(*members, ",", null_handling="skip")
    return pc.binary_join_element_wise("{", joined, "}", "")


def _plain(data: bytes) -> bool:
    """Whether a block may be checked here: plain printable ASCII without escapes, each line an object's
    opening (none blank), no ``null``."""
    if not data.startswith(b"{") or b"null" in data or data.translate(None, _PLAIN):
        return False
    opened = data.count(b"\n{")
    return opened == data.count(b"\n") - (1 if data.endswith(b"\n") else 0)


def _hold(pc: Any, *checks: Any) -> bool:
    """Whether every check holds for every row (a null: a field not given, nothing to check)."""
    return all(pc.all(check).as_py() is not False for check in checks)


def _sized(pc: Any, values: Any) -> list[Any]:
    """An identifier's checks: 1 to 128 characters (printable: the block is plain ASCII)."""
    length = pc.utf8_length(values)
    return [pc.greater(length, 0), pc.less_equal(length, 128)]


def _form_checks(pc: Any, pa: Any, form: str, name: str, values: Any, known: Any) -> list[Any] | None:
    """The fast path's checks of a field's values by its form (nulls: not given); None: not decided here."""
    if form == "amount":
        return [pc.match_substring_regex(values, _AMOUNT)]
    if form == "ident":
        return _sized(pc, values)
    if form == "choice":
        given = pc.is_in(values, value_set=pa.array(sorted(known.choices[name]), pa.string()))
        return [pc.or_(given, pc.is_null(values))]  # is_in answers false for a null
    if form == "count":
        high = known.high.get(name)
        if high is None:
            return None
        return [pc.greater_equal(values, known.low.get(name, 0)), pc.less_equal(values, high)]
    return []  # a flag: its type is the check


def _rendered(pc: Any, pa: Any, form: str, values: Any) -> Any:
    """A field's values as canonical JSON (nulls stay null): text quoted (plain ASCII, nothing to
    escape), an amount with two decimals as the fast path writes it, a count, a flag."""
    if form == "count":
        return pc.cast(values, pa.string())
    if form == "flag":
        return pc.if_else(values, "true", "false")
    if form == "amount":
        point = pc.find_substring(values, ".")
        length = pc.utf8_length(values)
        values = pc.if_else(
            pc.equal(point, -1),
            pc.binary_join_element_wise(values, ".00", ""),
            pc.if_else(pc.equal(point, pc.subtract(length, 2)), pc.binary_join_element_wise(values, "0", ""), values),
        )
    return pc.binary_join_element_wise('"', values, '"', "")


__all__ = ["check_block", "lines_of"]
