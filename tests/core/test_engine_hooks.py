"""The engine's direct hook calls, guarded: the hook-wrapper fallback to pluggy's caller, and the
``CREATORPAY_TRACE_PLUGINS`` switch that sends every settlement hook through pluggy for tracing."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from creatorpay.core import Engine, Settlement, hookimpl, load_scenario
from creatorpay.core.plugins import TRACE_ENV
from tests.helpers import EXAMPLES, scenario_dict

if TYPE_CHECKING:
    from collections.abc import Generator

#: The hooks settling one statement calls: the four phases, then the adjustments.
PHASES = (
    "creatorpay_validate",
    "creatorpay_settle_orders",
    "creatorpay_settle_incentives",
    "creatorpay_settle_revenue_share",
)


def watcher(seen: list[str], *, new_style: bool) -> object:
    """A cross-platform plugin wrapping every platform's revenue share phase (pluggy's two wrapper kinds)."""
    if new_style:

        @hookimpl(wrapper=True)
        def creatorpay_settle_revenue_share(ctx: Settlement) -> Generator[None, Any, Any]:
            seen.append(f"before: {len(ctx.statement.lines)} lines")
            result = yield
            seen.append(f"after: {len(ctx.statement.lines)} lines")
            ctx.statement.facts["wrapped"] = "yes"
            return result

    else:

        @hookimpl(hookwrapper=True)
        def creatorpay_settle_revenue_share(ctx: Settlement) -> Generator[None, Any, None]:
            seen.append(f"before: {len(ctx.statement.lines)} lines")
            yield
            seen.append(f"after: {len(ctx.statement.lines)} lines")
            ctx.statement.facts["wrapped"] = "yes"

    return type(
        "watch_plugin", (), {"creatorpay_settle_revenue_share": staticmethod(creatorpay_settle_revenue_share)}
    )()


@pytest.mark.parametrize("new_style", [True, False], ids=["wrapper", "hookwrapper"])
def test_a_hook_wrapper_on_a_phase_falls_back_to_pluggys_caller(fake: object, new_style: bool) -> None:
    """A phase with a wrapper is called through pluggy (the direct calls would skip the wrapper):
    it runs around the platform's implementation, and the lines are those settled without it."""
    seen: list[str] = []
    wrapped = Engine(plugins={"fake": fake, "watch": watcher(seen, new_style=new_style)}, entry_points=False)
    plain = Engine(plugins={"fake": fake}, entry_points=False)
    scenario = load_scenario(scenario_dict(period="2024-02", tips={"yuan": "100.00"}))
    statement = wrapped.settle(scenario, "fake")
    assert seen == ["before: 0 lines", "after: 1 lines"]
    assert statement.status == "ok" and statement.facts == {"wrapped": "yes"}
    assert statement.lines == plain.settle(scenario, "fake").lines
    assert statement.net == Decimal("80.00")


def _monitor(engine: Engine) -> Counter[str]:
    """Count each hook call pluggy's caller makes on ``engine`` (call monitoring sees only those)."""
    calls: Counter[str] = Counter()
    engine.plugin_manager.add_hookcall_monitoring(
        lambda name, impls, kwargs: calls.update([name]), lambda outcome, name, impls, kwargs: None
    )
    return calls


@pytest.mark.usefixtures("built_in_at_root")
def test_tracing_calls_every_settlement_hook_through_pluggy_and_settles_the_same() -> None:
    """Untraced, pluggy's caller sees none of the settlement hooks (the engine calls them directly,
    docs/performance.md); traced, it sees every one, and the statements are the same."""
    scenario = load_scenario(EXAMPLES / "live-anchor.toml")
    direct, traced = Engine(trace=False), Engine(trace=True)
    direct_calls, traced_calls = _monitor(direct), _monitor(traced)
    expected = direct.compare(scenario)
    report = traced.compare(scenario)
    assert report.to_json() == expected.to_json()
    assert not any(name in direct_calls for name in (*PHASES, "creatorpay_adjust"))
    platforms = len(traced.platforms)
    assert all(traced_calls[name] == platforms for name in PHASES), traced_calls
    # Per statement, one call per plugin adjusting it: the core's MCN share and cn_tax.
    assert traced_calls["creatorpay_adjust"] == 2 * platforms, traced_calls


@pytest.mark.usefixtures("built_in_at_root")
def test_the_trace_switch_writes_pluggys_trace_to_stderr(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``CREATORPAY_TRACE_PLUGINS=1``: pluggy's own trace of each hook call, with its argument."""
    scenario = load_scenario(EXAMPLES / "live-anchor.toml")
    expected = Engine().settle(scenario, "wechat_channels")
    monkeypatch.setenv(TRACE_ENV, "1")
    statement = Engine().settle(scenario, "wechat_channels")
    err = capsys.readouterr().err
    assert statement == expected
    for name in (*PHASES, "creatorpay_adjust"):
        assert f"{name} [hook]" in err, err[:2000]
    assert "ctx: <Settlement of wechat_channels for " in err
    assert "finish creatorpay_settle_orders --> []" in err


@pytest.mark.parametrize("value", ["", "0"])
def test_the_trace_switch_off(
    fake: object, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    monkeypatch.setenv(TRACE_ENV, value)
    engine = Engine(plugins={"fake": fake}, entry_points=False)
    calls = _monitor(engine)
    engine.settle(load_scenario(scenario_dict(period="2024-02", tips={"yuan": "100.00"})), "fake")
    assert capsys.readouterr().err == "" and not calls
