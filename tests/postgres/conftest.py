"""PostgresStore's tests start their own PostgreSQL server once per session (tests/postgres/server.py).

A test that needs PostgreSQL never passes silently without it: where psycopg or the server's
binaries are missing it skips with the reason, and fails instead when ``CI`` is set.
"""

from __future__ import annotations

import importlib.util
import os
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from tests.postgres.server import binaries, temporary_server

if TYPE_CHECKING:
    from collections.abc import Iterator


def _unavailable() -> str | None:
    if importlib.util.find_spec("psycopg") is None:
        return "psycopg is not installed (pip install -e '.[postgres]')"
    if binaries() is None:
        return (
            "PostgreSQL's initdb and pg_ctl were not found (PATH, /usr/lib/postgresql/*/bin): "
            "apt-get install postgresql"
        )
    return None


def require_postgres() -> None:
    """Skip the test (fail it under ``CI``) where PostgreSQL or psycopg is missing."""
    missing = _unavailable()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests: {missing}")
        pytest.skip(missing)


@pytest.fixture(scope="session")
def dsn() -> Iterator[str]:
    """The DSN of a PostgreSQL server started for this session, stopped after (also on failure)."""
    require_postgres()
    with temporary_server({"fsync": "off"}) as found:
        yield found


@pytest.fixture
def schema() -> str:
    """A fresh PostgreSQL schema name: each test's store starts empty."""
    return "t_" + uuid.uuid4().hex[:16]


@pytest.fixture
def pg_store(dsn: str, schema: str) -> Iterator[Any]:
    from creatorpay.core.postgres_store import PostgresStore

    with PostgresStore(dsn, schema=schema) as store:
        yield store
