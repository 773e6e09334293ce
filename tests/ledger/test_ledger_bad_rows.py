"""Malformed rows of a batch are rejected rows with their reasons, never the end of the run
(CORE-INPUT-01, issue 15): the rest settles, `creatorpay settle` exits 0 and the counts reconcile,
serially (a small file) and with workers (a file of 2 MB or more)."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

from creatorpay.core.batch.workers import PARALLEL_BYTES
from tests.ledger.ledger_support import cli, settle_args, tips, write_jsonl

HUGE = "1" * 5000

#: Malformed lines, each with a fragment of the reason its rejection must give.
BAD: list[tuple[str, str]] = [
    (json.dumps({**tips("b1"), "platform": []}), "platform: expected an id"),
    (json.dumps({**tips("b2"), "kind": {}}), "kind: expected one of"),
    (json.dumps({**tips("b3"), "creator": ["c1"]}), "creator: expected an id"),
    (
        json.dumps(
            {
                "id": "b4",
                "platform": "netease",
                "creator": "n1",
                "date": "2026-10-05",
                "kind": "programs",
                "plays": "1.00",
                "scene": [],
            }
        ),
        "scene: expected one of",
    ),
    (
        json.dumps(
            {
                "id": "b5",
                "platform": "xingtu",
                "creator": "c1",
                "date": "2026-10-05",
                "kind": "order",
                "amount": "1.00",
                "stage": ["published"],
            }
        ),
        "stage: expected one of",
    ),
    (json.dumps({**tips("b6"), "date": {"y": 2026}}), "date: expected a date"),
    (json.dumps({**tips("b7"), "yuan": "\ud800"}), "yuan: expected Unicode text, found a lone surrogate"),
    (json.dumps({**tips("\udc00"), "yuan": "1.00"}), "id: expected Unicode text"),
    (json.dumps({**tips("b9"), "\ud800": 1}), "expected Unicode text"),
    (json.dumps({**tips("b15"), "\x80\ud800": 1}), "expected Unicode text"),
    (
        json.dumps({**tips("b10"), "yuan": "1.00", "yuan2": 1}).replace('"yuan2"', '"yuan"'),
        'the key "yuan" is given twice',
    ),
    (json.dumps(tips("b11")).replace("}", f', "beans_ios": {HUGE}}}'), "more than 4,300 digits"),
    (json.dumps({**tips("b12"), "yuan": "１０００.５０"}), "yuan: expected an amount"),
    (json.dumps({**tips("b13"), "yuan": "1000.00\n"}), "yuan: expected an amount"),
    (json.dumps({**tips("b14"), "beans_android": 10**12}), "beans_android: expected a whole number from 0 to"),
    # A control character in an id (NUL stops SQLite's JSON functions): found by the CLI fuzz test.
    (json.dumps(tips("b16\x00")), "id: expected an id: 1-128 printable characters"),
    (json.dumps(tips("b17", "c\x07")), "creator: expected an id: 1-128 printable characters"),
]


def _run(tmp_path: Path, good: list[dict[str, Any]], *, pad_to: int = 0) -> tuple[dict[str, Any], list[list[str]]]:
    """Settle the good rows with every bad line among them through the command line."""
    lines: list[dict[str, Any] | str] = list(good)
    step = max(1, len(good) // len(BAD))
    for index, (line, _) in enumerate(BAD):
        lines.insert(index * step + index, line)
    events = write_jsonl(tmp_path / "month.jsonl", lines)
    assert events.stat().st_size >= pad_to
    people = write_jsonl(
        tmp_path / "creators.jsonl",
        [
            {"id": "c1", "followers": 5000},
            {"id": "n1", "followers": 1000, "quality": True},
            '{"id": "p1", "followers": 5, "followers": 6}',
            '{"id": "\\ud800", "followers": 5}',
            '{"id": "p2", "followers": ' + HUGE + "}",
            '{"id": "c1", "followers": 5000}',
            '{"id": "p3\\u0000", "followers": 5}',
        ],
    )
    done = cli(*settle_args(events, people, tmp_path / "l.sqlite", "--period", "2026-10"), timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    with (tmp_path / "month.rejects.csv").open(encoding="utf-8", newline="") as handle:
        return json.loads(done.stdout), list(csv.reader(handle))[1:]


def _check(summary: dict[str, Any], rejects: list[list[str]], good: int) -> None:
    assert summary["rows_read"] == good + len(BAD)
    assert summary["rejected"] == len(BAD) and summary["settled"] == good
    assert summary["profiles_read"] == 7 and summary["profiles_rejected"] == 5
    assert summary["reconciliation"]["counts_balance"] and summary["reconciliation"]["cash_balance"]
    events = sorted((row for row in rejects if row[0].endswith("month.jsonl")), key=lambda row: int(row[1]))
    assert len(events) == len(BAD)
    for (_, line, _, reason), (_, expected) in zip(events, BAD, strict=True):
        assert expected in reason, (line, reason)
    profiles = sorted(row[3] for row in rejects if row[0].endswith("creators.jsonl"))
    assert any('"followers" is given twice' in r for r in profiles)
    assert any("lone surrogate" in r for r in profiles) and any("4,300 digits" in r for r in profiles)
    assert any("repeated" in r for r in profiles) and any("printable characters" in r for r in profiles)
    # an id with a control character is written escaped in the rejects file
    assert any(row[2] == "p3\\u0000" for row in rejects), rejects


def test_bad_rows_are_rejected_and_the_rest_settles_serially(tmp_path: Path) -> None:
    good = [tips(f"g{i}", yuan="10.00") for i in range(20)]
    summary, rejects = _run(tmp_path, good)
    assert summary["workers"] == 1
    _check(summary, rejects, len(good))


def test_bad_rows_are_rejected_and_the_rest_settles_with_workers(tmp_path: Path) -> None:
    good = [tips(f"good-event-{i:06d}", yuan="10.00", beans_ios=7) for i in range(20_000)]
    summary, rejects = _run(tmp_path, good, pad_to=PARALLEL_BYTES)
    if (os.cpu_count() or 1) >= 2:
        assert summary["workers"] >= 2  # the rows were checked by the workers
    _check(summary, rejects, len(good))


def test_a_month_beyond_a_count_bound_or_the_calendar_is_an_invalid_month(tmp_path: Path) -> None:
    """CORE-INPUT-01: beans summed over a month past their bound (was an OverflowError that ended
    the run), and a profile's months_with_income past the period's month (11 in 2026-10), reject
    that unit's events with the loader's reason; the other units settle."""
    beans = 10**12 - 1  # each event within the bound, their sum not
    events = write_jsonl(
        tmp_path / "month.jsonl",
        [
            tips("a1", beans_android=beans),
            tips("a2", beans_android=beans),
            tips("t1", "c2", yuan="5.00"),
            tips("ok", "c3", yuan="5.00"),
        ],
    )
    people = write_jsonl(
        tmp_path / "creators.jsonl",
        [
            {"id": "c1", "followers": 5},
            {"id": "c3", "followers": 5},
            {"id": "c2", "followers": 5, "tax": {"method": "platform", "months_with_income": 11}},
        ],
    )
    done = cli(*settle_args(events, people, tmp_path / "l.sqlite", "--period", "2026-10"))
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["settled"] == 1 and summary["rejected"] == 3 and summary["units_rejected"] == 2
    with (tmp_path / "month.rejects.csv").open(encoding="utf-8", newline="") as handle:
        reasons = {row[2]: row[3] for row in list(csv.reader(handle))[1:]}
    assert "tips.beans_android: expected a whole number from 0 to 999,999,999,999" in reasons["a1"]
    assert "tax.months_with_income: expected a count from 1 to 10" in reasons["t1"]


def test_csv_nested_cells_refuse_surrogates_and_repeated_keys() -> None:
    """CORE-INPUT-01: a CSV cell of JSON (termination, participants) is read like a JSON row."""
    from creatorpay.core.events import parse_event

    row = {
        "id": "o1",
        "platform": "xingtu",
        "creator": "c1",
        "date": "2026-10-05",
        "kind": "order",
        "amount": "1.00",
        "stage": "published",
    }
    found = parse_event({**row, "termination": '{"by": "\\ud800"}'}, platforms={"xingtu"}, text=True)
    assert isinstance(found, str) and "termination.by: expected Unicode text" in found
    found = parse_event({**row, "termination": '{"by": "client", "by": "c1"}'}, platforms={"xingtu"}, text=True)
    assert isinstance(found, str) and 'the key "by" is given twice' in found
