"""The fixture that runs a folder's CLI tests without the user's defaults, imported by the conftest
of each folder that runs the command line (core, fuzz, ledger, sweep; tests/cli has a per-test one)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.helpers import without_user_defaults

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="module", autouse=True)
def no_user_defaults(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every command runs without the user's defaults (an empty config folder, no ``CREATORPAY_*``
    defaults); per module, so that hypothesis's tests (which refuse function-scoped fixtures) are too."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        without_user_defaults(monkeypatch, tmp_path_factory.mktemp("config"))
        yield
