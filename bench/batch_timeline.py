"""Where a batch run's two cores idle: each process's processor time sampled through a run.

    python bench/batch_timeline.py [--events 1000000] [--dir FOLDER] [--every 0.5] [--series]

Generates a month (bench/generate_month.py, not timed; or reads ``events.jsonl`` and
``creators.jsonl`` already in ``--dir``), runs ``creatorpay settle`` on a fresh ledger in a child
process as bench/batch.py does, and samples from Linux's ``/proc`` every ``--every`` seconds the
processor time of the main process's main thread, of its other threads (the sender, the pending
copy's thread) and of each worker. Prints one JSON object: per phase of the run (its own timings,
placed on the child's clock) the wall seconds, each part's processor seconds and the idle
core-seconds (cores × wall − processor time: what the run left of the machine), the share of the
samples in which each process waited, and in what (``waiting_in``: reading a message, writing one,
anything else); the stretches of
at least two seconds where less than ``--busy`` cores were used, with who was busy; and with
``--series`` every sample. Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import subprocess

sys.path.insert(0, str(Path(__file__).resolve().parent))

import itertools

from batch import sampled_child, settle_argv
from generate_month import generate

TICK = os.sysconf("SC_CLK_TCK")
#: The run's phases, in order, as its summary's timings name them.
PHASES = ("creators", "events", "units", "reconcile")


#: What a waiting process waits in, by the number of the system call it is in (Linux's numbers on
#: x86-64, else arm64's): ``read`` a message (a worker with nothing to do; the main process waiting
#: for an answer), ``write`` a message (a pipe full: the other side has not read it), anything else
#: ``other`` (a lock, a futex, the disk).
WAITS = {"0": "read", "1": "write"} if platform.machine() == "x86_64" else {"63": "read", "64": "write"}


def _cpu(stat: Path) -> tuple[float, str | None] | None:
    """Processor seconds (user + system) of a process or thread, from its ``stat`` file, and what it
    waits in (:data:`WAITS`, from its ``syscall`` file) when it is sleeping rather than running or
    runnable; None when it is not waiting."""
    try:
        text = stat.read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # after the command name, which may hold spaces
    seconds = (int(fields[11]) + int(fields[12])) / TICK
    if fields[0] in "RD":
        return seconds, None
    try:
        call = stat.with_name("syscall").read_text().split()[0]
    except (OSError, IndexError):
        call = ""
    return seconds, WAITS.get(call, "other")


def _snapshot(pid: int) -> tuple[dict[str, float], dict[str, str]]:
    """Processor seconds so far: ``main`` (the main thread), ``thread N`` (its other threads, by
    their ids), and ``worker N`` for each child process, by its pid's order; and which of main and
    the workers are waiting now, and in what (:data:`WAITS`)."""
    root = Path("/proc") / str(pid)
    found: dict[str, float] = {}
    waiting: dict[str, str] = {}
    try:
        tasks = [int(t) for t in os.listdir(root / "task")]
    except OSError:
        return found, waiting
    for tid in tasks:
        read = _cpu(root / "task" / str(tid) / "stat")
        if read is None:
            continue
        if tid == pid:
            found["main"] = read[0]
            if read[1]:
                waiting["main"] = read[1]
        else:
            found[f"thread {tid}"] = read[0]  # summed as "threads" (kept once the thread ends)
    try:
        children = sorted(int(c) for c in (root / "task" / str(pid) / "children").read_text().split())
    except OSError:
        children = []
    for number, child in enumerate(children, start=1):
        read = _cpu(Path("/proc") / str(child) / "stat")
        if read is not None:
            found[f"worker {number}"] = read[0]
            if read[1]:
                waiting[f"worker {number}"] = read[1]
    return found, waiting


Sample = tuple[float, dict[str, float], dict[str, str]]


def _watch(child: subprocess.Popen[str], every: float, samples: list[Sample]) -> None:
    """Sample the child every ``every`` seconds until it exits (a worker's last figure is kept)."""
    began = time.perf_counter()
    last: dict[str, float] = {}
    while child.poll() is None:
        now, waiting = _snapshot(child.pid)
        last = {**last, **now}  # an ended worker or thread keeps its last figure
        parts = {name: seconds for name, seconds in last.items() if not name.startswith("thread ")}
        parts["threads"] = sum(seconds for name, seconds in last.items() if name.startswith("thread "))
        samples.append((time.perf_counter() - began, parts, waiting))
        time.sleep(every)


def timeline(events: Path, creators: Path, db: Path, every: float, busy: float) -> dict[str, Any]:
    samples: list[Sample] = []
    load = os.getloadavg()[0]
    argv = settle_argv(events, creators, db)
    seconds, out = sampled_child(argv, "settle", lambda child: _watch(child, every, samples))
    summary = json.loads(out)
    cores = os.cpu_count() or 1
    parts = sorted({name for _, sample, _ in samples for name in sample})
    # The run's phases on the child's clock: the run ends with the summary printed, just before exit.
    start = seconds - summary["seconds"]
    bounds: list[tuple[str, float, float]] = []
    at = start
    for phase in PHASES:
        length = summary["timings"].get(phase, 0.0)
        bounds.append((phase, at, at + length))
        at += length
    bounds.insert(0, ("start-up", 0.0, start))

    def used(t0: float, t1: float) -> dict[str, float]:
        """Processor seconds of each part between two times (the samples nearest them)."""
        before = next((s for t, s, _ in reversed(samples) if t <= t0), {})
        after = next((s for t, s, _ in reversed(samples) if t <= t1), samples[-1][1] if samples else {})
        return {p: round(after.get(p, 0.0) - before.get(p, 0.0), 2) for p in parts}

    def waited(t0: float, t1: float, what: str | None = None) -> dict[str, float]:
        """The share of the samples between two times in which each process was waiting (for a
        pipe, a lock; only in ``what`` when given, :data:`WAITS`): a measure of stalls that other
        work on the host does not change."""
        within = [w for t, _, w in samples if t0 <= t < t1]
        names = [p for p in parts if p != "threads"]
        if not within:
            return {}
        return {p: round(sum(p in w and what in (None, w[p]) for w in within) / len(within), 2) for p in names}

    phases = []
    for phase, t0, t1 in bounds:
        spent = used(t0, t1)
        phases.append(
            {
                "phase": phase,
                "from_s": round(t0, 1),
                "wall_s": round(t1 - t0, 2),
                "cpu_s": spent,
                "idle_core_s": round(max(0.0, cores * (t1 - t0) - sum(spent.values())), 2),
                "waiting": waited(t0, t1),
                "waiting_in": {what: waited(t0, t1, what) for what in ("read", "write", "other")},
            }
        )
    series: list[tuple[float, dict[str, float]]] = []
    for (t0, s0, _), (t1, s1, _) in itertools.pairwise(samples):
        width = t1 - t0
        series.append((round(t1, 1), {p: round((s1.get(p, 0.0) - s0.get(p, 0.0)) / width, 2) for p in parts}))
    stretches = _stretches(series, parts, every, busy, bounds)
    used_s = {p: round(samples[-1][1].get(p, 0.0), 2) for p in parts} if samples else {}
    result: dict[str, Any] = {
        "events": summary["rows_read"],
        "seconds": round(seconds, 2),
        "events_per_s": round(summary["rows_read"] / seconds),
        "cpu_s": used_s,
        "cpu_s_all": round(sum(used_s.values()), 2),
        "idle_core_s": round(cores * seconds - sum(used_s.values()), 2),
        "load_at_start": round(load, 2),
        "load_at_end": round(os.getloadavg()[0], 2),
        "phases": phases,
        f"stretches_below_{busy}_cores": stretches,
    }
    return {**result, "series": series} if series and every else result


def _stretches(
    series: list[tuple[float, dict[str, float]]],
    parts: list[str],
    every: float,
    busy: float,
    bounds: list[tuple[str, float, float]],
) -> list[dict[str, Any]]:
    """The stretches of at least two seconds in which the run used fewer than ``busy`` cores: when,
    in which phase, how many cores on average and each part's share."""
    found: list[dict[str, Any]] = []
    run: list[tuple[float, dict[str, float]]] = []
    for t, rates in [*series, (float("inf"), {})]:
        if rates and sum(rates.values()) < busy:
            run.append((t, rates))
            continue
        if run and run[-1][0] - (run[0][0] - every) >= 2.0:
            began = round(run[0][0] - every, 1)
            found.append(
                {
                    "from_s": began,
                    "to_s": run[-1][0],
                    "phase": next((name for name, t0, t1 in bounds if t0 <= began < t1), "exit"),
                    "cores_used": round(sum(sum(r.values()) for _, r in run) / len(run), 2),
                    "by": {p: round(sum(r.get(p, 0.0) for _, r in run) / len(run), 2) for p in parts},
                }
            )
        run = []
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=None, help="a month already there, else generated here")
    parser.add_argument("--every", type=float, default=0.25, help="seconds between samples")
    parser.add_argument("--busy", type=float, default=1.8, help="a stretch below this many cores is reported")
    parser.add_argument("--series", action="store_true", help="print every sample too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="creatorpay-timeline-") as tmp:
        folder = args.dir or Path(tmp)
        events, creators = folder / "events.jsonl", folder / "creators.jsonl"
        if not events.exists():
            events, creators = generate(folder, events=args.events, creators=max(1, args.events // 10))
        db = Path(tmp) / "ledger.sqlite"
        found = timeline(events, creators, db, args.every, args.busy)
        if not args.series:
            found.pop("series", None)
        print(json.dumps(found, indent=1))


if __name__ == "__main__":
    main()
