"""Shared helpers for the scale tests: a generated month whose shared budgets run out part-way,
and both engines run on it through the command line."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from tests.cli.cli_support import invoke
from tests.helpers import ROOT

if TYPE_CHECKING:
    from pathlib import Path

    from click.testing import Result

sys.path.insert(0, str(ROOT / "bench"))
from generate_month import generate

#: Rules that make both shared budgets run out part-way through a generated month of a few thousand
#: events: NetEase's program-year cash (NE-BUDGET-01, the program year from 2025-12-25 holds
#: 2026-10) and WeChat's cold-start pool (WC-COLD-01: 100,000 impressions a new anchor, 700,000 in all).
TIGHT = """\
[netease."NE-BUDGET-01"]
later_cash = "300000.00"

[wechat_channels."WC-COLD-01"]
impressions = 100000
pool_impressions = 700000
"""


def month(folder: Path, *, events: int = 3000, seed: int = 5, fmt: str = "jsonl") -> tuple[Path, Path, Path]:
    """A generated month with malformed rows, re-sent duplicates and conflicting ids, and the
    rules file that exhausts both shared budgets part-way: (events, creators, rules)."""
    found = generate(
        folder,
        events=events,
        creators=events // 10,
        seed=seed,
        fmt=fmt,
        malformed=events // 150,
        duplicates=events // 100,
        conflicts=events // 200,
    )
    rules = folder / "tight.toml"
    rules.write_text(TIGHT, encoding="utf-8")
    return found[0], found[1], rules


def settle(events: Path, people: Path, *where: str, rules: Path | None = None, rejects: Path | None = None) -> Result:
    """``creatorpay settle`` in-process with a JSON summary; ``where``: --db FILE or --engine local --ledger DIR."""
    extra = [*(["--rules", str(rules)] if rules else []), *(["--rejects", str(rejects)] if rejects else [])]
    return invoke("settle", str(events), "--creators", str(people), "--format", "json", *where, *extra)


def export(*where: str, fmt: str = "csv") -> str:
    """``creatorpay ledger export`` of a ledger, as text."""
    result = invoke("ledger", "export", *where, "--format", fmt)
    assert result.exit_code == 0, result.output
    return result.output


def table_values(folder: Path) -> dict[str, dict[str, list[Any]]]:
    """Every table file of a ledger's runs, by path, as its columns' values (Spark's files and the
    local driver's differ in bytes and in the columns' nullability, not in their rows)."""
    import pyarrow.parquet as pq

    return {
        str(path.relative_to(folder)): pq.read_table(path).to_pydict()
        for path in sorted((folder / "runs").rglob("*.parquet"))
    }
