"""Exact CNY: amounts to the fen, half-up rounding once per line, conserving splits.

CORE-MONEY-01: every amount is a :class:`~decimal.Decimal` quantized to 0.01 CNY, rounded half-up
(四舍五入) exactly once, when a line item's value is computed.
CORE-MONEY-02: a split of a whole among parties is conserved to the fen by largest-remainder
allocation; ties go to the earlier party in input order.
CORE-MONEY-03: a whole is computed and rounded once, then split (see :func:`allocate`).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
#: Amounts must stay below this bound (CORE-INPUT-01).
AMOUNT_LIMIT = Decimal("1000000000000")


def round_fen(value: Decimal) -> Decimal:
    """Round ``value`` to the fen, half-up (CORE-MONEY-01). Done once per line item.

    The rounding is passed by position: CPython's ``quantize`` parses that about twice as fast as the
    keyword, and every line and note rounds.
    """
    return value.quantize(FEN, ROUND_HALF_UP)


def percent_of(base: Decimal, rate: Decimal) -> Decimal:
    """``base × rate`` rounded once to the fen, half-up: the value of one line item."""
    return round_fen(base * rate)


def allocate(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``total`` (already in fen) in proportion to ``weights``, conserving it to the fen.

    Largest-remainder allocation (CORE-MONEY-02): each part is first rounded down to the fen, then
    the fen left over go one each to the parts with the largest remainders; ties go to the earlier
    party. All-zero weights split nothing: every part is zero, and only a zero total is allowed then.

    >>> allocate(Decimal("1000.00"), [Decimal("12000"), Decimal("5000"), Decimal("3000")])
    [Decimal('600.00'), Decimal('250.00'), Decimal('150.00')]
    >>> allocate(Decimal("0.10"), [Decimal(1), Decimal(1), Decimal(1)])
    [Decimal('0.04'), Decimal('0.03'), Decimal('0.03')]
    """
    if total != round_fen(total):
        raise ValueError(f"total {total} is not a whole number of fen")
    if len(weights) == 1 and weights[0] > 0:  # the common case: one party takes the whole
        return [Decimal(int(total * 100)).scaleb(-2)]
    # Integer arithmetic throughout, so the remainders are exact, not limited by Decimal precision:
    # each weight is an exact fraction n/d, and all are brought to their common denominator.
    ratios = [w.as_integer_ratio() for w in weights]
    common = math.lcm(*[d for _, d in ratios])
    ints = [n * (common // d) for n, d in ratios]
    if min(ints, default=0) < 0:
        raise ValueError("weights must not be negative")
    denominator = sum(ints)
    if denominator == 0:
        if total != 0:
            raise ValueError("cannot split a non-zero total by all-zero weights")
        return [ZERO for _ in weights]
    fen_total = int(abs(total) * 100)
    split = [divmod(fen_total * w, denominator) for w in ints]
    parts = [quotient for quotient, _ in split]
    left = fen_total - sum(parts)
    if left:
        # Stable sort: equal remainders keep input order, so ties go to the earlier party.
        for i in sorted(range(len(parts)), key=lambda i: -split[i][1])[:left]:
            parts[i] += 1
    sign = -1 if total < 0 else 1
    return [Decimal(sign * p).scaleb(-2) for p in parts]


def fmt(value: Decimal) -> str:
    """Two-place decimal string as the JSON contract writes amounts (``"-1000.00"``)."""
    text = f"{round_fen(value):f}"
    return "0.00" if text == "-0.00" else text


def grouped(value: Decimal) -> str:
    """Amount with thousands separators for people (``12,160.00``)."""
    return f"{round_fen(value):,.2f}".replace("-0.00", "0.00")
