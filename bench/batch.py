"""Batch settlement throughput: a generated month settled end to end by ``creatorpay settle``.

    python bench/batch.py [--events 1000000] [--creators N] [--profile]

Generates the month (bench/generate_month.py, not timed) into a temporary folder, then runs the
``creatorpay settle`` command in a child process on a fresh ledger and prints one JSON object:
events per second end to end (process start to exit), the run's own phase timings, the child's peak
resident memory in MB and the ledger's size on disk. ``--profile`` runs the settle in-process under
cProfile instead and prints the top functions to stderr. Goal (issue 9): 100,000 events/s with
peak memory under 300 MB on the 2-core machine. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_month import generate


def settle_child(events: Path, creators: Path, db: Path) -> tuple[float, dict[str, Any]]:
    """Wall seconds of the ``creatorpay settle`` child and its JSON summary."""
    argv = [sys.executable, "-c", "from creatorpay.core.cli import main; main()", "settle", str(events),
            "--creators", str(creators), "--db", str(db), "--format", "json", "--no-progress"]
    began = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"settle failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    summary: dict[str, Any] = json.loads(done.stdout)
    return seconds, summary


def settle_profiled(events: Path, creators: Path, db: Path) -> None:
    import cProfile
    import pstats

    from creatorpay.core.batch import Batch
    from creatorpay.core.sqlite_store import SQLiteStore

    with SQLiteStore(db) as store:
        profiler = cProfile.Profile()
        profiler.enable()
        Batch(store).run(events, creators)
        profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stderr)
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--creators", type=int, default=None, help="default: events / 10")
    parser.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    parser.add_argument("--dir", type=Path, default=None, help="keep the month and the ledger here")
    parser.add_argument("--profile", action="store_true", help="profile in-process with cProfile")
    args = parser.parse_args()
    creators = args.creators or max(1, args.events // 10)
    with tempfile.TemporaryDirectory(prefix="creatorpay-bench-") as tmp:
        folder = args.dir or Path(tmp)
        began = time.perf_counter()
        events, profiles = generate(folder, events=args.events, creators=creators, fmt=args.format)
        generated = time.perf_counter() - began
        db = folder / "ledger.sqlite"
        for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            stale.unlink(missing_ok=True)
        if args.profile:
            settle_profiled(events, profiles, db)
            return
        seconds, summary = settle_child(events, profiles, db)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        size = sum(p.stat().st_size for p in folder.glob("ledger.sqlite*"))
        print(json.dumps({
            "events": args.events, "creators": creators, "format": args.format,
            "units": summary["units"], "statements": summary["statements"],
            "events_per_s": round(args.events / seconds),
            "seconds": round(seconds, 2), "phases_s": summary["timings"],
            "peak_rss_mb": round(peak, 1), "ledger_mb": round(size / 2**20, 1),
            "balanced": summary["reconciliation"]["counts_balance"] and summary["reconciliation"]["cash_balance"],
            "generate_s": round(generated, 2), "cpus": os.cpu_count(),
            "goal": {"events_per_s": 100_000, "peak_rss_mb": 300},
        }, indent=2))


if __name__ == "__main__":
    main()
