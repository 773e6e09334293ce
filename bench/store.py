"""Benchmark of the stores (issue 19): microseconds per reserve and per draw, SQLiteStore against
PostgresStore on the same machine.

Run ``python bench/store.py [--calls N] [--dsn DSN]``; without ``--dsn`` it starts a throwaway
PostgreSQL server (tests/postgres/server.py; its default durability: every commit flushed to disk)
on 127.0.0.1 (with ``--dsn``, the ``bench_*`` schemas it makes stay there). Each store is measured
two ways: every call its own transaction (a service calling the store directly), and a transaction
of 20 calls (the engine opens one per statement). SQLiteStore writes a WAL file in a temporary
folder with its own settings (``synchronous = NORMAL``: no flush per commit); ``PostgresStore*`` is
PostgresStore with ``synchronous_commit = off``, the nearest PostgreSQL setting. Then milliseconds
per ``Engine.settle`` of an example on each store. A benchmark, not a test: prints one line per
store and way.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from contextlib import AbstractContextManager, ExitStack, nullcontext
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from creatorpay.core import MemoryStore
from creatorpay.core.sqlite_store import SQLiteStore

if TYPE_CHECKING:
    from collections.abc import Callable

#: Calls per transaction in the batched way.
BATCH = 20


def per_call(store: Any, calls: int, batched: bool) -> tuple[float, float]:
    """Microseconds per reserve and per draw over ``calls`` calls of each (a slot per holder, a
    few hundred holders a key; draws of 0.01 from a budget that never runs out)."""
    found = []
    capacity = Decimal("100000000.00")
    steps: list[Callable[[int], Any]] = [
        lambda i: store.reserve(f"xingtu:co_creation:c{i // 200}:2026-10", f"o-{i}", limit=1000),
        lambda i: store.draw("netease:cash:2026-01-01", Decimal("0.01"), capacity),
    ]
    for step in steps:
        start = time.perf_counter()
        for first in range(0, calls, BATCH):
            block: AbstractContextManager[Any] = store.transaction() if batched else nullcontext()
            with block:
                for i in range(first, min(first + BATCH, calls)):
                    step(i)
        found.append((time.perf_counter() - start) / calls * 1e6)
    return found[0], found[1]


def settle_ms(store: Any, count: int) -> float:
    """Milliseconds per ``Engine.settle`` of examples/food-vlogger.toml on Xingtu with ``store``
    (its co-creation order reserves a slot, XT-CC-06: one store transaction per statement)."""
    from creatorpay.core import Engine, load_scenario

    engine = Engine(load=["xingtu"])
    scenario = load_scenario(Path(__file__).resolve().parent.parent / "examples" / "food-vlogger.toml")
    engine.settle(scenario, "xingtu", store=store)
    start = time.perf_counter()
    for _ in range(count):
        engine.settle(scenario, "xingtu", store=store)
    return (time.perf_counter() - start) / count * 1e3


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls of each kind per measurement")
    parser.add_argument("--dsn", help="an existing PostgreSQL server (default: start a throwaway one)")
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        dsn = args.dsn
        if dsn is None:
            from tests.postgres.server import temporary_server

            dsn = stack.enter_context(temporary_server())
        from creatorpay.core.postgres_store import PostgresStore

        print(f"{'store':<16} {'transactions':<22} {'reserve µs':>11} {'draw µs':>9}   ({args.calls:,} calls of each)")
        for batched in (False, True):
            way = f"{BATCH} calls each" if batched else "one per call"
            unflushed = PostgresStore(dsn, schema=f"bench_{int(time.time() * 1000)}_{int(batched)}_off")
            unflushed.connection.execute("SET synchronous_commit = off")
            stores: list[tuple[str, Any]] = [
                ("SQLiteStore", SQLiteStore(folder / f"bench-{batched}.sqlite")),
                ("PostgresStore", PostgresStore(dsn, schema=f"bench_{int(time.time() * 1000)}_{int(batched)}")),
                ("PostgresStore*", unflushed),
            ]
            for name, store in stores:
                with store:
                    reserve, draw = per_call(store, args.calls, batched)
                print(f"{name:<16} {way:<22} {reserve:>11,.0f} {draw:>9,.0f}", flush=True)
        stores = [
            ("MemoryStore", MemoryStore()),
            ("SQLiteStore", SQLiteStore(folder / "settle.sqlite")),
            ("PostgresStore", PostgresStore(dsn, schema=f"bench_{int(time.time() * 1000)}_settle")),
            ("PostgresStore*", PostgresStore(dsn, schema=f"bench_{int(time.time() * 1000)}_settle_off")),
        ]
        stores[-1][1].connection.execute("SET synchronous_commit = off")
        for name, store in stores:
            took = settle_ms(store, max(args.calls // 10, 1))
            getattr(store, "close", lambda: None)()
            print(f"{name:<16} Engine.settle of examples/food-vlogger.toml on xingtu: {took:.2f} ms", flush=True)
        print(
            "* synchronous_commit = off: a commit does not wait for its WAL flush (a server crash may lose "
            "the last commits, never tear one)"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
