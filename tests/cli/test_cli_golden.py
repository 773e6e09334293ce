"""Golden outputs of compare (table, JSON, CSV) and explain for every bundled example.

Regenerate after an intended change, then review the diff:
    CREATORPAY_REGEN_GOLDEN=1 python -m pytest tests/cli
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from creatorpay.core.cli import cli
from tests.helpers import EXAMPLES

GOLDEN = Path(__file__).with_name("golden")
REGEN = os.environ.get("CREATORPAY_REGEN_GOLDEN") == "1"
#: The plugins shipped with creatorpay: an allow list, so another installed plugin adds no column.
CASES = [
    (f"{example.stem}.{suffix}", [command, f"examples/{example.name}", *extra])
    for example in sorted(EXAMPLES.glob("*.toml"))
    for suffix, command, extra in (
        ("table.txt", "compare", []),
        ("json", "compare", ["--format", "json"]),
        ("csv", "compare", ["--format", "csv"]),
        ("explain.txt", "explain", []),
    )
]


@pytest.mark.usefixtures("built_in_at_root")
@pytest.mark.parametrize(("golden", "args"), CASES, ids=[c[0] for c in CASES])
def test_output_matches_golden(golden: str, args: list[str]) -> None:
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    path = GOLDEN / golden
    if REGEN:
        path.write_text(result.output, encoding="utf-8")
    assert result.output == path.read_text(encoding="utf-8"), f"differs from {path}; see the module docstring"


def test_tables_fit_80_columns() -> None:
    for path in GOLDEN.glob("*.table.txt"):
        table = path.read_text(encoding="utf-8").split("* best net")[0].splitlines()[1:]
        assert max(len(line) for line in table) <= 80, path
