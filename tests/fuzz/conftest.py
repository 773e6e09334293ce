"""The fuzzed command line runs without the user's CLI defaults (a ``creatorpay.toml`` or a
``CREATORPAY_RULES`` of theirs would change what every generated input is settled with)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.helpers import without_user_defaults

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="module", autouse=True)
def no_user_defaults(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every fuzzed command runs without the user's defaults (an empty config folder, no ``CREATORPAY_*``
    defaults); per module, so that hypothesis's tests (which refuse function-scoped fixtures) are too."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        without_user_defaults(monkeypatch, tmp_path_factory.mktemp("config"))
        yield
