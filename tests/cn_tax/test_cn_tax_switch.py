"""The switch from CN-TAX-01 to CN-TAX-02 by rule dates (CORE-DATE-01), the tax method, and
year-to-date figures per platform ([platform.<name>.tax])."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from creatorpay.core import load_scenario
from tests.cn_tax.cn_tax_fakes import ENGINE, engine, one, reasons, settle
from tests.helpers import scenario_dict


def test_2025_09_uses_cn_tax_01_and_2025_10_uses_cn_tax_02() -> None:
    """CN-TAX-01 to 2025-09-30, CN-TAX-02 from 2025-10-01: the same 30,000 gives 5,200 then 570
    (24,000 − 5,000 × 1 month = 19,000 × 3%); the other rule is reported not in force."""
    september = settle("2025-09", "30000.00")
    assert one(september, "CN-TAX-01").value == Decimal("5200.00")
    assert not [x for x in september.lines if x.rule == "CN-TAX-02"]
    assert reasons(september, "CN-TAX-02") == ["not in force until 2025-10-01"]
    october = settle("2025-10", "30000.00")
    assert one(october, "CN-TAX-02").value == Decimal("570.00")
    assert not [x for x in october.lines if x.rule == "CN-TAX-01"]
    assert reasons(october, "CN-TAX-01") == ["not in force since 2025-10-01"]


def test_exactly_one_income_tax_rule_is_in_force_every_month_from_2019() -> None:
    """CN-TAX-01 and CN-TAX-02 never overlap and leave no gap (the rule file's dates, CORE-DATE-01)."""
    book = ENGINE.rulebooks["cn_tax"]
    for year in range(2019, 2031):
        for month in range(1, 13):
            rules = book.at(dt.date(year, month, 1))
            in_force = [r for r in ("CN-TAX-01", "CN-TAX-02") if r in rules.in_force]
            assert in_force == (["CN-TAX-01"] if (year, month) < (2025, 10) else ["CN-TAX-02"]), (year, month)


def test_the_switch_follows_the_rule_file_not_a_date_in_code() -> None:
    """CN-TAX-01 ended early by an override: 2025-06 then has no income-tax rule in force."""
    ended = engine(rules={"cn_tax": {"CN-TAX-01": {"effective_to": dt.date(2025, 5, 31)}}})
    statement = settle("2025-06", "30000.00", using=ended)
    assert not [x for x in statement.lines if x.rule.startswith("CN-TAX")]
    assert reasons(statement, "CN-TAX-01") == ["not in force since 2025-06-01"]
    assert reasons(statement, "CN-TAX-02") == ["not in force until 2025-10-01"]


def test_method_none_adds_nothing() -> None:
    """[tax] method none: no CN-TAX-01/02 or CN-VAT-01 line and nothing reported about them."""
    for period in ("2025-06", "2026-10"):
        statement = settle(period, "300000.00", {"method": "none"})
        assert [x.rule for x in statement.lines] == ["FK-PAY-01"]
        assert not [x for x in statement.not_applied if x.rule.startswith("CN-")]
        assert statement.net == Decimal("300000.00")


def test_no_income_no_tax_with_the_reason() -> None:
    """CN-TAX-02 and CN-VAT-01 on a month with no own platform income: not applied, with why."""
    statement = settle("2026-10", None, {"method": "platform", "months_with_income": 3, "ytd_income": "90000.00"})
    assert not statement.lines
    for rule in ("CN-TAX-02", "CN-VAT-01"):
        assert reasons(statement, rule) == [
            "no own platform income on fake this month (CORE-INCOME-01 is 0.00): nothing to withhold"
        ]
    assert one(settle("2025-06", "0.01"), "CN-TAX-01").value == Decimal("0.00")
    assert reasons(settle("2025-06", None), "CN-TAX-01")[0].startswith("no own platform income")


def test_year_to_date_figures_per_platform() -> None:
    """CN-TAX-02 withholding is per platform: [platform.<name>.tax] gives each its own year to date,
    and each line names its withholding platform."""
    two = engine("alpha", "beta")
    data = scenario_dict(
        period="2026-10",
        tips={"yuan": "28000.00"},
        tax={"method": "platform", "months_with_income": 10, "ytd_income": "120000.00", "ytd_withheld": "2580.00"},
        platform={"beta": {"tax": {"months_with_income": 1, "ytd_income": "0.00", "ytd_withheld": "0.00"}}},
    )
    report = two.compare(load_scenario(data))
    alpha = one(report.result("alpha"), "CN-TAX-02")
    beta = one(report.result("beta"), "CN-TAX-02")
    assert (alpha.payee, alpha.base, alpha.value) == ("alpha", Decimal("68400.00"), Decimal("1740.00"))
    # beta: 28,000 − 5,600 − 5,000 = 17,400 × 3% = 522
    assert (beta.payee, beta.base, beta.value) == ("beta", Decimal("17400.00"), Decimal("522.00"))
    assert report.result("alpha").net == Decimal("26260.00")
    assert report.result("beta").net == Decimal("27478.00")


def test_tax_method_per_platform() -> None:
    """[platform.<name>.tax] method: beta withholds nothing while alpha applies CN-TAX-01."""
    two = engine("alpha", "beta")
    data = scenario_dict(
        period="2025-06",
        tips={"yuan": "30000.00"},
        tax={"method": "platform"},
        platform={"beta": {"tax": {"method": "none"}}},
    )
    report = two.compare(load_scenario(data))
    assert one(report.result("alpha"), "CN-TAX-01").value == Decimal("5200.00")
    assert report.result("beta").net == Decimal("30000.00")
