"""Small fake plugins for the core's tests: a platform with two dated rules, and broken ones."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from creatorpay.core import Kind, Platform, Settlement, hookimpl

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

RULES = """
[rules."FK-TIP-01"]
title = "Fake tipping share"
label = "source"
source = "a test"
params.share = { type = "ratio" }
params.size = { type = "count", label = "operator-set" }
[[rules."FK-TIP-01".versions]]
effective_from = 2022-01-15
effective_to = 2023-12-31
share = "0.50"
[[rules."FK-TIP-01".versions]]
effective_from = 2024-01-01
share = "0.80"

[rules."FK-NEW-01"]
title = "A rule from 2025"
label = "interpretation"
source = "a test"
[[rules."FK-NEW-01".versions]]
effective_from = 2025-03-02
"""


def fake_platform(tmp: Path, name: str = "fake", **hooks: Any) -> object:
    """A platform plugin object named ``name`` whose tips pay ``share`` of ``tips.yuan``."""
    rules = tmp / f"{name}.toml"
    rules.write_text(RULES, encoding="utf-8")

    @hookimpl
    def creatorpay_platform() -> Platform:
        return Platform(
            name=name,
            title=name.title(),
            rules=rules,
            offers=("tips",),
            not_offered={"orders": f"{name} has no orders"},
        )

    @hookimpl
    def creatorpay_settle_revenue_share(ctx: Settlement) -> None:
        rule = ctx.rule("FK-TIP-01")
        ctx.rule("FK-NEW-01")
        if rule and ctx.scenario.tips:
            ctx.statement.line(
                "FK-TIP-01",
                Kind.TIPS,
                payer=name,
                payee=ctx.creator,
                base=ctx.scenario.tips.yuan,
                rate=rule.decimal("share"),
                label=rule.label_for("share"),
            )

    namespace: dict[str, Callable[..., object]] = {
        "creatorpay_platform": creatorpay_platform,
        "creatorpay_settle_revenue_share": creatorpay_settle_revenue_share,
    }
    namespace.update(hooks)
    # A hashable plugin object (pluggy keeps plugins in sets), like a module with these functions.
    return type(f"{name}_plugin", (), {k: staticmethod(v) for k, v in namespace.items()})()


@hookimpl
def raising_orders(ctx: Settlement) -> None:
    raise RuntimeError("boom in orders")


ONE = Decimal(1)


@hookimpl
def paying_orders(ctx: Settlement) -> None:
    """Pays each order to settle in full from 'brand'; a terminated one pays 10% from the client."""
    for order in ctx.orders_to_settle():
        if order.termination is None:
            ctx.statement.line(
                "FK-TIP-01",
                Kind.ORDER_PAYMENT,
                payer="brand",
                payee=ctx.creator,
                base=order.amount,
                rate=ONE,
                order=order.id,
            )
        else:
            ctx.statement.line(
                "FK-TIP-01",
                Kind.COMPENSATION,
                payer="client",
                payee=ctx.creator,
                base=order.amount,
                rate=Decimal("0.10"),
                order=order.id,
            )


@hookimpl
def traffic_and_transfers(ctx: Settlement) -> None:
    """Incentives: 1,000 impressions; a transfer to a co-creator and compensation paid to another."""
    ctx.statement.add_traffic("FK-TIP-01", impressions=1000, note="a traffic package")
    ctx.statement.line("FK-TIP-01", Kind.TRANSFER, payer=ctx.creator, payee="li", base=Decimal("30.00"), rate=ONE)
    ctx.statement.line(
        "FK-TIP-01", Kind.CREATOR_COMPENSATION, payer="li", payee=ctx.creator, base=Decimal("20.00"), rate=ONE
    )
    ctx.statement.line("FK-TIP-01", Kind.TRANSFER, payer="zhao", payee="li", base=Decimal("5.00"), rate=ONE)
