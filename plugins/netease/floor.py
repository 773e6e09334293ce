"""The base salary (底薪机制, NE-BASE-01): a quality creator's program income topped up to the floor,
as its own line drawn from the program budget; every case without a top-up says why."""

from __future__ import annotations

from typing import TYPE_CHECKING

from creatorpay.core.plugin import Kind, Settlement, grouped

from . import budget as budgets
from .fields import quality

if TYPE_CHECKING:
    from decimal import Decimal


def top_up(ctx: Settlement, budget: budgets.Budget | None, income: Decimal | None) -> None:
    """Top the month's program income (NE-BASE-02, as the statement shows it) up to the floor:
    max(0, floor − income). ``income`` is None when NE-BASE-02 is not in force."""
    rule = ctx.rule("NE-BASE-01")
    if rule is None:
        return
    if not quality(ctx.scenario.creator):
        ctx.statement.skip(
            "NE-BASE-01", "not a quality creator (优质创作家, creator.quality is false): no base-salary top-up"
        )
        return
    if income is None:
        ctx.statement.skip("NE-BASE-01", "NE-BASE-02 is not in force: no program income to top up")
        return
    unset = rule.unset_reason("floor")
    if unset:
        ctx.statement.skip("NE-BASE-01", unset)
        return
    floor = rule.decimal("floor")
    if income >= floor:
        ctx.statement.skip(
            "NE-BASE-01", f"program income {grouped(income)} already reaches the floor {grouped(floor)}: no top-up"
        )
        return
    budgets.pay(
        ctx,
        budget,
        "NE-BASE-01",
        Kind.TOP_UP,
        floor - income,
        label=rule.label_for("floor"),
        note=f"base salary (底薪机制): floor {grouped(floor)} − program income {grouped(income)} (NE-BASE-02)",
        what="base-salary top-up",
    )
