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
import time
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .sqlite_schema import check_version, migrate
from .store import ConnectedStore

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

#: How long a writer waits for another process's write lock before failing, in seconds.
DEFAULT_TIMEOUT = 60.0
#: The page size of a new database file, in bytes (SQLite's default is 4096).
PAGE_SIZE = 16384
#: SQLite's page cache per connection, in KiB.
CACHE_KIB = 32 * 1024


def _read_only(path: Path, timeout: float) -> sqlite3.Connection:
    """A read-only connection (SQLite's URI ``mode=ro``): a ledger the user may not write is still
    read; nothing is created or migrated, a schema other than this version's is refused. A WAL file
    needs its ``-shm`` index, which SQLite cannot create in a folder the user may not write: with no
    write-ahead log left to read, the file is then opened ``immutable`` (no index needed)."""
    uri = path.absolute().as_uri()
    for mode in ("mode=ro", "immutable=1"):
        conn = sqlite3.connect(
            f"{uri}?{mode}", uri=True, timeout=timeout, isolation_level=None, check_same_thread=False
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            check_version(conn)
            return conn
        except sqlite3.OperationalError as exc:
            conn.close()
            wal = Path(f"{path}-wal")
            unreadable = exc.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN)
            if mode != "mode=ro" or not unreadable or (wal.exists() and wal.stat().st_size):
                raise
        except BaseException:
            conn.close()
            raise
    raise AssertionError("unreachable")


class SQLiteStore(ConnectedStore[sqlite3.Connection]):
    """Quotas with reserve / confirm / release and budgets with draw, in SQLite.

    ``path``: a database file (created and migrated on first use) or ``":memory:"``.

    Budget draws made while :attr:`scope` is set are recorded under it, so :meth:`refund` can give
    a scope's draws back: re-settling a month (a late event) first refunds what its earlier
    statements drew, then draws afresh, and the budget pays the month once.

    One instance may be shared by threads (its calls are serialized); each process opens its own.
    """

    def __init__(
        self, path: str | Path = ":memory:", *, timeout: float = DEFAULT_TIMEOUT, readonly: bool = False
    ) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        if readonly:
            self._conn = _read_only(Path(path), timeout)
            self.scope: str | None = None
            return
        self._conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
        self._conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        # 16 KiB pages for a new file (an existing one keeps its own): shallower B-trees, a few
        # percent less processor time per ledger row (docs/performance.md); no effect once the file exists.
        self._conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        if self.path != ":memory:":
            self._wal(timeout)
        # NORMAL in WAL mode: a commit survives the process being killed; only a power loss may undo
        # the last commits, never corrupt the file.
        self._conn.execute("PRAGMA synchronous = NORMAL")
        # 32 MB of page cache (the default is 2 MB): a month's idempotency lookups stay in memory.
        self._conn.execute(f"PRAGMA cache_size = {-CACHE_KIB}")
        self._conn.execute("PRAGMA foreign_keys = ON")
        migrate(self._conn)
        #: Budget draws made while set are recorded under it (see :meth:`refund`).
        self.scope = None

    def _wal(self, timeout: float) -> None:
        """Switch the file to WAL mode. On a new file that another process is opening at the same
        moment, SQLite answers "database is locked" at once, without waiting (no busy handler runs
        for this pragma): try again until ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.005)

    # -- connection and transactions ----------------------------------------------------------------

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
        conn.execute("INSERT INTO quotas(key, baseline) VALUES (?, ?) ON CONFLICT(key) DO NOTHING", (key, baseline))
        row = conn.execute(
            "SELECT baseline + (SELECT count(*) FROM quota_slots WHERE key = ?) FROM quotas WHERE key = ?", (key, key)
        ).fetchone()
        return int(row[0])

    def reserve(self, key: str, holder: str, limit: int, baseline: int = 0) -> bool:
        """Take a slot for ``holder`` if fewer than ``limit`` are used; True if it holds one now."""
        with self._atomic() as conn:
            used = self._seen(conn, key, baseline)
            if conn.execute("SELECT 1 FROM quota_slots WHERE key = ? AND holder = ?", (key, holder)).fetchone():
                return True
            if used >= limit:
                return False
            conn.execute("INSERT INTO quota_slots(key, holder, state) VALUES (?, ?, 'reserved')", (key, holder))
            return True

    def confirm(self, key: str, holder: str) -> bool:
        """Make ``holder``'s reservation final (the submission went to review); True if it holds one.

        A confirmed slot stays used whatever the review decides (XT-CC-07); only :meth:`release`
        gives it back.
        """
        with self._atomic() as conn:
            cursor = conn.execute(
                "UPDATE quota_slots SET state = 'confirmed' WHERE key = ? AND holder = ?", (key, holder)
            )
            return cursor.rowcount > 0

    def confirmed(self, key: str, holder: str) -> bool:
        """Whether ``holder``'s slot under ``key`` is confirmed."""
        with self._lock:
            row = self._conn.execute(
                "SELECT state FROM quota_slots WHERE key = ? AND holder = ?", (key, holder)
            ).fetchone()
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
        conn.execute(
            "INSERT INTO budgets(key, capacity, remaining) VALUES (?, ?, ?) ON CONFLICT(key) DO NOTHING",
            (key, str(capacity), str(capacity)),
        )
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
                    conn.execute(
                        "INSERT INTO budget_draws(key, scope, amount) VALUES (?, ?, ?)", (key, self.scope, str(drawn))
                    )
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
            for key, amount in conn.execute(
                "SELECT key, amount FROM budget_draws WHERE scope = ? ORDER BY id", (scope,)
            ):
                totals[key] = totals.get(key, Decimal(0)) + Decimal(amount)
            refunded = {key: total for key, total in totals.items() if total > 0}
            for key, total in sorted(refunded.items()):
                left = Decimal(conn.execute("SELECT remaining FROM budgets WHERE key = ?", (key,)).fetchone()[0])
                conn.execute("UPDATE budgets SET remaining = ? WHERE key = ?", (str(left + total), key))
                conn.execute("INSERT INTO budget_draws(key, scope, amount) VALUES (?, ?, ?)", (key, scope, str(-total)))
            return refunded


#: One store call as a unit made it: method name, arguments, and what it returned.
Call = tuple[str, tuple[Any, ...], Any]


class _Budget:
    """A budget row as the buffer holds it: ``created`` when this buffer inserted it."""

    __slots__ = ("capacity", "changed", "created", "remaining")

    def __init__(self, capacity: str, remaining: Decimal, created: bool) -> None:
        self.capacity = capacity
        self.remaining = remaining
        self.created = created
        self.changed = created


class _Quota:
    """A quota key as the buffer holds it: its baseline (None: no row yet) and its slots."""

    __slots__ = ("baseline", "created", "loaded", "slots")

    def __init__(self, baseline: int | None, slots: dict[str, str]) -> None:
        self.baseline = baseline
        self.created = False
        self.slots = slots
        self.loaded = dict(slots)


class StoreBuffer:
    """The quotas and budgets of an :class:`SQLiteStore` database, held in memory during a batch.

    Implements the :class:`~creatorpay.core.store.Store` calls with exactly the semantics of
    :class:`SQLiteStore` (and :meth:`SQLiteStore.refund`), but reads a key's rows from ``conn`` only
    the first time it is used and keeps every change in memory: :meth:`flush` writes them. A batch
    settling thousands of units then spends microseconds, not SQL statements, per call.

    It is exact only while no one else changes those rows: the batch holds the write lock while it
    flushes, and drops the buffer (:meth:`clear`) when another connection may have written.

    Every call is recorded in :attr:`calls` (the unit's *transcript*); :meth:`mark` and
    :meth:`rollback` undo a unit's calls (a unit that cannot be settled leaves no trace), and
    :meth:`replay` makes another buffer's transcript here, returning False as soon as a call answers
    differently than it did there (then the caller rolls back and settles the unit again itself).
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        #: Budget draws made while set are recorded under it (see :meth:`SQLiteStore.refund`).
        self.scope: str | None = None
        self.calls: list[Call] = []
        self._budgets: dict[str, _Budget] = {}
        self._quotas: dict[str, _Quota] = {}
        #: Budget draws not yet written: (key, scope, amount text), in the order they were made.
        self._draws: list[tuple[str, str, str]] = []
        self._undo: list[Callable[[], None]] = []

    # -- units --------------------------------------------------------------------------------------

    def mark(self) -> int:
        """Start a unit: forget the last transcript; returns the point :meth:`rollback` returns to."""
        self.calls = []
        return len(self._undo)

    def rollback(self, mark: int) -> None:
        """Undo every change made since :meth:`mark` returned ``mark``."""
        while len(self._undo) > mark:
            self._undo.pop()()

    def replay(self, calls: list[Call]) -> bool:
        """Make ``calls`` (another buffer's transcript) here; False at the first that answers otherwise."""
        for method, args, answer in calls:
            if method == "refund":
                found: Any = self.refund(*args)
            else:
                found = getattr(self, method)(*args)
            if repr(found) != repr(answer):
                return False
        return True

    def replay_unit(self, scope: str, calls: list[Call], *, keep: bool) -> bool:
        """Replay a unit's ``calls`` under its ``scope`` (:meth:`replay`): True if each answered as
        recorded. What they changed is kept only if they did and ``keep`` (the unit's statement is
        written), else rolled back. How every driver confirms a unit settled elsewhere."""
        mark = self.mark()
        self.scope = scope
        try:
            same = self.replay(calls)
        finally:
            self.scope = None
        if not (same and keep):
            self.rollback(mark)
        return same

    def keep(self) -> None:
        """Make the changes so far final without writing them (a worker's private view: it never
        flushes, and forgets its unwritten draws, which only :meth:`refund` of the same unit reads)."""
        self._undo.clear()
        self._draws.clear()

    def clear(self) -> None:
        """Forget what was read (another connection may have written); nothing may be unflushed."""
        assert not self._draws and not any(b.changed for b in self._budgets.values()), "unflushed changes"
        self._budgets.clear()
        self._quotas.clear()
        self._undo.clear()

    # -- budgets ------------------------------------------------------------------------------------

    def seed(self, key: str, capacity: Decimal, remaining: Decimal) -> None:
        """Make budget ``key`` hold ``remaining`` from now on, not as a call (not recorded, not
        undone, never flushed as such): a driver settling a unit with what units before it left
        of a budget they share (creatorpay.core.scale.shared, docs/scale.md)."""
        budget = self._budget(key)
        if budget is None:
            self._budgets[key] = _Budget(str(capacity), remaining, True)
        else:
            budget.remaining = remaining

    def left(self, key: str) -> Decimal | None:
        """What budget ``key`` holds now (None: never drawn from), not as a call."""
        budget = self._budget(key)
        return None if budget is None else budget.remaining

    def _budget(self, key: str) -> _Budget | None:
        found = self._budgets.get(key)
        if found is None:
            row = self.conn.execute("SELECT capacity, remaining FROM budgets WHERE key = ?", (key,)).fetchone()
            if row is None:
                return None
            capacity, remaining = row
            found = self._budgets[key] = _Budget(capacity, Decimal(remaining), False)
        return found

    def _forget(self, key: str) -> None:
        del self._budgets[key]

    def _set(self, budget: _Budget, remaining: Decimal) -> None:
        was, changed = budget.remaining, budget.changed

        def undo() -> None:
            budget.remaining, budget.changed = was, changed

        budget.remaining, budget.changed = remaining, True
        self._undo.append(undo)

    def _record(self, key: str, scope: str, amount: Decimal) -> None:
        self._draws.append((key, scope, str(amount)))
        self._undo.append(self._unrecord)

    def _unrecord(self) -> None:
        self._draws.pop()

    def draw(self, key: str, amount: Decimal, capacity: Decimal) -> Decimal:
        """As :meth:`SQLiteStore.draw`."""
        if amount < 0:
            raise ValueError("cannot draw a negative amount")
        budget = self._budget(key)
        if budget is None:
            budget = self._budgets[key] = _Budget(str(capacity), Decimal(str(capacity)), True)
            self._undo.append(lambda: self._forget(key))
        left = budget.remaining
        drawn = min(amount, max(left, Decimal(0)))
        if drawn:
            self._set(budget, Decimal(str(left - drawn)))
            if self.scope is not None:
                self._record(key, self.scope, drawn)
        self.calls.append(("draw", (key, amount, capacity), drawn))
        return drawn

    def remaining(self, key: str, capacity: Decimal) -> Decimal:
        """As :meth:`SQLiteStore.remaining`."""
        budget = self._budget(key)
        found = capacity if budget is None else budget.remaining
        self.calls.append(("remaining", (key, capacity), found))
        return found

    def refund(self, scope: str) -> dict[str, Decimal]:
        """As :meth:`SQLiteStore.refund`."""
        totals: dict[str, Decimal] = {}
        written = self.conn.execute(
            "SELECT key, amount FROM budget_draws WHERE scope = ? ORDER BY id", (scope,)
        ).fetchall()
        for key, amount in [*written, *((k, a) for k, s, a in self._draws if s == scope)]:
            totals[key] = totals.get(key, Decimal(0)) + Decimal(amount)
        refunded = {key: total for key, total in totals.items() if total > 0}
        for key, total in sorted(refunded.items()):
            budget = self._budget(key)
            assert budget is not None, "a draw without its budget"
            self._set(budget, Decimal(str(budget.remaining + total)))
            self._record(key, scope, -total)
        self.calls.append(("refund", (scope,), refunded))
        return refunded

    # -- quotas -------------------------------------------------------------------------------------

    def _quota(self, key: str) -> _Quota:
        found = self._quotas.get(key)
        if found is None:
            row = self.conn.execute("SELECT baseline FROM quotas WHERE key = ?", (key,)).fetchone()
            slots = dict(self.conn.execute("SELECT holder, state FROM quota_slots WHERE key = ?", (key,)))
            found = self._quotas[key] = _Quota(None if row is None else int(row[0]), slots)
        return found

    def _seen(self, key: str, baseline: int) -> tuple[_Quota, int]:
        if baseline < 0:
            raise ValueError("a quota baseline is never negative")
        quota = self._quota(key)
        if quota.baseline is None:
            quota.baseline, quota.created = baseline, True

            def undo() -> None:
                quota.baseline, quota.created = None, False

            self._undo.append(undo)
        return quota, quota.baseline + len(quota.slots)

    def _slot(self, quota: _Quota, holder: str, state: str | None) -> None:
        was = quota.slots.get(holder)

        def undo() -> None:
            if was is None:
                quota.slots.pop(holder, None)
            else:
                quota.slots[holder] = was

        if state is None:
            del quota.slots[holder]
        else:
            quota.slots[holder] = state
        self._undo.append(undo)

    def reserve(self, key: str, holder: str, limit: int, baseline: int = 0) -> bool:
        """As :meth:`SQLiteStore.reserve`."""
        quota, used = self._seen(key, baseline)
        if holder in quota.slots:
            held = True
        elif used >= limit:
            held = False
        else:
            self._slot(quota, holder, "reserved")
            held = True
        self.calls.append(("reserve", (key, holder, limit, baseline), held))
        return held

    def confirm(self, key: str, holder: str) -> bool:
        """As :meth:`SQLiteStore.confirm`."""
        quota = self._quota(key)
        held = holder in quota.slots
        if held:
            self._slot(quota, holder, "confirmed")
        self.calls.append(("confirm", (key, holder), held))
        return held

    def confirmed(self, key: str, holder: str) -> bool:
        """As :meth:`SQLiteStore.confirmed`."""
        found = self._quota(key).slots.get(holder) == "confirmed"
        self.calls.append(("confirmed", (key, holder), found))
        return found

    def release(self, key: str, holder: str) -> bool:
        """As :meth:`SQLiteStore.release`."""
        quota = self._quota(key)
        held = holder in quota.slots
        if held:
            self._slot(quota, holder, None)
        self.calls.append(("release", (key, holder), held))
        return held

    def used(self, key: str, baseline: int = 0) -> int:
        """As :meth:`SQLiteStore.used`."""
        found = self._seen(key, baseline)[1]
        self.calls.append(("used", (key, baseline), found))
        return found

    # -- writing ------------------------------------------------------------------------------------

    def flush(self) -> None:
        """Write every change (the caller holds the write transaction); the buffer stays valid."""
        conn = self.conn
        for key, budget in self._budgets.items():
            if budget.created:
                conn.execute(
                    "INSERT INTO budgets(key, capacity, remaining) VALUES (?, ?, ?)",
                    (key, budget.capacity, str(budget.remaining)),
                )
            elif budget.changed:
                conn.execute("UPDATE budgets SET remaining = ? WHERE key = ?", (str(budget.remaining), key))
            budget.created = budget.changed = False
        if self._draws:
            conn.executemany("INSERT INTO budget_draws(key, scope, amount) VALUES (?, ?, ?)", self._draws)
            self._draws.clear()
        for key, quota in self._quotas.items():
            if quota.created:
                conn.execute("INSERT INTO quotas(key, baseline) VALUES (?, ?)", (key, quota.baseline))
                quota.created = False
            if quota.slots != quota.loaded:
                for holder in quota.loaded.keys() - quota.slots.keys():
                    conn.execute("DELETE FROM quota_slots WHERE key = ? AND holder = ?", (key, holder))
                for holder, state in quota.slots.items():
                    if holder not in quota.loaded:
                        conn.execute(
                            "INSERT INTO quota_slots(key, holder, state) VALUES (?, ?, ?)", (key, holder, state)
                        )
                    elif quota.loaded[holder] != state:
                        conn.execute(
                            "UPDATE quota_slots SET state = ? WHERE key = ? AND holder = ?", (state, key, holder)
                        )
                quota.loaded = dict(quota.slots)
        self._undo.clear()
        self.calls = []


__all__ = ["DEFAULT_TIMEOUT", "SQLiteStore", "StoreBuffer"]
