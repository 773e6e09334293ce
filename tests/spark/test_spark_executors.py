"""What the Spark driver leaves to the executors (issue 19): the units of shared budgets (NE-BUDGET-01,
WC-COLD-01) settled again with their ``left_before`` by Spark's tasks, not by the driver process; the run's
partitioned tables written by Spark (``partitionBy("month", "platform")``), one ``part-0.parquet`` per
partition; and where a chain does not hold, the serial lane on the driver still gives settle's export."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq

from creatorpay.core.engine import Engine
from creatorpay.core.scale import spark as spark_driver
from creatorpay.core.scale.parquet import ParquetLedger, run_folder
from creatorpay.core.scale.spark import SparkDriver
from creatorpay.core.scale.tables import ORDER, PARTITIONED, columns
from tests.scale.scale_support import export, month, settle, table_values

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

    from creatorpay.core.batch.workers import Job, Outcome
    from creatorpay.core.sqlite_store import StoreBuffer

#: The shared keys of the tight month: NetEase's program-year cash and WeChat's cold-start pool.
SHARED = ["netease:cash:2025-12-25", "wechat_channels:WC-COLD-01:pool"]


def _driven(spark: Any, folder: Path, events: Path, people: Path, rules: Path) -> tuple[SparkDriver, list[str]]:
    """A Spark run into ``folder`` with the driver process's own settling counted."""
    driver = SparkDriver(ParquetLedger(folder), spark=spark, engine=Engine(rules=rules))
    settled: list[str] = []
    own = driver._settle

    def counted(work: Job, store: StoreBuffer) -> Outcome:
        settled.append(str(work.unit))
        return own(work, store)

    driver._settle = counted  # type: ignore[method-assign]
    summary = driver.run(events, people)
    assert summary.resettled == 0
    return driver, settled


def test_the_driver_settles_no_unit(spark: Any, tmp_path: Path) -> None:
    """NE-BUDGET-01 and WC-COLD-01 run out part-way: both chains hold, and every unit, seeded or not, is
    settled by Spark's tasks; the driver only chains the calls (the export is still settle's)."""
    events, people, rules = month(tmp_path / "m")
    driver, settled = _driven(spark, tmp_path / "sp", events, people, rules)
    assert driver.chained == SHARED
    assert driver.serial == []
    assert settled == []
    assert driver.seeded > 0  # the units from the one each budget runs short for
    assert settle(events, people, "--db", str(tmp_path / "l.sqlite"), rules=rules).exit_code == 0
    assert export("--ledger", str(tmp_path / "sp")) == export("--db", str(tmp_path / "l.sqlite"))


def test_while_the_budgets_last_no_unit_is_settled_twice(spark: Any, tmp_path: Path) -> None:
    """NE-BUDGET-01 and WC-COLD-01 last the month: every unit's draws answer with what the units before it
    left as they did in its first settling, so every first outcome stands (a plugin is deterministic given the
    store's answers): no unit is settled again, and the export is still settle's."""
    events, people, rules = month(tmp_path / "m", events=600)
    driver, settled = _driven(spark, tmp_path / "sp", events, people, rules)
    assert driver.chained == SHARED
    assert driver.seeded == 0
    assert settled == []
    assert "seed" not in driver.timings
    assert settle(events, people, "--db", str(tmp_path / "l.sqlite"), rules=rules).exit_code == 0
    assert export("--ledger", str(tmp_path / "sp")) == export("--db", str(tmp_path / "l.sqlite"))


def test_spark_writes_the_partitioned_tables(spark: Any, tmp_path: Path) -> None:
    """The events index, statements, lines and unit slots are written by Spark (parquet-mr), one file per
    (month, platform) named part-0.parquet, month and platform in the folder names only, as the local
    driver's pyarrow writer lays them out; compressed with zstd, without dictionary pages (PARQUET_OPTIONS)."""
    events, people, rules = month(tmp_path / "m")
    result = settle(events, people, "--engine", "spark", "--ledger", str(tmp_path / "sp"), rules=rules)
    assert result.exit_code == 0, result.output
    result = settle(events, people, "--engine", "local", "--ledger", str(tmp_path / "pq"), rules=rules)
    assert result.exit_code == 0, result.output
    on_spark, local = run_folder(tmp_path / "sp", 1), run_folder(tmp_path / "pq", 1)
    for table in sorted(PARTITIONED):
        files = sorted(p.relative_to(on_spark) for p in (on_spark / table).rglob("*") if p.is_file())
        assert files == sorted(p.relative_to(local) for p in (local / table).rglob("*") if p.is_file()), table
        assert files or table == "unit_slots", table  # no co-creation slot in this month
        for path in files:
            assert path.name == "part-0.parquet"
            meta = pq.read_metadata(on_spark / path)
            assert "parquet-mr" in meta.created_by, (table, meta.created_by)
            chunks = [meta.row_group(g).column(c) for g in range(meta.num_row_groups) for c in range(meta.num_columns)]
            assert {chunk.compression for chunk in chunks} == {"ZSTD"}, (table, path)
            assert not any(chunk.has_dictionary_page for chunk in chunks), (table, path)
            assert pq.read_schema(on_spark / path).names == pq.read_schema(local / path).names
            assert "month" not in pq.read_schema(on_spark / path).names
    assert "parquet-mr" not in pq.read_metadata(on_spark / "budgets" / "part-0.parquet").created_by


def test_a_chain_that_does_not_hold_goes_to_the_driver_serial_lane(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If a seeded unit's step of the chain did not hold (here: every check refused), its key's units are
    settled one after another on the driver, and the export is still settle's."""
    monkeypatch.setattr(spark_driver, "holds", lambda *_: False)
    events, people, rules = month(tmp_path / "m")
    driver, settled = _driven(spark, tmp_path / "sp", events, people, rules)
    assert driver.chained == []
    assert driver.serial == SHARED
    assert settled  # the lanes' units, on the driver
    assert settle(events, people, "--db", str(tmp_path / "l.sqlite"), rules=rules).exit_code == 0
    assert export("--ledger", str(tmp_path / "sp")) == export("--db", str(tmp_path / "l.sqlite"))


def test_the_events_index_is_written_again_when_the_resolution_renumbers(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The events index is written while the driver resolves the budgets, numbered from the units' first
    outcomes; when the resolution numbers the statements otherwise (here: the first numbering made wrong on
    purpose), it is written again, and the ledger is the local driver's."""
    events, people, rules = month(tmp_path / "m", events=600)
    numbered = spark_driver._numbered
    calls: list[int] = []

    def first_wrong(units: list[Any], start: int) -> list[tuple[str, str, str, int]]:
        calls.append(start)
        found = numbered(units, start)
        return [(*key[:3], key[3] + 1000) for key in found] if len(calls) == 1 else found

    monkeypatch.setattr(spark_driver, "_numbered", first_wrong)
    driver, _ = _driven(spark, tmp_path / "sp", events, people, rules)
    assert len(calls) == 2
    assert driver.timings["write_events"] > 0
    result = settle(events, people, "--engine", "local", "--ledger", str(tmp_path / "pq"), rules=rules)
    assert result.exit_code == 0, result.output
    assert export("--ledger", str(tmp_path / "sp")) == export("--ledger", str(tmp_path / "pq"))
    assert table_values(tmp_path / "sp") == table_values(tmp_path / "pq")


def test_a_writer_per_partition_or_rows_sorted_by_partition_write_the_same_bytes(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run's few (month, platform) partitions are written with a Parquet writer open for each in a task
    (Spark's maxConcurrentOutputFileWriters while it writes, the session's setting restored after), each
    task's rows sorted by ORDER alone; beyond CONCURRENT_WRITERS, sorted by month and platform first. Both
    write the same bytes, each file's rows in ORDER."""
    events, people, rules = month(tmp_path / "m")
    key = "spark.sql.maxConcurrentOutputFileWriters"
    before = spark.conf.get(key)
    seen: list[str] = []
    set_ = type(spark.conf).set

    def recorded(conf: Any, name: str, value: Any) -> None:
        seen.append(f"{name}={value}")
        set_(conf, name, value)

    monkeypatch.setattr(type(spark.conf), "set", recorded)
    _driven(spark, tmp_path / "each", events, people, rules)
    assert f"{key}=3" in seen  # netease, wechat_channels and xingtu in one month
    assert spark.conf.get(key) == before
    seen.clear()
    monkeypatch.setattr(spark_driver, "CONCURRENT_WRITERS", 2)
    _driven(spark, tmp_path / "sorted", events, people, rules)
    assert not [entry for entry in seen if entry.startswith(key)]
    each, sorted_ = run_folder(tmp_path / "each", 1), run_folder(tmp_path / "sorted", 1)
    for table in sorted(PARTITIONED):
        files = sorted(p.relative_to(each) for p in (each / table).rglob("*.parquet"))
        assert files == sorted(p.relative_to(sorted_) for p in (sorted_ / table).rglob("*.parquet")), table
        for path in files:
            assert (each / path).read_bytes() == (sorted_ / path).read_bytes(), path
            rows = pq.read_table(each / path).to_pylist()
            order = [tuple(row[name] for name in ORDER[table]) for row in rows]
            assert order == sorted(order) and len(set(order)) == len(order), path


def test_order_is_a_total_order_of_each_partitioned_table() -> None:
    """Every partitioned table has its order (ORDER), of its own columns, month and platform excluded."""
    assert set(ORDER) == PARTITIONED
    for table, order in ORDER.items():
        assert set(order) <= set(columns(table)) - {"month", "platform"}, table
