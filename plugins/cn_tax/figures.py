"""How the plugin writes figures in notes and line bases: exact, never rounded twice (CORE-MONEY-01).

A taxable amount such as 80% of 4,000.01 has more places than the fen; it is shown as it is, and only
the tax computed from it is rounded.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from creatorpay.core.plugin import round_fen

if TYPE_CHECKING:
    from collections.abc import Mapping
    from decimal import Decimal

    from creatorpay.core.plugin import RuleVersion


def exact(value: Decimal) -> Decimal:
    """``value`` with two places when it is a whole number of fen, else as it is (no rounding)."""
    fen = round_fen(value)
    return fen if fen == value else value.normalize()


def money(value: Decimal) -> str:
    """An amount for people with thousands separators, exact: ``24,000.00``, ``3,200.008``."""
    text = f"{exact(value):,f}"
    return "0.00" if text == "-0.00" else text


def percent(rate: Decimal) -> str:
    """A rate as a percentage without trailing zeros: ``0.10`` is ``10%``, ``0.035`` is ``3.5%``."""
    return f"{(rate * 100).normalize():f}%"


def rule_texts(version: RuleVersion) -> Mapping[str, str]:
    """The version's set ``amount`` and ``ratio`` parameters as notes write them (:func:`money`,
    :func:`percent`), by name. Use ``version.derived(rule_texts)``: made once per rule version."""
    texts: dict[str, str] = {}
    for name, spec in version.rule.params.items():
        value = version.params.get(name)
        if value is not None and spec.type == "amount":
            texts[name] = money(value)
        elif value is not None and spec.type == "ratio":
            texts[name] = percent(value)
    return MappingProxyType(texts)
