"""How the Spark driver spends its time (issue 19): the first settling tasks make the final rows of every unit
that drew from no budget (a unit of NE-BUDGET-01's cash or WC-COLD-01's pool waits for its chain), so no
unit is read back to make its rows; with no committed run and no id repeated, duplicate detection joins
nothing; the steps are timed; local mode gets a shuffle partition per core."""

from __future__ import annotations

import csv
import io
import json
import os
import pickle
from itertools import groupby
from typing import TYPE_CHECKING, Any, NamedTuple

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creatorpay.core.batch.workers import Settler
from creatorpay.core.engine import Engine
from creatorpay.core.rows import RowReader
from creatorpay.core.scale import shared, stages, tables
from creatorpay.core.scale.parquet import ParquetLedger
from creatorpay.core.scale.spark import (
    CHECKED,
    WIDE,
    Context,
    SparkDriver,
    _index_row,
    events_index,
    local_cores,
    session,
    settle_units,
)
from tests.scale.scale_support import month

if TYPE_CHECKING:
    from pathlib import Path

#: The shared keys of the tight month: NetEase's program-year cash and WeChat's cold-start pool.
SHARED = ("netease:cash:2025-12-25", "wechat_channels:WC-COLD-01:pool")


class Broadcast(NamedTuple):
    """What a task reads of a broadcast variable."""

    value: Any


def _checked(events: Path, people: Path, engine: Engine) -> tuple[list[stages.EventRow], dict[str, str]]:
    """The month's new events in the order Spark's tasks get them (unit order, then date and id), and the profiles."""
    with RowReader(people, required=("id",)) as reader:
        profiles = stages.check_profiles(reader.records(), reader.header, source="c", text=False, run=1)
    with RowReader(events) as reader:
        checked = stages.check_events(
            reader.records(), (), source="e", text=False, month=None, platforms=frozenset(engine.platforms), run=1
        )
    new = stages.idempotency(checked.rows, {}, source="e").new
    return [row for _, rows in stages.units(new) for row in rows], {row[0]: row[1] for row in profiles.rows}


def _first_tasks(tmp_path: Path) -> tuple[list[stages.EventRow], Any]:
    """A generated month's checked rows, and what the first settling tasks make of them (one batch)."""
    events, people, rules = month(tmp_path / "m", events=600)
    engine = Engine(rules=rules)
    rows, profiles = _checked(events, people, engine)
    names = ("id", "platform", "creator", "month", "date", "kind", "body", "run", "line")
    batch = pa.RecordBatch.from_arrays([pa.array(column) for column in zip(*rows, strict=True)], names=list(names))
    context = Broadcast(Context(profiles, {}, shared.State.empty(), 1, "e"))
    return rows, pa.Table.from_batches(list(settle_units([batch], settler=Settler(engine), context=context)))


def test_first_tasks_make_every_units_rows(tmp_path: Path) -> None:
    """The first tasks make every unit's statement and lines at once (or its events rejected), without a
    statement id, with its content's digest and its cash. A unit that drew from NE-BUDGET-01's cash or
    WC-COLD-01's pool also keeps its calls and its job: the chain settles it again only if its calls answer
    otherwise with what the units before it left. No task makes an events index row (Spark makes the index
    from the checked events, below)."""
    rows, out = _first_tasks(tmp_path)
    assert out.schema.names == list(WIDE)
    made = out.to_pylist()
    units = {(r["platform"], r["creator"], r["month"]): r for r in made if r["tag"] == "unit"}
    assert len(units) == len({stages.unit_of(row) for row in rows})
    tagged = sorted(((r["platform"], r["creator"], r["month"]), r["tag"]) for r in made if r["tag"] != "unit")
    by_unit = {key: {tag for _, tag in found} for key, found in groupby(tagged, key=lambda item: item[0])}
    drew = 0
    for key, unit in units.items():
        calls = shared.keys_of(pickle.loads(unit["calls"])) if unit["calls"] else {}  # noqa: S301 (our rows)
        if "budget" in calls.values():
            drew += 1
            assert set(calls) & set(SHARED), key
            assert unit["blob"] is not None  # its events and job, should its chain settle it again
        if unit["ok"]:
            assert {"statements"} <= by_unit[key] <= {"statements", "lines", "unit_slots"}
            assert unit["type"] is not None and unit["net"] is not None
        else:
            assert by_unit[key] == {"reject"}
    assert 0 < drew < len(units)
    statements = [r for r in made if r["tag"] == "statements"]
    assert all(r["statement"] is None and len(r["digest"]) == 64 and r["credits"] is not None for r in statements)
    assert all(r["statement"] is None for r in made if r["tag"] == "lines")
    assert not any(r["tag"] == "events" for r in made)


_TEXT = st.text(st.characters(codec="utf-8"), max_size=12)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.tuples(_TEXT, _TEXT, _TEXT, _TEXT, _TEXT), min_size=1, max_size=40),
    st.integers(min_value=1, max_value=2**40),
)
def test_spark_makes_the_events_index_the_tasks_made(spark: Any, contents: list[tuple[str, ...]], first: int) -> None:
    """The events index is made by Spark from the new events (issue 19): each settled unit's events with its
    statement id and the content digest :func:`.stages.event_digest` gives (Spark SQL's ``sha2`` over the same
    text, any Unicode included), in the index's columns; the events of a unit with no statement id (it cannot
    be settled) are left out, as the tasks left them."""
    rows = [
        (f"e{i}", platform, creator, "2026-10", date, kind, body, 3, i + 1)
        for i, (platform, creator, date, kind, body) in enumerate(contents)
    ]
    schema = CHECKED.replace("tag string, ", "").replace(", reason string", "")
    units = sorted({stages.unit_of(row) for row in rows}, key=stages.unit_order)
    settled = units[::2]  # every other unit has a statement
    ids = [(u.platform, u.creator, u.month, first + i) for i, u in enumerate(settled)]
    numbers = spark.createDataFrame(ids, "platform string, creator string, month string, statement long")
    made = events_index(spark.createDataFrame(rows, schema), numbers).select(*tables.columns("events")).collect()
    statement = {(p, c, m): n for p, c, m, n in ids}
    expected = sorted(
        (*_index_row(row, 3, None)[:-1], statement[stages.unit_of(row)])
        for row in rows
        if stages.unit_of(row) in statement
    )
    assert sorted(tuple(found) for found in made) == expected


def test_no_join_without_a_repeated_id_or_a_run_before(spark: Any, tmp_path: Path) -> None:
    """Duplicate detection costs one count of the ids when nothing came before and no id repeats: the rows
    are new as they are (no anti-join); a repeated id brings the joins back."""
    driver = SparkDriver(ParquetLedger(tmp_path / "sp"), spark=spark)
    schema = CHECKED.replace("tag string, ", "").replace(", reason string", "")
    row = ("e1", "netease", "c1", "2026-10", "2026-10-01", "play", "{}", 1, 1)
    good = spark.createDataFrame([row, ("e2", *row[1:8], 2)], schema)
    new, deduped = driver._deduplicated(good, [], "e")
    assert new is good
    assert deduped.count() == 0
    assert "repeated" in driver.timings
    again = spark.createDataFrame([row, (*row[:8], 2)], schema)
    new, deduped = driver._deduplicated(again, [], "e")
    assert new is not again
    assert new.count() == 0
    assert deduped.filter("tag = 'duplicates'").collect()[0]["line"] == 1


def test_a_run_times_its_steps_and_its_python_tasks(spark: Any, tmp_path: Path) -> None:
    """The summary of a Spark run has each step's seconds on the driver and the Python workers' processor
    seconds of each kind of task (an accumulator the tasks add to)."""
    events, people, rules = month(tmp_path / "m")  # both shared budgets run out: some units are seeded
    driver = SparkDriver(ParquetLedger(tmp_path / "sp"), spark=spark, engine=Engine(rules=rules))
    summary = driver.run(events, people)
    assert summary.balanced
    assert driver.seeded > 0
    for step in ("settle", "chain", "seed", "confirm", "write_events", "write_lines", "sums", "publish"):
        assert step in summary.timings, step
    for task in ("check", "settle", "seed"):
        assert summary.timings[f"python.{task}"] > 0, task


def test_local_mode_has_a_shuffle_partition_per_core() -> None:
    assert [local_cores(m) for m in ("local", "local[2]", "local[3,2]", "local[*]")] == [1, 2, 3, os.cpu_count()]


def test_local_mode_turns_adaptive_execution_off_unless_the_submit_arguments_set_it(monkeypatch: Any) -> None:
    """In local mode the session has no adaptive query execution and an uncompressed cache (LOCAL_SQL); a key
    the user gives in PYSPARK_SUBMIT_ARGS is theirs (a session's SQL settings would override it); a cluster
    keeps Spark's."""
    from pyspark.sql import SparkSession

    monkeypatch.setattr(SparkSession.Builder, "getOrCreate", lambda builder: dict(builder._options))
    monkeypatch.delenv("PYSPARK_SUBMIT_ARGS", raising=False)
    assert session("local[2]")["spark.sql.adaptive.enabled"] == "false"
    assert session("local[2]")["spark.sql.inMemoryColumnarStorage.compressed"] == "false"
    assert "spark.sql.adaptive.enabled" not in session("yarn")
    assert "spark.sql.inMemoryColumnarStorage.compressed" not in session("yarn")
    monkeypatch.setenv("PYSPARK_SUBMIT_ARGS", "--conf spark.sql.adaptive.enabled=true pyspark-shell")
    assert "spark.sql.adaptive.enabled" not in session("local[2]")


def test_unit_rows_carry_their_statements_cash(tmp_path: Path) -> None:
    """The reconciliation's sums (cash in = cash out per platform) come with the units' rows, not from a Spark
    query over the statements: a unit whose task made its statement carries that statement's type, net and cash
    (a unit that drew from a budget, NE-BUDGET-01 or WC-COLD-01, included: its statement stands unless its chain
    settles it again); a unit that cannot be settled carries none."""
    made = _first_tasks(tmp_path)[1].to_pylist()
    carried = ("type", "net", "credits", "debits", "lines_net")
    statements = {(r["platform"], r["creator"], r["month"]): r for r in made if r["tag"] == "statements"}
    units = [r for r in made if r["tag"] == "unit"]
    for unit in units:
        statement = statements.get((unit["platform"], unit["creator"], unit["month"]))
        if statement is None:
            assert all(unit[name] is None for name in carried)
        else:
            assert [unit[name] for name in carried] == [statement[name] for name in carried]
    assert len(statements) == sum(unit["ok"] for unit in units) > 0


def test_unsettled_units_events_are_fetched_only_when_a_unit_has_no_statement(spark: Any, tmp_path: Path) -> None:
    """The events of units that cannot be settled (here: a creator with no profile) are read back from the tasks'
    rows by one Spark query, run only when some unit has no statement; the cash is summed on the driver and
    balances either way."""
    events, people, rules = month(tmp_path / "m", events=600)
    summary = SparkDriver(ParquetLedger(tmp_path / "a"), spark=spark, engine=Engine(rules=rules)).run(events, people)
    assert summary.balanced
    assert summary.units_rejected == 0
    assert "unsettled" not in summary.timings
    first = json.loads(events.read_text(encoding="utf-8").splitlines()[0])["creator"]
    fewer = tmp_path / "fewer.jsonl"
    with people.open(encoding="utf-8") as lines:
        fewer.write_text("".join(t for t in lines if json.loads(t)["id"] != first), encoding="utf-8")
    out = io.StringIO()
    driver = SparkDriver(ParquetLedger(tmp_path / "b"), spark=spark, engine=Engine(rules=rules), rejects=out)
    again = driver.run(events, fewer)
    assert again.balanced
    assert again.units_rejected > 0
    assert "unsettled" in again.timings
    reasons = [row[3] for row in csv.reader(io.StringIO(out.getvalue()))]
    assert sum("cannot be settled" in reason for reason in reasons) == again.rejected - summary.rejected


def test_local_mode_sets_the_jvm_unless_the_submit_arguments_set_it(monkeypatch: Any) -> None:
    """In local mode the driver's JVM gets the parallel collector and the JIT compilers' thresholds raised
    (LOCAL_JVM); java options the user gives in PYSPARK_SUBMIT_ARGS are theirs alone; a cluster keeps Spark's."""
    from pyspark.sql import SparkSession

    monkeypatch.setattr(SparkSession.Builder, "getOrCreate", lambda builder: dict(builder._options))
    monkeypatch.delenv("PYSPARK_SUBMIT_ARGS", raising=False)
    options = session("local[2]")["spark.driver.extraJavaOptions"].split()
    assert "-XX:+UseParallelGC" in options
    assert "-XX:CompileThresholdScaling=4" in options
    assert "spark.driver.extraJavaOptions" not in session("yarn")
    monkeypatch.setenv("PYSPARK_SUBMIT_ARGS", '--conf "spark.driver.extraJavaOptions=-XX:+UseG1GC" pyspark-shell')
    assert "spark.driver.extraJavaOptions" not in session("local[2]")
    assert session("local[2]")["spark.driver.memory"] == "2g"


def test_local_mode_delays_the_c2_compiler_most(monkeypatch: Any) -> None:
    """The C2 compiler (the costly tier) waits for a method 2.5 times longer than the C1 compiler, on top of
    CompileThresholdScaling's 4: ten times HotSpot's defaults, and the JVM starts with these options."""
    import subprocess

    from pyspark.sql import SparkSession

    monkeypatch.setattr(SparkSession.Builder, "getOrCreate", lambda builder: dict(builder._options))
    monkeypatch.delenv("PYSPARK_SUBMIT_ARGS", raising=False)
    options = session("local[2]")["spark.driver.extraJavaOptions"].split()
    defaults = {"InvocationThreshold": 5000, "MinInvocationThreshold": 600, "CompileThreshold": 15000}
    for name, value in {**defaults, "BackEdgeThreshold": 40000}.items():
        assert f"-XX:Tier4{name}={value * 5 // 2}" in options, name
    java = os.environ.get("JAVA_HOME", "/usr") + "/bin/java"
    if os.path.exists(java):  # the options are the JVM's own: it starts with them
        assert subprocess.run([java, *options, "-version"], capture_output=True, check=False).returncode == 0


def test_a_task_collects_young_garbage_as_settle_does() -> None:
    """pyspark forks its Python workers from a daemon of its own, with Python's collector thresholds: while a
    task runs (``timed`` wraps every one) the youngest generation is collected every GC_FIRST_GENERATION
    allocations, as ``creatorpay settle``'s processes do, and the worker's thresholds are as found after."""
    import gc

    from creatorpay.core.collector import GC_FIRST_GENERATION
    from creatorpay.core.scale.spark import timed

    class Clock:
        def __init__(self) -> None:
            self.seen: dict[str, float] = {}

        def add(self, value: dict[str, float]) -> None:
            self.seen.update(value)

    before = gc.get_threshold()
    clock = Clock()
    inside = list(timed(iter([1, 2]), task=lambda rows: (gc.get_threshold() for _ in rows), name="t", clock=clock))
    assert inside == [(GC_FIRST_GENERATION, *before[1:])] * 2
    assert gc.get_threshold() == before
    assert set(clock.seen) == {"t"}
