"""``creatorpay compare``: one scenario's payouts on several platforms, side by side."""

from __future__ import annotations

import json
import sys
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

import click

from ..files import check_outputs, path_text
from .common import (
    check_platforms,
    document_to,
    load_each,
    make_engine,
    output_option,
    platform_option,
    report_failures,
    rules_option,
)

if TYPE_CHECKING:
    from pathlib import Path

    from ..engine import Report


def _cpm(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise click.BadParameter(f"expected CNY per 1,000 impressions such as 12.5, found {value!r}") from None
    if not number.is_finite() or number < 0:
        raise click.BadParameter(f"expected a number >= 0, found {value!r}")
    return number


@click.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path())
@platform_option
@rules_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option(
    "--cpm",
    callback=_cpm,
    metavar="N",
    help="CNY per 1,000 impressions: show traffic's CNY equivalent (CORE-TRAFFIC-01).",
)
@click.option("--strict", is_flag=True, help="Exit 1 when any platform reports a violation.")
@output_option
def compare(
    scenarios: tuple[str, ...],
    platforms: tuple[str, ...],
    rules: Path | None,
    fmt: str,
    cpm: Decimal | None,
    strict: bool,
    output: Path | None,
) -> None:
    """Compare payouts for the same month of work across platforms.

    Rows are gross income, fees and commission, incentives, transfers to co-creators, compensation,
    MCN share, tax, net and traffic; the best net is marked with * (never a fictional platform's).
    Several SCENARIOS give one table each, or a JSON array; a bad one is reported and the others are
    still compared (exit 2). A platform whose plugin failed is shown as error (exit 1).

    \b
    Examples:
      creatorpay compare examples/food-vlogger.toml
      creatorpay compare examples/*.toml --format json --platform wechat_channels
      creatorpay compare examples/food-vlogger.toml --rules marginal.toml --cpm 12.5
      creatorpay compare examples/food-vlogger.toml --format csv -o food.csv
    """
    scenarios = tuple(map(path_text, scenarios))  # named as pathlib would, without importing it
    engine = make_engine(rules)
    chosen = check_platforms(engine, platforms)
    fictional = frozenset(name for name in engine.platforms if engine.platform(name).fictional)
    inputs = [*(("SCENARIO", path) for path in scenarios), ("--rules", rules)]
    check_outputs([("--output", output)], inputs)  # before anything is settled
    loaded, code = load_each(scenarios, engine)
    reports = [engine.compare(scenario, chosen) for scenario in loaded]
    if reports or len(scenarios) > 1:
        with document_to(output, inputs):
            _print(reports, fmt, cpm, fictional, several=len(scenarios) > 1)
    code = max(code, report_failures((str(r.scenario.source), s) for r in reports for s in r.results))
    if strict and any(s.violations for r in reports for s in r.results):
        code = max(code, 1)
    if code:
        raise click.exceptions.Exit(code)


def _print(reports: list[Report], fmt: str, cpm: Decimal | None, fictional: frozenset[str], *, several: bool) -> None:
    if fmt == "json":
        documents = [r.to_dict(cpm) for r in reports]
        click.echo(json.dumps(documents if several else documents[0], ensure_ascii=False, indent=2))
    elif fmt == "csv":
        from .render import write_csv

        write_csv(reports, sys.stdout, cpm)
    else:
        from .render import print_comparison

        for index, report in enumerate(reports):
            if index:
                click.echo()
            print_comparison(report, cpm, fictional)
