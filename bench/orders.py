"""Benchmark of one scenario with many co-creation orders (issue 15): seconds per order count.

Run ``python bench/orders.py [COUNT ...]`` (default 2,000, 8,000 and 20,000); prints one line per
count with the seconds ``Engine.compare`` takes on every loaded platform. The scenario creator leads
every order, so all but the month's first slots break the monthly cap (XT-CC-06) and are rejected:
the case that was quadratic (20,000 orders took 61 s). A benchmark, not a test: the test that keeps
the work linear counts calls (tests/xingtu/test_xingtu_many_orders.py).
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

from creatorpay.core import Engine, load_scenario

if TYPE_CHECKING:
    from creatorpay.core.scenario import Scenario

COUNTS = (2_000, 8_000, 20_000)


def scenario(count: int) -> Scenario:
    """A month of ``count`` published co-creation orders the scenario creator leads, with two
    co-creators each; every tenth order also breaks XT-ORD-02 (agreed amounts do not add up)."""
    orders: list[dict[str, Any]] = []
    for index in range(count):
        amount = "10000.00" if index % 10 else "10000.01"
        orders.append(
            {
                "id": f"o-{index:06d}",
                "amount": amount,
                "task": "assigned",
                "stage": "published",
                "co_creation": True,
                "app": "douyin",
                "participants": [
                    {"creator": "me", "role": "main", "agreed": "6000.00"},
                    {"creator": f"c{index}-a", "role": "co_creator", "agreed": "2500.00", "xingtu_registered": True},
                    {"creator": f"c{index}-b", "role": "co_creator", "agreed": "1500.00", "xingtu_registered": True},
                ],
            }
        )
    return load_scenario(
        {
            "schema": 1,
            "name": f"{count} co-creation orders",
            "period": "2023-03",
            "creator": {
                "id": "me",
                "followers": 310000,
                "original": True,
                "xingtu_beta": True,
                "co_creations_this_month": 0,
            },
            "tax": {"method": "none"},
            "orders": orders,
        },
        source=f"<{count} orders>",
    )


def seconds(engine: Engine, count: int) -> float:
    """Seconds to compare a scenario of ``count`` orders on every loaded platform (loading excluded)."""
    loaded = scenario(count)
    start = time.perf_counter()
    report = engine.compare(loaded)
    took = time.perf_counter() - start
    assert all(s.status != "error" for s in report.results), [s.error for s in report.results]
    return took


def main(argv: list[str]) -> None:
    engine = Engine()
    for count in [int(a) for a in argv] or COUNTS:
        print(f"{count:>7,} orders: {seconds(engine, count):6.2f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
