"""NetEase's fixture: the engine its tests settle with (netease_support.ENGINE, built once with the
installed platforms); scenarios and settling are plain functions in netease_support.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.netease.netease_support import ENGINE

if TYPE_CHECKING:
    from creatorpay.core import Engine


@pytest.fixture(scope="session")
def engine() -> Engine:
    return ENGINE
