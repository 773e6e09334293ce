"""The kit's shared fixture: the demo plugin in a venv of its own, made once per test run."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest

from tests.kit.kit_support import DEMO, make_venv

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="session")
def demo_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a venv where examples/plugins/creatorpay-demo-platform is installed (editable, a
    copy): the demo's tests and the tests that compare it run there, never in the user's environment."""
    start = time.perf_counter()
    python = make_venv(DEMO, tmp_path_factory.mktemp("demo"))
    print(f"demo venv made in {time.perf_counter() - start:.1f} s")  # shown with -s
    return python
