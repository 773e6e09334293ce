"""The Spark driver's figures for bench/scale.py: ``creatorpay settle --engine spark --master local[N]``.

Spark runs in a process tree: the ``creatorpay`` process starts a JVM (the driver and, in local mode,
the executors' threads), which starts Python daemons and workers for the ``mapInArrow`` tasks. Its peak
memory and processor time are therefore summed over every descendant of the child (``/proc``,
sampled every 100 ms; processor time as last seen of each process), not only over its direct children
as for the other engines. Events per second per core: Spark's events per second divided by its cores
(N), as a ratio of the single-machine path's (``creatorpay settle`` on SQLite, its events per second
divided by the cores its processes could use).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

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


def _sample_tree(child: subprocess.Popen[str], peak: list[float], cpu: dict[int, float]) -> None:
    """Until ``child`` exits: the peak of the resident memory (RSS, PSS in MiB) summed over its process
    tree, and each process's processor seconds as last seen."""
    tick = os.sysconf("SC_CLK_TCK")
    while child.poll() is None:
        rss = pss = 0
        for pid in _descendants(child.pid):
            base = Path("/proc") / str(pid)
            try:
                rollup = (base / "smaps_rollup").read_text()
                stat = (base / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            fields = {line.split(":")[0]: int(line.split()[1]) for line in rollup.splitlines()[1:]}
            rss, pss = rss + fields.get("Rss", 0), pss + fields.get("Pss", 0)
            cpu[pid] = (int(stat[11]) + int(stat[12])) / tick  # utime, stime
        peak[0], peak[1] = max(peak[0], rss / 1024), max(peak[1], pss / 1024)
        time.sleep(0.1)


def spark_figures(events: Path, creators: Path, folder: Path, count: int) -> tuple[dict[str, Any], bytes]:
    """``creatorpay settle --engine spark --master local[2]`` into a Parquet ledger, in a child process
    (the JVM's start-up included: a user pays it on every run)."""
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
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
    began = time.perf_counter()
    child = subprocess.Popen([*CLI, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak, cpu = [0.0, 0.0], {}
    sampler = threading.Thread(target=_sample_tree, args=(child, peak, cpu), daemon=True)
    sampler.start()
    out, err = child.communicate()
    seconds = time.perf_counter() - began
    sampler.join()
    if child.returncode != 0:
        raise SystemExit(f"spark failed ({child.returncode}): {err.strip()[-2000:]}")
    summary: dict[str, Any] = json.loads(out)
    spent = sum(cpu.values())
    found = {
        "events_per_s": round(count / seconds),
        "events_per_s_per_core": round(count / seconds / CORES),
        "events_per_cpu_s": round(count / spent) if spent else None,
        "seconds": round(seconds, 2),
        "cpu_s": round(spent, 2),
        "cores": CORES,
        "phases_s": summary["timings"],
        "peak_rss_mb": round(peak[0], 1),
        "peak_pss_mb": round(peak[1], 1),
        "balanced": summary["reconciliation"]["counts_balance"] and summary["reconciliation"]["cash_balance"],
        "ledger_mb": round(sum(p.stat().st_size for p in ledger.rglob("*") if p.is_file()) / 2**20, 1),
    }
    exported = subprocess.run([*CLI, "ledger", "export", "--ledger", str(ledger)], capture_output=True, check=True)
    return found, exported.stdout


def per_core_ratio(figures: dict[str, dict[str, Any]]) -> float | None:
    """Spark's events per second per core as a ratio of the single-machine path's (``sqlite``: its
    events per second over the cores its processes could use)."""
    if "spark" not in figures or "sqlite" not in figures:
        return None
    single = figures["sqlite"]
    cores = min(os.cpu_count() or 1, single.get("processes", 1) or 1)
    return round(figures["spark"]["events_per_s_per_core"] / (single["events_per_s"] / cores), 2)
