"""Settling with worker processes writes the ledger a serial run writes, to the byte: the workers'
store answers are checked in unit order (NE-BUDGET-01's shared budget running out included), a
worker answer that differs is settled again, and a run killed with its workers and run again equals
a clean run."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from creatorpay.core import Engine
from creatorpay.core.batch import Batch, Summary
from creatorpay.core.batch import run as batch_run
from creatorpay.core.batch.ledger import PendingPart, Unit
from creatorpay.core.batch.workers import WORKERS_ENV, Job, Outcome
from creatorpay.core.sqlite_store import SQLiteStore, StoreBuffer
from tests.ledger.ledger_support import (
    BENCH,
    CLI,
    ROOT,
    dump,
    programs,
    race_two_settles_on_one_budget,
    settle,
    settle_args,
    write_jsonl,
)

sys.path.insert(0, str(BENCH))
from generate_month import generate

#: NE-BUDGET-01's program-year cash set low, so that the budget runs out during the month.
SCARCE = Engine(rules={"netease": {"NE-BUDGET-01": {"later_cash": "150000.00"}}})


def _late_file(path: Path, first: Path) -> Path:
    """Late events for the month of ``first``: new ids for the same creators, a repeated id with
    other content (a conflict), exact repeats (duplicates)."""
    rows = [json.loads(line) for line in first.read_text(encoding="utf-8").splitlines()]
    rng = random.Random(4)
    late = [dict(row, id=f"late-{row['id']}") for row in rng.sample(rows, 300)]
    late += [*rng.sample(rows, 20), dict(rows[0], date="2026-10-31")]
    return write_jsonl(path, late)


def _serial_and_with_workers(tmp_path: Path) -> dict[int, tuple[dict[str, list[tuple[Any, ...]]], list[str]]]:
    """A generated month, then its late events twice, settled with no worker and with two: each run's
    ledger dump and rejects files, asserted equal, by number of workers."""
    events, people = generate(tmp_path / "month", events=6000, creators=600, seed=13, malformed=5, duplicates=5)
    late = _late_file(tmp_path / "late.jsonl", events)
    found = {}
    for workers in (0, 2):
        db = f"w{workers}.sqlite"
        rejects = []
        for source in (events, late, late):
            summary = _settle(tmp_path, source, people, db, workers)
            assert summary.balanced and summary.workers == 1 + workers and summary.resettled == 0
            rejects.append((tmp_path / "rejects.csv").read_text(encoding="utf-8"))
        found[workers] = dump(tmp_path / db), rejects
    assert found[0] == found[2]
    return found


def test_workers_write_the_ledger_a_serial_run_writes(tmp_path: Path) -> None:
    """NE-BUDGET-01: the shared cash budget runs out part-way through the month, so every NetEase
    statement depends on the ones before it in unit order; WC-COLD-01's pool likewise."""
    found = _serial_and_with_workers(tmp_path)
    budget = found[2][0]["budgets"]
    assert any(Decimal(remaining) == 0 for key, _, remaining in budget if key.startswith("netease:cash"))
    assert any(kind == "adjustment" for kind in (row[4] for row in found[2][0]["statements"]))


def test_pending_events_copied_in_two_parts_settle_as_serially(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pending events copied in two parts by creator, the second by a thread while the workers
    settle the first (docs/performance.md): the ledger and rejects a serial run writes, with
    NE-BUDGET-01's shared budget running out and late events (adjustments)."""
    monkeypatch.setattr(batch_run, "SPLIT_EVENTS", 1)
    monkeypatch.setattr(batch_run, "SAMPLE_EVERY", 7)
    splits: list[str] = []

    def part(path: str, month: str | None, first: str, cache_kib: int) -> PendingPart:
        splits.append(first)
        return PendingPart(path, month, first, cache_kib)

    monkeypatch.setattr(batch_run, "PendingPart", part)
    found = _serial_and_with_workers(tmp_path)
    assert len(splits) == 2  # the month and the first late file (the second stages nothing new)
    assert any(kind == "adjustment" for kind in (row[4] for row in found[2][0]["statements"]))


def _settle(tmp: Path, events: Path, people: Path, db: str, workers: int) -> Summary:
    rejects = tmp / "rejects.csv"
    with SQLiteStore(tmp / db) as store, rejects.open("w", encoding="utf-8", newline="") as out:
        return Batch(store, engine=SCARCE, rejects=out, workers=workers, settle_chunk=700).run(events, people)


def test_csv_with_workers_settles_as_serially(tmp_path: Path) -> None:
    events, people = generate(tmp_path / "month", events=1500, creators=150, seed=17, fmt="csv", malformed=3)
    dumps = []
    for workers in (0, 3):
        with SQLiteStore(tmp_path / f"{workers}.sqlite") as store:
            summary = Batch(store, workers=workers).run(events, people)
        assert summary.balanced and summary.rejected == 3
        dumps.append(dump(tmp_path / f"{workers}.sqlite"))
    assert dumps[0] == dumps[1]


def test_a_worker_answer_that_differs_is_settled_again_here(tmp_path: Path) -> None:
    """The main process makes a worker's store calls again; when one answers otherwise (here: the
    worker saw a budget another process had drawn from), the unit is settled again against the
    store as it is, and the run goes on serially."""
    people = write_jsonl(tmp_path / "creators.jsonl", [{"id": "n1", "followers": 10, "quality": True}])
    events = write_jsonl(tmp_path / "events.jsonl", [programs("e1", "n1", plays="100.00")])
    with SQLiteStore(tmp_path / "l.sqlite") as store:
        batch = Batch(store, workers=2)
        batch.run(events, people)
        unit = Unit("netease", "n1", "2026-11")
        job = Job(
            unit,
            [("e9", "2026-11-05", "programs", '{"plays":"100.00"}')],
            ["e9"],
            store.connection.execute("SELECT profile FROM creators").fetchone()[0],
            None,
            None,
            [],
        )
        seen = StoreBuffer(store.connection)  # what a worker saw
        seen.draw("netease:cash:2025-12-25", Decimal("2000000000.00") - Decimal("5.00"), Decimal("2000000000.00"))
        seen.keep()
        stale = batch._settler.settle(job, seen)
        here = StoreBuffer(store.connection)
        redone = batch._confirm(job, stale, here)
        again = batch._settler.settle(job, StoreBuffer(store.connection))
    assert isinstance(stale, Outcome) and stale.rows is not None and redone.rows is not None
    assert stale.rows.net != redone.rows.net  # the worker paid 5.00, the budget has 10,000.00
    assert redone.rows == again.rows and batch._diverged and batch._resettled == 1


def _command(events: Path, people: Path, db: Path) -> list[str]:
    rejects = str(db.with_suffix(".rejects.csv"))
    return [*CLI, *settle_args(events, people, db, "--chunk", "40", "--stage-chunk", "500", "--rejects", rejects)]


def test_kill_9_with_workers_then_rerun_equals_a_clean_run(tmp_path: Path) -> None:
    """The main process killed at random moments (its workers end with it), then the same command
    again: the ledger a clean serial run writes."""
    events, people = generate(tmp_path / "month", events=4000, creators=400, seed=23, malformed=3, duplicates=3)
    clean = tmp_path / "clean.sqlite"
    began = time.perf_counter()
    done = subprocess.run(
        _command(events, people, clean),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**_env(), WORKERS_ENV: "0"},
    )
    took = time.perf_counter() - began
    assert done.returncode == 0, done.stderr
    expected = dump(clean)
    rng = random.Random(7)
    for attempt, fraction in enumerate((0.5, 0.8)):
        db = tmp_path / f"crash{attempt}.sqlite"
        child = subprocess.Popen(
            _command(events, people, db),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**_env(), WORKERS_ENV: "2"},
        )
        time.sleep(took * fraction * rng.uniform(0.8, 1.1))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
        done = subprocess.run(
            _command(events, people, db),
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
            env={**_env(), WORKERS_ENV: "2"},
        )
        assert done.returncode == 0, done.stderr
        assert dump(db) == expected, f"attempt {attempt}: the ledger differs from the clean run's"
        assert json.loads(done.stdout)["reconciliation"]["cash_balance"]


def test_two_settle_processes_with_workers_share_one_budget(tmp_path: Path) -> None:
    """NE-BUDGET-01 with two concurrent runs, each with workers: each sees the other's commits and
    goes on serially; together they pay out exactly the budget."""
    db = race_two_settles_on_one_budget(tmp_path, {**_env(), WORKERS_ENV: "2"})
    conn = SQLiteStore(db).connection
    paid = conn.execute(
        "SELECT sum(value) FROM lines WHERE payer = 'netease' AND kind IN ('program_income', 'top_up')"
    ).fetchone()[0]
    assert paid == 2_500_000
    assert Decimal(conn.execute("SELECT remaining FROM budgets").fetchone()[0]) == 0


def _env() -> dict[str, str]:
    return dict(os.environ)


def test_settle_helper_runs_serially_by_default_on_small_months(tmp_path: Path) -> None:
    people = write_jsonl(tmp_path / "creators.jsonl", [{"id": "n1", "followers": 10}])
    summary, _ = settle(tmp_path, write_jsonl(tmp_path / "e.jsonl", [programs("e1", "n1", plays="1.00")]), people)
    assert summary.workers == 1


def test_workers_run_at_the_main_process_priority(tmp_path: Path) -> None:
    """The workers keep the main process's priority: on a host shared with other work, lowered
    ones got a tenth of a core's share each and the run waited for them (docs/performance.md)."""
    from creatorpay.core.batch.workers import Settler, Workers

    with SQLiteStore(tmp_path / "ledger.sqlite") as store:
        path = store.path
    pool = Workers.start(2, platforms=3, path=path, settler=Settler(Engine()), size=0)
    assert pool is not None
    try:
        for lane in range(len(pool)):
            pool.post(lane, ("profiles", [], ("id",), False, 1))
            assert pool.fetch(lane) == ([], [], 0)  # answered: past its start, where it set its priority
        mine = os.getpriority(os.PRIO_PROCESS, 0)
        assert [os.getpriority(os.PRIO_PROCESS, p.pid or 0) for p in pool._processes] == [mine, mine]
    finally:
        pool.stop()


def test_a_worker_goes_on_while_its_answers_wait_to_be_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker computes the pieces already sent to it while the main process is busy elsewhere (a
    commit) and has not read its answers, each larger than a pipe holds: the answers wait in the
    worker, not the worker (docs/performance.md, the sixth batch try)."""
    from creatorpay.core.batch import workers
    from creatorpay.core.batch.workers import Settler, Workers

    marker = tmp_path / "fourth piece computed"
    big = "x" * 1_000_000

    def piece(number: int, *, schema: Any) -> list[Any]:
        if number == 3:
            marker.touch()
        return [number, big]

    monkeypatch.setitem(workers.PARSERS, "probe", piece)  # the workers are forked with it
    with SQLiteStore(tmp_path / "ledger.sqlite") as store:
        path = store.path
    pool = Workers.start(2, platforms=3, path=path, settler=Settler(Engine()), size=0)
    assert pool is not None
    try:
        for number in range(4):
            pool.post(0, ("probe", number))
        deadline = time.monotonic() + 20
        while not marker.exists():  # no answer read yet
            assert time.monotonic() < deadline, "the worker waited for its first answer to be read"
            time.sleep(0.01)
        assert [pool.fetch(0) for _ in range(4)] == [[number, big] for number in range(4)]
    finally:
        pool.stop()
