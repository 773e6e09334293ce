"""The Parquet ledger's run registry in PostgreSQL (``settle --engine local --registry DSN``):
runs are published by PostgresStore's ``commit_run``, readers read its committed runs, and the
ledger reads as with its ``runs.json`` registry."""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING

import pytest

from creatorpay.core import Engine

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pyarrow") is None, reason="pyarrow is not installed (pip install -e '.[scale]')"
)


def test_runs_committed_in_postgres_read_as_with_the_file_registry(tmp_path: Path, dsn: str, schema: str) -> None:
    import io

    from creatorpay.core.postgres_store import PostgresStore
    from creatorpay.core.scale.local import LocalDriver
    from creatorpay.core.scale.parquet import ParquetLedger
    from tests.scale.scale_support import month

    events, people, rules = month(tmp_path / "m", events=800)
    lines = events.read_text(encoding="utf-8").splitlines(keepends=True)
    first, late = tmp_path / "first.jsonl", tmp_path / "late.jsonl"
    first.write_text("".join(lines[:700]), encoding="utf-8")
    late.write_text("".join(lines[700:]), encoding="utf-8")
    exports = []
    for folder, registry in ((tmp_path / "pg", dsn), (tmp_path / "file", None)):
        ledger = ParquetLedger(folder, dsn=registry, schema=schema)
        try:
            for part in (first, late):
                assert LocalDriver(ledger, engine=Engine(rules=rules)).run(part, people).balanced
            out = io.StringIO()
            ledger.export(out, "csv")
            exports.append(out.getvalue())
            assert ledger.verify()[1] == []
        finally:
            ledger.close()
    assert exports[0] == exports[1]
    assert not (tmp_path / "pg" / "runs.json").exists()
    with PostgresStore(dsn, schema=schema) as store:
        assert [run for run, _ in store.committed_runs()] == ["1", "2"]
        store.begin_run("3")  # begun, never committed: not read
    ledger = ParquetLedger(tmp_path / "pg", dsn=dsn, schema=schema)
    try:
        assert ledger.committed() == [1, 2]
    finally:
        ledger.close()
