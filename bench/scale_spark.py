"""The Spark driver's figures for bench/scale.py: ``creatorpay settle --engine spark --master local[N]``.

Spark runs in a process tree: the ``creatorpay`` process starts a JVM (the driver and, in local mode,
the executors' threads), which starts Python daemons and workers for the ``mapInArrow`` tasks. Its peak
memory and processor time are therefore summed over every descendant of the child (``/proc``,
sampled every 100 ms, the shared-adjusted memory every second as bench/batch.py's sampler does;
processor time as last seen of each process), not only over its direct children as for the other
engines. Events per second per core: Spark's events per second divided by its cores
(N), as a ratio of the single-machine path's (``creatorpay settle`` on SQLite, its events per second
divided by the cores its processes could use).

Where the time goes: the driver's steps (``phases_s``: the driver's wall seconds of each step, and
``python.<task>`` the Python workers' processor seconds of each kind of task, from the run's summary);
Spark's own metrics of each step's jobs (``spark_jobs``: tasks, their run time, the JVM's processor
and garbage-collection time in them, bytes shuffled, spilled and written), read from Spark's event
log (``spark.eventLog.enabled``, in a temporary folder) with ``--spark-jobs`` only: a user's run writes
no event log, and writing one cost the 1M month's run about 1.5 s and 2.6 processor seconds (null
without it); and the processor seconds of the process tree
by kind of process (``cpu_s_by_process``: the ``creatorpay`` driver process, the JVM, the Python workers),
and the JVM's processor seconds by kind of thread (``jvm_cpu_s_by_thread``: the JIT compilers, the
garbage collector, Spark's task threads, the rest; each thread as last seen, sampled every half second).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from batch import PSS_EVERY, memory_kib, sampled_child

CLI = [sys.executable, "-c", "from creatorpay.core.cli import main; main()"]
#: The cores Spark local[N] is given.
CORES = 2


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (Linux /proc: each thread's children)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in (Path("/proc") / str(current) / "task").glob("*"):
            try:
                todo += [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                continue
    return found


def _kind(pid: int, root: int) -> str:
    """What a process of the tree is: ``driver`` (the ``creatorpay`` process), ``jvm`` or ``python_workers``."""
    if pid == root:
        return "driver"
    try:
        name = (Path("/proc") / str(pid) / "comm").read_text().strip()
    except OSError:
        return "other"
    return "jvm" if name == "java" else "python_workers" if name.startswith("python") else "other"


def _thread_kind(name: str) -> str:
    """What a JVM thread is, by its name (``comm``, 15 characters): ``jit`` (the C1 and C2 compilers),
    ``gc`` (the collector's threads and the VM thread, which runs its pauses), ``tasks`` (Spark's task
    threads) or ``other``."""
    if "CompilerThre" in name:
        return "jit"
    if name.startswith(("GC Thread", "VM Thread", "G1 ", "VM Periodic")):
        return "gc"
    return "tasks" if name.startswith("Executor task") else "other"


def _sample_threads(pid: int, threads: dict[int, tuple[str, float]], tick: int) -> None:
    """Each thread of the JVM ``pid``: its kind and processor seconds as last seen, into ``threads``."""
    for task in (Path("/proc") / str(pid) / "task").glob("*"):
        try:
            name = (task / "comm").read_text().strip()
            stat = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        threads[int(task.name)] = (_thread_kind(name), (int(stat[11]) + int(stat[12])) / tick)


def _sample_tree(
    child: subprocess.Popen[str],
    peak: list[float],
    cpu: dict[int, float],
    kinds: dict[int, str] | None = None,
    threads: dict[int, tuple[str, float]] | None = None,
) -> None:
    """Until ``child`` exits: the peak of the resident memory (RSS, PSS in MiB) summed over its process
    tree, and each process's processor seconds as last seen (and, into ``kinds``, what it is; into
    ``threads``, the JVM's threads every fifth sample, :func:`_sample_threads`)."""
    tick = os.sysconf("SC_CLK_TCK")
    samples = 0
    while child.poll() is None:
        samples += 1
        rss = pss = 0
        with_pss = samples % PSS_EVERY == 1  # the first sample's
        for pid in _descendants(child.pid):
            base = Path("/proc") / str(pid)
            try:
                stat = (base / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found = memory_kib(pid, pss=with_pss)
            if found is not None:
                rss, pss = rss + found[0], pss + found[1]
            cpu[pid] = (int(stat[11]) + int(stat[12])) / tick  # utime, stime
            if kinds is not None:  # read again: the JVM starts as a shell script, then execs java
                kinds[pid] = _kind(pid, child.pid)
                if threads is not None and kinds[pid] == "jvm" and samples % 5 == 0:
                    _sample_threads(pid, threads, tick)
        peak[0], peak[1] = max(peak[0], rss / 1024), max(peak[1], pss / 1024)
        time.sleep(0.1)


def spark_figures(
    events: Path, creators: Path, folder: Path, count: int, *, jobs: bool = False
) -> tuple[dict[str, Any], bytes]:
    """``creatorpay settle --engine spark --master local[2]`` into a Parquet ledger, in a child process
    (the JVM's start-up included: a user pays it on every run); ``jobs``: with Spark's event log, for
    each step's task metrics (``spark_jobs``)."""
    ledger = folder / "ledger-spark"
    shutil.rmtree(ledger, ignore_errors=True)
    argv = [
        "settle",
        str(events),
        "--creators",
        str(creators),
        "--engine",
        "spark",
        "--master",
        f"local[{CORES}]",
        "--ledger",
        str(ledger),
        "--format",
        "json",
        "--no-progress",
    ]
    with tempfile.TemporaryDirectory(prefix="creatorpay-spark-events-") as log:
        submit = os.environ.get("PYSPARK_SUBMIT_ARGS", "pyspark-shell")
        logging = f"--conf spark.eventLog.enabled=true --conf spark.eventLog.dir=file://{log} " if jobs else ""
        env = {
            **os.environ,
            "PYSPARK_PYTHON": sys.executable,
            "PYSPARK_DRIVER_PYTHON": sys.executable,
            "PYSPARK_SUBMIT_ARGS": f"{logging}{submit}",
        }
        peak = [0.0, 0.0]
        cpu: dict[int, float] = {}
        kinds: dict[int, str] = {}
        threads: dict[int, tuple[str, float]] = {}
        seconds, out = sampled_child(
            [*CLI, *argv], "spark", lambda child: _sample_tree(child, peak, cpu, kinds, threads), env
        )
        metrics = (
            {name: figures for path in sorted(Path(log).iterdir()) for name, figures in job_metrics(path).items()}
            if jobs
            else None
        )
    summary: dict[str, Any] = json.loads(out)
    spent = sum(cpu.values())
    by_kind: dict[str, float] = defaultdict(float)
    for pid, seconds_ in cpu.items():
        by_kind[kinds.get(pid, "other")] += seconds_
    by_thread: dict[str, float] = defaultdict(float)
    for kind, seconds_ in threads.values():
        by_thread[kind] += seconds_
    found = {
        "events_per_s": round(count / seconds),
        "events_per_s_per_core": round(count / seconds / CORES),
        "events_per_cpu_s": round(count / spent) if spent else None,
        "seconds": round(seconds, 2),
        "cpu_s": round(spent, 2),
        "cores": CORES,
        "cpu_s_by_process": {kind: round(value, 1) for kind, value in sorted(by_kind.items())},
        "jvm_cpu_s_by_thread": {kind: round(value, 1) for kind, value in sorted(by_thread.items())},
        "phases_s": summary["timings"],
        "spark_jobs": metrics,
        "peak_rss_mb": round(peak[0], 1),
        "peak_pss_mb": round(peak[1], 1),
        "balanced": summary["reconciliation"]["counts_balance"] and summary["reconciliation"]["cash_balance"],
        "ledger_mb": round(sum(p.stat().st_size for p in ledger.rglob("*") if p.is_file()) / 2**20, 1),
    }
    exported = subprocess.run([*CLI, "ledger", "export", "--ledger", str(ledger)], capture_output=True, check=True)
    return found, exported.stdout


def job_metrics(log: Path) -> dict[str, dict[str, float]]:
    """Spark's task metrics in an event log, summed over the jobs of each description (the driver's
    step: ``creatorpay: settle``, …; a job without one by its call site), in the order they started:
    tasks, run seconds, the JVM's processor and garbage-collection seconds in them, MiB shuffled
    (written, read), spilled to disk and written out."""
    names: dict[int, str] = {}  # stage -> its job's description
    found: dict[str, dict[str, float]] = {}
    with log.open(encoding="utf-8") as lines:
        for line in lines:
            event = json.loads(line)
            if event["Event"] == "SparkListenerJobStart":
                properties = event.get("Properties") or {}
                name = properties.get("spark.job.description") or properties.get("callSite.short", "?")
                found.setdefault(name, defaultdict(float))
                names.update(dict.fromkeys(event.get("Stage IDs", []), name))
            elif event["Event"] == "SparkListenerTaskEnd" and event.get("Task Metrics"):
                metrics = event["Task Metrics"]
                sums = found.setdefault(names.get(event["Stage ID"], "?"), defaultdict(float))
                written = metrics.get("Shuffle Write Metrics") or {}
                read = metrics.get("Shuffle Read Metrics") or {}
                sums["tasks"] += 1
                sums["run_s"] += metrics.get("Executor Run Time", 0) / 1e3
                sums["jvm_cpu_s"] += (
                    metrics.get("Executor CPU Time", 0) + metrics.get("Executor Deserialize CPU Time", 0)
                ) / 1e9
                sums["gc_s"] += metrics.get("JVM GC Time", 0) / 1e3
                sums["shuffle_written_mb"] += written.get("Shuffle Bytes Written", 0) / 2**20
                sums["shuffle_read_mb"] += (read.get("Local Bytes Read", 0) + read.get("Remote Bytes Read", 0)) / 2**20
                sums["spilled_mb"] += metrics.get("Disk Bytes Spilled", 0) / 2**20
                sums["output_mb"] += (metrics.get("Output Metrics") or {}).get("Bytes Written", 0) / 2**20
    return {name: {key: round(value, 1) for key, value in sums.items()} for name, sums in found.items() if sums}


def per_core_ratio(figures: dict[str, dict[str, Any]]) -> float | None:
    """Spark's events per second per core as a ratio of the single-machine path's (``sqlite``: its
    events per second over the cores its processes could use)."""
    if "spark" not in figures or "sqlite" not in figures:
        return None
    single = figures["sqlite"]
    cores = min(os.cpu_count() or 1, single.get("processes", 1) or 1)
    return round(figures["spark"]["events_per_s_per_core"] / (single["events_per_s"] / cores), 2)
