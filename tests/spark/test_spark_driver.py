"""The Spark driver (``settle --engine spark``) on Spark local[2] against ``creatorpay settle`` and the
local driver: the same export to the byte on generated months with malformed rows, re-sent duplicates,
conflicting ids and both shared budgets (NE-BUDGET-01, WC-COLD-01) exhausted part-way; the
reconciliation holds; late events; a run's folder rewritten with the same bytes."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from tests.scale.scale_support import export, month, settle

if TYPE_CHECKING:
    from pathlib import Path


def test_spark_export_is_byte_identical_to_sqlite_and_local(spark: Any, tmp_path: Path) -> None:
    """NE-BUDGET-01 and WC-COLD-01 exhausted part-way, malformed rows, duplicates and conflicting ids:
    Spark's export, rejects file and counts are settle's and the local driver's."""
    events, people, rules = month(tmp_path / "m")
    sqlite = settle(events, people, "--db", str(tmp_path / "l.sqlite"), rules=rules, rejects=tmp_path / "a.csv")
    local = settle(
        events, people, "--engine", "local", "--ledger", str(tmp_path / "pq"), rules=rules, rejects=tmp_path / "b.csv"
    )
    on_spark = settle(
        events, people, "--engine", "spark", "--ledger", str(tmp_path / "sp"), rules=rules, rejects=tmp_path / "c.csv"
    )
    for result in (sqlite, local, on_spark):
        assert result.exit_code == 0, result.output
    one, three = json.loads(sqlite.output), json.loads(on_spark.output)
    for key in ("rows_read", "settled", "duplicates", "rejected", "conflicts", "units", "statements", "cash"):
        assert one[key] == three[key], key
    assert three["conflicts"] > 0
    assert three["duplicates"] > 0
    assert three["reconciliation"]["counts_balance"]
    assert three["reconciliation"]["cash_balance"]
    for fmt in ("csv", "json"):
        expected = export("--db", str(tmp_path / "l.sqlite"), fmt=fmt)
        assert export("--ledger", str(tmp_path / "sp"), fmt=fmt) == expected
        assert export("--ledger", str(tmp_path / "pq"), fmt=fmt) == expected
    assert (tmp_path / "c.csv").read_bytes() == (tmp_path / "a.csv").read_bytes()
