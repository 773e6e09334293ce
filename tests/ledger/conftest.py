"""The ledger's fixtures: each store implementation in turn (the Store protocol holds for both);
``creatorpay settle`` and ``ledger`` run without the user's CLI defaults. Builders of events,
creators and runs are plain functions in ledger_support.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from creatorpay.core import MemoryStore, Store
from creatorpay.core.sqlite_store import SQLiteStore
from tests.helpers import without_user_defaults

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture(params=["sqlite", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """A SQLiteStore on a new file, then a MemoryStore."""
    return SQLiteStore(tmp_path / "s.sqlite") if request.param == "sqlite" else MemoryStore()


@pytest.fixture(scope="module", autouse=True)
def no_user_defaults(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """``creatorpay settle`` and ``ledger`` run without the user's defaults (an empty config folder, no ``CREATORPAY_*``
    defaults); per module, so that hypothesis's tests (which refuse function-scoped fixtures) are too."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        without_user_defaults(monkeypatch, tmp_path_factory.mktemp("config"))
        yield
