"""Output for people and spreadsheets: comparison tables (rich, imported only here), CSV, explain text.

Tables are plain (no colour, no box art) when the output is not a terminal or ``NO_COLOR`` is set,
and fit an 80-column terminal for three platforms; a table wider than the terminal (``COLUMNS`` for
piped output, 80 when unset) is printed as one block per platform instead, so a figure is never cut.
"""

from __future__ import annotations

import csv
import os
import sys
from decimal import Decimal
from fractions import Fraction
from typing import IO, TYPE_CHECKING

import click

from ..money import grouped, round_fen
from ..statement import TOTALS, Line, Statement

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

    from rich.console import Console
    from rich.table import Table

    from ..engine import Report

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
    """No colour and no box art: piped output, ``NO_COLOR``, ``--color`` (:func:`creatorpay.core.cli.plain`)."""
    from . import plain as decided

    return decided()


def columns() -> int:
    """The width to fit: the terminal's (rich reads ``COLUMNS`` too); piped output 80 columns, or
    ``COLUMNS`` when set."""
    from rich.console import Console

    if plain():
        given = os.environ.get("COLUMNS", "")
        return int(given) if given.isdigit() and int(given) > 0 else 80
    return Console(file=sys.stdout).width


def console() -> Console:
    from rich.console import Console

    if plain():
        return Console(
            file=sys.stdout, no_color=True, highlight=False, force_terminal=False, width=columns(), emoji=False
        )
    return Console(file=sys.stdout, highlight=False, emoji=False)


def fits(out: Console, table: Table, spare: int = 0) -> bool:
    """Whether ``table`` prints whole in ``out``'s width with ``spare`` columns left over: no cell of a
    column that does not wrap (a money figure, a platform name) would be cut with "…"."""
    from rich.measure import Measurement

    return Measurement.get(out, out.options.update(width=1_000_000), table).maximum + spare <= out.width


def blocks(
    title: str,
    names: Sequence[str],
    rows: Sequence[tuple[str, Sequence[str]]],
    notes: Sequence[str] = (),
    numeric_labels: bool = False,
) -> list[str]:
    """The vertical layout of a table too wide for the terminal: one block per column (a platform),
    each with every row's label and figure (then the row's note, if any), figures right-aligned and
    never cut. Labels are left-aligned, or right-aligned when they are numbers (a sweep's values)."""
    align = ">" if numeric_labels else "<"
    label_width = max((len(label) for label, _ in rows), default=0)
    figure_width = max((len(cell) for _, cells in rows for cell in cells), default=0)
    lines: list[str] = []
    for index, name in enumerate(names):
        if index:
            lines.append("")
        lines.append(f"{name} ({title})")
        for number, (label, cells) in enumerate(rows):
            note = notes[number] if number < len(notes) else ""
            lines.append(f"  {label:{align}{label_width}}  {cells[index]:>{figure_width}}  {note}".rstrip())
    return lines


def best_net(report: Report, fictional: Collection[str] = ()) -> Decimal | None:
    """The highest net among the real platforms that settled, when more than one did: a fictional
    platform (``Platform.fictional``) never wins a comparison."""
    ok = [s.net for s in report.results if s.status == "ok" and s.platform not in fictional]
    return max(ok) if len(ok) > 1 else None


def comparison_rows(
    report: Report, cpm: Decimal | None = None, fictional: Collection[str] = ()
) -> list[tuple[str, list[str]]]:
    """The comparison's rows (label, one cell per platform): totals, net (the best marked, never a
    fictional platform's), traffic."""
    results, best = report.results, best_net(report, fictional)
    rows = [(label, [_money(s, s.totals[key]) for s in results]) for key, label in ROWS.items()]
    rows.append(("Net", [_net(s, best if s.platform not in fictional else None) for s in results]))
    rows.append(("Traffic (impressions)", [f"{s.impressions:,}" for s in results]))
    if any(s.matched_users for s in results):
        rows.append(("Matched users", [f"{s.matched_users:,}" for s in results]))
    if cpm is not None:
        rows.append((f"Traffic at {cpm} CPM", [grouped(traffic_cny(s, cpm)) for s in results]))
    if any(s.not_offered for s in results):
        rows.append(("Not offered", [", ".join(n.activity for n in s.not_offered) or "-" for s in results]))
    return rows


def print_comparison(report: Report, cpm: Decimal | None = None, fictional: Collection[str] = ()) -> None:
    """Platforms as columns, totals as rows, the best net marked (one block per platform when the table
    does not fit the terminal); then reasons and violations.

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
    rows = comparison_rows(report, cpm, fictional)
    net_row = [label for label, _ in rows].index("Net")
    for number, (label, cells) in enumerate(rows):
        table.add_row(label, *cells, end_section=number == net_row)
    if fits(out, table):
        out.print(table)
    else:
        echo_lines(
            blocks(
                "CNY", [s.platform + (" (fictional)" if s.platform in fictional else "") for s in report.results], rows
            )
        )
    if best_net(report, fictional) is not None:
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
        (
            "Violations",
            [
                f"{s.platform}: {v.rule}{_order(v.order, v.participant)}: {v.message}"
                for s in results
                for v in s.violations
            ],
        ),
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


CSV_FIELDS = (
    "scenario",
    "period",
    "platform",
    "status",
    *TOTALS,
    "net",
    "impressions",
    "matched_users",
    "violations",
    "not_offered",
    "error",
)


def write_csv(reports: Sequence[Report], stream: IO[str], cpm: Decimal | None = None) -> None:
    """One row per scenario and platform: the totals, net and traffic (``traffic_cny`` with --cpm)."""
    fields = [*CSV_FIELDS, "traffic_cny"] if cpm is not None else list(CSV_FIELDS)
    writer = csv.DictWriter(stream, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for report in reports:
        for s in report.results:
            row: dict[str, object] = {
                "scenario": report.scenario.source,
                "period": str(report.scenario.period),
                "platform": s.platform,
                "status": s.status,
                "net": f"{s.net:.2f}",
                "impressions": s.impressions,
                "matched_users": s.matched_users,
                "violations": " ".join(sorted({v.rule for v in s.violations})),
                "not_offered": " ".join(n.activity for n in s.not_offered),
                "error": s.error or "",
            }
            row.update({k: f"{v:.2f}" for k, v in s.totals.items()})
            if cpm is not None:
                row["traffic_cny"] = f"{traffic_cny(s, cpm):.2f}"
            writer.writerow(row)


def explain_line(line: Line, source: str, flagged: bool) -> str:
    """``RULE  payer → payee  base × rate = value  (+amount for you)  [label] source`` (``base ÷ 7`` for
    a rate of 1/7, :func:`shown_rate`)."""
    mark = "!" if flagged else " "
    head = f"{mark} {line.rule:<13} {line.payer} → {line.payee}"
    if round_fen(line.base * line.rate) == line.value:
        figures = f"{_num(line.base)} {shown_rate(line)} = {grouped(line.value)}"
    else:  # a deduction, a cap or a budget shapes the value: the note gives the whole computation
        figures = f"{_num(line.base)} {shown_rate(line)} → {grouped(line.value)} (see note)"
    you = f"you {'+' if line.amount > 0 else ''}{grouped(line.amount)}" if line.amount else "you 0.00"
    order = f" order {line.order}" if line.order else ""
    text = f"{head}{order}\n    {figures}   ({you})   [{line.label}] {source}"
    if line.note:
        text += f"\n    {line.note}"
    return text


#: The largest denominator recognised in a decimal rate (a ratio of small whole numbers, ``1/7``).
SMALL_DENOMINATOR = 1000


def shown_rate(line: Line) -> str:
    """How a line's rate is applied, for people: ``× 0.3``; a rate whose decimal does not end (``1/7``,
    given by the plugin as a fraction or recognised as a ratio of small whole numbers) as a division,
    ``÷ 7`` or ``× 2 ÷ 3``. The JSON's ``rate`` stays the decimal (docs/output.md)."""
    ratio = line.fraction or _small_ratio(line.rate)
    if ratio is not None and not _terminates(ratio):
        return f"÷ {ratio.denominator:,}" if ratio.numerator == 1 else f"× {ratio.numerator:,} ÷ {ratio.denominator:,}"
    rate = line.rate
    return f"× {rate.normalize():f}" if rate == rate.normalize() else f"× {rate:f}"


def _small_ratio(rate: Decimal) -> Fraction | None:
    """``rate`` as p/q with q at most :data:`SMALL_DENOMINATOR`, when the division p / q in the
    decimal context gives exactly ``rate`` (a rate a plugin computed as ``Decimal(1) / 7``)."""
    if not rate.is_finite() or rate <= 0:
        return None
    ratio = Fraction(rate).limit_denominator(SMALL_DENOMINATOR)
    return ratio if Decimal(ratio.numerator) / Decimal(ratio.denominator) == rate else None


def _terminates(ratio: Fraction) -> bool:
    """Whether p/q has a finite decimal form: q has no prime factor but 2 and 5."""
    q = ratio.denominator
    for prime in (2, 5):
        while q % prime == 0:
            q //= prime
    return q == 1


def _num(value: Decimal) -> str:
    """A base: grouped with two places when it is money, as given otherwise (a bean count)."""
    if value == value.to_integral_value() and value.as_tuple().exponent == 0:
        return f"{value:,}"
    return grouped(value)


def echo_lines(lines: Sequence[str]) -> None:
    for line in lines:
        click.echo(line)
