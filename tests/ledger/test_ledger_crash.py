"""Crash safety: ``creatorpay settle`` killed with SIGKILL at random moments, then run again with
the same command, yields exactly the ledger an uninterrupted run yields (a real child process)."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.ledger.ledger_support import BENCH, CLI, ROOT, dump, query, settle_args

sys.path.insert(0, str(BENCH))
from generate_month import generate


def _command(events: Path, people: Path, db: Path) -> list[str]:
    # Small transactions, so that a kill finds many commits behind it and work in flight.
    rejects = str(db.with_suffix(".rejects.csv"))
    return [*CLI, *settle_args(events, people, db, "--chunk", "15", "--stage-chunk", "300", "--rejects", rejects)]


def _finish(command: list[str]) -> dict[str, object]:
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    summary: dict[str, object] = json.loads(done.stdout)
    return summary


def test_kill_9_at_random_points_then_rerun_equals_a_clean_run(tmp_path: Path) -> None:
    events, people = generate(tmp_path / "month", events=4000, creators=400, seed=21, malformed=4, duplicates=4)
    clean_db = tmp_path / "clean.sqlite"
    began = time.perf_counter()
    clean = _finish(_command(events, people, clean_db))
    took = time.perf_counter() - began
    expected = dump(clean_db)
    assert expected["statements"] and clean["reconciliation"]["counts_balance"]  # type: ignore[index]

    rng = random.Random(20261001)
    partial = 0
    fractions = [0.45, 0.6, 0.75, 0.9]
    attempt = 0
    while attempt < len(fractions):
        db = tmp_path / f"crash{attempt}.sqlite"
        command = _command(events, people, db)
        for _ in range(1 + attempt % 2):  # every other attempt is killed twice before it completes
            child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(took * fractions[attempt] * rng.uniform(0.7, 1.1))
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=60)
            partial += 0 < _statements_written(db) < len(expected["statements"])
        summary = _finish(command)
        assert dump(db) == expected, f"attempt {attempt}: the ledger differs from the clean run's"
        assert summary["reconciliation"]["cash_balance"]  # type: ignore[index]
        attempt += 1
        if attempt == len(fractions) and not partial and attempt < 12:
            # Under load the clean run's time is a poor clock: try more moments until a kill lands mid-run.
            fractions.append(rng.uniform(0.3, 0.95))
    assert partial >= 1, "no kill landed while statements were being written; the test proved little"


def _statements_written(db: Path) -> int:
    """Statements in the ledger so far: 0 when the kill came before the file or its tables existed."""
    if not db.exists() or not query(db, "SELECT count(*) FROM sqlite_master WHERE name = 'statements'")[0][0]:
        return 0
    return int(query(db, "SELECT count(*) FROM statements")[0][0])
