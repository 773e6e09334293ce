"""Fuzz the command line with malformed input (CORE-INPUT-01): scenarios (TOML and JSON), rules override
files, and batch events and creators files (JSON Lines and CSV).

Whatever the input, a command exits 0 or 2: never 1 (a failure), never a traceback; and a batch that
finished reconciles (rows read = settled + duplicates + rejected, cash in = cash out per platform).
Each test is bounded so the whole file runs in well under a minute.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creatorpay.core import Engine
from creatorpay.core.cli import main
from tests.helpers import EXAMPLES

if TYPE_CHECKING:
    from collections.abc import Mapping

#: Examples per test: 40 in the suite; CREATORPAY_FUZZ_EXAMPLES=1000 for a deeper search.
EXAMPLES_PER_TEST = int(os.environ.get("CREATORPAY_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES_PER_TEST, suppress_health_check=[HealthCheck.too_slow])

#: Stands for an integer literal of 4,400 digits (over Python's 4,300-digit conversion limit) in JSON text.
BIG = '"@BIG@"'
BIG_LITERAL = "9" * 4400

#: Values that break a rule of CORE-INPUT-01 somewhere, as Python data (JSON) and as TOML literals.
JUNK: tuple[Any, ...] = (
    "１０００.５０",
    "١٠٠٠",
    "1000.00\n",
    " 12",
    "1e3",
    "-5.00",
    "0.001",
    "NaN",
    "Infinity",
    "",
    "x" * 200,
    "2025-13",
    "2026-02-30",
    "\ud800",
    "\x00",
    -1,
    0,
    10**18,
    "@BIG@",
    1.5,
    float("inf"),
    True,
    None,
    [],
    {},
    ["a"],
    {"a": 1},
    "1000000000000.00",
    "999999999999.99",
)
TOML_JUNK = (
    '"１０００.５０"',
    '"١٠٠٠"',
    '"1000.00\\n"',
    '"-5.00"',
    '"0.001"',
    "nan",
    "inf",
    "-1",
    "1" + "0" * 5000,
    "1000000000000000000",
    "1.5",
    "[]",
    "{}",
    '["a"]',
    "{ a = 1 }",
    "true",
    '"2025-13"',
    '"\\u0000"',
    '""',
    '"1000000000000.00"',
    "2026-10-01",
    '"' + "x" * 200 + '"',
)


def run(*args: str) -> tuple[int, str, str]:
    """The console entry point in-process: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        else:  # pragma: no cover - main always exits
            code = 0
    return code, out.getvalue(), err.getvalue()


def assert_clean(code: int, err: str, what: str, *, codes: tuple[int, ...] = (0, 2)) -> None:
    assert code in codes, f"{what[:400]}: exit {code}\n{err[:2000]}"
    assert "Traceback" not in err and "--debug for the traceback" not in err, f"{what[:400]}:\n{err[:2000]}"


# -- scenarios ----------------------------------------------------------------------------------------

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.toml"))


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in a parsed scenario, tables and lists included."""
    found: list[tuple[Any, ...]] = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found


def _set(data: Any, path: tuple[Any, ...], value: Any, delete: bool) -> None:
    for key in path[:-1]:
        data = data[key]
    if delete:
        del data[path[-1]]
    else:
        data[path[-1]] = value


@st.composite
def json_scenarios(draw: st.DrawFn) -> str:
    """An example scenario as JSON with a few values replaced by junk, deleted, or keys added or doubled."""
    data = tomllib.loads(draw(st.sampled_from(EXAMPLE_FILES)).read_text(encoding="utf-8"))
    data = json.loads(json.dumps(data, default=str))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        _set(data, path, draw(st.sampled_from(JUNK)), draw(st.booleans()) and not isinstance(path[-1], int))
    if draw(st.booleans()):
        data[draw(st.sampled_from(["folowers", "extra", "period", "creator"]))] = draw(st.sampled_from(JUNK))
    text = json.dumps(data, ensure_ascii=draw(st.booleans()), default=str).replace(BIG, BIG_LITERAL)
    if draw(st.booleans()):  # a key written twice
        text = text.replace('"period": ', '"period": "2026-09", "period": ', 1)
    return text


@st.composite
def toml_scenarios(draw: st.DrawFn) -> bytes:
    """An example's text with a value line rewritten, a line dropped, a BOM, or bytes cut or flipped."""
    lines = draw(st.sampled_from(EXAMPLE_FILES)).read_text(encoding="utf-8").splitlines()
    valued = [i for i, line in enumerate(lines) if "=" in line and not line.lstrip().startswith("#")]
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.sampled_from(valued))
        key = lines[index].split("=", 1)[0]
        lines[index] = "" if draw(st.integers(0, 5)) == 0 else f"{key}= {draw(st.sampled_from(TOML_JUNK))}"
    data = "\n".join(lines).encode("utf-8")
    damage = draw(st.sampled_from(["none", "none", "bom", "cut", "flip"]))
    if damage == "bom":
        data = b"\xef\xbb\xbf" + data
    elif damage == "cut":
        data = data[: draw(st.integers(0, len(data)))]
    elif damage == "flip":
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    return data


@FUZZ
@given(text=json_scenarios())
def test_malformed_json_scenarios_exit_0_or_2_core_input_01(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.json"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        code, _, err = run("validate", str(path))  # exit 1 is its answer for a scenario with violations
        assert_clean(code, err, f"validate {text[:300]}", codes=(0, 1, 2))
        code, _, err = run("compare", str(path))
        assert_clean(code, err, f"compare {text[:300]}")


@FUZZ
@given(data=toml_scenarios())
def test_malformed_toml_scenarios_exit_0_or_2_core_input_01(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.toml"
        path.write_bytes(data)
        for command in ("compare", "explain"):
            code, _, err = run(command, str(path), "--format", "json")
            assert_clean(code, err, f"{command} {data[:300]!r}")


# -- rules override files -----------------------------------------------------------------------------

PARAMS = sorted(
    (book, rule_id, name)
    for book, rules in Engine().rulebooks.items()
    for rule_id, rule in rules.rules.items()
    for name in rule.params
)


@st.composite
def overrides(draw: st.DrawFn) -> str:
    """An override file setting a few parameters (real or misspelt) to plausible or junk values."""
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        book, rule_id, name = draw(st.sampled_from(PARAMS))
        if draw(st.integers(0, 6)) == 0:
            name += "x"
        value = draw(
            st.sampled_from(
                [*TOML_JUNK, "0", '"0"', '"0.00"', "[0]", '["0.03", "0.1"]', '"cliff"', '["1", "0"]', "[]", "false"]
            )
        )
        lines += [f'[{book}."{rule_id}"]', f"{name} = {value}"]
    return "\n".join(lines) + "\n"


@FUZZ
@given(text=overrides())
def test_malformed_overrides_exit_0_or_2_core_input_01(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "o.toml"
        path.write_text(text, encoding="utf-8")
        code, _, err = run("rules", "validate", str(path))
        assert_clean(code, err, f"rules validate {text}")
        for example in EXAMPLE_FILES:
            code, _, err = run("compare", str(example), "--rules", str(path), "--format", "json")
            assert_clean(code, err, f"compare {example.name} --rules {text}")


# -- batch files --------------------------------------------------------------------------------------

BASE_EVENTS: tuple[Mapping[str, Any], ...] = (
    {"platform": "wechat_channels", "creator": "c1", "kind": "tips", "yuan": "1200.00", "beans_android": 100},
    {"platform": "netease", "creator": "n1", "kind": "programs", "campaign": "300.00", "scene": "feature"},
    {
        "platform": "xingtu",
        "creator": "x1",
        "kind": "order",
        "order_id": "o1",
        "amount": "5000.00",
        "task": "assigned",
        "stage": "published",
    },
    {"platform": "wechat_channels", "creator": "c1", "kind": "merchant_live", "sales": "800.00", "private_users": 3},
)
BASE_CREATORS: tuple[Mapping[str, Any], ...] = (
    {"id": "c1", "followers": 5000},
    {"id": "n1", "followers": 1000, "quality": True},
    {"id": "x1", "followers": 20000},
)


@st.composite
def rows(draw: st.DrawFn, base: tuple[Mapping[str, Any], ...], events: bool) -> list[dict[str, Any]]:
    """Valid rows with some fields replaced by junk, dropped or added, and some ids re-sent."""
    made: list[dict[str, Any]] = []
    for number in range(draw(st.integers(1, 8))):
        row = dict(draw(st.sampled_from(base)))
        if events:
            row = {"id": f"e{number}", "date": f"2026-10-{draw(st.integers(1, 28)):02d}", **row}
        if draw(st.integers(0, 2)) == 0:
            key = draw(st.sampled_from([*row, "extra", "kind", "date"]))
            if draw(st.integers(0, 4)) == 0:
                row.pop(key, None)
            else:
                row[key] = draw(st.sampled_from(JUNK))
        made.append(row)
    if len(made) > 0 and draw(st.booleans()):  # an id re-sent, the same or changed
        again = dict(draw(st.sampled_from(made)))
        if draw(st.booleans()):
            again[draw(st.sampled_from(list(again)))] = draw(st.sampled_from(JUNK))
        made.append(again)
    return made


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value if isinstance(value, str) else json.dumps(value, default=str)


def write_rows(path: Path, made: list[dict[str, Any]], form: str, raw: list[str]) -> None:
    """Rows as JSON Lines (with ``raw`` lines mixed in) or CSV (every key a column)."""
    if form == "jsonl":
        lines = [json.dumps(row, default=str).replace(BIG, BIG_LITERAL) for row in made] + raw
        path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
        return
    columns = list(dict.fromkeys(key for row in made for key in row))
    with path.open("w", encoding="utf-8", errors="surrogatepass", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in made:
            writer.writerow([_text(row.get(key)).replace(BIG[1:-1], BIG_LITERAL) for key in columns])


RAW_LINES = (
    "{",
    "[]",
    "null",
    '{"id": "d", "id": "d2"}',
    '{"id": 1e999}',
    '{"id": "\\ud800"}',
    "not json",
    '{"id": "big", "platform": "wechat_channels", "creator": "c1", "date": "2026-10-02", "kind": "tips", '
    '"beans_android": ' + "9" * 4400 + "}",
)


@settings(FUZZ, max_examples=max(1, EXAMPLES_PER_TEST * 3 // 4))
@given(
    events=rows(BASE_EVENTS, True),
    people=rows(BASE_CREATORS, False),
    form=st.sampled_from(["jsonl", "csv"]),
    raw=st.lists(st.sampled_from(RAW_LINES), max_size=3),
    again=st.booleans(),
)
def test_malformed_batch_files_exit_0_or_2_and_reconcile_core_input_01(
    events: list[dict[str, Any]], people: list[dict[str, Any]], form: str, raw: list[str], again: bool
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_rows(root / f"events.{form}", events, form, raw)
        write_rows(root / f"creators.{form}", people, form, [])
        args = (
            f"{root}/events.{form}",
            "--creators",
            f"{root}/creators.{form}",
            "--db",
            f"{root}/l.sqlite",
            "--period",
            "2026-10",
            "--format",
            "json",
            "--rejects",
            f"{root}/rejects.csv",
        )
        for _ in range(2 if again else 1):  # a second run re-sends every row: all duplicates or rejected
            code, out, err = run("settle", *args)
            assert_clean(code, err, f"settle {events} {people} {raw}")
            if code == 0:
                summary = json.loads(out)
                assert summary["reconciliation"]["counts_balance"], summary["reconciliation"]
                assert summary["reconciliation"]["cash_balance"], summary["cash"]
        if code == 0:
            code, _, err = run("ledger", "export", "--db", f"{root}/l.sqlite", "--format", "csv")
            assert_clean(code, err, "ledger export")
