"""The plugin boundary as a property (issue 15): a randomly misbehaving plugin, a platform or an
adjustment, never changes the built-in platforms' statements compared to a run without it.

The rogue mutates its scenario (``object.__setattr__`` on nested frozen objects), clears lines, draws
and reserves under the built-ins' store keys, cites their rule IDs and raises any exception but
KeyboardInterrupt, in any hook. A rogue adjustment may only mark the statements ``incomplete``.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creatorpay.core import Adjustment, Engine, Kind, MemoryStore, Platform, Scenario, Settlement, load_scenario
from tests.core.test_boundary import own_rules, plugin
from tests.helpers import EXAMPLES, examples

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from creatorpay.core.checks import Checker

BUILTINS = ["netease", "wechat_channels", "xingtu"]
ROGUE, ROGUE_TAX = "aaa_rogue", "aaa_tax"  # first in name order: settled and adjusting before the others
PHASES = (
    "validate",
    "settle_orders",
    "settle_incentives",
    "settle_revenue_share",
    "adjust",
    "check_ext",
    "tax_adjust",
    "tax_check_ext",
)

#: What the rogue does in each phase of the current example (set by the test before it settles).
PLAN: dict[str, list[str]] = {}


class Escape(BaseException):
    """An exception outside the Exception hierarchy, as sys.exit's is."""


def _store_keys() -> tuple[list[str], list[str]]:
    """The budget and quota keys the built-ins use on the examples (read from a MemoryStore)."""
    store = MemoryStore()
    engine = Engine(load=[*BUILTINS, "cn_tax"])
    for scenario in SCENARIOS:
        engine.compare(scenario, BUILTINS, store=store)
    return sorted(store._budgets) or ["netease:cash:2026-01-01"], sorted(store._holders)


def _with_tax(path: Path) -> Scenario:
    scenario = load_scenario(path)
    return attrs.evolve(scenario, tax=attrs.evolve(scenario.tax, method="platform", months_with_income=1))


SCENARIOS = [load_scenario(path) for path in sorted(EXAMPLES.glob("*.toml"))]
SCENARIOS += [_with_tax(EXAMPLES / "food-vlogger.toml")]
BUDGETS, QUOTAS = _store_keys()


def mutate(ctx: Settlement) -> None:
    scenario = ctx.scenario
    put = object.__setattr__
    put(scenario.creator, "followers", 10**9)
    put(scenario.creator, "original", not scenario.creator.original)
    put(scenario.tax, "method", "none" if scenario.tax.method == "platform" else "platform")
    for order in scenario.orders:
        put(order, "amount", Decimal("0.01"))
        put(order, "stage", "published")
        for participant in order.participants:
            put(participant, "agreed", Decimal(0))
    if scenario.tips is not None:
        put(scenario.tips, "yuan", Decimal("1000000.00"))
    put(scenario, "mcn", None)
    put(scenario, "orders", scenario.orders[:1])
    put(scenario.period, "month", 1)


def clear_lines(ctx: Settlement) -> None:
    ctx.statement.lines.clear()  # type: ignore[attr-defined]


def draw_others(ctx: Settlement) -> None:
    for key in BUDGETS:
        ctx.store.draw(key, Decimal(10**12), Decimal(10**12))
    for key in QUOTAS:
        for index in range(12):
            ctx.store.reserve(key, f"rogue-{index}", limit=10**6)
        for order in ctx.scenario.orders:
            ctx.store.release(key, order.id)
            ctx.store.reserve(key, order.id, limit=10**6)
            ctx.store.confirm(key, order.id)


def cite_others(ctx: Settlement) -> None:
    ctx.statement.line(
        "XT-ORD-02", Kind.ORDER_PAYMENT, payer="xingtu", payee=ctx.creator, base=Decimal(9), rate=Decimal(1)
    )


def raiser(exc: BaseException) -> Callable[[Any], None]:
    def act(_ctx: Any) -> None:
        raise exc

    return act


RAISES: dict[str, Callable[[Any], None]] = {
    "value_error": raiser(ValueError("rogue")),
    "system_exit": raiser(SystemExit(7)),
    "generator_exit": raiser(GeneratorExit()),
    "escape": raiser(Escape("out")),
    "recursion": raiser(RecursionError()),
    "key_error": raiser(KeyError("rogue")),
}
ACTIONS: dict[str, Callable[[Any], None]] = {
    "mutate": mutate,
    "clear_lines": clear_lines,
    "draw_others": draw_others,
    "cite_others": cite_others,
    **RAISES,
}


def misbehave(phase: str, ctx: Any) -> None:
    for action in PLAN.get(phase, ()):
        ACTIONS[action](ctx)


def check_ext(phase: str, section: Any, checker: Checker, path: str) -> None:
    """An ext check may edit its section or raise; recording a problem is an input error, not misbehaving."""
    section["edited"] = True
    for action in PLAN.get(phase, ()):
        if action in RAISES:
            RAISES[action](None)


def hook(phase: str) -> Callable[[Settlement], None]:
    def run(ctx: Settlement) -> None:
        misbehave(phase, ctx)

    return run


@functools.cache
def engines(tmp: Path) -> tuple[Engine, Engine]:
    """The built-ins alone, and with the rogue platform and the rogue adjustment."""
    rules = own_rules(tmp, ROGUE, "RG-ONE-01")
    tax_rules = own_rules(tmp, ROGUE_TAX, "RT-ONE-01")
    rogue = plugin(
        creatorpay_platform=lambda: Platform(
            name=ROGUE, title="Rogue", rules=rules, offers=("orders", "tips", "programs", "merchant_live")
        ),
        creatorpay_check_ext=lambda section, checker, path: check_ext("check_ext", section, checker, path),
        **{
            f"creatorpay_{phase}": hook(phase)
            for phase in ("validate", "settle_orders", "settle_incentives", "settle_revenue_share", "adjust")
        },
    )
    rogue_tax = plugin(
        creatorpay_adjustment=lambda: Adjustment(name=ROGUE_TAX, title="Rogue tax", rules=tax_rules),
        creatorpay_adjust=lambda ctx: misbehave("tax_adjust", ctx),
        creatorpay_check_ext=lambda section, checker, path: check_ext("tax_check_ext", section, checker, path),
    )
    names = [*BUILTINS, "cn_tax"]
    return (Engine(load=names), Engine(load=[*names, ROGUE, ROGUE_TAX], plugins={ROGUE: rogue, ROGUE_TAX: rogue_tax}))


PLANS = st.dictionaries(
    st.sampled_from(PHASES), st.lists(st.sampled_from(sorted(ACTIONS)), min_size=1, max_size=3), max_size=4
)


@settings(max_examples=examples(40), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=PLANS, index=st.integers(0, len(SCENARIOS) - 1))
def test_a_misbehaving_plugin_never_changes_the_other_platforms_statements(
    tmp_path: Path, plan: dict[str, list[str]], index: int
) -> None:
    base, rogue = engines(tmp_path)
    scenario = attrs.evolve(SCENARIOS[index], ext=MappingProxyType({ROGUE: {"a": 1}, ROGUE_TAX: {"b": 2}}))
    before = repr(scenario)
    expected = base.compare(scenario, BUILTINS, store=MemoryStore())
    PLAN.clear()
    PLAN.update(plan)
    try:
        got = rogue.compare(scenario, [ROGUE, *BUILTINS], store=MemoryStore())
    finally:
        PLAN.clear()
    assert repr(scenario) == before
    for name in BUILTINS:
        statement = got.result(name)
        assert set(statement.incomplete) <= {ROGUE_TAX}, statement.incomplete
        produced = {k: v for k, v in statement.to_dict().items() if k != "incomplete"}
        assert produced == expected.result(name).to_dict(), (name, plan)
