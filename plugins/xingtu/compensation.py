"""Compensation when an order ends early (XT-COMP-01..07, source §三.3).

A participant who ends the cooperation (the client then pays nothing) pays each other participant
the stage's percentage of that participant's agreed amount: a payment between creators, not platform
income. A client at fault pays every participant, through the platform: platform income. No service
fee is taken from compensation (XT-COMP-06); the fee is only on an order amount the client pays
(XT-COMP-05).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from creatorpay.core.plugin import Kind, Settlement, grouped, weakest

from .orders import single_settlement

if TYPE_CHECKING:
    from collections.abc import Sequence
    from decimal import Decimal

    from creatorpay.core.plugin import Order, Participant, RuleVersion

#: Stages before publication with their rule (the percentage is the rule's ``percent``).
STAGE_RULES = {"script_confirmed": "XT-COMP-01", "video_produced": "XT-COMP-02", "client_confirmed": "XT-COMP-03"}
CLIENT = "client"
_NO_FEE = "no service fee on compensation (XT-COMP-06)"


def settle_terminated(ctx: Settlement, order: Order) -> None:
    """The compensation lines of a terminated order, by the stage it ended at and who ended it."""
    assert order.termination is not None
    by = order.termination.by
    stage = order.stage
    if stage == "negotiating":
        version = ctx.rule("XT-COMP-07")
        if version is not None:
            _compensate(
                ctx,
                order,
                "XT-COMP-07",
                version.decimal("negotiating_percent"),
                version.label_for("negotiating_percent"),
                "no script was confirmed yet: nothing is paid",
            )
    elif stage in STAGE_RULES:
        rule = STAGE_RULES[stage]
        version = ctx.rule(rule)
        if version is not None:
            _compensate(ctx, order, rule, version.decimal("percent"), version.label_for("percent"), "")
    elif by == CLIENT:
        version = ctx.rule("XT-COMP-07")
        if version is not None:
            _compensate(
                ctx,
                order,
                "XT-COMP-07",
                version.decimal("client_published_percent"),
                version.label_for("client_published_percent"),
                "the client ended a published order, "
                "which the source leaves out: it pays as after client confirmation (XT-COMP-03)",
            )
    elif any(p.creator == by and p.role == "main" for p in order.participants):
        version = ctx.rule("XT-COMP-04")
        if version is not None:
            _main_walked_away(ctx, order, version)
    else:
        version = ctx.rule("XT-COMP-05")
        if version is not None:
            _co_creator_declined(ctx, order, version)


def _compensate(ctx: Settlement, order: Order, rule: str, percent: Decimal, label: str, why: str) -> None:
    """XT-COMP-01..03 and 07: the client pays every participant, or the defaulting participant pays
    each other participant, ``percent`` of the payee's agreed amount."""
    assert order.termination is not None
    by = order.termination.by
    reason = f" ({order.termination.reason})" if order.termination.reason else ""
    context = f"{by} ended the order at {order.stage}{reason}" + (f"; {why}" if why else "")
    if by == CLIENT:
        _lines(
            ctx,
            order,
            rule,
            Kind.COMPENSATION,
            CLIENT,
            order.participants,
            percent,
            label,
            f"{context}: the client pays every participant {percent:%} of their agreed amount, through the platform",
        )
        return
    # Paying each other participant is the rulebook's reading of 向对方支付: an interpretation.
    _lines(
        ctx,
        order,
        rule,
        Kind.CREATOR_COMPENSATION,
        by,
        [p for p in order.participants if p.creator != by],
        percent,
        weakest(label, "interpretation"),
        f"{context} and the client pays nothing: {by} pays each other participant {percent:%} of their "
        f"agreed amount, a payment between creators (not platform income)",
    )


def _main_walked_away(ctx: Settlement, order: Order, version: RuleVersion) -> None:
    """XT-COMP-04: published, the main contributor ended co-creation; the client pays nothing."""
    assert order.termination is not None
    by = order.termination.by
    percent = version.decimal("percent")
    _lines(
        ctx,
        order,
        "XT-COMP-04",
        Kind.CREATOR_COMPENSATION,
        by,
        order.co_creators,
        percent,
        version.label_for("percent"),
        f"the main contributor {by} ended co-creation of the published video without the client's "
        f"consent; the client cancels and pays nothing: {by} pays each co-creator {percent:%} of their "
        f"agreed amount",
    )


def _co_creator_declined(ctx: Settlement, order: Order, version: RuleVersion) -> None:
    """XT-COMP-05: published, a co-creator did not accept the invitation; the client pays the order
    less that co-creator's agreed amount, settled like any order among the others (fee included)."""
    assert order.termination is not None
    by = order.termination.by
    out = next(p for p in order.participants if p.creator == by)
    rest = [p for p in order.participants if p.creator != by]
    paid = order.amount - out.agreed
    single_settlement(
        ctx,
        order,
        rest,
        paid,
        "XT-COMP-05",
        version.label_for(),
        f"co-creator {by} did not accept the co-creation invitation as agreed: with the main contributor's "
        f"consent the client pays the order {grouped(order.amount)} less {by}'s agreed {grouped(out.agreed)}, "
        f"in one payment to the main contributor; {by} gets nothing",
    )


def _lines(
    ctx: Settlement,
    order: Order,
    rule: str,
    kind: Kind,
    payer: str,
    payees: Sequence[Participant],
    percent: Decimal,
    label: str,
    note: str,
) -> None:
    """One line per payee: ``percent`` of the payee's agreed amount, rounded once (CORE-MONEY-01)."""
    for payee in payees:
        ctx.statement.line(
            rule,
            kind,
            payer=payer,
            payee=payee.creator,
            base=payee.agreed,
            rate=percent,
            label=label,
            order=order.id,
            note=f"{note}; {payee.creator}'s agreed {grouped(payee.agreed)}; {_NO_FEE}",
        )
