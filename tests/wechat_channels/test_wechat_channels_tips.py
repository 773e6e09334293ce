"""Tipping on WeChat Channels: WC-TIP-01 (beans), WC-TIP-02 (70/30), WC-TIP-03 (threshold, both modes),
WC-TIP-04 (outside the incentive program), CORE-MONEY-03 (the platform's share is the rounded line)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from creatorpay.core import Kind
from tests.helpers import examples
from tests.wechat_channels.wechat_channels_helpers import example, own_income, reasons, scenario, settle, total

D = Decimal
MARGINAL = {"WC-TIP-03": {"mode": "marginal"}}


def test_wc_tip_01_beans_convert_at_10_and_7_per_yuan() -> None:
    """WC-TIP-01: 300,000 Android beans / 10 + 70,000 iOS beans / 7 = 40,000 CNY (live-anchor)."""
    st = settle(scenario(tips={"beans_android": 300000, "beans_ios": 70000}))
    values = [x.value for x in st.lines if x.rule == "WC-TIP-01"]
    assert values == [D("30000.00"), D("10000.00")]


def test_wc_tip_01_uneven_ios_beans_round_once_half_up() -> None:
    """WC-TIP-01, CORE-MONEY-03: 10 iOS beans = 1.428571... CNY -> 1.43; 1,000,004 -> 142,857.71."""
    st = settle(scenario(tips={"beans_ios": 10}))
    assert total(st, Kind.TIPS, "WC-TIP-01") == D("1.43")
    st = settle(scenario(tips={"beans_ios": 1000004}))
    assert total(st, Kind.TIPS, "WC-TIP-01") == D("142857.71")


def test_wc_tip_01_rounded_once_per_platform_of_purchase_half_up() -> None:
    """WC-TIP-01, CORE-MONEY-03: with 8 Android beans per CNY, 5 beans = 0.625 -> 0.63 (half-up, not
    half-even 0.62); 3 iOS beans = 0.428... -> 0.43. Per platform 1.06; one rounding of both would be 1.05."""
    st = settle(scenario(tips={"beans_android": 5, "beans_ios": 3}), rules={"WC-TIP-01": {"beans_per_yuan_android": 8}})
    assert [x.value for x in st.lines if x.rule == "WC-TIP-01"] == [D("0.63"), D("0.43")]
    assert total(st, Kind.TIPS) == D("1.06")
    assert all(x.label == "operator-set" for x in st.lines if x.rule == "WC-TIP-01")


def test_wc_tip_01_cny_and_beans_add_up() -> None:
    """WC-TIP-01: tips in CNY are a line of their own beside the bean lines."""
    st = settle(scenario(tips={"yuan": "100.50", "beans_android": 15, "beans_ios": 14}))
    assert [x.value for x in st.lines if x.rule == "WC-TIP-01"] == [D("100.50"), D("1.50"), D("2.00")]


def test_wc_tip_02_live_anchor_keeps_70_percent_of_40000() -> None:
    """WC-TIP-02/03 on the live-anchor example: gross 40,000, commission 30% = 12,000, 28,000 kept."""
    st = example("live-anchor.toml")
    assert total(st, Kind.TIPS) == D("40000.00")
    assert total(st, Kind.COMMISSION, "WC-TIP-02") == D("12000.00")
    assert own_income(st) == D("28000.00")
    assert st.net - st.totals["tax"] == D("28000.00")


def test_wc_tip_02_commission_rounds_once_half_up() -> None:
    """WC-TIP-02, CORE-MONEY-01: 30% of 5,000.15 = 1,500.045 -> 1,500.05 (half-even would give .04)."""
    st = settle(scenario(tips={"yuan": "5000.15"}))
    assert total(st, Kind.COMMISSION, "WC-TIP-02") == D("1500.05")
    assert st.net == D("3500.10")


def test_wc_tip_02_ended_by_operator_is_not_applied() -> None:
    """WC-TIP-02: the program has no published end; an operator ends it with effective_to."""
    st = settle(scenario(tips={"yuan": "8000.00"}), rules={"WC-TIP-02": {"effective_to": "2026-09-30"}})
    assert reasons(st, "WC-TIP-02") == ["not in force since 2026-10-01"]
    assert total(st, Kind.COMMISSION, "WC-TIP-02") == 0


@pytest.mark.parametrize(("gross", "kept"), [("4999.99", "4999.99"), ("5000.00", "3500.00"), ("5000.01", "3500.01")])
def test_wc_tip_03_cliff_mode_at_the_threshold(gross: str, kept: str) -> None:
    """WC-TIP-03 (cliff, default): below 5,000.00 the whole month is free; at or above it all pays 30%."""
    st = settle(scenario(tips={"yuan": gross}))
    assert own_income(st) == D(kept)
    assert any("mode cliff" in x.note for x in st.lines if x.kind is Kind.COMMISSION)
    free = D(gross) < D("5000.00")
    assert any(x.rule == "WC-TIP-03" and x.value == 0 for x in st.lines) is free
    assert any(x.rule == "WC-TIP-02" for x in st.lines) is not free


@pytest.mark.parametrize(
    ("gross", "kept"), [("4999.99", "4999.99"), ("5000.00", "5000.00"), ("5000.01", "5000.01"), ("6000.00", "5700.00")]
)
def test_wc_tip_03_marginal_mode_at_the_threshold(gross: str, kept: str) -> None:
    """WC-TIP-03 (marginal): the first 5,000 of the month is free, the rest pays 30% (0.01 x 30% rounds
    to 0.00)."""
    st = settle(scenario(tips={"yuan": gross}), rules=MARGINAL)
    assert own_income(st) == D(kept)
    free = [x for x in st.lines if x.rule == "WC-TIP-03"]
    assert len(free) == 1 and free[0].base == min(D(gross), D("5000.00")) and free[0].value == 0
    assert "mode marginal" in free[0].note


def test_wc_tip_03_marginal_is_labelled_operator_set() -> None:
    """WC-TIP-03: a mode chosen in an override file is shown as operator-set on the line."""
    st = settle(scenario(tips={"yuan": "100.00"}), rules=MARGINAL)
    assert [x.label for x in st.lines if x.rule == "WC-TIP-03"] == ["operator-set"]


def test_wc_tip_rules_apply_from_the_month_after_announcement() -> None:
    """CORE-DATE-01, WC-TIP-04: WC-TIP-02/03 start 2022-01-06, so January 2022 is outside the program:
    its tipping is not applied (the normal share is operator-set and unset); February pays 30%."""
    january = settle(scenario(period="2022-01", tips={"yuan": "8000.00"}))
    assert reasons(january, "WC-TIP-02") == ["not in force until 2022-01-06"]
    assert january.net == D("0.00") and january.lines == ()
    february = settle(scenario(period="2022-02", tips={"yuan": "8000.00"}))
    assert february.net == D("5600.00")


def test_wc_tip_04_before_the_program_tipping_is_not_applied_with_its_gross() -> None:
    """WC-TIP-04: 10,000 of tips in 2022-01 pay nothing for want of a rate (never 10,000 at a 0%
    commission no source gives); the gross and the reason are reported."""
    st = settle(scenario(period="2022-01", tips={"yuan": "3000.00", "beans_android": 70000}))
    assert st.net == D("0.00") and st.lines == ()
    (reason,) = reasons(st, "WC-TIP-04")
    assert "tipping of 10,000.00 gross this month is not applied" in reason
    assert "WC-TIP-02 not in force until 2022-01-06" in reason
    assert 'platform_share under [wechat_channels."WC-TIP-04"]' in reason


def test_wc_tip_04_after_an_operator_ends_the_program() -> None:
    """WC-TIP-04: an operator ends WC-TIP-02 (effective_to): 10,000 of tips in 2027-02 are not applied,
    not paid at 70%; WC-TIP-03's threshold is the program's and is not applied either."""
    ended = {"WC-TIP-02": {"effective_to": "2027-01-31"}}
    st = settle(scenario(period="2027-02", tips={"yuan": "10000.00"}), rules=ended)
    assert st.net == D("0.00")
    assert "not in force since 2027-02-01" in reasons(st, "WC-TIP-04")[0]
    assert "incentive program's" in reasons(st, "WC-TIP-03")[0]


def test_wc_tip_04_ended_too_tipping_still_not_paid_in_full() -> None:
    """WC-TIP-04: with both WC-TIP-02 and WC-TIP-04 ended by an operator, tips are still not applied."""
    ended = {"WC-TIP-02": {"effective_to": "2027-01-31"}, "WC-TIP-04": {"effective_to": "2027-01-31"}}
    st = settle(scenario(period="2027-02", tips={"yuan": "900.00"}), rules=ended)
    assert st.net == D("0.00") and st.lines == ()
    assert "tipping of 900.00 gross this month is not applied" in reasons(st, "WC-TIP-01")[0]


def test_wc_tip_04_operator_sets_the_normal_share() -> None:
    """WC-TIP-04, CORE-MONEY-03: a normal share set by an operator is charged on all of the month's
    tipping, rounded once (50% of 5,000.05 = 2,500.03): the creator keeps the rest, 2,500.02."""
    st = settle(scenario(period="2022-01", tips={"yuan": "5000.05"}), rules={"WC-TIP-04": {"platform_share": "0.50"}})
    (line,) = [x for x in st.lines if x.rule == "WC-TIP-04"]
    assert (line.base, line.value, line.label) == (D("5000.05"), D("2500.03"), "operator-set")
    assert st.net == D("2500.02")


def test_core_money_03_platform_share_is_the_rounded_line() -> None:
    """CORE-MONEY-03: 30% of 5,000.05 is 1,500.02 (1,500.015 half-up), so the creator keeps 3,500.03."""
    st = settle(scenario(tips={"yuan": "5000.05"}))
    (line,) = [x for x in st.lines if x.rule == "WC-TIP-02"]
    assert line.value == D("1500.02") and "CORE-MONEY-03" in line.note
    assert st.net == D("3500.03")


def test_wc_tip_02_share_is_a_parameter() -> None:
    """WC-TIP-02: the anchor's share lives in the rule file; 80% set by an operator keeps 32,000 of 40,000."""
    st = settle(scenario(tips={"yuan": "40000.00"}), rules={"WC-TIP-02": {"creator_share": "0.80"}})
    [commission] = [x for x in st.lines if x.rule == "WC-TIP-02"]
    assert (commission.value, commission.label) == (D("8000.00"), "operator-set")
    assert st.net == D("32000.00")


@settings(max_examples=examples(30))
@given(
    st.decimals(min_value=D("0"), max_value=D("1000000"), places=2),
    st.integers(0, 10_000_000),
    st.integers(0, 10_000_000),
)
def test_wc_tip_04_outside_the_program_unset_tips_add_nothing(yuan: D, android: int, ios: int) -> None:
    """WC-TIP-04: in 2022-01 (before WC-TIP-02) with the normal share unset, any tipping adds nothing to
    net and is reported not applied with its gross; it is never paid out in full."""
    got = settle(scenario(period="2022-01", tips={"yuan": f"{yuan:.2f}", "beans_android": android, "beans_ios": ios}))
    assert got.net == 0 and got.lines == ()
    gross = yuan + (D(android) / 10).quantize(D("0.01")) + (D(ios) / 7).quantize(D("0.01"))
    assert bool(reasons(got, "WC-TIP-04")) == (gross > 0)
