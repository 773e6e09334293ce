"""The ledger's JSON writer (creatorpay.core.batch.codec) writes what ``json.dumps``
writes, so that the fast texts the ledger stores (scenarios, details, event bodies) are the ones
the plain encoder gives."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from creatorpay.core.batch.codec import canonical_flat, canonical_json, compact_json, escaped, join_object, members

#: Plain JSON values as the ledger writes them: text of any kind (non-ASCII, control characters,
#: lone surrogates), whole numbers of any size, flags, None, finite floats, nested lists and tables.
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(), st.floats(allow_nan=False, allow_infinity=False)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=12,
)
TABLES = st.dictionaries(st.text(max_size=8), VALUES, max_size=6)


def dumps(data: Any, *, sort_keys: bool = False) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, sort_keys=sort_keys)


@settings(max_examples=150, deadline=None)
@given(VALUES)
def test_compact_and_canonical_json_are_json_dumps(data: Any) -> None:
    assert compact_json(data) == dumps(data)
    assert canonical_json(data) == dumps(data, sort_keys=True)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.text(max_size=8), st.one_of(st.text(), st.booleans(), st.integers(), VALUES), max_size=6))
def test_a_flat_body_built_member_by_member_is_canonical_json(body: dict[str, Any]) -> None:
    assert canonical_flat(body) == dumps(body, sort_keys=True)


@settings(max_examples=150, deadline=None)
@given(st.lists(TABLES, max_size=4))
def test_an_object_joined_from_members_is_the_merged_tables_dumped(tables: list[dict[str, Any]]) -> None:
    """What replaced slicing ``compact_json(...)[1:-1]`` and ``[:-1]``: parts joined into one object
    (the parts' keys are distinct, as a scenario's head, sections and period are)."""
    parts = [{f"{index}.{key}": value for key, value in table.items()} for index, table in enumerate(tables)]
    merged = {key: value for part in parts for key, value in part.items()}
    assert join_object(*(members(part) for part in parts)) == dumps(merged)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_escaped_text_is_the_json_string_without_its_quotes(text: str) -> None:
    assert '"' + escaped(text) + '"' == json.dumps(text)
    assert json.loads('"' + escaped(text) + '"') == text
