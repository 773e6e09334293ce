"""Late events: a unit is folded from all its events in (date, event id) order whatever run brought
them, so the sum of a unit's statements (original and adjustments) is what one run of all its events
gives, line by line, including the Xingtu monthly cap (XT-CC-06, revision 2: slots go to a batch's
orders in date order, then event id).

What the invariant covers: per-unit state only. A unit's sections, its lines and the quota slots
its orders take (XT-CC-06's key is the creator's month, one unit) are the unit's own, so splitting
its events into runs changes nothing. A budget shared across units (NetEase's cash budget,
NE-BUDGET-01; WeChat's cold-start pool, WC-COLD-01) pays whoever settles first once it runs short,
and which unit settles first depends on which run brought its events: the property test keeps such
budgets far from binding (one NetEase creator, no new anchors)."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from creatorpay.core.batch import Batch
from creatorpay.core.batch.ledger import Ledger, Unit
from creatorpay.core.sqlite_store import SQLiteStore
from tests.helpers import examples
from tests.ledger.ledger_support import dump, programs, query, settle, tips, write_jsonl

PEOPLE = [
    {"id": "x1", "followers": 100000, "xingtu_registered": True, "xingtu_beta": True},
    {"id": "c1", "followers": 5000},
    {"id": "n1", "followers": 1000, "quality": True},
]


def order(
    ident: str,
    order_id: str,
    day: int,
    stage: str = "published",
    *,
    amount: str = "10000.00",
    co_creation: bool = False,
) -> dict[str, Any]:
    return {
        "id": ident,
        "platform": "xingtu",
        "creator": "x1",
        "date": f"2026-10-{day:02d}",
        "kind": "order",
        "order_id": order_id,
        "amount": amount,
        "stage": stage,
        "co_creation": co_creation,
    }


def run_all(tmp: Path, runs: list[list[dict[str, Any]]], db: str) -> Path:
    """Settle each run's events in turn into one ledger."""
    people = write_jsonl(tmp / "creators.jsonl", PEOPLE)
    for index, rows in enumerate(runs):
        summary, rejects = settle(tmp, write_jsonl(tmp / f"{db}-run{index}.jsonl", rows), people, db=db)
        assert not rejects and summary.balanced, rejects
    return tmp / db


def unit_lines(db: Path) -> dict[tuple[str, ...], dict[tuple[Any, ...], tuple[int, int]]]:
    """Per unit, the sum of its statements' lines per line key (rule, kind, order, payer, payee):
    value and amount in fen, keys summing to nothing left out; the unit's net under key ()."""
    found: dict[tuple[str, ...], dict[tuple[Any, ...], list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for platform, creator, month, *key, value, amount in query(
        db,
        "SELECT s.platform, s.creator, s.month, l.rule, l.kind, l.order_id, l.payer, l.payee, l.value, "
        "l.amount FROM statements s JOIN lines l ON l.statement = s.id",
    ):
        entry = found[(platform, creator, month)][tuple(key)]
        entry[0] += value
        entry[1] += amount
    for platform, creator, month, net in query(
        db, "SELECT platform, creator, month, sum(net) FROM statements GROUP BY platform, creator, month"
    ):
        found[(platform, creator, month)][()] = [0, net]
    return {
        unit: {key: (v, a) for key, (v, a) in lines.items() if (v, a) != (0, 0) or key == ()}
        for unit, lines in found.items()
    }


def net(db: Path, platform: str = "xingtu", creator: str = "x1") -> str:
    with SQLiteStore(db) as store:
        row = next(Ledger(store).totals(platform=platform, creator=creator))
    return str(row["net"])


def test_a_late_event_with_an_older_date_does_not_reverse_the_order(tmp_path: Path) -> None:
    """The order's latest event (by date) gives its state: published on 10-20 stays published when an
    event of 10-05 (video produced) arrives in a later run. Before, the late event was folded onto the
    settled sections in arrival order and the month's 9,500.00 went to 0.00."""
    published = order("e-b", "o1", 20, "published")
    produced = order("e-a", "o1", 5, "video_produced")
    split = run_all(tmp_path, [[published], [produced]], "split.sqlite")
    whole = run_all(tmp_path, [[published, produced]], "whole.sqlite")
    assert net(whole) == net(split) == "9500.00"
    assert unit_lines(split) == unit_lines(whole)
    statements = query(split, "SELECT type, net FROM statements ORDER BY id")
    assert statements == [("original", 950000), ("adjustment", 0)]


def test_a_late_co_creation_order_with_an_earlier_date_takes_its_slot(tmp_path: Path) -> None:
    """XT-CC-06 (revision 2): four co-creation orders of 10-10..10-13 take the month's four slots; an
    order of 10-05 arriving in a later run comes first in date order, so it takes a slot and the
    10-13 order finds none: an adjustment pays the late order and reverses the 10-13 one."""
    first = [order(f"e{day}", f"o{day}", day, amount="1000.00", co_creation=True) for day in (10, 11, 12, 13)]
    late = order("e05", "o05", 5, amount="1000.00", co_creation=True)
    split = run_all(tmp_path, [first, [late]], "split.sqlite")
    whole = run_all(tmp_path, [[*first, late]], "whole.sqlite")
    assert unit_lines(split) == unit_lines(whole)
    assert net(split) == net(whole) == "3800.00"
    with SQLiteStore(split) as store:
        _, adjustment = Ledger(store).statements(Unit("xingtu", "x1", "2026-10"))
    assert {(line["rule"], line["order"], line["amount"]) for line in adjustment["lines"]} == {
        ("XT-ORD-02", "o05", "1000.00"),
        ("XT-FEE-01", "o05", "-50.00"),
        ("XT-ORD-02", "o13", "-1000.00"),
        ("XT-FEE-01", "o13", "50.00"),
    }
    assert [v["order"] for v in adjustment["violations"] if v["rule"] == "XT-CC-06"] == ["o13"]
    holders = query(split, "SELECT holder FROM quota_slots WHERE key = 'xingtu:co_creation:x1:2026-10' ORDER BY 1")
    assert (
        holders
        == query(whole, "SELECT holder FROM quota_slots WHERE key = 'xingtu:co_creation:x1:2026-10' ORDER BY 1")
        == [("o05",), ("o10",), ("o11",), ("o12",)]
    )


_STAGES = ("negotiating", "video_produced", "published", "settled")


@st.composite
def months(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A month of events for three units: Xingtu orders (co-creation ones against the cap, stages
    moving back and forth in date), WeChat tips around the WC-TIP-03 threshold, NetEase program
    income (NE-BASE-01's floor); dates collide often, so the event id decides."""
    rows: list[dict[str, Any]] = []
    for index in range(draw(st.integers(1, 14))):
        ident, day = f"e{index:02d}", draw(st.integers(1, 6))
        kind = draw(st.sampled_from(("order", "order", "tips", "programs")))
        if kind == "order":
            rows.append(
                order(
                    ident,
                    f"o{draw(st.integers(0, 6))}",
                    day,
                    draw(st.sampled_from(_STAGES)),
                    amount=draw(st.sampled_from(("1000.00", "2500.00"))),
                    co_creation=draw(st.booleans()),
                )
            )
        elif kind == "tips":
            rows.append(tips(ident, date=f"2026-10-{day:02d}", yuan=draw(st.sampled_from(("900.00", "2600.00")))))
        else:
            rows.append(programs(ident, date=f"2026-10-{day:02d}", plays=draw(st.sampled_from(("100.00", "4000.00")))))
    return rows


@settings(max_examples=examples(30))
@given(months(), st.integers(0, 2**32 - 1))
def test_the_statements_of_split_runs_add_up_to_one_run(rows: list[dict[str, Any]], seed: int) -> None:
    """The invariant, per unit (per-unit state; see the module's docstring): the events split at
    random into runs, the runs in random order, some events sent again in a later run; the sum of
    each unit's statements equals what one run of all its events gives, line key by line key
    (XT-CC-06's slots included), and no event is settled twice."""
    pick = random.Random(seed)
    count = pick.randint(1, 4)
    runs: list[list[dict[str, Any]]] = [[] for _ in range(count)]
    for row in rows:
        runs[pick.randrange(count)].append(row)
    pick.shuffle(runs)
    for index in range(1, count):  # duplicates re-sent with a later run
        runs[index] += pick.sample(rows, pick.randint(0, min(3, len(rows))))
    for run in runs:
        pick.shuffle(run)
    runs = [run for run in runs if run] or [rows]
    with TemporaryDirectory() as directory:
        tmp = Path(directory)
        split = run_all(tmp, runs, "split.sqlite")
        whole = run_all(tmp, [rows], "whole.sqlite")
        assert unit_lines(split) == unit_lines(whole), json.dumps(runs)
        assert query(split, "SELECT count(*) FROM settled") == [(len(rows),)]
        slots = "SELECT key, holder FROM quota_slots ORDER BY 1, 2"
        assert query(split, slots) == query(whole, slots)


def test_worker_processes_settle_late_events_as_a_serial_run_does(tmp_path: Path) -> None:
    """The same late events settled with two worker processes (each unit's store calls, the slots
    given back included, replayed in the main process) write the ledger a serial run writes."""
    first = [order(f"e{day}", f"o{day}", day, amount="1000.00", co_creation=True) for day in (10, 11, 12, 13)]
    first += [tips("t1", yuan="3000.00", date="2026-10-15"), programs("p1", plays="900.00")]
    late = [
        order("e05", "o05", 5, amount="1000.00", co_creation=True),
        order("e14", "o11", 14, "negotiating"),
        tips("t0", yuan="2500.00", date="2026-10-01"),
    ]
    people = write_jsonl(tmp_path / "creators.jsonl", PEOPLE)
    dumps = []
    for workers in (0, 2):
        db = tmp_path / f"{workers}.sqlite"
        for index, rows in enumerate((first, late)):
            with SQLiteStore(db) as store:
                summary = Batch(store, workers=workers).run(write_jsonl(tmp_path / f"r{index}.jsonl", rows), people)
            assert summary.balanced and summary.workers == 1 + workers * (workers > 1)
            assert summary.resettled == 0
        dumps.append(dump(db))
    assert dumps[0] == dumps[1]
    assert ("xingtu", "x1", "2026-10", "xingtu:co_creation:x1:2026-10", "o13") in dumps[1]["unit_slots"]
    assert query(tmp_path / "2.sqlite", "SELECT count(*) FROM statements WHERE type = 'adjustment'") == [(2,)]
