"""The cn_tax rule file: bracket tables parsed strictly (CN-TAX-01, CN-TAX-02), figures as params."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import attrs
import pytest

from creatorpay.core import RuleFileError
from creatorpay.plugins.cn_tax.brackets import read_table
from tests.cn_tax.cn_tax_fakes import ENGINE, engine, one, settle

D = Decimal


def test_cn_tax_01_table_as_the_rulebook_states_it() -> None:
    """CN-TAX-01: 20% up to 20,000; 30% less 2,000 up to 50,000; 40% less 7,000 above."""
    version = ENGINE.rulebooks["cn_tax"].at(dt.date(2025, 6, 1)).in_force["CN-TAX-01"]
    rows = [(b.top, b.rate, b.quick_deduction) for b in read_table(version).brackets]
    assert rows == [(D(20000), D("0.20"), D(0)), (D(50000), D("0.30"), D(2000)), (None, D("0.40"), D(7000))]
    assert (
        version.decimal("deduction_threshold"),
        version.decimal("fixed_deduction"),
        version.decimal("deduction_ratio"),
    ) == (D(4000), D(800), D("0.20"))


def test_cn_tax_02_annual_table_as_the_rulebook_states_it() -> None:
    """CN-TAX-02: the annual table of RULES.md, 5,000 a month and 20% deducted."""
    version = ENGINE.rulebooks["cn_tax"].at(dt.date(2025, 10, 1)).in_force["CN-TAX-02"]
    rows = [(b.top, b.rate, b.quick_deduction) for b in read_table(version).brackets]
    assert rows == [
        (D(36000), D("0.03"), D(0)),
        (D(144000), D("0.10"), D(2520)),
        (D(300000), D("0.20"), D(16920)),
        (D(420000), D("0.25"), D(31920)),
        (D(660000), D("0.30"), D(52920)),
        (D(960000), D("0.35"), D(85920)),
        (None, D("0.45"), D(181920)),
    ]
    assert (version.decimal("monthly_deduction"), version.decimal("deduction_ratio")) == (D(5000), D("0.20"))


TOPS = ["36000.00", "144000.00", "300000.00", "420000.00", "660000.00", "960000.00"]
QUICK = ["0.00", "2520.00", "16920.00", "31920.00", "52920.00", "85920.00", "181920.00"]


@pytest.mark.parametrize(
    ("param", "value", "message"),
    [
        ("bracket_rates", ["0.03", "ten"], 'cn_tax."CN-TAX-02".bracket_rates[1]: expected a ratio'),
        ("bracket_tops", "36000.00, 144000.00", 'cn_tax."CN-TAX-02".bracket_tops: expected a non-empty list'),
        ("bracket_tops", [], 'cn_tax."CN-TAX-02".bracket_tops: expected a non-empty list'),
    ],
)
def test_cn_tax_02_a_mistyped_table_is_rejected_when_the_override_loads(
    param: str, value: object, message: str
) -> None:
    """CN-TAX-02 tables from an override are typed: a wrong item is an error naming the key."""
    with pytest.raises(RuleFileError, match=re.escape(message)):
        engine(rules={"cn_tax": {"CN-TAX-02": {param: value}}})


@pytest.mark.parametrize(
    ("param", "value", "message"),
    [
        ("bracket_rates", ["0.03", "0.10"], "expected 7 items (1 more than the 6 of bracket_tops), found 2"),
        ("bracket_tops", ["36000.00", "14400.00", *TOPS[2:]], "found 14400.00 after 36000.00"),
        (
            "quick_deductions",
            [*QUICK[:2], "19620.00", *QUICK[3:]],
            "quick deduction 3 is 19620.00, the brackets imply 16920",
        ),
        ("quick_deductions", QUICK[:2], "expected 7 items (as many as the 7 of bracket_rates), found 2"),
    ],
)
def test_cn_tax_02_a_malformed_table_is_a_rule_file_error_naming_the_param(
    param: str, value: list[str], message: str
) -> None:
    """CN-TAX-02 tables whose lists do not fit together are refused when the override loads, naming
    the parameter (issue 15: they used to be accepted, then every statement failed)."""
    with pytest.raises(RuleFileError) as caught:
        engine(rules={"cn_tax": {"CN-TAX-02": {param: value}}})
    assert f'cn_tax."CN-TAX-02".{param}' in str(caught.value)
    assert message in str(caught.value)


def test_cn_tax_01_overridden_figures_apply_and_label_the_line_operator_set() -> None:
    """CN-TAX-01's figures are params: a lower fixed deduction changes the tax and the label."""
    changed = engine(rules={"cn_tax": {"CN-TAX-01": {"fixed_deduction": "500.00"}}})
    line = one(settle("2025-06", "3000.00", using=changed), "CN-TAX-01")
    assert (line.base, line.value, line.label) == (D("2500.00"), D("500.00"), "operator-set")


def test_cn_tax_02_overridden_monthly_deduction() -> None:
    """CN-TAX-02's 5,000 a month is a param: 6,000 leaves 24,000 − 6,000 = 18,000 × 3% = 540."""
    changed = engine(rules={"cn_tax": {"CN-TAX-02": {"monthly_deduction": "6000.00"}}})
    line = one(settle("2026-01", "30000.00", using=changed), "CN-TAX-02")
    assert (line.base, line.value, line.label) == (D("18000.00"), D("540.00"), "operator-set")


def test_cn_tax_02_table_is_read_once_per_rule_version() -> None:
    """CN-TAX-02: the table is parsed and checked once per version, not on every statement."""
    version = ENGINE.rulebooks["cn_tax"].at(dt.date(2025, 10, 1)).in_force["CN-TAX-02"]
    assert read_table(version) is read_table(version)
    bracket = read_table(version).find(D("50000"))
    assert (bracket.rate_text, bracket.quick_deduction_text) == ("10%", "2,520.00")
    assert bracket.summary == "bracket above 36,000.00 up to 144,000.00 at 10% less quick deduction 2,520.00"


def test_cn_tax_02_a_malformed_table_raises_on_every_read() -> None:
    """CN-TAX-02: a bad table (one no rule file or override can load, made by hand) is not memoised:
    every read raises the rule-file error."""
    good = ENGINE.rulebooks["cn_tax"].at(dt.date(2025, 10, 1)).in_force["CN-TAX-02"]
    version = attrs.evolve(good, params={**good.params, "bracket_rates": (D("0.03"), D("0.10"))})
    for _ in range(2):
        with pytest.raises(RuleFileError, match="expected 7 rates"):
            read_table(version)
