"""The Spark driver (``settle --engine spark``) on Spark local[2] against ``creatorpay settle`` and the
local driver: the same export to the byte on generated months with malformed rows, re-sent duplicates,
conflicting ids and both shared budgets (NE-BUDGET-01, WC-COLD-01) exhausted part-way; the
reconciliation holds; late events; a run's folder rewritten with the same bytes."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from typing import TYPE_CHECKING, Any

from hypothesis import given, settings
from hypothesis import strategies as st

from creatorpay.core.rows import RowReader
from creatorpay.core.scale.parquet import ParquetLedger
from creatorpay.core.scale.spark import blocks, ranges, records
from tests.cli.cli_support import invoke, run_main
from tests.scale.scale_support import export, month, settle, table_values

if TYPE_CHECKING:
    from pathlib import Path

    import pytest


def test_spark_export_is_byte_identical_to_sqlite_and_local(spark: Any, tmp_path: Path) -> None:
    """NE-BUDGET-01 and WC-COLD-01 exhausted part-way, malformed rows, duplicates and conflicting ids:
    Spark's export, rejects file and counts are settle's and the local driver's."""
    events, people, rules = month(tmp_path / "m")
    sqlite = settle(events, people, "--db", str(tmp_path / "l.sqlite"), rules=rules, rejects=tmp_path / "a.csv")
    local = settle(
        events, people, "--engine", "local", "--ledger", str(tmp_path / "pq"), rules=rules, rejects=tmp_path / "b.csv"
    )
    on_spark = settle(
        events, people, "--engine", "spark", "--ledger", str(tmp_path / "sp"), rules=rules, rejects=tmp_path / "c.csv"
    )
    for result in (sqlite, local, on_spark):
        assert result.exit_code == 0, result.output
    one, three = json.loads(sqlite.output), json.loads(on_spark.output)
    for key in ("rows_read", "settled", "duplicates", "rejected", "conflicts", "units", "statements", "cash"):
        assert one[key] == three[key], key
    assert three["conflicts"] > 0
    assert three["duplicates"] > 0
    assert three["reconciliation"]["counts_balance"]
    assert three["reconciliation"]["cash_balance"]
    for fmt in ("csv", "json"):
        expected = export("--db", str(tmp_path / "l.sqlite"), fmt=fmt)
        assert export("--ledger", str(tmp_path / "sp"), fmt=fmt) == expected
        assert export("--ledger", str(tmp_path / "pq"), fmt=fmt) == expected
    assert (tmp_path / "c.csv").read_bytes() == (tmp_path / "a.csv").read_bytes()
    assert table_values(tmp_path / "sp") == table_values(tmp_path / "pq")  # every table, the events' digests included


def test_late_events_and_a_run_written_again_on_spark(spark: Any, tmp_path: Path) -> None:
    """Late events: Spark's second run reads the first's events index (duplicates and conflicts
    against the ledger, by Spark SQL joins) and writes adjustment statements referencing the
    originals; the export equals the SQLite ledger's after the same two runs. ``--run 2`` again
    rewrites run 2's folder byte for byte, and ``ledger verify`` passes."""
    events, people, rules = month(tmp_path / "m", events=1500, seed=11)
    lines = events.read_text(encoding="utf-8").splitlines(keepends=True)
    first, late = tmp_path / "first.jsonl", tmp_path / "late.jsonl"
    first.write_text("".join(lines[:1200]), encoding="utf-8")
    late.write_text("".join(lines[1000:]), encoding="utf-8")  # 200 rows re-sent
    where = ("--engine", "spark", "--ledger", str(tmp_path / "sp"))
    for part in (first, late):
        assert settle(part, people, "--db", str(tmp_path / "l.sqlite"), rules=rules).exit_code == 0
        result = settle(part, people, *where, rules=rules)
        assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["duplicates"] >= 200
    assert summary["adjustments"] > 0
    assert summary["reconciliation"]["counts_balance"]
    assert export("--ledger", str(tmp_path / "sp")) == export("--db", str(tmp_path / "l.sqlite"))
    ledger = ParquetLedger(tmp_path / "sp")
    originals = {row[3] for row in ledger.table(1, "statements") if row[4] == "original"}
    assert all(row[5] in originals for row in ledger.table(2, "statements") if row[4] == "adjustment")
    before = _bytes(tmp_path / "sp")
    again = settle(late, people, *where, "--run", "2", rules=rules)
    assert again.exit_code == 0, again.output
    assert _bytes(tmp_path / "sp") == before
    assert invoke("ledger", "verify", "--ledger", str(tmp_path / "sp")).exit_code == 0


def _bytes(folder: Path) -> dict[str, str]:
    """Every data file of a ledger's runs, by path, with its SHA-256."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted((folder / "runs").rglob("*"))
        if path.is_file()
    }


def test_spark_options_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--store only with --engine spark; a CSV month on Spark: exit 2 naming the option or file."""
    events, people, _ = month(tmp_path / "m", events=100, fmt="csv")
    base = ("settle", str(events), "--creators", str(people), "--ledger", str(tmp_path / "pq"))
    code, _, err = run_main(capsys, *base, "--engine", "local", "--store", "host=nowhere")
    assert (code, "--store" in err) == (2, True)
    code, _, err = run_main(capsys, *base, "--engine", "spark", "--master", "local[1]")
    assert (code, "JSON Lines" in err, "Traceback" in err) == (2, True, False)


@settings(max_examples=40)
@given(
    st.lists(st.sampled_from([b"{}", b"", b'{"id": "a"}', b"x" * 30, b"\r", "\u00e9".encode()]), max_size=40),
    st.booleans(),
    st.integers(1, 9),
)
def test_ranges_cover_the_file_line_by_line(
    tmp_path_factory: pytest.TempPathFactory, lines: list[bytes], end: bool, parts: int
) -> None:
    """The line-aligned byte ranges Spark's tasks read give every record of the file once, with the
    line numbers RowReader gives it (rejects name their lines)."""
    path = tmp_path_factory.mktemp("r") / "e.jsonl"
    path.write_bytes(b"\n".join(lines) + (b"\n" if end and lines else b""))
    found = [
        record for start, stop, before in ranges(path, parts) for record in records(str(path), start, stop, before)
    ]
    with RowReader(path) as reader:
        assert found == list(reader.records())


@settings(max_examples=40)
@given(
    st.lists(st.sampled_from([b"{}", b"", b'{"id": "a"}', b"x" * 30, b"\r", "\u00e9".encode()]), max_size=40),
    st.booleans(),
    st.integers(1, 9),
    st.integers(1, 64),
)
def test_blocks_cover_the_ranges_line_by_line(
    tmp_path_factory: pytest.TempPathFactory, lines: list[bytes], end: bool, parts: int, size: int
) -> None:
    """The blocks of whole lines a task checks on Arrow columns (issue 19) hold every line of its range once,
    the lines before each block counted as RowReader numbers them."""
    path = tmp_path_factory.mktemp("b") / "e.jsonl"
    path.write_bytes(b"\n".join(lines) + (b"\n" if end and lines else b""))
    found: list[tuple[int, bytes | str]] = []
    for start, stop, before in ranges(path, parts):
        for first, last, counted, data in blocks(str(path), start, stop, before, size):
            assert data is not None and last - first == len(data)
            found += [(counted + i + 1, line) for i, line in enumerate(re.findall(rb"[^\n]*\n|[^\n]+\Z", data))]
    with RowReader(path) as reader:
        assert found == [(n, r) for n, r in reader.records()]


def test_importing_the_core_never_imports_pyspark() -> None:
    code = "import sys, creatorpay.core, creatorpay.core.cli; assert 'pyspark' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
