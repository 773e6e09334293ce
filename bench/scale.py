"""Settling at scale, engine by engine, on one generated month (docs/scale.md).

    python bench/scale.py [--events 1000000] [--engines sqlite,local,spark] [--dir DIR] [--spark-jobs]

Generates the month (bench/generate_month.py, not timed) and settles it with each engine in a child
process (``creatorpay settle``, timed from process start to exit), one function per engine:
``sqlite_figures`` (the single-machine path, ``--db``), ``local_figures`` (the stages' local driver,
``--engine local --ledger DIR``), ``spark_figures`` (the Spark driver on ``local[2]``,
bench/scale_spark.py: its memory and processor time summed over the JVM and its Python workers).
Each gives events per second, events per second per core used,
processor seconds, the run's phases and peak memory (``peak_rss_mb``: the child and its workers
added up, sampled every 100 ms; ``peak_pss_mb``: shared pages divided among them, sampled every
second, bench/batch.py's ``PSS_EVERY``). The exports of
the engines are compared: ``exports_identical`` must be true. Prints one JSON object. Not a test: it
asserts nothing but the exports' equality. ``spark_per_core_ratio``: Spark's events/s per core over the
single-machine path's (the goal is at least 0.5); ``spark_per_cpu_s_ratio``: the same with processor
seconds, which a machine shared with other work distorts less.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from batch import _sample, sampled_child
from generate_month import generate
from scale_spark import CLI, per_core_ratio, spark_figures

if TYPE_CHECKING:
    from collections.abc import Callable


def child_figures(argv: list[str], events: int) -> dict[str, Any]:
    """Run ``creatorpay`` with ``argv`` (a settle with a JSON summary) in a child process: its
    throughput, processor time and peak memory."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = [0.0, 0.0]
    seconds, out = sampled_child([*CLI, *argv], argv[0], lambda child: _sample(child, peak))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary: dict[str, Any] = json.loads(out)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "events_per_s": round(events / seconds),
        "events_per_cpu_s": round(events / cpu) if cpu else None,
        "seconds": round(seconds, 2),
        "cpu_s": round(cpu, 2),
        "processes": summary.get("workers", 1),
        "phases_s": summary["timings"],
        "peak_rss_mb": round(peak[0], 1),
        "peak_pss_mb": round(peak[1], 1),
        "balanced": summary["reconciliation"]["counts_balance"] and summary["reconciliation"]["cash_balance"],
    }


def export(*where: str) -> bytes:
    """``creatorpay ledger export`` of a ledger (CSV), as bytes."""
    return subprocess.run([*CLI, "ledger", "export", *where], capture_output=True, check=True).stdout


def sqlite_figures(events: Path, creators: Path, folder: Path, count: int) -> tuple[dict[str, Any], bytes]:
    """``creatorpay settle --db``: the single-machine path (its worker processes as it decides)."""
    db = folder / "ledger.sqlite"
    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        stale.unlink(missing_ok=True)
    found = child_figures(
        ["settle", str(events), "--creators", str(creators), "--db", str(db), "--format", "json", "--no-progress"],
        count,
    )
    found["ledger_mb"] = round(sum(p.stat().st_size for p in folder.glob("ledger.sqlite*")) / 2**20, 1)
    return found, export("--db", str(db))


def local_figures(events: Path, creators: Path, folder: Path, count: int) -> tuple[dict[str, Any], bytes]:
    """``creatorpay settle --engine local``: the stages' local driver into a Parquet ledger."""
    ledger = folder / "ledger-parquet"
    shutil.rmtree(ledger, ignore_errors=True)
    argv = ["settle", str(events), "--creators", str(creators), "--engine", "local", "--ledger", str(ledger)]
    found = child_figures([*argv, "--format", "json", "--no-progress"], count)
    found["ledger_mb"] = round(sum(p.stat().st_size for p in ledger.rglob("*") if p.is_file()) / 2**20, 1)
    return found, export("--ledger", str(ledger))


#: Each engine's function: (events, creators, folder, number of events) -> (figures, its export).
ENGINES: dict[str, Callable[[Path, Path, Path, int], tuple[dict[str, Any], bytes]]] = {
    "sqlite": sqlite_figures,
    "local": local_figures,
    "spark": spark_figures,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--creators", type=int, default=None, help="default: events / 10")
    parser.add_argument("--engines", default=",".join(ENGINES), help=f"of: {', '.join(ENGINES)}")
    parser.add_argument("--dir", type=Path, default=None, help="keep the month and the ledgers here")
    parser.add_argument(
        "--spark-jobs",
        action="store_true",
        help="Spark's task metrics by step from its event log (the log costs the run a few processor seconds)",
    )
    args = parser.parse_args()
    creators = args.creators or max(1, args.events // 10)
    chosen = [name.strip() for name in args.engines.split(",") if name.strip()]
    with tempfile.TemporaryDirectory(prefix="creatorpay-scale-") as tmp:
        folder = args.dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        events, profiles = generate(folder, events=args.events, creators=creators)
        load_before = [round(x, 1) for x in os.getloadavg()]
        figures: dict[str, Any] = {}
        exports: dict[str, bytes] = {}
        for name in chosen:
            run = partial(spark_figures, jobs=args.spark_jobs) if name == "spark" else ENGINES[name]
            figures[name], exports[name] = run(events, profiles, folder, args.events)
        first = next(iter(exports.values()), b"")
        print(
            json.dumps(
                {
                    "events": args.events,
                    "creators": creators,
                    "cpus": os.cpu_count(),
                    "load_average_before": load_before,
                    "load_average": [round(x, 1) for x in os.getloadavg()],
                    "engines": figures,
                    "spark_per_core_ratio": per_core_ratio(figures),
                    "spark_per_cpu_s_ratio": _cpu_ratio(figures),
                    "exports_identical": all(data == first for data in exports.values()),
                },
                indent=2,
            )
        )


def _cpu_ratio(figures: dict[str, dict[str, Any]]) -> float | None:
    """Spark's events per processor second over the single-machine path's."""
    if "spark" not in figures or "sqlite" not in figures or not figures["sqlite"].get("events_per_cpu_s"):
        return None
    return round((figures["spark"]["events_per_cpu_s"] or 0) / figures["sqlite"]["events_per_cpu_s"], 2)


if __name__ == "__main__":
    main()
