"""The core's fixtures: the fake platform of fakes.py (the core is tested on fakes, each platform on
its own folder); the commands some core tests run go without the user's CLI defaults."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from creatorpay.core import cache
from tests.core.fakes import fake_platform
from tests.user_defaults import no_user_defaults  # noqa: F401 (autouse: importing it applies it here)

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def fake(tmp_path: Path) -> object:
    """The fake platform plugin: tips pay FK-TIP-01's share (0.80 from 2024), its rule file in ``tmp_path``."""
    return fake_platform(tmp_path)


@pytest.fixture
def cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of the test's own (core/cache.py's rule files and books)."""
    made = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV, str(made))
    monkeypatch.delenv(cache.NO_CACHE_ENV, raising=False)
    return made
