"""The sweep's fixtures: an engine with the installed platforms, and the override that makes
WC-TIP-03 marginal (no cliff); the sweep command runs without the user's CLI defaults."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from creatorpay.core import Engine
from tests.user_defaults import no_user_defaults  # noqa: F401 (autouse: importing it applies it here)

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine()


@pytest.fixture(scope="module")
def marginal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A rules override file setting WC-TIP-03's mode to ``marginal``."""
    path = tmp_path_factory.mktemp("rules") / "marginal.toml"
    path.write_text('[wechat_channels."WC-TIP-03"]\nmode = "marginal"\n', encoding="utf-8")
    return path
