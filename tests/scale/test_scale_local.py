"""The local driver against ``creatorpay settle``: the same export to the byte on generated months
with malformed rows, re-sent duplicates, conflicting ids and both shared budgets (NE-BUDGET-01,
WC-COLD-01) running out part-way; the reconciliation holds; late events; re-runs; the registry."""

from __future__ import annotations

import hashlib
import json
import subprocess
from typing import TYPE_CHECKING

import pytest

from creatorpay.core import Engine
from creatorpay.core.scale.local import LocalDriver
from creatorpay.core.scale.parquet import ParquetLedger, write_run
from creatorpay.core.scale.shared import State
from tests.cli.cli_support import run_main
from tests.helpers import ROOT
from tests.ledger.ledger_support import CLI
from tests.scale.scale_support import export, month, settle

if TYPE_CHECKING:
    from pathlib import Path


def _bytes(folder: Path) -> dict[str, str]:
    """Every data file of a ledger's runs, by path, with its SHA-256."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted((folder / "runs").rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_local_export_is_byte_identical_to_sqlite(tmp_path: Path, fmt: str) -> None:
    """NE-BUDGET-01 and WC-COLD-01 exhausted part-way: the statements depend on unit order, and the
    local driver's chain (or serial lane) gives the serial run's, so the exports match to the byte;
    so do the rejects files (malformed rows, conflicting ids) and the summaries' counts."""
    events, people, rules = month(tmp_path / "m", fmt=fmt, seed=5 if fmt == "jsonl" else 9)
    sqlite = settle(events, people, "--db", str(tmp_path / "l.sqlite"), rules=rules, rejects=tmp_path / "a.csv")
    local = settle(
        events, people, "--engine", "local", "--ledger", str(tmp_path / "pq"), rules=rules, rejects=tmp_path / "b.csv"
    )
    assert sqlite.exit_code == 0, sqlite.output
    assert local.exit_code == 0, local.output
    one, two = json.loads(sqlite.output), json.loads(local.output)
    for key in ("rows_read", "settled", "duplicates", "rejected", "conflicts", "units", "statements", "cash"):
        assert one[key] == two[key], key
    assert two["conflicts"] > 0
    assert two["duplicates"] > 0
    assert two["reconciliation"]["counts_balance"]
    assert two["reconciliation"]["cash_balance"]
    for fmt_ in ("csv", "json"):
        assert export("--ledger", str(tmp_path / "pq"), fmt=fmt_) == export(
            "--db", str(tmp_path / "l.sqlite"), fmt=fmt_
        )
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    state = ParquetLedger(tmp_path / "pq").state([1])
    assert {key: left for key, _, left in state.budgets} == {
        "netease:cash:2025-12-25": "0.00",
        "wechat_channels:WC-COLD-01:pool": "0",
    }  # both ran out ...
    paid = [d for d in state.draws if d[1].startswith("netease")]
    assert len(paid) > 10  # ... part-way: many units drew before it did


def test_shared_budgets_are_chained_not_serial(tmp_path: Path) -> None:
    """The built-in plugins keep the contract (deterministic given the store's answers; a draw pays
    min(amount, left)): both shared keys resolve by their chain, no unit is settled again."""
    events, people, rules = month(tmp_path / "m")
    driver = LocalDriver(ParquetLedger(tmp_path / "pq"), engine=Engine(rules=rules))
    summary = driver.run(events, people)
    assert driver.chained == ["netease:cash:2025-12-25", "wechat_channels:WC-COLD-01:pool"]
    assert driver.serial == []
    assert summary.resettled == 0
    assert summary.balanced


def test_late_events_make_an_adjusting_run(tmp_path: Path) -> None:
    """Late events: a second run whose adjustment statements reference the originals; the export
    equals the SQLite ledger's after the same two runs, and (budgets not exhausted) one run's totals."""
    events, people, _ = month(tmp_path / "m")
    lines = events.read_text(encoding="utf-8").splitlines(keepends=True)
    first, late = tmp_path / "first.jsonl", tmp_path / "late.jsonl"
    first.write_text("".join(lines[:2700]), encoding="utf-8")
    late.write_text("".join(lines[2700:]), encoding="utf-8")
    for part in (first, late):
        assert settle(part, people, "--db", str(tmp_path / "two.sqlite")).exit_code == 0
        assert settle(part, people, "--engine", "local", "--ledger", str(tmp_path / "pq")).exit_code == 0
    assert settle(events, people, "--db", str(tmp_path / "one.sqlite")).exit_code == 0
    two_runs = export("--ledger", str(tmp_path / "pq"))
    assert two_runs == export("--db", str(tmp_path / "two.sqlite"))
    ledger = ParquetLedger(tmp_path / "pq")
    adjustments = [row for row in ledger.table(2, "statements") if row[4] == "adjustment"]
    originals = {row[3] for row in ledger.table(1, "statements") if row[4] == "original"}
    assert adjustments
    assert all(row[5] in originals for row in adjustments)

    def totals(text: str) -> dict[tuple[str, ...], tuple[str, ...]]:
        rows = [line.split(",") for line in text.splitlines()[1:]]
        return {tuple(r[:3]): (r[5], *r[6:]) for r in rows}  # events, the totals by kind, net

    assert totals(two_runs) == totals(export("--db", str(tmp_path / "one.sqlite")))


def test_running_a_run_again_writes_the_same_bytes(tmp_path: Path) -> None:
    """--run N again: the run reads only the runs before it and rewrites its folder byte for byte."""
    events, people, rules = month(tmp_path / "m", events=1200)
    where = ("--engine", "local", "--ledger", str(tmp_path / "pq"))
    assert settle(events, people, *where, rules=rules).exit_code == 0
    before = _bytes(tmp_path / "pq")
    again = settle(events, people, *where, "--run", "1", rules=rules)
    assert again.exit_code == 0, again.output
    assert _bytes(tmp_path / "pq") == before
    assert json.loads(again.output)["duplicates"] == 12  # read against run 1's predecessors: none
    assert ParquetLedger(tmp_path / "pq").committed() == [1]


def test_readers_read_committed_runs_only(tmp_path: Path) -> None:
    """A run's folder written but never committed (a driver that died before the registry's commit)
    is not read: export and verify see the committed runs alone."""
    events, people, _ = month(tmp_path / "m", events=600)
    folder = tmp_path / "pq"
    assert settle(events, people, "--engine", "local", "--ledger", str(folder)).exit_code == 0
    exported = export("--ledger", str(folder))
    ledger = ParquetLedger(folder)
    copied = {table: ledger.table(1, table) for table in ("statements", "lines", "events")}
    statements = [(*row[:3], row[3] + 1000, *row[4:]) for row in copied["statements"]]
    write_run(folder, 2, {"statements": statements})  # no commit
    assert export("--ledger", str(folder)) == exported
    assert ParquetLedger(folder).committed() == [1]


def test_verify_finds_a_changed_statement(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A statement's net changed in its Parquet file: its digest no longer matches; verify exits 1
    naming it, and export refuses to export."""
    events, people, _ = month(tmp_path / "m", events=600)
    folder = tmp_path / "pq"
    assert settle(events, people, "--engine", "local", "--ledger", str(folder)).exit_code == 0
    assert run_main(capsys, "ledger", "verify", "--ledger", str(folder))[0] == 0
    rows = ParquetLedger(folder).table(1, "statements")
    changed = [(*rows[0][:7], rows[0][7] + 100, *rows[0][8:]), *rows[1:]]
    tables = {t: ParquetLedger(folder).table(1, t) for t in ("events", "lines", "creators", "rejects")}
    write_run(folder, 1, {**tables, "statements": changed})
    code, _, err = run_main(capsys, "ledger", "verify", "--ledger", str(folder))
    assert code == 1
    assert f"statement {rows[0][3]} " in err
    assert "digest does not match" in err
    assert run_main(capsys, "ledger", "export", "--ledger", str(folder))[0] == 1


def test_engine_options_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The ledger options must fit --engine: exit 2 naming the option, nothing written."""
    events, people, _ = month(tmp_path / "m", events=100)
    base = ("settle", str(events), "--creators", str(people))
    code, _, err = run_main(capsys, *base, "--engine", "local")
    assert (code, "--ledger" in err) == (2, True)
    code, _, err = run_main(capsys, *base)
    assert (code, "--db" in err) == (2, True)
    code, _, err = run_main(capsys, *base, "--engine", "local", "--ledger", str(tmp_path / "pq"), "--db", "x.sqlite")
    assert (code, "--db" in err) == (2, True)
    code, _, err = run_main(capsys, *base, "--db", str(tmp_path / "l.sqlite"), "--ledger", str(tmp_path / "pq"))
    assert (code, "--ledger" in err) == (2, True)
    code, _, err = run_main(capsys, "ledger", "export", "--ledger", str(tmp_path / "nothing"))
    assert (code, "no Parquet ledger" in err) == (2, True)
    assert not (tmp_path / "pq").exists()


def test_a_run_committed_meanwhile_is_read_before_publishing(tmp_path: Path) -> None:
    """Optimistic publishing: another driver commits a run of the same events while this one
    settles; this one's commit is refused, it settles again on top of it (every event a duplicate),
    and the ledger holds the statements of one run, as after two runs one after the other."""
    events, people, rules = month(tmp_path / "m", events=600)

    class Overtaken(ParquetLedger):
        overtaken = False

        def begin(self, run: int) -> list[int]:
            before = super().begin(run)
            if not self.overtaken:
                self.overtaken = True
                LocalDriver(ParquetLedger(self.folder), engine=Engine(rules=rules)).run(events, people)
            return before

    ledger = Overtaken(tmp_path / "pq")
    summary = LocalDriver(ledger, engine=Engine(rules=rules)).run(events, people)
    assert summary.statements == 0
    assert summary.duplicates == summary.rows_read - summary.rejected  # all settled by the other run
    assert ParquetLedger(tmp_path / "pq").committed() == [2, 1]
    assert settle(events, people, "--db", str(tmp_path / "l.sqlite"), rules=rules).exit_code == 0
    assert export("--ledger", str(tmp_path / "pq")) == export("--db", str(tmp_path / "l.sqlite"))


def test_two_drivers_at_once_end_as_one_run(tmp_path: Path) -> None:
    """Two ``settle --engine local`` processes on one ledger at the same moment: two run ids, the
    events settled once (whichever commits second finds them settled), the export a serial run's."""
    events, people, rules = month(tmp_path / "m", events=800)
    folder = tmp_path / "pq"
    argv = [*CLI, "settle", str(events), "--creators", str(people), "--engine", "local", "--ledger", str(folder)]
    argv += ["--rules", str(rules), "-q"]
    racers = [
        subprocess.Popen([*argv, "--rejects", str(tmp_path / f"r{i}.csv")], cwd=ROOT, stderr=subprocess.PIPE)
        for i in range(2)
    ]
    for racer in racers:
        _, err = racer.communicate(timeout=300)
        assert racer.returncode == 0, err
    assert sorted(ParquetLedger(folder).committed()) == [1, 2]
    assert settle(events, people, "--db", str(tmp_path / "l.sqlite"), rules=rules).exit_code == 0
    assert export("--ledger", str(folder)) == export("--db", str(tmp_path / "l.sqlite"))


def test_worker_processes_settle_the_first_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With worker processes settling each unit the first time (step 1), the run is the same: the
    statements, the store's state and the rejects of a run in one process."""
    from creatorpay.core.scale import local

    monkeypatch.setattr(local, "PARALLEL_UNITS", 0)
    monkeypatch.setattr(local, "UNIT_PIECE", 50)
    events, people, rules = month(tmp_path / "m", events=1500)
    found = []
    for workers in (1, 2):
        folder = tmp_path / f"w{workers}"
        driver = LocalDriver(ParquetLedger(folder), engine=Engine(rules=rules), workers=workers)
        assert (driver._first(State.empty()) is None) == (workers == 1)
        assert driver.run(events, people).balanced
        found.append(_bytes(folder))
    assert found[0] == found[1]
