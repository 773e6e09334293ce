"""Shared helpers for the ledger tests: event and creator files, runs, and a dump of the ledger."""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from creatorpay.core import Engine
from creatorpay.core.batch import Batch, Summary
from creatorpay.core.scenario import Period
from creatorpay.core.sqlite_store import SQLiteStore

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
ENGINE = Engine()
#: The command line as a child process runs it.
CLI = [sys.executable, "-c", "from creatorpay.core.cli import main; main()"]


def write_jsonl(path: Path, rows: Iterable[Mapping[str, Any] | str]) -> Path:
    """Rows as JSON Lines; a str row is written as is (for malformed lines)."""
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n")
    return path


def tips(ident: str, creator: str = "c1", *, date: str = "2026-10-05", **fields: Any) -> dict[str, Any]:
    return {"id": ident, "platform": "wechat_channels", "creator": creator, "date": date, "kind": "tips", **fields}


def programs(ident: str, creator: str = "n1", *, date: str = "2026-10-05", **fields: Any) -> dict[str, Any]:
    return {"id": ident, "platform": "netease", "creator": creator, "date": date, "kind": "programs", **fields}


def creators(path: Path, *profiles: Mapping[str, Any]) -> Path:
    """A creators file; by default creators c1, c2 (WeChat) and n1 (a NetEase quality creator)."""
    rows = list(profiles) or [
        {"id": "c1", "followers": 5000},
        {"id": "c2", "followers": 20000},
        {"id": "n1", "followers": 1000, "quality": True},
    ]
    return write_jsonl(path, rows)


def settle(
    tmp: Path,
    events: Path,
    people: Path,
    *,
    db: str = "ledger.sqlite",
    period: str | None = "2026-10",
    engine: Engine = ENGINE,
) -> tuple[Summary, list[list[str]]]:
    """One batch run in-process; returns its summary and the rejects file's rows."""
    rejects = tmp / "rejects.csv"
    with SQLiteStore(tmp / db) as store, rejects.open("w", encoding="utf-8", newline="") as out:
        summary = Batch(store, engine=engine, period=Period.parse(period) if period else None, rejects=out).run(
            events, people
        )
    with rejects.open(encoding="utf-8", newline="") as handle:
        return summary, list(csv.reader(handle))[1:]


def settle_args(events: Path, people: Path, db: Path, *extra: str) -> list[str]:
    """The arguments of ``creatorpay settle`` of ``events`` into ``db`` with a JSON summary."""
    return ["settle", str(events), "--creators", str(people), "--db", str(db), "--format", "json", *extra]


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT)


#: Columns left out of a dump: which run wrote a row, and when (and the digests, which cover the run).
_VOLATILE = {"run", "line", "started", "finished", "summary", "digest"}


def dump(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every ledger and store table in a fixed order, without the columns naming the run."""
    conn = sqlite3.connect(db)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('runs') ORDER BY name"
            )
        ]
        result = {}
        for table in tables:
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] not in _VOLATILE]
            result[table] = conn.execute(
                f"SELECT {', '.join(columns)} FROM {table} ORDER BY {', '.join(columns)}"
            ).fetchall()
        return result
    finally:
        conn.close()


def query(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def race_two_settles_on_one_budget(tmp: Path, env: Mapping[str, str] | None = None) -> Path:
    """Two ``creatorpay settle`` processes at once on one ledger: eight quality NetEase creators split
    between them, drawing from a program-year budget set to 25,000.00 (NE-BUDGET-01). Returns the db."""
    rules = tmp / "rules.toml"
    rules.write_text('[netease."NE-BUDGET-01"]\nlater_cash = "25000.00"\n', encoding="utf-8")
    people = write_jsonl(tmp / "creators.jsonl", [{"id": f"n{i}", "followers": 10, "quality": True} for i in range(8)])
    db = tmp / "ledger.sqlite"
    children = []
    for half in (0, 1):
        events = write_jsonl(
            tmp / f"events{half}.jsonl", [programs(f"e{half}-{i}", f"n{i}", plays="100.00") for i in range(half, 8, 2)]
        )
        children.append(
            subprocess.Popen(
                [*CLI, *settle_args(events, people, db, "--rules", str(rules), "--chunk", "1")],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=None if env is None else dict(env),
            )
        )
    for child in children:
        _, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
    return db
