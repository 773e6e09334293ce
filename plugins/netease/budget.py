"""Program budgets per program year (NE-BUDGET-01): which year a month draws from, and paying a line
out of that year's cash budget through ``ctx.store`` (pays what is left, then nothing, and says so)."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING

import attrs

from creatorpay.core.plugin import grouped, weakest

if TYPE_CHECKING:
    from collections.abc import Mapping

    from creatorpay.core.plugin import Kind, RuleVersion, Settlement


@attrs.frozen
class Budget:
    """The cash budget of one program year: its store key, capacity and the label of its figures."""

    start: dt.date
    capacity: Decimal
    impressions: int
    label: str

    # A budget is made once per rule version and month (:func:`_year_budget`), so what every
    # statement of the month asks of it is computed once.

    @functools.cached_property
    def key(self) -> str:
        """The store key of the year's cash budget, shared by every statement drawing from it."""
        return f"netease:cash:{self.start.isoformat()}"

    @property
    def end(self) -> dt.date:
        """The program year's last day (the day before the next year starts)."""
        return _anniversary(self.start, self.start.year + 1) - dt.timedelta(days=1)

    @functools.cached_property
    def facts(self) -> Mapping[str, str]:
        """The program year and its budgets as a statement reports them."""
        return MappingProxyType(
            {
                "program_year": f"{self.start.isoformat()} to {self.end.isoformat()} (NE-BUDGET-01)",
                "cash_budget": f"{grouped(self.capacity)} CNY (NE-BUDGET-01)",
                "traffic_budget": f"{self.impressions:,} impressions (NE-BUDGET-01)",
            }
        )


def program_year_start(day: dt.date, first: dt.date) -> dt.date | None:
    """The first day of the program year holding ``day``: the latest anniversary of ``first`` on or
    before it (2026-10-01 and 2026-01-01 -> 2025-12-25 for a first year from 2021-12-25); None before
    the first program year."""
    if day < first:
        return None
    start = _anniversary(first, day.year)
    return start if start <= day else _anniversary(first, day.year - 1)


def _anniversary(first: dt.date, year: int) -> dt.date:
    """``first``'s month and day in ``year`` (a 29 February falls back to the 28th)."""
    try:
        return first.replace(year=year)
    except ValueError:
        return first.replace(year=year, day=28)


def for_month(ctx: Settlement) -> Budget | None:
    """The budget the month draws from (NE-BUDGET-01), reporting the program year as facts.

    None when the rule is not in force (nothing limits payments; ``ctx.rule`` reports why). Call
    :func:`before_first_year` first: a month before the first program year has no budget.
    """
    rule = ctx.rule("NE-BUDGET-01")
    if rule is None:
        return None
    budget = _year_budget(rule, ctx.scenario.period.first_day)
    assert budget is not None, "call before_first_year first"
    for key, text in budget.facts.items():
        ctx.statement.fact(key, text)
    return budget


def before_first_year(ctx: Settlement) -> str | None:
    """Why the month has no program budget at all (it is before the first program year), else None."""
    rule = ctx.rules.get("NE-BUDGET-01")
    if rule is None:
        return None
    if _year_budget(rule, ctx.scenario.period.first_day) is None:
        return (
            f"{ctx.scenario.period} is before the first program year (from {_first(rule).isoformat()}, "
            f"NE-BUDGET-01): no program budget, nothing is paid"
        )
    return None


def _first(rule: RuleVersion) -> dt.date:
    return rule.date("first_year_start")


def _year_budget(rule: RuleVersion, day: dt.date) -> Budget | None:
    """The budget of the program year holding ``day`` (None before the first year), made once per
    rule version and day: every statement of a month draws from the same budget."""
    made = rule.derived(_budgets_by_day)
    if day not in made:
        first = _first(rule)
        start = program_year_start(day, first)
        made[day] = None if start is None else _budget(rule, start, first)
    return made[day]


def _budgets_by_day(rule: RuleVersion) -> dict[dt.date, Budget | None]:
    """The memo of :func:`_year_budget` for one rule version (a handful of months a run)."""
    return {}


def _budget(rule: RuleVersion, start: dt.date, first: dt.date) -> Budget:
    """The first year's figures, or the later years' (assumed the same unless an operator sets them)."""
    if start == first:
        return Budget(
            start, rule.decimal("cash"), rule.count("impressions"), rule.label_for("first_year_start", "cash")
        )
    return Budget(
        start,
        rule.decimal("later_cash"),
        rule.count("later_impressions"),
        rule.label_for("first_year_start", "later_cash"),
    )


def pay(
    ctx: Settlement, budget: Budget | None, rule: str, kind: Kind, amount: Decimal, *, label: str, note: str, what: str
) -> Decimal:
    """Pay ``amount`` to the creator under ``rule``, drawn from the program year's cash budget.

    With too little left, the line pays what is left and says so, and NE-BUDGET-01 is reported not
    applied for the shortfall; with nothing left there is no line. Returns what was paid.
    """
    paid = amount if budget is None else ctx.store.draw(budget.key, amount, budget.capacity)
    if paid < amount:
        assert budget is not None
        short = amount - paid
        year = f"program year from {budget.start.isoformat()}"
        if paid > 0:
            label = weakest(label, budget.label)
            note = (
                f"{note}; the cash budget of the {year} had only {grouped(paid)} left: pays "
                f"{grouped(paid)} of {grouped(amount)} (NE-BUDGET-01)"
            )
            ctx.statement.skip(
                "NE-BUDGET-01",
                f"cash budget of the {year} ran out: {what} paid {grouped(paid)} "
                f"of {grouped(amount)}, {grouped(short)} short",
            )
        else:
            ctx.statement.skip(
                "NE-BUDGET-01", f"cash budget of the {year} is used up: {what} of {grouped(amount)} unpaid"
            )
    if paid > 0:
        ctx.statement.line(
            rule,
            kind,
            payer=ctx.platform.name,
            payee=ctx.creator,
            base=amount,
            rate=Decimal(1),
            value=paid,
            label=label,
            note=note,
        )
    return paid
