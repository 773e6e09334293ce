"""The batch Settler's ``rows_unless`` (issue 19): a first settling that skips building the statement's rows
of the units that drew from a budget (NE-BUDGET-01's cash, WC-COLD-01's pool: they are settled again once
the budget's chain is known) records the same store calls, and gives every other unit the same outcome."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creatorpay.core.batch.workers import Job, Outcome, Settler
from creatorpay.core.engine import Engine
from creatorpay.core.rows import RowReader
from creatorpay.core.scale import shared, stages
from tests.scale.scale_support import month

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from creatorpay.core.sqlite_store import Call, StoreBuffer


def _drawn(calls: list[Call]) -> bool:
    return "budget" in shared.keys_of(calls).values()


def _jobs(folder: Path, seed: int) -> tuple[Engine, list[Job]]:
    """The units of a generated month whose budgets run out part-way, as the stages settle them."""
    events, people, rules = month(folder, events=400, seed=seed)
    engine = Engine(rules=rules)
    with RowReader(people, required=("id",)) as reader:
        profiles = stages.check_profiles(reader.records(), reader.header, source="c", text=False, run=1)
    with RowReader(events) as reader:
        checked = stages.check_events(
            reader.records(), (), source="e", text=False, month=None, platforms=frozenset(engine.platforms), run=1
        )
    known = {row[0]: row[1] for row in profiles.rows}
    new = stages.idempotency(checked.rows, {}, source="e").new
    return engine, [stages.job(unit, rows, known.get(unit.creator), None) for unit, rows in stages.units(new)]


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000))
def test_the_first_settling_without_rows_records_the_same_calls(tmp_path: Path, seed: int) -> None:
    """Settled against the store as the run began, with and without ``rows_unless``: the same store calls for
    every unit; a unit that drew from a budget (NE-BUDGET-01, WC-COLD-01) comes out settled with no rows and
    no reason, every other unit (rejected ones included) with the same outcome as without the option."""
    engine, jobs = _jobs(tmp_path / str(seed), seed)
    settler, plain = Settler(engine), Settler(engine)
    store = shared.state_store(shared.State.empty())
    pairs = _against_whole(
        jobs, lambda job, buffer: settler.settle(job, buffer, rows_unless=_drawn), plain, store, store
    )
    for first, whole in pairs:
        assert first.settled == whole.settled == (whole.rows is not None)


def test_without_the_option_every_settled_unit_has_its_rows(tmp_path: Path) -> None:
    """The default is unchanged: a settled unit always has its rows, whatever its calls."""
    engine, jobs = _jobs(tmp_path, 5)
    store = shared.state_store(shared.State.empty())
    outcomes = shared.private(Settler(engine).settle, jobs, store)
    assert any(_drawn(o.calls) for o in outcomes)
    assert all((o.rows is not None) == (o.rejected is None) for o in outcomes)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000))
def test_the_first_settling_up_to_the_calls_records_the_same_calls(tmp_path: Path, seed: int) -> None:
    """:func:`.stages.settle_first` (the engine's ``calls_made``): a unit that drew from a budget
    (NE-BUDGET-01, WC-COLD-01) is settled only up to its store calls, the same calls as settled whole, and comes
    out settled with no rows and no reason; every other unit (rejected ones included) has the outcome it has
    settled whole, and the store is left as settling whole leaves it."""
    engine, jobs = _jobs(tmp_path / str(seed), seed)
    first, plain = stages.first_settler(engine, _drawn), Settler(engine)
    whole_store = shared.state_store(shared.State.empty())
    store = shared.state_store(shared.State.empty())
    _against_whole(jobs, lambda job, buffer: stages.settle_first(first, job, buffer), plain, store, whole_store)
    assert shared.state_of(store) == shared.state_of(whole_store)


def _against_whole(
    jobs: list[Job],
    settle: Callable[[Job, StoreBuffer], Outcome],
    plain: Settler,
    store: StoreBuffer,
    whole_store: StoreBuffer,
) -> list[tuple[Outcome, Outcome]]:
    """Each job settled by ``settle`` (against ``store``) and whole (against ``whole_store``): the same
    calls; a settled unit that drew from a budget without rows or a reason, any other the outcome
    settled whole; some units of each kind. The pairs (``settle``'s outcome, the whole one)."""
    pairs: list[tuple[Outcome, Outcome]] = []
    stopped = 0
    for work in jobs:
        whole = shared.private(plain.settle, [work], whole_store)[0]
        found = shared.private(settle, [work], store)[0]
        assert found.calls == whole.calls, work.unit
        if whole.settled and _drawn(whole.calls):
            stopped += 1
            assert (found.rows, found.rejected) == (None, None), work.unit
        else:
            assert found == whole, work.unit
        pairs.append((found, whole))
    assert 0 < stopped < len(jobs)
    return pairs
