"""Batch settlement throughput: a generated month settled end to end by ``creatorpay settle``.

    python bench/batch.py [--events 1000000] [--creators N] [--profile]

Generates the month (bench/generate_month.py, not timed) into a temporary folder, then runs the
``creatorpay settle`` command in a child process on a fresh ledger and prints one JSON object:
events per second end to end (process start to exit), the processor time of the child and its
workers, the run's own phase timings, peak memory in MB (``peak_rss_mb``: the resident memory of the
child and its workers added up, sampled every 100 ms, pages they share counted in each;
``peak_pss_mb``: the same with shared pages divided among the processes sharing them, sampled every
second, its reading being costly;
``peak_rss_largest_process_mb``: the largest single process) and the ledger's size on disk.
``--profile`` runs the settle in-process and serially under cProfile instead and prints the top
functions to stderr. Goal (issue 9): 100,000 events/s with peak memory under 300 MB on the 2-core
machine. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_month import generate


def settle_argv(events: Path, creators: Path, db: Path) -> list[str]:
    """The ``creatorpay settle`` command the benchmarks run as a child: JSON summary, no progress bar."""
    return [
        sys.executable,
        "-c",
        "from creatorpay.core.cli import main; main()",
        "settle",
        str(events),
        "--creators",
        str(creators),
        "--db",
        str(db),
        "--format",
        "json",
        "--no-progress",
    ]


def settle_child(events: Path, creators: Path, db: Path) -> tuple[float, dict[str, Any], list[float]]:
    """Wall seconds of the ``creatorpay settle`` child, its JSON summary, and the peaks of the memory
    of the child and its worker processes together, in MB (sampled every 100 ms): resident (pages
    the workers share with the process they were forked from counted in each) and proportional
    (shared pages divided among the processes sharing them: what the run really occupies)."""
    peak = [0.0, 0.0]
    seconds, out = sampled_child(settle_argv(events, creators, db), "settle", lambda child: _sample(child, peak))
    summary: dict[str, Any] = json.loads(out)
    return seconds, summary, peak


def sampled_child(
    argv: list[str],
    name: str,
    sample: Callable[[subprocess.Popen[str]], None],
    env: Mapping[str, str] | None = None,
) -> tuple[float, str]:
    """Run ``argv`` as a child process while ``sample(child)`` watches it from a thread: its wall
    seconds and standard output; a failure ends the benchmark with its standard error."""
    began = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    sampler = threading.Thread(target=sample, args=(child,), daemon=True)
    sampler.start()
    out, err = child.communicate()
    seconds = time.perf_counter() - began
    sampler.join()
    if child.returncode != 0:
        raise SystemExit(f"{name} failed ({child.returncode}): {err.strip()[-2000:]}")
    return seconds, out


#: Samples between two reads of the processes' shared-adjusted memory (PSS, ``smaps_rollup``): the
#: kernel walks every page of a process for it (12 ms for a process of 3 GB, measured), while its
#: resident memory (``status``) is a counter. Read every 100 ms, the PSS of Spark's 3 GB JVM took about
#: an eighth of a core from the run measured.
PSS_EVERY = 10


def memory_kib(pid: int | str, *, pss: bool) -> tuple[int, int] | None:
    """A process's resident memory and, if ``pss``, its shared-adjusted memory (else 0), in KiB (Linux
    /proc); None once it has exited."""
    base = Path("/proc") / str(pid)
    try:
        if pss:
            rollup = (base / "smaps_rollup").read_text()
            fields = {line.split(":")[0]: int(line.split()[1]) for line in rollup.splitlines()[1:]}
            return fields.get("Rss", 0), fields.get("Pss", 0)
        for line in (base / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]), 0
        return 0, 0  # a zombie: no memory left
    except OSError:
        return None


def _sample(child: subprocess.Popen[str], peak: list[float]) -> None:
    """Sum the resident memory of ``child`` and its children (Linux /proc) until it exits: every 100 ms,
    and their shared-adjusted memory every :data:`PSS_EVERY` samples."""
    root = Path("/proc") / str(child.pid)
    samples = 0
    while child.poll() is None:
        try:
            pids = [str(child.pid), *(root / "task" / str(child.pid) / "children").read_text().split()]
        except OSError:
            pids = [str(child.pid)]
        with_pss = samples % PSS_EVERY == 0
        samples += 1
        rss = pss = 0
        for pid in pids:
            found = memory_kib(pid, pss=with_pss)
            if found is not None:
                rss, pss = rss + found[0], pss + found[1]
        peak[0], peak[1] = max(peak[0], rss / 1024), max(peak[1], pss / 1024)
        time.sleep(0.1)


def settle_profiled(events: Path, creators: Path, db: Path) -> None:
    import cProfile
    import pstats

    from creatorpay.core.batch import Batch
    from creatorpay.core.sqlite_store import SQLiteStore

    with SQLiteStore(db) as store:
        profiler = cProfile.Profile()
        profiler.enable()
        Batch(store, workers=0).run(events, creators)  # serially: the profile shows all the work
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
        seconds, summary, together = settle_child(events, profiles, db)
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak = usage.ru_maxrss / 1024
        size = sum(p.stat().st_size for p in folder.glob("ledger.sqlite*"))
        print(
            json.dumps(
                {
                    "events": args.events,
                    "creators": creators,
                    "format": args.format,
                    "units": summary["units"],
                    "statements": summary["statements"],
                    "events_per_s": round(args.events / seconds),
                    "seconds": round(seconds, 2),
                    "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
                    "phases_s": summary["timings"],
                    "peak_rss_mb": round(max(peak, together[0]), 1),
                    "peak_pss_mb": round(together[1], 1),
                    "peak_rss_largest_process_mb": round(peak, 1),
                    "workers": summary.get("workers"),
                    "ledger_mb": round(size / 2**20, 1),
                    "balanced": summary["reconciliation"]["counts_balance"]
                    and summary["reconciliation"]["cash_balance"],
                    "generate_s": round(generated, 2),
                    "cpus": os.cpu_count(),
                    "goal": {"events_per_s": 100_000, "peak_rss_mb": 300},
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
