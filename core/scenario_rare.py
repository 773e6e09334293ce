"""The scenario's sections most months lack (an ended order, merchant live streams, per-platform
values), built on first use: attrs builds each class in Python, so defining them at import cost every
command that never meets one (docs/performance.md, "Start-up"). Imported and named as
:mod:`creatorpay.core.scenario`'s classes, through that module's ``__getattr__``."""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import attrs

from .model import attrs_repr
from .money import ZERO

if TYPE_CHECKING:
    from collections.abc import Mapping
    from decimal import Decimal

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@attrs.frozen
class Termination:
    """Who ended an order early (a participant's id or ``client``) and why (CORE-ORD-01)."""

    __module__ = "creatorpay.core.scenario"
    __repr__ = attrs_repr

    by: str
    reason: str = ""


@attrs.frozen
class MerchantLive:
    """``[merchant_live]``: the creator's own merchant live streams (WC-MERCH-01, WC-PRIV-01)."""

    __module__ = "creatorpay.core.scenario"
    __repr__ = attrs_repr

    sales: Decimal = ZERO
    private_users: int = 0


@attrs.frozen
class PlatformValues:
    """``[platform.<name>]``: creator keys and tax keys that differ on one platform."""

    __module__ = "creatorpay.core.scenario"
    __repr__ = attrs_repr

    creator: Mapping[str, Any] = _EMPTY
    tax: Mapping[str, Any] = _EMPTY
