"""Batch settlement: bad rows rejected with line and reason while the rest settle, months settled
on their totals whatever the order of the events, CSV and JSON Lines alike, the reconciliation,
and the commands' exit codes."""

from __future__ import annotations

import csv
import json
import random
import sys
from pathlib import Path

from tests.ledger.ledger_support import BENCH, cli, creators, dump, programs, settle, tips, write_jsonl

sys.path.insert(0, str(BENCH))
from generate_month import generate


def test_a_malformed_row_mid_file_is_rejected_and_the_rest_settle(tmp_path: Path) -> None:
    people = creators(tmp_path / "creators.jsonl")
    events = write_jsonl(
        tmp_path / "events.jsonl",
        [
            tips("e1", yuan="10.00"),
            '{"id": "e2", "platform": "wechat_channels"',  # line 2: not JSON
            tips("e3", yuan="-5.00"),  # line 3: CORE-INPUT-01
            tips("e4", yuan="1.00") | {"platform": "douyin"},  # line 4: no such platform
            tips("e5", yuan="1.00", stars=3),  # line 5: not a field of tips
            "[1, 2]",  # line 6: not an object
            tips("e7", "ghost", yuan="1.00"),  # line 7: no profile for the creator
            tips("e8", date="2026-09-30", yuan="1.00"),  # line 8: outside --period
            tips("e9", "c2", beans_ios=700),
        ],
    )
    summary, rejects = settle(tmp_path, events, people)
    reasons = {int(row[1]): row[3] for row in rejects}
    assert sorted(reasons) == [2, 3, 4, 5, 6, 7, 8]
    assert "not valid JSON" in reasons[2]
    assert "yuan: expected an amount" in reasons[3]
    assert "unknown platform 'douyin'" in reasons[4]
    assert "stars: not a field of kind tips" in reasons[5]
    assert "expected a JSON object" in reasons[6]
    assert "no profile" in reasons[7] and "wechat_channels/ghost/2026-10" in reasons[7]
    assert "outside the period 2026-10" in reasons[8]
    assert (summary.rows_read, summary.settled, summary.rejected, summary.statements) == (9, 2, 7, 2)
    assert summary.balanced


def test_the_month_is_settled_on_its_totals_whatever_the_order(tmp_path: Path) -> None:
    """WC-TIP-03: the threshold applies to the month's total tips, not event by event; the same
    events in another order give the same ledger, to the statement ids."""
    people = creators(tmp_path / "creators.jsonl")
    pick = random.Random(1)
    rows = [
        tips(f"e{i}", pick.choice(["c1", "c2"]), date=f"2026-10-{1 + i % 28:02d}", yuan="900.00") for i in range(12)
    ] + [programs(f"p{i}", plays="700.00") for i in range(4)]
    write_jsonl(tmp_path / "a.jsonl", rows)
    random.Random(3).shuffle(rows)
    write_jsonl(tmp_path / "b.jsonl", rows)
    settle(tmp_path, tmp_path / "a.jsonl", people, db="a.sqlite")
    settle(tmp_path, tmp_path / "b.jsonl", people, db="b.sqlite")
    assert dump(tmp_path / "a.sqlite") == dump(tmp_path / "b.sqlite")
    commissions = [r for r in dump(tmp_path / "a.sqlite")["lines"] if r[2] == "WC-TIP-02"]
    assert commissions  # at least one creator's month passed 5,000.00 with 900.00 tips each


def test_csv_and_json_lines_settle_alike(tmp_path: Path) -> None:
    for fmt in ("jsonl", "csv"):
        generate(tmp_path / fmt, events=400, creators=40, fmt=fmt, seed=11)
        settle(tmp_path, tmp_path / fmt / f"events.{fmt}", tmp_path / fmt / f"creators.{fmt}", db=f"{fmt}.sqlite")
    jsonl, csv_ = dump(tmp_path / "jsonl.sqlite"), dump(tmp_path / "csv.sqlite")
    assert jsonl["statements"] and jsonl["lines"] == csv_["lines"] and jsonl["statements"] == csv_["statements"]


def test_reconciliation_holds_on_a_generated_month(tmp_path: Path) -> None:
    """rows read = settled + duplicates + rejected; per platform cash in = deductions + paid out."""
    events, people = generate(tmp_path, events=3000, creators=300, malformed=6, duplicates=9, seed=5)
    summary, rejects = settle(tmp_path, events, people)
    assert summary.rows_read == 3009
    assert (summary.duplicates, summary.rejected) == (9, 6) and len(rejects) == 6
    assert summary.settled == 2994 and summary.counts_balance
    assert set(summary.cash) == {"netease", "wechat_channels", "xingtu"}
    for platform, cash in summary.cash.items():
        assert cash["balanced"], platform
        assert float(cash["cash_in"]) > 0
    exported = cli(
        "ledger", "export", "--db", str(tmp_path / "ledger.sqlite"), "--period", "2026-10", "--format", "json"
    )
    totals = json.loads(exported.stdout)["totals"]
    assert len(totals) == summary.statements
    assert sum(row["events"] for row in totals) == summary.settled


def test_settle_command_exit_codes_and_outputs(tmp_path: Path) -> None:
    people = creators(tmp_path / "creators.jsonl")
    events = write_jsonl(tmp_path / "events.jsonl", [tips("e1", yuan="10.00"), "oops", tips("e3", "c2", yuan="5")])
    db = str(tmp_path / "ledger.sqlite")
    done = cli("settle", str(events), "--creators", str(people), "--db", db, "--period", "2026-10")
    assert done.returncode == 0, done.stderr
    assert "3 read = 2 settled + 0 duplicates + 1 rejected" in done.stdout
    with (tmp_path / "events.rejects.csv").open(encoding="utf-8", newline="") as handle:
        assert [row[1] for row in csv.reader(handle)] == ["line", "2"]
    exported = cli("ledger", "export", "--db", db, "--period", "2026-10", "--format", "csv")
    assert exported.returncode == 0
    assert next(csv.DictReader(exported.stdout.splitlines()))["net"] == "10.00"
    shown = cli("ledger", "show", "--db", db, "--platform", "wechat_channels", "--creator", "c2", "--period", "2026-10")
    assert json.loads(shown.stdout)[0]["lines"][0]["value"] == "5.00"

    header = tmp_path / "bad.csv"
    header.write_text("id,platform,date\ne1,netease,2026-10-01\n", encoding="utf-8")
    for args, message in (
        ([str(tmp_path / "missing.jsonl")], "no such file"),
        ([str(header)], "missing required columns: creator, kind"),
        ([str(events), "--period", "2026-13"], "--period"),
        ([str(tmp_path / "events.txt")], "no such file"),
    ):
        done = cli("settle", *args, "--creators", str(people), "--db", db)
        assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
    (tmp_path / "events.xml").write_text("<events/>", encoding="utf-8")
    done = cli("settle", str(tmp_path / "events.xml"), "--creators", str(people), "--db", db)
    assert done.returncode == 2 and "unknown file format" in done.stderr
    assert cli("ledger", "export", "--db", str(tmp_path / "none.sqlite")).returncode == 2

    (tmp_path / "folder.sqlite").mkdir()
    done = cli("settle", str(events), "--creators", str(people), "--db", str(tmp_path / "folder.sqlite"))
    assert done.returncode == 2 and "is not a creatorpay ledger" in done.stderr
