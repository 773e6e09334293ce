"""The PostgreSQL store's schema and its versioned migrations (:mod:`.postgres_store`).

Everything lives in one PostgreSQL schema (``creatorpay`` unless the caller names another), so the
store can share a database with a service's own tables. The schema's ``schema_version`` table holds
the number of migrations applied. :func:`migrate` applies the missing ones in one transaction under
an advisory lock (per schema), so two processes opening a new database at once never both migrate
it: the second waits, reads the version again and finds nothing to do.

Money is ``NUMERIC`` with no fixed scale: exact (never a float), and a budget keeps the decimal
places it was given, so a draw answers the very ``Decimal`` :class:`~.sqlite_store.SQLiteStore`
answers (``100`` stays ``100``, ``60.00`` stays ``60.00``; a fixed ``NUMERIC(20,2)`` would turn the
first into ``100.00`` in a statement's facts and round a third decimal place away). The store's
calls are server-side functions, one statement each: atomic on their own, one round trip per call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

from .errors import SchemaError

if TYPE_CHECKING:
    from collections.abc import Callable

#: The PostgreSQL schema the store uses unless told otherwise.
DEFAULT_SCHEMA = "creatorpay"

#: Migration n (1-based) brings the version from n-1 to n: SQL text, or a function of the connection,
#: run inside the migration's transaction with ``search_path`` set to the store's schema.
MIGRATIONS: tuple[str | Callable[[psycopg.Connection[tuple[object, ...]]], None], ...] = (
    # 1: quotas (XT-CC-06/07) and budgets (NE-BUDGET-01) with their draws, and the functions that
    # change them. A quota row counts its slots (``slots``) and is locked (FOR UPDATE) by every call
    # that adds or removes one; a budget row carries a version, raised by every change, for
    # compare-and-set.
    """
    CREATE TABLE quotas (
        key TEXT PRIMARY KEY,
        baseline BIGINT NOT NULL CHECK (baseline >= 0),
        slots BIGINT NOT NULL DEFAULT 0 CHECK (slots >= 0)
    );
    CREATE TABLE quota_slots (
        key TEXT NOT NULL REFERENCES quotas(key),
        holder TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('reserved', 'confirmed')),
        PRIMARY KEY (key, holder)
    );
    CREATE TABLE budgets (
        key TEXT PRIMARY KEY,
        capacity NUMERIC NOT NULL,
        remaining NUMERIC NOT NULL CHECK (remaining >= 0),
        version BIGINT NOT NULL DEFAULT 0
    );
    CREATE TABLE budget_draws (
        id BIGSERIAL PRIMARY KEY,
        key TEXT NOT NULL REFERENCES budgets(key),
        scope TEXT NOT NULL,
        amount NUMERIC NOT NULL
    );
    CREATE INDEX budget_draws_scope ON budget_draws(scope);

    CREATE FUNCTION quota_row(p_key TEXT, p_baseline BIGINT) RETURNS BIGINT
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
    DECLARE found_used BIGINT;
    BEGIN
        SELECT baseline + slots INTO found_used FROM quotas WHERE key = p_key FOR UPDATE;
        IF NOT FOUND THEN
            INSERT INTO quotas(key, baseline) VALUES (p_key, p_baseline) ON CONFLICT (key) DO NOTHING;
            SELECT baseline + slots INTO found_used FROM quotas WHERE key = p_key FOR UPDATE;
        END IF;
        RETURN found_used;
    END $$;

    CREATE FUNCTION reserve(p_key TEXT, p_holder TEXT, p_limit BIGINT, p_baseline BIGINT) RETURNS BOOLEAN
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
    DECLARE found_used BIGINT;
    BEGIN
        found_used := quota_row(p_key, p_baseline);
        PERFORM 1 FROM quota_slots WHERE key = p_key AND holder = p_holder;
        IF FOUND THEN
            RETURN TRUE;
        END IF;
        IF found_used >= p_limit THEN
            RETURN FALSE;
        END IF;
        INSERT INTO quota_slots(key, holder, state) VALUES (p_key, p_holder, 'reserved');
        UPDATE quotas SET slots = slots + 1 WHERE key = p_key;
        RETURN TRUE;
    END $$;

    CREATE FUNCTION release(p_key TEXT, p_holder TEXT) RETURNS BOOLEAN
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
    BEGIN
        PERFORM 1 FROM quotas WHERE key = p_key FOR UPDATE;
        DELETE FROM quota_slots WHERE key = p_key AND holder = p_holder;
        IF NOT FOUND THEN
            RETURN FALSE;
        END IF;
        UPDATE quotas SET slots = slots - 1 WHERE key = p_key;
        RETURN TRUE;
    END $$;

    CREATE FUNCTION draw(p_key TEXT, p_amount NUMERIC, p_capacity NUMERIC, p_scope TEXT) RETURNS NUMERIC
    LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
    DECLARE have NUMERIC; avail NUMERIC; got NUMERIC;
    BEGIN
        SELECT remaining INTO have FROM budgets WHERE key = p_key FOR UPDATE;
        IF NOT FOUND THEN
            INSERT INTO budgets(key, capacity, remaining) VALUES (p_key, p_capacity, p_capacity)
            ON CONFLICT (key) DO NOTHING;
            SELECT remaining INTO have FROM budgets WHERE key = p_key FOR UPDATE;
        END IF;
        -- Python's min(amount, max(left, 0)), which keeps the first of equal values (and its places).
        avail := CASE WHEN have >= 0 THEN have ELSE 0 END;
        got := CASE WHEN p_amount <= avail THEN p_amount ELSE avail END;
        IF got <> 0 THEN
            UPDATE budgets SET remaining = have - got, version = version + 1 WHERE key = p_key;
            IF p_scope IS NOT NULL THEN
                INSERT INTO budget_draws(key, scope, amount) VALUES (p_key, p_scope, got);
            END IF;
        END IF;
        RETURN got;
    END $$;
    """,
    # 2: the run registry: a run (of the Spark driver) is published by committing its row; readers
    # read only committed runs.
    """
    CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('running', 'committed')),
        started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        committed_at TIMESTAMPTZ,
        CHECK ((state = 'committed') = (committed_at IS NOT NULL))
    );
    """,
)


#: The advisory lock's first key (the second is the schema name's hash): "cp" in ASCII.
LOCK_CLASS = 0x6370


def version(conn: psycopg.Connection[tuple[object, ...]], schema: str = DEFAULT_SCHEMA) -> int:
    """The number of migrations applied to ``schema`` (0: no creatorpay schema there yet)."""
    # A query on the catalog, not to_regclass: that reads a per-connection cache which may not yet
    # show what another process just committed.
    table = conn.execute(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relname = 'schema_version'",
        (schema,),
    ).fetchone()
    if table == (0,):
        return 0
    row = conn.execute(sql.SQL("SELECT version FROM {}").format(sql.Identifier(schema, "schema_version"))).fetchone()
    if row is None or not isinstance(row[0], int):
        raise SchemaError(f"PostgreSQL schema {schema!r} has an empty schema_version table: not a creatorpay store")
    return row[0]


def migrate(
    conn: psycopg.Connection[tuple[object, ...]], schema: str = DEFAULT_SCHEMA, target: int | None = None
) -> int:
    """Bring ``schema`` to migration ``target`` (all of them by default) in one transaction under an
    advisory lock; returns the version now in force. ``conn`` must not be inside a transaction."""
    goal = len(MIGRATIONS) if target is None else target
    current = version(conn, schema)
    _known(current)
    if current >= goal:
        return current
    # The lock is taken before the transaction begins, so that the transaction sees the catalog as
    # the process that held the lock before left it.
    conn.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", (LOCK_CLASS, schema))
    try:
        with conn.transaction():
            current = version(conn, schema)  # again, under the lock: another process may have migrated
            _known(current)
            if current == 0:
                _create(conn, schema)
            conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(sql.Identifier(schema)))
            while current < goal:
                step = MIGRATIONS[current]
                if callable(step):
                    step(conn)
                else:
                    conn.execute(step.encode())
                current += 1
                conn.execute("UPDATE schema_version SET version = %s", (current,))
    finally:
        if not conn.closed:
            conn.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", (LOCK_CLASS, schema))
    return current


def _create(conn: psycopg.Connection[tuple[object, ...]], schema: str) -> None:
    """Create the schema and its version table at 0; refuse a schema holding tables of its own."""
    if conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone() is None:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    row = conn.execute(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p', 'v')",
        (schema,),
    ).fetchone()
    if row is not None and row[0]:
        raise SchemaError(
            f"PostgreSQL schema {schema!r} has tables of its own and no creatorpay schema version: "
            "name another schema for the store"
        )
    conn.execute(sql.SQL("CREATE TABLE {} (version INTEGER NOT NULL)").format(sql.Identifier(schema, "schema_version")))
    conn.execute(sql.SQL("INSERT INTO {} VALUES (0)").format(sql.Identifier(schema, "schema_version")))


def _known(current: int) -> None:
    """Refuse a version newer than the migrations known, or impossible (below 0: damaged)."""
    if current > len(MIGRATIONS):
        raise SchemaError(
            f"store schema version {current} is newer than this creatorpay knows "
            f"({len(MIGRATIONS)}); upgrade creatorpay"
        )
    if current < 0:
        raise SchemaError(f"store schema version {current} is not one creatorpay writes (0 to {len(MIGRATIONS)})")


__all__ = ["DEFAULT_SCHEMA", "MIGRATIONS", "SchemaError", "migrate", "version"]
