"""Helpers for the cn_tax tests: a fake platform that pays ``[tips] yuan`` in full as own platform
income, so tax figures can be set to the fen without depending on any real platform's rules."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from creatorpay.core import Engine, Kind, Line, Platform, Settlement, Statement, hookimpl, load_scenario
from creatorpay.plugins import cn_tax
from tests.helpers import scenario_dict

if TYPE_CHECKING:
    from collections.abc import Callable

FAKE_RULES = Path(__file__).with_name("cn_tax_fake_rules.toml")


def fake_platform(name: str) -> object:
    """A platform plugin named ``name`` paying the scenario's ``[tips] yuan`` to the creator in full."""

    @hookimpl
    def creatorpay_platform() -> Platform:
        return Platform(name=name, title=name.title(), rules=FAKE_RULES, offers=("tips",))

    @hookimpl
    def creatorpay_settle_revenue_share(ctx: Settlement) -> None:
        rule = ctx.rule("FK-PAY-01")
        tips = ctx.scenario.tips
        if rule and tips and tips.yuan:
            ctx.statement.line(
                "FK-PAY-01",
                Kind.TIPS,
                payer=name,
                payee=ctx.creator,
                base=tips.yuan,
                rate=Decimal(1),
                note="paid in full",
            )

    hooks: dict[str, Callable[..., object]] = {
        "creatorpay_platform": creatorpay_platform,
        "creatorpay_settle_revenue_share": creatorpay_settle_revenue_share,
    }
    return type(f"{name}_plugin", (), {k: staticmethod(v) for k, v in hooks.items()})()


def engine(*platforms: str, rules: dict[str, Any] | None = None) -> Engine:
    """An engine with cn_tax and fake platforms (default one named ``fake``), no entry points."""
    plugins: dict[str, object] = {"cn_tax": cn_tax}
    plugins.update({name: fake_platform(name) for name in platforms or ("fake",)})
    return Engine(plugins=plugins, entry_points=False, rules=rules)


ENGINE = engine()


def settle(
    period: str,
    income: str | None,
    tax: dict[str, Any] | None = None,
    *,
    on: str = "fake",
    using: Engine = ENGINE,
    **sections: Any,
) -> Statement:
    """The statement on platform ``on`` of a month whose own platform income there is ``income``."""
    data = scenario_dict(period=period, tax=tax or {"method": "platform", "months_with_income": 1}, **sections)
    if income is not None:
        data["tips"] = {"yuan": income}
    statement = using.settle(load_scenario(data), on)
    assert statement.status == "ok", statement.error
    return statement


def lines(statement: Statement, rule: str) -> list[Line]:
    return [line for line in statement.lines if line.rule == rule]


def one(statement: Statement, rule: str) -> Line:
    """The single line of ``rule`` on the statement."""
    found = lines(statement, rule)
    assert len(found) == 1, f"expected one {rule} line, found {found}"
    return found[0]


def reasons(statement: Statement, rule: str) -> list[str]:
    """Why ``rule`` was not applied on the statement (empty when it was)."""
    return [item.reason for item in statement.not_applied if item.rule == rule]
