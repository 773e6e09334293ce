"""The ledger's fixtures: each store implementation in turn (the Store protocol holds for both);
``creatorpay settle`` and ``ledger`` run without the user's CLI defaults. Builders of events,
creators and runs are plain functions in ledger_support.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from creatorpay.core import MemoryStore, Store
from creatorpay.core.sqlite_store import SQLiteStore
from tests.user_defaults import no_user_defaults  # noqa: F401 (autouse: importing it applies it here)

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(params=["sqlite", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """A SQLiteStore on a new file, then a MemoryStore."""
    return SQLiteStore(tmp_path / "s.sqlite") if request.param == "sqlite" else MemoryStore()
