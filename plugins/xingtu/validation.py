"""Xingtu's eligibility rules and caps on one order (XT-CC-01..05, 07..09, XT-ORD-01/02).

One violation per broken rule per order, naming the offending participants and what was found
against what is allowed; a rejected order settles nothing and is never *pending* (CORE-ORD-02: a
failed review or off-platform use is a violation). The monthly cap is in :mod:`.quota`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from creatorpay.core.plugin import ZERO, grouped

from .fields import app, co_creation, off_platform, review_failed
from .parties import flag, mains, names, shown

if TYPE_CHECKING:
    from creatorpay.core.plugin import Order, Settlement


def check_order(ctx: Settlement, order: Order) -> None:
    """Record every rule the order breaks (the cap of XT-CC-06 is checked after, in input order)."""
    if co_creation(order):
        _co_creation(ctx, order)
    else:
        _single(ctx, order)
    _agreed(ctx, order)
    _not_on_xingtu(ctx, order)


def _not_on_xingtu(ctx: Settlement, order: Order) -> None:
    """CORE-ORD-02: an order Xingtu does not carry is a violation, not pending: a failed review
    (XT-CC-07 for co-creation, XT-ORD-01 otherwise) or an order arranged off Xingtu outside XT-CC-08
    (XT-ORD-01: not an order the client placed on Xingtu)."""
    if review_failed(order):
        rule = "XT-CC-07" if co_creation(order) else "XT-ORD-01"
        slot = " and still uses one of the month's co-creation slots" if co_creation(order) else ""
        if ctx.rule(rule) is not None:
            ctx.statement.violation(rule, f"failed Xingtu review: the order pays nothing{slot}", order=order.id)
    covered = co_creation(order) and ctx.rules.get("XT-CC-08") is not None  # XT-CC-08's own violation
    if off_platform(order) and not covered and ctx.rule("XT-ORD-01") is not None:
        ctx.statement.violation(
            "XT-ORD-01",
            "arranged off Xingtu: not an order the client placed on Xingtu, so Xingtu pays nothing for it",
            order=order.id,
        )


def _single(ctx: Settlement, order: Order) -> None:
    """XT-ORD-01: an order that is not a co-creation is placed with one creator, its main."""
    found = mains(order)
    if len(found) != 1 and ctx.rule("XT-ORD-01") is not None:
        ctx.statement.violation(
            "XT-ORD-01",
            f"{len(found)} creators with role main ({names(found) or 'none'}), exactly 1 "
            f"allowed: a Xingtu order is placed with one creator",
            order=order.id,
            participant=names(found[1:]) or None,
        )


def _co_creation(ctx: Settlement, order: Order) -> None:
    """XT-CC-01..05, XT-CC-08, XT-CC-09 in ID order."""
    v = ctx.statement.violation
    found = mains(order)
    rule = ctx.rule("XT-CC-01")
    if rule is not None and len(found) != rule.count("main_contributors"):
        v(
            "XT-CC-01",
            f"{len(found)} main contributors ({names(found) or 'none'}), exactly "
            f"{rule.count('main_contributors')} allowed",
            order=order.id,
            participant=names(found[1:]) or None,
        )
    co = order.co_creators
    rule = ctx.rule("XT-CC-02")
    if rule is not None and len(co) > (most := rule.count("max_co_creators")):
        v(
            "XT-CC-02",
            f"{len(co)} co-creators, at most {most} besides the main contributor ({names(co[most:])} over the cap)",
            order=order.id,
            participant=names(co[most:]),
        )
    everyone = order.participants
    rule = ctx.rule("XT-CC-03")
    if rule is not None and len(everyone) > (most := rule.count("max_creators")):
        v(
            "XT-CC-03",
            f"{len(everyone)} creators in all, at most {most} including the main contributor "
            f"({names(everyone[most:])} over the cap)",
            order=order.id,
            participant=names(everyone[most:]),
        )
    creator = ctx.scenario.creator
    unlisted = [(p, flag(p, "xingtu_beta", creator)) for p in found]
    unlisted = [(p, value) for p, value in unlisted if not value]
    if unlisted and ctx.rule("XT-CC-04") is not None:
        found_text = "; ".join(f"{p.creator}: xingtu_beta {shown(value)}" for p, value in unlisted)
        v(
            "XT-CC-04",
            f"main contributor not a whitelisted beta co-creation creator (内测共创达人): found "
            f"{found_text}; allowed: xingtu_beta = true (a creator cannot apply to be one)",
            order=order.id,
            participant=names(p for p, _ in unlisted),
        )
    unregistered = [(p, flag(p, "xingtu_registered", creator)) for p in co]
    unregistered = [(p, value) for p, value in unregistered if not value]
    if unregistered and ctx.rule("XT-CC-05") is not None:
        found_text = "; ".join(f"{p.creator}: xingtu_registered {shown(value)}" for p, value in unregistered)
        v(
            "XT-CC-05",
            f"co-creator not registered on Xingtu with Douyin distribution tasks activated: found "
            f"{found_text}; allowed: xingtu_registered = true",
            order=order.id,
            participant=names(p for p, _ in unregistered),
        )
    if off_platform(order) and (rule := ctx.rule("XT-CC-08")) is not None:
        v(
            "XT-CC-08",
            f"commercial co-creation arranged off Xingtu: found no Xingtu co-creation commercial "
            f"order, required since {rule.effective_from.isoformat()}; the platform may end "
            f"co-creation for all of the work's authors ({names(everyone)})",
            order=order.id,
            participant=names(found) or None,
        )
    rule = ctx.rule("XT-CC-09")
    if rule is not None:
        apps = rule.texts("supported_apps")
        if app(order) not in apps:
            v(
                "XT-CC-09",
                f"submitted from {app(order)}: co-creation is supported only from {', '.join(apps)}",
                order=order.id,
                participant=names(found) or None,
            )


def _agreed(ctx: Settlement, order: Order) -> None:
    """XT-ORD-02: the agreed amounts add up to the order amount."""
    total = sum((p.agreed for p in order.participants), ZERO)
    if total != order.amount and ctx.rule("XT-ORD-02") is not None:
        ctx.statement.violation(
            "XT-ORD-02",
            f"agreed amounts add up to {grouped(total)} ({names(order.participants)}), "
            f"must equal the order amount {grouped(order.amount)}",
            order=order.id,
        )
