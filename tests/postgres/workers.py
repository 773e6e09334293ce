"""What the processes of tests/postgres/test_pg_concurrency.py run (a module of its own: spawned
processes import it by name)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

QUOTA = "xingtu:co_creation:me:2026-10"
LIMIT, BASELINE = 7, 2
BUDGET, CAPACITY = "netease:cash:2026-01-01", Decimal("100.00")
COUNTER, START = "counter", Decimal(1000)


class Undo(Exception):
    """Raised inside a transaction so that its calls are rolled back."""


def race(dsn: str, schema: str, worker: int, attempts: int, barrier: Any, results: Any) -> None:
    """Reserve slots and draw the budget as fast as possible; every third draw is rolled back.
    Then take 1 from the counter budget ``attempts`` times by compare-and-set (retrying when stale).
    Puts (worker, holders granted, the draws kept as text, compare-and-set retries) on ``results``."""
    from creatorpay.core.postgres_store import PostgresStore

    granted: list[str] = []
    kept: list[str] = []
    retries = 0
    with PostgresStore(dsn, schema=schema) as store:
        barrier.wait()
        for attempt in range(attempts):
            holder = f"w{worker}-{attempt}"
            if store.reserve(QUOTA, holder, limit=LIMIT, baseline=BASELINE):
                granted.append(holder)
            amount = Decimal(attempt % 5 + 1) + Decimal("0.37")
            if attempt % 3 == 2:
                try:
                    with store.transaction():
                        store.draw(BUDGET, amount, CAPACITY)
                        store.reserve(QUOTA, holder + "-undone", limit=LIMIT, baseline=BASELINE)
                        raise Undo
                except Undo:
                    pass
            else:
                kept.append(str(store.draw(BUDGET, amount, CAPACITY)))
        for _ in range(attempts):
            while True:
                state = store.budget(COUNTER, START)
                if store.cas_remaining(COUNTER, state.version, state.remaining - 1):
                    break
                retries += 1
    results.put((worker, granted, kept, retries))


def migrate_at_once(dsn: str, schemas: list[str], barrier: Any, results: Any) -> None:
    """Open a store on each of ``schemas`` (new, so it is migrated) at the same moment as the others."""
    import psycopg

    from creatorpay.core.postgres_schema import migrate

    found: list[int | str] = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        for schema in schemas:
            barrier.wait()
            try:
                found.append(migrate(conn, schema))
            except Exception as exc:  # reported to the test, which fails with it
                found.append(f"{type(exc).__name__}: {exc}")
    results.put(found)
