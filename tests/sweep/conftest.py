"""The sweep's fixtures: an engine with the installed platforms, and the override that makes
WC-TIP-03 marginal (no cliff); the sweep command runs without the user's CLI defaults."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from creatorpay.core import Engine
from tests.helpers import without_user_defaults

if TYPE_CHECKING:
    from collections.abc import Iterator
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


@pytest.fixture(scope="module", autouse=True)
def no_user_defaults(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """``creatorpay sweep`` runs without the user's defaults (an empty config folder, no ``CREATORPAY_*``
    defaults); per module, so that hypothesis's tests (which refuse function-scoped fixtures) are too."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        without_user_defaults(monkeypatch, tmp_path_factory.mktemp("config"))
        yield
