"""The engine's fast paths of a statement (issue 20), each held to its general form: the built-in
adjustments' ``applies`` tests (a statement whose scenario has no MCN, no transfer received and no tax
by the platform calls neither: CORE-MCN-01, CORE-INCOME-01, CN-TAX-01..03, CN-VAT-01), the rule sets
found by the period (CORE-DATE-01) and no activity to check on a platform offering every core one:
every statement is byte for byte what the general code gives."""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creatorpay.core import Engine, Statement, load_scenario
from creatorpay.testing.strategies import scenario_dicts
from tests.helpers import examples
from tests.xingtu.xingtu_helpers import co_order, scenario

if TYPE_CHECKING:
    from creatorpay.core.context import Settlement

ENGINE = Engine()
PLATFORMS = ENGINE.platforms
TIPS = {"schema": 1, "period": "2026-10", "creator": {"id": "me", "followers": 8600}, "tips": {"yuan": "1200.00"}}


def replaced(record: Any, **changes: Any) -> Any:
    """A copy of the engine's private record (``_Adjuster``, ``_Registered``: plain classes) with ``changes``."""
    new = copy.copy(record)
    for name, value in changes.items():
        setattr(new, name, value)
    return new


def always_called(engine: Engine) -> Engine:
    """``engine`` with every adjustment's ``applies`` test removed and every activity checked: the
    general form."""
    for name, registered in list(engine._registered.items()):
        adjusters = tuple(replaced(a, applies=None) for a in registered.adjusters)
        engine._registered[name] = replaced(registered, adjusters=adjusters, offers_all=False)
    return engine


GENERAL = always_called(Engine())


def as_json(statement: Statement) -> str:
    return json.dumps([statement.to_dict(), [str(x.fraction) for x in statement.lines]], ensure_ascii=False)


def with_calls(engine: Engine, make: Any) -> Engine:
    """``engine`` whose built-in adjustments' calls are replaced by ``make(name)``, tests kept."""
    for name, registered in list(engine._registered.items()):
        adjusters = tuple(replaced(a, calls=(make(a.name),)) for a in registered.adjusters)
        engine._registered[name] = replaced(registered, adjusters=adjusters)
    return engine


def test_the_built_in_adjustments_declare_their_tests() -> None:
    adjusters = {a.name: a for a in ENGINE._registered["wechat_channels"].adjusters}
    assert set(adjusters) == {"core", "cn_tax"}
    assert all(a.applies is not None for a in adjusters.values())


@pytest.mark.parametrize(
    ("extra", "called"),
    [
        ({}, set()),
        ({"mcn": {"name": "mcn1", "share": "0.2"}}, {"core"}),
        ({"tax": {"method": "platform", "months_with_income": 1}}, {"cn_tax"}),
        ({"tax": {"method": "none"}}, set()),
    ],
)
def test_an_adjustment_is_called_only_where_it_applies(extra: dict[str, Any], called: set[str]) -> None:
    seen: list[str] = []

    def make(name: str) -> Any:
        return lambda ctx: seen.append(name)

    engine = with_calls(Engine(), make)
    for platform in PLATFORMS:
        seen.clear()
        statement = engine.settle(load_scenario({**TIPS, **extra}), platform)
        assert statement.status == "ok" and not statement.incomplete
        assert set(seen) == called, platform


def test_a_transfer_received_calls_the_core_s_adjustment() -> None:
    """CORE-INCOME-01: a co-creator's share received (XT-ORD-03), no MCN and no tax: the core's
    adjustment is called for its notice (its test asks the builder whether a TRANSFER line was added),
    and the statement is the general engine's; a share passed on by the main contributor asks none."""
    spec = [("me", "main", "12000.00"), ("wang", "co_creator", "3000.00")]
    received = load_scenario(scenario([co_order("o1", spec)], creator="wang"))
    statement = ENGINE.settle(received, "xingtu")
    assert "transfers_received" in statement.facts
    assert as_json(statement) == as_json(GENERAL.settle(received, "xingtu"))
    seen: list[str] = []
    engine = with_calls(Engine(), lambda name: lambda ctx: seen.append(name))
    engine.settle(received, "xingtu")
    assert seen == ["core"]
    seen.clear()
    engine.settle(load_scenario(scenario([co_order("o1", spec)])), "xingtu")
    assert seen == []


def test_a_test_that_raises_fails_its_adjustment_alone() -> None:
    def broken(ctx: Settlement) -> bool:
        raise RuntimeError("broken test")

    engine = Engine()
    registered = engine._registered["wechat_channels"]
    adjusters = tuple(replaced(a, applies=broken) if a.name == "cn_tax" else a for a in registered.adjusters)
    engine._registered["wechat_channels"] = replaced(registered, adjusters=adjusters)
    statement = engine.settle(load_scenario(TIPS), "wechat_channels")
    assert statement.status == "ok"
    assert statement.incomplete == {"cn_tax": "RuntimeError: broken test"}
    assert statement.lines == ENGINE.settle(load_scenario(TIPS), "wechat_channels").lines


def test_the_rule_sets_of_a_period_are_those_of_its_first_day() -> None:
    """CORE-DATE-01: found by (year, month), the same rule sets and memo as by the date."""
    engine = Engine()
    for period in ("2025-09", "2025-10", "2026-10"):
        scenario = load_scenario({**TIPS, "period": period})
        assert engine._at_period(scenario.period) is engine._at(scenario.period.first_day)
        assert engine._at_period(scenario.period)[0] == engine.rules_at(scenario.period.first_day)
    assert {k: v.in_force for k, v in engine._at_period(load_scenario(TIPS).period)[0].items()} != {
        k: v.in_force for k, v in engine.rules_at(load_scenario({**TIPS, "period": "2019-01"}).period.first_day).items()
    }


def test_only_a_platform_offering_every_core_activity_skips_the_check() -> None:
    offers = {name: ENGINE._registered[name].offers_all for name in PLATFORMS}
    assert offers == {name: name == "wechat_channels" for name in PLATFORMS}
    statement = ENGINE.settle(load_scenario({**TIPS}), "xingtu")
    assert [n.activity for n in statement.not_offered] == ["tips"]


def test_tracing_calls_every_adjustment() -> None:
    assert all(a.applies is None for a in Engine(trace=True)._registered["wechat_channels"].adjusters)


@settings(max_examples=examples(60), deadline=None)
@given(data=st.data(), platform=st.sampled_from(PLATFORMS))
def test_the_tests_change_no_statement(data: st.DataObject, platform: str) -> None:
    """CORE-MCN-01, CORE-INCOME-01, CN-TAX-*: the same statement as with every adjustment called."""
    scenario = load_scenario(data.draw(scenario_dicts(platform, usual_first="2025-01")))
    assert as_json(ENGINE.settle(scenario, platform)) == as_json(GENERAL.settle(scenario, platform))
    assert ENGINE.compare(scenario).to_json() == GENERAL.compare(scenario).to_json()
