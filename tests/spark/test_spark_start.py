"""How ``settle --engine spark`` starts its session (issue 19): as the run begins, while another thread checks
the creators file (the JVM's start is seconds in which the driver only waits); a session that cannot start is
reported as before, exit 1 without a traceback, once the check has ended."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import pytest

from creatorpay.core.engine import Engine
from creatorpay.core.scale.parquet import ParquetLedger
from creatorpay.core.scale.spark import SparkDriver
from tests.cli.cli_support import run_main
from tests.scale.scale_support import export, month, settle

if TYPE_CHECKING:
    from pathlib import Path


def test_a_driver_starts_its_session_while_the_creators_are_checked(
    spark: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``start`` runs on the calling thread (pyspark's interrupt handler needs the main thread) while the
    creators file is checked by a thread of its own; the run is the one a running session gives."""
    events, people, rules = month(tmp_path / "m", events=300)
    seen: dict[str, str] = {}

    def start() -> Any:
        seen["start"] = threading.current_thread().name
        return spark

    driver = SparkDriver(ParquetLedger(tmp_path / "sp"), start=start, engine=Engine(rules=rules))
    before = driver.spark
    own = driver._profiles

    def profiles(*given: Any) -> Any:
        seen["creators"] = threading.current_thread().name
        return own(*given)

    monkeypatch.setattr(driver, "_profiles", profiles)
    summary = driver.run(events, people)
    assert before is None
    assert driver.spark is spark
    assert seen["start"] == threading.current_thread().name
    assert seen["creators"].startswith("creatorpay-creators")
    assert summary.workers == driver.partitions == spark.sparkContext.defaultParallelism
    assert summary.balanced
    assert settle(events, people, "--db", str(tmp_path / "l.sqlite"), rules=rules).exit_code == 0
    assert export("--ledger", str(tmp_path / "sp")) == export("--db", str(tmp_path / "l.sqlite"))


def test_a_driver_takes_a_session_or_how_to_start_one(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="session"):
        SparkDriver(ParquetLedger(tmp_path / "sp"))
    with pytest.raises(TypeError, match="session"):
        SparkDriver(ParquetLedger(tmp_path / "sp"), spark=object(), start=object)


def test_a_session_that_cannot_start_exits_1_after_the_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Java missing (here: the session's start raises): exit 1 naming the master and the JVM's reason, no
    traceback; the creators file was checked meanwhile (its thread ended before the error went up)."""
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    from creatorpay.core.scale import local, spark

    events, people, _ = month(tmp_path / "m", events=100)
    checked: list[str] = []
    own = local.LocalDriver._profiles

    def profiles(self: Any, *given: Any) -> Any:
        checked.append(threading.current_thread().name)
        return own(self, *given)

    def start(master: str) -> Any:
        raise RuntimeError(f"no Java for {master}")

    monkeypatch.setattr(SparkSession, "getActiveSession", staticmethod(lambda: None))
    monkeypatch.setattr(spark, "session", start)
    monkeypatch.setattr(local.LocalDriver, "_profiles", profiles)
    base = ("settle", str(events), "--creators", str(people), "--ledger", str(tmp_path / "sp"))
    code, _, err = run_main(capsys, *base, "--engine", "spark", "--master", "local[2]")
    assert code == 1
    assert "Spark could not start on --master local[2]: no Java for local[2]" in err
    assert "Traceback" not in err
    assert len(checked) == 1
    assert checked[0].startswith("creatorpay-creators")
