"""Mutual-selection brand orders on WeChat Channels (WC-MUTUAL-01), with the examples of EXPECTED.md."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from hypothesis import given, settings
from hypothesis import strategies as st

from creatorpay.core import Kind, load_scenario
from creatorpay.core.money import allocate, round_fen
from creatorpay.plugins.wechat_channels import orders as wechat_orders
from tests.helpers import examples
from tests.wechat_channels.wechat_channels_helpers import (
    EXAMPLES,
    PLATFORM,
    engine,
    example,
    own_income,
    reasons,
    scenario,
    settle,
    total,
)

if TYPE_CHECKING:
    import pytest

D = Decimal
RULE = "WC-MUTUAL-01"


def order(ident: str = "o-1", stage: str = "published", **extra: Any) -> dict[str, Any]:
    """A 20,000 order: me 12,000 (main), li 5,000, wang 3,000."""
    return {
        "id": ident,
        "amount": "20000.00",
        "stage": stage,
        "co_creation": True,
        "participants": [
            {"creator": "me", "role": "main", "agreed": "12000.00"},
            {"creator": "li", "role": "co_creator", "agreed": "5000.00"},
            {"creator": "wang", "role": "co_creator", "agreed": "3000.00"},
        ],
        **extra,
    }


def test_wc_mutual_01_food_vlogger_nets_12160() -> None:
    """EXPECTED.md food-vlogger: 12,000 kept + tips 3,200 = 15,200 before MCN; MCN 20% -> 12,160.00;
    the fee and the tier traffic are not applied (unset)."""
    st = example("food-vlogger.toml")
    assert own_income(st) == D("15200.00")
    assert st.net == D("12160.00")
    assert any("fee_rate" in r for r in reasons(st, RULE))
    assert any("tier_10k_impressions" in r for r in reasons(st, "WC-TIER-01"))
    assert [n.activity for n in st.not_offered] == ["programs"]


def test_wc_mutual_01_co_creation_terminated_nets_6000() -> None:
    """EXPECTED.md co-creation-terminated: o-2001 terminated pays nothing; o-2002 with six co-creators is
    valid on WeChat (no XT-CC-02/03 caps): my agreed 6,000."""
    st = example("co-creation-terminated.toml")
    assert st.net == D("6000.00")
    assert st.violations == ()
    assert all(x.value == 0 for x in st.lines if x.order == "o-2001")
    assert any("terminated" in x.note for x in st.lines if x.order == "o-2001")
    assert not any(x.kind in (Kind.COMPENSATION, Kind.CREATOR_COMPENSATION) for x in st.lines)
    assert len([x for x in st.lines if x.order == "o-2002"]) == 7


def test_wc_mutual_01_each_participant_paid_their_agreed_amount() -> None:
    """WC-MUTUAL-01: one payment per participant from the platform; others' lines are 0.00 for me."""
    st = settle(scenario(orders=[order()]))
    paid = {(x.payer, x.payee): (x.value, x.amount) for x in st.lines if x.rule == RULE}
    assert paid == {
        ("wechat_channels", "me"): (D("12000.00"), D("12000.00")),
        ("wechat_channels", "li"): (D("5000.00"), D("0.00")),
        ("wechat_channels", "wang"): (D("3000.00"), D("0.00")),
    }
    assert st.net == D("12000.00")


def test_wc_mutual_01_creator_as_co_creator_gets_own_agreed_amount() -> None:
    """WC-MUTUAL-01: the scenario creator as a co-creator is paid their agreed amount directly."""
    data = order(
        participants=[
            {"creator": "zhou", "role": "main", "agreed": "15000.00"},
            {"creator": "me", "role": "co_creator", "agreed": "5000.00"},
        ]
    )
    assert settle(scenario(orders=[data])).net == D("5000.00")


def test_wc_mutual_01_closed_at_or_below_10000_followers() -> None:
    """WC-MUTUAL-01: open to MORE than 10,000 followers; at 10,000 orders are not offered, nothing settles."""
    st = settle(scenario(followers=10000, orders=[order()]))
    assert st.lines == () and st.pending == () and st.violations == ()
    [offer] = st.not_offered
    assert offer.activity == "orders" and "10,000" in offer.reason
    assert settle(scenario(followers=10001, orders=[order()])).net == D("12000.00")


def test_wc_mutual_01_the_orders_phase_asks_whether_orders_are_open_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    """WC-MUTUAL-01 (issue 18): settling orders reads no record of validation; with validation doing
    nothing, orders at 10,000 followers are still not paid."""
    monkeypatch.setattr(wechat_orders, "validate", lambda ctx: None)
    st = settle(scenario(followers=10000, orders=[order()]))
    assert st.lines == () and st.not_offered == ()


def test_wc_mutual_01_threshold_is_a_parameter() -> None:
    """WC-MUTUAL-01: followers_above lives in the rule file; an override moves it."""
    rules = {RULE: {"followers_above": 60000}}
    st = settle(scenario(orders=[order()]), rules=rules)
    assert [n.activity for n in st.not_offered] == ["orders"] and "60,000" in st.not_offered[0].reason


def test_wc_mutual_01_platform_override_of_followers_changes_the_outcome() -> None:
    """[platform.wechat_channels] followers applies to WeChat only: 9,000 closes mutual selection."""
    closed = settle(scenario(orders=[order()], platform={"wechat_channels": {"followers": 9000}}))
    assert closed.net == 0 and [n.activity for n in closed.not_offered] == ["orders"]
    assert "9,000" in closed.not_offered[0].reason
    opened = settle(scenario(followers=500, orders=[order()], platform={"wechat_channels": {"followers": 20000}}))
    assert opened.net == D("12000.00") and opened.not_offered == ()


def test_wc_mutual_01_agreed_amounts_must_add_up() -> None:
    """WC-MUTUAL-01: agreed amounts not adding up to the order amount are a violation; the order is
    rejected and pays nothing, other orders still pay."""
    bad = order("o-bad", amount="21000.00")
    st = settle(scenario(orders=[bad, order("o-ok")]))
    [violation] = st.violations
    assert violation.rule == RULE and violation.order == "o-bad" and "21,000.00" in violation.message
    assert {x.order for x in st.lines} == {"o-ok"}
    assert st.net == D("12000.00")


def test_wc_mutual_01_terminated_order_pays_nothing_whoever_ends_it() -> None:
    """WC-MUTUAL-01: no compensation table on WeChat, even for a published order the client ends."""
    for stage, by in (("published", "client"), ("client_confirmed", "me"), ("script_confirmed", "li")):
        st = settle(scenario(orders=[order(stage=stage, termination={"by": by})]))
        assert st.net == 0 and all(x.value == 0 for x in st.lines)
        assert all(f"terminated by {by}" in x.note for x in st.lines)


def test_wc_mutual_01_unpublished_orders_are_pending_and_settled_orders_pay_nothing() -> None:
    """CORE-ORD-02 on WeChat: not yet published is pending; paid in an earlier month pays nothing now
    and is no pending order (revision 2), the statement's facts say so."""
    st = settle(scenario(orders=[order("o-a", stage="video_produced"), order("o-b", stage="settled")]))
    assert st.lines == ()
    assert [(p.order, "CORE-ORD-02" in p.reason) for p in st.pending] == [("o-a", True)]
    assert "CORE-ORD-02" in st.facts["order o-b"]
    assert reasons(st, RULE) == []  # no order paid: no fee to report


def test_wc_mutual_01_fee_unset_is_reported_not_applied() -> None:
    """WC-MUTUAL-01: the service fee is operator-set; unset, not applied and named, no fee line."""
    st = settle(scenario(orders=[order()]))
    [reason] = reasons(st, RULE)
    assert "fee_rate" in reason and "operator-set" in reason
    assert not any(x.kind is Kind.FEE for x in st.lines)


def test_wc_mutual_01_fee_set_is_rounded_once_and_split_pro_rata() -> None:
    """WC-MUTUAL-01, CORE-MONEY-03: 3% of 20,000.01 = 600.0003 -> 600.00, split 12:5:3 -> 360/150/90."""
    data = order(
        amount="20000.01",
        participants=[
            {"creator": "me", "role": "main", "agreed": "12000.01"},
            {"creator": "li", "role": "co_creator", "agreed": "5000.00"},
            {"creator": "wang", "role": "co_creator", "agreed": "3000.00"},
        ],
    )
    st = settle(scenario(orders=[data]), rules={RULE: {"fee_rate": "0.03"}})
    fees = [(x.payer, x.value, x.label) for x in st.lines if x.kind is Kind.FEE]
    assert fees == [
        ("me", D("360.00"), "operator-set"),
        ("li", D("150.00"), "operator-set"),
        ("wang", D("90.00"), "operator-set"),
    ]
    assert st.net == D("12000.01") - D("360.00")
    assert reasons(st, RULE) == []


@settings(max_examples=examples(60))
@given(
    agreed=st.lists(st.integers(min_value=0, max_value=10_000_000), min_size=1, max_size=8),
    rate=st.integers(min_value=0, max_value=10_000),
    me=st.integers(min_value=0, max_value=7),
)
def test_wc_mutual_01_payments_and_fees_are_conserved(agreed: list[int], rate: int, me: int) -> None:
    """WC-MUTUAL-01, CORE-MONEY-02/03: payments add up to the order; fees add up to one rounded fee."""
    amounts = [D(a) / 100 for a in agreed]
    amount = sum(amounts, D(0))
    fee_rate = D(rate) / 10_000
    ids = [f"c{i}" for i in range(len(agreed))]
    ids[me % len(ids)] = "me"
    data = {
        "id": "o-1",
        "amount": f"{amount:.2f}",
        "stage": "published",
        "participants": [
            {"creator": who, "role": "main" if i == 0 else "co_creator", "agreed": f"{a:.2f}"}
            for i, (who, a) in enumerate(zip(ids, amounts, strict=True))
        ],
    }
    st = settle(scenario(orders=[data]), rules={RULE: {"fee_rate": f"{fee_rate}"}})
    assert total(st, Kind.ORDER_PAYMENT) == amount
    fee = round_fen(amount * fee_rate)
    assert total(st, Kind.FEE) == fee
    my_index = ids.index("me")
    my_fee = allocate(fee, amounts)[my_index]
    assert st.net == amounts[my_index] - my_fee


def test_wc_mutual_01_not_in_force_before_february_2022() -> None:
    """CORE-DATE-01: WC-MUTUAL-01 starts 2022-01-06: January 2022 orders are not offered, with why."""
    st = settle(scenario(period="2022-01", orders=[order()]))
    assert reasons(st, RULE) == ["not in force until 2022-01-06"]
    assert [n.activity for n in st.not_offered] == ["orders"] and st.lines == ()
    assert settle(scenario(period="2022-02", orders=[order()])).net == D("12000.00")


def test_wc_mutual_01_compare_cli_figures() -> None:
    """The figures users get from compare: food-vlogger 12,160.00, co-creation-terminated 6,000.00."""
    for name, net in (("food-vlogger.toml", "12160.00"), ("co-creation-terminated.toml", "6000.00")):
        report = engine().compare(load_scenario(EXAMPLES / name), [PLATFORM])
        assert report.to_dict()["results"][0]["net"] == net
