"""Individual income tax a platform withholds: per payment (CN-TAX-01) or cumulatively (CN-TAX-02).

Pure computations from a rule version and the figures; each returns the taxable amount, its bracket,
the tax (rounded once, half-up, never below zero) and the steps in words for the line's note.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from creatorpay.core.plugin import ZERO, round_fen

from .brackets import Bracket, read_table
from .figures import money, percent, rule_texts

if TYPE_CHECKING:
    from decimal import Decimal

    from creatorpay.core.plugin import RuleVersion


@attrs.frozen
class Withholding:
    """The tax withheld this month and how it came about."""

    #: The taxable amount, exact (not rounded); may be negative before the never-below-zero floor.
    taxable: Decimal
    bracket: Bracket
    #: The tax withheld this month: rounded once, half-up (CORE-MONEY-01), never negative.
    tax: Decimal
    #: The whole computation in words: income, deduction, bracket, quick deduction, already withheld.
    note: str

    @property
    def base(self) -> Decimal:
        """The line's base: the taxable amount, or zero when nothing is taxable."""
        return max(self.taxable, ZERO)


def per_payment(version: RuleVersion, income: Decimal, platform: str) -> Withholding:
    """CN-TAX-01: the month's own platform income taken as one payment of labour remuneration.

    A payment up to ``deduction_threshold`` deducts ``fixed_deduction``, above it ``deduction_ratio``
    of itself; the rest is taxed in its bracket: ``taxable × rate − quick deduction``.
    """
    threshold = version.decimal("deduction_threshold")
    if income <= threshold:
        deduction = version.decimal("fixed_deduction")
        deducted = f"is at most {money(threshold)}, deducts {money(deduction)}"
    else:
        ratio = version.decimal("deduction_ratio")
        deduction = income * ratio
        deducted = f"is above {money(threshold)}, deducts {percent(ratio)} = {money(deduction)}"
    taxable = income - deduction
    bracket = read_table(version).find(taxable)
    taxable_text = money(taxable)
    steps = (
        f"per-payment withholding on labour remuneration (劳务报酬) by {platform}, the month's own "
        f"platform income (CORE-INCOME-01) as one payment: {money(income)} {deducted}"
    )
    if taxable <= 0:
        return Withholding(taxable, bracket, ZERO, f"{steps}; taxable {taxable_text} is not positive: no tax")
    tax = round_fen(max(taxable * bracket.rate - bracket.quick_deduction, ZERO))
    return Withholding(
        taxable,
        bracket,
        tax,
        (
            f"{steps}; taxable {taxable_text}, {bracket.summary}: {taxable_text} × {bracket.rate_text} "
            f"− {bracket.quick_deduction_text} = {money(tax)}; year-to-date figures do not enter this method"
        ),
    )


def cumulative(
    version: RuleVersion, income: Decimal, *, ytd_income: Decimal, ytd_withheld: Decimal, months: int, platform: str
) -> Withholding:
    """CN-TAX-02: cumulative withholding on the year's own platform income on this platform.

    ``taxable = (ytd_income + income) − deduction_ratio of it − monthly_deduction × months``;
    ``tax = taxable × annual rate − quick deduction − ytd_withheld``, never below zero.
    """
    ratio = version.decimal("deduction_ratio")
    monthly = version.decimal("monthly_deduction")
    total = ytd_income + income
    deduction = total * ratio
    allowance = monthly * months
    taxable = total - deduction - allowance
    bracket = read_table(version).find(taxable)
    taxable_text, withheld_text = money(taxable), money(ytd_withheld)
    texts = version.derived(rule_texts)
    steps = (
        f"cumulative withholding (累计预扣法) by {platform}: own platform income this year "
        f"{money(total)} ({money(ytd_income)} earlier + {money(income)} this month, CORE-INCOME-01) "
        f"− {texts['deduction_ratio']} {money(deduction)} − {texts['monthly_deduction']} × {months} "
        f"months with income {money(allowance)} = taxable {taxable_text}"
    )
    if taxable <= 0:
        return Withholding(
            taxable,
            bracket,
            ZERO,
            f"{steps}: not positive, no tax due this year; {withheld_text} already withheld; 0.00 this month",
        )
    due = taxable * bracket.rate - bracket.quick_deduction
    owed = due - ytd_withheld
    tax = round_fen(max(owed, ZERO))
    tax_text = money(tax)
    floor = f" = {tax_text}" if owed >= 0 else f" = {money(owed)}, never below zero: {tax_text}"
    return Withholding(
        taxable,
        bracket,
        tax,
        (
            f"{steps}; {bracket.summary}: {taxable_text} × {bracket.rate_text} "
            f"− {bracket.quick_deduction_text} = {money(due)} due this year; less {withheld_text} "
            f"already withheld this year{floor}"
        ),
    )
