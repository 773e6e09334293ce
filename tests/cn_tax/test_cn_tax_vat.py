"""CN-VAT-01: own platform income is paid VAT included: sales = income ÷ 1.01; exempt 2022-04..2022-12;
2023-01..2027-12 none when the month's sales are at most 100,000.00, else 1% of all of them. CN-TAX-03:
income tax on income excluding that VAT."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from creatorpay.plugins.cn_tax.vat import small_taxpayer_vat
from tests.cn_tax.cn_tax_fakes import ENGINE, engine, one, reasons, settle
from tests.helpers import examples


def test_cn_vat_01_income_is_vat_inclusive_190000() -> None:
    """CN-VAT-01 (RULES.md example): income 190,000.00 → sales 188,118.81 → VAT 1,881.19, not 1,900.00."""
    line = one(settle("2026-10", "190000.00"), "CN-VAT-01")
    assert (line.kind.code, line.payer, line.payee) == ("vat", "me", "fake")
    assert (line.base, line.rate, line.value) == (Decimal("188118.81"), Decimal("0.01"), Decimal("1881.19"))
    assert "190,000.00 ÷ (1 + 1%) = 188,118.81" in line.note
    assert line.label == "interpretation"


def test_cn_vat_01_threshold_compares_sales_not_income() -> None:
    """CN-VAT-01: income 101,000.00 is sales of exactly 100,000.00, 'at most': a zero line says why;
    one fen more of sales pays 1% of all of them."""
    line = one(settle("2026-10", "101000.00"), "CN-VAT-01")
    assert (line.base, line.rate, line.value) == (Decimal("100000.00"), Decimal(0), Decimal("0.00"))
    assert "= 100,000.00, at most 100,000.00: no VAT" in line.note
    above = one(settle("2026-10", "101000.02"), "CN-VAT-01")
    assert (above.base, above.value) == (Decimal("100000.02"), Decimal("1000.00"))


def test_cn_vat_01_rounds_half_up_once() -> None:
    """CN-VAT-01: 151,500.50 ÷ 1.01 = 150,000.50 (sales); × 1% = 1,500.005 → 1,500.01 (CORE-MONEY-01)."""
    assert one(settle("2025-06", "151500.50"), "CN-VAT-01").value == Decimal("1500.01")


def test_cn_vat_01_dated_versions() -> None:
    """CN-VAT-01: 2022-04..2022-12 exempt (MOF/SAT 2022 No. 15); 2023-01..2027-12 the 100,000 relief and
    1%; before 2022-04 and from 2028-01 not applied with why."""
    assert one(settle("2023-01", "202000.00"), "CN-VAT-01").value == Decimal("2000.00")
    assert one(settle("2027-12", "202000.00"), "CN-VAT-01").value == Decimal("2000.00")
    exempt = one(settle("2022-12", "202000.00"), "CN-VAT-01")
    assert (exempt.rate, exempt.value) == (Decimal(0), Decimal("0.00"))
    assert "exempt from VAT from 2022-04-01 to 2022-12-31 (MOF/SAT announcement 2022 No. 15)" in exempt.note
    assert one(settle("2022-04", "202000.00"), "CN-VAT-01").value == Decimal("0.00")
    before = settle("2022-03", "202000.00")
    assert reasons(before, "CN-VAT-01") == ["not in force until 2022-04-01"]
    after = settle("2028-01", "202000.00")
    assert reasons(after, "CN-VAT-01") == ["not in force since 2028-01-01"]
    assert not [x for x in before.lines + after.lines if x.rule == "CN-VAT-01"]


def test_cn_tax_03_income_tax_on_income_excluding_vat() -> None:
    """CN-TAX-03 with CN-TAX-01 (2024-06): 190,000.00 less VAT 1,881.19 = 188,118.81 is the payment;
    80% = 150,495.048 taxable, 40% − 7,000 = 53,198.02 (not 53,800.00 on the VAT-inclusive income)."""
    statement = settle("2024-06", "190000.00")
    tax = one(statement, "CN-TAX-01")
    assert (tax.base, tax.rate, tax.value) == (Decimal("150495.048"), Decimal("0.40"), Decimal("53198.02"))
    assert "income excluding VAT (CN-TAX-03): 190,000.00 − VAT 1,881.19 (CN-VAT-01) = 188,118.81" in tax.note
    assert tax.label == "interpretation"
    assert statement.net == Decimal("190000.00") - Decimal("53198.02") - Decimal("1881.19")


def test_cn_tax_03_without_vat_the_income_is_taxed_whole() -> None:
    """CN-TAX-03: no VAT charged (sales at most 100,000), so nothing comes off: 28,000 taxed as it is."""
    tax = one(settle("2024-06", "28000.00"), "CN-TAX-01")
    assert tax.base == Decimal("22400.00") and "CN-TAX-03" not in tax.note


def test_cn_tax_03_with_cumulative_withholding() -> None:
    """CN-TAX-03 with CN-TAX-02: 202,000.00 less VAT 2,000.00 = 200,000.00 enters the year's income."""
    tax = {"method": "platform", "months_with_income": 1}
    line = one(settle("2026-01", "202000.00", tax), "CN-TAX-02")
    assert line.base == Decimal("155000.00")  # 200,000 − 20% − 5,000


def test_cn_vat_01_threshold_from_an_override_is_operator_set() -> None:
    """CN-VAT-01's figures are params: an override moves the threshold and labels the line."""
    raised = engine(rules={"cn_tax": {"CN-VAT-01": {"exempt_up_to": "150000.00"}}})
    line = one(settle("2026-10", "120000.00", using=raised), "CN-VAT-01")
    assert (line.value, line.label) == (Decimal("0.00"), "operator-set")


VAT_2026 = ENGINE.rulebooks["cn_tax"].at(dt.date(2026, 10, 1)).in_force["CN-VAT-01"]


@settings(max_examples=examples(200))
@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal(50_000_000), places=2))
def test_cn_vat_01_sales_and_vat_make_up_the_income(income: Decimal) -> None:
    """CN-VAT-01: income is VAT-inclusive: the sales are income ÷ 1.01 to the fen; VAT is charged only on
    sales above 100,000, and then sales + VAT make up the income to within a fen; the VAT is never more
    than 1% of the income (it is 1% of the smaller sales)."""
    vat = small_taxpayer_vat(VAT_2026, income, "p")
    assert abs(vat.base * Decimal("1.01") - income) <= Decimal("0.01")
    assert (vat.value == 0) == (vat.base <= Decimal("100000.00"))
    if vat.value:
        assert abs(vat.base + vat.value - income) <= Decimal("0.01")
    assert Decimal(0) <= vat.value <= (income * Decimal("0.01")).quantize(Decimal("0.01"))
