"""The core's own plugin: the MCN share, a cross-platform adjustment (CORE-MCN-01), and the notice of
transfers received from another creator, which are not platform income (CORE-INCOME-01)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .hookspecs import hookimpl
from .money import ZERO, grouped
from .statement import Kind, StatementBuilder
from .types import Adjustment

if TYPE_CHECKING:
    from .context import Settlement

RULES = os.path.join(os.path.dirname(__file__), "rules.toml")


@hookimpl
def creatorpay_adjustment() -> Adjustment:
    """The core's rules (CORE-*) load like any plugin's, so explain can cite them."""
    return Adjustment(name="core", title="creatorpay core", rules=RULES, applies=applies)


def applies(ctx: Settlement) -> bool:
    """Whether :func:`creatorpay_adjust` adds anything: an MCN, or a transfer received to notice."""
    if ctx.scenario.mcn is not None:
        return True
    statement = ctx.statement
    # transfers_received's first test, without its call on every statement: a platform's builder to
    # which no TRANSFER line was added received none (an adjustment's part asks its platform's)
    if type(statement) is StatementBuilder and not statement._transfers:
        return False
    return statement.transfers_received() > ZERO


@hookimpl
def creatorpay_adjust(ctx: Settlement) -> None:
    """CORE-MCN-01: the MCN receives its share of the creator's own platform income, before tax."""
    _notice_transfers(ctx)
    mcn = ctx.scenario.mcn
    if mcn is None:
        return
    rule = ctx.rule("CORE-MCN-01", book="core")
    income = ctx.own_platform_income()
    if rule is None or income <= 0 or mcn.share == 0:
        return
    ctx.statement.line(
        "CORE-MCN-01",
        Kind.MCN_SHARE,
        payer=ctx.creator,
        payee=mcn.name,
        base=income,
        rate=mcn.share,
        label=rule.label_for(),
        note=f"{mcn.name} takes {mcn.share:%} of own platform income (CORE-INCOME-01), before tax",
    )


def _notice_transfers(ctx: Settlement) -> None:
    """CORE-INCOME-01: a co-creator's share received from the main contributor is said to be the
    creator's to declare: no MCN share and no platform withholding is computed on it."""
    received = ctx.statement.transfers_received()
    if received > 0:
        ctx.statement.fact(
            "transfers_received",
            f"{grouped(received)} received from a main contributor (XT-ORD-03) is a transfer between "
            f"creators, not {ctx.platform.name} income (CORE-INCOME-01): no MCN share and no platform "
            f"withholding is computed on it; declare it yourself",
        )
