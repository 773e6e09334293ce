"""The command-line tests run without the user's defaults: no ``creatorpay.toml`` from the user
config folder and no ``CREATORPAY_RULES``/``_PLATFORM``/``_FORMAT``/``_CPM`` (docs/cli.md)."""

from __future__ import annotations

import pytest

DEFAULT_VARIABLES = ("CREATORPAY_RULES", "CREATORPAY_PLATFORM", "CREATORPAY_FORMAT", "CREATORPAY_CPM")


@pytest.fixture(autouse=True)
def no_user_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """An empty user config folder (click.get_app_dir reads XDG_CONFIG_HOME) and no default variables."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
    for name in DEFAULT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
