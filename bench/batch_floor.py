"""The ceiling of batch settlement: what its checks and its engine cost with nothing around them.

    python bench/batch_floor.py [--events 100000]

Generates a month (bench/generate_month.py), then, in one process, does only what any batch must
do per event and per unit, with the same code ``creatorpay settle`` uses: read and check every
row (``parse_event``), group the events by unit in memory, settle each unit (``Settler``: fold the
events, build the scenario, ``Engine.settle``, the rows the ledger writes), and write one row per
event and one per statement to SQLite. No staging, no idempotency look-ups, no crash safety, no
second process: every run of ``creatorpay settle`` costs more than this. It prints the processor
time per event of each part and ``ideal_events_per_s_on_2_cores``: twice the events this one
process settles per second of processor time, the most a perfectly parallel run could reach on
the 2-core machine (docs/performance.md). Not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import json
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_month import generate

from creatorpay.core.batch.codec import compact_json
from creatorpay.core.batch.ledger import Unit
from creatorpay.core.batch.workers import Job, Settler
from creatorpay.core.engine import Engine
from creatorpay.core.events import Event, parse_event
from creatorpay.core.profiles import parse_profile
from creatorpay.core.sqlite_schema import migrate
from creatorpay.core.sqlite_store import StoreBuffer


def floor(events: Path, creators: Path, db: Path) -> dict[str, object]:
    engine = Engine()
    settler = Settler(engine)
    platforms = frozenset(engine.platforms)
    began = time.process_time()
    profiles: dict[str, str] = {}
    with creators.open("rb") as handle:
        for line in handle:
            parsed = parse_profile(json.loads(line))
            assert isinstance(parsed, tuple), parsed
            profiles[parsed[0]] = parsed[1]
    read = time.process_time()
    units: defaultdict[tuple[str, str, str], list[tuple[str, str, str, str]]] = defaultdict(list)
    count = 0
    with events.open("rb") as handle:
        for line in handle:
            event = parse_event(json.loads(line), platforms=platforms)
            assert isinstance(event, Event), event
            units[(event.creator, event.platform, event.month)].append((event.date, event.id, event.kind, event.body))
            count += 1
    checked = time.process_time()
    # The events are all in memory here (a real run holds a piece at a time): keep the collector
    # from walking them again and again, and collect as `creatorpay settle` does.
    gc.freeze()
    gc.set_threshold(50_000, *gc.get_threshold()[1:])
    memory = sqlite3.connect(":memory:", isolation_level=None)
    migrate(memory)
    store = StoreBuffer(memory)
    outcomes = []
    for creator, platform, month in sorted(units):
        rows = sorted(units[(creator, platform, month)])
        job = Job(
            Unit(platform, creator, month),
            [(i, d, k, b) for d, i, k, b in rows],
            [i for _, i, _, _ in rows],
            profiles.get(creator),
            None,
            None,
            [],
        )
        outcomes.append(settler.settle(job, store))
    settled = time.process_time()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE events (id TEXT PRIMARY KEY, statement INTEGER NOT NULL) WITHOUT ROWID")
    conn.execute(
        "CREATE TABLE statements (id INTEGER PRIMARY KEY, platform TEXT, creator TEXT, month TEXT, "
        "net INTEGER, lines TEXT, detail TEXT, scenario TEXT)"
    )
    conn.execute("BEGIN")
    statements, ids = [], []
    for ident, outcome in enumerate(outcomes, start=1):
        entry = outcome.rows
        assert entry is not None, outcome.rejected
        statements.append((ident, *entry.unit, entry.net, compact_json(entry.lines), entry.detail, entry.scenario))
        ids += [(event, ident) for event in entry.events]
    ids.sort()
    conn.executemany("INSERT INTO statements VALUES (?, ?, ?, ?, ?, ?, ?, ?)", statements)
    conn.executemany("INSERT INTO events VALUES (?, ?)", ids)
    conn.execute("COMMIT")
    written = time.process_time()

    def per_event(start: float, end: float) -> float:
        return round((end - start) / count * 1e6, 2)

    return {
        "events": count,
        "units": len(units),
        "us_per_event": {
            "profiles": per_event(began, read),
            "read_and_check": per_event(read, checked),
            "settle": per_event(checked, settled),
            "write": per_event(settled, written),
            "total": per_event(began, written),
        },
        "settle_us_per_unit": round((settled - checked) / len(units) * 1e6, 1),
        "cpu_s": round(written - began, 2),
        "ideal_events_per_s_on_2_cores": round(2 * count / (written - began)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="creatorpay-floor-") as tmp:
        folder = Path(tmp)
        events, creators = generate(folder, events=args.events, creators=max(1, args.events // 10))
        print(json.dumps(floor(events, creators, folder / "floor.sqlite"), indent=2))


if __name__ == "__main__":
    main()
