"""Single settlement of a Xingtu order (XT-ORD-01..03, XT-FEE-01, XT-PRICE-01): one payment to the
main contributor, the service fee on it, then the main contributor's transfers to co-creators.

Lines are written once for everyone; the statement signs them from the scenario creator's view,
so the same lines serve a main contributor, a co-creator and a third party.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from creatorpay.core.plugin import ZERO, Kind, Settlement, allocate, grouped, round_fen, weakest

from .fields import co_creation, video_seconds
from .parties import TASK_NAMES

if TYPE_CHECKING:
    from collections.abc import Sequence

    from creatorpay.core.plugin import Order, Participant, RuleVersion

#: A payment or transfer passes on the whole of its base.
_WHOLE = Decimal(1)


def payment_rule(ctx: Settlement, order: Order) -> tuple[str, str, str]:
    """The rule, label and note of a paid order's payment line.

    XT-ORD-02 for co-creation, XT-ORD-01 otherwise; XT-PRICE-01 when the amount is the price card's.
    """
    rule = "XT-ORD-02" if co_creation(order) else "XT-ORD-01"
    task = TASK_NAMES[order.task]
    note = (
        f"{task} order placed by the client on Xingtu, paid in one payment to the main contributor"
        if co_creation(order)
        else f"{task} order placed by the client on Xingtu, paid to the creator"
    )
    if order.priced_band is not None and (price := ctx.rule("XT-PRICE-01")) is not None:
        note = (
            f"amount is the price card's {order.priced_band} price ({band_text(price, order.priced_band)})"
            f" for a {video_seconds(order)} s video; {note} ({rule})"
        )
        return "XT-PRICE-01", price.label_for(), note
    version = ctx.rule(rule)
    return rule, version.label_for() if version else "source", note


def band_text(price: RuleVersion, band: str) -> str:
    """The seconds a price-card band covers, from XT-PRICE-01's limits in rules.toml."""
    short = price.count("s1_20_max_seconds")
    medium = price.count("s21_60_max_seconds")
    return {"s1_20": f"1-{short} s", "s21_60": f"{short + 1}-{medium} s"}.get(band, f"over {medium} s")


def settle_paid(ctx: Settlement, order: Order) -> None:
    """A published order: the whole amount paid to the main contributor (XT-ORD-01/02, XT-PRICE-01)."""
    rule, label, note = payment_rule(ctx, order)
    single_settlement(ctx, order, order.participants, order.amount, rule, label, note)


def single_settlement(
    ctx: Settlement, order: Order, paid_to: Sequence[Participant], paid: Decimal, rule: str, label: str, note: str
) -> None:
    """Payment of ``paid`` to the main contributor, the XT-FEE-01 fee on it, and a transfer to each
    co-creator in ``paid_to`` at its agreed amount less its share of the fee (XT-ORD-03).

    ``paid_to`` are the participants the payment is for (all of them, or all but a co-creator who
    did not accept the invitation, XT-COMP-05); their agreed amounts add up to ``paid``.
    """
    main = next(p for p in paid_to if p.role == "main")
    ctx.statement.line(
        rule,
        Kind.ORDER_PAYMENT,
        payer=ctx.platform.name,
        payee=main.creator,
        base=paid,
        rate=_WHOLE,
        label=label,
        note=note,
        order=order.id,
    )
    shares, fee_label, kept = _fee(ctx, order, paid_to, paid, main)
    transfer = ctx.rule("XT-ORD-03")
    base_label = transfer.label_for() if transfer else "source"
    for participant, share in zip(paid_to, shares, strict=True):
        if participant.role != "co_creator":
            continue
        line_label = weakest(base_label, fee_label) if kept is not None else base_label
        why = (
            f"{participant.creator}'s agreed {grouped(participant.agreed)} less its fee share "
            f"{grouped(share)} (XT-FEE-01 pro rata)"
            if kept is not None
            else f"{participant.creator}'s agreed {grouped(participant.agreed)} in full"
        )
        ctx.statement.line(
            "XT-ORD-03",
            Kind.TRANSFER,
            payer=main.creator,
            payee=participant.creator,
            base=participant.agreed,
            rate=_WHOLE if kept is None else kept,
            value=participant.agreed - share,
            label=line_label,
            order=order.id,
            note=f"{why}: the main contributor pays the co-creator under their agreement, a transfer "
            f"between creators, not a platform payment",
        )


class _FeeTerms:
    """XT-FEE-01's figures as every order uses them, read once per rule version. A plain class: a
    private record, for which attrs would build a class at every start (about 1M instructions)."""

    __slots__ = ("borne_by", "kept", "label", "rate", "rate_text")

    def __init__(self, rate: Decimal, borne_by: str, label: str, rate_text: str, kept: Decimal | None) -> None:
        self.rate = rate
        self.borne_by = borne_by
        self.label = label
        #: The rate as the note writes it, e.g. ``5.00%``.
        self.rate_text = rate_text
        #: What a co-creator nets of its agreed amount under ``pro_rata`` (else None).
        self.kept = kept


def _fee_terms(fee: RuleVersion) -> _FeeTerms:
    """XT-FEE-01's terms from its version (use ``fee.derived(_fee_terms)``)."""
    rate = fee.decimal("rate")
    borne_by = fee.text("borne_by")
    return _FeeTerms(
        rate, borne_by, fee.label_for("rate", "borne_by"), f"{rate:%}", (1 - rate) if borne_by == "pro_rata" else None
    )


def _fee(
    ctx: Settlement, order: Order, paid_to: Sequence[Participant], paid: Decimal, main: Participant
) -> tuple[list[Decimal], str, Decimal | None]:
    """XT-FEE-01: the fee line, rounded once (CORE-MONEY-03); returns each participant's share of it
    (CORE-MONEY-02), the fee's label, and the rate a co-creator nets under ``pro_rata`` (else None)."""
    fee = ctx.rule("XT-FEE-01")
    if fee is None:
        return [ZERO for _ in paid_to], "source", None
    terms = fee.derived(_fee_terms)
    value = round_fen(paid * terms.rate)
    if terms.borne_by == "pro_rata":
        shares = allocate(value, [p.agreed for p in paid_to])
        how = "borne pro rata by agreed amount: " + ", ".join(
            f"{p.creator} {grouped(s)}" for p, s in zip(paid_to, shares, strict=True)
        )
    else:
        shares = [value if p is main else ZERO for p in paid_to]
        how = f"borne by the main contributor {main.creator} alone (borne_by = main)"
    ctx.statement.line(
        "XT-FEE-01",
        Kind.FEE,
        payer=main.creator,
        payee=ctx.platform.name,
        base=paid,
        rate=terms.rate,
        value=value,
        label=terms.label,
        order=order.id,
        note=f"service fee {terms.rate_text} of the {grouped(paid)} the client pays, rounded once "
        f"(CORE-MONEY-03), {how} (CORE-MONEY-02); the rate is {terms.label}",
    )
    return shares, terms.label, terms.kept
