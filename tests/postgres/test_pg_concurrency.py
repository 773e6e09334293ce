"""Processes racing on one PostgreSQL (multiprocessing, spawn): XT-CC-06's last slots are never
over-granted, NE-BUDGET-01's budget is never overdrawn and pays out exactly what left it, a
compare-and-set loses no update, two processes migrating one new schema at once both succeed, and
two connections refunding one scope or committing one run at once do it once."""

from __future__ import annotations

import multiprocessing
import queue
import threading
import uuid
from decimal import Decimal
from typing import Any

from tests.postgres import workers

PROCESSES = 4
TIMEOUT = 120


def run_all(target: Any, args: list[tuple[Any, ...]]) -> list[Any]:
    """Run ``target`` in one spawned process per ``args`` (each given a shared barrier and result
    queue last); returns what each put on the queue."""
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(len(args)), context.Queue()
    processes = [context.Process(target=target, args=(*own, barrier, results)) for own in args]
    for process in processes:
        process.start()
    try:
        found = [results.get(timeout=TIMEOUT) for _ in processes]
    except queue.Empty:
        raise AssertionError(f"a process put no result in {TIMEOUT} s: {[p.exitcode for p in processes]}") from None
    finally:
        for process in processes:
            process.join(timeout=TIMEOUT)
            if process.is_alive():
                process.kill()
    assert [p.exitcode for p in processes] == [0] * len(processes)
    return found


def test_racing_processes_never_over_grant_a_quota_or_overdraw_a_budget(dsn: str, schema: str, pg_store: Any) -> None:
    """XT-CC-06: 4 processes x 30 reservations for the 5 slots left (7 a month, 2 used before);
    NE-BUDGET-01: 4 x 20 kept draws of 1.37 to 5.37 from 100.00. Rolled-back calls leave nothing."""
    attempts = 30
    found = run_all(workers.race, [(dsn, schema, worker, attempts) for worker in range(PROCESSES)])
    granted = [holder for _, holders, _, _ in found for holder in holders]
    assert len(granted) == workers.LIMIT - workers.BASELINE == len(set(granted))
    assert pg_store.used(workers.QUOTA) == workers.LIMIT
    kept = sum((Decimal(amount) for _, _, draws, _ in found for amount in draws), Decimal(0))
    left = pg_store.remaining(workers.BUDGET, workers.CAPACITY)
    assert left == 0  # the kept draws asked for more than 100.00 in all
    assert kept == workers.CAPACITY - left
    assert all(Decimal(amount) >= 0 for _, _, draws, _ in found for amount in draws)
    assert pg_store.budget(workers.COUNTER, workers.START).remaining == workers.START - PROCESSES * attempts
    slots = pg_store.connection.execute("SELECT count(*) FROM quota_slots").fetchone()[0]
    assert slots == workers.LIMIT - workers.BASELINE  # no '-undone' slot survived its rollback


def test_processes_migrating_one_new_schema_at_once_all_succeed(dsn: str, pg_store: Any) -> None:
    """Each round, every process opens the same new schema at the same moment: one migrates it, the
    others wait on the advisory lock and find it done."""
    from creatorpay.core.postgres_schema import MIGRATIONS

    schemas = ["m_" + uuid.uuid4().hex[:12] for _ in range(3)]
    found = run_all(workers.migrate_at_once, [(dsn, schemas)] * PROCESSES)
    assert found == [[len(MIGRATIONS)] * len(schemas)] * PROCESSES
    for schema in schemas:
        rows = pg_store.connection.execute(f"SELECT version FROM {schema}.schema_version").fetchall()
        assert rows == [(len(MIGRATIONS),)]


def blocked_until_first_commits(dsn: str, schema: str, first: Any, call: str, arg: str) -> Any:
    """Run ``call(arg)`` on a second connection while ``first`` holds an open transaction that made
    the same call: the second waits for the first's commit, then answers."""
    from creatorpay.core.postgres_store import PostgresStore

    answers: list[Any] = []
    with PostgresStore(dsn, schema=schema) as second:
        with first.transaction():
            mine = getattr(first, call)(arg)
            thread = threading.Thread(target=lambda: answers.append(getattr(second, call)(arg)))
            thread.start()
            thread.join(timeout=0.5)
            assert thread.is_alive() and not answers  # waiting for the first transaction
        thread.join(timeout=TIMEOUT)
    return mine, answers[0]


def test_two_refunds_of_one_scope_at_once_refund_it_once(dsn: str, schema: str, pg_store: Any) -> None:
    """A month settled again on two machines at once (NE-BUDGET-01): its draws come back once."""
    with pg_store.scoped("netease/n1/2026-10"):
        pg_store.draw("pot", Decimal("30.00"), Decimal("100.00"))
    first, second = blocked_until_first_commits(dsn, schema, pg_store, "refund", "netease/n1/2026-10")
    assert (first, second) == ({"pot": Decimal("30.00")}, {})
    assert pg_store.remaining("pot", Decimal("100.00")) == Decimal("100.00")


def test_two_drivers_committing_one_run_at_once_one_commits_it(dsn: str, schema: str, pg_store: Any) -> None:
    assert pg_store.begin_run("2026-10/a")
    assert blocked_until_first_commits(dsn, schema, pg_store, "commit_run", "2026-10/a") == (True, False)
    assert [run for run, _ in pg_store.committed_runs()] == ["2026-10/a"]
