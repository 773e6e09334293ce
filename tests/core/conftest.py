"""The core's fixtures: the fake platform of fakes.py (the core is tested on fakes, each platform on
its own folder); the commands some core tests run go without the user's CLI defaults."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.core.fakes import fake_platform
from tests.user_defaults import no_user_defaults  # noqa: F401 (autouse: importing it applies it here)

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def fake(tmp_path: Path) -> object:
    """The fake platform plugin: tips pay FK-TIP-01's share (0.80 from 2024), its rule file in ``tmp_path``."""
    return fake_platform(tmp_path)
