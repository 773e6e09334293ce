"""PostgresStore's migrations, versioned in code (core/postgres_schema.py): a fresh schema, an
up-to-date one, an older one, a newer one, and a schema that is not the store's. Two processes
migrating at once: tests/postgres/test_pg_concurrency.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import psycopg
import pytest

from creatorpay.core.postgres_schema import MIGRATIONS, SchemaError, migrate, version
from creatorpay.core.postgres_store import PostgresStore


def tables(conn: psycopg.Connection[Any], schema: str) -> list[str]:
    rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", (schema,))
    return [row[0] for row in rows]


def test_a_fresh_schema_gets_every_migration_and_an_up_to_date_one_is_left_alone(dsn: str, schema: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        assert version(conn, schema) == 0
        assert migrate(conn, schema) == len(MIGRATIONS) == version(conn, schema)
        assert tables(conn, schema) == ["budget_draws", "budgets", "quota_slots", "quotas", "runs", "schema_version"]
        with PostgresStore(dsn, schema=schema) as store:
            store.draw("b", Decimal("1.00"), Decimal("5.00"))
        assert migrate(conn, schema) == len(MIGRATIONS)  # nothing to do: the data stays
        with PostgresStore(dsn, schema=schema) as store:
            assert store.remaining("b", Decimal("5.00")) == Decimal("4.00")


def test_an_older_schema_is_brought_up_to_date_keeping_its_data(dsn: str, schema: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        assert migrate(conn, schema, target=1) == 1
        assert "runs" not in tables(conn, schema)
        conn.execute(f"SELECT {schema}.reserve('q', 'o1', 2, 1)")
        with PostgresStore(dsn, schema=schema) as store:  # migrates the rest
            assert version(conn, schema) == len(MIGRATIONS)
            assert store.used("q") == 2 and store.begin_run("r1")


def test_a_newer_schema_and_a_foreign_one_are_refused(dsn: str, schema: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        migrate(conn, schema)
        conn.execute(f"UPDATE {schema}.schema_version SET version = {len(MIGRATIONS) + 1}")
        with pytest.raises(SchemaError, match="newer"):
            PostgresStore(dsn, schema=schema)
        conn.execute(f"CREATE SCHEMA {schema}_app")
        conn.execute(f"CREATE TABLE {schema}_app.orders (id INTEGER)")
        with pytest.raises(SchemaError, match="tables of its own"):
            PostgresStore(dsn, schema=f"{schema}_app")
        assert tables(conn, f"{schema}_app") == ["orders"]  # nothing created in it


def test_the_store_shares_a_database_with_other_schemas(dsn: str, schema: str) -> None:
    """Two stores in two schemas of one database are independent (a service keeps its own tables)."""
    with PostgresStore(dsn, schema=schema) as one, PostgresStore(dsn, schema=schema + "_b") as other:
        assert one.reserve("q", "o1", limit=1) and other.reserve("q", "o2", limit=1)
        assert one.draw("b", Decimal(3), Decimal(3)) == 3 and other.remaining("b", Decimal(3)) == 3
