"""The SQLite :class:`~creatorpay.core.store.Store`: quotas and budgets that persist and are shared.

One database file (or ``:memory:``) holds the store and the ledger (:mod:`.ledger`). Several
processes may use one file at once: WAL mode lets readers run beside the writer, and every change
runs under ``BEGIN IMMEDIATE`` (SQLite's write lock, waited for up to ``timeout`` seconds), so a
reservation or a draw reads and writes with no other writer in between: concurrent callers never
exceed a cap (XT-CC-06) or overdraw a budget (NE-BUDGET-01).

A caller that already holds a transaction (:meth:`SQLiteStore.transaction`) makes the store's
changes part of it: the batch settles a statement, its quota and budget changes and its events'
idempotency records in one transaction, so a crash leaves all of them or none.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from .sqlite_schema import migrate

#: How long a writer waits for another process's write lock before failing, in seconds.
DEFAULT_TIMEOUT = 60.0
#: SQLite's page cache per connection, in KiB.
CACHE_KIB = 32 * 1024


class SQLiteStore:
    """Quotas with reserve / confirm / release and budgets with draw, in SQLite.

    ``path``: a database file (created and migrated on first use) or ``":memory:"``.

    Budget draws made while :attr:`scope` is set are recorded under it, so :meth:`refund` can give
    a scope's draws back: re-settling a month (a late event) first refunds what its earlier
    statements drew, then draws afresh, and the budget pays the month once.

    One instance may be shared by threads (its calls are serialized); each process opens its own.
    """

    def __init__(self, path: str | Path = ":memory:", *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None,
                                     check_same_thread=False)
        self._conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        if self.path != ":memory:":
            self._conn.execute("PRAGMA journal_mode = WAL")
        # NORMAL in WAL mode: a commit survives the process being killed; only a power loss may undo
        # the last commits, never corrupt the file.
        self._conn.execute("PRAGMA synchronous = NORMAL")
        # 32 MB of page cache (the default is 2 MB): a month's idempotency lookups stay in memory.
        self._conn.execute(f"PRAGMA cache_size = {-CACHE_KIB}")
        self._conn.execute("PRAGMA foreign_keys = ON")
        migrate(self._conn)
        #: Budget draws made while set are recorded under it (see :meth:`refund`).
        self.scope: str | None = None

    # -- connection and transactions ----------------------------------------------------------------

    @property
    def connection(self) -> sqlite3.Connection:
        """The connection, for the ledger and for queries; change data only inside :meth:`transaction`."""
        return self._conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT`` (rolled back on an exception); nested: a savepoint."""
        with self._lock:
            conn = self._conn
            if conn.in_transaction:
                conn.execute("SAVEPOINT nested")
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK TO nested")
                    conn.execute("RELEASE nested")
                    raise
                conn.execute("RELEASE nested")
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    @contextmanager
    def _atomic(self) -> Iterator[sqlite3.Connection]:
        """A store call's own transaction, or the caller's when one is open (no savepoint needed:
        each call is a few statements that either all run or raise before the caller rolls back)."""
        with self._lock:
            if self._conn.in_transaction:
                yield self._conn
                return
            with self.transaction() as conn:
                yield conn

    @contextmanager
    def scoped(self, scope: str) -> Iterator[None]:
        """Record the budget draws made inside the block under ``scope``."""
        with self._lock:
            previous, self.scope = self.scope, scope
            try:
                yield
            finally:
                self.scope = previous

    # -- quotas -------------------------------------------------------------------------------------

    def _seen(self, conn: sqlite3.Connection, key: str, baseline: int) -> int:
        if baseline < 0:
            raise ValueError("a quota baseline is never negative")
        conn.execute("INSERT INTO quotas(key, baseline) VALUES (?, ?) ON CONFLICT(key) DO NOTHING",
                     (key, baseline))
        row = conn.execute("SELECT baseline + (SELECT count(*) FROM quota_slots WHERE key = ?) "
                           "FROM quotas WHERE key = ?", (key, key)).fetchone()
        return int(row[0])

    def reserve(self, key: str, holder: str, limit: int, baseline: int = 0) -> bool:
        """Take a slot for ``holder`` if fewer than ``limit`` are used; True if it holds one now."""
        with self._atomic() as conn:
            used = self._seen(conn, key, baseline)
            if conn.execute("SELECT 1 FROM quota_slots WHERE key = ? AND holder = ?",
                            (key, holder)).fetchone():
                return True
            if used >= limit:
                return False
            conn.execute("INSERT INTO quota_slots(key, holder, state) VALUES (?, ?, 'reserved')",
                         (key, holder))
            return True

    def confirm(self, key: str, holder: str) -> bool:
        """Make ``holder``'s reservation final (the submission went to review); True if it holds one.

        A confirmed slot stays used whatever the review decides (XT-CC-07); only :meth:`release`
        gives it back.
        """
        with self._atomic() as conn:
            cursor = conn.execute("UPDATE quota_slots SET state = 'confirmed' WHERE key = ? AND holder = ?",
                                  (key, holder))
            return cursor.rowcount > 0

    def confirmed(self, key: str, holder: str) -> bool:
        """Whether ``holder``'s slot under ``key`` is confirmed."""
        with self._lock:
            row = self._conn.execute("SELECT state FROM quota_slots WHERE key = ? AND holder = ?",
                                     (key, holder)).fetchone()
            return row is not None and row[0] == "confirmed"

    def release(self, key: str, holder: str) -> bool:
        """Give ``holder``'s slot back, reserved or confirmed (an operator action); True if it held one."""
        with self._atomic() as conn:
            cursor = conn.execute("DELETE FROM quota_slots WHERE key = ? AND holder = ?", (key, holder))
            return cursor.rowcount > 0

    def used(self, key: str, baseline: int = 0) -> int:
        """How many slots are in use under ``key``: the baseline and every holder."""
        with self._atomic() as conn:
            return self._seen(conn, key, baseline)

    # -- budgets ------------------------------------------------------------------------------------

    def _left(self, conn: sqlite3.Connection, key: str, capacity: Decimal) -> Decimal:
        conn.execute("INSERT INTO budgets(key, capacity, remaining) VALUES (?, ?, ?) "
                     "ON CONFLICT(key) DO NOTHING", (key, str(capacity), str(capacity)))
        return Decimal(conn.execute("SELECT remaining FROM budgets WHERE key = ?", (key,)).fetchone()[0])

    def draw(self, key: str, amount: Decimal, capacity: Decimal) -> Decimal:
        """Take up to ``amount`` from the budget; returns what was drawn (never below zero left)."""
        if amount < 0:
            raise ValueError("cannot draw a negative amount")
        with self._atomic() as conn:
            left = self._left(conn, key, capacity)
            drawn = min(amount, max(left, Decimal(0)))
            if drawn:
                conn.execute("UPDATE budgets SET remaining = ? WHERE key = ?", (str(left - drawn), key))
                if self.scope is not None:
                    conn.execute("INSERT INTO budget_draws(key, scope, amount) VALUES (?, ?, ?)",
                                 (key, self.scope, str(drawn)))
            return drawn

    def remaining(self, key: str, capacity: Decimal) -> Decimal:
        """What is left in the budget (``capacity`` for a key not drawn from yet)."""
        with self._lock:
            row = self._conn.execute("SELECT remaining FROM budgets WHERE key = ?", (key,)).fetchone()
            return capacity if row is None else Decimal(row[0])

    def refund(self, scope: str) -> dict[str, Decimal]:
        """Give back every budget what ``scope``'s draws took, net of earlier refunds; returns the
        amount given back per key. The draws are not erased: a negative draw records the refund."""
        with self._atomic() as conn:
            totals: dict[str, Decimal] = {}
            for key, amount in conn.execute("SELECT key, amount FROM budget_draws WHERE scope = ? ORDER BY id",
                                            (scope,)):
                totals[key] = totals.get(key, Decimal(0)) + Decimal(amount)
            refunded = {key: total for key, total in totals.items() if total > 0}
            for key, total in sorted(refunded.items()):
                left = Decimal(conn.execute("SELECT remaining FROM budgets WHERE key = ?", (key,)).fetchone()[0])
                conn.execute("UPDATE budgets SET remaining = ? WHERE key = ?", (str(left + total), key))
                conn.execute("INSERT INTO budget_draws(key, scope, amount) VALUES (?, ?, ?)",
                             (key, scope, str(-total)))
            return refunded


__all__ = ["DEFAULT_TIMEOUT", "SQLiteStore"]
