"""The batch's shortcuts answer exactly as the general paths they stand for: the in-memory store
buffer as SQLiteStore (XT-CC-06/07 quotas, NE-BUDGET-01 budgets), the scenario built from checked
events as the loader (CORE-INPUT-01), the events' fast check as the full one."""

from __future__ import annotations

import json
import sqlite3
from contextlib import suppress
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from creatorpay.core.batch.workers import _parse, _parse_profiles
from creatorpay.core.checks import json_problem, unique_pairs
from creatorpay.core.errors import InputError
from creatorpay.core.events import activities, fold, parse_event
from creatorpay.core.fields import installed
from creatorpay.core.profiles import checked_base, scenario_for
from creatorpay.core.rows import read_json, read_row, to_row
from creatorpay.core.scenario import STAGES, TASKS, load_scenario
from creatorpay.core.sqlite_schema import migrate
from creatorpay.core.sqlite_store import SQLiteStore, StoreBuffer
from creatorpay.plugins.netease.fields import SCENES
from tests.helpers import examples

KEYS = ("q1", "q2")
BUDGETS = ("b1", "b2")
HOLDERS = ("o1", "o2", "o3")
SCOPES = ("s1", "s2", None)

calls = st.one_of(
    st.tuples(
        st.just("reserve"), st.sampled_from(KEYS), st.sampled_from(HOLDERS), st.integers(0, 3), st.integers(0, 2)
    ),
    st.tuples(st.just("confirm"), st.sampled_from(KEYS), st.sampled_from(HOLDERS)),
    st.tuples(st.just("confirmed"), st.sampled_from(KEYS), st.sampled_from(HOLDERS)),
    st.tuples(st.just("release"), st.sampled_from(KEYS), st.sampled_from(HOLDERS)),
    st.tuples(st.just("used"), st.sampled_from(KEYS), st.integers(0, 2)),
    st.tuples(
        st.just("draw"),
        st.sampled_from(BUDGETS),
        st.integers(0, 4000).map(lambda f: Decimal(f) / 100),
        st.sampled_from((Decimal("50.00"), Decimal("20.5"))),
    ),
    st.tuples(st.just("remaining"), st.sampled_from(BUDGETS), st.just(Decimal("50.00"))),
    st.tuples(st.just("refund"), st.sampled_from(SCOPES[:2])),
)


def _tables(conn: sqlite3.Connection) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
        for table in ("quotas", "quota_slots", "budgets", "budget_draws")
    }


@settings(max_examples=examples(60))
@given(st.lists(st.tuples(calls, st.sampled_from(SCOPES), st.booleans()), max_size=30))
def test_the_store_buffer_answers_and_writes_as_sqlite_store(program: list[tuple[Any, ...]]) -> None:
    """Every call answers as SQLiteStore's; a unit rolled back leaves no trace; the flushed tables
    are SQLiteStore's, to the row (XT-CC-06/07, NE-BUDGET-01)."""
    store = SQLiteStore(":memory:")
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrate(conn)
    buffer = StoreBuffer(conn)
    for (method, *args), scope, keep in program:
        if not keep:  # a unit that is rolled back: the buffer must forget it
            mark = buffer.mark()
            buffer.scope = scope
            with suppress(ValueError):
                getattr(buffer, method)(*args)
            buffer.scope = None
            buffer.rollback(mark)
            continue
        store.scope = buffer.scope = scope
        answers = []
        for target in (store, buffer):
            try:
                answers.append(repr(getattr(target, method)(*args)))
            except ValueError as exc:
                answers.append(f"ValueError: {exc}")
        store.scope = buffer.scope = None
        assert answers[0] == answers[1], (method, args)
    conn.execute("BEGIN")
    buffer.flush()
    conn.execute("COMMIT")
    assert _tables(conn) == _tables(store.connection)


def test_a_replayed_transcript_that_answers_otherwise_is_refused() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrate(conn)
    worker, main = StoreBuffer(conn), StoreBuffer(conn)
    worker.mark()
    worker.draw("b", Decimal("30.00"), Decimal("100.00"))
    assert main.replay(worker.calls)
    worker.mark()
    worker.draw("b", Decimal("30.00"), Decimal("100.00"))
    main.draw("b", Decimal("50.00"), Decimal("100.00"))  # someone else drew meanwhile
    assert not main.replay(worker.calls)


amounts = st.integers(0, 10**9).map(lambda fen: f"{fen // 100}.{fen % 100:02d}")
tips = st.fixed_dictionaries(
    {}, optional={"yuan": amounts, "beans_android": st.integers(0, 10**6), "beans_ios": st.integers(0, 10**6)}
)
programs = st.fixed_dictionaries(
    {}, optional={"campaign": amounts, "leaderboard": amounts, "plays": amounts, "scene": st.sampled_from(SCENES)}
)
merchant = st.fixed_dictionaries({}, optional={"sales": amounts, "private_users": st.integers(0, 500)})
orders = st.fixed_dictionaries(
    {"stage": st.sampled_from(STAGES)},
    optional={
        "amount": amounts,
        "order_id": st.sampled_from(("o1", "o2")),
        "task": st.sampled_from(TASKS),
        "co_creation": st.booleans(),
        "video_seconds": st.integers(1, 90),
        "review_failed": st.booleans(),
    },
)
events = st.lists(
    st.one_of(
        st.tuples(st.just("tips"), tips),
        st.tuples(st.just("programs"), programs),
        st.tuples(st.just("merchant_live"), merchant),
        st.tuples(st.just("order"), orders),
    ),
    max_size=8,
)
PROFILE = (
    '{"creator":{"followers":1200,"price_card":{"s1_20":"300.00"}},"tax":{"method":"platform",'
    '"months_with_income":10,"ytd_income":"5000.00","ytd_withheld":"0.00"}}'
)


@settings(max_examples=examples(150))
@given(events)
def test_the_scenario_built_from_checked_events_is_the_loaders(found: list[tuple[str, dict[str, Any]]]) -> None:
    """CORE-INPUT-01: for every month of valid events, the scenario the batch builds without the
    loader is the loader's, value for value (Decimal exponents included, so amounts print alike);
    where the shortcut does not apply (a card-priced order, plays with and without a scene) it says
    so, and the loader is used."""
    staged = []
    for index, (kind, fields) in enumerate(found):
        event = parse_event(
            {"id": f"e{index}", "platform": "xingtu", "creator": "c1", "date": "2026-10-05", "kind": kind, **fields},
            platforms={"xingtu"},
        )
        if isinstance(event, str):
            continue  # e.g. an order with neither amount nor video length
        staged.append((event.id, event.kind, event.body))
    sections = fold(staged)
    data = scenario_for(PROFILE, "c1", "2026-10", sections)
    try:
        expected = load_scenario(data, source="x")
    except Exception:
        expected = None
    base = load_scenario(scenario_for(PROFILE, "c1", "2026-10", {}), source="x")
    built = activities(sections, base.creator)
    if built is None:
        return
    assert expected is not None
    assert repr(attrs.evolve(base, **built)) == repr(expected)


@settings(max_examples=examples(200))
@given(
    st.sampled_from(("tips", "programs", "merchant_live", "order")),
    st.dictionaries(
        st.sampled_from(
            (
                "yuan",
                "beans_android",
                "plays",
                "scene",
                "sales",
                "private_users",
                "amount",
                "stage",
                "order_id",
                "co_creation",
                "video_seconds",
                "app",
            )
        ),
        st.one_of(
            st.text(max_size=6),
            st.integers(-2, 10**13),
            st.booleans(),
            st.sampled_from(("1.5", "07.00", "100", "1e3", "published", "news", "true")),
        ),
        max_size=4,
    ),
    st.booleans(),
)
def test_the_fast_event_check_agrees_with_the_full_one(kind: str, fields: dict[str, Any], text: bool) -> None:
    """CORE-INPUT-01: an event the fast path accepts is the one the full check accepts, to the
    canonical body; one it declines goes to the full check, which decides."""
    from creatorpay.core import events as module

    if text:
        fields = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in fields.items()}
    row = {"id": "e1", "platform": "xingtu", "creator": "c1", "date": "2026-10-05", "kind": kind, **fields}
    fast = module._fast(row, {"xingtu"}, text)
    if fast is not None:
        assert fast == module._checked(row, {"xingtu"}, text)


maybe_amounts = st.one_of(
    amounts, st.sampled_from(("1.5", "07.00", "1e3", "-1.00", "1000000000000.00", "")), st.integers(0, 5)
)
profiles = st.fixed_dictionaries(
    {
        "creator": st.fixed_dictionaries(
            {"id": st.sampled_from(("c1", "", "x" * 129))},
            optional={
                "followers": st.one_of(st.integers(-1, 10**6), st.booleans(), st.just("12")),
                "quality": st.one_of(st.booleans(), st.just(1)),
                "new_anchor": st.booleans(),
                "co_creations_this_month": st.integers(-1, 5),
                "growth_stage": st.sampled_from(("exploration", "harvest", "bogus")),
                "price_card": st.dictionaries(
                    st.sampled_from(("s1_20", "s21_60", "s60_plus", "s0")), maybe_amounts, max_size=3
                ),
                "stars": st.just(1),
            },
        )
    },
    optional={
        "mcn": st.fixed_dictionaries(
            {},
            optional={
                "name": st.sampled_from(("m", "x" * 201, 3)),
                "share": st.sampled_from(("0.2", "1", "1.5", "0.12345", 0)),
            },
        ),
        "tax": st.fixed_dictionaries(
            {},
            optional={
                "method": st.sampled_from(("none", "platform", "self")),
                "months_with_income": st.integers(0, 13),
                "ytd_income": maybe_amounts,
                "ytd_withheld": maybe_amounts,
            },
        ),
        "platform": st.just({"netease": {"followers": 3}}),
    },
)


valid_profiles = st.fixed_dictionaries(
    {
        "creator": st.fixed_dictionaries(
            {"id": st.just("c1"), "followers": st.integers(0, 10**6)},
            optional={
                "quality": st.booleans(),
                "original": st.booleans(),
                "co_creations_this_month": st.integers(0, 5),
                "growth_stage": st.sampled_from(("exploration", "harvest")),
                "price_card": st.dictionaries(st.sampled_from(("s1_20", "s21_60", "s60_plus")), amounts),
            },
        )
    },
    optional={
        "mcn": st.fixed_dictionaries({"name": st.just("m"), "share": st.sampled_from(("0.2", "1", "0.1234"))}),
        "tax": st.fixed_dictionaries(
            {},
            optional={
                "method": st.sampled_from(("none", "platform")),
                "months_with_income": st.integers(1, 12),
                "ytd_income": amounts,
                "ytd_withheld": amounts,
            },
        ),
    },
)


@settings(max_examples=examples(300))
@given(st.one_of(valid_profiles, profiles), st.sampled_from(("2026-10", "2025-06")))
def test_the_checked_profile_base_is_the_loaders(profile: dict[str, Any], period: str) -> None:
    """CORE-INPUT-01 (and CN-TAX-02's months_with_income from 2025-10): a profile the shortcut
    builds is the loader's scenario, value for value; whatever the loader refuses, the shortcut
    declines (and the loader names the problem)."""
    data = {**profile, "schema": 1, "period": period}
    built = checked_base(data, "x")
    try:
        expected = load_scenario(data, source="x")
    except InputError:
        assert built is None
        return
    if built is not None:
        assert repr(built) == repr(expected)


json_lines = st.one_of(
    st.dictionaries(
        st.text(max_size=5), st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8)), max_size=4
    ).map(lambda d: json.dumps(d, ensure_ascii=False)),
    st.text(alphabet='{}[]":,0123456789 \t\rabe-.\\', max_size=30).map(lambda t: "{" + t),
)


@given(json_lines, st.sampled_from(["", "\n", " \r\n", "\t", " x", "}", " {}"]))
@settings(max_examples=examples(400))
def test_a_json_line_reads_as_json_loads_reads_it(line: str, tail: str) -> None:
    """CORE-INPUT-01: the events file's rows are read with the C scanner directly; whatever the
    line, the row (or the reason it is rejected) is what json.loads makes of it."""
    record = (line + tail).encode()
    row = to_row(7, record)
    try:
        expected: Any = json.loads(record.decode(), object_pairs_hook=unique_pairs)
    except ValueError as exc:  # a repeated key too (CORE-INPUT-01: refused, not read last-wins)
        assert row is not None and row.fields is None
        assert row.error == json_problem(exc)
        return
    assert row is not None
    if isinstance(expected, dict):
        assert row.fields == expected and row.error is None
    else:
        assert row.error == "expected a JSON object"


@given(json_lines)
@settings(max_examples=examples(300))
def test_json_is_read_as_json_loads_reads_it(text: str) -> None:
    """Event lines and stored event bodies are read with the C scanner directly: the value is
    json.loads's, and a text json.loads refuses is refused (ValueError), never misread."""
    try:
        expected: Any = json.loads(text)
    except ValueError:
        with suppress(ValueError):
            read_json(text)
            raise AssertionError(f"{text!r} was read") from None
        return
    assert read_json(text) == expected


@given(json_lines)
@settings(max_examples=examples(200))
def test_a_row_is_read_as_json_loads_with_unique_keys_reads_it(text: str) -> None:
    """CORE-INPUT-01: a row's fast reader refuses what json.loads with unique_pairs refuses (a key
    given twice among them), and reads the rest alike."""
    try:
        expected: Any = json.loads(text, object_pairs_hook=unique_pairs)
    except ValueError:
        with suppress(ValueError):
            read_row(text)
            raise AssertionError(f"{text!r} was read") from None
        return
    assert read_row(text) == expected


#: A marker replaced, in the JSON text, by an integer literal of 5,000 digits (which json.dumps
#: cannot write and json.loads refuses).
_HUGE = "HUGE-NUMBER-MARKER"
_FIELDS = (
    "id",
    "platform",
    "creator",
    "date",
    "kind",
    "yuan",
    "beans_android",
    "beans_ios",
    "plays",
    "scene",
    "sales",
    "private_users",
    "amount",
    "stage",
    "order_id",
    "video_seconds",
    "co_creation",
    "termination",
    "participants",
    "followers",
    "quality",
    "tax",
    "mcn",
    "price_card",
    "platform",
    "growth_stage",
)
_texts = st.text(
    st.one_of(
        st.characters(),
        st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
        st.sampled_from("0123456789.-١٢３ \n\t"),
    ),
    max_size=8,
)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 10**13),
    st.integers(10**12 - 2, 10**40),
    st.just(_HUGE),
    _texts,
    st.sampled_from(
        (
            "1.00",
            "１０００.５０",
            "١٠٠٠",
            "1000.00\n",
            "wechat_channels",
            "tips",
            "order",
            "2026-10-05",
            "2026-10-٠٥",
            "published",
            "news",
            "c1",
            "\ud800",
            "true",
        )
    ),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(_FIELDS), inner, max_size=3)),
    max_leaves=6,
)
_rows = st.dictionaries(st.one_of(st.sampled_from(_FIELDS), _texts), _values, max_size=8)


def _line(row: dict[str, Any], repeat: str | None) -> bytes:
    """The row as a JSON line (lone surrogates written as escapes), with ``repeat`` given twice."""
    text = json.dumps(row).replace(json.dumps(_HUGE), "1" * 5000)
    if repeat is not None:
        text = text[:-1] + (", " if row else "") + f"{json.dumps(repeat)}: 1}}"
    return text.encode()


def _writable(value: Any) -> None:
    """Everything a row's check gives is written to the ledger or the rejects file: UTF-8 text."""
    for item in value if isinstance(value, tuple | list) else (value,):
        if isinstance(item, str):
            item.encode("utf-8")


@settings(max_examples=examples(250))
@given(
    _rows,
    st.one_of(st.none(), st.sampled_from(("id", "yuan", "kind"))),
    st.booleans(),
    st.sampled_from(("tips", "programs", "merchant_live", "order")),
)
def test_malformed_rows_are_rejected_with_a_reason_never_raised(
    row: dict[str, Any], repeat: str | None, csv: bool, kind: str
) -> None:
    """CORE-INPUT-01 (issue 15): whatever a row holds (tables or lists for text, other digits,
    lone surrogates, numbers of any size, a key twice), the batch's readers reject it with a reason
    or take it, never raise; the events' fast check agrees with the full one; the reasons and rows
    can be written as UTF-8."""
    from creatorpay.core import events as module

    platforms = frozenset(("wechat_channels", "xingtu"))
    base = {"id": "e1", "platform": "wechat_channels", "creator": "c1", "date": "2026-10-05", "kind": kind}
    for fields in (row, {**base, **row}):
        line = _line(fields, repeat)
        for parsed in (
            _parse([(3, line)], (), False, "2026-10", platforms, 1, schema=installed()),
            _parse_profiles([(3, line)], (), False, 1, schema=installed()),
        ):
            staged, rejects, read = parsed
            assert read == 1 and len(staged) + len(rejects) == 1
            for found in (*staged, *rejects):
                _writable(found)
        parsed_row = to_row(3, line)
        assert parsed_row is not None
        if parsed_row.fields is None:
            assert parsed_row.error
            continue
        cells = parsed_row.fields
        if csv:  # a CSV row: every cell text
            cells = {k: v if isinstance(v, str) else json.dumps(v) for k, v in cells.items()}
        checked = module._checked(cells, platforms, csv)
        fast = module._fast(cells, platforms, csv)
        if fast is not None:
            assert fast == checked
        _writable(checked if isinstance(checked, str) else checked.body)
