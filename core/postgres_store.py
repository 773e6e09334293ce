"""The PostgreSQL :class:`~creatorpay.core.store.Store`: quotas and budgets shared by several machines.

``Engine(store=PostgresStore(dsn))`` on every machine of a service: the quota slots (XT-CC-06/07)
and budget draws (NE-BUDGET-01) of all of them meet in one database. Each call is one server-side
function (:mod:`.postgres_schema`) that locks its quota or budget row (``SELECT ... FOR UPDATE``)
before it reads and writes it, so concurrent callers on any machine never exceed a cap or overdraw
a budget. It answers exactly as :class:`~creatorpay.core.sqlite_store.SQLiteStore` does, including
the decimal places of a draw.

Needs psycopg 3 (``pip install 'creatorpay[postgres]'``); ``import creatorpay.core`` never imports
this module. For the Spark driver it also keeps budgets' remaining amounts with a version for
compare-and-set (:meth:`PostgresStore.budget`, :meth:`PostgresStore.cas_remaining`) and the run
registry (:meth:`PostgresStore.begin_run`, :meth:`PostgresStore.commit_run`).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

import psycopg
from psycopg import sql

from .postgres_schema import DEFAULT_SCHEMA, migrate
from .store import ConnectedStore

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime


class BudgetState(NamedTuple):
    """A budget's remaining amount and its version, raised by every change (draw, refund, set)."""

    remaining: Decimal
    version: int


class PostgresStore(ConnectedStore["psycopg.Connection[tuple[Any, ...]]"]):
    """Quotas with reserve / confirm / release and budgets with draw, in PostgreSQL.

    ``dsn``: a libpq connection string or URI (``postgresql://user@host:5432/db``); ``schema``: the
    PostgreSQL schema holding the store's tables, created and migrated on first use.

    Outside :meth:`transaction` each call commits on its own; inside, its changes are part of the
    block and undone with it (the engine rolls back a statement that ends in ``error`` this way).
    Budget draws made while :attr:`scope` is set are recorded under it, so :meth:`refund` can give
    a scope's draws back, as :class:`~creatorpay.core.sqlite_store.SQLiteStore` does.

    One instance may be shared by threads (its calls are serialized); each process opens its own.
    """

    def __init__(self, dsn: str, *, schema: str = DEFAULT_SCHEMA, connect_timeout: int = 10) -> None:
        self.dsn = dsn
        self.schema = schema
        #: Budget draws made while set are recorded under it (see :meth:`refund`).
        self.scope: str | None = None
        self._lock = threading.RLock()
        self._conn: psycopg.Connection[tuple[Any, ...]] = psycopg.connect(
            dsn, autocommit=True, connect_timeout=connect_timeout
        )
        try:
            migrate(self._conn, schema)
            self._conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        except BaseException:
            self._conn.close()
            raise
        own = sql.Identifier(schema)
        self._reserve = sql.SQL("SELECT {}.reserve(%s, %s, %s, %s)").format(own).as_string(self._conn).encode()
        self._used = sql.SQL("SELECT {}.quota_row(%s, %s)").format(own).as_string(self._conn).encode()
        self._release = sql.SQL("SELECT {}.release(%s, %s)").format(own).as_string(self._conn).encode()
        self._draw = sql.SQL("SELECT {}.draw(%s, %s, %s, %s)").format(own).as_string(self._conn).encode()

    # -- connection and transactions ----------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
        """``BEGIN`` … ``COMMIT`` (rolled back on an exception); nested: a savepoint.

        Row locks taken by the calls inside are held until the block ends: keep it short.
        """
        with self._lock, self._conn.transaction():
            yield self._conn

    @contextmanager
    def scoped(self, scope: str) -> Iterator[None]:
        """Record the budget draws made inside the block under ``scope``."""
        with self._lock:
            previous, self.scope = self.scope, scope
            try:
                yield
            finally:
                self.scope = previous

    def _one(self, query: bytes, params: tuple[Any, ...]) -> Any:
        """The single value ``query`` returns: one statement, atomic on its own."""
        with self._lock:
            row = self._conn.execute(query, params).fetchone()
        assert row is not None
        return row[0]

    # -- quotas -------------------------------------------------------------------------------------

    def reserve(self, key: str, holder: str, limit: int, baseline: int = 0) -> bool:
        """Take a slot for ``holder`` if fewer than ``limit`` are used; True if it holds one now."""
        if baseline < 0:
            raise ValueError("a quota baseline is never negative")
        return bool(self._one(self._reserve, (key, holder, limit, baseline)))

    def confirm(self, key: str, holder: str) -> bool:
        """Make ``holder``'s reservation final (the submission went to review); True if it holds one.

        A confirmed slot stays used whatever the review decides (XT-CC-07); only :meth:`release`
        gives it back.
        """
        with self._lock:
            cursor = self._conn.execute(
                "UPDATE quota_slots SET state = 'confirmed' WHERE key = %s AND holder = %s", (key, holder)
            )
            return cursor.rowcount > 0

    def confirmed(self, key: str, holder: str) -> bool:
        """Whether ``holder``'s slot under ``key`` is confirmed."""
        with self._lock:
            row = self._conn.execute(
                "SELECT state FROM quota_slots WHERE key = %s AND holder = %s", (key, holder)
            ).fetchone()
            return row is not None and row[0] == "confirmed"

    def release(self, key: str, holder: str) -> bool:
        """Give ``holder``'s slot back, reserved or confirmed (an operator action); True if it held one."""
        return bool(self._one(self._release, (key, holder)))

    def used(self, key: str, baseline: int = 0) -> int:
        """How many slots are in use under ``key``: the baseline and every holder."""
        if baseline < 0:
            raise ValueError("a quota baseline is never negative")
        return int(self._one(self._used, (key, baseline)))

    # -- budgets ------------------------------------------------------------------------------------

    def draw(self, key: str, amount: Decimal, capacity: Decimal) -> Decimal:
        """Take up to ``amount`` from the budget; returns what was drawn (never below zero left)."""
        if amount < 0:
            raise ValueError("cannot draw a negative amount")
        drawn = self._one(self._draw, (key, amount, capacity, self.scope))
        assert isinstance(drawn, Decimal)
        return drawn

    def remaining(self, key: str, capacity: Decimal) -> Decimal:
        """What is left in the budget (``capacity`` for a key not drawn from yet)."""
        with self._lock:
            row = self._conn.execute("SELECT remaining FROM budgets WHERE key = %s", (key,)).fetchone()
        return capacity if row is None else Decimal(row[0])

    def refund(self, scope: str) -> dict[str, Decimal]:
        """Give back every budget what ``scope``'s draws took, net of earlier refunds; returns the
        amount given back per key. The draws are not erased: a negative draw records the refund.
        Two refunds of one scope at once wait for each other (an advisory lock): it is refunded once."""
        with self.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", ("creatorpay refund " + scope,))
            rows = conn.execute(
                "SELECT key, sum(amount) FROM budget_draws WHERE scope = %s GROUP BY key "
                "HAVING sum(amount) > 0 ORDER BY key",
                (scope,),
            ).fetchall()
            refunded = {key: Decimal(total) for key, total in rows}
            for key, total in refunded.items():
                conn.execute(
                    "UPDATE budgets SET remaining = remaining + %s, version = version + 1 WHERE key = %s", (total, key)
                )
                conn.execute("INSERT INTO budget_draws(key, scope, amount) VALUES (%s, %s, %s)", (key, scope, -total))
            return refunded

    # -- compare-and-set, for a driver that resolves budgets itself (the Spark driver) -------------

    def budget(self, key: str, capacity: Decimal) -> BudgetState:
        """The budget's remaining amount and version, creating it full at version 0 if new."""
        with self._lock:
            self._conn.execute(
                "INSERT INTO budgets(key, capacity, remaining) VALUES (%s, %s, %s) ON CONFLICT (key) DO NOTHING",
                (key, capacity, capacity),
            )
            row = self._conn.execute("SELECT remaining, version FROM budgets WHERE key = %s", (key,)).fetchone()
        assert row is not None
        remaining, version = row
        return BudgetState(Decimal(remaining), int(version))

    def cas_remaining(self, key: str, expected_version: int, new_remaining: Decimal) -> bool:
        """Set the budget's remaining amount to ``new_remaining`` if its version is still
        ``expected_version`` (read with :meth:`budget`); True if set (the version is then one higher).
        False if anyone changed it since: read it again and recompute. Never below zero."""
        if new_remaining < 0:
            raise ValueError("a budget's remaining amount is never below zero")
        with self._lock:
            cursor = self._conn.execute(
                "UPDATE budgets SET remaining = %s, version = version + 1 WHERE key = %s AND version = %s",
                (new_remaining, key, expected_version),
            )
            return cursor.rowcount == 1

    # -- the run registry ---------------------------------------------------------------------------

    def begin_run(self, run: str) -> bool:
        """Register ``run`` as running; True if it may be written now (new, or begun and never
        committed: a driver restarting it), False if it was committed already."""
        with self._lock:
            self._conn.execute("INSERT INTO runs(id, state) VALUES (%s, 'running') ON CONFLICT (id) DO NOTHING", (run,))
            row = self._conn.execute("SELECT state FROM runs WHERE id = %s", (run,)).fetchone()
        return row is not None and row[0] == "running"

    def commit_run(self, run: str) -> bool:
        """Publish ``run``: True if this call committed it, False if it was committed already (of
        two drivers committing one run at once, exactly one gets True). Inside :meth:`transaction`,
        it commits with the block (e.g. with the budgets' :meth:`cas_remaining`)."""
        with self._lock:
            cursor = self._conn.execute(
                "UPDATE runs SET state = 'committed', committed_at = clock_timestamp() "
                "WHERE id = %s AND state = 'running'",
                (run,),
            )
            if cursor.rowcount == 1:
                return True
            if self._conn.execute("SELECT 1 FROM runs WHERE id = %s", (run,)).fetchone() is None:
                raise LookupError(f"run {run!r} was never begun (begin_run)")
            return False

    def committed_runs(self) -> list[tuple[str, datetime]]:
        """The committed runs, (id, committed_at), in the order they were committed: what readers read."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, committed_at FROM runs WHERE state = 'committed' ORDER BY committed_at, id"
            ).fetchall()
        return [(str(run), when) for run, when in rows]


__all__ = ["BudgetState", "PostgresStore"]
