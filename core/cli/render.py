"""Tables for people, rendered by rich (imported here only, when a table is printed).

Plain text (no colour, no box art) when the output is not a terminal or ``NO_COLOR`` is set.
"""

from __future__ import annotations

import os
import sys

from ..engine import Report
from ..money import grouped
from ..statement import Statement

ROWS = (
    ("income", "Gross income"),
    ("fees", "Fees and commission"),
    ("incentives", "Incentives"),
    ("transfers", "Transfers to co-creators"),
    ("compensation", "Compensation"),
    ("mcn", "MCN share"),
    ("tax", "Tax"),
)


def _plain() -> bool:
    return bool(os.environ.get("NO_COLOR")) or not sys.stdout.isatty()


def print_table(report: Report) -> None:
    """The comparison table of one scenario, then what was not offered and what was violated."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    plain = _plain()
    console = Console(no_color=plain, highlight=False, width=None if not plain else 100,
                      force_terminal=False if plain else None)
    title = report.scenario.name or report.scenario.source
    table = Table(title=f"{title} ({report.scenario.period})", box=None if plain else box.SIMPLE_HEAD,
                  title_justify="left", pad_edge=False)
    table.add_column("CNY")
    ok = [s for s in report.results if s.status == "ok"]
    best = max((s.net for s in ok), default=None)
    for statement in report.results:
        marker = " *" if statement.status == "ok" and statement.net == best and len(ok) > 1 else ""
        table.add_column(statement.platform + marker, justify="right")
    for key, label in ROWS:
        table.add_row(label, *(_cell(s, key) for s in report.results))
    table.add_row("Net", *(grouped(s.net) if s.status == "ok" else s.status for s in report.results))
    table.add_row("Traffic (impressions)", *(f"{s.impressions:,}" for s in report.results))
    console.print(table)
    if len(ok) > 1 and best is not None:
        console.print("* best net")
    _details(console, report.results)


def _cell(statement: Statement, key: str) -> str:
    if statement.status != "ok":
        return "-"
    return grouped(statement.totals[key])


def _details(console: object, results: tuple[Statement, ...]) -> None:
    from rich.console import Console

    assert isinstance(console, Console)
    for s in results:
        for item in s.not_offered:
            console.print(f"{s.platform}: {item.activity} not offered: {item.reason}")
        for v in s.violations:
            where = f" order {v.order}" if v.order else ""
            console.print(f"{s.platform}: violation {v.rule}{where}: {v.message}")
        for p in s.pending:
            console.print(f"{s.platform}: pending order {p.order}: {p.reason}")
        if s.error:
            console.print(f"{s.platform}: {s.status}: {s.error}")
