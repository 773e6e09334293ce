"""Exact CNY: amounts to the fen, half-up rounding once per line, conserving splits.

CORE-MONEY-01: every amount is a :class:`~decimal.Decimal` quantized to 0.01 CNY, rounded half-up
(四舍五入) exactly once, when a line item's value is computed.
CORE-MONEY-02: a split of a whole among parties is conserved to the fen by largest-remainder
allocation; ties go to the earlier party in input order.
CORE-MONEY-03: a whole is computed and rounded once, then split (see :func:`allocate`).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
#: Amounts must stay below this bound (CORE-INPUT-01).
AMOUNT_LIMIT = Decimal("1000000000000")


def round_fen(value: Decimal) -> Decimal:
    """Round ``value`` to the fen, half-up (CORE-MONEY-01). Done once per line item."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


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
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    whole = sum(weights, Decimal(0))
    if whole == 0:
        if total != 0:
            raise ValueError("cannot split a non-zero total by all-zero weights")
        return [ZERO for _ in weights]
    # Integer arithmetic throughout, so the remainders are exact, not limited by Decimal precision.
    exponents = [w.as_tuple().exponent for w in weights]
    places = max((-e for e in exponents if isinstance(e, int)), default=0)
    scale = Decimal(10) ** max(places, 0)
    ints = [int(w * scale) for w in weights]
    denominator = sum(ints)
    fen_total = int(abs(total) / FEN)
    quotients, remainders = zip(*(divmod(fen_total * w, denominator) for w in ints), strict=True)
    parts = list(quotients)
    left = fen_total - sum(parts)
    # Stable sort: equal remainders keep input order, so ties go to the earlier party.
    for i in sorted(range(len(parts)), key=lambda i: -remainders[i])[:left]:
        parts[i] += 1
    sign = -1 if total < 0 else 1
    return [(Decimal(sign * p) * FEN).quantize(FEN) for p in parts]


def fmt(value: Decimal) -> str:
    """Two-place decimal string as the JSON contract writes amounts (``"-1000.00"``)."""
    text = f"{round_fen(value):f}"
    return "0.00" if text == "-0.00" else text


def grouped(value: Decimal) -> str:
    """Amount with thousands separators for people (``12,160.00``)."""
    return f"{round_fen(value):,.2f}".replace("-0.00", "0.00")
