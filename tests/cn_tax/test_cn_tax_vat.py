"""CN-VAT-01: no VAT up to 100,000.00 of own platform income in the month, else 1% of all of it."""

from __future__ import annotations

from decimal import Decimal

from tests.cn_tax.cn_tax_fakes import engine, one, reasons, settle


def test_cn_vat_01_none_at_100000_00() -> None:
    """CN-VAT-01: exactly 100,000.00 is 'at most': a zero line at rate 0 says why."""
    line = one(settle("2026-10", "100000.00"), "CN-VAT-01")
    assert (line.kind.code, line.payer, line.payee) == ("vat", "me", "fake")
    assert (line.base, line.rate, line.value) == (Decimal("100000.00"), Decimal(0), Decimal("0.00"))
    assert "100,000.00 is at most 100,000.00: no VAT" in line.note


def test_cn_vat_01_one_percent_of_all_of_it_at_100000_01() -> None:
    """CN-VAT-01: one fen above the threshold, 1% of the whole 100,000.01 = 1,000.00 (rounded once)."""
    statement = settle("2026-10", "100000.01")
    line = one(statement, "CN-VAT-01")
    assert (line.base, line.rate, line.value) == (Decimal("100000.01"), Decimal("0.01"), Decimal("1000.00"))
    assert line.amount == Decimal("-1000.00")
    assert "above 100,000.00: VAT 1% of all of it = 1,000.00" in line.note
    tax = one(statement, "CN-TAX-02")
    assert statement.totals["tax"] == -(tax.value + line.value)
    assert statement.net == Decimal("100000.01") - tax.value - line.value


def test_cn_vat_01_rounds_half_up_once() -> None:
    """CN-VAT-01: 150,000.50 × 1% = 1,500.005 → 1,500.01 (CORE-MONEY-01)."""
    assert one(settle("2025-06", "150000.50"), "CN-VAT-01").value == Decimal("1500.01")


def test_cn_vat_01_dates_of_the_relief() -> None:
    """CN-VAT-01 is the relief in force 2023-01-01 .. 2027-12-31; outside it, not applied with why."""
    assert one(settle("2023-01", "200000.00"), "CN-VAT-01").value == Decimal("2000.00")
    assert one(settle("2027-12", "200000.00"), "CN-VAT-01").value == Decimal("2000.00")
    before = settle("2022-12", "200000.00")
    assert reasons(before, "CN-VAT-01") == ["not in force until 2023-01-01"]
    after = settle("2028-01", "200000.00")
    assert reasons(after, "CN-VAT-01") == ["not in force since 2028-01-01"]
    assert not [x for x in before.lines + after.lines if x.rule == "CN-VAT-01"]


def test_cn_vat_01_threshold_from_an_override_is_operator_set() -> None:
    """CN-VAT-01's figures are params: an override moves the threshold and labels the line."""
    raised = engine(rules={"cn_tax": {"CN-VAT-01": {"exempt_up_to": "150000.00"}}})
    line = one(settle("2026-10", "120000.00", using=raised), "CN-VAT-01")
    assert (line.value, line.label) == (Decimal("0.00"), "operator-set")
