"""Shared store keys resolved without locks (creatorpay.core.scale.shared): for any units, any
budgets and any calls, the chain (or the serial lane where it breaks) gives exactly what settling
the units one after another in unit order gives (NE-BUDGET-01: a draw pays min(amount, left))."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from hypothesis import given, settings
from hypothesis import strategies as st

from creatorpay.core.batch.ledger import StatementRows, Unit
from creatorpay.core.batch.workers import Job, Outcome
from creatorpay.core.scale import shared

if TYPE_CHECKING:
    from creatorpay.core.sqlite_store import StoreBuffer

CAPACITY = Decimal("100.00")
BUDGETS = ("p:cash", "p:pool")

#: One store call of a unit: a plain draw (the contract), a greedy one (asks for half of what is
#: left: its request depends on the answer, so its key's chain may break), a quota slot, a failure.
_draw = st.tuples(st.just("draw"), st.sampled_from(BUDGETS), st.integers(0, 6000).map(lambda c: Decimal(c).scaleb(-2)))
_greedy = st.tuples(st.just("greedy"), st.sampled_from(BUDGETS), st.just(Decimal(0)))
_slot = st.tuples(st.just("reserve"), st.sampled_from(("p:slots", "p:slots:c")), st.just(Decimal(0)))
_fail = st.tuples(st.just("fail"), st.just(""), st.just(Decimal(0)))


class _Failed(Exception):
    pass


def _settler(scripts: dict[Unit, list[tuple[str, str, Decimal]]]) -> Any:
    """A settle function: each unit makes its script's calls; its rows are the answers it got."""

    def settle(work: Job, store: StoreBuffer) -> Outcome:
        mark = store.mark()
        store.scope = str(work.unit)
        answers: list[Any] = []
        try:
            for method, key, amount in scripts[work.unit]:
                if method == "draw":
                    answers.append(store.draw(key, amount, CAPACITY))
                elif method == "greedy":
                    left = store.remaining(key, CAPACITY)
                    answers.append(store.draw(key, (left / 2).quantize(Decimal("0.01")), CAPACITY))
                elif method == "reserve":
                    answers.append(store.reserve(key, work.unit.creator, 3))
                else:
                    raise _Failed
        except _Failed:
            calls = store.calls
            store.rollback(mark)
            return Outcome(None, "failed", calls)
        finally:
            store.scope = None
        return Outcome(cast("StatementRows", tuple(answers)), None, store.calls)

    return settle


@settings(max_examples=150)
@given(
    scripts=st.lists(st.lists(st.one_of(_draw, _draw, _greedy, _slot, _fail), max_size=4), min_size=1, max_size=10),
    start=st.dictionaries(st.sampled_from(BUDGETS), st.integers(0, 10000).map(lambda c: Decimal(c).scaleb(-2))),
)
def test_resolution_equals_the_serial_order(
    scripts: list[list[tuple[str, str, Decimal]]], start: dict[str, Decimal]
) -> None:
    units = [Unit("p", f"c{index:02d}", "2026-10") for index in range(len(scripts))]
    plan = dict(zip(units, scripts, strict=True))
    jobs = [Job(unit, [], [], "{}", None, None, []) for unit in units]
    state = shared.State([(key, str(CAPACITY), str(left)) for key, left in sorted(start.items())], [], [], [])
    settle = _settler(plan)

    serial_store = shared.state_store(state)
    expected = [settle(work, serial_store) for work in jobs]
    resolved = shared.resolve(settle, jobs, state)

    assert [o.rows for o in resolved.outcomes] == [o.rows for o in expected]
    assert resolved.state == shared.state_of(serial_store)
    assert resolved.resettled == 0  # the chain's checks caught every break before the commit
    assert all(Decimal(left) >= 0 for _, _, left in resolved.state.budgets)  # never overdrawn
    plain = all(method in ("draw", "fail") for script in scripts for method, _, _ in script)
    if plain:  # the contract kept: every shared budget resolved by its chain
        assert resolved.serial == []


def test_a_greedy_plugin_goes_to_the_serial_lane() -> None:
    """A unit asking for half of what is left breaks its key's chain: that key is settled serially."""
    units = [Unit("p", f"c{index}", "2026-10") for index in range(3)]
    plan = {unit: [("greedy", "p:cash", Decimal(0))] for unit in units}
    jobs = [Job(unit, [], [], "{}", None, None, []) for unit in units]
    resolved = shared.resolve(_settler(plan), jobs, shared.State.empty())
    assert resolved.serial == ["p:cash"]
    assert [o.rows for o in resolved.outcomes] == [(Decimal("50.00"),), (Decimal("25.00"),), (Decimal("12.50"),)]


def test_a_plain_budget_is_chained() -> None:
    """NE-BUDGET-01's shape: each unit draws a fixed amount; the chain gives each min(amount, left)."""
    units = [Unit("p", f"c{index}", "2026-10") for index in range(4)]
    plan = {unit: [("draw", "p:cash", Decimal("40.00"))] for unit in units}
    jobs = [Job(unit, [], [], "{}", None, None, []) for unit in units]
    resolved = shared.resolve(_settler(plan), jobs, shared.State.empty())
    assert resolved.chained == ["p:cash"]
    assert [o.rows for o in resolved.outcomes] == [
        (Decimal("40.00"),),
        (Decimal("40.00"),),
        (Decimal("20.00"),),
        (Decimal("0"),),
    ]
    assert resolved.state.budgets == [("p:cash", "100.00", "0.00")]
    assert resolved.seeded == 2  # the first two drew what they asked for: their first outcomes stand


def test_while_a_budget_lasts_no_unit_is_settled_again() -> None:
    """Step 3: a unit whose draws answer as they did with what the units before it left keeps its first
    outcome (a plugin is deterministic given the store's answers): no unit is settled twice while the
    budget lasts, and the state is the serial run's."""
    units = [Unit("p", f"c{index}", "2026-10") for index in range(4)]
    plan = {unit: [("draw", "p:cash", Decimal("10.00"))] for unit in units}
    jobs = [Job(unit, [], [], "{}", None, None, []) for unit in units]
    settled: list[Unit] = []
    settle = _settler(plan)

    def counted(work: Job, store: StoreBuffer) -> Outcome:
        settled.append(work.unit)
        return cast("Outcome", settle(work, store))

    resolved = shared.resolve(counted, jobs, shared.State.empty())
    assert resolved.chained == ["p:cash"]
    assert resolved.seeded == 0
    assert settled == units  # each once, in step 1
    assert [o.rows for o in resolved.outcomes] == [(Decimal("10.00"),)] * 4
    assert resolved.state.budgets == [("p:cash", "100.00", "60.00")]


def test_a_long_chain_is_checked_in_linear_time() -> None:
    """NE-BUDGET-01 on a platform's month: every NetEase unit draws from one cash budget, so its chain has
    tens of thousands of units (about 37,000 in the 1M-event month). Checking each unit's step looks up
    what it left (a search of the key's users for each unit took about 30 seconds for 40,000 units)."""
    import time

    count = 40_000
    units = [Unit("p", f"c{index:05d}", "2026-10") for index in range(count)]
    settle = _settler({unit: [("draw", "p:cash", Decimal("0.01"))] for unit in units})
    jobs = [Job(unit, [], [], "{}", None, None, []) for unit in units]
    state = shared.State([("p:cash", "1000.00", "300.00")], [], [], [])
    store = shared.state_store(state)
    first = shared.private(settle, jobs, store)
    (found,), lanes = shared.plan([o.calls for o in first], [True] * count, state)
    assert lanes == []
    again = [shared.seeded(settle, jobs[i], store, found.seeds[i]) for i in found.members]
    began = time.process_time()
    checked = [shared.holds(found, i, first[i].calls, again[i][0].calls, again[i][1]) for i in found.members]
    assert all(checked)
    assert time.process_time() - began < 2.0
    assert again[29_999][1] == {"p:cash": Decimal("0.00")}  # 300.00 drawn a fen at a time: the 30,000th empties it
    assert not shared.holds(found, 0, first[0].calls, again[0][0].calls, {"p:cash": Decimal("299.98")})
