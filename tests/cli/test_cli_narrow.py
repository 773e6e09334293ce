"""A money figure is never cut: on a terminal narrower than the table, ``compare`` and ``sweep`` print
one block per platform instead (issue 17). The real console script runs at 60 and 80 columns
(``COLUMNS``, which rich reads too) and every figure of its JSON output must appear whole in its text."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from creatorpay.core.cli import cli as group
from creatorpay.core.money import grouped
from tests.helpers import EXAMPLES, ROOT, examples
from tests.ledger.ledger_support import CLI

#: The console script pip installed beside this interpreter, else the same entry point run by it.
SCRIPT = (
    [str(Path(sys.executable).with_name("creatorpay"))]
    if Path(sys.executable).with_name("creatorpay").exists()
    else CLI
)
#: Figures of eight and nine digits on every platform: wide enough to overflow 80 columns.
BIG = """schema = 1
name = "Big month"
period = "2026-10"

[creator]
id = "me"
followers = 52000

[tips]
yuan = "138980259.55"
beans_android = 300000000
beans_ios = 70000000
"""


def run(columns: int, *args: str) -> str:
    env = {**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1"}
    done = subprocess.run([*SCRIPT, *args], capture_output=True, text=True, timeout=120, cwd=ROOT, env=env, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def whole(figure: str, text: str) -> bool:
    """``figure`` (grouped) appears with no digit, separator or ellipsis glued to either end."""
    return re.search(rf"(?<![\d,.]){re.escape(figure)}(?![\d,.…])", text) is not None


def compare_figures(document: dict[str, object]) -> list[str]:
    results = document["results"]
    assert isinstance(results, list)
    return [grouped(Decimal(value)) for result in results for value in (*result["totals"].values(), result["net"])]


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("narrow") / "big.toml"
    path.write_text(BIG, encoding="utf-8")
    return path


@pytest.mark.parametrize("columns", [60, 80])
def test_compare_never_cuts_a_figure(columns: int, big: Path) -> None:
    for scenario in [big, *sorted(EXAMPLES.glob("*.toml"))]:
        text = run(columns, "compare", str(scenario))
        document = json.loads(run(columns, "compare", str(scenario), "--format", "json"))
        assert "…" not in text, text
        for figure in compare_figures(document):
            assert whole(figure, text), f"{figure} not whole at {columns} columns:\n{text}"
        table = text.split("* best net")[0].splitlines()[1:]
        assert max(len(line) for line in table) <= columns, text


@pytest.mark.parametrize("columns", [60, 80])
def test_sweep_never_cuts_a_figure(columns: int, big: Path) -> None:
    args = ("sweep", str(big), "--vary", "tips.yuan=0:900000000:300000000", "--no-chart")
    text = run(columns, *args)
    document = json.loads(run(columns, *args, "--format", "json"))
    assert "…" not in text, text
    for point in document["grid"]:
        for net in point["net"].values():
            assert whole(grouped(Decimal(net)), text), f"{net} not whole at {columns} columns:\n{text}"
    table = text.split("* best net")[0].splitlines()[2:]
    assert max(len(line) for line in table) <= columns, text


def test_a_table_that_fits_stays_a_table() -> None:
    text = run(200, "compare", str(EXAMPLES / "food-vlogger.toml"))
    assert text.splitlines()[1].startswith("CNY "), text


@settings(max_examples=examples(12), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    columns=st.integers(min_value=40, max_value=140),
    yuan=st.decimals(min_value=0, max_value=Decimal("9999999999.99"), places=2),
)
def test_any_width_any_amount(columns: int, yuan: Decimal, tmp_path: Path) -> None:
    """Property: at any width, every net of ``compare`` is whole in its text, in a table or blocks."""
    path = tmp_path / "tips.toml"
    path.write_text(BIG.replace('"138980259.55"', f'"{yuan}"'), encoding="utf-8")
    runner = CliRunner()
    env = {"COLUMNS": str(columns), "NO_COLOR": "1"}
    text = runner.invoke(group, ["compare", str(path)], env=env, catch_exceptions=False).output
    document = json.loads(runner.invoke(group, ["compare", str(path), "--format", "json"], env=env).output)
    assert "…" not in text
    for figure in compare_figures(document):
        assert whole(figure, text), text
