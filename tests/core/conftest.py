"""The core's fixtures: the fake platform of fakes.py (the core is tested on fakes, each platform on
its own folder); the commands some core tests run go without the user's CLI defaults."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.core.fakes import fake_platform
from tests.helpers import without_user_defaults

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture
def fake(tmp_path: Path) -> object:
    """The fake platform plugin: tips pay FK-TIP-01's share (0.80 from 2024), its rule file in ``tmp_path``."""
    return fake_platform(tmp_path)


@pytest.fixture(scope="module", autouse=True)
def no_user_defaults(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The commands core tests run (``compare``, ``rules``) run without the user's defaults (an empty
    config folder, no ``CREATORPAY_*`` defaults); per module, so that hypothesis's tests (which refuse
    function-scoped fixtures) are too."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        without_user_defaults(monkeypatch, tmp_path_factory.mktemp("config"))
        yield
