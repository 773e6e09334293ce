"""PostgresStore's tests: a store in a fresh schema per test on the session's server (the ``dsn`` and
``schema`` fixtures of tests/conftest.py, shared with tests/spark/)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def pg_store(dsn: str, schema: str) -> Iterator[Any]:
    from creatorpay.core.postgres_store import PostgresStore

    with PostgresStore(dsn, schema=schema) as store:
        yield store
