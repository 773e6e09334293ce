"""VAT on a small-scale taxpayer's own platform income (CN-VAT-01): none up to the monthly threshold,
else the rate on all of the month's income."""

from __future__ import annotations

from decimal import Decimal

import attrs

from creatorpay.core.money import ZERO, round_fen
from creatorpay.core.rules import RuleVersion

from .figures import money, rule_texts


@attrs.frozen
class Vat:
    """The VAT on the month's income: ``rate`` is zero when the income is exempt."""

    base: Decimal
    rate: Decimal
    value: Decimal
    note: str


def small_taxpayer_vat(version: RuleVersion, income: Decimal, platform: str) -> Vat:
    """CN-VAT-01: the month's own platform income on ``platform`` at most ``exempt_up_to`` pays none;
    above it, ``rate`` of all of it, rounded once."""
    limit = version.decimal("exempt_up_to")
    rate = version.decimal("rate")
    texts = version.derived(rule_texts)
    if income <= limit:
        return Vat(income, ZERO, ZERO, f"the month's own platform income on {platform} {money(income)} is at "
                                       f"most {texts['exempt_up_to']}: no VAT (small-scale taxpayer relief)")
    value = round_fen(income * rate)
    return Vat(income, rate, value, f"the month's own platform income on {platform} {money(income)} is above "
                                    f"{texts['exempt_up_to']}: VAT {texts['rate']} of all of it = {money(value)}, "
                                    f"filed through {platform}")
