"""The scale tests need pyarrow (``pip install -e '.[scale]'``): without it they skip with the
reason, and fail instead when ``CI`` is set (CI installs the extra)."""

from __future__ import annotations

import importlib.util
import os

import pytest


@pytest.fixture(autouse=True)
def _pyarrow() -> None:
    if importlib.util.find_spec("pyarrow") is None:
        missing = "pyarrow is not installed (pip install -e '.[scale]')"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the scale tests: {missing}")
        pytest.skip(missing)
