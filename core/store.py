"""State that programs keep between statements: monthly quotas and program budgets.

Plugins reach it only through ``ctx.store``. Each settle or compare call gets a fresh
:class:`MemoryStore` unless the caller passes one, so the same input always gives the same output; a
service that wants quotas and budgets to persist passes a database-backed store with this interface.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Generic, Protocol, Self, TypeVar, runtime_checkable

from .money import ZERO

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractContextManager
    from decimal import Decimal


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

    A store may also offer ``transaction()``, a context manager whose calls are undone when the block
    raises (:class:`MemoryStore`, :class:`~creatorpay.core.sqlite_store.SQLiteStore`): the engine then
    rolls back the calls of a statement that ends in ``error`` and of a failed adjustment.
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


class _Closable(Protocol):
    def close(self) -> None: ...


_Connection = TypeVar("_Connection", bound=_Closable)


class ConnectedStore(Generic[_Connection]):
    """What the database-backed stores (SQLite, PostgreSQL) share: one connection, its calls
    serialised by a lock, closed at the end of a ``with`` block."""

    _conn: _Connection
    _lock: threading.RLock

    @property
    def connection(self) -> _Connection:
        """The connection, for the ledger and for queries; change data only inside ``transaction()``."""
        return self._conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class MemoryStore:
    """The in-memory :class:`Store`: fresh and full for each call unless a caller keeps it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._baselines: dict[str, int] = {}
        #: Holders per key, in the order they took a slot (a dict: membership in constant time).
        self._holders: dict[str, dict[str, None]] = {}
        self._confirmed: set[tuple[str, str]] = set()
        self._budgets: dict[str, Decimal] = {}
        #: Per thread, the undo lists of the open transactions, innermost last (made on first use).
        self._journal: threading.local | None = None

    def transaction(self) -> _Transaction:
        """The calls made in the block (by this thread) are undone if it raises; nested blocks nest."""
        journal = self._journal
        if journal is None:
            with self._lock:
                journal = self._journal = self._journal or threading.local()
        return _Transaction(self, journal)

    def _undo(self, step: Callable[[], None]) -> None:
        journal = self._journal
        stack = None if journal is None else getattr(journal, "stack", None)
        if stack:
            stack[-1].append(step)

    def _seen(self, key: str, baseline: int) -> None:
        if key not in self._holders:
            self._baselines[key] = baseline
            self._holders[key] = {}
            self._undo(lambda: self._forget(key))

    def _forget(self, key: str) -> None:
        del self._baselines[key], self._holders[key]

    def reserve(self, key: str, holder: str, limit: int, baseline: int = 0) -> bool:
        with self._lock:
            self._seen(key, baseline)
            holders = self._holders[key]
            if holder in holders:
                return True
            if self._baselines[key] + len(holders) >= limit:
                return False
            holders[holder] = None
            self._undo(lambda: holders.pop(holder, None))
            return True

    def confirm(self, key: str, holder: str) -> bool:
        with self._lock:
            if holder not in self._holders.get(key, {}):
                return False
            if (key, holder) not in self._confirmed:
                self._confirmed.add((key, holder))
                self._undo(lambda: self._confirmed.discard((key, holder)))
            return True

    def release(self, key: str, holder: str) -> bool:
        with self._lock:
            holders = self._holders.get(key, {})
            if holder not in holders:
                return False
            order = list(holders)
            was_confirmed = (key, holder) in self._confirmed
            del holders[holder]
            self._confirmed.discard((key, holder))

            def undo() -> None:
                holders.clear()
                holders.update(dict.fromkeys(order))
                if was_confirmed:
                    self._confirmed.add((key, holder))

            self._undo(undo)
            return True

    def used(self, key: str, baseline: int = 0) -> int:
        with self._lock:
            self._seen(key, baseline)
            return self._baselines[key] + len(self._holders[key])

    def draw(self, key: str, amount: Decimal, capacity: Decimal) -> Decimal:
        if amount < 0:
            raise ValueError("cannot draw a negative amount")
        with self._lock:
            before = self._budgets.get(key)
            left = capacity if before is None else before
            drawn = min(amount, left)
            self._budgets[key] = left - drawn
            self._undo(lambda: self._restore(key, before))
            return drawn

    def _restore(self, key: str, before: Decimal | None) -> None:
        if before is None:
            del self._budgets[key]
        else:
            self._budgets[key] = before

    def remaining(self, key: str, capacity: Decimal) -> Decimal:
        with self._lock:
            return self._budgets.get(key, capacity)


class _Transaction:
    """:meth:`MemoryStore.transaction`'s context manager (a class: a third of a generator's cost)."""

    __slots__ = ("_journal", "_store", "_undo")

    def __init__(self, store: MemoryStore, journal: threading.local) -> None:
        self._store = store
        self._journal = journal
        self._undo: list[Callable[[], None]] = []

    def __enter__(self) -> None:
        stack: list[list[Callable[[], None]]] | None = getattr(self._journal, "stack", None)
        if stack is None:
            stack = self._journal.stack = []
        stack.append(self._undo)

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        stack: list[list[Callable[[], None]]] = self._journal.stack
        stack.pop()
        if kind is not None:
            with self._store._lock:
                for step in reversed(self._undo):
                    step()
        elif stack:
            stack[-1].extend(self._undo)


class Rollback(Exception):
    """Thrown into a store's transaction to undo it (a statement ended in ``error``)."""


class StoreView:
    """``ctx.store``: a statement's store as one platform or adjustment (its *owner*) sees it.

    Every key is in the owner's namespace: a key not starting with ``<owner>:`` gets that prefix, so
    a plugin cannot draw another platform's budget or reserve its quota (keys the built-ins already
    wrote, all ``<platform>:...``, are unchanged). The first call opens the store's ``transaction()``
    (inside ``parent``'s, for an adjustment), which :meth:`end` commits or rolls back; a statement
    that calls no store opens none. ``store`` None: a fresh :class:`MemoryStore` made on the first
    call (``parent``'s, for an adjustment), so a statement that calls no store makes none.
    """

    __slots__ = ("_open", "_parent", "_prefix", "_store", "_transaction")

    def __init__(self, store: Store | None, owner: str, parent: StoreView | None = None) -> None:
        self._store = store
        self._prefix = owner + ":"
        self._parent = parent
        self._transaction: AbstractContextManager[Any] | None = None
        self._open = False

    def _key(self, key: str) -> str:
        return key if key.startswith(self._prefix) else self._prefix + key

    def _begin(self) -> Store:
        if not self._open:
            parent = self._parent
            if parent is not None:
                parent._begin()
            if self._store is None:
                self._store = parent._store if parent is not None else MemoryStore()
            make = getattr(self._store, "transaction", None)
            if make is not None:
                transaction: AbstractContextManager[Any] = make()
                transaction.__enter__()
                self._transaction = transaction
            self._open = True
        store = self._store
        assert store is not None  # made above
        return store

    def end(self, keep: bool) -> None:
        """Commit the calls made through this view (``keep``) or roll them back."""
        transaction, self._transaction, self._open = self._transaction, None, False
        if transaction is None:
            return
        if keep:
            transaction.__exit__(None, None, None)
        else:
            transaction.__exit__(Rollback, Rollback(), None)

    def reserve(self, key: str, holder: str, limit: int, baseline: int = 0) -> bool:
        return self._begin().reserve(self._key(key), holder, limit, baseline)

    def confirm(self, key: str, holder: str) -> bool:
        return self._begin().confirm(self._key(key), holder)

    def release(self, key: str, holder: str) -> bool:
        return self._begin().release(self._key(key), holder)

    def used(self, key: str, baseline: int = 0) -> int:
        return self._begin().used(self._key(key), baseline)

    def draw(self, key: str, amount: Decimal, capacity: Decimal) -> Decimal:
        return self._begin().draw(self._key(key), amount, capacity)

    def remaining(self, key: str, capacity: Decimal) -> Decimal:
        return self._begin().remaining(self._key(key), capacity)


def statement_view(store: Store | None, prefix: str) -> StoreView:
    """``StoreView(store, owner)`` for ``prefix`` = ``owner + ":"``, made without the class call (a
    platform's view, made for every statement: about 600 instructions less; the same slots, tested)."""
    view = _new(StoreView)
    view._store = store
    view._prefix = prefix
    view._parent = None
    view._transaction = None
    view._open = False
    return view


_new = object.__new__

__all__ = ["ZERO", "ConnectedStore", "MemoryStore", "Rollback", "Store", "StoreView", "statement_view"]
