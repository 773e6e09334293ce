"""``Engine.settle``'s ``calls_made`` (issue 19): a driver that needs only a statement's store calls (a first
settling whose statement cannot stand, docs/scale.md) is told when they are all made, and may end the
settling there; without it, settling is unchanged."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from creatorpay.core import Adjustment, Engine, Settlement, hookimpl, load_scenario
from creatorpay.core.store import MemoryStore
from tests.core.fakes import fake_platform
from tests.helpers import scenario_dict

if TYPE_CHECKING:
    from pathlib import Path

TIPS = scenario_dict(tips={"yuan": "10.00"})
POT = "fake:pot"


class Enough(Exception):
    """What the test's ``calls_made`` raises."""


def _drawing(ctx: Settlement) -> None:
    ctx.statement.facts["drawn"] = str(ctx.store.draw("pot", Decimal(30), Decimal(100)))


def _engine(tmp_path: Path, *, adjust: Any = None, **hooks: Any) -> Engine:
    plugins: dict[str, object] = {"fake": fake_platform(tmp_path, "fake", **hooks)}
    if adjust is not None:
        rules = tmp_path / "third.toml"
        rules.write_text(
            '[rules."TH-ONE-01"]\ntitle = "t"\nlabel = "source"\nsource = "a test"\n'
            '[[rules."TH-ONE-01".versions]]\neffective_from = 2020-01-01\n',
            encoding="utf-8",
        )
        third = type(
            "plugin",
            (),
            {
                "creatorpay_adjustment": staticmethod(
                    hookimpl(lambda: Adjustment(name="third", title="t", rules=rules))
                ),
                "creatorpay_adjust": staticmethod(hookimpl(adjust)),
            },
        )()
        plugins["third"] = third
    return Engine(plugins=plugins, entry_points=False)


def test_without_it_the_statement_is_unchanged_and_it_returning_changes_nothing(tmp_path: Path) -> None:
    """Called once, when the phases' store call is made; a ``calls_made`` that returns leaves the statement and
    the store as settling without it does."""
    engine = _engine(tmp_path, creatorpay_settle_incentives=hookimpl(_drawing))
    scenario = load_scenario(TIPS)
    plain_store, store = MemoryStore(), MemoryStore()
    plain = engine.settle(scenario, "fake", store=plain_store)
    seen: list[Decimal] = []
    told = engine.settle(
        scenario, "fake", store=store, calls_made=lambda: seen.append(store.remaining(POT, Decimal(100)))
    )
    assert seen == [Decimal(70)]  # the draw was made when it was called
    assert told == plain and told.status == "ok" and told.facts["drawn"] == "30"
    assert store.remaining(POT, Decimal(100)) == plain_store.remaining(POT, Decimal(100)) == Decimal(70)


def test_what_it_raises_ends_the_settling_and_the_calls_are_rolled_back(tmp_path: Path) -> None:
    """Its exception reaches the caller (not the platform's ``error``), and the statement's draw is undone."""
    engine = _engine(tmp_path, creatorpay_settle_incentives=hookimpl(_drawing))
    store = MemoryStore()

    def enough() -> None:
        raise Enough

    with pytest.raises(Enough):
        engine.settle(load_scenario(TIPS), "fake", store=store, calls_made=enough)
    assert store.remaining(POT, Decimal(100)) == Decimal(100)


def test_not_called_when_a_phase_fails(tmp_path: Path) -> None:
    """A phase that raises gives status ``error`` as always; the calls are not all made: no call."""

    def broken(ctx: Settlement) -> None:
        ctx.store.draw("pot", Decimal(30), Decimal(100))
        raise ValueError("broken")

    engine = _engine(tmp_path, creatorpay_settle_incentives=hookimpl(broken))
    seen: list[int] = []
    statement = engine.settle(load_scenario(TIPS), "fake", calls_made=lambda: seen.append(1))
    assert statement.status == "error" and not seen


def test_not_called_with_a_third_party_adjustment(tmp_path: Path) -> None:
    """A third-party adjustment may call the store after the phases: the statement is settled whole, its
    adjustment's draw made, and ``calls_made`` is not called."""

    def adjust(ctx: Settlement) -> None:
        ctx.store.draw("pot", Decimal(5), Decimal(100))

    engine = _engine(tmp_path, adjust=adjust, creatorpay_settle_incentives=hookimpl(_drawing))
    store = MemoryStore()
    seen: list[int] = []
    statement = engine.settle(load_scenario(TIPS), "fake", store=store, calls_made=lambda: seen.append(1))
    assert statement == engine.settle(load_scenario(TIPS), "fake", store=MemoryStore())
    assert not seen and store.remaining("third:pot", Decimal(100)) == Decimal(95)
