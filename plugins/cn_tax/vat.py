"""VAT on a small-scale taxpayer's own platform income (CN-VAT-01), which is paid VAT included: the
month's sales are income ÷ (1 + rate); exempt at a rate of 0, else none up to the monthly threshold and
the rate on all of the month's sales above it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from creatorpay.core.plugin import ZERO, round_fen

from .figures import money, rule_texts

if TYPE_CHECKING:
    from decimal import Decimal

    from creatorpay.core.plugin import RuleVersion


@attrs.frozen
class Vat:
    """The VAT on the month's income: ``rate`` is zero when the sales are exempt. ``base`` is the
    month's sales (income excluding VAT) as the statement shows them."""

    base: Decimal
    rate: Decimal
    value: Decimal
    note: str


def small_taxpayer_vat(version: RuleVersion, income: Decimal, platform: str) -> Vat:
    """CN-VAT-01: at a ``rate`` of 0 (exempt), no VAT; else sales = income ÷ (1 + ``rate``), rounded to the fen
    (the amount the threshold compares, CORE-MONEY-03); at most ``exempt_up_to`` pays none, above it
    ``rate`` of all the sales, rounded once. 190,000.00 → sales 188,118.81 → VAT 1,881.19."""
    since = version.effective_from.isoformat()
    until = version.effective_to.isoformat() if version.effective_to else "further notice"
    rate = version.decimal("rate")
    if rate == 0:
        return Vat(
            income,
            ZERO,
            ZERO,
            f"small-scale taxpayers' sales are exempt from VAT from {since} to "
            f"{until} (MOF/SAT announcement 2022 No. 15): no VAT on the month's "
            f"own platform income on {platform} {money(income)}",
        )
    limit = version.decimal("exempt_up_to")
    texts = version.derived(rule_texts)
    sales = round_fen(income / (1 + rate))
    steps = (
        f"the month's own platform income on {platform} {money(income)} includes VAT: sales = "
        f"{money(income)} ÷ (1 + {texts['rate']}) = {money(sales)}"
    )
    if sales <= limit:
        return Vat(
            sales,
            ZERO,
            ZERO,
            f"{steps}, at most {texts['exempt_up_to']}: no VAT (small-scale taxpayer relief, {since} to {until})",
        )
    value = round_fen(sales * rate)
    return Vat(
        sales,
        rate,
        value,
        f"{steps}, above {texts['exempt_up_to']}: VAT {texts['rate']} of all of it "
        f"= {money(value)}, filed through {platform}",
    )
