"""Brand orders on WeChat Channels: the mutual-selection platform (互选, WC-MUTUAL-01).

Open only above a follower threshold; each participant is paid their agreed amount directly by the
platform (the reading documented in ``rules.toml``); no Xingtu caps or compensation; a terminated order
pays nothing; the service fee is operator-set.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from creatorpay.core.plugin import ZERO, Kind, Settlement, allocate, grouped, round_fen

if TYPE_CHECKING:
    from creatorpay.core.plugin import Order, RuleVersion


def closed(ctx: Settlement) -> str | None:
    """WC-MUTUAL-01: why brand orders are not offered (the rule not in force, or followers at or below
    the threshold), or None when they are. Records nothing, so each phase asks it for itself instead
    of reading what validation recorded."""
    version = ctx.rules.get("WC-MUTUAL-01")
    if version is None:
        return (
            f"the mutual-selection platform (WC-MUTUAL-01) is not in force on {ctx.rules.day.isoformat()} "
            "(CORE-DATE-01)"
        )
    followers = ctx.scenario.creator.followers
    above = version.count("followers_above")
    if followers <= above:
        return (
            f"the mutual-selection platform (WC-MUTUAL-01) is open to creators with "
            f"more than {above:,} followers; {followers:,} followers is not"
        )
    return None


def check_open(ctx: Settlement) -> bool:
    """WC-MUTUAL-01: whether brand orders are offered; if not, they are reported *not offered* with
    the reason (and the rule *not applied* when it is not in force)."""
    ctx.rule("WC-MUTUAL-01")  # reports the rule not applied, with why, when it is not in force
    reason = closed(ctx)
    if reason is not None:
        ctx.statement.not_offer("orders", reason)
    return reason is None


def validate(ctx: Settlement) -> None:
    """WC-MUTUAL-01: each participant is paid their agreed amount, so the agreed amounts must add up
    to the order amount (conservation, CORE-MONEY-02); an order where they do not is rejected."""
    if not ctx.scenario.orders or not check_open(ctx):
        return
    for order in ctx.scenario.orders:
        agreed = sum((p.agreed for p in order.participants), ZERO)
        if agreed != order.amount:
            ctx.statement.violation(
                "WC-MUTUAL-01",
                f"the participants' agreed amounts add up to {grouped(agreed)}, not the order amount "
                f"{grouped(order.amount)}: each participant is paid their agreed amount",
                order=order.id,
            )


def settle(ctx: Settlement) -> None:
    """WC-MUTUAL-01 for every order that was offered and not rejected (CORE-ORD-02 for the rest)."""
    if not ctx.scenario.orders or closed(ctx) is not None:  # reported not offered by validation
        return
    version = ctx.rules.get("WC-MUTUAL-01")
    assert version is not None  # offered only when in force (closed)
    paying = False
    for order in ctx.orders_to_settle():  # the others are reported pending (CORE-ORD-02)
        if order.termination is not None:
            _terminated(ctx, version, order)
        else:
            _pay(ctx, version, order)
            paying = True
    if paying and not version.is_set("fee_rate"):
        reason = version.unset_reason("fee_rate")
        assert reason is not None
        ctx.statement.skip("WC-MUTUAL-01", f"mutual-selection service fee not applied: {reason}")


def _pay(ctx: Settlement, version: RuleVersion, order: Order) -> None:
    """One payment per participant of their agreed amount; then the operator-set fee, if set."""
    label = version.label_for("followers_above")
    for p in order.participants:
        ctx.statement.line(
            "WC-MUTUAL-01",
            Kind.ORDER_PAYMENT,
            payer=ctx.platform.name,
            payee=p.creator,
            base=p.agreed,
            rate=Decimal(1),
            label=label,
            order=order.id,
            note=f"agreed amount of {p.creator} ({p.role}), paid to them directly by the "
            f"mutual-selection platform (no co-creation caps; nothing passes through "
            f"the main contributor)",
        )
    if not version.is_set("fee_rate"):
        return
    rate = version.decimal("fee_rate")
    fee = round_fen(order.amount * rate)
    parts = allocate(fee, [p.agreed for p in order.participants])
    for p, part in zip(order.participants, parts, strict=True):
        ctx.statement.line(
            "WC-MUTUAL-01",
            Kind.FEE,
            payer=p.creator,
            payee=ctx.platform.name,
            base=p.agreed,
            rate=rate,
            value=part,
            label=version.label_for("fee_rate"),
            order=order.id,
            note=f"mutual-selection service fee {rate} of {grouped(order.amount)} = "
            f"{grouped(fee)}, split pro rata by agreed amounts (CORE-MONEY-03)",
        )


def _terminated(ctx: Settlement, version: RuleVersion, order: Order) -> None:
    """A terminated order pays nothing: a 0.00 line per participant says so (no XT-COMP-* table)."""
    assert order.termination is not None
    by = order.termination.by
    for p in order.participants:
        ctx.statement.line(
            "WC-MUTUAL-01",
            Kind.ORDER_PAYMENT,
            payer=ctx.platform.name,
            payee=p.creator,
            base=p.agreed,
            rate=ZERO,
            label=version.label_for(),
            order=order.id,
            note=f"terminated by {by} at stage {order.stage}: a terminated mutual-selection "
            f"order pays nothing (no compensation table on WeChat)",
        )
