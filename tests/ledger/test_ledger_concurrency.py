"""Several processes against one database never exceed a cap (XT-CC-06) or overdraw a budget
(NE-BUDGET-01): real processes, started together at a barrier."""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable
from decimal import Decimal
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

from creatorpay.core.sqlite_store import SQLiteStore
from tests.ledger.ledger_support import cli, query, race_two_settles_on_one_budget

#: fork: the children start with creatorpay already imported (spawn would import it eight times).
CONTEXT = mp.get_context("fork")
KEY = "xingtu:co_creation:c1:2026-10"
BUDGET = "netease:cash:2025-12-25"


def _reserve(path: str, holder: str, barrier: Barrier, results: mp.Queue[tuple[str, bool]]) -> None:
    store = SQLiteStore(path)
    barrier.wait()
    results.put((holder, store.reserve(KEY, holder, limit=4)))
    store.close()


def _drain(path: str, step: str, capacity: str, barrier: Barrier, results: mp.Queue[tuple[str, str]]) -> None:
    store = SQLiteStore(path)
    barrier.wait()
    total, lowest = Decimal(0), Decimal(capacity)
    while drawn := store.draw(BUDGET, Decimal(step), Decimal(capacity)):
        total += drawn
        lowest = min(lowest, store.remaining(BUDGET, Decimal(capacity)))
    results.put((str(total), str(lowest)))
    store.close()


def _run(target: Callable[..., None], args: list[tuple[Any, ...]], results: mp.Queue[Any]) -> list[Any]:
    processes = [CONTEXT.Process(target=target, args=a) for a in args]
    for process in processes:
        process.start()
    found = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    return found


def test_eight_processes_racing_for_a_quota_of_four_get_exactly_four(tmp_path: Path) -> None:
    """XT-CC-06: the monthly cap of 4 co-creation submissions holds under eight concurrent writers."""
    path = str(tmp_path / "race.sqlite")
    SQLiteStore(path).close()  # migrate once, before the race
    barrier, results = CONTEXT.Barrier(8), CONTEXT.Queue()
    found = _run(_reserve, [(path, f"o{i}", barrier, results) for i in range(8)], results)
    winners = [holder for holder, won in found if won]
    assert len(winners) == 4
    with SQLiteStore(path) as store:
        assert store.used(KEY) == 4
        assert all(store.reserve(KEY, holder, limit=4) for holder in winners)


def test_a_budget_raced_to_zero_never_goes_negative(tmp_path: Path) -> None:
    """NE-BUDGET-01: six processes draw 0.07 at a time from 10.00 until it pays nothing; together
    they draw exactly the capacity (the last draw is partial) and no one ever sees it negative."""
    path = str(tmp_path / "race.sqlite")
    SQLiteStore(path).close()
    barrier, results = CONTEXT.Barrier(6), CONTEXT.Queue()
    found = _run(_drain, [(path, "0.07", "10.00", barrier, results) for _ in range(6)], results)
    assert sum(Decimal(total) for total, _ in found) == Decimal("10.00")
    assert all(Decimal(lowest) >= 0 for _, lowest in found)
    with SQLiteStore(path) as store:
        assert store.remaining(BUDGET, Decimal("10.00")) == 0


def test_two_settle_processes_share_one_budget(tmp_path: Path) -> None:
    """NE-BUDGET-01 through the batch: two ``creatorpay settle`` processes on one ledger, each with
    NetEase creators drawing from a program-year budget set to 25,000.00 by a rules override; the
    statements together pay out at most the budget, and exactly the budget once it ran out."""
    db = race_two_settles_on_one_budget(tmp_path)
    paid = query(db, "SELECT sum(value) FROM lines WHERE payer = 'netease' AND kind IN ('program_income', 'top_up')")
    assert paid[0][0] == 2_500_000  # fen: eight creators asked 10,000.00 each; the budget had 25,000.00
    left = query(db, "SELECT remaining FROM budgets WHERE key = ?", "netease:cash:2025-12-25")
    assert Decimal(left[0][0]) == 0
    assert cli("ledger", "export", "--db", str(db), "--period", "2026-10").returncode == 0
