"""Output for people and spreadsheets: comparison tables (rich, imported only here), CSV, explain text.

Tables are plain (no colour, no box art) when the output is not a terminal or ``NO_COLOR`` is set,
and fit an 80-column terminal for three platforms.
"""

from __future__ import annotations

import csv
import os
import sys
from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import IO, TYPE_CHECKING

import click

from ..engine import Report
from ..money import grouped, round_fen
from ..statement import TOTALS, Line, Statement

if TYPE_CHECKING:
    from rich.console import Console

ROWS = {
    "income": "Gross income",
    "fees": "Fees and commission",
    "incentives": "Incentives",
    "transfers": "To co-creators",
    "compensation": "Compensation",
    "mcn": "MCN share",
    "tax": "Tax",
}
assert set(ROWS) == set(TOTALS)


def plain() -> bool:
    """No colour and no box art: piped output, or ``NO_COLOR`` set (https://no-color.org)."""
    return bool(os.environ.get("NO_COLOR")) or not sys.stdout.isatty()


def console() -> Console:
    from rich.console import Console

    if plain():
        return Console(file=sys.stdout, no_color=True, highlight=False, force_terminal=False, width=80,
                       emoji=False)
    return Console(file=sys.stdout, highlight=False, emoji=False)


def best_net(report: Report, fictional: Collection[str] = ()) -> Decimal | None:
    """The highest net among the real platforms that settled, when more than one did: a fictional
    platform (``Platform.fictional``) never wins a comparison."""
    ok = [s.net for s in report.results if s.status == "ok" and s.platform not in fictional]
    return max(ok) if len(ok) > 1 else None


def print_comparison(report: Report, cpm: Decimal | None = None, fictional: Collection[str] = ()) -> None:
    """Platforms as columns, totals as rows, the best net marked; then reasons and violations.

    ``fictional``: platforms whose figures are made up: their column is labelled so, never marked best.
    """
    from rich import box
    from rich.table import Table

    out = console()
    scenario = report.scenario
    click.echo(f"{scenario.name or scenario.source} ({scenario.period}, {scenario.source})")
    table = Table(box=None if plain() else box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("CNY", no_wrap=True)
    for statement in report.results:
        header = f"{statement.platform}\n(fictional)" if statement.platform in fictional else statement.platform
        table.add_column(header, justify="right", no_wrap=True)
    best = best_net(report, fictional)
    for key, label in ROWS.items():
        table.add_row(label, *(_money(s, s.totals[key]) for s in report.results))
    table.add_row("Net", *(_net(s, best if s.platform not in fictional else None) for s in report.results),
                  end_section=True)
    table.add_row("Traffic (impressions)", *(f"{s.impressions:,}" for s in report.results))
    if any(s.matched_users for s in report.results):
        table.add_row("Matched users", *(f"{s.matched_users:,}" for s in report.results))
    if cpm is not None:
        table.add_row(f"Traffic at {cpm} CPM", *(grouped(traffic_cny(s, cpm)) for s in report.results))
    if any(s.not_offered for s in report.results):
        table.add_row("Not offered", *(", ".join(n.activity for n in s.not_offered) or "-"
                                       for s in report.results))
    out.print(table)
    if best is not None:
        click.echo("* best net" + (" (a fictional platform is never marked)" if fictional else ""))
    for line in details(report.results):
        click.echo(line)
    for notice in report.notices:
        click.echo(f"note: {notice}")


def traffic_cny(statement: Statement, cpm: Decimal) -> Decimal:
    """Traffic's CNY equivalent at ``cpm`` CNY per 1,000 impressions: shown, never added (CORE-TRAFFIC-01)."""
    return round_fen(Decimal(statement.impressions) * cpm / 1000)


def _money(statement: Statement, value: Decimal) -> str:
    return grouped(value) if statement.status == "ok" else "-"


def _net(statement: Statement, best: Decimal | None) -> str:
    if statement.status != "ok":
        return statement.status
    return grouped(statement.net) + (" *" if statement.net == best else "")


def details(results: Sequence[Statement]) -> list[str]:
    """The reasons under a table: not offered, violations, pending orders, errors."""
    lines: list[str] = []
    sections = (
        ("Not offered", [f"{s.platform}: {n.activity}: {n.reason}" for s in results for n in s.not_offered]),
        ("Violations", [f"{s.platform}: {v.rule}{_order(v.order, v.participant)}: {v.message}"
                        for s in results for v in s.violations]),
        ("Pending", [f"{s.platform}: order {p.order}: {p.reason}" for s in results for p in s.pending]),
        ("Errors", [f"{s.platform}: {s.status}: {s.error}" for s in results if s.error]),
    )
    for title, items in sections:
        if items:
            lines.append(f"{title}:")
            lines.extend(f"  {item}" for item in items)
    return lines


def _order(order: str | None, participant: str | None) -> str:
    where = f" order {order}" if order else ""
    return where + (f" ({participant})" if participant else "")


CSV_FIELDS = ("scenario", "period", "platform", "status", *TOTALS, "net", "impressions", "matched_users",
              "violations", "not_offered", "error")


def write_csv(reports: Sequence[Report], stream: IO[str], cpm: Decimal | None = None) -> None:
    """One row per scenario and platform: the totals, net and traffic (``traffic_cny`` with --cpm)."""
    fields = [*CSV_FIELDS, "traffic_cny"] if cpm is not None else list(CSV_FIELDS)
    writer = csv.DictWriter(stream, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for report in reports:
        for s in report.results:
            row: dict[str, object] = {
                "scenario": report.scenario.source, "period": str(report.scenario.period),
                "platform": s.platform, "status": s.status, "net": f"{s.net:.2f}",
                "impressions": s.impressions, "matched_users": s.matched_users,
                "violations": " ".join(sorted({v.rule for v in s.violations})),
                "not_offered": " ".join(n.activity for n in s.not_offered), "error": s.error or "",
            }
            row.update({k: f"{v:.2f}" for k, v in s.totals.items()})
            if cpm is not None:
                row["traffic_cny"] = f"{traffic_cny(s, cpm):.2f}"
            writer.writerow(row)


def explain_line(line: Line, source: str, flagged: bool) -> str:
    """``RULE  payer → payee  base × rate = value  (+amount for you)  [label] source``."""
    mark = "!" if flagged else " "
    rate = f"{line.rate.normalize():f}" if line.rate == line.rate.normalize() else f"{line.rate:f}"
    head = f"{mark} {line.rule:<13} {line.payer} → {line.payee}"
    if round_fen(line.base * line.rate) == line.value:
        figures = f"{_num(line.base)} × {rate} = {grouped(line.value)}"
    else:  # a deduction, a cap or a budget shapes the value: the note gives the whole computation
        figures = f"{_num(line.base)} × {rate} → {grouped(line.value)} (see note)"
    you = f"you {'+' if line.amount > 0 else ''}{grouped(line.amount)}" if line.amount else "you 0.00"
    order = f" order {line.order}" if line.order else ""
    text = f"{head}{order}\n    {figures}   ({you})   [{line.label}] {source}"
    if line.note:
        text += f"\n    {line.note}"
    return text


def _num(value: Decimal) -> str:
    """A base: grouped with two places when it is money, as given otherwise (a bean count)."""
    if value == value.to_integral_value() and value.as_tuple().exponent == 0:
        return f"{value:,}"
    return grouped(value)


def echo_lines(lines: Sequence[str]) -> None:
    for line in lines:
        click.echo(line)
