"""Single settlement of Xingtu orders: XT-ORD-02, XT-ORD-03, XT-FEE-01, XT-PRICE-01, CORE-ORD-02,
CORE-INCOME-01 (a co-creator's share received is a transfer between creators)."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from creatorpay.core import InputError, Kind, load_scenario
from creatorpay.core.money import round_fen
from tests.helpers import examples
from tests.xingtu.xingtu_helpers import D, co_order, lines, moves, own_income, pending, scenario, settle

FOOD = [("me", "main", "12000.00"), ("li", "co_creator", "5000.00"), ("wang", "co_creator", "3000.00")]


def test_xt_ord_02_one_payment_of_the_whole_order_to_the_main_contributor() -> None:
    """XT-ORD-02: the platform pays all 20,000 to the main contributor, not each participant."""
    st = settle(scenario([co_order("o1", FOOD)]))
    pay = lines(st, kind=Kind.ORDER_PAYMENT)
    assert [(x.rule, x.payer, x.payee, x.value) for x in pay] == [("XT-ORD-02", "xingtu", "me", D("20000.00"))]


def test_xt_ord_03_and_xt_fee_01_food_vlogger_lines_from_the_main_view() -> None:
    """XT-ORD-03 / XT-FEE-01: fee 1,000 pro rata; transfers li 4,750 and wang 2,850; income 11,400."""
    st = settle(scenario([co_order("o1", FOOD)]))
    assert moves(st) == [
        ("XT-ORD-02", "xingtu", "me", D("20000.00")),
        ("XT-FEE-01", "me", "xingtu", D("1000.00")),
        ("XT-ORD-03", "me", "li", D("4750.00")),
        ("XT-ORD-03", "me", "wang", D("2850.00")),
    ]
    assert [x.kind for x in lines(st, "XT-ORD-03")] == [Kind.TRANSFER, Kind.TRANSFER]
    assert st.net == own_income(st) == D("11400.00")
    assert st.totals["transfers"] == D("-7600.00") and st.totals["fees"] == D("-1000.00")


def test_xt_ord_03_co_creator_view_receives_a_transfer_not_a_platform_payment() -> None:
    """XT-ORD-03: as co-creator li, the payment and the fee are between others (0.00); li gets 4,750."""
    st = settle(scenario([co_order("o1", FOOD)], creator="li"))
    assert [x.amount for x in st.lines] == [D("0.00"), D("0.00"), D("4750.00"), D("0.00")]
    assert st.net == D("4750.00") and st.totals["income"] == 0 and st.totals["transfers"] == D("4750.00")


def test_xt_ord_03_third_party_view_sees_nothing_of_others_transfers() -> None:
    """XT-ORD-03: wang's statement has wang's transfer only."""
    st = settle(scenario([co_order("o1", FOOD)], creator="wang"))
    assert st.net == D("2850.00")


def test_xt_fee_01_is_labelled_unverified_on_every_line_it_computes() -> None:
    """XT-FEE-01 is unverified: the fee and the fee-reduced transfers say so; the payment does not."""
    st = settle(scenario([co_order("o1", FOOD)]))
    assert [x.label for x in st.lines] == ["source", "unverified", "unverified", "unverified"]
    fee = lines(st, "XT-FEE-01")[0]
    assert fee.base == D("20000.00") and fee.rate == D("0.05")


def test_xt_fee_01_rounded_once_then_allocated_to_the_fen() -> None:
    """XT-FEE-01, CORE-MONEY-03: 5% of 333.33 = 16.6665 -> 16.67, split 5.56/5.56/5.55 (ties to the earlier)."""
    spec = [("me", "main", "111.11"), ("li", "co_creator", "111.11"), ("wang", "co_creator", "111.11")]
    st = settle(scenario([co_order("o1", spec)]))
    assert lines(st, "XT-FEE-01")[0].value == D("16.67")
    assert [x.value for x in lines(st, "XT-ORD-03")] == [D("105.55"), D("105.56")]
    assert st.net == D("333.33") - D("16.67") - D("105.55") - D("105.56") == D("105.55")


def test_xt_fee_01_borne_by_main_alternative() -> None:
    """XT-FEE-01 borne_by = "main": co-creators get their agreed amounts in full, main bears 1,000."""
    st = settle(scenario([co_order("o1", FOOD)]), rules={"XT-FEE-01": {"borne_by": "main"}})
    assert [x.value for x in lines(st, "XT-ORD-03")] == [D("5000.00"), D("3000.00")]
    assert lines(st, "XT-FEE-01")[0].value == D("1000.00")
    assert st.net == D("11000.00")
    assert [x.label for x in lines(st, "XT-ORD-03")] == ["source", "source"]
    assert lines(st, "XT-FEE-01")[0].label == "unverified"


def test_xt_fee_01_rate_comes_from_the_rule_file() -> None:
    """XT-FEE-01: an override of the rate changes the fee; the line becomes at best operator-set."""
    st = settle(
        scenario([{"id": "o1", "amount": "1000.00", "stage": "published"}]), rules={"XT-FEE-01": {"rate": "0.10"}}
    )
    assert lines(st, "XT-FEE-01")[0].value == D("100.00")
    assert lines(st, "XT-FEE-01")[0].label == "unverified"


def test_xt_price_01_order_without_amount_takes_the_band_price() -> None:
    """XT-PRICE-01: a 45 s video takes the 21-60 s price; the payment line cites XT-PRICE-01."""
    data = scenario(
        [{"id": "o1", "video_seconds": 45, "stage": "published"}],
        price_card={"s1_20": "800.00", "s21_60": "1500.00", "s60_plus": "3000.00"},
    )
    st = settle(data)
    pay = lines(st, kind=Kind.ORDER_PAYMENT)[0]
    assert (pay.rule, pay.value) == ("XT-PRICE-01", D("1500.00"))
    assert "s21_60" in pay.note and "21-60 s" in pay.note
    assert lines(st, "XT-FEE-01")[0].value == D("75.00")


def test_xt_price_01_given_amount_is_not_a_price_card_order() -> None:
    """XT-PRICE-01: an order with an amount is paid under XT-ORD-01 even with a price card."""
    data = scenario(
        [{"id": "o1", "amount": "999.00", "video_seconds": 45, "stage": "published"}], price_card={"s21_60": "1500.00"}
    )
    assert lines(settle(data), kind=Kind.ORDER_PAYMENT)[0].rule == "XT-ORD-01"


def test_xt_price_01_no_band_price_and_no_amount_is_an_input_error() -> None:
    """XT-PRICE-01: without an amount or the band's price the scenario is an input error."""
    data = scenario([{"id": "o1", "video_seconds": 90, "stage": "published"}], price_card={"s21_60": "1500.00"})
    with pytest.raises(InputError, match="XT-PRICE-01"):
        load_scenario(data)


def test_core_ord_02_orders_before_publication_pend_and_settled_orders_do_not() -> None:
    """CORE-ORD-02: unpublished orders pay nothing yet and are pending; a settled order was paid in
    an earlier month: it pays nothing now and is no pending order (revision 2), a fact instead."""
    st = settle(scenario([co_order("early", stage="client_confirmed"), co_order("old", stage="settled")]))
    assert st.lines == ()
    assert pending(st) == {"early": "at stage client_confirmed: nothing is paid until published (CORE-ORD-02)"}
    assert st.facts["order old"] == "settled: paid in an earlier month, nothing is paid now (CORE-ORD-02)"


def test_mcn_share_comes_after_transfers() -> None:
    """CORE-INCOME-01 with XT-ORD-03: the MCN takes 20% of 11,400, not of 20,000."""
    data = scenario([co_order("o1", FOOD)])
    data["mcn"] = {"name": "Sunrise MCN", "share": "0.20"}
    st = settle(data)
    assert lines(st, "CORE-MCN-01")[0].value == D("2280.00")
    assert st.net == D("9120.00")


def test_core_income_01_co_creator_share_is_a_transfer_without_mcn_share() -> None:
    """CORE-INCOME-01 with XT-ORD-03: wang's 2,850 from the main contributor is a transfer between
    creators: no MCN share (CORE-MCN-01), so wang nets 2,850.00, not 2,565.00; a notice says so."""
    data = scenario([co_order("o1", FOOD)], creator="wang")
    data["mcn"] = {"name": "Sunrise MCN", "share": "0.10"}
    st = settle(data)
    assert lines(st, "CORE-MCN-01") == []
    assert own_income(st) == D("0.00")
    assert st.net == D("2850.00")
    notice = st.facts["transfers_received"]
    assert "2,850.00 received from a main contributor (XT-ORD-03)" in notice
    assert "no MCN share and no platform withholding" in notice and "declare it yourself" in notice


def test_core_income_01_no_platform_withholding_on_a_received_share() -> None:
    """CORE-INCOME-01: Xingtu withholds no tax on money it never paid the co-creator (CN-TAX-01 and
    CN-VAT-01 are not applied, with the figure); the main contributor is taxed on what it keeps."""
    from creatorpay.core import Engine

    engine = Engine(load=["xingtu", "cn_tax"])
    big = [("me", "main", "60000.00"), ("li", "co_creator", "40000.00")]
    data = scenario([co_order("o1", big)], creator="li", period="2024-06")
    data["tax"] = {"method": "platform"}
    st = engine.settle(load_scenario(data), "xingtu")
    assert [x.kind for x in st.lines if x.amount] == [Kind.TRANSFER]
    assert st.net == D("38000.00")
    assert {n.rule for n in st.not_applied} >= {"CN-TAX-01", "CN-VAT-01"}
    data = scenario([co_order("o1", big)], period="2024-06")
    data["tax"] = {"method": "platform"}
    main = engine.settle(load_scenario(data), "xingtu")
    tax = [x for x in main.lines if x.rule == "CN-TAX-01"]
    assert tax and tax[0].payer == "me"  # 57,000 kept (own platform income): taxed


@settings(max_examples=examples(40))
@given(
    st.decimals(min_value=D("0.01"), max_value=D("500000"), places=2),
    st.decimals(min_value=D("0.01"), max_value=D("500000"), places=2),
    st.decimals(min_value=D("0"), max_value=D("0.5"), places=2),
)
@example(main=D("145.53"), share=D("0.01"), mcn=D("0.02"))  # MCN 2.765 rounds half-up to 2.77
def test_core_income_01_co_creator_nets_its_transfer_whatever_the_mcn(main: D, share: D, mcn: D) -> None:
    """CORE-INCOME-01: whatever the amounts and MCN share, a co-creator's net is the transfer it receives
    (XT-ORD-03): no MCN share, no withholding; the main contributor's MCN share is on what it keeps."""
    from creatorpay.core import Engine

    spec = [("me", "main", f"{main:.2f}"), ("li", "co_creator", f"{share:.2f}")]
    engine = Engine(load=["xingtu", "cn_tax"])
    for creator in ("li", "me"):
        data = scenario([co_order("o1", spec)], creator=creator, period="2026-10")
        data["mcn"] = {"name": "M", "share": f"{mcn:.2f}"}
        data["tax"] = {"method": "platform", "months_with_income": 10}
        got = engine.settle(load_scenario(data), "xingtu")
        if creator == "li":
            (transfer,) = lines(got, "XT-ORD-03")
            assert got.net == transfer.amount == transfer.value
            assert [x.rule for x in got.lines if x.amount < 0] == []
            assert "transfers_received" in got.facts
        else:
            mcn_lines = lines(got, "CORE-MCN-01")
            assert sum((x.value for x in mcn_lines), D(0)) == round_fen(own_income(got) * mcn)
            assert "transfers_received" not in got.facts
