"""Conservation (XT-ORD-02, XT-ORD-03, XT-FEE-01, CORE-MONEY-02/03): for any valid co-creation order,
the payment less the fee less the transfers is what the main keeps, and the main's net, what the
co-creators receive and the fee add up to the order amount, to the fen, under both fee readings."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from creatorpay.core import Kind
from creatorpay.core.money import ZERO, round_fen
from tests.helpers import examples
from tests.xingtu.xingtu_helpers import co_order, lines, scenario, settle

FEN = Decimal("0.01")
agreed = st.integers(min_value=0, max_value=10**11).map(lambda fen: Decimal(fen) * FEN)


@settings(max_examples=examples(60))
@given(main=agreed, co=st.lists(agreed, min_size=0, max_size=5), borne_by=st.sampled_from(["pro_rata", "main"]))
def test_payment_fee_and_transfers_conserve_the_order_amount(main: Decimal, co: list[Decimal], borne_by: str) -> None:
    spec = [("p0", "main", f"{main:.2f}")] + [(f"p{i}", "co_creator", f"{a:.2f}") for i, a in enumerate(co, 1)]
    amount = main + sum(co, ZERO)
    rules = {"XT-FEE-01": {"borne_by": borne_by}}
    order = co_order("o1", spec)
    views = {ident: settle(scenario([order], creator=ident), rules=rules) for ident, _, _ in spec}
    st_main = views["p0"]
    assert st_main.violations == ()
    payment = sum((x.value for x in lines(st_main, kind=Kind.ORDER_PAYMENT)), ZERO)
    fee = sum((x.value for x in lines(st_main, "XT-FEE-01")), ZERO)
    transfers = [x.value for x in lines(st_main, "XT-ORD-03")]
    received = sum((views[ident].net for ident, _, _ in spec[1:]), ZERO)
    assert payment == amount
    assert fee == round_fen(amount * Decimal("0.05"))
    assert payment - fee - sum(transfers, ZERO) == st_main.net
    assert st_main.net + received + fee == amount
    assert received == sum(transfers, ZERO)
    for (ident, _, share), transfer in zip(spec[1:], transfers, strict=True):
        assert views[ident].net == transfer
        assert 0 <= transfer <= Decimal(share) if borne_by == "pro_rata" else transfer == Decimal(share)
    if borne_by == "pro_rata":  # each participant nets its agreed amount less its share of the fee
        assert 0 <= st_main.net <= main
    else:  # the main bears the whole fee, even beyond its own agreed amount
        assert st_main.net == main - fee
