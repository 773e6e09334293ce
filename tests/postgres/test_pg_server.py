"""The tests' own PostgreSQL: a test that needs it skips with the reason where it is missing, but
fails under CI, never passing silently; the server is stopped and its folder removed after."""

from __future__ import annotations

import glob
import os
import tempfile

import psycopg
import pytest

from tests import services
from tests.postgres.server import temporary_server


def test_missing_binaries_skip_locally_and_fail_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "binaries", lambda: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="initdb and pg_ctl were not found"):
        services.require_postgres()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the PostgreSQL tests"):
        services.require_postgres()


def test_a_server_is_stopped_and_removed_after_its_block(dsn: str) -> None:
    pattern = os.path.join(tempfile.gettempdir(), "creatorpay-pg-*")
    before = set(glob.glob(pattern))
    with temporary_server() as other:
        with psycopg.connect(other) as conn:
            assert conn.execute("SELECT inet_server_addr()::text").fetchone() == ("127.0.0.1/32",)
        made = set(glob.glob(pattern)) - before
        assert len(made) == 1
    assert not set(glob.glob(pattern)) - before
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(other, connect_timeout=2)
