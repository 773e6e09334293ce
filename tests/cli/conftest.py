"""The command-line tests run without the user's defaults: no ``creatorpay.toml`` from the user
config folder and no ``CREATORPAY_RULES``/``_PLATFORM``/``_FORMAT``/``_CPM`` (docs/cli.md)."""

from __future__ import annotations

import pytest

from tests.helpers import without_user_defaults


@pytest.fixture(autouse=True)
def no_user_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """An empty user config folder and no default variables, for each test."""
    without_user_defaults(monkeypatch, tmp_path_factory.mktemp("config"))
