"""Shared fixtures and the hypothesis profiles (chosen by ``HYPOTHESIS_PROFILE``)."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

from tests.helpers import BUILT_IN_PLUGINS, EXAMPLES, ROOT
from tests.postgres.server import temporary_server
from tests.services import require_postgres

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

# Each property test bounds its own max_examples (seconds per test); the profiles set the rest.
# No deadline anywhere: the machines are shared, and a slow example is not a wrong one.
settings.register_profile("dev", deadline=None)
#: CI: the same examples on every run (a failure reproduces), printed so it can be replayed.
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True, database=None)
#: deep: twenty times each test's own bound (tests.helpers.examples), when hunting a bug by hand.
settings.register_profile("deep", deadline=None, max_examples=2000)  # tests with no bound of their own
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


#: The caches (core/cache.py, core/codecache.py) in a folder of this test session, never the user's.
#: Set as this file is imported, before any conftest or test module imports the core: the core reads
#: attrs' cached code as its classes are built. Removed, and the settings given back, at the end.
_CACHE_SETTINGS = ("CREATORPAY_CACHE_DIR", "CREATORPAY_NO_CACHE")
_cache_before = {name: os.environ.get(name) for name in _CACHE_SETTINGS}
os.environ["CREATORPAY_CACHE_DIR"] = tempfile.mkdtemp(prefix="creatorpay-test-cache-")
os.environ.pop("CREATORPAY_NO_CACHE", None)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the session's cache folder and give back the settings it replaced."""
    shutil.rmtree(os.environ.get("CREATORPAY_CACHE_DIR", ""), ignore_errors=True)
    for name, value in _cache_before.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


@pytest.fixture
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """From the project root, where the examples and docs name their files relative to it."""
    monkeypatch.chdir(ROOT)


@pytest.fixture
def built_in_at_root(at_root: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """From the project root, on the built-in platforms only (another plugin may be installed)."""
    monkeypatch.setenv("CREATORPAY_LOAD_PLUGINS", BUILT_IN_PLUGINS)
    monkeypatch.delenv("CREATORPAY_DISABLE_PLUGINS", raising=False)


@pytest.fixture(scope="session")
def dsn() -> Iterator[str]:
    """The DSN of a PostgreSQL server started for this session when a test first needs it (tests/postgres/,
    tests/spark/), stopped after (also on failure); skipped where missing, failed under CI (tests/services.py)."""
    require_postgres()
    with temporary_server({"fsync": "off"}) as found:
        yield found


@pytest.fixture
def schema() -> str:
    """A fresh PostgreSQL schema name: each test's store starts empty."""
    return "t_" + uuid.uuid4().hex[:16]
