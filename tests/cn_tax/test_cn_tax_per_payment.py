"""CN-TAX-01: per-payment withholding, the month's own platform income as one payment (to 2025-09)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.cn_tax.cn_tax_fakes import one, reasons, settle


def test_cn_tax_01_rulebook_example_30000_gives_5200_in_2025_06() -> None:
    """CN-TAX-01: 30,000 → taxable 24,000 (20% deducted) → 30% less 2,000 = 5,200."""
    statement = settle("2025-06", "30000.00")
    line = one(statement, "CN-TAX-01")
    assert (line.kind.code, line.payer, line.payee) == ("tax", "me", "fake")
    assert line.base == Decimal("24000.00")
    assert line.rate == Decimal("0.30")
    assert line.value == Decimal("5200.00")
    assert line.amount == Decimal("-5200.00")
    assert line.label == "source"
    for figure in (
        "30,000.00",
        "20% = 6,000.00",
        "taxable 24,000.00",
        "at 30%",
        "quick deduction 2,000.00",
        "= 5,200.00",
        "by fake",
    ):
        assert figure in line.note
    assert statement.net == Decimal("24800.00")
    assert statement.totals["tax"] == Decimal("-5200.00")
    assert reasons(statement, "CN-TAX-02") == ["not in force until 2025-10-01"]


@pytest.mark.parametrize(
    ("income", "base", "rate", "tax"),
    [
        ("4000.00", "3200.00", "0.20", "640.00"),  # up to 4,000 (inclusive) deducts 800
        ("4000.01", "3200.008", "0.20", "640.00"),  # above 4,000 deducts 20%; taxable shown exact
        ("3000.00", "2200.00", "0.20", "440.00"),
        ("25000.00", "20000.00", "0.20", "4000.00"),  # taxable 20,000: still the 20% bracket
        ("25000.01", "20000.008", "0.30", "4000.00"),  # just above: 30% less 2,000
        ("62500.00", "50000.00", "0.30", "13000.00"),  # taxable 50,000: still 30%
        ("62500.01", "50000.008", "0.40", "13000.00"),  # just above: 40% less 7,000
        ("100000.00", "80000.00", "0.40", "25000.00"),
    ],
)
def test_cn_tax_01_deduction_and_brackets(income: str, base: str, rate: str, tax: str) -> None:
    """CN-TAX-01: 800 deducted up to 4,000, 20% above; 20% / 30% − 2,000 / 40% − 7,000 with
    inclusive tops at 20,000 and 50,000; the tax rounded once, half-up (CORE-MONEY-01)."""
    line = one(settle("2025-06", income), "CN-TAX-01")
    assert (line.base, line.rate, line.value) == (Decimal(base), Decimal(rate), Decimal(tax))


def test_cn_tax_01_4000_itself_deducts_800() -> None:
    """CN-TAX-01: "up to 4,000" includes 4,000 (deducts 800); a fen more deducts 20%."""
    assert "4,000.00 is at most 4,000.00, deducts 800.00" in one(settle("2025-06", "4000.00"), "CN-TAX-01").note
    above = one(settle("2025-06", "4000.01"), "CN-TAX-01").note
    assert "4,000.01 is above 4,000.00, deducts 20% = 800.002" in above


def test_cn_tax_01_a_payment_of_800_or_less_is_taxed_zero_and_says_why() -> None:
    """CN-TAX-01: 800 deducted leaves nothing taxable: a zero line explains it, never negative."""
    for income in ("800.00", "500.00"):
        line = one(settle("2025-06", income), "CN-TAX-01")
        assert line.value == Decimal("0.00")
        assert line.base == Decimal("0.00")
        assert "not positive: no tax" in line.note


def test_cn_tax_01_ignores_year_to_date_figures() -> None:
    """CN-TAX-01 is per payment: year-to-date income and withholding do not change it."""
    tax = {"method": "platform", "months_with_income": 6, "ytd_income": "500000.00", "ytd_withheld": "90000.00"}
    line = one(settle("2025-06", "30000.00", tax), "CN-TAX-01")
    assert line.value == Decimal("5200.00")
    assert "year-to-date figures do not enter" in line.note


def test_cn_tax_01_applies_from_2019_and_nothing_before() -> None:
    """CN-TAX-01 is in force from 2019-01-01; in 2018-12 no income-tax rule is, and both say why."""
    assert one(settle("2019-01", "30000.00"), "CN-TAX-01").value == Decimal("5200.00")
    before = settle("2018-12", "30000.00")
    assert not [x for x in before.lines if x.rule.startswith("CN-TAX")]
    assert reasons(before, "CN-TAX-01") == ["not in force until 2019-01-01"]
    assert reasons(before, "CN-TAX-02") == ["not in force until 2025-10-01"]


def test_cn_tax_01_is_computed_on_income_before_the_mcn_share() -> None:
    """CN-TAX-01 on CORE-INCOME-01: the MCN share (CORE-MCN-01) does not reduce the tax base."""
    statement = settle("2025-06", "30000.00", mcn={"name": "acme-mcn", "share": "0.20"})
    assert one(statement, "CN-TAX-01").value == Decimal("5200.00")
    assert one(statement, "CORE-MCN-01").value == Decimal("6000.00")
    assert statement.net == Decimal("18800.00")
