"""Engine(...).settle(..., store=PostgresStore(dsn)) end to end: XT-CC-06's slots are kept across
calls (and machines), the statements are those SQLiteStore gives, and a statement that ends in
``error`` leaves no quota slot or draw (as tests/core/test_boundary.py checks for SQLiteStore)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from creatorpay.core import Engine, Settlement, hookimpl, load_scenario
from creatorpay.core.sqlite_store import SQLiteStore
from tests.core.fakes import fake_platform
from tests.helpers import scenario_dict

if TYPE_CHECKING:
    from pathlib import Path

    from creatorpay.core.scenario import Scenario


def co_creations(first: int, count: int) -> Scenario:
    """A month of ``count`` published co-creation orders the scenario creator leads (XT-CC-06)."""
    orders = [
        {
            "id": f"o-{index:03d}",
            "amount": "10000.00",
            "task": "assigned",
            "stage": "published",
            "co_creation": True,
            "app": "douyin",
            "participants": [
                {"creator": "me", "role": "main", "agreed": "6000.00"},
                {"creator": f"c{index}", "role": "co_creator", "agreed": "4000.00", "xingtu_registered": True},
            ],
        }
        for index in range(first, first + count)
    ]
    return load_scenario(
        {
            "schema": 1,
            "period": "2023-03",
            "tax": {"method": "none"},
            "orders": orders,
            "creator": {
                "id": "me",
                "followers": 310000,
                "original": True,
                "xingtu_beta": True,
                "co_creations_this_month": 1,
            },
        },
        source="<co-creations>",
    )


def capped(statement: Any) -> list[str]:
    return sorted(v.order or "" for v in statement.violations if v.rule == "XT-CC-06")


def settle_twice(engine: Engine, make: Any) -> list[dict[str, Any]]:
    """Two calls on the same month, each with its own store connection (two machines of a service)."""
    found = []
    for first in (0, 2):
        with make() as store:
            found.append(engine.settle(co_creations(first, 2), "xingtu", store=store).to_dict())
    return found


def test_xt_cc_06_slots_are_kept_across_calls_as_with_sqlite(dsn: str, schema: str, tmp_path: Path) -> None:
    """XT-CC-06: cap 4 a month, 1 used before; the first call's two orders take two slots, so the
    second call's first order takes the last and its second is refused, on both stores alike."""
    from creatorpay.core.postgres_store import PostgresStore

    engine = Engine(load=["xingtu"])
    on_postgres = settle_twice(engine, lambda: PostgresStore(dsn, schema=schema))
    on_sqlite = settle_twice(engine, lambda: SQLiteStore(tmp_path / "s.db"))
    assert on_postgres == on_sqlite
    assert [[v["order"] for v in found["violations"] if v["rule"] == "XT-CC-06"] for found in on_postgres] == [
        [],
        ["o-003"],
    ]
    with PostgresStore(dsn, schema=schema) as store:
        assert store.used("xingtu:co_creation:me:2023-03") == 4
        last = engine.settle(co_creations(2, 2), "xingtu", store=store)  # the same orders again
        assert capped(last) == ["o-003"]  # o-002 still holds its slot, o-003 still finds none
    assert capped(engine.settle(co_creations(2, 2), "xingtu")) == []  # a fresh MemoryStore each call


def reserve_then_fail(ctx: Settlement) -> None:
    assert ctx.store.reserve("bad:slots", "o-1", limit=5)
    ctx.store.draw("bad:pot", Decimal(30), Decimal(100))
    raise RuntimeError("after reserving")


def test_a_statement_that_ends_in_error_keeps_no_quota_slot_or_draw(pg_store: Any, tmp_path: Path) -> None:
    bad = fake_platform(tmp_path, "bad", creatorpay_settle_orders=hookimpl(reserve_then_fail))
    engine = Engine(plugins={"bad": bad}, entry_points=False)
    statement = engine.settle(load_scenario(scenario_dict(tips={"yuan": "10.00"})), "bad", store=pg_store)
    assert statement.status == "error"
    assert pg_store.used("bad:slots") == 0
    assert pg_store.remaining("bad:pot", Decimal(100)) == 100
    assert not pg_store.connection.info.transaction_status


def test_a_good_statement_keeps_its_calls_and_a_failed_adjustment_loses_only_its_own(
    pg_store: Any, tmp_path: Path
) -> None:
    from tests.core.test_boundary import adjustment, drawing

    def adjust(ctx: Settlement) -> None:
        ctx.store.draw("pot", Decimal(5), Decimal(100))
        raise ValueError("adjustment broke")

    good = fake_platform(tmp_path, "good", creatorpay_settle_incentives=hookimpl(drawing("good", "pot")))
    engine = Engine(plugins={"good": good, "adj": adjustment(tmp_path, "adj", adjust)}, entry_points=False)
    statement = engine.settle(load_scenario(scenario_dict(tips={"yuan": "10.00"})), "good", store=pg_store)
    assert statement.status == "ok" and list(statement.incomplete) == ["adj"]
    assert statement.facts["drawn"] == "100"  # the Decimal as given, as with SQLiteStore (not 100.00)
    assert pg_store.remaining("good:pot", Decimal(100)) == 0 and pg_store.used("good:pot:slots") == 1
    assert pg_store.remaining("adj:pot", Decimal(100)) == 100
