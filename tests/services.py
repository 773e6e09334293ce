"""What the suite's real parts need from the machine: PostgreSQL (tests/postgres/server.py) and Java with
pyspark (tests/spark/). A test that needs one never passes silently without it: where it is missing the
test skips with the reason, and fails instead when ``CI`` is set (``.ci/services`` installs them there).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

from tests.postgres.server import binaries


def postgres_missing() -> str | None:
    """Why the PostgreSQL tests cannot run here; None when they can."""
    if importlib.util.find_spec("psycopg") is None:
        return "psycopg is not installed (pip install -e '.[postgres]')"
    if binaries() is None:
        return (
            "PostgreSQL's initdb and pg_ctl were not found (PATH, /usr/lib/postgresql/*/bin): "
            "apt-get install postgresql"
        )
    return None


def java() -> Path | None:
    """The ``java`` Spark would start: ``$JAVA_HOME/bin/java``, else the one on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return Path(home) / "bin" / "java"
    found = shutil.which("java")
    return Path(found) if found else None


def spark_missing() -> str | None:
    """Why the Spark tests cannot run here; None when they can."""
    for module in ("pyspark", "pyarrow", "pandas"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (pip install -e '.[spark]')"
    if java() is None:
        return "Java was not found (JAVA_HOME, PATH), which Spark runs on: apt-get install openjdk-17-jre-headless"
    return None


def require(what: str, missing: str | None) -> None:
    """Skip the test (fail it under ``CI``) when ``missing`` says why ``what`` cannot run here."""
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the {what} tests: {missing}")
        pytest.skip(missing)


def require_postgres() -> None:
    """Skip the test (fail it under ``CI``) where PostgreSQL or psycopg is missing."""
    require("PostgreSQL", postgres_missing())


def require_spark() -> None:
    """Skip the test (fail it under ``CI``) where Java, pyspark, pyarrow or pandas is missing."""
    require("Spark", spark_missing())
