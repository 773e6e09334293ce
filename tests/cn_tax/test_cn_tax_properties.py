"""Properties of CN-TAX-01, CN-TAX-02 and CN-VAT-01 over many incomes (hypothesis): never negative,
never more than the income, continuous across bracket edges, and the statement conserves its cash."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from creatorpay.plugins.cn_tax.withholding import cumulative, per_payment
from tests.cn_tax.cn_tax_fakes import ENGINE, lines, settle
from tests.helpers import examples

BOOK = ENGINE.rulebooks["cn_tax"]
PER_PAYMENT = BOOK.at(dt.date(2025, 6, 1)).in_force["CN-TAX-01"]
CUMULATIVE = BOOK.at(dt.date(2026, 1, 1)).in_force["CN-TAX-02"]
FEN = Decimal("0.01")
incomes = st.decimals(min_value=FEN, max_value=Decimal(3_000_000), places=2)
amounts = st.decimals(min_value=Decimal(0), max_value=Decimal(3_000_000), places=2)


@given(incomes)
def test_cn_tax_01_is_bounded_and_continuous(income: Decimal) -> None:
    """CN-TAX-01: 0 ≤ tax < income, and one more fen raises the tax by at most a fen (the quick
    deductions keep the table continuous; the 800 / 20% deductions meet at 4,000)."""
    tax = per_payment(PER_PAYMENT, income, "p").tax
    more = per_payment(PER_PAYMENT, income + FEN, "p").tax
    assert Decimal(0) <= tax < income
    assert tax <= more <= tax + FEN


@given(incomes, amounts, amounts, st.integers(min_value=1, max_value=12))
def test_cn_tax_02_is_never_negative_and_continuous(
    income: Decimal, ytd: Decimal, withheld: Decimal, months: int
) -> None:
    """CN-TAX-02: never below zero, never more than the year's income, and continuous in income."""

    def tax(amount: Decimal) -> Decimal:
        return cumulative(CUMULATIVE, amount, ytd_income=ytd, ytd_withheld=withheld, months=months, platform="p").tax

    now, more = tax(income), tax(income + FEN)
    assert Decimal(0) <= now < ytd + income
    assert now <= more <= now + FEN


@settings(max_examples=examples(60))
@given(incomes, st.sampled_from(["2025-06", "2026-10"]))
def test_statement_cash_is_income_less_tax_and_vat(income: Decimal, period: str) -> None:
    """CN-TAX-01/02 and CN-VAT-01 lines: net = income − tax − VAT to the fen; totals add up to net."""
    months = int(period[5:])  # at most the period's month (CORE-INPUT-01)
    statement = settle(
        period,
        f"{income:f}",
        {"method": "platform", "months_with_income": months, "ytd_income": "50000.00", "ytd_withheld": "100.00"},
    )
    taxed = [*lines(statement, "CN-TAX-01"), *lines(statement, "CN-TAX-02"), *lines(statement, "CN-VAT-01")]
    assert len(taxed) == 2
    assert all(x.value >= 0 and x.amount == -x.value and x.payee == "fake" for x in taxed)
    assert statement.net == income - sum(x.value for x in taxed)
    assert sum(statement.totals.values()) == statement.net
