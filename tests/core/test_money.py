"""CORE-MONEY-01/02/03: exact fen, half-up once, conserving largest-remainder splits."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creatorpay.core.money import FEN, allocate, fmt, grouped, percent_of, round_fen

amounts = st.integers(min_value=0, max_value=10**14 - 1).map(lambda fen: Decimal(fen) * FEN)
weights = st.lists(st.integers(min_value=0, max_value=10**9).map(lambda n: Decimal(n) / 100), min_size=1, max_size=12)


def test_half_up_at_the_half_fen_core_money_01() -> None:
    assert round_fen(Decimal("0.005")) == Decimal("0.01")
    assert round_fen(Decimal("0.015")) == Decimal("0.02")  # half-even would give 0.02 too
    assert round_fen(Decimal("0.025")) == Decimal("0.03")  # half-even would give 0.02
    assert round_fen(Decimal("2.675")) == Decimal("2.68")
    assert round_fen(Decimal("-0.005")) == Decimal("-0.01")
    assert percent_of(Decimal("0.50"), Decimal("0.05")) == Decimal("0.03")


@given(st.integers(min_value=0, max_value=10**16))
def test_round_fen_is_the_nearest_fen_halves_up_core_money_01(milli: int) -> None:
    value = Decimal(milli) / 1000
    rounded = round_fen(value)
    assert rounded == rounded.quantize(FEN)
    assert abs(rounded - value) <= Decimal("0.005")
    if abs(rounded - value) == Decimal("0.005"):
        assert rounded > value


@given(amounts, weights)
def test_allocate_conserves_the_whole_core_money_02(total: Decimal, parts: list[Decimal]) -> None:
    if sum(parts) == 0:
        if total:
            with pytest.raises(ValueError, match="all-zero weights"):
                allocate(total, parts)
        return
    shares = allocate(total, parts)
    assert sum(shares) == total
    assert all(s >= 0 and s == s.quantize(FEN) for s in shares)
    whole = sum(parts)
    for share, weight in zip(shares, parts, strict=True):
        exact = total * weight / whole
        assert abs(share - exact) < FEN  # largest remainder: within one fen of the exact share


@given(amounts, weights)
def test_allocate_of_a_negative_whole_mirrors_core_money_02(total: Decimal, parts: list[Decimal]) -> None:
    if sum(parts) == 0:
        return
    assert allocate(-total, parts) == [-s for s in allocate(total, parts)]


def test_ties_go_to_the_earlier_party_core_money_02() -> None:
    assert allocate(Decimal("0.10"), [Decimal(1)] * 3) == [Decimal("0.04"), Decimal("0.03"), Decimal("0.03")]
    assert allocate(Decimal("0.02"), [Decimal(1)] * 3) == [Decimal("0.01"), Decimal("0.01"), Decimal("0.00")]


def test_a_fee_is_rounded_once_then_split_core_money_03() -> None:
    # 5% of 333.33 is 16.6665 -> 16.67 once; split 1:1:1 gives 5.56 + 5.56 + 5.55, not 3 x 5.56.
    fee = percent_of(Decimal("333.33"), Decimal("0.05"))
    assert fee == Decimal("16.67")
    assert allocate(fee, [Decimal("111.11")] * 3) == [Decimal("5.56"), Decimal("5.56"), Decimal("5.55")]


def test_allocate_rejects_part_fen_totals_and_negative_weights() -> None:
    with pytest.raises(ValueError, match="not a whole number of fen"):
        allocate(Decimal("1.005"), [Decimal(1)])
    with pytest.raises(ValueError, match="weights must not be negative"):
        allocate(Decimal("1.00"), [Decimal(-1), Decimal(2)])


def test_formatting() -> None:
    assert fmt(Decimal("-0.001")) == "0.00"
    assert fmt(Decimal("1000")) == "1000.00"
    assert fmt(Decimal("-1000.5")) == "-1000.50"
    assert grouped(Decimal("12160")) == "12,160.00"


def test_allocate_to_one_party_gives_it_the_whole_to_the_fen_core_money_02() -> None:
    """The one-party path gives what the general path gives: the whole, written with two places."""
    assert [str(s) for s in allocate(Decimal("5"), [Decimal("3")])] == ["5.00"]
    assert [str(s) for s in allocate(Decimal("-12.30"), [Decimal("0.5")])] == ["-12.30"]
    assert [str(s) for s in allocate(Decimal("-0.00"), [Decimal(1)])] == ["0.00"]
    assert [str(s) for s in allocate(Decimal("0"), [Decimal(0)])] == ["0.00"]
    with pytest.raises(ValueError, match="all-zero weights"):
        allocate(Decimal("1.00"), [Decimal(0)])
    with pytest.raises(ValueError, match="weights must not be negative"):
        allocate(Decimal("1.00"), [Decimal(-1)])


@given(
    st.integers(min_value=-(10**14), max_value=10**14).map(lambda fen: Decimal(fen) * FEN),
    st.integers(min_value=1, max_value=10**9).map(lambda n: Decimal(n) / 1000),
)
def test_allocate_to_one_party_matches_the_general_split_core_money_02(total: Decimal, weight: Decimal) -> None:
    alone = allocate(total, [weight])
    general = allocate(total, [weight, Decimal(0)])  # two parties: the largest-remainder path
    assert [str(s) for s in alone] == [str(s) for s in general[:1]]
