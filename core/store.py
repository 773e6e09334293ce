"""State that programs keep between statements: monthly quotas and program budgets.

Plugins reach it only through ``ctx.store``. Each settle or compare call gets a fresh
:class:`MemoryStore` unless the caller passes one, so the same input always gives the same output; a
service that wants quotas and budgets to persist passes a database-backed store with this interface.
"""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Protocol, runtime_checkable

from .money import ZERO


@runtime_checkable
class Store(Protocol):
    """The store interface. Every method is atomic: concurrent callers never exceed a cap or a budget.

    Quotas count slots per key (e.g. one creator's co-creation submissions in a month, XT-CC-06).
    ``baseline`` is the count already used before this store saw the key (the scenario's own count);
    it is taken only the first time the key is seen. A slot is held by a ``holder`` (an order id):
    :meth:`reserve` takes one, :meth:`confirm` makes it final (the submission went to review: a review
    failure keeps the slot), :meth:`release` gives it back (an operator action, XT-CC-07).

    Budgets hold an amount per key (e.g. a program year's cash, NE-BUDGET-01) that starts at
    ``capacity`` the first time the key is seen; :meth:`draw` takes at most what is left.
    """

    def reserve(self, key: str, holder: str, limit: int, baseline: int = 0) -> bool:
        """Take a slot for ``holder`` if fewer than ``limit`` are used; True if it holds one now."""
        ...

    def confirm(self, key: str, holder: str) -> bool:
        """Make ``holder``'s reserved slot final; True if it holds one. Only :meth:`release` frees it."""
        ...

    def release(self, key: str, holder: str) -> bool:
        """Give ``holder``'s slot back; True if it held one."""
        ...

    def used(self, key: str, baseline: int = 0) -> int:
        """How many slots are in use under ``key``."""
        ...

    def draw(self, key: str, amount: Decimal, capacity: Decimal) -> Decimal:
        """Take up to ``amount`` from the budget; returns what was drawn (never below zero left)."""
        ...

    def remaining(self, key: str, capacity: Decimal) -> Decimal:
        """What is left in the budget."""
        ...


class MemoryStore:
    """The in-memory :class:`Store`: fresh and full for each call unless a caller keeps it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._baselines: dict[str, int] = {}
        #: Holders per key, in the order they took a slot (a dict: membership in constant time).
        self._holders: dict[str, dict[str, None]] = {}
        self._confirmed: set[tuple[str, str]] = set()
        self._budgets: dict[str, Decimal] = {}

    def _seen(self, key: str, baseline: int) -> None:
        self._baselines.setdefault(key, baseline)
        self._holders.setdefault(key, {})

    def reserve(self, key: str, holder: str, limit: int, baseline: int = 0) -> bool:
        with self._lock:
            self._seen(key, baseline)
            holders = self._holders[key]
            if holder in holders:
                return True
            if self._baselines[key] + len(holders) >= limit:
                return False
            holders[holder] = None
            return True

    def confirm(self, key: str, holder: str) -> bool:
        with self._lock:
            if holder not in self._holders.get(key, {}):
                return False
            self._confirmed.add((key, holder))
            return True

    def release(self, key: str, holder: str) -> bool:
        with self._lock:
            holders = self._holders.get(key, {})
            if holder not in holders:
                return False
            del holders[holder]
            self._confirmed.discard((key, holder))
            return True

    def used(self, key: str, baseline: int = 0) -> int:
        with self._lock:
            self._seen(key, baseline)
            return self._baselines[key] + len(self._holders[key])

    def draw(self, key: str, amount: Decimal, capacity: Decimal) -> Decimal:
        if amount < 0:
            raise ValueError("cannot draw a negative amount")
        with self._lock:
            left = self._budgets.setdefault(key, capacity)
            drawn = min(amount, left)
            self._budgets[key] = left - drawn
            return drawn

    def remaining(self, key: str, capacity: Decimal) -> Decimal:
        with self._lock:
            return self._budgets.get(key, capacity)


__all__ = ["ZERO", "MemoryStore", "Store"]
