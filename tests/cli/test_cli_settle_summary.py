"""``settle``'s summary in one number format with its units named, progress in bytes with a unit, and
no rejects file when nothing was rejected (issue 17; docs/batch.md)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from decimal import Decimal

from rich.console import Console
from rich.progress import Progress

from creatorpay.core.cli.settle import _count_column
from creatorpay.core.money import grouped
from tests.cli.test_cli_narrow import SCRIPT
from tests.helpers import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from typing import TYPE_CHECKING

from generate_month import generate

if TYPE_CHECKING:
    from pathlib import Path

HEADER = "file,line,id,reason\n"


def settle(events: Path, people: Path, db: Path, *args: str) -> str:
    done = subprocess.run(
        [*SCRIPT, "settle", str(events), "--creators", str(people), "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=events.parent,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_one_number_format_and_named_units(tmp_path: Path) -> None:
    """CORE-INPUT-01 rejects the malformed rows; the summary groups every count and money figure."""
    events, people = generate(tmp_path / "month", events=1500, creators=120, seed=5, malformed=3, duplicates=2)
    text = settle(events, people, tmp_path / "a.sqlite")
    data = json.loads(settle(events, people, tmp_path / "b.sqlite", "--format", "json"))
    without_paths = text.replace(str(events.with_suffix(".rejects.csv")), "FILE")
    assert not re.search(r"(?<![\d,.])\d{4,}", without_paths), text  # no ungrouped count or amount
    assert f"{data['rows_read']:,} read = {data['settled']:,} settled" in text
    for platform, cash in data["cash"].items():
        figures = [grouped(Decimal(cash[key])) for key in ("cash_in", "deductions", "paid_out")]
        assert re.search(rf"{platform} +{figures[0]} = +{figures[1]} \+ +{figures[2]}  ok", text), text
    assert "cash per platform in CNY" in text
    assert f"rejects: {data['rejected'] + data['profiles_rejected']} rows in FILE" in without_paths
    assert re.fullmatch(r"[\d,]+\.\d seconds(, [\d,]+ events/s)?", text.splitlines()[-1]), text


def test_no_rejects_file_when_nothing_was_rejected(tmp_path: Path) -> None:
    events, people = generate(tmp_path / "month", events=400, creators=40, seed=6)
    target = events.with_suffix(".rejects.csv")
    text = settle(events, people, tmp_path / "l.sqlite")
    assert not target.exists()
    assert "no rows rejected" in text and "rejects:" not in text
    data = json.loads(settle(events, people, tmp_path / "l.sqlite", "--format", "json"))  # all duplicates
    assert data["rejects_file"] is None and data["stale_rejects_removed"] is None and not target.exists()


def test_an_earlier_runs_rejects_file_is_removed_as_stale_any_other_file_kept(tmp_path: Path) -> None:
    events, people = generate(tmp_path / "month", events=400, creators=40, seed=7)
    target = events.with_suffix(".rejects.csv")
    target.write_text(HEADER + f"{events},3,e3,not JSON\n", encoding="utf-8")  # fixed since
    text = settle(events, people, tmp_path / "l.sqlite")
    assert not target.exists()
    assert f"no rows rejected (removed {target.name}, an earlier run's rejects file)" in text.replace(
        str(target), target.name
    )
    mine = tmp_path / "notes.csv"
    mine.write_text("a file of mine\n", encoding="utf-8")
    text = settle(events, people, tmp_path / "l.sqlite", "--rejects", str(mine))
    assert mine.read_text(encoding="utf-8") == "a file of mine\n" and "no rows rejected" in text


def test_rejected_rows_still_replace_the_file(tmp_path: Path) -> None:
    events, people = generate(tmp_path / "month", events=400, creators=40, seed=8, malformed=2)
    target = events.with_suffix(".rejects.csv")
    target.write_text(HEADER + "old,1,x,old reason\n", encoding="utf-8")
    settle(events, people, tmp_path / "l.sqlite", "--progress")
    rows = target.read_text(encoding="utf-8").splitlines()
    assert rows[0] == HEADER.strip() and len(rows) == 3 and "old reason" not in target.read_text(encoding="utf-8")


def test_progress_counts_bytes_with_a_unit_and_units_by_name() -> None:
    column = _count_column()
    progress = Progress(column, console=Console(file=io.StringIO(), width=100))
    reading = progress.add_task("events", total=5_000_000, completed=1_200_000, unit="bytes")
    settling = progress.add_task("settling", total=302, completed=120, unit="units")
    assert column.render(progress.tasks[reading]).plain == "1.2/5.0 MB"
    assert column.render(progress.tasks[settling]).plain == "120/302 units"


def test_quiet_prints_no_summary_but_keeps_the_json_document(tmp_path: Path) -> None:
    """-q: only errors and the document itself (issue 17): the text summary goes, --format json stays,
    and a failed reconciliation would still be an error."""
    events, people = generate(tmp_path / "month", events=200, creators=20, seed=7, malformed=1, duplicates=1)
    assert settle(events, people, tmp_path / "q.sqlite", "-q") == ""
    data = json.loads(settle(events, people, tmp_path / "j.sqlite", "-q", "--format", "json"))
    assert data["reconciliation"]["counts_balance"]


def test_events_or_creators_from_standard_input(tmp_path: Path) -> None:
    """`-` reads standard input wherever a file is read (issue 17): settle's EVENTS or --creators, JSON
    Lines by default or CSV with --stdin-format; the rejects file names the input `-`; both at once is
    bad input (exit 2)."""
    events, people = generate(tmp_path / "month", events=300, creators=30, seed=9, malformed=2, duplicates=0)
    piped = subprocess.run(
        [*SCRIPT, "settle", "-", "--creators", str(people), "--db", str(tmp_path / "a.sqlite"), "--format", "json"],
        input=events.read_bytes(),
        capture_output=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert piped.returncode == 0, piped.stderr
    data = json.loads(piped.stdout)
    from_file = json.loads(settle(events, people, tmp_path / "b.sqlite", "--format", "json"))
    assert (data["rows_read"], data["settled"], data["rejected"]) == (
        from_file["rows_read"],
        from_file["settled"],
        from_file["rejected"],
    )
    assert data["rejects_file"] == "stdin.rejects.csv"
    rejected = (tmp_path / "stdin.rejects.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert rejected and all(line.startswith("-,") for line in rejected)
    csv_people = tmp_path / "people.csv"
    csv_people.write_text("id,followers\nc1,5000\n", encoding="utf-8")
    both = subprocess.run(
        [*SCRIPT, "settle", "-", "--creators", "-", "--db", str(tmp_path / "c.sqlite")],
        input=b"",
        capture_output=True,
        timeout=60,
        cwd=tmp_path,
        check=False,
    )
    assert both.returncode == 2 and b"cannot both be -" in both.stderr
    creators_csv = subprocess.run(
        [
            *SCRIPT,
            "settle",
            str(events),
            "--creators",
            "-",
            "--stdin-format",
            "csv",
            "--db",
            str(tmp_path / "d.sqlite"),
        ],
        input=csv_people.read_bytes(),
        capture_output=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert creators_csv.returncode == 0, creators_csv.stderr
