"""Merchant live streams on WeChat Channels: WC-MERCH-01 (sales, no technical service fee during the
program) and WC-PRIV-01 (public-domain users matched, reported as traffic)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from creatorpay.core import Kind
from tests.wechat_channels.wechat_channels_helpers import reasons, scenario, settle, total

D = Decimal


def live(sales: str = "10000.00", users: int = 0) -> dict[str, object]:
    return {"sales": sales, "private_users": users}


def test_wc_merch_01_sales_settle_with_no_fee_during_the_program() -> None:
    """WC-MERCH-01: sales paid to the creator; the fee line has rate 0 and cites WC-MERCH-01."""
    st = settle(scenario(merchant_live=live("12345.67")))
    [sale] = [x for x in st.lines if x.kind is Kind.SALES]
    assert (sale.rule, sale.payer, sale.payee, sale.value) == ("WC-MERCH-01", "wechat_channels", "me", D("12345.67"))
    [fee] = [x for x in st.lines if x.kind is Kind.FEE]
    assert (fee.rule, fee.rate, fee.value) == ("WC-MERCH-01", 0, 0)
    assert "operator-set" in fee.note
    assert st.net == D("12345.67") and st.not_offered == ()


def test_wc_merch_01_normal_rate_is_waived_while_the_program_runs() -> None:
    """WC-MERCH-01: even with a normal rate set, the program waives it."""
    st = settle(scenario(merchant_live=live()), rules={"WC-MERCH-01": {"normal_fee_rate": "0.05"}})
    assert total(st, Kind.FEE) == 0 and st.net == D("10000.00")


def test_wc_merch_01_after_the_program_the_unset_normal_rate_is_not_applied() -> None:
    """WC-MERCH-01: the program ended and no normal rate set: the fee is not applied, naming the parameter."""
    st = settle(scenario(merchant_live=live()), rules={"WC-MERCH-01": {"during_program": False}})
    assert not any(x.kind is Kind.FEE for x in st.lines)
    [reason] = reasons(st, "WC-MERCH-01")
    assert "normal_fee_rate" in reason
    assert st.net == D("10000.00")


def test_wc_merch_01_after_the_program_the_normal_rate_applies() -> None:
    """WC-MERCH-01: program ended, normal rate 5% set by the operator: fee 500.00, operator-set."""
    st = settle(
        scenario(merchant_live=live()), rules={"WC-MERCH-01": {"during_program": False, "normal_fee_rate": "0.05"}}
    )
    [fee] = [x for x in st.lines if x.kind is Kind.FEE]
    assert (fee.value, fee.amount, fee.label) == (D("500.00"), D("-500.00"), "operator-set")
    assert st.net == D("9500.00")


def test_wc_merch_01_not_in_force_before_february_2022() -> None:
    """CORE-DATE-01: before WC-MERCH-01 is in force, merchant live streams are not offered, with why."""
    st = settle(scenario(period="2022-01", merchant_live=live()))
    assert [n.activity for n in st.not_offered] == ["merchant_live"]
    assert st.lines == ()


def test_wc_merch_01_sales_are_not_withheld_by_wc_qual_01() -> None:
    """WC-QUAL-01 withholds incentives, not sales: carried content still settles its sales."""
    st = settle(scenario(merchant_live=live(), creator={"original": False}))
    assert st.net == D("10000.00")


def test_wc_priv_01_one_public_user_per_private_user_as_traffic() -> None:
    """WC-PRIV-01: 1,234 private-domain users -> 1,234 public-domain users matched, never cash
    (CORE-TRAFFIC-01); the unset multiple is reported not applied."""
    st = settle(scenario(merchant_live=live("0.00", 1234)))
    assert st.matched_users == 1234 and st.impressions == 0
    assert st.net == 0 and not any(x.rule == "WC-PRIV-01" for x in st.lines)
    [reason] = reasons(st, "WC-PRIV-01")
    assert "multiple" in reason and "operator-set" in reason


@pytest.mark.parametrize(
    ("multiple", "users", "matched"), [("2.5", 1234, 3085), ("3", 10, 30), ("1.5", 3, 4), ("0.5", 10, 10), ("0", 7, 7)]
)
def test_wc_priv_01_operator_multiple_with_the_1_to_1_floor(multiple: str, users: int, matched: int) -> None:
    """WC-PRIV-01: matched = private users x max(1, multiple), whole users; the 1:1 floor always holds."""
    st = settle(scenario(merchant_live=live("0.00", users)), rules={"WC-PRIV-01": {"multiple": multiple}})
    assert st.matched_users == matched
    assert reasons(st, "WC-PRIV-01") == []
    extra = [t for t in st.traffic_items if t.rule == "WC-PRIV-01"][1:]
    assert all(t.label == "operator-set" for t in extra)


def test_wc_priv_01_is_an_incentive_withheld_by_wc_qual_01() -> None:
    """WC-QUAL-01: matching is a traffic incentive; harmful content gets none."""
    st = settle(scenario(merchant_live=live("0.00", 50), creator={"harmful": True}))
    assert st.matched_users == 0
    assert any("WC-QUAL-01" in r for r in reasons(st, "WC-PRIV-01"))
