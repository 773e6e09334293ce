"""Two Spark runs of the same month started at once against one PostgreSQL (the budgets' state between
runs and the run registry, ``--store``): no budget is ever overdrawn (NE-BUDGET-01, WC-COLD-01), and the
ledger ends with the statements of a serial run: one run settles the month, the other, finding it
committed first, is settled again and finds every event a duplicate."""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from creatorpay.core import Engine
from creatorpay.core.scale.parquet import ParquetLedger
from creatorpay.core.scale.spark import SparkDriver
from tests.scale.scale_support import export, month, settle

if TYPE_CHECKING:
    from pathlib import Path

    from creatorpay.core.batch import Summary


def _database(dsn: str) -> str:
    """A fresh database on the session's server: the DSN of it."""
    import psycopg

    name = "spark_" + uuid.uuid4().hex[:12]
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return dsn.replace("dbname=postgres", f"dbname={name}")


def test_concurrent_runs_never_overdraw_and_end_as_a_serial_run(spark: Any, dsn: str, tmp_path: Path) -> None:
    events, people, rules = month(tmp_path / "m")
    serial = settle(events, people, "--engine", "local", "--ledger", str(tmp_path / "serial"), rules=rules)
    assert serial.exit_code == 0, serial.output
    store = _database(dsn)
    folder = tmp_path / "pq"
    start = threading.Barrier(2)
    summaries: list[Summary] = []
    drivers: list[SparkDriver] = []
    failures: list[BaseException] = []

    def one() -> None:
        ledger = ParquetLedger(folder, dsn=store)
        try:
            driver = SparkDriver(ledger, spark=spark, engine=Engine(rules=rules))
            drivers.append(driver)
            start.wait()
            summaries.append(driver.run(events, people))
        except BaseException as exc:
            failures.append(exc)
        finally:
            ledger.close()

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    assert all(summary.balanced for summary in summaries)
    assert sorted(summary.statements for summary in summaries)[0] == 0  # the later run: all duplicates
    assert sum(driver.retried for driver in drivers) >= 1  # the later one was settled again
    ledger = ParquetLedger(folder, dsn=store)
    try:
        assert ledger.committed() == [1, 2]
        assert export("--ledger", str(folder), "--registry", store) == export("--ledger", str(tmp_path / "serial"))
        expected = ParquetLedger(tmp_path / "serial").state([1]).budgets
        assert expected  # both shared budgets were drawn from ...
        for key, capacity, remaining in expected:
            found = ledger.registry.budget(key, Decimal(capacity))  # type: ignore[attr-defined]
            assert found.remaining == Decimal(remaining) >= 0  # ... never overdrawn, as the serial run left them
        assert {key: left for key, _, left in expected} == {
            "netease:cash:2025-12-25": "0.00",
            "wechat_channels:WC-COLD-01:pool": "0",
        }  # exhausted part-way (tests/scale/scale_support.TIGHT)
    finally:
        ledger.close()
