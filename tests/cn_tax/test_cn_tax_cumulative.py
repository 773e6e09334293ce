"""CN-TAX-02: cumulative withholding (累计预扣法) from 2025-10, at every edge of the annual table."""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

from creatorpay.core import InputError, load_scenario
from creatorpay.core.scenario import Tax
from tests.cn_tax.cn_tax_fakes import ENGINE, one, reasons, settle
from tests.helpers import scenario_dict

# The annual table of RULES.md, written out by hand: (income giving taxable exactly at the top with
# one month's 5,000 and 20% deducted, rate at the top, tax at the top, rate just above, tax just above).
EDGES = [
    # taxable 36,000: 3% = 1,080; 36,000.008 at 10% − 2,520 = 1,080.0008
    ("51250.00", "0.03", "1080.00", "0.10", "1080.00"),
    # 144,000: 10% − 2,520 = 11,880; just above at 20% − 16,920
    ("186250.00", "0.10", "11880.00", "0.20", "11880.00"),
    # 300,000: 20% − 16,920 = 43,080; just above at 25% − 31,920
    ("381250.00", "0.20", "43080.00", "0.25", "43080.00"),
    # 420,000: 25% − 31,920 = 73,080; just above at 30% − 52,920
    ("531250.00", "0.25", "73080.00", "0.30", "73080.00"),
    # 660,000: 30% − 52,920 = 145,080; just above at 35% − 85,920
    ("831250.00", "0.30", "145080.00", "0.35", "145080.00"),
    # 960,000: 35% − 85,920 = 250,080; just above at 45% − 181,920
    ("1206250.00", "0.35", "250080.00", "0.45", "250080.00"),
]
ONE_MONTH = {"method": "platform", "months_with_income": 1}
#: A month under CN-TAX-02 with no CN-VAT-01 version in force, so no VAT comes off the income
#: (CN-TAX-03) and the table's edges are hit exactly.
NO_VAT = "2028-03"


@pytest.mark.parametrize(("income", "rate_at", "tax_at", "rate_above", "tax_above"), EDGES)
def test_cn_tax_02_each_bracket_edge_of_the_annual_table(
    income: str, rate_at: str, tax_at: str, rate_above: str, tax_above: str
) -> None:
    """CN-TAX-02: a top is inclusive (不超过); one fen of income above it moves to the next bracket,
    whose quick deduction keeps the tax continuous."""
    at = one(settle(NO_VAT, income, ONE_MONTH), "CN-TAX-02")
    top = Decimal(income) * Decimal("0.8") - 5000
    assert (at.base, at.rate, at.value) == (top, Decimal(rate_at), Decimal(tax_at))
    above = one(settle(NO_VAT, str(Decimal(income) + Decimal("0.01")), ONE_MONTH), "CN-TAX-02")
    assert above.base == top + Decimal("0.008")
    assert (above.rate, above.value) == (Decimal(rate_above), Decimal(tax_above))


def test_cn_tax_02_top_bracket() -> None:
    """CN-TAX-02: taxable 1,000,000 → 45% − 181,920 = 268,080."""
    line = one(settle(NO_VAT, "1256250.00", ONE_MONTH), "CN-TAX-02")
    assert (line.base, line.rate, line.value) == (Decimal("1000000.00"), Decimal("0.45"), Decimal("268080.00"))


def test_cn_tax_02_live_anchor_figures_and_note() -> None:
    """CN-TAX-02 (EXPECTED.md live-anchor): 148,000 − 29,600 − 50,000 = 68,400 → 10% − 2,520 = 4,320,
    less 2,580 already withheld = 1,740."""
    tax = {"method": "platform", "months_with_income": 10, "ytd_income": "120000.00", "ytd_withheld": "2580.00"}
    statement = settle("2026-10", "28000.00", tax)
    line = one(statement, "CN-TAX-02")
    assert (line.payer, line.payee, line.base, line.rate) == ("me", "fake", Decimal("68400.00"), Decimal("0.10"))
    assert line.value == Decimal("1740.00")
    for figure in (
        "148,000.00",
        "120,000.00 earlier",
        "28,000.00 this month",
        "20% 29,600.00",
        "5,000.00 × 10 months",
        "taxable 68,400.00",
        "at 10%",
        "quick deduction 2,520.00",
        "4,320.00 due this year",
        "less 2,580.00 already withheld",
        "= 1,740.00",
    ):
        assert figure in line.note
    assert statement.net == Decimal("26260.00")
    assert reasons(statement, "CN-TAX-01") == ["not in force since 2025-10-01"]


def test_cn_tax_02_the_new_deduction_makes_this_months_tax_zero_never_negative() -> None:
    """CN-TAX-02: after months withheld per payment (CN-TAX-01), the 5,000 a month deduction leaves
    less due for the year than already withheld: this month's tax is 0.00, not a refund."""
    # 2025-09 under CN-TAX-01 the same 10,000 would be taxed 8,000 × 20% = 1,600.
    assert one(settle("2025-09", "10000.00"), "CN-TAX-01").value == Decimal("1600.00")
    tax = {"method": "platform", "months_with_income": 10, "ytd_income": "90000.00", "ytd_withheld": "14400.00"}
    statement = settle("2025-10", "10000.00", tax)
    line = one(statement, "CN-TAX-02")
    # 100,000 − 20,000 − 50,000 = 30,000 → 3% = 900 due, 14,400 already withheld.
    assert (line.base, line.rate, line.value) == (Decimal("30000.00"), Decimal("0.03"), Decimal("0.00"))
    assert line.amount == Decimal("0.00")
    assert "900.00 due this year" in line.note
    assert "never below zero" in line.note
    assert statement.net == Decimal("10000.00")


def test_cn_tax_02_nothing_taxable_when_the_deductions_exceed_the_income() -> None:
    """CN-TAX-02: 45,000 − 9,000 − 50,000 is negative: a zero line with base 0.00 says so."""
    tax = {"method": "platform", "months_with_income": 10, "ytd_income": "40000.00", "ytd_withheld": "1000.00"}
    line = one(settle("2025-10", "5000.00", tax), "CN-TAX-02")
    assert (line.base, line.value) == (Decimal("0.00"), Decimal("0.00"))
    assert "taxable -14,000.00: not positive" in line.note


def test_cn_tax_02_months_with_income_multiply_the_monthly_deduction() -> None:
    """CN-TAX-02: 5,000 × months: 30,000 in month 1 → 19,000 × 3% = 570; as month 3 → 9,000 × 3% = 270."""
    assert one(settle("2026-01", "30000.00", ONE_MONTH), "CN-TAX-02").value == Decimal("570.00")
    tax = {"method": "platform", "months_with_income": 3}
    assert one(settle("2026-03", "30000.00", tax), "CN-TAX-02").value == Decimal("270.00")


def test_cn_tax_02_without_months_with_income_is_an_input_error_or_not_applied() -> None:
    """CN-TAX-02 needs months_with_income: a platform's own [tax] without it is an input error, as
    at the top level (CORE-INPUT-01, issue 15); a scenario built in code without it says so instead."""
    data = scenario_dict(
        period="2026-10",
        tax={"method": "none"},
        tips={"yuan": "30000.00"},
        platform={"fake": {"tax": {"method": "platform"}}},
    )
    with pytest.raises(InputError, match=r"platform\.fake\.tax\.months_with_income: required .*CN-TAX-02"):
        load_scenario(data)
    base = load_scenario(scenario_dict(period="2026-10", tax={"method": "none"}, tips={"yuan": "30000.00"}))
    statement = ENGINE.settle(attrs.evolve(base, tax=Tax(method="platform")), "fake")
    assert not [x for x in statement.lines if x.rule == "CN-TAX-02"]
    assert any("months_with_income" in reason for reason in reasons(statement, "CN-TAX-02"))
